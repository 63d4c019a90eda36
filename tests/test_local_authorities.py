"""England's local-authority table (``sim/local_authorities.py``) against what the English Indices of
Deprivation 2019 publish: 317 districts (2019 codes), 32,844 neighbourhoods, national deciles of 3,284 or
3,285 neighbourhoods each, and every authority's adults split over the deciles without remainder."""

from __future__ import annotations

import numpy as np

from sim.local_authorities import DECILES, TIERS, deprivation_shares, local_authorities


def test_the_table_has_every_district_and_neighbourhood_of_the_indices():
    table = local_authorities()
    assert len(table) == 317 and table.index.is_unique  # IoD2019: local authority districts, 2019 codes
    assert table["lsoas"].sum() == 32_844  # IoD2019 statistical release: 32,844 neighbourhoods in England
    assert set(table["tier"]) == set(TIERS)
    assert (table.index.str[:3].map({"E06": "unitary", "E07": "district", "E08": "metropolitan district",
                                     "E09": "London borough"}) == table["tier"]).all()


def test_adults_add_up_and_spread_over_the_national_deciles():
    table = local_authorities()
    assert (table[list(DECILES)].sum(axis=1) == table["adults"]).all()
    assert ((table["adults"] > 0) & (table["adults"] < table["population"])).all()
    # About 44 million adults (16+) in mid-2015; each national decile holds a tenth of the neighbourhoods,
    # so roughly a tenth of the adults.
    assert 43e6 < table["adults"].sum() < 46e6
    national = table[list(DECILES)].sum() / table["adults"].sum()
    assert np.all((national > 0.085) & (national < 0.115))
    shares = deprivation_shares(table)
    assert np.allclose(shares.sum(axis=1), 1.0)
    # The most deprived districts have a large share of adults in the first decile (Middlesbrough: IoD2019's
    # highest proportion of neighbourhoods in the most deprived decile, with Liverpool and Knowsley).
    assert shares.loc["E06000002", 1] > 0.4 and shares.loc["E06000002", 1] > shares[1].quantile(0.95)


def test_tiers_regions_and_counties_match_the_published_structure_of_april_2019():
    from sim.local_authorities import REGIONS, SERVICE_TIER, SERVICE_TIERS, service_tier, upper_tiers
    from sim.sectors import SECTOR_NAMES

    table = local_authorities()
    # Every district maps to one of the nine regions and to an upper tier.
    assert set(table["region"]) == set(REGIONS) and (table["upper_tier_code"] != "").all()
    # ONS, LAD to region (April 2019): districts per region.
    assert table["region"].value_counts().to_dict() == {
        "South East": 67, "East of England": 45, "East Midlands": 40, "North West": 39, "London": 33,
        "West Midlands": 30, "South West": 30, "Yorkshire and The Humber": 21, "North East": 12}
    # Two-tier districts, and only they, have a county council (E10 code) above them.
    two_tier = table["tier"] == "district"
    assert (table.loc[two_tier, "county_code"].str[:3] == "E10").all()
    assert (table.loc[~two_tier, "county_code"] == "").all()
    # April 2019: 26 county councils, 192 districts; 56 unitaries (with the Isles of Scilly), 36 metropolitan
    # districts, 33 London authorities (32 boroughs and the City): 151 upper-tier authorities in all.
    upper = upper_tiers(table)
    assert upper["tier"].value_counts().to_dict() == {
        "unitary": 56, "metropolitan district": 36, "London borough": 33, "county": 26}
    assert len(upper) == 151 and upper["districts"].sum() == 317
    assert upper["adults"].sum() == table["adults"].sum()
    counties = upper[upper["tier"] == "county"]
    assert counties.loc["E10000016", "districts"] == 12 and counties.loc["E10000016", "name"] == "Kent"
    # A county lies in one region (its districts agree).
    assert (table[two_tier].groupby("county_code")["region"].nunique() == 1).all()
    # ONS mid-2015 estimate for England: 54,786,327; the indices' denominators leave out prisoners (~0.1%).
    assert 0.997 < table["population"].sum() / 54_786_327 < 1.0
    # Every sector sits with a tier.
    assert set(SERVICE_TIER) == set(SECTOR_NAMES) and set(SERVICE_TIER.values()) == set(SERVICE_TIERS)
    assert service_tier("elderly_care") == "upper" and service_tier("leisure") == "district"
    assert service_tier("primary_education") == "national"


def test_quintile_shares_follow_the_deciles():
    from sim.local_authorities import deprivation_quintile_shares

    table = local_authorities()
    quintiles = deprivation_quintile_shares(table)
    assert np.allclose(quintiles.sum(axis=1), 1.0)
    most_deprived = (table["adults_decile_1"] + table["adults_decile_2"]) / table["adults"]
    assert np.allclose(quintiles[4], most_deprived)
