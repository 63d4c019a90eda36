"""The Results page: a batch's report (written by ``mutual-state batch … --report``) or a national run's
(``mutual-state national``), opened from its folder and rendered safely by ``sim.dashboard.results_view``; a
national run's also as a map (``national_map``)."""

from __future__ import annotations

import solara

import sim

from .. import results_view, state
from .common import PageEnd, StyleSheet
from .national_map import NationalMap


@solara.component
def ResultsPage():
    """The page at "/results": a folder chosen or typed on the left, its report (where each regime wins first)."""
    state.use_url_settings({"folder": state.results_path})
    solara.Title("Mutual State: results")
    StyleSheet()
    folders = solara.use_memo(lambda: [str(path) for path in results_view.results_folders("results")], [])
    typed, set_typed = solara.use_state(state.results_path.value)
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="A batch's or England's report")
        solara.Text("Open a folder written by `mutual-state batch … --report` (or `mutual-state report`), or by "
                    "`mutual-state national` (with a map).",
                    style={"font-size": "12px"})
        if folders:
            solara.Select("results folders found", values=folders,
                          value=state.results_path.value if state.results_path.value in folders else None,
                          on_value=lambda v: (state.results_path.set(v or ""), set_typed(v or "")))
        solara.InputText("or type a folder", value=typed, on_value=lambda v: (set_typed(v or ""),
                                                                             state.results_path.set(v or "")))
    if not state.results_path.value:
        solara.Info("Choose or type a results folder to see its report: tables with confidence intervals, figures, "
                    "and where each regime wins.")
        return
    try:
        view = results_view.open_report(state.results_path.value)
    except results_view.ResultsFolderError as error:
        solara.Error(str(error), classes=["ms-results-error"])
        return
    solara.Text(f"{view.folder}: {view.figures} figures", style={"font-size": "12px", "color": "#777"})
    national = sim.is_national_folder(view.folder)
    solara.Text(("England's report, as `mutual-state national` wrote it, and its map above it: shares are fractions "
                 "(0.25 is 25%), money is £ per adult a month, and each outcome is an authority's mean over the run's "
                 "outcome window (the map says which months)." if national else
                 "The batch's own report, as the researcher's tools wrote it: shares are fractions (0.25 is 25%), "
                 "money is £ per adult a month, and each outcome is a run's mean over the batch's outcome window (its "
                 "report's \"Steady state\" section says which months).")
                + " What each metric means is in the Compare page's outcome table and in docs/ODD.md §8.",
                style={"font-size": "12px", "color": "#555"})
    wins = [title for title in view.sections if title.lower().startswith("where does each")]
    if wins:
        with solara.Card(wins[0]):
            solara.HTML(tag="div", classes=["ms-report"], unsafe_innerHTML=view.sections[wins[0]])
    if national:
        NationalMap(str(view.folder))
    with solara.Card("Report"):
        solara.HTML(tag="div", classes=["ms-report"], unsafe_innerHTML=view.html)
    PageEnd()
