"""Kernels of the metrics' passes over a sector's slots (ODD §8): the sums behind satisfaction, responsiveness,
static fit, the value of volunteers' time and the satisfaction gap in one pass, without the index and weight
casts of ``bincount`` or a mismatch array; and participation by form. The sums run in slot order, which differs
from NumPy's pairwise sums in the last bits (ODD D-F4: shown equivalent over seeds in tests/test_kernels.py)."""

from __future__ import annotations

import numpy as np

from . import compiled


@compiled
def add_slot_sums(citizen, deprivation, satisfaction, x, provider, design, stance, personal_cost, contribute,
                  opt_out, satisfaction_by_quintile, users_by_quintile):
    """ODD §8, the per-slot parts of one sector's metrics in one pass: the sums of satisfaction, of the mismatch
    |x_i - design[p_i]| (x (slots, D), design (rows, D): the mean absolute difference over the D dimensions,
    ``sim.design_space.distance``) of every slot (responsiveness) and of active users' (static fit), and of contributors'
    personal cost (the value of volunteers' time), in float64 in slot order; and satisfaction and users per
    deprivation quintile of the holder (satisfaction_gap), the sector's started from zero and then added to the
    totals. Summed in slot order, these differ from NumPy's pairwise sums in the last bits only (ODD D-F4)."""
    sector_sum = np.zeros(satisfaction_by_quintile.size)
    sector_users = np.zeros(users_by_quintile.size)
    dimensions = x.shape[1]
    satisfaction_total = mismatch_total = mismatch_active = volunteer_cost = 0.0
    for slot in range(citizen.size):
        value = np.float64(satisfaction[slot])
        satisfaction_total += value
        quintile = deprivation[citizen[slot]]
        sector_sum[quintile] += value
        sector_users[quintile] += 1.0
        row = provider[slot]
        gap = 0.0
        for dimension in range(dimensions):
            gap += np.abs(np.float64(x[slot, dimension]) - design[row, dimension])
        gap /= dimensions
        mismatch_total += gap
        if stance[slot] != opt_out:
            mismatch_active += gap
        if stance[slot] == contribute:
            volunteer_cost += np.float64(personal_cost[slot])
    satisfaction_by_quintile += sector_sum
    users_by_quintile += sector_users
    return satisfaction_total, mismatch_total, mismatch_active, volunteer_cost


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
