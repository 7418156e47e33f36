"""The EIA category (分类管理名录 2021) and whether the park's regional simplification applies."""

from __future__ import annotations

import datetime as dt

from standards.eia_category import classify
from standards.reasons import Reason
from standards.select import industry_matches
from zones.catalog import Catalog

from .errors import ProjectError
from .project import Project
from .result import CategoryResult, Finding, verdict_of

__all__ = ["category_for", "DOWNGRADE"]

DOWNGRADE = {"report_book": "report_form", "report_form": "registration"}
_ZH = {"report_book": "报告书", "report_form": "报告表", "registration": "登记表"}


def category_for(project: Project, park_id: str | None, catalog: Catalog, on: dt.date,
                 findings: list[Finding]) -> CategoryResult:
    """Classify the project and decide the regional simplification; appends an ``EIA_CATEGORY`` finding.

    The simplification needs, per the park's regional assessment: an assessment still valid on ``on``,
    no regional approval freeze (区域限批), a receiving environment meeting its target (the water for a
    project that discharges wastewater, the air for one that emits), an industry the province does not
    exclude, and a screening that finds no failure.
    """
    try:
        category = classify(project.industry, project.processes)
    except ValueError as exc:
        raise ProjectError(project.id, "processes", str(exc)) from exc
    qualifies, why, granted = _simplification(project, park_id, catalog, on, findings)
    regional = DOWNGRADE.get(category.category) if qualifies else None
    missing = [Reason("EIA_MISSING_FLAGS", flags=list(category.missing_flags))] if category.missing_flags else []
    result = CategoryResult(
        category=category.category,
        category_zh=category.category_zh,
        reasons=list(category.reasons) + missing,
        reason_codes=list(category.reason_codes) + [r.as_json() for r in missing],
        regional_category=regional,
        regional_category_zh=_ZH.get(regional) if regional else None,
        qualifies_for_simplification=qualifies,
        simplification_reasons=why,
        simplifications=granted if qualifies else [],
    )
    message = f"EIA category {category.category_zh} ({category.category})"
    if regional:
        message += f"; with the park's regional assessment: {_ZH[regional]} ({regional})"
    elif qualifies is False:
        message += f"; no regional simplification: {'; '.join(why)}"
    findings.append(Finding(
        code="EIA_CATEGORY", severity="info", message=message,
        values={"category": category.category, "rows": list(category.rows), "regional_category": regional,
                "qualifies": qualifies},
        sources=[f"建设项目环境影响评价分类管理名录（2021年版） item {', '.join(map(str, category.rows)) or '—'}"],
    ))
    return result


def _simplification(project, park_id, catalog, on, findings) -> tuple[bool | None, list[str], list[str]]:
    if park_id is None:
        return False, ["the site is in no park"], []
    park = catalog.park(park_id)
    assessment = park.regional_assessment
    if assessment is None:
        return False, [f"{catalog.names[park_id]} has no regional assessment in the catalogue"], []
    why = []
    expires = assessment.approved.replace(year=assessment.approved.year + assessment.valid_years)
    if on >= expires:
        why.append(f"the regional assessment approved {assessment.approved} expired on {expires}")
    if assessment.approval_freeze:
        why.append("a regional approval freeze (区域限批) is in force")
    excluded = industry_matches(project.industry, assessment.excluded_industries)
    if excluded:
        why.append(f"the province excludes {excluded} industries from the simplification")
    water = park.receiving_water
    if project.wastewater is not None and water is not None and not water.attained:
        why.append(f"the receiving water {water.name} does not meet its class {water.target_class} target")
    if project.air is not None and not park.air_attained:
        why.append("the air quality of the area does not meet its target")
    if verdict_of(findings) == "fail":
        why.append("the screening finds the project failing")
    if why:
        return False, why, list(assessment.simplifications)
    return True, [f"regional assessment approved {assessment.approved}, valid until {expires}; "
                  "conditions met"], list(assessment.simplifications)
