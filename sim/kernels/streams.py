"""Keyed, counter-based random streams (ODD §9 D-F18): a draw is a function of (the model's key, a counter), never
of the order in which a kernel visits slots, of other sectors or of other authorities.

The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3",
SC'11; the generator of Random123, cuRAND and oneMKL): a ten-round Feistel-like network of 32-bit multiplies
that maps a 128-bit counter and a 64-bit key to 128 random bits, and passes TestU01's BigCrush. The output is a
pure function ``philox4x32(key, counter)``, so a kernel can draw slot i's number wherever it meets slot i, and
fused passes, a partitioned national run or a different order of visits all see the same numbers.

* **Key**: two 32-bit words per model (``model.stream_key``), derived at construction from the model's seed
  (``stream_key``: ``SeedSequence(entropy, spawn_key=(..., SLOT_STREAMS_KEY))``, as need churn keys its stream,
  ODD D-K5) without moving the model's generator or its spawn counter. A national run seeds each authority's model
  from (seed, authority) (ODD D-NAT3), so its key is keyed by authority too. The key does not depend on the
  regime: replicate k of every regime draws the same numbers at the same counters (common random numbers).
* **Counter**: four 32-bit words (index, month, sector * 256 + purpose, block): ``index`` is the slot (or a
  position in a sector's list), ``month`` the model's month, ``purpose`` a named constant below for each site
  that draws (two sites never share one) and ``block`` the block of four words when a site needs more than four
  (0 otherwise).
* **Uniforms**: a 32-bit word w gives (w + 0.5) * 2^-32, strictly inside (0, 1) with 2^32 equally likely values.
  Every uniform of the model is compared with a chance or scaled to a small count (a neighbour, a position in a
  provider's users), where 32 bits resolve a chance to 2.3e-10, far below anything a run could detect; one
  Philox call gives four such uniforms. The open interval keeps 1 - u and log(u) finite.
* **Bounded integers** (``bounded``): floor(u * n) with u built from two words to 53 bits (a float64's
  precision), so each of the n values has chance 1/n within n * 2^-53 (a shuffle of a provider's users, n at most
  a few million, is uniform to 1e-9).

All arithmetic is on 64-bit unsigned integers holding 32-bit words (Numba types a uint32 product as uint64 anyway,
and this keeps the high half of each product without a 128-bit type).
"""

from __future__ import annotations

import numpy as np

from . import inlined

#: The spawn key under which a model's slot streams are keyed from its seed (need churn's is 714, D-K5).
SLOT_STREAMS_KEY = 1812

# --- purposes: one per site that draws (index, month, sector * 256 + purpose, block) ------------------------------
# Numbers 1-15: service use and exit (ODD §7.1, §7.4), the service helper's; 16-31: the rest of the slot month
# (§7.2, §7.3, §7.14), registered by the revision helper below its heading; 32-255 free. Never reuse a number.
#: §7.1 Exit option: the uniform that picks the alternative row among the home row's neighbours (``slot_uniform``:
#: four slots a counter).
EXIT_OPTION = 1
#: §7.1 Groups: the bounded draw that gives each user her place in her provider's list (inside-out Fisher-Yates
#: in slot order, ``sim.kernels.service_month.shuffle_positions``; ``slot_unit53``: two slots a counter).
GROUP_SHUFFLE = 2
#: §7.4 Exit: whether a user reviews her provider this month (``slot_uniform``).
EXIT_REVIEW = 3
#: §7.4 Exit: whether a reviewer switches to her alternative (``slot_uniform``).
EXIT_SWITCH = 4
#: Every registered purpose by name (the tests check that no two share a number).
PURPOSES = {"EXIT_OPTION": EXIT_OPTION, "GROUP_SHUFFLE": GROUP_SHUFFLE, "EXIT_REVIEW": EXIT_REVIEW,
            "EXIT_SWITCH": EXIT_SWITCH}
#: A sector's lanes: sector * SECTOR_LANES + purpose is the counter's third word.
SECTOR_LANES = 256

# The revision helper's purposes (the rest of the slot month, §7.2, §7.3, §7.14: numbers 16-31):
#: §7.2 Stance revision and recruitment. Block 0, index slot // 2 (two slots a counter, words 0-1 the even slot's,
#: 2-3 the odd one's): whether and how she revises, whether a channel asks her. Block 1, index the slot (revisers
#: only): whether her model comes from next door and, below the share, which neighbouring unit (0); which user
#: of the source unit (1); whether she imitates or, deliberating, which stance she chooses (2); whether she
#: explores and, below the rate, which stance she takes (3).
STANCE_REVISION = 16
#: §7.3 Monthly membership: whether a user of a row with a member board joins (word slot % 4 of index slot // 4).
MEMBERSHIP = 17
#: §7.14 Need churn. Block 0, index slot // 4 (word slot % 4): whether her need ends. For a slot whose need ends,
#: index the slot: blocks 1-2, the resident drawn in rejection round r (word r % 4 of block 1 + r // 4); block 3,
#: whether the new need is high (0) and the normals of her preferred design's first two dimensions (Box-Muller
#: from 2-3); block 4, those of the third and fourth (from 0-1).
NEED_CHURN = 18
PURPOSES.update(STANCE_REVISION=STANCE_REVISION, MEMBERSHIP=MEMBERSHIP, NEED_CHURN=NEED_CHURN)

_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)  # Philox's multipliers (Salmon et al. 2011, Table 2)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)  # its Weyl key increments (golden ratio, sqrt(3) - 1)
_TO_UNIT = 2.0 ** -32
_TO_UNIT53 = 2.0 ** -53


def stream_key(model_rng: np.random.Generator) -> tuple[int, int]:
    """The model's two key words, from its seed's SeedSequence with the spawn key ``SLOT_STREAMS_KEY`` appended:
    the model's generator, and the children later spawned from it, are untouched."""
    seed_sequence = model_rng.bit_generator.seed_seq
    keyed = np.random.SeedSequence(seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, SLOT_STREAMS_KEY),
                                   pool_size=seed_sequence.pool_size)
    words = keyed.generate_state(2, np.uint32)
    return int(words[0]), int(words[1])


def lane(sector: int, purpose: int) -> int:
    """The counter's third word for ``purpose`` in ``sector``."""
    return sector * SECTOR_LANES + purpose


@inlined
def philox4x32(key0, key1, counter0, counter1, counter2, counter3):
    """Philox4x32-10 (Salmon et al. 2011): four 32-bit words (as uint64) from a 64-bit key and a 128-bit counter.
    Each round multiplies words 0 and 2 by M0 and M1, keeps both halves of each product and xors the high halves
    with the other words and the round's key; the key is bumped by the Weyl increments between rounds."""
    k0, k1 = np.uint64(key0) & _MASK, np.uint64(key1) & _MASK
    c0, c1 = np.uint64(counter0) & _MASK, np.uint64(counter1) & _MASK
    c2, c3 = np.uint64(counter2) & _MASK, np.uint64(counter3) & _MASK
    for _ in range(10):
        product0 = _M0 * c0
        product1 = _M1 * c2
        c0, c1, c2, c3 = ((product1 >> _SHIFT) ^ c1 ^ k0, product1 & _MASK,
                          (product0 >> _SHIFT) ^ c3 ^ k1, product0 & _MASK)
        k0, k1 = (k0 + _W0) & _MASK, (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@inlined
def word_uniform(word):
    """A 32-bit word as a uniform in (0, 1): (w + 0.5) * 2^-32."""
    return (np.float64(word) + 0.5) * _TO_UNIT


@inlined
def uniforms4(key0, key1, index, month, sector, purpose, block):
    """Four independent uniforms in (0, 1) for (index, month, sector, purpose, block) under the model's key."""
    w0, w1, w2, w3 = philox4x32(key0, key1, index, month, sector * SECTOR_LANES + purpose, block)
    return word_uniform(w0), word_uniform(w1), word_uniform(w2), word_uniform(w3)


@inlined
def uniform(key0, key1, index, month, sector, purpose):
    """One uniform in (0, 1) for (index, month, sector, purpose): the first word of block 0."""
    w0, _w1, _w2, _w3 = philox4x32(key0, key1, index, month, sector * SECTOR_LANES + purpose, 0)
    return word_uniform(w0)


@inlined
def bounded(key0, key1, index, month, sector, purpose, n):
    """A whole number in [0, n), each with chance 1/n within n * 2^-53: floor(u n) for u made of 53 bits of the
    first two words of block 0 (27 of one, 26 of the other, as NumPy's and the C++ standard's doubles)."""
    w0, w1, _w2, _w3 = philox4x32(key0, key1, index, month, sector * SECTOR_LANES + purpose, 0)
    high = np.float64(w0 >> np.uint64(5))  # 27 bits
    low = np.float64(w1 >> np.uint64(6))  # 26 bits
    unit = (high * 67108864.0 + low) * _TO_UNIT53
    draw = np.int64(unit * n)
    return draw if draw < n else n - 1


#: Slots' draws a kernel computes at a time into a small buffer (``fill_slot_uniforms``, ``fill_slot_units53``): a
#: loop of Philox calls with nothing else in it runs its independent calls side by side (SIMD and out of order),
#: where a call inside a loop that also reads and writes memory waits out its ten rounds' latency. A multiple of 4.
BATCH = 64


@inlined
def _word(w0, w1, w2, w3, word):
    """Word ``word`` (0-3) of a Philox output."""
    if word == 0:
        return w0
    if word == 1:
        return w1
    return w2 if word == 2 else w3


@inlined
def slot_uniform(key0, key1, slot, month, sector, purpose):
    """The uniform of ``slot`` for a purpose that gives four slots a counter: word slot % 4 of the counter
    (slot // 4, month, sector * 256 + purpose, 0), as ``word_uniform``."""
    w0, w1, w2, w3 = philox4x32(key0, key1, slot >> 2, month, sector * SECTOR_LANES + purpose, 0)
    return word_uniform(_word(w0, w1, w2, w3, slot & 3))


@inlined
def slot_unit53(key0, key1, slot, month, sector, purpose):
    """The 53-bit uniform in [0, 1) of ``slot`` for a purpose that gives two slots a counter: words 0-1 of the
    counter (slot // 2, month, sector * 256 + purpose, 0) for an even slot, words 2-3 for an odd one (27 bits of
    the first, 26 of the second, as ``bounded``)."""
    w0, w1, w2, w3 = philox4x32(key0, key1, slot >> 1, month, sector * SECTOR_LANES + purpose, 0)
    high, low = (w2, w3) if slot & 1 else (w0, w1)
    return (np.float64(high >> np.uint64(5)) * 67108864.0 + np.float64(low >> np.uint64(6))) * _TO_UNIT53


@inlined
def fill_slot_uniforms(key0, key1, first_slot, month, sector, purpose, out):
    """``out[k] = slot_uniform(..., first_slot + k, ...)`` for every k of ``out`` (``first_slot`` and ``out.size``
    multiples of 4; slots past a sector's last are drawn and not read)."""
    for quad in range(out.size >> 2):
        w0, w1, w2, w3 = philox4x32(key0, key1, (first_slot >> 2) + quad, month, sector * SECTOR_LANES + purpose, 0)
        out[4 * quad] = word_uniform(w0)
        out[4 * quad + 1] = word_uniform(w1)
        out[4 * quad + 2] = word_uniform(w2)
        out[4 * quad + 3] = word_uniform(w3)


@inlined
def fill_slot_units53(key0, key1, first_slot, month, sector, purpose, out):
    """``out[k] = slot_unit53(..., first_slot + k, ...)`` for every k of ``out`` (``first_slot`` and ``out.size``
    even)."""
    for pair in range(out.size >> 1):
        w0, w1, w2, w3 = philox4x32(key0, key1, (first_slot >> 1) + pair, month, sector * SECTOR_LANES + purpose, 0)
        out[2 * pair] = (np.float64(w0 >> np.uint64(5)) * 67108864.0 + np.float64(w1 >> np.uint64(6))) * _TO_UNIT53
        out[2 * pair + 1] = (np.float64(w2 >> np.uint64(5)) * 67108864.0
                             + np.float64(w3 >> np.uint64(6))) * _TO_UNIT53


@inlined
def scaled_draw(unit, n):
    """floor(unit n), at most n - 1: ``bounded``'s whole number from its 53-bit uniform."""
    draw = np.int64(unit * n)
    return draw if draw < n else n - 1
