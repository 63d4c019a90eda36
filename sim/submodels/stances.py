"""ODD §7.2 Stance revision: revisers learn socially or deliberate by their motives; channels recruit."""

from __future__ import annotations

import numpy as np

from ..coproduction import IMITATION_RULES
from ..kernels import stance_revision
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .participation import fresh_sensitivity, lasting_disposition_scale
from .service_use import outside_option
from .structure import Structure


def revise_stances_of(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                      table: ProviderTable, targeting: np.ndarray, key: tuple[int, int], month: int) -> None:
    """Revisers either learn socially (imitation and exploration, ``sim.coproduction``'s rules) or, a share
    ``motive_share`` of them, deliberate by their own motives (§7.3's b_i and lasting disposition: a logit
    choice over the three stances' payoffs); then channels recruit, aimed by the participation audit's ``targeting`` of deprivation quintiles.
    Where users may choose, §7.4's exit follows in the same pass (``sim.submodels.exit.exit_providers``'s, ODD §9
    D-F150): after every sector's revision or sector by sector, the same, as no sector's revision reads what
    another's exit writes (its providers and membership bits).
    One compiled pass over the sector's slots (``sim.kernels.stance_revision.revise_and_recruit``), each slot's
    uniforms from the model's keyed stream (``key``, ODD §9 D-F31)."""
    if users.m == 0:
        return
    sector = users.sector_index
    (social_share, revision_rate, neighbour_share, proportional, strength, exploration, gradient, effort, crowd_out,
     switch_cost, service_weight, mismatch_weight, aspiration, voice_value, habit_value, duty_value, disposition_scale,
     own_share, outside, pool_effort, sensitivity, recruiting, audit, reach_scale, exits, exit_sensitivity) = structure.terms(
        "stances", sector, lambda: revision_terms(params, structure, sector))
    # reach: the audit's targeting of her deprivation quintile or, untargeted, her civic resources over their mean
    # (those with time and confidence: the usual suspects)
    resources_mean = 1.0 if audit or not recruiting else max(float(population.resources.mean()), 1e-6)
    users.stance, largest, moved, left = stance_revision.revise_and_recruit(
        key[0], key[1], month, sector, users.stance, users.satisfaction, users.unit_start, users.unit_count,
        structure.neighbours, structure.neighbour_count, social_share, revision_rate, neighbour_share, proportional,
        strength, exploration, users.provider, users.xq, users.holders, gradient, effort, crowd_out,
        structure.home_row[sector], structure.row_neighbours, structure.row_neighbour_count,
        population.quality_sensitivity, switch_cost, table.q_c, table.q_n, table.design, service_weight,
        mismatch_weight, aspiration, voice_value, habit_value, duty_value, population.efficacy,
        population.last_participation, month - 12, population.civic_disposition, disposition_scale, own_share,
        outside, pool_effort, table.participation, sensitivity, recruiting, audit, reach_scale, targeting,
        population.deprivation, population.resources, resources_mean, exits, users.civic, exit_sensitivity)
    if exits:  # this month's switchers and the rows they left, as ``sim.submodels.exit.exit_providers`` keeps them
        users.switched = moved, left
    if largest > 1.0 + 1e-5:  # as ``sim.coproduction.proportional`` refuses
        raise ValueError(f"imitation_strength: {strength:g} times a payoff gain exceeds 1 (chance {largest:g}); under "
                         "the proportional rule imitation_strength must be at most 1 / (the largest payoff "
                         "difference)")


def revision_terms(params: dict, structure: Structure, sector: int) -> tuple:
    """``revise_and_recruit``'s scalars for ``sector``, as the kernel takes them (kept by ``Structure.terms``)."""
    rule = params["imitation_rule"]
    if rule not in IMITATION_RULES:
        raise ValueError(f"imitation_rule: {rule!r} is not allowed; expected one of {IMITATION_RULES}")
    pool_return = float(structure.sector_array("coproduction_r")[sector])
    effort = params["participation_cost"]
    crowd_out = bool(structure.choice_in[sector] and params["exit_crowds_out_voice"])  # after this month's service
    channels = structure.channel_count(sector)
    recruiting = bool(channels and params["channel_recruitment"] > 0)
    return (float(params["revision_rate"] * (1.0 - params["motive_share"])), float(params["revision_rate"]),
            float(params["neighbour_imitation"]) if structure.neighbours.shape[1] else 0.0, rule == "proportional",
            float(params["imitation_strength"]), float(params["exploration_rate"]), float(params["resource_gradient"]),
            float(effort), crowd_out, float(params["switch_cost"]), float(params["service_weight"]),
            float(structure.sector_array("mismatch_weight")[sector]), float(params["aspiration"]),
            float(params["voice_value"]), float(params["habit_value"]), float(params["duty_value"]),
            lasting_disposition_scale(params), float(pool_return * effort / params["group_size"]),
            float(outside_option(params, structure, sector)), float(pool_return * effort), fresh_sensitivity(params),
            recruiting, bool(params["participation_audit"]), float(channels * params["channel_recruitment"]),
            bool(structure.choice_in[sector]), float(params["exit_sensitivity"]))  # §7.4 exit in the pass (D-F150)
