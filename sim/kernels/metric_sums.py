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


@compiled
def add_forms_of_participation(citizen, civic, stance, person_bits, stance_counts):
    """ODD §8 participation by form, for one sector: each holder's participation bits (``civic``) are added
    (OR) to her bits over every sector, so a person counts once whatever the services she takes part in; and
    the sector's slots are counted by stance."""
    for slot in range(citizen.size):
        person_bits[citizen[slot]] |= civic[slot]
        stance_counts[stance[slot]] += 1


@compiled
def count_holders(person_bits, masks):
    """ODD §8 participation by form: how many people hold any bit of each mask (member, voted, consulted,
    seated) in some service."""
    counts = np.zeros(masks.size, np.int64)
    for person in range(person_bits.size):
        bits = person_bits[person]
        if bits:
            for k in range(masks.size):
                if bits & masks[k]:
                    counts[k] += 1
    return counts


@compiled
def took_part_by_quintile(last_participation, since, deprivation, n_quintiles):
    """ODD §8 participation_rate and participation_gap: how many people of each deprivation quintile took part
    in some service's governance or co-production after month ``since`` (the last 12 months)."""
    counts = np.zeros(n_quintiles, np.int64)
    for person in range(last_participation.size):
        if last_participation[person] > since:
            counts[deprivation[person]] += 1
    return counts
