"""Kernels of production and its books (ODD §7.6, "Production and quality"; §7.8, the providers' costs): what each
provider row spends, saves and pays this month, and the quality it produces, in one pass over the rows each
instead of some sixty whole-array expressions on arrays of a few dozen rows (ODD §9 D-F43). The quality
elasticity's power stays NumPy's between the two kernels (NumPy's ``**`` is not the C library's ``pow`` to the
last bit on every machine), and the sums the ledger journals stay NumPy's."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined
from .books import move_cash
from .pairwise import pairwise_sum

# Rows of the matrix ``row_costs`` returns, one value per provider row each.
FIXED, OVERHEAD, SERVICE_BUDGET, REINVEST, CUT, SAVING, WAGE_FACTOR, WAGES, RUNNING_COSTS, RATES_PAID = range(10)
N_COSTS = 10


@inlined
def maximum(a, b):
    """``np.maximum`` for two float64: a NaN wins."""
    return a if (a >= b or np.isnan(a)) else b


@inlined
def minimum(a, b):
    """``np.minimum`` for two float64: a NaN wins."""
    return a if (a <= b or np.isnan(a)) else b


@compiled
def row_costs(last_payment, price, last_lump, federation, federation_saving, sector, fixed_cost, unit_cost,
              own_rate, drawdown, wage_cut, relief, kind, cash, weighted_users, effort_e, coproduction_relief, fte,
              cost_reduction_scale, coproduction_cost_share, market_wage, business_rates_share, spending_index):
    """ODD §7.6 and §7.8, for every provider row p (float64, in the order of operations of the NumPy it replaced):

        standard_p = payment_p / price_p  (the service the formula pays for)
        fixed_p    = fixed cost of the row's sector * (1 - federation saving, for a federation's member)
        overhead_p = own rate_p * max(standard_p - lump_p / price_p, 0)
        budget_p   = max(standard_p - fixed_p - overhead_p, 0)  (the service budget)
        reinvest_p = drawdown_p * max(cash_p - payment_p, 0)
        cut_p      = 2 gamma sqrt(max(e_p, 0)),  saved_p = min(cut_p, 1)  (HSV's c(e), ``budget_saved``)
        replaced_p = min(share * relief_p * unit cost * users_p, budget_p (1 - saved_p))  (co-production)
        spending index_p = (budget_p + reinvest_p) / standard cost_p - replaced_p / standard cost_p + relief_p
                           (1 and 0 for the two quotients of a row without users)
        spend_p = budget_p (1 - saved_p) - replaced_p + reinvest_p,  saving_p = budget_p saved_p + replaced_p
        wage factor_p = 1 - wage cut_p saved_p,  wages_p = fte_p * market wage * wage factor_p
        rates_p = business rates share * fixed_p;  running costs_p = fixed_p - rates_p + overhead_p
                  + max(spend_p - wages_p, 0);  rates paid_p = rates_p (1 - rate relief_p)

    The four rates (own overhead, reserve drawdown, wage cut, rate relief) are each kind's, read at the row's
    ``kind`` (ODD §9 D-F295: no gathered matrix of every row's rates). Writes the spending index into
    ``spending_index`` (the rows' own: a month boxes one array fewer, ODD §9 D-F231) and returns the matrix of costs
    (rows ``FIXED`` ... ``RATES_PAID``)."""
    n = last_payment.size
    costs = np.empty((N_COSTS, n))
    for row in range(n):
        budget = last_payment[row]
        standard = budget / price[row]
        saving_share = federation_saving if federation[row] >= 0 else 0.0
        fixed = fixed_cost[sector[row]] * (1.0 - saving_share)
        overhead = own_rate[kind[row]] * maximum(standard - last_lump[row] / price[row], 0.0)
        service_budget = maximum(standard - fixed - overhead, 0.0)
        reinvest = drawdown[kind[row]] * maximum(cash[row] - budget, 0.0)
        cost = unit_cost[sector[row]]
        served = weighted_users[row] > 0
        resources = (service_budget + reinvest) / (cost * weighted_users[row]) if served else 1.0
        cut = 2.0 * cost_reduction_scale * np.sqrt(maximum(effort_e[row], 0.0))
        saved = minimum(cut, 1.0)
        standard_cost = cost * weighted_users[row]
        replaced = minimum(coproduction_cost_share * coproduction_relief[row] * standard_cost,
                           service_budget * (1.0 - saved))
        paid_replaced = replaced / standard_cost if served else 0.0
        spending_index[row] = resources - paid_replaced + coproduction_relief[row]
        spend = service_budget * (1.0 - saved) - replaced + reinvest
        wage_factor = 1.0 - wage_cut[kind[row]] * saved
        wages = fte[row] * market_wage * wage_factor
        rates = business_rates_share * fixed
        costs[FIXED, row] = fixed
        costs[OVERHEAD, row] = overhead
        costs[SERVICE_BUDGET, row] = service_budget
        costs[REINVEST, row] = reinvest
        costs[CUT, row] = cut
        costs[SAVING, row] = service_budget * saved + replaced
        costs[WAGE_FACTOR, row] = wage_factor
        costs[WAGES, row] = wages
        costs[RUNNING_COSTS, row] = fixed - rates + overhead + maximum(spend - wages, 0.0)
        costs[RATES_PAID, row] = rates * (1.0 - relief[kind[row]])
    return costs


@compiled
def quality(powered_spending, workforce_index, capital, weighted_users, sector, unit_cost, contractibility, theta,
            effort_i, cut, capital_productivity, innovation_scale):
    """ODD §7.6 quality of every row p, from its spending index to the elasticity's power (NumPy's):

        base_p = spending_p^alpha * workforce index_p + k capital_p / (12 unit cost * max(users_p, 1))
        q_c,p  = contractibility * base_p
        q_n,p  = (1 - contractibility) * base_p + 2 delta sqrt(max(i_p, 0)) - theta * cut_p

    Returns (q_c, q_n)."""
    n = powered_spending.size
    q_c = np.empty(n)
    q_n = np.empty(n)
    quality_into(powered_spending, workforce_index, capital, weighted_users, sector, unit_cost, contractibility, theta,
                 effort_i, cut, capital_productivity, innovation_scale, q_c, q_n)
    return q_c, q_n


@inlined
def quality_into(powered_spending, workforce_index, capital, weighted_users, sector, unit_cost, contractibility, theta,
                 effort_i, cut, capital_productivity, innovation_scale, q_c, q_n):
    """``quality``, written into ``q_c`` and ``q_n``."""
    for row in range(powered_spending.size):
        s = sector[row]
        capital_quality = capital_productivity * capital[row] / (12.0 * unit_cost[s] * maximum(weighted_users[row], 1.0))
        base = powered_spending[row] * workforce_index[row] + capital_quality
        q_c[row] = contractibility[s] * base
        q_n[row] = ((1.0 - contractibility[s]) * base + 2.0 * innovation_scale * np.sqrt(maximum(effort_i[row], 0.0))
                    - theta[s] * cut[row])


@compiled
def row_shares(users, weighted_users, contributors, preference_sum, voice_design, sector, unit_cost, relief_per_contributor,
               participation, preference, relief):
    """ODD §7.6 aggregation, per row p after the sectors' tallies (``provider_tallies``):

        participation_p    = contributors_p / users_p  (0 without users)
        contributor pref_p = preference sum_p / contributors_p, in every dimension (the row's own channel's
                             design, ``voice_design``, without contributors)
        relief_p           = relief per contributor * contributors_p / (unit cost * need-weighted users_p)
                             (0 without users)

    ``relief_per_contributor`` is substitution x value of time x participation cost. Writes the three into
    ``participation``, ``preference`` (rows, D) and ``relief``, which no other argument shares (the rows' own, ODD §9
    D-F231: a month boxes no new array)."""
    n, dimensions = preference_sum.shape
    for row in range(n):
        participation[row] = contributors[row] / users[row] if users[row] > 0 else 0.0
        for dimension in range(dimensions):
            preference[row, dimension] = (preference_sum[row, dimension] / contributors[row] if contributors[row] > 0
                                          else voice_design[row, dimension])
        value = relief_per_contributor * contributors[row]
        relief[row] = value / (unit_cost[sector[row]] * weighted_users[row]) if weighted_users[row] > 0 else 0.0


@compiled
def quality_and_books(powered_spending, workforce_index, capital, weighted_users, sector, unit_cost, contractibility,
                      theta, effort_i, costs, capital_productivity, innovation_scale, cash, cash_out, q_c, q_n):
    """ODD §7.6 and §7.8, a booked month's quality and the providers' costs, in one call instead of four (ODD §9
    D-F191): ``quality`` of every row, then the overhead paid (``costs[OVERHEAD]``'s sum, as ``ndarray.sum``
    adds it) and the wages, running costs and business rates moved out of the providers' cash in that order
    (``books.move_cash``), as ``sim.submodels.production.produce`` called them: the same numbers. Writes the
    quality into ``q_c`` and ``q_n`` (the rows' own, which no other argument shares: a month boxes no new array,
    ODD §9 D-F231); returns the overhead paid, and each flow's total and whether it was booked."""
    quality_into(powered_spending, workforce_index, capital, weighted_users, sector, unit_cost, contractibility,
                 theta, effort_i, costs[CUT], capital_productivity, innovation_scale, q_c, q_n)
    overhead_paid = pairwise_sum(costs[OVERHEAD])
    wages, wages_booked = move_cash(cash, cash_out, costs[WAGES], False)
    running, running_booked = move_cash(cash, cash_out, costs[RUNNING_COSTS], False)
    rates, rates_booked = move_cash(cash, cash_out, costs[RATES_PAID], False)
    return overhead_paid, wages, wages_booked, running, running_booked, rates, rates_booked
