"""The EIA category of a project under the 2021 classification list, as data and a classifier.

The 建设项目环境影响评价分类管理名录（2021年版） sorts construction projects into 报告书 (full
environmental impact report), 报告表 (report form) or 登记表 (registration form) by industry
(GB/T 4754-2017 codes printed in the list) and process features. The rows this project needs are held in
``standards/data/eia_category/classification-2021.yaml``; the pydantic models below are the authority on
that file's format, and :func:`classify` applies it.

Flags are the printed phrases a project has (``dyeing`` = 染色, ``solvent_coating_ge_10t_a`` =
年用溶剂型涂料（含稀释剂）10吨及以上, ...): a flag that is not given is taken as absent, and the result says in
``missing_flags`` which absences it relied on. Exceptions printed in brackets have flags of their own:
``printing_conventional`` (印花（喷墨印花和数码印花的除外）) is never met by ink-jet or digital printing, which
are ``printing_inkjet`` / ``printing_digital``.

Examples
--------
>>> from standards.eia_category import classify
>>> r = classify("C1713", ["dyeing"])
>>> r.category, r.category_zh, r.rows
('report_book', '报告书', (28,))
>>> classify("1713", ["printing_digital"]).category
'report_form'
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .reasons import Bilingual, Reason
from .safeload import CATALOG_MAX_BYTES, read_data_file

__all__ = [
    "CATEGORY_ORDER",
    "RESULT_ZH",
    "Alternative",
    "ClassificationList",
    "Criterion",
    "EIACategory",
    "Flag",
    "IndustryExclusion",
    "Row",
    "classify",
    "load_classification",
]

CategoryId = Literal["report_book", "report_form", "registration"]
ResultId = Literal["report_book", "report_form", "registration", "not_managed", "undetermined"]

CATEGORY_ORDER: tuple[CategoryId, ...] = ("report_book", "report_form", "registration")
"""The list's three categories, highest first (Article 4: the highest single category wins)."""

RESULT_ZH: dict[str, str] = {
    "report_book": "报告书",
    "report_form": "报告表",
    "registration": "登记表",
    "not_managed": "不纳入环评管理",
    "undetermined": "待定",
}
"""Chinese name of every result category."""

PrintedCode = Annotated[str, Field(pattern=r"^\d{2,4}$")]
"""A GB/T 4754-2017 code as the list prints it: digits only (division, group or class)."""

FlagId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]

#: Sections of GB/T 4754-2017 whose division ranges the classifier checks a code letter against.
#: Only C (manufacturing, 13-43) and D (electricity, heat, gas and water, 44-46), which hold every
#: division of this table, are checked; another letter is accepted as given.
_SECTION_DIVISIONS: dict[str, range] = {"C": range(13, 44), "D": range(44, 47)}

_CODE_RE = re.compile(r"^([A-Za-z])?(\d{4})$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Flag(_Frozen):
    """One flag of the vocabulary: the exact printed phrase it stands for.

    ``negated`` flags stand for the ABSENCE of the phrase (``not_in_industrial_building``).
    ``printed_as`` gives the printed phrase where one phrase was split into several flags.
    ``implies`` adds other flags; ``implied_by_codes`` sets the flag from the project's industry code.
    """

    zh: str = Field(min_length=1)
    printed_as: str | None = None
    en: str = Field(min_length=1)
    note: str | None = None
    negated: bool = False
    implies: tuple[FlagId, ...] = ()
    implies_note: str | None = None
    implied_by_codes: tuple[PrintedCode, ...] = ()
    implied_by_codes_source: str | None = None

    @model_validator(mode="after")
    def _source_of_codes(self) -> Flag:
        if self.implied_by_codes and not self.implied_by_codes_source:
            raise ValueError("implied_by_codes needs implied_by_codes_source (where the code comes from)")
        if self.implies_note and not self.implies:
            raise ValueError("implies_note without implies")
        return self


class Alternative(_Frozen):
    """One alternative of a criterion: every flag of ``all_of`` present, none of ``none_of``.

    In YAML an alternative is a plain list of flags (``[dyeing]``) or a mapping
    ``{all_of: [...], none_of: [...]}`` when a printed bracket excludes a case from that alternative only.
    """

    all_of: tuple[FlagId, ...] = Field(min_length=1)
    none_of: tuple[FlagId, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            return {"all_of": tuple(data)}
        return data

    def satisfied_by(self, flags: frozenset[str]) -> bool:
        """Whether ``flags`` meet this alternative."""
        return all(f in flags for f in self.all_of) and not any(f in flags for f in self.none_of)


class Criterion(_Frozen):
    """One category cell of a row: the printed text and its machine-readable form."""

    text_zh: str = Field(min_length=1)
    any_of: tuple[Alternative, ...] = ()
    all_projects: bool = False
    otherwise: bool = False
    unless_any: tuple[FlagId, ...] = ()

    @model_validator(mode="after")
    def _one_form(self) -> Criterion:
        modes = int(bool(self.any_of)) + int(self.all_projects) + int(self.otherwise)
        if self.text_zh == "/":
            if modes or self.unless_any:
                raise ValueError('a "/" cell has no any_of / all_projects / otherwise / unless_any')
        elif modes != 1:
            raise ValueError(
                f"cell {self.text_zh!r} needs exactly one of any_of, all_projects, otherwise (got {modes})"
            )
        if self.all_projects and not self.text_zh.startswith("全部"):
            raise ValueError(f"all_projects but the cell does not print 全部: {self.text_zh!r}")
        if self.otherwise and not self.text_zh.startswith("其他"):
            raise ValueError(f"otherwise but the cell does not print 其他: {self.text_zh!r}")
        return self

    @property
    def printed_slash(self) -> bool:
        """True where the list prints "/" (the category is not provided for the row)."""
        return self.text_zh == "/"

    def flags_used(self) -> set[str]:
        """Every flag this cell refers to."""
        used = set(self.unless_any)
        for alt in self.any_of:
            used.update(alt.all_of)
            used.update(alt.none_of)
        return used


class Pages(_Frozen):
    """Where a row is printed: the printed page number and the 1-based PDF page."""

    printed: int = Field(ge=1)
    pdf: int = Field(ge=1)

    @model_validator(mode="after")
    def _offset(self) -> Pages:
        if self.printed != self.pdf + 1:
            raise ValueError(f"PDF page {self.pdf} prints page number {self.pdf + 1}, not {self.printed}")
        return self


class IndustryExclusion(_Frozen):
    """A bracketed exclusion of the 项目类别 cell (e.g. 4416（不含居民家用光伏发电）)."""

    codes: tuple[PrintedCode, ...] = Field(min_length=1)
    flag: FlagId
    text_zh: str
    if_excluded: Literal["not_managed", "undetermined"]
    referral_items: tuple[int, ...] = ()
    note: str | None = None


class Row(_Frozen):
    """One item (row) of the list."""

    item: int = Field(ge=1, le=173)
    section_zh: str
    industries_zh: str
    industries: tuple[PrintedCode, ...]
    starred: tuple[PrintedCode, ...] = ()
    mapped_industries: tuple[PrintedCode, ...] = ()
    mapping_note: str | None = None
    industry_exclusions: tuple[IndustryExclusion, ...] = ()
    triggered_by_any: tuple[FlagId, ...] = ()
    pages: Pages
    report_book: Criterion
    report_form: Criterion
    registration: Criterion
    sensitive_areas_zh: str | None = None
    needs_any: tuple[FlagId, ...] = Field(
        (), description="flags of a fact the row grades every project by (item 91: the boilers' fuel and capacity): "
        "when none is given the category is undetermined, naming the fact, rather than Article 5")
    needs_zh: str | None = None
    needs_en: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _codes(self) -> Row:
        if not self.industries and not self.mapped_industries:
            raise ValueError(f"item {self.item}: no printed and no mapped industry code")
        if self.mapped_industries and not self.mapping_note:
            raise ValueError(f"item {self.item}: mapped_industries needs mapping_note")
        printed = re.findall(r"\d{3,4}", self.industries_zh)
        for code in self.industries:
            if code not in printed:
                raise ValueError(f"item {self.item}: code {code} is not printed in {self.industries_zh!r}")
            if f"{code}*" in self.industries_zh and code not in self.starred:
                raise ValueError(f"item {self.item}: code {code} is printed with * but not in starred")
        for code in self.starred:
            if code not in self.industries or f"{code}*" not in self.industries_zh:
                raise ValueError(f"item {self.item}: starred code {code} is not printed as {code}*")
        for code in self.mapped_industries:
            if code in printed:
                raise ValueError(f"item {self.item}: {code} is printed; put it in industries, not mapped")
        section_code = re.search(r"(\d{2})$", self.section_zh)
        if section_code:
            for code in (*self.industries, *self.mapped_industries):
                if not code.startswith(section_code.group(1)):
                    raise ValueError(f"item {self.item}: code {code} is not in section {self.section_zh}")
        for excl in self.industry_exclusions:
            for code in excl.codes:
                if code not in self.industries:
                    raise ValueError(f"item {self.item}: exclusion code {code} is not a code of the row")
        if any(self.criterion(c).flags_used() & {"env_sensitive_area"} for c in CATEGORY_ORDER):
            if not self.sensitive_areas_zh:
                raise ValueError(f"item {self.item}: uses env_sensitive_area but has no sensitive_areas_zh")
        return self

    def criterion(self, category: str) -> Criterion:
        """The cell of ``category`` (``report_book``, ``report_form`` or ``registration``)."""
        if category not in CATEGORY_ORDER:
            raise ValueError(f"unknown category {category!r}; known: {', '.join(CATEGORY_ORDER)}")
        return getattr(self, category)

    def codes(self) -> list[tuple[str, bool]]:
        """``(code, mapped)`` for every printed code and every mapped (not printed) code."""
        return [(c, False) for c in self.industries] + [(c, True) for c in self.mapped_industries]

    def flags_used(self) -> set[str]:
        """Every flag this row refers to (cells, triggers and industry exclusions)."""
        used: set[str] = set(self.triggered_by_any) | set(self.needs_any)
        used.update(e.flag for e in self.industry_exclusions)
        for cat in CATEGORY_ORDER:
            used |= self.criterion(cat).flags_used()
        if self.starred:
            used.add("not_in_industrial_building")
        return used


class Note(_Frozen):
    """A general clause of the list (Articles, 说明) or a reading rule of this table."""

    id: str
    source: str
    zh: str | None = None
    en: str


class Coverage(_Frozen):
    """A GB/T 4754 division for which the table holds every item the list prints with its codes."""

    division: Annotated[str, Field(pattern=r"^\d{2}$")]
    name_zh: str
    items: tuple[int, ...] = Field(min_length=1)


class Referral(_Frozen):
    """Codes of a covered division that an item printed without a code (not held) may name."""

    codes: tuple[PrintedCode, ...] = Field(min_length=1)
    items: tuple[int, ...] = Field(min_length=1)
    text_zh: str
    pages: Pages
    note: str | None = None


class Gap(_Frozen):
    """Something of the list the table does not model, and why."""

    what: str
    why: str


class CategoryName(_Frozen):
    zh: str
    en: str


class Source(_Frozen):
    title_zh: str
    title_en: str
    issuer: str
    publication: str | None = Field(None, description="the order (令) that published the list, where read")
    issued: str | None = None
    url: str | None = None
    provenance_note: str | None = None
    effective: str
    effective_text_zh: str
    code_standard_zh: str
    pages_note: str
    transcription: str


class ClassificationList(_Frozen):
    """The whole data file ``classification-2021.yaml``."""

    format_id: Literal["eia-category/1"] = Field(alias="schema")
    source: Source
    categories: dict[CategoryId, CategoryName]
    flags: dict[FlagId, Flag]
    notes: tuple[Note, ...]
    coverage: tuple[Coverage, ...]
    referrals: tuple[Referral, ...] = ()
    rows: tuple[Row, ...] = Field(min_length=1)
    gaps: tuple[Gap, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> ClassificationList:
        if tuple(self.categories) != CATEGORY_ORDER:
            raise ValueError(f"categories must be {CATEGORY_ORDER}, in that order")
        for cat, name in self.categories.items():
            if name.zh != RESULT_ZH[cat]:
                raise ValueError(f"category {cat} is {RESULT_ZH[cat]}, not {name.zh}")
        items = [r.item for r in self.rows]
        if items != sorted(set(items)):
            raise ValueError("rows must be in ascending item order without repeats")
        for fid, flag in self.flags.items():
            for other in flag.implies:
                if other not in self.flags:
                    raise ValueError(f"flag {fid} implies undefined flag {other}")
        for row in self.rows:
            undefined = sorted(row.flags_used() - set(self.flags))
            if undefined:
                raise ValueError(f"item {row.item} uses undefined flags: {', '.join(undefined)}")
        held = set(items)
        for cov in self.coverage:
            missing = [i for i in cov.items if i not in held]
            if missing:
                raise ValueError(f"coverage {cov.division} names items not held: {missing}")
            for item in cov.items:
                row = self.row(item)
                for code, _ in row.codes():
                    if not code.startswith(cov.division):
                        raise ValueError(f"item {item} code {code} is not in division {cov.division}")
        covered = {c.division for c in self.coverage}
        for ref in self.referrals:
            for code in ref.codes:
                if code[:2] not in covered:
                    raise ValueError(f"referral code {code} is not in a covered division")
        return self

    def row(self, item: int) -> Row:
        """The held row of ``item`` (KeyError if the table does not hold it)."""
        for row in self.rows:
            if row.item == item:
                return row
        raise KeyError(f"item {item} is not held in this table")

    def describe_flag(self, flag: str) -> str:
        """``flag (zh)`` for messages."""
        f = self.flags[flag]
        return f"{flag} (非{f.zh})" if f.negated else f"{flag} ({f.zh})"


class EIACategory(_Frozen):
    """The result of :func:`classify`.

    Attributes
    ----------
    category
        ``report_book`` (报告书), ``report_form`` (报告表), ``registration`` (登记表), ``not_managed``
        (不纳入环评管理: the list does not name the project, Article 5) or ``undetermined`` (待定).
    category_zh
        The Chinese name of ``category``.
    rows
        Item numbers of the list that matched (by industry code or by a triggering flag).
    reasons
        Plain sentences citing the list's item numbers and the printed criterion text that decided.
    missing_flags
        Flags that were not given and whose absence the result relies on: each, if actually present,
        could change the category.
    """

    category: ResultId
    category_zh: str
    rows: tuple[int, ...] = ()
    reasons: tuple[str, ...] = Field(min_length=1)
    reason_codes: tuple[dict[str, Any], ...] = Field(
        (), description="the reasons as {code, values}; standards/reasons.py renders them in zh or en")
    missing_flags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _zh(self) -> EIACategory:
        if self.category_zh != RESULT_ZH[self.category]:
            raise ValueError(f"category_zh of {self.category} is {RESULT_ZH[self.category]}")
        return self


@functools.lru_cache(maxsize=1)
def load_classification() -> ClassificationList:
    """Load the classification table shipped with the package (cached).

    Returns
    -------
    ClassificationList
        The validated contents of ``standards/data/eia_category/classification-2021.yaml``.

    Examples
    --------
    >>> table = load_classification()
    >>> table.row(28).report_book.text_zh[:12]
    '有洗毛、脱胶、缫丝工艺的'
    >>> table.flags["printing_conventional"].zh
    '印花（喷墨印花和数码印花的除外）'
    """
    resource = files("standards") / "data" / "eia_category" / "classification-2021.yaml"
    from .cache import parsed_file

    data = parsed_file("eia-list", resource, lambda path: read_data_file(path, max_bytes=CATALOG_MAX_BYTES,
                                                                          kind="yaml"))
    return ClassificationList.model_validate(data)


# ---------------------------------------------------------------------------------------------- classify


def _normalize_code(industry_code: str) -> tuple[str, str]:
    if not isinstance(industry_code, str):
        raise TypeError(f"industry_code must be a string such as 'C1713', got {type(industry_code).__name__}")
    m = _CODE_RE.match(industry_code.strip())
    if not m:
        raise ValueError(
            f"industry code {industry_code!r} is not a GB/T 4754-2017 class code: give the 4-digit class, "
            "with or without its section letter (e.g. 'C1713' or '1713')"
        )
    letter, digits = (m.group(1) or "").upper(), m.group(2)
    division = int(digits[:2])
    for section, divisions in _SECTION_DIVISIONS.items():
        if division in divisions and letter and letter != section:
            raise ValueError(
                f"industry code {industry_code!r}: division {digits[:2]} belongs to section {section}, "
                f"not {letter}"
            )
    return letter, digits


def _check_flags(flags: Iterable[str], table: ClassificationList) -> frozenset[str]:
    if isinstance(flags, str):
        raise TypeError(f"flags must be an iterable of flag names, not the string {flags!r}; use [{flags!r}]")
    given = list(flags)
    known = table.flags
    for flag in given:
        if not isinstance(flag, str) or flag not in known:
            hint = ""
            if isinstance(flag, str):
                close = difflib.get_close_matches(flag, list(known), n=4, cutoff=0.6)
                close += [k for k in known if isinstance(flag, str) and flag and k.startswith(flag + "_")]
                close = list(dict.fromkeys(close))
                if close:
                    hint = f" Did you mean: {', '.join(close)}?"
            raise ValueError(
                f"unknown EIA flag {flag!r}.{hint} Known flags: {', '.join(sorted(known))}"
            )
    return frozenset(given)


def _expand(given: frozenset[str], digits: str, table: ClassificationList) -> tuple[frozenset[str], list[Reason]]:
    """Add implied flags (``implies`` and ``implied_by_codes``); say why each was added."""
    reasons: list[Reason] = []
    flags = set(given)
    for fid, flag in table.flags.items():
        if fid in flags:
            continue
        code = next((c for c in flag.implied_by_codes if digits.startswith(c)), None)
        if code is not None:
            flags.add(fid)
            reasons.append(Reason("EIA_FLAG_BY_CODE", flag=table.describe_flag(fid),
                                  source=(flag.implied_by_codes_source or "").rstrip(".")))
    changed = True
    while changed:
        changed = False
        for fid in sorted(flags):
            for other in table.flags[fid].implies:
                if other not in flags:
                    flags.add(other)
                    changed = True
                    why = table.flags[fid].implies_note
                    note = f" ({why.rstrip('.')})" if why else ""
                    reasons.append(Reason("EIA_FLAG_IMPLIED", flag=table.describe_flag(other), by=fid,
                                          note=Bilingual(note.replace(" (", "（").replace(")", "）") if note else "",
                                                         note)))
    return frozenset(flags), reasons


def _quote(text: str) -> str:
    return "“" + text.replace("\n", " ") + "”"


class _Outcome:
    """How one applicable row decided (internal)."""

    def __init__(self, row: Row, category: str | None, reasons: list[Reason], relied_on: set[str]):
        self.row = row
        self.category = category
        self.reasons = reasons
        self.relied_on = relied_on  # absent flags whose presence would undo this decision


def _evaluate(row: Row, flags: frozenset[str], table: ClassificationList) -> _Outcome:
    """The highest category of ``row`` whose printed criterion the flags meet (or none)."""
    reasons: list[Reason] = []
    for cat in CATEGORY_ORDER:
        crit = row.criterion(cat)
        zh = RESULT_ZH[cat]
        if crit.printed_slash:
            continue
        blocked = [f for f in crit.unless_any if f in flags]
        alt: Alternative | None = None
        if crit.all_projects or crit.otherwise:
            met, alt_none = True, ()
            why = (Bilingual(f"第{row.item}项无更高类别适用，故适用“其他”",
                             f"which applies because no higher category of item {row.item} applied")
                   if crit.otherwise else Bilingual("适用于该项全部项目", "which takes every project of the item"))
        else:
            alt = next((a for a in crit.any_of if a.satisfied_by(flags)), None)
            met = alt is not None
            alt_none = alt.none_of if alt else ()
            why = Bilingual("满足" + "＋".join(table.describe_flag(f) for f in alt.all_of),
                            "met by " + " + ".join(table.describe_flag(f) for f in alt.all_of)) if alt else None
        if not met:
            continue
        if blocked:
            reasons.append(Reason("EIA_CELL_EXCLUDED", item=row.item, category_zh=zh, printed_zh=_quote(crit.text_zh),
                                  flags=[table.describe_flag(f) for f in blocked]))
            continue
        exclusions = list(crit.unless_any) + list(alt_none)
        tail = Bilingual("", "")
        if exclusions:
            listed = ", ".join(table.describe_flag(f) for f in exclusions)
            tail = Bilingual(f"；且无其除外情形（{listed}）", f"; none of its exclusions ({listed}) is present")
        reasons.append(Reason("EIA_CELL_MET", item=row.item, category_zh=zh, printed_zh=_quote(crit.text_zh), why=why,
                              tail=tail))
        if alt is not None and "env_sensitive_area" in alt.all_of:
            reasons.append(Reason("EIA_SENSITIVE_AREA_MEANS", item=row.item,
                                  printed_zh=_quote(row.sensitive_areas_zh or "")))
        return _Outcome(row, cat, reasons, set(exclusions))
    printed = "; ".join(f"{RESULT_ZH[c]} {_quote(row.criterion(c).text_zh)}" for c in CATEGORY_ORDER)
    reasons.append(Reason("EIA_NO_CATEGORY_IN_ITEM", item=row.item, printed_zh=printed))
    return _Outcome(row, None, reasons, set())


def _raising_flags(row: Row, flags: frozenset[str], below_rank: int) -> set[str]:
    """Absent flags that could make ``row`` give a category ranked above ``below_rank``."""
    out: set[str] = set()
    for rank, cat in enumerate(CATEGORY_ORDER):
        if rank >= below_rank:
            break
        crit = row.criterion(cat)
        if any(f in flags for f in crit.unless_any):
            continue
        for alt in crit.any_of:
            if any(f in flags for f in alt.none_of):
                continue
            out.update(f for f in alt.all_of if f not in flags)
    return out


def _result(category: str, rows: Iterable[int], reasons: list[Reason], missing: Iterable[str],
            table: ClassificationList) -> EIACategory:
    order = {f: i for i, f in enumerate(table.flags)}
    return EIACategory(
        category=category,
        category_zh=RESULT_ZH[category],
        rows=tuple(sorted(set(rows))),
        reasons=tuple(reasons),
        reason_codes=tuple(r.as_json() for r in reasons),
        missing_flags=tuple(sorted(set(missing), key=lambda f: order[f])),
    )


# --- the steps of classify(), in order -------------------------------------------------------------------


class _Matched:
    """The rows a project's code and flags bring in, and what their matching relied on (internal)."""

    def __init__(self):
        self.code_rows: list[tuple[Row, str, bool]] = []  # (row, printed or mapped code, mapped)
        self.applicable: list[Row] = []
        self.triggered: list[Row] = []
        self.relied_on: dict[int, set[str]] = {}
        self.exclusion: str | None = None  # "not_managed" / "undetermined" when a code row was excluded
        self.reasons: list[Reason] = []

    @property
    def items(self) -> list[int]:
        return [r.item for r, _, _ in self.code_rows] + [r.item for r in self.triggered]


def _rows_by_code(table: ClassificationList, digits: str) -> list[tuple[Row, str, bool]]:
    """Rows whose printed (or mapped) code is the longest prefix of the project's code."""
    best, found = 0, []
    for row in table.rows:
        for code, mapped in row.codes():
            if digits.startswith(code):
                if len(code) > best:
                    best, found = len(code), [(row, code, mapped)]
                elif len(code) == best:
                    found.append((row, code, mapped))
    return found


def _apply_code_rows(matched: _Matched, digits: str, code_label: str, flags: frozenset[str],
                     table: ClassificationList) -> None:
    """Each code row applies unless a starred code (说明4) or a bracketed exclusion of the 项目类别 cell takes it out."""
    for row, code, mapped in matched.code_rows:
        where = {"item": row.item, "industries_zh": row.industries_zh.strip(), "page": row.pages.printed,
                 "pdf_page": row.pages.pdf, "code": code_label}
        if mapped:
            matched.reasons.append(Reason("EIA_ITEM_MATCHES_MAPPED", printed=code, **where))
        else:
            printed = f"{code}{'*' if code in row.starred else ''}"
            matched.reasons.append(Reason("EIA_ITEM_MATCHES_CODE", printed=printed, **where))
        excluded = _starred(matched, row, code, flags) or _industry_excluded(matched, row, digits, flags, table)
        if not excluded and row not in matched.applicable:
            matched.applicable.append(row)


def _starred(matched: _Matched, row: Row, code: str, flags: frozenset[str]) -> bool:
    if code not in row.starred:
        return False
    if "not_in_industrial_building" in flags:
        matched.reasons.append(Reason("EIA_STARRED_EXCLUDED", printed=code, item=row.item))
        matched.exclusion = matched.exclusion or "not_managed"
        return True
    matched.reasons.append(Reason("EIA_STARRED_ASSUMED", printed=code, item=row.item))
    matched.relied_on.setdefault(row.item, set()).add("not_in_industrial_building")
    return False


def _industry_excluded(matched: _Matched, row: Row, digits: str, flags: frozenset[str],
                       table: ClassificationList) -> bool:
    excluded = False
    for excl in row.industry_exclusions:
        if not any(digits.startswith(c) for c in excl.codes):
            continue
        if excl.flag not in flags:
            matched.relied_on.setdefault(row.item, set()).add(excl.flag)
            continue
        refer = f"; item(s) {', '.join(map(str, excl.referral_items))} (not held) may name it" \
            if excl.referral_items else ""
        refer_zh = f"；名录第{'、'.join(map(str, excl.referral_items))}项（本表未收录）可能涉及" \
            if excl.referral_items else ""
        if excl.if_excluded == "undetermined" and excl.note:
            refer += f" ({excl.note.strip().rstrip('.')})"
        matched.reasons.append(Reason("EIA_INDUSTRY_EXCLUDED", item=row.item, printed_zh=_quote(excl.text_zh),
                                      flag=table.describe_flag(excl.flag), refer=Bilingual(refer_zh, refer)))
        excluded = True
        if excl.if_excluded == "undetermined":
            matched.exclusion = "undetermined"
        else:
            matched.exclusion = matched.exclusion or "not_managed"
    return excluded


def _apply_triggered_rows(matched: _Matched, flags: frozenset[str], table: ClassificationList) -> None:
    """Rows of works any project may contain (items 91, 95), brought in by a flag whatever the code."""
    code_items = {r.item for r, _, _ in matched.code_rows}
    for row in table.rows:
        if row.item in code_items or not set(row.triggered_by_any) & flags:
            continue
        trig = [f for f in row.triggered_by_any if f in flags]
        matched.reasons.append(Reason("EIA_ITEM_TRIGGERED", item=row.item, industries_zh=row.industries_zh.strip(),
                                      page=row.pages.printed, flags=[table.describe_flag(f) for f in trig]))
        matched.triggered.append(row)
        matched.applicable.append(row)


def _trigger_flags(matched: _Matched, flags: frozenset[str], table: ClassificationList, below_rank: int) -> set[str]:
    """Absent trigger flags that could bring in an item able to give a category ranked above ``below_rank``."""
    code_items = {r.item for r, _, _ in matched.code_rows}
    out: set[str] = set()
    for row in table.rows:
        if not row.triggered_by_any or row.item in code_items or row in matched.triggered:
            continue
        best_rank = min((i for i, c in enumerate(CATEGORY_ORDER) if not row.criterion(c).printed_slash),
                        default=len(CATEGORY_ORDER))
        if best_rank < below_rank:
            out.update(f for f in row.triggered_by_any if f not in flags)
    return out


def _without_code_row(matched: _Matched, digits: str, code_label: str, outcomes: list[_Outcome],
                      table: ClassificationList) -> EIACategory | None:
    """A code no held row names: a referral to an item not held, outside this table's coverage (both
    undetermined), or named by no item of a division held completely (Article 5, decided later)."""
    referral = next((ref for ref in table.referrals if any(digits.startswith(c) for c in ref.codes)), None)
    cov = next((c for c in table.coverage if digits.startswith(c.division)), None)
    reasons = matched.reasons
    if referral is not None:
        reasons.append(Reason("EIA_REFERRAL", code=code_label, items=list(referral.items), page=referral.pages.printed,
                              printed_zh=_quote(referral.text_zh)))
        return _result("undetermined", matched.items, reasons, [], table)
    if cov is None:
        coverage = [f"{c.division} {c.name_zh} (item(s) {', '.join(map(str, c.items))})" for c in table.coverage]
        reasons.append(Reason("EIA_OUTSIDE_COVERAGE", coverage=coverage, code=code_label))
        determined = [o for o in outcomes if o.category is not None]
        if determined:
            top = min(CATEGORY_ORDER.index(o.category) for o in determined)
            reasons.append(Reason("EIA_AT_LEAST", category_zh=RESULT_ZH[CATEGORY_ORDER[top]]))
        return _result("undetermined", matched.items, reasons, [], table)
    matched.exclusion = "not_managed"
    reasons.append(Reason("EIA_CODE_NAMED_BY_NO_ITEM", code=code_label, division=cov.division,
                          division_zh=cov.name_zh, items=list(cov.items)))
    return None


def _needed_facts(outcomes: list[_Outcome], flags: frozenset[str], table: ClassificationList) -> list[Reason]:
    """Rows that grade every project they name by a fact none of whose flags is given (item 91: the boilers)."""
    reasons = []
    for outcome in outcomes:
        row = outcome.row
        if outcome.category is None and row.needs_any and not set(row.needs_any) & flags:
            reasons.append(Reason("EIA_ITEM_NEEDS_FACT", item=row.item, fact=Bilingual(row.needs_zh or "", row.needs_en
                                                                                       or ""),
                                  flags=[table.describe_flag(f) for f in row.needs_any]))
    return reasons


def _decide(matched: _Matched, outcomes: list[_Outcome], given: frozenset[str], flags: frozenset[str],
            table: ClassificationList) -> EIACategory:
    """Article 4 (the highest single category), else undetermined where a needed fact is missing, else Article 5."""
    reasons = matched.reasons
    for outcome in outcomes:
        reasons.extend(outcome.reasons)
        matched.relied_on.setdefault(outcome.row.item, set()).update(outcome.relied_on)
    if matched.exclusion == "undetermined":
        reasons.append(Reason("EIA_NOT_DETERMINED"))
        return _result("undetermined", matched.items, reasons, [], table)
    determined = [o for o in outcomes if o.category is not None]
    if determined:
        top = min(determined, key=lambda o: CATEGORY_ORDER.index(o.category))
        rank = CATEGORY_ORDER.index(top.category)
        if len(matched.items) > 1:
            reasons.append(Reason("EIA_ARTICLE_4", items=sorted(set(matched.items)), category_zh=RESULT_ZH[top.category],
                                  item=top.row.item))
        missing: set[str] = set()
        for o in outcomes:
            missing |= _raising_flags(o.row, flags, rank)
            if o.category == top.category:
                missing |= matched.relied_on.get(o.row.item, set())
        missing |= _trigger_flags(matched, flags, table, rank)
        _unused(given, matched.applicable, table, reasons)
        return _result(top.category, matched.items, reasons, missing - flags, table)
    missing = set()
    for o in outcomes:
        missing |= _raising_flags(o.row, flags, len(CATEGORY_ORDER))
    missing |= _trigger_flags(matched, flags, table, len(CATEGORY_ORDER))
    needed = _needed_facts(outcomes, flags, table)
    if needed:
        reasons += needed
        _unused(given, matched.applicable, table, reasons)
        return _result("undetermined", matched.items, reasons, missing - flags, table)
    # the list names no category for the project under any item: Article 5
    if outcomes:
        _unused(given, matched.applicable, table, reasons)
    reasons.append(Reason("EIA_ARTICLE_5"))
    return _result("not_managed", matched.items, reasons, missing - flags, table)


def classify(
    industry_code: str,
    flags: Iterable[str] = (),
    *,
    table: ClassificationList | None = None,
) -> EIACategory:
    """Classify a project under the 2021 EIA classification list.

    Parameters
    ----------
    industry_code
        The project's GB/T 4754-2017 class: four digits, with or without the section letter
        (``"C1713"``, ``"1713"``).
    flags
        Names of the flags (printed phrases) the project has; see ``load_classification().flags``.
        A flag not given is taken as absent; the result lists in ``missing_flags`` the absences it relied on.
    table
        Another :class:`ClassificationList` to use (default: the table shipped with the package).

    Returns
    -------
    EIACategory
        ``category`` is the highest category of all matching items (Article 4); ``not_managed`` when the
        list names the project under no category (Article 5: a covered code no item names, or matching items
        whose printed criteria the flags do not meet and that print no 其他); ``undetermined`` only where the
        list needs a fact the flags do not give (item 91: the boilers; the reasons name it), the code lies
        outside the industries this table holds, or an item this table does not hold may name it.

    Raises
    ------
    ValueError
        An unknown flag name (the message names it and lists the known flags), or a malformed code.
    TypeError
        ``flags`` given as a single string, or a non-string code.

    Notes
    -----
    Rows are matched by the longest printed code that is a prefix of the project's code (item 28 prints
    ``171``, which matches ``C1713``). Items 67, 91 and 95 print no code and are matched through the
    GB/T 4754 class of identical name (3360, 4430, 4620); items 91 (heat supply, including the builder's
    own boilers) and 95 (wastewater treatment, including the builder's own plant) also apply to a project
    of any industry that has the flag ``heat_supply_works`` / ``wastewater_treatment_works`` (or a flag
    implying it). Starred codes (说明4) are assumed to be produced in an industrial building unless
    ``not_in_industrial_building`` is given.

    Examples
    --------
    A cotton dyeing plant (染色 is a 报告书 criterion of item 28):

    >>> r = classify("C1713", ["dyeing"])
    >>> r.category_zh, r.rows
    ('报告书', (28,))

    Digital printing only is a 报告表 criterion (印花 in the 报告书 cell excludes 喷墨印花和数码印花):

    >>> classify("C1713", ["printing_digital"]).category
    'report_form'

    A spinning mill with none of the printed features is named by no category: Article 5, and the result
    lists the flags that would change that:

    >>> r = classify("C1711", [])
    >>> r.category, "dyeing" in r.missing_flags
    ('not_managed', True)

    Several items: a machine-parts plant (item 66, 仅分割、焊接、组装) with a 2 t/h gas boiler (item 91):

    >>> classify("C3311", ["cutting_welding_assembly_only", "gas_boiler_gt_1t_h"]).category_zh
    '报告表'
    """
    tbl = table if table is not None else load_classification()
    letter, digits = _normalize_code(industry_code)
    code_label = f"{letter}{digits}"
    given = _check_flags(flags, tbl)
    effective, flag_reasons = _expand(given, digits, tbl)
    matched = _Matched()
    matched.reasons += flag_reasons
    matched.code_rows = _rows_by_code(tbl, digits)
    _apply_code_rows(matched, digits, code_label, effective, tbl)
    _apply_triggered_rows(matched, effective, tbl)
    outcomes = [_evaluate(row, effective, tbl) for row in matched.applicable]
    if not matched.code_rows:
        early = _without_code_row(matched, digits, code_label, outcomes, tbl)
        if early is not None:
            return early
    return _decide(matched, outcomes, given, effective, tbl)


def _unused(given: frozenset[str], applicable: list[Row], table: ClassificationList, reasons: list[Reason]) -> None:
    used: set[str] = set()
    for row in applicable:
        used |= row.flags_used()
    implied_used = {f for f in given if any(o in used for o in table.flags[f].implies)}
    unused = sorted(given - used - implied_used)
    if unused:
        reasons.append(Reason("EIA_UNUSED_FLAGS", flags=[table.describe_flag(f) for f in unused]))
