"""ODD §7.4 Hirschman exit: where users may choose, dissatisfied users switch provider and money follows."""

from __future__ import annotations

import numpy as np

from ..kernels.draws import uniform_chunks
from ..kernels.exit_choice import list_reviewers, switch_providers
from ..population import ServiceUsers


def exit_providers(params: dict, users: ServiceUsers, rng: np.random.Generator) -> None:
    """Where users may choose, reviewing users compare their provider with this month's alternative
    (``users.alternative``, set by service use) and switch with a logit chance in the utility gain net of the
    switching cost. One who leaves gives up her membership and seat at the old provider; her stance (a civic
    habit) goes with her. The kernels: ``sim.kernels.exit_choice.list_reviewers`` and ``switch_providers``."""
    if users.m == 0:
        return
    # every slot's review draw, then every slot's switch draw (``rng.random(m)`` twice), a chunk at a time
    reviewers = np.empty(users.m, dtype=np.int64)  # pages beyond the reviewers listed are never touched
    count = 0
    for start, review_draw in uniform_chunks(rng, users.m):
        count = list_reviewers(start, review_draw, users.stance, users.provider, users.alternative,
                               float(params["revision_rate"]), reviewers, count)
    first = 0
    for start, switch_draw in uniform_chunks(rng, users.m):
        first = switch_providers(start, switch_draw, reviewers, first, count, users.provider, users.alternative,
                                 users.exit_gain, users.civic, float(params["exit_sensitivity"]))
