"""Turn a project's location into a WGS84 geometry, refusing coordinates that cannot be right."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS

from zones.crs import is_wgs84, parse_crs, to_wgs84
from zones.errors import CRSError

from .errors import LocationError
from .project import Location

__all__ = ["Site", "locate", "check_china", "CHINA_BOUNDS"]

CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)  # lon_min, lat_min, lon_max, lat_max


@dataclass(frozen=True)
class Site:
    """A project site in WGS84, with the CRS it was given in and how it was converted."""

    geometry: shapely.Geometry
    input_crs: str
    converted: str | None


def _site_in_own_crs(location: Location, source: str) -> shapely.Geometry:
    if location.lon is not None:
        return shapely.Point(location.lon, location.lat)
    if location.x is not None:
        return shapely.Point(location.x, location.y)
    try:
        geom = shapely.from_wkt(location.wkt) if location.wkt else shapely.geometry.shape(location.geojson)
    except (shapely.errors.GEOSException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise LocationError(source, "location", f"cannot parse the site geometry: {exc}") from exc
    if geom.is_empty or shapely.get_type_id(geom) not in (0, 3, 6):
        raise LocationError(source, "location", f"the site must be a point or polygon, got {geom.geom_type}")
    if not geom.is_valid:
        raise LocationError(source, "location", f"invalid site polygon ({shapely.is_valid_reason(geom)})")
    return geom


def locate(location: Location, source: str = "<project>") -> Site:
    """Convert a :class:`Location` to a WGS84 :class:`Site`.

    Raises :class:`LocationError` for an unknown CRS, lon/lat given as x/y in a geographic CRS,
    swapped lon/lat, and any site that lands outside China (naming the likely cause).

    Examples
    --------
    >>> site = locate(Location(crs="gcj02", lon=116.41024449916938, lat=39.91640428150164))
    >>> [round(v, 6) for v in site.geometry.coords[0]]
    [116.404, 39.915]
    """
    try:
        crs = parse_crs(location.crs)
    except CRSError as exc:
        raise LocationError(source, "location.crs", exc.why) from exc
    geographic = isinstance(crs, str) or crs.is_geographic
    if geographic and location.x is not None:
        raise LocationError(source, "location", f"{_crs_name(crs)} is geographic: give lon/lat, not x/y")
    if not geographic and location.lon is not None:
        raise LocationError(source, "location", f"{_crs_name(crs)} is projected: give x/y in metres, not lon/lat")
    geom = _site_in_own_crs(location, source)
    if geographic:
        _check_geographic(geom, source)
    wgs = shapely.transform(geom, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)))
    check_china(wgs, crs, geom, source)
    converted = None
    if isinstance(crs, str):
        converted = f"{crs} to WGS84 by the published {crs.upper()} algorithm (inverse solved to 1e-10 deg)"
    elif not is_wgs84(crs):
        converted = f"{_crs_name(crs)} to WGS84 by pyproj"
    return Site(wgs, _crs_name(crs), converted)


def _crs_name(crs: CRS | str) -> str:
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _check_geographic(geom: shapely.Geometry, source: str) -> None:
    xmin, ymin, xmax, ymax = geom.bounds
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    swapped = lat_min <= xmin and xmax <= lat_max and lon_min <= ymin and ymax <= lon_max
    if swapped:
        raise LocationError(
            source, "location",
            f"lon {xmin:g} / lat {ymin:g} lie outside China, and swapped they would lie inside: "
            "lon and lat look swapped (lon is 73-136 in China, lat 3-54)",
        )
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise LocationError(source, "location", f"lon/lat {xmin:g}, {ymin:g} are not degrees")


def check_china(wgs: shapely.Geometry, crs: CRS | str, original: shapely.Geometry, source: str) -> None:
    """Refuse a site outside China, with a hint at the usual cause for projected coordinates."""
    xmin, ymin, xmax, ymax = wgs.bounds
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    if lon_min <= xmin and xmax <= lon_max and lat_min <= ymin and ymax <= lat_max:
        return
    hint = ""
    x = original.bounds[0]
    if not isinstance(crs, str) and crs.is_projected and np.isfinite(x):
        epsg = crs.to_epsg() or 0
        if x > 1e7 and 4534 <= epsg <= 4554:
            zone = int(x // 1e6)
            hint = (f"; x = {x:.0f} carries the zone number {zone} in its false easting: "
                    f"use EPSG:{4513 + zone - 25} (3-degree zone {zone}, with zone number)")
        elif x < 1e7 and 4513 <= epsg <= 4533:
            zone = 25 + epsg - 4513
            hint = (f"; x = {x:.0f} has no zone number in its false easting, but {_crs_name(crs)} "
                    f"expects one: use EPSG:{4534 + zone - 25} (central meridian {zone * 3}E)")
        else:
            hint = "; check the EPSG code (Gauss-Kruger zone) and that x is easting, y northing"
    if not np.all(np.isfinite(wgs.bounds)):
        raise LocationError(
            source, "location",
            f"the coordinates ({x:g}, {original.bounds[1]:g}) cannot be transformed from {_crs_name(crs)} to "
            f"WGS84{hint or '; check the CRS and that x is easting, y northing'}",
        )
    raise LocationError(
        source, "location",
        f"the site lands at lon {xmin:.4f}, lat {ymin:.4f} in WGS84, outside China{hint}",
    )
