"""Batch screening at national scale: time per stage, ratio to a bare sjoin, peak memory when streaming.

    python benchmarks/run.py                      # everything (about 6 minutes on 2 cores)
    python benchmarks/run.py --n 100000 --stream 0   # a quick look

Generates (once) the synthetic catalogue and projects of ``benchmarks/generate.py`` under
``benchmarks/out/``, then:

1. loads the catalogue;
2. screens N projects (default 1,000,000) from CSV to GeoParquet with the local engine: read,
   validate, reproject, every spatial check, access lists, capacity, offsets, standards, EIA category,
   write; prints the seconds per stage;
3. runs a bare ``geopandas.sjoin`` of the same sites (WGS84 points) with the 40,000 control units, in
   the same process, and prints the ratio of the whole screening to it;
4. screens a random sample of the rows one by one with ``screen`` and checks they agree;
5. the same N with ``--nearest-park`` (the extra nearest-park search), for its cost;
6. streams M projects (default 10,000,000) through in chunks in a child process and prints its peak
   resident memory.

Figures go to stdout and to ``benchmarks/out/figures.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CATALOGUE = OUT / "national"
ON = dt.date(2027, 1, 1)
sys.path.insert(0, str(HERE))


def _label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def ensure_inputs(n: int) -> Path:
    import generate

    if not (CATALOGUE / "catalog.yaml").exists():
        began = time.perf_counter()
        generate.catalogue(CATALOGUE)
        print(f"generated the catalogue in {time.perf_counter() - began:.1f} s")
    path = OUT / f"projects-{_label(n)}.csv"
    if not path.exists():
        began = time.perf_counter()
        generate.projects(CATALOGUE, n, path)
        print(f"generated {n:,} projects in {time.perf_counter() - began:.1f} s")
    return path


def rss_mb() -> float:
    """Peak resident memory of this process, MB: VmHWM (ru_maxrss would include the parent's when forked)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_sjoin(catalog, result_path: Path) -> tuple[float, int, int]:
    """geopandas.sjoin of the batch's WGS84 sites with the control units (WGS84), timed alone."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    sites = pq.read_table(result_path, columns=["lon", "lat"]).to_pandas().dropna()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326)
    units = catalog.zones[catalog.zones["kind"] == "control_unit"]
    polygons = gpd.GeoDataFrame({"zone_id": units["zone_id"].to_numpy()}, geometry=units.geometry.values, crs=4326)
    began = time.perf_counter()
    joined = gpd.sjoin(points, polygons, predicate="intersects")
    return time.perf_counter() - began, len(points), len(joined)


def screen(path: Path, catalog, out: Path, chunk_size: int, nearest_park: bool = False):
    from regional_eia.batch import screen_batch

    began = time.perf_counter()
    summary = screen_batch(path, out, catalog=catalog, on=ON, chunk_size=chunk_size, nearest_park=nearest_park)
    return time.perf_counter() - began, summary


def child_stream(path: str, chunk_size: int) -> None:
    """Run in a child process: stream ``path`` through the engine; print the figures as JSON."""
    from zones import load_catalog

    began = time.perf_counter()
    catalog = load_catalog(CATALOGUE)
    loaded = time.perf_counter() - began
    rss_catalogue = rss_mb()
    seconds, summary = screen(Path(path), catalog, OUT / "stream-result.parquet", chunk_size)
    print(json.dumps({"rows": summary.rows, "seconds": seconds, "catalogue_seconds": loaded,
                      "rss_after_catalogue_mb": rss_catalogue, "peak_rss_mb": rss_mb(),
                      "stages": summary.stages}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--stream", type=int, default=10_000_000, help="rows to stream (0: skip)")
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=300, help="rows checked one by one against screen()")
    parser.add_argument("--child-stream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_stream:
        child_stream(args.child_stream, args.chunk_size)
        return

    from zones import load_catalog

    figures: dict = {"machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()}}
    path = ensure_inputs(args.n)
    began = time.perf_counter()
    catalog = load_catalog(CATALOGUE)
    figures["catalogue_load_seconds"] = time.perf_counter() - began
    print(f"catalogue: {len(catalog.zones):,} zones in {len(catalog.groups)} Gauss-Kruger groups, loaded in "
          f"{figures['catalogue_load_seconds']:.1f} s (RSS {rss_mb():,.0f} MB)")

    out = OUT / f"result-{_label(args.n)}.parquet"
    seconds, summary = screen(path, catalog, out, args.chunk_size)
    sjoin_seconds, points, pairs = bare_sjoin(catalog, out)
    figures["batch"] = {"rows": summary.rows, "seconds": seconds, "stages": summary.stages,
                        "by_verdict": summary.by_verdict, "rss_mb": rss_mb()}
    figures["sjoin"] = {"points": points, "pairs": pairs, "seconds": sjoin_seconds}
    figures["ratio_to_sjoin"] = seconds / sjoin_seconds
    print(f"\nbatch screening of {summary.rows:,} projects: {seconds:.1f} s "
          f"({seconds / summary.rows * 1e6:.1f} us per row)")
    for stage, value in sorted(summary.stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<10} {value:6.2f} s")
    print(f"verdicts: {summary.by_verdict}")
    print(f"bare geopandas.sjoin of {points:,} points with {len(catalog.control_units):,} control units: "
          f"{sjoin_seconds:.2f} s -> the whole screening takes {figures['ratio_to_sjoin']:.1f}x a bare sjoin")

    if args.sample:
        from spotcheck import spotcheck

        bad = spotcheck(catalog, path, out, args.sample, ON)
        figures["spotcheck"] = {"sampled": args.sample, "disagreeing": bad}

    near_seconds, near = screen(path, catalog, OUT / f"result-{_label(args.n)}-nearest.parquet", args.chunk_size,
                                nearest_park=True)
    figures["batch_with_nearest_park"] = {"seconds": near_seconds, "spatial": near.stages.get("spatial")}
    print(f"with --nearest-park: {near_seconds:.1f} s (spatial {near.stages.get('spatial', 0):.1f} s)")

    if args.stream:
        stream_path = ensure_inputs(args.stream)
        child = subprocess.run([sys.executable, __file__, "--child-stream", str(stream_path), "--chunk-size",
                                str(args.chunk_size)], capture_output=True, text=True, check=True)
        streamed = json.loads(child.stdout.strip().splitlines()[-1])
        figures["stream"] = streamed
        print(f"\nstreamed {streamed['rows']:,} projects in chunks of {args.chunk_size:,}: "
              f"{streamed['seconds']:.1f} s, peak RSS {streamed['peak_rss_mb']:,.0f} MB "
              f"(catalogue alone {streamed['rss_after_catalogue_mb']:,.0f} MB)")

    (OUT / "figures.json").write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print(f"\nfigures in {OUT / 'figures.json'}")


if __name__ == "__main__":
    main()
