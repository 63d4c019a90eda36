"""The batch runner and results store: same tables on any executor, failures recorded, interruptions resumed
without loss or duplicates, crash points of the store handled."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sim.experiments import ResultsError, load_results, process_pool, run_batch
from sim.experiments.executors import dask_executor
from sim.experiments.runner import BatchInterrupted
from sim.experiments.schema import scenario_from_dict
from sim.experiments.store import ResultsStore, read_runs
from sim.metrics_catalogue import METRIC_NAMES

from helpers import CALLS, TINY_DISTRICT, interrupting, same_tables, toy

TINY = {
    "name": "tiny", "steps": 12, "replicates": 3, "seed": 11,
    "params": TINY_DISTRICT,
    "design": {"kind": "factorial", "factors": {"regime": ["state", "privatised", "mutual"]}},
}


def tiny(**changes):
    return scenario_from_dict({**TINY, **changes})


def flaky(params, seed, steps):
    if params.get("regime") == "privatised":
        raise ValueError("the contractor went bust in a way the model did not expect")
    return toy(params, seed, steps)


def test_serial_processes_and_dask_give_identical_tables(tmp_path):
    s = tiny()
    serial = run_batch(s, out=tmp_path / "serial", progress=False)
    assert len(serial.ok) == 9 and serial.manifest["status"] == "complete"
    with process_pool(2) as pool:
        processes = run_batch(s, executor=pool, out=tmp_path / "processes", progress=False)
    with dask_executor(2) as executor:
        dask = run_batch(s, executor=executor, out=tmp_path / "dask", progress=False)
    same_tables(serial, processes)
    same_tables(serial, dask)
    # the tables carry what a reader needs on every row
    ts = serial.timeseries
    assert {"run_id", "condition", "replicate", "seed", "regime", "step", *METRIC_NAMES} <= set(ts.columns)
    assert len(ts) == 9 * 13 and ts.groupby("replicate")["seed"].nunique().eq(1).all()
    assert serial.runs["books_balance"].astype(bool).all()
    # the final-metrics table is the last row of each run
    last = ts[ts["step"] == 12].set_index("run_id")[list(METRIC_NAMES)]
    pd.testing.assert_frame_equal(serial.runs.set_index("run_id")[list(METRIC_NAMES)], last)


def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path):
    result = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=flaky)
    assert len(result.ok) == 6 and len(result.failures) == 3
    assert (result.failures["regime"] == "privatised").all()
    assert result.failures["error"].str.contains("ValueError: the contractor went bust").all()
    man = result.manifest
    assert man["progress"] == {"runs": 9, "finished": 6, "failed": 3} and man["status"] == "incomplete"
    assert "Traceback" in man["failures"][0]["traceback"] and man["failures"][0]["seed"] == result.failures["seed"].iloc[0]
    assert set(result.timeseries["regime"]) == {"state", "mutual"}


def test_failed_runs_are_retried_on_resume(tmp_path):
    run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=flaky)
    again = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    assert len(again.ok) == 9 and again.manifest["status"] == "complete" and again.manifest["failures"] == []
    same_tables(again, run_batch(tiny(), save=False, progress=False, run_fn=toy))


def test_interrupted_batch_resumes_without_loss_or_recomputation(tmp_path):
    s = tiny(replicates=4)
    CALLS.update(n=0, stop_at=7)
    with pytest.raises(BatchInterrupted):
        run_batch(s, out=tmp_path / "r", progress=False, run_fn=interrupting, flush_seconds=0)
    saved = read_runs(tmp_path / "r")
    assert len(saved) == 6 and load_results(tmp_path / "r").manifest["status"] == "interrupted"
    CALLS.update(n=0, stop_at=None)
    resumed = run_batch(s, out=tmp_path / "r", progress=False, run_fn=interrupting)
    assert CALLS["n"] == 12 - 6, "finished runs are not recomputed"
    assert [x["runs"] for x in resumed.manifest["sessions"]] == [6, 6]
    same_tables(resumed, run_batch(s, save=False, progress=False, run_fn=toy))
    assert not list((tmp_path / "r" / "parts").iterdir()), "parts are consolidated"


def test_store_survives_crashes_at_every_step_of_a_write(tmp_path):
    s = tiny()
    out = tmp_path / "r"
    reference = run_batch(s, out=out, progress=False, run_fn=toy)
    parts = out / "parts"
    # a crash after writing a time-series part but before committing it, a half-written temp file, and a crash
    # after consolidating but before deleting the consolidated parts (a stale copy of run 0)
    pd.DataFrame({"run_id": [0], "step": [0]}).to_parquet(parts / "ts-000099.parquet")
    (parts / ".runs-000099.parquet.tmp-1").write_bytes(b"half")
    reference.runs.head(1).to_parquet(parts / "runs-000001.parquet")
    reference.timeseries.head(13).to_parquet(parts / "ts-000001.parquet")
    same_tables(load_results(out), reference)
    again = run_batch(s, out=out, progress=False, run_fn=toy)
    same_tables(again, reference)
    assert sorted(p.name for p in parts.iterdir()) == []


def test_results_of_another_scenario_are_not_mixed_in(tmp_path):
    run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    with pytest.raises(ResultsError, match="holds results of a different scenario.*--fresh"):
        run_batch(tiny(steps=6), out=tmp_path / "r", progress=False, run_fn=toy)
    fresh = run_batch(tiny(steps=6), out=tmp_path / "r", progress=False, run_fn=toy, fresh=True)
    assert fresh.timeseries["step"].max() == 6


def test_one_writer_per_folder(tmp_path):
    s = tiny()
    with ResultsStore(tmp_path / "r", s, {"design": {"runs": 9}}):
        with pytest.raises(ResultsError, match="another batch is writing"):
            run_batch(s, out=tmp_path / "r", progress=False, run_fn=toy)


def test_a_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="is not empty and has no manifest.json"):
        run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)


def test_copied_results_folder_reads_the_same(tmp_path):
    result = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    shutil.copytree(tmp_path / "r", tmp_path / "copy")
    same_tables(load_results(tmp_path / "copy"), result)


def dies_on_replicate_2(params, seed, steps):
    import os

    from sim.experiments.designs import replicate_seeds

    if seed == replicate_seeds(TINY["seed"], 6)[2]:  # worked out here: the worker does not share our globals
        os._exit(3)  # a worker killed outright, as by the out-of-memory killer
    return toy(params, seed, steps)


def test_a_dead_worker_stops_the_batch_cleanly_and_resume_finishes_it(tmp_path):
    from sim.experiments import ExecutorBroken

    s = tiny(replicates=6)
    with process_pool(2) as pool:
        with pytest.raises(ExecutorBroken, match="run the batch again to resume"):
            run_batch(s, executor=pool, out=tmp_path / "r", progress=False, run_fn=dies_on_replicate_2)
    saved = read_runs(tmp_path / "r")
    assert len(saved) > 0 and (saved["status"] == "failed").any()
    assert saved.loc[saved["status"] == "failed", "error"].str.contains("worker failure").all()
    resumed = run_batch(s, out=tmp_path / "r", progress=False, run_fn=toy)
    assert resumed.manifest["status"] == "complete"
    same_tables(resumed, run_batch(s, save=False, progress=False, run_fn=toy))


def test_notebook_shortcuts(tmp_path):
    result = run_batch(tiny(replicates=4), save=False, progress=False, run_fn=toy)
    summary = result.summary(metrics=["satisfaction"])
    assert list(summary["regime"]) == ["state", "privatised", "mutual"] and (summary["n"] == 4).all()
    comp = result.compare(baseline="state", metrics=["satisfaction"])
    assert list(comp["level"]) == ["privatised", "mutual"]
    assert comp.set_index("level").loc["mutual", "mean_diff"] == pytest.approx(0.2, abs=0.05)


def test_results_of_another_model_version_are_not_resumed(tmp_path, monkeypatch):
    import sim.experiments.store as store

    first = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    code = first.manifest["model_code"]
    assert len(code) == 16 and (first.runs["model_code"] == code).all()
    monkeypatch.setattr(store, "model_fingerprint", lambda: "0123456789abcdef")
    with pytest.raises(ResultsError, match="another version of the model's code.*--fresh"):
        run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    again = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy, allow_model_change=True)
    assert again.manifest["sessions"][-1]["model_code"] == "0123456789abcdef"
    assert again.manifest["model_code"] == code, "the folder keeps the code its runs were made with"


def test_short_runs_travel_in_chunks_without_changing_results():
    from concurrent.futures import ThreadPoolExecutor

    class Counting(ThreadPoolExecutor):
        submissions = 0

        def submit(self, *args, **kwargs):
            Counting.submissions += 1
            return super().submit(*args, **kwargs)

    s = tiny(replicates=100)  # 300 runs of about a millisecond
    with Counting(2) as executor:
        chunked = run_batch(s, executor=executor, save=False, progress=False, run_fn=toy)
    assert Counting.submissions < 300 / 4, "short runs are shipped several at a time"
    same_tables(chunked, run_batch(s, save=False, progress=False, run_fn=toy))
    Counting.submissions = 0
    with Counting(2) as executor:
        run_batch(tiny(), executor=executor, save=False, progress=False, run_fn=toy, chunk=1)
    assert Counting.submissions == 9


def test_rerun_if_model_changed_resumes_the_same_model_and_restarts_after_a_change(tmp_path, monkeypatch):
    import sim.experiments.store as store
    import sim.experiments.tasks as tasks

    first = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    same = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy, rerun_if_model_changed=True)
    assert same.manifest["sessions"][-1]["runs"] == 0, "same model: nothing recomputed"
    assert same.runs.equals(first.runs)
    monkeypatch.setattr(store, "model_fingerprint", lambda: "0123456789abcdef")
    monkeypatch.setattr(tasks, "model_fingerprint", lambda: "0123456789abcdef")
    again = run_batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy, rerun_if_model_changed=True)
    assert again.manifest["model_code"] == "0123456789abcdef"
    assert len(again.runs) == len(first.runs) and (again.runs["model_code"] == "0123456789abcdef").all()


def test_rerun_if_changed_runs_an_edited_scenario_file_again_but_never_another_scenario(tmp_path):
    """`make compare` after the shipped scenario changed (a longer burn-in): the folder's runs are of an older
    version of the same scenario, so --rerun-if-changed starts again; a folder of another scenario is refused."""
    from sim.experiments.runner import run_batch as batch

    batch(tiny(), out=tmp_path / "r", progress=False, run_fn=toy)
    again = batch(tiny(steps=6), out=tmp_path / "r", progress=False, run_fn=toy, rerun_if_model_changed=True)
    assert again.timeseries["step"].max() == 6 and again.manifest["sessions"][-1]["runs"] == len(again.runs)
    with pytest.raises(ResultsError, match="holds results of a different scenario"):
        batch(tiny(name="another", steps=6), out=tmp_path / "r", progress=False, run_fn=toy,
              rerun_if_model_changed=True)
