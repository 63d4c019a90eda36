"""The keyed streams of ``sim.kernels.streams`` for a run of consecutive indices at once (ODD §9 D-F31).

``streams.philox4x32`` computes one counter's ten rounds one after another: each round waits for the last
one's multiplies, about 10 ns a call on this machine. A kernel that needs a draw for every slot of a sector asks
for consecutive indices with the rest of the counter fixed, so ``philox_words`` computes a block of them side by
side: a counter's ten rounds in registers, several counters at once in vector multiplies (about 2.2 ns a counter,
ODD §9 D-F70).
The words are the same as ``streams.philox4x32``'s for each counter (``tests/test_kernels.py``)."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined, streams

#: Counters computed at a time: a block of a kernel's slots.
BLOCK = 64

_MASK = np.uint64(0xFFFFFFFF)


@inlined
def word_block():
    """Room for one block's words: (4, BLOCK), word k of counter j at [k, j]."""
    return np.empty((4, BLOCK), np.uint64)


@compiled
def philox_words(key0, key1, first, count, counter1, counter2, counter3, words):
    """Philox4x32-10 (``streams.philox4x32``) of the counters (first + j, counter1, counter2, counter3) for j <
    ``count`` (at most ``words.shape[1]``): word k of counter j into ``words[k, j]``."""
    for j in range(count):
        words[0, j] = np.uint64(first + j) & _MASK
    _rounds(key0, key1, count, counter1, counter2, counter3, words)


@compiled
def philox_words_at(key0, key1, first, offsets, count, counter1, counter2, counter3, words):
    """As ``philox_words`` for the counters (first + offsets[j], counter1, counter2, counter3), j < ``count``."""
    for j in range(count):
        words[0, j] = np.uint64(first + offsets[j]) & _MASK
    _rounds(key0, key1, count, counter1, counter2, counter3, words)


@inlined
def _rounds(key0, key1, count, counter1, counter2, counter3, words):
    """The ten rounds of Philox4x32-10 over a block whose first words are set, a counter at a time with its four
    words in registers (``streams.philox4x32`` inlined): the round loop has a fixed count, so the compiler
    unrolls it and the loop over the block becomes vector multiplies over several counters at once, without a
    load and a store of the words each round (about 2.2 ns a counter on this machine, where a round at a time
    over the whole block, its words through memory, took 4)."""
    for j in range(count):
        words[0, j], words[1, j], words[2, j], words[3, j] = streams.philox4x32(key0, key1, words[0, j], counter1,
                                                                              counter2, counter3)


@inlined
def block_uniform(words, word, j):
    """Word ``word`` of counter j of a block as a uniform in (0, 1) (``streams.word_uniform``)."""
    return streams.word_uniform(words[word, j])


#: How many 32-bit words there are.
_WORDS = 4294967296


@inlined
def words_below(p):
    """How many 32-bit words w have a uniform (``streams.word_uniform``: (w + 0.5) 2^-32, exact and increasing
    with w) below ``p``: a word's uniform is below p exactly when the word is below this count, so a kernel that
    only compares draws with p compares the words and converts none (ODD §9 D-F101). 0 for a NaN p, 2^32 above
    1. A uint64."""
    if not p > 0.0:
        return np.uint64(0)
    if p > 1.0:
        return np.uint64(_WORDS)
    count = min(np.int64(p * 4294967296.0), np.int64(_WORDS))  # within a word or two of the count
    while count > 0 and streams.word_uniform(np.uint64(count - 1)) >= p:
        count -= 1
    while count < _WORDS and streams.word_uniform(np.uint64(count)) < p:
        count += 1
    return np.uint64(count)
