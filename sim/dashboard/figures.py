"""The dashboard's figures, as ``matplotlib.figure.Figure`` objects (pyplot is not thread-safe, and the page
draws from background tasks; Altair charts stay blank offline — FACTS.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

import sim

from .runs import UnitMap

REGIME_COLOURS = {"state": "#3b6fb6", "privatised": "#e08a1e", "mutual": "#2e9d5b", "conversion": "#8e5fb8"}
KIND_COLOURS = {"state": "#3b6fb6", "contractor": "#e08a1e", "mutual": "#2e9d5b"}


def metric_label(metric: str) -> str:
    m = sim.METRICS.get(metric)
    return f"{metric.replace('_', ' ')} ({m.unit})" if m else metric


def timeseries(bands: pd.DataFrame, metrics: list[str], regimes: list[str], width: float = 9.0) -> Figure:
    """Monthly means per regime with 95% confidence bands, one panel per metric, time in years."""
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(width, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        part = bands[bands["metric"] == metric]
        for regime in regimes:
            g = part[part["regime"] == regime].sort_values("step")
            if g.empty:
                continue
            years = g["step"].to_numpy() / 12.0
            colour = REGIME_COLOURS.get(regime, None)
            ax.plot(years, g["mean"], color=colour, lw=1.6, label=regime)
            ax.fill_between(years, g["ci_low"], g["ci_high"], color=colour, alpha=0.2, lw=0)
        ax.set_title(metric_label(metric), fontsize=9)
        ax.set_xlabel("year", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, frameon=False)
    return fig


def unit_map(m: UnitMap, title: str = "", width: float = 3.2) -> Figure:
    """Units on their grid: each unit split into one stripe per sector, coloured by who runs it, shaded by
    participation (darker = more of its users take part), with the unit's participation written in it."""
    cols = max(p[0] for p in m.positions) + 1
    rows = max(p[1] for p in m.positions) + 1
    fig = Figure(figsize=(width, width * rows / cols + 0.6), layout="constrained")
    ax = fig.add_subplot()
    top = max(max(u) for u in m.participation) if m.participation else 0.0
    scale = top if top > 0 else 1.0
    k = len(m.sectors)
    for u, (x, y) in enumerate(m.positions):
        for s in range(k):
            shade = 0.25 + 0.75 * min(1.0, m.participation[u][s] / scale)
            colour = KIND_COLOURS.get(m.kind[u][s], "#999999")
            ax.add_patch(Rectangle((x + 0.05 + s * 0.9 / k, y + 0.05), 0.9 / k, 0.9, facecolor=colour, alpha=shade,
                                   edgecolor="black" if m.failing[u][s] else "white",
                                   linewidth=1.2 if m.failing[u][s] else 0.5))
        ax.text(x + 0.5, y + 0.5, f"{100 * m.unit_participation[u]:.1f}%", ha="center", va="center", fontsize=7)
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    present = [kind for kind in KIND_COLOURS if any(kind in row for row in m.kind)]
    ax.legend(handles=[Patch(color=KIND_COLOURS[kind], label=kind) for kind in present], fontsize=7, frameon=False,
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)
    ax.set_title(title or f"month {m.month}", fontsize=9)
    return fig


def cost_bars(components: pd.DataFrame) -> Figure:
    """Cost per adult a month per regime, stacked by component."""
    fig = Figure(figsize=(5.0, 2.8), layout="constrained")
    ax = fig.add_subplot()
    bottom = np.zeros(len(components))
    palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974"]
    for i, name in enumerate(components.columns):
        values = components[name].to_numpy(dtype=float)
        ax.bar(components.index.astype(str), values, bottom=bottom, label=name, color=palette[i % len(palette)])
        bottom += np.where(np.isfinite(values), values, 0.0)
    ax.set_ylabel("£ per adult a month", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    return fig


def series(frame: pd.DataFrame, metrics: list[str], width: float = 9.0) -> Figure:
    """One run's metrics so far (Explore page): one panel per metric, time in months."""
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(width, 2.3 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        ax.plot(frame.index, frame[metric], color="#2e6f9e", lw=1.5)
        ax.set_title(metric_label(metric), fontsize=9)
        ax.set_xlabel("month", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
