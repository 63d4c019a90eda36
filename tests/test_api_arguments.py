"""The Python API refuses arguments it does not know or cannot use, naming the argument and what is allowed."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.experiments import ResultsError, load_results, run_batch
from sim.experiments.schema import scenario_from_dict


# --------------------------------------------------------------------------------- the API corpus
def test_model_arguments_are_exact():
    with pytest.raises(sim.ParameterError, match=r"rng: 1\.5 is not allowed; expected a whole-number seed"):
        sim.MutualStateModel(rng=1.5)
    with pytest.raises(sim.ParameterError, match="rng: -1 is not allowed"):
        sim.MutualStateModel(rng=-1)
    with pytest.raises(sim.ParameterError, match="rng: True is not allowed"):
        sim.MutualStateModel(rng=True)
    with pytest.raises(sim.ParameterError, match="n_units: True is not a number"):
        sim.MutualStateModel(n_units=True)
    with pytest.raises(sim.ParameterError, match="parameters: list is not allowed"):
        sim.parameters.validate([("n_units", 3)])
    with pytest.raises(sim.ParameterError, match="n_units x unit_size"):
        sim.MutualStateModel(n_units=5000, unit_size=100_000)
    model = sim.MutualStateModel(n_units=np.int64(1), unit_size=np.int32(20), rng=np.int64(4),
                                 voice_value=np.float32(0.5), participation_audit=np.bool_(True))
    for steps, message in [(-5, "steps: -5 is not allowed"), (2.5, "steps: 2.5 is not a whole number"),
                           ("3", "steps: '3' is not allowed"), (True, "steps: True is not allowed"),
                           (40_000, "steps: 40000 is not allowed; expected a whole number from 0 to 32000")]:
        with pytest.raises(sim.ParameterError, match=message):
            model.run(steps=steps)
    assert model.month == 0, "refused before any month ran"
    frame = model.run(steps=np.int64(2))
    assert model.month == 2 and len(frame) == 3


def test_the_hauert_preset_names_its_arguments():
    for kwargs, message in [({"r": True}, "r: True is not a number"), ({"sigma": "1"}, "sigma: '1' is not a number"),
                            ({"group_size": 1}, "group_size: 1 is below the minimum 2"),
                            ({"participation_cost": -1.0}, "participation_cost: -1 is below the minimum 0")]:
        with pytest.raises(sim.ParameterError, match=message):
            sim.optional_public_goods_game(**kwargs)
    assert sim.optional_public_goods_game(r=np.float64(3.0), group_size=np.int64(5))["group_size"] == 5


def test_batch_api_arguments_are_exact(tmp_path):
    s = scenario_from_dict({"name": "api", "steps": 2, "replicates": 1, "params": {"n_units": 1, "unit_size": 10}})
    for kwargs, message in [({"save": "no"}, "save: 'no' is not allowed; expected True or False"),
                            ({"fresh": 1}, "fresh: 1 is not allowed"),
                            ({"executor": "dask"}, "executor: str is not allowed"),
                            ({"chunk": 0}, "chunk: 0 is not allowed"),
                            ({"max_in_flight": 2.5}, "max_in_flight: 2.5 is not a whole number"),
                            ({"flush_seconds": -1}, "flush_seconds: -1 is not allowed"),
                            ({"run_fn": 3}, "run_fn: 3 is not allowed"),
                            ({"out": 7}, "out: 7 is not allowed")]:
        with pytest.raises(sim.ParameterError, match=message):
            run_batch(s, progress=False, **kwargs)
    with pytest.raises(sim.ParameterError, match="path: 5 is not allowed"):
        load_results(5)
    with pytest.raises(ResultsError, match="no such folder"):
        load_results(tmp_path / "none")
    assert not (tmp_path / "results").exists()
