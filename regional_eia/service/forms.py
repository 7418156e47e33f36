"""What the public forms send, as the library's models: a pre-screening form or upload becomes a
:class:`~regional_eia.project.Project`, a question form a :class:`QuestionIn`.

The form's fields are the project file's, flattened (``flow`` is ``wastewater.flow``); errors come back
as the same :class:`~regional_eia.errors.ProjectError` a project file gives, naming the field.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ProjectError
from ..project import Project, project_from_data
from .models import TOPICS

__all__ = ["CRS_CHOICES", "EFFLUENT_ROWS", "WORKSHOP_ROWS", "AIR_ROWS", "UPLOAD_KINDS", "QuestionIn",
           "project_from_form", "project_from_upload", "form_field"]

#: The coordinate systems as companies know them (label, the project file's ``crs``).
CRS_CHOICES: dict[str, tuple[str, str]] = {
    "wgs84": ("WGS84（GPS、地图点选）", "EPSG:4326"),
    "cgcs2000": ("CGCS2000（国家2000大地坐标系）", "EPSG:4490"),
    "gcj02": ("高德 / 腾讯地图（GCJ-02）", "gcj02"),
    "bd09": ("百度地图（BD-09）", "bd09"),
}
EFFLUENT_ROWS, WORKSHOP_ROWS, AIR_ROWS = 8, 3, 5
UPLOAD_KINDS = {".yaml": "project", ".yml": "project", ".json": "project", ".xlsx": "sheet", ".csv": "sheet"}
_ZIP_MAGIC = b"PK\x03\x04"

#: Where an error on a project field is shown on the form.
_FIELD_OF = {"id": "project_code", "name": "project_name", "industry": "industry", "processes": "processes",
             "location": "lon", "location.lon": "lon", "location.lat": "lat", "location.crs": "crs",
             "wastewater": "route", "wastewater.route": "route", "wastewater.flow": "flow",
             "wastewater.operating_days": "operating_days", "wastewater.pH": "ph",
             "wastewater.receiving_water_class": "receiving_water_class"}


def form_field(field: str | None) -> str | None:
    """The form field an error on project field ``field`` belongs to (``wastewater.flow`` -> ``flow``)."""
    if field is None:
        return None
    if field in _FIELD_OF:
        return _FIELD_OF[field]
    head = field.split(".")
    if head[:2] in (["wastewater", "effluent"], ["wastewater", "workshop_effluent"]):
        return "effluent" if head[1] == "effluent" else "workshop"
    if head[:2] == ["air", "emissions"]:
        return "air"
    return _FIELD_OF.get(".".join(head[:2]), None)


class QuestionIn(BaseModel):
    """A company's question (问题提要): the same model for the page's form and ``POST /api/questions``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    topic: Literal[tuple(TOPICS)] = Field(description="one of " + ", ".join(f"{k} ({v})" for k, v in TOPICS.items()))
    question: str = Field(min_length=5, max_length=4000)
    company: str = Field(min_length=2, max_length=200, description="the company's registered name")
    credit_code: str | None = Field(None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$",
                                    description="统一社会信用代码 (18 characters), optional")
    contact_name: str = Field(min_length=1, max_length=100)
    contact_phone: str | None = Field(None, pattern=r"^[0-9+\- ()]{5,40}$")
    contact_email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    screening: str | None = Field(None, max_length=100, description="token of the screening the question is about")

    @field_validator("credit_code", "contact_phone", "contact_email", "screening", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: Mapping[str, Any], name: str, field: str) -> float | None:
    text = _text(form, name).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ProjectError("form", field, f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise ProjectError("form", field, f"{text!r} is not a finite number")
    return number


def project_from_form(form: Mapping[str, Any], processes: list[str], project_id: str) -> Project:
    """The project the pre-screening form describes; ``project_id`` is used when no 项目编号 is given.

    Raises
    ------
    ProjectError
        Naming the project field (``wastewater.flow``) and what was expected.
    """
    crs_key = _text(form, "crs") or "wgs84"
    if crs_key not in CRS_CHOICES:
        raise ProjectError("form", "location.crs", f"unknown coordinate system {crs_key!r}; choose one of "
                                                   f"{', '.join(CRS_CHOICES)}")
    lon, lat = _number(form, "lon", "location.lon"), _number(form, "lat", "location.lat")
    if lon is None or lat is None:
        raise ProjectError("form", "location", "click the site on the map, or type its longitude and latitude")
    data: dict[str, Any] = {
        "id": _text(form, "project_code") or project_id,
        "name": _text(form, "project_name"),
        "industry": _text(form, "industry").split(" ")[0],
        "processes": processes,
        "location": {"crs": CRS_CHOICES[crs_key][1], "lon": lon, "lat": lat},
    }
    if not data["name"]:
        raise ProjectError("form", "name", "give the project's name")
    if not data["industry"]:
        raise ProjectError("form", "industry", "choose the industry (GB/T 4754-2017 code, e.g. C1713)")
    route = _text(form, "route")
    if route:
        flow = _number(form, "flow", "wastewater.flow")
        if flow is None:
            raise ProjectError("form", "wastewater.flow", "give the wastewater flow in m3/d")
        wastewater: dict[str, Any] = {"route": route, "flow": {"value": flow, "unit": "m3/d"}}
        days = _number(form, "operating_days", "wastewater.operating_days")
        if days is not None:
            wastewater["operating_days"] = days
        if _text(form, "ph"):
            wastewater["pH"] = _text(form, "ph")
        if _text(form, "receiving_water_class"):
            wastewater["receiving_water_class"] = _text(form, "receiving_water_class")
        wastewater["new_outfall"] = route == "direct" and form.get("new_outfall") in ("on", "true", "1")
        for key, prefix, rows in (("effluent", "eff", EFFLUENT_ROWS), ("workshop_effluent", "ws", WORKSHOP_ROWS)):
            values = _rows(form, prefix, rows, f"wastewater.{key}")
            if values:
                wastewater[key] = values
        data["wastewater"] = wastewater
    elif any(_text(form, f"eff_value_{i}") for i in range(EFFLUENT_ROWS)) or _text(form, "flow"):
        raise ProjectError("form", "wastewater.route", "say where the wastewater goes (to the park WWTP or to "
                                                       "surface water)")
    emissions = _rows(form, "air", AIR_ROWS, "air.emissions", unit="t/a")
    if emissions:
        data["air"] = {"emissions": emissions}
    return project_from_data(data, "form")


def _rows(form: Mapping[str, Any], prefix: str, count: int, field: str, unit: str | None = None) -> dict:
    values: dict[str, Any] = {}
    for i in range(count):
        pollutant = _text(form, f"{prefix}_pollutant_{i}").split(" ")[0]
        number = _number(form, f"{prefix}_value_{i}", f"{field}.{pollutant or i}")
        if not pollutant and number is None:
            continue
        if not pollutant or number is None:
            raise ProjectError("form", f"{field}.{pollutant or i}", "give both the pollutant and its figure")
        if pollutant in values:
            raise ProjectError("form", f"{field}.{pollutant}", "this pollutant is given twice")
        values[pollutant] = {"value": number, "unit": unit or _text(form, f"{prefix}_unit_{i}") or "mg/L"}
    return values


def project_from_upload(filename: str, content: bytes, project_id: str) -> Project:
    """A project from an uploaded project file (YAML/JSON) or a one-project sheet (.xlsx/.csv, the batch
    schema's columns); the file must be what its name says.

    Raises
    ------
    ProjectError
        Naming the upload, and the field or the reason (not UTF-8, not a workbook, more than one row).
    """
    suffix = Path(filename).suffix.lower()
    source = f"upload {Path(filename).name}"
    kind = UPLOAD_KINDS.get(suffix)
    if kind is None:
        raise ProjectError(source, None, f"upload a project file (.yaml, .yml, .json) or a one-project sheet "
                                         f"(.xlsx, .csv), not {suffix or 'a file without extension'}")
    if not content:
        raise ProjectError(source, None, "the file is empty")
    if suffix == ".xlsx":
        if not content.startswith(_ZIP_MAGIC):
            raise ProjectError(source, None, "this is not an Excel workbook (.xlsx files are ZIP archives)")
        return _project_from_sheet(source, suffix, content, project_id)
    if content.startswith(_ZIP_MAGIC) or b"\x00" in content[:4096]:
        raise ProjectError(source, None, f"this is a binary file, not the text a {suffix} file holds")
    if suffix == ".csv":
        return _project_from_sheet(source, suffix, content, project_id)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(source, None, "project files must be UTF-8 text") from exc
    from standards.safeload import DataFileError, parse_json, parse_yaml

    try:  # the one strict reader: duplicate keys, alias bombs, depth, yes-as-true, as for a project file
        data = parse_json(text, source) if suffix == ".json" else parse_yaml(text, source)
    except DataFileError as exc:
        raise ProjectError(source, None, exc.detail) from exc
    if isinstance(data, dict) and not data.get("id"):
        data = {**data, "id": project_id}
    return _placed(project_from_data(data, source), source)


def _project_from_sheet(source: str, suffix: str, content: bytes, project_id: str) -> Project:
    """One row of the batch schema (README "Batch screening") read with the batch reader."""
    from ..batch.readers import open_input
    from ..batch.schema import row_to_project_data

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            opened = open_input(path, chunk_size=10)
            rows = [row for chunk in opened.chunks for row in chunk.table.to_pylist()]
        except ProjectError as exc:
            raise ProjectError(source, exc.field, exc.why) from exc
        except Exception as exc:  # noqa: BLE001 - a reader's own error on a malformed file
            raise ProjectError(source, None, f"cannot read the sheet: {exc.__class__.__name__}: "
                                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
        if len(rows) != 1:
            raise ProjectError(source, None, f"a one-project sheet has one row under its header; this one has "
                                             f"{len(rows)} (screen many projects with `regional-eia batch`)")
        data = row_to_project_data(rows[0], opened.columns, f"{source} row 2")
    if not data.get("id"):
        data["id"] = project_id
    return _placed(project_from_data(data, f"{source} row 2"), f"{source} row 2")


def _placed(project: Project, source: str) -> Project:
    """The site placed now, as :func:`regional_eia.load_project` does: a location error names the upload."""
    from ..locate import locate

    locate(project.location, source)
    return project
