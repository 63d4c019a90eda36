"""A partition: the district models of some authorities, advanced a fiscal year at a time (ODD §9, D-NAT3).

The same class runs in the driver's process (one run) or as a Dask actor on a worker (a partitioned run): it
builds each authority's model from its plan row and its own seed, applies the couplings the driver sends
before each year, steps the months and returns what the driver needs, per authority: the summary the next
couplings are computed from and one row of metrics per month.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRIC_NAMES
from ..model import MutualStateModel
from .country import authority_seed


class Partition:
    """The models of ``plan``'s authorities (rows of ``plan_country``), seeded from ``seed``; built and advanced
    on ``threads`` threads, the authorities dealt to them one at a time, largest first (ODD §9, D-NAT16)."""

    def __init__(self, plan: pd.DataFrame | None = None, seed: int = 0, params: dict[str, Any] | None = None,
                 state: bytes | dict | list | None = None, threads: int = 1):
        """Build each authority's model: its units, its deprivation mix and its own random stream (ODD §5);
        or, given ``state`` (``Partition.state()``, that unpickled, or a list of such states, merged), the
        partition as it was saved."""
        self.threads = threads
        if state is not None:
            self.models: dict[str, MutualStateModel] = {}
            self.scale: dict[str, float] = {}
            for one in state if isinstance(state, list) else [state]:
                one = pickle.loads(one) if isinstance(one, bytes) else one
                self.models.update(one["models"])
                self.scale.update(one["scale"])
            self.models = dict(sorted(self.models.items()))  # code order, as built (a plan's index)
            return
        rows = {code: row for code, row in plan.iterrows()}

        def build(code: str) -> MutualStateModel:
            row = rows[code]
            return MutualStateModel(n_units=int(row["n_units"]), rng=authority_seed(seed, code),
                                    deprivation_mix=[row[f"q{q}"] for q in range(5)], **(params or {}))

        order = list(plan.sort_values("n_units", ascending=False, kind="stable").index)
        built = self._deal(build, order)
        self.models = {code: built[code] for code in plan.index}
        self.scale = {code: float(rows[code]["adults"]) / model.population.n for code, model in self.models.items()}

    def _deal(self, task, codes: list[str]) -> dict[str, Any]:
        """``{code: task(code)}`` for each code, on this partition's threads: each thread takes the next code as
        it finishes one (a shared queue, in the order given), so the threads end a year within one authority of
        each other; the authorities share nothing, so the results are those of one thread (D-NAT3)."""
        if self.threads == 1 or len(codes) < 2:
            return {code: task(code) for code in codes}
        pool = ThreadPoolExecutor(max_workers=min(self.threads, len(codes)), thread_name_prefix="authority")
        try:
            return dict(zip(codes, pool.map(task, codes), strict=True))
        finally:  # after a failure (or an interrupt) the authorities not yet begun are not begun
            pool.shutdown(wait=True, cancel_futures=True)

    def advance(self, months: int, couplings: dict[str, dict[str, np.ndarray]],
                save: Callable[[dict], None] | None = None) -> tuple[dict, pd.DataFrame]:
        """Apply this year's couplings, step ``months`` months; return (summaries, monthly metrics). With
        ``save``, each authority's state is handed to it (as ``states`` gives it) once its months are done, by
        the thread that advanced it (a checkpoint written while the others compute, D-NAT17)."""
        for code, coupling in couplings.items():
            if code in self.models:
                guarantor = self.models[code].guarantor
                guarantor.budget = coupling["budget"].copy()
                guarantor.pending_estimate = coupling["pending_estimate"].copy()

        def step(code: str) -> tuple[dict, list[tuple]]:
            model, rows = self.models[code], []
            for _ in range(months):
                model.step()
                rows.append((code, model.month, model.population.n,
                             *(model.current_metrics[name] for name in METRIC_NAMES)))
            summary = self.summary(code)
            if save is not None:
                save(self.state_of(code))
            return summary, rows

        order = sorted(self.models, key=lambda code: -self.models[code].population.n)  # stable: ties in code order
        stepped = self._deal(step, order)
        rows = [row for code in self.models for row in stepped[code][1]]
        monthly = pd.DataFrame(rows, columns=["authority", "month", "simulated_adults", *METRIC_NAMES])
        return {code: stepped[code][0] for code in self.models}, monthly

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

    def states(self) -> Iterator[dict]:
        """Each authority's state in turn, in code order, as a partition of one (``Partition(state=[...])``
        merges them): a checkpoint pickles them straight into its file (D-NAT11, D-NAT16)."""
        return (self.state_of(code) for code in sorted(self.models))

    def state_of(self, code: str) -> dict:
        """One authority's state, a partition of one."""
        return {"models": {code: self.models[code]}, "scale": {code: self.scale[code]}}

    def authorities(self) -> list[str]:
        return list(self.models)
