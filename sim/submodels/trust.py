"""ODD §7.12 Trust: trust follows satisfaction relative to aspiration; a quality mark adds to it."""

from __future__ import annotations

from ..kernels.trust import update_sector_trust
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable, kind_table


def award_quality_marks(params: dict, table: ProviderTable) -> None:
    """Once a fiscal year: the quality mark goes to eligible kinds whose participation reaches the threshold."""
    table.quality_mark = kind_table(params, table, "eligible_for_quality_mark") & (
        table.participation >= params["quality_mark_threshold"]) & bool(params["quality_mark"])


def update_trust(params: dict, population: Citizens, service_users: list[ServiceUsers],
                 table: ProviderTable) -> None:
    """Trust follows satisfaction relative to aspiration in each service a person uses (each at the rate
    divided by the number of services she needs); a quality mark on one's provider adds to it. One compiled
    pass over each sector's slots (``sim.kernels.trust.update_sector_trust``, ODD §9 D-F110), sector by sector:
    a person holds one slot of a sector at most, so within a sector each slot moves its own person."""
    for users in service_users:
        update_sector_trust(users.satisfaction, users.provider, users.holders, population.holds, table.quality_mark,
                            population.trust, float(params["trust_sensitivity"]), float(params["aspiration"]),
                            float(params["quality_mark_trust"]), float(params["trust_adjustment"]))
