"""Loading catalogues: the demo, the same catalogue in several CRSs, and every error path."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
import yaml
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from zones import CatalogError, GeometryError, load_catalog
from zones.crs import WGS84, transformer
from zones.summary import summarise

from conftest import PARK_DEG, park_spec, write_catalog


def test_demo_loads_with_two_gk_zones(demo):
    summary = summarise(demo)
    assert summary["zones_by_kind"] == {"control_unit": 6, "park": 3, "receptor": 3, "red_line": 2, "water_source": 2}
    # parks in CM 120E and CM 117E; control units kept in their zone-number CRSs
    assert set(summary["metric_crs"]) == {"EPSG:4549", "EPSG:4548", "EPSG:4528", "EPSG:4527"}
    assert demo.zones.at["fuyang-coal-chem", "metric_epsg"] == 4548
    assert demo.zones.at["xuancheng-hitech", "metric_epsg"] == 4549


def test_demo_intake_standards_are_merged(demo):
    assert "XCWWTP-2022" in demo.standards.standards
    assert demo.standards.get("XCWWTP-2022").kind == "intake"


def test_fuyang_park_keeps_its_enclave(demo):
    park = demo.zones.at["fuyang-coal-chem", "metric_geometry"]
    assert len(park.interiors) == 1


def test_same_catalogue_in_four_crss_has_the_same_areas(tmp_path):
    areas = []
    for epsg in (4549, 4528, 4490, 4326):
        cat = load_catalog(write_catalog(tmp_path / str(epsg), epsg))
        areas.append(cat.zones.at["P1", "metric_geometry"].area)
    assert np.allclose(areas, areas[0], rtol=1e-6)


def _write_yaml(folder, spec):
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")


def _load_with(tmp_path, mutate):
    folder = write_catalog(tmp_path / "c")
    spec = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    mutate(spec, folder)
    _write_yaml(folder, spec)
    return load_catalog(folder)


def _error(tmp_path, mutate) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        _load_with(tmp_path, mutate)
    return info.value


def test_missing_catalog(tmp_path):
    with pytest.raises(CatalogError, match="no such catalogue"):
        load_catalog(tmp_path / "nowhere")


def test_bad_yaml(tmp_path):
    (tmp_path / "catalog.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(tmp_path)


def test_error_names_zone_and_field(tmp_path):
    def mutate(spec, folder):
        spec["zones"][0]["park"]["caps"][0]["unit"] = "t/a"

    err = _error(tmp_path, mutate)
    assert err.zone_id == "P1" and err.field.startswith("park.caps.0")
    assert "expected a flow unit" in str(err)


def test_unknown_unit_on_cap(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["park"]["caps"][1].update(unit="tons"))
    assert "unknown unit" in str(err) and err.zone_id == "P1"


def test_unknown_pollutant_cap(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["park"]["caps"][1].update(metric="XYZ"))
    assert err.field == "park.caps.metric" and "XYZ" in str(err)


def test_missing_geometry_file(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["geometry"].update(file="gone.gpkg"))
    assert err.zone_id == "P1" and err.field == "geometry.file" and "not found" in str(err)


def test_missing_feature(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["geometry"].update(id="P9"))
    assert err.field == "geometry.id" and "no feature" in str(err)


def test_missing_id_field(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["geometry"].update(id_field="code"))
    assert err.field == "geometry.id_field" and "zid" in str(err)


def test_duplicate_zone_id(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"].append(dict(s["zones"][1])))
    assert "appears twice" in str(err)


def test_kind_section_mismatch(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0].pop("park"))
    assert "needs a 'park:' section" in str(err)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_file_without_crs_needs_catalogue_crs(tmp_path):
    def mutate(spec, folder):
        frame = gpd.read_file(folder / "zones.gpkg")
        frame = frame.set_crs(None, allow_override=True)
        frame.to_file(folder / "nocrs.gpkg", engine="pyogrio")
        for zone in spec["zones"]:
            zone["geometry"] = {"file": "nocrs.gpkg", "id_field": "zid"}

    err = _error(tmp_path, mutate)
    assert err.field == "crs" and "declares no CRS" in str(err)

    def with_crs(spec, folder):
        mutate(spec, folder)
        spec["crs"] = "EPSG:4549"

    assert len(_load_with(tmp_path / "ok", with_crs).zones) == 4


def test_wrong_gk_zone_lands_outside_china(tmp_path):
    def mutate(spec, folder):
        frame = gpd.read_file(folder / "zones.gpkg").set_crs(4528, allow_override=True)  # wrong: data is 4549
        frame.to_file(folder / "wrong.gpkg", engine="pyogrio")
        for zone in spec["zones"]:
            zone["geometry"]["file"] = "wrong.gpkg"
            zone["geometry"]["layer"] = None

    err = _error(tmp_path, mutate)
    assert "outside China" in str(err) and "zone number" in str(err)


BOWTIE = "POLYGON ((118.80 30.97, 118.84 31.00, 118.84 30.97, 118.80 31.00, 118.80 30.97))"


def test_invalid_geometry_reported_with_geos_reason(tmp_path):
    def mutate(spec, folder):
        spec["zones"][0]["geometry"] = {"wkt": BOWTIE, "crs": 4490}

    err = _error(tmp_path, mutate)
    assert isinstance(err, GeometryError) and "Self-intersection" in str(err) and err.zone_id == "P1"


def test_invalid_geometry_repaired_when_asked(tmp_path):
    def mutate(spec, folder):
        spec["zones"][0]["geometry"] = {"wkt": BOWTIE, "crs": 4490}
        spec["repair_invalid"] = True

    cat = _load_with(tmp_path, mutate)
    assert cat.zones.at["P1", "metric_geometry"].is_valid
    assert any("repaired invalid geometry" in w for w in cat.warnings)


def test_gbk_shapefile_layer(tmp_path):
    folder = write_catalog(tmp_path / "gbk")
    units = gpd.GeoDataFrame(
        {"code": ["ZH34180230009"], "name": ["宣州区一般管控单元"], "class": ["一般管控"]},
        geometry=gpd.GeoSeries([Polygon([(118.7, 30.9), (118.78, 30.9), (118.78, 31.0), (118.7, 31.0)])], crs=4490),
    )
    units.to_file(folder / "units.shp", engine="pyogrio", encoding="GBK")
    spec = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    spec["layers"] = [{"kind": "control_unit", "file": "units.shp", "encoding": "GBK", "id_field": "code",
                       "name_field": "name", "code_field": "code", "class_field": "class"}]
    _write_yaml(folder, spec)
    cat = load_catalog(folder)
    assert cat.names["ZH34180230009"] == "宣州区一般管控单元"
    assert cat.control_units["ZH34180230009"].unit_class == "general"


def test_layer_with_bad_class_names_the_feature(tmp_path):
    folder = write_catalog(tmp_path / "badclass")
    units = gpd.GeoDataFrame({"code": ["ZH34180230009"], "class": ["whatever"]},
                             geometry=gpd.GeoSeries([Polygon([(118.7, 30.9), (118.78, 30.9), (118.78, 31.0)])], crs=4490))
    units.to_file(folder / "units.gpkg", engine="pyogrio")
    spec = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    spec["layers"] = [{"kind": "control_unit", "file": "units.gpkg", "id_field": "code", "code_field": "code",
                       "class_field": "class"}]
    _write_yaml(folder, spec)
    with pytest.raises(CatalogError, match="feature 1 \\(code=ZH34180230009\\)"):
        load_catalog(folder)


@given(st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_point_inside_park_stays_inside_after_reprojection_there_and_back(fx, fy):
    xmin, ymin, xmax, ymax = PARK_DEG.bounds
    point = Point(xmin + fx * (xmax - xmin), ymin + fy * (ymax - ymin))
    for epsg in (4549, 4528):
        from pyproj import CRS

        there = transformer(WGS84, CRS.from_epsg(epsg))
        back = transformer(CRS.from_epsg(epsg), WGS84)
        park_local = shapely.transform(PARK_DEG, lambda xy: np.column_stack(there.transform(xy[:, 0], xy[:, 1])))
        local = Point(*there.transform(point.x, point.y))
        assert park_local.contains(local)
        round_trip = Point(*back.transform(local.x, local.y))
        assert PARK_DEG.contains(round_trip)
        assert round_trip.distance(point) < 1e-9


def test_caps_must_be_positive(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["park"]["caps"][0].update(value=0))
    assert "greater than 0" in str(err)


def test_park_spec_helper_is_valid():
    from zones.model import ParkSpec

    assert ParkSpec.model_validate(park_spec()).caps[0].metric == "wastewater"


def test_unknown_access_process_flag(tmp_path):
    err = _error(tmp_path, lambda s, f: s["zones"][0]["park"]["access"]["prohibited"][1].update(processes=["plating"]))
    assert err.zone_id == "P1" and err.field == "access.prohibited.processes" and "plating" in str(err)
