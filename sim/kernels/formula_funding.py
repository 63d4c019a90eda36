"""Kernels of the guarantor's funding formula (ODD §7.8, "Payments"): each eligible resident's deprivation
weight and the sector's need- and deprivation-weighted users per provider row, in one pass over a sector's
slots instead of a boolean selection, two gathers and a ``bincount`` with its casts; ``sector_formula_users``
does a sector's weights, their normaliser and the rows' sums in one call (ODD §9 D-F57)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .books import move_cash
from .holders import holder, slot_count
from .need_churn import is_high_need
from .pairwise import pairwise_sum, pairwise_sum_of_table
from .service_value import unit_of


@compiled
def quintile_weights(deprivation_weight, n_quintiles):
    """ODD §7.8: the weight 1 + deprivation_weight * q of each quintile q (float64): a slot's weight is its
    holder's quintile's, the same number as computed for her slot (ODD §9 D-F82: no float64 array of a sector's
    weights)."""
    weight = np.empty(n_quintiles)
    for quintile in range(n_quintiles):
        weight[quintile] = 1.0 + deprivation_weight * np.float64(quintile)
    return weight


@compiled
def funding_terms(weight_of, normalised, normaliser, need_weighted, high_need32):
    """ODD §7.8, a user's term of the funding formula by her deprivation quintile q and whether her need is high
    (columns 0, 1): the quintile's weight (``weight_of``), over ``normaliser`` where ``normalised``, times the
    need's level (1 or ``high_need32``) where ``need_weighted``: the float64 operations the formula made for each
    slot, made once for each of the ten terms (a division and a product give the same number whenever they are
    made: ODD §9 D-F96)."""
    terms = np.empty((weight_of.size, 2))
    for quintile in range(weight_of.size):
        for high in range(2):
            value = weight_of[quintile]
            if normalised:
                value = value / normaliser
            if need_weighted:
                value = value * np.float64(high_need32 if high else np.float32(1.0))
            terms[quintile, high] = value
    return terms


@compiled
def add_formula_users(citizen, deprivation, weight_of, normaliser, high_need_bits, high_need32, need_weighted,
                      money_follows_users, stance, opt_out, provider, unit_start, unit_count, home_row, unit_cost,
                      per_row):
    """ODD §7.8: per provider row, the sum over the sector's funded slots of (weight_i / normaliser) * need_i
    (weight_i her holder's quintile's, ``weight_of``; need_i the level ``high_need32`` where her bit in
    ``high_need_bits`` is set, 1 otherwise, D-F33; left out unless ``need_weighted``; no division when
    ``normaliser`` is None; each of the ten terms computed once, ``funding_terms``). Where money follows users, the active users (not opted out) count at the row that
    serves them; otherwise every eligible resident counts at her unit's home row (block funding; her unit from
    the unit-sorted layout, ``unit_start`` and ``unit_count``, ODD §9 D-F82). The sector's sum, times its unit
    cost, is added to ``per_row``. A row's sum is kept in a register while the slots stay at that row (they come
    in runs, sorted by unit), not stored and loaded again at every slot."""
    sector_sum = np.zeros(per_row.size)
    current, running = -1, 0.0  # a row's sum kept in a register over its run of slots (ODD §9 D-F57)
    unit = 0
    # a slot's term by her quintile and whether her need is high, divided and multiplied once (ODD §9 D-F96)
    terms = funding_terms(weight_of, normaliser is not None, 1.0 if normaliser is None else normaliser,
                          need_weighted, high_need32)
    for slot in range(slot_count(citizen)):
        if money_follows_users:
            if stance[slot] == opt_out:
                continue
            row = provider[slot]
        else:
            unit = unit_of(slot, unit, unit_start, unit_count)
            row = home_row[unit]
        value = terms[deprivation[holder(citizen, slot)], np.int64(is_high_need(high_need_bits, slot))]
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
                         need_weighted, money_follows_users, stance, opt_out, provider, unit_start, unit_count, home_row,
                         unit_cost, per_row, n_quintiles):
    """ODD §7.8, one sector's part of the formula in one call: the eligible residents' deprivation weights
    (``quintile_weights`` of her quintile), normalised, where ``normalised`` and the sector has residents, by their
    mean (NumPy's: the pairwise sum of the slots' weights over the count, ``pairwise_sum_of_table``, without an
    array of them, ODD §9 D-F82), and the rows' need- and deprivation-weighted users times the unit cost added to
    ``per_row`` (``add_formula_users``); the guarantor made these three calls a sector."""
    weight_of = quintile_weights(deprivation_weight, n_quintiles)
    if normalised and slot_count(citizen):
        normaliser = pairwise_sum_of_table(weight_of, deprivation, citizen) / slot_count(citizen)
        add_formula_users(citizen, deprivation, weight_of, normaliser, high_need_bits, high_need32, need_weighted,
                          money_follows_users, stance, opt_out, provider, unit_start, unit_count, home_row, unit_cost,
                          per_row)
    else:
        add_formula_users(citizen, deprivation, weight_of, None, high_need_bits, high_need32, need_weighted,
                          money_follows_users, stance, opt_out, provider, unit_start, unit_count, home_row, unit_cost,
                          per_row)


@compiled
def formula_due(per_row, funding_level, fixed_cost, sector, price, priced, last_lump):
    """ODD §7.8, each row's payment due from the formula (ODD §9 D-F60): the funding level times the row's
    weighted users' standard cost (``per_row``) plus its sector's fixed-cost lump (``funding_level *
    fixed_cost``), times the row's ``price`` when ``priced`` (a tendered contract's price relative to the formula;
    the priced lump is written to ``last_lump``); unpriced, the formula's standard cost. The whole-array
    expressions ``guarantor.payments`` had, row by row: the same float operations in the same order."""
    due = np.empty(per_row.size)
    for row in range(per_row.size):
        lump = funding_level * fixed_cost[sector[row]]
        if priced:
            last_lump[row] = lump * price[row]
            due[row] = (funding_level * per_row[row] + lump) * price[row]
        else:
            due[row] = funding_level * per_row[row] + lump
    return due


@compiled
def open_ended_budget(sector, due, budget, cost_this_year):
    """ODD §7.8 under ``budget_rule = "open_ended"`` (ODD §9 D-F60): each sector's formula this month (``asked``,
    the rows' ``due`` added in row order as ``bincount`` adds them) is added to ``cost_this_year``; returns what it
    asks above a month's budget (a twelfth of the year's), summed over the sectors as ``ndarray.sum`` sums
    (``pairwise_sum``), each sector's excess ``np.maximum``'s (its NaN kept, and a zero's sign)."""
    asked = np.zeros(budget.size)
    for row in range(due.size):
        asked[sector[row]] += due[row]
    excess = np.empty(budget.size)
    for s in range(budget.size):
        cost_this_year[s] += asked[s]
        value = asked[s] - budget[s] / 12.0
        excess[s] = value if (value >= 0.0 or value != value) else 0.0
    return pairwise_sum(excess)


@compiled
def charges_and_overhead(amount, last_payment, charge_share, overhead_rate, sector, kind):
    """ODD §7.8 after the payments (ODD §9 D-F60): each row's payment is kept (``last_payment``), the charges its
    users pay toward it (its sector's ``charge_share`` of it) and the guarantor's overhead on it (its kind's
    ``overhead_rate``); returns the charges by row and the totals of both as ``ndarray.sum`` gives them
    (``pairwise_sum``)."""
    charges = np.empty(amount.size)
    overhead = np.empty(amount.size)
    for row in range(amount.size):
        last_payment[row] = amount[row]
        charges[row] = amount[row] * charge_share[sector[row]]
        overhead[row] = amount[row] * overhead_rate[kind[row]]
    return charges, pairwise_sum(charges), pairwise_sum(overhead)


@compiled
def pay_open_ended(per_row, funding_level, fixed_cost, sector, price, last_lump, budget, cost_this_year, cash,
                   cash_in, last_payment, charge_share, overhead_rate, kind, last_charges):
    """ODD §7.8, a month's payments under ``budget_rule = "open_ended"`` once the budget is set, in one call instead
    of four (ODD §9 D-F191): the priced formula (``formula_due``), what it asks above the month's budget
    (``open_ended_budget``), the payments moved into the providers' cash (``books.move_cash``) and the payment
    kept with the users' charges and the guarantor's overhead on it (``charges_and_overhead``), each kernel called
    in the order ``GuarantorState.pay_providers`` called them: the same numbers. Writes each row's charges into
    ``last_charges`` (the guarantor's, which no other argument shares: a month boxes no new array, ODD §9 D-F231);
    returns (over budget, the total paid and whether it was booked, the charges' and the overhead's totals)."""
    due = formula_due(per_row, funding_level, fixed_cost, sector, price, True, last_lump)
    over_budget = open_ended_budget(sector, due, budget, cost_this_year)
    total, booked = move_cash(cash, cash_in, due, True)
    charges, charges_total, overhead_total = charges_and_overhead(due, last_payment, charge_share, overhead_rate,
                                                                  sector, kind)
    last_charges[:] = charges
    return over_budget, total, booked, charges_total, overhead_total
