"""Which parameters are estimated from the record, and the role of every other one (ODD §10).

The registry marks each parameter's role (``Parameter.role``; sim/parameter_data/*.toml states it where it
is not read off the lever and source):

- ``estimated``: a behavioural constant the fitting targets can identify, fitted by ABC with a uniform prior
  over its plausible range;
- ``proposal``: an assumption about the proposal (a setting of one of its levers, or a difference between
  provider kinds): kept as a lever or a sensitivity factor, never fitted, since today's England (run by the
  state) holds no record of the proposal's effects;
- ``sourced``: fixed at a cited value;
- ``assumption``: fixed by assumption, with no target that could identify it (studied by sensitivity analysis).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..parameters import NEUTRAL_KINDS, REGISTRY, ROLES, ParameterError
from ..proposal import LEVERS

PROPOSAL_LEVERS = frozenset(lever for lever, _, _ in LEVERS)


@dataclass(frozen=True)
class EstimatedParameter:
    """A parameter fitted by ABC: its prior is uniform over the registry's plausible range."""

    name: str

    @property
    def prior_range(self) -> tuple[float, float]:
        low, high = REGISTRY[self.name].plausible
        return float(low), float(high)


def is_proposal_assumption(name: str) -> bool:
    """A setting of one of the proposal's levers, or a difference between provider kinds."""
    return REGISTRY[name].lever in PROPOSAL_LEVERS or name in NEUTRAL_KINDS


def parameter_role(name: str) -> str:
    """The role of a registry parameter (one of ``ROLES``): the one its data states, or else a proposal
    assumption by its lever, an assumption if its source says so, and sourced otherwise."""
    if name not in REGISTRY:
        raise ParameterError(f"{name}: unknown parameter")
    parameter = REGISTRY[name]
    if parameter.role:
        return parameter.role
    if is_proposal_assumption(name):
        return "proposal"
    return "assumption" if parameter.source.lower().startswith(("assumption", "model switch")) else "sourced"


#: The parameters the registry marks as estimated, in the registry's order.
ESTIMATED: dict[str, EstimatedParameter] = {name: EstimatedParameter(name) for name in REGISTRY
                                            if parameter_role(name) == "estimated"}


def check_estimated(names: list[str] | tuple[str, ...]) -> list[str]:
    """Refuse to fit anything but estimated parameters (never an assumption about the proposal, never a
    sourced value); return the names in the order given."""
    for name in names:
        role = parameter_role(name)
        if role != "estimated":
            raise ParameterError(f"{name}: a parameter with the role {role!r} is never fitted; estimated "
                                 f"parameters: {', '.join(ESTIMATED)}")
    if len(set(names)) != len(names):
        raise ParameterError(f"estimated parameters named twice: {', '.join(names)}")
    return list(names)


def verdict_assumptions() -> list[str]:
    """The assumptions that can decide a verdict between regimes (ODD §9 D-E5): every numeric parameter of a
    mechanism that makes the kinds differ (the kind groups of ``sim.providers.catalogue`` and the production
    mechanisms of the attribution) that is not estimated and has a plausible range. A verdict's probability
    is taken over these ranges; switches and choices (which mechanism is on) are the scenario's settings."""
    from ..experiments.mechanisms import PRODUCTION_MECHANISMS
    from ..providers.catalogue import KIND_MECHANISMS

    names = [*(n for group in KIND_MECHANISMS.values() for n in group),
             *(n for settings in PRODUCTION_MECHANISMS.values() for n in settings)]
    return [n for n in dict.fromkeys(names) if REGISTRY[n].kind in ("float", "int") and REGISTRY[n].plausible
            and parameter_role(n) != "estimated"]


__all__ = ["ROLES", "ESTIMATED", "EstimatedParameter", "parameter_role", "is_proposal_assumption",
           "check_estimated", "verdict_assumptions"]
