"""Kernels of need churn (ODD §7.14, "Need churn"): who takes over a need that passes to another resident of
the same unit, and what her provider's users feel now, without a sort per round of draws."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined, stream_blocks, streams
from .holders import holder, set_holder
from .preferences import decoded, encoded

MAX_DRAWS = 8  # rejection draws for a new holder of a need before it stays with the old one (ODD §7.14)


@inlined
def is_high_need(high_need_bits, slot):
    """Whether slot ``slot``'s need is high: its bit in ``high_need_bits`` (eight slots a byte, little-endian,
    ``ServiceUsers.high_need_bits``, ODD §9 D-F33)."""
    return (high_need_bits[slot >> 3] >> (slot & 7)) & 1 != 0


@inlined
def need_level(high_need_bits, slot, high_need32):
    """Slot ``slot``'s need as the float32 the slots once kept: ``high_need32`` where it is high, 1 otherwise."""
    return high_need32 if is_high_need(high_need_bits, slot) else np.float32(1.0)


@compiled
def place_needs(uniform, pending, units, unit_starts, unit_sizes, holds, bit, new_holder):
    """One round of ODD §7.14's rejection draws: each pending slot k (in order, one ``uniform`` each) draws the
    resident start_u + floor(uniform * size_u) of its unit u; she takes the need if she does not hold this
    sector's need yet. Registering her at once makes a second draw of the same person in this round fail, which
    is the rule "free at the round's start and the round's first draw of her". Returns how many stay pending."""
    draw_index = 0
    remaining = 0
    for slot in range(pending.size):
        if not pending[slot]:
            continue
        unit = units[slot]
        person = np.int32(unit_starts[unit] + uniform[draw_index] * unit_sizes[unit])
        draw_index += 1
        if holds[person] & bit:
            remaining += 1
            continue
        holds[person] |= bit
        new_holder[slot] = person
        pending[slot] = False
    return remaining


@compiled
def release_needs(old_holder, new_holder, holds, bit):
    """ODD §7.14: a holder whose need passed to someone else no longer holds it. Returns how many passed."""
    passed = 0
    for slot in range(old_holder.size):
        if new_holder[slot] != old_holder[slot]:
            holds[old_holder[slot]] &= ~bit
            passed += 1
    return passed


@compiled
def mean_by_row(provider, values, n_rows):
    """ODD §7.14 a newcomer's first satisfaction: the mean of ``values`` over each provider row's slots (0 for
    a row without users), summed in float64 in slot order as ``bincount`` does."""
    total = np.zeros(n_rows)
    count = np.zeros(n_rows, np.int64)
    for slot in range(provider.size):
        total[provider[slot]] += np.float64(values[slot])
        count[provider[slot]] += 1
    mean = np.zeros(n_rows)
    for row in range(n_rows):
        if count[row] > 0:
            mean[row] = total[row] / count[row]
    return mean


@inlined
def begin_need(slot, unit, person, high, high_need_bits, last_participation, since, contribute, use_only, stance, civic,
               home_provider, mean_satisfaction, provider, satisfaction):
    """ODD §7.14, what a fresh need starts with besides its design: its bit in ``high_need_bits`` (set where
    ``high``), the stance of her civic habit (she contributes if she took part in the last 12 months: her
    ``last_participation`` after month ``since``, read where the need starts rather than from a whole array of
    every adult's habit, ODD §9 D-F298), no membership or seat, her unit's home provider, and as satisfaction what
    its users now feel (kept as float32)."""
    if high:
        high_need_bits[slot >> 3] |= np.uint8(1 << (slot & 7))
    else:
        high_need_bits[slot >> 3] &= np.uint8(~(1 << (slot & 7)) & 0xFF)
    stance[slot] = contribute if last_participation[person] > since else use_only
    civic[slot] = 0
    row = home_provider[unit]
    provider[slot] = row
    satisfaction[slot] = np.float32(mean_satisfaction[row])


@compiled
def start_needs(moved, units, new_holder, normal, uniform, unit_pref_mean, high_need_share, high_need,
                last_participation, since, home_provider, provider_mean_satisfaction, contribute, use_only, citizen, x, high_need_bits, stance,
                civic, provider, satisfaction):
    """ODD §7.14: each moved slot k starts afresh with its new holder: a preferred design, her unit's mean plus
    her own variation ``normal`` (drawn in float64, added in float32) clipped to [0, 1] and kept as its two-byte code
    (``preferences.encoded``, ODD §9 D-F211), in every dimension; a need, high with
    chance high_need_share (one ``uniform``: her bit in ``high_need_bits`` set; ``high_need``, its level, is
    read where the need is) or 1 (the bit cleared); the stance of her civic habit (she contributes if she took
    part in the last 12 months); no membership or seat; her unit's home provider, and as satisfaction what its
    users now feel (the float64 mean kept as float32)."""
    zero32, one32 = np.float32(0.0), np.float32(1.0)
    for k in range(moved.size):
        slot, unit, person = moved[k], units[k], new_holder[k]
        set_holder(citizen, slot, person)
        for dimension in range(x.shape[1]):
            wish = unit_pref_mean[unit, dimension] + np.float32(normal[k, dimension])
            x[slot, dimension] = encoded(min(max(wish, zero32), one32))
        begin_need(slot, unit, person, uniform[k] < high_need_share, high_need_bits, last_participation, since,
                   contribute, use_only, stance, civic, home_provider, provider_mean_satisfaction, provider,
                   satisfaction)


@compiled
def drift_preferences(x, unit, shift):
    """ODD §7.14 Drift: each user's preferred design moves with her unit's mean, x_i <- clip(x_i + shift_u, 0, 1),
    computed in float64 from the code's float32 reading and kept as its code (``preferences``, ODD §9 D-F211), in
    every dimension (x (slots, D) uint16 codes, shift (units, D))."""
    for slot in range(x.shape[0]):
        for dimension in range(x.shape[1]):
            moved = np.float64(decoded(x[slot, dimension])) + shift[unit[slot], dimension]
            x[slot, dimension] = encoded(min(max(moved, 0.0), 1.0))


@inlined
def clipped_code(value):
    """The code of ``value`` clipped to [0, 1] (``preferences.encoded`` of min(max(value, 0), 1), as the selects of
    D-F73 give it), for a ``value`` in [-1, 2] or NaN (a code's reading plus a shift between clipped means): the
    product by 65535 rounded to an integer and clipped to [0, 65535] in integers. Where the value is in [0, 1]
    that is ``encoded``'s arithmetic; below 0 the rounded product is at most 0 (a negative zero too), above 1 at
    least 65535 (the product is rounded up from 1 * 65535 or more), so both give the bound's code; a NaN gives 0,
    as the compiled ``encoded`` of a NaN did. Integer clips the compiler vectorises, where the clip in floats
    before ``encoded`` it turned into branches (ODD §9 D-F260)."""
    code = np.int64(np.rint(value * 65535.0))
    code = code if code > 0 else np.int64(0)
    code = code if code < 65535 else np.int64(65535)
    return np.uint16(code)


@compiled
def drift_preferences_by_unit(x, unit_start, unit_count, shift):
    """``drift_preferences`` for slots sorted by unit, each unit's run of slots (``unit_start``, ``unit_count``)
    moved by its shift: the same numbers, without a slot's stored unit (ODD §9 D-F66). The clip is two selects
    that give what the compiled min(max(.)) gives, without its compare-and-branch (D-F73); each moved coordinate
    is kept as its code (``preferences.encoded``, D-F211: a NaN, which only a NaN parameter gives, has none). In
    two dimensions (the default design space) a unit's two shifts are read once and a slot's pair moved
    together, as one row of codes (``x`` C-contiguous) indexed unsigned, each code moved by its dimension's
    shift, so that the compiler vectorises the run (D-F116, D-F251: indexed by a signed slot, the loop kept a
    check for a negative index and stayed scalar), and clipped in integers (``clipped_code``, D-F260: the same
    codes, without the compare-and-branches the clip in floats before ``encoded`` became)."""
    if x.shape[1] == 2:
        codes = x.reshape(x.size)  # the codes in their order, slot by slot, two a slot (ODD §9 D-F251)
        for unit in range(unit_start.size):
            shift0, shift1 = shift[unit, 0], shift[unit, 1]
            begin, end = np.uint64(2 * unit_start[unit]), np.uint64(2 * (unit_start[unit] + unit_count[unit]))
            for code in range(begin, end):
                codes[code] = clipped_code(np.float64(decoded(codes[code])) + (shift0 if code % 2 == 0 else shift1))
        return
    for unit in range(unit_start.size):
        for slot in range(unit_start[unit], unit_start[unit] + unit_count[unit]):
            for dimension in range(x.shape[1]):
                moved = np.float64(decoded(x[slot, dimension])) + shift[unit, dimension]
                moved = 0.0 if moved < 0.0 else moved
                moved = 1.0 if moved > 1.0 else moved
                x[slot, dimension] = encoded(moved)


@compiled
def drift_unit_means(unit_pref_mean, step, persistence, centre, x, unit_start, unit_count):
    """ODD §7.14 Drift, one month of a sector: each unit's mean preferred design takes its Ornstein-Uhlenbeck
    step, m_u <- clip(centre + persistence (m_u - centre) + step_u, 0, 1) (``step`` the noise NumPy drew, float64;
    the first part in float32 as NumPy computes a float32 array with Python floats, the sum and the clip in
    float64, kept as float32 in place), and each user's preference moves with her unit's mean
    (``drift_preferences_by_unit``, by the float64 shift before it was kept; slots sorted by unit; x the uint16
    codes, ``preferences``, D-F211)."""
    persistence32, centre32 = np.float32(persistence), np.float32(centre)
    shift = np.empty(step.shape)
    for u in range(unit_pref_mean.shape[0]):
        for dimension in range(unit_pref_mean.shape[1]):
            mean = unit_pref_mean[u, dimension]
            drifted = np.float64(centre32 + persistence32 * (mean - centre32)) + step[u, dimension]
            if not np.isnan(drifted):  # np.clip: a NaN stays NaN, and a bound is taken unless strictly inside
                drifted = drifted if drifted > 0.0 else 0.0
                drifted = drifted if drifted < 1.0 else 1.0
            shift[u, dimension] = drifted - np.float64(mean)
            unit_pref_mean[u, dimension] = np.float32(drifted)
    drift_preferences_by_unit(x, unit_start, unit_count, shift)


#: Where a row's slots change at fewer than this share of slots, need churn sums a row's run in registers.
LONG_RUNS = 0.07
#: How many pairs of neighbouring slots ``runs_are_long`` looks at.
RUN_SAMPLE = 1024


@compiled
def runs_are_long(provider):
    """Whether a row's slots come in long runs: the row changes between fewer than ``LONG_RUNS`` of
    ``RUN_SAMPLE`` pairs of neighbouring slots spread evenly over the sector (ODD §9 D-F115). Sums carried in
    registers over a run (D-F74) cost a mispredicted branch where the run ends; added in memory, each waits on
    the last store to the same row. Both add the same terms in the same order, so this chooses speed only."""
    m = provider.size
    if m < 2:
        return True
    pairs = min(RUN_SAMPLE, m - 1)
    changes = 0
    for i in range(pairs):
        slot = np.int64(i) * (m - 1) // pairs
        changes += provider[slot] != provider[slot + 1]
    return changes < LONG_RUNS * pairs


@compiled
def counter_words(key0, key1, month, lane, block, slots, rows, words, out):
    """Words 0-3 of the need churn counters (slots[i], month, lane, block) into out[rows[i]], 64 counters at a
    time (``stream_blocks.philox_words_at`` with ``words`` as its room): the words ``streams.philox4x32`` gives
    one counter at a time (ODD §9 D-F114)."""
    for first in range(0, slots.size, stream_blocks.BLOCK):
        count = min(stream_blocks.BLOCK, slots.size - first)
        stream_blocks.philox_words_at(key0, key1, 0, slots[first:], count, month, lane, block, words)
        for j in range(count):
            for word in range(4):
                out[rows[first + j], word] = words[word, j]


@compiled
def churn_sector(key0, key1, month, sector, volatility, provider, satisfaction, n_rows, unit_start, unit_count,
                 unit_starts, unit_sizes, holds, bit, last_participation, since, home_provider, unit_pref_mean, spread,
                 high_need_share, contribute, use_only, citizen, x, high_need_bits, stance, civic, row_users):
    """ODD §7.14 need churn of one sector, every draw from the keyed stream (``streams.NEED_CHURN``; the words are
    listed there), in one pass over the slots and a few over the churned ones:

    * each row's mean satisfaction before churn (float64 sums in slot order, as ``mean_by_row``: a row's run of
      slots summed in registers and stored at the run's end, ODD §9 D-F74, where runs are long, otherwise added
      in memory, ``runs_are_long``, D-F115), and which needs end (a slot's uniform
      below ``volatility``: its word below ``stream_blocks.words_below``, D-F114), with each one's unit from the
      unit-sorted layout;
    * the churned slots' words of counter blocks 1 (rounds 0-3), 3 (the fresh start) and, in more than two
      dimensions, 4, 64 counters at a time (``counter_words``), and of block 2 (rounds 4-7) for those still
      looking after round 3 (D-F114);
    * up to ``MAX_DRAWS`` rounds of rejection draws, round by round over the slots still looking, in slot order,
      registering a new holder at once (``place_needs``'s rule); then the old holders whose need passed on lose
      their bit (``release_needs``);
    * each churned slot's fresh start (``start_needs``): her unit's mean preferred design plus her own variation,
      N(0, ``spread``) by Box-Muller from two uniforms a pair of dimensions (float64, added in float32, clipped to
      [0, 1], kept as its code, ``preferences.encoded``, D-F211), a high need with chance ``high_need_share``, the
      stance of her civic habit (``last_participation`` after ``since``), no membership or seat, her unit's home row and its users' mean satisfaction;
    * each row's users after churn into ``row_users`` (``n_rows``, int32, D-F173): the pass's counts, each churned slot
      moved from her old row to her home row, for the month of service's lists (its own count of each provider's
      users, ``service_month.provider_starts``, not made again: ODD §9 D-F151).

    Returns how many needs passed to someone new."""
    m = provider.size
    lane = sector * streams.SECTOR_LANES + streams.NEED_CHURN
    total = np.zeros(n_rows)
    users = row_users  # each row's users, before churn and then after
    users[:] = 0
    moved = np.empty(m, np.int64)
    units = np.empty(m, np.int64)
    churned = 0
    words = stream_blocks.word_block()
    per_block = 4 * stream_blocks.BLOCK  # slots whose uniforms one block of counters gives: four a counter
    unit = 0
    long_runs = runs_are_long(provider)
    current = 0  # the row whose run of slots is being summed, where runs are long
    sum_of_run, users_of_run = 0.0, 0
    ends_below = stream_blocks.words_below(volatility)
    for first in range(0, m, per_block):
        count = min(per_block, m - first)
        stream_blocks.philox_words(key0, key1, first // 4, (count + 3) // 4, month, lane, 0, words)
        for j in range(count):
            slot = first + j
            at = np.uint64(slot)  # the slot and her row read unsigned: no check for a negative index (ODD §9 D-F254)
            row = provider[at]
            if long_runs:  # a run's sums carried in registers (D-F74)
                if row != current:
                    total[current], users[current] = sum_of_run, users_of_run
                    current = row
                    sum_of_run, users_of_run = total[np.uint64(row)], users[np.uint64(row)]
                sum_of_run += np.float64(satisfaction[at])
                users_of_run += 1
            else:  # added in memory
                total[np.uint64(row)] += np.float64(satisfaction[at])
                users[np.uint64(row)] += 1
            if words[j % 4, j // 4] < ends_below:  # the uniform below the volatility (ODD §9 D-F101)
                while slot >= unit_start[unit] + unit_count[unit]:
                    unit += 1
                moved[churned] = slot
                units[churned] = unit
                churned += 1
    if long_runs and m > 0:
        total[current], users[current] = sum_of_run, users_of_run
    mean = np.zeros(n_rows)
    for row in range(n_rows):
        if users[row] > 0:
            mean[row] = total[row] / users[row]
    old = np.empty(churned, np.int32)
    new = np.empty(churned, np.int32)
    pending = np.ones(churned, np.bool_)
    for k in range(churned):
        old[k] = holder(citizen, moved[k])
        new[k] = old[k]
    # the rounds' words: rounds 0-3 are words 0-3 of counter (slot, month, lane, 1), rounds 4-7 of block 2,
    # computed a block of churned slots at a time (ODD §9 D-F114) rather than one counter at a time in the rounds
    everyone = np.arange(churned)
    draws = np.empty((churned, 4), np.uint64)
    counter_words(key0, key1, month, lane, 1, moved[:churned], everyone, words, draws)
    remaining = churned
    for draw in range(MAX_DRAWS):  # rejection rounds, every slot still looking in slot order
        if remaining == 0:
            break
        if draw == 4:  # block 2's words for the slots still looking
            looking = np.flatnonzero(pending)
            counter_words(key0, key1, month, lane, 2, moved[looking], looking, words, draws)
        remaining = 0
        for k in range(churned):
            if not pending[k]:
                continue
            place = streams.word_uniform(draws[k, draw % 4])
            person = np.int32(unit_starts[units[k]] + place * unit_sizes[units[k]])
            if holds[np.uint64(person)] & bit:  # unsigned: no check for a negative index (ODD §9 D-F38)
                remaining += 1
                continue
            holds[np.uint64(person)] |= bit
            new[k] = person
            pending[k] = False
    passed = release_needs(old, new, holds, bit)
    zero32, one32 = np.float32(0.0), np.float32(1.0)
    dimensions = x.shape[1]
    fresh = np.empty((churned, 4), np.uint64)  # counter blocks 3 and 4 of each churned slot, a block at a time
    counter_words(key0, key1, month, lane, 3, moved[:churned], everyone, words, fresh)
    variation = np.empty((churned if dimensions > 2 else 0, 4), np.uint64)
    if dimensions > 2:
        counter_words(key0, key1, month, lane, 4, moved[:churned], everyone, words, variation)
    for k in range(churned):
        slot, unit, person = moved[k], units[k], new[k]
        set_holder(citizen, slot, person)
        for dimension in range(dimensions):
            if dimension < 2:
                radius = np.sqrt(-2.0 * np.log(streams.word_uniform(fresh[k, 2])))
                angle = 2.0 * np.pi * streams.word_uniform(fresh[k, 3])
            else:
                radius = np.sqrt(-2.0 * np.log(streams.word_uniform(variation[k, 0])))
                angle = 2.0 * np.pi * streams.word_uniform(variation[k, 1])
            normal = radius * (np.cos(angle) if dimension % 2 == 0 else np.sin(angle))
            wish = unit_pref_mean[unit, dimension] + np.float32(spread * normal)
            x[slot, dimension] = encoded(min(max(wish, zero32), one32))
        users[provider[slot]] -= 1  # she leaves her row for her unit's home row
        begin_need(slot, unit, person, streams.word_uniform(fresh[k, 0]) < high_need_share, high_need_bits,
                   last_participation, since, contribute, use_only, stance, civic, home_provider, mean, provider,
                   satisfaction)
        users[provider[slot]] += 1
    return passed
