"""Results are verified, not trusted: damaged files are named and recomputed, --fresh deletes only what a batch
wrote, a full or read-only disk keeps the saved runs, and readers see consistent snapshots while a batch writes."""

from __future__ import annotations

import errno
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments import ResultsError, load_results, run_batch
from sim.experiments.runner import BatchInterrupted
from sim.experiments.schema import scenario_from_dict
from sim.experiments.store import DamagedResults, StorageError

from helpers import CALLS, GOOD_SCENARIO, interrupting, same_tables, toy


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
    scenario.write_text(GOOD_SCENARIO)
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
    scenario.write_text(GOOD_SCENARIO)
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
