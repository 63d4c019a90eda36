"""A private contractor: wins a tender for a contract term, keeps cost savings, may fail."""

from __future__ import annotations

import numpy as np

from .base import Provider, budget_saved, cost_reduction, innovation_gain
from .table import CONTRACTOR


class Contractor(Provider):
    """A firm holding a contract. What is particular to it, each a kind attribute or hook:

    - ``objective``: keeps all cost savings, half of innovation gains (HSV 1997).
    - ``holds_contract = True`` and ``on_contract_expiry``: re-tendered when its contract ends
      (UK outsourcing practice: 3-7 year terms).
    - ``may_be_insolvent = True`` (the default): a firm can fail and its investors absorb the debts.
    - ``settle_surplus``: profit above working capital is paid out to private investors.
    - ``wage_factor``: part of cost cutting comes out of wages; ``incentive``: high-powered incentives.
    - ``guarantor_overhead_rate``: contract management is a public cost on top of the payment.
    """

    kind = CONTRACTOR
    listens_to_voice = False
    holds_contract = True

    @classmethod
    def objective(cls, model, rows, e, i):
        """HSV's private owner: c(e) + beta(i)/2 - e - i. It keeps all cost savings (the quality damage is
        not in the contract) and half of the gain from innovation (the rest needs renegotiation)
        (Hart, Shleifer & Vishny 1997, section II)."""
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
        """Contract management by the commissioner, a share m of the contract's value (``monitoring_cost``)."""
        return params["monitoring_cost"]

    @classmethod
    def own_overhead_rate(cls, params):
        """The firm's own back office (finance, HR, legal), a share of its income."""
        return params["back_office_cost"]

    @classmethod
    def wage_factor(cls, model, rows):
        """Part of a contractor's cost cutting comes out of wages: w = 1 - wage_cut * c(e)."""
        gamma = model.params["cost_reduction_scale"]
        return 1.0 - model.params["contractor_wage_cut"] * budget_saved(cost_reduction(model.providers.effort_e[rows],
                                                                                     gamma))

    @classmethod
    def incentive(cls, params):
        """High-powered incentives raise effort by a share (Burgess & Ratto 2003)."""
        return params["contractor_incentive"]

    @classmethod
    def settle_surplus(cls, model, rows, saving, budget):
        """Savings are profit: the firm keeps one month's budget as working capital and pays out the rest,
        profit = max(cash - budget, 0)."""
        cash = model.ledger.provider_cash
        model.ledger.collect_from_providers("private_investors", np.where(rows, np.maximum(cash - budget, 0.0), 0.0),
                                            "profit")

    def on_failure(self, reason: str) -> None:
        """The contract is terminated and re-let to a new firm; investors absorb the failed firm's debts."""
        self.model.guarantor.retender(self.row, failed=True)

    def on_contract_expiry(self) -> None:
        """The contract is re-tendered; the incumbent in good standing may win it again."""
        self.model.guarantor.retender(self.row)
