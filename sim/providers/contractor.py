"""A private contractor: wins a tender for a contract term, keeps cost savings, may fail."""

from __future__ import annotations

import numpy as np

from ..kernels import catchment
from ..population import OPT_OUT
from .base import FromParameter, Provider, cost_reduction, independent, innovation_gain, move_toward_voice
from .table import CONTRACTOR


class Contractor(Provider):
    """A firm holding a contract. What is particular to it, each a kind attribute or hook (the switch or
    parameter that turns it off in brackets):

    - ``objective``: keeps all cost savings, half of innovation gains (HSV 1997) [``hsv_incentives``].
    - ``update_voice_design``: follows its contract, revised at the yearly contract review on what users say
      (``hearings_per_year`` = ``contractor_hearings_per_year``: 1, a department's yearly review, by default;
      0: the contract fixes the design for its term), or under choice its profitable catchment
      [``kind_governance``].
    - independent body [``independent_status``]: ``holds_contract`` and ``on_contract_expiry`` (re-tendered
      at the end of its term), ``may_be_insolvent``, ``settle_surplus`` (profit paid to investors),
      ``on_failure`` (contract re-let).
    - ``holds_contract``: its price is set by competition at each re-tender (``sim.providers.tender``:
      ``tender_bidders``, 1 = no competition); ``tender_cost_rate``: letting the contract costs the state
      [``tender_cost_rate``]; ``other_income_rate``: fees and trading [``trading_income_share`` = 0], bid
      away in part at re-tender;
      ``guarantor_overhead_rate``: commissioning as for every kind plus [``independent_monitoring_premium``].
    - ``wage_cut`` [``contractor_wage_cut``], ``incentive`` [``contractor_incentive``]: neutral by default.
    """

    kind = CONTRACTOR
    hearings_per_year = FromParameter("contractor_hearings_per_year")
    holds_contract = True
    treasury_covers_deficit = False
    may_be_insolvent = True
    users_choose_by_default = True  # choice comes with privatisation (Le Grand 2007)

    @classmethod
    def objective(cls, model, rows, e, i):
        """HSV's private owner: c(e) + beta(i)/2 - e - i. It keeps all cost savings (the quality damage is
        not in the contract) and half of the gain from innovation (the rest needs renegotiation)
        (Hart, Shleifer & Vishny 1997, section II)."""
        if not model.params["hsv_incentives"]:
            return super().objective(model, rows, e, i)
        gamma, delta, _, _ = cls.sector_terms(model, rows)
        return cost_reduction(e, gamma) + 0.5 * innovation_gain(i, delta) - e - i

    @classmethod
    def moves_design_monthly(cls, params):
        """With kind governance a contractor's channel is set every month (the contract's design, or the market's
        move); without it, the neutral yearly review only."""
        return bool(params["kind_governance"])

    @classmethod
    def update_voice_design(cls, model, rows, fiscal_year_end):
        """Without choice the design is the contract's. At the fiscal year's end the commissioner's contract
        review revises it on what the service's users say, closing 1 - (1 - omega f(p))^H of the gap to what is
        heard, H = ``contractor_hearings_per_year``: 1 by default, as a department's yearly review (every
        registered care provider must seek and act on feedback, Health and Social Care Act 2008 (Regulated
        Activities) Regulations 2014 reg. 17(2)(e); the council keeps its best-value duty to consult, Local
        Government Act 1999 s.3(2)); 0 is the claim that a contract fixes the design for its term (changes
        need costly renegotiation: Bajari & Tadelis 2001). A re-tender writes a new contract that keeps a share
        ``relet_design_retention`` of this design, the rest the centre's (``GuarantorState.retender``). With
        choice, the firm moves toward where it gains profitable users: the mean preference of its catchment,
        weighted by capitation / cost (flat capitation makes low-need users the profitable ones: cream-skimming)."""
        if not model.params["kind_governance"]:
            return super().update_voice_design(model, rows, fiscal_year_end)
        table = model.providers
        market = model.structure.choice_in[table.sector[rows]]
        contract, chosen = rows[~market], rows[market]
        hearings = model.params["contractor_hearings_per_year"]
        if fiscal_year_end and hearings > 0:
            move_toward_voice(model, contract, design=table.contract_design, hearings=hearings)
        table.voice_design[contract] = table.contract_design[contract]
        if chosen.size:
            target = catchment_target(model.params, model.structure, model.users, table, chosen)
            table.voice_design[chosen] += model.params["market_speed"] * (target - table.voice_design[chosen])

    @classmethod
    def guarantor_overhead_rate(cls, params):
        """Commissioning as for every kind, plus any extra cost of managing an external contract:
        m + m_independent (``monitoring_cost`` + ``independent_monitoring_premium``)."""
        return params["monitoring_cost"] + params["independent_monitoring_premium"]

    @classmethod
    def tender_cost_rate(cls, params):
        """Letting a contract costs the state a share of its value over the term (Brown et al. 2019: 2.7%)."""
        return params["tender_cost_rate"] if independent(params) else 0.0

    @classmethod
    def other_income_rate(cls, params):
        """Fees and trading beyond a department's (``trading_income_share``, 0 by default): kept as profit, and
        bid away in part at re-tender (``sim.providers.tender``)."""
        return params["trading_income_share"] if independent(params) else 0.0

    @classmethod
    def wage_cut(cls, params):
        """Part of a contractor's cost cutting comes out of wages: w = 1 - wage_cut * c(e)."""
        return params["contractor_wage_cut"]

    @classmethod
    def incentive(cls, params):
        """High-powered incentives raise worker effort by a share (Burgess & Ratto 2003; 0 by default)."""
        return params["contractor_incentive"]

    @classmethod
    def settle_surplus(cls, params, ledger, rows, saving, budget):
        """Savings are profit: the firm keeps one month's budget as working capital and pays out the rest,
        profit = max(cash - budget, 0)."""
        if not independent(params):
            return super().settle_surplus(params, ledger, rows, saving, budget)
        cash = ledger.provider_cash
        ledger.collect_from_providers("private_investors", np.where(rows, np.maximum(cash - budget, 0.0), 0.0),
                                            "profit")

    def on_failure(self, reason: str) -> None:
        """The contract is terminated and re-let to a new firm; investors absorb the failed firm's debts."""
        if not independent(self.model.params):
            return super().on_failure(reason)
        self.model.guarantor.retender(self.row, failed=True)

    def on_contract_expiry(self) -> None:
        """The contract is re-tendered; the incumbent in good standing may win it again."""
        self.model.guarantor.retender(self.row)


def catchment_target(params: dict, structure, service_users: list, table, rows: np.ndarray) -> np.ndarray:
    """The design that would attract the most profitable users of a contractor's market (its catchment and
    the neighbouring ones): their mean preference, weighted by capitation / cost (1 / need if flat), in every
    dimension of the design. Every market's sums share one pair of arrays (a sector's sums land on its own rows,
    and a row's neighbours are rows of its sector) and its neighbours' sums are taken for every market row and
    dimension at once: NumPy's operations a call, not a sector and dimension (ODD §9 D-F241)."""
    flat = not params["need_weighted_capitation"]
    # each home row's weight and weighted preferences, in one pass a sector (``sim.kernels.catchment``, D-F64)
    weights, weighted = np.zeros(table.n), np.zeros((table.design_dimensions, table.n))
    sectors = table.sector[rows]
    for sector in np.flatnonzero(np.bincount(sectors, minlength=len(service_users))):
        users = service_users[sector]
        catchment.catchment_sums(users.stance, OPT_OUT, users.high_need_bits, users.high_need32, flat, users.xq,
                                 users.unit_start, users.unit_count, structure.home_row[sector], weights, weighted)
    neighbours = structure.row_neighbours[rows]
    valid, neighbours = neighbours >= 0, np.maximum(neighbours, 0)
    sum_weight = weights[rows] + (weights[neighbours] * valid).sum(axis=1)
    sum_x = weighted[:, rows] + (weighted[:, neighbours] * valid).sum(axis=2)  # dimensions x rows
    out = table.voice_design[rows]  # a copy (fancy index): the design where the market has no weight
    np.divide(sum_x.T, sum_weight[:, None], where=(sum_weight > 0)[:, None], out=out)
    return out
