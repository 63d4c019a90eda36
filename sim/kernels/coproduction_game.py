"""Kernels of the co-production game (ODD §7.1, "Groups", "Game payoff", "Voice value", "Payoff",
"Satisfaction"): groups, the game's tallies and payoffs, and a month's satisfaction, each in one or two passes
over a sector's slots.

A stable sort by provider of randomly permuted slots puts each provider's slots in the permutation's order; a
counting pass gives the same positions without sorting: walking the permutation, a slot's position in its
provider is how many of that provider's slots came before it.
"""

from __future__ import annotations

import numpy as np
from numba.np.random.random_methods import random_interval  # NumPy's bounded draw, as Numba translated it

from ..population import CONTRIBUTE, OPT_OUT
from . import compiled


@compiled
def shuffled_slots(rng, m):
    """ODD §7.1 Groups: a random order of a sector's m slots, ``rng.shuffle(np.arange(m, dtype=np.int32))``
    exactly. NumPy shuffles from the last position down, swapping position i with ``random_interval(i)`` (masked
    rejection on the generator's 32-bit draws); the same draws in the same order give the same order and leave
    the stream where NumPy leaves it, without NumPy's byte copy per swap (4 bytes a slot)."""
    order = np.empty(m, np.int32)
    for slot in range(m):
        order[slot] = slot
    bit_generator = rng.bit_generator
    for position in range(m - 1, 0, -1):
        partner = np.intp(random_interval(bit_generator, position))
        order[position], order[partner] = order[partner], order[position]
    return order


@compiled
def group_of_each_slot(permutation, provider, n_providers, group_size):
    """ODD §7.1 Groups: slot ``permutation[k]`` is the next of its provider's slots in a random order; it joins
    group ``offset_p + position ÷ group_size`` where ``offset_p`` counts the groups of earlier providers
    (``ceil(users_p / group_size)`` each). Returns each slot's group id and the number of groups."""
    users_of = np.zeros(n_providers, np.int64)
    for slot in range(provider.size):
        users_of[provider[slot]] += 1
    group_offset = np.empty(n_providers, np.int64)
    n_groups = 0
    for row in range(n_providers):
        group_offset[row] = n_groups
        n_groups += (users_of[row] + group_size - 1) // group_size
    seen = np.zeros(n_providers, np.int64)
    group_id = np.empty(provider.size, np.int32)  # a group id in 4 bytes a slot
    for slot in permutation:
        row = provider[slot]
        group_id[slot] = group_offset[row] + seen[row] // group_size
        seen[row] += 1
    return group_id, n_groups


@compiled
def group_tallies(group_id, n_groups, stance):
    """ODD §7.1 Game payoff: n_C (contributors) and S (participants: all but opt-outs) of each group."""
    contributors = np.zeros(n_groups)
    participants = np.zeros(n_groups)
    for slot in range(group_id.size):
        group = group_id[slot]
        if stance[slot] == CONTRIBUTE:
            contributors[group] += 1.0
        if stance[slot] != OPT_OUT:
            participants[group] += 1.0
    return contributors, participants


@compiled
def pool_shares(contributors, participants, pool_rate):
    """ODD §7.1 Game payoff: each group's share r c n_C / S (0 for a group without participants);
    ``pool_rate`` is r c."""
    share = np.zeros(contributors.size)
    for group in range(contributors.size):
        if participants[group] > 0:
            share[group] = pool_rate * contributors[group] / participants[group]
    return share


@compiled
def slot_game_payoff(plays, contributes, share, personal_cost, outside_option):
    """ODD §7.1 Game payoff of one slot: the group's share less her cost c_i if she plays and contributes, the
    share if she plays only, the outside option sigma if she does not play; computed in float64, kept as
    float32."""
    payoff = share if plays else outside_option
    if plays and contributes:
        return np.float32(payoff - np.float64(personal_cost))
    return np.float32(payoff)


@compiled
def game_payoffs(group_id, n_groups, stance, effort, personal_cost, pool_return, outside_option):
    """ODD §7.1 Game payoff of every slot, and the number S of participants in its group."""
    contributors, participants = group_tallies(group_id, n_groups, stance)
    share = pool_shares(contributors, participants, pool_return * effort)
    payoff = np.empty(group_id.size, np.float32)
    group_players = np.empty(group_id.size)
    for slot in range(group_id.size):
        group = group_id[slot]
        players = participants[group]
        plays = stance[slot] != OPT_OUT and players >= 2
        payoff[slot] = slot_game_payoff(plays, stance[slot] == CONTRIBUTE, share[group], personal_cost[slot],
                                        outside_option)
        group_players[slot] = players
    return payoff, group_players


@compiled
def month_of_service(group_id, n_groups, stance, effort, personal_cost, pool_return, outside_option, utility,
                     reference, citizen, efficacy, satisfaction, last_participation, month, aspiration,
                     voice_value, service_weight, memory):
    """ODD §7.1 Game payoff, Voice value, Payoff and Satisfaction in one pass over a sector's slots: the game
    pi_game, v_i = voice_value efficacy_i max(aspiration - R_i, 0), the payoff (playing: game + U_i + v_i if she
    contributes; a lone participant: U_i + (1 - service_weight) game; an opt-out: the game's sigma), and the new
    satisfaction (1 - memory) satisfaction_i + memory pi_i, written over the old (a slot reads only its own
    before writing it: no array of a month's satisfaction beside last month's, ODD §9 D-F17). Marks each
    contributor's ``last_participation``. Returns ``satisfaction`` (float32, computed in float32 as the arrays
    are)."""
    contributors, participants = group_tallies(group_id, n_groups, stance)
    share = pool_shares(contributors, participants, pool_return * effort)
    zero = np.float32(0.0)
    aspiration32, voice_value32 = np.float32(aspiration), np.float32(voice_value)
    loner_weight, keep, learn = np.float32(1.0 - service_weight), np.float32(1.0 - memory), np.float32(memory)
    new_satisfaction = satisfaction
    for slot in range(group_id.size):
        group = group_id[slot]
        participates = stance[slot] != OPT_OUT
        contributes = stance[slot] == CONTRIBUTE
        plays = participates and participants[group] >= 2
        game = slot_game_payoff(plays, contributes, share[group], personal_cost[slot], outside_option)
        dissatisfaction = aspiration32 - reference[slot]
        if dissatisfaction < zero:
            dissatisfaction = zero
        voice = voice_value32 * efficacy[citizen[slot]] * dissatisfaction
        if participates and not plays:
            payoff = utility[slot] + loner_weight * game
        else:
            payoff = game + (utility[slot] if plays else zero)
        payoff = payoff + (voice if plays and contributes else zero)
        new_satisfaction[slot] = keep * satisfaction[slot] + learn * payoff
        if contributes:
            last_participation[citizen[slot]] = month
    return new_satisfaction
