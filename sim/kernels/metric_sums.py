"""Kernels of the metrics' passes over a sector's slots (ODD §8): the sums behind satisfaction, responsiveness,
static fit, the value of volunteers' time and the satisfaction gap in one pass, without the index and weight
casts of ``bincount`` or a mismatch array; and participation by form. The sums run in slot order, which differs
from NumPy's pairwise sums in the last bits (ODD D-F4: shown equivalent over seeds in tests/test_kernels.py)."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined
from .holders import holder, slot_count
from .preferences import decoded
from .service_value import slot_cost


@compiled
def add_sector_measures(citizen, deprivation, satisfaction, x, provider, design, seen, resources,
                        resource_gradient, participation_cost, contribute, opt_out, civic, stance,
                        satisfaction_by_quintile, users_by_quintile, person_bits, stance_counts):
    """ODD §8, the per-slot parts of one sector's metrics in one pass (ODD §9 D-F59): the sums of satisfaction, of
    the mismatch |x_i - design[p_i]| (x (slots, D), design (rows, D): the mean absolute difference over the D
    dimensions, ``sim.design_space.distance``) of every slot (responsiveness) and of active users' (static fit),
    and of contributors' personal cost (the value of volunteers' time; ``service_value.slot_cost`` of the
    ``resources`` this month's service costed, ODD §9 D-F80), in float64 in slot order, with the
    stances this month's service sees (``seen``: rationing's unserved count as opted out); and satisfaction and
    users per deprivation quintile of the holder (satisfaction_gap), the sector's started from zero and then added
    to the totals. Summed in slot order, these differ from NumPy's pairwise sums in the last bits only (ODD D-F4).
    Participation by form in the same pass: each holder's participation bits (``civic``) are added (OR) to her
    bits over every sector (``person_bits``), so a person counts once whatever the services she takes part in; and
    the sector's slots are counted by their own stance (0, 1, 2) in a loop of their own without a branch (D-F55).
    The active users' and contributors' sums add a slot's term or +0.0 (a select, not a branch, D-F59): a sum
    started at +0.0 is never -0.0, so adding +0.0 leaves it as it was. With two dimensions the mismatch is
    written out (no loop of unknown length): 0.0 + a is a for a = |.| >= +0, and x / 2 is x * 0.5 to the bit."""
    sector_sum = np.zeros(satisfaction_by_quintile.size)
    sector_users = np.zeros(users_by_quintile.size)
    dimensions = x.shape[1]
    satisfaction_total = mismatch_total = mismatch_active = volunteer_cost = 0.0
    for slot in range(slot_count(citizen)):
        person = holder(citizen, slot)
        value = np.float64(satisfaction[slot])
        satisfaction_total += value
        quintile = deprivation[person]
        sector_sum[quintile] += value
        sector_users[quintile] += 1.0
        row = provider[slot]
        if dimensions == 2:  # the default design space, spelt out: the same sum, and x / 2 is x * 0.5 exactly
            gap = (np.abs(np.float64(decoded(x[slot, 0])) - design[row, 0])
                   + np.abs(np.float64(decoded(x[slot, 1])) - design[row, 1])) * 0.5
        else:
            gap = 0.0
            for dimension in range(dimensions):
                gap += np.abs(np.float64(decoded(x[slot, dimension])) - design[row, dimension])
            gap /= dimensions
        mismatch_total += gap
        seen_stance = seen[slot]
        mismatch_active += gap if seen_stance != opt_out else 0.0
        cost = np.float64(slot_cost(resources[person], resource_gradient, participation_cost))
        volunteer_cost += cost if seen_stance == contribute else 0.0
        person_bits[person] |= civic[slot]
    add_sector_totals(sector_sum, sector_users, stance, satisfaction_by_quintile, users_by_quintile, stance_counts)
    return satisfaction_total, mismatch_total, mismatch_active, volunteer_cost


@inlined
def add_sector_totals(sector_sum, sector_users, stance, satisfaction_by_quintile, users_by_quintile, stance_counts):
    """The end of a sector's metrics pass (``add_sector_measures``, ``voice.learn_and_measure``): its satisfaction
    and users by quintile added to the totals, and its slots counted by their own stance (0, 1, 2) in a loop of
    their own without a branch (ODD §9 D-F55)."""
    satisfaction_by_quintile += sector_sum
    users_by_quintile += sector_users
    first = second = third = 0
    for slot in range(stance.size):
        value = stance[slot]
        first += np.int64(value == 0)
        second += np.int64(value == 1)
        third += np.int64(value == 2)
    stance_counts[0] += first
    stance_counts[1] += second
    stance_counts[2] += third


PACKED_BITS = 12  # a quintile's count in a 64-bit word: five quintiles of 12 bits
PACKED_RUN = (1 << PACKED_BITS) - 1  # people added into one word before its counts are read out


@compiled
def count_people(person_bits, masks, last_participation, since, deprivation, n_quintiles, last_failure,
                 failed_since):
    """ODD §8, the month's counts over people and rows in one call (ODD §9 D-F59): how many people hold any bit
    of each mask of ``person_bits`` (member, voted, consulted, seated) in some service, which are then cleared
    (the buffer is all zeros again for next month's ``add_sector_measures``); how many people of each deprivation
    quintile took part in some service's governance or co-production after month ``since`` (participation_rate
    and participation_gap); and how many provider rows failed after month ``failed_since``
    (``GuarantorState.services_failed_last_year``). Each without a branch: a pass a mask of a compare and an add
    in 32-bit lanes (people below 2^31, D-F55); who took part adds 1 << (12 q) to a 64-bit word, q her quintile,
    read out every 4,095 people, before a 12-bit field can overflow (D-F56); more than five quintiles (not in the
    model) are counted one person at a time."""
    holders = np.zeros(masks.size, np.int64)
    for k in range(masks.size):
        mask = masks[k]
        total = np.int32(0)
        for person in range(person_bits.size):
            total += np.int32((person_bits[person] & mask) != 0)
        holders[k] = total
    person_bits[:] = 0
    took_part = np.zeros(n_quintiles, np.int64)
    n = last_participation.size
    if n_quintiles * PACKED_BITS > 64:
        for person in range(n):
            if last_participation[person] > since:
                took_part[deprivation[person]] += 1
    else:
        for start in range(0, n, PACKED_RUN):
            last, quintile = last_participation[start:start + PACKED_RUN], deprivation[start:start + PACKED_RUN]
            word = 0
            for person in range(last.size):
                word += np.int64(last[person] > since) << (PACKED_BITS * np.int64(quintile[person]))
            for q in range(n_quintiles):
                took_part[q] += (word >> (PACKED_BITS * q)) & PACKED_RUN
    failed = 0
    for row in range(last_failure.size):
        failed += np.int64(last_failure[row] > failed_since)
    return holders, took_part, failed


@compiled
def volunteer_cost(citizen, seen, resources, resource_gradient, participation_cost, contribute):
    """ODD §8, the value of volunteers' time of one sector before its price: the sum of its contributors' personal
    costs c_i (``service_value.slot_cost`` of ``resources``; contributors by the stances the month's service sees,
    ``seen``), in float64 in slot order, the number ``add_sector_measures`` adds up (a non-contributor's +0.0
    leaves its sum as it was). Taken at a fiscal year's end before capacity building changes the resources, so
    that the metrics read the month's costs without a copy of every adult's resources (ODD §9 D-F93)."""
    total = 0.0
    for slot in range(slot_count(citizen)):
        if seen[slot] == contribute:
            total += np.float64(slot_cost(resources[holder(citizen, slot)], resource_gradient, participation_cost))
    return total
