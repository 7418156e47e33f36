"""Sentences of a report in one language, built from a result's structured values and the catalogue.

A finding's sentence is rebuilt from ``Finding.values`` through the message catalogue, so a Chinese
report reads as Chinese. Where the values a template needs are not there (a finding code whose values
this module does not know yet), the sentence is the code's title followed by the screening's own
message, marked as such: a report never drops a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zones.catalog import Catalog

from ..render import fmt
from ..result import CapacityCheck, Finding, ScreeningResult
from .messages import Lang, Messages

__all__ = ["Wording", "pick_language", "has_cjk"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_SEVERITY_ORDER = ("fail", "incomplete", "conditional", "warning", "info")

# which kind of change a finding asks for (the screening's own ``to_change`` uses the same grouping)
_CHANGE_KIND = {
    "RED_LINE_OVERLAP": "site", "WATER_SOURCE_OVERLAP": "site", "RECEPTOR_SETBACK": "site",
    "OUTSIDE_PARK": "site", "PARTLY_OUTSIDE_PARK": "site",
    "ACCESS_PROHIBITED": "industry",
    "STANDARD_EXCEEDED": "treatment",
    "DATA_MISSING": "supply", "WORKSHOP_OUTLET_REQUIRED": "supply",
    "OFFSET_REQUIRED": "offset",
}


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def pick_language(text: str | None, lang: Lang) -> str:
    """One side of a catalogue text written ``中文 / English``; any other text unchanged.

    Examples
    --------
    >>> pick_language("南漪湖未达标 / Nanyi Lake not attained", "en")
    'Nanyi Lake not attained'
    >>> pick_language("南漪湖未达标 / Nanyi Lake not attained", "zh")
    '南漪湖未达标'
    >>> pick_language("郎川河 Langchuan River", "en")
    '郎川河 Langchuan River'
    """
    if not text:
        return ""
    parts = text.split(" / ")
    if len(parts) == 2 and has_cjk(parts[0]) and not has_cjk(parts[1]):
        return parts[0].strip() if lang == "zh" else parts[1].strip()
    return text


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class Wording:
    """The words of one report: labels, finding sentences, what would have to change."""

    def __init__(self, msg: Messages, catalog: Catalog):
        self.msg = msg
        self.lang = msg.lang
        self.catalog = catalog

    # --- labels

    def pick(self, text: str | None) -> str:
        return pick_language(text, self.lang)

    num = staticmethod(fmt)
    pct = staticmethod(pct)

    def zone_name(self, zone_id: str | None) -> str:
        if zone_id is None:
            return "—"
        name = self.catalog.names.get(zone_id, zone_id)
        if self.lang == "en" and zone_id in self.catalog.parks and self.catalog.parks[zone_id].name_en:
            return self.catalog.parks[zone_id].name_en
        return self.pick(name)

    def pollutant(self, pollutant_id: str) -> str:
        if pollutant_id == "wastewater":
            return self.msg("metric.wastewater")
        known = self.catalog.standards.pollutants.get(pollutant_id)
        if known is None or self.lang == "en":
            return pollutant_id
        if "_" in pollutant_id or len(pollutant_id) > 8:  # a spelled-out id: the Chinese name says it all
            return known.zh
        return f"{pollutant_id}（{known.zh}）"

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
        if self.lang == "en":
            return path
        head, _, pollutant = path.rpartition(".")
        if f"field.{path}" in self.msg:
            label = self.msg(f"field.{path}")
        elif f"field.{head}" in self.msg:
            label = self.msg(f"field.{head}", pollutant=pollutant)
        else:
            return path
        return self.msg("field.with_path", label=label, path=path)

    # --- findings

    def finding(self, finding: Finding, result: ScreeningResult) -> str:
        """The finding as a sentence in the report's language (see the module docstring)."""
        build = getattr(self, f"_ctx_{finding.code.lower()}", None)
        try:
            if build is not None:
                key, fields = build(finding, result)
                return self.msg(key, **fields)
        except (KeyError, TypeError, ValueError, LookupError):
            pass
        return self.msg("finding.fallback", title=self.code_title(finding.code),
                        message=finding.message) + ("" if self.lang == "en" else self.msg("note.fallback"))

    def main_reason(self, result: ScreeningResult) -> str:
        """The sentence of the worst finding (the first of the worst severity)."""
        for severity in _SEVERITY_ORDER[:3]:
            for f in result.findings:
                if f.severity == severity:
                    return self.finding(f, result)
        return ""

    def _grade(self, zone_id: str) -> str:
        grade = self.catalog.protected[zone_id].grade if zone_id in self.catalog.protected else None
        return self.msg("part.grade", grade=grade) if grade else ""

    def _ctx_outside_park(self, f: Finding, result):
        nearest = f.values.get("nearest_park")
        part = ""
        if nearest:
            part = self.msg("finding.OUTSIDE_PARK.nearest", park=self.zone_name(nearest),
                            distance=self.num(f.values["distance_m"]))
        return "finding.OUTSIDE_PARK", {"nearest": part}

    def _ctx_partly_outside_park(self, f: Finding, result):
        return "finding.PARTLY_OUTSIDE_PARK", {"park": self.zone_name(f.zone_id),
                                               "overlap": self.num(f.values["overlap_m2"])}

    def _ctx_red_line_overlap(self, f: Finding, result):
        return f"finding.{f.code}", {"zone": self.zone_name(f.zone_id), "grade": self._grade(f.zone_id)}

    _ctx_water_source_overlap = _ctx_red_line_overlap

    def _ctx_red_line_proximity(self, f: Finding, result):
        return f"finding.{f.code}", {"zone": self.zone_name(f.zone_id), "grade": self._grade(f.zone_id),
                                     "distance": self.num(f.values["distance_m"]),
                                     "buffer": self.num(f.values["buffer_m"])}

    _ctx_water_source_proximity = _ctx_red_line_proximity

    def _ctx_receptor_setback(self, f: Finding, result):
        receptor = self.catalog.receptors[f.zone_id]
        codes = f.values.get("setback_industries") or []
        industries = (self.msg("part.industries", codes=self.msg("list.sep").join(codes)) if codes
                      else self.msg("part.any_industry"))
        return "finding.RECEPTOR_SETBACK", {
            "receptor": self.zone_name(f.zone_id), "receptor_type": self.msg(f"receptor.{receptor.receptor_type}"),
            "distance": self.num(f.values["distance_m"]), "setback": self.num(f.values["setback_m"]),
            "industries": industries,
        }

    def _access_list(self, zone_id: str) -> str:
        if zone_id in self.catalog.parks:
            return self.msg("list.park", park=self.zone_name(zone_id))
        unit = self.catalog.control_units[zone_id]
        return self.msg("list.unit", code=unit.code, unit_class=self.msg(f"unit_class.{unit.unit_class}"))

    def _access_rule(self, f: Finding, part: str):
        zone_id = f.zone_id
        access = (self.catalog.park(zone_id).access if zone_id in self.catalog.parks
                  else self.catalog.access_for_unit(zone_id))
        wanted = set(f.values.get("processes") or [])
        for rule in getattr(access, part):
            if f.values["matched_code"] in rule.codes and set(rule.processes) == wanted:
                return rule
        raise LookupError(f"no {part} rule for {f.values['matched_code']} in {zone_id}")

    def _ctx_access(self, f: Finding, part: str):
        rule = self._access_rule(f, part)
        processes = f.values.get("processes") or []
        conditions = f.values.get("conditions")
        return f"finding.{f.code}", {
            "industry": f.values["industry"], "list": self._access_list(f.zone_id), "reason": self.pick(rule.reason),
            "processes": self.msg("part.processes", processes=self.processes(processes)) if processes else "",
            "conditions": self.msg("part.conditions", conditions=self.pick(conditions)) if conditions else "",
        }

    def _ctx_access_prohibited(self, f: Finding, result):
        return self._ctx_access(f, "prohibited")

    def _ctx_access_restricted(self, f: Finding, result):
        return self._ctx_access(f, "restricted")

    def _ctx_access_encouraged(self, f: Finding, result):
        return self._ctx_access(f, "encouraged")

    def capacity_check(self, f: Finding, result: ScreeningResult) -> CapacityCheck:
        """The capacity check a capacity finding speaks of (its values carry cap, unit and basis)."""
        v = f.values
        if "metric" in v:
            hits = [c for c in result.capacity if c.park == f.zone_id and c.metric == v["metric"]]
        else:
            hits = [c for c in result.capacity if c.park == f.zone_id and c.cap == v["cap"]
                    and c.unit == v["unit"] and c.basis == v["basis"]]
        if len(hits) != 1:
            raise LookupError(f"{len(hits)} capacity checks match the finding")
        return hits[0]

    def _capacity_fields(self, check: CapacityCheck) -> dict[str, str]:
        return {"park": self.zone_name(check.park), "metric": self.metric(check.metric),
                "basis": self.basis(check.basis), "unit": check.unit}

    def _ctx_capacity_exceeded(self, f: Finding, result):
        check = self.capacity_check(f, result)
        reuse = ""
        if check.reuse_rate_to_fit is not None:
            reuse = self.msg("finding.CAPACITY_EXCEEDED.reuse", max_flow=self.num(check.max_flow_m3d),
                             reuse_rate=self.pct(check.reuse_rate_to_fit))
        return "finding.CAPACITY_EXCEEDED", {
            **self._capacity_fields(check), "cap": self.num(check.cap), "committed": self.num(check.committed),
            "reserved": self.num(check.reserved), "remaining": self.num(check.remaining),
            "demand": self.num(check.demand), "reduce_by": self.num(check.reduce_by), "reuse": reuse,
        }

    def _ctx_capacity_high_utilisation(self, f: Finding, result):
        check = self.capacity_check(f, result)
        return "finding.CAPACITY_HIGH_UTILISATION", {
            **self._capacity_fields(check), "after": self.pct(check.utilisation_after),
            "threshold": f"{f.values['threshold']:.0%}",
        }

    def _ctx_offset_required(self, f: Finding, result):
        pollutant = f.values["pollutant"]
        offset = next(o for o in result.offsets if o.pollutant == pollutant)
        return "finding.OFFSET_REQUIRED", {
            "pollutant": self.pollutant(pollutant), "increment": self.num(f.values["increment_t_a"]),
            "ratio": f"{f.values['ratio']:g}", "required": self.num(f.values["required_t_a"]),
            "reason": self.pick(offset.reason),
        }

    def point(self, point: str) -> str:
        """A monitoring point: ``total_outlet``, ``workshop_outlet`` or ``<stack> concentration|rate``."""
        stack, _, what = point.rpartition(" ")
        if stack and what in ("concentration", "rate"):
            return self.msg(f"point.stack_{what}", stack=stack)
        return self.msg.get(f"point.{point}", point)

    def _ctx_standard_exceeded(self, f: Finding, result):
        v = f.values
        unit = f" {v['unit']}" if v.get("unit") else ""
        return "finding.STANDARD_EXCEEDED", {
            "pollutant": self.pollutant(v["pollutant"]), "point": self.point(v.get("point", "total_outlet")),
            "proposed": value_text(v["proposed"]) + unit, "limit": value_text(v["limit"]) + unit,
            "source": "; ".join(f.sources) or "—",
        }

    def _ctx_standard_not_covered(self, f: Finding, result):
        return "finding.STANDARD_NOT_COVERED", {"pollutant": self.pollutant(f.values["pollutant"]),
                                                "point": self.point(f.values["point"])}

    def _ctx_pollutant_not_declared(self, f: Finding, result):
        names = [self.pollutant(p) for p in f.values["pollutants"]]
        shown = self.msg("list.sep").join(names[:12])
        if len(names) > 12:
            shown += self.msg("part.more", n=len(names) - 12)
        return "finding.POLLUTANT_NOT_DECLARED", {"standards": self.msg("list.sep").join(f.sources),
                                                  "pollutants": shown}

    def _ctx_workshop_outlet_required(self, f: Finding, result):
        pollutant = f.values["pollutant"]
        return "finding.WORKSHOP_OUTLET_REQUIRED", {"pollutant": self.pollutant(pollutant), "pollutant_id": pollutant,
                                                    "source": "; ".join(f.sources) or "—"}

    def _ctx_outfall_forbidden(self, f: Finding, result):
        protection = self.msg("finding.OUTFALL_FORBIDDEN.protection") if f.values.get("protection_zone") else ""
        return "finding.OUTFALL_FORBIDDEN", {"receiving_class": f.values["receiving_class"], "protection": protection}

    def _ctx_unit_requirement(self, f: Finding, result):
        from ..review import REQUIREMENT_PARTS

        parts = [self.msg("finding.UNIT_REQUIREMENT.part", part=zh if self.lang == "zh" else en,
                          text=" / ".join(f.values[key]))
                 for key, zh, en in REQUIREMENT_PARTS if f.values.get(key)]
        texts = self.msg("list.sep").join(parts) if parts else self.msg("finding.UNIT_REQUIREMENT.none")
        return "finding.UNIT_REQUIREMENT", {"code": f.values["unit_code"], "zone": self.zone_name(f.zone_id),
                                            "unit_class": self.msg(f"unit_class.{f.values['unit_class']}"),
                                            "texts": texts}

    def _ctx_no_control_unit(self, f: Finding, result):
        return "finding.NO_CONTROL_UNIT", {}

    def _ctx_discharge_not_given(self, f: Finding, result):
        return "finding.DISCHARGE_NOT_GIVEN", {"industry": f.values["industry"], "why": f.values["why"]}

    def _ctx_eia_category(self, f: Finding, result):
        category = result.eia_category
        rows = f.values.get("rows") or []
        regional_zh = category.regional_category_zh if category else None
        regional_id = f.values.get("regional_category")
        if regional_id:
            regional = self.msg("finding.EIA_CATEGORY.regional",
                                regional=self.category_name(regional_id, regional_zh))
        else:
            regional = self.msg("finding.EIA_CATEGORY.no_regional")
        return "finding.EIA_CATEGORY", {
            "category": self.category_name(f.values["category"], category.category_zh if category else None),
            "rows": self.msg("finding.EIA_CATEGORY.rows", rows=self.msg("list.sep").join(map(str, rows))) if rows else "",
            "regional": regional,
        }

    def category_name(self, category_id: str, category_zh: str | None) -> str:
        """``报告书`` in Chinese; ``报告书 (report_book)`` in English, the id being the catalogue's."""
        if self.lang == "zh":
            return category_zh or category_id
        return f"{category_zh} ({category_id})" if category_zh else category_id

    def _ctx_data_missing(self, f: Finding, result):
        missing = self.msg("list.sep").join(self.field(m) for m in f.values["missing"])  # else: as screened
        if "metric" in f.values:
            check = self.capacity_check(f, result)
            return "finding.DATA_MISSING.capacity", {**self._capacity_fields(check), "missing": missing}
        if "pollutant" in f.values and "stack" not in f.values:
            return "finding.DATA_MISSING.offset", {"pollutant": self.pollutant(f.values["pollutant"]),
                                                   "missing": missing}
        return "finding.DATA_MISSING.generic", {"missing": missing}

    # --- what would have to change

    def changes(self, result: ScreeningResult) -> list[str]:
        """What would have to change, one item per failing cap and per finding that asks for a change."""
        items = []
        for check in result.capacity:
            if check.fits is False:
                reuse = ""
                if check.reuse_rate_to_fit is not None:
                    reuse = self.msg("change.capacity.reuse", max_flow=self.num(check.max_flow_m3d),
                                     reuse_rate=self.pct(check.reuse_rate_to_fit))
                items.append(self.msg("change.capacity", metric=self.metric(check.metric),
                                      reduce_by=self.num(check.reduce_by), unit=check.unit, reuse=reuse))
        for f in result.findings:
            kind = _CHANGE_KIND.get(f.code)
            if kind is not None:
                items.append(self.msg("change.item", kind=self.msg(f"change.{kind}"), text=self.finding(f, result)))
            elif f.code == "ACCESS_RESTRICTED" and f.values.get("conditions"):
                items.append(self.msg("change.item", kind=self.msg("change.condition"),
                                      text=self.pick(f.values["conditions"])))
        return items


def value_text(value) -> str:
    """A limit or proposed value: a pH range as ``6-9``, a number with :func:`fmt`."""
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "-".join(f"{v:g}" for v in value)
    return fmt(value)
