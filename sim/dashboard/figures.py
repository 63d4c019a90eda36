"""The dashboard's figures, as ``matplotlib.figure.Figure`` objects (pyplot is not thread-safe, and the page
draws from background tasks; Altair charts stay blank offline, their scripts fetched from the network).

Regimes and provider kinds take their colours from ``sim.regimes``, as in the report's figures; other
categories (the components of cost) take ``sim.regimes.OTHER_COLOURS``, which borrows no regime's colour."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

import sim
from sim.regimes import KIND_COLOURS, OTHER_COLOURS, OTHER_HATCHES, REGIME_COLOURS, REGIME_HATCHES, REGIME_LINESTYLES

from .readout import value_text
from .runs import COST, Comparison, UnitMap, cost_components


def metric_label(metric: str) -> str:
    """A metric's name and unit for a chart or table: "participation rate (% of adults)"."""
    described = sim.METRICS.get(metric)
    if not described:
        return metric
    unit = described.unit.replace("share of ", "% of ") if is_percent(metric) and described.unit != "share" else (
        "%" if is_percent(metric) else described.unit.replace("£/adult-month", "£ per adult a month"))
    return f"{metric.replace('_', ' ')} ({unit})"


def _panels(metrics: list[str], width: float, panel_height: float) -> tuple[Figure, list]:
    """A figure with one panel per metric, up to three a row; the axes of the metrics, spare panels hidden."""
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(width, panel_height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    return fig, list(axes[:len(metrics)])


def is_percent(metric: str) -> bool:
    """A share from 0 to 1, read as a percentage (as the tables and the readout show it)."""
    described = sim.METRICS.get(metric)
    return bool(described) and described.unit.startswith("share") and described.high <= 1.0


def _label_panel(ax, metric: str, xlabel: str) -> None:
    if is_percent(metric):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_title(metric_label(metric).replace(" (", "\n(", 1), fontsize=9)  # the unit on a line of its own
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def timeseries(bands: pd.DataFrame, metrics: list[str], regimes: list[str], width: float = 9.0) -> Figure:
    """Monthly means per regime with 95% confidence bands, one panel per metric, time in years."""
    fig, axes = _panels(metrics, width, 2.6)
    for ax, metric in zip(axes, metrics, strict=True):
        part = bands[bands["metric"] == metric]
        for regime in regimes:
            band = part[part["regime"] == regime].sort_values("step")
            if band.empty:
                continue
            years = band["step"].to_numpy() / 12.0
            colour = REGIME_COLOURS.get(regime, None)
            ax.plot(years, band["mean"], color=colour, lw=1.6, ls=REGIME_LINESTYLES.get(regime, "-"), label=regime)
            ax.fill_between(years, band["ci_low"], band["ci_high"], color=colour, alpha=0.2, lw=0)
        _label_panel(ax, metric, "year")
        include_zero(ax)
    axes[0].legend(fontsize=8, frameon=False)
    return fig


def include_zero(ax) -> None:
    """Honest axes: the value axis reaches zero, so that a difference of 0.001 on a level of 0.8 looks as small
    as it is (the bands and tables give the precise numbers)."""
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.0), max(high, 0.0))


def series(frame: pd.DataFrame, metrics: list[str], width: float = 9.0) -> Figure:
    """One run's metrics so far (Explore page): one panel per metric, time in months."""
    fig, axes = _panels(metrics, width, 2.3)
    for ax, metric in zip(axes, metrics, strict=True):
        ax.plot(frame.index, frame[metric], color="#2e6f9e", lw=1.5, marker="o" if len(frame) < 3 else None)
        ax.set_xlim(0, max(12, int(frame.index.max())))  # a year's axis from the start, in whole months
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _label_panel(ax, metric, "month")
    return fig


SHADE_FLOOR = 0.2  # the shade of a stripe where nobody takes part; full colour at the map's top participation


def participation_scale(maps: list[UnitMap]) -> float:
    """The participation drawn at full colour: the highest of any stripe in ``maps``, so that maps drawn side by
    side share one scale (0 if nobody takes part anywhere)."""
    return max((share for one in maps for unit in one.participation for share in unit), default=0.0)


def unit_map(snapshot: UnitMap, title: str = "", width: float = 3.2, scale: float | None = None,
             numbered: bool = False) -> Figure:
    """Units on their grid: each unit split into one stripe per service, coloured by who runs it and shaded by
    the share of its users who contribute this month (pale = none, full colour = ``scale``, by default this
    map's highest), with the unit's share (users-weighted over services) written in it. Where the cells are large
    (a district of a few units), each stripe is named and carries its own participation, and each unit its number;
    otherwise a line under the map says
    which stripe is which, and ``numbered`` writes each unit's number in its corner."""
    cols = max(p[0] for p in snapshot.positions) + 1
    rows = max(p[1] for p in snapshot.positions) + 1
    cell = width / cols  # inches per unit on the page
    grid_height = min(width * rows / cols, 2.2 * width)
    fig = Figure(figsize=(width, grid_height + 1.0), layout="constrained")
    ax = fig.add_subplot()
    top = participation_scale([snapshot]) if scale is None else scale
    top = top if top > 0 else 1.0
    n_sectors = len(snapshot.sectors)
    named = cell >= 1.4  # room to name each stripe (three units a row at 3.2 inches is too tight: labels overlap)
    size = float(np.clip(5.0 * cell, 7.0, 11.0))
    top_edge = 0.22 if named else 0.05  # named: a line above the stripes says which unit and its participation
    for u, (x, y) in enumerate(snapshot.positions):
        for s in range(n_sectors):
            part = snapshot.participation[u][s]
            shade = SHADE_FLOOR + (1 - SHADE_FLOOR) * min(1.0, part / top)
            left = x + 0.05 + s * 0.9 / n_sectors
            ax.add_patch(Rectangle((left, y + top_edge), 0.9 / n_sectors, 0.95 - top_edge,
                                   facecolor=KIND_COLOURS.get(snapshot.kind[u][s], "#999999"), alpha=shade,
                                   edgecolor="black" if snapshot.failing[u][s] else "white",
                                   linewidth=1.5 if snapshot.failing[u][s] else 0.5))
            if named:
                ax.text(left + 0.45 / n_sectors, y + 0.9, snapshot.sectors[s].replace("_", " "), rotation=90,
                        ha="center", va="bottom", fontsize=size - 2, color="#222222")
                ax.text(left + 0.45 / n_sectors, y + top_edge + 0.03, f"{100 * part:.1f}%", ha="center", va="top",
                        fontsize=size - 2, color="#222222")
        if named:
            ax.text(x + 0.5, y + 0.17, f"unit {u}: {100 * snapshot.unit_participation[u]:.1f}% contribute", ha="center",
                    va="bottom", fontsize=size - 1, fontweight="bold")
        else:
            ax.text(x + 0.5, y + 0.5, f"{100 * snapshot.unit_participation[u]:.1f}%", ha="center", va="center",
                    fontsize=size, fontweight="bold",
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.5})
            if numbered:
                ax.text(x + 0.08, y + 0.08, str(u), ha="left", va="top", fontsize=6, color="#222222",
                        bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5})
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    present = [kind for kind in KIND_COLOURS if any(kind in row for row in snapshot.kind)]
    handles = [Patch(color=KIND_COLOURS[kind], label=kind) for kind in present]
    if any(f for unit in snapshot.failing for f in unit):
        handles.append(Patch(facecolor="white", edgecolor="black", linewidth=1.5, label="failing"))
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              ncol=len(handles))
    lines = [] if named else ["stripes, left to right: " + ", ".join(s.replace("_", " ") for s in snapshot.sectors)]
    lines.append(f"share of users who contribute this month: pale = none, full colour = {100 * top:.1f}%")
    fig.supxlabel("\n".join(textwrap.fill(line, int(14 * width)) for line in lines), fontsize=7, color="#444444")
    ax.set_title(title or f"month {snapshot.month}", fontsize=9)
    return fig


def cost_bars(components: pd.DataFrame, totals: pd.Series | None = None) -> Figure:
    """Cost per adult a month per regime, stacked by component: positive parts upwards from zero, negative parts
    (money returned to the treasury) downwards, and the total (their sum, or ``totals``) as a black tick with its
    value. Components that are zero in every regime are left out of the bars and the legend."""
    fig = Figure(figsize=(7.0, 3.2), layout="constrained")
    ax = fig.add_subplot()
    regimes = components.index.astype(str)
    values = components.to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, 0.0)
    up, down = np.zeros(len(components)), np.zeros(len(components))
    handles: list = []
    for i, name in enumerate(components.columns):
        part = values[:, i]
        if not np.any(np.abs(part) >= 0.005):  # nothing a reader would see at £0.01
            continue
        base = np.where(part >= 0, up, down)
        handles.append(ax.bar(regimes, part, bottom=base, label=name, color=OTHER_COLOURS[i % len(OTHER_COLOURS)],
                              hatch=OTHER_HATCHES[i % len(OTHER_HATCHES)], edgecolor="black", linewidth=0.4,
                              width=0.6))
        up += np.where(part >= 0, part, 0.0)
        down += np.where(part < 0, part, 0.0)
    total = values.sum(axis=1) if totals is None else totals.reindex(components.index).to_numpy(dtype=float)
    ax.scatter(regimes, total, marker="_", s=900, color="black", linewidths=2, zorder=3, label="total")
    handles.append(Line2D([], [], color="black", lw=2, label="total"))  # the tick, not its 900-point marker
    for x, t, top in zip(regimes, total, up, strict=True):
        ax.annotate(f"total {value_text('cost_per_capita', t)}", (x, max(top, t, 0.0)), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize=8, fontweight="bold")
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_ylabel("£ per adult a month", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.margins(y=0.12)
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.grid(axis="y", alpha=0.3)
    return fig


def by_group(groups: pd.DataFrame, regimes: list[str]) -> Figure:
    """Participation, satisfaction and public funding by deprivation quintile (top row) and by sector (bottom):
    one bar per regime in each group, from zero, in the regime's colour and hatch, with the value's scale on the
    axis (participation in %, funding in £ per adult a month). ``groups``: rows of regime, grouping, group,
    metric, value (``Comparison.groups``)."""
    from .groups import GROUP_METRICS, GROUP_UNITS, QUINTILE, SECTOR

    fig = Figure(figsize=(10.0, 6.4), layout="constrained")
    axes = fig.subplots(2, len(GROUP_METRICS), squeeze=False)
    width = 0.8 / max(1, len(regimes))
    for row, grouping in enumerate((QUINTILE, SECTOR)):
        for col, metric in enumerate(GROUP_METRICS):
            ax = axes[row][col]
            part = groups[(groups["grouping"] == grouping) & (groups["metric"] == metric)]
            names = list(dict.fromkeys(part["group"]))
            x = np.arange(len(names))
            for k, regime in enumerate(regimes):
                values = part[part["regime"] == regime].set_index("group")["value"].reindex(names)
                ax.bar(x + (k - (len(regimes) - 1) / 2) * width, values.to_numpy(dtype=float), width,
                       color=REGIME_COLOURS.get(regime, "#999999"), hatch=REGIME_HATCHES.get(regime, ""),
                       edgecolor="black", linewidth=0.4, label=regime)
            ax.axhline(0, color="#555555", lw=0.8)  # bars start at zero: no truncated axis
            if metric == "participation":
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            labels = [textwrap.fill(name.replace("_", " "), 12) for name in names]
            ax.set_xticks(x, labels, fontsize=7, rotation=0 if grouping == QUINTILE else 30,
                          ha="center" if grouping == QUINTILE else "right")
            ax.set_title(f"{metric} by {grouping}\n({GROUP_UNITS[metric]})", fontsize=9)
            ax.tick_params(axis="y", labelsize=8)
            ax.grid(axis="y", alpha=0.3)
    handles = [Patch(facecolor=REGIME_COLOURS.get(r, "#999999"), hatch=REGIME_HATCHES.get(r, ""), edgecolor="black",
                     label=r) for r in regimes]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(regimes), fontsize=8, frameon=False)
    return fig


def comparison_unit_maps(comparison: Comparison) -> dict[str, Figure]:
    """One unit map per regime, on one participation scale so that shades compare across regimes."""
    scale = participation_scale(list(comparison.maps.values()))
    return {regime: unit_map(snapshot, f"{regime}: month {snapshot.month}", scale=scale)
            for regime, snapshot in comparison.maps.items()}


def comparison_cost(comparison: Comparison) -> Figure:
    """The comparison's public cost by component, with each regime's mean ``cost_per_capita`` as its total."""
    return cost_bars(cost_components(comparison), comparison.summary([COST]).set_index("regime")["mean"])


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes, which ``solara.Image`` and a Markdown data URL both take."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
