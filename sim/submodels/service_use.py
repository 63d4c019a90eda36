"""ODD §7.1 Service use and the co-production game: what a month of using a service is worth to each user.

A user's payoff is the service (quality minus mismatch), plus the co-production game (``sim/coproduction.py``),
plus the expressive value of voice for contributors; satisfaction is its moving average. The rules two
submodels share live here once: the utility of a service (``service_utility``), the cost factor of taking
part (``cost_factor``), the outside option with the choice bonus (``outside_option``); the month of a sector
(utility, exit option, Hirschman reference, personal cost, groups, game, voice and satisfaction) is one kernel
call on the model's keyed streams (``sim.kernels.service_month.month_of_service``, ODD §9 D-F19).
"""

from __future__ import annotations

import numpy as np

from ..coproduction import cost_factor_formula
from ..kernels import service_month, service_value
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .rationing import stance_served
from .structure import Structure


def service_utility(params: dict, structure: Structure, table: ProviderTable, sector: int, rows: np.ndarray,
                    x: np.ndarray) -> np.ndarray:
    """U = w * (Q_p - lambda_s * |x - d_p|): what using provider p is worth to someone preferring x
    (the kernel: ``sim.kernels.service_value.service_utility``)."""
    mismatch_weight = structure.sector_array("mismatch_weight")[sector]
    return service_value.service_utility(rows, x, table.q_c, table.q_n, table.design,
                                         float(params["service_weight"]), float(mismatch_weight))


def cost_factor(params: dict, structure: Structure, population: Citizens, users: ServiceUsers) -> np.ndarray:
    """How a slot's cost of taking part compares with the standard one: civic resources lower it,
    max(1 + g (0.5 - resources), 0.05). (The participation channels act through the institutions they create,
    ODD §7.3, not through this cost.)"""
    return cost_factor_formula(population.resources[users.citizen], params["resource_gradient"]).astype(np.float32)


def personal_cost(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                  out: np.ndarray | None = None) -> np.ndarray:
    """c_i: what contributing costs each user, the standard cost scaled by her ``cost_factor`` (the kernel:
    ``sim.kernels.service_value.personal_cost``), written into ``out`` where given (last month's costs)."""
    cost = np.empty(users.m, dtype=np.float32) if out is None else out
    return service_value.personal_cost(users.holders, population.resources, float(params["resource_gradient"]),
                                       float(params["participation_cost"]), cost)


def outside_option(params: dict, structure: Structure, sector: int) -> float:
    """sigma: the loner's payoff, raised by ``choice_outside_bonus`` where users may choose (ODD §7.1)."""
    bonus = params["choice_outside_bonus"] if structure.choice_in[sector] else 0.0
    return structure.sector_array("outside_option")[sector] + bonus


def use_services(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                 table: ProviderTable, stream_key: tuple[int, int], month: int) -> None:
    """Payoffs of this month: the service (quality minus mismatch) plus the co-production game, plus the
    expressive value of voice for contributors. Where users may choose, dissatisfaction that exit would
    cure does not motivate voice (Hirschman 1970: exit, when easy, crowds out voice). Sets each slot's
    satisfaction (the cost of taking part and, under choice, the exit gain are derived where read, ODD §9 D-F80,
    D-F81); the random numbers (the groups' order, the exit option) come from the model's keyed streams
    (``stream_key``, ODD §9 D-F18)."""
    if users.m == 0:
        return
    sector = users.sector_index
    (choice, crowd_out, group_size, service_weight, mismatch_weight, switch_cost, gradient, effort, pool_return, outside,
     aspiration, voice_value, memory) = structure.terms("service_use", sector, lambda: service_terms(params, structure, sector))
    # U(a) + (s_i - 1) w (Q_a - Q_p) - switch_cost: a person more quality-sensitive than the average user values the
    # quality difference more, so the most quality-sensitive leave first (Hirschman 1970, ch. 4); where exit crowds
    # out voice the reference is max(U, U(a)). Utility, exit option, reference and personal cost are derived where
    # the game reads them, in one kernel call (ODD §9 D-F19); satisfaction is written over last month's (nothing
    # keeps it, D-F17). Each row's users as need churn counted them this month, where it did (D-F151).
    counted = users.row_users_month == month and users.row_users.size == table.n
    service_month.month_of_service(
        stream_key[0], stream_key[1], month, sector, users.provider, table.n, stance_served(users), users.xq,
        users.holders, users.unit_start, users.unit_count, population.resources, population.quality_sensitivity,
        population.efficacy, table.q_c, table.q_n, table.design, structure.home_row[sector], structure.row_neighbours,
        structure.row_neighbour_count, choice, crowd_out, group_size, service_weight, mismatch_weight, switch_cost,
        gradient, effort, pool_return, outside, aspiration, voice_value, memory, users.satisfaction,
        population.last_participation, users.row_users, counted)
    users.row_users_month = -1  # spent: exit moves slots after this (ODD §9 D-F151)


def service_terms(params: dict, structure: Structure, sector: int) -> tuple:
    """``month_of_service``'s scalars for ``sector``, as the kernel takes them (kept by ``Structure.terms``)."""
    return (bool(structure.choice_in[sector]), bool(params["exit_crowds_out_voice"]), int(params["group_size"]),
            float(params["service_weight"]), float(structure.sector_array("mismatch_weight")[sector]),
            float(params["switch_cost"]), float(params["resource_gradient"]), float(params["participation_cost"]),
            float(structure.sector_array("coproduction_r")[sector]), float(outside_option(params, structure, sector)),
            float(params["aspiration"]), float(params["voice_value"]), float(params["satisfaction_memory"]))
