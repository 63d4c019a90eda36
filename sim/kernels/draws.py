"""NumPy's uniform draws in chunks, for kernels that take a sector's slots a slice at a time (ODD §9 D-F13).

``rng.random(m)`` draws m doubles one after another from the generator; drawing them as consecutive chunks into
one buffer (``rng.random(out=...)``) gives the same numbers in the same order and leaves the generator where the
whole draw leaves it. A kernel called once per chunk, with the chunk's first slot, then sees each slot's
uniform as before, while the month holds one buffer of ``UNIFORM_CHUNK`` doubles instead of 8 bytes a slot.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: Uniforms drawn at a time: 512 KB, a sector of the default district in one chunk.
UNIFORM_CHUNK = 1 << 16


def uniform_chunks(rng: np.random.Generator, m: int, chunk: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(first slot, its uniforms) for consecutive chunks of ``rng.random(m)``'s draws, ``chunk`` (by default
    ``UNIFORM_CHUNK``) at a time; the buffer is reused, so each chunk is to be used before the next is drawn."""
    chunk = chunk or UNIFORM_CHUNK
    buffer = np.empty(min(m, chunk))
    for start in range(0, m, chunk):
        uniform = buffer[:min(chunk, m - start)]
        rng.random(out=uniform)
        yield start, uniform
