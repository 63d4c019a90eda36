"""Scenario files: what a batch of runs is, declared beside the model and checked before anything runs.

A scenario is a TOML file::

    name = "compare_regimes"            # also the results folder: results/<name>/
    description = "The three regimes on common random numbers."
    steps = 120                          # months per run
    replicates = 10                      # runs per condition; replicate k has the same seed in every condition
    seed = 20261128                      # root seed; per-run seeds are spawned from it

    [params]                             # fixed for every run (any name in sim.parameters.REGISTRY)
    n_units = 10

    [design]
    kind = "factorial"                   # factorial | list | latin_hypercube | sobol | morris
    [design.factors]                     # every combination of these values (also crossed with a sample)
    regime = ["state", "privatised", "mutual"]

    [analysis]                           # optional: how the report reads the results
    metrics = ["participation_rate", "cost_per_capita", "responsiveness"]
    compare = "regime"                   # factor compared pairwise on common random numbers
    baseline = "state"
    window = 12                          # a run's outcome: mean of its last `window` months

Sampling designs (``latin_hypercube``, ``sobol``, ``morris``) name the parameters to sample in
``design.parameters``; their ranges default to the registry's plausible ranges and can be narrowed in
``[design.ranges]``. ``list`` designs give their conditions as ``[[design.conditions]]`` tables.

Every problem is reported as one message naming the file, the field and what is allowed, e.g.
``scenarios/x.toml: params.n_units: 0 is below the minimum 1; expected a whole number from 1 to 5000``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..metrics_catalogue import METRIC_NAMES
from ..parameters import REGISTRY, ParameterError, validate

DESIGN_KINDS = ("factorial", "list", "latin_hypercube", "sobol", "morris")
SAMPLING_KINDS = ("latin_hypercube", "sobol", "morris")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class ScenarioError(ValueError):
    """A scenario file is malformed or asks for something not allowed; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Design(_Strict):
    """Which conditions a batch runs. See the module docstring for the TOML form."""

    kind: Literal["factorial", "list", "latin_hypercube", "sobol", "morris"] = Field(
        "factorial", description="how conditions are chosen")
    factors: dict[str, list[Any]] = Field(
        default_factory=dict, description="parameter -> values; every combination is run")
    conditions: list[dict[str, Any]] = Field(
        default_factory=list, description="list design: one table of parameter values per condition")
    parameters: list[str] = Field(
        default_factory=list, description="sampling designs: the parameters to sample")
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="sampling designs: [low, high] per parameter (default: plausible)")
    samples: int = Field(
        16, ge=1, le=1_000_000,
        description="latin_hypercube: points; sobol: base sample N (a power of two); morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even)")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices")


class Analysis(_Strict):
    """How the report reads the results."""

    metrics: list[str] = Field(default_factory=lambda: list(METRIC_NAMES), description="metrics to report")
    compare: str | None = Field(None, description="factor compared pairwise on common random numbers")
    baseline: str | int | float | bool | None = Field(None, description="level the others are compared with")
    window: int | None = Field(None, ge=1, description="a run's outcome is the mean of its last `window` months "
                               "(default: the last 12, or the whole run if shorter)")
    x: str | None = Field(None, description="numeric factor to draw outcome curves against")
    target: str | None = Field(None, description="metric for sensitivity and 'where does each regime win'")


class Scenario(_Strict):
    """A validated scenario. Build one with :func:`load_scenario` or :func:`scenario_from_dict`."""

    name: str = Field(pattern=NAME_PATTERN, min_length=1, max_length=100,
                      description="scenario name; results go to results/<name>/")
    description: str = Field("", description="what the scenario asks, in words")
    steps: int = Field(120, ge=1, le=100_000, description="months per run")
    replicates: int = Field(10, ge=1, le=100_000, description="runs per condition")
    seed: int = Field(0, ge=0, lt=2**63, description="root seed of the batch")
    params: dict[str, Any] = Field(default_factory=dict, description="parameters fixed for every run")
    design: Design = Field(default_factory=Design)
    analysis: Analysis = Field(default_factory=Analysis)

    # ------------------------------------------------------------------------------------------------------
    @property
    def varied(self) -> list[str]:
        """Names of the parameters the design varies, in a stable order: sampled first, then factors."""
        names = list(self.sampled) + [f for f in self.design.factors if f not in self.sampled]
        for cond in self.design.conditions:
            names += [k for k in cond if k not in names]
        return names

    @property
    def sampled(self) -> list[str]:
        d = self.design
        if d.kind not in SAMPLING_KINDS:
            return []
        return list(d.parameters) + [k for k in d.ranges if k not in d.parameters]

    @property
    def factors(self) -> list[str]:
        return list(self.design.factors)

    @property
    def compare(self) -> str | None:
        """The factor compared pairwise: as declared, else "regime" if the design varies it."""
        if self.analysis.compare is not None:
            return self.analysis.compare
        if "regime" in self.design.factors or any("regime" in c for c in self.design.conditions):
            return "regime"
        return None

    @property
    def window(self) -> int:
        """Months at the end of a run averaged into its outcome."""
        return self.analysis.window if self.analysis.window is not None else min(12, self.steps)

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (not the description or the analysis settings)."""
        core = self.model_dump(mode="json", exclude={"description", "analysis"})
        return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# ----------------------------------------------------------------------------------------------------------
def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file; raise ScenarioError naming the file and field on any problem."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise ScenarioError(f"{label}: no such file")
    if path.is_dir():
        raise ScenarioError(f"{label}: is a folder; expected a scenario .toml file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{label}: cannot be read ({e})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{label}: not valid TOML: {e}") from None
    return scenario_from_dict(data, label)


def scenario_from_dict(data: dict[str, Any], label: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (the parsed TOML); ``label`` names it in error messages."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{label}: expected a table of scenario fields")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(f"{label}: {_describe(e)}") from None
    try:
        _check_against_registry(scenario)
    except ScenarioError as e:
        raise ScenarioError(f"{label}: {e}") from None
    return scenario


# ----------------------------------------------------------------------------------------------------------
def _describe(e: ValidationError) -> str:
    """Turn pydantic's first error into 'field: what is wrong; what is allowed'."""
    errors = e.errors(include_url=False)
    err = errors[0]
    loc = _loc(err["loc"])
    kind = err["type"]
    value = err.get("input")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    if kind == "extra_forbidden":
        parent = _model_at(err["loc"][:-1])
        allowed = ", ".join(parent.model_fields) if parent else "see the documentation"
        return f"{loc}: unknown key; allowed keys here: {allowed}{more}"
    if kind == "missing":
        field = _field_at(err["loc"])
        what = f" ({field.description})" if field is not None and field.description else ""
        return f"{loc}: required field is missing{what}{more}"
    if kind in ("model_type", "dict_type"):
        return f"{loc}: {value!r} is not allowed; expected a table of settings, written [{loc}] in TOML{more}"
    if kind == "literal_error":
        return f"{loc}: {value!r} is not allowed; expected one of {', '.join(map(repr, DESIGN_KINDS))}{more}"
    field = _field_at(err["loc"])
    hint = f" ({field.description})" if field is not None and field.description else ""
    msg = err["msg"]
    msg = msg[0].lower() + msg[1:] if msg else msg
    return f"{loc}: {value!r} is not allowed: {msg}{hint}{more}"


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_SECTIONS: dict[str, type[BaseModel]] = {"design": Design, "analysis": Analysis}


def _model_at(loc: tuple) -> type[BaseModel] | None:
    if not loc:
        return Scenario
    if len(loc) == 1 and loc[0] in _SECTIONS:
        return _SECTIONS[loc[0]]
    return None


def _field_at(loc: tuple):
    model = _model_at(loc[:-1])
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    return model.model_fields.get(loc[-1])


def _param_error(where: str, name: str, e: ParameterError) -> ScenarioError:
    """Re-word a registry error so it starts with the scenario field instead of the bare parameter name."""
    msg = str(e)
    if msg.startswith(name + ": "):
        msg = msg[len(name) + 2:]
    return ScenarioError(f"{where}: {msg}")


def _check_param(where: str, name: str, value: Any) -> Any:
    if name not in REGISTRY:
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(f"{where}: unknown parameter {name!r}{hint}; the {len(REGISTRY)} known ones are in "
                            f"sim.parameters.REGISTRY and docs/ODD.md")
    try:
        return REGISTRY[name].validate(value)
    except ParameterError as e:
        raise _param_error(where, name, e) from None


def _check_against_registry(s: Scenario) -> None:
    d = s.design
    for name, value in s.params.items():
        _check_param(f"params.{name}", name, value)

    if d.kind == "list":
        if not d.conditions:
            raise ScenarioError("design.conditions: a list design needs at least one [[design.conditions]] table")
        for i, cond in enumerate(d.conditions):
            if not cond:
                raise ScenarioError(f"design.conditions[{i}]: empty condition; give at least one parameter")
            for name, value in cond.items():
                _check_param(f"design.conditions[{i}].{name}", name, value)
    elif d.conditions:
        raise ScenarioError(f"design.conditions: only allowed when design.kind = \"list\" (here {d.kind!r})")

    for name, values in d.factors.items():
        if not values:
            raise ScenarioError(f"design.factors.{name}: needs at least one value")
        seen = []
        for i, value in enumerate(values):
            canon = _check_param(f"design.factors.{name}[{i}]", name, value)
            if canon in seen:
                raise ScenarioError(f"design.factors.{name}[{i}]: {value!r} is listed twice")
            seen.append(canon)

    if d.kind in SAMPLING_KINDS:
        if not s.sampled:
            raise ScenarioError(f"design.parameters: a {d.kind} design needs at least one parameter to sample")
        if len(set(d.parameters)) != len(d.parameters):
            raise ScenarioError("design.parameters: a parameter is listed twice")
        for name in s.sampled:
            where = (f"design.parameters[{d.parameters.index(name)}]" if name in d.parameters
                     else f"design.ranges.{name}")
            if name not in REGISTRY:
                _check_param(where, name, None)
            p = REGISTRY[name]
            if p.kind not in ("float", "int", "size"):
                raise ScenarioError(f"{where}: {name} is a {p.kind} parameter and cannot be sampled; "
                                    f"put it in [design.factors] instead (allowed: {p.allowed()})")
            lo, hi = d.ranges.get(name, p.plausible or p.bounds)
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
                raise ScenarioError(f"{where}: [{lo:g}, {hi:g}] is not allowed; expected [low, high] with "
                                    f"low < high")
            blo, bhi = p.bounds
            if lo < blo or hi > bhi:
                raise ScenarioError(f"{where}: [{lo:g}, {hi:g}] leaves the allowed range; expected values from "
                                    f"{blo:g} to {bhi:g}")
        if d.kind == "sobol" and d.samples & (d.samples - 1):
            raise ScenarioError(f"design.samples: {d.samples} is not allowed for a sobol design; expected a "
                                f"power of two (e.g. {1 << max(0, d.samples.bit_length() - 1)} or "
                                f"{1 << d.samples.bit_length()})")
        if d.kind == "morris" and d.levels % 2:
            raise ScenarioError(f"design.levels: {d.levels} is not allowed; expected an even number of levels")
        if d.kind == "morris" and d.samples < 2:
            raise ScenarioError("design.samples: a morris design needs at least 2 trajectories")
    else:
        if d.parameters or d.ranges:
            field = "design.parameters" if d.parameters else "design.ranges"
            raise ScenarioError(f"{field}: only allowed for sampling designs (latin_hypercube, sobol, morris); "
                                f"here design.kind = {d.kind!r}")

    varied = s.varied
    sampled = set(s.sampled)
    for name in d.factors:
        if name in sampled:
            raise ScenarioError(f"design.factors.{name}: is also sampled in design.parameters; vary it one way")
        for i, cond in enumerate(d.conditions):
            if name in cond:
                raise ScenarioError(f"design.conditions[{i}].{name}: is also a factor in [design.factors]; vary "
                                    f"it one way")
    for name in varied:
        if name in s.params:
            raise ScenarioError(f"params.{name}: is also varied by the design; set it in one place")

    a = s.analysis
    for i, m in enumerate(a.metrics):
        if m not in METRIC_NAMES:
            raise ScenarioError(f"analysis.metrics[{i}]: unknown metric {m!r}; expected one of "
                                f"{', '.join(METRIC_NAMES)}")
    if a.target is not None and a.target not in METRIC_NAMES:
        raise ScenarioError(f"analysis.target: unknown metric {a.target!r}; expected one of "
                            f"{', '.join(METRIC_NAMES)}")
    if a.window is not None and a.window > s.steps:
        raise ScenarioError(f"analysis.window: {a.window} is longer than the run ({s.steps} steps); expected "
                            f"1 to {s.steps}")
    for field in ("compare", "x"):
        value = getattr(a, field)
        if value is not None and value not in varied:
            allowed = ", ".join(varied) if varied else "none: the design varies nothing"
            raise ScenarioError(f"analysis.{field}: {value!r} is not varied by the design; expected one of "
                                f"{allowed}")
    if a.baseline is not None:
        if s.compare is None:
            raise ScenarioError("analysis.baseline: set analysis.compare to the factor it is a level of")
        levels = _levels(s, s.compare)
        canon = _check_param("analysis.baseline", s.compare, a.baseline)
        if canon not in levels:
            raise ScenarioError(f"analysis.baseline: {a.baseline!r} is not a level of {s.compare}; expected one "
                                f"of {', '.join(repr(v) for v in levels)}")

    # Each complete condition must also pass the registry's whole-parameter-set checks.
    from .designs import build_design

    try:
        design = build_design(s)
    except ParameterError as e:
        raise ScenarioError(f"design: a condition is not allowed: {e}") from None
    for cond in design.conditions[:1]:
        try:
            validate({**s.params, **cond})
        except ParameterError as e:
            raise ScenarioError(f"design: a condition is not allowed: {e}") from None


def _levels(s: Scenario, name: str) -> list[Any]:
    if name in s.design.factors:
        return [REGISTRY[name].validate(v) for v in s.design.factors[name]]
    out = []
    for cond in s.design.conditions:
        if name in cond:
            v = REGISTRY[name].validate(cond[name])
            if v not in out:
                out.append(v)
    return out


def parse_value(text: str) -> Any:
    """Parse a command-line value as TOML (``3``, ``0.5``, ``true``, ``[400, 600]``, ``"x"``) or a bare word."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", text):
            return text
        raise ValueError(f"{text!r} is not a value; expected a number, true/false, a word or a list like "
                         f"[1, 2]") from None
