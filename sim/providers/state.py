"""A state department: budget from the guarantor, central overhead, design set centrally, inspected."""

from __future__ import annotations

import numpy as np

from .base import Provider, cost_reduction, innovation_gain, move_toward_voice
from .table import STATE


class StateDepartment(Provider):
    kind = STATE
    listens_to_voice = True

    @classmethod
    def objective(cls, model, rows, e, i):
        """HSV's state manager: (lambda/2)(c(e) - b(e)) + (lambda/2) beta(i) - e - i.

        The manager captures a share lambda of returns, halved because using them needs the government's
        approval (renegotiation), and bears the quality damage through that same share."""
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
        """The council's central services (finance, HR, legal) are recharged to the department's budget."""
        return params["back_office_cost"]

    @classmethod
    def settle_surplus(cls, model, rows, saving, budget):
        """An underspend goes back to the treasury."""
        model.ledger.collect_from_providers("treasury", np.where(rows, saving, 0.0), "underspend returned")

    def on_failure(self, reason: str) -> None:
        """Step-in: the guarantor replaces the management; efforts restart from scratch."""
        t = self.model.providers
        t.effort_e[self.row] = t.effort_i[self.row] = 0.01
