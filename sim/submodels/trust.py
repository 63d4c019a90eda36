"""ODD §7.12 Trust: trust follows satisfaction relative to aspiration; a quality mark adds to it."""

from __future__ import annotations

from ..kernels.metric_sums import volunteer_cost
from ..kernels.trust import update_sector_trust, update_trust_and_measure
from ..population import CONTRIBUTE, OPT_OUT, Citizens, ServiceUsers
from ..providers import ProviderTable, kind_table
from .rationing import stance_served


def award_quality_marks(params: dict, table: ProviderTable) -> None:
    """Once a fiscal year: the quality mark goes to eligible kinds whose participation reaches the threshold."""
    table.quality_mark = kind_table(params, table, "eligible_for_quality_mark") & (
        table.participation >= params["quality_mark_threshold"]) & bool(params["quality_mark"])


def update_trust(params: dict, population: Citizens, service_users: list[ServiceUsers],
                 table: ProviderTable, sums=None, served: list[float] | None = None) -> None:
    """Trust follows satisfaction relative to aspiration in each service a person uses (each at the rate
    divided by the number of services she needs); a quality mark on one's provider adds to it. One compiled
    pass over each sector's slots (``sim.kernels.trust.update_sector_trust``, ODD §9 D-F110), sector by sector:
    a person holds one slot of a sector at most, so within a sector each slot moves its own person.

    Given the month's ``sums`` (``sim.metrics.MonthSums``, at a fiscal year's end: ``metrics.year_end_sums``), the
    same pass adds up the metrics' per-slot sums (``sim.kernels.trust.update_trust_and_measure``, ODD §9 D-F180),
    each sector's contributors' personal costs being ``served``'s (taken before capacity building, D-F93) or, if
    none, at the civic resources now, as the metrics' own pass (``metrics.slot_sums``) takes them."""
    sensitivity, aspiration = float(params["trust_sensitivity"]), float(params["aspiration"])
    mark_trust, adjustment = float(params["quality_mark_trust"]), float(params["trust_adjustment"])
    for sector, users in enumerate(service_users):
        if sums is None or not users.m:
            update_sector_trust(users.satisfaction, users.provider, users.holders, population.holds,
                                table.quality_mark, population.trust, sensitivity, aspiration, mark_trust, adjustment)
            continue
        seen = stance_served(users)
        satisfaction, mismatch, mismatch_active = update_trust_and_measure(
            users.satisfaction, users.provider, users.holders, population.holds, table.quality_mark, population.trust,
            sensitivity, aspiration, mark_trust, adjustment, population.deprivation, users.xq, table.design, seen,
            OPT_OUT, users.civic, users.stance, sums.satisfaction_by_quintile, sums.users_by_quintile,
            sums.person_bits, sums.stance_counts)
        cost = (served[sector] if served is not None else
                volunteer_cost(users.holders, seen, population.resources, float(params["resource_gradient"]),
                               float(params["participation_cost"]), CONTRIBUTE))
        sums.sectors[sector] = (satisfaction, mismatch, mismatch_active, cost)
