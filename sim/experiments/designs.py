"""Experiment designs: which parameter values each condition of a batch runs with.

* ``factorial`` — every combination of the values in ``[design.factors]``.
* ``list`` — the conditions written out one by one (crossed with any ``[design.factors]``).
* ``latin_hypercube`` (SciPy QMC), ``sobol`` (Saltelli/Sobol' sequence) and ``morris`` (trajectories), both via
  SALib — samples of ``design.parameters`` over their ranges (default: the registry's plausible range), crossed
  with any ``[design.factors]`` (e.g. every sample point under each regime, so the regimes are compared at the
  same points and on the same seeds); a Latin hypercube may also list ``conditions`` to run each point under.

Integer parameters are rounded to whole numbers for the runs; the unrounded sample matrix is kept for the
sensitivity analysis, which needs the design as sampled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..parameters import REGISTRY

# Seeds for sampling designs are spawned on their own branch of the root seed, so that the replicate seeds
# (children 0..replicates-1 of the root) do not depend on the design and vice versa.
DESIGN_SEED_BRANCH = 0x5EED_D351


@dataclass
class DesignPoints:
    """The conditions of a scenario, in run order.

    ``conditions[c]`` holds the varied parameters of condition c; ``point[c]`` is the index of its sample point
    (None for factorial and list designs); ``X`` is the unrounded sample matrix (one row per point, columns in
    ``sampled`` order) and ``problem`` the SALib problem definition.
    """

    conditions: list[dict[str, Any]]
    point: list[int | None]
    sampled: list[str] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    X: np.ndarray | None = None
    problem: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.conditions)


def sampling_problem(scenario) -> dict[str, Any]:
    """The SALib problem: names and bounds of the sampled parameters (default: registry plausible ranges)."""
    names = scenario.sampled
    bounds = []
    for name in names:
        parameter = REGISTRY[name]
        lo, hi = scenario.design.ranges.get(name, parameter.plausible or parameter.bounds)
        bounds.append([float(lo), float(hi)])
    return {"num_vars": len(names), "names": list(names), "bounds": bounds}


def design_seed(root_seed: int) -> int:
    ss = np.random.SeedSequence(root_seed, spawn_key=(DESIGN_SEED_BRANCH,))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def sample_matrix(scenario) -> tuple[np.ndarray, dict[str, Any]]:
    """Draw the unrounded sample matrix of a sampling design."""
    design = scenario.design
    problem = sampling_problem(scenario)
    seed = design_seed(scenario.seed)
    if design.kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed)).random(design.samples)
        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        X = qmc.scale(unit, lo, hi)
    elif design.kind == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, design.samples, calc_second_order=design.second_order, scramble=True, seed=seed)
    elif design.kind == "morris":
        from SALib.sample import morris

        X = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    else:  # pragma: no cover - guarded by the schema
        raise ValueError(f"{design.kind} is not a sampling design")
    return np.asarray(X, dtype=float), problem


def _as_run_value(name: str, x: float) -> Any:
    kind = REGISTRY[name].kind
    if kind in ("int", "size"):
        return int(round(float(x)))
    return float(x)


def build_design(scenario) -> DesignPoints:
    """All conditions of a scenario, in a fixed order that does not depend on how the batch is executed."""
    design = scenario.design
    factor_names = list(design.factors)
    combos = [dict(zip(factor_names, values, strict=True))
              for values in itertools.product(*(design.factors[f] for f in factor_names))] if factor_names else [{}]

    if design.kind == "list":  # each listed condition under every combination of the factors
        conditions = [{**c, **combo} for c in design.conditions for combo in combos]
        return DesignPoints(conditions, [None] * len(conditions), factors=factor_names)
    if design.kind == "factorial":
        return DesignPoints(combos, [None] * len(combos), factors=factor_names)

    X, problem = sample_matrix(scenario)
    names = problem["names"]
    if design.conditions:  # a Latin hypercube's point under each listed condition (and factor combination)
        combos = [{**c, **combo} for c in design.conditions for combo in combos]
    conditions: list[dict[str, Any]] = []
    points: list[int | None] = []
    for i, row in enumerate(X):
        sampled = {n: _as_run_value(n, x) for n, x in zip(names, row, strict=True)}
        for combo in combos:
            conditions.append({**sampled, **combo})
            points.append(i)
    return DesignPoints(conditions, points, sampled=list(names), factors=factor_names, X=X, problem=problem)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seed of each replicate, spawned from the root with NumPy's SeedSequence.

    Replicate k gets child k of the root, whatever the number of replicates (so adding replicates keeps the
    earlier ones), and the same seed in every condition: common random numbers, so that differences between
    conditions are not confounded with differences in luck. Seeds are kept below 2**63 to fit a Parquet int64.
    """
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
