"""The design space (ODD §7.1, §9 D-Q1): a service's design and each person's preferred design are points of
[0, 1]^D, D = ``design_dimensions`` (what a service offers and how it delivers it, at least). Arrays of
designs and wishes have shape (n, D). How far a design is from a wish is the mean absolute difference over the
dimensions, an L1 norm divided by D: in one dimension it is |x - d|, and with D independent dimensions alike
its expected size per person is that of one dimension, so ``mismatch_weight`` keeps its meaning."""

from __future__ import annotations

import numpy as np


def distance(wish: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Mean over the dimensions of |wish - design| (last axis), for arrays of shape (..., D)."""
    return np.abs(wish - design).mean(axis=-1)


def sum_by_row(index: np.ndarray, weights: np.ndarray, wishes: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row, the sum of ``weights * wishes`` over the slots ``index`` points from: shape (n_rows, D). One
    ``bincount`` per dimension, so one dimension adds exactly as a single ``bincount`` did."""
    return np.stack([np.bincount(index, weights=weights * wishes[:, k], minlength=n_rows)
                     for k in range(wishes.shape[1])], axis=1)

