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
import json
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..arguments import flag, path, positive_number, whole_number
from ..metrics_catalogue import METRIC_NAMES
from ..parameters import REGISTRY, ParameterError, defaults
from .designs import DesignPoints, build_design, replicate_seeds
from .executors import ExecutorBroken, describe_executor, worker_count
from .results import BatchResult, load_results
from .schema import Scenario, load_scenario
from .store import ResultsError, ResultsRepaired, ResultsStore, StorageError, blocks_to_frame, tidy_runs
from .tasks import RunFunction, RunTask, execute, execute_chunk, run_one


class BatchInterrupted(KeyboardInterrupt):
    """The batch was stopped (Ctrl-C or SIGTERM) after saving every finished run; run it again to resume."""


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
        """The columns that identify a run in the tables: ids, seed, design point and varied values."""
        row = {"run_id": task.run_id, "condition": task.condition, "replicate": task.replicate,
               "seed": task.seed}
        if self.scenario.posterior_draws:
            row["posterior_draw"] = task.replicate % self.scenario.posterior_draws
        point = self.design.point[task.condition]
        if point is not None:
            row["point"] = point
        cond = self.design.conditions[task.condition]
        for name, how in self.columns.items():
            row[name] = encode_value(_value_in(cond, self.scenario, name), how)
        return row

    def header(self) -> dict[str, Any]:
        """What the manifest records about the plan: the design, the seeds and every parameter in force."""
        scenario, design = self.scenario, self.design
        return {
            "design": {
                "kind": scenario.design.kind, "conditions": len(design), "replicates": scenario.replicates, "runs": len(self.tasks),
                "steps": scenario.steps, "varied": list(self.columns), "sampled": design.sampled, "factors": design.factors,
            },
            "seeds": {"root": scenario.seed, "method": "numpy.random.SeedSequence(root).spawn(replicates); replicate k "
                      "uses child k in every condition (common random numbers)", "replicates": self.seeds},
            "parameters": _jsonable({**defaults(), **{k: REGISTRY[k].validate(v) for k, v in scenario.params.items()}}),
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
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return value


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def plan_batch(scenario: Scenario) -> BatchPlan:
    """Every run of a scenario, in run-id order: its condition, replicate, seed and full parameters."""
    design = build_design(scenario)
    seeds = replicate_seeds(scenario.seed, scenario.replicates)
    varied = scenario.varied
    columns = {}
    for name in varied:
        values = [_value_in(c, scenario, name) for c in design.conditions]
        columns[name] = "json" if any(isinstance(v, (list, tuple, dict)) for v in values) else "value"
    from ..estimation.draws import posterior_parameters  # here: sim.estimation reads the experiments' store

    tasks = []
    replicates = scenario.replicates
    draws = posterior_parameters(scenario.posterior, scenario.posterior_draws, scenario.seed) \
        if scenario.posterior_draws else [{}]  # replicate r runs at draw r mod N (sim.estimation.draws)
    for c, cond in enumerate(design.conditions):
        overrides = {**scenario.params, **cond}
        params = {k: REGISTRY[k].validate(v) for k, v in overrides.items()}
        for r in range(replicates):
            tasks.append(RunTask(c * replicates + r, c, r, seeds[r], {**draws[r % len(draws)], **params}))
    return BatchPlan(scenario, design, seeds, tasks, columns)


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
    progress = flags.pop("progress", False)
    if not callable(progress):  # a bar (True), none (False), or a function progress(done, total)
        flag("progress", progress)
    for name, value in flags.items():
        flag(name, value)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ParameterError(f"executor: {type(executor).__name__} is not allowed; expected a "
                             f"concurrent.futures.Executor (or None to run serially)")
    if not callable(run_fn):
        raise ParameterError(f"run_fn: {run_fn!r} is not allowed; expected a function (params, seed, steps)")
    if out is not None:
        out_path = path("out", out)
        if out_path.exists() and not out_path.is_dir():
            raise ResultsError(f"{out_path}: is a file; expected a results folder (new or existing)")
    if max_in_flight is not None:
        whole_number("max_in_flight", max_in_flight, 1)
    if chunk is not None:
        whole_number("chunk", chunk, 1, MAX_CHUNK)
    positive_number("flush_seconds", flush_seconds, allow_zero=True)


def _drive(plan: BatchPlan, todo: list[RunTask], executor, store, run_fn, progress, flush_seconds,
           max_in_flight, already: int, chunk: int | None = None) -> None:
    """Run the tasks, store each record as it arrives, flush on a timer, and keep the progress bar honest."""
    from tqdm.auto import tqdm  # on first use: it looks for IPython, which `import sim` should not pay for

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
# 2-4 ms on Dask (measured on 2 cores), so short runs are shipped in chunks.
TARGET_TASK_SECONDS = 0.1
MAX_CHUNK = 64


def _results(todo: list[RunTask], executor, run_fn, steps: int, max_in_flight: int | None,
             chunk: int | None = None) -> Iterator[dict]:
    """Yield each task's record as it finishes, keeping at most ``max_in_flight`` submissions out.

    ``chunk`` runs go in one submission; None adapts it: one at first, then enough runs to make about
    TARGET_TASK_SECONDS of work, judged from the runs finished so far. Chunking changes only how runs travel,
    never their results.
    """
    if executor is None:  # one worker, this process: single-threaded like every pool worker, restored after
        with threadpool_limits(limits=1):
            for task in todo:
                yield execute(run_fn, task, steps)
        return
    workers = worker_count(executor)
    window = max_in_flight or max(16, 4 * workers)
    queue = iter(todo)
    in_flight: dict[cf.Future, list[RunTask]] = {}
    broken: BaseException | None = None
    seconds: list[float] = []
    size = chunk or 1

    def submit() -> bool:
        """Send the next chunk of tasks; False when none is left or the executor refused it."""
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
    months = len(values)
    block: dict[str, Any] = {k: np.full(months, v) if not isinstance(v, str) else np.array([v] * months, dtype=object)
                             for k, v in ids.items()}
    block["step"] = np.arange(months, dtype=np.int64)
    for j, m in enumerate(METRIC_NAMES):
        block[m] = values[:, j]
    return row, block
