"""MutualStateModel: builds the local authority, runs the monthly schedule, collects the metrics.

A month, in order (ODD §3): citizens use their services and update satisfaction -> citizens revise stances
and are recruited -> users exit or switch where choice exists -> providers revise their design, produce and
book their accounts -> workers update morale and effort, quit or stay -> the guarantor pays providers (and,
at the end of a fiscal year, revises efforts' incentives, measures, intervenes, re-tenders, converts, builds
capacity, channels investment) -> taxes balance the treasury -> metrics are collected.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from scipy.special import expit

from . import metrics, participation
from .arguments import rng_seed, whole_number
from .coproduction import form_groups, game_payoffs, pick_models, recruit, revise_stances
from .geography import build_units, catchments, row_neighbour_table
from .guarantor import GuarantorState
from .ledger import Ledger
from .metrics_catalogue import METRIC_NAMES
from .parameters import MAX_MONTHS, ParameterError, validate
from .population import ANY_SERVICE, CONTRIBUTE, EDUCATION, OPT_OUT, USE_ONLY, CitizenRegistry, Citizens, ServiceUsers
from .providers import KIND_BY_NAME, KINDS, ProviderTable, kind_table
from .providers.base import (
    budget_saved,
    cost_reduction,
    innovation_gain,
    restart_efforts,
    revise_efforts,
)
from .providers.mutual import reinvestment
from .providers.secondary import form_federations, pool_reserves
from .public_cost import PublicCost
from .sectors import SECTOR_FIELDS
from .workforce import Workforce

INITIAL_KIND = {"state": "state", "privatised": "contractor", "mutual": "mutual", "conversion": "state"}


class MutualStateModel(Model):
    """A local authority whose public services are run by state departments, contractors or mutuals.

    Keyword parameters are the names of ``sim.parameters.REGISTRY`` (unknown names and out-of-range values
    raise ``ParameterError``); sector parameters are passed as ``**{"elderly_care.theta": 1.5}``.
    ``rng`` seeds everything: the same rng gives identical results.
    """

    def __init__(self, regime: str = "state", n_units: int = 20, unit_size: Any = (400, 600),
                 rng: int | None = None, **params: Any):
        rng = rng_seed(rng)
        self.params = validate({"regime": regime, "n_units": n_units, "unit_size": unit_size, **params})
        super().__init__(rng=rng)
        p = self.params
        self.np_rng = self.rng
        self.month = 0
        self.sector_names: tuple[str, ...] = p["sectors"]
        self._sector_arrays = {f: np.array([p[f"{s}.{f}"] for s in self.sector_names]) for f in SECTOR_FIELDS}

        # --- space and people -----------------------------------------------------------------------------
        lo, hi = p["unit_size"]
        sizes = self.np_rng.integers(lo, hi + 1, p["n_units"]).astype(np.int64)
        self.units, self.space, self.neighbours, self.neighbour_count = build_units(self, sizes)
        self.unit_graph = self.space.G
        self.unit_sizes, self.unit_starts = sizes, np.array([u.start for u in self.units], dtype=np.int64)
        self.population = Citizens(self.np_rng, sizes, p)
        self.quintile_sizes = np.bincount(self.population.deprivation, minlength=5)
        self.citizens = CitizenRegistry(self)
        self.users: list[ServiceUsers] = []
        for s, name in enumerate(self.sector_names):
            unit_pref = np.clip(0.5 + self.np_rng.normal(0.0, p["preference_spread_between"], len(sizes)), 0, 1)
            self.users.append(ServiceUsers(self.np_rng, s, self.population, sizes, self.unit_starts,
                                           p[f"{name}.need_prevalence"], unit_pref, p))

        # --- providers, workers, money ---------------------------------------------------------------------
        self.providers = ProviderTable(len(self.sector_names), len(sizes), [
            catchments(len(sizes), self.units_per_catchment(s)) for s in self.sector_names])
        self.home_row = self.providers.home_row
        self.row_neighbours, self.row_neighbour_count = row_neighbour_table(self.unit_graph, self.home_row,
                                                                            self.providers.n)
        for s, users in enumerate(self.users):
            users.provider[:] = self.home_row[s][users.unit]
        self.kinds = KINDS
        self.sector_regimes = tuple(regime if p[f"{s}.regime"] == "inherit" else p[f"{s}.regime"]
                                    for s in self.sector_names)
        self.choice_in = np.array([p["user_choice"] == "on" or (p["user_choice"] == "regime_default"
                                                                and r == "privatised") for r in self.sector_regimes])
        self.contract_design = np.full(self.providers.n, 0.5)
        self.provider_agents: dict[int, Any] = {}
        self.ledger = Ledger(self.providers.n)
        self.guarantor = GuarantorState(self)
        self.public_spending = 0.0  # cash: what taxes pay this month
        self.public_cost = PublicCost(12 * p["contract_years"])  # accruals: what the month's services cost
        self._overhead_paid = 0.0
        self.personal_cost = [np.zeros(u.m, dtype=np.float32) for u in self.users]
        self._alternatives: list = [None] * len(self.users)  # this month's exit option per slot, under choice
        self._aggregate_users()
        self.providers.fte = self._fte_target()
        self.workforce = Workforce(self.np_rng, self._headcount_target(), p)
        self.providers.staff = self.workforce.staff_counts(self.providers.n)
        for row in range(self.providers.n):
            KIND_BY_NAME[INITIAL_KIND[self.sector_regimes[self.providers.sector[row]]]](self, row)
        self.initial_mutuals = int(self.rows_of("mutual").size)
        contracted = kind_table(self, "holds_contract")  # contracts let at staggered dates, as councils do
        years = self.np_rng.integers(1, p["contract_years"] + 1, self.providers.n)
        self.providers.contract_end[contracted] = 12 * years[contracted]
        if p["secondary_mutuals"]:
            form_federations(self)
        self._revise_designs(fiscal_year_end=False)
        self.guarantor.pay_providers()  # the first month's funding, paid in advance
        self._produce(book=False)
        for s, users in enumerate(self.users):  # start satisfied with what one gets; contributors took part
            sigma = self.sector_array("outside_option")[s]
            users.satisfaction = np.where(users.active(), self.service_utility(s, users.provider, users.x),
                                          sigma).astype(np.float32)
            self.population.last_participation[users.citizen[users.stance == CONTRIBUTE]] = 0
            self.personal_cost[s] = (p["participation_cost"] * self.cost_factor(s)).astype(np.float32)
        self.last_election = None
        participation.update_membership(self)
        participation.hold_governance(self)  # the first elections and consultations, so boards have a mandate
        participation.heard_preference(self)
        self._collect_taxes()
        self.ledger.check()
        self._account_public_cost()

        self.current_metrics = metrics.measure(self)
        self.datacollector = DataCollector(model_reporters={n: partial(metrics.read_metric, name=n)
                                                            for n in METRIC_NAMES})
        self.datacollector.collect(self)

    # --- public -----------------------------------------------------------------------------------------------
    def run(self, steps: int = 120) -> pd.DataFrame:
        """Run ``steps`` months; return the metrics so far (one row per collection, row 0 = the start).

        ``steps`` is a whole number (a bool or a string is refused) that keeps the run within MAX_MONTHS;
        it is checked before the first month runs."""
        steps = whole_number("steps", steps, 0, MAX_MONTHS - self.month)
        for _ in range(steps):
            self.step()
        return self.datacollector.get_model_vars_dataframe()

    def books_balance(self) -> bool:
        """True when every account moved by exactly the flows journalled this step (see ``Ledger.check``)."""
        return self.ledger.balanced()

    def units_per_catchment(self, sector: str) -> int:
        """Units one organisation of ``sector`` serves. With ``organisation_scale = "catchment"`` an organisation
        serves the catchment that gives it about a unit's population in users: round(1 / need prevalence)
        units (so ``unit_size`` is the size of the organisation a user belongs to); with ``"unit"``, one unit."""
        if self.params["organisation_scale"] == "unit":
            return 1
        return max(1, round(1.0 / self.params[f"{sector}.need_prevalence"]))

    def sector_array(self, field: str) -> np.ndarray:
        return self._sector_arrays[field]

    @property
    def choice(self) -> bool:
        """Do users of any sector choose their provider?"""
        return bool(self.choice_in.any())

    @property
    def converting_sectors(self) -> np.ndarray:
        return np.array([r == "conversion" for r in self.sector_regimes])

    @property
    def mutual_failures(self) -> int:
        """Failures of mutuals so far (workers weigh them in conversion ballots)."""
        return self.guarantor.failures_by_kind["mutual"]

    @property
    def fiscal_year_end(self) -> bool:
        return self.month % 12 == 0

    # --- the month ---------------------------------------------------------------------------------------------
    def step(self) -> None:
        if self.month >= MAX_MONTHS:
            raise ParameterError(f"steps: the model runs at most {MAX_MONTHS} months (participation months are "
                                 f"int16); it is at month {self.month}")
        self.ledger.open_period()
        self.month += 1
        if self.month == self.params["need_shock_month"]:
            self._need_shock()
        self._churn_needs()
        for s in range(len(self.users)):
            self._use_services(s)
        for s in range(len(self.users)):
            self._revise_stances(s)
        for s in np.flatnonzero(self.choice_in):
            self._exit(s)
        self._aggregate_users()
        participation.update_membership(self)
        if self.fiscal_year_end:
            participation.hold_governance(self)
        participation.heard_preference(self)
        self._revise_designs(self.fiscal_year_end)
        participation.learn_efficacy(self)
        self._produce(book=True)
        self._work()
        self.guarantor.pay_providers()
        self._cover_state_deficits()
        if self.params["secondary_mutuals"]:
            pool_reserves(self)
        self.guarantor.insolvency_check()
        if self.fiscal_year_end:
            self._fiscal_year()
        self._collect_taxes()
        self.ledger.check()
        self._account_public_cost()
        self.current_metrics = metrics.measure(self)
        self.datacollector.collect(self)

    def _churn_needs(self) -> None:
        """Needs end and pass to other residents; a newcomer expects what her provider's users now feel."""
        t = self.providers
        habitual = self.population.participated(self.month - 1)
        for s, users in enumerate(self.users):
            volatility = self.params[f"{self.sector_names[s]}.need_volatility"]
            if volatility <= 0 or users.m == 0:
                continue
            count = np.bincount(users.provider, minlength=t.n)
            mean_sat = np.divide(np.bincount(users.provider, weights=users.satisfaction, minlength=t.n), count,
                                 out=np.zeros(t.n), where=count > 0)
            users.churn(self.np_rng, volatility, self.home_row[s], mean_sat, self.unit_sizes, self.unit_starts,
                        habitual)

    def _need_shock(self) -> None:
        """Preferences shift by ``need_shock_size`` in a random share of units (what people need changes)."""
        p = self.params
        hit = self.np_rng.random(len(self.units)) < p["need_shock_share"]
        for users in self.users:
            users.unit_pref_mean = np.where(hit, np.clip(users.unit_pref_mean + p["need_shock_size"], 0, 1),
                                            users.unit_pref_mean).astype(np.float32)
            moved = hit[users.unit]
            users.x[moved] = np.clip(users.x[moved] + p["need_shock_size"], 0, 1)

    def service_utility(self, s: int, slots_rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        """U = w * (Q_p - lambda_s * |x - d_p|): what using provider p is worth to someone preferring x."""
        t = self.providers
        lam = self.sector_array("mismatch_weight")[s]
        q = t.q_c[slots_rows] + t.q_n[slots_rows]
        return (self.params["service_weight"] * (q - lam * np.abs(x - t.design[slots_rows]))).astype(np.float32)

    def cost_factor(self, s: int) -> np.ndarray:
        """How a slot's cost of taking part compares with the standard one: civic resources lower it,
        participation channels lower it further: max(1 + g (0.5 - resources), 0.05) * max(1 - k K_s, 0)."""
        p, users = self.params, self.users[s]
        relief = max(1.0 - p["channel_cost_reduction"] * self._channel_count(s), 0.0)
        gradient = 1.0 + p["resource_gradient"] * (0.5 - self.population.resources[users.citizen])
        return (np.maximum(gradient, 0.05) * relief).astype(np.float32)

    def _channel_count(self, s: int) -> int:
        chans = self.guarantor.channels
        return sum(1 for c in chans if c != "children" or self.sector_names[s] in EDUCATION)

    def _use_services(self, s: int) -> None:
        """Payoffs of this month: the service (quality minus mismatch) plus the co-production game, plus the
        expressive value of voice for contributors. Where users may choose, dissatisfaction that exit would
        cure does not motivate voice (Hirschman 1970: exit, when easy, crowds out voice)."""
        p, pop, users = self.params, self.population, self.users[s]
        if users.m == 0:
            return
        cit = users.citizen
        utility = self.service_utility(s, users.provider, users.x)
        reference = utility
        if self.choice_in[s]:
            alternative = self._alternative_rows(s, users.provider, users.unit)
            exit_value = self.service_utility(s, alternative, users.x) - np.float32(p["switch_cost"])
            self._alternatives[s] = (alternative, exit_value - utility)
            if p["exit_crowds_out_voice"]:
                reference = np.maximum(utility, exit_value)
        cost = (p["participation_cost"] * self.cost_factor(s)).astype(np.float32)
        self.personal_cost[s] = cost
        group, n_groups = form_groups(self.np_rng, users.provider, self.providers.n, p["group_size"])
        sigma = self.sector_array("outside_option")[s] + (p["choice_outside_bonus"] if self.choice_in[s] else 0.0)
        game, group_players = game_payoffs(group, n_groups, users.stance, p["participation_cost"], cost,
                                           self.sector_array("coproduction_r")[s], sigma)
        participates = users.stance != OPT_OUT
        playing = participates & (group_players >= 2)
        dissatisfaction = np.maximum(p["aspiration"] - reference, 0.0)
        voice = p["voice_value"] * pop.efficacy[cit] * dissatisfaction
        # A lone participant plays no game: she keeps the service and, for the weight the service does not
        # carry, falls back on the outside option (with service_weight = 0 this is Hauert's loner payoff).
        lone = participates & ~playing
        payoff = np.where(lone, utility + (1.0 - p["service_weight"]) * game, game + np.where(playing, utility, 0.0))
        payoff = payoff + np.where(playing & (users.stance == CONTRIBUTE), voice, 0.0)
        k = p["satisfaction_memory"]
        users.satisfaction = ((1.0 - k) * users.satisfaction + k * payoff).astype(np.float32)
        pop.last_participation[cit[users.stance == CONTRIBUTE]] = self.month

    def _alternative_rows(self, s: int, current: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Each user's alternative provider this month: her home catchment's if she is served elsewhere,
        otherwise a random neighbouring catchment's (her own if it has no neighbours)."""
        home = self.home_row[s][units]
        count = self.row_neighbour_count[home]
        k = (self.np_rng.random(units.size) * np.maximum(count, 1)).astype(np.int64)
        neighbour = np.where(count > 0, self.row_neighbours[home, np.minimum(k, self.row_neighbours.shape[1] - 1)],
                             home)
        return np.where(current != home, home, neighbour)

    def _revise_stances(self, s: int) -> None:
        """Revisers either learn socially (imitation and exploration, ``sim.coproduction``) or, a share
        ``motive_share`` of them, deliberate by their own motives (``participation.choose_stance_by_motive``);
        then channels recruit."""
        p, users = self.params, self.users[s]
        if users.m == 0:
            return
        draw = self.np_rng.random(users.m)
        revising = np.flatnonzero(draw < p["revision_rate"] * (1.0 - p["motive_share"]))
        deliberating = np.flatnonzero((draw >= p["revision_rate"] * (1.0 - p["motive_share"]))
                                      & (draw < p["revision_rate"]))
        models = pick_models(self.np_rng, users.unit[revising], users.unit_start, users.unit_count,
                             self.neighbours, self.neighbour_count, p["neighbour_imitation"])
        stance = revise_stances(self.np_rng, users.stance, users.satisfaction, revising, models,
                                p["imitation_strength"], p["exploration_rate"], p["imitation_rule"])
        if deliberating.size:
            stance[deliberating] = participation.choose_stance_by_motive(self, s, deliberating)
        channels = self._channel_count(s)
        if channels and p["channel_recruitment"] > 0:
            pop = self.population
            if p["participation_audit"]:
                reach = self.guarantor.targeting[pop.deprivation[users.citizen]]
            else:  # untargeted channels reach those with time and confidence: the usual suspects
                reach = pop.resources[users.citizen] / max(float(pop.resources.mean()), 1e-6)
            stance = recruit(self.np_rng, stance, np.minimum(channels * p["channel_recruitment"] * reach, 1.0))
        users.stance = stance

    def _exit(self, s: int) -> None:
        """Where users may choose, reviewing users compare their provider with this month's alternative and
        switch with a logit chance in the utility gain net of the switching cost; money follows them. One who
        leaves gives up her membership and seat at the old provider; her stance (a civic habit) goes with her."""
        p, users = self.params, self.users[s]
        if users.m == 0:
            return
        alternative, gain = self._alternatives[s]
        reviewing = (users.stance != OPT_OUT) & (self.np_rng.random(users.m) < p["revision_rate"])
        chance = expit(p["exit_sensitivity"] * gain)  # the logistic, without overflow for a large loss
        switch = reviewing & (alternative != users.provider) & (self.np_rng.random(users.m) < chance)
        users.provider[switch] = alternative[switch]
        users.civic[switch] = 0

    def _aggregate_users(self) -> None:
        """Per provider row: users, need-weighted users, eligible residents, contributors and their mean
        preference, participation."""
        t, n = self.providers, self.providers.n
        t.users[:] = t.weighted_users[:] = t.eligible[:] = t.contributors[:] = 0.0
        pref_sum = np.zeros(n)
        for s, users in enumerate(self.users):
            active = users.stance != OPT_OUT
            contrib = users.stance == CONTRIBUTE
            t.users += np.bincount(users.provider, weights=active, minlength=n)
            t.weighted_users += np.bincount(users.provider, weights=active * users.need, minlength=n)
            t.eligible += np.bincount(self.home_row[s][users.unit], minlength=n)
            t.contributors += np.bincount(users.provider, weights=contrib, minlength=n)
            pref_sum += np.bincount(users.provider, weights=contrib * users.x, minlength=n)
        t.participation = np.divide(t.contributors, t.users, out=np.zeros(n), where=t.users > 0)
        t.contributor_pref = np.divide(pref_sum, t.contributors, out=t.voice_design.copy(), where=t.contributors > 0)
        unit_cost = self.sector_array("unit_cost")[t.sector]
        value = self.params["coproduction_substitution"] * self.params["value_of_time"] * self.params[
            "participation_cost"] * t.contributors
        t.coproduction_relief = np.divide(value, unit_cost * t.weighted_users, out=np.zeros(n),
                                          where=t.weighted_users > 0)

    def _revise_designs(self, fiscal_year_end: bool) -> None:
        """Each kind moves what its channel asks for; the delivered design blends the central design with it
        as far as local autonomy allows: d = d_central + a (d_channel - d_central)."""
        t = self.providers
        for kind, cls in self.kinds.items():
            cls.update_voice_design(self, np.flatnonzero(t.kind == kind), fiscal_year_end)
        central = self.guarantor.central_design[t.sector]
        t.design = central + self.params["local_autonomy"] * (t.voice_design - central)

    def _staff_ratio_per_row(self) -> np.ndarray:
        return self.sector_array("staff_per_100_users")[self.providers.sector]

    def _fte_target(self) -> np.ndarray:
        """Full-time equivalents each row needs for its need-weighted users; contracted once a fiscal year."""
        return np.maximum(self.providers.weighted_users * self._staff_ratio_per_row() / 100.0, 0.1)

    def _headcount_target(self) -> np.ndarray:
        """People employed: the FTE rounded, and never fewer than ``minimum_staff`` for a service that has
        users (opening hours, leave and sickness need cover; small services employ part-timers)."""
        t = self.providers
        return np.where(t.eligible > 0, np.maximum(self.params["minimum_staff"], np.round(t.fte)), 0).astype(np.int64)

    def _produce(self, book: bool) -> None:
        """Quality and cost of every row this month (HSV efforts, workforce, co-production, capital) and, if
        ``book``, the money: wages, running costs, and where savings go by kind."""
        t, p, ledger = self.providers, self.params, self.ledger
        n = t.n
        budget = t.last_payment
        fed_saving = np.where(t.federation >= 0, p["federation_saving"], 0.0)
        fixed = self.sector_array("fixed_cost")[t.sector] * (1.0 - fed_saving)
        own_rate = np.zeros(n)
        for kind, cls in self.kinds.items():
            own_rate[t.kind == kind] = cls.own_overhead_rate(p)
        # Back office and governance scale with the service, not with the fixed-cost lump that pays for the
        # building: the overhead rate applies to the per-user part of the payment only.
        own_overhead = own_rate * np.maximum(budget - t.last_lump, 0.0)
        self._overhead_paid = float(own_overhead.sum()) if book else 0.0
        service_budget = np.maximum(budget - fixed - own_overhead, 0.0)
        drawdown = np.zeros(n)
        for kind, cls in self.kinds.items():
            drawdown[t.kind == kind] = cls.reserve_drawdown_rate(p)
        reinvest = reinvestment(ledger.provider_cash, budget, drawdown)
        unit_cost = self.sector_array("unit_cost")[t.sector]
        served = t.weighted_users > 0
        resources = np.divide(service_budget + reinvest, unit_cost * t.weighted_users, out=np.ones(n), where=served)
        t.spending_index = resources + t.coproduction_relief
        # Capital is a stock: quality from the capital per (need-weighted) user, in years of the unit cost.
        capital_q = p["capital_productivity"] * t.capital / (12.0 * unit_cost * np.maximum(t.weighted_users, 1.0))
        base = t.spending_index ** p["quality_elasticity"] * t.workforce_index + capital_q
        c = cost_reduction(t.effort_e, p["cost_reduction_scale"])
        k = self.sector_array("contractibility")[t.sector]
        theta = self.sector_array("theta")[t.sector]
        t.q_c = k * base
        t.q_n = (1.0 - k) * base + innovation_gain(t.effort_i, p["innovation_scale"]) - theta * c
        if not book:
            return
        saved = budget_saved(c)
        spend = service_budget * (1.0 - saved) + reinvest
        saving = service_budget * saved
        wage_factor = np.ones(n)
        for kind, cls in self.kinds.items():
            rows = np.flatnonzero(t.kind == kind)
            wage_factor[rows] = cls.wage_factor(self, rows)
        t.wage_factor = wage_factor
        wages = t.fte * p["market_wage"] * wage_factor
        ledger.collect_from_providers("households", wages, "wages")
        ledger.collect_from_providers("outside_world", fixed + own_overhead + np.maximum(spend - wages, 0.0),
                                      "running costs")
        for kind, cls in self.kinds.items():
            cls.settle_surplus(self, t.kind == kind, saving, budget)

    def _work(self) -> None:
        t, p = self.providers, self.params
        capacity = t.fte * 100.0 / self._staff_ratio_per_row()
        workload = np.divide(t.weighted_users, capacity, out=np.zeros(t.n), where=capacity > 0) * (
            1.0 - np.minimum(t.coproduction_relief, 0.5))
        incentive = np.zeros(t.n)
        for kind, cls in self.kinds.items():
            incentive[t.kind == kind] = cls.incentive(p)
        autonomy = np.full(t.n, p["local_autonomy"])
        quits = self.workforce.update(self.np_rng, autonomy, kind_table(self, "members_own_it").astype(float),
                                      t.wage_factor, workload, t.failing.astype(float), incentive,
                                      self.sector_array("quit_ratio")[t.sector])
        fte_per_head = np.divide(t.fte, t.staff, out=np.ones(t.n), where=t.staff > 0)
        hires = np.bincount(self.workforce.row[quits], minlength=t.n) * p["hiring_cost"] * fte_per_head
        self.ledger.collect_from_providers("outside_world", hires, "hiring")
        t.workforce_index = self.workforce.workforce_index(t.n)
        t.morale = self.workforce.mean_by_row(self.workforce.morale, t.n)

    def _cover_state_deficits(self) -> None:
        """Kinds that cannot go bust (``treasury_covers_deficit``): the treasury covers the deficit each month."""
        cash = self.ledger.provider_cash
        cover = np.where(kind_table(self, "treasury_covers_deficit") & (cash < 0), -cash, 0.0)
        self.ledger.pay_providers("treasury", cover, "deficit cover")

    def _fiscal_year(self) -> None:
        t = self.providers
        for kind, cls in self.kinds.items():
            revise_efforts(self, np.flatnonzero(t.kind == kind), cls)
        self.guarantor.fiscal_year()
        self._social_investment()
        self._demutualise()
        if self.params["secondary_mutuals"]:
            form_federations(self)
        t.fte = self._fte_target()
        self.workforce.rebalance(self.np_rng, self._headcount_target(), t.sector)
        t.staff = self.workforce.staff_counts(t.n)
        t.quality_mark = kind_table(self, "eligible_for_quality_mark") & (t.participation >= self.params["quality_mark_threshold"]) & bool(
            self.params["quality_mark"])
        self._update_trust()

    def _update_trust(self) -> None:
        """Trust follows satisfaction relative to aspiration in each service a person uses (each at the rate
        divided by the number of services she needs); a quality mark on one's provider adds to it."""
        pop, p, t = self.population, self.params, self.providers
        for users in self.users:
            target = expit(p["trust_sensitivity"] * (users.satisfaction - p["aspiration"] + 0.5))
            target = np.clip(target + p["quality_mark_trust"] * t.quality_mark[users.provider], 0.0, 1.0)
            cit = users.citizen
            step = p["trust_adjustment"] / pop.services_needed(cit)
            pop.trust[cit] += (step * (target - pop.trust[cit])).astype(np.float32)

    def _social_investment(self) -> None:
        """Citizens put part of their savings into their unit's mutuals (members only, or every resident where
        local bonds may be issued); the state matches; the capital is spent on assets that depreciate."""
        p, pop, t, ledger = self.params, self.population, self.providers, self.ledger
        t.capital *= 1.0 - p["capital_depreciation"]
        returns = p["investment_return"] * t.community_shares
        ledger.collect_from_providers("households", returns, "investment returns")
        if t.community_shares.sum() > 0:
            pop.savings += (p["investment_return"] * pop.invested).astype(np.float32)
        if not p["social_investment"]:
            return
        pop.savings += np.float32(12.0 * p["savings_rate"])
        takes = kind_table(self, "takes_community_investment")
        mutual_rows_per_unit = sum(takes[rows].astype(np.int64) for rows in self.home_row)
        investor = mutual_rows_per_unit[pop.unit] > 0
        if not p["local_bonds"]:
            investor &= pop.participated(self.month)
        amount = np.where(investor, pop.savings * p["investment_propensity"] * pop.trust, 0.0).astype(np.float32)
        per_unit = np.bincount(pop.unit, weights=amount, minlength=len(self.units))
        share = np.divide(per_unit, mutual_rows_per_unit, out=np.zeros(len(self.units)), where=mutual_rows_per_unit > 0)
        rows = np.where(takes, sum(np.bincount(home, weights=share, minlength=t.n) for home in self.home_row), 0.0)
        if rows.sum() <= 0:
            return
        pop.savings -= amount
        pop.invested += amount
        ledger.pay_providers("households", rows, "community investment")
        t.community_shares += rows
        t.capital += rows
        self.guarantor.match_investment(rows)
        ledger.collect_from_providers("outside_world", rows * (1.0 + p["investment_match"]), "capital expenditure")

    def _demutualise(self) -> None:
        """Kinds that ``may_demutualise`` consider it once a year, by their reserves in months of income."""
        t = self.providers
        for row in np.flatnonzero(kind_table(self, "may_demutualise")):
            agent = self.provider_agents[row]
            if agent.consider_demutualising(self.ledger.provider_cash[row] / max(t.last_payment[row], 1.0)):
                agent.demutualise()

    def _account_public_cost(self) -> None:
        """This month's public cost on an accruals basis, by component (``sim/public_cost.py``)."""
        profit = self.ledger.flow(source="providers", sink="private_investors", purpose="profit")
        self.public_cost.book_journal(self.ledger.flows, self._overhead_paid, profit)
        self.public_cost.close_month()

    def _collect_taxes(self) -> None:
        """Taxes balance the treasury each month: households pay what the guarantor spent net of receipts."""
        spent = -self.ledger.balance["treasury"]
        self.public_spending = spent
        self.ledger.transfer("outside_world", "households", spent + self.params["savings_rate"] * self.population.n,
                             "earnings")
        self.ledger.transfer("households", "treasury", spent, "tax")

    # --- operators ------------------------------------------------------------------------------------------
    def replace_operator(self, row: int, kind: str) -> None:
        """A new operator takes over a service row (conversion, re-tender, step-in, demutualisation)."""
        old = self.provider_agents.get(row)
        if old is not None:
            old.remove()
        new = KIND_BY_NAME[kind](self, row)
        t = self.providers
        restart_efforts(self, row)  # a new management learns its efforts from scratch, whatever its kind
        t.successor[row] = t.interim_until[row] = -1
        t.fail_count[row] = 0
        t.failing[row] = False
        t.supported[row] = False
        new.on_takeover()

    def rows_of(self, kind: str) -> np.ndarray:
        """Rows operated by a kind, by name ("state", "contractor", "mutual"): for views and counts by kind."""
        return np.flatnonzero(self.providers.kind == KIND_BY_NAME[kind].kind)

    def converted_neighbour_count(self, rows: np.ndarray) -> np.ndarray:
        """Mutuals in good standing in the same sector in neighbouring units: the spill-over of success."""
        t = self.providers
        good = np.zeros(t.n, dtype=bool)
        good[self.rows_of("mutual")] = True
        good &= ~t.failing
        nb = self.row_neighbours[rows]
        return ((nb >= 0) & good[np.maximum(nb, 0)]).sum(axis=1).astype(float)

    def catchment_target(self, rows: np.ndarray) -> np.ndarray:
        """The design that would attract the most profitable users of a contractor's market (its catchment and
        the neighbouring ones): their mean preference, weighted by capitation / cost (1 / need if flat)."""
        t = self.providers
        out = np.empty(rows.size)
        flat = not self.params["need_weighted_capitation"]
        for s, users in enumerate(self.users):
            sel = t.sector[rows] == s
            if not sel.any():
                continue
            active = users.stance != OPT_OUT
            w = active / users.need if flat else active.astype(float)
            home = self.home_row[s][users.unit]
            wx = np.bincount(home, weights=w * users.x, minlength=t.n).astype(np.float64)
            ws = np.bincount(home, weights=w, minlength=t.n).astype(np.float64)
            r = rows[sel]
            nb = self.row_neighbours[r]
            valid, nb = nb >= 0, np.maximum(nb, 0)
            sx = wx[r] + (wx[nb] * valid).sum(axis=1)
            sw = ws[r] + (ws[nb] * valid).sum(axis=1)
            out[sel] = np.divide(sx, sw, out=t.voice_design[rows[sel]].copy(), where=sw > 0)
        return out

    def participation_report(self) -> pd.DataFrame:
        """The participation audit's table: participation rate by sector and deprivation quintile (last 12
        months for the authority; this month's contributors per sector)."""
        pop = self.population
        rows = []
        took_part = pop.participated(self.month)
        for s, users in enumerate(self.users):
            q = pop.deprivation[users.citizen]
            contrib = users.stance == CONTRIBUTE
            for quint in range(5):
                mask = q == quint
                rows.append({"sector": self.sector_names[s], "quintile": quint, "users": int(mask.sum()),
                             "participation_rate": float(contrib[mask].mean()) if mask.any() else 0.0})
        for quint in range(5):
            mask = pop.deprivation == quint
            rows.append({"sector": ANY_SERVICE, "quintile": quint, "users": int(mask.sum()),
                         "participation_rate": float(took_part[mask].mean()) if mask.any() else 0.0})
        return pd.DataFrame(rows)

    def stance_shares(self, by_sector: bool = False) -> dict[str, float] | pd.DataFrame:
        """Shares of contribute / use only / opt out over all service users; with ``by_sector`` a table with
        one row per sector (its users and the three shares) and a last row ``all``."""
        rows, total = [], np.zeros(3)
        for name, users in zip(self.sector_names, self.users, strict=True):
            counts = np.bincount(users.stance, minlength=3).astype(float)
            total += counts
            rows.append((name, counts))
        rows.append(("all", total))

        def shares(counts):
            n = max(counts.sum(), 1.0)
            return {"contribute": counts[CONTRIBUTE] / n, "use_only": counts[USE_ONLY] / n,
                    "opt_out": counts[OPT_OUT] / n}

        if not by_sector:
            return shares(total)
        return pd.DataFrame([{"sector": name, "users": int(c.sum()), **shares(c)} for name, c in rows]
                            ).set_index("sector")

    def _units_of_rows(self) -> list[list[int]]:
        """The units (areas) each row's catchment covers, in order."""
        out: list[list[int]] = [[] for _ in range(self.providers.n)]
        for rows in self.home_row:
            for unit, row in enumerate(rows.tolist()):
                out[row].append(unit)
        return out

    def ballots_frame(self) -> pd.DataFrame:
        """One row per employee ballot on mutual status: the service (provider row), its sector and unit, the
        month, the workers eligible to vote, turnout, yes-share of votes cast, and whether it passed."""
        columns = ["service", "sector", "unit", "month", "failing", "eligible", "turnout", "yes_share", "passed"]
        log = [e for e in self.guarantor.conversion_log if e["approved"]]
        return pd.DataFrame([{"service": e["row"], "sector": e["sector"], "unit": e["unit"], "month": e["month"],
                              "failing": e["failing"], "eligible": e["eligible"], "turnout": e["turnout"],
                              "yes_share": e["yes_share"], "passed": e["converted"]} for e in log], columns=columns)

    def providers_frame(self) -> pd.DataFrame:
        """One row per service (provider row): its sector, first unit, the units its catchment covers
        (``units``), operator kind, design, quality, HSV efforts, users, contributors,
        participation, cash, staff (headcount) and FTE, morale, whether it is failing and when it last failed."""
        t = self.providers
        return pd.DataFrame({
            "sector": [self.sector_names[s] for s in t.sector], "unit": t.unit, "units_served": t.units_served,
            "units": self._units_of_rows(),
            "kind": [type(self.provider_agents[r]).__name__ for r in range(t.n)],
            "design": t.design, "quality_contractible": t.q_c, "quality_noncontractible": t.q_n,
            "cost_reduction_effort": t.effort_e, "innovation_effort": t.effort_i, "users": t.users,
            "participation": t.participation, "cash": self.ledger.provider_cash, "staff": t.staff, "fte": t.fte,
            "morale": t.morale, "failing": t.failing, "contributors": t.contributors,
            "last_failure": np.where(t.last_failure >= 0, t.last_failure, -1)})
