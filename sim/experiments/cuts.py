"""Bearing cuts: which regime holds quality best as the budget falls (ODD §7.8, §9 D-M4; ``scenarios/austerity.toml``).

A batch that varies both ``regime`` and ``budget_real_change`` asks how each regime lives with less. For every
regime and every budget path below the highest (the budget that holds its value), a run's loss on a metric is its
outcome on the highest path minus its outcome on the lower one, paired on replicate and on any other factor
(common random numbers: the same seeds on every path). At the deepest cut, the regime with the smallest mean loss
holds the metric best; a paired test of its loss against each other regime's (Holm-adjusted over the section) says
whether the difference is clear.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..metrics_catalogue import METRICS
from .analysis import holm, mean_ci, paired_test
from .formatting import ci_text, md_table, num, pval

BUDGET = "budget_real_change"
REGIME = "regime"
ALPHA = 0.05
#: What "holding quality" is read on: the quality users get and what they make of it.
QUALITY_METRICS = ("quality_contractible", "quality_noncontractible", "satisfaction", "responsiveness")


def applies(table: pd.DataFrame, conditions: list[str]) -> bool:
    """The batch varies the regime and the budget's path: the section can answer its question."""
    return REGIME in conditions and BUDGET in conditions and table[BUDGET].nunique() >= 2


def quality_losses(table: pd.DataFrame, conditions: list[str], metric: str) -> pd.DataFrame:
    """One row per regime, lower budget path and pair (replicate and other factors): the loss of ``metric``
    from the highest budget path (positive: worse where higher is better)."""
    keys = [REGIME, "replicate", *[c for c in conditions if c not in (REGIME, BUDGET)]]
    highest = table[BUDGET].max()
    full = table[table[BUDGET] == highest].set_index(keys)[metric]
    rows = []
    for change in sorted(table[BUDGET].unique()):
        if change == highest:
            continue
        cut = table[table[BUDGET] == change].set_index(keys)[metric]
        loss = (full - cut).dropna().rename("loss").reset_index()
        rows.append(loss.assign(**{BUDGET: change, "metric": metric}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def cuts_section(table: pd.DataFrame, conditions: list[str], metrics: list[str], tabdir: Path) -> list[str]:
    """Section "Bearing cuts": each regime's loss per budget path and metric, and which regime holds each
    metric best at the deepest cut, with paired tests against the others."""
    judged = [m for m in QUALITY_METRICS if m in metrics and m in table.columns and METRICS[m].better == "higher"]
    losses = pd.concat([quality_losses(table, conditions, m) for m in judged], ignore_index=True) if judged else None
    if losses is None or losses.empty:
        return []
    losses.to_csv(tabdir / "bearing_cuts.csv", index=False)
    highest = table[BUDGET].max()
    deepest = losses[BUDGET].min()
    lines = ["## Bearing cuts", "",
             f"How much each regime loses as the budget falls: a run's outcome with budgets that change by {highest:+.1%} "
             f"a year minus its outcome on a lower path, on the same seeds (mean over replicates with a 95% CI; "
             f"positive is a loss). Read over the outcome window, after the budgets started to change.", ""]
    rows = []
    for (metric, change, regime), g in losses.groupby(["metric", BUDGET, REGIME], sort=False):
        ci = mean_ci(g["loss"])
        rows.append({"metric": metric, "budget change a year": f"{change:+.1%}", "regime": regime,
                     "loss": ci_text(ci.mean, ci.low, ci.high, signed=True)})
    lines += md_table(pd.DataFrame(rows))
    verdicts = []
    for metric in judged:
        at_deepest = losses[(losses["metric"] == metric) & (losses[BUDGET] == deepest)]
        means = at_deepest.groupby(REGIME)["loss"].mean().sort_values()
        if len(means) < 2:
            continue
        best = means.index[0]
        keys = [c for c in at_deepest.columns if c not in (REGIME, "loss", "metric")]
        by_regime = {r: g.set_index(keys)["loss"] for r, g in at_deepest.groupby(REGIME)}
        for other in means.index[1:]:
            a, b = by_regime[best].align(by_regime[other], join="inner")
            verdicts.append((metric, best, other, means[best], means[other], paired_test(a, b)))
    if not verdicts:
        return lines
    adjusted = holm([v[5].p for v in verdicts])
    lines += ["", f"Which regime holds each metric best as budgets fall by {-deepest:.1%} a year (the smallest loss; "
              f"paired on the same seeds, Holm-adjusted across this section):", ""]
    for metric in judged:
        mine = [(v, p) for v, p in zip(verdicts, adjusted, strict=True) if v[0] == metric]
        if not mine:
            continue
        best, best_loss = mine[0][0][1], mine[0][0][3]
        parts = []
        for (_, _, other, _, other_loss, _), p in mine:
            verdict = f"{best}'s loss is clearly smaller" if p < ALPHA else "no clear difference"
            parts.append(f"{other} loses {num(other_loss)} ({verdict}, {pval(p)})")
        lines.append(f"- **{metric}**: the smallest loss is **{best}**'s, {num(best_loss)}; " + "; ".join(parts) + ".")
    clear = {v[1] for v, p in zip(verdicts, adjusted, strict=True) if p < ALPHA}
    if not clear:
        lines += ["", "**No regime holds quality clearly better as the budget falls**: every regime's losses lie within "
                  "what the replicates cannot tell apart."]
    else:
        lines += ["", f"**{', '.join(sorted(clear))} hold{'s' if len(clear) == 1 else ''} quality clearly better "
                  f"on at least one metric as the budget falls** (see above for which)."]
    return lines


__all__ = ["applies", "cuts_section", "quality_losses"]
