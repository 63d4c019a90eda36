"""England's local authorities as data: who they are, where they are, which tier runs which service, how many
adults they have and how those adults spread over the national deprivation deciles (ODD §9, D-S5, D-NAT1).

The table ``sim/data/england_local_authorities.csv`` has one row per local authority district (2019 codes, the
317 of the English Indices of Deprivation 2019) and was aggregated from the 32,844 neighbourhoods (lower-layer
super output areas) of two published files of the English Indices of Deprivation 2019 (Ministry of Housing,
Communities and Local Government, 26 September 2019; Open Government Licence v3.0):

* File 1 (Index of Multiple Deprivation): each neighbourhood's district and national IMD decile (1 = the most
  deprived 10% of neighbourhoods in England);
* File 6 (population denominators): the ONS mid-2015 population estimates (excluding prisoners) that the
  indices use, of which dependent children aged 0-15.

Columns: ``code``, ``name``, ``tier`` (from the code: E06 unitary, E07 district of a two-tier county, E08
metropolitan district, E09 London borough), ``region`` (the nine ONS regions), ``county_code`` and
``county_name`` (the county council above a two-tier district, E10 codes; empty for single-tier authorities),
``lsoas`` (neighbourhoods), ``population`` (all ages), ``adults`` (aged 16 and over: the population less
dependent children) and ``adults_decile_1`` ... ``adults_decile_10`` (adults living in neighbourhoods of each
national decile).

Regions and counties are those of April 2019 (26 county councils over 192 districts, Dorset and Bournemouth,
Christchurch and Poole unitary since 1 April 2019, Buckinghamshire two-tier until 2020), taken from mySociety's
"UK local authority names and codes" lookup (github.com/mysociety/uk_local_authority_names_and_codes, file
``uk_local_authorities_current.csv``, July 2025: each authority's GSS code, ONS region and parent county,
abolished authorities kept with their end dates), itself compiled from the ONS Open Geography Portal's
lookups (Local Authority District to County and to Region, April 2019). The lookup leaves Kettering's region
blank: East Midlands, as for the rest of Northamptonshire. Counties' regions are their districts'.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

TIERS = ("unitary", "district", "metropolitan district", "London borough")
DECILES = tuple(f"adults_decile_{d}" for d in range(1, 11))
REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")

# Which tier runs a service (ODD §9, D-NAT1). "national": one formula and one design for all of England (schools:
# the national funding formula, DfE 2018, and the national curriculum); "upper": the county council above a
# two-tier district, or the single-tier authority itself (adult social care, children's services, education
# support, youth justice: Care Act 2014 and Local Government Act 1972 functions of upper-tier authorities);
# "district": the lower tier (leisure, parks, housing, waste collection, regeneration). Health is the NHS's.
SERVICE_TIER: dict[str, str] = {
    "health": "national",
    "primary_education": "national",
    "secondary_education": "national",
    "elderly_care": "upper",
    "childcare": "upper",
    "employment_advice": "national",
    "youth_justice": "upper",
    "parks_libraries": "district",
    "leisure": "district",
    "recycling": "district",
    "housing": "district",
    "regeneration": "district",
}
SERVICE_TIERS = ("national", "upper", "district")


def local_authorities() -> pd.DataFrame:
    """The table, one row per local authority district, indexed by its code, with its upper tier added:
    ``upper_tier_code`` / ``upper_tier_name`` (the county for a two-tier district, the authority itself
    otherwise)."""
    with resources.files("sim").joinpath("data/england_local_authorities.csv").open() as table:
        frame = pd.read_csv(table, index_col="code", keep_default_na=False,
                            dtype={"county_code": str, "county_name": str})
    two_tier = frame["county_code"] != ""
    frame["upper_tier_code"] = frame["county_code"].where(two_tier, frame.index.to_series())
    frame["upper_tier_name"] = frame["county_name"].where(two_tier, frame["name"])
    return frame


def upper_tiers(table: pd.DataFrame) -> pd.DataFrame:
    """One row per upper-tier authority (county council, unitary, metropolitan district, London borough): its
    name, tier ("county" for a county council), region, adults and the districts it covers."""
    grouped = table.groupby("upper_tier_code", sort=True)
    frame = pd.DataFrame({
        "name": grouped["upper_tier_name"].first(),
        "tier": grouped["tier"].first().where(grouped["county_code"].first() == "", "county"),
        "region": grouped["region"].first(),
        "adults": grouped["adults"].sum(),
        "districts": grouped.size(),
    })
    frame.index.name = "code"
    return frame


def service_tier(sector: str) -> str:
    """The tier that runs ``sector`` (one of ``SERVICE_TIERS``); an unknown sector is refused by name."""
    if sector not in SERVICE_TIER:
        raise ValueError(f"sector: {sector!r} is not allowed; expected one of {', '.join(SERVICE_TIER)}")
    return SERVICE_TIER[sector]


def deprivation_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each authority's share of adults in each national deprivation decile (columns 1..10; rows sum to 1)."""
    shares = table[list(DECILES)].div(table["adults"], axis=0)
    shares.columns = range(1, 11)
    return shares


def deprivation_quintile_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each authority's share of adults in each of the model's deprivation quintiles (ODD §5: 0 = least
    deprived, 4 = most), from the national IMD deciles (decile 1 = most deprived: quintile 4 = deciles 1-2)."""
    deciles = deprivation_shares(table)
    quintiles = pd.DataFrame({q: deciles[9 - 2 * q] + deciles[10 - 2 * q] for q in range(5)}, index=table.index)
    return quintiles
