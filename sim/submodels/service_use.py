"""ODD §7.1 Service use and the co-production game: what a month of using a service is worth to each user.

A user's payoff is the service (quality minus mismatch), plus the co-production game (``sim/coproduction.py``),
plus the expressive value of voice for contributors; satisfaction is its moving average. The rules two
submodels share live here once: the utility of a service (``service_utility``), the cost factor of taking
part (``cost_factor``), the outside option with the choice bonus (``outside_option``); the exit option and the
Hirschman reference against which dissatisfaction is measured are one kernel pass
(``sim.kernels.service_value.service_and_exit``).
"""

from __future__ import annotations

import numpy as np

from ..coproduction import cost_factor_formula, form_groups
from ..kernels import service_value
from ..kernels.coproduction_game import month_of_service
from ..kernels.draws import uniform_chunks
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
    return service_value.personal_cost(users.citizen, population.resources, float(params["resource_gradient"]),
                                       float(params["participation_cost"]), cost)


def outside_option(params: dict, structure: Structure, sector: int) -> float:
    """sigma: the loner's payoff, raised by ``choice_outside_bonus`` where users may choose (ODD §7.1)."""
    bonus = params["choice_outside_bonus"] if structure.choice_in[sector] else 0.0
    return structure.sector_array("outside_option")[sector] + bonus


def use_services(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                 table: ProviderTable, rng: np.random.Generator, month: int) -> None:
    """Payoffs of this month: the service (quality minus mismatch) plus the co-production game, plus the
    expressive value of voice for contributors. Where users may choose, dissatisfaction that exit would
    cure does not motivate voice (Hirschman 1970: exit, when easy, crowds out voice). Sets each slot's
    satisfaction, cost of taking part and, under choice, this month's exit option."""
    if users.m == 0:
        return
    sector = users.sector_index
    citizens = users.citizen
    if structure.choice_in[sector]:
        # U(a) + (s_i - 1) w (Q_a - Q_p) - switch_cost: a person more quality-sensitive than the average user
        # values the quality difference more, so the most quality-sensitive leave first (Hirschman 1970, ch. 4);
        # where exit crowds out voice the reference is ``hirschman_reference``, max(U, U(a)). One compiled pass.
        # The exit option is written over last month's (nothing reads it once this month's is drawn), a chunk of
        # the sector's uniforms at a time (``sim.kernels.draws``): no month-long arrays beyond the four results.
        if users.alternative is None or users.alternative.size != users.m:
            users.alternative = np.empty(users.m, dtype=np.int32)
            users.exit_gain = np.empty(users.m, dtype=np.float32)
        utility, reference = np.empty(users.m, dtype=np.float32), np.empty(users.m, dtype=np.float32)
        for start, uniform in uniform_chunks(rng, users.m):
            service_value.service_and_exit(
                start, uniform, users.provider, users.x, citizens, users.unit, structure.home_row[sector],
                structure.row_neighbours, structure.row_neighbour_count, population.quality_sensitivity, table.q_c,
                table.q_n, table.design, float(params["service_weight"]),
                float(structure.sector_array("mismatch_weight")[sector]), float(params["switch_cost"]),
                bool(params["exit_crowds_out_voice"]), utility, users.alternative, users.exit_gain, reference)
    else:
        utility = service_utility(params, structure, table, sector, users.provider, users.x)
        reference = utility
    # this month's costs and satisfaction are written over last month's (nothing keeps them, ODD §9 D-F17)
    cost = personal_cost(params, structure, population, users, out=users.personal_cost)
    group, n_groups = form_groups(rng, users.provider, table.n, params["group_size"])
    users.satisfaction = month_of_service(
        group, n_groups, stance_served(users), float(params["participation_cost"]), cost,
        float(structure.sector_array("coproduction_r")[sector]), float(outside_option(params, structure, sector)),
        utility, reference, citizens, population.efficacy, users.satisfaction, population.last_participation, month,
        float(params["aspiration"]), float(params["voice_value"]), float(params["service_weight"]),
        float(params["satisfaction_memory"]))
