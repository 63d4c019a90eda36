"""The public API of the model and its everyday guarantees."""

import numpy as np
import pandas as pd
import pytest

import sim
from sim.metrics_catalogue import METRIC_NAMES
from sim.population import MEMBER
from sim.providers import Contractor, Mutual, StateDepartment
from sim.submodels import production


def test_quick_start_api(small):
    model = sim.MutualStateModel(regime="mutual", rng=42, **small)
    model.run(steps=13)
    model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == list(METRIC_NAMES)
    assert len(df) == 15  # the initial state and 14 months
    assert model.month == 14 and model.steps == 14


def test_default_units_hold_400_to_600_adults():
    model = sim.MutualStateModel(rng=1)
    sizes = np.array([u.population for u in model.units])
    assert len(sizes) == 20 and sizes.min() >= 400 and sizes.max() <= 600
    assert model.population.n == sizes.sum()


def test_same_rng_gives_identical_results(small):
    a = sim.MutualStateModel(regime="conversion", rng=7, **small).run(30)
    b = sim.MutualStateModel(regime="conversion", rng=7, **small).run(30)
    c = sim.MutualStateModel(regime="conversion", rng=8, **small).run(30)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_text_seed_is_refused_with_a_clear_message():
    with pytest.raises(sim.ParameterError, match="rng: '7' is not allowed; expected a whole-number seed"):
        sim.MutualStateModel(rng="7")


def test_bad_parameter_is_refused_before_anything_is_built():
    with pytest.raises(sim.ParameterError, match="n_units: -3 is below the minimum 1"):
        sim.MutualStateModel(n_units=-3)
    with pytest.raises(sim.ParameterError, match="bogus: unknown parameter"):
        sim.MutualStateModel(bogus=1)


@pytest.mark.parametrize("regime, kind", [("state", StateDepartment), ("privatised", Contractor),
                                          ("mutual", Mutual), ("conversion", StateDepartment)])
def test_regimes_start_with_their_provider_kind(regime, kind, small):
    model = sim.MutualStateModel(regime=regime, rng=1, **small)
    agents = list(model.provider_agents.values())
    assert len(agents) == model.providers.n == sum(model.providers.home_row[s].max() + 1 - model.providers.home_row[s].min() for s in range(3))
    assert all(type(a) is kind for a in agents)
    assert not model.choice  # user choice is a factor of its own, off unless a scenario sets it
    bundled = sim.MutualStateModel(regime=regime, rng=1, user_choice="regime_default", **small)
    assert bundled.choice == (regime == "privatised")  # the quasi-market bundle, on request


def test_units_are_mesa_network_cells_with_neighbours():
    model = sim.MutualStateModel(rng=1, n_units=9, unit_size=50)
    centre = model.units[4]
    assert {u.index for u in centre.neighbours} == {1, 3, 5, 7}
    assert model.space[4].agents == [centre]


def test_a_citizen_can_be_followed(small):
    model = sim.MutualStateModel(regime="mutual", rng=2, **small)
    model.run(12)
    users = model.users[0]
    person = model.citizens[int(users.citizen[0])]
    assert person.unit == users.unit[0]
    assert 0 <= person.deprivation_quintile <= 4
    services = person.services
    assert any(s.sector == model.sector_names[0] for s in services)
    assert all(s.stance in ("contribute", "use_only", "opt_out") for s in services)
    assert "Citizen(" in repr(person)
    # a user who joined her mutual is its member (in the first sector where anyone has joined yet)
    sector, joined = next((s, u) for s, u in enumerate(model.users) if (u.civic & MEMBER).any())
    member = model.citizens[int(joined.citizen[np.flatnonzero(joined.civic & MEMBER)[0]])]
    assert model.sector_names[sector] in member.memberships
    assert len(model.citizens) == model.population.n
    with pytest.raises(IndexError):
        model.citizens[model.population.n]


def test_all_twelve_sectors_run(small):
    model = sim.MutualStateModel(regime="mutual", rng=3, sectors="all", **small)
    df = model.run(13)
    assert len(model.users) == 12
    assert df.notna().all().all()


def test_participation_audit_reports_by_quintile(small):
    model = sim.MutualStateModel(regime="mutual", rng=3, participation_audit=True, channel_user_panels=True,
                                 **small)
    model.run(12)
    report = model.participation_report()
    assert set(report["quintile"]) == {0, 1, 2, 3, 4}
    assert report["participation_rate"].between(0, 1).all()
    assert model.guarantor.audit_reports, "the audit ran at the fiscal year's end"
    assert model.guarantor.targeting.mean() == pytest.approx(1.0)


def test_participation_audit_keeps_counts_and_builds_its_tables_when_read(small):
    """The audit keeps each fiscal year's counts and ``audit_reports`` builds their tables when read (ODD §9
    D-F244): the table the report of that month gives; a state saved with tables (before D-F244) keeps them first."""
    from sim.views import participation_report
    model = sim.MutualStateModel(regime="mutual", rng=4, participation_audit=True, channel_user_panels=True,
                                 sectors="all", **small)
    model.run(11)
    guarantor = model.guarantor
    model.step()  # the fiscal year's end, whose audit reads the people before that step's later parts
    assert len(guarantor.audit_counts) == 1
    table = guarantor.audit_reports[0]
    assert len(table) == 5 * (len(model.sector_names) + 1)
    counts = guarantor.audit_counts[0]
    guarantor.audit_counts = []
    old = participation_report(model.population, model.users, model.sector_names, model.month)
    guarantor.__dict__["audit_reports"] = [old]  # as a state saved before D-F244 holds them
    guarantor.participation_audit()
    assert [id(t) for t in guarantor.audit_reports[:1]] == [id(old)] and len(guarantor.audit_reports) == 2
    pd.testing.assert_frame_equal(guarantor.audit_reports[1], old)
    assert counts.shape == guarantor.audit_counts[0].shape


@pytest.mark.parametrize("seed", range(3))
def test_participation_audit_targets_from_its_reports_authority_rows(small, seed):
    """The audit's targeting, read from the report's rows (ODD §9 D-F242), is to the last bit what the report's
    table gives: the authority's participation by quintile, 1 / max(rate, 0.01), over its mean."""
    from sim.population import ANY_SERVICE
    model = sim.MutualStateModel(regime="mutual", rng=seed, participation_audit=True, channel_user_panels=True,
                                 sectors="all", **small)
    model.run(12)
    report = model.guarantor.audit_reports[-1]
    anyone = report[report["sector"] == ANY_SERVICE]
    by_q = anyone.set_index("quintile")["participation_rate"].reindex(range(5)).fillna(0).to_numpy()
    inverse = 1.0 / np.maximum(by_q, 0.01)
    assert (inverse / inverse.mean()).tobytes() == model.guarantor.targeting.tobytes()


def test_providers_frame_describes_every_row(small):
    model = sim.MutualStateModel(regime="privatised", rng=3, **small)
    model.run(3)
    frame = model.providers_frame()
    assert len(frame) == model.providers.n
    assert set(frame["kind"]) == {"contractor"}


def test_a_scenario_may_mix_kinds_across_sectors():
    model = sim.MutualStateModel(regime="state", rng=1, n_units=4, user_choice="regime_default",
                                 **{"leisure.regime": "privatised", "elderly_care.regime": "mutual"})
    kinds = model.providers_frame().groupby("sector")["kind"].unique()
    assert list(kinds["primary_education"]) == ["state"]
    assert list(kinds["leisure"]) == ["contractor"] and list(kinds["elderly_care"]) == ["mutual"]
    assert model.structure.choice_in.tolist() == [False, False, True]  # choice comes with privatisation, sector by sector
    model.run(13)
    assert model.books_balance()


def test_only_converting_sectors_hold_conversion_rounds():
    model = sim.MutualStateModel(regime="state", rng=1, n_units=6, ballot_support=5.0, conversion_rate=1.0,
                                 **{"leisure.regime": "conversion"})
    model.run(36)
    converted = {e["sector"] for e in model.guarantor.conversion_log if e["converted"]}
    assert converted == {"leisure"}


def test_public_views_ballots_stances_by_sector_and_providers():
    model = sim.MutualStateModel(regime="conversion", rng=2, n_units=6, conversion_rate=1.0,
                                 organisation_scale="unit")
    model.run(25)
    ballots = model.ballots_frame()
    assert list(ballots.columns) == ["service", "sector", "unit", "month", "failing", "eligible", "turnout",
                                     "yes_share", "passed"]
    # At rate 1 every state service is put forward in the first round; those whose ballot failed, in the second
    first = ballots[ballots["month"] == 12]
    assert len(first) == model.providers.n and (ballots["month"].isin([12, 24])).all()
    assert (ballots["month"] == 24).sum() == (~first["passed"]).sum()
    assert (ballots["eligible"] >= model.params["minimum_staff"]).all()
    assert ballots["turnout"].between(0, 1).all() and ballots["yes_share"].between(0, 1).all()
    shares = model.stance_shares(by_sector=True)
    assert list(shares.index) == [*model.sector_names, "all"]
    assert np.allclose(shares[["contribute", "use_only", "opt_out"]].sum(axis=1), 1.0)
    assert shares.loc["all", "contribute"] == pytest.approx(model.stance_shares()["contribute"])
    frame = model.providers_frame()
    for column in ("cost_reduction_effort", "innovation_effort", "staff", "fte", "last_failure"):
        assert column in frame
    default = sim.MutualStateModel(rng=1, n_units=20).providers_frame()
    for _sector, group in default.groupby("sector"):  # every unit is served exactly once per sector
        assert sorted(u for units in group["units"] for u in units) == list(range(20))
    assert (default["units_served"] == default["units"].map(len)).all()
    assert default.groupby("sector")["users"].mean().between(250, 700).all()  # organisations of hundreds
    assert (frame["staff"] >= model.params["minimum_staff"]).all()


def test_no_service_runs_with_a_lone_worker():
    model = sim.MutualStateModel(rng=1, n_units=3, unit_size=60, sectors=["leisure"], minimum_staff=4)
    assert (model.providers.fte < 1).all()  # a few dozen users need a fraction of one FTE...
    assert (model.providers.staff == 4).all()  # ...but a team of part-timers delivers it
    model.run(12)
    assert (model.providers.staff == 4).all()


def test_no_default_service_runs_with_a_handful_of_workers():
    """Issue 7: organisations have a staff of tens. At the defaults a leisure organisation needs ~1.5 FTE for its
    ~450 users; a rota of part-time and casual staff delivers it, so every service employs at least ten people,
    while FTE (and wages) still follow users."""
    frame = sim.MutualStateModel(rng=0).providers_frame()
    assert (frame["staff"] >= 10).all(), frame.groupby("sector")["staff"].min()
    leisure = frame[frame["sector"] == "leisure"]
    assert (leisure["fte"] < 3).all() and (leisure["staff"] == 10).all()


def test_choosing_a_provider_far_worse_is_computed_without_overflow():
    """A switch that would lose much utility has a logistic chance of (nearly) zero, computed stably: no NumPy
    overflow warning at the registry's extreme exit sensitivity and switching cost."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = sim.MutualStateModel(rng=0, n_units=6, regime="mutual", user_choice="on", switch_cost=5.0,
                                     exit_sensitivity=100.0)
        model.run(13)


def test_overhead_is_not_charged_on_the_fixed_cost_lump():
    """A bigger building (fixed cost, funded by an equal lump) costs exactly its price: no back-office or
    governance overhead is levied on the lump, so the money for the service itself does not shrink."""
    def month(fixed):
        model = sim.MutualStateModel(rng=1, n_units=2, sectors=["leisure"], regime="mutual",
                                     organisation_scale="unit", **{"leisure.fixed_cost": fixed})
        model.ledger.open_period()
        production.produce(model.params, model.structure, model.providers, model.ledger, book=True)
        return model.ledger.flow(purpose="running costs"), model.providers.q_c.copy()

    cost_small, quality_small = month(1000.0)
    cost_big, quality_big = month(6000.0)
    assert cost_big - cost_small == pytest.approx(2 * 5000.0)
    assert quality_big == pytest.approx(quality_small)


def test_catchments_are_connected_areas_that_cover_the_district():
    import networkx as nx

    from sim.geography import catchments, grid_graph

    for n_units in (1, 7, 20, 40, 61, 400):
        graph, _ = grid_graph(n_units)
        for k in (1, 3, 7, 20):
            catchment = catchments(n_units, k)
            assert sorted(set(catchment.tolist())) == list(range(max(1, min(n_units, round(n_units / k)))))
            for c in range(int(catchment.max()) + 1):
                assert nx.is_connected(graph.subgraph(np.flatnonzero(catchment == c).tolist())), (n_units, k, c)
def test_every_form_of_participation_is_reported():
    """Forms are institutions (ODD §7.3): mutuals have members who elect boards, state departments none (no
    members, no member-board turnout); under both, schools elect parent governors and every provider consults,
    so state services have seats (civic activism above 0) and turnout at governor elections."""
    mutual = sim.MutualStateModel(regime="mutual", rng=1, n_units=6).run(24).iloc[-1]
    state = sim.MutualStateModel(regime="state", rng=1, n_units=6).run(24).iloc[-1]
    assert 0 < mutual["member_share"] <= 1 and 0 < mutual["election_turnout"] < 1
    assert 0 < mutual["active_share"] < mutual["member_share"]
    assert state["member_share"] == 0 and state["election_turnout"] == 0
    assert 0 < state["active_share"] and 0 < state["governor_election_turnout"] < 1
    assert 0 < state["voted_share"] < state["participation_rate"]
    for row in (mutual, state):
        assert 0 < row["consultation_share"] <= row["participation_rate"] <= 1
        assert 0 < row["coproduction_share"] < 1
