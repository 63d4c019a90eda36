"""The dashboard's pure parts, without a browser: controls from the registry, settings in a URL, the comparison
(equal to the API's numbers), Cancel, the readout's sentences, downloads, and the results page's rendering."""

import ast
import csv
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.dashboard import controls as ctl
from sim.dashboard import explain, figures, headline, readout, results_view, runs, share
from sim.estimation.draws import shipped_posterior_fields
from sim.proposal import LEVERS, PARTICIPATION_CHANNELS, PROPOSAL_REGIME, THE_PROPOSAL
from sim.regimes import KIND_COLOURS, REGIME_COLOURS, REGIME_NOUNS

RUN = ctl.RunSettings(years=2, replicates=3, seed=7)


@pytest.fixture(scope="module")
def comparison(four_units):
    return runs.run_comparison(dict(four_units), RUN, executor=None)


@pytest.fixture(scope="module")
def api_result(four_units):
    """The same comparison asked of the API directly, as a researcher would."""
    scenario = sim.scenario_from_dict({
        "name": "same", "steps": RUN.steps, "replicates": RUN.replicates, "seed": RUN.seed,
        "params": {"n_units": four_units["n_units"], "unit_size": list(four_units["unit_size"])},
        "design": {"kind": "factorial", "factors": {"regime": ["state", "privatised", "mutual"]}},
        "analysis": {"compare": "regime", "baseline": "state"},
        **shipped_posterior_fields({}, RUN.replicates)})  # replicate k at posterior draw k, as every comparison
    return sim.run_batch(scenario, save=False, progress=False)


# ------------------------------------------------------------------------------------------------ controls
def test_every_lever_parameter_has_a_control_with_the_registry_range_and_help():
    """Controls are generated from the registry, so none may be missing or disagree with it."""
    groups = ctl.lever_controls()
    assert list(groups) == list(ctl.LEVER_NAMES) == [lever for lever, _, _ in LEVERS]
    expected = {p.name for p in sim.REGISTRY.values() if p.lever in ctl.LEVER_NAMES}
    assert {c.name for cs in groups.values() for c in cs} == expected
    for cs in groups.values():
        for c in cs:
            p = sim.REGISTRY[c.name]
            assert p.source in c.help and p.allowed() in c.help
            if c.widget in ("slider", "int_slider"):
                assert (c.low, c.high) == p.bounds
                assert abs(round(p.default / c.step) * c.step - p.default) < 1e-9  # the default sits on the grid
            if c.widget == "select":
                assert c.choices == p.choices


def test_wide_ranges_are_typed_and_checked_with_the_registry_messages():
    """A value a user types is checked by the registry, and its message is the one the page shows."""
    wide = next(p.name for p in sim.REGISTRY.values() if p.kind == "float" and p.bounds[1] - p.bounds[0] > 10)
    assert ctl.control_for(wide).widget == "text"
    assert ctl.parse_text("unit_size", "50-100") == (50, 100)
    assert ctl.parse_text("unit_size", "[400, 600]") == (400, 600)
    assert ctl.parse_text("n_units", "12") == 12
    for name, text, words in [("unit_size", "abc", "unit_size: 'abc' is not a number"),
                              ("unit_size", "600-400", "minimum above its maximum"),
                              ("n_units", "0", "n_units: 0 is below the minimum 1"),
                              ("local_autonomy", "2", "local_autonomy: 2 is above the maximum 1"),
                              ("no_such_lever", "1", "no_such_lever: unknown parameter")]:
        with pytest.raises(sim.ParameterError, match=re.escape(words)):
            ctl.parse_text(name, text)


def test_settings_survive_the_url_and_a_bad_link_is_reported_not_raised():
    params = {"local_autonomy": 0.8, "unit_size": (50, 100), "participation_audit": True, "audit_mode": "self_audit"}
    run = ctl.RunSettings(years=3, replicates=4, seed=11)
    query = ctl.to_query(params, run, "the proposal")
    back, run_back, preset, problems = ctl.from_query(query)
    assert (back, run_back, preset, problems) == (params, run, "the proposal", [])
    back, run_back, _, problems = ctl.from_query("n_units=abc&years=0&local_autonomy=0.3&regime=mutual")
    assert back == {"local_autonomy": 0.3} and run_back == ctl.RunSettings()
    assert len(problems) == 3 and any("n_units: 'abc' is not a number" in p for p in problems)


def test_the_pages_own_settings_are_in_the_link_and_checked():
    values, problems = ctl.page_values("explore_regime=state&explore_seed=5&folder=results/x&n_units=4")
    assert values == {"explore_regime": "state", "explore_seed": 5, "folder": "results/x"} and problems == []
    assert ctl.from_query("explore_regime=state&folder=x&n_units=4")[0] == {"n_units": 4}  # not a parameter
    values, problems = ctl.page_values("explore_regime=bad&explore_seed=x")
    assert values == {} and len(problems) == 2 and "explore_regime: 'bad' is not one of" in problems[0]
    assert ctl.page_values(ctl.page_query({"explore_regime": "mutual", "explore_seed": 3, "folder": ""}))[0] == {
        "explore_regime": "mutual", "explore_seed": 3}


def test_presets_are_valid_and_the_proposal_pulls_every_lever():
    """A preset the registry refused would break the page at the first click; the proposal is the package."""
    presets = ctl.presets()
    assert {"services as they are", "contracted out", "the proposal"} <= set(presets)
    assert ("neutral kinds" in presets) == hasattr(sim, "neutral_kinds")
    for preset in presets.values():
        for k, v in preset.params.items():
            sim.REGISTRY[k].validate(v)
    levers = {sim.REGISTRY[k].lever for k in presets["the proposal"].params}
    assert {"participation_audit", "decentralisation", "recognised_status", "guarantor"} <= levers
    assert presets["services as they are"].params == {} and presets["services as they are"].headline == "state"
    assert presets["the proposal"].params == THE_PROPOSAL and presets["the proposal"].headline == PROPOSAL_REGIME


def settings_of(preset: ctl.Preset) -> dict:
    """Every parameter as a comparison with this preset runs it: the registry's defaults under its settings."""
    return {name: parameter.validate(preset.params.get(name, parameter.default))
            for name, parameter in sim.REGISTRY.items()}


def test_services_as_they_are_is_what_its_description_says():
    preset = ctl.presets()["services as they are"]
    settings = settings_of(preset)
    assert preset.params == {} and preset.headline == "state" and "registry default" in preset.description
    assert not settings["participation_audit"] and not any(settings[f"channel_{c}"] for c in PARTICIPATION_CHANNELS)
    assert settings["asset_lock"] == 0.5 and "a half asset lock" in preset.description
    assert not (settings["local_bonds"] or settings["quality_mark"] or settings["secondary_mutuals"])
    assert settings["audit_mode"] == "inspection" and "inspection" in preset.description
    assert settings["user_choice"] == "off" and "cannot switch provider" in preset.description


def test_contracted_out_lets_contractors_users_switch_with_the_money():
    """Its description promises a quasi-market for contractors' users: choice is on where, and only where,
    services are contracted out."""
    from sim.providers import regime_lets_users_choose

    preset = ctl.presets()["contracted out"]
    assert preset.headline == "privatised" and "switch" in preset.description and "money" in preset.description
    assert settings_of(preset)["user_choice"] == "regime_default"
    assert [regime_lets_users_choose(r) for r in ("state", "privatised", "mutual")] == [False, True, False]
    assert sim.REGISTRY["user_choice"].default == "off"  # without the preset nobody switches


def test_the_proposal_preset_sets_every_setting_its_description_names():
    preset = ctl.presets()["the proposal"]
    settings = settings_of(preset)
    assert preset.params == THE_PROPOSAL and preset.headline == PROPOSAL_REGIME
    assert settings["participation_audit"] and all(settings[f"channel_{c}"] for c in PARTICIPATION_CHANNELS)
    assert settings["local_autonomy"] == 0.8 and "(0.8, an assumption)" in preset.description
    assert settings["capacity_building"] == 10.0 and "£10 per adult" in preset.description
    assert settings["asset_lock"] == 1.0 and "a full asset lock" in preset.description
    assert settings["local_bonds"] and settings["quality_mark"] and settings["secondary_mutuals"]
    assert settings["audit_mode"] == "self_audit" and settings["social_investment"]


def test_the_neutral_kinds_preset_is_the_null_model():
    preset = ctl.presets()["neutral kinds"]
    assert preset.params == {k: v for k, v in sim.neutral_kinds().items() if k != "regime"}


def test_user_choice_has_a_control():
    (control,) = [ctl.control_for(name) for _, _, names in ctl.OTHER_CONTROLS for name in names]
    assert control.name == "user_choice" and control.widget == "select"
    assert set(control.choices) == {"off", "on", "regime_default"}
    assert ctl.from_query("user_choice=on")[0] == {"user_choice": "on"}


# ------------------------------------------------------------------------------------------------ runs
def test_the_comparison_equals_the_api_for_the_same_settings_and_seeds(comparison, api_result):
    ours = comparison.summary()
    theirs = api_result.summary(by=["regime"])
    assert ours[["regime", "metric", "n"]].equals(theirs[["regime", "metric", "n"]])
    assert (ours["mean"].to_numpy() == theirs["mean"].to_numpy()).all()
    diffs, api_diffs = comparison.differences(), api_result.compare("regime", baseline="state")
    assert (diffs["mean_diff"].to_numpy() == api_diffs["mean_diff"].to_numpy()).all()


def test_each_unit_map_is_the_batchs_first_replicate(comparison, four_units):
    """The maps are run beside the batch, not taken from it: they must be the same runs as its first replicate."""
    runs_table = comparison.result.runs
    seeds = runs_table.sort_values("replicate").drop_duplicates("replicate")["seed"].tolist()
    assert comparison.result.scenario.replicate_seeds == seeds  # the seeds the maps are given before the batch
    for regime, m in comparison.maps.items():
        row = runs_table[(runs_table["regime"] == regime) & (runs_table["replicate"] == 0)].iloc[0]
        for metric in sim.HEADLINE_METRICS:
            assert m.metrics[metric] == row[metric]
        assert m.month == RUN.steps and len(m.positions) == four_units["n_units"]
        kinds = {k for unit in m.kind for k in unit}
        assert kinds <= {"state", "contractor", "mutual"}
    assert {k for unit in comparison.maps["mutual"].kind for k in unit} == {"mutual"}


def test_on_an_executor_the_maps_run_beside_the_batch_and_equal_the_serial_ones(comparison, four_units):
    """The page runs on a pool; its numbers must not depend on where the runs ran."""
    import concurrent.futures as cf

    seen = []
    with cf.ThreadPoolExecutor(2) as ex:
        pooled = runs.run_comparison(dict(four_units), RUN, lambda f, w: seen.append(f), executor=ex)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert (pooled.summary()["mean"].to_numpy() == comparison.summary()["mean"].to_numpy()).all()
    for regime in comparison.regimes:
        assert pooled.maps[regime] == comparison.maps[regime]
        pd.testing.assert_frame_equal(pooled.maps[regime].groups, comparison.maps[regime].groups)


def test_progress_is_reported_and_cancel_stops_the_batch(four_units):
    """Cancel works by the progress callback raising: nothing may run after it raised."""
    seen = []

    def progress(fraction, words):
        seen.append(fraction)
        if len(seen) == 3:
            raise runs.Cancelled()

    with pytest.raises(runs.Cancelled):
        runs.run_comparison(dict(four_units), ctl.RunSettings(years=1, replicates=5), progress, executor=None)
    assert len(seen) == 3  # the start and two runs of fifteen, then nothing more ran

    done = []
    runs.run_comparison(dict(four_units), ctl.RunSettings(years=1, replicates=2), lambda f, w: done.append(f),
                        executor=None)
    assert done[0] == 0.0 and done[-1] == 1.0 and done == sorted(done) and len(done) == 1 + 6 + 3


def test_bad_settings_and_failing_runs_are_errors_in_words(monkeypatch, four_units):
    """A policymaker reads the error on the page: it must be a sentence, not a traceback."""
    with pytest.raises(sim.ScenarioError, match="local_autonomy: 7 is above the maximum 1"):
        runs.run_comparison({"local_autonomy": 7.0}, RUN, executor=None)

    def broken_step(self):
        raise RuntimeError("a provider's books do not balance")

    monkeypatch.setattr(sim.MutualStateModel, "step", broken_step)
    with pytest.raises(runs.ComparisonFailed, match="No run finished. The model said: RuntimeError: a provider's"):
        runs.run_comparison(dict(four_units), ctl.RunSettings(years=1, replicates=2), executor=None)


def test_the_catalogue_declares_the_models_cost_components(four_units):
    """The page splits the cost by the catalogue's parts: in every regime, month by month, they must add up to
    the cost the model reports, so that no part of it is missing from the bars."""
    parts = runs.component_metrics()
    assert parts and all(sim.METRICS[metric].part_of == runs.COST for metric in parts)
    for regime in sim.REGIMES:  # every lever on, so that the levers' own costs are in the sum
        series = sim.MutualStateModel(rng=3, **four_units, **sim.the_proposal(regime=regime)).run(24)
        assert series[parts].sum(axis=1).to_numpy() == pytest.approx(series[runs.COST].to_numpy(), rel=1e-9,
                                                                      abs=1e-9)
    assert runs.component_metrics("participation_rate") == []
    assert runs.component_label("cost_management_overhead") == "management overhead"


def test_cost_components_add_up_to_the_total_cost(comparison):
    costs = runs.cost_components(comparison)
    assert list(costs.index) == comparison.regimes and len(costs.columns) == len(runs.component_metrics())
    totals = comparison.summary([runs.COST]).set_index("regime")["mean"]
    for regime in comparison.regimes:
        assert costs.loc[regime].sum() == pytest.approx(totals[regime], rel=1e-9)
        assert costs.loc[regime, "provision"] > 0
    assert (costs.loc["privatised", "tendering"] > 0) and costs.loc["state", "tendering"] == 0  # only contracts


def _bar_stacks(fig):
    """(regime position -> [(bottom, height)]) of the bars drawn, and the total ticks' heights."""
    from matplotlib.patches import Rectangle

    ax = fig.axes[0]
    stacks: dict[float, list[tuple[float, float]]] = {}
    for patch in ax.patches:
        if isinstance(patch, Rectangle):
            stacks.setdefault(round(patch.get_x() + patch.get_width() / 2, 6), []).append(
                (patch.get_y(), patch.get_height()))
    (ticks,) = [c for c in ax.collections if c.get_label() == "total"]
    return stacks, [float(y) for y in ticks.get_offsets()[:, 1]]


def test_the_cost_bars_stack_the_components_to_the_total(comparison):
    """The bars must draw the table's numbers: positive parts up from zero, negative ones down, the total ticked."""
    fig = figures.comparison_cost(comparison)
    stacks, ticks = _bar_stacks(fig)
    totals = comparison.summary([runs.COST]).set_index("regime")["mean"].reindex(comparison.regimes).to_numpy()
    assert len(stacks) == len(comparison.regimes)
    for (_, parts), total in zip(sorted(stacks.items()), totals, strict=True):
        assert sum(h for _, h in parts) == pytest.approx(total, abs=0.005 * len(runs.component_metrics()))
        ups = sorted((b, h) for b, h in parts if h > 0)  # positive parts stack upwards from zero without gaps
        assert ups[0][0] == 0 and all(b2 == pytest.approx(b1 + h1)
                                      for (b1, h1), (b2, _) in zip(ups, ups[1:], strict=False))
    assert ticks == pytest.approx(list(totals))
    shown = [c for c in runs.cost_components(comparison).columns
             if (runs.cost_components(comparison)[c].abs() >= 0.005).any()]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [*shown, "total"]  # every part named
    # ablation: a component that is negative is drawn below zero, not stacked on top of the others
    import pandas as pd

    frame = pd.DataFrame({"provision": [10.0], "surpluses": [-2.0]}, index=["state"])
    ((_, parts),) = _bar_stacks(figures.cost_bars(frame))[0].items()
    assert sorted(parts) == [(0.0, -2.0), (0.0, 10.0)]


# ------------------------------------------------------------------------------------------------ readout
def test_readout_quotes_the_apis_differences(comparison, api_result):
    """Every number a sentence quotes is the API's, so the page never says what the researcher's tools do not."""
    words = readout.readout(comparison)
    api = api_result.compare("regime", baseline="state", metrics=list(sim.HEADLINE_METRICS))
    assert len(words["sentences"]) == len(api) == 6
    text = " ".join(words["sentences"])
    for r in api.itertuples():
        assert readout.value_text(r.metric, r.mean_diff, signed=True) in text
        assert readout.value_text(r.metric, r.ci_low, signed=True) in text
    assert "4 units of 100–150 adults" in words["intro"] and "3 paired runs" in words["intro"]
    assert words["why"]


def test_the_presets_regime_is_read_first(comparison):
    import dataclasses

    plain = readout.findings(comparison)
    assert [f.regime for f in plain[:2]] == ["privatised", "mutual"]
    proposal = readout.findings(dataclasses.replace(comparison, preset="the proposal"))
    assert [f.regime for f in proposal[:2]] == ["mutual", "privatised"]
    assert sorted(f.sentence for f in proposal) == sorted(f.sentence for f in plain)


def _finding(p, diff=0.02, improves=True):
    return readout.Finding("participation_rate", "mutual", "state", 0.05, 0.03, diff, diff - 0.01, diff + 0.01, p, 10,
                           "large", improves)


def test_a_sentence_says_how_sure_and_says_so_only_when_the_test_says_so():
    clear = _finding(0.001).sentence
    assert "Mutuals" in clear and "A clear difference" in clear and "+2.00 points" in clear and "better" in clear
    import dataclasses

    unclear = dataclasses.replace(_finding(0.4), low=-0.01).sentence  # ablation: not significant -> no claim
    assert "Not distinguishable from chance" in unclear and "clear" not in unclear
    suggestive = _finding(0.4).sentence  # the interval excludes zero, the adjusted test does not: both said
    assert "Suggestive, not clear" in suggestive and "A clear difference" not in suggestive
    worse = _finding(0.001, diff=-0.02, improves=False).sentence
    assert "fewer take part" in worse and "worse" in worse


def test_values_read_in_their_units():
    """Shares read as %, money as £, and nothing that rounds to zero carries a sign."""
    assert readout.value_text("participation_rate", 0.0123) == "1.23%"
    assert readout.value_text("cost_per_capita", 228.6249) == "£228.62"
    assert readout.value_text("cost_per_capita", -3.5, signed=True) == "−£3.50"
    assert readout.value_text("responsiveness", 0.004, signed=True) == "+0.40 points"
    for tiny in (-1e-12, -0.004, 0.0, -0.0, 0.004):  # rounds to zero: no sign, never "−£0.00"
        assert readout.value_text("cost_per_capita", tiny) == "£0.00"
        assert readout.value_text("cost_per_capita", tiny, signed=True) == "£0.00"
    assert readout.value_text("participation_rate", -0.00004, signed=True) == "0.00 points"
    assert readout.value_text("cost_per_capita", -0.006) == "−£0.01"  # ablation: a visible negative keeps its sign
    assert readout.fixed(-0.0004, ".3f") == "0.000" and readout.fixed(-0.4, ".0f") == "0"
    assert readout.fixed(-2.5, ",.1f") == "-2.5"
    assert readout.interval_text("participation_rate", -0.131, 0.784) == "[0.00%, 78.4%]"  # no run goes below 0%
    assert readout.interval_text("responsiveness", 0.628, 1.091) == "[62.8%, 100.0%]"
    assert readout.interval_text("cost_per_capita", -466.31, 942.19) == "[−£466.31, £942.19]"  # unbounded: as is
    unit = sim.METRICS["provider_failures"].unit
    assert readout.value_text("provider_failures", 3.0) == ("3" if unit in ("-", "count") else f"3 {unit}")


def test_the_dashboard_and_the_command_line_give_one_answer(comparison, capsys):
    """`mutual-state compare` with the page's settings and seed prints the dashboard comparison's numbers."""
    from sim.cli import comparison_text, main

    assert main(["compare", "--seeds", str(RUN.replicates), "--steps", str(RUN.steps), "--seed", str(RUN.seed),
                 "--serial", "--set", "n_units=4", "--set", "unit_size=[100, 150]"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == comparison_text(comparison.result, list(sim.HEADLINE_METRICS)).strip()
    assert "0." in printed  # numbers, not only words
    # the same scenario but for its name: one definition of the comparison
    from sim.comparison import comparison_scenario

    cli = comparison_scenario(comparison.params, RUN.steps, RUN.replicates, RUN.seed)
    assert cli.model_dump(exclude={"name", "analysis"}) == comparison.result.scenario.model_dump(
        exclude={"name", "analysis"})
    assert cli.window == comparison.window


def test_every_surface_reads_the_steady_state_by_default():
    """The page's and the command line's defaults are `make compare`'s: 300 months, outcomes over the last 120."""
    import tomllib

    from sim.cli import _parser
    from sim.comparison import BURN_IN_MONTHS, OUTCOME_WINDOW_MONTHS, STEADY_STATE_MONTHS, outcome_window

    shipped = tomllib.loads((Path(sim.__file__).parent.parent / "scenarios" / "compare_regimes.toml").read_text())
    assert (shipped["steps"], shipped["analysis"]["window"]) == (STEADY_STATE_MONTHS, OUTCOME_WINDOW_MONTHS)
    assert STEADY_STATE_MONTHS - OUTCOME_WINDOW_MONTHS == BURN_IN_MONTHS == 180
    assert ctl.RunSettings().steps == STEADY_STATE_MONTHS
    assert runs.comparison_scenario({}, ctl.RunSettings()).window == OUTCOME_WINDOW_MONTHS
    assert _parser().parse_args(["compare"]).steps == STEADY_STATE_MONTHS
    assert [outcome_window(steps) for steps in (1, 24, 120, 300, 600)] == [1, 12, 60, 120, 120]


def test_a_shorter_reading_is_labelled_a_transient_with_the_drift_tests_warning(comparison):
    from sim.comparison import Reading

    assert not comparison.reading.steady
    assert comparison.reading.words.startswith("Transient: outcomes are each run's mean over months 13–24 (year 2)")
    assert comparison.reading.words in readout.intro(comparison)
    assert set(comparison.reading.moving.columns) >= {"metric", "regime", "change", "p_holm"}
    steady = Reading(300, 120, comparison.reading.moving.iloc[:0])
    assert steady.steady and steady.words.startswith("Outcomes are each run's mean over months 181–300 (years "
                                                     "16–25), after a burn-in of 15 years")
    assert steady.warning == ""
    moving = pd.DataFrame([{"metric": "participation_rate", "regime": "mutual", "change": -0.04, "scale": 0.3,
                            "p_holm": 0.001, "drifting": True}])
    assert Reading(300, 120, moving).warning.startswith("Warning: 1 metric still moves over the outcome window "
                                                        "(participation_rate with mutuals (-0.04 over the window))")


@pytest.fixture(scope="module")
def explanation(comparison):
    """"Explain why" of the small comparison, run in this process."""
    return explain.explain(comparison, executor=None)


def test_explain_why_is_one_attribution_per_regime_of_the_headline_metrics(comparison, explanation):
    assert list(explanation) == [r for r in comparison.regimes if r != comparison.baseline]
    for table in explanation.values():
        assert set(table["metric"]) == set(sim.HEADLINE_METRICS)
    plan = explain.plan(comparison)
    assert plan.runs == sum((2 ** len(t.attrs["mechanisms"]) + 1)
                            * RUN.replicates for t in explanation.values())
    assert plan.seconds > 0 and "runs" in plan.words


def test_each_why_sentence_names_one_regime_and_adds_up_to_the_readouts_difference(comparison, explanation):
    """A sentence speaks of one regime and one headline metric, and its parts (Shapley values and what no named
    mechanism carries) add up to the readout's difference for that regime, which is the attribution's total."""
    differences = comparison.differences(list(sim.HEADLINE_METRICS)).set_index(["level", "metric"])["mean_diff"]
    reasons = readout.reasons(explanation)
    assert len(reasons) == len(explanation) * len(sim.HEADLINE_METRICS)
    other_metrics = [m for m in sim.METRICS if m not in sim.HEADLINE_METRICS]
    for reason in reasons:
        difference = float(differences[(reason.regime, reason.metric)])
        scale = max(abs(difference), 1e-12)
        assert abs(reason.total - difference) <= 1e-9 * scale
        assert abs(sum(part[1] for part in reason.parts) + reason.not_attributed - reason.total) <= 1e-9 * scale
        sentence = reason.sentence
        named = [noun for noun in REGIME_NOUNS.values() if noun.lower() in sentence.lower()]
        assert named == [REGIME_NOUNS[reason.regime]], sentence
        assert readout.value_text(reason.metric, difference, signed=True) in sentence
        assert not [m for m in other_metrics if m in sentence or sim.METRICS[m].description in sentence]
        mechanisms = [name for name in readout.MECHANISM_WORDS if readout.MECHANISM_WORDS[name] in sentence]
        assert len(mechanisms) == len(set(mechanisms))  # no mechanism twice
    words = readout.readout(comparison, None, explanation)["why"]
    assert [reason.sentence for reason in reasons] == words[1:1 + len(reasons)]


def test_a_why_sentence_says_most_only_of_a_majority():
    parts = [("independent status", 2.10, 1.5, 2.7), ("incentives", 0.80, 0.2, 1.4), ("governance", -0.30, -0.6, 0.0)]
    reason = readout.Reason("mutual", "cost_per_capita", 2.63, parts, 0.03)
    assert reason.sentence.startswith("Mutuals, public cost per adult a month: +£2.63 in all; most of it (+£2.10, "
                                      "95% CI +£1.50 to +£2.70) is surpluses they keep")
    assert "(sourced)" in reason.sentence and "−£0.30 how often users' voice" in reason.sentence
    assert "+£0.03 carried by no named mechanism" in reason.sentence
    split = readout.Reason("mutual", "cost_per_capita", 2.63, [("governance", 1.2, 0.0, 2.0),
                                                               ("incentives", 1.1, 0.0, 2.0)], 0.33)
    assert "; the largest part (+£1.20" in split.sentence  # 46% of the total is not "most"
    assert all(name in readout.MECHANISM_WORDS for name in sim.experiments.mechanisms.known_mechanisms())


def test_the_headline_answers_the_three_questions_with_the_readouts_numbers(comparison):
    answers = headline.headline(comparison)
    assert [answer.question for answer in answers] == ["More participatory?", "Cheaper?", "More responsive?"]
    found = {(f.regime, f.metric): f for f in readout.findings(comparison, list(sim.HEADLINE_METRICS))}
    for answer in answers:
        finding = found[("mutual", answer.finding.metric)]  # no preset: the proposal's regime is the subject
        sentence = answer.sentence
        assert sentence.startswith(f"{answer.question} {answer.verdict}")
        assert readout.value_text(finding.metric, finding.diff, signed=True) in sentence
        assert f"95% CI {readout.value_text(finding.metric, finding.low, signed=True)}" in sentence
        assert "with mutuals against" in sentence and "Why: " in sentence
        assert answer.verdict == ("Not clearly" if not finding.clear else "Yes" if (
            finding.diff < 0 if finding.metric == "cost_per_capita" else finding.diff > 0) else "No")
    assert "surpluses" in answers[1].reason or "purse" in answers[1].reason  # cost's reason without an attribution


def test_the_headline_and_the_sentences_share_one_family_of_tests_whatever_else_is_shown(comparison):
    """The headline metrics are adjusted together, so adding an outcome to the page changes no headline p-value;
    a verdict that is not clear says why beside an interval that excludes zero (ODD §9 D-D1)."""
    alone = {(f.regime, f.metric): f.p_holm for f in readout.findings(comparison, list(sim.HEADLINE_METRICS))}
    more = readout.findings(comparison, [*sim.HEADLINE_METRICS, "satisfaction", "worker_morale"])
    assert {(f.regime, f.metric): f.p_holm for f in more if f.metric in sim.HEADLINE_METRICS} == alone
    finding = next(f for f in more if f.metric == "participation_rate")
    from dataclasses import replace

    borderline = replace(finding, low=0.01, high=0.03, diff=0.02, p_holm=0.2)
    assert not borderline.clear and borderline.interval_excludes_zero
    assert "Suggestive, not clear: the 95% interval alone excludes zero" in borderline.sentence
    answer = headline.Answer("More participatory?", borderline, "more", "fewer", "why", "mutuals", "departments")
    assert answer.verdict == "Not clearly" and "alone excludes zero, but the difference is not clear" in answer.sentence


def test_the_headlines_reason_is_the_attributions_lead_mechanism(comparison, explanation):
    answers = headline.headline(comparison, explanation)
    leads = {r.metric: r.parts[0][0] for r in readout.reasons(explanation) if r.regime == "mutual" and r.parts}
    for answer in answers:
        assert answer.reason.startswith("mostly " + readout.mechanism_words(leads[answer.finding.metric]))


@pytest.fixture(scope="module")
def against_today(four_units):
    """Today's services against the proposal's package, on the small district."""
    run = ctl.RunSettings(years=2, replicates=3, seed=7, regimes=("state", PROPOSAL_REGIME), against_today=True)
    return runs.run_comparison({**four_units, **THE_PROPOSAL}, run, executor=None, preset="the proposal")


def test_today_against_the_proposal_runs_today_at_todays_settings_and_the_package(against_today, four_units):
    """Today's side runs state departments with every lever at its default; the package's side the proposal's
    regime with its levers; both on the same district and seeds; as the API answers the_proposal.toml's design."""
    scenario = against_today.result.scenario
    assert scenario.design.kind == "list"
    conditions = [dict(c) for c in scenario.design.conditions]
    assert conditions[0] == {"regime": "state"}
    assert conditions[1] == {"regime": PROPOSAL_REGIME, **{k: v for k, v in THE_PROPOSAL.items()}}
    assert scenario.params == {"n_units": 4, "unit_size": list(four_units["unit_size"])}
    api = sim.run_batch(scenario, save=False, progress=False)
    pd.testing.assert_frame_equal(api.summary(by=["regime"], metrics=list(sim.HEADLINE_METRICS)),
                                  against_today.summary(list(sim.HEADLINE_METRICS)))
    differences = against_today.differences(list(sim.HEADLINE_METRICS))
    assert list(differences["level"].unique()) == [PROPOSAL_REGIME] and (differences["n_pairs"] == 3).all()
    answers = headline.headline(against_today)
    assert len(answers) == 3 and all("with the package (mutuals) against" in a.sentence for a in answers)
    assert "today's services (state departments)" in answers[0].sentence
    assert readout.intro(against_today).startswith("Today's services")
    assert runs.params_of(against_today.params, against_today.run, "state") == dict(four_units)


def test_today_against_the_proposal_is_one_answer_on_the_page_and_the_command_line(against_today, capsys):
    from sim.cli import comparison_text, main

    assert main(["compare", "--seeds", "3", "--steps", "24", "--seed", "7", "--serial", "--set", "n_units=4",
                 "--set", "unit_size=[100, 150]", "--against-today", PROPOSAL_REGIME, "--proposal"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == comparison_text(against_today.result, list(sim.HEADLINE_METRICS)).strip()
    assert "mutual     participation_rate" in printed


def test_against_today_is_in_the_link_and_a_bad_one_is_reported():
    run = ctl.RunSettings(regimes=("state", "mutual"), against_today=True)
    query = ctl.to_query({}, run, "the proposal")
    assert "against_today=true" in query and ctl.from_query(query)[1] == run
    _, back, _, problems = ctl.from_query("against_today=true")
    assert not back.against_today and problems and "against_today needs regimes=state" in problems[0]


# ------------------------------------------------------------------------------------------------ share
def test_csv_holds_every_regime_and_metric_with_the_summarys_numbers(comparison):
    rows = list(csv.DictReader(io.StringIO(share.to_csv(comparison).decode())))
    assert len(rows) == 3 * len(sim.METRICS)
    summary = comparison.summary().set_index(["regime", "metric"])
    for r in rows:
        assert math.isclose(float(r["mean"]), summary.loc[(r["regime"], r["metric"]), "mean"], rel_tol=1e-12)
        assert (r["diff_from_baseline"] == "") == (r["regime"] == "state")


def test_markdown_report_is_self_contained(comparison):
    text = share.to_markdown(comparison).decode()
    assert text.count("](data:image/png;base64,") == 3 + len(comparison.maps)  # series, cost, by group, maps
    assert "## What differs, and how sure we are" in text and "n_units" in text
    assert readout.readout(comparison)["sentences"][0] in text


# ------------------------------------------------------------------------------------------------ results page
def test_a_batch_report_renders_with_tables_and_figures(small_batch):
    view = results_view.open_report(small_batch)
    assert view.title == "tiny" and view.figures >= 1
    assert "<table" in view.html and "data:image/png;base64," in view.html and "Outcomes" in view.sections
    assert results_view.results_folders(small_batch.parent) == [small_batch]


def test_report_text_is_escaped_and_images_stay_in_the_folder(tmp_path):
    """A results folder is untrusted text: nothing in it may run in the page or fetch from elsewhere."""
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "report.md").write_text("# T\n\n<script>alert(1)</script> **bold** [link](http://example.com)\n\n"
                                        "![outside](../secret.png)\n\n![remote](http://example.com/x.png)\n\n"
                                        "| a | b |\n|---|---|\n| <b>x</b> | 2 |\n\n## Where does each regime win?\n\n"
                                        "- mutual where `local_autonomy` > 0.5\n")
    view = results_view.open_report(tmp_path)
    assert "<script>" not in view.html and "&lt;script&gt;" in view.html and "<strong>bold</strong>" in view.html
    assert "example.com" not in view.html and "figure not found: outside" in view.html
    assert "&lt;b&gt;x&lt;/b&gt;" in view.html and view.figures == 0
    assert "<code>local_autonomy</code>" in view.sections["Where does each regime win?"]


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "nope", "no such folder"),
    (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "is a file"),
    (lambda p: (p / "manifest.json").write_text("{}") and p, "has results but no report yet"),
    (lambda p: p, "is not a results folder"),
])
def test_a_folder_that_cannot_be_shown_says_why(tmp_path, make, words):
    with pytest.raises(results_view.ResultsFolderError, match=words):
        results_view.open_report(make(tmp_path))


# ------------------------------------------------------------------------------------------------ CLI
def test_the_cli_serves_the_dashboard_and_checks_its_port():
    """The README's command serves the dashboard offline; a bad port is refused in words before anything starts."""
    from sim.cli import main

    with pytest.raises(SystemExit) as done:
        main(["dashboard", "--help"])
    assert done.value.code == 0
    done = subprocess.run([sys.executable, "-m", "sim.cli", "dashboard", "--port", "0"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "expected a port from 1 to 65535" in done.stderr
    from sim.dashboard.server import command

    cmd = command("127.0.0.1", 9999)
    assert "--production" in cmd and "--no-check-version" in cmd and cmd[cmd.index("--port") + 1] == "9999"


# ------------------------------------------------------------------------------------------------ one meaning each
def test_regimes_and_kinds_are_drawn_in_the_colours_every_figure_uses(comparison):
    """A regime looks the same on the page as in the report: the dashboard draws with ``sim.regimes``' colours."""
    from matplotlib.colors import to_hex

    (series_panel, *_) = figures.timeseries(comparison.bands(["participation_rate"]), ["participation_rate"],
                                            comparison.regimes).axes
    drawn = {line.get_label(): to_hex(line.get_color()) for line in series_panel.get_lines()}
    assert drawn == {regime: REGIME_COLOURS[regime].lower() for regime in comparison.regimes}
    for regime, snapshot in comparison.maps.items():
        stripes = {to_hex(patch.get_facecolor(), keep_alpha=False)
                   for patch in figures.unit_map(snapshot).axes[0].patches}
        assert stripes == {KIND_COLOURS[kind].lower() for unit in snapshot.kind for kind in unit}, regime


def imported_modules(source: str, package: tuple[str, ...]) -> list[str]:
    """The modules a file imports, relative imports made absolute from its ``package`` (("sim", "dashboard"))."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            names.append(".".join(part for part in (base, node.module) if part))
    return names


def test_the_dashboard_uses_only_the_public_api_and_the_shared_meanings():
    """The dashboard must not reach into the model: it imports ``sim``, the modules that define what regimes,
    the proposal, the metrics and the comparison of regimes mean, the batch API, and its own modules; nothing else of ``sim``."""
    allowed = ("sim", "sim.regimes", "sim.proposal", "sim.metrics_catalogue", "sim.comparison")
    root = Path(sim.__file__).parent.parent
    reached = []
    for path in (root / "sim" / "dashboard").rglob("*.py"):
        package = path.relative_to(root).parent.parts
        reached += [f"{path.name}: {name}" for name in imported_modules(path.read_text(), package)
                    if name.split(".")[0] == "sim" and name not in allowed
                    and not name.startswith(("sim.dashboard", "sim.experiments"))]
    assert reached == []
    # ablation: a relative import that climbs out of the dashboard is seen for what it is
    assert imported_modules("from ...model import MutualStateModel\nfrom . import state",
                            ("sim", "dashboard", "pages")) == ["sim.model", "sim.dashboard.pages"]


def test_a_comparison_that_asks_too_much_is_refused_in_words(monkeypatch, four_units):
    from sim.dashboard.server import WORK_LIMIT_VARIABLE

    assert runs.work_limit() == runs.DEFAULT_MAX_RUN_YEARS
    big = ctl.RunSettings(years=50, replicates=50)
    with pytest.raises(runs.TooMuchWork, match=r"asks for 153 runs of 50 years \(7,650 run-years\); this server "
                                               r"allows at most"):
        monkeypatch.setenv(WORK_LIMIT_VARIABLE, "5000")
        runs.run_comparison(dict(four_units), big, executor=None)
    monkeypatch.setenv(WORK_LIMIT_VARIABLE, "100")
    with pytest.raises(runs.TooMuchWork):
        runs.run_comparison(dict(four_units), ctl.RunSettings(years=10, replicates=3), executor=None)
    assert "--max-run-years" in subprocess.run([sys.executable, "-m", "sim.cli", "dashboard", "--help"],
                                               capture_output=True, text=True).stdout


# ------------------------------------------------------------------------------------------------ by group
def test_outcomes_by_group_add_up_to_the_models_own_totals(four_units):
    """Participation by quintile, weighted by the quintiles' sizes, is the participation_rate metric; funding by
    sector and by quintile both add up to what the providers are paid this month (read from the model)."""
    model = sim.MutualStateModel(regime="mutual", rng=3, **four_units)
    model.run(14)
    groups = model.outcomes_by_group()

    def pick(grouping, metric):
        part = groups[(groups["grouping"] == grouping) & (groups["metric"] == metric)]
        return part.set_index("group")["value"]

    report = model.participation_report()
    sizes = report[report["sector"] == report["sector"].iloc[-1]].set_index("quintile")["users"].to_numpy()
    by_quintile = pick("deprivation quintile", "participation").to_numpy()
    metrics = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert (by_quintile * sizes).sum() / sizes.sum() == pytest.approx(metrics["participation_rate"])
    paid = float(model.providers.last_payment.sum()) / model.population.n
    assert paid > 0
    assert pick("sector", "public funding").sum() == pytest.approx(paid)
    funding_q = pick("deprivation quintile", "public funding").to_numpy()
    served = model.providers_frame()["users"].to_numpy() > 0  # a payment to a row nobody uses has no quintile
    assert (funding_q * sizes).sum() / sizes.sum() == pytest.approx(
        float(model.providers.last_payment[served].sum()) / model.population.n)
    assert list(pick("sector", "satisfaction").index) == list(model.sector_names)


def test_the_comparison_shows_outcomes_by_group_per_regime_in_a_chart_and_a_csv(comparison):
    groups = comparison.groups
    assert set(groups["regime"]) == set(comparison.regimes)
    assert set(groups["grouping"]) == {"deprivation quintile", "sector"}
    assert set(groups["metric"]) == {"participation", "satisfaction", "public funding"}
    assert len(groups[(groups["grouping"] == "deprivation quintile") & (groups["metric"] == "participation")]) \
        == 5 * len(comparison.regimes)
    table = pd.read_csv(io.BytesIO(share.groups_csv(comparison)))
    assert len(table) == len(groups) and "unit" in table.columns
    fig = figures.by_group(groups, comparison.regimes)
    for ax in fig.axes:
        low, _high = ax.get_ylim()
        assert low <= 0.0, "bars from zero: no truncated axis"
    hatches = {patch.get_hatch() for ax in fig.axes for patch in ax.patches}
    assert len(hatches) == len(comparison.regimes), "each regime its own hatch: readable in grey"
    assert "By deprivation quintile and sector" in share.to_markdown(comparison).decode()


# ------------------------------------------------------------------------------------------------ fair share
def _short_beside_long(submit_long, short_submitter) -> tuple[float, float]:
    """Seconds a short job (4 tasks of 0.2 s) takes alone on two workers, and started 0.3 s after a long job
    (24 tasks) began; ``short_submitter()`` gives each short job its submit function (a comparison's lane)."""
    import concurrent.futures as cf
    import time

    submit = short_submitter()
    start = time.perf_counter()
    cf.wait([submit(time.sleep, 0.2) for _ in range(4)])
    alone = time.perf_counter() - start
    long_job = [submit_long(time.sleep, 0.2) for _ in range(24)]
    time.sleep(0.3)
    submit = short_submitter()
    start = time.perf_counter()
    cf.wait([submit(time.sleep, 0.2) for _ in range(4)])
    beside = time.perf_counter() - start
    cf.wait(long_job)
    return alone, beside


def test_a_short_comparison_beside_a_long_one_answers_within_twice_its_time_alone():
    """Lanes of a fair share: a freed worker goes to the least-served lane, so a short job started beside a long
    one is not queued behind it. Ablation: the same jobs on the plain pool wait for the long one."""
    import concurrent.futures as cf

    from sim.dashboard.sharing import FairShare

    with cf.ThreadPoolExecutor(2) as pool:
        share = FairShare(lambda: pool, 2)
        long_lane, lanes = share.lane("long"), []

        def short_lane():
            lanes.append(share.lane("short"))
            return lanes[-1].submit

        alone, beside = _short_beside_long(long_lane.submit, short_lane)
        assert beside < 2 * alone, (alone, beside)
        for lane in [long_lane, *lanes]:
            lane.shutdown(cancel_futures=True)
        assert share.busy_lanes() == 0 and share.lanes == []
        plain_alone, plain_beside = _short_beside_long(pool.submit, lambda: pool.submit)
        assert plain_beside > 3 * plain_alone, "ablation: first come, first served starves the short job"


def test_a_lane_cancels_what_still_waits_and_passes_errors_on():
    import concurrent.futures as cf
    import time

    from sim.dashboard.sharing import FairShare

    with cf.ThreadPoolExecutor(1) as pool:
        share = FairShare(lambda: pool, 1)
        lane = share.lane()
        first = lane.submit(time.sleep, 0.2)
        waiting = [lane.submit(time.sleep, 0.2) for _ in range(3)]
        lane.shutdown(cancel_futures=True)
        assert all(f.cancelled() for f in waiting) and first.result() is None
        failing = share.lane().submit(int, "not a number")
        with pytest.raises(ValueError):
            failing.result(timeout=5)


def test_the_page_estimates_the_work_and_time_before_run(monkeypatch):
    monkeypatch.setattr(runs, "_SECONDS_PER_ADULT_MONTH", [])
    run = ctl.RunSettings(years=25, replicates=5, seed=1)
    first = runs.estimate({}, run)
    assert first.runs == 3 * 6 and first.run_years == 18 * 25 and first.seconds is None
    assert f"{first.runs} runs of 25 years" in first.words and "this server allows" in first.words
    runs.measure_speed(10.0, 18, run.steps, runs.adults_of({}), 2)
    measured = runs.estimate({}, run)
    assert measured.seconds == pytest.approx(10.0 * 2 / (runs.fair_share().slots if runs._SHARE else
                                                         __import__("os").cpu_count()), rel=1e-9)
    assert "about" in measured.words
    twice = runs.estimate({"n_units": 2 * sim.REGISTRY["n_units"].default}, run)
    assert twice.seconds == pytest.approx(2 * measured.seconds), "twice the adults, twice the time"
    monkeypatch.setenv(runs.WORK_LIMIT_VARIABLE, "100")
    assert "too much for this server" in runs.estimate({}, run).words


def test_charts_start_their_value_axis_at_zero_and_read_in_grey(comparison):
    """Honest axes: the over-time chart reaches zero; regimes differ by line style, not colour alone; the cost
    bars' components by hatch (ablation: a panel left to matplotlib's autoscale does not reach zero)."""
    metrics = list(sim.HEADLINE_METRICS)
    fig = figures.timeseries(comparison.bands(metrics), metrics, comparison.regimes)
    for ax in fig.axes[:len(metrics)]:
        low, high = ax.get_ylim()
        assert low <= 0.0 <= high
        assert len({line.get_linestyle() for line in ax.get_lines()}) == len(comparison.regimes)
    from matplotlib.figure import Figure

    autoscaled = Figure().subplots()
    autoscaled.plot([0, 1], [0.80, 0.81])
    assert autoscaled.get_ylim()[0] > 0, "ablation: without include_zero the axis is truncated"
    figures.include_zero(autoscaled)
    assert autoscaled.get_ylim()[0] <= 0
    cost = figures.comparison_cost(comparison)
    hatched = {patch.get_hatch() for patch in cost.axes[0].patches}
    assert len(hatched) >= min(2, len(cost.axes[0].patches)), "components told apart by hatch too"


def test_a_link_with_run_1_runs_the_comparison_as_it_opens_and_a_bad_value_is_said():
    assert ctl.page_values("n_units=4&run=1") == ({"run": True}, [])
    values, problems = ctl.page_values("run=yes")
    assert values == {} and "run: 'yes' is not allowed; run=1 runs the comparison" in problems[0]
    assert ctl.page_query({"run": False, "folder": ""}) == ""
    assert ctl.page_query({"run": True}) == "run=1"
    assert ctl.from_query("run=1&n_units=4")[0] == {"n_units": 4}, "run is the page's, not a parameter"


# ------------------------------------------------------------------------------------------------ glossary
def test_the_shipped_glossary_says_what_the_documentations_glossary_says():
    """The installed package carries docs/glossary.md's terms (``python -m sim.dashboard.glossary`` writes the
    copy): every term and meaning the same."""
    from sim.dashboard import glossary

    source = glossary.from_markdown(glossary.SOURCE.read_text(encoding="utf-8"))
    assert glossary.terms() == source, "run `python -m sim.dashboard.glossary` after editing docs/glossary.md"
    assert "Shapley value" in source and "{term}" not in " ".join(source.values())


def test_the_page_links_each_glossary_term_once_to_its_entry(comparison):
    from sim.dashboard import glossary

    used: set[str] = set()
    text = glossary.link_terms("Paired replicates share a seed; a seed is a number. The kind of provider.", used)
    assert text.count('href="#glossary-seed"') == 1 and 'href="#glossary-paired-replicates"' in text
    assert 'href="#glossary-kind-of-provider"' in text, "a bracketed term is found by its head word"
    assert glossary.link_terms("a seed again", used) == "a seed again", "linked once per page"
    page = glossary.glossary_html()
    assert all(f'id="{glossary.anchor(term)}"' in page for term in glossary.terms())
    sentence = headline.headline(comparison)[0].sentence
    linked = glossary.link_terms(sentence)
    assert re.sub(r"<[^>]+>", "", linked) == sentence, "links add no words"


# ------------------------------------------------------------------------------------------------ burned-in states
def test_a_run_from_a_stored_burned_in_state_is_bit_identical_to_a_fresh_run(monkeypatch, tmp_path, four_units):
    """The batch's run function and the dashboard's give the same frame to the last bit: when the burned-in state
    is computed and stored, when it is read back, and when the stored file is damaged (run again)."""
    from sim.comparison import BURN_IN_MONTHS
    from sim.dashboard import burned_in
    from sim.experiments.tasks import run_one

    monkeypatch.setenv(burned_in.STORE_VARIABLE, str(tmp_path))
    params, steps = {**four_units, "regime": "mutual"}, BURN_IN_MONTHS + 6
    fresh = run_one(params, 5, steps)
    stored = burned_in.run_from_burned_in(params, 5, steps)
    files = list(tmp_path.glob("*.pkl"))
    assert len(files) == 1
    again = burned_in.run_from_burned_in(params, 5, steps)
    pd.testing.assert_frame_equal(stored, fresh, check_exact=True)
    pd.testing.assert_frame_equal(again, fresh, check_exact=True)
    assert again.attrs["books_balance"] == fresh.attrs["books_balance"]
    files[0].write_bytes(b"not a model")  # damaged: run again, same numbers
    pd.testing.assert_frame_equal(burned_in.run_from_burned_in(params, 5, steps), fresh, check_exact=True)
    assert burned_in.state_key(params, 5) != burned_in.state_key({**params, "regime": "state"}, 5)
    assert burned_in.state_key(params, 5) != burned_in.state_key(params, 6)
    monkeypatch.setenv(burned_in.STORE_VARIABLE, "off")
    assert burned_in.store_folder() is None
