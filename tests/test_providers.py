"""Provider kinds: HSV efforts, design channels, and what happens on failure."""

import numpy as np
import pytest

import sim
from sim.kernels.preferences import decode, encode
from sim.population import CONTRIBUTE, OPT_OUT, USE_ONLY
from sim.providers import CONTRACTOR, MUTUAL, STATE, Contractor, Mutual, StateDepartment, replace_operator
from sim.providers.base import cost_reduction, governance_strength, innovation_gain, restart_efforts, revise_efforts
from sim.providers.contractor import catchment_target
from sim.submodels import participation, production


def test_hsv_functional_forms():
    assert cost_reduction(np.array([0.09]), 0.3)[0] == pytest.approx(2 * 0.3 * 0.3)
    assert innovation_gain(np.array([0.04]), 0.3)[0] == pytest.approx(2 * 0.3 * 0.2)
    assert governance_strength(np.array([0.0, 0.05, 1e9]), 0.05).tolist() == pytest.approx([0.0, 0.5, 1.0])


def learned_efforts(kind_cls, theta, years=60, participation=0.0, **params):
    model = sim.MutualStateModel(regime="state", n_units=2, unit_size=50, rng=1, sectors=["elderly_care"],
                                 **{"elderly_care.theta": theta, "effort_noise": 0.0, **params})
    rows = np.arange(model.providers.n)
    model.providers.participation[:] = participation
    for _ in range(years):
        revise_efforts(model, rows, kind_cls)
    return model.providers.effort_e.mean(), model.providers.effort_i.mean()


def test_a_contractor_learns_hsv_optimal_efforts():
    gamma = delta = 0.3
    e, i = learned_efforts(Contractor, theta=1.2)
    assert e == pytest.approx(gamma ** 2, rel=0.1)  # c'(e) = 1
    assert i == pytest.approx(delta ** 2 / 4, rel=0.15)  # beta'(i) / 2 = 1


def test_the_reduced_hsv_form_reproduces_the_closed_form_efforts_at_gamma_delta_one():
    """gamma = delta = 1, lambda = 1/2, theta = 1/2: contractor e* = gamma^2, i* = delta^2 / 4; state manager
    e* = (lambda (1 - theta) gamma / 2)^2, i* = (lambda delta / 2)^2; mutual without participation: the
    manager's e*, i* = (lambda kappa delta)^2 with kappa = mutual_innovation_share (the claim, 1, set here).
    No bound binds on the way (c(e*) = 2 for the contractor)."""
    params = dict(cost_reduction_scale=1.0, innovation_scale=1.0, years=80, mutual_innovation_share=1.0)
    lam, theta = 0.5, 0.5
    expected = {Contractor: (1.0, 0.25), StateDepartment: ((lam * (1 - theta) / 2) ** 2, (lam / 2) ** 2),
                Mutual: ((lam * (1 - theta) / 2) ** 2, lam ** 2)}
    for kind_cls, (e_star, i_star) in expected.items():
        e, i = learned_efforts(kind_cls, theta=theta, **params)
        assert e == pytest.approx(e_star, rel=0.05) and i == pytest.approx(i_star, rel=0.05), kind_cls
    assert cost_reduction(np.array([1.0]), 1.0)[0] == pytest.approx(2.0)  # no silent cap


def test_a_state_manager_does_not_cut_costs_where_quality_damage_outweighs_savings():
    e, i = learned_efforts(StateDepartment, theta=1.2)
    assert e < 0.005
    lam, delta = 0.5, 0.3
    assert i == pytest.approx((lam * delta / 2) ** 2, rel=0.3)


def test_a_mutual_cuts_less_the_more_its_members_take_part():
    claim = {"member_internalisation": 1.0, "mutual_innovation_share": 1.0}  # the proposal's claim, set explicitly
    e_none, i_none = learned_efforts(Mutual, theta=0.5, participation=0.0, **claim)
    e_many, _ = learned_efforts(Mutual, theta=0.5, participation=0.3, **claim)
    e_state, i_state = learned_efforts(StateDepartment, theta=0.5)
    assert e_none == pytest.approx(e_state, rel=0.1)  # without participation, a manager on the cost side
    assert e_many < 0.5 * e_none
    assert i_none > 2 * i_state  # innovation gains kept without renegotiation


def test_at_neutral_defaults_a_mutual_learns_the_state_managers_efforts():
    """Ablation twin: with no internalisation and HSV's manager share of innovation (the defaults, since no
    source sizes either), a mutual's objective is the manager's, however many take part."""
    e_mutual, i_mutual = learned_efforts(Mutual, theta=0.5, participation=0.3)
    e_state, i_state = learned_efforts(StateDepartment, theta=0.5)
    assert e_mutual == pytest.approx(e_state, rel=1e-9) and i_mutual == pytest.approx(i_state, rel=1e-9)


def test_contractor_damages_noncontractible_quality_more_than_state_where_theta_is_high():
    gaps = []
    for seed in range(3):
        out = {}
        for regime in ("state", "privatised"):
            m = sim.MutualStateModel(regime=regime, rng=seed, n_units=8, sectors=["elderly_care"],
                                     organisation_scale="unit",  # one provider per area: eight firms
                                     **{"elderly_care.need_prevalence": 0.05})
            m.run(96)
            t = m.providers
            settled = t.operator_since <= m.month - 36  # a new operator (re-let, step-in) learns afresh
            out[regime] = float(np.mean((m.structure.sector_array("theta")[0] * cost_reduction(t.effort_e, 0.3))[settled]))
        gaps.append(out["privatised"] - out["state"])
    assert min(gaps) > 0.1


def test_mutual_design_follows_those_who_take_part_not_the_average_user():
    model = sim.MutualStateModel(regime="mutual", n_units=1, unit_size=2000, rng=3, sectors=["leisure"],
                                 local_autonomy=1.0, initial_contributors=0.2)
    users = model.users[0]
    # The active few want a design far from the rest.
    contributors = users.stance == 0
    users.xq[contributors] = encode(0.9)
    users.xq[~contributors] = encode(0.2)
    users.civic[:] = 0  # nobody voted or answered a consultation: only the contributors are heard
    model.providers.voice_design[:] = 0.5
    for _ in range(12):
        production.aggregate_users(model.params, model.structure, model.users, model.providers)
        participation.heard_preference(model.users, model.providers)
        Mutual.update_voice_design(model, np.arange(model.providers.n), fiscal_year_end=False)
    assert (model.providers.voice_design[0] > 0.8).all()  # in every dimension of the design


def test_governance_hears_every_form_weighted_by_how_many_took_part_so_one_voice_does_not_steer():
    """One contributor who wants 0.9 among 100 voters and 50 consultation respondents who want 0.3 moves
    what governance hears by less than 0.01."""
    model = sim.MutualStateModel(regime="mutual", n_units=1, unit_size=2000, rng=3, sectors=["leisure"])
    users = model.users[0]
    users.stance[:] = USE_ONLY
    users.stance[0] = CONTRIBUTE
    users.xq[:] = encode(0.3)
    users.xq[0] = encode(0.9)
    users.civic[:] = 0
    users.civic[1:101] |= participation.VOTED
    users.civic[101:151] |= participation.CONSULTED
    production.aggregate_users(model.params, model.structure, model.users, model.providers)
    participation.heard_preference(model.users, model.providers)
    t = model.providers
    # the designs as the users' codes hold them: 0.3 and 0.9 each within half a step (ODD §9 D-F211)
    low, high = float(decode(encode(0.3))), float(decode(encode(0.9)))
    assert t.heard[0] == 151 and t.mandate[0] == pytest.approx(low) and t.contributor_pref[0] == pytest.approx(high)
    assert t.heard_pref[0] == pytest.approx(low + (high - low) / 151) and (t.heard_pref[0] < 0.31).all()


def test_state_department_hears_voice_only_once_a_year():
    model = sim.MutualStateModel(regime="state", n_units=1, unit_size=500, rng=3, sectors=["leisure"])
    model.providers.heard_pref[:] = 0.9
    model.providers.heard[:] = 10
    model.providers.participation[:] = 0.1
    before = model.providers.voice_design.copy()
    StateDepartment.update_voice_design(model, np.arange(1), fiscal_year_end=False)
    assert np.array_equal(model.providers.voice_design[0], before[0])
    StateDepartment.update_voice_design(model, np.arange(1), fiscal_year_end=True)
    assert (model.providers.voice_design[0] > before[0]).all()


def test_contract_fixes_the_design_without_choice():
    model = sim.MutualStateModel(regime="privatised", user_choice="off", n_units=4, unit_size=100, rng=1)
    model.run(25)  # a contract re-let at a year's end applies from the next month
    t = model.providers
    assert np.allclose(t.voice_design, model.providers.contract_design)


def test_replacing_an_operator_swaps_the_agent_and_keeps_the_row():
    model = sim.MutualStateModel(regime="state", n_units=2, unit_size=100, rng=1, sectors=["leisure"],
                                 organisation_scale="unit")
    old = model.provider_agents[0]
    replace_operator(model, 0, Mutual)
    new = model.provider_agents[0]
    assert isinstance(new, Mutual) and new.row == 0 and new is not old
    assert model.providers.kind[0] == MUTUAL and model.providers.kind[1] == STATE
    assert old not in model.agents and new in model.agents
    assert len(model.agents_by_type[StateDepartment]) == 1


def test_failed_contractor_is_retendered_to_a_new_firm():
    model = sim.MutualStateModel(regime="privatised", n_units=2, unit_size=100, rng=1, sectors=["leisure"])
    old = model.provider_agents[0]
    old.on_failure("quality")
    assert model.provider_agents[0] is not old
    assert model.providers.kind[0] == CONTRACTOR
    assert model.providers.contract_end[0] == model.month + 12 * model.params["contract_years"]


def test_under_flat_capitation_a_contractor_designs_for_low_need_users():
    """Cream-skimming: with choice and flat capitation, the profitable users are the low-need ones, and the
    contractor's design moves toward what they want; with need-weighted capitation it does not."""
    def target(flat):
        m = sim.MutualStateModel(regime="privatised", rng=1, n_units=4, sectors=["leisure"],
                                 need_weighted_capitation=not flat)
        users = m.users[0]
        users.xq[:] = encode(np.where(users.need > 1, 0.9, 0.3)[:, None])  # in every dimension
        return catchment_target(m.params, m.structure, m.users, m.providers, np.arange(m.providers.n)).mean()
    high = 0.2  # share of high-need users (need 2): weights 1/need under flat capitation, 1 otherwise
    assert target(flat=False) == pytest.approx((1 - high) * 0.3 + high * 0.9, abs=0.03)
    assert target(flat=True) == pytest.approx(((1 - high) * 0.3 + high / 2 * 0.9) / (1 - high / 2), abs=0.03)
    assert target(flat=True) < target(flat=False) - 0.04


def catchment_target_reference(params, structure, service_users, table, rows):
    """``catchment_target`` before ODD §9 D-F241: a pair of sums and a neighbour gather a sector, and each
    dimension's division on its own."""
    from sim.kernels import catchment
    out = np.empty((rows.size, table.design_dimensions))
    flat = not params["need_weighted_capitation"]
    for sector, users in enumerate(service_users):
        in_sector = table.sector[rows] == sector
        if not in_sector.any():
            continue
        weights, weighted = np.zeros(table.n), np.zeros((table.design_dimensions, table.n))
        catchment.catchment_sums(users.stance, OPT_OUT, users.high_need_bits, users.high_need32, flat, users.xq,
                                 users.unit_start, users.unit_count, structure.home_row[sector], weights, weighted)
        market = rows[in_sector]
        neighbours = structure.row_neighbours[market]
        valid, neighbours = neighbours >= 0, np.maximum(neighbours, 0)
        sum_weight = weights[market] + (weights[neighbours] * valid).sum(axis=1)
        for dimension in range(table.design_dimensions):
            weighted_x = weighted[dimension]
            sum_x = weighted_x[market] + (weighted_x[neighbours] * valid).sum(axis=1)
            out[in_sector, dimension] = np.divide(sum_x, sum_weight, where=sum_weight > 0,
                                                  out=table.voice_design[market, dimension].copy())
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("flat", [False, True])
def test_catchment_target_matches_the_sector_by_sector_sums(seed, flat):
    """Every market's sums in one pair of arrays (ODD §9 D-F241) give each row's target to the last bit of the
    sums made a sector at a time, rows in any order and of any sectors, a market with no active user keeping
    its design."""
    m = sim.MutualStateModel(regime="privatised", rng=seed, n_units=9, sectors="all", design_dimensions=2,
                             need_weighted_capitation=not flat)
    rng = np.random.default_rng(seed)
    for users in m.users:
        users.stance[:] = rng.choice([CONTRIBUTE, USE_ONLY, OPT_OUT], users.m, p=[0.2, 0.5, 0.3])
    quiet = m.users[1]
    quiet.stance[:] = OPT_OUT  # a sector whose markets have no weight
    m.providers.voice_design[:] = rng.random(m.providers.voice_design.shape)
    rows = rng.permutation(m.providers.n)[: m.providers.n - 3]
    got = catchment_target(m.params, m.structure, m.users, m.providers, rows)
    want = catchment_target_reference(m.params, m.structure, m.users, m.providers, rows)
    assert got.tobytes() == want.tobytes()


def test_efficacy_is_learnt_from_how_far_the_design_moved_toward_ones_wish_by_the_same_rule_for_every_kind():
    """Who took part learns how far the delivered design has moved from the centre's toward her wish (ODD §7.3):
    a design that moved all the way teaches that voice is heeded, less where more voices are heard (Olson); a
    design still at the centre's teaches nothing, whatever the kind; those who did not take part have no news.
    The rule is the same for every kind: a department and a mutual with the same design teach the same.
    Ablation twin: with voice_dilution off the number of voices is irrelevant."""
    def learnt(regime, heard, moved=1.0, stance=CONTRIBUTE, **params):
        m = sim.MutualStateModel(regime=regime, rng=1, n_units=2, unit_size=300, sectors=["leisure"],
                                 organisation_scale="unit", **params)
        users, t = m.users[0], m.providers
        users.stance[:] = stance
        users.civic[:] = 0
        m.population.efficacy[:] = 0.25
        users.xq[:] = encode(0.8)
        central = np.full((1, m.params["design_dimensions"]), 0.5)  # the centre's design in every dimension
        t.design[:] = 0.5 + moved * 0.3
        t.heard[:] = heard
        participation.learn_efficacy(m.params, m.population, m.users, m.providers, central)
        return [float(m.population.efficacy[users.citizen[users.unit == u]].mean()) for u in range(2)]
    few, many = learnt("mutual", np.array([1.0, 500.0]))
    assert few > 0.25 > many  # among few voices hers counted; among 500 it hardly did
    assert learnt("state", np.array([1.0, 500.0])) == learnt("mutual", np.array([1.0, 500.0]))
    assert max(learnt("mutual", np.array([1.0, 1.0]), moved=0.0)) < 0.25  # not moved: learns it was not heeded
    assert learnt("mutual", np.array([1.0, 1.0]), stance=USE_ONLY) == [0.25, 0.25]  # did not take part: no news
    undiluted = learnt("mutual", np.array([1.0, 500.0]), voice_dilution=False)
    assert undiluted[0] == pytest.approx(undiluted[1], rel=1e-6)


def test_production_charges_cost_cutting_to_noncontractible_quality_only():
    m = sim.MutualStateModel(regime="state", rng=1, n_units=2, unit_size=500, sectors=["elderly_care"])
    t = m.providers
    t.effort_e[:] = 0.0
    t.effort_i[:] = 0.0
    production.produce(m.params, m.structure, m.providers, m.ledger, book=False)
    q_c, q_n = t.q_c.copy(), t.q_n.copy()
    t.effort_e[:] = 0.09
    production.produce(m.params, m.structure, m.providers, m.ledger, book=False)
    damage = m.params["elderly_care.theta"] * cost_reduction(np.array([0.09]), m.params["cost_reduction_scale"])[0]
    assert t.q_c == pytest.approx(q_c)  # contractible quality is what the contract pins down
    assert q_n - t.q_n == pytest.approx(np.full(t.n, damage))
    t.effort_e[:] = 0.0
    t.effort_i[:] = 0.04
    production.produce(m.params, m.structure, m.providers, m.ledger, book=False)
    assert t.q_n - q_n == pytest.approx(np.full(t.n, innovation_gain(np.array([0.04]), 0.3)[0]))


# --- a new management starts from the practice it finds (ODD §7.10, D-C1, D-U1) -------------------------------------
def test_a_firm_that_wins_a_contract_starts_from_the_practice_of_its_kind_in_the_sector():
    """Without the staff's practice (``transferred_staff_practice`` = 0) a new operator starts from the efforts
    its kind uses on its other rows of the sector, or afresh; ablation twin: nothing carried over at all."""
    model = sim.MutualStateModel(regime="privatised", n_units=4, unit_size=50, rng=1, sectors=["leisure"],
                                 organisation_scale="unit", transferred_staff_practice=0.0)
    table = model.providers
    table.effort_e[:], table.effort_i[:] = [0.2, 0.4, 0.6, 0.9], [0.1, 0.1, 0.3, 0.3]
    replace_operator(model, 3, Contractor)
    assert table.effort_e[3] == pytest.approx(0.4) and table.effort_i[3] == pytest.approx(0.5 / 3)
    replace_operator(model, 2, Mutual)  # no other mutual in the sector: a new kind starts afresh
    assert table.effort_e[2] == table.effort_i[2] == pytest.approx(0.01)
    ablated = sim.MutualStateModel(regime="privatised", n_units=4, unit_size=50, rng=1, sectors=["leisure"],
                                   organisation_scale="unit", practice_carried_over=0.0)
    ablated.providers.effort_e[:] = 0.5
    replace_operator(ablated, 3, Contractor)
    assert ablated.providers.effort_e[3] == pytest.approx(0.01)


def test_the_staff_who_transfer_with_a_service_bring_its_practice_to_any_new_operator():
    """TUPE (2006, reg. 3(1)(b), 4(1)): on a change of operator the service's staff transfer with their practice,
    whatever the new operator's kind. At the default (the whole workforce) a new firm, or a new mutual where its
    kind runs nothing else in the sector, starts from its predecessor's efforts; at 1/2, halfway between those and
    its kind's known practice. A turnaround without a change of employer (``restart_efforts`` alone) replaces the
    practice that failed with its kind's known one (D-U2)."""
    model = sim.MutualStateModel(regime="privatised", n_units=4, unit_size=50, rng=1, sectors=["leisure"],
                                 organisation_scale="unit")
    table = model.providers
    table.effort_e[:], table.effort_i[:] = [0.2, 0.4, 0.6, 0.9], [0.1, 0.1, 0.3, 0.3]
    replace_operator(model, 3, Contractor)
    assert table.effort_e[3] == pytest.approx(0.9) and table.effort_i[3] == pytest.approx(0.3)
    replace_operator(model, 2, Mutual)
    assert table.effort_e[2] == pytest.approx(0.6) and table.effort_i[2] == pytest.approx(0.3)
    restart_efforts(model, 2)  # a turnaround: no other mutual in the sector, so afresh
    assert table.effort_e[2] == pytest.approx(0.01)
    half = sim.MutualStateModel(regime="privatised", n_units=4, unit_size=50, rng=1, sectors=["leisure"],
                                organisation_scale="unit", transferred_staff_practice=0.5)
    half.providers.effort_e[:] = [0.2, 0.4, 0.6, 0.9]
    replace_operator(half, 3, Contractor)
    assert half.providers.effort_e[3] == pytest.approx(0.5 * 0.9 + 0.5 * 0.4)


def contractor_efforts_at_the_steady_state(**params):
    """Contractors' mean efforts over years 16-25 at gamma = delta = 1 in the default district, without quality
    measurement (so that no improvement plan restarts an effort: the question is re-letting alone) and with needs
    held still in one dimension (``preference_renewal = 0``, ``design_dimensions = 1``: with one seed, drifting
    needs or a second dimension change the random path and so which single-row sector happens to be re-let late,
    not the efforts' optimum). Over seeds 1-8 (2026-12-07, session 11: e 0.970, i 0.249 at the defaults, the same
    as with incumbent advantage 1; 0.922 and 0.241 without the staff's practice; the rest of the gap to the
    optimum is the first operators still learning from 0.01 in year 16, 0.965 without noise)."""
    e, i = [], []
    for seed in range(1, 9):
        model = sim.MutualStateModel(regime="privatised", rng=seed, cost_reduction_scale=1.0, innovation_scale=1.0,
                                     audit_mode="none",
                                     **{"preference_renewal": 0.0, "design_dimensions": 1, **params})
        for month in range(1, 301):
            model.step()
            if month > 180 and month % 12 == 1:
                rows = model.providers.kind == CONTRACTOR
                e.append(model.providers.effort_e[rows].mean())
                i.append(model.providers.effort_i[rows].mean())
    return float(np.mean(e)), float(np.mean(i))


def test_hsv_efforts_are_reached_under_re_tendering_at_the_default_incumbent_advantage():
    """gamma = delta = 1: HSV's contractor optimum is e* = 1, i* = 1/4. Re-let contracts (30% to a new firm at
    the default incumbent advantage) no longer hold efforts down: the staff transfer with the service and bring
    its practice to the new firm (TUPE 2006, D-U1), so the efforts are within 5% of the optimum and within 1% of
    what they are where every incumbent keeps its contract. Ablation twin: without the staff's practice a new firm
    in a sector with a single contract knows no other contract of its kind there and learns from scratch, and the
    gap returns."""
    e, i = contractor_efforts_at_the_steady_state()
    assert 0.95 <= e <= 1.05 and 0.2375 <= i <= 0.2625, (e, i)
    e_kept, i_kept = contractor_efforts_at_the_steady_state(incumbent_advantage=1.0)
    assert e == pytest.approx(e_kept, rel=0.01) and i == pytest.approx(i_kept, rel=0.01), (e, e_kept, i, i_kept)
    e_lost, i_lost = contractor_efforts_at_the_steady_state(transferred_staff_practice=0.0)
    assert e_lost < 0.95 and e_lost < e - 0.03 and i_lost < i, (e, e_lost, i, i_lost)


def test_known_practice_reads_the_sectors_rows_as_a_mask_over_every_row_did():
    """``known_practice`` over the sector's run of rows (ODD §9 D-F111) gives the mean over every row of the kind
    in the sector, to the bit, with or without the row itself, for a kind with no row as well."""
    from sim.providers.base import INITIAL_EFFORT, known_practice

    model = sim.MutualStateModel(rng=5, n_units=8, sectors="all")
    table = model.providers
    rng = np.random.default_rng(0)
    table.kind[:] = rng.integers(0, 2, table.n)  # no mutuals: the kind without rows
    table.effort_e[:], table.effort_i[:] = rng.random(table.n), rng.random(table.n)
    for row in range(table.n):
        for kind in (STATE, CONTRACTOR, MUTUAL):
            for include in (False, True):
                peers = (table.kind == kind) & (table.sector == table.sector[row])
                peers[row] = include and table.kind[row] == kind
                expected = ((float(table.effort_e[peers].mean()), float(table.effort_i[peers].mean()))
                            if peers.any() else (INITIAL_EFFORT, INITIAL_EFFORT))
                assert known_practice(table, row, kind, include) == expected
