"""Kernel of trust (ODD §7.12): a fiscal year's update of every person's trust from the services she uses, one
pass over a sector's slots instead of a chunked run of NumPy calls (ODD §9 D-F110)."""

from __future__ import annotations

import numpy as np

from ..population import POPCOUNT
from . import compiled
from .holders import holder


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
        target32 = one / (one + np.exp(-(k * (satisfaction[slot] - a + half))))
        target = np.float64(target32) + mark_trust * np.float64(quality_mark[provider[slot]])
        target = 0.0 if target < 0.0 else target
        target = 1.0 if target > 1.0 else target
        person = holder(citizen, slot)
        services = POPCOUNT[holds[person]]
        step = rate / (one if services < one else services)
        old = trust[person]
        trust[person] = old + np.float32(np.float64(step) * (target - np.float64(old)))
