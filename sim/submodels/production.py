"""ODD §7.6 Aggregation, production and quality: who each row serves this month, and the quality and cost of
what it produces (HSV efforts, workforce, co-production, capital)."""

from __future__ import annotations

import numpy as np

from ..kernels import production as row_pass
from ..kernels.provider_tallies import add_sector_tallies
from ..ledger import Ledger
from ..population import ServiceUsers
from ..providers import KINDS, ProviderTable
from ..providers import rates as kind
from .rationing import stance_served
from .structure import Structure


def aggregate_users(params: dict, structure: Structure, service_users: list[ServiceUsers],
                    table: ProviderTable) -> None:
    """Per provider row: users, need-weighted users, eligible residents, contributors and their mean
    preference (one pass per sector: ``sim.kernels.provider_tallies``), participation, and the relief that
    co-production gives the service budget."""
    table.users[:] = table.weighted_users[:] = table.eligible[:] = table.contributors[:] = 0.0
    pref_sum = np.zeros_like(table.contributor_pref)  # (rows, D)
    for sector, users in enumerate(service_users):
        add_sector_tallies(users.provider, stance_served(users), users.need, users.xq, users.unit, structure.home_row[sector],
                           table.users, table.weighted_users, table.eligible, table.contributors, pref_sum)
    finish_aggregation(params, structure, table, pref_sum)


def finish_aggregation(params: dict, structure: Structure, table: ProviderTable, pref_sum: np.ndarray) -> None:
    """From the rows' tallies (users ... contributors, and ``pref_sum`` (rows, D) of contributors' preferred
    designs): participation, contributors' mean preference and the relief co-production gives the budget, in one
    pass over the rows (``sim.kernels.production.row_shares``, written over the rows' own arrays)."""
    relief_per_contributor = params["coproduction_substitution"] * params["value_of_time"] * params[
        "participation_cost"]
    row_pass.row_shares(table.users, table.weighted_users, table.contributors, pref_sum, table.voice_design,
                        table.sector, structure.sector_array("unit_cost"), float(relief_per_contributor),
                        table.participation, table.contributor_pref, table.coproduction_relief)


def produce(params: dict, structure: Structure, table: ProviderTable, ledger: Ledger, book: bool) -> float:
    """Quality and cost of every row this month (HSV efforts, workforce, co-production, capital) and, if
    ``book``, the money: wages, running costs, and where savings go by kind (``settle_surplus``). Returns
    the providers' own overhead paid this month (public cost accounts it, ODD §7.8).

    The service a row runs is the one the formula pays for (a contract specifies it, whatever price won the
    tender, ODD §7.10); a price below the formula comes out of the provider's margin, not out of the service.
    Back office and governance scale with the service, not with the fixed-cost lump that pays for the building:
    the overhead rate applies to the per-user part of the payment only. Co-production (ODD §7.6, D-C3):
    contributors' time enters the same production function as paid spending, worth ``relief`` standard
    budgets; a share ``coproduction_cost_share`` of it replaces paid time (a saving, settled as every saving
    is), the rest adds to the service. Capital is a stock: quality from the capital per (need-weighted) user,
    in years of the unit cost. The arithmetic is two passes over the rows (``sim.kernels.production``)."""
    by_kind = structure.kind_rates.rates  # each kind's rates, read at a row's kind (ODD §9 D-F295)
    costs = row_pass.row_costs(  # the spending index written over the rows' (ODD §9 D-F231)
        table.last_payment, table.price, table.last_lump, table.federation, float(params["federation_saving"]),
        table.sector, structure.sector_array("fixed_cost"), structure.sector_array("unit_cost"),
        by_kind[kind.OWN_OVERHEAD], by_kind[kind.RESERVE_DRAWDOWN], by_kind[kind.WAGE_CUT], by_kind[kind.RATE_RELIEF],
        table.kind, ledger.provider_cash, table.weighted_users, table.effort_e, table.coproduction_relief, table.fte,
        float(params["cost_reduction_scale"]), float(params["coproduction_cost_share"]),
        float(params["market_wage"]), float(params["business_rates_share"]), table.spending_index)
    spending_index = table.spending_index
    if not book:
        table.q_c, table.q_n = row_pass.quality(
            spending_index ** params["quality_elasticity"], table.workforce_index, table.capital, table.weighted_users,
            table.sector, structure.sector_array("unit_cost"), structure.sector_array("contractibility"),
            structure.sector_array("theta"), table.effort_i, costs[row_pass.CUT],
            float(params["capital_productivity"]), float(params["innovation_scale"]))
        return 0.0
    # quality, the overhead paid and the wages, running costs and business rates (less a charity's relief, D-K4)
    # moved out of the providers' cash, in one call (ODD §9 D-F191); journalled in that order; the quality written
    # over the rows' (D-F231)
    (overhead_paid, wages, wages_booked, running, running_booked, rates, rates_booked) = row_pass.quality_and_books(
        spending_index ** params["quality_elasticity"], table.workforce_index, table.capital, table.weighted_users,
        table.sector, structure.sector_array("unit_cost"), structure.sector_array("contractibility"),
        structure.sector_array("theta"), table.effort_i, costs, float(params["capital_productivity"]),
        float(params["innovation_scale"]), ledger.provider_cash, ledger.outflows, table.q_c, table.q_n)
    # a copy of the row, not a view: a view kept the month's whole cost table (ten rows of float64 a provider row,
    # 0.5 bytes an adult) alive until the next month's (ODD §9 D-F281)
    table.wage_factor = costs[row_pass.WAGE_FACTOR].copy()
    ledger.journal_collected("households", wages, wages_booked, "wages")
    ledger.journal_collected("outside_world", running, running_booked, "running costs")
    ledger.journal_collected("treasury", rates, rates_booked, "business rates")
    # each row's kind's other income rate, gathered only where some kind has one (every row's is 0 otherwise, D-F295)
    other_income = by_kind[kind.OTHER_INCOME]
    earn_other_income(params, table, ledger, other_income[table.kind] if np.count_nonzero(other_income) else NO_RATE)
    service_social_finance(params, table, ledger, by_kind[kind.SOCIAL_FINANCE][table.kind])
    rows_of_kind = np.bincount(table.kind, minlength=len(KINDS))
    for code, kind_class in KINDS.items():  # a kind without rows has no surplus to settle
        if rows_of_kind[code]:
            kind_class.settle_surplus(params, ledger, table.kind == code, costs[row_pass.SAVING], table.last_payment)
    return overhead_paid


NO_RATE = np.zeros(0)  # no kind has the rate: every row's is 0 (an empty array counts no nonzero)


def earn_other_income(params: dict, table: ProviderTable, ledger: Ledger, rate: np.ndarray) -> None:
    """Income beyond the public payment, by kind (``other_income_rate``, ODD §7.8, D-C4): a share of the payment,
    net of what earning it costs. Fees and trading come from households, grants and donations from outside the
    authority. Where it goes is each kind's surplus rule: a firm's profit (bid away in part at re-tender), a
    mutual's reserves (spent on the service). ``rate``: each row's kind's ``other_income_rate``."""
    if not np.count_nonzero(rate):  # (np.any's answer, without its reduction's overhead)
        return
    trading = np.minimum(rate, params["trading_income_share"]) * table.last_payment
    ledger.pay_providers("households", trading, "fees and trading")
    ledger.pay_providers("outside_world", rate * table.last_payment - trading, "grants and donations")


def service_social_finance(params: dict, table: ProviderTable, ledger: Ledger, share: np.ndarray) -> None:
    """Repayable social finance (ODD §7.8, D-K7). A kind that raises it borrows a share s of its payment each
    month (``social_finance_share``), from social investors outside the authority or, where local bonds may be
    issued, from its residents; it pays interest r/12 on what it owes (``social_finance_rate``) and repays the
    principal over the contract term T: debt <- debt + s * payment - debt / (12 T). At a steady payment the debt
    settles at 12 T s * payment and the provider pays T r s * payment a month more than it raises: finance
    brings spending forward and costs its interest. What is raised is cash, spent on the service as reserves are
    (§7.6); being owed, it is not income a commissioner re-prices away (§7.10). A debt stays with its service
    row: a successor of any kind repays it, as a department assumes its predecessor's debts (§7.11). ``share``:
    each row's kind's ``social_finance_share``."""
    if not np.count_nonzero(share) and not np.count_nonzero(table.social_debt):
        return
    lender = "households" if params["local_bonds"] else "outside_world"
    principal = table.social_debt / (12.0 * params["contract_years"])
    ledger.collect_from_providers(lender, params["social_finance_rate"] / 12.0 * table.social_debt,
                                  "social finance interest")
    ledger.collect_from_providers(lender, principal, "social finance repayment")
    raised = share * table.last_payment
    ledger.pay_providers(lender, raised, "social finance")
    table.social_debt += raised - principal
