"""Drive a national run: plan the country, advance every partition a fiscal year at a time, apply the
couplings, keep what is computed, resume what was interrupted (ODD §9, D-NAT3, D-NAT5).

Where it runs does not change what it computes: the partitions are the same ``Partition`` objects in this
process (one run: one partition of every authority, advanced on threads that take the authorities one at a
time, largest first, by default a thread per usable core, ODD §9 D-NAT12, D-NAT16) or Dask actors on workers (``dask_workers`` for a new local cluster, ``scheduler`` for an existing one); each authority's model sees only its own seed and the couplings, which the driver computes from
the summaries in authority order. After every year the driver writes the year's monthly metrics
(``monthly/year_NNN.parquet``) and, once ``checkpoint_minutes`` have passed since the last (every year with 0),
a checkpoint of every authority (``checkpoint.pkl``), each by an atomic rename; a run started again on the same
folder and settings continues from the checkpoint (D-NAT14).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..arguments import path as path_argument
from ..arguments import positive_number, whole_number
from ..parameters import MAX_MONTHS, ParameterError, validate
from ..sectors import DEFAULT_SECTORS
from .country import DEFAULT_SCALE, plan_country
from .couplings import yearly_couplings
from .files import CheckpointWriter, read_checkpoint, write_checkpoint, write_json, write_parquet
from .partition import Partition
from .report import write_results

MONTHS_PER_YEAR = 12
CHECKPOINT_MINUTES = 10.0  # default: at most this much computing lost to an interruption, a few checkpoints a run


def run_national(out: str | os.PathLike, scale: int = DEFAULT_SCALE, months: int = 300,
                 sectors: Sequence[str] = DEFAULT_SECTORS, seed: int = 1, params: dict[str, Any] | None = None,
                 authorities: Sequence[str] | None = None, dask_workers: int | None = None,
                 scheduler: str | None = None, progress: Callable[[str], None] | None = None,
                 threads: int | None = None, checkpoint_minutes: float = CHECKPOINT_MINUTES) -> dict[str, Any]:
    """Run England (or ``authorities``) for ``months`` months at one simulated adult per ``scale`` real ones;
    write the results to ``out`` (see ``sim.national.report.write_results``) and return the manifest. In this
    process the authorities are advanced on ``threads`` threads, each taking the next authority as it finishes
    one (by default a thread per usable core; the compiled kernels release the interpreter's lock), with the
    same results as one. A checkpoint is written in the first fiscal year that should end (at the last year's
    pace) ``checkpoint_minutes`` or more after the last one (0: every year), by the threads as each authority
    ends its year (D-NAT17): at full scale a checkpoint is gigabytes, while where it is written changes no
    result (D-NAT14)."""
    out = path_argument("out", out)
    checkpoint_minutes = positive_number("checkpoint_minutes", checkpoint_minutes, allow_zero=True)
    threads = whole_number("threads", usable_cores() if threads is None else threads, 1, 1024)
    months = whole_number("months", months, 1, MAX_MONTHS)
    seed = whole_number("seed", seed, 0, 2**63 - 1)
    if params and ({"n_units", "sectors"} & set(params)):
        raise ParameterError("params: n_units and sectors are set by the national run (scale, sectors), not here")
    model_params = {**(params or {}), "sectors": tuple(sectors)}
    validate(model_params)
    plan = plan_country(scale, authorities)
    config = {"scale": scale, "months": months, "seed": seed, "sectors": list(model_params["sectors"]),
              "params": {k: v for k, v in sorted(model_params.items()) if k != "sectors"},
              "authorities": list(plan.index)}
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        previous = json.loads(manifest_path.read_text())
        if previous["config"] != json.loads(json.dumps(config, default=str)):
            raise ParameterError(f"out: {out} holds a national run with other settings; choose a new folder")
        if previous.get("status") == "complete":
            return previous
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    checkpoint = out / "checkpoint.pkl"
    with _partitions(plan, seed, model_params, checkpoint, dask_workers, scheduler, threads) as (parts, year,
                                                                                                couplings):
        where = (f"this process, {parts.threads} thread{'s' if parts.threads > 1 else ''}"
                 if not (dask_workers or scheduler) else (scheduler or f"{dask_workers} Dask workers"))
        write_json(manifest_path, {"config": config, "status": "running", "where": where})
        years = -(-months // MONTHS_PER_YEAR)
        last_saved, last_year = started, None
        for y in range(year, years):
            step = min(MONTHS_PER_YEAR, months - y * MONTHS_PER_YEAR)
            year_started = time.perf_counter()
            # saved in the year that should end (at the last year's pace) checkpoint_minutes or more after the
            # last save; never the last year (the results follow at once), and where it falls changes no number
            saved = y + 1 < years and (checkpoint_minutes == 0 or last_year is not None and (
                year_started + last_year - last_saved >= 60 * checkpoint_minutes))
            writer = CheckpointWriter(checkpoint) if saved and isinstance(parts, _LocalPartitions) else None
            try:
                results = parts.advance(step, couplings, save=writer.add if writer else None)
                summaries = {code: s for summary, _ in results for code, s in summary.items()}
                monthly = pd.concat([frame for _, frame in results], ignore_index=True)
                monthly = monthly.sort_values(["authority", "month"], kind="stable").reset_index(drop=True)
                couplings = yearly_couplings(summaries, plan, model_params["sectors"])
                write_parquet(out / "monthly" / f"year_{y + 1:03d}.parquet", monthly)
                if writer:  # the authorities' states are in it already: the header, then the rename
                    writer.commit({"year": y + 1, "couplings": couplings})
                elif saved:
                    write_checkpoint(checkpoint, {"year": y + 1, "couplings": couplings}, parts.states())
            finally:
                if writer:
                    writer.close()
            now = time.perf_counter()
            last_saved, last_year = (now if saved else last_saved), now - year_started
            say(f"year {y + 1}/{years} done ({now - started:.0f} s{', saved' if saved else ''})")
    wall = time.perf_counter() - started
    manifest = {"config": config, "status": "complete", "where": where, "wall_seconds_this_session": round(wall, 1),
                "peak_rss_mib": round(peak_rss_mib(), 1), "simulated_adults": None}
    manifest["simulated_adults"] = write_results(out, plan, months)
    write_json(manifest_path, manifest)
    checkpoint.unlink(missing_ok=True)
    return manifest


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def peak_rss_mib() -> float:
    """Peak resident memory of this process and of its finished children (Linux: ru_maxrss in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


# ------------------------------------------------------------------------------------------------ partitions
class _LocalPartitions:
    """Every authority in one partition in this process, advanced on its threads: each thread takes the next
    authority, largest first, as it finishes one (D-NAT16), and each authority's model reads only its own
    stream and the couplings, so the threads share nothing and the results are those of one thread."""

    def __init__(self, part: Partition):
        self.parts = [part]
        self.threads = min(part.threads, len(part.models))

    def advance(self, months: int, couplings: dict, save: Callable[[dict], None] | None = None
                ) -> list[tuple[dict, pd.DataFrame]]:
        return [self.parts[0].advance(months, couplings, save)]

    def states(self) -> Iterator[dict]:
        """Each authority's state in turn, to be pickled straight into the checkpoint (D-NAT11)."""
        return self.parts[0].states()


class _DaskPartitions:
    """Partitions as Dask actors, one or more per worker: advanced all at once, gathered in order."""

    def __init__(self, actors: list):
        self.actors = actors

    def advance(self, months: int, couplings: dict, save: None = None) -> list[tuple[dict, pd.DataFrame]]:
        futures = [actor.advance(months, couplings) for actor in self.actors]
        return [future.result() for future in futures]

    def states(self) -> Iterator[bytes]:
        """Each actor's state in turn, fetched as it is written (one in the driver's memory at a time: D-NAT11)."""
        return (actor.state().result() for actor in self.actors)


def split_plan(plan: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    """Authorities into ``parts`` partitions of about equal simulated adults (largest first, to the lightest;
    ties to the lowest index), each kept in code order."""
    loads, members = [0] * parts, [[] for _ in range(parts)]
    for code in plan.sort_values("n_units", ascending=False, kind="stable").index:
        lightest = loads.index(min(loads))
        members[lightest].append(code)
        loads[lightest] += int(plan.loc[code, "n_units"])
    return [plan.loc[sorted(m)] for m in members if m]


@contextlib.contextmanager
def _partitions(plan, seed, params, checkpoint: Path, dask_workers, scheduler,
                threads: int = 1) -> Iterator[tuple[Any, int, dict]]:
    """(partitions, the year to start from, the couplings to apply first): fresh, or from the checkpoint (its
    authorities, however they were grouped when saved, dealt anew: D-NAT16)."""
    saved = read_checkpoint(checkpoint) if checkpoint.exists() else None
    year, couplings = (saved["year"], saved["couplings"]) if saved else (0, {})
    if not (dask_workers or scheduler):  # built on the threads too: each model draws from its own generator
        part = (Partition(state=saved["partitions"], threads=threads) if saved
                else Partition(plan, seed, params, threads=threads))
        yield _LocalPartitions(part), year, couplings
        return
    from ..experiments.executors import dask_client

    with dask_client(dask_workers, scheduler) as client:
        addresses = sorted(client.scheduler_info()["workers"])
        if saved:  # the saved authorities (one partition each, or a run's partitions) dealt to the workers anew
            merged = Partition(state=saved["partitions"])
            futures = [client.submit(Partition, state={"models": {c: merged.models[c] for c in part.index},
                                                       "scale": {c: merged.scale[c] for c in part.index}},
                                     actor=True, workers=[addresses[i % len(addresses)]])
                       for i, part in enumerate(split_plan(plan.loc[list(merged.models)], len(addresses)))]
        else:
            futures = [client.submit(Partition, part, seed, params, actor=True,
                                     workers=[addresses[i % len(addresses)]])
                       for i, part in enumerate(split_plan(plan, len(addresses)))]
        yield _DaskPartitions([f.result() for f in futures]), year, couplings
