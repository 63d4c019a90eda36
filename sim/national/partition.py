"""A partition: the district models of some authorities, advanced a fiscal year at a time (ODD §9, D-NAT3).

The same class runs in the driver's process (one run) or as a Dask actor on a worker (a partitioned run): it
builds each authority's model from its plan row and its own seed, applies the couplings the driver sends
before each year, steps the months and returns what the driver needs, per authority: the summary the next
couplings are computed from and one row of metrics per month.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRIC_NAMES
from ..model import MutualStateModel
from .country import authority_seed


class Partition:
    """The models of ``plan``'s authorities (rows of ``plan_country``), seeded from ``seed``."""

    def __init__(self, plan: pd.DataFrame | None = None, seed: int = 0, params: dict[str, Any] | None = None,
                 state: bytes | dict | None = None):
        """Build each authority's model: its units, its deprivation mix and its own random stream (ODD §5);
        or, given ``state`` (``Partition.state()``, or that unpickled), the partition as it was saved."""
        if state is not None:
            self.__dict__.update(pickle.loads(state) if isinstance(state, bytes) else state)
            return
        self.models: dict[str, MutualStateModel] = {}
        self.scale: dict[str, float] = {}
        for code, row in plan.iterrows():
            model = MutualStateModel(n_units=int(row["n_units"]), rng=authority_seed(seed, code),
                                     deprivation_mix=[row[f"q{q}"] for q in range(5)], **(params or {}))
            self.models[code] = model
            self.scale[code] = float(row["adults"]) / model.population.n

    def advance(self, months: int, couplings: dict[str, dict[str, np.ndarray]]) -> tuple[dict, pd.DataFrame]:
        """Apply this year's couplings, step ``months`` months; return (summaries, monthly metrics)."""
        for code, coupling in couplings.items():
            if code in self.models:
                guarantor = self.models[code].guarantor
                guarantor.budget = coupling["budget"].copy()
                guarantor.pending_estimate = coupling["pending_estimate"].copy()
        rows = []
        for code, model in self.models.items():
            for _ in range(months):
                model.step()
                rows.append((code, model.month, model.population.n,
                             *(model.current_metrics[name] for name in METRIC_NAMES)))
        monthly = pd.DataFrame(rows, columns=["authority", "month", "simulated_adults", *METRIC_NAMES])
        return {code: self.summary(code) for code in self.models}, monthly

    def summary(self, code: str) -> dict[str, Any]:
        """What the yearly couplings read of one authority (ODD §9, D-NAT4): its budgets and formula cost per
        sector, its estimate of its users' mean preference, its users per sector and its scale."""
        model = self.models[code]
        guarantor = model.guarantor
        sector = model.providers.sector
        n_sectors = len(model.sector_names)
        standard = 12.0 * np.bincount(sector, weights=guarantor.payments(priced=False), minlength=n_sectors)
        return {"budget": guarantor.budget.copy(), "standard_cost": standard,
                "pending_estimate": guarantor.pending_estimate.copy(),
                "users": np.array([users.m for users in model.users], dtype=float),
                "scale": self.scale[code], "adults": model.population.n}

    def state(self) -> bytes:
        """The partition pickled (a checkpoint); ``Partition(state=...)`` gives it back exactly."""
        return pickle.dumps(self.__dict__, protocol=pickle.HIGHEST_PROTOCOL)

    def authorities(self) -> list[str]:
        return list(self.models)
