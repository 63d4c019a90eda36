"""Kernel of trust (ODD §7.12): a fiscal year's update of every person's trust from the services she uses, one
pass over a sector's slots instead of a chunked run of NumPy calls (ODD §9 D-F110); and the same pass adding up
the month's metrics' per-slot sums (ODD §8), which a fiscal year's end otherwise took in a pass of their own
(ODD §9 D-F180)."""

from __future__ import annotations

import numpy as np

from ..population import POPCOUNT
from . import compiled, inlined
from .holders import holder
from .metric_sums import add_sector_totals
from .voice import slot_mismatch


@inlined
def move_trust(slot, person, satisfaction, provider, holds, quality_mark, trust, k, a, half, rate, one, mark_trust):
    """ODD §7.12 for one slot and her holder ``person`` (``update_sector_trust``'s step, in its float widths)."""
    target32 = one / (one + np.exp(-(k * (satisfaction[slot] - a + half))))
    target = np.float64(target32) + mark_trust * np.float64(quality_mark[provider[slot]])
    target = 0.0 if target < 0.0 else target
    target = 1.0 if target > 1.0 else target
    services = POPCOUNT[holds[person]]
    step = rate / (one if services < one else services)
    old = trust[person]
    trust[person] = old + np.float32(np.float64(step) * (target - np.float64(old)))


@compiled
def update_sector_trust(satisfaction, provider, citizen, holds, quality_mark, trust, sensitivity, aspiration,
                        mark_trust, adjustment):
    """ODD §7.12 for one sector's slots, in slot order: the target expit(k (S_i - A + 0.5)), plus the quality
    mark's ``mark_trust`` if her provider holds one, clipped to [0, 1]; her trust moves toward it by
    ``adjustment`` over the number of services she needs (at least 1). The float widths of the NumPy code this
    replaced: the target in float32 (a float32 satisfaction with Python floats), the mark and the clip in float64
    (a Python float times a boolean), the step float32, the move computed in float64 and added in float32; the
    clip a select that keeps a NaN as NumPy's does. A person holds one slot of a sector at most, so each slot
    writes its own person."""
    k, a, half = np.float32(sensitivity), np.float32(aspiration), np.float32(0.5)
    rate, one = np.float32(adjustment), np.float32(1.0)
    for slot in range(satisfaction.size):
        move_trust(slot, holder(citizen, slot), satisfaction, provider, holds, quality_mark, trust, k, a, half, rate,
                   one, mark_trust)


@compiled
def update_trust_and_measure(satisfaction, provider, citizen, holds, quality_mark, trust, sensitivity, aspiration,
                             mark_trust, adjustment, deprivation, x, design, seen, opt_out, civic, stance,
                             satisfaction_by_quintile, users_by_quintile, person_bits, stance_counts):
    """``update_sector_trust`` and, in the same pass over a sector's slots, the per-slot sums of the month's metrics
    (``metric_sums.add_sector_measures`` but its contributors' personal cost, which a fiscal year's end takes
    before capacity building instead, ODD §9 D-F93): trust is the last thing a fiscal year's end changes before
    the metrics, and it changes no slot, no delivered design and nothing else the sums read (ODD §9 D-F180). Each
    part in its kernel's order and types: the sums of satisfaction, of every slot's mismatch (``slot_mismatch``)
    and of active users' (by the stances the month's service saw, ``seen``) in float64 in slot order, satisfaction
    and users by the holder's deprivation quintile from zero for the sector, then added to the totals, each
    holder's participation bits OR'ed into ``person_bits`` and the slots counted by their own stance
    (``add_sector_totals``). Returns the three sums."""
    k, a, half = np.float32(sensitivity), np.float32(aspiration), np.float32(0.5)
    rate, one = np.float32(adjustment), np.float32(1.0)
    sector_sum = np.zeros(satisfaction_by_quintile.size)
    sector_users = np.zeros(users_by_quintile.size)
    satisfaction_total = mismatch_total = mismatch_active = 0.0
    for slot in range(satisfaction.size):
        person = holder(citizen, slot)
        move_trust(slot, person, satisfaction, provider, holds, quality_mark, trust, k, a, half, rate, one,
                   mark_trust)
        value = np.float64(satisfaction[slot])  # ODD §8: satisfaction, responsiveness, static fit
        satisfaction_total += value
        quintile = deprivation[person]
        sector_sum[quintile] += value
        sector_users[quintile] += 1.0
        gap = slot_mismatch(x, slot, design, provider[slot])
        mismatch_total += gap
        mismatch_active += gap if seen[slot] != opt_out else 0.0
        person_bits[person] |= civic[slot]
    add_sector_totals(sector_sum, sector_users, stance, satisfaction_by_quintile, users_by_quintile, stance_counts)
    return satisfaction_total, mismatch_total, mismatch_active
