"""Build the demo catalogue's geometry files (zones/demo/*.geojson) from the outlines below.

The outlines are illustrative, not surveyed: drawn in WGS84 degrees near the real places, then written
in the CRSs real survey data comes in, so that loading the demo exercises reprojection for real:
parks in CGCS2000 3-degree Gauss-Kruger without zone number (EPSG:4549, central meridian 120E, for
Xuancheng and Langxi; EPSG:4548, 117E, for Fuyang), control units in the zone-number form (EPSG:4528
zone 40, EPSG:4527 zone 39), red lines and water-source zones in geographic CGCS2000 (EPSG:4490), and
receptors in the parks' GK CRSs. Run ``python tools/build_demo.py`` after editing an outline.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Point, Polygon

OUT = Path(__file__).resolve().parents[1] / "zones" / "demo"

XUANCHENG = Polygon([(118.805, 30.975), (118.850, 30.972), (118.858, 30.990), (118.848, 31.005),
                     (118.820, 31.008), (118.803, 30.995)])
LANGXI = Polygon([(119.150, 31.105), (119.190, 31.103), (119.195, 31.125), (119.175, 31.138),
                  (119.152, 31.130)])
# the coal-chemical park has a retained village (an enclave) inside it: a polygon with a hole
FUYANG = Polygon(
    [(115.945, 32.915), (115.995, 32.912), (116.000, 32.940), (115.975, 32.952), (115.948, 32.945)],
    holes=[[(115.952, 32.920), (115.958, 32.920), (115.958, 32.925), (115.952, 32.925)]],
)

PARKS = [
    ("xuancheng-hitech", "XC-HT", XUANCHENG, 4549),
    ("langxi-edz", "LX-ED", LANGXI, 4549),
    ("fuyang-coal-chem", "FY-CC", FUYANG, 4548),
]

UNITS_Z40 = [  # (zone id, code, class, name, outline)
    ("cu-xc-key", "ZH34180220001", "重点管控", "宣城高新区重点管控单元（演示）",
     Polygon([(118.795, 30.965), (118.870, 30.962), (118.870, 31.015), (118.795, 31.018)])),
    ("cu-xc-general", "ZH34180230001", "一般管控", "宣州区一般管控单元（演示）",
     Polygon([(118.70, 30.90), (118.795, 30.90), (118.795, 31.10), (118.70, 31.10)])),
    ("cu-nanyi-priority", "ZH34180210001", "优先保护", "南漪湖优先保护单元（演示）",
     Polygon([(118.90, 31.04), (119.02, 31.04), (119.02, 31.16), (118.90, 31.16)])),
    ("cu-lx-key", "ZH34182120001", "重点管控", "郎溪经开区重点管控单元（演示）",
     Polygon([(119.140, 31.095), (119.205, 31.095), (119.205, 31.145), (119.140, 31.145)])),
    ("cu-gd-priority", "ZH34188210001", "优先保护", "无量溪河水源优先保护单元（演示）",
     Polygon([(119.38, 30.86), (119.47, 30.86), (119.47, 30.93), (119.38, 30.93)])),
]
UNITS_Z39 = [
    ("cu-fy-key", "ZH34120320001", "重点管控", "阜阳煤基新材料产业园重点管控单元（演示）",
     Polygon([(115.935, 32.905), (116.010, 32.905), (116.010, 32.960), (115.935, 32.960)])),
]

_RIVER = shapely.LineString([(119.400, 30.875), (119.415, 30.885), (119.430, 30.892), (119.445, 30.905)])
PROTECTED = [  # (zone id, kind, name, grade, buffer_m, outline in degrees)
    ("ws-wuliangxi-1", "water_source", "无量溪河狮子口饮用水水源一级保护区（演示）", "一级保护区", 1000.0,
     _RIVER.buffer(0.003, cap_style="flat")),
    ("ws-wuliangxi-2", "water_source", "无量溪河狮子口饮用水水源二级保护区（演示）", "二级保护区", 500.0,
     _RIVER.buffer(0.008, cap_style="flat").difference(_RIVER.buffer(0.003, cap_style="flat"))),
    ("rl-nanyi-lake", "red_line", "南漪湖生态保护红线（演示）", None, 500.0,
     Polygon([(118.93, 31.06), (119.00, 31.06), (119.00, 31.13), (118.93, 31.13)])),
    ("rl-xc-hills", "red_line", "敬亭山生态保护红线（演示）", None, 500.0,
     Polygon([(118.835, 31.012), (118.860, 31.012), (118.860, 31.030), (118.835, 31.030)])),
]

RECEPTORS = [  # (zone id, name, type, point in degrees, GK EPSG)
    ("rc-xc-village", "双桥村居民点（演示）", "residential", Point(118.800, 30.985), 4549),
    ("rc-lx-hospital", "郎溪县第二人民医院（演示）", "hospital", Point(119.160, 31.145), 4549),
    ("rc-fy-school", "口孜镇中心小学（演示）", "school", Point(116.006, 32.930), 4548),
]

# The GCJ-02 example: a true site 150 m inside Xuancheng's east edge. Its GCJ-02 coordinates, read as
# if they were WGS84, land about 480 m east and 250 m south: outside the park.
GCJ_TRUE_SITE = Point(118.8525, 30.9800)


def _write(frame: gpd.GeoDataFrame, name: str) -> None:
    path = OUT / f"{name}.geojson"
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=3 if frame.crs.is_projected else 8)


def _project(geoms, epsg: int):
    return gpd.GeoSeries(geoms, crs=4326).to_crs(epsg)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for epsg in (4549, 4548):
        chosen = [p for p in PARKS if p[3] == epsg]
        _write(gpd.GeoDataFrame({"park_code": [p[1] for p in chosen]},
                                geometry=_project([p[2] for p in chosen], epsg)), f"parks_{epsg}")
    for units, epsg in ((UNITS_Z40, 4528), (UNITS_Z39, 4527)):
        _write(gpd.GeoDataFrame({"unit_id": [u[0] for u in units], "code": [u[1] for u in units],
                                 "class": [u[2] for u in units], "name": [u[3] for u in units]},
                                geometry=_project([u[4] for u in units], epsg)), f"control_units_{epsg}")
    _write(gpd.GeoDataFrame({"zone_id": [p[0] for p in PROTECTED], "name": [p[2] for p in PROTECTED]},
                            geometry=gpd.GeoSeries([p[5] for p in PROTECTED], crs=4490)), "protected_4490")
    for epsg in (4549, 4548):
        chosen = [r for r in RECEPTORS if r[4] == epsg]
        _write(gpd.GeoDataFrame({"zone_id": [r[0] for r in chosen], "type": [r[2] for r in chosen]},
                                geometry=_project([r[3] for r in chosen], epsg)), f"receptors_{epsg}")

    from zones.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(GCJ_TRUE_SITE.x, GCJ_TRUE_SITE.y)
    park = _project([XUANCHENG], 4549).iloc[0]
    true_local = _project([GCJ_TRUE_SITE], 4549).iloc[0]
    naive_local = _project([Point(float(glon), float(glat))], 4549).iloc[0]
    print(f"GCJ-02 example site: lon {float(glon):.7f} lat {float(glat):.7f}")
    print(f"  true site inside: {park.contains(true_local)}, {park.exterior.distance(true_local):.0f} m from the edge")
    print(f"  naive reading inside: {park.contains(naive_local)}, {park.exterior.distance(naive_local):.0f} m from the edge")


if __name__ == "__main__":
    main()
