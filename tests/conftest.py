import os
import subprocess
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """The tests of the documentation site run on one worker when the suite is spread over several (pytest-xdist's
    ``--dist loadgroup``): another worker would wait, idle, for the first one's build (``documentation_site``).

    Spread over workers, the tests marked ``slow`` are handed out first (after the groups, which go first): one
    started last would keep its worker busy while the others, done, wait for it. A one-process run keeps the
    order of the files."""
    for item in items:
        if "documentation_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("documentation_site"))
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its order is the order tests are handed out
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def small():
    """Keyword arguments for a small, fast district."""
    return {"n_units": 6, "unit_size": (150, 250)}


@pytest.fixture(scope="session")
def four_units():
    """Keyword arguments for a district of four small units: a comparison of every regime in seconds."""
    return {"n_units": 4, "unit_size": (100, 150)}


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory):
    """A results folder written as a user writes one (``mutual-state batch … --report``): a tiny two-regime
    batch with its report, for the tests that open a batch's results."""
    folder = tmp_path_factory.mktemp("batch")
    scenario = folder / "tiny.toml"
    scenario.write_text('name = "tiny"\nsteps = 12\nreplicates = 2\nseed = 3\n[params]\nn_units = 4\n'
                        'unit_size = [60, 80]\n[design]\nkind = "factorial"\n[design.factors]\n'
                        'regime = ["state", "mutual"]\n[analysis]\ncompare = "regime"\nbaseline = "state"\n')
    out = folder / "results"
    done = subprocess.run([sys.executable, "-m", "sim.cli", "batch", str(scenario), "--out", str(out), "--report",
                           "--serial", "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def documentation_site(request):
    """The documentation site built once per test session, from scratch, with warnings as errors (as ``make docs``
    does, without regenerating docs/ODD.md). The course's notebooks are executed by whichever of this build and
    tests/test_notebooks.py comes first; the other reuses the executed copies (docs/sitegen/course.py).

    With the tests spread over processes (pytest-xdist), the first worker that needs the site builds it under a
    lock and the others, waiting on that lock, reuse the build of the same test run."""
    import fcntl
    from pathlib import Path

    pytest.importorskip("myst_nb", reason="the docs extra builds the site")
    root = Path(__file__).resolve().parents[1]
    build_dir = root / "docs" / "_build"
    site = build_dir / "html"
    test_run = getattr(request.config, "workerinput", {}).get("testrunuid")  # shared by the workers of one run
    built_for = build_dir / "html.test-run"
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / "html.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when this process ends
        if test_run and built_for.exists() and built_for.read_text() == test_run:
            return site
        built_for.unlink(missing_ok=True)
        build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
                                str(root / "docs"), str(site)], capture_output=True, text=True, cwd=root)
        if build.returncode != 0:
            pytest.fail(f"the site did not build (exit {build.returncode}):\n{build.stderr[-6000:]}")
        if test_run:
            built_for.write_text(test_run)
    return site
