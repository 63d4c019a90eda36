"""Bad scenario files: each is refused before any work with one line naming the file, the field, the value and
what is allowed (exit status 2, no traceback, nothing written); encodings and paths a user may hand us."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.schema import ScenarioError, load_scenario, scenario_from_dict

from helpers import GOOD_SCENARIO, edited_scenario

# --------------------------------------------------------------------------------- the scenario-file corpus
SCENARIOS = [  # (label, file text, parts of the message)
    ("steps is a bool", edited_scenario("steps = 6", "steps = true"), ["steps: True is not allowed", "whole number from 1"]),
    ("steps is text", edited_scenario("steps = 6", 'steps = "12"'), ["steps: '12' is not allowed", "whole number"]),
    ("steps fractional", edited_scenario("steps = 6", "steps = 2.5"), ["steps: 2.5 is not a whole number"]),
    ("steps zero", edited_scenario("steps = 6", "steps = 0"), ["steps: 0", "greater than or equal to 1"]),
    ("steps beyond the model", edited_scenario("steps = 6", "steps = 40000"), ["steps: 40000", "32000"]),
    ("seed is a bool", edited_scenario("seed = 3", "seed = true"), ["seed: True is not allowed", "whole number"]),
    ("seed negative", edited_scenario("seed = 3", "seed = -1"), ["seed: -1", "greater than or equal to 0"]),
    ("seed fractional", edited_scenario("seed = 3", "seed = 1.5"), ["seed: 1.5 is not a whole number"]),
    ("replicates is text", edited_scenario("replicates = 2", 'replicates = "2"'), ["replicates: '2' is not allowed"]),
    ("samples is a bool", edited_scenario('kind = "factorial"', 'kind = "factorial"\nsamples = true'),
     ["design.samples: True is not allowed"]),
    ("second_order is a number", edited_scenario('kind = "factorial"', 'kind = "factorial"\nsecond_order = 1'),
     ["design.second_order: 1", "true or false"]),
    ("description is a number", edited_scenario('description = "A tiny scenario."', "description = 5"),
     ["description: 5 is not allowed", "text in quotes"]),
    ("name is a number", edited_scenario('name = "ok"', "name = 5"), ["name: 5 is not allowed", "text in quotes"]),
    ("name escapes the folder", edited_scenario('name = "ok"', 'name = "../../etc"'), ["name: '../../etc' is not allowed"]),
    ("name missing", edited_scenario('name = "ok"\n', ""), ["name: required field is missing"]),
    ("unknown top-level key", GOOD_SCENARIO.replace("seed = 3", "seed = 3\nsteps_per_year = 12"),
     ["steps_per_year: unknown key", "allowed keys here"]),
    ("params is not a table", edited_scenario("[params]\nn_units = 1\nunit_size = [20, 30]\n", "params = 3\n"),
     ["params: 3 is not allowed"]),
    ("unknown parameter", edited_scenario("n_units = 1", "n_unit = 1"), ["params.n_unit: unknown parameter", "n_units"]),
    ("n_units is a bool", edited_scenario("n_units = 1", "n_units = true"), ["params.n_units: True is not a number"]),
    ("n_units is text", edited_scenario("n_units = 1", 'n_units = "3"'), ["params.n_units: '3' is not a number"]),
    ("n_units fractional", edited_scenario("n_units = 1", "n_units = 1.5"), ["params.n_units: 1.5 is not a whole number"]),
    ("n_units zero", edited_scenario("n_units = 1", "n_units = 0"), ["params.n_units: 0 is below the minimum 1"]),
    ("unit_size one value in a list", edited_scenario("unit_size = [20, 30]", "unit_size = [20]"),
     ["params.unit_size: [20] is not allowed", "a range [min, max]"]),
    ("unit_size reversed", edited_scenario("unit_size = [20, 30]", "unit_size = [30, 20]"),
     ["params.unit_size: the range [30, 20] has its minimum above its maximum"]),
    ("unit_size a bool inside", edited_scenario("unit_size = [20, 30]", "unit_size = [true, 30]"),
     ["params.unit_size: True is not a number"]),
    ("population too large for memory", edited_scenario("n_units = 1\nunit_size = [20, 30]", "n_units = 5000\nunit_size = 100000"),
     ["n_units x unit_size", "GiB", "memory is available"]),
    ("nan parameter", edited_scenario("n_units = 1", "n_units = 1\nvoice_value = nan"), ["params.voice_value: nan is not allowed"]),
    ("inf parameter", edited_scenario("n_units = 1", "n_units = 1\nvoice_value = inf"), ["params.voice_value: inf is not allowed"]),
    ("a flag given as text", edited_scenario("n_units = 1", 'n_units = 1\nparticipation_audit = "yes"'),
     ["params.participation_audit: 'yes' is not allowed; expected true or false"]),
    ("a choice given a number", edited_scenario("n_units = 1", "n_units = 1\naudit_mode = 2"),
     ["params.audit_mode: 2 is not allowed; expected one of"]),
    ("unknown sector", edited_scenario("n_units = 1", 'n_units = 1\nsectors = ["prisons"]'),
     ["params.sectors: unknown sector 'prisons'"]),
    ("sector given as a number", edited_scenario("n_units = 1", "n_units = 1\nsectors = [1]"), ["params.sectors: unknown sector 1"]),
    ("sector listed twice", edited_scenario("n_units = 1", 'n_units = 1\nsectors = ["health", "health"]'),
     ["a sector is listed twice"]),
    ("unknown design kind", edited_scenario('kind = "factorial"', 'kind = "grid"'), ["design.kind: 'grid' is not allowed"]),
    ("factor is not a list", edited_scenario('regime = ["state", "mutual"]', 'regime = "state"'),
     ["design.factors.regime: 'state' is not allowed", "a list"]),
    ("factor with no values", edited_scenario('regime = ["state", "mutual"]', "regime = []"),
     ["design.factors.regime: needs at least one value"]),
    ("factor value twice", edited_scenario('regime = ["state", "mutual"]', 'regime = ["state", "state"]'),
     ["design.factors.regime[1]: 'state' is listed twice"]),
    ("factor value out of range", edited_scenario('regime = ["state", "mutual"]', "local_autonomy = [0.5, 1.5]"),
     ["design.factors.local_autonomy[1]: 1.5 is above the maximum 1"]),
    ("design plan of a billion points", edited_scenario('regime = ["state", "mutual"]',
                                             "\n".join(f"{p} = [{', '.join(str(v / 1000) for v in range(1, 33))}]"
                                                       for p in ("local_autonomy", "asset_lock", "voice_speed",
                                                                 "revision_rate", "exploration_rate", "trust_adjustment"))),
     ["design: 1,073,741,824 conditions x 2 replicates", "too many; expected at most 1,000,000 runs"]),
    ("sobol samples not a power of two", edited_scenario('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                              'kind = "sobol"\nsamples = 12\nparameters = ["voice_value"]'),
     ["design.samples: 12 is not allowed for a sobol design; expected a power of two"]),
    ("sampling range out of bounds", edited_scenario('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                          'kind = "latin_hypercube"\nparameters = ["voice_value"]\n'
                                          "[design.ranges]\nvoice_value = [0, 50]"),
     ["design.parameters[0]: [0, 50] leaves the allowed range"]),
    ("sampling range a bool", edited_scenario('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                   'kind = "latin_hypercube"\nparameters = ["voice_value"]\n'
                                   "[design.ranges]\nvoice_value = [false, 1]"),
     ["design.ranges.voice_value[0]: False is not allowed"]),
    ("sampling a choice parameter", edited_scenario('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                         'kind = "morris"\nsamples = 4\nparameters = ["audit_mode"]'),
     ["design.parameters[0]: audit_mode is a choice parameter and cannot be sampled"]),
    ("unknown metric", GOOD_SCENARIO + '[analysis]\nmetrics = ["happiness"]\n', ["analysis.metrics[0]: unknown metric 'happiness'"]),
    ("window longer than the run", GOOD_SCENARIO + "[analysis]\nwindow = 60\n", ["analysis.window: 60 is longer than the run"]),
    ("compare a factor not varied", GOOD_SCENARIO + '[analysis]\ncompare = "n_units"\n',
     ["analysis.compare: 'n_units' is not varied by the design"]),
    ("baseline not a level", GOOD_SCENARIO + '[analysis]\nbaseline = "privatised"\n',
     ["analysis.baseline: 'privatised' is not a level of regime"]),
    ("malformed TOML", GOOD_SCENARIO + "steps = = 3\n", ["not valid TOML"]),
    ("key given twice", edited_scenario("steps = 6", "steps = 6\nsteps = 8"), ["not valid TOML"]),
]


@pytest.mark.parametrize("label, text, parts", SCENARIOS, ids=[c[0] for c in SCENARIOS])
def test_bad_scenario_files_are_refused_before_any_work(tmp_path, capsys, label, text, parts):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["batch", str(f), "--serial", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith(f"mutual-state batch: error: {f}: ") and err.count("\n") == 1, err
    for part in parts:
        assert part in err, f"{label}: {part!r} not in {err!r}"
    assert "Traceback" not in err
    assert not out.exists(), "nothing is written for a refused scenario"


ENCODED = [
    ("utf-8 with a byte-order mark", GOOD_SCENARIO.encode("utf-8-sig"), None),
    ("utf-16 with a byte-order mark (Excel's 'Unicode text')", GOOD_SCENARIO.encode("utf-16"), None),
    ("latin-1 bytes", GOOD_SCENARIO.replace("A tiny", "Ein kleines Szenario f\u00fcr").encode("latin-1"),
     "is not UTF-8 text"),
    ("binary garbage", bytes(range(256)) * 4, "is not UTF-8 text"),
    ("empty file", b"", "name: required field is missing"),
]


@pytest.mark.parametrize("label, data, message", ENCODED, ids=[c[0] for c in ENCODED])
def test_scenario_encodings(tmp_path, label, data, message):
    f = tmp_path / "s.toml"
    f.write_bytes(data)
    if message is None:
        assert load_scenario(f).name == "ok"
    else:
        with pytest.raises(ScenarioError, match=message):
            load_scenario(f)


def test_scenario_paths(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder; expected a scenario .toml file"):
        load_scenario(tmp_path)
    with pytest.raises(ScenarioError, match="nope.toml: no such file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="path: 5 is not allowed"):
        load_scenario(5)
    big = tmp_path / "big.toml"
    big.write_text(GOOD_SCENARIO + "#" * 1_100_000)
    with pytest.raises(ScenarioError, match="too large for a scenario file"):
        load_scenario(big)


def test_scenario_from_a_notebook_accepts_numpy_numbers():
    s = scenario_from_dict({"name": "np", "steps": np.int64(6), "replicates": np.int32(2), "seed": np.uint8(3),
                            "params": {"n_units": np.int64(2), "unit_size": np.arange(20, 22),
                                       "voice_value": np.float32(0.5), "participation_audit": np.bool_(True)}})
    assert (s.steps, s.replicates, s.seed) == (6, 2, 3)
