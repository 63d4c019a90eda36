"""Kernels of what a service is worth to its users (ODD §7.1, "Service utility" and "Exit option"): one gather
per slot from the provider table instead of one array per term."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined
from .holders import holder, slot_count
from .preferences import decoded


@inlined
def index(value):
    """A gathered array index (a row, a group, a person, a place) as an unsigned number: Numba checks a signed
    index for a negative value (counting from the end) at every access, an unsigned one not (ODD §9 D-F38)."""
    return np.uint64(value)


@inlined
def slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design, service_weight,
                 mismatch_weight):
    """ODD §7.1 Service utility of row ``row`` to slot ``slot``: service_weight (q_c + q_n - lambda_s |x - d|),
    computed in float64 and kept as float32; |.| the mean absolute difference over the D dimensions
    (``sim.design_space.distance``, summed in order as NumPy sums fewer than eight). Divided by D as a multiply
    by 1 / D where D is a power of two (then the same number: 1 / D is exact, and so is scaling by it), a division
    otherwise (ODD §9 D-F39)."""
    quality = quality_contractible[row] + quality_noncontractible[row]
    mismatch = 0.0
    dimensions = x.shape[1]
    for dimension in range(dimensions):
        mismatch += np.abs(np.float64(decoded(x[slot, dimension])) - design[row, dimension])
    if dimensions & (dimensions - 1) == 0:
        mismatch *= 1.0 / dimensions
    else:
        mismatch /= dimensions
    return np.float32(service_weight * (quality - mismatch_weight * mismatch))


@compiled
def service_utility(rows, x, quality_contractible, quality_noncontractible, design, service_weight,
                    mismatch_weight):
    """ODD §7.1 Service utility: U_i = service_weight (q_c[p] + q_n[p] - lambda_s |x_i - design[p]|), p = rows[i]
    (``slot_utility``), for x (slots, D) and design (rows, D)."""
    utility = np.empty(rows.size, np.float32)
    for slot in range(rows.size):
        utility[slot] = slot_utility(rows[slot], slot, x, quality_contractible, quality_noncontractible, design,
                                     service_weight, mismatch_weight)
    return utility


@inlined
def unit_of(slot, unit, unit_start, unit_count):
    """The unit of ``slot`` in a sector's unit-sorted slots (unit u's are ``unit_start[u]`` to ``unit_start[u] +
    unit_count[u]``), found from ``unit``, the unit of an earlier slot: a walk over the slots in order reads the
    layout instead of a unit stored a slot (ODD §9 D-F28)."""
    while slot >= unit_start[unit] + unit_count[unit]:
        unit += 1
    return unit


@inlined
def alternative_row(uniform, current, unit, home_row, neighbours, neighbour_count):
    """ODD §7.1 Exit option of one slot: her home row if she is served elsewhere, otherwise the neighbouring row
    of her home row numbered floor(uniform * count) (her home row if it has no neighbours)."""
    home = home_row[index(unit)]
    count = neighbour_count[index(home)]
    if current != home or count <= 0:
        return home
    return neighbours[index(home), index(min(np.int64(uniform * max(count, 1)), neighbours.shape[1] - 1))]


@inlined
def slot_exit_gain(alternative, here, slot, x, sensitivity, quality_contractible, quality_noncontractible, design,
                   service_weight, mismatch_weight, switch_cost):
    """ODD §7.1 Exit option and §7.4: the gain V_i - U_i (float32) of slot ``slot``, served by row ``here``, from
    moving to row ``alternative`` (``alternative_row``), net of switching (``slot_exit_value`` less
    ``slot_utility``, as service use computes them). Nothing keeps it: exit, stance revision and the yearly
    ballot derive it where they read it (ODD §9 D-F81)."""
    utility = slot_utility(index(here), slot, x, quality_contractible, quality_noncontractible, design,
                           service_weight, mismatch_weight)
    value = slot_exit_value(index(alternative), index(here), slot, x, sensitivity, quality_contractible,
                            quality_noncontractible, design, service_weight, mismatch_weight, switch_cost)
    return value - utility


@compiled
def alternative_rows(uniform, current, units, home_row, neighbours, neighbour_count):
    """ODD §7.1 Exit option: each slot's alternative row (``alternative_row``), one ``uniform`` a slot."""
    alternative = np.empty(units.size, np.int32)  # a row index, as `provider`: 4 bytes a slot
    for slot in range(units.size):
        alternative[slot] = alternative_row(uniform[slot], current[slot], units[slot], home_row, neighbours,
                                            neighbour_count)
    return alternative


@inlined
def slot_cost(resource, resource_gradient, participation_cost):
    """ODD §7.1 Cost of contributing of one person with civic resources ``resource`` (float32):
    c_i = c * max(1 + g (0.5 - resources_i), 0.05), in float32 throughout (the scalars are Python floats, which
    NumPy computes with a float32 array in float32). Nothing keeps it: every reader derives it from the
    resources (ODD §9 D-F80)."""
    gradient, effort = np.float32(resource_gradient), np.float32(participation_cost)
    return effort * max(np.float32(1.0) + gradient * (np.float32(0.5) - resource), np.float32(0.05))


@compiled
def personal_cost(citizen, resources, resource_gradient, participation_cost, cost):
    """ODD §7.1 Cost of contributing of every slot (``slot_cost``), written into ``cost`` (float32, a slot each)
    and returned."""
    for slot in range(slot_count(citizen)):
        cost[slot] = slot_cost(resources[holder(citizen, slot)], resource_gradient, participation_cost)
    return cost


@inlined
def slot_exit_value(row, here, slot, x, sensitivity, quality_contractible, quality_noncontractible, design,
                    service_weight, mismatch_weight, switch_cost):
    """ODD §7.1 Exit option and ODD §7.4: what alternative row ``row`` is worth to slot ``slot`` served by row
    ``here``, net of switching: U_i(a) + (s_i - 1) w (Q_a - Q_p) - switch_cost, with U the service utility
    (float32), the quality term computed in float64 from (s_i - 1) w in float32 and kept as float32, and the sum
    in float32."""
    weight32, one32, switch32 = np.float32(service_weight), np.float32(1.0), np.float32(switch_cost)
    utility = slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design, service_weight,
                           mismatch_weight)
    quality = quality_contractible[row] + quality_noncontractible[row]
    quality_here = quality_contractible[here] + quality_noncontractible[here]
    sensitivity_gap = (sensitivity - one32) * weight32
    quality_gap = np.float32(sensitivity_gap * (quality - quality_here))
    return utility + quality_gap - switch32


@compiled
def exit_value(alternative, current, x, citizen, quality_sensitivity, quality_contractible,
               quality_noncontractible, design, service_weight, mismatch_weight, switch_cost):
    """ODD §7.1 Exit option and ODD §7.4: each slot's value of her alternative row (``slot_exit_value``)."""
    value = np.empty(alternative.size, np.float32)
    for slot in range(alternative.size):
        value[slot] = slot_exit_value(alternative[slot], current[slot], slot, x, quality_sensitivity[holder(citizen, slot)],
                                      quality_contractible, quality_noncontractible, design, service_weight,
                                      mismatch_weight, switch_cost)
    return value
