"""A national run's results: tidy tables by authority, region and deprivation decile, a figure of the
authorities placed by region or decile, and a short Markdown report (ODD §9, D-NAT5).

Every authority's outcome is the mean of its months in the outcome window (``sim.comparison``: years 16-25 of
a 25-year run, the last half of a shorter one); a region's or a decile's is the mean of its authorities'
weighted by their real adults, so England's figure is what its adults experience, whatever the scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..comparison import outcome_window
from ..local_authorities import REGIONS
from ..metrics_catalogue import METRIC_NAMES
from .files import read_monthly

HEADLINE = ("participation_rate", "satisfaction", "responsiveness", "cost_per_capita", "mutual_share",
            "provider_failures")


def authority_outcomes(monthly: pd.DataFrame, plan: pd.DataFrame, months: int) -> pd.DataFrame:
    """One row per authority: its place, real and simulated adults, its scale and its outcome-window means."""
    first = months - outcome_window(months) + 1
    window = monthly[monthly["month"] >= first]
    means = window.groupby("authority")[list(METRIC_NAMES)].mean()
    simulated = monthly.groupby("authority")["simulated_adults"].first()
    frame = plan[["name", "tier", "region", "upper_tier_code", "upper_tier_name", "deprivation_decile",
                  "adults"]].join(simulated)
    frame["scale"] = frame["adults"] / frame["simulated_adults"]
    frame["window_first_month"], frame["window_last_month"] = first, months
    return frame.join(means).reset_index()


def weighted_summary(outcomes: pd.DataFrame, by: str) -> pd.DataFrame:
    """Adult-weighted means of the outcomes by ``by`` (region or deprivation decile), with England's row."""
    def summarise(group: pd.DataFrame) -> pd.Series:
        weights = group["adults"].to_numpy(dtype=float)
        row = {name: float(np.average(group[name], weights=weights)) for name in METRIC_NAMES}
        return pd.Series({"authorities": len(group), "adults": int(weights.sum()), **row})

    parts = [summarise(group).rename(key) for key, group in outcomes.groupby(by, sort=True)]
    parts.append(summarise(outcomes).rename("England"))
    frame = pd.DataFrame(parts)
    frame.index.name = by
    frame["authorities"] = frame["authorities"].astype(int)
    frame["adults"] = frame["adults"].astype(int)
    return frame.reset_index().astype({by: str})


def write_results(out: Path, plan: pd.DataFrame, months: int) -> int:
    """Write ``authorities.parquet``, ``regions.parquet``, ``deciles.parquet``, ``national.png`` and
    ``report.md`` from the monthly results; return the simulated adults."""
    out = Path(out)
    monthly = read_monthly(out)
    outcomes = authority_outcomes(monthly, plan, months)
    regions = weighted_summary(outcomes, "region")
    deciles = weighted_summary(outcomes, "deprivation_decile")
    outcomes.to_parquet(out / "authorities.parquet", index=False)
    regions.to_parquet(out / "regions.parquet", index=False)
    deciles.to_parquet(out / "deciles.parquet", index=False)
    figure = map_figure(outcomes, "participation_rate")
    figure.savefig(out / "national.png", dpi=110, bbox_inches="tight")
    (out / "report.md").write_text(report_text(outcomes, regions, deciles, months))
    return int(outcomes["simulated_adults"].sum())


FIGURE_ROWS = ("region", "deprivation_decile")


def map_figure(outcomes: pd.DataFrame, metric: str, rows: str = "region"):
    """Authorities as dots on one row per region (north at the top) or per deprivation decile (the most
    deprived at the top), sized by adults and coloured by their deprivation decile, with the row's
    adult-weighted mean as a bar: a map-like view without map tiles."""
    from matplotlib.figure import Figure

    if metric not in METRIC_NAMES:
        raise ValueError(f"metric: {metric!r} is not allowed; expected one of {', '.join(METRIC_NAMES)}")
    if rows not in FIGURE_ROWS:
        raise ValueError(f"rows: {rows!r} is not allowed; expected one of {', '.join(FIGURE_ROWS)}")
    present = set(outcomes[rows])
    order = ([r for r in REGIONS if r in present] if rows == "region"
             else [d for d in range(1, 11) if d in present])
    labels = order if rows == "region" else [f"decile {d}" + (" (most deprived)" if d == 1 else "") for d in order]
    figure = Figure(figsize=(8, 0.45 * len(order) + 1.9), layout="constrained")
    axes = figure.subplots()
    for row, key in enumerate(order):
        members = outcomes[outcomes[rows] == key]
        y = len(order) - 1 - row + np.linspace(-0.25, 0.25, len(members)) if len(members) > 1 else [len(order) - 1 - row]
        dots = axes.scatter(members[metric], y, s=8 + 60 * members["adults"] / outcomes["adults"].max(),
                            c=members["deprivation_decile"], cmap="viridis", vmin=1, vmax=10, alpha=0.75,
                            linewidths=0, zorder=3)
        mean = np.average(members[metric], weights=members["adults"])
        axes.plot([mean, mean], [len(order) - 1 - row - 0.35, len(order) - 1 - row + 0.35], color="black", lw=2)
    figure.colorbar(dots, ax=axes, label="deprivation decile of authority (1 = most deprived)",
                    orientation="horizontal", location="bottom", aspect=50, shrink=0.8)
    axes.set_yticks(range(len(order)), list(reversed(labels)))
    what = "region" if rows == "region" else "decile"
    axes.set_xlabel(f"{metric.replace('_', ' ')} (outcome window; dot = authority, bar = {what}'s mean)")
    axes.grid(axis="x", alpha=0.3)
    return figure


# The columns of the tables by authority, region and deprivation decile, as the report and the dashboard show them.
TABLE_COLUMNS = {
    "authority": ("authority", "name", "region", "deprivation_decile", "adults", "simulated_adults", *HEADLINE),
    "region": ("region", "authorities", "adults", *HEADLINE),
    "deprivation_decile": ("deprivation_decile", "authorities", "adults", *HEADLINE),
}


def cell(column: str, value) -> str:
    """One table cell as the report writes it: counts with thousands separators, outcomes to four decimals (to
    two, with separators, from 10 up: money)."""
    if column in HEADLINE or column in METRIC_NAMES:
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.2f}"
    if column in ("authorities", "adults", "simulated_adults"):
        return f"{int(value):,}"
    return str(value)


def table_cells(frame: pd.DataFrame, by: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows of cells) of the table by ``by`` (authority, region or deprivation decile)."""
    if by not in TABLE_COLUMNS:
        raise ValueError(f"by: {by!r} is not allowed; expected one of {', '.join(TABLE_COLUMNS)}")
    columns = list(TABLE_COLUMNS[by])
    return columns, [[cell(name, row[name]) for name in columns] for _, row in frame[columns].iterrows()]


def report_text(outcomes: pd.DataFrame, regions: pd.DataFrame, deciles: pd.DataFrame, months: int) -> str:
    """The report: what was run, England's outcomes by region and by deprivation decile, and the figure."""
    first, last = int(outcomes["window_first_month"].iloc[0]), months
    real, simulated = int(outcomes["adults"].sum()), int(outcomes["simulated_adults"].sum())

    def table(frame: pd.DataFrame, key: str) -> str:
        columns, rows = table_cells(frame, key)
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in rows])

    return f"""# England as one run

{len(outcomes)} local authorities, {real:,} real adults simulated by {simulated:,} (about one in
{real / simulated:,.0f}; each authority's own scale is in `authorities.parquet`), {months} months. Outcomes are
the means of months {first}-{last} (the outcome window), weighted by real adults. Services sit with the tier
that runs them and share budgets and designs within it once a year (ODD §9, D-NAT1-D-NAT4).

![Participation by authority and region](national.png)

## By region

{table(regions, "region")}

## By deprivation decile of authorities (1 = most deprived tenth)

{table(deciles, "deprivation_decile")}

Tables: `authorities.parquet` (one row per authority), `regions.parquet`, `deciles.parquet`, and every month of
every authority in `monthly/`.
"""
