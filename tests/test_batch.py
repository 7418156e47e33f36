"""``regional-eia batch``: every input and output format, bad rows, sequential mode, the command line."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from typer.testing import CliRunner

from cli import app
from regional_eia.batch import BatchInputError, screen_batch
from regional_eia.batch.readers import open_input
from zones import load_catalog

from conftest import write_catalog

ON = dt.date(2027, 1, 1)
runner = CliRunner()

ROWS = [
    # id, name, industry, processes, lon, lat, route, flow, days, COD
    ("A-1", "装备制造", "C3484", "", 118.82, 30.985, "indirect", "500", "300", "300"),
    ("A-2", "印染", "C1713", "dyeing", 118.81, 30.98, "indirect", "1500", "300", "180"),
    ("A-3", "印染二期", "C1713", "dyeing", 118.83, 30.99, "indirect", "1000", "300", "180"),
    ("B-1", "园外", "C3484", "", 118.79, 30.95, "indirect", "100", "300", "100"),
    ("E-1", "坏行", "C3484", "", 118.82, 30.985, "indirect", "abc", "300", "100"),
    ("E-2", "lonlat swapped", "C3484", "", 30.985, 118.82, "", "", "", ""),
]
VERDICTS = ["pass", "conditional", "conditional", "fail", "error", "error"]


def frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=["id", "name", "industry", "processes", "lon", "lat", "route", "flow_m3d",
                                       "operating_days", "COD_mg_L"]).assign(crs="4490")


@pytest.fixture(scope="module")
def catalog_dir(tmp_path_factory):
    return write_catalog(tmp_path_factory.mktemp("cat"), 4549)


@pytest.fixture(scope="module")
def catalog(catalog_dir):
    return load_catalog(catalog_dir)


def read_output(path) -> pd.DataFrame:
    suffix = path.suffix
    if suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig", dtype={"project_id": str})
    if suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype={"project_id": str})
    if suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return gpd.read_file(path)


def write_input(tmp_path, kind: str):
    data = frame()
    if kind == "csv":
        path = tmp_path / "in.csv"
        data.to_csv(path, index=False, encoding="utf-8")
    elif kind == "gbk":
        path = tmp_path / "in-gbk.csv"
        data.to_csv(path, index=False, encoding="gbk")
    elif kind == "xlsx":
        path = tmp_path / "in.xlsx"
        numeric = data.copy()
        for column in ("flow_m3d", "operating_days", "COD_mg_L"):
            numeric[column] = pd.to_numeric(numeric[column], errors="coerce").astype(object)
            numeric.loc[numeric[column].isna(), column] = data.loc[numeric[column].isna(), column]
        numeric.to_excel(path, index=False)
    elif kind in ("gpkg", "geojson", "parquet"):
        geo = gpd.GeoDataFrame(data.drop(columns=["lon", "lat", "crs"]),
                               geometry=gpd.points_from_xy(data["lon"], data["lat"]), crs=4490)
        # the swapped row keeps its swapped coordinates: the layer's CRS is geographic, so it errs as in CSV
        if kind == "gpkg":
            path = tmp_path / "in.gpkg"
            geo.to_crs(4549).to_file(path, layer="projects", driver="GPKG", engine="pyogrio")
        elif kind == "geojson":
            path = tmp_path / "in.geojson"
            geo.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
        else:
            path = tmp_path / "in.parquet"
            geo.to_parquet(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "gbk", "xlsx", "gpkg", "geojson", "parquet"])
def test_every_input_format_gives_the_same_rows(tmp_path, catalog, kind):
    path = write_input(tmp_path, kind)
    out = tmp_path / "out.csv"
    summary = screen_batch(path, out, catalog=catalog, on=ON, chunk_size=4)
    result = read_output(out)
    assert list(result["project_id"]) == [r[0] for r in ROWS]
    assert list(result["row"]) == list(range(1, len(ROWS) + 1))
    if kind == "gpkg":  # the swapped row, projected, lands elsewhere in the GK zone: still an error
        assert list(result["verdict"])[:5] == VERDICTS[:5]
    else:
        assert list(result["verdict"]) == VERDICTS
    assert summary.errors == 2 and summary.rows == len(ROWS)
    assert result.loc[4, "error"].startswith("wastewater.flow:")
    assert result.loc[0, "park"] == "P1" and result.loc[0, "control_units"] == "ZH34180220009"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".geojson", ".gpkg", ".parquet"])
def test_every_output_format(tmp_path, catalog, suffix):
    path = write_input(tmp_path, "csv")
    out = tmp_path / f"out{suffix}"
    screen_batch(path, out, catalog=catalog, on=ON, chunk_size=2)
    result = read_output(out)
    assert list(result["verdict"]) == VERDICTS
    codes = result.loc[1, "codes"].split(";")
    assert codes[0] == "ACCESS_RESTRICTED" and codes[-1] == "EIA_CATEGORY"
    if suffix in (".geojson", ".gpkg", ".parquet"):
        geometry = gpd.read_parquet(out).geometry if suffix == ".parquet" else result.geometry
        assert geometry.iloc[0].x == pytest.approx(118.82)
        assert geometry.iloc[4] is None


def test_sequential_names_the_project_that_took_the_room(tmp_path, catalog):
    path = write_input(tmp_path, "csv")
    independent = read_output_of(tmp_path, path, catalog, "independent")
    sequential = read_output_of(tmp_path, path, catalog, "sequential")
    # 2,000 m3/d left: A-1 takes 500 and A-2 1,500; A-3's 1,000 fitted alone, not after them
    assert independent.loc[2, "verdict"] == "conditional"
    assert sequential.loc[2, "verdict"] == "fail" and "CAPACITY_EXCEEDED" in sequential.loc[2, "codes"]
    assert sequential.loc[2, "capacity_taken_by"] == "A-2"
    assert sequential.loc[2, "cap_remaining"] == 0


def read_output_of(tmp_path, path, catalog, mode):
    out = tmp_path / f"{mode}.csv"
    screen_batch(path, out, catalog=catalog, on=ON, mode=mode)
    return read_output(out)


def test_summary_counts_and_capacity_after(tmp_path, catalog):
    summary = screen_batch(write_input(tmp_path, "csv"), tmp_path / "o.csv", catalog=catalog, on=ON)
    assert summary.by_verdict == {"pass": 1, "conditional": 2, "fail": 1, "incomplete": 0, "error": 2}
    wastewater = next(c for c in summary.caps if c["metric"] == "wastewater")
    assert wastewater["admitted_projects"] == 3 and wastewater["admitted_demand"] == 3000
    assert wastewater["over"] is True  # independent: each fits alone, not all together


def test_mapping_file_and_chinese_headers(tmp_path, catalog):
    data = frame().rename(columns={"id": "项目编号", "name": "项目名称", "lon": "经度", "lat": "纬度",
                                   "flow_m3d": "日排水量"})
    path = tmp_path / "cn.csv"
    data.to_csv(path, index=False, encoding="gbk")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("日排水量: flow_m3d\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "o.csv"), "--catalog",
                                 str(catalog.source).removesuffix("/catalog.yaml"), "--mapping", str(mapping),
                                 "--on", "2027-01-01", "--summary", str(tmp_path / "s.json")])
    assert result.exit_code == 1, result.output  # two rows erred
    assert list(read_output(tmp_path / "o.csv")["verdict"]) == VERDICTS
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["by_verdict"]["error"] == 2


def test_cli_exit_codes_and_stderr(tmp_path, catalog_dir):
    good = frame().iloc[:4]
    path = tmp_path / "good.csv"
    good.to_csv(path, index=False)
    result = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "o.jsonl"), "-c", str(catalog_dir),
                                 "--on", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert "4 rows screened" in result.output
    assert (tmp_path / "o.jsonl").read_text(encoding="utf-8").count("\n") == 4
    missing = runner.invoke(app, ["batch", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad_out = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "o.xyz"), "-c", str(catalog_dir)])
    assert bad_out.exit_code == 2 and "unknown output format" in bad_out.output


def test_header_problems_are_named(tmp_path):
    path = tmp_path / "noid.csv"
    frame().drop(columns=["id"]).to_csv(path, index=False)
    with pytest.raises(BatchInputError, match="no id column"):
        open_input(path)
    path = tmp_path / "nocrs.csv"
    frame().drop(columns=["crs"]).to_csv(path, index=False)
    with pytest.raises(BatchInputError, match="--crs"):
        open_input(path)
    assert open_input(path, crs="4490").columns.default_crs == "4490"


def test_rows_are_never_dropped_across_chunks(tmp_path, catalog):
    data = pd.concat([frame()] * 40, ignore_index=True)
    data["id"] = [f"R{i}" for i in range(len(data))]
    path = tmp_path / "many.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "many.parquet"
    screen_batch(path, out, catalog=catalog, on=ON, chunk_size=7)
    result = read_output(out)
    assert list(result["project_id"]) == list(data["id"])
    assert list(result["verdict"]) == VERDICTS * 40


def test_finished_chunks_are_freed_even_with_row_errors(tmp_path, catalog):
    """A row's error is kept in the chunk's arrays: with its traceback it would keep the frames that
    raised it, and through them the chunk, alive for ever (numpy arrays are outside garbage collection;
    a 1,000,000-row batch grew to 4.2 GB that way)."""
    import gc
    import types

    data = pd.concat([frame()] * 6, ignore_index=True)
    data["id"] = [f"R{i}" for i in range(len(data))]
    data.loc[data.index % 6 == 0, "industry"] = "C9999"  # not a class of GB/T 4754-2017: an error row
    path = tmp_path / "errors.csv"
    data.to_csv(path, index=False)
    screen_batch(path, tmp_path / "out.parquet", catalog=catalog, on=ON, chunk_size=6)
    gc.collect()
    assert read_output(tmp_path / "out.parquet")["verdict"].eq("error").sum() >= 6
    alive = [f.f_code.co_name for f in gc.get_objects() if isinstance(f, types.FrameType)
             and "regional_eia" in f.f_code.co_filename and f.f_code.co_name in ("error", "assess", "project_from_data")]
    assert alive == []


def test_polygon_sites_from_a_geopackage(tmp_path, catalog):
    inside = shapely.box(118.815, 30.98, 118.825, 30.99)
    across = shapely.box(118.835, 30.98, 118.845, 30.99)
    geo = gpd.GeoDataFrame({"id": ["S-in", "S-across"], "industry": ["C3484", "C3484"]},
                           geometry=[inside, across], crs=4490).to_crs(4549)
    path = tmp_path / "sites.gpkg"
    geo.to_file(path, driver="GPKG", engine="pyogrio")
    out = tmp_path / "sites.csv"
    screen_batch(path, out, catalog=catalog, on=ON)
    result = read_output(out)
    assert result.loc[0, "park"] == "P1"
    assert result.loc[1, "verdict"] == "fail" and "PARTLY_OUTSIDE_PARK" in result.loc[1, "codes"]


