"""The comparison the Compare page runs: the regimes on common random numbers, through ``sim.run_batch``.

The dashboard runs nothing of its own: a comparison is a scenario (one factor, ``regime``) run by the same
batch runner as ``mutual-state batch``, so its numbers are the API's numbers for the same settings and seeds.
What it adds is a progress callback that can stop the batch (Cancel), a process pool kept between runs, and a
map of the units in one run per regime (replicate 1, the same seed as the batch's first replicate).
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import sim

from ..comparison import (
    BURN_IN_MONTHS,
    TODAY,
    Reading,
    outcome_window,
    reading_of,
    reform_scenario,
    replicate_parameters,
    split_package,
)
from ..comparison import comparison_scenario as regimes_scenario
from ..experiments.analysis import paired_comparisons
from ..experiments.executors import process_pool, worker_count
from .burned_in import burned_in_model, run_from_burned_in
from .controls import RunSettings
from .groups import window_means
from .server import WORK_LIMIT_VARIABLE
from .sharing import FairShare

KIND_NAMES = {"StateDepartment": "state", "Contractor": "contractor", "Mutual": "mutual"}


_IDENTS = itertools.count(1)


class Cancelled(Exception):
    """The user stopped the comparison; runs already finished are discarded."""


class ComparisonFailed(RuntimeError):
    """No run of the comparison finished; the message is the model's error in words."""


# ------------------------------------------------------------------------------------------------ scenario
def comparison_scenario(params: dict[str, Any], run: RunSettings) -> sim.Scenario:
    """The comparison as a scenario, as ``mutual-state compare`` builds it (``sim.comparison``): ``regime``
    varied, everything else fixed, or today's services against a package; read over the outcome window; errors
    name the field."""
    if run.against_today:
        return reform_scenario(params, run.regimes[1], run.steps, run.replicates, run.seed, name="dashboard")
    return regimes_scenario(params, run.steps, run.replicates, run.seed, run.regimes, name="dashboard")


def params_of(params: dict[str, Any], run: RunSettings, regime: str) -> dict[str, Any]:
    """The parameters a regime runs with: the page's, or against today, today's settings for today's side."""
    if run.against_today and regime == TODAY:
        return split_package(params)[0]
    return dict(params)


# ------------------------------------------------------------------------------------------------ unit map
@dataclass
class UnitMap:
    """Where the units are and who runs what in each, at one month of one run."""

    month: int
    positions: list[tuple[int, int]]  # (column, row) per unit
    population: list[int]
    sectors: list[str]
    kind: list[list[str]]  # [unit][sector]: "state" | "contractor" | "mutual"
    participation: list[list[float]]  # [unit][sector]: contributors / active users this month
    unit_participation: list[float]  # users-weighted mean over sectors
    failing: list[list[bool]]
    metrics: dict[str, float] = field(default_factory=dict)  # the run's metrics at that month
    groups: pd.DataFrame | None = field(default=None, compare=False)  # by group over the outcome window


def rows_of_unit(model: sim.MutualStateModel, unit: int) -> list[int]:
    """The provider row that serves ``unit`` in each sector (an organisation may serve a catchment of several
    units: ``model.home_row``; without it, one row per sector and unit)."""
    home = getattr(model, "home_row", None)
    if home is not None:
        return [int(rows[unit]) for rows in home]
    frame = model.providers_frame()
    return [int(r) for r in frame.index[frame["unit"] == unit]]


def snapshot(model: sim.MutualStateModel) -> UnitMap:
    """The unit map of a model now, from its public views (``providers_frame`` and its units): for each unit
    and sector, the kind and participation of the organisation that serves it."""
    frame = model.providers_frame()
    n = len(model.units)
    sectors = list(dict.fromkeys(frame["sector"]))
    kinds = [KIND_NAMES.get(k, k.lower()) for k in frame["kind"]]
    part_col, fail_col = frame["participation"].to_numpy(float), frame["failing"].to_numpy(bool)
    served = frame["units_served"].to_numpy(float) if "units_served" in frame else np.ones(len(frame))
    users_per_unit = frame["users"].to_numpy(float) / np.maximum(served, 1.0)
    kind, part, failing, unit_part = [], [], [], []
    for u in range(n):
        rows = rows_of_unit(model, u)
        kind.append([kinds[r] for r in rows])
        part.append([float(part_col[r]) for r in rows])
        failing.append([bool(fail_col[r]) for r in rows])
        w = users_per_unit[rows]
        unit_part.append(float(np.average(part_col[rows], weights=w)) if w.sum() > 0 else 0.0)
    metrics = {k: float(v) for k, v in model.datacollector.get_model_vars_dataframe().iloc[-1].items()}
    return UnitMap(int(model.month), [tuple(u.position) for u in model.units], [int(u.population) for u in model.units],
                   sectors, kind, part, unit_part, failing, metrics)


def run_unit_map(params: dict[str, Any], regime: str, seed: int, steps: int, window: int | None = None) -> UnitMap:
    """One run to its end: its unit map, and its outcomes by group averaged over the last ``window`` months (the
    comparison's outcome window; module-level so that a process pool can run it)."""
    window = outcome_window(steps) if window is None else min(window, steps)
    if steps - window >= BURN_IN_MONTHS:  # from the stored burned-in state, as the batch's runs start
        model = burned_in_model({**params, "regime": regime}, seed)
    else:
        model = sim.MutualStateModel(rng=seed, **{**params, "regime": regime})
    model.run(steps - window - model.month)
    months = []
    for _ in range(window):
        model.step()
        months.append(model.outcomes_by_group())
    found = snapshot(model)
    found.groups = window_means(months) if months else None
    return found


# ------------------------------------------------------------------------------------------------ the comparison
@dataclass
class Comparison:
    """A finished comparison: the batch's results, one unit map per regime, and how long it took."""

    params: dict[str, Any]
    run: RunSettings
    result: sim.BatchResult
    maps: dict[str, UnitMap]
    seconds: float
    preset: str | None = None
    reading: Reading | None = None  # when outcomes were read, and what still drifts
    ident: int = field(default_factory=lambda: next(_IDENTS))  # unique, unlike id(), for caches keyed on it

    @property
    def regimes(self) -> list[str]:
        return list(self.run.regimes)

    @property
    def baseline(self) -> str:
        return self.result.scenario.analysis.baseline

    @property
    def window(self) -> int:
        """The months at the end of each run whose mean is the run's outcome."""
        return self.result.scenario.window

    @property
    def failures(self) -> pd.DataFrame:
        return self.result.failures

    def summary(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Mean, s.d. and 95% CI of each metric's outcome (mean over the outcome window) per regime."""
        return self.result.summary(by=["regime"], metrics=metrics)

    def differences(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Each regime against the baseline, paired on replicates (common random numbers)."""
        table = self.result.outcomes(metrics=metrics)
        measured = [m for m in (metrics or list(sim.METRICS)) if m in table.columns]
        return paired_comparisons(table, "regime", measured, baseline=self.baseline)

    @property
    def groups(self) -> pd.DataFrame:
        """Outcomes by deprivation quintile and sector per regime, over the outcome window of each regime's first
        paired run (the unit map's run): regime, grouping, group, metric, value."""
        frames = [snapshot.groups.assign(regime=regime) for regime, snapshot in self.maps.items()
                  if snapshot.groups is not None]
        if not frames:
            return pd.DataFrame(columns=["regime", "grouping", "group", "metric", "value"])
        return pd.concat(frames, ignore_index=True)[["regime", "grouping", "group", "metric", "value"]]

    def bands(self, metrics: list[str]) -> pd.DataFrame:
        """Monthly means with 95% bands per regime."""
        return self.result.timeseries_summary(["regime"], metrics)


_POOL: cf.ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def shared_pool() -> cf.ProcessPoolExecutor:
    """One process pool for the server's life, built like a batch's (``sim.experiments.executors``): workers
    fork from a forkserver that has imported the model and this module, so a comparison does not pay process
    start-up; each runs single-threaded and exits if the server dies."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = process_pool(preload=("sim", "sim.dashboard.runs"))
        return _POOL


_SHARE: FairShare | None = None
_SHARE_LOCK = threading.Lock()


def fair_share() -> FairShare:
    """The server's one fair share of the pool's workers between comparisons (``sharing``)."""
    global _SHARE
    if _SHARE is None:
        slots = worker_count(shared_pool())
        with _SHARE_LOCK:
            if _SHARE is None:
                _SHARE = FairShare(shared_pool, slots)
    return _SHARE


_WARMED = threading.Event()


def warm_up() -> None:
    """Get the first comparison's one-off costs out of the way (call it once, off the page's thread, when the
    server starts): the pool's forkserver and workers (≈1.5 s), and the statistics the comparison's tables use,
    which ``sim`` imports on first use (scipy.stats, ≈1.5 s). Idempotent."""
    if _WARMED.is_set():
        return
    _WARMED.set()
    import importlib

    pool = shared_pool()
    for fut in [pool.submit(os.getpid) for _ in range(pool._max_workers)]:
        fut.result()
    importlib.import_module("sim.experiments.analysis")
    # the server's speed, for the estimate shown before the first Run: a year of the default district
    start = time.perf_counter()
    pool.submit(run_unit_map, {}, "state", 1, 12, 1).result()
    measure_speed(time.perf_counter() - start, 1, 12, adults_of({}), 1)


def reset_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


Progress = Callable[[float, str], None]  # (fraction done, what is running); may raise Cancelled

#: The most work one comparison or explanation may ask by default, in runs x years (about two minutes of both
#: cores): the largest comparison the page's sliders set (4 regimes x 20 paired runs x 30 years, 2,520) and the
#: explanation of the default comparison (170 runs x 25 years, 4,250) fit; a link that asks for 50 paired runs
#: over 50 years does not. A server can allow more (``mutual-state dashboard --max-run-years``).
DEFAULT_MAX_RUN_YEARS = 12_000


#: Seconds of one worker per adult-month of a run: measured when the server warms up, then from each comparison.
_SECONDS_PER_ADULT_MONTH: list[float] = []


def adults_of(params: dict[str, Any]) -> float:
    """The district's adults, from its number of units and their (mean) size."""
    units = params.get("n_units", sim.REGISTRY["n_units"].default)
    size = params.get("unit_size", sim.REGISTRY["unit_size"].default)
    low, high = (size, size) if not isinstance(size, (list, tuple)) else size
    return float(units) * (float(low) + float(high)) / 2.0


def measure_speed(seconds: float, runs: int, months: int, adults: float, workers: int) -> None:
    """Remember how fast this server ran a comparison (the latest five), for the next estimates."""
    if seconds > 0 and runs * months * adults > 0:
        _SECONDS_PER_ADULT_MONTH.append(seconds * workers / (runs * months * adults))
        del _SECONDS_PER_ADULT_MONTH[:-5]


@dataclass(frozen=True)
class Estimate:
    """The work a comparison asks before it runs: runs, run-years, and how long on this server."""

    runs: int
    run_years: int
    seconds: float | None  # None until the server has measured its speed
    limit: int
    busy: int  # comparisons using the workers now

    @property
    def words(self) -> str:
        """ "18 runs of 25 years (450 run-years of this server's 12,000 a request); about 40 s ..." """
        text = (f"{self.runs} runs of {self.run_years // max(self.runs, 1)} years ({self.run_years:,} run-years; "
                f"this server allows {self.limit:,} a request)")
        if self.run_years > self.limit:
            return text + ": too much for this server. Ask for fewer paired runs or years."
        if self.seconds is not None:
            text += f"; about {_duration(self.seconds)} on this server"
        else:
            text += "; the time shows once this server has measured its speed"
        if self.busy:
            text += (f"; {self.busy} other comparison{'s' if self.busy > 1 else ''} running now share the workers "
                     f"fairly, so it may take longer")
        return text + "."


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def estimate(params: dict[str, Any], run: RunSettings) -> Estimate:
    """What a comparison with these settings asks of the workers and, once the server has measured its speed,
    how long it takes when it has them (the unit maps' runs count: one more per regime)."""
    n_runs = len(run.regimes) * (run.replicates + 1)
    rate = sorted(_SECONDS_PER_ADULT_MONTH)[len(_SECONDS_PER_ADULT_MONTH) // 2] if _SECONDS_PER_ADULT_MONTH else None
    workers = _SHARE.slots if _SHARE is not None else (os.cpu_count() or 1)
    seconds = None if rate is None else rate * n_runs * run.steps * adults_of(params) / workers
    busy = _SHARE.busy_lanes() if _SHARE is not None else 0
    return Estimate(n_runs, n_runs * run.years, seconds, work_limit(), busy)


class TooMuchWork(ValueError):
    """A comparison or explanation asks more of the shared workers than this server allows."""


def work_limit() -> int:
    """The most run-years one comparison may ask on this server (``mutual-state dashboard --max-run-years``)."""
    text = os.environ.get(WORK_LIMIT_VARIABLE, "")
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_MAX_RUN_YEARS


def check_work(runs: int, years: int, what: str = "This comparison") -> None:
    """Refuse, in words, work beyond the server's limit, so that one user cannot hold every worker for hours."""
    limit = work_limit()
    if runs * years > limit:
        raise TooMuchWork(f"{what} asks for {runs:,} runs of {years} years ({runs * years:,} run-years); this "
                          f"server allows at most {limit:,} run-years per request (mutual-state dashboard "
                          "--max-run-years). Ask for fewer paired runs or years.")


def run_comparison(params: dict[str, Any], run: RunSettings, progress: Progress | None = None,
                   executor: cf.Executor | None | str = "pool", preset: str | None = None) -> Comparison:
    """Run the comparison: every regime x replicate on common random numbers, then a unit map per regime.

    ``progress(fraction, words)`` is called after each run; if it raises (``Cancelled``), the batch stops and
    the exception propagates. ``executor``: "pool" (the shared process pool), None (this thread) or any
    ``concurrent.futures`` executor. Raises ``sim.ScenarioError``/``sim.ParameterError`` for bad settings and
    :class:`ComparisonFailed` when no run finishes.
    """
    start = time.perf_counter()
    check_work(len(run.regimes) * (run.replicates + 1), run.years)  # the unit maps are runs too
    scenario = comparison_scenario(params, run)
    ex = fair_share().lane("comparison") if executor == "pool" else executor
    n_runs = len(run.regimes) * run.replicates
    total = n_runs + len(run.regimes)  # the maps count as runs in the progress bar
    shown = [0.0]

    def report(fraction: float, words: str) -> None:  # never backwards: the maps may finish before the batch
        shown[0] = max(shown[0], fraction)
        if progress is not None:
            progress(shown[0], words)

    report(0.0, f"running {n_runs} runs")
    # The maps' runs go to the pool first, so that they run beside the batch's and no worker idles at the end;
    # their seed is the batch's first replicate's.
    seed, draw = scenario.replicate_seeds[0], replicate_parameters(scenario, 0)  # its posterior draw too, if any
    futures = {} if ex is None else {ex.submit(run_unit_map, {**draw, **params_of(params, run, regime)}, regime,
                                               seed, run.steps): regime
                                     for regime in run.regimes}
    try:
        def on_run(done: int, _total: int) -> None:
            report((done + sum(f.done() for f in futures)) / total, f"{done} of {n_runs} runs")

        try:
            result = sim.run_batch(scenario, executor=ex, save=False, progress=on_run, executor_label="dashboard",
                                   run_fn=run_from_burned_in)
        except Exception as e:
            if type(e).__name__ == "ExecutorBroken":
                reset_pool()
            raise
        if result.ok.empty:
            first = result.failures["error"].iloc[0] if len(result.failures) else "no runs"
            raise ComparisonFailed(f"No run finished. The model said: {first}")
        maps: dict[str, UnitMap] = {}
        if ex is None:
            for i, regime in enumerate(run.regimes):
                maps[regime] = run_unit_map({**draw, **params_of(params, run, regime)}, regime, seed, run.steps)
                report((n_runs + i + 1) / total, "unit maps")
        else:
            for fut in cf.as_completed(futures):
                maps[futures[fut]] = fut.result()
                report((n_runs + len(maps)) / total, "unit maps")
    finally:
        for fut in futures:
            fut.cancel()
        if executor == "pool":
            ex.shutdown(wait=False, cancel_futures=True)  # its lane leaves the share
    maps = {r: maps[r] for r in run.regimes}
    reading = reading_of(result)
    seconds = time.perf_counter() - start
    if executor == "pool":
        measure_speed(seconds, total, run.steps, adults_of(params), ex.share.slots)
    return Comparison(dict(params), run, result, maps, seconds, preset, reading)


# ------------------------------------------------------------------------------------------------ cost
COST = "cost_per_capita"


def component_metrics(whole: str = COST) -> list[str]:
    """The metrics the public catalogue (``sim.METRICS``) declares as additive parts of ``whole``, in its order."""
    return [name for name, m in sim.METRICS.items() if m.part_of == whole]


def component_label(metric: str) -> str:
    """A component's name for people: ``cost_management_overhead`` -> "management overhead"."""
    whole = sim.METRICS[metric].part_of
    prefix = whole.split("_")[0] + "_"
    return (metric[len(prefix):] if metric.startswith(prefix) else metric).replace("_", " ")


def cost_components(comparison: Comparison) -> pd.DataFrame:
    """Public cost per adult a month split into its components, per regime (rows, in the comparison's order),
    each the mean over replicates of the outcome (over the outcome window); the columns, named for people, sum to the
    mean of ``cost_per_capita`` because every component is averaged over the same runs and months."""
    parts = component_metrics()
    summary = comparison.summary(metrics=parts)
    means = summary.pivot_table(index="regime", columns="metric", values="mean").reindex(comparison.regimes)
    out = means[parts].copy()
    out.columns = [component_label(m) for m in parts]
    out.columns.name = None
    out.index.name = "regime"
    return out
