"""A stop signal to ``mutual-state dashboard`` leaves no process behind: not Solara, not the comparisons'
forkserver, not a worker busy with a run (within five seconds)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil  # a dependency of dask's distributed, which the package requires
import pytest

STOP_WITHIN = 5.0  # seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dashboard(tmp_path) -> tuple[subprocess.Popen, str]:
    """The dashboard as a user starts it, in a process group of its own so that a failing test can clean up."""
    port = _free_port()
    env = {**os.environ, "SOLARA_HOME": str(tmp_path / "solara_home")}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)], env=env,
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "w"),
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return proc, url
        except OSError:
            time.sleep(0.5)
    if proc.poll() is None:  # stopped as a user stops it, so that Solara's own process group goes too
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    pytest.fail("the dashboard did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_leaves_no_process_behind(browser, tmp_path, stop):
    proc, url = start_dashboard(tmp_path)
    descendants: list[psutil.Process] = []
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url + "?n_units=4&unit_size=100-150&years=30&replicates=20&seed=7")
        page.locator(".ms-run").wait_for(timeout=60_000)
        if stop == signal.SIGTERM:  # workers busy with a comparison, not only idle
            page.locator(".ms-run").click()
            page.locator(".ms-progress").wait_for(timeout=60_000)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the pool (forkserver and a worker per core) starts beside the page
            descendants = psutil.Process(proc.pid).children(recursive=True)
            if sum("forkserver" in " ".join(child.cmdline()) for child in descendants) >= 1 + (os.cpu_count() or 1):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the comparisons' workers did not start: {[c.cmdline() for c in descendants]}")
        context.close()

        started = time.monotonic()
        os.kill(proc.pid, stop)
        proc.wait(timeout=STOP_WITHIN)
        _gone, alive = psutil.wait_procs(descendants, timeout=max(0.1, STOP_WITHIN - (time.monotonic() - started)))
        assert alive == [], [child.cmdline() for child in alive]
        assert time.monotonic() - started < STOP_WITHIN
    finally:
        for child in descendants:  # the test's own clean-up, whatever happened above
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
