"""Site maps drawn with matplotlib from the catalogue's geometry, in a metric CRS named on the map.

A map is drawn in the park's own Gauss-Kruger CRS (or, for a site in no park, the 3-degree zone of the
site), so the scale bar is true and setback rings are circles of the stated radius. The north arrow
points to true north: in a Gauss-Kruger projection grid north differs from it by the meridian
convergence, up to a degree or so at a zone's edge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from pyproj import CRS

from zones.catalog import Catalog
from zones.crs import WGS84, gk_crs_for_longitude, transformer

from ..result import ScreeningResult
from ..zoning import setback_for  # the rule the screening applied, so the rings drawn are the ones checked
from .text import Wording, has_cjk

__all__ = ["site_map", "batch_map", "site_view", "zones_in_view", "ring_setback", "MAP_SIZE_IN", "MAP_DPI", "VERDICT_COLOURS"]

MAP_SIZE_IN = (9.0, 7.0)
MAP_DPI = 150
_AXES_BOX = (0.03, 0.07, 0.66, 0.84)  # left, bottom, width, height in figure fractions
_MIN_HALF_SIZE_M = 1500.0

VERDICT_COLOURS = {"pass": "#2e7d32", "conditional": "#f9a825", "fail": "#c62828", "incomplete": "#6a1b9a",
                   "error": "#757575"}
_UNIT_COLOURS = {"priority": "#a5d6a7", "key": "#ffcc80", "general": "#e0e0e0"}
_RECEPTOR_MARKERS = {"residential": "s", "school": "^", "hospital": "P", "other": "o"}
_PARK_EDGE = "#1f4e9c"
_RED_LINE = ("#66bb6a", "#1b5e20")
_WATER_SOURCE = ("#64b5f6", "#0d47a1")
_RECEPTOR = "#c62828"
_SITE = ("#ff7043", "#bf360c")


def site_map(result: ScreeningResult, catalog: Catalog, words: Wording, *, site: shapely.Geometry | None = None,
             industry: str | None = None, latin: bool = False) -> Figure:
    """The site among the park boundary, control units, protected zones and receptors with their setbacks.

    Parameters
    ----------
    result
        The screening to map.
    catalog
        The catalogue it was screened against.
    words
        Labels in the figure's language.
    site
        The site in WGS84 (a point or polygon); default: the result's point.
    industry
        The project's GB/T 4754 code, to draw the setback each receptor keeps from this industry;
        without it, the general setback (the one for any industry) is drawn.
    latin
        Draw only Latin-script labels (no CJK font is available).
    """
    site = site if site is not None else shapely.Point(*result.location.point_wgs84)
    crs, site_m, extent = site_view(result, catalog, site)
    flagged = {f.zone_id: f for f in result.findings if f.zone_id}
    fig, ax = _figure()
    bounds = _fit_aspect(extent, ax, pad=0.06)
    zones = zones_in_view(catalog, crs, bounds)
    handles: dict[str, object] = {}

    units = zones[zones["kind"] == "control_unit"]
    for zone_id, geom in units.geometry.items():
        unit = catalog.control_units[zone_id]
        gpd.GeoSeries([geom]).plot(ax=ax, facecolor=_UNIT_COLOURS[unit.unit_class], alpha=0.35, edgecolor="#757575",
                                   linewidth=0.8, linestyle="--", zorder=1)
        _label_in_view(ax, geom, bounds, unit.code, color="#616161", fontsize=7, where="low")
        handles[f"unit.{unit.unit_class}"] = Patch(facecolor=_UNIT_COLOURS[unit.unit_class], alpha=0.5,
                                                   edgecolor="#757575", linestyle="--",
                                                   label=f"{words.msg('map.control_unit')}: "
                                                         f"{words.msg(f'unit_class.{unit.unit_class}')}")
    for kind, (face, edge), hatch in (("red_line", _RED_LINE, "//"), ("water_source", _WATER_SOURCE, "\\\\")):
        part = zones[zones["kind"] == kind]
        if part.empty:
            continue
        part.plot(ax=ax, facecolor=face, alpha=0.35, edgecolor=edge, hatch=hatch, linewidth=1.0, zorder=2)
        for zone_id, geom in part.geometry.items():
            _label_in_view(ax, geom, bounds, _name(words, zone_id, latin), color=edge, fontsize=7)
            f = flagged.get(zone_id)
            if f is not None and "buffer_m" in f.values:
                gpd.GeoSeries([geom.buffer(float(f.values["buffer_m"])).boundary]).plot(
                    ax=ax, color=edge, linewidth=0.8, linestyle=":", zorder=2)
                handles[f"{kind}.buffer"] = Line2D([], [], color=edge, linewidth=0.8, linestyle=":",
                                                   label=words.msg("map.buffer"))
        handles[kind] = Patch(facecolor=face, alpha=0.5, edgecolor=edge, hatch=hatch, label=words.msg(f"map.{kind}"))

    parks = zones[zones["kind"] == "park"]
    if not parks.empty:
        parks.boundary.plot(ax=ax, color=_PARK_EDGE, linewidth=2.0, zorder=3)
        for zone_id, geom in parks.geometry.items():
            _label_in_view(ax, geom, bounds, _name(words, zone_id, latin), color=_PARK_EDGE, fontsize=9,
                           weight="bold", where="high")
        handles["park"] = Line2D([], [], color=_PARK_EDGE, linewidth=2, label=words.msg("map.park"))

    _draw_receptors(ax, zones, catalog, words, industry, flagged, handles, latin)

    if site_m.geom_type == "Point":
        ax.scatter([site_m.x], [site_m.y], marker="*", s=320, color=_SITE[0], edgecolor=_SITE[1], linewidth=1.2,
                   zorder=6)
        handles["site"] = Line2D([], [], marker="*", linestyle="", markersize=14, markerfacecolor=_SITE[0],
                                 markeredgecolor=_SITE[1], label=words.msg("map.site"))
    else:
        gpd.GeoSeries([site_m]).plot(ax=ax, facecolor=_SITE[0], alpha=0.7, edgecolor=_SITE[1], linewidth=2, zorder=6)
        handles["site"] = Patch(facecolor=_SITE[0], edgecolor=_SITE[1], label=words.msg("map.site"))
    anchor = site_m.centroid
    ax.annotate(result.project_id, (anchor.x, anchor.y), xytext=(8, 8), textcoords="offset points", fontsize=9,
                weight="bold", color=_SITE[1], zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0})

    verdict = words.verdict(result.verdict)
    _finish(fig, ax, bounds, crs, words, title=f"{words.msg('map.title', project=result.project_id)} — {verdict}",
            handles=list(handles.values()))
    return fig


def batch_map(rows: pd.DataFrame, catalog: Catalog, words: Wording, *, latin: bool = False) -> Figure:
    """Every site of a batch coloured by verdict, over the parks and protected zones of the catalogue.

    ``rows`` has columns ``verdict``, ``lon``, ``lat`` (WGS84) and ``park``.
    """
    located = rows.dropna(subset=["lon", "lat"])
    lon = located["lon"].to_numpy(float)
    lat = located["lat"].to_numpy(float)
    crs = gk_crs_for_longitude(float(np.mean(lon))) if len(lon) else gk_crs_for_longitude(118.0)
    x, y = transformer(WGS84, crs).transform(lon, lat)
    points = shapely.points(x, y)
    parks_used = [p for p in located["park"].dropna().unique() if p in catalog.parks]
    zones = catalog.zones[catalog.zones["kind"].isin(["park", "control_unit", "red_line", "water_source"])].to_crs(crs)
    extent = shapely.union_all(shapely.buffer(points, 3000)) if len(points) else shapely.box(0, 0, 1, 1)
    for park in parks_used:
        extent = extent.union(zones.geometry[park])

    fig, ax = _figure()
    bounds = _fit_aspect(extent.bounds, ax, pad=0.15)
    handles = []
    units = zones[zones["kind"] == "control_unit"]
    if not units.empty:
        units.plot(ax=ax, facecolor="#eeeeee", edgecolor="#9e9e9e", linewidth=0.5, linestyle="--", zorder=0)
        handles.append(Patch(facecolor="#eeeeee", edgecolor="#9e9e9e", linestyle="--",
                             label=words.msg("map.control_unit")))
    for kind, (face, edge) in (("red_line", _RED_LINE), ("water_source", _WATER_SOURCE)):
        part = zones[zones["kind"] == kind]
        if not part.empty:
            part.plot(ax=ax, facecolor=face, alpha=0.3, edgecolor=edge, linewidth=0.6, zorder=1)
            handles.append(Patch(facecolor=face, alpha=0.5, edgecolor=edge, label=words.msg(f"map.{kind}")))
    parks = zones[zones["kind"] == "park"]
    parks.boundary.plot(ax=ax, color=_PARK_EDGE, linewidth=1.5, zorder=2)
    for zone_id, geom in parks.geometry.items():  # beside the park, so the sites stay visible
        if shapely.intersects(geom, shapely.box(*bounds)):
            ax.annotate(_name(words, zone_id, latin), (geom.bounds[2], geom.bounds[3]), xytext=(4, 4),
                        textcoords="offset points", fontsize=8, weight="bold", color=_PARK_EDGE, zorder=7,
                        annotation_clip=True)
    handles.append(Line2D([], [], color=_PARK_EDGE, linewidth=1.5, label=words.msg("map.park")))
    verdicts = located["verdict"].to_numpy()
    for verdict, colour in VERDICT_COLOURS.items():
        mask = verdicts == verdict
        if mask.any():
            ax.scatter(np.asarray(x)[mask], np.asarray(y)[mask], s=46, color=colour, edgecolor="white", linewidth=0.8,
                       zorder=8)
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=colour,
                                  markeredgecolor="white", label=f"{words.verdict(verdict)} ({int(mask.sum())})"))
    _finish(fig, ax, bounds, crs, words, title=words.msg("map.batch_title"), handles=handles)
    return fig


# --- pieces ----------------------------------------------------------------------------------------


def _figure():
    fig = Figure(figsize=MAP_SIZE_IN, dpi=MAP_DPI)
    ax = fig.add_axes(_AXES_BOX)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    return fig, ax


def site_view(result: ScreeningResult, catalog: Catalog, site: shapely.Geometry):
    """The metric CRS of a site map, the site in it, and the bounds the map must show: the park, and the
    distance to any protected zone or receptor the screening flagged."""
    park = result.location.park
    if park is not None:
        crs = CRS.from_epsg(int(catalog.zones.at[park, "metric_epsg"]))
    else:
        crs = gk_crs_for_longitude(site.centroid.x)
    site_m = _projector(WGS84, crs)(site)
    extent = site_m.buffer(_MIN_HALF_SIZE_M)
    for f in result.findings:
        if f.code.endswith("_PROXIMITY") or f.code == "RECEPTOR_SETBACK":
            extent = extent.union(site_m.buffer(float(f.values["distance_m"]) + 400))
    if park is not None:
        extent = extent.union(catalog.zones.at[park, "metric_geometry"])
    return crs, site_m, extent.bounds


def _projector(src: CRS, dst: CRS):
    tr = transformer(src, dst)
    return lambda geom: shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def zones_in_view(catalog: Catalog, crs: CRS, bounds) -> gpd.GeoDataFrame:
    """The catalogue's zones that reach into the view (receptors with their setback rings), in ``crs``."""
    view = shapely.box(*bounds)
    corners = np.asarray(view.segmentize(view.length / 40).exterior.coords)
    lon, lat = transformer(crs, WGS84).transform(corners[:, 0], corners[:, 1])
    reach_deg = catalog.max_buffer_m / 55_000.0  # a safe over-estimate up to 60N, as in spatial.py
    box = shapely.box(lon.min() - reach_deg, lat.min() - reach_deg, lon.max() + reach_deg, lat.max() + reach_deg)
    near = catalog.zones.iloc[np.sort(catalog.zones.sindex.query(box, predicate="intersects"))].to_crs(crs)
    reach = np.where(near["kind"] == "receptor", near["reach_m"], 0.0)
    return near[shapely.intersects(shapely.buffer(near.geometry.values, reach), view)]


def _name(words: Wording, zone_id: str, latin: bool) -> str:
    name = words.zone_name(zone_id)
    return zone_id if latin and has_cjk(name) else name


def _draw_receptors(ax, zones, catalog: Catalog, words: Wording, industry, flagged, handles, latin: bool) -> None:
    receptors = zones[zones["kind"] == "receptor"]
    for zone_id, geom in receptors.geometry.items():
        spec = catalog.receptors[zone_id]
        setback = ring_setback(industry, spec.setbacks)
        violated = zone_id in flagged and flagged[zone_id].code == "RECEPTOR_SETBACK"
        if setback is not None:
            ring = geom.buffer(setback.distance_m).boundary
            colour = _RECEPTOR if violated else "#8d6e63"
            gpd.GeoSeries([ring]).plot(ax=ax, color=colour, linewidth=1.2 if violated else 0.9, linestyle="--",
                                       zorder=4)
            key = "setback_violated" if violated else "setback"
            handles[key] = Line2D([], [], color=colour, linestyle="--", label=words.msg(f"map.{key}"))
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        marker = _RECEPTOR_MARKERS.get(spec.receptor_type, "o")
        ax.scatter([point.x], [point.y], marker=marker, s=60, color=_RECEPTOR, edgecolor="white", zorder=5)
        label = _name(words, zone_id, latin)
        if setback is not None:
            label += f" ({setback.distance_m:g} m)"
        ax.annotate(label, (point.x, point.y), xytext=(6, -12), textcoords="offset points", fontsize=7,
                    color=_RECEPTOR, zorder=7, annotation_clip=True)
        handles[f"receptor.{spec.receptor_type}"] = Line2D(
            [], [], marker=marker, linestyle="", markersize=7, markerfacecolor=_RECEPTOR, markeredgecolor="white",
            label=f"{words.msg('map.receptor')}: {words.msg(f'receptor.{spec.receptor_type}')}")


def ring_setback(industry: str | None, setbacks):
    """The setback a receptor keeps from ``industry``; without one, the general setback (any industry)."""
    if industry:
        return setback_for(industry, setbacks)
    general = [s for s in setbacks if not s.industries]
    return max(general, key=lambda s: s.distance_m) if general else None


def _fit_aspect(bounds: Iterable[float], ax, pad: float) -> tuple[float, float, float, float]:
    """Pad the bounds and widen them to the axes' aspect, so the map fills its frame undistorted."""
    xmin, ymin, xmax, ymax = bounds
    width, height = (xmax - xmin) * (1 + 2 * pad), (ymax - ymin) * (1 + 2 * pad)
    fig_w, fig_h = ax.figure.get_size_inches()
    aspect = (_AXES_BOX[2] * fig_w) / (_AXES_BOX[3] * fig_h)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    view = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    return view


def _label_in_view(ax, geom, bounds, text: str, *, where: str = "centre", **style) -> None:
    visible = geom.intersection(shapely.box(*bounds))
    if visible.is_empty or visible.area < 1e-9 * shapely.box(*bounds).area:
        return
    point = visible.representative_point()
    if where in ("high", "low"):  # toward the top (park names) or bottom (unit codes) of what is visible
        xmin, ymin, xmax, ymax = visible.bounds
        y = ymax - 0.08 * (ymax - ymin) if where == "high" else ymin + 0.06 * (ymax - ymin)
        line = shapely.LineString([(xmin, y), (xmax, y)]).intersection(visible)
        if not line.is_empty:
            point = line.interpolate(0.5, normalized=True)
    ax.text(point.x, point.y, text, ha="center", va="center", zorder=7, clip_on=True,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.6, "linewidth": 0}, **style)


def _finish(fig, ax, bounds, crs: CRS, words: Wording, *, title: str, handles: list) -> None:
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=11, loc="left")
    _scale_bar(ax, bounds)
    _north_arrow(ax, bounds, crs, words.msg("map.north"))
    epsg = crs.to_epsg()
    crs_name = f"{crs.name} (EPSG:{epsg})" if epsg else crs.name
    fig.text(_AXES_BOX[0], 0.025, words.msg("map.crs", crs=crs_name), fontsize=8, color="#424242")
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(_AXES_BOX[0] + _AXES_BOX[2] + 0.02, 0.91),
               frameon=False, fontsize=8, handlelength=2.2)


def _nice_length(width_m: float) -> float:
    target = width_m / 4
    steps = [1, 2, 2.5, 5]
    magnitude = 10 ** math.floor(math.log10(target))
    return max(s * magnitude for s in steps if s * magnitude <= target)


def _scale_bar(ax, bounds) -> None:
    xmin, ymin, xmax, ymax = bounds
    length = _nice_length(xmax - xmin)
    x0, y0 = xmin + 0.04 * (xmax - xmin), ymin + 0.05 * (ymax - ymin)
    height = 0.012 * (ymax - ymin)
    for i, colour in enumerate(("black", "white", "black", "white")):
        ax.add_patch(Rectangle((x0 + i * length / 4, y0), length / 4, height, facecolor=colour, edgecolor="black",
                               linewidth=0.6, zorder=8))
    km = length >= 1000
    for fraction in (0, 0.5, 1):
        value = length * fraction / (1000 if km else 1)
        text = f"{value:g}" + ((" km" if km else " m") if fraction == 1 else "")
        ax.text(x0 + fraction * length, y0 + 1.8 * height, text, ha="center", va="bottom", fontsize=7, zorder=8,
                bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.6, "linewidth": 0})


def _north_arrow(ax, bounds, crs: CRS, label: str) -> None:
    """An arrow to true north at the map's centre: grid north turned by the meridian convergence."""
    xmin, ymin, xmax, ymax = bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    lon, lat = transformer(crs, WGS84).transform(cx, cy)
    nx, ny = transformer(WGS84, crs).transform(lon, lat + 0.01)
    angle = math.atan2(nx - cx, ny - cy)  # clockwise from grid north
    base = (0.93, 0.80)
    tip = (base[0] + 0.09 * math.sin(angle), base[1] + 0.09 * math.cos(angle))
    ax.annotate("", xy=tip, xytext=base, xycoords="axes fraction", textcoords="axes fraction", zorder=8,
                arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": "black", "linewidth": 1.6})
    ax.text(tip[0], tip[1] + 0.015, label, transform=ax.transAxes, ha="center", va="bottom", fontsize=11,
            weight="bold", zorder=8)
