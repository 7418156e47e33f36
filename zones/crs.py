"""Coordinate reference systems: EPSG/WKT through pyproj, and the two Chinese web-map offsets.

GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are obfuscated datums that pyproj does not know. The
published algorithm for them is small and closed-form in the forward direction; it is written here
over numpy arrays, because the packages that carry it work one point at a time and a provincial batch
converts a million points. The inverse (GCJ-02 to WGS84) is solved by fixed-point iteration to below
1e-9 degrees (about 0.1 mm), not by the one-step approximation most copies use (error up to ~1 m).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from .errors import CRSError

__all__ = [
    "WGS84",
    "CGCS2000",
    "OFFSET_DATUMS",
    "parse_crs",
    "crs_label",
    "CRS_LABELS",
    "gk_crs_for_longitude",
    "metric_crs_for",
    "transformer",
    "to_wgs84",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "in_china",
    "is_wgs84",
    "CHINA_BOUNDS",
    "within_china",
    "gk_epsg_for_longitude",
]

WGS84 = CRS.from_epsg(4326)
CGCS2000 = CRS.from_epsg(4490)
OFFSET_DATUMS = ("gcj02", "bd09")
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)  # lon_min, lat_min, lon_max, lat_max: what a site in China lies within


def within_china(bounds: np.ndarray) -> np.ndarray:
    """Whether each WGS84 box ``(xmin, ymin, xmax, ymax)`` (rows of an n x 4 array) lies in :data:`CHINA_BOUNDS`
    (NaN never does).

    Examples
    --------
    >>> within_china(np.array([[118.8, 31.0, 118.9, 31.1], [30.9, 118.8, 30.9, 118.8]])).tolist()
    [True, False]
    """
    bounds = np.atleast_2d(np.asarray(bounds, dtype=float))
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        return ((lon_min <= bounds[:, 0]) & (bounds[:, 2] <= lon_max) & (lat_min <= bounds[:, 1])
                & (bounds[:, 3] <= lat_max))



def parse_crs(spec: object) -> CRS | Literal["gcj02", "bd09"]:
    """Turn a user's CRS (an EPSG int, ``"EPSG:4549"``, WKT, PROJ, ``gcj02`` or ``bd09``) into a CRS.

    Examples
    --------
    >>> parse_crs(4549).to_epsg()
    4549
    >>> parse_crs("GCJ-02")
    'gcj02'
    """
    if isinstance(spec, CRS):
        return spec
    if isinstance(spec, str):
        labelled = crs_label(spec)
        if labelled is not None:
            return labelled if isinstance(labelled, str) else _crs_from(labelled)
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        raise CRSError(spec, "a CRS is required (an EPSG code such as 4490 or 4549, WKT, gcj02 or bd09)")
    try:
        return _crs_from(spec if not isinstance(spec, str) else spec.strip())
    except PyprojCRSError as exc:
        raise CRSError(spec, f"not a CRS pyproj knows ({exc})") from exc


# coordinate-system labels as committees and companies type them -> gcj02 / bd09 / an EPSG code.
# Checked in order, on the label with spaces, punctuation and case removed (NFKC first).
CRS_LABELS: tuple[tuple[str, str | int], ...] = (
    ("gcj02", "gcj02"), ("gcj", "gcj02"), ("mars", "gcj02"), ("火星", "gcj02"), ("高德", "gcj02"),
    ("腾讯", "gcj02"), ("amap", "gcj02"), ("autonavi", "gcj02"), ("tencent", "gcj02"), ("qq地图", "gcj02"),
    ("bd09", "bd09"), ("百度", "bd09"), ("baidu", "bd09"),
    ("cgcs2000", 4490), ("2000国家大地坐标", 4490), ("国家2000", 4490), ("2000坐标", 4490), ("cgcs", 4490),
    ("wgs84", 4326), ("wgs1984", 4326), ("gps", 4326), ("北斗", 4490),
    ("西安80", 4610), ("西安1980", 4610), ("xian80", 4610), ("xian1980", 4610),
    ("北京54", 4214), ("北京1954", 4214), ("beijing54", 4214), ("beijing1954", 4214),
)
_LABEL_JUNK = re.compile(r"['’[\s\-_()（）\[\]【】·.,，/:：]+")


def crs_label(text: str) -> str | int | None:
    """A typed coordinate-system label (高德, 百度地图, 腾讯 (GCJ-02), GPS, 2000国家大地坐标系, 西安80 ...)
    as ``gcj02``, ``bd09`` or an EPSG code; None when it is not such a label (e.g. ``EPSG:4549``).

    A label that names a projected system (高斯, GK, 3度带, 投影) is not taken here: its zone matters,
    so it must be given as an EPSG code.

    >>> crs_label("腾讯 (GCJ-02)"), crs_label("百度地图"), crs_label("2000国家大地坐标系"), crs_label("西安80")
    ('gcj02', 'bd09', 4490, 4610)
    >>> crs_label("EPSG:4549") is None
    True
    """
    key = _LABEL_JUNK.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    if not key or key.startswith("epsg") or key.isdigit() or any(w in key for w in ("高斯", "投影", "度带", "gk")):
        return None
    for fragment, value in CRS_LABELS:
        if fragment in key:
            return value
    return None


@functools.lru_cache(maxsize=256)
def _crs_from(spec: object) -> CRS:
    return CRS.from_user_input(spec)


def gk_crs_for_longitude(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS (CM form, EPSG:4534-4554) whose zone holds ``lon``.

    Examples
    --------
    >>> gk_crs_for_longitude(118.76).to_epsg()   # Xuancheng: central meridian 120E
    4549
    >>> gk_crs_for_longitude(115.81).to_epsg()   # Fuyang: central meridian 117E
    4548
    """
    return _crs_from(int(gk_epsg_for_longitude(lon)))


def gk_epsg_for_longitude(lon):
    """The EPSG code (4534-4554) of the CGCS2000 3-degree GK zone holding each longitude (scalar or array).

    Examples
    --------
    >>> gk_epsg_for_longitude(np.array([118.76, 115.81])).tolist()
    [4549, 4548]
    """
    central = np.clip(np.round(np.asarray(lon, dtype=float) / 3.0) * 3, 75, 135).astype(int)
    return 4534 + (central - 75) // 3


def metric_crs_for(crs: CRS, representative_lon: float) -> CRS:
    """A metric CRS to measure in: ``crs`` itself if projected in metres, else the local GK zone."""
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    return gk_crs_for_longitude(representative_lon)


@functools.lru_cache(maxsize=512)
def transformer(src: CRS, dst: CRS) -> Transformer:
    """A cached, always-xy pyproj Transformer (PROJ's choice of operation is remembered between
    processes: :mod:`zones.operations`)."""
    from .operations import best_transformer

    return best_transformer(src, dst)


def to_wgs84(x: np.ndarray, y: np.ndarray, crs: CRS | str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of x/y (or lon/lat) in ``crs`` to WGS84 lon/lat, offsets (gcj02, bd09) included."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if isinstance(crs, str):  # never compare a CRS with a string: pyproj would try to parse it
        if crs == "gcj02":
            return gcj02_to_wgs84(x, y)
        if crs == "bd09":
            return gcj02_to_wgs84(*bd09_to_gcj02(x, y))
        raise CRSError(crs, "unknown offset datum")
    if is_wgs84(crs):
        return x, y
    return transformer(crs, WGS84).transform(x, y, errcheck=False)


@functools.lru_cache(maxsize=256)
def is_wgs84(crs: CRS) -> bool:
    """Whether ``crs`` is WGS84 lon/lat (cached: pyproj's CRS comparison costs tens of milliseconds)."""
    return crs.equals(WGS84)


# --- GCJ-02 / BD-09, the published algorithm ---------------------------------------------------------

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The rough box outside which GCJ-02 applies no offset (the published algorithm's test)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to GCJ-02 (arrays or scalars).

    Examples
    --------
    >>> [round(float(v), 8) for v in wgs84_to_gcj02(116.404, 39.915)]
    [116.4102445, 39.91640428]
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to WGS84 by fixed-point iteration of the forward transform.

    Each point stops iterating when it has converged, so a point converts to the same figures alone
    or among a million.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    shape = lon.shape
    lon, lat = lon.ravel(), lat.ravel()
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
        active[idx[(np.abs(elon) < tol) & (np.abs(elat) < tol)]] = False
    return wlon.reshape(shape), wlat.reshape(shape)


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to BD-09 (Baidu)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (Baidu) lon/lat to GCJ-02, the published closed form."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)
