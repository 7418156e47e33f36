"""What a screening returns. ``ScreeningResult.model_dump(mode="json")`` is the JSON contract."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .findings import REGISTRY, SEVERITY_ORDER, Severity

__all__ = [
    "Severity",
    "Verdict",
    "Finding",
    "LocationResult",
    "CapacityCheck",
    "OffsetRequirement",
    "StandardCheck",
    "CategoryResult",
    "IntakeLoad",
    "ScreeningResult",
    "verdict_of",
    "FINDING_CODES",
]

Verdict = Literal["pass", "conditional", "fail", "incomplete"]

# every finding code and what it means (the registry, regional_eia.findings, holds the rest)
FINDING_CODES: dict[str, str] = {code: spec.title for code, spec in REGISTRY.items()}



class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Finding(_Out):
    """One reason behind a verdict: its code (:data:`regional_eia.findings.REGISTRY`), the values that
    produced it (the code's typed values, language-free) and the sentence they make in ``lang``."""

    code: str
    severity: Severity
    message: str = Field(description="the finding in words, in the result's language")
    zone_id: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)


class LocationResult(_Out):
    park: str | None
    park_name: str | None = None
    park_name_en: str | None = None
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


class IntakeLoad(_Out):
    """An indirect discharger's load at the sewer intake (flow x own concentration x days), reported
    whether or not the park caps it on that basis: a committee reads it against the WWTP's design load."""

    pollutant: str
    concentration_mg_l: float
    flow_m3d: float
    operating_days: float | None
    load_t_a: float | None = Field(description="None when the operating days are not given")


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
    intake_loads: list[IntakeLoad] = Field(default_factory=list)
    lang: Literal["zh", "en"] = Field("en", description="the language of the messages")

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


def verdict_of(findings: list[Finding]) -> Verdict:
    """fail beats incomplete (missing data cannot rescue a failure), which beats conditional.

    Examples
    --------
    >>> verdict_of([Finding(code="OFFSET_REQUIRED", severity="conditional", message="")])
    'conditional'
    """
    worst = min((SEVERITY_ORDER[f.severity] for f in findings), default=4)
    return {0: "fail", 1: "incomplete", 2: "conditional"}.get(worst, "pass")
