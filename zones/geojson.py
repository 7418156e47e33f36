"""GeoJSON geometries written by hand (a project's site, a catalogue's inline zone), checked strictly.

shapely's ``shape()`` closes an unclosed ring without a word, raises a ``GeometryTypeError`` (not a
``ValueError``) for an unknown type, and quotes the whole input in some messages. Here every such case
is a ``ValueError`` with a one-line reason, before shapely sees the data.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
import shapely.geometry

from standards.numbers import excerpt, shorten

__all__ = ["geometry_from_geojson", "geojson_problem"]

# the nesting of "coordinates" per type: 0 a position, 1 a list of positions, ...
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_MAX_POSITIONS = 1_000_000


def geojson_problem(obj: Any) -> str | None:
    """Why ``obj`` is not a GeoJSON geometry this tool can use, or ``None`` if it is.

    Examples
    --------
    >>> geojson_problem({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    >>> geojson_problem({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})
    'ring 1 of the polygon is not closed: its first position [0, 0] differs from its last [0, 1]'
    """
    if not isinstance(obj, dict):
        return f"a GeoJSON geometry is an object with type and coordinates, not {excerpt(obj)}"
    if obj.get("type") == "Feature":
        return geojson_problem(obj.get("geometry"))
    kind = obj.get("type")
    if kind == "GeometryCollection":
        parts = obj.get("geometries")
        if not isinstance(parts, list) or not parts:
            return "a GeometryCollection needs a non-empty list of geometries"
        for part in parts:
            problem = geojson_problem(part)
            if problem:
                return problem
        return None
    if kind not in _DEPTH:
        return (f"unknown GeoJSON geometry type {excerpt(kind)}; expected one of "
                f"{', '.join(_DEPTH)} or GeometryCollection")
    if "coordinates" not in obj:
        return f"a {kind} needs coordinates"
    counted = [0]
    problem = _positions(obj["coordinates"], _DEPTH[kind], kind, counted)
    if problem:
        return problem
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [obj["coordinates"]] if kind == "Polygon" else obj["coordinates"]
        for polygon in polygons:
            if not polygon:
                return f"a polygon of the {kind} has no rings"
            for number, ring in enumerate(polygon, start=1):
                if len(ring) < 4:
                    return f"ring {number} of the polygon has {len(ring)} positions; a ring needs at least 4"
                if list(ring[0]) != list(ring[-1]):
                    return (f"ring {number} of the polygon is not closed: its first position {list(ring[0])} "
                            f"differs from its last {list(ring[-1])}")
    if kind in ("LineString", "MultiLineString"):
        lines = [obj["coordinates"]] if kind == "LineString" else obj["coordinates"]
        if any(len(line) < 2 for line in lines):
            return "a line needs at least 2 positions"
    return None


def _positions(value: Any, depth: int, kind: str, counted: list[int]) -> str | None:
    if depth == 0:
        counted[0] += 1
        if counted[0] > _MAX_POSITIONS:
            return f"more than {_MAX_POSITIONS:,} positions"
        if not isinstance(value, list) or len(value) not in (2, 3):
            return f"a position of the {kind} is [x, y] (or [x, y, z]), not {excerpt(value)}"
        for number in value:
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                return f"a coordinate of the {kind} is not a number: {excerpt(number)}"
            if not math.isfinite(number):
                return f"a coordinate of the {kind} is not a finite number: {number}"
        return None
    if not isinstance(value, list):
        return f"the coordinates of the {kind} should be nested {depth} lists deep around [x, y]; got {excerpt(value)}"
    if depth == 1 and kind in ("MultiPoint",) and not value:
        return f"a {kind} needs at least one position"
    for item in value:
        problem = _positions(item, depth - 1, kind, counted)
        if problem:
            return problem
    return None


def geometry_from_geojson(obj: Any) -> shapely.Geometry:
    """The shapely geometry of a checked GeoJSON geometry (or Feature); ``ValueError`` with the reason."""
    problem = geojson_problem(obj)
    if problem:
        raise ValueError(problem)
    if obj.get("type") == "Feature":
        obj = obj["geometry"]
    try:
        return shapely.geometry.shape(obj)
    except (shapely.errors.ShapelyError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"not a usable geometry: {shorten(exc)}") from None
