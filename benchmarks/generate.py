"""A synthetic national-scale catalogue and N synthetic projects, for ``benchmarks/run.py``.

    python benchmarks/generate.py catalogue benchmarks/out/national
    python benchmarks/generate.py projects benchmarks/out/national 1000000 benchmarks/out/projects-1m.csv

The catalogue: 40,000 environmental control units (a Voronoi tiling of eastern and central China,
4,000 of them islands cut as holes out of a neighbour), 2,500 parks (irregular star polygons, a
third with a hole), 10,000 red-line and water-source polygons with buffers, 100,000 receptors with
setbacks. Geometry is written, as survey data comes, in the CGCS2000 3-degree Gauss-Kruger zone
(EPSG:4534-4554, central-meridian form) of each feature's longitude, one GeoPackage per zone, so the
loaded catalogue has one spatial group per zone. Figures are illustrative; nothing here is surveyed.

Projects: a flat CSV (the batch schema) with 35% of sites inside parks, the rest anywhere in the
region; 80% in CGCS2000 lon/lat, 10% GCJ-02 as copied from web maps, 10% Gauss-Kruger x/y; 40
industries, wastewater and air columns; 0.1% of rows carry a deliberate error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
import yaml
from pyproj import CRS, Transformer

from zones.crs import gk_crs_for_longitude, wgs84_to_gcj02

REGION = (98.0, 21.0, 122.0, 42.0)  # lon/lat box the synthetic China of this benchmark covers
N_UNITS, N_ISLANDS, N_PARKS, N_PROTECTED, N_RECEPTORS = 36_000, 4_000, 2_500, 10_000, 100_000
INDUSTRIES = ["C1713", "C1711", "C1762", "C2614", "C2619", "C2631", "C2661", "C2662", "C2710", "C2720",
              "C3130", "C3211", "C3360", "C3311", "C3484", "C3511", "C3670", "C3825", "C3911", "C3971",
              "C1391", "C1441", "C1521", "C2211", "C2221", "C2319", "C2511", "C2641", "C2821", "C2922",
              "C3021", "C3041", "C3110", "C3219", "C3351", "C3412", "C3442", "C3522", "C3714", "C4011"]
PROCESSES = ["", "", "", "dyeing", "pretreatment;dyeing", "electroplating", "organic_synthesis_reaction"]


def _star(rng, lon, lat, radius_km, vertices):
    """Irregular star-shaped rings around centres (degrees; radius in km)."""
    n = len(lon)
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, vertices)), axis=1)
    radii = radius_km[:, None] * rng.uniform(0.55, 1.0, (n, vertices))
    dx = radii * np.cos(angles) / (111.32 * np.cos(np.radians(lat))[:, None])
    dy = radii * np.sin(angles) / 110.57
    xs = lon[:, None] + dx
    ys = lat[:, None] + dy
    coords = np.stack([np.concatenate([xs, xs[:, :1]], axis=1), np.concatenate([ys, ys[:, :1]], axis=1)], axis=2)
    return shapely.polygons(coords)


def _write_by_zone(frame: gpd.GeoDataFrame, folder: Path, stem: str) -> list[tuple[str, int]]:
    """Write ``frame`` (WGS84) into one GeoPackage per Gauss-Kruger zone; returns (file, epsg)."""
    lon = shapely.get_x(shapely.centroid(frame.geometry.values))
    epsg = np.array([gk_crs_for_longitude(v).to_epsg() for v in np.round(lon / 3) * 3])
    files = []
    for code in np.unique(epsg):
        part = frame[epsg == code].to_crs(int(code))
        geoms = part.geometry.values
        bad = ~shapely.is_valid(geoms)
        if bad.any():  # a vertex moved by the projection can make a thin cell touch itself
            fixed = shapely.make_valid(geoms[bad])
            geoms[bad] = [g if g.geom_type == "Polygon" else max(
                (p for p in shapely.get_parts(g) if p.geom_type == "Polygon"), key=lambda p: p.area) for g in fixed]
            part = part.set_geometry(gpd.GeoSeries(geoms, crs=part.crs, index=part.index))
        name = f"{stem}_{code}.gpkg"
        part.to_file(folder / name, layer=stem, driver="GPKG", engine="pyogrio")
        files.append((name, int(code)))
    return files


def catalogue(folder: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    x0, y0, x1, y1 = REGION

    # control units: a Voronoi tiling, densified to survey-like vertex counts, 4,000 with an island unit
    seeds = shapely.points(rng.uniform(x0, x1, N_UNITS), rng.uniform(y0, y1, N_UNITS))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=shapely.box(*REGION)))
    cells = shapely.intersection(cells, shapely.box(*REGION))
    cells = cells[np.argsort(shapely.get_x(shapely.centroid(cells)))][:N_UNITS]
    holed = rng.choice(len(cells), N_ISLANDS, replace=False)
    centres = shapely.centroid(cells[holed])
    islands = _star(rng, shapely.get_x(centres), shapely.get_y(centres), rng.uniform(0.8, 2.0, N_ISLANDS), 24)
    islands = shapely.intersection(islands, cells[holed])
    islands = np.array([g if g.geom_type == "Polygon" else max(g.geoms, key=lambda p: p.area) for g in islands])
    cells = cells.copy()
    cells[holed] = shapely.difference(cells[holed], islands)
    units = np.concatenate([cells, islands])
    units = shapely.segmentize(units, 0.01)  # about 1 km between vertices, as surveyed boundaries have
    units = np.array([g if g.geom_type == "Polygon" else max(shapely.get_parts(g), key=lambda p: p.area)
                      if not g.is_empty else g for g in units])
    units = units[~shapely.is_empty(units) & (shapely.area(units) > 1e-8)]
    classes = rng.choice(["优先保护", "重点管控", "一般管控"], len(units), p=[0.3, 0.3, 0.4])
    ids = [f"U{i:05d}" for i in range(len(units))]
    # ZH + 6-digit administrative code + class digit (1/2/3) + 4-digit serial, as the provinces code them
    digit = {"优先保护": 1, "重点管控": 2, "一般管控": 3}
    codes = [f"ZH{110000 + i // 9000 * 100 + rng.integers(1, 99):06d}{digit[c]}{i % 9000 + 1:04d}"
             for i, c in enumerate(classes)]
    unit_frame = gpd.GeoDataFrame({"unit_id": ids, "name": ids, "code": codes, "class": classes},
                                  geometry=gpd.GeoSeries(units, crs=4326))
    unit_files = _write_by_zone(unit_frame, folder, "units")

    # parks: irregular, a third with a hole (a lake, a residential enclave)
    plon, plat = rng.uniform(x0 + 0.2, x1 - 0.2, N_PARKS), rng.uniform(y0 + 0.2, y1 - 0.2, N_PARKS)
    radius = rng.uniform(1.5, 6.0, N_PARKS)
    shells = _star(rng, plon, plat, radius, 48)
    parks = []
    for i, shell in enumerate(shells):
        shell = shapely.make_valid(shell)
        if shell.geom_type != "Polygon":
            shell = max(shell.geoms, key=lambda g: g.area) if hasattr(shell, "geoms") else shell
        if i % 3 == 0:
            hole = shapely.buffer(shapely.centroid(shell), radius[i] * 0.12 / 111.0, quad_segs=4)
            shell = shell.difference(hole)
            if shell.geom_type != "Polygon":
                shell = max(shell.geoms, key=lambda g: g.area)
        parks.append(shell)
    park_ids = [f"P{i:04d}" for i in range(N_PARKS)]
    park_frame = gpd.GeoDataFrame({"park_code": park_ids}, geometry=gpd.GeoSeries(parks, crs=4326))
    park_files = dict((str(code), name) for name, code in _write_by_zone(park_frame, folder, "parks"))
    park_lon = np.round(plon / 3) * 3

    # red lines and water sources, with their buffers
    qlon, qlat = rng.uniform(x0, x1, N_PROTECTED), rng.uniform(y0, y1, N_PROTECTED)
    protected = shapely.make_valid(_star(rng, qlon, qlat, rng.uniform(0.5, 5.0, N_PROTECTED), 32))
    protected = np.array([g if g.geom_type == "Polygon" else max(g.geoms, key=lambda p: p.area)
                          for g in protected])
    kind = np.where(np.arange(N_PROTECTED) % 4 == 0, "water_source", "red_line")
    buffer = np.where(kind == "water_source", np.where(np.arange(N_PROTECTED) % 8 == 0, 1000, 500), 500)
    layers = []
    for k in ("red_line", "water_source"):
        for b in np.unique(buffer[kind == k]):
            take = (kind == k) & (buffer == b)
            frame = gpd.GeoDataFrame({"zone_id": [f"{k[:2].upper()}{i:05d}" for i in np.flatnonzero(take)]},
                                     geometry=gpd.GeoSeries(protected[take], crs=4326))
            for name, code in _write_by_zone(frame, folder, f"{k}_{b}"):
                layers.append({"kind": k, "file": name, "id_field": "zone_id", "buffer_m": int(b)})

    # receptors: villages, schools and hospitals with setbacks by industry
    rlon, rlat = rng.uniform(x0, x1, N_RECEPTORS), rng.uniform(y0, y1, N_RECEPTORS)
    rtype = rng.choice(["residential", "school", "hospital"], N_RECEPTORS, p=[0.8, 0.15, 0.05])
    receptor_frame = gpd.GeoDataFrame({"zone_id": [f"R{i:06d}" for i in range(N_RECEPTORS)], "type": rtype},
                                      geometry=gpd.GeoSeries(shapely.points(rlon, rlat), crs=4326))
    setbacks = [{"industries": ["C26"], "distance_m": 1000, "basis": "synthetic: chemical plants"},
                {"industries": ["C17"], "distance_m": 300, "basis": "synthetic: dyeing"},
                {"distance_m": 100, "basis": "synthetic: any industry"}]
    for name, code in _write_by_zone(receptor_frame, folder, "receptors"):
        layers.append({"kind": "receptor", "file": name, "id_field": "zone_id", "type_field": "type",
                       "setbacks": setbacks})
    for name, code in unit_files:
        layers.insert(0, {"kind": "control_unit", "file": name, "id_field": "unit_id", "name_field": "name",
                          "code_field": "code", "class_field": "class"})

    zones = []
    for i, park_id in enumerate(park_ids):
        epsg = gk_crs_for_longitude(park_lon[i]).to_epsg()
        zones.append({"id": park_id, "name": f"合成园区 {park_id}", "kind": "park",
                      "geometry": {"file": park_files[str(epsg)], "id_field": "park_code"},
                      "park": _park_spec(rng, i)})
    spec = {
        "name": "synthetic national catalogue (benchmark)",
        "description": "Generated by benchmarks/generate.py; illustrative only.",
        "utilisation_warning": 0.8,
        "control_unit_access": {
            "priority": {"prohibited": [{"codes": ["B", "C", "D44"], "reason": "no new industry (synthetic)"}]},
            "key": {"restricted": [{"codes": ["C26"], "reason": "chemicals only in chemical parks (synthetic)",
                                    "conditions": "VOCs capture >= 90%"}]},
        },
        "zones": zones,
        "layers": layers,
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    np.savez(folder / "parks_wgs84.npz", lon=plon, lat=plat, radius=radius)
    print(f"catalogue: {len(units)} control units, {N_PARKS} parks, {N_PROTECTED} protected zones, "
          f"{N_RECEPTORS} receptors in {folder}")


def _park_spec(rng, i: int) -> dict:
    profile = i % 12
    attained = profile % 3 != 0
    spec = {
        "wwtp": {"name": f"WWTP {i}", "capacity": 40000, "effluent_class": "1A" if profile % 2 else "1B",
                 "built": "2015-01-01"},
        "receiving_water": {"name": f"river {i}", "target_class": ["III", "IV", "III", "V"][profile % 4],
                            "attained": attained},
        "air_attained": profile % 4 != 1,
        "special_limits": profile == 5,
        "caps": [
            {"metric": "wastewater", "value": 30000, "unit": "m3/d", "basis": "final_discharge",
             "committed": float(rng.integers(5000, 25000)), "reserved": 1000},
            {"metric": "COD", "value": 800, "unit": "t/a", "basis": "final_discharge",
             "committed": float(rng.integers(100, 600))},
            {"metric": "NH3-N", "value": 80, "unit": "t/a", "basis": "final_discharge",
             "committed": float(rng.integers(10, 60))},
            {"metric": "COD", "value": 3000, "unit": "t/a", "basis": "sewer_intake", "committed": 1000},
            {"metric": "SO2", "value": 900, "unit": "t/a", "basis": "emission",
             "committed": float(rng.integers(100, 800))},
            {"metric": "VOCs", "value": 600, "unit": "t/a", "basis": "emission",
             "committed": float(rng.integers(100, 500))},
        ],
        "access": {"prohibited": [{"codes": ["C2511", "C2521"], "reason": "no refineries (synthetic)"},
                                  {"codes": ["C3360"], "processes": ["electroplating"], "reason": "no plating"}],
                   "restricted": [{"codes": ["C17"], "processes": ["dyeing"], "reason": "dyeing cluster only",
                                   "conditions": "reuse >= 40%"}],
                   "encouraged": [{"codes": ["C39", "C35"], "reason": "lead industries"}]},
        "regional_assessment": {"approved": "2023-01-01", "valid_years": 5, "excluded_industries": ["C25", "C26"]},
    }
    if not attained:
        spec["offsets"] = [{"pollutant": "COD", "ratio": 2, "reason": "receiving water not attained"},
                           {"pollutant": "NH3-N", "ratio": 2, "reason": "receiving water not attained"}]
    if not spec["air_attained"]:
        spec.setdefault("offsets", []).extend([{"pollutant": "SO2", "ratio": 2, "reason": "air not attained"},
                                               {"pollutant": "VOCs", "ratio": 2, "reason": "air not attained"}])
    return spec


def projects(folder: Path, n: int, out: Path, seed: int = 11, chunk: int = 1_000_000) -> None:
    """N projects as a flat CSV (or Parquet by extension), written in chunks of a million."""
    parks = np.load(folder / "parks_wgs84.npz")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    for begin in range(0, n, chunk):
        rng = np.random.default_rng(seed + begin)
        table = _project_table(rng, parks, begin, min(chunk, n - begin))
        if out.suffix == ".parquet":
            import pyarrow.parquet as pq

            writer = writer or pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
        else:
            writer = writer or pacsv.CSVWriter(out, table.schema)
            writer.write_table(table)
    writer.close()
    print(f"{n} projects in {out}")


def _project_table(rng, parks, begin: int, n: int) -> pa.Table:
    x0, y0, x1, y1 = REGION
    in_park = rng.random(n) < 0.35
    which = rng.integers(0, len(parks["lon"]), n)
    r = np.sqrt(rng.random(n)) * parks["radius"][which] * 0.5
    a = rng.uniform(0, 2 * np.pi, n)
    lon = np.where(in_park, parks["lon"][which] + r * np.cos(a) / (111.32 * np.cos(np.radians(parks["lat"][which]))),
                   rng.uniform(x0, x1, n))
    lat = np.where(in_park, parks["lat"][which] + r * np.sin(a) / 110.57, rng.uniform(y0, y1, n))
    form = rng.choice(3, n, p=[0.8, 0.1, 0.1])
    lon_s = np.round(lon, 7).astype(str)
    lat_s = np.round(lat, 7).astype(str)
    crs = np.full(n, "4490", dtype=object)
    x_s = np.full(n, "", dtype=object)
    y_s = np.full(n, "", dtype=object)
    gcj = form == 1
    glon, glat = wgs84_to_gcj02(lon[gcj], lat[gcj])
    lon_s = lon_s.astype(object)
    lat_s = lat_s.astype(object)
    lon_s[gcj], lat_s[gcj] = np.round(glon, 7).astype(str), np.round(glat, 7).astype(str)
    crs[gcj] = "gcj02"
    for code in np.unique(np.round(lon[form == 2] / 3) * 3):
        take = (form == 2) & (np.round(lon / 3) * 3 == code)
        target = gk_crs_for_longitude(code)
        x, y = Transformer.from_crs(CRS.from_epsg(4490), target, always_xy=True).transform(lon[take], lat[take])
        x_s[take], y_s[take] = np.round(x, 2).astype(str), np.round(y, 2).astype(str)
        lon_s[take] = lat_s[take] = ""
        crs[take] = f"EPSG:{target.to_epsg()}"
    industry = np.array(INDUSTRIES, dtype=object)[np.minimum(rng.zipf(1.3, n) - 1, len(INDUSTRIES) - 1)]
    processes = np.array(PROCESSES, dtype=object)[rng.integers(0, len(PROCESSES), n)]
    water = rng.random(n) < 0.8
    route = np.where(water, np.where(rng.random(n) < 0.85, "indirect", "direct"), "")
    flow = np.where(water, np.round(rng.lognormal(5, 1.2, n), 1).astype(str), "")

    def conc(low, high, share=0.9):
        values = np.round(rng.uniform(low, high, n), 3).astype(str).astype(object)
        values[~water | (rng.random(n) > share)] = ""
        return values

    air = rng.random(n) < 0.4

    def emission(high):
        values = np.round(rng.uniform(0, high, n), 3).astype(str).astype(object)
        values[~air] = ""
        return values

    ids = np.char.add("PRJ", np.arange(begin, begin + n).astype(str)).astype(object)
    bad = rng.random(n) < 0.001
    industry = industry.copy()
    industry[bad] = "X999"
    return pa.table({
        "id": ids, "name": np.char.add("项目", np.arange(begin, begin + n).astype(str)).astype(object),
        "industry": industry, "processes": processes, "lon": lon_s, "lat": lat_s, "x": x_s, "y": y_s,
        "crs": crs, "route": route.astype(object), "flow_m3d": flow.astype(object),
        "operating_days": np.where(water, "300", "").astype(object), "pH": np.where(water, "6-9", "").astype(object),
        "COD_mg_L": conc(20, 500), "NH3-N_mg_L": conc(1, 45), "SS_mg_L": conc(10, 300), "TP_mg_L": conc(0.1, 8, 0.7),
        "SO2_t_a": emission(30), "VOCs_t_a": emission(20),
    })


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "catalogue":
        catalogue(Path(sys.argv[2]))
    elif what == "projects":
        projects(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
