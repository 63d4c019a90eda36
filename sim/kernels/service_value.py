"""Kernels of what a service is worth to its users (ODD §7.1, "Service utility" and "Exit option"): one gather
per slot from the provider table instead of one array per term."""

from __future__ import annotations

import numpy as np

from . import compiled


@compiled
def service_utility(rows, x, quality_contractible, quality_noncontractible, design, service_weight,
                    mismatch_weight):
    """ODD §7.1 Service utility: U_i = service_weight (q_c[p] + q_n[p] - lambda_s |x_i - design[p]|), p = rows[i],
    computed in float64 and kept as float32; x (slots, D) and design (rows, D), |.| the mean absolute difference
    over the D dimensions (``sim.design_space.distance``, summed in order as NumPy sums fewer than eight)."""
    utility = np.empty(rows.size, np.float32)
    dimensions = x.shape[1]
    for slot in range(rows.size):
        row = rows[slot]
        quality = quality_contractible[row] + quality_noncontractible[row]
        mismatch = 0.0
        for dimension in range(dimensions):
            mismatch += np.abs(np.float64(x[slot, dimension]) - design[row, dimension])
        mismatch /= dimensions
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


@compiled
def personal_cost(citizen, resources, resource_gradient, participation_cost):
    """ODD §7.1 Cost of contributing: c_i = c * max(1 + g (0.5 - resources_i), 0.05), in float32 throughout
    (the scalars are Python floats, which NumPy computes with a float32 array in float32)."""
    gradient, effort = np.float32(resource_gradient), np.float32(participation_cost)
    half, one, floor = np.float32(0.5), np.float32(1.0), np.float32(0.05)
    cost = np.empty(citizen.size, np.float32)
    for slot in range(citizen.size):
        cost[slot] = effort * max(one + gradient * (half - resources[citizen[slot]]), floor)
    return cost


@compiled
def exit_value(alternative, current, x, citizen, quality_sensitivity, quality_contractible,
               quality_noncontractible, design, service_weight, mismatch_weight, switch_cost):
    """ODD §7.1 Exit option and ODD §7.4: what her alternative row a is worth to her net of switching,
    U_i(a) + (s_i - 1) w (Q_a - Q_p) - switch_cost, with U the service utility (float32), the quality term
    computed in float64 from (s_i - 1) w in float32 and kept as float32, and the sum in float32."""
    weight32, one32, switch32 = np.float32(service_weight), np.float32(1.0), np.float32(switch_cost)
    value = np.empty(alternative.size, np.float32)
    dimensions = x.shape[1]  # the distance over the design's dimensions, as in ``service_utility``
    for slot in range(alternative.size):
        row, here = alternative[slot], current[slot]
        quality = quality_contractible[row] + quality_noncontractible[row]
        mismatch = 0.0
        for dimension in range(dimensions):
            mismatch += np.abs(np.float64(x[slot, dimension]) - design[row, dimension])
        mismatch /= dimensions
        utility = np.float32(service_weight * (quality - mismatch_weight * mismatch))
        quality_here = quality_contractible[here] + quality_noncontractible[here]
        sensitivity_gap = (quality_sensitivity[citizen[slot]] - one32) * weight32
        quality_gap = np.float32(sensitivity_gap * (quality - quality_here))
        value[slot] = utility + quality_gap - switch32
    return value
