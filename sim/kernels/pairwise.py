"""NumPy's sum of a float64 array, to the last bit, inside a kernel.

``ndarray.sum`` adds a float64 array by pairwise summation: fewer than eight numbers one after another from 0;
up to 128 in eight running sums (every eighth number each), combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) +
(r6 + r7)), then the rest one after another; more than 128 as the sum of two halves, the first a multiple of
eight long. A kernel that must give the sum NumPy gives (the ledger's journal, ODD §9 D-F44) uses this order;
``tests/test_kernels.py`` checks it against ``ndarray.sum`` for every length up to a few hundred and beyond
NumPy's buffer of 8,192.
"""

from __future__ import annotations

import numpy as np

from . import compiled, inlined
from .holders import holder, slot_count

BLOCK = 128  # NumPy's PW_BLOCKSIZE


@compiled
def pairwise_block(values, start, n):
    """The sum of ``values[start:start + n]``, n <= 128, as NumPy's ``pairwise_sum`` adds a block."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    i = 8
    whole = n - n % 8
    while i < whole:
        j = start + i
        r0 += values[j]
        r1 += values[j + 1]
        r2 += values[j + 2]
        r3 += values[j + 3]
        r4 += values[j + 4]
        r5 += values[j + 5]
        r6 += values[j + 6]
        r7 += values[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@inlined
def leaf_sum(values, key, index, buffer, start, n):
    """A run's sum as NumPy adds a block: of ``values[start:start + n]`` where ``index`` is None, else of
    ``values[key[index[start:start + n]]]`` (``index`` an array or a sector's packed holders, ``holders.holder``),
    gathered into ``buffer`` first (the branch is settled at compile time)."""
    if index is None:
        return pairwise_block(values, start, n)
    for i in range(n):  # unsigned: no check for a negative index at each gather (ODD §9 D-F38, D-F261)
        buffer[i] = values[np.uint64(key[np.uint64(holder(index, np.uint64(start + i)))])]
    return pairwise_block(buffer, 0, n)


@inlined
def pairwise_walk(values, key, index, size):
    """NumPy's pairwise sum of ``size`` numbers (``leaf_sum``'s runs). NumPy recurses on the halves of a run
    longer than a block; a compiled recursion does not load from Numba's cache, so the halves are walked with a
    stack of their own: each frame holds a run, how far it got (0: neither half summed, 1: the first, 2: both)
    and its halves' sums."""
    buffer = np.empty(0 if index is None else BLOCK)
    if size <= BLOCK:
        return 0.0 + leaf_sum(values, key, index, buffer, 0, size)
    depth = 64  # a run halves at every level: 2^64 numbers would be needed to fill it
    starts = np.empty(depth, np.int64)
    lengths = np.empty(depth, np.int64)
    stages = np.zeros(depth, np.int64)
    first = np.zeros(depth)
    second = np.zeros(depth)
    starts[0], lengths[0], stages[0] = 0, size, 0
    top = 0
    total = 0.0
    while top >= 0:
        n = lengths[top]
        if n <= BLOCK or stages[top] == 2:
            value = leaf_sum(values, key, index, buffer, starts[top], n) if n <= BLOCK else first[top] + second[top]
            top -= 1
            if top < 0:
                total = value
            elif stages[top] == 1:
                first[top] = value
            else:
                second[top] = value
            continue
        half = n // 2
        half -= half % 8
        stages[top] += 1
        child = top + 1
        if stages[top] == 1:
            starts[child], lengths[child] = starts[top], half
        else:
            starts[child], lengths[child] = starts[top] + half, n - half
        stages[child] = 0
        top = child
    return 0.0 + total


@compiled
def pairwise_sum(values):
    """``float(values.sum())`` for a 1-D float64 array, in NumPy's order."""
    return pairwise_walk(values, None, None, values.size)


@compiled
def pairwise_sum_of_table(table, key, index):
    """``float(table[key[index]].sum())`` for a float64 ``table``, in NumPy's order, without the gathered array:
    the runs of ``pairwise_sum`` walked the same way, each block's values gathered into a buffer of 128 (ODD §9
    D-F82)."""
    return pairwise_walk(table, key, index, slot_count(index))
