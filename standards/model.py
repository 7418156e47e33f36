"""The format of a standards data file, as pydantic models.

One YAML file holds one standard (or one amendment of a standard). ``FORMAT.md`` beside the data
describes it for people who add a local standard; these models are the authority.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .units import parse_unit

__all__ = [
    "MEDIUM_DIMENSIONS",
    "Medium",
    "Pollutant",
    "PollutantFile",
    "TextValue",
    "RangeValue",
    "AltValue",
    "HeightValue",
    "LimitValue",
    "Column",
    "Conditions",
    "LimitRow",
    "Table",
    "StandardFile",
    "Amendment",
]

GB4754Code = Annotated[str, Field(pattern=r"^[A-T](\d{1,4})?$")]
"""A GB/T 4754-2017 code or prefix: a section letter and up to four digits (C, C17, C171, C1713)."""


Medium = Literal["water", "air", "water_quality"]

MEDIUM_DIMENSIONS: dict[str, frozenset[str]] = {
    "air": frozenset({"gas_concentration", "gas_toxic_equivalent", "rate", "ringelmann",
                      "fraction",  # GB 31571 表4/表5 NMHC removal efficiency (去除效率≥95%)
                      "gas_per_area"}),  # GB 21900 表6 baseline exhaust volume per plated area (m3/m2)
    "water": frozenset({"water_concentration", "dimensionless", "dilution_factor", "count_per_volume",
                        "radioactivity", "temperature", "water_per_product", "water_per_area"}),
}
"""The unit dimensions (``standards/units.py``) a figure of each medium may carry; GB 3838's
``water_quality`` tables take the water dimensions."""

_DISK_PATH = re.compile(r"(?:/work/|/home/|/tmp/|/mnt/|file://|\b[A-Za-z]:\\)")


def dimensions_of(medium: str) -> frozenset[str]:
    """The unit dimensions a figure of ``medium`` may carry (``water_quality`` is water)."""
    return MEDIUM_DIMENSIONS["air" if medium == "air" else "water"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _no_disk_path(text: str | None, field: str) -> str | None:
    if text and _DISK_PATH.search(text):
        raise ValueError(f"{field} names a path on a disk ({_DISK_PATH.search(text).group(0)}...): cite the "
                         "publication (issuer, number, date, url), never where a copy was read")
    return text


class Pollutant(_Frozen):
    """A pollutant (or parameter) with one stable id shared by every standard."""

    id: str = Field(pattern=r"^[A-Za-z0-9_+\-().]+$")
    zh: str
    en: str
    cas: str | None = None
    abbreviation: str | None = None
    first_class: bool = Field(
        False, description="第一类污染物 under GB 8978-1996: sampled at the workshop outlet"
    )
    media: tuple[Literal["water", "air"], ...] = ("water",)


class PollutantFile(_Frozen):
    pollutants: tuple[Pollutant, ...]


class TextValue(_Frozen):
    """A figure the standard prints as text: 不得检出 (not detectable) or a dash (no figure)."""

    text: str
    not_detectable: bool = False
    detection_limit: float | None = None

    @model_validator(mode="after")
    def _flag_not_detectable(self) -> TextValue:
        if "不得检出" in self.text and not self.not_detectable:
            return self.model_copy(update={"not_detectable": True})
        return self


class RangeValue(_Frozen):
    """A closed range such as pH 6-9."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> RangeValue:
        if self.min > self.max:
            raise ValueError(f"range min {self.min} exceeds max {self.max}")
        return self


class AltValue(_Frozen):
    """A figure with an alternative under a printed condition, e.g. NH3-N 5(8): 8 when water <= 12 degC."""

    value: float
    alt: float
    alt_when_zh: str
    alt_when_en: str
    alt_if: Literal["wwtp_dedicated", "cold_water"] | None = Field(
        None,
        description="the machine-readable form of alt_when, where selection can decide it: wwtp_dedicated "
        "(a park WWTP that collects and pre-treats this industry's wastewater apart); cold_water (<= 12 degC)",
    )


class HeightValue(_Frozen):
    """A figure that depends on the stack height (GB 16297-1996 emission rates, kg/h)."""

    by_stack_height_m: dict[float, float]

    @field_validator("by_stack_height_m")
    @classmethod
    def _at_least_one(cls, value: dict[float, float]) -> dict[float, float]:
        if not value:
            raise ValueError("by_stack_height_m needs at least one height")
        return dict(sorted(value.items()))


LimitValue = Union[float, RangeValue, TextValue, AltValue, HeightValue]


class Column(_Frozen):
    """A column of a table: a route, grade, class or limit set, said by its tags."""

    id: str
    label_zh: str
    label_en: str
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="route: direct|indirect; grade: 1|2|3; class: 1A|1B|2|3|I..V; limit_set: "
        "general|special; quantity: concentration|rate|fugitive",
    )


class Conditions(_Frozen):
    """When a row applies. Empty conditions: always (within its table)."""

    industries: tuple[GB4754Code, ...] = ()
    industries_zh: str | None = Field(None, description="the industries as the standard prints them")
    other: bool = Field(False, description="the 'other units' (其他排污单位) row of a split pollutant")
    built_before: dt.date | None = None
    built_from: dt.date | None = None
    condition_zh: str | None = None
    condition_en: str | None = None
    wwtp: Literal["town", "park"] | None = Field(
        None, description="indirect discharge: the row applies only when the receiving WWTP is of this kind"
    )


class LimitRow(_Frozen):
    item: str = Field(description="序号 as printed")
    pollutant: str
    pollutant_zh: str = Field(description="the name as the standard prints it")
    unit: str
    values: dict[str, LimitValue]
    monitoring_point: (
        Literal[
            "workshop_outlet",
            "total_outlet",
            "wwtp_outlet",
            "stack",
            "plant_boundary",
            "fugitive_reference",
            "surface_water",
        ]
        | None
    ) = None
    conditions: Conditions = Conditions()
    note_zh: str | None = None
    note_en: str | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        return parse_unit(unit).symbol

    @model_validator(mode="after")
    def _not_negative(self) -> LimitRow:
        if self.unit == "degC":  # a temperature may be below zero; no other figure may
            return self
        for column, value in self.values.items():
            figures = {
                float: lambda v: [v], int: lambda v: [v],
                RangeValue: lambda v: [v.min, v.max], AltValue: lambda v: [v.value, v.alt],
                HeightValue: lambda v: list(v.by_stack_height_m.values()),
                TextValue: lambda v: [v.detection_limit or 0],
            }[type(value)](value)
            if any(f < 0 for f in figures):
                raise ValueError(f"row {self.item} ({self.pollutant}) {column}: a limit cannot be negative")
        return self

    @field_validator("values", mode="before")
    @classmethod
    def _coerce(cls, values: object) -> object:
        # YAML lists become ranges: pH [6, 9]
        if isinstance(values, dict):
            return {
                k: ({"min": v[0], "max": v[1]} if isinstance(v, list) and len(v) == 2 else v)
                for k, v in values.items()
            }
        return values


class Table(_Frozen):
    id: str = Field(description="as printed, e.g. 表2")
    title_zh: str
    title_en: str
    medium: Medium | None = Field(
        None, description="water | air | water_quality; a table without one takes its file's ``medium``")
    applies_to: Literal["new", "existing", "all"] = "all"
    applies_from: dt.date
    applies_until: dt.date | None = None
    existing_from: dt.date | None = Field(
        None, description="from this date the table applies to existing enterprises too"
    )
    columns: tuple[Column, ...]
    limits: tuple[LimitRow, ...]
    notes_zh: str | None = None
    notes_en: str | None = None

    @model_validator(mode="after")
    def _values_name_columns(self) -> Table:
        known = {c.id for c in self.columns}
        for row in self.limits:
            unknown = set(row.values) - known
            if unknown:
                raise ValueError(
                    f"row {row.item} ({row.pollutant}) names columns {sorted(unknown)}; "
                    f"the table's columns are {sorted(known)}"
                )
        if self.medium is not None:
            check_units(self.medium, self.limits, self.id)
        return self


def check_units(medium: str, rows: tuple[LimitRow, ...], where: str) -> None:
    """Refuse a row whose unit is not of a dimension ``medium`` can carry (mg/m3 in a water table)."""
    allowed = dimensions_of(medium)
    for row in rows:
        dimension = parse_unit(row.unit).dimension
        if dimension not in allowed:
            raise ValueError(
                f"{where} item {row.item} {row.pollutant}: unit {row.unit} ({dimension}) is not a {medium} unit; "
                f"a {medium} table takes {', '.join(sorted(allowed))}"
            )


class StandardFile(_Frozen):
    """One standard as published: its metadata and the tables transcribed from its text."""

    id: str = Field(pattern=r"^[A-Z]+[0-9./A-Z]*-[0-9]{4}$", description="e.g. GB4287-2012")
    number: str = Field(description="as printed, e.g. GB 4287-2012")
    title_zh: str
    title_en: str
    medium: Medium | None = Field(
        None, description="the medium of every table that names none (a one-medium file, e.g. a local standard)")
    kind: Literal["integrated", "industry", "wwtp", "quality", "local", "intake"]
    issuer: str | None = Field(None, description="发布单位 as printed on the cover, e.g. 环境保护部 国家质量监督检验检疫总局")
    issued: dt.date | None = None
    effective: dt.date
    url: str | None = Field(None, description="the issuer's official page of the standard, where known")
    industries: tuple[GB4754Code, ...] = Field(
        (), description="GB/T 4754-2017 codes or prefixes the standard covers (industry standards)"
    )
    processes: tuple[str, ...] = Field(
        (), description="process flags (EIA-list flags) that bring a project under the standard whatever its "
        "industry code: the standard applies by activity (GB 4287 3.1: dyeing, printing, finishing)")
    industries_by_process: tuple[GB4754Code, ...] = Field(
        (), description="codes of the standard's sector that it covers only with one of ``processes`` (C1711 "
        "spinning is textiles, but GB 4287 only where it dyes, prints or finishes)")
    scope_note: str | None = Field(None, description="the scope clause these fields rest on")
    enterprise_clause: str | None = Field(
        None, description="the clause that dates new and existing enterprises (by EIA approval), e.g. 3.3/3.4")
    indirect_clause: str | None = Field(
        None, description="the clause saying what 间接排放 discharges into (a public system of secondary level)")
    regulates_fugitive_vocs: bool = Field(
        False, description="the standard sets its own fugitive-VOC controls, so GB 37822-2019 does not apply to the "
        "industries it covers (GB 37822-2019 第1章)")
    indirect_min_treatment: Literal["secondary", "any"] = Field(
        "secondary", description="what the receiving plant must be for the indirect column to apply: secondary "
        "treatment or better (GB 4287 3.9, GB 31571 3.7), or any WWTP (GB 21900 第1章: 设置污水处理厂的城镇排水系统)")
    area: str | None = Field(None, description="local standards: the area (e.g. 安徽省 / Anhui)")
    source: str = Field(description="the text the figures were read from, and how")
    transcription: str | None = Field(None, description="who read it and how it was checked")
    gaps: tuple[str, ...] = Field((), description="figures of the named tables not transcribed, and why")
    clauses: dict[str, str] = Field(
        default_factory=dict, description="clauses the selection rules cite, verbatim, by number (double-entered "
        "where read from a scan)")
    tables: tuple[Table, ...]

    @field_validator("source", "transcription")
    @classmethod
    def _cite_publication(cls, text: str | None, info) -> str | None:
        return _no_disk_path(text, info.field_name)

    @model_validator(mode="before")
    @classmethod
    def _tables_take_the_file_medium(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("medium") and isinstance(data.get("tables"), (list, tuple)):
            data = {**data, "tables": [
                {**t, "medium": t.get("medium") or data["medium"]} if isinstance(t, dict) else t
                for t in data["tables"]]}
        return data

    @model_validator(mode="after")
    def _every_table_has_a_medium(self) -> StandardFile:
        for table in self.tables:
            if table.medium is None:
                raise ValueError(f"table {table.id} names no medium and the file gives none: "
                                 "set medium (water | air | water_quality) on the table or the file")
        return self

    @property
    def media(self) -> frozenset[str]:
        """The media of its tables (GB 21900 and GB 31571 hold water and air tables)."""
        return frozenset(t.medium for t in self.tables)


class ColumnChange(_Frozen):
    table: str
    pollutant: str
    column: str
    value: LimitValue
    item: str | None = None


class Amendment(_Frozen):
    """A dated amendment (修改单): new figures that apply from its date, the original ones before."""

    id: str
    amends: str
    title_zh: str
    title_en: str
    issuer: str | None = None
    announcement: str | None = Field(None, description="the announcement (公告) that published it, as printed")
    effective: dt.date
    url: str | None = None
    source: str

    @field_validator("source")
    @classmethod
    def _cite_publication(cls, text: str) -> str:
        return _no_disk_path(text, "source")
    changes: tuple[ColumnChange, ...] = ()
    added_rows: dict[str, tuple[LimitRow, ...]] = Field(default_factory=dict)
