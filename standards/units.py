"""Units the catalogue and project files may use, and conversion between them.

Every quantity in this project carries an explicit unit. A unit this module does not know is an
error, never a guess: ``mg/l`` is accepted as ``mg/L`` but ``ppm`` is not (for water it is ambiguous
between mass and volume fractions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import UnitError

__all__ = ["Unit", "parse_unit", "convert", "parse_quantity", "UNITS"]


@dataclass(frozen=True)
class Unit:
    """A unit symbol, the dimension it measures and its factor to that dimension's base unit."""

    symbol: str
    dimension: str
    factor: float


_UNIT_TABLE: tuple[Unit, ...] = (
    # mass concentration in water; base mg/L
    Unit("mg/L", "water_concentration", 1.0),
    Unit("ug/L", "water_concentration", 1e-3),
    Unit("ng/L", "water_concentration", 1e-6),
    Unit("g/L", "water_concentration", 1e3),
    Unit("g/m3", "water_concentration", 1.0),
    # mass concentration in gas; base mg/m3 (standard state, dry gas, as the standards state)
    Unit("mg/m3", "gas_concentration", 1.0),
    Unit("ug/m3", "gas_concentration", 1e-3),
    Unit("g/m3(gas)", "gas_concentration", 1e3),
    Unit("ng-TEQ/m3", "gas_toxic_equivalent", 1.0),
    # volume flow of wastewater; base m3/d (1 t of wastewater is taken as 1 m3)
    Unit("m3/d", "flow", 1.0),
    Unit("t/d", "flow", 1.0),
    Unit("m3/h", "flow_hourly", 1.0),
    # annual mass load; base t/a
    Unit("t/a", "load", 1.0),
    Unit("kg/a", "load", 1e-3),
    # hourly mass emission rate; base kg/h
    Unit("kg/h", "rate", 1.0),
    Unit("g/h", "rate", 1e-3),
    Unit("g/s", "rate", 3.6),
    # other measures the standards print
    Unit("dimensionless", "dimensionless", 1.0),
    Unit("dilution_factor", "dilution_factor", 1.0),
    Unit("MPN/L", "count_per_volume", 1.0),
    Unit("Bq/L", "radioactivity", 1.0),
    Unit("degC", "temperature", 1.0),
    Unit("ringelmann", "ringelmann", 1.0),
    Unit("m3/t", "water_per_product", 1.0),
    Unit("m3/m2", "water_per_area", 1.0),
    Unit("L/m2", "water_per_area", 1e-3),
    Unit("m3/m2(gas)", "gas_per_area", 1.0),  # exhaust gas per plated area (GB 21900 表6); m3/m2 is wastewater
    Unit("%", "fraction", 0.01),
    Unit("m", "length", 1.0),
    Unit("km", "length", 1e3),
    Unit("d/a", "days_per_year", 1.0),
)

UNITS: dict[str, Unit] = {u.symbol: u for u in _UNIT_TABLE}

_ALIASES = {
    "mg/l": "mg/L",
    "µg/l": "ug/L",
    "μg/l": "ug/L",
    "ug/l": "ug/L",
    "ng/l": "ng/L",
    "g/l": "g/L",
    "mg/m³": "mg/m3",
    "mg/nm3": "mg/m3",
    "µg/m3": "ug/m3",
    "μg/m3": "ug/m3",
    "m³/d": "m3/d",
    "m3/day": "m3/d",
    "t/day": "t/d",
    "m³/h": "m3/h",
    "t/yr": "t/a",
    "t/year": "t/a",
    "kg/yr": "kg/a",
    "kg/year": "kg/a",
    "无量纲": "dimensionless",
    "倍": "dilution_factor",
    "个/l": "MPN/L",
    "°c": "degC",
    "℃": "degC",
    "级": "ringelmann",
}


def parse_unit(text: str) -> Unit:
    """Return the :class:`Unit` named by ``text``.

    Examples
    --------
    >>> parse_unit("mg/l").symbol
    'mg/L'
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitError(text, "a unit is required (e.g. mg/L, m3/d, t/a)")
    key = text.strip()
    if key in UNITS:
        return UNITS[key]
    alias = _ALIASES.get(key.lower().replace(" ", ""))
    if alias:
        return UNITS[alias]
    for symbol in UNITS:
        if symbol.lower() == key.lower():
            return UNITS[symbol]
    raise UnitError(_short(text), f"unknown unit; known units: {', '.join(sorted(UNITS))}")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` between two units of one dimension.

    Examples
    --------
    >>> convert(250, "ug/L", "mg/L")
    0.25
    """
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src.dimension != dst.dimension:
        raise UnitError(
            from_unit, f"cannot convert {src.dimension} ({src.symbol}) to {dst.dimension} ({dst.symbol})"
        )
    return value * src.factor / dst.factor


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")


_MAX_QUANTITY_TEXT = 100  # "1,234.5 mg/L" needs 12; longer text is not a quantity (and is not searched)


def _short(text: object) -> str:
    """The text as a message may quote it: at most a short excerpt."""
    text = str(text)
    return text if len(text) <= 40 else f"{text[:36]}... ({len(text):,} characters)"


def parse_quantity(text: str) -> tuple[float, str]:
    """Split ``"200 mg/L"`` into ``(200.0, "mg/L")``; a bare number has no unit and is refused.

    The number must be finite: ``1e309 m3/d`` or ``inf mg/L`` is refused, not read as infinity.

    Examples
    --------
    >>> parse_quantity("1.5e3 m3/d")
    (1500.0, 'm3/d')
    """
    text = str(text)
    if len(text) > _MAX_QUANTITY_TEXT:
        raise UnitError(_short(text), f"a quantity is a number and a unit, not {len(text):,} characters")
    match = _QUANTITY.match(text)
    if not match:
        raise UnitError(text, "expected a number followed by a unit, e.g. '200 mg/L'")
    number, unit = match.groups()
    if not unit:
        raise UnitError(text, "the number has no unit; write it with one, e.g. '200 mg/L'")
    value = float(number)
    if not math.isfinite(value):
        raise UnitError(text, f"{number} is not a finite number")
    return value, parse_unit(unit).symbol
