"""The format of ``catalog.yaml``, as pydantic models (``regional-eia schema catalog`` exports it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from standards.numbers import FiniteFloat
from standards.select import StandardsPolicy
from standards.units import parse_unit

__all__ = [
    "ZoneKind",
    "IndustryRule",
    "AccessList",
    "GeometryRef",
    "Cap",
    "WWTP",
    "ReceivingWater",
    "Offset",
    "RegionalAssessment",
    "ParkSpec",
    "ControlUnitSpec",
    "ProtectedSpec",
    "Setback",
    "ReceptorSpec",
    "ZoneSpec",
    "ZoneLayer",
    "CatalogSpec",
]

ZoneKind = Literal["park", "control_unit", "red_line", "water_source", "receptor"]
IndustryCode = Annotated[str, Field(pattern=r"^[A-T](\d{1,4})?$", description="GB/T 4754-2017 code or prefix")]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class IndustryRule(_Spec):
    """An access-list entry (环境准入清单): industries by GB/T 4754-2017 code or prefix, and why."""

    codes: tuple[IndustryCode, ...] = Field(min_length=1)
    reason: str
    conditions: str | None = Field(None, description="restricted entries: what the project must do")
    processes: tuple[str, ...] = Field(
        (), description="only when the project has one of these process flags (e.g. electroplating)"
    )


class AccessList(_Spec):
    """The four-part access list, reduced to what can be screened: industries and process flags."""

    prohibited: tuple[IndustryRule, ...] = ()
    restricted: tuple[IndustryRule, ...] = ()
    encouraged: tuple[IndustryRule, ...] = ()
    spatial_layout: tuple[str, ...] = Field((), description="空间布局约束, as text")
    emission_control: tuple[str, ...] = Field((), description="污染物排放管控, as text")
    risk_prevention: tuple[str, ...] = Field((), description="环境风险防控, as text")
    resource_efficiency: tuple[str, ...] = Field((), description="资源开发效率要求, as text")


class GeometryRef(_Spec):
    """Where a zone's geometry is: a feature of a file, or inline WKT / GeoJSON with its CRS."""

    file: str | None = None
    layer: str | None = None
    id_field: str | None = None
    id: str | None = Field(None, description="the feature's id in id_field; defaults to the zone id")
    encoding: str | None = Field(None, description="attribute encoding, e.g. GBK for Chinese shapefiles")
    wkt: str | None = None
    geojson: dict[str, Any] | None = None
    crs: str | int | None = Field(None, description="required for inline geometry and CRS-less files")

    @model_validator(mode="after")
    def _one_source(self) -> GeometryRef:
        sources = [s for s in (self.file, self.wkt, self.geojson) if s is not None]
        if len(sources) != 1:
            raise ValueError("give exactly one of file, wkt or geojson")
        if self.file is not None and self.id_field is None:
            raise ValueError("a geometry from a file needs id_field (the attribute that holds the zone id)")
        if (self.wkt is not None or self.geojson is not None) and self.crs is None:
            raise ValueError("inline geometry needs crs (e.g. 4549 or EPSG:4490)")
        return self


class Cap(_Spec):
    """A carrying-capacity cap fixed by the planning EIA, with its baseline commitments."""

    metric: str = Field(description="'wastewater' or a pollutant id (COD, NH3-N, TN, TP, SO2, NOx, PM, VOCs)")
    value: FiniteFloat = Field(gt=0)
    unit: str
    basis: Literal["final_discharge", "sewer_intake", "emission"] = Field(
        description="final_discharge: loads leaving the WWTP; sewer_intake: loads entering it; "
        "emission: air emissions"
    )
    committed: FiniteFloat = Field(0, ge=0, description="approved projects, in the cap's unit")
    reserved: FiniteFloat = Field(0, ge=0, description="projects under review, in the cap's unit")
    source: str | None = Field(None, description="where the figure comes from (planning EIA, approval)")
    overcommitted: bool = Field(
        False, description="the park is already over this cap (committed + reserved > value): say so to load it"
    )

    @field_validator("unit")
    @classmethod
    def _unit(cls, unit: str) -> str:
        return parse_unit(unit).symbol

    @field_validator("metric", mode="before")
    @classmethod
    def _metric_alias(cls, metric: Any) -> Any:
        from .aliases import metric_id

        return (metric_id(metric) or metric) if isinstance(metric, str) else metric

    @model_validator(mode="after")
    def _unit_fits_metric(self) -> Cap:
        dimension = parse_unit(self.unit).dimension
        expected = "flow" if self.metric == "wastewater" else "load"
        if dimension != expected:
            raise ValueError(
                f"cap {self.metric} is in {self.unit}; expected a {expected} unit "
                f"({'m3/d' if expected == 'flow' else 't/a'})"
            )
        if self.metric == "wastewater" and self.basis == "emission":
            raise ValueError("a wastewater cap has basis final_discharge or sewer_intake")
        if self.committed + self.reserved > self.value * (1 + 1e-9) and not self.overcommitted:
            raise ValueError(
                f"committed {self.committed:g} + reserved {self.reserved:g} = {self.committed + self.reserved:g} "
                f"{self.unit} is above the cap of {self.value:g} {self.unit}: check the figures (a column mixed "
                "up?), or, if the park really is over this cap, say so with overcommitted: true"
            )
        return self


class WWTP(_Spec):
    """The park's centralised wastewater treatment plant."""

    name: str
    kind: Literal["park", "town"] = Field(
        "park", description="park: a park's own WWTP (园区污水处理厂); town: a town WWTP (城镇污水处理厂)"
    )
    dedicated_industries: tuple[IndustryCode, ...] = Field(
        (), description="industries whose wastewater it collects and pre-treats apart (e.g. C17 dyeing)"
    )
    capacity: FiniteFloat = Field(gt=0, description="design capacity, m3/d")
    effluent_standard: str = Field("GB18918-2002", description="standard id of its effluent limits")
    effluent_class: str = Field(description="e.g. 1A, 1B (GB 18918-2002); 一级A, 一级B, 二级 are read as 1A, 1B, 2")
    built: dt.date | None = Field(None, description="construction date (GB 18918 TP rows depend on it)")
    effluent_concentrations: dict[str, str] = Field(
        default_factory=dict,
        description="stricter figures from the WWTP's permit, e.g. {COD: '40 mg/L'}; override the class",
    )
    intake_standard: str | None = Field(None, description="id of the park's intake (纳管) standard, if any")

    @field_validator("effluent_class", mode="before")
    @classmethod
    def _effluent_class(cls, value: Any) -> Any:
        from .aliases import effluent_class

        if value is None:
            return value
        found = effluent_class(value)
        if found is None:
            raise ValueError(f"effluent class {value!r}: expected a GB 18918-2002 class: 1A, 1B, 2 or 3 "
                             "(一级A, 一级B, 二级, 三级)")
        return found


class ReceivingWater(_Spec):
    name: str
    kind: Literal["river", "lake", "reservoir", "sea"] | None = Field(
        None, description="river, lake, reservoir (GB 3838-2002 classes I-V) or sea (GB 3097-1997 classes I-IV); "
        "lakes and reservoirs are 封闭或半封闭水域 for GB 18918-2002 4.1.2.2")
    target_class: Literal["I", "II", "III", "IV", "V"] = Field(
        description="GB 3838-2002 target class, or the GB 3097-1997 class (I-IV) of a sea")
    attained: bool
    not_attained_since: int | None = None
    protection_zone: bool = Field(False, description="a designated protection zone (class III rules)")
    key_basin: bool = Field(False, description="in a key basin the state or province designates (重点流域)")
    wwtp_class_required: str | None = Field(
        None, description="the GB 18918-2002 class a WWTP discharging here must meet, where the catalogue states it "
        "(e.g. 1A for a key basin or enclosed lake under the 2006 amendment, whose text the tool does not hold)")
    wwtp_class_required_source: str | None = Field(None, description="where wwtp_class_required comes from")

    @model_validator(mode="after")
    def _sea_classes(self) -> ReceivingWater:
        if self.kind == "sea" and self.target_class == "V":
            raise ValueError("GB 3097-1997 has sea classes I-IV; a sea has no class V")
        if self.wwtp_class_required and not self.wwtp_class_required_source:
            raise ValueError("wwtp_class_required needs wwtp_class_required_source (the document that requires it)")
        return self


class Offset(_Spec):
    """倍量削减替代: an increment of this pollutant must be offset elsewhere at ``ratio``:1."""

    pollutant: str
    ratio: FiniteFloat = Field(ge=1)
    reason: str


class RegionalAssessment(_Spec):
    """The park's regional assessment (区域评估) and the simplifications it grants."""

    approved: dt.date
    valid_years: int = Field(gt=0)
    approval_freeze: bool = Field(False, description="区域限批: a regional approval freeze is in force")
    excluded_industries: tuple[IndustryCode, ...] = Field(
        (), description="industries the province excludes from the simplification (e.g. C26 chemicals)"
    )
    simplifications: tuple[str, ...] = ()
    category_downgrade: bool = Field(True, description="报告书 to 报告表, 报告表 to 登记表")


class ParkSpec(_Spec):
    level: str | None = Field(None, description="national / provincial")
    wwtp: WWTP | None = None
    receiving_water: ReceivingWater | None = None
    air_attained: bool = True
    air_grade: Literal["1", "2", "3"] = Field(
        "2", description="GB 16297-1996 grade of the area = its GB 3095 ambient-air class (二级 for 二类区); class 1 "
        "areas admit no new or expanded source (GB 16297-1996 5)")
    caps: tuple[Cap, ...] = ()
    offsets: tuple[Offset, ...] = ()
    access: AccessList = AccessList()
    special_limits: bool = Field(False, description="特别排放限值 apply in this park")
    local_standards: tuple[str, ...] = Field((), description="ids of local standards whose area covers the park")
    regional_assessment: RegionalAssessment | None = None
    utilisation_warning: float | None = Field(None, gt=0, le=1)
    planning_eia: str | None = Field(None, description="the planning EIA and its approval, as text")

    @model_validator(mode="after")
    def _one_cap_per_metric_and_basis(self) -> ParkSpec:
        seen: set[tuple[str, str]] = set()
        for number, cap in enumerate(self.caps):
            if (cap.metric, cap.basis) in seen:
                raise ValueError(
                    f"caps.{number}: a second {cap.metric} cap on the {cap.basis} basis; a park has one cap per "
                    "metric and basis (which of the two binds?)"
                )
            seen.add((cap.metric, cap.basis))
        return self


class ControlUnitSpec(_Spec):
    code: str = Field(pattern=r"^[A-Z]{2}\d{11}$",
                      description="ZH + 6-digit administrative code + class digit (1/2/3) + serial, e.g. ZH34180220001")
    unit_class: Literal["priority", "key", "general"] = Field(
        alias="class", description="优先保护 / 重点管控 / 一般管控 (also 优先保护单元, 1/2/3)"
    )
    access: AccessList = AccessList()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        import unicodedata

        return unicodedata.normalize("NFKC", value).strip().upper() if isinstance(value, str) else value

    @field_validator("unit_class", mode="before")
    @classmethod
    def _class(cls, value: Any) -> Any:
        from .aliases import unit_class

        found = unit_class(value)
        if found is None:
            raise ValueError(f"unit class {value!r}: expected 优先保护 / 重点管控 / 一般管控 (or priority / key / "
                             "general, 1 / 2 / 3)")
        return found

    @model_validator(mode="after")
    def _class_digit(self) -> ControlUnitSpec:
        from .aliases import CLASS_DIGIT, CLASS_ZH

        if self.code.startswith("ZH"):
            digit = self.code[8]
            if digit not in "123":
                raise ValueError(f"unit code {self.code}: the 9th character (the class digit after ZH and the "
                                 f"6-digit administrative code) is {digit!r}; expected 1, 2 or 3")
            if digit != CLASS_DIGIT[self.unit_class]:
                raise ValueError(
                    f"unit code {self.code} has class digit {digit} but the class given is "
                    f"{CLASS_ZH[self.unit_class]} ({self.unit_class}, digit {CLASS_DIGIT[self.unit_class]}): "
                    "one of the two is wrong"
                )
        return self


class ProtectedSpec(_Spec):
    """A red line or water-source protection zone: no overlap; within ``buffer_m`` is a finding."""

    grade: str | None = Field(None, description="e.g. 一级保护区 / 二级保护区")
    buffer_m: float = Field(0, ge=0)


class Setback(_Spec):
    industries: tuple[IndustryCode, ...] = Field((), description="empty: any industry")
    distance_m: float = Field(gt=0)
    basis: str = Field(description="卫生防护距离 / 大气环境防护距离 and where it comes from")


class ReceptorSpec(_Spec):
    receptor_type: Literal["residential", "school", "hospital", "other"] = Field(alias="type")
    population: int | None = None
    setbacks: tuple[Setback, ...] = Field(min_length=1)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ZoneSpec(_Spec):
    id: str = Field(pattern=r"^[\w.\-]+$")
    name: str
    name_en: str | None = None
    kind: ZoneKind
    geometry: GeometryRef
    park: ParkSpec | None = None
    control_unit: ControlUnitSpec | None = None
    protected: ProtectedSpec | None = None
    receptor: ReceptorSpec | None = None

    @model_validator(mode="after")
    def _attributes_match_kind(self) -> ZoneSpec:
        needed = {
            "park": "park",
            "control_unit": "control_unit",
            "red_line": "protected",
            "water_source": "protected",
            "receptor": "receptor",
        }[self.kind]
        for name in ("park", "control_unit", "protected", "receptor"):
            given = getattr(self, name) is not None
            if name == needed and not given and name in ("park", "control_unit", "receptor"):
                raise ValueError(f"a {self.kind} zone needs a '{name}:' section")
            if name != needed and given:
                raise ValueError(f"a {self.kind} zone takes no '{name}:' section")
        return self


class ZoneLayer(_Spec):
    """Many zones of one kind from one file (e.g. every control unit of a province)."""

    kind: Literal["control_unit", "red_line", "water_source", "receptor"]
    file: str
    layer: str | None = None
    encoding: str | None = None
    crs: str | int | None = None
    id_field: str
    name_field: str | None = None
    code_field: str | None = Field(None, description="control units: the unit code")
    class_field: str | None = Field(None, description="control units: priority / key / general (or 优先保护 ...)")
    type_field: str | None = Field(None, description="receptors: residential / school / hospital")
    spatial_layout_field: str | None = Field(None, description="control units: 空间布局约束 text")
    emission_control_field: str | None = Field(None, description="control units: 污染物排放管控 text")
    risk_prevention_field: str | None = Field(None, description="control units: 环境风险防控 text")
    resource_efficiency_field: str | None = Field(None, description="control units: 资源开发效率要求 text")
    buffer_m: float = Field(0, ge=0, description="red lines / water sources")
    setbacks: tuple[Setback, ...] = Field((), description="receptors: setbacks for every feature")


class CatalogSpec(_Spec):
    """``catalog.yaml``: the zones of a region, their attributes, and where their geometry is."""

    name: str
    description: str | None = None
    version: int = 1
    crs: str | int | None = Field(None, description="CRS for geometry files that declare none")
    repair_invalid: bool = Field(False, description="repair invalid geometries (reported) instead of failing")
    utilisation_warning: float = Field(0.8, gt=0, le=1)
    standards_policy: StandardsPolicy = Field(
        StandardsPolicy(), description="choices the standards leave to the reviewing authority (standards.select)")
    standards: str | None = Field(None, description="folder of extra standards files (local, intake)")
    control_unit_access: dict[Literal["priority", "key", "general"], AccessList] = Field(
        default_factory=dict, description="access lists that apply to every unit of a class"
    )
    zones: tuple[ZoneSpec, ...] = ()
    layers: tuple[ZoneLayer, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogSpec:
        seen: set[str] = set()
        for zone in self.zones:
            if zone.id in seen:
                raise ValueError(f"zone id {zone.id!r} appears twice")
            seen.add(zone.id)
        return self
