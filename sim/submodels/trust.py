"""ODD §7.12 Trust: trust follows satisfaction relative to aspiration; a quality mark adds to it."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable, kind_table


def award_quality_marks(params: dict, table: ProviderTable) -> None:
    """Once a fiscal year: the quality mark goes to eligible kinds whose participation reaches the threshold."""
    table.quality_mark = kind_table(params, table, "eligible_for_quality_mark") & (
        table.participation >= params["quality_mark_threshold"]) & bool(params["quality_mark"])


def update_trust(params: dict, population: Citizens, service_users: list[ServiceUsers],
                 table: ProviderTable) -> None:
    """Trust follows satisfaction relative to aspiration in each service a person uses (each at the rate
    divided by the number of services she needs); a quality mark on one's provider adds to it."""
    for users in service_users:
        target = expit(params["trust_sensitivity"] * (users.satisfaction - params["aspiration"] + 0.5))
        target = np.clip(target + params["quality_mark_trust"] * table.quality_mark[users.provider], 0.0, 1.0)
        citizens = users.citizen
        step = params["trust_adjustment"] / population.services_needed(citizens)
        population.trust[citizens] += (step * (target - population.trust[citizens])).astype(np.float32)
