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
