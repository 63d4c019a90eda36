"""Named parameter sets that reduce the model to a known one: ``optional_public_goods_game`` (Hauert et al.
2002; ODD §7.1, "The exact reduction to Hauert et al.'s optional public goods game"). The null model of the
provider kinds, ``neutral_kinds``, is kept with the kinds' differences.
"""

from __future__ import annotations

from typing import Any

from .parameter_checks import payoff_spread
from .parameters import REGISTRY, ParameterError, python_value, validate
from .sectors import DEFAULT_SECTORS, SECTOR_NAMES


def optional_public_goods_game(r: float = 3.0, sigma: float = 1.0, group_size: int = 5,
                               participation_cost: float = 1.0, **extra: Any) -> dict[str, Any]:
    """The parameter set under which the model reduces exactly to Hauert et al.'s (2002) optional PGG.

    No funding, no service in the payoff, no design fit, no voice value, uniform cost, no recruitment, no
    choice, no regulation, satisfaction = last round's payoff, and stances revised by pairwise proportional
    imitation with ``imitation_strength`` = 1 / (the largest payoff difference the game allows), no
    exploration (pass ``exploration_rate`` for Hauert's rare mutations). In a large well-mixed population
    (one unit) the stance shares then follow Hauert et al.'s replicator dynamics with time scale
    ``revision_rate * imitation_strength`` per month. ``r`` and ``sigma`` are set for every modelled sector.
    Each argument is checked against the registry's bounds of the parameter it sets, named as given here.
    """
    checked = {"r": ("health.coproduction_r", r), "sigma": ("health.outside_option", sigma),
               "group_size": ("group_size", group_size), "participation_cost": ("participation_cost",
                                                                                  participation_cost)}
    for argument, (name, value) in checked.items():
        try:
            REGISTRY[name].validate(value)
        except ParameterError as error:
            raise ParameterError(argument + str(error)[len(name):]) from None
    r, sigma, group_size, participation_cost = (python_value(value)
                                                for value in (r, sigma, group_size, participation_cost))
    params: dict[str, Any] = {
        "funding_level": 0.0, "service_weight": 0.0, "voice_value": 0.0, "resource_gradient": 0.0,
        "participation_cost": participation_cost, "group_size": group_size, "satisfaction_memory": 1.0,
        "channel_recruitment": 0.0, "user_choice": "off", "audit_mode": "none", "capacity_building": 0.0,
        "choice_outside_bonus": 0.0, "conversion_rate": 0.0, "social_investment": False,
        "initial_contributors": 1 / 3, "initial_opt_outs": 1 / 3, "imitation_rule": "proportional",
        "exploration_rate": 0.0, "revision_rate": 0.2, "motive_share": 0.0,
    }
    sectors = extra.get("sectors", DEFAULT_SECTORS)
    sectors = SECTOR_NAMES if sectors == "all" else sectors
    for sector in sectors:
        params[f"{sector}.coproduction_r"] = r
        params[f"{sector}.outside_option"] = sigma
        params[f"{sector}.need_volatility"] = 0.0
    params.update(extra)
    if "imitation_strength" not in extra:
        # The largest payoff difference the game allows, max(r c (N - 1) / N, sigma) - min(r c / N - c, sigma),
        # or more where ``extra`` adds to it (a voice value, a gradient in the cost of taking part).
        spread = payoff_spread(validate({**params, "imitation_strength": 0.0}))
        params["imitation_strength"] = 1.0 / spread if spread > 0 else 1.0
    return params
