"""A verdict's probability and its variance split, on a stand-in whose answer is known; and the surfaces that
show it: the shipped scenarios' assumption draws, the report and the dashboard reading one table."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.estimation.verdict import (
    claim_probabilities,
    effective_runs,
    paired_differences,
    probability_of_beating,
    variance_split,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def stand_in_outcomes(mean, posterior_sd, assumption_sd, noise_sd, draws=40, assumptions=40, replicates=5, seed=0):
    """Mutuals' advantage = mean + posterior effect + assumption effect + noise, state's outcome 0: the claim's
    probability is the mean over cells of Phi((mean + effects) / noise sd), and each source's share of the
    variance is its effects' variance's share (attrs["truth"])."""
    rng = np.random.default_rng(seed)
    effect_of_draw = rng.normal(0, posterior_sd, draws)
    effect_of_assumption = rng.normal(0, assumption_sd, assumptions)
    draw, assumption, replicate = (a.ravel() for a in np.indices((draws, assumptions, replicates)))
    advantage = mean + effect_of_draw[draw] + effect_of_assumption[assumption] + rng.normal(0, noise_sd, draw.size)
    design = pd.DataFrame({"draw": draw, "assumption": assumption, "replicate": replicate})
    frame = pd.concat([design.assign(regime="state", participation_rate=0.0, cost_per_capita=0.0),
                       design.assign(regime="mutual", participation_rate=advantage, cost_per_capita=-advantage)],
                      ignore_index=True)
    cells = mean + effect_of_draw[:, None] + effect_of_assumption[None, :]
    variances = {"posterior": effect_of_draw.var(ddof=1), "assumptions": effect_of_assumption.var(ddof=1),
                 "noise": noise_sd**2}
    total = sum(variances.values())
    frame.attrs["truth"] = {"probability": float(stats.norm.cdf(cells / noise_sd).mean()),
                            **{name: value / total for name, value in variances.items()}}
    return frame


def test_the_probability_and_the_variance_split_recover_a_known_answer():
    sds = {"posterior": 0.3, "assumptions": 0.2, "noise": 0.2}
    outcomes = stand_in_outcomes(0.25, sds["posterior"], sds["assumptions"], sds["noise"])
    table = claim_probabilities(outcomes, metrics=["participation_rate", "cost_per_capita"]).set_index("metric")
    truth = outcomes.attrs["truth"]
    for metric in ("participation_rate", "cost_per_capita"):  # cost: lower is better, and it is lower here
        row = table.loc[metric]
        assert row["low"] <= row["probability"] <= row["high"]
        assert row["low"] <= truth["probability"] <= row["high"]
        assert row["probability"] == pytest.approx(truth["probability"], abs=0.03)
        for source in sds:
            assert row[f"share_{source}"] == pytest.approx(truth[source], abs=0.05)
        assert row["share_interaction"] < 0.05


def test_the_split_is_all_noise_when_nothing_but_seeds_differ_and_a_sure_win_has_probability_one():
    differences = np.random.default_rng(1).normal(1.0, 0.1, size=(10, 10, 4))
    split = variance_split(differences)
    assert split["noise"] > 0.8 and split["posterior"] < 0.1 and split["assumptions"] < 0.1
    outcomes = stand_in_outcomes(5.0, 0.1, 0.1, 0.1, draws=5, assumptions=5, replicates=2)
    row = claim_probabilities(outcomes, metrics=["participation_rate"]).iloc[0]
    # every run wins, yet 5 posterior and 5 assumption draws are few independent runs: the interval says so
    assert row["probability"] == row["high"] == 1.0
    assert 0.3 < row["low"] < 0.9


def test_a_claim_that_holds_in_every_run_gets_the_interval_its_independent_runs_allow():
    """3 paired runs at fixed settings, all won: the exact binomial interval [0.29, 1], not a bootstrap's point
    (the dashboard showed "1.00 [1.00, 1.00]" beside "not clearly"); the design effect counts a crossed design's
    runs as fewer, and no design effect (only seeds differ) leaves the bootstrap's interval where runs disagree."""
    three = np.array([0.4, 0.1, 0.25]).reshape(1, 1, 3)
    assert effective_runs(three) == pytest.approx(3.0)
    share, low, high = probability_of_beating(three)
    assert share == high == 1.0 and low == pytest.approx(stats.beta.ppf(0.025, 3, 1))
    assert low == pytest.approx(0.2924, abs=1e-4)
    assert probability_of_beating(-three)[:2] == (0.0, 0.0) and probability_of_beating(-three)[2] == pytest.approx(
        1 - 0.2924, abs=1e-4)
    # runs that share their posterior draw count as one run each draw when the posterior is all the variance
    by_draw = np.repeat(np.repeat(np.arange(1.0, 6.0).reshape(5, 1, 1), 6, axis=1), 2, axis=2)
    assert effective_runs(by_draw) == pytest.approx(5.0)
    assert probability_of_beating(by_draw)[1] == pytest.approx(stats.beta.ppf(0.025, 5, 1))
    # many independent runs that disagree: the exact interval is no wider than the bootstrap's by much
    mixed = np.random.default_rng(3).normal(0.3, 1.0, size=(1, 1, 400))
    share, low, high = probability_of_beating(mixed)
    assert high - low < 0.12 and low < share < high


def test_an_incomplete_design_or_a_claim_with_no_better_direction_is_refused():
    outcomes = stand_in_outcomes(0.0, 0.1, 0.1, 0.1, draws=3, assumptions=3, replicates=2)
    with pytest.raises(ValueError, match="not complete"):
        paired_differences(outcomes.iloc[1:], "participation_rate")
    with pytest.raises(ValueError, match="neither higher nor lower"):
        paired_differences(outcomes.assign(mutual_share=0.0), "mutual_share")


# ------------------------------------------------------------------------------------------------ every surface
def test_compare_regimes_draws_every_assumption_that_can_decide_a_verdict_and_none_that_is_estimated():
    import sim
    from sim.estimation.estimated import parameter_role, verdict_assumptions

    scenario = sim.load_scenario(SCENARIOS / "compare_regimes.toml")
    assert scenario.design.kind == "latin_hypercube" and scenario.design.factors["regime"] == [
        "state", "privatised", "mutual"]
    assert list(scenario.design.parameters) == verdict_assumptions()
    roles = {parameter_role(name) for name in verdict_assumptions()}
    assert "estimated" not in roles and roles <= {"proposal", "assumption", "sourced"}
    for name in ("trading_income_share", "member_internalisation", "coproduction_cost_share"):
        assert name in verdict_assumptions()  # the neutral assumptions that could carry the proposal's claims
    from sim.parameters import POSTERIOR_FOLDER

    if (POSTERIOR_FOLDER / "manifest.json").exists():  # with a shipped fit, the verdict is taken over it too
        for shipped in (scenario, sim.load_scenario(SCENARIOS / "the_proposal.toml")):
            assert shipped.posterior == "shipped" and shipped.replicates % shipped.posterior_draws == 0


def test_the_dashboard_and_the_report_give_one_probability_per_claim(four_units, tmp_path):
    """The dashboard's "How likely" and the report's "The verdict as probabilities" read one table
    (sim.verdict_probabilities) of the same batch: the same probabilities and intervals, in both texts."""
    import sim
    from sim.dashboard import controls, readout, runs
    from sim.experiments.report import write_report

    run = controls.RunSettings(years=2, replicates=4, seed=7)
    comparison = runs.run_comparison(dict(four_units), run, executor=None)
    table = sim.verdict_probabilities(comparison.result)
    assert set(table["challenger"]) == {"privatised", "mutual"} and set(table["incumbent"]) == {"state"}
    assert ((table["low"] <= table["probability"]) & (table["probability"] <= table["high"])).all()
    assert (table["draws"] * table["assumptions"] * table["replicates"] == 4).all()  # runs: draws x seeds
    words = readout.readout(comparison)["probabilities"]
    assert len(words) == 2 and words[1].startswith("Probability that mutuals do better than state departments")
    report = write_report(comparison.result, tmp_path, progress=False).read_text()
    section = report[report.index("## The verdict as probabilities"):report.index("## The claim")]
    reported = pd.read_csv(tmp_path / "tables" / "verdict_probabilities.csv")
    mutual = table[table["challenger"] == "mutual"].reset_index(drop=True)
    pd.testing.assert_frame_equal(reported[reported["incumbent"] == "state"].reset_index(drop=True),
                                  mutual, check_dtype=False)
    for row in mutual.itertuples():
        text = f"{row.probability:.2f} [{row.low:.2f}, {row.high:.2f}]"
        assert text in words[1] and text in section


def test_the_proposal_runs_today_and_the_package_at_each_draw_of_the_assumptions():
    """the_proposal.toml crosses its two listed conditions with a Latin hypercube over the assumptions: each
    point runs under both, on the same seeds, and each claim gets a probability over the points."""
    import sim
    from sim.estimation.estimated import verdict_assumptions
    from sim.experiments.runner import plan_batch

    shipped = sim.load_scenario(SCENARIOS / "the_proposal.toml")
    assert shipped.design.kind == "latin_hypercube" and list(shipped.design.parameters) == verdict_assumptions()
    assert shipped.design.conditions[0] == {"regime": "state"} and shipped.design.conditions[1] == sim.the_proposal()
    scenario = sim.scenario_from_dict({
        "name": "package", "steps": 6, "replicates": 2, "seed": 2, "params": {"n_units": 1, "sectors": ["leisure"]},
        "analysis": {"window": 3},
        "design": {"kind": "latin_hypercube", "samples": 2, "parameters": ["trading_income_share"],
                   "conditions": [{"regime": "state"}, {"package": "the proposal"}]}})
    plan = plan_batch(scenario)
    assert len(plan.tasks) == 2 * 2 * 2
    shares = [task.params["trading_income_share"] for task in plan.tasks]
    assert shares[0] == shares[2] != shares[4] == shares[6]  # point 0 under both conditions, then point 1
    claims = sim.verdict_probabilities(sim.run_batch(scenario, save=False, progress=False))
    assert list(claims["challenger"].unique()) == ["mutual"] and (claims["assumptions"] == 2).all()
    for bad, message in [({"kind": "sobol", "samples": 2}, 'only allowed when design.kind = "list" or'),
                         ({"conditions": [{"regime": "state", "trading_income_share": 0.1}]}, "is also sampled")]:
        with pytest.raises(sim.ScenarioError, match=message):
            sim.scenario_from_dict({**scenario.to_dict(), "posterior": None, "posterior_draws": None,
                                    "design": {**scenario.design.model_dump(), **bad}})
