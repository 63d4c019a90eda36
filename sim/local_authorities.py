"""England's local authority districts as data: code, name, tier, adults and how they spread over the national
deprivation deciles, for a national run (a first step; the national run itself is still to come).

The table ``sim/data/england_local_authorities.csv`` has one row per local authority district (2019 codes, the
317 of the English Indices of Deprivation 2019) and was aggregated from the 32,844 neighbourhoods (lower-layer
super output areas) of two published files of the English Indices of Deprivation 2019 (Ministry of Housing,
Communities and Local Government, 26 September 2019; Open Government Licence v3.0):

* File 1 (Index of Multiple Deprivation): each neighbourhood's district and national IMD decile (1 = the most
  deprived 10% of neighbourhoods in England);
* File 6 (population denominators): the ONS mid-2015 population estimates (excluding prisoners) that the
  indices use, of which dependent children aged 0-15.

Columns: ``code``, ``name``, ``tier`` (from the code: E06 unitary, E07 district of a two-tier county, E08
metropolitan district, E09 London borough), ``lsoas`` (neighbourhoods), ``population`` (all ages), ``adults``
(aged 16 and over: the population less dependent children) and ``adults_decile_1`` ... ``adults_decile_10``
(adults living in neighbourhoods of each national decile). The county councils above the districts (the
upper tier that runs care) are not in these files and not yet in the table.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

TIERS = ("unitary", "district", "metropolitan district", "London borough")
DECILES = tuple(f"adults_decile_{d}" for d in range(1, 11))


def local_authorities() -> pd.DataFrame:
    """The table, one row per local authority district, indexed by its code."""
    with resources.files("sim").joinpath("data/england_local_authorities.csv").open() as table:
        return pd.read_csv(table, index_col="code")


def deprivation_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each authority's share of adults in each national deprivation decile (columns 1..10; rows sum to 1)."""
    shares = table[list(DECILES)].div(table["adults"], axis=0)
    shares.columns = range(1, 11)
    return shares
