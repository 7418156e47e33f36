"""Inside a screening: each proposed figure against its binding limit, over arrays.

The binding limit of each pollutant comes from :mod:`standards.select` (once per distinct discharge
context and pollutant); the comparison is written once here for every kind of point: a total-outlet
or workshop-outlet concentration in wastewater, pH as a range, a stack concentration and a stack
emission rate. pH is a range; 不得检出 (not detectable) compares with the standard method's detection
limit where the standard prints one; first-class pollutants (第一类污染物) are compared at the
workshop outlet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from standards import SelectionError
from standards.model import TextValue
from standards.select import AirContext, Selection, WaterContext, industry_matches, select_air, select_water
from standards.units import UNITS, parse_unit
from zones.model import ParkSpec

from .arrays import CatalogueArrays, factorize_rows
from .columns import ProjectColumns
from .found import Found
from .project import Project
from .zoning import _objects

__all__ = ["water_context", "Comparisons", "check_standards"]


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

    def __len__(self) -> int:
        return len(self.row)


def check_standards(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays,
                    on: dt.date) -> tuple[Comparisons, list[Found]]:
    """Compare every proposed figure of ``rows`` with its binding limit; the findings that follows."""
    water, water_found = _water(cols, rows[cols.has_ww[rows]], park, arrays, on)
    air, air_found = _air(cols, rows, park, arrays, on)
    return _concat(water, air), water_found + air_found


# --- water -----------------------------------------------------------------------------------------


def _profile(arrays: CatalogueArrays, p: int):
    """What ``water_context`` reads of a park; parks that it cannot tell apart share a profile."""
    park = arrays.catalog.park(arrays.parks[p])
    water, wwtp = park.receiving_water, park.wwtp
    return (park.special_limits, water.target_class if water else None, water.protection_zone if water else None,
            wwtp.kind if wwtp else None, wwtp.dedicated_industries if wwtp else None,
            wwtp.intake_standard if wwtp else None, park.local_standards, wwtp is None, water is None)


def _profiles(arrays: CatalogueArrays) -> tuple[np.ndarray, list[int]]:
    def build():
        seen: dict = {}
        ids = [seen.setdefault(_profile(arrays, p), len(seen)) for p in range(len(arrays.parks))]
        owner = [ids.index(k) for k in range(len(seen))]
        return np.array(ids + [-1], dtype=np.int64), owner

    return arrays.memo("water_profiles", "all", build)


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


def _contexts(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays, on):
    """Each row's discharge context (index into the returned list), decided once per distinct key."""
    profile_of, owner = _profiles(arrays)
    profile = profile_of[park[rows]]
    rwc = np.where(np.equal(cols.rwc[rows], None), "", cols.rwc[rows]).astype(object)
    codes, keys = factorize_rows(cols.industry[rows], cols.route[rows], rwc, cols.new_outfall[rows], profile)
    contexts: list[WaterContext] = []
    index: dict = {}
    of_key = []
    for industry, route, receiving, new_outfall, prof in keys:
        stub = SimpleNamespace(industry=industry, wastewater=SimpleNamespace(
            receiving_water_class=receiving or None, route=route, new_outfall=bool(new_outfall)))
        spec = arrays.catalog.park(arrays.parks[owner[prof]]) if prof >= 0 else None
        ctx = water_context(stub, spec, on)
        of_key.append(index.setdefault(ctx, len(index)))
        if len(contexts) < len(index):
            contexts.append(ctx)
    return np.array(of_key, dtype=np.int64)[codes], contexts


def _water(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays, on):
    if rows.size == 0:
        return None, []
    ctx_of, contexts = _contexts(cols, rows, park, arrays, on)
    listings = [_listing(arrays, c) for c in contexts]
    error = np.array([type(l[0]).__name__ if l[0] is not None else None for l in listings] + [None],
                     dtype=object)[ctx_of]
    blocks: list[Found] = []
    refused = np.flatnonzero(np.not_equal(error, None))
    if refused.size:
        blocks += _refusals(rows[refused], ctx_of[refused], contexts, listings)
    live = np.equal(error, None)

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


def _refusals(rows, ctx_of, contexts, listings) -> list[Found]:
    """A discharge the selection rules refuse (a new outfall into class I/II water) or cannot decide."""
    out = []
    for code in ("OUTFALL_FORBIDDEN", "DATA_MISSING"):
        keep = np.array([listings[c][0].code == code for c in ctx_of], dtype=bool)
        if not keep.any():
            continue
        ctx = [contexts[c] for c in ctx_of[keep]]
        detail = np.array([str(listings[c][0]) for c in ctx_of[keep]], dtype=object)
        if code == "OUTFALL_FORBIDDEN":
            values = {"route": np.array([c.route for c in ctx], dtype=object),
                      "receiving_class": np.array([c.receiving_class for c in ctx], dtype=object),
                      "protection_zone": np.array([c.protection_zone for c in ctx], dtype=bool), "detail": detail}
        else:
            values = {"about": "selection", "missing": _objects([("wastewater.receiving_water_class",)] * len(ctx)),
                      "detail": detail}
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
    found_rows, pollutants, standards = [], [], []
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
    sel = inverse.ravel()
    covered, text, detection, figure, figure_hi = _limits_of(selections, [])
    if pollutant == "pH":
        lo, hi = cols.ph_min[rows], cols.ph_max[rows]
        checked = covered[sel] & ~np.isnan(figure[sel]) & ~np.isnan(figure_hi[sel])
        complies = np.where(checked, ((figure[sel] <= lo) & (hi <= figure_hi[sel])).astype(float), np.nan)
        return Comparisons(rows, np.full(n, "pH", dtype=object), np.full(n, "water", dtype=object),
                           np.full(n, "total_outlet", dtype=object), np.full(n, PH, dtype=np.int8), sel, lo, hi,
                           complies, figure[sel], figure_hi[sel], np.full(n, None, dtype=object), selections)
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
                       np.full(n, np.nan), note, selections)


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


# --- air stacks ------------------------------------------------------------------------------------


def _air(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, arrays: CatalogueArrays, on):
    stacks = cols.stacks
    if len(stacks) == 0:
        return None, []
    entries = np.flatnonzero(np.isin(stacks.row, rows))
    if entries.size == 0:
        return None, []
    catalog = arrays.catalog
    parts = []
    selected = []
    for e in entries:
        r = stacks.row[e]
        spec = catalog.park(arrays.parks[park[r]]) if park[r] >= 0 else None
        ctx = AirContext(industry=cols.industry[r], on=on, special_limits=bool(spec and spec.special_limits),
                         grade=spec.air_grade if spec else "2")
        key = (ctx, stacks.pollutant[e], float(stacks.height_m[e]), stacks.source_type[e], stacks.fuel[e],
               bool(stacks.taller[e]))
        selected.append(arrays.memo("air_selection", key, lambda key=key: select_air(
            catalog.standards, key[0], key[1], key[2], key[3], key[4], key[5])))
    # stack by stack: each pollutant's concentration, then its rate
    conc_given = ~np.isnan(stacks.concentration.values[entries])
    for j, e in enumerate(entries):
        conc_sel, rate_sel = selected[j]
        r = stacks.row[e]
        pollutant, stack = stacks.pollutant[e], stacks.stack[e]
        if conc_given[j]:
            measure = stacks.concentration.take(np.array([e]))
            unit = conc_sel.limit.unit if conc_sel.limit is not None else None
            converted, ok = measure.to(unit) if unit is not None else (np.array([np.nan]), np.array([False]))
            covered, text, detection, figure, _ = _limits_of([conc_sel], [])
            kind = np.array([VALUE], dtype=np.int8)
            complies, proposed, note = _decide(kind, covered, text, detection, figure, measure.values, converted, ok,
                                               [conc_sel], np.array([0]))
            parts.append(Comparisons(np.array([r]), np.array([pollutant], dtype=object),
                                     np.array(["air"], dtype=object), np.array([f"{stack} concentration"], dtype=object),
                                     kind, np.array([0]), proposed, np.array([np.nan]), complies,
                                     np.where(text, detection, figure), np.array([np.nan]), note, [conc_sel]))
        if not np.isnan(stacks.rate.values[e]) and rate_sel.rate_kg_h is not None:
            proposed, _ = stacks.rate.take(np.array([e])).to("kg/h")
            complies = (proposed <= rate_sel.rate_kg_h + 1e-12).astype(float)
            parts.append(Comparisons(np.array([r]), np.array([pollutant], dtype=object),
                                     np.array(["air"], dtype=object), np.array([f"{stack} rate"], dtype=object),
                                     np.array([RATE], dtype=np.int8), np.array([0]), proposed, np.array([np.nan]),
                                     complies, np.array([rate_sel.rate_kg_h]), np.array([float(stacks.height_m[e])]),
                                     np.array([None], dtype=object), [rate_sel]))
    comparisons = _concat(*parts)
    if comparisons is None:
        return None, []
    return comparisons, _findings(comparisons, cols, "air")


# --- findings from comparisons ---------------------------------------------------------------------


def limit_source(c: Comparisons, k: int) -> str | None:
    sel = c.selections[c.selection[k]]
    if sel.limit is None:
        return None
    if c.kind[k] == RATE:
        return f"{sel.limit.source} at {c.limit_hi[k]:g} m"
    return sel.limit.source


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
            "source": np.array([limit_source(c, k) for k in exceeded], dtype=object)},
            sources=_objects([(limit_source(c, k),) for k in exceeded])))
    not_covered = np.flatnonzero((c.kind == VALUE) & ~covered)
    if not_covered.size:
        blocks.append(Found("STANDARD_NOT_COVERED", c.row[not_covered], {
            "pollutant": c.pollutant[not_covered], "point": c.point[not_covered],
            "reasons": _objects([tuple(c.selections[c.selection[k]].reasons) for k in not_covered])}))
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
    return Comparisons(**columns, selections=[s for p in parts for s in p.selections])


def _take(c: Comparisons, order: np.ndarray) -> Comparisons:
    return Comparisons(**{f: getattr(c, f)[order] for f in _FIELDS}, selections=c.selections)
