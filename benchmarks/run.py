"""Speed where users wait: catalogue open, a cold screen, a national batch; each figure beside its goal.

    python benchmarks/run.py                      # everything (about 10 minutes on 2 cores)
    python benchmarks/run.py --n 100000 --stream 0   # a quick look
    python benchmarks/run.py --cli-only [--vs OTHER/bin/regional-eia]   # the cold screen and --help alone

Generates (once) the synthetic catalogue and projects of ``benchmarks/generate.py`` under
``benchmarks/out/``, then, with compiled catalogues kept in ``benchmarks/out/cache``:

1. opens the catalogue in fresh processes: from its sources (the cold load, which also writes the
   compiled form), then compiled (three times); seconds and resident memory after the load;
2. times ``regional-eia screen`` of a demo project and ``regional-eia --help`` as a user runs them
   (fresh processes, wall clock, five runs each after a warm-up);
3. screens N projects (default 1,000,000) from CSV to GeoParquet with the local engine: read,
   validate, reproject, every spatial check, access lists, capacity, offsets, standards, EIA category,
   write; prints the seconds per stage;
4. runs a bare ``geopandas.sjoin`` of the same sites (WGS84 points) with the 40,000 control units, in
   the same process, and prints the ratio of the whole screening to it;
5. screens a random sample of the rows one by one with ``screen`` and checks they agree;
6. the same N with ``--nearest-park`` (the extra nearest-park search), for its cost;
7. streams M projects (default 10,000,000) through in chunks in a child process and prints its peak
   resident memory;
8. prints every figure beside its goal (issue 15), with min and median where runs repeat.

Figures go to stdout and to ``benchmarks/out/figures.json``. The machine is shared: the load average
at the start and end is recorded; repeat a run before trusting a difference of a few per cent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ.get("REGIONAL_EIA_BENCH_OUT") or HERE / "out")  # inputs generated once, reused
CATALOGUE = OUT / "national"
CACHE = OUT / "cache"
DEMO_PROJECT = HERE.parent / "examples" / "xuancheng-dyeing-phase2-3.yaml"
ON = dt.date(2027, 1, 1)
sys.path.insert(0, str(HERE))
os.environ["REGIONAL_EIA_CACHE_DIR"] = str(CACHE)  # children inherit it


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


def child_open(compiled: str) -> None:
    """Run in a child process: open the national catalogue; print seconds and RSS after the load."""
    import warnings

    began = time.perf_counter()
    from zones import load_catalog

    imported = time.perf_counter()
    cpu = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        catalog = load_catalog(CATALOGUE, compiled=compiled == "compiled")
    loaded = time.perf_counter()
    figures = {"import_seconds": imported - began, "seconds": loaded - imported,
               "cpu_seconds": time.process_time() - cpu, "rss_mb": rss_now_mb(),
               "peak_rss_mb": rss_mb(), "zones": len(catalog.table), "groups": len(catalog.groups),
               "warnings": [str(w.message) for w in caught]}
    if compiled != "compiled":  # write the compiled form of what was loaded, for the opens that follow
        from zones.compiled import compiled_path, write_compiled

        began = time.perf_counter()
        write_compiled(catalog, compiled_path(catalog.source), CATALOGUE, CATALOGUE / "catalog.yaml")
        figures["compile_seconds"] = time.perf_counter() - began
    print(json.dumps(figures))


def rss_now_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_in_child(compiled: bool) -> dict:
    child = subprocess.run([sys.executable, __file__, "--child-open", "compiled" if compiled else "sources"],
                           capture_output=True, text=True, check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def user_env(cache: Path) -> dict[str, str]:
    """The environment of a user's run: compiled catalogues in ``cache``, and Python's bytecode cached
    as an installed package has it (under ``out/pycache``, never beside the sources), even where the
    shell says PYTHONDONTWRITEBYTECODE, which would recompile the tool's modules in every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REGIONAL_EIA_CACHE_DIR=str(cache), PYTHONPYCACHEPREFIX=str(OUT / "pycache" / cache.name))
    return env


def wall_of(command: list[str], runs: int = 5, env: dict[str, str] | None = None) -> dict:
    """Wall seconds of a whole command, as a user waits for it: one warm-up, then ``runs`` runs."""
    times, cpu = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            times.append(time.perf_counter() - began)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    # on a shared machine wall time waits for other processes; CPU seconds (user + sys) show the work
    return {"min": min(times), "median": statistics.median(times), "runs": times,
            "cpu_median": statistics.median(cpu), "cpu_min": min(cpu)}


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
    parser.add_argument("--child-open", help=argparse.SUPPRESS)
    parser.add_argument("--opens", type=int, default=3, help="compiled opens to time")
    parser.add_argument("--cli-only", action="store_true",
                        help="only the cold screen and --help (seconds; no catalogue or batch)")
    parser.add_argument("--vs", metavar="REGIONAL_EIA",
                        help="with --cli-only: another installation's regional-eia executable, timed in turn "
                             "with this one (its own cache folder) for a before/after under the same load")
    args = parser.parse_args()
    if args.cli_only:
        cli_only(args)
        return
    if args.child_stream:
        child_stream(args.child_stream, args.chunk_size)
        return
    if args.child_open:
        child_open(args.child_open)
        return

    from zones import load_catalog

    figures: dict = {"machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()}}
    path = ensure_inputs(args.n)

    shutil.rmtree(CACHE, ignore_errors=True)
    cold = open_in_child(compiled=False)  # from the sources; then writes the compiled form
    opens = [open_in_child(compiled=True) for _ in range(args.opens)]
    assert not any(o["warnings"] for o in opens), opens
    figures["catalogue"] = {
        "cold_seconds": cold["seconds"], "cold_rss_mb": cold["rss_mb"], "cold_peak_rss_mb": cold["peak_rss_mb"],
        "compile_seconds": cold["compile_seconds"],
        "compiled_seconds": {"min": min(o["seconds"] for o in opens),
                             "median": statistics.median(o["seconds"] for o in opens),
                             "runs": [o["seconds"] for o in opens],
                             "cpu_median": statistics.median(o["cpu_seconds"] for o in opens)},
        "compiled_rss_mb": statistics.median(o["rss_mb"] for o in opens),
        "compiled_bytes": sum(f.stat().st_size for f in CACHE.glob("*.npz")),
        "zones": cold["zones"], "groups": cold["groups"],
    }
    c = figures["catalogue"]
    print(f"catalogue: {c['zones']:,} zones in {c['groups']} Gauss-Kruger groups; from the sources "
          f"{c['cold_seconds']:.1f} s (RSS {c['cold_rss_mb']:,.0f} MB); compiled "
          f"{c['compiled_seconds']['median']:.2f} s median of {len(opens)} (RSS {c['compiled_rss_mb']:,.0f} MB)")

    figures.update(cli_figures(_this_cli(), user_env(CACHE)))
    print(f"regional-eia screen (demo project): {figures['cold_screen']['median']:.2f} s wall median; "
          f"--help {figures['help']['median']:.2f} s")

    began = time.perf_counter()
    catalog = load_catalog(CATALOGUE)
    figures["catalogue_in_process_seconds"] = time.perf_counter() - began

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
    figures["batch_with_nearest_park"] = {"seconds": near_seconds, "screen": near.stages.get("screen")}
    print(f"with --nearest-park: {near_seconds:.1f} s (screen stage {near.stages.get('screen', 0):.1f} s)")

    if args.stream:
        stream_path = ensure_inputs(args.stream)
        child = subprocess.run([sys.executable, __file__, "--child-stream", str(stream_path), "--chunk-size",
                                str(args.chunk_size)], capture_output=True, text=True, check=True)
        streamed = json.loads(child.stdout.strip().splitlines()[-1])
        figures["stream"] = streamed
        print(f"\nstreamed {streamed['rows']:,} projects in chunks of {args.chunk_size:,}: "
              f"{streamed['seconds']:.1f} s, peak RSS {streamed['peak_rss_mb']:,.0f} MB "
              f"(catalogue alone {streamed['rss_after_catalogue_mb']:,.0f} MB)")

    figures["machine"]["load_average_at_end"] = os.getloadavg()
    print_goals(figures, args)
    (OUT / "figures.json").write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print(f"\nfigures in {OUT / 'figures.json'}")


def _this_cli() -> list[str]:
    script = Path(sys.executable).parent / "regional-eia"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def cli_figures(cli: list[str], env: dict[str, str], runs: int = 5) -> dict:
    """``regional-eia screen`` of the demo project and ``regional-eia --help``, as a user runs them (the
    demo catalogue compiled and the bytecode cached by a first run)."""
    subprocess.run([*cli, "screen", str(DEMO_PROJECT)], capture_output=True, check=True, env=env)
    return {"cold_screen": wall_of([*cli, "screen", str(DEMO_PROJECT)], runs, env),
            "help": wall_of([*cli, "--help"], runs, env)}


def cli_only(args) -> None:
    """The cold screen and --help, this installation's and (``--vs``) another's, in turn: A B A B ..."""
    load = os.getloadavg()
    sides = {"this": _this_cli()} | ({"vs": [args.vs]} if args.vs else {})
    figures: dict = {side: {"cold_screen": {"runs": [], "cpu": []}, "help": {"runs": [], "cpu": []}}
                     for side in sides}
    for round_ in range(3):  # interleaved, so that both see the same load
        for side, cli in sides.items():
            got = cli_figures(cli, user_env(OUT / f"cache-cli-{side}"), runs=3)
            for what in ("cold_screen", "help"):
                figures[side][what]["runs"] += got[what]["runs"]
                figures[side][what]["cpu"].append(got[what]["cpu_median"])
    print(f"2 commands, 9 runs each after warm-ups; load average {load[0]:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"{'figure':<38} {'this':>22} {'--vs':>22}   goal")
    for what, label, goal in (("cold_screen", "cold `regional-eia screen` (demo)", 1.0),
                              ("help", "`regional-eia --help`", 0.3)):
        cells = []
        for side in ("this", "vs"):
            if side not in figures:
                cells.append("")
                continue
            runs = figures[side][what]["runs"]
            cells.append(f"{statistics.median(runs):.2f} s (cpu {statistics.median(figures[side][what]['cpu']):.2f})")
        met = statistics.median(figures["this"][what]["runs"]) < goal
        print(f"{label:<38} {cells[0]:>22} {cells[1]:>22}   < {goal} s wall: {'met' if met else 'NOT met'}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "figures-cli.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


def print_goals(figures: dict, args) -> None:
    """Each figure of issue 15 beside its goal."""
    c = figures["catalogue"]
    batch = figures["batch"]
    stages = batch["stages"]
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(what: str, value: str, goal: str, met: bool | None) -> None:
        rows.append((what, value, goal, met))

    row("catalogue load from the sources", f"{c['cold_seconds']:.1f} s", "(reference)", None)
    row("catalogue open, compiled", f"{c['compiled_seconds']['median']:.2f} s (min {c['compiled_seconds']['min']:.2f}, "
        f"cpu {c['compiled_seconds']['cpu_median']:.2f})", "< 1 s", c["compiled_seconds"]["median"] < 1)
    row("RSS after the compiled open", f"{c['compiled_rss_mb']:,.0f} MB", "<= 830 MB (half of 1.66 GB)",
        c["compiled_rss_mb"] <= 830)
    row("RSS after the load from the sources", f"{c['cold_rss_mb']:,.0f} MB", "(reference)", None)
    row("cold `regional-eia screen` (demo)",
        f"{figures['cold_screen']['median']:.2f} s (min {figures['cold_screen']['min']:.2f}, "
        f"cpu {figures['cold_screen']['cpu_median']:.2f})", "< 1.0 s",
        figures["cold_screen"]["median"] < 1.0)
    row("`regional-eia --help`", f"{figures['help']['median']:.2f} s (min {figures['help']['min']:.2f}, "
        f"cpu {figures['help']['cpu_median']:.2f})", "< 0.3 s",
        figures["help"]["median"] < 0.3)
    row(f"whole screening of {batch['rows']:,}", f"{batch['seconds']:.1f} s", "(with the sjoin below)", None)
    row("bare geopandas.sjoin, same points", f"{figures['sjoin']['seconds']:.2f} s", "(yardstick)", None)
    row("ratio whole / sjoin", f"{figures['ratio_to_sjoin']:.1f}x", "<= 3x", figures["ratio_to_sjoin"] <= 3)
    # the one engine times its steps together as "screen" (locate, place, access, capacity, standards, ...);
    # the spatial join alone is compared with PostGIS by benchmarks/postgis.py
    for stage in ("screen", "validate", "finish", "read", "write"):
        row(f"  {stage} stage", f"{stages.get(stage, 0):.2f} s", "", None)
    near = figures["batch_with_nearest_park"]
    ratio = near["seconds"] / batch["seconds"]
    row("--nearest-park / without", f"{ratio:.2f}x ({near['seconds']:.1f} s)", "<= 1.5x", ratio <= 1.5)
    if "spotcheck" in figures:
        s = figures["spotcheck"]
        row("rows checked against screen()", f"{s['sampled'] - s['disagreeing']} of {s['sampled']} agree",
            "all", s["disagreeing"] == 0)
    if "stream" in figures:
        st = figures["stream"]
        row(f"peak RSS streaming {st['rows']:,}", f"{st['peak_rss_mb']:,.0f} MB", "< 2 GB", st["peak_rss_mb"] < 2048)
    load = figures["machine"]
    print(f"\nload average {load['load_average_at_start'][0]:.1f} at the start, "
          f"{load['load_average_at_end'][0]:.1f} at the end, on {load['cores']} cores")
    print("figure" + " " * 36 + "measured" + " " * 30 + "goal")
    for what, value, goal, met in rows:
        mark = "" if met is None else ("  met" if met else "  NOT MET")
        print(f"{what:<42}{value:<38}{goal}{mark}")
    figures["goals"] = [{"figure": w, "value": v, "goal": g, "met": m} for w, v, g, m in rows]


if __name__ == "__main__":
    main()
