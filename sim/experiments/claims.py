"""The report's verdicts on the regimes, in words: Mayo & Moore's claim tested mutual against each other regime,
what the kinds differ by and what each difference rests on, and why the regimes differ (the attribution of
each difference to mechanisms, ``sim.attribute_differences``).
"""

from __future__ import annotations

import contextvars
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import plots
from ..metrics_catalogue import METRICS
from ..parameters import defaults
from ..proposal import LEVER_SETTINGS, PROPOSAL_REGIME
from ..regimes import regime_noun
from .analysis import PairedTest, paired_test, tied_to
from .attribution import attribute_differences
from .family import TestFamily, TestKey, interval_words, test_key
from .formatting import ci_text, figure_markdown, md_table, money, num, pval
from .mechanisms import KIND_MECHANISMS, MECHANISM_BASIS, resolve_mechanisms
from .results import BatchResult
from .schema import Attribution
from .sections import ALPHA, condition_columns
from .store import model_fingerprint

#: whether the attribution's runs show a progress bar (``write_report(progress=...)``; the CLI's --quiet)
ATTRIBUTION_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("report_progress", default=True)

CLAIM = [("participation_rate", "more participatory", "less participatory"),
         ("cost_per_capita", "cheaper", "dearer"),
         ("responsiveness", "more responsive", "less responsive")]


def attribution_explains(attribution: Attribution | None, metric: str, other: str) -> bool:
    """Does the scenario's attribution take apart mutual − ``other`` in ``metric``? Only then can a verdict of
    the claim say which mechanism carries it."""
    return (attribution is not None and other == attribution.baseline and metric in attribution.metrics
            and (not attribution.regimes or PROPOSAL_REGIME in attribution.regimes))


def claim_basis(table: pd.DataFrame, metric: str) -> str:
    """The words a clear verdict ends with: the difference the attribution table takes apart in ``metric``, which
    mechanism carries it (the largest Shapley value, with its share), and whether a source or an assumption
    supports it.

    Empty when the table says nothing about it (no mechanism, or no difference to share out).
    """
    rows = table[table["metric"] == metric].set_index("mechanism")
    parts = rows.drop(index=["total", "interaction", "not attributed"], errors="ignore")["shapley"]
    total = float(rows.loc["total", "contribution"]) if "total" in rows.index else math.nan
    if parts.empty or total == 0 or not math.isfinite(total):
        return ""
    lead = parts.abs().idxmax()
    share = float(parts[lead]) / total
    sourced, _ = MECHANISM_BASIS.get(lead, (False, ""))
    # The attribution runs at the scenario's parameters, not over a design's draws, so its difference can differ
    # from the pooled one above, even in sign: the sentence says which difference it takes apart.
    return (f" In the attribution's runs (the scenario's parameters, no design draws) the difference is "
            f"{num(total, signed=True)}, carried mostly by **{lead}** ({share:.0%} of it, Shapley): "
            + ("sourced." if sourced else "**an assumption**, so this verdict is conditional on it."))


def _verdict_basis(result: BatchResult, tabdir: Path, metric: str, other: str) -> str:
    """:func:`claim_basis` for mutual − ``other`` where the scenario attributes it; never fails the claim."""
    if not attribution_explains(result.scenario.attribution, metric, other):
        return ""
    try:
        table = attribution_table(result, PROPOSAL_REGIME, tabdir)
    except Exception:  # the claim must not be lost to an attribution failure; its section says what went wrong
        return ""
    return claim_basis(table, metric)


@dataclass(frozen=True)
class ClaimTest:
    """Mutual against ``other`` on one of the claim's metrics, pooled over the design's other factors."""

    metric: str
    other: str
    test: PairedTest
    key: TestKey


def claim_tests(result: BatchResult, table: pd.DataFrame) -> list[ClaimTest]:
    """The claim's paired tests (unadjusted): each of its metrics, mutual against each other regime, pooled over
    the factors that do not move with the regime (matched on them and on the replicate)."""
    levels = list(dict.fromkeys(table["regime"])) if "regime" in table.columns else []
    if PROPOSAL_REGIME not in levels or len(levels) < 2:
        return []
    others = [lv for lv in levels if lv != PROPOSAL_REGIME]
    pool = claim_pool(result, table)
    keys = ["replicate"] + (["point"] if "point" in table.columns else []) + pool
    block = {column: "(all)" for column in pool}
    tests = []
    for metric, _, _ in CLAIM:
        if metric not in table.columns:
            continue
        wide = table.pivot_table(index=keys, columns="regime", values=metric, aggfunc="first")
        for other in others:
            if other in wide.columns and PROPOSAL_REGIME in wide.columns:
                tests.append(ClaimTest(metric, other, paired_test(wide[PROPOSAL_REGIME].to_numpy(),
                                                                  wide[other].to_numpy()),
                                       test_key(metric, PROPOSAL_REGIME, other, block)))
    return tests


def claim_pool(result: BatchResult, table: pd.DataFrame) -> list[str]:
    """The factors the claim pools over: every condition but the regime and what moves with it."""
    pool = [c for c in condition_columns(result) if c != "regime"]
    return [c for c in pool if c not in tied_to(table, "regime", pool)]


def claim_section(result: BatchResult, table: pd.DataFrame, tabdir: Path, family: TestFamily | None = None,
                  tests: list[ClaimTest] | None = None) -> list[str]:
    """Mayo & Moore's claim in its own words: mutuals are more participatory, cheaper and more responsive; where
    the scenario attributes the differences, each clear verdict says which mechanism carries it. ``family``: the
    report's one family of tests (``family.TestFamily``), by default the claim's tests alone."""
    tests = claim_tests(result, table) if tests is None else tests
    if not tests:
        return []
    family = family if family is not None else TestFamily((t.key, t.test.p) for t in tests)
    pool = claim_pool(result, table)
    over = " (pooled over " + ", ".join(pool) + ")" if pool else ""
    lines = ["## The claim", "",
             f"Mayo & Moore (2001) claim that mutuals are more participatory, cheaper and more responsive. Mutual "
             f"against each other regime, paired on common random numbers{over}; p-values are Holm-adjusted over "
             f"the {family.size} tests of this report (these and those of \"What differs\" below, one family), so "
             f"a difference reads the same in both sections:", ""]
    words = {m: (good, bad) for m, good, bad in CLAIM}
    for claim in tests:
        metric, other, res = claim.metric, claim.other, claim.test
        p = family.adjusted(claim.key)
        good, bad = words[metric]
        better = METRICS[metric].better
        if not math.isfinite(res.mean_diff) or res.n < 2:
            lines.append(f"- Mutuals against {other}: {metric} cannot be tested ({res.n} pairs).")
            continue
        if p < ALPHA:
            improves = (res.mean_diff > 0) == (better == "higher")
            verdict = f"**{good if improves else bad}** than {other}"
        else:
            verdict = f"not detectably {good} than {other}"
        basis = _verdict_basis(result, tabdir, metric, other) if p < ALPHA else ""
        caveat = interval_words(res.low, res.high, p, family.size)
        lines.append(f"- Mutuals are {verdict}: {metric} differs by "
                     f"{ci_text(res.mean_diff, res.low, res.high, signed=True)} (95% CI; {pval(p)} Holm-adjusted, "
                     f"d_z = {num(res.d_z)}, {res.n} pairs)" + (f"; {caveat}" if caveat else "") + f".{basis}")
    return lines + [""] + kind_differences_note(result)


def kind_differences_note(result: BatchResult) -> list[str]:
    """What makes the kinds differ in this scenario, and what each difference rests on (ODD §2.4)."""
    params = {**defaults(), **result.scenario.params}
    active = resolve_mechanisms(None, params)
    varied = [n for n, names in KIND_MECHANISMS.items() if set(names) & set(result.scenario.varied)]
    lines = ["The kinds differ here only through these mechanisms (every other kind difference is neutral, "
             "ODD §2.4):", ""]
    for name in dict.fromkeys(list(active) + varied):
        sourced, basis = MECHANISM_BASIS[name]
        lines.append(f"- **{name}** — {'sourced' if sourced else '**assumption**'}: {basis}.")
    if any(not MECHANISM_BASIS[n][0] for n in dict.fromkeys(list(active) + varied)):
        lines += ["", "A verdict above that comes from a mechanism marked as an assumption is conditional on it; "
                  "\"Why the regimes differ\" (where the scenario asks for it) says how much of each difference "
                  "each mechanism makes."]
    return lines


def attribution_table(result: BatchResult, regime: str, tabdir: Path) -> pd.DataFrame:
    """sim.attribute_differences for one regime, cached in tables/ by scenario, settings and model code."""
    scenario, attribution = result.scenario, result.scenario.attribution
    key = {"scenario": scenario.fingerprint(), "attribution": attribution.model_dump(mode="json"), "regime": regime,
           "model": model_fingerprint(), "window": scenario.window}
    csv, meta = tabdir / f"attribution_{regime}.csv", tabdir / f"attribution_{regime}.json"
    if csv.exists() and meta.exists() and json.loads(meta.read_text()) == key:
        return pd.read_csv(csv)
    table = attribute_differences(baseline=attribution.baseline, regime=regime, replicates=attribution.replicates,
                                  steps=attribution.steps or scenario.steps, rng=scenario.seed, mechanisms=attribution.mechanisms, window=scenario.window,
                                  metrics=attribution.metrics, progress=ATTRIBUTION_PROGRESS.get(), **{**scenario.params, **attribution.params})
    table.to_csv(csv, index=False)
    meta.write_text(json.dumps(key, sort_keys=True))
    return table


def attribution_sentence(table: pd.DataFrame, metric: str, regime: str, baseline: str) -> str:
    """One regime pair in words: the total difference and what it is made of."""
    rows = table[table["metric"] == metric].set_index("mechanism")
    total = rows.loc["total"]
    who, than = regime_noun(regime).capitalize(), regime_noun(baseline)
    # Shapley values (interactions shared out), as in the table and the waterfall.
    parts = rows.drop(index=["total", "interaction"]).assign(contribution=lambda f: f["shapley"])
    parts = parts[parts["contribution"].abs() > 1e-9].sort_values("contribution", key=abs, ascending=False)
    in_pounds = metric in ("cost_per_capita", "total_cost_per_capita")
    if in_pounds:
        head = (f"{who} cost {money(total['contribution'])} {'more' if total['contribution'] > 0 else 'less'} per "
                f"adult a month than {than} (95% CI {num(total['low'], signed=True)} to "
                f"{num(total['high'], signed=True)})")
    else:
        head = (f"{who} differ from {than} by {num(total['contribution'], signed=True)} in {metric} (95% CI "
                f"{num(total['low'], signed=True)} to {num(total['high'], signed=True)})")
    if parts.empty:
        return head + "; no mechanism contributes."
    pieces = []
    for name, row in parts.head(4).iterrows():
        if in_pounds:
            pieces.append(f"{money(row['contribution'])} {'more' if row['contribution'] > 0 else 'less'} from {name}")
        else:
            pieces.append(f"{num(row['contribution'], signed=True)} from {name}")
    lead = parts.index[0]
    sourced, basis = MECHANISM_BASIS.get(lead, (False, "a named set of parameters"))
    caveat = (f" The largest part, {lead}, rests on {basis}." if sourced else
              f" The largest part, {lead}, rests on an assumption without a source ({basis}): read it as "
              f"conditional on that assumption.") if lead != "not attributed" else ""
    return head + "; of it (interactions shared equally), " + ", ".join(pieces) + "." + caveat


def why_regimes_differ(result: BatchResult, figdir: Path, tabdir: Path, out: Path) -> list[str]:
    """Section "Why the regimes differ": per regime, a table of Shapley values with intervals, a sentence per
    headline metric, and a waterfall figure per metric of the same values."""
    scenario, attribution = result.scenario, result.scenario.attribution
    levels = list(scenario.design.factors.get("regime", [])) + [c["regime"] for c in scenario.design.conditions if "regime" in c]
    regimes = attribution.regimes or [r for r in dict.fromkeys(levels) if r != attribution.baseline]
    levers = [m for m in (attribution.mechanisms or []) if m in LEVER_SETTINGS]
    what = (f"the named mechanisms — the provider kind (every kind difference together, off in the null model "
            f"`sim.neutral_kinds()`) and the proposal's levers ({', '.join(levers)}; off = the setting in force "
            f"today) —" if levers else
            "the mechanisms that make the kinds differ, from the null model in which the kinds behave alike "
            "(`sim.neutral_kinds()`),")
    lines = ["## Why the regimes differ", "",
             f"Each difference against {regime_noun(attribution.baseline)} is taken apart by switching "
             f"{what} on one at a time and in every combination, on {attribution.replicates} "
             f"common-random-number replicates (`sim.attribute_differences`; ODD §9 D-N5). A mechanism's part is "
             f"its Shapley value: its effect switched on, averaged over every order of switching the others on, so "
             f"that what mechanisms do together is shared out equally; `not attributed` is what remains with every "
             f"named mechanism off; the parts add up to the total. The sentences, the table and the waterfalls "
             f"show the same Shapley values, with 95% intervals (bootstraps over replicates). Each mechanism's "
             f"main effect (switched on alone) and the interaction beyond their sum are in "
             f"`tables/attribution_<regime>.csv` (`contribution`, `low`, `high`)."]
    if not regimes:
        return lines + ["", "No regime to explain: the design has a single regime."]
    for regime in regimes:
        try:
            table = attribution_table(result, regime, tabdir)
        except Exception as e:  # the batch's report must not be lost to an attribution failure
            lines += ["", f"{regime_noun(regime).capitalize()}: not attributed ({type(e).__name__}: {e})."]
            continue
        lines += ["", f"### {regime_noun(regime).capitalize()} against "
                      f"{regime_noun(attribution.baseline)}", ""]
        lines += [f"- {attribution_sentence(table, m, regime, attribution.baseline)}" for m in attribution.metrics
                  if m in set(table["metric"])]
        shapley = table[table["mechanism"] != "interaction"]  # its Shapley value is zero by construction
        wide = shapley.assign(cell=[ci_text(c, lo, hi, signed=True) for c, lo, hi in
                                    zip(shapley["shapley"], shapley["shapley_low"], shapley["shapley_high"],
                                        strict=True)])
        wide = wide.pivot(index="mechanism", columns="metric", values="cell")
        order = [m for m in shapley["mechanism"].drop_duplicates()]
        wide = wide.reindex(order)[[m for m in attribution.metrics if m in wide.columns]].reset_index()
        lines += [""] + md_table(wide)
        for metric in attribution.metrics:
            if metric not in set(table["metric"]):
                continue
            fig = plots.waterfall(table, metric, title=f"{metric}: {regime} - {attribution.baseline}")
            lines += ["", figure_markdown(plots.save(fig, figdir / f"why_{regime}_{metric}"), out,
                                  f"Why {regime_noun(regime)} differ from "
                                  f"{regime_noun(attribution.baseline)} in {metric}")]
    return lines
