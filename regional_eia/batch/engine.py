"""The batch engine: :func:`regional_eia.screen`'s decisions, taken over columns.

A chunk of flat rows goes through the same steps as one project, in the same order, each step a
handful of array operations:

1. parse and validate the columns (:mod:`.columns`); a row that is or may be invalid is handed to the
   one-row path (``project_from_data`` then ``locate``) and its error message is the row's reason;
2. locate: every distinct CRS once, pyproj on arrays (GCJ-02 / BD-09 by the published algorithm);
3. the spatial join of :mod:`regional_eia.spatial` (the very functions ``screen`` uses) and the park,
   control units, protected zones and receptors of each site;
4. access lists, standards selection and the EIA category once per distinct key (access list,
   industry, processes; discharge context and pollutant), broadcast to the rows;
5. capacity and offsets with numpy arithmetic in the order ``capacity.py`` computes them, so every
   figure is bit-for-bit the one ``screen`` prints;
6. capacity resolution: ``independent`` against the book's position, or ``sequential`` where an
   admitted project's demand is taken before the next row is screened (state carried across chunks).

``tests/test_batch_equivalence.py`` checks row for row that this engine and ``screen`` agree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from standards import SelectionError, UnitError
from standards.eia_category import classify
from standards.model import TextValue
from standards.select import industry_matches, industry_standards, select_water
from standards.units import UNITS
from zones.catalog import Catalog
from zones.crs import bd09_to_gcj02, is_wgs84, parse_crs, to_wgs84, wgs84_to_gcj02
from zones.errors import CRSError

from ..capacity import CapacityBook, CatalogueBook, final_discharge_concentration
from ..category import DOWNGRADE
from ..errors import ProjectError
from ..locate import CHINA_BOUNDS, locate
from ..project import check_processes, project_from_data
from ..result import FINDING_CODES
from ..review import review_findings
from ..screening import setback_for, access_matches
from ..spatial import join_pairs, nearest_parks
from ..standards_check import _wwtp_class_findings, water_context
from .columns import Parsed, parse_chunk
from .schema import Columns, crs_value, row_to_project_data

__all__ = ["BatchEngine", "Assessed", "CODES", "SEVERITY_OF", "Mode", "OUTPUT_COLUMNS"]

Mode = Literal["independent", "sequential"]
CODES: tuple[str, ...] = tuple(FINDING_CODES)
BIT = {code: np.uint32(1 << i) for i, code in enumerate(CODES)}
SEVERITY_OF = {
    "OUTSIDE_PARK": "fail", "PARTLY_OUTSIDE_PARK": "fail", "RED_LINE_OVERLAP": "fail",
    "RED_LINE_PROXIMITY": "warning", "WATER_SOURCE_OVERLAP": "fail", "WATER_SOURCE_PROXIMITY": "warning",
    "RECEPTOR_SETBACK": "fail", "ACCESS_PROHIBITED": "fail", "ACCESS_RESTRICTED": "conditional",
    "ACCESS_ENCOURAGED": "info", "CAPACITY_EXCEEDED": "fail", "CAPACITY_HIGH_UTILISATION": "warning",
    "OFFSET_REQUIRED": "conditional", "STANDARD_EXCEEDED": "fail", "STANDARD_NOT_COVERED": "warning",
    "POLLUTANT_NOT_DECLARED": "warning", "WORKSHOP_OUTLET_REQUIRED": "incomplete", "OUTFALL_FORBIDDEN": "fail",
    "DATA_MISSING": "incomplete", "EIA_CATEGORY": "info",
    "UNIT_REQUIREMENT": "conditional", "NO_CONTROL_UNIT": "incomplete", "DISCHARGE_NOT_GIVEN": "incomplete",
    "INDUSTRY_PROCESS_MISMATCH": "warning", "WWTP_CLASS_BELOW_REQUIRED": "warning",
    "STACK_BELOW_MINIMUM_HEIGHT": "conditional", "NEW_SOURCE_FORBIDDEN": "fail",
}
_LEVELS = ("fail", "incomplete", "conditional")  # the severities a main reason is taken from
_CODE_INDEX = {code: i for i, code in enumerate(CODES)}
_MASK = {level: np.uint32(sum(int(BIT[c]) for c, s in SEVERITY_OF.items() if s == level))
         for level in ("fail", "incomplete", "conditional", "warning", "info")}
_KINDS = {"park": 0, "control_unit": 1, "red_line": 2, "water_source": 3, "receptor": 4}

OUTPUT_COLUMNS = (
    "row", "project_id", "project_name", "verdict", "codes", "main_code", "main_reason", "park", "control_units",
    "lon", "lat", "nearest_park", "nearest_park_m", "binding_cap", "cap_unit", "cap_remaining", "cap_demand",
    "cap_utilisation_after", "cap_fits", "cap_reduce_by", "reuse_rate_to_fit", "eia_category",
    "regional_category", "capacity_taken_by", "error",
)


@dataclass
class Assessed:
    """A chunk after every step but capacity resolution (which may depend on earlier chunks)."""

    start: int
    n: int
    id: np.ndarray
    name: np.ndarray
    error: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    park: np.ndarray  # index into engine.parks, -1 none
    units: np.ndarray
    nearest: np.ndarray
    nearest_m: np.ndarray
    bits: np.ndarray  # codes of every step but capacity
    first_pre: dict[str, np.ndarray]  # first code (index) of a level before capacity, -1 none
    first_post: dict[str, np.ndarray]
    category: np.ndarray
    qualifies_pre: np.ndarray  # the regional simplification's conditions other than "no failure"
    # capacity entries: one per (row, cap of its park)
    cap_row: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    cap_id: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    demand: np.ndarray = field(default_factory=lambda: np.array([], dtype=float))
    per_m3d: np.ndarray = field(default_factory=lambda: np.array([], dtype=float))
    flow: np.ndarray = field(default_factory=lambda: np.array([], dtype=float))
    has_ww: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))


@dataclass
class Resolved:
    """Capacity positions for a chunk's entries: what was used before each project (in the cap's unit)."""

    committed: np.ndarray
    reserved: np.ndarray
    taken_by: np.ndarray | None = None  # per row: the earlier batch project that took the room


class BatchEngine:
    """Screen chunks of flat rows against one catalogue, on one date, with one capacity book.

    Parameters
    ----------
    catalog
        The loaded catalogue.
    on
        The screening date.
    book
        Committed and reserved capacity (a ledger); default the catalogue's figures. Asked once per cap.
    mode
        ``independent``: every row against the book's position. ``sequential``: rows take capacity in
        input order; a row is admitted (and takes its demand) when its verdict is pass or conditional.
    nearest_park
        Also find, for each site outside every park, the nearest park and its distance (the
        ``nearest_park`` columns; ``screen`` puts them in its OUTSIDE_PARK finding). Off by default:
        in a national batch most sites are outside parks and this search costs as much as the rest
        of the spatial step.
    """

    def __init__(self, catalog: Catalog, on: dt.date, book: CapacityBook | None = None,
                 mode: Mode = "independent", positions: dict | None = None, nearest_park: bool = False):
        self.catalog = catalog
        self.nearest_park = nearest_park
        self.on = on
        self.mode = mode
        zones = catalog.zones
        self.zone_ids = zones["zone_id"].to_numpy()
        self.kind = np.array([_KINDS[k] for k in zones["kind"]], dtype=np.int8)
        self.parks: list[str] = list(catalog.parks)
        park_index = {z: i for i, z in enumerate(self.parks)}
        self.zone_park = np.array([park_index.get(z, -1) for z in self.zone_ids], dtype=np.int64)
        self.park_zone = np.array([zones.index.get_loc(z) for z in self.parks], dtype=np.int64)
        self.zone_area = np.array([shapely.area(g) if k == 0 else np.nan
                                   for g, k in zip(zones["metric_geometry"], self.kind)])
        self._unit_zone_by_code = {}
        for zone_id, unit in catalog.control_units.items():
            self._unit_zone_by_code.setdefault(unit.code, zone_id)
        self.unit_code = np.array([catalog.control_units[z].code if z in catalog.control_units else None
                                   for z in self.zone_ids], dtype=object)
        self._access_ids: dict[int, int] = {}
        self._access_lists: list = []
        self._access_interned: dict = {}
        self._access_cache: dict[tuple, tuple[int, ...]] = {}
        self._setback_cache: dict[tuple[int, str], float] = {}
        self._ctx_cache: dict = {}
        self._sel_cache: dict = {}
        self._category_cache: dict = {}
        self._wwtp_cache: dict = {}
        self._excluded_cache: dict = {}
        self.water_profile = self._water_profiles()
        self._caps(book or CatalogueBook(), positions)
        self._offsets()
        self.sequential_state = _SequentialState(self) if mode == "sequential" else None
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def _timed(self, stage: str):
        began = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - began

    # --- per catalogue -----------------------------------------------------------------------------

    def _caps(self, book: CapacityBook, positions: dict | None) -> None:
        caps, park_of, starts, counts = [], [], [], []
        committed, reserved, sources = [], [], []
        for p, park_id in enumerate(self.parks):
            park = self.catalog.park(park_id)
            starts.append(len(caps))
            counts.append(len(park.caps))
            for cap in park.caps:
                key = (park_id, cap.metric, cap.basis)
                if positions is not None and key in positions:
                    c, r, s = positions[key]
                else:
                    position = book.position(park_id, cap)
                    c, r, s = position.committed, position.reserved, position.source
                caps.append(cap)
                park_of.append(p)
                committed.append(c)
                reserved.append(r)
                sources.append(s)
        self.caps = caps
        self.cap_park = np.array(park_of, dtype=np.int64)
        self.cap_start = np.array(starts, dtype=np.int64)
        self.cap_count = np.array(counts, dtype=np.int64)
        self.cap_committed = committed
        self.cap_reserved = reserved
        self.cap_sources = sources
        self.cap_value = np.array([c.value for c in caps], dtype=float)
        self.cap_label = np.array([f"{c.metric}/{c.basis}" for c in caps], dtype=object)
        self.cap_unit = np.array([c.unit for c in caps], dtype=object)
        self.threshold = np.array([self.catalog.park(self.parks[p]).utilisation_warning
                                   or self.catalog.spec.utilisation_warning for p in park_of], dtype=float)
        kinds: dict[tuple[str, str, str], int] = {}
        self.cap_kind = np.array([kinds.setdefault((c.metric, c.basis, c.unit), len(kinds)) for c in caps],
                                 dtype=np.int64)
        self.cap_kinds = list(kinds)
        self._cap_wwtp: np.ndarray | None = None

    def positions(self) -> dict:
        """The book's positions, as plain data (what a Dask worker needs instead of the book)."""
        return {(self.parks[p], c.metric, c.basis): (self.cap_committed[i], self.cap_reserved[i], self.cap_sources[i])
                for i, (p, c) in enumerate(zip(self.cap_park, self.caps))}

    def _offsets(self) -> None:
        offsets, park_of, starts, counts = [], [], [], []
        for p, park_id in enumerate(self.parks):
            park = self.catalog.park(park_id)
            starts.append(len(offsets))
            counts.append(len(park.offsets))
            offsets.extend(park.offsets)
            park_of.extend([p] * len(park.offsets))
        self.offsets = offsets
        self.offset_park = np.array(park_of, dtype=np.int64)
        self.offset_start = np.array(starts, dtype=np.int64)
        self.offset_count = np.array(counts, dtype=np.int64)

    def _water_profiles(self) -> np.ndarray:
        """Parks that ``water_context`` cannot tell apart share a profile (so a context is built once)."""
        profiles: dict = {}
        ids = []
        for park_id in self.parks:
            park = self.catalog.park(park_id)
            water, wwtp = park.receiving_water, park.wwtp
            key = (park.special_limits, water.target_class if water else None, water.protection_zone if water else None,
                   wwtp.kind if wwtp else None, wwtp.dedicated_industries if wwtp else None,
                   wwtp.intake_standard if wwtp else None, park.local_standards, wwtp is None, water is None,
                   wwtp.effluent_class if wwtp else None, water.kind if water else None)
            ids.append(profiles.setdefault(key, len(profiles)))
        self._profile_park = {}
        for index, profile in enumerate(ids):
            self._profile_park.setdefault(profile, index)
        return np.array(ids, dtype=np.int64)

    def _wwtp_conc(self, park_index: int, pollutant: str) -> float:
        key = (park_index, pollutant)
        if key not in self._wwtp_cache:
            stub = SimpleNamespace(wastewater=SimpleNamespace(route="indirect", effluent={}))
            conc = final_discharge_concentration(stub, self.catalog.park(self.parks[park_index]), pollutant,
                                        self.catalog.standards, self.on)[0]
            self._wwtp_cache[key] = np.nan if conc is None else conc
        return self._wwtp_cache[key]

    # --- one chunk ---------------------------------------------------------------------------------

    def assess(self, table: pa.Table, columns: Columns, start: int = 0, geometry: np.ndarray | None = None,
               geometry_crs=None) -> Assessed:
        """Every step but capacity resolution, for rows ``start .. start + len(table)`` of the input."""
        with self._timed("validate"):
            p = parse_chunk(table, columns, geometry_crs)
            n = p.n
            error = np.full(n, None, dtype=object)
            one_row = _OneRow(table, columns, start, geometry, geometry_crs)
            for i in np.flatnonzero(p.suspect):
                error[i] = one_row.error(i)
            ok = np.equal(error, None)
        with self._timed("locate"):
            sites, wxy, flagged = self._locate(p, ok, geometry, geometry_crs)
            for i in np.flatnonzero(flagged):
                error[i] = one_row.error(i)
            ok &= ~flagged
        with self._timed("category"):
            category, category_error = self._categories(p, ok)
        for i in np.flatnonzero(category_error):
            error[i] = category[i]
            category[i] = None
        ok &= ~category_error

        out = Assessed(
            start=start, n=n, id=p.id, name=p.name, error=error,
            lon=np.full(n, np.nan), lat=np.full(n, np.nan), park=np.full(n, -1, dtype=np.int64),
            units=np.full(n, "", dtype=object), nearest=np.full(n, -1, dtype=np.int64),
            nearest_m=np.full(n, np.nan), bits=np.zeros(n, dtype=np.uint32),
            first_pre={lv: np.full(n, -1, dtype=np.int8) for lv in _LEVELS},
            first_post={lv: np.full(n, -1, dtype=np.int8) for lv in _LEVELS},
            category=category, qualifies_pre=np.zeros(n, dtype=bool),
        )
        rows = np.flatnonzero(ok)
        if rows.size == 0:
            return out
        with self._timed("spatial"):
            self._spatial(p, rows, sites[rows], wxy[rows], out)
        with self._timed("access"):
            self._access(p, rows, out)
        with self._timed("capacity"):
            self._capacity_entries(p, rows, out)
            self._offset_findings(p, rows, out)
        with self._timed("standards"):
            self._standards(p, rows, out)
        with self._timed("category"):
            self._simplification_pre(p, rows, out)
        out.bits[rows] |= BIT["EIA_CATEGORY"]
        with self._timed("review"):
            self._review(p, rows, out)
        return out

    def _review(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        """Unit requirement texts and data gaps: ``review_findings`` once per distinct key."""
        declared = p.has_ww[rows] | p.has_air[rows]
        codes, uniques = _factorize(out.units[rows], p.industry[rows], declared, out.category[rows])
        flags = np.zeros(len(uniques), dtype=np.uint32)
        firsts = {level: np.full(len(uniques), -1, dtype=np.int8) for level in _LEVELS}
        for k, (units, industry, has_any, category) in enumerate(uniques):
            zone_ids = [self._unit_zone_by_code[c] for c in units.split(";")] if units else []
            found = review_findings(self.catalog, industry, zone_ids, has_wastewater=bool(has_any), has_air=False,
                                    category=category)
            for finding in found:
                flags[k] |= BIT[finding.code]
                if finding.severity in firsts and firsts[finding.severity][k] < 0:
                    firsts[finding.severity][k] = _CODE_INDEX[finding.code]
        out.bits[rows] |= flags[codes]
        for level, first in firsts.items():
            current = out.first_post[level][rows]
            out.first_post[level][rows] = np.where(current >= 0, current, first[codes])

    # --- location ----------------------------------------------------------------------------------

    def _locate(self, p: Parsed, ok: np.ndarray, geometry, geometry_crs) -> tuple[np.ndarray, np.ndarray]:
        n = p.n
        sites = np.full(n, None, dtype=object)
        wxy = np.full((n, 2), np.nan)
        flagged = np.zeros(n, dtype=bool)
        lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
        texts = p.crs
        todo = np.flatnonzero(ok)
        if todo.size == 0:
            return sites, wxy, flagged
        codes, uniques = pd.factorize(texts[todo])
        for k, text in enumerate(uniques):
            rows = todo[codes == k]
            try:
                crs = parse_crs(crs_value(text) if isinstance(text, str) else text)
            except CRSError:
                flagged[rows] = True
                continue
            geographic = isinstance(crs, str) or crs.is_geographic
            if geometry is not None:
                geoms = np.asarray(geometry, dtype=object)[rows]
                types = shapely.get_type_id(geoms)
                bad = shapely.is_missing(geoms) | ~np.isin(types, (0, 3, 6))
                bad[~bad] = shapely.is_empty(geoms[~bad]) | ~shapely.is_valid(geoms[~bad])
                bounds = np.full((rows.size, 4), np.nan)
                bounds[~bad] = shapely.bounds(geoms[~bad])
                xmin, ymin, xmax, ymax = bounds.T
            else:
                ll = ~np.isnan(p.lon[rows])
                bad = ll != geographic
                xmin = xmax = np.where(ll, p.lon[rows], p.x[rows])
                ymin = ymax = np.where(ll, p.lat[rows], p.y[rows])
                geoms = None
            if geographic:
                with np.errstate(invalid="ignore"):
                    swapped = (lat_min <= xmin) & (xmax <= lat_max) & (lon_min <= ymin) & (ymax <= lon_max)
                    degrees = (-180 <= xmin) & (xmin <= xmax) & (xmax <= 180) & (-90 <= ymin) & (ymin <= ymax) \
                        & (ymax <= 90)
                bad |= swapped | ~degrees
            good = rows[~bad]
            flagged[rows[bad]] = True
            if good.size == 0:
                continue
            if geoms is None:
                wx, wy = _to_wgs84(xmin[~bad], ymin[~bad], crs)
                wgs = None
                bxmin, bymin, bxmax, bymax = wx, wy, wx, wy
            else:
                wgs = shapely.transform(geoms[~bad], lambda xy: np.column_stack(_to_wgs84(xy[:, 0], xy[:, 1], crs)))
                bxmin, bymin, bxmax, bymax = shapely.bounds(wgs).T
            with np.errstate(invalid="ignore"):
                inside = (lon_min <= bxmin) & (bxmax <= lon_max) & (lat_min <= bymin) & (bymax <= lat_max)
            flagged[good[~inside]] = True
            if wgs is None:
                wxy[good[inside], 0], wxy[good[inside], 1] = wx[inside], wy[inside]
            else:
                sites[good[inside]] = wgs[inside]
                centres = wgs[inside]
                polygonal = shapely.get_type_id(centres) != 0
                centres[polygonal] = shapely.centroid(centres[polygonal])
                wxy[good[inside], 0], wxy[good[inside], 1] = shapely.get_x(centres), shapely.get_y(centres)
        return sites, wxy, flagged

    def _spatial(self, p: Parsed, rows: np.ndarray, sites: np.ndarray, wxy: np.ndarray, out: Assessed) -> None:
        # wxy: each site's WGS84 point (a polygon's centroid); sites: the geometry of polygon sites only
        geometric = ~shapely.is_missing(sites)
        out.lon[rows] = np.round(wxy[:, 0], 7)
        out.lat[rows] = np.round(wxy[:, 1], 7)
        cache: dict = {}
        if geometric.any():
            sites = sites.copy()
            sites[~geometric] = shapely.points(wxy[~geometric])
            pairs = join_pairs(sites, self.catalog, cache)
        else:
            pairs = join_pairs(None, self.catalog, cache, xy=wxy)
        site, zone, distance = pairs.site, pairs.zone, pairs.distance
        kind = self.kind[zone]
        zero = distance == 0
        m = rows.size
        bits = np.zeros(m, dtype=np.uint32)
        fail_first = np.full(m, -1, dtype=np.int8)

        # parks: the innermost covering park; partly outside; outside (with the nearest)
        park_pair = (kind == 0) & zero
        covered = np.flatnonzero(park_pair & pairs.covered)
        park = np.full(m, -1, dtype=np.int64)
        if covered.size:
            order = np.lexsort((covered, self.zone_area[zone[covered]], site[covered]))
            chosen = covered[order]
            first = np.r_[True, site[chosen][1:] != site[chosen][:-1]]
            park[site[chosen[first]]] = self.zone_park[zone[chosen[first]]]
        touches = np.zeros(m, dtype=bool)
        touches[site[park_pair]] = True
        partly = touches & (park < 0)
        outside = ~touches
        bits[partly] |= BIT["PARTLY_OUTSIDE_PARK"]
        bits[outside] |= BIT["OUTSIDE_PARK"]
        fail_first[partly] = _CODE_INDEX["PARTLY_OUTSIDE_PARK"]
        fail_first[outside] = _CODE_INDEX["OUTSIDE_PARK"]
        out.park[rows] = park
        if outside.any() and self.nearest_park:
            near_zone, near_m = nearest_parks(None, self.catalog, None if geometric.any() else cache,
                                              np.flatnonzero(outside), xy=wxy[outside])
            out.nearest[rows[outside]] = np.where(near_zone >= 0, self.zone_park[near_zone], -1)
            out.nearest_m[rows[outside]] = np.where(near_zone >= 0, near_m, np.nan)

        # control units, in the order screen lists them
        unit_pairs = np.flatnonzero((kind == 1) & zero)
        if unit_pairs.size:
            s = site[unit_pairs]
            codes = self.unit_code[zone[unit_pairs]]
            counts = np.bincount(s, minlength=m)
            units = np.full(m, "", dtype=object)
            single = counts[s] == 1
            units[s[single]] = codes[single]
            for i in np.flatnonzero(counts > 1):
                units[i] = ";".join(codes[s == i])
            out.units[rows] = units
        self._unit_pairs = (site[unit_pairs], zone[unit_pairs]) if unit_pairs.size else (
            np.array([], dtype=np.int64), np.array([], dtype=np.int64))

        # protected zones: overlap (fail) or within the buffer (warning), in distance order
        protected = np.flatnonzero((kind == 2) | (kind == 3))
        if protected.size:
            is_red = kind[protected] == 2
            over = zero[protected]
            code = np.where(is_red, np.where(over, _CODE_INDEX["RED_LINE_OVERLAP"], _CODE_INDEX["RED_LINE_PROXIMITY"]),
                            np.where(over, _CODE_INDEX["WATER_SOURCE_OVERLAP"],
                                     _CODE_INDEX["WATER_SOURCE_PROXIMITY"])).astype(np.int8)
            np.bitwise_or.at(bits, site[protected], (np.uint32(1) << code.astype(np.uint32)))
            overlaps = protected[over]
            if overlaps.size:
                order = np.lexsort((overlaps, site[overlaps]))
                first = overlaps[order][np.r_[True, np.diff(site[overlaps][order]) != 0]]
                fail_first[site[first]] = np.where(fail_first[site[first]] >= 0, fail_first[site[first]],
                                                   code[np.searchsorted(protected, first)])
        # receptors inside the industry's setback
        receptor = np.flatnonzero(kind == 4)
        if receptor.size:
            industries = p.industry[rows][site[receptor]]
            setback = np.array([self._setback(int(z), ind) for z, ind in zip(zone[receptor], industries)])
            inside = distance[receptor] < setback
            hit_sites = np.unique(site[receptor[inside]])
            bits[hit_sites] |= BIT["RECEPTOR_SETBACK"]
            fresh = hit_sites[fail_first[hit_sites] < 0]
            fail_first[fresh] = _CODE_INDEX["RECEPTOR_SETBACK"]
        out.bits[rows] |= bits
        out.first_pre["fail"][rows] = fail_first

    def _setback(self, zone: int, industry: str) -> float:
        key = (zone, industry)
        if key not in self._setback_cache:
            receptor = self.catalog.receptors[self.zone_ids[zone]]
            setback = setback_for(industry, receptor.setbacks)
            self._setback_cache[key] = np.nan if setback is None else setback.distance_m
        return self._setback_cache[key]

    # --- access lists ------------------------------------------------------------------------------

    def _access_id(self, zone: int) -> int:
        cached = self._access_ids.get(zone)
        if cached is not None:
            return cached
        zone_id = self.zone_ids[zone]
        if self.kind[zone] == 0:
            access = self.catalog.park(zone_id).access
        else:
            unit = self.catalog.control_units[zone_id]
            own = unit.access
            if not (own.prohibited or own.restricted or own.encouraged):
                key = ("class", unit.unit_class)
                cached = self._access_interned.get(key)
                if cached is None:
                    cached = self._intern(self.catalog.access_for_unit(zone_id))
                    self._access_interned[key] = cached
                self._access_ids[zone] = cached
                return cached
            access = self.catalog.access_for_unit(zone_id)
        interned = self._intern(access)
        self._access_ids[zone] = interned
        return interned

    def _intern(self, access) -> int:
        interned = self._access_interned.setdefault(access, len(self._access_lists))
        if interned == len(self._access_lists):
            self._access_lists.append(access)
        return interned

    def _access(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        unit_site, unit_zone = self._unit_pairs
        park = out.park[rows]
        in_park = np.flatnonzero(park >= 0)
        park_zone = self.park_zone
        site = np.concatenate([in_park, unit_site])
        zone = np.concatenate([park_zone[park[in_park]] if in_park.size else np.array([], dtype=np.int64), unit_zone])
        if site.size == 0:
            return
        list_ids = np.array([self._access_id(int(z)) for z in zone], dtype=np.int64) if zone.size < 50_000 else \
            self._access_ids_many(zone)
        industry = p.industry[rows][site]
        processes = p.processes[rows][site]
        codes, uniques = _factorize(list_ids, industry, processes)
        flags = np.zeros(len(uniques), dtype=np.uint32)
        for k, (list_id, ind, procs) in enumerate(uniques):
            cache_key = (list_id, ind, procs)
            found = self._access_cache.get(cache_key)
            if found is None:
                matches = access_matches(ind, tuple(procs.split(";")) if procs else (), self._access_lists[list_id])
                found = tuple(sorted({_CODE_INDEX[m[1]] for m in matches}))
                self._access_cache[cache_key] = found
            for code in found:
                flags[k] |= np.uint32(1) << np.uint32(code)
        bits = np.zeros(rows.size, dtype=np.uint32)
        np.bitwise_or.at(bits, site, flags[codes])
        out.bits[rows] |= bits
        prohibited = (bits & BIT["ACCESS_PROHIBITED"]) != 0
        first = out.first_pre["fail"][rows]
        first[prohibited & (first < 0)] = _CODE_INDEX["ACCESS_PROHIBITED"]
        out.first_pre["fail"][rows] = first
        restricted = (bits & BIT["ACCESS_RESTRICTED"]) != 0
        out.first_pre["conditional"][rows[restricted]] = _CODE_INDEX["ACCESS_RESTRICTED"]

    def _access_ids_many(self, zone: np.ndarray) -> np.ndarray:
        uniques, inverse = np.unique(zone, return_inverse=True)
        return np.array([self._access_id(int(z)) for z in uniques], dtype=np.int64)[inverse]

    # --- capacity demand and offsets ---------------------------------------------------------------

    def _capacity_entries(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        park = out.park[rows]
        in_park = np.flatnonzero(park >= 0)
        if in_park.size == 0 or not self.caps:
            return
        counts = self.cap_count[park[in_park]]
        entry_row = np.repeat(rows[in_park], counts)
        offsets_in = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cap_id = np.repeat(self.cap_start[park[in_park]], counts) + offsets_in
        demand = np.full(cap_id.size, np.nan)
        per = np.full(cap_id.size, np.nan)
        flow = p.flow[entry_row]
        has_ww = p.has_ww[entry_row]
        direct = p.route[entry_row] == "direct"
        days = p.days[entry_row]
        cap_kind = self.cap_kind[cap_id]
        if self._cap_wwtp is None:
            self._cap_wwtp = np.array([
                self._wwtp_conc(int(pk), c.metric) if c.metric != "wastewater" and c.basis == "final_discharge"
                else np.nan for pk, c in zip(self.cap_park, self.caps)], dtype=float)
        for k, (metric, basis, unit) in enumerate(self.cap_kinds):
            sel = np.flatnonzero(cap_kind == k)
            if sel.size == 0:
                continue
            dst = UNITS[unit].factor
            hw, dr, fl, dy = has_ww[sel], direct[sel], flow[sel], days[sel]
            sewer = basis == "sewer_intake"
            if metric == "wastewater":
                d = np.where(hw, np.where(sewer & dr, 0.0, fl * UNITS["m3/d"].factor / dst), 0.0)
                pm = np.where(hw, np.where(sewer & dr, np.nan, 1.0), 1.0)
            elif basis == "emission":
                column = p.emissions.get(metric)
                if column is None:
                    d = np.zeros(sel.size)
                else:
                    values, src_unit = column
                    v = values[entry_row[sel]]
                    d = np.where(np.isnan(v), 0.0, v * UNITS[src_unit].factor / dst)
                pm = np.full(sel.size, np.nan)
            else:
                own = self._own_conc(p, metric, entry_row[sel])
                if sewer:
                    conc = own
                else:
                    wwtp = self._cap_wwtp[cap_id[sel]]
                    conc = np.where(dr, own, wwtp)
                load = conc * fl * dy * 1e-6
                d = load * 1.0 / dst  # convert(load, "t/a", unit)
                with np.errstate(divide="ignore", invalid="ignore"):
                    pm = np.where(fl != 0, (load / fl) * 1.0 / dst, np.nan)
                zero_demand = ~hw | (sewer & dr)
                d = np.where(zero_demand, 0.0, d)
                pm = np.where(~hw, 0.0, np.where(sewer & dr, np.nan, pm))
            demand[sel] = d
            per[sel] = pm
        out.cap_row, out.cap_id, out.demand, out.per_m3d = entry_row, cap_id, demand, per
        out.flow, out.has_ww = flow, has_ww

    def _own_conc(self, p: Parsed, pollutant: str, rows: np.ndarray) -> np.ndarray:
        column = p.effluent.get(pollutant)
        if column is None:
            return np.full(rows.size, np.nan)
        values, unit = column
        return values[rows] * UNITS[unit].factor / UNITS["mg/L"].factor

    def _offset_findings(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        park = out.park[rows]
        in_park = rows[park >= 0]
        if in_park.size == 0 or not self.offsets:
            return
        counts = self.offset_count[out.park[in_park]]
        entry_row = np.repeat(in_park, counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        offset_id = np.repeat(self.offset_start[out.park[in_park]], counts) + within
        missing = np.zeros(p.n, dtype=bool)
        required = np.zeros(p.n, dtype=bool)
        pollutant_of = np.array([o.pollutant for o in self.offsets], dtype=object)[offset_id]
        for pollutant in np.unique(pollutant_of) if offset_id.size else []:
            sel = pollutant_of == pollutant
            r, owners = entry_row[sel], self.offset_park[offset_id[sel]]
            media = self.catalog.standards.pollutants[pollutant].media
            increment = np.full(r.size, np.nan)
            decided = np.zeros(r.size, dtype=bool)
            if "air" in media and pollutant in p.emissions:
                values, unit = p.emissions[pollutant]
                v = values[r]
                air = p.has_air[r] & ~np.isnan(v)
                increment[air] = v[air] * UNITS[unit].factor / UNITS["t/a"].factor
                decided |= air
            if "water" in media:
                water = ~decided & p.has_ww[r]
                own = self._own_conc(p, pollutant, r)
                wwtp = np.array([self._wwtp_conc(int(k), pollutant) for k in range(len(self.parks))])[owners] \
                    if water.any() else np.full(r.size, np.nan)
                conc = np.where(p.route[r] == "direct", own, wwtp)
                lacking = water & (np.isnan(conc) | np.isnan(p.days[r]))
                missing[r[lacking]] = True
                ok = water & ~lacking
                increment[ok] = conc[ok] * p.flow[r][ok] * p.days[r][ok] * 1e-6
            required[r[~np.isnan(increment) & (increment != 0)]] = True
        out.bits[missing] |= BIT["DATA_MISSING"]
        out.bits[required] |= BIT["OFFSET_REQUIRED"]
        out.first_post["incomplete"][missing] = _CODE_INDEX["DATA_MISSING"]
        out.first_post["conditional"][required] = _CODE_INDEX["OFFSET_REQUIRED"]

    # --- standards ---------------------------------------------------------------------------------

    def _standards(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        rows = rows[p.has_ww[rows]]
        if rows.size == 0:
            return
        park = out.park[rows]
        profile = np.where(park >= 0, self.water_profile[np.maximum(park, 0)], -1)
        key_codes, uniques = _factorize(p.industry[rows], p.route[rows],
                                        np.where(np.equal(p.rwc[rows], None), "", p.rwc[rows]).astype(object),
                                        p.new_outfall[rows], profile, p.processes[rows])
        ctx_of_key = []
        contexts: list = []
        ctx_index: dict = {}
        mismatch_of_key = []
        for industry, route, rwc, new_outfall, prof, processes in uniques:
            flags = tuple(processes.split(";")) if processes else ()
            stub = SimpleNamespace(industry=industry, processes=flags, wastewater=SimpleNamespace(
                receiving_water_class=rwc or None, route=route, new_outfall=bool(new_outfall)))
            owner = self._profile_park[prof] if prof >= 0 else None
            ctx = water_context(stub, self.catalog.park(self.parks[owner]) if owner is not None else None, self.on)
            mismatch_of_key.append(any(m.mismatch for m in industry_standards(self.catalog.standards, industry, flags,
                                                                              "water")))
            if ctx not in ctx_index:
                ctx_index[ctx] = len(contexts)
                contexts.append(ctx)
            ctx_of_key.append(ctx_index[ctx])
        ctx = np.array(ctx_of_key, dtype=np.int64)[key_codes]
        info = [self._context_info(c) for c in contexts]
        sel_error = np.array([i[0] for i in info], dtype=object)
        row_error = sel_error[ctx]
        fail = np.zeros(rows.size, dtype=bool)
        incomplete_first = np.full(rows.size, -1, dtype=np.int8)
        bits = np.zeros(rows.size, dtype=np.uint32)
        forbidden = row_error == "OUTFALL_FORBIDDEN"
        data_missing = row_error == "DATA_MISSING"
        bits[np.array(mismatch_of_key, dtype=bool)[key_codes]] |= BIT["INDUSTRY_PROCESS_MISMATCH"]
        if getattr(self, "_wwtp_low", None) is None:  # parks whose WWTP class is laxer than their water asks
            self._wwtp_low = np.array([bool(_wwtp_class_findings(self.catalog.park(pid), pid, self.catalog))
                                       for pid in self.parks] + [False], dtype=bool)
        wwtp_low = self._wwtp_low
        bits[wwtp_low[np.where(park >= 0, park, -1)] & (p.route[rows] == "indirect") & np.equal(row_error, None)] \
            |= BIT["WWTP_CLASS_BELOW_REQUIRED"]
        bits[forbidden] |= BIT["OUTFALL_FORBIDDEN"]
        bits[data_missing] |= BIT["DATA_MISSING"]
        incomplete_first[data_missing] = _CODE_INDEX["DATA_MISSING"]
        live = np.equal(row_error, None)

        declared = self._declared(p, rows)
        # pollutants listed by the industry standard but not declared
        undeclared = np.zeros(rows.size, dtype=bool)
        for pollutant in sorted({pol for i in info for pol in i[1]}):
            listed = np.array([pollutant in i[1] for i in info], dtype=bool)[ctx] & live
            given = declared.get(pollutant)
            undeclared |= listed if given is None else listed & ~given
        bits[undeclared] |= BIT["POLLUTANT_NOT_DECLARED"]

        for pollutant in sorted(declared):
            has = declared[pollutant] & live
            if not has.any():
                continue
            code = self._check_pollutant(p, rows, pollutant, has, ctx, contexts)
            exceeded = code == _CODE_INDEX["STANDARD_EXCEEDED"]
            fail |= exceeded
            inc = (code == _CODE_INDEX["DATA_MISSING"]) | (code == _CODE_INDEX["WORKSHOP_OUTLET_REQUIRED"])
            incomplete_first[inc & (incomplete_first < 0)] = code[inc & (incomplete_first < 0)]
            present = code >= 0
            bits[present] |= (np.uint32(1) << code[present].astype(np.uint32))
        out.bits[rows] |= bits
        first_fail = np.where(forbidden, _CODE_INDEX["OUTFALL_FORBIDDEN"],
                              np.where(fail, _CODE_INDEX["STANDARD_EXCEEDED"], -1)).astype(np.int8)
        out.first_post["fail"][rows] = first_fail
        current = out.first_post["incomplete"][rows]
        out.first_post["incomplete"][rows] = np.where(current >= 0, current, incomplete_first)

    def _declared(self, p: Parsed, rows: np.ndarray) -> dict[str, np.ndarray]:
        declared: dict[str, np.ndarray] = {}
        for table in (p.effluent, p.workshop):
            for pollutant, (values, _) in table.items():
                present = ~np.isnan(values[rows])
                declared[pollutant] = declared.get(pollutant, np.zeros(rows.size, dtype=bool)) | present
        has_ph = ~np.isnan(p.ph_min[rows])
        if has_ph.any():
            declared["pH"] = declared.get("pH", np.zeros(rows.size, dtype=bool)) | has_ph
        return declared

    def _context_info(self, ctx) -> tuple[str | None, tuple[str, ...]]:
        cached = self._ctx_cache.get(ctx)
        if cached is None:
            try:
                listed = select_water(self.catalog.standards, ctx, None)
            except SelectionError as exc:
                cached = (exc.code, ())
            else:
                cached = (None, tuple(sorted(
                    pol for pol, sel in listed.items()
                    if sel.limit is not None and sel.limit.standard_kind == "industry")))
            self._ctx_cache[ctx] = cached
        return cached

    def _selection(self, ctx, pollutant: str):
        key = (ctx, pollutant)
        if key not in self._sel_cache:
            self._sel_cache[key] = select_water(self.catalog.standards, ctx, [pollutant])[pollutant]
        return self._sel_cache[key]

    def _check_pollutant(self, p: Parsed, rows: np.ndarray, pollutant: str, has: np.ndarray, ctx: np.ndarray,
                         contexts: list) -> np.ndarray:
        """The finding code (index, -1 none) of each row's figure for one pollutant, as ``_water_checks``."""
        code = np.full(rows.size, -1, dtype=np.int8)
        used = np.unique(ctx[has])
        if pollutant == "pH":
            low = np.full(len(contexts), np.nan)
            high = np.full(len(contexts), np.nan)
            for c in used:
                sel = self._selection(contexts[c], pollutant)
                if sel.covered and isinstance(sel.figure, tuple):
                    low[c], high[c] = sel.figure
            lo, hi = low[ctx], high[ctx]
            checked = has & ~np.isnan(lo)
            bad = checked & ~((lo <= p.ph_min[rows]) & (p.ph_max[rows] <= hi))
            code[bad] = _CODE_INDEX["STANDARD_EXCEEDED"]
            return code
        eff = p.effluent.get(pollutant)
        ws = p.workshop.get(pollutant)
        eff_v = eff[0][rows] if eff else np.full(rows.size, np.nan)
        ws_v = ws[0][rows] if ws else np.full(rows.size, np.nan)
        n_ctx = len(contexts)
        ws_point = np.zeros(n_ctx, dtype=bool)
        covered = np.zeros(n_ctx, dtype=bool)
        text = np.zeros(n_ctx, dtype=bool)
        detection = np.full(n_ctx, np.nan)
        figure = np.full(n_ctx, np.nan)
        factor = {"eff": (np.ones(n_ctx), np.ones(n_ctx), np.zeros(n_ctx, dtype=bool)),
                  "ws": (np.ones(n_ctx), np.ones(n_ctx), np.zeros(n_ctx, dtype=bool))}
        for c in used:
            sel = self._selection(contexts[c], pollutant)
            limit = sel.limit
            ws_point[c] = limit is not None and limit.monitoring_point == "workshop_outlet"
            covered[c] = sel.covered
            if not sel.covered:
                continue
            text[c] = sel.figure_text is not None
            if text[c]:
                if isinstance(limit.value, TextValue) and limit.value.detection_limit is not None:
                    detection[c] = limit.value.detection_limit
            else:
                figure[c] = sel.figure
            for which, column in (("eff", eff), ("ws", ws)):
                if column is None:
                    continue
                src, dst, ok = factor[which]
                try:
                    src_unit, dst_unit = UNITS[column[1]], _unit(limit.unit, column[1])
                except UnitError:
                    continue
                src[c], dst[c], ok[c] = src_unit.factor, dst_unit.factor, True
        wp = ws_point[ctx]
        eff_present = ~np.isnan(eff_v)
        ws_present = ~np.isnan(ws_v)
        required = has & wp & ~ws_present
        code[required] = _CODE_INDEX["WORKSHOP_OUTLET_REQUIRED"]
        use_ws = wp | ~eff_present
        todo = has & ~required
        cov = covered[ctx]
        code[todo & ~cov] = _CODE_INDEX["STANDARD_NOT_COVERED"]
        todo &= cov
        src = np.where(use_ws, factor["ws"][0][ctx], factor["eff"][0][ctx])
        dst = np.where(use_ws, factor["ws"][1][ctx], factor["eff"][1][ctx])
        unit_ok = np.where(use_ws, factor["ws"][2][ctx], factor["eff"][2][ctx])
        code[todo & ~unit_ok] = _CODE_INDEX["DATA_MISSING"]
        todo &= unit_ok
        value = np.where(use_ws, ws_v, eff_v) * src / dst
        is_text = text[ctx]
        det = detection[ctx]
        with np.errstate(invalid="ignore"):
            text_rows = todo & is_text & (value != 0)
            code[text_rows & np.isnan(det)] = _CODE_INDEX["DATA_MISSING"]
            code[text_rows & ~np.isnan(det) & ~(value < det)] = _CODE_INDEX["STANDARD_EXCEEDED"]
            numeric = todo & ~is_text
            code[numeric & ~(value <= figure[ctx] + 1e-12)] = _CODE_INDEX["STANDARD_EXCEEDED"]
        return code

    # --- EIA category ------------------------------------------------------------------------------

    def _categories(self, p: Parsed, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        category = np.full(p.n, None, dtype=object)
        failed = np.zeros(p.n, dtype=bool)
        rows = np.flatnonzero(ok)
        if rows.size == 0:
            return category, failed
        codes, uniques = _factorize(p.industry[rows], p.processes[rows])
        results = []
        for industry, processes in uniques:
            key = (industry, processes)
            if key not in self._category_cache:
                flags = tuple(processes.split(";")) if processes else ()
                try:
                    check_processes(flags)  # the Project model's own check, so the message is screen's
                    self._category_cache[key] = (True, classify(industry, flags).category)
                except ValueError as exc:
                    self._category_cache[key] = (False, f"processes: {exc}")
            results.append(self._category_cache[key])
        good = np.array([r[0] for r in results], dtype=bool)[codes]
        category[rows] = np.array([r[1] for r in results], dtype=object)[codes]
        failed[rows] = ~good
        return category, failed

    def _simplification_pre(self, p: Parsed, rows: np.ndarray, out: Assessed) -> None:
        """The regional simplification's conditions other than "no failure" (see ``category.py``)."""
        if not hasattr(self, "_assessment_ok"):
            valid, water_bad, air_bad = [], [], []
            for park_id in self.parks:
                spec = self.catalog.park(park_id)
                assessment = spec.regional_assessment
                ok = assessment is not None
                if ok:
                    expires = assessment.approved.replace(year=assessment.approved.year + assessment.valid_years)
                    ok = not (self.on >= expires or assessment.approval_freeze)
                valid.append(ok)
                water = spec.receiving_water
                water_bad.append(water is not None and not water.attained)
                air_bad.append(not spec.air_attained)
            self._assessment_ok = np.array(valid + [False], dtype=bool)
            self._water_bad = np.array(water_bad + [False], dtype=bool)
            self._air_bad = np.array(air_bad + [False], dtype=bool)
        park = out.park[rows]
        good = self._assessment_ok[park]
        good &= ~(self._water_bad[park] & p.has_ww[rows]) & ~(self._air_bad[park] & p.has_air[rows])
        candidates = np.flatnonzero(good)
        if candidates.size:
            codes, uniques = _factorize(park[candidates], p.industry[rows][candidates])
            excluded = np.array([self._excluded(int(k), ind) for k, ind in uniques], dtype=bool)[codes]
            good[candidates[excluded]] = False
        out.qualifies_pre[rows] = good

    def _excluded(self, park: int, industry: str) -> bool:
        key = (park, industry)
        if key not in self._excluded_cache:
            assessment = self.catalog.park(self.parks[park]).regional_assessment
            self._excluded_cache[key] = bool(industry_matches(industry, assessment.excluded_industries))
        return self._excluded_cache[key]

    # --- capacity resolution and the output rows ---------------------------------------------------

    def capacity_demands(self, a: Assessed) -> dict:
        """What sequential resolution needs of a chunk (small: only rows in parks)."""
        base_bad = (a.bits & (_MASK["fail"] | _MASK["incomplete"])) != 0
        return {"start": a.start, "cap_row": a.cap_row, "cap_id": a.cap_id, "demand": a.demand,
                "base_ok": ~base_bad, "id": a.id}

    def resolve(self, a: Assessed) -> Resolved:
        """Positions for the chunk's entries: fixed (independent), or after the earlier rows (sequential)."""
        if self.sequential_state is not None:
            with self._timed("sequential"):
                return self.sequential_state.take(self.capacity_demands(a))
        committed = np.array(self.cap_committed, dtype=float)[a.cap_id] if len(self.caps) else np.array([])
        reserved = np.array(self.cap_reserved, dtype=float)[a.cap_id] if len(self.caps) else np.array([])
        return Resolved(committed, reserved)

    def finish(self, a: Assessed, resolved: Resolved) -> Finished:
        """The output rows of a chunk, in input order."""
        n = a.n
        e = a.cap_id
        value = self.cap_value[e]
        used = resolved.committed + resolved.reserved
        remaining = value - used
        demand = a.demand
        known = ~np.isnan(demand)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            fits = known & (demand <= remaining + 1e-9)
            misfit = known & ~fits
            util_after = (used + demand) / value
            reduce_by = np.where(misfit, demand - np.maximum(remaining, 0.0), np.nan)
            can_flow = misfit & a.has_ww & ~np.isnan(a.per_m3d) & (a.per_m3d != 0)
            max_flow = np.where(can_flow, np.maximum(remaining, 0.0) / a.per_m3d, np.nan)
            reuse = np.where(can_flow & (a.flow != 0),
                             np.minimum(1.0, np.maximum(0.0, 1 - max_flow / a.flow)), np.nan)
        high = fits & (util_after > self.threshold[e])
        cap_bits = np.zeros(n, dtype=np.uint32)
        np.bitwise_or.at(cap_bits, a.cap_row[~known], BIT["DATA_MISSING"])
        np.bitwise_or.at(cap_bits, a.cap_row[misfit], BIT["CAPACITY_EXCEEDED"])
        np.bitwise_or.at(cap_bits, a.cap_row[high], BIT["CAPACITY_HIGH_UTILISATION"])
        bits = a.bits | cap_bits
        ok = np.equal(a.error, None)

        verdict = np.full(n, "pass", dtype=object)
        verdict[(bits & _MASK["conditional"]) != 0] = "conditional"
        verdict[(bits & _MASK["incomplete"]) != 0] = "incomplete"
        verdict[(bits & _MASK["fail"]) != 0] = "fail"
        verdict[~ok] = "error"

        main = np.full(n, -1, dtype=np.int8)
        cap_first = {"fail": np.where((cap_bits & BIT["CAPACITY_EXCEEDED"]) != 0, _CODE_INDEX["CAPACITY_EXCEEDED"], -1),
                     "incomplete": np.where((cap_bits & BIT["DATA_MISSING"]) != 0, _CODE_INDEX["DATA_MISSING"], -1),
                     "conditional": np.full(n, -1)}
        for level in _LEVELS:
            undecided = (main < 0) & ((bits & _MASK[level]) != 0)
            for candidate in (a.first_pre[level], cap_first[level], a.first_post[level]):
                take = undecided & (candidate >= 0)
                main[take] = candidate[take]
                undecided &= ~take

        # the binding cap of each row: the highest utilisation after the project (the first of equals)
        binding = np.full(n, -1, dtype=np.int64)
        if e.size:
            score = np.where(known, util_after, -np.inf)
            order = np.lexsort((np.arange(e.size), -score, a.cap_row))
            first = order[np.r_[True, a.cap_row[order][1:] != a.cap_row[order][:-1]]]
            binding[a.cap_row[first]] = first
        has_binding = binding >= 0
        b = binding[has_binding]

        qualifies = ok & a.qualifies_pre & (verdict != "fail")
        category_codes, categories = pd.factorize(np.where(ok, a.category, None), use_na_sentinel=True)
        regional_names = [DOWNGRADE.get(c) for c in categories]
        regional_codes = np.where(qualifies & (category_codes >= 0), category_codes, -1)
        regional_codes = np.where(regional_codes >= 0, np.array([i if r else -1 for i, r in enumerate(regional_names)]
                                                                + [-1])[regional_codes], -1)

        # main reason: the main code's description, or the row's error
        error_codes, error_texts = pd.factorize(np.where(ok, None, a.error), use_na_sentinel=True)
        reasons = [FINDING_CODES[c] for c in CODES] + [""] + list(error_texts)
        reason = np.where(main >= 0, main, len(CODES)).astype(np.int64)
        reason[~ok] = len(CODES) + 1 + error_codes[~ok]

        def by_row(values, fill=np.nan):
            column = np.full(n, fill, dtype=values.dtype if values.dtype != object else object)
            column[has_binding] = values[b]
            return column

        fits_column = pa.array(by_row(fits.astype(float)), mask=~by_row(known.astype(float), 0.0).astype(bool)) \
            .cast(pa.bool_())
        bits = np.where(ok, bits, 0).astype(np.uint32)
        table = pa.table({
            "row": pa.array(np.arange(a.start, a.start + n, dtype=np.int64) + 1),
            "project_id": pa.array(a.id, type=pa.string(), from_pandas=True),
            "project_name": pa.array(a.name, type=pa.string(), from_pandas=True),
            "verdict": _strings(_VERDICT_INDEX(verdict), list(_VERDICTS)),
            "codes": _codes_column(bits, ok),
            "main_code": _strings(main.astype(np.int64), list(CODES)),
            "main_reason": _strings(reason, reasons),
            "park": _strings(a.park, self.parks),
            "control_units": pa.array(np.where(ok, a.units, None), type=pa.string(), from_pandas=True),
            "lon": pa.array(a.lon, from_pandas=True),
            "lat": pa.array(a.lat, from_pandas=True),
            "nearest_park": _strings(a.nearest, self.parks),
            "nearest_park_m": pa.array(a.nearest_m, from_pandas=True),
            "binding_cap": _strings(by_row(e.astype(np.int64), -1), list(self.cap_label)),
            "cap_unit": _strings(by_row(e.astype(np.int64), -1), list(self.cap_unit)),
            "cap_remaining": pa.array(by_row(remaining), from_pandas=True),
            "cap_demand": pa.array(by_row(demand), from_pandas=True),
            "cap_utilisation_after": pa.array(by_row(util_after), from_pandas=True),
            "cap_fits": fits_column,
            "cap_reduce_by": pa.array(by_row(reduce_by), from_pandas=True),
            "reuse_rate_to_fit": pa.array(by_row(reuse), from_pandas=True),
            "eia_category": _strings(category_codes, list(categories)),
            "regional_category": _strings(regional_codes, [r or "" for r in regional_names]),
            "capacity_taken_by": pa.array(resolved.taken_by if resolved.taken_by is not None
                                          else np.full(n, None, object), type=pa.string(), from_pandas=True),
            "error": _strings(np.where(ok, -1, error_codes), list(error_texts)),
        })
        admitted = (verdict == "pass") | (verdict == "conditional")
        return Finished(table, bits, verdict, {"row": a.cap_row, "cap": e, "demand": demand, "remaining": remaining,
                                               "fits": fits, "util_after": util_after,
                                               "admitted": admitted[a.cap_row]})


_VERDICTS = ("pass", "conditional", "fail", "incomplete", "error")


def _VERDICT_INDEX(verdict: np.ndarray) -> np.ndarray:
    index = np.zeros(len(verdict), dtype=np.int64)
    for i, name in enumerate(_VERDICTS):
        index[verdict == name] = i
    return index


def _strings(indices: np.ndarray, dictionary: list) -> pa.Array:
    """A string column from indices into ``dictionary`` (-1: null), without a Python string per row."""
    indices = np.asarray(indices, dtype=np.int64)
    missing = indices < 0
    values = pa.array([str(v) if v is not None else "" for v in dictionary] or [""], type=pa.string())
    coded = pa.DictionaryArray.from_arrays(pa.array(np.where(missing, 0, indices).astype(np.int32), mask=missing),
                                           values)
    return coded.cast(pa.string())


def _codes_column(bits: np.ndarray, ok: np.ndarray) -> pa.Array:
    uniques, inverse = np.unique(bits, return_inverse=True)
    texts = [";".join(c for c in CODES if int(u) & int(BIT[c])) for u in uniques]
    return _strings(inverse.ravel().astype(np.int64), texts)


@dataclass
class Finished:
    """A chunk's output rows (an Arrow table in :data:`OUTPUT_COLUMNS` order) and what the summary needs."""

    table: pa.Table
    bits: np.ndarray
    verdict: np.ndarray
    caps: dict

    def __len__(self) -> int:
        return self.table.num_rows

    def frame(self) -> pd.DataFrame:
        return self.table.to_pandas()


def _factorize(*arrays) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the distinct rows of several parallel arrays, and those rows as tuples."""
    combined = np.zeros(len(arrays[0]), dtype=np.int64)
    for array in arrays:
        codes, uniques = pd.factorize(array, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.ravel(), [tuple(array[i] for array in arrays) for i in first]


def _unit(limit_unit: str, source_unit: str):
    from standards.units import convert, parse_unit

    convert(1.0, source_unit, limit_unit)  # raises UnitError across dimensions
    return parse_unit(limit_unit)


def _to_wgs84(x: np.ndarray, y: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    """``zones.crs.to_wgs84``, with the GCJ-02 inverse iterated per point as one point alone would be."""
    if isinstance(crs, str):
        if crs == "bd09":
            x, y = bd09_to_gcj02(x, y)
        return _gcj02_to_wgs84_per_point(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if is_wgs84(crs):
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return to_wgs84(x, y, crs)


def _gcj02_to_wgs84_per_point(lon: np.ndarray, lat: np.ndarray, tol: float = 1e-10):
    # zones.crs.gcj02_to_wgs84 stops when every point of the array has converged; a point alone stops
    # when it has. Freezing each point as it converges gives each the figures ``screen`` computes.
    wlon, wlat = lon.copy(), lat.copy()
    active = np.ones(lon.size, dtype=bool)
    for _ in range(30):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        glon, glat = wgs84_to_gcj02(wlon[idx], wlat[idx])
        elon, elat = glon - lon[idx], glat - lat[idx]
        wlon[idx] = wlon[idx] - elon
        wlat[idx] = wlat[idx] - elat
        done = (np.abs(elon) < tol) & (np.abs(elat) < tol)
        active[idx[done]] = False
    return wlon, wlat


class _OneRow:
    """The one-row path for a suspect row: the project as a file would give it, then ``locate``."""

    def __init__(self, table: pa.Table, columns: Columns, start: int, geometry, geometry_crs):
        self.table, self.columns, self.start = table, columns, start
        self.geometry, self.geometry_crs = geometry, geometry_crs

    def row(self, i: int) -> dict:
        return self.table.slice(i, 1).to_pylist()[0]

    def error(self, i: int) -> str:
        source = f"row {self.start + i + 1}"
        geometry = self.geometry[i] if self.geometry is not None else None
        try:
            data = row_to_project_data(self.row(i), self.columns, source, geometry, self.geometry_crs)
            project = project_from_data(data, source)
            locate(project.location, source)
        except ProjectError as exc:
            return f"{exc.field}: {exc.why}" if exc.field else exc.why
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. non-finite coordinates from a layer
            return f"location: cannot place the site ({exc})"
        return ("internal: the batch refused this row but a single screening accepts it; screen it alone "
                "and report the difference")


class _SequentialState:
    """Capacity taken so far by admitted rows of the batch, per cap, in input order."""

    def __init__(self, engine: BatchEngine):
        self.engine = engine
        self.consumed = [0.0] * len(engine.caps)
        self.history: list[list[float]] = [[] for _ in engine.caps]  # remaining after each admitted row
        self.takers: list[list[str]] = [[] for _ in engine.caps]

    def take(self, demands: dict) -> Resolved:
        engine = self.engine
        cap_row, cap_id, demand = demands["cap_row"], demands["cap_id"], demands["demand"]
        n = len(demands["base_ok"])
        committed = np.array(engine.cap_committed, dtype=float)[cap_id] if engine.caps else np.array([])
        reserved = np.empty(cap_id.size)
        taken_by = np.full(n, None, dtype=object)
        ids = demands["id"]
        base_ok = demands["base_ok"]
        values = engine.cap_value
        starts = np.flatnonzero(np.r_[True, cap_row[1:] != cap_row[:-1]]) if cap_row.size else np.array([], int)
        ends = np.r_[starts[1:], cap_row.size]
        cap_list = cap_id.tolist()
        demand_list = demand.tolist()
        for s, t in zip(starts.tolist(), ends.tolist()):
            row = int(cap_row[s])
            admitted = bool(base_ok[row])
            first_misfit = None
            for k in range(s, t):
                c = cap_list[k]
                r = engine.cap_reserved[c] + self.consumed[c]
                reserved[k] = r
                d = demand_list[k]
                if d != d:  # unknown demand: incomplete, not admitted
                    admitted = False
                    continue
                remaining = values[c] - (engine.cap_committed[c] + r)
                if not d <= remaining + 1e-9:
                    admitted = False
                    if first_misfit is None:
                        first_misfit = (c, d)
            if admitted:
                for k in range(s, t):
                    c = cap_list[k]
                    self.consumed[c] = self.consumed[c] + demand_list[k]
                    self.history[c].append(values[c] - (engine.cap_committed[c]
                                                        + (engine.cap_reserved[c] + self.consumed[c])))
                    self.takers[c].append(str(ids[row]))
            elif first_misfit is not None:
                c, d = first_misfit
                before = values[c] - (engine.cap_committed[c] + engine.cap_reserved[c])
                if d <= before + 1e-9:  # it would have fitted without the batch's earlier projects
                    history = self.history[c]
                    # remaining falls with each admitted row: find the first after which d no longer fits
                    lo, hi = 0, len(history)
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if d <= history[mid] + 1e-9:
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo < len(history):
                        taken_by[row] = self.takers[c][lo]
        return Resolved(committed, reserved, taken_by)



def result_row(result, error: str | None = None) -> dict:
    """The output row ``batch`` writes for a :class:`~regional_eia.result.ScreeningResult` (or an error).

    This is the contract between the two paths: for every input row, the batch engine's row equals
    ``result_row(screen(project))`` on verdict, codes, park, control units, nearest park, the binding
    cap's figures and the EIA category (lon/lat to 7 decimals, distances to 0.1 m).
    """
    if error is not None:
        return {"verdict": "error", "codes": "", "main_code": None, "error": error}
    codes = {f.code for f in result.findings}
    main = None
    for level in _LEVELS:
        main = next((f.code for f in result.findings if f.severity == level), None)
        if main:
            break
    outside = next((f for f in result.findings if f.code == "OUTSIDE_PARK"), None)
    row = {
        "project_id": result.project_id,
        "verdict": result.verdict,
        "codes": ";".join(c for c in CODES if c in codes),
        "main_code": main,
        "park": result.location.park,
        "control_units": ";".join(result.location.control_units),
        "lon": result.location.point_wgs84[0],
        "lat": result.location.point_wgs84[1],
        "nearest_park": outside.values.get("nearest_park") if outside else None,
        "nearest_park_m": outside.values.get("distance_m") if outside else None,
        "eia_category": result.eia_category.category if result.eia_category else None,
        "regional_category": result.eia_category.regional_category if result.eia_category else None,
        "error": None,
    }
    binding = None
    for check in result.capacity:
        score = check.utilisation_after if check.demand is not None else -np.inf
        if binding is None or score > binding[0]:
            binding = (score, check)
    check = binding[1] if binding else None
    row.update({
        "binding_cap": f"{check.metric}/{check.basis}" if check else None,
        "cap_unit": check.unit if check else None,
        "cap_remaining": check.remaining if check else None,
        "cap_demand": check.demand if check else None,
        "cap_utilisation_after": check.utilisation_after if check else None,
        "cap_fits": check.fits if check else None,
        "cap_reduce_by": check.reduce_by if check else None,
        "reuse_rate_to_fit": check.reuse_rate_to_fit if check else None,
    })
    return row
