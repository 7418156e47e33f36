"""The coordinate operation PROJ chose for a pair of CRSs, remembered between processes.

``pyproj.Transformer.from_crs`` searches PROJ's database for the operations between two CRSs and
picks the best: 0.1-0.2 s for each pair, three of them in a screening, in every process. When PROJ's
choice is one operation (its pipeline, ``Transformer.definition``), the same pipeline built with
``Transformer.from_pipeline`` is that operation, built in well under a millisecond. This module keeps
those pipelines in one JSON file in the cache folder (:func:`standards.cache.cache_dir`), named by a
SHA-256 of the versions of pyproj and PROJ and of PROJ's database file, each pipeline under a SHA-256
of the two CRSs' WKT. A pair for which PROJ keeps several candidate operations to choose among point by
point (``description`` "unavailable until proj_trans is called"), or whose pipeline does not give the
very coordinates ``from_crs`` gives at a point of the source's area of use, is never remembered, and
is built by ``from_crs`` each time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

__all__ = ["best_transformer"]

_MULTIPLE = "unavailable until proj_trans is called"


def best_transformer(src: CRS, dst: CRS) -> Transformer:
    """``Transformer.from_crs(src, dst, always_xy=True)``, or the same operation from its remembered
    pipeline."""
    book = _book()
    key = _pair_key(src, dst)
    pipeline = book.get(key) if book is not None else None
    if isinstance(pipeline, str):
        try:
            return Transformer.from_pipeline(pipeline)
        except Exception:  # noqa: BLE001 (a pipeline PROJ no longer reads: search again)
            pass
    made = Transformer.from_crs(src, dst, always_xy=True)
    if book is not None and _single(made, src):
        book[key] = made.definition
        _save(book)
    return made


def _pair_key(src: CRS, dst: CRS) -> str:
    return hashlib.sha256(f"always_xy\n{src.to_wkt()}\n{dst.to_wkt()}".encode()).hexdigest()


def _single(made: Transformer, src: CRS) -> bool:
    """PROJ chose one operation, and its pipeline gives the very same coordinates at a point of the
    source's area of use."""
    if made.description == _MULTIPLE or not made.definition:
        return False
    area = src.area_of_use
    if area is None:
        return False
    lon, lat = (area.west + area.east) / 2.0, (area.south + area.north) / 2.0
    try:
        x, y = Transformer.from_crs(CRS.from_epsg(4326), src, always_xy=True).transform(lon, lat) \
            if src.is_projected else (lon, lat)
        again = Transformer.from_pipeline(made.definition)
        probe = np.array([x, x + 1.0]), np.array([y, y + 1.0])
        return all(np.array_equal(a, b) for a, b in zip(made.transform(*probe), again.transform(*probe)))
    except Exception:  # noqa: BLE001
        return False


@functools.lru_cache(maxsize=1)
def _file() -> Path | None:
    from standards.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    import pyproj
    from pyproj.datadir import get_data_dir

    digest = hashlib.sha256(f"{pyproj.__version__}\n{pyproj.proj_version_str}\n".encode())
    for folder_name in get_data_dir().split(os.pathsep):
        db = Path(folder_name) / "proj.db"
        if db.is_file():
            stat = db.stat()
            digest.update(f"{db}\n{stat.st_size}\n{stat.st_mtime_ns}\n".encode())
    return folder / f"operations-{digest.hexdigest()[:24]}.json"


_BOOK: dict | None = None


def _book() -> dict | None:
    global _BOOK
    if _BOOK is None:
        path = _file()
        if path is None:
            return None
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            _BOOK = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            _BOOK = {}
    return _BOOK


def _save(book: dict) -> None:
    path = _file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # another process may have added pairs meanwhile: keep theirs too
            book.update({k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if k not in book})
        except (OSError, ValueError, AttributeError):
            pass
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(book), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass
