"""Screenshots of the dashboard's pages for the policymakers' guide, taken from a served dashboard.

The browser tests (``tests/browser``) take screenshots of each page after using it (a comparison run, a run
explored, a batch opened); when they are newer than the dashboard's code, the build uses those. Otherwise it
serves ``mutual-state dashboard`` on a free port and photographs each page as it opens, with Playwright driving
Debian's Chromium (the launch arguments of ``tests/browser/conftest.py``). Without Chromium there are no
screenshots and the guide says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "_generated" / "screenshots"
FROM_TESTS = ROOT / "tests" / "browser" / "screenshots"
CHROMIUM = os.environ.get("MUTUAL_STATE_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def shot_name(label: str) -> str:
    return label.lower().replace(" ", "_")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _newest_code() -> float:
    return max(p.stat().st_mtime for p in (ROOT / "sim" / "dashboard").rglob("*.py"))


def _photograph(page, path: Path) -> None:
    """The whole page: Solara scrolls inside a container, so grow the viewport to its content first."""
    size = page.viewport_size
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size(size)


def _take(routes: list[tuple[str, str]]) -> None:
    """Serve the dashboard and photograph each page as it opens (its own process group, stopped by its id)."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="dashboard-") as home:
        env = {**os.environ, "SOLARA_HOME": home, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
        Path(home, ".solara_checked").touch()
        log = open(Path(home) / "server.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)], env=env,
                                  cwd=home, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(base + "/", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the dashboard did not start:\n" + Path(home, "server.log").read_text()[-2000:])
                time.sleep(0.5)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(90_000)
                for label, path in routes:
                    page.goto(base + path)
                    page.locator("[class*='ms-nav-']").first.wait_for()
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(1500)
                    _photograph(page, SCREENSHOTS / f"{shot_name(label)}.png")
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()


def write(srcdir: Path) -> None:
    """Screenshots of every dashboard page in ``_generated/screenshots/``: the browser tests' if fresh, else new."""
    if not Path(CHROMIUM).exists():
        return
    from sim.dashboard.app import routes

    pages = [(r.label, "/" if r.path == "/" else f"/{r.path}") for r in routes]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    code = _newest_code()
    missing = []
    for label, path in pages:
        tested = FROM_TESTS / f"{shot_name(label)}.png"
        built = SCREENSHOTS / f"{shot_name(label)}.png"
        if tested.exists() and tested.stat().st_mtime > code:
            shutil.copy2(tested, built)
        elif not (built.exists() and built.stat().st_mtime > code):
            missing.append((label, path))
    if missing:
        _take(missing)
