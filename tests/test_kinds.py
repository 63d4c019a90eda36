"""Provider kinds carry their behaviour: every difference between kinds is an attribute or hook of the kind
class in sim/providers/ (ODD §2.4), and no module outside it branches on a kind."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.providers import KIND_DIFFERENCES as CATALOGUE
from sim.providers import KINDS, Provider

SIM = Path(sim.__file__).parent
# Views for people (metrics, the report and its parts, figures, the dashboard) may name a kind or a regime that
# shares its name (counts, colours, tables by kind, claims about the "mutual" regime); behaviour may not.
VIEWS = {"metrics.py", "report.py", "claims.py", "sections.py", "formatting.py", "plots.py", "analysis.py", "views.py"}
VIEW_PACKAGES = {"providers", "dashboard"}
_QUOTED = r"""["']{name}["']"""


def kind_picked_by_name(names: str) -> re.Pattern:
    """A kind named in any form that picks it: compared, tested with ``in``, a dict key or subscript, or an
    argument of a call (``rows_of("mutual")``, ``replace_operator(row, "mutual")``)."""
    quoted = _QUOTED.format(name=f"(?:{names})")
    return re.compile("|".join([rf"[!=]=\s*{quoted}", rf"{quoted}\s*[!=]=", rf"\bin\s*[(\[{{][^)\]}}]*{quoted}",
                                rf"\[\s*{quoted}\s*\]", rf"{quoted}\s*:", rf"[(,]\s*{quoted}\s*[,)]"]))


# Always a kind: the kind codes, a comparison of the kind column with a code, a class test, a lookup by name,
# and the word "contractor" (no regime is called that).
KIND_ALWAYS = re.compile(r"\b(STATE|CONTRACTOR|MUTUAL)\b|\.kind\s*[!=]=\s*\d|\bKIND_BY_NAME\b|\brows_of\("
                         r"|isinstance\([^)]*(StateDepartment|Contractor|Mutual)\b|" + _QUOTED.format(name="contractor"))
# "state" and "mutual" are regimes as well as kinds: a line that names a regime is about regimes.
KIND_OR_REGIME = kind_picked_by_name("state|mutual")
NAMES_A_REGIME = re.compile(r"regime|privatised|conversion")


def kind_picks(text: str) -> list[tuple[int, str]]:
    """Lines of ``text`` that pick a provider kind by name."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
            if KIND_ALWAYS.search(line) or (KIND_OR_REGIME.search(line) and not NAMES_A_REGIME.search(line))]


def test_no_module_outside_providers_picks_a_kind_by_name():
    offenders = []
    for path in SIM.rglob("*.py"):
        rel = path.relative_to(SIM)
        if rel.parts[0] in VIEW_PACKAGES or rel.name in VIEWS:
            continue
        offenders += [f"{rel}:{n}: {line}" for n, line in kind_picks(path.read_text())]
    assert not offenders, "kinds picked by name outside sim/providers/:\n" + "\n".join(offenders)


@pytest.mark.parametrize("line", [
    'mutual_failure_rate = self.failures_by_kind["mutual"] / 2', 'KIND_BY_NAME["contractor"].tender_cost_rate(p)',
    'good[self.rows_of("mutual")] = True', 'm.replace_operator(int(row), "mutual")', 'if kind == "state":',
    'if name in ("mutual", "state"):', 'COMMISSIONED = {"state": "contractor"}', "rows = table.kind == 2",
    "rows = table.kind == MUTUAL", "isinstance(agent, Mutual)"])
def test_the_guard_catches_a_kind_picked_by_name_in_any_form(line):
    assert kind_picks(line)


@pytest.mark.parametrize("line", ['REGIMES = ("state", "privatised", "mutual", "conversion")',
                                  'model = sim.MutualStateModel(regime="mutual")', "rows = table.kind == code"])
def test_the_guard_lets_regimes_and_kind_codes_by_variable_pass(line):
    assert not kind_picks(line)


def test_every_kind_attribute_is_declared_on_the_base_with_a_neutral_default():
    declared = {name for name, value in vars(Provider).items() if isinstance(value, bool)}
    assert {"members_own_it", "treasury_covers_deficit", "may_be_insolvent", "self_audits", "holds_contract",
            "convertible", "eligible_for_quality_mark", "takes_community_investment", "may_demutualise"} <= declared
    for cls in KINDS.values():
        extra = {n for n, v in vars(cls).items() if isinstance(v, bool)} - declared
        assert not extra, f"{cls.__name__} declares kind attributes the base does not: {extra}"


# --- one test per kind difference: it moves the outcome it names, for the kind it belongs to, and leaves a
# state department's run untouched (the department is the neutral kind) ----------------------------------------
# For each kind difference of the catalogue (sim/providers/catalogue.py, which gives its neutral value): a value
# that makes the kinds differ, the regime it belongs to, and the outcome it names.
DIFFERS = {
    "hsv_incentives": (True, "privatised", "quality_noncontractible"),
    "kind_governance": (True, "mutual", "responsiveness"),
    "independent_status": (True, "privatised", "cost_surpluses"),
    "contractor_hearings_per_year": (0.0, "privatised", "responsiveness"),
    "member_internalisation": (2.0, "mutual", "quality_noncontractible"),
    "mutual_innovation_share": (1.0, "mutual", "quality_noncontractible"),
    "independent_monitoring_premium": (0.05, "mutual", "cost_commissioning"),
    "mutual_governance_cost": (0.05, "mutual", "cost_management_overhead"),
    "tender_bidders": (5, "privatised", "cost_provision"),
    "trading_income_share": (0.1, "privatised", "cost_provision"),
    "grant_income_share": (0.1, "mutual", "quality_contractible"),
    "mutual_contract_repriced": (True, "mutual", "cost_provision"),
    "mutual_charity_share": (1.0, "mutual", "cost_business_rates"),
    "social_finance_share": (0.05, "mutual", "quality_contractible"),
    "tender_cost_rate": (0.05, "privatised", "cost_tendering"),
    "reserve_drawdown": (0.3, "mutual", "quality_contractible"),
    "contractor_wage_cut": (1.0, "privatised", "worker_morale"),
    "contractor_incentive": (0.2, "privatised", "quality_contractible"),
    "ownership_morale": (0.15, "mutual", "worker_morale"),
    "relet_design_retention": (0.0, "privatised", "responsiveness"),
}
KIND_DIFFERENCES = [(name, neutral, *DIFFERS[name]) for name, neutral in CATALOGUE.items()]


def test_every_kind_difference_of_the_catalogue_is_tested_and_nothing_else():
    assert set(DIFFERS) == set(CATALOGUE)


# so that contracts come up for re-tender within the run (the district: conftest's ``four_units``)
EXTRA = {"tender_cost_rate": {"contract_years": 1}, "tender_bidders": {"contract_years": 1},
         "trading_income_share": {"contract_years": 1}, "mutual_contract_repriced": {"contract_years": 1},
         "relet_design_retention": {"contract_years": 1}, "mutual_charity_share": {"business_rates_share": 0.1}}


def late(regime: str, **params) -> dict[str, float]:
    """The mean of each metric over the last year of four years (``params`` include the district's size)."""
    return sim.MutualStateModel(regime=regime, rng=5, **params).run(48).iloc[-12:].mean().to_dict()


@pytest.mark.parametrize("name, neutral, differs, regime, outcome", KIND_DIFFERENCES,
                         ids=[k[0] for k in KIND_DIFFERENCES])
def test_a_kind_difference_moves_its_outcome_and_leaves_departments_alone(name, neutral, differs, regime, outcome,
                                                                          four_units):
    extra = {**EXTRA.get(name, {}), **four_units}
    on, off = late(regime, **{name: differs}, **extra), late(regime, **{name: neutral}, **extra)
    assert on[outcome] != pytest.approx(off[outcome], rel=1e-6, abs=1e-9), f"{name} does not move {outcome}"
    state_on, state_off = late("state", **{name: differs}, **extra), late("state", **{name: neutral}, **extra)
    assert state_on == pytest.approx(state_off, nan_ok=True), f"{name} changes what a department does"


@pytest.mark.parametrize("regime", ["state", "privatised", "mutual", "conversion"])
def test_books_balance_every_month_and_cost_components_add_up_in_every_regime(regime, four_units):
    from sim.public_cost import COMPONENT_METRICS

    model = sim.MutualStateModel(regime=regime, rng=3, user_choice="on", conversion_rate=0.5,
                                 social_investment=True, local_bonds=True, capacity_building=5.0,
                                 channel_user_panels=True, secondary_mutuals=True, **four_units)
    for _ in range(30):
        model.step()
        assert model.books_balance()
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame[list(COMPONENT_METRICS)].sum(axis=1).to_numpy() == pytest.approx(frame["cost_per_capita"].to_numpy())


def test_cost_is_accrued_so_yearly_lumps_make_no_spikes(four_units):
    """Inspection every year at a high price: cash spikes at each fiscal year's end, accrued cost does not;
    over the run the two agree up to what is still to be accrued."""
    model = sim.MutualStateModel(regime="state", rng=3, inspection_interval=1, inspection_cost=50_000.0,
                                 **four_units)
    cash = []
    for _ in range(48):
        model.step()
        cash.append(model.public_spending / model.population.n)
    accrued = model.datacollector.get_model_vars_dataframe()["cost_per_capita"].to_numpy()[1:]
    jump_cash = max(abs(cash[m] - cash[m - 1]) for m in (23, 35))  # month 24 and 36: after inspections
    jump_accrued = max(abs(accrued[m] - accrued[m - 1]) for m in (23, 35))
    assert jump_cash > 5 * jump_accrued
    inspection = model.datacollector.get_model_vars_dataframe()["cost_inspection"].to_numpy()[13:]
    assert inspection.min() > 0  # every month of a year carries its inspection


@pytest.mark.parametrize("kind_governance", [True, False])
@pytest.mark.parametrize("code", sorted(KINDS))
def test_a_kind_whose_design_moves_only_yearly_changes_nothing_in_an_ordinary_month(code, kind_governance):
    """``revise_designs`` skips a kind outside a fiscal year's end where ``moves_design_monthly`` says its
    ``update_voice_design`` does nothing then (ODD §9 D-F291): called on every row of a market and of a contract
    sector, it leaves every row's channel and contract design as they were."""
    model = sim.MutualStateModel(rng=3, n_units=4, regime="privatised", sectors=("elderly_care", "leisure", "housing"),
                                 user_choice="regime_default", kind_governance=kind_governance,
                                 **{"leisure.regime": "mutual", "housing.regime": "state"})
    model.run(2)
    kind, table = KINDS[code], model.providers
    if kind.moves_design_monthly(model.params):
        return
    before = table.voice_design.copy(), table.contract_design.copy()
    kind.update_voice_design(model, np.arange(table.n), False)
    assert np.array_equal(table.voice_design, before[0]) and np.array_equal(table.contract_design, before[1])
