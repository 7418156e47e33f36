"""Write batch results by the output's extension, chunk by chunk, in input order.

CSV (UTF-8 with BOM, so that Excel shows Chinese names; text a spreadsheet would run as a formula gets
a leading apostrophe, :func:`regional_eia.escape.defuse_csv`), JSON lines, GeoJSON, GeoPackage,
GeoParquet and Excel (.xlsx, one sheet, text defused the same way). Geographic outputs carry each site as
a WGS84 point (the centroid of a site polygon); a row that erred has no geometry. Columns are the
engine's :meth:`~.engine.BatchEngine.output_schema`, taken from the first chunk written.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from .schema import BatchInputError

__all__ = ["open_output", "OUTPUT_FORMATS", "Writer"]

OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".geojson": "geojson", ".gpkg": "gpkg",
                  ".parquet": "parquet", ".geoparquet": "parquet", ".xlsx": "xlsx"}
EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
_WGS84_PROJJSON = CRS.from_epsg(4326).to_json_dict()


def _frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()


def _points(table: pa.Table) -> np.ndarray:
    lon = table.column("lon").to_numpy(zero_copy_only=False)
    lat = table.column("lat").to_numpy(zero_copy_only=False)
    points = shapely.points(lon, lat)
    points[np.isnan(lon)] = None
    return points


def _wkb_points(table: pa.Table) -> pa.Array:
    """Little-endian WKB points straight from the lon/lat columns (null where lon is null)."""
    lon = table.column("lon").to_numpy(zero_copy_only=False)
    lat = table.column("lat").to_numpy(zero_copy_only=False)
    n = len(lon)
    record = np.zeros(n, dtype=[("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    record["order"], record["type"], record["x"], record["y"] = 1, 1, lon, lat
    missing = np.isnan(lon)
    offsets = np.zeros(n + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(np.where(missing, 0, 21))
    data = record[~missing].tobytes()
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    return pa.Array.from_buffers(pa.binary(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
                                 null_count=int(missing.sum()))


class Writer(ABC):
    """Write chunks of result rows to ``path``; ``close()`` (or ``with``) finishes the file.

    Used as a context manager (as :func:`open_output` returns it), a writer writes into a hidden file
    beside the output and moves it into place only when the batch ends well: a batch stopped by an
    error (a whole-file error found on row 90,000, an interrupt) leaves no half-written output.
    """

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self.final: Path | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            if self.final is not None and self.path.exists():  # (an input of no rows writes no Parquet file)
                os.replace(self.path, self.final)
            return
        try:
            self.close()
        except Exception:  # the batch's own error is the one to report
            pass
        if self.final is not None:
            self.path.unlink(missing_ok=True)

    def write(self, table: pa.Table) -> None:
        """Append rows (an Arrow table with the columns of the first one written)."""
        self._write(table)
        self.rows += table.num_rows

    @abstractmethod
    def _write(self, table: pa.Table) -> None:
        """Write one chunk in the format of the subclass."""

    def close(self) -> None:
        pass


class _CSV(Writer):
    def __init__(self, path: Path):
        super().__init__(path)
        from pyarrow import csv as pacsv

        self.csv = pacsv
        self.file = path.open("wb")
        self.file.write("\ufeff".encode())
        self.writer = None

    def _write(self, table):
        if self.writer is None:
            self.writer = self.csv.CSVWriter(self.file, table.schema)
        self.writer.write_table(_defused(table))

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.file.close()


def _defused(table: pa.Table) -> pa.Table:
    """String cells that a spreadsheet would run as formulas, prefixed with an apostrophe (CSV injection)."""
    import pyarrow.compute as pc

    for index, field in enumerate(table.schema):
        if pa.types.is_string(field.type):
            column = table.column(index)
            risky = pc.fill_null(pc.match_substring_regex(column, r"^[=+\-@\t\r]"), False)
            if pc.any(risky).as_py():
                column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
                table = table.set_column(index, field, column)
    return table


class _JSONLines(Writer):
    def __init__(self, path: Path):
        super().__init__(path)
        self.file = path.open("w", encoding="utf-8")

    def _write(self, table):
        if table.num_rows:
            text = _frame(table).to_json(orient="records", lines=True, force_ascii=False).replace("\\/", "/")
            self.file.write(text if text.endswith("\n") else text + "\n")

    def close(self):
        self.file.close()


class _GeoJSON(Writer):
    def __init__(self, path: Path):
        super().__init__(path)
        self.file = path.open("w", encoding="utf-8")
        self.file.write('{"type": "FeatureCollection", "features": [\n')
        self.first = True

    def _write(self, table):
        if not table.num_rows:
            return
        properties = _frame(table).to_json(orient="records", lines=True, force_ascii=False).replace("\\/", "/")
        lines = properties.rstrip("\n").split("\n")
        lon = table.column("lon").to_numpy(zero_copy_only=False)
        lat = table.column("lat").to_numpy(zero_copy_only=False)
        features = []
        for props, x, y in zip(lines, lon, lat):
            geometry = "null" if x != x else f'{{"type": "Point", "coordinates": [{float(x)!r}, {float(y)!r}]}}'
            features.append(f'{{"type": "Feature", "properties": {props}, "geometry": {geometry}}}')
        self.file.write(("" if self.first else ",\n") + ",\n".join(features))
        self.first = False

    def close(self):
        self.file.write("\n]}\n")
        self.file.close()


class _GeoPackage(Writer):
    def __init__(self, path: Path):
        super().__init__(path)
        if path.exists():
            path.unlink()
        self.first = True

    def _write(self, table):
        import geopandas as gpd
        import pyogrio

        gdf = gpd.GeoDataFrame(_frame(table), geometry=gpd.GeoSeries(_points(table), crs=4326))
        pyogrio.write_dataframe(gdf, self.path, layer="screening", driver="GPKG", append=not self.first)
        self.first = False


class _GeoParquet(Writer):
    def __init__(self, path: Path):
        super().__init__(path)
        self.writer = None

    def _write(self, table):
        import pyarrow.parquet as pq

        if self.writer is None:
            geo = {"version": "1.0.0", "primary_column": "geometry",
                   "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "crs": _WGS84_PROJJSON}}}
            self.schema = table.schema.append(pa.field("geometry", pa.binary())).with_metadata(
                {b"geo": json.dumps(geo)})
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        table = table.append_column("geometry", _wkb_points(table)).replace_schema_metadata(self.schema.metadata)
        self.writer.write_table(table)

    def close(self):
        if self.writer is None:  # no rows at all: still a valid, empty file
            return
        self.writer.close()


class _Excel(Writer):
    """One sheet ``screening`` (openpyxl's write-only mode, so memory stays flat), header frozen."""

    def __init__(self, path: Path):
        super().__init__(path)
        import openpyxl

        self.book = openpyxl.Workbook(write_only=True)
        self.sheet = self.book.create_sheet("screening")
        self.sheet.freeze_panes = "A2"
        self.names: list[str] | None = None

    def _write(self, table):
        if self.rows + table.num_rows > EXCEL_MAX_ROWS:
            raise BatchInputError(self.final or self.path, f"more than {EXCEL_MAX_ROWS:,} rows do not fit an Excel "
                                  "sheet; write .csv or .parquet", "--out")
        from openpyxl.cell import WriteOnlyCell

        if self.names is None:
            self.names = table.schema.names
            self.sheet.append(list(self.names))
        columns = [table.column(name).to_pylist() for name in self.names]
        for values in zip(*columns):
            row = []
            for value in values:
                if isinstance(value, float) and value != value:
                    value = None
                cell = WriteOnlyCell(self.sheet, value=value)
                if cell.data_type == "f":  # text that looks like a formula (=, +, -, @) stays text
                    cell.data_type = "s"
                row.append(cell)
            self.sheet.append(row)

    def close(self):
        self.book.save(self.path)


def open_output(path: str | Path) -> Writer:
    """A writer for ``path`` by its extension (see :data:`OUTPUT_FORMATS`)."""
    path = Path(path)
    kind = OUTPUT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise BatchInputError(path, f"unknown output format {path.suffix!r}; use one of "
                                    f"{', '.join(sorted(OUTPUT_FORMATS))}", "--out")
    if not path.parent.is_dir():
        raise BatchInputError(path, f"folder {path.parent} does not exist", "--out")
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    writer = {"csv": _CSV, "jsonl": _JSONLines, "geojson": _GeoJSON, "gpkg": _GeoPackage,
              "parquet": _GeoParquet, "xlsx": _Excel}[kind](partial)
    writer.final = path
    return writer
