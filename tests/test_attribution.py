"""Attribution of a regime difference to mechanisms, checked on a stand-in model whose contributions are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.attribution import resolve_mechanisms
from sim.metrics_catalogue import METRIC_NAMES
from sim.parameters import defaults

MECHANISMS = {"autonomy": {"local_autonomy": 1.0}, "capacity": {"capacity_building": 10.0},
              "bonds": {"local_bonds": True}}


def stand_in(params, seed, steps, interaction=0.0):
    """satisfaction = 2 [autonomy] + 3 [capacity] + interaction [autonomy and capacity] + 0 [bonds] + luck(seed);
    the luck is common to every run of a replicate (common random numbers)."""
    a, c = params.get("local_autonomy", 0.5) == 1.0, params.get("capacity_building", 0.0) == 10.0
    luck = np.random.default_rng(seed).normal(0.0, 1.0)
    value = 2.0 * a + 3.0 * c + interaction * (a and c) + luck
    frame = pd.DataFrame({m: np.zeros(steps + 1) for m in METRIC_NAMES})
    frame["satisfaction"] = value
    return frame


def stand_in_with_interaction(params, seed, steps):
    return stand_in(params, seed, steps, interaction=1.5)


def attribute(run_fn):
    table = sim.attribute_differences(baseline="state", regime="state", replicates=6, steps=2, rng=3,
                                      mechanisms=MECHANISMS, metrics=["satisfaction"], workers=1, progress=False,
                                      bootstrap=200, run_fn=run_fn)
    return table.set_index("mechanism")


def test_additive_contributions_are_recovered_exactly():
    t = attribute(stand_in)
    assert t.loc["autonomy", "contribution"] == pytest.approx(2.0)
    assert t.loc["capacity", "contribution"] == pytest.approx(3.0)
    assert t.loc["bonds", "contribution"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["interaction", "contribution"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["total", "contribution"] == pytest.approx(5.0)
    assert t.loc["autonomy", "shapley"] == pytest.approx(2.0)  # no interaction: Shapley = main effect
    # common random numbers: the luck cancels, so the intervals have no width
    assert t.loc["capacity", "low"] == pytest.approx(3.0) and t.loc["capacity", "high"] == pytest.approx(3.0)


def test_an_interaction_is_reported_and_shared_equally_by_shapley():
    t = attribute(stand_in_with_interaction)
    assert t.loc["autonomy", "contribution"] == pytest.approx(2.0)
    assert t.loc["capacity", "contribution"] == pytest.approx(3.0)
    assert t.loc["interaction", "contribution"] == pytest.approx(1.5)
    assert t.loc["total", "contribution"] == pytest.approx(6.5)
    assert t.loc["autonomy", "shapley"] == pytest.approx(2.75)
    assert t.loc["capacity", "shapley"] == pytest.approx(3.75)
    parts = t.drop(index="total")["contribution"].sum()
    assert parts == pytest.approx(t.loc["total", "contribution"])  # the waterfall adds up


def test_default_mechanisms_are_the_kind_differences_in_force():
    params = {**defaults(), "contractor_wage_cut": 0.5}
    assert {"incentives", "governance", "independent status", "workforce"} <= set(resolve_mechanisms(None, params))
    neutral = {**defaults(), **sim.neutral_kinds()}
    assert resolve_mechanisms(None, neutral) == {}
    with pytest.raises(ValueError, match="not a known mechanism"):
        resolve_mechanisms(["telepathy"], params)


@pytest.mark.slow
def test_the_model_attributes_a_kind_difference_to_the_mechanism_that_makes_it():
    """On the model itself: a contractor's wage cut lowers morale; attributed to 'workforce', not elsewhere."""
    t = sim.attribute_differences(baseline="state", regime="privatised", replicates=3, steps=36, rng=1,
                                  mechanisms=["workforce", "incentives"], metrics=["worker_morale"], workers=1,
                                  progress=False, bootstrap=100, n_units=4, contractor_wage_cut=1.0)
    t = t.set_index("mechanism")
    assert t.loc["workforce", "contribution"] < 0
    parts = t.drop(index="total")["contribution"].sum()
    assert parts == pytest.approx(t.loc["total", "contribution"])


def test_the_report_explains_why_the_regimes_differ(tmp_path):
    from sim.experiments import scenario_from_dict, write_report

    scenario = scenario_from_dict({
        "name": "why", "steps": 6, "replicates": 2, "seed": 4, "params": {"n_units": 2, "unit_size": 60},
        "design": {"kind": "factorial", "factors": {"regime": ["state", "mutual"]}},
        "attribution": {"replicates": 2, "mechanisms": ["governance", "independent status"],
                        "metrics": ["cost_per_capita", "satisfaction"]},
    })
    result = sim.run_batch(scenario, out=tmp_path / "why", progress=False)
    text = write_report(result).read_text()
    assert "## Why the regimes differ" in text and "### Mutuals against state departments" in text
    assert "Mutuals cost £" in text  # the sentence per regime pair, in words
    assert (tmp_path / "why" / "figures" / "why_mutual_cost_per_capita.png").exists()
    table = pd.read_csv(tmp_path / "why" / "tables" / "attribution_mutual.csv")
    assert {"mechanism", "metric", "contribution", "low", "high"} <= set(table.columns)
    assert "The kinds differ here only through these mechanisms" in text  # the claim lists its assumptions


def test_a_clear_verdict_in_the_claim_names_the_mechanism_that_carries_it():
    """The claim section says, per verdict against the attribution's baseline, which mechanism carries it (the
    largest Shapley value) and whether a source or an assumption supports it."""
    from sim.experiments.claims import attribution_explains, claim_basis
    from sim.experiments.schema import Attribution

    table = pd.DataFrame({"mechanism": ["governance", "independent status", "interaction", "not attributed", "total"],
                          "metric": "participation_rate", "contribution": [0.02, 0.001, 0.004, 0.0, 0.03],
                          "shapley": [0.027, 0.003, 0.0, 0.0, 0.03]})
    text = claim_basis(table, "participation_rate")
    assert "**governance** (90% of it" in text and "**an assumption**" in text
    assert "the difference is +0.03," in text, "the difference taken apart, which a design's pooled one may not be"
    table["shapley"] = [0.003, 0.027, 0.0, 0.0, 0.03]
    assert "**independent status** (90%" in claim_basis(table, "participation_rate")
    assert "sourced." in claim_basis(table, "participation_rate")
    assert claim_basis(table, "cost_per_capita") == "", "a metric the table does not attribute"
    attribution = Attribution(baseline="state", metrics=["participation_rate"])
    assert attribution_explains(attribution, "participation_rate", "state")
    assert not attribution_explains(attribution, "participation_rate", "privatised"), "not the baseline"
    assert not attribution_explains(attribution, "cost_per_capita", "state"), "not attributed"
    assert not attribution_explains(Attribution(baseline="state", regimes=["privatised"],
                                                metrics=["participation_rate"]), "participation_rate", "state")
    assert not attribution_explains(None, "participation_rate", "state")
