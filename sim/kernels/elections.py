"""Kernels of a fiscal year's governance (ODD §7.3, "voting", "answering a consultation", "a seat", "Who knows
the candidates"): the costs of the two forms for each active slot, then the ballots, the answers and the seats
in one pass each over a sector's slots, drawing their uniforms from NumPy's generator in the order and number
NumPy drew them (one a slot, every slot, for each of the three), so the stream is unchanged. The costs, chances,
ballots and answers are taken a chunk of slots at a time, the answers from a copy of the generator a sector's
draws ahead (ODD §9 D-F92).

The model calls ``hold_sector_elections``, which does a sector's costs, chances, ballots and answers (and what
the rows hear of them) in one call, slot by slot (ODD §9 D-F140); ``active_slots``, ``form_costs`` and
``cast_ballots_and_answers`` are its steps, with the logit chance of taking a form up
(``participation.take_up_chance``, SciPy's ``expit``) between them in the reference (``tests/test_kernels.py``). Without the whole-sector uniforms and the dozen masks, gathers and float64
temporaries of the NumPy code, the yearly governance no longer sets the model's peak memory (ODD §9 D-F12).
"""

from __future__ import annotations

import numpy as np

from . import compiled, inlined
from .bitgen import next_double
from .holders import holder
from .preferences import decoded
from .service_value import slot_cost
from .voice import voice_benefit


@compiled
def active_slots(stance, opt_out, first, last):
    """The slots from ``first`` to ``last`` (excluded) whose holder has not opted out, in slot order
    (``first + np.flatnonzero(stance[first:last] != opt_out)``), as int32 (a sector's slots are fewer than 2^31:
    they are adults, numbered in int32; ODD §9 D-F62)."""
    listed = np.empty(last - first, np.int32)
    count = 0
    for slot in range(first, last):
        if stance[slot] != opt_out:
            listed[count] = slot
            count += 1
    return listed[:count].copy()


@compiled
def form_costs(slots, provider, stance, civic, citizen, resources, resource_gradient, effort, standard_factor,
               vote_cost, participation_cost, candidate_information, contribute, seated_bits, answer_cost):
    """ODD §7.3 the costs of the yearly forms for the listed slots, f_i = c_i / c (her co-production cost over
    the standard one, c_i from her civic resources, ``service_value.slot_cost``, with the standard cost
    ``effort``; ``standard_factor`` where c is zero in float32):

        vote_i   = vote_cost · f_i (+ participation_cost · f_i for a voter who does not know the candidates:
                   she neither contributes nor holds a seat, when ``candidate_information``)
        answer_i = answer_cost_p · f_i       (answer_cost_p: the consultation's, or a named contact's)

    f_i and the vote in float32, the answer in float64 (as NumPy computes a float32 array with a Python float
    and a float64 array with a float32 one). Reads last year's seats: call it before they are cleared."""
    effort32 = np.float32(effort)
    vote32, learning32 = np.float32(vote_cost), np.float32(participation_cost)
    vote = np.empty(slots.size, np.float32)
    answer = np.empty(slots.size)
    for k in range(slots.size):
        slot = slots[k]
        factor = (slot_cost(resources[holder(citizen, slot)], resource_gradient, effort) / effort32 if effort32 > 0
                  else standard_factor[slot])
        cost = vote32 * factor
        if candidate_information and not (stance[slot] == contribute or (civic[slot] & seated_bits) != 0):
            cost = cost + learning32 * factor
        vote[k] = cost
        answer[k] = answer_cost[provider[slot]] * np.float64(factor)
    return vote, answer


@compiled
def cast_ballots_and_answers(vote_rng, answer_rng, slots, first, last, provider, civic, citizen, vote_chance,
                             answer_chance, board, governors, answerable, member_bit, voted_bit, consulted_bit,
                             last_participation, month, members, voters, electorate, governor_voters):
    """ODD §7.3 voting and answering, for the slots from ``first`` to ``last`` (excluded) of one sector, of which
    ``slots`` are listed (ascending, with their chances). A uniform is drawn for every slot (listed or not) for
    the vote from ``vote_rng``, then one for every slot for the answer from ``answer_rng``: a sector's stream
    draws ``rng.random(m)`` twice, so the answers' generator is the votes' one m draws ahead
    (``participation.generator_ahead``), and a sector's chunks, in order, draw the same numbers as one call over
    it (ODD §9 D-F92). A listed slot votes when her row holds a ballot she is in (a member at a member board, or
    any active user where user governors are elected) and her uniform is below ``vote_chance``; she answers
    when her row consults (or has a named contact) and her second uniform is below ``answer_chance``. Marks
    ``VOTED`` / ``CONSULTED`` and ``last_participation``, and adds each row's members, member-voters, governor
    electorate and governor voters to the totals (float64 counts: exact in any order)."""
    k = 0
    for slot in range(first, last):
        uniform = vote_rng.random()
        if k < slots.size and slots[k] == slot:
            row = provider[slot]
            member = (civic[slot] & member_bit) != 0 and board[row]
            voter = (member or governors[row]) and uniform < vote_chance[k]
            if member:
                members[row] += 1.0
            if governors[row]:
                electorate[row] += 1.0
            if voter:
                civic[slot] |= voted_bit
                last_participation[holder(citizen, slot)] = month
                if member:
                    voters[row] += 1.0
                if governors[row]:
                    governor_voters[row] += 1.0
            k += 1
    k = 0
    for slot in range(first, last):
        uniform = answer_rng.random()
        if k < slots.size and slots[k] == slot:
            if answerable[provider[slot]] and uniform < answer_chance[k]:
                civic[slot] |= consulted_bit
                last_participation[holder(citizen, slot)] = month
            k += 1


@inlined
def seated_rows(board, governors, pupils, panels, board_seats, governor_seats, pupil_seats, panel_seats):
    """The rows that run at least one form with seats (``fill_seats``): only their contributors are candidates."""
    n_rows = board.size
    seated = np.zeros(n_rows, np.bool_)
    for row in range(n_rows):
        seated[row] = ((board[row] and board_seats > 0) or (governors[row] and governor_seats > 0)
                       or (pupils[row] and pupil_seats > 0) or (panels[row] and panel_seats > 0))
    return seated


@inlined
def fill_rows(start, candidates, priority, civic, member_bit, seated_bits, board, governors, pupils, panels,
              board_seats, governor_seats, pupil_seats, panel_seats, board_bit, governor_bit, pupil_bit, panel_bit):
    """``fill_seats``' seats, given each row's candidates (``candidates[start[row]:start[row + 1]]``, in slot order)
    and their priorities: each row's candidates ranked on their own (a stable sort of its priorities) and its four
    forms filled in turn."""
    forms = 4
    seats_of = np.array([board_seats, governor_seats, pupil_seats, panel_seats], np.int64)
    bit_of = np.array([board_bit, governor_bit, pupil_bit, panel_bit], np.uint8)
    for row in range(board.size):
        first, end = start[row], start[row + 1]
        if end == first:
            continue
        order = np.argsort(priority[first:end], kind="mergesort")
        for form in range(forms):
            if form == 0:
                has = board[row]
            elif form == 1:
                has = governors[row]
            elif form == 2:
                has = pupils[row]
            else:
                has = panels[row]
            seats = seats_of[form]
            if not has or seats <= 0:
                continue
            taken = 0
            for position in order:
                if taken >= seats:
                    break
                slot = candidates[first + position]
                if (civic[slot] & seated_bits) != 0:
                    continue
                if form == 0 and (civic[slot] & member_bit) == 0:
                    continue
                civic[slot] |= bit_of[form]
                taken += 1


@compiled
def fill_seats(rng, provider, stance, civic, contribute, member_bit, seated_bits, board, governors, pupils,
               panels, board_seats, governor_seats, pupil_seats, panel_seats, board_bit, governor_bit, pupil_bit,
               panel_bit):
    """ODD §7.3 a seat: a uniform priority is drawn for every slot (``rng.random(m)``); the candidates are the
    slots that contribute (none of them has opted out). Member boards (members only), elected governors, pupils'
    representatives and user panels are filled in that order, each giving up to its number of seats per row that
    has it to the candidates not yet seated with the lowest priority (ties to the earlier slot, as a stable sort
    by row and priority ranks them). Seats without a candidate stay vacant.

    A row's seats go to its own candidates only, so each row's candidates are ranked on their own (a stable sort
    of the row's priorities, its candidates in slot order) and its four forms filled in turn, rather than one
    sort of the whole sector's candidates: the same seats (ODD §9 D-F117). Rows that run none of the four forms
    rank no one. The candidates' lists are as long as the candidates (ODD §9 D-F92). The model fills the seats in
    the elections' pass (``hold_sector_elections``, ODD §9 D-F181); this is its reference."""
    m, n_rows = provider.size, board.size
    seated = seated_rows(board, governors, pupils, panels, board_seats, governor_seats, pupil_seats, panel_seats)
    start = np.zeros(n_rows + 1, np.int64)  # each seated row's candidates, counted, then laid out by row
    for slot in range(m):
        if stance[slot] == contribute and seated[provider[slot]]:
            start[provider[slot] + 1] += 1
    for row in range(n_rows):
        start[row + 1] += start[row]
    candidates = np.empty(start[n_rows], np.int32)
    priority = np.empty(start[n_rows])
    filled = start[:n_rows].copy()
    for slot in range(m):  # every slot draws its uniform, in slot order, as before
        uniform = rng.random()
        row = provider[slot]
        if stance[slot] == contribute and seated[row]:
            candidates[filled[row]] = slot
            priority[filled[row]] = uniform
            filled[row] += 1
    fill_rows(start, candidates, priority, civic, member_bit, seated_bits, board, governors, pupils, panels,
              board_seats, governor_seats, pupil_seats, panel_seats, board_bit, governor_bit, pupil_bit, panel_bit)


@compiled
def hold_sector_elections(vote_gen, answer_gen, seat_gen, chunk, stance, opt_out, provider, civic, citizen, x,
                          resources, resource_gradient, effort, standard_factor, vote_cost, participation_cost,
                          candidate_information, contribute, seated_bits, answer_cost, crowd_out, key0, key1, month,
                          sector, unit_start, unit_count, home_row, row_neighbours, row_neighbour_count,
                          quality_sensitivity, switch_cost, moved, left, quality_contractible,
                          quality_noncontractible, design, service_weight, mismatch_weight, aspiration, voice_value,
                          habit_value, duty_value, efficacy, last_participation, since, asked_value, disposition_on,
                          civic_disposition, disposition_scale, sensitivity, board, governors, answerable, member_bit,
                          voted_bit, consulted_bit, clear_bits, month16, members, voters, electorate, governor_voters,
                          heard_voters, vote_pref, heard_respondents, answer_pref, seen, pupils, panels, seats,
                          seat_bits):
    """ODD §7.3 a sector's yearly ballots and answers, and what its rows hear of them, in one call (ODD §9 D-F140):
    ``chunk`` slots at a time, the active slots (``active_slots``) and their shared motives (``voice.voice_benefit``),
    then one pass over the chunk's slots that, slot by slot, computes the two forms' costs (``form_costs``, reading
    last year's seats before they are cleared), clears the year's bits, adds the benefit of being asked and her
    lasting disposition (``participation.add_lasting_disposition``), takes the two logit chances
    (``participation.take_up_chance``: the vote's in float32, the answer's in float64, SciPy's ``expit`` as
    1 / (1 + exp(-z)) in the same width), casts the ballot and the answer (``cast_ballots_and_answers``: a uniform
    every slot from each generator, in slot order) and adds the voters' and respondents' preferred designs to the
    rows' sums (``voice.add_heard_tallies``: the sector's sums, from zero, added to the totals by the caller). A
    chance is taken only where it is read: the vote's where she is in a ballot, the answer's where the row asks
    (ODD §9 D-F142). Each
    slot reads and writes only itself and its own person, so doing the steps slot by slot rather than step by step
    over a chunk gives the same numbers; the same float operations in the same widths and order. Returns the
    sector's contributors' personal costs c_i summed in float64 in slot order (contributors by the stances the
    month's service sees, ``seen``): ``metric_sums.volunteer_cost``'s sum, which a fiscal year's end takes before
    capacity building (ODD §9 D-F93, D-F144).

    The seats (``fill_seats``) in the same pass (ODD §9 D-F181): a sector's stream draws the votes' uniforms, the
    answers' and then the seats' (``rng.random(m)`` three times), so the three generators are the model's and its
    copies m and 2m draws ahead; each is given as the address of its ``bitgen_t`` (``bitgen.address``), which
    costs the call an integer rather than a generator's typing and unboxing (D-F181). A slot draws her seat's
    priority after her answer's uniform; the candidates (contributors at rows with seats, all active) are counted
    by row before the pass and laid out by row as the pass meets them (D-F176), and the seats filled after the pass as
    ``fill_seats`` fills them (``fill_rows``): the year's bits are cleared for every slot by then, as they were
    when ``fill_seats`` ran after the elections. ``seats``: the four forms' numbers of seats (board, elected
    governors, pupils' representatives, panel), ``seat_bits`` their bits."""
    volunteer_total = 0.0
    m = provider.size
    asked32, scale32 = np.float32(asked_value), np.float32(disposition_scale)
    sensitivity32, one32, zero32 = np.float32(sensitivity), np.float32(1.0), np.float32(0.0)
    effort32 = np.float32(effort)
    vote32, learning32 = np.float32(vote_cost), np.float32(participation_cost)
    dimensions = x.shape[1]
    board_seats, governor_seats, pupil_seats, panel_seats = seats[0], seats[1], seats[2], seats[3]
    seated = seated_rows(board, governors, pupils, panels, board_seats, governor_seats, pupil_seats, panel_seats)
    n_rows = board.size
    # each seated row's candidates counted first (no stance changes in the pass, and a contributor is active), so
    # that the pass lays each out by row as it meets her, in slot order within a row (D-F176)
    start = np.zeros(n_rows + 1, np.int64)
    for slot in range(m):
        if stance[slot] == contribute and seated[provider[slot]]:
            start[provider[slot] + 1] += 1
    for row in range(n_rows):
        start[row + 1] += start[row]
    candidates = np.empty(start[n_rows], np.int32)
    priority = np.empty(start[n_rows])
    filled = start[:n_rows].copy()
    for first in range(0, m, chunk):
        last = min(first + chunk, m)
        slots = active_slots(stance, opt_out, first, last)
        benefit = voice_benefit(slots, provider, x, citizen, crowd_out, key0, key1, month, sector, unit_start,
                                unit_count, home_row, row_neighbours, row_neighbour_count, quality_sensitivity,
                                switch_cost, moved, left, quality_contractible, quality_noncontractible, design,
                                service_weight, mismatch_weight, aspiration, voice_value, habit_value, duty_value,
                                efficacy, last_participation, since)
        k = 0
        for slot in range(first, last):
            vote_uniform = next_double(vote_gen)
            answer_uniform = next_double(answer_gen)
            seat_uniform = next_double(seat_gen)
            bits = civic[slot]
            if k < slots.size and slots[k] == slot:
                row, person = provider[slot], holder(citizen, slot)
                if stance[slot] == contribute and seated[row]:  # a candidate for a seat (fill_seats)
                    candidates[filled[row]] = slot
                    priority[filled[row]] = seat_uniform
                    filled[row] += 1
                if seen[slot] == contribute:  # the volunteers' costs (metric_sums.volunteer_cost)
                    volunteer_total += np.float64(slot_cost(resources[person], resource_gradient, effort))
                member = (bits & member_bit) != 0 and board[row]
                ballot, asked = member or governors[row], answerable[row]
                # a chance is taken only where it is read: a ballot she is in, a row that asks (the same values)
                voter = answered = False
                if ballot or asked:
                    # the costs (form_costs), from last year's seats
                    factor = (slot_cost(resources[person], resource_gradient, effort) / effort32 if effort32 > 0
                              else standard_factor[slot])
                    # the benefit of being asked and her lasting disposition, then the chances
                    invited = benefit[k] + asked32
                    if disposition_on:
                        invited = invited + civic_disposition[person] * scale32
                    else:
                        invited = invited + zero32
                    if ballot:
                        cost = vote32 * factor
                        if candidate_information and not (stance[slot] == contribute or (bits & seated_bits) != 0):
                            cost = cost + learning32 * factor
                        vote_chance = one32 / (one32 + np.exp(-((invited - cost) * sensitivity32)))
                        voter = vote_uniform < vote_chance
                    if asked:
                        answer = answer_cost[row] * np.float64(factor)
                        answer_chance = 1.0 / (1.0 + np.exp(-((np.float64(invited) - answer) * sensitivity)))
                        answered = answer_uniform < answer_chance
                bits &= clear_bits
                # the ballot and the answer (cast_ballots_and_answers)
                if member:
                    members[row] += 1.0
                if governors[row]:
                    electorate[row] += 1.0
                if voter:
                    bits |= voted_bit
                    last_participation[person] = month16
                    if member:
                        voters[row] += 1.0
                    if governors[row]:
                        governor_voters[row] += 1.0
                if answered:
                    bits |= consulted_bit
                    last_participation[person] = month16
                civic[slot] = bits
                # what the row hears (add_heard_tallies)
                if bits & voted_bit:
                    heard_voters[row] += 1.0
                    for dimension in range(dimensions):
                        vote_pref[row, dimension] += np.float64(decoded(x[slot, dimension]))
                if bits & consulted_bit:
                    heard_respondents[row] += 1.0
                    for dimension in range(dimensions):
                        answer_pref[row, dimension] += np.float64(decoded(x[slot, dimension]))
                k += 1
            else:
                civic[slot] = bits & clear_bits
    # the seats, as fill_seats fills them
    fill_rows(start, candidates, priority, civic, member_bit, seated_bits, board, governors, pupils, panels,
              board_seats, governor_seats, pupil_seats, panel_seats, seat_bits[0], seat_bits[1], seat_bits[2],
              seat_bits[3])
    return volunteer_total
