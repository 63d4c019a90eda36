"""What the model does, checked with statistics over seeds (not just that it runs)."""

import numpy as np
import pytest
from scipy import stats

import sim

SEEDS = range(5)


def late_mean(model, steps, metric, window=24):
    return float(model.run(steps)[metric].iloc[-window:].mean())


# Olson's test holds everything but the number of voices equal: no scale economies (fixed costs zero, so a
# larger organisation is not richer per user) and no board (a fixed number of seats is a larger share of a
# small membership). Size then acts only through how much one voice weighs among those heard.
ALL_ELSE_EQUAL = {"board_size": 0, **{f"{s}.fixed_cost": 0.0 for s in sim.parameters.DEFAULT_SECTORS}}


def participation_by_size(**params):
    sizes, rates = [], []
    for size, n_units in [(100, 60), (500, 12), (2000, 3)]:
        for seed in SEEDS:
            m = sim.MutualStateModel(regime="mutual", n_units=n_units, unit_size=size, rng=seed, **ALL_ELSE_EQUAL,
                                     **params)
            sizes.append(np.log(size))
            rates.append(late_mean(m, 72, "participation_rate"))
    return stats.linregress(sizes, rates)


def test_participation_falls_as_units_grow_because_one_voice_weighs_less():
    """Olson (1965): in a larger organisation one voice weighs less among those heard, so efficacy, and with it
    participation, falls as units grow. Ablation twin: with voice_dilution off the slope (mostly) disappears."""
    with_dilution = participation_by_size()
    assert with_dilution.slope < 0 and with_dilution.pvalue < 0.01, with_dilution
    without = participation_by_size(voice_dilution=False)
    assert without.slope > with_dilution.slope / 2, (without, with_dilution)


def voice_when_exit_is_hard_minus_easy(**params):
    diff = []
    for seed in range(8):
        rates = [late_mean(sim.MutualStateModel(regime="mutual", user_choice="on", switch_cost=cost, rng=seed,
                                                n_units=12, **params), 72, "participation_rate")
                 for cost in (1.0, 0.0)]
        diff.append(rates[0] - rates[1])
    return np.array(diff)


@pytest.mark.xfail(strict=False, reason="with catchment-sized organisations (organisation_scale='catchment') the "
                   "effect at the defaults is +0.005 (p=0.20, 8 seeds; the twin -0.003): larger organisations dilute "
                   "efficacy, so the voice benefit that exit crowds out is small; at organisation_scale='unit' it held "
                   "(+0.009, twin -0.008). Measured 2026-11-28; the mechanism's strength needs recalibrating")
def test_when_exit_is_easy_voice_falls():
    """Hirschman (1970): where switching is cheap, dissatisfaction that exit would cure no longer motivates
    voice, so fewer take part. Ablation twin: with exit_crowds_out_voice off easy exit no longer lowers voice
    (it even raises it a little: switchers find a better fit, and learn that voice is heeded)."""
    crowded_out = voice_when_exit_is_hard_minus_easy()
    assert crowded_out.mean() > 0 and stats.ttest_1samp(crowded_out, 0.0, alternative="greater").pvalue < 0.05
    without = voice_when_exit_is_hard_minus_easy(exit_crowds_out_voice=False)
    assert without.mean() < crowded_out.mean() / 2, (without, crowded_out)
    assert stats.ttest_1samp(without, 0.0, alternative="greater").pvalue > 0.05


def local_design_advantage(spread, **params):
    """Responsiveness of mutuals with the default local autonomy minus that of the same mutuals held to the
    central design (local_autonomy = 0), per seed."""
    diff = []
    for seed in SEEDS:
        r = [late_mean(sim.MutualStateModel(regime="mutual", rng=seed, n_units=12, local_autonomy=a,
                                            preference_spread_between=spread, **params), 60, "responsiveness")
             for a in (0.5, 0.0)]
        diff.append(r[0] - r[1])
    return np.array(diff)


def test_governance_fits_local_preferences_no_worse_than_the_centre_and_better_as_units_differ():
    """A mutual's governance hears many voices (voters, respondents, contributors) and moves with inertia, so
    with no difference between units it fits no worse than one central design, and its advantage grows with
    the difference. Ablation twin: governance that does not act on what it hears (voice_speed = 0) has no
    advantage at any difference."""
    alike, differ = local_design_advantage(0.0), local_design_advantage(0.3)
    assert alike.mean() > -0.002
    assert differ.mean() > alike.mean() + 0.01 and stats.ttest_rel(differ, alike).pvalue < 0.05
    deaf = local_design_advantage(0.3, voice_speed=0.0)
    assert deaf.mean() < differ.mean() / 4, (deaf, differ)


def test_participation_does_not_rest_on_random_exploration():
    """Participation is a mechanism (motives, habit, governance forms), not the noise floor of exploration:
    without exploration the steady-state rate stays within a factor of two of the default."""
    for seed in range(2):
        default = late_mean(sim.MutualStateModel(regime="state", rng=seed, n_units=12), 120, "participation_rate")
        none = late_mean(sim.MutualStateModel(regime="state", rng=seed, n_units=12, exploration_rate=0.0), 120,
                         "participation_rate")
        assert default / 2 < none < default * 2, (default, none)


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
