"""The EIA category (分类管理名录 2021) and whether the park's regional simplification applies.

The category comes from :func:`standards.eia_category.classify` (once per distinct industry and set of
process flags). The simplification (one category down, where the park's assessment grants it) needs,
per the park's regional assessment: an assessment still valid on the screening date, no regional
approval freeze (区域限批), a receiving environment meeting its target (the water for a project that
discharges wastewater, the air for one that emits), an industry the province does not exclude, and a
screening that finds no failure. Each reason is a typed value (``{"why": "expired", ...}``) the
message catalogue words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from standards.eia_category import classify
from standards.select import industry_matches

from .arrays import CatalogueArrays, factorize_rows
from .columns import ProjectColumns
from .errors import ProjectError
from .found import Found
from .zoning import _objects

__all__ = ["Categories", "classify_rows", "simplification", "add_years", "DOWNGRADE", "CATEGORY_ZH"]

DOWNGRADE = {"report_book": "report_form", "report_form": "registration"}
CATEGORY_ZH = {"report_book": "报告书", "report_form": "报告表", "registration": "登记表"}


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a year that has none.

    Examples
    --------
    >>> add_years(dt.date(2024, 2, 29), 5), add_years(dt.date(2022, 3, 15), 5)
    (datetime.date(2029, 2, 28), datetime.date(2027, 3, 15))
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Categories:
    """Each row's classification (an index into ``results``) or the error that stops its screening."""

    index: np.ndarray
    results: list
    error: np.ndarray


def classify_rows(cols: ProjectColumns, rows: np.ndarray, arrays: CatalogueArrays) -> Categories:
    """The EIA category of each of ``rows``; a code or flag the list refuses is that row's error."""
    index = np.full(cols.n, -1, dtype=np.int64)
    error = np.full(cols.n, None, dtype=object)
    if rows.size == 0:
        return Categories(index, [], error)
    codes, keys = factorize_rows(cols.industry[rows], cols.processes[rows])
    results = []
    for industry, processes in keys:
        def build(industry=industry, processes=processes):
            try:
                return classify(industry, tuple(processes.split(";")) if processes else ())
            except ValueError as exc:
                return exc

        results.append(arrays.memo("category", (industry, processes), build))
    bad = np.array([isinstance(r, ValueError) for r in results], dtype=bool)
    index[rows] = codes
    for i in np.flatnonzero(bad[codes]):
        exc = results[codes[i]]
        field = "industry" if "industry code" in str(exc) else "processes"
        error[rows[i]] = ProjectError(cols.source_of(rows[i]), field, str(exc))
    return Categories(index, results, error)


def _assessment(arrays: CatalogueArrays, p: int, on: dt.date) -> tuple:
    """What a park's regional assessment allows on ``on``: (reasons against that hold for every project,
    the granted simplifications, the 'ok' reason, whether it lowers the category)."""
    def build():
        spec = arrays.catalog.park(arrays.parks[p])
        assessment = spec.regional_assessment
        if assessment is None:
            return ([{"why": "no_assessment", "park": arrays.park_name[p], "park_en": arrays.park_name_en[p]}],
                    (), None, False, spec)
        against = []
        expires = add_years(assessment.approved, assessment.valid_years)
        if on >= expires:
            against.append({"why": "expired", "approved": assessment.approved.isoformat(),
                            "expires": expires.isoformat()})
        if assessment.approval_freeze:
            against.append({"why": "freeze"})
        ok = {"why": "ok", "approved": assessment.approved.isoformat(), "expires": expires.isoformat()}
        return against, tuple(assessment.simplifications), ok, assessment.category_downgrade, spec

    return arrays.memo("assessment", (p, on), build)


def simplification(cols: ProjectColumns, rows: np.ndarray, park: np.ndarray, failing: np.ndarray,
                   arrays: CatalogueArrays, on: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``rows``: whether the simplification applies (None never: a row outside every park does
    not qualify), its reasons (a tuple of typed reasons), and the simplifications the park grants."""
    qualifies = np.zeros(rows.size, dtype=bool)
    reasons = np.empty(rows.size, dtype=object)
    granted = np.empty(rows.size, dtype=object)
    p = park[rows]
    keys = factorize_rows(p, cols.industry[rows], cols.has_ww[rows], cols.has_air[rows], failing)
    codes, distinct = keys
    decided = []
    for k, industry, has_ww, has_air, fails in distinct:
        if k < 0:
            decided.append((False, ({"why": "no_park"},), ()))
            continue
        against, grants, ok, lowers, spec = _assessment(arrays, int(k), on)
        if ok is None:  # no assessment
            decided.append((False, tuple(against), ()))
            continue
        why = list(against)
        excluded = industry_matches(industry, spec.regional_assessment.excluded_industries)
        if excluded:
            why.append({"why": "excluded", "prefix": excluded})
        water = spec.receiving_water
        if has_ww and water is not None and not water.attained:
            why.append({"why": "water", "water": water.name, "target": water.target_class})
        if has_air and not spec.air_attained:
            why.append({"why": "air"})
        if fails:
            why.append({"why": "failing"})
        decided.append((not why, tuple(why) if why else (ok,) if lowers else (ok, {"why": "no_downgrade"}), grants))
    qualifies[:] = np.array([d[0] for d in decided], dtype=bool)[codes]
    reasons[:] = _objects([d[1] for d in decided])[codes]
    granted[:] = _objects([d[2] for d in decided])[codes]
    return qualifies, reasons, granted


def category_findings(rows: np.ndarray, cats: Categories, qualifies: np.ndarray, reasons: np.ndarray,
                      park: np.ndarray, arrays: CatalogueArrays) -> tuple[Found, np.ndarray, np.ndarray]:
    """EIA_CATEGORY for every row screened; with each row's category and regional category ids."""
    results = cats.results
    index = cats.index[rows]
    category = np.array([r.category if not isinstance(r, Exception) else None for r in results] + [None],
                        dtype=object)[index]
    lowers = _lowers(arrays, park[rows])
    regional = np.array([DOWNGRADE.get(c) if c else None for c in category], dtype=object)
    regional = np.where(qualifies & lowers, regional, None)
    rows_of = _objects([tuple(r.rows) if not isinstance(r, Exception) else () for r in results] + [()])[index]
    zh = np.array([r.category_zh if not isinstance(r, Exception) else None for r in results] + [None],
                  dtype=object)[index]
    block = Found("EIA_CATEGORY", rows, {
        "category": category, "category_zh": zh, "rows": rows_of, "regional_category": regional,
        "regional_category_zh": np.array([CATEGORY_ZH.get(r) if r else None for r in regional], dtype=object),
        "qualifies": qualifies, "simplification": reasons},
        sources=lambda k, a: (f"建设项目环境影响评价分类管理名录（2021年版） item {', '.join(map(str, rows_of[k])) or '—'}",))
    return block, category, regional


def _lowers(arrays: CatalogueArrays, park: np.ndarray) -> np.ndarray:
    """Whether each park's regional assessment lowers the category (``category_downgrade``)."""
    def build():
        return np.array([bool(spec.regional_assessment and spec.regional_assessment.category_downgrade)
                         for spec in (arrays.catalog.park(p) for p in arrays.parks)] + [False], dtype=bool)

    return arrays.memo("lowers", "all", build)[park]
