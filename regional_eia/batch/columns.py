"""The flat columns of a chunk as arrays: the vectorised twin of :func:`.schema.row_to_project_data`.

Every cell is read the way the one-row function reads it; where a row is, or may be, invalid it is
marked ``suspect`` and the engine hands it to the one-row path, whose error message it then reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import FALSE, NUMBER, TRUE, WASTEWATER_COLUMNS, Columns, crs_text, normalise_route, split_processes

__all__ = ["Parsed", "parse_chunk"]

_NUMBER_RE = "^" + NUMBER.pattern.replace(r"\d", "[0-9]") + "$"
_PH_PART = NUMBER.pattern.replace(r"\d", "[0-9]").replace("[+-]?", r"\+?")
_PH_RE = rf"^\s*(?P<lo>{_PH_PART})\s*(?:[-~–]\s*(?P<hi>{_PH_PART})\s*)?$"
_INDUSTRY_RE = "^[A-T][0-9]{4}$"
_CLASSES = np.array(["I", "II", "III", "IV", "V"], dtype=object)


@dataclass
class Parsed:
    """One chunk's columns as numpy arrays; NaN or None where a cell is empty."""

    n: int
    suspect: np.ndarray
    id: np.ndarray
    name: np.ndarray
    industry: np.ndarray
    processes: np.ndarray  # ";"-joined, normalised
    crs: np.ndarray  # text as given (or the default), None when missing
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    has_ww: np.ndarray
    route: np.ndarray
    flow: np.ndarray
    days: np.ndarray
    ph_min: np.ndarray
    ph_max: np.ndarray
    rwc: np.ndarray
    new_outfall: np.ndarray
    effluent: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    workshop: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    emissions: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    has_air: np.ndarray | None = None


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


def parse_chunk(table: pa.Table, columns: Columns, geometry_crs=None) -> Parsed:
    """Read a chunk's columns; mark every row the one-row path must look at (``suspect``)."""
    n = table.num_rows
    base = columns.base
    suspect = np.zeros(n, dtype=bool)

    ident, has_id = _text(_column(table, base.get("id")), n)
    suspect |= ~has_id
    name, _ = _text(_column(table, base.get("name")), n)
    name[np.equal(name, None)] = ""
    industry, has_industry = _categorical(_column(table, base.get("industry")), n, _industry_code)
    ok_industry = np.zeros(n, dtype=bool)
    if has_industry.any():
        ok_industry[has_industry] = pc.match_substring_regex(
            pa.array(industry[has_industry].tolist(), type=pa.string()), _INDUSTRY_RE).to_numpy(zero_copy_only=False)
    suspect |= ~ok_industry
    processes, _ = _categorical(_column(table, base.get("processes")), n, lambda u: ";".join(split_processes(u)))
    processes[np.equal(processes, None)] = ""

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
            negative |= present & (values < 0)
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

    ww_bad = ~np.isin(route, ["direct", "indirect"]) | np.isnan(flow) | (flow < 0)
    ww_bad |= ~np.isnan(days) & ((days <= 0) | (days > 366))
    ww_bad |= has_ph & ((ph_min < 0) | (ph_max > 14) | (ph_min > 14) | (ph_max < 0) | (ph_min > ph_max))
    ww_bad |= np.not_equal(rwc, None) & ~np.isin(rwc, _CLASSES)
    suspect |= has_ww & ww_bad

    return Parsed(
        n=n, suspect=suspect, id=ident, name=name, industry=industry, processes=processes, crs=crs,
        lon=lon, lat=lat, x=x, y=y, has_ww=has_ww, route=route, flow=flow, days=days, ph_min=ph_min,
        ph_max=ph_max, rwc=rwc, new_outfall=new_outfall, effluent=parsed_tables["effluent"],
        workshop=parsed_tables["workshop"], emissions=parsed_tables["emissions"], has_air=has_air,
    )


def _industry_code(value: str) -> str:
    value = value.strip().upper()
    return "C" + value if value[:1].isdigit() else value


def _map(values: np.ndarray, function) -> np.ndarray:
    """``function`` of each distinct non-empty value, broadcast back."""
    present = np.not_equal(values, None)
    out = np.full(len(values), None, dtype=object)
    if present.any():
        codes, uniques = pd.factorize(values[present])
        out[present] = np.array([function(u) for u in uniques], dtype=object)[codes]
    return out
