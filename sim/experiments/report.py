"""The report of a batch: what was run, what differs, and how sure we are, in words, tables and figures.

``write_report(results_dir)`` writes ``report.md`` with ``figures/`` (PNG and SVG) and ``tables/`` (CSV) beside
the results. Every number comes from the stored runs: means with 95% confidence intervals over replicates,
paired comparisons on common random numbers (paired t-test, Holm-adjusted, Cohen's d_z; a Wilcoxon signed-rank
test as a check), the best level along a swept factor, Morris/Sobol' sensitivity, and where each regime wins.
"""

from __future__ import annotations

import contextvars
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .. import plots
from ..metrics_catalogue import METRICS
from ..parameters import REGISTRY
from ..public_cost import COMPONENT_METRICS
from .analysis import (
    DRIFT_ALPHA,
    DRIFT_TOLERANCE,
    AnalysisError,
    best_levels,
    drift,
    holm,
    outcomes,
    paired_comparisons,
    paired_test,
    shock_response,
    summarise,
    tied_to,
    timeseries_summary,
)
from .runner import BatchResult, load_results
from .store import files_under, register_outputs

ALPHA = 0.05
#: whether the attribution's runs show a progress bar (``write_report(progress=...)``; the CLI's --quiet)
_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("report_progress", default=True)


# ------------------------------------------------------------------------------------------------ formatting
def num(x: Any, signed: bool = False) -> str:
    """A number for people: three significant figures, thousands separated, no scientific notation for the
    magnitudes this model produces."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a" if x is None or math.isnan(x) else ("+∞" if x > 0 else "−∞")
    x = float(x)
    sign = "+" if signed and x > 0 else ""
    a = abs(x)
    if a == 0:
        s = "0"
    elif a >= 1000:
        s = f"{x:,.0f}"
    elif a >= 100:
        s = f"{x:.1f}"
    elif a >= 0.001:
        s = f"{x:.3g}"
    else:
        s = f"{x:.2e}"
    return sign + s


def pval(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def ci_text(mean: float, low: float, high: float, signed: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{num(mean, signed)}"
    return f"{num(mean, signed)} [{num(low, signed)}, {num(high, signed)}]"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|~!])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def md_text(text: Any) -> str:
    """Text from a scenario file made safe to put in Markdown: rendered as the same text, never as markup.

    ``&``, ``<`` and ``>`` become HTML entities (no tag or comment reaches an HTML rendering: the dashboard
    renders reports), Markdown punctuation is backslash-escaped (no link, image, emphasis, code or table
    cell), and a line cannot start a heading, quote or list. Line breaks are kept.
    """
    lines = []
    for line in str(text).splitlines():
        line = line.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        line = _MD_SPECIAL.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(_escape_line_start, line))
    return "\n".join(lines)


def _escape_line_start(m: re.Match) -> str:
    """'# x' -> '\\# x'; '1. x' -> '1\\. x' (a digit cannot be escaped; its list delimiter can)."""
    mark = m.group(2)
    return m.group(1) + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def md_code(text: Any) -> str:
    """Text as one inline code span (shown verbatim: renderers do not interpret HTML in code), fenced with more
    backticks than any run inside it."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_table(frame: pd.DataFrame) -> list[str]:
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return lines


# ------------------------------------------------------------------------------------------------ choices
def report_metrics(result: BatchResult, metrics: list[str] | None = None) -> list[str]:
    chosen = metrics or result.scenario.analysis.metrics
    return [m for m in chosen if m in METRICS and m in result.runs.columns]


def condition_columns(result: BatchResult) -> list[str]:
    """The columns that name a condition in tables: the factors (and list-design parameters), not samples."""
    s = result.scenario
    return [c for c in s.varied if c not in s.sampled and c in result.runs.columns]


def sweep_factor(result: BatchResult) -> str | None:
    """The numeric factor to draw curves against: as declared, else a numeric factor with >= 3 levels."""
    s = result.scenario
    if s.analysis.x:
        return s.analysis.x
    for f in condition_columns(result):
        if f == s.compare:
            continue
        col = result.runs[f]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() >= 3:
            return f
    return None


# ------------------------------------------------------------------------------------------------ the report
def write_report(source: BatchResult | str | Path, out: str | Path | None = None, metrics: list[str] | None = None,
                 target: str | None = None, progress: bool = True) -> Path:
    """Analyse a batch and write ``report.md``, ``figures/`` and ``tables/``; return the report's path.

    Written into the batch's own folder, the files are recorded in its manifest as the report's outputs (so
    that ``batch --fresh`` deletes them, and nothing it did not write). ``progress``: a bar while the
    attribution's runs are computed (where the scenario asks for one and it is not cached)."""
    _PROGRESS.set(bool(progress))
    result = source if isinstance(source, BatchResult) else load_results(source)
    out = Path(out) if out is not None else (result.path or Path("results") / result.scenario.name)
    own_folder = result.path is not None and out.resolve() == Path(result.path).resolve()
    before = files_under(out) if own_folder else {}
    path = _write_report(result, out, metrics, target)
    if own_folder:
        register_outputs(out, [p for p, t in files_under(out).items() if before.get(p) != t])
    return path


def _write_report(result: BatchResult, out: Path, metrics: list[str] | None, target: str | None) -> Path:
    figdir, tabdir = out / "figures", out / "tables"
    figdir.mkdir(parents=True, exist_ok=True)
    tabdir.mkdir(parents=True, exist_ok=True)
    s = result.scenario
    ms = report_metrics(result, metrics)
    lines: list[str] = [f"# {md_text(s.name)}", ""]
    if s.description.strip():
        lines += [md_text(s.description.strip()), ""]
    lines += _provenance(result)
    ok = result.ok
    if ok.empty:
        lines += ["", "**No run finished successfully, so there is nothing to analyse.** See the failures above."]
        return _write(out, lines)

    table = outcomes(result, metrics=ms)
    conds = condition_columns(result)
    if s.compare in conds:  # a list design's companions of the compared factor name no groups of their own
        conds = [c for c in conds if c not in tied_to(table, s.compare, conds)]
    lines += ["", "## Outcomes", "",
              f"A run's outcome is the mean of its last {s.window} month{'s' if s.window > 1 else ''}. Each cell is "
              f"the mean over replicates with its 95% confidence interval in brackets"
              + (" (pooled over the sample points of the design)" if s.sampled else "") + "."]
    summary = summarise(table, conds, ms)
    summary.to_csv(tabdir / "summary.csv", index=False)
    lines += [""] + _outcome_table(summary, conds, ms)
    if conds:
        by = s.compare if s.compare in conds else conds[0]
        if len(conds) == 1 or s.compare is None:
            fig = plots.comparison(summarise(table, [by], ms), ms, by, title=f"{s.name}: outcome by {by} (95% CI)")
            lines += ["", _figure(plots.save(fig, figdir / "comparison"), out, f"Outcomes by {by} with 95% CIs")]
    lines += [""] + _steady_state(result, ms, conds, tabdir)

    # comparisons on common random numbers
    if s.compare and s.compare in table.columns:
        try:
            if s.compare == "regime":
                lines += [""] + _claim(result, table, tabdir)
            lines += [""] + _comparisons(result, table, ms, tabdir)
        except AnalysisError as e:
            lines += ["", "## What differs, and how sure we are", "", f"Not compared: {md_text(e)}."]

    # where the money goes
    if conds and s.compare in conds:
        lines += _cost_components(result, s.compare, figdir, tabdir, out)

    # why the regimes differ: attribution to mechanisms
    if s.attribution is not None:
        lines += [""] + why_regimes_differ(result, figdir, tabdir, out)

    # a shift in needs
    shock = _shock_month(result)
    if shock is not None:
        lines += [""] + _shock(result, shock, figdir, tabdir, out)

    # curve along a swept factor
    x = sweep_factor(result)
    if x and table[x].nunique() >= 2:
        lines += [""] + _sweep(result, table, x, ms, figdir, tabdir, out)

    # time series
    ts_by = [c for c in conds if c == s.compare] or conds[:1]
    if len(conds) <= 2 and not s.sampled:
        ts_by = conds
    n_groups = result.timeseries[ts_by].drop_duplicates().shape[0] if ts_by else 1
    if n_groups <= 8:
        tsum = timeseries_summary(result.timeseries, ts_by, ms)
        fig = plots.timeseries(tsum, ms, ts_by, title=f"{s.name}: monthly means with 95% bands")
        lines += ["", "## Over time", "", _figure(plots.save(fig, figdir / "timeseries"), out,
                                                     "Monthly means with 95% confidence bands")]

    # sensitivity and discovery
    target = target or s.analysis.target or _default_target(ms)
    if s.design.kind in ("morris", "sobol"):
        lines += [""] + sensitivity_section(result, [target] + [m for m in ms if m != target][:2], figdir,
                                            tabdir, out)
    if s.compare and target and s.compare in table.columns and table[s.compare].nunique() >= 2:
        lines += [""] + _discovery(result, table, target, figdir, tabdir, out)

    lines += ["", "## Method", "", _method_note(result)]
    return _write(out, lines)


def _write(out: Path, lines: list[str], name: str = "report.md") -> Path:
    path = out / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _figure(paths: list[Path], out: Path, caption: str) -> str:
    png = paths[0].relative_to(out)
    svg = paths[1].relative_to(out)
    return f"![{caption}]({png.as_posix()})  \n*{caption}* ([SVG]({svg.as_posix()}))"


def _default_target(ms: list[str]) -> str | None:
    for m in ["satisfaction", *ms]:
        if m in METRICS and METRICS[m].better != "neither":
            return m
    return None


def _provenance(result: BatchResult) -> list[str]:
    s, man = result.scenario, result.manifest
    d = man.get("design", {})
    git = man.get("git", {}) or {}
    commit = (git.get("commit") or "unknown")[:12] + (" (with uncommitted changes)" if git.get("dirty") else "")
    prog = man.get("progress", {})
    timings = man.get("timings", {})
    lines = ["## What was run", "",
             f"- Design: **{s.design.kind}**, {d.get('conditions', '?')} condition(s) × {s.replicates} replicate(s) "
             f"= {d.get('runs', '?')} runs of {s.steps} months.",
             f"- Varied: {', '.join(d.get('varied', [])) or 'nothing'}; fixed: "
             + (", ".join(f"{k} = {v}" for k, v in s.params.items()) or "all parameters at their defaults") + ".",
             f"- Seeds: root {s.seed}; replicate k runs with the same seed in every condition (common random "
             f"numbers), spawned with NumPy's SeedSequence.",
             f"- Finished: {prog.get('finished', len(result.ok))} of {prog.get('runs', '?')} runs"
             + (f"; **{prog.get('failed')} failed**" if prog.get("failed") else "") + f"; status {man.get('status')}.",
             f"- Software: mutual-state {man.get('package', {}).get('version', '?')}, git commit {commit}; "
             f"compute {num(timings.get('run_seconds_total'))} s in runs, "
             f"{num(timings.get('wall_seconds_total'))} s wall time."]
    if man.get("status") != "complete":
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


def _steady_state(result: BatchResult, ms: list[str], conds: list[str], tabdir: Path) -> list[str]:
    """Is every headline metric at a steady state over the outcome window? Warn for each one still moving."""
    s = result.scenario
    burn_in = s.steps - s.window
    lines = ["## Steady state", "",
             f"Outcomes are read over months {burn_in + 1}–{s.steps}, after a burn-in of {burn_in} months. Each "
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


def _outcome_table(summary: pd.DataFrame, conds: list[str], ms: list[str]) -> list[str]:
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
            r = part[part["metric"] == m].iloc[0]
            row[m] = ci_text(r["mean"], r["ci_low"], r["ci_high"])
        row["n"] = int(part["n"].max())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(ms) > 6:  # keep the table readable: one row per metric instead
        frame = frame.set_index(conds).T if conds else frame.T
        frame.index.name = "metric"
        frame = frame.reset_index()
        frame.columns = [", ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    return _md_table(frame)


def _comparisons(result: BatchResult, table: pd.DataFrame, ms: list[str], tabdir: Path) -> list[str]:
    s = result.scenario
    factor = s.compare
    blocks = [c for c in condition_columns(result) if c != factor]
    blocks = [c for c in blocks if c not in tied_to(table, factor, blocks)]
    baseline = s.analysis.baseline
    if baseline is not None:
        baseline = REGISTRY[factor].validate(baseline) if factor in REGISTRY else baseline
        baseline = _stored_form(table[factor], baseline)
    comp = paired_comparisons(table, factor, ms, baseline=baseline, blocks=blocks)
    if comp.empty:
        return ["## Paired comparisons", "", "Not enough paired runs to compare."]
    pooled = pd.DataFrame()
    if blocks:  # first the answer averaged over the other factors, then block by block
        pooled = paired_comparisons(table, factor, ms, baseline=baseline, pool=blocks)
        pooled[blocks] = "(all)"
        comp = pd.concat([pooled, comp], ignore_index=True)
        comp["p_holm"] = holm(comp["p"].to_numpy())
        pooled = comp.iloc[:len(pooled)]
        comp_blocks = comp.iloc[len(pooled):]
    else:
        comp_blocks = comp
    comp.to_csv(tabdir / "comparisons.csv", index=False)
    base = comp["baseline"].iloc[0]
    lines = ["## What differs, and how sure we are", "",
             f"Each level of **{factor}** is compared with **{base}** run for run on the same seeds (paired "
             f"differences over replicates{', and over sample points' if s.sampled else ''}). A difference is "
             f"called clear when its Holm-adjusted paired t-test gives p < {ALPHA} across all "
             f"{len(comp)} comparisons in this report; d_z is the mean difference in standard deviations of the "
             f"paired differences."]
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


CLAIM = [("participation_rate", "more participatory", "less participatory"),
         ("cost_per_capita", "cheaper", "dearer"),
         ("responsiveness", "more responsive", "less responsive")]


def _claim_basis(result: BatchResult, tabdir: Path, metric: str, other: str) -> str:
    """Where the scenario attributes mutual − ``other`` (its attribution baseline): which mechanism carries the
    difference in ``metric`` (the largest Shapley value), and whether a source or an assumption supports it."""
    from .attribution import MECHANISM_BASIS

    at = result.scenario.attribution
    if at is None or other != at.baseline or metric not in at.metrics or (at.regimes and "mutual" not in at.regimes):
        return ""
    try:
        table = _attribution_table(result, "mutual", tabdir)
    except Exception:  # the claim must not be lost to an attribution failure; its section says what went wrong
        return ""
    rows = table[table["metric"] == metric].set_index("mechanism")
    parts = rows.drop(index=["total", "interaction", "not attributed"], errors="ignore")["shapley"]
    total = float(rows.loc["total", "contribution"])
    if parts.empty or total == 0 or not math.isfinite(total):
        return ""
    lead = parts.abs().idxmax()
    share = float(parts[lead]) / total
    sourced, _ = MECHANISM_BASIS.get(lead, (False, ""))
    return (f" Carried mostly by **{lead}** ({share:.0%} of the difference, Shapley): "
            + ("sourced." if sourced else "**an assumption**, so this verdict is conditional on it."))


def _claim(result: BatchResult, table: pd.DataFrame, tabdir: Path) -> list[str]:
    """Mayo & Moore's claim in its own words: mutuals are more participatory, cheaper and more responsive; where
    the scenario attributes the differences, each clear verdict says which mechanism carries it."""
    levels = list(dict.fromkeys(table["regime"]))
    if "mutual" not in levels or len(levels) < 2:
        return []
    others = [lv for lv in levels if lv != "mutual"]
    pool = [c for c in condition_columns(result) if c != "regime"]
    pool = [c for c in pool if c not in tied_to(table, "regime", pool)]  # moves with the regime: not a block
    keys = ["replicate"] + (["point"] if "point" in table.columns else []) + pool
    rows = []
    for metric, _, _ in CLAIM:
        if metric not in table.columns:
            continue
        wide = table.pivot_table(index=keys, columns="regime", values=metric, aggfunc="first")
        for other in others:
            if other in wide.columns and "mutual" in wide.columns:
                rows.append((metric, other, paired_test(wide["mutual"].to_numpy(), wide[other].to_numpy())))
    if not rows:
        return []
    p_adj = holm([r[2].p for r in rows])
    over = " (pooled over " + ", ".join(pool) + ")" if pool else ""
    lines = ["## The claim", "",
             f"Mayo & Moore (2001) claim that mutuals are more participatory, cheaper and more responsive. Mutual "
             f"against each other regime, paired on common random numbers{over}, Holm-adjusted over these "
             f"{len(rows)} tests:", ""]
    words = {m: (good, bad) for m, good, bad in CLAIM}
    for (metric, other, res), p in zip(rows, p_adj, strict=True):
        good, bad = words[metric]
        better = METRICS[metric].better
        if not math.isfinite(res.mean_diff) or res.n < 2:
            lines.append(f"- Mutuals against {other}: {metric} cannot be tested ({res.n} pairs).")
            continue
        if p < ALPHA:
            improves = (res.mean_diff > 0) == (better == "higher")
            verdict = f"**{good if improves else bad}** than {other}"
        else:
            verdict = f"not detectably {good} than {other}"
        basis = _claim_basis(result, tabdir, metric, other) if p < ALPHA else ""
        lines.append(f"- Mutuals are {verdict}: {metric} differs by "
                     f"{ci_text(res.mean_diff, res.low, res.high, signed=True)} (95% CI; {pval(p)}, d_z = "
                     f"{num(res.d_z)}, {res.n} pairs).{basis}")
    return lines + [""] + kind_differences_note(result)


def _cost_components(result: BatchResult, factor: str, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Where the money goes: the accrued public cost per adult taken apart into its components (they sum to
    ``cost_per_capita`` month by month), mean over the outcome window and replicates, per level of ``factor``."""
    parts = [c for c in COMPONENT_METRICS if c in result.timeseries.columns]
    if not parts or "cost_per_capita" not in result.timeseries.columns:
        return []
    table = outcomes(result, metrics=[*parts, "cost_per_capita"])
    levels = list(dict.fromkeys(table[factor]))
    baseline = _stored_form(table[factor], result.scenario.analysis.baseline)
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
    fig = plots.cost_components(means, total, title=f"{result.scenario.name}: public cost by component")
    return ["", "## Where the money goes", "",
            "Public cost per adult a month (accrued: yearly and contract-long payments are spread over the months "
            "they serve), taken apart into the components that sum to it; mean over the outcome window and "
            "replicates. Components below £0.005 in every column are left out of the table.", ""] + rows + [
        "", _figure(plots.save(fig, figdir / "cost_components"), out, f"Public cost by component, per {factor}")]


def kind_differences_note(result: BatchResult) -> list[str]:
    """What makes the kinds differ in this scenario, and what each difference rests on (ODD §2.4)."""
    from ..parameters import defaults
    from .attribution import KIND_MECHANISMS, MECHANISM_BASIS, resolve_mechanisms

    params = {**defaults(), **result.scenario.params}
    active = resolve_mechanisms(None, params)
    varied = [n for n, names in KIND_MECHANISMS.items() if set(names) & set(result.scenario.varied)]
    lines = ["The kinds differ here only through these mechanisms (every other kind difference is neutral, "
             "ODD §2.4):", ""]
    for name in dict.fromkeys(list(active) + varied):
        sourced, basis = MECHANISM_BASIS[name]
        lines.append(f"- **{name}** — {'sourced' if sourced else '**assumption**'}: {basis}.")
    if any(not MECHANISM_BASIS[n][0] for n in dict.fromkeys(list(active) + varied)):
        lines += ["", "A verdict above that comes from a mechanism marked as an assumption is conditional on it; "
                  "\"Why the regimes differ\" (where the scenario asks for it) says how much of each difference "
                  "each mechanism makes."]
    return lines


def _shock_month(result: BatchResult) -> int | None:
    s = result.scenario
    month = s.params.get("need_shock_month")
    if month is None or "need_shock_month" in s.varied:
        return None
    return int(month) if 0 < int(month) <= s.steps else None


def _shock(result: BatchResult, month: int, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    s = result.scenario
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
            r = g[g["metric"] == m].iloc[0]
            row[m.replace("_", " ")] = ci_text(r["mean"], r["ci_low"], r["ci_high"])
        sel = resp
        for c, v in zip(conds, key, strict=True):
            sel = sel[sel[c] == v]
        row["recovered"] = f"{int(sel['recovered'].sum())}/{len(sel)}"
        rows.append(row)
    lines += [""] + _md_table(pd.DataFrame(rows))
    if s.compare and s.compare in resp.columns:
        blocks = [c for c in conds if c != s.compare]
        comp = paired_comparisons(resp, s.compare, ["loss"], blocks=blocks,
                                  baseline=_stored_form(resp[s.compare], s.analysis.baseline)
                                  if s.analysis.baseline is not None else None)
        if len(comp):
            lines += ["", f"Paired on the same seeds, loss of responsiveness after the shift (lower is better), "
                      f"against {comp['baseline'].iloc[0]}:", ""]
            for r in comp.itertuples():
                faster = "smaller" if r.mean_diff < 0 else "larger"
                clear = r.p_holm < ALPHA
                lines.append(f"- {r.level}: {ci_text(r.mean_diff, r.ci_low, r.ci_high, signed=True)} "
                             f"responsiveness-months — " + (f"clearly {faster} ({pval(r.p_holm)}, d_z = "
                                                           f"{num(r.d_z)})." if clear else
                                                           f"no clear difference ({pval(r.p_holm)})."))
    by = [c for c in conds if c == s.compare] or conds[:1]
    tsum = timeseries_summary(result.timeseries, by, ["responsiveness", "satisfaction"])
    fig = plots.timeseries(tsum, ["responsiveness", "satisfaction"], by, title=f"{s.name}: shift in month {month}")
    for ax in fig.axes[:2]:
        ax.axvline(month, color="0.4", linestyle="--", linewidth=0.8)
    lines += ["", _figure(plots.save(fig, figdir / "shock"), out, "Responsiveness and satisfaction around the "
                          "shift (dashed line), 95% bands")]
    return lines


def _stored_form(column: pd.Series, value: Any) -> Any:
    """The value as it appears in a results column (JSON text for ranges)."""
    if isinstance(value, tuple):
        if value[0] == value[1] and pd.api.types.is_numeric_dtype(column):
            return value[0]
        return json.dumps(list(value))
    return value


def _headline(lg: pd.DataFrame) -> str:
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


def _comparison_sentence(r, table: pd.DataFrame, factor: str, block: dict[str, Any]) -> str:
    sel = table
    for k, v in block.items():
        sel = sel[sel[k] == v]
    m = r.metric
    mean_level = sel.loc[sel[factor] == r.level, m].mean()
    mean_base = sel.loc[sel[factor] == r.baseline, m].mean()
    unit = METRICS[m].unit if m in METRICS else ""
    head = f"**{m}**: {num(mean_level)} vs {num(mean_base)} {unit}, a difference of " \
           f"{ci_text(r.mean_diff, r.ci_low, r.ci_high, signed=True)} (95% CI)"
    if r.n_pairs < 2:
        return head + f"; only {r.n_pairs} pair, no test possible."
    if not math.isfinite(r.t):
        same = r.mean_diff == 0
        return head + (": identical in every pair." if same else
                       f": the same difference in all {r.n_pairs} pairs, so it is not luck.")
    clear = r.p_holm < ALPHA
    if clear:
        verdict = {True: "better", False: "worse", None: "different"}[r.improves]
        return (head + f" — clearly {verdict} ({pval(r.p_holm)} Holm-adjusted, paired t over {r.n_pairs} pairs; "
                f"Wilcoxon {pval(r.p_wilcoxon)}; d_z = {num(r.d_z)}, {r.effect}).")
    if math.isfinite(r.ci_low) and (r.ci_low > 0 or r.ci_high < 0):
        return (head + f" — suggestive, but not clear once adjusted for the number of comparisons "
                f"({pval(r.p_holm)} Holm-adjusted, unadjusted {pval(r.p)}, {r.n_pairs} pairs).")
    bound = max(abs(r.ci_low), abs(r.ci_high)) if math.isfinite(r.ci_low) else math.nan
    return (head + f" — no clear difference ({pval(r.p_holm)} Holm-adjusted, {r.n_pairs} pairs); the interval "
            f"rules out differences larger than {num(bound)}.")


def _sweep(result: BatchResult, table: pd.DataFrame, x: str, ms: list[str], figdir: Path, tabdir: Path,
           out: Path) -> list[str]:
    s = result.scenario
    conds = condition_columns(result)
    moving = tied_to(table, x, conds)
    groups = [c for c in conds if c != x and c not in moving]
    summary = summarise(table, [*groups, x], ms)
    highlight = (400, 600) if x == "unit_size" else None
    fig = plots.curve(summary, x, ms, groups, title=f"{s.name}: outcome against {x} (95% CI)", highlight=highlight)
    lines = [f"## Along {x}", ""]
    if moving:
        lines += [f"({', '.join(moving)} move{'s' if len(moving) == 1 else ''} with {x} in this design.)", ""]
    lines += [_figure(plots.save(fig, figdir / f"curve_{x}"), out,
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
        r = _Row(rec)
        where = ", ".join(f"{g} = {rec[g]}" for g in groups)
        tied = [v for v in r.indistinguishable if v != r.best]
        text = (f"- {'(' + where + ') ' if where else ''}**{r.metric}** ({r.better} is better): best at {x} = "
                f"{r.best} (mean {num(r.best_mean)})")
        text += f"; indistinguishable: {', '.join(map(str, tied))}." if tied else "; better than every other level."
        if x == "unit_size":
            inside = [v for v in r.indistinguishable if _in_range(v, 400, 600)]
            text += (" The best size lies in 400–600." if _in_range(r.best, 400, 600) else
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
    from . import sensitivity as sens

    s = result.scenario
    name = "Morris screening" if s.design.kind == "morris" else "Sobol' indices"
    lines = [f"## Sensitivity ({name})", ""]
    lines.append(sens.HOW_TO_READ[s.design.kind])
    for m in dict.fromkeys(x for x in metrics if x):
        try:
            sr = sens.analyse(result, m)
        except AnalysisError as e:
            lines += ["", f"- {m}: not analysed: {md_text(e)}"]
            continue
        sr.table.to_csv(tabdir / f"sensitivity_{m}.csv", index=False)
        fig = plots.sensitivity(sr.table, sr.method, sr.groups, m)
        lines += ["", f"### {m}", ""] + sens.to_text(sr)
        lines += ["", _figure(plots.save(fig, figdir / f"sensitivity_{m}"), out, f"{name} for {m}")]
    return lines


def _discovery(result: BatchResult, table: pd.DataFrame, target: str, figdir: Path, tabdir: Path,
               out: Path) -> list[str]:
    from .discovery import describe_discovery, discovery_features, where_each_wins

    s = result.scenario
    features = discovery_features(result)
    if not features:
        return []
    keys = (["point"] if "point" in table.columns else []) + [c for c in condition_columns(result)
                                                               if c != s.compare]
    n_points = table[keys].drop_duplicates().shape[0] if keys else 1
    if n_points < 8:  # too few places to describe regions; the paired comparisons above say it all
        return []
    try:
        d = where_each_wins(table, s.compare, target, features, seed=0, keys=keys)
    except AnalysisError as e:
        return [f"## Where does each {s.compare} win?", "", f"Not analysed: {md_text(e)}"]
    (tabdir / "discovery.json").write_text(json.dumps(describe_discovery(d), indent=2, default=str))
    lines = [f"## Where does each {s.compare} win?", "", d.to_text(), ""] + d.rules_markdown()
    ranked = sorted(d.importances, key=d.importances.get, reverse=True) or d.features
    fig = plots.discovery_map(d.winners, ranked, s.compare, target) if len(d.win_counts) > 1 else None
    if fig is not None:
        lines += ["", _figure(plots.save(fig, figdir / f"discovery_{target}"), out,
                              f"Best {s.compare} on {target} at each design point")]
    return lines


def _method_note(result: BatchResult) -> str:
    s = result.scenario
    return (f"Outcomes are per-run means over the last {s.window} month(s). Confidence intervals are two-sided "
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
            r = summary[(summary[factor] == level) & (summary["metric"] == m)].iloc[0]
            row[m] = ci_text(r["mean"], r["ci_low"], r["ci_high"])
        rows.append(row)
    return pd.DataFrame(rows)


def format_table(frame: pd.DataFrame) -> str:
    cols = [str(c) for c in frame.columns]
    cells = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in cells:
        out.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    return "\n".join(out)


__all__ = ["write_report", "comparison_table", "format_table", "num"]


# ------------------------------------------------------------------------------------------------ attribution
REGIME_NOUNS = {"state": "state departments", "privatised": "contractors", "mutual": "mutuals",
                "conversion": "converting services"}


def _attribution_table(result: BatchResult, regime: str, tabdir: Path) -> pd.DataFrame:
    """sim.attribute_differences for one regime, cached in tables/ by scenario, settings and model code."""
    import json

    from .attribution import attribute_differences
    from .store import model_fingerprint

    s, at = result.scenario, result.scenario.attribution
    key = {"scenario": s.fingerprint(), "attribution": at.model_dump(mode="json"), "regime": regime,
           "model": model_fingerprint(), "window": s.window}
    csv, meta = tabdir / f"attribution_{regime}.csv", tabdir / f"attribution_{regime}.json"
    if csv.exists() and meta.exists() and json.loads(meta.read_text()) == key:
        return pd.read_csv(csv)
    table = attribute_differences(baseline=at.baseline, regime=regime, replicates=at.replicates,
                                  steps=at.steps or s.steps, rng=s.seed, mechanisms=at.mechanisms, window=s.window,
                                  metrics=at.metrics, progress=_PROGRESS.get(), **{**s.params, **at.params})
    table.to_csv(csv, index=False)
    meta.write_text(json.dumps(key, sort_keys=True))
    return table


def _money(x: float) -> str:
    return f"£{abs(x):,.2f}"


def attribution_sentence(table: pd.DataFrame, metric: str, regime: str, baseline: str) -> str:
    """One regime pair in words: the total difference and what it is made of."""
    from .attribution import MECHANISM_BASIS

    rows = table[table["metric"] == metric].set_index("mechanism")
    total = rows.loc["total"]
    who, than = REGIME_NOUNS.get(regime, regime).capitalize(), REGIME_NOUNS.get(baseline, baseline)
    # In words, interactions are shared out (Shapley values); the table and the waterfall show them apart.
    parts = rows.drop(index=["total", "interaction"]).assign(contribution=lambda f: f["shapley"])
    parts = parts[parts["contribution"].abs() > 1e-9].sort_values("contribution", key=abs, ascending=False)
    money = metric in ("cost_per_capita", "total_cost_per_capita")
    fmt = (lambda v: _money(v)) if money else (lambda v: num(v, signed=True))
    if money:
        head = (f"{who} cost {_money(total['contribution'])} {'more' if total['contribution'] > 0 else 'less'} per "
                f"adult a month than {than} (95% CI {num(total['low'], signed=True)} to "
                f"{num(total['high'], signed=True)})")
    else:
        head = (f"{who} differ from {than} by {num(total['contribution'], signed=True)} in {metric} (95% CI "
                f"{num(total['low'], signed=True)} to {num(total['high'], signed=True)})")
    if parts.empty:
        return head + "; no mechanism contributes."
    pieces = []
    for name, r in parts.head(4).iterrows():
        sign = "" if money else ""
        direction = ("more" if r["contribution"] > 0 else "less") if money else ""
        pieces.append(f"{fmt(r['contribution'])}{' ' + direction if direction else sign} from {name}")
    lead = parts.index[0]
    sourced, basis = MECHANISM_BASIS.get(lead, (False, "a named set of parameters"))
    caveat = (f" The largest part, {lead}, rests on {basis}." if sourced else
              f" The largest part, {lead}, rests on an assumption without a source ({basis}): read it as "
              f"conditional on that assumption.") if lead != "not attributed" else ""
    return head + "; of it (interactions shared equally), " + ", ".join(pieces) + "." + caveat


def why_regimes_differ(result: BatchResult, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Section "Why the regimes differ": per regime, a table of contributions, a sentence per headline
    metric, and a waterfall figure per metric."""
    s, at = result.scenario, result.scenario.attribution
    levels = list(s.design.factors.get("regime", [])) + [c["regime"] for c in s.design.conditions if "regime" in c]
    regimes = at.regimes or [r for r in dict.fromkeys(levels) if r != at.baseline]
    from .attribution import LEVER_MECHANISMS

    levers = [m for m in (at.mechanisms or []) if m in LEVER_MECHANISMS]
    what = (f"the named mechanisms — the provider kind (every kind difference together, off in the null model "
            f"`sim.neutral_kinds()`) and the proposal's levers ({', '.join(levers)}; off = the setting in force "
            f"today) —" if levers else
            "the mechanisms that make the kinds differ, from the null model in which the kinds behave alike "
            "(`sim.neutral_kinds()`),")
    lines = ["## Why the regimes differ", "",
             f"Each difference against {REGIME_NOUNS.get(at.baseline, at.baseline)} is taken apart by switching "
             f"{what} on one at a time and in every combination, on {at.replicates} "
             f"common-random-number replicates (`sim.attribute_differences`; ODD §9 D-N5). A mechanism's "
             f"contribution is its effect switched on alone; `interaction` is what they do together beyond the "
             f"sum; `not attributed` is what remains with every named mechanism off; the parts add up to the total. "
             f"95% intervals are bootstraps over replicates; the Shapley values (interactions shared equally) are in "
             f"`tables/attribution_<regime>.csv`."]
    if not regimes:
        return lines + ["", "No regime to explain: the design has a single regime."]
    for regime in regimes:
        try:
            table = _attribution_table(result, regime, tabdir)
        except Exception as e:  # the batch's report must not be lost to an attribution failure
            lines += ["", f"{REGIME_NOUNS.get(regime, regime).capitalize()}: not attributed ({type(e).__name__}: {e})."]
            continue
        lines += ["", f"### {REGIME_NOUNS.get(regime, regime).capitalize()} against "
                      f"{REGIME_NOUNS.get(at.baseline, at.baseline)}", ""]
        lines += [f"- {attribution_sentence(table, m, regime, at.baseline)}" for m in at.metrics
                  if m in set(table["metric"])]
        wide = table.assign(cell=[ci_text(c, lo, hi, signed=True) for c, lo, hi in
                                  zip(table["contribution"], table["low"], table["high"], strict=True)])
        wide = wide.pivot(index="mechanism", columns="metric", values="cell")
        order = [m for m in table["mechanism"].drop_duplicates()]
        wide = wide.reindex(order)[[m for m in at.metrics if m in wide.columns]].reset_index()
        lines += [""] + _md_table(wide)
        for metric in at.metrics:
            if metric not in set(table["metric"]):
                continue
            fig = plots.waterfall(table, metric, title=f"{metric}: {regime} - {at.baseline}")
            lines += ["", _figure(plots.save(fig, figdir / f"why_{regime}_{metric}"), out,
                                  f"Why {REGIME_NOUNS.get(regime, regime)} differ from "
                                  f"{REGIME_NOUNS.get(at.baseline, at.baseline)} in {metric}")]
    return lines
