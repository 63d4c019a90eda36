""""Explain why": each regime's difference from the baseline attributed to the model's mechanisms, in words.

One attribution per regime against the comparison's baseline (``sim.attribute_differences``), on the
comparison's own settings, seeds and outcome window, for the headline metrics only. Because the attribution's
full coalition is the regime as it ran in the comparison (same parameters, same seeds), its total is the
readout's difference for that regime, and the Shapley values plus what no named mechanism carries add up to
it (ODD §9, D-N5). A sentence names one regime and one headline metric.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

import sim
from sim.comparison import replicate_parameters, split_package
from sim.experiments.mechanisms import PROVIDER_KIND, resolve_mechanisms
from sim.proposal import LEVERS
from sim.regimes import regime_noun

from .runs import Comparison, check_work, fair_share

#: A registry lever group's name as the attribution calls it (``sim.proposal.LEVER_SETTINGS``), and user choice.
LEVER_TITLES = {name: name.replace("_", " ") for name, _, _ in LEVERS} | {"choice": "user choice"}


# ------------------------------------------------------------------------------------------------ the work
@dataclass(frozen=True)
class Plan:
    """What an explanation will ask of the workers, before it starts: runs, and a time from the comparison's."""

    regimes: tuple[str, ...]
    mechanisms: dict[str, tuple[str, ...]]  # per regime
    runs: int
    seconds: float

    @property
    def words(self) -> str:
        return (f"about {self.runs} runs ({' and '.join(regime_noun(r) for r in self.regimes)}, each with every "
                f"combination of its mechanisms switched on and off): roughly {_duration(self.seconds)} at the "
                f"speed of this comparison")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} minutes"


def mechanisms_of(comparison: Comparison) -> dict[str, Any] | None:
    """What to attribute to: None (every kind difference in force, grouped) when the regimes share settings;
    against today, the provider kind (every kind difference together) and each lever the package sets."""
    if not comparison.run.against_today:
        return None
    _shared, package = split_package(comparison.params)
    levers: dict[str, dict[str, Any]] = {}
    for name, value in package.items():
        levers.setdefault(LEVER_TITLES[sim.REGISTRY[name].lever], {})[name] = value
    return {PROVIDER_KIND: PROVIDER_KIND, **levers}


def baseline_params(comparison: Comparison) -> dict[str, Any]:
    """The parameters both sides share in the attribution: against today, today's (the package is switched on
    mechanism by mechanism)."""
    return split_package(comparison.params)[0] if comparison.run.against_today else dict(comparison.params)


def plan(comparison: Comparison) -> Plan:
    """The attribution's runs for every regime but the baseline: (2^mechanisms + 1 baseline) x replicates each,
    and the time they should take at the comparison's own speed per run."""
    regimes = tuple(r for r in comparison.regimes if r != comparison.baseline)
    params = baseline_params(comparison)
    in_force = {name: parameter.validate(params.get(name, parameter.default))
                for name, parameter in sim.REGISTRY.items()}
    mechanisms = {r: tuple(resolve_mechanisms(mechanisms_of(comparison), in_force)) for r in regimes}
    runs = sum((2 ** len(names) + 1) * comparison.run.replicates for names in mechanisms.values())
    comparison_runs = len(comparison.regimes) * (comparison.run.replicates + 1)  # the unit maps are runs too
    return Plan(regimes, mechanisms, runs, comparison.seconds / max(comparison_runs, 1) * runs)


class _CountingExecutor(cf.Executor):
    """Hands tasks to the shared pool and keeps their futures, so that the caller can count what finished and
    cancel what has not started."""

    def __init__(self, inner: cf.Executor):
        self.inner = inner
        self.futures: list[cf.Future] = []
        self.lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future = self.inner.submit(fn, *args, **kwargs)
        with self.lock:
            self.futures.append(future)
        return future

    def finished(self) -> int:
        with self.lock:
            return sum(future.done() for future in self.futures)

    def cancel_all(self) -> None:
        with self.lock:
            for future in self.futures:
                future.cancel()


Progress = Callable[[float, str], None]  # (fraction done, words); may raise Cancelled


def explain(comparison: Comparison, progress: Progress | None = None,
            executor: cf.Executor | None | str = "pool") -> dict[str, pd.DataFrame]:
    """One attribution per regime against the baseline, headline metrics only, on the comparison's settings,
    seeds and outcome window; {regime: the attribution's tidy table}.

    The attributions run in threads of their own that hand their runs to the shared pool; this thread reports
    progress as runs finish, and if ``progress`` raises (Cancel) the runs not yet started are cancelled.
    """
    the_plan = plan(comparison)
    check_work(the_plan.runs, comparison.run.years, "Explaining this comparison")
    pool = fair_share().lane("explanation") if executor == "pool" else executor
    counter = _CountingExecutor(pool) if pool is not None else None
    results: dict[str, pd.DataFrame] = {}
    errors: list[BaseException] = []
    scenario = comparison.result.scenario  # each replicate at the comparison's own posterior draw, if any
    draws = [replicate_parameters(scenario, r) for r in range(scenario.posterior_draws or 0)]

    def attribute(regime: str) -> None:
        try:
            results[regime] = sim.attribute_differences(
                baseline=comparison.baseline, regime=regime, replicates=comparison.run.replicates,
                steps=comparison.run.steps, rng=comparison.run.seed, window=comparison.window,
                mechanisms=mechanisms_of(comparison), metrics=list(sim.HEADLINE_METRICS), executor=counter,
                workers=1, progress=False, replicate_params=draws, **baseline_params(comparison))
        except BaseException as error:  # handed to the caller's thread below
            errors.append(error)

    threads = [threading.Thread(target=attribute, args=(regime,), daemon=True, name=f"explain-{regime}")
               for regime in the_plan.regimes]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads):
            if progress is not None:
                done = counter.finished() if counter is not None else 0
                progress(done / max(the_plan.runs, 1), f"{done} of {the_plan.runs} runs")
            time.sleep(0.25)
    except BaseException:
        if counter is not None:
            counter.cancel_all()
        raise
    finally:
        if executor == "pool":
            pool.shutdown(wait=False, cancel_futures=True)  # its lane leaves the share
    if errors:
        raise errors[0]
    return {regime: results[regime] for regime in the_plan.regimes}
