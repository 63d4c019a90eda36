"""Kernels of a month of work (ODD §7.9, "Workers"): each worker's morale, burnout and effort, and whether she
quits, in one pass each over the workforce instead of two dozen whole-array expressions. The quit draws are the
model's generator's own doubles (``bitgen.next_double``, what ``Generator.random`` draws) and the logistic of the
quit chance is SciPy's ``expit`` as SciPy computes it, 1 / (1 + exp(-x)) with the C library's ``exp`` (ODD §9
D-F290); the replacements' normal and uniform draws stay NumPy's."""

from __future__ import annotations

import math

import numpy as np

from . import compiled
from .bitgen import next_double
from .books import move_cash


@compiled
def clip_unit(value):
    """``np.clip(value, 0, 1)`` for one float64: a NaN stays NaN, and a bound is taken unless strictly inside."""
    if np.isnan(value):
        return value
    value = value if value > 0.0 else 0.0
    return value if value < 1.0 else 1.0


@compiled
def expit(x):
    """SciPy's ``expit`` of one float64 as SciPy computes it, 1 / (1 + exp(-x)), with the same C library ``exp``."""
    return 1.0 / (1.0 + math.exp(-x))


@compiled
def morale_and_quits(worker_row, autonomy, owned, pay_ratio, workload, failing, incentive, morale, burnout,
                     motivation, effort, baseline, autonomy_weight, ownership_weight, pay_weight, workload_weight,
                     failing_weight, adjustment, burnout_rate, quit_sensitivity, reference_morale, bitgen, base_rate,
                     quit_ratio, by_sector, quit):
    """ODD §7.9 for every worker w of row p (float64 throughout, in NumPy's order of operations), in one pass (ODD
    §9 D-F290):

        target_w  = clip(baseline + a autonomy_p + o owned_p + y (pay_p - 1) - l max(workload_p - 1, 0)
                         - f failing_p, 0, 1)
        morale_w  <- morale_w + adjustment (target_w - morale_w)
        burnout_w <- burnout_w + burnout_rate (clip(workload_p - 1, 0, 1) - burnout_w)
        effort_w  = clip(motivation_w morale_w (1 - burnout_w) (1 + incentive_p), 0, 1)
        quit_w    = u_w < clip(2 base_w expit(-k (morale_w - reference morale)), 0, 1)

    base_w the base rate, times her row's sector's quit ratio where given (``by_sector``); u_w the w-th next double
    of the generator whose ``bitgen_t`` is at ``bitgen`` (the doubles ``Generator.random(n)`` draws, in worker
    order). ``failing`` is bool or float (a failing row counts 1). Writes ``quit``; returns how many quit."""
    k = 0
    for worker in range(worker_row.size):
        row = worker_row[worker]
        excess = workload[row] - 1.0
        overload = excess if (excess >= 0.0 or np.isnan(excess)) else 0.0  # np.maximum(x, 0): a NaN wins
        target = clip_unit(baseline + autonomy_weight * autonomy[row] + ownership_weight * owned[row]
                           + pay_weight * (pay_ratio[row] - 1.0) - workload_weight * overload
                           - failing_weight * np.float64(failing[row]))
        morale[worker] += adjustment * (target - morale[worker])
        burnout[worker] += burnout_rate * (clip_unit(excess) - burnout[worker])
        effort[worker] = clip_unit(motivation[worker] * morale[worker] * (1.0 - burnout[worker])
                                   * (1.0 + incentive[row]))
        argument = -quit_sensitivity * (morale[worker] - reference_morale)
        base = base_rate * quit_ratio[row] if by_sector else base_rate
        leaves = next_double(bitgen) < clip_unit(2.0 * base * expit(argument))
        quit[worker] = leaves
        k += np.int64(leaves)
    return k


@compiled
def fill_posts_and_age(quits, new_motivation, new_skill, motivation, skill, trained, tenure, morale, burnout,
                       reference_morale):
    """ODD §7.9 ``fill_posts``, then a month more of tenure for every worker (a new hire's is then 1), in one call
    (ODD §9 D-F290)."""
    fill_posts(quits, new_motivation, new_skill, motivation, skill, trained, tenure, morale, burnout,
               reference_morale)
    for worker in range(tenure.size):
        tenure[worker] += 1.0


@compiled
def workload(fte, staff_per_100_users, sector, weighted_users, coproduction_relief):
    """ODD §7.9 each row's workload: need-weighted users per unit of capacity (the users its FTE can serve at its
    sector's staffing ratio; 0 without capacity), eased by co-production (by at most half):
    weighted users_p / (fte_p * 100 / staff per 100 users) * (1 - min(relief_p, 0.5))."""
    load = np.empty(fte.size)
    for row in range(fte.size):
        capacity = fte[row] * 100.0 / staff_per_100_users[sector[row]]
        share = weighted_users[row] / capacity if capacity > 0 else 0.0
        relief = coproduction_relief[row]
        load[row] = share * (1.0 - (relief if (relief <= 0.5 or np.isnan(relief)) else 0.5))
    return load


@compiled
def rows_after_work(worker_row, quits, output, morale, fte, staff, hiring_cost, reference_output):
    """ODD §7.9 per provider row p, after the month's quits (sums over its workers in worker order, as
    ``np.bincount`` adds them):

        hiring_p          = quits_p * hiring cost * fte_p / staff_p  (fte per head 1 where no staff is counted)
        workforce index_p = sum of output_w / (workers_p * reference output)  (1 without workers)
        morale_p          = mean morale_w  (0 without workers)

    ``output`` is each worker's effort x productivity; ``staff`` the headcount contracted this year."""
    n = fte.size
    quit_count = np.zeros(n, np.int64)
    headcount_of = np.zeros(n, np.int64)
    output_sum = np.zeros(n)
    morale_sum = np.zeros(n)
    for worker in range(worker_row.size):
        row = worker_row[worker]
        headcount_of[row] += 1
        output_sum[row] += output[worker]
        morale_sum[row] += morale[worker]
        if quits[worker]:
            quit_count[row] += 1
    hiring = np.empty(n)
    index = np.empty(n)
    mean_morale = np.empty(n)
    for row in range(n):
        fte_per_head = fte[row] / staff[row] if staff[row] > 0 else 1.0
        hiring[row] = np.float64(quit_count[row]) * hiring_cost * fte_per_head
        headcount = np.float64(headcount_of[row])
        index[row] = output_sum[row] / (headcount * reference_output) if headcount > 0 else 1.0
        mean_morale[row] = morale_sum[row] / headcount if headcount > 0 else 0.0
    return hiring, index, mean_morale


@compiled
def fill_posts(quits, new_motivation, new_skill, motivation, skill, trained, tenure, morale, burnout,
               reference_morale):
    """ODD §7.9 a quitter's post filled by a new hire: the j-th quitter (in worker order) takes the j-th drawn
    motivation, clipped to [0, 1], and the j-th drawn skill; untrained, no tenure, morale at its reference, no
    burnout."""
    j = 0
    for worker in range(quits.size):
        if quits[worker]:
            motivation[worker] = clip_unit(new_motivation[j])
            skill[worker] = new_skill[j]
            trained[worker] = 0.0
            tenure[worker] = 0.0
            morale[worker] = reference_morale
            burnout[worker] = 0.0
            j += 1


@compiled
def rows_after_work_from_tenure(worker_row, quits, effort, skill, tenure, new_hire_penalty, tenure_decay, morale, fte,
                                staff, hiring_cost, reference_output, cash, cash_out, workforce_index, mean_morale):
    """``rows_after_work_and_hiring`` with each worker's output derived in the call (ODD §9 D-F297):
    output_w = effort_w (skill_w (1 - new hire penalty exp(-tenure_w / 12))), the product NumPy's
    ``effort * Workforce.productivity()`` makes, exp(-t / 12) read from ``tenure_decay``, NumPy's own ``np.exp`` of
    -t / 12 for the whole months t = 0, 1, ... (NumPy's ``exp`` differs from the C library's in the last bit for
    some arguments; it gives each element the same value wherever it stands in an array). Where a tenure is not a
    whole month the table holds, it moves nothing and returns (0.0, False, False), for the caller to take NumPy's
    path; else the hiring's total, whether it was booked, and True."""
    n = tenure.size
    for worker in range(n):
        months = tenure[worker]
        if not (months >= 0.0 and months < tenure_decay.size and months == np.floor(months)):
            return 0.0, False, False
    output = np.empty(n)
    for worker in range(n):
        decay = tenure_decay[np.int64(tenure[worker])]
        output[worker] = effort[worker] * (skill[worker] * (1.0 - new_hire_penalty * decay))
    total, booked = rows_after_work_and_hiring(worker_row, quits, output, morale, fte, staff, hiring_cost,
                                               reference_output, cash, cash_out, workforce_index, mean_morale)
    return total, booked, True


@compiled
def rows_after_work_and_hiring(worker_row, quits, output, morale, fte, staff, hiring_cost, reference_output, cash,
                               cash_out, workforce_index, mean_morale):
    """ODD §7.9 and §7.8, ``rows_after_work`` and the rows' hiring costs moved out of the providers' cash
    (``books.move_cash``) in one call instead of two (ODD §9 D-F191), as ``sim.submodels.work.work`` called them:
    the same numbers. Writes the rows' workforce index and their mean morale into ``workforce_index`` and
    ``mean_morale`` (the rows' own, which no other argument shares: a month boxes no new array, ODD §9 D-F231);
    returns the hiring's total and whether it was booked."""
    hiring, index, row_morale = rows_after_work(worker_row, quits, output, morale, fte, staff, hiring_cost,
                                                reference_output)
    workforce_index[:] = index
    mean_morale[:] = row_morale
    return move_cash(cash, cash_out, hiring, False)
