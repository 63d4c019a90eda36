"""Diagnostics of a fit that can fail (ODD §10): the posterior predictive check against every target, fitted
and held out, and the recovery of known parameters from synthetic data (simulation-based calibration).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .problem import FitProblem
from .store import Posterior

PREDICTIVE_MASS = 0.9


def simulate_draw(problem: FitProblem, theta: dict[str, float], seed: int) -> dict[str, float]:
    """Every target's model value at one posterior draw (module-level, so executors can run it)."""
    return problem.simulate(theta, seed, targets=problem.targets)


def predictive_check(posterior: Posterior, problem: FitProblem, draws: int = 50, seed: int = 0, executor=None,
                     mass: float = PREDICTIVE_MASS) -> pd.DataFrame:
    """Simulate ``draws`` posterior draws (each on its own seed) and compare every target with the central
    ``mass`` predictive interval of its model value.

    One row per target: target, use ("fit" or "validate"), regime, observable, observed, low, median, high,
    inside (the observed value lies in the interval), z (the median's standardised error, ``Target``).
    """
    thetas = posterior.draws(draws, seed).to_dict("records")
    seeds = np.random.SeedSequence([seed, 7]).generate_state(draws)
    if executor is None:
        runs = [simulate_draw(problem, theta, int(s)) for theta, s in zip(thetas, seeds, strict=True)]
    else:
        futures = [executor.submit(simulate_draw, problem, theta, int(s)) for theta, s in zip(thetas, seeds,
                                                                                               strict=True)]
        runs = [future.result() for future in futures]
    rows = []
    for target in problem.targets:
        values = np.array([run[target.name] for run in runs], dtype=float)
        values = values[np.isfinite(values)]
        low, median, high = (np.quantile(values, [(1 - mass) / 2, 0.5, (1 + mass) / 2]) if len(values)
                             else (np.nan,) * 3)
        rows.append({"target": target.name, "use": target.use, "regime": target.regime,
                     "observable": target.observable, "observed": target.value, "low": low, "median": median,
                     "high": high, "inside": bool(low <= target.value <= high), "tolerance": target.tolerance,
                     "factor": target.factor,
                     "z": target.standardised_error(median) if np.isfinite(median) else np.nan})
    return pd.DataFrame(rows)


def format_predictive_check(table: pd.DataFrame, mass: float = PREDICTIVE_MASS) -> str:
    """The check as plain text, one line per target, then how many fitted and held-out targets pass."""
    lines = [f"{'target':<48} {'use':<8} {'observed':>9}  {int(mass * 100)}% predictive interval   check"]
    for row in table.itertuples():
        lines.append(f"{row.target[:48]:<48} {row.use:<8} {row.observed:>9.3g}  {row.low:>9.3g} - {row.high:<9.3g}"
                     f"  {'ok' if row.inside else 'MISS'}")
    for use, label in (("fit", "fitted"), ("validate", "held-out")):
        part = table[table["use"] == use]
        if len(part):
            lines.append(f"{int(part['inside'].sum())} of {len(part)} {label} targets inside their interval")
    return "\n".join(lines)


def predictive_figure(table: pd.DataFrame, path: str | Path | None = None, mass: float = PREDICTIVE_MASS):
    """Each target's observed value against its predictive interval, on the target's own standardised scale
    (0: the observed value; +-1: the edge of its uncertainty band), fitted and held-out targets apart."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..calibration import Target

    fig, ax = plt.subplots(figsize=(10, 0.45 * len(table) + 1.6))
    for i, row in enumerate(table.itertuples()):
        uncertainty = {"factor": row.factor} if pd.notna(row.factor) else {"tolerance": row.tolerance}
        target = Target(row.target, row.observable, row.regime, row.observed, "", "", **uncertainty)
        low, high = (target.standardised_error(v) for v in (row.low, row.high))
        colour = "tab:blue" if row.use == "fit" else "tab:orange"
        ax.plot([low, high], [i, i], color=colour, lw=4, alpha=0.6, solid_capstyle="butt")
        ax.plot(target.standardised_error(row.median), i, "|", color=colour, ms=12)
    ax.axvline(0, color="black", lw=1)
    ax.axvspan(-1, 1, color="grey", alpha=0.12)
    ax.set_yticks(range(len(table)), [f"{t[:48]} ({u})" for t, u in zip(table["target"], table["use"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlabel(f"the model's {int(mass * 100)}% predictive interval (| its median), in units of each target's "
                  f"uncertainty\n0: the observed value; shaded: the target's band", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig


# ------------------------------------------------------------------------------------------------ recovery
def synthetic_problem(problem: FitProblem, truth: dict[str, float], seed: int) -> FitProblem:
    """The same fit with every target's value replaced by the model's at ``truth`` (one run on ``seed``)."""
    simulated = problem.simulate(truth, seed, targets=problem.targets)
    targets = tuple(dataclasses.replace(t, value=simulated[t.name], source="synthetic") for t in problem.targets)
    return dataclasses.replace(problem, targets=targets)


def recovery_check(problem: FitProblem, folder: str | Path, replicates: int, *, population: int,
                   generations: int, seed: int = 0, mass: float = 0.9, executor=None, workers: int = 1,
                   progress: bool = False) -> pd.DataFrame:
    """Simulation-based calibration: draw ``replicates`` true parameter values from the prior, simulate data at
    each (on a seed the fit never uses), fit it, and record whether each true value lies in its central
    ``mass`` credible interval.

    One row per replicate and parameter: replicate, parameter, truth, low, high, inside, and ``contraction``
    (the interval's width over the prior's: a fit that learns nothing has about ``mass``).
    """
    from .fit import fit_posterior

    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    rows = []
    for replicate in range(replicates):
        truth = {name: float(rng.uniform(*problem.prior_range(name))) for name in problem.parameters}
        synthetic = synthetic_problem(problem, truth, seed=10_000_000 + replicate)
        fitted = fit_posterior(synthetic, Path(folder) / f"replicate-{replicate:03d}", population=population,
                               generations=generations, seed=seed + replicate, executor=executor, workers=workers,
                               progress=progress, fresh=True)
        for name in problem.parameters:
            low, high = fitted.credible_interval(name, mass)
            prior_low, prior_high = problem.prior_range(name)
            rows.append({"replicate": replicate, "parameter": name, "truth": truth[name], "low": low, "high": high,
                         "inside": bool(low <= truth[name] <= high),
                         "contraction": (high - low) / (prior_high - prior_low)})
    return pd.DataFrame(rows)


def coverage_p_value(table: pd.DataFrame, mass: float = 0.9) -> float:
    """Two-sided binomial test that the true values fall inside their intervals at the stated rate ``mass``."""
    return float(stats.binomtest(int(table["inside"].sum()), len(table), mass).pvalue)
