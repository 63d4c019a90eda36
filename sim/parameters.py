"""The parameter registry: one source of truth for every number a user can set.

Each parameter carries its default, unit, allowed bounds (enforced), plausible range (the bounds of sensitivity
analysis) and its source or "assumption: why". The model's defaults, scenario validation, the dashboard's
controls, the sensitivity bounds and the parameter table of ``docs/ODD.md`` are all read from here.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .regimes import REGIMES
from .sectors import DEFAULT_SECTORS, SECTOR_FIELDS, SECTOR_NAMES, SECTOR_SOURCE, SECTORS

MAX_MONTHS = 32_000  # the longest run: months of last participation are stored as int16


class ParameterError(ValueError):
    """A parameter name or value a user gave is not allowed; the message names it and what is allowed."""


@dataclass(frozen=True)
class Parameter:
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

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and documentation."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "sectors":
            return "a list of sector names from " + ", ".join(SECTOR_NAMES) + ' (or "all")'
        lo, hi = self.bounds
        what = "a whole number" if self.kind in ("int", "size") else "a number"
        extra = " or a range [min, max]" if self.kind == "size" else ""
        return f"{what}{extra} from {_fmt(lo)} to {_fmt(hi)}"

    def validate(self, value: Any) -> Any:
        """Return the value in canonical form, or raise ParameterError naming the parameter.

        Types are exact: a bool is not a number and a string is not a number (nor a bool); NumPy scalars and
        arrays are accepted wherever the Python number or list would be (what a notebook passes after
        ``np.arange``).
        """
        n = self.name
        value = _plain(value)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParameterError(f"{n}: {value!r} is not allowed; expected {self.allowed()}")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ParameterError(f"{n}: {value!r} is not allowed; expected {self.allowed()}")
        if self.kind == "sectors":
            if isinstance(value, str) and value == "all":
                return tuple(SECTOR_NAMES)
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not value:
                raise ParameterError(f"{n}: {value!r} is not allowed; expected {self.allowed()}")
            value = [_plain(v) for v in value]
            unknown = [v for v in value if not isinstance(v, str) or v not in SECTORS]
            if unknown:
                raise ParameterError(f"{n}: unknown sector {unknown[0]!r}; expected {self.allowed()}")
            if len(set(value)) != len(value):
                raise ParameterError(f"{n}: a sector is listed twice in {list(value)!r}")
            return tuple(value)
        if self.kind == "size":
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise ParameterError(f"{n}: {value!r} is not allowed; expected {self.allowed()}")
                lo, hi = (self._number(_plain(v), integer=True) for v in value)
                if lo > hi:
                    raise ParameterError(f"{n}: the range {[lo, hi]!r} has its minimum above its maximum")
                return (lo, hi)
            v = self._number(value, integer=True)
            return (v, v)
        return self._number(value, integer=self.kind == "int")

    def _number(self, value: Any, integer: bool) -> float | int:
        n = self.name
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{n}: {value!r} is not a number; expected {self.allowed()}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{n}: {value!r} is not allowed; expected {self.allowed()}")
        if integer:
            if isinstance(value, float) and not value.is_integer():
                raise ParameterError(f"{n}: {value!r} is not a whole number; expected {self.allowed()}")
            value = int(value)
        else:
            value = float(value)
        lo, hi = self.bounds
        if value < lo:
            raise ParameterError(f"{n}: {_fmt(value)} is below the minimum {_fmt(lo)}; expected {self.allowed()}")
        if value > hi:
            raise ParameterError(f"{n}: {_fmt(value)} is above the maximum {_fmt(hi)}; expected {self.allowed()}")
        return value


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as the Python values they stand for (np.int64(3) -> 3, np.bool_ -> bool,
    a 1-d array -> a list); anything else unchanged, so that the type checks above stay exact."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim == 1 else value
    return value


def _fmt(x: float) -> str:
    return f"{x:g}"


A = "assumption"


def _p(name, default, kind, unit, description, source, lever="model", bounds=None, plausible=None, choices=()):
    if plausible is None and bounds is not None and kind in ("float", "int"):
        plausible = bounds
    return Parameter(name, default, kind, unit, description, source, lever, bounds, plausible, tuple(choices))


_GLOBAL: list[Parameter] = [
    # --- structure -------------------------------------------------------------------------------------------
    _p("regime", "state", "choice", "-", "who runs the services at the start: state departments, private "
       "contractors, mutuals, or state departments that convert to mutuals over time", "DESIGN §3", "regime",
       choices=REGIMES),
    _p("n_units", 20, "int", "units", "number of decentralised units in the local authority",
       f"{A}: a mid-sized district of ~10,000 adults", "decentralisation", (1, 5000), (5, 60)),
    _p("unit_size", (400, 600), "size", "adults", "adult population of a unit, fixed or drawn uniformly from a "
       "range", "seed: 'populations of 400 to 600 people'", "decentralisation", (1, 100_000), (50, 5000)),
    _p("organisation_scale", "catchment", "choice", "-", "what one provider serves: 'catchment' - the "
       "contiguous units that give it about a unit's population in users (round(1 / need prevalence) units), "
       "so an organisation serves hundreds with a staff of tens; 'unit' - one unit whatever its users",
       "seed: 'populations of 400 to 600 people' read as the size of an organisation (a school, a care "
       "provider); issue 7", "decentralisation", choices=("catchment", "unit")),
    _p("sectors", DEFAULT_SECTORS, "sectors", "-", "which services are modelled", "seed: the priority list; "
       f"{A}: three contrasting sectors by default for speed", "model"),
    # --- citizens and co-production ---------------------------------------------------------------------------
    _p("group_size", 5, "int", "people", "size N of co-production groups", "Hauert et al. 2002 use N = 5",
       "citizens", (2, 50), (3, 10)),
    _p("participation_cost", 0.12, "float", "utility/month", "time cost c of contributing to governance and "
       "co-production, for a citizen of average civic resources", f"{A}: about a tenth of standard quality; "
       "calibrated to the Community Life Survey's regular formal volunteering",
       "citizens", (0.0, 2.0), (0.03, 0.3)),
    _p("resource_gradient", 1.0, "float", "-", "how strongly civic resources lower the cost of taking part: "
       "c_i = c (1 + g (0.5 - resources_i))", "Verba, Schlozman & Brady 1995 (resource model); strength "
       f"{A}", "citizens", (0.0, 1.9), (0.0, 1.8)),
    _p("civic_resources_mean", 0.7, "float", "share", "mean civic resources (time, skills, confidence) of the "
       "least deprived quintile", f"{A}", "citizens", (0.0, 1.0), (0.5, 0.9)),
    _p("civic_resources_spread", 0.15, "float", "share", "s.d. of civic resources within a quintile", f"{A}",
       "citizens", (0.0, 0.5), (0.05, 0.25)),
    _p("resource_deprivation_slope", 0.1, "float", "resources/quintile", "how much lower the mean civic "
       "resources are per quintile of deprivation", "Verba, Schlozman & Brady 1995; Electoral Commission "
       f"audits of political engagement; size {A}", "citizens", (0.0, 0.2), (0.0, 0.15)),
    _p("voice_value", 0.5, "float", "utility", "expressive value eta of voicing: contributors gain "
       "eta * efficacy * dissatisfaction", f"Hirschman 1970 (voice); size {A}", "citizens", (0.0, 5.0),
       (0.0, 3.0)),
    _p("aspiration", 1.2, "float", "utility", "service utility below which a user is dissatisfied",
       f"{A}: a little above standard quality with a perfect fit, so that about half of users want better",
       "citizens", (0.0, 5.0), (0.9, 1.5)),
    _p("efficacy_learning", 0.1, "float", "1/month", "how fast a user's efficacy tracks whether voice is "
       "heeded where she is served", f"{A}", "citizens", (0.0, 1.0), (0.02, 0.3)),
    _p("heeded_distance", 0.3, "float", "design", "distance between one's wish and the channel's design at "
       "which voice counts as not heeded at all: fit = max(0, 1 - |x - d| / distance)", f"{A}: twice the "
       "within-unit spread of preferences", "citizens", (0.01, 1.0), (0.15, 0.6)),
    _p("voice_dilution", True, "bool", "-", "one voice weighs less among more voices: efficacy signals are "
       "scaled by 1 / (1 + voices heard / voice_crowd) (false: the ablation of Olson's mechanism)",
       "Olson 1965 (The Logic of Collective Action)", "citizens"),
    _p("voice_crowd", 50.0, "float", "people", "voices heard at which one voice's weight in a provider's "
       "governance has halved", f"Olson 1965; size {A}", "citizens", (1.0, 100_000.0), (10.0, 200.0)),
    _p("exit_crowds_out_voice", True, "bool", "-", "where users may switch provider, dissatisfaction that exit "
       "would cure does not motivate voice (false: the ablation of Hirschman's mechanism)",
       "Hirschman 1970 (Exit, Voice, and Loyalty)", "citizens"),
    _p("motive_share", 0.5, "float", "share", "share of revising users who choose their stance by their own "
       "motives (voice, habit, cost: a logit choice) rather than by imitating an acquaintance",
       f"Verba, Schlozman & Brady 1995 (civic voluntarism); share {A}", "citizens", (0.0, 1.0), (0.2, 0.8)),
    _p("motive_sensitivity", 40.0, "float", "1/utility", "logit slope of motivated choices (stance, vote, "
       "consultation) in their net benefit", f"{A}: calibrated to the Community Life Survey and NHS foundation "
       "trust turnout (sim/calibration_targets.toml)", "citizens", (0.0, 200.0), (5.0, 50.0)),
    _p("habit_value", 0.02, "float", "utility", "benefit of taking part for someone who took part in the last "
       "12 months (civic habit)", "Gerber, Green & Shachar 2003 (voting is habit-forming); size "
       f"{A}", "citizens", (0.0, 2.0), (0.0, 0.15)),
    _p("membership_uptake", 0.2, "float", "1/year", "yearly chance a user of a mutual who does not take part "
       "joins it as a member (contributors are members at once)", f"{A}: public membership of NHS foundation "
       "trusts is a minority of patients", "citizens", (0.0, 1.0), (0.02, 0.5)),
    _p("vote_cost", 0.06, "float", "utility", "cost of voting in a mutual's yearly board election, for a citizen "
       "of average civic resources", f"{A}: calibrated to NHS foundation trust governor election turnout",
       "citizens", (0.0, 2.0), (0.02, 0.3)),
    _p("consultation_cost", 0.02, "float", "utility", "cost of answering a provider's yearly consultation, for "
       "a citizen of average civic resources", f"{A}: calibrated to the Community Life Survey's civic "
       "consultation", "citizens", (0.0, 2.0), (0.02, 0.3)),
    _p("board_size", 10, "int", "seats", "seats on a mutual's elected board (filled from members who take part)",
       "school governing boards and foundation trust councils of governors have ~10-30 members; "
       f"{A}", "citizens", (0, 100), (5, 20)),
    _p("panel_size", 8, "int", "seats", "seats on a provider's user panel where the user-panel channel exists",
       f"{A}", "participation_audit", (0, 100), (4, 15)),
    _p("satisfaction_memory", 0.3, "float", "1/month", "weight of this month's payoff in satisfaction "
       "(1 = last month only, as in Hauert's game)", f"{A}", "citizens", (0.01, 1.0), (0.1, 0.6)),
    _p("service_weight", 1.0, "float", "-", "weight of the provider's service in a user's payoff (0 leaves "
       "only the co-production game)", "model switch", "citizens", (0.0, 1.0)),
    _p("revision_rate", 0.1, "float", "1/month", "share of users who reconsider their stance each month",
       f"{A}", "citizens", (0.0, 1.0), (0.02, 0.3)),
    _p("imitation_strength", 5.0, "float", "1/utility", "selection intensity s of the Fermi imitation rule",
       f"Traulsen et al. 2006; value {A}", "citizens", (0.0, 100.0), (1.0, 20.0)),
    _p("imitation_rule", "fermi", "choice", "-", "how a reviser copies a better-off model: 'fermi' (chance "
       "logistic(s gain)) or 'proportional' (chance s max(gain, 0), pairwise proportional imitation, whose mean "
       "field is exactly the replicator dynamics; s must bound 1 / payoff differences)", "Szabo & Toke 1998; "
       "Traulsen, Claussen & Hauert 2005 (Fermi at weak selection gives the replicator dynamics); Schlag 1998 "
       "(proportional imitation)", "citizens", choices=("fermi", "proportional")),
    _p("exploration_rate", 0.01, "float", "-", "chance a revising user picks a stance at random",
       f"Hauert et al. 2002 (mutation); value {A}", "citizens", (0.0, 1.0), (0.001, 0.05)),
    _p("neighbour_imitation", 0.1, "float", "-", "share of imitation partners drawn from a neighbouring unit",
       f"{A}", "citizens", (0.0, 1.0), (0.0, 0.3)),
    _p("preference_spread_between", 0.15, "float", "design", "s.d. of units' mean preferred design",
       f"{A}: one size does not fit all", "citizens", (0.0, 0.5), (0.0, 0.3)),
    _p("preference_spread_within", 0.15, "float", "design", "s.d. of preferred design within a unit",
       f"{A}", "citizens", (0.0, 0.5), (0.05, 0.3)),
    _p("initial_contributors", 0.05, "float", "share", "share of users contributing at the start",
       f"NCVO/Citizenship Survey: ~5-10% take part in local decision making; {A}", "citizens",
       (0.0, 1.0), (0.01, 0.15)),
    _p("initial_opt_outs", 0.02, "float", "share", "share of users opting out at the start", f"{A}",
       "citizens", (0.0, 1.0), (0.0, 0.1)),
    _p("high_need_level", 2.0, "float", "need", "need of a high-need user (a standard user's is 1)", f"{A}",
       "citizens", (1.0, 10.0), (1.5, 3.0)),
    _p("high_need_share", 0.2, "float", "share", "share of users with high need (high_need_level)", f"{A}",
       "citizens", (0.0, 1.0), (0.1, 0.3)),
    _p("deprivation_clustering", 0.6, "float", "share", "weight of the unit in a citizen's deprivation (0: "
       "deprivation is spread evenly over units, 1: units are homogeneous)", f"{A}: English IMD clusters "
       "by neighbourhood", "citizens", (0.0, 1.0), (0.3, 0.9)),
    _p("trust_sensitivity", 2.0, "float", "1/utility", "slope of trust in satisfaction relative to aspiration "
       "(trust target = logistic(k (satisfaction - aspiration + 0.5)))", f"{A}", "citizens", (0.0, 20.0),
       (0.5, 5.0)),
    _p("trust_adjustment", 0.2, "float", "1/year", "how fast trust moves toward satisfaction each year",
       f"{A}", "citizens", (0.0, 1.0), (0.05, 0.5)),
    # --- lever 1: participation audit -------------------------------------------------------------------------
    _p("participation_audit", False, "bool", "-", "an annual audit of participation by deprivation quintile "
       "that targets recruitment at the least represented groups", "seed: 'A Participation Audit'",
       "participation_audit"),
    _p("channel_elections", False, "bool", "-", "elections to provider boards", "seed: 'elections to "
       "hospital trusts'", "participation_audit"),
    _p("channel_user_panels", False, "bool", "-", "user panels", "seed: 'user panels'", "participation_audit"),
    _p("channel_children", False, "bool", "-", "children's participation on boards (education sectors)",
       "seed: 'children's participation on school boards'", "participation_audit"),
    _p("channel_named_contacts", False, "bool", "-", "named contacts for streets or neighbourhoods",
       "seed: 'named policemen as contacts'", "participation_audit"),
    _p("channel_recruitment", 0.002, "float", "1/month", "monthly chance a channel asks a non-contributing user "
       "to take part", f"{A}: about 2% of users asked a year per channel", "participation_audit", (0.0, 0.5),
       (0.0005, 0.01)),
    _p("channel_cost_reduction", 0.1, "float", "share", "how much each channel lowers the cost of taking part",
       f"{A}", "participation_audit", (0.0, 0.5), (0.0, 0.25)),
    _p("channel_running_cost", 0.05, "float", "£/adult-month", "public cost of running one channel", f"{A}",
       "participation_audit", (0.0, 10.0), (0.0, 0.2)),
    # --- lever 2: decentralisation ----------------------------------------------------------------------------
    _p("local_autonomy", 0.5, "float", "share", "how far a provider may depart from the central design "
       "(0 = none, 1 = fully local)", f"seed: 'greater autonomy'; default {A}", "decentralisation",
       (0.0, 1.0)),
    _p("capacity_building", 0.0, "float", "£/adult-year", "public spending on building citizens' and workers' "
       "capacity to run services", "seed: 'build capacity'", "decentralisation", (0.0, 200.0), (0.0, 50.0)),
    _p("capacity_efficiency", 0.01, "float", "resources per £/adult-year", "civic resources gained per year "
       "per £ of capacity building per adult", f"{A}", "decentralisation", (0.0, 0.1), (0.0, 0.02)),
    # --- lever 3: recognised status ---------------------------------------------------------------------------
    _p("asset_lock", 0.5, "float", "share", "strength of the legal limits on demutualisation", "seed: "
       f"'limits on demutualisation'; default {A}", "recognised_status", (0.0, 1.0)),
    _p("demutualisation_rate", 0.05, "float", "1/year", "yearly chance a mutual with large reserves and no asset "
       "lock demutualises", f"{A}: UK building-society conversions of the 1990s", "recognised_status",
       (0.0, 1.0), (0.0, 0.2)),
    _p("quality_mark_trust", 0.1, "float", "trust", "trust gained by users of a provider with the quality "
       "mark", f"{A}", "recognised_status", (0.0, 1.0), (0.0, 0.2)),
    _p("local_bonds", False, "bool", "-", "mutuals may raise community shares and local bonds",
       "seed: 'powers to raise finance such as local bonds'", "recognised_status"),
    _p("quality_mark", False, "bool", "-", "a quality mark for mutuals that involve stakeholders: raises "
       "trust", "seed: 'a quality mark'", "recognised_status"),
    _p("quality_mark_threshold", 0.1, "float", "share", "participation a mutual needs for the quality mark",
       f"{A}", "recognised_status", (0.0, 1.0), (0.05, 0.3)),
    # --- lever 4: conversion ----------------------------------------------------------------------------------
    _p("conversions_per_year", 2, "int", "providers/year", "conversion rounds approve at most this many "
       "state services a year", f"{A}", "conversion", (0, 1000), (0, 10)),
    _p("failing_first", True, "bool", "-", "conversion starts with services that measured as failing",
       "seed: 'start with services that have clearly failed'", "conversion"),
    _p("ballot_quorum", 0.5, "float", "share", "turnout an employee ballot needs", f"{A}", "conversion",
       (0.0, 1.0), (0.3, 0.7)),
    _p("ballot_threshold", 0.5, "float", "share", "yes-share an employee ballot needs", "seed: 'an employee "
       f"ballot'; simple majority {A}", "conversion", (0.0, 1.0), (0.5, 0.67)),
    _p("ballot_turnout_centre", 0.3, "float", "engagement", "engagement at which half of workers vote",
       f"{A}", "conversion", (0.0, 1.0), (0.2, 0.4)),
    _p("ballot_turnout_slope", 6.0, "float", "logit/engagement", "how strongly engagement (motivation x "
       "morale) raises turnout in a ballot", f"{A}", "conversion", (0.0, 50.0), (2.0, 10.0)),
    _p("ballot_ownership_weight", 10.0, "float", "logit/morale", "how strongly the morale workers expect from "
       "ownership raises their support", f"{A}", "conversion", (0.0, 100.0), (0.0, 20.0)),
    _p("ballot_discontent_weight", 3.0, "float", "logit/morale", "how strongly low morale under the status quo "
       "raises support for change", f"{A}", "conversion", (0.0, 50.0), (0.0, 6.0)),
    _p("ballot_risk_weight", 2.0, "float", "logit", "how strongly the share of mutuals that failed lowers "
       "support", f"{A}", "conversion", (0.0, 50.0), (0.0, 5.0)),
    _p("conversion_spillover", 0.5, "float", "logit", "how much a neighbouring conversion raises workers' "
       "support", f"{A}", "conversion", (0.0, 5.0), (0.0, 1.5)),
    # --- lever 5: guarantor state -----------------------------------------------------------------------------
    _p("funding_level", 1.0, "float", "share", "guarantor funding relative to standard cost", "model switch: "
       "0 turns funding off", "guarantor", (0.0, 3.0), (0.8, 1.2)),
    _p("deprivation_weight", 0.1, "float", "share/quintile", "extra funding per quintile of deprivation",
       f"{A}: English funding formulas add deprivation top-ups", "guarantor", (0.0, 1.0), (0.0, 0.3)),
    _p("audit_mode", "inspection", "choice", "-", "the guarantor inspects, or enables self-audit",
       "seed: 'from straightforward inspection to enabling ... self-audit'", "guarantor",
       choices=("inspection", "self_audit", "none")),
    _p("inspection_interval", 3, "int", "years", "years between inspections", "Ofsted/CQC cycles of 3-5 "
       "years", "guarantor", (1, 20), (1, 5)),
    _p("inspection_cost", 3000.0, "float", "£/inspection", "cost of one inspection", f"{A}", "guarantor",
       (0.0, 1e6), (1000.0, 10000.0)),
    _p("inspection_noise", 0.15, "float", "quality", "s.d. of an inspector's error on non-contractible "
       "quality", f"{A}", "guarantor", (0.0, 2.0), (0.05, 0.3)),
    _p("self_audit_cost", 500.0, "float", "£/audit", "cost of one self-audit", f"{A}", "guarantor",
       (0.0, 1e6), (100.0, 2000.0)),
    _p("self_audit_noise", 0.3, "float", "quality", "s.d. of a self-audit's error with no participation and "
       "no training", f"{A}", "guarantor", (0.0, 2.0), (0.1, 0.5)),
    _p("self_audit_bias", 0.05, "float", "quality", "optimism of a self-audit with no participation and no "
       "training (it shrinks with both)", f"{A}: stakeholders judging their own service", "guarantor",
       (0.0, 2.0), (0.0, 0.15)),
    _p("self_audit_training", 0.5, "float", "share", "how much training reduces self-audit error", "seed: "
       "'equipping stakeholders with the skills to self-audit'", "guarantor", (0.0, 1.0)),
    _p("quality_standard", 0.75, "float", "quality", "minimum measured quality; below it twice is failure",
       f"{A}", "guarantor", (0.0, 3.0), (0.6, 0.9)),
    _p("social_investment", False, "bool", "-", "citizens invest savings in mutuals, matched by the state",
       "seed: 'supplemented by social investment from citizens'", "guarantor"),
    _p("investment_match", 0.5, "float", "£/£", "public match per £ of community investment", f"{A}",
       "guarantor", (0.0, 5.0), (0.0, 1.0)),
    _p("savings_rate", 2.0, "float", "£/adult-month", "what a citizen can set aside for social investment",
       f"{A}", "guarantor", (0.0, 100.0), (0.5, 5.0)),
    _p("investment_propensity", 0.5, "float", "share", "share of savings a fully trusting investor puts in "
       "each year (scaled by trust)", f"{A}", "guarantor", (0.0, 1.0), (0.1, 0.8)),
    _p("capital_depreciation", 0.1, "float", "1/year", "depreciation of community-financed capital",
       f"{A}: ten-year asset life", "guarantor", (0.0, 1.0), (0.05, 0.2)),
    _p("investment_return", 0.02, "float", "1/year", "yearly return paid on community investment", f"{A}",
       "guarantor", (0.0, 0.2), (0.0, 0.05)),
    _p("capital_productivity", 0.06, "float", "quality per year of unit cost", "quality gained from community-"
       "financed capital per need-weighted user, measured in years of the sector's unit cost", "neutral: the user "
       "cost of capital (Jorgenson 1963) - a pound of capital held for a year buys what the same pound spent on "
       "running the service would, alpha x (capital_depreciation + investment_return) = 0.5 x 0.12; that "
       "community capital is more productive than spending is the proposal's claim, covered by the plausible range",
       "guarantor", (0.0, 5.0), (0.03, 0.5)),
    _p("secondary_mutuals", False, "bool", "-", "mutuals of a sector federate across neighbouring units, "
       "pooling fixed costs and reserves", "seed: 'local education authorities as secondary mutuals'",
       "recognised_status"),
    _p("federation_saving", 0.3, "float", "share", "share of fixed cost a federation saves its members",
       f"{A}", "recognised_status", (0.0, 1.0), (0.1, 0.5)),
    # --- provider kinds ---------------------------------------------------------------------------------------
    _p("user_choice", "off", "choice", "-", "may users switch to a neighbouring unit's provider, with money "
       "following them? a factor of its own, held equal across kinds when regimes are compared ('regime_default': "
       "only in privatised sectors, the quasi-market bundle)", "Le Grand 2007 (choice and competition)", "choice",
       choices=("off", "on", "regime_default")),
    _p("switch_cost", 0.2, "float", "utility", "cost of switching provider", f"{A}", "regime", (0.0, 5.0),
       (0.0, 0.5)),
    _p("exit_sensitivity", 10.0, "float", "1/utility", "logit sensitivity of switching to the utility gain",
       f"{A}", "regime", (0.0, 100.0), (2.0, 20.0)),
    _p("choice_outside_bonus", 0.1, "float", "utility", "rise of the outside option where a market exists",
       f"{A}", "regime", (0.0, 2.0), (0.0, 0.3)),
    _p("back_office_cost", 0.08, "float", "share", "back-office cost (finance, HR, legal) as a share of a "
       "provider's funding, borne by every kind out of its income (a state department through the council's "
       "recharge for central services)", "CIPFA central support costs of English councils (~5-10%)", "regime",
       (0.0, 0.5), (0.03, 0.15)),
    _p("contract_years", 5, "int", "years", "length of a contract before re-tendering", "UK outsourcing "
       "practice of 3-7 years", "regime", (1, 30), (3, 10)),
    _p("incumbent_advantage", 0.7, "float", "share", "chance an incumbent contractor in good standing wins the "
       "re-tender", f"{A}: UK re-tenders mostly renew incumbents", "regime", (0.0, 1.0), (0.4, 0.9)),
    _p("tender_cost_rate", 0.027, "float", "share", "public cost of running one tender (specification, "
       "procurement, evaluation, award), as a share of the contract's value over its term",
       "Brown, Potoski, Baekkeskov & Petersen 2019 (72 Danish local contracts: ex ante transaction costs "
       "average 2.7% of contract value)", "regime", (0.0, 0.5), (0.01, 0.06)),
    _p("tender_saving", 0.0, "float", "share", "price reduction competition wins at each (re-)tender: a "
       "contractor is paid (1 - s) of the funding formula", "Bel, Fageda & Warner 2010 (meta-regression: no "
       "genuine cost saving from private production); Petersen, Hjelmar & Vrangbaek 2018 (savings small in "
       "social services, falling over time): neutral by default", "regime", (0.0, 0.5), (0.0, 0.1)),
    _p("monitoring_cost", 0.03, "float", "share", "public cost of commissioning and performance-managing a "
       "service (a department's service plan and reviews, a contract, a mutual's funding agreement), as a "
       "share of its funding, borne for every kind", "UK contract management estimates of 2-5%; in-house "
       "services are performance-managed too", "regime", (0.0, 0.5), (0.01, 0.08)),
    _p("independent_monitoring_premium", 0.0, "float", "share", "extra public cost of managing an "
       "independent provider's contract or agreement beyond what an in-house service costs to manage",
       "Petersen, Hjelmar & Vrangbaek 2018: few studies measure ex post transaction costs; neutral by "
       "default", "regime", (0.0, 0.5), (0.0, 0.05)),
    _p("mutual_governance_cost", 0.0, "float", "share", "extra cost of a mutual's member governance (board, "
       "members' meetings) as a share of income, beyond the governance every provider has",
       f"{A}: no source found; neutral by default", "regime", (0.0, 0.5), (0.0, 0.05)),
    _p("manager_share", 0.5, "float", "share", "lambda: share of returns a state manager captures (before the "
       "halving for renegotiation)", "Hart, Shleifer & Vishny 1997", "regime", (0.0, 1.0), (0.2, 0.8)),
    _p("member_internalisation", 0.0, "float", "-", "how fully a mutual's participating members bear the "
       "quality damage of cost cutting (0 makes a mutual's cost side a state manager's)", "Mayo & Moore 2001 "
       "(the claim); direction as in Hansmann 1996 on patron ownership; size unknown: neutral by default, the "
       "plausible range covers the claim", "regime", (0.0, 3.0), (0.0, 2.0)),
    _p("mutual_innovation_share", 0.5, "float", "-", "share of its innovation gain a mutual captures, times "
       "lambda (0.5: like HSV's manager, the commissioner's approval is needed; 1: kept without renegotiation)",
       "Hart, Shleifer & Vishny 1997 (manager: lambda beta/2); 1 is the proposal's claim: neutral by default",
       "regime", (0.0, 1.0), (0.5, 1.0)),
    _p("hsv_incentives", True, "bool", "-", "providers pursue their own kind's objective: a contractor keeps "
       "cost savings and half of innovation gains, a state manager and a mutual capture a share lambda/2 "
       "(false: every kind has the state manager's objective)", "Hart, Shleifer & Vishny 1997",
       "regime"),
    _p("kind_governance", True, "bool", "-", "each kind's design follows its own channel: a department hears "
       "voice once a year, a mutual's members every month, a contractor follows its contract (reviewed on users' "
       "voice contractor_hearings_per_year times a year) or, under choice, its market "
       "(false: every kind consults once a year as a department does)", "DESIGN §2; Hirschman 1970; "
       "Mayo & Moore 2001", "regime"),
    _p("contractor_hearings_per_year", 1.0, "float", "1/year", "how often a year a contract's design is revised "
       "on what the service's users say (1: a yearly contract review, as a department's yearly review; 0: the "
       "contract fixes the design for its term, revised only at re-tender)", "every registered care provider "
       "must seek and act on feedback (Health and Social Care Act 2008 (Regulated Activities) Regulations 2014 "
       "reg. 17(2)(e)) and the council keeps its best-value duty to consult (Local Government Act 1999 s.3(2)); "
       "that a contract fixes the design (Bajari & Tadelis 2001: changes need costly renegotiation) is the "
       "claim: neutral by default, the plausible range covers it", "regime", (0.0, 12.0), (0.0, 1.0)),
    _p("independent_status", True, "bool", "-", "contractors and mutuals are independent bodies: they keep or "
       "pay out surpluses, can become insolvent, are rescued or re-let on failure, and contracts are "
       "re-tendered (false: every kind is run as a department: underspend returned, deficits covered, "
       "step-in on failure)", "Local Government Finance Act 1988 s.114 (a department has no balance sheet); "
       "Public Contracts Regulations 2015 (re-tendering); CIC asset lock (Companies (Audit, Investigations "
       "and Community Enterprise) Act 2004)", "regime"),
    _p("cost_reduction_scale", 0.3, "float", "-", "gamma in c(e) = 2 gamma sqrt(e)",
       f"Hart, Shleifer & Vishny 1997 (functional form); value {A}", "regime", (0.0, 1.0),
       (0.1, 0.45)),
    _p("innovation_scale", 0.3, "float", "-", "delta in beta(i) = 2 delta sqrt(i)",
       f"Hart, Shleifer & Vishny 1997 (functional form); value {A}", "regime", (0.0, 1.0),
       (0.1, 0.45)),
    _p("effort_learning", 0.5, "float", "log effort/year", "largest yearly relative step of a provider's "
       "adaptive effort revision: e <- e exp(rate tanh(dV/de) + noise)", f"{A}", "regime", (0.0, 3.0),
       (0.2, 1.0)),
    _p("effort_noise", 0.05, "float", "log effort", "s.d. of the relative noise in providers' effort "
       "revisions", f"{A}", "regime", (0.0, 1.0), (0.0, 0.2)),
    _p("quality_elasticity", 0.5, "float", "-", "alpha: elasticity of quality to spending per user",
       f"{A}: diminishing returns", "regime", (0.0, 2.0), (0.2, 0.8)),
    _p("coproduction_substitution", 0.5, "float", "share", "share of the value of contributors' time that "
       "substitutes paid staff time", f"Bovaird 2007; value {A}", "regime", (0.0, 1.0),
       (0.0, 1.0)),
    _p("value_of_time", 100.0, "float", "£/utility", "£ value of one utility unit of citizens' time, to price "
       "volunteer time in total cost", f"{A}", "regime", (0.0, 10000.0), (20.0, 300.0)),
    _p("central_design_noise", 0.05, "float", "design", "s.d. of the centre's error in estimating the "
       "authority-wide preference", f"{A}", "regime", (0.0, 0.5), (0.0, 0.15)),
    _p("voice_speed", 0.3, "float", "1/month", "omega: how fast governance moves a design toward its "
       "participants' preference at full participation", f"{A}", "regime", (0.0, 1.0), (0.05, 0.6)),
    _p("voice_half_participation", 0.05, "float", "share", "participation at which governance has half its "
       "full strength: f(p) = p / (p + h) scales voice speed and members' stake in quality", f"{A}", "regime",
       (0.001, 1.0), (0.02, 0.2)),
    _p("reserve_drawdown", 0.1, "float", "1/month", "share of reserves above one month's income a mutual "
       "reinvests in its service each month (asset lock: never distributed)", "CIC asset lock (surpluses stay "
       f"in the enterprise); rate {A}", "regime", (0.0, 1.0), (0.02, 0.3)),
    _p("need_weighted_capitation", True, "bool", "-", "per-user funding is weighted by need (false: flat, which "
       "invites cream-skimming under choice)", "Le Grand 2003; Propper et al. on cream-skimming", "guarantor"),
    _p("contractor_incentive", 0.0, "float", "share", "worker effort gained from a contractor's high-powered "
       "incentives", "Burgess & Ratto 2003 (incentives can raise effort or crowd out motivation and distort "
       "multi-task work: sign and size unknown): neutral by default", "workers", (0.0, 1.0), (0.0, 0.2)),
    _p("ballot_support", 0.0, "float", "logit", "workers' baseline leaning for mutual status in a ballot",
       f"{A}: neutral", "conversion", (-10.0, 10.0), (-1.0, 1.0)),
    _p("market_speed", 0.1, "float", "1/month", "how fast a contractor moves its design toward profitable "
       "users under choice", f"{A}", "regime", (0.0, 1.0), (0.02, 0.3)),
    _p("step_in_years", 2, "int", "years", "how long the guarantor runs a failed mutual's service before a "
       "successor mutual takes it over (if it no longer fails)", f"{A}: interim management of 1-3 years, as in "
       "NHS and academy trust interventions", "guarantor", (1, 50), (1, 5)),
    _p("address_causes", True, "bool", "-", "after a quality failure the guarantor diagnoses its cause (cost "
       "cutting, workforce or spending) and an improvement plan addresses it, whoever runs the service next "
       "(false: the ablation - only the change of operator or the support grant)", "Boyne 2006 (public service "
       "turnaround: retrenchment, repositioning, reorganisation); Ofsted/CQC improvement plans; issue 7",
       "guarantor"),
    _p("turnaround_cost", 1500.0, "float", "£/worker", "public cost of a workforce plan (training, support) per "
       "worker of a service that failed for its workforce", f"{A}: a few days' training per worker",
       "guarantor", (0.0, 1e5), (500.0, 5000.0)),
    _p("insolvency_months", 3.0, "float", "months", "a provider whose debt exceeds this many months of "
       "income is insolvent", f"{A}", "regime", (0.0, 60.0), (1.0, 6.0)),
    # --- workers ----------------------------------------------------------------------------------------------
    _p("worker_motivation", 0.6, "float", "share", "mean intrinsic public-service motivation", "Perry 1996; "
       f"Francois 2000; value {A}", "workers", (0.0, 1.0), (0.4, 0.8)),
    _p("motivation_spread", 0.15, "float", "share", "s.d. of workers' intrinsic motivation", f"{A}", "workers",
       (0.0, 0.5), (0.05, 0.25)),
    _p("morale_baseline", 0.5, "float", "share", "morale target with no autonomy, ownership, pay gap or excess "
       "workload", f"{A}", "workers", (0.0, 1.0), (0.4, 0.6)),
    _p("market_wage", 2000.0, "float", "£/month", "market wage of a service worker", "ONS ASHE order of "
       "magnitude", "workers", (0.0, 1e5), (1500.0, 3000.0)),
    _p("contractor_wage_cut", 0.0, "float", "share", "share of a contractor's cost reduction taken from wages "
       "(lower pay lowers morale)", "IDS 2006 (private care providers pay 10-13% less than not-for-profit "
       "ones) and Skills for Care pay data show sector pay gaps, but not that outsourcing itself cuts pay: "
       "neutral by default", "workers", (0.0, 1.0), (0.0, 1.0)),
    _p("morale_adjustment", 0.1, "float", "1/month", "how fast morale moves toward its target", f"{A}",
       "workers", (0.0, 1.0), (0.02, 0.3)),
    _p("autonomy_morale", 0.2, "float", "morale", "morale gained from full local autonomy",
       f"Deci & Ryan (self-determination); size {A}", "workers", (0.0, 1.0), (0.0, 0.4)),
    _p("ownership_morale", 0.0, "float", "morale", "morale gained from being a member of a mutual",
       "O'Boyle, Patel & Gonzalez-Mule 2016 (meta-analysis: employee ownership and performance r = 0.04, "
       "small); SEUK 2019 (self-reported engagement in public service mutuals): neutral by default",
       "workers", (0.0, 1.0), (0.0, 0.15)),
    _p("pay_morale", 1.0, "float", "morale per pay ratio", "morale change per unit of pay relative to the "
       "market", f"{A}", "workers", (0.0, 5.0), (0.3, 2.0)),
    _p("workload_morale", 0.5, "float", "morale per workload", "morale lost per unit of excess workload",
       f"{A}", "workers", (0.0, 5.0), (0.1, 1.0)),
    _p("burnout_rate", 0.05, "float", "1/month", "how fast burnout builds under excess workload and fades "
       "without it", f"{A}", "workers", (0.0, 1.0), (0.01, 0.15)),
    _p("reference_morale", 0.6, "float", "share", "morale of a new hire, at which a worker quits at the base "
       "rate", f"{A}", "workers", (0.0, 1.0), (0.5, 0.7)),
    _p("failing_morale", 0.1, "float", "morale", "morale lost while one's provider is measured as failing",
       f"{A}", "workers", (0.0, 1.0), (0.0, 0.2)),
    _p("new_hire_penalty", 0.3, "float", "share", "productivity a new hire lacks, fading over about a year",
       f"{A}: learning on the job", "workers", (0.0, 1.0), (0.1, 0.5)),
    _p("quit_base_rate", 0.015, "float", "1/month", "monthly quit chance at average morale", "UK social care "
       "and education turnover of ~15-30% a year", "workers", (0.0, 1.0), (0.005, 0.03)),
    _p("quit_morale_sensitivity", 5.0, "float", "logit/morale", "how much low morale raises quitting",
       f"{A}", "workers", (0.0, 50.0), (2.0, 10.0)),
    _p("minimum_staff", 10, "int", "people", "fewest people a service with users employs, however small its "
       "FTE (part-time and casual staff cover opening hours, leave and sickness)", "a leisure centre open 80-100 "
       "hours a week is run by tens of people (Leatherhead Leisure Centre: 52 FTE, 100 staffed hours a week); "
       "about 40% of public leisure trusts' 46,000 workers are casual (Community Leisure UK 2020); UK social "
       "care and schools report most staff part-time; issue 7: 'a staff of tens'", "workers", (1, 1000), (5, 20)),
    _p("hiring_cost", 3000.0, "float", "£/hire", "cost of replacing a worker who quits", "CIPD recruitment "
       "cost surveys (order of magnitude)", "workers", (0.0, 1e5), (1000.0, 6000.0)),
    # --- need shocks ------------------------------------------------------------------------------------------
    _p("need_shock_month", -1, "int", "month", "month in which needs shift (-1: never)", "scenario switch",
       "need_shock", (-1, 10_000)),
    _p("need_shock_size", 0.3, "float", "design", "how far preferred designs move in affected units",
       f"{A}", "need_shock", (-1.0, 1.0), (0.1, 0.5)),
    _p("need_shock_share", 0.5, "float", "share", "share of units hit by the shift", f"{A}", "need_shock",
       (0.0, 1.0)),
]

def _sector_parameters() -> list[Parameter]:
    out = []
    for sector in SECTORS.values():
        for fname, (unit, desc, bounds) in SECTOR_FIELDS.items():
            value = getattr(sector, fname)
            plausible = (max(bounds[0], value * 0.5), min(bounds[1], value * 1.5)) if value else bounds
            out.append(Parameter(f"{sector.name}.{fname}", value, "float", unit, f"{sector.name}: {desc}",
                                 SECTOR_SOURCE, "sectors", bounds, plausible))
    return out


def _sector_regimes() -> list[Parameter]:
    """A scenario may mix kinds across sectors: each sector can override the authority's regime."""
    return [Parameter(f"{s}.regime", "inherit", "choice", "-", f"{s}: who runs this service ('inherit': the "
                      "authority's regime)", "DESIGN §3: a scenario may mix kinds across sectors", "regime",
                      choices=("inherit",) + REGIMES) for s in SECTORS]


REGISTRY: dict[str, Parameter] = {p.name: p for p in _GLOBAL + _sector_parameters() + _sector_regimes()}


def defaults() -> dict[str, Any]:
    """Every parameter at its default, in canonical form."""
    return {name: p.validate(p.default) for name, p in REGISTRY.items()}


def validate(overrides: dict[str, Any]) -> dict[str, Any]:
    """Complete ``overrides`` with defaults; raise ParameterError on unknown names or bad values, or a
    district too large for this machine's memory (checked before anything is allocated)."""
    if not isinstance(overrides, dict):
        raise ParameterError(f"parameters: {type(overrides).__name__} is not allowed; expected a dict of "
                             f"parameter name -> value")
    unknown = [k for k in overrides if not isinstance(k, str) or k not in REGISTRY]
    if unknown:
        raise ParameterError(f"{unknown[0]!s}: unknown parameter; see sim.parameters.REGISTRY for the "
                             f"{len(REGISTRY)} known ones{_suggest(unknown[0])}")
    params = defaults()
    for k, v in overrides.items():
        params[k] = REGISTRY[k].validate(v)
    check_imitation(params)
    check_memory(params)
    return params


def payoff_spread(params: dict[str, Any]) -> float:
    """The largest difference between two satisfactions the model can produce when the service carries no
    weight in payoffs (``service_weight = 0``): over the modelled sectors, the best payoff (a loner's sigma, a
    defector among N - 1 contributors, a contributor in a group of contributors at the lowest personal cost
    plus the most voice value, or the initial 0) minus the worst (sigma, a defector with no contributors, the
    one contributor among N - 1 defectors at the highest personal cost). Satisfaction is an average of these.
    Under Hauert's game (``optional_public_goods_game``) it is max(r c (N - 1) / N, sigma) - min(r c / N - c,
    sigma)."""
    c, n, g = params["participation_cost"], params["group_size"], params["resource_gradient"]
    cost_max = c * max(1.0 + 0.5 * g, 0.05)  # civic resources lie in [0, 1]; channels only lower the cost
    channels = sum(bool(params[f"channel_{k}"]) for k in ("elections", "user_panels", "children", "named_contacts"))
    cost_min = c * max(1.0 - 0.5 * g, 0.05) * max(1.0 - params["channel_cost_reduction"] * channels, 0.0)
    voice_max = params["voice_value"] * params["aspiration"]  # efficacy <= 1, dissatisfaction <= aspiration
    bonus = params["choice_outside_bonus"] if params["user_choice"] != "off" else 0.0
    spread = 0.0
    for s in params["sectors"]:
        r, sigma = params[f"{s}.coproduction_r"], params[f"{s}.outside_option"]
        best = max(sigma, sigma + bonus, 0.0, r * c * (n - 1) / n, r * c - cost_min + voice_max)
        worst = min(sigma, 0.0, r * c / n - cost_max)
        spread = max(spread, best - worst)
    return spread


def check_imitation(params: dict[str, Any]) -> None:
    """Pairwise proportional imitation copies with chance s * gain, which must stay a probability: refuse, before
    the run starts, a parameter set under which it could exceed 1 (Schlag 1998: 1 / s bounds the payoff
    differences). The bound is known only where the service carries no weight in payoffs."""
    if params["imitation_rule"] != "proportional":
        return
    if params["service_weight"] > 0:
        raise ParameterError(
            f"imitation_rule: 'proportional' needs payoff differences bounded up front, but with service_weight = "
            f"{_fmt(params['service_weight'])} payoffs include the service's quality, which has no bound; set "
            "service_weight = 0 (as sim.optional_public_goods_game() does) or imitation_rule = 'fermi'")
    spread = payoff_spread(params)
    if spread > 0 and params["imitation_strength"] * spread > 1.0 + 1e-9:
        raise ParameterError(
            f"imitation_strength: {_fmt(params['imitation_strength'])} is not allowed under imitation_rule = "
            f"'proportional'; it must be at most 1 / {spread:.4g} = {1.0 / spread:.4g}, one over the largest payoff "
            "difference that <sector>.coproduction_r, <sector>.outside_option, participation_cost, group_size, "
            "resource_gradient, channel_cost_reduction, voice_value, aspiration and choice_outside_bonus allow")


# Memory a district needs at its peak (tracemalloc over construction and two months, 4*10^4 and 10^5 adults,
# one, three and twelve sectors: 63, 71 and 209 bytes per adult), rounded up by a quarter: per adult for the
# person-level arrays, and per (adult, sector) slot of a needed service.
BYTES_PER_ADULT = 64
BYTES_PER_SLOT = 48


def model_bytes(params: dict[str, Any]) -> int:
    """Upper estimate of the memory a model with these (validated) parameters allocates."""
    adults = params["n_units"] * params["unit_size"][1]
    slots = sum(adults * params[f"{s}.need_prevalence"] for s in params["sectors"])
    return int(adults * BYTES_PER_ADULT + slots * BYTES_PER_SLOT)


def available_memory() -> int:
    """Bytes this process can still allocate: MemAvailable from /proc/meminfo (physical memory elsewhere)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_memory(params: dict[str, Any]) -> None:
    """Refuse a district whose arrays would not fit in memory, before they are allocated."""
    need, have = model_bytes(params), available_memory()
    if need > have:
        adults = params["n_units"] * params["unit_size"][1]
        per_adult = need / max(adults, 1)
        raise ParameterError(
            f"n_units x unit_size: {params['n_units']} units of up to {params['unit_size'][1]} adults "
            f"({adults:,} adults) need about {need / 2**30:.1f} GiB, but only {have / 2**30:.1f} GiB of memory "
            f"is available; expected at most about {int(have / per_adult):,} adults with these sectors")


def _suggest(name: Any) -> str:
    import difflib

    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, REGISTRY, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def optional_public_goods_game(r: float = 3.0, sigma: float = 1.0, group_size: int = 5,
                               participation_cost: float = 1.0, **extra: Any) -> dict[str, Any]:
    """The parameter set under which the model reduces exactly to Hauert et al.'s (2002) optional PGG.

    No funding, no service in the payoff, no design fit, no voice value, uniform cost, no recruitment, no
    choice, no regulation, satisfaction = last round's payoff, and stances revised by pairwise proportional
    imitation with ``imitation_strength`` = 1 / (the largest payoff difference the game allows), no
    exploration (pass ``exploration_rate`` for Hauert's rare mutations). In a large well-mixed population
    (one unit) the stance shares then follow Hauert et al.'s replicator dynamics with time scale
    ``revision_rate * imitation_strength`` per month. ``r`` and ``sigma`` are set for every modelled sector.
    Each argument is checked against the registry's bounds of the parameter it sets, named as given here.
    """
    checked = {"r": ("health.coproduction_r", r), "sigma": ("health.outside_option", sigma),
               "group_size": ("group_size", group_size), "participation_cost": ("participation_cost",
                                                                                  participation_cost)}
    for argument, (name, value) in checked.items():
        try:
            REGISTRY[name].validate(value)
        except ParameterError as e:
            raise ParameterError(argument + str(e)[len(name):]) from None
    r, sigma, group_size, participation_cost = (_plain(v) for v in (r, sigma, group_size, participation_cost))
    params: dict[str, Any] = {
        "funding_level": 0.0, "service_weight": 0.0, "voice_value": 0.0, "resource_gradient": 0.0,
        "participation_cost": participation_cost, "group_size": group_size, "satisfaction_memory": 1.0,
        "channel_recruitment": 0.0, "user_choice": "off", "audit_mode": "none", "capacity_building": 0.0,
        "choice_outside_bonus": 0.0, "conversions_per_year": 0, "social_investment": False,
        "initial_contributors": 1 / 3, "initial_opt_outs": 1 / 3, "imitation_rule": "proportional",
        "exploration_rate": 0.0, "revision_rate": 0.2, "motive_share": 0.0,
    }
    sectors = extra.get("sectors", DEFAULT_SECTORS)
    sectors = SECTOR_NAMES if sectors == "all" else sectors
    for s in sectors:
        params[f"{s}.coproduction_r"] = r
        params[f"{s}.outside_option"] = sigma
        params[f"{s}.need_volatility"] = 0.0
    params.update(extra)
    if "imitation_strength" not in extra:
        # The largest payoff difference the game allows, max(r c (N - 1) / N, sigma) - min(r c / N - c, sigma),
        # or more where ``extra`` adds to it (a voice value, a gradient in the cost of taking part).
        spread = payoff_spread(validate({**params, "imitation_strength": 0.0}))
        params["imitation_strength"] = 1.0 / spread if spread > 0 else 1.0
    return params


# Every difference between provider kinds, at the setting that makes the kinds behave alike (sim/providers/).
NEUTRAL_KINDS: dict[str, Any] = {
    "hsv_incentives": False, "kind_governance": False, "independent_status": False,
    "contractor_hearings_per_year": 1.0, "member_internalisation": 0.0, "mutual_innovation_share": 0.5, "independent_monitoring_premium": 0.0,
    "mutual_governance_cost": 0.0, "tender_saving": 0.0, "contractor_wage_cut": 0.0, "contractor_incentive": 0.0,
    "ownership_morale": 0.0, "audit_mode": "inspection", "quality_mark": False, "social_investment": False,
    "demutualisation_rate": 0.0, "user_choice": "off",
}


def neutral_kinds(**extra: Any) -> dict[str, Any]:
    """The parameter set under which state departments, contractors and mutuals behave identically: the null
    model every regime difference is measured from (like ``optional_public_goods_game``).

    Every kind difference (ODD §2.4) is off: HSV's objectives, each kind's design channel, independent status
    (surplus, insolvency, failure remedy, re-tendering), and the kind parameters at their neutral values; the
    proposal's kind-specific levers (self-audit, quality mark, social investment, demutualisation) are off
    and users do not choose. ``extra`` adds or overrides parameters (a lever applied to every kind alike).
    """
    return {**NEUTRAL_KINDS, **extra}


TABLE_BEGIN = "<!-- parameter-table:begin (generated by sim.parameters.markdown_table; do not edit by hand) -->"
TABLE_END = "<!-- parameter-table:end -->"


def markdown_table() -> str:
    """The ODD's parameter table, generated from the registry so that the two cannot drift apart."""
    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    def show(p: Parameter, value: Any) -> str:
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value) if p.kind == "sectors" else f"{value[0]}–{value[1]}"
        return _fmt(value) if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)

    lines = [TABLE_BEGIN, "", "| parameter | default | unit | allowed | plausible (sensitivity) | lever | meaning | source |",
             "|---|---|---|---|---|---|---|---|"]
    for p in REGISTRY.values():
        allowed = p.allowed() if p.kind in ("bool", "choice", "sectors") else f"{_fmt(p.bounds[0])} to {_fmt(p.bounds[1])}"
        plausible = f"{_fmt(p.plausible[0])} to {_fmt(p.plausible[1])}" if p.plausible else "–"
        lines.append(f"| `{p.name}` | {cell(show(p, p.default))} | {cell(p.unit)} | {cell(allowed)} | {plausible} | "
                     f"{p.lever} | {cell(p.description)} | {cell(p.source)} |")
    lines += ["", TABLE_END]
    return "\n".join(lines)
