"""The report's one family of tests: every paired comparison the report words as a verdict, adjusted together.

The claim ("mutuals are more participatory, cheaper, more responsive": mutual against each other regime) and
"What differs" (each level against the baseline, pooled and block by block) test some of the same pairs. Each
test is counted once, by what it compares (the metric, the two levels, the block), and Holm's adjustment runs
over all of them at once, so that the same difference gets the same adjusted p-value, and the same verdict, in
every section (ODD §9, D-D1).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

import numpy as np

from .analysis import holm

#: (metric, the two levels compared as a set, the block: ((column, value), ...), empty when pooled or unblocked)
TestKey = tuple[str, frozenset, tuple]


def test_key(metric: str, level: Hashable, other: Hashable, block: dict | None = None) -> TestKey:
    """What a test compares, whichever level is subtracted from which."""
    return (metric, frozenset((str(level), str(other))), tuple(sorted((block or {}).items())))


class TestFamily:
    """Raw p-values by the test they belong to (a test added twice counts once), Holm-adjusted together."""

    def __init__(self, tests: Iterable[tuple[TestKey, float]] = ()):
        raw: dict[TestKey, float] = {}
        for key, p in tests:
            raw.setdefault(key, float(p))
        self.raw = raw
        keys = list(raw)
        adjusted = holm(np.array([raw[k] for k in keys], dtype=float)) if keys else np.array([])
        self._adjusted = dict(zip(keys, (float(a) for a in adjusted), strict=True))

    @property
    def size(self) -> int:
        """How many tests share the adjustment (those with a p-value)."""
        return sum(1 for p in self.raw.values() if math.isfinite(p))

    def adjusted(self, key: TestKey) -> float:
        """The Holm-adjusted p-value of a test of the family (NaN for a test it does not hold)."""
        return self._adjusted.get(key, math.nan)


def interval_words(low: float, high: float, p_adjusted: float, size: int, alpha: float = 0.05,
                   of_what: str = "this report") -> str:
    """When the unadjusted 95% interval excludes zero but the family's adjusted test does not call the difference
    clear, the words that say both, so that a verdict never contradicts the interval printed beside it."""
    excludes_zero = math.isfinite(low) and (low > 0 or high < 0)
    if not excludes_zero or not math.isfinite(p_adjusted) or p_adjusted < alpha:
        return ""
    return (f"the 95% interval alone excludes zero, but the difference is not clear once adjusted for the {size} "
            f"tests of {of_what} (Holm)")
