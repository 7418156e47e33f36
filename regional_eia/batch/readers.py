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

from standards.numbers import excerpt
from zones.crs import parse_crs
from zones.errors import CRSError

from .schema import ROW_ERROR, BatchInputError, Columns, load_mapping, normalise_chunk, parse_columns

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
    skip_rows: int = 0  # lines above the first data row (a title row, the header, a units row)
    notes: list[str] = field(default_factory=list)  # how the file was read: encoding, sheet, rows skipped


def open_input(path: str | Path, *, chunk_size: int = 100_000, encoding: str | None = None,
               mapping: str | Path | dict | None = None, crs: str | None = None,
               layer: str | None = None, ignore_columns: tuple[str, ...] | list[str] = ()) -> Source:
    """Open a batch input by its extension; the header is read and checked now, the rows lazily.

    CSV and Excel inputs are read as committees type them: a title row above the header and a units
    row under it are recognised and skipped (the units used), the sheet holding the header is found
    when it is not the first, and every cell goes through :func:`.schema.normalise_chunk` (full-width
    digits, thousands separators, 排放去向 and coordinate-system labels). Duplicate project ids stop the
    batch naming both rows; the output is then not written.

    Raises
    ------
    BatchInputError
        A missing file, an unknown extension, an unreadable header, a header without id, industry or
        coordinates, or a quantity column the schema does not know (unless in ``ignore_columns``).
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
    source = reader(path, chunk_size=chunk_size, encoding=encoding, mapping=names, crs=crs, layer=layer, kind=kind,
                    ignore=tuple(ignore_columns))
    source.chunks = _checked(source.chunks, source.columns, path)
    return source


def _checked(chunks: Iterator[Chunk], columns: Columns, path: Path) -> Iterator[Chunk]:
    """Each chunk normalised; a project id seen before stops the batch naming both rows."""
    seen = _SeenIds()
    id_column = columns.base.get("id")
    for chunk in chunks:
        chunk.table = normalise_chunk(chunk.table, columns)
        if id_column is not None:
            duplicate = seen.add(chunk.table.column(id_column), chunk.start)
            if duplicate is not None:
                value, first, again = duplicate
                raise BatchInputError(path, f"project id {value!r} appears twice: data rows {first} and {again} "
                                            "(ids must be unique; the batch was stopped and nothing written)", "id")
        yield chunk


class _SeenIds:
    """Project ids seen so far, as 64-bit hashes in sorted runs merged as they grow: 16 bytes an id, so a
    national batch of ten million rows needs no set of ten million strings.

    Within a chunk, a repeated hash is confirmed on the ids themselves. Across chunks the hash alone
    decides: two different ids share a 64-bit hash with odds of about n^2 / 2^65 (3e-6 for ten million
    rows), and the error names both rows, so such a collision would show and could not pass silently.
    """

    def __init__(self):
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes sorted, data row numbers)

    def add(self, column, start: int) -> tuple[str, int, int] | None:
        import pandas as pd
        import pyarrow.compute as pc

        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.string())
        trimmed = pc.utf8_trim_whitespace(column)
        present = pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False)
        if not present.any():
            return None
        texts = np.asarray(trimmed.filter(pa.chunked_array([present]) if isinstance(trimmed, pa.ChunkedArray)
                                          else pa.array(present)).to_numpy(zero_copy_only=False), dtype=object)
        rows = np.flatnonzero(present) + start + 1
        hashes = pd.util.hash_array(texts, hash_key="regionaleia-id-1", categorize=False)
        order = np.argsort(hashes)
        hashes, rows, texts = hashes[order], rows[order], texts[order]
        for i in np.flatnonzero(hashes[1:] == hashes[:-1]):
            if texts[i] == texts[i + 1]:
                first, again = sorted((int(rows[i]), int(rows[i + 1])))
                return str(texts[i]), first, again
        for run_hashes, run_rows in self.runs:
            at = np.minimum(np.searchsorted(run_hashes, hashes), run_hashes.size - 1)
            hit = np.flatnonzero(run_hashes[at] == hashes)
            if hit.size:
                k = hit[np.argmin(rows[hit])]
                return str(texts[k]), int(run_rows[at[k]]), int(rows[k])
        self.runs.append((hashes, rows))
        while len(self.runs) > 1 and self.runs[-1][0].size >= self.runs[-2][0].size:
            (a_hashes, a_rows), (b_hashes, b_rows) = self.runs.pop(), self.runs.pop()
            merged, merged_rows = np.concatenate([b_hashes, a_hashes]), np.concatenate([b_rows, a_rows])
            order = np.argsort(merged)
            self.runs.append((merged[order], merged_rows[order]))
        return None


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


def _csv(path: Path, *, chunk_size: int, encoding: str | None, mapping, crs, layer, kind, ignore) -> Source:
    from pyarrow import csv as pacsv

    encoding = encoding or _detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise BatchInputError(path, f"unknown encoding {encoding!r} (try utf-8 or gbk)") from exc
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            top = [row for _, row in zip(range(_HEADER_SEARCH_ROWS + 1), reader)]
    except UnicodeDecodeError as exc:
        raise BatchInputError(path, f"the header is not {encoding} text; give --encoding (utf-8, gbk)") from exc
    except csv.Error as exc:
        raise BatchInputError(path, f"not a readable CSV: {exc}") from exc
    if not top or not top[0]:
        raise BatchInputError(path, "empty file: expected a header line")
    top[0][0] = top[0][0].lstrip("\ufeff")
    at, units = _find_header(top, path)
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(top[at])]
    _refuse_duplicate_headers(header, path)
    columns = parse_columns(header, path, mapping, default_crs=_default_crs(crs, path), units=units, ignore=ignore)
    skip = at + 1 + (1 if units is not None else 0)
    arrow_encoding = "utf8" if encoding.replace("-", "").lower() in ("utf8", "utf8sig") else encoding

    notes = [f"read as {encoding}", *_layout_notes(at, units, top)]
    keep = [i for i, h in enumerate(header) if h in (columns.base.get("id"), columns.base.get("name"))]

    def tables() -> Iterator[pa.Table]:
        """pyarrow's reader; at a line it cannot parse, the line-by-line reader from the row it had reached."""
        read = pacsv.ReadOptions(encoding=arrow_encoding, block_size=_CSV_BLOCK, column_names=header, skip_rows=skip)
        convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False)
        done = 0
        try:
            for batch in pacsv.open_csv(path, read_options=read, convert_options=convert):
                table = pa.Table.from_batches([batch])
                done += table.num_rows
                yield table.append_column(ROW_ERROR, pa.nulls(table.num_rows, pa.string()))
            return
        except UnicodeDecodeError as exc:
            raise BatchInputError(path, f"cannot read the CSV ({exc}); check the encoding (--encoding)") from exc
        except pa.ArrowInvalid:
            pass  # a malformed line: each becomes an error row, the rest is read
        yield from _csv_lines(path, encoding, header, skip, done, chunk_size, keep, notes)

    return Source(path, "csv", columns, _rechunk(tables(), chunk_size), encoding=encoding,
                  warnings=_ignored(columns), skip_rows=skip, notes=notes)


_CSV_BLOCK = 1 << 23
"""Bytes pyarrow parses at a time."""
_MAX_LINES_IN_A_VALUE = 100
"""A quoted value may run over this many lines; a quote left open longer is a malformed line."""


class _Unterminated(Exception):
    pass


def _csv_lines(path: Path, encoding: str, header: list[str], skip: int, done: int, chunk_size: int,
               keep: list[int], notes: list[str]) -> Iterator[pa.Table]:
    """Data rows from the ``done``-th on, read record by record with the csv module: a line with the
    wrong number of cells, or a quote left open, is a row holding only its id and name and saying why
    (:data:`.schema.ROW_ERROR`); the next line is read as the next row."""
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width + 1)]
    bad = 0
    python_encoding = "utf-8-sig" if encoding.replace("-", "").lower() in ("utf8", "utf8sig") else encoding
    for number, cells, problem in _records(path, python_encoding):
        if skip:
            skip -= 1
            continue
        if not cells or (len(cells) == 1 and cells[0] == "" and problem is None):
            continue  # a blank line, as pyarrow skips it
        if done:
            done -= 1
            continue
        if problem is None and len(cells) != width:
            problem = (f"line {number}: {len(cells)} cells where the header has {width} (a value holding a comma "
                       "must be in quotes); the row was not screened")
            cells = [cells[i] if i in keep and i < len(cells) else None for i in range(width)]
        elif problem is not None:  # a quote left open: only the cells before the quoted one are sure
            cells = [cells[i] if i in keep and i < len(cells) - 1 else None for i in range(width)]
        bad += problem is not None
        for column, value in zip(columns, [*cells, problem]):
            column.append(value)
        if len(columns[0]) == chunk_size:
            yield _string_table(header, columns)
            columns = [[] for _ in range(width + 1)]
    if columns[0]:
        yield _string_table(header, columns)
    if bad:
        notes.append(f"{bad} malformed line(s) read as error rows; the other lines were read one by one")


def _string_table(header: list[str], columns: list[list[str | None]]) -> pa.Table:
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in zip([*header, ROW_ERROR], columns)})


def _records(path: Path, encoding: str) -> Iterator[tuple[int, list[str], str | None]]:
    """(first line number, cells, why the line is malformed or None) for each CSV record of the file.

    A quote left open (to the end of the file, or over more than :data:`_MAX_LINES_IN_A_VALUE` lines)
    makes its first line malformed; reading goes on at the line after it.
    """
    from collections import deque

    with path.open(encoding=encoding, newline="") as handle:
        pushed: deque[tuple[int, str]] = deque()
        taken: list[tuple[int, str]] = []
        physical = iter(enumerate(handle, start=1))

        def lines() -> Iterator[str]:
            while True:
                if pushed:
                    item = pushed.popleft()
                else:
                    item = next(physical, None)
                    if item is None:
                        return
                taken.append(item)
                if len(taken) > _MAX_LINES_IN_A_VALUE:
                    raise _Unterminated
                yield item[1]

        while True:
            taken.clear()
            reader = csv.reader(lines(), strict=True)
            try:
                while True:
                    taken.clear()
                    cells = next(reader)
                    yield taken[0][0], cells, None
            except StopIteration:
                return
            except (csv.Error, _Unterminated) as exc:
                if not taken:
                    return
                first, text = taken[0]
                pushed.extendleft(reversed(taken[1:]))
                reason = "a quote (\") opens a value that is never closed" if isinstance(exc, _Unterminated) or \
                    "end of data" in str(exc) else f"not CSV: {exc}"
                cells = next(csv.reader([text.rstrip("\r\n")]), [])
                yield first, cells, f"line {first}: {reason}; the row was not screened"



_HEADER_SEARCH_ROWS = 10
_PLACEHOLDERS = {"", "-", "—", "/", "／", "单位", "unit", "units", "°", "度", "无量纲", "——"}


def _find_header(top: list[list], path: Path) -> tuple[int, list[str | None] | None]:
    """(index of the header row among the first rows, the units row under it or None).

    The header is the first row in which at least two cells name batch columns, one of them the id or
    the industry (a title row such as 2026年入园项目清单 above it names none). The row under it is a
    units row when its cells are units (m3/d, mg/L, t/a ...) or blanks and dashes, and at least one is
    a unit.
    """
    from .schema import header_score, _unit_symbol

    for at, row in enumerate(top[:_HEADER_SEARCH_ROWS]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if header_score(cells) >= 2:
            units = None
            if at + 1 < len(top):
                below = [str(c).strip() if c is not None else "" for c in top[at + 1]]
                unit_cells = [c for c in below if _unit_symbol(c)]
                others = [c for c in below if not _unit_symbol(c) and c.lower() not in _PLACEHOLDERS]
                if unit_cells and not others:
                    units = below + [None] * (len(cells) - len(below))
            return at, units
    first = [str(c) for c in top[0] if c not in (None, "")]
    raise BatchInputError(path, "no header row found in the first rows: expected one naming the id (项目编号) and "
                                f"industry (行业代码) columns; the first row reads {', '.join(first[:8]) or '(empty)'}")


def _layout_notes(at: int, units, top) -> list[str]:
    notes = []
    if at:
        title = " ".join(str(c) for c in top[0] if c not in (None, ""))
        notes.append(f"header on line {at + 1}; skipped the title line(s) above it ({title[:40]})")
    if units is not None:
        notes.append(f"line {at + 2} is a units row: " + ", ".join(u for u in units if u))
    return notes


def _refuse_duplicate_headers(header: list[str], path: Path) -> None:
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise BatchInputError(path, f"column {dup!r} appears twice in the header")


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
    return str(value)  # an Unevaluated formula as written: the row's error echoes it


def _excel(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind, ignore) -> Source:
    """A workbook through :mod:`zones.workbook`: the sheet named by ``layer``, else the visible sheet
    with a header (the active one first; two candidates and no active one among them is ambiguous);
    a formula without a saved value is evaluated when it is arithmetic, else its row is an error."""
    from zones.workbook import Unevaluated, WorkbookError, open_workbook

    try:
        book = open_workbook(path)
    except WorkbookError as exc:
        raise BatchInputError(path, exc.why) from exc
    try:
        sheet, top, at, units, notes = _excel_sheet(book, path, layer)
    except BaseException:
        book.close()
        raise
    header_row = top[at]
    header = [(h or "").strip() or f"column_{i + 1}" for i, h in enumerate(header_row)]
    while header and header[-1].startswith("column_") and not header_row[len(header) - 1]:
        header.pop()
    try:
        _refuse_duplicate_headers(header, path)
        columns = parse_columns(header, path, mapping, default_crs=_default_crs(crs, path),
                                units=units[:len(header)] if units else None, ignore=ignore)
    except BaseException:
        book.close()
        raise
    width = len(header)
    skip = at + 1 + (1 if units is not None else 0)
    notes += [n.replace("line", "row") for n in _layout_notes(at, units, top)]
    warnings = _ignored(columns)

    def tables() -> Iterator[pa.Table]:
        buffer: list[list[str | None]] = [[] for _ in header]
        count = 0
        unevaluated: list[Unevaluated] = []
        try:
            for values in book.rows(sheet, min_row=skip + 1):
                values = list(values[:width]) + [None] * (width - len(values))
                if all(v is None for v in values):
                    continue
                for column, value in zip(buffer, values):
                    if isinstance(value, Unevaluated):
                        unevaluated.append(value)
                    column.append(_excel_text(value))
                count += 1
                if count == chunk_size:
                    yield pa.table({h: pa.array(c, type=pa.string()) for h, c in zip(header, buffer)})
                    buffer, count = [[] for _ in header], 0
            if count:
                yield pa.table({h: pa.array(c, type=pa.string()) for h, c in zip(header, buffer)})
        finally:
            book.close()
            if unevaluated:  # the rows themselves are errors echoing the formula; this names the cells
                more = ""
                if len(unevaluated) > 1:
                    cells = ", ".join(u.cell for u in unevaluated[1:11]) + (" ..." if len(unevaluated) > 11 else "")
                    more = f" (and {len(unevaluated) - 1} more: {cells})"
                warnings.append(f"{path.name}: {unevaluated[0].describe()}{more}; those rows are errors")

    return Source(path, "excel", columns, _rechunk(tables(), chunk_size), warnings=warnings,
                  skip_rows=skip, notes=notes)


def _excel_sheet(book, path: Path, layer: str | None):
    """(sheet title, its first rows, header index, units row, notes) of the sheet to read."""
    from zones.workbook import WorkbookError

    def top_of(title: str) -> list[list[str | None]]:
        return [[_excel_text(v) for v in row]
                for _, row in zip(range(_HEADER_SEARCH_ROWS + 1), book.rows(title))]

    if layer is not None:
        if layer not in book.names:
            raise BatchInputError(path, f"no sheet {layer!r}; the workbook has {', '.join(book.names)}")
        top = top_of(layer)
        if not top:
            raise BatchInputError(path, f"sheet {layer!r} is empty")
        try:
            at, units = _find_header(top, path)
        except BatchInputError as exc:
            raise BatchInputError(path, f"sheet {layer!r}: {exc.why}") from None
        hidden = " (a hidden sheet, read because --layer names it)" if layer in book.hidden else ""
        return layer, top, at, units, [f"read sheet {layer!r}{hidden}"]
    candidates, tried = [], []
    for title in book.visible():
        try:
            top = top_of(title)
        except WorkbookError as exc:
            raise BatchInputError(path, exc.why) from exc
        if not top:
            tried.append(f"{title} (empty)")
            continue
        try:
            at, units = _find_header(top, path)
        except BatchInputError:
            tried.append(title)
            continue
        candidates.append((title, top, at, units))
    hidden = f"; hidden sheet(s) not read: {', '.join(book.hidden)} (name one with --layer)" if book.hidden else ""
    if not candidates:
        raise BatchInputError(path, "no visible sheet has a header row naming the id (项目编号) and industry (行业代码) "
                                    f"columns; sheets looked at: {', '.join(tried) or '(none)'}{hidden}")
    title, top, at, units = candidates[0]
    others = [c[0] for c in candidates[1:]]
    if others and title != book.active:
        raise BatchInputError(path, f"sheets {', '.join(repr(c[0]) for c in candidates)} each have a header row and "
                                    "none is the active sheet: name the one to read with --layer")
    note = f"read sheet {title!r}" + (" (the active sheet)" if title == book.active and len(book.names) > 1 else "")
    if len(book.names) > 1:
        note += f" of {', '.join(book.names)}"
    if others:
        note += f"; sheet(s) {', '.join(others)} also have a header and were not read (--layer reads one)"
    return title, top, at, units, [note + hidden]


# --- GeoPackage, GeoJSON ---------------------------------------------------------------------------


def _layer_crs(declared, crs: str | None, path: Path) -> CRS:
    if declared:
        from pyproj.exceptions import CRSError as ProjCRSError

        try:
            return CRS.from_user_input(declared)
        except (ProjCRSError, TypeError, ValueError) as exc:
            raise BatchInputError(path, f"the layer's CRS {excerpt(str(declared))} is not one pyproj knows "
                                        f"({' '.join(str(exc).split())[:120]})") from None
    if crs is None:
        raise BatchInputError(path, "the layer declares no CRS; give it with --crs")
    parsed = parse_crs(int(crs) if str(crs).isdigit() else crs)
    if isinstance(parsed, str):
        raise BatchInputError(path, f"--crs {crs}: a layer's geometry must be in an EPSG CRS, not {parsed}")
    return parsed


def _ogr(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind, ignore) -> Source:
    import pyogrio
    from pyogrio.raw import open_arrow

    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BatchInputError(path, f"cannot open the layer: {exc}") from exc
    geometry_crs = _layer_crs(info.get("crs"), crs, path)
    header = [str(f) for f in info["fields"]]
    columns = parse_columns(header, path, mapping, geometry=True, default_crs=None, ignore=ignore)

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


def _geo_metadata(raw: bytes, path: Path) -> dict:
    """The GeoParquet ``geo`` metadata, read by the strict JSON reader (it is the file's, so a stranger's)."""
    from standards.safeload import DataFileError, parse_json

    try:
        geo = parse_json(raw.decode("utf-8", errors="replace"), "geo metadata")
    except DataFileError as exc:
        raise BatchInputError(path, f"the GeoParquet 'geo' metadata: {exc.detail}") from None
    if not isinstance(geo, dict):
        raise BatchInputError(path, "the GeoParquet 'geo' metadata is not a JSON object")
    return geo


def _parquet(path: Path, *, chunk_size: int, encoding, mapping, crs, layer, kind, ignore) -> Source:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchInputError(path, f"not a readable Parquet file: {exc}") from exc
    metadata = file.schema_arrow.metadata or {}
    geo = _geo_metadata(metadata[b"geo"], path) if b"geo" in metadata else None
    header = list(file.schema_arrow.names)
    geometry_name = None
    geometry_crs = None
    if geo is not None:
        geometry_name = geo.get("primary_column", "geometry")
        spec = (geo.get("columns") or {}).get(geometry_name) if isinstance(geo.get("columns"), dict) else None
        if not isinstance(geometry_name, str) or not isinstance(spec, dict) or geometry_name not in header:
            raise BatchInputError(path, f"the GeoParquet 'geo' metadata names no geometry column of the file "
                                        f"(primary_column {excerpt(geometry_name)}); columns: {', '.join(header[:12])}")
        if str(spec.get("encoding", "WKB")).upper() != "WKB":
            raise BatchInputError(path, f"geometry encoding {spec.get('encoding')} is not supported (use WKB)")
        declared = spec.get("crs", "OGC:CRS84")
        geometry_crs = _layer_crs(json.dumps(declared) if isinstance(declared, dict) else declared, crs, path) \
            if declared is not None else _layer_crs(None, crs, path)
        header = [h for h in header if h != geometry_name]
    columns = parse_columns(header, path, mapping, geometry=geo is not None,
                            default_crs=None if geo is not None else _default_crs(crs, path), ignore=ignore)

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


