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
        add_returns(population.savings, population.invested, params["investment_return"])
    if not params["social_investment"]:
        return
    population.savings += np.float32(12.0 * params["savings_rate"])
    takes = kind_table(params, table, "takes_community_investment")
    rows_per_unit = sum(takes[rows].astype(np.int64) for rows in structure.home_row)
    per_unit = np.zeros(structure.n_units)
    for first_unit, last_unit, _, _, _, totals in investment_chunks(params, population, structure, rows_per_unit,
                                                                    month):
        per_unit[first_unit:last_unit] = totals
    share = np.divide(per_unit, rows_per_unit, out=np.zeros(structure.n_units), where=rows_per_unit > 0)
    rows = np.where(takes, sum(np.bincount(home, weights=share, minlength=table.n) for home in structure.home_row),
                    0.0)
    if rows.sum() <= 0:
        return
    # each adult's amount derived again, a chunk at a time, and moved from her savings to what she has invested:
    # the same amounts (nothing they read has changed), no float32 array of every adult (ODD §9 D-F220)
    for _, _, first, last, amount, _ in investment_chunks(params, population, structure, rows_per_unit, month,
                                                          totals=False):
        population.savings[first:last] -= amount
        population.invested[first:last] += amount
    ledger.pay_providers("households", rows, "community investment")
    table.community_shares += rows
    table.capital += rows
    guarantor.match_investment(rows)
    ledger.collect_from_providers("outside_world", rows * (1.0 + params["investment_match"]), "capital expenditure")


def add_returns(savings: np.ndarray, invested: np.ndarray, rate: float) -> None:
    """Each adult's return on what she has invested, added to her savings: ``savings += float32(rate *
    invested)``, element by element, ``UNIT_CHUNK`` adults at a time, so that no float64 product of every adult
    is made (12 bytes an adult at a fiscal year's end from the second on; ODD §9 D-F174)."""
    for first in range(0, len(savings), UNIT_CHUNK):
        last = first + UNIT_CHUNK
        savings[first:last] += (rate * invested[first:last]).astype(np.float32)


def investment_chunks(params: dict, population: Citizens, structure: Structure, rows_per_unit: np.ndarray,
                      month: int, totals: bool = True):
    """What each adult invests (float32: a share ``investment_propensity`` of her savings, scaled by her trust,
    where her unit has a row that takes it and, without local bonds, she took part in the last 12 months) and
    each unit's total (float64), a run of whole units at a time (about ``UNIT_CHUNK`` adults; people are sorted
    by unit): yields ``(first_unit, last_unit, first, last, amount, unit_totals)`` for units
    ``first_unit:last_unit`` and adults ``first:last`` (``unit_totals`` None unless ``totals``). A unit's total is
    ``bincount``'s sum of its adults in order from zero, as one call over everyone gives it, without its int64
    indices, float64 weights and masks of every adult (ODD §9 D-F63). A chunk's amounts read the savings of its
    own adults only, so a caller may change them between chunks (ODD §9 D-F220)."""
    n, starts = population.n, structure.unit_starts
    first_unit = 0
    while first_unit < structure.n_units:
        last_unit = int(np.searchsorted(starts, starts[first_unit] + UNIT_CHUNK, side="right"))
        last_unit = max(last_unit, first_unit + 1)
        first = int(starts[first_unit])
        last = int(starts[last_unit]) if last_unit < structure.n_units else n
        unit = np.repeat(np.arange(first_unit, last_unit, dtype=np.int64), population.unit_sizes[first_unit:last_unit])
        investor = rows_per_unit[unit] > 0
        if not params["local_bonds"]:
            investor &= population.last_participation[first:last] > month - 12
        amount = np.where(investor, population.savings[first:last] * params["investment_propensity"]
                          * population.trust[first:last], 0.0).astype(np.float32)
        unit_totals = None
        if totals:
            unit_totals = np.bincount(unit - first_unit, weights=amount, minlength=last_unit - first_unit)
        yield first_unit, last_unit, first, last, amount, unit_totals
        first_unit = last_unit


UNIT_CHUNK = 1 << 16  # adults at a time, in whole units
