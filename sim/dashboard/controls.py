"""The dashboard's controls, generated from ``sim.REGISTRY``: the proposal's five levers, presets, and the
page's settings as a URL query (so a link reproduces the view).

Nothing here is typed twice: a control's range, unit, meaning and source are the registry's, and every value
a user enters is checked by the registry, whose messages the page shows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sim
from sim.comparison import COMPARED_REGIMES, STEADY_STATE_MONTHS, TODAY
from sim.proposal import LEVERS, PROPOSAL_REGIME, THE_PROPOSAL

LEVER_NAMES = tuple(name for name, _, _ in LEVERS)

SLIDER_MAX_SPAN = 10.0  # a float whose allowed range is wider is typed, not slid (a slider to 1e7 is useless)
INT_SLIDER_MAX_SPAN = 60


@dataclass(frozen=True)
class Control:
    """One control: which widget, its range and its help text (all from the registry)."""

    name: str
    widget: str  # "slider" | "int_slider" | "checkbox" | "select" | "text"
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


def help_text(name: str) -> str:
    """Meaning, unit, allowed and plausible range, and source of a parameter, in one line."""
    parameter = sim.REGISTRY[name]
    parts = [parameter.description[0].upper() + parameter.description[1:] + "."]
    if parameter.unit and parameter.unit != "-":
        parts.append(f"Unit: {parameter.unit}.")
    parts.append(f"Allowed: {parameter.allowed()}.")
    if parameter.plausible and parameter.kind in ("float", "int"):
        parts.append(f"Plausible: {parameter.plausible[0]:g} to {parameter.plausible[1]:g}.")
    parts.append(f"Source: {parameter.source}.")
    return " ".join(parts)


def control_for(name: str) -> Control:
    """The widget that suits a parameter: a switch, a list, a slider over a narrow range, else a text field."""
    parameter = sim.REGISTRY[name]
    help_words = help_text(name)
    bounds = parameter.bounds
    if parameter.kind == "bool":
        return Control(name, "checkbox", parameter.default, help=help_words)
    if parameter.kind == "choice":
        return Control(name, "select", parameter.default, choices=parameter.choices, help=help_words)
    if parameter.kind == "float" and bounds and bounds[1] - bounds[0] <= SLIDER_MAX_SPAN:
        lo, hi = bounds
        return Control(name, "slider", parameter.default, lo, hi, _nice_step(hi - lo), help=help_words)
    if parameter.kind == "int" and bounds and bounds[1] - bounds[0] <= INT_SLIDER_MAX_SPAN:
        return Control(name, "int_slider", parameter.default, bounds[0], bounds[1], 1, help=help_words)
    return Control(name, "text", parameter.default, *(bounds or (None, None)), help=help_words)


def _nice_step(span: float) -> float:
    """About a thousand steps over the range, rounded to 1, 2 or 5 times a power of ten (fine enough that the
    registry's defaults sit on the grid)."""
    raw = span / 1000.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


#: Settings with a control of their own beside the five levers: (title, meaning, parameters).
OTHER_CONTROLS = (("User choice", "may users switch provider, with the money following them?", ("user_choice",)),)


def lever_controls() -> dict[str, list[Control]]:
    """The controls of each of the five levers, in registry order."""
    out: dict[str, list[Control]] = {lever: [] for lever in LEVER_NAMES}
    for parameter in sim.REGISTRY.values():
        if parameter.lever in out:
            out[parameter.lever].append(control_for(parameter.name))
    return out


# ------------------------------------------------------------------------------------------------ values
def parse_text(name: str, text: str) -> Any:
    """A value typed by a user, checked by the registry: raises ``sim.ParameterError`` with its message."""
    if name not in sim.REGISTRY:
        raise sim.ParameterError(f"{name}: unknown parameter; see the parameter table in docs/ODD.md")
    parameter = sim.REGISTRY[name]
    text = str(text).strip()
    value: Any = text
    if parameter.kind == "size":
        value = _size(text)
    elif parameter.kind in ("float", "int"):
        value = _number(text)
    elif parameter.kind == "bool":
        value = {"true": True, "false": False, "on": True, "off": False}.get(text.lower(), text)
    elif parameter.kind == "sectors":
        value = "all" if text == "all" else [s.strip() for s in text.split(",") if s.strip()]
    return parameter.validate(value)


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # not a number: the registry says so in its own words


RANGE = re.compile(r"\s*\[?\s*([^,\s\]]+?)\s*(?:,|-|–|—|\bto\b)\s*([^,\s\]]+)\s*\]?\s*")


def _size(text: str) -> Any:
    """'500', '400-600', '400–600', '400 to 600', '400, 600' or '[400, 600]'."""
    found = RANGE.fullmatch(text)
    if found:
        return [_number(found.group(1)), _number(found.group(2))]
    return _number(text.strip().strip("[]"))


def show_value(name: str, value: Any) -> str:
    """A value as a user types it (the inverse of :func:`parse_text`)."""
    kind = sim.REGISTRY[name].kind
    if kind == "size":
        lo, hi = value if isinstance(value, (tuple, list)) else (value, value)
        return f"{lo}" if lo == hi else f"{lo}-{hi}"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "sectors":
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def is_default(name: str, value: Any) -> bool:
    parameter = sim.REGISTRY[name]
    return parameter.validate(parameter.default) == parameter.validate(value)


# ------------------------------------------------------------------------------------------------ presets
@dataclass(frozen=True)
class Preset:
    name: str
    headline: str  # the regime the readout speaks about first
    description: str
    params: dict[str, Any]


def presets() -> dict[str, Preset]:
    """The presets the Compare page offers; "neutral kinds" only where the model provides it."""
    out = {
        "services as they are": Preset(
            "services as they are", "state", "Every setting at its registry default: no participation audit or "
            "channels, a half asset lock and no local bonds, quality mark or federations, inspection, and users "
            "who cannot switch provider. The three regimes as things stand, read from state departments.", {}),
        "contracted out": Preset(
            "contracted out", "privatised", "Every lever at its default, and users of private contractors may switch "
            "to a neighbouring unit's provider, with the money following them (user choice where services are "
            "contracted out: the quasi-market); read from private contractors.",
            {"user_choice": "regime_default"}),
        "the proposal": Preset(
            "the proposal", PROPOSAL_REGIME, "All five levers on as Mayo & Moore set them out: the participation audit "
            "with every channel, greater local autonomy (0.8, an assumption), capacity building (£10 per adult a "
            "year, an assumption), a full asset lock, local bonds, a quality mark and federations, self-audit "
            "and social investment.", dict(THE_PROPOSAL)),
    }
    neutral = getattr(sim, "neutral_kinds", None)
    if callable(neutral):
        params = {k: v for k, v in neutral().items() if k in sim.REGISTRY and k != "regime"}
        out["neutral kinds"] = Preset(
            "neutral kinds", "mutual", "The null model: every difference between provider kinds switched off "
            "(sim.neutral_kinds()), so the regimes should not differ beyond noise.", params)
    return out


# ------------------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class RunSettings:
    """How a comparison is run (not model parameters)."""

    years: int = STEADY_STATE_MONTHS // 12  # read at the steady state by default, as `make compare` reads it
    replicates: int = 5
    seed: int = 1
    regimes: tuple[str, ...] = COMPARED_REGIMES
    against_today: bool = False  # today's services (regimes[0], today's settings) against a package (regimes[1])

    @property
    def steps(self) -> int:
        return 12 * self.years


RUN_LIMITS = {"years": (1, 50), "replicates": (2, 50), "seed": (0, 2**63 - 1)}


def parse_run_setting(name: str, text: Any) -> int:
    """years, replicates or seed, as typed; ValueError with a message naming the field otherwise."""
    lo, hi = RUN_LIMITS[name]
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValueError(f"{name}: {str(text)!r} is not a whole number; expected a whole number from {lo} to "
                         f"{hi}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} is not allowed; expected a whole number from {lo} to {hi}")
    return value


def to_query(params: dict[str, Any], run: RunSettings, preset: str | None = None) -> str:
    """The page's settings as a URL query: parameters that differ from their defaults, and the run settings."""
    items: list[tuple[str, str]] = []
    if preset:
        items.append(("preset", preset))
    items += [(k, show_value(k, v)) for k, v in params.items() if not is_default(k, v)]
    base = RunSettings()
    for field in ("years", "replicates", "seed"):
        if getattr(run, field) != getattr(base, field):
            items.append((field, str(getattr(run, field))))
    if run.regimes != base.regimes:
        items.append(("regimes", ",".join(run.regimes)))
    if run.against_today:
        items.append(("against_today", "true"))
    return urlencode(items)


#: What the Explore and Results pages keep in their link: the run's regime and seed, the results folder.
PAGE_KEYS = ("explore_regime", "explore_seed", "folder", "run")

#: ``run=1`` in a link runs the comparison as the page opens, so that the link reproduces the result itself.
RUN_ON_OPEN = "1"


def page_values(query: str | None) -> tuple[dict[str, Any], list[str]]:
    """The pages' own settings from a URL query (``PAGE_KEYS``), and messages about what was ignored."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, text in parse_qsl(query or "", keep_blank_values=True):
        if key == "explore_regime":
            if text in sim.REGISTRY["regime"].choices:
                values[key] = text
            else:
                problems.append(f"Ignored from the link: explore_regime: {text!r} is not one of "
                                f"{', '.join(sim.REGISTRY['regime'].choices)}")
        elif key == "explore_seed":
            try:
                values[key] = parse_run_setting("seed", text)
            except ValueError as error:
                problems.append(f"Ignored from the link: explore_{error}")
        elif key == "folder":
            values[key] = text
        elif key == "run":
            if text == RUN_ON_OPEN:
                values[key] = True
            else:
                problems.append(f"Ignored from the link: run: {text!r} is not allowed; run={RUN_ON_OPEN} runs the "
                                "comparison as the page opens")
    return values, problems


def page_query(values: dict[str, Any]) -> str:
    """The pages' own settings as a URL query, to follow the levers' (empty values left out)."""
    return urlencode([(key, RUN_ON_OPEN if value is True else str(value)) for key, value in values.items()
                      if key in PAGE_KEYS and value not in ("", None, False)])


def from_query(query: str | None) -> tuple[dict[str, Any], RunSettings, str | None, list[str]]:
    """Settings from a URL query: (parameters, run settings, preset name, messages about what was ignored).
    A bad value never raises: it is left out and its message returned, so a mangled link still opens."""
    params: dict[str, Any] = {}
    run: dict[str, Any] = {}
    preset = None
    problems: list[str] = []
    for key, text in parse_qsl(query or "", keep_blank_values=True):
        if key in PAGE_KEYS:  # a page's own setting (page_values)
            continue
        try:
            if key == "preset":
                if text not in presets():
                    raise ValueError(f"preset: {text!r} is not one of {', '.join(presets())}")
                preset = text
            elif key in RUN_LIMITS:
                run[key] = parse_run_setting(key, text)
            elif key == "regimes":
                regimes = tuple(r for r in text.split(",") if r)
                bad = [r for r in regimes if r not in sim.REGISTRY["regime"].choices]
                if bad or not regimes:
                    raise ValueError(f"regimes: {text!r} is not allowed; expected regimes from "
                                     f"{', '.join(sim.REGISTRY['regime'].choices)}")
                run["regimes"] = regimes
            elif key == "against_today":
                if text not in ("true", "false"):
                    raise ValueError(f"against_today: {text!r} is not allowed; expected true or false")
                run["against_today"] = text == "true"
            elif key == "regime":
                raise ValueError("regime: the comparison runs every regime; leave regime out")
            else:
                params[key] = parse_text(key, text)
        except (ValueError, sim.ParameterError) as e:
            problems.append(f"Ignored from the link: {e}")
    if run.get("against_today") and (len(run.get("regimes", ())) != 2 or run["regimes"][0] != TODAY
                                     or run["regimes"][1] == TODAY):
        problems.append(f"Ignored from the link: against_today needs regimes={TODAY},<the package's regime>")
        run["against_today"] = False
    return params, RunSettings(**run), preset, problems
