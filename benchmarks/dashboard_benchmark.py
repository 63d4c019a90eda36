"""Speed of the dashboard against issue 8's targets, measured in a served app and headless Chromium.

    python benchmarks/dashboard_benchmark.py [--repeats 3]

1. First render: from the server answering HTTP 200 to the Compare page's Run button on screen (target < 5 s).
2. A default-district comparison (3 regimes x 5 replicates x 10 years, the page's defaults): from clicking Run
   to the readout of the new comparison on screen (target < 10 s on 2 cores); and the same comparison called
   in Python (``run_comparison`` with the dashboard's process pool), without the page.
3. A click answered while a run is in progress: opening a lever group until its first control is visible
   (target < 0.5 s).

Prints medians over ``--repeats`` and the load average, because other work on the machine slows every figure.
Needs the dashboard extra, Playwright and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve() -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "SOLARA_HOME": tempfile.mkdtemp(prefix="solara_home")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise SystemExit("the dashboard did not start")


def median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} s (n={len(xs)}, min {min(xs):.2f}, max {max(xs):.2f})"


def browser_figures(url: str, repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import expect, sync_playwright

    out: dict[str, list[float]] = {"first_render": [], "comparison_in_page": [], "click_during_run": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 1400})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url)
            page.locator(".ms-run").wait_for(timeout=60_000)
            out["first_render"].append(time.perf_counter() - start)
            page.wait_for_timeout(1000)
            start = time.perf_counter()
            page.locator(".ms-run").click()
            expect(page.locator(".ms-progress")).to_be_visible()
            for title, control in [("2. Decentralisation", "local autonomy: 0.5"), ("3. Recognised status",
                                                                                   "asset lock: 0.5")]:
                t0 = time.perf_counter()
                page.get_by_text(title).click()
                page.get_by_text(control).wait_for(state="visible", timeout=10_000)
                out["click_during_run"].append(time.perf_counter() - t0)
            expect(page.locator(".ms-run-count")).to_be_visible(timeout=300_000)
            out["comparison_in_page"].append(time.perf_counter() - start)
            context.close()
        browser.close()
    return out


def python_comparison(repeats: int) -> list[float]:
    from sim.dashboard.controls import RunSettings
    from sim.dashboard.runs import run_comparison, shared_pool

    shared_pool()  # the server's pool is warm after its first comparison too
    times = []
    for _ in range(repeats + 1):
        c = run_comparison({}, RunSettings())
        times.append(c.seconds)
    return times[1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    proc, url, started = serve()
    try:
        print(f"server answers HTTP 200 after {started:.2f} s")
        figures = browser_figures(url, args.repeats)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    print(f"first render after the server answers: {median(figures['first_render'])}   (target < 5 s)")
    print(f"default-district comparison in the page (click Run to readout): {median(figures['comparison_in_page'])}"
          f"   (target < 10 s)")
    print(f"click answered during a run: {median(figures['click_during_run'])}   (target < 0.5 s)")
    print(f"default-district comparison in Python (run_comparison, process pool): "
          f"{median(python_comparison(args.repeats))}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
