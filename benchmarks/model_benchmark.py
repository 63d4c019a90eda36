"""Speed and memory of the model core.

Reports, for 10^4, 10^5 and 10^6 citizens with every mechanism on (user choice and exit, conversion rounds,
all participation channels and the audit, capacity building, social investment with local bonds, quality
mark, secondary mutuals, a need shock): citizen-steps per second and peak bytes per citizen (tracemalloc sees
NumPy's allocations), for the default sectors and for all twelve. Then the target case: a whole local
authority, 200,000 citizens, 120 months, default sectors and default levers, timed end to end (build + run).

    python benchmarks/model_benchmark.py            # full table (a few minutes)
    python benchmarks/model_benchmark.py --quick    # 10^4 and 10^5 only

Targets (issue 2): the local authority in <= 5 s on one core; <= 300 bytes per citizen with all twelve
sectors on.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sim, not the installed one

import sim

ALL_MECHANISMS = dict(
    regime="conversion", user_choice="on", participation_audit=True, channel_elections=True,
    channel_user_panels=True, channel_children=True, channel_named_contacts=True, capacity_building=10.0,
    social_investment=True, local_bonds=True, quality_mark=True, secondary_mutuals=True, conversion_rate=0.5,
    need_shock_month=6,
)


def measure(n_citizens: int, sectors, steps: int, seed: int = 1) -> dict:
    n_units = max(1, n_citizens // 500)
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    model = sim.MutualStateModel(rng=seed, n_units=n_units, unit_size=(400, 600), sectors=sectors, **ALL_MECHANISMS)
    t1 = time.perf_counter()
    model.run(steps)
    t2 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = model.population.n
    return {"citizens": n, "build_s": t1 - t0, "step_s": (t2 - t1) / steps,
            "citizen_steps_per_s": n * steps / (t2 - t1), "peak_bytes_per_citizen": peak / n}


def local_authority(repeats: int = 3) -> list[float]:
    """200,000 citizens (400 units of 400-600), 120 months, default sectors and levers: build + run."""
    times = []
    for seed in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        sim.MutualStateModel(rng=seed, n_units=400).run(120)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip 10^6 citizens")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores; one process")
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    print(f"\n{'sectors':>8} {'citizens':>10} {'build s':>8} {'ms/step':>8} {'citizen-steps/s':>16} {'peak B/citizen':>15}")
    for label, sectors in (("default", sim.parameters.DEFAULT_SECTORS), ("all 12", "all")):
        for n in sizes:
            steps = 24 if n < 1_000_000 else 12
            r = measure(n, sectors, steps)
            print(f"{label:>8} {r['citizens']:>10,} {r['build_s']:>8.2f} {1000 * r['step_s']:>8.1f} "
                  f"{r['citizen_steps_per_s']:>16,.0f} {r['peak_bytes_per_citizen']:>15.0f}")
    times = local_authority()
    print(f"\nlocal authority, 200,000 citizens x 120 months, default sectors and levers: median "
          f"{statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}; target <= 5 s)")


if __name__ == "__main__":
    main()
