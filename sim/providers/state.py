"""A state department: budget from the guarantor, central overhead, design set centrally, inspected."""

from __future__ import annotations

import numpy as np

from .base import INITIAL_EFFORT, Provider, cost_reduction, innovation_gain, move_toward_voice
from .table import STATE


class StateDepartment(Provider):
    """A council department. What is particular to it, each a kind attribute or hook:

    - ``treasury_covers_deficit = True``, ``may_be_insolvent = False``: a department has no balance sheet
      of its own; an overspend is the council's (England: the council's section 151 officer answers for
      the whole budget, Local Government Finance Act 1988 s.114; a department cannot be wound up).
    - ``convertible = True``: conversion rounds turn state services into mutuals (the seed; DESIGN §3).
    - ``settle_surplus``: an underspend returns to the treasury (annual budgets lapse).
    - ``on_failure``: step-in (new management); ``on_takeover``: the public body assumes a predecessor's
      debts and its reserves beyond working capital.
    """

    kind = STATE
    listens_to_voice = True
    treasury_covers_deficit = True
    may_be_insolvent = False
    convertible = True

    @classmethod
    def objective(cls, model, rows, e, i):
        """HSV's state manager: (lambda/2)(c(e) - b(e)) + (lambda/2) beta(i) - e - i.

        The manager captures a share lambda of returns, halved because using them needs the government's
        approval (renegotiation), and bears the quality damage through that same share
        (Hart, Shleifer & Vishny 1997, section II)."""
        gamma, delta, theta, lam = cls.sector_terms(model, rows)
        c = cost_reduction(e, gamma)
        return 0.5 * lam * (c - theta * c) + 0.5 * lam * innovation_gain(i, delta) - e - i

    @classmethod
    def update_voice_design(cls, model, rows, fiscal_year_end):
        """Local voice reaches a department once a year (consultation), weighted by how many took part."""
        if fiscal_year_end:
            move_toward_voice(model, rows)

    @classmethod
    def own_overhead_rate(cls, params):
        """The council's central services (finance, HR, legal) are recharged to the department's budget
        (CIPFA central support costs)."""
        return params["back_office_cost"]

    @classmethod
    def settle_surplus(cls, model, rows, saving, budget):
        """An underspend goes back to the treasury: saving s = c(e) * service budget returns each month."""
        model.ledger.collect_from_providers("treasury", np.where(rows, saving, 0.0), "underspend returned")

    def on_failure(self, reason: str) -> None:
        """Step-in: the guarantor replaces the management; efforts restart from scratch."""
        t = self.model.providers
        t.effort_e[self.row] = t.effort_i[self.row] = INITIAL_EFFORT

    def on_takeover(self) -> None:
        """The public body takes over a predecessor's debts, and its reserves beyond one month's working
        capital (which it keeps): debts d = max(-cash, 0) paid in by the treasury, surplus
        max(cash - payment, 0) taken back."""
        model, t, row = self.model, self.model.providers, self.row
        cash = model.ledger.provider_cash
        debts, surplus = np.zeros(t.n), np.zeros(t.n)
        debts[row] = -min(cash[row], 0.0)
        surplus[row] = max(cash[row] - t.last_payment[row], 0.0)
        model.ledger.pay_providers("treasury", debts, "debts taken over")
        model.ledger.collect_from_providers("treasury", surplus, "reserves taken over")
