"""Which text encoding a Shapefile's attributes are in, decided from its bytes, and why.

Chinese agencies' Shapefiles usually carry GBK attributes and no ``.cpg``; dBase cuts field names to 10
bytes, often in the middle of a character. GDAL then falls back to the DBF's language-driver byte
(LDID) or to ISO-8859-1, which turns 管控单元编 into ``¹Ü¿Øµ¥Ôª±à``: mojibake that later looks like "no
such field" or, worse, like a valid but different value. This module decides instead:

1. a ``.cpg`` beside the ``.dbf`` names the encoding (``UTF-8``, ``936``, ``GBK`` ...): it is used;
2. otherwise every field name and every text cell of the DBF is decoded, as UTF-8 and as GB18030 (the
   superset of GBK and GB2312), allowing one character cut at the end of a field: UTF-8 wins when it
   decodes every value (GBK bytes almost never form valid UTF-8 multi-byte sequences), GB18030 when it
   decodes every value into CJK text, and the LDID byte is only a tie-breaker and is reported when it
   disagrees with the bytes;
3. pure ASCII files need no decision (any of them reads the same).

The decoders are Python's own codecs over the raw DBF records: a library guesser such as
charset-normalizer scores a whole document, whereas a DBF is many short space-padded cells whose last
character may be cut by the field width, so a strict per-cell decode answers more reliably.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EncodingChoice", "detect_dbf_encoding", "normalise_encoding_name", "LDID_ENCODINGS"]

# dBase language-driver ids (byte 29 of the header) that name an encoding; 0x00 is "not set" and 0x57
# is "ANSI", i.e. whatever code page the writing machine had (GBK on a Chinese ArcGIS).
LDID_ENCODINGS = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x4D: "gbk", 0x4E: "cp949", 0x4F: "cp950",
    0x50: "cp874", 0x57: None, 0x58: "cp1252", 0x59: "cp1252", 0x64: "cp852", 0x65: "cp866",
    0x78: "cp950", 0x79: "cp949", 0x7A: "gbk", 0x7B: "cp932", 0x7C: "cp874", 0xC8: "cp1250",
    0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253",
}

_CPG_NAMES = {
    "utf8": "UTF-8", "65001": "UTF-8", "utf-8": "UTF-8",
    "936": "GB18030", "cp936": "GB18030", "gbk": "GB18030", "gb2312": "GB18030", "gb18030": "GB18030",
    "ansi936": "GB18030", "54936": "GB18030", "20936": "GB18030",
    "950": "CP950", "big5": "CP950", "cp950": "CP950",
    "1252": "CP1252", "cp1252": "CP1252", "latin1": "ISO-8859-1", "iso88591": "ISO-8859-1",
}


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding to read a DBF's text with (a name GDAL's iconv and Python both know), and why."""

    encoding: str
    reason: str

    def __str__(self) -> str:
        return f"{self.encoding} ({self.reason})"


def normalise_encoding_name(name: str) -> str:
    """``gbk``, ``CP936``, ``936`` -> ``GB18030``; ``utf8`` -> ``UTF-8``; other names as given.

    GBK and GB2312 text is read as GB18030, the standard superset, so that no character of a
    GBK file is refused.

    >>> normalise_encoding_name("936"), normalise_encoding_name("utf8")
    ('GB18030', 'UTF-8')
    """
    key = name.strip().lower().replace(" ", "").replace("_", "")
    return _CPG_NAMES.get(key, _CPG_NAMES.get(key.replace("-", ""), name.strip()))


def detect_dbf_encoding(path: str | Path, sample_rows: int = 20_000) -> EncodingChoice | None:
    """Decide the attribute encoding of a Shapefile (``.shp`` or ``.dbf`` path) from its ``.cpg`` or bytes.

    Returns ``None`` for a file that is not a Shapefile (GeoPackage and GeoJSON declare UTF-8).

    Raises
    ------
    ValueError
        When the bytes decode neither as UTF-8 nor as GBK/GB18030 (the message says what was tried);
        give the encoding explicitly then.
    """
    path = Path(path)
    if path.suffix.lower() not in (".shp", ".dbf"):
        return None
    dbf = _sibling(path, ".dbf")
    if dbf is None:
        return None
    cpg = _sibling(path, ".cpg")
    if cpg is not None:
        declared = cpg.read_bytes().decode("ascii", errors="replace").strip()
        if declared:
            return EncodingChoice(normalise_encoding_name(declared), f"{cpg.name} says {declared}")
    ldid, texts = _dbf_texts(dbf, sample_rows)
    ldid_encoding = LDID_ENCODINGS.get(ldid)
    ldid_note = f"; the DBF's language-driver byte is 0x{ldid:02X}" + (
        f" ({ldid_encoding})" if ldid_encoding else " (not set)" if ldid == 0 else " (ANSI: the writer's code page)"
        if ldid == 0x57 else " (unknown)")
    non_ascii = [t for t in texts if any(b > 0x7F for b in t)]
    if not non_ascii:
        chosen = normalise_encoding_name(ldid_encoding) if ldid_encoding else "UTF-8"
        return EncodingChoice(chosen, f"no .cpg; every field name and value is ASCII, so any encoding reads "
                                      f"it the same{ldid_note}")
    utf8_ok = all(_decodes(t, "utf-8") for t in non_ascii)
    gbk_ok = all(_decodes(t, "gb18030") for t in non_ascii)
    count = f"{len(non_ascii)} non-ASCII field names and values"
    if utf8_ok:
        return EncodingChoice("UTF-8", f"no .cpg; all {count} decode as UTF-8{ldid_note}")
    if gbk_ok and _mostly_cjk(non_ascii):
        return EncodingChoice("GB18030", f"no .cpg; all {count} decode as GBK/GB18030 into Chinese text, not "
                                         f"as UTF-8{ldid_note}")
    if ldid_encoding and all(_decodes(t, ldid_encoding) for t in non_ascii) and ldid_encoding not in ("gbk",):
        return EncodingChoice(normalise_encoding_name(ldid_encoding),
                              f"no .cpg; the bytes are neither UTF-8 nor GBK text{ldid_note}, which decodes them")
    bad = next(t for t in non_ascii if not _decodes(t, "gb18030") or not _decodes(t, "utf-8"))
    raise ValueError(
        f"cannot tell the attribute encoding: {count}, not all of them UTF-8 or GBK/GB18030 text "
        f"(e.g. bytes {bad[:24]!r}){ldid_note}; give the encoding (--encoding, or encoding: in the catalogue) "
        "or add a .cpg file"
    )


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _dbf_texts(dbf: Path, sample_rows: int) -> tuple[int, list[bytes]]:
    """The LDID byte, the raw field names and the raw text cells (trailing padding removed)."""
    with dbf.open("rb") as f:
        head = f.read(32)
        if len(head) < 32:
            raise ValueError(f"{dbf}: not a dBase file (header of {len(head)} bytes)")
        records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        ldid = head[29]
        descriptors = f.read(max(header_len - 32, 0))
        fields = []
        for at in range(0, len(descriptors) - 31, 32):
            block = descriptors[at:at + 32]
            if block[0] == 0x0D:
                break
            fields.append((block[:11].split(b"\x00", 1)[0], chr(block[11]), block[16]))
        texts = [name for name, _, _ in fields]
        f.seek(header_len)
        wanted = [(offset, width) for offset, width, kind in _offsets(fields) if kind in "CM"]
        for _ in range(min(records, sample_rows)):
            record = f.read(record_len)
            if len(record) < record_len:
                break
            for offset, width in wanted:
                cell = record[offset:offset + width].rstrip(b" \x00")
                if cell:
                    texts.append(cell)
    return ldid, texts


def _offsets(fields):
    offset = 1  # the deletion flag
    for _, kind, width in fields:
        yield offset, width, kind
        offset += width


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` decodes, allowing the last character to have been cut by the field width."""
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError as exc:
        if exc.end >= len(raw) and exc.start >= len(raw) - 3:
            try:
                raw[:exc.start].decode(encoding)
                return True
            except UnicodeDecodeError:
                return False
        return False


def _mostly_cjk(texts: list[bytes]) -> bool:
    """GB18030 decodes almost any bytes; real Chinese attribute text is mostly CJK ideographs."""
    decoded = "".join(_decode_lenient(t, "gb18030") for t in texts)
    wide = [c for c in decoded if ord(c) > 0x7F]
    cjk = [c for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"]
    return bool(wide) and len(cjk) >= 0.8 * len(wide)


def _decode_lenient(raw: bytes, encoding: str) -> str:
    return raw.decode(encoding, errors="ignore")
