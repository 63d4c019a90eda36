"""A change of random streams must leave every headline metric's distribution unchanged (ODD §9 D-F26).

``tests/data/stream_baseline.json`` holds each headline metric's steady-state outcome (its mean over months
181-300) for 20 seeds of the shipped comparison's three regimes and of the conversion regime with every lever,
made by ``scripts/stream_baseline.py`` from the code at the session's start (the commit it records), before the
keyed streams of ``sim.kernels.streams`` replaced NumPy's draws. This test runs the current code on the same seeds
and settings and shows, per regime and metric, equivalence by a paired TOST (α = 0.05) within the margin of the
null-model test (``tests/test_neutral.py``: 2% of the level, at least 0.005 in the metric's unit). The pairs are
by seed: the two codes share a seed's authority (its build, its needs and their churn are drawn on streams the
change leaves alone), so pairing removes that common part of the variance; where the changed streams make a
pair's runs nearly independent the paired test is still valid (the differences carry both runs' variance), with
19 degrees of freedom instead of 38. The twin shifts the current outcomes by twice the margin and must see the
same test refuse equivalence, so the test can fail.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from sim.experiments.analysis import equivalence_test
from sim.metrics_catalogue import HEADLINE_METRICS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "data" / "stream_baseline.json"
# the null-model test's margins (tests/test_neutral.py): 2% of the baseline's level, at least 0.005
RELATIVE_MARGIN, ABSOLUTE_MARGIN = 0.02, 0.005
ALPHA = 0.05

_spec = importlib.util.spec_from_file_location("stream_baseline", ROOT / "scripts" / "stream_baseline.py")
stream_baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stream_baseline)


def margin(baseline_values: np.ndarray) -> float:
    return max(RELATIVE_MARGIN * abs(float(np.mean(baseline_values))), ABSOLUTE_MARGIN)


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(BASELINE.read_text())


@pytest.fixture(scope="module")
def current(baseline) -> dict:
    assert tuple(baseline["seeds"]) == stream_baseline.SEEDS and baseline["months"] == stream_baseline.MONTHS
    assert baseline["regimes"].keys() == stream_baseline.REGIMES.keys()
    return stream_baseline.outcomes()


def cases():
    return [(regime, metric) for regime in stream_baseline.REGIMES for metric in HEADLINE_METRICS]


@pytest.mark.slow
def test_every_headline_metric_is_equivalent_to_the_session_start(baseline, current):
    shown = []
    for regime, metric in cases():
        before = np.asarray(baseline["outcomes"][regime][metric])
        after = np.asarray(current[regime][metric])
        p = equivalence_test(after, before, margin(before))
        shown.append((regime, metric, float(np.mean(before)), float(np.mean(after)), margin(before), p))
    not_shown = [row for row in shown if not row[-1] < ALPHA]
    assert not not_shown, "not equivalent (regime, metric, mean before, mean after, margin, p):\n" + "\n".join(
        map(str, not_shown))


@pytest.mark.slow
def test_the_same_test_refuses_a_shift_of_twice_the_margin(baseline, current):
    for regime, metric in cases():
        before = np.asarray(baseline["outcomes"][regime][metric])
        after = np.asarray(current[regime][metric])
        for sign in (1.0, -1.0):
            shifted = after + sign * 2.0 * margin(before)
            assert not equivalence_test(shifted, before, margin(before)) < ALPHA, (regime, metric, sign)
