"""Kernels of the co-production game (ODD §7.1, "Game payoff"): the game's tallies and payoffs for given groups,
and one slot's payoff, which the month of service (``sim.kernels.service_month``, where the groups are drawn on
keyed streams) inlines.
"""

from __future__ import annotations

import numpy as np

from ..population import CONTRIBUTE, OPT_OUT
from . import compiled


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
