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
``[design.ranges]``. ``list`` designs give their conditions as ``[[design.conditions]]`` tables (a
``latin_hypercube`` may too: each point runs under each condition).

Every problem is reported as one message naming the file, the field and what is allowed, e.g.
``scenarios/x.toml: params.n_units: 0 is below the minimum 1; expected a whole number from 1 to 100000``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError

from ..metrics_catalogue import METRIC_NAMES
from ..parameters import MAX_MONTHS, REGISTRY, ParameterError, defaults, model_bytes, validate
from ..proposal import the_proposal
from ..regimes import REGIMES
from .designs import build_design, replicate_seeds
from .mechanisms import known_mechanisms
from .recovery_settings import Recovery

DESIGN_KINDS = ("factorial", "list", "latin_hypercube", "sobol", "morris")
SAMPLING_KINDS = ("latin_hypercube", "sobol", "morris")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


# A batch plans at most this many runs; a larger design is refused before it is enumerated (1e6 runs of a
# small district take days on a workstation; their plan alone would hold ~1 GB).
MAX_RUNS = 1_000_000
MAX_SCENARIO_BYTES = 1_000_000

#: Named packages of parameters a list design's condition may give as ``package = "<name>"``; the condition
#: becomes the package's parameters, with the condition's own values on top. Each is defined once elsewhere.
CONDITION_PACKAGES = {"the proposal": the_proposal}


class ScenarioError(ValueError):
    """A scenario file is malformed or asks for something not allowed; the message names file and field."""


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, so that a scenario built in a notebook validates like a TOML file."""
    return value.item() if isinstance(value, np.generic) else value


# Exact types: TOML's `steps = true` or `steps = "12"` is refused, not read as 1 or 12.
Int = Annotated[int, Strict(), BeforeValidator(_plain)]
Bool = Annotated[bool, Strict(), BeforeValidator(_plain)]
Str = Annotated[str, Strict()]
Number = Annotated[float, Strict(), BeforeValidator(lambda v: float(v) if type(_plain(v)) is int else _plain(v))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Design(_Strict):
    """Which conditions a batch runs. See the module docstring for the TOML form."""

    kind: Literal["factorial", "list", "latin_hypercube", "sobol", "morris"] = Field(
        "factorial", description="how conditions are chosen")
    factors: dict[Str, list[Any]] = Field(
        default_factory=dict, description="parameter -> values; every combination is run")
    conditions: list[dict[Str, Any]] = Field(
        default_factory=list, description="list design: one table of parameter values per condition")
    parameters: list[Str] = Field(
        default_factory=list, description="sampling designs: the parameters to sample")
    ranges: dict[Str, tuple[Number, Number]] = Field(
        default_factory=dict, description="sampling designs: [low, high] per parameter (default: plausible)")
    samples: Int = Field(
        16, ge=1, le=1_000_000,
        description="latin_hypercube: points; sobol: base sample N (a power of two); morris: trajectories")
    levels: Int = Field(4, ge=2, le=100, description="morris: grid levels (even)")
    second_order: Bool = Field(False, description="sobol: also estimate second-order indices")


class Analysis(_Strict):
    """How the report reads the results."""

    metrics: list[Str] = Field(default_factory=lambda: list(METRIC_NAMES), description="metrics to report")
    compare: Str | None = Field(None, description="factor compared pairwise on common random numbers")
    baseline: Str | Bool | Int | Number | None = Field(None, description="level the others are compared with")
    window: Int | None = Field(None, ge=1, description="a run's outcome is the mean of its last `window` months "
                               "(default: the last 12, or the whole run if shorter)")
    x: Str | None = Field(None, description="numeric factor to draw outcome curves against")
    target: Str | None = Field(None, description="metric for sensitivity and 'where does each regime win'")


class Attribution(_Strict):
    """Why do the regimes differ? ``sim.attribute_differences`` for each regime against the baseline."""

    baseline: str = Field("state", description="the regime the others are explained against")
    regimes: list[str] = Field(default_factory=list, description="regimes to explain (default: every other "
                               "level of `regime` in the design)")
    mechanisms: list[str] | None = Field(None, description="named mechanisms (default: the kind differences in "
                                         "force); see sim.experiments.attribution")
    params: dict[str, Any] = Field(default_factory=dict, description="parameters of the explained regimes "
                                   "only (e.g. the proposal's levers), on top of the scenario's params")
    replicates: int = Field(10, ge=1, le=10_000, description="common-random-number replicates")
    steps: int | None = Field(None, ge=1, le=100_000, description="months per run (default: the scenario's)")
    metrics: list[str] = Field(default_factory=lambda: ["cost_per_capita", "satisfaction", "participation_rate",
                                                        "responsiveness", "quality_noncontractible",
                                                        "provider_failures"],
                               description="metrics to attribute (a waterfall figure each)")


class Scenario(_Strict):
    """A validated scenario. Build one with :func:`load_scenario` or :func:`scenario_from_dict`."""

    name: Str = Field(pattern=NAME_PATTERN, min_length=1, max_length=100,
                      description="scenario name; results go to results/<name>/")
    description: Str = Field("", description="what the scenario asks, in words")
    steps: Int = Field(120, ge=1, le=MAX_MONTHS, description="months per run")
    replicates: Int = Field(10, ge=1, le=100_000, description="runs per condition")
    seed: Int = Field(0, ge=0, lt=2**63, description="root seed of the batch")
    params: dict[Str, Any] = Field(default_factory=dict, description="parameters fixed for every run")
    design: Design = Field(default_factory=Design)
    analysis: Analysis = Field(default_factory=Analysis)
    attribution: Attribution | None = Field(None, description="explain regime differences by mechanism")
    recovery: Recovery | None = Field(None, description="the regimes' recovery half-life after a need shock")
    posterior: Str | None = Field(None, description="a fit's folder (calibrate --fit --out): the estimated "
                                  "parameters are drawn from it")
    posterior_draws: Int | None = Field(None, ge=1, le=100_000, description="replicate k runs at draw k mod N")

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
        design = self.design
        if design.kind not in SAMPLING_KINDS:
            return []
        return list(design.parameters) + [k for k in design.ranges if k not in design.parameters]

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
    def replicate_seeds(self) -> list[int]:
        """The seed of each replicate, the same in every condition (common random numbers): what ``run_batch``
        gives replicate k, so a single run can be repeated exactly."""
        return replicate_seeds(self.seed, self.replicates)

    @property
    def window(self) -> int:
        """Months at the end of a run averaged into its outcome."""
        return self.analysis.window if self.analysis.window is not None else min(12, self.steps)

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (not the description or the analysis settings)."""
        core = self.model_dump(mode="json", exclude={"description", "analysis", "attribution", "recovery"})
        return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# ----------------------------------------------------------------------------------------------------------
def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file; raise ScenarioError naming the file and field on any problem.

    The file is UTF-8, with or without a byte-order mark (Excel and Notepad write one); UTF-16 with its mark
    is read too.
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes) or str(path) == "":
        raise ScenarioError(f"path: {path!r} is not allowed; expected the path of a scenario .toml file")
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise ScenarioError(f"{label}: no such file")
    if path.is_dir():
        raise ScenarioError(f"{label}: is a folder; expected a scenario .toml file")
    try:
        size = path.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{label}: {size:,} bytes is too large for a scenario file; expected at most "
                                f"{MAX_SCENARIO_BYTES:,} bytes")
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"{label}: cannot be read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{label}: is not UTF-8 text (byte {e.start}: {raw[e.start:e.start + 1]!r}); save it "
                            f"as UTF-8") from None
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
        data = expand_packages(data)
    except ScenarioError as e:
        raise ScenarioError(f"{label}: {e}") from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(f"{label}: {_describe(e)}") from None
    try:
        _check_against_registry(scenario)
    except ScenarioError as e:
        raise ScenarioError(f"{label}: {e}") from None
    return scenario


def expand_packages(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario with every ``package = "<name>"`` of a list design's conditions replaced by the package's
    parameters (``CONDITION_PACKAGES``), so that a package is written once in Python and named in scenario files.

    The condition's other values override the package's. The input is not changed; anything malformed around
    the conditions is left for the schema to report.
    """
    design = data.get("design")
    if not isinstance(design, dict) or not isinstance(design.get("conditions"), list):
        return data
    conditions = []
    for i, cond in enumerate(design["conditions"]):
        if isinstance(cond, dict) and "package" in cond:
            name = cond["package"]
            if not isinstance(name, str) or name not in CONDITION_PACKAGES:
                raise ScenarioError(f"design.conditions[{i}].package: {name!r} is not a package; expected one of "
                                    f"{', '.join(map(repr, CONDITION_PACKAGES))}")
            own = {k: v for k, v in cond.items() if k != "package"}
            cond = {**CONDITION_PACKAGES[name](), **own}
        conditions.append(cond)
    return {**data, "design": {**design, "conditions": conditions}}


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
    if kind == "missing" and isinstance(err["loc"][-1], int):
        return f"{_loc(err['loc'][:-1])}: a value is missing; expected a list [low, high]{more}"
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
    expected = _TYPE_WORDS.get(kind)
    if expected:
        what = "is not a whole number" if kind == "int_from_float" or isinstance(value, float) and kind.startswith(
            "int") else "is not allowed"
        return f"{loc}: {value!r} {what}; expected {expected}{_bounds(field)}{hint}{more}"
    msg = err["msg"]
    msg = msg[0].lower() + msg[1:] if msg else msg
    return f"{loc}: {value!r} is not allowed: {msg}{hint}{more}"


_TYPE_WORDS = {"int_type": "a whole number", "int_from_float": "a whole number", "int_parsing": "a whole number",
               "bool_type": "true or false", "string_type": 'text in quotes', "float_type": "a number",
               "list_type": "a list [...]", "tuple_type": "a list [low, high]", "too_short": "a list [low, high]",
               "too_long": "a list [low, high]"}


def _bounds(field) -> str:
    """' from 1 to 32000' from a field's ge/le constraints, for type errors (pydantic names them only when the
    type was right)."""
    if field is None:
        return ""
    lo = hi = None
    for c in field.metadata:
        lo = getattr(c, "ge", lo)
        hi = getattr(c, "le", hi)
        if getattr(c, "lt", None) is not None:
            hi = c.lt - 1
    if lo is None:
        return ""
    return f" from {lo}" + (f" to {hi}" if hi is not None else " up")


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
    """A parameter's value checked by the registry, with the error worded from the scenario's field."""
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(f"{where}: unknown parameter {name!r}{hint}; the {len(REGISTRY)} known ones are in "
                            f"sim.parameters.REGISTRY and docs/ODD.md")
    try:
        return REGISTRY[name].validate(value)
    except ParameterError as e:
        raise _param_error(where, name, e) from None


def _check_attribution(at: Attribution) -> None:
    """The attribution's regimes, mechanisms, parameters and metrics exist, each error naming its field."""
    for i, r in enumerate([at.baseline, *at.regimes]):
        if r not in REGIMES:
            where = "attribution.baseline" if i == 0 else f"attribution.regimes[{i - 1}]"
            raise ScenarioError(f"{where}: {r!r} is not a regime; expected one of {', '.join(REGIMES)}")
    known = known_mechanisms()
    for i, m in enumerate(at.mechanisms or []):
        if m not in known:
            raise ScenarioError(f"attribution.mechanisms[{i}]: {m!r} is not a mechanism; expected one of "
                                f"{', '.join(known)}")
    for name, value in at.params.items():
        _check_param(f"attribution.params.{name}", name, value)
    for i, m in enumerate(at.metrics):
        if m not in METRIC_NAMES:
            raise ScenarioError(f"attribution.metrics[{i}]: unknown metric {m!r}; expected one of "
                                f"{', '.join(METRIC_NAMES)}")


def _check_against_registry(scenario: Scenario) -> None:
    """What pydantic cannot know: parameters, levels, ranges, metrics and the plan's size."""
    declared = scenario.design
    for name, value in scenario.params.items():
        _check_param(f"params.{name}", name, value)

    if declared.kind == "list" and not declared.conditions:
        raise ScenarioError("design.conditions: a list design needs at least one [[design.conditions]] table")
    if declared.conditions and declared.kind not in ("list", "latin_hypercube"):
        raise ScenarioError(f"design.conditions: only allowed when design.kind = \"list\" or \"latin_hypercube\" "
                            f"(here {declared.kind!r})")
    for i, cond in enumerate(declared.conditions):
        if not cond:
            raise ScenarioError(f"design.conditions[{i}]: empty condition; give at least one parameter")
        for name, value in cond.items():
            if name in scenario.sampled:
                raise ScenarioError(f"design.conditions[{i}].{name}: is also sampled in design.parameters")
            _check_param(f"design.conditions[{i}].{name}", name, value)

    for name, values in declared.factors.items():
        if not values:
            raise ScenarioError(f"design.factors.{name}: needs at least one value")
        seen = set()
        for i, value in enumerate(values):
            canon = _check_param(f"design.factors.{name}[{i}]", name, value)
            if canon in seen:
                raise ScenarioError(f"design.factors.{name}[{i}]: {value!r} is listed twice")
            seen.add(canon)

    if declared.kind in SAMPLING_KINDS:
        if not scenario.sampled:
            raise ScenarioError(f"design.parameters: a {declared.kind} design needs at least one parameter to sample")
        if len(set(declared.parameters)) != len(declared.parameters):
            raise ScenarioError("design.parameters: a parameter is listed twice")
        for name in scenario.sampled:
            where = (f"design.parameters[{declared.parameters.index(name)}]" if name in declared.parameters
                     else f"design.ranges.{name}")
            if name not in REGISTRY:
                _check_param(where, name, None)
            parameter = REGISTRY[name]
            if parameter.kind not in ("float", "int", "size"):
                raise ScenarioError(f"{where}: {name} is a {parameter.kind} parameter and cannot be sampled; "
                                    f"put it in [design.factors] instead (allowed: {parameter.allowed()})")
            lo, hi = declared.ranges.get(name, parameter.plausible or parameter.bounds)
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
                raise ScenarioError(f"{where}: [{lo:g}, {hi:g}] is not allowed; expected [low, high] with "
                                    f"low < high")
            blo, bhi = parameter.bounds
            if lo < blo or hi > bhi:
                raise ScenarioError(f"{where}: [{lo:g}, {hi:g}] leaves the allowed range; expected values from "
                                    f"{blo:g} to {bhi:g}")
        if declared.kind == "sobol" and declared.samples & (declared.samples - 1):
            raise ScenarioError(f"design.samples: {declared.samples} is not allowed for a sobol design; expected a "
                                f"power of two (e.g. {1 << max(0, declared.samples.bit_length() - 1)} or "
                                f"{1 << declared.samples.bit_length()})")
        if declared.kind == "morris" and declared.levels % 2:
            raise ScenarioError(f"design.levels: {declared.levels} is not allowed; expected an even number of levels")
        if declared.kind == "morris" and declared.samples < 2:
            raise ScenarioError("design.samples: a morris design needs at least 2 trajectories")
    else:
        if declared.parameters or declared.ranges:
            field = "design.parameters" if declared.parameters else "design.ranges"
            raise ScenarioError(f"{field}: only allowed for sampling designs (latin_hypercube, sobol, morris); "
                                f"here design.kind = {declared.kind!r}")

    varied = scenario.varied
    sampled = set(scenario.sampled)
    for name in declared.factors:
        if name in sampled:
            raise ScenarioError(f"design.factors.{name}: is also sampled in design.parameters; vary it one way")
        for i, cond in enumerate(declared.conditions):
            if name in cond:
                raise ScenarioError(f"design.conditions[{i}].{name}: is also a factor in [design.factors]; vary "
                                    f"it one way")
    for name in varied:
        if name in scenario.params:
            raise ScenarioError(f"params.{name}: is also varied by the design; set it in one place")

    if scenario.attribution is not None:
        _check_attribution(scenario.attribution)
    if scenario.recovery is not None and scenario.recovery.shock_month >= scenario.recovery.months(scenario.steps):
        raise ScenarioError(f"recovery.shock_month: {scenario.recovery.shock_month} is not within the run; expected "
                            f"13 to {scenario.recovery.months(scenario.steps) - 1}")
    analysis = scenario.analysis
    for i, m in enumerate(analysis.metrics):
        if m not in METRIC_NAMES:
            raise ScenarioError(f"analysis.metrics[{i}]: unknown metric {m!r}; expected one of "
                                f"{', '.join(METRIC_NAMES)}")
    if analysis.target is not None and analysis.target not in METRIC_NAMES:
        raise ScenarioError(f"analysis.target: unknown metric {analysis.target!r}; expected one of "
                            f"{', '.join(METRIC_NAMES)}")
    if analysis.window is not None and analysis.window > scenario.steps:
        raise ScenarioError(f"analysis.window: {analysis.window} is longer than the run ({scenario.steps} steps); expected "
                            f"1 to {scenario.steps}")
    for field in ("compare", "x"):
        value = getattr(analysis, field)
        if value is not None and value not in varied:
            allowed = ", ".join(varied) if varied else "none: the design varies nothing"
            raise ScenarioError(f"analysis.{field}: {value!r} is not varied by the design; expected one of "
                                f"{allowed}")
    if analysis.baseline is not None:
        if scenario.compare is None:
            raise ScenarioError("analysis.baseline: set analysis.compare to the factor it is a level of")
        levels = _levels(scenario, scenario.compare)
        canon = _check_param("analysis.baseline", scenario.compare, analysis.baseline)
        if canon not in levels:
            raise ScenarioError(f"analysis.baseline: {analysis.baseline!r} is not a level of {scenario.compare}; expected one "
                                f"of {', '.join(repr(v) for v in levels)}")

    # The plan's size is known from the design's shape: refuse a huge one before enumerating it.
    conditions = planned_conditions(scenario)
    if conditions * scenario.replicates > MAX_RUNS:
        raise ScenarioError(f"design: {conditions:,} conditions x {scenario.replicates:,} replicates = "
                            f"{conditions * scenario.replicates:,} runs is too many; expected at most {MAX_RUNS:,} runs "
                            f"(fewer factor levels, samples or replicates)")

    # Each complete condition must also pass the registry's whole-parameter-set checks (the largest district
    # against memory).
    try:
        design = build_design(scenario)
    except ParameterError as e:
        raise ScenarioError(f"design: a condition is not allowed: {e}") from None
    for cond in _largest_districts(scenario, design.conditions):
        try:
            validate({**scenario.params, **cond})
        except ParameterError as e:
            raise ScenarioError(f"design: a condition is not allowed: {e}") from None
    from ..estimation.draws import check_posterior_request

    try:
        check_posterior_request(scenario.posterior, scenario.posterior_draws, scenario.params, scenario.varied)
    except ValueError as e:
        raise ScenarioError(str(e)) from None


_SCALE = ("n_units", "unit_size", "sectors")


def _largest_districts(scenario: Scenario, conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first condition, and the one that builds the largest model if the design varies its size."""
    if not conditions:
        return []
    varied = {k for c in conditions for k in c}
    if not any(k in _SCALE or k.endswith(".need_prevalence") for k in varied):
        return conditions[:1]
    base = defaults()
    base.update({k: REGISTRY[k].validate(v) for k, v in scenario.params.items()})
    largest = max(conditions, key=lambda c: model_bytes({**base, **{k: REGISTRY[k].validate(v) for k, v in
                                                                     c.items()}}))
    return [conditions[0], largest]


def planned_conditions(scenario: Scenario) -> int:
    """How many conditions the design has, computed from its shape without enumerating it."""
    design = scenario.design
    combos = math.prod(len(v) for v in design.factors.values())
    if design.kind == "factorial":
        return combos
    if design.kind == "list":
        return len(design.conditions) * combos
    sampled_count = len(scenario.sampled)
    if design.kind == "latin_hypercube":
        return design.samples * combos * max(1, len(design.conditions))
    if design.kind == "sobol":
        return design.samples * ((2 * sampled_count + 2) if design.second_order else (sampled_count + 2)) * combos
    return design.samples * (sampled_count + 1) * combos  # morris: trajectories of k + 1 points


def _levels(scenario: Scenario, name: str) -> list[Any]:
    """The values a design gives a parameter, in order, from its factors or its list conditions."""
    if name in scenario.design.factors:
        return [REGISTRY[name].validate(v) for v in scenario.design.factors[name]]
    out = []
    for cond in scenario.design.conditions:
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
