"""The screening engine: one public :func:`screen`, over small steps read top to bottom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

from standards.select import StandardsPolicy, industry_matches
from standards.units import convert
from zones.catalog import Catalog, load_catalog
from zones.model import AccessList, ParkSpec

from .capacity import (
    CapacityBook,
    CatalogueBook,
    check_cap,
    demand_for,
    final_discharge_concentration,
    load_t_per_year,
)
from .errors import RegionalEIAError
from .locate import Site, locate
from .project import Project
from .result import (
    CapacityCheck,
    Finding,
    LocationResult,
    OffsetRequirement,
    ScreeningResult,
    verdict_of,
)
from .spatial import nearest_parks, spatial_join
from .category import category_for
from .review import review_findings
from .standards_check import check_standards

__all__ = ["screen", "screen_many", "Outcome"]

Outcome = ScreeningResult | RegionalEIAError


def screen(
    project: Project,
    catalog: Catalog | None = None,
    *,
    book: CapacityBook | None = None,
    on: dt.date | None = None,
    policy: StandardsPolicy | None = None,
) -> ScreeningResult:
    """Screen one project against a catalogue: location, zoning, access, capacity, offsets, standards.

    Parameters
    ----------
    project
        The proposed project (see :func:`regional_eia.load_project`).
    catalog
        A loaded catalogue; ``None`` uses the embedded demo.
    book
        Where committed and reserved capacity come from (a ledger); default: the catalogue's figures.
    on
        The screening date (limits in force then); default: today.
    policy
        The standards policy (:class:`standards.select.StandardsPolicy`); default: the catalogue's
        ``standards_policy``.

    Returns
    -------
    ScreeningResult
        The verdict with every finding, capacity check, offset and binding limit behind it.

    Examples
    --------
    >>> from regional_eia import load_project
    >>> result = screen(load_project("examples/fuyang-fine-chemicals.yaml"))
    >>> result.verdict
    'conditional'
    """
    outcome = screen_many([project], catalog, book=book, on=on, policy=policy)[0]
    if isinstance(outcome, RegionalEIAError):
        raise outcome
    return outcome


def screen_many(
    projects: Sequence[Project],
    catalog: Catalog | None = None,
    *,
    book: CapacityBook | None = None,
    on: dt.date | None = None,
    sources: Sequence[str] | None = None,
    policy: StandardsPolicy | None = None,
) -> list[Outcome]:
    """Screen many projects with one spatial pass; a project whose site is bad yields its error."""
    catalog = catalog or load_catalog()
    book = book or CatalogueBook()
    on = on or dt.date.today()
    sites: list[Site | RegionalEIAError] = []
    for i, project in enumerate(projects):
        try:
            sites.append(locate(project.location, sources[i] if sources else project.id))
        except RegionalEIAError as exc:
            sites.append(exc)
    geoms = np.array([s.geometry if isinstance(s, Site) else None for s in sites], dtype=object)
    hits = spatial_join(geoms, catalog)
    outcomes: list[Outcome] = []
    for i, (project, site) in enumerate(zip(projects, sites)):
        if isinstance(site, RegionalEIAError):
            outcomes.append(site)
            continue
        outcomes.append(_assess(project, site, hits.for_site(i), catalog, book, on, policy))
    return outcomes


def _assess(project: Project, site: Site, hits: pd.DataFrame, catalog: Catalog, book: CapacityBook,
            on: dt.date, policy: StandardsPolicy | None = None) -> ScreeningResult:
    findings: list[Finding] = []
    park_id, location = _locate_in_parks(site, hits, catalog, findings)
    findings += _zoning_findings(project, hits, catalog)
    findings += _access_findings(project, park_id, location.control_units, catalog)
    capacity: list[CapacityCheck] = []
    offsets: list[OffsetRequirement] = []
    standards_checks = []
    category = None
    if park_id is not None:
        park = catalog.park(park_id)
        capacity = _capacity_checks(project, park_id, park, catalog, book, on, findings)
        offsets = _offsets(project, park_id, park, catalog, on, findings)
    standards_checks = check_standards(project, park_id, catalog, on, findings, policy)
    category = category_for(project, park_id, catalog, on, findings)
    findings += review_findings(
        catalog, project.industry, [z for z in hits["zone_id"][(hits["kind"] == "control_unit")
                                                               & (hits["distance_m"] == 0)]],
        has_wastewater=project.wastewater is not None,
        has_air=project.air is not None and bool(project.air.emissions or project.air.stacks),
        category=category.category if category else None)
    return ScreeningResult(
        project_id=project.id,
        project_name=project.name,
        verdict=verdict_of(findings),
        location=location,
        findings=findings,
        capacity=capacity,
        offsets=offsets,
        standards=standards_checks,
        eia_category=category,
        catalog=catalog.name,
        screened_on=on.isoformat(),
        to_change=_what_to_change(findings, capacity),
    )


# --- location --------------------------------------------------------------------------------------


def _locate_in_parks(site: Site, hits: pd.DataFrame, catalog: Catalog, findings: list[Finding]):
    point = shapely.centroid(site.geometry) if site.geometry.geom_type != "Point" else site.geometry
    parks = hits[(hits["kind"] == "park") & (hits["distance_m"] == 0)]
    units = hits[(hits["kind"] == "control_unit") & (hits["distance_m"] == 0)]
    park_id = None
    inside = parks[parks["covered"]]
    if len(inside):
        # nested parks (a sub-park inside a larger zone): the innermost, i.e. the smallest, holds
        areas = {z: shapely.area(catalog.metric_geometry(z)) for z in inside["zone_id"]}
        park_id = min(areas, key=areas.get)
    elif len(parks):
        row = parks.iloc[0]
        site_area = shapely.area(catalog.metric_geometry(row.zone_id))
        findings.append(Finding(
            code="PARTLY_OUTSIDE_PARK", severity="fail", zone_id=row.zone_id,
            message=f"the site crosses the boundary of {catalog.names[row.zone_id]}: only "
                    f"{row.overlap_m2:,.0f} m2 of it lies inside; the whole site must be in the park",
            values={"overlap_m2": round(float(row.overlap_m2), 1), "park_area_m2": round(site_area, 1)},
        ))
    else:
        nearest = _nearest_park(point, catalog)
        findings.append(Finding(
            code="OUTSIDE_PARK", severity="fail",
            message="the site lies in no park of the catalogue: park screening and the regional "
                    "simplification do not apply; the project needs a full EIA of its own"
                    + (f" (nearest park: {catalog.names[nearest[0]]}, {nearest[1]:,.0f} m away)" if nearest else ""),
            zone_id=nearest[0] if nearest else None,
            values={"nearest_park": nearest[0] if nearest else None,
                    "distance_m": round(nearest[1], 1) if nearest else None},
        ))
    location = LocationResult(
        park=park_id,
        park_name=catalog.names.get(park_id) if park_id else None,
        control_units=[catalog.control_units[z].code for z in units["zone_id"]],
        point_wgs84=[round(point.x, 7), round(point.y, 7)],
        input_crs=site.input_crs,
        converted=site.converted,
    )
    return park_id, location


def _nearest_park(point: shapely.Point, catalog: Catalog) -> tuple[str, float] | None:
    zone, distance = nearest_parks(np.array([point], dtype=object), catalog)
    if zone[0] < 0:
        return None
    return str(catalog.table.zone_id[int(zone[0])]), float(distance[0])


# --- zoning ----------------------------------------------------------------------------------------

_PROTECTED = {
    "red_line": ("RED_LINE_OVERLAP", "RED_LINE_PROXIMITY", "ecological red line (生态保护红线)"),
    "water_source": ("WATER_SOURCE_OVERLAP", "WATER_SOURCE_PROXIMITY",
                     "drinking-water source protection zone (饮用水水源保护区)"),
}


def _zoning_findings(project: Project, hits: pd.DataFrame, catalog: Catalog) -> list[Finding]:
    findings = []
    for row in hits[hits["kind"].isin(list(_PROTECTED))].itertuples():
        overlap_code, near_code, label = _PROTECTED[row.kind]
        spec = catalog.protected[row.zone_id]
        name = catalog.names[row.zone_id]
        grade = f" ({spec.grade})" if spec.grade else ""
        if row.distance_m == 0:
            findings.append(Finding(
                code=overlap_code, severity="fail", zone_id=row.zone_id,
                message=f"the site overlaps the {label} {name}{grade}: no industrial project may",
                values={"distance_m": 0.0, "overlap_m2": round(float(row.overlap_m2), 1)},
                sources=[f"catalogue zone {row.zone_id} ({catalog.table.source[catalog.table.positions[row.zone_id]]})"],
            ))
        else:
            findings.append(Finding(
                code=near_code, severity="warning", zone_id=row.zone_id,
                message=f"the site is {row.distance_m:,.0f} m from the {label} {name}{grade}, within the "
                        f"{spec.buffer_m:,.0f} m the catalogue flags",
                values={"distance_m": round(float(row.distance_m), 1), "buffer_m": spec.buffer_m},
                sources=[f"catalogue zone {row.zone_id} protected.buffer_m"],
            ))
    for row in hits[hits["kind"] == "receptor"].itertuples():
        receptor = catalog.receptors[row.zone_id]
        setback = setback_for(project.industry, receptor.setbacks)
        if setback is not None and row.distance_m < setback.distance_m:
            findings.append(Finding(
                code="RECEPTOR_SETBACK", severity="fail", zone_id=row.zone_id,
                message=f"{catalog.names[row.zone_id]} ({receptor.receptor_type}) is {row.distance_m:,.0f} m "
                        f"from the site, inside the {setback.distance_m:,.0f} m setback for {project.industry}",
                values={"distance_m": round(float(row.distance_m), 1), "setback_m": setback.distance_m,
                        "setback_industries": list(setback.industries)},
                sources=[f"catalogue zone {row.zone_id} receptor.setbacks: {setback.basis}"],
            ))
    return findings


def setback_for(industry: str, setbacks):
    """The receptor's setback for ``industry``: the longest matching industry prefix, else the general one."""
    specific = [(industry_matches(industry, s.industries), s) for s in setbacks if s.industries]
    specific = [(m, s) for m, s in specific if m]
    if specific:
        return max(specific, key=lambda ms: (len(ms[0]), ms[1].distance_m))[1]
    general = [s for s in setbacks if not s.industries]
    return max(general, key=lambda s: s.distance_m) if general else None


# --- access lists ----------------------------------------------------------------------------------


def _access_findings(project: Project, park_id: str | None, unit_codes: list[str], catalog: Catalog) -> list[Finding]:
    lists: list[tuple[str, str, AccessList]] = []
    if park_id is not None:
        lists.append((park_id, f"park {catalog.names[park_id]} access list", catalog.park(park_id).access))
    by_code = {spec.code: zone_id for zone_id, spec in catalog.control_units.items()}
    for code in unit_codes:
        zone_id = by_code[code]
        unit = catalog.control_units[zone_id]
        lists.append((zone_id, f"control unit {code} ({unit.unit_class}) access list", catalog.access_for_unit(zone_id)))
    findings = []
    for zone_id, label, access in lists:
        for part, code, severity, rule, matched, common in access_matches(project.industry, project.processes, access):
            process_note = f" with process {common}" if rule.processes else ""
            message = f"{project.industry}{process_note} is {part} by the {label}: {rule.reason}"
            if rule.conditions:
                message += f"; condition: {rule.conditions}"
            findings.append(Finding(
                code=code, severity=severity, zone_id=zone_id, message=message,
                values={"industry": project.industry, "matched_code": matched,
                        "processes": list(rule.processes), "conditions": rule.conditions},
                sources=[f"catalogue {label}, {part}"],
            ))
    return findings


ACCESS_PARTS = (("prohibited", "ACCESS_PROHIBITED", "fail"),
                ("restricted", "ACCESS_RESTRICTED", "conditional"),
                ("encouraged", "ACCESS_ENCOURAGED", "info"))


def access_matches(industry: str, processes: Sequence[str], access: AccessList):
    """The rules of one access list that an industry (with its process flags) falls under, in list order:
    ``(part, code, severity, rule, matched_prefix, common_processes)``."""
    matches = []
    for part, code, severity in ACCESS_PARTS:
        for rule in getattr(access, part):
            matched = industry_matches(industry, rule.codes)
            if not matched:
                continue
            if rule.processes and not set(rule.processes) & set(processes):
                continue
            matches.append((part, code, severity, rule, matched, sorted(set(rule.processes) & set(processes))))
    return matches


# --- capacity and offsets --------------------------------------------------------------------------


def _capacity_checks(project, park_id, park: ParkSpec, catalog, book, on, findings) -> list[CapacityCheck]:
    checks = []
    threshold = park.utilisation_warning or catalog.spec.utilisation_warning
    for cap in park.caps:
        demand = demand_for(project, park, cap, catalog.standards, on)
        position = book.position(park_id, cap)
        check = check_cap(park_id, cap, demand, position, project)
        checks.append(check)
        label = f"{cap.metric} cap of {catalog.names[park_id]} ({cap.value:g} {cap.unit}, {cap.basis})"
        values = {"metric": cap.metric, "cap": cap.value, "committed": position.committed, "reserved": position.reserved,
                  "remaining": check.remaining, "demand": check.demand, "unit": cap.unit, "basis": cap.basis}
        sources = [f"catalogue park {park_id} caps.{cap.metric}" + (f" ({cap.source})" if cap.source else ""),
                   f"committed/reserved: {position.source}", *position.notes, *demand.sources]
        if demand.value is None:
            findings.append(Finding(
                code="DATA_MISSING", severity="incomplete", zone_id=park_id,
                message=f"cannot compute the demand on the {label}: supply {', '.join(demand.missing)}",
                values={"metric": cap.metric, "missing": list(demand.missing)}, sources=sources,
            ))
        elif not check.fits:
            change = f"reduce by {check.reduce_by:,.4g} {cap.unit}"
            if check.reuse_rate_to_fit is not None:
                change += (f" (flow at most {check.max_flow_m3d:,.0f} m3/d, i.e. reuse "
                           f"{check.reuse_rate_to_fit:.1%} of the wastewater)")
            findings.append(Finding(
                code="CAPACITY_EXCEEDED", severity="fail", zone_id=park_id,
                message=f"demand {check.demand:,.4g} {cap.unit} exceeds the {check.remaining:,.4g} {cap.unit} "
                        f"left of the {label}; {change}",
                values={**values, "reduce_by": check.reduce_by, "max_flow_m3d": check.max_flow_m3d,
                        "reuse_rate_to_fit": check.reuse_rate_to_fit, "how": check.demand_how},
                sources=sources,
            ))
        elif check.utilisation_after is not None and check.utilisation_after > threshold:
            findings.append(Finding(
                code="CAPACITY_HIGH_UTILISATION", severity="warning", zone_id=park_id,
                message=f"the {label} would be {check.utilisation_after:.1%} used after this project "
                        f"(warning threshold {threshold:.0%})",
                values={**values, "utilisation_after": check.utilisation_after, "threshold": threshold},
                sources=sources,
            ))
    return checks


def _offsets(project, park_id, park: ParkSpec, catalog, on, findings) -> list[OffsetRequirement]:
    offsets = []
    for offset in park.offsets:
        pollutant = offset.pollutant
        media = catalog.standards.pollutants[pollutant].media
        increment, how = None, ""
        if "air" in media and project.air is not None and pollutant in project.air.emissions:
            q = project.air.emissions[pollutant]
            increment, how = convert(q.value, q.unit, "t/a"), f"declared air emission {q}"
        elif "water" in media and project.wastewater is not None:
            ww = project.wastewater
            conc, conc_how, missing, _ = final_discharge_concentration(project, park, pollutant, catalog.standards, on)
            if conc is None or ww.operating_days is None:
                needed = list(missing) + ([] if ww.operating_days else ["wastewater.operating_days"])
                findings.append(Finding(
                    code="DATA_MISSING", severity="incomplete", zone_id=park_id,
                    message=f"cannot compute the {pollutant} increment to offset: supply {', '.join(needed)}",
                    values={"pollutant": pollutant, "missing": needed},
                ))
                continue
            flow = ww.flow.to("m3/d")
            increment = load_t_per_year(conc, flow, ww.operating_days)
            how = f"{conc_how} x {flow:g} m3/d x {ww.operating_days:g} d/a x 1e-6"
        if not increment:
            continue
        required = increment * offset.ratio
        offsets.append(OffsetRequirement(pollutant=pollutant, ratio=offset.ratio, increment=increment,
                                         required=required, reason=offset.reason, how=how))
        findings.append(Finding(
            code="OFFSET_REQUIRED", severity="conditional", zone_id=park_id,
            message=f"{pollutant}: the increment of {increment:,.4g} t/a must be offset {offset.ratio:g}:1, "
                    f"i.e. {required:,.4g} t/a cut elsewhere ({offset.reason})",
            values={"pollutant": pollutant, "increment_t_a": increment, "ratio": offset.ratio,
                    "required_t_a": required, "how": how},
            sources=[f"catalogue park {park_id} offsets.{pollutant}"],
        ))
    return offsets


# --- what would have to change ---------------------------------------------------------------------


def _what_to_change(findings: list[Finding], capacity: list[CapacityCheck]) -> list[str]:
    changes = []
    for check in capacity:
        if check.fits is False:
            text = f"{check.metric}: cut demand by {check.reduce_by:,.4g} {check.unit} to fit what is left"
            if check.reuse_rate_to_fit is not None:
                text += (f" (wastewater at most {check.max_flow_m3d:,.0f} m3/d, a reuse rate of "
                         f"{check.reuse_rate_to_fit:.1%})")
            changes.append(text)
    for f in findings:
        if f.code in ("RED_LINE_OVERLAP", "WATER_SOURCE_OVERLAP", "RECEPTOR_SETBACK", "OUTSIDE_PARK",
                      "PARTLY_OUTSIDE_PARK"):
            changes.append(f"site: {f.message}")
        elif f.code == "ACCESS_PROHIBITED":
            changes.append(f"industry or process: {f.message}")
        elif f.code == "STANDARD_EXCEEDED":
            changes.append(f"treatment: {f.message}")
        elif f.code in ("DATA_MISSING", "WORKSHOP_OUTLET_REQUIRED"):
            changes.append(f"supply: {f.message}")
        elif f.code == "OFFSET_REQUIRED":
            changes.append(f"offset: {f.message}")
        elif f.code == "ACCESS_RESTRICTED" and f.values.get("conditions"):
            changes.append(f"condition: {f.values['conditions']}")
    return changes
