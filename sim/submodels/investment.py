"""ODD §7.12 Social investment: citizens put savings into their unit's mutuals; the state matches."""

from __future__ import annotations

import numpy as np

from ..ledger import Ledger
from ..population import Citizens
from ..providers import ProviderTable, kind_table
from .structure import Structure


def social_investment(params: dict, structure: Structure, population: Citizens, table: ProviderTable,
                      ledger: Ledger, guarantor, month: int) -> None:
    """Citizens put part of their savings into their unit's mutuals (members only, or every resident where
    local bonds may be issued); the state matches; the capital is spent on assets that depreciate."""
    table.capital *= 1.0 - params["capital_depreciation"]
    returns = params["investment_return"] * table.community_shares
    ledger.collect_from_providers("households", returns, "investment returns")
    if table.community_shares.sum() > 0:
        population.savings += (params["investment_return"] * population.invested).astype(np.float32)
    if not params["social_investment"]:
        return
    population.savings += np.float32(12.0 * params["savings_rate"])
    takes = kind_table(params, table, "takes_community_investment")
    rows_per_unit = sum(takes[rows].astype(np.int64) for rows in structure.home_row)
    investor = rows_per_unit[population.unit] > 0
    if not params["local_bonds"]:
        investor &= population.participated(month)
    amount = np.where(investor, population.savings * params["investment_propensity"] * population.trust,
                      0.0).astype(np.float32)
    per_unit = np.bincount(population.unit, weights=amount, minlength=structure.n_units)
    share = np.divide(per_unit, rows_per_unit, out=np.zeros(structure.n_units), where=rows_per_unit > 0)
    rows = np.where(takes, sum(np.bincount(home, weights=share, minlength=table.n) for home in structure.home_row),
                    0.0)
    if rows.sum() <= 0:
        return
    population.savings -= amount
    population.invested += amount
    ledger.pay_providers("households", rows, "community investment")
    table.community_shares += rows
    table.capital += rows
    guarantor.match_investment(rows)
    ledger.collect_from_providers("outside_world", rows * (1.0 + params["investment_match"]), "capital expenditure")
