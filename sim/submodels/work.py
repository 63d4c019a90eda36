"""ODD §7.9 Workers: workload, morale, effort and quits each month; staffing targets once a fiscal year."""

from __future__ import annotations

import numpy as np

from ..kernels import workers
from ..ledger import Ledger
from ..providers import ProviderTable
from ..providers.rates import INCENTIVE, MEMBERS_OWN_IT
from ..workforce import TENURE_DECAY, Workforce
from .structure import Structure


def staff_ratio_per_row(structure: Structure, table: ProviderTable) -> np.ndarray:
    """Staff per 100 need-weighted users of each row's sector."""
    return structure.sector_array("staff_per_100_users")[table.sector]


def fte_target(structure: Structure, table: ProviderTable) -> np.ndarray:
    """Full-time equivalents each row needs for its need-weighted users; contracted once a fiscal year."""
    return np.maximum(table.weighted_users * staff_ratio_per_row(structure, table) / 100.0, 0.1)


def headcount_target(params: dict, table: ProviderTable) -> np.ndarray:
    """People employed: the FTE rounded, and never fewer than ``minimum_staff`` for a service that has
    users (opening hours, leave and sickness need cover; small services employ part-timers)."""
    return np.where(table.eligible > 0, np.maximum(params["minimum_staff"], np.round(table.fte)), 0).astype(np.int64)


def work(params: dict, structure: Structure, table: ProviderTable, workforce: Workforce, ledger: Ledger,
         rng: np.random.Generator) -> None:
    """A month of work: workload from users per FTE (eased by co-production), morale, effort and quits
    (``Workforce.update``); the providers pay to hire replacements; the rows' workforce index and morale. The
    rows' part is two passes (``sim.kernels.workers.workload``, ``rows_after_work``)."""
    workload = workers.workload(table.fte, structure.sector_array("staff_per_100_users"), table.sector,
                                table.weighted_users, table.coproduction_relief)
    rates = structure.kind_rates
    incentive = rates.rate_of_rows(INCENTIVE, table.kind)
    # every row's autonomy, its sector's quit ratio and each kind's ownership flag (as 0.0 or 1.0) are the
    # parameters' and the rows' sectors', which a run does not change (``Structure.terms``)
    autonomy, quit_ratio, owned_by_kind = structure.terms("work", -1, lambda: (
        np.full(table.n, params["local_autonomy"]), structure.sector_array("quit_ratio")[table.sector],
        rates.flags[MEMBERS_OWN_IT].astype(float)))
    quits = workforce.update(rng, autonomy, owned_by_kind[table.kind], table.wage_factor, workload,
                             table.failing, incentive, quit_ratio)  # a failing row counts 1 (a bool read as 1.0)
    # the rows' workforce index and morale (written over the rows', D-F231), and the hiring costs moved out of their
    # cash, in one call (D-F191)
    # each worker's output, effort x productivity, derived in the call where every tenure is a whole month of
    # ``TENURE_DECAY`` (ODD §9 D-F297), else by NumPy as before
    hires, booked, derived = workers.rows_after_work_from_tenure(
        workforce.row, quits, workforce.effort, workforce.skill, workforce.tenure, float(params["new_hire_penalty"]),
        TENURE_DECAY, workforce.morale, table.fte, table.staff, float(params["hiring_cost"]),
        workforce.reference_output, ledger.provider_cash, ledger.outflows, table.workforce_index, table.morale)
    if not derived:
        hires, booked = workers.rows_after_work_and_hiring(
            workforce.row, quits, workforce.effort * workforce.productivity(), workforce.morale, table.fte,
            table.staff, float(params["hiring_cost"]), workforce.reference_output, ledger.provider_cash,
            ledger.outflows, table.workforce_index, table.morale)
    ledger.journal_collected("outside_world", hires, booked, "hiring")


def restaff(params: dict, structure: Structure, table: ProviderTable, workforce: Workforce,
            rng: np.random.Generator) -> None:
    """Once a fiscal year: FTE contracted for this year's users, and positions moved between rows of a
    sector toward the headcount each needs (a TUPE-style transfer)."""
    table.fte = fte_target(structure, table)
    workforce.rebalance(rng, headcount_target(params, table), table.sector)
    table.staff = workforce.staff_counts(table.n)
