"""Kernels of stance revision (ODD §7.2): who revises this month and how, and recruitment by the participation
channels, in one pass over a sector's slots each instead of comparisons, selections and gathers."""

from __future__ import annotations

import numpy as np

from . import compiled


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
