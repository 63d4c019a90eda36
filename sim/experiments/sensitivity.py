"""Global sensitivity analysis with SALib: Morris screening and Sobol' indices, on any metric.

The design (``morris`` or ``sobol`` in the scenario) is rebuilt from the scenario's seed, so the analysis uses
exactly the sample matrix the batch ran. A point's output is its outcome (the mean of the last ``window``
months) averaged over replicates; replicates share seeds across points (common random numbers), which keeps
the model's own noise from masquerading as sensitivity. Where the design is crossed with factors (e.g. the
regimes), each combination gets its own analysis.

Reading the numbers. Morris: mu* (mean absolute elementary effect) ranks influence, sigma large relative to mu*
marks non-linear or interacting effects. Sobol': S1 is the share of output variance a parameter explains alone,
ST the share including its interactions; ST near 0 means the parameter can be fixed anywhere in its range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRICS
from .analysis import AnalysisError, outcomes
from .designs import build_design, design_seed

HOW_TO_READ = {
    "morris": "Morris screening: mu* (the mean absolute elementary effect: how much the outcome moves when one "
              "parameter steps across its range, the others held) ranks influence; sigma large relative to mu* "
              "marks non-linear or interacting effects. The ± is a 95% bootstrap interval.",
    "sobol": "Sobol' indices: S1 is the share of the outcome's variance a parameter explains alone, ST the share "
             "including its interactions; ST near 0 means the parameter can be fixed anywhere in its range. The ± "
             "is a 95% bootstrap interval.",
}


@dataclass
class SensitivityResult:
    method: str  # "morris" or "sobol"
    metric: str
    table: pd.DataFrame  # one row per factor combination and parameter
    groups: list[str]  # factor columns that split the analysis (e.g. ["regime"])


def analyse(result, metric: str, window: int | None = None) -> SensitivityResult:
    """Morris or Sobol' indices of ``metric`` for each combination of the design's factors."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    scenario = result.scenario
    kind = scenario.design.kind
    if kind not in ("morris", "sobol"):
        raise AnalysisError(f"sensitivity needs a morris or sobol design; {scenario.name} has design.kind = {kind!r}")
    if metric not in METRICS:
        raise AnalysisError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    design = build_design(scenario)
    X, problem = design.X, design.problem
    table = outcomes(result, window, [metric])
    groups = [f for f in scenario.factors if f in table.columns]
    rows = []
    combos = table.groupby(groups, sort=False) if groups else [((), table)]
    for key, g in combos:
        key = key if isinstance(key, tuple) else (key,)
        y = g.groupby("point")[metric].mean().reindex(range(len(X)))
        missing = int(y.isna().sum())
        label = ", ".join(f"{k}={v}" for k, v in zip(groups, key, strict=True)) or "all runs"
        if missing:
            raise AnalysisError(f"{label}: {missing} of {len(X)} sample points have no successful run; "
                                f"sensitivity needs every point (see the failures in manifest.json)")
        Y = y.to_numpy(dtype=float)
        seed = design_seed(scenario.seed)
        if np.ptp(Y) == 0:
            res = _constant(kind, problem)
        elif kind == "morris":
            res = morris_analyze.analyze(problem, X, Y, num_levels=scenario.design.levels, conf_level=0.95,
                                         print_to_console=False, seed=seed)
        else:
            res = sobol_analyze.analyze(problem, Y, calc_second_order=scenario.design.second_order, conf_level=0.95,
                                        print_to_console=False, seed=seed)
        for i, name in enumerate(problem["names"]):
            row: dict[str, Any] = {**dict(zip(groups, key, strict=True)), "metric": metric, "parameter": name}
            if kind == "morris":
                row.update(mu=float(res["mu"][i]), mu_star=float(res["mu_star"][i]), sigma=float(res["sigma"][i]),
                           mu_star_conf=float(res["mu_star_conf"][i]))
            else:
                row.update(S1=float(res["S1"][i]), S1_conf=float(res["S1_conf"][i]), ST=float(res["ST"][i]),
                           ST_conf=float(res["ST_conf"][i]))
            row["output_sd"] = float(np.std(Y, ddof=1))
            rows.append(row)
    out = pd.DataFrame(rows)
    return SensitivityResult(kind, metric, out, groups)


def _constant(kind: str, problem: dict[str, Any]) -> dict[str, list[float]]:
    z = [0.0] * problem["num_vars"]
    if kind == "morris":
        return {"mu": z, "mu_star": z, "sigma": z, "mu_star_conf": z}
    return {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z}


def ranking(sr: SensitivityResult) -> pd.DataFrame:
    """Parameters ordered by influence (mu* or ST) within each factor combination."""
    key = "mu_star" if sr.method == "morris" else "ST"
    return sr.table.sort_values([*sr.groups, key], ascending=[True] * len(sr.groups) + [False], kind="stable")


def to_text(sr: SensitivityResult, top: int = 3) -> list[str]:
    """Sentences a reader can act on: what matters most, what is non-linear, what can be fixed."""
    lines = []
    key = "mu_star" if sr.method == "morris" else "ST"
    conf = "mu_star_conf" if sr.method == "morris" else "ST_conf"
    for gkey, g in (sr.table.groupby(sr.groups, sort=False) if sr.groups else [((), sr.table)]):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        label = ", ".join(f"{k} = {v}" for k, v in zip(sr.groups, gkey, strict=True))
        g = g.sort_values(key, ascending=False)
        total = g[key].sum()
        if total <= 0 or not math.isfinite(total):
            lines.append(f"- {label or 'All runs'}: {sr.metric} did not change across the sample; no parameter "
                         f"in the design moves it.")
            continue
        strong = g[g[key] >= 0.05 * g[key].max()]  # "most sensitive" only among parameters that matter at all
        tiny = 1e-9 * g[key].max()  # bootstrap intervals of exactly repeatable effects are round-off
        lead = ", ".join(f"{r.parameter} ({key} = {getattr(r, key):.3g} ± "
                         f"{getattr(r, conf) if getattr(r, conf) > tiny else 0:.2g}"
                         + (f"; S1 = {r.S1:.3g}" if sr.method == "sobol" else "") + ")"
                         for r in strong.head(top).itertuples())
        text = f"- {label + ': ' if label else ''}{sr.metric} is most sensitive to {lead}."
        if sr.method == "morris":
            nonlin = [r.parameter for r in g.itertuples() if r.mu_star > 0.1 * g["mu_star"].max()
                      and r.sigma > r.mu_star]
            if nonlin:
                text += f" Non-linear or interacting (sigma > mu*): {', '.join(nonlin)}."
            small = [r.parameter for r in g.itertuples() if r.mu_star + r.mu_star_conf < 0.05 * g["mu_star"].max()]
        else:
            inter = [r.parameter for r in g.itertuples() if r.ST - r.S1 > 0.1]
            if inter:
                text += f" Interactions matter for: {', '.join(inter)} (ST - S1 > 0.1)."
            small = [r.parameter for r in g.itertuples() if r.ST + r.ST_conf < 0.01]
        if small:
            text += f" Negligible over its range: {', '.join(small)}."
        lines.append(text)
    return lines
