"""ODD §7.2 Stance revision: revisers learn socially or deliberate by their motives; channels recruit."""

from __future__ import annotations

import numpy as np

from ..coproduction import pick_models, revise_stances
from ..kernels import stance_revision
from ..population import CONTRIBUTE, USE_ONLY, Citizens, ServiceUsers
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
    revising, deliberating = stance_revision.split_revisers(draw, social, float(params["revision_rate"]))
    models = pick_models(rng, users.unit[revising], users.unit_start, users.unit_count, structure.neighbours,
                         structure.neighbour_count, params["neighbour_imitation"])
    stance = revise_stances(rng, users.stance, users.satisfaction, revising, models, params["imitation_strength"],
                            params["exploration_rate"], params["imitation_rule"])
    if deliberating.size:
        stance[deliberating] = choose_stance_by_motive(params, structure, population, users, table, rng, month,
                                                       deliberating)
    channels = structure.channel_count(users.sector_index)
    if channels and params["channel_recruitment"] > 0:
        # reach: the audit's targeting of her deprivation quintile or, untargeted, her civic resources over their
        # mean (those with time and confidence: the usual suspects); the kernel draws nothing, ``recruit``'s
        # uniforms are drawn here as ``sim.coproduction.recruit`` draws them
        stance = stance_revision.recruit(
            rng.random(users.m), stance, users.citizen, bool(params["participation_audit"]),
            float(channels * params["channel_recruitment"]), targeting, population.deprivation, population.resources,
            1.0 if params["participation_audit"] else max(float(population.resources.mean()), 1e-6), CONTRIBUTE,
            USE_ONLY)
    users.stance = stance
