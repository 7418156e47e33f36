"""Concurrent writers and killed writers, on both backends (issue 14): the same two tests on an SQLite
file and on a PostgreSQL database.

Both run real processes: a worker script (written to tmp_path) opens the ledger through the library
and waits on stdin, so that all of them hit the ledger at the same moment.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ledger_support import backend, catalog, catalog_dir, new_target, project, raw, rows, target, wastewater  # noqa: F401
from regional_eia.ledger import open_ledger

# --- eight processes racing, many rounds -------------------------------------------------------------

RACER = textwrap.dedent("""
    import json, sys
    from zones import load_catalog
    from regional_eia import project_from_data, screen
    from regional_eia.ledger import open_ledger

    catalog_dir, target, me = sys.argv[1:4]
    ledger = open_ledger(target, load_catalog(catalog_dir), create=False)

    def make(pid, flow):
        return project_from_data({
            "id": pid, "name": pid, "industry": "C3484", "location": {"crs": 4490, "lon": 118.82, "lat": 30.985},
            "wastewater": {"route": "indirect", "flow": f"{flow} m3/d", "operating_days": 300,
                           "effluent": {"COD": "300 mg/L"}}})

    screen(make("warm-up", 1), ledger.catalog, book=ledger)  # lazy imports outside the race
    print("ready", flush=True)
    for line in sys.stdin:
        round_no, flow = line.split()
        pid = f"RACE-{round_no}-{me}"
        recording = ledger.commit(make(pid, flow), by="racer")
        print(json.dumps({"project": pid, "recorded": recording.recorded}), flush=True)
""")

# flows onto the 2,000 m3/d left: k = 4, 2, 8, 1, 6, 7 of the 8 racers fit (benchmarks/ledger.py races longer)
FLOWS = [500, 700, 250, 2000, 333, 285]


def test_eight_processes_racing_onto_a_cap_never_commit_more_than_fit(tmp_path, catalog_dir, catalog, target):
    open_ledger(target, catalog, create=True).close()
    worker = tmp_path / "racer.py"
    worker.write_text(RACER)
    processes = [subprocess.Popen([sys.executable, str(worker), str(catalog_dir), str(target), str(i)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(8)]
    try:
        for p in processes:
            assert p.stdout.readline().strip() == "ready"
        with open_ledger(target, catalog) as ledger:
            for round_no, flow in enumerate(FLOWS):
                for p in processes:  # all of them at once
                    p.stdin.write(f"{round_no} {flow}\n")
                    p.stdin.flush()
                outcomes = [json.loads(p.stdout.readline()) for p in processes]
                winners = {o["project"] for o in outcomes if o["recorded"]}
                fit = min(8, 2000 // flow)
                assert len(winners) == fit, (round_no, flow, winners)
                assert {e.project for e in ledger.history(kind="commit")} >= winners
                assert wastewater(ledger.status()).remaining == pytest.approx(2000 - fit * flow)
                for pid in sorted(winners):  # capacity back for the next round
                    assert ledger.release(pid, by="referee", reason="next round").recorded
            assert ledger.verify().ok
    finally:
        for p in processes:
            p.stdin.close()
            p.wait(timeout=60)
    assert all(p.returncode == 0 for p in processes)


# --- a writer killed mid-write -----------------------------------------------------------------------

KILLED_WRITER = textwrap.dedent("""
    import os, random, signal, sys
    from sqlalchemy import event
    from zones import load_catalog
    from regional_eia import project_from_data
    from regional_eia.ledger import open_ledger

    catalog_dir, target, prefix, mode, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    ledger = open_ledger(target, load_catalog(catalog_dir), create=False)
    store = ledger._store

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if mode in ("row", "instruction"):  # SQLite: from inside SQLite's own work
        connection = store.dbapi_connection
        calls = 0
        kill_at = rng.randint(1, 12000)
        kill_after_rows = connection.total_changes + rng.randint(1, 40)

        def maybe_die():
            global calls
            calls += 1
            if (mode == "instruction" and calls >= kill_at) or (
                    mode == "row" and connection.total_changes >= kill_after_rows):
                die()
            return 0

        connection.set_progress_handler(maybe_die, 1)
        connection.execute("PRAGMA cache_size = 2")  # spill uncommitted pages into the WAL before the commit
    elif mode == "statement":  # either backend: between two statements of a transaction, or before COMMIT
        statements = 0
        kill_at = rng.randint(1, 120)

        @event.listens_for(store.connection, "before_cursor_execute")
        def count(*_args):
            global statements
            statements += 1
            if statements >= kill_at:
                die()

        @event.listens_for(store.connection, "commit")
        def on_commit(_conn):
            if rng.random() < 0.15:
                die()

    def make(pid, flow):
        return project_from_data({
            "id": pid, "name": pid, "industry": "C3484", "location": {"crs": 4490, "lon": 118.82, "lat": 30.985},
            "wastewater": {"route": "indirect", "flow": f"{flow} m3/d", "operating_days": 300,
                           "effluent": {"COD": "300 mg/L"}}})

    print("ready", flush=True)
    for i in range(60):
        pid = f"{prefix}-{i}"
        assert ledger.reserve(make(pid, 10), by="writer").recorded
        print("done reserve", flush=True)
        assert ledger.commit(make(pid, 10), by="writer").recorded
        print("done commit", flush=True)
        assert ledger.release(pid, by="writer", reason="reduced", reduced=make(pid, 5)).recorded
        print("done release", flush=True)
""")

BATCHES_PER_OP = {"reserve": 1, "commit": 2, "release": 1}  # a commit also releases the reservation
OPS = ["reserve", "commit", "release"]
MODES = {"sqlite": ["row", "instruction", "statement", "time", "row", "instruction", "statement"],
         "postgresql": ["statement", "time", "statement", "statement", "time", "statement", "statement"]}


def test_a_writer_killed_mid_write_leaves_the_ledger_before_or_after_that_write(tmp_path, catalog_dir, catalog,
                                                                                 target, backend):
    open_ledger(target, catalog, create=True).close()
    writer = tmp_path / "writer.py"
    writer.write_text(KILLED_WRITER)
    rng = random.Random(20240604)
    killed = 0
    for round_no, mode in enumerate(MODES[backend]):
        before = len(rows(target)[0])
        process = subprocess.Popen(
            [sys.executable, str(writer), str(catalog_dir), str(target), f"K{round_no}", mode,
             str(rng.randrange(10**6))], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        if mode == "time":
            time.sleep(rng.uniform(0.05, 0.6))
            process.send_signal(signal.SIGKILL)
        done = [line.split()[1] for line in process.communicate(timeout=180)[0].splitlines()]
        killed += process.returncode == -signal.SIGKILL
        # the batches of the writes that returned, and at most the one write in flight, whole
        reported = before + sum(BATCHES_PER_OP[op] for op in done)
        in_flight = BATCHES_PER_OP[OPS[len(done) % 3]]
        if backend == "postgresql":  # the server ends the killed session's transaction; wait until it has
            _wait_for_no_other_sessions(target)
        batches = len(rows(target)[0])
        assert batches in (reported, reported + in_flight), (mode, done[-3:], batches, reported)
        if backend == "sqlite":
            with raw(target) as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with open_ledger(target, catalog, create=False) as ledger:
            report = ledger.verify()
            assert report.ok, report.problems
    assert killed >= 5
    with open_ledger(target, catalog) as ledger:  # and it still takes writes
        assert ledger.commit(project("AFTER", 10), by="t").recorded
        assert ledger.verify().ok


def _wait_for_no_other_sessions(target: str, seconds: float = 30) -> None:
    database = target.rsplit("/", 1)[1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with raw(target) as connection:
            others = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %(d)s AND pid <> pg_backend_pid()",
                {"d": database}).scalar_one()
        if not others:
            return
        time.sleep(0.05)
    raise AssertionError(f"a killed writer's session on {database} did not end within {seconds} s")
