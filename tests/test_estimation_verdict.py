"""A verdict's probability and its variance split, on a stand-in whose answer is known."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.estimation.verdict import claim_probabilities, paired_differences, variance_split


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
    assert row["probability"] == row["low"] == row["high"] == 1.0


def test_an_incomplete_design_or_a_claim_with_no_better_direction_is_refused():
    outcomes = stand_in_outcomes(0.0, 0.1, 0.1, 0.1, draws=3, assumptions=3, replicates=2)
    with pytest.raises(ValueError, match="not complete"):
        paired_differences(outcomes.iloc[1:], "participation_rate")
    with pytest.raises(ValueError, match="neither higher nor lower"):
        paired_differences(outcomes.assign(mutual_share=0.0), "mutual_share")
