"""The compiled form of a loaded catalogue: what :func:`zones.load_catalog` opens instead of the sources.

Loading a catalogue from its sources parses ``catalog.yaml``, reads every geometry file, validates
and repairs geometry and reprojects each zone into its Gauss-Kruger CRS: tens of seconds for a
national catalogue. The compiled form keeps the result: each zone's geometry already in its metric
CRS (and in WGS84) as GeoArrow-layout coordinate arrays (``shapely.to_ragged_array``); the zone
table's attribute arrays (ids, kinds, EPSG codes, reach, WGS84 bounds: what the spatial groups and
their indexes are built from); the validated specification as JSON; the zone attributes (control
units, protected zones, receptors) as their distinct values and an index per zone; the catalogue's
own standards. It is one uncompressed ``.npz`` file (numpy's own format, read with
``allow_pickle=False``: nothing in it can run code) in the user's cache folder (:func:`cache_dir`).

It is keyed by a SHA-256 of every source file (``catalog.yaml``, each geometry file the catalogue
names and its side files, e.g. a Shapefile's ``.dbf`` and ``.prj``, and the ``standards:`` folder) and
by the tool: the version of regional-eia, a digest of the code that builds a catalogue (``zones`` and
``standards``), and the versions of the libraries that shape the geometry (shapely/GEOS, pyproj/PROJ,
numpy). When any of them differs, or the file cannot be read whole (the archive's CRC-32s are checked),
the catalogue is loaded from its sources again, the compiled form is rewritten, and a
:class:`CompiledCatalogWarning` says why: a stale compiled form is never used. The built-in standards
are read as always, and the catalogue's references to standards and EIA-list flags are checked again.

    >>> from zones import load_catalog
    >>> cat = load_catalog()            # the demo: compiled on first use, opened after that
    >>> [entry.source for entry in cached_catalogues() if entry.source == cat.source]
    ['demo:catalog.yaml']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = [
    "CompiledCatalogWarning",
    "CachedCatalogue",
    "cache_dir",
    "cached_catalogues",
    "clear_cache",
    "compiled_path",
    "open_compiled",
    "write_compiled",
    "read_compiled",
]

FORMAT = 1
_SUFFIX = ".npz"
# side files that change without the data changing (SQLite's shared-memory index and journal, locks)
_VOLATILE = re.compile(r"(-shm|-journal|\.lock)$", re.IGNORECASE)


class CompiledCatalogWarning(UserWarning):
    """The compiled catalogue was stale or unreadable and was rebuilt from the sources (or could not be
    written): the message says which and why. The CLI prints it on stderr."""


class _Unreadable(Exception):
    """The compiled file is not a whole, consistent compiled catalogue (the message says what)."""


# --- where ------------------------------------------------------------------------------------------


def cache_dir() -> Path | None:
    """The folder that holds compiled catalogues, or ``None`` when ``REGIONAL_EIA_CACHE=off``.

    ``REGIONAL_EIA_CACHE_DIR`` when set, else the user cache directory of the platform
    (``~/.cache/regional-eia/catalogues`` on Linux, ``%LOCALAPPDATA%\\regional-eia\\Cache\\catalogues``
    on Windows). The parsed built-in standards are kept there too (:mod:`standards.cache`).
    """
    from standards.cache import cache_dir as shared

    return shared()


def _identity(source: str) -> str:
    """The catalogue a source string names, whatever the working directory it was given from."""
    return source if source.startswith("demo:") else str(Path(source).resolve())


def compiled_path(source: str, folder: Path | None = None) -> Path | None:
    """Where the compiled form of the catalogue loaded as ``source`` (its ``catalog.yaml``) lives."""
    folder = folder if folder is not None else cache_dir()
    if folder is None:
        return None
    identity = _identity(source)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]
    stem = re.sub(r"[^\w.-]+", "_", Path(identity.removeprefix("demo:")).parent.name or "demo")[:40]
    return folder / f"{stem or 'catalogue'}-{digest}{_SUFFIX}"


@dataclass(frozen=True)
class CachedCatalogue:
    """One compiled catalogue in the cache: its file, the catalogue it was compiled from, its size."""

    path: Path
    source: str | None
    built: str | None
    tool_version: str | None
    bytes: int


def cached_catalogues(folder: Path | None = None) -> list[CachedCatalogue]:
    """The compiled catalogues in the cache folder (an unreadable file is listed with ``source=None``)."""
    folder = folder if folder is not None else cache_dir()
    if folder is None or not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob(f"*{_SUFFIX}")):
        try:
            meta = _read_meta(path)
        except _Unreadable:
            meta = {}
        entries.append(CachedCatalogue(path, meta.get("source"), meta.get("built"),
                                       (meta.get("tool") or {}).get("regional-eia"), path.stat().st_size))
    return entries


def clear_cache(folder: Path | None = None) -> list[Path]:
    """Delete every compiled catalogue in the cache folder (they are rebuilt on next use); returns them."""
    removed = []
    for entry in cached_catalogues(folder):
        entry.path.unlink(missing_ok=True)
        removed.append(entry.path)
    return removed


# --- the key -----------------------------------------------------------------------------------------


def _tool_key() -> dict[str, str]:
    """What, besides the sources, the compiled form depends on."""
    import pyproj

    return {
        "format": str(FORMAT),
        "regional-eia": _tool_version(),
        "code": _code_digest(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "numpy": np.__version__,
    }


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("regional-eia")
    except PackageNotFoundError:
        return "unknown"


def _code_digest() -> str:
    """A digest of the code that builds a catalogue (this package's and the standards models): an
    edited development install is a different tool."""
    import standards

    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(standards.__file__).parent):
        for path in sorted(package.glob("*.py")):
            digest.update(f"{package.name}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _entries(root: Path | Traversable, name: str) -> list[tuple[str, Path | Traversable]]:
    """The file ``name`` under ``root`` and its side files (same stem: ``.shx``, ``.dbf``, ``.prj``,
    ``.cpg``, ``-wal``...); every file of it when it is a folder (a FileGDB)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if Path(name).is_absolute():
        parent: Path | Traversable = Path(name).parent
        parts = [Path(name).name]
    else:
        parent = root
        for part in parts[:-1]:
            parent = parent / part
    base = parts[-1] if parts else name
    target = parent / base
    prefix = "/".join(parts[:-1])
    found: list[tuple[str, Path | Traversable]] = []
    if target.is_dir():
        folders = [(f"{prefix}/{base}".lstrip("/"), target)]
        while folders:
            label, folder = folders.pop()
            for child in sorted(folder.iterdir(), key=lambda c: c.name):
                if child.is_dir():
                    folders.append((f"{label}/{child.name}", child))
                else:
                    found.append((f"{label}/{child.name}", child))
        return found
    stem = base.split(".")[0]
    siblings = parent.iterdir() if parent.is_dir() else []
    for child in sorted(siblings, key=lambda c: c.name):
        if child.name == base or (child.name.startswith(stem + ".") and child.is_file()
                                  and not _VOLATILE.search(child.name)):
            found.append((f"{prefix}/{child.name}".lstrip("/"), child))
    return found


def _digest(entry: Path | Traversable) -> str:
    digest = hashlib.sha256()
    if isinstance(entry, Path):
        with entry.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    else:
        digest.update(entry.read_bytes())
    return digest.hexdigest()


def _source_names(spec) -> list[str]:
    """The files and folders besides catalog.yaml that loading the catalogue reads."""
    names = [zone.geometry.file for zone in spec.zones if zone.geometry.file is not None]
    names += [layer.file for layer in spec.layers]
    if spec.standards:
        names.append(spec.standards)
    return list(dict.fromkeys(names))


def _source_digests(root: Path | Traversable, yaml_path: Path | Traversable | None,
                    names: Iterable[str]) -> dict[str, str]:
    digests = {"catalog.yaml": _digest(yaml_path)} if yaml_path is not None else {}
    for name in names:
        for label, entry in _entries(root, name):
            digests.setdefault(label, _digest(entry))
    return digests


def _stale_reason(meta: dict, root, yaml_path) -> str | None:
    """Why the compiled form recorded in ``meta`` does not describe the sources and tool of now."""
    tool = _tool_key()
    recorded = meta.get("tool", {})
    for key, now in tool.items():
        if recorded.get(key) != now:
            what = "its format" if key == "format" else f"{key} {recorded.get(key)}"
            return f"it was compiled by another version of the tool ({what}; now {now})"
    sources = meta.get("sources", {})
    if _digest(yaml_path) != sources.get("catalog.yaml"):
        return "catalog.yaml changed"
    # catalog.yaml is as compiled, so it names the same geometry files as then
    now = _source_digests(root, None, meta.get("source_files", []))
    now["catalog.yaml"] = sources["catalog.yaml"]
    for label in sorted(set(now) | set(sources)):
        if label not in now:
            return f"{label} is gone"
        if label not in sources:
            return f"{label} is new"
        if now[label] != sources[label]:
            return f"{label} changed"
    return None


# --- open: the hook of load_catalog ------------------------------------------------------------------


def open_compiled(root: Path | Traversable, yaml_path: Path | Traversable, source: str,
                  load_sources: Callable[[Any, Any, str], Any]):
    """The catalogue at ``yaml_path``: from its compiled form when current, else from its sources
    (``load_sources(root, yaml_path, source)``), writing the compiled form for next time.

    A compiled form that is stale or unreadable is rebuilt and a :class:`CompiledCatalogWarning`
    says why; one that cannot be written is reported the same way and the catalogue is returned
    all the same. Errors in the sources are raised as :func:`zones.load_catalog` raises them.
    """
    path = compiled_path(source)
    if path is None:
        return load_sources(root, yaml_path, source)
    if path.exists():
        try:
            meta = _read_meta(path)
            reason = _stale_reason(meta, root, yaml_path) if meta.get("identity") == _identity(source) else \
                "it was compiled from another catalogue"
            if reason is None:
                return read_compiled(path, root, source, meta)
        except _Unreadable as exc:
            reason = f"the compiled file could not be read ({exc})"
        catalog = load_sources(root, yaml_path, source)
        written = _try_write(catalog, path, root, yaml_path)
        warnings.warn(CompiledCatalogWarning(
            f"{source}: compiled catalogue {path} was not used: {reason}; "
            + ("rebuilt it from the sources" if written is None else f"loaded the sources ({written})")),
            stacklevel=3)
        return catalog
    catalog = load_sources(root, yaml_path, source)
    written = _try_write(catalog, path, root, yaml_path)
    if written is not None:
        warnings.warn(CompiledCatalogWarning(f"{source}: {written}"), stacklevel=3)
    return catalog


def _try_write(catalog, path: Path, root, yaml_path) -> str | None:
    try:
        write_compiled(catalog, path, root, yaml_path)
    except OSError as exc:
        return (f"could not write the compiled catalogue {path} ({exc.strerror or exc}); it is loaded from "
                "its sources each time (set REGIONAL_EIA_CACHE_DIR to a writable folder)")
    return None


# --- write --------------------------------------------------------------------------------------------


def write_compiled(catalog, path: Path, root: Path | Traversable, yaml_path: Path | Traversable) -> None:
    """Write ``catalog`` (loaded from ``yaml_path``) in compiled form to ``path``, atomically."""
    table = catalog.table
    arrays: dict[str, np.ndarray] = {}
    arrays["metric_epsg"] = np.asarray(table.metric_epsg, dtype=np.int64)
    arrays["reach_m"] = np.asarray(table.reach_m, dtype=np.float64)
    arrays["wgs84_bounds"] = np.asarray(table.wgs84_bounds, dtype=np.float64)
    zone_ids = table.zone_id.tolist()
    _put_text(arrays, "zone_id", zone_ids)
    _put_vocabulary(arrays, "kind", table.kind.tolist())
    _put_vocabulary(arrays, "source", table.source.tolist())
    _put_geometries(arrays, "metric", table.metric_geometry)
    _put_geometries(arrays, "wgs84", table.wgs84)

    position = table.positions
    names = catalog.names
    if list(names) == zone_ids:
        _put_text(arrays, "names", list(names.values()))
    else:
        _put_keys(arrays, "names", list(names), position)
        _put_text(arrays, "names", list(names.values()))
    units = catalog.control_units
    _put_keys(arrays, "control_units", list(units), position)
    _put_text(arrays, "unit_code", [u.code for u in units.values()])
    _put_vocabulary(arrays, "unit_class", [u.unit_class for u in units.values()])
    accesses, arrays["unit_access"] = _interned([u.access for u in units.values()])
    documents = {"unit_access": [a.model_dump(mode="json", by_alias=True) for a in accesses]}
    for attr in ("protected", "receptors"):
        entries = getattr(catalog, attr)
        _put_keys(arrays, attr, list(entries), position)
        values, arrays[f"{attr}.value"] = _interned(list(entries.values()))
        documents[attr] = [v.model_dump(mode="json", by_alias=True) for v in values]
    documents["warnings"] = list(catalog.warnings)
    documents["notes"] = list(getattr(catalog, "notes", []))
    documents["standards"] = _own_standards(catalog)
    arrays["spec"] = np.frombuffer(catalog.spec.model_dump_json(by_alias=True, exclude_defaults=True).encode(),
                                   dtype=np.uint8)

    names_read = _source_names(catalog.spec)
    meta = {
        "format": FORMAT,
        "source": catalog.source,
        "identity": _identity(catalog.source),
        "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tool": _tool_key(),
        "source_files": names_read,
        "sources": _source_digests(root, yaml_path, names_read),
        "rows": len(table),
    }
    arrays["meta"] = _blob(meta)
    arrays["documents"] = _blob(documents)

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _own_standards(catalog) -> dict | None:
    """The catalogue's own standards (its ``standards:`` folder) and the pollutant registry they use."""
    if not catalog.spec.standards:
        return None
    from standards import builtin_standards

    builtin = builtin_standards().standards
    return {
        "standards": [std.model_dump(mode="json", by_alias=True)
                      for sid, std in catalog.standards.standards.items() if sid not in builtin],
        "pollutants": [p.model_dump(mode="json", by_alias=True) for p in catalog.standards.pollutants.values()],
    }


def _read_own_standards(document: dict | None):
    if document is None:
        return None
    from standards import StandardsCatalog
    from standards.model import Pollutant, StandardFile

    own = [StandardFile.model_validate(d) for d in document["standards"]]
    pollutants = [Pollutant.model_validate(d) for d in document["pollutants"]]
    return StandardsCatalog({std.id: std for std in own}, [], {p.id: p for p in pollutants})


def _blob(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _put_text(arrays: dict[str, np.ndarray], key: str, values: list[str]) -> None:
    """Strings as a numpy unicode array (read back without parsing), or as JSON where one ends in NUL,
    which numpy's fixed-width strings would drop."""
    if all(isinstance(v, str) and not v.endswith("\x00") for v in values):
        arrays[f"{key}.text"] = np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")
    else:
        arrays[f"{key}.json"] = _blob(values)


def _get_text(archive, key: str) -> list[str]:
    if f"{key}.text" in archive.files:
        return archive[f"{key}.text"].tolist()
    return _json(archive, f"{key}.json")


def _put_vocabulary(arrays: dict[str, np.ndarray], key: str, values: list[str]) -> None:
    """Few distinct strings: the distinct ones and an index per value."""
    distinct, arrays[f"{key}.index"] = _interned(values)
    arrays[f"{key}.values"] = _blob(distinct)


def _get_vocabulary(archive, key: str) -> np.ndarray:
    return _objects(_json(archive, f"{key}.values"))[archive[f"{key}.index"]]


def _put_keys(arrays: dict[str, np.ndarray], key: str, keys: list[str], position: dict[str, int]) -> None:
    """A mapping's keys (zone ids, in the mapping's order) as rows of the zone table."""
    arrays[f"{key}.rows"] = np.array([position[k] for k in keys], dtype=np.int64)


def _get_keys(archive, key: str, zone_ids: np.ndarray) -> list[str]:
    rows = archive[f"{key}.rows"]
    if rows.size and (rows.min() < 0 or rows.max() >= len(zone_ids)):
        raise _Unreadable(f"{key}: rows out of range")
    return zone_ids[rows].tolist()


def _interned(values: list) -> tuple[list, np.ndarray]:
    """Distinct values (first-seen order) and each value's index among them."""
    seen: dict[Any, int] = {}
    index = np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)
    return list(seen), index


# geometry types shapely's ragged (GeoArrow) layout holds; anything else goes as WKB
_RAGGED_TYPES = (0, 1, 3, 4, 5, 6)


def _put_geometries(arrays: dict[str, np.ndarray], prefix: str, geoms: np.ndarray) -> None:
    type_id = shapely.get_type_id(geoms)
    has_z = shapely.has_z(geoms)
    parts = []
    for t in np.unique(type_id):
        for z in (False, True):
            rows = np.flatnonzero((type_id == t) & (has_z == z))
            if rows.size == 0:
                continue
            j = len(parts)
            arrays[f"{prefix}.{j}.rows"] = rows
            if int(t) in _RAGGED_TYPES:
                kind, coords, offsets = shapely.to_ragged_array(geoms[rows], include_z=bool(z))
                arrays[f"{prefix}.{j}.coords"] = coords
                for k, off in enumerate(offsets):
                    arrays[f"{prefix}.{j}.offsets{k}"] = np.asarray(off, dtype=np.int64)
                parts.append(("ragged", int(kind), len(offsets)))
            else:
                wkb = shapely.to_wkb(geoms[rows], include_srid=False, flavor="iso")
                arrays[f"{prefix}.{j}.wkb"] = np.frombuffer(b"".join(wkb), dtype=np.uint8)
                arrays[f"{prefix}.{j}.wkb_ends"] = np.cumsum([len(b) for b in wkb], dtype=np.int64)
                parts.append(("wkb", int(t), 0))
    arrays[f"{prefix}.parts"] = _blob(parts)


class _Geometries:
    """Geometry arrays read from a compiled file, made into shapely geometries when called."""

    def __init__(self, archive, prefix: str, n: int):
        self.n = n
        self.parts = []
        for j, (layout, kind, n_offsets) in enumerate(_json(archive, f"{prefix}.parts")):
            member = f"{prefix}.{j}"
            if layout == "ragged":
                data = (archive[f"{member}.coords"],
                        tuple(archive[f"{member}.offsets{k}"] for k in range(n_offsets)))
            else:
                data = (archive[f"{member}.wkb"], archive[f"{member}.wkb_ends"])
            self.parts.append((layout, kind, archive[f"{member}.rows"], data))
        covered = np.zeros(n, dtype=np.int64)
        for _, _, rows, _ in self.parts:
            if rows.size and (rows.min() < 0 or rows.max() >= n):
                raise _Unreadable(f"{prefix} geometry rows out of range")
            np.add.at(covered, rows, 1)
        if n and not (covered == 1).all():
            raise _Unreadable(f"{prefix} geometries do not cover every zone once")

    def __call__(self) -> np.ndarray:
        from shapely import GeometryType

        out = np.empty(self.n, dtype=object)
        for layout, kind, rows, data in self.parts:
            if layout == "ragged":
                coords, offsets = data
                geoms = shapely.from_ragged_array(GeometryType(kind), coords, offsets or None)
            else:
                blob, ends = data
                starts = np.r_[0, ends[:-1]]
                raw = blob.tobytes()
                geoms = shapely.from_wkb([raw[s:e] for s, e in zip(starts.tolist(), ends.tolist())])
            if len(geoms) != len(rows):
                raise _Unreadable("geometry count does not match its rows")
            out[rows] = geoms
        return out


# --- read ---------------------------------------------------------------------------------------------


def _open_archive(path: Path):
    try:
        with open(path, "rb") as stream:
            if stream.read(4) != b"PK\x03\x04":
                raise _Unreadable("not an .npz archive")
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _Unreadable(str(exc) or type(exc).__name__) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _Unreadable("not an .npz archive")
    return archive


def _json(archive, key: str) -> Any:
    try:
        return json.loads(archive[key].tobytes().decode("utf-8"))
    except KeyError as exc:
        raise _Unreadable(f"no {key!r} in it") from exc
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise _Unreadable(f"{key}: {exc}") from exc


def _read_meta(path: Path) -> dict:
    with _open_archive(path) as archive:
        meta = _json(archive, "meta")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _Unreadable("not a compiled catalogue of this format")
    return meta


def read_compiled(path: Path, root: Path | Traversable, source: str, meta: dict | None = None):
    """Open a compiled catalogue (its staleness is the caller's to check: :func:`open_compiled` does).

    Standards are read fresh (built in, and the catalogue's own folder under ``root``) and the
    catalogue's references to them checked, as loading from the sources does.
    """
    from pydantic import ValidationError

    from .catalog import Catalog, ZoneTable, _check_references, _spatial_groups, catalog_standards
    from .model import AccessList, CatalogSpec, ControlUnitSpec, ProtectedSpec, ReceptorSpec

    try:
        with _open_archive(path) as archive:
            meta = meta or _json(archive, "meta")
            n = int(meta["rows"])
            documents = _json(archive, "documents")
            spec = CatalogSpec.model_validate_json(archive["spec"].tobytes())
            zone_ids = _objects(_get_text(archive, "zone_id"))
            table = ZoneTable(
                zone_id=zone_ids,
                kind=_get_vocabulary(archive, "kind"),
                metric_epsg=archive["metric_epsg"],
                metric_geometry=_Geometries(archive, "metric", n)(),
                source=_get_vocabulary(archive, "source"),
                reach_m=archive["reach_m"],
                wgs84_bounds=archive["wgs84_bounds"],
                _wgs84_loader=_Geometries(archive, "wgs84", n),
            )
            for name in ("zone_id", "kind", "metric_epsg", "metric_geometry", "source", "reach_m", "wgs84_bounds"):
                if len(getattr(table, name)) != n:
                    raise _Unreadable(f"{name} has {len(getattr(table, name))} rows, not {n}")
            names_keys = _get_keys(archive, "names", zone_ids) if "names.rows" in archive.files else zone_ids.tolist()
            names = dict(zip(names_keys, _get_text(archive, "names"), strict=True))
            accesses = [AccessList.model_validate(a) for a in documents["unit_access"]]
            # validated when compiled, by this very code (the key holds its digest): built, not validated
            # again (40,000 units' validators are a third of a national open)
            construct = ControlUnitSpec.model_construct
            units = dict(zip(_get_keys(archive, "control_units", zone_ids), [
                construct(code=code, unit_class=cls, access=accesses[a])
                for code, cls, a in zip(_get_text(archive, "unit_code"), _get_vocabulary(archive, "unit_class"),
                                        archive["unit_access"].tolist(), strict=True)], strict=True))
            protected_values = [ProtectedSpec.model_validate(v) for v in documents["protected"]]
            protected = dict(zip(_get_keys(archive, "protected", zone_ids),
                                 [protected_values[i] for i in archive["protected.value"].tolist()], strict=True))
            receptor_values = [ReceptorSpec.model_validate(v) for v in documents["receptors"]]
            receptors = dict(zip(_get_keys(archive, "receptors", zone_ids),
                                 [receptor_values[i] for i in archive["receptors.value"].tolist()], strict=True))
        own_standards = _read_own_standards(documents["standards"])
    except (KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
        raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
    catalog = Catalog(
        spec=spec, source=source, table=table, groups=_spatial_groups(table),
        parks={zone.id: zone for zone in spec.zones if zone.kind == "park"}, control_units=units,
        protected=protected, receptors=receptors, names=names,
        standards=catalog_standards(spec, root, source, own_standards), warnings=list(documents["warnings"]),
        notes=list(documents["notes"]),
    )
    _check_references(catalog)
    return catalog


def _objects(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array

