"""A mutual (social enterprise with recognised status): members govern, surpluses are locked in."""

from __future__ import annotations

import numpy as np

from .base import (
    FromParameter,
    Provider,
    cost_reduction,
    governance_strength,
    independent,
    innovation_gain,
    move_toward_voice,
    replace_operator,
    restart_efforts,
)
from .contractor import Contractor
from .state import StateDepartment
from .table import MUTUAL
from .tender import tender_price


class Mutual(Provider):
    """A mutual with recognised status. What is particular to it, each a kind attribute or hook (the switch or
    parameter that turns it off in brackets):

    - ``objective``: members who take part bear the quality damage of cost cutting [``member_internalisation``
      = 0 by default]; it captures a share of innovation gains [``mutual_innovation_share`` = 0.5, HSV's
      manager, by default] [and ``hsv_incentives``].
    - ``update_voice_design``: members govern every month [``kind_governance``].
    - independent body [``independent_status``]: ``may_be_insolvent``, ``settle_surplus`` (kept as reserves
      under an asset lock), ``reserve_drawdown_rate`` (reinvested over time), ``on_failure`` (support first).
    - ``other_income_rate``: fees and trading, grants and donations [``trading_income_share``,
      ``grant_income_share`` = 0], kept as reserves and spent on the service, unless its contract is re-priced
      at renewal (``holds_contract``, ``on_contract_expiry`` [``mutual_contract_repriced`` = false]).
    - ``social_finance_share``: social investment and local bonds, owed and repaid with interest, spent on the
      service and never re-priced away [``social_finance_share`` = 0].
    - ``guarantor_overhead_rate`` [``independent_monitoring_premium``], ``own_overhead_rate``
      [``mutual_governance_cost``]: neutral by default.
    - ``members_own_it``: ownership morale [``ownership_morale`` = 0 by default]; its users' membership and
      board elections are the institution ``member_board`` (``institutions.toml``) [``kind_governance``].
    - the proposal's levers, off unless a scenario sets them: ``self_audits`` [``audit_mode``],
      ``eligible_for_quality_mark`` [``quality_mark``], ``takes_community_investment``
      [``social_investment``], ``may_demutualise`` [``asset_lock``, ``demutualisation_rate``].
    """

    kind = MUTUAL
    hearings_per_year = 12
    members_own_it = True
    self_audits = True
    eligible_for_quality_mark = True
    takes_community_investment = True
    may_demutualise = True
    treasury_covers_deficit = False
    may_be_insolvent = True
    #: A contract renewed and re-priced every term where the commissioner re-prices (off by default).
    holds_contract = FromParameter("mutual_contract_repriced")

    @classmethod
    def objective(cls, model, rows, e, i):
        """(lambda/2)(c - b) - mu f(participation) b(e) + lambda kappa beta(i) - e - i: the state manager's cost
        side, plus the quality damage borne by members who take part (mu = ``member_internalisation``), and a
        share kappa = ``mutual_innovation_share`` of innovation gains (HSV's manager: 1/2)."""
        params = model.params
        if not params["hsv_incentives"]:
            return super().objective(model, rows, e, i)
        gamma, delta, theta, lam = cls.sector_terms(model, rows)
        stake = params["member_internalisation"] * governance_strength(model.providers.participation[rows],
                                                                 params["voice_half_participation"])
        c = cost_reduction(e, gamma)
        return (0.5 * lam * (c - theta * c) - stake * theta * c
                + lam * params["mutual_innovation_share"] * innovation_gain(i, delta) - e - i)

    @classmethod
    def moves_design_monthly(cls, params):
        """With kind governance members move the design every month; without it, the neutral yearly review only."""
        return bool(params["kind_governance"])

    @classmethod
    def update_voice_design(cls, model, rows, fiscal_year_end):
        """Members govern: every month the design moves toward what its governance hears (the elected board's
        mandate, consultation respondents and contributors)."""
        if not model.params["kind_governance"]:
            return super().update_voice_design(model, rows, fiscal_year_end)
        move_toward_voice(model, rows)

    @classmethod
    def guarantor_overhead_rate(cls, params):
        """Commissioning as for every kind, plus any extra cost of managing an independent body's funding
        agreement (``independent_monitoring_premium``, 0 by default)."""
        return params["monitoring_cost"] + params["independent_monitoring_premium"]

    @classmethod
    def own_overhead_rate(cls, params):
        """Its own back office plus any extra cost of member governance (``mutual_governance_cost``)."""
        return params["back_office_cost"] + params["mutual_governance_cost"]

    @classmethod
    def settle_surplus(cls, params, ledger, rows, saving, budget):
        """Asset lock: savings stay in the mutual as reserves (not returned, not distributed)."""
        if not independent(params):
            super().settle_surplus(params, ledger, rows, saving, budget)

    @classmethod
    def other_income_rate(cls, params):
        """Fees and trading as any independent body (``trading_income_share``), and grants and donations that
        a social enterprise can raise and a firm or department cannot (``grant_income_share``); both 0 by
        default. Under the asset lock the income is kept as reserves and spent on the service."""
        if not independent(params):
            return 0.0
        return params["trading_income_share"] + params["grant_income_share"]

    @classmethod
    def social_finance_share(cls, params):
        """Social investment and local bonds (``social_finance_share``, 0 by default): repayable finance an
        independent social enterprise can raise and a department or firm does not (Mayo & Moore 2001)."""
        return params["social_finance_share"] if independent(params) else 0.0

    @classmethod
    def rate_relief(cls, params):
        """A mutual that is a charity gets the mandatory relief (``charitable_rate_relief``, LGFA 1988 s.43); a
        share ``mutual_charity_share`` of mutuals are (0 by default: a CIC cannot be a charity)."""
        if not independent(params):
            return 0.0
        return params["mutual_charity_share"] * params["charitable_rate_relief"]

    @classmethod
    def reserve_drawdown_rate(cls, params):
        """Reserves above working capital cannot be distributed (asset lock): a share r a month is spent
        on the service, reinvest = r * max(cash - payment, 0)."""
        return params["reserve_drawdown"] if independent(params) else 0.0

    def on_failure(self, reason: str) -> None:
        """First failure: support (a capacity grant). Again: merge into a secondary mutual where federations
        exist, otherwise the guarantor steps in and runs it as a state department for ``step_in_years``, after
        which (if it no longer fails) a successor mutual takes it over."""
        model, table = self.model, self.model.providers
        if not independent(model.params):
            return super().on_failure(reason)
        if not table.supported[self.row]:
            table.supported[self.row] = True
            model.guarantor.support(self.row)
            return
        if model.params["secondary_mutuals"] and table.federation[self.row] >= 0:
            model.guarantor.support(self.row)
            restart_efforts(model, self.row)
            return
        row = self.row
        replace_operator(model, row, StateDepartment)
        table.successor[row] = self.kind
        table.interim_until[row] = model.month + 12 * model.params["step_in_years"]

    def on_contract_expiry(self) -> None:
        """The commissioner renews the mutual's contract and re-prices it as a re-tender would
        (``tender_price``: a share of its kind's known saving and of its other income passes to the public),
        without re-letting it: the same mutual carries on for another term (D-C4)."""
        model, table = self.model, self.model.providers
        table.price[self.row] = tender_price(model, self.row, type(self))
        table.contract_end[self.row] = model.month + 12 * model.params["contract_years"]

    def consider_demutualising(self, reserves_months: float) -> bool:
        """Large reserves tempt members to sell up; the asset lock limits it. Yearly chance:
        rate * (1 - asset_lock) * min(1, reserves in months of income / 12)."""
        params = self.model.params
        chance = params["demutualisation_rate"] * (1.0 - params["asset_lock"]) * min(1.0, max(reserves_months, 0.0) / 12.0)
        return bool(chance > 0.0 and self.model.np_rng.random() < chance)  # no draw when it cannot happen

    def demutualise(self) -> None:
        """Members sell up: the unlocked share of reserves goes to members, the locked share returns to the
        guarantor; the new firm's owners put in its working capital and it holds a contract on the design
        its members had chosen."""
        model, table, params, row = self.model, self.model.providers, self.model.params, self.row
        cash = model.ledger.provider_cash[row]
        reserves, one = np.zeros(table.n), np.zeros(table.n)
        reserves[row] = max(cash, 0.0)
        one[row] = 1.0
        model.ledger.collect_from_providers("households", (1.0 - params["asset_lock"]) * reserves,
                                            "demutualisation windfall")
        model.ledger.collect_from_providers("treasury", params["asset_lock"] * reserves, "locked assets returned")
        model.ledger.pay_providers("private_investors", one * table.last_payment, "working capital")
        model.guarantor.demutualisations += 1
        replace_operator(model, row, Contractor)
        table.contract_end[row] = model.month + 12 * params["contract_years"]
        table.contract_design[row] = table.voice_design[row]


def reinvestment(cash: np.ndarray, budget: np.ndarray, rate: float) -> np.ndarray:
    """Monthly reinvestment of reserves above one month's budget (working capital)."""
    return rate * np.maximum(cash - budget, 0.0)


__all__ = ["Mutual", "reinvestment"]
