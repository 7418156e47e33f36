"""Issue 16: ``ledger import`` reads JSON through the strict reader (standards.safeload) like every loader.

Duplicate keys (the last would silently win), nesting 100,000 deep, an integer of 5,001 digits and a
line of gigabytes are refused naming the line, and nothing is written.
"""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from cli import app
from ledger_support import backend, catalog, catalog_dir, new_target, project, target  # noqa: F401
from regional_eia.errors import LedgerError
from regional_eia.ledger import open_ledger
from regional_eia.ledger.exchange import read_export


@pytest.fixture
def export(target, catalog):
    with open_ledger(target, catalog, create=True) as book:
        book.reserve(project("导入-1", 300), by="王丽", reason="预审")
        book.commit(project("导入-2", 200), by="赵敏", reason="批复")
        jsonl, csv_text = io.StringIO(), io.StringIO()
        book.export_entries(jsonl, "jsonl")
        book.export_entries(csv_text, "csv")
    return {"jsonl": jsonl.getvalue().splitlines(), "csv": csv_text.getvalue()}


def edited(lines: list[str], at: int, change) -> str:
    lines = list(lines)
    lines[at] = change(lines[at])
    return "\n".join(lines) + "\n"


def test_the_unedited_export_still_reads(export):
    assert len(read_export("\n".join(export["jsonl"]), "jsonl", "x.jsonl")) == len(export["jsonl"])


def test_a_duplicate_key_is_refused_naming_the_line_and_key(export):
    # the first amount is the real one; a JSON reader that keeps the last would import 1.0
    text = edited(export["jsonl"], 1, lambda line: line.replace('"amount":', '"amount":1.0,"amount":', 1))
    with pytest.raises(LedgerError, match=r"entry on line 2: duplicate key 'amount'"):
        read_export(text, "jsonl", "x.jsonl")


@pytest.mark.parametrize("change, message", [
    (lambda line: line.replace('"overrode":[]', '"overrode":' + "[" * 100_000 + "]" * 100_000), "nested more than"),
    (lambda line: line.replace('"entry":1,', '"entry":' + "9" * 5001 + ",", 1), "an integer of 5,001 digits"),
    (lambda line: line[:-1] + ',"pad":"' + "x" * (9 * 2**20) + '"}', "characters; an entry has at most"),
])
def test_nesting_huge_integers_and_huge_lines_are_refused_in_one_line(export, change, message):
    text = edited(export["jsonl"], 0, change)
    with pytest.raises(LedgerError, match=message) as err:
        read_export(text, "jsonl", "x.jsonl")
    assert "entry on line 1" in str(err.value) and len(str(err.value)) < 400


def test_a_screening_result_with_a_duplicate_key_is_refused(export):
    def change(line):
        data = json.loads(line)
        data["screening"] = '{"verdict": "fail", "verdict": "pass"}'
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    with pytest.raises(LedgerError, match="screening: duplicate key 'verdict'"):
        read_export(edited(export["jsonl"], 0, change), "jsonl", "x.jsonl")


def test_csv_overrode_cell_goes_through_the_same_reader(export):
    text = export["csv"].replace(",[],", ',"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['
                                         + "]" * 100 + '"],', 1)
    assert text != export["csv"]
    with pytest.raises(LedgerError, match="overrode: nested more than"):
        read_export(text, "csv", "x.csv")


def test_csv_cell_over_the_csv_limit_is_one_line_not_a_traceback(export):
    lines = export["csv"].splitlines()
    text = "\n".join([lines[0], lines[1].replace(",预审,", ',"' + "x" * 200_000 + '",', 1), *lines[2:]]) + "\n"
    with pytest.raises(LedgerError, match="not CSV: field larger than field limit"):
        read_export(text, "csv", "x.csv")


def test_cli_import_of_a_duplicate_key_writes_nothing(export, tmp_path, catalog_dir, new_target):
    source = tmp_path / "export.jsonl"
    source.write_text(edited(export["jsonl"], 1, lambda line: line.replace('"amount":', '"amount":1.0,"amount":', 1)),
                      encoding="utf-8")
    copy = new_target("copy")
    result = CliRunner().invoke(app, ["ledger", "import", str(source), "--ledger", str(copy), "--catalog",
                                      str(catalog_dir)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "export.jsonl" in line and "duplicate key 'amount'" in line
    with open_ledger(copy, None, readonly=True) as book:
        assert book.history() == []
