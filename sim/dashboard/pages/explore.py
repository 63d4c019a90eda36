"""The Explore page: one run of one regime, month by month (Step, Play, Pause, Reset), with its unit map, its
series so far, and a unit and a citizen followed through it. It uses the levers set on the Compare page.

Play runs in a threaded ``solara.lab.task`` so that Pause is answered between steps.
"""

from __future__ import annotations

import time

import solara
import solara.lab

import sim

from .. import figures, readout, runs, state
from .common import PageEnd, StyleSheet, error_words, esc

PLAY_PAUSE_SECONDS = 0.05


def explore_reset() -> None:
    """A new model at month 0 from the session's levers, regime and seed; a bad setting shows as words."""
    try:
        state.explore_model.value = sim.MutualStateModel(rng=state.explore_seed.value,
                                                         **{**state.params.value, "regime": state.explore_regime.value})
        state.explore_error.value = ""
    except (sim.ParameterError, ValueError) as error:
        state.explore_error.value = str(error)
    state.explore_tick.value += 1


def explore_step() -> None:
    """One month of the run (a new model first if there is none); an error stops the run, not the page."""
    model = state.explore_model.value
    if model is None:
        explore_reset()
        model = state.explore_model.value
    if model is None:
        return
    try:
        model.step()
    except Exception as error:  # the page goes on: say what happened
        state.explore_error.value = error_words(error)
    state.explore_tick.value += 1


@solara.lab.task(prefer_threaded=True)
def play_task() -> None:
    while play_task.is_current():
        explore_step()
        if state.explore_error.value:
            return
        time.sleep(PLAY_PAUSE_SECONDS)


def safe_html(build, *args) -> str:
    """A view's HTML, or its error in words: one broken view must not take the page down."""
    try:
        return build(*args)
    except Exception as error:
        return f"<p style='color:#b00020'>{esc(error_words(error))}</p>"


def citizen_html(model, index: int) -> str:
    """One citizen's resources, stances and providers as tables: what the model knows about her now."""
    citizen = model.citizens[index]
    frame = model.providers_frame()
    rows = [("unit", citizen.unit), ("deprivation quintile (0 least deprived)", citizen.deprivation_quintile),
            ("civic resources", readout.fixed(citizen.civic_resources, ".2f")),
            ("efficacy", readout.fixed(citizen.efficacy, ".2f")), ("trust", readout.fixed(citizen.trust, ".2f")),
            ("took part in the last 12 months", "yes" if citizen.participated_last_year else "no"),
            ("member of a mutual in", ", ".join(citizen.memberships) or "none")]
    out = '<table class="ms-table" id="ms-citizen">' + "".join(f"<tr><td>{esc(name)}</td><td>{esc(value)}</td></tr>"
                                                                for name, value in rows) + "</table>"
    services = citizen.services
    if services:
        out += ('<table class="ms-table"><thead><tr><th>service</th><th>stance</th><th>satisfaction</th>'
                "<th>provider (row, kind, unit)</th></tr></thead><tbody>")
        for service in services:
            provider = frame.iloc[service.provider_row]
            kind = runs.KIND_NAMES.get(provider["kind"], provider["kind"])
            out += (f"<tr><td>{esc(service.sector)}</td><td>{esc(service.stance)}</td>"
                    f"<td>{readout.fixed(service.satisfaction, '.2f')}</td>"
                    f"<td>{service.provider_row}, {esc(kind)}, unit {int(provider['unit'])}</td></tr>")
        out += "</tbody></table>"
    else:
        out += "<p>She needs none of the modelled services at the moment.</p>"
    return out


UNIT_COLUMNS = {"units_served": "units served", "participation": "users taking part",
                "design": "service design (0 to 1)", "quality_contractible": "quality written into the contract",
                "quality_noncontractible": "quality no contract can write", "morale": "staff morale",
                "cash": "cash (£)", "failing": "failing"}


def unit_cell(column: str, value) -> str:
    """One cell of the unit's table, in words and units a reader expects (kind names, yes/no, %, whole £)."""
    if column == "kind":
        return runs.KIND_NAMES.get(value, value)
    if column == "failing":
        return "yes" if value else "no"
    if column == "participation":
        return readout.value_text("participation_rate", float(value))
    if column in ("users", "staff", "cash", "units_served"):
        return readout.fixed(float(value), ",.0f")
    if isinstance(value, float):
        return readout.fixed(value, ".3f")
    if isinstance(value, tuple):  # a design: one value per dimension (ODD §9 D-Q1)
        return ", ".join(readout.fixed(v, ".3f") for v in value)
    return value


def unit_html(model, unit: int) -> str:
    """The organisations serving one unit, a row per service, with the figures that say how each is doing."""
    frame = model.providers_frame()
    part = frame.iloc[runs.rows_of_unit(model, unit)]
    columns = [c for c in ["sector", "kind", "units_served", "users", "participation", "design",
                           "quality_contractible", "quality_noncontractible", "staff", "morale", "cash", "failing"]
               if c in frame.columns]
    head = "".join(f"<th>{esc(UNIT_COLUMNS.get(c, c.replace('_', ' ')))}</th>" for c in columns)
    body = ""
    for row in part.itertuples(index=False):
        body += "<tr>" + "".join(f"<td>{esc(unit_cell(c, getattr(row, c)))}</td>" for c in columns) + "</tr>"
    size = model.units[unit].population
    return (f"<p>Unit {unit}: {size} adults. Each service's organisation may serve several neighbouring units "
            f"(units served); its figures are for all of them.</p><div style='overflow-x:auto'>"
            f"<table class='ms-table' id='ms-unit'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


@solara.component
def IndexInput(label: str, value: solara.Reactive[int], upper: int):
    """A whole number from 0 to upper-1, checked; a bad entry shows a message and changes nothing."""
    message, set_message = solara.use_state("")

    def on_text(text: str | None):
        """Take the entry only if it is a whole number in range; otherwise say why and keep the old one."""
        try:
            index = int((text or "").strip())
        except ValueError:
            set_message(f"{label}: {text!r} is not a whole number; expected 0 to {upper - 1}")
            return
        if not 0 <= index < upper:
            set_message(f"{label}: {index} is not allowed; expected 0 to {upper - 1}")
            return
        set_message("")
        value.value = index

    solara.InputText(label, value=str(value.value), on_value=on_text, error=bool(message), message=message or None,
                     dense=True)


@solara.component
def ExplorePage():
    """The page at "/explore": the regime and seed on the left, the run's buttons and the run on the right."""
    state.use_url_settings({"explore_regime": state.explore_regime, "explore_seed": state.explore_seed})
    solara.Title("Mutual State: explore")
    _ = state.explore_tick.value  # re-render after every step
    model = state.explore_model.value
    if model is None and state.url_loaded.value and not state.explore_error.value:  # after the link's levers are read
        explore_reset()
        model = state.explore_model.value
    StyleSheet()
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="One run, month by month")
        solara.Text("Uses the levers set on the Compare page.", style={"font-size": "12px"})
        solara.Select("regime", values=list(sim.REGISTRY["regime"].choices), value=state.explore_regime.value,
                      on_value=lambda v: (state.explore_regime.set(v), explore_reset()))
        IndexInput("seed", state.explore_seed, 2**63 - 1)
    with solara.Row():
        solara.Button("Step", icon_name="mdi-step-forward", on_click=explore_step, disabled=play_task.pending)
        solara.Button("Play", icon_name="mdi-play", on_click=play_task, disabled=play_task.pending)
        solara.Button("Pause", icon_name="mdi-pause", on_click=play_task.cancel, disabled=not play_task.pending)
        solara.Button("Reset", icon_name="mdi-restore", on_click=lambda: (play_task.cancel(), explore_reset()))
        if model is not None:
            solara.Text(f"month {model.month}", classes=["ms-month"], style={"font-size": "18px"})
    if state.explore_error.value:
        solara.Error(state.explore_error.value, classes=["ms-explore-error"])
    if model is not None:
        ExploreRun(model, state.explore_tick.value)


@solara.component
def ExploreRun(model, tick: int):
    """The run now: its unit map, its series so far, and the unit and citizen being followed."""
    frame = model.datacollector.get_model_vars_dataframe()
    title = f"{state.explore_regime.value}: month {model.month}"
    map_png = solara.use_memo(lambda: figures.png_bytes(figures.unit_map(runs.snapshot(model), title, width=3.0,
                                                                         numbered=True), dpi=100),
                              [tick, id(model)])
    series_png = solara.use_memo(lambda: figures.png_bytes(figures.series(frame, list(sim.HEADLINE_METRICS),
                                                                          width=6.6), dpi=100), [tick, id(model)])
    with solara.Columns([1, 2]):
        with solara.Card("Units"):
            solara.Text("Colour: who runs each service; shade: the share of its users who contribute this month.",
                        style={"font-size": "12px", "color": "#555"})
            solara.Image(map_png, width="100%")
        with solara.Card("Over time"):
            solara.Image(series_png, width="100%")
    with solara.Card("Follow a unit (units are numbered on the map)"):
        IndexInput("unit", state.follow_unit, len(model.units))
        if state.follow_unit.value < len(model.units):
            solara.HTML(tag="div", unsafe_innerHTML=safe_html(unit_html, model, state.follow_unit.value))
    with solara.Columns([1]):
        with solara.Card("Follow a citizen"):
            IndexInput("citizen", state.follow_citizen, len(model.citizens))
            if state.follow_citizen.value < len(model.citizens):
                solara.HTML(tag="div", unsafe_innerHTML=safe_html(citizen_html, model, state.follow_citizen.value))
    PageEnd()
