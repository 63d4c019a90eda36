"""Every verdict with its probability (ODD §10): the share of posterior-and-assumption draws in which one
regime beats another on a claim, its interval, and where the uncertainty comes from.

The input is a tidy table of outcomes from a crossed design: each posterior draw of the estimated parameters
(``draw``) with each draw of the proposal's assumptions from their plausible ranges (``assumption``), each
run on several seeds (``replicate``), in each regime, on common random numbers. For a claim (a metric, better
higher or lower) the paired difference d = challenger - incumbent (sign turned so that d > 0 means the
challenger is better) is split as a two-way random-effects model with replication,

    d_ijk = mu + a_i + b_j + (ab)_ij + e_ijk,

whose variance components (posterior draws a, assumption ranges b, their interaction, run-to-run noise e)
are the balanced-design ANOVA estimators (expected mean squares; Searle, Casella & McCulloch 1992, ch. 4).

A claim's probability is the share of cells in which the challenger wins; its interval is the wider of a
bootstrap over the design's factors and an exact binomial interval at the design's effective number of
independent runs (Kish's design effect from the variance split), so that a design whose runs all agree still
gets an interval as wide as its few posterior and assumption draws allow (ODD §10 D-E15).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics_catalogue import HEADLINE_METRICS, METRICS

DESIGN = ("draw", "assumption", "replicate")


def paired_differences(outcomes: pd.DataFrame, metric: str, challenger: str = "mutual", incumbent: str = "state"
                       ) -> np.ndarray:
    """The claim's differences as an array [draw, assumption, replicate], d > 0 where the challenger is better.

    ``outcomes``: one row per draw, assumption, replicate and regime, with the metric's value; the design must
    be complete (every cell present in both regimes)."""
    better = METRICS[metric].better if metric in METRICS else "higher"
    if better not in ("higher", "lower"):
        raise ValueError(f"{metric}: neither higher nor lower is better, so no regime can beat another on it")
    missing = [c for c in (*DESIGN, "regime", metric) if c not in outcomes]
    if missing:
        raise ValueError(f"outcomes: no column {missing[0]!r}; expected {', '.join((*DESIGN, 'regime'))} and "
                         f"the metric")
    wide = outcomes.pivot_table(index=list(DESIGN), columns="regime", values=metric, aggfunc="first")
    difference = wide[challenger] - wide[incumbent]
    if better == "lower":
        difference = -difference
    shape = tuple(outcomes[c].nunique() for c in DESIGN)
    if len(difference) != np.prod(shape) or difference.isna().any():
        raise ValueError(f"outcomes: the design is not complete ({len(difference.dropna())} of "
                         f"{int(np.prod(shape))} draw x assumption x replicate cells in both regimes)")
    return difference.sort_index().to_numpy(dtype=float).reshape(shape)


def variance_split(differences: np.ndarray) -> dict[str, float]:
    """Variance components of d[i, j, k] (posterior draw i, assumption draw j, replicate k), as shares of their
    sum: ``posterior``, ``assumptions``, ``interaction``, ``noise`` (ANOVA estimators, negative ones set to 0).

    With one replicate, run-to-run noise cannot be told from the interaction: both are reported as noise."""
    draws, assumptions, replicates = differences.shape
    cell = differences.mean(axis=2)
    by_draw, by_assumption, grand = cell.mean(axis=1), cell.mean(axis=0), cell.mean()
    ms_draw = assumptions * replicates * np.sum((by_draw - grand) ** 2) / max(draws - 1, 1)
    ms_assumption = draws * replicates * np.sum((by_assumption - grand) ** 2) / max(assumptions - 1, 1)
    residual = cell - by_draw[:, None] - by_assumption[None, :] + grand
    ms_interaction = replicates * np.sum(residual**2) / max((draws - 1) * (assumptions - 1), 1)
    ms_noise = (np.sum((differences - cell[..., None]) ** 2) / (draws * assumptions * (replicates - 1))
                if replicates > 1 else 0.0)
    crossed = draws > 1 and assumptions > 1
    components = {
        "posterior": max((ms_draw - ms_interaction) / (assumptions * replicates), 0.0) if draws > 1 else 0.0,
        "assumptions": max((ms_assumption - ms_interaction) / (draws * replicates), 0.0) if assumptions > 1 else 0.0,
        "interaction": max((ms_interaction - ms_noise) / replicates, 0.0) if replicates > 1 and crossed else 0.0,
        "noise": ms_noise if replicates > 1 else ms_interaction,
    }
    total = sum(components.values())
    return {name: (value / total if total > 0 else 0.0) for name, value in components.items()}


def effective_runs(differences: np.ndarray) -> float:
    """How many independent runs the design's D x A x R runs are worth for the mean: N / deff, with Kish's design
    effect for the crossed random effects, deff = 1 + (A R - 1) rho_posterior + (D R - 1) rho_assumptions +
    (R - 1) rho_interaction, the rho the variance split's shares (Kish 1965, "Survey Sampling", §5.4; the
    variance of the mean, sigma_a^2 / D + sigma_b^2 / A + sigma_ab^2 / (D A) + sigma_e^2 / N, written as sigma^2
    deff / N). One draw and one assumption (a comparison at fixed settings): the R seeds, independent runs."""
    draws, assumptions, replicates = differences.shape
    split = variance_split(differences)
    deff = (1.0 + (assumptions * replicates - 1) * split["posterior"]
            + (draws * replicates - 1) * split["assumptions"] + (replicates - 1) * split["interaction"])
    return differences.size / deff


def exact_interval(share: float, runs: float, level: float = 0.95) -> tuple[float, float]:
    """The Clopper-Pearson interval of a share observed over ``runs`` independent runs (not necessarily a whole
    number: k = share x runs wins), from the beta quantiles; 0 and 1 where the share is 0 or 1."""
    wins, alpha = share * runs, 1.0 - level
    low = 0.0 if wins <= 0 else float(stats.beta.ppf(alpha / 2, wins, runs - wins + 1))
    high = 1.0 if wins >= runs else float(stats.beta.ppf(1 - alpha / 2, wins + 1, runs - wins))
    return low, high


def probability_of_beating(differences: np.ndarray, level: float = 0.95, resamples: int = 2000, seed: int = 0
                           ) -> tuple[float, float, float]:
    """The share of draws (over posterior, assumptions and seeds) in which the challenger is better, and a
    ``level`` interval for it: the wider of a bootstrap that resamples posterior draws, assumption draws and seeds
    independently (the design's two random factors and its replication) and the exact binomial interval at the
    design's effective number of independent runs (``effective_runs``). The bootstrap alone collapses to a point
    where every run agrees (3 wins of 3 paired runs gave "1.00 [1.00, 1.00]"); the exact interval does not (3 of 3:
    [0.29, 1.00]), and where the runs are many and disagree the two are alike (ODD §10 D-E15)."""
    wins = differences > 0
    draws, assumptions, replicates = wins.shape
    rng = np.random.default_rng(seed)
    draw_picks = rng.integers(0, draws, size=(resamples, draws))
    assumption_picks = rng.integers(0, assumptions, size=(resamples, assumptions))
    replicate_picks = rng.integers(0, replicates, size=(resamples, replicates))
    boot = np.array([wins[np.ix_(rows, columns, seeds)].mean()
                     for rows, columns, seeds in zip(draw_picks, assumption_picks, replicate_picks, strict=True)])
    low, high = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    share = float(wins.mean())
    exact_low, exact_high = exact_interval(share, effective_runs(differences), level)
    return share, float(min(low, exact_low)), float(max(high, exact_high))


def claim_probabilities(outcomes: pd.DataFrame, metrics: Sequence[str] = HEADLINE_METRICS,
                        challenger: str = "mutual", incumbent: str = "state", level: float = 0.95,
                        seed: int = 0) -> pd.DataFrame:
    """One row per claim ("the challenger is better on this metric"): its probability with a ``level``
    interval, the mean difference, the design's size (draws, assumptions, replicates) and the variance split
    between posterior draws, assumption ranges, their interaction and run-to-run noise."""
    rows = []
    for metric in metrics:
        differences = paired_differences(outcomes, metric, challenger, incumbent)
        probability, low, high = probability_of_beating(differences, level, seed=seed)
        split = variance_split(differences)
        draws, assumptions, replicates = differences.shape
        rows.append({"claim": f"{challenger} better than {incumbent} on {metric}", "metric": metric,
                     "challenger": challenger, "incumbent": incumbent,
                     "probability": probability, "low": low, "high": high,
                     "mean_difference": float(differences.mean()), "draws": draws, "assumptions": assumptions,
                     "replicates": replicates, **{f"share_{name}": value for name, value in split.items()}})
    return pd.DataFrame(rows)


def verdict_outcomes(result, window: int | None = None) -> pd.DataFrame:
    """A batch's outcomes laid out for ``claim_probabilities``: ``draw`` (the run's posterior draw, 0 without
    one), ``assumption`` (one id per combination of the design's values other than the regime and what moves
    with it: the draws of the proposal's assumptions from their plausible ranges), ``replicate`` (the seed's
    index within its draw), ``regime`` and the metrics.

    ``result``: a ``BatchResult`` whose design varies ``regime`` (crossed with the assumption draws, for
    example a Latin hypercube over assumption parameters) and, for the posterior, sets ``posterior_draws``."""
    scenario = result.scenario
    if "regime" not in scenario.varied:
        raise ValueError(f"{scenario.name}: the design does not vary the regime, so no regime can be compared")
    table = result.outcomes(window)
    ids = result.runs.set_index("run_id")
    draws = scenario.posterior_draws or 1
    table["draw"] = (ids.loc[table["run_id"], "posterior_draw"].to_numpy() if scenario.posterior_draws
                     else np.zeros(len(table), dtype=int))
    table["replicate"] = table["replicate"] // draws
    others = [name for name in ("point", *scenario.varied) if name != "regime" and name in table
              and not _moves_with_regime(table, name)]
    table["assumption"] = table.groupby(others, sort=True, dropna=False).ngroup() if others else 0
    return table


def _moves_with_regime(table: pd.DataFrame, column: str) -> bool:
    """A column whose value the regime fixes (a package's levers in a list design): part of the condition
    compared, not a draw of the assumptions."""
    return bool(table.groupby("regime", dropna=False)[column].nunique(dropna=False).max() == 1
                and table[column].nunique(dropna=False) > 1)


def verdict_probabilities(result, metrics: Sequence[str] | None = None, challenger: str | None = None,
                          incumbent: str | None = None, window: int | None = None, level: float = 0.95
                          ) -> pd.DataFrame:
    """Every verdict of a batch as a probability (``sim.verdict_probabilities``; the report and the dashboard
    read the same table): for each regime against the baseline (or ``challenger`` against ``incumbent``), each
    claim of ``metrics`` (default: the headline metrics) with its probability, ``level`` interval, mean
    difference and variance split (``claim_probabilities``)."""
    table = verdict_outcomes(result, window)
    regimes = list(dict.fromkeys(table["regime"]))
    incumbent = incumbent or result.scenario.analysis.baseline or regimes[0]
    challengers = [challenger] if challenger else [r for r in regimes if r != incumbent]
    for regime in [incumbent, *challengers]:
        if regime not in regimes:
            raise ValueError(f"regime: {regime!r} did not run in {result.scenario.name}; expected one of "
                             f"{', '.join(map(str, regimes))}")
    metrics = [m for m in (metrics or HEADLINE_METRICS) if m in table]
    return pd.concat([claim_probabilities(table, metrics, other, incumbent, level) for other in challengers],
                     ignore_index=True)
