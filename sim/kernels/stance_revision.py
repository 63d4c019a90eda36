"""Kernels of stance revision (ODD §7.2): who revises this month and how, and recruitment by the participation
channels, in one pass over a sector's slots each instead of comparisons, selections and gathers."""

from __future__ import annotations

import numpy as np

from . import compiled
from .service_value import slot_utility


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
            chance = min(reach_scale * targeting[deprivation[citizen[slot]]], 1.0)
        else:
            chance = np.float64(min(scale32 * (resources[citizen[slot]] / mean32), one32))
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
