"""Where a batch's numbers come from, recorded in its manifest: the model's code (a hash of its source), the
package and library versions, and the git commit of the source tree.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any


def package_version() -> str:
    """The installed package's version, recorded in the manifest ("unknown" when run from a bare checkout)."""
    try:
        return version("mutual-state")
    except PackageNotFoundError:
        return "unknown"


# Code that cannot change a run's numbers: the experiment layer, the CLI, the figures, the dashboard.
_NOT_MODEL = ("experiments/", "estimation/", "cli.py", "plots.py", "dashboard/")


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """A hash of the model's source (every sim/**/*.py that can change a run's numbers), as imported here.

    Recorded per run and per session, so a batch never silently mixes two versions of the model: after an edit
    (committed or not) a resume is refused and a report flags runs made by different code.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(_NOT_MODEL) or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def git_state() -> dict[str, Any]:
    """The commit of the source tree the package is imported from, and whether it has uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(dirty) if commit else None}


@functools.lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """The versions of Python and of the libraries a run's numbers depend on, for the manifest."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("mesa", "numpy", "pandas", "scipy", "pyarrow", "SALib", "scikit-learn", "dask", "distributed"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


model_fingerprint()  # fix it when the package is imported, which is when the model's code is read too
