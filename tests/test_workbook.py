"""Issue 16 items 4 and 14: formulas without a saved value and hidden sheets, in batch and catalog import.

Workbooks are written by openpyxl, which stores a formula and no value, as scripts do.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from committee import make_files, write_sheet
from regional_eia.batch import BatchInputError, screen_batch
from zones import load_catalog
from zones.errors import CatalogError
from zones.importer import import_catalog
from zones.workbook import FormulaError, Unevaluated, evaluate_formula, open_workbook

from conftest import write_catalog

ON = dt.date(2027, 1, 1)
HEADER = ["id", "name", "industry", "lon", "lat", "crs", "route", "flow_m3d", "operating_days", "COD_mg_L"]
ROW = ["A-1", "装备制造", "C3484", 118.82, 30.985, "4490", "indirect", 500, 300, 300]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(write_catalog(tmp_path_factory.mktemp("cat"), 4549))


def workbook(tmp_path, *sheets, active: int = 0, hidden=()):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.active = active
    path = tmp_path / "in.xlsx"
    book.save(path)
    return path


def screened(path, catalog, **options):
    out = path.with_name("out.csv")
    summary = screen_batch(path, out, catalog=catalog, on=ON, **options)
    return pd.read_csv(out, dtype=str, keep_default_na=False), summary


# --- the evaluator ------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, value", [
    ("=5000", 5000), ("=2*1500", 3000), ("=(300+200)/8", 62.5), ("=0.1+0.2", 0.3), ("=-2^2", 4), ("=2^3^2", 64),
    ("=5%", 0.05), ("=+5000", 5000), ("= 3 * ( 2 + 1 )", 9), ("=1.5E3", 1500), ('="C3484"', "C3484"),
    ('="say ""hi"""', 'say "hi"'), ("=-(-(3))", 3),
])
def test_arithmetic_of_literals_is_evaluated_as_excel_does(formula, value):
    assert evaluate_formula(formula) == value


@pytest.mark.parametrize("formula", [
    "=A2*2", "=SUM(1,2)", "=TRUE", "=1/0", "=", "=(1", "=1)", "=" + "-" * 100 + "5", "=" + "(" * 100 + "1" + ")" * 100,
    "=" + "9" * 5001, "=1e999999", "=2^5000", '="a"&"b"', "=Sheet2!A1", "=1+", "=__import__('os')", "=1 2",
])
def test_anything_else_is_refused_never_guessed(formula):
    with pytest.raises(FormulaError):
        evaluate_formula(formula)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet="0123456789.+-*/^%()eE \"A$:!,", max_size=40))
def test_any_formula_text_gives_a_finite_value_or_a_formula_error(text):
    try:
        value = evaluate_formula("=" + text)
    except FormulaError:
        return
    assert isinstance(value, str) or (isinstance(value, (int, float)) and abs(value) < 1e30)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6), st.sampled_from("+-*"))
def test_integer_arithmetic_is_exact(a, b, op):
    assert evaluate_formula(f"={a}{op}({b})") == {"+": a + b, "-": a - b, "*": a * b}[op]


# --- batch ----------------------------------------------------------------------------------------------

def test_formula_of_literals_screens_as_the_typed_figure(tmp_path, catalog):
    typed = workbook(tmp_path, ("projects", [HEADER, [*ROW[:9], 5000]]))
    expected, _ = screened(typed, catalog)
    (tmp_path / "f").mkdir()
    formula = workbook(tmp_path / "f", ("projects", [HEADER, [*ROW[:7], "=2*250", "=300", "=2*2500"]]))
    rows, _ = screened(formula, catalog)
    assert "STANDARD_EXCEEDED" in expected.loc[0, "codes"]
    assert rows.loc[0].to_dict() == expected.loc[0].to_dict()


def test_formula_that_cannot_be_evaluated_is_an_error_row_naming_the_cell(tmp_path, catalog):
    path = workbook(tmp_path, ("projects", [HEADER, ROW, ["A-2", *ROW[1:9], "=B2*20"], ["A-3", *ROW[1:]]]))
    rows, summary = screened(path, catalog)
    assert list(rows["project_id"]) == ["A-1", "A-2", "A-3"]
    assert rows.loc[1, "verdict"] == "error" and "=B2*20" in rows.loc[1, "error"]
    assert rows.loc[0, "verdict"] == rows.loc[2, "verdict"] != "error"
    warning = " ".join(summary.warnings)
    assert "sheet 'projects' cell J3" in warning and "=B2*20" in warning and "in.xlsx" in warning


def test_formula_with_a_saved_value_is_read_as_saved(tmp_path, catalog):
    """A workbook saved by Excel: the value beside the formula is what the committee saw."""
    path = workbook(tmp_path, ("projects", [HEADER, [*ROW[:9], "=B2*20"]]))
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    parts[sheet] = parts[sheet].replace(b"<f>B2*20</f><v />", b"<f>B2*20</f><v>5000</v>").replace(
        b"<f>B2*20</f><v></v>", b"<f>B2*20</f><v>5000</v>")
    assert b"<v>5000</v>" in parts[sheet]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    rows, summary = screened(path, catalog)
    assert "STANDARD_EXCEEDED" in rows.loc[0, "codes"] and not summary.warnings


def test_hidden_sheet_is_read_only_when_named(tmp_path, catalog):
    path = workbook(tmp_path, ("old", [HEADER, ["OLD-1", *ROW[1:]]]), ("projects", [HEADER, ROW]),
                    active=1, hidden=("old",))
    rows, summary = screened(path, catalog)
    assert list(rows["project_id"]) == ["A-1"]
    assert any("read sheet 'projects'" in n and "hidden sheet(s) not read: old" in n for n in summary.notes)
    rows, summary = screened(path, catalog, layer="old")
    assert list(rows["project_id"]) == ["OLD-1"] and any("hidden" in n for n in summary.notes)


def test_only_a_hidden_sheet_with_a_header_is_refused_naming_it(tmp_path, catalog):
    path = workbook(tmp_path, ("old", [HEADER, ROW]), ("说明", [["本表说明"]]), active=1, hidden=("old",))
    with pytest.raises(BatchInputError, match="hidden sheet.*old.*--layer"):
        screened(path, catalog)


def test_two_candidate_sheets_neither_active_is_ambiguous(tmp_path, catalog):
    path = workbook(tmp_path, ("说明", [["本表说明"]]), ("2025", [HEADER, ["X-1", *ROW[1:]]]), ("2026", [HEADER, ROW]))
    with pytest.raises(BatchInputError, match="'2025', '2026'.*--layer"):
        screened(path, catalog)
    rows, _ = screened(path, catalog, layer="2026")
    assert list(rows["project_id"]) == ["A-1"]


def test_active_sheet_wins_and_the_note_names_the_others(tmp_path, catalog):
    path = workbook(tmp_path, ("2025", [HEADER, ["X-1", *ROW[1:]]]), ("2026", [HEADER, ROW]), active=1)
    rows, summary = screened(path, catalog)
    assert list(rows["project_id"]) == ["A-1"]
    assert any("(the active sheet)" in n and "2025 also have a header" in n for n in summary.notes)


# --- catalog import: the same reader --------------------------------------------------------------------

CAPS_HEADER = ("指标", "总量上限", "已批复", "单位", "口径")


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("raw"))


def caps_book(tmp_path, rows, hidden_rows=None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    if hidden_rows is not None:
        write_sheet(book, "旧指标", CAPS_HEADER, hidden_rows)
        book["旧指标"].sheet_state = "hidden"
    write_sheet(book, "总量", CAPS_HEADER, rows)
    book.active = len(book.sheetnames) - 1
    path = tmp_path / "caps.xlsx"
    book.save(path)
    return path


def test_import_evaluates_a_cap_written_as_arithmetic(raw, tmp_path):
    path = caps_book(tmp_path, [("废水", "=2*10000", "=15000", "t/d", "最终排放")])
    out = tmp_path / "cat"
    import_catalog([str(raw["parks"]), str(raw["units"]), str(path)], out)
    cap = load_catalog(out).park("SL-ED").caps[0]
    assert (cap.metric, cap.value, cap.committed) == ("wastewater", 20000, 15000)


def test_import_refuses_a_cap_formula_it_cannot_evaluate_naming_file_sheet_cell(raw, tmp_path):
    path = caps_book(tmp_path, [("废水", "=SUM(B3:B9)", 15000, "t/d", "最终排放")])
    with pytest.raises(CatalogError) as err:
        import_catalog([str(raw["parks"]), str(raw["units"]), str(path)], tmp_path / "cat")
    message = str(err.value)
    assert "caps.xlsx" in message and "sheet '总量' cell B2" in message and "=SUM(B3:B9)" in message


def test_import_skips_a_hidden_sheet_and_says_so(raw, tmp_path):
    path = caps_book(tmp_path, [("废水", 20000, 15000, "t/d", "最终排放")],
                     hidden_rows=[("废水", 99999, 1, "t/d", "最终排放")])
    out = tmp_path / "cat"
    report = import_catalog([str(raw["parks"]), str(raw["units"]), str(path)], out)
    assert [c.value for c in load_catalog(out).park("SL-ED").caps] == [20000]
    caps = next(f for f in report.files if f.kind == "caps")
    assert caps.sheet == "总量" and "hidden sheet(s) not read: 旧指标" in caps.why


def test_unevaluated_cells_know_where_they_are(tmp_path):
    path = workbook(tmp_path, ("s", [["a", "b"], [1, "=A2*2"]]))
    with open_workbook(path) as book:
        rows = list(book.rows("s"))
    assert rows[0] == ["a", "b"] and rows[1][0] == 1
    assert isinstance(rows[1][1], Unevaluated) and rows[1][1].cell == "B2" and rows[1][1].sheet == "s"
