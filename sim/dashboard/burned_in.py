"""Burned-in states kept on disk, so that a comparison asked again starts its runs at the steady state.

A run read at the steady state spends its first ``BURN_IN_MONTHS`` (fifteen years) reaching it. The model after
those months depends only on its parameters, its seed and the model's code, so it is pickled once per (parameters,
seed, model code) and a later run with the same three continues from the stored model instead of running the
burn-in again. A model restored from its pickle carries its random generators' states and its data collector,
so the continued run is bit-identical to a fresh one (``tests/test_dashboard.py`` checks it). The store is a
folder of this machine's cache (``MUTUAL_STATE_BURNED_IN`` names another, or ``off``); the oldest states are
removed past ``KEEP`` files.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.comparison import BURN_IN_MONTHS

from ..experiments.provenance import model_fingerprint

STORE_VARIABLE = "MUTUAL_STATE_BURNED_IN"
KEEP = 400  # stored states (a default district's is about 0.5 MB)


def store_folder() -> Path | None:
    """Where burned-in states are kept, or None when the store is switched off."""
    setting = os.environ.get(STORE_VARIABLE, "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mutual-state" / "burned-in"


def state_key(params: dict[str, Any], seed: int) -> str:
    """The name of a burned-in state: a hash of the parameters, the seed, the burn-in and the model's code."""
    text = json.dumps({"params": params, "seed": seed, "months": BURN_IN_MONTHS, "model": model_fingerprint()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def burned_in_model(params: dict[str, Any], seed: int) -> sim.MutualStateModel:
    """The model with these parameters and seed after ``BURN_IN_MONTHS``: from the store when it holds it,
    else run (and stored for next time). A damaged or unreadable state is run again."""
    folder = store_folder()
    path = folder / f"{state_key(params, seed)}.pkl" if folder is not None else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)
            if isinstance(model, sim.MutualStateModel) and model.month == BURN_IN_MONTHS:
                return model
        except Exception:  # a state cut short by a full disk or an older library: run the burn-in again
            pass
    model = sim.MutualStateModel(rng=seed, **params)
    model.run(BURN_IN_MONTHS)
    if path is not None:
        _store(path, model)
    return model


def _store(path: Path, model: sim.MutualStateModel) -> None:
    """Write a state atomically (a reader never sees half a file), then keep the folder to ``KEEP`` states."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        states = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime)
        for old in states[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk: the run goes on without storing
        pass


def run_from_burned_in(params: dict[str, Any], seed: int, steps: int) -> pd.DataFrame:
    """``sim.experiments.tasks.run_one`` (the batch's run function), starting from the stored burned-in state when
    the run is at least as long as the burn-in: the same frame, to the last bit (module-level, so that a process
    pool can run it)."""
    if steps < BURN_IN_MONTHS:
        model = sim.MutualStateModel(rng=seed, **params)
        model.run(steps)
    else:
        model = burned_in_model(params, seed)
        model.run(steps - BURN_IN_MONTHS)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.attrs["books_balance"] = bool(model.books_balance())
    return frame
