"""England as one run: wall time and peak memory of all authorities x months in one process.

    python benchmarks/national_benchmark.py [--scale 100] [--months 300] [--sectors primary_education,...]
                                            [--dask N] [--out DIR]

Runs ``sim.national.run_national`` (the code path of ``mutual-state national``: planning, every authority's
model, the yearly couplings, a checkpoint and the monthly Parquet after every year, the report) in a fresh
folder and prints one line of JSON: authorities, real and simulated adults, months, sectors, wall seconds,
seconds per simulated adult-month, and the peak resident memory of this process and of its finished children
(with ``--dask``, the workers' memory is not in this figure: read it from the workers while they run).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.national import run_national  # noqa: E402
from sim.sectors import DEFAULT_SECTORS, SECTOR_NAMES  # noqa: E402


def main() -> int:
    """Parse the options, run England once, print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="real adults per simulated adult (default 100)")
    parser.add_argument("--months", type=int, default=300)
    parser.add_argument("--sectors", default=",".join(DEFAULT_SECTORS),
                        help="comma-separated sectors, or 'all' for the twelve")
    parser.add_argument("--dask", type=int, default=None, metavar="N", help="N local Dask workers")
    parser.add_argument("--out", default=None, help="results folder (default: a temporary one)")
    args = parser.parse_args()
    sectors = SECTOR_NAMES if args.sectors == "all" else tuple(args.sectors.split(","))
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="national-benchmark-"))
    start_cpu, start = time.process_time(), time.perf_counter()
    manifest = run_national(out, scale=args.scale, months=args.months, sectors=sectors, dask_workers=args.dask,
                            progress=lambda text: print(text, file=sys.stderr, flush=True))
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    simulated = manifest["simulated_adults"]
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({
        "authorities": len(manifest["config"]["authorities"]), "scale": args.scale, "months": args.months,
        "sectors": list(sectors), "simulated_adults": simulated, "where": manifest["where"],
        "wall_seconds": round(wall, 1), "cpu_seconds_this_process": round(cpu, 1),
        "ns_per_adult_month": round(1e9 * wall / (simulated * args.months), 1),
        "peak_rss_mib": round(peak, 1), "out": str(out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
