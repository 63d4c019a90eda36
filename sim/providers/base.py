"""What every provider kind shares: the efforts of Hart, Shleifer & Vishny (1997) and the agent view.

Efforts. Cost reduction ``e`` cuts cost by c(e) = 2*gamma*sqrt(e) (a share of the service budget) and
non-contractible quality by b(e) = theta_s * c(e); innovation ``i`` raises quality by beta(i) = 2*delta*sqrt(i);
efforts cost their maker e + i. Each fiscal year a provider moves its efforts a bounded step up the gradient
of its *own* objective, with noise (``revise_efforts``, a step proportional to the effort): it learns its way toward its optimum rather than being
handed it. Who captures which return is the only thing the kinds change (``objective``).
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from .table import KIND_NAMES

EFFORT_MAX = 4.0  # above every kind's optimum for parameters within their bounds (gamma, delta, lambda <= 1)
EFFORT_FLOOR = 1e-4
INITIAL_EFFORT = 0.01  # where every operator's efforts start at the outset, and a new kind's in a sector
_H = 1e-3  # relative finite-difference step for the objective's gradient


def cost_reduction(e: np.ndarray, gamma: float) -> np.ndarray:
    """c(e) = 2 gamma sqrt(e) (HSV 1997), uncapped: the objectives and their closed-form optima use it as is."""
    return 2.0 * gamma * np.sqrt(np.maximum(e, 0.0))


def budget_saved(c: np.ndarray) -> np.ndarray:
    """The share of the service budget a cost cut c(e) saves: all of c(e), up to the whole budget. A cut beyond
    the budget saves nothing more while its quality damage theta * c(e) keeps growing. It binds only where
    2 gamma sqrt(e) > 1, i.e. for gamma above 1/2 (the plausible range stops at 0.45)."""
    return np.minimum(c, 1.0)


def innovation_gain(i: np.ndarray, delta: float) -> np.ndarray:
    """beta(i) = 2 delta sqrt(i)."""
    return 2.0 * delta * np.sqrt(np.maximum(i, 0.0))


def governance_strength(participation: np.ndarray, half: float) -> np.ndarray:
    """f(p) = p / (p + h): how strongly those who take part steer a provider (0 without them, -> 1)."""
    return participation / (participation + half)


class Provider(Agent):
    """Operator of one service row. Subclasses say how their kind decides; the row's state is in the table.

    Every difference between provider kinds is one of the class attributes or hooks below, so that a reader
    (and the tests, and ``sim.neutral_kinds``) finds all of them in ``sim/providers/``. The defaults here are
    the neutral ones, which are a council department's; each kind overrides what the literature says
    differs, and its docstring says why and which switch (``hsv_incentives``, ``kind_governance``,
    ``independent_status``) or parameter turns the difference off. Per-row arrays of an attribute come from
    ``kind_table`` (vectorised over rows by the kind code); the monthly rates and flags from the table
    ``sim.providers.rates.KindRates``, filled from these hooks once.
    """

    kind: int = -1
    #: Owned by its members (workers and users who join): ownership morale applies to its workers
    #: (``Workforce.update``). Users' membership is an institution (``institutions.toml``: member_board).
    members_own_it: bool = False
    #: The treasury covers a monthly deficit (a council department cannot go bust).
    treasury_covers_deficit: bool = True
    #: Debts beyond ``insolvency_months`` of income are a failure (an independent body can go bust).
    may_be_insolvent: bool = False
    #: Under ``audit_mode = "self_audit"`` it audits itself instead of being inspected.
    self_audits: bool = False
    #: Holds a contract with an end date; on expiry the guarantor re-tenders it (``on_contract_expiry``).
    holds_contract: bool = False
    #: A candidate for conversion to a mutual in a converting sector.
    convertible: bool = False
    #: May earn the quality mark (recognised status is for mutuals that involve stakeholders).
    eligible_for_quality_mark: bool = False
    #: Citizens may invest in it (community shares, local bonds) with the state's match.
    takes_community_investment: bool = False
    #: May demutualise (``consider_demutualising``) when its asset lock is weak.
    may_demutualise: bool = False
    #: How often a year its governance acts on what it hears (0: it does not listen); sets the response to
    #: voice from which efficacy is learnt (``sim.participation.voice_response``). Neutral: a department's
    #: yearly service review. Read it through ``kind_attribute``/``kind_table`` (it may be a ``FromParameter``).
    hearings_per_year: float = 1
    #: Where a regime's services start with this kind, its users choose their provider unless ``user_choice``
    #: says otherwise (``user_choice = "regime_default"``; ODD §7.4).
    users_choose_by_default: bool = False

    #: Every kind by its code, filled as each kind class is defined (``sim.providers.KINDS`` reads it in code order).
    by_code: dict[int, type[Provider]] = {}

    def __init_subclass__(cls, **kwargs):
        """Register a kind under its code, so that per-row lookups need no import of the kinds."""
        super().__init_subclass__(**kwargs)
        if cls.kind >= 0:
            Provider.by_code[cls.kind] = cls

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row
        model.providers.kind[row] = self.kind
        model.providers.operator_since[row] = model.month
        model.provider_agents[row] = self

    # --- the row's state, read through --------------------------------------------------------------------
    def _get(self, name):
        return getattr(self.model.providers, name)[self.row]

    kind_name = property(lambda self: KIND_NAMES[self.kind])
    sector = property(lambda self: self.model.sector_names[self.model.providers.sector[self.row]])
    unit = property(lambda self: int(self.model.providers.unit[self.row]))
    design = property(lambda self: tuple(float(v) for v in self._get("design")))  # one value per dimension
    quality_contractible = property(lambda self: float(self._get("q_c")))
    quality_noncontractible = property(lambda self: float(self._get("q_n")))
    cost_reduction_effort = property(lambda self: float(self._get("effort_e")))
    innovation_effort = property(lambda self: float(self._get("effort_i")))
    users = property(lambda self: int(self._get("users")))
    participation = property(lambda self: float(self._get("participation")))
    cash = property(lambda self: float(self.model.ledger.provider_cash[self.row]))
    failing = property(lambda self: bool(self._get("failing")))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(row={self.row}, sector={self.sector}, unit={self.unit}, "
                f"users={self.users}, quality={self.quality_contractible + self.quality_noncontractible:.2f})")

    # --- behaviour every kind defines -----------------------------------------------------------------------
    @classmethod
    def objective(cls, model, rows: np.ndarray, e: np.ndarray, i: np.ndarray) -> np.ndarray:
        """The provider's own payoff from efforts (e, i), in the units of the effort cost. Neutral: HSV's state
        manager, (lambda/2)(c(e) - b(e)) + (lambda/2) beta(i) - e - i: a share lambda of returns, halved because
        using them needs the government's approval, and the quality damage borne through that same share
        (Hart, Shleifer & Vishny 1997, section II)."""
        gamma, delta, theta, lam = cls.sector_terms(model, rows)
        c = cost_reduction(e, gamma)
        return 0.5 * lam * (c - theta * c) + 0.5 * lam * innovation_gain(i, delta) - e - i

    @classmethod
    def update_voice_design(cls, model, rows: np.ndarray, fiscal_year_end: bool) -> None:
        """Move ``voice_design`` (what this kind's own channel asks for). Neutral: a department's yearly
        consultation, weighted by how many took part (``move_toward_voice`` at the fiscal year's end)."""
        if fiscal_year_end:
            move_toward_voice(model, rows)

    @classmethod
    def moves_design_monthly(cls, params: dict) -> bool:
        """Does ``update_voice_design`` change anything outside a fiscal year's end? Neutral: no (a department's
        consultation is yearly), so a month leaves its rows' channel alone (ODD §9 D-F291)."""
        return False

    @classmethod
    def guarantor_overhead_rate(cls, params: dict) -> float:
        """Public cost of commissioning and performance-managing the service, on top of the payment, as a
        share of it: ``monitoring_cost`` for every kind (in-house services have service plans and reviews)."""
        return params["monitoring_cost"]

    @classmethod
    def tender_cost_rate(cls, params: dict) -> float:
        """Public cost of letting this kind's service (a share of its value over the term): 0 unless tendered."""
        return 0.0

    @classmethod
    def own_overhead_rate(cls, params: dict) -> float:
        """Running cost the provider pays out of its own income, as a share of it: back office (finance, HR,
        legal) for every kind, a department's through the council's recharge (CIPFA central support costs)."""
        return params["back_office_cost"]

    @classmethod
    def other_income_rate(cls, params: dict) -> float:
        """Income beyond its public payment (fees and trading, grants and donations) that this kind earns and
        a department does not, as a share of the payment (ODD §7.8, D-C4). Neutral: none."""
        return 0.0

    @classmethod
    def social_finance_share(cls, params: dict) -> float:
        """Repayable social finance this kind raises each month, as a share of its payment (ODD §7.8, D-K7).
        Neutral: none (a department borrows through its council, a firm from its owners and banks, as before)."""
        return 0.0

    @classmethod
    def rate_relief(cls, params: dict) -> float:
        """Share of its business rates this kind is relieved of as a charity (ODD §7.8, D-K4). Neutral: none (a
        council department and a firm pay their rates in full)."""
        return 0.0

    @classmethod
    def reserve_drawdown_rate(cls, params: dict) -> float:
        """Monthly share of reserves above one month's income spent on the service (0: reserves are kept).
        Neutral: a department with freedom of financial management (``financial_freedom`` > 0, ODD §7.11)
        spends the underspend it carried forward on its service as a mutual spends its reserves."""
        return params["reserve_drawdown"] if params["financial_freedom"] > 0 else 0.0

    @classmethod
    def wage_cut(cls, params: dict) -> float:
        """How much of its cost cutting comes out of wages: pay relative to the market wage is
        1 - wage_cut * (the share of the service budget its cost cutting saves). Neutral: none, the market rate."""
        return 0.0

    @classmethod
    def incentive(cls, params: dict) -> float:
        """Extra effort from the incentive scheme workers face: effort *= 1 + incentive."""
        return 0.0

    @classmethod
    def settle_surplus(cls, params: dict, ledger, rows: np.ndarray, saving: np.ndarray, budget: np.ndarray) -> None:
        """Where the money saved by cost reduction goes (``rows`` is a mask). Neutral: a department's
        underspend, saving = c(e) * service budget, goes back to the treasury each month (budgets lapse), but
        for the share ``financial_freedom`` that a department free to manage its budget carries forward."""
        returned = (1.0 - params["financial_freedom"]) * saving
        ledger.collect_from_providers("treasury", np.where(rows, returned, 0.0), "underspend returned")

    def on_failure(self, reason: str) -> None:
        """The guarantor's intervention when this provider fails. Neutral: step-in, the guarantor replaces the
        management and efforts restart from a new management's level."""
        restart_efforts(self.model, self.row)

    def on_contract_expiry(self) -> None:
        """What happens when ``contract_end`` passes (only kinds that ``holds_contract``)."""

    def on_takeover(self) -> None:
        """Called when this operator has just taken over a row from another (conversion, re-tender, step-in,
        demutualisation): what it takes on from its predecessor. By default nothing: cash stays with the row."""

    # --- shared helpers --------------------------------------------------------------------------------------
    @staticmethod
    def sector_terms(model, rows: np.ndarray):
        """(gamma, delta, theta per row, lambda) used by every objective."""
        params = model.params
        theta = model.structure.sector_array("theta")[model.providers.sector[rows]]
        return params["cost_reduction_scale"], params["innovation_scale"], theta, params["manager_share"]


def restart_efforts(model, row: int, staff_practice: tuple[float, float] | None = None) -> None:
    """A new management (every kind, on any change of management) starts from the practice it finds: where the
    service's staff transfer to it (``staff_practice``, the outgoing operator's efforts, on a change of
    operator: TUPE 2006), a share ``transferred_staff_practice`` of its practice is theirs and the rest the
    practice its kind already uses in the sector, ``known_practice``; carried over by the share
    ``practice_carried_over`` from the initial level: e0 = e_init + share * (e_found - e_init), likewise i
    (ODD §7.10). A turnaround of a failing service without a new employer passes no ``staff_practice``: the
    practice that failed is replaced by its kind's known one (D-U2)."""
    table, params = model.providers, model.params
    share = params["practice_carried_over"]
    found_e, found_i = known_practice(table, row)
    transferred = params["transferred_staff_practice"]
    if staff_practice is not None and transferred > 0:
        staff_e, staff_i = staff_practice
        found_e = transferred * staff_e + (1.0 - transferred) * found_e
        found_i = transferred * staff_i + (1.0 - transferred) * found_i
    table.effort_e[row] = INITIAL_EFFORT + share * (found_e - INITIAL_EFFORT)
    table.effort_i[row] = INITIAL_EFFORT + share * (found_i - INITIAL_EFFORT)


def known_practice(table, row: int, kind: int | None = None, include_row: bool = False) -> tuple[float, float]:
    """The efforts a management of ``kind`` (default: the row's) already knows: the mean over the other rows its
    kind runs in the row's sector (a firm bids with the practice of its other contracts; a council's new manager
    learns from its other services), or the initial level where its kind runs no other row of the sector.
    ``include_row``: the row's own operator counts too (an incumbent bids with its own practice)."""
    kind = table.kind[row] if kind is None else kind
    # a sector's rows are one run of the table (``ProviderTable``): the same peers, in the same order, as a mask
    # over every row, without a scan of every row each time an operator changes (ODD §9 D-F111)
    sector_rows = table.sector_rows(int(table.sector[row]))
    peers = table.kind[sector_rows] == kind
    peers[row - sector_rows.start] = include_row and table.kind[row] == kind
    if not peers.any():
        return INITIAL_EFFORT, INITIAL_EFFORT
    n = int(np.count_nonzero(peers))  # ndarray.mean is add.reduce over the count: the same numbers, less overhead
    return (float(np.add.reduce(table.effort_e[sector_rows][peers])) / n,
            float(np.add.reduce(table.effort_i[sector_rows][peers])) / n)


def move_toward_voice(model, rows: np.ndarray, design: np.ndarray | None = None, hearings: float = 1.0) -> None:
    """The voice channel: d <- d + omega * f(participation) * (x_heard - d), where anyone was heard.
    ``x_heard`` is what governance hears (``sim.participation.heard_preference``: voters, consultation
    respondents and contributors, each weighted by how many took part); omega * f(p) is its inertia. Those who
    take part steer; unequal participation biases the design toward the active. ``design`` is the array moved
    (default ``voice_design``); ``hearings`` H compounds H hearings into one step, 1 - (1 - omega f(p))^H.
    Every dimension of the design moves at the same pull (ODD §9 D-Q1)."""
    if rows.size == 0:
        return
    table, params = model.providers, model.params
    design = table.voice_design if design is None else design
    pull = params["voice_speed"] * governance_strength(table.participation[rows], params["voice_half_participation"])
    if hearings != 1.0:
        pull = 1.0 - (1.0 - pull) ** hearings
    has_voice = table.heard[rows, None] > 0
    design[rows] += np.where(has_voice, pull[:, None] * (table.heard_pref[rows] - design[rows]), 0.0)


def revise_efforts(model, rows: np.ndarray, kind_cls: type[Provider]) -> None:
    """One yearly adaptive step, in proportion to the effort itself: e <- e * exp(rate * tanh(dV/de) + noise)
    (likewise i), from a floor of EFFORT_FLOOR so that an abandoned effort can be taken up again. A kind's
    ``objective`` must be element by element (each row's value from its own row, e and i alone)."""
    if rows.size == 0:
        return
    table = model.providers
    rate, noise = model.params["effort_learning"], model.params["effort_noise"]
    e, i = np.maximum(table.effort_e[rows], EFFORT_FLOOR), np.maximum(table.effort_i[rows], EFFORT_FLOOR)
    # the four evaluations of the objective (e up and down, then i up and down) in one call over the rows four
    # times: every kind's objective is element by element, so each value is the one its own call gives (D-F163)
    n = rows.size
    value = kind_cls.objective(model, np.concatenate((rows, rows, rows, rows)),
                               np.concatenate((e + _H * e, e - _H * e, e, e)),
                               np.concatenate((i, i, i + _H * i, i - _H * i)))
    grad_e = (value[:n] - value[n:2 * n]) / (2 * _H * e)
    grad_i = (value[2 * n:3 * n] - value[3 * n:]) / (2 * _H * i)
    rng = model.np_rng
    table.effort_e[rows] = np.minimum(e * np.exp(rate * np.tanh(grad_e) + rng.normal(0.0, noise, rows.size)), EFFORT_MAX)
    table.effort_i[rows] = np.minimum(i * np.exp(rate * np.tanh(grad_i) + rng.normal(0.0, noise, rows.size)), EFFORT_MAX)


# Kind attributes that a switch turns off: without the switch every kind has the neutral (base) value.
SWITCHED_ATTRIBUTES = {"treasury_covers_deficit": "independent_status", "may_be_insolvent": "independent_status",
                       "holds_contract": "independent_status", "hearings_per_year": "kind_governance",
                       "members_own_it": "kind_governance"}


class FromParameter(str):
    """A kind attribute whose value is a registry parameter: a kind difference that a user can vary (and that
    sensitivity analysis and attribution see), e.g. ``FromParameter("contractor_hearings_per_year")``."""


def kind_attribute(params: dict, cls: type[Provider], attribute: str):
    """A kind's value of an attribute, or the neutral one where the switch that gates it is off."""
    switch = SWITCHED_ATTRIBUTES.get(attribute)
    value = getattr(Provider if switch and not params[switch] else cls, attribute)
    return params[value] if isinstance(value, FromParameter) else value


def kind_table(params: dict, table, attribute: str) -> np.ndarray:
    """Per-row values of a kind attribute (``members_own_it``, ``may_be_insolvent``...): a lookup by kind code,
    vectorised over the provider table."""
    values = [kind_attribute(params, Provider.by_code[code], attribute) for code in range(len(Provider.by_code))]
    return np.asarray(values)[table.kind]


def replace_operator(model, row: int, kind: type[Provider]) -> None:
    """A new operator of ``kind`` takes over a service row (conversion, re-tender, step-in, demutualisation)."""
    table = model.providers
    # The service's staff transfer to the new operator with their working practice (TUPE 2006, ODD §7.10, D-U1).
    staff_practice = (float(table.effort_e[row]), float(table.effort_i[row]))
    old = model.provider_agents.get(row)
    if old is not None:
        old.remove()
    new = kind(model, row)
    restart_efforts(model, row, staff_practice)  # the same for every kind
    table.price[row] = 1.0  # paid the formula until a tender sets a price (GuarantorState.retender)
    table.successor[row] = table.interim_until[row] = -1
    table.fail_count[row] = 0
    table.failing[row] = False
    table.supported[row] = False
    new.on_takeover()


def independent(params: dict) -> bool:
    """Are contractors and mutuals run as independent bodies (``independent_status``)? If not, as departments."""
    return bool(params["independent_status"])
