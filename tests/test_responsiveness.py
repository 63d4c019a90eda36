"""Responsiveness as following needs (ODD §7.5, §7.10, §7.14, §8; §9 D-R1...): what each mechanism does to how
closely services follow what their users need, with its direction and an ablation twin, read at a steady state
(years 16-25, as the regime comparison reads it)."""

import numpy as np
from scipy import stats

import sim

SEEDS = range(1, 6)
BURN_IN, HORIZON = 180, 300
DISTRICT = {"n_units": 8}


def steady(regime: str, seed: int, metric: str = "responsiveness", **params) -> float:
    """The metric's mean over years 16-25 of one run."""
    frame = sim.MutualStateModel(regime=regime, rng=seed, **DISTRICT, **params).run(HORIZON)
    return float(frame[metric].iloc[BURN_IN + 1:].mean())


def state_minus_contractor(**params) -> np.ndarray:
    """Per seed: responsiveness of state departments minus that of contractors, same seed and parameters."""
    return np.array([steady("state", seed, **params) - steady("privatised", seed, **params) for seed in SEEDS])


def test_a_re_let_contract_written_from_the_centre_makes_contractors_less_responsive():
    """D-R1: a re-let contract that keeps none of the incumbent's design (retention 0) is written from the
    centre's design, so contractors fit local needs less well than departments. Ablation twin: a contract that
    keeps the design (retention 1, the neutral default) leaves no such gap."""
    frequent = {"contract_years": 2}  # re-lets often enough to weigh within the window
    reset = state_minus_contractor(relet_design_retention=0.0, **frequent)
    kept = state_minus_contractor(relet_design_retention=1.0, **frequent)
    assert reset.mean() > 0 and stats.ttest_1samp(reset, 0.0, alternative="greater").pvalue < 0.05, reset
    assert abs(kept.mean()) < reset.mean() / 3, (kept, reset)
