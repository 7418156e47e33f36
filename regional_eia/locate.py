"""Project sites into WGS84, refusing coordinates that cannot be right: one function over arrays.

:func:`locate_sites` takes the coordinates of many projects (each with its CRS: any EPSG code or WKT
pyproj knows, ``gcj02`` or ``bd09``), converts every distinct CRS once, and says for each site that
cannot be right why (unknown CRS, lon/lat given as x/y, swapped lon/lat, not degrees, outside China,
a GK x with the wrong zone form). :func:`locate` is the one-site case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS

from zones.crs import CHINA_BOUNDS, is_wgs84, parse_crs, to_wgs84, within_china
from zones.errors import CRSError

from .arrays import factorize
from .errors import LocationError
from .project import Location

__all__ = ["Site", "Sites", "locate", "locate_sites", "converted_text", "CHINA_BOUNDS"]


@dataclass(frozen=True)
class Site:
    """A project site in WGS84, with the CRS it was given in and how it was converted."""

    geometry: shapely.Geometry
    input_crs: str
    converted: str | None


@dataclass(frozen=True)
class Sites:
    """Many sites: each one's WGS84 point (a polygon's centroid), the WGS84 polygon of polygon sites
    (None for points), the CRS named as given, how it was converted, and why a site was refused
    (``(field, why)``, None for a good site)."""

    xy: np.ndarray  # n x 2, NaN where refused
    polygon: np.ndarray  # object, None for point sites
    input_crs: np.ndarray
    converted: np.ndarray  # ("offset", "gcj02"), ("pyproj", "EPSG:4549"), or None for WGS84 itself
    refused: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return np.equal(self.refused, None)


def locate(location: Location, source: str = "<project>") -> Site:
    """Convert a :class:`Location` to a WGS84 :class:`Site` (the one-site case of :func:`locate_sites`).

    Raises :class:`LocationError` for an unknown CRS, lon/lat given as x/y in a geographic CRS,
    swapped lon/lat, and any site that lands outside China (naming the likely cause).

    Examples
    --------
    >>> site = locate(Location(crs="gcj02", lon=116.41024449916938, lat=39.91640428150164))
    >>> [round(v, 6) for v in site.geometry.coords[0]]
    [116.404, 39.915]
    """
    from .columns import _site_geometry

    nan = np.array([np.nan])
    geometry = None
    if location.wkt is not None or location.geojson is not None:
        geometry = np.array([_site_geometry(location, source)], dtype=object)
    sites = locate_sites(np.array([location.crs], dtype=object),
                         np.array([location.lon]) if location.lon is not None else nan,
                         np.array([location.lat]) if location.lat is not None else nan,
                         np.array([location.x]) if location.x is not None else nan,
                         np.array([location.y]) if location.y is not None else nan, geometry)
    if sites.refused[0] is not None:
        raise LocationError(source, *sites.refused[0])
    polygon = sites.polygon[0]
    converted = sites.converted[0]
    return Site(polygon if polygon is not None else shapely.Point(sites.xy[0]), sites.input_crs[0],
                converted_text(converted, "en") if converted else None)


def locate_sites(crs: np.ndarray, lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray,
                 geometry: np.ndarray | None = None, todo: np.ndarray | None = None) -> Sites:
    """Every site in WGS84, or why not (see :class:`Sites`); each distinct CRS parsed and applied once.

    A site is a point (``lon``/``lat`` in a geographic CRS, ``x``/``y`` in a projected one; NaN where not
    given) or, where ``geometry`` holds one, that point or polygon in the row's CRS. ``todo`` (a mask)
    limits the work to some rows; the others come back refused with no reason given (None, None).
    """
    n = len(crs)
    xy = np.full((n, 2), np.nan)
    polygon = np.full(n, None, dtype=object)
    input_crs = np.full(n, None, dtype=object)
    converted = np.full(n, None, dtype=object)
    refused = np.full(n, None, dtype=object)
    todo = np.ones(n, dtype=bool) if todo is None else todo.copy()
    _fill(refused, np.flatnonzero(~todo), (None, None))
    if geometry is not None:
        geometry = np.asarray(geometry, dtype=object)
        has_geometry = np.not_equal(geometry, None)
        for i in np.flatnonzero(todo & has_geometry):
            why = _bad_geometry(geometry[i])
            if why is not None:
                refused[i] = ("location", why)
                todo[i] = False
    else:
        has_geometry = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(todo)
    if rows.size == 0:
        return Sites(xy, polygon, input_crs, converted, refused)
    codes, count = factorize(np.array([_crs_key(c) for c in crs[rows]], dtype=object), missing_apart=True)
    for k in range(count):
        group = rows[codes == k]
        given = crs[group[0]]
        try:
            parsed = parse_crs(given)
        except CRSError as exc:
            _fill(refused, group, ("location.crs", exc.why))
            continue
        _locate_group(parsed, group, lon, lat, x, y, geometry, has_geometry, xy, polygon, refused)
        input_crs[group] = _crs_name(parsed)
        if isinstance(parsed, str):
            _fill(converted, group, ("offset", parsed))
        elif not is_wgs84(parsed):
            _fill(converted, group, ("pyproj", _crs_name(parsed)))
    bad = np.not_equal(refused, None)
    xy[bad] = np.nan
    polygon[bad] = None
    return Sites(xy, polygon, input_crs, converted, refused)


def converted_text(converted: tuple[str, str], lang: str) -> str:
    """How a site's coordinates were converted, in words."""
    from .report.messages import MESSAGES

    kind, crs = converted
    return MESSAGES[lang][f"converted.{kind}"].format(crs=crs, upper=crs.upper())


def _fill(array: np.ndarray, at: np.ndarray, value: tuple) -> None:
    for i in at:
        array[i] = value


def _crs_key(crs: object) -> object:
    return crs.to_wkt() if isinstance(crs, CRS) else crs


def _bad_geometry(geom) -> str | None:
    if shapely.is_missing(geom) or geom.is_empty or shapely.get_type_id(geom) not in (0, 3, 6):
        kind = "nothing" if shapely.is_missing(geom) else ("an empty geometry" if geom.is_empty else geom.geom_type)
        return f"the site must be a point or polygon, got {kind}"
    if not geom.is_valid:
        return f"invalid site polygon ({shapely.is_valid_reason(geom)})"
    return None


def _locate_group(crs, rows, lon, lat, x, y, geometry, has_geometry, xy, polygon, refused) -> None:
    """The sites of one CRS: form checks, conversion, the China check; results written in place."""
    geographic = isinstance(crs, str) or crs.is_geographic
    name = _crs_name(crs)
    from_geometry = has_geometry[rows]
    given_ll = ~np.isnan(lon[rows])
    if geographic:
        wrong = ~from_geometry & ~given_ll
        why = f"{name} is geographic: give lon/lat, not x/y"
    else:
        wrong = ~from_geometry & given_ll
        why = f"{name} is projected: give x/y in metres, not lon/lat"
    _fill(refused, rows[wrong], ("location", why))
    keep = ~wrong
    rows, from_geometry, given_ll = rows[keep], from_geometry[keep], given_ll[keep]
    if rows.size == 0:
        return
    own_x = np.where(given_ll, lon[rows], x[rows])
    own_y = np.where(given_ll, lat[rows], y[rows])
    bounds = np.column_stack([own_x, own_y, own_x, own_y])
    if from_geometry.any():
        bounds[from_geometry] = shapely.bounds(geometry[rows[from_geometry]])
    if geographic:
        for j in np.flatnonzero(~_degrees_ok(bounds)):
            refused[rows[j]] = ("location", _not_degrees(bounds[j]))
    live = np.equal(refused[rows], None)
    rows, from_geometry, bounds, own_x, own_y = (rows[live], from_geometry[live], bounds[live], own_x[live],
                                                 own_y[live])
    if rows.size == 0:
        return
    wx, wy = to_wgs84(own_x, own_y, crs)
    wgs_bounds = np.column_stack([wx, wy, wx, wy])
    if from_geometry.any():
        shapes = shapely.transform(geometry[rows[from_geometry]],
                                   lambda c: np.column_stack(to_wgs84(c[:, 0], c[:, 1], crs)))
        wgs_bounds[from_geometry] = shapely.bounds(shapes)
        centres = shapes.copy()
        polygonal = shapely.get_type_id(shapes) != 0
        centres[polygonal] = shapely.centroid(shapes[polygonal])
        wx[from_geometry], wy[from_geometry] = shapely.get_x(centres), shapely.get_y(centres)
        polygon[rows[from_geometry][polygonal]] = shapes[polygonal]
    inside = within_china(wgs_bounds)
    for j in np.flatnonzero(~inside):
        refused[rows[j]] = ("location", _outside_china(crs, bounds[j], wgs_bounds[j]))
    xy[rows, 0], xy[rows, 1] = wx, wy


def _degrees_ok(bounds: np.ndarray) -> np.ndarray:
    xmin, ymin, xmax, ymax = bounds.T
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        swapped = (lat_min <= xmin) & (xmax <= lat_max) & (lon_min <= ymin) & (ymax <= lon_max)
        degrees = (-180 <= xmin) & (xmin <= xmax) & (xmax <= 180) & (-90 <= ymin) & (ymin <= ymax) & (ymax <= 90)
    return ~swapped & degrees


def _not_degrees(bounds: np.ndarray) -> str:
    xmin, ymin, xmax, ymax = bounds
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    if lat_min <= xmin and xmax <= lat_max and lon_min <= ymin and ymax <= lon_max:
        return (f"lon {xmin:g} / lat {ymin:g} lie outside China, and swapped they would lie inside: "
                "lon and lat look swapped (lon is 73-136 in China, lat 3-54)")
    return f"lon/lat {xmin:g}, {ymin:g} are not degrees"


def _crs_name(crs: CRS | str) -> str:
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _outside_china(crs: CRS | str, original: np.ndarray, wgs: np.ndarray) -> str:
    """Why a site lands outside China, with a hint at the usual cause for projected coordinates."""
    hint = ""
    x = original[0]
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
    if not np.all(np.isfinite(wgs)):
        return (f"the coordinates ({x:g}, {original[1]:g}) cannot be transformed from {_crs_name(crs)} to "
                f"WGS84{hint or '; check the CRS and that x is easting, y northing'}")
    return f"the site lands at lon {wgs[0]:.4f}, lat {wgs[1]:.4f} in WGS84, outside China{hint}"
