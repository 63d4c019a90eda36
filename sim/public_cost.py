"""Public cost on an accruals basis, in components that sum to ``cost_per_capita``.

The ledger journals every flow in cash, when it happens; taxes follow the cash. Cost is read on an accruals
basis: a lump that serves several months (an inspection or self-audit serves the year ahead, capacity building
the year ahead, a tender the contract's term) is spread evenly over the months it serves, so the monthly series
has no fiscal-year spikes and a regime is not charged a year's inspection in one month. Over a whole run the
accrued cost equals the cash cost, except what is still to be accrued at the end.

Every treasury flow of the month is classified by its purpose (``TREASURY_FLOWS``; an unknown purpose counts as
``other``, so nothing is lost), then two parts of the funding are shown for what they paid for:

- ``management_overhead``: the share of funding providers spend on their own back office and governance
  (each kind's ``own_overhead_rate`` times its payment);
- ``surpluses``: funding paid out as profit to investors, minus surpluses returned to the treasury (a
  department's underspend, reserves taken over at a step-in, locked assets at a demutualisation). Surpluses a
  mutual retains stay in ``provision``: they are spent on the service through reinvestment.

``charges`` (negative) are what users pay toward the service (``charge_share``): provision is the service's whole
funding, charges the part of it the public does not pay. ``business_rates`` (negative) are the rates providers pay
out of their funding back to the public purse (``business_rates_share`` of their fixed costs); a charity's relief is
rates not received, so it shows here as a smaller receipt, not as a saving (ODD §9, D-K4). ``over_budget``: funding paid above the sectors'
budgets where the budget is open-ended (ODD §7.8); under a proportional cut it is 0.

so that provision + management_overhead + commissioning + inspection + tendering + interventions + surpluses +
charges + business_rates + over_budget + other = the accrued public cost of the month.
"""

from __future__ import annotations

import numpy as np

COMPONENTS = ("provision", "management_overhead", "commissioning", "inspection", "tendering", "interventions",
              "surpluses", "charges", "business_rates", "over_budget", "other")
COMPONENT_METRICS = tuple(f"cost_{c}" for c in COMPONENTS)
COMPONENT_INDEX = {c: k for k, c in enumerate(COMPONENTS)}

# purpose of a flow out of (or, negative, into) the treasury -> (component, months it serves: "year" = 12,
# "contract" = the contract term)
TREASURY_FLOWS: dict[str, tuple[str, str | int]] = {
    "funding": ("provision", 1),
    "regulation of providers": ("commissioning", 1),
    "inspection": ("inspection", "year"),
    "self-audit": ("inspection", "year"),
    "tendering": ("tendering", "contract"),
    "support": ("interventions", 1),
    "deficit cover": ("interventions", 1),
    "debts taken over": ("interventions", 1),
    "recovery grant": ("interventions", 1),
    "recovery capital": ("interventions", 1),
    "workforce plan": ("interventions", 1),
    "underspend returned": ("surpluses", 1),
    "reserves taken over": ("surpluses", 1),
    "locked assets returned": ("surpluses", 1),
    "user charges": ("charges", 1),  # paid by users into the treasury: negative
    "business rates": ("business_rates", 1),  # paid by providers into the treasury: negative
    "participation channels": ("other", 1),
    "capacity building": ("other", "year"),
    "investment match": ("other", 1),
}
TREASURY = "treasury"
# each purpose's component (its index) and the months it serves; an unknown purpose is "other", this month
PURPOSE_COMPONENT = {purpose: (COMPONENT_INDEX[component], serves)
                     for purpose, (component, serves) in TREASURY_FLOWS.items()}
OTHER_FLOW = (COMPONENT_INDEX["other"], 1)
MAX_MONTHS = 12 * 31  # the longest a lump is spread: a 30-year contract


class PublicCost:
    """Accrued public cost per component: ``book`` spreads a lump over the months it serves; ``close_month``
    returns this month's components (in £) and moves on."""

    def __init__(self, contract_months: int):
        self.contract_months = max(1, int(contract_months))
        self._schedule = np.zeros((MAX_MONTHS, len(COMPONENTS)))  # ring buffer: months ahead x components
        self._now = 0
        # this month's row of the ring as Python floats, each added to in booking order as the ring's float64
        # cell would be (the same numbers), without a NumPy scalar operation a flow
        self._current = [0.0] * len(COMPONENTS)
        self.month = dict.fromkeys(COMPONENTS, 0.0)

    def _months(self, serves: str | int) -> int:
        if serves == "year":
            return 12
        if serves == "contract":
            return self.contract_months
        return int(serves)

    def book(self, component: str, amount: float, months: int = 1) -> None:
        """Spread ``amount`` evenly over ``months`` months, starting with this one."""
        if amount == 0.0:
            return
        k = COMPONENT_INDEX[component]
        months = min(max(1, months), MAX_MONTHS)
        share = amount / months
        self._current[k] += share  # this month's part
        if months == 1:  # most flows: this month only
            return
        # the months after it as the ring buffer holds them: up to its end, then from its start
        start = self._now % MAX_MONTHS + 1
        first = min(months - 1, MAX_MONTHS - start)
        self._schedule[start:start + first, k] += share
        self._schedule[:months - 1 - first, k] += share

    def book_journal(self, flows: dict[tuple[str, str, str], float], overhead: float, profit: float,
                     over_budget: float = 0.0) -> None:
        """Classify the month's treasury flows (ledger journal) and carve overhead, profit and the funding paid
        above the budget out of funding."""
        current = self._current
        for (source, sink, purpose), amount in flows.items():
            if source == TREASURY:
                value = amount  # (1.0 * amount, and -1.0 * amount below: the same floats)
            elif sink == TREASURY:
                value = -amount
            else:
                continue
            if purpose == "tax" or value == 0.0:
                continue
            k, serves = PURPOSE_COMPONENT.get(purpose, OTHER_FLOW)
            if serves == 1:  # this month only: ``book``'s addition, amount / 1
                current[k] += value
            else:
                self.book(COMPONENTS[k], value, self._months(serves))
        self.book("provision", -overhead - profit - over_budget)
        self.book("management_overhead", overhead)
        self.book("surpluses", profit)
        self.book("over_budget", over_budget)

    def close_month(self) -> dict[str, float]:
        """This month's components (£); the next month's row, as the ring holds it, becomes the current one."""
        self.month = dict(zip(COMPONENTS, self._current, strict=True))
        self._now += 1
        row = self._schedule[self._now % MAX_MONTHS]
        self._current = row.tolist()
        row[:] = 0.0
        return self.month

    def total(self) -> float:
        return float(sum(self.month.values()))


__all__ = ["COMPONENTS", "COMPONENT_METRICS", "PublicCost", "TREASURY_FLOWS"]
