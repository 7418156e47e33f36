"""Shared fixtures: the demo catalogue, and small catalogues built in code in a tmp folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from hypothesis import settings
from shapely.geometry import Point, Polygon

from zones import load_catalog

# The CLI's --lang defaults to the user's locale; the tests must not depend on this machine's, so every
# command (and subprocess) speaks English unless a test asks otherwise.
os.environ["REGIONAL_EIA_LANG"] = "en"


def pytest_configure(config):
    """Compiled catalogues go to a folder of this run, never the user's cache (tests must not depend on it)."""
    folder = tempfile.mkdtemp(prefix="regional-eia-test-cache-")
    config._compiled_cache = folder
    os.environ["REGIONAL_EIA_CACHE_DIR"] = folder
    os.environ.pop("REGIONAL_EIA_CACHE", None)


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_compiled_cache", ""), ignore_errors=True)


# pyproj builds transformers lazily: the first example of a test may take a second; no deadlines.
settings.register_profile("project", deadline=None, max_examples=60)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# A small park near Xuancheng, drawn in degrees; written in the CRS under test.
PARK_DEG = Polygon([(118.80, 30.97), (118.84, 30.97), (118.84, 31.00), (118.80, 31.00)])
RED_LINE_DEG = Polygon([(118.85, 30.97), (118.87, 30.97), (118.87, 31.00), (118.85, 31.00)])
RECEPTOR_DEG = Point(118.7985, 30.985)  # about 145 m west of the park's west edge
UNIT_DEG = Polygon([(118.79, 30.96), (118.88, 30.96), (118.88, 31.01), (118.79, 31.01)])


@pytest.fixture(scope="session")
def demo():
    return load_catalog()


def park_spec(**overrides: Any) -> dict[str, Any]:
    park = {
        "wwtp": {"name": "test WWTP", "capacity": 10000, "effluent_class": "1A", "built": "2015-01-01"},
        "receiving_water": {"name": "test river", "target_class": "III", "attained": True},
        "caps": [
            {"metric": "wastewater", "value": 10000, "unit": "m3/d", "basis": "final_discharge",
             "committed": 7000, "reserved": 1000},
            {"metric": "COD", "value": 100, "unit": "t/a", "basis": "final_discharge", "committed": 60},
            {"metric": "COD", "value": 400, "unit": "t/a", "basis": "sewer_intake", "committed": 100},
        ],
        "access": {
            "prohibited": [{"codes": ["C2511"], "reason": "no refineries"},
                           {"codes": ["C3360"], "processes": ["electroplating"], "reason": "no plating"}],
            "restricted": [{"codes": ["C17"], "reason": "dyeing cluster only", "conditions": "reuse >= 40%"}],
        },
    }
    park.update(overrides)
    return park


def write_catalog(folder: Path, epsg: int = 4549, park: dict[str, Any] | None = None,
                  extra_zones: list[dict[str, Any]] | None = None) -> Path:
    """Write a catalogue whose geometry files are in ``epsg`` (GK, geographic or zone-number form)."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"zid": ["P1", "R1", "U1", "S1"], "kind": ["park", "red_line", "control_unit", "receptor"]},
        geometry=gpd.GeoSeries([PARK_DEG, RED_LINE_DEG, UNIT_DEG, RECEPTOR_DEG], crs=4326).to_crs(epsg),
    )
    frame.to_file(folder / "zones.gpkg", layer="zones", driver="GPKG", engine="pyogrio")
    spec = {
        "name": f"test catalogue (EPSG:{epsg})",
        "zones": [
            {"id": "P1", "name": "test park", "kind": "park",
             "geometry": {"file": "zones.gpkg", "layer": "zones", "id_field": "zid"},
             "park": park or park_spec()},
            {"id": "R1", "name": "test red line", "kind": "red_line",
             "geometry": {"file": "zones.gpkg", "layer": "zones", "id_field": "zid"},
             "protected": {"buffer_m": 1500}},
            {"id": "U1", "name": "test unit", "kind": "control_unit",
             "geometry": {"file": "zones.gpkg", "layer": "zones", "id_field": "zid"},
             "control_unit": {"code": "ZH34180220009", "class": "key"}},
            {"id": "S1", "name": "test village", "kind": "receptor",
             "geometry": {"file": "zones.gpkg", "layer": "zones", "id_field": "zid"},
             "receptor": {"type": "residential", "setbacks": [
                 {"industries": ["C26"], "distance_m": 500, "basis": "test"},
                 {"distance_m": 50, "basis": "test"}]}},
            *(extra_zones or []),
        ],
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(params=[4549, 4528, 4490, 4326], ids=["GK-CM120E", "GK-zone40", "CGCS2000", "WGS84"])
def small_catalog(request, tmp_path):
    """The same small catalogue stored in four CRSs: every screening must come out the same."""
    return load_catalog(write_catalog(tmp_path / f"cat{request.param}", request.param))


def project_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "id": "T-1",
        "name": "test project",
        "industry": "C3484",
        "location": {"crs": 4490, "lon": 118.82, "lat": 30.985},
        "wastewater": {"route": "indirect", "flow": "500 m3/d", "operating_days": 300, "pH": "6-9",
                       "effluent": {"COD": "300 mg/L", "SS": "100 mg/L"}},
    }
    data.update(overrides)
    return data


# --- PostgreSQL (tests/pgcluster.py): a real server for the ledger's and the service's PostgreSQL halves ---

@pytest.fixture(scope="session")
def pg_cluster():
    """A running PostgreSQL server for the session (CI's, or a throw-away one); skipped, saying why, if none."""
    from pgcluster import Cluster, Unavailable

    try:
        cluster = Cluster.start()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL half skipped: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_url(pg_cluster) -> str:
    """The admin URL of the session's PostgreSQL server (``postgresql://postgres@127.0.0.1:PORT/postgres``)."""
    return pg_cluster.url


@pytest.fixture
def pg_database(pg_cluster) -> str:
    """A fresh, empty PostgreSQL database for one test (its URL)."""
    return pg_cluster.new_database()
