"""The defects fault injection found in the ledger (issue 14, items 1-8), each kept fixed by a test here,
on both backends where the defect is not about a file; and the ledger's share of issue 16 (NFKC codes,
finite amounts) and of issue 10 (reserve/commit the rows of a batch sheet, all or nothing).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from conftest import EXAMPLES, project_data
from ledger_support import (backend, catalog, catalog_dir, drop_triggers, new_target, project, raw, rows,  # noqa: F401
                            target, wastewater)
from regional_eia import project_from_data
from regional_eia.errors import LedgerError
from regional_eia.ledger import MAX_AMOUNT, open_ledger


@pytest.fixture
def cli():
    from cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def write_project(path: Path, p) -> Path:
    path.write_text(yaml.safe_dump(p.model_dump(mode="json", exclude_none=True), allow_unicode=True),
                    encoding="utf-8")
    return path


# --- 1. a write on a path with no ledger ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["reserve", "commit"])
def test_1_a_write_needs_an_existing_ledger_and_never_starts_one(cli, tmp_path, catalog_dir, new_target, backend,
                                                                 command):
    missing = new_target("mistyped")  # a path with no file, or an empty database
    file = write_project(tmp_path / "p.yaml", project("W-1", 100))
    result = cli("ledger", command, file, "--ledger", missing, "--catalog", catalog_dir, "--by", "x")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert ("no ledger here" in line if backend == "sqlite" else "holds no ledger" in line)
    assert "ledger init" in line
    if backend == "sqlite":
        assert not missing.exists() and list(tmp_path.glob("mistyped*")) == []
    else:
        with raw(missing) as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM information_schema.tables "
                                              "WHERE table_schema = 'public'").scalar() == 0
    assert cli("ledger", "init", "--ledger", missing, "--catalog", catalog_dir).exit_code == 0
    assert cli("ledger", command, file, "--ledger", missing, "--catalog", catalog_dir, "--by", "x").exit_code == 0


# --- 2. a 0-byte file --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["show"], ["verify"], ["history"], ["export"], ["init"],
    ["commit", str(EXAMPLES / "langxi-equipment.yaml"), "--by", "x"],
])
def test_2_a_0_byte_file_where_a_ledger_is_expected_is_an_error_and_stays_0_bytes(cli, tmp_path, command):
    empty = tmp_path / "ledger.sqlite"
    empty.write_bytes(b"")
    result = cli("ledger", *command, "--ledger", empty)
    assert result.exit_code == 2, result.output
    assert "is empty (0 bytes)" in result.stderr and str(empty) in result.stderr
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]


# --- 3. a healthy ledger in a read-only folder ----------------------------------------------------------


def _without_write_permission() -> list[str]:
    """Run a command so that file permissions bind it (root: drop the capabilities that bypass them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): cannot make a folder read-only to root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_3_a_ledger_in_a_read_only_folder_reads_and_a_write_says_the_folder_is_read_only(tmp_path, catalog_dir,
                                                                                         catalog):
    folder = tmp_path / "office"
    folder.mkdir()
    ledger = folder / "ledger.sqlite"
    with open_ledger(ledger, catalog, create=True) as book:
        assert book.commit(project("RO-1", 100), by="x").recorded
    folder.chmod(0o555)
    try:
        def run(*args):
            return subprocess.run([*_without_write_permission(), sys.executable, "-c", "import cli; cli.main()",
                                   "ledger", *args, "--ledger", str(ledger), "--catalog", str(catalog_dir)],
                                  capture_output=True, text=True, timeout=120)

        shown = run("show")
        assert shown.returncode == 0 and "corrupt" not in shown.stderr, shown.stderr
        verified = run("verify")
        assert verified.returncode == 0 and "integrity ok; OK" in verified.stdout, verified.stderr
        done = run("commit", str(write_project(tmp_path / "p.yaml", project("RO-2", 100))), "--by", "x")
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert "read-only" in line and "corrupt" not in line and str(folder) in line
        assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite"]
    finally:
        folder.chmod(0o755)


# --- 4 and 6. imports in other encodings, a BOM --------------------------------------------------------


@pytest.fixture
def exported(target, catalog):
    with open_ledger(target, catalog, create=True) as book:
        book.reserve(project("导入-1", 300), by="王丽", reason="预审 初审")
        book.commit(project("导入-2", 200), by="赵敏", reason="批复 宣环审〔2027〕14号")
        jsonl, csv_text = io.StringIO(), io.StringIO()
        book.export_entries(jsonl, "jsonl")
        book.export_entries(csv_text, "csv")
        return {"jsonl": jsonl.getvalue(), "csv": csv_text.getvalue(), "rows": rows(target)}


@pytest.mark.parametrize("format", ["csv", "jsonl"])
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_4_6_an_export_saved_as_gbk_with_a_bom_or_as_utf16_imports_as_it_was(cli, tmp_path, catalog_dir, exported,
                                                                             new_target, format, encoding):
    source = tmp_path / f"export.{format}"
    text = exported[format]
    if format == "jsonl":  # as a Chinese editor saves it: no \u escapes
        text = "".join(json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for line in text.splitlines())
    source.write_bytes(text.encode(encoding))
    copy = new_target("copy")
    result = cli("ledger", "import", source, "--ledger", copy, "--catalog", catalog_dir)
    assert result.exit_code == 0, result.output
    assert rows(copy) == exported["rows"]


def test_4_an_encoding_that_is_not_the_files_is_one_line_naming_it(cli, tmp_path, catalog_dir, exported):
    source = tmp_path / "export.csv"
    source.write_bytes(exported["csv"].encode("gbk"))
    result = cli("ledger", "import", source, "--encoding", "utf-8", "--ledger", tmp_path / "c.sqlite", "--catalog",
                 catalog_dir)
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert str(source) in line and "not utf-8 text" in line


# --- 5. imports of entries a write would refuse ---------------------------------------------------------


@pytest.mark.parametrize("field, value, message", [
    ("expires", "2027-13-45", "expires: '2027-13-45' is not a date"),
    ("unit", "furlongs", "unit: unknown unit 'furlongs'"),
    ("amount", "inf", "amount: amount inf is not a finite quantity"),
    ("amount", "Infinity", "amount: amount inf is not a finite quantity"),
    ("amount", "1e308", "is larger than any cap"),
    ("amount", "NaN", "is not a finite quantity"),
    ("recorded_at", "yesterday", "is not an ISO 8601 time"),
    ("basis", "by feel", "basis: Input should be"),
])
def test_5_an_import_validates_every_entry_as_a_write_would_and_writes_nothing_if_one_is_bad(
        cli, tmp_path, catalog_dir, exported, new_target, field, value, message):
    lines = exported["csv"].splitlines()
    header = lines[0].split(",")
    bad = next(i for i, line in enumerate(lines) if ",reserve," in line)  # the reservation's entries
    import csv

    table = list(csv.reader(io.StringIO(exported["csv"])))
    table[bad][header.index(field)] = value
    table[bad][header.index("hash")] = ""
    for row in table[1:]:
        row[header.index("hash")] = ""  # a deliberate edit: the chain is computed anew
    source = tmp_path / "edited.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)
    copy = new_target("copy")
    result = cli("ledger", "import", source, "--ledger", copy, "--catalog", catalog_dir)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert message in line and f"entry on line {bad + 1}" in line
    with open_ledger(copy, None, readonly=True) as book:
        assert book.history() == []
    for command in (["show"], ["verify"]):  # and every later command still works
        assert cli("ledger", *command, "--ledger", copy, "--catalog", catalog_dir).exit_code == 0


def test_5_an_import_that_would_not_pass_verify_is_refused(cli, tmp_path, catalog_dir, exported, new_target):
    entries = [json.loads(line) for line in exported["jsonl"].splitlines()]
    commit = next(e for e in entries if e["kind"] == "commit")
    commit["amount"] = commit["amount"] * 10  # not what its screening gave
    for e in entries:
        e["hash"] = None
    source = tmp_path / "edited.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    copy = new_target("copy")
    result = cli("ledger", "import", source, "--ledger", copy, "--catalog", catalog_dir)
    assert result.exit_code == 2
    assert "would not pass verify" in result.stderr and "differs from the screened demand" in result.stderr
    with open_ledger(copy, None, readonly=True) as book:
        assert book.history() == [] and book.verify().ok


# --- 7. an infinite reservation ----------------------------------------------------------------------


def test_7_an_infinite_flow_is_refused_when_the_project_is_read(ledger_on):
    from regional_eia.errors import ProjectError

    with pytest.raises(ProjectError, match=r"wastewater\.flow.*not a finite number"):
        project("INF", "1e309")
    assert ledger_on.history() == []


@pytest.mark.parametrize("flow", ["1e300"])
def test_7_an_infinite_or_absurd_demand_cannot_be_recorded_even_with_override(ledger_on, flow):
    """A figure a project can hold but no cap can (the ledger's own guard, behind the project's)."""
    before = wastewater(ledger_on.status())
    recording = ledger_on.reserve(project("INF", flow), by="x", override=True, reason="test")
    assert not recording.recorded
    assert any("not a finite quantity" in r and "an override cannot" in r for r in recording.refusals)
    assert ledger_on.history() == []
    after = wastewater(ledger_on.status())
    assert after == before and after.remaining == 2000
    assert ledger_on.commit(project("OK", 100), by="x").recorded  # the park still takes commits


@pytest.fixture
def ledger_on(target, catalog):
    with open_ledger(target, catalog, create=True) as opened:
        yield opened


def test_7_the_largest_amount_the_ledger_holds_is_stated(ledger_on):
    assert MAX_AMOUNT == 1e15
    assert ledger_on.commit(project("BIG", 1999), by="x").recorded


# --- 8. triggers dropped and the last batch deleted ------------------------------------------------------


def _delete_last_batch(target) -> None:
    with raw(target) as connection:
        last = connection.exec_driver_sql("SELECT max(seq) FROM batches").scalar()
        connection.exec_driver_sql(f"DELETE FROM entries WHERE batch = {last}")
        connection.exec_driver_sql(f"DELETE FROM batches WHERE seq = {last}")


def _edit_an_amount(target) -> None:
    with raw(target) as connection:
        connection.exec_driver_sql("UPDATE entries SET amount = amount / 2 WHERE seq = 2")


def _delete_a_middle_batch_and_fix_the_head(target) -> None:
    with raw(target) as connection:
        connection.exec_driver_sql("DELETE FROM entries WHERE batch = 2")
        connection.exec_driver_sql("DELETE FROM batches WHERE seq = 2")


@pytest.mark.parametrize("tamper, expected", [
    (_delete_last_batch, "entries were deleted"),
    (_edit_an_amount, "entry 2 (reserve A): its hash does not follow"),
    (_delete_a_middle_batch_and_fix_the_head, "its hash does not follow"),
], ids=["last-batch-deleted", "amount-edited", "middle-batch-deleted"])
def test_8_with_the_triggers_dropped_no_deletion_or_edit_passes_verify(cli, ledger_on, target, catalog_dir,
                                                                      backend, tamper, expected):
    ledger_on.reserve(project("A", 300), by="x")
    ledger_on.commit(project("B", 200), by="x")
    ledger_on.commit(project("C", 100), by="x")
    assert ledger_on.verify().ok
    drop_triggers(target)
    dropped = ledger_on.verify().problems
    assert len(dropped) == 1 and "append-only trigger(s)" in dropped[0] and "missing" in dropped[0]
    tamper(target)
    problems = ledger_on.verify().problems
    assert any(expected in p for p in problems), problems
    result = cli("ledger", "verify", "--ledger", target, "--catalog", catalog_dir)
    assert result.exit_code == 1 and "problem:" in result.stderr and "OK" not in result.stdout.split(";")[-1]


def test_8_a_disabled_trigger_is_a_problem_too(pg_cluster, catalog):
    target = pg_cluster.new_database()  # PostgreSQL's ALTER TABLE ... DISABLE TRIGGER
    with open_ledger(target, catalog, create=True) as book:
        with raw(target) as connection:
            connection.exec_driver_sql("ALTER TABLE entries DISABLE TRIGGER entries_no_delete")
        assert any("entries_no_delete are disabled" in p for p in book.verify().problems)


# --- issue 16: codes with non-ASCII digits, on both backends ----------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_backend_ledger(request, tmp_path, catalog):
    target = tmp_path / "l.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_cluster").new_database()
    with open_ledger(target, catalog, create=True) as opened:
        yield opened


def test_a_project_id_with_full_width_or_arabic_indic_digits_is_the_same_project(any_backend_ledger):
    book = any_backend_ledger
    assert book.commit(project("XC-2027-014", 300), by="x").recorded
    for twin in ("XC-２０２７-０１４", "XC-٢٠٢٧-٠١٤"):
        again = book.commit(project(twin, 300), by="x")
        assert not again.recorded and "XC-2027-014 is already committed" in again.refusals[0]
    assert [e.project for e in book.history(project="XC-２０２７-014")] == ["XC-2027-014"] * 3
    assert book.release("XC-２０２７-０１４", by="x", reason="withdrawn").recorded


# --- issue 10: the rows of a batch sheet, all or nothing ---------------------------------------------------


def _sheet(tmp_path: Path, flows: dict[str, float]) -> Path:
    import csv

    sheet = tmp_path / "projects.csv"
    with sheet.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["项目编号", "项目名称", "行业代码", "经度", "纬度", "坐标系", "排放去向", "废水量(m3/d)",
                         "年运行天数", "COD(mg/L)"])
        for pid, flow in flows.items():
            writer.writerow([pid, f"项目 {pid}", "C3484", "118.82", "30.985", "4490", "间接排放", flow, 300, 300])
    return sheet


def test_reserve_and_commit_rows_of_a_batch_sheet_all_or_nothing(cli, tmp_path, catalog_dir, catalog, new_target):
    ledger = new_target()
    assert cli("ledger", "init", "--ledger", ledger, "--catalog", catalog_dir).exit_code == 0
    sheet = _sheet(tmp_path, {"S-1": 600, "S-2": 700, "S-3": 800, "S-4": 100})
    args = ("--ledger", ledger, "--catalog", catalog_dir, "--by", "committee")

    result = cli("ledger", "commit", sheet, "--rows", "S-1,S-2,S-3", *args)  # 2,100 onto 2,000: the third fails
    assert result.exit_code == 1
    assert "refused: S-3: would overspend" in result.stderr
    assert "refused: S-1: not recorded: S-3 of the same action refused (all or nothing)" in result.stderr
    with open_ledger(ledger, catalog) as book:
        assert book.history() == []

    result = cli("ledger", "commit", sheet, "--rows", "S-1", "--rows", "S-2,S-4", *args)
    assert result.exit_code == 0, result.output
    assert [line.split()[1] for line in result.stdout.splitlines() if line.startswith("commit ")] == [
        "S-1", "S-2", "S-4"]
    with open_ledger(ledger, catalog) as book:
        assert wastewater(book.status()).remaining == 600
        assert book.verify().ok

    for bad, message in ((["--rows", "S-9"], "no row with project id S-9"),
                         ([], "is a batch sheet: name the rows")):
        result = cli("ledger", "reserve", sheet, *bad, *args)
        assert result.exit_code == 2 and message in result.stderr


def test_reserve_the_rows_a_batch_result_admitted(cli, tmp_path, catalog_dir, catalog, new_target):
    ledger = new_target()
    assert cli("ledger", "init", "--ledger", ledger, "--catalog", catalog_dir).exit_code == 0
    sheet = _sheet(tmp_path, {"A-1": 500, "A-2": 5000, "A-3": 300})  # A-2 cannot fit
    results = tmp_path / "results.csv"
    assert cli("batch", sheet, "--out", results, "--catalog", catalog_dir).exit_code == 0
    result = cli("ledger", "reserve", sheet, "--admitted", results, "--ledger", ledger, "--catalog", catalog_dir,
                 "--by", "committee")
    assert result.exit_code == 0, result.output
    with open_ledger(ledger, catalog) as book:
        assert [e.project for e in book.history(kind="reserve", metric="wastewater")] == ["A-1", "A-3"]
    result = cli("ledger", "commit", sheet, "--admitted", results, "--rows", "A-2", "--ledger", ledger,
                 "--catalog", catalog_dir, "--by", "committee")
    assert result.exit_code == 2 and "A-2 not admitted there" in result.stderr


# --- README: a park office's ledger on PostgreSQL, with a role that may only read and append -----------


def test_the_readme_grants_let_staff_record_and_verify_but_not_edit(pg_cluster, catalog):
    import uuid

    owner_url = pg_cluster.new_database()
    with open_ledger(owner_url, catalog, create=True) as book:  # `ledger init` as the owner
        assert book.created
    staff = "staff_" + uuid.uuid4().hex[:8]
    with raw(owner_url) as connection:
        connection.exec_driver_sql(f"CREATE ROLE {staff} LOGIN")
        connection.exec_driver_sql(f"GRANT SELECT, INSERT ON batches, entries TO {staff}")
        connection.exec_driver_sql(f"GRANT SELECT ON meta TO {staff}")
        connection.exec_driver_sql(f"GRANT SELECT, UPDATE ON head TO {staff}")
    staff_url = owner_url.replace("postgres@", f"{staff}@", 1)
    with open_ledger(staff_url, catalog, create=False) as book:
        assert book.reserve(project("G-1", 300), by="staff").recorded
        assert book.commit(project("G-1", 300), by="staff").recorded
        assert book.release("G-1", by="staff", reason="withdrawn").recorded
        assert book.verify().ok
    for statement in ("DELETE FROM entries", "TRUNCATE entries CASCADE", "DROP TRIGGER entries_no_delete ON entries",
                      "ALTER TABLE entries DISABLE TRIGGER USER"):
        with pytest.raises(sa.exc.DBAPIError, match="(?i)permission denied|must be owner"):
            with raw(staff_url) as connection:
                connection.exec_driver_sql(statement)
