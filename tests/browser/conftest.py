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
START_WITHIN = 180  # seconds for a served dashboard to answer (2-6 s on an idle machine)
HARMLESS = ("/_solara/api/close",)  # Solara's closing call, aborted when a test navigates away: harmless

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the "
                "browser tests", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """The tests of the served dashboard run on one worker when the suite is spread over several (pytest-xdist's
    ``--dist loadgroup``), so that one dashboard is served per run, not one per worker."""
    for item in items:
        if "served" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("served_dashboard"))


def stop(proc: subprocess.Popen, signum: int = signal.SIGINT) -> None:
    """Stop ``mutual-state dashboard`` as a user does, so that it stops Solara's own process group too; kill its
    group if it has not stopped within 15 seconds."""
    os.killpg(proc.pid, signum)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def compile_kernels() -> None:
    """Compile (or load) the model's kernels in this process before the dashboard starts, so that its workers load
    them from the cache instead of compiling them while a test waits for its first comparison: on a clean
    checkout of a 2-core machine busy with the rest of the suite, compiling took longer than a test's wait for
    its comparison (about 76 s of CPU alone for the default district). Every regime, a year's end included."""
    import sim

    for regime in ("state", "privatised", "mutual"):
        sim.MutualStateModel(rng=0, n_units=2, regime=regime).run(13)


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """``mutual-state dashboard`` on a free port, in its own process group (stopped by its id at the end), after
    the kernels are compiled (``compile_kernels``).

    It may take a while to answer on a machine busy with the rest of the suite: up to ``START_WITHIN`` seconds."""
    compile_kernels()
    port = _free_port()
    home = tmp_path_factory.mktemp("solara_home")
    env = {**os.environ, "SOLARA_HOME": str(home)}
    cwd = tmp_path_factory.mktemp("dashboard_cwd")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_WITHIN
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                stop(proc)
            pytest.fail(f"the dashboard did not answer within {START_WITHIN} s:\n"
                        + (home / "server.log").read_text()[-3000:])
        time.sleep(0.5)
    yield url
    stop(proc)


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
