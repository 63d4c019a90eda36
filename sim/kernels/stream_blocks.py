"""The keyed streams of ``sim.kernels.streams`` for a run of consecutive indices at once (ODD §9 D-F31).

``streams.philox4x32`` computes one counter's ten rounds one after another: each round waits for the last
one's multiplies, about 10 ns a call on this machine. A kernel that needs a draw for every slot of a sector asks
for consecutive indices with the rest of the counter fixed, so ``philox_words`` computes a block of them round by
round, each round a loop over the block that the compiler turns into vector multiplies (about 4 ns a counter).
The words are the same as ``streams.philox4x32``'s for each counter (``tests/test_kernels.py``)."""

from __future__ import annotations

import numpy as np

from . import inlined, streams

#: Counters computed at a time: a block of a kernel's slots.
BLOCK = 64

_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)  # as ``streams``
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


@inlined
def word_block():
    """Room for one block's words: (4, BLOCK), word k of counter j at [k, j]."""
    return np.empty((4, BLOCK), np.uint64)


@inlined
def philox_words(key0, key1, first, count, counter1, counter2, counter3, words):
    """Philox4x32-10 (``streams.philox4x32``) of the counters (first + j, counter1, counter2, counter3) for j <
    ``count`` (at most ``words.shape[1]``): word k of counter j into ``words[k, j]``."""
    for j in range(count):
        words[0, j] = np.uint64(first + j) & _MASK
    _rounds(key0, key1, count, counter1, counter2, counter3, words)


@inlined
def philox_words_at(key0, key1, first, offsets, count, counter1, counter2, counter3, words):
    """As ``philox_words`` for the counters (first + offsets[j], counter1, counter2, counter3), j < ``count``."""
    for j in range(count):
        words[0, j] = np.uint64(first + offsets[j]) & _MASK
    _rounds(key0, key1, count, counter1, counter2, counter3, words)


@inlined
def _rounds(key0, key1, count, counter1, counter2, counter3, words):
    """The ten rounds of Philox4x32-10 over a block whose first words are set, round by round."""
    c0, c1, c2, c3 = words[0], words[1], words[2], words[3]
    for j in range(count):
        c1[j] = np.uint64(counter1) & _MASK
        c2[j] = np.uint64(counter2) & _MASK
        c3[j] = np.uint64(counter3) & _MASK
    k0, k1 = np.uint64(key0) & _MASK, np.uint64(key1) & _MASK
    for _ in range(10):
        for j in range(count):
            product0 = _M0 * c0[j]
            product1 = _M1 * c2[j]
            new0 = (product1 >> _SHIFT) ^ c1[j] ^ k0
            new2 = (product0 >> _SHIFT) ^ c3[j] ^ k1
            c1[j] = product1 & _MASK
            c3[j] = product0 & _MASK
            c0[j] = new0
            c2[j] = new2
        k0, k1 = (k0 + _W0) & _MASK, (k1 + _W1) & _MASK


@inlined
def block_uniform(words, word, j):
    """Word ``word`` of counter j of a block as a uniform in (0, 1) (``streams.word_uniform``)."""
    return streams.word_uniform(words[word, j])
