"""The flat input schema of ``regional-eia batch``: one row per project, one column per fact.

A row becomes the same :class:`~regional_eia.project.Project` a YAML file would give, by
:func:`row_to_project_data`; the batch engine reads the same columns as arrays and must agree with it
row for row (``tests/test_batch_equivalence.py`` checks that).

Columns (names are case-sensitive; a mapping file renames yours, see :func:`load_mapping`):

========================  ====================================================================
``id``                    project id (required, text)
``name``                  project name (text; empty allowed)
``industry``              GB/T 4754-2017 code, e.g. ``C1713`` (``1713`` is read as ``C1713``)
``processes``             process flags separated by ``;`` (e.g. ``dyeing;pretreatment``)
``lon``, ``lat``          a point in a geographic CRS (degrees), or
``x``, ``y``              a point in a projected CRS (metres); give one pair, not both
``crs``                   EPSG code (``4490``, ``EPSG:4549``), WKT, ``gcj02`` or ``bd09``; the
                          ``--crs`` option gives it for every row that leaves it empty
``route``                 ``direct`` or ``indirect`` (直接排放 / 间接排放)
``flow_m3d``              wastewater flow, m3/d
``operating_days``        d/a
``pH``                    a number or a range ``6-9``
``receiving_water_class`` GB 3838 class I-V (direct dischargers outside a park's receiving water)
``new_outfall``           true/false (default true)
``<P>_<unit>``            total-outlet concentration of pollutant ``P``: ``COD_mg_L``,
                          ``Hg_ug_L``, ``color_dilution_factor``, ``fecal_coliform_MPN_L``
``ws_<P>_<unit>``         workshop-outlet concentration (first-class pollutants), ``ws_Cr6_mg_L``
``<P>_t_a``, ``<P>_kg_a`` annual air emission, ``SO2_t_a``, ``VOCs_t_a``
========================  ====================================================================

Wastewater is declared when any of its columns holds a value in the row (then ``route`` and
``flow_m3d`` are required); air when any emission column does. Geographic formats (GeoPackage,
GeoJSON, GeoParquet) take the site from the layer's geometry (point or polygon) in the layer's
CRS instead of the coordinate columns. Numbers are plain decimals (``1200``, ``0.5``, ``1e3``); a
thousands separator or unit in the cell is an error for that row. Other columns are carried
through untouched only in the sense that they are ignored; the command names them on stderr.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely


from standards.safeload import DataFileError, read_data_file
from zones.aliases import closest, field_key

from ..errors import ProjectError

__all__ = [
    "Columns",
    "BatchInputError",
    "parse_columns",
    "row_to_project_data",
    "load_mapping",
    "ALIASES",
    "NUMBER",
    "WATER_UNITS",
    "AIR_UNITS",
]


class BatchInputError(ProjectError):
    """A batch input that cannot be read at all (file, format, header): names the file and the fix."""

    def __init__(self, source: object, why: str, field: str | None = None):
        super().__init__(source, field, why)

    def __reduce__(self):
        return type(self), (self.source, self.why, self.field)


NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

ROW_ERROR = "\x00row error"
"""A column the readers add (no header can name it): why a line of the file could not be read as a row
(a malformed CSV line). Such a row keeps only its id and name and is an error row saying why."""

# column suffix -> unit symbol; water concentrations go to wastewater.effluent, loads to air.emissions
WATER_UNITS = {"mg_L": "mg/L", "ug_L": "ug/L", "ng_L": "ng/L", "g_L": "g/L", "dilution_factor": "dilution_factor",
               "MPN_L": "MPN/L", "Bq_L": "Bq/L"}
AIR_UNITS = {"t_a": "t/a", "kg_a": "kg/a"}
BASE_COLUMNS = ("id", "name", "industry", "processes", "lon", "lat", "x", "y", "crs", "route", "flow_m3d",
                "operating_days", "pH", "receiving_water_class", "new_outfall")
WASTEWATER_COLUMNS = ("route", "flow_m3d", "operating_days", "pH", "receiving_water_class", "new_outfall")

# The batch columns with the names committees give them: ``regional-eia schema batch`` prints this
# table and README's batch table is generated from it (tests check both). Aliases are compared by
# ``zones.aliases.field_key`` (NFKC, no spaces or punctuation, ASCII case ignored); a unit may follow a
# header in brackets (废水量(m3/d), COD（mg/L）) or stand in a units row under the header.
BATCH_COLUMNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("id", ("项目编号", "项目代码", "项目编码", "编号", "project_id"), "the project (required, unique)"),
    ("name", ("项目名称", "名称", "project_name"), "project name"),
    ("industry", ("行业代码", "行业类别代码", "国民经济行业代码", "国民经济行业分类代码", "行业分类代码", "industry_code"),
     "GB/T 4754-2017 code (`1713` reads as `C1713`)"),
    ("processes", ("工艺", "工艺特征", "工艺标记"), "`;`-separated process flags of the EIA list"),
    ("lon", ("经度", "longitude", "lng"), "longitude (degrees), with `lat`"),
    ("lat", ("纬度", "latitude"), "latitude (degrees)"),
    ("x", ("X坐标", "横坐标", "东坐标"), "easting (metres), with `y`, in a projected CRS"),
    ("y", ("Y坐标", "纵坐标", "北坐标"), "northing (metres)"),
    ("crs", ("坐标系", "坐标系统", "坐标类型", "epsg"),
     "EPSG code, WKT, or a label: 高德/腾讯 (GCJ-02), 百度 (BD-09), GPS/WGS84, CGCS2000/2000国家大地坐标系, 西安80"),
    ("route", ("排放去向", "废水排放去向", "排水去向", "废水去向"),
     "`direct` / `indirect` (直接排放, 直排, 间接排放, 纳管, 接管园区污水处理厂 ...)"),
    ("flow_m3d", ("废水量", "废水排放量", "日排水量", "排水量", "污水排放量", "污水量", "废水量m3d"),
     "wastewater flow, m3/d (t/d is the same)"),
    ("operating_days", ("年运行天数", "年生产天数", "运行天数", "生产天数", "年工作天数"), "operating days, d/a"),
    ("pH", ("pH值", "ph"), "a number or a range `6-9`"),
    ("receiving_water_class", ("受纳水体类别", "受纳水体功能类别", "受纳水体水质类别", "水体类别"),
     "GB 3838 class I-V (direct dischargers outside a park's receiving water)"),
    ("new_outfall", ("新设排污口", "新建排污口", "是否新设排污口"), "true/false, 是/否 (default true)"),
)
ALIASES = {alias: column for column, aliases, _ in BATCH_COLUMNS for alias in aliases}
POLLUTANT_COLUMNS = (
    ("<P>_<unit>", "COD（mg/L）, 化学需氧量 mg/L, 氨氮浓度", "total-outlet concentration, e.g. `COD_mg_L`, `Hg_ug_L`"),
    ("ws_<P>_<unit>", "车间排口六价铬（mg/L）", "workshop-outlet concentration (first-class pollutants)"),
    ("<P>_t_a", "SO2排放量（t/a）, 挥发性有机物 t/a", "annual air emission (air pollutants only)"),
)
_ROUTE_WORDS = (("间接", "indirect"), ("纳管", "indirect"), ("接管", "indirect"), ("污水处理厂", "indirect"),
                ("污水厂", "indirect"), ("间排", "indirect"),
                ("直接", "direct"), ("直排", "direct"), ("地表水", "direct"))
ROUTES = {"direct": "direct", "indirect": "indirect", "直接排放": "direct", "间接排放": "indirect",
          "直排": "direct", "间排": "indirect", "纳管": "indirect"}
TRUE = {"true", "yes", "y", "1", "是", "t"}
FALSE = {"false", "no", "n", "0", "否", "f"}
_QUANTITY_HINT = re.compile(r"量|浓度|排放|产生|削减|负荷|m3|m³|/d|/a|/h|mg|kg|t/|吨|立方", re.IGNORECASE)
_UNIT_IN_HEADER = re.compile(r"^(?P<base>.*?)[\s_]*[(（\[【](?P<unit>[^()（）\[\]【】]+)[)）\]】]\s*$")
_POLLUTANT_WORDS = re.compile(r"(年?排放浓度|排放浓度|出水浓度|浓度|年排放量|排放量|排放总量|年排放|产生量)$")
_WORKSHOP_WORDS = re.compile(r"^(车间排口|车间排放口|车间)")


def batch_schema_rows() -> list[dict[str, Any]]:
    """The batch columns as ``regional-eia schema batch`` lists them: column, Chinese aliases, meaning."""
    rows = [{"column": c, "aliases": list(a), "meaning": m} for c, a, m in BATCH_COLUMNS]
    rows += [{"column": c, "aliases": [a], "meaning": m} for c, a, m in POLLUTANT_COLUMNS]
    return rows


def batch_schema_markdown() -> str:
    """README's batch table, generated from :data:`BATCH_COLUMNS` (a test keeps README equal to it)."""
    lines = ["| column | also read from | meaning |", "| --- | --- | --- |"]
    for row in batch_schema_rows():
        lines.append(f"| `{row['column']}` | {', '.join(row['aliases'])} | {row['meaning']} |")
    return "\n".join(lines)


def normalise_route(text: str) -> str | None:
    """排放去向 as typed -> ``direct`` / ``indirect``; None when it names neither.

    >>> normalise_route("接管园区污水处理厂"), normalise_route("直排"), normalise_route("Indirect")
    ('indirect', 'direct', 'indirect')
    """
    key = unicodedata.normalize("NFKC", text).strip().lower()
    if key in ROUTES:
        return ROUTES[key]
    hits = {value for word, value in _ROUTE_WORDS if word in key}
    return hits.pop() if len(hits) == 1 else None


_SPLIT = re.compile(r"[;；]")


@dataclass(frozen=True)
class Columns:
    """How the input's header maps to the schema: base columns, and pollutant columns by kind."""

    base: dict[str, str]  # schema name -> input column
    effluent: dict[str, tuple[str, str]] = field(default_factory=dict)  # pollutant -> (column, unit)
    workshop: dict[str, tuple[str, str]] = field(default_factory=dict)
    emissions: dict[str, tuple[str, str]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    geometry: bool = False  # the site comes from a geometry column
    default_crs: str | None = None

    def has(self, name: str) -> bool:
        return name in self.base


def load_mapping(path: str | Path | None) -> dict[str, str]:
    """A mapping file (YAML or JSON, ``{their column: schema column}``), as a dict."""
    if path is None:
        return {}
    path = Path(path)
    try:
        data = read_data_file(path)
    except DataFileError as exc:
        raise BatchInputError(path, f"cannot read the mapping file: {exc.detail}") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise BatchInputError(path, "a mapping file maps input column names to schema names, e.g. "
                                    "{项目编号: id, 经度: lon}")
    return data


def parse_columns(header: list[str], source: object, mapping: Mapping[str, str] | None = None,
                  geometry: bool = False, default_crs: str | None = None, units: list[str | None] | None = None,
                  ignore: tuple[str, ...] | list[str] = ()) -> Columns:
    """Read a header: which input column holds which schema field.

    ``units`` is the units row under the header, if the file has one. A column that looks like a
    quantity (量, 浓度, 排放, a unit, a pollutant name) but maps to nothing is an error for the whole file
    (naming the column and the nearest known fields) unless ``ignore`` names it: screening a row as if
    it had no wastewater because its column was not recognised is the one thing batch must not do.

    Raises
    ------
    BatchInputError
        Duplicate or ambiguous columns, unrecognised quantity columns, or no id, industry or coordinates.
    """
    mapping = dict(mapping or {})
    ignore_keys = {field_key(c) for c in ignore}
    base: dict[str, str] = {}
    effluent: dict[str, tuple[str, str]] = {}
    workshop: dict[str, tuple[str, str]] = {}
    emissions: dict[str, tuple[str, str]] = {}
    ignored: list[str] = []
    unknown: list[str] = []
    problems: list[str] = []
    for position, column in enumerate(header):
        if column == "geometry" and geometry:
            continue
        unit_cell = units[position] if units and position < len(units) else None
        if field_key(column) in ignore_keys:
            ignored.append(str(column))
            continue
        try:
            role = mapping.get(column) or _header_role(str(column), unit_cell)
        except ValueError as exc:
            problems.append(f"column {column!r}: {exc}")
            continue
        if role is None:
            if _looks_like_quantity(str(column), unit_cell):
                unknown.append(str(column))
            else:
                ignored.append(str(column))
            continue
        if role in BASE_COLUMNS:
            if role in base:
                problems.append(f"columns {base[role]!r} and {column!r} both give {role}; keep one")
                continue
            base[role] = column
            continue
        kind, pollutant, unit = _pollutant_column(role)
        if kind is None:
            problems.append(f"column {column!r} is mapped to {role!r}, which is not a batch column")
            continue
        target = {"effluent": effluent, "workshop": workshop, "emissions": emissions}[kind]
        if pollutant in target:
            problems.append(f"columns {target[pollutant][0]!r} and {column!r} both give {pollutant} ({kind}); keep one")
            continue
        target[pollutant] = (column, unit)
    for column in unknown:
        near = closest(column, _known_names())
        problems.append(
            f"column {column!r} looks like a quantity but is not a batch column, so its figures would be "
            f"ignored and the rows screened as if they had none; did you mean {', '.join(near) or 'one of `regional-eia schema batch`'}? "
            f"Rename it (or --mapping), or name it in --ignore-columns if it really is not needed"
        )
    if problems:
        raise BatchInputError(source, "; ".join(problems), None)
    if "id" not in base:
        raise BatchInputError(source, "no id column (项目编号; name it id, or map yours with --mapping)", "id")
    if "industry" not in base:
        raise BatchInputError(source, "no industry column (行业代码: GB/T 4754-2017 code, e.g. C1713)", "industry")
    if not geometry and not ({"lon", "lat"} <= set(base) or {"x", "y"} <= set(base)):
        raise BatchInputError(source, "no coordinates: give lon and lat (经度, 纬度; degrees) or x and y (metres) "
                                      "columns, with crs (坐标系)", "lon")
    if not geometry and "crs" not in base and default_crs is None:
        raise BatchInputError(source, "no crs column (坐标系): add one or give --crs (e.g. --crs 4490, --crs gcj02)",
                              "crs")
    return Columns(base, effluent, workshop, emissions, tuple(ignored), geometry, default_crs)


@functools.lru_cache(maxsize=1)
def _base_aliases() -> dict[str, str]:
    table = {field_key(name): name for name in BASE_COLUMNS}
    for column, aliases, _ in BATCH_COLUMNS:
        for alias in aliases:
            table[field_key(alias)] = column
    return table


def _known_names() -> list[str]:
    names = list(BASE_COLUMNS) + [a for _, aliases, _ in BATCH_COLUMNS for a in aliases]
    names += ["COD_mg_L", "NH3-N_mg_L", "TP_mg_L", "TN_mg_L", "SO2_t_a", "NOx_t_a", "VOCs_t_a", "PM_t_a"]
    return names


def _looks_like_quantity(column: str, unit_cell: str | None) -> bool:
    from zones.aliases import pollutant_id

    text = unicodedata.normalize("NFKC", column)
    if _QUANTITY_HINT.search(text) or (unit_cell and _unit_symbol(unit_cell)):
        return True
    stem = _UNIT_IN_HEADER.match(text)
    return pollutant_id(_POLLUTANT_WORDS.sub("", (stem.group("base") if stem else text).strip())) is not None


def _unit_symbol(text: str | None) -> str | None:
    from standards import UnitError
    from standards.units import parse_unit

    if text is None or not str(text).strip():
        return None
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace("吨/日", "t/d").replace("吨/天", "t/d") \
        .replace("吨/年", "t/a").replace("千克/年", "kg/a").replace("立方米/日", "m3/d").replace("m³", "m3")
    cleaned = {"d": "d/a", "天": "d/a", "天/年": "d/a", "d/yr": "d/a"}.get(cleaned, cleaned)
    try:
        return parse_unit(cleaned).symbol
    except UnitError:
        return None


def _header_role(column: str, unit_cell: str | None) -> str | None:
    """The schema name a header (and its units-row cell) stands for, or None.

    ``COD_mg_L`` and the other schema names as they are; 废水量(m3/d) or 废水量 over a units row ``t/d``
    -> ``flow_m3d``; COD（mg/L）, 化学需氧量 over ``mg/L`` -> ``COD_mg_L``; SO2排放量（t/a） -> ``SO2_t_a``.

    Raises ValueError for a header whose unit cannot be right (COD in t/a: a water load the schema does
    not take; a flow in m3/h).
    """
    from zones.aliases import pollutant_id

    text = unicodedata.normalize("NFKC", column).strip()
    if text in BASE_COLUMNS or _pollutant_column(text)[0] is not None:
        return text
    lowered = ALIASES.get(text) or ALIASES.get(text.lower())
    if lowered:
        return lowered
    match = _UNIT_IN_HEADER.match(text)
    stem, unit_text = (match.group("base").strip(), match.group("unit")) if match else (text, None)
    unit = _unit_symbol(unit_text) or _unit_symbol(unit_cell)
    if (unit_text or (unit_cell and str(unit_cell).strip())) and unit is None and _looks_like_quantity(stem, None):
        raise ValueError(f"unit {unit_text or unit_cell!r} is not one batch reads (m3/d, t/d, mg/L, ug/L, t/a, kg/a)")
    role = _base_aliases().get(field_key(stem))
    if role is not None:
        if role == "flow_m3d" and unit not in (None, "m3/d", "t/d"):
            raise ValueError(f"a wastewater flow in {unit}: give it in m3/d (or t/d)")
        if role == "flow_m3d" and unit is None and field_key(stem) != field_key("flow_m3d"):
            raise ValueError("a wastewater flow without a unit: write 废水量(m3/d), or add a units row")
        return role
    workshop = bool(_WORKSHOP_WORDS.match(stem))
    name = _POLLUTANT_WORDS.sub("", _WORKSHOP_WORDS.sub("", stem)).strip()
    pollutant = pollutant_id(name) if name else None
    if pollutant is None:
        return None
    if unit is None:
        raise ValueError(f"{pollutant} without a unit: write e.g. {name}(mg/L) or {name}(t/a), or add a units row")
    suffix = {v: k for k, v in WATER_UNITS.items()}.get(unit)
    if suffix is not None:
        return f"{'ws_' if workshop else ''}{pollutant}_{suffix}"
    air_suffix = {v: k for k, v in AIR_UNITS.items()}.get(unit)
    if air_suffix is not None and not workshop:
        if "air" not in _media(pollutant):
            raise ValueError(f"{pollutant} in {unit} is an annual water load; batch takes water pollutants as "
                             f"concentrations ({pollutant}_mg_L) with flow_m3d and operating_days, and computes loads")
        return f"{pollutant}_{air_suffix}"
    raise ValueError(f"{pollutant} in {unit}: expected a concentration (mg/L) or an annual air emission (t/a)")


def _media(pollutant: str) -> tuple[str, ...]:
    from standards import builtin_standards

    found = builtin_standards().pollutants.get(pollutant)
    return tuple(found.media) if found is not None else ()


def normalise_processes(text: str) -> str | None:
    """Process flags as typed (电镀；前处理、染色) -> ``electroplating;pretreatment;dyeing`` where each part
    names exactly one flag of the EIA list by id or Chinese name; a part that does not is kept as typed,
    so the row's error names it."""
    from standards.eia_category import load_classification
    from zones.aliases import process_flag

    flags = load_classification().flags
    parts = [p.strip() for p in re.split(r"[;；、,，]", text) if p.strip()]
    return ";".join(process_flag(p, flags)[0] or p for p in parts)


def header_score(cells: list[str]) -> int:
    """How many cells of a row name batch columns (0 unless one is the id or the industry)."""
    roles = []
    for cell in cells:
        if not cell:
            continue
        try:
            role = _header_role(cell, None)
        except ValueError:
            role = "quantity"
        if role is not None:
            roles.append(role)
    return len(roles) if {"id", "industry"} & set(roles) else 0


_THOUSANDS = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"


def normalise_chunk(table, columns: Columns):
    """The one normalisation point for cells as typed, by cell type, before either path reads them.

    - every mapped text cell: Unicode NFKC (full-width digits １２００, ，and ． become ASCII);
    - numbers: thousands separators removed where they group digits by three (``12,000.5``);
    - 排放去向: :func:`normalise_route` (纳管, 接管园区污水处理厂 ... -> indirect);
    - coordinate systems: :func:`zones.crs.crs_label` (高德 -> gcj02, 2000国家大地坐标系 -> 4490 ...).

    A value none of these recognises is left as typed, so the row's error echoes it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from zones.crs import crs_label

    numbers = {columns.base[k] for k in ("lon", "lat", "x", "y", "flow_m3d", "operating_days") if k in columns.base}
    numbers |= {c for table_ in (columns.effluent, columns.workshop, columns.emissions) for c, _ in table_.values()}
    text = {columns.base[k] for k in ("id", "industry", "processes", "crs", "route", "pH", "receiving_water_class",
                                      "new_outfall") if k in columns.base}
    mapped = {"route": normalise_route, "crs": lambda v: None if (c := crs_label(v)) is None else str(c),
              "processes": normalise_processes}
    for name in table.column_names:
        if name not in numbers and name not in text:
            continue
        arr = table.column(name)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            continue
        changed = False
        if not pc.all(pc.fill_null(pc.string_is_ascii(arr), True)).as_py():  # NFKC only where it can change
            arr = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, "NFKC"))
            changed = True
        if name in numbers and pc.any(pc.fill_null(pc.match_substring(arr, ","), False)).as_py():
            grouped = pc.fill_null(pc.match_substring_regex(arr, _THOUSANDS), False)
            arr = pc.if_else(grouped, pc.replace_substring(arr, ",", ""), arr)
            changed = True
        for key, function in mapped.items():
            if columns.base.get(key) == name:
                arr = _map_distinct(arr, function)
                changed = True
        if changed:
            table = table.set_column(table.column_names.index(name), name, arr)
    return table


def _map_distinct(arr, function):
    """``function`` over each distinct value (None: keep the value as typed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arr).combine_chunks() if isinstance(arr, pa.ChunkedArray) \
        else pc.dictionary_encode(arr)
    values = encoded.dictionary.to_pylist()
    replaced = [v if v is None or function(v) is None else function(v) for v in values]
    return pc.take(pa.array(replaced, type=pa.string()), encoded.indices)


def _pollutant_column(name: str) -> tuple[str | None, str, str]:
    workshop = name.startswith("ws_")
    stem = name[3:] if workshop else name
    for suffix, unit in sorted(WATER_UNITS.items(), key=lambda kv: -len(kv[0])):
        if stem.endswith("_" + suffix) and len(stem) > len(suffix) + 1:
            return ("workshop" if workshop else "effluent"), stem[: -len(suffix) - 1], unit
    if not workshop:
        for suffix, unit in AIR_UNITS.items():
            if stem.endswith("_" + suffix) and len(stem) > len(suffix) + 1:
                return "emissions", stem[: -len(suffix) - 1], unit
    return None, "", ""


# --- one row, the way a project file would say it --------------------------------------------------


def cell_text(value: Any) -> str | None:
    """A cell as text: None for empty; an integral number without its ``.0``."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (np.floating,)):
        return cell_text(float(value))
    text = str(value).strip()
    return text or None


def cell_number(value: Any, field_name: str, source: object) -> float | None:
    """A cell as a finite float: None for empty; a ProjectError for anything else."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if math.isnan(number):
            return None
        if not math.isfinite(number):
            raise ProjectError(source, field_name, f"{value!r} is not a finite number")
        return number
    text = str(value).strip()
    if not text:
        return None
    if not NUMBER.fullmatch(text):
        raise ProjectError(source, field_name, f"{text!r} is not a number (write e.g. 1200 or 0.5, no unit or "
                                               "thousands separator)")
    number = float(text)
    if not math.isfinite(number):
        raise ProjectError(source, field_name, f"{text!r} is not a finite number")
    return number


def cell_ph(value: Any, source: object) -> list[float] | None:
    """pH as ``[min, max]``: a number or a range ``6-9`` (also ``6~9``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = cell_number(value, "wastewater.pH", source)
        return [number, number]
    text = str(value).strip()
    if not text:
        return None
    parts = [p.strip() for p in text.replace("~", "-").replace("–", "-").split("-")]
    if len(parts) in (1, 2) and all(NUMBER.fullmatch(p) for p in parts):
        numbers = [float(p) for p in parts]
        return [numbers[0], numbers[-1]]
    raise ProjectError(source, "wastewater.pH", f"pH {text!r}: expected a number or a range like '6-9'")


def cell_bool(value: Any, field_name: str, source: object) -> bool | None:
    text = cell_text(value)
    if text is None:
        return None
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    raise ProjectError(source, field_name, f"{text!r} is not true or false")


def split_processes(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    return tuple(p.strip() for p in _SPLIT.split(text) if p.strip())


def crs_value(text: str | None) -> str | int | None:
    """The CRS as the project model takes it: an int for a bare EPSG number."""
    if text is None:
        return None
    return int(text) if text.isdigit() else text


def crs_text(crs) -> str:
    """A layer's CRS as a row's ``crs`` value: ``EPSG:n`` when it has a code, else WKT."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def row_to_project_data(row: Mapping[str, Any], columns: Columns, source: object = "<row>",
                        geometry: shapely.Geometry | None = None, geometry_crs=None) -> dict[str, Any]:
    """One flat row as the data of a project file (validate it with
    :func:`~regional_eia.project.project_from_data`).

    Raises
    ------
    ProjectError
        For a cell that is not a number, a pH that is not a range, or a flag that is not true/false.
    """
    def get(name: str) -> Any:
        column = columns.base.get(name)
        return row.get(column) if column is not None else None

    if row.get(ROW_ERROR):
        raise ProjectError(source, None, row[ROW_ERROR])
    errors: list[str] = []

    def attempt(function, *args):
        try:
            return function(*args)
        except ProjectError as exc:
            errors.append(f"{exc.field}: {exc.why}" if exc.field else exc.why)
            return None

    data: dict[str, Any] = {}
    project_id = cell_text(get("id"))
    data["id"] = project_id if project_id is not None else ""
    data["name"] = cell_text(get("name")) or ""
    industry = cell_text(get("industry"))
    if industry is not None:
        data["industry"] = industry
    data["processes"] = list(split_processes(cell_text(get("processes"))))
    data["location"] = _location(get, columns, source, geometry, geometry_crs, attempt)

    ww_present = any(cell_text(get(c)) is not None for c in WASTEWATER_COLUMNS) or any(
        _present(row.get(col)) for col, _ in (*columns.effluent.values(), *columns.workshop.values()))
    if ww_present:
        ww: dict[str, Any] = {}
        route = cell_text(get("route"))
        if route is not None:
            ww["route"] = normalise_route(route) or route
        flow = attempt(cell_number, get("flow_m3d"), "wastewater.flow", source)
        if flow is not None:
            ww["flow"] = {"value": flow, "unit": "m3/d"}
        days = attempt(cell_number, get("operating_days"), "wastewater.operating_days", source)
        if days is not None:
            ww["operating_days"] = days
        ph = attempt(cell_ph, get("pH"), source)
        if ph is not None:
            ww["pH"] = ph
        rwc = cell_text(get("receiving_water_class"))
        if rwc is not None:
            ww["receiving_water_class"] = rwc.upper()
        outfall = attempt(cell_bool, get("new_outfall"), "wastewater.new_outfall", source)
        if outfall is not None:
            ww["new_outfall"] = outfall
        for key, table in (("effluent", columns.effluent), ("workshop_effluent", columns.workshop)):
            values = {}
            for pollutant, (column, unit) in table.items():
                number = attempt(cell_number, row.get(column), f"wastewater.{key}.{pollutant}", source)
                if number is not None:
                    values[pollutant] = {"value": number, "unit": unit}
            if values:
                ww[key] = values
        data["wastewater"] = ww
    emissions = {}
    for pollutant, (column, unit) in columns.emissions.items():
        number = attempt(cell_number, row.get(column), f"air.emissions.{pollutant}", source)
        if number is not None:
            emissions[pollutant] = {"value": number, "unit": unit}
    if emissions:
        data["air"] = {"emissions": emissions}
    if errors:  # every problem of the row in one message: the cells, then what the model refuses of the rest
        from ..project import project_from_data

        try:
            project_from_data(data, str(source))
        except ProjectError as exc:
            errors.append(f"{exc.field}: {exc.why}" if exc.field else exc.why)
        raise ProjectError(source, None, "; ".join(errors))
    return data


def _present(value: Any) -> bool:
    return cell_text(value) is not None


def _location(get, columns: Columns, source, geometry, geometry_crs, attempt=None) -> dict[str, Any]:
    if columns.geometry:
        location: dict[str, Any] = {"crs": crs_text(geometry_crs)} if geometry_crs is not None else {}
        if geometry is None or shapely.is_missing(geometry) or geometry.is_empty:
            return location
        if geometry.geom_type == "Point":
            key = ("lon", "lat") if geometry_crs is not None and geometry_crs.is_geographic else ("x", "y")
            location[key[0]], location[key[1]] = geometry.x, geometry.y
        else:
            location["wkt"] = shapely.to_wkt(geometry, rounding_precision=-1)
        return location
    location = {}
    crs = crs_value(cell_text(get("crs")) or columns.default_crs)
    if crs is not None:
        location["crs"] = crs
    for name in ("lon", "lat", "x", "y"):
        number = (attempt or (lambda f, *a: f(*a)))(cell_number, get(name), f"location.{name}", source)
        if number is not None:
            location[name] = number
    return location
