"""Where each site is: its park, its control units, and the protected zones and receptors near it.

The rules, each once, over arrays of sites (one for ``screen``, a chunk for ``batch``):

- the park is the innermost (smallest) park that covers the whole site; a site that only touches
  parks is ``PARTLY_OUTSIDE_PARK``, one that touches none ``OUTSIDE_PARK`` (with the nearest park when
  asked);
- overlapping an ecological red line (生态保护红线) or a drinking-water source protection zone
  (饮用水水源保护区) fails; being within the buffer the catalogue sets is a warning;
- a sensitive receptor closer than the setback for the project's industry fails (the longest matching
  industry prefix of the receptor's setbacks, else its general setback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from standards.select import industry_matches

from .arrays import CatalogueArrays
from .found import Found
from .spatial import join_pairs, nearest_parks

__all__ = ["Placement", "place_sites", "setback_for"]


@dataclass(frozen=True)
class Placement:
    """What the spatial step found for each row: its park (index into ``arrays.parks``, -1 none), its
    control units (codes joined by ``;``), the (row, unit zone) pairs in order, the nearest park of a
    site outside every park, and the findings."""

    park: np.ndarray
    units: np.ndarray
    unit_row: np.ndarray
    unit_zone: np.ndarray
    nearest: np.ndarray
    nearest_m: np.ndarray
    location: list[Found]
    zoning: list[Found]


def place_sites(rows: np.ndarray, xy: np.ndarray, polygons: np.ndarray, industry: np.ndarray, n: int,
                arrays: CatalogueArrays, nearest_park: bool) -> Placement:
    """Join the sites of ``rows`` (their WGS84 points ``xy``; ``polygons`` for polygon sites, else None)
    with the catalogue, and apply the location and zoning rules."""
    catalog = arrays.catalog
    park = np.full(n, -1, dtype=np.int64)
    units = np.full(n, "", dtype=object)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_m = np.full(n, np.nan)
    empty = np.array([], dtype=np.int64)
    if rows.size == 0:
        return Placement(park, units, empty, empty, nearest, nearest_m, [], [])
    polygonal = np.not_equal(polygons, None)
    cache: dict = {}
    if polygonal.any():
        sites = polygons.copy()
        sites[~polygonal] = shapely.points(xy[~polygonal])
        pairs = join_pairs(sites, catalog, cache)
    else:
        pairs = join_pairs(None, catalog, cache, xy=xy)
    site, zone, distance = pairs.site, pairs.zone, pairs.distance
    kind = arrays.kind[zone]
    m = rows.size

    # parks: the innermost covering park; else partly outside; else outside (and the nearest park)
    park_pair = np.flatnonzero(kind == 0)
    covered = park_pair[pairs.covered[park_pair]]
    local_park = np.full(m, -1, dtype=np.int64)
    if covered.size:
        order = np.lexsort((covered, arrays.zone_area[zone[covered]], site[covered]))
        chosen = covered[order]
        first = np.r_[True, site[chosen][1:] != site[chosen][:-1]]
        local_park[site[chosen[first]]] = arrays.zone_park[zone[chosen[first]]]
    touching = np.full(m, -1, dtype=np.int64)  # the first park pair of each site
    touching[site[park_pair][::-1]] = park_pair[::-1]
    partly = (touching >= 0) & (local_park < 0)
    outside = touching < 0
    park[rows] = local_park
    location = []
    if partly.any():
        pair = touching[partly]
        zone_ids = arrays.zone_ids[zone[pair]]
        p = arrays.zone_park[zone[pair]]
        location.append(Found("PARTLY_OUTSIDE_PARK", rows[partly], {
            "park": zone_ids, "park_name": arrays.park_name[p], "park_name_en": arrays.park_name_en[p],
            "overlap_m2": pairs.overlap[pair], "park_area_m2": arrays.zone_area[zone[pair]]}, zone=zone_ids))
    if outside.any():
        values: dict = {"nearest_park": None, "nearest_park_name": None, "nearest_park_name_en": None,
                        "distance_m": None}
        zone_of = None
        if nearest_park:
            near_zone, near_m = nearest_parks(None, catalog, None if polygonal.any() else cache,
                                              np.flatnonzero(outside), xy=xy[outside])
            p = np.where(near_zone >= 0, arrays.zone_park[np.maximum(near_zone, 0)], -1)
            nearest[rows[outside]] = p
            nearest_m[rows[outside]] = np.where(near_zone >= 0, np.round(near_m, 1), np.nan)
            zone_of = np.where(p >= 0, np.array(arrays.parks + [None], dtype=object)[p], None)
            values = {"nearest_park": zone_of, "nearest_park_name": arrays.park_name[p],
                      "nearest_park_name_en": arrays.park_name_en[p], "distance_m": nearest_m[rows[outside]]}
        location.append(Found("OUTSIDE_PARK", rows[outside], values, zone=zone_of))

    # control units, in the order the join gives them
    unit_pairs = np.flatnonzero(kind == 1)
    unit_row, unit_zone = rows[site[unit_pairs]], zone[unit_pairs]
    if unit_pairs.size:
        s = site[unit_pairs]
        codes = arrays.unit_code[zone[unit_pairs]]
        counts = np.bincount(s, minlength=m)
        local = np.full(m, "", dtype=object)
        single = counts[s] == 1
        local[s[single]] = codes[single]
        for i in np.flatnonzero(counts > 1):
            local[i] = ";".join(codes[s == i])
        units[rows] = local

    zoning = _protected(rows, site, zone, distance, pairs.overlap, kind, arrays)
    zoning += _receptors(rows, site, zone, distance, kind, industry, arrays)
    return Placement(park, units, unit_row, unit_zone, nearest, nearest_m, location, zoning)


def _by_distance(pick: np.ndarray, site: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """The pairs ``pick``, site by site, nearest first (ties in join order)."""
    return pick[np.lexsort((pick, distance[pick], site[pick]))]


def _protected(rows, site, zone, distance, overlap, kind, arrays: CatalogueArrays) -> list[Found]:
    blocks = []
    catalog = arrays.catalog
    for kind_code, codes in ((2, ("RED_LINE_OVERLAP", "RED_LINE_PROXIMITY")),
                             (3, ("WATER_SOURCE_OVERLAP", "WATER_SOURCE_PROXIMITY"))):
        pick = _by_distance(np.flatnonzero(kind == kind_code), site, distance)
        if pick.size == 0:
            continue
        zone_ids = arrays.zone_ids[zone[pick]]
        specs = [catalog.protected[z] for z in zone_ids]
        grade = np.array([s.grade for s in specs], dtype=object)
        buffer = np.array([s.buffer_m for s in specs], dtype=float)
        names = arrays.zone_name[zone[pick]]
        over = distance[pick] == 0
        if over.any():
            sources = _objects([(f"catalogue {z} ({src})",) for z, src in
                                zip(zone_ids[over], arrays.zone_source[zone[pick[over]]])])
            blocks.append(Found(codes[0], rows[site[pick[over]]], {
                "zone_name": names[over], "grade": grade[over], "distance_m": 0.0,
                "overlap_m2": overlap[pick[over]]}, zone=zone_ids[over], sources=sources))
        near = ~over
        if near.any():
            sources = _objects([(f"catalogue {z}.protected.buffer_m",) for z in zone_ids[near]])
            blocks.append(Found(codes[1], rows[site[pick[near]]], {
                "zone_name": names[near], "grade": grade[near], "distance_m": distance[pick[near]],
                "buffer_m": buffer[near]}, zone=zone_ids[near], sources=sources))
    return blocks


def _receptors(rows, site, zone, distance, kind, industry, arrays: CatalogueArrays) -> list[Found]:
    pick = _by_distance(np.flatnonzero(kind == 4), site, distance)
    if pick.size == 0:
        return []
    catalog = arrays.catalog
    industries = industry[rows[site[pick]]]
    setbacks = [arrays.memo("setback", (int(z), ind), lambda z=z, ind=ind: setback_for(
        ind, catalog.receptors[arrays.zone_ids[z]].setbacks)) for z, ind in zip(zone[pick], industries)]
    reach = np.array([np.nan if s is None else s.distance_m for s in setbacks])
    inside = distance[pick] < reach
    if not inside.any():
        return []
    hit = pick[inside]
    zone_ids = arrays.zone_ids[zone[hit]]
    chosen = [s for s, keep in zip(setbacks, inside) if keep]
    return [Found("RECEPTOR_SETBACK", rows[site[hit]], {
        "receptor_name": arrays.zone_name[zone[hit]],
        "receptor_type": np.array([catalog.receptors[z].receptor_type for z in zone_ids], dtype=object),
        "industry": industries[inside], "distance_m": distance[hit],
        "setback_m": np.array([s.distance_m for s in chosen]),
        "setback_industries": _objects([tuple(s.industries) for s in chosen])},
        zone=zone_ids,
        sources=_objects([(f"catalogue {z}.receptor.setbacks: {s.basis}",) for z, s in zip(zone_ids, chosen)]))]


def _objects(items: Sequence) -> np.ndarray:
    """An object array of ``items`` (tuples stay tuples: numpy is not asked to make a 2-D array of them)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def setback_for(industry: str, setbacks):
    """The receptor's setback for ``industry``: the longest matching industry prefix, else the general one."""
    specific = [(industry_matches(industry, s.industries), s) for s in setbacks if s.industries]
    specific = [(m, s) for m, s in specific if m]
    if specific:
        return max(specific, key=lambda ms: (len(ms[0]), ms[1].distance_m))[1]
    general = [s for s in setbacks if not s.industries]
    return max(general, key=lambda s: s.distance_m) if general else None
