"""Standards selection: for each pollutant, the one binding limit and the chain of rules that chose it.

The rules of DOMAIN.md ("Standards selection"), applied in order, each with the clause it rests on:

1. Discharge route: direct (to surface water) or indirect (to a sewer), and what the sewer ends in: a
   secondary WWTP, an enhanced-primary plant (GB 18918-2002 class 3, 4.1.2.4) or no plant at all. An
   industry standard's 间接排放 is discharge to a public treatment system of secondary level or better
   (GB 4287-2012 3.8/3.9; GB 31571-2015 3.x; GB 21900-2008 第1章): below that, its direct limits apply.
2. An industry standard applies by activity: by the project's GB/T 4754 code where the class *is* the
   activity (C1713 棉印染精加工), or by a declared process flag whatever the code (a C1781 plant that dyes is
   under GB 4287, definition 3.1). In place of the integrated standard, and not cross-applied with it
   (GB 8978-1996 1.2-1.3): a pollutant the industry standard does not list is not covered, unless the
   catalogue's :class:`StandardsPolicy` asks for GB 8978 as a supplementary figure, labelled as such.
3. GB 8978-1996 grade from the receiving water (clause 4.1): grade 1 for GB 3838 class III (outside
   protection zones and swimming areas) and GB 3097 class 2 sea (4.1.1), grade 2 for class IV/V and class 3
   sea (4.1.2), grade 3 for a sewer ending in a secondary WWTP (4.1.3); a sewer without a secondary WWTP
   takes the grade of the water it drains to (4.1.4); no new outfall into class I/II, a class III
   protection zone or class 1 sea (4.1.5).
4. New or existing enterprise by the EIA approval date against the standard's effective date (GB 8978
   4.2.2.3, GB 4287 3.3/3.4, GB 16297 6.3, ...): a project with no approval date is a proposed, new one.
5. Special emission limits (特别排放限值) where the zone is flagged for them.
6. A local standard whose area covers the zone binds when stricter, or when the national one gives no figure.
7. For indirect dischargers, the park WWTP's intake standard (纳管标准) binds when stricter.

Every reason is a :class:`standards.reasons.Reason`: an English sentence with a code and values that
``standards/reasons.py`` also renders in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .catalog import Limit, StandardsCatalog
from .errors import SelectionError
from .model import AltValue, HeightValue, RangeValue, StandardFile, TextValue
from .reasons import Bilingual, Reason

__all__ = [
    "StandardsPolicy",
    "WaterContext",
    "AirContext",
    "Selection",
    "RateSelection",
    "IndustryMatch",
    "industry_matches",
    "industry_standards",
    "enterprise_under",
    "in_force",
    "matches_built",
    "latest",
    "wwtp_effluent_limit",
    "gb8978_grade",
    "required_wwtp_class",
    "select_water",
    "select_air",
    "rate_at_height",
    "baseline_volume_concentration",
]

INTEGRATED_WATER = "GB8978-1996"
INTEGRATED_AIR = "GB16297-1996"
BOILERS = "GB13271-2014"
MIN_STACK_M = 15.0  # GB 16297-1996 7.4


class StandardsPolicy(BaseModel):
    """Choices the standards leave to the reviewing authority, stated rather than assumed.

    The defaults are what the texts support.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    integrated_for_unlisted: bool = Field(
        False,
        description="apply GB 8978-1996 to the pollutants an industry standard does not list, as SUPPLEMENTARY "
        "figures labelled as such. Default off: GB 8978-1996 1.2-1.3 say the integrated and the industry "
        "standards are not cross-applied, so such a pollutant is reported as not covered by the industry standard",
    )


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

SewerEnd = Literal["secondary", "enhanced_primary", "none", "unknown"]


@dataclass(frozen=True)
class WaterContext:
    """What selection needs to know about a water discharge and where it goes.

    ``sewer_end`` (indirect route): what the sewer ends in. ``secondary`` a WWTP of secondary treatment or
    better (GB 18918-2002 class 1A/1B/2); ``enhanced_primary`` a class 3 plant (4.1.2.4: 一级强化处理);
    ``none`` no plant; ``unknown`` the catalogue does not say (taken as secondary, and the reasons say so).
    ``receiving_kind``/``receiving_class``: the water a direct discharge (or a sewer without a secondary
    WWTP) reaches; ``sea`` classes are GB 3097-1997 classes I-IV, the others GB 3838-2002 classes I-V.
    ``eia_approved``: the approval date of the project's EIA (None: a proposed project, new under every
    standard).
    """

    industry: str
    route: Literal["direct", "indirect"]
    on: dt.date
    processes: tuple[str, ...] = ()
    eia_approved: dt.date | None = None
    special_limits: bool = False
    receiving_class: str | None = None
    receiving_kind: Literal["river", "lake", "reservoir", "sea"] | None = None
    receiving_name: str | None = None
    protection_zone: bool = False
    new_outfall: bool = True
    sewer_end: SewerEnd | None = None
    wwtp_name: str | None = None
    wwtp_kind: Literal["park", "town"] | None = None
    wwtp_class: str | None = None
    wwtp_dedicated: bool = False
    park_name: str | None = None
    local_standards: tuple[str, ...] = ()
    intake_standard: str | None = None
    policy: StandardsPolicy = StandardsPolicy()

    @property
    def sewer(self) -> SewerEnd:
        """What the sewer ends in (``sewer_end``, or ``secondary`` when a WWTP kind is known)."""
        if self.sewer_end is not None:
            return self.sewer_end
        return "secondary" if self.wwtp_kind is not None else "unknown"

    @property
    def public_system(self) -> bool:
        """Whether the discharge reaches a public treatment system of secondary level (间接排放)."""
        return self.route == "indirect" and self.sewer in ("secondary", "unknown")


@dataclass(frozen=True)
class AirContext:
    """What selection needs to know about an air source: industry, date, area grade and flags.

    ``grade`` is the ambient-air class of the area (GB 3095; GB 16297-1996 5): ``1`` class-1 area (no new
    or expanded source may be built), ``2``, ``3``.
    """

    industry: str
    on: dt.date
    processes: tuple[str, ...] = ()
    eia_approved: dt.date | None = None
    special_limits: bool = False
    grade: Literal["1", "2", "3"] = "2"
    local_standards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """The binding limit for one pollutant, the figure to compare with, and why.

    ``supplementary``: the figure is GB 8978-1996's, applied by the catalogue's policy to a pollutant the
    industry standard does not list (not the text's rule; every output labels it). ``needs``: facts the
    project must supply before a figure can be chosen (e.g. a boiler's fuel).
    """

    pollutant: str
    limit: Limit | None
    reasons: tuple[Reason, ...]
    figure: float | tuple[float, float] | None = None
    figure_text: str | None = None
    considered: tuple[Limit, ...] = ()
    supplementary: bool = False
    not_covered_by: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        return self.limit is not None and (self.figure is not None or self.figure_text is not None)


@dataclass(frozen=True)
class RateSelection:
    pollutant: str
    limit: Limit | None
    rate_kg_h: float | None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    below_minimum_height: bool = False


@dataclass(frozen=True)
class IndustryMatch:
    """How an industry standard comes to apply to a project (or why it does not although its sector does).

    ``by`` is ``code`` (the class is the activity), ``process`` (a declared process flag is the activity),
    or ``none`` (the code is in the standard's sector, no activity is declared: it does not apply).
    ``mismatch`` says where code and processes disagree, for a warning.
    """

    standard: str
    by: Literal["code", "process", "none"]
    matched: str | None
    processes: tuple[str, ...]
    reason: Reason
    mismatch: str | None = None


# --- which standards ------------------------------------------------------------------------------


def industry_standards(catalog: StandardsCatalog, industry: str, processes: Iterable[str],
                       medium: str) -> list[IndustryMatch]:
    """The industry standards of ``medium`` that cover a project, by its code and its process flags.

    Examples
    --------
    >>> from standards import builtin_standards
    >>> [m.by for m in industry_standards(builtin_standards(), "C1781", ["dyeing"], "water")]
    ['process']
    >>> [m.by for m in industry_standards(builtin_standards(), "C1711", [], "water")]
    ['none']
    """
    processes = tuple(processes)
    found: list[tuple[int, IndustryMatch]] = []
    for sid, std in catalog.standards.items():
        if std.kind != "industry" or medium not in std.media or not (std.industries or std.processes):
            continue
        by_code = industry_matches(industry, std.industries)
        activity = tuple(p for p in std.processes if p in processes)
        sector = industry_matches(industry, std.industries_by_process)
        clause = std.scope_note or "its scope"
        if by_code:
            mismatch = None
            if std.processes and processes and not activity:
                mismatch = (f"{industry} is a class {std.number} covers by code, but none of the processes declared "
                            f"({', '.join(processes)}) is one of its activities ({', '.join(std.processes)}): check "
                            "the industry code or the processes")
            reason = Reason("INDUSTRY_STANDARD_APPLIES", standard=std.number, industry=industry,
                            codes=list(std.industries), pollutant="{pollutant}", integrated=_integrated(medium))
            found.append((len(by_code), IndustryMatch(sid, "code", by_code, activity, reason, mismatch)))
        elif activity:
            mismatch = (f"the processes {', '.join(activity)} are {std.number}'s activity ({clause}), but the code "
                        f"{industry} does not name it: {std.number} is applied by process; check the industry code")
            reason = Reason("INDUSTRY_STANDARD_BY_PROCESS", standard=std.number, clause=clause,
                            processes=list(activity), industry=industry)
            found.append((0, IndustryMatch(sid, "process", None, activity, reason, mismatch)))
        elif sector:
            reason = Reason("INDUSTRY_CODE_WITHOUT_PROCESS", industry=industry, standard=std.number,
                            processes=list(std.processes), clause=clause)
            found.append((-1, IndustryMatch(sid, "none", sector, (), reason)))
    applying = [(n, m) for n, m in found if m.by != "none"]
    if applying:
        longest = max(n for n, m in applying if m.by == "code") if any(m.by == "code" for _, m in applying) else 0
        return sorted((m for n, m in applying if m.by == "process" or n == longest), key=lambda m: m.standard)
    return [m for _, m in found]


def _integrated(medium: str) -> str:
    return "GB 8978-1996" if medium == "water" else "GB 16297-1996"


def enterprise_under(std: StandardFile, approved: dt.date | None) -> tuple[Literal["new", "existing"], Reason]:
    """New or existing under ``std``: the EIA approval date against the standard's effective date.

    Every standard here dates its new enterprises from its own effective date by the approval of their EIA
    (GB 8978-1996 4.2.2.3; GB 4287-2012 3.3/3.4; GB 21900-2008 3.2/3.3; GB 31571-2015 3.23/3.24; GB 13271-2014
    3.2/3.3; GB 16297-1996 6.3; GB 37822-2019 3.16/3.17). A project without an approval date is proposed: new.
    """
    clause = std.enterprise_clause or f"{std.number}, effective {std.effective}"
    if approved is None:
        return "new", Reason("ENTERPRISE_PROPOSED", standard=std.number, effective=std.effective)
    if approved < std.effective:
        return "existing", Reason("ENTERPRISE_EXISTING", approved=approved, effective=std.effective,
                                  standard=std.number, clause=clause)
    return "new", Reason("ENTERPRISE_NEW", approved=approved, effective=std.effective, standard=std.number,
                         clause=clause)


def _candidates(catalog: StandardsCatalog, standard_id: str, pollutant: str | None, on: dt.date,
                enterprise: str, medium: str) -> list[Limit]:
    return [lim for lim in latest(list(catalog.rows(standard_id, pollutant)), on)
            if lim.medium == medium and in_force(lim, on, enterprise)]


# --- shared steps ----------------------------------------------------------------------------------


def _figure(limit: Limit, wwtp_dedicated: bool) -> tuple[float | tuple[float, float] | None, str | None, Reason | None]:
    """(figure, text, note): the comparable figure of a limit, its printed text, and a note on alternatives."""
    value = limit.value
    if isinstance(value, (int, float)):
        return float(value), None, None
    if isinstance(value, RangeValue):
        return (value.min, value.max), None, None
    if isinstance(value, TextValue):
        if value.not_detectable:
            return None, value.text, None
        return None, None, Reason("PRINTED_NO_FIGURE", source=limit.source, text=value.text)
    if isinstance(value, AltValue):
        when = Bilingual(value.alt_when_zh, value.alt_when_en)
        if value.alt_if == "wwtp_dedicated" and wwtp_dedicated:
            return value.alt, None, Reason("ALT_APPLIES", alt=value.alt, when=when)
        return value.value, None, Reason("ALT_NOT_THE_CASE", alt=value.alt, when=when)
    return None, None, None


def _row_applies(limit: Limit, industry: str, wwtp_kind: str | None) -> tuple[bool, Reason | None]:
    """Whether a row's own conditions admit the project; a note when a conditional row is set aside."""
    cond = limit.conditions
    if cond.wwtp is not None:
        if wwtp_kind is None:
            return False, Reason("ROW_NEEDS_WWTP_KIND", kind=cond.wwtp)
        return cond.wwtp == wwtp_kind, None
    if cond.industries:
        return industry_matches(industry, cond.industries) is not None, None
    if cond.other:
        return True, None
    if cond.industries_zh or cond.condition_zh:
        what = Bilingual(cond.industries_zh or cond.condition_zh or "", cond.condition_en or cond.industries_zh
                         or cond.condition_zh or "")
        return False, Reason("ROW_UNDECIDED", source=limit.source, what=what)
    return True, None


def _pick_rows(limits: list[Limit], industry: str, wwtp_kind: str | None, notes: list[Reason]) -> list[Limit]:
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


def _limit_set(limits: list[Limit], special: bool, standard: str, notes: list[Reason]) -> list[Limit]:
    has_special = any(lim.column_tags.get("limit_set") == "special" for lim in limits)
    if special and has_special:
        note = Reason("SPECIAL_LIMITS_APPLY", standard=standard)
        if note not in notes:
            notes.append(note)
        return [lim for lim in limits if lim.column_tags.get("limit_set") == "special"]
    kept = [lim for lim in limits if lim.column_tags.get("limit_set") != "special"]
    if has_special and kept:
        note = Reason("SPECIAL_LIMITS_NOT_FLAGGED", standard=standard)
        if note not in notes:
            notes.append(note)
    return kept


# --- water -----------------------------------------------------------------------------------------

_SEA_ZH = {"I": "一类", "II": "二类", "III": "三类", "IV": "四类"}


def _water_name(ctx: WaterContext, cls: str) -> tuple[str, str]:
    """The receiving water as GB 8978 4.1 names it, in en and zh."""
    if ctx.receiving_kind == "sea":
        return f"GB 3097 class {cls} sea", f"GB 3097中{_SEA_ZH.get(cls, cls)}海域"
    zone = " in a designated protection zone" if ctx.protection_zone else ""
    zone_zh = "中划定的保护区" if ctx.protection_zone else ""
    return f"GB 3838 class {cls} water{zone}", f"GB 3838 {cls}类水域{zone_zh}"


def gb8978_grade(ctx: WaterContext) -> tuple[str, tuple[Reason, ...]]:
    """The GB 8978-1996 grade for a discharge, and the clauses that give it (clause 4.1).

    Raises
    ------
    SelectionError
        For a new outfall into GB 3838 class I/II water, a class III protection zone or GB 3097 class 1 sea
        (clause 4.1.5); ``DATA_MISSING`` when the receiving water's class is needed and not given, or the
        text gives no grade for it.

    Examples
    --------
    >>> import datetime as dt
    >>> gb8978_grade(WaterContext("C3484", "direct", dt.date(2027, 1, 1), receiving_class="IV"))[0]
    '2'
    >>> gb8978_grade(WaterContext("C3484", "indirect", dt.date(2027, 1, 1), sewer_end="none",
    ...                           receiving_class="IV"))[0]
    '2'
    """
    if ctx.route == "indirect":
        if ctx.sewer in ("secondary", "unknown"):
            return "3", (Reason("GB8978_GRADE_3", clause="4.1.3"),)
        grade, reasons = _grade_of_water(ctx, outfall_of_project=False)
        return grade, (Reason("GB8978_GRADE_BY_SEWER_OUTLET"), *reasons)
    return _grade_of_water(ctx, outfall_of_project=True)


def _grade_of_water(ctx: WaterContext, outfall_of_project: bool) -> tuple[str, tuple[Reason, ...]]:
    cls = ctx.receiving_class
    if cls is None:
        whose = "a direct discharger" if outfall_of_project else "a sewer without a secondary WWTP (GB 8978 4.1.4)"
        raise SelectionError(
            f"{whose} needs the receiving water's class (wastewater.receiving_water_class or the park's "
            "receiving_water.target_class) to fix the GB 8978 grade", code="DATA_MISSING")
    water, water_zh = _water_name(ctx, cls)
    sea = ctx.receiving_kind == "sea"
    forbidden = (sea and cls == "I") or (not sea and (cls in ("I", "II") or (cls == "III" and ctx.protection_zone)))
    if forbidden:
        if not outfall_of_project:
            raise SelectionError(
                f"GB 8978-1996 4.1.4 takes the grade of the water the sewer drains to, and 4.1.1/4.1.2 give none for "
                f"{water} (4.1.5 allows no new outfall there): the reviewing authority must state the limits",
                code="DATA_MISSING")
        if ctx.new_outfall:
            raise SelectionError(
                f"GB 8978-1996 4.1.5 forbids a new outfall into {water}; discharge to the park WWTP instead")
        return "1", (Reason("GB8978_EXISTING_OUTFALL", water=Bilingual(water_zh, water)),)
    if (sea and cls == "II") or (not sea and cls == "III"):
        return "1", (Reason("GB8978_GRADE_1", clause="4.1.1", water=Bilingual(water_zh, water)),)
    if (sea and cls == "III") or (not sea and cls in ("IV", "V")):
        return "2", (Reason("GB8978_GRADE_2", clause="4.1.2", water=Bilingual(water_zh, water)),)
    raise SelectionError(f"GB 8978-1996 4.1 gives no grade for discharge into {water}: the reviewing authority "
                         "must state the limits", code="DATA_MISSING")


def required_wwtp_class(kind: str | None, target_class: str, protection_zone: bool = False) -> tuple[str, str] | None:
    """The GB 18918-2002 class (as issued) a town WWTP discharging to this water must meet, and its clause.

    4.1.2.2: GB 3838 class III (outside drinking-water protection zones and swimming areas), GB 3097 class 2
    sea, and lakes and reservoirs (封闭或半封闭水域) take class 1B; 4.1.2.3: class IV/V and class 3/4 sea take
    class 2. The 2006 amendment (1A for key basins and enclosed waters) is not applied: its text was not
    read; a catalogue states that requirement itself (``receiving_water.wwtp_class_required``).
    """
    sea = kind == "sea"
    if kind in ("lake", "reservoir") or (not sea and target_class == "III") or (sea and target_class == "II"):
        return "1B", "GB 18918-2002 4.1.2.2"
    if (not sea and target_class in ("IV", "V")) or (sea and target_class in ("III", "IV")):
        return "2", "GB 18918-2002 4.1.2.3"
    return None


def _route_columns(limits: list[Limit], route: str, grade: str | None) -> list[Limit]:
    kept = []
    for lim in limits:
        col_route = lim.column_tags.get("route")
        lim_grade = lim.column_tags.get("grade")
        if col_route is not None and col_route != route:
            continue
        if lim_grade is not None and lim_grade != grade:
            continue
        kept.append(lim)
    return kept


def _route_reason(ctx: WaterContext) -> Reason:
    wwtp = ctx.wwtp_name or "its WWTP"
    if ctx.route == "direct":
        return Reason("ROUTE_DIRECT")
    if ctx.sewer == "none":
        receiving = Bilingual(*reversed(_water_name(ctx, ctx.receiving_class))) if ctx.receiving_class else \
            Bilingual("受纳水域类别未给出", "its class not given")
        return Reason("ROUTE_INDIRECT_NO_WWTP", park=ctx.park_name or "the park", receiving=receiving)
    if ctx.sewer == "enhanced_primary":
        return Reason("ROUTE_INDIRECT_BELOW_SECONDARY", wwtp=wwtp, effluent_class=ctx.wwtp_class or "3")
    if ctx.sewer == "unknown":
        return Reason("ROUTE_INDIRECT_UNKNOWN_WWTP")
    if ctx.wwtp_kind == "town":
        return Reason("ROUTE_INDIRECT_TOWN_WWTP", wwtp=wwtp)
    return Reason("ROUTE_INDIRECT_PARK_WWTP", wwtp=wwtp)


def _industry_route(ctx: WaterContext, std: StandardFile, notes: list[Reason]) -> str:
    """The column an industry standard takes: indirect only into a public system of secondary level."""
    reaches = ctx.public_system or (std.indirect_min_treatment == "any" and ctx.sewer == "enhanced_primary")
    if ctx.route == "indirect" and not reaches:
        why = (Bilingual("排水系统未设污水处理厂", "the sewer ends in no WWTP") if ctx.sewer == "none" else
               Bilingual(f"{ctx.wwtp_name or '污水处理厂'}为一级强化处理（GB 18918-2002 三级标准）",
                         f"{ctx.wwtp_name or 'the plant'} is an enhanced-primary plant (GB 18918-2002 class 3)"))
        note = Reason("NOT_PUBLIC_SYSTEM", standard=std.number, clause=std.indirect_clause or "its definitions",
                      why=why)
        if note not in notes:
            notes.append(note)
        return "direct"
    return ctx.route


def _water_rows(catalog: StandardsCatalog, std: StandardFile, pollutant: str | None, ctx: WaterContext,
                route: str, grade: str | None, enterprise: str, notes: list[Reason]) -> list[Limit]:
    limits = _candidates(catalog, std.id, pollutant, ctx.on, enterprise, "water")
    limits = _route_columns(limits, route, grade)
    limits = _limit_set(limits, ctx.special_limits, std.id, notes)
    return _pick_rows(limits, ctx.industry, ctx.wwtp_kind, notes)


@dataclass(frozen=True)
class _WaterPlan:
    """What every pollutant of one discharge shares: route, grade, the standards that apply and their dates."""

    route_reason: Reason
    grade: str
    grade_reasons: tuple[Reason, ...]
    industry: tuple[IndustryMatch, ...]
    enterprise: dict[str, tuple[str, Reason]]
    integrated_route: str


def _plan(catalog: StandardsCatalog, ctx: WaterContext) -> _WaterPlan:
    grade, grade_reasons = gb8978_grade(ctx)
    matches = tuple(industry_standards(catalog, ctx.industry, ctx.processes, "water"))
    applying = [m.standard for m in matches if m.by != "none"]
    enterprise = {sid: enterprise_under(catalog.standards[sid], ctx.eia_approved)
                  for sid in [*applying, INTEGRATED_WATER, *ctx.local_standards, *filter(None, [ctx.intake_standard])]
                  if sid in catalog.standards}
    integrated_route = ctx.route if ctx.public_system or ctx.route == "direct" else "direct"
    return _WaterPlan(_route_reason(ctx), grade, grade_reasons, matches, enterprise, integrated_route)


def _listed_pollutants(catalog: StandardsCatalog, plan: _WaterPlan, ctx: WaterContext) -> set[str]:
    applying = [m.standard for m in plan.industry if m.by != "none"]
    ids = applying or [INTEGRATED_WATER]
    if applying and ctx.policy.integrated_for_unlisted:
        ids = [*applying, INTEGRATED_WATER]
    return {
        lim.pollutant
        for sid in ids
        for lim in _candidates(catalog, sid, None, ctx.on, plan.enterprise[sid][0], "water")
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
        The discharge: industry and processes, route and what the sewer ends in, date and EIA approval,
        receiving water, special-limit and local-standard flags, the catalogue's policy.
    pollutants
        Pollutant ids to select for; ``None`` selects every pollutant the applicable standards list.

    Raises
    ------
    SelectionError
        When the rules forbid the discharge (a new outfall into class I/II water) or need a fact.

    Examples
    --------
    >>> import datetime as dt
    >>> from standards import builtin_standards
    >>> ctx = WaterContext("C1713", "direct", dt.date(2027, 1, 1), receiving_class="III")
    >>> sel = select_water(builtin_standards(), ctx, ["COD"])["COD"]
    >>> sel.figure, sel.limit.standard, sel.limit.table
    (80.0, 'GB4287-2012', '表2')
    """
    plan = _plan(catalog, ctx)
    wanted = set(pollutants) if pollutants is not None else _listed_pollutants(catalog, plan, ctx)
    return {pollutant: _select_one_water(catalog, ctx, plan, pollutant) for pollutant in sorted(wanted)}


def _select_one_water(catalog: StandardsCatalog, ctx: WaterContext, plan: _WaterPlan, pollutant: str) -> Selection:
    reasons: list[Reason] = [plan.route_reason]
    notes: list[Reason] = []
    national: list[Limit] = []
    applying = [m for m in plan.industry if m.by != "none"]
    reasons += [m.reason for m in plan.industry if m.by == "none"]
    listed_by = []
    for match in applying:
        std = catalog.standards[match.standard]
        status, enterprise_reason = plan.enterprise[std.id]
        route = _industry_route(ctx, std, notes)
        rows = _water_rows(catalog, std, pollutant, ctx, route, None, status, notes)
        if any(lim.medium == "water" for lim in catalog.rows(std.id, pollutant)):
            listed_by.append(std.number)
        if rows:
            national += rows
            reasons.append(_with_pollutant(match.reason, pollutant))
            reasons.append(enterprise_reason)
    supplementary = False
    not_covered_by: tuple[str, ...] = ()
    if applying and not listed_by:
        numbers = [catalog.standards[m.standard].number for m in applying]
        if ctx.policy.integrated_for_unlisted:
            supplementary = True
            reasons.append(Reason("INTEGRATED_SUPPLEMENTARY", standards=numbers, pollutant=pollutant))
        else:
            not_covered_by = tuple(numbers)
            reasons.append(Reason("NOT_CROSS_APPLIED", standards=numbers, pollutant=pollutant))
    elif applying and not national:
        reasons.append(Reason("INDUSTRY_LISTS_NO_FIGURE", standards=listed_by, pollutant=pollutant))
    if not applying or supplementary:
        status, enterprise_reason = plan.enterprise[INTEGRATED_WATER]
        std = catalog.standards[INTEGRATED_WATER]
        rows = _water_rows(catalog, std, pollutant, ctx, plan.integrated_route, plan.grade, status, notes)
        if rows:
            national += rows
            if not applying:
                reasons.append(Reason("NO_INDUSTRY_STANDARD", industry=ctx.industry, integrated="GB 8978-1996"))
            reasons.append(enterprise_reason)
            if any(lim.column_tags.get("grade") for lim in rows):
                reasons += plan.grade_reasons

    binding = _strictest(national, ctx.wwtp_dedicated)
    if not_covered_by:
        binding = None
    else:
        binding = _apply_local(catalog, ctx, plan, pollutant, binding, reasons, notes)
        if ctx.route == "indirect" and ctx.intake_standard:
            binding = _apply_intake(catalog, ctx, plan, pollutant, binding, reasons, notes)
    return _selection(pollutant, binding, reasons, notes, national, ctx.wwtp_dedicated,
                      supplementary=supplementary and binding is not None and binding.standard == INTEGRATED_WATER,
                      not_covered_by=not_covered_by)


def _with_pollutant(reason: Reason, pollutant: str) -> Reason:
    if reason.code != "INDUSTRY_STANDARD_APPLIES":
        return reason
    return Reason(reason.code, **{**reason.values, "pollutant": pollutant})


def _selection(pollutant, binding, reasons, notes, considered, wwtp_dedicated, *, supplementary=False,
               not_covered_by=(), needs=()) -> Selection:
    if binding is None:
        tail = [] if not_covered_by or needs else [Reason("NO_FIGURE")]
        return Selection(pollutant, None, tuple(reasons + notes + tail), considered=tuple(considered),
                         not_covered_by=tuple(not_covered_by), needs=tuple(needs))
    figure, text, note = _figure(binding, wwtp_dedicated)
    if note:
        notes.append(note)
    if binding.conditions.wwtp == "town":
        cond = binding.conditions
        reasons.append(Reason("TOWN_WWTP_DIRECT_FIGURE", source=binding.source,
                              condition=Bilingual(cond.condition_zh or "", cond.condition_en or cond.condition_zh or "")))
    reasons.append(Reason("BINDING", source=binding.source, item=binding.item))
    return Selection(pollutant, binding, tuple(reasons + notes), figure, text, tuple(considered),
                     supplementary=supplementary)


def _stricter(a: Limit | None, b: Limit | None, wwtp_dedicated: bool = False) -> bool:
    """Whether ``a`` is a figure and stricter than ``b`` (or ``b`` has none)."""
    fa = _figure(a, wwtp_dedicated)[0] if a else None
    fb, b_text, _ = _figure(b, wwtp_dedicated) if b else (None, None, None)
    if not isinstance(fa, float) or b_text is not None:  # nothing beats 不得检出 (not detectable)
        return False
    return not isinstance(fb, float) or fa < fb


def _has_figure(binding: Limit | None, wwtp_dedicated: bool) -> bool:
    return binding is not None and any(part is not None for part in _figure(binding, wwtp_dedicated)[:2])


def _apply_local(catalog, ctx: WaterContext, plan: _WaterPlan, pollutant, binding, reasons, notes) -> Limit | None:
    for sid in ctx.local_standards:
        std = catalog.standard(sid)
        if std is None or "water" not in std.media:
            continue
        if std.industries and not industry_matches(ctx.industry, std.industries):
            continue
        status = plan.enterprise.get(std.id, ("new",))[0]
        rows = _water_rows(catalog, std, pollutant, ctx, ctx.route, None, status, notes)
        local = _strictest(rows, ctx.wwtp_dedicated)
        if local is None:
            continue
        national_figure = _has_figure(binding, ctx.wwtp_dedicated)
        if not national_figure or _stricter(local, binding, ctx.wwtp_dedicated):
            code = "LOCAL_STRICTER" if national_figure else "LOCAL_FILLS_GAP"
            reasons.append(Reason(code, standard=std.number, area=std.area or "its area"))
            binding = local
        else:
            reasons.append(Reason("LOCAL_NOT_STRICTER", standard=std.number, pollutant=pollutant))
    return binding


def _apply_intake(catalog, ctx: WaterContext, plan: _WaterPlan, pollutant, binding, reasons, notes) -> Limit | None:
    std = catalog.standard(ctx.intake_standard)
    if std is None:
        note = Reason("INTAKE_NOT_IN_CATALOGUE", standard=ctx.intake_standard)
        if note not in notes:
            notes.append(note)
        return binding
    rows = _candidates(catalog, std.id, pollutant, ctx.on, plan.enterprise.get(std.id, ("new",))[0], "water")
    rows = _pick_rows(rows, ctx.industry, ctx.wwtp_kind, notes)
    intake = _strictest(rows, ctx.wwtp_dedicated)
    if intake is None:
        return binding
    national_figure = _has_figure(binding, ctx.wwtp_dedicated)
    if not national_figure or _stricter(intake, binding, ctx.wwtp_dedicated):
        code = "INTAKE_STRICTER" if national_figure else "INTAKE_FILLS_GAP"
        reasons.append(Reason(code, standard=std.number, pollutant=pollutant))
        return intake
    reasons.append(Reason("INTAKE_NOT_STRICTER", standard=std.number, pollutant=pollutant))
    return binding


# --- air -------------------------------------------------------------------------------------------


def baseline_volume_concentration(measured: float, volume_m3: float, plated_m2: dict[str, float],
                                  baseline_m3_m2: dict[str, float]) -> tuple[float, float]:
    """GB 21900-2008 formula (1) (4.1.6, applied to air by 4.2.6): ``(concentration that decides, ratio)``.

    rho_base = Q_total / sum(Y_i * Q_i,base) * rho_measured; where the ratio is below 1 the measured
    concentration decides.

    Examples
    --------
    >>> value, ratio = baseline_volume_concentration(20.0, 3720.0, {"chromium": 25.0}, {"chromium": 74.4})
    >>> round(value, 6), round(ratio, 6)
    (40.0, 2.0)
    """
    denominator = sum(area * baseline_m3_m2[kind] for kind, area in plated_m2.items())
    if denominator <= 0:
        raise ValueError("the plated areas give no baseline volume")
    ratio = volume_m3 / denominator
    return (measured * ratio if ratio >= 1 else measured), ratio



def rate_at_height(value: HeightValue, height_m: float) -> tuple[float, str]:
    """The GB 16297-1996 emission rate at a stack height, by Appendix B (interpolation, extrapolation).

    Below the lowest tabulated height the extrapolated rate is held a further 50% (clause 7.4).

    Examples
    --------
    >>> from standards.model import HeightValue
    >>> rate_at_height(HeightValue(by_stack_height_m={15: 2.6, 20: 4.3}), 17.5)[0]
    3.45
    """
    q, how, _ = _rate_at_height(value, height_m)
    return q, how


def _rate_at_height(value: HeightValue, height_m: float) -> tuple[float, str, str]:
    heights = sorted(value.by_stack_height_m)
    rates = [value.by_stack_height_m[h] for h in heights]
    if height_m in value.by_stack_height_m:
        return value.by_stack_height_m[height_m], f"tabulated at {height_m:g} m", f"表列{height_m:g} m"
    if height_m > heights[-1]:
        q = rates[-1] * (height_m / heights[-1]) ** 2
        return (q, f"Appendix B2 extrapolation above {heights[-1]:g} m: Q = Qb (h/hb)^2",
                f"附录B2 高于{heights[-1]:g} m外推：Q=Qb(h/hb)²")
    if height_m < heights[0]:
        q = rates[0] * (height_m / heights[0]) ** 2 * 0.5
        return (q, f"Appendix B3 extrapolation below {heights[0]:g} m, then a further 50% (clause 7.4): "
                "Q = 0.5 Qc (h/hc)^2", f"附录B3 低于{heights[0]:g} m外推，再严格50%（7.4）：Q=0.5Qc(h/hc)²")
    for (ha, qa), (hb, qb) in zip(zip(heights, rates), zip(heights[1:], rates[1:])):
        if ha < height_m < hb:
            q = qa + (qb - qa) * (height_m - ha) / (hb - ha)
            return (q, f"Appendix B1 interpolation between {ha:g} m and {hb:g} m",
                    f"附录B1 在{ha:g} m与{hb:g} m之间内插")
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


def _so2_rows(rows: list[Limit], so2_source: str | None, table: str, reasons: list[Reason],
              needs: list[str]) -> list[Limit]:
    """GB 16297 item 1 prints an SO2 concentration for the production and one for the use of sulphur
    compounds: keep the row the stack's ``so2_source`` names, or none and ask for it."""
    split = [lim for lim in rows if lim.conditions.condition_zh and "含硫化合物" in lim.conditions.condition_zh]
    if not split:
        return rows
    word = {"production": "生产", "use": "使用"}
    if so2_source in word:
        reasons.append(Reason("SO2_SUBROW", table=table, so2_source=so2_source))
        return [lim for lim in split if lim.conditions.condition_zh.endswith(word[so2_source])]
    reasons.append(Reason("SO2_SUBROW_NEEDED", table=table))
    needs.append("so2_source")
    return []


def select_air(catalog: StandardsCatalog, ctx: AirContext, pollutant: str, height_m: float,
               source_type: str | None = None, fuel: str | None = None,
               meets_200m_rule: bool = True, so2_source: str | None = None) -> tuple[Selection, RateSelection]:
    """The binding stack concentration and the allowed emission rate for one pollutant of one stack.

    A boiler (``source_type='boiler'``) takes GB 13271-2014 by fuel, never GB 16297-1996 (GB 16297-1996
    1.2.1); without a fuel the selection ``needs`` it. An industry air standard covering the industry takes
    precedence over GB 16297-1996 for the pollutants it lists (and for a source type it has a column for);
    GB 16297-1996 governs the rest: 表1 for a source set up before 1997-01-01, 表2 from then (6.1-6.3), its
    rate by stack height (Appendix B) at the grade of the area (clause 5).

    Raises
    ------
    SelectionError
        ``NEW_SOURCE_FORBIDDEN``: a new source in an ambient-air class-1 area (GB 16297-1996 5).
    """
    reasons: list[Reason] = []
    notes: list[Reason] = []
    needs: list[str] = []
    gb16297 = catalog.standards.get(INTEGRATED_AIR)
    if ctx.grade == "1" and gb16297 is not None and enterprise_under(gb16297, ctx.eia_approved)[0] == "new":
        raise SelectionError("GB 16297-1996 5: no new or expanded air pollution source may be built in an ambient-air "
                             "class-1 area (一类区禁止新、扩建污染源)", code="NEW_SOURCE_FORBIDDEN")
    if source_type == "boiler":
        return _select_boiler(catalog, ctx, pollutant, fuel)
    concentration: list[Limit] = []
    matches = [m for m in industry_standards(catalog, ctx.industry, ctx.processes, "air") if m.by != "none"]
    listed = False
    for match in matches:
        std = catalog.standards[match.standard]
        status, enterprise_reason = enterprise_under(std, ctx.eia_approved)
        rows = _candidates(catalog, std.id, pollutant, ctx.on, status, "air")
        rows = [lim for lim in rows if lim.column_tags.get("quantity", "concentration") == "concentration"]
        if rows:
            listed = True
        rows = _air_columns(rows, source_type, fuel)
        rows = _limit_set(rows, ctx.special_limits, std.id, notes)
        rows = _pick_rows(rows, ctx.industry, None, notes)
        if rows:
            reasons.append(Reason("INDUSTRY_AIR_APPLIES", standard=std.number, industry=ctx.industry,
                                  pollutant=pollutant))
            reasons.append(enterprise_reason)
            concentration += rows
    rate = RateSelection(pollutant, None, None, (Reason("RATE_NONE"),))
    if (not listed or not concentration) and gb16297 is not None:
        status, enterprise_reason = enterprise_under(gb16297, ctx.eia_approved)
        rows = _candidates(catalog, INTEGRATED_AIR, pollutant, ctx.on, status, "air")
        table = rows[0].table if rows else ("表1" if status == "existing" else "表2")
        source_reason = (Reason("GB16297_EXISTING_SOURCE", approved=ctx.eia_approved) if status == "existing" else
                         Reason("GB16297_NEW_SOURCE", why=_new_why(ctx)))
        conc_rows = [lim for lim in rows if lim.column_tags.get("quantity") == "concentration"]
        split = _so2_rows(conc_rows, so2_source, table, reasons, needs) if pollutant == "SO2" else conc_rows
        conc_rows = split if split is not conc_rows else _pick_rows(conc_rows, ctx.industry, None, notes)
        if (conc_rows or needs) and not concentration:
            concentration = conc_rows
            reasons.insert(0, Reason("GB16297_GOVERNS", table=table))
            reasons.insert(1, source_reason)
        rate = _rate(rows, ctx, pollutant, table, height_m, meets_200m_rule, status, notes)
    binding = _strictest(concentration, False)
    return _selection(pollutant, binding, reasons, notes, concentration, False, needs=needs), rate


def _new_why(ctx: AirContext) -> Bilingual:
    if ctx.eia_approved is None:
        return Bilingual("未给出环评批复日期（拟建项目）", "no EIA approval date given (a proposed project)")
    return Bilingual(f"环评于{ctx.eia_approved}批复", f"EIA approved {ctx.eia_approved}")


def _rate(rows: list[Limit], ctx: AirContext, pollutant: str, table: str, height_m: float,
          meets_200m_rule: bool, status: str, notes: list[Reason]) -> RateSelection:
    grade = ctx.grade
    rate_rows = [lim for lim in rows if lim.column_tags.get("quantity") == "rate" and lim.column_tags.get("grade") == grade]
    rate_rows = _pick_rows(rate_rows, ctx.industry, None, notes)
    if rate_rows and isinstance(rate_rows[0].value, TextValue) and "禁排" in rate_rows[0].value.text:
        return RateSelection(pollutant, rate_rows[0], 0.0, (Reason("AIR_GRADE_OF_ZONE", zone=grade, grade=grade),
                                                           Reason("RATE_PROHIBITED", table=table, grade=grade)))
    if not rate_rows or not isinstance(rate_rows[0].value, HeightValue):
        return RateSelection(pollutant, None, None, (Reason("RATE_NONE"),))
    q, how, how_zh = _rate_at_height(rate_rows[0].value, height_m)
    why = [Reason("AIR_GRADE_OF_ZONE", zone=grade, grade=grade),
           Reason("RATE_AT_HEIGHT", table=table, grade=grade, height=height_m, how=Bilingual(how_zh, how))]
    if not meets_200m_rule:
        q *= 0.5
        why.append(Reason("RATE_HALVED_200M"))
    below = status == "new" and height_m < MIN_STACK_M
    return RateSelection(pollutant, rate_rows[0], q, tuple(why), below_minimum_height=below)


def _select_boiler(catalog: StandardsCatalog, ctx: AirContext, pollutant: str,
                   fuel: str | None) -> tuple[Selection, RateSelection]:
    no_rate = RateSelection(pollutant, None, None, (Reason("RATE_NONE"),))
    std = catalog.standards.get(BOILERS)
    if fuel is None:
        return Selection(pollutant, None, (Reason("BOILER_NO_FUEL"),), needs=("fuel",)), no_rate
    notes: list[Reason] = []
    rows: list[Limit] = []
    reasons: list[Reason] = []
    if std is not None:
        status, enterprise_reason = enterprise_under(std, ctx.eia_approved)
        rows = _candidates(catalog, std.id, pollutant, ctx.on, status, "air")
        rows = _air_columns([lim for lim in rows if lim.column_tags.get("quantity", "concentration") == "concentration"],
                            "boiler", fuel)
        rows = _limit_set(rows, ctx.special_limits, std.id, notes)
        rows = _pick_rows(rows, ctx.industry, None, notes)
        reasons = [Reason("BOILER_GB13271", pollutant=pollutant, fuel=fuel), enterprise_reason] if rows else \
            [Reason("BOILER_NOT_LISTED", pollutant=pollutant)]
    binding = _strictest(rows, False)
    return _selection(pollutant, binding, reasons, notes, rows, False), no_rate
