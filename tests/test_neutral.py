"""The null model: under ``sim.neutral_kinds()`` state departments, contractors and mutuals are equivalent on
every metric (a paired TOST over common-random-number replicates), and with the kinds' differences on they are
not (the ablation twin)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.analysis import equivalence_test
from sim.metrics_catalogue import METRIC_NAMES

REGIMES = ("state", "privatised", "mutual")
REPLICATES = 20
SIZE = dict(n_units=5, unit_size=(100, 200))
STEPS = 36
# Metrics that report the kind itself, not an outcome.
BY_KIND = {"mutual_share"}
# Equivalence margins: 2% of the state's mean level, at least 0.005 in the metric's unit (shares, quality,
# utility), and half a failure for the failure count. Differences inside them are immaterial to any claim.
RELATIVE_MARGIN, ABSOLUTE_MARGIN, FAILURE_MARGIN = 0.02, 0.005, 0.5
ALPHA = 0.05


def late_means(regime: str, seed: int, **params) -> dict[str, float]:
    frame = sim.MutualStateModel(regime=regime, rng=seed, **SIZE, **params).run(STEPS)
    return frame.iloc[-12:].mean().to_dict()


def outcomes(**params) -> pd.DataFrame:
    rows = [{"regime": r, "seed": seed, **late_means(r, seed, **params)} for seed in range(REPLICATES) for r in REGIMES]
    return pd.DataFrame(rows)


def margin(metric: str, state_values: np.ndarray) -> float:
    if metric == "provider_failures":
        return FAILURE_MARGIN
    return max(RELATIVE_MARGIN * abs(float(np.nanmean(state_values))), ABSOLUTE_MARGIN)


def tost_table(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    state = frame[frame.regime == "state"].sort_values("seed")
    for regime in ("privatised", "mutual"):
        other = frame[frame.regime == regime].sort_values("seed")
        for metric in METRIC_NAMES:
            if metric in BY_KIND:
                continue
            a, b = other[metric].to_numpy(), state[metric].to_numpy()
            if np.isnan(a).all() and np.isnan(b).all():
                continue
            rows.append({"regime": regime, "metric": metric, "p": equivalence_test(a, b, margin(metric, b))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def neutral():
    return tost_table(outcomes(**sim.neutral_kinds()))


def test_neutral_kinds_are_equivalent_on_every_metric(neutral):
    not_shown = neutral[~(neutral.p < ALPHA)]
    assert not_shown.empty, f"not equivalent under neutral_kinds():\n{not_shown}"


def test_neutral_kinds_keep_a_lever_applied_to_every_kind_alike():
    params = sim.neutral_kinds(user_choice="on", local_autonomy=0.8)
    assert params["user_choice"] == "on" and params["local_autonomy"] == 0.8 and not params["hsv_incentives"]


def test_with_the_kinds_differences_on_the_regimes_are_not_equivalent():
    """Ablation twin: at the defaults (HSV incentives, each kind's channel, independent status), equivalence
    fails on the metrics those mechanisms move."""
    table = tost_table(outcomes())
    failing = set(table[~(table.p < ALPHA)].metric)
    assert {"cost_per_capita", "quality_noncontractible"} & failing
    assert len(failing) >= 3
