"""The command line: one-line errors with exit status 2, help for every option, the batch -> report flow,
and a batch killed part-way that resumes to the same tables as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import load_results, process_pool, run_batch
from sim.experiments.schema import load_scenario
from sim.experiments.store import read_runs

from helpers import ROOT, cli, same_tables, start_batch, wait_for_a_committed_run

SMALL = """
name = "small"
description = "Three regimes on a tiny district, for tests."
steps = 24
replicates = 3
seed = 5
[params]
n_units = 2
unit_size = [40, 60]
[design]
kind = "factorial"
[design.factors]
regime = ["state", "privatised", "mutual"]
[analysis]
metrics = ["participation_rate", "cost_per_capita", "responsiveness", "satisfaction"]
window = 6
"""


def test_help_explains_every_option(capsys):
    for command, options in {
        "run": ["--regime", "--steps", "--seed", "--set", "--every"],
        "compare": ["--seeds", "--steps", "--seed", "--metric", "--set", "--workers", "--serial", "--dask",
                    "--scheduler"],
        "batch": ["SCENARIO", "--out", "--workers", "--serial", "--dask", "--scheduler", "--fresh", "--report",
                  "--quiet"],
        "report": ["DIR", "--out", "--metric", "--target", "--print"],
        "sensitivity": ["SCENARIO", "--metric", "--out", "--workers", "--serial", "--dask", "--scheduler"],
    }.items():
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        text = capsys.readouterr().out
        for option in options:
            assert option in text, f"{command} --help does not mention {option}"


BAD_INPUT = [
    (["run", "--set", "n_units=0"], "--set n_units: 0 is below the minimum 1"),
    (["run", "--set", "n_unit=3"], "did you mean 'n_units'"),
    (["run", "--set", "regime"], "--set regime: expected NAME=VALUE"),
    (["run", "--set", "unit_size=[1,"], "--set unit_size: '[1,' is not a value"),
    (["run", "--steps", "0"], "argument --steps: 0 is not allowed; expected 1 or more"),
    (["run", "--regime", "anarchy"], "argument --regime: invalid choice: 'anarchy'"),
    (["compare", "--metric", "happiness"], "--metric: unknown metric 'happiness'"),
    (["compare", "--set", "regime=mutual"], "compare runs every regime"),
    (["batch", "nope.toml"], "nope.toml: no such file"),
    (["report", "nowhere"], "nowhere: no such folder"),
    (["report", "scenarios"], "scenarios: no manifest.json here"),
    (["sensitivity", "scenarios/compare_regimes.toml"], "sensitivity needs 'morris' or 'sobol'"),
    (["batch", "scenarios/compare_regimes.toml", "--workers", "two"], "argument --workers: 'two' is not a whole"),
    (["batch", "scenarios/compare_regimes.toml", "--dask", "--serial"], "not allowed with argument"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_clear_line_and_status_2(capsys, args, message, monkeypatch):
    monkeypatch.chdir(ROOT)
    try:
        status = main(args)
    except SystemExit as e:  # argparse's own errors
        status = e.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err, err
    assert "Traceback" not in err


def test_bad_scenario_file_through_the_console(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(SMALL.replace("n_units = 2", "n_units = -4"))
    done = cli("batch", str(f), "--serial")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"mutual-state batch: error: {f}: params.n_units: -4 is below the minimum 1; "
                                   f"expected a whole number from 1 to 100000")


def test_run_prints_the_final_metrics(capsys):
    assert main(["run", "--regime", "mutual", "--steps", "6", "--seed", "3", "--set", "n_units=2"]) == 0
    out = capsys.readouterr().out
    assert "6 months, seed 3" in out and "regime=mutual" in out
    for metric in ("participation_rate", "cost_per_capita", "responsiveness", "satisfaction_gap"):
        assert metric in out


def test_compare_prints_regimes_with_intervals(capsys):
    assert main(["compare", "--seeds", "3", "--steps", "12", "--serial", "--set", "n_units=2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split() == ["regime", "participation_rate", "cost_per_capita", "responsiveness"]
    assert [ln.split()[0] for ln in lines[3:6]] == ["state", "privatised", "mutual"]
    assert "[" in lines[3] and "Paired differences from state" in out


def test_batch_then_report(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL)
    done = cli("batch", str(scenario), "--workers", "2", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "9 runs finished, 0 failed" in done.stdout and "next: mutual-state report results/small" in done.stdout
    out = tmp_path / "results" / "small"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["scenario"]["name"] == "small"
    assert manifest["git"]["commit"] and manifest["package"]["version"]
    assert len(manifest["seeds"]["replicates"]) == 3 and manifest["timings"]["run_seconds_total"] > 0
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    for part in ("## What was run", "## Outcomes", "## The claim", "## What differs, and how sure we are",
                 "privatised vs state", "95% CI", "figures/timeseries.png", "## Method"):
        assert part in report, part
    for fig in ("timeseries", "comparison"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 10_000
        assert (out / "figures" / f"{fig}.svg").read_text().startswith("<?xml")
    assert pd.read_csv(out / "tables" / "comparisons.csv")["p_holm"].between(0, 1).all()


def test_batch_with_report_ends_with_the_headline_table_and_the_claim(tmp_path):
    """What `make compare` shows: the three claims' outcomes per regime, then the claim tested in words."""
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL)
    done = cli("batch", str(scenario), "--serial", "--quiet", "--report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = done.stdout[done.stdout.index("Mean of the last months"):done.stdout.index("## The claim")]
    assert "| metric | state | privatised | mutual |" in table
    assert {line.split("|")[1].strip() for line in table.splitlines()[3:] if line.startswith("| ")} == {
        "participation_rate", "cost_per_capita", "responsiveness"}
    assert "Mutuals are " in done.stdout and "report: results/small/report.md" in done.stdout


def _start_batch(tmp_path: Path, name: str, replicates: int, folder: str, capture: bool):
    """Start a batch of the small scenario in its own process group, as a user's terminal would."""
    scenario_path = tmp_path / f"{name}.toml"
    scenario_path.write_text(SMALL.replace('name = "small"', f'name = "{name}"').replace(
        "replicates = 3", f"replicates = {replicates}"))
    out = tmp_path / folder
    return scenario_path, out, start_batch(scenario_path, out, "--workers", "2", cwd=tmp_path, capture=capture)


def test_killed_batch_resumes_to_the_same_tables(tmp_path):
    scenario_path, out, proc = _start_batch(tmp_path, "resume", 20, "killed", capture=False)
    try:
        assert wait_for_a_committed_run(out), "the batch never saved a part"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch, its pool and its forkserver: no chance to clean up
        proc.wait()
    finished_before = len(read_runs(out))
    assert 0 < finished_before < 60, "kill the batch part-way"

    done = cli("batch", str(scenario_path), "--out", str(out), "--workers", "2", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"resuming, {60 - finished_before} of 60 runs to run on 2 local processes" in done.stderr
    resumed = load_results(out)
    sessions = resumed.manifest["sessions"]
    assert sessions[-1]["runs"] == 60 - finished_before, "no finished run recomputed"
    assert resumed.manifest["status"] == "complete" and len(resumed.runs) == 60
    again = cli("batch", str(scenario_path), "--out", str(out), "--workers", "2", "--quiet", cwd=tmp_path)
    assert "all 60 runs already finished" in again.stderr and "nothing to run" in again.stderr, again.stderr

    with process_pool(2) as pool:
        reference = run_batch(load_scenario(scenario_path), executor=pool, out=tmp_path / "reference",
                              progress=False)
    same_tables(resumed, reference)


def test_sigterm_saves_and_exits_130(tmp_path):
    scenario_path, out, proc = _start_batch(tmp_path, "term", 40, "term", capture=True)
    try:
        assert wait_for_a_committed_run(out)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted; finished runs are saved" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["progress"]["finished"] == len(read_runs(out)) > 0


def test_batch_on_an_existing_dask_scheduler(tmp_path, capsys):
    import dask
    from dask.distributed import LocalCluster

    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL)
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        status = main(["batch", str(scenario), "--scheduler", cluster.scheduler_address, "--quiet",
                       "--out", str(tmp_path / "on_dask")])
    assert status == 0
    assert "9 runs finished, 0 failed" in capsys.readouterr().out
    on_dask = load_results(tmp_path / "on_dask")
    assert on_dask.manifest["sessions"][0]["executor"].startswith("Dask (tcp://")
    serial = run_batch(load_scenario(scenario), save=False, progress=False)
    same_tables(on_dask, serial)


def test_sensitivity_command_runs_the_screen_and_writes_its_report(tmp_path, capsys):
    scenario = tmp_path / "screen.toml"
    scenario.write_text("""
name = "screen"
steps = 12
replicates = 1
seed = 9
[params]
n_units = 2
unit_size = [40, 60]
regime = "mutual"
[design]
kind = "morris"
samples = 4
parameters = ["participation_cost", "voice_value", "local_autonomy"]
[analysis]
metrics = ["satisfaction", "participation_rate"]
target = "satisfaction"
window = 6
""")
    assert main(["sensitivity", str(scenario), "--serial", "--quiet", "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "satisfaction is most sensitive to" in out and "participation_rate" in out
    text = (tmp_path / "s" / "sensitivity.md").read_text()
    assert "## Sensitivity (Morris screening)" in text and "figures/sensitivity_satisfaction.png" in text
    table = pd.read_csv(tmp_path / "s" / "tables" / "sensitivity_satisfaction.csv")
    assert set(table["parameter"]) == {"participation_cost", "voice_value", "local_autonomy"}
    assert (table["mu_star"] >= 0).all()


def test_report_section_is_cut_from_the_markdown():
    from sim.cli import report_section

    text = "# t\n\n## The claim\n\n- a\n- b\n\n## Next\n\nc\n"
    assert report_section(text, "The claim") == "## The claim\n\n- a\n- b"
    assert report_section(text, "Missing") == ""
