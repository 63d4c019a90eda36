"""Kernel of Hirschman exit (ODD §7.4): who of a sector's users switches to this month's alternative provider, in
one pass over the slots."""

from __future__ import annotations

import numpy as np

from ..population import OPT_OUT
from . import compiled


@compiled
def list_reviewers(start, review_draw, stance, provider, alternative, revision_rate, reviewers, count):
    """ODD §7.4, the review: of the slots ``start`` to ``start + review_draw.size``, those whose holder does not
    opt out, reviews (her ``review_draw`` below ``revision_rate``) and has another row to go to are appended to
    ``reviewers`` after its first ``count``. Returns the new count."""
    for k in range(review_draw.size):
        slot = start + k
        if stance[slot] != OPT_OUT and review_draw[k] < revision_rate and alternative[slot] != provider[slot]:
            reviewers[count] = slot
            count += 1
    return count


@compiled
def switch_providers(start, switch_draw, reviewers, first, count, provider, alternative, exit_gain, civic,
                     exit_sensitivity):
    """ODD §7.4, the switch: a reviewer (``reviewers[first:count]``, those of the slots ``start`` to ``start +
    switch_draw.size``, in slot order) switches with the logit chance 1 / (1 + exp(-exit_sensitivity * gain))
    (float32, as the gain) when her ``switch_draw`` is below it; a switcher's provider becomes the alternative
    and her membership and seats (``civic``) end. Returns the index of the first reviewer past the chunk."""
    one = np.float32(1.0)
    sensitivity = np.float32(exit_sensitivity)
    end = start + switch_draw.size
    while first < count and reviewers[first] < end:
        slot = reviewers[first]
        chance = one / (one + np.exp(-(sensitivity * exit_gain[slot])))
        if switch_draw[slot - start] < chance:
            provider[slot] = alternative[slot]
            civic[slot] = 0
        first += 1
    return first
