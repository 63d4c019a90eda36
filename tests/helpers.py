"""Set-up shared by the batch, results-store and command-line tests (test_experiments_runner.py,
test_results_integrity.py, test_scenario_errors.py, test_cli_errors.py, test_worker_processes.py,
test_cli_experiments.py): a stand-in model for the runner, a stand-in that stops part-way, tables compared
without their timings, the command line run as a user's terminal runs it, a tiny scenario file, and waiting for a
batch in another process to commit a run.

Imported as ``helpers`` (pytest puts tests/ on the path: it has no ``__init__.py``). The stand-ins run in the
test process only (``run_batch`` without an executor), so they need not be importable by pool workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.store import read_runs
from sim.metrics_catalogue import METRIC_NAMES

ROOT = Path(__file__).resolve().parents[1]
#: The smallest district the experiment tests run the real model on (two units of 40-60 adults).
TINY_DISTRICT = {"n_units": 2, "unit_size": [40, 60]}
TIMING = ["seconds"]  # the one column of a run's record that differs between two identical runs

# ------------------------------------------------------------------------------------------- stand-in models
LEVEL = {"state": 0.0, "privatised": 0.1, "mutual": 0.2}


def toy(params, seed, steps):
    """A stand-in model: deterministic in (params, seed), fast; each regime has its own level."""
    rng = np.random.default_rng(seed)
    level = LEVEL[params.get("regime", "state")]
    return pd.DataFrame({m: level + rng.normal(0, 0.01, steps + 1).cumsum() for m in METRIC_NAMES})


CALLS = {"n": 0, "stop_at": None}  # set with CALLS.update(n=0, stop_at=k) before a batch that should stop


def interrupting(params, seed, steps):
    """``toy``, but the ``CALLS["stop_at"]``-th call raises KeyboardInterrupt (a user's Ctrl-C mid-batch)."""
    CALLS["n"] += 1
    if CALLS["stop_at"] is not None and CALLS["n"] == CALLS["stop_at"]:
        raise KeyboardInterrupt
    return toy(params, seed, steps)


def same_tables(a, b):
    """Two batch results hold identical runs (but for timings) and time series."""
    pd.testing.assert_frame_equal(a.runs.drop(columns=TIMING), b.runs.drop(columns=TIMING))
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


# ------------------------------------------------------------------------------------------- the command line
def cli_env() -> dict[str, str]:
    """The environment of a command run from a terminal in this checkout: the project first on the path."""
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``mutual-state ARGS`` in a process of its own; waits for it and captures its output."""
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          env=cli_env(), timeout=timeout)


def start_batch(scenario: Path, out: Path, *extra: str, cwd: Path, capture: bool = True) -> subprocess.Popen:
    """``mutual-state batch SCENARIO --out OUT --quiet EXTRA`` started in its own session (process group), as a
    user's terminal would: the caller may signal the group, or the main process only, and must wait for it."""
    stream = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "sim.cli", "batch", str(scenario), "--out", str(out), "--quiet",
                             *extra], cwd=cwd, env=cli_env(), stdout=stream, stderr=stream, text=True,
                            start_new_session=True, preexec_fn=_interruptible)


def _interruptible() -> None:
    """Ctrl-C as a terminal delivers it: a test suite started in the background by a non-interactive shell
    (``make test &``) ignores SIGINT, and its children would inherit that, so a Ctrl-C test could never fail
    or pass for the right reason."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds have passed (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return False


def has_a_committed_run(out: Path) -> bool:
    """True once the results folder's manifest lists a committed run (a part file alone is not committed)."""
    try:
        return len(read_runs(out)) > 0
    except Exception:  # no manifest yet, or caught between writes
        return False


def wait_for_a_committed_run(out: Path, timeout: float = 60) -> bool:
    return wait_for(lambda: has_a_committed_run(out), timeout)


# ------------------------------------------------------------------------------------------- scenarios
#: A tiny valid scenario file that the error tests edit one field at a time.
GOOD_SCENARIO = """name = "ok"
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


def edited_scenario(old: str, new: str) -> str:
    """``GOOD_SCENARIO`` with one piece of text replaced (which must be there)."""
    assert old in GOOD_SCENARIO, old
    return GOOD_SCENARIO.replace(old, new)
