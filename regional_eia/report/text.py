"""Words of a report in one language: labels around the findings, which the message catalogue words.

A finding's sentence, the main reason and the lines of "what would have to change" are rendered from
the findings' typed values by :mod:`.messages` (the same catalogue ``screen`` words its results with),
so a Chinese report reads as Chinese whatever language the screening was run in.
"""

from __future__ import annotations

from collections.abc import Iterable

from zones.catalog import Catalog

from ..findings import REGISTRY, main_code
from ..result import Finding, ScreeningResult
from .messages import (Messages, category_name, change_line, field_path, finding_message, has_cjk, num, pct,
                       pick_language, point, pollutant, simplification_reason, value_text)

__all__ = ["Wording", "pick_language", "has_cjk", "value_text"]


class Wording:
    """The words of one report: labels, finding sentences, what would have to change."""

    def __init__(self, msg: Messages, catalog: Catalog):
        self.msg = msg
        self.lang = msg.lang
        self.catalog = catalog

    # --- labels

    def pick(self, text: str | None) -> str:
        return pick_language(text, self.lang)

    num = staticmethod(num)
    pct = staticmethod(pct)

    def zone_name(self, zone_id: str | None) -> str:
        if zone_id is None:
            return "—"
        name = self.catalog.names.get(zone_id, zone_id)
        if self.lang == "en" and zone_id in self.catalog.parks and self.catalog.parks[zone_id].name_en:
            return self.catalog.parks[zone_id].name_en
        return self.pick(name)

    def pollutant(self, pollutant_id: str) -> str:
        return pollutant(pollutant_id, self.lang)

    metric = pollutant

    def basis(self, basis: str) -> str:
        return self.msg.get(f"basis.{basis}", basis)

    def verdict(self, verdict: str) -> str:
        return self.msg(f"verdict.{verdict}")

    def severity(self, severity: str) -> str:
        return self.msg(f"severity.{severity}")

    def code_title(self, code: str) -> str:
        return self.msg.get(f"code.{code}", code)

    def processes(self, processes: Iterable[str]) -> str:
        names = [self.msg.get(f"process.{p}", p) for p in processes]
        return self.msg("list.sep").join(names)

    def field(self, path: str) -> str:
        """A project-form field, in words, with its path so the company can find it."""
        return field_path(path, self.lang)

    # --- findings

    def finding(self, finding: Finding, result: ScreeningResult | None = None) -> str:
        """The finding as a sentence in the report's language."""
        return finding_message(finding.code, finding.values, self.lang)

    def main_reason(self, result: ScreeningResult) -> str:
        """The sentence of the main finding (the registry's main code, its first finding)."""
        main = main_code(f.code for f in result.findings)
        return next((self.finding(f) for f in result.findings if f.code == main), "")

    def point(self, point_id: str) -> str:
        return point(point_id, self.lang)

    def category_name(self, category_id: str, category_zh: str | None) -> str:
        return category_name(category_id, category_zh, self.lang)

    def simplification(self, result: ScreeningResult) -> list[str]:
        """Why the regional simplification does or does not apply, in the report's language."""
        found = next((f for f in result.findings if f.code == "EIA_CATEGORY"), None)
        if found is None:
            return []
        return [simplification_reason(r, self.lang) for r in found.values.get("simplification") or []]

    # --- what would have to change

    def changes(self, result: ScreeningResult) -> list[str]:
        """What would have to change: one line per finding that asks for a change."""
        return [line for f in result.findings
                if (line := change_line(f.code, REGISTRY[f.code].change, f.values, self.lang)) is not None]
