"""Issue 16: what catalog import writes keeps hostile names and texts as data (a round trip).

Park and unit names, requirement texts and sheet values holding quotes, colons, newlines, ``{``, ``&``,
``*``, ``!``, ``#`` and YAML keywords come back from ``catalog.yaml`` exactly as the committee's files
hold them, and none of them adds a key, an alias or a tag to the file.
"""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pytest
import yaml

from committee import make_files, write_shapefile, write_sheet
from zones import load_catalog
from zones.importer import import_catalog

HOSTILE = [
    'a "quoted" name', "it's: a colon", "two\nlines", "{flow: map}", "&anchor x", "*alias", "!!python/object x",
    "# not a comment", "- not a list", "yes", "null", "~", "? key", "| block", "> folded", "@at `tick`", "%TAG !",
    "trailing space ", "tab\there", "x\n# injected: comment\nzones: []", "禁止新建化工\nlayers: []",
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("raw"))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_and_texts_round_trip_through_catalog_yaml(raw, tmp_path, hostile):
    park = gpd.read_file(raw["parks"], encoding="GB18030", engine="pyogrio")
    park.loc[0, "园区名称"] = f"园区 {hostile}"
    parks = write_shapefile(park, tmp_path / "parks.shp")
    units = gpd.read_file(raw["units"], encoding="GB18030", engine="pyogrio")
    text_field = next(c for c in units.columns if c.startswith("空间布局"))
    name_field = next(c for c in units.columns if c.startswith("管控单元名"))
    units.loc[1, text_field] = f"禁止新建化工{hostile}项目。"
    units.loc[1, name_field] = f"单元 {hostile}"
    unit_path = write_shapefile(units, tmp_path / "units.shp")
    book = openpyxl.Workbook()
    book.remove(book.active)
    write_sheet(book, "总量", ("指标", "总量上限", "已批复", "单位", "口径", "依据"),
                [("废水", 20000, 15000, "t/d", "最终排放", f"审查意见 {hostile}")])
    caps = tmp_path / "caps.xlsx"
    book.save(caps)
    out = tmp_path / "cat"
    import_catalog([str(parks), str(unit_path), str(caps)], out)

    written = (out / "catalog.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(written)
    assert set(data) == {"name", "description", "version", "zones", "layers"}  # nothing added a key
    assert data["layers"] and data["zones"]
    park_zone = next(z for z in data["zones"] if z["kind"] == "park")
    assert park_zone["name"] == f"园区 {hostile}".strip()
    assert park_zone["park"]["caps"][0]["source"].endswith(f"审查意见 {hostile}".strip())
    catalog = load_catalog(out)  # what screen reads: the same texts
    assert catalog.control_units["ZH34010420001"].access.spatial_layout[0] == f"禁止新建化工{hostile}项目。"
    proposed = written.index("# PROPOSED rules")  # they quote the requirement texts, in comments
    for line in written[proposed:].splitlines():
        assert line.lstrip().startswith("#") or not any(w in line for w in ("injected", "[]", "two", "lines项目")), line
    (rule,) = [line for line in written.splitlines() if "ZH34010420001: prohibited" in line]
    assert rule.startswith("  #") and rule.endswith("}")  # one line: the text's line breaks are folded


def test_an_unreadable_import_state_counts_as_a_hand_edit_not_a_traceback(raw, tmp_path):
    from zones.importer import ImportRefused

    out = tmp_path / "cat"
    inputs = [str(raw["parks"]), str(raw["units"]), str(raw["caps"])]
    import_catalog(inputs, out)
    (out / ".import-state.json").write_text('{"sha256": "x", "sha256": ', encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_catalog(inputs, out)
