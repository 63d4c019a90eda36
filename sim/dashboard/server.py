"""Serve the dashboard offline with Solara's server (``mutual-state dashboard``).

Offline means: Solara's front-end from the installed ``solara-assets`` (no CDN), production mode (which skips
the check that loads a page from solara.dev), no version check and no telemetry.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

APP = "sim.dashboard.app"

#: The environment variable that carries ``--max-run-years`` to the server's process (read by ``runs.work_limit``).
WORK_LIMIT_VARIABLE = "MUTUAL_STATE_MAX_RUN_YEARS"


def offline_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the server runs in: telemetry off, Matplotlib without a display."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.setdefault("MPLBACKEND", "Agg")
    home = Path(env.get("SOLARA_HOME", Path.home() / ".solara"))
    try:  # belt and braces: with this file Solara never asks solara.dev whether it may run
        home.mkdir(parents=True, exist_ok=True)
        (home / ".solara_checked").touch()
    except OSError:
        pass
    return env


def command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port), "--no-open",
            "--no-check-version", "--production"]


#: The signals that stop the dashboard: Ctrl-C, ``kill PID`` and a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

#: How long Solara may take to close its sessions before everything it started is killed (the whole stop must
#: take less than five seconds).
GRACE_SECONDS = 2.5


class Stop(Exception):
    """A stop signal arrived (``STOP_SIGNALS``)."""


def serve(host: str = "127.0.0.1", port: int = 8765, max_run_years: int | None = None) -> int:
    """Run the server in the foreground until a stop signal (Ctrl-C, SIGTERM, SIGHUP); return its exit status.

    Solara runs in a process group of its own, with everything it starts (the comparisons' forkserver and its
    workers), so that a stop leaves nothing behind: the group is asked to stop, and killed after
    ``GRACE_SECONDS``. ``max_run_years``: the most work one comparison may ask (``runs.work_limit``).
    """
    environment = offline_environment()
    if max_run_years is not None:
        environment[WORK_LIMIT_VARIABLE] = str(max_run_years)
    print(f"Mutual State dashboard: http://{host}:{port}/  (Ctrl-C stops it)", file=sys.stderr)

    def on_stop(signum, _frame):
        raise Stop(signum)

    previous = {signum: signal.signal(signum, on_stop) for signum in STOP_SIGNALS}
    try:
        proc = subprocess.Popen(command(host, port), env=environment, start_new_session=True)
        try:
            return proc.wait()
        except (Stop, KeyboardInterrupt):
            stop_group(proc)
            return 130
        finally:
            stop_group(proc)  # the server may have died alone: its workers go with it
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_group(proc: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL to whatever is left after ``GRACE_SECONDS``."""
    def signal_group(signum: int) -> bool:
        try:
            os.killpg(proc.pid, signum)
            return True
        except (ProcessLookupError, PermissionError):  # nothing left in the group
            return False

    if not signal_group(signal.SIGTERM):
        return
    try:
        proc.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    signal_group(signal.SIGKILL)
    proc.wait()
