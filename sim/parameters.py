"""The parameter registry: one source of truth for every number a user can set.

Each parameter carries its default, unit, allowed bounds (enforced), plausible range (the bounds of sensitivity
analysis) and its source or "assumption: why". The model's defaults, scenario validation, the dashboard's
controls, the sensitivity bounds and the parameter table of ODD §10 are all read from here.

The parameters are data: one TOML file per group in ``sim/parameter_data/`` (a description of the group, then a
table per parameter with its description, unit, kind, default, bounds, plausible range, choices, lever and
source), read once at import. The sectors' parameters (``<sector>.<field>``, ODD §6) are generated from the
table of ``sim/sectors.py``. The estimated parameters take their defaults from the shipped posterior's medians
(``sim/data/posterior``, ODD §9 D-E6) where one is shipped.
"""

from __future__ import annotations

import difflib
import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .memory_guard import memory_problem, model_bytes
from .parameter_checks import imitation_problem, payoff_spread
from .regimes import REGIMES
from .sectors import DEFAULT_SECTORS, SECTOR_FIELDS, SECTOR_NAMES, SECTOR_SOURCE, SECTORS

# The registry's own names, and names other modules have long imported from here (the guests that moved out:
# model_bytes to sim.memory_guard, payoff_spread to sim.parameter_checks; and the sector and regime lists).
__all__ = ["MAX_MONTHS", "ParameterError", "ParameterFileError", "Parameter", "ParameterGroup", "REGISTRY",
           "GROUPS", "PARAMETER_DATA", "PARAMETER_GROUPS", "KINDS", "defaults", "validate", "load_parameter_file",
           "load_groups", "python_value", "ROLES", "format_number", "NEUTRAL_KINDS", "neutral_kinds", "model_bytes",
           "payoff_spread", "REGIMES", "SECTOR_NAMES", "DEFAULT_SECTORS", "POSTERIOR_FOLDER", "with_posterior_medians"]

MAX_MONTHS = 32_000  # the longest run: months of last participation are stored as int16 (ODD §2.1)


class ParameterError(ValueError):
    """A parameter name or value a user gave is not allowed; the message names it and what is allowed."""


class ParameterFileError(ValueError):
    """A parameter data file is malformed; the message names the file, the parameter and the field."""


@dataclass(frozen=True)
class Parameter:
    """One number (or switch, or choice) a user can set, with what a person needs to set it well."""

    name: str
    default: Any
    kind: str  # "float" | "int" | "bool" | "choice" | "sectors" | "size"
    unit: str
    description: str
    source: str
    lever: str = "model"  # which of the proposal's levers (or which part of the model) it belongs to
    bounds: tuple[float, float] | None = None  # allowed, inclusive
    plausible: tuple[float, float] | None = None  # for sensitivity analysis
    choices: tuple[str, ...] = field(default_factory=tuple)
    role: str = ""  # "estimated" (fitted by ABC), "sourced", "proposal" or "assumption"; "" derived (ODD §10)
    # An estimated parameter whose default is the shipped posterior's median: its 90% credible interval (ODD §9
    # D-E6); None where the default is the data file's.
    posterior: tuple[float, float] | None = None

    @property
    def default_basis(self) -> str:
        """Where the default comes from, when it is not the data file's: the posterior's median and interval."""
        if self.posterior is None:
            return ""
        low, high = self.posterior
        return f"posterior median (90% credible interval {format_number(low)} to {format_number(high)})"

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and documentation."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.kind == "sectors":
            return "a list of sector names from " + ", ".join(SECTOR_NAMES) + ' (or "all")'
        lo, hi = self.bounds
        what = "a whole number" if self.kind in ("int", "size") else "a number"
        extra = " or a range [min, max]" if self.kind == "size" else ""
        return f"{what}{extra} from {format_number(lo)} to {format_number(hi)}"

    def validate(self, value: Any) -> Any:
        """Return the value in canonical form, or raise ParameterError naming the parameter.

        Types are exact: a bool is not a number and a string is not a number (nor a bool); NumPy scalars and
        arrays are accepted wherever the Python number or list would be (what a notebook passes after
        ``np.arange``).
        """
        name = self.name
        value = python_value(value)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParameterError(f"{name}: {value!r} is not allowed; expected {self.allowed()}")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ParameterError(f"{name}: {value!r} is not allowed; expected {self.allowed()}")
        if self.kind == "sectors":
            if isinstance(value, str) and value == "all":
                return tuple(SECTOR_NAMES)
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not value:
                raise ParameterError(f"{name}: {value!r} is not allowed; expected {self.allowed()}")
            value = [python_value(sector) for sector in value]
            unknown = [sector for sector in value if not isinstance(sector, str) or sector not in SECTORS]
            if unknown:
                raise ParameterError(f"{name}: unknown sector {unknown[0]!r}; expected {self.allowed()}")
            if len(set(value)) != len(value):
                raise ParameterError(f"{name}: a sector is listed twice in {list(value)!r}")
            return tuple(value)
        if self.kind == "size":
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise ParameterError(f"{name}: {value!r} is not allowed; expected {self.allowed()}")
                lo, hi = (self._number(python_value(end), integer=True) for end in value)
                if lo > hi:
                    raise ParameterError(f"{name}: the range {[lo, hi]!r} has its minimum above its maximum")
                return (lo, hi)
            size = self._number(value, integer=True)
            return (size, size)
        return self._number(value, integer=self.kind == "int")

    def _number(self, value: Any, integer: bool) -> float | int:
        """A number within the bounds as an int or a float, or a ParameterError that says which bound it broke
        (users meet these messages more than any other, so they name the value, the limit and what is allowed)."""
        name = self.name
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{name}: {value!r} is not a number; expected {self.allowed()}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{name}: {value!r} is not allowed; expected {self.allowed()}")
        if integer:
            if isinstance(value, float) and not value.is_integer():
                raise ParameterError(f"{name}: {value!r} is not a whole number; expected {self.allowed()}")
            value = int(value)
        else:
            value = float(value)
        lo, hi = self.bounds
        if value < lo:
            raise ParameterError(f"{name}: {format_number(value)} is below the minimum {format_number(lo)}; "
                                 f"expected {self.allowed()}")
        if value > hi:
            raise ParameterError(f"{name}: {format_number(value)} is above the maximum {format_number(hi)}; "
                                 f"expected {self.allowed()}")
        return value


def python_value(value: Any) -> Any:
    """NumPy scalars and arrays as the Python values they stand for (np.int64(3) -> 3, np.bool_ -> bool,
    a 1-d array -> a list); anything else unchanged, so that the type checks above stay exact."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim == 1 else value
    return value


def format_number(number: float) -> str:
    """A number as people read it in messages and in the ODD's table: 0.5, 1e+05, 3000."""
    return f"{number:g}"


# ---- the data files ---------------------------------------------------------------------------------------------

PARAMETER_DATA = Path(__file__).with_name("parameter_data")
# The groups (one file each), in the registry's order: the ODD's table (ODD §10) and the dashboard's controls
# follow it, and within a file the order of its tables.
PARAMETER_GROUPS = ("structure", "citizens", "participation_audit", "decentralisation", "recognised_status",
                    "conversion", "guarantor", "provider_kinds", "workers", "need_shock")
KINDS = ("float", "int", "bool", "choice", "sectors", "size")
NUMERIC_KINDS = ("float", "int", "size")
TEXT_FIELDS = ("description", "unit", "kind", "lever", "source")
FIELDS = TEXT_FIELDS + ("default", "default_from", "bounds", "plausible", "choices", "choices_from", "role")
# How a parameter is set (ODD §10): fitted to the record by `calibrate --fit` (its prior: the plausible range),
# fixed at a cited value, an assumption about the proposal (never fitted), or a model assumption. A data file
# states the role where it is not read off the lever and source (sim.estimation.parameter_role).
ROLES = ("estimated", "sourced", "proposal", "assumption")
# Lists a data file names (``choices_from``, ``default_from``) instead of copying them, so that each stays
# defined once, in code.
DEFINED_IN_CODE: dict[str, tuple[str, ...]] = {"REGIMES": REGIMES, "DEFAULT_SECTORS": DEFAULT_SECTORS}


@dataclass(frozen=True)
class ParameterGroup:
    """The parameters of one data file, with the file's description of what they have in common."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]


def load_parameter_file(path: Path) -> ParameterGroup:
    """Read one group's data file into Parameters, checking every entry: a bad file fails at import with a
    ParameterFileError that names the file, the parameter and the field, not later inside a run."""
    try:
        with open(path, "rb") as data_file:
            data = tomllib.load(data_file)
    except tomllib.TOMLDecodeError as error:
        raise ParameterFileError(f"{path}: not valid TOML: {error}") from None
    description = data.pop("description", None)
    if not isinstance(description, str) or not description.strip():
        raise ParameterFileError(f"{path}: description: missing; a data file starts with a description of its "
                                 "group (description = \"...\") before its first [parameter]")
    if not data:
        raise ParameterFileError(f"{path}: no parameters; expected a [name] table per parameter")
    return ParameterGroup(Path(path).stem, description,
                          tuple(_parameter_from_entry(path, name, entry) for name, entry in data.items()))


def _parameter_from_entry(path: Path, name: str, entry: Any) -> Parameter:
    """One [name] table of a data file as a Parameter: every field present and well-formed for its kind, the
    plausible range inside the bounds, and the default allowed (stored in its canonical form)."""
    where = f"{path}: {name}"
    if not isinstance(entry, dict) or not name.isidentifier():
        raise ParameterFileError(f"{where}: expected a table [{name}] of fields, and a name of letters, digits "
                                 "and underscores")
    unknown = [key for key in entry if key not in FIELDS]
    if unknown:
        raise ParameterFileError(f"{where}.{unknown[0]}: unknown field; expected {', '.join(FIELDS)}")
    for key in TEXT_FIELDS:
        if key not in entry:
            raise ParameterFileError(f"{where}.{key}: missing")
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ParameterFileError(f"{where}.{key}: {entry[key]!r} is not a text")
    kind = entry["kind"]
    if kind not in KINDS:
        raise ParameterFileError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
    for key in ("bounds", "plausible"):
        if (key in entry) != (kind in NUMERIC_KINDS):
            rule = "is needed for" if kind in NUMERIC_KINDS else "is not allowed for"
            raise ParameterFileError(f"{where}.{key}: {rule} a parameter of kind {kind!r}")
    bounds = _range(where, "bounds", entry.get("bounds"), kind)
    plausible = _range(where, "plausible", entry.get("plausible"), kind)
    if plausible is not None and not bounds[0] <= plausible[0] <= plausible[1] <= bounds[1]:
        raise ParameterFileError(f"{where}.plausible: {list(plausible)} is not inside the bounds {list(bounds)}")
    choices = _from_code_or_data(where, entry, "choices")
    if (choices is not None) != (kind == "choice"):
        rule = "are needed for" if kind == "choice" else "are not allowed for"
        raise ParameterFileError(f"{where}.choices: {rule} a parameter of kind {kind!r}")
    if choices is not None and (not choices or len(set(choices)) != len(choices)
                                or not all(isinstance(choice, str) and choice for choice in choices)):
        raise ParameterFileError(f"{where}.choices: {choices!r} is not a list of distinct names")
    role = entry.get("role", "")
    if "role" in entry and role not in ROLES:
        raise ParameterFileError(f"{where}.role: {role!r} is not one of {', '.join(ROLES)}")
    if role == "estimated" and (kind != "float" or plausible is None):
        raise ParameterFileError(f"{where}.role: only a float with a plausible range (its prior) is estimated")
    default = _from_code_or_data(where, entry, "default")
    if default is None:
        raise ParameterFileError(f"{where}.default: missing")
    parameter = Parameter(name, default, kind, entry["unit"], entry["description"], entry["source"],
                          entry["lever"], bounds, plausible, tuple(choices or ()), role)
    try:
        return replace(parameter, default=parameter.validate(default))
    except ParameterError as error:
        raise ParameterFileError(f"{where}.default: {str(error)[len(name) + 2:]}") from None


def _range(where: str, key: str, value: Any, kind: str) -> tuple[float, float] | None:
    """A [min, max] field as a pair of numbers of the parameter's type (whole numbers for int and size)."""
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(end, (int, float)) and not isinstance(end, bool) for end in value)):
        raise ParameterFileError(f"{where}.{key}: {value!r} is not a range [min, max] of two numbers")
    if kind == "float":
        value = [float(end) for end in value]
    elif not all(float(end).is_integer() for end in value):
        raise ParameterFileError(f"{where}.{key}: {value!r} is not a range of whole numbers")
    else:
        value = [int(end) for end in value]
    if value[0] > value[1]:
        raise ParameterFileError(f"{where}.{key}: {value!r} has its minimum above its maximum")
    return (value[0], value[1])


def _from_code_or_data(where: str, entry: dict[str, Any], key: str) -> Any:
    """The field ``key`` as written, or the list ``<key>_from`` names in DEFINED_IN_CODE; None if neither."""
    named = entry.get(f"{key}_from")
    if named is None:
        value = entry.get(key)
        return tuple(value) if isinstance(value, list) else value
    if key in entry:
        raise ParameterFileError(f"{where}.{key}: give either {key} or {key}_from, not both")
    if named not in DEFINED_IN_CODE:
        raise ParameterFileError(f"{where}.{key}_from: {named!r} is not one of {', '.join(DEFINED_IN_CODE)}")
    return DEFINED_IN_CODE[named]


def load_groups(folder: Path = PARAMETER_DATA, names: tuple[str, ...] = PARAMETER_GROUPS) -> dict[str, ParameterGroup]:
    """Every group's data file in ``folder``, in the order of ``names``: a file not listed (it would be left
    out silently), a listed file missing, or a parameter defined twice is a ParameterFileError."""
    found = {path.stem for path in Path(folder).glob("*.toml")}
    if found != set(names):
        raise ParameterFileError(f"{folder}: expected the data files {', '.join(f'{n}.toml' for n in names)}; "
                                 f"missing: {sorted(set(names) - found)}, not listed in PARAMETER_GROUPS: "
                                 f"{sorted(found - set(names))}")
    groups: dict[str, ParameterGroup] = {}
    defined_in: dict[str, str] = {}
    for group_name in names:
        path = Path(folder) / f"{group_name}.toml"
        group = load_parameter_file(path)
        for parameter in group.parameters:
            if parameter.name in defined_in:
                raise ParameterFileError(f"{path}: {parameter.name}: already defined in {defined_in[parameter.name]}")
            defined_in[parameter.name] = path.name
        groups[group_name] = group
    return groups


# ---- the registry -----------------------------------------------------------------------------------------------

# Sector fields fitted to the spending targets of sim/calibration_targets.toml (ODD §10).
ESTIMATED_SECTOR_FIELDS = ("primary_education.unit_cost", "elderly_care.unit_cost")


def _sector_parameters() -> list[Parameter]:
    """Every field of every sector of ``sim/sectors.py`` as a parameter ``<sector>.<field>`` (ODD §6), so that
    a scenario can override it and the sensitivity analysis can vary it (by half either way of its value)."""
    out = []
    for sector in SECTORS.values():
        for field_name, (unit, description, bounds) in SECTOR_FIELDS.items():
            value = getattr(sector, field_name)
            plausible = (max(bounds[0], value * 0.5), min(bounds[1], value * 1.5)) if value else bounds
            name = f"{sector.name}.{field_name}"
            out.append(Parameter(name, value, "float", unit, f"{sector.name}: {description}", SECTOR_SOURCE,
                                 "sectors", bounds, plausible, role="estimated" if name in ESTIMATED_SECTOR_FIELDS
                                 else ""))
    return out


def _sector_regimes() -> list[Parameter]:
    """A scenario may mix kinds across sectors: each sector can override the authority's regime."""
    return [Parameter(f"{sector}.regime", "inherit", "choice", "-", f"{sector}: who runs this service ('inherit': "
                      "the authority's regime)", "ODD §5: a scenario may mix kinds across sectors", "regime",
                      choices=("inherit",) + REGIMES) for sector in SECTORS]


#: The shipped posterior (ODD §9 D-E6): the fit (``mutual-state calibrate --fit --ship``) whose medians are the
#: defaults of the estimated parameters; ``summary.json`` holds each one's median and 90% credible interval.
POSTERIOR_FOLDER = Path(__file__).with_name("data") / "posterior"
POSTERIOR_SUMMARY = "summary.json"


def with_posterior_medians(registry: dict[str, Parameter], folder: Path = POSTERIOR_FOLDER) -> dict[str, Parameter]:
    """The registry with each estimated parameter's default replaced by the shipped posterior's median (and its
    90% credible interval recorded); unchanged where no posterior is shipped. A summary that names a parameter
    that is unknown or not estimated is a ParameterFileError."""
    path = Path(folder) / POSTERIOR_SUMMARY
    if not path.exists():
        return registry
    out = dict(registry)
    for name, estimate in json.loads(path.read_text())["parameters"].items():
        parameter = registry.get(name)
        if parameter is None or parameter.role != "estimated":
            raise ParameterFileError(f"{path}: {name}: is not an estimated parameter of the registry")
        out[name] = replace(parameter, default=parameter.validate(estimate["median"]),
                            posterior=(float(estimate["low"]), float(estimate["high"])))
    return out


GROUPS: dict[str, ParameterGroup] = load_groups()
REGISTRY: dict[str, Parameter] = with_posterior_medians({
    parameter.name: parameter
    for parameter in [*(entry for group in GROUPS.values() for entry in group.parameters), *_sector_parameters(),
                      *_sector_regimes()]
})


def defaults() -> dict[str, Any]:
    """Every parameter at its default, in canonical form."""
    return {name: parameter.validate(parameter.default) for name, parameter in REGISTRY.items()}


def validate(overrides: dict[str, Any]) -> dict[str, Any]:
    """Complete ``overrides`` with defaults; raise ParameterError on unknown names or bad values, on values that
    together break a mechanism (``sim.parameter_checks``), or on a district too large for this machine's memory
    (``sim.memory_guard``, checked before anything is allocated)."""
    if not isinstance(overrides, dict):
        raise ParameterError(f"parameters: {type(overrides).__name__} is not allowed; expected a dict of "
                             f"parameter name -> value")
    unknown = [name for name in overrides if not isinstance(name, str) or name not in REGISTRY]
    if unknown:
        raise ParameterError(f"{unknown[0]!s}: unknown parameter; see sim.parameters.REGISTRY for the "
                             f"{len(REGISTRY)} known ones{_suggest(unknown[0])}")
    params = defaults()
    for name, value in overrides.items():
        params[name] = REGISTRY[name].validate(value)
    for problem in (imitation_problem(params), memory_problem(params)):
        if problem is not None:
            raise ParameterError(problem)
    return params


def _suggest(name: Any) -> str:
    """' (did you mean ...?)' for a misspelt parameter name, or nothing."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, REGISTRY, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# The null model and every kind difference are catalogued once, with the kinds (sim/providers/catalogue.py).
from .providers.catalogue import NEUTRAL_KINDS, neutral_kinds  # noqa: E402, F401
