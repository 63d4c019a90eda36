"""ODD §7.12 Trust: trust follows satisfaction relative to aspiration; a quality mark adds to it."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable, kind_table

CHUNK = 1 << 16  # slots at a time


def award_quality_marks(params: dict, table: ProviderTable) -> None:
    """Once a fiscal year: the quality mark goes to eligible kinds whose participation reaches the threshold."""
    table.quality_mark = kind_table(params, table, "eligible_for_quality_mark") & (
        table.participation >= params["quality_mark_threshold"]) & bool(params["quality_mark"])


def update_trust(params: dict, population: Citizens, service_users: list[ServiceUsers],
                 table: ProviderTable) -> None:
    """Trust follows satisfaction relative to aspiration in each service a person uses (each at the rate
    divided by the number of services she needs); a quality mark on one's provider adds to it. A sector's slots
    a chunk at a time (``CHUNK``): a person holds one slot of a sector at most, so the chunks touch different
    people, and every operation is element by element: the same numbers as the sector at once, without its
    float64 temporaries (ODD §9 D-F63)."""
    for users in service_users:
        for first in range(0, users.m, CHUNK):
            slots = slice(first, first + CHUNK)
            target = expit(params["trust_sensitivity"] * (users.satisfaction[slots] - params["aspiration"] + 0.5))
            target = np.clip(target + params["quality_mark_trust"] * table.quality_mark[users.provider[slots]],
                             0.0, 1.0)
            citizens = users.citizen[slots]
            step = params["trust_adjustment"] / population.services_needed(citizens)
            population.trust[citizens] += (step * (target - population.trust[citizens])).astype(np.float32)
