"""The input of a batch report, and the tables it is made of.

Three inputs are read (``regional-eia report --batch PATH``):

- JSON lines of results (``.jsonl``, ``.ndjson``, ``.json``): one
  :class:`~regional_eia.result.ScreeningResult` per line, as ``screen --format json`` prints it,
  compacted. Everything is known, including each project's demand on each cap, so the parks'
  utilisation after the batch is computed.
- CSV (``.csv``, UTF-8, with or without BOM), or JSON lines of the same rows (what ``regional-eia
  batch`` writes): at least ``project_id, verdict, codes, park, lon, lat, main_reason``; ``codes``
  separated by ``;``; ``lon``/``lat`` in WGS84; ``park`` the catalogue's park id, empty for none;
  optional ``project_name``, ``main_code`` and ``error`` (verdict ``error``: a row that could not be
  screened). Rows hold no demands: the park table then shows the utilisation before the batch only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
from pydantic import ValidationError

from standards.safeload import PROJECT_MAX_BYTES, DataFileError, first_non_finite, parse_json
from zones.catalog import Catalog

from ..escape import undefuse_csv
from ..errors import ReportError
from ..result import ScreeningResult, Verdict
from .text import Wording

__all__ = ["BatchInput", "load_batch", "CSV_COLUMNS", "verdict_counts", "code_counts", "park_utilisation",
           "main_reasons", "batch_json_line", "ADMITTED"]

CSV_COLUMNS = ("project_id", "verdict", "codes", "park", "lon", "lat", "main_reason")
VERDICTS: tuple[str, ...] = (*get_args(Verdict), "error")  # error: a batch row that could not be screened
ADMITTED = ("pass", "conditional")  # the verdicts under which a project may go ahead


@dataclass(frozen=True)
class BatchInput:
    """A batch as read: one row per project, and the full results when the input had them."""

    source: str
    rows: pd.DataFrame  # project_id, project_name, verdict, codes (list), park, lon, lat, main_reason
    results: tuple[ScreeningResult, ...] | None = None


def load_batch(path: str | Path) -> BatchInput:
    """Read batch results from JSON lines or CSV (see the module docstring).

    Raises
    ------
    ReportError
        Naming the file and line, and the field that is wrong or missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ReportError(path, "no such file (expected JSON lines of screening results, or CSV)")
    if path.suffix.lower() in _GEO_SUFFIXES:
        batch = _read_geo(path)
        if batch.rows.empty:
            raise ReportError(path, "holds no projects")
        return batch
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(path, f"cannot read it as UTF-8 text: {exc}") from exc
    is_csv = path.suffix.lower() == ".csv" or (
        path.suffix.lower() not in (".jsonl", ".ndjson", ".json") and not text.lstrip().startswith("{"))
    if is_csv:
        batch = _read_csv(path)
    elif _holds_results(path, text):
        batch = _read_json_lines(path, text)
    else:
        batch = _read_row_lines(path, text)
    if batch.rows.empty:
        raise ReportError(path, "holds no projects")
    return batch


def _holds_results(path: Path, text: str) -> bool:
    """Whether JSON lines hold screening results (nested) or batch rows (flat)."""
    first = next((line for line in text.splitlines() if line.strip()), "{}")
    record = _json_line(path, 1, first)
    return isinstance(record, dict) and "findings" in record and "location" in record


def _json_line(path: Path, number: int, line: str):
    """One JSON line, read strictly (duplicate keys, NaN, huge numbers and deep nesting refused)."""
    if len(line) > PROJECT_MAX_BYTES:
        raise ReportError(f"{path}:{number}", "a line of more than 8 MB is not a batch result")
    try:
        record = parse_json(line, f"{path}:{number}")
    except DataFileError as exc:
        raise ReportError(f"{path}:{number}", exc.why) from exc
    bad = first_non_finite(record)
    if bad:
        raise ReportError(f"{path}:{number}", f"{bad}: not a finite number")
    return record


def _read_row_lines(path: Path, text: str) -> BatchInput:
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = _json_line(path, number, line)
        if not isinstance(record, dict):
            raise ReportError(f"{path}:{number}", "expected one project per line, as a JSON object {...}")
        records.append({k: "" if v is None else str(v) for k, v in record.items()})
        lines.append(number)
    return BatchInput(str(path), _rows(pd.DataFrame.from_records(records).fillna(""), path, lines), None)


def _read_json_lines(path: Path, text: str) -> BatchInput:
    results = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            results.append(ScreeningResult.model_validate(_json_line(path, number, line)))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "line"
            raise ReportError(f"{path}:{number}", f"not a screening result (screen --format json): {where}: "
                                                  f"{error['msg']}") from exc
    rows = pd.DataFrame({
        "project_id": [r.project_id for r in results],
        "project_name": [r.project_name for r in results],
        "verdict": [r.verdict for r in results],
        "codes": [_unique(r.codes()) for r in results],
        "park": [r.location.park for r in results],
        "lon": [float(r.location.point_wgs84[0]) for r in results],
        "lat": [float(r.location.point_wgs84[1]) for r in results],
        "main_code": [""] * len(results),
        "main_reason": [None] * len(results),  # worded in the report's language when it is written
    })
    return BatchInput(str(path), rows, tuple(results))


_GEO_SUFFIXES = (".parquet", ".geoparquet", ".gpkg", ".geojson")


def _read_geo(path: Path) -> BatchInput:
    """``regional-eia batch`` output written as GeoParquet, GeoPackage or GeoJSON (the same columns)."""
    import geopandas as gpd

    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            frame = pd.read_parquet(path)
        else:
            frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio, pyarrow and geopandas each raise their own kinds
        raise ReportError(path, f"not readable as {path.suffix} batch output: {exc}") from exc
    frame = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    return BatchInput(str(path), _rows(frame, path, list(range(1, len(frame) + 1))), None)


def _read_csv(path: Path) -> BatchInput:
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportError(path, f"not a readable CSV: {exc}") from exc
    frame = frame.apply(lambda column: column.map(undefuse_csv))  # the batch writer's formula guard
    return BatchInput(str(path), _rows(frame, path, list(range(2, len(frame) + 2))), None)


def _rows(frame: pd.DataFrame, path: Path, lines: list[int]) -> pd.DataFrame:
    """Validate batch rows (CSV or flat JSON lines); ``lines`` numbers them in the file for errors."""
    missing = [c for c in CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise ReportError(path, f"missing column(s) {', '.join(missing)}; batch rows need {', '.join(CSV_COLUMNS)}")
    frame = frame.astype(str).apply(lambda column: column.str.strip())
    for position, verdict in enumerate(frame["verdict"]):
        if verdict not in VERDICTS:
            raise ReportError(f"{path}:{lines[position]}", f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    coordinates = {}
    for column in ("lon", "lat"):
        values = pd.to_numeric(frame[column].replace({"": np.nan, "nan": np.nan}), errors="coerce")
        bad = values.isna() & ~frame[column].isin(["", "nan"])
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise ReportError(f"{path}:{lines[position]}", f"{column} {frame[column].iloc[position]!r} is not a number")
        coordinates[column] = values.to_numpy(float)
    reasons = frame["main_reason"].where(frame["main_reason"] != "", frame.get("error", ""))
    return pd.DataFrame({
        "project_id": frame["project_id"],
        "project_name": frame["project_name"] if "project_name" in frame else "",
        "verdict": frame["verdict"],
        "codes": [_unique(c.strip() for c in codes.split(";") if c.strip()) for codes in frame["codes"]],
        "park": [p if p not in ("", "nan") else None for p in frame["park"]],
        "lon": coordinates["lon"],
        "lat": coordinates["lat"],
        "main_code": frame["main_code"] if "main_code" in frame else "",
        "main_reason": reasons,
    })


def _unique(codes) -> list[str]:
    return list(dict.fromkeys(codes))


# --- tables ----------------------------------------------------------------------------------------


def verdict_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Projects per verdict (all four verdicts, in severity order), with their share."""
    order = ["fail", "incomplete", "conditional", "pass"] + (["error"] if rows["verdict"].eq("error").any() else [])
    counts = rows["verdict"].value_counts().reindex(order, fill_value=0)
    return pd.DataFrame({"verdict": counts.index, "count": counts.to_numpy(),
                         "share": counts.to_numpy() / max(len(rows), 1)})


def code_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Projects (rows) per finding code, a project counting once per code; most frequent first."""
    counts = rows["codes"].explode().dropna().value_counts(sort=False).sort_values(ascending=False, kind="stable")
    return pd.DataFrame({"code": counts.index, "count": counts.to_numpy(),
                         "share": counts.to_numpy() / max(len(rows), 1)})


def park_utilisation(batch: BatchInput, catalog: Catalog) -> pd.DataFrame:
    """Each cap of each park in the batch: before, the demand of the admissible projects, and after.

    "After" assumes that every project whose verdict is pass or conditional is approved. With CSV input
    the demands are unknown: the after columns are NaN.
    """
    records = []
    if batch.results is not None:
        positions: dict[tuple, dict] = {}
        for result in batch.results:
            for check in result.capacity:
                key = (check.park, check.metric, check.basis, check.unit)
                entry = positions.setdefault(key, {
                    "park": check.park, "metric": check.metric, "basis": check.basis, "unit": check.unit,
                    "cap": check.cap, "committed": check.committed, "reserved": check.reserved,
                    "admitted": 0, "admitted_demand": 0.0, "source": check.position_source,
                })
                if result.verdict in ADMITTED and check.demand is not None:
                    entry["admitted"] += 1
                    entry["admitted_demand"] += check.demand
        records = list(positions.values())
    else:
        for park_id in dict.fromkeys(p for p in batch.rows["park"] if p in catalog.parks):
            for cap in catalog.park(park_id).caps:
                records.append({"park": park_id, "metric": cap.metric, "basis": cap.basis, "unit": cap.unit,
                                "cap": cap.value, "committed": cap.committed, "reserved": cap.reserved,
                                "admitted": int((batch.rows["park"].eq(park_id)
                                                 & batch.rows["verdict"].isin(ADMITTED)).sum()),
                                "admitted_demand": np.nan, "source": "catalogue"})
    columns = ["park", "metric", "basis", "unit", "cap", "committed", "reserved", "admitted", "admitted_demand",
               "source"]
    table = pd.DataFrame.from_records(records, columns=columns)
    before = table["committed"] + table["reserved"]
    table["utilisation_before"] = before / table["cap"]
    table["after"] = before + table["admitted_demand"]
    table["utilisation_after"] = table["after"] / table["cap"]
    table["remaining_after"] = table["cap"] - table["after"]
    table["over"] = table["after"] > table["cap"]
    return table


def main_reasons(batch: BatchInput, words: Wording) -> list[str]:
    """Each project's main reason: the worst finding worded (results), or the row's own text after the
    title of its ``main_code`` in the report's language (rows)."""
    if batch.results is not None:
        return [words.main_reason(result) for result in batch.results]
    return [words.msg("finding.fallback", title=words.code_title(code), message=reason) if code and reason
            else reason for code, reason in zip(batch.rows["main_code"], batch.rows["main_reason"])]


def batch_json_line(result: ScreeningResult) -> str:
    """One line of the JSON-lines batch input for ``result`` (what ``screen --format json`` prints, compacted)."""
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
