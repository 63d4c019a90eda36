"""Workers: quitting, morale, effort, rebalancing, ballots."""

import numpy as np
import pytest

import sim
from sim.parameters import defaults
from sim.workforce import Workforce, quit_probability


def workforce(n_rows=3, per_row=20, **overrides):
    params = {**defaults(), **overrides}
    return Workforce(np.random.default_rng(0), np.full(n_rows, per_row), params), params


def test_quit_probability_is_the_base_rate_at_reference_morale_and_falls_with_morale():
    p = quit_probability(np.array([0.2, 0.6, 0.9]), 0.015, 5.0, 0.6)
    assert p[1] == pytest.approx(0.015)
    assert p[0] > p[1] > p[2]


def test_morale_follows_autonomy_ownership_pay_and_workload():
    def morale_after(ownership_morale=0.05, **conditions):
        wf, _ = workforce(ownership_morale=ownership_morale)
        args = dict(autonomy=np.full(3, 0.5), owned=np.zeros(3), pay_ratio=np.ones(3), workload=np.ones(3),
                    failing=np.zeros(3), incentive=np.zeros(3))
        args.update({k: np.full(3, v) for k, v in conditions.items()})
        for _ in range(60):
            wf.update(np.random.default_rng(1), **args)
        return wf.morale.mean()
    neutral = morale_after()
    assert morale_after(owned=1.0) > neutral
    assert morale_after(autonomy=1.0) > neutral
    assert morale_after(pay_ratio=0.8) < neutral
    assert morale_after(workload=1.5) < neutral
    assert morale_after(failing=1.0) < neutral
    # Ownership morale is unsourced in size, so neutral by default: then owning changes nothing.
    assert morale_after(ownership_morale=0.0, owned=1.0) == pytest.approx(morale_after(ownership_morale=0.0))


def test_quits_are_replaced_so_positions_are_conserved_and_new_hires_are_less_productive():
    wf, _ = workforce(quit_base_rate=0.5)
    before = wf.n
    args = dict(autonomy=np.zeros(3), owned=np.zeros(3), pay_ratio=np.ones(3), workload=np.ones(3),
                failing=np.zeros(3), incentive=np.zeros(3))
    quits = wf.update(np.random.default_rng(2), **args)
    assert wf.n == before and quits.sum() > 0
    assert np.all(wf.tenure[quits] == 1.0)
    assert wf.productivity()[quits].mean() < wf.productivity()[~quits].mean()


def test_burnout_builds_under_excess_workload_and_cuts_effort():
    wf, _ = workforce()
    args = dict(autonomy=np.zeros(3), owned=np.zeros(3), pay_ratio=np.ones(3), failing=np.zeros(3),
                incentive=np.zeros(3))
    for _ in range(24):
        wf.update(np.random.default_rng(3), workload=np.array([1.0, 1.0, 1.8]), **args)
    assert wf.burnout[wf.row == 2].mean() > 0.3
    assert wf.effort[wf.row == 2].mean() < wf.effort[wf.row == 0].mean()


def test_rebalancing_moves_positions_within_a_sector_only():
    wf, _ = workforce(n_rows=4, per_row=5)
    sectors = np.array([0, 0, 1, 1])
    moved = wf.rebalance(np.random.default_rng(4), np.array([8, 2, 5, 5]), sectors)
    assert moved == 3
    assert wf.staff_counts(4).tolist() == [8, 2, 5, 5]


def test_turnout_rises_with_engagement():
    wf, _ = workforce(n_rows=2, per_row=200)
    wf.morale[wf.row == 1] = 0.1  # disengaged
    rng = np.random.default_rng(5)
    engaged = np.mean([wf.ballot(rng, 0, 0.0)[0] for _ in range(10)])
    disengaged = np.mean([wf.ballot(rng, 1, 0.0)[0] for _ in range(10)])
    assert engaged > disengaged


def test_contractor_workers_are_paid_less_when_costs_are_cut():
    model = sim.MutualStateModel(regime="privatised", rng=1, n_units=4, contractor_wage_cut=0.5)
    model.run(36)
    assert np.all(model.providers.wage_factor < 1.0)
    neutral = sim.MutualStateModel(regime="privatised", rng=1, n_units=4)  # the default: no source, no cut
    neutral.run(36)
    assert np.all(neutral.providers.wage_factor == 1.0)
    state = sim.MutualStateModel(regime="state", rng=1, n_units=4)
    state.run(36)
    assert np.all(state.providers.wage_factor == 1.0)


def test_a_ballot_from_the_staff_index_is_the_ballot_from_a_scan():
    """``staff_by_row`` (one sort a conversion round, ODD §9 D-F111) gives each row's workers as the scan did, so
    the ballots draw the same numbers and count the same votes; a row without staff has none."""
    model = sim.MutualStateModel(rng=3, n_units=6, sectors="all")
    workforce = model.workforce
    staff_by_row = workforce.staff_by_row()
    for row in [*range(model.providers.n), model.providers.n + 5]:
        assert np.array_equal(staff_by_row(row), np.flatnonzero(workforce.row == row))
        scanned, indexed = np.random.default_rng(row), np.random.default_rng(row)
        assert workforce.ballot(scanned, row, 0.3) == workforce.ballot(indexed, row, 0.3, staff_by_row(row))
        assert scanned.random() == indexed.random()


def test_tenure_is_whole_months_in_float32_and_the_wage_factor_an_array_of_its_own():
    """ODD §9 D-F281: tenure is kept in float32 (whole months, exact) and read as float64; the wage factor is a copy
    of the month's cost table's row, which it no longer keeps alive."""
    model = sim.MutualStateModel(rng=1, n_units=4)
    model.run(3)
    wf = model.workforce
    assert wf.tenure.dtype == np.float32 and np.array_equal(wf.tenure, np.floor(wf.tenure))
    tenure64 = wf.tenure.astype(np.float64)
    expected = wf.skill * (1.0 - wf.params["new_hire_penalty"] * np.exp(-tenure64 / 12.0))
    assert np.array_equal(wf.productivity(), expected)
    assert model.providers.wage_factor.base is None and model.providers.wage_factor.dtype == np.float64
