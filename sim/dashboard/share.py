"""Share and keep a comparison: a tidy CSV of its outcomes, and a Markdown report with its figures inside."""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

import sim

from . import figures
from .controls import to_query
from .groups import GROUP_UNITS
from .readout import interval_text, readout, value_text
from .runs import COST, Comparison, cost_components


def outcomes_table(comparison: Comparison, metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per regime and metric: mean over replicates with its 95% CI, and the paired difference from the
    baseline with its CI and Holm-adjusted p (blank for the baseline itself)."""
    metrics = list(metrics or sim.METRICS)
    summary = comparison.summary(metrics)
    diffs = comparison.differences(metrics)
    diffs = diffs.rename(columns={"level": "regime", "mean_diff": "diff_from_baseline", "ci_low": "diff_ci_low",
                                  "ci_high": "diff_ci_high"})
    keep = ["regime", "metric", "baseline", "n_pairs", "diff_from_baseline", "diff_ci_low", "diff_ci_high",
            "p_holm", "effect"]
    table = summary.merge(diffs[keep], on=["regime", "metric"], how="left")
    table.insert(2, "unit", [sim.METRICS[m].unit if m in sim.METRICS else "" for m in table["metric"]])
    return table


def to_csv(comparison: Comparison, metrics: list[str] | None = None) -> bytes:
    return outcomes_table(comparison, metrics).to_csv(index=False).encode("utf-8")


def cost_csv(comparison: Comparison) -> bytes:
    """The public cost's components per regime (£ per adult a month, means over the outcome window and runs)."""
    table = cost_components(comparison).assign(total=comparison.summary([COST]).set_index("regime")["mean"])
    return table.to_csv().encode("utf-8")


def groups_csv(comparison: Comparison) -> bytes:
    """Outcomes by deprivation quintile and sector per regime (``Comparison.groups``), with their units."""
    table = comparison.groups.assign(unit=lambda frame: frame["metric"].map(GROUP_UNITS))
    return table.to_csv(index=False).encode("utf-8")


def _img(fig, alt: str) -> str:
    data = base64.b64encode(figures.png_bytes(fig)).decode("ascii")
    return f"![{alt}](data:image/png;base64,{data})"


def to_markdown(comparison: Comparison, metrics: list[str] | None = None, link: str | None = None,
                attribution: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The comparison as a self-contained Markdown report: settings, readout, outcomes table, figures."""
    metrics = list(metrics or sim.HEADLINE_METRICS)
    words = readout(comparison, metrics, attribution)
    run = comparison.run
    changed = {k: v for k, v in comparison.params.items()}
    lines = ["# Mutual State: regimes compared", ""]
    if comparison.preset:
        lines += [f"Preset: **{comparison.preset}**.", ""]
    lines += [words["intro"], "", "## Settings", ""]
    lines += [f"- `{k}` = {_show(v)}" for k, v in changed.items()] or ["- every parameter at its default"]
    lines += [f"- {run.years} years, {run.replicates} replicates, seed {run.seed}, regimes {', '.join(run.regimes)}"]
    query = to_query(comparison.params, run, comparison.preset)
    lines += ["", f"Settings as a dashboard link query: `?{query}`" if query else "", ""]
    if link:
        lines += [f"Link: {link}", ""]
    lines += ["## What differs, and how sure we are", ""] + [f"- {s}" for s in words["sentences"]]
    lines += ["", "## How likely", ""] + [f"- {s}" for s in words["probabilities"]]
    lines += ["", "## Why", ""] + [f"- {s}" for s in words["why"]]
    lines += ["", f"## Outcomes (mean of {comparison.reading.span}, 95% CI over replicates within the possible "
              "range)", ""]
    summary = comparison.summary(metrics)
    lines += ["| metric | " + " | ".join(comparison.regimes) + " |", "|---" * (len(comparison.regimes) + 1) + "|"]
    for metric in metrics:
        cells = []
        for regime in comparison.regimes:
            row = summary[(summary["regime"] == regime) & (summary["metric"] == metric)].iloc[0]
            cells.append(f"{value_text(metric, row['mean'])} {interval_text(metric, row['ci_low'], row['ci_high'])}")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    lines += ["", "## Figures", "",
              _img(figures.timeseries(comparison.bands(metrics), metrics, comparison.regimes),
                   "Monthly means with 95% bands"), "",
              _img(figures.comparison_cost(comparison), "Public cost per adult a month by component"), "",
              "### By deprivation quintile and sector", "",
              f"Mean of {comparison.reading.span} of the first paired run of each regime (one run each).", "",
              _img(figures.by_group(comparison.groups, comparison.regimes),
                   "Participation, satisfaction and public funding by deprivation quintile and sector"), ""]
    for regime, fig in figures.comparison_unit_maps(comparison).items():
        lines += [_img(fig, f"Units under {regime}"), ""]
    lines += ["Made with the Mutual State dashboard (sim " + sim.__version__ + ")."]
    return "\n".join(lines).encode("utf-8")


def _show(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "–".join(str(x) for x in v)
    return str(v).lower() if isinstance(v, bool) else str(v)
