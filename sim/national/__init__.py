"""England as one run (ODD §9, D-NAT1-D-NAT6): every local authority a district model of its own adults and
deprivation mix, coupled once a year through the tier that runs each service, in one process or as authority
partitions on Dask with identical results.

``country`` plans the authorities (scale, units, random streams), ``partition`` holds and advances a set of
authority models, ``couplings`` applies the yearly national couplings, ``run`` drives a run to Parquet (and
resumes an interrupted one), ``report`` writes its tables, figure and Markdown.
"""

from .country import authority_seed, plan_country
from .run import run_national

__all__ = ["authority_seed", "plan_country", "run_national"]
