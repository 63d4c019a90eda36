"""Scenario files: every shipped one loads; every kind of bad file gets one message naming file, field and
what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiments.schema import ScenarioError, load_scenario, parse_value

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))

GOOD = """
name = "ok"
steps = 12
replicates = 2
seed = 1
[params]
n_units = 3
[design]
kind = "factorial"
[design.factors]
regime = ["state", "mutual"]
"""


def test_every_shipped_scenario_loads():
    names = {p.stem for p in SHIPPED}
    assert {"compare_regimes", "unit_size", "participation_audit", "conversion", "guarantor", "need_shock",
            "sensitivity"} <= names
    for path in SHIPPED:
        s = load_scenario(path)
        assert s.name == path.stem, f"{path.name}: name should match the file so results/<name> is predictable"
        assert s.description.strip(), f"{path.name}: say what the scenario asks"


def test_a_good_file_loads(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(GOOD)
    s = load_scenario(f)
    assert s.varied == ["regime"] and s.compare == "regime" and s.window == 12


# (label, TOML text, substrings the message must contain)
BAD = [
    ("malformed TOML", "name = \"x\"\nsteps = = 3\n", ["not valid TOML", "line 2"]),
    ("unknown top-level key", "colour = 'blue'\n" + GOOD, ["colour: unknown key", "allowed keys here:", "steps"]),
    ("section not a table", 'name = "x"\ndesign = "factorial"\n',
     ["design: 'factorial' is not allowed; expected a table of settings, written [design] in TOML"]),
    ("fractional replicates", GOOD.replace("replicates = 2", "replicates = 2.5"),
     ["replicates: 2.5 is not a whole number", "expected a whole number from 1", "runs per condition"]),
    ("factor not a list", GOOD.replace('["state", "mutual"]', '"state"'),
     ["design.factors.regime: 'state' is not allowed", "a list [...]"]),
    ("unknown design key", GOOD.replace("kind = \"factorial\"", "kind = \"factorial\"\nsample = 4"),
     ["design.sample: unknown key", "samples"]),
    ("wrong type", GOOD.replace("steps = 12", "steps = \"ten\""), ["steps:", "'ten'", "whole number"]),
    ("below minimum", GOOD.replace("steps = 12", "steps = 0"), ["steps:", "0", "greater than or equal to 1"]),
    ("missing name", GOOD.replace('name = "ok"', ""), ["name: required field is missing"]),
    ("unsafe name", GOOD.replace('name = "ok"', 'name = "../etc"'), ["name:", "'../etc'", "pattern"]),
    ("unknown parameter", GOOD.replace("n_units = 3", "n_unit = 3"),
     ["params.n_unit: unknown parameter", "did you mean 'n_units'"]),
    ("parameter out of range", GOOD.replace("n_units = 3", "n_units = 0"),
     ["params.n_units: 0 is below the minimum 1", "a whole number from 1 to 100000"]),
    ("parameter wrong type", GOOD.replace("n_units = 3", "n_units = \"many\""),
     ["params.n_units: 'many' is not a number"]),
    ("inverted size range", GOOD.replace("n_units = 3", "unit_size = [600, 400]"),
     ["params.unit_size:", "minimum above its maximum"]),
    ("bad choice in a factor", GOOD.replace('["state", "mutual"]', '["state", "anarchy"]'),
     ["design.factors.regime[1]: 'anarchy' is not allowed", "'state', 'privatised', 'mutual', 'conversion'"]),
    ("repeated factor level", GOOD.replace('["state", "mutual"]', '["state", "state"]'),
     ["design.factors.regime[1]", "listed twice"]),
    ("unknown design kind", GOOD.replace('kind = "factorial"', 'kind = "fractal"'),
     ["design.kind: 'fractal' is not allowed", "'latin_hypercube'", "'morris'"]),
    ("fixed and varied", GOOD.replace("n_units = 3", "regime = \"state\""),
     ["params.regime: is also varied by the design"]),
    ("list design without conditions", GOOD.replace('kind = "factorial"', 'kind = "list"'),
     ["design.conditions: a list design needs at least one"]),
    ("sampling a choice", "name = \"s\"\n[design]\nkind = \"latin_hypercube\"\nparameters = [\"audit_mode\"]\n",
     ["design.parameters[0]: audit_mode is a choice parameter and cannot be sampled", "design.factors"]),
    ("range outside bounds", "name = \"s\"\n[design]\nkind = \"morris\"\n[design.ranges]\nvoice_speed = [0.1, 2.0]\n",
     ["design.ranges.voice_speed: [0.1, 2] leaves the allowed range", "from 0 to 1"]),
    ("empty range", "name = \"s\"\n[design]\nkind = \"morris\"\n[design.ranges]\nvoice_speed = [0.5, 0.5]\n",
     ["design.ranges.voice_speed", "low < high"]),
    ("sobol not a power of two", "name = \"s\"\n[design]\nkind = \"sobol\"\nsamples = 100\nparameters = [\"voice_speed\"]\n",
     ["design.samples: 100 is not allowed for a sobol design", "64 or 128"]),
    ("sampling design without parameters", "name = \"s\"\n[design]\nkind = \"sobol\"\n",
     ["design.parameters: a sobol design needs at least one parameter"]),
    ("parameters in a factorial design", GOOD.replace('kind = "factorial"', 'kind = "factorial"\nparameters = ["voice_speed"]'),
     ["design.parameters: only allowed for sampling designs"]),
    ("unknown metric", GOOD + "[analysis]\nmetrics = [\"happiness\"]\n",
     ["analysis.metrics[0]: unknown metric 'happiness'", "participation_rate"]),
    ("baseline not a level", GOOD + "[analysis]\nbaseline = \"privatised\"\n",
     ["analysis.baseline: 'privatised' is not a level of regime", "'state', 'mutual'"]),
    ("compare a fixed parameter", GOOD + "[analysis]\ncompare = \"n_units\"\n",
     ["analysis.compare: 'n_units' is not varied by the design", "regime"]),
    ("window longer than run", GOOD + "[analysis]\nwindow = 24\n",
     ["analysis.window: 24 is longer than the run (12 steps)"]),
    ("condition with unknown parameter", "name = \"s\"\n[design]\nkind = \"list\"\n[[design.conditions]]\nregim = \"state\"\n",
     ["design.conditions[0].regim: unknown parameter", "did you mean 'regime'"]),
    ("unknown package", "name = \"s\"\n[design]\nkind = \"list\"\n[[design.conditions]]\nregime = \"state\"\n"
     "[[design.conditions]]\npackage = \"the proposals\"\n",
     ["design.conditions[1].package: 'the proposals' is not a package; expected one of 'the proposal'"]),
    ("package not a name", "name = \"s\"\n[design]\nkind = \"list\"\n[[design.conditions]]\npackage = 3\n",
     ["design.conditions[0].package: 3 is not a package; expected one of 'the proposal'"]),
]


@pytest.mark.parametrize("label, text, expected", BAD, ids=[b[0] for b in BAD])
def test_bad_file_gets_one_clear_message(tmp_path, label, text, expected):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}: "), msg
    assert "\n" not in msg and "Traceback" not in msg
    for part in expected:
        assert part in msg, f"{label}: {part!r} not in {msg!r}"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError, match="nope.toml: no such file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_fingerprint_ignores_words_but_not_numbers(tmp_path):
    a, b, c = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    a.write_text(GOOD)
    b.write_text(GOOD.replace('name = "ok"', 'name = "ok"\ndescription = "reworded"'))
    c.write_text(GOOD.replace("steps = 12", "steps = 13"))
    assert load_scenario(a).fingerprint() == load_scenario(b).fingerprint()
    assert load_scenario(a).fingerprint() != load_scenario(c).fingerprint()


@pytest.mark.parametrize("text, value", [("3", 3), ("0.5", 0.5), ("true", True), ("[400, 600]", [400, 600]),
                                         ("self_audit", "self_audit"), ('"a b"', "a b")])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_parse_value_rejects_junk():
    with pytest.raises(ValueError, match="is not a value"):
        parse_value("[1,")


def test_unknown_sampled_parameter_is_named(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('name = "s"\n[design]\nkind = "morris"\nparameters = ["voice_speed", "state_overheads"]\n')
    with pytest.raises(ScenarioError, match=r"design.parameters\[1\]: unknown parameter 'state_overheads'"):
        load_scenario(f)


def test_a_named_package_expands_to_the_package_in_python():
    """the_proposal.toml names the package instead of repeating it: its condition is exactly sim.the_proposal(),
    and a condition's own values override the package's."""
    from sim import the_proposal
    from sim.experiments.schema import scenario_from_dict

    scenario = load_scenario(ROOT / "scenarios" / "the_proposal.toml")
    assert scenario.design.conditions == [{"regime": "state"}, the_proposal()]
    converting = scenario_from_dict({"name": "s", "design": {"kind": "list", "conditions": [
        {"package": "the proposal", "regime": "conversion", "local_autonomy": 0.5}]}})
    assert converting.design.conditions == [the_proposal(regime="conversion", local_autonomy=0.5)]
