"""Kernels of the per-row tallies of a sector's users (ODD §7.6, aggregation): five sums in one pass over its
slots, where there were five ``bincount`` passes each casting its indices and weights to 64 bits; and the month's
pass that adds §7.3's monthly membership and what governance hears to them (``tally_and_join``, ODD §9 D-F30)."""

from __future__ import annotations

import numpy as np

from ..population import BOARD, CONSULTED, CONTRIBUTE, GOVERNOR, MEMBER, OPT_OUT, PANEL, PUPIL, VOTED
from . import compiled, stream_blocks, streams
from .formula_funding import funding_terms
from .holders import holder, slot_count
from .need_churn import is_high_need, need_level
from .pairwise import pairwise_sum_of_table
from .preferences import decoded
from .production import row_shares
from .voice import heard_designs

SEATED = BOARD | PANEL | GOVERNOR | PUPIL  # as ``sim.submodels.participation.SEATED``


@compiled
def add_sector_tallies(provider, stance, need, x, unit, home_row, users, weighted_users, eligible, contributors,
                       preference_sum):
    """ODD §7.6: adds to each provider row this sector's users (all but opt-outs), need-weighted users, eligible
    residents (slots whose home catchment is the row), contributors and the sum of contributors' preferred
    designs (x (slots, D), preference_sum (rows, D), per dimension). The sector's sums start from zero and are
    added to the totals at the end, as the sum over sectors of per-sector counts was."""
    n_rows, dimensions = preference_sum.shape
    sector_users, sector_weighted = np.zeros(n_rows), np.zeros(n_rows)
    sector_eligible, sector_contributors = np.zeros(n_rows), np.zeros(n_rows)
    sector_preference = np.zeros((n_rows, dimensions))
    for slot in range(provider.size):
        row = provider[slot]
        if stance[slot] != OPT_OUT:
            sector_users[row] += 1.0
            sector_weighted[row] += np.float64(need[slot])
        if stance[slot] == CONTRIBUTE:
            sector_contributors[row] += 1.0
            for dimension in range(dimensions):
                sector_preference[row, dimension] += np.float64(decoded(x[slot, dimension]))
        sector_eligible[home_row[unit[slot]]] += 1.0
    users += sector_users
    weighted_users += sector_weighted
    eligible += sector_eligible
    contributors += sector_contributors
    preference_sum += sector_preference


#: Columns of ``tally_and_join``'s per-row counts: users, need-weighted users, eligible, contributors (§7.6),
#: voters and consultation respondents (§7.3); and of its sums of preferred designs: contributors', voters',
#: respondents'.
USERS, WEIGHTED_USERS, ELIGIBLE, CONTRIBUTORS, VOTERS, RESPONDENTS = range(6)
N_COUNTS = 6
CONTRIBUTOR_PREF, VOTE_PREF, ANSWER_PREF = range(3)


@compiled
def finish_tallies(counts, prefs, hear, users, weighted_users, eligible, contributors, voice_design, sector, unit_cost,
                   relief_per_contributor, participation, contributor_pref, relief, voters, respondents, mandate,
                   consulted, weight, heard_pref):
    """ODD §7.6 and §7.3 from the month's tallies (``counts`` (rows, ``N_COUNTS``), ``prefs`` (rows, 3, D)), in one
    call where ``sim.submodels.participation.tally_month`` made four copies and two kernel calls (ODD §9 D-F293):
    the rows' users, need-weighted users, eligible residents and contributors copied from their columns; then
    ``production.row_shares`` (participation, contributors' mean design, co-production relief); then, if
    ``hear``, ``voice.heard_designs`` (mandate, consulted design, weight heard, heard design). The same kernels in
    the same order, written over the rows' own arrays."""
    for row in range(users.size):
        users[row] = counts[row, USERS]
        weighted_users[row] = counts[row, WEIGHTED_USERS]
        eligible[row] = counts[row, ELIGIBLE]
        contributors[row] = counts[row, CONTRIBUTORS]
    row_shares(users, weighted_users, contributors, prefs[:, CONTRIBUTOR_PREF], voice_design, sector, unit_cost,
               relief_per_contributor, participation, contributor_pref, relief)
    if hear:
        heard_designs(counts[:, VOTERS], prefs[:, VOTE_PREF], counts[:, RESPONDENTS], prefs[:, ANSWER_PREF],
                      contributors, contributor_pref, voice_design, voters, respondents, mandate, consulted, weight,
                      heard_pref)


@compiled
def tally_and_join(key0, key1, month, sector, provider, stance, high_need_bits, high_need32, x, unit_start, unit_count, home_row, civic,
                   citizen, last_participation, has_board, any_board, join_chance, hear, sector_counts, sector_prefs,
                   counts, prefs, funded, every_resident, own_stance, deprivation, weight_of, normalised, need_weighted, unit_cost,
                   formula_users):
    """One pass over a sector's slots for three steps of the month that read the same slots with nothing between
    them changing what the others read (ODD §3.1 steps 8-9):

    * ODD §7.6 aggregation (``add_sector_tallies``): per row, users (``stance`` not opted out: the stances the
      service sees), need-weighted users (the need's level ``high_need32`` where its bit in ``high_need_bits`` is
      set, 1 otherwise, D-F33), eligible residents (the slots of the units whose home row it is),
      contributors and the sum of their preferred designs;
    * ODD §7.3 monthly membership: a user of a row with a member board joins with chance ``join_chance``; at a
      row without one her membership and board seat lapse; a seat holder took part this month. It changes only
      the membership and board bits, which neither tally reads. The join uniform is the keyed stream's
      (``streams.MEMBERSHIP``: word slot % 4 of the counter slot // 4), computed only where a row has a board
      (``any_board``: some row has one), a block of counters at a time;
    * if ``hear`` (a month without elections: they would change who voted in between), ODD §7.3 what governance
      hears (``sim.kernels.voice.add_heard_tallies``): per row, voters at its last election and respondents to
      its last consultation and the sums of their preferred designs;
    * if ``funded``, ODD §7.8 the guarantor's funding formula (``formula_funding.sector_formula_users``, ODD §9
      D-F96): per row, the sum over its users (``own_stance``, her own stance, not opted out: money follows
      users) or, where ``every_resident`` (block funding), over every eligible resident at her unit's home row,
      which is then the row that serves her (without choice nobody leaves it, D-F131), of her quintile's weight
      (``weight_of``) over the normaliser (NumPy's mean of the sector's weights, ``pairwise_sum_of_table``, where
      ``normalised``) times her need's level (where ``need_weighted``), in slot order; the sector's sums times
      ``unit_cost`` are added to ``formula_users``. Nothing between the tallies and the month's payments changes
      what it reads (the slots' citizens, stances, providers and needs).

    The sector's sums (``sector_counts`` (rows, N_COUNTS) and ``sector_prefs`` (rows, 3, D), room for them) start
    from zero and are added to ``counts`` and ``prefs`` at the end, as the per-sector kernels added theirs, over
    the rows from the lowest to the highest its slots and units reach (a sector's rows are a block of the table;
    any other row's sums would be +0.0, which leaves a total that is not -0.0 as it was: ODD §9 D-F262); every
    sum runs in slot order in float64. Slots are sorted by unit, so a row's slots come in runs: each run's sums
    are carried in registers from the row's sum so far and stored when the row changes (the same additions in
    the same order, without a load and a store through memory for each slot), in one walk over the slots, the
    preferred designs' sums with the rest where the design has two dimensions (ODD §9 D-F97: a walk to find the
    run's end and one a dimension, each loop's exit a mispredicted branch a run, cost more than the sums). Who voted, who answered and who contributes
    are mixed at random, so their terms are selected rather than branched on: a slot that does not count adds
    0.0, which leaves each of these sums (they start at +0.0) as it was (ODD §9 D-F75)."""
    # the rows this sector's slots and units reach, lowest to highest: only these get sums (ODD §9 D-F262)
    low, high = sector_counts.shape[0], -1
    for slot in range(provider.size):
        low, high = min(low, np.int64(provider[slot])), max(high, np.int64(provider[slot]))
    for unit in range(unit_count.size):
        low, high = min(low, np.int64(home_row[unit])), max(high, np.int64(home_row[unit]))
    high = max(high, low - 1)
    sector_counts[low:high + 1] = 0.0
    sector_prefs[low:high + 1] = 0.0
    sector_funded = np.zeros(formula_users.size if funded else 0)
    funding_of = np.empty((weight_of.size, 2))  # a user's term by her quintile and whether her need is high
    if funded:
        normaliser = 1.0
        if normalised and slot_count(citizen):
            normaliser = pairwise_sum_of_table(weight_of, deprivation, citizen) / slot_count(citizen)
        funding_of[:] = funding_terms(weight_of, normalised, normaliser, need_weighted, high_need32)
    for unit in range(unit_count.size):  # eligible: whole counts, the same whatever order they are added in
        sector_counts[home_row[unit], ELIGIBLE] += np.float64(unit_count[unit])
    lane = sector * streams.SECTOR_LANES + streams.MEMBERSHIP
    words = stream_blocks.word_block()
    per_block = 4 * stream_blocks.BLOCK  # slots whose join uniforms one block of counters gives
    block = -1
    dimensions = x.shape[1]
    end = provider.size
    # who voted and answered, as bits that are 0 when not hearing (then nothing is added)
    voted_bit, consulted_bit = np.uint8(VOTED if hear else 0), np.uint8(CONSULTED if hear else 0)
    two = dimensions == 2  # the default design space: its preferred designs' sums in registers too
    current = -1
    users = weighted = contributors = voters = respondents = funds = 0.0
    c0 = c1 = v0 = v1 = a0 = a1 = 0.0
    board = False
    for slot in range(end):
        row = provider[slot]
        if row != current:  # a run of slots at one row (sorted by unit): its sums carried in registers
            if current >= 0:  # the last run's sums stored at its row
                sector_counts[current, USERS], sector_counts[current, WEIGHTED_USERS] = users, weighted
                sector_counts[current, CONTRIBUTORS] = contributors
                sector_counts[current, VOTERS], sector_counts[current, RESPONDENTS] = voters, respondents
                if funded:
                    sector_funded[current] = funds
                if two:
                    sector_prefs[current, CONTRIBUTOR_PREF, 0], sector_prefs[current, CONTRIBUTOR_PREF, 1] = c0, c1
                    sector_prefs[current, VOTE_PREF, 0], sector_prefs[current, VOTE_PREF, 1] = v0, v1
                    sector_prefs[current, ANSWER_PREF, 0], sector_prefs[current, ANSWER_PREF, 1] = a0, a1
            current = row
            users, weighted = sector_counts[row, USERS], sector_counts[row, WEIGHTED_USERS]
            contributors = sector_counts[row, CONTRIBUTORS]
            voters, respondents = sector_counts[row, VOTERS], sector_counts[row, RESPONDENTS]
            funds = sector_funded[row] if funded else 0.0
            if two:
                c0, c1 = sector_prefs[row, CONTRIBUTOR_PREF, 0], sector_prefs[row, CONTRIBUTOR_PREF, 1]
                v0, v1 = sector_prefs[row, VOTE_PREF, 0], sector_prefs[row, VOTE_PREF, 1]
                a0, a1 = sector_prefs[row, ANSWER_PREF, 0], sector_prefs[row, ANSWER_PREF, 1]
            board = any_board and has_board[row]
        if funded and (every_resident or own_stance[slot] != OPT_OUT):  # ODD §7.8, as ``add_formula_users``
            quintile = deprivation[np.uint64(holder(citizen, np.uint64(slot)))]  # unsigned (ODD §9 D-F261)
            funds += funding_of[np.uint64(quintile), np.uint64(is_high_need(high_need_bits, slot))]
        served = stance[slot]
        if served != OPT_OUT:
            users += 1.0
            weighted += np.float64(need_level(high_need_bits, slot, high_need32))
            if served == CONTRIBUTE:
                contributors += 1.0
        bits = civic[slot]
        if board:
            if slot // per_block != block:
                block = slot // per_block
                counters = min(stream_blocks.BLOCK, (end - block * per_block + 3) // 4)
                stream_blocks.philox_words(key0, key1, block * stream_blocks.BLOCK, counters, month, lane, 0,
                                           words)
            if stream_blocks.block_uniform(words, slot % 4, (slot % per_block) // 4) < join_chance:
                bits = bits | np.uint8(MEMBER)
                civic[slot] = bits
        elif bits & np.uint8(MEMBER | BOARD):
            bits = bits & ~np.uint8(MEMBER | BOARD)
            civic[slot] = bits
        if bits & SEATED:
            last_participation[holder(citizen, slot)] = month
        voters += 1.0 if bits & voted_bit else 0.0  # selects: x + 0.0 is x for these sums (from +0.0)
        respondents += 1.0 if bits & consulted_bit else 0.0
        if two:  # the preferred designs' sums, in slot order in each dimension
            wish0, wish1 = np.float64(decoded(x[slot, 0])), np.float64(decoded(x[slot, 1]))
            contributes = served == CONTRIBUTE
            c0 += wish0 if contributes else 0.0
            c1 += wish1 if contributes else 0.0
            voted_here, answered_here = (bits & voted_bit) != 0, (bits & consulted_bit) != 0
            v0 += wish0 if voted_here else 0.0
            v1 += wish1 if voted_here else 0.0
            a0 += wish0 if answered_here else 0.0
            a1 += wish1 if answered_here else 0.0
        else:
            for dimension in range(dimensions):
                wish = np.float64(decoded(x[slot, dimension]))
                sector_prefs[row, CONTRIBUTOR_PREF, dimension] += wish if served == CONTRIBUTE else 0.0
                sector_prefs[row, VOTE_PREF, dimension] += wish if bits & voted_bit else 0.0
                sector_prefs[row, ANSWER_PREF, dimension] += wish if bits & consulted_bit else 0.0
    if current >= 0:  # the sector's last run (as above)
        sector_counts[current, USERS], sector_counts[current, WEIGHTED_USERS] = users, weighted
        sector_counts[current, CONTRIBUTORS] = contributors
        sector_counts[current, VOTERS], sector_counts[current, RESPONDENTS] = voters, respondents
        if funded:
            sector_funded[current] = funds
        if two:
            sector_prefs[current, CONTRIBUTOR_PREF, 0], sector_prefs[current, CONTRIBUTOR_PREF, 1] = c0, c1
            sector_prefs[current, VOTE_PREF, 0], sector_prefs[current, VOTE_PREF, 1] = v0, v1
            sector_prefs[current, ANSWER_PREF, 0], sector_prefs[current, ANSWER_PREF, 1] = a0, a1
    counts[low:high + 1] += sector_counts[low:high + 1]  # other rows would add +0.0, which changes no sum
    prefs[low:high + 1] += sector_prefs[low:high + 1]
    for row in range(sector_funded.size):
        formula_users[row] += sector_funded[row] * unit_cost
