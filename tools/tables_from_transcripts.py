"""Write catalogue tables from the double-entered transcriptions (after tools/compare_transcripts.py agreed).

Usage::

    python tools/tables_from_transcripts.py gb16297-table1 TRANSCRIPT_DIR > table.yaml
    python tools/tables_from_transcripts.py gb8978-table2 TRANSCRIPT_DIR > table.yaml
    python tools/tables_from_transcripts.py gb3838-table3 TRANSCRIPT_DIR > table.yaml

Prints the YAML of one ``tables:`` entry (standards/data/FORMAT.md) for the standard's data file. Only
figures both readers agree on go in: the comparison record of the table (standards/data/double-entry/) must
exist and hold no undecided disagreement, or the tool refuses. Pollutant ids, conditions and row shapes are
taken from the catalogue's own table of the same standard where one exists (GB 16297 表2 for 表1, GB 8978
表4 for 表2), so the two tables of a standard cite the same substances the same way.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "standards" / "data"
sys.path.insert(0, str(ROOT))


def agreed(name: str, folder: Path) -> list[dict[str, str]]:
    record = yaml.safe_load((DATA / "double-entry" / f"{name}.yaml").read_text(encoding="utf-8"))
    open_items = [d for d in record["disagreements"] if d.get("decision") is None]
    if open_items:
        raise SystemExit(f"{name}: {len(open_items)} disagreements are undecided (standards/data/double-entry/{name}.yaml)")
    return list(csv.DictReader((folder / f"{name}.csv").open(encoding="utf-8")))


def number(text: str):
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    if "E" in text:
        mantissa, exponent = text.split("E")
        # keep the decimal the standard prints: 1.8E-3 -> 0.0018 (no binary noise)
        return float(f"{mantissa}e{exponent}")
    try:
        value = float(text)
    except ValueError:
        return {"text": text}
    return int(value) if value.is_integer() and "." not in text else value


def unit_of(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return {"μg/m3": "ug/m3", "µg/m3": "ug/m3"}.get(text, text)


def template_rows(standard: str, table: str) -> list[dict]:
    data = yaml.safe_load((DATA / f"{standard}.yaml").read_text(encoding="utf-8"))
    return next(t for t in data["tables"] if t["id"] == table)["limits"]


def _variants(rows: list[dict[str, str]], item: str, quantity: str) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row["item"] == item and row["quantity"] == quantity and row["variant"] not in seen:
            seen.append(row["variant"])
    return seen


def gb16297_table1(folder: Path) -> dict:
    rows = agreed("GB16297-1996-表1", folder)
    template = template_rows("GB16297-1996", "表2")
    limits = []
    for item in dict.fromkeys(r["item"] for r in rows):
        mine = [r for r in rows if r["item"] == item]
        theirs = [t for t in template if t["item"] == item]
        conc_variants = _variants(rows, item, "conc")
        conc_templates = [t for t in theirs if t["unit"] != "kg/h" and "concentration" in t["values"]]
        for position, variant in enumerate(conc_variants):
            cells = [r for r in mine if r["quantity"] == "conc" and r["variant"] == variant and "纤维" not in r["unit"]]
            base = dict(conc_templates[min(position, len(conc_templates) - 1)])
            for cell in cells:
                limits.append(_row(base, item, cell["pollutant_zh"], unit_of(cell["unit"]),
                                   {"concentration": number(cell["value"])}, variant, cell))
        rate_variants = _variants(rows, item, "rate")
        rate_templates = [t for t in theirs if t["unit"] == "kg/h"]
        for position, variant in enumerate(rate_variants):
            cells = [r for r in mine if r["quantity"] == "rate" and r["variant"] == variant]
            values = {}
            for grade in ("1", "2", "3"):
                heights = {float(c["stack_height_m"]): number(c["value"]) for c in cells if c["grade"] == grade}
                if not heights:
                    continue
                if all(isinstance(v, dict) for v in heights.values()):
                    texts = {v["text"] for v in heights.values()}
                    values[f"rate_grade{grade}"] = {"text": texts.pop()} if len(texts) == 1 else None
                else:
                    values[f"rate_grade{grade}"] = {"by_stack_height_m": {_h(h): v for h, v in sorted(heights.items())}}
            base = dict(rate_templates[min(position, len(rate_templates) - 1)])
            limits.append(_row(base, item, cells[0]["pollutant_zh"], "kg/h", values, variant, cells[0]))
        fug_templates = [t for t in theirs if "fugitive" in t["values"]]
        for position, variant in enumerate(_variants(rows, item, "fugitive_point")):
            point = next(r for r in mine if r["quantity"] == "fugitive_point" and r["variant"] == variant)
            conc = next((r for r in mine if r["quantity"] == "fugitive_conc" and r["variant"] == variant), None)
            base = dict(fug_templates[min(position, len(fug_templates) - 1)])
            value = number(conc["value"]) if conc else {"text": point["value"]}
            unit = unit_of(conc["unit"]) if conc else base["unit"]
            row = _row(base, item, point["pollutant_zh"], unit, {"fugitive": value}, variant, conc or point)
            row["monitoring_point"] = "fugitive_reference" if "参照点" in point["value"] else base.get("monitoring_point")
            row["note_zh"] = f"监控点：{point['value']}"
            limits.append(row)
    return {
        "id": "表1", "medium": "air",
        "title_zh": "现有污染源大气污染物排放限值",
        "title_en": "Emission limits of air pollutants for existing sources",
        "applies_to": "existing", "applies_from": "1997-01-01",
        "notes_zh": "6.1：1997年1月1日前设立的污染源（以下简称为现有污染源）执行表1所列标准值。6.3.1：一般情况下应以建设项目环境影响报告书（表）"
                    "批准日期作为其设立日期。第5章：现有污染源分为一、二、三级，位于一类区的污染源执行一级标准（一类区现有污染源改建时执行现有污染源的一级标准）。"
                    "表1一级栏印“禁排”者：一类区现有污染源不得排放该污染物。",
        "notes_en": "6.1: sources set up before 1997-01-01 (existing sources) apply Table 1. 6.3.1: the set-up date is the "
                    "approval date of the project's EIA report (form). Clause 5: existing sources have grades 1, 2 and 3; "
                    "a source in a class-1 area applies grade 1 (an existing source there that is rebuilt applies the "
                    "existing-source grade 1). Where the grade-1 column prints 禁排, an existing source in a class-1 area "
                    "may not emit the pollutant.",
        "columns": [
            {"id": "concentration", "label_zh": "最高允许排放浓度", "label_en": "maximum allowable emission concentration",
             "tags": {"quantity": "concentration"}},
            {"id": "rate_grade1", "label_zh": "最高允许排放速率（一级）", "label_en": "maximum allowable emission rate (grade 1)",
             "tags": {"quantity": "rate", "grade": "1"}},
            {"id": "rate_grade2", "label_zh": "最高允许排放速率（二级）", "label_en": "maximum allowable emission rate (grade 2)",
             "tags": {"quantity": "rate", "grade": "2"}},
            {"id": "rate_grade3", "label_zh": "最高允许排放速率（三级）", "label_en": "maximum allowable emission rate (grade 3)",
             "tags": {"quantity": "rate", "grade": "3"}},
            {"id": "fugitive", "label_zh": "无组织排放监控浓度限值", "label_en": "fugitive emission monitoring concentration limit",
             "tags": {"quantity": "fugitive"}},
        ],
        "limits": limits,
    }


def _h(height: float):
    return int(height) if height.is_integer() else height


def _row(base: dict, item: str, printed_name: str, unit: str, values: dict, variant: str, cell: dict) -> dict:
    row = {"item": item, "pollutant": base["pollutant"], "pollutant_zh": printed_name, "unit": unit,
           "values": values, "monitoring_point": base.get("monitoring_point")}
    conditions = dict(base.get("conditions") or {})
    if variant and conditions.get("condition_zh") and conditions["condition_zh"] != variant:
        conditions["condition_zh"] = variant  # as 表1 prints it (e.g. 其他 / 其它)
    if conditions:
        row["conditions"] = conditions
    note = (cell.get("note") or "").strip()
    if note:
        row["note_en"] = f"transcription note: {note}"
    return row


def gb8978_table2(folder: Path) -> dict:
    rows = agreed("GB8978-1996-表2", folder)
    template = template_rows("GB8978-1996", "表4")
    limits = []
    for item in dict.fromkeys(r["item"] for r in rows):
        for variant in _variants(rows, item, "limit"):
            cells = [r for r in rows if r["item"] == item and r["variant"] == variant]
            name = cells[0]["pollutant_zh"]
            base = _match_gb8978(template, name, variant)
            values = {}
            for cell in cells:
                value = number(cell["value"])
                if isinstance(value, dict) and "~" in value["text"]:  # 6～9 after NFKC
                    low, high = value["text"].split("~")
                    value = [float(low), float(high)]
                values[f"grade{cell['grade']}"] = value
            row = {"item": item, "pollutant": base["pollutant"], "pollutant_zh": name, "unit": base["unit"],
                   "values": values, "monitoring_point": base.get("monitoring_point", "total_outlet")}
            conditions = _gb8978_conditions(base, variant)
            if conditions:
                row["conditions"] = conditions
            notes = "; ".join(sorted({c["note"].strip() for c in cells if c["note"].strip()}))
            if notes:
                row["note_en"] = f"transcription note: {notes}"
            limits.append(row)
    return {
        "id": "表2", "medium": "water",
        "title_zh": "第二类污染物最高允许排放浓度（1997年12月31日之前建设的单位）",
        "title_en": "Maximum allowable concentrations of second-class pollutants (units built before 1998-01-01)",
        "applies_to": "existing", "applies_from": "1998-01-01",
        "notes_zh": "4.2.2.1：1997年12月31日之前建设（包括改、扩建）的单位，水污染物的排放必须同时执行表1、表2、表3的规定。"
                    "4.2.2.3：建设（包括改、扩建）单位的建设时间，以环境影响评价报告书（表）批准日期为准划分。",
        "notes_en": "4.2.2.1: units built (including rebuilt and expanded) before 1998-01-01 apply Tables 1, 2 and 3. "
                    "4.2.2.3: the building date is the approval date of the EIA report (form).",
        "columns": [{"id": f"grade{g}", "label_zh": f"{zh}级标准", "label_en": f"grade {g}", "tags": {"grade": g}}
                    for g, zh in (("1", "一"), ("2", "二"), ("3", "三"))],
        "limits": limits,
    }


def _match_gb8978(template: list[dict], name: str, variant: str) -> dict:
    key = unicodedata.normalize("NFKC", name).replace("(", "（").replace(")", "）").replace(" ", "")
    same = [t for t in template
            if unicodedata.normalize("NFKC", t["pollutant_zh"]).replace("(", "（").replace(")", "）").replace(" ", "") == key]
    if not same:
        raise SystemExit(f"GB 8978 表2 {name!r}: no 表4 row of that name to take its pollutant id from; map it by hand")
    for t in same:
        cond = t.get("conditions") or {}
        if (cond.get("industries_zh") or "") == variant:
            return t
    return same[0]


def _gb8978_conditions(base: dict, variant: str) -> dict:
    if not variant or variant == "一切排污单位":
        return {}
    cond = dict(base.get("conditions") or {})
    if cond.get("industries_zh") == variant:
        return cond
    if variant == "其他排污单位":
        return {"other": True, "industries_zh": variant}
    return {"industries_zh": variant}


def gb3838_table3(folder: Path) -> dict:
    """GB 3838-2002 表3: one 标准值 per item; pollutant ids by the registry's zh names (after dropping a leading
    总 and a bracketed basis, as tests/test_standards_data.py compares them)."""
    import re

    from standards import load_standards

    rows = agreed("GB3838-2002-表3", folder)
    registry = load_standards(DATA).pollutants

    def key(zh: str) -> str:
        zh = unicodedata.normalize("NFKC", zh)
        zh = re.sub(r"[(（]以[^)）]*计[)）]", "", zh)
        return re.sub(r"[\s\-–—]", "", zh).removeprefix("总")

    by_zh = {key(p.zh): p.id for p in registry.values() if "water" in p.media}
    # one substance, printed differently by two standards: GB 3838 苯酚 where GB 8978 prints 酚
    by_zh |= {key("2,4-二氯苯酚"): "2_4-dichlorophenol", key("2,4,6-三氯苯酚"): "2_4_6-trichlorophenol"}
    limits = []
    for row in rows:
        pollutant = by_zh.get(key(row["pollutant_zh"]))
        if pollutant is None:
            raise SystemExit(f"GB 3838 表3 item {row['item']} {row['pollutant_zh']}: no pollutant id of that name")
        entry = {"item": row["item"], "pollutant": pollutant, "pollutant_zh": row["pollutant_zh"], "unit": "mg/L",
                 "values": {"value": number(row["value"])}, "monitoring_point": "surface_water",
                 "conditions": {"condition_zh": "集中式生活饮用水地表水源地",
                                "condition_en": "centralised surface drinking-water sources"}}
        if row["note"].strip():
            entry["note_zh"] = row["note"].strip()
        limits.append(entry)
    return {
        "id": "表3", "medium": "water_quality",
        "title_zh": "集中式生活饮用水地表水源地特定项目标准限值",
        "title_en": "Standard limits of specific items for centralised surface drinking-water sources",
        "applies_to": "all", "applies_from": "2002-06-01",
        "notes_zh": "单位：mg/L。特定项目由县级以上人民政府环境保护行政主管部门根据本地区地表水水质特点和环境管理的需要进行选择（4.2 / 前言）。",
        "notes_en": "Unit mg/L. Which specific items apply is chosen by the environmental authority at county level or above "
                    "for the local water quality and management needs.",
        "columns": [{"id": "value", "label_zh": "标准值", "label_en": "standard value", "tags": {}}],
        "limits": limits,
    }


COMMANDS = {"gb16297-table1": gb16297_table1, "gb8978-table2": gb8978_table2, "gb3838-table3": gb3838_table3}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    table = COMMANDS[argv[0]](Path(argv[1]))
    print(yaml.safe_dump([table], allow_unicode=True, sort_keys=False, width=118), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
