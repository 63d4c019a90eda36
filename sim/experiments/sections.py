"""The sections of a batch's report that describe and compare outcomes: what was run, the outcomes and their
steady state, the paired comparisons, where the money goes, a shift in needs, a swept factor, sensitivity and
where each regime wins, and the method.

Each section builder takes the batch's results (and where to put its figures and tables) and returns Markdown
lines; ``report.write_report`` puts them in order. The regime claim and the attribution are in ``claims``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .. import plots
from ..metrics_catalogue import METRICS
from ..parameters import REGISTRY
from ..public_cost import COMPONENT_METRICS
from . import sensitivity
from .analysis import (
    DRIFT_ALPHA,
    DRIFT_TOLERANCE,
    AnalysisError,
    best_levels,
    drift,
    outcomes,
    paired_comparisons,
    shock_response,
    summarise,
    tied_to,
    timeseries_summary,
)
from .discovery import describe_discovery, discovery_features, where_each_wins
from .family import TestFamily, TestKey, test_key
from .formatting import ci_text, figure_markdown, md_code, md_table, md_text, num, pval
from .results import BatchResult

ALPHA = 0.05


# ------------------------------------------------------------------------------------------------ choices
def report_metrics(result: BatchResult, metrics: list[str] | None = None) -> list[str]:
    chosen = metrics or result.scenario.analysis.metrics
    return [m for m in chosen if m in METRICS and m in result.runs.columns]


def condition_columns(result: BatchResult) -> list[str]:
    """The columns that name a condition in tables: the factors (and list-design parameters), not samples."""
    scenario = result.scenario
    return [c for c in scenario.varied if c not in scenario.sampled and c in result.runs.columns]


def sweep_factor(result: BatchResult) -> str | None:
    """The numeric factor to draw curves against: as declared, else a numeric factor with >= 3 levels."""
    scenario = result.scenario
    if scenario.analysis.x:
        return scenario.analysis.x
    for f in condition_columns(result):
        if f == scenario.compare:
            continue
        col = result.runs[f]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() >= 3:
            return f
    return None


def default_target(ms: list[str]) -> str | None:
    for m in ["satisfaction", *ms]:
        if m in METRICS and METRICS[m].better != "neither":
            return m
    return None


def stored_form(column: pd.Series, value: Any) -> Any:
    """The value as it appears in a results column (JSON text for ranges)."""
    if isinstance(value, tuple):
        if value[0] == value[1] and pd.api.types.is_numeric_dtype(column):
            return value[0]
        return json.dumps(list(value))
    return value


# ------------------------------------------------------------------------------------------------ sections
def provenance(result: BatchResult) -> list[str]:
    """Section "What was run": design, seeds, software and time, with warnings a reader must see."""
    scenario, manifest = result.scenario, result.manifest
    design = manifest.get("design", {})
    git = manifest.get("git", {}) or {}
    commit = (git.get("commit") or "unknown")[:12] + (" (with uncommitted changes)" if git.get("dirty") else "")
    prog = manifest.get("progress", {})
    timings = manifest.get("timings", {})
    lines = ["## What was run", "",
             f"- Design: **{scenario.design.kind}**, {design.get('conditions', '?')} condition(s) × {scenario.replicates} replicate(s) "
             f"= {design.get('runs', '?')} runs of {scenario.steps} months.",
             f"- Varied: {', '.join(design.get('varied', [])) or 'nothing'}; fixed: "
             + (", ".join(f"{k} = {v}" for k, v in scenario.params.items()) or "all parameters at their defaults") + ".",
             f"- Seeds: root {scenario.seed}; replicate k runs with the same seed in every condition (common random "
             f"numbers), spawned with NumPy's SeedSequence.",
             f"- Finished: {prog.get('finished', len(result.ok))} of {prog.get('runs', '?')} runs"
             + (f"; **{prog.get('failed')} failed**" if prog.get("failed") else "") + f"; status {manifest.get('status')}.",
             f"- Software: mutual-state {manifest.get('package', {}).get('version', '?')}, git commit {commit}; "
             f"compute {num(timings.get('run_seconds_total'))} s in runs, "
             f"{num(timings.get('wall_seconds_total'))} s wall time."]
    if manifest.get("status") != "complete":
        lines += ["", "> **The batch is incomplete**: the numbers below use only the runs that finished. Run the "
                  "same `mutual-state batch` command again to resume it."]
    if "books_balance" in result.runs.columns:
        bad = result.ok[result.ok["books_balance"].astype("boolean").eq(False).fillna(False)]
        if len(bad):
            lines += ["", f"> **Warning**: the stock-flow accounts did not balance in {len(bad)} run(s) "
                      f"(run ids {', '.join(map(str, bad['run_id'].head(10)))})."]
    codes = result.ok["model_code"].replace("", pd.NA).dropna().unique() if "model_code" in result.ok else []
    if len(codes) > 1:
        lines += ["", f"> **Warning**: these runs were made by {len(codes)} different versions of the model's code "
                  f"(model_code {', '.join(codes)}); the model changed while the batch ran or between its sessions. "
                  f"Run it again with `--fresh` for results from one model."]
    if len(result.failures):
        errs = result.failures["error"].value_counts()
        lines += ["", "### Failed runs", ""] + [f"- {n} × {md_code(e)}" for e, n in errs.head(5).items()]
        lines += ["", "Tracebacks are in `manifest.json` under `failures`."]
    return lines


def steady_state(result: BatchResult, ms: list[str], conds: list[str], tabdir: Path) -> list[str]:
    """Is every headline metric at a steady state over the outcome window? Warn for each one still moving."""
    scenario = result.scenario
    burn_in = scenario.steps - scenario.window
    lines = ["## Steady state", "",
             f"Outcomes are read over months {burn_in + 1}–{scenario.steps}, after a burn-in of {burn_in} months. Each "
             "metric is tested for a trend over that window: every run's least-squares slope, t-tested against "
             f"zero over replicates (Holm-adjusted); a metric **still moves** when the trend is significant "
             f"(p < {DRIFT_ALPHA:g}) and changes it by more than {DRIFT_TOLERANCE:.0%} of its scale (its mean "
             "level, or the spread of run outcomes if larger) over the window.", ""]
    try:
        table = drift(result, metrics=ms, by=conds)
    except AnalysisError as e:
        return lines + [f"Not tested: {e}."]
    table.to_csv(tabdir / "drift.csv", index=False)
    moving = table[table["drifting"]]
    if moving.empty:
        return lines + ["No metric is still moving: the outcomes are read at a steady state."]
    many = len(moving) > 1
    lines.append(f"**Warning: {len(moving)} metric–condition pair{'s' if many else ''} still move"
                 f"{'' if many else 's'} over the outcome window: read {'them' if many else 'it'} as a transient, "
                 "or lengthen the burn-in.**")
    lines.append("")
    for _, r in moving.iterrows():
        where = ", ".join(f"{c} = {r[c]}" for c in conds)
        lines.append(f"- {r['metric']}" + (f" ({where})" if where else "") + f": {num(r['change'], signed=True)} "
                     f"over the window (level {num(r['scale'])}; {pval(r['p_holm'])})")
    return lines


def outcome_table(summary: pd.DataFrame, conds: list[str], ms: list[str]) -> list[str]:
    """The outcomes table: one row per condition (or per metric when there are many metrics)."""
    rows = []
    keys = list(dict.fromkeys(summary[conds].itertuples(index=False, name=None))) if conds else [()]
    if len(keys) > 40:
        return [f"({len(keys)} conditions: see `tables/summary.csv`.)"]
    for key in keys:
        part = summary
        for c, v in zip(conds, key, strict=True):
            part = part[part[c] == v]
        row = {c: v for c, v in zip(conds, key, strict=True)}
        for m in ms:
            stats = part[part["metric"] == m].iloc[0]
            row[m] = ci_text(stats["mean"], stats["ci_low"], stats["ci_high"])
        row["n"] = int(part["n"].max())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(ms) > 6:  # keep the table readable: one row per metric instead
        frame = frame.set_index(conds).T if conds else frame.T
        frame.index.name = "metric"
        frame = frame.reset_index()
        frame.columns = [", ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    return md_table(frame)


def comparison_blocks(result: BatchResult, table: pd.DataFrame) -> list[str]:
    """The factors "What differs" compares within (block by block), and pools over first."""
    factor = result.scenario.compare
    blocks = [c for c in condition_columns(result) if c != factor]
    return [c for c in blocks if c not in tied_to(table, factor, blocks)]


def comparison_tests(result: BatchResult, table: pd.DataFrame, ms: list[str]) -> pd.DataFrame:
    """Every paired comparison of "What differs" (unadjusted ``p``; ``p_holm`` is the report's family's, set by
    :func:`comparisons`): each level against the baseline averaged over the other factors (``pooled``, their
    columns "(all)"), then block by block. Raises ``AnalysisError`` when there is nothing to compare."""
    scenario = result.scenario
    factor = scenario.compare
    blocks = comparison_blocks(result, table)
    baseline = scenario.analysis.baseline
    if baseline is not None:
        baseline = REGISTRY[factor].validate(baseline) if factor in REGISTRY else baseline
        baseline = stored_form(table[factor], baseline)
    comp = paired_comparisons(table, factor, ms, baseline=baseline, blocks=blocks).assign(pooled=False)
    if blocks and len(comp):  # first the answer averaged over the other factors, then block by block
        pooled = paired_comparisons(table, factor, ms, baseline=baseline, pool=blocks)
        pooled[blocks] = "(all)"
        comp = pd.concat([pooled.assign(pooled=True), comp], ignore_index=True)
    return comp


def comparison_keys(comp: pd.DataFrame, blocks: list[str]) -> list[TestKey]:
    """The family's key of each row of :func:`comparison_tests`."""
    return [test_key(row["metric"], row["level"], row["baseline"], {b: row[b] for b in blocks})
            for row in comp.to_dict("records")]


def comparisons(result: BatchResult, table: pd.DataFrame, ms: list[str], tabdir: Path,
                family: TestFamily | None = None, comp: pd.DataFrame | None = None) -> list[str]:
    """Section "What differs": each level against the baseline, pooled over blocks and per block, Holm-adjusted
    over the report's one family of tests (``family``; by default these comparisons alone)."""
    scenario = result.scenario
    factor = scenario.compare
    blocks = comparison_blocks(result, table)
    comp = comparison_tests(result, table, ms) if comp is None else comp
    if comp.empty:
        return ["## Paired comparisons", "", "Not enough paired runs to compare."]
    keys = comparison_keys(comp, blocks)
    family = family if family is not None else TestFamily(zip(keys, comp["p"], strict=True))
    comp = comp.assign(p_holm=[family.adjusted(k) for k in keys])
    pooled, comp_blocks = comp[comp["pooled"]], comp[~comp["pooled"]]
    comp = comp.drop(columns="pooled")
    comp.to_csv(tabdir / "comparisons.csv", index=False)
    base = comp["baseline"].iloc[0]
    lines = ["## What differs, and how sure we are", "",
             f"Each level of **{factor}** is compared with **{base}** run for run on the same seeds (paired "
             f"differences over replicates{', and over sample points' if scenario.sampled else ''}). A difference is "
             f"called clear when its paired t-test gives p < {ALPHA} once Holm-adjusted over the {family.size} "
             f"tests of this report (one family, shared with the claim above where there is one); d_z is the "
             f"mean difference in standard deviations of the paired differences."]
    if len(pooled):
        lines += ["", f"### Averaged over {', '.join(blocks)}", "",
                  f"Pairs matched on replicate and on {', '.join(blocks)}: the effect of {factor} over the whole "
                  f"design."]
        for level, lg in pooled.groupby("level", sort=False):
            lines += ["", f"**{level} vs {base}.** " + _headline(lg)]
            for r in lg.itertuples():
                lines.append("- " + _comparison_sentence(r, table, factor, {}))
    bgroups = comp_blocks.groupby(blocks, sort=False, dropna=False) if blocks else [((), comp_blocks)]
    for bkey, g in bgroups:
        bkey = bkey if isinstance(bkey, tuple) else (bkey,)
        if blocks:
            lines += ["", "### " + ", ".join(f"{b} = {v}" for b, v in zip(blocks, bkey, strict=True))]
        for level, lg in g.groupby("level", sort=False):
            lines += ["", f"**{level} vs {base}.** " + _headline(lg)]
            for r in lg.itertuples():
                lines.append("- " + _comparison_sentence(r, table, factor, dict(zip(blocks, bkey, strict=True))))
    return lines


def _headline(lg: pd.DataFrame) -> str:
    """One line per level: the metrics it is clearly better, worse or no different on."""
    clear = lg[lg["p_holm"] < ALPHA]
    better = clear[clear["improves"] == True]  # noqa: E712 - object column with None
    worse = clear[clear["improves"] == False]  # noqa: E712
    neutral = clear[clear["improves"].isna()]
    unclear = lg[~(lg["p_holm"] < ALPHA)]
    parts = []
    if len(better):
        parts.append("clearly better on " + ", ".join(better["metric"]))
    if len(worse):
        parts.append("clearly worse on " + ", ".join(worse["metric"]))
    if len(neutral):
        parts.append("clearly different on " + ", ".join(neutral["metric"]))
    if len(unclear):
        parts.append("no clear difference on " + ", ".join(unclear["metric"]))
    return "; ".join(parts).capitalize() + "."


def _comparison_sentence(comparison, table: pd.DataFrame, factor: str, block: dict[str, Any]) -> str:
    """One metric's paired comparison in words, with the verdict its test supports."""
    sel = table
    for k, v in block.items():
        sel = sel[sel[k] == v]
    metric = comparison.metric
    mean_level = sel.loc[sel[factor] == comparison.level, metric].mean()
    mean_base = sel.loc[sel[factor] == comparison.baseline, metric].mean()
    unit = METRICS[metric].unit if metric in METRICS else ""
    head = f"**{metric}**: {num(mean_level)} vs {num(mean_base)} {unit}, a difference of " \
           f"{ci_text(comparison.mean_diff, comparison.ci_low, comparison.ci_high, signed=True)} (95% CI)"
    if comparison.n_pairs < 2:
        return head + f"; only {comparison.n_pairs} pair, no test possible."
    if not math.isfinite(comparison.t):
        same = comparison.mean_diff == 0
        return head + (": identical in every pair." if same else
                       f": the same difference in all {comparison.n_pairs} pairs, so it is not luck.")
    clear = comparison.p_holm < ALPHA
    if clear:
        verdict = {True: "better", False: "worse", None: "different"}[comparison.improves]
        return (head + f" — clearly {verdict} ({pval(comparison.p_holm)} Holm-adjusted, paired t over {comparison.n_pairs} pairs; "
                f"Wilcoxon {pval(comparison.p_wilcoxon)}; d_z = {num(comparison.d_z)}, {comparison.effect}).")
    if math.isfinite(comparison.ci_low) and (comparison.ci_low > 0 or comparison.ci_high < 0):
        return (head + f" — suggestive: the 95% interval alone excludes zero, but the difference is not clear once "
                f"adjusted for the report's tests ({pval(comparison.p_holm)} Holm-adjusted, unadjusted "
                f"{pval(comparison.p)}, {comparison.n_pairs} pairs).")
    bound = max(abs(comparison.ci_low), abs(comparison.ci_high)) if math.isfinite(comparison.ci_low) else math.nan
    return (head + f" — no clear difference ({pval(comparison.p_holm)} Holm-adjusted, {comparison.n_pairs} pairs); the interval "
            f"rules out differences larger than {num(bound)}.")


def cost_components(result: BatchResult, factor: str, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Where the money goes: the accrued public cost per adult taken apart into its components (they sum to
    ``cost_per_capita`` month by month), mean over the outcome window and replicates, per level of ``factor``."""
    parts = [c for c in COMPONENT_METRICS if c in result.timeseries.columns]
    if not parts or "cost_per_capita" not in result.timeseries.columns:
        return []
    table = outcomes(result, metrics=[*parts, "cost_per_capita"])
    levels = list(dict.fromkeys(table[factor]))
    baseline = stored_form(table[factor], result.scenario.analysis.baseline)
    if baseline in levels:  # the figure's differences are from the scenario's baseline, drawn first
        levels = [baseline] + [v for v in levels if v != baseline]
    means = table.groupby(factor, sort=False)[parts].mean().reindex(levels)
    total = table.groupby(factor, sort=False)["cost_per_capita"].mean().reindex(levels)
    means.assign(cost_per_capita=total).to_csv(tabdir / "cost_components.csv")
    shown = [c for c in parts if (means[c].abs() >= 0.005).any()]
    header = f"| component | {' | '.join(md_text(v) for v in levels)} |"
    rows = [header, "|---" * (len(levels) + 1) + "|"]
    for c in shown:
        rows.append(f"| {c.removeprefix('cost_').replace('_', ' ')} | "
                    + " | ".join(num(means.loc[v, c]) for v in levels) + " |")
    rows.append("| **total** (`cost_per_capita`) | " + " | ".join(f"**{num(total[v])}**" for v in levels) + " |")
    rows += social_finance_rows(result, factor, levels)
    fig = plots.cost_components(means, total, title=f"{result.scenario.name}: public cost by component")
    return ["", "## Where the money goes", "",
            "Public cost per adult a month (accrued: yearly and contract-long payments are spread over the months "
            "they serve), taken apart into the components that sum to it; mean over the outcome window and "
            "replicates. Components below £0.005 in every column are left out of the table.", ""] + rows + [
        "", figure_markdown(plots.save(fig, figdir / "cost_components"), out, f"Public cost by component, per {factor}")]


#: Money that is not public cost but shows where a service's money comes from (ODD §7.8, D-K7): memo rows.
SOCIAL_FINANCE_MEMO = {"social_finance_per_capita": "memo: social finance raised (owed, not public money)",
                       "social_finance_interest_per_capita": "memo: interest providers paid on it"}


def social_finance_rows(result: BatchResult, factor: str, levels: list) -> list[str]:
    """Memo rows under the cost table: the social finance providers raised and the interest they paid, per
    adult a month, where any condition has some (they are flows of the providers, not of the public purse)."""
    memo = [c for c in SOCIAL_FINANCE_MEMO if c in result.timeseries.columns]
    if not memo:
        return []
    means = outcomes(result, metrics=memo).groupby(factor, sort=False)[memo].mean().reindex(levels)
    return [f"| {SOCIAL_FINANCE_MEMO[c]} | " + " | ".join(num(means.loc[v, c]) for v in levels) + " |"
            for c in memo if (means[c].abs() >= 0.005).any()]


def shock_month(result: BatchResult) -> int | None:
    scenario = result.scenario
    month = scenario.params.get("need_shock_month")
    if month is None or "need_shock_month" in scenario.varied:
        return None
    return int(month) if 0 < int(month) <= scenario.steps else None


def shock_section(result: BatchResult, month: int, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Section on a shift in needs: drop, half-recovery and loss of responsiveness per condition."""
    scenario = result.scenario
    conds = condition_columns(result)
    lines = ["## Responding to a shift in needs", "",
             f"Needs shift in month {month}. For each run: the **drop** in responsiveness below its mean over the "
             f"12 months before, the months until half of the drop is regained (**half-recovery**; averaged over "
             f"the runs that regained it before the end, counted under *recovered*), and the **loss**: "
             f"responsiveness-months lost after the shift (depth × duration, which also counts the runs that never "
             f"recovered). Means with 95% CIs:"]
    resp = shock_response(result.timeseries, month, "responsiveness")
    if resp.empty:
        return lines + ["", "Not enough months around the shift to measure it."]
    ids = result.timeseries.drop_duplicates("run_id").set_index("run_id")[
        [c for c in ["replicate", *conds] if c in result.timeseries.columns]]
    resp = resp.join(ids, on="run_id")
    resp.to_csv(tabdir / "shock_response.csv", index=False)
    summary = summarise(resp, conds, ["drop", "half_recovery", "loss"])
    rows = []
    for key, g in summary.groupby(conds, sort=False) if conds else [((), summary)]:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(conds, key, strict=True))
        for m in ("drop", "half_recovery", "loss"):
            stats = g[g["metric"] == m].iloc[0]
            row[m.replace("_", " ")] = ci_text(stats["mean"], stats["ci_low"], stats["ci_high"])
        sel = resp
        for c, v in zip(conds, key, strict=True):
            sel = sel[sel[c] == v]
        row["recovered"] = f"{int(sel['recovered'].sum())}/{len(sel)}"
        rows.append(row)
    lines += [""] + md_table(pd.DataFrame(rows))
    if scenario.compare and scenario.compare in resp.columns:
        blocks = [c for c in conds if c != scenario.compare]
        comp = paired_comparisons(resp, scenario.compare, ["loss"], blocks=blocks,
                                  baseline=stored_form(resp[scenario.compare], scenario.analysis.baseline)
                                  if scenario.analysis.baseline is not None else None)
        if len(comp):
            lines += ["", f"Paired on the same seeds, loss of responsiveness after the shift (lower is better), "
                      f"against {comp['baseline'].iloc[0]}:", ""]
            for stats in comp.itertuples():
                faster = "smaller" if stats.mean_diff < 0 else "larger"
                clear = stats.p_holm < ALPHA
                lines.append(f"- {stats.level}: {ci_text(stats.mean_diff, stats.ci_low, stats.ci_high, signed=True)} "
                             f"responsiveness-months — " + (f"clearly {faster} ({pval(stats.p_holm)}, d_z = "
                                                           f"{num(stats.d_z)})." if clear else
                                                           f"no clear difference ({pval(stats.p_holm)})."))
    by = [c for c in conds if c == scenario.compare] or conds[:1]
    tsum = timeseries_summary(result.timeseries, by, ["responsiveness", "satisfaction"])
    fig = plots.timeseries(tsum, ["responsiveness", "satisfaction"], by, title=f"{scenario.name}: shift in month {month}")
    for ax in fig.axes[:2]:
        ax.axvline(month, color="0.4", linestyle="--", linewidth=0.8)
    lines += ["", figure_markdown(plots.save(fig, figdir / "shock"), out, "Responsiveness and satisfaction around the "
                          "shift (dashed line), 95% bands")]
    return lines


def sweep_section(result: BatchResult, table: pd.DataFrame, x: str, ms: list[str], figdir: Path, tabdir: Path,
           out: Path) -> list[str]:
    """Section along a swept factor: the curve of each metric and the levels a test cannot separate."""
    scenario = result.scenario
    conds = condition_columns(result)
    moving = tied_to(table, x, conds)
    groups = [c for c in conds if c != x and c not in moving]
    summary = summarise(table, [*groups, x], ms)
    highlight = (400, 600) if x == "unit_size" else None
    fig = plots.curve(summary, x, ms, groups, title=f"{scenario.name}: outcome against {x} (95% CI)", highlight=highlight)
    lines = [f"## Along {x}", ""]
    if moving:
        lines += [f"({', '.join(moving)} move{'s' if len(moving) == 1 else ''} with {x} in this design.)", ""]
    lines += [figure_markdown(plots.save(fig, figdir / f"curve_{x}"), out,
                                          f"Outcomes against {x} with 95% confidence bands"
                                          + (" (shaded: 400–600 people per unit)" if highlight else "")), ""]
    best_blocks = groups
    best = best_levels(table, x, ms, blocks=best_blocks)
    if best.empty:
        return lines
    best.assign(indistinguishable=best["indistinguishable"].map(lambda v: json.dumps(list(v), default=str))
                ).to_csv(tabdir / "best_levels.csv", index=False)
    lines.append(f"For each metric, the level of {x} with the best mean outcome, and the levels a paired test "
                 f"cannot tell from it (Holm-adjusted p ≥ {ALPHA}):")
    lines.append("")
    for rec in best.to_dict("records"):
        found = _Row(rec)
        where = ", ".join(f"{g} = {rec[g]}" for g in groups)
        tied = [v for v in found.indistinguishable if v != found.best]
        text = (f"- {'(' + where + ') ' if where else ''}**{found.metric}** ({found.better} is better): best at {x} = "
                f"{found.best} (mean {num(found.best_mean)})")
        text += f"; indistinguishable: {', '.join(map(str, tied))}." if tied else "; better than every other level."
        if x == "unit_size":
            inside = [v for v in found.indistinguishable if _in_range(v, 400, 600)]
            text += (" The best size lies in 400–600." if _in_range(found.best, 400, 600) else
                     " The 400–600 range is among the best." if inside else
                     " **The 400–600 range is not among the best sizes.**")
        lines.append(text)
    return lines


class _Row:
    def __init__(self, rec: dict[str, Any]):
        self.__dict__.update(rec)


def _in_range(v: Any, lo: float, hi: float) -> bool:
    try:
        return lo <= float(v) <= hi
    except (TypeError, ValueError):
        return False


def sensitivity_section(result: BatchResult, metrics: list[str], figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Section of Morris or Sobol' indices per metric, with a table and a figure each."""
    scenario = result.scenario
    name = "Morris screening" if scenario.design.kind == "morris" else "Sobol' indices"
    lines = [f"## Sensitivity ({name})", ""]
    lines.append(sensitivity.HOW_TO_READ[scenario.design.kind])
    for m in dict.fromkeys(x for x in metrics if x):
        try:
            sr = sensitivity.analyse(result, m)
        except AnalysisError as e:
            lines += ["", f"- {m}: not analysed: {md_text(e)}"]
            continue
        sr.table.to_csv(tabdir / f"sensitivity_{m}.csv", index=False)
        fig = plots.sensitivity(sr.table, sr.method, sr.groups, m)
        lines += ["", f"### {m}", ""] + sensitivity.to_text(sr)
        lines += ["", figure_markdown(plots.save(fig, figdir / f"sensitivity_{m}"), out, f"{name} for {m}")]
    return lines


def discovery_section(result: BatchResult, table: pd.DataFrame, target: str, figdir: Path, tabdir: Path,
               out: Path) -> list[str]:
    """Section "Where does each level win": a tree of the design's parameters, where points suffice."""
    scenario = result.scenario
    features = discovery_features(result)
    if not features:
        return []
    keys = (["point"] if "point" in table.columns else []) + [c for c in condition_columns(result)
                                                               if c != scenario.compare]
    n_points = table[keys].drop_duplicates().shape[0] if keys else 1
    if n_points < 8:  # too few places to describe regions; the paired comparisons above say it all
        return []
    try:
        discovered = where_each_wins(table, scenario.compare, target, features, seed=0, keys=keys)
    except AnalysisError as e:
        return [f"## Where does each {scenario.compare} win?", "", f"Not analysed: {md_text(e)}"]
    (tabdir / "discovery.json").write_text(json.dumps(describe_discovery(discovered), indent=2, default=str))
    lines = [f"## Where does each {scenario.compare} win?", "", discovered.to_text(), ""] + discovered.rules_markdown()
    ranked = sorted(discovered.importances, key=discovered.importances.get, reverse=True) or discovered.features
    fig = plots.discovery_map(discovered.winners, ranked, scenario.compare, target) if len(discovered.win_counts) > 1 else None
    if fig is not None:
        lines += ["", figure_markdown(plots.save(fig, figdir / f"discovery_{target}"), out,
                              f"Best {scenario.compare} on {target} at each design point")]
    return lines


def method_note(result: BatchResult) -> str:
    scenario = result.scenario
    return (f"Outcomes are per-run means over the last {scenario.window} month(s). Confidence intervals are two-sided "
            "Student-t intervals over replicates. Conditions share replicate seeds (common random numbers), so "
            "comparisons are paired run for run, which removes the chance variation two conditions share; the "
            "paired t-test is checked with a Wilcoxon signed-rank test, and p-values are Holm-adjusted across "
            "all comparisons in the report. Effect sizes are Cohen's d_z (0.2 small, 0.5 medium, 0.8 large). "
            "Confidence intervals describe uncertainty due to the model's randomness given its parameters, not "
            "uncertainty about the parameters themselves: for that, see the sensitivity scenarios.")


# ------------------------------------------------------------------------------------------------ for the CLI
def comparison_table(result: BatchResult, metrics: list[str], factor: str = "regime") -> pd.DataFrame:
    """A compact table for a terminal: mean [95% CI] of each metric per level of ``factor``."""
    table = outcomes(result, metrics=metrics)
    summary = summarise(table, [factor], metrics)
    rows = []
    for level in dict.fromkeys(table[factor]):
        row = {factor: level}
        for m in metrics:
            stats = summary[(summary[factor] == level) & (summary["metric"] == m)].iloc[0]
            row[m] = ci_text(stats["mean"], stats["ci_low"], stats["ci_high"])
        rows.append(row)
    return pd.DataFrame(rows)
