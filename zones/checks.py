"""Checks a loaded catalogue must pass: data gaps and CRS mistakes that would otherwise screen silently.

- A file whose features lie far (more than :data:`ISOLATED_KM`) from every zone of the other files was
  almost always read in the wrong CRS: the neighbouring 3-degree Gauss-Kruger zone moves it about 285
  km. The error names the EPSG code under which it would lie with the rest.
- A zone-number-form Gauss-Kruger file (EPSG:4513-4533) whose x values carry another zone number in
  their false easting, and a central-meridian-form file (EPSG:4534-4554) whose x values carry one.
- A park that no control unit covers or touches, when the catalogue has control units (三线一单 covers
  all land: the unit layers are incomplete or misplaced).

Each raises :class:`~zones.errors.CatalogError` naming the file, the zone and the likely fix.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from .crs import WGS84, transformer
from .errors import CatalogError

__all__ = ["check_catalog", "ISOLATED_KM"]

ISOLATED_KM = 30.0
_KM_PER_DEGREE = 111.0


def check_catalog(catalog) -> list[str]:
    """Raise for the mistakes above; return warnings for what is only worth a look."""
    warnings: list[str] = []
    _check_zone_numbers(catalog)
    _check_isolated_files(catalog)
    _check_parks_have_units(catalog, warnings)
    return warnings


def _gk_zone(epsg: int) -> tuple[int, bool] | None:
    """(zone number, zone number in the false easting) of a CGCS2000 3-degree GK EPSG code."""
    if 4513 <= epsg <= 4533:
        return 25 + epsg - 4513, True
    if 4534 <= epsg <= 4554:
        return 25 + epsg - 4534, False
    return None


def _check_zone_numbers(catalog) -> None:
    zones = catalog.zones
    for (source, epsg), part in zones.groupby(["source", "metric_epsg"], sort=False):
        gk = _gk_zone(int(epsg))
        if gk is None:
            continue
        zone, numbered = gk
        xmin = float(np.min(shapely.bounds(part["metric_geometry"].to_numpy())[:, 0]))
        if numbered and int(xmin // 1e6) != zone and xmin > 1e6:
            carried = int(xmin // 1e6)
            right = f"EPSG:{4513 + carried - 25}" if 25 <= carried <= 45 else "the EPSG of that zone"
            raise CatalogError(source, str(part.index[0]), "crs",
                               f"x = {xmin:.0f} carries zone number {carried} in its false easting, but EPSG:{epsg} "
                               f"is zone {zone}: the file is probably in {right}")


def _check_isolated_files(catalog) -> None:
    zones = catalog.zones
    sources = list(dict.fromkeys(zones["source"]))
    if len(sources) < 2:
        return
    wgs = zones.geometry.to_numpy()
    source_of = zones["source"].to_numpy()
    for source in sources:
        mine = source_of == source
        others = wgs[~mine]
        if others.size == 0:
            continue
        sample = wgs[mine][:: max(1, int(mine.sum()) // 64)]  # one close feature clears the file: try a few first
        if _gap_km(sample, others) <= ISOLATED_KM:
            continue
        gap_km = _gap_km(wgs[mine], others)
        if gap_km <= ISOLATED_KM:
            continue
        hint = _better_epsg(catalog, mine, others)
        raise CatalogError(
            source, None, "crs",
            f"its {int(mine.sum())} features lie {gap_km:,.0f} km from every zone of the other files (no park, "
            f"no other layer within {ISOLATED_KM:g} km): the CRS is probably wrong{hint}",
        )


def _gap_km(geoms: np.ndarray, others: np.ndarray) -> float:
    tree = shapely.STRtree(others)
    nearest = tree.query_nearest(geoms, all_matches=False, return_distance=True)
    return float(np.min(nearest[1])) * _KM_PER_DEGREE if len(nearest[1]) else float("inf")


def _better_epsg(catalog, mine: np.ndarray, others: np.ndarray) -> str:
    """'; in EPSG:X it lies with the rest' for the neighbouring GK zone that places the file right."""
    zones = catalog.zones
    epsgs = np.unique(zones["metric_epsg"].to_numpy()[mine])
    if len(epsgs) != 1:
        return ""
    epsg = int(epsgs[0])
    gk = _gk_zone(epsg)
    if gk is None:
        return "; check the EPSG code the file declares (or crs: in the catalogue)"
    original = zones["metric_geometry"].to_numpy()[mine]
    zone, numbered = gk
    for candidate_zone in (zone - 1, zone + 1, zone - 2, zone + 2):
        if not 25 <= candidate_zone <= 45:
            continue
        candidate = (4513 if numbered else 4534) + candidate_zone - 25
        shift = 0.0
        if numbered:  # the false easting carries the zone: the same x cannot be in another numbered zone
            shift = (candidate_zone - zone) * 1e6
        tr = transformer(CRS.from_epsg(candidate), WGS84)
        moved = shapely.transform(original, lambda xy: np.column_stack(tr.transform(xy[:, 0] + shift, xy[:, 1])))
        if _gap_km(moved, others) <= 1.0:
            return (f"; read in EPSG:{candidate} (3-degree zone {candidate_zone}, central meridian "
                    f"{candidate_zone * 3}E) instead of EPSG:{epsg}, it lies with the rest: give crs: {candidate}")
    return f"; EPSG:{epsg} is 3-degree zone {zone} (central meridian {zone * 3}E): check it"


def _check_parks_have_units(catalog, warnings: list[str]) -> None:
    if not catalog.parks:
        return
    zones = catalog.zones
    if not catalog.control_units:
        warnings.append("the catalogue has no control units (环境管控单元): 三线一单 zoning is not screened")
        return
    units = zones[zones["kind"] == "control_unit"].geometry.to_numpy()
    tree = shapely.STRtree(units)
    park_ids = list(catalog.parks)
    parks = np.array([zones.at[p, "geometry"] for p in park_ids], dtype=object)
    covered = np.zeros(len(park_ids), dtype=bool)
    covered[tree.query(parks, predicate="intersects")[0]] = True
    for park_id in np.array(park_ids, dtype=object)[~covered][:1]:
        raise CatalogError(
            zones.at[park_id, "source"], park_id, "geometry",
            "no control unit lies inside or touches the park: 三线一单 units cover all land, so the unit "
            "layers are incomplete here or one of the two is in the wrong CRS",
        )
