"""Speed of the dashboard against its targets, measured in a served app and headless Chromium.

    python benchmarks/dashboard_benchmark.py [--repeats 3]

1. First render: from the server answering HTTP 200 to the Compare page's Run button on screen (target < 5 s).
2. A default-district comparison (3 regimes x 5 replicates x 25 years read over years 16-25, the page's defaults): from clicking Run
   to the readout of the new comparison on screen (target < 10 s on 2 cores); and the same comparison called
   in Python (``run_comparison`` with the dashboard's process pool), without the page.
3. A click answered while a run is in progress: opening a lever group until its first control is visible
   (target < 0.5 s).

Prints medians over ``--repeats`` with the 1-minute load average during each figure, because other work on the
machine slows every figure; and, for the comparison in the page, the CPU seconds it cost the server and its
process pool, which do not depend on the load: (pool CPU / 2 + server CPU) is about what it takes on 2 idle cores.
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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve() -> tuple[subprocess.Popen, str, float]:
    """``mutual-state dashboard`` on a free port, as a user starts it; how long until it answers HTTP 200."""
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


def load() -> float:
    return os.getloadavg()[0]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) so far of the server (the process running Solara under ``pid``) and of its
    children (the process pool, living and finished)."""
    import psutil

    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    server = next((p for p in procs if "solara" in " ".join(p.cmdline())), root)
    own = server.cpu_times()
    kids = sum(sum(c.cpu_times()[:2]) for c in server.children(recursive=True))
    return own.user + own.system, kids + own.children_user + own.children_system


def browser_figures(url: str, repeats: int, pid: int) -> dict[str, list[float]]:
    """The three figures a user feels (first render, a comparison, a click during it), each with its load."""
    from playwright.sync_api import expect, sync_playwright

    out: dict[str, list[float]] = {k: [] for k in ("first_render", "comparison_in_page", "click_during_run",
                                                   "load_first_render", "load_comparison", "load_click",
                                                   "server_cpu", "pool_cpu")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 1400})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url)
            page.locator(".ms-run").wait_for(timeout=60_000)
            out["first_render"].append(time.perf_counter() - start)
            out["load_first_render"].append(load())
            page.wait_for_timeout(1000)
            server0, pool0 = cpu_seconds(pid)
            start = time.perf_counter()
            page.locator(".ms-run").click()
            expect(page.locator(".ms-progress")).to_be_visible()
            for title, control in [("2. Decentralisation", "local autonomy: 0.5"), ("3. Recognised status",
                                                                                   "asset lock: 0.5")]:
                t0 = time.perf_counter()
                page.get_by_text(title).click()
                page.get_by_text(control).wait_for(state="visible", timeout=10_000)
                out["click_during_run"].append(time.perf_counter() - t0)
                out["load_click"].append(load())
            expect(page.locator(".ms-run-count")).to_be_visible(timeout=300_000)
            out["comparison_in_page"].append(time.perf_counter() - start)
            out["load_comparison"].append(load())
            server1, pool1 = cpu_seconds(pid)
            out["server_cpu"].append(server1 - server0)
            out["pool_cpu"].append(pool1 - pool0)
            context.close()
        browser.close()
    return out


def python_comparison(repeats: int) -> tuple[list[float], list[float]]:
    """The page's default comparison called in Python: the page's time less what the page itself costs."""
    from sim.dashboard.controls import RunSettings
    from sim.dashboard.runs import run_comparison, warm_up

    warm_up()  # as the server does when its first page opens
    times, loads = [], []
    for _ in range(repeats):
        comparison = run_comparison({}, RunSettings())
        times.append(comparison.seconds)
        loads.append(load())
    return times, loads


def main() -> None:
    """Serve, measure in the browser, stop the server, then measure in Python; print medians with the load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {load():.2f} on {os.cpu_count()} cores")
    proc, url, started = serve()
    try:
        print(f"server answers HTTP 200 after {started:.2f} s (load {load():.2f})")
        figures = browser_figures(url, args.repeats, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)

    def at(key: str) -> str:
        return f"load {statistics.median(figures[key]):.2f}"

    print(f"first render after the server answers: {median(figures['first_render'])}, {at('load_first_render')}"
          f"   (target < 5 s)")
    print(f"default-district comparison in the page (click Run to readout): {median(figures['comparison_in_page'])}, "
          f"{at('load_comparison')}   (target < 10 s)")
    server, pool = statistics.median(figures["server_cpu"]), statistics.median(figures["pool_cpu"])
    print(f"  CPU it cost: server {server:.2f} s, process pool {pool:.2f} s -> about {server + pool / 2:.1f} s on 2 "
          f"idle cores")
    print(f"click answered during a run: {median(figures['click_during_run'])}, {at('load_click')}   (target < 0.5 s)")
    times, loads = python_comparison(args.repeats)
    print(f"default-district comparison in Python (run_comparison, process pool): {median(times)}, "
          f"load {statistics.median(loads):.2f}")
    print(f"load average after: {load():.2f}")


if __name__ == "__main__":
    main()
