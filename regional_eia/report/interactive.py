"""An interactive map (folium / Leaflet) for HTML reports that works offline.

No base-map tiles unless asked for (``tiles``), and Leaflet itself is inlined from a copy installed on
this machine (Debian: ``apt-get install libjs-leaflet``), never fetched from a CDN. Without a local
copy the interactive map is left out with a warning: the report itself never depends on the network.
"""

from __future__ import annotations

import re
from pathlib import Path

import shapely

from zones.catalog import Catalog
from zones.crs import WGS84, transformer

from ..escape import tooltip_html
from ..result import ScreeningResult
from .extras import require
from .maps import VERDICT_COLOURS, ring_setback, site_view, zones_in_view
from .text import Wording

__all__ = ["interactive_map", "find_leaflet", "LEAFLET_DIRS", "LEAFLET_MISSING"]

LEAFLET_DIRS = (
    Path("/usr/share/javascript/leaflet"),  # Debian/Ubuntu libjs-leaflet
    Path("/usr/share/nodejs/leaflet/dist"),
    Path("/usr/local/share/javascript/leaflet"),
)
LEAFLET_MISSING = (
    "no local copy of Leaflet found (looked in {dirs}): the interactive map is left out rather than "
    "loaded from the network; install one (Debian/Ubuntu: apt-get install libjs-leaflet)"
)
_STYLE = {
    "park": {"color": "#1f4e9c", "weight": 3, "fillOpacity": 0.0},
    "control_unit": {"color": "#757575", "weight": 1, "dashArray": "5 4", "fillColor": "#ffcc80", "fillOpacity": 0.15},
    "red_line": {"color": "#1b5e20", "weight": 1, "fillColor": "#66bb6a", "fillOpacity": 0.35},
    "water_source": {"color": "#0d47a1", "weight": 1, "fillColor": "#64b5f6", "fillOpacity": 0.35},
}


def find_leaflet(dirs: tuple[Path, ...] = LEAFLET_DIRS) -> tuple[str, str] | None:
    """Leaflet's JavaScript and CSS from the first folder holding both, or None."""
    for folder in dirs:
        js, css = folder / "leaflet.js", folder / "leaflet.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    return None


def interactive_map(result: ScreeningResult, catalog: Catalog, words: Wording, leaflet: tuple[str, str], *,
                    site: shapely.Geometry | None = None, industry: str | None = None,
                    tiles: str | None = None) -> str:
    """A standalone HTML page with the site, the park, control units, protected zones and receptors."""
    require("folium", extra="interactive", why="--interactive")
    import folium

    site = site if site is not None else shapely.Point(*result.location.point_wgs84)
    crs, _, (xmin, ymin, xmax, ymax) = site_view(result, catalog, site)
    pad = 0.1 * max(xmax - xmin, ymax - ymin)
    extent = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    zones = catalog.zones.loc[zones_in_view(catalog, crs, extent).index]
    west, south = transformer(crs, WGS84).transform(extent[0], extent[1])
    east, north = transformer(crs, WGS84).transform(extent[2], extent[3])

    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=tiles, control_scale=True,
                      zoom_control=True)
    fmap.default_js, fmap.default_css = [], []  # no CDN: Leaflet is inlined below
    js, css = leaflet
    fmap.get_root().header.add_child(folium.Element(f"<style>{css}</style><script>{js}</script>"),
                                     name="leaflet_inline")
    for kind in ("control_unit", "red_line", "water_source", "park"):
        part = zones[zones["kind"] == kind]
        if part.empty:
            continue
        layer = part[["geometry"]].assign(name=[_label(words, catalog, z) for z in part.index])
        style = _STYLE[kind]
        folium.GeoJson(layer.__geo_interface__, name=words.msg(f"map.{kind}"), style_function=lambda _, s=style: s,
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(fmap)
    for zone_id, geom in zones[zones["kind"] == "receptor"].geometry.items():
        spec = catalog.receptors[zone_id]
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        name = f"{words.zone_name(zone_id)} ({words.msg(f'receptor.{spec.receptor_type}')})"
        setback = ring_setback(industry, spec.setbacks)
        if setback is not None:
            ring_tip = tooltip_html(f"{name}: {words.msg('map.setback')} {setback.distance_m:g} m")
            folium.Circle([point.y, point.x], radius=setback.distance_m, color="#c62828", weight=1, dash_array="6 4",
                          fill=False, tooltip=ring_tip).add_to(fmap)
        folium.CircleMarker([point.y, point.x], radius=5, color="#c62828", fill=True, fill_opacity=1,
                            tooltip=tooltip_html(name)).add_to(fmap)
    colour = VERDICT_COLOURS[result.verdict]
    tooltip = tooltip_html(f"{result.project_id}: {words.verdict(result.verdict)}")
    if site.geom_type == "Point":
        folium.CircleMarker([site.y, site.x], radius=9, color="white", weight=2, fill=True, fill_color=colour,
                            fill_opacity=1, tooltip=tooltip).add_to(fmap)
    else:
        folium.GeoJson(shapely.geometry.mapping(site), name=words.msg("map.site"), tooltip=tooltip,
                       style_function=lambda _: {"color": colour, "weight": 3, "fillOpacity": 0.5}).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    html = fmap.get_root().render()
    external = re.findall(r'<(?:script|link)[^>]*\b(?:src|href)="(https?:[^"]+)"', html)
    assert not external, f"the interactive map would load {external}"
    return html


def _label(words: Wording, catalog: Catalog, zone_id: str) -> str:
    """A zone's tooltip label; GeoJsonTooltip sets it as HTML, so it is escaped here."""
    if zone_id in catalog.control_units:
        unit = catalog.control_units[zone_id]
        return tooltip_html(f"{unit.code} ({words.msg(f'unit_class.{unit.unit_class}')})")
    return tooltip_html(words.zone_name(zone_id))
