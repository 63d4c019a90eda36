"""The country to simulate: which authorities, how many simulated adults each, and each one's random stream
(ODD §9, D-NAT2).

A run at scale K simulates about one adult per K real adults: an authority of A adults gets
``max(1, round(A / K / 500))`` units of 400-600 adults (the district model's unit, ODD §5), so small
authorities are over-represented by up to one unit and every result row records its own scale (real adults per
simulated adult). Each authority's random stream is keyed by (seed, authority code) through NumPy's
``SeedSequence`` spawn keys: an authority's run never depends on which other authorities share its process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..arguments import whole_number
from ..local_authorities import deprivation_quintile_shares, deprivation_shares, local_authorities
from ..parameters import ParameterError

ADULTS_PER_UNIT = 500  # the middle of the district model's 400-600 (ODD §5)
DEFAULT_SCALE = 100


def authority_key(code: str) -> int:
    """A stable integer for an authority code (E06000001 -> 6000001): the spawn key of its random stream."""
    if not (isinstance(code, str) and len(code) == 9 and code[0] == "E" and code[1:].isdigit()):
        raise ParameterError(f"authority: {code!r} is not allowed; expected an English GSS code like E06000001")
    return int(code[1:])


def authority_seed(seed: int, code: str) -> int:
    """The district model's seed for authority ``code`` in a national run of ``seed``: the first 63 bits of
    ``SeedSequence(seed, spawn_key=(key,))``, a stream independent of every other authority's."""
    state = np.random.SeedSequence(seed, spawn_key=(authority_key(code),)).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def plan_country(scale: int = DEFAULT_SCALE, authorities: Sequence[str] | None = None,
                 table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per authority to simulate (sorted by code): its place (name, tier, region, upper tier), real
    adults, simulated units, its deprivation quintile mix (``q0``..``q4``) and its deprivation decile among
    authorities (1 = the tenth of authorities with the most adults in deprived neighbourhoods)."""
    scale = whole_number("scale", scale, 1, 100_000)
    table = (local_authorities() if table is None else table).sort_index()
    if authorities is not None:
        unknown = sorted(set(authorities) - set(table.index))
        if unknown or not authorities:
            raise ParameterError(f"authorities: {unknown or 'none'} not allowed; expected codes of "
                                 f"sim/data/england_local_authorities.csv, e.g. E06000001")
    plan = table[["name", "tier", "region", "upper_tier_code", "upper_tier_name", "adults"]].copy()
    plan["n_units"] = np.maximum(1, np.round(table["adults"] / scale / ADULTS_PER_UNIT)).astype(int)
    quintiles = deprivation_quintile_shares(table)
    for q in range(5):
        plan[f"q{q}"] = quintiles[q]
    # Mean national IMD decile of the authority's adults (1 = most deprived), ranked over all of England into
    # ten groups of authorities, so an authority's group does not depend on which others are simulated.
    mean_decile = (deprivation_shares(table) * np.arange(1, 11)).sum(axis=1)
    plan["deprivation_decile"] = 1 + (mean_decile.rank(method="first") - 1).mul(10).floordiv(len(plan)).astype(int)
    plan.index.name = "authority"
    return plan if authorities is None else plan.loc[sorted(set(authorities))]
