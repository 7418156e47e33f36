"""Screen a sample of a batch's input rows one by one with ``screen`` and compare with the batch output.

    python benchmarks/spotcheck.py CATALOGUE INPUT.csv OUTPUT.parquet [N] [--on 2027-01-01]
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from regional_eia import project_from_data, screen
from regional_eia.batch.engine import result_row
from regional_eia.batch.schema import parse_columns, row_to_project_data
from regional_eia.errors import ProjectError
from zones import load_catalog

FIELDS = ("verdict", "codes", "main_code", "park", "control_units", "binding_cap", "cap_remaining", "cap_demand",
          "cap_fits", "eia_category", "regional_category")


def _same(a, b):
    none_a = a is None or (isinstance(a, float) and math.isnan(a)) or a == ""
    none_b = b is None or (isinstance(b, float) and math.isnan(b)) or b == ""
    return (none_a and none_b) or a == b


def spotcheck(catalog, input_csv, output, n=300, on=dt.date(2027, 1, 1), seed=0) -> int:
    with open(input_csv, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    table = pacsv.read_csv(input_csv, convert_options=pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header}, strings_can_be_null=False))
    results = pq.read_table(output).to_pandas()
    columns = parse_columns(table.column_names, input_csv)
    rows = np.random.default_rng(seed).choice(table.num_rows, min(n, table.num_rows), replace=False)
    bad = 0
    for i in sorted(rows):
        record = table.slice(int(i), 1).to_pylist()[0]
        source = f"row {i + 1}"
        try:
            want = result_row(screen(project_from_data(row_to_project_data(record, columns, source), source),
                                     catalog, on=on))
        except ProjectError as exc:
            want = result_row(None, f"{exc.field}: {exc.why}" if exc.field else exc.why)
        got = results.iloc[int(i)].to_dict()
        diff = {f: (got.get(f), want.get(f)) for f in FIELDS if f in want and not _same(got.get(f), want.get(f))}
        if diff:
            bad += 1
            print(f"row {i + 1}: {diff}")
    print(f"{len(rows) - bad} of {len(rows)} sampled rows agree with screen()")
    return bad


if __name__ == "__main__":
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    raise SystemExit(1 if spotcheck(load_catalog(sys.argv[1]), sys.argv[2], sys.argv[3], n) else 0)
