"""catalog import and the catalogue checks of section 2, on committee files built in code."""

from __future__ import annotations

import shutil

import geopandas as gpd
import openpyxl
import pytest
import yaml
from shapely.geometry import box

from committee import make_files, truncated, write_shapefile, write_sheet
from zones import load_catalog
from zones.aliases import dbase_truncations, match_fields, FIELD_ALIASES, pollutant_id, unit_class
from zones.encoding import detect_dbf_encoding
from zones.errors import CatalogError
from zones.importer import ImportRefused, import_catalog


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("raw"))


def _inputs(raw):
    return [str(raw["parks"]), str(raw["units"]), str(raw["caps"]), str(raw["access"])]


@pytest.fixture(scope="module")
def imported(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("cat") / "catalog"
    report = import_catalog(_inputs(raw), out)
    return out, report


# --- encodings -------------------------------------------------------------------------------------

def test_gbk_shapefile_without_cpg_is_read_as_gbk_not_latin1(raw):
    assert not raw["units"].with_suffix(".cpg").exists()
    choice = detect_dbf_encoding(raw["units"])
    assert choice.encoding == "GB18030" and "no .cpg" in choice.reason
    naive = gpd.read_file(raw["units"], engine="pyogrio")  # what GDAL alone makes of it
    assert "管控单元编" not in naive.columns  # mojibake such as ¹Ü¿Øµ¥Ôª±à
    frame = gpd.read_file(raw["units"], encoding=choice.encoding, engine="pyogrio")
    assert {"管控单元编", "空间布局约", "资源开发效"} <= set(frame.columns)
    assert "禁止新建、扩建工业项目；现有工业企业逐步退出。" in set(frame["空间布局约"])


def test_utf8_shapefile_without_cpg_and_with_a_cut_character(tmp_path):
    # 管控单元编码 is 18 bytes in UTF-8: cut at 10 the fourth character is split
    name = "管控单元编码".encode("utf-8")[:10].decode("utf-8", errors="ignore")
    frame = gpd.GeoDataFrame({name: ["ZH34180220001"], "名称": ["宣城高新区重点管控单元"]},
                             geometry=[box(118.8, 30.9, 118.9, 31.0)], crs=4490)
    path = write_shapefile(frame, tmp_path / "u.shp", encoding="UTF-8")
    assert detect_dbf_encoding(path).encoding == "UTF-8"


def test_cpg_and_language_driver_byte(tmp_path, raw):
    frame = gpd.GeoDataFrame({"名称": ["示例"]}, geometry=[box(118.8, 30.9, 118.9, 31.0)], crs=4490)
    with_cpg = write_shapefile(frame, tmp_path / "c.shp", cpg=True)
    assert "c.cpg says" in detect_dbf_encoding(with_cpg).reason
    ldid = write_shapefile(frame, tmp_path / "l.shp", ldid=0x4D)
    choice = detect_dbf_encoding(ldid)
    assert choice.encoding == "GB18030" and "0x4D (gbk)" in choice.reason


def test_catalogue_layer_of_a_gbk_shapefile_loads_without_encoding(tmp_path, raw):
    for part in raw["units"].parent.glob("环境管控单元.*"):
        shutil.copy(part, tmp_path / part.name)
    for part in raw["parks"].parent.glob("园区边界.*"):
        shutil.copy(part, tmp_path / part.name)
    spec = {"name": "t", "zones": [{"id": "P", "name": "park", "kind": "park", "park": {},
                                    "geometry": {"file": "园区边界.shp", "id_field": "园区编码", "id": "SL-ED"}}],
            "layers": [{"kind": "control_unit", "file": "环境管控单元.shp", "id_field": "管控单元编",
                        "code_field": "管控单元编", "class_field": "管控类别", "spatial_layout_field": "空间布局约"}]}
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.control_units["ZH34010410001"].unit_class == "priority"
    assert any("GB18030" in note for note in catalog.notes)
    spec["layers"][0]["class_field"] = "管控分类"
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    assert "管控单元编" in str(err.value) and "空间布局约" in str(err.value)  # the fields it has, decoded


# --- the alias table -------------------------------------------------------------------------------

def test_alias_table_matches_truncations_and_pinyin_codes():
    assert "管控单元编" in dbase_truncations("管控单元编码")
    mapping, rest = match_fields(["HJZHGKDYBM", "HJZHGKDYMC", "ZHGKDYFL", "KJBJYS", "PWWPFGK", "HJFXFK",
                                  "ZYKFXLYQ", "PROV", "Shape_Area"], FIELD_ALIASES["control_unit"])
    assert mapping == {"code": "HJZHGKDYBM", "name": "HJZHGKDYMC", "class": "ZHGKDYFL", "spatial_layout": "KJBJYS",
                       "emission_control": "PWWPFGK", "risk_prevention": "HJFXFK",
                       "resource_efficiency": "ZYKFXLYQ", "province": "PROV"}
    assert rest == ["Shape_Area"]
    assert [unit_class(v) for v in ("优先保护", "优先保护单元", 1, "1.0", "重点管控", "3")] == \
        ["priority", "priority", "priority", "priority", "key", "general"]
    assert [pollutant_id(v) for v in ("CODcr", "CODCr", "化学需氧量", "氨氮", "NH3-N", "总磷")] == \
        ["COD", "COD", "COD", "NH3-N", "NH3-N", "TP"]


# --- catalog import --------------------------------------------------------------------------------

def test_import_reads_every_file_and_writes_a_catalogue_that_loads(imported):
    out, report = imported
    kinds = {f.kind for f in report.files}
    assert kinds == {"park", "control_unit", "caps", "access", "park_info"}
    units = next(f for f in report.files if f.kind == "control_unit")
    assert units.encoding.startswith("GB18030") and units.crs.startswith("EPSG:4527")
    assert units.mapping["code"] == "管控单元编" and units.mapping["spatial_layout"] == "空间布局约"
    catalog = load_catalog(out)
    park = catalog.park("SL-ED")
    assert park.wwtp.effluent_class == "1A" and park.receiving_water.attained is False
    caps = {(c.metric, c.basis): c for c in park.caps}
    assert caps[("wastewater", "final_discharge")].value == 20000 and caps[("SO2", "emission")].committed == 120
    assert "总量控制指标.xlsx, sheet 总量控制指标, row 3" in caps[("wastewater", "final_discharge")].source
    assert {o.pollutant for o in park.offsets} == {"COD", "NH3-N", "TP"}
    assert park.access.prohibited[0].processes == ("electroplating",)
    unit = catalog.control_units["ZH34010410001"]
    assert unit.unit_class == "priority" and unit.access.spatial_layout[0].startswith("禁止新建")
    text = (out / "catalog.yaml").read_text(encoding="utf-8")
    assert "# from 环境管控单元.shp, read as GB18030" in text


def test_reimport_updates_and_refuses_to_overwrite_hand_edits(raw, tmp_path):
    out = tmp_path / "cat"
    import_catalog(_inputs(raw), out)
    again = import_catalog(_inputs(raw), out)  # unchanged since: updated in place
    assert again.updated
    target = out / "catalog.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("name: 示例经济开发区（演示）\n", "name: 我的目录\n", 1),
                      encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_catalog(_inputs(raw), out)
    assert "我的目录" in target.read_text(encoding="utf-8") and (out / "catalog.imported.yaml").exists()
    import_catalog(_inputs(raw), out, force=True)
    assert "我的目录" in (out / "catalog.yaml.bak").read_text(encoding="utf-8")
    assert not (out / "catalog.imported.yaml").exists()


def test_pinyin_coded_units_and_named_kinds(raw, tmp_path):
    source = gpd.read_file(raw["units"], encoding="GB18030", engine="pyogrio")
    pinyin = gpd.GeoDataFrame({"HJZHGKDYBM": source["管控单元编"], "HJZHGKDYMC": source["管控单元名"],
                               "ZHGKDYFL": ["1", "2", "3"], "KJBJYS": source["空间布局约"]},
                              geometry=source.geometry, crs=source.crs)
    path = write_shapefile(pinyin, tmp_path / "layer_a.shp")
    out = tmp_path / "cat"
    report = import_catalog([str(raw["parks"]), f"units={path}", str(raw["caps"])], out)
    assert next(f for f in report.files if f.kind == "control_unit").mapping["class"] == "ZHGKDYFL"
    assert load_catalog(out).control_units["ZH34010420001"].unit_class == "key"


def test_unit_code_contradicting_its_class_is_refused(raw, tmp_path):
    source = gpd.read_file(raw["units"], encoding="GB18030", engine="pyogrio")
    source.loc[0, "管控类别"] = "重点管控单元"  # the code ZH34010410001 says priority (digit 1)
    path = write_shapefile(source, tmp_path / "units.shp")
    with pytest.raises(CatalogError) as err:
        import_catalog([str(raw["parks"]), str(path)], tmp_path / "cat")
    assert "ZH34010410001" in str(err.value) and "class digit 1" in str(err.value)


def test_bad_unit_code_names_feature_and_expected_form(raw, tmp_path):
    source = gpd.read_file(raw["units"], encoding="GB18030", engine="pyogrio")
    source.loc[1, "管控单元编"] = "ZH3401042001"
    path = write_shapefile(source, tmp_path / "units.shp")
    with pytest.raises(CatalogError) as err:
        import_catalog([str(raw["parks"]), f"units={path}"], tmp_path / "cat")
    assert "feature 2" in str(err.value) and "ZH + 6-digit administrative code" in str(err.value)


def test_caps_sheet_with_unknown_metric_names_file_row_and_spellings(raw, tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    write_sheet(book, "总量", ("指标", "总量上限", "已批复", "单位"), [("废水", 1000, 10, "t/d"), ("COD锰", 5, 1, "t/a")])
    path = tmp_path / "caps.xlsx"
    book.save(path)
    with pytest.raises(CatalogError) as err:
        import_catalog([str(raw["parks"]), str(raw["units"]), str(path)], tmp_path / "cat")
    assert "sheet 总量, row 3" in str(err.value) and "化学需氧量" in str(err.value)


def test_committed_plus_reserved_above_cap_is_an_error(raw, tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    write_sheet(book, "总量", ("指标", "总量上限", "已批复", "在审", "单位"), [("废水", 1000, 900, 200, "t/d")])
    path = tmp_path / "caps.xlsx"
    book.save(path)
    with pytest.raises(CatalogError) as err:
        import_catalog([str(raw["parks"]), str(raw["units"]), str(path)], tmp_path / "cat")
    assert "above the cap" in str(err.value) and "overcommitted: true" in str(err.value)


# --- section 2: CRS and data gaps at load time ----------------------------------------------------

def _copy_catalogue(imported, tmp_path):
    out, _ = imported
    target = tmp_path / "cat"
    shutil.copytree(out, target)
    return target


def _rewrite_units(folder, epsg_read_as: int, shift_x: float = 0.0):
    frame = gpd.read_file(folder / "layers.gpkg", layer="control_units", engine="pyogrio")
    moved = frame.set_geometry(frame.geometry.translate(xoff=shift_x)).set_crs(epsg_read_as, allow_override=True)
    moved.to_file(folder / "layers.gpkg", layer="control_units", driver="GPKG", engine="pyogrio")


def test_layer_in_the_neighbouring_gk_zone_names_the_right_epsg(imported, tmp_path):
    folder = _copy_catalogue(imported, tmp_path)
    # the units are in zone 39 with the zone number (EPSG:4527); declared as CM-form zone 40 without it:
    frame = gpd.read_file(folder / "layers.gpkg", layer="control_units", engine="pyogrio")
    cm_form = frame.to_crs(4548)  # CM 117E, no zone number: the coordinates a survey in 4548 would give
    cm_form.set_crs(4549, allow_override=True).to_file(folder / "layers.gpkg", layer="control_units",
                                                       driver="GPKG", engine="pyogrio")
    with pytest.raises(CatalogError) as err:
        load_catalog(folder)
    message = str(err.value)
    assert "lie" in message and "km from every zone" in message and "EPSG:4548" in message


def test_zone_number_in_the_false_easting_of_a_layer(imported, tmp_path):
    folder = _copy_catalogue(imported, tmp_path)
    _rewrite_units(folder, 4528)  # x = 39,5xx,xxx declared as zone 40
    with pytest.raises(CatalogError) as err:
        load_catalog(folder)
    assert "zone number 39" in str(err.value) and "EPSG:4527" in str(err.value)


def test_park_that_no_control_unit_touches_is_an_error(imported, tmp_path):
    folder = _copy_catalogue(imported, tmp_path)
    frame = gpd.read_file(folder / "layers.gpkg", layer="control_units", engine="pyogrio")
    frame = frame[frame["code"] == "ZH34010430001"]  # keep only the general unit east of the park
    frame.to_file(folder / "layers.gpkg", layer="control_units", driver="GPKG", engine="pyogrio")
    with pytest.raises(CatalogError) as err:
        load_catalog(folder)
    assert "zone SL-ED" in str(err.value) and "no control unit" in str(err.value)


def test_chinese_effluent_class_and_metric_names_in_catalog_yaml(imported, tmp_path):
    folder = _copy_catalogue(imported, tmp_path)
    text = (folder / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("effluent_class: 1A", "effluent_class: 一级A").replace("metric: wastewater", "metric: 废水")
    text = text.replace("metric: COD", "metric: 化学需氧量")
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    park = load_catalog(folder).park("SL-ED")
    assert park.wwtp.effluent_class == "1A" and {c.metric for c in park.caps} >= {"wastewater", "COD"}
    (folder / "catalog.yaml").write_text(text.replace("effluent_class: 一级A", "effluent_class: 一级C"),
                                         encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(folder)
    assert "zone SL-ED" in str(err.value) and "一级A" in str(err.value)


def test_demo_catalogue_passes_the_checks():
    catalog = load_catalog()
    assert catalog.control_units and not any("no control units" in w for w in catalog.warnings)


def test_docs_list_what_import_recognises():
    from conftest import ROOT
    from zones.aliases import aliases_markdown

    doc = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert aliases_markdown() in doc, "docs/catalogue.md is behind zones/aliases.py: regenerate its tables"


def test_clear_prohibitions_are_proposed_not_applied(imported):
    out, _ = imported
    text = (out / "catalog.yaml").read_text(encoding="utf-8")
    assert "PROPOSED rules" in text and "NOT applied" in text
    assert "ZH34010410001: prohibited: {codes: [B, C, D44], reason: 禁止新建、扩建工业项目}" in text
    assert "processes: [electroplating]" in text and "exception: check it" in text
    assert not load_catalog(out).spec.control_unit_access  # proposals stay comments


def test_caps_as_gbk_csv_park_as_kml_and_units_without_prj(raw, tmp_path):
    import csv

    from committee import files

    caps = tmp_path / "总量.csv"
    with caps.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["污染物", "总量控制指标", "已占用", "预留", "单位", "依据/来源"])
        writer.writerow(["废水", "20000", "15000", "1000", "m3/d", "审查意见"])
        writer.writerow(["CODcr", "365", "250", "20", "t/a", "审查意见"])
    park = gpd.read_file(raw["parks"], encoding="GB18030", engine="pyogrio").to_crs(4326)
    kml = tmp_path / "园区.kml"
    park.rename(columns={"园区名称": "Name"}).to_file(kml, driver="KML", engine="pyogrio")
    units = gpd.read_file(raw["units"], encoding="GB18030", engine="pyogrio")
    no_prj = write_shapefile(units, tmp_path / "units.shp")
    no_prj.with_suffix(".prj").unlink()
    with pytest.raises(CatalogError) as err:
        import_catalog([f"parks={kml}", str(no_prj), str(caps)], tmp_path / "cat")
    assert "--crs" in str(err.value)
    report = import_catalog([f"parks={kml}", str(no_prj), str(caps)], tmp_path / "cat", crs="4527")
    assert any("given with --crs" in (f.crs or "") for f in report.files)
    catalog = load_catalog(tmp_path / "cat")
    (park_id,) = catalog.parks
    caps_loaded = {c.metric: c for c in catalog.park(park_id).caps}
    assert caps_loaded["COD"].value == 365 and "总量.csv" in caps_loaded["COD"].source
    assert files  # the example script is importable as a module
