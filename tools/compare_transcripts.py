"""Compare two independent transcriptions of a scanned table, figure by figure (double entry).

Usage::

    python tools/compare_transcripts.py A_DIR B_DIR [--tables GB16297-1996-表1 ...] [--record-dir DIR]

Each reader's folder holds one CSV per table in the format of the transcribers' FORMAT.md (standard, table,
item, pollutant_zh, variant, quantity, stack_height_m, grade, value, unit, page, note). Rows are matched by
item, quantity, stack height, grade and the position of their sub-row (variant) within the item, so a
difference in how a sub-row label was written does not hide a figure; labels, units and values are then
compared field by field. A value is compared exactly as written, after Unicode NFKC and dropping spaces
(``＞3`` and ``>3`` are one reading; ``0.77`` and ``0.7`` are not).

For each table a record is written to ``--record-dir`` (default ``standards/data/double-entry``) as YAML:
counts, every disagreement, and for each disagreement the ``decision`` and ``why`` of whoever rendered the
page and decided. Decisions already in a record are kept when the comparison is run again; a disagreement
without a decision is listed as ``decision: null`` and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import csv
import sys
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

FIELDS = ("standard", "table", "item", "pollutant_zh", "variant", "quantity", "stack_height_m", "grade", "value",
          "unit", "page", "note")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "［": "[", "］": "]", "　": " "})
_UNITS = {"μg/m3": "ug/m3", "µg/m3": "ug/m3", "mg/m³": "mg/m3", "m³/m²": "m3/m2", "μg/m³": "ug/m3"}


def norm_text(text: str) -> str:
    """A label as a reader wrote it, without width, bracket-shape or spacing differences."""
    return unicodedata.normalize("NFKC", (text or "").translate(_BRACKETS)).replace(" ", "")


def norm_value(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "")


def norm_unit(text: str) -> str:
    unit = norm_value(text)
    return _UNITS.get(unit, unit)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise SystemExit(f"{path}: header {reader.fieldnames} is not {list(FIELDS)}")
        return list(reader)


def keyed(rows: list[dict[str, str]]) -> dict[tuple, dict[str, str]]:
    """Rows by (item, quantity, height, grade, sub-row position, repeat): the sub-row position is the order in
    which the item's variants first appear for that quantity; repeat numbers rows that share all of these."""
    variants: dict[tuple, list[str]] = defaultdict(list)
    for row in rows:
        key = (row["item"], row["quantity"])
        if norm_text(row["variant"]) not in variants[key]:
            variants[key].append(norm_text(row["variant"]))
    out: dict[tuple, dict[str, str]] = {}
    for row in rows:
        position = variants[(row["item"], row["quantity"])].index(norm_text(row["variant"]))
        base = (row["item"], row["quantity"], norm_value(row["stack_height_m"]), row["grade"], position)
        repeat = 0
        while (*base, repeat) in out:
            repeat += 1
        out[(*base, repeat)] = row
    return out


def compare(a_rows: list[dict[str, str]], b_rows: list[dict[str, str]]) -> tuple[int, list[dict]]:
    """(figures compared, disagreements): a disagreement is a row one reader has and the other lacks, or a
    differing value, unit, pollutant name or sub-row label."""
    a, b = keyed(a_rows), keyed(b_rows)
    compared = 0
    found = []
    for key in sorted(set(a) | set(b), key=_sort_key):
        ra, rb = a.get(key), b.get(key)
        where = ra or rb
        entry = {"item": where["item"], "pollutant_zh": where["pollutant_zh"], "variant": where["variant"],
                 "quantity": where["quantity"], "stack_height_m": where["stack_height_m"] or None,
                 "grade": where["grade"] or None, "page": int(where["page"]) if where["page"] else None}
        if ra is None or rb is None:
            found.append({**entry, "field": "row", "A": _cell(ra), "B": _cell(rb)})
            continue
        compared += 1
        for field, normal in (("value", norm_value), ("unit", norm_unit), ("pollutant_zh", norm_text),
                              ("variant", norm_text)):
            if normal(ra[field]) != normal(rb[field]):
                found.append({**entry, "field": field, "A": ra[field], "B": rb[field]})
    return compared, found


def _cell(row: dict[str, str] | None) -> str | None:
    return None if row is None else f"{row['value']} {row['unit']}".strip()


def _sort_key(key: tuple) -> tuple:
    item, quantity, height, grade, position, repeat = key
    number = int(item) if item.isdigit() else 10**6
    try:
        h = float(height) if height else -1.0
    except ValueError:
        h = -1.0
    return number, quantity, position, h, grade, repeat


def _decision_key(entry: dict) -> tuple:
    return tuple(entry.get(k) for k in ("item", "quantity", "stack_height_m", "grade", "field", "A", "B"))


def record_for(name: str, a_dir: Path, b_dir: Path, record_dir: Path) -> tuple[dict, int]:
    a_rows, b_rows = read(a_dir / f"{name}.csv"), read(b_dir / f"{name}.csv")
    compared, disagreements = compare(a_rows, b_rows)
    path = record_dir / f"{name}.yaml"
    earlier = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    decided = {_decision_key(d): d for d in (earlier or {}).get("disagreements", ())}
    for entry in disagreements:
        old = decided.get(_decision_key(entry), {})
        entry["decision"] = old.get("decision")
        entry["why"] = old.get("why")
    undecided = sum(1 for d in disagreements if d["decision"] is None)
    first = a_rows[0] if a_rows else b_rows[0]
    record = {
        "standard": first["standard"],
        "table": first["table"],
        "readers": "A and B, independently, from the scan; neither saw the other's file or the catalogue",
        "compared_by": "tools/compare_transcripts.py",
        "rows_A": len(a_rows),
        "rows_B": len(b_rows),
        "figures_compared": compared,
        "figures_agreeing": compared - sum(1 for d in disagreements if d["field"] == "value"),
        "disagreements": disagreements,
    }
    return record, undecided


_CLAUSE = re.compile(r"^(\d+(?:\.\d+)+)\s+(.*)$")


def read_clauses(path: Path) -> dict[str, str]:
    """A verbatim clause transcription: every body line that starts with a clause number, until the reader's
    notes begin (a line naming "notes"); a clause's text is its line (and its heading joins the next line)."""
    clauses: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if "notes" in text.lower() and not _CLAUSE.match(text):
            break
        match = _CLAUSE.match(text)
        if match:
            clauses[match.group(1)] = match.group(2)
        elif clauses and text and not text.startswith(("#", "[", "(")):
            last = next(reversed(clauses))
            clauses[last] = (clauses[last] + " " + text).strip()
    return clauses


def compare_clauses(a_path: Path, b_path: Path) -> dict:
    """Clause by clause, after NFKC and dropping spaces (bracket width is not a reading)."""
    a, b = read_clauses(a_path), read_clauses(b_path)
    differing = [{"clause": k, "A": a.get(k), "B": b.get(k)} for k in sorted(set(a) | set(b))
                 if norm_text(a.get(k) or "") != norm_text(b.get(k) or "")]
    return {"clauses_A": len(a), "clauses_B": len(b), "clauses_compared": len(set(a) & set(b)),
            "disagreements": differing, "text": {k: a[k] for k in sorted(a) if k in b}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a_dir", type=Path)
    parser.add_argument("b_dir", type=Path)
    parser.add_argument("--tables", nargs="*", help="table file names without .csv (default: every CSV both hold)")
    parser.add_argument("--record-dir", type=Path,
                        default=Path(__file__).resolve().parent.parent / "standards" / "data" / "double-entry")
    args = parser.parse_args(argv)
    names = args.tables or sorted({p.stem for p in args.a_dir.glob("*.csv")} & {p.stem for p in args.b_dir.glob("*.csv")})
    args.record_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in names:
        record, undecided = record_for(name, args.a_dir, args.b_dir, args.record_dir)
        (args.record_dir / f"{name}.yaml").write_text(
            yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        kinds = defaultdict(int)
        for d in record["disagreements"]:
            kinds[d["field"]] += 1
        print(f"{name}: rows A {record['rows_A']}, B {record['rows_B']}; {record['figures_compared']} figures compared, "
              f"{kinds['value']} value disagreements, {kinds['row']} unmatched rows, other fields {dict(kinds)}; "
              f"{undecided} undecided")
        status = status or (1 if undecided else 0)
    if args.tables is None:
        for a_path in sorted(args.a_dir.glob("*.txt")):
            b_path = args.b_dir / a_path.name
            if not b_path.exists():
                continue
            result = compare_clauses(a_path, b_path)
            print(f"{a_path.stem}: {result['clauses_compared']} clauses compared verbatim, "
                  f"{len(result['disagreements'])} differ")
            status = status or (1 if result["disagreements"] else 0)
            record = {"compared_by": "tools/compare_transcripts.py (clauses, after NFKC and without spaces)",
                      **{k: v for k, v in result.items() if k != "text"}}
            (args.record_dir / f"{a_path.stem}.yaml").write_text(
                yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
