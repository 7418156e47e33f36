"""Units: explicit, known, convertible within a dimension, refused across dimensions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from standards.errors import UnitError
from standards.units import UNITS, convert, parse_quantity, parse_unit


@pytest.mark.parametrize("text,symbol", [("mg/l", "mg/L"), ("μg/L", "ug/L"), ("m³/d", "m3/d"), ("无量纲", "dimensionless"),
                                         ("t/yr", "t/a"), ("℃", "degC")])
def test_aliases(text, symbol):
    assert parse_unit(text).symbol == symbol


@pytest.mark.parametrize("text", ["", "ppm", "mg", "tons"])
def test_unknown_or_missing_unit_is_an_error(text):
    with pytest.raises(UnitError):
        parse_unit(text)


def test_quantity_needs_a_unit():
    assert parse_quantity("200 mg/L") == (200.0, "mg/L")
    with pytest.raises(UnitError, match="no unit"):
        parse_quantity("200")


def test_no_conversion_across_dimensions():
    with pytest.raises(UnitError, match="cannot convert"):
        convert(1, "mg/L", "mg/m3")


def test_known_factors():
    assert convert(1, "g/L", "mg/L") == 1000
    assert convert(1500, "kg/a", "t/a") == 1.5
    assert convert(1, "g/s", "kg/h") == pytest.approx(3.6)


pairs = [(a, b) for a in UNITS.values() for b in UNITS.values() if a.dimension == b.dimension]


@given(st.sampled_from(pairs), st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_conversion_round_trips(pair, value):
    a, b = pair
    assert convert(convert(value, a.symbol, b.symbol), b.symbol, a.symbol) == pytest.approx(value, rel=1e-12)
