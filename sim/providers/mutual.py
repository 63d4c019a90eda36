"""A mutual (social enterprise with recognised status): members govern, surpluses are locked in."""

from __future__ import annotations

import numpy as np

from .base import Provider, cost_reduction, governance_strength, innovation_gain, move_toward_voice
from .table import MUTUAL


class Mutual(Provider):
    kind = MUTUAL
    listens_to_voice = True
    members_own_it = True

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
        return params["back_office_cost"] + params["mutual_governance_cost"]

    def on_failure(self, reason: str) -> None:
        """First failure: support (a capacity grant). Again: merge into a secondary mutual where federations
        exist, otherwise the guarantor steps in and runs it as a state department."""
        model, t = self.model, self.model.providers
        if not t.supported[self.row]:
            t.supported[self.row] = True
            model.guarantor.support(self.row)
            return
        if model.params["secondary_mutuals"] and t.federation[self.row] >= 0:
            model.guarantor.support(self.row)
            t.effort_e[self.row] = t.effort_i[self.row] = 0.01
            return
        model.replace_operator(self.row, "state")

    def consider_demutualising(self, reserves_months: float) -> bool:
        """Large reserves tempt members to sell up; the asset lock limits it. Yearly chance:
        rate * (1 - asset_lock) * min(1, reserves in months of income / 12)."""
        p = self.model.params
        chance = p["demutualisation_rate"] * (1.0 - p["asset_lock"]) * min(1.0, max(reserves_months, 0.0) / 12.0)
        return bool(self.model.np_rng.random() < chance)


def reinvestment(cash: np.ndarray, budget: np.ndarray, rate: float) -> np.ndarray:
    """Monthly reinvestment of reserves above one month's budget (working capital)."""
    return rate * np.maximum(cash - budget, 0.0)


__all__ = ["Mutual", "reinvestment"]
