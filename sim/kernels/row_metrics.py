"""Kernel of the metrics read from the provider rows (ODD §8): active users, those of one kind (``mutual_share``)
and that kind's capital (``social_investment_per_capita``), each NumPy's pairwise sum of the rows selected, in
one call instead of six NumPy calls (ODD §9 D-F46)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .metric_sums import count_people
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


@compiled
def row_and_people_sums(users, capital, kind, code, morale, person_bits, masks, last_participation, since,
                        deprivation, n_quintiles, last_failure, failed_since):
    """ODD §8, the month's metrics read from the rows, the workers and the people in one call instead of three (ODD
    §9 D-F191): ``users_and_kind_sums``, the workers' morale summed as ``ndarray.sum`` adds it (``pairwise_sum``,
    as ``sim.metrics.measure`` summed it) and ``metric_sums.count_people``, each as called before: the same
    numbers. Returns (active users, the kind's users, its capital, the morale's sum, then ``count_people``'s
    holders, took part and failed)."""
    active, kind_users, kind_capital = users_and_kind_sums(users, capital, kind, code)
    morale_sum = pairwise_sum(morale)
    holders, took_part, failed = count_people(person_bits, masks, last_participation, since, deprivation,
                                              n_quintiles, last_failure, failed_since)
    return active, kind_users, kind_capital, morale_sum, holders, took_part, failed
