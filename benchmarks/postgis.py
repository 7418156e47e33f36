"""The spatial stage against PostGIS: the same (site, zone) questions asked of both, timed, answers compared.

    python benchmarks/postgis.py                 # 100,000 sites of benchmarks/out/projects-1m.csv
    python benchmarks/postgis.py --n 1000000

What a GIS engineer would do instead of this tool: load the catalogue's zones into PostGIS (one table
per Gauss-Kruger group, in the group's CRS, GiST-indexed), load the sites as WGS84 points, and join
them: ``ST_Intersects`` for zones that count only when touched (parks, control units), ``ST_DWithin``
within each zone's reach for the others (buffers of protected zones, receptor setbacks), each site
reprojected with ``ST_Transform`` into the group's CRS. The same sites go through
``regional_eia.spatial.join_pairs`` (the batch engine's spatial stage) in this process; the script
prints both times and whether the two sets of pairs are equal.

A throw-away PostgreSQL server is started in a temporary folder (``tests/pgcluster.py``: 127.0.0.1
only, stopped at the end). Without PostgreSQL or without PostGIS (Debian: ``apt-get install
postgresql-15-postgis-3``) the script says so and exits 0. It needs no Python driver: it talks to the
server through ``psql``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("REGIONAL_EIA_CACHE_DIR", str(OUT / "cache"))


def psql(url: str, sql: str, *, timed: bool = False) -> tuple[str, float]:
    command = [shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql", url, "-v", "ON_ERROR_STOP=1", "-qAt"]
    began = time.perf_counter()
    done = subprocess.run(command, input=sql, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr.strip()[-800:]}")
    return done.stdout, seconds


def sites(n: int) -> np.ndarray:
    """WGS84 lon/lat of the first ``n`` rows of the 1M projects CSV, located as the batch engine does."""
    import pyarrow.parquet as pq

    result = OUT / "result-1m.parquet"
    if not result.exists():
        raise SystemExit(f"{result} is missing: run benchmarks/run.py first (it writes the batch result)")
    table = pq.read_table(result, columns=["lon", "lat"]).slice(0, n)
    return np.column_stack([table["lon"].to_numpy(zero_copy_only=False).astype(float),
                            table["lat"].to_numpy(zero_copy_only=False).astype(float)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()

    from pgcluster import Cluster, Unavailable

    from regional_eia.spatial import join_pairs
    from zones import load_catalog

    try:
        cluster = Cluster.start()
    except Unavailable as exc:
        print(f"skipped: no PostgreSQL server ({exc})")
        return
    try:
        url = cluster.new_database()
        available, _ = psql(url, "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis';")
        if available.strip() != "1":
            print("skipped: PostGIS is not installed (Debian: apt-get install postgresql-15-postgis-3)")
            return
        psql(url, "CREATE EXTENSION postgis;")
        catalog = load_catalog(OUT / "national")
        xy = sites(args.n)
        present = ~np.isnan(xy[:, 0])
        figures = compare(url, catalog, xy, present, join_pairs)
    finally:
        cluster.stop()
    print(json.dumps(figures, indent=2))
    (OUT / "postgis.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


def compare(url, catalog, xy, present, join_pairs) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="postgis-bench-"))
    os.chmod(folder, 0o755)
    loading = 0.0
    try:
        for g, group in enumerate(catalog.groups):
            epsg = group.crs.to_epsg()
            path = folder / f"zones_{g}.csv"
            with open(path, "w", encoding="utf-8") as f:
                for row, reach, wkb in zip(group.positions.tolist(), group.reach_m.tolist(),
                                           shapely.to_wkb(group.geometries, hex=True)):
                    f.write(f"{row},{reach!r},{wkb}\n")
            os.chmod(path, 0o644)
            _, seconds = psql(url, f"""
                CREATE TABLE zones_{g} (row bigint, reach double precision, geom geometry(Geometry, {epsg}));
                CREATE TEMP TABLE load_{g} (row bigint, reach double precision, wkb text);
                \\copy load_{g} FROM '{path}' WITH (FORMAT csv)
                INSERT INTO zones_{g} SELECT row, reach, ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), {epsg})
                  FROM load_{g};
                CREATE INDEX ON zones_{g} USING gist (geom);
                ANALYZE zones_{g};""")
            loading += seconds
        path = folder / "sites.csv"
        rows = np.flatnonzero(present)
        with open(path, "w", encoding="utf-8") as f:
            for i, (lon, lat) in zip(rows.tolist(), xy[rows].tolist()):
                f.write(f"{i},{lon!r},{lat!r}\n")
        os.chmod(path, 0o644)
        _, seconds = psql(url, f"""
            CREATE TABLE sites (id bigint, lon double precision, lat double precision);
            \\copy sites FROM '{path}' WITH (FORMAT csv)
            ALTER TABLE sites ADD COLUMN geom geometry(Point, 4326);
            UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
            ANALYZE sites;""")
        loading += seconds
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    # the query: per group, the sites within its WGS84 bounds (padded by its largest reach), reprojected
    parts = []
    for g, group in enumerate(catalog.groups):
        epsg = group.crs.to_epsg()
        pad = float(group.reach_m.max()) / 55_000.0 + 1e-6
        x0, y0, x1, y1 = group.bounds_wgs84
        # two joins, not one with OR, and the reach join first within the group's largest reach (a
        # constant): so that each can use the GiST index
        parts.append(f"""
            CREATE TEMP TABLE local_{g} AS SELECT id, ST_Transform(geom, {epsg}) AS geom FROM sites
              WHERE lon BETWEEN {x0 - pad!r} AND {x1 + pad!r} AND lat BETWEEN {y0 - pad!r} AND {y1 + pad!r};
            INSERT INTO pairs SELECT s.id, z.row FROM local_{g} s JOIN zones_{g} z
              ON z.reach = 0 AND ST_Intersects(s.geom, z.geom);
            INSERT INTO pairs SELECT s.id, z.row FROM local_{g} s JOIN zones_{g} z
              ON z.reach > 0 AND ST_DWithin(s.geom, z.geom, {float(group.reach_m.max())!r})
                 AND ST_DWithin(s.geom, z.geom, z.reach);""")
    psql(url, "CREATE TABLE pairs (site bigint, zone bigint);")
    _, query_seconds = psql(url, "\n".join(parts))
    found, _ = psql(url, "SELECT site, zone FROM pairs ORDER BY site, zone;")
    theirs = np.array([line.split("|") for line in found.split()], dtype=np.int64).reshape(-1, 2)

    began = time.perf_counter()
    ours = join_pairs(None, catalog, xy=np.where(present[:, None], xy, np.nan))
    our_seconds = time.perf_counter() - began
    mine = np.column_stack([ours.site, ours.zone])
    mine = mine[np.lexsort((mine[:, 1], mine[:, 0]))]
    same = mine.shape == theirs.shape and bool((mine == theirs).all())
    print(f"PostGIS: loading {loading:.1f} s, query {query_seconds:.2f} s for {int(present.sum()):,} sites, "
          f"{len(theirs):,} pairs")
    print(f"regional_eia.spatial.join_pairs: {our_seconds:.2f} s, {len(mine):,} pairs; "
          f"{'the same pairs' if same else 'DIFFERENT pairs'}; ratio ours / PostGIS {our_seconds / query_seconds:.2f}")
    return {"sites": int(present.sum()), "postgis_loading_seconds": loading, "postgis_query_seconds": query_seconds,
            "postgis_pairs": len(theirs), "ours_seconds": our_seconds, "our_pairs": len(mine), "same_pairs": same}


if __name__ == "__main__":
    main()
