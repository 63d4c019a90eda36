"""A mutual (social enterprise with recognised status): members govern, surpluses are locked in."""

from __future__ import annotations

import numpy as np

from .base import INITIAL_EFFORT, Provider, cost_reduction, governance_strength, innovation_gain, move_toward_voice
from .table import MUTUAL


class Mutual(Provider):
    """A mutual with recognised status. What is particular to it, each a kind attribute or hook:

    - ``objective``: members who take part bear the quality damage of cost cutting; innovation gains are
      kept without renegotiation (the proposal's claim, in HSV's terms).
    - ``members_own_it = True``: ownership morale applies to its workers (Blasi, Kruse & Freeman 2010).
    - ``self_audits = True``: audited by its stakeholders where the guarantor enables self-audit (the seed).
    - ``reserve_drawdown_rate``: an asset lock keeps surpluses in the service, reinvested over time.
    - ``eligible_for_quality_mark``, ``takes_community_investment``, ``may_demutualise``: the proposal's
      recognised status (quality mark, community shares and bonds, limits on demutualisation).
    - ``on_failure``: support first, then merger into a secondary mutual or step-in by the state.
    """

    kind = MUTUAL
    listens_to_voice = True
    members_own_it = True
    self_audits = True
    eligible_for_quality_mark = True
    takes_community_investment = True
    may_demutualise = True

    @classmethod
    def objective(cls, model, rows, e, i):
        """Like the state manager on the cost side, (lambda/2)(c - b), but members who take part also bear
        the quality damage, mu * f(participation) * b(e); and the innovation gain is kept without
        renegotiation, lambda * beta(i)."""
        gamma, delta, theta, lam = cls.sector_terms(model, rows)
        p = model.params
        stake = p["member_internalisation"] * governance_strength(model.providers.participation[rows],
                                                                 p["voice_half_participation"])
        c = cost_reduction(e, gamma)
        return 0.5 * lam * (c - theta * c) - stake * theta * c + lam * innovation_gain(i, delta) - e - i

    @classmethod
    def update_voice_design(cls, model, rows, fiscal_year_end):
        """Members govern: every month the design moves toward the mean preference of those who took part."""
        move_toward_voice(model, rows)

    @classmethod
    def guarantor_overhead_rate(cls, params):
        """An independent provider: the guarantor manages its funding agreement, as for a contractor."""
        return params["monitoring_cost"]

    @classmethod
    def own_overhead_rate(cls, params):
        """Its own back office plus the cost of member governance (board, members' meetings)."""
        return params["back_office_cost"] + params["mutual_governance_cost"]

    @classmethod
    def reserve_drawdown_rate(cls, params):
        """Reserves above working capital cannot be distributed (asset lock): a share r a month is spent
        on the service, reinvest = r * max(cash - payment, 0)."""
        return params["reserve_drawdown"]

    def on_failure(self, reason: str) -> None:
        """First failure: support (a capacity grant). Again: merge into a secondary mutual where federations
        exist, otherwise the guarantor steps in and runs it as a state department for ``step_in_years``, after
        which (if it no longer fails) a successor mutual takes it over."""
        model, t = self.model, self.model.providers
        if not t.supported[self.row]:
            t.supported[self.row] = True
            model.guarantor.support(self.row)
            return
        if model.params["secondary_mutuals"] and t.federation[self.row] >= 0:
            model.guarantor.support(self.row)
            t.effort_e[self.row] = t.effort_i[self.row] = INITIAL_EFFORT
            return
        row = self.row
        model.replace_operator(row, "state")
        t.successor[row] = self.kind
        t.interim_until[row] = model.month + 12 * model.params["step_in_years"]

    def consider_demutualising(self, reserves_months: float) -> bool:
        """Large reserves tempt members to sell up; the asset lock limits it. Yearly chance:
        rate * (1 - asset_lock) * min(1, reserves in months of income / 12)."""
        p = self.model.params
        chance = p["demutualisation_rate"] * (1.0 - p["asset_lock"]) * min(1.0, max(reserves_months, 0.0) / 12.0)
        return bool(self.model.np_rng.random() < chance)


    def demutualise(self) -> None:
        """Members sell up: the unlocked share of reserves goes to members, the locked share returns to the
        guarantor; the new firm's owners put in its working capital and it holds a contract on the design
        its members had chosen."""
        model, t, p, row = self.model, self.model.providers, self.model.params, self.row
        cash = model.ledger.provider_cash[row]
        reserves, one = np.zeros(t.n), np.zeros(t.n)
        reserves[row] = max(cash, 0.0)
        one[row] = 1.0
        model.ledger.collect_from_providers("households", (1.0 - p["asset_lock"]) * reserves,
                                            "demutualisation windfall")
        model.ledger.collect_from_providers("treasury", p["asset_lock"] * reserves, "locked assets returned")
        model.ledger.pay_providers("private_investors", one * t.last_payment, "working capital")
        model.guarantor.demutualisations += 1
        model.replace_operator(row, "contractor")
        t.contract_end[row] = model.month + 12 * p["contract_years"]
        model.contract_design[row] = t.voice_design[row]


def reinvestment(cash: np.ndarray, budget: np.ndarray, rate: float) -> np.ndarray:
    """Monthly reinvestment of reserves above one month's budget (working capital)."""
    return rate * np.maximum(cash - budget, 0.0)


__all__ = ["Mutual", "reinvestment"]
