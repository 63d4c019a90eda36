"""Kernels of stance revision (ODD §7.2): who revises this month and how, and recruitment by the participation
channels, in one pass over a sector's slots each instead of comparisons, selections and gathers."""

from __future__ import annotations

import numpy as np

from ..population import CONTRIBUTE, OPT_OUT, USE_ONLY
from . import compiled, exit_choice, stream_blocks, streams
from .holders import holder
from .prefetch import PREFETCH_AHEAD, prefetch
from .service_value import index, slot_cost, slot_utility
from .voice import hirschman_reference_at, voice_term

#: Slots a block of ``revise_and_recruit``: their words are computed together and exit reviews them in one batch.
#: A block's fixed cost (the calls that compute its listed revisers' words, exit's batch with its arrays' reference
#: counts) was about a tenth of the kernel at 128 slots; at 2,048 it is a sixtieth (ODD §9 D-F200).
SLOTS = 2048


@compiled
def split_revisers(draw, social_share, revision_rate):
    """ODD §7.2: a slot revises socially when its draw is below revision_rate * (1 - motive_share)
    (``social_share``) and deliberates by her motives when it is at or above that but below
    ``revision_rate``. Returns both lists of slots, in slot order."""
    social = np.empty(draw.size, np.int64)
    deliberating = np.empty(draw.size, np.int64)
    n_social = n_deliberating = 0
    for slot in range(draw.size):
        if draw[slot] < social_share:
            social[n_social] = slot
            n_social += 1
        elif draw[slot] < revision_rate:
            deliberating[n_deliberating] = slot
            n_deliberating += 1
    return social[:n_social].copy(), deliberating[:n_deliberating].copy()


@compiled
def recruit(uniform, stance, citizen, targeted, reach_scale, targeting, deprivation, resources, resources_mean,
            contribute, use_only):
    """ODD §7.2 Recruitment: a user who only uses is asked with chance min(reach_scale * reach_i, 1) (one
    ``uniform`` a slot) and then contributes. Her reach is the audit's targeting of her deprivation quintile
    (float64) when the channels are ``targeted``, otherwise her civic resources over their mean (float32, as
    NumPy computes a float32 array with a Python float: the usual suspects). Returns the new stances."""
    new = stance.copy()
    scale32, mean32, one32 = np.float32(reach_scale), np.float32(resources_mean), np.float32(1.0)
    for slot in range(stance.size):
        if stance[slot] != use_only:
            continue
        if targeted:
            chance = min(reach_scale * targeting[deprivation[holder(citizen, slot)]], 1.0)
        else:
            chance = np.float64(min(scale32 * (resources[holder(citizen, slot)] / mean32), one32))
        if uniform[slot] < chance:
            new[slot] = contribute
    return new


@compiled
def look_next_door(uniform, unit, neighbour_count, neighbour_share):
    """ODD §7.2 Models: which revisers look for a model in a neighbouring unit (``uniform`` below
    ``neighbour_share``, and her unit has neighbours). Returns the flags and how many."""
    looks = np.zeros(unit.size, np.bool_)
    count = 0
    for k in range(unit.size):
        if uniform[k] < neighbour_share and neighbour_count[unit[k]] > 0:
            looks[k] = True
            count += 1
    return looks, count


@compiled
def pick_models(unit, looks, neighbour_draw, model_draw, unit_start, unit_count, neighbours, neighbour_count):
    """ODD §7.2 Models: reviser k's model is a random user of her source unit, her own or (``looks``) the
    neighbour numbered floor(neighbour_draw * neighbours) of hers (one ``neighbour_draw`` per reviser who looks,
    in order); the model is the slot unit_start + floor(model_draw_k * users of the source), -1 where the source
    has no users."""
    model = np.empty(unit.size, np.int64)
    looked = 0
    for k in range(unit.size):
        source = unit[k]
        if looks[k]:
            source = neighbours[source, np.int64(neighbour_draw[looked] * neighbour_count[source])]
            looked += 1
        users = unit_count[source]
        model[k] = unit_start[source] + np.int64(model_draw[k] * users) if users > 0 else -1
    return model


@compiled
def motive_gains(slots, provider, x, personal_cost, benefit, quality_contractible, quality_noncontractible, design,
                 service_weight, mismatch_weight, own_share, outside_option, pool_effort, participation):
    """ODD §7.2 Deliberation by motives, the payoffs relative to using only, for the listed slots: contributing
    adds b_i + r c / N - c_i (``own_share`` is r c / N); opting out gives sigma - (U_i + r c * participation_p)
    (``pool_effort`` is r c). In float64, as NumPy computes a float32 array with the float64 scalars r and
    sigma; U_i is the service utility (computed in float64, kept as float32)."""
    gain_contribute = np.empty(slots.size)
    gain_leave = np.empty(slots.size)
    for k in range(slots.size):
        slot = slots[k]
        row = provider[slot]
        gain_contribute[k] = (np.float64(benefit[k]) + own_share) - np.float64(personal_cost[slot])
        utility = slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design, service_weight,
                               mismatch_weight)  # ODD §7.1 service utility, as in ``service_utility``
        gain_leave[k] = outside_option - (np.float64(utility) + pool_effort * participation[row])
    return gain_contribute, gain_leave


@compiled
def choose_by_weights(uniform, weight_contribute, weight_leave, contribute, opt_out, use_only):
    """ODD §7.2 Deliberation by motives, the logit choice: with weights 1 (use only), w_C and w_L, a uniform
    scaled by their total picks contribute below w_C, opt out below w_C + w_L, use only above."""
    stance = np.empty(uniform.size, np.int8)
    for k in range(uniform.size):
        draw = uniform[k] * ((1.0 + weight_contribute[k]) + weight_leave[k])
        if draw < weight_contribute[k]:
            stance[k] = contribute
        elif draw < weight_contribute[k] + weight_leave[k]:
            stance[k] = opt_out
        else:
            stance[k] = use_only
    return stance


@compiled
def imitation_gains(revising, models, satisfaction):
    """ODD §7.2 Imitation: how much better each reviser's model fares, satisfaction[model] - satisfaction[reviser]
    (float32; a reviser without a model, ``models[k]`` = -1, compares herself with herself)."""
    gain = np.empty(revising.size, np.float32)
    for k in range(revising.size):
        model = models[k] if models[k] >= 0 else revising[k]
        gain[k] = satisfaction[model] - satisfaction[revising[k]]
    return gain


@compiled
def imitate_and_explore(stance, revising, models, chance, imitation_draw, explore_draw, exploration,
                        explored_stance):
    """ODD §7.2 Imitation and exploration: reviser k copies her model's stance of last month when she has one and
    ``imitation_draw[k]`` < ``chance[k]``; she explores when ``explore_draw[k]`` < ``exploration`` and then takes
    the next of ``explored_stance`` (drawn for the explorers in reviser order), whatever imitation gave. Revisers
    are distinct slots. Returns the new stances."""
    new = stance.copy()
    explorer = 0
    for k in range(revising.size):
        if models[k] >= 0 and imitation_draw[k] < chance[k]:
            new[revising[k]] = stance[models[k]]
        if explore_draw[k] < exploration:
            new[revising[k]] = explored_stance[explorer]
            explorer += 1
    return new


@compiled
def revise_and_recruit(key0, key1, month, sector, stance, satisfaction, unit_start, unit_count, neighbours,
                       neighbour_count, social_share, revision_rate, neighbour_share, proportional, strength,
                       exploration, provider, x, citizen, resource_gradient, participation_cost, crowd_out, home_row,
                       row_neighbours, row_neighbour_count, quality_sensitivity, switch_cost, quality_contractible,
                       quality_noncontractible, design, service_weight, mismatch_weight, aspiration, voice_value,
                       habit_value, duty_value, efficacy, last_participation, since, disposition, disposition_scale,
                       own_share, outside_option, pool_effort, participation, sensitivity, recruiting, targeted,
                       reach_scale, targeting, deprivation, resources, resources_mean, exits, civic, exit_sensitivity):
    """ODD §7.2 for one sector in one pass over its slots, each slot's uniforms from the keyed stream
    (``streams.STANCE_REVISION``, index the slot: the words are listed there), so that no slot's draws depend on
    another's; and, where ``exits`` (users may choose), ODD §7.4's exit in the same pass (ODD §9 D-F150). Returns
    the new stances, under the proportional rule the largest imitation chance (the caller refuses one above 1),
    and exit's switchers and the rows they left (``exit_choice.exit_month``'s; empty without ``exits``).

    * **Who revises**: a slot revises socially when its uniform is below ``social_share`` (revision_rate (1 -
      motive_share)) and deliberates when it is at or above that and below ``revision_rate``.
    * **Imitation** (social revisers): her model is a random user of her own unit or, with chance
      ``neighbour_share`` where her unit has neighbours, of a random neighbouring unit (none where that unit has
      no users); she copies the model's stance of last month (``stance``: every reviser reads the stances before
      anyone revised) with chance 1 / (1 + exp(-s (pi_model - pi_i))) (Fermi) or min(s max(gain, 0), 1)
      (``proportional``), satisfaction as payoff; then with chance ``exploration`` she takes a stance drawn
      uniformly from the three, whatever imitation gave.
    * **Deliberation by motives** (§7.3's motives): relative to using only, contributing gains b_i + delta_i +
      r c / N - c_i (c_i from her civic resources, ``service_value.slot_cost``; ``own_share`` r c / N; b_i as
      ``sim.kernels.voice.voice_benefit``, where exit crowds out voice with this month's exit gain derived from
      the exit option's keyed uniform, ``service_value.slot_exit_gain``, its word computed in a block with the
      other revisers', ODD §9 D-F100; delta_i her lasting disposition z_i
      times ``disposition_scale``, 0 where it is off), opting out gains sigma - (U_i + r c participation_p)
      (``pool_effort`` r c); she chooses by the logit weights exp(clip(s_f gain, -50, 50)) of the three stances,
      use only's weight 1 (``sensitivity`` s_f).
    * **Recruitment** (``recruiting``: the channels reach the sector): a user whose new stance is use only is
      asked with chance min(reach_scale reach_i, 1), reach_i the audit's ``targeting`` of her deprivation quintile
      (``targeted``) or her civic resources over ``resources_mean``, and then contributes.
    * **Exit** (``exits``): once a block of slots has its new stances, ``exit_choice.exit_batch`` reviews the
      block's users as ``exit_choice.exit_month`` does (a switcher's provider and ``civic`` change, with the
      review rate ``revision_rate`` and the logit's ``exit_sensitivity``). The same as exit's own pass after
      every sector's revision: exit writes the block's providers and membership bits only, which no later slot's
      revision reads (a reviser reads her own provider, and her models' satisfaction and stance), and the streams
      are keyed by slot, so the order of the draws is immaterial.

    A slot's unit follows from the unit-sorted layout (``unit_start``, ``unit_count``). The arithmetic of each
    quantity is the width NumPy used (float32 utilities, benefits and satisfactions, float64 gains and chances)."""
    new = stance.copy()
    lane = sector * streams.SECTOR_LANES + streams.STANCE_REVISION
    aspiration32, voice32, scale32 = np.float32(aspiration), np.float32(voice_value), np.float32(disposition_scale)
    recruit_scale32, mean32, one32 = np.float32(reach_scale), np.float32(resources_mean), np.float32(1.0)
    largest_chance = 0.0
    # The largest chance of being asked: a recruitment draw at or above it asks no one, so its slot's stance and
    # reach are not read (ODD §9 D-F72). Targeted, the most targeted quintile's (a product by a non-negative
    # scale and a min are monotone, so no one's chance exceeds it; a NaN keeps every draw); untargeted, 1.
    ask_bound = 1.0
    if recruiting and targeted and reach_scale >= 0.0:
        highest = 0.0
        for quintile in range(targeting.size):
            highest = targeting[quintile] if targeting[quintile] > highest else highest
            highest = np.inf if np.isnan(targeting[quintile]) else highest
        ask_bound = min(reach_scale * highest, 1.0)
    words = np.empty((4, SLOTS // 2), np.uint64)
    reviser_words = np.empty((4, SLOTS), np.uint64)
    revisers = np.empty(SLOTS, np.int64)
    # the exit option's words of a block's revisers (ODD §9 D-F100): counter slot // 4 of its lane, word slot % 4
    option_counters = np.empty(SLOTS, np.int64)
    option_words = np.empty((4, SLOTS), np.uint64)
    option_lane = sector * streams.SECTOR_LANES + streams.EXIT_OPTION
    # who revises, how, and whose draw could ask her, by comparing the words with their counts below the shares
    # (``stream_blocks.words_below``: the same comparisons as the uniforms', ODD §9 D-F101)
    revise_below, social_below = stream_blocks.words_below(revision_rate), stream_blocks.words_below(social_share)
    ask_below = stream_blocks.words_below(ask_bound) if recruiting else np.uint64(0)
    asked = np.empty(SLOTS, np.int64)
    unit = 0
    # exit's room: a block's words and lists, and the switchers and the rows they left (``exit_choice.exit_batch``)
    exit_words = (np.empty((4, SLOTS // 4), np.uint64), np.empty(SLOTS, np.int64), np.empty(SLOTS, np.int64),
                  np.empty((4, SLOTS), np.uint64), np.empty((4, SLOTS), np.uint64))
    exit_below, exit_sensitivity32 = stream_blocks.words_below(revision_rate), np.float32(exit_sensitivity)
    exit_unit, n_moved = 0, 0
    moved, left = np.empty(0, np.int32), np.empty(0, np.int32)  # as exit_choice.switch_room's (D-F221)
    for first in range(0, stance.size, SLOTS):  # a block of slots: their words computed together
        count = min(SLOTS, stance.size - first)
        stream_blocks.philox_words(key0, key1, first // 2, (count + 1) // 2, month, lane, 0, words)  # two slots a counter
        n_revisers = n_asked = 0
        for j in range(count):  # who revises, and whom a draw could ask (D-F72), listed without a branch
            revisers[n_revisers] = j
            n_revisers += 1 if words[2 * (j % 2), j // 2] < revise_below else 0
            asked[n_asked] = j
            n_asked += 1 if words[2 * (j % 2) + 1, j // 2] < ask_below else 0
        stream_blocks.philox_words_at(key0, key1, first, revisers, n_revisers, month, lane, 1, reviser_words)
        if crowd_out:
            for k in range(n_revisers):
                option_counters[k] = (first + revisers[k]) >> 2
            stream_blocks.philox_words_at(key0, key1, 0, option_counters, n_revisers, month, option_lane, 0,
                                          option_words)
        for k in range(n_revisers):
            # the person arrays' lines a deliberator reads, of the reviser PREFETCH_AHEAD on (ODD §9 D-F250)
            ahead = index(holder(citizen, first + revisers[min(k + PREFETCH_AHEAD, n_revisers - 1)]))
            prefetch(efficacy, ahead)
            prefetch(last_participation, ahead)
            prefetch(resources, ahead)
            if crowd_out:
                prefetch(quality_sensitivity, ahead)
            if disposition_scale != 0.0:
                prefetch(disposition, ahead)
            j = revisers[k]
            slot = first + j
            while slot >= unit_start[unit] + unit_count[unit]:  # her unit, from the unit-sorted layout
                unit += 1
            chosen = stance[slot]
            if words[2 * (j % 2), j // 2] < social_below:
                source = unit
                look = stream_blocks.block_uniform(reviser_words, 0, k)
                if neighbour_share > 0.0 and neighbour_count[unit] > 0 and look < neighbour_share:
                    # below the share, look / share is uniform again: it picks the neighbour
                    source = neighbours[unit, min(np.int64(look / neighbour_share * neighbour_count[unit]),
                                                  neighbour_count[unit] - 1)]
                if unit_count[source] > 0:
                    model = unit_start[source] + np.int64(stream_blocks.block_uniform(reviser_words, 1, k)
                                                          * unit_count[source])
                    gain = np.float64(satisfaction[model] - satisfaction[slot])
                    if proportional:
                        chance = min(strength * max(gain, 0.0), 1.0)
                        largest_chance = max(largest_chance, strength * max(gain, 0.0))
                    else:
                        chance = 1.0 / (1.0 + np.exp(-strength * gain))
                    if stream_blocks.block_uniform(reviser_words, 2, k) < chance:
                        chosen = stance[model]
                explore = stream_blocks.block_uniform(reviser_words, 3, k)
                if explore < exploration:  # below the rate, explore / rate is uniform again: it picks the stance
                    chosen = np.int8(min(np.int64(explore / exploration * 3.0), 2))
            else:
                row, person = provider[slot], holder(citizen, slot)
                utility = slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design,
                                       service_weight, mismatch_weight)  # ODD §7.1 service utility
                reference = utility
                if crowd_out:  # Hirschman: the best exit option, where exit crowds out voice
                    reference = hirschman_reference_at(streams.word_uniform(option_words[slot & 3, k]), utility,
                                                       slot, row, unit, home_row, row_neighbours,
                                                       row_neighbour_count, x, quality_sensitivity[person],
                                                       quality_contractible, quality_noncontractible, design,
                                                       service_weight, mismatch_weight, switch_cost)
                benefit = voice_term(reference, aspiration32, voice32, efficacy[person],
                                     last_participation[person] > since, habit_value, duty_value)
                if disposition_scale != 0.0:
                    benefit = benefit + disposition[person] * scale32
                cost = slot_cost(resources[person], resource_gradient, participation_cost)
                gain_contribute = (np.float64(benefit) + own_share) - np.float64(cost)
                gain_leave = outside_option - (np.float64(utility) + pool_effort * participation[row])
                weight_contribute = np.exp(min(max(sensitivity * gain_contribute, -50.0), 50.0))
                weight_leave = np.exp(min(max(sensitivity * gain_leave, -50.0), 50.0))
                pick = stream_blocks.block_uniform(reviser_words, 2, k) * ((1.0 + weight_contribute) + weight_leave)
                if pick < weight_contribute:
                    chosen = np.int8(CONTRIBUTE)
                elif pick < weight_contribute + weight_leave:
                    chosen = np.int8(OPT_OUT)
                else:
                    chosen = np.int8(USE_ONLY)
            new[slot] = chosen
        if recruiting:
            for i in range(n_asked):  # a draw below everyone's chance of being asked (a few slots): gather
                j = asked[i]
                draw = stream_blocks.block_uniform(words, 2 * (j % 2) + 1, j // 2)
                slot = first + j
                if new[slot] != USE_ONLY:
                    continue
                person = holder(citizen, slot)
                if targeted:
                    ask = min(reach_scale * targeting[deprivation[person]], 1.0)
                else:
                    ask = np.float64(min(recruit_scale32 * (resources[person] / mean32), one32))
                if draw < ask:
                    new[slot] = np.int8(CONTRIBUTE)
        if exits:  # the block's new stances are final: exit (ODD §7.4)
            moved, left = exit_choice.switch_room(moved, left, n_moved + count)
            exit_unit, n_moved = exit_choice.exit_batch(
                key0, key1, month, sector, first, count, new, provider, unit_start, unit_count, home_row,
                row_neighbours, row_neighbour_count, x, citizen, quality_sensitivity, quality_contractible,
                quality_noncontractible, design, service_weight, mismatch_weight, switch_cost, civic, exit_below,
                exit_sensitivity32, exit_words, exit_unit, moved, left, n_moved)
    return new, largest_chance, moved[:n_moved].copy(), left[:n_moved].copy()
