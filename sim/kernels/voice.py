"""Kernels of how governance hears voice and how citizens learn whether it is heeded (ODD §7.3, "Governance
aggregates voice" and "Efficacy is learnt from being heeded"): one pass over a sector's slots each, instead of
four weighted ``bincount`` casts (heard) and a dozen whole-array gathers (efficacy)."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined, stream_blocks
from .holders import holder
from .metric_sums import add_sector_totals
from .preferences import decoded
from .prefetch import PREFETCH_AHEAD, prefetch
from .service_value import alternative_row, index, slot_cost, slot_exit_gain, slot_utility, unit_of
from .streams import EXIT_OPTION, SECTOR_LANES, word_uniform


@compiled
def add_heard_tallies(provider, civic, x, voted_bit, consulted_bit, voters, vote_pref, respondents, answer_pref):
    """ODD §7.3 heard_pref's sums for one sector: per provider row, how many voted at its last election and the
    sum of their preferred designs x_i (x (slots, D), the sums (rows, D): per dimension), and the same for those
    who answered its last consultation. The sector's
    sums start from zero and are then added to the totals, as per-sector ``bincount``s were."""
    n_rows, dimensions = vote_pref.shape
    sector_voters, sector_vote_pref = np.zeros(n_rows), np.zeros((n_rows, dimensions))
    sector_respondents, sector_answer_pref = np.zeros(n_rows), np.zeros((n_rows, dimensions))
    for slot in range(provider.size):
        row = provider[slot]
        if civic[slot] & voted_bit:
            sector_voters[row] += 1.0
            for dimension in range(dimensions):
                sector_vote_pref[row, dimension] += np.float64(decoded(x[slot, dimension]))
        if civic[slot] & consulted_bit:
            sector_respondents[row] += 1.0
            for dimension in range(dimensions):
                sector_answer_pref[row, dimension] += np.float64(decoded(x[slot, dimension]))
    voters += sector_voters
    vote_pref += sector_vote_pref
    respondents += sector_respondents
    answer_pref += sector_answer_pref


@compiled
def learn_efficacy(civic, stance, provider, x, citizen, took_part_bits, contribute, opt_out, holds, popcount,
                   efficacy, row_sector, central_design, design, heard, rate, heeded_distance, voice_crowd,
                   voice_dilution):
    """ODD §7.3 Efficacy, for one sector's slots whose holder took part (a ``took_part_bits`` bit set, or she
    contributes) and has not opted out:

        signal_i = clip((|x_i - d_central| - |x_i - d_p|) / max(|x_i - d_central|, heeded_distance), 0, 1)
                   * 1 / (1 + heard_p / voice_crowd)          (the weight is 1 without voice dilution)
        e_i <- e_i + (rate / max(services needed_i, 1)) (signal_i - e_i)

    ``signal`` is computed in float64 and kept as float32, the update in float32 (as NumPy computes a float32
    array with a Python float). |.| is the mean absolute difference over the D dimensions of the design (x
    (slots, D), the designs (rows or sectors, D); ``sim.design_space.distance``). A person holds at most one slot
    of a sector, so each efficacy moves once. A row's weight is computed once, before the slots (the same float64
    operations: two divisions a slot fewer, ODD §9 D-F71)."""
    rate32 = np.float32(rate)
    dimensions = x.shape[1]
    weight_of = np.ones(row_sector.size)  # one voice's weight among those heard, per row
    if voice_dilution:
        for row in range(row_sector.size):
            weight_of[row] = 1.0 / (1.0 + heard[row] / voice_crowd)
    for slot in range(provider.size):
        if stance[slot] == opt_out or not ((civic[slot] & took_part_bits) != 0 or stance[slot] == contribute):
            continue
        row = provider[slot]
        sector = row_sector[row]
        gap_central = 0.0
        gap = 0.0
        for dimension in range(dimensions):
            wish = np.float64(decoded(x[slot, dimension]))
            gap_central += np.abs(wish - central_design[sector, dimension])
            gap += np.abs(wish - design[row, dimension])
        gap_central /= dimensions
        gap /= dimensions
        learn_from(efficacy, holder(citizen, slot), gap_central, gap, heeded_distance, weight_of[row], rate32,
                   popcount[holds[holder(citizen, slot)]])



@inlined
def learn_from(efficacy, person, gap_central, gap, heeded_distance, weight, rate32, services):
    """ODD §7.3 one efficacy step: the signal clip((gap_central - gap) / max(gap_central, heeded_distance), 0, 1)
    times the row's weight, in float64 kept as float32 (a NaN stays NaN, as np.clip's), and e_i moved toward it
    by the rate over her services needed (at least 1), in float32."""
    moved = (gap_central - gap) / max(gap_central, heeded_distance)
    # the clip as two selects, not a branch on the division's result, which the processor guesses wrong about as
    # often as not (ODD §9 D-F310): the same number, a NaN or -0.0 kept as they were
    # (Numba's max(a, b) is b if b > a else a, and min(a, b) b if b < a else a: selects in LLVM's code, where
    # ``if`` statements stay branches)
    moved = min(max(moved, 0.0), 1.0)
    signal = np.float32(moved * weight)
    step = rate32 / max(services, np.float32(1.0))
    efficacy[person] = efficacy[person] + np.float32(step * (signal - efficacy[person]))


@inlined
def slot_mismatch(x, slot, design, row):
    """|x_i - design[row]|, the mean absolute difference over the D dimensions (``sim.design_space.distance``), in
    float64. With two dimensions (the default design space) it is written out, (a + b) * 0.5, the number the sum
    0.0 + a + b divided by two gives (0.0 + a is a for a = |.| >= +0, and x / 2 is x * 0.5 to the bit, ODD §9
    D-F59); otherwise summed over the dimensions and divided by D."""
    dimensions = x.shape[1]
    if dimensions == 2:
        return (np.abs(np.float64(decoded(x[slot, 0])) - design[row, 0])
                + np.abs(np.float64(decoded(x[slot, 1])) - design[row, 1])) * 0.5
    gap = 0.0
    for dimension in range(dimensions):
        gap += np.abs(np.float64(decoded(x[slot, dimension])) - design[row, dimension])
    return gap / dimensions


@inlined
def pair_mismatch(wish0, wish1, design, row):
    """``slot_mismatch`` with two dimensions, from her two wishes already decoded (float64): the same number."""
    return (np.abs(wish0 - design[row, 0]) + np.abs(wish1 - design[row, 1])) * 0.5


@compiled
def learn_and_measure(civic, stance, provider, x, citizen, took_part_bits, contribute, opt_out, holds, popcount,
                      efficacy, row_sector, central_design, design, heard, rate, heeded_distance, voice_crowd,
                      voice_dilution, learn, deprivation, satisfaction, seen, resources, resource_gradient,
                      participation_cost, satisfaction_by_quintile, users_by_quintile, person_bits, stance_counts):
    """ODD §7.3 Efficacy (``learn_efficacy``, if ``learn``) and ODD §8's per-slot sums of the month's metrics
    (``metric_sums.add_sector_measures``) in one pass over a sector's slots (ODD §9 D-F95): the metrics read
    nothing efficacy learning or what follows it in a month changes (production, work, payments, insolvency
    change no slot and no delivered design; a fiscal year's end, which changes civic resources and may re-let
    rows, keeps the metrics' own pass), so the month's last pass over the slots adds them up. A slot's mismatch
    with her row's delivered design is computed once for both (``slot_mismatch``: the same float64 number each
    computed). Each part is its kernel's, in the same order and types: the metrics' sums in float64 in slot order,
    satisfaction and users by the holder's deprivation quintile started from zero for the sector and then added
    to the totals, each holder's participation bits OR'ed into ``person_bits``, the slots counted by their own
    stance in a loop of their own (D-F55); efficacy moves for the slots whose holder took part (a
    ``took_part_bits`` bit, or she contributes) and has not opted out, at the rate divided by her services needed,
    each row's weight computed once (D-F71). Returns the sums of satisfaction, of every slot's mismatch, of
    active users' (as the service saw them, ``seen``) and of contributors' personal cost."""
    rate32 = np.float32(rate)
    weight_of = np.ones(row_sector.size)  # one voice's weight among those heard, per row
    if learn and voice_dilution:
        for row in range(row_sector.size):
            weight_of[row] = 1.0 / (1.0 + heard[row] / voice_crowd)
    sector_sum = np.zeros(satisfaction_by_quintile.size)
    sector_users = np.zeros(users_by_quintile.size)
    satisfaction_total = mismatch_total = mismatch_active = volunteer_cost = 0.0
    last_slot = provider.size - 1
    pair = x.shape[1] == 2
    for slot in range(provider.size):
        # the person arrays' lines of the holder PREFETCH_AHEAD slots on (ODD §9 D-F250)
        ahead = index(holder(citizen, min(slot + PREFETCH_AHEAD, last_slot)))
        prefetch(resources, ahead)
        if learn:
            prefetch(efficacy, ahead)
        # a person, quintile or row as an unsigned index: no check for a negative one at each gather (ODD §9 D-F38)
        person = index(holder(citizen, slot))
        value = np.float64(satisfaction[slot])  # ODD §8: satisfaction, responsiveness, static fit, volunteers
        satisfaction_total += value
        quintile = index(deprivation[person])
        sector_sum[quintile] += value
        sector_users[quintile] += 1.0
        row = index(provider[slot])
        # with two dimensions her wishes read once for both gaps (D-F311: the stores between would make the
        # compiled code read and decode them again, x possibly being one of the arrays stored to)
        wish0 = np.float64(decoded(x[slot, 0]))
        wish1 = np.float64(decoded(x[slot, 1])) if pair else 0.0
        gap = pair_mismatch(wish0, wish1, design, row) if pair else slot_mismatch(x, slot, design, row)
        mismatch_total += gap
        seen_stance = seen[slot]
        mismatch_active += gap if seen_stance != opt_out else 0.0
        cost = np.float64(slot_cost(resources[person], resource_gradient, participation_cost))
        volunteer_cost += cost if seen_stance == contribute else 0.0
        bits = civic[slot]
        person_bits[person] |= bits
        own = stance[slot]  # ODD §7.3: efficacy, for those who took part and have not opted out
        if not learn or own == opt_out or not ((bits & took_part_bits) != 0 or own == contribute):
            continue
        sector = index(row_sector[row])
        gap_central = (pair_mismatch(wish0, wish1, central_design, sector) if pair
                       else slot_mismatch(x, slot, central_design, sector))
        learn_from(efficacy, person, gap_central, gap, heeded_distance, weight_of[row], rate32,
                   popcount[holds[person]])
    add_sector_totals(sector_sum, sector_users, stance, satisfaction_by_quintile, users_by_quintile, stance_counts)
    return satisfaction_total, mismatch_total, mismatch_active, volunteer_cost


@inlined
def hirschman_reference_at(option_uniform, utility, slot, here, unit, home_row, row_neighbours, row_neighbour_count,
                           x, sensitivity, quality_contractible, quality_noncontractible, design, service_weight,
                           mismatch_weight, switch_cost):
    """R_i where exit crowds out voice (Hirschman 1970, ODD §7.3): max(U_i, U_i + exit gain_i), the exit option
    from this month's keyed uniform (purpose ``EXIT_OPTION``, ``option_uniform``: ``streams.slot_uniform``'s word,
    computed in a block with other slots' counters, ODD §9 D-F100, D-F112) as service use valued it, from
    ``here``, the row she was served by (ODD §9 D-F81)."""
    alternative = alternative_row(option_uniform, here, unit, home_row, row_neighbours, row_neighbour_count)
    exit_option = utility + slot_exit_gain(alternative, here, slot, x, sensitivity, quality_contractible,
                                           quality_noncontractible, design, service_weight, mismatch_weight,
                                           switch_cost)
    if exit_option > utility:
        return exit_option
    return utility


@inlined
def voice_term(reference, aspiration32, voice32, efficacy, took_part, habit_value, duty_value):
    """b_i of ODD §7.3 before a disposition: voice_value * efficacy_i * max(aspiration - R_i, 0) + habit_value *
    [took part lately] + duty_value, the voice term in float32, the sum in float64 kept as float32."""
    dissatisfaction = aspiration32 - reference
    if dissatisfaction < np.float32(0.0):
        dissatisfaction = np.float32(0.0)
    habit = habit_value * (1.0 if took_part else 0.0)
    return np.float32(np.float64(voice32 * efficacy * dissatisfaction) + habit + duty_value)


@compiled
def voice_benefit(slots, provider, x, citizen, crowd_out, key0, key1, month, sector, unit_start, unit_count, home_row,
                  row_neighbours, row_neighbour_count, quality_sensitivity, switch_cost, moved, left,
                  quality_contractible, quality_noncontractible, design, service_weight, mismatch_weight, aspiration,
                  voice_value, habit_value, duty_value, efficacy, last_participation, since):
    """ODD §7.3 Why people take part, for the slots listed (ascending): b_i = voice_value * efficacy_i *
    dissatisfaction_i + habit_value * [took part after month ``since``] + duty_value, with dissatisfaction_i =
    max(aspiration - R_i, 0) and R_i the service utility U_i (§7.1) or, where exit crowds out voice, max(U_i, U_i +
    exit gain_i) (Hirschman 1970). U_i is computed in float64 and kept as float32, dissatisfaction and the voice
    term in float32, the sum in float64 and kept as float32 (as NumPy computes them).

    The exit gain is this month's, as service use valued it (ODD §9 D-F81): from the exit option's keyed uniform
    (``month``, ``sector``, purpose ``EXIT_OPTION``), her unit from the unit-sorted layout, and the row she was
    served by then: the row she left where she switched this month (``moved``, ascending, and ``left``: exit's
    list), her provider otherwise (``service_value.slot_exit_gain``)."""
    aspiration32, voice32 = np.float32(aspiration), np.float32(voice_value)
    benefit = np.empty(slots.size, np.float32)
    unit = 0
    switcher = np.searchsorted(moved, slots[0]) if slots.size > 0 else 0  # the first switcher at or after the list
    # the exit options' words a block of listed slots at a time (counter slot // 4 of the lane, word slot % 4: the
    # words ``slot_uniform`` computes one counter at a time inside the loop of gathers, ODD §9 D-F112)
    block = 2 * stream_blocks.BLOCK
    option_counters = np.empty(block, np.int64)
    option_words = np.empty((4, block), np.uint64)
    option_lane = sector * SECTOR_LANES + EXIT_OPTION
    for first in range(0, slots.size, block):
        count = min(block, slots.size - first)
        if crowd_out:
            for k in range(count):
                option_counters[k] = slots[first + k] >> 2
            stream_blocks.philox_words_at(key0, key1, 0, option_counters, count, month, option_lane, 0, option_words)
        for k in range(count):
            slot = slots[first + k]
            row, person = provider[slot], holder(citizen, slot)
            reference = slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design,
                                     service_weight, mismatch_weight)  # ODD §7.1 service utility
            if crowd_out:
                while switcher < moved.size and moved[switcher] < slot:
                    switcher += 1
                here = left[switcher] if switcher < moved.size and moved[switcher] == slot else row
                unit = unit_of(slot, unit, unit_start, unit_count)
                reference = hirschman_reference_at(word_uniform(option_words[slot & 3, k]), reference, slot, here,
                                                   unit, home_row, row_neighbours, row_neighbour_count, x,
                                                   quality_sensitivity[person], quality_contractible,
                                                   quality_noncontractible, design, service_weight, mismatch_weight,
                                                   switch_cost)
            benefit[first + k] = voice_term(reference, aspiration32, voice32, efficacy[person],
                                            last_participation[person] > since, habit_value, duty_value)
    return benefit


@compiled
def heard_designs(voters, vote_pref, respondents, answer_pref, contributors, contributor_pref, voice_design,
                  voters_out, respondents_out, mandate, consulted, weight, heard_pref):
    """ODD §7.3 what each row hears, from its tallies, in one pass over the rows: the voters' mean preferred
    design (the mandate) and the respondents', each the row's voice design where nobody took part; the weight
    heard, voters + respondents + contributors; and the heard design, (voters * mandate + respondents *
    consulted + contributors * contributors' mean) / weight, the voice design where the weight is 0. The same
    float64 operations in the same order as NumPy's whole-array expressions (``participation.finish_heard``'s
    reference in ``tests/test_kernels.py``). Writes copies of the voters and respondents, the mandate, the
    consulted design, the weight and the heard design into the last six arguments (the rows' own, which no input
    shares: a month boxes no new array, ODD §9 D-F231)."""
    n_rows, dimensions = voice_design.shape
    for row in range(n_rows):
        voted, answered, contributed = voters[row], respondents[row], contributors[row]
        voters_out[row], respondents_out[row] = voted, answered
        for dimension in range(dimensions):
            mandate[row, dimension] = voice_design[row, dimension]
            consulted[row, dimension] = voice_design[row, dimension]
            heard_pref[row, dimension] = voice_design[row, dimension]
        for dimension in range(dimensions):
            if voted > 0:
                mandate[row, dimension] = vote_pref[row, dimension] / voted
            if answered > 0:
                consulted[row, dimension] = answer_pref[row, dimension] / answered
        total_weight = voted + answered + contributed
        weight[row] = total_weight
        if total_weight > 0:
            for dimension in range(dimensions):
                total = (voted * mandate[row, dimension] + answered * consulted[row, dimension]
                         + contributed * contributor_pref[row, dimension])
                heard_pref[row, dimension] = total / total_weight
