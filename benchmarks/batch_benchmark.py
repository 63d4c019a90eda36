"""Batch throughput: runs per minute and parallel efficiency on the default district.

    python benchmarks/batch_benchmark.py [--runs 40] [--repeats 3] [--workers 2] [--steps 120]

Each configuration runs the same batch (the default district, 120 months, distinct seeds) through
``sim.experiments.run_batch`` — the code path ``mutual-state batch`` uses, bookkeeping included but nothing
written to disk — ``--repeats`` times, and the medians are printed. Executors are started and warmed up before
the clock starts (their start-up is reported separately), so the figures are the steady-state throughput a
long batch sees. Parallel efficiency = parallel throughput / (workers x serial throughput); the target is 0.9.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.experiments import process_pool, run_batch  # noqa: E402
from sim.experiments.executors import dask_executor  # noqa: E402
from sim.experiments.schema import scenario_from_dict  # noqa: E402


def district(runs: int, steps: int, seed: int):
    """``runs`` runs of the default district (every parameter at its default) with different seeds."""
    return scenario_from_dict({"name": "benchmark", "steps": steps, "replicates": runs, "seed": seed})


def timed(executor, runs: int, steps: int, seed: int) -> tuple[float, float]:
    """Wall seconds of one batch of ``runs`` runs, and the median seconds of a run inside its worker."""
    scenario = district(runs, steps, seed)
    start = time.perf_counter()
    result = run_batch(scenario, executor=executor, save=False, progress=False)
    wall = time.perf_counter() - start
    assert len(result.ok) == runs, result.failures["error"].tolist()
    return wall, float(result.runs["seconds"].median())


def warm(executor, workers: int, steps: int) -> None:
    run_batch(district(2 * workers, steps, seed=1), executor=executor, save=False, progress=False)


def main(argv: list[str] | None = None) -> int:
    """Time the same batches serially, on a process pool and on Dask, interleaved so that load hits them alike."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40, help="runs per batch (default 40)")
    parser.add_argument("--repeats", type=int, default=3, help="batches per configuration; medians are reported")
    parser.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--steps", type=int, default=120, help="months per run (default 120)")
    options = parser.parse_args(argv)
    print(f"default district, {options.steps} months, {options.runs} runs per batch, {options.repeats} batches each, "
          f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")

    with contextlib.ExitStack() as stack:
        configs = {"serial (1 process)": (None, 1)}
        start = time.perf_counter()
        pool = stack.enter_context(process_pool(options.workers))
        warm(pool, options.workers, options.steps)
        print(f"process pool start-up and warm-up: {time.perf_counter() - start:.2f} s")
        configs[f"{options.workers} local processes"] = (pool, options.workers)
        start = time.perf_counter()
        dask = stack.enter_context(dask_executor(options.workers))
        warm(dask, options.workers, options.steps)
        print(f"local Dask cluster start-up and warm-up: {time.perf_counter() - start:.2f} s")
        configs[f"local Dask ({options.workers} workers)"] = (dask, options.workers)
        warm(None, 1, options.steps)

        # Interleave the configurations so that any other load on the machine hits them alike.
        walls: dict[str, list[float]] = {k: [] for k in configs}
        per_run: dict[str, list[float]] = {k: [] for k in configs}
        for r in range(options.repeats):
            for label, (executor, _) in configs.items():
                wall, run_s = timed(executor, options.runs, options.steps, seed=1000 + r)
                walls[label].append(wall)
                per_run[label].append(run_s)

    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(f"{'configuration':<26} {'runs/min':>9} {'efficiency':>11} {'s/run in worker':>16}   batch walls (s)")
    serial_rate = None
    for label, (_, workers) in configs.items():
        med = statistics.median(walls[label])
        rate = options.runs / med * 60
        serial_rate = serial_rate or rate
        eff = rate / (workers * serial_rate)
        print(f"{label:<26} {rate:9.1f} {eff:11.2f} {statistics.median(per_run[label]):16.3f}   "
              + ", ".join(f"{w:.2f}" for w in walls[label]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
