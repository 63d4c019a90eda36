"""Bearing cuts: which regime holds quality best as the budget falls (ODD §7.8, §9 D-M4, D-K1, D-K2;
``scenarios/austerity.toml``).

A batch that varies both ``regime`` and ``budget_real_change`` asks how each regime lives with less. For every
regime and every budget path below the highest (the budget that holds its value), a run's loss on a metric is its
outcome on the highest path minus its outcome on the lower one, paired on replicate and on any other factor
(common random numbers: the same seeds on every path). At the deepest cut, the regime with the smallest mean loss
holds the metric best; a paired test of its loss against each other regime's (Holm-adjusted over the section) says
whether the difference is clear. Where the batch also varies what the guarantor does when the formula exceeds the
budget (``budget_rule``: a proportional cut, an eligibility threshold, a waiting list), the section answers once
per rule, and the access metrics (users refused, users waiting) are judged with quality: a rule that holds the
quality of those served by serving fewer shows its loss there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..metrics_catalogue import METRICS
from .analysis import holm, mean_ci, paired_test
from .formatting import ci_text, md_table, num, pval

BUDGET = "budget_real_change"
REGIME = "regime"
RULE = "budget_rule"
ALPHA = 0.05
#: What "holding quality" is read on: the quality users get, what they make of it, and who gets served at all.
QUALITY_METRICS = ("quality_contractible", "quality_noncontractible", "satisfaction", "responsiveness",
                   "refused_share", "waiting_share")


def applies(table: pd.DataFrame, conditions: list[str]) -> bool:
    """The batch varies the regime and the budget's path: the section can answer its question."""
    return REGIME in conditions and BUDGET in conditions and table[BUDGET].nunique() >= 2


def quality_losses(table: pd.DataFrame, conditions: list[str], metric: str) -> pd.DataFrame:
    """One row per regime, lower budget path and pair (replicate and other factors): the loss of ``metric``
    from the highest budget path (positive: worse, whether higher or lower is better)."""
    keys = [REGIME, "replicate", *[c for c in conditions if c not in (REGIME, BUDGET)]]
    highest = table[BUDGET].max()
    full = table[table[BUDGET] == highest].set_index(keys)[metric]
    rows = []
    for change in sorted(table[BUDGET].unique()):
        if change == highest:
            continue
        cut = table[table[BUDGET] == change].set_index(keys)[metric]
        worse = full - cut if METRICS[metric].better == "higher" else cut - full
        loss = worse.dropna().rename("loss").reset_index()
        rows.append(loss.assign(**{BUDGET: change, "metric": metric}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def cuts_section(table: pd.DataFrame, conditions: list[str], metrics: list[str], tabdir: Path) -> list[str]:
    """Section "Bearing cuts": each regime's loss per budget path and metric, and which regime holds each
    metric best at the deepest cut, with paired tests against the others; once per budget rule where the batch
    varies it."""
    judged = [m for m in QUALITY_METRICS if m in metrics and m in table.columns and METRICS[m].better != "neither"]
    if not judged:
        return []
    by_rule = RULE in conditions and table[RULE].nunique() > 1
    parts = table.groupby(RULE, sort=False) if by_rule else [(None, table)]
    others = [c for c in conditions if c != RULE] if by_rule else conditions
    blocks, frames = [], []
    for rule, part in parts:
        losses = pd.concat([quality_losses(part, others, m) for m in judged], ignore_index=True)
        losses = losses.groupby("metric").filter(lambda g: g["loss"].abs().max() > 0)  # a metric the rule never moves
        if losses.empty:
            continue
        frames.append(losses.assign(**{RULE: rule}) if by_rule else losses)
        heading = [f"### When the formula exceeds the budget: {rule}", ""] if by_rule else []
        blocks += heading + cuts_verdicts(losses, [m for m in judged if m in set(losses["metric"])]) + [""]
    if not frames:
        return []
    pd.concat(frames, ignore_index=True).to_csv(tabdir / "bearing_cuts.csv", index=False)
    highest = table[BUDGET].max()
    lines = ["## Bearing cuts", "",
             f"How much each regime loses as the budget falls: a run's outcome with budgets that change by {highest:+.1%} "
             f"a year minus its outcome on a lower path, on the same seeds (mean over replicates with a 95% CI; "
             f"positive is a loss: less quality or satisfaction, more users refused or waiting). Read over the "
             f"outcome window, after the budgets started to change.", ""]
    return lines + blocks[:-1]


def cuts_verdicts(losses: pd.DataFrame, judged: list[str]) -> list[str]:
    """The loss table of one budget rule and which regime loses least on each metric at the deepest cut, with
    paired tests against the others (Holm-adjusted within the rule)."""
    deepest = losses[BUDGET].min()
    lines = []
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
              f"paired on the same seeds, Holm-adjusted across these tests):", ""]
    for metric in judged:
        mine = [(v, p) for v, p in zip(verdicts, adjusted, strict=True) if v[0] == metric]
        if not mine:
            continue
        best, best_loss = mine[0][0][1], mine[0][0][3]
        said = []
        for (_, _, other, _, other_loss, _), p in mine:
            verdict = f"{best}'s loss is clearly smaller" if p < ALPHA else "no clear difference"
            said.append(f"{other} loses {num(other_loss)} ({verdict}, {pval(p)})")
        lines.append(f"- **{metric}**: the smallest loss is **{best}**'s, {num(best_loss)}; " + "; ".join(said) + ".")
    clear = {v[1] for v, p in zip(verdicts, adjusted, strict=True) if p < ALPHA}
    if not clear:
        lines += ["", "**No regime holds quality clearly better as the budget falls**: every regime's losses lie within "
                  "what the replicates cannot tell apart."]
    else:
        lines += ["", f"**{', '.join(sorted(clear))} hold{'s' if len(clear) == 1 else ''} quality clearly better "
                  f"on at least one metric as the budget falls** (see above for which)."]
    return lines


__all__ = ["applies", "cuts_section", "cuts_verdicts", "quality_losses"]
