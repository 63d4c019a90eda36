"""Publication-quality figures of batch results, saved as PNG (200 dpi) and SVG.

Every figure shows uncertainty: 95% confidence bands or intervals over replicates. Colours are the Okabe-Ito
palette (distinguishable with colour-blindness): each regime its own colour from ``sim.regimes.REGIME_COLOURS``
in every figure, and every other category (cost components, sensitivity indices, the waterfall's steps, levels
of other factors) from ``OTHER_COLOURS``, so that no other meaning borrows a regime's colour. Files are
reproducible byte for byte (no timestamps, a fixed SVG id salt), so re-running a report does not churn them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .metrics_catalogue import METRICS  # noqa: E402
from .regimes import (  # noqa: E402
    OTHER_COLOURS,
    OTHER_HATCHES,
    REGIME_COLOURS,
    REGIME_HATCHES,
    REGIME_LINESTYLES,
    REGIME_MARKERS,
)

# The waterfall's steps: a mechanism that raises the difference, one that lowers it, and the total.
RAISES, LOWERS, TOTAL = OTHER_COLOURS[0], OTHER_COLOURS[1], "#000000"  # totals in black, as on the page
# The two series of a sensitivity figure: the main index and its companion.
MAIN_INDEX, OTHER_INDEX = OTHER_COLOURS[1], OTHER_COLOURS[0]

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "svg.hashsalt": "mutual-state",
    "svg.fonttype": "none",
}


def colours(levels: Sequence[Any]) -> dict[Any, str]:
    """A fixed colour per regime; other levels take ``OTHER_COLOURS`` in order (again from the start if many)."""
    out, spare = {}, itertools.cycle(OTHER_COLOURS)
    for level in levels:
        out[level] = REGIME_COLOURS.get(str(level)) or next(spare)
    return out


def styles(levels: Sequence[Any]) -> dict[Any, tuple[str, str]]:
    """A (line style, marker) per level, so that lines and points read in grey too: a regime's own, other levels
    in turn."""
    spare = itertools.cycle([("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ("-", "v"), ("--", "P")])
    return {level: ((REGIME_LINESTYLES[str(level)], REGIME_MARKERS[str(level)]) if str(level) in REGIME_LINESTYLES
                    else next(spare)) for level in levels}


def include_zero(ax) -> None:
    """Honest axes: the value axis reaches zero, so that a small difference looks as small as it is."""
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.0), max(high, 0.0))


def save(fig: plt.Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` and close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    with plt.rc_context(RC):
        fig.savefig(paths[0], metadata={"Software": None})
        fig.set_layout_engine("none")  # the layout is settled: do not solve it again for the SVG
        fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths


def _grid(n: int, ncols: int = 3, size: tuple[float, float] = (3.3, 2.5)) -> tuple[plt.Figure, np.ndarray]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False,
                                 layout="constrained")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def _label(metric: str) -> str:
    entry = METRICS.get(metric)
    return f"{metric.replace('_', ' ')} ({entry.unit})" if entry else metric.replace("_", " ")


def _group_label(by: list[str], key: Any) -> str:
    key = key if isinstance(key, tuple) else (key,)
    if len(by) == 1:
        return str(key[0])
    return ", ".join(f"{b}={k}" for b, k in zip(by, key, strict=True))


def timeseries(summary: pd.DataFrame, metrics: Sequence[str], by: list[str], title: str = "") -> plt.Figure:
    """Mean of each metric over months, one line per group, with its 95% confidence band over replicates."""
    fig, axes = _grid(len(metrics))
    groups = list(dict.fromkeys(summary[by].itertuples(index=False, name=None))) if by else [()]
    col = colours([g[0] if len(g) == 1 else g for g in groups])
    look = styles([g[0] if len(g) == 1 else g for g in groups])
    with plt.rc_context(RC):
        for ax, metric in zip(axes.flat, metrics, strict=False):
            part = summary[summary["metric"] == metric]
            for g in groups:
                sel = part
                for b, v in zip(by, g, strict=True):
                    sel = sel[sel[b] == v]
                key = g[0] if len(g) == 1 else g
                colour = col[key]
                ax.plot(sel["step"], sel["mean"], color=colour, ls=look[key][0],
                        label=_group_label(by, g) if by else None)
                ax.fill_between(sel["step"], sel["ci_low"], sel["ci_high"], color=colour, alpha=0.2, linewidth=0)
            include_zero(ax)
            ax.set_title(_label(metric))
            ax.set_xlabel("month")
            steps = part["step"].max() if len(part) else 0
            if steps >= 24:
                ax.set_xticks(np.arange(0, steps + 1, 12 * max(1, round(steps / 12 / 6))))
        _finish(fig, axes, by, title)
    return fig


def _finish(fig: plt.Figure, axes, by: str | None, title: str) -> None:
    """One legend for all panels (when lines are grouped) and the figure's title."""
    if by:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5))
    if title:
        fig.suptitle(title)


def comparison(summary: pd.DataFrame, metrics: Sequence[str], by: str, title: str = "") -> plt.Figure:
    """Each condition's mean outcome with its 95% confidence interval, one panel per metric."""
    fig, axes = _grid(len(metrics), ncols=4, size=(2.6, 2.4))
    levels = list(dict.fromkeys(summary[by].tolist()))
    col = colours(levels)
    look = styles(levels)
    with plt.rc_context(RC):
        for ax, metric in zip(axes.flat, metrics, strict=False):
            part = summary[summary["metric"] == metric].set_index(by).reindex(levels)
            x = np.arange(len(levels))
            err = np.vstack([part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]])
            err = np.nan_to_num(err, nan=0.0)
            for i, lv in enumerate(levels):
                ax.errorbar(x[i], part["mean"].iloc[i], yerr=err[:, i:i + 1], fmt=look[lv][1], color=col[lv],
                            capsize=3, markersize=5)
            include_zero(ax)
            ax.set_xticks(x, [str(v) for v in levels], rotation=30 if len(levels) > 3 else 0)
            ax.set_xlim(-0.6, len(levels) - 0.4)
            ax.set_title(_label(metric))
            ax.grid(axis="x", visible=False)
        if title:
            fig.suptitle(title)
    return fig


def curve(summary: pd.DataFrame, x: str, metrics: Sequence[str], by: list[str], title: str = "",
          highlight: tuple[float, float] | None = None, log_x: bool | None = None) -> plt.Figure:
    """Mean outcome against a swept numeric factor, one line per group, with 95% confidence bands.

    ``highlight`` shades a range of x (e.g. the proposal's 400-600 people per unit).
    """
    fig, axes = _grid(len(metrics))
    groups = list(dict.fromkeys(summary[by].itertuples(index=False, name=None))) if by else [()]
    col = colours([g[0] if len(g) == 1 else g for g in groups])
    look = styles([g[0] if len(g) == 1 else g for g in groups])
    xs = pd.to_numeric(summary[x], errors="coerce")
    if log_x is None:
        pos = xs[xs > 0]
        log_x = len(pos) == len(xs) and len(pos) > 0 and pos.max() / pos.min() >= 20
    with plt.rc_context(RC):
        for ax, metric in zip(axes.flat, metrics, strict=False):
            part = summary[summary["metric"] == metric].copy()
            part["_x"] = pd.to_numeric(part[x], errors="coerce")
            if highlight:
                ax.axvspan(*highlight, color="0.85", alpha=0.6, linewidth=0, zorder=0)
            for g in groups:
                sel = part
                for b, v in zip(by, g, strict=True):
                    sel = sel[sel[b] == v]
                sel = sel.sort_values("_x")
                key = g[0] if len(g) == 1 else g
                colour = col[key]
                ax.plot(sel["_x"], sel["mean"], ls=look[key][0], marker=look[key][1], color=colour, markersize=3.5,
                        label=_group_label(by, g) if by else None)
                ax.fill_between(sel["_x"], sel["ci_low"], sel["ci_high"], color=colour, alpha=0.2, linewidth=0)
            include_zero(ax)
            if log_x:
                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.set_xlabel(x.replace("_", " "))
            ax.set_title(_label(metric))
        _finish(fig, axes, by, title)
    return fig


def sensitivity(table: pd.DataFrame, method: str, groups: list[str], metric: str, top: int = 15) -> plt.Figure:
    """Morris mu* (with sigma) or Sobol' S1 and ST, with 95% confidence intervals, one panel per group."""
    keys = list(dict.fromkeys(table[groups].itertuples(index=False, name=None))) if groups else [()]
    n_par = min(top, table["parameter"].nunique())
    fig, axes = _grid(len(keys), ncols=min(3, len(keys)), size=(3.6, 0.9 + 0.28 * n_par))
    with plt.rc_context(RC):
        for ax, key in zip(axes.flat, keys, strict=False):
            g = table
            for b, v in zip(groups, key, strict=True):
                g = g[g[b] == v]
            main = "mu_star" if method == "morris" else "ST"
            g = g.sort_values(main, ascending=True).tail(top)
            y = np.arange(len(g))
            if method == "morris":
                ax.barh(y, g["mu_star"], xerr=g["mu_star_conf"], color=MAIN_INDEX, alpha=0.85, label="mu*",
                        error_kw={"elinewidth": 0.8, "capsize": 2})
                ax.plot(g["sigma"], y, "D", color=OTHER_INDEX, markersize=4, label="sigma")
                ax.set_xlabel(f"elementary effect on {metric}")
            else:
                h = 0.38
                ax.barh(y + h / 2, g["ST"], h, xerr=g["ST_conf"], color=MAIN_INDEX, label="ST (total)",
                        error_kw={"elinewidth": 0.8, "capsize": 2})
                ax.barh(y - h / 2, g["S1"], h, xerr=g["S1_conf"], color=OTHER_INDEX, label="S1 (first order)",
                        error_kw={"elinewidth": 0.8, "capsize": 2})
                ax.set_xlabel(f"share of variance of {metric}")
            ax.set_yticks(y, g["parameter"])
            ax.grid(axis="y", visible=False)
            ax.set_title(_group_label(groups, key) if groups else metric)
            ax.legend(loc="lower right")
    return fig


def discovery_map(winners: pd.DataFrame, features: Sequence[str], factor: str, metric: str) -> plt.Figure | None:
    """Each design point in the plane of the two most important parameters, coloured by the winning level."""
    feats = [f for f in features if f in winners.columns][:2]
    if not feats:
        return None
    levels = sorted(winners["winner"].unique())
    col = colours(levels)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(4.2, 3.4), layout="constrained")
        for lv in levels:
            sel = winners[winners["winner"] == lv]
            yv = sel[feats[1]] if len(feats) > 1 else np.zeros(len(sel))
            ax.scatter(sel[feats[0]], yv, s=16, color=col[lv], label=str(lv), alpha=0.85, linewidths=0)
        ax.set_xlabel(feats[0])
        if len(feats) > 1:
            ax.set_ylabel(feats[1])
        else:
            ax.set_yticks([])
        ax.set_title(f"best {factor} on {metric}")
        ax.legend(title=factor, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def waterfall(table: pd.DataFrame, metric: str, title: str = "") -> plt.Figure:
    """How a paired difference between two regimes builds up from its Shapley values: the part not attributed
    (what remains with every named mechanism off), then one bar per mechanism (its Shapley value: its effect with
    the interactions shared out equally, as the report's sentences say), ending at the total; every bar with its
    95% bootstrap interval and its value written on it. Bars that lower the difference are hatched, so that the
    figure reads in grey too."""
    rows = table[table["metric"] == metric].set_index("mechanism")
    named = [m for m in rows.index if m not in ("total", "interaction", "not attributed")]
    steps = (["not attributed"] if "not attributed" in rows.index else []) + named
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(max(4.0, 0.95 * (len(steps) + 1)), 3.0), layout="constrained")
        level = 0.0
        for k, name in enumerate(steps):
            value = float(rows.loc[name, "shapley"])
            low, high = float(rows.loc[name, "shapley_low"]), float(rows.loc[name, "shapley_high"])
            _waterfall_bar(ax, k, level, value, low, high, RAISES if value >= 0 else LOWERS,
                           hatch="" if value >= 0 else "///")
            if k < len(steps) - 1:
                ax.plot([k + 0.3, k + 0.7], [level + value] * 2, color="grey", linewidth=0.6)
            level += value
        total = rows.loc["total"]
        _waterfall_bar(ax, len(steps), 0.0, float(total["shapley"]), float(total["shapley_low"]),
                       float(total["shapley_high"]), TOTAL, hatch="")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_xticks(range(len(steps) + 1), [*steps, "total"], rotation=30, ha="right")
        ax.set_ylabel(f"difference in\n{_label(metric)}")
        ax.set_title(title or metric)
        ax.margins(y=0.15)
    return fig


def _waterfall_bar(ax, x: float, bottom: float, value: float, low: float, high: float, colour: str,
                   hatch: str) -> None:
    """One step of a waterfall: the bar from ``bottom``, its interval at its end, and its value written beside."""
    ax.bar(x, value, bottom=bottom, color=colour, width=0.6, hatch=hatch, edgecolor="black", linewidth=0.5)
    end = bottom + value
    if math.isfinite(low) and math.isfinite(high):
        ax.errorbar(x, end, yerr=[[max(0.0, value - low)], [max(0.0, high - value)]], capsize=3, linewidth=0.8,
                    color="0.6" if colour == TOTAL else "black")  # grey where it crosses the black total
        top = bottom + max(value, high) if value >= 0 else bottom + min(value, low)
    else:
        top = end
    ax.annotate(f"{value:+.3g}", (x, top), xytext=(0, 3 if value >= 0 else -3), textcoords="offset points",
                ha="center", va="bottom" if value >= 0 else "top", fontsize=7)


def cost_components(means: pd.DataFrame, total: pd.Series, title: str = "") -> plt.Figure:
    """Public cost per adult a month taken apart. Left: one stacked bar per condition (rows of ``means``), one
    segment per component (columns); components below zero (underspend returned, other income) stack downward,
    so the bar's net height is the total, marked with a black tick. Right: each component's difference from
    the first condition (the baseline), where differences between regimes are visible at their own scale."""
    colour = dict(zip(means.columns, itertools.cycle(OTHER_COLOURS)))
    hatch = dict(zip(means.columns, itertools.cycle(OTHER_HATCHES)))
    shown = [c for c in means.columns if np.any(np.abs(means[c].to_numpy(dtype=float)) > 1e-9)]
    name = {c: c.removeprefix("cost_").replace("_", " ") for c in shown}
    with plt.rc_context(RC):
        fig, (ax, dx) = plt.subplots(1, 2, figsize=(max(7.5, 2.2 * len(means) + 4.5), 3.4), layout="constrained",
                                     gridspec_kw={"width_ratios": [1, 1.2]})
        x = np.arange(len(means))
        up, down = np.zeros(len(means)), np.zeros(len(means))
        for comp in shown:
            v = means[comp].to_numpy(dtype=float)
            ax.bar(x, v, bottom=np.where(v >= 0, up, down), width=0.6, color=colour[comp], hatch=hatch[comp],
                   edgecolor="black", linewidth=0.4, label=name[comp])
            up, down = np.where(v >= 0, up + v, up), np.where(v < 0, down + v, down)
        ax.plot(x, total.to_numpy(dtype=float), "_", color="black", markersize=24, markeredgewidth=2, label="total")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_xticks(x, [str(i) for i in means.index])
        ax.set_ylabel("£ per adult a month")
        ax.set_title("Level")
        others = means.index[1:]
        width = 0.8 / max(1, len(others))
        y = np.arange(len(shown))
        for k, level in enumerate(others):
            diff = (means.loc[level, shown] - means.iloc[0][shown]).to_numpy(dtype=float)
            dx.barh(y + (k - (len(others) - 1) / 2) * width, diff, height=width, color=colours(list(means.index))[level],
                    hatch=REGIME_HATCHES.get(str(level), OTHER_HATCHES[k % len(OTHER_HATCHES)]), edgecolor="black",
                    linewidth=0.4, label=f"{level} − {means.index[0]}")
        dx.axvline(0.0, color="black", linewidth=0.6)
        dx.set_yticks(y, [name[c] for c in shown])
        dx.invert_yaxis()
        dx.set_xlabel(f"difference from {means.index[0]}, £ per adult a month")
        dx.set_title("Difference by component")
        dx.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=max(1, len(others)))
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right center")
        fig.suptitle(title or "Public cost by component")
    return fig
