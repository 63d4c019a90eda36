from dataclasses import replace

import pytest

from sim.parameters import (
    KINDS,
    PARAMETER_DATA,
    PARAMETER_GROUPS,
    REGISTRY,
    ParameterError,
    ParameterFileError,
    defaults,
    load_groups,
    load_parameter_file,
    validate,
)
from sim.regimes import REGIMES
from sim.sectors import DEFAULT_SECTORS, SECTOR_FIELDS, SECTOR_NAMES


def test_every_parameter_is_documented():
    for parameter in REGISTRY.values():
        assert parameter.description and parameter.unit and parameter.source, parameter.name
        if parameter.kind in ("float", "int"):
            low, high = parameter.bounds
            plausible_low, plausible_high = parameter.plausible
            assert low <= plausible_low <= plausible_high <= high, parameter.name
            assert low <= parameter.default <= high, parameter.name


def test_all_twelve_sectors_have_their_parameters():
    assert len(SECTOR_NAMES) == 12
    for s in SECTOR_NAMES:
        for f in SECTOR_FIELDS:
            assert f"{s}.{f}" in REGISTRY


@pytest.mark.parametrize("overrides, message", [
    ({"n_units": 0}, "n_units: 0 is below the minimum 1"),
    ({"n_units": 2.5}, "n_units: 2.5 is not a whole number"),
    ({"regime": "socialist"}, "regime: 'socialist' is not allowed; expected one of 'state', 'privatised'"),
    ({"unit_sise": 400}, "unit_sise: unknown parameter"),
    ({"unit_sise": 400}, "did you mean 'unit_size'"),
    ({"unit_size": [600, 400]}, "unit_size: the range [600, 400] has its minimum above its maximum"),
    ({"sectors": ["nursing"]}, "sectors: unknown sector 'nursing'"),
    ({"local_autonomy": 1.5}, "local_autonomy: 1.5 is above the maximum 1"),
    ({"participation_audit": "yes"}, "participation_audit: 'yes' is not allowed; expected true or false"),
    ({"elderly_care.theta": -1}, "elderly_care.theta: -1 is below the minimum 0"),
    ({"funding_level": float("nan")}, "funding_level: nan is not allowed"),
    ({"funding_level": "high"}, "funding_level: 'high' is not a number"),
])
def test_bad_values_are_named_with_what_is_allowed(overrides, message):
    with pytest.raises(ParameterError) as err:
        validate(overrides)
    assert message in str(err.value)


def test_canonical_forms():
    params = validate({"unit_size": 500, "sectors": "all", "n_units": 3.0})
    assert params["unit_size"] == (500, 500)
    assert params["sectors"] == SECTOR_NAMES
    assert params["n_units"] == 3 and isinstance(params["n_units"], int)
    assert defaults()["unit_size"] == (400, 600)


# ---- the data files the registry is read from (sim/parameter_data/*.toml) ----------------------------------------

GOOD_ENTRY = """\
description = "A group for the test."

[group_size]
description = "size N of co-production groups"
unit = "people"
kind = "int"
default = 5
bounds = [2, 50]
plausible = [3, 10]
lever = "citizens"
source = "Hauert et al. 2002 use N = 5"
"""


@pytest.mark.parametrize("group", PARAMETER_GROUPS)
def test_each_data_file_is_complete_and_valid(group):
    """Each shipped file loads, and every entry has what a person needs to set the parameter well (the loader
    refuses less; this states it as a specification of the files)."""
    path = PARAMETER_DATA / f"{group}.toml"
    loaded = load_parameter_file(path)
    assert loaded.description.strip() and loaded.parameters, path
    for parameter in loaded.parameters:
        assert parameter.description.strip() and parameter.unit.strip() and parameter.source.strip(), parameter.name
        assert parameter.kind in KINDS and parameter.lever.strip(), parameter.name
        assert parameter.validate(parameter.default) == parameter.default, parameter.name
        if parameter.kind in ("float", "int", "size"):
            low, high = parameter.bounds
            plausible_low, plausible_high = parameter.plausible
            assert low <= plausible_low <= plausible_high <= high, parameter.name
        else:
            assert parameter.bounds is None and parameter.plausible is None, parameter.name
        assert bool(parameter.choices) == (parameter.kind == "choice"), parameter.name
        registered = REGISTRY[parameter.name]
        if registered.posterior is not None:  # its default is the shipped posterior's median (ODD §9 D-E6)
            registered = replace(registered, default=parameter.default, posterior=None)
        assert registered == parameter, parameter.name


def test_the_registry_is_the_files_in_order_then_the_sectors():
    from_files = [parameter.name for group in PARAMETER_GROUPS
                  for parameter in load_parameter_file(PARAMETER_DATA / f"{group}.toml").parameters]
    names = list(REGISTRY)
    assert names[:len(from_files)] == from_files
    assert all("." in name for name in names[len(from_files):])
    assert sorted(path.stem for path in PARAMETER_DATA.glob("*.toml")) == sorted(PARAMETER_GROUPS)
    assert REGISTRY["regime"].choices == REGIMES and REGISTRY["sectors"].default == DEFAULT_SECTORS


@pytest.mark.parametrize("change, message", [
    (('unit = "people"\n', ""), "group_size.unit: missing"),
    (("bounds = [2, 50]", "bounds = [50, 2]"), "group_size.bounds: [50, 2] has its minimum above its maximum"),
    (("bounds = [2, 50]", "bounds = [2, 5.5]"), "group_size.bounds: [2, 5.5] is not a range of whole numbers"),
    (("plausible = [3, 10]", "plausible = [3, 60]"), "group_size.plausible: [3, 60] is not inside the bounds [2, 50]"),
    (("plausible = [3, 10]\n", ""), "group_size.plausible: is needed for a parameter of kind 'int'"),
    (("default = 5", "default = 60"), "group_size.default: 60 is above the maximum 50"),
    (("default = 5", 'default = "five"'), "group_size.default: 'five' is not a number"),
    (("default = 5\n", ""), "group_size.default: missing"),
    (("default = 5", "defualt = 5"), "group_size.defualt: unknown field"),
    (('kind = "int"', 'kind = "integer"'), "group_size.kind: 'integer' is not one of float, int"),
    (('lever = "citizens"', "lever = 3"), "group_size.lever: 3 is not a text"),
    (('lever = "citizens"', 'lever = "citizens"\nchoices = ["a", "b"]'),
     "group_size.choices: are not allowed for a parameter of kind 'int'"),
    (('lever = "citizens"', 'lever = "citizens"\nchoices_from = "COLOURS"'),
     "group_size.choices_from: 'COLOURS' is not one of REGIMES, DEFAULT_SECTORS"),
    (('description = "A group for the test."\n', ""), "description: missing"),
    (("[group_size]", "[group_size"), "not valid TOML"),
])
def test_a_broken_data_file_is_refused_naming_the_file_the_parameter_and_the_field(tmp_path, change, message):
    old, new = change
    assert old in GOOD_ENTRY
    path = tmp_path / "broken.toml"
    path.write_text(GOOD_ENTRY.replace(old, new, 1))
    with pytest.raises(ParameterFileError) as error:
        load_parameter_file(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value), str(error.value)


def test_the_good_entry_of_these_tests_loads(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(GOOD_ENTRY)
    assert load_parameter_file(path).parameters == (REGISTRY["group_size"],)


def test_a_shipped_file_broken_in_a_copy_is_refused(tmp_path):
    for group in PARAMETER_GROUPS:
        (tmp_path / f"{group}.toml").write_text((PARAMETER_DATA / f"{group}.toml").read_text())
    workers = tmp_path / "workers.toml"
    workers.write_text(workers.read_text().replace("default = 0.015", "default = 1.5", 1))
    expected = r"workers\.toml: quit_base_rate\.default: 1\.5 is above the maximum 1"
    with pytest.raises(ParameterFileError, match=expected):
        load_groups(tmp_path)


def test_a_parameter_defined_twice_or_a_file_not_listed_is_refused(tmp_path):
    (tmp_path / "first.toml").write_text(GOOD_ENTRY)
    (tmp_path / "second.toml").write_text(GOOD_ENTRY)
    with pytest.raises(ParameterFileError, match=r"second\.toml: group_size: already defined in first\.toml"):
        load_groups(tmp_path, ("first", "second"))
    with pytest.raises(ParameterFileError, match=r"not listed in PARAMETER_GROUPS: \['second'\]"):
        load_groups(tmp_path, ("first",))
