"""Kernel of Hirschman exit (ODD §7.4): who of a sector's users switches to this month's alternative provider, in
one pass over the slots, on the model's keyed streams (``sim.kernels.streams``)."""

from __future__ import annotations

import numpy as np

from ..population import OPT_OUT
from . import compiled
from .service_value import alternative_row, unit_of
from .streams import BATCH, EXIT_OPTION, EXIT_REVIEW, EXIT_SWITCH, fill_slot_uniforms, slot_uniform


@compiled
def exit_month(key0, key1, month, sector, stance, provider, unit_start, unit_count, home_row, neighbours,
               neighbour_count, exit_gain, civic, revision_rate, exit_sensitivity):
    """ODD §7.4 on keyed streams, one pass over a sector's slots: a user who does not opt out reviews when her
    uniform (purpose ``EXIT_REVIEW``) is below ``revision_rate``; a reviewer whose alternative row (§7.1's, from the
    same ``EXIT_OPTION`` uniform service use drew it with, so the same row) differs from her provider switches when
    her uniform (purpose ``EXIT_SWITCH``) is below the logit chance 1 / (1 + exp(-exit_sensitivity * gain))
    (float32, as the gain); a switcher's provider becomes the alternative and her membership and seats
    (``civic``) end. A slot's unit comes from the unit-sorted layout (``unit_start``, ``unit_count``)."""
    one = np.float32(1.0)
    sensitivity = np.float32(exit_sensitivity)
    review = np.empty(BATCH)
    unit = 0
    for slot in range(provider.size):
        if slot % BATCH == 0:  # the review draws, a batch of slots at a time (``streams.BATCH``)
            fill_slot_uniforms(key0, key1, slot, month, sector, EXIT_REVIEW, review)
        if stance[slot] == OPT_OUT or review[slot % BATCH] >= revision_rate:
            continue
        here = provider[slot]
        unit = unit_of(slot, unit, unit_start, unit_count)
        alternative = alternative_row(slot_uniform(key0, key1, slot, month, sector, EXIT_OPTION), here, unit,
                                      home_row, neighbours, neighbour_count)
        if alternative == here:
            continue
        chance = one / (one + np.exp(-(sensitivity * exit_gain[slot])))
        if slot_uniform(key0, key1, slot, month, sector, EXIT_SWITCH) < chance:
            provider[slot] = alternative
            civic[slot] = 0
