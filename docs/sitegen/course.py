"""The course's notebooks, executed once and shared by the test suite and the site.

The notebooks are committed without outputs. ``executed()`` runs one top to bottom in a fresh kernel, in an empty
working folder, and keeps the executed copy in ``docs/_build/executed/`` with its run time and a fingerprint of
everything that could change its outputs: the notebook itself, the model's code and data (``sim/``), the shipped
scenarios, and the versions of Python and the numerical libraries. A later call with the same fingerprint reuses
the copy. So ``make test`` executes the course once: ``tests/test_notebooks.py`` checks the executed copies (no
error, within budget) and the site's build renders the same copies; whichever comes first executes them.
``MUTUAL_STATE_FRESH_NOTEBOOKS=1`` ignores the copies and executes again.

The test suite runs on several processes at once (pytest-xdist), and the site's build is one more: a notebook is
executed under a lock of its own (``docs/_build/executed/NN_name.lock``), so two processes that want the same
notebook execute it once, the second waiting for the first and reusing its copy.

``write()`` puts the site's version of each notebook in ``course/``: the run time shown under its title, the
exercises' solutions folded (code and output hidden behind a toggle, answers in dropdowns).
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import os
import platform
import re
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
CACHE = ROOT / "docs" / "_build" / "executed"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# what a notebook's outputs depend on besides its own text
INPUTS = [ROOT / "sim", ROOT / "scenarios"]
LIBRARIES = ["numpy", "scipy", "pandas", "matplotlib", "mesa", "SALib", "scikit-learn", "pyarrow", "dask",
             "networkx", "ipykernel", "nbclient"]
NOTEBOOK_BUDGET = float(os.environ.get("NOTEBOOK_BUDGET_SECONDS", 180))


def fingerprint(path: Path) -> str:
    """A digest of the notebook, the code and data it runs, and the libraries that compute its outputs."""
    digest = hashlib.sha256(path.read_bytes())
    for folder in INPUTS:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}={installed_version(library)}".encode())
        except PackageNotFoundError:
            digest.update(f"{library}=none".encode())
    digest.update(platform.python_version().encode())
    return digest.hexdigest()


def kernel_environment() -> dict[str, str]:
    """The kernel draws figures as a student's would (inline PNG), whatever backend the calling process uses."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules warning, not ours
    return env


def execute(path: Path, workdir: Path, budget: float):
    """Run a notebook top to bottom within ``budget`` seconds in all (the deadline shrinks cell by cell).

    Returns the executed notebook and its run time; a cell that raises raises ``CellExecutionError``."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    deadline = start + budget
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
    )
    client.execute(env=kernel_environment())
    return nb, time.monotonic() - start


def _cached(path: Path, key: str):
    """The executed copy of ``path`` if its fingerprint is ``key`` (and fresh runs are not asked for), else None."""
    import nbformat

    cached = CACHE / path.name
    if cached.exists() and not os.environ.get("MUTUAL_STATE_FRESH_NOTEBOOKS"):
        nb = nbformat.read(cached, as_version=4)
        if nb.metadata.get("mutual_state", {}).get("fingerprint") == key:
            return nb
    return None


@contextmanager
def _executing(path: Path, wait: bool = True):
    """Hold the notebook's lock (across processes): yields True once held, or False at once if ``wait`` is off and
    another process holds it. The lock is released when the process ends, however it ends."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{path.stem}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def executed(path: Path, budget: float = NOTEBOOK_BUDGET, wait: bool = True):
    """The notebook executed: the cached copy if its fingerprint matches, else a fresh run (then cached).

    Returns ``(notebook, seconds, reused)``; ``seconds`` is the run time of the execution that made the copy. While
    another process executes the same notebook this waits for its copy, or returns None if ``wait`` is off."""
    import nbformat

    key = fingerprint(path)
    nb = _cached(path, key)
    if nb is not None:
        return nb, float(nb.metadata["mutual_state"]["seconds"]), True
    with _executing(path, wait) as held:
        if not held:
            return None
        nb = _cached(path, key)  # another process may have made it while this one waited
        if nb is not None:
            return nb, float(nb.metadata["mutual_state"]["seconds"]), True
        with tempfile.TemporaryDirectory(prefix="notebook-") as workdir:
            nb, seconds = execute(path, Path(workdir), budget)
        nb.metadata["mutual_state"] = {"fingerprint": key, "seconds": round(seconds, 1), "cores": os.cpu_count(),
                                       "executed": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
        cached = CACHE / path.name
        partial = cached.with_suffix(".partial")
        nbformat.write(nb, partial)
        partial.replace(cached)  # a copy is whole or absent, even if the run is interrupted while writing
        return nb, seconds, False


LABEL = re.compile(r"^(#+ |\*\*\d+[.)])")


def fold_answer(markdown: str) -> str:
    """Put a solution's prose in a dropdown, leaving headings and exercise labels (``**2. Bigger units.**``) out.

    Blocks are split at blank lines outside code fences."""
    blocks, current, fenced = [], [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    out, answer = [], []

    def close():
        if answer:
            out.append("::::{dropdown} Answer\n" + "\n\n".join(answer) + "\n::::")
            answer.clear()

    for block in blocks:
        text = "\n".join(block)
        if LABEL.match(text) and len(block) == 1:
            close()
            out.append(text)
        else:
            answer.append(text)
    close()
    return "\n\n".join(out)


def site_copy(nb, seconds: float):
    """The notebook as the site shows it: run time under the title, the Solutions section folded."""
    import nbformat

    nb = copy.deepcopy(nb)
    record = nb.metadata.get("mutual_state", {})
    note = (f":::{{note}}\nExecuted top to bottom when this site was built: **{seconds:.0f} s** on "
            f"{record.get('cores', '?')} cores ({record.get('executed', '')}). The outputs below are that run's. "
            "Answers to the exercises are folded: try first, then open them. Terms are explained in the "
            "[glossary](../glossary.md).\n:::")
    cells = [nb.cells[0], nbformat.v4.new_markdown_cell(note)]
    in_solutions = False
    for c in nb.cells[1:]:
        if c.cell_type == "markdown" and re.search(r"^#+ .*solution", c.source, re.I | re.M):
            in_solutions = True
            before, heading, after = re.split(r"(^#+ .*solution.*$)", c.source, maxsplit=1, flags=re.I | re.M)
            c.source = before + heading + "\n\n" + fold_answer(after)
        elif in_solutions and c.cell_type == "markdown":
            c.source = fold_answer(c.source)
        elif in_solutions and c.cell_type == "code":
            c.metadata.setdefault("tags", [])
            if "hide-cell" not in c.metadata.tags:
                c.metadata.tags.append("hide-cell")
        cells.append(c)
    nb.cells = cells
    return nb


def write(srcdir: Path) -> None:
    """The course's pages: its README as the index, each notebook executed (or reused) and folded."""
    import nbformat

    out = srcdir / "course"
    out.mkdir(exist_ok=True)
    # the notebooks no other process is executing first (a test run's worker may be executing one), then the rest
    ready = {path: executed(path, wait=False) for path in NOTEBOOKS}
    times = []
    for path in NOTEBOOKS:
        nb, seconds, reused = ready[path] or executed(path)
        times.append((path, seconds, reused))
        page = out / path.name
        text = nbformat.writes(site_copy(nb, seconds))
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
        print(f"docs: course {path.name}: {seconds:.0f} s ({'reused' if reused else 'executed now'})", flush=True)
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8").replace("](../docs/", "](../")
    table = ["", "## Run times of this build", "",
             "Each notebook as executed for this site (the test suite's run, reused, or the build's own):", "",
             "| notebook | run time |", "|---|---|"]
    table += [f"| [{p.stem}]({p.name}) | {s:.0f} s |" for p, s, _ in times]
    table += [f"| all | {sum(s for _, s, _ in times):.0f} s |", ""]
    table += ["```{toctree}", ":hidden:", ""] + [p.stem for p, _, _ in times] + ["```", ""]
    index = readme + "\n".join(table)
    page = out / "index.md"
    if not page.exists() or page.read_text(encoding="utf-8") != index:
        page.write_text(index, encoding="utf-8")
