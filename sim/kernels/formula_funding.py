"""Kernels of the guarantor's funding formula (ODD §7.8, "Payments"): each eligible resident's deprivation
weight and the sector's need- and deprivation-weighted users per provider row, in one pass over a sector's
slots instead of a boolean selection, two gathers and a ``bincount`` with its casts; ``sector_formula_users``
does a sector's weights, their normaliser and the rows' sums in one call (ODD §9 D-F57)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .need_churn import need_level
from .pairwise import pairwise_sum


@compiled
def deprivation_weights(citizen, deprivation, deprivation_weight):
    """ODD §7.8: 1 + deprivation_weight * q_i, q_i the deprivation quintile of the slot's holder (float64)."""
    weight = np.empty(citizen.size)
    for slot in range(citizen.size):
        weight[slot] = 1.0 + deprivation_weight * np.float64(deprivation[citizen[slot]])
    return weight


@compiled
def add_formula_users(weight, normaliser, high_need_bits, high_need32, need_weighted, money_follows_users, stance, opt_out, provider,
                      unit, home_row, unit_cost, per_row):
    """ODD §7.8: per provider row, the sum over the sector's funded slots of (weight_i / normaliser) * need_i
    (need_i the level ``high_need32`` where her bit in ``high_need_bits`` is set, 1 otherwise, D-F33; left out
    unless ``need_weighted``; no division when ``normaliser`` is None). Where money follows
    users, the active users (not opted out) count at the row that serves them; otherwise every eligible
    resident counts at her unit's home row (block funding). The sector's sum, times its unit cost, is added to
    ``per_row``. A row's sum is kept in a register while the slots stay at that row (they come in runs, sorted
    by unit), not stored and loaded again at every slot."""
    sector_sum = np.zeros(per_row.size)
    current, running = -1, 0.0  # a row's sum kept in a register over its run of slots (ODD §9 D-F57)
    for slot in range(weight.size):
        if money_follows_users:
            if stance[slot] == opt_out:
                continue
            row = provider[slot]
        else:
            row = home_row[unit[slot]]
        value = weight[slot]
        if normaliser is not None:
            value = value / normaliser
        if need_weighted:
            value = value * np.float64(need_level(high_need_bits, slot, high_need32))
        if row != current:  # slots come in runs of a row (sorted by unit): the same sums, in the same order
            if current >= 0:
                sector_sum[current] = running
            current, running = row, sector_sum[row]
        running += value
    if current >= 0:
        sector_sum[current] = running
    for row in range(per_row.size):
        per_row[row] += sector_sum[row] * unit_cost


@compiled
def sector_formula_users(citizen, deprivation, deprivation_weight, normalised, high_need_bits, high_need32,
                         need_weighted, money_follows_users, stance, opt_out, provider, unit, home_row, unit_cost,
                         per_row):
    """ODD §7.8, one sector's part of the formula in one call: the eligible residents' deprivation weights
    (``deprivation_weights``), normalised, where ``normalised`` and the sector has residents, by their mean
    (NumPy's: the pairwise sum over the count), and the rows' need- and deprivation-weighted users times the unit
    cost added to ``per_row`` (``add_formula_users``); the guarantor made these three calls a sector."""
    weight = deprivation_weights(citizen, deprivation, deprivation_weight)
    if normalised and weight.size:
        normaliser = pairwise_sum(weight) / weight.size
        add_formula_users(weight, normaliser, high_need_bits, high_need32, need_weighted, money_follows_users,
                          stance, opt_out, provider, unit, home_row, unit_cost, per_row)
    else:
        add_formula_users(weight, None, high_need_bits, high_need32, need_weighted, money_follows_users, stance,
                          opt_out, provider, unit, home_row, unit_cost, per_row)
