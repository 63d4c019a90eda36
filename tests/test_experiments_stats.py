"""Statistics checked against known answers: textbook intervals and tests, Holm's adjustment, Sobol' indices of
the Ishigami function, Morris effects of a linear function, and a decision tree that must find a known
boundary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiments.analysis import (
    effect_label,
    holm,
    mean_ci,
    paired_comparisons,
    paired_test,
    shock_response,
    summarise,
)
from sim.experiments.discovery import where_each_wins
from sim.experiments.runner import run_batch
from sim.experiments.schema import scenario_from_dict
from sim.experiments.sensitivity import analyse
from sim.metrics_catalogue import METRIC_NAMES

# Three registry parameters whose allowed range holds [-1, 1]: stand-ins for x1, x2, x3 of test functions.
X1, X2, X3 = "need_shock_size", "health.outside_option", "recycling.outside_option"


def _frame(y: float, steps: int) -> pd.DataFrame:
    return pd.DataFrame({m: np.full(steps + 1, y) for m in METRIC_NAMES})


def ishigami(params, seed, steps):
    x1, x2, x3 = (math.pi * params[k] for k in (X1, X2, X3))
    return _frame(math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1), steps)


def linear(params, seed, steps):
    return _frame(2.0 * params[X1] + 0.5 * params[X2] + 0.0 * params[X3], steps)


def test_mean_ci_textbook():
    ci = mean_ci([1, 2, 3, 4, 5])
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) * s / sqrt(n)
    assert ci.n == 5 and ci.mean == 3 and ci.sd == pytest.approx(math.sqrt(2.5))
    assert (ci.low, ci.high) == pytest.approx((3 - half, 3 + half))
    assert math.isnan(mean_ci([1.0]).low) and mean_ci([]).n == 0


def test_confidence_intervals_cover_95_percent():
    rng = np.random.default_rng(0)
    samples = rng.normal(10, 3, size=(4000, 8))
    cis = [mean_ci(s) for s in samples]
    coverage = np.mean([c.low <= 10 <= c.high for c in cis])
    assert 0.935 <= coverage <= 0.965


def test_paired_test_matches_scipy_and_defines_d_z():
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 30)
    b = a + 0.5 + rng.normal(0, 0.5, 30)
    res = paired_test(b, a)
    ref = stats.ttest_rel(b, a)
    d = b - a
    assert res.n == 30
    assert res.t == pytest.approx(ref.statistic) and res.p == pytest.approx(ref.pvalue)
    assert res.p_wilcoxon == pytest.approx(stats.wilcoxon(d).pvalue)
    assert res.d_z == pytest.approx(d.mean() / d.std(ddof=1))
    lo, hi = stats.t.interval(0.95, 29, loc=d.mean(), scale=stats.sem(d))
    assert (res.low, res.high) == pytest.approx((lo, hi))


def test_paired_test_degenerate_cases():
    same = paired_test([1, 2, 3], [1, 2, 3])
    assert same.p == 1.0 and same.d_z == 0.0
    shifted = paired_test([2, 3, 4], [1, 2, 3])
    assert shifted.p == 0.0 and shifted.mean_diff == 1.0
    assert paired_test([1.0], [2.0]).n == 1 and math.isnan(paired_test([1.0], [2.0]).p)


def test_holm_known_answer():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm([0.5, float("nan"), 0.01])
    assert out[0] == pytest.approx(0.5) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert [effect_label(x) for x in (0.1, -0.3, 0.6, 2.0)] == ["negligible", "small", "medium", "large"]


def test_paired_comparisons_pair_on_replicate_within_blocks():
    rng = np.random.default_rng(2)
    rows = []
    for block in ("a", "b"):
        for rep in range(12):
            luck = rng.normal(0, 5)  # shared by both regimes: common random numbers
            shift = 1.0 if block == "a" else 0.0
            rows.append({"block": block, "replicate": rep, "regime": "state", "satisfaction": luck})
            rows.append({"block": block, "replicate": rep, "regime": "mutual",
                         "satisfaction": luck + shift + rng.normal(0, 0.1)})
    table = pd.DataFrame(rows)
    comp = paired_comparisons(table, "regime", ["satisfaction"], baseline="state", blocks=["block"])
    a, b = comp.set_index("block").loc["a"], comp.set_index("block").loc["b"]
    assert a.n_pairs == 12 and a.ci_low < 1.0 < a.ci_high and a.p_holm < 1e-6 and a.improves
    assert b.ci_low < 0 < b.ci_high and b.p_holm > 0.05
    # unpaired, the shared luck (sd 5) would hide a difference of 1
    assert stats.ttest_ind(table.query("block=='a' and regime=='mutual'").satisfaction,
                           table.query("block=='a' and regime=='state'").satisfaction).pvalue > 0.05
    s = summarise(table, ["block", "regime"], ["satisfaction"])
    assert len(s) == 4 and (s["n"] == 12).all()


def test_shock_response_on_a_known_path():
    steps = np.arange(0, 40)
    y = np.where(steps < 20, 0.9, 0.9 - 0.2 * np.exp(-(steps - 20) / 4.0))  # falls 0.2 at month 20, recovers
    ts = pd.DataFrame({"run_id": 0, "step": steps, "responsiveness": y})
    r = shock_response(ts, 20, "responsiveness").iloc[0]
    assert r["drop"] == pytest.approx(0.2)
    assert r["half_recovery"] == 3.0  # exp(-t/4) <= 0.5 first at t = 3 (4 ln 2 = 2.77)
    assert r["loss"] == pytest.approx(0.2 * np.exp(-np.arange(20) / 4.0).sum())


def test_sobol_indices_of_the_ishigami_function():
    s = scenario_from_dict({
        "name": "ishigami", "steps": 1, "replicates": 1, "seed": 3,
        "design": {"kind": "sobol", "samples": 512, "parameters": [X1, X2, X3],
                   "ranges": {X1: [-1, 1], X2: [-1, 1], X3: [-1, 1]}},
    })
    result = run_batch(s, save=False, progress=False, run_fn=ishigami)
    t = analyse(result, "satisfaction", window=1).table.set_index("parameter")
    # Analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008)
    assert t.loc[X1, "S1"] == pytest.approx(0.3139, abs=0.08)
    assert t.loc[X2, "S1"] == pytest.approx(0.4424, abs=0.08)
    assert t.loc[X3, "S1"] == pytest.approx(0.0, abs=0.08)
    assert t.loc[X1, "ST"] == pytest.approx(0.5576, abs=0.08)
    assert t.loc[X2, "ST"] == pytest.approx(0.4424, abs=0.08)
    assert t.loc[X3, "ST"] == pytest.approx(0.2437, abs=0.08)


def test_morris_effects_of_a_linear_function():
    s = scenario_from_dict({
        "name": "linear", "steps": 1, "replicates": 2, "seed": 4,
        "design": {"kind": "morris", "samples": 6, "parameters": [X1, X2, X3],
                   "ranges": {X1: [-1, 1], X2: [-1, 1], X3: [-1, 1]}, "factors": {"regime": ["state", "mutual"]}},
    })
    result = run_batch(s, save=False, progress=False, run_fn=linear)
    sr = analyse(result, "satisfaction", window=1)
    assert sr.groups == ["regime"] and len(sr.table) == 6
    for _, g in sr.table.groupby("regime"):
        g = g.set_index("parameter")
        # an elementary effect is the change in y per unit of the normalised input: coefficient x range width
        assert g.loc[X1, "mu_star"] == pytest.approx(4.0)
        assert g.loc[X2, "mu_star"] == pytest.approx(1.0)
        assert g.loc[X3, "mu_star"] == pytest.approx(0.0, abs=1e-12)
        assert (g["sigma"] < 1e-9).all(), "a linear function has no interactions"


def test_decision_tree_finds_a_known_boundary():
    rng = np.random.default_rng(5)
    rows = []
    for point in range(200):
        x, z = rng.uniform(0, 1), rng.uniform(0, 1)  # z is irrelevant
        for rep in range(2):
            rows.append({"point": point, "replicate": rep, "regime": "mutual", "voice_speed": x,
                         "participation_cost": z, "satisfaction": 1.0 - x + rng.normal(0, 0.01)})
            rows.append({"point": point, "replicate": rep, "regime": "state", "voice_speed": x,
                         "participation_cost": z, "satisfaction": 0.6 + rng.normal(0, 0.01)})
    d = where_each_wins(pd.DataFrame(rows), "regime", "satisfaction", ["voice_speed", "participation_cost"])
    assert d.accuracy > 0.95 and d.baseline_accuracy < 0.7
    assert max(d.importances, key=d.importances.get) == "voice_speed"
    top = {r.winner: r for r in d.rules if r.n >= 20}
    assert "voice_speed <= 0.4" in " ".join(top["mutual"].conditions) or any(
        c.startswith("voice_speed <= 0.3") or c.startswith("voice_speed <= 0.4") for c in top["mutual"].conditions)
    assert "mutual wins at" in d.to_text() and "state wins at" in d.to_text()


def test_design_points_of_a_factorial_include_non_numeric_factors():
    from sim.experiments.discovery import winners

    rows = []
    for audit in ("inspection", "self_audit"):
        for speed in (0.1, 0.2, 0.3, 0.4, 0.5):
            for rep in range(3):
                best = "mutual" if audit == "self_audit" else "state"
                for regime in ("state", "mutual"):
                    rows.append({"replicate": rep, "audit_mode": audit, "voice_speed": speed, "regime": regime,
                                 "satisfaction": 1.0 + 0.1 * (regime == best)})
    w = winners(pd.DataFrame(rows), "regime", "satisfaction", ["voice_speed"], keys=["audit_mode", "voice_speed"])
    assert len(w) == 10
    assert (w.set_index("audit_mode")["winner"].groupby(level=0).unique().map(list).to_dict()
            == {"inspection": ["state"], "self_audit": ["mutual"]})


def test_a_winner_at_a_single_point_still_gets_a_cross_validated_accuracy():
    rng = np.random.default_rng(6)
    rows = []
    for point in range(40):
        x = rng.uniform(0, 1)
        lone = point == 0  # state wins only here
        for regime, value in (("mutual", 1.0 - x), ("state", 2.0 if lone else 0.0), ("privatised", 0.4 + x / 10)):
            rows.append({"point": point, "replicate": 0, "regime": regime, "voice_speed": x, "satisfaction": value})
    d = where_each_wins(pd.DataFrame(rows), "regime", "satisfaction", ["voice_speed"])
    assert d.win_counts["state"] == 1
    assert np.isfinite(d.accuracy) and 0.0 <= d.accuracy <= 1.0
    assert "nan" not in d.to_text()


def test_drift_flags_a_metric_still_moving_over_its_window_and_not_a_noisy_steady_one():
    from sim.experiments.analysis import drift_table

    rng = np.random.default_rng(3)
    rows = []
    for run in range(10):
        for step in range(121):
            rows.append({"run_id": run, "step": step, "regime": "mutual" if run % 2 else "state",
                         "steady": 0.5 + rng.normal(0, 0.05),  # noise around a level
                         "slow": 0.5 + 0.0001 * step + rng.normal(0, 0.01),  # moves 1% of its level: steady enough
                         "moving": 0.5 - 0.002 * step + rng.normal(0, 0.01)})  # falls 0.12 over the window
    table = drift_table(pd.DataFrame(rows), 60, ["steady", "slow", "moving"], ["regime"]).set_index(
        ["regime", "metric"])
    assert not table.loc[(slice(None), "steady"), "drifting"].any()
    assert not table.loc[(slice(None), "slow"), "drifting"].any()
    assert table.loc[(slice(None), "moving"), "drifting"].all()
    assert table.loc[("state", "moving"), "change"] == pytest.approx(-0.002 * 59, rel=0.1)
