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
    the sector's slots are counted by stance (0, 1, 2), in a loop of its own without a branch (ODD §9 D-F55)."""
    for slot in range(citizen.size):
        person_bits[citizen[slot]] |= civic[slot]
    first = second = third = 0
    for slot in range(stance.size):
        value = stance[slot]
        first += np.int64(value == 0)
        second += np.int64(value == 1)
        third += np.int64(value == 2)
    stance_counts[0] += first
    stance_counts[1] += second
    stance_counts[2] += third


@compiled
def count_holders(person_bits, masks):
    """ODD §8 participation by form: how many people hold any bit of each mask (member, voted, consulted,
    seated) in some service; a pass a mask, each a vector compare and add without a branch (ODD §9 D-F55)."""
    counts = np.zeros(masks.size, np.int64)
    for k in range(masks.size):
        mask = masks[k]
        total = np.int32(0)  # 32-bit lanes: 2^31 people
        for person in range(person_bits.size):
            total += np.int32((person_bits[person] & mask) != 0)
        counts[k] = total
    return counts


PACKED_BITS = 12  # a quintile's count in a 64-bit word: five quintiles of 12 bits
PACKED_RUN = (1 << PACKED_BITS) - 1  # people added into one word before its counts are read out


@compiled
def took_part_by_quintile(last_participation, since, deprivation, n_quintiles):
    """ODD §8 participation_rate and participation_gap: how many people of each deprivation quintile took part
    in some service's governance or co-production after month ``since`` (the last 12 months). Counted without a
    branch (ODD §9 D-F56): she who took part adds 1 << (12 q) to a 64-bit word, q her quintile, so the loop is a
    vector compare, shift and add; a word holds 4,095 people of a quintile, and is read out every 4,095 people.
    More than five quintiles (not in the model) are counted one person at a time."""
    counts = np.zeros(n_quintiles, np.int64)
    n = last_participation.size
    if n_quintiles * PACKED_BITS > 64:
        for person in range(n):
            if last_participation[person] > since:
                counts[deprivation[person]] += 1
        return counts
    for start in range(0, n, PACKED_RUN):
        last, quintile = last_participation[start:start + PACKED_RUN], deprivation[start:start + PACKED_RUN]
        word = 0
        for person in range(last.size):
            word += np.int64(last[person] > since) << (PACKED_BITS * np.int64(quintile[person]))
        for q in range(n_quintiles):
            counts[q] += (word >> (PACKED_BITS * q)) & PACKED_RUN
    return counts
