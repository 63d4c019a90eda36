"""The report's section "How fast each regime follows a shift in needs" (ODD §8, §9 D-Q2): beside a comparison
of regimes, each regime runs again with needs shifting once at the steady state, and the recovery half-life of
``responsiveness`` is reported per regime with its interval over replicates, and paired against the baseline.

The runs are separate from the comparison's, so the shift does not touch its outcome window; replicate k uses
the batch's seed k under every regime (common random numbers: the same population and the same shift). They are
cached in ``tables/`` by scenario, settings and model code, as the attribution's are.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..regimes import regime_noun
from .analysis import paired_comparisons, shock_response, summarise
from .designs import replicate_seeds
from .executors import process_pool
from .formatting import ci_text, md_table, num, pval
from .provenance import model_fingerprint
from .recovery_settings import Recovery
from .results import BatchResult
from .sections import ALPHA
from .tasks import run_one

#: Each run's responsiveness over the 12 months before the shift is its baseline (``shock_response``).
BASELINE_MONTHS = 12

#: The figures read per run: the drop below the baseline, the months to regain half of it, the months lost.
SHOCK_FIGURES = ("half_recovery", "drop", "loss")


def compared_regimes(result: BatchResult) -> list[str]:
    """The regimes of the batch's design, in its order (the factor ``regime`` or its list conditions)."""
    design = result.scenario.design
    levels = list(design.factors.get("regime", [])) + [c["regime"] for c in design.conditions if "regime" in c]
    return list(dict.fromkeys(levels))


def shocked_responsiveness(params: dict[str, Any], seed: int, steps: int) -> pd.Series:
    """One run's responsiveness month by month (``run_one``: module-level, so a process pool can pickle it)."""
    return run_one(params, seed, steps)["responsiveness"]


def recovery_runs(scenario, recovery: Recovery, regimes: list[str], workers: int | None = None) -> pd.DataFrame:
    """Per run (regime, replicate): ``shock_response`` of its responsiveness — baseline, drop, half_recovery
    (NaN if it never regains half the drop), loss and whether it recovered. Runs go to a process pool."""
    steps = recovery.months(scenario.steps)
    seeds = replicate_seeds(scenario.seed, recovery.replicates)
    shock = {"need_shock_month": recovery.shock_month, "need_shock_size": recovery.size,
             "need_shock_share": recovery.share}
    tasks = {(regime, k): {**scenario.params, **shock, "regime": regime}
             for regime in regimes for k in range(recovery.replicates)}
    paths = {}
    with process_pool(workers) as pool:
        futures = {pool.submit(shocked_responsiveness, params, seeds[k], steps): (regime, k)
                   for (regime, k), params in tasks.items()}
        for future in cf.as_completed(futures):
            paths[futures[future]] = future.result()
    frames = [pd.DataFrame({"run_id": f"{regime}/{k}", "step": paths[(regime, k)].index,
                            "responsiveness": paths[(regime, k)].to_numpy()}) for regime, k in tasks]
    runs = shock_response(pd.concat(frames, ignore_index=True), recovery.shock_month, "responsiveness",
                          before=BASELINE_MONTHS)
    keys = runs["run_id"].str.rsplit("/", n=1, expand=True)
    runs = runs.assign(regime=keys[0], replicate=keys[1].astype(int))
    return runs.sort_values(["regime", "replicate"], key=lambda column: column.map(
        {regime: order for order, regime in enumerate(regimes)}) if column.name == "regime" else column,
        kind="stable", ignore_index=True)


def recovery_table(result: BatchResult, tabdir: Path) -> pd.DataFrame:
    """``recovery_runs`` for the batch's regimes, cached in tables/ by scenario, settings and model code."""
    scenario = result.scenario
    key = {"scenario": scenario.fingerprint(), "recovery": scenario.recovery.model_dump(mode="json"),
           "model": model_fingerprint(), "regimes": compared_regimes(result)}
    csv, meta = tabdir / "recovery.csv", tabdir / "recovery.json"
    if csv.exists() and meta.exists() and json.loads(meta.read_text()) == key:
        return pd.read_csv(csv)
    table = recovery_runs(scenario, scenario.recovery, compared_regimes(result))
    table.to_csv(csv, index=False)
    meta.write_text(json.dumps(key, sort_keys=True))
    return table


def recovery_section(result: BatchResult, tabdir: Path) -> list[str]:
    """Section "How fast each regime follows a shift in needs": per regime the half-life, drop and loss with
    95% intervals over replicates, how many runs recovered, and each regime's half-life against the baseline's,
    paired on replicate."""
    scenario, recovery = result.scenario, result.scenario.recovery
    month = recovery.shock_month
    when = f"month {month}" + (f" (the end of year {month // 12})" if month % 12 == 0 else "")
    lines = ["## How fast each regime follows a shift in needs", "",
             f"Beside the comparison, each regime runs again on the batch's first {recovery.replicates} seeds "
             f"(common random numbers), at the scenario's parameters (not at a sampled design's draws), with "
             f"needs shifting once, in {when}, by {num(recovery.size)} in every "
             f"dimension of the preferred design in "
             f"a share {num(recovery.share)} of the units (ODD §7.14). These runs are separate from the "
             f"comparison's, so the shift does not touch its outcomes. For each run: the **half-life** (months "
             f"from the shift until responsiveness has regained half of its drop; averaged over the runs that "
             f"regained it, counted under *recovered*), the **drop** below its mean over the 12 months before, "
             f"and the **loss** (responsiveness-months lost after the shift). Means with 95% CIs:"]
    try:
        runs = recovery_table(result, tabdir)
    except Exception as e:  # the batch's report must not be lost to a failure of these extra runs
        return lines + ["", f"Not measured ({type(e).__name__}: {e})."]
    summary = summarise(runs, ["regime"], list(SHOCK_FIGURES))
    rows = []
    for regime, group in summary.groupby("regime", sort=False):
        row = {"regime": regime}
        for figure in SHOCK_FIGURES:
            stats = group[group["metric"] == figure].iloc[0]
            column = "half-life (months)" if figure == "half_recovery" else figure
            row[column] = ci_text(stats["mean"], stats["ci_low"], stats["ci_high"])
        chosen = runs[runs["regime"] == regime]
        row["recovered"] = f"{int(chosen['recovered'].sum())}/{len(chosen)}"
        rows.append(row)
    lines += [""] + md_table(pd.DataFrame(rows))
    baseline = scenario.analysis.baseline if scenario.analysis.baseline in set(runs["regime"]) else None
    if runs["regime"].nunique() >= 2:
        comp = paired_comparisons(runs, "regime", ["half_recovery"], baseline=baseline)
        if len(comp):
            lines += ["", f"Half-life against {regime_noun(comp['baseline'].iloc[0])}, paired on replicate "
                      f"(negative: follows the shift sooner):", ""]
            for stats in comp.itertuples():
                difference = ci_text(stats.mean_diff, stats.ci_low, stats.ci_high, signed=True)
                verdict = (f"clearly {'sooner' if stats.mean_diff < 0 else 'later'}" if stats.p_holm < ALPHA
                           else "no clear difference")
                lines.append(f"- {regime_noun(stats.level)}: {difference} months over {stats.n_pairs} pairs — "
                             f"{verdict} ({pval(stats.p_holm)}).")
    return lines
