"""The guarantor state: funds, regulates, audits, intervenes, converts, builds capacity, matches investment.

Monthly it pays every provider by a need- and deprivation-weighted per-capita formula plus a lump sum for
fixed costs (block funding by eligible residents, or money following active users where users may choose).
Once a fiscal year it revises the central design, measures quality (inspection every k years, or self-audit
for mutuals), intervenes on failure, re-tenders expiring contracts, runs a conversion round and builds
capacity; it matches citizens' social investment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mesa import Agent

from .kernels import formula_funding, preferences
from .kernels.audit import TAKING_PART, USERS
from .population import EDUCATION, OPT_OUT
from .providers import COMMISSIONED_KIND, CONVERSION_KIND, KIND_NAMES, KINDS, kind_table, replace_operator
from .providers.base import INITIAL_EFFORT, cost_reduction, governance_strength
from .providers.rates import GUARANTOR_OVERHEAD, MAY_BE_INSOLVENT
from .providers.tender import tender_price
from .submodels.participation import FORMULA_USERS
from .submodels.rationing import RATIONING_RULES
from .submodels.structure import open_channels
from .views import participation_counts, report_table

# capacity building and its depreciation go a chunk of adults at a time: element by element, so the same numbers as
# whole arrays, without float32 temporaries of every adult at the fiscal year's end (ODD §9 D-F122)
CAPACITY_CHUNK = 1 << 16


class GuarantorState(Agent):
    """The guarantor state (ODD §2.6): funds providers, measures quality, intervenes, re-lets, converts."""

    def __init__(self, model):
        """No failures, conversions or reports yet; the central design starts at the middle (ODD §5)."""
        super().__init__(model)
        params = model.params
        n_sectors = len(model.sector_names)
        dimensions = params["design_dimensions"]  # a design per sector, a point of [0, 1]^D (ODD §9 D-Q1)
        self.central_design = np.full((n_sectors, dimensions), 0.5)
        self.pending_estimate = np.full((n_sectors, dimensions), 0.5)  # measured this year, applied next year
        self.failures = 0
        self.failures_by_kind = dict.fromkeys(KIND_NAMES, 0)  # a view by kind (ballots read the converted kind's)
        self.operators_at_start = dict.fromkeys(KIND_NAMES, 0)  # rows each kind ran at the start (set by the build)
        self.conversions = 0
        self.demutualisations = 0
        self.conversion_log: list[dict] = []
        self.failure_log: list[dict] = []
        self.audit_counts: list[np.ndarray] = []  # the participation audit's counts, a fiscal year each
        self.channels = list(open_channels(params))
        self.targeting = np.ones(5)  # recruitment weight per deprivation quintile (set by the audit)
        # the part of each citizen's civic resources that capacity building built, which depreciates (ODD §7.11)
        self.resources_built = np.zeros(model.population.n, dtype=np.float32)
        # whether capacity building has built anything yet: until it has, the resources and skill it built are all
        # zero and depreciating them is the identity (ODD §9 D-F161)
        self.capacity_built = False
        self.last_charges = np.zeros(model.providers.n)  # users' charges toward each row's payment this month
        self.budget: np.ndarray | None = None  # yearly budget per sector (``budget_basis``, ODD §7.8)
        self.cost_this_year = np.zeros(n_sectors)  # what the formula asked per sector so far this fiscal year
        self.budget_cut_share = 0.0  # share of the formula's funding withheld this month (``budget_rule``)
        self.over_budget = 0.0  # £ paid this month above the sectors' budgets (an open-ended budget)
        # share of its users' need each sector's budget pays for at the standard cost (rationing, ODD §7.8)
        self.served_share = np.ones(n_sectors)
        self.month_formula: tuple[int, np.ndarray] | None = None  # the month's formula rows (ODD §9 D-F142)

    # --- monthly --------------------------------------------------------------------------------------------
    def payments(self, priced: bool = True) -> np.ndarray:
        """This month's payment to each provider row: formula funding plus the fixed-cost lump sum (ODD §7.8).

        The formula pays the sector's unit cost per need-weighted user (the standard cost production charges,
        §7.6), with a deprivation top-up normalised to average one over the sector's eligible residents
        (``formula_normalised``: the top-up redistributes a sector's money, as the national funding formula's
        deprivation factors share a fixed total, rather than adding to it)."""
        model, params = self.model, self.model.params
        per_row = self.formula_rows()
        # the lumps and, where ``priced``, a tendered contract's price relative to the formula (ODD §7.10); unpriced,
        # the formula's standard cost, as the budget is set from it (one pass over the rows, ODD §9 D-F60)
        table = model.providers
        return formula_funding.formula_due(per_row, float(params["funding_level"]),
                                           model.structure.sector_array("fixed_cost"), table.sector, table.price,
                                           priced, table.last_lump)

    def formula_rows(self) -> np.ndarray:
        """Each row's part of the funding formula this month: its weighted users times their sector's unit cost,
        before the funding level and the lumps (``payments``)."""
        model, params = self.model, self.model.params
        summed = FORMULA_USERS.pop(model.providers, None)  # this month's tallies summed the rows' part (D-F96)
        if summed is not None and summed[0] == model.month:
            per_row = summed[1]
            self.month_formula = summed  # for a second call this month (ODD §9 D-F142)
        elif (kept := getattr(self, "month_formula", None)) is not None and kept[0] == model.month \
                and kept[1].size == model.providers.n:
            # the month's tallies' sums again: nothing the formula reads (a slot's holder, stance, row, need, her
            # quintile) changes after the tallies in a month, a fiscal year's end included (a national run's
            # yearly summary asks the unpriced formula after the year, ODD §9 D-F142)
            per_row = kept[1]
        else:  # a call of its own (month 0, a budget's basis): the kernel, ``sim.kernels.formula_funding``, a sector at a time
            per_row = np.zeros(model.providers.n)
            unit_cost = model.structure.sector_array("unit_cost").tolist()
            deprivation_weight, normalised = float(params["deprivation_weight"]), bool(params["formula_normalised"])
            need_weighted = bool(params["need_weighted_capitation"])
            choice_in, home_row, deprivation = model.structure.choice_in, model.structure.home_row, model.population.deprivation
            for s, users in enumerate(model.users):
                # the weights normalised over the sector's eligible residents (NumPy's mean, ODD §9 D-F57)
                formula_funding.sector_formula_users(
                    users.holders, deprivation, deprivation_weight, normalised, users.high_need_bits, users.high_need32,
                    need_weighted, bool(choice_in[s]), users.stance, OPT_OUT, users.provider, users.unit_start,
                    users.unit_count, home_row[s], unit_cost[s], per_row, model.quintile_sizes.size)
        return per_row

    def within_budget(self, due: np.ndarray) -> np.ndarray:
        """What the guarantor pays of the formula's ``due`` (per row) under the sectors' budgets (ODD §7.8, D-M3).

        A sector's yearly budget is set in the first month from what its services cost at the providers' prices
        (``budget_basis = "spending"``, rolled forward each year by ``revise_budget``) or from the formula's
        standard cost (``"formula"``, funding level included, whatever the prices), and changes by
        ``budget_real_change`` a year from ``budget_change_from_year`` on. Under
        ``budget_rule = "open_ended"`` the guarantor pays what the formula says and what it pays above the
        budget is counted (``over_budget``); under ``"pro_rata_cut"`` a sector whose formula exceeds a month's
        budget has every payment cut in proportion (``budget_cut_share``), and its providers must do with less
        per user. Under the rationing rules (``ration_by_need``, ``waiting_list``; D-K2) the guarantor pays the
        fixed-cost lumps and the per-user part of the formula for the share of users' need the rest of the budget
        affords (``served_share``): next month the providers serve that share at the standard cost
        (``sim/submodels/rationing.py``) and the others are refused or wait."""
        model = self.model
        sector = model.providers.sector
        n_sectors = len(model.sector_names)
        asked = np.bincount(sector, weights=due, minlength=n_sectors)
        if self.budget is None:
            basis = due if model.params["budget_basis"] == "spending" else self.payments(priced=False)
            self.budget = 12.0 * np.bincount(sector, weights=basis, minlength=n_sectors)
        self.cost_this_year += asked
        monthly = self.budget / 12.0
        rule = model.params["budget_rule"]
        self.served_share = np.ones(n_sectors)
        if rule in RATIONING_RULES:
            lump = model.providers.last_lump
            lumps = np.bincount(sector, weights=lump, minlength=n_sectors)
            per_user = asked - lumps
            affordable = np.divide(monthly - lumps, per_user, out=np.ones(n_sectors), where=per_user > 0)
            self.served_share = np.clip(np.where(asked > monthly, affordable, 1.0), 0.0, 1.0)
            paid = lump + (due - lump) * self.served_share[sector]
            total_due = float(due.sum())
            self.budget_cut_share = 1.0 - float(paid.sum()) / total_due if total_due > 0 else 0.0
            self.over_budget = 0.0
            return paid
        if rule == "pro_rata_cut":
            scale = np.minimum(1.0, np.divide(monthly, asked, out=np.ones(n_sectors), where=asked > 0))
            model.providers.last_lump[:] *= scale[sector]
            total_due = float(due.sum())
            paid = due * scale[sector]
            self.budget_cut_share = 1.0 - float(paid.sum()) / total_due if total_due > 0 else 0.0
            self.over_budget = 0.0
            return paid
        self.budget_cut_share = 0.0
        self.over_budget = float(np.maximum(asked - monthly, 0.0).sum())
        return due

    def open_ended(self, due: np.ndarray) -> np.ndarray | None:
        """``within_budget`` under ``budget_rule = "open_ended"`` once the budget is set, in one pass (ODD §9
        D-F60): the guarantor pays what the formula says and counts what it pays above the month's budget; None
        under the other rules or in the first month."""
        if self.budget is None or self.model.params["budget_rule"] != "open_ended":
            return None
        self.over_budget = formula_funding.open_ended_budget(self.model.providers.sector, due, self.budget,
                                                             self.cost_this_year)
        self.served_share = np.ones(len(self.model.sector_names))
        self.budget_cut_share = 0.0
        return due

    def revise_budget(self) -> None:
        """Fiscal year (ODD §7.8, D-K1): under ``budget_basis = "spending"`` a sector's budget rolls forward from
        the year's cost of its services at the providers' prices until the year ``budget_change_from_year``
        has ended, so that every regime meets a change from its own spending; from then on the budgets change
        by ``budget_real_change`` in real terms (austerity when negative)."""
        params = self.model.params
        year = self.model.month // 12
        if self.budget is not None and params["budget_basis"] == "spending" and year <= params[
                "budget_change_from_year"]:
            self.budget = self.cost_this_year.copy()  # twelve months' cost: the year's outturn
        if self.budget is not None and year >= params["budget_change_from_year"]:
            self.budget = self.budget * (1.0 + params["budget_real_change"])
        self.cost_this_year[:] = 0.0

    def pay_providers(self) -> None:
        """Monthly: this month's payments, the charges users pay toward them (``charge_share`` of the payment,
        to the treasury, whoever runs the service), and the public cost of commissioning and of the channels."""
        model, table, ledger = self.model, self.model.providers, self.model.ledger
        if self.budget is not None and model.params["budget_rule"] == "open_ended":
            # ``payments``, ``open_ended``, the payment into the providers' cash and ``charges_and_overhead`` in one
            # call (ODD §9 D-F191), each row's charges written over last month's (D-F231)
            (self.over_budget, paid, booked, charges, overhead) = formula_funding.pay_open_ended(
                self.formula_rows(), float(model.params["funding_level"]), model.structure.sector_array("fixed_cost"),
                table.sector, table.price, table.last_lump, self.budget, self.cost_this_year, ledger.provider_cash,
                ledger.inflows, table.last_payment, model.structure.sector_array("charge_share"),
                model.structure.kind_rates.rates[GUARANTOR_OVERHEAD], table.kind, self.last_charges)
            self.served_share = np.ones(len(model.sector_names))
            self.budget_cut_share = 0.0
            ledger.journal_paid("treasury", paid, booked, "funding")
        else:
            due = self.payments()
            amount = self.open_ended(due)
            if amount is None:
                amount = self.within_budget(due)
            ledger.pay_providers("treasury", amount, "funding")
            # the payment kept, users' charges toward it and the public cost on top of it (contract monitoring)
            self.last_charges, charges, overhead = formula_funding.charges_and_overhead(
                amount, table.last_payment, model.structure.sector_array("charge_share"),
                model.structure.kind_rates.rates[GUARANTOR_OVERHEAD], table.sector, table.kind)
        model.ledger.transfer("households", "treasury", charges, "user charges")
        model.ledger.transfer("treasury", "outside_world", overhead, "regulation of providers")
        channel_cost = self.channels_in_use() * model.params["channel_running_cost"] * model.population.n
        model.ledger.transfer("treasury", "outside_world", channel_cost, "participation channels")

    def channels_in_use(self) -> int:
        """Channels that reach at least one modelled sector (children's participation needs a school)."""
        return sum(1 for c in self.channels if c != "children" or set(self.model.sector_names) & set(EDUCATION))

    # --- fiscal year ----------------------------------------------------------------------------------------
    def fiscal_year(self) -> None:
        """The guarantor's part of the fiscal year's end, in the order of ODD §3.2."""
        model = self.model
        self.revise_budget()
        self.revise_central_design()
        self.measure_quality()
        self.intervene()
        self.suspend_financial_freedom()
        self.end_interim_management()
        self.retender_expired()
        if model.structure.converting.any():
            self.conversion_round()
        self.build_capacity()
        if model.params["participation_audit"]:
            self.participation_audit()

    def revise_central_design(self) -> None:
        """Apply last year's estimate of the authority-wide mean preference; estimate anew, with noise, in every
        dimension of the design."""
        model = self.model
        self.central_design = self.pending_estimate.copy()
        noise = model.np_rng.normal(0.0, model.params["central_design_noise"], self.central_design.shape)
        means = [preferences.column_means(u.xq) if u.m else np.full(self.central_design.shape[1], 0.5)
                 for u in model.users]
        self.pending_estimate = np.clip(np.array(means) + noise, 0, 1)

    def measure_quality(self) -> None:
        """Inspection every k years (and the year after a provider was found under the standard: a follow-up)
        sees contractible quality exactly and the rest with noise. Self-audit (mutuals, where the guarantor
        enables it) is yearly and cheaper; its noise and its optimism shrink as participation and training
        grow. Measured under the standard twice running is failure."""
        model, params, table = self.model, self.model.params, self.model.providers
        if params["audit_mode"] == "none":
            return
        year = model.month // 12
        self_audit = (kind_table(params, table, "self_audits") if params["audit_mode"] == "self_audit"
                      else np.zeros(table.n, dtype=bool))
        inspected = ~self_audit & ((year % params["inspection_interval"] == 0) | table.follow_up)
        measured = self_audit | inspected
        if not measured.any():
            return
        blind_spot = (1.0 - params["self_audit_training"]) * (
            1.0 - governance_strength(table.participation, params["voice_half_participation"]))
        noise_sd = np.where(self_audit, params["self_audit_noise"] * blind_spot, params["inspection_noise"])
        bias = np.where(self_audit, params["self_audit_bias"] * blind_spot, 0.0)
        estimate = table.q_c + table.q_n + bias + model.np_rng.normal(0.0, 1.0, table.n) * noise_sd
        self.record_measurements(measured, estimate)
        model.ledger.transfer("treasury", "outside_world", float(inspected.sum() * params["inspection_cost"]), "inspection")
        model.ledger.transfer("treasury", "outside_world", float(self_audit.sum() * params["self_audit_cost"]), "self-audit")

    def record_measurements(self, measured: np.ndarray, estimate: np.ndarray) -> None:
        """Book a measurement of quality for the ``measured`` rows (a mask): a result under ``quality_standard``
        counts toward failure (twice running is failure, ``intervene``) and asks for a follow-up; one at or above
        it clears the count."""
        table = self.model.providers
        table.measured_quality[measured] = estimate[measured]
        below = estimate < self.model.params["quality_standard"]
        table.fail_count[measured & below] += 1
        table.fail_count[measured & ~below] = 0
        table.failing[measured] = below[measured]
        table.follow_up[measured] = below[measured]

    def intervene(self) -> None:
        """Measured under the standard twice running: the guarantor finds why (``diagnose``), the kind's
        ``on_failure`` decides who runs the service next, and (``address_causes``) an improvement plan addresses the
        cause."""
        model = self.model
        for row in np.flatnonzero(model.providers.fail_count >= 2):
            cause = self.diagnose(int(row))
            self.record_failure(row, "quality", cause)
            model.provider_agents[row].on_failure("quality")
            if model.params["address_causes"]:
                self.improve(int(row), cause)
            self.after_intervention(row)

    def diagnose(self, row: int) -> str:
        """Why a service's quality fell short, from the terms of its production (§7.6), each measured as the
        quality it costs against a standard service (spending index 1, workforce index 1, no cost cutting):
        ``cost_cutting`` theta * c(e); ``workforce`` spending^alpha * (1 - workforce index);
        ``spending`` (1 - spending^alpha) * workforce index. The largest is the cause."""
        model, table, params = self.model, self.model.providers, self.model.params
        theta = model.structure.sector_array("theta")[table.sector[row]]
        spending = table.spending_index[row] ** params["quality_elasticity"]
        losses = {"cost_cutting": theta * float(cost_reduction(table.effort_e[row:row + 1], params["cost_reduction_scale"])[0]),
                  "workforce": spending * max(1.0 - table.workforce_index[row], 0.0),
                  "spending": max(1.0 - spending, 0.0) * min(table.workforce_index[row], 1.0)}
        return max(losses, key=losses.get)

    def improve(self, row: int, cause: str) -> None:
        """The improvement plan that addresses the cause, whoever runs the service now.

        cost_cutting: the service's management restarts its efforts from the initial level (it must learn
        again whether cutting pays; a new operator does so anyway); workforce: a workforce plan retrains the
        staff (half the gap to the top of the skill range), clears burnout and restores morale to a new
        hire's, at ``turnaround_cost`` per worker; spending: recovery capital worth one month's payment (it
        raises quality per user as community-financed capital does, and depreciates)."""
        model, table, params = self.model, self.model.providers, self.model.params
        if cause == "cost_cutting":
            table.effort_e[row] = table.effort_i[row] = INITIAL_EFFORT
        elif cause == "workforce":
            staff = model.workforce.retrain(row)
            model.ledger.transfer("treasury", "outside_world", staff * params["turnaround_cost"], "workforce plan")
        else:  # capital (equipment, premises), not cash: cash would be paid out as profit or returned
            table.capital[row] += table.last_payment[row]
            model.ledger.transfer("treasury", "outside_world", float(table.last_payment[row]), "recovery capital")

    def suspend_financial_freedom(self) -> None:
        """Freedom of financial management holds 'within a framework which sets down standards on quality'
        (the seed): a department measured under the standard has its delegated budget suspended, as an
        education authority may suspend a school's (School Standards and Framework Act 1998, s.17), and the
        balance it carried forward returns to the treasury (ODD §7.11)."""
        model, table = self.model, self.model.providers
        if model.params["financial_freedom"] <= 0:
            return
        cash = model.ledger.provider_cash
        departments = kind_table(model.params, table, "treasury_covers_deficit")
        balance = np.where(departments & table.failing & (cash > 0), cash, 0.0)
        if balance.any():
            model.ledger.collect_from_providers("treasury", balance, "delegated budget suspended")

    def end_interim_management(self) -> None:
        """A step-in is interim where the failed operator's kind names a successor (``t.successor``): once the
        interim has run ``step_in_years`` and the service is not failing, it passes to a new operator of that
        kind (a failed mutual's service to a successor mutual), so step-ins do not erode a regime for want of
        a way back."""
        model, table = self.model, self.model.providers
        due = (table.successor >= 0) & (table.interim_until >= 0) & (table.interim_until <= model.month) & ~table.failing & (
            table.fail_count == 0)
        for row in np.flatnonzero(due):
            kind = KINDS[int(table.successor[row])]
            table.successor[row] = table.interim_until[row] = -1
            replace_operator(model, int(row), kind)

    def services_failed_last_year(self) -> int:
        """Distinct services (provider rows) that failed at least once in the last 12 months: a service that
        fails on quality and is insolvent in the same year counts once."""
        model = self.model
        return int((model.providers.last_failure > model.month - 12).sum())

    def after_intervention(self, row: int) -> None:
        """Whatever the remedy, the slate is clean until a follow-up measurement next year."""
        table = self.model.providers
        table.fail_count[row] = 0
        table.failing[row] = False
        table.follow_up[row] = True

    def insolvency_check(self) -> None:
        """Monthly: a provider that ``may_be_insolvent`` whose debts exceed ``insolvency_months`` of income has
        failed."""
        model, table = self.model, self.model.providers
        if not np.count_nonzero(model.ledger.provider_cash < 0):  # the limit is at most zero: no row in debt, none insolvent
            return
        limit = -model.params["insolvency_months"] * np.maximum(table.last_payment, 1.0)
        may_be_insolvent = model.structure.kind_rates.flag_of_rows(MAY_BE_INSOLVENT, table.kind)
        for row in np.flatnonzero((model.ledger.provider_cash < limit) & may_be_insolvent):
            self.record_failure(row, "insolvency")
            model.provider_agents[row].on_failure("insolvency")
            self.after_intervention(row)

    def record_failure(self, row: int, reason: str, cause: str = "debts") -> None:
        """Count a failure (by kind, for ballots and metrics) and log it for people to read."""
        model, table = self.model, self.model.providers
        self.failures += 1
        self.failures_by_kind[model.provider_agents[row].kind_name] += 1
        table.last_failure[row] = model.month
        self.failure_log.append({"month": model.month, "row": int(row), "sector": model.sector_names[table.sector[row]],
                                 "unit": int(table.unit[row]), "kind": type(model.provider_agents[row]).__name__,
                                 "reason": reason, "cause": cause,
                                 "measured_quality": float(table.measured_quality[row]),
                                 "cash": float(model.ledger.provider_cash[row])})

    def retender(self, row: int, failed: bool = False) -> None:
        """Re-let the service: the incumbent in good standing may keep it (``incumbent_advantage``); otherwise
        it goes to a new operator of the kind the sector's regime commissions (``COMMISSIONED_KIND``: a firm
        where services are privatised, a new mutual where the authority commissions mutuals, so a service that
        demutualised can return at the end of its contract). Investors write off a failed firm's debts;
        workers transfer with the contract; the new contract keeps a share ``relet_design_retention`` of the
        incumbent's design, the rest is the centre's."""
        model, params = self.model, self.model.params
        cash = model.ledger.provider_cash
        if failed and cash[row] < 0:
            amounts = np.zeros(model.providers.n)
            amounts[row] = -cash[row]
            model.ledger.pay_providers("private_investors", amounts, "debts written off")
        value = 12.0 * params["contract_years"] * model.providers.last_payment[row]  # the contract's value over its term
        incumbent = model.provider_agents[row]
        model.ledger.transfer("treasury", "outside_world", incumbent.tender_cost_rate(params) * value, "tendering")
        incumbent_keeps = (not failed and incumbent.holds_contract
                           and not model.providers.failing[row] and model.np_rng.random() < params["incumbent_advantage"])
        if not incumbent_keeps:
            replace_operator(model, row, COMMISSIONED_KIND[model.structure.sector_regimes[model.providers.sector[row]]])
        model.providers.price[row] = tender_price(model, row, type(model.provider_agents[row]))
        model.providers.contract_end[row] = model.month + 12 * params["contract_years"]
        # What the new contract keeps of the incumbent's design (ODD §7.10; neutral 1: it carries on).
        central = self.central_design[model.providers.sector[row]]
        model.providers.contract_design[row] = central + params["relet_design_retention"] * (
            model.providers.voice_design[row] - central)

    def retender_expired(self) -> None:
        """Operators that ``holds_contract`` whose contract has ended: their ``on_contract_expiry`` hook."""
        model, table = self.model, self.model.providers
        expired = (table.contract_end >= 0) & (table.contract_end <= model.month)
        for row in np.flatnonzero(kind_table(model.params, table, "holds_contract") & expired):
            model.provider_agents[int(row)].on_contract_expiry()

    def support(self, row: int) -> None:
        """A support grant to a struggling mutual: its debts cleared and one month's payment as working
        capital, from the treasury."""
        model = self.model
        amounts = np.zeros(model.providers.n)
        amounts[row] = model.providers.last_payment[row] + max(-model.ledger.provider_cash[row], 0.0)
        model.ledger.pay_providers("treasury", amounts, "support")

    def conversion_round(self) -> None:
        """The approval process (ODD §7.11): a share ``conversion_rate`` of the state services that remain is
        put forward each year, failing services first, then where neighbours converted; a service is approved if
        it has a workforce (its founding members) and, where ``conversion_viability`` asks, a viable business
        case; its employees then ballot, and a yes converts it to ``CONVERSION_KIND`` (a mutual)."""
        model, params, table = self.model, self.model.params, self.model.providers
        candidates = np.flatnonzero(kind_table(params, table, "convertible") & model.structure.converting[table.sector])
        if candidates.size == 0 or params["conversion_rate"] == 0:
            return
        put_forward = stochastic_round(params["conversion_rate"] * candidates.size, model.np_rng)
        converted = CONVERSION_KIND.kind
        converted_nbrs = converted_neighbour_count(model.structure, table, converted, candidates)
        # Failing: measured under the standard at the last measurement (stepped-in services included).
        under = table.failing | (table.measured_quality < params["quality_standard"])
        failing = under[candidates]
        tiebreak = model.np_rng.random(candidates.size)
        key = converted_nbrs + tiebreak
        if params["failing_first"]:
            key = key + 10.0 * failing
        order = candidates[np.argsort(-key, kind="stable")]
        converted_name = KIND_NAMES[converted]
        failure_rate = self.failures_by_kind[converted_name] / max(1, self.conversions
                                                                   + self.operators_at_start[converted_name])
        viable = viable_as_mutual(params, model.structure, table)
        # Indexes built once a round, not a scan of every row a ballot (issue 18's per-row scans; ODD §9 D-F111):
        # converted services in good standing, kept up to date as rows convert (a conversion changes only its own
        # row's kind and standing), and each row's staff (no one changes employer during the round)
        good = (table.kind == converted) & ~table.failing
        staff_by_row = model.workforce.staff_by_row()
        for row in order[:put_forward]:
            # A mutual's founding members are its staff (users join as they take part), so the guarantor
            # approves a service with a workforce (and a viable business case); users' participation is not
            # a precondition.
            eligible = int(table.staff[row])
            approved = eligible > 0 and (viable[row] or not params["conversion_viability"])
            neighbours = model.structure.row_neighbours[row]
            support = ballot_support_logit(params, failure_rate,
                                           float(((neighbours >= 0) & good[np.maximum(neighbours, 0)]).sum()))
            # What differs between ballots (the offer, the campaign, local circumstances) shifts each one's support
            support += params["ballot_support_spread"] * model.np_rng.normal()
            turnout, yes = (model.workforce.ballot(model.np_rng, int(row), support, staff_by_row(row)) if approved
                            else (0.0, 0.0))
            passed = bool(approved and turnout >= params["ballot_quorum"] and yes >= params["ballot_threshold"])
            self.conversion_log.append({"month": model.month, "row": int(row), "sector": model.sector_names[table.sector[row]],
                                        "unit": int(table.unit[row]), "failing": bool(under[row]),
                                        "approved": bool(approved), "eligible": eligible, "turnout": turnout,
                                        "yes_share": yes, "converted": passed})
            if passed:
                self.conversions += 1
                replace_operator(model, int(row), CONVERSION_KIND)
                good[row] = (table.kind[row] == converted) and not table.failing[row]

    def build_capacity(self) -> None:
        """Yearly capacity building for citizens and workers (ODD §7.11): what earlier years built first loses
        a share ``capacity_depreciation`` (skills that are not renewed depreciate); then a share
        ``capacity_efficiency`` per £ per adult of the gap to full civic resources is closed (lowering the cost
        of taking part), and of the gap to the best workers' skill (1.2)."""
        model, params = self.model, self.model.params
        self.depreciate_capacity()
        per_adult = params["capacity_building"]
        if per_adult <= 0:
            return
        model.ledger.transfer("treasury", "outside_world", per_adult * model.population.n, "capacity building")
        self.capacity_built = True
        gain = min(1.0, params["capacity_efficiency"] * per_adult)
        resources, gain32 = model.population.resources, np.float32(gain)
        for first in range(0, resources.size, CAPACITY_CHUNK):  # no float32 temporaries of every adult (D-F122)
            chunk = slice(first, first + CAPACITY_CHUNK)
            built = gain32 * (1.0 - resources[chunk])
            resources[chunk] += built
            self.resources_built[chunk] += built
        workforce = model.workforce
        trained = gain * np.maximum(1.2 - workforce.skill, 0.0)
        workforce.skill += trained
        workforce.trained += trained

    def depreciate_capacity(self) -> None:
        """The civic resources and skill that capacity building built lose a share ``capacity_depreciation`` a
        year; what people had before it, and a new hire's skill, do not. Until anything was built, what it built
        is zero everywhere and losing a share of it changes nothing: nothing to do (ODD §9 D-F161)."""
        if not self.capacity_built:
            return
        model, rate = self.model, self.model.params["capacity_depreciation"]
        resources, built, rate32 = model.population.resources, self.resources_built, np.float32(rate)
        for first in range(0, built.size, CAPACITY_CHUNK):  # element by element: the same numbers a chunk at a time
            chunk = slice(first, first + CAPACITY_CHUNK)
            lost = rate32 * built[chunk]
            resources[chunk] -= lost
            built[chunk] -= lost
        workforce = model.workforce
        lost_skill = rate * workforce.trained
        workforce.skill -= lost_skill
        workforce.trained -= lost_skill

    def participation_audit(self):
        """The participation audit: participation by deprivation quintile and sector; recruitment by the
        channels is then targeted at quintiles in inverse proportion to their participation."""
        model = self.model
        counts = participation_counts(model.population, model.users, model.month)
        self.__dict__.setdefault("audit_counts", []).append(counts)  # (a state saved before D-F244 has none)
        # the authority's participation by quintile (its counts, last), each share as the report's table gives it,
        # read without building or selecting from the table (D-F242, D-F244)
        authority = counts[-1]
        by_q = np.array([taking_part / users if users else 0.0 for users, taking_part
                         in zip(authority[:, USERS].tolist(), authority[:, TAKING_PART].tolist(), strict=True)])
        inverse = 1.0 / np.maximum(by_q, 0.01)
        self.targeting = inverse / inverse.mean()

    @property
    def audit_reports(self) -> list[pd.DataFrame]:
        """The participation audit's reports, one a fiscal year (``participation_report``'s table), built when read
        from the counts the audit kept (ODD §9 D-F244); a state saved before then keeps its tables first."""
        names = self.model.sector_names
        return [*self.__dict__.get("audit_reports", []),
                *(report_table(counts, names) for counts in self.__dict__.get("audit_counts", []))]

    def match_investment(self, row_amounts: np.ndarray) -> None:
        match = self.model.params["investment_match"] * row_amounts
        self.model.ledger.pay_providers("treasury", match, "investment match")
        self.model.providers.capital += match


def converted_neighbour_count(structure, table, kind: int, rows: np.ndarray) -> np.ndarray:
    """Services of the converted ``kind`` in good standing in the same sector in neighbouring units: the
    spill-over of success that conversion rounds and ballots weigh (ODD §7.11)."""
    good = (table.kind == kind) & ~table.failing
    neighbours = structure.row_neighbours[rows]
    return ((neighbours >= 0) & good[np.maximum(neighbours, 0)]).sum(axis=1).astype(float)


def stochastic_round(expected: float, rng: np.random.Generator) -> int:
    """An integer whose mean is ``expected``: its floor, plus one with the chance of its fractional part (a share
    of a few services a year is a whole number of services in some years, none in others)."""
    whole = int(np.floor(expected))
    return whole + int(rng.random() < expected - whole)


def viable_as_mutual(params: dict, structure, table) -> np.ndarray:
    """The business case of ODD §7.11, per row: run as an independent mutual (its own overhead), would this
    month's payment cover the costs the service cannot choose, its wage bill at the market wage and its fixed
    cost? A service the formula underfunds would start in deficit."""
    fixed = structure.sector_array("fixed_cost")[table.sector]
    overhead = CONVERSION_KIND.own_overhead_rate(params) * np.maximum(table.last_payment - table.last_lump, 0.0)
    wages = table.fte * params["market_wage"] * table.wage_factor
    return table.last_payment >= wages + fixed + overhead


def ballot_support_logit(params: dict, failure_rate: float, neighbours: float) -> float:
    """Workers' leaning toward mutual status: baseline, the morale they expect from ownership (weighted by
    ballot_ownership_weight), the risk that mutuals fail (the share that have), and neighbours' successful
    mutuals."""
    return (params["ballot_support"] + params["ballot_ownership_weight"] * params["ownership_morale"]
            - params["ballot_risk_weight"] * failure_rate + params["conversion_spillover"] * neighbours)


__all__ = ["GuarantorState", "ballot_support_logit", "converted_neighbour_count", "stochastic_round",
           "viable_as_mutual"]
