"""Each of the proposal's five levers is a switch a user can pull, with an effect a user can measure."""

import numpy as np
import pandas as pd
import pytest

import sim

SEEDS = range(3)
CHANNELS = dict(channel_elections=True, channel_user_panels=True, channel_named_contacts=True)


def late(metric, steps=72, seeds=SEEDS, **params):
    params.setdefault("n_units", 12)
    return np.array([sim.MutualStateModel(rng=s, **params).run(steps)[metric].iloc[-12:].mean() for s in seeds])


def test_lever1_participation_channels_raise_participation_and_cost_money():
    base = late("participation_rate", regime="mutual")
    channels = late("participation_rate", regime="mutual", **CHANNELS)
    assert np.all(channels > base + 0.03)
    model = sim.MutualStateModel(rng=1, n_units=4, regime="mutual", **CHANNELS)
    model.step()
    cost = model.ledger.flow(purpose="participation channels")
    assert cost == pytest.approx(3 * model.params["channel_running_cost"] * model.population.n)


def test_lever1_the_audit_targets_recruitment_and_narrows_the_participation_gap():
    # Ten seeds: the narrowing is about 0.006 and a seed's gap varies by about 0.02, so three seeds' mean could
    # miss the margin by chance (on the keyed streams of stance revision, ODD §9 D-F31, seeds 0-2 gave 0.0049).
    untargeted = late("participation_gap", regime="mutual", seeds=range(10), **CHANNELS)
    audited = late("participation_gap", regime="mutual", participation_audit=True, seeds=range(10), **CHANNELS)
    # Recruitment by channels is one of several routes into participation (motives, habit, consultations and
    # elections are others), so the audit narrows the gap without closing it (measured 2026-12-07: 0.045 ->
    # 0.039, seeds 0-9, month 72; narrower in each of the ten).
    assert audited.mean() < untargeted.mean() - 0.005


def test_lever2_local_autonomy_makes_services_fit_local_needs():
    central = late("responsiveness", regime="mutual", local_autonomy=0.0)
    local = late("responsiveness", regime="mutual", local_autonomy=1.0)
    # Full autonomy follows those who take part, who can be unrepresentative: better on average, not always.
    assert (local - central).mean() > 0 and (local > central).sum() >= 2


def test_lever2_capacity_building_raises_civic_resources_at_a_cost():
    m0 = sim.MutualStateModel(rng=1, n_units=4)
    m1 = sim.MutualStateModel(rng=1, n_units=4, capacity_building=50.0)
    df0, df1 = m0.run(24), m1.run(24)
    assert m1.population.resources.mean() > m0.population.resources.mean() + 0.1
    # £50 per adult a year, accrued over the year it serves: £50/12 a month from the first fiscal year's end
    assert df1["cost_other"].iloc[12:24].to_numpy() == pytest.approx(50 / 12, rel=1e-6)
    assert df0["cost_other"].iloc[12:24].to_numpy() == pytest.approx(0.0)


def test_lever3_the_asset_lock_stops_demutualisation():
    # Ten years: reserves must build up before members are tempted to sell (in five, one seed of three had not).
    weak = late("demutualisations", steps=120, regime="mutual", asset_lock=0.0, demutualisation_rate=1.0)
    locked = late("demutualisations", steps=120, regime="mutual", asset_lock=1.0, demutualisation_rate=1.0)
    assert weak.min() > 0 and locked.max() == 0


def test_lever3_local_bonds_widen_social_investment():
    members_only = late("social_investment_per_capita", regime="mutual", social_investment=True)
    bonds = late("social_investment_per_capita", regime="mutual", social_investment=True, local_bonds=True)
    assert np.all(members_only > 0) and np.all(bonds > 2 * members_only)


def test_lever3_the_quality_mark_raises_trust():
    def trust(mark):
        m = sim.MutualStateModel(rng=2, n_units=6, regime="mutual", quality_mark=mark, quality_mark_threshold=0.0)
        m.run(36)
        return float(m.population.trust.mean())
    assert trust(True) > trust(False)


def test_lever4_conversion_needs_a_yes_from_the_workforce():
    converting = late("conversions", steps=60, regime="conversion", ballot_support=3.0, conversion_rate=0.5)
    blocked = late("conversions", steps=60, regime="conversion", ballot_threshold=1.0, ballot_support=-10.0,
                   conversion_rate=0.5)
    assert converting.min() > 0 and blocked.max() == 0
    share = late("mutual_share", steps=60, regime="conversion", ballot_support=3.0, conversion_rate=0.5)
    assert np.all(share > 0)


def test_lever4_a_ballot_reads_the_workforce():
    model = sim.MutualStateModel(rng=3, n_units=2, regime="conversion")
    rng = np.random.default_rng(0)
    row = int(np.argmax(model.providers.staff))
    keen = np.mean([model.workforce.ballot(rng, row, 5.0)[1] for _ in range(20)])
    against = np.mean([model.workforce.ballot(rng, row, -5.0)[1] for _ in range(20)])
    assert keen > 0.9 and against < 0.1


def test_lever5_self_audit_is_cheaper_than_inspection_for_mutuals():
    inspection = sim.MutualStateModel(rng=1, n_units=8, regime="mutual", audit_mode="inspection",
                                      inspection_interval=1).run(12)
    self_audit = sim.MutualStateModel(rng=1, n_units=8, regime="mutual", audit_mode="self_audit",
                                      inspection_interval=1).run(12)
    assert self_audit["cost_per_capita"].iloc[12] < inspection["cost_per_capita"].iloc[12]


def test_lever5_social_investment_is_matched_by_the_state():
    model = sim.MutualStateModel(rng=1, n_units=6, regime="mutual", social_investment=True, local_bonds=True,
                                 investment_match=1.0)
    model.run(12)
    invested = float(model.population.invested.sum())
    assert invested > 0
    assert model.providers.capital.sum() == pytest.approx(2 * invested, rel=1e-4)  # citizens' £ plus an equal match


def test_lever5_funding_level_drives_quality():
    low = late("quality_contractible", regime="state", funding_level=0.7)
    high = late("quality_contractible", regime="state", funding_level=1.3)
    assert np.all(high > low)


# ------------------------------------------------------------------------------------------------ conversion (ODD §9 D-L1, D-L2)
def ballots(steps=120, seeds=range(6), **params):
    """Every ballot of a few conversion-regime runs, pooled."""
    frames = [sim.MutualStateModel(regime="conversion", rng=s, **params) for s in seeds]
    for model in frames:
        model.run(steps)
    return pd.concat([model.ballots_frame() for model in frames], ignore_index=True)


def test_lever4_ballots_differ_so_some_fail_and_those_that_pass_pass_clearly():
    """With ballots that differ (the offer, the campaign), a fifth or so fail while those that pass are carried
    by a clear majority, as housing stock transfer ballots were; with every ballot alike (the ablation twin)
    the yes-shares spread only as the workforces' morale does."""
    spread = ballots(conversion_rate=0.3)
    alike = ballots(conversion_rate=0.3, ballot_support_spread=0.0)
    assert len(spread) >= 40 and len(alike) >= 40
    assert 0.12 < 1.0 - spread["passed"].mean() < 0.4
    assert spread.loc[spread["passed"], "yes_share"].median() > 0.74
    assert spread["yes_share"].std() > alike["yes_share"].std() + 0.04


def test_lever4_conversion_proceeds_at_a_share_of_services_whatever_the_district_size():
    """The approval process puts forward a share of the services that remain: a district four times the size
    converts about the same share of its services (not the same number), faster with a higher rate, and not at
    all at rate 0 (the ablation twin)."""
    def converted_share(n_units, rate):
        shares = []
        for seed in range(4):
            model = sim.MutualStateModel(regime="conversion", rng=seed, n_units=n_units, conversion_rate=rate)
            model.run(60)
            shares.append(model.guarantor.conversions / model.providers.n)
        return float(np.mean(shares))
    small, large = converted_share(10, 0.2), converted_share(40, 0.2)
    assert 0.2 < small < 0.8 and abs(large - small) < 0.2
    assert converted_share(10, 0.5) > small + 0.1
    assert converted_share(10, 0.0) == 0.0


def test_lever4_approval_needs_a_viable_business_case():
    """A service the formula underfunds (its payment would not cover a mutual's wage bill and fixed cost) is not
    approved for a ballot; without the viability condition (the ablation twin) it is."""
    def approved_share(viability):
        model = sim.MutualStateModel(regime="conversion", rng=1, n_units=8, funding_level=0.5, conversion_rate=1.0,
                                     conversion_viability=viability)
        model.run(25)
        log = model.guarantor.conversion_log
        return np.mean([e["approved"] for e in log])
    assert approved_share(True) < 0.5 and approved_share(False) == 1.0


# ------------------------------------------------------------------------------------------------ capacity (ODD §9 D-L3)
def test_lever2_capacity_built_depreciates_once_the_programme_stops():
    """Five years of capacity building, then five without: the civic resources and skill it built fall back
    toward what people had before; without depreciation (the ablation twin) they stay."""
    def after_stopping(depreciation):
        model = sim.MutualStateModel(rng=1, n_units=4, capacity_building=20.0, capacity_depreciation=depreciation)
        before = float(model.population.resources.mean())
        model.run(60)
        built = float(model.population.resources.mean()) - before
        model.params["capacity_building"] = 0.0
        model.run(60)
        return built, float(model.population.resources.mean()) - before, float(model.workforce.trained.mean())
    built, left, trained = after_stopping(0.2)
    built_kept, left_kept, trained_kept = after_stopping(0.0)
    assert built > 0.1 and built_kept > 0.1
    assert left < 0.5 * built and left_kept == pytest.approx(built_kept, rel=1e-4)
    assert trained < 0.5 * trained_kept


# ------------------------------------------------------------------------------------------------ financial freedom (D-L4)
def test_lever2_financial_freedom_keeps_underspend_in_the_service():
    """Departments free to manage their budgets carry their underspend forward and spend it on their service:
    less returns to the treasury and quality is higher; with budgets that lapse (the ablation twin) every
    pound saved goes back."""
    def run(freedom):
        quality, returned = [], []
        for seed in range(3):
            model = sim.MutualStateModel(rng=seed, n_units=8, regime="state", financial_freedom=freedom)
            frame = model.run(72)
            quality.append(frame["quality_contractible"].iloc[-24:].mean())
            returned.append(model.ledger.flow(purpose="underspend returned"))
        return np.array(quality), np.array(returned)
    free_quality, free_returned = run(1.0)
    lapse_quality, lapse_returned = run(0.0)
    assert np.all(free_quality > lapse_quality) and np.all(free_returned == 0) and np.all(lapse_returned > 0)


def test_lever2_financial_freedom_is_suspended_where_a_department_fails_the_standard():
    """A department measured under the quality standard loses its delegated budget: its balance returns to the
    treasury; a department that meets the standard keeps it; without the freedom nothing is suspended."""
    def balances(freedom):
        model = sim.MutualStateModel(rng=1, n_units=4, regime="state", financial_freedom=freedom)
        model.step()
        model.ledger.provider_cash[:2] = 1000.0
        model.providers.failing[:] = False
        model.providers.failing[0] = True
        model.guarantor.suspend_financial_freedom()
        return model.ledger.provider_cash[:2].copy(), model.ledger.flow(purpose="delegated budget suspended")
    (failing, meeting), suspended = balances(1.0)
    assert failing == 0.0 and meeting == 1000.0 and suspended == pytest.approx(1000.0)
    (failing, _), suspended = balances(0.0)
    assert failing == 1000.0 and suspended == 0.0
