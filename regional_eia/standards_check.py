"""Inside a screening: each proposed figure against its binding limit.

Every finding the standards produce comes out of here; the selection rules themselves are in
:mod:`standards.select`, and their reasons are :class:`standards.reasons.Reason` values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from standards import SelectionError, UnitError
from standards.catalog import StandardsCatalog
from standards.model import TextValue
from standards.reasons import Reason, reason_json
from standards.select import (
    AirContext,
    Selection,
    StandardsPolicy,
    WaterContext,
    baseline_volume_concentration,
    industry_matches,
    industry_standards,
    required_wwtp_class,
    select_air,
    select_water,
)
from standards.units import convert
from zones.catalog import Catalog
from zones.model import ParkSpec

from .project import Project, Quantity
from .result import Finding, StandardCheck

__all__ = ["water_context", "discharge_context", "air_context", "check_standards"]

_CLASS_ORDER = {"1A": 0, "1B": 1, "2": 2, "3": 3}


def discharge_context(
    industry: str,
    route: str,
    park: ParkSpec | None,
    on: dt.date,
    *,
    processes: tuple[str, ...] = (),
    eia_approved: dt.date | None = None,
    receiving_class: str | None = None,
    receiving_kind: str | None = None,
    new_outfall: bool = True,
    park_name: str | None = None,
    policy: StandardsPolicy | None = None,
) -> WaterContext:
    """The one :class:`WaterContext` builder (``screen``, batch and ``standards lookup`` all come here).

    The park's receiving water is used when the project names none of its own; only then does its
    ``protection_zone`` flag (and its kind) apply, since a water the project names is another water.
    """
    water = park.receiving_water if park is not None else None
    protection = False
    if receiving_class is None and water is not None:
        receiving_class, receiving_kind = water.target_class, water.kind
        protection = water.protection_zone
    wwtp = park.wwtp if park is not None else None
    if park is None:
        sewer = "unknown"
    elif wwtp is None:
        sewer = "none"
    else:
        sewer = "enhanced_primary" if wwtp.effluent_class == "3" else "secondary"
    return WaterContext(
        industry=industry,
        route=route,
        on=on,
        processes=tuple(processes),
        eia_approved=eia_approved,
        special_limits=bool(park and park.special_limits),
        receiving_class=receiving_class,
        receiving_kind=receiving_kind,
        receiving_name=water.name if water is not None and receiving_class == water.target_class else None,
        protection_zone=protection,
        new_outfall=new_outfall,
        sewer_end=sewer,
        wwtp_name=wwtp.name if wwtp else None,
        wwtp_kind=wwtp.kind if wwtp else None,
        wwtp_class=wwtp.effluent_class if wwtp else None,
        wwtp_dedicated=bool(wwtp and industry_matches(industry, wwtp.dedicated_industries)),
        park_name=park_name,
        local_standards=park.local_standards if park else (),
        intake_standard=wwtp.intake_standard if wwtp else None,
        policy=policy or StandardsPolicy(),
    )


def water_context(project: Project, park: ParkSpec | None, on: dt.date,
                  policy: StandardsPolicy | None = None, park_name: str | None = None) -> WaterContext:
    """What the selection rules need to know about the project's wastewater and where it goes."""
    ww = project.wastewater
    return discharge_context(
        project.industry, ww.route, park, on,
        processes=tuple(getattr(project, "processes", ()) or ()),
        eia_approved=getattr(project, "eia_approved", None),
        receiving_class=ww.receiving_water_class,
        receiving_kind=getattr(ww, "receiving_water_kind", None),
        new_outfall=ww.new_outfall,
        park_name=park_name,
        policy=policy,
    )


def air_context(project: Project, park: ParkSpec | None, on: dt.date) -> AirContext:
    """What the selection rules need to know about the project's air sources."""
    return AirContext(industry=project.industry, on=on, processes=tuple(project.processes),
                      eia_approved=project.eia_approved, special_limits=bool(park and park.special_limits),
                      grade=park.air_grade if park else "2")


def check_standards(project: Project, park_id: str | None, catalog: Catalog, on: dt.date,
                    findings: list[Finding], policy: StandardsPolicy | None = None) -> list[StandardCheck]:
    """Compare each proposed concentration (and stack emission rate) with its binding limit."""
    park = catalog.park(park_id) if park_id else None
    policy = policy or catalog.spec.standards_policy
    checks: list[StandardCheck] = []
    if project.wastewater is not None:
        checks += _water_checks(project, park, park_id, catalog, on, findings, policy)
    if project.air is not None:
        checks += _air_checks(project, park, catalog, on, findings)
    return checks


# --- which standard -----------------------------------------------------------------------------------


def _activity_findings(project: Project, standards: StandardsCatalog, medium: str) -> list[Finding]:
    """A warning wherever the industry code and the process flags point to different standards of ``medium``."""
    found = []
    for match in industry_standards(standards, project.industry, project.processes, medium):
        if match.mismatch:
            std = standards.standards[match.standard]
            found.append(Finding(
                code="INDUSTRY_PROCESS_MISMATCH", severity="warning", message=match.mismatch,
                values={"industry": project.industry, "processes": list(project.processes),
                        "standard": std.number, "applied_by": match.by},
                sources=[std.scope_note or std.number],
            ))
    return found


# --- water -----------------------------------------------------------------------------------------


def _water_checks(project, park, park_id, catalog, on, findings, policy) -> list[StandardCheck]:
    ww = project.wastewater
    findings += _activity_findings(project, catalog.standards, "water")
    ctx = water_context(project, park, on, policy, catalog.names.get(park_id) if park_id else None)
    declared = set(ww.effluent) | set(ww.workshop_effluent) | ({"pH"} if ww.pH else set())
    try:
        listed = select_water(catalog.standards, ctx, None)
        selections = {**listed, **select_water(catalog.standards, ctx, sorted(declared - set(listed)))}
    except SelectionError as exc:
        findings.append(Finding(code=exc.code, severity="fail" if exc.code == "OUTFALL_FORBIDDEN" else "incomplete",
                                message=str(exc),
                                values={"route": ctx.route, "receiving_class": ctx.receiving_class,
                                        "receiving_kind": ctx.receiving_kind, "protection_zone": ctx.protection_zone,
                                        "sewer_end": ctx.sewer},
                                sources=["GB 8978-1996 4.1"]))
        return []
    if park is not None and ctx.route == "indirect":
        findings += _wwtp_class_findings(park, park_id, catalog)
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
                checks.append(_row(sel, "water", "workshop_outlet", None, None))
                continue
        else:
            proposed = ww.effluent.get(pollutant) or ww.workshop_effluent.get(pollutant)
            point = "total_outlet"
        checks.append(_compare(sel, proposed, "water", point, findings))
    return checks


def _wwtp_class_findings(park: ParkSpec, park_id: str, catalog: Catalog) -> list[Finding]:
    """A WWTP whose GB 18918 class is laxer than its receiving water asks (4.1.2, or the catalogue's own figure)."""
    wwtp, water = park.wwtp, park.receiving_water
    if wwtp is None or water is None or wwtp.effluent_class not in _CLASS_ORDER:
        return []
    if water.wwtp_class_required:
        required, source = water.wwtp_class_required, water.wwtp_class_required_source
    else:
        rule = required_wwtp_class(water.kind, water.target_class, water.protection_zone)
        if rule is None:
            return []
        required, source = rule
    if _CLASS_ORDER.get(wwtp.effluent_class, -1) <= _CLASS_ORDER.get(required, -1):
        return []
    note = ("" if water.wwtp_class_required or not (water.key_basin or water.kind in ("lake", "reservoir")) else
            "; the 2006 amendment of GB 18918-2002 is reported to require class 1A in key basins and enclosed waters, "
            "but its text was not read: state it as receiving_water.wwtp_class_required if it applies")
    return [Finding(
        code="WWTP_CLASS_BELOW_REQUIRED", severity="warning", zone_id=park_id,
        message=f"{wwtp.name} is held to GB 18918-2002 class {wwtp.effluent_class}, laxer than the class {required} "
                f"its receiving water {water.name} requires ({source}); loads at the WWTP's outlet are counted at "
                f"its catalogue class {wwtp.effluent_class}{note}",
        values={"wwtp": wwtp.name, "effluent_class": wwtp.effluent_class, "required_class": required,
                "receiving_water": water.name, "kind": water.kind, "target_class": water.target_class,
                "key_basin": water.key_basin},
        sources=[source, f"catalogue park {park_id} wwtp.effluent_class"],
    )]


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
    ctx = air_context(project, park, on)
    findings += _activity_findings(project, catalog.standards, "air")
    checks = []
    for index, stack in enumerate(project.air.stacks):
        for pollutant in sorted(set(stack.concentrations) | set(stack.rates)):
            try:
                conc_sel, rate_sel = select_air(catalog.standards, ctx, pollutant, stack.height_m, stack.source_type,
                                                stack.fuel, stack.taller_than_buildings_within_200m_by_5m,
                                                stack.so2_source)
            except SelectionError as exc:
                findings.append(Finding(code=exc.code, severity="fail", message=str(exc),
                                        values={"air_grade": ctx.grade, "stack": stack.id},
                                        sources=["GB 16297-1996 5", "catalogue park air_grade"]))
                return checks
            if conc_sel.needs:
                needed = [f"air.stacks[{index}].{fact}" for fact in conc_sel.needs]
                findings.append(Finding(
                    code="DATA_MISSING", severity="incomplete",
                    message=f"{pollutant} at {stack.id}: {conc_sel.reasons[-1]}; supply {', '.join(needed)}",
                    values={"pollutant": pollutant, "stack": stack.id, "missing": needed},
                    sources=[str(r) for r in conc_sel.reasons[:1]],
                ))
                checks.append(_row(conc_sel, "air", f"{stack.id} concentration",
                                   _value(stack.concentrations.get(pollutant)), None))
            elif pollutant in stack.concentrations:
                measured, extra = _baseline_volume(stack, conc_sel, catalog.standards, stack.concentrations[pollutant])
                checks.append(_compare(conc_sel, measured, "air", f"{stack.id} concentration", findings, extra))
            if pollutant in stack.rates and rate_sel.rate_kg_h is not None:
                checks.append(_compare_rate(stack, pollutant, rate_sel, findings))
        findings += _stack_height_findings(stack, project, catalog.standards, ctx)
    findings += _fugitive_findings(project, catalog.standards, ctx, checks)
    return checks


_PLATING = {"zinc": "镀锌", "chromium": "镀铬", "other": "其他镀种(镀铜、镍等)", "anodizing": "阳极氧化", "bluing": "发蓝"}


def _baseline_volume(stack, sel: Selection, standards: StandardsCatalog, measured: Quantity):
    """GB 21900-2008 4.2.6: a plating stack whose exhaust per m2 plated exceeds 表6 is judged at the baseline volume."""
    limit = sel.limit
    if limit is None or limit.standard != "GB21900-2008" or limit.medium != "air" or limit.table not in ("表4", "表5"):
        return measured, ()
    std = standards.standards[limit.standard]
    if stack.exhaust_per_working_day is None or not stack.plated_area_per_working_day:
        return measured, (Reason("BASELINE_VOLUME_NOT_GIVEN", standard=std.number),)
    baselines = {key: lim.number for lim in standards.rows(std.id, "exhaust_per_product")
                 for key, zh in _PLATING.items() if lim.conditions.condition_zh == zh}
    volume = stack.exhaust_per_working_day.to("m3/d")
    value = convert(measured.value, measured.unit, limit.unit)
    converted, ratio = baseline_volume_concentration(value, volume, dict(stack.plated_area_per_working_day), baselines)
    baseline = sum(area * baselines[k] for k, area in stack.plated_area_per_working_day.items())
    if ratio < 1:
        return measured, (Reason("BASELINE_VOLUME_NOT_EXCEEDED", standard=std.number, ratio=ratio),)
    reason = Reason("BASELINE_VOLUME_CONVERTED", standard=std.number, volume=volume, baseline=baseline, ratio=ratio,
                    measured=value, converted=converted)
    return Quantity(value=converted, unit=limit.unit), (reason,)


def _compare_rate(stack, pollutant, rate_sel, findings) -> StandardCheck:
    proposed = stack.rates[pollutant].to("kg/h")
    complies = proposed <= rate_sel.rate_kg_h + 1e-12
    source = f"{rate_sel.limit.source} at {stack.height_m:g} m"
    if not complies:
        findings.append(_exceeded(pollutant, f"{stack.id} rate", proposed, rate_sel.rate_kg_h, "kg/h", source))
    return StandardCheck(
        pollutant=pollutant, pollutant_zh=rate_sel.limit.pollutant_zh, medium="air",
        point=f"{stack.id} rate", limit=round(rate_sel.rate_kg_h, 4), unit="kg/h", source=source,
        proposed=proposed, complies=complies, reasons=list(rate_sel.reasons),
        reason_codes=reason_json(rate_sel.reasons),
    )


def _stack_height_findings(stack, project, standards, ctx) -> list[Finding]:
    """GB 16297-1996 7.4: a new source's stack should not be lower than 15 m (its rate is halved if it must be)."""
    if stack.source_type == "boiler" or not stack.rates and not stack.concentrations:
        return []
    below = []
    for pollutant in sorted(set(stack.concentrations) | set(stack.rates)):
        _, rate = select_air(standards, ctx, pollutant, stack.height_m, stack.source_type, stack.fuel,
                             stack.taller_than_buildings_within_200m_by_5m, stack.so2_source)
        if rate.below_minimum_height:
            below.append(pollutant)
    if not below:
        return []
    return [Finding(
        code="STACK_BELOW_MINIMUM_HEIGHT", severity="conditional",
        message=f"stack {stack.id} is {stack.height_m:g} m: GB 16297-1996 7.4 says a new source's stack should "
                f"not be lower than 15 m; where it must be, its rate ({', '.join(below)}) is held to half the "
                "extrapolated figure (applied above); the height needs the reviewing authority's acceptance",
        values={"stack": stack.id, "height_m": stack.height_m, "minimum_m": 15.0, "pollutants": below},
        sources=["GB 16297-1996 7.4", "GB 16297-1996 附录B3"],
    )]


def _fugitive_findings(project, standards: StandardsCatalog, ctx: AirContext, checks: list) -> list[Finding]:
    """GB 37822-2019 附录A (厂区内 NMHC) for a project that declares fugitive VOC sources, unless an industry
    standard that covers it regulates fugitive VOCs itself (GB 37822 第1章)."""
    fugitive = project.air.fugitive_vocs
    std = standards.standards.get("GB37822-2019")
    if fugitive is None or std is None:
        return []
    own = [standards.standards[m.standard] for m in industry_standards(standards, ctx.industry, ctx.processes, "air")
           if m.by != "none" and standards.standards[m.standard].regulates_fugitive_vocs]
    if own:
        return [Finding(
            code="STANDARD_NOT_COVERED", severity="info",
            message=f"fugitive VOCs: {', '.join(s.number for s in own)} regulates them for this industry, so GB 37822-2019 "
                    "does not apply (its 第1章); check the fugitive provisions of that standard",
            values={"pollutant": "NMHC", "point": "in_plant", "standards": [s.number for s in own]},
            sources=[std.scope_note or "GB 37822-2019 1"],
        )]
    found = []
    for column, given, label in (("1h", fugitive.nmhc_1h_mean, "1 h mean"), ("single", fugitive.nmhc_single,
                                                                            "single reading")):
        rows = [lim for lim in standards.rows(std.id, "NMHC")
                if lim.column_tags.get("averaging", "").startswith(column)
                and (lim.column_tags.get("limit_set") == "special") == ctx.special_limits]
        if not rows:
            continue
        limit = rows[0]
        point = f"in-plant NMHC {label}"
        if given is None:
            found.append(Finding(
                code="DATA_MISSING", severity="incomplete",
                message=f"fugitive VOC sources are declared ({', '.join(fugitive.sources)}): GB 37822-2019 附录A limits the "
                        f"NMHC {label} inside the plant ({limit.source}); supply air.fugitive_vocs."
                        f"{'nmhc_1h_mean' if column == '1h' else 'nmhc_single'}",
                values={"pollutant": "NMHC", "point": point, "limit": limit.number, "unit": limit.unit},
                sources=[limit.source],
            ))
            continue
        sel = Selection("NMHC", limit, (), float(limit.number), None, (limit,))
        checks.append(_compare(sel, given, "air", point, found))
    return found


# --- comparing -------------------------------------------------------------------------------------


def _value(q: Quantity | None):
    return q.value if q is not None else None


def _row(sel: Selection, medium: str, point: str, proposed, complies, extra: tuple[str, ...] = ()) -> StandardCheck:
    limit = sel.limit
    figure = sel.figure
    source = limit.source if limit else None
    if source and sel.supplementary:
        source += " [SUPPLEMENTARY: applied by the catalogue's policy, not by GB 8978-1996 1.2-1.3]"
    return StandardCheck(
        pollutant=sel.pollutant,
        pollutant_zh=limit.pollutant_zh if limit else None,
        medium=medium,
        point=point,
        limit=list(figure) if isinstance(figure, tuple) else figure,
        limit_text=sel.figure_text,
        unit=limit.unit if limit else "—",
        source=source,
        proposed=proposed,
        complies=complies,
        reasons=[*sel.reasons, *extra],
        reason_codes=reason_json([*sel.reasons, *extra]),
        supplementary=sel.supplementary,
    )


def _exceeded(pollutant: str, point: str, proposed: float, limit: float, unit: str, source: str,
              supplementary: bool = False) -> Finding:
    label = " (a SUPPLEMENTARY figure, applied by the catalogue's policy)" if supplementary else ""
    values = {"pollutant": pollutant, "point": point, "proposed": proposed, "limit": limit, "unit": unit}
    if supplementary:
        values["supplementary"] = True
    return Finding(
        code="STANDARD_EXCEEDED", severity="fail",
        message=f"{pollutant} at {point}: proposed {proposed:g} {unit} exceeds the binding limit {limit:g} {unit} "
                f"({source}){label}",
        values=values, sources=[source],
    )


def _not_covered(sel: Selection, point: str, proposed_q: Quantity | None) -> Finding:
    values: dict[str, Any] = {"pollutant": sel.pollutant, "point": point, "reasons": list(sel.reasons)}
    if sel.not_covered_by:
        values["not_covered_by"] = list(sel.not_covered_by)
        return Finding(
            code="STANDARD_NOT_COVERED", severity="info",
            message=f"{sel.pollutant} at {point}: {', '.join(sel.not_covered_by)} does not list it, and GB 8978-1996 is "
                    "not cross-applied (GB 8978-1996 1.2-1.3); it is not checked (the catalogue's standards_policy."
                    "integrated_for_unlisted applies GB 8978-1996 as a supplementary figure)",
            values=values, sources=["GB 8978-1996 1.2", "GB 8978-1996 1.3"],
        )
    return Finding(
        code="STANDARD_NOT_COVERED", severity="warning",
        message=f"{sel.pollutant} at {point}: no applicable standard gives a figure; it is not checked "
                "(add a local or intake standard to the catalogue if the park sets one)",
        values=values,
    )


def _compare(sel: Selection, proposed_q: Quantity | None, medium: str, point: str, findings,
             notes: tuple[str, ...] = ()) -> StandardCheck:
    if notes:
        sel = dataclasses.replace(sel, reasons=(*sel.reasons, *notes))
    if not sel.covered:
        findings.append(_not_covered(sel, point, proposed_q))
        return _row(sel, medium, point, proposed_q.value if proposed_q else None, None)
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
        return _row(sel, medium, point, proposed_q.value, None)
    if sel.figure_text is not None:  # 不得检出: not detectable
        extra: tuple[str, ...] = ()
        detection = limit.value.detection_limit if isinstance(limit.value, TextValue) else None
        if proposed == 0:
            complies = True
        elif detection is not None:
            complies = proposed < detection
        else:
            complies = None
            extra = (f"{limit.source} requires 不得检出 (not detectable) and prints no detection limit: "
                     "give 0 if the method does not detect it",)
            findings.append(Finding(
                code="DATA_MISSING", severity="incomplete",
                message=f"{sel.pollutant} must be not detectable ({limit.source}); the project gives {proposed_q}: "
                        "confirm with the standard method's detection limit, or give 0 when not detected",
                values={"pollutant": sel.pollutant, "proposed": proposed}, sources=[limit.source],
            ))
        if complies is False:
            findings.append(_exceeded(sel.pollutant, point, proposed, detection, limit.unit, limit.source,
                                      sel.supplementary))
        return _row(sel, medium, point, proposed, complies, extra)
    complies = proposed <= sel.figure + 1e-12
    if not complies:
        findings.append(_exceeded(sel.pollutant, point, proposed, sel.figure, limit.unit, limit.source,
                                  sel.supplementary))
    return _row(sel, medium, point, proposed, complies)


def _compare_ph(ph, sel: Selection, findings) -> StandardCheck:
    if not sel.covered or not isinstance(sel.figure, tuple):
        return _row(sel, "water", "total_outlet", [ph.min, ph.max], None)
    low, high = sel.figure
    complies = low <= ph.min and ph.max <= high
    if not complies:
        findings.append(Finding(
            code="STANDARD_EXCEEDED", severity="fail",
            message=f"pH {ph.min:g}-{ph.max:g} is outside {low:g}-{high:g} ({sel.limit.source})",
            values={"pollutant": "pH", "proposed": [ph.min, ph.max], "limit": [low, high]},
            sources=[sel.limit.source],
        ))
    return _row(sel, "water", "total_outlet", [ph.min, ph.max], complies)
