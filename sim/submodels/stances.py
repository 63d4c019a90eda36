"""ODD §7.2 Stance revision: revisers learn socially or deliberate by their motives; channels recruit."""

from __future__ import annotations

import numpy as np

from ..coproduction import pick_models, recruit, revise_stances
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .participation import choose_stance_by_motive
from .structure import Structure


def revise_stances_of(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                      table: ProviderTable, targeting: np.ndarray, rng: np.random.Generator, month: int) -> None:
    """Revisers either learn socially (imitation and exploration, ``sim.coproduction``) or, a share
    ``motive_share`` of them, deliberate by their own motives (``participation.choose_stance_by_motive``);
    then channels recruit, aimed by the participation audit's ``targeting`` of deprivation quintiles."""
    if users.m == 0:
        return
    draw = rng.random(users.m)
    social = params["revision_rate"] * (1.0 - params["motive_share"])
    revising = np.flatnonzero(draw < social)
    deliberating = np.flatnonzero((draw >= social) & (draw < params["revision_rate"]))
    models = pick_models(rng, users.unit[revising], users.unit_start, users.unit_count, structure.neighbours,
                         structure.neighbour_count, params["neighbour_imitation"])
    stance = revise_stances(rng, users.stance, users.satisfaction, revising, models, params["imitation_strength"],
                            params["exploration_rate"], params["imitation_rule"])
    if deliberating.size:
        stance[deliberating] = choose_stance_by_motive(params, structure, population, users, table, rng, month,
                                                       deliberating)
    channels = structure.channel_count(users.sector_index)
    if channels and params["channel_recruitment"] > 0:
        if params["participation_audit"]:
            reach = targeting[population.deprivation[users.citizen]]
        else:  # untargeted channels reach those with time and confidence: the usual suspects
            reach = population.resources[users.citizen] / max(float(population.resources.mean()), 1e-6)
        stance = recruit(rng, stance, np.minimum(channels * params["channel_recruitment"] * reach, 1.0))
    users.stance = stance
