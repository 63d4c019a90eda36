"""Kernel of a contractor's design target (ODD §7.5, "A contractor's design"): the sums over a sector's users by
home row that ``sim.providers.contractor.catchment_target`` weighs its markets' preferences with, in one pass over
the slots instead of NumPy's whole-sector gathers, weights and ``bincount``s (each a float64 or int64 array a
slot; ODD §9 D-F64)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .need_churn import need_level
from .preferences import decoded


@compiled
def catchment_sums(stance, opt_out, high_need_bits, high_need32, flat, x, unit_start, unit_count, home_row,
                   weights, weighted_x):
    """Add each slot's weight w_i to ``weights[home]`` and w_i x_i to ``weighted_x[d, home]`` (home: her unit's home
    row), in slot order as ``np.bincount`` adds them: w_i = [active] / need_i in float32 (``flat``, NumPy's bool
    over float32 division) or [active] as float64, and w_i x_i in float32 or float64 accordingly, each added in
    float64. Slots are sorted by unit (``unit_start``, ``unit_count``)."""
    one32, zero32 = np.float32(1.0), np.float32(0.0)
    for unit in range(unit_start.size):
        row = home_row[unit]
        for slot in range(unit_start[unit], unit_start[unit] + unit_count[unit]):
            active = stance[slot] != opt_out
            if flat:
                weight32 = (one32 if active else zero32) / need_level(high_need_bits, slot, high_need32)
                weights[row] += np.float64(weight32)
                for dimension in range(x.shape[1]):
                    weighted_x[dimension, row] += np.float64(weight32 * decoded(x[slot, dimension]))
            else:
                weight = 1.0 if active else 0.0
                weights[row] += weight
                for dimension in range(x.shape[1]):
                    weighted_x[dimension, row] += weight * np.float64(decoded(x[slot, dimension]))
