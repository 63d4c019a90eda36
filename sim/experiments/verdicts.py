"""The report's verdict as probabilities (ODD §9 D-E5): each of Mayo & Moore's claims as the share of runs,
over the posterior draws of the estimated parameters, the draws of the proposal's assumptions from their
plausible ranges and the seeds, in which mutuals do better than another regime; with its interval, and with
what the data pin down (the posterior's share of the difference's variance) apart from what rests on
assumptions and on run-to-run noise (``sim.estimation.verdict``, ``sim.verdict_probabilities``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from scipy import stats

from ..estimation.verdict import paired_differences, verdict_outcomes, verdict_probabilities
from ..proposal import PROPOSAL_REGIME
from ..regimes import regime_noun
from .claims import CLAIM
from .formatting import md_table, num
from .results import BatchResult

#: The claim's metrics with the words of "mutuals are <more participatory> than ...".
CLAIM_WORDS = {metric: good for metric, good, _ in CLAIM}


def probability_text(probability: float, low: float, high: float) -> str:
    """"0.97 [0.93, 1.00]": a claim's probability with its interval, two decimals (the interval's precision)."""
    return f"{probability:.2f} [{low:.2f}, {high:.2f}]"


def leading_assumptions(result: BatchResult, table: pd.DataFrame) -> list[str]:
    """Per claim of ``table``, the sampled assumption whose value moves mutuals' mean advantage most across the
    assumption draws (Spearman's rank correlation over the draws; "" with fewer than four draws or nothing
    sampled): a pointer to what a verdict rests on, not a test."""
    sampled = list(result.scenario.sampled)
    outcomes = verdict_outcomes(result)
    if not sampled or outcomes["assumption"].nunique() < 4:
        return [""] * len(table)
    values = outcomes.groupby("assumption")[sampled].first().sort_index()
    out = []
    for row in table.itertuples():
        advantage = paired_differences(outcomes, row.metric, row.challenger, row.incumbent).mean(axis=(0, 2))
        if advantage.max() == advantage.min():  # no assumption moves it (a metric identical in both regimes)
            out.append("")
            continue
        rho = pd.Series({name: stats.spearmanr(column, advantage).statistic for name, column in values.items()
                         if column.nunique() > 1}, dtype=float).dropna()
        if rho.empty:
            out.append("")
            continue
        lead = rho.abs().idxmax()
        out.append(f"`{lead}` (ρ = {rho[lead]:+.2f})")
    return out


def verdict_table(result: BatchResult) -> pd.DataFrame:
    """The claim's probabilities: mutuals against every other regime the batch ran, on the claim's metrics."""
    regimes = list(dict.fromkeys(result.ok["regime"])) if "regime" in result.ok else []
    others = [r for r in regimes if r != PROPOSAL_REGIME]
    metrics = [m for m in CLAIM_WORDS if m in result.ok.columns or m in result.scenario.analysis.metrics]
    frames = [verdict_probabilities(result, metrics, challenger=PROPOSAL_REGIME, incumbent=other)
              for other in others]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def design_words(result: BatchResult, table: pd.DataFrame) -> str:
    """Over what the probabilities are taken: the posterior draws, the assumption draws and the seeds."""
    scenario = result.scenario
    first = table.iloc[0]
    draws, assumptions, replicates = int(first["draws"]), int(first["assumptions"]), int(first["replicates"])
    posterior = (f"{draws} draws of the estimated parameters from the posterior `{scenario.posterior}` "
                 f"(what the data pin down)" if scenario.posterior_draws else
                 "the estimated parameters at the registry's defaults (no posterior in this scenario, so no share "
                 "of the uncertainty is the data's)")
    sampled = [name for name in scenario.sampled]
    assumed = (f"{assumptions} draws of the proposal's assumptions from their plausible ranges (a "
               f"{scenario.design.kind.replace('_', ' ')} over {', '.join(f'`{n}`' for n in sampled)})"
               if sampled and assumptions > 1 else "the assumptions at their defaults")
    return (f"{posterior}, × {assumed}, × {replicates} seed(s) each: {draws * assumptions * replicates} paired runs "
            f"per comparison, each regime on the same draw and seed")


def verdict_section(result: BatchResult, tabdir: Path) -> list[str]:
    """Section "The verdict as probabilities": one line per regime mutuals are compared with, each claim with
    its probability and interval, then a table with the mean difference and the variance split; the table is
    also written to ``tables/verdict_probabilities.csv``."""
    try:
        table = verdict_table(result)
    except ValueError as e:
        return ["## The verdict as probabilities", "", f"Not computed: {e}."]
    if table.empty:
        return []
    table.to_csv(tabdir / "verdict_probabilities.csv", index=False)
    lines = ["## The verdict as probabilities", "",
             f"Each claim's probability is the share of paired runs in which mutuals do better than the other "
             f"regime, over {design_words(result, table)}; in brackets its 95% interval (the wider of a bootstrap "
             f"over draws, assumption draws and seeds and the exact binomial interval at the design's effective "
             f"number of independent runs, so that a claim holding in every run still shows how few independent "
             f"draws it rests on). A probability near 1 or 0 is a verdict that holds across what is "
             f"uncertain; near 0.5, the model cannot tell; a wide interval, that more draws would tell.", ""]
    for other, rows in table.groupby("incumbent", sort=False):
        claims = [f"{CLAIM_WORDS[row.metric]}: probability **{probability_text(row.probability, row.low, row.high)}**"
                  for row in rows.itertuples()]
        lines.append(f"- Mutuals against {regime_noun(other)}: " + "; ".join(claims) + ".")
    lines += ["", "Where the uncertainty of each difference comes from (shares of its variance between runs: "
              "**posterior** = the estimated parameters, what the data pin down; **assumptions** = the ranges of "
              "the proposal's assumptions; **interaction** = the two together; **noise** = run-to-run chance):", ""]
    shown = pd.DataFrame({
        "claim": [f"mutuals {CLAIM_WORDS[m]} than {regime_noun(o)}" for m, o in zip(table["metric"],
                                                                                    table["incumbent"], strict=True)],
        "probability [95%]": [probability_text(p, lo, hi) for p, lo, hi in zip(table["probability"], table["low"],
                                                                                table["high"], strict=True)],
        "mean difference": [num(d, signed=True) for d in table["mean_difference"]],
        **{name: [f"{share:.0%}" for share in table[f"share_{name}"]]
           for name in ("posterior", "assumptions", "interaction", "noise")},
        "assumption that moves it most": leading_assumptions(result, table),
    })
    lines += md_table(shown)
    lines += ["", "The mean difference is mutuals' advantage (positive: better; for cost, a positive number is a "
              "saving). A verdict whose variance is mostly the assumptions' rests on what the proposal assumes, "
              "not on what the record shows; the assumption that moves it most is the one whose value ranks "
              "mutuals' mean advantage across the assumption draws best (Spearman's ρ; with a few draws, a "
              "pointer, not a test). `tables/verdict_probabilities.csv` has every number."]
    return lines
