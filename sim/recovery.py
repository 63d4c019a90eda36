"""How fast services follow a shift in needs (ODD §8): the recovery half-life of ``responsiveness`` after a need
shock at a steady state, per regime, on common random numbers.

``scenarios/need_shock.toml`` measures the same in a batch, with its report; this is the direct route from
Python, ``sim.recovery_half_life()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .comparison import BURN_IN_MONTHS, COMPARED_REGIMES, STEADY_STATE_MONTHS
from .experiments.analysis import shock_response
from .model import MutualStateModel

#: Needs shift at a steady state: at the first fiscal year's end after the burn-in (month 192, year 16).
SHOCK_MONTH = BURN_IN_MONTHS + 12

#: Each run's responsiveness over the 12 months before the shock is its baseline (``shock_response``).
BASELINE_MONTHS = 12


def need_shock_paths(regimes: Iterable[str] = COMPARED_REGIMES, seeds: Iterable[int] = range(1, 4),
                     shock_month: int = SHOCK_MONTH, steps: int = STEADY_STATE_MONTHS,
                     **params: Any) -> pd.DataFrame:
    """Responsiveness month by month of one run per regime and seed, needs shifting in ``shock_month``
    (``need_shock_size`` and ``need_shock_share`` from ``params`` or the registry). Replicate k of every
    regime faces the same population and the same shift (common random numbers, ODD §7.14)."""
    frames = []
    for regime in regimes:
        for seed in seeds:
            model = MutualStateModel(regime=regime, rng=seed, **{**params, "need_shock_month": shock_month})
            frame = model.run(steps)[["responsiveness"]].rename_axis("step").reset_index()
            frames.append(frame.assign(run_id=f"{regime}/{seed}", regime=regime, seed=seed))
    return pd.concat(frames, ignore_index=True)


def recovery_half_life(regimes: Iterable[str] = COMPARED_REGIMES, seeds: Iterable[int] = range(1, 4),
                       shock_month: int = SHOCK_MONTH, steps: int = STEADY_STATE_MONTHS,
                       **params: Any) -> pd.DataFrame:
    """How fast each regime's services follow a shift in needs: one row per regime with the mean over seeds of
    the **half-life** (months from the shift until responsiveness has regained half of its drop; runs that
    never regain it within ``steps`` are left out of the mean and counted under ``recovered``), the **drop**
    below the baseline of the 12 months before and the **loss** (responsiveness-months lost after the shift,
    depth times duration). The per-run figures are ``analysis.shock_response`` of ``need_shock_paths``."""
    regimes = tuple(regimes)
    paths = need_shock_paths(regimes, seeds, shock_month, steps, **params)
    runs = shock_response(paths, shock_month, "responsiveness", before=BASELINE_MONTHS)
    runs = runs.join(paths.drop_duplicates("run_id").set_index("run_id")[["regime", "seed"]], on="run_id")
    summary = runs.groupby("regime").agg(
        half_life=("half_recovery", "mean"), half_life_sd=("half_recovery", "std"), drop=("drop", "mean"),
        loss=("loss", "mean"), baseline=("baseline", "mean"), recovered=("recovered", "sum"),
        runs=("run_id", "count"))
    return summary.reindex(list(regimes)).reset_index()
