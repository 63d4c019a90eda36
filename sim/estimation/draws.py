"""Batches over the posterior: a scenario's ``posterior`` (a fit's folder) and ``posterior_draws = N`` make
replicate k of every condition run at posterior draw k mod N, on its own seed (ODD §10).

Common random numbers survive: replicate k has the same draw and the same seed in every condition, so a
comparison between conditions is paired within each draw.
"""

from __future__ import annotations

from typing import Any

from .store import SHIPPED, PosteriorError, posterior_folder, read_posterior


def posterior_parameters(path: str, draws: int, seed: int) -> list[dict[str, Any]]:
    """``draws`` parameter sets from the fit in ``path``, resampled by weight with ``seed`` (the scenario's)."""
    from ..parameters import REGISTRY

    table = read_posterior(path).draws(draws, seed)
    return [{name: REGISTRY[name].validate(float(value)) for name, value in row.items()}
            for row in table.to_dict("records")]


def check_posterior_request(posterior: str | None, draws: int | None, fixed: dict[str, Any],
                            varied: list[str]) -> None:
    """Refuse a request the batch could not honour, naming the field: ``posterior`` without
    ``posterior_draws`` (or the reverse), a folder that holds no finished fit, or an estimated parameter that
    the scenario also fixes or varies (the draw would silently overrule it, or be overruled)."""
    if (posterior is None) != (draws is None):
        raise ValueError("posterior, posterior_draws: give both (the fit's folder and how many draws) or neither")
    if posterior is None:
        return
    try:
        fit = read_posterior(posterior)
    except PosteriorError as e:
        raise ValueError(f"posterior: {e}") from None
    if not fit.complete:
        raise ValueError(f"posterior: {posterior}: the fit is not finished (run `mutual-state calibrate --fit "
                         f"--out {posterior}` again to complete it)")
    for name in fit.parameters:
        if name in fixed:
            raise ValueError(f"params.{name}: is drawn from the posterior ({posterior}); leave it out")
        if name in varied:
            raise ValueError(f"design: varies {name}, which is drawn from the posterior ({posterior})")


def shipped_posterior_fields(params: dict[str, Any], replicates: int) -> dict[str, Any]:
    """A comparison's scenario fields that run replicate k at draw k of the shipped posterior (ODD §9 D-E6):
    ``{"posterior": "shipped", "posterior_draws": replicates}`` when a posterior is shipped and ``params`` sets
    none of its parameters (a user who sets one asks for that value, so every run is at the defaults instead);
    else nothing."""
    folder = posterior_folder(SHIPPED)
    if not (folder / "manifest.json").exists():
        return {}
    if set(params) & set(read_posterior(folder).parameters):
        return {}
    return {"posterior": SHIPPED, "posterior_draws": int(replicates)}


def replicate_draw(scenario, replicate: int = 0) -> dict[str, Any]:
    """The posterior draw a scenario's replicate runs at (nothing without ``posterior_draws``): what a single run
    that repeats the replicate, such as the dashboard's unit map, must set to be that run."""
    if not scenario.posterior_draws:
        return {}
    draws = posterior_parameters(scenario.posterior, scenario.posterior_draws, scenario.seed)
    return draws[replicate % len(draws)]
