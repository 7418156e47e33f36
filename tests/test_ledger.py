"""The capacity ledger (issue 4): check-and-record, nothing lost, migration, export/import, CLI, what-if.

The race and the kill tests run real processes: a worker script (written to tmp_path) opens the ledger
through the library and waits on stdin, so all of them hit the ledger at the same moment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT, project_data, write_catalog
from regional_eia import load_project, project_from_data, screen
from regional_eia.errors import LedgerError
from regional_eia.ledger import APPLICATION_ID, SCHEMA_VERSION, open_ledger
from regional_eia.whatif import what_if
from zones import load_catalog

TODAY = dt.date.today()


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog_dir(tmp_path_factory) -> Path:
    """The small test park: wastewater 10,000 m3/d with 7,000 committed and 1,000 reserved, so 2,000 left."""
    return write_catalog(tmp_path_factory.mktemp("ledger") / "catalog")


@pytest.fixture(scope="module")
def catalog(catalog_dir):
    return load_catalog(catalog_dir)


@pytest.fixture
def ledger(tmp_path, catalog):
    with open_ledger(tmp_path / "ledger.sqlite", catalog) as opened:
        yield opened


def project(pid: str = "T-1", flow: float = 500, **overrides):
    wastewater = {"route": "indirect", "flow": f"{flow} m3/d", "operating_days": 300,
                  "effluent": {"COD": "300 mg/L"}}
    return project_from_data(project_data(id=pid, wastewater=wastewater, **overrides))


def wastewater(status, park: str = "P1"):
    return next(c for c in status.caps if c.park == park and c.metric == "wastewater")


def rows(path: Path) -> tuple[list, list]:
    with sqlite3.connect(path) as connection:
        return (connection.execute("SELECT * FROM batches ORDER BY seq").fetchall(),
                connection.execute("SELECT * FROM entries ORDER BY seq").fetchall())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the file --------------------------------------------------------------------------------------


def test_a_new_ledger_is_a_marked_wal_file_with_its_schema_and_catalogue(ledger, catalog):
    assert ledger.created
    with sqlite3.connect(ledger.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert dict(connection.execute("SELECT key, value FROM meta"))["catalog"] == catalog.name


def test_reopening_does_not_recreate_and_another_catalogue_is_refused(ledger, catalog):
    ledger.commit(project(), by="t")
    with open_ledger(ledger.path, catalog) as again:
        assert not again.created and len(again.history()) == 3
    with pytest.raises(LedgerError, match="keeps the caps of catalogue 'test catalogue"):
        open_ledger(ledger.path, load_catalog())


def test_entries_are_append_only_in_the_file_itself(ledger):
    ledger.commit(project(), by="t")
    with sqlite3.connect(ledger.path) as connection:
        for statement in ("UPDATE entries SET amount = 0", "DELETE FROM entries", "UPDATE batches SET project = 'x'",
                          "DELETE FROM batches"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)


# --- positions and screening -----------------------------------------------------------------------


def test_screening_reads_committed_and_reserved_from_the_ledger(ledger, catalog):
    ledger.commit(project("A", 600), by="t")
    ledger.reserve(project("B", 400), by="t")
    result = screen(project("C", 500), catalog, book=ledger)
    check = next(c for c in result.capacity if c.metric == "wastewater")
    assert (check.committed, check.reserved, check.remaining) == (7600, 1400, 1000)
    assert check.position_source == f"ledger {ledger.path}"


def test_reservations_past_expiry_stop_counting_and_show_says_so(ledger, catalog):
    ledger.reserve(project("R", 800), by="t", expires=TODAY)
    assert wastewater(ledger.status()).reserved == 1800
    later = ledger.status(as_of=TODAY + dt.timedelta(days=1))
    assert wastewater(later).reserved == 1000 and wastewater(later).expired == 800
    assert [(e.project, e.expires) for e in later.expired] == [("R", TODAY.isoformat())]
    with open_ledger(ledger.path, catalog, as_of=TODAY + dt.timedelta(days=1)) as tomorrow:
        position = tomorrow.position("P1", catalog.park("P1").caps[0])
    assert position.reserved == 1000 and "R 800 m3/d (expired" in position.notes[0]
    with pytest.raises(LedgerError, match="before today"):
        ledger.reserve(project("S", 10), by="t", expires=TODAY - dt.timedelta(days=1))


# --- check and record ------------------------------------------------------------------------------


def test_a_commit_that_would_overspend_is_refused_and_writes_nothing(ledger):
    refused = ledger.commit(project("BIG", 2500), by="t")
    assert not refused.recorded
    assert "would overspend" in refused.refusals[0] and "reduce by 500 m3/d" in refused.refusals[0]
    assert ledger.history() == []


def test_an_override_needs_a_reason_and_is_recorded_with_what_it_overrode(ledger):
    with pytest.raises(LedgerError, match="needs a reason"):
        ledger.commit(project("BIG", 2500), by="t", override=True)
    recorded = ledger.commit(project("BIG", 2500), by="t", override=True, reason="committee decision 7")
    assert recorded.recorded and recorded.overridden
    entry = ledger.history(kind="commit")[0]
    assert entry.override and "would overspend" in entry.overrode[0] and entry.reason == "committee decision 7"
    assert wastewater(ledger.status()).remaining == -500
    assert any("overspent by 500" in w for w in ledger.status().warnings)


def test_a_project_refused_for_reasons_other_than_capacity_is_refused_unless_overridden(ledger):
    refinery = project("OIL", 100, industry="C2511")
    refused = ledger.reserve(refinery, by="t")
    assert not refused.recorded and refused.refusals[0].startswith("ACCESS_PROHIBITED")
    assert ledger.reserve(refinery, by="t", override=True, reason="test of the override").recorded


def test_missing_data_cannot_be_overridden(ledger):
    incomplete = project_from_data(project_data(id="INC", wastewater={"route": "indirect", "flow": "100 m3/d"}))
    refused = ledger.commit(incomplete, by="t", override=True, reason="try")
    assert not refused.recorded and any("unknown" in r for r in refused.refusals)


def test_a_reservation_becomes_the_commitment_without_counting_twice(ledger):
    assert ledger.reserve(project("FULL", 2000), by="t").recorded  # takes everything left
    committed = ledger.commit(project("FULL", 2000), by="t")
    assert committed.recorded
    assert [(e.kind, e.pool) for e in committed.entries if e.metric == "wastewater"] == [
        ("release", "reserve"), ("commit", "commit")]
    status = wastewater(ledger.status())
    assert (status.committed, status.reserved, status.remaining) == (9000, 1000, 0)


def test_a_project_is_committed_once_and_a_new_reservation_replaces_the_old(ledger):
    ledger.reserve(project("X", 300), by="t")
    ledger.reserve(project("X", 200), by="t", reason="smaller design")
    assert wastewater(ledger.status()).reserved == 1200
    assert ledger.commit(project("X", 200), by="t").recorded
    again = ledger.commit(project("X", 200), by="t")
    assert not again.recorded and "already committed" in again.refusals[0]
    assert not ledger.reserve(project("X", 200), by="t").recorded


def test_release_all_or_what_a_reduced_project_no_longer_needs(ledger):
    ledger.commit(project("Y", 1000), by="t")
    with pytest.raises(LedgerError, match="needs a reason"):
        ledger.release("Y", by="t", reason=" ")
    bigger = ledger.release("Y", by="t", reason="grow", reduced=project("Y", 1200))
    assert not bigger.recorded and "increase" in bigger.refusals[0]
    reduced = ledger.release("Y", by="t", reason="reuse 40%", reduced=project("Y", 600))
    assert reduced.recorded and {e.metric: e.amount for e in reduced.entries}["wastewater"] == 400
    assert wastewater(ledger.status()).committed == 7600
    assert ledger.release("Y", by="t", reason="withdrawn").recorded
    assert wastewater(ledger.status()).committed == 7000
    nothing = ledger.release("Y", by="t", reason="again")
    assert not nothing.recorded and "holds nothing" in nothing.refusals[0]
    assert ledger.verify().ok


def test_history_filters(ledger):
    ledger.reserve(project("H1", 100), by="ann")
    ledger.commit(project("H2", 100), by="bo")
    assert {e.project for e in ledger.history(by="ann")} == {"H1"}
    assert {e.kind for e in ledger.history(project="H2")} == {"commit"}
    assert [e.metric for e in ledger.history(kind="commit", metric="wastewater")] == ["wastewater"]
    assert ledger.history(since=TODAY + dt.timedelta(days=2)) == []
    assert len(ledger.history(until=TODAY + dt.timedelta(days=1))) == 6


# --- eight processes racing ------------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import json, sys
    from zones import load_catalog
    from regional_eia import load_project
    from regional_eia.ledger import open_ledger

    catalog_dir, ledger_path, project_file = sys.argv[1:4]
    ledger = open_ledger(ledger_path, load_catalog(catalog_dir), create=False)
    project = load_project(project_file)
    print("ready", flush=True)
    sys.stdin.readline()
    recording = ledger.commit(project, by="racer")
    print(json.dumps({"project": project.id, "recorded": recording.recorded}), flush=True)
""")


def test_eight_processes_racing_onto_a_cap_that_fits_four_commit_exactly_four(tmp_path, catalog_dir, catalog):
    ledger_path = tmp_path / "race.sqlite"
    open_ledger(ledger_path, catalog).close()
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    processes = []
    for i in range(8):  # 8 x 500 m3/d onto 2,000 m3/d left: exactly 4 fit
        file = tmp_path / f"racer-{i}.yaml"
        file.write_text(yaml.safe_dump(project(f"RACE-{i}", 500).model_dump(mode="json", exclude_none=True)))
        processes.append(subprocess.Popen([sys.executable, str(worker), str(catalog_dir), str(ledger_path), str(file)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for p in processes:
        assert p.stdout.readline().strip() == "ready"
    for p in processes:  # all of them at once
        p.stdin.write("go\n")
        p.stdin.flush()
    outcomes = [json.loads(p.communicate(timeout=120)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    winners = {o["project"] for o in outcomes if o["recorded"]}
    assert len(winners) == 4
    with open_ledger(ledger_path, catalog) as ledger:
        assert {e.project for e in ledger.history(kind="commit")} == winners
        assert wastewater(ledger.status()).remaining == 0
        assert ledger.verify().ok


# --- a writer killed mid-write ---------------------------------------------------------------------

KILLED_WRITER = textwrap.dedent("""
    import os, random, signal, sys
    from zones import load_catalog
    from regional_eia import project_from_data
    from regional_eia.ledger import open_ledger

    catalog_dir, ledger_path, prefix, mode, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    ledger = open_ledger(ledger_path, load_catalog(catalog_dir), create=False)
    connection = ledger._connection  # to kill this process from inside SQLite's own work
    calls = 0
    kill_at = rng.randint(1, 12000)
    kill_after_rows = connection.total_changes + rng.randint(1, 40)

    def maybe_die():
        global calls
        calls += 1
        if (mode == "instruction" and calls >= kill_at) or (mode == "row" and connection.total_changes >= kill_after_rows):
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    if mode != "time":
        connection.set_progress_handler(maybe_die, 1)
        connection.execute("PRAGMA cache_size = 2")  # spill uncommitted pages into the WAL before the commit

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


def test_a_writer_killed_mid_write_leaves_the_ledger_before_or_after_that_write(tmp_path, catalog_dir, catalog):
    ledger_path = tmp_path / "killed.sqlite"
    open_ledger(ledger_path, catalog).close()
    writer = tmp_path / "writer.py"
    writer.write_text(KILLED_WRITER)
    rng = random.Random(20240604)
    killed = 0
    for round_no, mode in enumerate(["row", "instruction", "row", "time", "instruction", "row", "time", "row"]):
        before = len(rows(ledger_path)[0])
        process = subprocess.Popen(
            [sys.executable, str(writer), str(catalog_dir), str(ledger_path), f"K{round_no}", mode,
             str(rng.randrange(10**6))], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        if mode == "time":
            time.sleep(rng.uniform(0.05, 0.4))
            process.send_signal(signal.SIGKILL)
        done = [line.split()[1] for line in process.communicate(timeout=120)[0].splitlines()]
        killed += process.returncode == -signal.SIGKILL
        # the batches of the writes that returned, and at most the one write in flight, whole
        reported = before + sum(BATCHES_PER_OP[op] for op in done)
        in_flight = BATCHES_PER_OP[OPS[len(done) % 3]]
        batches = len(rows(ledger_path)[0])
        assert batches in (reported, reported + in_flight), (mode, done[-3:], batches, reported)
        with sqlite3.connect(ledger_path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with open_ledger(ledger_path, catalog, create=False) as ledger:
            report = ledger.verify()
            assert report.ok, report.problems
    assert killed >= 6
    with open_ledger(ledger_path, catalog) as ledger:  # and it still takes writes
        assert ledger.commit(project("AFTER", 10), by="t").recorded


# --- files that are not ledgers, corruption, migration ---------------------------------------------


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE parks (id TEXT)")
    connection.close()


def _corrupted_ledger(path: Path, catalog) -> None:
    with open_ledger(path, catalog) as ledger:
        for i in range(3):
            ledger.commit(project(f"C-{i}", 100), by="t")
    data = bytearray(path.read_bytes())
    data[2 * 4096:3 * 4096] = b"\xff" * 4096  # a b-tree page overwritten
    path.write_bytes(bytes(data))


def _newer_ledger(path: Path, catalog) -> None:
    open_ledger(path, catalog).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()


@pytest.mark.parametrize("make, message", [
    (lambda path, catalog: path.write_text("park,metric,amount\nP1,wastewater,500\n"), "not an SQLite database"),
    (lambda path, catalog: _other_sqlite(path), "not a regional-eia ledger"),
    (_corrupted_ledger, "the ledger is corrupt"),
    (_newer_ledger, "newer regional-eia"),
], ids=["csv", "other-sqlite", "corrupt", "newer-schema"])
def test_a_file_that_is_not_a_usable_ledger_gets_a_clear_error_and_is_left_untouched(tmp_path, catalog, make,
                                                                                      message):
    path = tmp_path / "ledger.sqlite"
    make(path, catalog)
    before = digest(path)
    sidecars = {p.name for p in tmp_path.iterdir()}
    with pytest.raises(LedgerError, match=message) as caught:
        open_ledger(path, catalog)
    assert str(path) in str(caught.value)
    assert digest(path) == before
    assert {p.name for p in tmp_path.iterdir()} == sidecars


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE batches (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('commit', 'reserve', 'release')),
    project TEXT NOT NULL, park TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL,
    reason TEXT NOT NULL, expires TEXT, override INTEGER NOT NULL CHECK (override IN (0, 1)), screening TEXT,
    lines INTEGER NOT NULL CHECK (lines > 0), CHECK ((kind = 'reserve') = (expires IS NOT NULL))
) STRICT;
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL REFERENCES batches (seq), metric TEXT NOT NULL,
    basis TEXT NOT NULL, unit TEXT NOT NULL, amount REAL NOT NULL CHECK (amount >= 0),
    pool TEXT NOT NULL CHECK (pool IN ('commit', 'reserve'))
) STRICT;
"""


def test_a_schema_1_ledger_is_migrated_in_place_after_a_backup(tmp_path, catalog):
    current = tmp_path / "current.sqlite"
    with open_ledger(current, catalog) as ledger:
        ledger.reserve(project("M1", 300), by="t")
        ledger.commit(project("M2", 200), by="t")
    batches, entries = rows(current)
    old = tmp_path / "old.sqlite"  # the same entries, as schema 1 kept them (no 'overrode', no triggers)
    with sqlite3.connect(old) as connection:
        connection.executescript(V1_SCHEMA)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("PRAGMA user_version = 1")
        connection.executemany("INSERT INTO meta VALUES (?, ?)", [("catalog", catalog.name), ("created_at", "x")])
        connection.executemany(f"INSERT INTO batches VALUES ({', '.join('?' * 12)})", [b[:12] for b in batches])
        connection.executemany(f"INSERT INTO entries VALUES ({', '.join('?' * 7)})", entries)
    connection.close()

    with open_ledger(old, catalog) as migrated:
        assert migrated.migrated_from == 1 and migrated.schema_version == SCHEMA_VERSION
        backup = migrated.backup
        assert migrated.verify().ok
        assert wastewater(migrated.status()).committed == 7200
    assert rows(old) == (batches, entries)
    with sqlite3.connect(backup) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        assert connection.execute("SELECT count(*) FROM entries").fetchone()[0] == len(entries)
    connection.close()
    with open_ledger(old, catalog) as again:
        assert again.migrated_from is None


# --- export and import -----------------------------------------------------------------------------


@pytest.fixture
def busy_ledger(ledger):
    """A ledger with every kind of entry: reservations, a conversion, a reduction, an override, an expiry."""
    ledger.reserve(project("E1", 300), by="王丽", expires=TODAY, reason="pre-application, 初审")
    ledger.commit(project("E2", 400), by="bo", reason='approved "as is", line 1\nline 2')
    ledger.reserve(project("E3", 250), by="bo")
    ledger.commit(project("E3", 250), by="bo")
    ledger.release("E2", by="bo", reason="reduced", reduced=project("E2", 123.456))
    ledger.commit(project("E4", 5000), by="chair", override=True, reason="committee")
    return ledger


@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_an_export_imported_into_an_empty_ledger_reproduces_it_exactly(busy_ledger, tmp_path, catalog, format):
    first = io.StringIO()
    count = busy_ledger.export_entries(first, format)
    assert count == len(busy_ledger.history()) == 21
    copy = tmp_path / f"copy-{format}.sqlite"
    with open_ledger(copy, catalog) as imported:
        assert imported.import_entries(io.StringIO(first.getvalue()), format) == count
        second = io.StringIO()
        imported.export_entries(second, format)
        assert second.getvalue() == first.getvalue()
        assert imported.status() == busy_ledger.status().model_copy(update={"ledger": str(copy)})
        assert imported.verify().ok
    assert rows(copy) == rows(busy_ledger.path)


def test_import_needs_an_empty_ledger_and_a_valid_export(busy_ledger, tmp_path, catalog):
    export = io.StringIO()
    busy_ledger.export_entries(export, "jsonl")
    with pytest.raises(LedgerError, match="needs an empty ledger"):
        busy_ledger.import_entries(io.StringIO(export.getvalue()), "jsonl")
    lines = export.getvalue().splitlines()
    lines[4] = lines[4].replace('"amount":', '"amount":-')
    with open_ledger(tmp_path / "bad.sqlite", catalog) as fresh:
        with pytest.raises(LedgerError, match="entry on line 5: amount"):
            fresh.import_entries(io.StringIO("\n".join(lines)), "jsonl", name="bad.jsonl")
        no_expiry = [json.dumps({**json.loads(line), "expires": None}) for line in export.getvalue().splitlines()]
        with pytest.raises(LedgerError, match="breaks the ledger's rules"):  # a reservation must expire
            fresh.import_entries(io.StringIO("\n".join(no_expiry)), "jsonl")
        assert fresh.history() == []


def test_verify_recomputes_and_finds_a_release_of_more_than_was_held(busy_ledger):
    assert busy_ledger.verify().ok
    with sqlite3.connect(busy_ledger.path) as connection:  # written behind the library's back
        connection.execute("INSERT INTO batches (seq, id, kind, project, park, recorded_by, recorded_at, reason, "
                           "override, lines) VALUES (99, 'forged', 'release', 'E3', 'P1', 'x', 'x', 'x', 0, 2)")
        connection.execute("INSERT INTO entries (seq, batch, metric, basis, unit, amount, pool) "
                           "VALUES (999, 99, 'wastewater', 'final_discharge', 'm3/d', 9999, 'commit')")
    connection.close()
    problems = busy_ledger.verify().problems
    assert any("declares 2 entries but has 1" in p for p in problems)
    assert any("releases 9,999 m3/d" in p and "held 250" in p for p in problems)
    assert any("jump" in p for p in problems)


# --- the demo: Xuancheng's dyeing plant ------------------------------------------------------------


def test_xuancheng_dyeing_phases_2_3_fit_only_once_wastewater_falls_by_what_the_tool_states(tmp_path):
    demo = load_catalog()
    dyeing = load_project(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml")
    report = what_if(dyeing, demo)
    (change,) = report.changes
    assert (change.metric, change.reduce_by, change.max_flow_m3d) == ("wastewater", 1800, 1200)
    assert report.reuse_rate_to_fit == pytest.approx(0.6)
    assert [p.park for p in report.parks if p.takes] == ["langxi-edz", "fuyang-coal-chem"]
    assert [p.park for p in report.parks if p.here] == ["xuancheng-hitech"]

    def at(flow):
        ww = dyeing.wastewater
        return dyeing.model_copy(update={"wastewater": ww.model_copy(update={"flow": ww.flow.model_copy(
            update={"value": flow})})})

    with open_ledger(tmp_path / "xc.sqlite", demo) as ledger:
        refused = ledger.commit(dyeing, by="t")
        assert not refused.recorded and "reduce by 1,800 m3/d" in refused.refusals[0]
        assert "reuse 60.0%" in refused.refusals[0]
        assert not ledger.commit(at(1200.5), by="t").recorded
        assert ledger.commit(at(1200), by="t").recorded
        assert wastewater(ledger.status(park="xuancheng-hitech"), "xuancheng-hitech").remaining == 0
        assert load_project(EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml").wastewater.flow.value == 1200


# --- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli():
    from cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_the_readme_walkthrough(cli, tmp_path):
    ledger = tmp_path / "xc.sqlite"
    dyeing, reuse60 = EXAMPLES / "xuancheng-dyeing-phase2-3.yaml", EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml"

    result = cli("screen", dyeing, "--what-if")
    assert result.exit_code == 0 and "fits when wastewater is at most 1,200 m3/d, i.e. reusing 60.0% of it" in result.stdout
    assert "langxi-edz" in result.stdout

    result = cli("ledger", "init", "--ledger", ledger)
    assert result.exit_code == 0 and "created" in result.stdout

    result = cli("ledger", "reserve", dyeing, "--ledger", ledger, "--by", "Wang Li")
    assert result.exit_code == 1 and result.stdout == ""
    assert "refused: would overspend" in result.stderr and "reduce by 1,800 m3/d" in result.stderr

    result = cli("ledger", "reserve", reuse60, "--ledger", ledger, "--by", "Wang Li", "--expires",
                 (TODAY + dt.timedelta(days=30)).isoformat())
    assert result.exit_code == 0, result.stderr
    assert "reserve XC-2027-014 in xuancheng-hitech" in result.stdout

    result = cli("ledger", "commit", reuse60, "--ledger", ledger, "--by", "Zhao Min", "--reason",
                 "approved [宣环审〔2027〕14号]")
    assert result.exit_code == 0 and "commit XC-2027-014" in result.stdout and "[batch " in result.stdout

    result = cli("ledger", "show", "--ledger", ledger, "--park", "xuancheng-hitech")
    assert result.exit_code == 0 and "19,400" in result.stdout
    assert "wastewater cap (20,000 m3/d, final_discharge) is 100.0% used, over the 80% warning" in result.stderr

    result = cli("ledger", "show", "--ledger", ledger, "--format", "json")
    status = json.loads(result.stdout)
    assert {c["park"] for c in status["caps"]} == {"xuancheng-hitech", "langxi-edz", "fuyang-coal-chem"}

    result = cli("screen", EXAMPLES / "xuancheng-gcj02-electronics.yaml", "--ledger", ledger, "--strict")
    assert result.exit_code == 1  # the park is full now

    result = cli("ledger", "release", "XC-2027-014", "--ledger", ledger, "--by", "Zhao Min", "--reason", "withdrawn")
    assert result.exit_code == 0 and "release (commit) XC-2027-014" in result.stdout

    result = cli("ledger", "history", "--ledger", ledger, "--project", "XC-2027-014")
    assert result.exit_code == 0
    assert [line.split()[1] for line in result.stdout.splitlines()] == [
        "reserve", "release(reserve)", "commit", "release(commit)"]
    assert "— approved [宣环审〔2027〕14号]" in result.stdout

    export = tmp_path / "xc.csv"
    assert cli("ledger", "export", export, "--ledger", ledger).exit_code == 0
    copy = tmp_path / "copy.sqlite"
    result = cli("ledger", "import", export, "--ledger", copy)
    assert result.exit_code == 0 and "imported 20 entries" in result.stdout
    assert rows(copy) == rows(ledger)

    result = cli("ledger", "verify", "--ledger", ledger)
    assert result.exit_code == 0 and "integrity ok; OK" in result.stdout


def test_cli_reservations_that_expired_are_named_by_show(cli, tmp_path):
    ledger = tmp_path / "l.sqlite"
    reuse60 = EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml"
    assert cli("ledger", "reserve", reuse60, "--ledger", ledger, "--by", "x", "--expires", TODAY.isoformat()).exit_code == 0
    result = cli("ledger", "show", "--ledger", ledger, "--park", "xuancheng-hitech", "--on",
                 (TODAY + dt.timedelta(days=1)).isoformat())
    assert result.exit_code == 0
    assert f"the reservation of XC-2027-014 in xuancheng-hitech expired on {TODAY.isoformat()}" in result.stderr


def test_cli_errors_name_the_ledger_and_exit_2(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a ledger")
    result = cli("ledger", "show", "--ledger", notes)
    assert result.exit_code == 2 and str(notes) in result.stderr and "not an SQLite database" in result.stderr
    result = cli("ledger", "show", "--ledger", tmp_path / "missing.sqlite")
    assert result.exit_code == 2 and "no ledger here" in result.stderr
    result = cli("ledger", "commit", EXAMPLES / "langxi-equipment.yaml", "--ledger", tmp_path / "l.sqlite", "--by",
                 "x", "--override")
    assert result.exit_code == 2 and "needs a reason" in result.stderr


def test_the_installed_entry_point_has_the_ledger_commands():
    exe = shutil.which("regional-eia")
    command = [exe] if exe else [sys.executable, "-c", "import cli; cli.main()"]
    done = subprocess.run([*command, "ledger", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    for name in ("init", "reserve", "commit", "release", "show", "history", "export", "import", "verify"):
        assert name in done.stdout
