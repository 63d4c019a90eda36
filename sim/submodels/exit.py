"""ODD §7.4 Hirschman exit: where users may choose, dissatisfied users switch provider and money follows."""

from __future__ import annotations

import numpy as np

from ..kernels.exit_choice import switch_providers
from ..population import ServiceUsers


def exit_providers(params: dict, users: ServiceUsers, rng: np.random.Generator) -> None:
    """Where users may choose, reviewing users compare their provider with this month's alternative
    (``users.alternative``, set by service use) and switch with a logit chance in the utility gain net of the
    switching cost. One who leaves gives up her membership and seat at the old provider; her stance (a civic
    habit) goes with her. The kernel: ``sim.kernels.exit_choice.switch_providers``."""
    if users.m == 0:
        return
    review_draw = rng.random(users.m)
    switch_draw = rng.random(users.m)
    switch_providers(review_draw, switch_draw, users.stance, users.provider, users.alternative, users.exit_gain,
                     users.civic, float(params["revision_rate"]), float(params["exit_sensitivity"]))
