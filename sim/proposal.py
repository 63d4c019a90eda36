"""The proposal's five levers and its whole package, as Mayo & Moore (2001) set them out: defined once here.

The dashboard's preset "the proposal", the attribution's lever mechanisms and the scenario
``scenarios/the_proposal.toml`` all read the package from here. Where the seed names a lever but not a number,
the number is an assumption and is said to be one (ODD §10).
"""

from __future__ import annotations

from typing import Any

#: The participation audit's channels (the seed: "elections to hospital trusts, user panels, children's
#: participation, named contacts"), as the registry names them: parameter ``channel_<name>``.
PARTICIPATION_CHANNELS = ("elections", "user_panels", "children", "named_contacts")

#: The five levers in the proposal's order: the registry's lever name, its title and what it does.
LEVERS: tuple[tuple[str, str, str], ...] = (
    ("participation_audit", "1. Participation audit",
     "channels that lower the cost of taking part or recruit people, and an annual audit of who takes part"),
    ("decentralisation", "2. Decentralisation",
     "small units, local autonomy from the central design, freedom of financial management (a delegated budget "
     "within the quality standard), capacity building for citizens and workers"),
    ("recognised_status", "3. Recognised status",
     "an asset lock against demutualisation, local bonds, a quality mark, federations of mutuals"),
    ("conversion", "4. Conversion",
     "state services become mutuals through approval and an employee ballot (acts in the 'conversion' regime)"),
    ("guarantor", "5. Guarantor state",
     "funding and regulation: inspection or self-audit, social investment from citizens"),
)

#: The settings of each lever in the proposal's package, by the name the attribution gives it ("off" is the
#: setting in force). Conversion is the regime itself, so it has no settings here.
LEVER_SETTINGS: dict[str, dict[str, Any]] = {
    "participation audit": {"participation_audit": True,  # seed: the audit with all of its channels
                            **{f"channel_{c}": True for c in PARTICIPATION_CHANNELS}},
    "decentralisation": {"local_autonomy": 0.8,  # seed: 'greater autonomy' (0.8: assumption)
                         "financial_freedom": 1.0,  # seed: 'greater freedom of financial management'
                         "capacity_building": 10.0},  # seed: 'build capacity' (£10 per adult-year: assumption)
    "recognised status": {"asset_lock": 1.0, "local_bonds": True, "quality_mark": True,
                          "secondary_mutuals": True},  # seed: 'local education authorities as secondary mutuals'
    "guarantor": {"audit_mode": "self_audit", "social_investment": True},  # seed: self-audit, social investment
}

#: The regime the proposal asks for.
PROPOSAL_REGIME = "mutual"

#: The whole package: every lever's settings together (without the regime).
THE_PROPOSAL: dict[str, Any] = {k: v for settings in LEVER_SETTINGS.values() for k, v in settings.items()}


def the_proposal(**extra: Any) -> dict[str, Any]:
    """The proposal's package as model parameters, the regime included: ``MutualStateModel(**the_proposal())``."""
    return {"regime": PROPOSAL_REGIME, **THE_PROPOSAL, **extra}
