"""What a screening returns. ``ScreeningResult.model_dump(mode="json")`` is the JSON contract."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Severity",
    "Verdict",
    "Finding",
    "LocationResult",
    "CapacityCheck",
    "OffsetRequirement",
    "StandardCheck",
    "CategoryResult",
    "ScreeningResult",
    "verdict_of",
    "FINDING_CODES",
]

Severity = Literal["fail", "incomplete", "conditional", "warning", "info"]
Verdict = Literal["pass", "conditional", "fail", "incomplete"]

FINDING_CODES: dict[str, str] = {
    "OUTSIDE_PARK": "the site is in no park of the catalogue",
    "PARTLY_OUTSIDE_PARK": "the site polygon crosses a park boundary",
    "RED_LINE_OVERLAP": "the site overlaps an ecological red line",
    "RED_LINE_PROXIMITY": "the site is within the red line's buffer distance",
    "WATER_SOURCE_OVERLAP": "the site overlaps a drinking-water source protection zone",
    "WATER_SOURCE_PROXIMITY": "the site is within the protection zone's buffer distance",
    "RECEPTOR_SETBACK": "a sensitive receptor is inside the industry's setback distance",
    "ACCESS_PROHIBITED": "the industry or process is prohibited by an access list",
    "ACCESS_RESTRICTED": "the industry or process is restricted by an access list",
    "ACCESS_ENCOURAGED": "the industry is encouraged by an access list",
    "CAPACITY_EXCEEDED": "the project's demand exceeds what is left of a park cap",
    "CAPACITY_HIGH_UTILISATION": "the cap's utilisation after the project passes the warning threshold",
    "OFFSET_REQUIRED": "an increment must be offset at the zone's ratio (倍量削减替代)",
    "STANDARD_EXCEEDED": "a proposed figure exceeds its binding limit",
    "STANDARD_NOT_COVERED": "no applicable standard gives a figure for a proposed pollutant",
    "POLLUTANT_NOT_DECLARED": "the industry standard limits pollutants the project gives no figure for",
    "WORKSHOP_OUTLET_REQUIRED": "a first-class pollutant must be given at the workshop outlet",
    "OUTFALL_FORBIDDEN": "a new outfall into class I/II water or a class III protection zone",
    "DATA_MISSING": "information needed to decide is missing",
    "INDUSTRY_PROCESS_MISMATCH": "the industry code and the process flags point to different standards",
    "WWTP_CLASS_BELOW_REQUIRED": "the park WWTP's GB 18918 class is laxer than its receiving water requires",
    "STACK_BELOW_MINIMUM_HEIGHT": "a new source's stack is lower than 15 m (GB 16297-1996 7.4)",
    "NEW_SOURCE_FORBIDDEN": "no new air pollution source may be built in an ambient-air class-1 area (GB 16297-1996 5)",
    "EIA_CATEGORY": "the EIA category and whether the regional simplification applies",
    "UNIT_REQUIREMENT": "a control unit's requirement text applies: a reviewer must confirm the project meets it",
    "NO_CONTROL_UNIT": "the site lies in no control unit of the catalogue (a data gap: 三线一单 covers all land)",
    "DISCHARGE_NOT_GIVEN": "the industry discharges, but the project gives neither wastewater nor air emissions",
}

_ORDER = {"fail": 0, "incomplete": 1, "conditional": 2, "warning": 3, "info": 4}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Finding(_Out):
    """One reason behind a verdict, with every value that produced it."""

    code: str
    severity: Severity
    message: str
    zone_id: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)


class LocationResult(_Out):
    park: str | None
    park_name: str | None = None
    control_units: list[str] = Field(default_factory=list)
    point_wgs84: list[float]
    input_crs: str
    converted: str | None = Field(None, description="how the input coordinates were converted")


class CapacityCheck(_Out):
    park: str
    metric: str
    unit: str
    basis: str
    cap: float
    committed: float
    reserved: float
    remaining: float
    demand: float | None
    remaining_after: float | None
    fits: bool | None
    utilisation_before: float
    utilisation_after: float | None
    demand_how: str = Field(description="how the demand was computed, with its figures and sources")
    reduce_by: float | None = Field(None, description="how much the demand must fall to fit, in unit")
    max_flow_m3d: float | None = Field(None, description="the largest wastewater flow that fits this cap")
    reuse_rate_to_fit: float | None = Field(None, description="share of the flow to reuse to fit (0-1)")
    position_source: str = Field("catalogue", description="where committed/reserved come from")


class OffsetRequirement(_Out):
    pollutant: str
    ratio: float
    increment: float
    required: float
    unit: str = "t/a"
    reason: str
    how: str


class StandardCheck(_Out):
    pollutant: str
    pollutant_zh: str | None = None
    medium: Literal["water", "air"]
    point: str = Field(description="total_outlet, workshop_outlet, or the stack id")
    limit: float | list[float] | None
    limit_text: str | None = None
    unit: str
    source: str | None
    proposed: float | list[float] | None
    complies: bool | None
    reasons: list[str] = Field(default_factory=list)
    reason_codes: list[dict[str, Any]] = Field(
        default_factory=list, description="the reasons as {code, values}: standards/reasons.py words them in zh and en")
    supplementary: bool = Field(
        False, description="GB 8978-1996 applied by the catalogue's policy to a pollutant the industry standard does "
        "not list (not the text's rule: GB 8978-1996 1.2-1.3)")


class CategoryResult(_Out):
    category: str
    category_zh: str
    reasons: list[str] = Field(default_factory=list)
    reason_codes: list[dict[str, Any]] = Field(
        default_factory=list, description="the reasons as {code, values}: standards/reasons.py words them in zh and en")
    regional_category: str | None = None
    regional_category_zh: str | None = None
    qualifies_for_simplification: bool | None = None
    simplification_reasons: list[str] = Field(default_factory=list)
    simplifications: list[str] = Field(default_factory=list)


class ScreeningResult(_Out):
    project_id: str
    project_name: str
    verdict: Verdict
    location: LocationResult
    findings: list[Finding]
    capacity: list[CapacityCheck]
    offsets: list[OffsetRequirement]
    standards: list[StandardCheck]
    eia_category: CategoryResult | None = None
    catalog: str
    screened_on: str
    to_change: list[str] = Field(default_factory=list, description="what would have to change, in words")

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


def verdict_of(findings: list[Finding]) -> Verdict:
    """fail beats incomplete (missing data cannot rescue a failure), which beats conditional.

    Examples
    --------
    >>> verdict_of([Finding(code="OFFSET_REQUIRED", severity="conditional", message="")])
    'conditional'
    """
    worst = min((_ORDER[f.severity] for f in findings), default=4)
    return {0: "fail", 1: "incomplete", 2: "conditional"}.get(worst, "pass")
