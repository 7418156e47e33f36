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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely


from standards.safeload import DataFileError, read_data_file

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


NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# column suffix -> unit symbol; water concentrations go to wastewater.effluent, loads to air.emissions
WATER_UNITS = {"mg_L": "mg/L", "ug_L": "ug/L", "ng_L": "ng/L", "g_L": "g/L", "dilution_factor": "dilution_factor",
               "MPN_L": "MPN/L", "Bq_L": "Bq/L"}
AIR_UNITS = {"t_a": "t/a", "kg_a": "kg/a"}
BASE_COLUMNS = ("id", "name", "industry", "processes", "lon", "lat", "x", "y", "crs", "route", "flow_m3d",
                "operating_days", "pH", "receiving_water_class", "new_outfall")
WASTEWATER_COLUMNS = ("route", "flow_m3d", "operating_days", "pH", "receiving_water_class", "new_outfall")

# common Chinese and alternative headers; a mapping file overrides or adds to these
ALIASES = {
    "project_id": "id", "项目编号": "id", "编号": "id",
    "project_name": "name", "项目名称": "name", "名称": "name",
    "industry_code": "industry", "行业代码": "industry", "行业类别代码": "industry",
    "工艺": "processes",
    "经度": "lon", "纬度": "lat", "longitude": "lon", "latitude": "lat",
    "坐标系": "crs", "epsg": "crs",
    "排放去向": "route", "废水量_m3d": "flow_m3d", "废水排放量_m3d": "flow_m3d", "年运行天数": "operating_days",
}
ROUTES = {"direct": "direct", "indirect": "indirect", "直接排放": "direct", "间接排放": "indirect",
          "直排": "direct", "间排": "indirect", "纳管": "indirect"}
TRUE = {"true", "yes", "y", "1", "是", "t"}
FALSE = {"false", "no", "n", "0", "否", "f"}
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
                  geometry: bool = False, default_crs: str | None = None) -> Columns:
    """Read a header: which input column holds which schema field; refuse duplicates and a missing id."""
    mapping = dict(mapping or {})
    base: dict[str, str] = {}
    effluent: dict[str, tuple[str, str]] = {}
    workshop: dict[str, tuple[str, str]] = {}
    emissions: dict[str, tuple[str, str]] = {}
    ignored: list[str] = []
    for column in header:
        if column == "geometry" and geometry:
            continue
        name = mapping.get(column) or ALIASES.get(column) or ALIASES.get(str(column).strip().lower()) \
            or str(column).strip()
        if name in BASE_COLUMNS:
            if name in base:
                raise BatchInputError(source, f"columns {base[name]!r} and {column!r} both give {name}", name)
            base[name] = column
            continue
        kind, pollutant, unit = _pollutant_column(name)
        if kind is None:
            ignored.append(str(column))
            continue
        target = {"effluent": effluent, "workshop": workshop, "emissions": emissions}[kind]
        if pollutant in target:
            raise BatchInputError(source, f"columns {target[pollutant][0]!r} and {column!r} both give "
                                          f"{pollutant} ({kind}); keep one", str(column))
        target[pollutant] = (column, unit)
    if "id" not in base:
        raise BatchInputError(source, "no id column (name it id, or map yours with --mapping)", "id")
    if "industry" not in base:
        raise BatchInputError(source, "no industry column (GB/T 4754-2017 code, e.g. C1713)", "industry")
    if not geometry and not ({"lon", "lat"} <= set(base) or {"x", "y"} <= set(base)):
        raise BatchInputError(source, "no coordinates: give lon and lat (degrees) or x and y (metres) "
                                      "columns, with crs", "lon")
    if not geometry and "crs" not in base and default_crs is None:
        raise BatchInputError(source, "no crs column: add one or give --crs (e.g. --crs 4490)", "crs")
    return Columns(base, effluent, workshop, emissions, tuple(ignored), geometry, default_crs)


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

    data: dict[str, Any] = {}
    project_id = cell_text(get("id"))
    data["id"] = project_id if project_id is not None else ""
    data["name"] = cell_text(get("name")) or ""
    industry = cell_text(get("industry"))
    if industry is not None:
        data["industry"] = industry
    data["processes"] = list(split_processes(cell_text(get("processes"))))
    data["location"] = _location(get, columns, source, geometry, geometry_crs)

    ww_present = any(cell_text(get(c)) is not None for c in WASTEWATER_COLUMNS) or any(
        _present(row.get(col)) for col, _ in (*columns.effluent.values(), *columns.workshop.values()))
    if ww_present:
        ww: dict[str, Any] = {}
        route = cell_text(get("route"))
        if route is not None:
            ww["route"] = ROUTES.get(route.lower(), ROUTES.get(route, route))
        flow = cell_number(get("flow_m3d"), "wastewater.flow", source)
        if flow is not None:
            ww["flow"] = {"value": flow, "unit": "m3/d"}
        days = cell_number(get("operating_days"), "wastewater.operating_days", source)
        if days is not None:
            ww["operating_days"] = days
        ph = cell_ph(get("pH"), source)
        if ph is not None:
            ww["pH"] = ph
        rwc = cell_text(get("receiving_water_class"))
        if rwc is not None:
            ww["receiving_water_class"] = rwc.upper()
        outfall = cell_bool(get("new_outfall"), "wastewater.new_outfall", source)
        if outfall is not None:
            ww["new_outfall"] = outfall
        for key, table in (("effluent", columns.effluent), ("workshop_effluent", columns.workshop)):
            values = {}
            for pollutant, (column, unit) in table.items():
                number = cell_number(row.get(column), f"wastewater.{key}.{pollutant}", source)
                if number is not None:
                    values[pollutant] = {"value": number, "unit": unit}
            if values:
                ww[key] = values
        data["wastewater"] = ww
    emissions = {}
    for pollutant, (column, unit) in columns.emissions.items():
        number = cell_number(row.get(column), f"air.emissions.{pollutant}", source)
        if number is not None:
            emissions[pollutant] = {"value": number, "unit": unit}
    if emissions:
        data["air"] = {"emissions": emissions}
    return data


def _present(value: Any) -> bool:
    return cell_text(value) is not None


def _location(get, columns: Columns, source, geometry, geometry_crs) -> dict[str, Any]:
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
        number = cell_number(get(name), f"location.{name}", source)
        if number is not None:
            location[name] = number
    return location
