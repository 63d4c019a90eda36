"""The headline: the proposal's three questions answered in one sentence each, above everything else.

More participatory? Cheaper? More responsive? Each answer says yes, no or "not clearly", the size of the
difference with its 95% interval (the readout's numbers: ``readout.findings``), and a one-line reason: the
mechanism that carries most of it once "Explain why" has run, else (for cost) the component of public cost
that differs most.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.comparison import TODAY
from sim.proposal import PROPOSAL_REGIME
from sim.regimes import regime_noun

from .controls import presets
from .readout import Finding, findings, mechanism_words, p_text, reasons, value_text
from .runs import COST, Comparison, cost_components

#: The proposal's three questions: (metric, question, the word for a yes, the word for the opposite).
QUESTIONS = (
    ("participation_rate", "More participatory?", "more adults take part", "fewer adults take part"),
    ("cost_per_capita", "Cheaper?", "cheaper", "dearer"),
    ("responsiveness", "More responsive?", "services fit what users want more closely",
     "services fit what users want less closely"),
)


def subject(comparison: Comparison) -> str:
    """The regime the headline speaks of: against today, the package's; else the preset's, else mutuals."""
    if comparison.run.against_today:
        return comparison.regimes[1]
    preset = presets().get(comparison.preset) if comparison.preset else None
    for regime in (preset.headline if preset else None, PROPOSAL_REGIME):
        if regime in comparison.regimes and regime != comparison.baseline:
            return regime
    return next(r for r in comparison.regimes if r != comparison.baseline)


def who(comparison: Comparison, regime: str) -> str:
    """A side of the comparison in words: against today, "the package (mutuals)" and "today's services"."""
    if comparison.run.against_today:
        return "today's services (state departments)" if regime == TODAY else f"the package ({regime_noun(regime)})"
    return regime_noun(regime)


@dataclass(frozen=True)
class Answer:
    question: str
    finding: Finding
    yes_words: str
    no_words: str
    reason: str
    subject: str
    baseline: str

    @property
    def verdict(self) -> str:
        """Yes, No or Not clearly: "clearly" is the readout's test (Holm-adjusted paired p < 0.05)."""
        good = self.finding.diff < 0 if self.finding.metric == COST else self.finding.diff > 0
        if not self.finding.clear:
            return "Not clearly"
        return "Yes" if good else "No"

    @property
    def sentence(self) -> str:
        """ "More participatory? Yes: with mutuals 26.6% against 23.3% with state departments, +3.23 points
        (95% CI +2.75 to +3.71 points). Why: ..." """
        metric, f = self.finding.metric, self.finding
        good = f.diff < 0 if metric == COST else f.diff > 0
        said = self.yes_words if good else self.no_words
        verdict = {"Yes": f"Yes, {said}", "No": f"No, {said}", "Not clearly": "Not clearly"}[self.verdict]
        unsure = ("" if f.clear else
                  f"; the interval alone excludes zero, but the difference is not clear once adjusted for the "
                  f"comparisons made (Holm {p_text(f.p_holm)}, {f.n_pairs} paired runs)" if f.interval_excludes_zero
                  else f"; not distinguishable from chance with {f.n_pairs} paired runs")
        return (f"{self.question} {verdict}: {value_text(metric, f.mean)} with {self.subject} against "
                f"{value_text(metric, f.baseline_mean)} with {self.baseline}, "
                f"{value_text(metric, f.diff, signed=True)} (95% CI {value_text(metric, f.low, signed=True)} to "
                f"{value_text(metric, f.high, signed=True)}){unsure}. Why: {self.reason}")


def reason_for(comparison: Comparison, regime: str, metric: str,
               attribution: dict[str, pd.DataFrame] | None) -> str:
    """One line: the mechanism carrying most of the difference (from "Explain why"), or for cost without it,
    the component of public cost that differs most."""
    for reason in reasons({regime: attribution[regime]} if attribution and regime in attribution else {}):
        if reason.metric == metric and reason.parts:
            lead, value, _, _ = reason.parts[0]
            return f"mostly {mechanism_words(lead)}, {value_text(metric, value, signed=True)}."
    if metric == COST:
        costs = cost_components(comparison)
        delta = (costs.loc[regime] - costs.loc[comparison.baseline]).sort_values(key=abs, ascending=False)
        if len(delta):
            return (f"the largest difference in what the public purse pays for is {delta.index[0]}, "
                    f"{value_text(COST, float(delta.iloc[0]), signed=True)} a month per adult.")
    return "press “Explain why” to see which of the model's mechanisms carry it."


def headline(comparison: Comparison, attribution: dict[str, pd.DataFrame] | None = None) -> list[Answer]:
    """The three answers, in the proposal's order, for the headline's regime against the baseline."""
    regime = subject(comparison)
    found = {(f.regime, f.metric): f for f in findings(comparison, [metric for metric, *_ in QUESTIONS])}
    return [Answer(question, found[(regime, metric)], yes, no, reason_for(comparison, regime, metric, attribution),
                   who(comparison, regime), who(comparison, comparison.baseline))
            for metric, question, yes, no in QUESTIONS if (regime, metric) in found]
