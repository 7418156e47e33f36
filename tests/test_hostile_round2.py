"""Issue 16 cases left for the second round (after the import branch lands), and those it has fixed.

They are ``xfail(strict=True)``: when a fix lands the test passes, strict turns that into a failure, and
whoever fixed it removes the marker. Each reason names the issue item.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from regional_eia import screen
from regional_eia.batch import screen_batch
from regional_eia.errors import ProjectError
from regional_eia.project import project_from_data
from zones import demo_catalog, load_catalog

from conftest import EXAMPLES, write_catalog

ON = dt.date(2027, 1, 1)
runner = CliRunner()
HEADER = ["id", "name", "industry", "lon", "lat", "crs", "route", "flow_m3d", "operating_days", "COD_mg_L"]
ROW = ["A-1", "装备制造", "C3484", 118.82, 30.985, "4490", "indirect", 500, 300, 300]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(write_catalog(tmp_path_factory.mktemp("cat"), 4549))


def project(**wastewater):
    data = {"id": "T-1", "name": "t", "industry": "C3484", "location": {"crs": 4490, "lon": 118.82, "lat": 30.985},
            "wastewater": {"route": "indirect", "flow": "500 m3/d", "operating_days": 300,
                           "effluent": {"COD": "300 mg/L"}}}
    data["wastewater"].update(wastewater)
    return data


def batch(tmp_path, catalog, rows, header=HEADER):
    path = tmp_path / "in.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    screen_batch(path, out, catalog=catalog, on=ON)
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def outcome_of_screen(catalog, data) -> str:
    try:
        return screen(project_from_data(data, "p.yaml"), catalog, on=ON).verdict
    except ProjectError:
        return "error"


# --- item 1: non-ASCII digits, the same way everywhere -------------------------------------------------

def test_full_width_flow_is_read_alike_by_screen_and_batch(tmp_path, catalog):
    # item 1, fixed by the import branch (batch reads cells as committees type them)
    by_screen = outcome_of_screen(catalog, project(flow="３０００ m3/d"))
    rows = batch(tmp_path, catalog, [[*ROW[:7], "３０００", 300, 300]])
    assert by_screen == (rows.loc[0, "verdict"] or "error")


def test_full_width_industry_code_never_passes_a_prohibition(catalog):
    # refused today (not a GB/T 4754 class); NFKC would make it C2511, which the test park prohibits
    data = project()
    data["industry"] = "C２５１１"
    assert outcome_of_screen(catalog, data) in ("error", "fail")


# --- item 3: pollutant ids, a wastewater section without figures ----------------------------------------

@pytest.mark.parametrize("pollutant", ["FOO", ""])
def test_unknown_pollutant_id_is_an_error(pollutant):
    # item 3, fixed by the import branch's pollutant ids
    with pytest.raises(ProjectError, match="effluent"):
        project_from_data(project(effluent={pollutant: "180 mg/L"}), "p.yaml")


def test_pollutant_id_in_another_case_is_read_as_that_pollutant_never_ignored(catalog):
    lower = outcome_of_screen(catalog, project(effluent={"cod": "5000 mg/L"}))
    upper = outcome_of_screen(catalog, project(effluent={"COD": "5000 mg/L"}))
    assert lower in ("error", upper)


def test_wastewater_without_effluent_is_incomplete():
    data = yaml.safe_load((EXAMPLES / "langxi-equipment.yaml").read_text(encoding="utf-8"))
    del data["wastewater"]["effluent"]
    result = screen(project_from_data(data), demo_catalog(), on=ON)
    assert result.verdict == "incomplete"
    bare = next(f for f in result.findings if f.code == "EFFLUENT_NOT_GIVEN")
    assert bare.severity == "incomplete" and bare.values["flow_m3d"] > 0
    assert any("concentration" in line for line in result.to_change)


def test_wastewater_of_no_flow_needs_no_concentration(tmp_path):
    data = yaml.safe_load((EXAMPLES / "langxi-equipment.yaml").read_text(encoding="utf-8"))
    del data["wastewater"]["effluent"]
    data["wastewater"]["flow"] = "0 m3/d"
    result = screen(project_from_data(data), demo_catalog(), on=ON)
    assert not any(f.code == "EFFLUENT_NOT_GIVEN" for f in result.findings)


def test_batch_row_without_any_concentration_is_incomplete(tmp_path, catalog):
    rows = batch(tmp_path, catalog, [ROW, ["A-2", *ROW[1:9], ""]])
    assert "EFFLUENT_NOT_GIVEN" not in rows.loc[0, "codes"]
    assert rows.loc[1, "verdict"] == "incomplete" and "EFFLUENT_NOT_GIVEN" in rows.loc[1, "codes"]


# --- item 4: Excel formulas without cached values ------------------------------------------------------

def test_excel_formula_without_cached_value_is_not_an_absent_figure(tmp_path, catalog):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([*ROW[:9], "=5000"])  # openpyxl writes the formula and no cached value, as scripts do
    path = tmp_path / "in.xlsx"
    book.save(path)
    out = tmp_path / "out.csv"
    screen_batch(path, out, catalog=catalog, on=ON)
    row = pd.read_csv(out, dtype=str, keep_default_na=False).loc[0]
    assert row["error"] != "" or "STANDARD_EXCEEDED" in row["codes"]


# --- item 14: one malformed line, hidden sheets, location errors ----------------------------------------

def test_malformed_csv_line_is_an_error_row(tmp_path, catalog):
    path = tmp_path / "in.csv"
    good = ",".join(str(v) for v in ROW)
    path.write_text(",".join(HEADER) + "\n" + good + "\n" + good.replace("A-1", "A-2") + ",extra,cells\n"
                    + good.replace("A-1", "A-3") + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["batch", str(path), "--out", str(out), "--on", "2027-01-01",
                                 "--catalog", str(catalog.source).rsplit("/", 1)[0]])
    assert result.exit_code == 1, result.stderr
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(rows["project_id"]) == ["A-1", "A-2", "A-3"] and rows.loc[1, "error"] != ""


def test_hidden_first_sheet_is_not_read(tmp_path, catalog):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "old"
    hidden.append(HEADER)
    hidden.append(["OLD-1", *ROW[1:]])
    hidden.sheet_state = "hidden"
    visible = book.create_sheet("projects")
    visible.append(HEADER)
    visible.append(ROW)
    book.active = 1
    path = tmp_path / "in.xlsx"
    book.save(path)
    out = tmp_path / "out.csv"
    screen_batch(path, out, catalog=catalog, on=ON)
    assert list(pd.read_csv(out, dtype=str)["project_id"]) == ["A-1"]


def test_location_error_names_the_file(tmp_path):
    path = tmp_path / "swapped.yaml"
    path.write_text("id: X-1\nname: swapped\nindustry: C3484\nlocation: {crs: 4490, lon: 30.99, lat: 118.82}\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["screen", str(path)])
    assert result.exit_code == 2 and "swapped.yaml" in result.stderr


@pytest.mark.parametrize("text, line, column", [
    ("id: X-1\nname: [unclosed\nindustry: C3484\n", 3, 9),
    ("id: X-1\n  name: x\n industry: C3484\n", 2, 7),
])
def test_yaml_syntax_error_is_one_line_naming_file_line_and_column(tmp_path, text, line, column):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["screen", str(path)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert "broken.yaml" in lines[0] and f"line {line}, column {column}" in lines[0]
