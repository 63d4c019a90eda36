"""The Compare page: pull the proposal's levers, run the regimes side by side on common random numbers, and
read what differs, by how much, how sure we are, and why.

A comparison runs in a threaded ``solara.lab.task`` so that the page keeps answering clicks; it checks
``is_current()`` after each run, which is how Cancel stops it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import solara
import solara.lab

import sim
from sim.comparison import (
    COMPARED_REGIMES,
    DISTRICT,
    STEADY_STATE_MONTHS,
    TODAY,
    at_steady_state,
    months_text,
    outcome_window,
)
from sim.proposal import LEVERS, PROPOSAL_REGIME
from sim.regimes import regime_noun

from .. import controls, explain, figures, glossary, headline, readout, runs, share, state
from .common import PageEnd, StyleSheet, error_words, esc


# ------------------------------------------------------------------------------------------------ the comparison
@solara.lab.task(prefer_threaded=True)
def compare_task(overrides: dict[str, Any], run: controls.RunSettings, preset: str | None) -> runs.Comparison:
    def progress(fraction: float, words: str) -> None:
        if not compare_task.is_current():
            raise runs.Cancelled()
        state.run_progress.value = (100.0 * fraction, words)

    return runs.run_comparison(overrides, run, progress, preset=preset)


@solara.lab.task(prefer_threaded=True)
def explain_task(comparison: runs.Comparison) -> tuple[int, dict[str, Any]]:
    """One attribution per regime against the baseline (``explain.explain``), with progress and Cancel; kept
    with the comparison's number, so that a later comparison never shows an earlier one's why."""
    def progress(fraction: float, words: str) -> None:
        if not explain_task.is_current():
            raise runs.Cancelled()
        state.explain_progress.value = (100.0 * fraction, words)

    return comparison.ident, explain.explain(comparison, progress)


def explanation_of(comparison: runs.Comparison) -> dict[str, Any] | None:
    """The finished "Explain why" of this comparison, if there is one."""
    if explain_task.finished and explain_task.value is not None and explain_task.value[0] == comparison.ident:
        return explain_task.value[1]
    return None


# ------------------------------------------------------------------------------------------------ controls
@solara.component
def TextControl(control: controls.Control, value: Any, on_value):
    """A typed value, checked by the registry on Enter or leaving the field; its message shows under it."""
    text, set_text = solara.use_state(controls.show_value(control.name, value))
    message, set_message = solara.use_state("")

    def reset_text():
        set_text(controls.show_value(control.name, value))
        set_message("")

    solara.use_effect(reset_text, [controls.show_value(control.name, value)])

    def on_text(new: str | None):
        set_text(new or "")
        try:
            on_value(controls.parse_text(control.name, new or ""))
            set_message("")
        except sim.ParameterError as error:
            set_message(str(error))

    solara.InputText(control.label, value=text, on_value=on_text, error=bool(message),
                     message=message or None, dense=True)


@solara.component
def ControlWidget(control: controls.Control):
    """One parameter's widget, of the kind its registry entry calls for, bound to the session's parameters."""
    value = state.params.value.get(control.name, sim.REGISTRY[control.name].validate(control.default))

    def on_value(new, name=control.name):
        state.set_param(name, new)

    if control.widget == "slider":
        solara.SliderFloat(f"{control.label}: {float(value):g}", value=float(value), min=control.low, max=control.high,
                           step=control.step, on_value=on_value)
    elif control.widget == "int_slider":
        solara.SliderInt(f"{control.label}: {int(value)}", value=int(value), min=int(control.low),
                         max=int(control.high), on_value=on_value)
    elif control.widget == "checkbox":
        solara.Checkbox(label=control.label, value=bool(value), on_value=on_value)
    elif control.widget == "select":
        solara.Select(control.label, values=list(control.choices), value=value, on_value=on_value, dense=True)
    else:
        TextControl(control, value, on_value)


WIDGET_ORDER = ("checkbox", "select", "slider", "int_slider", "text")


@solara.component
def LeverControls():
    """The five levers in the proposal's order, each folded with its meaning and its switches first; then the
    settings that are not levers of the proposal but change the answer (user choice)."""
    groups = solara.use_memo(controls.lever_controls, [])
    for lever, title, meaning in LEVERS:
        with solara.Details(summary=title, expand=lever == "participation_audit"):
            # a block of its own with room below: a dense text field's floating label would otherwise sit on it
            solara.HTML(tag="div", unsafe_innerHTML=esc(meaning), classes=["ms-lever-meaning"])
            for control in sorted(groups[lever], key=lambda c: WIDGET_ORDER.index(c.widget)):  # switches first
                ControlBlock(control)
    for title, meaning, names in controls.OTHER_CONTROLS:
        with solara.Details(summary=title, expand=False):
            solara.HTML(tag="div", unsafe_innerHTML=esc(meaning), classes=["ms-lever-meaning"])
            for name in names:
                ControlBlock(controls.control_for(name))


@solara.component
def ControlBlock(control: controls.Control):
    """A control with its help as a tooltip, in a block a test can find by the parameter's name."""
    with solara.Tooltip(control.help):
        with solara.Column(gap="0px", classes=[f"ms-control-{control.name}", f"ms-control-{control.widget}"]):
            ControlWidget(control)


@solara.component
def RunControls():
    """How long, how many paired runs and which seed: the run's settings, which are not model parameters."""
    run = state.run_settings.value
    seed_message, set_seed_message = solara.use_state("")

    def set_run(**changes):
        state.run_settings.value = controls.RunSettings(**{**run.__dict__, **changes})

    def on_seed(text: str | None):
        try:
            set_run(seed=controls.parse_run_setting("seed", text or ""))
            set_seed_message("")
        except ValueError as error:
            set_seed_message(str(error))

    solara.SliderInt(f"years: {run.years}", value=run.years, min=1, max=30, on_value=lambda v: set_run(years=v))
    window = outcome_window(run.steps)
    read = months_text(run.steps - window + 1, run.steps)
    solara.Text(f"Outcomes over {read}: the steady state, as `make compare` reads it." if at_steady_state(run.steps)
                else f"Outcomes over {read}: a transient; {STEADY_STATE_MONTHS // 12} years read the steady state.",
                classes=["ms-window-note"], style={"font-size": "12px", "color": "#555"})
    solara.SliderInt(f"paired runs per regime: {run.replicates}", value=run.replicates, min=2, max=20,
                     on_value=lambda v: set_run(replicates=v))
    solara.InputText("random seed (the same seed gives the same runs)", value=str(run.seed), on_value=on_seed,
                     error=bool(seed_message), message=seed_message or None, dense=True)
    if not run.against_today:
        with_conversion = "conversion" in run.regimes
        solara.Checkbox(label="also run the conversion path", value=with_conversion,
                        on_value=lambda v: set_run(regimes=COMPARED_REGIMES + (("conversion",) if v else ())))


MODES = {"regimes": "the regimes side by side", "against_today": "today's services against a package"}


@solara.component
def ModePicker():
    """What to compare: the regimes side by side on the same settings, or today's services (state departments at
    today's settings) against a package of levers and a regime the user picks."""
    run = state.run_settings.value

    def set_mode(words: str | None):
        against_today = words == MODES["against_today"]
        if against_today == run.against_today:
            return
        regimes = (TODAY, package_regime_for(state.preset_name.value)) if against_today else COMPARED_REGIMES
        state.run_settings.value = replace(run, against_today=against_today, regimes=regimes)

    solara.Select("compare", values=list(MODES.values()), value=MODES["against_today" if run.against_today
                                                                       else "regimes"],
                  on_value=set_mode, dense=True, classes=["ms-mode"])
    if run.against_today:
        choices = [r for r in sim.REGISTRY["regime"].choices if r != TODAY]
        solara.Select("the package's regime", values=choices, value=run.regimes[1], dense=True,
                      on_value=lambda r: state.run_settings.set(replace(run, regimes=(TODAY, r))),
                      classes=["ms-package-regime"])
        solara.Text("Today: state departments with every lever at today's setting. The package: the regime above "
                    "with the levers set below (pick the proposal's package among the presets).",
                    style={"font-size": "12px", "color": "#555"})


def package_regime_for(preset: str | None) -> str:
    """The regime a package runs under: the preset's, unless that is today's; else the proposal's."""
    headline = controls.presets()[preset].headline if preset in controls.presets() else PROPOSAL_REGIME
    return headline if headline != TODAY else PROPOSAL_REGIME


@solara.component
def PresetPicker():
    """A preset sets every lever at once (the proposal, services as they are ...) and says what it is; the
    district's size stays as it was (where the comparison happens, not what it changes)."""
    options = solara.use_memo(controls.presets, [])

    def choose(name: str | None):
        if name in options:
            district = {key: value for key, value in state.params.value.items() if key in DISTRICT}
            state.params.value = {**district, **options[name].params}
            state.preset_name.value = name
            run = state.run_settings.value
            if run.against_today:
                state.run_settings.value = replace(run, regimes=(TODAY, package_regime_for(name)))

    solara.Select("preset", values=list(options), value=state.preset_name.value, on_value=choose, dense=True)
    if state.preset_name.value in options:
        solara.Text(options[state.preset_name.value].description, style={"font-size": "12px", "color": "#555"})


# ------------------------------------------------------------------------------------------------ results
def regime_heads(comparison: runs.Comparison) -> str:
    return "".join(f"<th>{esc(regime_noun(regime))}</th>" for regime in comparison.regimes)


def outcome_table_html(comparison: runs.Comparison, metrics: list[str]) -> str:
    """Each outcome's mean and 95% CI per regime; the outcome named in words, with its meaning under it."""
    summary = comparison.summary(metrics).set_index(["regime", "metric"])
    rows = []
    for metric in metrics:
        cells = []
        for regime in comparison.regimes:
            row = summary.loc[(regime, metric)]
            cells.append(f"<td>{esc(readout.value_text(metric, row['mean']))}<br>"
                         f"<small>{esc(readout.interval_text(metric, row['ci_low'], row['ci_high']))}</small></td>")
        meaning = sim.METRICS[metric].description if metric in sim.METRICS else ""
        rows.append(f'<tr data-metric="{esc(metric)}"><td>{esc(figures.metric_label(metric))}'
                    f"<small>{esc(meaning)}</small></td>{''.join(cells)}</tr>")
    return (f'<table class="ms-table" id="ms-outcomes"><thead><tr><th>outcome (mean of '
            f'{esc(comparison.reading.span)}, 95% CI within the possible range)</th>{regime_heads(comparison)}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table>")


def cost_table_html(comparison: runs.Comparison) -> str:
    """The public cost's components per regime (the bars' numbers), and the total: ``cost_per_capita``'s mean."""
    costs = runs.cost_components(comparison)
    totals = comparison.summary([runs.COST]).set_index("regime")["mean"]
    rows = []
    for metric, name in zip(runs.component_metrics(), costs.columns, strict=True):
        meaning = sim.METRICS[metric].description.removeprefix("public cost component: ")
        rows.append(f'<tr data-metric="{esc(metric)}"><td>{esc(name)}<small>{esc(meaning)}</small></td>'
                    + "".join(f"<td>{esc(readout.value_text(runs.COST, costs.at[regime, name]))}</td>"
                              for regime in comparison.regimes) + "</tr>")
    rows.append(f'<tr data-metric="{runs.COST}"><td><b>total public cost</b></td>'
                + "".join(f"<td><b>{esc(readout.value_text(runs.COST, totals[regime]))}</b></td>"
                          for regime in comparison.regimes)
                + "</tr>")
    return (f'<table class="ms-table" id="ms-cost"><thead><tr><th>component (£ per adult a month, mean of '
            f'{esc(comparison.reading.span)})</th>{regime_heads(comparison)}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def shown_metrics() -> list[str]:
    """The headline metrics, then those the user added."""
    return list(sim.HEADLINE_METRICS) + [m for m in state.extra_metrics.value if m not in sim.HEADLINE_METRICS]


@solara.component
def ReadingNote(reading):
    """When the outcomes were read: the steady state as `make compare` reads it, or a transient, with the
    drift test's warning when a headline metric still moves over the window."""
    if reading.steady and not reading.warning:
        solara.Success(reading.words, dense=True, classes=["ms-reading", "ms-steady"])
    else:
        solara.Warning(" ".join(words for words in (reading.words, reading.warning) if words), dense=True,
                       classes=["ms-reading", "ms-transient" if not reading.steady else "ms-drifting"])


@solara.component
def ExplainBar(comparison: runs.Comparison):
    """"Explain why", what it will ask before it starts (runs and time), its progress while it runs, Cancel."""
    the_plan = solara.use_memo(lambda: explain.plan(comparison), [comparison.ident])
    explained = explanation_of(comparison) is not None
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Explain why", on_click=lambda: (state.explain_progress.set((None, "starting")),
                                                       explain_task(comparison)),
                      disabled=explain_task.pending, classes=["ms-explain"])
        solara.Button("Stop explaining", icon_name="mdi-stop", on_click=explain_task.cancel,
                      disabled=not explain_task.pending, text=True)
        if not explain_task.pending and not explained:
            solara.Text(f"Explaining takes {the_plan.words}.", classes=["ms-explain-plan"],
                        style={"font-size": "12px", "color": "#555"})
    if explain_task.pending:
        percent, words = state.explain_progress.value
        solara.ProgressLinear(percent if percent is not None else True)
        solara.Text(f"Explaining: {words} (of {the_plan.words})", classes=["ms-explain-progress"],
                    style={"font-size": "12px"})
    elif explain_task.error and not isinstance(explain_task.exception, runs.Cancelled):
        solara.Error(error_words(explain_task.exception))


@solara.component
def ComparisonView(comparison: runs.Comparison):
    """A finished comparison: the readout, the series, the outcome table, the unit maps, the cost and downloads;
    figures and tables are memoised on the comparison, so a click elsewhere does not redraw them."""
    metrics = shown_metrics()
    explanation = explanation_of(comparison)
    words = solara.use_memo(lambda: readout.readout(comparison, metrics, explanation),
                            [comparison.ident, tuple(metrics), id(explanation)])
    series_png = solara.use_memo(lambda: figures.png_bytes(figures.timeseries(comparison.bands(metrics), metrics,
                                                                                comparison.regimes)),
                                 [comparison.ident, tuple(metrics)])
    cost_png = solara.use_memo(lambda: figures.png_bytes(figures.comparison_cost(comparison)), [comparison.ident])
    groups_png = solara.use_memo(lambda: figures.png_bytes(figures.by_group(comparison.groups, comparison.regimes)),
                                 [comparison.ident])
    map_pngs = solara.use_memo(lambda: {regime: figures.png_bytes(fig) for regime, fig
                                        in figures.comparison_unit_maps(comparison).items()}, [comparison.ident])

    outcome_html = solara.use_memo(lambda: outcome_table_html(comparison, metrics), [comparison.ident, tuple(metrics)])
    cost_html = solara.use_memo(lambda: cost_table_html(comparison), [comparison.ident])

    answers = solara.use_memo(lambda: headline.headline(comparison, explanation), [comparison.ident, id(explanation)])
    linked: set[str] = set()  # glossary terms linked so far on this page: each is linked at its first use

    def words_html(text: str) -> str:
        return glossary.link_terms(esc(text), linked)

    StyleSheet()
    with solara.Card("The answer", classes=["ms-headline-card"]):
        solara.HTML(tag="ul", classes=["ms-headline"], unsafe_innerHTML="".join(
            f'<li class="ms-answer" data-metric="{esc(answer.finding.metric)}">{words_html(answer.sentence)}</li>'
            for answer in answers))
    ReadingNote(comparison.reading)
    with solara.Card("What it means", classes=["ms-readout-card"]):
        solara.HTML(tag="div", classes=["ms-readout"], unsafe_innerHTML=(
            f"<p>{words_html(words['intro'])}</p><ul>"
            + "".join(f"<li>{words_html(s)}</li>" for s in words["sentences"])
            + "</ul><p><b>How likely.</b></p><ul class=\"ms-probabilities\">"
            + "".join(f"<li>{words_html(s)}</li>" for s in words["probabilities"])
            + "</ul><p><b>Why.</b></p><ul>" + "".join(f"<li>{words_html(s)}</li>" for s in words["why"]) + "</ul>"))
        ExplainBar(comparison)
        solara.Text(f"Comparison no. {comparison.ident}; ran in {comparison.seconds:.1f} s.",
                    classes=["ms-run-count"], style={"font-size": "11px", "color": "#777"})
    with solara.Card("Over time (monthly means, 95% bands)"):
        solara.SelectMultiple("more outcomes", values=state.extra_metrics.value,
                              all_values=[m for m in sim.METRICS if m not in sim.HEADLINE_METRICS],
                              on_value=lambda v: state.extra_metrics.set(list(v)), dense=True)
        solara.Image(series_png, width="100%")
        Downloads(png=series_png, png_name="over_time.png")
    with solara.Card("Final outcomes"):
        solara.HTML(tag="div", unsafe_innerHTML=outcome_html)
        Downloads(csv=lambda: share.to_csv(comparison, metrics), csv_name="outcomes.csv")
    with solara.Card("Units: who runs each service (colour) and how many of its users contribute (shade)"):
        solara.Text("Each unit is split into its services; the shade and the % are the share of users who contribute "
                    "to the service this month (co-production), at the end of the first paired run.",
                    style={"font-size": "12px", "color": "#555"})
        with solara.Row(style={"flex-wrap": "wrap"}):
            for regime, png in map_pngs.items():
                with solara.Column(gap="0px"):
                    solara.Image(png, width="290px")
                    Downloads(png=png, png_name=f"units_{regime}.png")
    with solara.Card("Public cost per adult a month, by component"):
        solara.Text("What the public purse pays, split by what it pays for; money returned to the treasury (a "
                    "department's underspend, reserves taken over) counts below zero.",
                    style={"font-size": "12px", "color": "#555"})
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            solara.Image(cost_png, width="640px")
            solara.HTML(tag="div", unsafe_innerHTML=cost_html)
        Downloads(png=cost_png, png_name="public_cost.png", csv=lambda: share.cost_csv(comparison),
                  csv_name="public_cost.csv")
    with solara.Card("By group: deprivation quintile and sector", classes=["ms-groups-card"]):
        solara.Text(f"Who takes part, how satisfied users are and what the public purse pays for their services, "
                    f"by how deprived people are and by service; mean of {comparison.reading.span} of the first "
                    "paired run of each regime (the run the unit maps show), so one run each, not a mean over "
                    "runs. Participation by quintile counts any part in governance in the last 12 months; by "
                    "service, the share of its users who contribute this month.",
                    style={"font-size": "12px", "color": "#555"})
        solara.Image(groups_png, width="100%")
        Downloads(png=groups_png, png_name="by_group.png", csv=lambda: share.groups_csv(comparison),
                  csv_name="by_group.csv")
    with solara.Card("Share and keep"):
        query = controls.to_query(comparison.params, comparison.run, comparison.preset)
        solara.Text("A link to this page with these settings reproduces the comparison: the settings are in the "
                    "address bar, and the link below also runs the comparison as it opens (the same settings and "
                    "seed give the same numbers).", style={"font-size": "12px"})
        with solara.Row():
            solara.FileDownload(lambda: share.to_csv(comparison), filename="mutual_state_comparison.csv",
                                label="Download CSV", mime_type="text/csv")
            solara.FileDownload(lambda: share.to_markdown(comparison, metrics, attribution=explanation),
                                filename="mutual_state_comparison.md", label="Download Markdown report",
                                mime_type="text/markdown")
        link = "?" + "&".join(part for part in (query, f"run={controls.RUN_ON_OPEN}") if part)
        solara.HTML(tag="a", unsafe_innerHTML=esc(link), attributes={"href": link},
                    classes=["ms-share-link"], style={"font-size": "11px"})
    with solara.Card("Glossary: the words of this page", classes=["ms-glossary-card"]):
        solara.Text("A linked word above jumps here; its meaning also shows when the pointer rests on it (the same "
                    "glossary as the documentation's).", style={"font-size": "12px"})
        solara.HTML(tag="div", unsafe_innerHTML=glossary.glossary_html())
    PageEnd()


@solara.component
def Downloads(png: bytes | None = None, png_name: str = "", csv=None, csv_name: str = ""):
    """A chart's PNG and a table's CSV, each a download named for what it holds."""
    with solara.Row(classes=["ms-downloads"]):
        if png is not None:
            solara.FileDownload(png, filename=f"mutual_state_{png_name}", label="PNG", mime_type="image/png")
        if csv is not None:
            solara.FileDownload(csv, filename=f"mutual_state_{csv_name}", label="CSV", mime_type="text/csv")


@solara.component
def ComparePage():
    """The page at "/": the levers and run settings on the left, the run bar and the comparison on the right."""
    state.use_url_settings({"run": state.run_on_open})

    def run_if_the_link_asks():
        """A link with run=1 reproduces its result: the comparison starts once, as the page opens."""
        if state.run_on_open.value and not compare_task.pending:
            state.run_on_open.value = False
            state.run_progress.set((None, "starting"))
            compare_task(dict(state.params.value), state.run_settings.value, state.preset_name.value)

    solara.use_effect(run_if_the_link_asks, [state.run_on_open.value])
    solara.Title("Mutual State: compare")
    with solara.Sidebar():
        ModePicker()
        solara.HTML(tag="h3", unsafe_innerHTML="The proposal's levers")
        PresetPicker()
        LeverControls()
        with solara.Details(summary="Run settings", expand=True):
            RunControls()
    StyleSheet()
    for message in state.link_messages.value:
        solara.Warning(message, dense=True)
    RunBar()
    ComparisonArea()


@solara.component
def RunBar():
    """Run, Cancel and the progress of a run: a component of its own, so that a progress update re-renders
    this bar and not the page with its controls and charts."""
    run = state.run_settings.value
    with solara.Row():
        solara.Button("Run", color="primary", icon_name="mdi-play", classes=["ms-run"],
                      on_click=lambda: (state.run_progress.set((None, "starting")),
                                        compare_task(dict(state.params.value), state.run_settings.value,
                                                     state.preset_name.value)),
                      disabled=compare_task.pending)
        solara.Button("Cancel", icon_name="mdi-stop", classes=["ms-cancel"], on_click=compare_task.cancel,
                      disabled=not compare_task.pending)
        sides = (f"today against the package ({regime_noun(run.regimes[1])})" if run.against_today
                 else f"{len(run.regimes)} regimes")
        work = runs.estimate(state.params.value, run)
        solara.Text(f"{sides} × {run.replicates} paired runs × {run.years} years on common random numbers, and a "
                    f"unit map per regime: {work.words}", classes=["ms-estimate"])
    if compare_task.pending:
        percent, words = state.run_progress.value
        solara.ProgressLinear(percent if percent is not None else True)
        solara.Text(f"Running: {words}", classes=["ms-progress"])
    elif compare_task.cancelled or isinstance(compare_task.exception, runs.Cancelled):
        solara.Info("Cancelled: the comparison was stopped. Change the levers or run it again.", dense=True)
    elif compare_task.error:
        solara.Error(error_words(compare_task.exception), classes=["ms-run-error"])


@solara.component
def ComparisonArea():
    comparison = compare_task.value if compare_task.finished else compare_task.latest
    if comparison is not None:
        ComparisonView(comparison)
    elif not compare_task.pending:
        solara.Info("Pick a preset or set the levers on the left, then press Run: state departments, private "
                    "contractors and mutuals run side by side on the same random numbers.")
