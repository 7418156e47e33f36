"""The standards catalogue: every data file loads, sampled figures equal the printed ones, and each
selection rule has a test that fails if the rule is removed."""

import datetime as dt
from importlib.resources import files

import pytest

from standards import SelectionError, builtin_standards, load_standards
from standards.catalog import _DATA
from standards.errors import StandardsDataError
from standards.model import HeightValue, RangeValue, TextValue
from standards.select import (
    AirContext,
    WaterContext,
    gb8978_grade,
    in_force,
    rate_at_height,
    select_air,
    select_water,
    wwtp_effluent_limit,
)

ON = dt.date(2027, 1, 1)
CAT = builtin_standards()


def figure(standard, table, pollutant, column, **conditions):
    rows = [lim for lim in CAT.rows(standard, pollutant) if lim.table == table and lim.column == column
            and lim.amended_by is None]
    for key, value in conditions.items():
        rows = [lim for lim in rows if getattr(lim.conditions, key) == value]
    assert len(rows) == 1, rows
    return rows[0].value


# --- the data: each file, and a sample of figures against the printed texts -------------------------

STANDARD_FILES = sorted(p.name for p in files("standards").joinpath("data").iterdir() if p.name.endswith(".yaml"))


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_data_file_loads_with_source_and_tables(name):
    data = load_standards(_DATA)
    sid = name.removesuffix(".yaml")
    if sid in data.standards:
        std = data.standards[sid]
        assert std.source and std.tables
        for table in std.tables:
            assert table.limits, f"{sid} {table.id} has no rows"


# (standard, table, pollutant, column, printed value, where it was read)
SAMPLES = [
    ("GB8978-1996", "表1", "Hg", "max", 0.05, "GB 8978-1996 表1 item 1, 总汞"),
    ("GB8978-1996", "表1", "Cr6", "max", 0.5, "GB 8978-1996 表1 item 5, 六价铬"),
    ("GB8978-1996", "表1", "Pb", "max", 1.0, "GB 8978-1996 表1 item 7, 总铅"),
    ("GB8978-1996", "表4", "petroleum", "grade1", 5, "GB 8978-1996 表4 item 7, 石油类 一级"),
    ("GB8978-1996", "表4", "petroleum", "grade3", 20, "GB 8978-1996 表4 item 7, 石油类 三级"),
    ("GB4287-2012", "表2", "COD", "direct", 80, "GB 4287-2012 表2 化学需氧量 直接排放"),
    ("GB4287-2012", "表2", "COD", "indirect", 200, "GB 4287-2012 表2 化学需氧量 间接排放 (as issued)"),
    ("GB4287-2012", "表3", "COD", "direct", 60, "GB 4287-2012 表3 特别排放限值 化学需氧量 直接排放"),
    ("GB18918-2002", "表1", "COD", "1A", 50, "GB 18918-2002 表1 COD 一级A"),
    ("GB18918-2002", "表1", "COD", "1B", 60, "GB 18918-2002 表1 COD 一级B"),
    ("GB18918-2002", "表1", "TN", "1A", 15, "GB 18918-2002 表1 总氮 一级A"),
    ("GB21900-2008", "表2", "Cr6", "direct", 0.2, "GB 21900-2008 表2 六价铬"),
    ("GB21900-2008", "表3", "Ni", "direct", 0.1, "GB 21900-2008 表3 总镍 特别排放限值"),
    ("GB3838-2002", "表1", "COD", "III", 20, "GB 3838-2002 表1 化学需氧量 III类"),
    ("GB3838-2002", "表1", "NH3-N", "II", 0.5, "GB 3838-2002 表1 氨氮 II类"),
    ("GB13271-2014", "表2", "PM", "gas", 20, "GB 13271-2014 表2 颗粒物 燃气锅炉"),
    ("GB13271-2014", "表2", "SO2", "coal", 300, "GB 13271-2014 表2 二氧化硫 燃煤锅炉"),
    ("GB13271-2014", "表3", "NOx", "gas", 150, "GB 13271-2014 表3 氮氧化物 燃气锅炉"),
    ("GB37822-2019", "表A.1", "NMHC", "general_1h", 10, "GB 37822-2019 表A.1 NMHC 排放限值 1h平均"),
    ("GB37822-2019", "表A.1", "NMHC", "special_once", 20, "GB 37822-2019 表A.1 NMHC 特别排放限值 任意一次"),
    ("GB31571-2015", "表1", "SS", "direct", 70, "GB 31571-2015 表1 悬浮物 直接排放"),
    ("GB31571-2015", "表1", "NH3-N", "direct", 8, "GB 31571-2015 表1 氨氮 直接排放"),
    ("GB31571-2015", "表4", "PM", "process_heater", 20, "GB 31571-2015 表4 颗粒物 工艺加热炉"),
    ("GB31571-2015", "表4", "SO2", "process_heater", 100, "GB 31571-2015 表4 二氧化硫 工艺加热炉"),
]


@pytest.mark.parametrize("standard,table,pollutant,column,printed,where", SAMPLES, ids=[s[5] for s in SAMPLES])
def test_sampled_figures_equal_the_printed_text(standard, table, pollutant, column, printed, where):
    rows = [lim for lim in CAT.rows(standard, pollutant) if lim.table == table and lim.column == column
            and lim.amended_by is None and not lim.conditions.condition_zh]
    assert rows, where
    assert rows[0].number == printed, where


def test_gb18918_tp_rows_split_by_construction_date():
    # GB 18918-2002 表1 item 9: 1A 1 mg/L for plants built before 2006-01-01, 0.5 from then on
    assert figure("GB18918-2002", "表1", "TP", "1A", built_before=dt.date(2006, 1, 1)) == 1
    assert figure("GB18918-2002", "表1", "TP", "1A", built_from=dt.date(2006, 1, 1)) == 0.5
    assert wwtp_effluent_limit(CAT, "GB18918-2002", "1A", "TP", ON, dt.date(2012, 1, 1)).number == 0.5
    assert wwtp_effluent_limit(CAT, "GB18918-2002", "1A", "TP", ON, dt.date(2003, 1, 1)).number == 1
    assert wwtp_effluent_limit(CAT, "GB18918-2002", "1A", "TP", ON, None).number == 1  # never understated


def test_gb18918_ammonia_has_the_cold_water_alternative():
    value = figure("GB18918-2002", "表1", "NH3-N", "1A")
    assert (value.value, value.alt, value.alt_if) == (5, 8, "cold_water")


def test_ph_is_a_range_and_not_detectable_is_text():
    assert figure("GB4287-2012", "表2", "pH", "direct") == RangeValue(min=6, max=9)
    cr6 = figure("GB4287-2012", "表2", "Cr6", "direct")
    assert isinstance(cr6, TextValue) and cr6.not_detectable
    alkyl = figure("GB8978-1996", "表1", "alkyl_Hg", "max")
    assert isinstance(alkyl, TextValue) and alkyl.not_detectable


def test_first_class_pollutants_are_limited_at_the_workshop_outlet():
    for lim in CAT.rows("GB8978-1996"):
        if lim.table == "表1":
            assert lim.monitoring_point == "workshop_outlet"
            assert CAT.pollutants[lim.pollutant].first_class


def test_gb16297_rates_by_height():
    so2 = [lim for lim in CAT.rows("GB16297-1996", "SO2") if lim.column == "rate_grade2" and lim.table == "表2"][0]
    assert isinstance(so2.value, HeightValue)
    assert so2.value.by_stack_height_m[15] == 2.6  # GB 16297-1996 表2 item 1, 二级, 15 m


def test_rate_interpolation_and_extrapolation():
    value = HeightValue(by_stack_height_m={15: 2.6, 20: 4.3, 30: 15})
    assert rate_at_height(value, 20)[0] == 4.3
    assert rate_at_height(value, 25)[0] == pytest.approx(4.3 + (15 - 4.3) * 0.5)       # B1
    assert rate_at_height(value, 60)[0] == pytest.approx(15 * (60 / 30) ** 2)          # B2
    assert rate_at_height(value, 10)[0] == pytest.approx(0.5 * 2.6 * (10 / 15) ** 2)   # B3 + 7.4


def test_applies_until_is_inclusive():
    table1 = [lim for lim in CAT.rows("GB21900-2008", "Cr") if lim.table == "表1"][0]
    assert in_force(table1, dt.date(2010, 6, 30), "existing")
    assert not in_force(table1, dt.date(2010, 7, 1), "existing")


# --- the selection rules, one test each --------------------------------------------------------------


def water(industry="C3484", route="indirect", **kw):
    return WaterContext(industry, route, ON, **kw)


def test_rule1_route_picks_the_column():
    direct = select_water(CAT, water("C1713", "direct", receiving_class="III"), ["COD"])["COD"]
    indirect = select_water(CAT, water("C1713", "indirect", wwtp_kind="park"), ["COD"])["COD"]
    assert direct.limit.column == "direct" and indirect.limit.column == "indirect"
    assert direct.figure == 80 and indirect.figure == 200


def test_rule2_industry_standard_replaces_the_integrated_one_and_is_not_cross_applied():
    # GB 8978-1996 1.2-1.3: not cross-applied; GB 4287-2012 does not list petroleum, so it is not covered
    sel = select_water(CAT, water("C1713", "direct", receiving_class="III"), ["COD", "petroleum"])
    assert sel["COD"].limit.standard == "GB4287-2012"
    assert sel["petroleum"].limit is None and sel["petroleum"].not_covered_by == ("GB 4287-2012",)
    assert any(r.code == "NOT_CROSS_APPLIED" for r in sel["petroleum"].reasons)


def test_rule2_an_industry_dash_is_not_filled_from_the_integrated_standard():
    # GB 31571-2015 表1 prints a dash for indirect COD: agreed with the WWTP, not GB 8978's grade 3
    sel = select_water(CAT, water("C2614", "indirect", wwtp_kind="park"), ["COD"])["COD"]
    assert sel.figure is None and sel.limit.standard == "GB31571-2015"


@pytest.mark.parametrize("cls,grade", [("III", "1"), ("IV", "2"), ("V", "2")])
def test_rule3_gb8978_grade_from_receiving_water(cls, grade):
    assert gb8978_grade(water(route="direct", receiving_class=cls))[0] == grade
    sel = select_water(CAT, water(route="direct", receiving_class=cls), ["petroleum"])["petroleum"]
    assert sel.limit.column == f"grade{grade}"


def test_rule3_indirect_takes_grade3():
    assert select_water(CAT, water(), ["COD"])["COD"].figure == 500


@pytest.mark.parametrize("cls,zone", [("I", False), ("II", False), ("III", True)])
def test_rule3_new_outfall_into_protected_water_is_refused(cls, zone):
    with pytest.raises(SelectionError, match="4.1.5") as info:
        select_water(CAT, water(route="direct", receiving_class=cls, protection_zone=zone), ["COD"])
    assert info.value.code == "OUTFALL_FORBIDDEN"


def test_rule3_direct_needs_the_receiving_class():
    with pytest.raises(SelectionError) as info:
        select_water(CAT, water(route="direct"), ["COD"])
    assert info.value.code == "DATA_MISSING"


def test_rule4_special_limits_where_flagged():
    general = select_water(CAT, water("C1713", "direct", receiving_class="III"), ["COD"])["COD"]
    special = select_water(CAT, water("C1713", "direct", receiving_class="III", special_limits=True), ["COD"])["COD"]
    assert general.limit.table == "表2" and special.limit.table == "表3"
    assert special.figure == 60


def _local_catalog(tmp_path, cod, kind="local"):
    (tmp_path / "DB99-2099.yaml").write_text(f"""
id: DB99-2099
number: DB 99/0000-2099
title_zh: 示例
title_en: example
medium: water
kind: {kind}
effective: 2020-01-01
source: test fixture
tables:
  - id: 表1
    title_zh: 限值
    title_en: limits
    applies_from: 2020-01-01
    columns: [{{id: direct, label_zh: 直接排放, label_en: direct, tags: {{route: direct}}}},
              {{id: indirect, label_zh: 间接排放, label_en: indirect, tags: {{route: indirect}}}}]
    limits:
      - {{item: "1", pollutant: COD, pollutant_zh: 化学需氧量, unit: mg/L, values: {{direct: {cod}, indirect: {cod}}}}}
      - {{item: "2", pollutant: NH3-N, pollutant_zh: 氨氮, unit: mg/L, values: {{direct: 3, indirect: 3}}}}
""", encoding="utf-8")
    return load_standards(_DATA, tmp_path)


def test_rule5_local_standard_binds_when_stricter_or_alone(tmp_path):
    cat = _local_catalog(tmp_path, 40)
    ctx = water("C1713", "direct", receiving_class="III", local_standards=("DB99-2099",))
    sel = select_water(cat, ctx, ["COD", "NH3-N"])
    assert sel["COD"].figure == 40 and sel["COD"].limit.standard == "DB99-2099"
    loose = select_water(_local_catalog(tmp_path, 500), ctx, ["COD"])["COD"]
    assert loose.limit.standard == "GB4287-2012"
    # GB 8978 grade 3 prints no NH3-N figure for indirect dischargers: a local figure fills the gap
    gap = select_water(cat, water(local_standards=("DB99-2099",)), ["NH3-N"])["NH3-N"]
    assert gap.figure == 3 and any("gives a figure where" in r for r in gap.reasons)


def test_rule6_intake_standard_binds_when_stricter(tmp_path):
    cat = _local_catalog(tmp_path, 300, kind="intake")
    sel = select_water(cat, water(intake_standard="DB99-2099"), ["COD"])["COD"]
    assert sel.figure == 300 and "intake standard" in " ".join(sel.reasons)
    direct = select_water(cat, water(route="direct", receiving_class="IV", intake_standard="DB99-2099"), ["COD"])
    assert direct["COD"].limit.standard == "GB8978-1996"  # intake limits are for indirect dischargers only


def test_amendment_applies_from_its_date():
    before = select_water(CAT, WaterContext("C1713", "direct", dt.date(2015, 3, 1), receiving_class="III"), ["Sb"])
    after = select_water(CAT, WaterContext("C1713", "direct", dt.date(2015, 4, 1), receiving_class="III"), ["Sb"])
    assert before["Sb"].limit is None  # GB 8978 does not list antimony; GB 4287 did not until the amendment
    assert after["Sb"].figure == 0.1 and after["Sb"].limit.amended_by == "GB4287-2012-amendment-2015"


def test_amendment_town_wwtp_takes_direct_figures():
    park = select_water(CAT, water("C1713", wwtp_kind="park"), ["SS"])["SS"]
    town = select_water(CAT, water("C1713", wwtp_kind="town"), ["SS"])["SS"]
    assert park.figure == 100 and town.figure == 50


def test_amendment_alternative_for_dedicated_park_wwtp():
    sel = select_water(CAT, water("C1713", wwtp_kind="park", wwtp_dedicated=True), ["COD"])["COD"]
    assert sel.figure == 500


def test_industry_specific_row_over_other_units():
    # GB 8978 表4 COD: 石油化工 row (C2614 mapped) vs 其他排污单位
    other = select_water(CAT, water("C3484", "direct", receiving_class="IV"), ["COD"])["COD"]
    assert other.limit.conditions.other


def test_air_industry_standard_and_gb16297_rate():
    ctx = AirContext("C2614", ON)
    conc, rate = select_air(CAT, ctx, "SO2", 35, "process_heater")
    assert conc.limit.standard == "GB31571-2015" and conc.figure == 100 and rate.rate_kg_h is None
    conc, rate = select_air(CAT, AirContext("C3484", ON), "HCl", 25)
    assert conc.limit.standard == "GB16297-1996" and rate.rate_kg_h is not None


def test_air_200m_rule_halves_the_rate():
    _, full = select_air(CAT, AirContext("C3484", ON), "HCl", 20)
    _, half = select_air(CAT, AirContext("C3484", ON), "HCl", 20, meets_200m_rule=False)
    assert half.rate_kg_h == pytest.approx(full.rate_kg_h / 2)


def test_boiler_takes_gb13271_by_fuel():
    conc, _ = select_air(CAT, AirContext("C3484", ON), "NOx", 20, "boiler", "gas")
    assert conc.limit.standard == "GB13271-2014" and conc.figure == 200


def test_user_standard_with_unknown_pollutant_is_refused(tmp_path):
    (tmp_path / "X-2020.yaml").write_text("""
id: X-2020
number: X 2020
title_zh: x
title_en: x
medium: water
kind: local
effective: 2020-01-01
source: test
tables:
  - {id: t, title_zh: t, title_en: t, applies_from: 2020-01-01, columns: [{id: c, label_zh: c, label_en: c}],
     limits: [{item: "1", pollutant: NOPE, pollutant_zh: x, unit: mg/L, values: {c: 1}}]}
""", encoding="utf-8")
    with pytest.raises(StandardsDataError, match="NOPE"):
        load_standards(_DATA, tmp_path)
