"""Kernels of what a service is worth to its users (ODD §7.1, "Service utility" and "Exit option"): one gather
per slot from the provider table instead of one array per term."""

from __future__ import annotations

import numpy as np

from . import compiled


@compiled
def service_utility(rows, x, quality_contractible, quality_noncontractible, design, service_weight,
                    mismatch_weight):
    """ODD §7.1 Service utility: U_i = service_weight (q_c[p] + q_n[p] - lambda_s |x_i - design[p]|), p = rows[i],
    computed in float64 and kept as float32."""
    utility = np.empty(rows.size, np.float32)
    for slot in range(rows.size):
        row = rows[slot]
        quality = quality_contractible[row] + quality_noncontractible[row]
        mismatch = np.abs(np.float64(x[slot]) - design[row])
        utility[slot] = np.float32(service_weight * (quality - mismatch_weight * mismatch))
    return utility


@compiled
def alternative_rows(uniform, current, units, home_row, neighbours, neighbour_count):
    """ODD §7.1 Exit option: her home row if she is served elsewhere, otherwise the neighbouring row of her home
    row numbered floor(uniform_i * count) (her home row if it has no neighbours)."""
    alternative = np.empty(units.size, np.int32)  # a row index, as `provider`: 4 bytes a slot
    last_column = neighbours.shape[1] - 1
    for slot in range(units.size):
        home = home_row[units[slot]]
        count = neighbour_count[home]
        if current[slot] != home:
            alternative[slot] = home
        elif count > 0:
            alternative[slot] = neighbours[home, min(np.int64(uniform[slot] * max(count, 1)), last_column)]
        else:
            alternative[slot] = home
    return alternative
