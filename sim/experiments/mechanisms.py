"""The mechanisms the attribution switches on and off: named groups of parameter settings, and what each rests on.

A mechanism is "off" in a reference model and "on" in the regime being explained: for a group of kind
differences, off is the neutral value of ``sim.neutral_kinds()`` and on is the value in force (ODD §2.4); for
a lever of the proposal, off is the setting in force and on is the proposal's (``sim.proposal.LEVER_SETTINGS``).
The catalogue sits below the runner and the scenario schema, which check mechanism names against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..parameters import REGISTRY
from ..proposal import LEVER_SETTINGS
from ..providers.catalogue import KIND_MECHANISM_BASIS, KIND_MECHANISMS, NEUTRAL_KINDS

#: What each mechanism rests on, for the report: sourced, or an assumption (ODD §2.4 and §10).
MECHANISM_BASIS: dict[str, tuple[bool, str]] = {
    **KIND_MECHANISM_BASIS,  # the kind groups and their basis are catalogued with the kinds (sim/providers/)
    "provider kind": (False, "every kind difference above"),
    "participation audit": (False, "the seed's lever; effect sizes assumed"),
    "decentralisation": (False, "the seed's lever; effect sizes assumed"),
    "recognised status": (False, "the seed's lever; effect sizes assumed"),
    "guarantor": (False, "the seed's lever; effect sizes assumed"),
}
#: All kind differences at once, for questions about levers: "is it the kind or the levers?"
PROVIDER_KIND = "provider kind"

#: Mechanisms of production and income that are the same for every kind but make regimes differ through what
#: each kind draws out or keeps (ODD §9, D-C3...): off is the neutral value, on the value in force.
PRODUCTION_MECHANISMS: dict[str, dict[str, Any]] = {
    "co-production saving": {"coproduction_cost_share": 0.0},
}
MECHANISM_BASIS["co-production saving"] = (
    False, "users' contributed time replaces paid time (Parks et al. 1981; value: ONS Household Satellite Account "
           "replacement cost); the share that saves money rather than adds to the service is assumed, 0 by default")


def known_mechanisms() -> list[str]:
    """Every mechanism a scenario or ``attribute_differences`` may name: the kind groups, all of them together,
    and the proposal's levers."""
    return [*KIND_MECHANISMS, PROVIDER_KIND, *PRODUCTION_MECHANISMS, *LEVER_SETTINGS]


def mechanism_settings(name: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(off, on) parameter settings of a named mechanism, given the parameters in force."""
    if name in KIND_MECHANISMS or name == PROVIDER_KIND:
        names = KIND_MECHANISMS[name] if name != PROVIDER_KIND else tuple(
            n for group in KIND_MECHANISMS.values() for n in group)
        return {n: NEUTRAL_KINDS[n] for n in names}, {n: params[n] for n in names}
    if name in PRODUCTION_MECHANISMS:
        off = PRODUCTION_MECHANISMS[name]
        return dict(off), {n: params[n] for n in off}
    if name in LEVER_SETTINGS:
        on = LEVER_SETTINGS[name]
        return {n: params[n] for n in on}, dict(on)
    raise ValueError(f"mechanisms: {name!r} is not a known mechanism; expected one of "
                     f"{', '.join(known_mechanisms())}, or a mapping name -> {{parameter: value}}")


def resolve_mechanisms(mechanisms: Any, params: Mapping[str, Any]) -> dict[str, tuple[dict, dict]]:
    """Mechanism name -> (off, on). ``None``: every kind group that differs from neutral in ``params``."""
    if mechanisms is None:
        out = {n: mechanism_settings(n, params) for n in [*KIND_MECHANISMS, *PRODUCTION_MECHANISMS]}
        return {n: (off, on) for n, (off, on) in out.items() if off != on}
    if isinstance(mechanisms, Mapping):
        out = {}
        for name, on in mechanisms.items():
            if isinstance(on, Mapping):
                unknown = [k for k in on if k not in REGISTRY]
                if unknown:
                    raise ValueError(f"mechanisms.{name}: {unknown[0]} is not a parameter")
                out[name] = ({k: params[k] for k in on}, {k: REGISTRY[k].validate(v) for k, v in on.items()})
            else:
                out[name] = mechanism_settings(name, params)
        return out
    return {name: mechanism_settings(name, params) for name in mechanisms}
