"""Kernel of the per-row tallies of a sector's users (ODD §7.6, aggregation): five sums in one pass over its
slots, where there were five ``bincount`` passes each casting its indices and weights to 64 bits."""

from __future__ import annotations

import numpy as np

from ..population import CONTRIBUTE, OPT_OUT
from . import compiled


@compiled
def add_sector_tallies(provider, stance, need, x, unit, home_row, users, weighted_users, eligible, contributors,
                       preference_sum):
    """ODD §7.6: adds to each provider row this sector's users (all but opt-outs), need-weighted users, eligible
    residents (slots whose home catchment is the row), contributors and the sum of contributors' preferred
    designs (x (slots, D), preference_sum (rows, D), per dimension). The sector's sums start from zero and are
    added to the totals at the end, as the sum over sectors of per-sector counts was."""
    n_rows, dimensions = preference_sum.shape
    sector_users, sector_weighted = np.zeros(n_rows), np.zeros(n_rows)
    sector_eligible, sector_contributors = np.zeros(n_rows), np.zeros(n_rows)
    sector_preference = np.zeros((n_rows, dimensions))
    for slot in range(provider.size):
        row = provider[slot]
        if stance[slot] != OPT_OUT:
            sector_users[row] += 1.0
            sector_weighted[row] += np.float64(need[slot])
        if stance[slot] == CONTRIBUTE:
            sector_contributors[row] += 1.0
            for dimension in range(dimensions):
                sector_preference[row, dimension] += np.float64(x[slot, dimension])
        sector_eligible[home_row[unit[slot]]] += 1.0
    users += sector_users
    weighted_users += sector_weighted
    eligible += sector_eligible
    contributors += sector_contributors
    preference_sum += sector_preference
