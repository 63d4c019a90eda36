"""The comparison of regimes every surface runs, and when it reads them: defined once here.

The dashboard's Compare page, ``mutual-state compare`` and ``make compare`` (``scenarios/compare_regimes.toml``)
answer one question, so they read it the same way: the three regimes on common random numbers, each run's
outcome its mean over an outcome window of ten years after a fifteen-year burn-in (ODD §2, "Steady state").
A shorter run is read over the last half of it (at most the window) and called a transient; every reading is
tested for drift over its window (``sim.experiments.analysis.drift``, the report's steady-state test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .estimation.draws import replicate_draw, shipped_posterior_fields
from .experiments.analysis import DRIFT_ALPHA, DRIFT_TOLERANCE, drift
from .experiments.schema import Scenario, ScenarioError, scenario_from_dict
from .metrics_catalogue import HEADLINE_METRICS
from .parameters import REGISTRY
from .proposal import LEVERS
from .regimes import regime_noun

#: The regimes compared: who runs services at the start (the conversion path is an option of the dashboard).
COMPARED_REGIMES = ("state", "privatised", "mutual")

#: Months before outcomes are read: participation, the slowest metric, settles within about fifteen years.
BURN_IN_MONTHS = 180

#: Months a run's outcome averages over: long enough for three-year inspections and five-year contracts.
OUTCOME_WINDOW_MONTHS = 120

#: A run long enough to be read at the steady state: the burn-in, then the outcome window (25 years).
STEADY_STATE_MONTHS = BURN_IN_MONTHS + OUTCOME_WINDOW_MONTHS


def outcome_window(steps: int) -> int:
    """The months at the end of a run of ``steps`` whose mean is its outcome: the outcome window, or the last
    half of a run too short for it (as ``sim.attribute_differences`` reads by default)."""
    return min(OUTCOME_WINDOW_MONTHS, max(1, steps // 2))


def at_steady_state(steps: int) -> bool:
    """Is a run of ``steps`` months read after the whole burn-in?"""
    return steps - outcome_window(steps) >= BURN_IN_MONTHS


def comparison_scenario(params: dict[str, Any], steps: int, replicates: int, seed: int,
                        regimes: tuple[str, ...] = COMPARED_REGIMES, metrics: list[str] | None = None,
                        name: str = "compare") -> Scenario:
    """The comparison as a scenario: ``regime`` varied on common random numbers, everything else fixed, read
    over :func:`outcome_window`, against state departments; errors (``sim.ScenarioError``) name the field."""
    regimes = list(regimes)
    return _regime_scenario(name, "The regimes compared on common random numbers.", params, steps, replicates,
                            seed, {"kind": "factorial", "factors": {"regime": regimes}},
                            "state" if "state" in regimes else regimes[0], metrics)


def replicate_parameters(scenario: Scenario, replicate: int) -> dict[str, Any]:
    """The estimated parameters replicate ``replicate`` of a comparison runs at (its posterior draw; nothing
    when the comparison runs at the defaults): what a run that repeats it, or explains it, must set."""
    return replicate_draw(scenario, replicate)


def _regime_scenario(name: str, description: str, params: dict[str, Any], steps: int, replicates: int, seed: int,
                     design: dict[str, Any], baseline: str, metrics: list[str] | None) -> Scenario:
    """A scenario that compares regimes against ``baseline`` over the outcome window: what the comparison and
    today-against-a-package share (a scenario file's tables hold lists, not tuples)."""
    analysis: dict[str, Any] = {"compare": "regime", "baseline": baseline, "window": outcome_window(steps)}
    if metrics:
        analysis["metrics"] = list(metrics)
    return scenario_from_dict({
        "name": name, "description": description, "steps": steps, "replicates": replicates, "seed": seed,
        "params": _as_lists(params), "design": design, "analysis": analysis,
        **shipped_posterior_fields(params, replicates),  # each replicate at its own draw (ODD §9 D-E6)
    }, "comparison settings")


def _as_lists(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as a scenario file holds them: a tuple (a range such as ``unit_size``) as a list."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in settings.items()}


# ------------------------------------------------------------------------------------------------ against today
#: Today's services: state departments with every lever at its registry default.
TODAY = "state"

#: The registry's lever groups a package of reforms may set: the proposal's five levers, and user choice.
PACKAGE_LEVERS = (*(name for name, _, _ in LEVERS), "choice")


#: The district's size, which today and the package share: where the comparison happens, not what it changes.
DISTRICT = ("n_units", "unit_size")


def split_package(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the district and everything else both sides share, the package's lever settings) of a page's settings."""
    package = {key: value for key, value in params.items()
               if REGISTRY[key].lever in PACKAGE_LEVERS and key not in DISTRICT}
    return {key: value for key, value in params.items() if key not in package}, package


def reform_scenario(params: dict[str, Any], regime: str, steps: int, replicates: int, seed: int,
                    metrics: list[str] | None = None, name: str = "against_today") -> Scenario:
    """Today's services against a package, as ``scenarios/the_proposal.toml`` asks it: state departments at
    today's settings against ``regime`` with the package's levers (those of ``params``; the rest of ``params``,
    the district, holds on both sides), paired on common random numbers and read over the outcome window."""
    if regime == TODAY:
        raise ScenarioError(f"regime: the package's regime must differ from today's ({TODAY}); expected one of "
                            + ", ".join(r for r in REGISTRY["regime"].choices if r != TODAY))
    shared, package = split_package(params)
    design = {"kind": "list", "conditions": [{"regime": TODAY}, {"regime": regime, **_as_lists(package)}]}
    return _regime_scenario(name, "Today's services against a package of reforms.", shared, steps, replicates,
                            seed, design, TODAY, metrics)


# ------------------------------------------------------------------------------------------------ in words
def months_text(first: int, last: int) -> str:
    """"months 181–300 (years 16–25)": a span of months, and of years when it is whole years."""
    first_year, last_year = (first - 1) // 12 + 1, last // 12
    whole_years = first % 12 == 1 and last % 12 == 0
    years = "" if not whole_years else f"year {last_year}" if first_year == last_year else \
        f"years {first_year}–{last_year}"
    return f"months {first}–{last}" + (f" ({years})" if years else "")


@dataclass(frozen=True)
class Reading:
    """When a comparison's outcomes were read, whether that is the steady state, and what still moves."""

    steps: int
    window: int
    moving: pd.DataFrame  # the drift test's rows that drift (metric, regime, change, scale, p_holm)

    @property
    def span(self) -> str:
        """The months whose mean is a run's outcome, in words."""
        return months_text(self.steps - self.window + 1, self.steps)

    @property
    def steady(self) -> bool:
        return at_steady_state(self.steps)

    @property
    def words(self) -> str:
        """ "Outcomes are read over months 181–300 (years 16–25), after a fifteen-year burn-in ..." or, for a
        shorter run, the same said as a transient."""
        first, last = self.steps - self.window + 1, self.steps
        burn_in = BURN_IN_MONTHS // 12
        if self.steady:
            return (f"Outcomes are each run's mean over {months_text(first, last)}, after a burn-in of "
                    f"{(first - 1) // 12:g} years: the steady state, as `make compare` reads it.")
        return (f"Transient: outcomes are each run's mean over {months_text(first, last)}, before a {burn_in}-year "
                f"burn-in has passed; the steady state (`make compare`) is read over "
                f"{months_text(BURN_IN_MONTHS + 1, STEADY_STATE_MONTHS)}. Run {STEADY_STATE_MONTHS // 12} years or "
                "more to read it.")

    @property
    def warning(self) -> str:
        """The drift test's warning (as the report's "Steady state" section gives it), or "" if nothing moves."""
        if self.moving.empty:
            return ""
        pairs = "; ".join(f"{row.metric} with {regime_noun(row.regime)} ({row.change:+.3g} over the window)"
                          for row in self.moving.itertuples())
        many = len(self.moving) > 1
        return (f"Warning: {len(self.moving)} metric{'s' if many else ''} still move{'' if many else 's'} over the "
                f"outcome window ({pairs}): read {'them' if many else 'it'} as a transient, or lengthen the run. "
                f"(A trend moves a metric when it is significant, p < {DRIFT_ALPHA:g} after Holm adjustment, and "
                f"changes it by more than {DRIFT_TOLERANCE:.0%} of its scale over the window.)")


def reading_of(result, metrics: list[str] | None = None) -> Reading:
    """The reading of a comparison's batch result: its window, and the headline metrics that still drift."""
    scenario = result.scenario
    table = drift(result, metrics=list(metrics or HEADLINE_METRICS), by=["regime"])
    moving = table[table["drifting"]] if len(table) else table
    return Reading(scenario.steps, scenario.window, moving.reset_index(drop=True))
