"""Why do two regimes differ? Attribution of a paired difference to named mechanisms.

A *mechanism* is a named group of parameter settings that is "off" in a reference model and "on" in the
regime being explained: for the provider kinds, off is the neutral value of ``sim.neutral_kinds()`` and on is
the value in force; for the proposal's levers, off is today's setting and on is the proposal's. For every
coalition S of mechanisms, the regime runs with the mechanisms in S on and the rest off, and

    v(S) = mean over replicates of [ metric(regime, S) - metric(baseline) ]

on common random numbers (replicate k uses the same seed in every run). The baseline runs once per replicate
at the parameters in force. Then, per metric:

- ``contribution`` of mechanism g: its main effect, v({g}) - v({}) (switching g on alone in the reference);
- ``shapley``: its exact Shapley value over all 2^n coalitions (interactions shared out equally);
- ``not attributed``: v({}) - what remains with every named mechanism off (0 up to noise when the mechanisms
  cover every kind difference: the null model, tests/test_neutral.py);
- ``interaction``: v(N) - v({}) - sum of main effects;
- ``total``: v(N), the paired difference between the regimes;

so that contributions + not attributed + interaction = total exactly, and the Shapley values sum to
v(N) - v({}). 95% intervals are percentile bootstraps over replicates (resampling whole replicates keeps the
pairing). The method is stated in docs/ODD.md §9 (D-N5).
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRIC_NAMES
from ..parameters import validate
from .designs import replicate_seeds
from .executors import process_pool
from .mechanisms import KIND_MECHANISMS, MECHANISM_BASIS, PROVIDER_KIND, resolve_mechanisms
from .tasks import RunFunction, run_one

MAX_EXACT = 8  # exact Shapley over at most 2^8 coalitions


def _late_means(run_fn: RunFunction, params: dict[str, Any], seed: int, steps: int, window: int) -> np.ndarray:
    frame = run_fn(params, seed, steps)
    return frame[list(METRIC_NAMES)].iloc[-window:].mean().to_numpy(dtype=np.float64)


def attribute_differences(baseline: str = "state", regime: str = "mutual", replicates: int = 6,
                          steps: int = 300, rng: int = 0, mechanisms: Any = None, *, window: int | None = None,
                          metrics: Sequence[str] | None = None, executor: cf.Executor | None = None,
                          workers: int | None = None, progress: bool = True, bootstrap: int = 2000,
                          run_fn: RunFunction = run_one, replicate_params: Sequence[dict[str, Any]] = (),
                          **params: Any) -> pd.DataFrame:
    """Attribute the paired difference regime - baseline, per metric, to named mechanisms (module docstring).

    ``mechanisms``: None (every group of kind differences in force), a list of names (``KIND_MECHANISMS``,
    ``"provider kind"``, the levers of ``sim.proposal.LEVER_SETTINGS``), or a mapping name -> {parameter: value when on}. ``params``
    are the model's parameters for both regimes. A run's outcome is its mean over the last ``window`` months
    (default: the last 120, or half the run if shorter); the defaults read the regimes at a steady state, as
    ``scenarios/compare_regimes.toml`` does (a 15-year burn-in, ODD §2.5). Runs go to ``executor`` (any ``concurrent.futures`` executor),
    or to a process pool of ``workers`` (all cores by default; ``workers=1`` runs in this process).
    ``replicate_params``: replicate r also runs with ``replicate_params[r % len]`` under ``params`` (a
    comparison's posterior draws, ODD §9 D-E4). Returns a tidy DataFrame: mechanism, metric, contribution, low,
    high, shapley, shapley_low, shapley_high.
    """
    if regime == baseline and mechanisms is None:
        raise ValueError("regime and baseline are the same: name the mechanisms that make them differ")
    in_force = validate({**params, "regime": baseline})
    mech = resolve_mechanisms(mechanisms, in_force)
    names = list(mech)
    if len(names) > MAX_EXACT:
        raise ValueError(f"mechanisms: {len(names)} groups; exact Shapley values are limited to {MAX_EXACT} "
                         "(group them)")
    metrics = list(metrics or METRIC_NAMES)
    window = min(120, max(1, steps // 2)) if window is None else window
    seeds = replicate_seeds(rng, replicates)
    coalitions = [frozenset(c) for k in range(len(names) + 1) for c in itertools.combinations(names, k)]

    def regime_params(coalition: frozenset) -> dict[str, Any]:
        out = {**params, "regime": regime}
        for name in names:
            off, on = mech[name]
            out.update(on if name in coalition else off)
        return out

    def drawn(r: int, run_params: dict[str, Any]) -> dict[str, Any]:
        return {**replicate_params[r % len(replicate_params)], **run_params} if replicate_params else run_params

    tasks = [("baseline", r, drawn(r, {**params, "regime": baseline})) for r in range(replicates)]
    tasks += [(c, r, drawn(r, regime_params(c))) for c in coalitions for r in range(replicates)]
    values = _run_all(tasks, seeds, steps, window, run_fn, executor, workers, progress)
    cols = [METRIC_NAMES.index(m) for m in metrics]
    base = np.stack([values[("baseline", r)][cols] for r in range(replicates)])
    diffs = {c: np.stack([values[(c, r)][cols] for r in range(replicates)]) - base for c in coalitions}
    return _tidy(names, metrics, diffs, replicates, bootstrap, rng)


def _run_all(tasks, seeds, steps, window, run_fn, executor, workers, progress) -> dict:
    """Every task's late means, keyed by (coalition, replicate), on the executor given or a pool of our own."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="attribution", unit="run", disable=not progress)
    out = {}
    own = None
    if executor is None and workers != 1:
        executor = own = process_pool(workers)
    try:
        if executor is None:
            for key, r, p in tasks:
                out[(key, r)] = _late_means(run_fn, p, seeds[r], steps, window)
                bar.update()
        else:
            futures = {executor.submit(_late_means, run_fn, p, seeds[r], steps, window): (key, r)
                       for key, r, p in tasks}
            for f in cf.as_completed(futures):
                out[futures[f]] = f.result()
                bar.update()
    finally:
        bar.close()
        if own is not None:
            own.shutdown(cancel_futures=True)
    return out


def _shapley_weights(n: int) -> dict[int, float]:
    return {k: math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)}


def _statistics(names, v: Callable[[frozenset], np.ndarray]) -> dict[str, np.ndarray]:
    """Main effects, Shapley values, not attributed, interaction and total from the value function v."""
    empty, full = frozenset(), frozenset(names)
    n = len(names)
    weights = _shapley_weights(n) if n else {}
    out = {}
    main_sum = 0.0
    for g in names:
        main = v(frozenset([g])) - v(empty)
        main_sum = main_sum + main
        phi = 0.0
        others = [h for h in names if h != g]
        for k in range(len(others) + 1):
            for s in itertools.combinations(others, k):
                s = frozenset(s)
                phi = phi + weights[k] * (v(s | {g}) - v(s))
        out[g] = (main, phi)
    out["not attributed"] = (v(empty), v(empty))
    out["interaction"] = (v(full) - v(empty) - main_sum, np.zeros_like(v(full)))
    out["total"] = (v(full), v(full))
    return out


def _tidy(names, metrics, diffs, replicates, bootstrap, rng) -> pd.DataFrame:
    """The statistics with percentile bootstrap intervals over replicates, as the tidy table the report reads."""
    point = _statistics(names, lambda c: diffs[c].mean(axis=0))
    gen = np.random.default_rng(rng)
    draws = {k: ([], []) for k in point}
    for _ in range(bootstrap if replicates > 1 else 0):
        idx = gen.integers(0, replicates, replicates)
        stats = _statistics(names, lambda c, idx=idx: diffs[c][idx].mean(axis=0))
        for k, (main, phi) in stats.items():
            draws[k][0].append(main)
            draws[k][1].append(phi)
    rows = []
    for key, (main, phi) in point.items():
        if draws[key][0]:
            lo, hi = np.percentile(np.array(draws[key][0]), [2.5, 97.5], axis=0)
            slo, shi = np.percentile(np.array(draws[key][1]), [2.5, 97.5], axis=0)
        else:
            lo = hi = main
            slo = shi = phi
        for j, metric in enumerate(metrics):
            rows.append({"mechanism": key, "metric": metric, "contribution": float(main[j]), "low": float(lo[j]),
                         "high": float(hi[j]), "shapley": float(phi[j]), "shapley_low": float(slo[j]),
                         "shapley_high": float(shi[j])})
    frame = pd.DataFrame(rows)
    frame.attrs["mechanisms"] = list(names)
    frame.attrs["replicates"] = replicates
    return frame


# The catalogue of mechanisms lives in .mechanisms; its names stay importable from here for the notebooks.
__all__ = ["attribute_differences", "MECHANISM_BASIS", "KIND_MECHANISMS", "PROVIDER_KIND", "resolve_mechanisms"]
