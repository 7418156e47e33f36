"""Findings a reviewer must act on because the data cannot decide: unit requirement texts and data gaps.

A control unit's four requirement texts (空间布局约束, 污染物排放管控, 环境风险防控, 资源开发效率要求) are
prose such as 禁止新建、扩建工业项目 or 不得新设排污口 with exceptions and conditions; they cannot be parsed
into rules reliably, so each unit's texts reach the user as one ``UNIT_REQUIREMENT`` finding (severity
conditional) that a reviewer has to confirm. A site in a priority-protection unit (优先保护) always gets
one, texts or not, so such a site is never a bare pass.

Data gaps: 三线一单 control units cover all land, so a site in no unit of a catalogue that has units is
``NO_CONTROL_UNIT`` (incomplete); an industry that discharges (an industry standard covers it, or the
EIA list asks at least a report form of it) with neither wastewater nor air emissions given is
``DISCHARGE_NOT_GIVEN`` (incomplete), never a pass on quantities nobody stated.

:func:`review_findings` is the one home of these rules: ``screen`` calls it per project, and the batch
engine per distinct (units, industry, declared, category) key.
"""

from __future__ import annotations

from collections.abc import Sequence

from standards.select import industry_matches
from zones.catalog import Catalog

from .result import FINDING_CODES, Finding

__all__ = ["review_findings", "REVIEW_CODES", "REQUIREMENT_PARTS", "discharging_standards"]

REVIEW_CODES = tuple(c for c in ("UNIT_REQUIREMENT", "NO_CONTROL_UNIT", "DISCHARGE_NOT_GIVEN") if c in FINDING_CODES)
REQUIREMENT_PARTS = (
    ("spatial_layout", "空间布局约束", "spatial layout"),
    ("emission_control", "污染物排放管控", "emission control"),
    ("risk_prevention", "环境风险防控", "risk prevention"),
    ("resource_efficiency", "资源开发效率要求", "resource efficiency"),
)
_CLASS_ZH = {"priority": "优先保护", "key": "重点管控", "general": "一般管控"}
_REPORTED_CATEGORIES = ("report_book", "report_form")


def review_findings(catalog: Catalog, industry: str, unit_zone_ids: Sequence[str], *, has_wastewater: bool,
                    has_air: bool, category: str | None) -> list[Finding]:
    """The reviewer's findings for one site: unit requirement texts, then data gaps.

    Parameters
    ----------
    catalog
        The loaded catalogue.
    industry
        The project's GB/T 4754-2017 code.
    unit_zone_ids
        Zone ids of the control units the site lies in (in the order screening lists them).
    has_wastewater, has_air
        Whether the project declares wastewater / air emissions at all.
    category
        The EIA category (``report_book``, ``report_form``, ``registration``, ...) or None.

    Examples
    --------
    >>> from zones import load_catalog
    >>> cat = load_catalog()
    >>> [f.code for f in review_findings(cat, "C1713", [], has_wastewater=False, has_air=False,
    ...                                  category="report_book")]
    ['NO_CONTROL_UNIT', 'DISCHARGE_NOT_GIVEN']
    """
    findings = [f for zone_id in unit_zone_ids if (f := _unit_requirement(catalog, zone_id)) is not None]
    if catalog.control_units and not unit_zone_ids:
        findings.append(Finding(
            code="NO_CONTROL_UNIT", severity="incomplete",
            message="the site lies in no environmental control unit (环境管控单元) of the catalogue; 三线一单 "
                    "zoning covers all land, so the catalogue has a gap here: add the unit before deciding",
            values={"control_units_in_catalogue": len(catalog.control_units)},
            sources=[f"catalogue {catalog.source}: control-unit layers"],
        ))
    if not has_wastewater and not has_air:
        why = _discharges(catalog, industry, category)
        if why:
            findings.append(Finding(
                code="DISCHARGE_NOT_GIVEN", severity="incomplete",
                message=f"{industry} discharges ({why}), but the project gives neither wastewater nor air "
                        "emissions: supply them (a project that truly has none states wastewater flow 0 with its "
                        "route, or emissions of 0 t/a) — capacity and standards cannot be screened without them",
                values={"industry": industry, "why": why, "missing": ["wastewater", "air.emissions"]},
                sources=[why],
            ))
    return findings


def _unit_requirement(catalog: Catalog, zone_id: str) -> Finding | None:
    unit = catalog.control_units[zone_id]
    access = catalog.access_for_unit(zone_id)
    texts = {key: list(getattr(access, key)) for key, _, _ in REQUIREMENT_PARTS if getattr(access, key)}
    if not texts and unit.unit_class != "priority":
        return None
    class_zh = _CLASS_ZH[unit.unit_class]
    if texts:
        body = "; ".join(f"{zh}: {' / '.join(texts[key])}" for key, zh, _ in REQUIREMENT_PARTS if key in texts)
    else:
        body = ("the catalogue holds no requirement text for this unit; priority-protection units (优先保护) "
                "generally exclude industrial development")
    return Finding(
        code="UNIT_REQUIREMENT", severity="conditional", zone_id=zone_id,
        message=f"control unit {unit.code} {catalog.names.get(zone_id, '')} ({class_zh}, {unit.unit_class}) "
                f"requires — {body}. These texts are not checked automatically (prose cannot be parsed into "
                "rules reliably): a reviewer must confirm the project meets them",
        values={"unit_code": unit.code, "unit_class": unit.unit_class, **texts},
        sources=[f"catalogue control unit {zone_id} ({catalog.table.source[catalog.table.positions[zone_id]]})"],
    )


def _discharges(catalog: Catalog, industry: str, category: str | None) -> str | None:
    standards = discharging_standards(catalog, industry)
    if standards:
        return f"industry standard {', '.join(standards)} covers it"
    if category in _REPORTED_CATEGORIES:
        return f"the 2021 EIA classification list asks a {category.replace('_', ' ')} of it"
    return None


def discharging_standards(catalog: Catalog, industry: str) -> tuple[str, ...]:
    """Industry discharge standards (water or air) whose industries cover ``industry``."""
    return tuple(sorted(
        sid for sid, std in catalog.standards.standards.items()
        if std.kind == "industry" and std.industries and industry_matches(industry, std.industries)
    ))
