"""Issue 16 item 14: a malformed CSV line is an error row with its line number; the batch goes on in order."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from regional_eia.batch import readers, screen_batch
from zones import load_catalog

from conftest import write_catalog

ON = dt.date(2027, 1, 1)
HEADER = "id,name,industry,lon,lat,crs,route,flow_m3d,operating_days,COD_mg_L"


def line(project_id: str, name: str = "装备制造", cod: str = "300") -> str:
    return f"{project_id},{name},C3484,118.82,30.985,4490,indirect,500,300,{cod}"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(write_catalog(tmp_path_factory.mktemp("cat"), 4549))


def run(tmp_path, catalog, lines: list[str], encoding="utf-8", **options):
    path = tmp_path / "in.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    out = tmp_path / "out.csv"
    summary = screen_batch(path, out, catalog=catalog, on=ON, **options)
    return pd.read_csv(out, dtype=str, keep_default_na=False), summary


def test_extra_and_missing_cells_are_error_rows_naming_the_line(tmp_path, catalog):
    rows, summary = run(tmp_path, catalog, [line("A-1"), line("A-2") + ",extra,cells", line("A-3"),
                                            "A-4,短行,C3484", line("A-5")])
    assert list(rows["project_id"]) == ["A-1", "A-2", "A-3", "A-4", "A-5"]
    assert list(rows["verdict"] == "error") == [False, True, False, True, False]
    assert rows.loc[1, "error"].startswith("line 3: 12 cells where the header has 10")
    assert rows.loc[3, "error"].startswith("line 5: 3 cells where the header has 10")
    assert rows.loc[0, "verdict"] == rows.loc[2, "verdict"] == rows.loc[4, "verdict"]
    assert any("2 malformed line(s)" in note for note in summary.notes)


def test_unterminated_quote_is_its_own_line_only(tmp_path, catalog):
    rows, _ = run(tmp_path, catalog, [line("A-1"), line("A-2", name='"未闭合'), line("A-3"), line("A-4")])
    assert list(rows["project_id"]) == ["A-1", "A-2", "A-3", "A-4"]
    assert rows.loc[1, "verdict"] == "error" and "line 3: a quote" in rows.loc[1, "error"]
    assert (rows.loc[[0, 2, 3], "verdict"] != "error").all()


def test_a_quoted_value_over_two_lines_is_still_one_row(tmp_path, catalog):
    rows, _ = run(tmp_path, catalog, [line("A-1"), line("A-2", name='"两行\n名称"'), line("A-3") + ",x"])
    assert list(rows["project_id"]) == ["A-1", "A-2", "A-3"]
    assert rows.loc[1, "project_name"] == "两行\n名称" and rows.loc[1, "verdict"] != "error"
    assert rows.loc[2, "error"].startswith("line 5: ")  # line numbers count the file's lines


def test_malformed_line_after_rows_already_read_keeps_every_row_once(tmp_path, catalog, monkeypatch):
    monkeypatch.setattr(readers, "_CSV_BLOCK", 300)  # pyarrow has read some blocks when it meets the line
    good = [line(f"A-{i}") for i in range(40)]
    lines = [*good[:30], line("BAD") + ",x", *good[30:]]
    rows, _ = run(tmp_path, catalog, lines, chunk_size=7)
    assert list(rows["project_id"]) == [f"A-{i}" for i in range(30)] + ["BAD"] + [f"A-{i}" for i in range(30, 40)]
    assert list(rows["verdict"] == "error").count(True) == 1 and rows.loc[30, "error"].startswith("line 32: ")


def test_gbk_file_with_a_malformed_line(tmp_path, catalog):
    rows, _ = run(tmp_path, catalog, [line("甲-1"), line("甲-2") + ",多余", line("甲-3")], encoding="gbk")
    assert list(rows["project_id"]) == ["甲-1", "甲-2", "甲-3"] and rows.loc[1, "verdict"] == "error"


def test_cli_exit_code_is_the_row_error_one(tmp_path, catalog):
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, line("A-1"), line("A-2") + ",x"]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(path), "--out", str(tmp_path / "out.csv"), "--on", "2027-01-01",
                                      "--catalog", str(catalog.source).rsplit("/", 1)[0]])
    assert result.exit_code == 1, result.stderr
    assert "malformed line" in result.stderr


# --- a GeoParquet's own metadata is a stranger's JSON too ------------------------------------------------

@pytest.mark.parametrize("geo, message", [
    (b"{not json", "line 1, column 2: not valid JSON"),
    (b"[1, 2]", "is not a JSON object"),
    (b'{"primary_column": "geometry", "primary_column": "id", "columns": {}}', "duplicate key 'primary_column'"),
    (b'{"primary_column": "nope", "columns": {}}', "names no geometry column"),
    (b'{"primary_column": "geometry", "columns": {"geometry": {"encoding": "WKB", "crs": 5}}}', "not one pyproj knows"),
    (b'{"primary_column": "geometry", "columns": {"geometry": {"encoding": ["x"]}}}', "is not supported"),
])
def test_geoparquet_with_hostile_geo_metadata_is_one_error_naming_the_file(tmp_path, catalog, geo, message):
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    from regional_eia.batch import BatchInputError

    table = pa.table({"id": ["A-1"], "industry": ["C3484"], "geometry": [shapely.to_wkb(shapely.Point(118.82, 30.985))]})
    path = tmp_path / "in.parquet"
    pq.write_table(table.replace_schema_metadata({b"geo": geo}), path)
    with pytest.raises(BatchInputError, match=message) as err:
        screen_batch(path, tmp_path / "out.csv", catalog=catalog, on=ON)
    assert "in.parquet" in str(err.value)
