"""A served dashboard and a headless Chromium for the browser tests.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download does not work
offline). Playwright's sync API is used directly, not through the pytest-playwright plugin, so nothing loads
into the rest of the test suite. Every page records console errors, failed requests and requests that would
leave the machine; a test ends by asserting there were none.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MUTUAL_STATE_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
HARMLESS = ("/_solara/api/close",)  # Solara's closing call, aborted when a test navigates away: harmless

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the "
                "browser tests", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """``mutual-state dashboard`` on a free port, in its own process group (stopped by its id at the end)."""
    port = _free_port()
    home = tmp_path_factory.mktemp("solara_home")
    env = {**os.environ, "SOLARA_HOME": str(home)}
    cwd = tmp_path_factory.mktemp("dashboard_cwd")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the dashboard did not start:\n" + (home / "server.log").read_text()[-3000:])
        time.sleep(0.5)
    yield url
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page and what it did wrong."""

    def __init__(self, page, base: str):
        """Listen to the page from the start: an error before the first assertion counts too."""
        self.page = page
        self.base = base
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.off_machine: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)

    def _failed(self, request):
        if not any(h in request.url for h in HARMLESS):
            self.failed.append(f"{request.url}: {request.failure}")

    def _request(self, request):
        url = request.url
        if not (url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:"))):
            self.off_machine.append(url)

    def open(self, path: str = "", ready: str = ".ms-nav-compare"):
        self.page.goto(self.base + path)
        self.page.locator(ready).first.wait_for(timeout=60_000)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def screenshot(self, name: str) -> Path:
        """The whole page, for a person to look at (tests/browser/screenshots), not only what fits on screen."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = self.page.viewport_size
        # Solara's layout scrolls inside a container, so a full-page shot is only the viewport: grow the viewport
        # to the tallest scrolling content for the shot, then restore it
        height = self.page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
        self.page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=path)
        self.page.set_viewport_size(size)
        return path

    def assert_clean(self):
        assert self.console_errors == [], self.console_errors
        assert self.failed == [], self.failed
        assert self.off_machine == [], self.off_machine


@pytest.fixture
def watched(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield Watched(page, served)
    context.close()
