"""Every site against every zone in one pass: STRtree queries per metric CRS, distances in metres.

The same functions serve one project (:func:`regional_eia.screen`) and a million
(:mod:`regional_eia.batch`): :func:`join_pairs` gives the (site, zone) pairs within reach as arrays,
:func:`nearest_parks` the park nearest to each site outside every park. The trees each metric-CRS
group needs are built once per catalogue and kept with its :class:`~regional_eia.arrays.CatalogueArrays`
(the catalogue's own frozen types are never written to).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from zones.catalog import Catalog, SpatialGroup
from zones.crs import WGS84, transformer

__all__ = ["Pairs", "join_pairs", "nearest_parks"]

_POINT_TYPES = (0, 4)


@dataclass(frozen=True)
class Pairs:
    """(site, zone) pairs within reach as parallel arrays; ``zone`` is the row position in
    ``catalog.table``. In query order (group, then zones of reach 0, then the others)."""

    site: np.ndarray
    zone: np.ndarray
    distance: np.ndarray
    covered: np.ndarray
    overlap: np.ndarray

    def __len__(self) -> int:
        return len(self.site)


def _degrees(reach_m: float) -> float:
    # a safe over-estimate of reach in degrees up to 60N (1 degree of lon >= 55 km there)
    return reach_m / 55_000.0 + 1e-6


def _no_pairs() -> Pairs:
    return Pairs(np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=float),
                 np.array([], dtype=bool), np.array([], dtype=float))


@dataclass(frozen=True)
class _GroupIndex:
    """What a group needs for fast queries, built once per catalogue and kept on the group."""

    positions: np.ndarray  # row position in catalog.table of each zone of the group
    touching: tuple[np.ndarray, shapely.STRtree] | None  # zones of reach 0: found by intersecting
    reaching: tuple[np.ndarray, shapely.STRtree, float] | None  # zones with a buffer or setback
    parks: tuple[np.ndarray, shapely.STRtree, tuple[float, float, float, float], shapely.STRtree] | None


def _index(group: SpatialGroup, catalog: Catalog) -> _GroupIndex:
    from .arrays import arrays_for

    return arrays_for(catalog).memo("group_index", id(group), lambda: _build_index(group, catalog))


def _build_index(group: SpatialGroup, catalog: Catalog) -> _GroupIndex:
    positions = group.positions
    zero = np.flatnonzero(group.reach_m == 0)
    rest = np.flatnonzero(group.reach_m > 0)
    parks = np.flatnonzero(group.kinds == "park")
    return _GroupIndex(
        positions=positions,
        touching=(zero, shapely.STRtree(group.geometries[zero])) if zero.size else None,
        reaching=(rest, shapely.STRtree(group.geometries[rest]), float(group.reach_m[rest].max()))
        if rest.size else None,
        parks=(parks, shapely.STRtree(group.geometries[parks]),
               _total_bounds(catalog.table.wgs84_bounds[positions[parks]]),
               shapely.STRtree(shapely.centroid(group.geometries[parks])))
        if parks.size else None,
    )


def _total_bounds(bounds: np.ndarray) -> tuple[float, float, float, float]:
    return (float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])),
            float(np.nanmax(bounds[:, 2])), float(np.nanmax(bounds[:, 3])))


def _to_local(geoms: np.ndarray | None, crs, xy: np.ndarray | None = None) -> np.ndarray:
    tr = transformer(WGS84, crs)
    if xy is not None:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return shapely.points(x, y)
    types = shapely.get_type_id(geoms)
    if np.all(types == 0):
        xy = shapely.get_coordinates(geoms)
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return shapely.points(x, y)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def join_pairs(sites_wgs84: np.ndarray | None, catalog: Catalog, local_cache: dict | None = None,
               xy: np.ndarray | None = None) -> Pairs:
    """Every (site, zone) pair within the zone's reach, as arrays (see :class:`Pairs`).

    A zone of reach 0 (parks, control units, protected zones without buffer) pairs with the sites
    that intersect it; any other with the sites within its reach. Distances, overlaps and
    coverage are measured in the group's metric CRS. ``local_cache``, when given, keeps each group's
    reprojected sites for :func:`nearest_parks`. Point sites may be given as ``xy`` (an n x 2 array of
    lon/lat, NaN for none) instead of geometries, which saves making a million points twice.
    """
    if xy is not None:
        present = ~np.isnan(xy[:, 0])
        bounds = np.column_stack([xy, xy])
    else:
        sites_wgs84 = np.asarray(sites_wgs84, dtype=object)
        present = ~shapely.is_missing(sites_wgs84)
        bounds = np.full((len(sites_wgs84), 4), np.nan)
        if present.any():
            bounds[present] = shapely.bounds(sites_wgs84[present])
    if not present.any():
        return _no_pairs()
    parts = [_query_group(group, catalog, sites_wgs84, bounds, present, local_cache, xy) for group in catalog.groups]
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return _no_pairs()
    return Pairs(*(np.concatenate([getattr(p, f) for p in parts]) for f in Pairs.__dataclass_fields__))


def _query_group(group: SpatialGroup, catalog: Catalog, sites, bounds, present, local_cache=None,
                 xy=None) -> Pairs | None:
    index = _index(group, catalog)
    reach = index.reaching[2] if index.reaching else 0.0
    pad = _degrees(reach)
    gx0, gy0, gx1, gy1 = group.bounds_wgs84
    candidates = np.flatnonzero(
        present
        & (bounds[:, 2] >= gx0 - pad)
        & (bounds[:, 0] <= gx1 + pad)
        & (bounds[:, 3] >= gy0 - pad)
        & (bounds[:, 1] <= gy1 + pad)
    )
    if candidates.size == 0:
        return None
    if xy is not None:
        local = _to_local(None, group.crs, xy[candidates])
        polygonal_site = np.zeros(len(local), dtype=bool)
    else:
        local = _to_local(sites[candidates], group.crs)
        polygonal_site = ~np.isin(shapely.get_type_id(local), _POINT_TYPES)
    if local_cache is not None:
        local_cache[id(group)] = (candidates, local)
    parts = []
    if index.touching is not None:
        members, tree = index.touching
        site_pos, member_pos = tree.query(local, predicate="intersects")
        zone_pos = members[member_pos]
        covered = np.ones(site_pos.size, dtype=bool)
        overlap = np.zeros(site_pos.size)
        poly = polygonal_site[site_pos]
        if poly.any():
            covered[poly] = shapely.covered_by(local[site_pos[poly]], group.geometries[zone_pos[poly]])
            overlap[poly] = shapely.area(shapely.intersection(local[site_pos[poly]], group.geometries[zone_pos[poly]]))
        parts.append((site_pos, zone_pos, np.zeros(site_pos.size), covered, overlap))
    if index.reaching is not None:
        members, tree, max_reach = index.reaching
        site_pos, member_pos = tree.query(local, predicate="dwithin", distance=max_reach)
        zone_pos = members[member_pos]
        distance = shapely.distance(local[site_pos], group.geometries[zone_pos])
        keep = (distance == 0) | (distance <= group.reach_m[zone_pos])
        site_pos, zone_pos, distance = site_pos[keep], zone_pos[keep], distance[keep]
        touching = distance == 0
        covered = touching.copy()
        overlap = np.zeros(site_pos.size)
        poly = polygonal_site[site_pos] & touching
        if poly.any():
            covered[poly] = shapely.covered_by(local[site_pos[poly]], group.geometries[zone_pos[poly]])
            overlap[poly] = shapely.area(shapely.intersection(local[site_pos[poly]], group.geometries[zone_pos[poly]]))
        parts.append((site_pos, zone_pos, distance, covered, overlap))
    if not parts:
        return None
    site_pos, zone_pos, distance, covered, overlap = (np.concatenate(a) for a in zip(*parts))
    return Pairs(candidates[site_pos].astype(np.int64), index.positions[zone_pos], distance.astype(float),
                 covered, overlap)


# --- the nearest park ------------------------------------------------------------------------------

_EARTH_M = 6_371_000.0


def _lower_bound_m(lon: np.ndarray, lat: np.ndarray, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Half the great-circle distance from each point to the nearest point of a lon/lat box (clamped):
    a safe lower bound of the distance to anything inside the box measured in a metric CRS."""
    x0, y0, x1, y1 = bbox
    cx = np.clip(lon, x0, x1)
    cy = np.clip(lat, y0, y1)
    p1, p2 = np.radians(lat), np.radians(cy)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(cx - lon) / 2) ** 2
    return 0.5 * 2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def nearest_parks(points_wgs84: np.ndarray | None, catalog: Catalog, local_cache: dict | None = None,
                  sites: np.ndarray | None = None, xy: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The nearest park to each WGS84 point, and its distance in metres in the park's metric CRS.

    Returns ``(zone, distance)``: ``zone`` the row position in ``catalog.table`` (-1 when the
    catalogue has no park, or for a missing point), ``distance`` in metres (inf then). Of two parks
    at the same distance the one listed first in the catalogue is taken. Each metric-CRS group is
    queried only for the points it could hold a nearer park for. With ``local_cache`` from
    :func:`join_pairs` and ``sites`` (each point's position among the sites joined there), points
    already reprojected into a group are not reprojected again.
    """
    if xy is not None:
        points = None
        n = len(xy)
        present = ~np.isnan(xy[:, 0])
    else:
        points = np.asarray(points_wgs84, dtype=object)
        n = len(points)
        present = ~shapely.is_missing(points)
    best_zone = np.full(n, -1, dtype=np.int64)
    best_distance = np.full(n, np.inf)
    groups = [(g, _index(g, catalog)) for g in catalog.groups]
    groups = [(g, ix) for g, ix in groups if ix.parks is not None]
    if not groups or not present.any():
        return best_zone, best_distance
    if xy is not None:
        lon, lat = xy[:, 0], xy[:, 1]
    else:
        lon = np.where(present, shapely.get_x(points), np.nan)
        lat = np.where(present, shapely.get_y(points), np.nan)
    bounds = np.stack([_lower_bound_m(lon, lat, ix.parks[2]) for _, ix in groups])
    first = np.argmin(np.where(np.isnan(bounds), np.inf, bounds), axis=0)
    for rank in (0, 1):
        for gi, (group, ix) in enumerate(groups):
            if rank == 0:
                todo = present & (first == gi)
            else:
                todo = present & (first != gi) & (bounds[gi] <= best_distance)
            todo = np.flatnonzero(todo)
            if todo.size == 0:
                continue
            local = _cached_local(points, todo, group, local_cache, sites, xy)
            site_pos, zone, distance = _nearest_in_group(local, group, ix)
            # of ties, the park first in the catalogue: sort by site, distance, zone and keep the first
            order = np.lexsort((zone, distance, site_pos))
            site_pos, zone, distance = site_pos[order], zone[order], distance[order]
            first_of_site = np.r_[True, site_pos[1:] != site_pos[:-1]]
            rows = todo[site_pos[first_of_site]]
            zone, distance = zone[first_of_site], distance[first_of_site]
            better = (distance < best_distance[rows]) | (
                (distance == best_distance[rows]) & (zone < best_zone[rows]))
            best_zone[rows[better]] = zone[better]
            best_distance[rows[better]] = distance[better]
    return best_zone, best_distance


def _cached_local(points, todo, group, local_cache, sites, xy=None):
    def fresh(which):
        return _to_local(None, group.crs, xy[which]) if xy is not None else _to_local(points[which], group.crs)

    cached = local_cache.get(id(group)) if local_cache is not None and sites is not None else None
    if cached is None:
        return fresh(todo)
    candidates, local = cached
    wanted = sites[todo]
    position = np.minimum(np.searchsorted(candidates, wanted), max(len(candidates) - 1, 0))
    found = (candidates[position] == wanted) if len(candidates) else np.zeros(len(wanted), dtype=bool)
    out = np.empty(len(todo), dtype=object)
    out[found] = local[position[found]]
    if (~found).any():
        out[~found] = fresh(todo[~found])
    return out


def _nearest_in_group(local: np.ndarray, group: SpatialGroup, ix: _GroupIndex):
    """Every park of the group at the least distance from each point: (point, zone, distance) triples.

    The park whose centroid is nearest gives an upper bound ``u`` of the distance; only the parks
    within ``u`` of the point can be nearer, and their exact distances (GEOS, as
    ``STRtree.query_nearest`` computes them) decide. Several times faster than a
    nearest-neighbour search over polygons, with the same answer.
    """
    members, tree, _, centroids = ix.parks
    geoms = group.geometries[members]
    point_pos, first = centroids.query_nearest(local, all_matches=False)
    bound = np.full(len(local), np.inf)
    bound[point_pos] = shapely.distance(local[point_pos], geoms[first])
    point_pos, member_pos = tree.query(local, predicate="dwithin", distance=bound)
    distance = shapely.distance(local[point_pos], geoms[member_pos])
    nearest = np.full(len(local), np.inf)
    np.minimum.at(nearest, point_pos, distance)
    keep = distance == nearest[point_pos]
    return point_pos[keep], ix.positions[members[member_pos[keep]]], distance[keep]
