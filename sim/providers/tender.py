"""Tender prices set by competition (ODD §7.10, D-C2): what a re-let contract pays, relative to the formula.

At a re-tender ``N = tender_bidders`` firms bid for the service. Each knows the practice its kind already uses
in the sector (``known_practice``): at that practice a firm saves a share ``s = min(c(e_known), 1)`` of the
service budget (HSV's cost reduction, §7.6). Bidders differ in how far they have taken that practice up, so
their costs per £ of the formula lie evenly between the cost at the known practice, ``1 − σ s``, and the
formula's, 1 (``σ``: the share of the payment the cut applies to, the service budget's). The lowest-cost bidder
wins and, in a sealed-bid or open tender, is paid in expectation the second-lowest cost (revenue equivalence:
Vickrey 1961, Myerson 1981). For N costs spread evenly over an interval that is

    price = 1 − (σ s + r) (N − 1) / (N + 1)

so a share (N − 1)/(N + 1) of the known saving passes to the public purse at re-tender (0 with one bidder,
1/2 with three, 2/3 with five) and the rest is the winner's margin. Other income the kind earns, a share r of
the payment (fees and trading, ``other_income_rate``, D-C4), lowers every bidder's net cost alike and is bid
away in the same proportion: where a commissioner re-lets a contract, income lowers the public payment.
"""

from __future__ import annotations

import numpy as np

from .base import Provider, budget_saved, cost_reduction, kind_attribute, known_practice


def pass_through(bidders: int) -> float:
    """Share of the known cost saving the public purse gets at a tender with ``bidders`` bidders:
    (N − 1)/(N + 1), the expected second-lowest of N costs spread evenly between the known practice's and the
    formula's."""
    return (bidders - 1) / (bidders + 1)


def service_share(params: dict, table, row: int, kind: type[Provider]) -> float:
    """The share of a payment that a cost cut applies to: the service budget's, (1 − own overhead rate) times
    the per-user part of the payment (the fixed-cost lump pays for the building, ODD §7.6)."""
    payment = table.last_payment[row]
    if payment <= 0:
        return 0.0
    return (1.0 - kind.own_overhead_rate(params)) * max(1.0 - table.last_lump[row] / payment, 0.0)


def tender_price(model, row: int, kind: type[Provider]) -> float:
    """The price, relative to the funding formula, at which a contract for ``row`` is let to a firm of
    ``kind``: 1 − (σ s + r)(N − 1)/(N + 1) (module docstring). A kind that holds no contract is paid the formula."""
    params, table = model.params, model.providers
    if not kind_attribute(params, kind, "holds_contract"):
        return 1.0
    known_e, _ = known_practice(table, row, kind.kind, include_row=True)
    saving = float(budget_saved(cost_reduction(np.array([known_e]), params["cost_reduction_scale"]))[0])
    income = kind.other_income_rate(params)  # a firm that earns other income can bid lower by as much
    return 1.0 - (service_share(params, table, row, kind) * saving + income) * pass_through(params["tender_bidders"])


__all__ = ["pass_through", "service_share", "tender_price"]
