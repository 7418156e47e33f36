"""The compiled catalogue: the same catalogue as the cold load, used only while current, rebuilt (and
said so) when a source, the tool or the file itself changed."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
import yaml
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon

import zones.catalog
from regional_eia import project_from_data, screen_many
from zones import compiled, load_catalog
from zones.compiled import CompiledCatalogWarning, cached_catalogues, clear_cache, compiled_path

from conftest import EXAMPLES, ROOT, park_spec, project_data, write_catalog

ON = dt.date(2027, 1, 1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(folder))
    return folder


def layered_catalog(folder):
    """Layers of every kind (GBK-free GeoPackage), inline WKT, a MultiPolygon park, a polygon receptor,
    an invalid geometry repaired (a warning), a standards folder: every part the compiled form keeps."""
    folder.mkdir(parents=True, exist_ok=True)
    units = gpd.GeoDataFrame(
        {"code": ["ZH34180210001", "ZH34180220002", "ZH34180230003"], "名称": ["优先单元", "重点单元", "一般单元"],
         "class": ["优先保护", "重点管控", "一般管控"]},
        geometry=[shapely.box(118.70, 30.90, 118.80, 31.05), shapely.box(118.80, 30.90, 118.90, 31.05),
                  shapely.box(118.90, 30.90, 119.00, 31.05)], crs=4326).to_crs(4549)
    units.to_file(folder / "units.gpkg", layer="units", driver="GPKG", engine="pyogrio")
    receptors = gpd.GeoDataFrame(
        {"rid": ["S1", "S2", "S3"], "type": ["residential", "school", "hospital"]},
        geometry=[Point(118.799, 30.985), Point(118.845, 30.99).buffer(0.002), Point(118.86, 30.95)], crs=4490)
    receptors.to_file(folder / "receptors.gpkg", layer="receptors", driver="GPKG", engine="pyogrio")
    red = gpd.GeoDataFrame({"rid": ["RL1", "RL2"]},
                           geometry=[shapely.box(118.85, 30.97, 118.87, 31.0), shapely.box(118.72, 30.92, 118.74, 30.94)],
                           crs=4326)
    red.to_file(folder / "red.geojson", driver="GeoJSON", engine="pyogrio")
    bowtie = "POLYGON ((118.95 30.95, 118.97 30.97, 118.97 30.95, 118.95 30.97, 118.95 30.95))"  # invalid
    two_parts = MultiPolygon([shapely.box(118.80, 30.97, 118.84, 31.0), shapely.box(118.88, 30.97, 118.89, 30.98)])
    (folder / "standards").mkdir(exist_ok=True)
    (folder / "standards" / "XCWWTP-2022.yaml").write_bytes(
        (ROOT / "zones" / "demo" / "standards" / "XCWWTP-2022.yaml").read_bytes())
    spec = {
        "name": "layered test catalogue",
        "repair_invalid": True,
        "standards": "standards",
        "control_unit_access": {"priority": {"prohibited": [{"codes": ["C"], "reason": "no industry"}]}},
        "zones": [
            {"id": "P1", "name": "两片园区", "kind": "park", "geometry": {"wkt": two_parts.wkt, "crs": 4326},
             "park": park_spec(wwtp={"name": "WWTP", "capacity": 10000, "effluent_class": "1A",
                                     "built": "2015-01-01", "intake_standard": "XCWWTP-2022"},
                               offsets=[{"pollutant": "COD", "ratio": 2, "reason": "not attained"}])},
            {"id": "P2", "name": "bow-tie park", "kind": "park", "geometry": {"wkt": bowtie, "crs": 4490},
             "park": park_spec()},
            {"id": "W1", "name": "水源", "kind": "water_source",
             "geometry": {"wkt": "POLYGON ((118.90 31.00, 118.92 31.00, 118.92 31.02, 118.90 31.02, 118.90 31.00))",
                          "crs": 4490}, "protected": {"buffer_m": 800, "grade": "一级保护区"}},
        ],
        "layers": [
            {"kind": "control_unit", "file": "units.gpkg", "id_field": "code", "name_field": "名称",
             "code_field": "code", "class_field": "class"},
            {"kind": "receptor", "file": "receptors.gpkg", "id_field": "rid", "type_field": "type",
             "setbacks": [{"industries": ["C26"], "distance_m": 1000, "basis": "test"},
                          {"distance_m": 100, "basis": "test"}]},
            {"kind": "red_line", "file": "red.geojson", "id_field": "rid", "buffer_m": 500},
        ],
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def assert_same_catalogue(compiled_cat, cold):
    assert compiled_cat.spec == cold.spec
    assert compiled_cat.source == cold.source
    assert compiled_cat.warnings == cold.warnings
    assert compiled_cat.notes == cold.notes
    for attr in ("parks", "control_units", "protected", "receptors", "names"):
        assert list(getattr(compiled_cat, attr).items()) == list(getattr(cold, attr).items()), attr
    a, b = compiled_cat.table, cold.table
    for attr in ("zone_id", "kind", "source"):
        assert getattr(a, attr).tolist() == getattr(b, attr).tolist(), attr
    for attr in ("metric_epsg", "reach_m", "wgs84_bounds"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr), err_msg=attr)
    for attr in ("metric_geometry", "wgs84"):
        assert shapely.equals_identical(getattr(a, attr), getattr(b, attr)).all(), attr
        assert (shapely.get_type_id(getattr(a, attr)) == shapely.get_type_id(getattr(b, attr))).all(), attr
    assert len(compiled_cat.groups) == len(cold.groups)
    for g, h in zip(compiled_cat.groups, cold.groups):
        assert g.crs == h.crs and g.bounds_wgs84 == h.bounds_wgs84
        assert g.zone_ids.tolist() == h.zone_ids.tolist() and g.kinds.tolist() == h.kinds.tolist()
        np.testing.assert_array_equal(g.positions, h.positions)
        np.testing.assert_array_equal(g.reach_m, h.reach_m)
        assert shapely.equals_identical(g.geometries, h.geometries).all()
    assert compiled_cat.standards.standards == cold.standards.standards
    assert compiled_cat.standards.pollutants == cold.standards.pollutants
    assert compiled_cat.standards.limits == cold.standards.limits
    assert_geodataframe_equal(compiled_cat.zones, cold.zones, check_less_precise=False)


def load_quietly(path=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompiledCatalogWarning)
        return load_catalog(path, **kwargs)


def test_compiled_demo_is_the_cold_demo(cache):
    zones.catalog.demo_catalog.cache_clear()
    try:
        first = load_quietly()  # compiles
        assert compiled_path("demo:catalog.yaml").exists()
        zones.catalog.demo_catalog.cache_clear()
        reopened = load_quietly()
    finally:
        zones.catalog.demo_catalog.cache_clear()
    assert_same_catalogue(reopened, load_catalog(compiled=False))
    assert_same_catalogue(first, load_catalog(compiled=False))


@pytest.mark.parametrize("epsg", [4549, 4490])
def test_compiled_catalogue_is_the_cold_catalogue(cache, tmp_path, epsg, monkeypatch):
    folder = write_catalog(tmp_path / "cat", epsg)
    load_quietly(folder)
    opened = []
    real = compiled.read_compiled
    monkeypatch.setattr(compiled, "read_compiled", lambda *a, **k: opened.append(1) or real(*a, **k))
    assert_same_catalogue(load_quietly(folder), load_catalog(folder, compiled=False))
    assert opened == [1]


def test_every_part_survives_compilation(cache, tmp_path):
    folder = layered_catalog(tmp_path / "layered")
    cold = load_catalog(folder, compiled=False)
    assert cold.warnings and "repaired" in cold.warnings[0]
    load_quietly(folder)
    reopened = load_quietly(folder)
    assert_same_catalogue(reopened, cold)
    assert {shapely.get_type_id(g) for g in reopened.table.metric_geometry} == {0, 3, 6}


@pytest.fixture(scope="module")
def both_demos(tmp_path_factory):
    """The demo, cold and compiled (from a cache folder of this module)."""
    folder = tmp_path_factory.mktemp("demo-cache")
    previous = os.environ.get("REGIONAL_EIA_CACHE_DIR")
    os.environ["REGIONAL_EIA_CACHE_DIR"] = str(folder)
    try:
        path = zones.catalog.DEMO_PATH
        compiled.open_compiled(path, path / "catalog.yaml", "demo:catalog.yaml", zones.catalog._load_sources)
        reopened = compiled.open_compiled(path, path / "catalog.yaml", "demo:catalog.yaml",
                                          lambda *a: pytest.fail("the compiled demo was not used"))
    finally:
        os.environ["REGIONAL_EIA_CACHE_DIR"] = previous or ""
    return reopened, load_catalog(compiled=False)


sites = st.one_of(
    st.sampled_from([(118.822, 30.99), (119.17, 31.12), (115.97, 32.93), (118.80, 30.97), (119.25, 30.99)]),
    st.tuples(st.floats(115.7, 119.4), st.floats(30.7, 33.1)),
    st.tuples(st.floats(118.78, 118.88), st.floats(30.95, 31.02)),  # around the Xuancheng park's boundary
)


@given(points=st.lists(sites, min_size=1, max_size=6),
       industry=st.sampled_from(["C1713", "C2614", "C3360", "C3484", "C2710", "C2511"]),
       processes=st.sampled_from([[], ["dyeing"], ["electroplating"]]),
       crs=st.sampled_from([4490, "gcj02"]),
       polygon=st.booleans())
def test_compiled_and_cold_give_identical_screenings(both_demos, points, industry, processes, crs, polygon):
    compiled_cat, cold = both_demos
    projects = []
    for i, (lon, lat) in enumerate(points):
        location = {"crs": crs, "lon": lon, "lat": lat}
        if polygon and i % 2:
            location = {"crs": 4490, "wkt": Point(lon, lat).buffer(0.004, quad_segs=3).wkt}
        projects.append(project_from_data(project_data(id=f"T-{i}", industry=industry, processes=processes,
                                                       location=location)))
    def outcome(result):
        return result.model_dump(mode="json") if hasattr(result, "model_dump") else repr(result)

    a = screen_many(projects, compiled_cat, on=ON)
    b = screen_many(projects, cold, on=ON)
    assert [outcome(r) for r in a] == [outcome(r) for r in b]


def test_batch_of_the_examples_is_identical(both_demos, tmp_path):
    from regional_eia.batch import screen_batch

    compiled_cat, cold = both_demos
    rows = ["id,name,industry,processes,lon,lat,crs,route,flow_m3d,operating_days,COD_mg_L"]
    for i, (lon, lat) in enumerate([(118.822, 30.99), (119.17, 31.12), (115.97, 32.93), (118.5, 30.5)]):
        rows.append(f"B{i},b{i},C1713,dyeing,{lon},{lat},4490,indirect,300,300,200")
    source = tmp_path / "in.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outputs = []
    for cat, name in ((compiled_cat, "a.jsonl"), (cold, "b.jsonl")):
        screen_batch(source, tmp_path / name, catalog=cat, on=ON, nearest_park=True)
        outputs.append((tmp_path / name).read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]


# --- staleness: every cause rebuilds, and says so ---------------------------------------------------


def rebuilt_because(folder, monkeypatch=None):
    with pytest.warns(CompiledCatalogWarning) as caught:
        catalog = load_catalog(folder)
    messages = [str(w.message) for w in caught if issubclass(w.category, CompiledCatalogWarning)]
    assert len(messages) == 1 and "rebuilt it from the sources" in messages[0], messages
    return catalog, messages[0]


def test_changed_catalog_yaml_rebuilds(cache, tmp_path):
    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    spec = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    spec["zones"][0]["park"]["caps"][0]["committed"] = 9000
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    catalog, message = rebuilt_because(folder)
    assert "catalog.yaml changed" in message
    assert catalog.park("P1").caps[0].committed == 9000
    assert load_quietly(folder).park("P1").caps[0].committed == 9000  # the rebuilt form is used again


def test_changed_geometry_file_rebuilds(cache, tmp_path):
    folder = write_catalog(tmp_path / "cat")
    before = load_quietly(folder)
    frame = gpd.read_file(folder / "zones.gpkg")
    frame.loc[frame["zid"] == "P1", "geometry"] = frame.loc[frame["zid"] == "P1", "geometry"].scale(0.5, 0.5)
    frame.to_file(folder / "zones.gpkg", layer="zones", driver="GPKG", engine="pyogrio")
    catalog, message = rebuilt_because(folder)
    assert "zones.gpkg changed" in message
    assert catalog.metric_geometry("P1").area < 0.3 * before.metric_geometry("P1").area
    assert_same_catalogue(load_quietly(folder), load_catalog(folder, compiled=False))


def test_changed_standards_file_rebuilds(cache, tmp_path):
    folder = layered_catalog(tmp_path / "layered")
    load_quietly(folder)
    path = folder / "standards" / "XCWWTP-2022.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("values: {intake: 500}", "values: {intake: 450}"),
                    encoding="utf-8")
    catalog, message = rebuilt_because(folder)
    assert "standards/XCWWTP-2022.yaml changed" in message
    assert 450 in [limit.value for limit in catalog.standards.rows("XCWWTP-2022", "COD")]


def test_new_side_file_rebuilds(cache, tmp_path):
    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    (folder / "zones.gpkg-wal").write_bytes(b"\0" * 32)
    _, message = rebuilt_because(folder)
    assert "zones.gpkg-wal is new" in message


def test_changed_tool_version_rebuilds(cache, tmp_path, monkeypatch):
    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    monkeypatch.setattr(compiled, "_tool_version", lambda: "99.0.0")
    _, message = rebuilt_because(folder)
    assert "another version of the tool" in message and "99.0.0" in message
    load_quietly(folder)  # compiled again by this version: current
    monkeypatch.undo()
    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(cache))
    _, message = rebuilt_because(folder)  # and back
    assert "regional-eia 99.0.0" in message


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_corrupt_compiled_file_rebuilds(cache, tmp_path, damage):
    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    path = compiled_path(str(folder / "catalog.yaml"))
    data = path.read_bytes()
    if damage == "garbage":
        data = b"not a compiled catalogue" * 100
    elif damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":  # one byte inside a stored array: the zip's CRC no longer matches
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
    else:
        data = b""
    path.write_bytes(data)
    catalog, message = rebuilt_because(folder)
    assert "could not be read" in message
    assert_same_catalogue(catalog, load_catalog(folder, compiled=False))
    assert_same_catalogue(load_quietly(folder), catalog)


def test_unwritable_cache_warns_and_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(blocker / "cache"))
    folder = write_catalog(tmp_path / "cat")
    with pytest.warns(CompiledCatalogWarning, match="could not write the compiled catalogue"):
        catalog = load_catalog(folder)
    assert_same_catalogue(catalog, load_catalog(folder, compiled=False))


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REGIONAL_EIA_CACHE", "off")
    load_quietly(write_catalog(tmp_path / "cat"))
    assert not (tmp_path / "cache").exists()


def test_the_cache_can_be_listed_and_cleared(cache, tmp_path):
    first = write_catalog(tmp_path / "one")
    second = write_catalog(tmp_path / "two", 4490)
    load_quietly(first)
    load_quietly(second)
    listed = cached_catalogues()
    assert sorted(e.source for e in listed) == sorted([str(first / "catalog.yaml"), str(second / "catalog.yaml")])
    assert all(e.bytes > 0 and e.built for e in listed)
    assert len(clear_cache()) == 2 and cached_catalogues() == []


def test_same_catalogue_by_another_path_shares_its_compiled_form(cache, tmp_path, monkeypatch):
    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    monkeypatch.chdir(tmp_path)
    relative = load_quietly("cat")
    assert relative.source == "cat/catalog.yaml"
    assert len(cached_catalogues()) == 1


# --- the CLI says so on stderr ------------------------------------------------------------------------


def cli_screen(folder, cache_folder):
    env = {**os.environ, "REGIONAL_EIA_CACHE_DIR": str(cache_folder)}
    project = tmp_project(folder)
    return subprocess.run([sys.executable, "-m", "cli", "screen", str(project), "--catalog", str(folder),
                           "--format", "json", "--on", "2027-01-01"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def tmp_project(folder):
    path = folder / "project.json"
    path.write_text(json.dumps(project_data()), encoding="utf-8")
    return path


def test_cli_says_on_stderr_why_it_rebuilt(tmp_path):
    folder = write_catalog(tmp_path / "cat")
    cache_folder = tmp_path / "cache"
    first = cli_screen(folder, cache_folder)
    assert first.returncode == 0, first.stderr
    assert "CompiledCatalogWarning" not in first.stderr
    second = cli_screen(folder, cache_folder)
    assert second.returncode == 0 and second.stderr == "" and second.stdout == first.stdout

    (folder / "catalog.yaml").write_text((folder / "catalog.yaml").read_text(encoding="utf-8")
                                         .replace("test park", "renamed park"), encoding="utf-8")
    changed = cli_screen(folder, cache_folder)
    assert changed.returncode == 0
    assert "catalog.yaml changed" in changed.stderr and "rebuilt" in changed.stderr

    path = compiled_path(str(folder / "catalog.yaml"), cache_folder)
    path.write_bytes(path.read_bytes()[:100])
    corrupt = cli_screen(folder, cache_folder)
    assert corrupt.returncode == 0 and corrupt.stdout == changed.stdout
    assert "could not be read" in corrupt.stderr and "rebuilt" in corrupt.stderr


def test_cli_lists_and_clears_the_cache(cache, tmp_path):
    from typer.testing import CliRunner

    from cli import app

    folder = write_catalog(tmp_path / "cat")
    load_quietly(folder)
    runner = CliRunner()
    listed = runner.invoke(app, ["catalog", "cache", "--format", "json"], catch_exceptions=False)
    assert listed.exit_code == 0
    data = json.loads(listed.stdout)
    assert data["folder"] == str(cache)
    assert [e["source"] for e in data["catalogues"]] == [str(folder / "catalog.yaml")]
    cleared = runner.invoke(app, ["catalog", "cache", "--clear"], catch_exceptions=False)
    assert cleared.exit_code == 0 and "removed 1 compiled catalogue" in cleared.stderr
    assert cached_catalogues() == []
