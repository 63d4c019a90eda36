"""ODD §7.14 Need churn and need shocks: needs end and pass to other residents; what people need may shift."""

from __future__ import annotations

import numpy as np

from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .structure import Structure


def churn_needs(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                table: ProviderTable, rng: np.random.Generator, month: int) -> None:
    """Needs end and pass to other residents; a newcomer expects what her provider's users now feel
    (``ServiceUsers.churn``), and brings her civic habit of the last 12 months."""
    habitual = population.participated(month - 1)
    for sector, users in enumerate(service_users):
        volatility = params[f"{structure.sector_names[sector]}.need_volatility"]
        if volatility <= 0 or users.m == 0:
            continue
        count = np.bincount(users.provider, minlength=table.n)
        mean_satisfaction = np.divide(np.bincount(users.provider, weights=users.satisfaction, minlength=table.n),
                                      count, out=np.zeros(table.n), where=count > 0)
        users.churn(rng, volatility, structure.home_row[sector], mean_satisfaction, structure.unit_sizes,
                    structure.unit_starts, habitual)


def need_shock(params: dict, structure: Structure, service_users: list[ServiceUsers],
               rng: np.random.Generator) -> None:
    """Preferences shift by ``need_shock_size`` in a random share of units (what people need changes)."""
    hit = rng.random(structure.n_units) < params["need_shock_share"]
    for users in service_users:
        users.unit_pref_mean = np.where(hit, np.clip(users.unit_pref_mean + params["need_shock_size"], 0, 1),
                                        users.unit_pref_mean).astype(np.float32)
        moved = hit[users.unit]
        users.x[moved] = np.clip(users.x[moved] + params["need_shock_size"], 0, 1)
