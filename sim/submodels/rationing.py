"""ODD §7.8 Money and accounts, rationing: who is not served this month where a sector's budget cannot pay for
everyone the formula counts (``budget_rule`` = ``ration_by_need`` or ``waiting_list``; ODD §9, D-K2).

The guarantor pays the fixed-cost lumps and the standard cost of the users it can afford (``served_share`` per
sector, ``GuarantorState.within_budget``); a row's service then runs at the standard for fewer users instead of
below it for all. Who goes unserved is the rule's:

* ``ration_by_need`` (an eligibility threshold): users are taken in order of need, highest first (ties at
  random), until the need the budget pays for is used up; the rest are refused, as English councils raised the
  threshold of need for adult social care after 2010 (low-intensity care fell by 42% while care of 10 hours or
  more a week held, Nuffield Trust and Health Foundation 2014);
* ``waiting_list`` (a queue): users are served in order of waiting, those who waited last month first (at
  random otherwise); the rest wait, so each is served later rather than refused for good.

A user not served this month takes her outside option (as an opt-out does: she cannot play the co-production
game of a service she does not get) but keeps her stance; she is not counted among the row's users, so the
quality of those served holds.
"""

from __future__ import annotations

import numpy as np

from ..population import OPT_OUT, ServiceUsers

RATIONING_RULES = ("ration_by_need", "waiting_list")


def ration_services(params: dict, served_share: np.ndarray, service_users: list[ServiceUsers],
                    rng: np.random.Generator) -> None:
    """Set each sector's ``unserved`` slots for this month (ODD §7.8): the users who seek the service (every
    stance but opting out) beyond the share of their need the budget pays for, in the rule's order. Nobody is
    unserved where the rule does not ration or the sector's budget pays for everyone."""
    rule = params["budget_rule"]
    for sector, users in enumerate(service_users):
        previous = users.unserved
        users.unserved = None
        if rule not in RATIONING_RULES or served_share[sector] >= 1.0 or users.m == 0:
            continue
        seeking = np.flatnonzero(users.stance != OPT_OUT)
        if seeking.size == 0:
            continue
        tie_break = rng.random(seeking.size)
        if rule == "ration_by_need":
            order = seeking[np.lexsort((tie_break, -users.need[seeking]))]
        else:
            waited = previous[seeking] if previous is not None else np.zeros(seeking.size, dtype=bool)
            order = seeking[np.lexsort((tie_break, ~waited))]
        need_so_far = np.cumsum(users.need[order], dtype=np.float64)
        served = int(np.searchsorted(need_so_far, served_share[sector] * need_so_far[-1], side="right"))
        users.unserved = np.zeros(users.m, dtype=bool)
        users.unserved[order[served:]] = True


def stance_served(users: ServiceUsers) -> np.ndarray:
    """The stances this month's service sees: an unserved user counts as opted out (ODD §7.8, D-K2)."""
    if users.unserved is None:
        return users.stance
    return np.where(users.unserved, np.int8(OPT_OUT), users.stance).astype(users.stance.dtype)


def unserved_share(service_users: list[ServiceUsers]) -> float:
    """Share of the users who seek a service (every stance but opting out) not served this month."""
    seeking = unserved = 0
    for users in service_users:
        seeks = users.stance != OPT_OUT
        seeking += int(np.count_nonzero(seeks))
        if users.unserved is not None:  # stances revised after rationing: count who still seeks it
            unserved += int(np.count_nonzero(users.unserved & seeks))
    return unserved / seeking if seeking else 0.0


__all__ = ["RATIONING_RULES", "ration_services", "stance_served", "unserved_share"]
