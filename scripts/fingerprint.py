"""Same seed, same numbers: a fingerprint of every metric of every regime, to check a change that must change
no number (a restructuring, a faster kernel).

    python scripts/fingerprint.py --save before.json     # before the change
    python scripts/fingerprint.py --check before.json    # after it: exit 1 and name what differs

Runs the three regimes at their defaults and the conversion regime with every lever on (120 months, seeds 1
and 2) and records each metric's whole time series, to the last bit (as hexadecimal floats).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import sim
from sim.proposal import THE_PROPOSAL

EVERY_LEVER = {**THE_PROPOSAL, "conversion_rate": 0.3, "failing_first": True,
               "investment_match": 0.5, "user_choice": "on", "address_causes": True}
RUNS = {"state": {}, "privatised": {}, "mutual": {}, "conversion+levers": {"regime": "conversion", **EVERY_LEVER}}


def fingerprint(steps: int = 120, seeds: tuple[int, ...] = (1, 2)) -> dict[str, dict[str, list[str]]]:
    """Run name and seed -> metric -> its time series as exact hexadecimal floats."""
    out = {}
    for name, params in RUNS.items():
        params = {"regime": name, **params}
        for seed in seeds:
            model = sim.MutualStateModel(rng=seed, **params)
            frame = model.run(steps)
            out[f"{name}/{seed}"] = {m: [float(v).hex() for v in frame[m].to_numpy(dtype=np.float64)]
                                     for m in frame.columns}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE")
    group.add_argument("--check", metavar="FILE")
    args = parser.parse_args()
    now = fingerprint()
    if args.save:
        with open(args.save, "w") as f:
            json.dump(now, f)
        print(f"saved {sum(len(v) for v in now.values())} time series of {len(now)} runs to {args.save}")
        return 0
    with open(args.check) as f:
        before = json.load(f)
    differ = [f"{run}: {metric}" for run in sorted(set(before) | set(now))
              for metric in sorted(set(before.get(run, {})) | set(now.get(run, {})))
              if before.get(run, {}).get(metric) != now.get(run, {}).get(metric)]
    if differ:
        print(f"{len(differ)} time series differ:\n  " + "\n  ".join(differ[:40]))
        return 1
    print(f"identical: {sum(len(v) for v in now.values())} time series of {len(now)} runs, every month, every bit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
