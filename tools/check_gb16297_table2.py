"""Check the catalogue's GB 16297-1996 表2 against the double-entered transcription of the same table.

Usage: ``python tools/check_gb16297_table2.py TRANSCRIPT.csv [表1|表2]`` (a reader's GB16297-1996-表2.csv; the two
readings agree on every figure, see standards/data/double-entry/GB16297-1996-表2.yaml). Prints each figure of
the transcription that the catalogue does not hold (rates by grade and stack height, concentrations,
fugitive concentrations) and the counts; exit status 1 if any numeric figure differs.
"""

from __future__ import annotations

import csv
import math
import sys
from collections import Counter

from standards import builtin_standards
from standards.model import HeightValue


def number(text: str) -> float | str:
    text = text.replace(" ", "")
    if "E" in text:
        mantissa, exponent = text.split("E")
        return float(mantissa) * 10 ** int(exponent)
    try:
        return float(text)
    except ValueError:
        return text


def main(path: str, table: str = "表2") -> int:
    limits = [lim for lim in builtin_standards().rows("GB16297-1996") if lim.table == table]
    by_item: dict[str, list] = {}
    for lim in limits:
        by_item.setdefault(lim.item, []).append(lim)
    counts, differing, texts = Counter(), [], []
    for row in csv.DictReader(open(path, encoding="utf-8")):
        value, rows = number(row["value"]), by_item.get(row["item"], [])
        if not isinstance(value, float):
            texts.append(row)
            continue
        if row["quantity"] == "rate":
            height = float(row["stack_height_m"])
            held = [lim.value.by_stack_height_m.get(height) for lim in rows
                    if lim.column == f"rate_grade{row['grade']}" and isinstance(lim.value, HeightValue)]
            label = f"rate grade {row['grade']}"
        elif row["quantity"] == "conc" and "纤维" in row["unit"]:
            texts.append(row)  # 石棉尘 1 根(纤维)/cm3: a gap of the catalogue (no fibre-count unit), see its gaps
            continue
        elif row["quantity"] in ("conc", "fugitive_conc"):
            column = "concentration" if row["quantity"] == "conc" else "fugitive"
            held = [lim.number for lim in rows if lim.column == column]
            label = row["quantity"]
        else:
            continue
        counts[label] += 1
        if not any(h is not None and math.isclose(h, value, rel_tol=1e-9) for h in held):
            differing.append((row["item"], row["pollutant_zh"], row["variant"], label, row["stack_height_m"],
                              row["value"], held))
    for entry in differing:
        print("differs:", *entry)
    print(f"not compared (printed text or a unit the catalogue lacks): {len(texts)} cells, e.g. "
          + "; ".join(sorted({f"{r['quantity']} {r['value']} {r['unit']}".strip() for r in texts})[:4]))
    print(f"figures compared: {dict(counts)}; differing: {len(differing)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
