"""Careless and hostile input (issue 16): each case of the issue, refused in one line naming file and field.

Items 7-9 (escaping of outputs) are in ``test_output_escaping.py``; the fuzz suite is ``test_fuzz.py``;
the cases left for the second round are ``xfail(strict=True)`` in ``test_hostile_round2.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from regional_eia import load_project, screen
from regional_eia.errors import ProjectError
from regional_eia.project import project_from_data
from standards import StandardsDataError, load_standards
from standards.industry_codes import codes, is_class, is_known, name_of, nearest
from standards.numbers import finite_number
from standards.safeload import DataFileError, parse_json, parse_yaml, read_data_file
from standards.units import parse_quantity
from zones import CatalogError, load_catalog

from conftest import EXAMPLES, ROOT, write_catalog

runner = CliRunner()
ON = dt.date(2027, 1, 1)
DYEING = (EXAMPLES / "xuancheng-dyeing-phase2-3.yaml").read_text(encoding="utf-8")


def one_line_error(*args) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- item 10: alias amplification, size, depth ------------------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_alias_bomb_in_location_geojson_is_refused_fast(tmp_path):
    # the case: the bomb inside location.geojson of a project file (1.4 KB, 14.7 s and 930 MB before)
    bomb = alias_bomb().replace("\n", "\n    ")
    text = DYEING.split("location:")[0] + "bomb:\n    " + bomb + "location: {crs: 4490, geojson: *i}\n"
    path = write(tmp_path, "bomb.yaml", text)
    assert path.stat().st_size < 2000
    started = time.perf_counter()
    line = one_line_error("screen", str(path))
    assert time.perf_counter() - started < 5  # the CLI's start-up included; the refusal itself takes ~1 ms
    assert "bomb.yaml" in line and "alias" in line and len(line) < 300


def test_alias_bomb_parse_is_bounded():
    started = time.perf_counter()
    with pytest.raises(DataFileError, match="alias bomb"):
        parse_yaml(alias_bomb())
    assert time.perf_counter() - started < 0.5


def test_anchors_used_honestly_still_load():
    data = parse_yaml("defaults: &d {distance_m: 100, basis: x}\na: [*d, *d]\nb: {<<: *d, distance_m: 200}\n")
    assert data["a"][1]["distance_m"] == 100 and data["b"]["distance_m"] == 200


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "".join(" " * i + "a:\n" for i in range(100))])
def test_deep_yaml_is_refused(text):
    with pytest.raises(DataFileError, match="nested more than"):
        parse_yaml(text)


def test_deep_json_project_is_one_line(tmp_path):
    path = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    line = one_line_error("screen", str(path))
    assert "deep.json" in line and "nested" in line


def test_recursive_alias_is_refused():
    with pytest.raises(DataFileError, match="contains it"):
        parse_yaml("a: &x [1, *x]")


def test_file_size_is_bounded_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * 1000)
    with pytest.raises(DataFileError, match="larger than"):
        read_data_file(path, max_bytes=100)


def test_messages_quote_only_an_excerpt(tmp_path):
    huge = "z" * 200_000
    text = DYEING.replace("flow: 3000 m3/d", f"flow: 3000 {huge}")
    line = one_line_error("screen", str(write(tmp_path, "long.yaml", text)))
    assert len(line) < 400 and "200,00" in line


def test_quantity_regex_is_not_quadratic():
    started = time.perf_counter()
    with pytest.raises(ValueError):
        parse_quantity("1 a" + " " * 50_000 + "b")
    assert time.perf_counter() - started < 0.5


# --- item 3: duplicate keys, yes/no, huge integers ----------------------------------------------------

def test_duplicate_industry_key_names_both_lines(tmp_path):
    text = DYEING.replace("industry: C1713", "industry: C2614\nindustry: C3484")
    line = one_line_error("screen", str(write(tmp_path, "dup.yaml", text)))
    first = text.splitlines().index("industry: C2614") + 1
    assert f"line {first + 1}: duplicate key 'industry' (first given at line {first})" in line


def test_duplicate_json_key_names_both_lines():
    with pytest.raises(DataFileError) as info:
        parse_json('{\n "industry": "C2614",\n "id": "x",\n "industry": "C3484"\n}', "p.json")
    assert str(info.value) == "p.json: line 4: duplicate key 'industry' (first given at line 2); remove one"


def test_duplicate_key_in_a_catalogue_cap(tmp_path):
    folder = write_catalog(tmp_path / "c")
    text = (folder / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("committed: 60", "committed: 60\n      committed: 6", 1)
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate key 'committed'"):
        load_catalog(folder)


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "true", "y"])
def test_yes_is_not_a_number_of_days(tmp_path, word):
    text = DYEING.replace("operating_days: 300", f"operating_days: {word}")
    line = one_line_error("screen", str(write(tmp_path, "yes.yaml", text)))
    assert "wastewater.operating_days" in line


def test_yes_still_means_yes_where_a_yes_no_is_asked():
    assert parse_yaml("new_outfall: no")["new_outfall"] == "no"  # text; pydantic reads it as False
    data = yaml.safe_load(DYEING)
    data["wastewater"]["new_outfall"] = "no"
    assert project_from_data(data).wastewater.new_outfall is False


@pytest.mark.parametrize("text,value", [("a: 0300", "0300"), ("a: 5:00", "5:00"), ("a: 0x1F", "0x1F"),
                                        ("a: 2016-02-30", "2016-02-30"), ("a: =", "=")])
def test_yaml_11_surprises_stay_text(text, value):
    assert parse_yaml(text)["a"] == value


def test_integer_of_5001_digits(tmp_path):
    line = one_line_error("screen", str(write(tmp_path, "int.yaml", DYEING.replace("operating_days: 300",
                                                                                     "operating_days: " + "9" * 5001))))
    assert "5,001 digits" in line
    with pytest.raises(DataFileError, match="5,001 digits"):
        parse_json('{"a": ' + "9" * 5001 + "}")


def test_yaml_syntax_error_is_one_line(tmp_path):
    line = one_line_error("screen", str(write(tmp_path, "bad.yaml", "id: [x\nname: y\n")))
    assert "bad.yaml: line" in line and "not valid YAML" in line


# --- item 2: finite numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("flow", ["1e309 m3/d", "inf m3/d", "{value: .inf, unit: m3/d}", "{value: .nan, unit: m3/d}",
                                  "{value: 1.0e999, unit: m3/d}"])
def test_infinite_flow_is_refused(tmp_path, flow):
    line = one_line_error("screen", str(write(tmp_path, "inf.yaml", DYEING.replace("flow: 3000 m3/d", f"flow: {flow}"))))
    assert "inf.yaml" in line and ("finite" in line or "number" in line)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_json_non_finite_is_refused_naming_the_field(tmp_path, number):
    data = yaml.safe_load(DYEING)
    text = json.dumps(data, ensure_ascii=False, default=str).replace('"operating_days": 300', f'"operating_days": {number}')
    line = one_line_error("screen", str(write(tmp_path, "p.json", text)))
    assert "p.json: wastewater.operating_days:" in line and "finite" in line


def test_non_finite_values_are_found_in_raw_structures():
    from standards.safeload import first_non_finite

    assert first_non_finite(parse_json('{"a": [1, {"b": NaN}]}')) == "a.1.b"
    assert first_non_finite(parse_yaml("a: [1, 2.5]")) is None


@pytest.mark.parametrize("value", [float("inf"), float("nan"), "1e309", "Infinity", True, None, "３０００", 10**400])
def test_finite_number_refuses(value):
    with pytest.raises(ValueError):
        finite_number(value, "flow")


def test_finite_number_accepts():
    assert finite_number("1.5e3") == 1500.0 and finite_number(7) == 7.0


def test_location_coordinates_must_be_finite():
    data = yaml.safe_load(DYEING)
    data["location"] = {"crs": 4490, "lon": float("nan"), "lat": 30.99}
    with pytest.raises(ProjectError, match="location.lon: nan is not a finite number"):
        project_from_data(data, "p.yaml")


# --- item 3: GB/T 4754-2017 code list ------------------------------------------------------------------

@pytest.mark.parametrize("code", ["C9999", "C0000", "T0000", "C2520", "B2614"])
def test_unknown_industry_code_is_refused_with_the_nearest(tmp_path, code):
    line = one_line_error("screen", str(write(tmp_path, "code.yaml", DYEING.replace("industry: C1713",
                                                                                      f"industry: {code}"))))
    assert f"industry: {code} is not a class of GB/T 4754-2017" in line and "nearest:" in line


def test_code_list_is_the_2017_table():
    table = codes()
    assert sum(len(c) == 5 for c in table) == 1381
    assert sum(len(c) == 1 for c in table) == 20 and sum(len(c) == 3 for c in table) == 97
    assert name_of("C1713") == "棉印染精加工" and name_of("C3360") == "金属表面处理及热处理加工"
    assert name_of("C2710") == "化学药品原料药制造"  # the three codes DOMAIN.md names
    assert is_known("C17") and is_known("C171") and not is_class("C171")
    assert not is_known("C2520")  # 炼焦 in 2011; C2521 in 2017
    assert nearest("C2520", classes_only=False)[0].startswith("C252")


@pytest.mark.parametrize("code", sorted(c for c in codes() if len(c) == 5)[::97])
def test_every_class_prefix_is_known(code):
    assert is_known(code[:1]) and is_known(code[:3]) and is_known(code[:4])


def test_catalogue_access_code_that_does_not_exist(tmp_path):
    folder = write_catalog(tmp_path / "c")
    text = (folder / "catalog.yaml").read_text(encoding="utf-8").replace("- C2511", "- C2520")
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    assert info.value.zone_id == "P1" and info.value.field == "park.access.prohibited.0.codes"
    assert "'C2520' is not a code of GB/T 4754-2017" in str(info.value) and "C2521" in str(info.value)


# --- items 5 and 6: catalogue figures and geometries that cannot be ------------------------------------

def catalogue_error(tmp_path, mutate) -> CatalogError:
    folder = write_catalog(tmp_path / "c")
    spec = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    mutate(spec, folder)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    result = runner.invoke(app, ["catalog", "check", str(folder)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return info.value


def cap(spec, **values):
    spec["zones"][0]["park"]["caps"][0].update(values)


@pytest.mark.parametrize("values,words", [
    ({"value": float("inf")}, "finite"),
    ({"committed": float("inf")}, "finite"),
    ({"reserved": float("nan")}, "finite"),
    ({"value": True}, "yes/no"),
    ({"committed": -5}, "greater than or equal to 0"),
])
def test_cap_figures_that_cannot_be(tmp_path, values, words):
    err = catalogue_error(tmp_path, lambda spec, folder: cap(spec, **values))
    assert err.zone_id == "P1" and err.field is not None and err.field.startswith("park.caps.0")
    assert words in str(err)


def test_two_caps_for_one_metric_and_basis(tmp_path):
    def mutate(spec, folder):
        spec["zones"][0]["park"]["caps"].append(dict(spec["zones"][0]["park"]["caps"][1]))
    err = catalogue_error(tmp_path, mutate)
    assert err.zone_id == "P1" and "a second COD cap on the final_discharge basis" in str(err)


def test_unknown_wwtp_effluent_class(tmp_path):
    err = catalogue_error(tmp_path, lambda spec, folder: spec["zones"][0]["park"]["wwtp"].update(effluent_class="1C"))
    assert err.zone_id == "P1" and err.field == "park.wwtp.effluent_class" and "'1C'" in str(err)


def test_wwtp_built_on_a_day_that_does_not_exist(tmp_path):
    err = catalogue_error(tmp_path, lambda spec, folder: spec["zones"][0]["park"]["wwtp"].update(built="2016-02-30"))
    assert err.zone_id == "P1" and err.field == "park.wwtp.built" and "'2016-02-30'" in str(err)


POLYGON_OPEN = [[[118.80, 30.97], [118.84, 30.97], [118.84, 31.00], [118.80, 31.00]]]
POLYGON_TWO = [[[118.80, 30.97], [118.84, 30.97]]]


@pytest.mark.parametrize("geometry,words", [
    ({"geojson": {"type": "Polygon", "coordinates": POLYGON_OPEN}, "crs": 4326}, "not closed"),
    ({"geojson": {"type": "Polygon", "coordinates": POLYGON_TWO}, "crs": 4326}, "at least 4"),
    ({"geojson": {"type": "Blob", "coordinates": [1, 2]}, "crs": 4326}, "unknown GeoJSON geometry type"),
    ({"wkt": "POLYGON ((118.80 30.97, 118.84 30.97, 118.84 31.00, 118.80 31.00))", "crs": 4326}, "closed"),
    ({"wkt": "POLYGON ((118.80 30.97, 118.84 nan, 118.84 31, 118.80 31, 118.80 30.97))", "crs": 4326}, "invalid"),
])
def test_inline_park_geometries_that_cannot_be(tmp_path, geometry, words):
    err = catalogue_error(tmp_path, lambda spec, folder: spec["zones"][0].update(geometry=geometry))
    assert err.zone_id == "P1" and err.field == "geometry" and words in str(err)


@pytest.mark.parametrize("coordinates,words", [(POLYGON_OPEN, "unclosed ring"), (POLYGON_TWO, "unclosed ring"),
                                               ("nan", "invalid geometry")])
def test_geometry_file_with_a_broken_ring(tmp_path, coordinates, words):
    ring = [[[118.80, 30.97], [118.84, float("nan")], [118.84, 31.0], [118.80, 31.0], [118.80, 30.97]]] \
        if coordinates == "nan" else coordinates
    feature = {"type": "Feature", "properties": {"zid": "P1"}, "geometry": {"type": "Polygon", "coordinates": ring}}
    text = json.dumps({"type": "FeatureCollection", "features": [feature]}).replace("NaN", "NaN")

    def mutate(spec, folder):
        (folder / "p.geojson").write_text(text, encoding="utf-8")
        spec["zones"][0]["geometry"] = {"file": "p.geojson", "id_field": "zid"}
    err = catalogue_error(tmp_path, mutate)
    assert err.zone_id == "P1" and "p.geojson" in str(err.path) and words in str(err)


def test_negative_or_nan_intake_limit(tmp_path):
    folder = tmp_path / "std"
    folder.mkdir()
    text = (ROOT / "zones/demo/standards/XCWWTP-2022.yaml").read_text(encoding="utf-8")
    (folder / "X.yaml").write_text(text.replace("values: {intake: 500}", "values: {intake: -500}"), encoding="utf-8")
    with pytest.raises(StandardsDataError, match="cannot be negative"):
        load_standards(ROOT / "standards/data", folder)
    (folder / "X.yaml").write_text(text.replace("values: {intake: 500}", "values: {intake: .nan}"), encoding="utf-8")
    with pytest.raises(StandardsDataError, match="finite number"):
        load_standards(ROOT / "standards/data", folder)


def test_geojson_site_of_an_unknown_type(tmp_path):
    text = DYEING.split("location:")[0] + 'location: {crs: 4490, geojson: {type: Blob, coordinates: [1, 2]}}\n'
    line = one_line_error("screen", str(write(tmp_path, "site.yaml", text)))
    assert "site.yaml: location: geojson: unknown GeoJSON geometry type 'Blob'" in line


def test_unclosed_site_polygon(tmp_path):
    ring = "[[118.82, 30.99], [118.823, 30.99], [118.823, 30.993], [118.82, 30.993]]"
    text = DYEING.split("location:")[0] + f"location: {{crs: 4490, geojson: {{type: Polygon, coordinates: [{ring}]}}}}\n"
    line = one_line_error("screen", str(write(tmp_path, "site.yaml", text)))
    assert "location: geojson: ring 1 of the polygon is not closed" in line


# --- items 12 and 13 -----------------------------------------------------------------------------------

def test_python_m_standards_accepts_the_demo_standards():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "standards", str(ROOT / "zones/demo/standards")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "XCWWTP-2022" in result.stdout and "GB8978-1996" not in result.stdout


def test_hourly_flow_converts_with_hours_per_day():
    data = yaml.safe_load(DYEING)
    data["wastewater"].update(flow="125 m3/h", hours_per_day=24)
    project = project_from_data(data)
    assert project.wastewater.flow.unit == "m3/d" and project.wastewater.flow.value == 3000
    from zones import demo_catalog

    hourly = screen(project, demo_catalog(), on=ON)
    daily = screen(load_project(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml"), demo_catalog(), on=ON)
    assert hourly.verdict == daily.verdict == "fail"
    assert [c.demand for c in hourly.capacity] == [c.demand for c in daily.capacity]


def test_hourly_flow_without_hours_says_what_is_needed(tmp_path):
    line = one_line_error("screen", str(write(tmp_path, "h.yaml", DYEING.replace("flow: 3000 m3/d", "flow: 125 m3/h"))))
    assert "wastewater: flow 125 m3/h is an hourly flow; give hours_per_day" in line


def test_examples_still_load():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        copy.deepcopy(load_project(path))


def test_batch_refuses_unknown_industry_codes_like_screen(tmp_path):
    import pandas as pd

    from regional_eia.batch import screen_batch

    header = ["id", "name", "industry", "lon", "lat", "crs", "route", "flow_m3d", "operating_days", "COD_mg_L"]
    rows = [[code, "x", code, 118.82, 30.985, "4490", "indirect", 500, 300, 300]
            for code in ("C3484", "C9999", "C0000", "T0000", "C2520")]
    path = tmp_path / "in.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    screen_batch(path, out, catalog=load_catalog(write_catalog(tmp_path / "c")), on=ON)
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert result.loc[0, "verdict"] == "pass"
    assert list(result["verdict"][1:]) == ["error"] * 4
    assert all("is not a class of GB/T 4754-2017" in e for e in result["error"][1:])
