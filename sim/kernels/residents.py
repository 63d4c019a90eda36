"""Kernel of the build's draw of who in each unit needs a service (ODD §5): NumPy's ``Generator.choice`` without
replacement, unit by unit, compiled, so that the draw no longer holds the interpreter's lock and pays a Python
call a unit (ODD §9 D-F141).

For a population of at most 10,000 (a unit's residents), ``rng.choice(n, size=k, replace=False)`` runs Robert
Floyd's algorithm: for j = n - k, ..., n - 1 it draws v uniform on [0, j] (``random_bounded_uint64`` with Lemire's
rejection on 32-bit words, as ``Generator.integers``) and takes v, or j if v is already taken; then it shuffles
the k values (``_shuffle_int``: for i = k - 1, ..., 1 a draw on [0, i], ``random_bounded_uint64`` again). The model sorts the k values, so the shuffle's order is not kept, but its draws are made: the
generator is left where NumPy leaves it. Numba's own Generator methods are NumPy's algorithms on the generator's
bit generator (``numba.np.random.random_methods.buffered_bounded_lemire_uint32`` is ``Generator.integers``'s),
so the draws are NumPy's, word for word (``tests/test_kernels.py`` checks them against ``rng.choice`` over many
populations, sizes and seeds, and the generator's state after them).
"""

from __future__ import annotations

import numpy as np
from numba.np.random.random_methods import buffered_bounded_lemire_uint32

from . import compiled

#: Above this population ``Generator.choice`` shuffles the whole population's tail instead of Floyd's algorithm.
FLOYD_LIMIT = 10000


@compiled
def choose_residents(rng, unit_sizes, per_unit, unit_first, slot_start, citizen):
    """ODD §5 each unit's ``per_unit[u]`` slots go to residents drawn without replacement among its
    ``unit_sizes[u]`` (every unit at most ``FLOYD_LIMIT``), in unit order, units with no slot drawing nothing:
    ``citizen[slot_start[u] + r]`` is ``unit_first[u]`` plus the r-th smallest resident drawn, which is
    ``unit_first[u] + np.sort(rng.choice(unit_sizes[u], size=per_unit[u], replace=False))``."""
    bitgen = rng.bit_generator
    taken = np.zeros(max(unit_sizes.max(), 1) if unit_sizes.size else 1, np.bool_)
    for u in range(per_unit.size):
        k, n = per_unit[u], unit_sizes[u]
        if k == 0:
            continue
        for j in range(n - k, n):  # Floyd's algorithm: v on [0, j], or j if v is taken already
            value = 0 if j == 0 else np.int64(buffered_bounded_lemire_uint32(bitgen, np.uint32(j)))
            if taken[value]:
                taken[j] = True
            else:
                taken[value] = True
        for i in range(k - 1, 0, -1):  # the shuffle's draws (its order is not kept: the residents are sorted)
            buffered_bounded_lemire_uint32(bitgen, np.uint32(i))
        slot = slot_start[u]
        for resident in range(n):
            if taken[resident]:
                citizen[slot] = unit_first[u] + resident
                slot += 1
                taken[resident] = False
