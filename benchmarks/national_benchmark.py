"""England as one run: time and peak memory per authority-month, and what England would cost at full scale.

    python benchmarks/national_benchmark.py [--scale 100] [--months 300] [--sectors all|S1,S2] [--dask N | --threads N]
                                            [--authorities CODE,CODE | --every K] [--out DIR] [--checkpoint-minutes M]
    python benchmarks/national_benchmark.py --extrapolate [--scales 1000,50,20] [--months 48] [--every 16]
    python benchmarks/national_benchmark.py --phases [--scale 50] [--months 26] [--sectors all] [--every 8]

A single run goes through ``sim.national.run_national`` (the code path of ``mutual-state national``: planning,
every authority's model, the yearly couplings, the monthly Parquet after every year, a checkpoint once ten
minutes have passed (ODD §9 D-NAT14; ``--checkpoint-minutes 0``: every year, to time the saves, D-NAT17),
the report) in a fresh folder and prints one line of JSON: authorities, real and simulated adults, months, sectors,
wall and CPU seconds, both per authority-month, and the peak resident memory of this process and of its
finished children (with ``--dask`` the workers' memory is not in this figure).

``--phases`` builds the sampled authorities' models (one partition, this process, as a national run builds them)
and steps them month by month with the yearly couplings, timing each part in CPU seconds: the build, every month,
and from them the median ordinary month (months 13-23, or all but the year-ends if fewer) and each fiscal
year's end (months 12, 24, ...), with the year-end's ratio to the ordinary month (ODD §9 D-F142).

``--extrapolate`` measures the same authorities (every K-th in code order; all twelve sectors unless told) at
two or more scales, each in a fresh process (so that each peak is its own), and fits
    CPU seconds per authority-month = a + b x simulated adults per authority
    peak resident memory            = m0 + m1 x simulated adults
then prints what England would take at scale 1 (every adult simulated) for 300 months in one process: the
fixed cost of an authority's month (a), the cost of an adult's month (b), the memory of an adult (m1), and
their sums over England's 317 authorities. The measurements run one partition (``--threads 1``), so CPU seconds
are the model's; the smallest scale is then run again on a thread per core (``mutual-state national``'s
default, ODD §9 D-NAT12), and the ratio of the two wall times turns England's CPU hours into wall hours of
one process on every core. It runs nothing at full scale: the estimate assumes the per-adult
cost stays linear up to the largest authority (Birmingham, about 860,000 adults), which the district model's
own benchmarks measure only up to 2.5 million adults in one model.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.national import plan_country, run_national  # noqa: E402
from sim.national.run import CHECKPOINT_MINUTES, usable_cores  # noqa: E402
from sim.sectors import DEFAULT_SECTORS, SECTOR_NAMES  # noqa: E402

ENGLAND_MONTHS = 300


def sampled_authorities(every: int) -> list[str]:
    """Every ``every``-th authority in code order (every=1: all 317)."""
    return list(plan_country(100).index[::every])


def single_run(args) -> dict:
    """One national run in this process: its size, wall and CPU time, peak memory, per authority-month."""
    sectors = SECTOR_NAMES if args.sectors == "all" else tuple(args.sectors.split(","))
    authorities = (args.authorities.split(",") if args.authorities
                   else None if args.every == 1 else sampled_authorities(args.every))
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="national-benchmark-"))
    quiet = (lambda text: None) if args.json_only else (lambda text: print(text, file=sys.stderr, flush=True))
    start_cpu, start = time.process_time(), time.perf_counter()
    manifest = run_national(out, scale=args.scale, months=args.months, sectors=sectors, dask_workers=args.dask,
                            authorities=authorities, progress=quiet, threads=None if args.dask else args.threads,
                            checkpoint_minutes=args.checkpoint_minutes)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    simulated = manifest["simulated_adults"]
    count = len(manifest["config"]["authorities"])
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    authority_months = count * args.months
    return {"authorities": count, "scale": args.scale, "months": args.months, "sectors": list(sectors),
            "real_adults": int(plan_country(args.scale, authorities)["adults"].sum()),
            "simulated_adults": simulated, "where": manifest["where"],
            "wall_seconds": round(wall, 1), "cpu_seconds_this_process": round(cpu, 1),
            "wall_ms_per_authority_month": round(1e3 * wall / authority_months, 2),
            "cpu_ms_per_authority_month": round(1e3 * cpu / authority_months, 2),
            "ns_per_adult_month": round(1e9 * wall / (simulated * args.months), 1),
            "peak_rss_mib": round(peak, 1), "out": str(out)}


def phases(args) -> dict:
    """The build, each month and each fiscal year's end of the sampled authorities, in CPU seconds of this process
    (one partition, as ``run_national`` builds and advances it, the couplings applied after each year)."""
    from sim.national.couplings import yearly_couplings
    from sim.national.partition import Partition

    sectors = SECTOR_NAMES if args.sectors == "all" else tuple(args.sectors.split(","))
    authorities = (args.authorities.split(",") if args.authorities
                   else None if args.every == 1 else sampled_authorities(args.every))
    plan = plan_country(args.scale, authorities)
    start = time.process_time()
    part = Partition(plan, 1, {"sectors": tuple(sectors)})
    build = time.process_time() - start
    months, couplings, summaries = [], {}, {}
    for month in range(1, args.months + 1):
        start = time.process_time()
        summary, _ = part.advance(1, couplings)
        months.append(time.process_time() - start)
        couplings = {}
        if month % 12 == 0:
            summaries.update(summary)
            couplings = yearly_couplings(summaries, plan, tuple(sectors))
    year_ends = {m: months[m - 1] for m in range(12, args.months + 1, 12)}
    ordinary = [months[m - 1] for m in range(13, min(args.months, 23) + 1)] or [
        t for m, t in enumerate(months, 1) if m % 12]
    median = float(np.median(ordinary)) if ordinary else float("nan")
    return {"authorities": len(plan), "scale": args.scale, "sectors": len(sectors),
            "simulated_adults": int(sum(model.population.n for model in part.models.values())),
            "build_cpu_s": round(build, 3), "ordinary_month_cpu_s": round(median, 3),
            "year_end_cpu_s": {m: round(t, 3) for m, t in year_ends.items()},
            "year_end_over_ordinary": {m: round(t / median, 2) for m, t in year_ends.items()},
            "months_cpu_s": [round(t, 3) for t in months]}


def extrapolate(args) -> dict:
    """Measure the sampled authorities at each scale in a fresh process; fit and extrapolate to England."""
    def measure(scale: int, threads: int) -> dict:
        command = [sys.executable, __file__, "--json-only", "--scale", str(scale), "--months", str(args.months),
                   "--sectors", args.sectors, "--every", str(args.every), "--threads", str(threads)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        point = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(point), file=sys.stderr, flush=True)
        return point

    points = [measure(int(scale), 1) for scale in args.scales.split(",")]
    smallest = min(points, key=lambda p: p["scale"])
    cores = usable_cores()
    threaded = measure(smallest["scale"], cores) if cores > 1 else smallest
    speedup = smallest["wall_seconds"] / threaded["wall_seconds"]
    per_authority = np.array([p["simulated_adults"] / p["authorities"] for p in points], dtype=float)
    cpu = np.array([p["cpu_seconds_this_process"] / (p["authorities"] * p["months"]) for p in points])
    adults = np.array([p["simulated_adults"] for p in points], dtype=float)
    peak = np.array([p["peak_rss_mib"] for p in points])
    b, a = np.polyfit(per_authority, cpu, 1)
    m1, m0 = np.polyfit(adults, peak, 1)
    england = plan_country(1)
    full_adults = float(england["n_units"].sum() * 500)  # units of 400-600 adults, 500 on average (ODD §5)
    authority_months = len(england) * ENGLAND_MONTHS
    cpu_seconds = authority_months * a + b * full_adults * ENGLAND_MONTHS
    return {
        "measured": [{k: p[k] for k in ("scale", "authorities", "months", "simulated_adults", "cpu_seconds_this_process",
                                         "cpu_ms_per_authority_month", "wall_ms_per_authority_month", "peak_rss_mib")}
                     for p in points],
        "sectors": points[0]["sectors"],
        "fit": {"cpu_ms_per_authority_month_fixed": round(1e3 * a, 3),
                "cpu_ns_per_adult_month": round(1e9 * b, 1),
                "peak_mib_base": round(m0, 1), "peak_bytes_per_adult": round(m1 * 2**20, 1)},
        "england_full_scale": {
            "authorities": len(england), "simulated_adults": int(full_adults), "months": ENGLAND_MONTHS,
            "cpu_hours_one_process": round(cpu_seconds / 3600, 2),
            "of_which_fixed_per_authority_month_hours": round(authority_months * a / 3600, 2),
            "cpu_ms_per_authority_month": round(1e3 * cpu_seconds / authority_months, 1),
            "peak_gib_one_process": round((m0 + m1 * full_adults) / 1024, 1),
            "threads_one_process": cores,
            "wall_speedup_of_threads_at_smallest_scale": round(speedup, 2),
            "wall_hours_one_process_every_core": round(cpu_seconds / speedup / 3600, 2),
            "hours_on_two_workers_if_balanced": round(cpu_seconds / 2 / 3600, 2)},
    }


def main() -> int:
    """Parse the options; one run, or the measurements and England's extrapolation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="real adults per simulated adult (default 100)")
    parser.add_argument("--months", type=int, default=None, help="months (default 300; 48 with --extrapolate)")
    parser.add_argument("--sectors", default=None,
                        help="comma-separated sectors, or 'all' for the twelve (default: the default three; all "
                             "twelve with --extrapolate)")
    parser.add_argument("--authorities", default=None, help="comma-separated codes (default all 317)")
    parser.add_argument("--every", type=int, default=None, help="every K-th authority in code order (default 1; "
                                                                "16 with --extrapolate)")
    parser.add_argument("--dask", type=int, default=None, metavar="N", help="N local Dask workers")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="partitions side by side on threads of this process (default 1: CPU = the model's)")
    parser.add_argument("--out", default=None, help="results folder (default: a temporary one)")
    parser.add_argument("--checkpoint-minutes", type=float, default=CHECKPOINT_MINUTES, metavar="M",
                        help=f"a checkpoint once M minutes have passed (default {CHECKPOINT_MINUTES:g}; 0: every year)")
    parser.add_argument("--extrapolate", action="store_true", help="measure at --scales and extrapolate England")
    parser.add_argument("--scales", default="1000,50,20", help="scales to measure with --extrapolate")
    parser.add_argument("--phases", action="store_true",
                        help="time the build, each month and each fiscal year's end (CPU, one partition)")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        args.months = args.months or 26
        args.sectors = args.sectors or "all"
        args.every = args.every or 8
        print(json.dumps(phases(args)))
    elif args.extrapolate:
        args.months = args.months or 48
        args.sectors = args.sectors or "all"
        args.every = args.every or 16
        print(json.dumps(extrapolate(args), indent=2))
    else:
        args.months = args.months or ENGLAND_MONTHS
        args.sectors = args.sectors or ",".join(DEFAULT_SECTORS)
        args.every = args.every or 1
        print(json.dumps(single_run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
