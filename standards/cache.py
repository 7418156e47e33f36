"""The shipped data files as parsed, kept in the user's cache folder so a process need not parse them.

Reading the shipped YAML files (the standards, the EIA classification list, GB/T 4754) through
:mod:`standards.safeload` was about half a second of every process that screens.
What the reader returned for them is plain data (mappings with text keys, lists, text, numbers,
booleans, null), which JSON holds exactly, so it is kept as one JSON file in the folder of the compiled
catalogues (:func:`cache_dir`), named by a SHA-256 of every file's name and bytes, of the reader's own
code and of the YAML library it uses. Another file, another reader or another PyYAML is another name:
a stale parse is never used. The file carries a SHA-256 of its payload and is read only when that
matches; otherwise the files are parsed again, the file rewritten and a :class:`ParsedCacheWarning`
says why. The models validate the data as they do the YAML's, so the catalogue is the same either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

__all__ = ["ParsedCacheWarning", "cache_dir", "parsed_files", "parsed_file"]

FORMAT = 1


class ParsedCacheWarning(UserWarning):
    """The cached parse of the built-in standards was unreadable and was parsed again (the message says
    why). The CLI prints it on stderr."""


def cache_dir() -> Path | None:
    """The folder of compiled catalogues and of the parsed built-in standards, or ``None`` when
    ``REGIONAL_EIA_CACHE=off``: ``REGIONAL_EIA_CACHE_DIR`` when set, else the user cache directory of the
    platform (``~/.cache/regional-eia/catalogues`` on Linux, ``%LOCALAPPDATA%\\regional-eia\\Cache\\catalogues``
    on Windows)."""
    if os.environ.get("REGIONAL_EIA_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    chosen = os.environ.get("REGIONAL_EIA_CACHE_DIR", "").strip()
    if chosen:
        return Path(chosen)
    import platformdirs

    return Path(platformdirs.user_cache_dir("regional-eia", appauthor=False)) / "catalogues"


def parsed_file(group: str, file: Path | Traversable, parse: Callable[[Path | Traversable], Any]) -> Any:
    """One shipped data file's parse, from the cache when it holds this very content (see
    :func:`parsed_files`)."""
    read = parsed_files(group, [(file.name, file)], parse)
    data = read(file)
    read.save()
    return data


def parsed_files(group: str, files: list[tuple[str, Path | Traversable]],
                 parse: Callable[[Path | Traversable], Any]) -> Callable[[Path | Traversable], Any]:
    """A reader of ``files`` (``(name, file)`` pairs), kept as the cache file ``GROUP-KEY.json``, that
    answers from the cache when it holds this very content, else with ``parse``; call ``.save()`` on it
    once every file has been read and accepted (nothing is kept of files that were refused)."""
    contents = {name: file.read_bytes() for name, file in files}
    key = _key(contents)
    folder = cache_dir()
    path = folder / f"{group}-{key[:24]}.json" if folder is not None else None
    cached = _read(path, key) if path is not None else None
    names = {str(file): name for name, file in files}
    parsed: dict[str, Any] = {}

    def read(file: Path | Traversable) -> Any:
        name = names[str(file)]
        if cached is not None and name in cached:
            return cached[name]
        parsed[name] = data = parse(file)
        return data

    def save() -> None:
        if path is None or cached is not None or set(parsed) != set(contents):
            return
        try:
            payload = json.dumps(_encode(parsed), ensure_ascii=False, allow_nan=True, separators=(",", ":"))
        except TypeError:
            return  # not plain data: parsed each time
        head = json.dumps({"key": key, "sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest()})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            partial.write_text(head + "\n" + payload, encoding="utf-8")
            os.replace(partial, path)
            for old in path.parent.glob(f"{group}-*.json"):
                if old != path and len(old.stem) == len(path.stem):
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only cache folder: parse again next time

    read.save = save  # type: ignore[attr-defined]
    return read


def _key(contents: dict[str, bytes]) -> str:
    import yaml

    from . import safeload

    digest = hashlib.sha256(f"format {FORMAT}; pyyaml {yaml.__version__} {yaml.__with_libyaml__}\n".encode())
    digest.update(Path(safeload.__file__).read_bytes())
    for name in sorted(contents):
        digest.update(f"\n{name}\n{len(contents[name])}\n".encode())
        digest.update(contents[name])
    return digest.hexdigest()


def _read(path: Path, key: str) -> dict[str, Any] | None:
    """The cached parse when the file is whole and of this key; ``None`` (and a warning when a file was
    there but could not be used) otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        warnings.warn(f"cached data {path} could not be read ({exc}); parsed the shipped files again",
                      ParsedCacheWarning, stacklevel=4)
        return None
    head, _, payload = text.partition("\n")
    try:
        header = json.loads(head)
        ok = (isinstance(header, dict) and header.get("key") == key
              and header.get("sha256") == hashlib.sha256(payload.encode("utf-8")).hexdigest())
        data = json.loads(payload, object_hook=_decode) if ok else None
    except ValueError:
        ok, data = False, None
    if not ok or not isinstance(data, dict):
        warnings.warn(f"cached data {path} is damaged (its checksum does not match); parsed the shipped files "
                      "again and rewrote it", ParsedCacheWarning, stacklevel=4)
        return None
    return data


_PAIRS = "\u0000pairs"
"""A mapping whose keys are not all text (GB 16297's rates by stack height, ``15: 3.5``) is kept as
``{_PAIRS: [[key, value], ...]}``: JSON's keys are text only."""


def _encode(value: Any) -> Any:
    """``value`` as JSON can hold it exactly, or :class:`TypeError` for anything else (dates, tuples...)."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _PAIRS not in value:
            return {k: _encode(v) for k, v in value.items()}
        for k in value:
            if not (k is None or isinstance(k, (str, bool, int, float))):
                raise TypeError(f"key {k!r}")
        return {_PAIRS: [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"value {value!r}")


def _decode(mapping: dict) -> dict:
    if len(mapping) == 1 and _PAIRS in mapping:
        return {k: v for k, v in mapping[_PAIRS]}
    return mapping
