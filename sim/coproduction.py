"""Co-production as an optional public goods game, and how citizens revise their stance.

Hauert, De Monte, Hofbauer & Sigmund (2002, Science 296:1129; J. theor. Biol. 218:187): individuals are
sampled into groups of N. Participants either contribute (cooperators, C) or only use (defectors, D); loners
(L) opt out and get a fixed outside payoff sigma. In a group with S participants of whom n_C contribute,
contributors pay c and the pool r*c*n_C is shared by the S participants; a participant alone (S < 2) cannot
play and gets sigma. Stances spread by pairwise comparison plus rare random exploration (mutation). Two rules:

* ``fermi`` (the default): copy a model who does ``g`` better with probability 1 / (1 + exp(-s g)) (Szabo &
  Toke 1998; Traulsen, Nowak & Pacheco 2006). Its expected net flow between two stances is
  x_A x_B [expit(s g) - expit(-s g)], which at weak selection (s |g| << 1) is x_A x_B (s / 2) g: the replicator
  dynamics with time scale s / 2 (Traulsen, Claussen & Hauert 2005). At the default, strong, selection it is a
  generalisation whose rest points differ.
* ``proportional``: pairwise proportional imitation (Helbing 1992; Schlag 1998): copy with probability
  s * max(g, 0), where 1 / s bounds the payoff differences. Because E[max(g, 0)] - E[max(-g, 0)] = E[g], the
  net flow is x_A x_B s E[g] even with noisy one-round payoffs, so in a large well-mixed population the stance
  shares follow the replicator equations exactly (time scale: revision_rate * s per month). A probability
  s * g above 1 would break this, so it is an error, not a silent cap.

Everything here works on arrays of service-user slots; nothing loops over people.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .kernels import stance_revision
from .kernels.coproduction_game import game_payoffs as game_payoffs_kernel
from .kernels.service_month import group_ids
from .population import CONTRIBUTE, USE_ONLY


def cost_factor_formula(resources, resource_gradient: float):
    """c_i / c = max(1 + g (0.5 - resources), 0.05) (ODD §7.1): what taking part costs a person relative to the
    standard cost. One formula for the model's personal costs and for the up-front bound on payoff differences
    (``sim.parameter_checks.payoff_spread``)."""
    return np.maximum(1.0 + resource_gradient * (0.5 - resources), 0.05)


def form_groups(stream_key: tuple[int, int], month: int, sector: int, provider: np.ndarray, n_providers: int,
                group_size: int) -> tuple[np.ndarray, int]:
    """Split each provider's users at random into groups of ``group_size`` (the last group may be smaller), as the
    month of service does (ODD §7.1 Groups, on the model's keyed streams: ``sim.kernels.service_month``).

    Returns each slot's group id (providers' groups numbered in row order) and the number of groups.
    """
    group_id, n_groups = group_ids(stream_key[0], stream_key[1], month, sector, provider, n_providers, group_size)
    return group_id, int(n_groups)


def game_payoffs(group_id: np.ndarray, n_groups: int, stance: np.ndarray, effort: float, personal_cost: np.ndarray,
                 r: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Payoff of each slot in the optional public goods game, and the size S of its group's game.

    effort: the contribution c that enters the pool (r * c * n_C); personal_cost: what contributing costs
    each person (c_i; equal to ``effort`` in Hauert's game, lower for citizens with more civic resources).
    The kernel: ``sim.kernels.coproduction_game.game_payoffs``.
    """
    return game_payoffs_kernel(group_id, n_groups, stance, float(effort), personal_cost, float(r), float(sigma))


NO_DRAWS = np.zeros(0)  # no reviser looks next door this month
IMITATION_RULES = ("fermi", "proportional")


def fermi(payoff_gain: np.ndarray, strength: float) -> np.ndarray:
    """Chance to imitate a model who does ``payoff_gain`` better: 1 / (1 + exp(-s * gain))."""
    return expit(strength * payoff_gain)


def proportional(payoff_gain: np.ndarray, strength: float) -> np.ndarray:
    """Pairwise proportional imitation: chance s * max(gain, 0). Raises if s * gain exceeds 1 (the bound on
    payoff differences that 1 / s promises is broken, and the dynamics would no longer be the replicator's)."""
    chance = strength * np.maximum(payoff_gain, 0.0)
    if chance.size and float(chance.max()) > 1.0 + 1e-5:  # payoffs are float32
        raise ValueError(f"imitation_strength: {strength:g} times a payoff gain of {float(payoff_gain.max()):g} "
                         "exceeds 1; under the proportional rule imitation_strength must be at most 1 / (the "
                         "largest payoff difference)")
    return np.minimum(chance, 1.0)


def imitation_chance(payoff_gain: np.ndarray, strength: float, rule: str = "fermi") -> np.ndarray:
    """Chance that a reviser copies a model doing ``payoff_gain`` better, under ``rule`` (IMITATION_RULES)."""
    if rule == "fermi":
        return fermi(payoff_gain, strength)
    if rule == "proportional":
        return proportional(payoff_gain, strength)
    raise ValueError(f"imitation_rule: {rule!r} is not allowed; expected one of {IMITATION_RULES}")


def pick_models(rng: np.random.Generator, unit: np.ndarray, unit_start: np.ndarray, unit_count: np.ndarray,
                neighbours: np.ndarray, neighbour_count: np.ndarray, neighbour_share: float) -> np.ndarray:
    """For each slot in ``unit``, a random other user of the same sector: from the same unit, or with
    probability ``neighbour_share`` from a random neighbouring unit. Returns -1 where no model exists.
    The draws are made here, the choices by the kernels ``sim.kernels.stance_revision``."""
    looks, n_looking = np.zeros(unit.size, dtype=bool), 0
    if neighbour_share > 0.0 and neighbours.shape[1] > 0:
        looks, n_looking = stance_revision.look_next_door(rng.random(unit.size), unit, neighbour_count,
                                                          float(neighbour_share))
    neighbour_draw = rng.random(n_looking) if n_looking else NO_DRAWS
    return stance_revision.pick_models(unit, looks, neighbour_draw, rng.random(unit.size), unit_start, unit_count,
                                       neighbours, neighbour_count)


def revise_stances(rng: np.random.Generator, stance: np.ndarray, satisfaction: np.ndarray, revising: np.ndarray,
                   models: np.ndarray, strength: float, exploration: float, rule: str = "fermi") -> np.ndarray:
    """New stances after imitation (``rule``: Fermi or proportional) and exploration for the slots listed in
    ``revising``.

    ``models[k]`` is the slot that reviser ``revising[k]`` compares herself with (-1: nobody to compare with).
    Imitation reads last month's stances and satisfactions, so the order of revisers does not matter.
    """
    if revising.size == 0:
        return stance.copy()
    # the gains and the stances in two kernel passes; the chance (NumPy's exp) and every draw here, in order
    chance = imitation_chance(stance_revision.imitation_gains(revising, models, satisfaction), strength, rule)
    imitation_draw = rng.random(revising.size)
    explore_draw = rng.random(revising.size)
    explored_stance = rng.integers(0, 3, int(np.count_nonzero(explore_draw < exploration)), dtype=np.int8)
    return stance_revision.imitate_and_explore(stance, revising, models, chance, imitation_draw, explore_draw,
                                               float(exploration), explored_stance)


def recruit(rng: np.random.Generator, stance: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """Participation channels ask non-contributing users to take part; those asked (with ``chance``) join. (The
    model's monthly pass computes each chance from the channels' reach in the kernel
    ``sim.kernels.stance_revision.recruit``, the same rule and draws.)"""
    asked = (stance == USE_ONLY) & (rng.random(stance.size) < chance)
    new = stance.copy()
    new[asked] = CONTRIBUTE
    return new
