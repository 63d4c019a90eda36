"""Kernel of the metrics read from the provider rows (ODD §8): active users, those of one kind (``mutual_share``)
and that kind's capital (``social_investment_per_capita``), each NumPy's pairwise sum of the rows selected, in
one call instead of six NumPy calls (ODD §9 D-F46)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .pairwise import pairwise_sum


@compiled
def users_and_kind_sums(users, capital, kind, code):
    """``users.sum()``, ``users[kind == code].sum()`` and ``capital[kind == code].sum()``, in NumPy's order."""
    selected_users = np.empty(users.size)
    selected_capital = np.empty(users.size)
    k = 0
    for row in range(users.size):
        if kind[row] == code:
            selected_users[k] = users[row]
            selected_capital[k] = capital[row]
            k += 1
    return pairwise_sum(users), pairwise_sum(selected_users[:k]), pairwise_sum(selected_capital[:k])
