"""Designs and seeds: the right conditions in a fixed order, samples inside their ranges, common random
numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.designs import build_design, replicate_seeds
from sim.experiments.runner import plan_batch
from sim.experiments.schema import scenario_from_dict
from sim.parameters import REGISTRY


def scenario(**design):
    return scenario_from_dict({"name": "t", "steps": 12, "replicates": 3, "seed": 42, "design": design})


def test_factorial_is_every_combination_in_order():
    d = build_design(scenario(kind="factorial", factors={"regime": ["state", "mutual"], "n_units": [2, 3, 4]}))
    assert len(d) == 6
    assert d.conditions[0] == {"regime": "state", "n_units": 2}
    assert d.conditions[-1] == {"regime": "mutual", "n_units": 4}
    assert d.point == [None] * 6


def test_list_design_is_crossed_with_factors():
    d = build_design(scenario(kind="list", conditions=[{"unit_size": 50, "n_units": 200}, {"unit_size": 500}],
                              factors={"regime": ["state", "mutual"]}))
    assert d.conditions == [{"unit_size": 50, "n_units": 200, "regime": "state"},
                            {"unit_size": 50, "n_units": 200, "regime": "mutual"},
                            {"unit_size": 500, "regime": "state"}, {"unit_size": 500, "regime": "mutual"}]


@pytest.mark.parametrize("kind, samples, rows", [("latin_hypercube", 20, 20), ("sobol", 16, 16 * (3 + 2)),
                                                 ("morris", 5, 5 * (3 + 1))])
def test_sampling_designs_stay_in_range_and_repeat(kind, samples, rows):
    s = scenario(kind=kind, samples=samples, parameters=["voice_speed", "n_units"],
                 ranges={"participation_cost": [0.05, 0.2]}, factors={"regime": ["state", "mutual"]})
    d = build_design(s)
    assert d.X.shape == (rows, 3) and len(d) == 2 * rows
    assert d.sampled == ["voice_speed", "n_units", "participation_cost"]
    lo, hi = REGISTRY["voice_speed"].plausible
    assert (d.X[:, 0] >= lo).all() and (d.X[:, 0] <= hi).all()
    assert (d.X[:, 2] >= 0.05).all() and (d.X[:, 2] <= 0.2).all()
    assert all(isinstance(c["n_units"], int) for c in d.conditions), "integer parameters run as whole numbers"
    # each sample point is run under every factor level, next to each other
    assert d.point[:4] == [0, 0, 1, 1] and d.conditions[0]["voice_speed"] == d.conditions[1]["voice_speed"]
    assert np.array_equal(build_design(s).X, d.X), "the design is a function of the scenario's seed"
    other = scenario_from_dict({**s.to_dict(), "seed": 43})
    assert not np.array_equal(build_design(other).X, d.X)


def test_latin_hypercube_has_one_point_per_stratum():
    d = build_design(scenario(kind="latin_hypercube", samples=10, parameters=["voice_speed"],
                              ranges={"voice_speed": [0.0, 1.0]}))
    strata = np.floor(d.X[:, 0] * 10).astype(int)
    assert sorted(strata) == list(range(10))


def test_replicate_seeds_are_common_stable_and_fit_int64():
    seeds = replicate_seeds(7, 5)
    assert len(set(seeds)) == 5 and all(0 <= s < 2**63 for s in seeds)
    assert replicate_seeds(7, 8)[:5] == seeds, "adding replicates keeps the earlier ones"
    assert replicate_seeds(8, 5) != seeds
    plan = plan_batch(scenario(kind="factorial", factors={"regime": ["state", "privatised", "mutual"]}))
    by_replicate = {}
    for t in plan.tasks:
        by_replicate.setdefault(t.replicate, set()).add(t.seed)
    assert all(len(v) == 1 for v in by_replicate.values()), "replicate k has the same seed in every condition"
    assert [t.run_id for t in plan.tasks] == list(range(9))
    assert plan.tasks[4].params == {"regime": "privatised"}
