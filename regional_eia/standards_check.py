"""Inside a screening: each proposed figure against its binding limit, and the EIA category."""

from __future__ import annotations

import datetime as dt

from standards import SelectionError, UnitError
from standards.model import TextValue
from standards.select import AirContext, Selection, WaterContext, industry_matches, select_air, select_water
from standards.units import convert
from zones.catalog import Catalog
from zones.model import ParkSpec

from .project import Project, Quantity
from .result import Finding, StandardCheck

__all__ = ["water_context", "check_standards"]


def water_context(project: Project, park: ParkSpec | None, on: dt.date) -> WaterContext:
    """What the selection rules need to know about the project's wastewater and where it goes."""
    ww = project.wastewater
    receiving = ww.receiving_water_class
    protection = False
    if park is not None and park.receiving_water is not None and receiving is None:
        receiving = park.receiving_water.target_class
        protection = park.receiving_water.protection_zone
    wwtp = park.wwtp if park is not None else None
    return WaterContext(
        industry=project.industry,
        route=ww.route,
        on=on,
        enterprise="new",
        special_limits=bool(park and park.special_limits),
        receiving_class=receiving,
        protection_zone=protection,
        new_outfall=ww.new_outfall,
        wwtp_kind=wwtp.kind if wwtp else None,
        wwtp_dedicated=bool(wwtp and industry_matches(project.industry, wwtp.dedicated_industries)),
        local_standards=park.local_standards if park else (),
        intake_standard=wwtp.intake_standard if wwtp else None,
    )


def check_standards(project: Project, park_id: str | None, catalog: Catalog, on: dt.date,
                    findings: list[Finding]) -> list[StandardCheck]:
    """Compare each proposed concentration (and stack emission rate) with its binding limit."""
    park = catalog.park(park_id) if park_id else None
    checks: list[StandardCheck] = []
    if project.wastewater is not None:
        checks += _water_checks(project, park, catalog, on, findings)
    if project.air is not None:
        checks += _air_checks(project, park, catalog, on, findings)
    return checks


# --- water -----------------------------------------------------------------------------------------


def _water_checks(project, park, catalog, on, findings) -> list[StandardCheck]:
    ww = project.wastewater
    ctx = water_context(project, park, on)
    declared = set(ww.effluent) | set(ww.workshop_effluent) | ({"pH"} if ww.pH else set())
    try:
        listed = select_water(catalog.standards, ctx, None)
        selections = {**listed, **select_water(catalog.standards, ctx, sorted(declared - set(listed)))}
    except SelectionError as exc:
        findings.append(Finding(code=exc.code, severity="fail" if exc.code == "OUTFALL_FORBIDDEN" else "incomplete",
                                message=str(exc),
                                values={"route": ctx.route, "receiving_class": ctx.receiving_class,
                                        "protection_zone": ctx.protection_zone},
                                sources=["GB 8978-1996 4.1"]))
        return []
    _undeclared(project, listed, declared, findings)
    checks = []
    for pollutant in sorted(declared):
        sel = selections[pollutant]
        if pollutant == "pH":
            checks.append(_compare_ph(ww.pH, sel, findings))
            continue
        point = sel.limit.monitoring_point if sel.limit else None
        if point == "workshop_outlet":
            proposed = ww.workshop_effluent.get(pollutant)
            if proposed is None:
                findings.append(Finding(
                    code="WORKSHOP_OUTLET_REQUIRED", severity="incomplete",
                    message=f"{pollutant} is a first-class pollutant limited at the workshop outlet ({sel.limit.source}); "
                            f"supply wastewater.workshop_effluent.{pollutant}, not the total-outlet figure",
                    values={"pollutant": pollutant, "total_outlet_value": str(ww.effluent.get(pollutant))},
                    sources=[sel.limit.source],
                ))
                checks.append(_row(sel, "water", "workshop_outlet", None, None, list(sel.reasons)))
                continue
        else:
            proposed = ww.effluent.get(pollutant) or ww.workshop_effluent.get(pollutant)
            point = "total_outlet"
        checks.append(_compare(sel, proposed, "water", point, findings))
    return checks


def _undeclared(project, listed: dict[str, Selection], declared: set[str], findings) -> None:
    from_industry = sorted(
        p for p, sel in listed.items()
        if p not in declared and sel.limit is not None and sel.limit.standard_kind == "industry"
    )
    if from_industry:
        standards_named = sorted({listed[p].limit.standard_number for p in from_industry})
        shown = ", ".join(from_industry[:12]) + (f" and {len(from_industry) - 12} more" if len(from_industry) > 12 else "")
        findings.append(Finding(
            code="POLLUTANT_NOT_DECLARED", severity="warning",
            message=f"{', '.join(standards_named)} also limits {shown}: the project declares no figure for them; "
                    "confirm they are absent (or not characteristic of its processes) or supply them",
            values={"pollutants": from_industry}, sources=standards_named,
        ))


# --- air -------------------------------------------------------------------------------------------


def _air_checks(project, park, catalog, on, findings) -> list[StandardCheck]:
    ctx = AirContext(industry=project.industry, on=on, special_limits=bool(park and park.special_limits),
                     grade=park.air_grade if park else "2")
    checks = []
    for stack in project.air.stacks:
        for pollutant in sorted(set(stack.concentrations) | set(stack.rates)):
            conc_sel, rate_sel = select_air(catalog.standards, ctx, pollutant, stack.height_m, stack.source_type,
                                            stack.fuel, stack.taller_than_buildings_within_200m_by_5m)
            if pollutant in stack.concentrations:
                checks.append(_compare(conc_sel, stack.concentrations[pollutant], "air", f"{stack.id} concentration",
                                       findings))
            if pollutant in stack.rates and rate_sel.rate_kg_h is not None:
                proposed = stack.rates[pollutant].to("kg/h")
                complies = proposed <= rate_sel.rate_kg_h + 1e-12
                reasons = list(rate_sel.reasons)
                source = f"{rate_sel.limit.source} at {stack.height_m:g} m"
                if not complies:
                    findings.append(_exceeded(pollutant, f"{stack.id} rate", proposed, rate_sel.rate_kg_h, "kg/h",
                                              source))
                checks.append(StandardCheck(
                    pollutant=pollutant, pollutant_zh=rate_sel.limit.pollutant_zh, medium="air",
                    point=f"{stack.id} rate", limit=round(rate_sel.rate_kg_h, 4), unit="kg/h", source=source,
                    proposed=proposed, complies=complies, reasons=reasons,
                ))
    return checks


# --- comparing -------------------------------------------------------------------------------------


def _row(sel: Selection, medium: str, point: str, proposed, complies, reasons: list[str]) -> StandardCheck:
    limit = sel.limit
    figure = sel.figure
    return StandardCheck(
        pollutant=sel.pollutant,
        pollutant_zh=limit.pollutant_zh if limit else None,
        medium=medium,
        point=point,
        limit=list(figure) if isinstance(figure, tuple) else figure,
        limit_text=sel.figure_text,
        unit=limit.unit if limit else "—",
        source=limit.source if limit else None,
        proposed=proposed,
        complies=complies,
        reasons=reasons,
    )


def _exceeded(pollutant: str, point: str, proposed: float, limit: float, unit: str, source: str) -> Finding:
    return Finding(
        code="STANDARD_EXCEEDED", severity="fail",
        message=f"{pollutant} at {point}: proposed {proposed:g} {unit} exceeds the binding limit {limit:g} {unit} ({source})",
        values={"pollutant": pollutant, "point": point, "proposed": proposed, "limit": limit, "unit": unit},
        sources=[source],
    )


def _compare(sel: Selection, proposed_q: Quantity | None, medium: str, point: str, findings) -> StandardCheck:
    reasons = list(sel.reasons)
    if not sel.covered:
        findings.append(Finding(
            code="STANDARD_NOT_COVERED", severity="warning",
            message=f"{sel.pollutant} at {point}: no applicable standard gives a figure; it is not checked "
                    "(add a local or intake standard to the catalogue if the park sets one)",
            values={"pollutant": sel.pollutant, "point": point, "reasons": reasons},
        ))
        return _row(sel, medium, point, proposed_q.value if proposed_q else None, None, reasons)
    limit = sel.limit
    try:
        proposed = convert(proposed_q.value, proposed_q.unit, limit.unit)
    except UnitError as exc:
        findings.append(Finding(
            code="DATA_MISSING", severity="incomplete",
            message=f"{sel.pollutant}: proposed {proposed_q} cannot be compared with {limit.source} in {limit.unit} "
                    f"({exc.why})",
            values={"pollutant": sel.pollutant, "unit": proposed_q.unit, "limit_unit": limit.unit},
        ))
        return _row(sel, medium, point, proposed_q.value, None, reasons)
    if sel.figure_text is not None:  # 不得检出: not detectable
        detection = limit.value.detection_limit if isinstance(limit.value, TextValue) else None
        if proposed == 0:
            complies = True
        elif detection is not None:
            complies = proposed < detection
        else:
            complies = None
            reasons.append(f"{limit.source} requires 不得检出 (not detectable) and prints no detection limit: "
                           "give 0 if the method does not detect it")
            findings.append(Finding(
                code="DATA_MISSING", severity="incomplete",
                message=f"{sel.pollutant} must be not detectable ({limit.source}); the project gives {proposed_q}: "
                        "confirm with the standard method's detection limit, or give 0 when not detected",
                values={"pollutant": sel.pollutant, "proposed": proposed}, sources=[limit.source],
            ))
        if complies is False:
            findings.append(_exceeded(sel.pollutant, point, proposed, detection, limit.unit, limit.source))
        return _row(sel, medium, point, proposed, complies, reasons)
    complies = proposed <= sel.figure + 1e-12
    if not complies:
        findings.append(_exceeded(sel.pollutant, point, proposed, sel.figure, limit.unit, limit.source))
    return _row(sel, medium, point, proposed, complies, reasons)


def _compare_ph(ph, sel: Selection, findings) -> StandardCheck:
    reasons = list(sel.reasons)
    if not sel.covered or not isinstance(sel.figure, tuple):
        return _row(sel, "water", "total_outlet", [ph.min, ph.max], None, reasons)
    low, high = sel.figure
    complies = low <= ph.min and ph.max <= high
    if not complies:
        findings.append(Finding(
            code="STANDARD_EXCEEDED", severity="fail",
            message=f"pH {ph.min:g}-{ph.max:g} is outside {low:g}-{high:g} ({sel.limit.source})",
            values={"pollutant": "pH", "proposed": [ph.min, ph.max], "limit": [low, high]},
            sources=[sel.limit.source],
        ))
    return _row(sel, "water", "total_outlet", [ph.min, ph.max], complies, reasons)
