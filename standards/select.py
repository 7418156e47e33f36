"""Selecting figures from the catalogue: by date, construction date, amendment, industry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .catalog import Limit, StandardsCatalog

__all__ = ["in_force", "matches_built", "latest", "wwtp_effluent_limit", "industry_matches"]


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
    """Whether ``limit`` applies on ``on`` to a new (or existing) enterprise."""
    if limit.applies_until is not None and on >= limit.applies_until:
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
    amended = {
        (lim.standard, lim.table, lim.pollutant, lim.column, lim.item)
        for lim in limits
        if lim.amended_by is not None and lim.applies_from <= on
    }
    return [
        lim
        for lim in limits
        if (lim.amended_by is not None and lim.applies_from <= on)
        or (lim.amended_by is None and (lim.standard, lim.table, lim.pollutant, lim.column, lim.item) not in amended)
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
        for lim in catalog.limits
        if lim.standard == standard_id
        and lim.pollutant == pollutant
        and lim.column_tags.get("class", lim.column) == effluent_class
        and lim.number is not None
        and on >= lim.applies_from
    ]
    candidates = latest(candidates, on)
    dated = [lim for lim in candidates if matches_built(lim, built) is not False]
    if not dated:
        return None
    return max(dated, key=lambda lim: lim.number)
