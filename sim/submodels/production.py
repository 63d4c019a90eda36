"""ODD §7.6 Aggregation, production and quality: who each row serves this month, and the quality and cost of
what it produces (HSV efforts, workforce, co-production, capital)."""

from __future__ import annotations

import numpy as np

from ..kernels.provider_tallies import add_sector_tallies
from ..ledger import Ledger
from ..population import ServiceUsers
from ..providers import KINDS, ProviderTable, per_kind
from ..providers.base import budget_saved, cost_reduction, innovation_gain
from ..providers.mutual import reinvestment
from .rationing import stance_served
from .structure import Structure


def aggregate_users(params: dict, structure: Structure, service_users: list[ServiceUsers],
                    table: ProviderTable) -> None:
    """Per provider row: users, need-weighted users, eligible residents, contributors and their mean
    preference (one pass per sector: ``sim.kernels.provider_tallies``), participation, and the relief that
    co-production gives the service budget."""
    n = table.n
    table.users[:] = table.weighted_users[:] = table.eligible[:] = table.contributors[:] = 0.0
    pref_sum = np.zeros_like(table.contributor_pref)  # (rows, D)
    for sector, users in enumerate(service_users):
        add_sector_tallies(users.provider, stance_served(users), users.need, users.x, users.unit, structure.home_row[sector],
                           table.users, table.weighted_users, table.eligible, table.contributors, pref_sum)
    table.participation = np.divide(table.contributors, table.users, out=np.zeros(n), where=table.users > 0)
    contributors = table.contributors[:, None]  # the same count in every dimension of the design
    table.contributor_pref = np.divide(pref_sum, contributors, out=table.voice_design.copy(), where=contributors > 0)
    unit_cost = structure.sector_array("unit_cost")[table.sector]
    value = params["coproduction_substitution"] * params["value_of_time"] * params[
        "participation_cost"] * table.contributors
    table.coproduction_relief = np.divide(value, unit_cost * table.weighted_users, out=np.zeros(n),
                                          where=table.weighted_users > 0)


def produce(params: dict, structure: Structure, table: ProviderTable, ledger: Ledger, book: bool) -> float:
    """Quality and cost of every row this month (HSV efforts, workforce, co-production, capital) and, if
    ``book``, the money: wages, running costs, and where savings go by kind (``settle_surplus``). Returns
    the providers' own overhead paid this month (public cost accounts it, ODD §7.8)."""
    n = table.n
    budget = table.last_payment
    # The service a row runs is the one the formula pays for (a contract specifies it, whatever price won the
    # tender, ODD §7.10); a price below the formula comes out of the provider's margin, not out of the service.
    standard = budget / table.price
    federation_saving = np.where(table.federation >= 0, params["federation_saving"], 0.0)
    fixed = structure.sector_array("fixed_cost")[table.sector] * (1.0 - federation_saving)
    own_rate = per_kind(table, lambda kind: kind.own_overhead_rate(params))
    # Back office and governance scale with the service, not with the fixed-cost lump that pays for the
    # building: the overhead rate applies to the per-user part of the payment only.
    own_overhead = own_rate * np.maximum(standard - table.last_lump / table.price, 0.0)
    overhead_paid = float(own_overhead.sum()) if book else 0.0
    service_budget = np.maximum(standard - fixed - own_overhead, 0.0)
    drawdown = per_kind(table, lambda kind: kind.reserve_drawdown_rate(params))
    reinvest = reinvestment(ledger.provider_cash, budget, drawdown)
    unit_cost = structure.sector_array("unit_cost")[table.sector]
    served = table.weighted_users > 0
    resources = np.divide(service_budget + reinvest, unit_cost * table.weighted_users, out=np.ones(n), where=served)
    # Co-production (ODD §7.6, D-C3): contributors' time enters the same production function as paid spending,
    # worth ``relief`` standard budgets; a share ``coproduction_cost_share`` of it replaces paid time (a saving,
    # settled as every saving is), the rest adds to the service. Where it replaces paid time, quality is as if
    # the money had been spent; the money is saved.
    cut = cost_reduction(table.effort_e, params["cost_reduction_scale"])
    saved = budget_saved(cut)
    standard_cost = unit_cost * table.weighted_users
    replaced = np.minimum(params["coproduction_cost_share"] * table.coproduction_relief * standard_cost,
                          service_budget * (1.0 - saved))
    paid_replaced = np.divide(replaced, standard_cost, out=np.zeros(n), where=served)
    table.spending_index = resources - paid_replaced + table.coproduction_relief
    # Capital is a stock: quality from the capital per (need-weighted) user, in years of the unit cost.
    capital_quality = params["capital_productivity"] * table.capital / (
        12.0 * unit_cost * np.maximum(table.weighted_users, 1.0))
    base = table.spending_index ** params["quality_elasticity"] * table.workforce_index + capital_quality
    contractibility = structure.sector_array("contractibility")[table.sector]
    theta = structure.sector_array("theta")[table.sector]
    table.q_c = contractibility * base
    table.q_n = (1.0 - contractibility) * base + innovation_gain(table.effort_i, params["innovation_scale"]) - theta * cut
    if not book:
        return overhead_paid
    spend = service_budget * (1.0 - saved) - replaced + reinvest
    saving = service_budget * saved + replaced
    wage_factor = np.ones(n)
    for code, kind in KINDS.items():
        rows = np.flatnonzero(table.kind == code)
        wage_factor[rows] = kind.wage_factor(params, table, rows)
    table.wage_factor = wage_factor
    wages = table.fte * params["market_wage"] * wage_factor
    ledger.collect_from_providers("households", wages, "wages")
    rates = params["business_rates_share"] * fixed  # paid to the public purse, less a charity's relief (D-K4)
    relief = per_kind(table, lambda kind: kind.rate_relief(params))
    ledger.collect_from_providers("outside_world", fixed - rates + own_overhead + np.maximum(spend - wages, 0.0),
                                  "running costs")
    ledger.collect_from_providers("treasury", rates * (1.0 - relief), "business rates")
    earn_other_income(params, table, ledger)
    service_social_finance(params, table, ledger)
    for code, kind in KINDS.items():
        kind.settle_surplus(params, ledger, table.kind == code, saving, budget)
    return overhead_paid


def earn_other_income(params: dict, table: ProviderTable, ledger: Ledger) -> None:
    """Income beyond the public payment, by kind (``other_income_rate``, ODD §7.8, D-C4): a share of the payment,
    net of what earning it costs. Fees and trading come from households, grants and donations from outside the
    authority. Where it goes is each kind's surplus rule: a firm's profit (bid away in part at re-tender), a
    mutual's reserves (spent on the service)."""
    rate = per_kind(table, lambda kind: kind.other_income_rate(params))
    if not rate.any():
        return
    trading = np.minimum(rate, params["trading_income_share"]) * table.last_payment
    ledger.pay_providers("households", trading, "fees and trading")
    ledger.pay_providers("outside_world", rate * table.last_payment - trading, "grants and donations")


def service_social_finance(params: dict, table: ProviderTable, ledger: Ledger) -> None:
    """Repayable social finance (ODD §7.8, D-K7). A kind that raises it borrows a share s of its payment each
    month (``social_finance_share``), from social investors outside the authority or, where local bonds may be
    issued, from its residents; it pays interest r/12 on what it owes (``social_finance_rate``) and repays the
    principal over the contract term T: debt <- debt + s * payment - debt / (12 T). At a steady payment the debt
    settles at 12 T s * payment and the provider pays T r s * payment a month more than it raises: finance
    brings spending forward and costs its interest. What is raised is cash, spent on the service as reserves are
    (§7.6); being owed, it is not income a commissioner re-prices away (§7.10). A debt stays with its service
    row: a successor of any kind repays it, as a department assumes its predecessor's debts (§7.11)."""
    share = per_kind(table, lambda kind: kind.social_finance_share(params))
    if not share.any() and not table.social_debt.any():
        return
    lender = "households" if params["local_bonds"] else "outside_world"
    principal = table.social_debt / (12.0 * params["contract_years"])
    ledger.collect_from_providers(lender, params["social_finance_rate"] / 12.0 * table.social_debt,
                                  "social finance interest")
    ledger.collect_from_providers(lender, principal, "social finance repayment")
    raised = share * table.last_payment
    ledger.pay_providers(lender, raised, "social finance")
    table.social_debt += raised - principal
