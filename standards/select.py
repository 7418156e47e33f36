"""Standards selection: for each pollutant, the one binding limit and the chain of rules that chose it.

The rules of DOMAIN.md ("Standards selection"), applied in order:

1. Discharge route: direct (to surface water) or indirect (to a centralised WWTP).
2. An industry standard covering the project's GB/T 4754 code applies in place of the integrated
   standard (GB 8978-1996 water, GB 16297-1996 air) for the pollutants it lists; the integrated standard
   governs the rest.
3. GB 8978-1996 grade from the receiving water (GB 8978 clause 4.1): grade 1 for GB 3838 class III
   (outside protection zones), grade 2 for class IV/V, grade 3 for a sewer ending in a secondary WWTP;
   no new outfall into class I/II waters or class III protection zones (clause 4.1.5).
4. Special emission limits (特别排放限值) where the zone is flagged for them.
5. A local standard whose area covers the zone binds when stricter, or when the national one gives no figure.
6. For indirect dischargers, the park WWTP's intake standard (纳管标准) binds when stricter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .catalog import Limit, StandardsCatalog
from .errors import SelectionError
from .model import AltValue, HeightValue, RangeValue, TextValue

__all__ = [
    "WaterContext",
    "AirContext",
    "Selection",
    "RateSelection",
    "industry_matches",
    "in_force",
    "matches_built",
    "latest",
    "wwtp_effluent_limit",
    "gb8978_grade",
    "select_water",
    "select_air",
    "rate_at_height",
]

INTEGRATED_WATER = "GB8978-1996"
INTEGRATED_AIR = "GB16297-1996"


def industry_matches(code: str, prefixes: Iterable[str]) -> str | None:
    """The longest of ``prefixes`` that ``code`` starts with, or None.

    Examples
    --------
    >>> industry_matches("C1713", ["C17", "C171", "C26"])
    'C171'
    """
    best = None
    for prefix in prefixes:
        if code.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def in_force(limit: Limit, on: dt.date, enterprise: str = "new") -> bool:
    """Whether ``limit`` applies on ``on`` to a new (or existing) enterprise.

    ``applies_until`` is the last day a table applies (inclusive), as the standards print it
    ("自...至2014年12月31日止").
    """
    if limit.applies_until is not None and on > limit.applies_until:
        return False
    if limit.applies_to == "existing" and enterprise == "new":
        return False
    if limit.applies_to == "new" and enterprise == "existing":
        return limit.existing_from is not None and on >= limit.existing_from
    return on >= limit.applies_from


def matches_built(limit: Limit, built: dt.date | None) -> bool | None:
    """Whether a row split by construction date covers ``built``; None when the date is needed."""
    cond = limit.conditions
    if cond.built_before is None and cond.built_from is None:
        return True
    if built is None:
        return None
    if cond.built_before is not None and built >= cond.built_before:
        return False
    if cond.built_from is not None and built < cond.built_from:
        return False
    return True


def latest(limits: list[Limit], on: dt.date) -> list[Limit]:
    """Where an amendment in force replaces an original figure, keep only the amended one."""

    def key(lim: Limit) -> tuple:
        return lim.standard, lim.table, lim.pollutant, lim.column, lim.item

    amended = {key(lim) for lim in limits if lim.replaces_original and lim.applies_from <= on}
    return [
        lim
        for lim in limits
        if (lim.amended_by is not None and lim.applies_from <= on)
        or (lim.amended_by is None and key(lim) not in amended)
    ]


def wwtp_effluent_limit(
    catalog: StandardsCatalog,
    standard_id: str,
    effluent_class: str,
    pollutant: str,
    on: dt.date,
    built: dt.date | None,
) -> Limit | None:
    """The WWTP effluent figure for a pollutant (GB 18918-2002 class 1A, ...), or None.

    Rows split by the plant's construction date (GB 18918's TP rows) need ``built``; without it the
    larger figure is taken, so that a load computed from it is never understated.
    """
    candidates = [
        lim
        for lim in catalog.rows(standard_id, pollutant)
        if lim.column_tags.get("class", lim.column) == effluent_class
        and lim.number is not None
        and on >= lim.applies_from
    ]
    candidates = latest(candidates, on)
    dated = [lim for lim in candidates if matches_built(lim, built) is not False]
    if not dated:
        return None
    return max(dated, key=lambda lim: lim.number)


# --- contexts and results --------------------------------------------------------------------------


@dataclass(frozen=True)
class WaterContext:
    """What selection needs to know about a water discharge and where it goes."""

    industry: str
    route: Literal["direct", "indirect"]
    on: dt.date
    enterprise: Literal["new", "existing"] = "new"
    special_limits: bool = False
    receiving_class: str | None = None
    protection_zone: bool = False
    new_outfall: bool = True
    wwtp_kind: Literal["park", "town"] | None = None
    wwtp_dedicated: bool = False
    local_standards: tuple[str, ...] = ()
    intake_standard: str | None = None


@dataclass(frozen=True)
class AirContext:
    industry: str
    on: dt.date
    enterprise: Literal["new", "existing"] = "new"
    special_limits: bool = False
    grade: Literal["2", "3"] = "2"
    local_standards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """The binding limit for one pollutant, the figure to compare with, and why."""

    pollutant: str
    limit: Limit | None
    reasons: tuple[str, ...]
    figure: float | tuple[float, float] | None = None
    figure_text: str | None = None
    considered: tuple[Limit, ...] = ()

    @property
    def covered(self) -> bool:
        return self.limit is not None and (self.figure is not None or self.figure_text is not None)


@dataclass(frozen=True)
class RateSelection:
    pollutant: str
    limit: Limit | None
    rate_kg_h: float | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


# --- shared steps ----------------------------------------------------------------------------------


def _figure(limit: Limit, wwtp_dedicated: bool) -> tuple[float | tuple[float, float] | None, str | None, str | None]:
    """(figure, text, note): the comparable figure of a limit, its printed text, and a note on alternatives."""
    value = limit.value
    if isinstance(value, (int, float)):
        return float(value), None, None
    if isinstance(value, RangeValue):
        return (value.min, value.max), None, None
    if isinstance(value, TextValue):
        if value.not_detectable:
            return None, value.text, None
        return None, None, f"{limit.source} prints {value.text!r}: no figure"
    if isinstance(value, AltValue):
        if value.alt_if == "wwtp_dedicated" and wwtp_dedicated:
            return value.alt, None, f"alternative figure {value.alt:g} applies: {value.alt_when_en}"
        return value.value, None, f"{value.alt:g} instead when {value.alt_when_en}; not the case here"
    return None, None, None


def _row_applies(limit: Limit, industry: str, wwtp_kind: str | None) -> tuple[bool, str | None]:
    """Whether a row's own conditions admit the project; a note when a conditional row is set aside."""
    cond = limit.conditions
    if cond.wwtp is not None:
        if wwtp_kind is None:
            return False, f"row for {cond.wwtp} WWTPs set aside: the catalogue does not say the WWTP's kind"
        return cond.wwtp == wwtp_kind, None
    if cond.industries:
        return industry_matches(industry, cond.industries) is not None, None
    if cond.other:
        return True, None
    if cond.industries_zh or cond.condition_zh:
        what = cond.industries_zh or cond.condition_en or cond.condition_zh
        return False, f"{limit.source} has a row for '{what}' that the tool cannot decide: not applied; check it"
    return True, None


def _pick_rows(limits: list[Limit], industry: str, wwtp_kind: str | None, notes: list[str]) -> list[Limit]:
    """Among a pollutant's rows: industry-specific rows over 'other units' rows over plain rows."""
    admitted = []
    for lim in limits:
        ok, note = _row_applies(lim, industry, wwtp_kind)
        if note and note not in notes:
            notes.append(note)
        if ok:
            admitted.append(lim)
    specific = [lim for lim in admitted if lim.conditions.industries or lim.conditions.wwtp]
    if specific:
        return specific
    return admitted


def _strictest(limits: list[Limit], wwtp_dedicated: bool) -> Limit | None:
    numbered = [(f, lim) for lim in limits for f in [_figure(lim, wwtp_dedicated)[0]] if isinstance(f, float)]
    if numbered:
        return min(numbered, key=lambda fl: fl[0])[1]
    return limits[0] if limits else None


def _industry_standards(catalog: StandardsCatalog, industry: str, medium: str) -> list[str]:
    matches = [
        (industry_matches(industry, std.industries), sid)
        for sid, std in catalog.standards.items()
        if std.kind == "industry" and medium in std.media and std.industries
    ]
    matches = [(m, sid) for m, sid in matches if m]
    if not matches:
        return []
    longest = max(len(m) for m, _ in matches)
    return sorted(sid for m, sid in matches if len(m) == longest)


def _candidates(catalog: StandardsCatalog, standard_id: str, pollutant: str | None, on: dt.date,
                enterprise: str) -> list[Limit]:
    return [lim for lim in latest(list(catalog.rows(standard_id, pollutant)), on) if in_force(lim, on, enterprise)]


def _limit_set(limits: list[Limit], special: bool) -> tuple[list[Limit], str | None]:
    has_special = any(lim.column_tags.get("limit_set") == "special" for lim in limits)
    if special and has_special:
        return [lim for lim in limits if lim.column_tags.get("limit_set") == "special"], \
            "special emission limits (特别排放限值): the zone is flagged for them"
    kept = [lim for lim in limits if lim.column_tags.get("limit_set") != "special"]
    note = "special limits exist but the zone is not flagged for them" if has_special and kept else None
    return kept, note


# --- water -----------------------------------------------------------------------------------------


def gb8978_grade(ctx: WaterContext) -> tuple[str, str]:
    """The GB 8978-1996 grade for a discharge, and the clause that gives it.

    Raises
    ------
    SelectionError
        For a new outfall into GB 3838 class I/II water or a class III protection zone (clause 4.1.5).

    Examples
    --------
    >>> import datetime as dt
    >>> gb8978_grade(WaterContext("C3484", "direct", dt.date(2027, 1, 1), receiving_class="IV"))[0]
    '2'
    """
    if ctx.route == "indirect":
        return "3", "GB 8978-1996 4.1.4: discharge into a sewer ending in a secondary WWTP takes grade 3"
    cls = ctx.receiving_class
    if cls is None:
        raise SelectionError(
            "a direct discharger needs its receiving water's GB 3838 class (wastewater.receiving_water_class "
            "or the park's receiving_water.target_class) to fix the GB 8978 grade",
            code="DATA_MISSING",
        )
    if cls in ("I", "II") or (cls == "III" and ctx.protection_zone):
        where = f"GB 3838 class {cls} water" + (" in a designated protection zone" if ctx.protection_zone else "")
        if ctx.new_outfall:
            raise SelectionError(
                f"GB 8978-1996 4.1.5 forbids a new outfall into {where}; discharge to the park WWTP instead"
            )
        return "1", f"GB 8978-1996 4.1.5: an existing outfall into {where} is held to total-load control; grade 1 taken"
    if cls == "III":
        return "1", "GB 8978-1996 4.1.1: discharge into GB 3838 class III water takes grade 1"
    return "2", f"GB 8978-1996 4.1.2: discharge into GB 3838 class {cls} water takes grade 2"


def _route_columns(limits: list[Limit], ctx: WaterContext, grade: str | None) -> list[Limit]:
    kept = []
    for lim in limits:
        route = lim.column_tags.get("route")
        lim_grade = lim.column_tags.get("grade")
        if route is not None and route != ctx.route:
            continue
        if lim_grade is not None and lim_grade != grade:
            continue
        kept.append(lim)
    return kept


def _water_from(catalog: StandardsCatalog, standard_id: str, pollutant: str, ctx: WaterContext,
                grade: str | None, notes: list[str]) -> list[Limit]:
    limits = _candidates(catalog, standard_id, pollutant, ctx.on, ctx.enterprise)
    limits = _route_columns(limits, ctx, grade)
    limits, set_note = _limit_set(limits, ctx.special_limits)
    if set_note and limits and set_note not in notes:
        notes.append(f"{standard_id}: {set_note}")
    return _pick_rows(limits, ctx.industry, ctx.wwtp_kind, notes)


def _water_pollutants(catalog: StandardsCatalog, standard_ids: list[str], ctx: WaterContext) -> set[str]:
    return {
        lim.pollutant
        for sid in standard_ids
        for lim in _candidates(catalog, sid, None, ctx.on, ctx.enterprise)
        if lim.pollutant != "wastewater_per_product"
    }


def select_water(catalog: StandardsCatalog, ctx: WaterContext,
                 pollutants: Iterable[str] | None = None) -> dict[str, Selection]:
    """The binding water limit for each pollutant, with the reasons that chose it.

    Parameters
    ----------
    catalog
        The standards catalogue (built-in plus the zone catalogue's local and intake standards).
    ctx
        The discharge: industry, route, date, receiving water, special-limit and local-standard flags.
    pollutants
        Pollutant ids to select for; ``None`` selects every pollutant the applicable standards list.

    Raises
    ------
    SelectionError
        When the rules forbid the discharge (a new outfall into class I/II water).

    Examples
    --------
    >>> import datetime as dt
    >>> from standards import builtin_standards
    >>> ctx = WaterContext("C1713", "direct", dt.date(2027, 1, 1), receiving_class="III")
    >>> sel = select_water(builtin_standards(), ctx, ["COD"])["COD"]
    >>> sel.figure, sel.limit.standard, sel.limit.table
    (80.0, 'GB4287-2012', '表2')
    """
    grade, grade_reason = gb8978_grade(ctx)
    route_reason = (f"route {ctx.route}: " + ("discharge to surface water" if ctx.route == "direct"
                                               else "discharge to the park's centralised WWTP"))
    industry_ids = _industry_standards(catalog, ctx.industry, "water")
    wanted = set(pollutants) if pollutants is not None else (
        _water_pollutants(catalog, industry_ids + [INTEGRATED_WATER], ctx)
    )
    result = {}
    for pollutant in sorted(wanted):
        result[pollutant] = _select_one_water(catalog, ctx, pollutant, industry_ids, grade, grade_reason, route_reason)
    return result


def _select_one_water(catalog, ctx: WaterContext, pollutant: str, industry_ids: list[str], grade: str,
                      grade_reason: str, route_reason: str) -> Selection:
    reasons = [route_reason]
    notes: list[str] = []
    national: list[Limit] = []
    listed_by_industry = False
    for sid in industry_ids:
        rows = _water_from(catalog, sid, pollutant, ctx, None, notes)
        listing = catalog.rows(sid, pollutant)
        if listing:
            listed_by_industry = True
        if rows:
            national += rows
            std = catalog.standards[sid]
            reasons.append(f"{std.number} covers {ctx.industry} ({', '.join(std.industries)}) and lists "
                           f"{pollutant}: it applies in place of GB 8978-1996")
    if not listed_by_industry:
        rows = _water_from(catalog, INTEGRATED_WATER, pollutant, ctx, grade, notes)
        if rows:
            national += rows
            if industry_ids:
                reasons.append(f"{', '.join(catalog.standards[s].number for s in industry_ids)} does not list "
                               f"{pollutant}: the integrated GB 8978-1996 governs it")
            else:
                reasons.append(f"no industry standard covers {ctx.industry}: the integrated GB 8978-1996 governs")
            if any(lim.column_tags.get("grade") for lim in rows):
                reasons.append(grade_reason)
    elif not national:
        reasons.append(f"{', '.join(catalog.standards[s].number for s in industry_ids)} lists {pollutant} but "
                       f"gives no figure for this route and date")

    binding = _strictest(national, ctx.wwtp_dedicated)
    binding = _apply_local(catalog, ctx, pollutant, binding, reasons, notes)
    if ctx.route == "indirect" and ctx.intake_standard:
        binding = _apply_intake(catalog, ctx, pollutant, binding, reasons, notes)
    return _selection(pollutant, binding, reasons, notes, national, ctx.wwtp_dedicated)


def _selection(pollutant, binding, reasons, notes, considered, wwtp_dedicated) -> Selection:
    if binding is None:
        return Selection(pollutant, None, tuple(reasons + notes + ["no applicable standard gives a figure"]),
                         considered=tuple(considered))
    figure, text, note = _figure(binding, wwtp_dedicated)
    if note:
        notes.append(note)
    reasons.append(f"binding: {binding.source}, item {binding.item}")
    return Selection(pollutant, binding, tuple(reasons + notes), figure, text, tuple(considered))


def _stricter(a: Limit | None, b: Limit | None, wwtp_dedicated: bool = False) -> bool:
    """Whether ``a`` is a figure and stricter than ``b`` (or ``b`` has none)."""
    fa = _figure(a, wwtp_dedicated)[0] if a else None
    fb, b_text, _ = _figure(b, wwtp_dedicated) if b else (None, None, None)
    if not isinstance(fa, float) or b_text is not None:  # nothing beats 不得检出 (not detectable)
        return False
    return not isinstance(fb, float) or fa < fb


def _apply_local(catalog, ctx, pollutant, binding, reasons, notes) -> Limit | None:
    for sid in ctx.local_standards:
        std = catalog.standards.get(sid)
        if std is None or "water" not in std.media:
            continue
        if std.industries and not industry_matches(ctx.industry, std.industries):
            continue
        rows = _water_from(catalog, sid, pollutant, ctx, None, notes)
        local = _strictest(rows, ctx.wwtp_dedicated)
        if local is None:
            continue
        national_figure = binding is not None and any(
            part is not None for part in _figure(binding, ctx.wwtp_dedicated)[:2])
        if not national_figure or _stricter(local, binding, ctx.wwtp_dedicated):
            why = "is stricter" if national_figure else "gives a figure where the national standards give none"
            reasons.append(f"local standard {std.number} ({std.area or 'its area'}) covers the zone and {why}")
            binding = local
        else:
            reasons.append(f"local standard {std.number} covers the zone but is not stricter for {pollutant}")
    return binding


def _apply_intake(catalog, ctx, pollutant, binding, reasons, notes) -> Limit | None:
    std = catalog.standards.get(ctx.intake_standard)
    if std is None:
        notes.append(f"the park's intake standard {ctx.intake_standard} is not in the catalogue")
        return binding
    rows = _candidates(catalog, std.id, pollutant, ctx.on, ctx.enterprise)
    rows = _pick_rows(rows, ctx.industry, ctx.wwtp_kind, notes)
    intake = _strictest(rows, ctx.wwtp_dedicated)
    if intake is None:
        return binding
    national_figure = binding is not None and any(part is not None for part in _figure(binding, ctx.wwtp_dedicated)[:2])
    if not national_figure or _stricter(intake, binding, ctx.wwtp_dedicated):
        why = "is stricter" if national_figure else "gives the figure the national standards leave to the WWTP"
        reasons.append(f"the park WWTP's intake standard {std.number} (纳管标准) {why} for {pollutant}")
        return intake
    reasons.append(f"the park WWTP's intake standard {std.number} is not stricter for {pollutant}")
    return binding


# --- air -------------------------------------------------------------------------------------------


def rate_at_height(value: HeightValue, height_m: float) -> tuple[float, str]:
    """The GB 16297-1996 emission rate at a stack height, by Appendix B (interpolation, extrapolation).

    Below the lowest tabulated height the extrapolated rate is held a further 50% (clause 7.4).

    Examples
    --------
    >>> from standards.model import HeightValue
    >>> rate_at_height(HeightValue(by_stack_height_m={15: 2.6, 20: 4.3}), 17.5)[0]
    3.45
    """
    heights = sorted(value.by_stack_height_m)
    rates = [value.by_stack_height_m[h] for h in heights]
    if height_m in value.by_stack_height_m:
        return value.by_stack_height_m[height_m], f"tabulated at {height_m:g} m"
    if height_m > heights[-1]:
        q = rates[-1] * (height_m / heights[-1]) ** 2
        return q, f"Appendix B2 extrapolation above {heights[-1]:g} m: Q = Qb (h/hb)^2"
    if height_m < heights[0]:
        q = rates[0] * (height_m / heights[0]) ** 2 * 0.5
        return q, (f"Appendix B3 extrapolation below {heights[0]:g} m, then a further 50% (clause 7.4): "
                   "Q = 0.5 Qc (h/hc)^2")
    for (ha, qa), (hb, qb) in zip(zip(heights, rates), zip(heights[1:], rates[1:])):
        if ha < height_m < hb:
            q = qa + (qb - qa) * (height_m - ha) / (hb - ha)
            return q, f"Appendix B1 interpolation between {ha:g} m and {hb:g} m"
    raise AssertionError("unreachable")


def _air_columns(limits: list[Limit], source_type: str | None, fuel: str | None) -> list[Limit]:
    kept = []
    for lim in limits:
        tags = lim.column_tags
        if "source" in tags and tags["source"] != source_type:
            continue
        if "fuel" in tags and tags["fuel"] != fuel:
            continue
        kept.append(lim)
    return kept


def select_air(catalog: StandardsCatalog, ctx: AirContext, pollutant: str, height_m: float,
               source_type: str | None = None, fuel: str | None = None,
               meets_200m_rule: bool = True) -> tuple[Selection, RateSelection]:
    """The binding stack concentration and the allowed emission rate for one pollutant of one stack.

    A boiler (``source_type='boiler'``) takes GB 13271-2014 by fuel; an industry air standard covering
    the industry takes precedence over GB 16297-1996 for the pollutants it lists (and for a source
    type it has a column for); GB 16297-1996 governs the rest, its rate by stack height (Appendix B).
    """
    reasons: list[str] = []
    notes: list[str] = []
    concentration: list[Limit] = []
    industry_ids = _industry_standards(catalog, ctx.industry, "air")
    if source_type == "boiler":
        industry_ids = ["GB13271-2014"] if "GB13271-2014" in catalog.standards else []
    listed = False
    for sid in industry_ids:
        rows = _candidates(catalog, sid, pollutant, ctx.on, ctx.enterprise)
        rows = [lim for lim in rows if lim.column_tags.get("quantity", "concentration") == "concentration"]
        if rows:
            listed = True
        rows = _air_columns(rows, source_type, fuel)
        rows, set_note = _limit_set(rows, ctx.special_limits)
        if set_note and rows:
            notes.append(f"{sid}: {set_note}")
        rows = _pick_rows(rows, ctx.industry, None, notes)
        if rows:
            std = catalog.standards[sid]
            what = "boiler" if source_type == "boiler" else ctx.industry
            reasons.append(f"{std.number} covers {what} and lists {pollutant} for this source: "
                           "it applies in place of GB 16297-1996")
            concentration += rows
    rate = RateSelection(pollutant, None, None, ("no emission-rate limit: the applicable standard sets none",))
    if not listed or not concentration:
        rows = _candidates(catalog, INTEGRATED_AIR, pollutant, ctx.on, ctx.enterprise)
        conc_rows = _pick_rows([lim for lim in rows if lim.column_tags.get("quantity") == "concentration"],
                               ctx.industry, None, notes)
        if conc_rows and not concentration:
            concentration = conc_rows
            reasons.append("no industry air standard lists it for this source: GB 16297-1996 表2 governs")
        rate_rows = [lim for lim in rows if lim.column_tags.get("quantity") == "rate"
                     and lim.column_tags.get("grade") == ctx.grade]
        rate_rows = _pick_rows(rate_rows, ctx.industry, None, notes)
        if rate_rows and isinstance(rate_rows[0].value, HeightValue):
            q, how = rate_at_height(rate_rows[0].value, height_m)
            why = [f"GB 16297-1996 表2 grade {ctx.grade} rate at {height_m:g} m: {how}"]
            if not meets_200m_rule:
                q *= 0.5
                why.append("the stack is not 5 m above buildings within 200 m: held to 50% (clause 7.1)")
            rate = RateSelection(pollutant, rate_rows[0], q, tuple(why))
    binding = _strictest(concentration, False)
    return _selection(pollutant, binding, reasons, notes, concentration, False), rate
