"""The capacity ledger under concurrent writers, on SQLite and on PostgreSQL.

    python benchmarks/ledger.py                       # both backends, 1, 4 and 8 writers (about 2 minutes)
    python benchmarks/ledger.py --attempts 96 --backends sqlite

For each backend and each number of concurrent writers (separate processes, released at the same
moment), the writers commit ``--attempts`` projects in all onto one wastewater cap sized so that
exactly three quarters of them fit. Printed per run: check-and-record transactions per second (every
attempt re-screens the project and either records it or refuses it, inside the ledger's write lock),
commits recorded, refusals, and whether the refusals are exactly the expected number (the overspend
that must never happen) and ``ledger verify`` passes.

PostgreSQL: ``--pg-url`` (an admin URL on a server where databases may be created), else
``$REGIONAL_EIA_TEST_PG_URL``, else a throw-away cluster started with the tests' helper
(``tests/pgcluster.py``; Debian's postgresql package) and stopped at the end.

Goal (issue 14): never an overspend (refused = expected, exactly) on either backend; a park office's
rate of a few dozen actions a day is far below any figure printed here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOW = 100.0  # m3/d per project

WRITER = textwrap.dedent("""
    import json, sys, time
    from zones import load_catalog
    from regional_eia import project_from_data, screen
    from regional_eia.ledger import open_ledger

    catalog_dir, target, me, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ledger = open_ledger(target, load_catalog(catalog_dir), create=False, timeout=300)
    projects = [project_from_data({
        "id": f"W{me}-{i}", "name": "bench", "industry": "C3484",
        "location": {"crs": 4490, "lon": 118.82, "lat": 30.985},
        "wastewater": {"route": "indirect", "flow": "%s m3/d", "operating_days": 300,
                       "effluent": {"COD": "300 mg/L"}}}) for i in range(count)]
    screen(projects[0], ledger.catalog)  # warm up (lazy imports, transformers) outside the timed part
    print("ready", flush=True)
    sys.stdin.readline()
    recorded = refused = 0
    for project in projects:
        if ledger.commit(project, by="bench").recorded:
            recorded += 1
        else:
            refused += 1
    print(json.dumps({"recorded": recorded, "refused": refused, "done": time.time()}), flush=True)
""" % FLOW)


def write_catalog(folder: Path, fit: int) -> Path:
    """One park whose wastewater cap takes exactly ``fit`` projects of FLOW m3/d (COD caps generous)."""
    import geopandas as gpd
    import yaml
    from shapely.geometry import Polygon

    folder.mkdir(parents=True, exist_ok=True)
    park = Polygon([(118.80, 30.97), (118.84, 30.97), (118.84, 31.00), (118.80, 31.00)])
    unit = Polygon([(118.79, 30.96), (118.88, 30.96), (118.88, 31.01), (118.79, 31.01)])
    frame = gpd.GeoDataFrame({"zid": ["P1", "U1"]}, geometry=gpd.GeoSeries([park, unit], crs=4326).to_crs(4549))
    frame.to_file(folder / "zones.gpkg", layer="zones", driver="GPKG", engine="pyogrio")
    geometry = {"file": "zones.gpkg", "layer": "zones", "id_field": "zid"}
    spec = {"name": f"ledger benchmark ({fit} fit)", "zones": [
        {"id": "P1", "name": "bench park", "kind": "park", "geometry": geometry, "park": {
            "wwtp": {"name": "bench WWTP", "capacity": 10**6, "effluent_class": "1A", "built": "2015-01-01"},
            "receiving_water": {"name": "bench river", "target_class": "III", "attained": True},
            "caps": [{"metric": "wastewater", "value": fit * FLOW, "unit": "m3/d", "basis": "final_discharge"},
                     {"metric": "COD", "value": 10**6, "unit": "t/a", "basis": "final_discharge"}]}},
        {"id": "U1", "name": "bench unit", "kind": "control_unit", "geometry": geometry,
         "control_unit": {"code": "ZH34180220009", "class": "key"}},
    ]}
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return folder


def run(target: str, catalog_dir: Path, writers: int, attempts: int, work: Path) -> dict:
    from regional_eia.ledger import open_ledger
    from zones import load_catalog

    catalog = load_catalog(catalog_dir)
    open_ledger(target, catalog, create=True).close()
    script = work / "writer.py"
    script.write_text(WRITER)
    shares = [attempts // writers + (1 if w < attempts % writers else 0) for w in range(writers)]
    processes = [subprocess.Popen([sys.executable, str(script), str(catalog_dir), target, str(w), str(n)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                 for w, n in enumerate(shares)]
    for p in processes:
        assert p.stdout.readline().strip() == "ready"
    start = time.time()
    for p in processes:
        p.stdin.write("go\n")
        p.stdin.flush()
    outcomes = [json.loads(p.communicate(timeout=1800)[0]) for p in processes]
    seconds = max(o["done"] for o in outcomes) - start
    with open_ledger(target, catalog) as ledger:
        ok = ledger.verify().ok
    recorded = sum(o["recorded"] for o in outcomes)
    refused = sum(o["refused"] for o in outcomes)
    return {"writers": writers, "attempts": attempts, "seconds": round(seconds, 2),
            "transactions_per_s": round(attempts / seconds, 2), "recorded": recorded, "refused": refused,
            "verify_ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=48, help="commits attempted per run, over all writers")
    parser.add_argument("--writers", default="1,4,8")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    fit = args.attempts * 3 // 4
    expected_refused = args.attempts - fit
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    catalog_dir = write_catalog(work / "catalog", fit)
    cluster = None
    figures = []
    failed = False
    try:
        for backend in args.backends.split(","):
            for writers in (int(w) for w in args.writers.split(",")):
                if backend == "sqlite":
                    target = str(work / f"ledger-{writers}.sqlite")
                else:
                    if cluster is None:
                        cluster = _cluster(args.pg_url)
                    target = cluster.new_database()
                figure = {"backend": backend, **run(target, catalog_dir, writers, args.attempts, work)}
                figure["refused_expected"] = expected_refused
                exact = figure["refused"] == expected_refused and figure["recorded"] == fit
                failed |= not (exact and figure["verify_ok"])
                figures.append(figure)
                print(f"{backend:<10} {writers} writer(s): {figure['transactions_per_s']:6.2f} check-and-record/s "
                      f"({args.attempts} in {figure['seconds']} s); recorded {figure['recorded']} of {fit} that fit, "
                      f"refused {figure['refused']} (expected exactly {expected_refused}: "
                      f"{'yes' if exact else 'NO'}); verify {'OK' if figure['verify_ok'] else 'FAILED'}",
                      flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(figures, indent=2))
    sys.exit(1 if failed else 0)


def _cluster(url: str | None):
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import Cluster

    if url:
        return Cluster(url.rstrip("/"))
    return Cluster.start()


if __name__ == "__main__":
    main()
