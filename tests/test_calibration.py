"""The default model against real figures: the targets file, the calibrate function and command."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration import (
    bypass_counts,
    calibrate,
    format_fit,
    load_targets,
    observe,
    quality_indifferent_share,
)
from sim.cli import main


def test_every_target_has_a_value_a_tolerance_a_source_and_a_mapping():
    targets = load_targets()
    assert len(targets) >= 8
    observables = {t.observable for t in targets}
    for needed in ("consultation_share", "participation_rate", "coproduction_share", "election_turnout",
                   "worker_turnover:elderly_care", "worker_turnover:primary_education"):
        assert needed in observables
    for t in targets:
        low, high = t.bounds
        assert low < t.value < high and len(t.source) > 40 and len(t.mapping) > 40
        if t.observable.startswith("spending"):
            assert t.factor is not None and 1.2 <= t.factor <= 1.5  # magnitudes within a factor


def test_a_malformed_target_is_named(tmp_path):
    bad = tmp_path / "targets.toml"
    bad.write_text('[[target]]\nname = "x"\nobservable = "happiness"\nregime = "state"\nvalue = 1.0\n'
                   'tolerance = 0.1\nsource = "s"\nmapping = "m"\n')
    with pytest.raises(ValueError, match=r"target\[0\]: unknown observable 'happiness'"):
        load_targets(bad)
    bad.write_text('[[target]]\nname = "x"\nobservable = "participation_rate"\nregime = "state"\nvalue = 1.0\n'
                   'source = "s"\nmapping = "m"\n')
    with pytest.raises(ValueError, match="exactly one of 'tolerance'"):
        load_targets(bad)


def test_a_target_is_read_in_a_run_with_its_own_settings_and_bad_settings_are_named(tmp_path):
    """A target's settings table sets parameters in the run it is read in (ODD §9 D-E9): the school-choice
    target is read with choice on in a district of secondary schools, where pupils leave their home school;
    with choice off no one does. A setting that is no parameter, or the regime given as a setting, is named."""
    choice = next(t for t in load_targets() if t.observable == "outside_home_share:secondary_education")
    assert choice.settings == {"user_choice": "on", "sectors": ["secondary_education"]}
    choice_off = dataclasses.replace(choice, name="choice off", settings={**choice.settings, "user_choice": "off"})
    table = calibrate(seeds=1, steps=36, window=12, targets=[choice, choice_off]).set_index("target")
    assert table.loc[choice.name, "model"] > 0.05 and table.loc["choice off", "model"] == 0.0
    head = '[[target]]\nname = "x"\nobservable = "participation_rate"\nregime = "state"\nvalue = 0.2\n' \
           'tolerance = 0.1\nsource = "s"\nmapping = "m"\n'
    bad = tmp_path / "targets.toml"
    bad.write_text(head + 'settings = { user_choise = "on" }\n')
    with pytest.raises(ValueError, match=r"target\[0\]: settings: user_choise: unknown parameter"):
        load_targets(bad)
    bad.write_text(head + 'settings = { regime = "mutual" }\n')
    with pytest.raises(ValueError, match="give the regime as the target's 'regime'"):
        load_targets(bad)


def test_bypass_counts_on_a_hand_built_district():
    """Five pupils, three schools of quality 0.3, 0.5, 0.4 (rows 0-2): two at their nearest school, three bypass
    it, of whom two for a better school (0.5 over 0.3, 0.4 over 0.3) and one for a worse (0.4 under 0.5)."""
    quality = np.array([0.3, 0.5, 0.4])
    provider = np.array([0, 1, 1, 2, 2])
    home = np.array([0, 1, 0, 0, 1])
    assert bypass_counts(provider, home, quality) == (3, 2)
    assert bypass_counts(home, home, quality) == (0, 0)


def test_the_bypass_observable_is_read_where_pupils_choose_and_undefined_where_none_bypass():
    """``bypass_better_share:<sector>`` (ODD §9 D-E11) is a share of the pupils who bypass their nearest school;
    with choice off no one does, and the share is undefined (NaN), not 0."""
    choice = dict(user_choice="on", sectors=["secondary_education"])
    on = observe("state", 1, 48, 12, choice)
    off = observe("state", 1, 48, 12, {**choice, "user_choice": "off"})
    assert 0.0 < on["bypass_better_share:secondary_education"] < 1.0
    assert off["outside_home_share:secondary_education"] == 0.0
    assert np.isnan(off["bypass_better_share:secondary_education"])


def test_quality_indifferent_share_on_a_hand_built_population():
    """Four people weighing quality at 0.2, 0.6, 0.49 and 2.7 times the average: two weigh it at less than half
    the average (ODD §9 D-E13); where everyone weighs it alike, no one does."""
    assert quality_indifferent_share(np.array([0.2, 0.6, 0.49, 2.7], dtype=np.float32)) == 0.5
    assert quality_indifferent_share(np.ones(7, dtype=np.float32)) == 0.0


def test_the_spread_of_quality_sensitivity_is_fitted_to_who_weighs_quality_little():
    """The target that identifies quality_sensitivity_spread (ODD §9 D-E13) is fitted, read in the default state
    run (no run of its own), and its observable rises with the spread: about the lognormal's share below half the
    mean, Phi((ln 0.5 + spread^2 / 2) / spread) (0.13 at 0.5, 0.42 at 1). Ablation twin: with everyone weighing
    quality alike (spread 0) it is exactly 0, whatever the seed."""
    target = next(t for t in load_targets() if t.observable == "quality_indifferent_share")
    assert target.use == "fit" and target.regime == "state" and target.settings == {}
    for seed in (1, 2):
        share = {spread: observe("state", seed, 2, 1, {"n_units": 4, "quality_sensitivity_spread": spread})
                 ["quality_indifferent_share"] for spread in (0.0, 0.5, 1.0)}
        assert share[0.0] == 0.0
        assert 0.0 < share[0.5] < share[1.0]
        assert share[0.5] == pytest.approx(0.128, abs=0.03) and share[1.0] == pytest.approx(0.424, abs=0.03)


def test_calibrate_reports_the_fit_of_every_target():
    table = calibrate(seeds=1, steps=30, window=12, n_units=4, conversion_rate=1.0)  # every service balloted
    assert len(table) == len(load_targets())
    assert np.isfinite(table["model"]).all() and table["fits"].dtype == bool
    assert set(table["regime"]) == {"state", "mutual", "conversion"}
    inside = (table["model"] >= table["low"]) & (table["model"] <= table["high"])
    assert (inside == table["fits"]).all()
    assert "targets met" in format_fit(table)
    assert sim.calibrate is calibrate


def test_calibrate_command_prints_the_table_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "fit.csv"
    status = main(["calibrate", "--seeds", "1", "--steps", "24", "--window", "12", "--set", "n_units=3",
                   "--set", "conversion_rate=1.0", "--csv", str(out)])
    text = capsys.readouterr().out
    assert status in (0, 1) and "civic consultation" in text and "targets met" in text
    assert len(pd.read_csv(out)) == len(load_targets())
    assert main(["calibrate", "--steps", "12", "--window", "24"]) == 2
    assert "--window" in capsys.readouterr().err


@pytest.mark.slow
def test_the_defaults_meet_every_fitted_target_and_report_the_held_out_ones():
    """The default district (the estimated parameters at the shipped posterior's medians), past its transient,
    is within tolerance of every figure the shipped posterior was fitted to (six seeds: the ballot medians rest on
    a few ballots a run); a fitting target added since (ODD §9 D-E13) is met once the fit is run again. The
    held-out figures are reported, pass or fail (ODD §9 D-E7: at the medians the foundation-trust governor
    election turnout misses, 0.39 against 0.18 +/- 0.07), never fitted by hand to pass."""
    from sim.estimation.store import read_posterior

    table = calibrate(seeds=6, steps=180, window=48)
    shipped = {t["name"] for t in read_posterior().manifest["settings"]["targets"] if t["use"] == "fit"}
    fitted = {t.name for t in load_targets() if t.use == "fit"} & shipped
    assert fitted, "the shipped posterior was fitted to none of today's fitting targets"
    assert table.loc[table["target"].isin(fitted), "fits"].all(), format_fit(table)
    assert set(table["target"]) == {t.name for t in load_targets()}
