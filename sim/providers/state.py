"""A state department: budget from the guarantor, central overhead, design set centrally, inspected.

The department is the neutral kind: ``Provider``'s defaults are its behaviour (HSV's manager objective, a
yearly consultation, underspend returned, deficits covered, step-in on failure). What is particular to it
is below.
"""

from __future__ import annotations

import numpy as np

from .base import Provider
from .table import STATE


class StateDepartment(Provider):
    """A council department. Everything neutral in ``Provider`` is its behaviour, and:

    - ``treasury_covers_deficit = True``, ``may_be_insolvent = False`` (the defaults): a department has no
      balance sheet of its own; an overspend is the council's (England: the council's section 151 officer
      answers for the whole budget, Local Government Finance Act 1988 s.114).
    - ``convertible = True``: conversion rounds turn state services into mutuals (the seed; ODD §7.11).
    - ``on_takeover``: the public body assumes a predecessor's debts and its reserves beyond working capital.
    """

    kind = STATE
    convertible = True
    hearings_per_year = 1

    def on_takeover(self) -> None:
        """The public body takes over a predecessor's debts, and its reserves beyond one month's working
        capital (which it keeps): debts d = max(-cash, 0) paid in by the treasury, surplus
        max(cash - payment, 0) taken back."""
        model, table, row = self.model, self.model.providers, self.row
        cash = model.ledger.provider_cash
        debts, surplus = np.zeros(table.n), np.zeros(table.n)
        debts[row] = -min(cash[row], 0.0)
        surplus[row] = max(cash[row] - table.last_payment[row], 0.0)
        model.ledger.pay_providers("treasury", debts, "debts taken over")
        model.ledger.collect_from_providers("treasury", surplus, "reserves taken over")
