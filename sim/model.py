"""MutualStateModel: builds the local authority, runs the monthly schedule (ODD §3), collects the metrics.

A month, in order (ODD §3.1): needs churn -> citizens use their services and update satisfaction -> citizens
revise stances and are recruited -> users exit or switch where choice exists -> providers count their users,
members join, governance hears voice, providers revise their design, citizens learn efficacy -> providers
produce and book their accounts -> workers update morale and effort, quit or stay -> the guarantor pays
providers, the treasury covers departments' deficits, federations pool reserves, insolvency is checked -> at
the end of a fiscal year (ODD §3.2) efforts are revised and the guarantor measures, intervenes, re-tenders,
converts and builds capacity, citizens invest, mutuals may demutualise, staffing is revised, quality marks
and trust follow -> taxes balance the treasury -> metrics are collected.

The mechanisms are the submodels of ODD §7, one module each in ``sim/submodels/``; this module builds the
state they share and calls them in the schedule's order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from mesa import Model

from . import metrics, views
from .arguments import quintile_mix, rng_seed, whole_number
from .geography import build_units, catchments, row_neighbour_table
from .guarantor import GuarantorState
from .kernels import streams
from .ledger import Ledger
from .parameters import MAX_MONTHS, ParameterError, validate
from .population import CONTRIBUTE, OPT_OUT, CitizenRegistry, Citizens, ServiceUsers
from .providers import INITIAL_KIND, KIND_NAMES, KINDS, ProviderTable, kind_table
from .providers.base import revise_efforts
from .providers.rates import KindRates
from .providers.secondary import form_federations, pool_reserves
from .public_cost import PublicCost
from .submodels import (
    design,
    investment,
    money,
    needs,
    participation,
    production,
    rationing,
    service_use,
    stances,
    trust,
    work,
)
from .submodels.demutualisation import demutualise
from .submodels.structure import (
    Structure,
    choice_by_sector,
    open_channels,
    sector_fields,
    sector_regimes,
    units_per_catchment,
)
from .workforce import Workforce


class MutualStateModel(Model):
    """A local authority whose public services are run by state departments, contractors or mutuals.

    Keyword parameters are the names of ``sim.parameters.REGISTRY`` (unknown names and out-of-range values
    raise ``ParameterError``); sector parameters are passed as ``**{"elderly_care.theta": 1.5}``.
    ``rng`` seeds everything: the same rng gives identical results.
    """

    def __init__(self, regime: str = "state", n_units: int = 20, unit_size: Any = (400, 600),
                 rng: int | None = None, deprivation_mix: Any = None, **params: Any):
        """Validate the parameters, build the authority (ODD §5) and record month 0. ``deprivation_mix``: the
        authority's shares of adults in the five national deprivation quintiles (least deprived first; a
        national run gives each authority its own, ODD §9 D-NAT2); by default a fifth in each."""
        rng = rng_seed(rng)
        self.deprivation_mix = None if deprivation_mix is None else quintile_mix(deprivation_mix)
        self.params = validate({"regime": regime, "n_units": n_units, "unit_size": unit_size, **params})
        super().__init__(rng=rng)
        self.np_rng = self.rng
        # Needs drift and shift on a stream of their own: replicate k faces the same changing needs under every
        # regime (common random numbers, ODD §7.14); spawning leaves the model's own stream untouched.
        self.needs_rng = self.np_rng.spawn(1)[0]
        # the key of the keyed, counter-based slot streams (sim.kernels.streams, ODD §9 D-F18): the seed's alone
        self.stream_key = streams.stream_key(self.np_rng)
        self.month = 0
        # a fiscal year's end: each sector's volunteers' costs before capacity building, for the metrics (ODD §9 D-F93)
        self.served_volunteer_costs: list[float] | None = None
        self.sector_names: tuple[str, ...] = self.params["sectors"]
        self._build_people()
        self._build_providers()
        self._start()
        self.current_metrics = metrics.measure(self)
        self.datacollector = metrics.MetricsCollector()
        self.datacollector.collect(self)

    def _build_people(self) -> None:
        """Units on their grid and the people in them (ODD §5): citizens, and each sector's service users."""
        params = self.params
        smallest, largest = params["unit_size"]
        sizes = self.np_rng.integers(smallest, largest + 1, params["n_units"]).astype(np.int64)
        self.units, self.space, self.neighbours, self.neighbour_count = build_units(self, sizes)
        self.unit_sizes, self.unit_starts = sizes, np.array([u.start for u in self.units], dtype=np.int64)
        self.population = Citizens(self.np_rng, sizes, params, self.deprivation_mix)
        self.quintile_sizes = np.bincount(self.population.deprivation, minlength=5)
        self.citizens = CitizenRegistry(self)
        self.users: list[ServiceUsers] = []
        for sector, name in enumerate(self.sector_names):
            unit_pref = np.clip(needs.DISTRICT_MEAN_PREFERENCE + self.np_rng.normal(
                0.0, params["preference_spread_between"], (len(sizes), params["design_dimensions"])), 0, 1)
            self.users.append(ServiceUsers(self.np_rng, sector, self.population, sizes, self.unit_starts,
                                           params[f"{name}.need_prevalence"], unit_pref, params))

    def _build_providers(self) -> None:
        """Provider rows by catchment, the static structure the submodels share, the guarantor, the ledger,
        the workforce, and each row's first operator, of the kind its sector's regime starts with (ODD §5)."""
        params, n_units = self.params, len(self.unit_sizes)
        self.providers = ProviderTable(len(self.sector_names), n_units, [
            catchments(n_units, units_per_catchment(params, name)) for name in self.sector_names],
            params["design_dimensions"])
        self.home_row = self.providers.home_row
        row_neighbours, row_neighbour_count = row_neighbour_table(self.space.G, self.home_row, self.providers.n)
        regimes = sector_regimes(params)
        self.structure = Structure(self.sector_names, sector_fields(params), regimes, self.unit_sizes,
                                   self.unit_starts, self.neighbours, self.neighbour_count, self.home_row,
                                   row_neighbours, row_neighbour_count, choice_by_sector(params, regimes),
                                   open_channels(params), KindRates(params))
        for sector, users in enumerate(self.users):
            users.serve_from(self.home_row[sector], self.providers.n)
        self.provider_agents: dict[int, Any] = {}
        self.ledger = Ledger(self.providers.n)
        self.guarantor = GuarantorState(self)
        self.public_spending = 0.0  # cash: what taxes pay this month
        self.public_cost = PublicCost(12 * params["contract_years"])  # accruals: what the month's services cost
        production.aggregate_users(params, self.structure, self.users, self.providers)
        self.providers.fte = work.fte_target(self.structure, self.providers)
        self.workforce = Workforce(self.np_rng, work.headcount_target(params, self.providers), params)
        self.providers.staff = self.workforce.staff_counts(self.providers.n)
        for row in range(self.providers.n):
            INITIAL_KIND[regimes[self.providers.sector[row]]](self, row)
        counts = np.bincount(self.providers.kind, minlength=len(KINDS))
        self.guarantor.operators_at_start = {KIND_NAMES[code]: int(counts[code]) for code in KINDS}
        contracted = kind_table(params, self.providers, "holds_contract")  # let at staggered dates, as councils do
        years = self.np_rng.integers(1, params["contract_years"] + 1, self.providers.n)
        self.providers.contract_end[contracted] = 12 * years[contracted]
        if params["secondary_mutuals"]:
            form_federations(self)

    def _start(self) -> None:
        """Month 0 (ODD §5): designs, the first payment in advance, quality; users start satisfied with what
        they get and contributors as having taken part; the first elections give boards a mandate."""
        params, structure, table = self.params, self.structure, self.providers
        design.revise_designs(self, self.guarantor.central_design, fiscal_year_end=False)
        self.guarantor.pay_providers()  # the first month's funding, paid in advance
        self.overhead_paid = production.produce(params, structure, table, self.ledger, book=False)
        for sector, users in enumerate(self.users):
            # satisfaction: the utility (a new float32 array), the outside option (as float32) where she opts out
            users.satisfaction = service_use.service_utility(params, structure, table, sector, users.provider, users.xq)
            users.satisfaction[users.stance == OPT_OUT] = np.float32(structure.sector_array("outside_option")[sector])
            self.population.last_participation[users.citizen[users.stance == CONTRIBUTE]] = 0
        self.last_election = None
        participation.update_membership(params, structure, self.population, self.users, table, self.np_rng,
                                        self.month)
        self.last_election = participation.hold_governance(params, structure, self.population, self.users, table,
                                                           self.np_rng, self.month, self.stream_key)
        self._close_month()

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

    @property
    def choice(self) -> bool:
        """Do users of any sector choose their provider?"""
        return bool(self.structure.choice_in.any())

    @property
    def fiscal_year_end(self) -> bool:
        return self.month % 12 == 0

    # --- the month (ODD §3.1) ----------------------------------------------------------------------------------
    def step(self) -> None:
        """One month of the schedule, ODD §3.1; each line is a submodel of ODD §7."""
        if self.month >= MAX_MONTHS:
            raise ParameterError(f"steps: the model runs at most {MAX_MONTHS} months (participation months are "
                                 f"int16); it is at month {self.month}")
        params, structure, table, rng = self.params, self.structure, self.providers, self.np_rng
        population, ledger = self.population, self.ledger
        self.served_volunteer_costs = None  # last month's costs are no longer read (ODD §9 D-F80, D-F93)
        ledger.open_period()
        self.month += 1
        year_end = self.month % 12 == 0  # (``fiscal_year_end``)
        if self.month == params["need_shock_month"]:
            needs.need_shock(params, structure, self.users, self.needs_rng)  # §7.14
        needs.drift_needs(params, structure, self.users, self.needs_rng)  # §7.14
        needs.churn_needs(params, structure, population, self.users, table, self.stream_key, self.month)  # §7.14
        rationing.ration_services(params, self.guarantor.served_share, self.users, rng)  # §7.8
        for users in self.users:  # §7.1
            service_use.use_services(params, structure, population, users, table, self.stream_key, self.month)
        for users in self.users:  # §7.2, and §7.4 exit where users may choose, in the same pass (ODD §9 D-F150)
            stances.revise_stances_of(params, structure, population, users, table, self.guarantor.targeting,
                                      self.stream_key, self.month)
        # §7.6 aggregation, §7.3 membership and (but at a fiscal year's end) what rows hear, in one pass a sector
        participation.tally_month(params, structure, population, self.users, table, self.stream_key, self.month,
                                  not year_end)
        if year_end:
            self.last_election = participation.hold_governance(params, structure, population, self.users, table,
                                                               rng, self.month, self.stream_key)
        design.revise_designs(self, self.guarantor.central_design, year_end)  # §7.5
        # §7.3, its pass adding up the metrics' per-slot sums (§8) but at a fiscal year's end (ODD §9 D-F95)
        participation.learn_efficacy(params, population, self.users, table, self.guarantor.central_design,
                                     None if year_end else metrics.begin_month(self))
        self.overhead_paid = production.produce(params, structure, table, ledger, book=True)  # §7.6, §7.8
        work.work(params, structure, table, self.workforce, ledger, rng)  # §7.9
        self.guarantor.pay_providers()  # §7.8
        money.cover_deficits(params, structure, table, ledger)
        if params["secondary_mutuals"]:
            pool_reserves(table, ledger)  # §7.13
        self.guarantor.insolvency_check()  # §7.10
        if year_end:
            # the month's volunteers' costs, from the resources service costed them at: capacity building changes
            # them (ODD §9 D-F80); each sector's sum, not a copy of every adult's resources (D-F93)
            self.served_volunteer_costs = metrics.volunteer_costs(self)
            self._fiscal_year()
        self._close_month()
        self.current_metrics = metrics.measure(self)  # ODD §8
        self.datacollector.collect(self)

    def _fiscal_year(self) -> None:
        """The fiscal year's end, ODD §3.2: efforts (§7.7), the guarantor (§7.10-7.11), recognised status
        (§7.12), federations (§7.13), staffing (§7.9), quality marks and trust (§7.12)."""
        params, structure, table = self.params, self.structure, self.providers
        rows_of_kind = np.bincount(table.kind, minlength=len(KINDS))  # a kind without rows revises nothing
        for code, kind in KINDS.items():
            if rows_of_kind[code]:
                revise_efforts(self, np.flatnonzero(table.kind == code), kind)
        self.guarantor.fiscal_year()
        investment.social_investment(params, structure, self.population, table, self.ledger, self.guarantor,
                                     self.month)
        demutualise(params, table, self.ledger, self.provider_agents)
        if params["secondary_mutuals"]:
            form_federations(self)
        work.restaff(params, structure, table, self.workforce, self.np_rng)
        trust.award_quality_marks(params, table)
        # the metrics' per-slot sums in trust's pass, the year's last over the slots (ODD §9 D-F180)
        trust.update_trust(params, self.population, self.users, table, metrics.year_end_sums(self),
                           self.served_volunteer_costs)

    def _close_month(self) -> None:
        """Taxes balance the treasury, the books are checked, the month's public cost is accrued (§7.8)."""
        self.public_spending = money.collect_taxes(self.params, self.ledger, self.population.n)
        self.ledger.check()
        money.account_public_cost(self.public_cost, self.ledger, self.overhead_paid, self.guarantor.over_budget)

    # --- views for people (sim/views.py) ------------------------------------------------------------------------
    def participation_report(self) -> pd.DataFrame:
        """The participation audit's table (``sim.views.participation_report``)."""
        return views.participation_report(self.population, self.users, self.sector_names, self.month)

    def stance_shares(self, by_sector: bool = False) -> dict[str, float] | pd.DataFrame:
        """Shares of contribute / use only / opt out (``sim.views.stance_shares``)."""
        return views.stance_shares(self.users, self.sector_names, by_sector)

    def ballots_frame(self) -> pd.DataFrame:
        """One row per employee ballot on mutual status (``sim.views.ballots_frame``)."""
        return views.ballots_frame(self.guarantor.conversion_log)

    def outcomes_by_group(self) -> pd.DataFrame:
        """Participation, satisfaction and funding by deprivation quintile and sector (``sim.views``)."""
        return views.outcomes_by_group(self)

    def providers_frame(self) -> pd.DataFrame:
        """One row per service (provider row) and its state (``sim.views.providers_frame``)."""
        return views.providers_frame(self)
