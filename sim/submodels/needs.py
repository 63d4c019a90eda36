"""ODD §7.14 Need churn, drift and shocks: needs end and pass to other residents; what people want drifts as
residents move and tastes change, and may shift at once."""

from __future__ import annotations

import math

import numpy as np

from ..kernels import need_churn, preferences
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .structure import Structure


def churn_needs(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                table: ProviderTable, key: tuple[int, int], month: int) -> None:
    """Needs end and pass to other residents; a newcomer expects what her provider's users now feel
    (``ServiceUsers.churn``), and brings her civic habit of the last 12 months (read from her month of last
    participation where her need starts, ODD §9 D-F298). Every draw is the model's keyed
    stream ``key``, which depends on the seed alone, not on the draws other submodels make (ODD §9 D-K5, D-F35)."""
    volatilities = structure.terms("churn_needs", -1, lambda: tuple(
        params[f"{name}.need_volatility"] for name in structure.sector_names))
    for sector, users in enumerate(service_users):
        volatility = volatilities[sector]
        if volatility <= 0 or users.m == 0:
            continue
        users.churn(key, month, volatility, structure.home_row[sector], table.n, structure.unit_sizes,
                    structure.unit_starts, last_participation=population.last_participation)


#: The district's mean preferred design, around which units' means are drawn (ODD §5) and drift (ODD §7.14).
DISTRICT_MEAN_PREFERENCE = 0.5


def drift_needs(params: dict, structure: Structure, service_users: list[ServiceUsers],
                rng: np.random.Generator) -> None:
    """What a unit's residents want drifts as people move in and out and tastes change. Each month its mean
    preferred design takes an Ornstein-Uhlenbeck step, m <- 0.5 + phi (m - 0.5) + s sqrt(1 - phi^2) eps,
    phi = exp(-r / 12), r = ``preference_renewal``, s = ``preference_spread_between``, eps ~ N(0, 1), so the
    spread between units stays the registry's while which unit wants what changes; each of its users moves
    with it, keeping her own difference from it (both clipped to [0, 1]). Every dimension of the design drifts
    on its own (ODD §9 D-Q1)."""
    rate = params["preference_renewal"]
    if rate <= 0:
        return
    persistence = math.exp(-rate / 12.0)
    step_spread = params["preference_spread_between"] * math.sqrt(1.0 - persistence**2)
    if not service_users:
        return
    # every sector's normals in one draw, sector after sector: the numbers a draw a sector gives (every sector's
    # means have the same shape, units x dimensions)
    steps = rng.normal(0.0, step_spread, (len(service_users), *service_users[0].unit_pref_mean.shape))
    for users, step in zip(service_users, steps, strict=True):  # ``sim.kernels.need_churn.drift_unit_means``
        need_churn.drift_unit_means(users.unit_pref_mean, step, persistence, DISTRICT_MEAN_PREFERENCE, users.xq,
                                    users.unit_start, users.unit_count)


#: Slots a need shock shifts at a time (ODD §9 D-F280): at 10^6 adults a whole sector's shift held some 18 bytes an
#: adult of float temporaries, the run's peak.
SHOCK_CHUNK = 1 << 16


def need_shock(params: dict, structure: Structure, service_users: list[ServiceUsers],
               rng: np.random.Generator) -> None:
    """Preferences shift by ``need_shock_size`` in a random share of units (what people need changes), in
    every dimension of the design, so that the shock moves the distance (ODD §7.1) by the same amount whatever
    the number of dimensions."""
    hit = rng.random(structure.n_units) < params["need_shock_share"]
    size = params["need_shock_size"]
    for users in service_users:
        users.unit_pref_mean = np.where(hit[:, None], np.clip(users.unit_pref_mean + size, 0, 1),
                                        users.unit_pref_mean).astype(np.float32)
        # the shift in float32, clipped to [0, 1], kept as codes (ODD §9 D-F211), a run of slots at a time so that
        # its float temporaries stay small: element by element the same numbers as the whole sector at once
        # (ODD §9 D-F280)
        hit_slots = np.repeat(hit, users.unit_count)  # slots sit in unit order: ``hit[users.unit]``
        for start in range(0, users.m, SHOCK_CHUNK):
            block = users.xq[start:start + SHOCK_CHUNK]  # a view: written in place
            moved = hit_slots[start:start + SHOCK_CHUNK]
            block[moved] = preferences.encode(np.clip(preferences.decode(block[moved]) + size, 0, 1))
