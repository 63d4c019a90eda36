"""Which parameters are estimated from the record, and the role of every other one (ODD §10).

Each parameter of the registry has one role:

- ``estimated``: a behavioural constant the fitting targets can identify, fitted by ABC with a uniform prior
  over its plausible range (the registry's ``plausible``);
- ``proposal``: an assumption about the proposal (one of its levers, or a difference between provider kinds):
  kept as a lever or a sensitivity factor, never fitted, since fitting it to today's England (run by the
  state) would read the proposal's effect off data that cannot contain it;
- ``sourced``: fixed at a cited value;
- ``assumption``: fixed by assumption, with no target that could identify it (studied by sensitivity analysis).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("estimated", "proposal", "sourced", "assumption")


@dataclass(frozen=True)
class EstimatedParameter:
    """A parameter fitted by ABC: its prior is uniform over [low, high] (the registry's plausible range)."""

    name: str
    identified_by: str  # which targets carry information about it, and why

    @property
    def prior_range(self) -> tuple[float, float]:
        from ..parameters import REGISTRY

        low, high = REGISTRY[self.name].plausible
        return float(low), float(high)


#: The behavioural constants that set participation's level, staff turnover and spending: those the fitting
#: targets of ``sim/calibration_targets.toml`` can identify.
ESTIMATED: dict[str, EstimatedParameter] = {
    p.name: p
    for p in [
        EstimatedParameter("participation_cost", "co-production and the governance participation rate: the "
                           "cost of taking part sets how many contribute"),
        EstimatedParameter("consultation_cost", "civic consultation: the cost of answering a consultation"),
        EstimatedParameter("motive_sensitivity", "the three participation rates together: how sharply motives "
                           "(can, want to, asked) sort people into taking part"),
        EstimatedParameter("efficacy_learning", "the participation rates' level after the transient: how fast "
                           "people learn that their voice is heeded"),
        EstimatedParameter("quit_base_rate", "staff turnover in adult social care and primary schools"),
        EstimatedParameter("quit_morale_sensitivity", "the difference between the two sectors' turnover, which "
                           "face different workloads and pay"),
        EstimatedParameter("primary_education.unit_cost", "school spending per pupil"),
        EstimatedParameter("elderly_care.unit_cost", "adult social care spending per adult"),
    ]
}


def proposal_assumptions() -> set[str]:
    """The parameters that are assumptions about the proposal: its levers' and every kind difference's."""
    from ..parameters import NEUTRAL_KINDS, REGISTRY
    from ..proposal import LEVERS

    lever_names = {lever for lever, _, _ in LEVERS}
    return {name for name, param in REGISTRY.items() if param.lever in lever_names} | set(NEUTRAL_KINDS)


def parameter_role(name: str) -> str:
    """The role of a registry parameter: one of ``ROLES``."""
    from ..parameters import REGISTRY, ParameterError

    if name not in REGISTRY:
        raise ParameterError(f"{name}: unknown parameter")
    if name in proposal_assumptions():
        return "proposal"
    if name in ESTIMATED:
        return "estimated"
    return "assumption" if REGISTRY[name].source.lower().startswith("assumption") else "sourced"


def check_estimated(names: list[str] | tuple[str, ...]) -> list[str]:
    """Refuse to fit anything but estimated parameters (never the proposal's assumptions, never a sourced
    value); return the names in the order given."""
    from ..parameters import ParameterError

    for name in names:
        role = parameter_role(name)
        if role != "estimated":
            raise ParameterError(f"{name}: a parameter with the role {role!r} is never fitted; estimated "
                                 f"parameters: {', '.join(ESTIMATED)}")
    if len(set(names)) != len(names):
        raise ParameterError(f"estimated parameters named twice: {', '.join(names)}")
    return list(names)
