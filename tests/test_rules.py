"""Issue 12: each selection rule the standards state, applied to a project or catalogue built in code.

Every expected figure is the printed one; each test names the clause and table it rests on.
"""

import datetime as dt

import pytest

from conftest import park_spec, project_data, write_catalog
from regional_eia import project_from_data, screen
from standards import builtin_standards
from standards.reasons import Reason
from standards.select import (
    AirContext,
    StandardsPolicy,
    WaterContext,
    gb8978_grade,
    required_wwtp_class,
    select_air,
    select_water,
)
from zones import load_catalog

ON = dt.date(2027, 3, 1)
CAT = builtin_standards()


def codes(result):
    return [f.code for f in result.findings]


def finding(result, code):
    return next(f for f in result.findings if f.code == code)


def check(result, pollutant, point="total_outlet"):
    return next(c for c in result.standards if c.pollutant == pollutant and c.point == point)


@pytest.fixture
def catalog_with(tmp_path):
    """A one-park catalogue with the park's spec changed by ``overrides``."""
    def build(**overrides):
        return load_catalog(write_catalog(tmp_path / f"cat{len(list(tmp_path.iterdir()))}", park=park_spec(**overrides)))
    return build


def direct(effluent, **kw):
    return {"route": "direct", "flow": "500 m3/d", "operating_days": 300, "effluent": effluent,
            "receiving_water_class": "III", "new_outfall": False, **kw}


# --- item 1: an industry standard applies by activity (GB 4287-2012 3.1) ---------------------------


def test_item1_nonwovens_plant_that_dyes_is_under_gb4287_table2():
    # GB 4287-2012 3.1 (纺织染整 includes 染色) and 表2 直接排放 化学需氧量 80 mg/L: COD 90 fails
    data = project_data(industry="C1781", processes=["dyeing"], wastewater=direct({"COD": "90 mg/L"}))
    result = screen(project_from_data(data), on=ON)
    cod = check(result, "COD")
    assert (cod.limit, cod.complies) == (80, False)
    assert cod.source.startswith("GB 4287-2012 表2 直接排放")
    assert "STANDARD_EXCEEDED" in codes(result)
    mismatch = finding(result, "INDUSTRY_PROCESS_MISMATCH")
    assert mismatch.severity == "warning" and "C1781" in mismatch.message
    assert any(r.code == "INDUSTRY_STANDARD_BY_PROCESS" for r in
               select_water(CAT, WaterContext("C1781", "direct", ON, processes=("dyeing",), receiving_class="III"),
                            ["COD"])["COD"].reasons)


def test_item1_spinning_mill_without_dyeing_is_not_under_gb4287():
    # C1711 棉纺纱加工 is not 纺织染整 (GB 4287-2012 3.1) without a dyeing/printing/finishing step: GB 8978-1996
    # 表4 COD grade 1 (其他排污单位) 100 mg/L for class III water (4.1.1)
    sel = select_water(CAT, WaterContext("C1711", "direct", ON, receiving_class="III"), ["COD"])["COD"]
    assert (sel.limit.standard, sel.limit.table, sel.figure) == ("GB8978-1996", "表4", 100)
    assert any(r.code == "INDUSTRY_CODE_WITHOUT_PROCESS" for r in sel.reasons)
    dyes = select_water(CAT, WaterContext("C1711", "direct", ON, processes=("dyeing",), receiving_class="III"),
                        ["COD"])["COD"]
    assert (dyes.limit.standard, dyes.figure) == ("GB4287-2012", 80)


def test_item1_a_dyeing_class_declaring_no_dyeing_process_is_warned():
    data = project_data(industry="C1713", processes=["water_jet_weaving"])
    result = screen(project_from_data(data), on=ON)
    assert "INDUSTRY_PROCESS_MISMATCH" in codes(result)


# --- item 2: GB 8978-1996 1.2-1.3, no cross-application -------------------------------------------


def test_item2_pollutant_the_industry_standard_does_not_list_is_not_covered():
    # GB 4287-2012 lists no 石油类; GB 8978-1996 1.2-1.3: not cross-applied
    data = project_data(industry="C1713", processes=["dyeing"], wastewater=direct({"COD": "60 mg/L",
                                                                                   "petroleum": "8 mg/L"}))
    result = screen(project_from_data(data), on=ON)
    oil = check(result, "petroleum")
    assert oil.limit is None and oil.complies is None and not oil.supplementary
    # one code, one severity (the registry): not listed by the industry standard, by rule, is NOT_CROSS_APPLIED
    info = next(f for f in result.findings if f.code == "NOT_CROSS_APPLIED" and f.values["pollutant"] == "petroleum")
    assert info.severity == "info" and info.values["not_covered_by"] == ["GB 4287-2012"]
    assert "1.2" in " ".join(info.sources)


def test_item2_policy_applies_gb8978_as_a_labelled_supplementary_figure(tmp_path):
    # the catalogue's standards_policy.integrated_for_unlisted: GB 8978-1996 表4 石油类 grade 1 = 5 mg/L
    folder = write_catalog(tmp_path / "cat")
    spec = (folder / "catalog.yaml").read_text(encoding="utf-8")
    (folder / "catalog.yaml").write_text(spec + "standards_policy: {integrated_for_unlisted: true}\n", encoding="utf-8")
    data = project_data(industry="C1713", processes=["dyeing"], wastewater=direct({"petroleum": "8 mg/L"}))
    result = screen(project_from_data(data), load_catalog(folder), on=ON)
    oil = check(result, "petroleum")
    assert (oil.limit, oil.complies, oil.supplementary) == (5, False, True)
    assert "SUPPLEMENTARY" in oil.source
    exceeded = finding(result, "STANDARD_EXCEEDED")
    assert exceeded.values["supplementary"] is True and "SUPPLEMENTARY" in exceeded.message
    assert any(r["code"] == "INTEGRATED_SUPPLEMENTARY" for r in oil.reason_codes)


# --- item 3: boilers are GB 13271-2014's, fuel or no fuel --------------------------------------------


def boiler_project(fuel=None, nox="180 mg/m3"):
    stack = {"id": "DA001", "height_m": 30, "source_type": "boiler", "concentrations": {"NOx": nox}}
    if fuel:
        stack["fuel"] = fuel
    return project_data(wastewater=None, air={"stacks": [stack]})


def test_item3_boiler_without_fuel_is_incomplete_never_gb16297():
    result = screen(project_from_data(boiler_project()), on=ON)
    assert result.verdict == "incomplete"
    missing = finding(result, "DATA_MISSING")
    assert missing.values["missing"] == ["air.stacks[0].fuel"]
    assert "STANDARD_EXCEEDED" not in codes(result)
    nox = check(result, "NOx", "DA001 concentration")
    assert nox.limit is None and not any("GB 16297" in (nox.source or "") for _ in [0])


def test_item3_gas_boiler_takes_gb13271_table2():
    # GB 13271-2014 表2 (新建锅炉) 氮氧化物 燃气锅炉 200 mg/m3
    result = screen(project_from_data(boiler_project("gas", "180 mg/m3")), on=ON)
    nox = check(result, "NOx", "DA001 concentration")
    assert (nox.limit, nox.complies) == (200, True) and nox.source.startswith("GB 13271-2014 表2")


# --- item 4: GB 8978-1996 grade 3 is clause 4.1.3 ----------------------------------------------------


def test_item4_grade3_cites_clause_413():
    # GB 8978-1996 4.1.3: 排入设置二级污水处理厂的城镇排水系统的污水，执行三级标准 (COD 表4 三级 500)
    grade, reasons = gb8978_grade(WaterContext("C3484", "indirect", ON, sewer_end="secondary"))
    assert grade == "3" and reasons[0].values["clause"] == "4.1.3"
    assert "4.1.3" in reasons[0] and "4.1.4" not in reasons[0]
    assert "4.1.3" in reasons[0].zh


# --- item 5: the 2015 amendment of GB 4287: a town WWTP means the direct limits ----------------------


def test_item5_dyeing_plant_into_a_town_wwtp_is_held_to_the_direct_limits(catalog_with):
    # GB 4287-2012 修改单 (2015) note (3) + 表2 直接排放: COD 80, BOD5 20, NH3-N 10
    cat = catalog_with(wwtp={"name": "town WWTP", "kind": "town", "capacity": 10000, "effluent_class": "1A"})
    data = project_data(industry="C1713", processes=["dyeing"],
                        wastewater={"route": "indirect", "flow": "500 m3/d", "operating_days": 300,
                                    "effluent": {"COD": "150 mg/L", "BOD5": "30 mg/L", "NH3-N": "12 mg/L"}})
    result = screen(project_from_data(data), cat, on=ON)
    assert {p: check(result, p).limit for p in ("COD", "BOD5", "NH3-N")} == {"COD": 80, "BOD5": 20, "NH3-N": 10}
    reasons = check(result, "COD").reasons
    assert any("town WWTP" in r and "not a park WWTP" in r for r in reasons)
    assert any("the direct figure applies" in r for r in reasons)
    assert not any("park's centralised WWTP" in r for r in reasons)


# --- item 6 and 7: no WWTP, or one below secondary: GB 8978-1996 4.1.4 -------------------------------


def test_item6_park_without_wwtp_is_not_described_as_discharging_to_one(catalog_with):
    cat = catalog_with(wwtp=None, receiving_water={"name": "r", "target_class": "IV", "attained": True})
    result = screen(project_from_data(project_data()), cat, on=ON)
    cod = check(result, "COD")
    assert not any("centralised WWTP" in r for r in cod.reasons)
    assert any("has no WWTP" in r for r in cod.reasons)


@pytest.mark.parametrize("wwtp", [None, {"name": "EP plant", "capacity": 5000, "effluent_class": "3"}],
                         ids=["no-WWTP", "enhanced-primary"])
def test_item7_sewer_without_secondary_wwtp_takes_the_grade_of_its_water(catalog_with, wwtp):
    # GB 8978-1996 4.1.4 -> 4.1.2: class IV water takes grade 2: 表4 COD (其他排污单位) 二级 150 mg/L
    cat = catalog_with(wwtp=wwtp, receiving_water={"name": "r", "target_class": "IV", "attained": True})
    result = screen(project_from_data(project_data()), cat, on=ON)
    cod = check(result, "COD")
    assert (cod.limit, cod.complies) == (150, False)
    assert any("4.1.4" in r for r in cod.reasons) and any("4.1.2" in r for r in cod.reasons)


def test_item7_dyeing_into_an_enhanced_primary_plant_takes_gb4287_direct_limits():
    # GB 4287-2012 3.8/3.9: a 公共污水处理系统 treats to secondary level; below it, 表2 直接排放 COD 80
    ctx = WaterContext("C1713", "indirect", ON, sewer_end="enhanced_primary", wwtp_class="3", receiving_class="IV")
    sel = select_water(CAT, ctx, ["COD"])["COD"]
    assert (sel.limit.column, sel.figure) == ("direct", 80)
    assert any(r.code == "NOT_PUBLIC_SYSTEM" for r in sel.reasons)


# --- item 8: GB 3097 sea water (GB 8978-1996 4.1.1, 4.1.2, 4.1.5) ------------------------------------


@pytest.mark.parametrize("cls,grade,cod", [("II", "1", 100), ("III", "2", 150)])
def test_item8_sea_classes(cls, grade, cod):
    # 4.1.1: GB 3097 二类海域 -> 一级; 4.1.2: 三类海域 -> 二级; 表4 COD 其他排污单位 100 / 150
    ctx = WaterContext("C3484", "direct", ON, receiving_kind="sea", receiving_class=cls)
    assert gb8978_grade(ctx)[0] == grade
    assert select_water(CAT, ctx, ["COD"])["COD"].figure == cod


def test_item8_class1_sea_takes_no_new_outfall():
    data = project_data(wastewater={"route": "direct", "flow": "500 m3/d", "effluent": {"COD": "50 mg/L"},
                                    "receiving_water_class": "I", "receiving_water_kind": "sea"})
    result = screen(project_from_data(data), on=ON)
    assert finding(result, "OUTFALL_FORBIDDEN").severity == "fail"
    assert "GB 3097 class I sea" in finding(result, "OUTFALL_FORBIDDEN").message


# --- item 9: the WWTP's class against its receiving water (GB 18918-2002 4.1.2) ----------------------


def test_item9_class2_plant_into_a_lake_is_laxer_than_1b(catalog_with):
    # GB 18918-2002 4.1.2.2: 湖、库等封闭或半封闭水域 -> 一级标准的B标准
    cat = catalog_with(wwtp={"name": "W", "capacity": 10000, "effluent_class": "2"},
                       receiving_water={"name": "L", "kind": "lake", "target_class": "IV", "attained": True})
    result = screen(project_from_data(project_data()), cat, on=ON)
    f = finding(result, "WWTP_CLASS_BELOW_REQUIRED")
    assert (f.values["required_class"], f.severity) == ("1B", "warning")
    assert "GB 18918-2002 4.1.2.2" in f.sources and "2006 amendment" in f.message


def test_item9_required_class_by_kind():
    assert required_wwtp_class("river", "III") == ("1B", "GB 18918-2002 4.1.2.2")
    assert required_wwtp_class("river", "IV") == ("2", "GB 18918-2002 4.1.2.3")
    assert required_wwtp_class("sea", "II") == ("1B", "GB 18918-2002 4.1.2.2")
    assert required_wwtp_class("reservoir", "II")[0] == "1B"


def test_item9_a_catalogue_stated_1a_requirement_is_applied_with_its_source(catalog_with):
    cat = catalog_with(wwtp={"name": "W", "capacity": 10000, "effluent_class": "1B"},
                       receiving_water={"name": "L", "kind": "lake", "target_class": "III", "attained": True,
                                        "key_basin": True, "wwtp_class_required": "1A",
                                        "wwtp_class_required_source": "provincial notice (test)"})
    f = finding(screen(project_from_data(project_data()), cat, on=ON), "WWTP_CLASS_BELOW_REQUIRED")
    assert f.values["required_class"] == "1A" and "provincial notice (test)" in f.sources


# --- item 10: GB 16297-1996 class-1 areas (5) and stacks below 15 m (7.4) ----------------------------


def stack_project(height=30, so2_source="use", **stack):
    s = {"id": "DA001", "height_m": height, "concentrations": {"SO2": "100 mg/m3"}, "rates": {"SO2": "0.5 kg/h"},
         **stack}
    if so2_source:
        s["so2_source"] = so2_source
    return project_data(wastewater=None, air={"stacks": [s]})


def test_item10_class1_area_admits_no_new_source(catalog_with):
    # GB 16297-1996 5: 一类区禁止新、扩建污染源
    result = screen(project_from_data(stack_project()), catalog_with(air_grade="1"), on=ON)
    assert result.verdict == "fail" and finding(result, "NEW_SOURCE_FORBIDDEN").severity == "fail"


def test_item10_stack_below_15m_is_a_finding_and_its_rate_is_halved():
    # GB 16297-1996 表2 SO2 grade 2 at 15 m 2.6 kg/h; 附录B3 + 7.4: 0.5 x 2.6 x (12/15)^2 = 0.832 kg/h
    result = screen(project_from_data(stack_project(12)), on=ON)
    rate = check(result, "SO2", "DA001 rate")
    assert rate.limit == pytest.approx(0.832)
    f = finding(result, "STACK_BELOW_MINIMUM_HEIGHT")
    assert f.severity == "conditional" and "GB 16297-1996 7.4" in f.sources
    assert result.verdict != "pass"


# --- item 11: new and existing enterprises by EIA approval date --------------------------------------


def test_item11_existing_dyeing_plant_in_2014_takes_gb4287_table1():
    # GB 4287-2012 4.1 + 3.3: existing (approved before 2013-01-01) -> 表1 until 2014-12-31: direct COD 100;
    # 4.3: new -> 表2: 80
    old = WaterContext("C1713", "direct", dt.date(2014, 6, 1), eia_approved=dt.date(2012, 5, 1), receiving_class="III")
    new = WaterContext("C1713", "direct", dt.date(2014, 6, 1), receiving_class="III")
    sel_old, sel_new = (select_water(CAT, c, ["COD"])["COD"] for c in (old, new))
    assert (sel_old.limit.table, sel_old.figure) == ("表1", 100)
    assert (sel_new.limit.table, sel_new.figure) == ("表2", 80)
    assert any(r.code == "ENTERPRISE_EXISTING" for r in sel_old.reasons)
    assert any(r.code == "ENTERPRISE_PROPOSED" for r in sel_new.reasons)  # proposed stays new, and says so


def test_item11_from_2015_an_existing_dyeing_plant_takes_table2():
    # GB 4287-2012 4.2: 自2015年1月1日起，现有企业执行表2
    ctx = WaterContext("C1713", "direct", ON, eia_approved=dt.date(2010, 1, 1), receiving_class="III")
    assert select_water(CAT, ctx, ["COD"])["COD"].limit.table == "表2"


def test_item11_project_eia_date_reaches_the_selection():
    data = project_data(industry="C1713", processes=["dyeing"], eia_approved="2012-05-01",
                        wastewater=direct({"COD": "90 mg/L"}))
    result = screen(project_from_data(data), on=dt.date(2014, 6, 1))
    assert check(result, "COD").limit == 100 and check(result, "COD").complies is True


# --- item 13: SO2 at process stacks (GB 16297-1996 表2 item 1) ----------------------------------------


@pytest.mark.parametrize("so2_source,limit", [("production", 960), ("use", 550)])
def test_item13_so2_row_by_production_or_use(so2_source, limit):
    # 表2 item 1: 硫、二氧化硫、硫酸和其它含硫化合物生产 960 mg/m3, ...使用 550 mg/m3
    conc, _ = select_air(CAT, AirContext("C3484", ON), "SO2", 30, so2_source=so2_source)
    assert conc.figure == limit


def test_item13_so2_without_the_flag_asks_for_it():
    result = screen(project_from_data(stack_project(so2_source=None)), on=ON)
    missing = finding(result, "DATA_MISSING")
    assert missing.values["missing"] == ["air.stacks[0].so2_source"] and result.verdict == "incomplete"


# --- reasons are values with zh and en -----------------------------------------------------------------


def test_every_selection_reason_has_a_code_and_a_chinese_text():
    ctx = WaterContext("C1713", "indirect", ON, processes=("dyeing",), wwtp_kind="town", wwtp_name="W")
    for sel in select_water(CAT, ctx, None).values():
        for reason in sel.reasons:
            assert isinstance(reason, Reason) and reason.code
            assert reason.zh and reason.zh != str(reason)


def test_policy_default_is_the_texts():
    assert StandardsPolicy().integrated_for_unlisted is False


# --- item 15: the tables read from the scans (double entry: standards/data/double-entry/) --------------


def test_item15_gb3838_table3_figures():
    # GB 3838-2002 表3 item 1 三氯甲烷 0.06, item 66 苯并(a)芘 2.8×10⁻⁶, item 80 铊 0.0001 mg/L
    rows = {lim.item: lim for lim in CAT.rows("GB3838-2002") if lim.table == "表3"}
    assert len(rows) == 80
    assert (rows["1"].pollutant, rows["1"].number) == ("chloroform", 0.06)
    assert rows["66"].number == pytest.approx(2.8e-6) and rows["80"].number == 0.0001


def test_item15_gb16297_table1_for_an_existing_source():
    # GB 16297-1996 6.1/6.3: EIA approved before 1997-01-01 -> 表1; item 1 SO2 使用 700 mg/m3, 二级 30 m 17 kg/h
    conc, rate = select_air(CAT, AirContext("C3484", ON, eia_approved=dt.date(1995, 5, 1)), "SO2", 30, so2_source="use")
    assert (conc.limit.table, conc.figure, rate.rate_kg_h) == ("表1", 700, 17)
    assert any(r.code == "GB16297_EXISTING_SOURCE" for r in conc.reasons)


def test_item15_gb16297_table1_grade1_prohibits_where_it_prints_禁排():
    # 表1 item 5 铬酸雾 一级 printed 禁排: an existing source in a class-1 area may not emit it
    _, rate = select_air(CAT, AirContext("C3484", ON, eia_approved=dt.date(1995, 5, 1), grade="1"),
                         "chromic_acid_mist", 30)
    assert rate.rate_kg_h == 0.0 and any(r.code == "RATE_PROHIBITED" for r in rate.reasons)


def test_item15_gb8978_table2_for_a_unit_built_before_1998():
    # GB 8978-1996 4.2.2.1/4.2.2.3: EIA approved before 1998-01-01 -> 表2; COD 其他排污单位 一级 100, 二级 150;
    # 石油类 一级 10 (表4 gives 5 for new units)
    old = WaterContext("C3484", "direct", ON, eia_approved=dt.date(1996, 3, 1), receiving_class="III")
    sel = select_water(CAT, old, ["COD", "petroleum"])
    assert (sel["COD"].limit.table, sel["COD"].figure) == ("表2", 100)
    assert (sel["petroleum"].limit.table, sel["petroleum"].figure) == ("表2", 10)
    new = select_water(CAT, WaterContext("C3484", "direct", ON, receiving_class="III"), ["petroleum"])["petroleum"]
    assert (new.limit.table, new.figure) == ("表4", 5)


def test_item15_gb21900_table6_converts_to_the_baseline_volume():
    # GB 21900-2008 表6 镀铬 74.4 m3/m2; 4.2.6 + formula (1): 3,720 m3 for 25 m2 chromium plating is twice the
    # baseline, so a measured 0.03 mg/m3 chromic acid mist counts as 0.06 against 表5's 0.05: a fail
    data = project_data(industry="C3360", processes=["electroplating"], wastewater=None, air={"stacks": [
        {"id": "DA1", "height_m": 20, "concentrations": {"chromic_acid_mist": "0.03 mg/m3"},
         "exhaust_per_working_day": "3720 m3/d", "plated_area_per_working_day": {"chromium": 25}}]})
    result = screen(project_from_data(data), on=ON)
    mist = check(result, "chromic_acid_mist", "DA1 concentration")
    assert (mist.limit, mist.complies) == (0.05, False) and mist.proposed == pytest.approx(0.06)
    assert any("formula (1)" in r for r in mist.reasons)


def test_item15_gb37822_fugitive_vocs_for_a_project_that_declares_them():
    # GB 37822-2019 表A.1: 厂区内 NMHC 1 h mean 10 mg/m3, single reading 30 mg/m3
    data = project_data(industry="C2710", wastewater=None,
                        air={"fugitive_vocs": {"sources": ["solvent storage"], "nmhc_1h_mean": "12 mg/m3",
                                               "nmhc_single": "25 mg/m3"}})
    result = screen(project_from_data(data), on=ON)
    hourly = check(result, "NMHC", "in-plant NMHC 1 h mean")
    single = check(result, "NMHC", "in-plant NMHC single reading")
    assert (hourly.limit, hourly.complies, single.limit, single.complies) == (10, False, 30, True)
    missing = screen(project_from_data({**data, "air": {"fugitive_vocs": {"sources": ["tanks"]}}}), on=ON)
    assert missing.verdict == "incomplete"


def test_item15_gb31571_plants_keep_their_own_fugitive_rules():
    # GB 37822-2019 第1章: where an industry standard regulates fugitive VOCs (GB 31571-2015 5.3), it applies
    data = project_data(industry="C2614", wastewater=None,
                        air={"fugitive_vocs": {"sources": ["tanks"], "nmhc_1h_mean": "12 mg/m3"}})
    result = screen(project_from_data(data), on=ON)
    assert not any(c.pollutant == "NMHC" for c in result.standards)
    assert any(f.code == "NOT_CROSS_APPLIED" and "GB 31571" in f.message for f in result.findings)


# --- item 12: the EIA classification list 2021, Article 5 and the parks' lead industries ---------------

from standards.eia_category import classify  # noqa: E402


@pytest.mark.parametrize("code,flags,category,item", [
    ("C3411", ["electroplating"], "report_book", 69),       # 69 报告书 有电镀工艺的
    ("C3411", [], "report_form", 69),                      # 69 报告表 其他
    ("C3841", ["lead_acid_battery_mfg"], "report_book", 77),  # 77 报告书 铅蓄电池制造
    ("C3811", ["low_voc_coating_lt_10t_a"], "not_managed", 77),  # 77 报告表 其他（…10吨以下的除外）: Article 5
    ("C3911", ["uses_organic_solvent"], "report_form", 78),  # 78 报告表 使用有机溶剂的
    ("C3911", [], "not_managed", 78),                        # 78 prints no 其他: Article 5
    ("C3961", [], "report_form", 79),                        # 79 报告表 全部
    ("C3961", ["cutting_welding_assembly_only"], "not_managed", 79),  # 全部（仅分割、焊接、组装的除外）
    ("C3985", ["electronic_chemical_material_mfg"], "report_book", 81),  # 81 报告书 电子化工材料制造
    ("C3985", ["electronic_special_material_mfg"], "report_form", 81),   # 81 报告表 电子专用材料制造
    ("C3921", [], "report_form", 82),                        # 82 报告表 全部
    ("C1781", ["dyeing"], "report_book", 28),                # 28 报告书 染色 (178*)
    ("C1711", [], "not_managed", 28),                        # 28 names no category without the printed processes
])
def test_item12_categories_of_the_lead_industries(code, flags, category, item):
    r = classify(code, flags)
    assert (r.category, r.rows) == (category, (item,))
    if category == "not_managed":
        assert any(c["code"] == "EIA_ARTICLE_5" for c in r.reason_codes)


def test_item12_undetermined_only_for_a_missing_fact_and_says_which():
    r = classify("D4430", [])  # item 91 grades by the boilers' fuel and capacity
    assert r.category == "undetermined"
    assert any(c["code"] == "EIA_ITEM_NEEDS_FACT" for c in r.reason_codes)


def test_item12_category_reasons_have_chinese_text():
    from standards.reasons import render

    r = classify("C3411", ["electroplating"])
    texts = [render(c["code"], c["values"], "zh") for c in r.reason_codes]
    assert texts and all(t for t in texts) and "第69项报告书" in "".join(texts)


# --- the policy on the command line (item 2) -----------------------------------------------------------


def test_item2_policy_is_a_cli_option_and_the_label_shows(tmp_path):
    import json

    import yaml as _yaml
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    path = tmp_path / "dyeing.yaml"
    data = project_data(industry="C1713", processes=["dyeing"], wastewater=direct({"petroleum": "8 mg/L"}))
    path.write_text(_yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    default = runner.invoke(app, ["screen", str(path), "--format", "json", "--on", "2027-03-01"])
    assert default.exit_code == 0, default.output
    oil = next(c for c in json.loads(default.stdout)["standards"] if c["pollutant"] == "petroleum")
    assert oil["limit"] is None and oil["supplementary"] is False
    applied = runner.invoke(app, ["screen", str(path), "--format", "json", "--on", "2027-03-01",
                                  "--integrated-for-unlisted"])
    oil = next(c for c in json.loads(applied.stdout)["standards"] if c["pollutant"] == "petroleum")
    assert oil["limit"] == 5 and oil["supplementary"] is True and "SUPPLEMENTARY" in oil["source"]
    lookup = runner.invoke(app, ["standards", "lookup", "--industry", "C1713", "--route", "direct",
                                 "--receiving-class", "III", "--integrated-for-unlisted", "--format", "json"])
    row = next(r for r in json.loads(lookup.stdout) if r["pollutant"] == "petroleum")
    assert row["supplementary"] is True and row["standard"].endswith("[SUPPLEMENTARY]")


# --- one WaterContext builder (issue 11): screen and lookup agree on protection_zone ----------------------


def test_one_water_context_for_screen_and_lookup(catalog_with):
    from regional_eia.standards_check import discharge_context, water_context

    cat = catalog_with(receiving_water={"name": "r", "target_class": "III", "attained": True, "protection_zone": True})
    park = cat.park("P1")
    project = project_from_data(project_data(wastewater=direct({"COD": "50 mg/L"}, receiving_water_class=None,
                                                                 new_outfall=False)))
    from_screen = water_context(project, park, ON, park_name=cat.names["P1"])
    from_lookup = discharge_context(project.industry, "direct", park, ON, new_outfall=False, park_name=cat.names["P1"])
    assert from_screen == from_lookup and from_screen.protection_zone is True
    # a water the project names itself is another water: the park's protection flag does not follow it
    own = discharge_context(project.industry, "direct", park, ON, receiving_class="IV")
    assert own.protection_zone is False and own.receiving_class == "IV"
