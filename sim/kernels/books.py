"""Kernels of the ledger (ODD §7.8, "Money and accounts"): a vector of flows between the providers and one
account, and the month's check of the providers' cash, each one pass over the provider rows instead of four or
five NumPy calls; totals are NumPy's pairwise sums (``sim.kernels.pairwise``), so the journal is the same to the
last bit (ODD §9 D-F44)."""

from __future__ import annotations

import numpy as np

from . import compiled
from .pairwise import pairwise_sum


@compiled
def move_cash(cash, moved, amounts, into_providers):
    """Move ``amounts`` (one per row) into the providers' cash (``into_providers``) or out of it, and add them
    to the month's inflows or outflows ``moved``, unless every amount is zero. Returns (total, booked): the
    total as ``float(amounts.sum())`` and whether the flow was booked (not all zero)."""
    total = pairwise_sum(amounts)
    booked = total != 0.0
    if not booked:
        for row in range(amounts.size):
            if amounts[row] != 0.0:  # a NaN is not zero either, as for np.any
                booked = True
                break
    if booked:
        for row in range(amounts.size):
            if into_providers:
                cash[row] += amounts[row]
            else:
                cash[row] -= amounts[row]
            moved[row] += amounts[row]
    return total, booked


@compiled
def cover_deficits(cash, inflow, covers_by_kind, kind):
    """ODD §7.8 the treasury covers the deficits of the kinds that cannot go bust: the amounts
    cover_p = -cash_p where cash_p < 0 and the row's kind's flag ``covers_by_kind[kind_p]``, 0 elsewhere, moved
    into the providers' cash (``move_cash``), as ``sim.submodels.money.cover_deficits`` moved them with NumPy and
    ``Ledger.pay_providers`` before (ODD §9 D-F292). Returns (total, booked), nothing moved where no row is in
    deficit."""
    deficit = False
    for row in range(cash.size):
        if cash[row] < 0.0:
            deficit = True
            break
    if not deficit:
        return 0.0, False
    cover = np.empty(cash.size)
    for row in range(cash.size):
        cover[row] = -cash[row] if (covers_by_kind[kind[row]] and cash[row] < 0.0) else 0.0
    return move_cash(cash, inflow, cover, True)


@compiled
def unexplained_row(cash, opening, inflow, outflow, tolerance):
    """The check of the providers' cash: the first row whose cash differs from opening + inflows - outflows by
    more than ``tolerance`` * max(1, |opening| + inflows + outflows) (-1: none; rounding grows with the money
    moved, not with what is left), the net inflow (inflows - outflows) summed in NumPy's order, and the cash's
    total as ``float(cash.sum())`` gives it, for the check that no money was made (ODD §9 D-F294)."""
    net = np.empty(cash.size)
    first = -1
    for row in range(cash.size):
        expected = opening[row] + inflow[row] - outflow[row]
        scale = np.abs(opening[row]) + inflow[row] + outflow[row]
        if first < 0 and np.abs(cash[row] - expected) > tolerance * max(1.0, scale):
            first = row
        net[row] = inflow[row] - outflow[row]
    return first, pairwise_sum(net), pairwise_sum(cash)
