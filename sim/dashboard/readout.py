"""The comparison in plain words: what differs, by how much, how sure we are, and why where the model can say.

Every number in a sentence is a number of the comparison's tables (``Comparison.summary`` and
``Comparison.differences``, i.e. ``sim.BatchResult.summary`` and ``.compare``), formatted for people; nothing is
computed here that the API does not compute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

import sim
from sim.experiments.mechanisms import MECHANISM_BASIS
from sim.regimes import regime_noun

from .controls import presets
from .runs import COST, Comparison, cost_components

ALPHA = 0.05  # a difference is "clear" when its Holm-adjusted paired p-value is below this

# How the headline metrics read in a sentence: (noun phrase, word for more, word for less).
PHRASES = {
    "participation_rate": ("adults taking part in running services", "more take part", "fewer take part"),
    "cost_per_capita": ("public cost per adult a month", "dearer", "cheaper"),
    "responsiveness": ("fit between services and what users want", "closer fit", "looser fit"),
}


def value_text(metric: str, x: float, signed: bool = False) -> str:
    """A metric's value in its unit, for people: shares as percentages, money in pounds. A value that rounds to
    zero at the precision shown reads as zero, without a sign ("£0.00", never "−£0.00")."""
    if x is None or not math.isfinite(x):
        return "n/a"
    described = sim.METRICS.get(metric)
    unit = described.unit if described else ""
    size = abs(x)
    if unit.startswith("share") and described.high <= 1.0:
        digits = 2 if size < 0.1 else 1
        body, suffix = f"{100 * size:.{digits}f}", (" points" if signed else "%")
    elif unit.startswith("£"):
        body, suffix = f"£{size:,.2f}", ""
    else:
        body, suffix = _num(size), (f" {unit}" if unit and unit not in ("-", "count") else "")
    return _signed(body, x, signed) + suffix


def interval_text(metric: str, low: float, high: float) -> str:
    """A metric's 95% interval for people, "[a, b]", cut to the values the metric can take (a share's interval
    from few replicates can reach below 0%; no run can)."""
    described = sim.METRICS.get(metric)
    if described is not None:
        low, high = max(low, described.low), min(high, described.high)
    return f"[{value_text(metric, low)}, {value_text(metric, high)}]"


def _signed(body: str, x: float, signed: bool) -> str:
    """``body`` (the formatted magnitude of ``x``) with its sign: "−" when negative, "+" when positive and
    ``signed``, none when what is shown is zero."""
    if not any(ch in "123456789" for ch in body):
        return body
    return ("−" if x < 0 else "+" if signed else "") + body


def fixed(x: float, spec: str) -> str:
    """``format(x, spec)`` without a negative zero ("-0.00" reads as "0.00"): for tables of raw values."""
    if not math.isfinite(x):
        return "n/a"
    return _signed(format(abs(x), spec), x, False).replace("−", "-")


def _num(size: float) -> str:
    if size == 0:
        return "0"
    if size >= 1000:
        return f"{size:,.0f}"
    if size >= 100:
        return f"{size:.1f}"
    return f"{size:.3g}"


def p_text(p: float) -> str:
    if not math.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


@dataclass(frozen=True)
class Finding:
    """One regime against the baseline on one metric, with the numbers a sentence quotes."""

    metric: str
    regime: str
    baseline: str
    mean: float
    baseline_mean: float
    diff: float
    low: float
    high: float
    p_holm: float
    n_pairs: int
    effect: str
    improves: bool | None

    @property
    def clear(self) -> bool:
        return math.isfinite(self.p_holm) and self.p_holm < ALPHA

    @property
    def interval_excludes_zero(self) -> bool:
        """The unadjusted 95% interval of the difference excludes zero (which alone does not make it clear)."""
        return math.isfinite(self.low) and (self.low > 0 or self.high < 0)

    @property
    def sentence(self) -> str:
        """The finding for people: the two means, the difference with its CI, and how sure we are of it."""
        who, base = regime_noun(self.regime), regime_noun(self.baseline)
        label = sim.METRICS[self.metric].description if self.metric in sim.METRICS else self.metric
        noun = PHRASES.get(self.metric, (label, "higher", "lower"))
        direction = noun[1] if self.diff > 0 else noun[2]
        what = (f"{who[0].upper() + who[1:]}: {noun[0]} — {value_text(self.metric, self.mean)} against "
                f"{value_text(self.metric, self.baseline_mean)} with {base}, a difference of "
                f"{value_text(self.metric, self.diff, signed=True)} "
                f"(95% CI {value_text(self.metric, self.low, signed=True)} to "
                f"{value_text(self.metric, self.high, signed=True)}).")
        if self.n_pairs < 2 or not math.isfinite(self.low):
            sure = "Too few paired runs to say how sure."
        elif self.clear:
            judged = "" if self.improves is None else (" — better" if self.improves else " — worse")
            sure = (f"A clear difference ({direction}{judged}; {p_text(self.p_holm)} after Holm adjustment, "
                    f"{self.effect} effect, {self.n_pairs} paired runs).")
        elif self.interval_excludes_zero:
            sure = (f"Suggestive, not clear: the 95% interval alone excludes zero, but not once adjusted for the "
                    f"comparisons made ({p_text(self.p_holm)} after Holm adjustment, {self.n_pairs} paired runs); "
                    f"more replicates would tell.")
        else:
            sure = (f"Not distinguishable from chance with {self.n_pairs} paired runs ({p_text(self.p_holm)} after "
                    f"Holm adjustment); more replicates would narrow it.")
        return f"{what} {sure}"


def findings(comparison: Comparison, metrics: list[str] | None = None) -> list[Finding]:
    """Each regime against the baseline on each metric (headline metrics first), from the API's tables. The
    headline metrics are one family of tests (Holm-adjusted together, whatever else is shown, so the headline and
    the sentences below it agree, ODD §9 D-D1); outcomes the user adds are a second family."""
    metrics = list(metrics or sim.HEADLINE_METRICS)
    families = ([m for m in sim.HEADLINE_METRICS if m in metrics],
                [m for m in metrics if m not in sim.HEADLINE_METRICS])
    diffs = pd.concat([comparison.differences(family) for family in families if family], ignore_index=True)
    means = comparison.summary(metrics).set_index(["regime", "metric"])["mean"]
    out = []
    for r in diffs.itertuples(index=False):
        out.append(Finding(r.metric, r.level, r.baseline, float(means[(r.level, r.metric)]),
                           float(means[(r.baseline, r.metric)]), float(r.mean_diff), float(r.ci_low),
                           float(r.ci_high), float(r.p_holm), int(r.n_pairs), str(r.effect), r.improves))
    order = {m: i for i, m in enumerate(metrics)}
    preset = presets().get(comparison.preset) if comparison.preset else None
    first = preset.headline if preset else None  # the preset's regime is read first ("contracted out": contractors)
    return sorted(out, key=lambda f: (order.get(f.metric, 99), f.regime != first, comparison.regimes.index(f.regime)))


def intro(comparison: Comparison) -> str:
    """What was compared, how, and against whom: so a reader knows what the sentences below stand on."""
    run = comparison.run
    params = comparison.params
    units = params.get("n_units", sim.REGISTRY["n_units"].default)
    size = params.get("unit_size", sim.REGISTRY["unit_size"].default)
    size = size if isinstance(size, (list, tuple)) else (size, size)
    size_text = f"{size[0]}" if size[0] == size[1] else f"{size[0]}–{size[1]}"
    failed = len(comparison.failures)
    what = (f"Today's services (state departments, every lever at today's setting) against a package "
            f"({regime_noun(comparison.regimes[1])} with the levers set on the left)" if run.against_today
            else f"{len(comparison.regimes)} regimes")
    return (f"{what} over {run.years} year{'s' if run.years != 1 else ''} in a district "
            f"of {units} units of {size_text} adults, {run.replicates} paired runs each on the same random numbers "
            f"(seed {run.seed}). {comparison.reading.words} Differences are against "
            f"{regime_noun(comparison.baseline)}."
            + (f" {failed} run(s) failed and are left out." if failed else ""))


def why(comparison: Comparison, attribution: dict[str, pd.DataFrame] | None = None) -> list[str]:
    """What the model can say about why. With an attribution per regime (``explain.explain``): for each regime
    and headline metric, the mechanisms that carry its difference from the baseline; always: how the difference
    in public cost splits into its components (those that differ by at least a penny, largest first)."""
    lines = []
    if attribution:
        lines.append(f"Each regime against {regime_noun(comparison.baseline)}, its difference shared out over the "
                     "model's mechanisms (Shapley values over the same paired runs, outcome window and seeds as "
                     "above; a mechanism's basis is in brackets):")
        lines += why_sentences(attribution)
    costs = cost_components(comparison)
    base = comparison.baseline
    for regime in comparison.regimes:
        if regime == base:
            continue
        delta = costs.loc[regime] - costs.loc[base]
        total = float(delta.sum())
        if not math.isfinite(total):
            continue
        shown = delta[delta.abs() >= 0.005].sort_values(key=abs, ascending=False)
        parts = ", ".join(f"{name} {value_text(COST, float(v), signed=True)}" for name, v in shown.items())
        lines.append(f"Public cost of {regime_noun(regime)} against {regime_noun(base)}: "
                     f"{value_text(COST, total, signed=True)} per adult a month"
                     + (f", made of {parts}." if parts else "; no component differs by a penny."))
    if not attribution:
        lines.append("Which of the model's mechanisms carry these differences is not computed here: press "
                     "“Explain why” to attribute them.")
    return lines


#: What each mechanism switches on, in the words of a sentence ("most of it is <words>").
MECHANISM_WORDS = {
    "incentives": "owners' incentives (who gains from cutting cost or quality)",
    "governance": "how often users' voice reaches the service's design",
    "independent status": "surpluses they keep, insolvency and re-tendering",
    "contract terms": "the costs of tendering and monitoring contracts",
    "workforce": "wages, incentives and morale of staff",
    "kind levers": "self-audit, the quality mark, social investment and demutualisation",
    "user choice": "users switching provider, with money following them",
    "provider kind": "every difference between provider kinds",
    "participation audit": "the participation audit and its channels",
    "decentralisation": "local autonomy and capacity building",
    "recognised status": "the asset lock, local bonds, quality mark and federations",
    "guarantor": "self-audit and social investment",
    "re-let design": "how much of the incumbent's design a re-let contract keeps",
    "tender prices": "the prices competing bidders ask when a contract is re-let",
    "income": "fees, trading, grants and donations beyond the public payment",
    "co-production saving": "users' contributed time replacing paid staff time",
}

NOT_ATTRIBUTED = "not attributed"


def mechanism_words(name: str) -> str:
    """A mechanism in words with its basis: "surpluses they keep, ... (sourced)" or "(an assumption)"."""
    sourced, _basis = MECHANISM_BASIS.get(name, (False, ""))
    return f"{MECHANISM_WORDS.get(name, name)} ({'sourced' if sourced else 'an assumption'})"



@dataclass(frozen=True)
class Reason:
    """One regime's difference on one headline metric, split into its mechanisms' Shapley values."""

    regime: str
    metric: str
    total: float
    parts: list[tuple[str, float, float, float]]  # (mechanism, Shapley value, 95% low, 95% high), largest first
    not_attributed: float

    @property
    def sentence(self) -> str:
        """ "Mutuals, public cost per adult a month: +£2.63 in all; most of it (+£2.10, 95% CI ...) is surpluses
        they keep ... (sourced); then the rest". Every part that is not zero at the precision shown is named, so
        the numbers add up to the total up to rounding."""

        def money(x: float) -> str:
            return value_text(self.metric, x, signed=True)

        def seen(x: float) -> bool:  # anything but zero at the precision shown?
            return any(ch in "123456789" for ch in money(x))

        who = regime_noun(self.regime)
        noun = PHRASES.get(self.metric, (sim.METRICS[self.metric].description,))[0]
        head = f"{who[0].upper() + who[1:]}, {noun}: {money(self.total)} in all"
        shown = [part for part in self.parts if seen(part[1])]
        if not shown:
            return head + "; no mechanism moves it at the precision shown."
        (lead, value, low, high), rest = shown[0], shown[1:]
        same_sign = value * self.total > 0
        share = value / self.total if self.total else 0.0
        amount = ("more than all of it" if same_sign and share > 1 else "most of it" if same_sign and share > 0.5
                  else "the largest part")
        words = [f"{head}; {amount} ({money(value)}, 95% CI {money(low)} to {money(high)}) is "
                 f"{mechanism_words(lead)}"]
        words += [f"{money(v)} {mechanism_words(name)}" for name, v, _, _ in rest]
        if seen(self.not_attributed):
            words.append(f"{money(self.not_attributed)} carried by no named mechanism (noise)")
        return "; ".join(words) + "."


def reasons(attributions: dict[str, pd.DataFrame]) -> list[Reason]:
    """Per regime (in order) and headline metric: the Shapley values of its attribution, largest first."""
    out = []
    for regime, table in attributions.items():
        for metric in sim.HEADLINE_METRICS:
            rows = table[table["metric"] == metric].set_index("mechanism")
            if rows.empty:
                continue
            named = rows.drop(index=[NOT_ATTRIBUTED, "interaction", "total"], errors="ignore")
            parts = sorted(((name, float(r.shapley), float(r.shapley_low), float(r.shapley_high))
                            for name, r in named.iterrows()), key=lambda part: -abs(part[1]))
            out.append(Reason(regime, metric, float(rows.at["total", "shapley"]), parts,
                              float(rows.at[NOT_ATTRIBUTED, "shapley"])))
    return out


def why_sentences(attributions: dict[str, pd.DataFrame] | None) -> list[str]:
    return [reason.sentence for reason in reasons(attributions or {})]


def probability_sentences(comparison: Comparison) -> list[str]:
    """Each regime against the baseline on the headline claims, as probabilities: the share of paired runs in
    which it does better, with a 95% interval (``sim.verdict_probabilities``, the table the report's "The verdict
    as probabilities" reads; ODD §9 D-E5), for the levers set on the page."""
    table = sim.verdict_probabilities(comparison.result, sim.HEADLINE_METRICS)
    base = regime_noun(comparison.baseline)
    lines = []
    for regime, rows in table.groupby("challenger", sort=False):
        first = rows.iloc[0]
        runs = int(first["draws"] * first["assumptions"] * first["replicates"])
        over = (f"over {runs} paired runs, each at its own draw of the estimated parameters from the posterior"
                if first["draws"] > 1 else f"over {runs} paired runs")
        claims = []
        for row in rows.itertuples():
            phrase = PHRASES.get(row.metric)
            better = sim.METRICS[row.metric].better
            word = (phrase[1] if better == "higher" else phrase[2]) if phrase else f"better on {row.metric}"
            claims.append(f"{word}: {row.probability:.2f} [{row.low:.2f}, {row.high:.2f}]")
        who = regime_noun(regime)
        lines.append(f"Probability that {who} do better than {base} ({over}; 95% interval in brackets): "
                     + "; ".join(claims) + ".")
    return lines


def readout(comparison: Comparison, metrics: list[str] | None = None,
            attribution: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """The whole readout: an introduction, one sentence per finding, the claims' probabilities, and the why."""
    found = findings(comparison, metrics)
    return {"intro": intro(comparison), "findings": found, "sentences": [finding.sentence for finding in found],
            "probabilities": probability_sentences(comparison), "why": why(comparison, attribution)}
