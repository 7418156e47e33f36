"""From a committee's raw files to verdicts, with no YAML and no mapping file: the README's three commands,
run as a user runs them, and the verdicts checked against hand calculations written out here.

The park (examples/own-park/make_files.py): wastewater cap 20,000 t/d with 15,000 committed and 1,000
reserved (4,000 left); COD 365 t/a (250 + 20: 95 left), SO2 200 t/a (120 + 10: 70 left); caps on the final
discharge basis, WWTP GB 18918-2002 class 1A (COD 50 mg/L); receiving water not attained: 2:1 offsets.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from committee import make_files
from conftest import ROOT
from regional_eia import screen
from regional_eia.batch import open_input, row_to_project_data
from regional_eia.project import project_from_data
from zones import load_catalog

LEFT_WASTEWATER = 20000 - 15000 - 1000
LEFT_SO2 = 200 - 120 - 10
WWTP_COD_MG_L = 50  # GB 18918-2002 表1, class 1A


def load_t_a(mg_l, m3_d, days):
    return mg_l * m3_d * days * 1e-6


def _cli(*args, cwd):
    """A command in ``cwd``, in process (typer's runner); the import below runs as a real subprocess."""
    from typer.testing import CliRunner

    from cli import app

    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        os.chdir(here)


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own-park")
    make_files(folder)
    run = subprocess.run([sys.executable, "-m", "cli", "catalog", "import", "园区边界.shp", "环境管控单元.shp",
                          "总量控制指标.xlsx", "环境准入清单.xlsx", "--out", "catalog"],
                         capture_output=True, text=True, cwd=folder)
    assert run.returncode == 0, run.stderr
    assert "encoding: GB18030" in run.stderr and "管控单元编 -> code" in run.stderr
    check = _cli("catalog", "check", "catalog", cwd=folder)
    assert check.exit_code == 0, check.output
    assert "ZH34010410001" in check.stdout and "priority" in check.stdout
    batch = _cli("batch", "入园项目清单.xlsx", "--catalog", "catalog", "--out", "results.csv", cwd=folder)
    assert batch.exit_code == 0, batch.output  # no row erred
    assert "read sheet '项目清单'" in batch.stderr and "units row" in batch.stderr
    results = pd.read_csv(folder / "results.csv").set_index("project_id")
    return folder, results


def test_dyeing_plant_over_the_wastewater_cap(park):
    _, r = park
    row = r.loc["SL-02"]  # typed "4,500" m3/d
    assert row.verdict == "fail" and row.binding_cap == "wastewater/final_discharge"
    assert row.cap_demand == 4500 and row.cap_remaining == LEFT_WASTEWATER
    assert row.cap_reduce_by == pytest.approx(4500 - LEFT_WASTEWATER)
    assert row.reuse_rate_to_fit == pytest.approx(1 - LEFT_WASTEWATER / 4500)


def test_electronics_fits_with_offsets(park):
    folder, r = park
    row = r.loc["SL-01"]
    assert row.verdict == "conditional" and row.binding_cap == "wastewater/final_discharge"
    assert row.cap_utilisation_after == pytest.approx((15000 + 1000 + 800) / 20000)
    cod = load_t_a(WWTP_COD_MG_L, 800, 300)  # 12 t/a at the WWTP's effluent, not at the plant's 300 mg/L
    result = _screen(folder, "SL-01")
    check = next(c for c in result.capacity if c.metric == "COD" and c.basis == "final_discharge")
    assert check.demand == pytest.approx(cod) and check.remaining == pytest.approx(365 - 250 - 20)
    offset = next(o for o in result.offsets if o.pollutant == "COD")
    assert offset.increment == pytest.approx(cod) and offset.required == pytest.approx(2 * cod)


def test_air_only_project_over_the_so2_cap(park):
    _, r = park
    row = r.loc["SL-04"]
    assert row.verdict == "fail" and row.binding_cap == "SO2/emission"
    assert row.cap_demand == 80 and row.cap_reduce_by == pytest.approx(80 - LEFT_SO2)


def test_amap_coordinates_land_in_the_park_after_conversion(park):
    folder, r = park
    row = r.loc["SL-05"]  # 高德: GCJ-02
    assert row.park == "SL-ED" and row.verdict == "conditional"
    assert abs(row.lon - 117.325) < 1e-6 and abs(row.lat - 31.790) < 1e-6
    cod = load_t_a(WWTP_COD_MG_L, 200, 250)
    offset = next(o for o in _screen(folder, "SL-05").offsets if o.pollutant == "COD")
    assert offset.required == pytest.approx(2 * cod)


def test_priority_unit_site_is_never_a_bare_pass(park):
    folder, r = park
    row = r.loc["SL-06"]
    assert row.control_units == "ZH34010410001" and "UNIT_REQUIREMENT" in row.codes
    assert row.verdict != "pass"
    finding = next(f for f in _screen(folder, "SL-06").findings if f.code == "UNIT_REQUIREMENT")
    assert "禁止新建、扩建工业项目" in finding.message and "reviewer must confirm" in finding.message


def test_discharging_industry_without_figures_is_incomplete(park):
    _, r = park
    assert r.loc["SL-07"].verdict == "incomplete" and r.loc["SL-07"].main_code == "DISCHARGE_NOT_GIVEN"


def test_full_width_digits_baidu_and_outside_the_park(park):
    _, r = park
    assert r.loc["SL-09"].cap_demand == 120  # typed １２０
    assert r.loc["SL-10"].park == "SL-ED"  # 百度: BD-09
    assert r.loc["SL-08"].verdict == "fail" and r.loc["SL-08"].main_code == "OUTSIDE_PARK"
    assert r.loc["SL-03"].main_code == "ACCESS_PROHIBITED"  # 电镀 in the 工艺 column, prohibited by 环境准入清单


def test_gbk_csv_gives_the_same_verdicts(park):
    folder, r = park
    run = _cli("batch", "入园项目清单.csv", "--catalog", "catalog", "--out", "results-csv.parquet", cwd=folder)
    assert run.exit_code == 0, run.output
    again = pd.read_parquet(folder / "results-csv.parquet").set_index("project_id")
    assert (again.verdict == r.verdict).all() and (again.codes == r.codes).all()


def test_report_of_the_batch(park):
    folder, _ = park
    run = _cli("report", "--batch", "results.csv", "--catalog", "catalog", "--out", "report", cwd=folder)
    assert run.exit_code == 0, run.output
    assert (folder / "report" / "batch-summary.html").exists()


def _screen(folder, project_id):
    source = open_input(folder / "入园项目清单.xlsx")
    for chunk in source.chunks:
        for record in chunk.table.to_pylist():
            if record[source.columns.base["id"]] == project_id:
                project = project_from_data(row_to_project_data(record, source.columns, project_id))
                return screen(project, load_catalog(folder / "catalog"))
    raise AssertionError(project_id)


def test_examples_folder_holds_the_files_the_script_makes():
    """README's commands run in examples/own-park: the committed files are the script's."""
    here = ROOT / "examples" / "own-park"
    for name in ("园区边界.shp", "园区边界.dbf", "环境管控单元.shp", "总量控制指标.xlsx", "环境准入清单.xlsx",
                 "入园项目清单.xlsx", "入园项目清单.csv"):
        assert (here / name).exists(), name
    assert not (here / "环境管控单元.cpg").exists()
