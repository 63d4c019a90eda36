"""The report says in words what the numbers say: sweeps, sensitivity, scenario discovery and need shocks, each
on a stand-in model whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.report import write_report
from sim.experiments.runner import run_batch
from sim.experiments.schema import ScenarioError, scenario_from_dict
from sim.metrics_catalogue import METRIC_NAMES

from helpers import toy


def _frame(values: dict[str, float], steps: int, rng) -> pd.DataFrame:
    return pd.DataFrame({m: values.get(m, 0.5) + rng.normal(0, 0.001, steps + 1) for m in METRIC_NAMES})


def peaked_at_500(params, seed, steps):
    """Satisfaction peaks at 500 people per unit for mutuals; flat otherwise."""
    rng = np.random.default_rng(seed)
    size = params["unit_size"][0]
    bonus = 0.3 - 0.1 * abs(np.log(size / 500)) if params.get("regime") == "mutual" else 0.0
    return _frame({"satisfaction": 1.0 + bonus, "cost_per_capita": 200 + 1000 / size}, steps, rng)


def mutual_wins_when_cheap_to_take_part(params, seed, steps):
    rng = np.random.default_rng(seed)
    cost = params["participation_cost"]
    sat = {"state": 1.0, "privatised": 0.9, "mutual": 1.2 - 2.0 * cost}[params["regime"]]
    return _frame({"satisfaction": sat + 0.02 * params["voice_speed"]}, steps, rng)


def shocked(params, seed, steps):
    rng = np.random.default_rng(seed)
    recovery = {"state": 20.0, "mutual": 4.0}[params["regime"]]
    t = np.arange(steps + 1)
    resp = np.where(t < 30, 0.9, 0.9 - 0.1 * np.exp(-(t - 30) / recovery)) + rng.normal(0, 1e-5, steps + 1)
    frame = _frame({}, steps, rng)
    frame["responsiveness"] = resp
    return frame


def test_unit_size_sweep_finds_the_peak_and_answers_the_400_600_question(tmp_path):
    s = scenario_from_dict({
        "name": "sizes", "steps": 12, "replicates": 4, "seed": 1,
        "design": {"kind": "list", "conditions": [{"unit_size": u, "n_units": 10_000 // u}
                                                  for u in (50, 200, 500, 2000, 5000)],
                   "factors": {"regime": ["state", "mutual"]}},
        "analysis": {"metrics": ["satisfaction", "cost_per_capita"], "x": "unit_size"},
    })
    result = run_batch(s, out=tmp_path / "sizes", progress=False, run_fn=peaked_at_500)
    text = write_report(result).read_text()
    assert "## Along unit_size" in text and "(n_units moves with unit_size in this design.)" in text
    assert ("(regime = mutual) **satisfaction** (higher is better): best at unit_size = 500" in text
            and "The best size lies in 400–600." in text)
    assert "(regime = mutual) **cost_per_capita** (lower is better): best at unit_size = 5000" in text
    assert "**The 400–600 range is not among the best sizes.**" in text
    assert (tmp_path / "sizes" / "figures" / "curve_unit_size.svg").exists()
    assert "Mutuals are **cheaper** than state" not in text  # same cost function: no false claim
    best = pd.read_csv(tmp_path / "sizes" / "tables" / "best_levels.csv")
    assert set(best["metric"]) == {"satisfaction", "cost_per_capita"}


def test_morris_report_ranks_parameters_and_finds_where_mutuals_win(tmp_path):
    s = scenario_from_dict({
        "name": "screen", "steps": 6, "replicates": 1, "seed": 2,
        "design": {"kind": "morris", "samples": 12, "parameters": ["participation_cost", "voice_speed",
                                                                   "local_autonomy"],
                   "factors": {"regime": ["state", "privatised", "mutual"]}},
        "analysis": {"metrics": ["satisfaction"], "target": "satisfaction"},
    })
    result = run_batch(s, out=tmp_path / "screen", progress=False, run_fn=mutual_wins_when_cheap_to_take_part)
    text = write_report(result).read_text()
    assert "## Sensitivity (Morris screening)" in text
    mutual = next(line for line in text.splitlines() if line.startswith("- regime = mutual: satisfaction"))
    assert mutual.startswith("- regime = mutual: satisfaction is most sensitive to participation_cost (mu_star = 0.54")
    assert mutual.endswith("Negligible over its range: voice_speed, local_autonomy.")
    assert "## Where does each regime win?" in text
    # mutual wins where 1.2 - 2 c > 1.0, i.e. participation_cost < 0.1: between the Morris grid levels 0.03 and 0.12
    rule = next(line for line in text.splitlines() if line.startswith("- **mutual** wins where"))
    threshold = float(rule.split("participation_cost <= ")[1].split(":")[0].split(" ")[0])
    assert 0.03 <= threshold < 0.12, rule
    assert "cross-validated accuracy 100%" in text
    assert "state wins at" in text and "privatised wins" not in text
    for name in ("sensitivity_satisfaction", "discovery_satisfaction"):
        assert (tmp_path / "screen" / "figures" / f"{name}.png").exists()


def test_need_shock_report_measures_recovery(tmp_path):
    s = scenario_from_dict({
        "name": "shock", "steps": 60, "replicates": 5, "seed": 3, "params": {"need_shock_month": 30},
        "design": {"kind": "factorial", "factors": {"regime": ["state", "mutual"]}},
        "analysis": {"metrics": ["responsiveness"], "baseline": "state"},
    })
    result = run_batch(s, out=tmp_path / "shock", progress=False, run_fn=shocked)
    text = write_report(result).read_text()
    assert "## Responding to a shift in needs" in text
    table = pd.read_csv(tmp_path / "shock" / "tables" / "shock_response.csv")
    half = table.groupby("regime")["half_recovery"].median()
    assert half["state"] == 14 and half["mutual"] == 3  # ln 2 x 20 = 13.9, ln 2 x 4 = 2.8 months
    assert "- mutual:" in text and "clearly smaller" in text


def test_a_comparison_reports_each_regimes_recovery_half_life_from_runs_beside_it(tmp_path):
    """ODD §9 D-Q2: with ``[recovery]`` each regime of a comparison runs again on the batch's seeds with needs
    shifting once, and the report gives each regime's half-life with its interval and paired against the
    baseline. The comparison's own runs have no shift (the batch's fingerprint ignores the section), and a shift
    outside the run is refused, naming the field."""
    spec = {"name": "compare_shock", "steps": 48, "replicates": 2, "seed": 5,
            "params": {"n_units": 4, "unit_size": [100, 120], "sectors": ["leisure"]},
            "design": {"kind": "factorial", "factors": {"regime": ["state", "privatised", "mutual"]}},
            "analysis": {"metrics": ["responsiveness"], "baseline": "state", "compare": "regime"},
            "recovery": {"replicates": 3, "shock_month": 24, "share": 1.0}}
    s = scenario_from_dict(spec)
    assert s.fingerprint() == scenario_from_dict({k: v for k, v in spec.items() if k != "recovery"}).fingerprint()
    result = run_batch(s, out=tmp_path / "compare", progress=False, run_fn=toy)
    text = write_report(result).read_text()
    assert "## How fast each regime follows a shift in needs" in text and "half-life (months)" in text
    runs = pd.read_csv(tmp_path / "compare" / "tables" / "recovery.csv")
    assert sorted(runs["regime"].unique()) == ["mutual", "privatised", "state"] and len(runs) == 9
    assert (runs["drop"] > 0).all()  # the shift took every regime's services away from what people want
    assert "paired on replicate" in text and "- private contractors:" in text
    with pytest.raises(ScenarioError, match="recovery.shock_month: 48 is not within the run"):
        scenario_from_dict({**spec, "recovery": {"shock_month": 48}})


def still_falling_under_mutuals(params, seed, steps):
    rng = np.random.default_rng(seed)
    frame = _frame({}, steps, rng)
    if params["regime"] == "mutual":
        frame["satisfaction"] = 1.0 - 0.004 * np.arange(steps + 1) + rng.normal(0, 0.001, steps + 1)
    return frame


def test_the_report_warns_when_a_metric_still_moves_over_its_outcome_window(tmp_path):
    s = scenario_from_dict({
        "name": "drifting", "steps": 48, "replicates": 5, "seed": 1,
        "design": {"kind": "factorial", "factors": {"regime": ["state", "mutual"]}},
        "analysis": {"metrics": ["satisfaction", "cost_per_capita"], "window": 24},
    })
    result = run_batch(s, out=tmp_path / "drifting", progress=False, run_fn=still_falling_under_mutuals)
    text = write_report(result).read_text()
    assert "## Steady state" in text and "after a burn-in of 24 months" in text
    assert "**Warning: 1 metric–condition pair still moves" in text
    drift = pd.read_csv(tmp_path / "drifting" / "tables" / "drift.csv")
    assert drift["drifting"].sum() == 1
    # the numbers are the drift table's (their digits depend on the stand-in's draws, one stream per metric)
    from sim.experiments.formatting import num

    moving = drift[drift["drifting"]].iloc[0]
    assert (moving["metric"], moving["regime"]) == ("satisfaction", "mutual") and moving["change"] < 0
    assert (f"- satisfaction (regime = mutual): {num(moving['change'], signed=True)} over the window (level "
            f"{num(moving['scale'])}; p < 0.001)") in text


def tendered_and_profitable(params, seed, steps):
    """Contractors cost 3 more in tendering and 5 more in surpluses; provision is the same for every regime."""
    rng = np.random.default_rng(seed)
    extra = {"tendering": 3.0, "surpluses": 5.0} if params["regime"] == "privatised" else {}
    parts = {"cost_provision": 150.0, "cost_management_overhead": 12.0, "cost_tendering": extra.get("tendering", 0.0),
             "cost_surpluses": extra.get("surpluses", -1.0)}
    frame = _frame({}, steps, rng)
    for c in [m for m in METRIC_NAMES if m.startswith("cost_") and m != "cost_per_capita"]:
        frame[c] = parts.get(c, 0.0)
    frame["cost_per_capita"] = frame[[m for m in METRIC_NAMES if m.startswith("cost_") and m != "cost_per_capita"]].sum(axis=1)
    return frame


def cost_scenario(name: str, other_regime: str, replicates: int):
    """Two years of one regime against state departments, read for public cost over the second."""
    return scenario_from_dict({
        "name": name, "steps": 24, "replicates": replicates, "seed": 1,
        "design": {"kind": "factorial", "factors": {"regime": [other_regime, "state"]}},
        "analysis": {"metrics": ["cost_per_capita"], "window": 12, "compare": "regime", "baseline": "state"},
    })


def test_the_report_takes_public_cost_apart_by_component(tmp_path):
    s = cost_scenario("components", "privatised", replicates=3)
    result = run_batch(s, out=tmp_path / "components", progress=False, run_fn=tendered_and_profitable)
    text = write_report(result).read_text()
    assert "## Where the money goes" in text
    assert "| component | state | privatised |" in text  # the baseline first: differences are from it
    assert "| tendering | 0 | 3 |" in text and "| surpluses | -1 | 5 |" in text
    assert "| inspection |" not in text  # zero in every column: left out
    table = pd.read_csv(tmp_path / "components" / "tables" / "cost_components.csv", index_col=0)
    parts = table.drop(columns="cost_per_capita").sum(axis=1)
    assert np.allclose(parts, table["cost_per_capita"])
    assert table.loc["privatised", "cost_per_capita"] - table.loc["state", "cost_per_capita"] == pytest.approx(9.0, abs=0.05)
    assert (tmp_path / "components" / "figures" / "cost_components.png").exists()


def borrowing_mutuals(params, seed, steps):
    """Mutuals raise £4 of social finance per adult a month and pay £1.50 of interest on it (ODD §7.8, D-K7)."""
    frame = tendered_and_profitable(params, seed, steps)
    borrowing = params["regime"] == "mutual"
    frame["social_finance_per_capita"] = 4.0 if borrowing else 0.0
    frame["social_finance_interest_per_capita"] = 1.5 if borrowing else 0.0
    return frame


def test_where_the_money_goes_shows_social_finance_as_memo_rows_outside_the_public_cost(tmp_path):
    s = cost_scenario("finance", "mutual", replicates=2)
    text = write_report(run_batch(s, out=tmp_path / "finance", progress=False, run_fn=borrowing_mutuals)).read_text()
    assert "| memo: social finance raised (owed, not public money) | 0 | 4 |" in text
    assert "| memo: interest providers paid on it | 0 | 1.5 |" in text
    table = pd.read_csv(tmp_path / "finance" / "tables" / "cost_components.csv", index_col=0)
    assert "social_finance_per_capita" not in table.columns  # not a component of the public cost


def mutuals_with_levers_take_part_more(params, seed, steps):
    rng = np.random.default_rng(seed)
    luck = rng.normal(0, 0.01)
    rate = 0.2 + luck + (0.1 if params["regime"] == "mutual" else 0.0)
    frame = _frame({}, steps, rng)
    frame["participation_rate"] = rate
    return frame


def test_a_list_design_whose_conditions_set_levers_with_the_regime_is_paired_on_replicate(tmp_path):
    """the_proposal.toml's shape: the mutual condition also sets levers. Those columns move with the regime, so
    they are not blocks: the claim and the comparisons pair state and mutual run for run."""
    s = scenario_from_dict({
        "name": "package", "steps": 12, "replicates": 4, "seed": 2,
        "design": {"kind": "list", "conditions": [{"regime": "state"},
                                                  {"regime": "mutual", "local_autonomy": 0.8, "quality_mark": True}]},
        "analysis": {"metrics": ["participation_rate"], "window": 6, "compare": "regime", "baseline": "state"},
    })
    result = run_batch(s, out=tmp_path / "package", progress=False, run_fn=mutuals_with_levers_take_part_more)
    text = write_report(result).read_text()
    assert "cannot be tested" not in text
    assert "Mutuals are **more participatory** than state: participation_rate differs by +0.1 " in text
    assert "| metric | state | mutual |" in text or "| regime |" in text  # conditions named by the regime alone
    assert "**mutual vs state.** Clearly better on participation_rate" in text


def test_scenario_text_is_escaped_in_the_report(tmp_path):
    s = scenario_from_dict({"name": "esc", "steps": 6, "replicates": 3, "seed": 2,
                            "description": "<script>alert('x')</script>\n# Not a heading\n"
                                           "[click](javascript:alert(1)) <!-- hidden --> **bold** `code`"})
    result = run_batch(s, out=tmp_path / "r", progress=False, run_fn=toy)
    text = write_report(result).read_text()
    for raw in ("<script", "<!--", "[click](", "\n# Not", "**bold**"):
        assert raw not in text, raw
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text and "\\# Not a heading" in text


def mutual_a_little_dearer(params, seed, steps):
    """Mutuals cost a little more than the others, by an amount that the noise makes borderline; every other
    metric is the same for all regimes (many comparisons, few of them real)."""
    rng = np.random.default_rng(seed)
    extra = {"state": 0.0, "privatised": 0.0, "mutual": 0.004}[params["regime"]]
    frame = _frame({}, steps, np.random.default_rng(seed + 1))
    frame["cost_per_capita"] = 100.0 + extra + rng.normal(0, 0.004, steps + 1).mean() + np.zeros(steps + 1)
    return frame


def test_the_claim_and_what_differs_are_one_family_of_tests(tmp_path):
    """The same difference (mutual against state in cost) gets the same Holm-adjusted p-value and the same
    verdict in the claim and in "What differs": both sections adjust over one family, counted once."""
    import re

    from sim.experiments.family import TestFamily, test_key

    s = scenario_from_dict({
        "name": "family", "steps": 6, "replicates": 8, "seed": 3,
        "design": {"kind": "factorial", "factors": {"regime": ["state", "privatised", "mutual"]}},
        "analysis": {"metrics": ["participation_rate", "cost_per_capita", "responsiveness", "satisfaction"],
                     "baseline": "state"},
    })
    result = run_batch(s, out=tmp_path / "family", progress=False, run_fn=mutual_a_little_dearer)
    text = write_report(result).read_text()
    claim = text[text.index("## The claim"):text.index("## What differs")]
    differs = text[text.index("## What differs"):]
    size = int(re.search(r"Holm-adjusted over the (\d+) tests of this report", claim).group(1))
    assert f"over the {size} tests of this report" in differs, "one family, named the same in both sections"
    # 3 claim metrics x 2 others + 4 metrics x 2 levels against state, of which 3 pairs are shared
    assert size == 3 * 2 + 4 * 2 - 3
    comparisons = pd.read_csv(tmp_path / "family" / "tables" / "comparisons.csv")
    row = comparisons[(comparisons["metric"] == "cost_per_capita") & (comparisons["level"] == "mutual")].iloc[0]
    line = next(x for x in claim.splitlines() if "than state" in x and "cost_per_capita" in x)
    p_in_claim = re.search(r"p (?:=|<) ([0-9.e-]+) Holm-adjusted", line).group(1)
    from sim.experiments.formatting import pval
    assert pval(row["p_holm"]) in line and p_in_claim, "the claim quotes the p-value What differs stored"
    family = TestFamily([(test_key("m", "a", "b"), 0.01), (test_key("m", "b", "a"), 0.01),
                         (test_key("m", "a", "c"), 0.02)])
    assert family.size == 2, "a test added twice (either way round) counts once"
    assert family.adjusted(test_key("m", "b", "a")) == pytest.approx(0.02)


def test_a_verdict_that_is_not_clear_says_so_beside_an_interval_that_excludes_zero():
    """The words follow the adjusted test: an unadjusted interval that excludes zero beside "not detectably"
    is explained, never left to contradict it."""
    from sim.experiments.family import interval_words

    assert "excludes zero" in interval_words(0.1, 0.3, 0.2, 14)
    assert interval_words(0.1, 0.3, 0.01, 14) == "", "clear: nothing to explain"
    assert interval_words(-0.1, 0.3, 0.2, 14) == "", "the interval holds zero: nothing to explain"


def test_the_waterfall_draws_the_shapley_values_with_their_intervals():
    """The report's waterfall shows what its sentences say: Shapley values (no interaction bar), each with an
    interval, ending at the total."""
    from sim import plots

    table = pd.DataFrame({
        "mechanism": ["incentives", "governance", "not attributed", "interaction", "total"],
        "metric": "cost_per_capita",
        "contribution": [1.0, -0.5, 0.1, 2.0, 2.6], "low": [0.8, -0.7, -0.1, 1.5, 2.2],
        "high": [1.2, -0.3, 0.3, 2.5, 3.0],
        "shapley": [2.2, 0.3, 0.1, 0.0, 2.6], "shapley_low": [1.9, 0.1, -0.1, 0.0, 2.2],
        "shapley_high": [2.5, 0.5, 0.3, 0.0, 3.0]})
    fig = plots.waterfall(table, "cost_per_capita")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["not attributed", "incentives", "governance", "total"]
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [0.1, 2.2, 0.3, 2.6], "Shapley values, not main effects"
    assert len(ax.containers) >= 4 and sum(1 for c in ax.containers if type(c).__name__ == "ErrorbarContainer") == 4
    written = {t.get_text() for t in ax.texts}
    assert {"+2.2", "+0.3", "+2.6"} <= written, "values written on the bars (readable in grey)"
