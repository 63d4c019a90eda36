"""The national couplings, applied once a year from the authorities' summaries in a fixed order (ODD §9, D-NAT4).

A sector's tier (``sim.local_authorities.SERVICE_TIER``) groups the authorities that share its money and its
design: all of England for a national service, the authorities under one upper tier (a county's districts;
a single-tier authority alone) for an upper-tier service, each authority alone for a district service. In a
group of two or more, once a year:

* the budget is one pot: the members' budgets (in real pounds: a member's simulated budget times its scale)
  are summed and shared in proportion to each member's formula cost this month (real pounds), so money follows
  need across the group as the national funding formula shares one total; the pot itself changes only as the
  members' budgets do (``budget_real_change``);
* the design is one design: next year's central design is the mean of the members' estimates of their users'
  preferred design, weighted by real users.

A group of one keeps its own budget and design, so a district service runs exactly as in the district model.
Sums run over authorities in code order, whatever the partitions, so every run gives the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..local_authorities import service_tier

NATIONAL_GROUP = "E92000001"  # England's GSS code


def coupling_groups(plan: pd.DataFrame, sectors: tuple[str, ...]) -> list[pd.Series]:
    """Per sector, each authority's group code (England, its upper tier, or itself)."""
    groups = []
    for sector in sectors:
        tier = service_tier(sector)
        if tier == "national":
            groups.append(pd.Series(NATIONAL_GROUP, index=plan.index))
        elif tier == "upper":
            groups.append(plan["upper_tier_code"])
        else:
            groups.append(pd.Series(plan.index, index=plan.index))
    return groups


def yearly_couplings(summaries: dict[str, dict], plan: pd.DataFrame,
                     sectors: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
    """Each authority's budget and pending design estimate for next year, from this year's summaries."""
    codes = sorted(summaries)
    scale = np.array([summaries[c]["scale"] for c in codes])
    budget = np.array([summaries[c]["budget"] for c in codes]) * scale[:, None]  # real £
    need = np.array([summaries[c]["standard_cost"] for c in codes]) * scale[:, None]
    estimate = np.array([summaries[c]["pending_estimate"] for c in codes])
    users = np.array([summaries[c]["users"] for c in codes]) * scale[:, None]
    new_budget = np.array([summaries[c]["budget"] for c in codes])  # simulated £, changed where coupled
    new_estimate = estimate.copy()
    for s, group in enumerate(coupling_groups(plan.loc[codes], sectors)):
        members_of = pd.Series(np.arange(len(codes))).groupby(group.to_numpy()).apply(list)
        for members in members_of:
            if len(members) < 2:
                continue
            pot = float(np.sum(budget[members, s]))
            total_need = float(np.sum(need[members, s]))
            if total_need > 0:
                new_budget[members, s] = pot * need[members, s] / total_need / scale[members]
            weights = users[members, s]
            if weights.sum() > 0:  # a design may have several dimensions (ODD §7.5): each averaged alike
                new_estimate[members, s] = np.tensordot(weights, estimate[members, s], axes=1) / weights.sum()
    return {code: {"budget": new_budget[i], "pending_estimate": new_estimate[i]}
            for i, code in enumerate(codes)}
