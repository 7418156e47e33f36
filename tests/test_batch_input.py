"""Batch input as committees type it (section 4): files built in code, run through the library and the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cli import app

from committee import write_sheet
from regional_eia.batch import BatchInputError, screen_batch
from regional_eia.batch.schema import batch_schema_markdown, normalise_route, parse_columns
from regional_eia.errors import ProjectError
from regional_eia.project import project_from_data
from conftest import ROOT, project_data

HEADER = ["项目编号", "项目名称", "行业代码", "经度", "纬度", "坐标系", "排放去向", "废水量", "年运行天数", "COD", "氨氮"]
UNITS = ["", "", "", "°", "°", "", "", "m3/d", "d", "mg/L", "mg/L"]
# the demo's Xuancheng high-tech zone, where 1,200 m3/d are left of the 20,000 m3/d wastewater cap
IN_PARK = ("118.822", "30.990")


def _row(pid, flow="500", crs="2000国家大地坐标系", route="纳管", lon=IN_PARK[0], lat=IN_PARK[1], industry="C3484"):
    return [pid, "项目", industry, lon, lat, crs, route, flow, "300", "200", "20"]


def _workbook(path, rows, *, title=True, units=True, first_sheet=True, header=HEADER, unit_row=UNITS):
    book = openpyxl.Workbook()
    if first_sheet:
        book.active.title = "说明"
        book.active.append(["填表说明：坐标请注明坐标系"])
    else:
        book.remove(book.active)
    write_sheet(book, "项目清单", header, rows, title_row="入园项目清单" if title else None,
                units=unit_row if units else None)
    book.save(path)
    return path


def _results(path):
    return pd.read_csv(path, keep_default_na=False).to_dict("records")


def test_units_row_title_row_and_sheet_that_is_not_first(tmp_path, demo):
    src = _workbook(tmp_path / "p.xlsx", [_row("A"), _row("B", flow="3,000")])
    summary = screen_batch(src, tmp_path / "r.csv", catalog=demo)
    rows = _results(tmp_path / "r.csv")
    assert [r["verdict"] for r in rows] == ["conditional", "fail"]  # 3,000 m3/d does not fit the 1,200 left
    assert rows[1]["cap_demand"] == 3000
    assert any("read sheet '项目清单'" in n for n in summary.notes)
    assert any("units row" in n for n in summary.notes) and any("title" in n for n in summary.notes)


def test_full_width_digits_and_typed_crs_labels(tmp_path, demo):
    from zones.crs import wgs84_to_gcj02

    glon, glat = (f"{float(v):.6f}" for v in wgs84_to_gcj02(118.822, 30.990))
    rows = [_row("A", flow="１，２００"), _row("B", crs="高德地图", lon=glon, lat=glat), _row("C", crs="GCJ-02(高德)",
            lon=glon, lat=glat), _row("D", crs="WGS84"), _row("E", route="接管园区污水处理厂"), _row("F", crs="西安80")]
    src = _workbook(tmp_path / "p.xlsx", rows)
    screen_batch(src, tmp_path / "r.csv", catalog=demo)
    rows = _results(tmp_path / "r.csv")
    assert rows[0]["cap_demand"] == 1200
    assert rows[1]["park"] == rows[2]["park"] == "xuancheng-hitech"
    assert abs(rows[1]["lon"] - 118.822) < 1e-6 and abs(rows[1]["lat"] - 30.990) < 1e-6
    assert rows[4]["verdict"] != "error"
    assert rows[5]["park"] == "xuancheng-hitech"  # Xi'an 1980 geographic (EPSG:4610): metres from CGCS2000


def test_unrecognised_quantity_column_stops_the_whole_file(tmp_path, demo):
    # a 4,000 t/d dyeing plant whose flow column the schema does not know: never screened as "no wastewater"
    header = HEADER[:7] + ["日均排水量", "年运行天数", "COD", "氨氮"]
    src = _workbook(tmp_path / "p.xlsx", [_row("A", flow="4000", industry="C1713")], header=header)
    out = tmp_path / "r.csv"
    with pytest.raises(BatchInputError) as err:
        screen_batch(src, out, catalog=demo)
    assert "'日均排水量'" in str(err.value) and "did you mean" in str(err.value)
    assert not out.exists()
    run = subprocess.run([sys.executable, "-m", "cli", "batch", str(src), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT)  # the entry point, as a user runs it
    assert run.returncode == 2 and "日均排水量" in run.stderr and not out.exists()
    screen_batch(src, out, catalog=demo, ignore_columns=("日均排水量",))  # named: read without it ...
    assert "wastewater.flow" in _results(out)[0]["error"]  # ... and the row, with COD but no flow, still errs


def test_ignored_columns_that_are_not_needed(tmp_path, demo):
    header = HEADER + ["备用排放量"]
    src = _workbook(tmp_path / "p.xlsx", [_row("A") + ["12"]], header=header, unit_row=UNITS + [""])
    with pytest.raises(BatchInputError):
        screen_batch(src, tmp_path / "r.csv", catalog=demo)
    summary = screen_batch(src, tmp_path / "r.csv", catalog=demo, ignore_columns=["备用排放量"])
    assert _results(tmp_path / "r.csv")[0]["verdict"] == "conditional"
    assert any("备用排放量" in w for w in summary.warnings)


def test_quantity_without_unit_and_water_load_in_t_a_are_refused(demo):
    with pytest.raises(BatchInputError) as err:
        parse_columns(["id", "industry", "lon", "lat", "crs", "COD", "氨氮排放量（t/a）"], "f.csv")
    message = str(err.value)
    assert "COD without a unit" in message and "annual water load" in message


def test_duplicate_ids_name_both_rows_and_write_nothing(tmp_path, demo):
    src = _workbook(tmp_path / "p.xlsx", [_row("A"), _row("B"), _row("A")])
    out = tmp_path / "r.parquet"
    with pytest.raises(BatchInputError) as err:
        screen_batch(src, out, catalog=demo, chunk_size=2)  # the second A is in the next chunk
    assert "'A' appears twice: data rows 1 and 3" in str(err.value)
    assert not out.exists() and not list(tmp_path.glob(".*partial*"))


def test_all_errors_of_a_row_in_one_message_with_values_echoed(tmp_path, demo):
    src = _workbook(tmp_path / "p.xlsx", [_row("A", flow="about 500", route="排到河里", lon="118,8x")])
    screen_batch(src, tmp_path / "r.csv", catalog=demo)
    error = _results(tmp_path / "r.csv")[0]["error"]
    assert "'about 500'" in error and "'118,8x'" in error and "'排到河里'" in error


def test_gbk_csv_with_units_row(tmp_path, demo):
    path = tmp_path / "p.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerow(UNITS)
        writer.writerow(_row("A", flow="1,000"))
    summary = screen_batch(path, tmp_path / "r.csv", catalog=demo)
    assert _results(tmp_path / "r.csv")[0]["cap_demand"] == 1000
    assert summary.notes[0].startswith("read as gb18030")


def test_xlsx_output(tmp_path, demo):
    src = _workbook(tmp_path / "p.xlsx", [_row("A"), _row("B")])
    screen_batch(src, tmp_path / "r.xlsx", catalog=demo)
    frame = pd.read_excel(tmp_path / "r.xlsx", sheet_name="screening")
    assert list(frame["project_id"]) == ["A", "B"] and "verdict" in frame.columns


def test_routes_as_typed():
    assert [normalise_route(v) for v in ("间接排放", "纳管", "接管园区污水处理厂", "直接排放", "直排", "indirect",
                                         "Direct")] == ["indirect"] * 3 + ["direct", "direct", "indirect", "direct"]
    assert normalise_route("排到河里") is None


def test_discharging_industry_without_wastewater_or_air_is_incomplete(tmp_path, demo):
    header = ["项目编号", "行业代码", "经度", "纬度", "坐标系"]
    src = _workbook(tmp_path / "p.xlsx", [["A", "C1713", *IN_PARK, "4490"]], header=header, units=False)
    screen_batch(src, tmp_path / "r.csv", catalog=demo)
    row = _results(tmp_path / "r.csv")[0]
    assert row["verdict"] == "fail" or row["verdict"] == "incomplete"
    assert "DISCHARGE_NOT_GIVEN" in row["codes"]


# --- project files ---------------------------------------------------------------------------------

def test_codcr_in_a_project_yaml_is_understood(tmp_path):
    data = project_data()
    data["wastewater"]["effluent"] = {"CODcr": "300 mg/L", "氨氮": "20 mg/L"}
    project = project_from_data(data)
    assert set(project.wastewater.effluent) == {"COD", "NH3-N"}
    data["wastewater"]["effluent"] = {"COD_cr_x": "300 mg/L"}
    with pytest.raises(ProjectError) as err:
        project_from_data(data)
    assert "unknown pollutant 'COD_cr_x'" in str(err.value) and "COD" in str(err.value)


def test_codcr_in_a_yaml_file_through_the_cli(tmp_path):
    data = yaml.safe_load((ROOT / "examples" / "xuancheng-dyeing-phase2-3.yaml").read_text(encoding="utf-8"))
    data["wastewater"]["effluent"] = {"CODCr": data["wastewater"]["effluent"]["COD"],
                                      **{k: v for k, v in data["wastewater"]["effluent"].items() if k != "COD"}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = CliRunner().invoke(app, ["screen", str(path), "--format", "json"])
    assert run.exit_code == 0, run.output
    assert '"pollutant": "COD"' in run.stdout


# --- the schema ------------------------------------------------------------------------------------

def test_schema_batch_lists_chinese_aliases_and_readme_table_is_generated_from_it():
    run = CliRunner().invoke(app, ["schema", "batch", "--format", "markdown"])
    assert run.exit_code == 0 and "项目编号" in run.stdout and "排放去向" in run.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert batch_schema_markdown() in readme, "README's batch table differs: paste `regional-eia schema batch -f markdown`"


# --- properties ------------------------------------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(value=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
       grouped=st.booleans(), full_width=st.booleans())
def test_numbers_as_typed_read_back_to_the_same_value(value, grouped, full_width):
    import pyarrow as pa

    from regional_eia.batch.schema import cell_number, normalise_chunk

    text = f"{value:,.2f}" if grouped else f"{value:.2f}"
    if full_width:
        text = text.translate(_FULL_WIDTH)
    columns = parse_columns(["id", "industry", "lon", "lat", "crs", "flow_m3d"], "t")
    table = normalise_chunk(pa.table({"id": ["A"], "industry": ["C1"], "lon": ["1"], "lat": ["1"], "crs": ["4490"],
                                      "flow_m3d": [text]}), columns)
    assert cell_number(table.column("flow_m3d")[0].as_py(), "flow", "t") == pytest.approx(float(value))


@given(st.sampled_from(["管控单元编码", "管控单元名称", "空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"]),
       st.sampled_from(["gbk", "utf-8"]))
def test_every_dbase_cut_of_a_unit_field_is_matched(name, encoding):
    from zones.aliases import FIELD_ALIASES, match_fields

    cut = name.encode(encoding)[:10].decode(encoding, errors="ignore")
    mapping, _ = match_fields([cut], FIELD_ALIASES["control_unit"])
    own = next(role for role, names in FIELD_ALIASES["control_unit"].items() if name in names)
    if encoding == "gbk":
        assert mapping == {own: cut}
    else:  # UTF-8 cuts may collide (管控单 from both 管控单元编码 and 管控单元名称): matched right, or not at all
        assert mapping in ({own: cut}, {})


def test_xlsx_output_keeps_formula_like_text_as_text(tmp_path, demo):
    src = tmp_path / "p.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, UNITS, _row('=HYPERLINK("http://x")')])
    screen_batch(src, tmp_path / "r.xlsx", catalog=demo)
    cell = openpyxl.load_workbook(tmp_path / "r.xlsx")["screening"]["B2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
