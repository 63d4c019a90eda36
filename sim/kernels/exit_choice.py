"""Kernel of Hirschman exit (ODD §7.4): who of a sector's users switches to this month's alternative provider, in
one pass over the slots, on the model's keyed streams (``sim.kernels.streams``)."""

from __future__ import annotations

import numpy as np

from ..population import OPT_OUT
from . import compiled, inlined, stream_blocks
from .holders import holder
from .prefetch import PREFETCH_AHEAD, prefetch
from .service_value import alternative_row, index, slot_exit_gain, unit_of
from .streams import EXIT_OPTION, EXIT_REVIEW, EXIT_SWITCH, SECTOR_LANES, word_uniform


@compiled
def exit_month(key0, key1, month, sector, stance, provider, unit_start, unit_count, home_row, neighbours,
               neighbour_count, x, citizen, quality_sensitivity, quality_contractible, quality_noncontractible, design,
               service_weight, mismatch_weight, switch_cost, civic, revision_rate, exit_sensitivity):
    """ODD §7.4 on keyed streams, one pass over a sector's slots: a user who does not opt out reviews when her
    uniform (purpose ``EXIT_REVIEW``) is below ``revision_rate``; a reviewer whose alternative row (§7.1's, from the
    same ``EXIT_OPTION`` uniform service use drew it with, so the same row) differs from her provider switches when
    her uniform (purpose ``EXIT_SWITCH``) is below the logit chance 1 / (1 + exp(-exit_sensitivity * gain))
    (float32, as the gain: ``service_value.slot_exit_gain``, what service use valued this month, derived again:
    her row, unit, preference and the rows' qualities and designs have not changed since, ODD §9 D-F81); a
    switcher's provider becomes the alternative and her membership and seats (``civic``) end. A slot's unit comes
    from the unit-sorted layout (``unit_start``, ``unit_count``). Returns the switchers' slots (ascending) and the
    rows they left (int32: a sector has fewer slots than adults, ODD §9 D-F221), for the voice benefit of a
    year-end ballot this month.

    A batch of 256 slots at a time (``exit_batch``; stance revision calls it for its own blocks where exit
    follows it, ``stance_revision.revise_and_recruit``, ODD §9 D-F150): their review words as a block (``stream_blocks.philox_words``, 64 counters,
    word slot % 4 of counter slot // 4, as ``streams.slot_uniform``'s), the list of reviewers (without a branch,
    a word compared with the count of words whose uniform is below the rate, ``stream_blocks.words_below``, ODD
    §9 D-F101; then those who opt out left out, D-F103), then the counters of the reviewers' exit option and
    switch uniforms as blocks (``stream_blocks.philox_words_at``: the same words as ``streams.slot_uniform``'s,
    ODD §9 D-F40)."""
    sensitivity = np.float32(exit_sensitivity)
    batch = 4 * stream_blocks.BLOCK  # slots: a block of review counters, four slots a counter
    room = (stream_blocks.word_block(), np.empty(batch, np.int64), np.empty(batch, np.int64),
            np.empty((4, batch), np.uint64), np.empty((4, batch), np.uint64))
    review_below = stream_blocks.words_below(revision_rate)  # a review word below it is a uniform below the rate
    unit = 0
    moved, left = np.empty(0, np.int32), np.empty(0, np.int32)  # the switchers and their old rows (D-F221)
    n_moved = 0
    for first in range(0, provider.size, batch):
        moved, left = switch_room(moved, left, n_moved + batch)
        unit, n_moved = exit_batch(
            key0, key1, month, sector, first, min(batch, provider.size - first), stance, provider, unit_start,
            unit_count, home_row, neighbours, neighbour_count, x, citizen, quality_sensitivity, quality_contractible,
            quality_noncontractible, design, service_weight, mismatch_weight, switch_cost, civic, review_below,
            sensitivity, room, unit, moved, left, n_moved)
    return moved[:n_moved].copy(), left[:n_moved].copy()


@inlined
def switch_room(moved, left, needed):
    """``moved`` and ``left`` (the switchers so far and their old rows, int32), grown to hold at least
    ``needed``."""
    if needed <= moved.size:
        return moved, left
    size = max(2 * moved.size, needed)
    more_moved, more_left = np.empty(size, np.int32), np.empty(size, np.int32)
    more_moved[:moved.size], more_left[:left.size] = moved, left
    return more_moved, more_left


@inlined
def exit_batch(key0, key1, month, sector, first, count, stance, provider, unit_start, unit_count, home_row,
               neighbours, neighbour_count, x, citizen, quality_sensitivity, quality_contractible,
               quality_noncontractible, design, service_weight, mismatch_weight, switch_cost, civic, review_below,
               sensitivity, room, unit, moved, left, n_moved):
    """ODD §7.4 for the ``count`` slots from ``first`` (a multiple of 4; ``count`` at most ``exit_room``'s batch):
    the review words as a block, the reviewers listed, their option and switch words, and each reviewer's
    switch (``exit_month``). ``unit`` is the unit of an earlier slot; the switchers and their old rows are added
    to ``moved`` and ``left`` (``n_moved`` of them so far; room for ``count`` more, ``switch_room``). ``room`` holds
    the batch's words and lists: the review words (``stream_blocks.word_block``), the reviewers and their
    counters (``count`` int64 each), their option and switch words ((4, ``count``) uint64 each). Returns the
    unit of the last reviewer and the switchers' count."""
    review_words, reviewers, counters, option_words, switch_words = room
    review_lane = sector * SECTOR_LANES + EXIT_REVIEW
    option_lane, switch_lane = sector * SECTOR_LANES + EXIT_OPTION, sector * SECTOR_LANES + EXIT_SWITCH
    one = np.float32(1.0)
    stream_blocks.philox_words(key0, key1, first >> 2, (count + 3) >> 2, month, review_lane, 0, review_words)
    n_reviewers = 0
    for k in range(count):  # whose draw is below the rate
        reviewers[n_reviewers] = k
        n_reviewers += 1 if review_words[k & 3, k >> 2] < review_below else 0
    n_drawn, n_reviewers = n_reviewers, 0
    for j in range(n_drawn):  # of those, who does not opt out (the stances read for a tenth of the slots)
        reviewers[n_reviewers] = reviewers[j]
        n_reviewers += 1 if stance[first + reviewers[j]] != OPT_OUT else 0
    for j in range(n_reviewers):
        counters[j] = (first + reviewers[j]) >> 2
    stream_blocks.philox_words_at(key0, key1, 0, counters, n_reviewers, month, option_lane, 0, option_words)
    stream_blocks.philox_words_at(key0, key1, 0, counters, n_reviewers, month, switch_lane, 0, switch_words)
    for j in range(n_reviewers):
        # the sensitivity's line of the reviewer PREFETCH_AHEAD on (ODD §9 D-F250)
        prefetch(quality_sensitivity, index(holder(citizen, first + reviewers[min(j + PREFETCH_AHEAD, n_reviewers - 1)])))
        slot = first + reviewers[j]
        here = provider[slot]
        unit = unit_of(slot, unit, unit_start, unit_count)
        alternative = alternative_row(word_uniform(option_words[slot & 3, j]), here, unit, home_row, neighbours,
                                      neighbour_count)
        if alternative == here:
            continue
        gain = slot_exit_gain(alternative, here, slot, x, quality_sensitivity[holder(citizen, slot)], quality_contractible,
                              quality_noncontractible, design, service_weight, mismatch_weight, switch_cost)
        chance = one / (one + np.exp(-(sensitivity * gain)))
        if word_uniform(switch_words[slot & 3, j]) < chance:
            moved[n_moved], left[n_moved] = slot, here
            n_moved += 1
            provider[slot] = alternative
            civic[slot] = 0
    return unit, n_moved
