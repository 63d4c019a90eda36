"""A pyabc sampler whose population does not depend on the number of workers (ODD §10).

pyabc's parallel samplers keep whichever particles finish first, so a seed does not fix the posterior. This
one numbers the proposals of a generation 0, 1, 2, ...; proposal i is drawn and simulated with NumPy's global
generator seeded from (fit seed, generation, i) wherever it runs, and the generation keeps the proposals up to
the n-th accepted one, in index order. Proposals are evaluated in waves of chunks on any
``concurrent.futures`` executor (a process pool, Dask's); evaluations past the n-th acceptance are discarded,
so the number of workers changes only how much is wasted, never the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from pyabc.sampler import Sampler


def particle_seed(seed: int, generation: int, index: int) -> int:
    """The seed of proposal ``index`` of ``generation`` (-1: the prior sample that calibrates epsilon)."""
    return int(np.random.SeedSequence([seed, generation + 1, index]).generate_state(1)[0])


def evaluate_particles(simulate_one: bytes | Callable, seed: int, generation: int, indices: list[int]) -> list:
    """Draw and simulate the proposals ``indices``, each from its own seed; module-level so workers import it."""
    import cloudpickle

    if isinstance(simulate_one, bytes):
        simulate_one = cloudpickle.loads(simulate_one)
    particles = []
    for index in indices:
        np.random.seed(particle_seed(seed, generation, index))
        particles.append(simulate_one())
    return particles


class DeterministicSampler(Sampler):
    """Evaluate a generation's proposals in index order on an executor; keep the first n accepted.

    ``executor``: a ``concurrent.futures.Executor`` or None (this process). ``workers``: how many chunks to keep
    in flight (the executor's workers). ``progress``: called with (accepted, evaluated) of the wave under way
    as its chunks come back.
    """

    def __init__(self, seed: int, executor=None, workers: int = 1, chunk: int = 4,
                 progress: Callable[[int, int], None] | None = None):
        super().__init__()
        self.seed = int(seed)
        self.executor = executor
        self.workers = max(1, int(workers))
        self.chunk = max(1, int(chunk))
        self.progress = progress
        self.acceptance_guess = 0.3

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["executor"] = None  # simulate_one refers to the inference object, which holds this sampler
        state["progress"] = None
        return state

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """Evaluate proposals 0, 1, 2, ... of generation ``t`` until n are accepted (or ``max_eval`` spent)."""
        payload = simulate_one
        if self.executor is not None:
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        accepted = evaluated = 0
        while accepted < n and evaluated < max_eval:
            wanted = n - accepted
            wave = max(self.workers * self.chunk,
                       wanted if all_accepted else math.ceil(wanted / max(self.acceptance_guess, 0.02)))
            wave = int(min(wave, max_eval - evaluated)) if np.isfinite(max_eval) else wave
            particles = self._evaluate(payload, t, list(range(evaluated, evaluated + wave)))
            taken = 0
            for particle in particles:
                sample.append(particle)
                taken += 1
                accepted += bool(particle.accepted)
                if accepted == n:
                    break
            evaluated += taken
            self.acceptance_guess = max(accepted / evaluated, 0.02)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample

    def _evaluate(self, payload, t: int, indices: list[int]) -> list:
        """The particles of ``indices``, in index order; progress is reported as chunks come back."""
        chunks = [indices[i:i + self.chunk] for i in range(0, len(indices), self.chunk)]
        if self.executor is None:
            results = (evaluate_particles(payload, self.seed, t, chunk) for chunk in chunks)
        else:
            futures = [self.executor.submit(evaluate_particles, payload, self.seed, t, chunk) for chunk in chunks]
            results = (future.result() for future in futures)
        particles = []
        for chunk_particles in results:
            particles.extend(chunk_particles)
            if self.progress is not None:
                self.progress(sum(bool(p.accepted) for p in particles), len(particles))
        return particles
