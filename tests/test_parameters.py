import pytest

from sim.parameters import REGISTRY, ParameterError, defaults, validate
from sim.sectors import SECTOR_FIELDS, SECTOR_NAMES


def test_every_parameter_is_documented():
    for p in REGISTRY.values():
        assert p.description and p.unit and p.source, p.name
        if p.kind in ("float", "int"):
            lo, hi = p.bounds
            plo, phi = p.plausible
            assert lo <= plo <= phi <= hi, p.name
            assert lo <= p.default <= hi, p.name


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
    p = validate({"unit_size": 500, "sectors": "all", "n_units": 3.0})
    assert p["unit_size"] == (500, 500)
    assert p["sectors"] == SECTOR_NAMES
    assert p["n_units"] == 3 and isinstance(p["n_units"], int)
    assert defaults()["unit_size"] == (400, 600)
