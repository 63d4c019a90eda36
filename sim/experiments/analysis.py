"""Statistics over replicates: outcomes, means with confidence intervals, paired comparisons on common random
numbers, and the shape of an outcome along a swept factor.

Conventions. A run's *outcome* on a metric is the mean of its last ``window`` months (a fiscal year by default),
which is steadier than the last month alone. Intervals are two-sided Student-t intervals over replicates.
Conditions that share replicate seeds (common random numbers) are compared *paired*: the difference is taken
replicate by replicate, which removes the luck both conditions share, and tested with a paired t-test (and a
Wilcoxon signed-rank test as a check that does not assume normal differences). The effect size is Cohen's
d_z = mean difference / s.d. of the differences. p-values are Holm-adjusted across every comparison in a table.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics_catalogue import METRICS

ID_COLUMNS = ("run_id", "condition", "replicate", "seed", "point")


class AnalysisError(ValueError):
    """The results cannot answer the question asked (e.g. no successful runs, a factor that is not varied)."""


# ------------------------------------------------------------------------------------------------ basics
@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    sd: float
    low: float
    high: float


def mean_ci(values: Any, confidence: float = 0.95) -> MeanCI:
    """Mean and two-sided Student-t confidence interval; the interval is NaN with fewer than two values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return MeanCI(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return MeanCI(n, mean, math.nan, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return MeanCI(n, mean, sd, mean - half, mean + half)


def holm(pvalues: Any) -> np.ndarray:
    """Holm's step-down adjustment of p-values (controls the family-wise error rate); NaNs are left out."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * q[idx]))
        adjusted[idx] = running
    out[ok] = adjusted
    return out


def effect_label(d: float) -> str:
    """Cohen's (1988) conventional words for a standardised effect size."""
    if not math.isfinite(d):
        return "undefined"
    a = abs(d)
    if a < 0.2:
        return "negligible"
    if a < 0.5:
        return "small"
    if a < 0.8:
        return "medium"
    return "large"


@dataclass(frozen=True)
class PairedTest:
    n: int
    mean_diff: float
    low: float
    high: float
    t: float
    p: float
    p_wilcoxon: float
    d_z: float


def paired_test(a: Any, b: Any, confidence: float = 0.95) -> PairedTest:
    """Compare paired samples a - b: paired t-test, Wilcoxon signed-rank test, CI of the mean difference, d_z.

    When every difference is identical the tests are undefined: a zero difference gets p = 1, a constant
    non-zero difference p = 0 (it is no accident of luck under common random numbers).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    n = len(d)
    if n == 0:
        return PairedTest(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    ci = mean_ci(d, confidence)
    if n < 2:
        return PairedTest(n, ci.mean, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    sd = float(d.std(ddof=1))
    if sd == 0.0 or not math.isfinite(sd):
        p = 1.0 if ci.mean == 0.0 else 0.0
        dz = 0.0 if ci.mean == 0.0 else math.copysign(math.inf, ci.mean)
        return PairedTest(n, ci.mean, ci.mean, ci.mean, math.nan, p, p, dz)
    with warnings.catch_warnings():  # near-identical pairs: SciPy warns of precision loss, the result stands
        warnings.simplefilter("ignore", RuntimeWarning)
        t = stats.ttest_rel(a[keep], b[keep])
        if np.count_nonzero(d) == 0:
            pw = 1.0
        else:
            pw = float(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)
    return PairedTest(n, ci.mean, ci.low, ci.high, float(t.statistic), float(t.pvalue), pw, ci.mean / sd)


def equivalence_test(a: Any, b: Any, margin: float) -> float:
    """TOST (Schuirmann 1987) for paired samples: the p-value that the mean of a - b lies within (-margin,
    margin), the larger of two one-sided t-tests. Equivalence is shown at level alpha when p < alpha. Identical
    differences (sd = 0) give p = 0 inside the margin and 1 outside."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[~np.isnan(d)]
    n = len(d)
    if n < 2:
        return math.nan
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        return 0.0 if abs(mean) < margin else 1.0
    se = sd / math.sqrt(n)
    p_lower = float(stats.t.sf((mean + margin) / se, n - 1))  # H0: mean <= -margin
    p_upper = float(stats.t.cdf((mean - margin) / se, n - 1))  # H0: mean >= margin
    return max(p_lower, p_upper)


# ------------------------------------------------------------------------------------------------ outcomes
def metric_list(frame: pd.DataFrame, metrics: list[str] | None = None) -> list[str]:
    names = metrics or list(METRICS)
    return [m for m in names if m in frame.columns]


def outcomes(result, window: int | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per successful run: its ids, seed, varied parameters and the mean of each metric over its last
    ``window`` months (default: the scenario's analysis window)."""
    ts = result.timeseries
    if ts is None or len(ts) == 0:
        raise AnalysisError("no successful runs to analyse")
    window = window or result.scenario.window
    ms = metric_list(ts, metrics)
    last = ts["step"].max()
    tail = ts[ts["step"] > last - window]
    keys = [c for c in ts.columns if c not in ms and c != "step"]
    out = tail.groupby("run_id", sort=True)[ms].mean()
    ids = ts.drop_duplicates("run_id").set_index("run_id")[[k for k in keys if k != "run_id"]]
    return ids.join(out).reset_index()


def varied_columns(result) -> list[str]:
    return [c for c in result.scenario.varied if c in result.runs.columns]


def summarise(table: pd.DataFrame, by: list[str], metrics: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Mean, s.d. and CI of each metric per group: one row per group and metric (tidy)."""
    rows = []
    groups = table.groupby(by, sort=False, dropna=False) if by else [((), table)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            ci = mean_ci(g[m].to_numpy(), confidence)
            rows.append({**dict(zip(by, key, strict=True)), "metric": m, "n": ci.n, "mean": ci.mean, "sd": ci.sd,
                         "ci_low": ci.low, "ci_high": ci.high})
    return pd.DataFrame(rows)


def timeseries_summary(ts: pd.DataFrame, by: list[str], metrics: list[str], confidence: float = 0.95
                       ) -> pd.DataFrame:
    """Mean and CI band of each metric per group and step, vectorised (for the time-series figures)."""
    g = ts.groupby([*by, "step"], sort=False)[metrics]  # design order of groups, steps in order
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    tcrit = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    half = pd.DataFrame(tcrit, index=n.index, columns=n.columns) * sd / np.sqrt(n)
    half = half.where(n >= 2)
    out = []
    for m in metrics:
        part = pd.DataFrame({"mean": mean[m], "ci_low": mean[m] - half[m], "ci_high": mean[m] + half[m],
                             "n": n[m]}).reset_index()
        part.insert(len(by) + 1, "metric", m)
        out.append(part)
    return pd.concat(out, ignore_index=True)


# ------------------------------------------------------------------------------------------------ comparisons
def paired_comparisons(table: pd.DataFrame, factor: str, metrics: list[str], baseline: Any = None,
                       blocks: list[str] | None = None, confidence: float = 0.95,
                       pool: list[str] | None = None) -> pd.DataFrame:
    """Every level of ``factor`` against ``baseline`` (default: its first level), paired on replicate (and on
    sample point, for sampling designs), separately within each block of the other varied parameters.

    ``pool`` names varied columns to pool over instead: pairs are then matched on them as well as on replicate,
    giving one comparison averaged over their values.

    Returns one row per block, level and metric: n pairs, the mean difference (level - baseline) with its CI,
    t, p (paired t), p_wilcoxon, p_holm (Holm across the whole table), d_z and its size in words, and whether
    the difference is an improvement for the metric's "better" direction.
    """
    if factor not in table.columns:
        raise AnalysisError(f"{factor!r} is not varied in these results")
    levels = list(dict.fromkeys(table[factor].tolist()))
    if len(levels) < 2:
        raise AnalysisError(f"{factor!r} takes only one value here; nothing to compare")
    if baseline is None:
        baseline = levels[0]
    if baseline not in levels:
        raise AnalysisError(f"baseline {baseline!r} is not a level of {factor}; levels: {levels}")
    blocks = [b for b in (blocks or []) if b in table.columns and b != factor]
    pool = [p for p in (pool or []) if p in table.columns and p != factor and p not in blocks]
    pair_keys = ["replicate"] + (["point"] if "point" in table.columns else []) + pool
    rows = []
    block_groups = table.groupby(blocks, sort=False, dropna=False) if blocks else [((), table)]
    for bkey, g in block_groups:
        bkey = bkey if isinstance(bkey, tuple) else (bkey,)
        for m in metrics:
            wide = g.pivot_table(index=pair_keys, columns=factor, values=m, aggfunc="first", dropna=False)
            if baseline not in wide.columns:
                continue
            for level in levels:
                if level == baseline or level not in wide.columns:
                    continue
                res = paired_test(wide[level].to_numpy(), wide[baseline].to_numpy(), confidence)
                better = METRICS[m].better if m in METRICS else "neither"
                improves = (None if better == "neither" or not math.isfinite(res.mean_diff) or res.mean_diff == 0
                            else (res.mean_diff > 0) == (better == "higher"))
                rows.append({**dict(zip(blocks, bkey, strict=True)), "metric": m, "level": level,
                             "baseline": baseline, "n_pairs": res.n, "mean_diff": res.mean_diff,
                             "ci_low": res.low, "ci_high": res.high, "t": res.t, "p": res.p,
                             "p_wilcoxon": res.p_wilcoxon, "d_z": res.d_z, "effect": effect_label(res.d_z),
                             "improves": improves})
    out = pd.DataFrame(rows)
    if len(out):
        out["p_holm"] = holm(out["p"].to_numpy())
    return out


def best_levels(table: pd.DataFrame, x: str, metrics: list[str], blocks: list[str] | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
    """Along a swept factor ``x``: the level with the best mean outcome for each metric (per block), and the
    levels not distinguishable from it (paired tests against the best, Holm-adjusted within the metric)."""
    blocks = [b for b in (blocks or []) if b in table.columns and b != x]
    rows = []
    block_groups = table.groupby(blocks, sort=False, dropna=False) if blocks else [((), table)]
    for bkey, g in block_groups:
        bkey = bkey if isinstance(bkey, tuple) else (bkey,)
        for m in metrics:
            better = METRICS[m].better if m in METRICS else "neither"
            if better == "neither":
                continue
            means = g.groupby(x, sort=True)[m].mean().dropna()
            if len(means) < 2:
                continue
            best = means.idxmax() if better == "higher" else means.idxmin()
            comp = paired_comparisons(g, x, [m], baseline=best)
            if len(comp):
                comp["p_holm"] = holm(comp["p"].to_numpy())
                tied = [best] + [lv for lv, p in zip(comp["level"], comp["p_holm"], strict=True)
                                 if not (p < alpha)]
            else:
                tied = [best]
            rows.append({**dict(zip(blocks, bkey, strict=True)), "metric": m, "better": better, "best": best,
                         "best_mean": float(means[best]), "indistinguishable": sorted(tied, key=_sort_key),
                         "levels": len(means)})
    return pd.DataFrame(rows)


def _sort_key(v: Any):
    return (0, v) if isinstance(v, (int, float)) else (1, str(v))


def tied_to(table: pd.DataFrame, x: str, columns: list[str]) -> list[str]:
    """Columns whose value is fixed by the value of ``x`` (e.g. n_units when a list design keeps the district's
    population constant while unit_size varies): they move with x and are not separate groups."""
    out = []
    for c in columns:
        if c == x or c not in table.columns:
            continue
        if table.groupby(x, dropna=False)[c].nunique(dropna=False).max() == 1 and table[c].nunique() > 1:
            out.append(c)
    return out


def shock_response(ts: pd.DataFrame, shock_month: int, metric: str = "responsiveness", before: int = 12
                   ) -> pd.DataFrame:
    """How each run copes with a shift in needs at ``shock_month``: one row per run.

    ``baseline`` is the metric's mean over the ``before`` months up to the shock; ``drop`` how far it falls below
    that at worst; ``half_recovery`` the months from the shock until it has regained half the drop (NaN if it
    never does within the run); ``loss`` the area between baseline and path after the shock (metric-months,
    shortfalls only), which combines depth and duration. "Higher is better" metrics are assumed, as for
    responsiveness; lower-is-better metrics are mirrored.
    """
    sign = -1.0 if METRICS.get(metric) is not None and METRICS[metric].better == "lower" else 1.0
    rows = []
    for run_id, g in ts.groupby("run_id", sort=True):
        y = sign * g.set_index("step")[metric].sort_index()
        pre = y[(y.index >= shock_month - before) & (y.index < shock_month)]
        post = y[y.index >= shock_month]
        if pre.empty or post.empty:
            continue
        base = float(pre.mean())
        trough_step = int(post.idxmin())
        trough = float(post.min())
        drop = max(0.0, base - trough)
        half = math.nan
        if drop > 0:
            after = post[post.index >= trough_step]
            hit = after[after >= trough + 0.5 * drop]
            if len(hit):
                half = float(hit.index[0] - shock_month)
        else:
            half = 0.0
        loss = float(np.clip(base - post.to_numpy(), 0, None).sum())
        rows.append({"run_id": run_id, "baseline": sign * base, "drop": drop, "half_recovery": half, "loss": loss,
                     "recovered": not math.isnan(half)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ steady state
DRIFT_ALPHA = 0.01  # Holm-adjusted significance of a trend over the outcome window
DRIFT_TOLERANCE = 0.05  # a trend matters when it moves the metric by more than 5% of its scale over the window


def drift(result, window: int | None = None, metrics: list[str] | None = None, by: list[str] | None = None,
          alpha: float = DRIFT_ALPHA, tolerance: float = DRIFT_TOLERANCE) -> pd.DataFrame:
    """Is each metric still moving over the outcome window? Per condition (``by``, default the varied
    factors) and metric: each run's least-squares slope over its last ``window`` months, their mean and a
    one-sample t-test against zero (Holm-adjusted over the table), and the change the mean slope implies over
    the window. A metric **drifts** when the trend is significant (adjusted p < ``alpha``) and the change
    exceeds ``tolerance`` times its scale, max(|mean level|, s.d. of run outcomes): a steady state allows
    slow trends smaller than either, and noise."""
    ts = result.timeseries
    if ts is None or len(ts) == 0:
        raise AnalysisError("no successful runs to analyse")
    return drift_table(ts, window or result.scenario.window, metric_list(ts, metrics),
                       by if by is not None else varied_columns(result), alpha, tolerance)


def drift_table(ts: pd.DataFrame, window: int, ms: list[str], by: list[str], alpha: float = DRIFT_ALPHA,
                tolerance: float = DRIFT_TOLERANCE) -> pd.DataFrame:
    """``drift`` on a tidy time-series table (columns run_id, step, the ``by`` columns and the metrics)."""
    by = [c for c in by if c in ts.columns]
    tail = ts[ts["step"] > ts["step"].max() - window]
    x = tail["step"].to_numpy(dtype=float)
    x_centred = x - tail.groupby("run_id")["step"].transform("mean").to_numpy(dtype=float)
    sxx = pd.Series(x_centred ** 2, index=tail.index).groupby(tail["run_id"]).sum()
    keys = tail.drop_duplicates("run_id").set_index("run_id")[by] if by else None
    rows = []
    for m in ms:
        y = tail[m].to_numpy(dtype=float)
        sxy = pd.Series(x_centred * y, index=tail.index).groupby(tail["run_id"]).sum()
        slope = (sxy / sxx.replace(0.0, np.nan)).rename("slope")
        level = tail.groupby("run_id")[m].mean().rename("level")
        runs = pd.concat([slope, level], axis=1)
        if keys is not None:
            runs = runs.join(keys)
        groups = runs.groupby(by, sort=False, dropna=False) if by else [((), runs)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            s = g["slope"].dropna().to_numpy()
            mean_slope = float(s.mean()) if len(s) else math.nan
            if len(s) >= 2 and float(s.std(ddof=1)) > 0:
                p = float(stats.ttest_1samp(s, 0.0).pvalue)
            else:
                p = 0.0 if len(s) and mean_slope != 0.0 else 1.0
            lv = g["level"].to_numpy(dtype=float)
            scale = max(abs(float(np.nanmean(lv))), float(np.nanstd(lv, ddof=1)) if len(lv) > 1 else 0.0)
            rows.append({**dict(zip(by, key, strict=True)), "metric": m, "runs": len(s), "slope": mean_slope,
                         "change": mean_slope * (window - 1), "scale": scale, "p": p})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p"].to_numpy())
    table["drifting"] = (table["p_holm"] < alpha) & (table["change"].abs() > tolerance * table["scale"])
    return table
