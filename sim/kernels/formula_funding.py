"""Kernels of the guarantor's funding formula (ODD §7.8, "Payments"): each eligible resident's deprivation
weight and the sector's need- and deprivation-weighted users per provider row, in one pass over a sector's
slots instead of a boolean selection, two gathers and a ``bincount`` with its casts."""

from __future__ import annotations

import numpy as np

from . import compiled
from .need_churn import need_level


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
    ``per_row``."""
    sector_sum = np.zeros(per_row.size)
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
        sector_sum[row] += value
    for row in range(per_row.size):
        per_row[row] += sector_sum[row] * unit_cost
