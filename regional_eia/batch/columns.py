"""The flat columns of a chunk as :class:`~regional_eia.columns.ProjectColumns`, what every step reads.

Every cell is read the way :func:`.schema.row_to_project_data` reads it; where a row is, or may be,
invalid it is marked ``suspect`` and the engine hands it to the one-row path (the project model
itself), whose error message it then reports. The bounds a suspect check applies are read from the
project model's own fields, so a bound is stated once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from standards.industry import INDUSTRY_CODE, normalise_industry

from ..columns import Measure, ProjectColumns
from ..project import PHRange, Quantity, Wastewater, check_processes
from .schema import FALSE, NUMBER, TRUE, WASTEWATER_COLUMNS, Columns, crs_text, normalise_route, split_processes

__all__ = ["parse_chunk"]

_NUMBER_RE = "^" + NUMBER.pattern.replace(r"\d", "[0-9]") + "$"
_PH_PART = NUMBER.pattern.replace(r"\d", "[0-9]").replace("[+-]?", r"\+?")
_PH_RE = rf"^\s*(?P<lo>{_PH_PART})\s*(?:[-~–]\s*(?P<hi>{_PH_PART})\s*)?$"
_INDUSTRY_RE = INDUSTRY_CODE.pattern
_CLASSES = np.array(["I", "II", "III", "IV", "V"], dtype=object)


def _bounds(model, name: str) -> tuple[float, bool, float, bool]:
    """``(low, low included, high, high included)`` of a numeric field of a project model."""
    low, low_in, high, high_in = -np.inf, True, np.inf, True
    for meta in model.model_fields[name].metadata:
        for attr, is_low, included in (("gt", True, False), ("ge", True, True), ("lt", False, False),
                                       ("le", False, True)):
            if hasattr(meta, attr):
                if is_low:
                    low, low_in = getattr(meta, attr), included
                else:
                    high, high_in = getattr(meta, attr), included
    return low, low_in, high, high_in


def _outside(values: np.ndarray, bounds: tuple[float, bool, float, bool]) -> np.ndarray:
    """Values (NaN: not given) the model's field would refuse."""
    low, low_in, high, high_in = bounds
    with np.errstate(invalid="ignore"):
        below = values < low if low_in else values <= low
        above = values > high if high_in else values >= high
    return ~np.isnan(values) & (below | above)


_DAYS = _bounds(Wastewater, "operating_days")
_PH = _bounds(PHRange, "min")
_QUANTITY = _bounds(Quantity, "value")


def _column(table: pa.Table, name: str | None) -> pa.ChunkedArray | None:
    if name is None:
        return None
    return table.column(name)


def _text(arr, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(text as object array with None for empty, present mask)."""
    if arr is None:
        return np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
    if pa.types.is_floating(arr.type):
        values = arr.to_numpy(zero_copy_only=False).astype(float)
        out = np.full(n, None, dtype=object)
        ok = ~np.isnan(values)
        integral = ok & np.isfinite(values) & (np.floor(values) == values)
        out[integral] = [str(int(v)) for v in values[integral]]
        other = ok & ~integral
        out[other] = [repr(float(v)) for v in values[other]]
        return out, ok
    if pa.types.is_integer(arr.type):
        out = np.array(arr.cast(pa.string()).to_pylist(), dtype=object)
        return out, np.array([v is not None for v in out], dtype=bool)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    present = pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False)
    out = np.asarray(trimmed.to_numpy(zero_copy_only=False), dtype=object)
    out[~present] = None
    return out, present


def _categorical(arr, n: int, normalise=None) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_text` for a column of few distinct values: each distinct value handled once."""
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        values, present = _text(arr, n)
        if normalise is not None and present.any():
            codes, uniques = pd.factorize(values[present])
            values[present] = np.array([normalise(u) for u in uniques], dtype=object)[codes]
        return values, present
    trimmed = pc.utf8_trim_whitespace(arr)
    encoded = pc.dictionary_encode(trimmed).combine_chunks() if isinstance(trimmed, pa.ChunkedArray) \
        else pc.dictionary_encode(trimmed)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    indices = np.where(pc.is_null(encoded.indices).to_numpy(zero_copy_only=False), -1, indices).astype(np.int64)
    uniques = encoded.dictionary.to_pylist()
    mapped = [None if (u is None or u == "") else (normalise(u) if normalise else u) for u in uniques]
    table = np.array(mapped + [None], dtype=object)
    values = table[indices]
    present = np.array([u not in (None, "") for u in uniques] + [False], dtype=bool)[indices]
    return values, present


def _number(arr, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with NaN for empty, present mask, bad mask)."""
    if arr is None:
        return np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        values = arr.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float)
        present = ~np.isnan(values)
        bad = present & ~np.isfinite(values)
        return np.where(bad, np.nan, values), present, bad
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    present = pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False)
    valid = pc.fill_null(pc.match_substring_regex(trimmed, _NUMBER_RE), False)
    values = pc.cast(pc.if_else(valid, trimmed, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False).astype(float)
    finite = np.isfinite(values)
    bad = present & ~finite
    return np.where(finite, values, np.nan), present, bad


def _ph(arr, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if arr is None:
        nan = np.full(n, np.nan)
        return nan, nan.copy(), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        values, present, bad = _number(arr, n)
        return values, values.copy(), present, bad
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    present = pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False)
    parts = pc.extract_regex(trimmed, _PH_RE)
    lo = pc.cast(pc.struct_field(parts, "lo"), pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    hi_text = pc.struct_field(parts, "hi")
    hi_text = pc.if_else(pc.equal(hi_text, ""), pa.scalar(None, pa.string()), hi_text)
    hi = pc.cast(hi_text, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    hi = np.where(np.isnan(hi), lo, hi)
    bad = present & ~(np.isfinite(lo) & np.isfinite(hi))
    return lo, hi, present, bad


def parse_chunk(table: pa.Table, columns: Columns, geometry: np.ndarray | None = None, geometry_crs=None,
                start: int = 0) -> tuple[ProjectColumns, np.ndarray]:
    """Read a chunk's columns; mark every row the one-row path must look at (``suspect``)."""
    n = table.num_rows
    base = columns.base
    suspect = np.zeros(n, dtype=bool)

    ident, has_id = _text(_column(table, base.get("id")), n)
    suspect |= ~has_id
    name, _ = _text(_column(table, base.get("name")), n)
    name[np.equal(name, None)] = ""
    industry, has_industry = _categorical(_column(table, base.get("industry")), n, normalise_industry)
    ok_industry = np.zeros(n, dtype=bool)
    if has_industry.any():
        ok_industry[has_industry] = pc.match_substring_regex(
            pa.array(industry[has_industry].tolist(), type=pa.string()), _INDUSTRY_RE).to_numpy(zero_copy_only=False)
        ok_industry[has_industry] &= _known_classes(industry[has_industry])  # C9999 has the form, not a class
    suspect |= ~ok_industry
    processes, _ = _categorical(_column(table, base.get("processes")), n, lambda u: ";".join(split_processes(u)))
    processes[np.equal(processes, None)] = ""
    codes, distinct = pd.factorize(processes)
    suspect |= np.array([not _known_flags(p) for p in distinct], dtype=bool)[codes]  # the model says which flag

    if columns.geometry:
        crs = np.full(n, crs_text(geometry_crs) if geometry_crs is not None else None, dtype=object)
        nan = np.full(n, np.nan)
        lon = lat = x = y = nan
    else:
        crs, has_crs = _categorical(_column(table, base.get("crs")), n)
        if columns.default_crs is not None:
            crs[~has_crs] = columns.default_crs
        suspect |= np.equal(crs, None)
        coords = {}
        for key in ("lon", "lat", "x", "y"):
            values, present, bad = _number(_column(table, base.get(key)), n)
            coords[key] = (values, present)
            suspect |= bad
        lon, lat, x, y = (coords[k][0] for k in ("lon", "lat", "x", "y"))
        ll = coords["lon"][1] | coords["lat"][1]
        xy = coords["x"][1] | coords["y"][1]
        suspect |= (ll == xy)  # none or both forms
        suspect |= ll & ~(coords["lon"][1] & coords["lat"][1])
        suspect |= xy & ~(coords["x"][1] & coords["y"][1])

    has_ww = np.zeros(n, dtype=bool)
    texts = {}
    for key in WASTEWATER_COLUMNS:
        if key in ("flow_m3d", "operating_days", "pH"):
            continue
        texts[key], present = _categorical(_column(table, base.get(key)), n)
        has_ww |= present
    flow, has_flow, bad = _number(_column(table, base.get("flow_m3d")), n)
    has_ww |= has_flow | bad
    suspect |= bad
    days, has_days, bad = _number(_column(table, base.get("operating_days")), n)
    has_ww |= has_days | bad
    suspect |= bad
    ph_min, ph_max, has_ph, bad = _ph(_column(table, base.get("pH")), n)
    has_ww |= has_ph
    suspect |= bad

    parsed_tables: dict[str, dict[str, tuple[np.ndarray, str]]] = {"effluent": {}, "workshop": {}, "emissions": {}}
    negative = np.zeros(n, dtype=bool)
    for kind, source in (("effluent", columns.effluent), ("workshop", columns.workshop),
                         ("emissions", columns.emissions)):
        for pollutant, (column, unit) in source.items():
            values, present, bad = _number(table.column(column), n)
            parsed_tables[kind][pollutant] = (values, unit)
            suspect |= bad
            negative |= _outside(np.where(present, values, np.nan), _QUANTITY)
            if kind != "emissions":
                has_ww |= present | bad
                if pollutant == "pH":
                    suspect |= present | bad
    has_air = np.zeros(n, dtype=bool)
    for values, _ in parsed_tables["emissions"].values():
        has_air |= ~np.isnan(values)
    suspect |= negative

    route = _map(texts["route"], lambda u: normalise_route(u) or u)
    rwc = _map(texts["receiving_water_class"], str.upper)
    outfall_text = texts["new_outfall"]
    new_outfall = np.ones(n, dtype=bool)
    if np.not_equal(outfall_text, None).any():
        lowered = _map(outfall_text, str.lower)
        is_true = np.isin(lowered, list(TRUE))
        is_false = np.isin(lowered, list(FALSE))
        new_outfall = ~is_false
        suspect |= np.not_equal(lowered, None) & ~is_true & ~is_false

    ww_bad = ~np.isin(route, ["direct", "indirect"]) | np.isnan(flow) | _outside(flow, _QUANTITY)
    ww_bad |= _outside(days, _DAYS)
    ww_bad |= has_ph & (_outside(ph_min, _PH) | _outside(ph_max, _PH) | (ph_min > ph_max))
    ww_bad |= np.not_equal(rwc, None) & ~np.isin(rwc, _CLASSES)
    suspect |= has_ww & ww_bad

    error = np.full(n, None, dtype=object)
    cols = ProjectColumns(
        n=n, id=ident, name=name, industry=industry, processes=processes, crs=crs, lon=lon, lat=lat, x=x, y=y,
        has_ww=has_ww, route=route, flow=flow, days=days, ph_min=ph_min, ph_max=ph_max, rwc=rwc,
        new_outfall=new_outfall, has_air=has_air,
        effluent={p: Measure(v, u) for p, (v, u) in parsed_tables["effluent"].items()},
        workshop={p: Measure(v, u) for p, (v, u) in parsed_tables["workshop"].items()},
        emissions={p: Measure(v, u) for p, (v, u) in parsed_tables["emissions"].items()},
        geometry=np.asarray(geometry, dtype=object) if geometry is not None else None, error=error,
        row_start=start,
    )
    if geometry is not None:  # a missing or empty geometry: the one-row path says what is wrong
        missing = shapely.is_missing(cols.geometry)
        missing[~missing] = shapely.is_empty(cols.geometry[~missing])
        suspect |= missing
        cols.geometry[missing] = None
    return cols, suspect


def _known_flags(processes: str) -> bool:
    try:
        check_processes(tuple(processes.split(";")) if processes else ())
    except ValueError:
        return False
    return True


def _known_classes(codes: np.ndarray) -> np.ndarray:
    """Whether each code is a class of GB/T 4754-2017 (looked up once per distinct code)."""
    from standards.industry_codes import is_class

    uniques, inverse = np.unique(codes.astype(str), return_inverse=True)
    return np.array([is_class(code) for code in uniques], dtype=bool)[inverse]


def _map(values: np.ndarray, function) -> np.ndarray:
    """``function`` of each distinct non-empty value, broadcast back."""
    present = np.not_equal(values, None)
    out = np.full(len(values), None, dtype=object)
    if present.any():
        codes, uniques = pd.factorize(values[present])
        out[present] = np.array([function(u) for u in uniques], dtype=object)[codes]
    return out
