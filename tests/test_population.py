"""Citizens and their needs: deprivation, civic resources, need churn, need shocks; and federations."""

import numpy as np
import pytest

import sim
from sim.population import USE_ONLY
from sim.providers import MUTUAL, Mutual, replace_operator
from sim.providers.secondary import SecondaryMutual


def test_deprivation_quintiles_split_the_authority_and_resources_fall_with_deprivation():
    m = sim.MutualStateModel(rng=1)
    counts = np.bincount(m.population.deprivation, minlength=5)
    assert counts.min() >= 0.19 * m.population.n
    means = [m.population.resources[m.population.deprivation == q].mean() for q in range(5)]
    assert all(a > b for a, b in zip(means, means[1:], strict=False))


def test_need_prevalence_follows_the_sector():
    m = sim.MutualStateModel(rng=1, sectors=["recycling", "elderly_care"])
    assert m.users[0].m == m.population.n  # everyone recycles
    assert m.users[1].m / m.population.n == pytest.approx(0.03, abs=0.01)


def test_need_churn_passes_slots_to_residents_of_the_same_unit():
    m = sim.MutualStateModel(rng=1, n_units=4, sectors=["elderly_care"], **{"elderly_care.need_volatility": 0.5})
    users = m.users[0]
    before = users.citizen.copy()
    units = users.unit.copy()
    m.step()
    changed = users.citizen != before
    assert 0.3 < changed.mean() < 0.7
    assert np.array_equal(users.unit, units)
    assert np.array_equal(m.population.unit[users.citizen], users.unit)


def test_newcomers_start_as_users_of_their_home_provider():
    m = sim.MutualStateModel(rng=1, n_units=4, regime="privatised", sectors=["leisure"])
    users = m.users[0]
    users.provider[:] = m.home_row[0][(users.unit + 1) % 4]  # everyone served next door
    moved = users.churn(m.stream_key, 1, 1.0, m.home_row[0], m.providers.n, m.unit_sizes, m.unit_starts)
    assert moved > 0.9 * users.m
    assert np.all(users.provider == m.home_row[0][users.unit]) and np.all(users.stance == USE_ONLY)


def test_nobody_holds_two_slots_of_one_service_and_the_register_agrees():
    m = sim.MutualStateModel(rng=2, n_units=5, **{"leisure.need_volatility": 0.3, "elderly_care.need_volatility": 0.3})
    m.run(24)
    for users in m.users:
        assert len(np.unique(users.citizen)) == users.m
        holders = np.flatnonzero(m.population.holds & users.bit)
        assert np.array_equal(np.sort(users.citizen), holders)


def test_need_shock_moves_preferences_in_the_hit_units():
    m = sim.MutualStateModel(rng=1, n_units=10, need_shock_month=2, need_shock_share=1.0, need_shock_size=0.3,
                             **{f"{s}.need_volatility": 0.0 for s in ("primary_education", "elderly_care", "leisure")})
    m.step()
    before = [u.x.mean() for u in m.users]
    m.step()
    after = [u.x.mean() for u in m.users]
    assert all(a > b + 0.15 for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
def test_a_need_shock_a_run_of_slots_at_a_time_is_the_whole_sector(monkeypatch, chunk):
    """ODD §9 D-F280: the shock shifts a run of slots at a time; the codes are those of the whole sector at once."""
    import copy

    from sim.kernels import preferences
    from sim.submodels import needs

    m = sim.MutualStateModel(rng=3, n_units=9, sectors="all")
    params = dict(m.params, need_shock_share=0.5, need_shock_size=0.3)
    expected = copy.deepcopy(m.users)
    hit = np.random.default_rng(11).random(m.structure.n_units) < 0.5
    for users in expected:  # the whole sector at once, as before D-F280
        users.unit_pref_mean = np.where(hit[:, None], np.clip(users.unit_pref_mean + 0.3, 0, 1),
                                        users.unit_pref_mean).astype(np.float32)
        moved = hit[users.unit]
        users.xq[moved] = preferences.encode(np.clip(preferences.decode(users.xq[moved]) + 0.3, 0, 1))
    monkeypatch.setattr(needs, "SHOCK_CHUNK", chunk)
    needs.need_shock(params, m.structure, m.users, np.random.default_rng(11))
    assert any(hit) and not all(hit)
    for users, want in zip(m.users, expected, strict=True):
        assert users.xq.dtype == want.xq.dtype and np.array_equal(users.xq, want.xq)
        assert np.array_equal(users.unit_pref_mean, want.unit_pref_mean)


def test_secondary_mutuals_federate_neighbours_and_pool_reserves():
    m = sim.MutualStateModel(rng=1, n_units=4, regime="mutual", secondary_mutuals=True, sectors=["leisure"],
                             organisation_scale="unit")
    feds = list(m.agents_by_type[SecondaryMutual])
    assert len(feds) == 1 and len(feds[0].rows) == 4
    m.ledger.open_period()
    cash = m.ledger.provider_cash
    shift = np.array([-10000.0, 5000.0, 3000.0, 2000.0])
    m.ledger.move_between_providers(shift, "test setup")  # one member in the red, the others flush
    from sim.providers.secondary import pool_reserves
    pool_reserves(m.providers, m.ledger)
    assert cash.min() >= -1e-9
    m.ledger.check()


def test_mutuals_alone_do_not_federate():
    m = sim.MutualStateModel(rng=1, n_units=4, regime="conversion", secondary_mutuals=True, sectors=["leisure"])
    replace_operator(m, 0, Mutual)
    from sim.providers.secondary import form_federations
    assert form_federations(m) == []
    assert (m.providers.federation == -1).all() and m.providers.kind[0] == MUTUAL


def test_a_new_need_starts_with_the_holders_civic_habit():
    """Churn does not wipe civic habits: a resident who took part in the last 12 months starts contributing to
    a service she newly needs; one who did not starts as a user."""
    from sim.population import CONTRIBUTE

    m = sim.MutualStateModel(rng=1, n_units=4, sectors=["leisure"])
    users = m.users[0]
    habitual = np.zeros(m.population.n, dtype=bool)
    habitual[::2] = True
    users.churn(m.stream_key, 1, 1.0, m.home_row[0], m.providers.n, m.unit_sizes, m.unit_starts, habitual)
    assert np.array_equal(users.stance == CONTRIBUTE, habitual[users.citizen])
    assert np.all(users.civic == 0)  # membership and seats belonged to the need that ended


def test_switching_provider_keeps_the_stance_and_gives_up_the_membership():
    from sim.population import CONTRIBUTE
    from sim.submodels import participation, service_use
    from sim.submodels.exit import exit_providers

    m = sim.MutualStateModel(rng=1, n_units=6, regime="mutual", user_choice="on", switch_cost=0.0,
                             exit_sensitivity=100.0, sectors=["leisure"])
    users = m.users[0]
    users.stance[:] = CONTRIBUTE
    users.civic[:] = participation.MEMBER
    service_use.use_services(m.params, m.structure, m.population, users, m.providers, m.stream_key, m.month)
    before = users.provider.copy()
    exit_providers(m.params, m.structure, m.population, users, m.providers, m.stream_key, m.month)
    moved = users.provider != before
    assert moved.any()
    assert np.all(users.stance[moved] == CONTRIBUTE) and np.all(users.civic[moved] == 0)
    assert np.all(users.civic[~moved] == participation.MEMBER)


def test_federations_are_the_connected_groups_numbered_as_networkx_met_them():
    """``form_federations`` (SciPy's components, ODD §9 D-F113) gives the federations NetworkX's connected
    components gave over the set of a sector's mutual rows: the same members, numbered in the same order."""
    import networkx as nx

    from sim.providers.secondary import form_federations

    m = sim.MutualStateModel(rng=2, n_units=300, regime="conversion", secondary_mutuals=True, sectors="all")
    rng = np.random.default_rng(0)
    for row in np.flatnonzero(rng.random(m.providers.n) < 0.6):
        replace_operator(m, int(row), Mutual)
    table, neighbours = m.providers, m.structure.row_neighbours
    expected, unsorted = [], False
    for s in range(len(m.sector_names)):
        rows = set(np.flatnonzero((table.sector == s) & (table.kind == MUTUAL)).tolist())
        graph = nx.Graph()
        graph.add_nodes_from(rows)
        graph.add_edges_from((r, int(b)) for r in rows for b in neighbours[r] if b in rows)
        expected += [(s, sorted(c)) for c in nx.connected_components(graph) if len(c) >= 2]
        unsorted = unsorted or list(rows) != sorted(rows)
    got = [(fed.sector, fed.rows.tolist()) for fed in form_federations(m)]
    assert got == expected and len(got) > 20 and unsorted  # a set of rows not in ascending order was met
    for number, (_, members) in enumerate(got):
        assert (table.federation[members] == number).all()
    assert (table.federation >= 0).sum() == sum(len(members) for _, members in got)


def test_a_state_saved_with_the_holders_as_an_array_loads_and_runs_on():
    """ODD §9 D-F120: a state pickled before the holders were packed (``citizen``, int32) loads with its holders
    as int32 offsets from adult 0 and runs on exactly as the packed model does."""
    import pickle

    m = sim.MutualStateModel(rng=3, n_units=4, sectors="all", user_choice="on", **{"recycling.need_volatility": 0.2})
    m.run(2)
    blob = pickle.dumps(m)
    old = pickle.loads(blob)
    for users in old.users:  # as a state saved before D-F120 held them
        citizen = users.citizen
        for name in ("holder_offset", "holder_floor", "holder_shift"):
            del users.__dict__[name]
        users.__dict__["citizen"] = citizen
    loaded, packed = pickle.loads(pickle.dumps(old)), pickle.loads(blob)
    for a, b in zip(loaded.users, packed.users, strict=True):
        assert a.holder_offset.dtype == np.int32 and np.array_equal(a.citizen, b.citizen)
    assert loaded.run(14).equals(packed.run(14))
    for a, b in zip(loaded.users, packed.users, strict=True):
        assert np.array_equal(a.citizen, b.citizen) and np.array_equal(a.satisfaction, b.satisfaction)


def test_a_state_saved_with_int64_switchers_loads_and_runs_on():
    """ODD §9 D-F221: this month's switchers and the rows they left are int32; a state pickled when they were
    int64 loads with them as int32 (the same values) and runs on exactly as the new model does."""
    import pickle

    m = sim.MutualStateModel(rng=3, n_units=4, sectors="all", user_choice="on", exit_crowds_out_voice=True)
    m.run(11)
    blob = pickle.dumps(m)
    switched = [users.switched for users in m.users if users.switched is not None]
    assert switched and sum(moved.size for moved, _ in switched) > 0
    assert all(moved.dtype == left.dtype == np.int32 for moved, left in switched)
    old = pickle.loads(blob)
    for users in old.users:  # as a state saved before D-F221 held them
        if users.switched is not None:
            users.switched = tuple(a.astype(np.int64) for a in users.switched)
    loaded, new = pickle.loads(pickle.dumps(old)), pickle.loads(blob)
    for a, b in zip(loaded.users, new.users, strict=True):
        if b.switched is not None:
            assert all(x.dtype == np.int32 and np.array_equal(x, y) for x, y in zip(a.switched, b.switched,
                                                                                     strict=True))
    assert loaded.run(13).equals(new.run(13))  # past the fiscal year's end of month 12, whose ballots read them


def test_a_state_saved_with_float32_preferences_loads_encoded_and_runs_on():
    """ODD §9 D-F211: a state pickled before the preferences were uint16 codes (``x``, float32) loads with them
    encoded (``preferences.encode``): a float32 reading of a code gives that code back, so a state saved with the
    codes' readings runs on exactly as the coded model does; other float32 designs land within half a step."""
    import pickle

    from sim.kernels.preferences import SCALE, decode, encode

    m = sim.MutualStateModel(rng=3, n_units=4, sectors="all", **{"recycling.need_volatility": 0.2})
    m.run(2)
    blob = pickle.dumps(m)
    old = pickle.loads(blob)
    for users in old.users:  # as a state saved before D-F211 held them
        users.__dict__["x"] = decode(users.__dict__.pop("xq"))
    loaded, coded = pickle.loads(pickle.dumps(old)), pickle.loads(blob)
    for a, b in zip(loaded.users, coded.users, strict=True):
        assert "x" not in a.__dict__ and a.xq.dtype == np.uint16 and np.array_equal(a.xq, b.xq)
    assert loaded.run(6).equals(coded.run(6))
    designs = np.random.default_rng(0).random((1000, 2)).astype(np.float32)
    designs[:2] = [[0.0, 1.0], [1.0, 0.0]]
    old.users[0].__dict__["x"] = designs  # designs off the codes' grid
    users = pickle.loads(pickle.dumps(old.users[0]))
    assert users.xq.dtype == np.uint16 and np.array_equal(users.xq[:2], [[0, SCALE], [SCALE, 0]])
    assert np.abs(users.xq / SCALE - designs).max() <= 0.5 / SCALE + 1e-12
    assert np.array_equal(users.x, decode(encode(designs))) and not users.x.flags.writeable
