"""Same seed, same numbers: a fingerprint of every metric of every regime, to check a change that must change
no number (a restructuring, a faster kernel).

    python scripts/fingerprint.py --save before.json     # before the change
    python scripts/fingerprint.py --check before.json    # after it: exit 1 and name what differs

Runs the three regimes at their defaults and the conversion regime with every lever on (120 months, seeds 1
and 2) and records each metric's whole time series, to the last bit (as hexadecimal floats). ``--extended``
adds the paths the defaults leave cold (ODD §9 D-F9): twelve sectors with every mechanism on, a mutual district
where users choose and exit crowds out voice, and 40,000 adults with choice (a sector large enough for the
kernels' own shuffle).

    python scripts/fingerprint.py --extended --save before.json
    python scripts/fingerprint.py --extended --check before.json

It compares code with code: save the base with the code before the change. A base saved before session 12's keyed
streams (service use and exit on ``sim.kernels.streams``, ODD §9 D-F18-D-F21) no longer matches any later code;
a change of streams is shown harmless by ``tests/test_stream_equivalence.py`` instead (D-F26).

The script imports the ``sim`` of the checkout it sits in (its parent folder), not the installed one: run each
checkout's own copy. Before session 13 it imported the installed ``sim`` (the editable install of the main
checkout) whatever folder it was run from, so a base worktree needs ``PYTHONPATH=<that worktree>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sim, not the installed one

import sim
from sim.proposal import THE_PROPOSAL

EVERY_LEVER = {**THE_PROPOSAL, "conversion_rate": 0.3, "failing_first": True,
               "investment_match": 0.5, "user_choice": "on", "address_causes": True}
RUNS = {"state": {}, "privatised": {}, "mutual": {}, "conversion+levers": {"regime": "conversion", **EVERY_LEVER}}
EVERY_MECHANISM = dict(regime="conversion", user_choice="on", participation_audit=True, channel_elections=True,
                       channel_user_panels=True, channel_children=True, channel_named_contacts=True,
                       capacity_building=10.0, social_investment=True, local_bonds=True, quality_mark=True,
                       secondary_mutuals=True, conversion_rate=0.5, need_shock_month=6)
EXTENDED_RUNS = {"twelve sectors, every mechanism": {"n_units": 4, "sectors": "all", **EVERY_MECHANISM},
                 "mutual with choice": {"regime": "mutual", "user_choice": "on", "exit_crowds_out_voice": True},
                 "40,000 adults with choice": {"regime": "privatised", "n_units": 80, "user_choice": "on"}}


def fingerprint(steps: int = 120, seeds: tuple[int, ...] = (1, 2),
                extended: bool = False) -> dict[str, dict[str, list[str]]]:
    """Run name and seed -> metric -> its time series as exact hexadecimal floats."""
    out = {}
    runs = {**RUNS, **EXTENDED_RUNS} if extended else RUNS
    for name, params in runs.items():
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
    parser.add_argument("--extended", action="store_true", help="add the runs that reach every kernel's path")
    args = parser.parse_args()
    now = fingerprint(extended=args.extended)
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
