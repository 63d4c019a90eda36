"""Fit the estimated parameters to the fitting targets by ABC-SMC (pyabc's components, ODD §10).

Each generation is one call of pyabc's ``ABCSMC.run``, started from pyabc's database of the generations before
it: an uninterrupted fit and one resumed after an interruption take exactly the same path. Proposals are
evaluated by ``DeterministicSampler`` (seeded per particle), the main process's own draws are seeded per
generation, so the same seed gives the same posterior on one worker or many. The acceptance threshold of
generation t is the median distance of generation t-1 (of a prior sample for t = 0); priors are uniform over
each parameter's range; transitions are pyabc's multivariate normal kernels, widened (``KERNEL_SCALING``, ODD §9
D-E8): with sixteen parameters and a few hundred particles, a kernel of the rule-of-thumb width makes the proposal
density lumpy, so a few particles proposed between the others take nearly all the importance weight.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .problem import FitProblem, ModelOfTargets, TargetDistance
from .sampler import DeterministicSampler
from .store import Posterior, PosteriorStore, read_posterior

#: The kernel's covariance as a multiple of pyabc's (the population's weighted covariance times Silverman's
#: factor squared, about 0.5 in sixteen dimensions): 3 makes the kernel about as wide as the population itself,
#: so the proposal is smooth where the particles are sparse (ODD §9 D-E8).
KERNEL_SCALING = 3.0
#: The fit's budget of evaluations (each runs every fitting run once, about 1 CPU-second at the defaults): a
#: generation is started only if the evaluations so far, the prior sample's included, and the previous
#: generation's cost (population / its acceptance) stay within it, so that the default fit ends within about
#: 45 minutes of two cores at 1.0-1.35 CPU-seconds an evaluation (ODD §9 D-E8). It counts evaluations, not
#: seconds: the same seed stops at the same generation on any machine.
MAX_EVALUATIONS = 4000


def fit_settings(problem: FitProblem, population: int, generations: int, seed: int,
                 kernel_scaling: float = KERNEL_SCALING, max_evaluations: int | None = MAX_EVALUATIONS
                 ) -> dict[str, Any]:
    """Everything that determines the posterior (the manifest's ``settings``; a resume must match them)."""
    return {
        "parameters": list(problem.parameters),
        "priors": {name: list(problem.prior_range(name)) for name in problem.parameters},
        "targets": [{"name": t.name, "observable": t.observable, "regime": t.regime, "value": t.value,
                     "tolerance": t.tolerance, "factor": t.factor, "use": t.use,
                     **({"settings": t.settings} if t.settings else {})}
                    for t in problem.targets],
        "steps": problem.steps, "window": problem.window, "fixed": dict(problem.fixed),
        "population": int(population), "generations": int(generations), "seed": int(seed),
        "max_evaluations": None if max_evaluations is None else int(max_evaluations),
        "method": f"ABC-SMC (pyabc): uniform priors, multivariate normal transitions (scaling {kernel_scaling:g}), "
                  "epsilon = median distance of the previous generation, proposals seeded from (seed, generation, "
                  "index)",
    }


@contextlib.contextmanager
def fit_executor(workers: int | None = None, dask: bool = False, scheduler: str | None = None
                 ) -> Iterator[tuple[Any, int]]:
    """The executor a fit runs on and its number of workers: this process for one worker, a process pool of
    ``workers`` (default: every core), or Dask (a new local cluster, or the cluster at ``scheduler``)."""
    from ..experiments.executors import BATCH_PRELOAD, dask_executor, process_pool

    workers = workers or os.cpu_count() or 1
    if dask or scheduler:
        with dask_executor(workers, scheduler) as executor:
            yield executor, workers
    elif workers == 1:
        yield None, 1
    else:
        # Workers fork from a server that has imported pyabc and the model (a few seconds each otherwise).
        with process_pool(workers, preload=(*BATCH_PRELOAD, "pyabc", "sim.estimation.problem")) as executor:
            yield executor, workers


def fit_posterior(problem: FitProblem, out: str | Path, *, population: int = 200, generations: int = 8,
                  seed: int = 0, executor=None, workers: int = 1, chunk: int = 2, progress: bool = True,
                  fresh: bool = False, kernel_scaling: float = KERNEL_SCALING,
                  max_evaluations: int | None = MAX_EVALUATIONS) -> Posterior:
    """Fit ``problem`` by ABC-SMC and store the posterior in ``out``; resume a fit interrupted there.

    ``executor``: a ``concurrent.futures.Executor`` with ``workers`` workers, or None to run in this process.
    Returns the posterior read back from ``out`` (``store.Posterior``).
    """
    import pyabc

    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Distance", "ABC.Epsilon", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)
    settings = fit_settings(problem, population, generations, seed, kernel_scaling, max_evaluations)
    with PosteriorStore(out, settings, fresh=fresh) as store:
        bar = _progress_bar(progress, generations, population, store.finished_generations)
        sampler = DeterministicSampler(seed, executor, workers, chunk,
                                       progress=(lambda accepted, evaluated: bar.set_postfix_str(
                                           f"this wave: {accepted} of {evaluated} proposals accepted"))
                                       if bar is not None else None)
        database = f"sqlite:///{store.database.resolve()}"
        priors = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low)
                                       for name in problem.parameters
                                       for low, high in [problem.prior_range(name)]})
        try:
            for generation in range(store.finished_generations, generations):
                if over_budget(store.manifest["generations"], population, max_evaluations):
                    break
                start = time.perf_counter()
                np.random.seed(np.random.SeedSequence([seed, generation + 1]).generate_state(1)[0])
                abc = pyabc.ABCSMC(ModelOfTargets(problem), priors, TargetDistance(problem),
                                   population_size=population, sampler=sampler,
                                   transitions=pyabc.MultivariateNormalTransition(scaling=kernel_scaling),
                                   eps=pyabc.QuantileEpsilon(alpha=0.5))
                if generation == 0:
                    abc.new(database, problem.observed())
                else:
                    abc.load(database, 1)
                history = abc.run(max_nr_populations=1)
                if history.max_t != generation:
                    raise RuntimeError(f"generation {generation}: pyabc stopped early (its sample was not "
                                       f"complete)")
                record, particles = _generation(history, generation, problem, time.perf_counter() - start)
                store.add_generation(record, particles)
                if bar is not None:
                    bar.update(population)
                    bar.set_description(f"fit: generation {generation + 1}/{generations}, "
                                        f"epsilon {record['epsilon']:.3g}")
        except BaseException:
            store.finish("interrupted")
            raise
        finally:
            if bar is not None:
                bar.close()
        store.finish("complete")
    return read_posterior(out)


def over_budget(records: list[dict[str, Any]], population: int, max_evaluations: int | None) -> bool:
    """Would the next generation take the fit past ``max_evaluations``? Spent: the prior sample (one
    population) and every generation's evaluations; expected: the last generation's cost again."""
    if max_evaluations is None or not records:
        return False
    spent = population + sum(int(record["evaluations"]) for record in records)
    expected = population / max(float(records[-1]["acceptance_rate"]), 1e-3)
    return spent + expected > max_evaluations


def _progress_bar(progress: bool, generations: int, population: int, done: int):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=generations * population, initial=done * population, unit="particle",
                desc=f"fit: generation {done + 1}/{generations}")


def _generation(history, generation: int, problem: FitProblem, seconds: float
                ) -> tuple[dict[str, Any], pd.DataFrame]:
    """A finished generation as the store keeps it: its record and one row per particle."""
    population = history.get_population(t=generation)
    rows = []
    for index, particle in enumerate(population.particles):
        row = {"generation": generation, "particle": index}
        row.update({name: float(particle.parameter[name]) for name in problem.parameters})
        row["weight"] = float(particle.weight)
        row["distance"] = float(particle.distance)
        row.update({f"sim:{name}": float(value) for name, value in particle.sum_stat.items()})
        rows.append(row)
    particles = pd.DataFrame(rows)
    weights = particles["weight"].to_numpy()
    summary = history.get_all_populations().set_index("t").loc[generation]
    evaluations = int(summary["samples"])
    record = {"generation": generation, "epsilon": float(summary["epsilon"]), "particles": len(particles),
              "evaluations": evaluations, "acceptance_rate": len(particles) / evaluations,
              "effective_sample_size": float(weights.sum() ** 2 / np.square(weights).sum()),
              "seconds": round(seconds, 3)}
    return record, particles
