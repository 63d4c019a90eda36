"""The dashboard's pages (Solara): Compare, Explore, Results. Serve with ``mutual-state dashboard``.

State lives in ``solara.reactive`` values, which Solara keeps per browser session. Long work (a comparison,
playing a run) runs in threaded ``solara.lab.task``s so the page keeps answering clicks; a comparison checks
``is_current()`` after each run, which is how Cancel stops it.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import solara
import solara.lab

import sim

from . import controls as ctl
from . import figures, readout, results_view, runs, share

# ------------------------------------------------------------------------------------------------ session state
params = solara.reactive({})  # the Compare page's parameter values that differ from the registry defaults
run_settings = solara.reactive(ctl.RunSettings())
preset_name: solara.Reactive[str | None] = solara.reactive(None)
extra_metrics: solara.Reactive[list[str]] = solara.reactive([])
link_messages: solara.Reactive[list[str]] = solara.reactive([])
run_progress: solara.Reactive[tuple[float | None, str]] = solara.reactive((None, ""))  # (percent, words): one update
url_loaded = solara.reactive(False)

CSS = """
.ms-table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px 0; }
.ms-table th, .ms-table td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
.ms-table th:first-child, .ms-table td:first-child { text-align: left; }
.ms-table td:first-child small { display: block; max-width: 380px; color: #555; }
.ms-readout li { margin-bottom: 6px; }
.ms-lever-meaning { font-size: 12px; color: #555; line-height: 1.35; margin: 0 0 16px 0; }
.ms-control-text { padding-top: 14px; }
.ms-page-end { height: 48px; }
.ms-report h2 { font-size: 1.4em; margin-top: 14px; } .ms-report h3 { font-size: 1.15em; margin-top: 12px; }
"""


def esc(text: Any) -> str:
    return html.escape(str(text))


def _set_param(name: str, value: Any) -> None:
    current = dict(params.value)
    if ctl.is_default(name, value):
        current.pop(name, None)
    else:
        current[name] = value
    params.value = current


def error_words(e: BaseException | None) -> str:
    """An exception as a sentence for the page (the registry's and scenario's messages are already words)."""
    if e is None:
        return ""
    if isinstance(e, (sim.ParameterError, sim.ScenarioError, runs.ComparisonFailed, ValueError)):
        return str(e)
    return f"The model stopped with an error: {type(e).__name__}: {e}"


@solara.component
def PageEnd():
    """Room below a page's last card, so that Solara's badge in the corner does not cover it."""
    solara.HTML(tag="div", classes=["ms-page-end"])


# ------------------------------------------------------------------------------------------------ the comparison
@solara.lab.task(prefer_threaded=True)
def compare_task(overrides: dict[str, Any], run: ctl.RunSettings, preset: str | None) -> runs.Comparison:
    def progress(fraction: float, words: str) -> None:
        if not compare_task.is_current():
            raise runs.Cancelled()
        run_progress.value = (100.0 * fraction, words)

    return runs.run_comparison(overrides, run, progress, preset=preset)


@solara.lab.task(prefer_threaded=True)
def explain_task(comparison: runs.Comparison) -> Any:
    """Attribution of the differences to mechanisms, where the model provides it (``sim.attribute_differences``)."""
    attribute = sim.attribute_differences
    frames = []
    for regime in comparison.regimes:
        if regime == comparison.baseline:
            continue
        frames.append(attribute(baseline=comparison.baseline, regime=regime, replicates=comparison.run.replicates,
                                steps=comparison.run.steps, rng=comparison.run.seed, **comparison.params))
    import pandas as pd

    return pd.concat(frames, ignore_index=True) if frames else None


# ------------------------------------------------------------------------------------------------ controls
@solara.component
def TextControl(control: ctl.Control, value: Any, on_value):
    """A typed value, checked by the registry on Enter or leaving the field; its message shows under it."""
    text, set_text = solara.use_state(ctl.show_value(control.name, value))
    message, set_message = solara.use_state("")

    def reset_text():
        set_text(ctl.show_value(control.name, value))
        set_message("")

    solara.use_effect(reset_text, [ctl.show_value(control.name, value)])

    def on_text(new: str | None):
        set_text(new or "")
        try:
            on_value(ctl.parse_text(control.name, new or ""))
            set_message("")
        except sim.ParameterError as e:
            set_message(str(e))

    solara.InputText(control.label, value=text, on_value=on_text, error=bool(message),
                     message=message or None, dense=True)


@solara.component
def ControlWidget(control: ctl.Control):
    value = params.value.get(control.name, sim.REGISTRY[control.name].validate(control.default))

    def on_value(v, name=control.name):
        _set_param(name, v)

    if control.widget == "slider":
        solara.SliderFloat(f"{control.label}: {float(value):g}", value=float(value), min=control.low, max=control.high,
                         step=control.step, on_value=on_value)
    elif control.widget == "int_slider":
        solara.SliderInt(f"{control.label}: {int(value)}", value=int(value), min=int(control.low), max=int(control.high),
                                  on_value=on_value)
    elif control.widget == "checkbox":
        solara.Checkbox(label=control.label, value=bool(value), on_value=on_value)
    elif control.widget == "select":
        solara.Select(control.label, values=list(control.choices), value=value, on_value=on_value,
                               dense=True)
    else:
        TextControl(control, value, on_value)


WIDGET_ORDER = ("checkbox", "select", "slider", "int_slider", "text")


@solara.component
def LeverControls():
    groups = solara.use_memo(ctl.lever_controls, [])
    for lever, title, meaning in ctl.LEVERS:
        with solara.Details(summary=title, expand=lever == "participation_audit"):
            # a block of its own with room below: a dense text field's floating label would otherwise sit on it
            solara.HTML(tag="div", unsafe_innerHTML=esc(meaning), classes=["ms-lever-meaning"])
            for control in sorted(groups[lever], key=lambda c: WIDGET_ORDER.index(c.widget)):  # switches first
                with solara.Tooltip(control.help):
                    with solara.Column(gap="0px", classes=[f"ms-control-{control.name}", f"ms-control-{control.widget}"]):
                        ControlWidget(control)


@solara.component
def RunControls():
    run = run_settings.value
    seed_message, set_seed_message = solara.use_state("")

    def set_run(**changes):
        run_settings.value = ctl.RunSettings(**{**run.__dict__, **changes})

    def on_seed(text: str | None):
        try:
            set_run(seed=ctl.parse_run_setting("seed", text or ""))
            set_seed_message("")
        except ValueError as e:
            set_seed_message(str(e))

    solara.SliderInt(f"years: {run.years}", value=run.years, min=1, max=30, on_value=lambda v: set_run(years=v))
    solara.SliderInt(f"paired runs per regime: {run.replicates}", value=run.replicates, min=2, max=20,
                     on_value=lambda v: set_run(replicates=v))
    solara.InputText("random seed (the same seed gives the same runs)", value=str(run.seed), on_value=on_seed, error=bool(seed_message),
                     message=seed_message or None, dense=True)
    with_conversion = "conversion" in run.regimes
    solara.Checkbox(label="also run the conversion path", value=with_conversion,
                    on_value=lambda v: set_run(regimes=ctl.COMPARED_REGIMES + (("conversion",) if v else ())))


@solara.component
def PresetPicker():
    options = solara.use_memo(ctl.presets, [])

    def choose(name: str | None):
        if name in options:
            params.value = dict(options[name].params)
            preset_name.value = name

    solara.Select("preset", values=list(options), value=preset_name.value, on_value=choose, dense=True)
    if preset_name.value in options:
        solara.Text(options[preset_name.value].description, style={"font-size": "12px", "color": "#555"})


def use_url_settings():
    """Read the settings from the URL once, then keep the URL's query in step with them."""
    router = solara.use_router()

    def load():
        if url_loaded.value:
            return
        p, run, preset, problems = ctl.from_query(router.search)
        if preset:
            p = {**ctl.presets()[preset].params, **p}
        params.value = {k: v for k, v in p.items() if not ctl.is_default(k, v)}
        run_settings.value = run
        preset_name.value = preset
        link_messages.value = problems
        url_loaded.value = True

    solara.use_effect(load, [])
    query = ctl.to_query(params.value, run_settings.value, preset_name.value)

    def push():
        if url_loaded.value and (router.search or "") != query:
            router.push(f"{router.path}?{query}" if query else router.path)

    solara.use_effect(push, [query])
    return query


# ------------------------------------------------------------------------------------------------ results
def regime_heads(comparison: runs.Comparison) -> str:
    return "".join(f"<th>{esc(ctl.REGIME_WORDS.get(r, r))}</th>" for r in comparison.regimes)


def outcome_table_html(comparison: runs.Comparison, metrics: list[str]) -> str:
    """Each outcome's mean and 95% CI per regime; the outcome named in words, with its meaning under it."""
    summary = comparison.summary(metrics).set_index(["regime", "metric"])
    rows = []
    for m in metrics:
        cells = []
        for regime in comparison.regimes:
            r = summary.loc[(regime, m)]
            cells.append(f"<td>{esc(readout.value_text(m, r['mean']))}<br>"
                         f"<small>{esc(readout.interval_text(m, r['ci_low'], r['ci_high']))}</small></td>")
        meaning = sim.METRICS[m].description if m in sim.METRICS else ""
        rows.append(f'<tr data-metric="{esc(m)}"><td>{esc(figures.metric_label(m))}<small>{esc(meaning)}</small></td>'
                    f"{''.join(cells)}</tr>")
    return (f'<table class="ms-table" id="ms-outcomes"><thead><tr><th>outcome (mean of the last 12 months, '
            f'95% CI within the possible range)</th>{regime_heads(comparison)}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def cost_table_html(comparison: runs.Comparison) -> str:
    """The public cost's components per regime (the bars' numbers), and the total: ``cost_per_capita``'s mean."""
    costs = runs.cost_components(comparison)
    totals = comparison.summary([runs.COST]).set_index("regime")["mean"]
    rows = []
    for metric, name in zip(runs.component_metrics(), costs.columns, strict=True):
        meaning = sim.METRICS[metric].description.removeprefix("public cost component: ")
        rows.append(f'<tr data-metric="{esc(metric)}"><td>{esc(name)}<small>{esc(meaning)}</small></td>'
                    + "".join(f"<td>{esc(readout.value_text(runs.COST, costs.at[r, name]))}</td>"
                              for r in comparison.regimes) + "</tr>")
    rows.append(f'<tr data-metric="{runs.COST}"><td><b>total public cost</b></td>'
                + "".join(f"<td><b>{esc(readout.value_text(runs.COST, totals[r]))}</b></td>" for r in comparison.regimes)
                + "</tr>")
    return (f'<table class="ms-table" id="ms-cost"><thead><tr><th>component (£ per adult a month, mean of the last '
            f'12 months)</th>{regime_heads(comparison)}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


@solara.component
def ComparisonView(comparison: runs.Comparison):
    metrics = list(runs.HEADLINE) + [m for m in extra_metrics.value if m not in runs.HEADLINE]
    words = solara.use_memo(lambda: readout.readout(comparison, metrics, explain_task.value
                                                    if explain_task.finished else None),
                            [comparison.ident, tuple(metrics), id(explain_task.value)])
    series_png = solara.use_memo(lambda: figures.png_bytes(figures.timeseries(comparison.bands(metrics), metrics,
                                                                                comparison.regimes)),
                                 [comparison.ident, tuple(metrics)])
    cost_png = solara.use_memo(lambda: figures.png_bytes(figures.comparison_cost(comparison)), [comparison.ident])
    map_pngs = solara.use_memo(lambda: {r: figures.png_bytes(f) for r, f in figures.comparison_unit_maps(comparison)
                                        .items()}, [comparison.ident])

    outcome_html = solara.use_memo(lambda: outcome_table_html(comparison, metrics), [comparison.ident, tuple(metrics)])
    cost_html = solara.use_memo(lambda: cost_table_html(comparison), [comparison.ident])

    solara.HTML(tag="div", unsafe_innerHTML=f"<style>{CSS}</style>")
    with solara.Card("What it means", classes=["ms-readout-card"]):
        solara.HTML(tag="div", classes=["ms-readout"], unsafe_innerHTML=(
            f"<p>{esc(words['intro'])}</p><ul>" + "".join(f"<li>{esc(s)}</li>" for s in words["sentences"])
            + "</ul><p><b>Why.</b></p><ul>" + "".join(f"<li>{esc(s)}</li>" for s in words["why"]) + "</ul>"))
        if hasattr(sim, "attribute_differences"):
            with solara.Row():
                solara.Button("Explain why", on_click=lambda: explain_task(comparison), disabled=explain_task.pending)
                if explain_task.pending:
                    solara.ProgressLinear(True)
                if explain_task.error:
                    solara.Error(error_words(explain_task.exception))
        solara.Text(f"Comparison no. {comparison.ident}; ran in {comparison.seconds:.1f} s.",
                    classes=["ms-run-count"], style={"font-size": "11px", "color": "#777"})
    with solara.Card("Over time (monthly means, 95% bands)"):
        solara.SelectMultiple("more outcomes", values=extra_metrics.value,
                              all_values=[m for m in sim.METRICS if m not in runs.HEADLINE],
                              on_value=lambda v: extra_metrics.set(list(v)), dense=True)
        solara.Image(series_png, width="100%")
    with solara.Card("Final outcomes"):
        solara.HTML(tag="div", unsafe_innerHTML=outcome_html)
    with solara.Card("Units: who runs each service (colour) and how many of its users contribute (shade)"):
        solara.Text("Each unit is split into its services; the shade and the % are the share of users who contribute "
                    "to the service this month (co-production), at the end of the first paired run.",
                    style={"font-size": "12px", "color": "#555"})
        with solara.Row(style={"flex-wrap": "wrap"}):
            for png in map_pngs.values():
                solara.Image(png, width="290px")
    with solara.Card("Public cost per adult a month, by component"):
        solara.Text("What the public purse pays, split by what it pays for; money returned to the treasury (a "
                    "department's underspend, reserves taken over) counts below zero.",
                    style={"font-size": "12px", "color": "#555"})
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            solara.Image(cost_png, width="640px")
            solara.HTML(tag="div", unsafe_innerHTML=cost_html)
    with solara.Card("Share and keep"):
        query = ctl.to_query(comparison.params, comparison.run, comparison.preset)
        solara.Text("A link to this page with these settings reproduces the comparison: the settings are in the "
                    "address bar.", style={"font-size": "12px"})
        with solara.Row():
            solara.FileDownload(lambda: share.to_csv(comparison), filename="mutual_state_comparison.csv",
                                label="Download CSV", mime_type="text/csv")
            solara.FileDownload(lambda: share.to_markdown(comparison, metrics, attribution=explain_task.value
                                                          if explain_task.finished else None),
                                filename="mutual_state_comparison.md", label="Download Markdown report",
                                mime_type="text/markdown")
        if query:
            solara.Text(f"?{query}", style={"font-size": "11px", "color": "#777"})
    PageEnd()


@solara.component
def ComparePage():
    use_url_settings()
    solara.Title("Mutual State: compare")
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="The proposal's levers")
        PresetPicker()
        LeverControls()
        with solara.Details(summary="Run settings", expand=True):
            RunControls()
    solara.HTML(tag="div", unsafe_innerHTML=f"<style>{CSS}</style>")
    for message in link_messages.value:
        solara.Warning(message, dense=True)
    RunBar()
    ComparisonArea()


@solara.component
def RunBar():
    """Run, Cancel and the progress of a run: a component of its own, so that a progress update re-renders
    this bar and not the page with its controls and charts."""
    with solara.Row():
        solara.Button("Run", color="primary", icon_name="mdi-play", classes=["ms-run"],
                      on_click=lambda: (run_progress.set((None, "starting")),
                                        compare_task(dict(params.value), run_settings.value, preset_name.value)),
                      disabled=compare_task.pending)
        solara.Button("Cancel", icon_name="mdi-stop", classes=["ms-cancel"], on_click=compare_task.cancel, disabled=not compare_task.pending)
        n = len(run_settings.value.regimes) * run_settings.value.replicates
        solara.Text(f"{len(run_settings.value.regimes)} regimes × {run_settings.value.replicates} paired runs × "
                    f"{run_settings.value.years} years = {n} runs on common random numbers")
    if compare_task.pending:
        percent, words = run_progress.value
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


# ------------------------------------------------------------------------------------------------ explore
explore_model = solara.reactive(None)
explore_tick = solara.reactive(0)
explore_regime = solara.reactive("mutual")
explore_seed = solara.reactive(1)
explore_error = solara.reactive("")
follow_unit = solara.reactive(0)
follow_citizen = solara.reactive(0)
PLAY_PAUSE_SECONDS = 0.05


def explore_reset() -> None:
    try:
        explore_model.value = sim.MutualStateModel(rng=explore_seed.value,
                                                   **{**params.value, "regime": explore_regime.value})
        explore_error.value = ""
    except (sim.ParameterError, ValueError) as e:
        explore_error.value = str(e)
    explore_tick.value += 1


def explore_step() -> None:
    model = explore_model.value
    if model is None:
        explore_reset()
        model = explore_model.value
    if model is None:
        return
    try:
        model.step()
    except Exception as e:  # the page goes on: say what happened
        explore_error.value = error_words(e)
    explore_tick.value += 1


@solara.lab.task(prefer_threaded=True)
def play_task() -> None:
    while play_task.is_current():
        explore_step()
        if explore_error.value:
            return
        time.sleep(PLAY_PAUSE_SECONDS)


def safe_html(build, *args) -> str:
    """A view's HTML, or its error in words: one broken view must not take the page down."""
    try:
        return build(*args)
    except Exception as e:
        return f"<p style='color:#b00020'>{esc(error_words(e))}</p>"


def citizen_html(model, index: int) -> str:
    c = model.citizens[index]
    frame = model.providers_frame()
    rows = [("unit", c.unit), ("deprivation quintile (0 least deprived)", c.deprivation_quintile),
            ("civic resources", readout.fixed(c.civic_resources, ".2f")), ("efficacy", readout.fixed(c.efficacy, ".2f")),
            ("trust", readout.fixed(c.trust, ".2f")), ("took part in the last 12 months", "yes" if c.participated_last_year else "no"),
            ("member of a mutual in", ", ".join(c.memberships) or "none")]
    out = '<table class="ms-table" id="ms-citizen">' + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>"
                                                                for k, v in rows) + "</table>"
    services = c.services
    if services:
        out += ('<table class="ms-table"><thead><tr><th>service</th><th>stance</th><th>satisfaction</th>'
                "<th>provider (row, kind, unit)</th></tr></thead><tbody>")
        for s in services:
            p = frame.iloc[s.provider_row]
            kind = runs.KIND_NAMES.get(p["kind"], p["kind"])
            out += (f"<tr><td>{esc(s.sector)}</td><td>{esc(s.stance)}</td><td>{readout.fixed(s.satisfaction, '.2f')}</td>"
                    f"<td>{s.provider_row}, {esc(kind)}, unit {int(p['unit'])}</td></tr>")
        out += "</tbody></table>"
    else:
        out += "<p>She needs none of the modelled services at the moment.</p>"
    return out


UNIT_COLUMNS = {"units_served": "units served", "participation": "users taking part",
                "design": "service design (0 to 1)", "quality_contractible": "quality written into the contract",
                "quality_noncontractible": "quality no contract can write", "morale": "staff morale",
                "cash": "cash (£)", "failing": "failing"}


def unit_html(model, unit: int) -> str:
    frame = model.providers_frame()
    part = frame.iloc[runs.rows_of_unit(model, unit)]
    cols = [c for c in ["sector", "kind", "units_served", "users", "participation", "design", "quality_contractible",
                        "quality_noncontractible", "staff", "morale", "cash", "failing"] if c in frame.columns]
    head = "".join(f"<th>{esc(UNIT_COLUMNS.get(c, c.replace('_', ' ')))}</th>" for c in cols)
    body = ""
    for r in part.itertuples(index=False):
        cells = []
        for c in cols:
            v = getattr(r, c)
            if c == "kind":
                v = runs.KIND_NAMES.get(v, v)
            elif c == "failing":
                v = "yes" if v else "no"
            elif c == "participation":
                v = readout.value_text("participation_rate", float(v))
            elif c in ("users", "staff", "cash", "units_served"):
                v = readout.fixed(float(v), ",.0f")
            elif isinstance(v, float):
                v = readout.fixed(v, ".3f")
            cells.append(f"<td>{esc(v)}</td>")
        body += "<tr>" + "".join(cells) + "</tr>"
    size = model.units[unit].population
    return (f"<p>Unit {unit}: {size} adults. Each service's organisation may serve several neighbouring units "
            f"(units served); its figures are for all of them.</p><div style='overflow-x:auto'><table class='ms-table' id='ms-unit'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


@solara.component
def IndexInput(label: str, value: solara.Reactive[int], upper: int):
    """A whole number from 0 to upper-1, checked; a bad entry shows a message and changes nothing."""
    message, set_message = solara.use_state("")

    def on_text(text: str | None):
        try:
            i = int((text or "").strip())
        except ValueError:
            set_message(f"{label}: {text!r} is not a whole number; expected 0 to {upper - 1}")
            return
        if not 0 <= i < upper:
            set_message(f"{label}: {i} is not allowed; expected 0 to {upper - 1}")
            return
        set_message("")
        value.value = i

    solara.InputText(label, value=str(value.value), on_value=on_text, error=bool(message), message=message or None,
                     dense=True)


@solara.component
def ExplorePage():
    use_url_settings()
    solara.Title("Mutual State: explore")
    _ = explore_tick.value  # re-render after every step
    model = explore_model.value
    if model is None and url_loaded.value and not explore_error.value:  # after the link's levers are read
        explore_reset()
        model = explore_model.value
    solara.HTML(tag="div", unsafe_innerHTML=f"<style>{CSS}</style>")
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="One run, month by month")
        solara.Text("Uses the levers set on the Compare page.", style={"font-size": "12px"})
        solara.Select("regime", values=list(sim.REGISTRY["regime"].choices), value=explore_regime.value,
                      on_value=lambda v: (explore_regime.set(v), explore_reset()))
        IndexInput("seed", explore_seed, 2**63 - 1)
    with solara.Row():
        solara.Button("Step", icon_name="mdi-step-forward", on_click=explore_step, disabled=play_task.pending)
        solara.Button("Play", icon_name="mdi-play", on_click=play_task, disabled=play_task.pending)
        solara.Button("Pause", icon_name="mdi-pause", on_click=play_task.cancel, disabled=not play_task.pending)
        solara.Button("Reset", icon_name="mdi-restore", on_click=lambda: (play_task.cancel(), explore_reset()))
        if model is not None:
            solara.Text(f"month {model.month}", classes=["ms-month"], style={"font-size": "18px"})
    if explore_error.value:
        solara.Error(explore_error.value, classes=["ms-explore-error"])
    if model is not None:
        ExploreRun(model, explore_tick.value)


@solara.component
def ExploreRun(model, tick: int):
    """The run now: its unit map, its series so far, and the unit and citizen being followed."""
    frame = model.datacollector.get_model_vars_dataframe()
    map_png = solara.use_memo(lambda: figures.png_bytes(figures.unit_map(runs.snapshot(model),
                                                                         f"{explore_regime.value}: month {model.month}",
                                                                         width=3.0, numbered=True), dpi=100),
                             [tick, id(model)])
    series_png = solara.use_memo(lambda: figures.png_bytes(figures.series(frame, list(runs.HEADLINE), width=6.6),
                                                           dpi=100), [tick, id(model)])
    with solara.Columns([1, 2]):
        with solara.Card("Units"):
            solara.Text("Colour: who runs each service; shade: the share of its users who contribute this month.",
                        style={"font-size": "12px", "color": "#555"})
            solara.Image(map_png, width="100%")
        with solara.Card("Over time"):
            solara.Image(series_png, width="100%")
    with solara.Card("Follow a unit (units are numbered on the map)"):
        IndexInput("unit", follow_unit, len(model.units))
        if follow_unit.value < len(model.units):
            solara.HTML(tag="div", unsafe_innerHTML=safe_html(unit_html, model, follow_unit.value))
    with solara.Columns([1]):
        with solara.Card("Follow a citizen"):
            IndexInput("citizen", follow_citizen, len(model.citizens))
            if follow_citizen.value < len(model.citizens):
                solara.HTML(tag="div", unsafe_innerHTML=safe_html(citizen_html, model, follow_citizen.value))
    PageEnd()


# ------------------------------------------------------------------------------------------------ results
results_path = solara.reactive("")


@solara.component
def ResultsPage():
    solara.Title("Mutual State: results")
    solara.HTML(tag="div", unsafe_innerHTML=f"<style>{CSS}</style>")
    folders = solara.use_memo(lambda: [str(p) for p in results_view.results_folders("results")], [])
    typed, set_typed = solara.use_state(results_path.value)
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="A batch's report")
        solara.Text("Open a folder written by `mutual-state batch … --report` (or `mutual-state report`).",
                    style={"font-size": "12px"})
        if folders:
            solara.Select("results folders found", values=folders,
                          value=results_path.value if results_path.value in folders else None,
                          on_value=lambda v: (results_path.set(v or ""), set_typed(v or "")))
        solara.InputText("or type a folder", value=typed, on_value=lambda v: (set_typed(v or ""),
                                                                             results_path.set(v or "")))
    if not results_path.value:
        solara.Info("Choose or type a results folder to see its report: tables with confidence intervals, figures, "
                    "and where each regime wins.")
        return
    try:
        view = results_view.open_report(results_path.value)
    except results_view.ResultsFolderError as e:
        solara.Error(str(e), classes=["ms-results-error"])
        return
    solara.Text(f"{view.folder}: {view.figures} figures", style={"font-size": "12px", "color": "#777"})
    solara.Text("The batch's own report, as the researcher's tools wrote it: shares are fractions (0.25 is 25%), "
                "money is £ per adult a month, and each outcome is a run's mean over its last 12 months. What each "
                "metric means is in the Compare page's outcome table and in docs/ODD.md §8.",
                style={"font-size": "12px", "color": "#555"})
    wins = [k for k in view.sections if k.lower().startswith("where does each")]
    if wins:
        with solara.Card(wins[0]):
            solara.HTML(tag="div", classes=["ms-report"], unsafe_innerHTML=view.sections[wins[0]])
    with solara.Card("Report"):
        solara.HTML(tag="div", classes=["ms-report"], unsafe_innerHTML=view.html)
    PageEnd()


# ------------------------------------------------------------------------------------------------ the app
@solara.component
def SiteLayout(children=[]):  # noqa: B006 - Solara's layout signature
    route, siblings = solara.use_route()
    # the first comparison should not pay for starting the process pool: start it beside the first page
    solara.use_effect(lambda: threading.Thread(target=runs.warm_up, daemon=True, name="warm-up").start(), [])
    with solara.AppLayout(title="Mutual State — public services as mutuals?", navigation=False,
                          color="#2e6f9e") as main:
        with solara.AppBar():
            for r in siblings:
                with solara.Link(solara.resolve_path(r)):
                    solara.Button(r.label, text=True, dark=True, classes=[f"ms-nav-{r.label.lower()}"],
                                  style={"font-weight": "bold" if r is route else "normal",
                                         "text-decoration": "underline" if r is route else "none"})
        for child in children:
            solara.display(child)
    return main


routes = [
    # the "/" route's layout frames every page (Solara applies the root route's layout to its siblings)
    solara.Route(path="/", component=ComparePage, label="Compare", layout=SiteLayout),
    solara.Route(path="explore", component=ExplorePage, label="Explore"),
    solara.Route(path="results", component=ResultsPage, label="Results"),
]
