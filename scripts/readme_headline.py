"""Snapshot the headline numbers of the last `make compare` (and of `the_proposal`) for the README.

The README quotes the verdict's probabilities and the regimes' means; `tests/test_readme.py` checks that
what the README says equals this snapshot, so the README cannot drift from the report it was read from.
Run after `make compare` and `mutual-state batch scenarios/the_proposal.toml --report`:

    .venv/bin/python scripts/readme_headline.py            # writes docs/results/headline.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sim, not the installed one

from sim import HEADLINE_METRICS  # defined once, in sim/metrics_catalogue.py

VERDICT_FIELDS = ("probability", "low", "high", "mean_difference",
                  "share_posterior", "share_assumptions", "share_interaction", "share_noise")


def batch_headline(results_dir: Path) -> dict:
    """A batch's verdict probabilities per (metric, incumbent) and its regimes' means of the headline metrics,
    read from the tables its report wrote (the same files the report's text comes from)."""
    tables = results_dir / "tables"
    verdicts = pd.read_csv(tables / "verdict_probabilities.csv")
    summary = pd.read_csv(tables / "summary.csv").drop_duplicates(["regime", "metric"])
    manifest = json.loads((results_dir / "manifest.json").read_text())
    return {
        "batch": results_dir.name, "created": manifest.get("created"), "model_code": manifest.get("model_code"),
        "verdicts": [
            {"metric": row.metric, "challenger": row.challenger, "incumbent": row.incumbent,
             **{field: float(getattr(row, field)) for field in VERDICT_FIELDS}}
            for row in verdicts.itertuples()],
        "means": {regime: {metric: float(group.loc[group.metric == metric, "mean"].iloc[0])
                           for metric in HEADLINE_METRICS if (group.metric == metric).any()}
                  for regime, group in summary.groupby("regime", sort=False)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, default=Path("docs/results/headline.json"))
    args = parser.parse_args(argv)
    headline = {name: batch_headline(args.results / name) for name in ("compare_regimes", "the_proposal")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(headline, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
