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
def element(values, key, index, i):
    """Number i of a sum: ``values[i]`` where ``index`` is None, else ``values[key[holder(index, i)]]`` (``index``
    an array or a sector's packed holders, ``holders.holder``), read unsigned: no check for a negative index at
    each gather (ODD §9 D-F38, D-F261). The branch is settled at compile time. Compiled, not ``inlined``: Numba
    copies an inlined function's code at every call, and ``pairwise_block`` calls this nineteen times (D-F271); the
    compiler inlines the machine code anyway."""
    if index is None:
        return values[i]
    return values[np.uint64(key[np.uint64(holder(index, np.uint64(i)))])]


@compiled
def pairwise_block(values, key, index, start, n):
    """The sum of numbers ``start`` to ``start + n`` (``element``), n <= 128, as NumPy's ``pairwise_sum`` adds a
    block; a gathered table's numbers are read where they are added, without a buffer (ODD §9 D-F264). Compiled
    once for each kind of ``index``, not copied into both of ``pairwise_walk``'s calls in every caller (D-F271)."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += element(values, key, index, i)
        return total
    r0, r1 = element(values, key, index, start), element(values, key, index, start + 1)
    r2, r3 = element(values, key, index, start + 2), element(values, key, index, start + 3)
    r4, r5 = element(values, key, index, start + 4), element(values, key, index, start + 5)
    r6, r7 = element(values, key, index, start + 6), element(values, key, index, start + 7)
    i = 8
    whole = n - n % 8
    while i < whole:
        j = start + i
        r0 += element(values, key, index, j)
        r1 += element(values, key, index, j + 1)
        r2 += element(values, key, index, j + 2)
        r3 += element(values, key, index, j + 3)
        r4 += element(values, key, index, j + 4)
        r5 += element(values, key, index, j + 5)
        r6 += element(values, key, index, j + 6)
        r7 += element(values, key, index, j + 7)
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += element(values, key, index, start + i)
        i += 1
    return total


@inlined
def pairwise_walk(values, key, index, size):
    """NumPy's pairwise sum of ``size`` numbers (``pairwise_block``'s runs). NumPy recurses on the halves of a run
    longer than a block; a compiled recursion does not load from Numba's cache, so the halves are walked with a
    stack of their own: each frame holds a run, how far it got (0: neither half summed, 1: the first, 2: both)
    and its halves' sums."""
    if size <= BLOCK:
        return 0.0 + pairwise_block(values, key, index, 0, size)
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
            value = pairwise_block(values, key, index, starts[top], n) if n <= BLOCK else first[top] + second[top]
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
    the runs of ``pairwise_sum`` walked the same way, each block's values gathered where they are added (ODD §9
    D-F82)."""
    return pairwise_walk(table, key, index, slot_count(index))
