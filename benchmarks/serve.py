"""Load test of the online channel's public screening endpoint (``POST /api/screen``).

Starts ``regional-eia serve`` on 127.0.0.1 (a fresh SQLite database and ledger in a temporary folder,
the demo catalogue), waits for it, then sends the demo dyeing project at 1, 10 and 50 concurrent
clients and prints requests per second and p50/p95 latency beside the goal. Every phase is bounded in
count and time; the server is stopped at the end. Only 127.0.0.1 is ever contacted.

    python benchmarks/serve.py [--requests 400] [--seconds 30] [--db postgresql://...]

The clients run on the same machine as the server (2 cores here), so the figures include their cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = (1, 10, 50)
GOAL_P95_S = 2.0  # "an opinion in seconds": p95 under 2 s even at 50 concurrent clients
PROJECT = {
    "id": "BENCH-1", "name": "dyeing plant phases 2-3 (benchmark)", "industry": "C1713",
    "processes": ["pretreatment", "dyeing", "printing_conventional"],
    "location": {"crs": "EPSG:4490", "lon": 118.822, "lat": 30.99},
    "wastewater": {"route": "indirect", "flow": "3000 m3/d", "operating_days": 300, "pH": "6-9",
                   "effluent": {"COD": "180 mg/L", "NH3-N": "8 mg/L", "TN": "12 mg/L", "TP": "1.0 mg/L"}},
    "air": {"emissions": {"PM": "1.2 t/a", "VOCs": "2.4 t/a"}},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, db: str | None, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "REGIONAL_EIA_SCREEN_RATE": "1000000/minute"}
    command = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--db", db or f"sqlite:///{folder / 'channel.sqlite'}", "--ledger", str(folder / "ledger.sqlite"),
               "--workers", str(workers)]
    log = open(folder / "server.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}); see {folder / 'server.log'}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not answer within 180 s")


async def phase(base: str, clients: int, requests: int, seconds: float) -> dict:
    latencies: list[float] = []
    first_error: list[str] = []
    errors = 0
    sent = 0
    stop_at = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent, errors
        while sent < requests and time.monotonic() < stop_at:
            sent += 1
            started = time.perf_counter()
            try:
                response = await http.post("/api/screen", json={"project": PROJECT})
                ok = response.status_code == 200 and response.json()["result"]["verdict"] == "fail"
                why = f"status {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                ok, why = False, f"{exc.__class__.__name__}: {exc}"
            latencies.append(time.perf_counter() - started)
            if not ok:
                errors += 1
                first_error.append(why)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        # Warm up: one request per client, so that every worker thread has opened its ledger.
        await asyncio.gather(*(http.post("/api/screen", json={"project": PROJECT}) for _ in range(clients)))
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {"clients": clients, "requests": len(latencies), "errors": errors, "seconds": elapsed,
            "rps": len(latencies) / elapsed, "p50": statistics.median(latencies),
            "p95": latencies[max(0, int(round(0.95 * len(latencies))) - 1)], "error": first_error[:1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="most requests per phase")
    parser.add_argument("--seconds", type=float, default=30, help="most seconds per phase")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(Path(tmp), args.db, args.workers)
        try:
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            print(f"POST /api/screen (demo dyeing project) against {base}, {args.workers} worker(s), "
                  f"{os.cpu_count()} cores, load average {load:.1f} at the start; "
                  f"goal: p95 < {GOAL_P95_S:g} s at every concurrency")
            print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}  goal")
            for clients in CONCURRENCY:
                r = asyncio.run(phase(base, clients, args.requests, args.seconds))
                verdict = "met" if r["p95"] < GOAL_P95_S and not r["errors"] else "NOT met"
                print(f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>7.1f} "
                      f"{1000 * r['p50']:>7.0f} {1000 * r['p95']:>7.0f}  {verdict}", flush=True)
                for why in r["error"]:
                    print(f"        first error: {why}", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
