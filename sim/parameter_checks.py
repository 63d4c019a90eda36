"""Checks across parameters: a parameter set whose values are each allowed but which together break an
assumption of a mechanism, refused before the run starts (``sim.parameters.validate`` raises their problems).

Pairwise proportional imitation (ODD §7.2) copies a better-off model with chance s * gain, which is a
probability only while s bounds one over the largest payoff difference (Schlag 1998). The payoffs it bounds are
those of the co-production game of ODD §7.1; ``payoff_spread`` repeats their extremes in closed form.
"""

from __future__ import annotations

from typing import Any

from .coproduction import cost_factor_formula


def payoff_spread(params: dict[str, Any]) -> float:
    """The largest difference between two satisfactions the model can produce when the service carries no
    weight in payoffs (``service_weight = 0``): over the modelled sectors, the best payoff (a loner's sigma, a
    defector among N - 1 contributors, a contributor in a group of contributors at the lowest personal cost
    plus the most voice value, or the initial 0) minus the worst (sigma, a defector with no contributors, the
    one contributor among N - 1 defectors at the highest personal cost). Satisfaction is an average of these.
    Under Hauert's game (``sim.presets.optional_public_goods_game``) it is max(r c (N - 1) / N, sigma) -
    min(r c / N - c, sigma).

    The personal cost c_i = c max(1 + g (0.5 - resources), 0.05) is the model's (ODD §7.1), taken at civic
    resources 1 and 0, so that the bound holds in any sector.
    """
    cost, group_size, gradient = params["participation_cost"], params["group_size"], params["resource_gradient"]
    # civic resources lie in [0, 1]
    cost_max = cost * float(cost_factor_formula(0.0, gradient))
    cost_min = cost * float(cost_factor_formula(1.0, gradient))
    voice_max = params["voice_value"] * params["aspiration"]  # efficacy <= 1, dissatisfaction <= aspiration
    bonus = params["choice_outside_bonus"] if params["user_choice"] != "off" else 0.0
    spread = 0.0
    for sector in params["sectors"]:
        r, sigma = params[f"{sector}.coproduction_r"], params[f"{sector}.outside_option"]
        best = max(sigma, sigma + bonus, 0.0, r * cost * (group_size - 1) / group_size,
                   r * cost - cost_min + voice_max)
        worst = min(sigma, 0.0, r * cost / group_size - cost_max)
        spread = max(spread, best - worst)
    return spread


def imitation_problem(params: dict[str, Any]) -> str | None:
    """Why pairwise proportional imitation could copy with a chance above 1 under these (validated) parameters,
    or None if it cannot: 1 / imitation_strength must bound the payoff differences (Schlag 1998), and the bound
    is known only where the service carries no weight in payoffs."""
    if params["imitation_rule"] != "proportional":
        return None
    if params["service_weight"] > 0:
        return (f"imitation_rule: 'proportional' needs payoff differences bounded up front, but with service_weight = "
                f"{params['service_weight']:g} payoffs include the service's quality, which has no bound; set "
                "service_weight = 0 (as sim.optional_public_goods_game() does) or imitation_rule = 'fermi'")
    spread = payoff_spread(params)
    if spread > 0 and params["imitation_strength"] * spread > 1.0 + 1e-9:
        return (f"imitation_strength: {params['imitation_strength']:g} is not allowed under imitation_rule = "
                f"'proportional'; it must be at most 1 / {spread:.4g} = {1.0 / spread:.4g}, one over the largest "
                "payoff difference that <sector>.coproduction_r, <sector>.outside_option, participation_cost, "
                "group_size, resource_gradient, voice_value, aspiration and "
                "choice_outside_bonus allow")
    return None
