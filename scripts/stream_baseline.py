"""The baseline of the equivalence test for changed random streams (``tests/test_stream_equivalence.py``, ODD §9
D-F26): each headline metric's steady-state outcome (its mean over the outcome window of ``sim.comparison``: months
181-300) for 20 seeds of the shipped comparison's three regimes at their defaults and of the conversion regime with
every lever (``scripts/fingerprint.py``'s EVERY_LEVER), stored as JSON with the commit that made it.

Made once from the code before a stream changed (the session-start commit c12c335, a detached worktree of it
imported through PYTHONPATH):

    git worktree add --detach /tmp/base c12c335
    cd /tmp/base && PYTHONPATH=/tmp/base /path/to/.venv/bin/python /path/to/scripts/stream_baseline.py \\
        --commit c12c335 --out /path/to/tests/data/stream_baseline.json

The test runs ``outcomes`` with the current code on the same seeds and settings and compares, per regime and
metric, by a paired TOST.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import sim
from sim.comparison import BURN_IN_MONTHS, OUTCOME_WINDOW_MONTHS
from sim.metrics_catalogue import HEADLINE_METRICS
from sim.proposal import THE_PROPOSAL

SEEDS = tuple(range(1, 21))
MONTHS = BURN_IN_MONTHS + OUTCOME_WINDOW_MONTHS
EVERY_LEVER = {**THE_PROPOSAL, "conversion_rate": 0.3, "failing_first": True,
               "investment_match": 0.5, "user_choice": "on", "address_causes": True}  # as scripts/fingerprint.py's
REGIMES = {"state": {"regime": "state"}, "privatised": {"regime": "privatised"}, "mutual": {"regime": "mutual"},
           "conversion+levers": {"regime": "conversion", **EVERY_LEVER}}


def outcome(params: dict, seed: int, months: int = MONTHS) -> dict[str, float]:
    """Each headline metric's mean over the last ``OUTCOME_WINDOW_MONTHS`` of a run of ``months``."""
    frame = sim.MutualStateModel(rng=seed, **params).run(months)
    window = frame.iloc[-OUTCOME_WINDOW_MONTHS:]
    return {metric: float(window[metric].mean()) for metric in HEADLINE_METRICS}


def outcomes(seeds: tuple[int, ...] = SEEDS, months: int = MONTHS) -> dict[str, dict[str, list[float]]]:
    """Regime -> headline metric -> its outcome for each seed (in the order of ``seeds``)."""
    table: dict[str, dict[str, list[float]]] = {}
    for name, params in REGIMES.items():
        rows = [outcome(params, seed, months) for seed in seeds]
        table[name] = {metric: [row[metric] for row in rows] for metric in HEADLINE_METRICS}
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commit", required=True, help="the commit whose code is imported (recorded in the JSON)")
    parser.add_argument("--out", required=True, help="where to write the JSON")
    args = parser.parse_args()
    table = outcomes()
    record = {"commit": args.commit, "months": MONTHS, "window": OUTCOME_WINDOW_MONTHS, "seeds": list(SEEDS),
              "regimes": {name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
                          for name, params in REGIMES.items()},
              "outcomes": table}
    with open(args.out, "w") as out:
        json.dump(record, out, indent=1, default=lambda v: v.item() if isinstance(v, np.generic) else str(v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
