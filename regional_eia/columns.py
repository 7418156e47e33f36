"""Projects as columns: what every screening step reads, for one project or a million.

:class:`ProjectColumns` holds one array per fact (industry, coordinates, flow, each pollutant's
concentration ...), NaN or None where a project does not give it. :func:`columns_from_projects` builds
it from :class:`~regional_eia.project.Project` models (``screen``); :func:`regional_eia.batch.columns.parse_chunk`
builds the same from a chunk of flat rows (``batch``). The steps of :mod:`regional_eia.pipeline` never
see where the columns came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from standards.units import UNITS, parse_unit

from .arrays import unique
from .errors import LocationError, detached
from .project import Project

__all__ = ["Measure", "Stacks", "ProjectColumns", "columns_from_projects", "no_stacks"]


@dataclass(frozen=True)
class Measure:
    """One quantity of every project: values (NaN where not given) and their unit (one, or one per row)."""

    values: np.ndarray
    unit: str | np.ndarray

    def given(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def take(self, rows: np.ndarray) -> Measure:
        return Measure(self.values[rows], self.unit if isinstance(self.unit, str) else self.unit[rows])

    def units(self) -> list[str]:
        if isinstance(self.unit, str):
            return [self.unit]
        return [u for u in unique(self.unit[self.given()]) if u is not None]

    def to(self, target: str) -> tuple[np.ndarray, np.ndarray]:
        """``(values in target, converts)``: each value as ``standards.units.convert`` gives it, and whether
        its unit has the target's dimension (where not, the value is NaN)."""
        dst = parse_unit(target)
        if isinstance(self.unit, str):
            src = UNITS[self.unit]
            if src.dimension != dst.dimension:
                return np.full(self.values.shape, np.nan), np.zeros(self.values.shape, dtype=bool)
            return self.values * src.factor / dst.factor, np.ones(self.values.shape, dtype=bool)
        out = np.full(self.values.shape, np.nan)
        ok = np.zeros(self.values.shape, dtype=bool)
        for unit in self.units():
            src = UNITS[unit]
            if src.dimension != dst.dimension:
                continue
            rows = self.unit == unit
            out[rows] = self.values[rows] * src.factor / dst.factor
            ok[rows] = True
        return out, ok

    def text(self, i: int) -> str | None:
        """Value ``i`` as the project gave it: ``'180 mg/L'``."""
        value = self.values[i]
        if np.isnan(value):
            return None
        unit = self.unit if isinstance(self.unit, str) else self.unit[i]
        return f"{value:g} {unit}"


@dataclass(frozen=True)
class Stacks:
    """Point sources (排气筒) as a long table: one entry per stack and pollutant, with the stack's facts."""

    row: np.ndarray  # the project of each entry
    stack: np.ndarray  # stack id
    height_m: np.ndarray
    source_type: np.ndarray
    fuel: np.ndarray
    taller: np.ndarray  # taller than the buildings within 200 m by 5 m
    pollutant: np.ndarray
    concentration: Measure  # NaN where the stack gives no concentration of the pollutant
    rate: Measure

    def __len__(self) -> int:
        return len(self.row)


def no_stacks() -> Stacks:
    empty = np.array([], dtype=object)
    return Stacks(np.array([], dtype=np.int64), empty, np.array([]), empty, empty, np.array([], dtype=bool),
                  empty, Measure(np.array([]), "mg/m3"), Measure(np.array([]), "kg/h"))


@dataclass
class ProjectColumns:
    """A set of projects as arrays (see the module docstring). ``error`` holds, per project, the
    :class:`~regional_eia.errors.ProjectError` that keeps it from being screened (None for most)."""

    n: int
    id: np.ndarray
    name: np.ndarray
    industry: np.ndarray
    processes: np.ndarray  # ";"-joined flags
    crs: np.ndarray  # as given: EPSG int or text, WKT, gcj02, bd09, or a pyproj CRS
    lon: np.ndarray  # lon/lat in a geographic CRS ...
    lat: np.ndarray
    x: np.ndarray  # ... or x/y in a projected one
    y: np.ndarray
    has_ww: np.ndarray
    route: np.ndarray
    flow: np.ndarray  # m3/d
    days: np.ndarray
    ph_min: np.ndarray
    ph_max: np.ndarray
    rwc: np.ndarray  # receiving-water class given by the project
    new_outfall: np.ndarray
    has_air: np.ndarray
    effluent: dict[str, Measure] = field(default_factory=dict)
    workshop: dict[str, Measure] = field(default_factory=dict)
    emissions: dict[str, Measure] = field(default_factory=dict)
    geometry: np.ndarray | None = None  # site geometries in their own CRS (polygons, or points from a layer)
    stacks: Stacks = field(default_factory=no_stacks)
    eia_approved: np.ndarray | None = None  # the EIA approval date of an existing enterprise (None: proposed)
    receiving_kind: np.ndarray | None = None  # river, lake, reservoir or sea, of the water the project names
    projects: np.ndarray | None = None  # the Project models (screen), for the rules of air sources; None in batch
    error: np.ndarray | None = None
    source: np.ndarray | None = None  # what errors name: the project file ...
    row_start: int | None = None  # ... or "row 12" of a batch chunk that starts at this row

    def __post_init__(self) -> None:
        if self.eia_approved is None:
            self.eia_approved = np.full(self.n, None, dtype=object)
        if self.receiving_kind is None:
            self.receiving_kind = np.full(self.n, None, dtype=object)

    def source_of(self, i: int) -> str:
        """What an error about project ``i`` names."""
        if self.source is not None:
            return self.source[i]
        if self.row_start is not None:
            return f"row {self.row_start + i + 1}"
        return str(self.id[i])


def columns_from_projects(projects: Sequence[Project], sources: Sequence[str] | None = None) -> ProjectColumns:
    """The columns of ``projects`` (already validated models), in order."""
    n = len(projects)
    nan = np.full(n, np.nan)
    obj = np.full(n, None, dtype=object)
    cols = ProjectColumns(
        n=n, id=np.array([p.id for p in projects], dtype=object),
        name=np.array([p.name for p in projects], dtype=object),
        industry=np.array([p.industry for p in projects], dtype=object),
        processes=np.array([";".join(p.processes) for p in projects], dtype=object),
        crs=np.array([p.location.crs for p in projects] + [None], dtype=object)[:n],
        lon=nan.copy(), lat=nan.copy(), x=nan.copy(), y=nan.copy(),
        has_ww=np.array([p.wastewater is not None for p in projects], dtype=bool),
        route=obj.copy(), flow=nan.copy(), days=nan.copy(), ph_min=nan.copy(), ph_max=nan.copy(), rwc=obj.copy(),
        new_outfall=np.ones(n, dtype=bool), has_air=np.array([p.air is not None for p in projects], dtype=bool),
        error=obj.copy(),
        source=np.array(list(sources) if sources is not None else [p.id for p in projects], dtype=object),
    )
    geometry = obj.copy()
    for i, project in enumerate(projects):
        loc = project.location
        if loc.lon is not None:
            cols.lon[i], cols.lat[i] = loc.lon, loc.lat
        elif loc.x is not None:
            cols.x[i], cols.y[i] = loc.x, loc.y
        else:
            try:
                geometry[i] = _site_geometry(loc, cols.source[i])
            except LocationError as exc:
                cols.error[i] = detached(exc)
        ww = project.wastewater
        if ww is not None:
            cols.route[i] = ww.route
            cols.flow[i] = ww.flow.to("m3/d")
            cols.days[i] = np.nan if ww.operating_days is None else ww.operating_days
            if ww.pH is not None:
                cols.ph_min[i], cols.ph_max[i] = ww.pH.min, ww.pH.max
            cols.rwc[i] = ww.receiving_water_class
            cols.new_outfall[i] = ww.new_outfall
    if np.not_equal(geometry, None).any():
        cols.geometry = geometry
    cols.effluent = _measures(n, [p.wastewater.effluent if p.wastewater else {} for p in projects])
    cols.workshop = _measures(n, [p.wastewater.workshop_effluent if p.wastewater else {} for p in projects])
    cols.emissions = _measures(n, [p.air.emissions if p.air else {} for p in projects])
    cols.stacks = _stacks(projects)
    cols.eia_approved = np.array([getattr(p, "eia_approved", None) for p in projects] + [None], dtype=object)[:n]
    cols.receiving_kind = np.array([getattr(p.wastewater, "receiving_water_kind", None) if p.wastewater else None
                                    for p in projects] + [None], dtype=object)[:n]
    cols.projects = np.array(list(projects) + [None], dtype=object)[:n]
    return cols


def _measures(n: int, tables: list[dict]) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for pollutant in sorted({key for table in tables for key in table}):
        values = np.full(n, np.nan)
        units = np.full(n, None, dtype=object)
        for i, table in enumerate(tables):
            q = table.get(pollutant)
            if q is not None:
                values[i], units[i] = q.value, q.unit
        out[pollutant] = Measure(values, units)
    return out


def _stacks(projects: Sequence[Project]) -> Stacks:
    entries = []
    for i, project in enumerate(projects):
        if project.air is None:
            continue
        for stack in project.air.stacks:
            for pollutant in sorted(set(stack.concentrations) | set(stack.rates)):
                entries.append((i, stack, pollutant))
    if not entries:
        return no_stacks()
    conc = [e[1].concentrations.get(e[2]) for e in entries]
    rate = [e[1].rates.get(e[2]) for e in entries]
    return Stacks(
        row=np.array([e[0] for e in entries], dtype=np.int64),
        stack=np.array([e[1].id for e in entries], dtype=object),
        height_m=np.array([e[1].height_m for e in entries], dtype=float),
        source_type=np.array([e[1].source_type for e in entries], dtype=object),
        fuel=np.array([e[1].fuel for e in entries], dtype=object),
        taller=np.array([e[1].taller_than_buildings_within_200m_by_5m for e in entries], dtype=bool),
        pollutant=np.array([e[2] for e in entries], dtype=object),
        concentration=Measure(np.array([np.nan if q is None else q.value for q in conc]),
                              np.array([None if q is None else q.unit for q in conc], dtype=object)),
        rate=Measure(np.array([np.nan if q is None else q.value for q in rate]),
                     np.array([None if q is None else q.unit for q in rate], dtype=object)),
    )


def _site_geometry(location, source: str) -> shapely.Geometry:
    """A site given as WKT or GeoJSON, parsed (still in its own CRS)."""
    try:
        geom = shapely.from_wkt(location.wkt) if location.wkt else shapely.geometry.shape(location.geojson)
    except (shapely.errors.GEOSException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise LocationError(source, "location", f"cannot parse the site geometry: {exc}") from exc
    return geom
