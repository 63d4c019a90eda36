"""The month of a sector's service on keyed streams (ODD §7.1, every step: "Service utility", "Exit option",
"Personal cost of contributing", "Groups", "Game payoff", "Voice value", "Payoff", "Satisfaction"), fused into
one kernel call (ODD §9 D-F19, D-F20).

The groups need every member's stance before anyone's payoff, so a sector takes four passes in slot order, each
reading the slots' arrays one after another: a count of each provider's users; a random place for each user in
her provider's list (an inside-out Fisher-Yates shuffle, in slot order, with keyed bounded draws,
``sim.kernels.streams``); a pass over the lists that cuts the places into groups of ``group_size`` and counts
each group's contributors and participants (D-F29); and, for each slot, her utility, exit option, Hirschman reference and personal cost, derived where
they are read, her game payoff, voice value and new satisfaction. Only the list of places (2 bytes a slot with its
stance where a sector allows, ODD §9 D-F171, written within each provider's stretch) and the groups' tallies are random access; NumPy's whole-sector
permutation missed the cache at every swap and made every later pass gather. The draws depend only on (model
key, month, sector, purpose, slot), not on the order of the walk.

The arithmetic of each slot is that of the kernels it replaced (``service_value``'s per-slot helpers,
``coproduction_game.slot_game_payoff``, written out as selects, the body of the old ``month_of_service``): only the
random numbers differ.
"""

from __future__ import annotations

import numpy as np

from ..population import CONTRIBUTE, OPT_OUT
from . import compiled, inlined, stream_blocks
from .holders import holder
from .prefetch import PREFETCH_AHEAD, prefetch
from .service_value import index, slot_cost, slot_exit_value, slot_utility, unit_of
from .streams import BATCH, EXIT_OPTION, GROUP_SHUFFLE, SECTOR_LANES, fill_slot_units53, scaled_draw, word_uniform


@inlined
def provider_starts(provider, n_providers):
    """Where each provider's users begin in a list of the sector's users provider by provider: provider p's are
    entries ``start[p]`` to ``start[p + 1]`` (a count per provider and its running sum)."""
    start = np.zeros(n_providers + 1, np.int64)
    for slot in range(provider.size):
        start[provider[slot] + 1] += 1
    for row in range(n_providers):
        start[row + 1] += start[row]
    return start


@inlined
def starts_of_counts(users):
    """``provider_starts`` from each provider's count of users (``users``): their running sum."""
    start = np.zeros(users.size + 1, np.int64)
    for row in range(users.size):
        start[row + 1] = start[row] + users[row]
    return start


@inlined
def shuffle_positions(key0, key1, month, sector, provider, start, place, stance, stance_shift):
    """ODD §7.1 Groups: a uniformly random place in her provider's list for each user, by the inside-out
    Fisher-Yates shuffle run in slot order: the user of rank i (her provider's i-th user in slot order) takes a
    place j drawn uniformly from 0..i (floor(u (i + 1)) for her 53-bit keyed uniform u, ``streams.slot_unit53``,
    purpose ``GROUP_SHUFFLE``, computed a batch of slots at a time) and the
    user who held j moves to i. ``place[start[p] + i]`` ends as the place of provider p's user of rank i (its
    bits below ``stance_shift``): a uniformly random permutation of each provider's users, drawn while reading the
    slots in order. Her ``stance`` is kept in the same entry's bits from ``stance_shift`` up (a stance is 0, 1 or
    2), so that the groups' tallies need not visit the slots again; a move changes only the place bits (ODD §9
    D-F171)."""
    mask = (np.int64(1) << stance_shift) - 1
    seen = np.zeros(start.size - 1, np.int64)
    draws = np.empty(BATCH)
    for batch_first in range(0, provider.size, BATCH):
        fill_slot_units53(key0, key1, batch_first, month, sector, GROUP_SHUFFLE, draws)  # a batch of slots' draws
        for k in range(min(BATCH, provider.size - batch_first)):
            slot = index(batch_first + k)  # unsigned: no negative-index check
            row = index(provider[slot])
            rank = seen[row]
            seen[row] = rank + 1
            first = start[row]
            at_rank, at_partner = index(first + rank), index(first + scaled_draw(draws[k], rank + 1))
            # her entry takes the partner's place (unwritten where j = i, and then written just below) and her stance
            place[at_rank] = (np.int64(place[at_partner]) & mask) | (np.int64(stance[slot]) << stance_shift)
            # the partner's entry (hers where j = i) takes place i and keeps its stance
            place[at_partner] = rank | (np.int64(place[at_partner]) & ~mask)


@inlined
def group_divisor(group_size):
    """(m, s) such that floor(place m / 2^s) = place // ``group_size`` for every place below 2^31 (an int32) and a
    group size up to 2^31: s = 32 + ceil(log2 group_size), m = floor(2^s / group_size) + 1 (Granlund & Montgomery
    1994, "Division by invariant integers using multiplication", thm 4.2: exact below 2^32; m <= 2^33, so the
    product fits 64 bits). A hardware division by a number known only at run time takes tens of cycles a slot
    (ODD §9 D-F29)."""
    shift = 32
    while (1 << (shift - 32)) < group_size:
        shift += 1
    return (np.uint64(1) << np.uint64(shift)) // np.uint64(group_size) + np.uint64(1), np.uint64(shift)


@inlined
def place_group(place, magic, shift):
    """place // group_size by the multiply and shift of ``group_divisor`` (place in 0 .. 2^31 - 1)."""
    return np.int64((np.uint64(place) * magic) >> shift)


@inlined
def groups_and_tallies(start, place, group_size, stance_shift, contributors, participants, group_first):
    """ODD §7.1 Groups: provider p's places cut into groups of ``group_size``: an entry's group within the provider
    is ``place // group_size`` (its place bits, ``shuffle_positions``; found again where read, ``place_group``,
    rather than written back: a store a slot cost more than the multiply), and provider p's groups are numbered
    from ``group_first[p]``, the count of earlier providers' groups (``ceil(users_p / group_size)`` each); in the
    same pass each group's contributors n_C and participants S are counted (zeroed here) from the stances kept in
    the entries' high bits, in the same order."""
    mask = (np.int64(1) << stance_shift) - 1
    contributors[:] = 0
    participants[:] = 0
    magic, shift = group_divisor(group_size)
    offset = 0
    for row in range(start.size - 1):
        group_first[row] = offset
        for entry in range(index(start[row]), index(start[row + 1])):  # unsigned: no negative-index check
            packed = np.int64(place[entry])
            group = index(offset + place_group(packed & mask, magic, shift))
            stance = packed >> stance_shift
            contributors[group] += stance == CONTRIBUTE
            participants[group] += stance != OPT_OUT
        offset += (start[row + 1] - start[row] + group_size - 1) // group_size


@inlined
def count_groups(start, group_size):
    """The groups of every provider, ``ceil(users_p / group_size)`` each, and the most users any provider has."""
    n_groups, widest = 0, 0
    for row in range(start.size - 1):
        users = start[row + 1] - start[row]
        n_groups += (users + group_size - 1) // group_size
        widest = max(widest, users)
    return n_groups, widest


#: Where a list entry's stance begins (ODD §9 D-F171): below it the entry's place. Two bytes an entry where every
#: provider has fewer users than 2^14 (and a group's counts fit a byte), four otherwise (a provider's users below
#: 2^30).
NARROW_SHIFT, WIDE_SHIFT = 14, 30


@compiled
def group_ids(key0, key1, month, sector, provider, n_providers, group_size):
    """ODD §7.1 Groups: each slot's group id this month and the number of groups, as ``month_of_service`` draws
    them (for ``sim.coproduction.form_groups`` and the tests)."""
    start = provider_starts(provider, n_providers)
    n_groups = count_groups(start, group_size)[0]
    place = np.empty(provider.size, np.uint32)
    no_stance = np.zeros(provider.size, np.int8)
    shuffle_positions(key0, key1, month, sector, provider, start, place, no_stance, WIDE_SHIFT)
    group_first = np.empty(n_providers, np.int64)
    groups_and_tallies(start, place, group_size, WIDE_SHIFT, np.empty(n_groups, np.int32),
                       np.empty(n_groups, np.int32), group_first)
    mask = (np.int64(1) << WIDE_SHIFT) - 1
    magic, shift = group_divisor(group_size)
    seen = np.zeros(n_providers, np.int64)
    group = np.empty(provider.size, np.int32)
    for slot in range(provider.size):
        row = provider[slot]
        group[slot] = group_first[row] + place_group(np.int64(place[start[row] + seen[row]]) & mask, magic, shift)
        seen[row] += 1
    return group, n_groups


@compiled
def month_of_service(key0, key1, month, sector, provider, n_providers, stance, x, citizen, unit_start, unit_count,
                     resources, quality_sensitivity, efficacy, quality_contractible, quality_noncontractible, design,
                     home_row, neighbours, neighbour_count, choice, crowd_out, group_size, service_weight, mismatch_weight,
                     switch_cost, resource_gradient, participation_cost, pool_return, outside_option, aspiration,
                     voice_value, memory, satisfaction, last_participation, row_users, counted):
    """ODD §7.1 for every slot of a sector, provider by provider, group by group:

    * U_i = w (q_c[p] + q_n[p] - lambda_s |x_i - d_p|) (``slot_utility``);
    * under ``choice``: the alternative row a_i (one keyed uniform, purpose ``EXIT_OPTION``: exit draws the same
      one, ``sim.kernels.exit_choice.exit_month``; her unit from the unit-sorted layout, ``unit_start`` and
      ``unit_count``, ``service_value.unit_of``), V_i = U_i(a_i) + (s_i - 1) w (Q_a - Q_p) - switch_cost (not
      kept: exit, stance revision and the voice benefit derive the gain V_i - U_i, ODD §9 D-F81), and the reference
      R_i = max(U_i, V_i) where exit crowds out voice (NumPy's maximum: a NaN wins), U_i otherwise; only a paying
      player's voice reads R_i, and only below the aspiration, so a_i and V_i are derived for those slots (D-F106);
    * c_i = c max(1 + g (0.5 - resources_i), 0.05), in float32 (``slot_cost``; not kept, ODD §9 D-F80);
    * groups of ``group_size`` cut from each provider's users in random order (``shuffle_positions``), n_C and S
      of each; the game: playing (not opting out, S >= 2) the share r c n_C / S less c_i if she contributes, sigma
      if not playing;
    * v_i = voice_value efficacy_i max(aspiration - R_i, 0); the payoff (playing: game + U_i + v_i if she
      contributes; a lone participant: U_i + (1 - w) sigma; an opt-out: sigma);
    * satisfaction_i <- (1 - memory) satisfaction_i + memory pi_i, written over the old; a contributor's
      ``last_participation`` = month.

    Each provider's users are counted in a pass of their own (``provider_starts``) unless ``counted``: then
    ``row_users`` holds them (need churn's pass counted them this month, ``need_churn.churn_sector``, and nothing
    moves a slot between churn and service use: ODD §9 D-F151).

    The lists' entries and the groups' counts are as narrow as the sector allows (ODD §9 D-F171): an entry two
    bytes (its place and its stance) where no provider has 2^14 users or
    more, and a group's counts a byte each where a group has fewer than 256 members; four bytes each otherwise.

    Float widths and order of operations as the kernels this replaced (float32 state, float64 shares)."""
    start = starts_of_counts(row_users) if counted else provider_starts(provider, n_providers)
    n_groups, widest = count_groups(start, group_size)
    group_first = np.empty(start.size - 1, np.int64)
    if widest < (1 << NARROW_SHIFT) and group_size < 256:
        serve_sector(key0, key1, month, sector, provider, stance, x, citizen, unit_start, unit_count, resources,
                     quality_sensitivity, efficacy, quality_contractible, quality_noncontractible, design, home_row,
                     neighbours, neighbour_count, choice, crowd_out, group_size, service_weight, mismatch_weight,
                     switch_cost, resource_gradient, participation_cost, pool_return, outside_option, aspiration,
                     voice_value, memory, satisfaction, last_participation, start, np.empty(provider.size, np.uint16),
                     np.empty(n_groups, np.uint8), np.empty(n_groups, np.uint8), group_first, NARROW_SHIFT)
    else:
        serve_sector(key0, key1, month, sector, provider, stance, x, citizen, unit_start, unit_count, resources,
                     quality_sensitivity, efficacy, quality_contractible, quality_noncontractible, design, home_row,
                     neighbours, neighbour_count, choice, crowd_out, group_size, service_weight, mismatch_weight,
                     switch_cost, resource_gradient, participation_cost, pool_return, outside_option, aspiration,
                     voice_value, memory, satisfaction, last_participation, start, np.empty(provider.size, np.uint32),
                     np.empty(n_groups, np.int32), np.empty(n_groups, np.int32), group_first, WIDE_SHIFT)


@compiled
def serve_sector(key0, key1, month, sector, provider, stance, x, citizen, unit_start, unit_count, resources,
                 quality_sensitivity, efficacy, quality_contractible, quality_noncontractible, design, home_row,
                 neighbours, neighbour_count, choice, crowd_out, group_size, service_weight, mismatch_weight,
                 switch_cost, resource_gradient, participation_cost, pool_return, outside_option, aspiration,
                 voice_value, memory, satisfaction, last_participation, start, place, contributors, participants,
                 group_first, stance_shift):
    """``month_of_service`` on its lists' entries (``place``, each provider's users from ``start``), its groups'
    counts and their first groups (``group_first``), as narrow as the sector allows (ODD §9 D-F171): the shuffle,
    the groups' tallies and every slot's month."""
    shuffle_positions(key0, key1, month, sector, provider, start, place, stance, stance_shift)
    groups_and_tallies(start, place, group_size, stance_shift, contributors, participants, group_first)
    within_mask = (np.int64(1) << stance_shift) - 1
    magic, shift = group_divisor(group_size)
    pool_rate = pool_return * participation_cost
    zero, one = np.float32(0.0), np.float32(1.0)
    aspiration32, voice_value32 = np.float32(aspiration), np.float32(voice_value)
    loner_weight, keep, learn = np.float32(1.0 - service_weight), np.float32(1.0 - memory), np.float32(memory)
    option_words = stream_blocks.word_block()  # the exit options' words, a block of counters at a time
    per_block = 4 * stream_blocks.BLOCK  # four slots a counter
    cursor = start[:-1].copy()  # where each provider's next user in slot order stands in the lists
    # the unit of the slot, its home row, that row's neighbours and, last, the home row itself: read once a unit
    unit, unit_end, home, count = 0, 0, 0, 0
    last_column = neighbours.shape[1] - 1
    options = np.empty(last_column + 2, np.int64)
    last_slot = provider.size - 1
    for slot in range(provider.size):  # everything else, in slot order
        # the person arrays' lines of the holder PREFETCH_AHEAD slots on (ODD §9 D-F250)
        ahead = index(holder(citizen, min(slot + PREFETCH_AHEAD, last_slot)))
        prefetch(resources, ahead)
        prefetch(efficacy, ahead)
        prefetch(last_participation, ahead)
        if choice and crowd_out:
            prefetch(quality_sensitivity, ahead)
        if choice and crowd_out and slot % per_block == 0:  # the exit options' words, where they are read
            stream_blocks.philox_words(key0, key1, slot >> 2, stream_blocks.BLOCK, month,
                                       sector * SECTOR_LANES + EXIT_OPTION, 0, option_words)
        row = index(provider[slot])
        entry = index(cursor[row])
        cursor[row] = entry + 1
        group = index(group_first[row] + place_group(np.int64(place[entry]) & within_mask, magic, shift))
        # every gather up front and unconditional: a value read only in one case makes the compiler branch on the
        # case, which the mixed stances and providers mispredict (ODD §9 D-F105)
        # her group's share r c n_C / S (``pool_shares``), derived where read rather than kept a group (ODD §9
        # D-F124); read only where she plays (S >= 2), so an empty group's 0 / 0 is never used
        players = participants[group]
        group_share = pool_rate * np.float64(contributors[group]) / np.float64(players)
        person = index(holder(citizen, slot))
        resource, person_efficacy, last = resources[person], efficacy[person], last_participation[person]
        stance_here = stance[slot]
        utility = slot_utility(row, slot, x, quality_contractible, quality_noncontractible, design, service_weight,
                               mismatch_weight)
        reference = utility
        participates = stance_here != OPT_OUT
        contributes = stance_here == CONTRIBUTE
        plays = participates & (players >= 2)
        pays = plays & contributes
        # Hirschman's reference counts only in a paying player's voice, and only while she falls short of the
        # aspiration: at U >= aspiration, max(U, V) >= aspiration leaves her no dissatisfaction whatever V is (a
        # number: it is wherever the rows' qualities and designs and her sensitivity are). So V is derived for
        # those slots alone (about a fifth of them), behind a branch (ODD §9 D-F106)
        if choice and crowd_out and (pays & (utility < aspiration32)):
            if slot >= unit_end:  # a new unit (``service_value.unit_of``; its rows as ``alternative_row`` reads them)
                unit = unit_of(slot, unit, unit_start, unit_count)
                unit_end = unit_start[unit] + unit_count[unit]
                home = home_row[index(unit)]
                count = neighbour_count[index(home)]
                for column in range(last_column + 1):
                    options[column] = neighbours[index(home), column]
                options[last_column + 1] = home
            # ``alternative_row``: a neighbour of her home row if she is served there and it has any, else the home
            # row, chosen by index (a select of two numbers) rather than by a branch around the neighbour's gather
            uniform = word_uniform(option_words[slot & 3, (slot >> 2) % stream_blocks.BLOCK])
            column = min(np.int64(uniform * max(count, 1)), last_column)
            stays = (provider[slot] == home) & (count > 0)
            alternative = options[index(column if stays else last_column + 1)]
            value = slot_exit_value(index(alternative), row, slot, x, quality_sensitivity[person],
                                    quality_contractible, quality_noncontractible, design, service_weight,
                                    mismatch_weight, switch_cost)
            # NumPy's maximum (a NaN wins), as a select
            reference = value if (value > utility) | (value != value) else utility
        cost = slot_cost(resource, resource_gradient, participation_cost)
        # the stance's cases as selects, not branches: stances are mixed at random, so a branch on them would be
        # mispredicted about every other slot (``&`` on booleans does not short-circuit)
        pool = group_share if plays else outside_option  # ``slot_game_payoff``: float64, kept as float32
        game = np.float32(pool - (np.float64(cost) if pays else 0.0))  # pool - 0 is pool, to the bit
        dissatisfaction = aspiration32 - reference
        dissatisfaction = zero if dissatisfaction < zero else dissatisfaction
        voice = voice_value32 * person_efficacy * dissatisfaction
        # playing: game + U; a lone participant: U + (1 - w) game; an opt-out: game + 0 (sums commute, 1 game is
        # game: the same numbers as the three cases written apart)
        scale = loner_weight if participates & (not plays) else one
        payoff = scale * game + (utility if participates else zero)
        payoff = payoff + (voice if pays else zero)
        satisfaction[slot] = keep * satisfaction[slot] + learn * payoff
        last_participation[person] = month if contributes else last
