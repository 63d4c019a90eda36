"""What the model does, checked with statistics over seeds (not just that it runs)."""

import numpy as np
import pytest
from scipy import stats

import sim

SEEDS = range(5)


def late_mean(model, steps, metric, window=24):
    return float(model.run(steps)[metric].iloc[-window:].mean())


@pytest.mark.xfail(strict=False, reason="issue 7: the slope came from lone-worker services failing in small units "
                   "(with minimum_staff=1 slope -0.0027, p=0.003; with a team of 5, -0.0006, p=0.47); the Olson "
                   "mechanism and its ablation twin are being rebuilt (issue 7 item 7)")
def test_participation_falls_as_units_grow():
    sizes, rates = [], []
    for size, n_units in [(100, 60), (500, 12), (2000, 3)]:
        for seed in SEEDS:
            m = sim.MutualStateModel(regime="mutual", n_units=n_units, unit_size=size, rng=seed)
            sizes.append(np.log(size))
            rates.append(late_mean(m, 72, "participation_rate"))
    fit = stats.linregress(sizes, rates)
    assert fit.slope < 0 and fit.pvalue < 0.05, fit


def test_when_exit_is_easy_voice_falls():
    hard, easy = [], []
    for seed in SEEDS:
        for cost, out in ((1.0, hard), (0.0, easy)):
            m = sim.MutualStateModel(regime="mutual", user_choice="on", switch_cost=cost, rng=seed, n_units=12)
            out.append(late_mean(m, 72, "participation_rate"))
    diff = np.array(hard) - np.array(easy)
    assert diff.mean() > 0 and stats.ttest_1samp(diff, 0.0, alternative="greater").pvalue < 0.05, diff


@pytest.mark.xfail(strict=False, reason="issue 7: with overhead no longer charged on the fixed-cost lump the gap "
                   "is +0.003 (p=0.11, 5 seeds); participation mechanisms are being rebuilt (issue 7 item 1)")
def test_mutuals_raise_participation_through_efficacy_and_the_claim_can_fail():
    """With voice working (default), mutuals draw more participation than state departments; switch off the
    channel through which voice pays (voice_value = 0) and the advantage disappears: no regime is favoured by
    construction. (The advantage is small at the neutral kind defaults: eight paired seeds.)"""
    def gap(**params):
        d = []
        for seed in range(8):
            rates = {r: late_mean(sim.MutualStateModel(regime=r, rng=seed, n_units=12, **params), 72,
                                  "participation_rate") for r in ("mutual", "state")}
            d.append(rates["mutual"] - rates["state"])
        return np.array(d)
    with_voice = gap()
    without = gap(voice_value=0.0)
    assert with_voice.mean() > 0 and stats.ttest_1samp(with_voice, 0, alternative="greater").pvalue < 0.05
    assert abs(without.mean()) < with_voice.mean() / 2


def test_conversion_starts_with_failing_services():
    """Among converted services, the share measured as failing is far above the share of failing services;
    with failing_first off it is not."""
    def failing_share_of_conversions(failing_first):
        shares, base = [], []
        for seed in SEEDS:
            m = sim.MutualStateModel(regime="conversion", rng=seed, n_units=12, funding_level=0.85,
                                     inspection_interval=1, conversions_per_year=2, ballot_support=3.0,
                                     failing_first=failing_first, organisation_scale="unit")
            m.run(72)
            log = [e for e in m.guarantor.conversion_log if e["converted"]]
            shares.append(np.mean([e["failing"] for e in log]) if log else np.nan)
            base.append(float(m.providers.failing.mean()))
        return np.nanmean(shares), np.mean(base)
    first, failing_overall = failing_share_of_conversions(True)
    unordered, _ = failing_share_of_conversions(False)
    assert first > 0.9 and failing_overall < 0.5
    assert unordered < first - 0.3


def test_a_need_shock_is_tracked_faster_by_mutuals_than_by_state_departments():
    """Responsiveness dips after preferences shift; voice-led mutuals recover sooner than a centre that
    revises once a year with a lag."""
    recovered = {"mutual": [], "state": []}
    for seed in SEEDS:
        for regime in recovered:
            m = sim.MutualStateModel(regime=regime, rng=seed, n_units=12, need_shock_month=37,
                                     need_shock_share=1.0, need_shock_size=0.3)
            df = m.run(60)
            recovered[regime].append(df["responsiveness"].iloc[38:50].mean() - df["responsiveness"].iloc[36])
    diff = np.array(recovered["mutual"]) - np.array(recovered["state"])
    assert diff.mean() > 0 and stats.ttest_1samp(diff, 0, alternative="greater").pvalue < 0.05, diff
