"""The Dask engine gives the local engine's output, byte for byte, in both modes (a real LocalCluster)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from regional_eia.batch import screen_batch

from conftest import write_catalog
from test_batch import frame

pytest.importorskip("dask.distributed")
pytest.importorskip("dask_geopandas")
pytestmark = pytest.mark.dask

ON = dt.date(2027, 1, 1)


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    import geopandas as gpd

    folder = tmp_path_factory.mktemp("dask")
    data = pd.concat([frame()] * 30, ignore_index=True)
    data["id"] = [f"D{i}" for i in range(len(data))]
    csv = folder / "in.csv"
    data.to_csv(csv, index=False)
    geo = gpd.GeoDataFrame(data.drop(columns=["lon", "lat", "crs"]),
                           geometry=gpd.points_from_xy(data["lon"], data["lat"]), crs=4490)
    gpkg = folder / "in.gpkg"
    geo.to_file(gpkg, driver="GPKG", engine="pyogrio")
    return {"csv": csv, "gpkg": gpkg, "catalog": write_catalog(folder / "cat", 4549)}


@pytest.mark.parametrize("mode", ["independent", "sequential"])
@pytest.mark.parametrize("kind", ["csv", "gpkg"])
def test_dask_matches_local(tmp_path, client, inputs, mode, kind):
    from regional_eia.batch.dask_engine import screen_batch_dask
    from zones import load_catalog

    catalog = load_catalog(inputs["catalog"])
    local = screen_batch(inputs[kind], tmp_path / "local.csv", catalog=catalog, on=ON, mode=mode, chunk_size=40)
    dask = screen_batch_dask(inputs[kind], tmp_path / "dask.csv", catalog=catalog, on=ON, mode=mode,
                             chunk_size=40, client=client)
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    assert local.by_verdict == dask.by_verdict and local.caps == dask.caps
    if mode == "sequential":
        result = pd.read_csv(tmp_path / "dask.csv")
        assert result["capacity_taken_by"].notna().any()  # capacity taken across partitions
