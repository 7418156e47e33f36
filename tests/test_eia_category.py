"""Tests of the EIA category table (建设项目环境影响评价分类管理名录 2021) and its classifier."""

from __future__ import annotations

import re

import pydantic
import pytest

from standards.eia_category import (
    CATEGORY_ORDER,
    RESULT_ZH,
    ClassificationList,
    EIACategory,
    classify,
    load_classification,
)

TABLE = load_classification()

ROW28_BOOK = "有洗毛、脱胶、缫丝工艺的；染整工艺有前处理、染色、印花（喷墨印花和数码印花的除外）工序的；有使用有机溶剂的涂层工艺的"
ROW28_FORM = "有喷墨印花或数码印花工艺的；后整理工序涉及有机溶剂的；有喷水织造工艺的；有水刺无纺布织造工艺的"


def _reasons(result: EIACategory) -> str:
    return "\n".join(result.reasons)


# --------------------------------------------------------------------------------------------- textile


def test_cotton_dyeing_plant_is_report_book_citing_item_28():
    r = classify("C1713", ["dyeing"])
    assert r.category == "report_book"
    assert r.category_zh == "报告书"
    assert r.rows == (28,)
    text = _reasons(r)
    assert "Item 28" in text
    assert ROW28_BOOK in text
    assert "dyeing (染色)" in text


def test_digital_printing_only_is_not_report_book():
    r = classify("C1713", ["printing_digital"])
    assert r.category != "report_book"
    assert r.category == "report_form"
    assert ROW28_FORM in _reasons(r)
    # the 报告书 criteria it relied on being absent are reported
    assert "dyeing" in r.missing_flags and "printing_conventional" in r.missing_flags


def test_inkjet_printing_only_is_report_form():
    assert classify("C1752", ["printing_inkjet"]).category == "report_form"


def test_conventional_printing_is_report_book_also_with_digital():
    assert classify("C1713", ["printing_conventional"]).category == "report_book"
    assert classify("C1713", ["printing_conventional", "printing_digital"]).category == "report_book"


def test_printing_flag_does_not_exist_and_error_points_to_the_split_flags():
    with pytest.raises(ValueError) as exc:
        classify("C1713", ["printing"])
    msg = str(exc.value)
    assert "'printing'" in msg
    assert "printing_conventional" in msg and "printing_digital" in msg and "printing_inkjet" in msg


def test_printing_conventional_flag_carries_the_printed_exclusion():
    flag = TABLE.flags["printing_conventional"]
    assert flag.zh == "印花（喷墨印花和数码印花的除外）"
    assert TABLE.flags["printing_digital"].zh == "数码印花"
    assert TABLE.flags["printing_inkjet"].zh == "喷墨印花"


def test_garment_dyeing_and_washing_item_29():
    assert classify("C1811", ["dyeing"]).category == "report_book"
    assert classify("C1811", ["printing_digital"]).category == "report_form"
    r = classify("C1830", ["sand_washing"])
    assert (r.category, r.rows) == ("report_form", (29,))


def test_textile_item_has_no_registration_and_plain_spinning_is_not_managed():
    # item 28 names spinning only with the printed processes; a project the list does not name is outside
    # EIA management (Article 5), and the flags whose presence would change that are listed
    r = classify("C1711", [])
    assert r.category == "not_managed"
    assert r.category_zh == "不纳入环评管理"
    assert r.rows == (28,)
    assert "Item 28: no category applies" in _reasons(r)
    assert "Article 5" in _reasons(r)
    assert {"dyeing", "printing_digital", "water_jet_weaving"} <= set(r.missing_flags)


def test_starred_code_outside_industrial_building_is_not_managed():
    r = classify("C1713", ["dyeing", "not_in_industrial_building"])
    assert r.category == "not_managed"
    assert r.category_zh == "不纳入环评管理"
    assert "说明4" in _reasons(r)
    assert "Article 5" in _reasons(r)


def test_starred_code_assumption_is_reported():
    r = classify("C1713", ["dyeing"])
    assert "not_in_industrial_building" in r.missing_flags
    assert "industrial building" in _reasons(r)


# ------------------------------------------------------------------------------------- category paths


@pytest.mark.parametrize(
    ("code", "flags", "category", "rows"),
    [
        # report_book
        ("C2614", [], "report_book", (44,)),  # 全部
        ("C2621", ["chemical_n_p_compound_fertilizer"], "report_book", (45,)),
        ("C2710", [], "report_book", (47,)),
        ("C3360", ["electroplating"], "report_book", (67,)),
        ("C3311", ["solvent_coating_ge_10t_a"], "report_book", (66,)),
        ("C2511", [], "report_book", (42,)),
        ("D4430", ["coal_oil_boiler_gt_65t_h"], "report_book", (91,)),
        ("D4620", ["industrial_wastewater_centralized"], "report_book", (95,)),
        ("D4411", [], "report_book", (87,)),
        # report_form
        ("C2625", [], "report_form", (45,)),  # 其他
        ("C2614", ["physical_only", "generates_wastewater"], "report_form", (44,)),
        ("C2720", [], "report_form", (47,)),  # 仅化学药品制剂制造, set by code 272
        ("C2524", [], "report_form", (42,)),  # 煤制品制造, set by code 2524
        ("C3311", [], "report_form", (66,)),  # 其他
        ("C3360", [], "report_form", (67,)),
        ("C3391", [], "report_form", (68,)),
        ("D4430", ["gas_boiler_gt_1t_h"], "report_form", (91,)),
        ("D4620", ["other_industrial_wastewater_treatment"], "report_form", (95,)),
        ("D4411", ["gas_fired_power"], "report_form", (87,)),
        ("C1620", [], "report_form", (27,)),
        ("D4610", [], "report_form", (94,)),
        # registration
        ("D4620", [], "registration", (95,)),  # 其他
        ("D4416", ["photovoltaic_power"], "registration", (90,)),  # 其他光伏发电
    ],
)
def test_category_paths(code, flags, category, rows):
    r = classify(code, flags)
    assert r.category == category, _reasons(r)
    assert r.category_zh == RESULT_ZH[category]
    assert r.rows == rows


def test_electroless_plating_and_anodizing_count_as_electroplating():
    for flag in ("electroless_plating", "anodizing"):
        r = classify("C3360", [flag])
        assert r.category == "report_book"
        assert "说明6" in _reasons(r)


def test_organic_coating_exceptions_stay_out_of_report_book():
    # 使用有机涂层的（喷粉、喷塑、浸塑和电泳除外；…）: only organic_coating_other reaches 报告书
    assert classify("C3360", ["organic_coating_other"]).category == "report_book"
    r = classify("C3360", ["low_voc_coating_lt_10t_a"])
    assert r.category == "not_managed"  # Article 5: the list names the project under no category
    assert "excluded by low_voc_coating_lt_10t_a" in _reasons(r)


def test_cutting_welding_assembly_only_is_not_managed_by_article_5():
    r = classify("C3311", ["cutting_welding_assembly_only"])
    assert r.category == "not_managed"
    assert "仅分割、焊接、组装" in _reasons(r) and "Article 5" in _reasons(r)


def test_unless_flag_blocks_全部_and_falls_to_explicit_report_form():
    assert classify("C2614", ["physical_only"]).category == "not_managed"
    assert classify("C2614", ["physical_only", "generates_vocs"]).category == "report_form"


def test_per_alternative_exclusion_item_49():
    assert classify("C2770", []).category == "report_form"
    assert classify("C2770", ["assembly_or_repacking_only"]).category == "not_managed"


def test_env_sensitive_area_cites_the_row_definition():
    r = classify("D4413", ["env_sensitive_area"])
    assert r.category == "report_book"
    assert TABLE.row(88).sensitive_areas_zh in _reasons(r)
    assert classify("D4413", []).category == "report_form"  # 其他


# ----------------------------------------------------------------------------- several items (Article 4)


def test_several_items_highest_category_wins():
    r = classify("C3311", ["cutting_welding_assembly_only", "gas_boiler_gt_1t_h"])
    assert r.category == "report_form"
    assert r.rows == (66, 91)
    assert "Article 4" in _reasons(r)


def test_dyeing_plant_with_own_wastewater_plant():
    r = classify("C1713", ["dyeing", "other_industrial_wastewater_treatment"])
    assert (r.category, r.rows) == ("report_book", (28, 95))


def test_triggered_item_cannot_settle_an_uncovered_code():
    r = classify("C4011", ["gas_boiler_gt_1t_h"])  # 40 仪器仪表 is not held
    assert r.category == "undetermined"
    assert "this table covers only" in _reasons(r)


# ------------------------------------------------------------------------------ not managed / undetermined


def test_covered_industry_without_item_is_not_managed():
    r = classify("C1610", [])  # 烟叶复烤: division 16 held completely, no item names 161
    assert r.category == "not_managed"
    assert r.rows == ()
    assert "Article 5" in _reasons(r)


def test_household_pv_is_not_managed():
    r = classify("D4416", ["household_pv", "photovoltaic_power"])
    assert r.category == "not_managed"
    assert "不含居民家用光伏发电" in _reasons(r)


def test_uncovered_industry_is_undetermined_naming_the_coverage():
    r = classify("C4011", [])
    assert r.category == "undetermined"
    text = _reasons(r)
    assert "this table covers only:" in text
    for division in ("17 纺织业", "26 化学原料和化学制品制造业", "33 金属制品业"):
        assert division in text


@pytest.mark.parametrize(("code", "item"), [("C2530", "167"), ("D4414", "167"), ("D4420", "161")])
def test_codes_an_unheld_item_may_name_are_undetermined(code, item):
    r = classify(code, [])
    assert r.category == "undetermined"
    assert f"item(s) {item}" in _reasons(r)


def test_offshore_exclusion_refers_to_item_151():
    r = classify("D4415", ["offshore_wind", "wind_power"])
    assert r.category == "undetermined"
    assert "151" in _reasons(r)


def test_heat_supply_code_without_boiler_size_is_undetermined_naming_the_fact():
    r = classify("D4430", [])
    assert r.category == "undetermined"
    assert "the boilers' fuel and total capacity" in _reasons(r)
    assert {"coal_oil_boiler_gt_65t_h", "gas_boiler_gt_1t_h"} <= set(r.missing_flags)


# ----------------------------------------------------------------------------------------- input errors


def test_unknown_flag_error_names_flag_and_known_ones():
    with pytest.raises(ValueError) as exc:
        classify("C1713", ["dyeing", "no_such_flag"])
    msg = str(exc.value)
    assert "no_such_flag" in msg
    assert "Known flags:" in msg
    for known in ("dyeing", "electroplating", "solvent_coating_ge_10t_a"):
        assert known in msg


def test_flags_as_a_string_is_rejected():
    with pytest.raises(TypeError):
        classify("C1713", "dyeing")


@pytest.mark.parametrize("code", ["C1713", "1713", "c1713", " C1713 "])
def test_code_with_or_without_letter(code):
    assert classify(code, ["dyeing"]).category == "report_book"


@pytest.mark.parametrize("code", ["C17", "171", "C17130", "X", "", "D1713", "C4620"])
def test_malformed_or_inconsistent_codes_raise(code):
    with pytest.raises(ValueError):
        classify(code, [])


# ------------------------------------------------------------------------------------------ the data file


def test_loader_is_cached():
    assert load_classification() is TABLE


def test_every_flag_used_by_a_row_is_defined():
    for row in TABLE.rows:
        undefined = row.flags_used() - set(TABLE.flags)
        assert not undefined, f"item {row.item}: {undefined}"


def test_every_defined_flag_is_used_or_implies_a_used_flag():
    used = set().union(*(row.flags_used() for row in TABLE.rows))
    for fid, flag in TABLE.flags.items():
        assert fid in used or set(flag.implies) & used, fid


def test_every_flag_phrase_is_printed():
    texts = []
    for row in TABLE.rows:
        texts.append(row.industries_zh)
        texts.extend(row.criterion(c).text_zh.replace("\n", "") for c in CATEGORY_ORDER)
    texts.extend(n.zh for n in TABLE.notes if n.zh)
    blob = "\n".join(texts)
    for fid, flag in TABLE.flags.items():
        assert flag.zh in blob or (flag.printed_as and flag.printed_as in blob), fid


def test_threshold_flags_are_named_after_their_threshold():
    assert TABLE.flags["solvent_coating_ge_10t_a"].zh == "年用溶剂型涂料（含稀释剂）10吨及以上"
    thresholds = []
    for fid, flag in TABLE.flags.items():
        outside_brackets = flag.zh
        while re.search(r"（[^（）]*）", outside_brackets):  # drop bracketed exceptions and units
            outside_brackets = re.sub(r"（[^（）]*）", "", outside_brackets)
        if re.search(r"\d+(万)?(吨|千瓦)", outside_brackets) and re.search(r"以上|以下", outside_brackets):
            thresholds.append(fid)
            assert re.search(r"_(ge|gt|le|lt)_", fid), fid
    assert len(thresholds) >= 10


GB4754_PRINTED = re.compile(r"^\d{2,4}$")


def test_every_code_has_a_gb4754_shape_and_sits_in_its_section():
    covered = {c.division for c in TABLE.coverage}
    for row in TABLE.rows:
        codes = list(row.industries) + list(row.mapped_industries) + list(row.starred)
        assert codes, row.item
        for code in codes:
            assert GB4754_PRINTED.match(code), (row.item, code)
            assert 1 <= int(code[:2]) <= 97, (row.item, code)
            assert code[:2] in covered, (row.item, code)
        for code in row.industries:
            assert re.search(rf"(?<!\d){code}\*?(?!\d)", row.industries_zh), (row.item, code)
        section = re.search(r"(\d{2})$", row.section_zh)
        if section:
            assert all(c.startswith(section.group(1)) for c in codes), row.item
    for flag in TABLE.flags.values():
        for code in flag.implied_by_codes:
            assert GB4754_PRINTED.match(code)
    for ref in TABLE.referrals:
        assert all(GB4754_PRINTED.match(c) for c in ref.codes)


def test_codes_without_print_are_flagged_as_mappings():
    mapped = {row.item: row.mapped_industries for row in TABLE.rows if row.mapped_industries}
    assert mapped == {67: ("3360",), 91: ("4430",), 95: ("4620",)}
    for item in mapped:
        assert TABLE.row(item).industries == ()


def test_required_rows_are_held():
    held = {row.item for row in TABLE.rows}
    assert {28, 29, 42, 43, 44, 45, 46, 47, 48, 49, 66, 67, 68, 87, 91, 95} <= held


def test_pages_are_consistent():
    for row in TABLE.rows:
        assert row.pages.printed == row.pages.pdf + 1
        assert 3 <= row.pages.pdf <= 39


def test_slash_cells_have_no_machine_form():
    for row in TABLE.rows:
        for cat in CATEGORY_ORDER:
            crit = row.criterion(cat)
            if crit.text_zh == "/":
                assert not (crit.any_of or crit.all_projects or crit.otherwise or crit.unless_any)
            else:
                assert crit.any_of or crit.all_projects or crit.otherwise


def test_general_clauses_are_recorded():
    notes = {n.id: n for n in TABLE.notes}
    assert "单项等级最高" in notes["art4_highest_category"].zh
    assert "不纳入建设项目环境影响评价管理" in notes["art5_not_named"].zh
    assert "环境敏感区" in notes["art3_sensitive_areas"].zh
    assert "新增规模" in notes["note2_new_capacity"].zh
    assert "化学镀、阳极氧化" in notes["note6_plating"].zh


def test_models_are_frozen_and_strict():
    r = classify("C1713", ["dyeing"])
    with pytest.raises(pydantic.ValidationError):
        r.category = "report_form"  # type: ignore[misc]
    data = TABLE.model_dump(mode="json", by_alias=True)
    assert ClassificationList.model_validate(data) == TABLE
    data["unexpected"] = 1
    with pytest.raises(pydantic.ValidationError):
        ClassificationList.model_validate(data)


def test_undefined_flag_in_data_is_rejected():
    data = TABLE.model_dump(mode="json", by_alias=True)
    data["rows"][1]["report_book"]["any_of"].append({"all_of": ["printing"], "none_of": []})
    with pytest.raises(pydantic.ValidationError, match="undefined flags: printing"):
        ClassificationList.model_validate(data)
