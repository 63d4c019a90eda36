"""The Results page's map of a national run (``mutual-state national``): the report's map-like figure for any
headline outcome and its tables by authority, region and deprivation decile (ODD §9, D-NAT6).

Everything shown is read through the public API (``sim.load_national_results``): the same tables, cells and
figure as the run's report; nothing here computes an outcome.
"""

from __future__ import annotations

import solara

import sim

from .. import figures
from .common import esc

VIEW_LABELS = {"authority": "by authority", "region": "by region", "deprivation_decile": "by deprivation decile"}


def table_html(results: sim.NationalResults, by: str) -> str:
    """The table by ``by`` as HTML, each cell as the report writes it (every value escaped)."""
    header, rows = results.cells(by)
    head = "".join(f"<th>{esc(name.replace('_', ' '))}</th>" for name in header)
    body = "".join(f'<tr data-key="{esc(cells[0])}">' + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
                   for cells in rows)
    return (f'<div style="max-height: 520px; overflow: auto"><table class="ms-table ms-national-table" '
            f'data-by="{esc(by)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def run_summary(results: sim.NationalResults) -> str:
    """What was run, in one sentence: authorities, real and simulated adults, months and the outcome window."""
    authorities = results.authorities
    real, simulated = int(authorities["adults"].sum()), int(authorities["simulated_adults"].sum())
    config = results.manifest.get("config", {})
    first, last = int(authorities["window_first_month"].iloc[0]), int(authorities["window_last_month"].iloc[0])
    sectors = ", ".join(s.replace("_", " ") for s in config.get("sectors", []))
    return (f"{len(authorities)} local authorities, {real:,} real adults simulated by {simulated:,} (about one in "
            f"{real / simulated:,.0f}), {config.get('months', last)} months of {sectors}, seed "
            f"{config.get('seed')}. Each outcome is an authority's mean over months {first}-{last} (the outcome "
            f"window); a region's, a decile's and England's are its authorities' means weighted by real adults.")


@solara.component
def NationalMap(folder: str):
    """The map card: a view (by authority, region or deprivation decile) and an outcome chosen above the
    report's figure for that outcome and the table of that view."""
    results = solara.use_memo(lambda: _load(folder), [folder])
    view, set_view = solara.use_state("region")
    metric, set_metric = solara.use_state("participation_rate")
    rows = "deprivation_decile" if view == "deprivation_decile" else "region"
    png = solara.use_memo(lambda: None if isinstance(results, str) else figures.png_bytes(results.figure(metric, rows)),
                          [folder, metric, rows])
    if isinstance(results, str):
        solara.Error(results, classes=["ms-results-error"])
        return
    labels = {figures.metric_label(name): name for name in results.HEADLINE}
    with solara.Card("England's map: by authority, region and deprivation decile", classes=["ms-national"]):
        solara.Text(run_summary(results), style={"font-size": "12px", "color": "#555"})
        with solara.Row():
            solara.ToggleButtonsSingle(value=VIEW_LABELS[view], values=list(VIEW_LABELS.values()),
                                       on_value=lambda label: set_view(_key(VIEW_LABELS, label)),
                                       classes=["ms-national-view"])
            solara.Select("outcome", values=list(labels), value=figures.metric_label(metric),
                          on_value=lambda label: set_metric(labels.get(label, "participation_rate")),
                          classes=["ms-national-metric"])
        solara.Image(png, width="100%", classes=["ms-national-figure"])
        solara.HTML(tag="div", unsafe_innerHTML=table_html(results, view))


def _load(folder: str) -> sim.NationalResults | str:
    """The folder's national results, or why they cannot be shown (in words)."""
    try:
        return sim.load_national_results(folder)
    except (sim.NationalResultsError, OSError, ValueError) as error:
        return str(error)


def _key(labels: dict[str, str], label: str) -> str:
    return next((key for key, text in labels.items() if text == label), "region")
