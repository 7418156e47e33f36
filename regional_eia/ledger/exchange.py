"""Exchange: the ledger's export format (CSV or JSON lines, one row per entry) and reading it back.

The format is the same for both backends, so a ledger moves from SQLite to PostgreSQL and back by an
export and an import. Floats are written in their shortest exact form, lists as JSON, the screening
result as stored, and each entry's link of the hash chain (``hash``), so an import reproduces the
ledger exactly and refuses an export that was edited. An export without hashes (an older one, or one
corrected by hand with its ``hash`` column emptied) is imported with a new chain.

Reading is as tolerant of encodings as the batch reader (UTF-8 with or without a BOM, UTF-16 with a
BOM, GBK/GB18030) and as strict about content as a write: every entry is validated, and nothing is
written when any entry is bad.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

from pydantic import ValidationError

from standards.safeload import PROJECT_MAX_BYTES, DataFileError, parse_json

from ..errors import LedgerError
from .models import Entry

__all__ = ["FORMATS", "Format", "write_export", "read_export", "group_batches", "decode", "format_for"]

Format = Literal["csv", "jsonl"]
FORMATS = ("csv", "jsonl")
_SHARED = ("kind", "project", "park", "recorded_by", "recorded_at", "reason", "expires", "override", "overrode",
           "screening")


def format_for(path: str | Path | None, default: Format = "jsonl") -> Format:
    """The export format a file's suffix implies (``.csv``: csv; anything else: ``default``)."""
    return "csv" if path is not None and Path(path).suffix.lower() == ".csv" else default


def write_export(entries: list[Entry], target: IO[str], format: Format, name: object) -> int:
    """Write ``entries`` to ``target`` as CSV or JSON lines; return how many."""
    if format == "csv":
        writer = csv.DictWriter(target, fieldnames=list(Entry.model_fields), lineterminator="\n")
        writer.writeheader()
        for entry in entries:
            writer.writerow(_csv_row(entry))
    elif format == "jsonl":
        for entry in entries:
            target.write(entry.model_dump_json() + "\n")
    else:
        raise LedgerError(name, f"unknown export format {format!r}: csv or jsonl")
    return len(entries)


def _csv_row(entry: Entry) -> dict[str, str]:
    """An entry as CSV text: floats in their shortest exact form, lists as JSON, None as empty."""
    row = {}
    for name, value in entry:
        if value is None:
            row[name] = ""
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif isinstance(value, list):
            row[name] = json.dumps(value, ensure_ascii=False)
        else:
            row[name] = repr(value) if isinstance(value, float) else str(value)
    return row


def decode(data: bytes, name: object, encoding: str | None = None) -> tuple[str, str]:
    """The text of an export and the encoding it was read in: the one given, else by its BOM, else UTF-8,
    else GB18030 (a superset of GBK, as Chinese spreadsheet software saves CSV)."""
    if encoding is None:
        for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                           (codecs.BOM_UTF16_BE, "utf-16")):
            if data.startswith(bom):
                encoding = codec
                break
    candidates = [encoding] if encoding else ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec), codec
        except LookupError:
            raise LedgerError(name, f"unknown encoding {codec!r} (utf-8, gbk, gb18030, utf-16)") from None
        except UnicodeDecodeError as exc:
            if encoding:
                raise LedgerError(name, f"not {codec} text (byte {exc.start}: {data[exc.start:exc.start + 4]!r}); "
                                        "give the file's encoding (utf-8, gbk)") from None
    raise LedgerError(name, "neither UTF-8 nor GBK/GB18030 text: give the file's encoding")


def read_export(source: IO[str] | IO[bytes] | bytes | str | Path, format: Format, name: object,
                encoding: str | None = None) -> list[Entry]:
    """Every entry of an export, validated; the first bad one is an error naming its line and field."""
    if format not in FORMATS:
        raise LedgerError(name, f"unknown export format {format!r}: csv or jsonl")
    text = _text_of(source, name, encoding)
    if text.startswith("\ufeff"):  # a BOM that a text stream kept
        text = text[1:]
    lines = _csv_entries(text, name) if format == "csv" else _jsonl_entries(text, name)
    return list(lines)


def _text_of(source, name: object, encoding: str | None) -> str:
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise LedgerError(source, f"cannot read: {exc.strerror}") from exc
    if isinstance(source, str):
        return source
    if isinstance(source, (bytes, bytearray)):
        return decode(bytes(source), name, encoding)[0]
    try:
        data = source.read()
    except UnicodeDecodeError as exc:
        raise LedgerError(name, f"not {getattr(source, 'encoding', 'utf-8')} text ({exc.reason} at byte {exc.start}); "
                                "read it as bytes (the encoding is then detected) or give its encoding") from None
    return data if isinstance(data, str) else decode(data, name, encoding)[0]


def _csv_entries(text: str, name: object) -> Iterator[Entry]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise LedgerError(name, f"not CSV: {exc}", entry="on line 1") from None
    required = set(Entry.model_fields) - {"hash"}
    missing = required - set(fieldnames or [])
    if missing:
        raise LedgerError(name, f"not a ledger export: no column(s) {', '.join(sorted(missing))}")
    rows = iter(reader)
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:  # a cell over the csv module's limit, a NUL byte ...
            raise LedgerError(name, f"not CSV: {exc}", entry=f"on line {reader.line_num}") from None
        if row is None:
            return
        line = reader.line_num
        if None in row:
            raise LedgerError(name, "more cells than the header has columns", entry=f"on line {line}")
        try:
            data = {k: (None if v in ("", None) and k in ("expires", "screening", "hash") else v)
                    for k, v in row.items()}
            data["overrode"] = parse_json(data["overrode"] or "[]", "overrode")
            _check_screening(data.get("screening"))
            yield Entry.model_validate(data)
        except ValidationError as exc:
            raise LedgerError(name, _why(exc), entry=f"on line {line}") from exc
        except DataFileError as exc:
            raise LedgerError(name, f"{exc.source}: {exc.why}", entry=f"on line {line}") from None


def _jsonl_entries(text: str, name: object) -> Iterator[Entry]:
    """Each line through the strict JSON reader first (duplicate keys, nesting, an integer of 5,000
    digits, a line over :data:`~standards.safeload.PROJECT_MAX_BYTES`), then validated as a write is."""
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        if len(content) > PROJECT_MAX_BYTES:
            raise LedgerError(name, f"a line of {len(content):,} characters; an entry has at most "
                                    f"{PROJECT_MAX_BYTES:,}", entry=f"on line {line}")
        try:
            data = parse_json(content, "entry")
            if isinstance(data, dict):
                _check_screening(data.get("screening"))
            yield Entry.model_validate_json(content)
        except ValidationError as exc:
            raise LedgerError(name, _why(exc), entry=f"on line {line}") from exc
        except DataFileError as exc:
            where = "" if exc.source == "entry" else f"{exc.source}: "
            column = f" (column {exc.column})" if getattr(exc, "column", None) and exc.source == "entry" else ""
            raise LedgerError(name, f"{where}{exc.why}{column}", entry=f"on line {line}") from None


def _check_screening(text: object) -> None:
    """The stored screening result is JSON the tool wrote: read it as strictly as any other JSON."""
    if isinstance(text, str) and text:
        parse_json(text, "screening")


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "row"
        shown = repr(err.get("input"))[:60] if err["type"] != "missing" else None
        message = err["msg"].removeprefix("Value error, ")
        return f"{where}: {message}" + (f" (got {shown})" if shown and shown not in message else "")
    return str(exc)


def group_batches(entries: list[Entry], name: object) -> list[list[Entry]]:
    """Entries back into batches; a batch's entries are consecutive and agree on everything but the line."""
    batches: list[list[Entry]] = []
    seen: set[str] = set()
    last = 0
    for entry in entries:
        if entry.entry <= last:
            raise LedgerError(name, f"entry numbers must increase (after {last})", entry=entry.entry)
        last = entry.entry
        if batches and batches[-1][0].batch == entry.batch:
            first = batches[-1][0]
            differing = [f for f in _SHARED if getattr(first, f) != getattr(entry, f)]
            if differing:
                raise LedgerError(name, f"disagrees with the rest of batch {entry.batch} on {', '.join(differing)}",
                                  entry=entry.entry)
            batches[-1].append(entry)
            continue
        if entry.batch in seen:
            raise LedgerError(name, f"batch {entry.batch} is split by other entries", entry=entry.entry)
        seen.add(entry.batch)
        batches.append([entry])
    return batches
