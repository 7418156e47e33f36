"""The screening, step by step, over columns: one implementation for ``screen`` and ``batch``.

:func:`assess` runs every step whose result does not depend on what other projects took:

1. locate (:func:`regional_eia.locate.locate_sites`): every site into WGS84, or why not;
2. place (:func:`regional_eia.zoning.place_sites`): park, control units, protected zones, receptors;
3. access lists (:func:`regional_eia.access.access_findings`);
4. capacity demands (:func:`regional_eia.capacity.capacity_demands`) and offsets
   (:func:`regional_eia.offsets.offsets_required`);
5. standards (:func:`regional_eia.standards_check.check_standards`);
6. the EIA category (:func:`regional_eia.category.classify_rows`);
7. what a reviewer must act on: unit requirement texts and data gaps (:func:`regional_eia.review.review_findings`).

:func:`conclude` then takes the capacity positions (the book's, or in a sequential batch what is left
after the earlier rows), checks every cap (:func:`regional_eia.capacity.check_caps`), and decides the
verdict, the main code (by the registry's stated rank) and the regional simplification. Each step
returns its findings as :class:`~regional_eia.found.Found` blocks. :func:`results` turns a concluded
chunk into :class:`~regional_eia.result.ScreeningResult` objects (``screen``); the batch engine turns
the same chunk into Arrow columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .access import access_findings
from .arrays import CatalogueArrays, factorize_rows
from .capacity import Checks, Demands, IntakeLoads, capacity_demands, capacity_findings, check_caps, demand_how, \
    intake_loads
from .category import Categories, CATEGORY_ZH, category_findings, classify_rows, simplification
from .columns import ProjectColumns
from .errors import LocationError
from .findings import BIT, MAIN_KEY, MAIN_LEVELS, MASK, RANK, REGISTRY, tidy, values_model
from .found import Found
from .locate import Sites, locate_sites
from .offsets import Offsets, offsets_required
from .report.messages import Lang, change_line, finding_message, simplification_reason
from .review import review_findings
from .standards_check import NEEDS_WORKSHOP, PH, RATE, Comparisons, check_standards, limit_source
from .zoning import Placement, _objects, place_sites

__all__ = ["Assessed", "Concluded", "assess", "conclude", "results", "main_messages", "VERDICTS"]

VERDICTS = ("pass", "conditional", "fail", "incomplete", "error")


@dataclass
class Assessed:
    """A chunk after every step but the capacity checks (which may depend on earlier chunks)."""

    cols: ProjectColumns
    arrays: CatalogueArrays
    on: dt.date
    error: np.ndarray  # the ProjectError that stops a row, or None
    sites: Sites
    placement: Placement
    demands: Demands
    offsets: Offsets
    comparisons: Comparisons | None
    intake: IntakeLoads
    categories: Categories
    blocks: list[Found]  # findings of every step before the capacity checks, in step order
    after: list[Found]  # findings of the steps after capacity (offsets, standards, review), in step order
    air_checks: dict | None = None  # the checks of each project's air sources, by row (project files only)
    start: int = 0  # a batch chunk: its first row in the input
    columns: object = None  # a batch chunk: how the input's header maps to the schema

    @property
    def ok(self) -> np.ndarray:
        return np.equal(self.error, None)

    def __getstate__(self) -> dict:
        # a chunk travels (Dask) without the catalogue: the receiving side attaches its own copy
        state = dict(self.__dict__)
        state["arrays"] = None
        return state


def assess(cols: ProjectColumns, arrays: CatalogueArrays, on: dt.date, *, nearest_park: bool = True,
           policy=None) -> Assessed:
    """Every step that does not depend on capacity taken by other projects (see the module docstring)."""
    n = cols.n
    error = cols.error.copy() if cols.error is not None else np.full(n, None, dtype=object)
    sites = locate_sites(cols.crs, cols.lon, cols.lat, cols.x, cols.y, cols.geometry, todo=np.equal(error, None))
    for i in np.flatnonzero(np.equal(error, None) & ~sites.ok):
        error[i] = LocationError(_source(cols, i), *sites.refused[i])
    categories = classify_rows(cols, np.flatnonzero(np.equal(error, None)), arrays)
    refused = np.not_equal(categories.error, None) & np.equal(error, None)
    error[refused] = categories.error[refused]
    rows = np.flatnonzero(np.equal(error, None))
    placement = place_sites(rows, sites.xy[rows], sites.polygon[rows], cols.industry, n, arrays, nearest_park)
    park = placement.park
    in_park = rows[park[rows] >= 0]
    access = access_findings(in_park, arrays.park_zone[park[in_park]], placement.unit_row, placement.unit_zone,
                             cols.industry, cols.processes, arrays)
    screened = np.zeros(n, dtype=bool)
    screened[rows] = True
    demands = capacity_demands(cols, np.where(screened, park, -1), arrays, on)
    offsets, offset_found = offsets_required(cols, np.where(screened, park, -1), arrays, on)
    comparisons, standards_found, air_checks = check_standards(cols, rows, park, arrays, on, policy)
    review = review_findings(cols, rows, placement.unit_row, placement.unit_zone, categories, arrays)
    intake = intake_loads(cols)
    keep = screened[intake.row]
    intake = IntakeLoads(intake.row[keep], intake.pollutant[keep], intake.conc[keep], intake.load[keep])
    return Assessed(cols, arrays, on, error, sites, placement, demands, offsets, comparisons, intake, categories,
                    placement.location + placement.zoning + access, offset_found + standards_found + review,
                    air_checks=air_checks)


def _source(cols: ProjectColumns, i: int) -> str:
    return cols.source_of(i)


@dataclass
class Concluded:
    """A chunk with its capacity checks, verdicts, main findings and the regional simplification."""

    a: Assessed
    checks: Checks
    position_source: np.ndarray
    position_notes: np.ndarray
    blocks: list[Found]  # every finding, in step order
    bits: np.ndarray
    verdict: np.ndarray
    main_block: np.ndarray  # per row, the block of its main finding (-1 none)
    main_entry: np.ndarray
    qualifies: np.ndarray
    reasons: np.ndarray
    granted: np.ndarray
    category: np.ndarray  # category id per row (None for error rows)
    regional: np.ndarray


def conclude(a: Assessed, committed: np.ndarray, reserved: np.ndarray, position_source: np.ndarray | None = None,
             position_notes: np.ndarray | None = None) -> Concluded:
    """Check every cap against the positions given per demand entry; decide each row's verdict."""
    n, d = a.cols.n, a.demands
    source = position_source if position_source is not None else np.full(len(d), "catalogue", dtype=object)
    notes = position_notes if position_notes is not None else _objects([()] * len(d))
    checks = check_caps(d, committed, reserved, a.cols.flow[d.row], a.cols.has_ww[d.row], a.arrays)
    capacity = capacity_findings(d, checks, source, notes, a.arrays, a.cols, a.on)
    before = a.blocks + capacity + a.after
    bits = np.zeros(n, dtype=np.uint32)
    for block in before:
        _or_rows(bits, block.row, BIT[block.code])
    ok = a.ok
    failing = (bits & MASK["fail"]) != 0
    rows = np.flatnonzero(ok)
    qualifies, reasons, granted = simplification(a.cols, rows, a.placement.park, failing[rows], a.arrays, a.on)
    category_block, category, regional = category_findings(rows, a.categories, qualifies, reasons,
                                                           a.placement.park, a.arrays)
    blocks = before + [category_block]
    bits[rows] |= BIT["EIA_CATEGORY"]
    verdict = np.full(n, "pass", dtype=object)
    for level, name in (("conditional", "conditional"), ("incomplete", "incomplete"), ("fail", "fail")):
        verdict[(bits & MASK[level]) != 0] = name
    verdict[~ok] = "error"
    bits[~ok] = 0
    main_block, main_entry = _main(blocks, n)
    full = lambda values, fill: _spread(n, rows, values, fill)  # noqa: E731
    return Concluded(a, checks, source, notes, blocks, bits, verdict, main_block, main_entry,
                     full(qualifies, False), full(reasons, None), full(granted, None), full(category, None),
                     full(regional, None))


def _or_rows(bits: np.ndarray, rows: np.ndarray, bit) -> None:
    hit = np.zeros(bits.size, dtype=bool)
    hit[rows] = True
    bits[hit] |= bit


def _spread(n: int, rows: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    out = np.full(n, fill, dtype=values.dtype if values.dtype != object else object)
    out[rows] = values
    return out


def _main(blocks: list[Found], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's main finding: of the worst severity (fail, incomplete, conditional), the code of lowest
    rank in the registry, then the first of its findings in step order."""
    main_block = np.full(n, -1, dtype=np.int64)
    main_entry = np.full(n, -1, dtype=np.int64)
    candidates = [b for b, block in enumerate(blocks) if REGISTRY[block.code].severity in MAIN_LEVELS and len(block)]
    for b in sorted(candidates, key=lambda b: (MAIN_KEY[RANK[blocks[b].code]], b)):
        row = blocks[b].row
        free = main_block[row] < 0
        if not free.any():
            continue
        entries = np.flatnonzero(free)[::-1]  # of several findings of a row here, the first wins
        main_block[row[entries]] = b
        main_entry[row[entries]] = entries
    return main_block, main_entry


# --- for people and scripts: the results ---------------------------------------------------------------


def main_messages(c: Concluded, lang: Lang) -> np.ndarray:
    """Each row's main finding in words (None for a row without one), each distinct wording made once."""
    out = np.full(c.a.cols.n, None, dtype=object)
    for b in np.unique(c.main_block[c.main_block >= 0]):
        block = c.blocks[b]
        rows = np.flatnonzero(c.main_block == b)
        entries = c.main_entry[rows]
        names = list(block.values)
        columns = [block.values[name][entries] if isinstance(block.values[name], np.ndarray) else None
                   for name in names]
        varying = [(name, col) for name, col in zip(names, columns) if col is not None]
        if varying:
            codes, _ = factorize_rows(*(_hashable(col) for _, col in varying))
        else:
            codes = np.zeros(rows.size, dtype=np.int64)
        distinct, first = np.unique(codes, return_index=True)
        texts = np.empty(int(distinct.max()) + 1 if distinct.size else 0, dtype=object)
        for code, at in zip(distinct, first):
            texts[code] = finding_message(block.code, block.values_at(int(entries[at])), lang)
        out[rows] = texts[codes]
    return out


def _hashable(column: np.ndarray) -> np.ndarray:
    if column.dtype != object:
        return column
    out = np.empty(column.size, dtype=object)
    out[:] = [tuple(v) if isinstance(v, (list, np.ndarray)) else v for v in column]
    return out


def results(c: Concluded, lang: Lang = "en") -> list:
    """One :class:`~regional_eia.result.ScreeningResult` per row, or the :class:`ProjectError` that stopped it."""
    from .result import ScreeningResult

    a = c.a
    per_row = _entries_by_row(c.blocks, a.cols.n)
    caps = _by_row(a.demands.row, a.cols.n)
    offsets = _by_row(a.offsets.row, a.cols.n)
    comparisons = _by_row(a.comparisons.row, a.cols.n) if a.comparisons is not None else None
    intake = _by_row(a.intake.row, a.cols.n)
    out = []
    catalog_name = a.arrays.catalog.name
    for i in range(a.cols.n):
        if a.error[i] is not None:
            out.append(a.error[i])
            continue
        findings = [_finding(c.blocks[b], k, lang, a) for b, k in per_row(i)]
        out.append(ScreeningResult(
            project_id=a.cols.id[i], project_name=a.cols.name[i], verdict=c.verdict[i],
            location=_location(c, i, lang), findings=findings,
            capacity=[_capacity_check(c, k) for k in caps(i)],
            offsets=[_offset(c, k) for k in offsets(i)],
            standards=([_standard_check(a, k, lang) for k in comparisons(i)] if comparisons else [])
            + [_in_lang(check, lang) for check in (a.air_checks or {}).get(i, [])],
            eia_category=_category(c, i, lang), catalog=catalog_name, screened_on=a.on.isoformat(),
            to_change=[line for f in findings if (line := change_line(f.code, REGISTRY[f.code].change, f.values,
                                                                       lang)) is not None],
            intake_loads=[_intake(a, k) for k in intake(i)], lang=lang,
        ))
    return out


def _by_row(row: np.ndarray, n: int):
    order = np.argsort(row, kind="stable")
    starts = np.searchsorted(row[order], np.arange(n + 1))
    return lambda i: order[starts[i]:starts[i + 1]]


def _entries_by_row(blocks: list[Found], n: int):
    """Per row, its findings as (block, entry): codes in the registry's rank order, then step order."""
    indexed = [(b, _by_row(block.row, n)) for b, block in enumerate(blocks) if len(block)]
    indexed.sort(key=lambda bi: (RANK[blocks[bi[0]].code], bi[0]))
    return lambda i: [(b, int(k)) for b, entries in indexed for k in entries(i)]


def _finding(block: Found, k: int, lang: Lang, a: Assessed):
    from .result import Finding

    values = block.values_at(k)
    if block.lazy is not None:
        values.update({name: v[0] for name, v in block.lazy(np.array([k]), a).items()})
    model = values_model(block.code, values)
    dumped = model.model_dump(mode="json")
    return Finding(code=block.code, severity=REGISTRY[block.code].severity,
                   message=finding_message(block.code, dumped, lang), zone_id=block.zone_at(k), values=dumped,
                   sources=block.sources_at(k, a))


def _location(c: Concluded, i: int, lang: Lang):
    from .locate import converted_text
    from .result import LocationResult

    a = c.a
    p = a.placement.park[i]
    units = a.placement.units[i]
    return LocationResult(
        park=a.arrays.parks[p] if p >= 0 else None, park_name=a.arrays.park_name[p] if p >= 0 else None,
        park_name_en=a.arrays.park_name_en[p] if p >= 0 else None,
        control_units=units.split(";") if units else [],
        point_wgs84=[round(float(a.sites.xy[i, 0]), 7), round(float(a.sites.xy[i, 1]), 7)],
        input_crs=a.sites.input_crs[i],
        converted=converted_text(a.sites.converted[i], lang) if a.sites.converted[i] else None)


def _none(value) -> float | None:
    return None if value is None or np.isnan(value) else tidy(value)


def _capacity_check(c: Concluded, k: int):
    from .result import CapacityCheck

    a, d, ch = c.a, c.a.demands, c.checks
    cap = a.arrays.caps[d.cap[k]]
    known = bool(ch.known[k])
    return CapacityCheck(
        park=a.arrays.parks[a.arrays.cap_park[d.cap[k]]], metric=cap.metric, unit=cap.unit, basis=cap.basis,
        cap=cap.value, committed=tidy(ch.committed[k]), reserved=tidy(ch.reserved[k]),
        remaining=tidy(ch.remaining[k]), demand=_none(d.value[k]),
        remaining_after=_none(ch.remaining_after[k]) if known else None, fits=bool(ch.fits[k]) if known else None,
        utilisation_before=tidy(ch.utilisation_before[k]),
        utilisation_after=_none(ch.utilisation_after[k]) if known else None,
        demand_how=demand_how(d, k, a.cols, a.arrays, a.on), reduce_by=_none(ch.reduce_by[k]),
        max_flow_m3d=_none(ch.max_flow[k]), reuse_rate_to_fit=_none(ch.reuse[k]),
        position_source=c.position_source[k])


def _offset(c: Concluded, k: int):
    from .result import OffsetRequirement

    o = c.a.offsets
    spec = c.a.arrays.offsets[o.offset[k]]
    return OffsetRequirement(pollutant=spec.pollutant, ratio=spec.ratio, increment=tidy(o.increment[k]),
                             required=tidy(o.required[k]), reason=spec.reason,
                             how=o.how(int(k), c.a.cols, c.a.arrays, c.a.on))


def _reasons(reasons, lang: Lang) -> tuple[list[str], list[dict]]:
    """Reasons in ``lang`` and in their language-free form (``{code, values}``)."""
    from standards.reasons import Reason, reason_json

    return [r.text(lang) if isinstance(r, Reason) else str(r) for r in reasons], reason_json(reasons)


def _in_lang(check, lang: Lang):
    from standards.reasons import render

    words = [render(rc["code"], rc["values"], lang) if rc.get("code") else rc.get("text", "")
             for rc in check.reason_codes]
    return check.model_copy(update={"reasons": words}) if words else check


def _standard_check(a: Assessed, k: int, lang: Lang):
    from .result import StandardCheck
    from .standards_check import _selection, named_context

    cmp = a.comparisons
    kind = cmp.kind[k]
    complies = None if np.isnan(cmp.complies[k]) else bool(cmp.complies[k])
    sel = cmp.selections[cmp.selection[k]]
    if kind != RATE and cmp.medium[k] == "water":  # the reasons name the row's own park, WWTP and water
        row = int(cmp.row[k])
        ctx = cmp.contexts[cmp.selection[k]] if cmp.contexts is not None else None
        if ctx is not None:
            sel = _selection(a.arrays, named_context(ctx, a.cols, row, int(a.placement.park[row]), a.arrays),
                             cmp.pollutant[k])
    reasons, codes = _reasons([*sel.reasons, *([cmp.note[k]] if cmp.note[k] else [])], lang)
    if kind == RATE:
        return StandardCheck(pollutant=cmp.pollutant[k], pollutant_zh=sel.limit.pollutant_zh, medium="air",
                             point=cmp.point[k], limit=round(float(cmp.limit[k]), 4), unit="kg/h",
                             source=limit_source(cmp, k), proposed=_none(cmp.proposed[k]), complies=complies,
                             reasons=reasons, reason_codes=codes)
    limit = sel.limit
    figure = sel.figure
    if kind == PH:
        proposed = [tidy(cmp.proposed[k]), tidy(cmp.proposed_hi[k])]
    elif kind == NEEDS_WORKSHOP:
        proposed = None
    else:
        proposed = _none(cmp.proposed[k])
    return StandardCheck(
        pollutant=cmp.pollutant[k], pollutant_zh=limit.pollutant_zh if limit else None, medium=cmp.medium[k],
        point=cmp.point[k], limit=list(figure) if isinstance(figure, tuple) else figure, limit_text=sel.figure_text,
        unit=limit.unit if limit else "—", source=limit_source(cmp, k) if limit else None, proposed=proposed,
        complies=complies, reasons=reasons, reason_codes=codes, supplementary=bool(sel.supplementary))


def _category(c: Concluded, i: int, lang: Lang):
    from .result import CategoryResult

    a = c.a
    result = a.categories.results[a.categories.index[i]]
    regional = c.regional[i]
    qualifies = bool(c.qualifies[i])
    from standards.reasons import Reason

    from standards.reasons import render

    missing = [Reason("EIA_MISSING_FLAGS", flags=list(result.missing_flags))] if result.missing_flags else []
    codes = [*result.reason_codes, *(r.as_json() for r in missing)]
    reasons = [render(rc["code"], rc["values"], lang) if rc.get("code") else rc.get("text", "") for rc in codes]
    return CategoryResult(
        category=result.category, category_zh=result.category_zh, reasons=reasons, reason_codes=codes,
        regional_category=regional,
        regional_category_zh=CATEGORY_ZH.get(regional) if regional else None,
        qualifies_for_simplification=qualifies,
        simplification_reasons=[simplification_reason(r, lang) for r in c.reasons[i]],
        simplifications=list(c.granted[i]) if qualifies else [])


def _intake(a: Assessed, k: int):
    from .result import IntakeLoad

    r = a.intake.row[k]
    return IntakeLoad(pollutant=a.intake.pollutant[k], concentration_mg_l=tidy(a.intake.conc[k]),
                      flow_m3d=tidy(a.cols.flow[r]), operating_days=_none(a.cols.days[r]),
                      load_t_a=_none(a.intake.load[k]))
