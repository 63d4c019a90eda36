"""Checks of the public API's arguments (not model parameters: those are in the registry).

The same rules as the registry: types are exact (a bool is not a number, a string is not a number) and NumPy
scalars are accepted where Python numbers are. Every message names the argument, the value and what is
allowed, and every check runs before any work is done.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .parameters import ParameterError

MAX_SEED = 2**63 - 1  # seeds are stored on every result row as a Parquet int64


def whole_number(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int in [low, high]; bools, strings and fractional numbers are refused."""
    allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name}: {value!r} is not allowed; expected {allowed}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ParameterError(f"{name}: {value!r} is not a whole number; expected {allowed}")
        value = int(value)
    if value < low or (high is not None and value > high):
        raise ParameterError(f"{name}: {value} is not allowed; expected {allowed}")
    return value


def flag(name: str, value: Any) -> bool:
    if isinstance(value, np.bool_):
        value = bool(value)
    if not isinstance(value, bool):
        raise ParameterError(f"{name}: {value!r} is not allowed; expected True or False")
    return value


def positive_number(name: str, value: Any, allow_zero: bool = False) -> float:
    if isinstance(value, np.generic):
        value = value.item()
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value < float("inf")
    if not ok or not (value >= 0 if allow_zero else value > 0):
        raise ParameterError(f"{name}: {value!r} is not allowed; expected a number {'from' if allow_zero else 'above'} 0")
    return float(value)


def rng_seed(value: Any) -> Any:
    """What ``MutualStateModel(rng=...)`` accepts: a whole-number seed from 0 to 2**63-1, a NumPy Generator or
    SeedSequence, or None (seeded from the operating system: not reproducible)."""
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
        return value
    allowed = "a whole-number seed from 0 to 2**63-1, a numpy Generator or SeedSequence, or None"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ParameterError(f"rng: {value!r} is not allowed; expected {allowed}")
    return value


def quintile_mix(value: Any) -> np.ndarray:
    """Five non-negative shares (an authority's adults in each deprivation quintile) that sum to 1 (within 1e-6)."""
    shares = np.asarray(value, dtype=float) if isinstance(value, (list, tuple, np.ndarray)) else None
    if shares is None or shares.shape != (5,) or not np.all(np.isfinite(shares)) or np.any(shares < 0) \
            or abs(shares.sum() - 1.0) > 1e-6:
        raise ParameterError(f"deprivation_mix: {value!r} is not allowed; expected five shares from 0 to 1 "
                             f"that sum to 1 (least deprived quintile first)")
    return shares


def path(name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes) or str(value) == "":
        raise ParameterError(f"{name}: {value!r} is not allowed; expected a path (str or pathlib.Path)")
    return Path(value)
