"""``regional-eia catalog import``: build a catalogue folder from the files a park committee holds.

Inputs, each recognised from its fields and headers or named on the command line (``units=单元.shp``):

- layers (Shapefile, GeoPackage, GeoJSON, KML where GDAL reads it): park boundaries, 三线一单 control
  units, red lines, water-source protection zones, sensitive receptors;
- sheets (xlsx or CSV): caps (总量控制指标), access lists (环境准入清单) and the park's basic facts
  (园区基本情况: WWTP, effluent class, receiving water, attainment, offset ratio, regional assessment).

Fields and headers are matched through :mod:`zones.aliases`. Each layer is copied into the catalogue's
``layers.gpkg`` (UTF-8, fields renamed to their roles, the CRS kept), so the catalogue no longer
depends on the Shapefile's encoding; ``catalog.yaml`` is written for people to read and edit, with a
comment or ``source:`` naming the file, sheet and row of every value.

Re-import: the import records a fingerprint of the ``catalog.yaml`` it wrote (``.import-state.json``).
Run again on changed files, it rewrites the catalogue when ``catalog.yaml`` is as it wrote it; when
the file was edited by hand since, it writes the new version beside it as ``catalog.imported.yaml``
and stops (exit 2), so hand edits are never overwritten silently: merge the two, or pass ``--force``
to replace the edited file (the old one is kept as ``catalog.yaml.bak``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import yaml

from .aliases import (
    ACCESS_HEADERS,
    ACCESS_PARTS,
    CAPS_HEADERS,
    FIELD_ALIASES,
    PARK_INFO_KEYS,
    closest,
    effluent_class,
    field_key,
    match_fields,
    metric_id,
    process_flag,
    unit_class,
)
from .encoding import detect_dbf_encoding, normalise_encoding_name
from .errors import CatalogError, ZonesError

__all__ = ["import_catalog", "ImportReport", "ImportedFile", "ImportRefused", "KIND_NAMES", "PARK_INFO_KEYS"]

LAYER_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml"}
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".csv"}
KIND_NAMES = {
    "units": "control_unit", "unit": "control_unit", "control_units": "control_unit", "管控单元": "control_unit",
    "parks": "park", "park": "park", "园区": "park",
    "red_lines": "red_line", "red_line": "red_line", "红线": "red_line",
    "water_sources": "water_source", "water_source": "water_source", "水源": "water_source",
    "receptors": "receptor", "receptor": "receptor", "敏感点": "receptor",
    "caps": "caps", "总量": "caps", "access": "access", "准入": "access", "info": "park_info", "park_info": "park_info",
}
BASIS_WORDS = (("接管", "sewer_intake"), ("纳管", "sewer_intake"), ("进水", "sewer_intake"), ("sewer", "sewer_intake"),
               ("最终", "final_discharge"), ("外环境", "final_discharge"), ("出水", "final_discharge"),
               ("final", "final_discharge"), ("排放", "emission"), ("emission", "emission"))
_YES = {"是", "达标", "已达标", "yes", "true", "y", "1"}
_NO = {"否", "不达标", "未达标", "超标", "no", "false", "n", "0"}
_CODE = re.compile(r"^ZH\d{11}$")
_SPLIT = re.compile(r"[、,，;；/\s]+")
STATE_FILE = ".import-state.json"


class ImportRefused(ZonesError):
    """The catalogue was edited by hand since the last import; nothing was overwritten."""


@dataclass
class ImportedFile:
    """What the import made of one input: its kind, how it was read, and each field's role."""

    path: str
    kind: str
    why: str
    count: int
    encoding: str | None = None
    crs: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    sheet: str | None = None


@dataclass
class ImportReport:
    catalog: Path
    files: list[ImportedFile]
    notes: list[str] = field(default_factory=list)
    updated: bool = False


# --- the entry point -------------------------------------------------------------------------------


def import_catalog(inputs: list[str], out: str | Path, *, name: str | None = None, encoding: str | None = None,
                   crs: str | int | None = None, force: bool = False) -> ImportReport:
    """Build (or update) the catalogue folder ``out`` from committee files; validate it by loading it.

    Parameters
    ----------
    inputs
        Paths, each optionally prefixed with its kind: ``units=单元.shp``, ``parks=园区.shp``,
        ``red_lines=``, ``water_sources=``, ``receptors=``, ``caps=总量.xlsx``, ``access=``, ``info=``.
    out
        The catalogue folder (created).
    name
        The catalogue's name; default: the parks' names.
    encoding
        Attribute encoding of every Shapefile (default: detected from each file's bytes).
    crs
        CRS of layers that declare none (a Shapefile without .prj).

    Raises
    ------
    CatalogError
        Naming the file, row or feature and field, for anything that cannot be read or is not
        understood (an unknown metric or class, a unit code that contradicts its class ...).
    ImportRefused
        When ``catalog.yaml`` was edited by hand since the last import and ``force`` is not given.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: list[ImportedFile] = []
    layers: list[tuple[ImportedFile, gpd.GeoDataFrame]] = []
    sheets: dict[str, list[tuple[ImportedFile, list[dict[str, Any]]]]] = {"caps": [], "access": [], "park_info": []}
    for item in inputs:
        kind, path = _split_kind(item)
        if path.suffix.lower() in LAYER_SUFFIXES:
            report, frame = _read_layer(path, kind, encoding, crs)
            layers.append((report, frame))
            files.append(report)
        elif path.suffix.lower() in SHEET_SUFFIXES:
            for report, rows in _read_sheets(path, kind):
                sheets[report.kind].append((report, rows))
                files.append(report)
        else:
            raise CatalogError(path, None, None, f"unknown file type {path.suffix!r}: layers are "
                               f"{', '.join(sorted(LAYER_SUFFIXES))}; sheets {', '.join(sorted(SHEET_SUFFIXES))}")
    spec, notes = _build_spec(layers, sheets, out, name)
    report = ImportReport(out / "catalog.yaml", files, notes)
    _write(spec, out, force, report)
    from .catalog import load_catalog

    loaded = load_catalog(out)  # what catalog check and screen will do; errors name the file and zone
    report.notes.extend(loaded.warnings)
    return report


def _split_kind(item: str) -> tuple[str | None, Path]:
    head, sep, tail = item.partition("=")
    if sep and head.strip().lower() in KIND_NAMES and not Path(item).exists():
        return KIND_NAMES[head.strip().lower()], Path(tail)
    if not Path(item).exists():
        if sep:
            raise CatalogError(item, None, None, f"unknown kind {head!r}; kinds: {', '.join(sorted(set(KIND_NAMES)))}")
        raise CatalogError(item, None, None, "file not found")
    return None, Path(item)


# --- layers ----------------------------------------------------------------------------------------


def _read_layer(path: Path, kind: str | None, encoding: str | None, crs) -> tuple[ImportedFile, gpd.GeoDataFrame]:
    if not path.exists():
        raise CatalogError(path, None, None, "file not found")
    why_encoding = None
    if encoding is not None:
        encoding = normalise_encoding_name(encoding)
        why_encoding = f"{encoding} (given with --encoding)"
    else:
        try:
            choice = detect_dbf_encoding(path)
        except ValueError as exc:
            raise CatalogError(path, None, "encoding", str(exc)) from exc
        if choice is not None:
            encoding, why_encoding = choice.encoding, str(choice)
    try:
        frame = gpd.read_file(path, encoding=encoding, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, UnicodeDecodeError, LookupError) as exc:
        raise CatalogError(path, None, None, f"cannot read the layer: {exc}") from exc
    if frame.crs is None:
        if crs is None:
            raise CatalogError(path, None, "crs", "the layer declares no CRS (no .prj): give it with --crs, e.g. "
                                                  "--crs 4527 (CGCS2000 GK zone 39) or --crs 4490")
        from .crs import parse_crs

        frame = frame.set_crs(parse_crs(int(crs) if str(crs).isdigit() else crs))
        why_crs = f"EPSG:{frame.crs.to_epsg()} (given with --crs; the file declares none)"
    else:
        epsg = frame.crs.to_epsg()
        declared = ".prj" if path.suffix.lower() == ".shp" else "the file"
        why_crs = f"{'EPSG:' + str(epsg) if epsg else frame.crs.name} (as {declared} declares)"
    fields = [str(c) for c in frame.columns if c != frame.geometry.name]
    kind, why, mapping, unmatched = _layer_kind(path, kind, fields, frame)
    report = ImportedFile(str(path), kind, why, len(frame), why_encoding, why_crs, mapping, unmatched)
    return report, frame


def _layer_kind(path: Path, kind: str | None, fields: list[str], frame) -> tuple[str, str, dict, list]:
    if kind is not None:
        mapping, unmatched = match_fields(fields, FIELD_ALIASES[kind])
        return kind, "named on the command line", mapping, unmatched
    name = unicodedata.normalize("NFKC", path.stem)
    scores = []
    for candidate, roles in FIELD_ALIASES.items():
        mapping, unmatched = match_fields(fields, roles)
        score = len(mapping)
        if candidate == "control_unit" and "code" in mapping:
            codes = frame[mapping["code"]].astype(str).str.strip().str.upper()
            if codes.str.fullmatch(_CODE.pattern).mean() > 0.8:
                score += 10
        hints = {"park": ("园区", "开发区", "park"), "red_line": ("红线", "redline", "hx"),
                 "water_source": ("水源", "water"), "receptor": ("敏感", "receptor"),
                 "control_unit": ("管控单元", "单元", "unit", "gkdy")}[candidate]
        if any(h in name.lower() for h in hints):
            score += 5
        if candidate == "receptor" and not frame.geom_type.isin(["Point", "MultiPoint"]).all():
            score = -1
        scores.append((score, candidate, mapping, unmatched))
    scores.sort(key=lambda s: -s[0])
    best = scores[0]
    if best[0] < 5 or (len(scores) > 1 and scores[1][0] == best[0]):
        raise CatalogError(path, None, None, "cannot tell what this layer holds from its name and fields "
                           f"({', '.join(fields) or 'none'}); name it on the command line: units={path.name}, "
                           f"parks={path.name}, red_lines=, water_sources= or receptors=")
    how = []
    if best[1] == "control_unit" and "code" in best[2]:
        how.append(f"its {best[2]['code']} values are control-unit codes")
    how.append(f"fields {', '.join(f'{v} ({k})' for k, v in best[2].items())}" if best[2] else "its file name")
    return best[1], "; ".join(how), best[2], best[3]


def _layer_frame(report: ImportedFile, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer as the catalogue keeps it: fields renamed to their roles, values checked."""
    out = gpd.GeoDataFrame({role: frame[source].map(_cell) for role, source in report.mapping.items()},
                           geometry=frame.geometry.values, crs=frame.crs)
    kind = report.kind
    if kind == "control_unit":
        if "code" not in out:
            raise CatalogError(report.path, None, "code", f"no unit-code field; the layer has {_fields(frame)}: "
                                                          "name one 管控单元编码 or HJZHGKDYBM")
        out["code"] = out["code"].map(lambda v: unicodedata.normalize("NFKC", str(v)).strip().upper())
        for position, code in enumerate(out["code"]):
            if not _CODE.fullmatch(code):
                raise CatalogError(report.path, code, f"feature {position + 1}: {report.mapping['code']}",
                                   f"{code!r} is not a control-unit code (ZH + 6-digit administrative code + class "
                                   "digit 1/2/3 + 4-digit serial, e.g. ZH34180220001)")
        if "class" in out:
            classes = []
            for position, (code, value) in enumerate(zip(out["code"], out["class"])):
                found = unit_class(value)
                if found is None:
                    raise CatalogError(report.path, code, f"feature {position + 1}: {report.mapping['class']}",
                                       f"class {value!r}: expected 优先保护 / 重点管控 / 一般管控 (or 1 / 2 / 3)")
                classes.append(found)
            out["class"] = classes
        else:
            out["class"] = [{"1": "priority", "2": "key", "3": "general"}[c[8]] for c in out["code"]]
            report.unmatched.append("(no class field: each unit's class read from its code's class digit)")
        duplicated = out["code"][out["code"].duplicated()]
        if len(duplicated):
            raise CatalogError(report.path, duplicated.iloc[0], "code", "unit code appears twice in the layer")
    else:
        if "id" not in out:
            prefix = {"park": "P", "red_line": "RL", "water_source": "WS", "receptor": "R"}[kind]
            out["id"] = [f"{prefix}{i + 1:03d}" for i in range(len(out))]
            report.unmatched.append("(no id field: features numbered in file order)")
        out["id"] = out["id"].map(lambda v: re.sub(r"[^\w.\-]+", "-", str(v)).strip("-"))
        if "name" not in out:
            out["name"] = out["id"]
    return out


def _fields(frame) -> str:
    return ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "no fields"


def _cell(value: Any, path: Path | None = None) -> Any:
    from .workbook import Unevaluated

    if isinstance(value, Unevaluated):  # a formula without a saved value that is not arithmetic
        raise CatalogError(path, None, None, value.describe())
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --- sheets ----------------------------------------------------------------------------------------


def _read_sheets(path: Path, kind: str | None) -> list[tuple[ImportedFile, list[dict[str, Any]]]]:
    tables, hidden = _tables(path)
    found = []
    for sheet, rows in tables:
        recognised = _sheet_kind(rows, kind)
        if recognised is None:
            continue
        sheet_kind, header_at, mapping, why = recognised
        header = rows[header_at] if header_at >= 0 else []
        records = []
        for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            cells = {role: _cell(row[i], path) if i < len(row) else None for role, i in mapping.items()}
            if any(v is not None for v in cells.values()):
                records.append({"_row": number, **cells})
        if sheet_kind == "park_info":
            keys = _park_info_keys()
            named = {keys[field_key(r["key"])]: str(r["key"]) for r in records
                     if r.get("key") is not None and field_key(r["key"]) in keys}
            unmatched = [str(r["key"]) for r in records if r.get("key") is not None and field_key(r["key"]) not in keys]
        else:
            used = {header[i] for i in mapping.values()}
            named = {r: str(header[i]) for r, i in mapping.items()}
            unmatched = [str(h) for h in header if h not in (None, "") and h not in used]
        if hidden:
            why += f"; hidden sheet(s) not read: {', '.join(hidden)}"
        found.append((ImportedFile(str(path), sheet_kind, why, len(records), mapping=named, unmatched=unmatched,
                                   sheet=sheet), records))
    if not found:
        sheets = ", ".join(s for s, _ in tables)
        skipped = f" (hidden sheets are not read: {', '.join(hidden)}; unhide the one to import)" if hidden else ""
        raise CatalogError(path, None, None, f"no sheet looks like caps (指标, 总量上限 ...), an access list (类别, "
                           f"行业代码 ...) or the park's basic facts (园区名称, 污水处理厂 ...); sheets: {sheets}{skipped}. "
                           "Name the kind: caps=FILE, access=FILE, info=FILE")
    return found


def _tables(path: Path) -> tuple[list[tuple[str, list[list[Any]]]], list[str]]:
    """(title, rows) of each sheet to read, and the hidden sheets that are not read (see :mod:`.workbook`)."""
    if path.suffix.lower() == ".csv":
        import csv

        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CatalogError(path, None, None, "neither UTF-8 nor GBK text")
        return [(path.stem, [list(r) for r in csv.reader(text.splitlines())])], []
    from .workbook import WorkbookError, open_workbook

    try:
        with open_workbook(path) as book:
            return [(title, list(book.rows(title))) for title in book.visible(active_first=False)], list(book.hidden)
    except WorkbookError as exc:
        raise CatalogError(path, None, None, exc.why) from exc


def _sheet_kind(rows: list[list[Any]], kind: str | None):
    """(kind, header row index, {role: column index}, why) of a sheet, or None."""
    candidates = [kind] if kind else ["caps", "access", "park_info"]
    for at, row in enumerate(rows[:10]):
        header = [str(c) if c is not None else "" for c in row]
        for candidate in candidates:
            if candidate == "park_info":
                continue
            roles = CAPS_HEADERS if candidate == "caps" else ACCESS_HEADERS
            mapping, _ = match_fields([h for h in header if h], roles)
            needed = {"metric", "value"} if candidate == "caps" else {"part", "codes"}
            if needed <= set(mapping):
                index = {role: header.index(source) for role, source in mapping.items()}
                return candidate, at, index, f"headers {', '.join(f'{v} ({k})' for k, v in mapping.items())}"
    if "park_info" in candidates:
        keys = _park_info_keys()
        hits = [r for r in rows if r and r[0] is not None and field_key(r[0]) in keys]
        if len(hits) >= 2:
            return "park_info", -1, {"key": 0, "value": 1}, f"{len(hits)} rows of facts (园区名称, 污水处理厂 ...)"
    return None


def _park_info_keys() -> dict[str, str]:
    return {field_key(alias): role for role, aliases in PARK_INFO_KEYS.items() for alias in aliases}


# --- the catalogue ---------------------------------------------------------------------------------


def _build_spec(layers, sheets, out: Path, name: str | None) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    gpkg = out / "layers.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    zones: list[dict[str, Any]] = []
    layer_specs: list[dict[str, Any]] = []
    park_frames = []
    used_names: set[str] = set()
    for report, frame in layers:
        table = _layer_frame(report, frame)
        layer_name = _unique(report.kind + "s", used_names)
        pyogrio.write_dataframe(table, gpkg, layer=layer_name, driver="GPKG")
        origin = f"{Path(report.path).name}, read as {report.encoding or 'UTF-8'}; {report.crs}"
        if report.kind == "park":
            park_frames.append((report, table, layer_name, origin))
        elif report.kind == "control_unit":
            spec = {"kind": "control_unit", "file": "layers.gpkg", "layer": layer_name, "id_field": "code",
                    "code_field": "code", "class_field": "class"}
            if "name" in table:
                spec["name_field"] = "name"
            for key in ("spatial_layout", "emission_control", "risk_prevention", "resource_efficiency"):
                if key in table:
                    spec[f"{key}_field"] = key
            layer_specs.append((spec, origin, _proposals(table)))
        else:
            for position, row in table.iterrows():
                zone = {"id": row["id"], "name": str(row["name"]), "kind": report.kind,
                        "geometry": {"file": "layers.gpkg", "layer": layer_name, "id_field": "id"}}
                if report.kind in ("red_line", "water_source"):
                    zone["protected"] = {"buffer_m": 0, **({"grade": str(row["grade"])} if row.get("grade") else {})}
                else:
                    raise CatalogError(report.path, row["id"], None, "receptor layers need setback distances, "
                                       "which no file states: add the receptors to catalog.yaml by hand")
                zones.append((zone, origin))
    if not park_frames:
        raise CatalogError(out, None, None, "no park boundary among the inputs: give the park layer (parks=FILE)")
    info = _park_info(sheets["park_info"])
    caps = _caps(sheets["caps"])
    access = _access(sheets["access"])
    park_zones = []
    for report, table, layer_name, origin in park_frames:
        for _, row in table.iterrows():
            park_zones.append((row, layer_name, origin))
    for row, layer_name, origin in park_zones:
        park = _park_section(row, info, caps, access, len(park_zones), notes)
        zones.insert(0, ({"id": row["id"], "name": str(row["name"]), "kind": "park",
                          "geometry": {"file": "layers.gpkg", "layer": layer_name, "id_field": "id"},
                          "park": park}, origin))
    park_names = [str(r["name"]) for r, _, _ in park_zones]
    spec = {"name": name or "、".join(park_names), "description": "imported by regional-eia catalog import on "
            f"{dt.date.today().isoformat()}", "version": 1, "zones": zones, "layers": layer_specs}
    return spec, notes


# clear prohibitions a text may state, as codes (and process flags) the catalogue can express
_PROHIBITION_WORDS = (
    ("工业项目", ("B", "C", "D44"), ()), ("化工", ("C26",), ()), ("电镀", ("C3360",), ("electroplating",)),
    ("印染", ("C17",), ("dyeing",)), ("造纸", ("C22",), ()), ("制革", ("C191",), ()), ("炼油", ("C2511",), ()),
    ("石化", ("C251", "C2614"), ()), ("焦化", ("C2521",), ()), ("炼焦", ("C2521",), ()), ("钢铁", ("C31",), ()),
    ("有色金属冶炼", ("C32",), ()), ("水泥", ("C3011",), ()), ("农药", ("C263",), ()), ("原料药", ("C2710",), ()),
)
_PROHIBITION = re.compile(r"禁止(?:新建|新、扩建|新建、扩建|新建和扩建|建设|引入)?([^。；;]*)")


def _proposals(table) -> list[str]:
    """'ZH...: prohibited codes [...] (from: 禁止新建化工...)' for texts that state a clear prohibition."""
    lines = []
    for _, unit in table.iterrows():
        for key in ("spatial_layout", "emission_control"):
            text = unit.get(key)
            if not isinstance(text, str):
                continue
            for match in _PROHIBITION.finditer(text):
                clause = " ".join(match.group(0).split())  # one line in the comment that quotes it
                hits = [(codes, flags) for word, codes, flags in _PROHIBITION_WORDS if word in match.group(1)]
                if not hits:
                    continue
                caveat = "; the text states an exception: check it" if "除" in clause else ""
                for codes, flags in hits:  # one rule each: a process flag narrows only its own codes
                    rule = {"codes": list(codes), **({"processes": list(flags)} if flags else {}), "reason": clause}
                    shown = yaml.safe_dump(rule, allow_unicode=True, default_flow_style=True, width=1000).strip()
                    lines.append(f"{unit['code']}: prohibited: {shown}{caveat}")
    return lines


def _unique(base: str, used: set[str]) -> str:
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def _park_info(found) -> dict[str, dict[str, tuple[Any, str]]]:
    """park name or code (or '' for the only park) -> role -> (value, source)."""
    keys = _park_info_keys()
    info: dict[str, dict[str, tuple[Any, str]]] = {}
    for report, records in found:
        current: dict[str, tuple[Any, str]] = {}
        for record in records:
            role = keys.get(field_key(record.get("key") or ""))
            if role is None:
                continue
            current[role] = (record.get("value"), f"{Path(report.path).name}, sheet {report.sheet}, row {record['_row']}")
        names = [str(current[k][0]) for k in ("park", "park_code") if current.get(k, (None,))[0]]
        for park in names or [""]:
            info[park] = current
    return info


def _match_park(table: dict[str, Any], row, count: int) -> Any:
    for key in (str(row["id"]), str(row["name"])):
        if key in table:
            return table[key]
    if count == 1 and len(table) == 1:
        return next(iter(table.values()))
    return table.get("")


def _park_section(row, info, caps, access, count: int, notes: list[str]) -> dict[str, Any]:
    facts = _match_park(info, row, count) or {}
    park: dict[str, Any] = {}
    if "level" in facts and facts["level"][0]:
        park["level"] = str(facts["level"][0])
    if "planning_eia" in facts and facts["planning_eia"][0]:
        park["planning_eia"] = str(facts["planning_eia"][0])
    if "wwtp_name" in facts or "wwtp_class" in facts:
        klass_text, where = facts.get("wwtp_class", (None, "—"))
        klass = effluent_class(re.sub(r"GB\s*18918\s*-?\s*2002", "", str(klass_text or ""), flags=re.I))
        if klass is None:
            raise CatalogError(where, str(row["id"]), "出水执行标准",
                               f"{klass_text!r}: expected a GB 18918-2002 class (一级A, 一级B, 二级, 三级)")
        capacity = _number(facts.get("wwtp_capacity", (None, ""))[0])
        wwtp = {"name": str(facts.get("wwtp_name", (f"{row['name']}污水处理厂", ""))[0]),
                "capacity": capacity or 1.0, "effluent_class": klass}
        if capacity is None:
            notes.append(f"park {row['id']}: no WWTP design capacity given; 1 m3/d written as a placeholder: edit it")
        built = _date(facts.get("wwtp_built", (None, ""))[0])
        if built:
            wwtp["built"] = built
        park["wwtp"] = wwtp
    if "receiving_water" in facts:
        target = str(facts.get("target_class", ("III", ""))[0] or "III")
        target = re.sub(r"[类級级\s]", "", unicodedata.normalize("NFKC", target)).upper()
        target = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}.get(target, target)
        attained = _yes_no(facts.get("water_attained", (None, ""))[0])
        if attained is None:
            raise CatalogError(facts.get("receiving_water")[1], str(row["id"]), "是否达标",
                               "say whether the receiving water meets its target (是/否); it decides offsets")
        water = {"name": str(facts["receiving_water"][0]), "target_class": target, "attained": attained}
        since = _number(facts.get("not_attained_since", (None, ""))[0])
        if since:
            water["not_attained_since"] = int(since)
        park["receiving_water"] = water
    air = _yes_no(facts.get("air_attained", (None, ""))[0])
    if air is not None:
        park["air_attained"] = air
    park["caps"] = [c for c in _match_park(caps, row, count) or []]
    ratio = _number(facts.get("offset_ratio", (None, ""))[0])
    offsets = []
    if ratio and ratio >= 1:
        where = facts["offset_ratio"][1]
        for cap in park["caps"]:
            water = cap["metric"] != "wastewater" and cap["basis"] != "emission"
            if cap["metric"] == "wastewater":
                continue
            if cap["metric"] in {o["pollutant"] for o in offsets}:
                continue
            if (water and park.get("receiving_water", {}).get("attained") is False) or \
                    (not water and park.get("air_attained") is False):
                offsets.append({"pollutant": cap["metric"], "ratio": ratio,
                                "reason": f"{'受纳水体' if water else '环境空气质量'}未达标 ({where})"})
    if offsets:
        park["offsets"] = offsets
    rules = _match_park(access, row, count)
    if rules:
        park["access"] = rules
    approved = _date(facts.get("assessment_approved", (None, ""))[0])
    years = _number(facts.get("assessment_years", (None, ""))[0])
    if approved and years:
        park["regional_assessment"] = {"approved": approved, "valid_years": int(years)}
    return park


def _caps(found) -> dict[str, list[dict[str, Any]]]:
    from standards import builtin_standards

    pollutants = builtin_standards().pollutants
    caps: dict[str, list[dict[str, Any]]] = {}
    for report, records in found:
        for record in records:
            where = f"{Path(report.path).name}, sheet {report.sheet}, row {record['_row']}"
            raw = record.get("metric")
            metric = metric_id(str(raw)) if raw is not None else None
            if metric is None:
                near = closest(str(raw), ["废水", "化学需氧量", "氨氮", "总磷", "总氮", "二氧化硫", "氮氧化物", "颗粒物",
                                          "挥发性有机物", "COD", "NH3-N", "SO2", "NOx", "VOCs"])
                raise CatalogError(where, None, report.mapping.get("metric"),
                                   f"metric {raw!r} not understood; write one of 废水, 化学需氧量 (COD), 氨氮, 总磷, "
                                   f"总氮, 二氧化硫, 氮氧化物, 颗粒物, 挥发性有机物" + (f" (nearest: {', '.join(near)})"
                                                                               if near else ""))
            value = _number(record.get("value"))
            if value is None or value <= 0:
                raise CatalogError(where, None, report.mapping.get("value"), f"cap {record.get('value')!r} is not "
                                                                             "a positive number")
            unit = _unit(record.get("unit"), metric, where, report)
            factor, unit = unit
            air = metric != "wastewater" and "water" not in pollutants[metric].media
            basis = _basis(record.get("basis"), metric, air, where)
            cap = {"metric": metric, "value": value * factor, "unit": unit, "basis": basis[0],
                   "committed": (_number(record.get("committed")) or 0) * factor,
                   "reserved": (_number(record.get("reserved")) or 0) * factor,
                   "source": f"{where}" + (f"; {record['source']}" if record.get("source") else "") + basis[1]}
            park = str(record.get("park") or "")
            caps.setdefault(park, []).append(cap)
    return caps


def _unit(text: Any, metric: str, where: str, report) -> tuple[float, str]:
    from standards import UnitError
    from standards.units import parse_unit

    flow = metric == "wastewater"
    if text is None:
        return 1.0, "m3/d" if flow else "t/a"
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace("吨/日", "t/d").replace("吨/天", "t/d") \
        .replace("吨/年", "t/a").replace("立方米/日", "m3/d").replace("m³", "m3")
    factor = 1.0
    if cleaned.startswith("万"):
        factor, cleaned = 1e4, cleaned[1:]
    try:
        unit = parse_unit(cleaned)
    except UnitError as exc:
        raise CatalogError(where, None, report.mapping.get("unit", "单位"), f"unit {text!r}: {exc.why}") from exc
    expected = "flow" if flow else "load"
    if unit.dimension != expected:
        raise CatalogError(where, None, report.mapping.get("unit", "单位"),
                           f"unit {text!r} for {metric}: expected {'m3/d or t/d' if flow else 't/a'}")
    return factor, unit.symbol


def _basis(text: Any, metric: str, air: bool, where: str) -> tuple[str, str]:
    if air:
        return "emission", ""
    if text is not None:
        key = unicodedata.normalize("NFKC", str(text)).lower()
        for word, basis in BASIS_WORDS:
            if word in key and basis != "emission":
                return basis, ""
        raise CatalogError(where, None, "口径", f"basis {text!r}: expected 最终排放 (final discharge, leaving the "
                                               "WWTP) or 接管/纳管 (entering it)")
    return "final_discharge", "; basis not stated: taken as final discharge (leaving the WWTP), as planning-EIA caps are"


def _access(found) -> dict[str, dict[str, list[dict[str, Any]]]]:
    from standards.eia_category import load_classification

    flags = load_classification().flags
    lists: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for report, records in found:
        for record in records:
            where = f"{Path(report.path).name}, sheet {report.sheet}, row {record['_row']}"
            part_text = record.get("part")
            part = ACCESS_PARTS.get(re.sub(r"\s", "", str(part_text or "")))
            if part is None:
                raise CatalogError(where, None, report.mapping.get("part"),
                                   f"{part_text!r}: expected 禁止类, 限制类 or 鼓励类 (禁止, 限制, 允许)")
            codes = []
            for code in _SPLIT.split(unicodedata.normalize("NFKC", str(record.get("codes") or "")).upper()):
                if not code:
                    continue
                code = "C" + code if code[0].isdigit() else code
                if not re.fullmatch(r"[A-T](\d{2}|\d{3}|\d{4})?", code):
                    raise CatalogError(where, None, report.mapping.get("codes"),
                                       f"{code!r} is not a GB/T 4754-2017 code or prefix (e.g. C2641, 2641, C26)")
                codes.append(code)
            if not codes:
                raise CatalogError(where, None, report.mapping.get("codes"), "no industry code (e.g. C2641, C26)")
            rule: dict[str, Any] = {"codes": codes}
            processes = []
            for text in _SPLIT.split(str(record.get("processes") or "")):
                if text:
                    processes.append(_flag(text, flags, where, report))
            if processes:
                rule["processes"] = processes
            label = record.get("industry_name") or "、".join(codes)
            rule["reason"] = (f"{label}：{record['reason']}" if record.get("reason") else f"{label}（{part_text}）") \
                + f" [{where}]"
            if record.get("conditions") and part == "restricted":
                rule["conditions"] = str(record["conditions"])
            elif record.get("conditions"):
                rule["reason"] += f"; {record['conditions']}"
            park = str(record.get("park") or "")
            lists.setdefault(park, {}).setdefault(part, []).append(rule)
    return lists


def _flag(text: str, flags, where: str, report) -> str:
    """A 工艺 cell as an EIA-list process flag: the flag id, or its Chinese name (电镀 -> electroplating)."""
    flag, found = process_flag(text, flags)
    if flag is not None:
        return flag
    near = ", ".join(f"{fid} ({flags[fid].zh})" for fid in (found or closest(text, list(flags)))[:5])
    raise CatalogError(where, None, report.mapping.get("processes", "工艺"),
                       f"process {text!r} is {'ambiguous' if found else 'not a flag of the EIA list'}"
                       + (f": {near}" if near else "") + "; write the flag id")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    match = re.match(r"^[+-]?\d+(\.\d+)?", text)
    return float(match.group(0)) if match else None


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.match(r"^(\d{4})[-年/.](\d{1,2})(?:[-月/.](\d{1,2}))?", text)
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    return dt.date(year, month, day).isoformat()


def _yes_no(value: Any) -> bool | None:
    if value is None:
        return None
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if key in _YES:
        return True
    if key in _NO or key.startswith("未") or key.startswith("不"):
        return False
    return None


# --- writing ---------------------------------------------------------------------------------------


def _render(spec: dict[str, Any]) -> str:
    """catalog.yaml for people: a header, then the zones and layers each under a comment naming its file."""
    lines = ["# Written by `regional-eia catalog import`. Edit freely: a later import notices hand edits and",
             "# writes catalog.imported.yaml beside this file instead of overwriting it (see docs/catalogue.md).",
             "# Each zone and layer names the file it was read from; caps carry source: with sheet and row."]
    head = {k: v for k, v in spec.items() if k not in ("zones", "layers")}
    lines.append(yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=110).rstrip())
    lines.append("zones:")
    for zone, origin in spec["zones"]:
        lines.extend(_comment(f"from {origin}"))
        lines.append(_indent(yaml.safe_dump([zone], allow_unicode=True, sort_keys=False, width=110)))
    lines.append("layers:" if spec["layers"] else "layers: []")
    for layer, origin, proposals in spec["layers"]:
        lines.extend(_comment(f"from {origin}"))
        lines.append(_indent(yaml.safe_dump([layer], allow_unicode=True, sort_keys=False, width=110)))
        if proposals:
            lines.append("  # PROPOSED rules read from the units' requirement texts: NOT applied. Each text reaches the")
            lines.append("  # screening as a UNIT_REQUIREMENT finding anyway; to screen a rule automatically, review it")
            lines.append("  # and write it as an access rule (control_unit_access: by class, or a unit zone's access:).")
            for line in proposals:
                lines.extend(_comment(f"  {line}"))
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    """``text`` as comment lines at the zones' indent: a line break in a name or a requirement text (any
    that YAML or Python counts) starts another comment line, never a line of YAML."""
    return [f"  # {part}".rstrip() for part in text.splitlines() or [""]]


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines())


def _recorded_digest(state_path: Path) -> str | None:
    """The fingerprint the last import recorded; None when there is none or it cannot be read (the
    catalogue then counts as edited by hand: nothing is overwritten without --force)."""
    from standards.safeload import DataFileError, read_data_file

    if not state_path.exists():
        return None
    try:
        state = read_data_file(state_path, max_bytes=1 << 16, kind="json")
    except DataFileError:
        return None
    return state.get("sha256") if isinstance(state, dict) else None


def _write(spec: dict[str, Any], out: Path, force: bool, report: ImportReport) -> None:
    text = _render(spec)
    target = out / "catalog.yaml"
    state_path = out / STATE_FILE
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if target.exists():
        current = hashlib.sha256(target.read_bytes()).hexdigest()
        recorded = _recorded_digest(state_path)
        if current != recorded:
            if not force:
                (out / "catalog.imported.yaml").write_text(text, encoding="utf-8")
                raise ImportRefused(
                    f"{target}: edited by hand since the last import (or not written by it); the new import is in "
                    f"{out / 'catalog.imported.yaml'}: merge the two, or rerun with --force to replace catalog.yaml "
                    "(kept as catalog.yaml.bak)")
            shutil.copyfile(target, out / "catalog.yaml.bak")
            report.notes.append(f"replaced the hand-edited {target}; the old file is {out / 'catalog.yaml.bak'}")
        report.updated = True
    target.write_text(text, encoding="utf-8")
    state_path.write_text(json.dumps({"sha256": digest, "written": dt.datetime.now().isoformat(timespec="seconds")}),
                          encoding="utf-8")
    (out / "catalog.imported.yaml").unlink(missing_ok=True)
