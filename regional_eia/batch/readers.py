"""Read a batch input in chunks: CSV (UTF-8 or GBK), Excel, GeoPackage, GeoJSON, (Geo)Parquet.

Every reader yields :class:`Chunk` objects of about ``chunk_size`` rows, in input order, holding the
cells as Arrow columns (text as text: CSV and Excel cells are never guessed into numbers here; the
engine reads them by the schema) and, for geographic formats, the site geometries.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import shapely
from pyproj import CRS

from zones.crs import parse_crs
from zones.errors import CRSError

from .schema import BatchInputError, Columns, load_mapping, parse_columns

__all__ = ["Chunk", "Source", "open_input", "INPUT_FORMATS"]

INPUT_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel", ".gpkg": "gpkg",
                 ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet", ".geoparquet": "parquet"}


@dataclass
class Chunk:
    table: pa.Table
    start: int
    geometry: np.ndarray | None = None


@dataclass
class Source:
    """An opened input: its columns (as the schema reads them), CRS of its geometry, and its chunks."""

    path: Path
    format: str
    columns: Columns
    chunks: Iterator[Chunk]
    geometry_crs: CRS | None = None
    rows: int | None = None  # when the format tells without reading it all
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


def open_input(path: str | Path, *, chunk_size: int = 100_000, encoding: str | None = None,
               mapping: str | Path | dict | None = None, crs: str | None = None,
               layer: str | None = None) -> Source:
    """Open a batch input by its extension; the header is read and checked now, the rows lazily.

    Raises
    ------
    BatchInputError
        A missing file, an unknown extension, an unreadable header, or a header without id,
        industry or coordinates.
    """
    path = Path(path)
    if not path.is_file():
        raise BatchInputError(path, "no such file")
    kind = INPUT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise BatchInputError(path, f"unknown input format {path.suffix!r}; use one of "
                                    f"{', '.join(sorted(INPUT_FORMATS))}")
    names = mapping if isinstance(mapping, dict) else load_mapping(mapping)
    if chunk_size < 1:
        raise BatchInputError(path, "--chunk-size must be at least 1")
    reader = {"csv": _csv, "excel": _excel, "gpkg": _ogr, "geojson": _ogr, "parquet": _parquet}[kind]
    return reader(path, chunk_size=chunk_size, encoding=encoding, mapping=names, crs=crs, layer=layer, kind=kind)


def _default_crs(crs: str | None, path: Path) -> str | None:
    if crs is None:
        return None
    try:
        parse_crs(int(crs) if str(crs).isdigit() else crs)
    except CRSError as exc:
        raise BatchInputError(path, f"--crs {crs}: {exc.why}") from exc
    return str(crs)


# --- CSV -------------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        sample = f.read(1 << 22)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # a superset of GBK and GB2312, as Chinese agencies' CSVs are written


def _csv(path: Path, *, chunk_size: int, encoding: str | None, mapping, crs, layer, kind) -> Source:
    from pyarrow import csv as pacsv

    encoding = encoding or _detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise BatchInputError(path, f"unknown encoding {encoding!r} (try utf-8 or gbk)") from exc
    try:
        with path.open(encoding=encoding, newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise BatchInputError(path, f"the header is not {encoding} text; give --encoding (utf-8, gbk)") from exc
    if not header:
        raise BatchInputError(path, "empty file: expected a header line")
    header[0] = header[0].lstrip("\ufeff")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise BatchInputError(path, f"column {dup!r} appears twice in the header")
    columns = parse_columns(header, path, mapping, default_crs=_default_crs(crs, path))
    arrow_encoding = "utf8" if encoding.replace("-", "").lower() in ("utf8", "utf8sig") else encoding

    def chunks() -> Iterator[Chunk]:
        read = pacsv.ReadOptions(encoding=arrow_encoding, block_size=1 << 23, column_names=header, skip_rows=1)
        convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False)
        try:
            reader = pacsv.open_csv(path, read_options=read, convert_options=convert)
            yield from _rechunk((pa.Table.from_batches([b]) for b in reader), chunk_size)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise BatchInputError(path, f"cannot read the CSV ({exc}); check the encoding (--encoding) and that "
                                        "every line has the header's columns") from exc

    return Source(path, "csv", columns, chunks(), encoding=encoding, warnings=_ignored(columns))


def _rechunk(tables: Iterator[pa.Table], chunk_size: int) -> Iterator[Chunk]:
    pending: list[pa.Table] = []
    count = 0
    start = 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= chunk_size:
            whole = pa.concat_tables(pending)
            yield Chunk(whole.slice(0, chunk_size), start)
            start += chunk_size
            rest = whole.slice(chunk_size)
            pending, count = [rest], rest.num_rows
    if count:
        yield Chunk(pa.concat_tables(pending), start)


def _ignored(columns: Columns) -> list[str]:
    if not columns.ignored:
        return []
    return [f"ignored column(s) not in the schema: {', '.join(columns.ignored)}"]


# --- Excel -----------------------------------------------------------------------------------------


def _excel_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _excel(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind) -> Source:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - an install without the batch extra
        raise BatchInputError(path, "reading Excel needs openpyxl: pip install 'regional-eia[batch]'") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise BatchInputError(path, f"not a readable .xlsx workbook: {exc}") from exc
    if layer is not None and layer not in book.sheetnames:
        raise BatchInputError(path, f"no sheet {layer!r}; the workbook has {', '.join(book.sheetnames)}")
    sheet = book[layer] if layer else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if not header_row:
        raise BatchInputError(path, f"sheet {sheet.title!r} is empty: expected a header row")
    header = [_excel_text(h) or f"column_{i + 1}" for i, h in enumerate(header_row)]
    while header and header[-1].startswith("column_") and header_row[len(header) - 1] is None:
        header.pop()
    columns = parse_columns(header, path, mapping, default_crs=_default_crs(crs, path))
    width = len(header)

    def tables() -> Iterator[pa.Table]:
        buffer: list[list[str | None]] = [[] for _ in header]
        count = 0
        for values in rows:
            values = list(values[:width]) + [None] * (width - len(values))
            if all(v is None for v in values):
                continue
            for column, value in zip(buffer, values):
                column.append(_excel_text(value))
            count += 1
            if count == chunk_size:
                yield pa.table({h: pa.array(c, type=pa.string()) for h, c in zip(header, buffer)})
                buffer, count = [[] for _ in header], 0
        if count:
            yield pa.table({h: pa.array(c, type=pa.string()) for h, c in zip(header, buffer)})
        book.close()

    return Source(path, "excel", columns, _rechunk(tables(), chunk_size), warnings=_ignored(columns))


# --- GeoPackage, GeoJSON ---------------------------------------------------------------------------


def _layer_crs(declared, crs: str | None, path: Path) -> CRS:
    if declared:
        return CRS.from_user_input(declared)
    if crs is None:
        raise BatchInputError(path, "the layer declares no CRS; give it with --crs")
    parsed = parse_crs(int(crs) if str(crs).isdigit() else crs)
    if isinstance(parsed, str):
        raise BatchInputError(path, f"--crs {crs}: a layer's geometry must be in an EPSG CRS, not {parsed}")
    return parsed


def _ogr(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind) -> Source:
    import pyogrio
    from pyogrio.raw import open_arrow

    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BatchInputError(path, f"cannot open the layer: {exc}") from exc
    geometry_crs = _layer_crs(info.get("crs"), crs, path)
    header = [str(f) for f in info["fields"]]
    columns = parse_columns(header, path, mapping, geometry=True, default_crs=None)

    def tables() -> Iterator[Chunk]:
        start = 0
        with open_arrow(path, layer=layer, encoding=encoding, batch_size=chunk_size, use_pyarrow=True) as (meta, reader):
            geometry_name = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                table = pa.Table.from_batches([batch])
                wkb = table.column(geometry_name).to_numpy(zero_copy_only=False) if geometry_name in \
                    table.column_names else np.full(table.num_rows, None, dtype=object)
                geoms = shapely.from_wkb(wkb, on_invalid="warn")
                table = table.drop_columns([geometry_name]) if geometry_name in table.column_names else table
                yield Chunk(table, start, np.asarray(geoms, dtype=object))
                start += table.num_rows

    return Source(path, kind, columns, tables(), geometry_crs=geometry_crs, rows=info.get("features"),
                  warnings=_ignored(columns))


# --- Parquet and GeoParquet ------------------------------------------------------------------------


def _parquet(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind) -> Source:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchInputError(path, f"not a readable Parquet file: {exc}") from exc
    metadata = file.schema_arrow.metadata or {}
    geo = json.loads(metadata[b"geo"]) if b"geo" in metadata else None
    header = list(file.schema_arrow.names)
    geometry_name = None
    geometry_crs = None
    if geo is not None:
        geometry_name = geo.get("primary_column", "geometry")
        spec = geo.get("columns", {}).get(geometry_name, {})
        if spec.get("encoding", "WKB").upper() != "WKB":
            raise BatchInputError(path, f"geometry encoding {spec.get('encoding')} is not supported (use WKB)")
        declared = spec.get("crs", "OGC:CRS84")
        geometry_crs = _layer_crs(json.dumps(declared) if isinstance(declared, dict) else declared, crs, path) \
            if declared is not None else _layer_crs(None, crs, path)
        header = [h for h in header if h != geometry_name]
    columns = parse_columns(header, path, mapping, geometry=geo is not None,
                            default_crs=None if geo is not None else _default_crs(crs, path))

    def chunks() -> Iterator[Chunk]:
        start = 0
        for batch in file.iter_batches(batch_size=chunk_size):
            table = pa.Table.from_batches([batch])
            geoms = None
            if geometry_name is not None:
                geoms = np.asarray(shapely.from_wkb(table.column(geometry_name).to_numpy(zero_copy_only=False)),
                                   dtype=object)
                table = table.drop_columns([geometry_name])
            yield Chunk(table, start, geoms)
            start += table.num_rows

    return Source(path, "parquet", columns, chunks(), geometry_crs=geometry_crs, rows=file.metadata.num_rows,
                  warnings=_ignored(columns))


