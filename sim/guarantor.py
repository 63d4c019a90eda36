"""The guarantor state: funds, regulates, audits, intervenes, converts, builds capacity, matches investment.

Monthly it pays every provider by a need- and deprivation-weighted per-capita formula plus a lump sum for
fixed costs (block funding by eligible residents, or money following active users where users may choose).
Once a fiscal year it revises the central design, measures quality (inspection every k years, or self-audit
for mutuals), intervenes on failure, re-tenders expiring contracts, runs a conversion round and builds
capacity; it matches citizens' social investment.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from .population import ANY_SERVICE, EDUCATION
from .providers import KIND_BY_NAME, KIND_NAMES, kind_table
from .providers.base import INITIAL_EFFORT, cost_reduction, governance_strength

# Who the guarantor lets a service to when a contract is re-let, by the sector's regime. A state department is
# never re-let (it holds no contract); a state-run authority that finds a contract (none arise) lets it to a firm.
COMMISSIONED_KIND = {"state": "contractor", "privatised": "contractor", "mutual": "mutual", "conversion": "mutual"}


class GuarantorState(Agent):
    def __init__(self, model):
        super().__init__(model)
        p = model.params
        n_sectors = len(model.sector_names)
        self.central_design = np.full(n_sectors, 0.5)
        self.pending_estimate = np.full(n_sectors, 0.5)  # measured this year, applied next year (the lag)
        self.failures = 0
        self.failures_by_kind = dict.fromkeys(KIND_NAMES, 0)  # a view by kind (ballots read the mutuals')
        self.conversions = 0
        self.demutualisations = 0
        self.conversion_log: list[dict] = []
        self.failure_log: list[dict] = []
        self.audit_reports: list = []
        self.channels = [c for c in ("elections", "user_panels", "children", "named_contacts")
                         if p[f"channel_{c}"]]
        self.targeting = np.ones(5)  # recruitment weight per deprivation quintile (set by the audit)

    # --- monthly --------------------------------------------------------------------------------------------
    def payments(self) -> np.ndarray:
        """This month's payment to each provider row: formula funding plus the fixed-cost lump sum."""
        m, p = self.model, self.model.params
        per_row = np.zeros(m.providers.n)
        for s, users in enumerate(m.users):
            weight = 1.0 + p["deprivation_weight"] * m.population.deprivation[users.citizen]
            if p["need_weighted_capitation"]:
                weight = weight * users.need
            if m.choice_in[s]:  # money follows active users to whichever provider serves them
                funded = users.active()
                rows = users.provider[funded]
                weight = weight[funded]
            else:  # block funding for every eligible resident of the unit
                rows = m.home_row[s][users.unit]
            per_row += np.bincount(rows, weights=weight, minlength=m.providers.n) * m.sector_array("unit_cost")[s]
        lump = p["funding_level"] * m.sector_array("fixed_cost")[m.providers.sector]
        price = np.ones(m.providers.n)  # the price a kind is paid relative to the formula (a tendered price)
        for kind, cls in m.kinds.items():
            price[m.providers.kind == kind] = cls.payment_factor(p)
        m.providers.last_lump[:] = lump * price
        return (p["funding_level"] * per_row + lump) * price

    def pay_providers(self) -> None:
        m = self.model
        amount = self.payments()
        m.ledger.pay_providers("treasury", amount, "funding")
        m.providers.last_payment[:] = amount
        overhead = np.zeros(m.providers.n)  # public cost on top of the payment (contract monitoring)
        for kind, cls in m.kinds.items():
            rows = m.providers.kind == kind
            overhead[rows] = amount[rows] * cls.guarantor_overhead_rate(m.params)
        m.ledger.transfer("treasury", "outside_world", float(overhead.sum()), "regulation of providers")
        channel_cost = self.channels_in_use() * m.params["channel_running_cost"] * m.population.n
        m.ledger.transfer("treasury", "outside_world", channel_cost, "participation channels")

    def channels_in_use(self) -> int:
        """Channels that reach at least one modelled sector (children's participation needs a school)."""
        return sum(1 for c in self.channels if c != "children" or set(self.model.sector_names) & set(EDUCATION))

    # --- fiscal year ----------------------------------------------------------------------------------------
    def fiscal_year(self) -> None:
        m = self.model
        self.revise_central_design()
        self.measure_quality()
        self.intervene()
        self.end_interim_management()
        self.retender_expired()
        if m.converting_sectors.any():
            self.conversion_round()
        self.build_capacity()
        if m.params["participation_audit"]:
            self.participation_audit()

    def revise_central_design(self) -> None:
        """Apply last year's estimate of the authority-wide mean preference; estimate anew, with noise."""
        m = self.model
        self.central_design = self.pending_estimate.copy()
        noise = m.np_rng.normal(0.0, m.params["central_design_noise"], len(m.users))
        self.pending_estimate = np.clip(np.array([u.x.mean() if u.m else 0.5 for u in m.users]) + noise, 0, 1)

    def measure_quality(self) -> None:
        """Inspection every k years (and the year after a provider was found under the standard: a follow-up)
        sees contractible quality exactly and the rest with noise. Self-audit (mutuals, where the guarantor
        enables it) is yearly and cheaper; its noise and its optimism shrink as participation and training
        grow. Measured under the standard twice running is failure."""
        m, p, t = self.model, self.model.params, self.model.providers
        if p["audit_mode"] == "none":
            return
        year = m.month // 12
        self_audit = kind_table(m, "self_audits") if p["audit_mode"] == "self_audit" else np.zeros(t.n, dtype=bool)
        inspected = ~self_audit & ((year % p["inspection_interval"] == 0) | t.follow_up)
        measured = self_audit | inspected
        if not measured.any():
            return
        blind_spot = (1.0 - p["self_audit_training"]) * (
            1.0 - governance_strength(t.participation, p["voice_half_participation"]))
        noise_sd = np.where(self_audit, p["self_audit_noise"] * blind_spot, p["inspection_noise"])
        bias = np.where(self_audit, p["self_audit_bias"] * blind_spot, 0.0)
        estimate = t.q_c + t.q_n + bias + m.np_rng.normal(0.0, 1.0, t.n) * noise_sd
        t.measured_quality[measured] = estimate[measured]
        below = estimate < p["quality_standard"]
        t.fail_count[measured & below] += 1
        t.fail_count[measured & ~below] = 0
        t.failing[measured] = below[measured]
        t.follow_up[measured] = below[measured]
        m.ledger.transfer("treasury", "outside_world", float(inspected.sum() * p["inspection_cost"]), "inspection")
        m.ledger.transfer("treasury", "outside_world", float(self_audit.sum() * p["self_audit_cost"]), "self-audit")

    def intervene(self) -> None:
        """Measured under the standard twice running: the guarantor finds why (``diagnose``), the kind's
        ``on_failure`` decides who runs the service next, and (``address_causes``) an improvement plan addresses the
        cause."""
        m = self.model
        for row in np.flatnonzero(m.providers.fail_count >= 2):
            cause = self.diagnose(int(row))
            self.record_failure(row, "quality", cause)
            m.provider_agents[row].on_failure("quality")
            if m.params["address_causes"]:
                self.improve(int(row), cause)
            self.after_intervention(row)

    def diagnose(self, row: int) -> str:
        """Why a service's quality fell short, from the terms of its production (§7.6), each measured as the
        quality it costs against a standard service (spending index 1, workforce index 1, no cost cutting):
        ``cost_cutting`` theta * c(e); ``workforce`` spending^alpha * (1 - workforce index);
        ``spending`` (1 - spending^alpha) * workforce index. The largest is the cause."""
        m, t, p = self.model, self.model.providers, self.model.params
        theta = m.sector_array("theta")[t.sector[row]]
        spending = t.spending_index[row] ** p["quality_elasticity"]
        losses = {"cost_cutting": theta * float(cost_reduction(t.effort_e[row:row + 1], p["cost_reduction_scale"])[0]),
                  "workforce": spending * max(1.0 - t.workforce_index[row], 0.0),
                  "spending": max(1.0 - spending, 0.0) * min(t.workforce_index[row], 1.0)}
        return max(losses, key=losses.get)

    def improve(self, row: int, cause: str) -> None:
        """The improvement plan that addresses the cause, whoever runs the service now.

        cost_cutting: the service's management restarts its efforts from the initial level (it must learn
        again whether cutting pays; a new operator does so anyway); workforce: a workforce plan retrains the
        staff (half the gap to the top of the skill range), clears burnout and restores morale to a new
        hire's, at ``turnaround_cost`` per worker; spending: recovery capital worth one month's payment (it
        raises quality per user as community-financed capital does, and depreciates)."""
        m, t, p = self.model, self.model.providers, self.model.params
        if cause == "cost_cutting":
            t.effort_e[row] = t.effort_i[row] = INITIAL_EFFORT
        elif cause == "workforce":
            staff = m.workforce.retrain(row)
            m.ledger.transfer("treasury", "outside_world", staff * p["turnaround_cost"], "workforce plan")
        else:  # capital (equipment, premises), not cash: cash would be paid out as profit or returned
            t.capital[row] += t.last_payment[row]
            m.ledger.transfer("treasury", "outside_world", float(t.last_payment[row]), "recovery capital")

    def end_interim_management(self) -> None:
        """A step-in is interim where the failed operator's kind names a successor (``t.successor``): once the
        interim has run ``step_in_years`` and the service is not failing, it passes to a new operator of that
        kind (a failed mutual's service to a successor mutual), so step-ins do not erode a regime for want of
        a way back."""
        m, t = self.model, self.model.providers
        due = (t.successor >= 0) & (t.interim_until >= 0) & (t.interim_until <= m.month) & ~t.failing & (
            t.fail_count == 0)
        for row in np.flatnonzero(due):
            kind = KIND_NAMES[t.successor[row]]
            t.successor[row] = t.interim_until[row] = -1
            m.replace_operator(int(row), kind)

    def services_failed_last_year(self) -> int:
        """Distinct services (provider rows) that failed at least once in the last 12 months: a service that
        fails on quality and is insolvent in the same year counts once."""
        m = self.model
        return int((m.providers.last_failure > m.month - 12).sum())

    def after_intervention(self, row: int) -> None:
        """Whatever the remedy, the slate is clean until a follow-up measurement next year."""
        t = self.model.providers
        t.fail_count[row] = 0
        t.failing[row] = False
        t.follow_up[row] = True

    def insolvency_check(self) -> None:
        """Monthly: a provider that ``may_be_insolvent`` whose debts exceed ``insolvency_months`` of income has
        failed."""
        m, t = self.model, self.model.providers
        limit = -m.params["insolvency_months"] * np.maximum(t.last_payment, 1.0)
        for row in np.flatnonzero((m.ledger.provider_cash < limit) & kind_table(m, "may_be_insolvent")):
            self.record_failure(row, "insolvency")
            m.provider_agents[row].on_failure("insolvency")
            self.after_intervention(row)

    def record_failure(self, row: int, reason: str, cause: str = "debts") -> None:
        m, t = self.model, self.model.providers
        self.failures += 1
        self.failures_by_kind[m.provider_agents[row].kind_name] += 1
        t.last_failure[row] = m.month
        self.failure_log.append({"month": m.month, "row": int(row), "sector": m.sector_names[t.sector[row]],
                                 "unit": int(t.unit[row]), "kind": type(m.provider_agents[row]).__name__,
                                 "reason": reason, "cause": cause,
                                 "measured_quality": float(t.measured_quality[row]),
                                 "cash": float(m.ledger.provider_cash[row])})

    def retender(self, row: int, failed: bool = False) -> None:
        """Re-let the service: the incumbent in good standing may keep it (``incumbent_advantage``); otherwise
        it goes to a new operator of the kind the sector's regime commissions (``COMMISSIONED_KIND``: a firm
        where services are privatised, a new mutual where the authority commissions mutuals, so a service that
        demutualised can return at the end of its contract). Investors write off a failed firm's debts;
        workers transfer with the contract."""
        m, p = self.model, self.model.params
        cash = m.ledger.provider_cash
        if failed and cash[row] < 0:
            amounts = np.zeros(m.providers.n)
            amounts[row] = -cash[row]
            m.ledger.pay_providers("private_investors", amounts, "debts written off")
        value = 12.0 * p["contract_years"] * m.providers.last_payment[row]  # the contract's value over its term
        m.ledger.transfer("treasury", "outside_world", KIND_BY_NAME["contractor"].tender_cost_rate(p) * value,
                          "tendering")
        incumbent_keeps = (not failed and m.provider_agents[row].holds_contract
                           and not m.providers.failing[row] and m.np_rng.random() < p["incumbent_advantage"])
        if not incumbent_keeps:
            m.replace_operator(row, COMMISSIONED_KIND[m.sector_regimes[m.providers.sector[row]]])
        m.providers.contract_end[row] = m.month + 12 * p["contract_years"]
        m.contract_design[row] = self.central_design[m.providers.sector[row]]

    def retender_expired(self) -> None:
        """Operators that ``holds_contract`` whose contract has ended: their ``on_contract_expiry`` hook."""
        m, t = self.model, self.model.providers
        for row in np.flatnonzero(kind_table(m, "holds_contract") & (t.contract_end >= 0) & (t.contract_end <= m.month)):
            m.provider_agents[int(row)].on_contract_expiry()

    def support(self, row: int) -> None:
        """A support grant to a struggling mutual: its debts cleared and one month's payment as working
        capital, from the treasury."""
        m = self.model
        amounts = np.zeros(m.providers.n)
        amounts[row] = m.providers.last_payment[row] + max(-m.ledger.provider_cash[row], 0.0)
        m.ledger.pay_providers("treasury", amounts, "support")

    def conversion_round(self) -> None:
        """Select state services (failing first, then where neighbours converted), approve those with
        members to govern them, and hold employee ballots; a yes converts the service to a mutual."""
        m, p, t = self.model, self.model.params, self.model.providers
        candidates = np.flatnonzero(kind_table(m, "convertible") & m.converting_sectors[t.sector])
        if candidates.size == 0 or p["conversions_per_year"] == 0:
            return
        converted_nbrs = m.converted_neighbour_count(candidates)
        # Failing: measured under the standard at the last measurement (stepped-in services included).
        under = t.failing | (t.measured_quality < p["quality_standard"])
        failing = under[candidates]
        tiebreak = m.np_rng.random(candidates.size)
        key = converted_nbrs + tiebreak
        if p["failing_first"]:
            key = key + 10.0 * failing
        order = candidates[np.argsort(-key, kind="stable")]
        mutual_failure_rate = self.failures_by_kind["mutual"] / max(1, self.conversions + m.initial_mutuals)
        for row in order[: p["conversions_per_year"]]:
            # A mutual's founding members are its staff (users join as they take part), so the guarantor
            # approves any service with a workforce to ballot; users' participation is not a precondition.
            eligible = int(t.staff[row])
            approved = eligible > 0
            support = ballot_support_logit(p, mutual_failure_rate, m.converted_neighbour_count(np.array([row]))[0])
            turnout, yes = m.workforce.ballot(m.np_rng, int(row), support) if approved else (0.0, 0.0)
            passed = bool(approved and turnout >= p["ballot_quorum"] and yes >= p["ballot_threshold"])
            self.conversion_log.append({"month": m.month, "row": int(row), "sector": m.sector_names[t.sector[row]],
                                        "unit": int(t.unit[row]), "failing": bool(under[row]),
                                        "approved": bool(approved), "eligible": eligible, "turnout": turnout,
                                        "yes_share": yes, "converted": passed})
            if passed:
                self.conversions += 1
                m.replace_operator(int(row), "mutual")

    def build_capacity(self) -> None:
        """Yearly capacity building for citizens and workers: a share ``capacity_efficiency`` per £ per adult
        of the gap to full civic resources is closed (lowering the cost of taking part), and of the gap to
        the best workers' skill (1.2)."""
        m, p = self.model, self.model.params
        per_adult = p["capacity_building"]
        if per_adult <= 0:
            return
        m.ledger.transfer("treasury", "outside_world", per_adult * m.population.n, "capacity building")
        gain = min(1.0, p["capacity_efficiency"] * per_adult)
        r = m.population.resources
        r += np.float32(gain) * (1.0 - r)
        skill = m.workforce.skill
        skill += gain * np.maximum(1.2 - skill, 0.0)

    def participation_audit(self):
        """The participation audit: participation by deprivation quintile and sector; recruitment by the
        channels is then targeted at quintiles in inverse proportion to their participation."""
        report = self.model.participation_report()
        self.audit_reports.append(report)
        anyone = report[report["sector"] == ANY_SERVICE]
        by_q = anyone.set_index("quintile")["participation_rate"].reindex(range(5)).fillna(0).to_numpy()
        inverse = 1.0 / np.maximum(by_q, 0.01)
        self.targeting = inverse / inverse.mean()
        return report

    def match_investment(self, row_amounts: np.ndarray) -> None:
        match = self.model.params["investment_match"] * row_amounts
        self.model.ledger.pay_providers("treasury", match, "investment match")
        self.model.providers.capital += match


def ballot_support_logit(params: dict, failure_rate: float, neighbours: float) -> float:
    """Workers' leaning toward mutual status: baseline, the morale they expect from ownership (weighted by
    ballot_ownership_weight), the risk that mutuals fail (the share that have), and neighbours' successful
    mutuals."""
    return (params["ballot_support"] + params["ballot_ownership_weight"] * params["ownership_morale"]
            - params["ballot_risk_weight"] * failure_rate + params["conversion_spillover"] * neighbours)


__all__ = ["GuarantorState", "ballot_support_logit"]
