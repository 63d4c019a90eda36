"""What is fitted to what: the estimated parameters, the targets, and how one simulation is read and scored.

A simulation at parameters theta runs the model once in each regime a target names (on common random numbers:
the same seed in every regime), reads every observable as ``calibration.observe`` does (the mean over the last
``window`` months), and scores the fitting targets by the distance

    d(x, x_obs) = sqrt( mean_i z_i^2 ),   z_i = (x_i - x_obs,i) / tolerance_i   (or log(x_i / x_obs,i) / log factor_i)

so each target weighs by its uncertainty and a simulation that lies at the edge of every target's band is at
distance 1 (ODD §10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calibration import Target, load_targets, read_runs
from .estimated import ESTIMATED, check_estimated


@dataclass(frozen=True)
class FitProblem:
    """The estimated parameters with their priors (uniform ranges), the targets, and the runs that read them."""

    parameters: tuple[str, ...]
    targets: tuple[Target, ...]  # every target: those with use "fit" are fitted, the others only checked
    steps: int = 240
    window: int = 60
    fixed: dict[str, Any] = field(default_factory=dict)  # parameters held at a value other than the default
    priors: dict[str, tuple[float, float]] = field(default_factory=dict)  # overrides of the plausible range

    def __post_init__(self):
        """Refuse a fit that cannot be run, before any model runs: each message names the setting at fault."""
        from ..parameters import REGISTRY, ParameterError

        check_estimated(self.parameters)
        if not self.fitting_targets:
            raise ParameterError("targets: none has use = \"fit\"; nothing to fit to")
        if self.window > self.steps:
            raise ParameterError(f"window: {self.window} months is longer than the run ({self.steps} months)")
        clash = sorted(set(self.fixed) & set(self.parameters))
        if clash:
            raise ParameterError(f"{clash[0]}: both estimated and held fixed")
        for name, (low, high) in self.priors.items():
            if name not in self.parameters:
                raise ParameterError(f"prior for {name}: not an estimated parameter of this fit")
            REGISTRY[name].validate(low), REGISTRY[name].validate(high)
            if not low < high:
                raise ParameterError(f"prior for {name}: [{low}, {high}] is empty")
        for name, value in self.fixed.items():
            REGISTRY[name].validate(value)

    @classmethod
    def default(cls, **overrides: Any) -> FitProblem:
        """Every estimated parameter against the shipped targets."""
        return cls(parameters=tuple(overrides.pop("parameters", ESTIMATED)),
                   targets=tuple(overrides.pop("targets", load_targets())), **overrides)

    @property
    def fitting_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.use == "fit")

    def prior_range(self, name: str) -> tuple[float, float]:
        return self.priors.get(name) or ESTIMATED[name].prior_range

    def observed(self, targets: tuple[Target, ...] | None = None) -> dict[str, float]:
        return {t.name: float(t.value) for t in (self.fitting_targets if targets is None else targets)}

    def simulate(self, theta: dict[str, float], seed: int, targets: tuple[Target, ...] | None = None
                 ) -> dict[str, float]:
        """Run the model at ``theta`` (one run per regime and settings the targets name, all on ``seed``) and
        return each target's model value, by target name (NaN where the run does not define it)."""
        targets = self.fitting_targets if targets is None else targets
        params = {**self.fixed, **{name: float(theta[name]) for name in self.parameters}}
        readings = read_runs(targets, seed, self.steps, self.window, params)
        return {t.name: float(readings[t.run_key].get(t.observable, np.nan)) for t in targets}

    def distance(self, simulated: dict[str, float], observed: dict[str, float]) -> float:
        """The root mean square of the targets' standardised errors (``Target.standardised_error``)."""
        errors = [target.standardised_error(simulated[target.name]) for target in self.fitting_targets
                  if target.name in observed]
        value = float(np.sqrt(np.mean(np.square(errors))))
        return value if np.isfinite(value) else np.inf


class ModelOfTargets:
    """The model as pyabc sees it: parameters in, the fitting targets' values out.

    The run's seed is drawn from NumPy's global generator, which the sampler seeds from (fit seed, generation,
    particle index) before every evaluation (``sampler.evaluate_particles``): the same particle gets the same
    run on any worker.
    """

    def __init__(self, problem: FitProblem):
        self.problem = problem

    def __call__(self, theta: dict[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))
        return self.problem.simulate(theta, seed)


class TargetDistance:
    """The fit's distance as pyabc calls it: ``distance(simulated, observed)`` (picklable, unlike a lambda)."""

    def __init__(self, problem: FitProblem):
        self.problem = problem

    def __call__(self, simulated: dict[str, float], observed: dict[str, float]) -> float:
        return self.problem.distance(simulated, observed)
