"""The report of a batch: what was run, what differs, and how sure we are, in words, tables and figures.

``write_report(results_dir)`` writes ``report.md`` with ``figures/`` (PNG and SVG) and ``tables/`` (CSV) beside
the results. Every number comes from the stored runs: means with 95% confidence intervals over replicates,
paired comparisons on common random numbers (paired t-test, Holm-adjusted, Cohen's d_z; a Wilcoxon signed-rank
test as a check), the best level along a swept factor, Morris/Sobol' sensitivity, and where each regime wins.
This module puts the sections in order: ``sections`` builds them, ``verdicts`` gives each claim its probability
over the posterior and the assumptions' ranges, ``claims`` words the verdicts on the regimes, ``formatting`` writes
numbers and Markdown.
"""

from __future__ import annotations

from pathlib import Path

from .. import plots
from . import cuts
from .analysis import AnalysisError, outcomes, summarise, tied_to, timeseries_summary
from .claims import ATTRIBUTION_PROGRESS, claim_section, claim_tests, why_regimes_differ
from .family import TestFamily
from .formatting import figure_markdown, format_table, md_text, num, write_markdown  # noqa: F401 - public here too
from .recovery_section import recovery_section
from .results import BatchResult, load_results
from .sections import (
    comparison_blocks,
    comparison_keys,
    comparison_table,  # noqa: F401 - public here too
    comparison_tests,
    comparisons,
    condition_columns,
    cost_components,
    default_target,
    discovery_section,
    method_note,
    outcome_table,
    provenance,
    report_metrics,
    sensitivity_section,
    shock_month,
    shock_section,
    steady_state,
    sweep_factor,
    sweep_section,
)
from .store import files_under, register_outputs
from .verdicts import verdict_section


def write_report(source: BatchResult | str | Path, out: str | Path | None = None, metrics: list[str] | None = None,
                 target: str | None = None, progress: bool = True) -> Path:
    """Analyse a batch and write ``report.md``, ``figures/`` and ``tables/``; return the report's path.

    Written into the batch's own folder, the files are recorded in its manifest as the report's outputs (so
    that ``batch --fresh`` deletes them, and nothing it did not write). ``progress``: a bar while the
    attribution's runs are computed (where the scenario asks for one and it is not cached)."""
    ATTRIBUTION_PROGRESS.set(bool(progress))
    result = source if isinstance(source, BatchResult) else load_results(source)
    out = Path(out) if out is not None else (result.path or Path("results") / result.scenario.name)
    own_folder = result.path is not None and out.resolve() == Path(result.path).resolve()
    before = files_under(out) if own_folder else {}
    path = _write_report(result, out, metrics, target)
    if own_folder:
        register_outputs(out, [p for p, t in files_under(out).items() if before.get(p) != t])
    return path


def _write_report(result: BatchResult, out: Path, metrics: list[str] | None, target: str | None) -> Path:
    """Every section the batch calls for, in the order a reader asks: what ran, what came out, what differs and
    why, then the sensitivity and the method; the one place that decides the report's order."""
    figdir, tabdir = out / "figures", out / "tables"
    figdir.mkdir(parents=True, exist_ok=True)
    tabdir.mkdir(parents=True, exist_ok=True)
    scenario = result.scenario
    ms = report_metrics(result, metrics)
    lines: list[str] = [f"# {md_text(scenario.name)}", ""]
    if scenario.description.strip():
        lines += [md_text(scenario.description.strip()), ""]
    lines += provenance(result)
    ok = result.ok
    if ok.empty:
        lines += ["", "**No run finished successfully, so there is nothing to analyse.** See the failures above."]
        return write_markdown(out, lines)

    table = outcomes(result, metrics=ms)
    conds = condition_columns(result)
    if scenario.compare in conds:  # a list design's companions of the compared factor name no groups of their own
        conds = [c for c in conds if c not in tied_to(table, scenario.compare, conds)]
    lines += ["", "## Outcomes", "",
              f"A run's outcome is the mean of its last {scenario.window} month{'s' if scenario.window > 1 else ''}. Each cell is "
              f"the mean over replicates with its 95% confidence interval in brackets"
              + (" (pooled over the sample points of the design)" if scenario.sampled else "") + "."]
    summary = summarise(table, conds, ms)
    summary.to_csv(tabdir / "summary.csv", index=False)
    lines += [""] + outcome_table(summary, conds, ms)
    if conds:
        by = scenario.compare if scenario.compare in conds else conds[0]
        if len(conds) == 1 or scenario.compare is None:
            fig = plots.comparison(summarise(table, [by], ms), ms, by, title=f"{scenario.name}: outcome by {by} (95% CI)")
            lines += ["", figure_markdown(plots.save(fig, figdir / "comparison"), out, f"Outcomes by {by} with 95% CIs")]
    lines += [""] + steady_state(result, ms, conds, tabdir)

    # comparisons on common random numbers
    if scenario.compare and scenario.compare in table.columns:
        try:  # one family of tests for the claim and "What differs" (ODD §9, D-D1)
            claims = claim_tests(result, table) if scenario.compare == "regime" else []
            comp = comparison_tests(result, table, ms)
            compared = comparison_keys(comp, comparison_blocks(result, table)) if len(comp) else []
            family = TestFamily([(claim.key, claim.test.p) for claim in claims]
                                + list(zip(compared, comp["p"] if len(comp) else [], strict=True)))
            if claims:
                lines += [""] + verdict_section(result, tabdir)
                lines += [""] + claim_section(result, table, tabdir, family, claims)
            lines += [""] + comparisons(result, table, ms, tabdir, family, comp)
        except AnalysisError as e:
            lines += ["", "## What differs, and how sure we are", "", f"Not compared: {md_text(e)}."]

    # where the money goes
    if conds and scenario.compare in conds:
        lines += cost_components(result, scenario.compare, figdir, tabdir, out)

    # bearing cuts: how each regime lives with a budget that falls
    if cuts.applies(table, conds):
        lines += [""] + cuts.cuts_section(table, conds, ms, tabdir)

    # why the regimes differ: attribution to mechanisms
    if scenario.attribution is not None:
        lines += [""] + why_regimes_differ(result, figdir, tabdir, out)

    # a shift in needs
    shock = shock_month(result)
    if shock is not None:
        lines += [""] + shock_section(result, shock, figdir, tabdir, out)

    # how fast each regime follows a shift in needs, in runs beside the comparison's
    if scenario.recovery is not None:
        lines += [""] + recovery_section(result, tabdir)

    # curve along a swept factor
    x = sweep_factor(result)
    if x and table[x].nunique() >= 2:
        lines += [""] + sweep_section(result, table, x, ms, figdir, tabdir, out)

    # time series
    ts_by = [c for c in conds if c == scenario.compare] or conds[:1]
    if len(conds) <= 2 and not scenario.sampled:
        ts_by = conds
    n_groups = result.timeseries[ts_by].drop_duplicates().shape[0] if ts_by else 1
    if n_groups <= 8:
        tsum = timeseries_summary(result.timeseries, ts_by, ms)
        fig = plots.timeseries(tsum, ms, ts_by, title=f"{scenario.name}: monthly means with 95% bands")
        lines += ["", "## Over time", "", figure_markdown(plots.save(fig, figdir / "timeseries"), out,
                                                     "Monthly means with 95% confidence bands")]

    # sensitivity and discovery
    target = target or scenario.analysis.target or default_target(ms)
    if scenario.design.kind in ("morris", "sobol"):
        lines += [""] + sensitivity_section(result, [target] + [m for m in ms if m != target][:2], figdir,
                                            tabdir, out)
    if scenario.compare and target and scenario.compare in table.columns and table[scenario.compare].nunique() >= 2:
        lines += [""] + discovery_section(result, table, target, figdir, tabdir, out)

    lines += ["", "## Method", "", method_note(result)]
    return write_markdown(out, lines)


def write_sensitivity_report(result: BatchResult, out: str | Path, metrics: list[str]) -> Path:
    """Write ``sensitivity.md`` with its figures and tables for a Morris or Sobol' batch (``mutual-state
    sensitivity``); the files are recorded as the batch folder's outputs, as the report's are."""
    out = Path(out)
    scenario = result.scenario
    lines = [f"# Sensitivity: {md_text(scenario.name)}", ""]
    if scenario.description.strip():
        lines += [md_text(scenario.description.strip()), ""]
    before = files_under(out)
    for sub in ("figures", "tables"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    lines += sensitivity_section(result, metrics, out / "figures", out / "tables", out)
    path = write_markdown(out, lines, "sensitivity.md")
    register_outputs(out, [p for p, t in files_under(out).items() if before.get(p) != t])
    return path


__all__ = ["write_report", "write_sensitivity_report", "comparison_table", "format_table", "num"]
