"""Kernel of the metrics' pass over a sector's slots (ODD §8): satisfaction by deprivation quintile and each
slot's mismatch with its provider's design, without the index and weight casts of ``bincount``. The
authority-wide sums stay NumPy's (pairwise) sums, so every metric keeps its last bit."""

from __future__ import annotations

import numpy as np

from . import compiled


@compiled
def add_satisfaction_by_quintile(citizen, deprivation, satisfaction, satisfaction_sum, users):
    """ODD §8 satisfaction_gap: adds this sector's satisfaction and users per deprivation quintile of the
    citizen (sums started from zero for the sector and then added to the totals, as per-sector counts were)."""
    sector_sum = np.zeros(satisfaction_sum.size)
    sector_users = np.zeros(users.size)
    for slot in range(citizen.size):
        quintile = deprivation[citizen[slot]]
        sector_sum[quintile] += np.float64(satisfaction[slot])
        sector_users[quintile] += 1.0
    satisfaction_sum += sector_sum
    users += sector_users


@compiled
def mismatch(x, provider, design):
    """ODD §8 responsiveness: |x_i - design[p_i]| of each slot, in float64."""
    out = np.empty(x.size)
    for slot in range(x.size):
        out[slot] = np.abs(np.float64(x[slot]) - design[provider[slot]])
    return out
