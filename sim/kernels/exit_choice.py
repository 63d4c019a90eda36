"""Kernel of Hirschman exit (ODD §7.4): who of a sector's users switches to this month's alternative provider, in
one pass over the slots."""

from __future__ import annotations

import numpy as np

from ..population import OPT_OUT
from . import compiled


@compiled
def switch_providers(review_draw, switch_draw, stance, provider, alternative, exit_gain, civic, revision_rate,
                     exit_sensitivity):
    """ODD §7.4: a user who does not opt out reviews with chance ``revision_rate`` and, if her alternative is
    another row, switches with the logit chance 1 / (1 + exp(-exit_sensitivity * gain)) (float32, as the gain);
    a switcher's provider becomes the alternative and her membership and seats (``civic``) end. The uniform
    draws are made by the submodel."""
    one = np.float32(1.0)
    sensitivity = np.float32(exit_sensitivity)
    for slot in range(stance.size):
        if stance[slot] == OPT_OUT or review_draw[slot] >= revision_rate or alternative[slot] == provider[slot]:
            continue  # not reviewing, or nowhere else to go: the chance is not needed
        chance = one / (one + np.exp(-(sensitivity * exit_gain[slot])))
        if switch_draw[slot] < chance:
            provider[slot] = alternative[slot]
            civic[slot] = 0
