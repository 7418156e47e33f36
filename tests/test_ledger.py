"""The capacity ledger (issues 4 and 14): one suite, run on both backends (an SQLite file and a
PostgreSQL database): check-and-record, history, export/import, verify, the demo and the CLI.

The race and kill tests are in test_ledger_concurrency.py, the fault-injection defects in
test_ledger_faults.py; the SQLite-only file checks and migrations are at the end of this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT, project_data
from ledger_support import backend, catalog, catalog_dir, new_target, project, raw, rows, target, wastewater  # noqa: F401
from regional_eia import load_project, project_from_data, screen
from regional_eia.errors import LedgerError
from regional_eia.ledger import APPLICATION_ID, SCHEMA_VERSION, open_ledger
from regional_eia.whatif import what_if
from zones import load_catalog

TODAY = dt.date.today()


@pytest.fixture
def ledger(target, catalog):
    with open_ledger(target, catalog, create=True) as opened:
        yield opened


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the database --------------------------------------------------------------------------------


def test_a_new_ledger_is_marked_with_its_schema_and_catalogue(ledger, catalog, backend, target):
    assert ledger.created and ledger.backend == backend and ledger.schema_version == SCHEMA_VERSION == 3
    with raw(target) as connection:
        meta = dict(connection.exec_driver_sql("SELECT key, value FROM meta").all())
        assert meta["catalog"] == catalog.name
        assert connection.exec_driver_sql("SELECT batches, entries FROM head").one() == (0, 0)
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
            assert connection.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
        else:
            assert (meta["application"], meta["schema_version"]) == ("regional-eia ledger", "3")


def test_reopening_does_not_recreate_and_another_catalogue_is_refused(ledger, catalog, target):
    ledger.commit(project(), by="t")
    with open_ledger(target, catalog) as again:
        assert not again.created and len(again.history()) == 3
    with pytest.raises(LedgerError, match="keeps the caps of catalogue 'test catalogue"):
        open_ledger(target, load_catalog())


def test_entries_are_append_only_in_the_database_itself(ledger, target, backend):
    ledger.commit(project(), by="t")
    statements = ["UPDATE entries SET amount = 0", "DELETE FROM entries", "UPDATE batches SET project = 'x'",
                  "DELETE FROM batches", "DELETE FROM head", "UPDATE head SET entries = 0",
                  "UPDATE head SET hash = '" + "a" * 64 + "'"]
    if backend == "postgresql":
        statements += ["TRUNCATE entries CASCADE", "TRUNCATE batches CASCADE", "TRUNCATE head"]
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with raw(target) as connection:
                connection.exec_driver_sql(statement)
    assert ledger.verify().ok


@pytest.mark.parametrize("amount", ["'Infinity'", "'NaN'", "1e308", "-1"])
def test_the_database_refuses_an_amount_that_is_not_a_finite_quantity(ledger, target, backend, amount):
    """Defect 7, in the constraint: CHECK (amount >= 0) let infinity through."""
    ledger.commit(project(), by="t")
    value = {"'Infinity'": "9e999", "'NaN'": "NULL"}.get(amount, amount) if backend == "sqlite" else amount
    if backend == "postgresql" and amount.startswith("'"):
        value = f"{amount}::float8"
    with pytest.raises(sa.exc.DBAPIError, match="(?i)check|not null|constraint"):
        with raw(target) as connection:
            connection.exec_driver_sql(
                "INSERT INTO entries (seq, batch, metric, basis, unit, amount, pool, hash) "
                f"VALUES (100, 1, 'wastewater', 'final_discharge', 'm3/d', {value}, 'commit', '{'a' * 64}')")


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


# --- export and import -----------------------------------------------------------------------------


@pytest.fixture
def busy_ledger(ledger):
    return fill(ledger)


def fill(ledger):
    """A ledger with every kind of entry: reservations, a conversion, a reduction, an override, an expiry."""
    ledger.reserve(project("E1", 300), by="王丽", expires=TODAY, reason="pre-application, 初审")
    ledger.commit(project("E2", 400), by="bo", reason='approved "as is", line 1\nline 2')
    ledger.reserve(project("E3", 250), by="bo")
    ledger.commit(project("E3", 250), by="bo")
    ledger.release("E2", by="bo", reason="reduced", reduced=project("E2", 123.456))
    ledger.commit(project("E4", 5000), by="chair", override=True, reason="committee")
    return ledger


@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_an_export_imported_into_an_empty_ledger_reproduces_it_exactly(busy_ledger, target, new_target, catalog,
                                                                      format):
    first = io.StringIO()
    count = busy_ledger.export_entries(first, format)
    assert count == len(busy_ledger.history()) == 21
    copy = new_target("copy")
    with open_ledger(copy, catalog, create=True) as imported:
        assert imported.import_entries(io.StringIO(first.getvalue()), format) == count
        second = io.StringIO()
        imported.export_entries(second, format)
        assert second.getvalue() == first.getvalue()
        assert imported.status() == busy_ledger.status().model_copy(update={"ledger": str(imported.path)})
        assert imported.verify().ok and imported.verify().head == busy_ledger.verify().head
    assert rows(copy) == rows(target)


@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_sqlite_to_postgresql_to_sqlite_loses_nothing(tmp_path, catalog, pg_cluster, format):
    busy_ledger = fill(open_ledger(tmp_path / "home.sqlite", catalog, create=True))
    exported = io.StringIO()
    busy_ledger.export_entries(exported, format)
    server = pg_cluster.new_database()
    with open_ledger(server, catalog, create=True) as on_server:
        assert on_server.backend == "postgresql"
        on_server.import_entries(io.StringIO(exported.getvalue()), format)
        assert on_server.history() == busy_ledger.history()
        assert on_server.status() == busy_ledger.status().model_copy(update={"ledger": str(on_server.path)})
        assert on_server.verify().ok
        back = io.StringIO()
        on_server.export_entries(back, format)
    assert back.getvalue() == exported.getvalue()
    home = tmp_path / "back.sqlite"
    with open_ledger(home, catalog, create=True) as again:
        again.import_entries(io.StringIO(back.getvalue()), format)
        assert again.verify().ok
    assert rows(home) == rows(busy_ledger.path)
    assert rows(server) == rows(busy_ledger.path)
    busy_ledger.close()


def test_import_needs_an_empty_ledger_and_a_valid_export(busy_ledger, new_target, catalog):
    export = io.StringIO()
    busy_ledger.export_entries(export, "jsonl")
    with pytest.raises(LedgerError, match="needs an empty ledger"):
        busy_ledger.import_entries(io.StringIO(export.getvalue()), "jsonl")
    lines = export.getvalue().splitlines()
    with open_ledger(new_target("bad"), catalog, create=True) as fresh:
        negative = list(lines)
        negative[4] = negative[4].replace('"amount":', '"amount":-')
        with pytest.raises(LedgerError, match="entry on line 5: amount"):
            fresh.import_entries(io.StringIO("\n".join(negative)), "jsonl", name="bad.jsonl")
        edited = list(lines)
        edited[4] = edited[4].replace('"amount":', '"amount":1')
        with pytest.raises(LedgerError, match="changed after it was written .*entry 5"):
            fresh.import_entries(io.StringIO("\n".join(edited)), "jsonl")
        unhashed = [json.dumps({**json.loads(line), "hash": None}) for line in lines]
        no_expiry = [json.dumps({**json.loads(line), "expires": None}) for line in unhashed]
        with pytest.raises(LedgerError, match="breaks the ledger's rules|would not pass verify"):
            fresh.import_entries(io.StringIO("\n".join(no_expiry)), "jsonl")
        assert fresh.history() == []
        assert fresh.import_entries(io.StringIO("\n".join(unhashed)), "jsonl") == 21  # a new chain, the same one
        assert fresh.verify().head == busy_ledger.verify().head


# --- verify ----------------------------------------------------------------------------------------


def test_verify_recomputes_and_finds_a_forged_release_of_more_than_was_held(busy_ledger, target):
    assert busy_ledger.verify().ok
    with raw(target) as connection:  # written behind the library's back (inserting is not refused)
        connection.exec_driver_sql(
            "INSERT INTO batches (seq, id, kind, project, park, recorded_by, recorded_at, reason, override, lines) "
            "VALUES (99, 'forged', 'release', 'E3', 'P1', 'x', 'x', 'x', 0, 2)")
        connection.exec_driver_sql(
            "INSERT INTO entries (seq, batch, metric, basis, unit, amount, pool, hash) "
            f"VALUES (999, 99, 'wastewater', 'final_discharge', 'm3/d', 9999, 'commit', '{'f' * 64}')")
    problems = busy_ledger.verify().problems
    assert any("declares 2 entries but has 1" in p for p in problems)
    assert any("releases 9,999 m3/d" in p and "held 250" in p for p in problems)
    assert any("jump" in p for p in problems)
    assert any("entry 999" in p and "hash does not follow" in p for p in problems)
    assert any("recorded_at" in p and "ISO 8601" in p for p in problems)
    with pytest.raises(LedgerError, match="do not end where its head says"):  # and nothing more is written
        busy_ledger.commit(project("AFTER", 10), by="t")


def test_verify_keeps_a_head_hash_that_later_proves_nothing_changed(busy_ledger):
    head = busy_ledger.verify().head
    busy_ledger.commit(project("LATER", 10), by="t")
    assert busy_ledger.verify(expect_head=head).ok
    assert not busy_ledger.verify(expect_head="0" * 63 + "1").ok


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

    with open_ledger(tmp_path / "xc.sqlite", demo, create=True) as ledger:
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
    assert cli("ledger", "init", "--ledger", ledger).exit_code == 0
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
    assert cli("ledger", "init", "--ledger", tmp_path / "l.sqlite").exit_code == 0
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


# --- SQLite: files that are not ledgers, corruption, migration ---------------------------------------------


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE parks (id TEXT)")
    connection.close()


def _corrupted_ledger(path: Path, catalog) -> None:
    with open_ledger(path, catalog, create=True) as ledger:
        for i in range(3):
            ledger.commit(project(f"C-{i}", 100), by="t")
    data = bytearray(path.read_bytes())
    data[2 * 4096:3 * 4096] = b"\xff" * 4096  # a b-tree page overwritten
    path.write_bytes(bytes(data))


def _newer_ledger(path: Path, catalog) -> None:
    open_ledger(path, catalog, create=True).close()
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


def _as_old_schema(current: Path, old: Path, version: int, extra_entries=()) -> None:
    """The entries of ``current`` as a schema 1 or 2 ledger kept them (no hash chain, no head)."""
    batches, entries = rows(current)
    with sqlite3.connect(old) as connection:
        connection.executescript(V1_SCHEMA)
        if version == 2:
            connection.executescript(
                "ALTER TABLE batches ADD COLUMN overrode TEXT NOT NULL DEFAULT '[]';"
                + "".join(f"CREATE TRIGGER {t}_no_{op} BEFORE {op.upper()} ON {t} BEGIN SELECT RAISE(ABORT, 'x'); END;"
                          for t in ("batches", "entries") for op in ("update", "delete")))
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {version}")
        connection.executemany("INSERT INTO meta VALUES (?, ?)", [("catalog", "test catalogue (EPSG:4549)"),
                                                                 ("created_at", "x")])
        width = 12 if version == 1 else 13
        connection.executemany(f"INSERT INTO batches VALUES ({', '.join('?' * width)})", [b[:width] for b in batches])
        connection.executemany(f"INSERT INTO entries VALUES ({', '.join('?' * 7)})",
                               [e[:7] for e in entries] + list(extra_entries))
    connection.close()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_ledger_is_migrated_in_place_after_a_backup_and_gets_the_chain_a_new_one_has(tmp_path, catalog,
                                                                                             version):
    current = tmp_path / "current.sqlite"
    with open_ledger(current, catalog, create=True) as ledger:
        ledger.reserve(project("M1", 300), by="t")
        ledger.commit(project("M2", 200), by="t")
    old = tmp_path / "old.sqlite"
    _as_old_schema(current, old, version)
    before = digest(old)

    with open_ledger(old, catalog, readonly=True) as reading:  # read as it is, not migrated
        assert reading.schema_version == version and wastewater(reading.status()).committed == 7200
        report = reading.verify()
        assert report.ok and "no hash chain yet" in " ".join(report.warnings)
    assert digest(old) == before

    with open_ledger(old, catalog) as migrated:
        assert migrated.migrated_from == version and migrated.schema_version == SCHEMA_VERSION
        backup = migrated.backup
        assert migrated.verify().ok
        assert wastewater(migrated.status()).committed == 7200
        assert migrated.commit(project("M3", 10), by="t").recorded
    assert rows(old)[1][:len(rows(current)[1])] == rows(current)[1]  # the very hashes a new ledger gave them
    with sqlite3.connect(backup) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == version
    connection.close()
    with open_ledger(old, catalog) as again:
        assert again.migrated_from is None


def test_an_older_ledger_holding_an_infinite_amount_is_not_migrated_and_says_how_to_recover(tmp_path, catalog):
    current = tmp_path / "current.sqlite"
    with open_ledger(current, catalog, create=True) as ledger:
        ledger.commit(project("M1", 300), by="t")
    old = tmp_path / "old.sqlite"
    _as_old_schema(current, old, 2, extra_entries=[(4, 1, "wastewater", "final_discharge", "m3/d", float("inf"),
                                                    "commit")])
    before = rows(old)
    with pytest.raises(LedgerError, match="entry 4: cannot migrate .* amount inf, .*import it into a new ledger"):
        open_ledger(old, catalog)
    assert rows(old) == before and not list(tmp_path.glob("old.sqlite.*.bak"))
    with open_ledger(old, catalog, readonly=True) as reading:  # still readable, and verify names the entry
        assert any("entry 4" in p and "finite" in p for p in reading.verify().problems)


# --- property: any sequence of actions leaves a ledger that verifies and round-trips -----------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ACTIONS = st.lists(st.tuples(st.sampled_from(["reserve", "commit", "release", "reduce"]),
                             st.sampled_from(["H-1", "H-2", "H-3"]),
                             st.integers(min_value=1, max_value=1500)), min_size=1, max_size=6)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_any_sequence_of_actions_never_overspends_verifies_and_round_trips(tmp_path_factory, catalog, actions):
    folder = tmp_path_factory.mktemp("prop")
    with open_ledger(folder / "l.sqlite", catalog, create=True) as book:
        for kind, pid, flow in actions:
            if kind == "reserve":
                book.reserve(project(pid, flow), by="p")
            elif kind == "commit":
                book.commit(project(pid, flow), by="p")
            elif kind == "release":
                book.release(pid, by="p", reason="withdrawn")
            else:
                book.release(pid, by="p", reason="reduced", reduced=project(pid, flow))
            assert wastewater(book.status()).remaining >= -1e-9  # no override: never overspent
        report = book.verify()
        assert report.ok, report.problems
        export = io.StringIO()
        book.export_entries(export, "csv")
        with open_ledger(folder / "copy.sqlite", catalog, create=True) as copy:
            copy.import_entries(io.StringIO(export.getvalue()), "csv")
            assert copy.history() == book.history() and copy.verify().head == report.head
