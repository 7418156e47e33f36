"""Findings a reviewer must act on because the data cannot decide: unit requirement texts and data gaps.

A control unit's four requirement texts (空间布局约束, 污染物排放管控, 环境风险防控, 资源开发效率要求) are
prose such as 禁止新建、扩建工业项目 or 不得新设排污口 with exceptions and conditions; they cannot be parsed
into rules reliably, so each unit's texts reach the user as one ``UNIT_REQUIREMENT`` finding (severity
conditional) that a reviewer has to confirm. A site in a priority-protection unit (优先保护) always gets
one, texts or not, so such a site is never a bare pass.

Data gaps: 三线一单 control units cover all land, so a site in no unit of a catalogue that has units is
``NO_CONTROL_UNIT`` (incomplete); an industry that discharges (an industry standard covers it, or the
EIA list asks at least a report form of it) with neither wastewater nor air emissions given is
``DISCHARGE_NOT_GIVEN`` (incomplete), never a pass on quantities nobody stated; and wastewater that
flows (flow above 0) with no concentration at any outlet is ``EFFLUENT_NOT_GIVEN`` (incomplete): no
standard can be compared and no load computed from figures nobody gave.

:func:`review_findings` is the one home of these rules, a step of :mod:`regional_eia.pipeline` over the
rows of a chunk (one project for ``screen``); each unit's texts and each (industry, category) are read
once per catalogue.
"""

from __future__ import annotations

import numpy as np

from standards.select import industry_matches
from zones.catalog import Catalog

from .arrays import CatalogueArrays, factorize_rows
from .columns import ProjectColumns
from .found import Found
from .zoning import _objects

__all__ = ["review_findings", "REVIEW_CODES", "REQUIREMENT_PARTS", "discharging_standards"]

REVIEW_CODES = ("UNIT_REQUIREMENT", "NO_CONTROL_UNIT", "DISCHARGE_NOT_GIVEN", "EFFLUENT_NOT_GIVEN")
REQUIREMENT_PARTS = (
    ("spatial_layout", "空间布局约束", "spatial layout"),
    ("emission_control", "污染物排放管控", "emission control"),
    ("risk_prevention", "环境风险防控", "risk prevention"),
    ("resource_efficiency", "资源开发效率要求", "resource efficiency"),
)
_REPORTED_CATEGORIES = ("report_book", "report_form")


def review_findings(cols: ProjectColumns, rows: np.ndarray, unit_row: np.ndarray, unit_zone: np.ndarray,
                    categories, arrays: CatalogueArrays) -> list[Found]:
    """The reviewer's findings for the sites of ``rows``: unit requirement texts, then data gaps.

    ``unit_row``/``unit_zone`` pair each row with the control units its site lies in (zone positions, in
    the order screening lists them); ``categories`` is the rows' EIA classification.
    """
    catalog = arrays.catalog
    blocks: list[Found] = []
    screened = np.zeros(cols.n, dtype=bool)
    screened[rows] = True
    keep = screened[unit_row]
    unit_row, unit_zone = unit_row[keep], unit_zone[keep]
    requirement = [arrays.memo("unit_requirement", int(z), lambda z=z: _unit_requirement(catalog, arrays, int(z)))
                   for z in unit_zone]
    has = np.array([r is not None for r in requirement], dtype=bool)
    if has.any():
        picked = [r for r in requirement if r is not None]
        values = {"unit_code": np.array([r["unit_code"] for r in picked], dtype=object),
                  "unit_class": np.array([r["unit_class"] for r in picked], dtype=object),
                  "unit_name": np.array([r["unit_name"] for r in picked], dtype=object)}
        for key, _, _ in REQUIREMENT_PARTS:
            values[key] = _objects([tuple(r.get(key, ())) for r in picked])
        zone_ids = arrays.zone_ids[unit_zone[has]]
        blocks.append(Found("UNIT_REQUIREMENT", unit_row[has], values, zone=zone_ids,
                            sources=_objects([(f"catalogue {z} ({arrays.zone_source[k]})",)
                                              for z, k in zip(zone_ids, unit_zone[has])])))
    if catalog.control_units:
        in_unit = np.zeros(cols.n, dtype=bool)
        in_unit[unit_row] = True
        gap = rows[~in_unit[rows]]
        if gap.size:
            blocks.append(Found("NO_CONTROL_UNIT", gap, {"control_units_in_catalogue": len(catalog.control_units)},
                                sources=(f"catalogue {catalog.source}: control-unit layers",)))
    bare = rows[cols.has_ww[rows] & (np.nan_to_num(cols.flow[rows]) > 0) & ~_gives_concentrations(cols)[rows]]
    if bare.size:
        blocks.append(Found("EFFLUENT_NOT_GIVEN", bare, {"flow_m3d": cols.flow[bare], "route": cols.route[bare]},
                            sources=("wastewater.effluent / wastewater.workshop: none given",)))
    declares_air = cols.has_air & _emits(cols)
    silent = rows[~cols.has_ww[rows] & ~declares_air[rows]]
    if silent.size:
        category = np.array([getattr(r, "category", None) for r in categories.results] + [None],
                            dtype=object)[categories.index[silent]]
        category_zh = np.array([getattr(r, "category_zh", None) for r in categories.results] + [None],
                               dtype=object)[categories.index[silent]]
        codes, keys = factorize_rows(cols.industry[silent], category)
        why = [arrays.memo("discharges", key, lambda key=key: _discharges(catalog, *key)) for key in keys]
        found = np.array([w is not None for w in why], dtype=bool)[codes]
        if found.any():
            standards = _objects([why[c][0] if why[c] else () for c in codes[found]])
            blocks.append(Found("DISCHARGE_NOT_GIVEN", silent[found], {
                "industry": cols.industry[silent[found]], "standards": standards,
                "category": category[found], "category_zh": category_zh[found],
                "missing": ("wastewater", "air.emissions")},
                sources=_objects([why[c][1] for c in codes[found]])))
    return blocks


def _gives_concentrations(cols: ProjectColumns) -> np.ndarray:
    """Rows that give at least one wastewater concentration (total outlet or workshop outlet)."""
    gives = np.zeros(cols.n, dtype=bool)
    for measure in (*cols.effluent.values(), *cols.workshop.values()):
        gives |= measure.given()
    return gives


def _emits(cols: ProjectColumns) -> np.ndarray:
    """Rows that give an air emission figure or a stack."""
    emits = np.zeros(cols.n, dtype=bool)
    for measure in cols.emissions.values():
        emits |= measure.given()
    emits[cols.stacks.row] = True
    return emits


def _unit_requirement(catalog: Catalog, arrays: CatalogueArrays, zone: int) -> dict | None:
    zone_id = arrays.zone_ids[zone]
    unit = catalog.control_units[zone_id]
    access = catalog.access_for_unit(zone_id)
    texts = {key: tuple(getattr(access, key)) for key, _, _ in REQUIREMENT_PARTS if getattr(access, key)}
    if not texts and unit.unit_class != "priority":
        return None
    return {"unit_code": unit.code, "unit_class": unit.unit_class, "unit_name": catalog.names.get(zone_id, ""),
            **texts}


def _discharges(catalog: Catalog, industry: str, category: str | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Why an industry discharges: ``(industry standards covering it, the sources)``, or None."""
    standards = discharging_standards(catalog, industry)
    if standards:
        return standards, standards
    if category in _REPORTED_CATEGORIES:
        return (), ("建设项目环境影响评价分类管理名录（2021年版）",)
    return None


def discharging_standards(catalog: Catalog, industry: str) -> tuple[str, ...]:
    """Industry discharge standards (water or air) whose industries cover ``industry``."""
    return tuple(sorted(
        sid for sid, std in catalog.standards.standards.items()
        if std.kind == "industry" and std.industries and industry_matches(industry, std.industries)
    ))
