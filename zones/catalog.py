"""Load a zone catalogue: ``catalog.yaml`` plus the geometry files it names.

A loaded :class:`Catalog` holds every zone's geometry in a metric CRS (the zone's own Gauss-Kruger
projection when it was surveyed in one, otherwise the CGCS2000 3-degree zone of its centroid), grouped
by that CRS with one STRtree per group, so that screening many projects is a few vectorised queries.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pydantic import ValidationError
from pyproj import CRS

from standards import StandardsCatalog, StandardsError, builtin_standards, load_standards
from standards.numbers import given_value, shorten
from standards.safeload import CATALOG_MAX_BYTES, DataFileError, read_data_file

from .consistency import check_figures
from .crs import WGS84, gk_epsg_for_longitude, metric_crs_for, parse_crs, transformer, within_china
from .errors import CatalogError, CRSError, GeometryError
from .geojson import geometry_from_geojson

from .model import (
    AccessList,
    CatalogSpec,
    ControlUnitSpec,
    GeometryRef,
    ParkSpec,
    ProtectedSpec,
    ReceptorSpec,
    ZoneLayer,
    ZoneSpec,
)

if TYPE_CHECKING:  # geopandas (and pandas) only where a frame is asked for: not on a screen's path
    import geopandas as gpd

__all__ = ["Catalog", "SpatialGroup", "ZoneTable", "load_catalog", "demo_catalog", "DEMO_PATH"]

DEMO_PATH: Traversable = files("zones") / "demo"
POLYGONAL_KINDS = ("park", "control_unit", "red_line", "water_source")
_REQUIREMENT_TEXTS = ("spatial_layout", "emission_control", "risk_prevention", "resource_efficiency")


def _present(value: Any) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return bool(str(value).strip())


@dataclass(frozen=True)
class SpatialGroup:
    """The zones measured in one metric CRS, with an STRtree over their geometries."""

    crs: CRS
    zone_ids: np.ndarray
    kinds: np.ndarray
    geometries: np.ndarray
    reach_m: np.ndarray
    bounds_wgs84: tuple[float, float, float, float]
    positions: np.ndarray  # row position in the catalogue's ZoneTable of each zone of the group

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geometries)


@dataclass
class ZoneTable:
    """Every zone of a catalogue as parallel arrays, in catalogue order (``zones:`` first, then layers).

    ``metric_geometry`` is in the zone's metric CRS (``metric_epsg``); ``wgs84`` the same zone in
    WGS84 lon/lat (``wgs84_bounds`` its bounds); ``reach_m`` how far from the zone a site can still
    produce a finding. A compiled catalogue fills ``wgs84`` only when something asks for it.
    """

    zone_id: np.ndarray
    kind: np.ndarray
    metric_epsg: np.ndarray
    metric_geometry: np.ndarray
    source: np.ndarray
    reach_m: np.ndarray
    wgs84_bounds: np.ndarray
    _wgs84: np.ndarray | None = field(default=None, repr=False)
    _wgs84_loader: Any = field(default=None, repr=False)  # a picklable callable giving the WGS84 array

    def __len__(self) -> int:
        return len(self.zone_id)

    @property
    def wgs84(self) -> np.ndarray:
        if self._wgs84 is None:
            self._wgs84 = self._wgs84_loader()
            self._wgs84_loader = None
        return self._wgs84

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Row position of each zone id."""
        return {zone_id: i for i, zone_id in enumerate(self.zone_id.tolist())}


@dataclass
class Catalog:
    """A loaded, validated zone catalogue. Build it with :func:`load_catalog`.

    ``table`` holds every zone as arrays (what screening reads); ``zones`` the same as a
    GeoDataFrame indexed by zone id (built on first use: reports and maps read it).
    """

    spec: CatalogSpec
    source: str
    table: ZoneTable
    groups: list[SpatialGroup]
    parks: dict[str, ZoneSpec]
    control_units: dict[str, ControlUnitSpec]
    protected: dict[str, ProtectedSpec]
    receptors: dict[str, ReceptorSpec]
    names: dict[str, str]
    standards: StandardsCatalog
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was assumed while loading (e.g. encodings)

    @property
    def name(self) -> str:
        return self.spec.name

    @functools.cached_property
    def zones(self) -> gpd.GeoDataFrame:
        """Every zone as a GeoDataFrame indexed by zone id: ``zone_id, kind, metric_epsg,
        metric_geometry, source, geometry`` (WGS84), ``reach_m``."""
        import geopandas as gpd

        table = self.table
        frame = gpd.GeoDataFrame(
            {
                "zone_id": table.zone_id.tolist(),
                "kind": table.kind.tolist(),
                "metric_epsg": table.metric_epsg,
                "metric_geometry": table.metric_geometry,
                "source": table.source.tolist(),
            },
            geometry=gpd.GeoSeries(table.wgs84, crs=WGS84),
        ).set_index("zone_id", drop=False)
        frame["reach_m"] = table.reach_m
        return frame

    def metric_geometry(self, zone_id: str):
        """The zone's geometry in its metric CRS."""
        return self.table.metric_geometry[self.table.positions[zone_id]]

    def park(self, zone_id: str) -> ParkSpec:
        spec = self.parks[zone_id].park
        assert spec is not None
        return spec

    def access_for_unit(self, zone_id: str) -> AccessList:
        """The unit's own access list, with its class's catalogue-wide list appended."""
        unit = self.control_units[zone_id]
        shared = self.spec.control_unit_access.get(unit.unit_class)
        if shared is None:
            return unit.access
        return AccessList(
            prohibited=unit.access.prohibited + shared.prohibited,
            restricted=unit.access.restricted + shared.restricted,
            encouraged=unit.access.encouraged + shared.encouraged,
            spatial_layout=unit.access.spatial_layout + shared.spatial_layout,
            emission_control=unit.access.emission_control + shared.emission_control,
            risk_prevention=unit.access.risk_prevention + shared.risk_prevention,
            resource_efficiency=unit.access.resource_efficiency + shared.resource_efficiency,
        )

    @property
    def max_buffer_m(self) -> float:
        """The largest distance at which any zone can still produce a finding."""
        return float(self.table.reach_m.max()) if len(self.table) else 0.0


def load_catalog(path: str | Path | Traversable | None = None, *, compiled: bool = True) -> Catalog:
    """Load and validate a catalogue folder (or its ``catalog.yaml``); ``None`` loads the demo.

    Parameters
    ----------
    path
        A folder holding ``catalog.yaml``, the YAML file itself, or ``None`` for the built-in demo.
    compiled
        Open the catalogue's compiled form (see :mod:`zones.compiled`) when it is current, and
        write it after loading from the sources when it is missing or stale (a
        :class:`~zones.compiled.CompiledCatalogWarning` says why it was rebuilt). ``False`` always
        loads from the source files and leaves the compiled form alone.

    Returns
    -------
    Catalog
        Zones in metric CRSs with spatial indexes, zone attributes, and the standards catalogue
        (built-in standards plus the catalogue's own ``standards:`` folder).

    Raises
    ------
    CatalogError
        Naming the file, the zone and the field, for a bad YAML, a missing file or feature, a
        geometry without CRS, or an invalid geometry the catalogue did not ask to repair.

    Examples
    --------
    >>> cat = load_catalog()
    >>> sorted(cat.parks)[:2]
    ['fuyang-coal-chem', 'langxi-edz']
    """
    if path is None:
        return demo_catalog() if compiled else _load_sources(DEMO_PATH, DEMO_PATH / "catalog.yaml", _DEMO_SOURCE)
    root, yaml_path = _resolve(path)
    if compiled:
        from .compiled import open_compiled

        with _collector_paused():
            return open_compiled(root, yaml_path, str(yaml_path), _load_sources)
    return _load_sources(root, yaml_path, str(yaml_path))


_DEMO_SOURCE = "demo:catalog.yaml"


@functools.lru_cache(maxsize=1)
def demo_catalog() -> Catalog:
    """The embedded demo catalogue (cached; compiled like any other)."""
    from .compiled import open_compiled

    with _collector_paused():
        return open_compiled(DEMO_PATH, DEMO_PATH / "catalog.yaml", _DEMO_SOURCE, _load_sources)


def _load_sources(root: Path | Traversable, yaml_path: Path | Traversable, source: str) -> Catalog:
    """The cold load: read and validate ``catalog.yaml`` and every geometry file it names."""
    with _collector_paused():
        return _build(_read_spec(yaml_path), root, source)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a catalogue is built: it only makes long-lived objects, and
    the collector, triggered every few hundred allocations, walks all of them again each time (for a
    national catalogue that is two thirds of the load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _resolve(path: str | Path | Traversable) -> tuple[Path | Traversable, Path | Traversable]:
    if isinstance(path, str):
        path = Path(path)
    if path.is_dir():
        return path, path / "catalog.yaml"
    if path.is_file():
        parent = path.parent if isinstance(path, Path) else path
        return parent, path
    raise CatalogError(path, None, None, "no such catalogue (expected a folder with catalog.yaml)")


def _read_spec(yaml_path: Path | Traversable) -> CatalogSpec:
    if not yaml_path.is_file():
        raise CatalogError(yaml_path, None, None, "catalog.yaml not found")
    try:
        data = read_data_file(yaml_path, max_bytes=CATALOG_MAX_BYTES, kind="yaml")
    except DataFileError as exc:
        raise CatalogError(yaml_path, None, None, exc.detail) from exc
    if not isinstance(data, dict):
        raise CatalogError(yaml_path, None, None, "expected a mapping with name: and zones:")
    try:
        return CatalogSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        zone_id = None
        if len(loc) >= 2 and loc[0] == "zones" and isinstance(loc[1], int):
            zones = data.get("zones") or []
            if loc[1] < len(zones) and isinstance(zones[loc[1]], dict):
                zone_id = str(zones[loc[1]].get("id", f"#{loc[1] + 1}"))
            loc = loc[2:]
        field_name = ".".join(str(p) for p in loc) or None
        more = f" (and {exc.error_count() - 1} more errors)" if exc.error_count() > 1 else ""
        raise CatalogError(yaml_path, zone_id, field_name, f"{err['msg'].removeprefix('Value error, ')}{given_value(err)}{more}") from exc


# --- geometry --------------------------------------------------------------------------------------


@contextmanager
def _real_path(root: Path | Traversable, name: str) -> Iterator[Path]:
    target = root / name
    if isinstance(target, Path):
        yield target
    else:
        with as_file(target) as real:
            yield real


class _FileCache:
    """Reads each (file, layer, encoding) once, translating pyogrio's errors."""

    def __init__(self, root: Path | Traversable, default_crs: Any):
        self.root = root
        self.default_crs = default_crs
        self._frames: dict[tuple[str, str | None, str | None], Any] = {}
        self.notes: list[str] = []

    def _detect_encoding(self, real: Path, name: str, zone_id: str | None) -> str | None:
        """A Shapefile without ``encoding:``: decide from its .cpg or bytes (never GDAL's Latin-1 guess)."""
        from .encoding import detect_dbf_encoding

        try:
            choice = detect_dbf_encoding(real)
        except ValueError as exc:
            raise CatalogError(real, zone_id, "encoding", str(exc)) from exc
        if choice is None:
            return None
        self.notes.append(f"{name}: attributes read as {choice}")
        return choice.encoding

    def read(self, name: str, layer: str | None, encoding: str | None, crs: Any, zone_id: str | None):
        import geopandas as gpd
        import pyogrio

        key = (name, layer, encoding)
        if key not in self._frames:
            with _real_path(self.root, name) as real:
                if not real.exists():
                    raise CatalogError(self.root / name, zone_id, "geometry.file", "file not found")
                if encoding is None:
                    encoding = self._detect_encoding(real, name, zone_id)
                try:
                    frame = gpd.read_file(real, layer=layer, encoding=encoding, engine="pyogrio")
                except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                    raise CatalogError(real, zone_id, "geometry.layer" if layer else "geometry.file", str(exc)) from exc
                except (UnicodeDecodeError, LookupError) as exc:
                    raise CatalogError(real, zone_id, "geometry.encoding", f"cannot decode attributes: {exc}") from exc
                except shapely.errors.ShapelyError as exc:  # GEOS refuses a feature: an unclosed or too short ring
                    raise CatalogError(real, zone_id, "geometry", f"a feature's geometry cannot be read "
                                       f"({shorten(exc)}): an unclosed ring, or one of fewer than 4 points?") from exc
            declared = crs if crs is not None else self.default_crs
            if frame.crs is None:
                if declared is None:
                    raise CatalogError(
                        real, zone_id, "crs", "the file declares no CRS; state it with crs: in the catalogue"
                    )
                frame = frame.set_crs(_as_crs(declared, real, zone_id))
            elif crs is not None and not frame.crs.equals(_as_crs(crs, real, zone_id)):
                raise CatalogError(
                    real, zone_id, "crs", f"catalogue says {crs} but the file declares {frame.crs.to_string()}"
                )
            self._frames[key] = frame
        return self._frames[key]


def _origin(file: str, layer: str | None) -> str:
    """Where a zone's geometry was read: the file, and the layer when the file has several."""
    return f"{file}:{layer}" if layer else file


def _as_crs(spec: Any, path: object, zone_id: str | None) -> CRS:
    try:
        crs = parse_crs(spec)
    except CRSError as exc:
        raise CatalogError(path, zone_id, "crs", exc.why) from exc
    if isinstance(crs, str):
        raise CatalogError(path, zone_id, "crs", f"{crs} is a web-map offset, not a survey CRS; use EPSG codes")
    return crs


def _zone_geometry(zone: ZoneSpec, ref: GeometryRef, cache: _FileCache, yaml_src: str):
    if ref.file is not None:
        frame = cache.read(ref.file, ref.layer, ref.encoding, ref.crs, zone.id)
        if ref.id_field not in frame.columns:
            raise CatalogError(
                ref.file, zone.id, "geometry.id_field",
                f"no attribute {ref.id_field!r}; the layer has {', '.join(map(str, frame.columns[:-1]))}",
            )
        wanted = ref.id or zone.id
        hits = frame[frame[ref.id_field].astype(str) == wanted]
        if len(hits) != 1:
            why = "no feature" if hits.empty else f"{len(hits)} features"
            raise CatalogError(ref.file, zone.id, "geometry.id", f"{why} with {ref.id_field} = {wanted!r}")
        return hits.geometry.iloc[0], frame.crs, _origin(ref.file, ref.layer)
    crs = _as_crs(ref.crs, yaml_src, zone.id)
    try:
        geom = shapely.from_wkt(ref.wkt) if ref.wkt is not None else geometry_from_geojson(ref.geojson)
    except (shapely.errors.ShapelyError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise CatalogError(yaml_src, zone.id, "geometry", f"cannot parse inline geometry: {shorten(exc)}") from exc
    return geom, crs, yaml_src


# --- building the catalogue ------------------------------------------------------------------------


def _build(spec: CatalogSpec, root: Path | Traversable, source: str) -> Catalog:
    cache = _FileCache(root, spec.crs)
    rows: list[dict[str, Any]] = []
    parks: dict[str, ZoneSpec] = {}
    units: dict[str, ControlUnitSpec] = {}
    protected: dict[str, ProtectedSpec] = {}
    receptors: dict[str, ReceptorSpec] = {}
    names: dict[str, str] = {}

    for zone in spec.zones:
        geom, crs, origin = _zone_geometry(zone, zone.geometry, cache, source)
        rows.append({"zone_id": zone.id, "kind": zone.kind, "geometry": geom, "crs": crs, "origin": origin})
        names[zone.id] = zone.name
        if zone.kind == "park":
            parks[zone.id] = zone
        elif zone.kind == "control_unit":
            units[zone.id] = zone.control_unit
        elif zone.kind in ("red_line", "water_source"):
            protected[zone.id] = zone.protected or ProtectedSpec()
        else:
            receptors[zone.id] = zone.receptor

    for layer in spec.layers:
        rows.extend(_layer_rows(layer, cache, names, units, protected, receptors))

    if not rows:
        raise CatalogError(source, None, "zones", "the catalogue has no zones")
    ids = [r["zone_id"] for r in rows]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise CatalogError(source, dup, "id", "zone id appears twice (in zones: or a layer)")

    warnings: list[str] = []
    table = _to_metric(rows, spec.repair_invalid, warnings)
    table.reach_m = _reach(table, protected, receptors)
    catalog = Catalog(
        spec=spec, source=source, table=table, groups=_spatial_groups(table), parks=parks, control_units=units,
        protected=protected, receptors=receptors, names=names, standards=catalog_standards(spec, root, source),
        warnings=warnings, notes=list(cache.notes),
    )
    _check_references(catalog)
    _check_layers(catalog)
    return catalog


def catalog_standards(spec: CatalogSpec, root: Path | Traversable, source: str,
                      own: StandardsCatalog | None = None) -> StandardsCatalog:
    """The built-in standards plus the catalogue's own ``standards:`` folder (read from ``root``
    unless ``own``, its standards and pollutants, is given)."""
    standards = builtin_standards()
    if spec.standards:
        try:
            if own is None:
                extra = load_standards(files("standards") / "data", _as_traversable(root, spec.standards))
                own = StandardsCatalog({k: v for k, v in extra.standards.items() if k not in standards.standards},
                                       [], extra.pollutants)
            standards = standards.merged(own)
        except StandardsError as exc:
            raise CatalogError(source, None, "standards", str(exc)) from exc
    return standards


def _check_layers(catalog: Catalog) -> None:
    """Data gaps a catalogue must not carry silently (see :mod:`zones.checks`)."""
    from .checks import check_catalog

    catalog.warnings.extend(check_catalog(catalog))


def _as_traversable(root: Path | Traversable, name: str) -> Path | Traversable:
    target = root / name
    if not target.is_dir():
        raise CatalogError(target, None, "standards", "folder not found")
    return target


def _layer_rows(layer: ZoneLayer, cache, names, units, protected, receptors) -> list[dict[str, Any]]:
    frame = cache.read(layer.file, layer.layer, layer.encoding, layer.crs, None)
    text_fields = {key: getattr(layer, f"{key}_field") for key in _REQUIREMENT_TEXTS}
    needed = {"id_field": layer.id_field, "name_field": layer.name_field, "code_field": layer.code_field,
              "class_field": layer.class_field, "type_field": layer.type_field,
              **{f"{key}_field": field for key, field in text_fields.items()}}
    missing = [(key, f) for key, f in needed.items() if f is not None and f not in frame.columns]
    if missing:
        key, wanted = missing[0]
        fields = [str(c) for c in frame.columns if c != frame.geometry.name]
        raise CatalogError(layer.file, None, f"layers.{key}",
                           f"no attribute {wanted!r} in the layer; it has {', '.join(fields) or 'no attributes'}")
    rows = []
    geometry_column = frame.geometry.name
    frame_crs = frame.crs
    origin = _origin(layer.file, layer.layer)
    for position, attrs in enumerate(frame.to_dict("records")):
        zone_id = str(attrs[layer.id_field])
        names[zone_id] = str(attrs[layer.name_field]) if layer.name_field else zone_id
        where = f"feature {position + 1} ({layer.id_field}={zone_id})"
        try:
            if layer.kind == "control_unit":
                raw_class = attrs[layer.class_field] if layer.class_field else "general"
                texts = {key: (str(attrs[field]).strip(),) for key, field in text_fields.items()
                         if field is not None and _present(attrs[field])}
                units[zone_id] = ControlUnitSpec.model_validate(
                    {"code": str(attrs[layer.code_field]) if layer.code_field else zone_id,
                     "class": raw_class, **({"access": texts} if texts else {})}
                )
            elif layer.kind == "receptor":
                if not layer.setbacks:
                    raise ValueError("a receptor layer needs setbacks:")
                kind = str(attrs[layer.type_field]) if layer.type_field else "other"
                receptors[zone_id] = ReceptorSpec.model_validate({"type": kind, "setbacks": layer.setbacks})
            else:
                protected[zone_id] = ProtectedSpec(buffer_m=layer.buffer_m)
        except (ValidationError, ValueError) as exc:
            why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise CatalogError(layer.file, zone_id, where, why) from exc
        rows.append({"zone_id": zone_id, "kind": layer.kind, "geometry": attrs[geometry_column],
                     "crs": frame_crs, "origin": origin})
    return rows


def _to_metric(rows: list[dict[str, Any]], repair: bool, warnings: list[str]) -> ZoneTable:
    """Validate geometries and project each zone into its metric CRS (vectorised per source CRS)."""
    geoms = np.array([r["geometry"] for r in rows], dtype=object)
    for i, row in enumerate(rows):
        if geoms[i] is None or shapely.is_empty(geoms[i]):
            raise GeometryError(row["origin"], row["zone_id"], "geometry", "empty or missing geometry")
        if row["kind"] in POLYGONAL_KINDS and shapely.get_type_id(geoms[i]) not in (3, 6):
            raise GeometryError(
                row["origin"], row["zone_id"], "geometry",
                f"a {row['kind']} must be a polygon; got {geoms[i].geom_type}",
            )
    valid = shapely.is_valid(geoms)
    for i in np.flatnonzero(~valid):
        reason = shapely.is_valid_reason(geoms[i])
        row = rows[i]
        if not repair:
            raise GeometryError(
                row["origin"], row["zone_id"], "geometry",
                f"invalid geometry ({reason}); fix it, or set repair_invalid: true to repair it",
            )
        fixed = shapely.make_valid(geoms[i])
        if row["kind"] in POLYGONAL_KINDS:
            fixed = shapely.union_all([g for g in shapely.get_parts(fixed) if shapely.get_type_id(g) in (3, 6)])
        warnings.append(f"{row['origin']}: zone {row['zone_id']}: repaired invalid geometry ({reason})")
        geoms[i] = fixed

    # Rows of one layer share one CRS object: work per distinct CRS, not per row (pyproj's CRS
    # comparisons and WKT exports cost tens of microseconds each, a national catalogue has 150,000 rows).
    sources: dict[int, CRS] = {id(r["crs"]): r["crs"] for r in rows}
    source_of = np.array([id(r["crs"]) for r in rows])
    wgs = np.empty(len(rows), dtype=object)
    for key, crs in sources.items():
        idx = np.flatnonzero(source_of == key)
        wgs[idx] = _reproject(geoms[idx], crs, WGS84)
    _check_in_china(rows, wgs)
    lon = shapely.get_x(shapely.centroid(wgs))

    metric_epsg = np.zeros(len(rows), dtype=int)
    for key, crs in sources.items():
        idx = np.flatnonzero(source_of == key)
        if _is_metric(crs):
            metric_epsg[idx] = crs.to_epsg() or 0
        else:
            metric_epsg[idx] = gk_epsg_for_longitude(lon[idx])
    metric = np.empty(len(rows), dtype=object)
    for epsg in np.unique(metric_epsg):
        target = CRS.from_epsg(int(epsg))
        in_group = metric_epsg == epsg
        metric[in_group] = _reproject(wgs[in_group], WGS84, target)
        for key, crs in sources.items():  # surveyed in this CRS: keep the original coordinates untouched
            if _is_metric(crs) and crs.to_epsg() == epsg:
                same = in_group & (source_of == key)
                metric[same] = geoms[same]
    return ZoneTable(
        zone_id=_strings([r["zone_id"] for r in rows]),
        kind=_strings([r["kind"] for r in rows]),
        metric_epsg=metric_epsg.astype(np.int64),
        metric_geometry=metric,
        source=_strings([str(r["origin"]) for r in rows]),
        reach_m=np.zeros(len(rows)),
        wgs84_bounds=shapely.bounds(wgs),
        _wgs84=wgs,
    )


def _strings(values: list[str]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _is_metric(crs: CRS) -> bool:
    """A projected CRS in metres that has an EPSG code (GK zones do): measured in as it is."""
    return metric_crs_for(crs, 0.0) is crs and crs.to_epsg() is not None


def _reproject(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    if src.equals(dst):
        return geoms
    tr = transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _check_in_china(rows: list[dict[str, Any]], wgs: np.ndarray) -> None:
    bounds = shapely.bounds(wgs)
    bad = ~within_china(bounds)
    for i in np.flatnonzero(bad):
        row = rows[i]
        raise CatalogError(
            row["origin"], row["zone_id"], "crs",
            f"in {row['crs'].name} the geometry lies outside China (lon/lat bounds "
            f"{np.round(bounds[i], 3).tolist()}); the CRS is probably wrong (zone number in the false "
            "easting? EPSG:4513-4533 have it, 4534-4554 do not)",
        )


def _reach(table: ZoneTable, protected, receptors) -> np.ndarray:
    """How far from each zone a site can still produce a finding (0: only by touching it)."""
    reach = np.zeros(len(table))
    for i, (zone_id, kind) in enumerate(zip(table.zone_id, table.kind)):
        if kind in ("red_line", "water_source"):
            reach[i] = protected[zone_id].buffer_m
        elif kind == "receptor":
            reach[i] = max(s.distance_m for s in receptors[zone_id].setbacks)
    return reach


def _spatial_groups(table: ZoneTable) -> list[SpatialGroup]:
    """One group per metric CRS, in EPSG order; zones keep catalogue order within a group."""
    groups = []
    for epsg in np.unique(table.metric_epsg):
        rows = np.flatnonzero(table.metric_epsg == epsg)
        bounds = table.wgs84_bounds[rows]
        groups.append(
            SpatialGroup(
                crs=CRS.from_epsg(int(epsg)),
                zone_ids=table.zone_id[rows],
                kinds=table.kind[rows],
                geometries=table.metric_geometry[rows],
                reach_m=table.reach_m[rows].astype(float),
                bounds_wgs84=(float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])),
                              float(np.nanmax(bounds[:, 2])), float(np.nanmax(bounds[:, 3]))),
                positions=rows.astype(np.int64),
            )
        )
    return groups


def _check_access_processes(catalog: Catalog) -> None:
    """Process flags in access lists must be flags of the EIA list, which project files use too."""
    from standards.eia_category import load_classification

    flags = load_classification().flags
    lists = [(zone_id, zone.park.access) for zone_id, zone in catalog.parks.items()]
    lists += [(zone_id, unit.access) for zone_id, unit in catalog.control_units.items()]
    lists += [(f"class {cls}", access) for cls, access in catalog.spec.control_unit_access.items()]
    checked: set[int] = set()  # a national catalogue's 40,000 units share a few rule tuples
    for zone_id, access in lists:
        for part in ("prohibited", "restricted", "encouraged"):
            rules = getattr(access, part)
            if not rules or id(rules) in checked:
                continue
            checked.add(id(rules))
            for rule in rules:
                unknown = sorted(set(rule.processes) - set(flags))
                if unknown:
                    raise CatalogError(
                        catalog.source, zone_id, f"access.{part}.processes",
                        f"unknown process flag(s) {', '.join(unknown)}; flags are those of the EIA list "
                        "(standards/data/eia_category/classification-2021.yaml), e.g. electroplating, dyeing",
                    )


def _check_references(catalog: Catalog) -> None:
    _check_access_processes(catalog)
    check_figures(catalog)
    known = catalog.standards
    for zone_id, zone in catalog.parks.items():
        park = zone.park
        for cap in park.caps:
            if cap.metric != "wastewater" and cap.metric not in known.pollutants:
                raise CatalogError(catalog.source, zone_id, "park.caps.metric", f"unknown pollutant {cap.metric!r}")
        for offset in park.offsets:
            if offset.pollutant not in known.pollutants:
                raise CatalogError(catalog.source, zone_id, "park.offsets.pollutant", f"unknown pollutant {offset.pollutant!r}")
        if park.wwtp is not None:
            for std_id in filter(None, (park.wwtp.effluent_standard, park.wwtp.intake_standard)):
                if std_id not in known.standards:
                    raise CatalogError(
                        catalog.source, zone_id, "park.wwtp",
                        f"standard {std_id!r} is not in the standards catalogue "
                        f"(known: {', '.join(sorted(known.standards)) or 'none'})",
                    )
        for std_id in park.local_standards:
            if std_id not in known.standards:
                raise CatalogError(catalog.source, zone_id, "park.local_standards", f"unknown standard {std_id!r}")
