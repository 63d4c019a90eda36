"""Compiled kernels for the model's hot paths: one module per concept, each a loop that reads as the equations
of the ODD section it names, compiled with Numba.

Every kernel is bit-identical to the NumPy code it replaced (``tests/test_kernels.py`` keeps that code as the
reference and checks the two against each other): the same operations in the same order and the same float
widths. Two rules follow. A float32 quantity combined with a Python float is computed in float32 (NumPy's
rule for a Python scalar), so a kernel casts such scalars to float32 before its loop. And random numbers are
drawn by the submodel with NumPy's generator before the kernel is called, so every stream stays as it was.

``compiled`` compiles on first use and caches the machine code beside the module (``__pycache__``): a second
process, a worker of a batch run or a Dask worker, loads it instead of compiling again. NumPy's error model
(a division by zero gives inf or nan, as in NumPy) keeps the loops free of Python's checks.
"""

from __future__ import annotations

try:
    from numba import njit
except ImportError as missing:  # an environment made before Numba became a dependency
    raise ImportError("sim.kernels needs Numba (a dependency in pyproject.toml): run `make .venv/.installed` or "
                      "`pip install -e .` again") from missing

compiled = njit(cache=True, error_model="numpy", nogil=True)
# A kernel's per-slot helper, inlined into the kernels that call it (a call to a compiled function that is not
# inlined passes every array as a structure and costs more than the slot's arithmetic).
inlined = njit(cache=True, error_model="numpy", nogil=True, inline="always")
