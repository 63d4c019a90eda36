"""The model's own speed and memory, the three figures the compiled kernels are judged by (ODD §9, D-S1):

* per slot-step: nanoseconds of a month per service slot (one adult's need for one sector) at 10^6 adults with
  all twelve sectors and every mechanism on (the median of the timed months, after one month not timed);
* per slot-step over a year: the same model's second year (months 13-24), the fiscal year's end included, as
  total CPU over the year's slot-months: what a long run pays per slot-step (the months after the first grow
  with participation and exit, and a fiscal year's end costs several months), beside the median month above;
* a default district (10,000 adults, the default sectors and levers) run for 300 months, end to end, the
  median of several runs in one process (the kernels already compiled);
* bytes per adult at peak with twelve sectors and every mechanism on: the growth of the process's peak
  resident memory over the memory after imports and compilation, divided by the adults (resident memory, not
  tracemalloc, which does not see the kernels' own allocations), over 26 months: the second fiscal year's end
  (month 24) is the highest point of a run, where the first year's investments pay their returns and the
  elections have more active slots than at the first (months 36 and later measured no higher; ODD §9 D-F61,
  D-F175);
* the cold start: a first month in a fresh process, with the kernels' cache empty and with it filled;
* with ``--scaling`` (not part of the default set: the largest size takes minutes and about 7 GiB), per
  slot-step from 10^4 to 10^8 slots (twelve sectors, every mechanism on; about 3.44 slots an adult), each
  size in a fresh process, and each size's ratio to the figure at 10^6 slots (issue 18 asks for +-25%).

Each figure runs in a fresh process of its own, so that peaks and caches do not carry over. Times are the
process's CPU seconds (user + system), which a machine shared with other work disturbs far less than the
clock on the wall; the model runs on one core.

    python benchmarks/speed_benchmark.py                 # every figure (a few minutes)
    python benchmarks/speed_benchmark.py --adults 100000 # per slot-step and memory at a smaller size
    python benchmarks/speed_benchmark.py --figure district --runs 5
    python benchmarks/speed_benchmark.py --figure year    # per slot-step over the second year, its end included
    python benchmarks/speed_benchmark.py --scaling             # 10^4 ... 10^8 slots
    python benchmarks/speed_benchmark.py --scaling --largest 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's sim, not the installed one (imported below, in each figure)
FIGURES = ("slot-step", "year", "district", "memory", "cold-start")


def every_mechanism() -> dict:
    """The benchmark's usual set-up with every mechanism on (``model_benchmark.ALL_MECHANISMS``)."""
    sys.path.insert(0, str(HERE))
    from model_benchmark import ALL_MECHANISMS

    return dict(ALL_MECHANISMS)


def warm_up(months: int = 2) -> None:
    """Compile (or load) the kernels and touch every code path once, on a tiny district: ``months`` months (past
    12, a fiscal year's end and its kernels too)."""
    import sim

    sim.MutualStateModel(rng=0, n_units=2, sectors="all", **every_mechanism()).run(months)


def slot_step(adults: int, months: int) -> dict:
    """Median nanoseconds per slot-step at ``adults`` adults, twelve sectors, every mechanism on."""
    import sim

    warm_up()
    model = sim.MutualStateModel(rng=1, n_units=max(1, adults // 500), sectors="all", **every_mechanism())
    model.step()  # not timed: the first month
    times = []
    for _ in range(months):
        start = time.process_time()
        model.step()
        times.append(time.process_time() - start)
    slots = sum(users.m for users in model.users)
    return {"adults": model.population.n, "slots": slots, "month_s": statistics.median(times),
            "ns_per_slot_step": 1e9 * statistics.median(times) / slots, "month_s_all": times}


def slot_year(adults: int) -> dict:
    """Nanoseconds per slot-step over months 13-24 (the second fiscal year, its end included) at ``adults`` adults,
    twelve sectors, every mechanism on: the year's CPU time over its slot-months; and the year's median month and
    its fiscal year's end, each per slot."""
    import sim

    warm_up()
    model = sim.MutualStateModel(rng=1, n_units=max(1, adults // 500), sectors="all", **every_mechanism())
    model.run(12)  # not timed: the first year
    times, slot_months = [], 0
    for _ in range(12):
        start = time.process_time()
        model.step()
        times.append(time.process_time() - start)
        slot_months += sum(users.m for users in model.users)
    slots = slot_months / 12
    return {"adults": model.population.n, "slots": slots, "ns_per_slot_step": 1e9 * sum(times) / slot_months,
            "median_month_ns_per_slot": 1e9 * statistics.median(times[:-1]) / slots,
            "year_end_ns_per_slot": 1e9 * times[-1] / slots, "month_s_all": times}


def district(runs: int) -> dict:
    """A default district, 300 months, end to end (build and run): each run's seconds and their median."""
    import sim

    warm_up()
    times = []
    for seed in range(runs):
        start = time.process_time()
        sim.MutualStateModel(rng=seed).run(300)
        times.append(time.process_time() - start)
    return {"median_s": statistics.median(times), "runs_s": times}


def memory(adults: int, months: int) -> dict:
    """Peak resident bytes per adult over the process after imports and compilation, twelve sectors. The warm-up
    runs as many months as the figure, so that a fiscal year's end's kernels and libraries are loaded before the
    baseline is taken (ODD §9 D-F121): the figure is the model's arrays, objects and heap, not its code."""
    import sim

    warm_up(months)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    model = sim.MutualStateModel(rng=1, n_units=max(1, adults // 500), sectors="all", **every_mechanism())
    model.run(months)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"adults": model.population.n, "peak_bytes_per_adult": (peak - before) / model.population.n}


def cold_start() -> dict:
    """Seconds for import and a first month of a default district, with an empty kernel cache and a filled
    one (each in a fresh process; NUMBA_CACHE_DIR points at a new folder for the empty one)."""
    code = "import sim; sim.MutualStateModel(rng=1).run(1)"
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for label in ("empty_cache_s", "filled_cache_s"):
            start = children_cpu_seconds()
            subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "NUMBA_CACHE_DIR": cache})
            out[label] = children_cpu_seconds() - start
    return out


def children_cpu_seconds() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_figure(args) -> dict:
    """The figure ``args.figure``, measured in this process."""
    if args.figure == "slot-step":
        return slot_step(args.adults, args.months)
    if args.figure == "year":
        return slot_year(args.adults)
    if args.figure == "district":
        return district(args.runs)
    if args.figure == "memory":
        return memory(args.adults, args.months)
    return cold_start()


SLOTS_PER_ADULT = 3.44  # twelve sectors at their default prevalences (ODD §9 D-F16)


def scaling(largest: int, months: int) -> None:
    """Per slot-step at 10^4, 10^5, ... up to ``largest`` slots, each in a fresh process, printed with each
    size's ratio to the figure at 10^6 slots."""
    rows, slots = [], 10_000
    while slots <= largest:
        adults = max(500, int(round(slots / SLOTS_PER_ADULT / 500)) * 500)
        command = [sys.executable, __file__, "--figure", "slot-step", "--adults", str(adults), "--months", str(months)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:  # say why and keep the sizes measured (the largest may not fit beside other work)
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            print(json.dumps({"target_slots": slots, "adults": adults, "failed": reason}), flush=True)
        else:
            rows.append((slots, json.loads(done.stdout)))
        slots *= 10
    reference = next((r["ns_per_slot_step"] for s, r in rows if s == 1_000_000), rows[-1][1]["ns_per_slot_step"])
    for target, result in rows:
        print(json.dumps({"target_slots": target, "slots": result["slots"], "adults": result["adults"],
                          "ns_per_slot_step": round(result["ns_per_slot_step"], 1),
                          "ratio_to_1e6_slots": round(result["ns_per_slot_step"] / reference, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figure", choices=FIGURES, help="measure one figure in this process and print it as JSON")
    parser.add_argument("--adults", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=None,
                        help="months timed (per slot-step, default 5) or run (memory, default 26: past the second fiscal year's end)")
    parser.add_argument("--runs", type=int, default=5, help="default-district runs")
    parser.add_argument("--scaling", action="store_true", help="per slot-step from 10^4 slots up to --largest")
    parser.add_argument("--largest", type=int, default=100_000_000, help="the largest size of --scaling, in slots")
    args = parser.parse_args()
    memory_months = args.months or 26
    args.months = args.months or 5
    if args.figure == "memory":
        args.months = memory_months
    if args.scaling:
        scaling(args.largest, args.months)
        return
    if args.figure:
        print(json.dumps(one_figure(args)))
        return
    for figure in FIGURES:
        months = memory_months if figure == "memory" else args.months
        command = [sys.executable, __file__, "--figure", figure, "--adults", str(args.adults), "--months",
                   str(months), "--runs", str(args.runs)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        print(f"{figure}: {json.dumps(result)}")


if __name__ == "__main__":
    main()
