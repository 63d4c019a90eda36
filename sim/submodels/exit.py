"""ODD §7.4 Hirschman exit: where users may choose, dissatisfied users switch provider and money follows."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..population import OPT_OUT, ServiceUsers


def exit_providers(params: dict, users: ServiceUsers, rng: np.random.Generator) -> None:
    """Where users may choose, reviewing users compare their provider with this month's alternative
    (``users.alternative``, set by service use) and switch with a logit chance in the utility gain net of the
    switching cost. One who leaves gives up her membership and seat at the old provider; her stance (a civic
    habit) goes with her."""
    if users.m == 0:
        return
    reviewing = (users.stance != OPT_OUT) & (rng.random(users.m) < params["revision_rate"])
    chance = expit(params["exit_sensitivity"] * users.exit_gain)  # the logistic, without overflow for a large loss
    switch = reviewing & (users.alternative != users.provider) & (rng.random(users.m) < chance)
    users.provider[switch] = users.alternative[switch]
    users.civic[switch] = 0
