"""Inside a screening: each proposed figure against its binding limit.

The binding limit of each pollutant comes from :mod:`standards.select` (once per distinct discharge
context and pollutant); the comparison of a wastewater figure is written once here over arrays (a
total-outlet or workshop-outlet concentration, pH as a range, 不得检出 against the method's detection
limit), for one project or a million. Air sources (stacks, fugitive VOCs) exist only in project files:
their rules run here per project, as findings of the same registry. Every finding the standards produce
comes out of this module; the selection rules themselves are in :mod:`standards.select`, their reasons
:class:`standards.reasons.Reason` values worded in zh and en.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
import datetime as dt
from typing import Any

import numpy as np

from standards import SelectionError
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

from .arrays import CatalogueArrays, factorize_rows
from .columns import Measure, ProjectColumns
from .found import Found
from .project import Project, Quantity
from .result import StandardCheck
from .zoning import _objects

__all__ = ["water_context", "discharge_context", "air_context", "Comparisons", "check_standards"]

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


# kinds of comparison
VALUE, PH, RATE, NEEDS_WORKSHOP = range(4)


@dataclass
class Comparisons:
    """One entry per proposed figure and its limit (what ``StandardCheck`` rows and the batch's
    ``standards`` column are made of), in the order a result lists them."""

    row: np.ndarray
    pollutant: np.ndarray
    medium: np.ndarray
    point: np.ndarray
    kind: np.ndarray
    selection: np.ndarray  # index into ``selections``
    proposed: np.ndarray  # in the limit's unit where it converts, else as given; pH: its minimum
    proposed_hi: np.ndarray  # pH: its maximum
    complies: np.ndarray  # 1, 0, or NaN (not decided)
    limit: np.ndarray  # the figure compared with (a rate at the stack's height; pH: low end)
    limit_hi: np.ndarray
    note: np.ndarray  # an extra reason (not detectable without a detection limit), or None
    selections: list = field(default_factory=list)
    contexts: list | None = None  # water: the discharge context of each selection

    def __len__(self) -> int:
        return len(self.row)


def check_standards(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays,
                    on: dt.date, policy: StandardsPolicy | None = None
                    ) -> tuple[Comparisons | None, list[Found], dict[int, list[StandardCheck]]]:
    """Compare every proposed figure of ``rows`` with its binding limit: the wastewater comparisons (over
    arrays), the findings, and the checks of each project's air sources (by row)."""
    policy = policy or arrays.catalog.spec.standards_policy
    water, found = _water(cols, rows[cols.has_ww[rows]], park, arrays, on, policy)
    air_checks: dict[int, list[StandardCheck]] = {}
    if cols.projects is not None:
        for r in rows:
            project = cols.projects[r]
            if project is None or project.air is None:
                continue
            spec = arrays.catalog.park(arrays.parks[park[r]]) if park[r] >= 0 else None
            specs: list[_Spec] = []
            air_checks[int(r)] = _air_checks(project, spec, arrays.catalog, on, specs)
            found += [_found(int(r), f) for f in specs]
    return water, found, air_checks


@dataclasses.dataclass(frozen=True)
class _Spec:
    """A finding of one project's air sources, before it joins the registry's blocks."""

    code: str
    values: dict
    sources: tuple
    zone_id: str | None = None


def Finding(code: str, severity: str | None = None, message: str | None = None, values: dict | None = None,  # noqa: N802
            sources=(), zone_id: str | None = None) -> _Spec:
    """The per-project air rules write findings as the registry's (code, values, sources): the registry
    gives the severity, the message catalogue the words (``severity`` and ``message`` are not kept)."""
    values = dict(values or {})
    if code == "STANDARD_EXCEEDED":
        values.setdefault("source", sources[0] if sources else "")
    if code == "STANDARD_NOT_COVERED" and values.get("not_covered_by") is None and values.get("standards"):
        code = "NOT_CROSS_APPLIED"  # an industry standard's own scope leaves it out
    if code == "STANDARD_NOT_COVERED" and values.get("not_covered_by"):
        code = "NOT_CROSS_APPLIED"
    if code == "DATA_MISSING" and "about" not in values:
        if "stack" in values:
            values = {"about": "stack", "pollutant": values.get("pollutant"), "missing": values.get("missing", []),
                      "detail": message}
        elif "limit" in values:
            values = {"about": "fugitive", "pollutant": values.get("pollutant"), "missing": [],
                      "limit_unit": values.get("unit"), "source": sources[0] if sources else None,
                      "proposed": values.get("point")}
        elif "limit_unit" in values:
            values = {"about": "unit", "pollutant": values.get("pollutant"), "proposed": values.get("unit"),
                      "limit_unit": values.get("limit_unit")}
        else:
            values = {"about": "not_detectable", "pollutant": values.get("pollutant"),
                      "proposed": None if values.get("proposed") is None else f"{values['proposed']:g}",
                      "source": sources[0] if sources else None}
    return _Spec(code, values, tuple(sources), zone_id)


def _found(row: int, spec: _Spec) -> Found:
    return Found(spec.code, np.array([row], dtype=np.int64),
                 {name: (_objects([value]) if isinstance(value, (list, tuple)) else value)
                  for name, value in spec.values.items()},
                 zone=spec.zone_id, sources=spec.sources)


# --- water -----------------------------------------------------------------------------------------


def _profile(arrays: CatalogueArrays, p: int):
    """What :func:`discharge_context` reads of a park, but its names; parks it cannot tell apart share
    their selections (their names only word the reasons)."""
    park = arrays.catalog.park(arrays.parks[p])
    water, wwtp = park.receiving_water, park.wwtp
    return (park.special_limits, water.target_class if water else None, water.protection_zone if water else None,
            water.kind if water else None, wwtp.kind if wwtp else None, wwtp.effluent_class if wwtp else None,
            wwtp.dedicated_industries if wwtp else None, wwtp.intake_standard if wwtp else None, park.local_standards,
            wwtp is None, water is None)


def _profiles(arrays: CatalogueArrays) -> tuple[np.ndarray, list[int]]:
    def build():
        seen: dict = {}
        ids = [seen.setdefault(_profile(arrays, p), len(seen)) for p in range(len(arrays.parks))]
        owner = [ids.index(k) for k in range(len(seen))]
        return np.array(ids + [-1], dtype=np.int64), owner

    return arrays.memo("water_profiles", "all", build)


_NAMES = dict(wwtp_name=None, park_name=None, receiving_name=None)


def _listing(arrays: CatalogueArrays, ctx: WaterContext):
    """``(selection error or None, every pollutant's selection)`` for a discharge context."""
    def build():
        try:
            return None, select_water(arrays.catalog.standards, ctx, None)
        except SelectionError as exc:
            return exc, {}

    return arrays.memo("water_listing", ctx, build)


def _selection(arrays: CatalogueArrays, ctx: WaterContext, pollutant: str) -> Selection:
    def build():
        listed = _listing(arrays, ctx)[1]
        if pollutant in listed:
            return listed[pollutant]
        return select_water(arrays.catalog.standards, ctx, [pollutant])[pollutant]

    return arrays.memo("water_selection", (ctx, pollutant), build)


def _contexts(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays, on, policy):
    """Each row's discharge context (index into the returned list), built once per distinct key by the one
    builder, :func:`discharge_context`, with the names that only word reasons set aside."""
    profile_of, owner = _profiles(arrays)
    profile = profile_of[park[rows]]
    rwc = np.where(np.equal(cols.rwc[rows], None), "", cols.rwc[rows]).astype(object)
    kind = np.where(np.equal(cols.receiving_kind[rows], None), "", cols.receiving_kind[rows]).astype(object)
    approved = np.where(np.equal(cols.eia_approved[rows], None), "", cols.eia_approved[rows]).astype(object)
    codes, keys = factorize_rows(cols.industry[rows], cols.route[rows], rwc, cols.new_outfall[rows], profile,
                                 cols.processes[rows], kind, approved)
    contexts: list[WaterContext] = []
    index: dict = {}
    of_key = []
    for industry, route, receiving, new_outfall, prof, processes, receiving_kind, eia_approved in keys:
        spec = arrays.catalog.park(arrays.parks[owner[prof]]) if prof >= 0 else None
        ctx = discharge_context(industry, route, spec, on, processes=tuple(processes.split(";")) if processes else (),
                                eia_approved=eia_approved or None, receiving_class=receiving or None,
                                receiving_kind=receiving_kind or None, new_outfall=bool(new_outfall), policy=policy)
        ctx = dataclasses.replace(ctx, **_NAMES)
        of_key.append(index.setdefault(ctx, len(index)))
        if len(contexts) < len(index):
            contexts.append(ctx)
    return np.array(of_key, dtype=np.int64)[codes], contexts


def named_context(ctx: WaterContext, cols: ProjectColumns, row: int, park: int, arrays: CatalogueArrays
                  ) -> WaterContext:
    """A row's context with the names of its park, WWTP and water (what its reasons name)."""
    spec = arrays.catalog.park(arrays.parks[park]) if park >= 0 else None
    full = discharge_context(ctx.industry, ctx.route, spec, ctx.on, processes=ctx.processes,
                             eia_approved=ctx.eia_approved, receiving_class=cols.rwc[row],
                             receiving_kind=cols.receiving_kind[row], new_outfall=ctx.new_outfall,
                             park_name=arrays.park_name[park] if park >= 0 else None, policy=ctx.policy)
    return full


def _water(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays, on, policy):
    if rows.size == 0:
        return None, []
    ctx_of, contexts = _contexts(cols, rows, park, arrays, on, policy)
    listings = [_listing(arrays, c) for c in contexts]
    error = np.array([type(l[0]).__name__ if l[0] is not None else None for l in listings] + [None],
                     dtype=object)[ctx_of]
    blocks: list[Found] = _mismatches(cols, rows, "water", arrays)
    refused = np.flatnonzero(np.not_equal(error, None))
    if refused.size:
        blocks += _refusals(rows[refused], ctx_of[refused], contexts, listings)
    live = np.equal(error, None)
    blocks += _wwtp_classes(rows[live & (cols.route[rows] == "indirect")], park, arrays)

    declared: dict[str, np.ndarray] = {}
    for table in (cols.effluent, cols.workshop):
        for pollutant, measure in table.items():
            given = measure.given()[rows]
            declared[pollutant] = declared.get(pollutant, np.zeros(rows.size, dtype=bool)) | given
    has_ph = ~np.isnan(cols.ph_min[rows])
    if has_ph.any():
        declared["pH"] = has_ph
    blocks += _undeclared(rows, ctx_of, live, listings, declared)

    parts = []
    for pollutant in sorted(declared):
        has = declared[pollutant] & live
        if has.any():
            parts.append(_compare_water(cols, rows[has], ctx_of[has], contexts, pollutant, arrays))
    comparisons = _concat(*parts)
    if comparisons is not None:
        order = np.lexsort((np.arange(len(comparisons)), comparisons.row))  # row by row, pollutants sorted
        comparisons = _take(comparisons, order)
        blocks += _findings(comparisons, cols, "water")
    return comparisons, blocks


def _mismatches(cols: ProjectColumns, rows: np.ndarray, medium: str, arrays: CatalogueArrays) -> list[Found]:
    """INDUSTRY_PROCESS_MISMATCH wherever the industry code and the process flags point to different
    standards of ``medium`` (once per distinct industry and processes)."""
    standards = arrays.catalog.standards
    codes, keys = factorize_rows(cols.industry[rows], cols.processes[rows])

    def build(industry, processes):
        flags = tuple(processes.split(";")) if processes else ()
        return [(standards.standards[m.standard].number, m.by, str(m.mismatch),
                 standards.standards[m.standard].scope_note) for m in industry_standards(standards, industry, flags,
                                                                                           medium) if m.mismatch]

    found = [arrays.memo("mismatch", (medium, *key), lambda key=key: build(*key)) for key in keys]
    out = []
    for k, matches in enumerate(found):
        for number, by, _, note in matches:
            at = rows[codes == k]
            out.append(Found("INDUSTRY_PROCESS_MISMATCH", at, {
                "industry": keys[k][0], "processes": tuple(keys[k][1].split(";")) if keys[k][1] else (),
                "standard": number, "applied_by": by}, sources=(note or number,)))
    return out


def _wwtp_classes(rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays) -> list[Found]:
    """WWTP_CLASS_BELOW_REQUIRED for indirect dischargers of a park whose WWTP is laxer than its water asks."""
    parks = park[rows]
    rows, parks = rows[parks >= 0], parks[parks >= 0]
    out = []
    for p in np.unique(parks):
        specs = arrays.memo("wwtp_class", int(p), lambda p=p: _wwtp_class_findings(
            arrays.catalog.park(arrays.parks[p]), arrays.parks[p], arrays.catalog))
        for spec in specs:
            at = rows[parks == p]
            out.append(Found(spec.code, at, spec.values, zone=spec.zone_id, sources=spec.sources))
    return out


def _refusals(rows, ctx_of, contexts, listings) -> list[Found]:
    """A discharge the selection rules refuse (a new outfall into class I/II water) or cannot decide."""
    out = []
    for code in ("OUTFALL_FORBIDDEN", "DATA_MISSING"):
        keep = np.array([listings[c][0].code == code for c in ctx_of], dtype=bool)
        if not keep.any():
            continue
        ctx = [contexts[c] for c in ctx_of[keep]]
        detail = np.array([str(listings[c][0]) for c in ctx_of[keep]], dtype=object)
        where = {"route": np.array([c.route for c in ctx], dtype=object),
                 "receiving_class": np.array([c.receiving_class for c in ctx], dtype=object),
                 "receiving_kind": np.array([c.receiving_kind for c in ctx], dtype=object),
                 "protection_zone": np.array([c.protection_zone for c in ctx], dtype=bool),
                 "sewer_end": np.array([c.sewer for c in ctx], dtype=object)}
        if code == "OUTFALL_FORBIDDEN":
            values = {**where, "detail": detail}
        else:
            missing = _objects([("wastewater.receiving_water_class",) if c.receiving_class is None else ()
                                for c in ctx])
            values = {"about": "selection", "missing": missing, "detail": detail,
                      "receiving_class": where["receiving_class"], "receiving_kind": where["receiving_kind"]}
        out.append(Found(code, rows[keep], values, sources=("GB 8978-1996 4.1",)))
    return out


def _undeclared(rows, ctx_of, live, listings, declared) -> list[Found]:
    """POLLUTANT_NOT_DECLARED: the industry standard limits pollutants the project gives no figure for."""
    industry_listed = [sorted(p for p, sel in listing[1].items()
                              if sel.limit is not None and sel.limit.standard_kind == "industry")
                       for listing in listings]
    if not any(industry_listed):
        return []
    names = sorted(declared)
    codes, keys = factorize_rows(ctx_of, *(declared[p] for p in names))
    per_key = []
    for key in keys:
        ctx, given = key[0], dict(zip(names, key[1:]))
        missing = [p for p in industry_listed[ctx] if not given.get(p, False)]
        numbers = sorted({listings[ctx][1][p].limit.standard_number for p in missing})
        per_key.append((tuple(missing), tuple(numbers)))
    has = np.array([bool(m) for m, _ in per_key], dtype=bool)[codes] & live
    if not has.any():
        return []
    picked = [per_key[c] for c in codes[has]]
    numbers = _objects([n for _, n in picked])
    return [Found("POLLUTANT_NOT_DECLARED", rows[has], {"pollutants": _objects([m for m, _ in picked]),
                                                        "standards": numbers}, sources=numbers)]


def _limits_of(selections: list[Selection], unit_of_source: list[str | None]):
    """Per selection: covered, text (不得检出), detection limit, figure (pH: low/high), the limit's unit."""
    k = len(selections)
    covered, text = np.zeros(k, dtype=bool), np.zeros(k, dtype=bool)
    detection, figure, figure_hi = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    for i, sel in enumerate(selections):
        covered[i] = sel.covered
        if not sel.covered:
            continue
        text[i] = sel.figure_text is not None
        if text[i]:
            value = sel.limit.value
            if isinstance(value, TextValue) and value.detection_limit is not None:
                detection[i] = value.detection_limit
        elif isinstance(sel.figure, tuple):
            figure[i], figure_hi[i] = sel.figure
        else:
            figure[i] = sel.figure
    return covered, text, detection, figure, figure_hi


def _compare_water(cols, rows, ctx_of, contexts, pollutant, arrays) -> Comparisons:
    n = rows.size
    uniques, inverse = np.unique(ctx_of, return_inverse=True)
    selections = [_selection(arrays, contexts[c], pollutant) for c in uniques]
    chosen = [contexts[c] for c in uniques]
    sel = inverse.ravel()
    covered, text, detection, figure, figure_hi = _limits_of(selections, [])
    if pollutant == "pH":
        lo, hi = cols.ph_min[rows], cols.ph_max[rows]
        checked = covered[sel] & ~np.isnan(figure[sel]) & ~np.isnan(figure_hi[sel])
        complies = np.where(checked, ((figure[sel] <= lo) & (hi <= figure_hi[sel])).astype(float), np.nan)
        return Comparisons(rows, np.full(n, "pH", dtype=object), np.full(n, "water", dtype=object),
                           np.full(n, "total_outlet", dtype=object), np.full(n, PH, dtype=np.int8), sel, lo, hi,
                           complies, figure[sel], figure_hi[sel], np.full(n, None, dtype=object), selections, chosen)
    workshop_point = np.array([s.limit is not None and s.limit.monitoring_point == "workshop_outlet"
                               for s in selections], dtype=bool)[sel]
    eff, ws = cols.effluent.get(pollutant), cols.workshop.get(pollutant)
    eff_v = eff.values[rows] if eff else np.full(n, np.nan)
    ws_v = ws.values[rows] if ws else np.full(n, np.nan)
    use_ws = workshop_point | np.isnan(eff_v)
    needs_ws = workshop_point & np.isnan(ws_v)
    point = np.where(workshop_point, "workshop_outlet", "total_outlet").astype(object)
    kind = np.where(needs_ws, NEEDS_WORKSHOP, VALUE).astype(np.int8)
    measure_eff = eff.take(rows) if eff else None
    measure_ws = ws.take(rows) if ws else None
    raw = np.where(use_ws, ws_v, eff_v)
    units = [s.limit.unit if s.limit is not None else None for s in selections]
    converted = np.full(n, np.nan)
    converts = np.zeros(n, dtype=bool)
    for which, measure, take in (("ws", measure_ws, use_ws), ("eff", measure_eff, ~use_ws)):
        if measure is None:
            continue
        for k, unit in enumerate(units):
            if unit is None:
                continue
            here = take & (sel == k)
            if not here.any():
                continue
            values, ok = measure.take(np.flatnonzero(here)).to(unit)
            converted[here], converts[here] = values, ok
    complies, proposed, note = _decide(kind, covered[sel], text[sel], detection[sel], figure[sel], raw, converted,
                                       converts, selections, sel)
    return Comparisons(rows, np.full(n, pollutant, dtype=object), np.full(n, "water", dtype=object), point, kind,
                       sel, proposed, np.full(n, np.nan), complies, np.where(text[sel], detection[sel], figure[sel]),
                       np.full(n, np.nan), note, selections, chosen)


def _decide(kind, covered, text, detection, figure, raw, converted, converts, selections, sel):
    """Whether each figure complies (1, 0, NaN undecided), the proposed figure shown, and a note."""
    n = kind.size
    complies = np.full(n, np.nan)
    proposed = np.where(covered & converts, converted, raw)
    note = np.full(n, None, dtype=object)
    todo = (kind == VALUE) & covered & converts
    with np.errstate(invalid="ignore"):
        numeric = todo & ~text
        complies[numeric] = (converted[numeric] <= figure[numeric] + 1e-12).astype(float)
        textual = todo & text
        zero = textual & (converted == 0)
        complies[zero] = 1.0
        with_detection = textual & ~zero & ~np.isnan(detection)
        complies[with_detection] = (converted[with_detection] < detection[with_detection]).astype(float)
    for i in np.flatnonzero(textual & ~zero & np.isnan(detection)):
        source = selections[sel[i]].limit.source
        note[i] = (f"{source} requires 不得检出 (not detectable) and prints no detection limit: "
                   "give 0 if the method does not detect it")
    return complies, proposed, note


# --- the park WWTP's class -------------------------------------------------------------------------


def _wwtp_class_findings(park: ParkSpec, park_id: str, catalog: Catalog) -> list[_Spec]:
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
    amendment = not water.wwtp_class_required and bool(water.key_basin or water.kind in ("lake", "reservoir"))
    return [Finding(
        code="WWTP_CLASS_BELOW_REQUIRED", zone_id=park_id,
        values={"wwtp": wwtp.name, "effluent_class": wwtp.effluent_class, "required_class": required,
                "receiving_water": water.name, "kind": water.kind, "target_class": water.target_class,
                "key_basin": water.key_basin, "source": source, "amendment_not_read": amendment},
        sources=[source, f"catalogue {park_id}.wwtp.effluent_class"],
    )]


# --- air sources (project files only) ------------------------------------------------------------


def _air_checks(project, park, catalog, on, findings) -> list[StandardCheck]:
    ctx = air_context(project, park, on)
    checks = []
    for index, stack in enumerate(project.air.stacks):
        for pollutant in sorted(set(stack.concentrations) | set(stack.rates)):
            try:
                conc_sel, rate_sel = select_air(catalog.standards, ctx, pollutant, stack.height_m, stack.source_type,
                                                stack.fuel, stack.taller_than_buildings_within_200m_by_5m,
                                                stack.so2_source)
            except SelectionError as exc:
                findings.append(Finding(code=exc.code, values={"air_grade": ctx.grade, "stack": stack.id},
                                        sources=["GB 16297-1996 5", "catalogue air_grade"]))
                return checks
            if conc_sel.needs:
                needed = [f"air.stacks[{index}].{fact}" for fact in conc_sel.needs]
                findings.append(Finding(
                    code="DATA_MISSING",
                    values={"about": "stack", "pollutant": pollutant, "stack": stack.id, "missing": needed},
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
    proposed = np.array([stack.rates[pollutant].to("kg/h")])
    ok = np.ones(1, dtype=bool)
    complies, _, _ = _decide(np.array([VALUE], dtype=np.int8), ok, ~ok, np.array([np.nan]),
                             np.array([rate_sel.rate_kg_h]), proposed, proposed, ok, [rate_sel], np.array([0]))
    source = f"{rate_sel.limit.source} at {stack.height_m:g} m"
    if complies[0] == 0:
        findings.append(_exceeded(pollutant, f"{stack.id} rate", float(proposed[0]), rate_sel.rate_kg_h, "kg/h", source))
    return StandardCheck(
        pollutant=pollutant, pollutant_zh=rate_sel.limit.pollutant_zh, medium="air",
        point=f"{stack.id} rate", limit=round(rate_sel.rate_kg_h, 4), unit="kg/h", source=source,
        proposed=float(proposed[0]), complies=bool(complies[0]), reasons=list(rate_sel.reasons),
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
        code="STACK_BELOW_MINIMUM_HEIGHT",
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
            code="NOT_CROSS_APPLIED",
            values={"pollutant": "NMHC", "point": "in_plant", "not_covered_by": [s.number for s in own],
                    "scope": "GB 37822-2019"},
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
                code="DATA_MISSING",
                values={"about": "fugitive", "pollutant": "NMHC", "source": limit.source,
                        "missing": [f"air.fugitive_vocs.{'nmhc_1h_mean' if column == '1h' else 'nmhc_single'}"]},
                sources=[limit.source],
            ))
            continue
        sel = Selection("NMHC", limit, (), float(limit.number), None, (limit,))
        checks.append(_compare(sel, given, "air", point, found))
    return found


# --- comparing one project's figures ---------------------------------------------------------------


def _value(q: Quantity | None):
    return q.value if q is not None else None


def _row(sel: Selection, medium: str, point: str, proposed, complies, extra: tuple[str, ...] = ()) -> StandardCheck:
    limit = sel.limit
    figure = sel.figure
    source = limit.source if limit else None
    if source and sel.supplementary:
        source += SUPPLEMENTARY
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
              supplementary: bool = False) -> _Spec:
    values = {"pollutant": pollutant, "point": point, "proposed": proposed, "limit": limit, "unit": unit,
              "source": source}
    if supplementary:
        values["supplementary"] = True
    return Finding(code="STANDARD_EXCEEDED", values=values, sources=[source])


def _not_covered(sel: Selection, point: str) -> _Spec:
    values: dict[str, Any] = {"pollutant": sel.pollutant, "point": point, "reasons": [str(r) for r in sel.reasons]}
    if sel.not_covered_by:
        return Finding(code="NOT_CROSS_APPLIED", values={**values, "not_covered_by": list(sel.not_covered_by)},
                       sources=["GB 8978-1996 1.2", "GB 8978-1996 1.3"])
    return Finding(code="STANDARD_NOT_COVERED", values=values)


def _compare(sel: Selection, proposed_q: Quantity | None, medium: str, point: str, findings,
             notes: tuple[str, ...] = ()) -> StandardCheck:
    """One figure of a project's air sources against its limit, by the comparison every figure goes through
    (:func:`_decide`)."""
    if notes:
        sel = dataclasses.replace(sel, reasons=(*sel.reasons, *notes))
    if not sel.covered:
        findings.append(_not_covered(sel, point))
        return _row(sel, medium, point, proposed_q.value if proposed_q else None, None)
    limit = sel.limit
    raw = np.array([proposed_q.value])
    converted, converts = Measure(raw, proposed_q.unit).to(limit.unit)
    if not converts[0]:
        findings.append(Finding(code="DATA_MISSING", values={
            "about": "unit", "pollutant": sel.pollutant, "proposed": str(proposed_q), "limit_unit": limit.unit,
            "source": limit.source}))
        return _row(sel, medium, point, proposed_q.value, None)
    covered, text, detection, figure, _ = _limits_of([sel], [])
    complies, shown, note = _decide(np.array([VALUE], dtype=np.int8), covered, text, detection, figure, raw,
                                    converted, converts, [sel], np.array([0]))
    extra: tuple[str, ...] = ()
    if note[0]:
        extra = (note[0],)
        findings.append(Finding(code="DATA_MISSING", values={
            "about": "not_detectable", "pollutant": sel.pollutant, "proposed": str(proposed_q),
            "source": limit.source}, sources=[limit.source]))
    if complies[0] == 0:
        findings.append(_exceeded(sel.pollutant, point, float(shown[0]), float(detection[0] if text[0] else figure[0]),
                                  limit.unit, limit.source, sel.supplementary))
    return _row(sel, medium, point, float(shown[0]), None if np.isnan(complies[0]) else bool(complies[0]), extra)


# --- findings from comparisons ---------------------------------------------------------------------


SUPPLEMENTARY = " [SUPPLEMENTARY: applied by the catalogue's policy, not by GB 8978-1996 1.2-1.3]"


def limit_source(c: Comparisons, k: int) -> str | None:
    sel = c.selections[c.selection[k]]
    if sel.limit is None:
        return None
    if c.kind[k] == RATE:
        return f"{sel.limit.source} at {c.limit_hi[k]:g} m"
    return sel.limit.source + (SUPPLEMENTARY if getattr(sel, "supplementary", False) else "")


def limit_unit(c: Comparisons, k: int) -> str | None:
    if c.kind[k] == RATE:
        return "kg/h"
    sel = c.selections[c.selection[k]]
    return sel.limit.unit if sel.limit is not None else None


def _findings(c: Comparisons, cols: ProjectColumns, medium: str) -> list[Found]:
    covered = np.array([s.covered if isinstance(s, Selection) else True for s in c.selections], dtype=bool)[c.selection]
    blocks = []
    exceeded = np.flatnonzero(c.complies == 0)
    if exceeded.size:
        ph = c.kind[exceeded] == PH
        proposed = np.empty(exceeded.size, dtype=object)
        limit = np.empty(exceeded.size, dtype=object)
        proposed[:] = [(lo, hi) if p else lo for lo, hi, p in zip(c.proposed[exceeded], c.proposed_hi[exceeded], ph)]
        limit[:] = [(lo, hi) if p else lo for lo, hi, p in zip(c.limit[exceeded], c.limit_hi[exceeded], ph)]
        blocks.append(Found("STANDARD_EXCEEDED", c.row[exceeded], {
            "pollutant": c.pollutant[exceeded], "point": c.point[exceeded], "proposed": proposed, "limit": limit,
            "unit": np.array([None if c.kind[k] == PH else limit_unit(c, k) for k in exceeded], dtype=object),
            "source": np.array([limit_source(c, k) for k in exceeded], dtype=object),
            "supplementary": np.array([bool(getattr(c.selections[c.selection[k]], "supplementary", False))
                                       for k in exceeded], dtype=bool)},
            sources=_objects([(limit_source(c, k),) for k in exceeded])))
    not_covered = np.flatnonzero((c.kind == VALUE) & ~covered)
    by_rule = np.array([bool(c.selections[c.selection[k]].not_covered_by) for k in not_covered], dtype=bool)
    for code, keep, sources in (("STANDARD_NOT_COVERED", ~by_rule, ()),
                                ("NOT_CROSS_APPLIED", by_rule, ("GB 8978-1996 1.2", "GB 8978-1996 1.3"))):
        at = not_covered[keep]
        if not at.size:
            continue
        values = {"pollutant": c.pollutant[at], "point": c.point[at],
                  "reasons": _objects([tuple(str(r) for r in c.selections[c.selection[k]].reasons) for k in at])}
        if code == "NOT_CROSS_APPLIED":
            values["not_covered_by"] = _objects([tuple(c.selections[c.selection[k]].not_covered_by) for k in at])
        blocks.append(Found(code, c.row[at], values, sources=sources))
    needs = np.flatnonzero(c.kind == NEEDS_WORKSHOP)
    if needs.size:
        total = [cols.effluent[p].text(r) if p in cols.effluent else None
                 for p, r in zip(c.pollutant[needs], c.row[needs])]
        blocks.append(Found("WORKSHOP_OUTLET_REQUIRED", c.row[needs], {
            "pollutant": c.pollutant[needs], "total_outlet_value": np.array(total, dtype=object),
            "source": np.array([limit_source(c, k) for k in needs], dtype=object)},
            sources=_objects([(limit_source(c, k),) for k in needs])))
    unit_bad = np.flatnonzero((c.kind == VALUE) & covered & np.isnan(c.complies) & ~_converts(c))
    detect = np.flatnonzero(np.not_equal(c.note, None))
    missing = []
    if unit_bad.size:
        missing.append(Found("DATA_MISSING", c.row[unit_bad], {
            "about": "unit", "pollutant": c.pollutant[unit_bad],
            "proposed": np.array([_given(c, cols, k) for k in unit_bad], dtype=object),
            "limit_unit": np.array([limit_unit(c, k) for k in unit_bad], dtype=object),
            "source": np.array([limit_source(c, k) for k in unit_bad], dtype=object)}))
    if detect.size:
        missing.append(Found("DATA_MISSING", c.row[detect], {
            "about": "not_detectable", "pollutant": c.pollutant[detect],
            "proposed": np.array([_given(c, cols, k) for k in detect], dtype=object),
            "source": np.array([limit_source(c, k) for k in detect], dtype=object)},
            sources=_objects([(limit_source(c, k),) for k in detect])))
    if len(missing) == 2:  # one block, in the comparisons' order
        both = np.concatenate([unit_bad, detect])
        order = np.argsort(both, kind="stable")
        merged = {}
        for name in set(missing[0].values) | set(missing[1].values):
            a = missing[0].values.get(name)
            b = missing[1].values.get(name)
            a = a if isinstance(a, np.ndarray) else np.full(unit_bad.size, a, dtype=object)
            b = b if isinstance(b, np.ndarray) else np.full(detect.size, b, dtype=object)
            merged[name] = np.concatenate([a.astype(object), b.astype(object)])[order]
        sources = _objects([() for _ in unit_bad] + [(limit_source(c, k),) for k in detect])[order]
        missing = [Found("DATA_MISSING", c.row[both][order], merged, sources=sources)]
    return blocks + missing


def _converts(c: Comparisons) -> np.ndarray:
    """Whether the proposed figure converted to the limit's unit (``_decide`` then decided it or wrote a note)."""
    return ~np.isnan(c.complies) | np.not_equal(c.note, None)


def _given(c: Comparisons, cols: ProjectColumns, k: int) -> str | None:
    """The proposed figure as the project gave it."""
    if c.medium[k] == "air":
        stacks = cols.stacks
        at = np.flatnonzero((stacks.row == c.row[k]) & (stacks.pollutant == c.pollutant[k])
                            & (stacks.stack == c.point[k].rsplit(" ", 1)[0]))
        return stacks.concentration.text(int(at[0])) if at.size else None
    table = cols.workshop if c.point[k] == "workshop_outlet" else cols.effluent
    measure = table.get(c.pollutant[k])
    text = measure.text(int(c.row[k])) if measure is not None else None
    if text is None and c.point[k] == "total_outlet" and c.pollutant[k] in cols.workshop:
        text = cols.workshop[c.pollutant[k]].text(int(c.row[k]))
    return text


# --- plumbing ----------------------------------------------------------------------------------------

_FIELDS = ("row", "pollutant", "medium", "point", "kind", "selection", "proposed", "proposed_hi", "complies",
           "limit", "limit_hi", "note")


def _concat(*parts: Comparisons | None) -> Comparisons | None:
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    offset = np.cumsum([0] + [len(p.selections) for p in parts[:-1]])
    columns = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS if f != "selection"}
    columns["selection"] = np.concatenate([p.selection + o for p, o in zip(parts, offset)])
    contexts = [c for p in parts for c in (p.contexts or [None] * len(p.selections))]
    return Comparisons(**columns, selections=[s for p in parts for s in p.selections], contexts=contexts)


def _take(c: Comparisons, order: np.ndarray) -> Comparisons:
    return Comparisons(**{f: getattr(c, f)[order] for f in _FIELDS}, selections=c.selections, contexts=c.contexts)
