"""The batch runner: every condition x replicate of a scenario, on any ``concurrent.futures.Executor``.

Reproducibility. Replicate k of every condition runs with the same seed (common random numbers), spawned from
the scenario's root seed with ``numpy.random.SeedSequence``; the seed is stored on every result row. A run
depends only on its parameters, its seed and the number of steps, so the tables are bit-identical whichever
executor runs them and in whatever order the runs finish (rows are sorted by run id).

Robustness. A run that raises is recorded with its error and the batch goes on. Results are streamed to the
store as runs finish; an interrupted batch (Ctrl-C, SIGTERM, or the process killed) resumes when started again
with the same scenario and folder: finished runs are neither lost nor recomputed; failed runs are retried.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import multiprocessing
import os
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRIC_NAMES
from ..parameters import REGISTRY, defaults
from .designs import DesignPoints, build_design, replicate_seeds
from .schema import Scenario, load_scenario
from .store import ResultsRepaired, ResultsStore, StorageError, model_fingerprint, read_snapshot, tidy_runs

RunFunction = Callable[[dict[str, Any], int, int], pd.DataFrame]


class BatchInterrupted(KeyboardInterrupt):
    """The batch was stopped (Ctrl-C or SIGTERM) after saving every finished run; run it again to resume."""


class ExecutorBroken(RuntimeError):
    """The executor stopped accepting work (a worker process died); finished runs are saved."""


# ------------------------------------------------------------------------------------------------ one run
def run_one(params: dict[str, Any], seed: int, steps: int) -> pd.DataFrame:
    """Run the model once and return its metrics: one row per collection (row 0 the initial state, row t the
    state after step t), columns exactly ``METRIC_NAMES``.

    Module-level so that process pools and Dask can pickle it. ``attrs["books_balance"]`` says whether the
    model's stock-flow accounts balance at the end of the run.
    """
    from ..model import MutualStateModel

    model = MutualStateModel(rng=seed, **params)
    model.run(steps)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.attrs["books_balance"] = bool(model.books_balance()) if hasattr(model, "books_balance") else None
    return frame


@dataclass(frozen=True)
class RunTask:
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


# ------------------------------------------------------------------------------------------------ the plan
@dataclass
class BatchPlan:
    """Everything a batch will run, derived from the scenario alone."""

    scenario: Scenario
    design: DesignPoints
    seeds: list[int]
    tasks: list[RunTask]
    columns: dict[str, str]  # varied parameter -> how its values are stored ("json" or "value")

    def id_columns(self, task: RunTask) -> dict[str, Any]:
        row = {"run_id": task.run_id, "condition": task.condition, "replicate": task.replicate,
               "seed": task.seed}
        point = self.design.point[task.condition]
        if point is not None:
            row["point"] = point
        cond = self.design.conditions[task.condition]
        for name, how in self.columns.items():
            row[name] = encode_value(_value_in(cond, self.scenario, name), how)
        return row

    def header(self) -> dict[str, Any]:
        s, d = self.scenario, self.design
        return {
            "design": {
                "kind": s.design.kind, "conditions": len(d), "replicates": s.replicates, "runs": len(self.tasks),
                "steps": s.steps, "varied": list(self.columns), "sampled": d.sampled, "factors": d.factors,
            },
            "seeds": {"root": s.seed, "method": "numpy.random.SeedSequence(root).spawn(replicates); replicate k "
                      "uses child k in every condition (common random numbers)", "replicates": self.seeds},
            "parameters": _jsonable({**defaults(), **{k: REGISTRY[k].validate(v) for k, v in s.params.items()}}),
        }


def _value_in(cond: dict[str, Any], scenario: Scenario, name: str) -> Any:
    """A varied parameter's value in a condition; conditions of a list design that leave it out get the
    scenario's fixed value or the registry default."""
    if name in cond:
        return cond[name]
    value = scenario.params.get(name, REGISTRY[name].default)
    if isinstance(value, tuple) and REGISTRY[name].kind == "size" and value[0] == value[1]:
        return value[0]
    return value


def encode_value(value: Any, how: str) -> Any:
    if how == "json":
        import json

        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return value


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def plan_batch(scenario: Scenario) -> BatchPlan:
    design = build_design(scenario)
    seeds = replicate_seeds(scenario.seed, scenario.replicates)
    varied = scenario.varied
    columns = {}
    for name in varied:
        values = [_value_in(c, scenario, name) for c in design.conditions]
        columns[name] = "json" if any(isinstance(v, (list, tuple, dict)) for v in values) else "value"
    tasks = []
    R = scenario.replicates
    for c, cond in enumerate(design.conditions):
        overrides = {**scenario.params, **cond}
        params = {k: REGISTRY[k].validate(v) for k, v in overrides.items()}
        for r in range(R):
            tasks.append(RunTask(c * R + r, c, r, seeds[r], params))
    return BatchPlan(scenario, design, seeds, tasks, columns)


# ------------------------------------------------------------------------------------------------ results
@dataclass
class BatchResult:
    """The results of a batch: ``runs`` (one row per run, final metrics) and ``timeseries`` (run x step)."""

    scenario: Scenario
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def failures(self) -> pd.DataFrame:
        if "status" not in self.runs:
            return self.runs
        return self.runs[self.runs["status"] != "ok"]

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def complete(self) -> bool:
        return len(self.ok) == self.scenario.replicates * len(build_design(self.scenario))

    # Shortcuts for notebooks; the functions live in sim.experiments.analysis.
    def outcomes(self, window: int | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
        """One row per successful run: ids, varied parameters, and each metric's mean over its last months."""
        from .analysis import outcomes

        return outcomes(self, window, metrics)

    def summary(self, by: list[str] | None = None, metrics: list[str] | None = None,
                window: int | None = None) -> pd.DataFrame:
        """Mean, s.d. and 95% CI of each metric per condition (default: per value of the varied factors)."""
        from .analysis import summarise

        table = self.outcomes(window, metrics)
        by = by if by is not None else [c for c in self.scenario.varied
                                        if c not in self.scenario.sampled and c in table.columns]
        return summarise(table, by, [m for m in (metrics or METRIC_NAMES) if m in table.columns])

    def timeseries_summary(self, by: list[str] | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
        """Mean and 95% CI band of each metric per month and condition (default: per value of the varied
        factors), over replicates: what the time-series figures draw."""
        from .analysis import timeseries_summary

        ts = self.timeseries
        by = by if by is not None else [c for c in self.scenario.varied
                                        if c not in self.scenario.sampled and c in ts.columns]
        return timeseries_summary(ts, by, [m for m in (metrics or METRIC_NAMES) if m in ts.columns])

    def compare(self, factor: str | None = None, baseline: Any = None, metrics: list[str] | None = None,
                window: int | None = None) -> pd.DataFrame:
        """Paired comparisons of each level of ``factor`` (default: the scenario's) with ``baseline``, on common
        random numbers, within each combination of the other factors."""
        from .analysis import AnalysisError, paired_comparisons

        factor = factor or self.scenario.compare
        if factor is None:
            raise AnalysisError("the design varies no factor to compare; name one")
        table = self.outcomes(window, metrics)
        blocks = [c for c in self.scenario.varied if c not in self.scenario.sampled and c != factor]
        ms = [m for m in (metrics or METRIC_NAMES) if m in table.columns]
        return paired_comparisons(table, factor, ms, baseline=baseline, blocks=blocks)


def load_results(path: str | Path) -> BatchResult:
    """Read a results folder written by :func:`run_batch` (complete, or interrupted: what was saved).

    What is read is verified: every data file against the checksum recorded when it was written, and every
    finished run for its whole time series; damage raises :class:`~sim.experiments.store.DamagedResults`
    naming the files. Safe to call while a batch writes to the folder (a consistent snapshot is read).
    """
    from ..arguments import path as path_argument
    from .schema import ScenarioError, scenario_from_dict
    from .store import ResultsError

    path = path_argument("path", path)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such folder; expected a results folder written by a batch")
    manifest, runs, timeseries = read_snapshot(path)
    try:
        scenario = scenario_from_dict(manifest["scenario"], f"{path / 'manifest.json'}: scenario")
    except ScenarioError as e:
        raise ResultsError(str(e)) from None
    return BatchResult(scenario, runs, timeseries, manifest, path)


# ------------------------------------------------------------------------------------------------ execution
class _MemoryStore:
    """The store's interface without the files, for batches that are only looked at (``save=False``)."""

    def __init__(self, header):
        self.header = header
        self.runs: list[dict[str, Any]] = []
        self.ts: list[pd.DataFrame] = []
        self.manifest: dict[str, Any] = dict(header)

    def open(self, executor_label: str = "serial") -> None:
        self.manifest["executor"] = executor_label

    def finished_ids(self) -> set[int]:
        return set()

    def failed_ids(self) -> set[int]:
        return set()

    def add(self, row, ts) -> None:
        self.runs.append(row)
        if ts is not None:
            self.ts.append(ts)

    def pending(self) -> int:
        return 0

    def flush(self, status: str = "running", wall_seconds: float | None = None) -> None:
        pass

    def finalise(self, wall_seconds: float | None = None, status: str | None = None) -> None:
        self.manifest["wall_seconds"] = wall_seconds

    def close(self) -> None:
        pass


def default_out(scenario: Scenario) -> Path:
    return Path("results") / scenario.name


def run_batch(
    scenario: Scenario | str | Path,
    executor: cf.Executor | None = None,
    out: str | Path | None = None,
    *,
    save: bool = True,
    fresh: bool = False,
    allow_model_change: bool = False,
    rerun_if_model_changed: bool = False,
    retry_failed: bool = True,
    progress: bool | Callable[[int, int], None] = True,
    flush_seconds: float = 1.0,
    max_in_flight: int | None = None,
    chunk: int | None = None,
    run_fn: RunFunction = run_one,
    executor_label: str | None = None,
) -> BatchResult:
    """Run every condition x replicate of ``scenario`` and return the results.

    ``executor``: any ``concurrent.futures.Executor`` (a process pool, ``dask.distributed.Client.get_executor()``,
    ...); None runs serially in this process. ``out``: the results folder (default ``results/<name>/``); with
    ``save=False`` nothing is written. A folder that already holds part of this scenario's runs is resumed;
    ``fresh=True`` discards it first; a folder whose runs were made by other model code is refused unless
    ``allow_model_change=True`` (resume anyway) or ``rerun_if_model_changed=True`` (start again, as if
    ``fresh``, only then; it also starts again where the folder holds an edited version of this scenario, same
    name, other numbers, which is otherwise refused). ``run_fn(params, seed, steps) -> DataFrame`` replaces the model (it must be
    picklable for process pools). ``chunk`` runs travel in one submission (default: adapted so that each
    carries ~0.1 s of work, which matters only for very short runs). Ctrl-C or SIGTERM stop the batch after saving what finished
    (:class:`BatchInterrupted`); running it again resumes. ``progress``: a bar on a terminal (True), none (False), or
    a function called as ``progress(done, total)`` after every run (a dashboard's progress bar); an exception it
    raises stops the batch like Ctrl-C, keeping what finished, and propagates.
    """
    _check_batch_arguments(executor, save=save, fresh=fresh, allow_model_change=allow_model_change,
                           rerun_if_model_changed=rerun_if_model_changed, retry_failed=retry_failed,
                           progress=progress, flush_seconds=flush_seconds, max_in_flight=max_in_flight, chunk=chunk,
                           run_fn=run_fn, out=out)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    plan = plan_batch(scenario)
    path = Path(out) if out is not None else default_out(scenario)
    label = executor_label or describe_executor(executor)
    store = (ResultsStore(path, scenario, plan.header(), fresh=fresh, allow_model_change=allow_model_change,
                          rerun_if_model_changed=rerun_if_model_changed)
             if save else _MemoryStore(plan.header()))
    store.open(label)
    for message in getattr(store, "repairs", []):
        warnings.warn(message, ResultsRepaired, stacklevel=2)
    try:
        skip = store.finished_ids() if retry_failed else store.finished_ids() | store.failed_ids()
        todo = [t for t in plan.tasks if t.run_id not in skip]
        start = time.perf_counter()
        try:
            _drive(plan, todo, executor, store, run_fn, progress, flush_seconds, max_in_flight,
                   already=len(plan.tasks) - len(todo), chunk=chunk)
        except KeyboardInterrupt:
            store.flush("interrupted", time.perf_counter() - start)
            raise BatchInterrupted("interrupted; every finished run is saved") from None
        except StorageError:
            with contextlib.suppress(StorageError):  # the disk may have room for the manifest's status
                store.flush("interrupted", time.perf_counter() - start)
            raise
        except BaseException:
            store.flush("interrupted", time.perf_counter() - start)  # keep what finished, whatever went wrong
            raise
        store.finalise(time.perf_counter() - start)
    finally:
        store.close()
    if save:
        return load_results(path)
    runs = tidy_runs(pd.DataFrame(store.runs).sort_values("run_id").reset_index(drop=True))
    ts = blocks_to_frame(store.ts)
    if len(ts):
        ts = ts.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
    return BatchResult(scenario, runs, ts, store.manifest, None)


def _check_batch_arguments(executor, *, out, run_fn, max_in_flight, chunk, flush_seconds, **flags) -> None:
    """run_batch's arguments, checked before anything is planned or written."""
    from ..arguments import flag, path, positive_number, whole_number

    progress = flags.pop("progress", False)
    if not callable(progress):  # a bar (True), none (False), or a function progress(done, total)
        flag("progress", progress)
    for name, value in flags.items():
        flag(name, value)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        from ..parameters import ParameterError

        raise ParameterError(f"executor: {type(executor).__name__} is not allowed; expected a "
                             f"concurrent.futures.Executor (or None to run serially)")
    if not callable(run_fn):
        from ..parameters import ParameterError

        raise ParameterError(f"run_fn: {run_fn!r} is not allowed; expected a function (params, seed, steps)")
    if out is not None:
        p = path("out", out)
        if p.exists() and not p.is_dir():
            from .store import ResultsError

            raise ResultsError(f"{p}: is a file; expected a results folder (new or existing)")
    if max_in_flight is not None:
        whole_number("max_in_flight", max_in_flight, 1)
    if chunk is not None:
        whole_number("chunk", chunk, 1, MAX_CHUNK)
    positive_number("flush_seconds", flush_seconds, allow_zero=True)


def _drive(plan: BatchPlan, todo: list[RunTask], executor, store, run_fn, progress, flush_seconds,
           max_in_flight, already: int, chunk: int | None = None) -> None:
    from tqdm.auto import tqdm

    steps = plan.scenario.steps
    # disable=None: a bar on a terminal, silence in a log file
    report = progress if callable(progress) else None
    bar = tqdm(total=len(plan.tasks), initial=already, desc=plan.scenario.name, unit="run",
               disable=True if report or not progress else None, dynamic_ncols=True, smoothing=0.05)
    failed = 0
    done = already
    last_flush = time.perf_counter()
    start = last_flush
    try:
        for record in _results(todo, executor, run_fn, steps, max_in_flight, chunk):
            row, ts = _to_rows(plan, record)
            store.add(row, ts)
            failed += row["status"] != "ok"
            bar.update(1)
            done += 1
            if report is not None:
                report(done, len(plan.tasks))
            if failed:
                bar.set_postfix(failed=failed, refresh=False)
            now = time.perf_counter()
            if now - last_flush >= flush_seconds:
                store.flush("running", now - start)
                last_flush = now
    finally:
        bar.close()


# Each submission should carry at least this much work: per-task overhead is ~0.3 ms in a process pool and
# 2-4 ms on Dask (FACTS.md), so short runs are shipped in chunks.
TARGET_TASK_SECONDS = 0.1
MAX_CHUNK = 64


def execute_chunk(run_fn: RunFunction, tasks: list[RunTask], steps: int) -> list[dict[str, Any]]:
    """Run several tasks in one submission (each still recorded on its own)."""
    return [execute(run_fn, task, steps) for task in tasks]


def _results(todo: list[RunTask], executor, run_fn, steps: int, max_in_flight: int | None,
             chunk: int | None = None) -> Iterator[dict]:
    """Yield each task's record as it finishes, keeping at most ``max_in_flight`` submissions out.

    ``chunk`` runs go in one submission; None adapts it: one at first, then enough runs to make about
    TARGET_TASK_SECONDS of work, judged from the runs finished so far. Chunking changes only how runs travel,
    never their results.
    """
    if executor is None:  # one worker, this process: single-threaded like every pool worker, restored after
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            for task in todo:
                yield execute(run_fn, task, steps)
        return
    workers = _worker_count(executor)
    window = max_in_flight or max(16, 4 * workers)
    queue = iter(todo)
    in_flight: dict[cf.Future, list[RunTask]] = {}
    broken: BaseException | None = None
    seconds: list[float] = []
    size = chunk or 1

    def submit() -> bool:
        nonlocal broken
        batch = list(itertools.islice(queue, size))
        if not batch:
            return False
        try:
            in_flight[executor.submit(execute_chunk, run_fn, batch, steps)] = batch
        except (cf.BrokenExecutor, RuntimeError) as e:  # a dead pool, or one shut down under us
            broken = e
            return False
        return True

    try:
        while len(in_flight) < window and submit():
            pass
        while in_flight:  # after a breakdown, drain what was submitted so every outcome is recorded
            done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                batch = in_flight.pop(fut)
                if not fut.cancelled() and isinstance(fut.exception(), cf.BrokenExecutor):
                    broken = broken or fut.exception()  # the pool is dead even if nothing is left to submit
                for record in _future_records(fut, batch):
                    seconds.append(record["seconds"])
                    yield record
                if chunk is None and len(seconds) >= 2 * workers:
                    typical = sorted(seconds)[len(seconds) // 2]
                    size = max(1, min(MAX_CHUNK, int(TARGET_TASK_SECONDS / max(typical, 1e-6))))
                if not broken:
                    submit()
    finally:
        for fut in in_flight:
            fut.cancel()
    if broken is not None:
        raise ExecutorBroken(f"the executor stopped accepting runs ({type(broken).__name__}: {broken}); a worker "
                             f"may have run out of memory or crashed. Finished runs are saved; run the batch again "
                             f"to resume") from broken


def _future_records(fut: cf.Future, batch: list[RunTask]) -> list[dict[str, Any]]:
    """The records of a submission; if the worker died or it could not be shipped, a failure record per run."""
    try:
        return fut.result()
    except Exception as e:
        tb = traceback.format_exc(limit=20)
        return [{"run_id": task.run_id, "values": None, "error": f"worker failure: {type(e).__name__}: {e}",
                 "traceback": tb, "books_balance": None, "pid": None, "seconds": 0.0, "model_code": ""}
                for task in batch]


def _to_rows(plan: BatchPlan, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The run's row of the runs table, and its block of time-series columns (None if it failed)."""
    task = plan.tasks[record["run_id"]]
    ids = plan.id_columns(task)
    values = record["values"]
    ok = values is not None
    row = {**ids, "status": "ok" if ok else "failed", "error": record["error"], "traceback": record["traceback"],
           "seconds": float(record["seconds"]),
           "books_balance": record["books_balance"] if record["books_balance"] is not None else pd.NA,
           "model_code": record.get("model_code") or ""}
    for j, m in enumerate(METRIC_NAMES):
        row[m] = float(values[-1, j]) if ok else float("nan")
    if not ok:
        return row, None
    n = len(values)
    block: dict[str, Any] = {k: np.full(n, v) if not isinstance(v, str) else np.array([v] * n, dtype=object)
                             for k, v in ids.items()}
    block["step"] = np.arange(n, dtype=np.int64)
    for j, m in enumerate(METRIC_NAMES):
        block[m] = values[:, j]
    return row, block


def blocks_to_frame(blocks: list[dict[str, Any]]) -> pd.DataFrame:
    """Join per-run blocks of columns into one time-series table (one pandas construction per flush)."""
    if not blocks:
        return pd.DataFrame()
    return pd.DataFrame({k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


def _worker_count(executor) -> int:
    for attr in ("_max_workers",):
        n = getattr(executor, attr, None)
        if isinstance(n, int):
            return n
    client = getattr(executor, "_client", None)
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    return os.cpu_count() or 1


def describe_executor(executor) -> str:
    if executor is None:
        return "serial"
    n = _worker_count(executor)
    return f"{type(executor).__name__}({n} workers)"


# ------------------------------------------------------------------------------------------------ executors
_THREAD_LIMITS = None


def one_thread_per_worker() -> None:
    """Keep each worker's NumPy/BLAS to one thread: N workers on N cores, not N x N threads.

    Measured on 2 cores: two workers with two OpenBLAS threads each ran short runs 2.5x slower than alone
    (parallel efficiency 0.64-0.77); with one thread each, 0.97. Dask's nanny does the same for its workers.
    """
    global _THREAD_LIMITS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # for libraries loaded later
    from threadpoolctl import threadpool_limits

    _THREAD_LIMITS = threadpool_limits(limits=1)  # for those already loaded; kept for the worker's life


PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(main_pid: int) -> None:
    """Make a worker exit when the batch's main process dies, by any signal (SIGKILL included).

    Ctrl-C reaches every process of the terminal's group: workers ignore it and the main process stops the
    pool (no KeyboardInterrupt tracebacks from workers). On Linux the kernel sends SIGKILL when the worker's
    parent (the forkserver, which exits when the main process does) dies; everywhere, a daemon thread checks
    every PARENT_CHECK_SECONDS that the main process is still there and ends the worker otherwise.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    parent = os.getppid()

    def watch() -> None:
        while True:
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # a process we may not signal: it exists
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(PARENT_CHECK_SECONDS)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def worker_initialiser(main_pid: int) -> None:
    """What each process-pool worker does first: one thread, and no life after the batch's main process."""
    one_thread_per_worker()
    exit_with_parent(main_pid)


def process_pool(workers: int | None = None) -> cf.ProcessPoolExecutor:
    """A process pool that does not pay for Mesa's global "spawn" start method (see FACTS.md).

    Workers fork from a forkserver that has already imported the model, so each starts in milliseconds; each
    runs single-threaded and exits when the main process dies (:func:`worker_initialiser`).
    """
    from ..arguments import whole_number

    workers = whole_number("workers", workers, 1, 1024) if workers is not None else os.cpu_count() or 1
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.runner", "pandas", "numpy"])
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker_initialiser,
                                  initargs=(os.getpid(),))


SCHEDULER_SCHEMES = ("tcp", "tls")
CONNECT_SECONDS = 10


def scheduler_address(text: Any) -> tuple[str, str, int]:
    """Check a Dask scheduler address before connecting: (scheme, host, port), or ParameterError naming what
    is wrong. ``host:port`` means ``tcp://host:port``."""
    from urllib.parse import urlsplit

    from ..parameters import ParameterError

    allowed = "an address like tcp://host:8786 (schemes: " + ", ".join(SCHEDULER_SCHEMES) + "; ports 1-65535)"
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(f"scheduler: {text!r} is not allowed; expected {allowed}")
    address = text.strip() if "://" in text else "tcp://" + text.strip()
    parts = urlsplit(address)
    if parts.scheme not in SCHEDULER_SCHEMES:
        raise ParameterError(f"scheduler: {text!r}: the scheme {parts.scheme!r} is not allowed; expected {allowed}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ParameterError(f"scheduler: {text!r} has no host, or more than host:port; expected {allowed}")
    if port is None or not 1 <= port <= 65535:
        raise ParameterError(f"scheduler: {text!r}: the port is missing or not a number from 1 to 65535; "
                             f"expected {allowed}")
    return parts.scheme, parts.hostname, port


def probe_scheduler(host: str, port: int, timeout: float = CONNECT_SECONDS / 2) -> None:
    """Check, within ``timeout`` seconds, that a Dask scheduler answers at host:port (raw TCP).

    A Dask server sends its handshake as soon as a connection opens: one message framed as a uint64 total
    length, a uint64 frame count and a uint64 length per frame. Anything else (an HTTP server waits for a
    request; a silent listener says nothing) is refused with ConnectionError instead of hanging the client.
    """
    import socket
    import struct

    where = f"tcp://{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            head = _recv_exactly(sock, 8)
            (total,) = struct.unpack("<Q", head)
            if not 16 <= total <= 1 << 20:
                raise ConnectionError(f"{where} is not a Dask scheduler (it answered {head!r})")
            body = _recv_exactly(sock, total)
            (frames,) = struct.unpack("<Q", body[:8])
            if not 1 <= frames <= (total - 8) // 8:
                raise ConnectionError(f"{where} is not a Dask scheduler (unexpected handshake)")
            lengths = struct.unpack(f"<{frames}Q", body[8:8 + 8 * frames])
            if sum(lengths) + 8 + 8 * frames != total:
                raise ConnectionError(f"{where} is not a Dask scheduler (unexpected handshake)")
    except TimeoutError:
        raise ConnectionError(f"{where} did not answer as a Dask scheduler within {timeout:g} s (something else "
                              f"listens there, or nothing answers)") from None
    except socket.gaierror as e:
        raise ConnectionError(f"{where}: unknown host ({e.strerror})") from None
    except ConnectionError:
        raise
    except OSError as e:
        raise ConnectionError(f"{where}: cannot connect ({e.strerror or e})") from None


def _recv_exactly(sock, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection; it is not a Dask scheduler")
        data += chunk
    return data


@contextlib.contextmanager
def dask_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor on Dask: a new local cluster, or the scheduler at ``scheduler``."""
    import dask
    from dask.distributed import Client, LocalCluster

    # Dask's default MALLOC_TRIM_THRESHOLD_ in its workers made the model 2.5x slower (FACTS.md).
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    if scheduler:
        scheme, host, port = scheduler_address(scheduler)
        if scheme == "tcp":
            probe_scheduler(host, port)
        try:
            client = Client(f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}",
                            timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as e:
            raise ConnectionError(f"{scheduler}: cannot connect to a Dask scheduler ({e})") from None
        cluster = None
    else:
        # The cluster's processes inherit an ignored SIGINT: Ctrl-C stops the batch in this process, which
        # closes the cluster, instead of printing a KeyboardInterrupt traceback from every worker.
        import signal
        import threading

        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        client = Client(cluster)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
