"""Invariants over random parameter draws: money and people are conserved, metrics stay in range, and the
same seed gives the same run."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.metrics_catalogue import METRICS
from sim.parameters import REGIMES
from sim.public_cost import COMPONENT_METRICS

levers = st.fixed_dictionaries({
    "regime": st.sampled_from(REGIMES),
    "n_units": st.integers(1, 5),
    "unit_size": st.tuples(st.integers(10, 60), st.integers(60, 150)),
    "sectors": st.sampled_from([("leisure",), ("elderly_care", "recycling"), ("primary_education", "youth_justice")]),
    "user_choice": st.sampled_from(["regime_default", "on", "off"]),
    "participation_audit": st.booleans(),
    "channel_user_panels": st.booleans(),
    "social_investment": st.booleans(),
    "local_bonds": st.booleans(),
    "secondary_mutuals": st.booleans(),
    "audit_mode": st.sampled_from(["inspection", "self_audit", "none"]),
    "capacity_building": st.sampled_from([0.0, 20.0]),
    "funding_level": st.sampled_from([0.0, 0.6, 1.0, 1.5]),
    "asset_lock": st.sampled_from([0.0, 1.0]),
    "demutualisation_rate": st.sampled_from([0.0, 1.0]),
    "conversion_rate": st.sampled_from([0.0, 0.3, 1.0]),
    "need_shock_month": st.sampled_from([-1, 5]),
    "budget_rule": st.sampled_from(["open_ended", "pro_rata_cut", "ration_by_need", "waiting_list"]),
    "budget_real_change": st.sampled_from([0.0, -0.3, 0.1]),
    "budget_change_from_year": st.sampled_from([0, 15]),
})

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def census(model):
    people = model.population.n
    slots = [(u.citizen.copy(), u.provider.copy(), u.unit.copy()) for u in model.users]
    return people, model.workforce.n, slots


@SETTINGS
@given(levers, st.integers(0, 2**31 - 1))
def test_money_and_people_are_conserved_every_month(params, seed):
    model = sim.MutualStateModel(rng=seed, **params)
    people, workers, _ = census(model)
    n_slots = [u.m for u in model.users]
    for _ in range(26):
        model.step()
        assert model.books_balance()
        assert abs(model.ledger.total()) < 1e-6 * max(1.0, sum(abs(v) for v in model.ledger.balance.values()))
        metrics = model.current_metrics  # the cost components (charges, over budget included) add up
        assert sum(metrics[c] for c in COMPONENT_METRICS) == pytest.approx(metrics["cost_per_capita"], abs=1e-9)
        assert model.population.n == people and model.workforce.n == workers
        assert np.bincount(model.population.unit).tolist() == [u.population for u in model.units]
        t = model.providers
        for s, users in enumerate(model.users):
            assert users.m == n_slots[s]
            # every user is a resident of her slot's unit and is served by a row of her own sector
            assert np.array_equal(model.population.unit[users.citizen], users.unit)
            assert np.all(t.sector[users.provider] == s)
        assert np.all((model.workforce.row >= 0) & (model.workforce.row < t.n))
        assert len(model.provider_agents) == t.n
        assert all(a.row == r and a.kind == t.kind[r] for r, a in model.provider_agents.items())


@SETTINGS
@given(levers, st.integers(0, 2**31 - 1))
def test_metrics_stay_in_their_ranges(params, seed):
    model = sim.MutualStateModel(rng=seed, **params)
    df = model.run(25)
    for name, metric in METRICS.items():
        values = df[name].to_numpy()
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= metric.low - 1e-9) and np.all(values <= metric.high + 1e-9), name
    assert np.all(df["provider_failures"] <= model.providers.n)  # distinct services in the last year
    for name in ("conversions", "demutualisations"):
        assert np.all(np.diff(df[name]) >= 0), f"{name} is a running count"


@settings(max_examples=8, deadline=None)
@given(levers, st.integers(0, 2**31 - 1))
def test_same_seed_same_run(params, seed):
    a = sim.MutualStateModel(rng=seed, **params).run(14)
    b = sim.MutualStateModel(rng=seed, **params).run(14)
    assert a.equals(b) or all(
        math.isclose(x, y, rel_tol=0, abs_tol=0) or (math.isnan(x) and math.isnan(y))
        for x, y in zip(a.to_numpy().ravel(), b.to_numpy().ravel(), strict=True))
