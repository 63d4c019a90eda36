"""The kinds' monthly rates and flags as one table: a row per hook or attribute, a column per kind code.

A month's production, work, payments and checks each need, for every provider row, a rate its kind sets (its own
overhead, the reserves it spends, the business rates it is relieved of...) or a flag (does the treasury cover its
deficit?). Asking each kind class every month for every submodel was a few dozen Python calls and fancy indexes
on arrays of a few dozen rows (ODD §9 D-F42). The values still come from the kinds' own hooks and attributes
(behaviour by kind lives with the kind); the table only holds them, built once from the parameters, as the
sector fields are (ODD §5), and a submodel reads its rows' values with one gather, ``of_rows``.
"""

from __future__ import annotations

import numpy as np

from .base import Provider, kind_attribute

#: Hooks ``hook(params) -> float`` whose per-row values the monthly submodels read (``Provider``'s docstrings).
RATE_HOOKS = ("own_overhead_rate", "reserve_drawdown_rate", "rate_relief", "other_income_rate",
              "social_finance_share", "guarantor_overhead_rate", "incentive", "wage_cut")
#: Kind attributes read each month (``kind_attribute``: the neutral value where the switch that gates it is off).
FLAG_ATTRIBUTES = ("treasury_covers_deficit", "may_be_insolvent", "members_own_it")

(OWN_OVERHEAD, RESERVE_DRAWDOWN, RATE_RELIEF, OTHER_INCOME, SOCIAL_FINANCE, GUARANTOR_OVERHEAD, INCENTIVE,
 WAGE_CUT) = range(len(RATE_HOOKS))
TREASURY_COVERS_DEFICIT, MAY_BE_INSOLVENT, MEMBERS_OWN_IT = range(len(FLAG_ATTRIBUTES))


class KindRates:
    """Every kind's monthly rates (float64, ``RATE_HOOKS``) and flags (bool, ``FLAG_ATTRIBUTES``), by kind code."""

    def __init__(self, params: dict):
        kinds = [Provider.by_code[code] for code in range(len(Provider.by_code))]
        self.rates = np.array([[getattr(kind, hook)(params) for kind in kinds] for hook in RATE_HOOKS],
                              dtype=np.float64)
        self.flags = np.array([[bool(kind_attribute(params, kind, name)) for kind in kinds]
                               for name in FLAG_ATTRIBUTES], dtype=bool)

    def of_rows(self, kind: np.ndarray) -> np.ndarray:
        """Each rate of each row, (len(RATE_HOOKS), rows), from its kind code."""
        return self.rates[:, kind]

    def rate_of_rows(self, rate: int, kind: np.ndarray) -> np.ndarray:
        """One rate of each row, from its kind code."""
        return self.rates[rate][kind]

    def flag_of_rows(self, flag: int, kind: np.ndarray) -> np.ndarray:
        """One flag of each row, from its kind code."""
        return self.flags[flag][kind]
