"""ODD §7.8 Money and accounts: deficits the treasury covers, taxes that balance it, and the month's public
cost on an accruals basis (``sim/ledger.py``, ``sim/public_cost.py``)."""

from __future__ import annotations

from ..kernels import books
from ..ledger import Ledger
from ..providers import ProviderTable
from ..providers.rates import TREASURY_COVERS_DEFICIT
from ..public_cost import PublicCost
from .structure import Structure


def cover_deficits(params: dict, structure: Structure, table: ProviderTable, ledger: Ledger) -> None:
    """Kinds that cannot go bust (``treasury_covers_deficit``): the treasury covers the deficit each month, in one
    compiled pass over the rows (``sim.kernels.books.cover_deficits``, ODD §9 D-F292; no deficit, or only zeros to
    cover, journals nothing)."""
    total, booked = books.cover_deficits(ledger.provider_cash, ledger.inflows,
                                         structure.kind_rates.flags[TREASURY_COVERS_DEFICIT], table.kind)
    ledger.journal_paid("treasury", total, booked, "deficit cover")


def collect_taxes(params: dict, ledger: Ledger, adults: int) -> float:
    """Taxes balance the treasury each month: households pay what the guarantor spent net of receipts.
    Returns the month's public spending (cash)."""
    spent = -ledger.balance["treasury"]
    ledger.transfer("outside_world", "households", spent + params["savings_rate"] * adults, "earnings")
    ledger.transfer("households", "treasury", spent, "tax")
    return spent


def account_public_cost(public_cost: PublicCost, ledger: Ledger, overhead_paid: float, over_budget: float = 0.0) -> None:
    """This month's public cost on an accruals basis, by component (``sim/public_cost.py``); ``over_budget``:
    the funding paid above the sectors' budgets this month (``GuarantorState.within_budget``)."""
    profit = 0.0 + ledger.flows.get(("providers", "private_investors", "profit"), 0.0)  # ``Ledger.flow``'s sum
    public_cost.book_journal(ledger.flows, overhead_paid, profit, over_budget)
    public_cost.close_month()
