"""Stock-flow consistent accounts: every pound leaves one account and enters another.

Scalar accounts (treasury, households, private investors, the outside world) and one cash account per
provider row. Every movement goes through ``transfer`` or ``pay_providers``/``collect_from_providers``, which
both move the balances and write the flow into this step's journal. ``check`` verifies, for every account,
that its balance moved by exactly its journalled inflows minus outflows, and that the grand total is
unchanged: a bug that touches a balance without a flow, or books a flow twice, is caught.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .kernels.books import move_cash, unexplained_row

SCALAR_ACCOUNTS = ("outside_world", "households", "treasury", "private_investors")
PROVIDERS = "providers"


class BooksDoNotBalance(AssertionError):
    """The accounts moved in a way the journal does not explain."""


class Ledger:
    """Double-entry accounts of the authority (ODD §2.8, §7.8): every flow of money is journalled, so that
    the books can be checked each month and public cost read from the journal."""

    def __init__(self, n_providers: int, tolerance: float = 1e-6):
        self.balance: dict[str, float] = dict.fromkeys(SCALAR_ACCOUNTS, 0.0)
        self.provider_cash = np.zeros(n_providers, dtype=np.float64)
        self.tolerance = tolerance
        self.flows: dict[tuple[str, str, str], float] = defaultdict(float)  # (from, to, purpose) -> £
        self._provider_in = np.zeros(n_providers)
        self._provider_out = np.zeros(n_providers)
        self.open_period()

    # --- periods -------------------------------------------------------------------------------------------
    def open_period(self) -> None:
        """Start a new journal (one model step); remember the opening balances it must explain."""
        self.flows = defaultdict(float)
        self._opening = dict(self.balance)
        self._opening_cash = self.provider_cash.copy()
        self._provider_in[:] = 0.0
        self._provider_out[:] = 0.0

    @property
    def inflows(self) -> np.ndarray:
        """Each provider row's inflows this period (for a kernel that moves cash with ``move_cash``)."""
        return self._provider_in

    @property
    def outflows(self) -> np.ndarray:
        """Each provider row's outflows this period (for a kernel that moves cash with ``move_cash``)."""
        return self._provider_out

    def total(self) -> float:
        return sum(self.balance.values()) + float(self.provider_cash.sum())

    # --- movements -----------------------------------------------------------------------------------------
    def transfer(self, source: str, sink: str, amount: float, purpose: str) -> None:
        """Move ``amount`` between two scalar accounts."""
        if amount == 0.0:
            return
        self.balance[source] -= amount
        self.balance[sink] += amount
        self.flows[(source, sink, purpose)] += amount

    def pay_providers(self, source: str, amounts: np.ndarray, purpose: str) -> None:
        """Move a vector of amounts (one per provider row, float64) from a scalar account into providers' cash;
        nothing is journalled where every amount is zero (``sim.kernels.books.move_cash``)."""
        total, booked = move_cash(self.provider_cash, self._provider_in, amounts, True)
        if booked:
            self.balance[source] -= total
            self.flows[(source, PROVIDERS, purpose)] += total

    def collect_from_providers(self, sink: str, amounts: np.ndarray, purpose: str) -> None:
        """Move a vector of amounts (float64) out of providers' cash into a scalar account."""
        total, booked = move_cash(self.provider_cash, self._provider_out, amounts, False)
        if booked:
            self.balance[sink] += total
            self.flows[(PROVIDERS, sink, purpose)] += total

    def journal_paid(self, source: str, total: float, booked: bool, purpose: str) -> None:
        """Journal a payment into providers' cash that a kernel made with ``move_cash`` (its total and whether it
        was booked), as ``pay_providers`` journals its own (ODD §9 D-F191)."""
        if booked:
            self.balance[source] -= total
            self.flows[(source, PROVIDERS, purpose)] += total

    def journal_collected(self, sink: str, total: float, booked: bool, purpose: str) -> None:
        """Journal a collection out of providers' cash that a kernel made with ``move_cash``, as
        ``collect_from_providers`` journals its own (ODD §9 D-F191)."""
        if booked:
            self.balance[sink] += total
            self.flows[(PROVIDERS, sink, purpose)] += total

    def move_between_providers(self, amounts: np.ndarray, purpose: str) -> None:
        """Net transfers among providers (``amounts`` sums to zero): pooling of reserves in a federation."""
        if abs(float(amounts.sum())) > self.tolerance * max(1.0, float(np.abs(amounts).sum())):
            raise BooksDoNotBalance(f"{purpose}: transfers among providers do not net to zero")
        self.provider_cash += amounts
        self._provider_in += np.maximum(amounts, 0.0)
        self._provider_out += np.maximum(-amounts, 0.0)
        self.flows[(PROVIDERS, PROVIDERS, purpose)] += float(np.maximum(amounts, 0.0).sum())

    # --- reading -------------------------------------------------------------------------------------------
    def flow(self, source: str | None = None, sink: str | None = None, purpose: str | None = None) -> float:
        """Sum of this period's flows matching the given source, sink and purpose (None matches all)."""
        return sum(v for (s, k, p), v in self.flows.items()
                   if (source is None or s == source) and (sink is None or k == sink)
                   and (purpose is None or p == purpose))

    def check(self) -> None:
        """Raise BooksDoNotBalance unless every balance moved by exactly its journalled flows, up to rounding:
        ``tolerance`` relative to the money an account moved this month (its opening balance, inflows and
        outflows), since the treasury closes every month at zero after moving billions in a large authority."""
        inflow: dict[str, float] = {}
        outflow: dict[str, float] = {}
        for (s, k, _), v in self.flows.items():
            if s != PROVIDERS or k != PROVIDERS:
                outflow[s] = outflow.get(s, 0.0) + v
                inflow[k] = inflow.get(k, 0.0) + v
        balance, opening, tolerance = self.balance, self._opening, self.tolerance
        for name in SCALAR_ACCOUNTS:
            came, went = inflow.get(name, 0.0), outflow.get(name, 0.0)
            expected = opening[name] + came - went
            if abs(balance[name] - expected) > tolerance * max(1.0, abs(opening[name]) + came + went):
                raise BooksDoNotBalance(f"account {name}: balance {balance[name]:.2f} but the journal "
                                        f"explains {expected:.2f}")
        row, net_cash_in, cash_total = unexplained_row(self.provider_cash, self._opening_cash, self._provider_in,
                                                       self._provider_out, self.tolerance)
        if row >= 0:
            expected = self._opening_cash[row] + self._provider_in[row] - self._provider_out[row]
            raise BooksDoNotBalance(f"provider row {row}: cash {self.provider_cash[row]:.2f} but the journal "
                                    f"explains {expected:.2f}")
        came, went = inflow.get(PROVIDERS, 0.0), outflow.get(PROVIDERS, 0.0)
        if abs(came - went - net_cash_in) > tolerance * max(1.0, came + went):
            raise BooksDoNotBalance("provider flows in the journal disagree with providers' cash movements")
        total = sum(balance.values()) + cash_total  # ``total()``, the cash summed in the kernel's pass (D-F294)
        # |total| <= tolerance passes whatever the money held (max(1, held) >= 1): the sum of every account's size
        # is only needed where the total is off by more than that (ODD §9 D-F190)
        if abs(total) > tolerance and abs(total) > tolerance * max(
                1.0, sum(abs(v) for v in balance.values()) + float(np.abs(self.provider_cash).sum())):
            raise BooksDoNotBalance(f"money was created or destroyed: accounts sum to {total:.6f}")

    def balanced(self) -> bool:
        try:
            self.check()
        except BooksDoNotBalance:
            return False
        return True
