"""Responsiveness as following needs (ODD §7.5, §7.10, §7.14, §8; §9 D-R1...): what each mechanism does to how
closely services follow what their users need, with its direction and an ablation twin, read at a steady state
(years 16-25, as the regime comparison reads it)."""

import numpy as np
import pytest
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


@pytest.mark.slow
def test_a_re_let_contract_written_from_the_centre_makes_contractors_less_responsive():
    """D-R1: a re-let contract that keeps none of the incumbent's design (retention 0) is written from the
    centre's design, so contractors fit local needs less well than departments. Ablation twin: a contract that
    keeps the design (retention 1, the neutral default) leaves no such gap."""
    # Contractors differ from departments only in holding a contract (re-let every year, so that re-letting
    # weighs within the window) and following it; every other kind difference is neutral.
    contract_only = sim.neutral_kinds(independent_status=True, kind_governance=True, contract_years=1)
    reset = state_minus_contractor(**{**contract_only, "relet_design_retention": 0.0})
    kept = state_minus_contractor(**{**contract_only, "relet_design_retention": 1.0})
    assert reset.mean() > 0 and stats.ttest_1samp(reset, 0.0, alternative="greater").pvalue < 0.05, reset
    assert abs(kept.mean()) < reset.mean() / 3, (kept, reset)


def test_needs_drift_by_default_and_stand_still_when_drift_is_off(four_units):
    """ODD §7.14: each unit's mean preferred design drifts month by month (``preference_renewal``), its users with
    it; with the rate at 0 nothing moves, so the model is back to static needs."""
    def unit_means(**params):
        model = sim.MutualStateModel(rng=3, **four_units, **params)
        start = [users.unit_pref_mean.copy() for users in model.users]
        model.run(24)
        return start, [users.unit_pref_mean for users in model.users]

    start, later = unit_means()
    assert all(np.abs(b - a).mean() > 0.01 for a, b in zip(start, later, strict=True))
    start, later = unit_means(preference_renewal=0.0)
    assert all(np.array_equal(a, b) for a, b in zip(start, later, strict=True))


def test_responsiveness_counts_those_who_opted_out_and_static_fit_does_not(four_units):
    """ODD §8: the headline measure is the gap over everyone who needs the service, so people who opted out
    because it does not fit them count against it; the static fit (active users only) leaves them out. With no
    one opted out the two agree (the twin)."""
    from sim import design_space, metrics
    from sim.population import OPT_OUT, USE_ONLY
    from sim.submodels import production

    model = sim.MutualStateModel(rng=2, initial_opt_outs=0.0, **four_units)
    model.run(12)
    for users in model.users:
        users.stance[:] = USE_ONLY
    production.aggregate_users(model.params, model.structure, model.users, model.providers)
    together = metrics.measure(model)
    assert together["responsiveness"] == pytest.approx(together["static_fit"], abs=1e-9)
    for users in model.users:
        misfit = design_space.distance(users.x, model.providers.design[users.provider]) > 0.2
        users.stance[misfit] = OPT_OUT
    production.aggregate_users(model.params, model.structure, model.users, model.providers)
    apart = metrics.measure(model)
    assert apart["responsiveness"] < apart["static_fit"] - 0.01
    assert apart["responsiveness"] == pytest.approx(together["responsiveness"], abs=1e-9)


def mutual_minus_state(**params) -> np.ndarray:
    """Per seed: responsiveness of mutuals minus that of state departments when the two differ only in how
    their design channel hears users (every other kind difference neutral)."""
    only_governance = sim.neutral_kinds(kind_governance=True, **params)
    return np.array([steady("mutual", seed, **only_governance) - steady("state", seed, **only_governance)
                     for seed in SEEDS])


@pytest.mark.slow
def test_when_needs_drift_a_service_that_hears_users_monthly_follows_them_more_closely():
    """D-R2: needs drift, so a design revised every month on what users say (a mutual's governance) stays
    closer to them than one revised once a year (a department's). Ablation twin: with needs standing still
    (no drift) the advantage all but vanishes: both have long converged."""
    drifting = mutual_minus_state()
    still = mutual_minus_state(preference_renewal=0.0)
    assert drifting.mean() > 0 and stats.ttest_1samp(drifting, 0.0, alternative="greater").pvalue < 0.05, drifting
    assert still.mean() < drifting.mean() / 2, (still, drifting)


@pytest.mark.slow
def test_local_autonomy_makes_services_follow_local_needs_through_the_local_design():
    """D-R3: with local autonomy the delivered design follows what the service hears locally rather than one
    central design, so it fits users' needs more closely. Ablation twin: a local channel that does not act on
    what it hears (voice_speed = 0) gains nothing from autonomy."""
    def gain(**params):
        return np.array([steady("state", seed, local_autonomy=1.0, **params)
                         - steady("state", seed, local_autonomy=0.0, **params) for seed in SEEDS])

    local = gain()
    deaf = gain(voice_speed=0.0)
    assert local.mean() > 0 and stats.ttest_1samp(local, 0.0, alternative="greater").pvalue < 0.05, local
    assert abs(deaf.mean()) < local.mean() / 3, (deaf, local)


@pytest.mark.slow
def test_the_recovery_half_life_after_a_need_shock_is_shorter_where_users_are_heard_monthly():
    """D-R4: after a shift in needs at a steady state, a design revised every month on what users say regains
    half of the lost responsiveness sooner than one revised once a year. Ablation twin: with every kind
    difference neutral the regimes are identical, and so are their half-lives."""
    def half_lives(**params):
        table = sim.recovery_half_life(regimes=("state", "mutual"), seeds=SEEDS, **DISTRICT, **params)
        return table.set_index("regime")["half_life"]

    heard = half_lives(**sim.neutral_kinds(kind_governance=True))
    assert heard["mutual"] < heard["state"], heard
    neutral = half_lives(**sim.neutral_kinds())
    assert neutral["mutual"] == neutral["state"], neutral
