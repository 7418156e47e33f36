"""Plain-data summaries of the standards catalogue (what ``regional-eia standards list`` prints)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .catalog import StandardsCatalog

__all__ = ["list_standards"]


def list_standards(catalog: StandardsCatalog) -> list[dict[str, Any]]:
    """One entry per standard: id, number, titles, medium, kind, tables with their figure counts, gaps.

    Examples
    --------
    >>> from standards import builtin_standards
    >>> any(row["id"] == "GB8978-1996" for row in list_standards(builtin_standards()))
    True
    """
    counts = Counter((lim.standard, lim.table) for lim in catalog.limits)
    amendments = {}
    for amendment in catalog.amendments:
        amendments.setdefault(amendment.amends, []).append(f"{amendment.id} (from {amendment.effective})")
    return [
        {
            "id": sid,
            "number": std.number,
            "title_zh": std.title_zh,
            "title_en": std.title_en,
            "medium": "+".join(sorted(std.media)),
            "kind": std.kind,
            "effective": std.effective.isoformat(),
            "industries": list(std.industries),
            "tables": {t.id: counts[(sid, t.id)] for t in std.tables},
            "figures": sum(counts[(sid, t.id)] for t in std.tables),
            "amendments": amendments.get(sid, []),
            "gaps": list(std.gaps),
        }
        for sid, std in sorted(catalog.standards.items())
    ]
