"""Project files: validation errors name the file and the field; locations that cannot be right are refused."""

import json

import pytest
import shapely

from regional_eia import LocationError, ProjectError, load_project, project_from_data
from regional_eia.locate import locate
from regional_eia.project import Location

from conftest import EXAMPLES, project_data


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_validate(path):
    assert load_project(path).id


def test_json_project(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(project_data()), encoding="utf-8")
    assert load_project(path).wastewater.flow.value == 500


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"industry": "17"}, "industry", "pattern"),
        ({"wastewater": {"route": "indirect", "flow": "500"}}, "wastewater.flow", "no unit"),
        ({"wastewater": {"route": "indirect", "flow": 500}}, "wastewater.flow", "has no unit"),
        ({"wastewater": {"route": "indirect", "flow": "500 t/a"}}, "wastewater.flow", "not a flow"),
        ({"wastewater": {"route": "indirect", "flow": "5 m3/d", "effluent": {"COD": "30 ppm"}}},
         "wastewater.effluent.COD", "unknown unit"),
        ({"wastewater": {"route": "indirect", "flow": "5 m3/d", "effluent": {"COD": "30 mg/m3"}}},
         "wastewater.effluent", "not a concentration"),
        ({"wastewater": {"route": "sideways", "flow": "5 m3/d"}}, "wastewater.route", "direct"),
        ({"wastewater": {"route": "direct", "flow": "5 m3/d", "pH": "9-6"}}, "wastewater.pH", "reversed"),
        ({"location": {"crs": 4490, "lon": 118.8}}, "location", "both lon and lat"),
        ({"location": {"crs": 4490, "lon": 118.8, "lat": 31, "x": 1, "y": 2}}, "location", "exactly one"),
        ({"air": {"emissions": {"SO2": "12 mg/L"}}}, "air.emissions", "not a load"),
    ],
)
def test_validation_errors_name_the_field(change, field, words):
    with pytest.raises(ProjectError) as info:
        project_from_data(project_data(**change), "p.yaml")
    err = info.value
    assert err.source == "p.yaml"
    assert err.field.startswith(field), err
    assert words in str(err)


def test_unparseable_and_missing_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [", encoding="utf-8")
    with pytest.raises(ProjectError, match="line 2, column 1: not valid YAML"):
        load_project(bad)
    with pytest.raises(ProjectError, match="file not found"):
        load_project(tmp_path / "none.yaml")


def test_industry_code_without_letter_is_manufacturing():
    assert project_from_data(project_data(industry="1713")).industry == "C1713"


def test_swapped_lon_lat_is_a_clear_error():
    with pytest.raises(LocationError, match="look swapped"):
        locate(Location(crs=4490, lon=30.99, lat=118.82))


def test_outside_china_geographic():
    with pytest.raises(LocationError, match="outside China"):
        locate(Location(crs=4326, lon=2.35, lat=48.85))


def test_xy_in_geographic_crs_refused():
    with pytest.raises(LocationError, match="give lon/lat"):
        locate(Location(crs=4490, x=387480.49, y=3430461.25))


def test_lonlat_in_projected_crs_refused():
    with pytest.raises(LocationError, match="give x/y"):
        locate(Location(crs=4549, lon=118.8, lat=31.0))


def test_zone_number_in_false_easting_gets_a_hint():
    with pytest.raises(LocationError, match="EPSG:4528"):
        locate(Location(crs=4549, x=40387480.49, y=3430461.25))


def test_missing_zone_number_gets_a_hint():
    with pytest.raises(LocationError, match="EPSG:4549"):
        locate(Location(crs=4528, x=387480.49, y=3430461.25))


def test_unknown_crs():
    with pytest.raises(LocationError, match="location.crs"):
        locate(Location(crs="EPSG:999999", lon=118.8, lat=31))


def test_gk_point_and_polygon_sites():
    site = locate(Location(crs=4549, x=387480.49, y=3430461.25))
    assert site.geometry.x == pytest.approx(118.822, abs=1e-7)
    poly = locate(Location(crs=4490, wkt="POLYGON ((118.8 31, 118.81 31, 118.81 31.01, 118.8 31))"))
    assert poly.geometry.geom_type == "Polygon"


def test_invalid_site_polygon():
    with pytest.raises(LocationError, match="invalid site polygon"):
        locate(Location(crs=4490, wkt="POLYGON ((118.8 31, 118.81 31.01, 118.81 31, 118.8 31.01, 118.8 31))"))


def test_bd09_site_converted():
    site = locate(Location(crs="bd09", lon=116.41036949371029, lat=39.92133699351021))
    # BD-09 of the GCJ-02 point (116.404, 39.915): converted to GCJ-02 and on to WGS84
    assert shapely.get_x(site.geometry) == pytest.approx(116.39775, abs=5e-5)
    assert "bd09" in site.converted


def test_coordinates_that_do_not_transform_are_a_location_error():
    with pytest.raises(LocationError, match="cannot be transformed|outside China"):
        locate(Location(crs=4549, x=9e20, y=3430461.25))


def test_unknown_process_flag_names_the_file_and_suggests():
    with pytest.raises(ProjectError) as info:
        project_from_data(project_data(processes=["printing"]), "p.yaml")
    assert info.value.field == "processes.0" or info.value.field == "processes"
    assert "p.yaml" in str(info.value) and "printing_conventional" in str(info.value)
