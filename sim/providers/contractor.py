"""A private contractor: wins a tender for a contract term, keeps cost savings, may fail."""

from __future__ import annotations

import numpy as np

from .base import Provider, cost_reduction, innovation_gain
from .table import CONTRACTOR


class Contractor(Provider):
    kind = CONTRACTOR
    listens_to_voice = False

    @classmethod
    def objective(cls, model, rows, e, i):
        """HSV's private owner: c(e) + beta(i)/2 - e - i. It keeps all cost savings (the quality damage is
        not in the contract) and half of the gain from innovation (the rest needs renegotiation)."""
        gamma, delta, _, _ = cls.sector_terms(model, rows)
        return cost_reduction(e, gamma) + 0.5 * innovation_gain(i, delta) - e - i

    @classmethod
    def update_voice_design(cls, model, rows, fiscal_year_end):
        """Without choice the design is the contract's. With choice, the firm moves toward where it gains
        profitable users: the mean preference of its catchment, weighted by capitation / cost
        (flat capitation makes low-need users the profitable ones: cream-skimming)."""
        t = model.providers
        market = model.choice_in[t.sector[rows]]
        contract, chosen = rows[~market], rows[market]
        t.voice_design[contract] = model.contract_design[contract]
        if chosen.size:
            target = model.catchment_target(chosen)
            t.voice_design[chosen] += model.params["market_speed"] * (target - t.voice_design[chosen])

    @classmethod
    def guarantor_overhead_rate(cls, params):
        return params["monitoring_cost"]

    @classmethod
    def own_overhead_rate(cls, params):
        return params["back_office_cost"]

    @classmethod
    def wage_factor(cls, model, rows):
        """Part of a contractor's cost cutting comes out of wages."""
        gamma = model.params["cost_reduction_scale"]
        return 1.0 - model.params["contractor_wage_cut"] * cost_reduction(model.providers.effort_e[rows], gamma)

    @classmethod
    def incentive(cls, params):
        return params["contractor_incentive"]

    @classmethod
    def settle_surplus(cls, model, rows, saving, budget):
        """Savings are profit: the firm keeps one month's budget as working capital and pays out the rest."""
        cash = model.ledger.provider_cash
        model.ledger.collect_from_providers("private_investors", np.where(rows, np.maximum(cash - budget, 0.0), 0.0),
                                            "profit")

    def on_failure(self, reason: str) -> None:
        """The contract is terminated and re-let to a new firm; investors absorb the failed firm's debts."""
        self.model.guarantor.retender(self.row, failed=True)


