"""Workers do not outlive the batch: killing the main process, or Ctrl-C on a Dask batch, leaves no process
behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sim.experiments import load_results

from helpers import GOOD_SCENARIO, start_batch, wait_for_a_committed_run


# --------------------------------------------------------------------------------- processes
def _session_processes(sid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True).stdout.split("\n")
    return [int(p) for p, s in (line.split() for line in out if line.strip()) if int(s) == sid]


# Long enough that a signal sent after the first committed run lands mid-batch even on a loaded machine (with 40
# replicates the 80 runs could all finish between two polls, and Ctrl-C then hit the Dask cluster's shutdown).
SLOW_SCENARIO = GOOD_SCENARIO.replace("replicates = 2", "replicates = 200").replace("steps = 6", "steps = 24")


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
