"""Every site against every zone in one pass: STRtree queries per metric CRS, distances in metres."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from zones.catalog import Catalog
from zones.crs import WGS84, transformer

__all__ = ["SpatialHits", "spatial_join"]

_POINT_TYPES = (0, 4)


@dataclass(frozen=True)
class SpatialHits:
    """Pairs (site, zone) within reach, as a frame with columns
    ``site, zone_id, kind, distance_m, covered, overlap_m2``, sorted by site then distance."""

    frame: pd.DataFrame

    def for_site(self, index: int) -> pd.DataFrame:
        return self.frame.iloc[self._starts[index] : self._starts[index + 1]] if len(self.frame) else self.frame

    def __post_init__(self) -> None:
        sites = self.frame["site"].to_numpy() if len(self.frame) else np.array([], dtype=int)
        object.__setattr__(self, "_sites", sites)

    def with_count(self, n_sites: int) -> SpatialHits:
        starts = np.searchsorted(self._sites, np.arange(n_sites + 1))
        object.__setattr__(self, "_starts", starts)
        return self


def _degrees(reach_m: float) -> float:
    # a safe over-estimate of reach in degrees up to 60N (1 degree of lon >= 55 km there)
    return reach_m / 55_000.0 + 1e-6


def spatial_join(sites_wgs84: np.ndarray, catalog: Catalog) -> SpatialHits:
    """Find, for each site, the zones it touches or is near enough to matter.

    Parameters
    ----------
    sites_wgs84
        Array of shapely geometries (points or polygons) in WGS84; ``None`` entries are skipped.
    catalog
        A loaded catalogue. Each group of zones sharing a metric CRS is queried once, with every
        candidate site reprojected into that CRS: distances and overlaps are in metres.

    Returns
    -------
    SpatialHits
        One row per (site, zone) pair within the catalogue's largest reach.
    """
    sites_wgs84 = np.asarray(sites_wgs84, dtype=object)
    present = np.array([g is not None for g in sites_wgs84], dtype=bool)
    reach = catalog.max_buffer_m
    parts = []
    if present.any():
        bounds = np.full((len(sites_wgs84), 4), np.nan)
        bounds[present] = shapely.bounds(sites_wgs84[present])
        for group in catalog.groups:
            parts.append(_query_group(group, sites_wgs84, bounds, present, reach))
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    frame = frame.sort_values(["site", "distance_m"], kind="stable").reset_index(drop=True)
    return SpatialHits(frame).with_count(len(sites_wgs84))


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": pd.Series(dtype=int),
            "zone_id": pd.Series(dtype=object),
            "kind": pd.Series(dtype=object),
            "distance_m": pd.Series(dtype=float),
            "covered": pd.Series(dtype=bool),
            "overlap_m2": pd.Series(dtype=float),
        }
    )


def _query_group(group, sites, bounds, present, reach) -> pd.DataFrame:
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
        return _empty()
    tr = transformer(WGS84, group.crs)
    local = shapely.transform(
        sites[candidates], lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    )
    site_pos, zone_pos = group.tree.query(local, predicate="dwithin", distance=reach)
    if site_pos.size == 0:
        return _empty()
    site_geoms = local[site_pos]
    zone_geoms = group.geometries[zone_pos]
    distance = shapely.distance(site_geoms, zone_geoms)
    kinds = group.kinds[zone_pos]
    zone_ids = group.zone_ids[zone_pos]
    keep = (distance == 0) | (distance <= group.reach_m[zone_pos])
    site_geoms, zone_geoms, distance = site_geoms[keep], zone_geoms[keep], distance[keep]
    site_pos, kinds, zone_ids = site_pos[keep], kinds[keep], zone_ids[keep]
    covered = shapely.covered_by(site_geoms, zone_geoms)
    overlap = np.zeros(len(site_geoms))
    polygonal = ~np.isin(shapely.get_type_id(site_geoms), _POINT_TYPES) & (distance == 0)
    if polygonal.any():
        overlap[polygonal] = shapely.area(shapely.intersection(site_geoms[polygonal], zone_geoms[polygonal]))
    return pd.DataFrame(
        {
            "site": candidates[site_pos],
            "zone_id": zone_ids,
            "kind": kinds,
            "distance_m": distance,
            "covered": covered,
            "overlap_m2": overlap,
        }
    )
