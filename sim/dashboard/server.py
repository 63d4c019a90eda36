"""Serve the dashboard offline with Solara's server (``mutual-state dashboard``).

Offline means: Solara's front-end from the installed ``solara-assets`` (no CDN), production mode (which skips
the check that loads a page from solara.dev), no version check and no telemetry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = "sim.dashboard.app"


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


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the server in the foreground until Ctrl-C; return its exit status."""
    print(f"Mutual State dashboard: http://{host}:{port}/  (Ctrl-C stops it)", file=sys.stderr)
    proc = subprocess.Popen(command(host, port), env=offline_environment())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130
