"""Compiled kernels for the model's hot paths: one module per concept, each a loop that reads as the equations
of the ODD section it names, compiled with Numba.

Every kernel is bit-identical to the NumPy code it replaced (``tests/test_kernels.py`` keeps that code as the
reference and checks the two against each other): the same operations in the same order and the same float
widths. Two rules follow. A float32 quantity combined with a Python float is computed in float32 (NumPy's
rule for a Python scalar), so a kernel casts such scalars to float32 before its loop. And random numbers are
drawn by the submodel with NumPy's generator before the kernel is called, so every stream stays as it was.

``compiled`` compiles on first use and caches the machine code (a second process, a worker of a batch run or a
Dask worker, loads it instead of compiling again) in a folder named by a digest of the kernels' sources
(``CACHE_DIR``). Numba checks a cached kernel only against its own file, so a kernel that inlines a helper or
reads a constant from another module kept its old machine code when only that module changed (ODD §9 D-F77):
with the digest, any change to a kernel's source or to what the kernels import from the model compiles afresh.
NumPy's error model (a division by zero gives inf or nan, as in NumPy) keeps the loops free of Python's checks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

try:
    import numba
    from numba import njit
except ImportError as missing:  # an environment made before Numba became a dependency
    raise ImportError("sim.kernels needs Numba (a dependency in pyproject.toml): run `make .venv/.installed` or "
                      "`pip install -e .` again") from missing

KERNELS = Path(__file__).resolve().parent
#: What compiled code depends on besides Numba itself: every kernel module and the model modules the kernels import
#: constants from (``tests/test_kernels.py`` checks that the kernels import from no other model module).
KERNEL_SOURCES = (*sorted(KERNELS.glob("*.py")), KERNELS.parent / "population.py")


def sources_digest() -> str:
    """A digest of ``KERNEL_SOURCES``' names and contents: it changes when any code the kernels compile changes."""
    digest = hashlib.sha256()
    for path in KERNEL_SOURCES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """Where the compiled kernels' folders go: ``NUMBA_CACHE_DIR`` if set, else this package's ``__pycache__`` if it
    can be written (an editable or a user's install), else the user's cache folder."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    beside = KERNELS / "__pycache__"
    try:
        beside.mkdir(exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mutual-state"


#: This version of the kernels' compiled code: one folder per digest of their sources (old ones stay, a few MB each).
CACHE_DIR = cache_root() / f"numba-{sources_digest()}"
numba.config.CACHE_DIR = str(CACHE_DIR)  # read when each kernel below is decorated (``cache=True``)

compiled = njit(cache=True, error_model="numpy", nogil=True)
# A kernel's per-slot helper, inlined into the kernels that call it (a call to a compiled function that is not
# inlined passes every array as a structure and costs more than the slot's arithmetic).
inlined = njit(cache=True, error_model="numpy", nogil=True, inline="always")
