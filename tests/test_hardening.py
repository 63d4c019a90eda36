"""Bad input and faults (issue 10): every bad input is refused up front with one line naming the file or option,
the field, the value and what is allowed (exit status 2, no traceback, nothing written); results are verified,
not trusted; --fresh deletes only what a batch wrote; disk faults keep saved runs; workers do not outlive the
batch; scenario text is escaped in reports.

Each case asserts the message, the exit status and the state of the results folder afterwards.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.experiments import ResultsError, load_results, run_batch
from sim.experiments.runner import BatchInterrupted
from sim.experiments.schema import ScenarioError, load_scenario, scenario_from_dict
from sim.experiments.store import DamagedResults, StorageError

from helpers import CALLS, ROOT, interrupting, same_tables, start_batch, toy, wait_for_a_committed_run

GOOD = """name = "ok"
description = "A tiny scenario."
steps = 6
replicates = 2
seed = 3
[params]
n_units = 1
unit_size = [20, 30]
[design]
kind = "factorial"
[design.factors]
regime = ["state", "mutual"]
"""


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


# --------------------------------------------------------------------------------- the scenario-file corpus
SCENARIOS = [  # (label, file text, parts of the message)
    ("steps is a bool", edit("steps = 6", "steps = true"), ["steps: True is not allowed", "whole number from 1"]),
    ("steps is text", edit("steps = 6", 'steps = "12"'), ["steps: '12' is not allowed", "whole number"]),
    ("steps fractional", edit("steps = 6", "steps = 2.5"), ["steps: 2.5 is not a whole number"]),
    ("steps zero", edit("steps = 6", "steps = 0"), ["steps: 0", "greater than or equal to 1"]),
    ("steps beyond the model", edit("steps = 6", "steps = 40000"), ["steps: 40000", "32000"]),
    ("seed is a bool", edit("seed = 3", "seed = true"), ["seed: True is not allowed", "whole number"]),
    ("seed negative", edit("seed = 3", "seed = -1"), ["seed: -1", "greater than or equal to 0"]),
    ("seed fractional", edit("seed = 3", "seed = 1.5"), ["seed: 1.5 is not a whole number"]),
    ("replicates is text", edit("replicates = 2", 'replicates = "2"'), ["replicates: '2' is not allowed"]),
    ("samples is a bool", edit('kind = "factorial"', 'kind = "factorial"\nsamples = true'),
     ["design.samples: True is not allowed"]),
    ("second_order is a number", edit('kind = "factorial"', 'kind = "factorial"\nsecond_order = 1'),
     ["design.second_order: 1", "true or false"]),
    ("description is a number", edit('description = "A tiny scenario."', "description = 5"),
     ["description: 5 is not allowed", "text in quotes"]),
    ("name is a number", edit('name = "ok"', "name = 5"), ["name: 5 is not allowed", "text in quotes"]),
    ("name escapes the folder", edit('name = "ok"', 'name = "../../etc"'), ["name: '../../etc' is not allowed"]),
    ("name missing", edit('name = "ok"\n', ""), ["name: required field is missing"]),
    ("unknown top-level key", GOOD.replace("seed = 3", "seed = 3\nsteps_per_year = 12"),
     ["steps_per_year: unknown key", "allowed keys here"]),
    ("params is not a table", edit("[params]\nn_units = 1\nunit_size = [20, 30]\n", "params = 3\n"),
     ["params: 3 is not allowed"]),
    ("unknown parameter", edit("n_units = 1", "n_unit = 1"), ["params.n_unit: unknown parameter", "n_units"]),
    ("n_units is a bool", edit("n_units = 1", "n_units = true"), ["params.n_units: True is not a number"]),
    ("n_units is text", edit("n_units = 1", 'n_units = "3"'), ["params.n_units: '3' is not a number"]),
    ("n_units fractional", edit("n_units = 1", "n_units = 1.5"), ["params.n_units: 1.5 is not a whole number"]),
    ("n_units zero", edit("n_units = 1", "n_units = 0"), ["params.n_units: 0 is below the minimum 1"]),
    ("unit_size one value in a list", edit("unit_size = [20, 30]", "unit_size = [20]"),
     ["params.unit_size: [20] is not allowed", "a range [min, max]"]),
    ("unit_size reversed", edit("unit_size = [20, 30]", "unit_size = [30, 20]"),
     ["params.unit_size: the range [30, 20] has its minimum above its maximum"]),
    ("unit_size a bool inside", edit("unit_size = [20, 30]", "unit_size = [true, 30]"),
     ["params.unit_size: True is not a number"]),
    ("population too large for memory", edit("n_units = 1\nunit_size = [20, 30]", "n_units = 5000\nunit_size = 100000"),
     ["n_units x unit_size", "GiB", "memory is available"]),
    ("nan parameter", edit("n_units = 1", "n_units = 1\nvoice_value = nan"), ["params.voice_value: nan is not allowed"]),
    ("inf parameter", edit("n_units = 1", "n_units = 1\nvoice_value = inf"), ["params.voice_value: inf is not allowed"]),
    ("a flag given as text", edit("n_units = 1", 'n_units = 1\nparticipation_audit = "yes"'),
     ["params.participation_audit: 'yes' is not allowed; expected true or false"]),
    ("a choice given a number", edit("n_units = 1", "n_units = 1\naudit_mode = 2"),
     ["params.audit_mode: 2 is not allowed; expected one of"]),
    ("unknown sector", edit("n_units = 1", 'n_units = 1\nsectors = ["prisons"]'),
     ["params.sectors: unknown sector 'prisons'"]),
    ("sector given as a number", edit("n_units = 1", "n_units = 1\nsectors = [1]"), ["params.sectors: unknown sector 1"]),
    ("sector listed twice", edit("n_units = 1", 'n_units = 1\nsectors = ["health", "health"]'),
     ["a sector is listed twice"]),
    ("unknown design kind", edit('kind = "factorial"', 'kind = "grid"'), ["design.kind: 'grid' is not allowed"]),
    ("factor is not a list", edit('regime = ["state", "mutual"]', 'regime = "state"'),
     ["design.factors.regime: 'state' is not allowed", "a list"]),
    ("factor with no values", edit('regime = ["state", "mutual"]', "regime = []"),
     ["design.factors.regime: needs at least one value"]),
    ("factor value twice", edit('regime = ["state", "mutual"]', 'regime = ["state", "state"]'),
     ["design.factors.regime[1]: 'state' is listed twice"]),
    ("factor value out of range", edit('regime = ["state", "mutual"]', "local_autonomy = [0.5, 1.5]"),
     ["design.factors.local_autonomy[1]: 1.5 is above the maximum 1"]),
    ("design plan of a billion points", edit('regime = ["state", "mutual"]',
                                             "\n".join(f"{p} = [{', '.join(str(v / 1000) for v in range(1, 33))}]"
                                                       for p in ("local_autonomy", "asset_lock", "voice_speed",
                                                                 "revision_rate", "exploration_rate", "trust_adjustment"))),
     ["design: 1,073,741,824 conditions x 2 replicates", "too many; expected at most 1,000,000 runs"]),
    ("sobol samples not a power of two", edit('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                              'kind = "sobol"\nsamples = 12\nparameters = ["voice_value"]'),
     ["design.samples: 12 is not allowed for a sobol design; expected a power of two"]),
    ("sampling range out of bounds", edit('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                          'kind = "latin_hypercube"\nparameters = ["voice_value"]\n'
                                          "[design.ranges]\nvoice_value = [0, 50]"),
     ["design.parameters[0]: [0, 50] leaves the allowed range"]),
    ("sampling range a bool", edit('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                   'kind = "latin_hypercube"\nparameters = ["voice_value"]\n'
                                   "[design.ranges]\nvoice_value = [false, 1]"),
     ["design.ranges.voice_value[0]: False is not allowed"]),
    ("sampling a choice parameter", edit('kind = "factorial"\n[design.factors]\nregime = ["state", "mutual"]',
                                         'kind = "morris"\nsamples = 4\nparameters = ["audit_mode"]'),
     ["design.parameters[0]: audit_mode is a choice parameter and cannot be sampled"]),
    ("unknown metric", GOOD + '[analysis]\nmetrics = ["happiness"]\n', ["analysis.metrics[0]: unknown metric 'happiness'"]),
    ("window longer than the run", GOOD + "[analysis]\nwindow = 60\n", ["analysis.window: 60 is longer than the run"]),
    ("compare a factor not varied", GOOD + '[analysis]\ncompare = "n_units"\n',
     ["analysis.compare: 'n_units' is not varied by the design"]),
    ("baseline not a level", GOOD + '[analysis]\nbaseline = "privatised"\n',
     ["analysis.baseline: 'privatised' is not a level of regime"]),
    ("malformed TOML", GOOD + "steps = = 3\n", ["not valid TOML"]),
    ("key given twice", edit("steps = 6", "steps = 6\nsteps = 8"), ["not valid TOML"]),
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
    ("utf-8 with a byte-order mark", GOOD.encode("utf-8-sig"), None),
    ("utf-16 with a byte-order mark (Excel's 'Unicode text')", GOOD.encode("utf-16"), None),
    ("latin-1 bytes", GOOD.replace("A tiny", "Ein kleines Szenario f\u00fcr").encode("latin-1"),
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
    big.write_text(GOOD + "#" * 1_100_000)
    with pytest.raises(ScenarioError, match="too large for a scenario file"):
        load_scenario(big)


def test_scenario_from_a_notebook_accepts_numpy_numbers():
    s = scenario_from_dict({"name": "np", "steps": np.int64(6), "replicates": np.int32(2), "seed": np.uint8(3),
                            "params": {"n_units": np.int64(2), "unit_size": np.arange(20, 22),
                                       "voice_value": np.float32(0.5), "participation_audit": np.bool_(True)}})
    assert (s.steps, s.replicates, s.seed) == (6, 2, 3)


# --------------------------------------------------------------------------------- the command-line corpus
OPTIONS = [  # (argv, parts of the message); argparse's own errors exit 2 through SystemExit
    (["run", "--steps", "0"], ["argument --steps: 0 is not allowed; expected 1 or more"]),
    (["run", "--steps", "-3"], ["argument --steps: -3 is not allowed"]),
    (["run", "--steps", "2.5"], ["argument --steps: '2.5' is not a whole number"]),
    (["run", "--steps", "40000"], ["argument --steps: 40000 is not allowed; expected 1 to 32000"]),
    (["run", "--seed", "-1"], ["argument --seed: -1 is not allowed; expected 0 to 2**63-1"]),
    (["run", "--seed", str(2**63)], ["argument --seed:", "is not allowed"]),
    (["run", "--seed", "one"], ["argument --seed: 'one' is not a whole number"]),
    (["run", "--set", "n_units=true"], ["--set n_units: True is not a number"]),
    (["run", "--set", 'n_units="3"'], ["--set n_units: '3' is not a number"]),
    (["run", "--set", "unit_size=[0, 5]"], ["--set unit_size: 0 is below the minimum 1"]),
    (["run", "--set", "sectors=[1, 2]"], ["--set sectors: unknown sector 1"]),
    (["run", "--set", "=3"], ["--set =3: expected NAME=VALUE"]),
    (["run", "--set", "voice_value=nan"], ["--set voice_value: nan is not allowed"]),
    (["run", "--set", "n_units=5000", "--set", "unit_size=100000"], ["n_units x unit_size", "memory is available"]),
    (["compare", "--seeds", "0"], ["argument --seeds: 0 is not allowed"]),
    (["compare", "--workers", "0", "--steps", "2"], ["argument --workers: 0 is not allowed"]),
    (["compare", "--scheduler", "bogus://x"], ["argument --scheduler:", "the scheme 'bogus' is not allowed"]),
    (["compare", "--scheduler", "tcp://127.0.0.1:99999"], ["argument --scheduler:", "not a number from 1 to 65535"]),
    (["compare", "--scheduler", "tcp://127.0.0.1"], ["argument --scheduler:", "the port is missing"]),
    (["compare", "--scheduler", "tcp://:8786"], ["argument --scheduler:", "has no host"]),
    (["compare", "--scheduler", "tcp://host:8786/extra"], ["argument --scheduler:", "more than host:port"]),
    (["batch", "scenarios/compare_regimes.toml", "--scheduler", "http://127.0.0.1:8786"],
     ["the scheme 'http' is not allowed"]),
    (["report", "results/README.md"], ["results/README.md: no such folder"]),
    (["report", "nowhere", "--metric", "x"], ["--metric/--target: unknown metric 'x'"]),
]


@pytest.mark.parametrize("argv, parts", OPTIONS, ids=[" ".join(a) for a, _ in OPTIONS])
def test_bad_options_are_one_line_and_status_2(capsys, monkeypatch, argv, parts):
    monkeypatch.chdir(ROOT)
    try:
        status = main(argv)
    except SystemExit as e:
        status = e.code
    err = capsys.readouterr().err
    assert status == 2, err
    for part in parts:
        assert part in err, f"{part!r} not in {err!r}"
    assert "Traceback" not in err


def test_out_naming_a_file_is_refused(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD)
    a_file = tmp_path / "taken"
    a_file.write_text("mine")
    for argv in (["batch", str(scenario), "--serial", "--out", str(a_file)],
                 ["batch", str(scenario), "--serial", "--out", str(a_file / "below")],
                 ["sensitivity", str(scenario), "--serial", "--out", str(a_file)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"--out {argv[-1]}:" in err and "is a file" in err and "Traceback" not in err
    assert a_file.read_text() == "mine"


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


# --------------------------------------------------------------------------------- results: verified, not trusted
def toy_scenario(replicates=4, factors=True):
    return scenario_from_dict({"name": "toy", "steps": 6, "replicates": replicates, "seed": 2,
                               "design": {"factors": {"regime": ["state", "mutual"]} if factors else {}}})


def _truncate(p: Path):
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _alter_a_value(p: Path):
    """Change content, not length: flip one byte in the middle (rewriting with pandas changes the size, which
    then reads as truncation, depending on how many metrics there are)."""
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))


def _garbage(p: Path):
    p.write_bytes(b"PAR1 this is not parquet PAR1")


DAMAGE = {"deleted": Path.unlink, "truncated": _truncate, "altered": _alter_a_value, "garbage": _garbage}
WORDS = {"deleted": "is missing", "truncated": "is truncated", "altered": "was altered", "garbage": "is truncated"}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("name", ["runs.parquet", "timeseries.parquet"])
def test_damaged_consolidated_files_are_named_and_recomputed(tmp_path, capsys, name, how):
    s, out = toy_scenario(), tmp_path / "r"
    reference = run_batch(s, out=out, progress=False, run_fn=toy)
    DAMAGE[how](out / name)
    with pytest.raises(DamagedResults, match=f"{name} {WORDS[how]}"):
        load_results(out)
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"damaged results: {name} {WORDS[how]}" in err and "Traceback" not in err
    assert not (out / "report.md").exists()
    with pytest.warns(UserWarning, match=f"{name} {WORDS[how]}.*recomputed"):
        resumed = run_batch(s, out=out, progress=False, run_fn=toy)
    assert resumed.manifest["sessions"][-1]["runs"] == 8, "every run of the damaged pair is recomputed"
    same_tables(resumed, reference)


def test_damaged_parts_are_recomputed_and_a_finished_run_needs_its_time_series(tmp_path):
    s, out = toy_scenario(replicates=6), tmp_path / "r"
    CALLS.update(n=0, stop_at=9)
    with pytest.raises(BatchInterrupted):
        run_batch(s, out=out, progress=False, run_fn=interrupting, flush_seconds=0)
    parts = sorted((out / "parts").glob("ts-*.parquet"))
    assert len(parts) == 8, "one committed pair per finished run"
    parts[2].unlink()  # the case: a deleted time-series part
    _alter_a_value(sorted((out / "parts").glob("runs-*.parquet"))[5])
    with pytest.raises(DamagedResults, match=r"parts/ts-000003.parquet is missing; parts/runs-000006.parquet was "
                                             r"altered"):
        load_results(out)
    CALLS.update(n=0, stop_at=None)
    with pytest.warns(UserWarning) as caught:
        resumed = run_batch(s, out=out, progress=False, run_fn=interrupting)
    text = " ".join(str(w.message) for w in caught)
    assert "ts-000003.parquet is missing" in text and "runs-000006.parquet was altered" in text
    assert CALLS["n"] == 12 - 8 + 2, "the two damaged runs and the unfinished ones are computed"
    assert resumed.manifest["status"] == "complete"
    same_tables(resumed, run_batch(s, save=False, progress=False, run_fn=toy))
    assert not list((out / "parts").iterdir())


MANIFESTS = [
    ("a list", lambda m: [m], "holds a list"),
    ("no scenario", lambda m: {k: v for k, v in m.items() if k != "scenario"}, "has no 'scenario' table"),
    ("not JSON", None, "cannot be read"),
    ("checksums point outside", lambda m: {**m, "checksums": {"../../x": {"sha256": "0"}}}, "'checksums' are not"),
    ("an older format", lambda m: {**m, "format": 1}, "format 1 (is not readable here|was written by an older)"),
]


@pytest.mark.parametrize("label, change, message", MANIFESTS, ids=[c[0] for c in MANIFESTS])
def test_damaged_manifests_are_refused(tmp_path, capsys, label, change, message):
    out = tmp_path / "r"
    run_batch(toy_scenario(), out=out, progress=False, run_fn=toy)
    mp = out / "manifest.json"
    mp.write_text("{not json" if change is None else json.dumps(change(json.loads(mp.read_text()))))
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "manifest.json" in err and "Traceback" not in err
    before = sorted(p.name for p in out.rglob("*"))
    with pytest.raises(ResultsError, match=message):
        run_batch(toy_scenario(), out=out, progress=False, run_fn=toy)
    assert sorted(p.name for p in out.rglob("*")) == before, "a refused resume changes nothing"


def test_a_folder_of_the_older_format_is_rerun_only_when_asked(tmp_path):
    """`make compare` passes --rerun-if-changed (alias --rerun-if-model-changed): a folder written before checksums is run again; a plain
    resume is refused; a file the user put there survives both."""
    s, out = toy_scenario(), tmp_path / "r"
    run_batch(s, out=out, progress=False, run_fn=toy)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["format"] = 1
    del manifest["checksums"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="format 1 was written by an older version.*--fresh"):
        run_batch(s, out=out, progress=False, run_fn=toy)
    again = run_batch(s, out=out, progress=False, run_fn=toy, rerun_if_model_changed=True)
    assert again.manifest["format"] == 2 and again.manifest["sessions"][-1]["runs"] == 8
    assert (out / "notes.txt").read_text() == "mine"


# --------------------------------------------------------------------------------- --fresh deletes only its own
def test_fresh_deletes_only_what_the_batch_and_its_report_wrote(tmp_path):
    from sim.experiments.report import write_report

    s, out = toy_scenario(factors=False), tmp_path / "r"  # one condition: a report with few figures
    result = run_batch(s, out=out, progress=False, run_fn=toy)
    write_report(result)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "report.md" in manifest["outputs"] and any(o.startswith("figures/") for o in manifest["outputs"])
    (out / "notes.txt").write_text("mine")
    (out / "figures" / "my_sketch.png").write_bytes(b"mine")
    manifest["outputs"] += ["../outside.txt", "/etc/passwd", "notes.txt/../../outside.txt"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "outside.txt").write_text("not the batch's")
    run_batch(s, out=out, progress=False, run_fn=toy, fresh=True)
    assert (out / "notes.txt").read_text() == "mine" and (out / "figures" / "my_sketch.png").exists()
    assert (tmp_path / "outside.txt").exists()
    assert not (out / "report.md").exists() and not (out / "tables").exists(), "the stale report is gone"


def test_fresh_refuses_a_folder_no_batch_wrote(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD)
    folder = tmp_path / "mine"
    (folder / "figures").mkdir(parents=True)
    (folder / "report.md").write_text("my own report")
    (folder / "figures" / "a.png").write_bytes(b"x")
    status = main(["batch", str(scenario), "--serial", "--quiet", "--fresh", "--out", str(folder)])
    err = capsys.readouterr().err
    assert status == 2 and "has no manifest.json, so it is not a results folder; --fresh will not delete it" in err
    assert (folder / "report.md").read_text() == "my own report" and (folder / "figures" / "a.png").exists()
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "figures", "report.md"]


# --------------------------------------------------------------------------------- disk faults
def _failing_writes(monkeypatch, after: int, code: int):
    import sim.experiments.store as store

    real = store.atomic_write_bytes
    calls = {"n": 0}

    def write(path, data):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(code, os.strerror(code), str(path))
        return real(path, data)

    monkeypatch.setattr(store, "atomic_write_bytes", write)
    return calls


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_stops_cleanly_and_resume_completes(tmp_path, monkeypatch, code):
    s, out = toy_scenario(replicates=6), tmp_path / "r"
    _failing_writes(monkeypatch, after=13, code=code)  # the first manifest, four committed pairs of parts
    with pytest.raises(StorageError, match=f"cannot write .*{os.strerror(code)}.*saved before are kept; free "
                                           f"space .* run the same command to resume"):
        run_batch(s, out=out, progress=False, run_fn=toy, flush_seconds=0)
    monkeypatch.undo()
    saved = load_results(out)
    assert len(saved.ok) == 4 and saved.manifest["status"] == "running"
    assert not list(out.rglob(".*.tmp-*")), "no temporary file is left behind"
    resumed = run_batch(s, out=out, progress=False, run_fn=toy)
    assert resumed.manifest["sessions"][-1]["runs"] == 12 - 4 and resumed.manifest["status"] == "complete"
    same_tables(resumed, run_batch(s, save=False, progress=False, run_fn=toy))


def test_a_full_disk_through_the_command_line_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD)
    _failing_writes(monkeypatch, after=0, code=errno.ENOSPC)
    assert main(["batch", str(scenario), "--serial", "--quiet", "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "cannot write manifest.json: No space left on device" in err and "Traceback" not in err


# --------------------------------------------------------------------------------- readers during a batch
def slow_toy(params, seed, steps):
    time.sleep(0.002)
    return toy(params, seed, steps)


def test_readers_during_a_batch_see_consistent_snapshots(tmp_path):
    s, out = toy_scenario(replicates=30), tmp_path / "r"
    errors: list[BaseException] = []
    writer = threading.Thread(target=lambda: run_batch(s, out=out, progress=False, run_fn=slow_toy,
                                                       flush_seconds=0.01))
    writer.start()
    reads = 0
    while writer.is_alive() or reads == 0:
        try:
            r = load_results(out)
        except ResultsError as e:
            if "no manifest.json" not in str(e) and "no such folder" not in str(e):
                errors.append(e)
            continue
        reads += 1
        if len(r.runs):
            assert set(r.timeseries["run_id"]) == set(r.ok["run_id"])
            assert (r.timeseries.groupby("run_id").size() == 7).all()
    writer.join()
    assert not errors, errors[:3]
    assert reads > 5 and load_results(out).manifest["status"] == "complete"


# --------------------------------------------------------------------------------- schedulers that are not Dask
class Listener:
    """A local TCP server that is not Dask: silent, or an HTTP-like one that waits for a request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_a_listener_that_is_not_dask_fails_clearly_within_the_timeout(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(GOOD)
    listener = Listener()
    try:
        start = time.monotonic()
        status = main(["batch", str(scenario), "--quiet", "--scheduler", f"tcp://127.0.0.1:{listener.port}",
                       "--out", str(tmp_path / "r")])
        took = time.monotonic() - start
    finally:
        listener.close()
    err = capsys.readouterr().err
    assert status == 2 and took < 10, (status, took)
    assert "did not answer as a Dask scheduler within 5 s" in err and "Traceback" not in err
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now
    assert main(["batch", str(scenario), "--quiet", "--scheduler", f"127.0.0.1:{port}"]) == 2
    assert "cannot connect" in capsys.readouterr().err


# --------------------------------------------------------------------------------- escaping
def test_scenario_text_is_escaped_in_the_report(tmp_path):
    from sim.experiments.report import write_report

    s = scenario_from_dict({"name": "esc", "steps": 6, "replicates": 3, "seed": 2,
                            "description": "<script>alert('x')</script>\n# Not a heading\n"
                                           "[click](javascript:alert(1)) <!-- hidden --> **bold** `code`"})
    result = run_batch(s, out=tmp_path / "r", progress=False, run_fn=toy)
    text = write_report(result).read_text()
    for raw in ("<script", "<!--", "[click](", "\n# Not", "**bold**"):
        assert raw not in text, raw
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text and "\\# Not a heading" in text


# --------------------------------------------------------------------------------- processes
def _session_processes(sid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True).stdout.split("\n")
    return [int(p) for p, s in (line.split() for line in out if line.strip()) if int(s) == sid]


# Long enough that a signal sent after the first committed run lands mid-batch even on a loaded machine (with 40
# replicates the 80 runs could all finish between two polls, and Ctrl-C then hit the Dask cluster's shutdown).
SLOW_SCENARIO = GOOD.replace("replicates = 2", "replicates = 200").replace("steps = 6", "steps = 24")


def _batch_process(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    scenario = tmp_path / "s.toml"
    scenario.write_text(SLOW_SCENARIO)
    out = tmp_path / "r"
    return start_batch(scenario, out, *extra, cwd=tmp_path), out


@pytest.mark.slow
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    proc, out = _batch_process(tmp_path, "--workers", "2")
    try:
        assert wait_for_a_committed_run(out)
        assert len(_session_processes(proc.pid)) >= 3, "the main process, the forkserver and the workers"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must notice by themselves
        proc.wait()
        end = time.monotonic() + 5
        while _session_processes(proc.pid) and time.monotonic() < end:
            time.sleep(0.1)
        assert _session_processes(proc.pid) == [], "no worker outlives the batch by more than a few seconds"
    finally:
        for pid in _session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert len(load_results(out).runs) > 0, "what was committed is readable"


@pytest.mark.slow
def test_ctrl_c_on_a_dask_batch_is_clean(tmp_path):
    proc, out = _batch_process(tmp_path, "--dask", "--workers", "2")
    try:
        assert wait_for_a_committed_run(out, timeout=90)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted; finished runs are saved" in err
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
