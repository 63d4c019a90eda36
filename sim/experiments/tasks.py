"""One run of the model as a task an executor can run anywhere: the function, the task, and its record.

A run depends only on its parameters, its seed and the number of steps, so it gives the same numbers in this
process, in a process-pool worker or on a Dask cluster. A task never raises: a run that fails comes back as a
record with its error, because a failing run is data about the model, not a reason to stop a batch.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRIC_NAMES
from ..model import MutualStateModel
from .provenance import model_fingerprint

RunFunction = Callable[[dict[str, Any], int, int], pd.DataFrame]


def run_one(params: dict[str, Any], seed: int, steps: int) -> pd.DataFrame:
    """Run the model once and return its metrics: one row per collection (row 0 the initial state, row t the
    state after step t), columns exactly ``METRIC_NAMES``.

    Module-level so that process pools and Dask can pickle it. ``attrs["books_balance"]`` says whether the
    model's stock-flow accounts balance at the end of the run.
    """
    model = MutualStateModel(rng=seed, **params)
    model.run(steps)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.attrs["books_balance"] = bool(model.books_balance()) if hasattr(model, "books_balance") else None
    return frame


@dataclass(frozen=True)
class RunTask:
    """One run of a batch: which condition and replicate it is, its seed and every parameter it is given."""

    run_id: int
    condition: int
    replicate: int
    seed: int
    params: dict[str, Any]  # everything the model is given: fixed parameters and the condition's values


def execute(run_fn: RunFunction, task: RunTask, steps: int) -> dict[str, Any]:
    """Run one task where the executor puts it; never raises: failures come back as records."""
    start = time.perf_counter()
    out: dict[str, Any] = {"run_id": task.run_id, "values": None, "error": "", "traceback": "",
                           "books_balance": None, "pid": os.getpid(), "model_code": model_fingerprint()}
    try:
        frame = run_fn(dict(task.params), task.seed, steps)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"the run function returned {type(frame).__name__}, not a pandas DataFrame")
        if len(frame) != steps + 1:
            raise ValueError(f"the model returned {len(frame)} rows for {steps} steps; expected {steps + 1} "
                             f"(the initial state and one row per step)")
        missing = [m for m in METRIC_NAMES if m not in frame.columns]
        if missing:
            raise ValueError(f"the model's results lack the metrics {', '.join(missing)}")
        values = frame[list(METRIC_NAMES)].to_numpy(dtype=np.float64)  # cheaper to ship than a frame
        undefined = ~np.isfinite(values)
        if undefined.any():  # never a silent NaN in an "ok" run (ODD §8)
            month, j = np.argwhere(undefined)[0]
            raise ValueError(f"metric {METRIC_NAMES[j]} is not finite ({values[month, j]}) in month {month}: "
                             f"undefined for these parameters")
        out["books_balance"] = frame.attrs.get("books_balance")
        out["values"] = values
    except Exception as e:  # a failing run is data about the model, not a reason to stop the batch
        out["error"] = f"{type(e).__name__}: {e}"
        out["traceback"] = traceback.format_exc(limit=20)
    out["seconds"] = time.perf_counter() - start
    return out


def execute_chunk(run_fn: RunFunction, tasks: list[RunTask], steps: int) -> list[dict[str, Any]]:
    """Run several tasks in one submission (each still recorded on its own)."""
    return [execute(run_fn, task, steps) for task in tasks]
