"""The one engine: the finding-code registry, the message catalogue, figures as people read them, and the
small shared concepts (industry codes, the GCJ-02 inverse, a catalogue shared by threads, dates)."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regional_eia import load_project, project_from_data, screen, screen_many
from regional_eia.category import add_years
from regional_eia.findings import CODES, REGISTRY, main_code, tidy, tidy_many
from regional_eia.found import Found
from regional_eia.report.messages import MESSAGES, default_lang, finding_message, has_cjk, num
from standards.industry import normalise_industry
from zones import load_catalog
from zones.crs import gcj02_to_wgs84, wgs84_to_gcj02

from conftest import EXAMPLES, park_spec, project_data, write_catalog

ON = dt.date(2027, 1, 1)
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


# --- the registry ----------------------------------------------------------------------------------


def test_every_code_has_a_template_and_a_title_in_both_languages():
    for code in CODES:
        for lang in ("zh", "en"):
            assert f"code.{code}" in MESSAGES[lang]
            assert any(key == f"finding.{code}" or key.startswith(f"finding.{code}.") for key in MESSAGES[lang]), code


def test_the_main_code_is_stated_by_the_registry_not_by_step_order():
    # a failure beats missing data, which beats a condition; among failures the registry's rank decides
    assert main_code(["OFFSET_REQUIRED", "DATA_MISSING", "EIA_CATEGORY"]) == "DATA_MISSING"
    assert main_code(["STANDARD_EXCEEDED", "CAPACITY_EXCEEDED", "ACCESS_PROHIBITED"]) == "ACCESS_PROHIBITED"
    assert main_code(reversed(["OUTSIDE_PARK", "WATER_SOURCE_OVERLAP"])) == "OUTSIDE_PARK"
    assert main_code(["ACCESS_ENCOURAGED", "RED_LINE_PROXIMITY"]) is None


def test_a_step_cannot_report_a_code_the_registry_does_not_know():
    with pytest.raises(KeyError, match="REGISTRY"):
        Found("NOT_A_CODE", np.array([0]))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_finding_of_the_examples_validates_against_its_code_model(name, demo):
    result = screen(load_project(EXAMPLES / f"{name}.yaml"), demo, on=ON)
    for finding in result.findings:
        spec = REGISTRY[finding.code]
        assert finding.severity == spec.severity
        assert spec.values.model_validate(finding.values).model_dump(mode="json") == finding.values


# --- one catalogue of messages, zh and en -------------------------------------------------------------

_LATIN_SENTENCE = re.compile(r"\b[a-z]{3,}\s+[a-z]{2,}\s+[a-z]{2,}\b")  # three English words in a row


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_chinese_results_have_no_english_sentence(name, demo):
    """Messages, what would have to change and the simplification's reasons: Chinese throughout (ids such
    as ``wastewater.operating_days`` and citations such as ``GB 18918-2002 表1`` stay as they are)."""
    result = screen(load_project(EXAMPLES / f"{name}.yaml"), demo, on=ON, lang="zh")
    words = [f.message for f in result.findings] + result.to_change + result.eia_category.simplification_reasons
    for text in words:
        assert has_cjk(text), text
        assert not _LATIN_SENTENCE.search(text.replace("demo", "")), text


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_language_changes_the_words_never_the_codes_or_values(name, demo):
    project = load_project(EXAMPLES / f"{name}.yaml")
    zh, en = (screen(project, demo, on=ON, lang=lang).model_dump(mode="json") for lang in ("zh", "en"))
    strip = lambda r: [(f["code"], f["severity"], f["zone_id"], f["values"], f["sources"]) for f in r["findings"]]  # noqa
    assert strip(zh) == strip(en)
    assert zh["capacity"] == en["capacity"] and zh["offsets"] == en["offsets"] and zh["verdict"] == en["verdict"]


def test_a_report_rewords_a_result_screened_in_the_other_language(demo):
    project = load_project(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml")
    english = screen(project, demo, on=ON, lang="en")
    chinese = screen(project, demo, on=ON, lang="zh")
    for f_en, f_zh in zip(english.findings, chinese.findings):
        assert finding_message(f_en.code, f_en.values, "zh") == f_zh.message


def test_default_language_follows_the_locale():
    assert default_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert default_lang({"LANGUAGE": "zh_TW:en", "LANG": "C"}) == "zh"
    assert default_lang({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert default_lang({}) == "en"


# --- figures as people read them (issue 12 item 16, issue 16 item 11) -----------------------------------


def test_reported_figures_are_rounded_once_and_fits_stays_exact(tmp_path):
    # 18,200 + 600 committed/reserved of 20,000: exactly 1,200 left; a project of exactly 1,200 fits
    spec = park_spec(caps=[{"metric": "wastewater", "value": 20000, "unit": "m3/d", "basis": "final_discharge",
                            "committed": 18199.7, "reserved": 600.1}])
    catalog = load_catalog(write_catalog(tmp_path / "c", 4549, park=spec))
    data = project_data()
    data["wastewater"]["flow"] = "1200.2 m3/d"
    check = screen(project_from_data(data), catalog, on=ON).capacity[0]
    assert check.remaining == 1200.2 and check.fits is True and check.remaining_after == 0.0
    data["wastewater"]["flow"] = "1500 m3/d"
    result = screen(project_from_data(data), catalog, on=ON)
    check = result.capacity[0]
    assert check.reduce_by == 299.8 and check.reuse_rate_to_fit == 0.199866666667
    exceeded = next(f for f in result.findings if f.code == "CAPACITY_EXCEEDED")
    assert "1,500 m3/d" in exceeded.message and "e+" not in exceeded.message


def test_offsets_are_rounded_where_results_are_built(demo):
    result = screen(load_project(EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml"), demo, on=ON)
    assert [o.required for o in result.offsets] == [36.0, 3.6, 10.8, 0.36]


@given(st.floats(-1e12, 1e12, allow_nan=False))
def test_tidy_is_the_same_for_one_figure_and_for_a_column(value):
    assert tidy(value) == tidy_many(np.array([value, 1.0]))[0]
    assert tidy(tidy(value)) == tidy(value)


def test_figures_never_print_in_scientific_notation():
    assert [num(v) for v in (16000, 1.6e4, 0.000012, 123456789.0, 0.5)] == [
        "16,000", "16,000", "0.000012", "123,456,789", "0.5"]


# --- the intake-basis load, always (issue 12 item 14) --------------------------------------------------


def test_intake_load_is_reported_without_an_intake_cap(demo):
    # the Xuancheng park caps only final discharge; the dyeing plant's 180 mg/L x 3,000 m3/d x 300 d counts anyway
    result = screen(load_project(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml"), demo, on=ON)
    assert not any(c.basis == "sewer_intake" for c in result.capacity)
    cod = next(i for i in result.intake_loads if i.pollutant == "COD")
    assert (cod.concentration_mg_l, cod.flow_m3d, cod.operating_days, cod.load_t_a) == (180, 3000, 300, 162)


def test_a_direct_discharger_has_no_intake_load(small_catalog):
    data = project_data()
    data["wastewater"]["route"] = "direct"
    assert screen(project_from_data(data), small_catalog, on=ON).intake_loads == []


# --- the regional simplification ---------------------------------------------------------------------


@pytest.mark.parametrize("on, valid", [(dt.date(2027, 2, 27), True), (dt.date(2027, 2, 28), False)])
def test_an_assessment_approved_on_29_february(tmp_path, on, valid):
    spec = park_spec(regional_assessment={"approved": "2024-02-29", "valid_years": 3})
    catalog = load_catalog(write_catalog(tmp_path / "c", 4549, park=spec))
    project = project_from_data(project_data(wastewater=None))
    category = screen(project, catalog, on=on).eia_category
    assert category.qualifies_for_simplification is valid
    if not valid:
        assert category.simplification_reasons == ["the regional assessment approved 2024-02-29 expired on 2027-02-28"]


def test_add_years_of_a_leap_day():
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


def test_an_assessment_that_does_not_lower_the_category(tmp_path):
    spec = park_spec(regional_assessment={"approved": "2025-01-01", "valid_years": 5, "category_downgrade": False,
                                          "simplifications": ["shared monitoring data"]})
    catalog = load_catalog(write_catalog(tmp_path / "c", 4549, park=spec))
    category = screen(project_from_data(project_data(wastewater=None)), catalog, on=ON).eia_category
    assert category.qualifies_for_simplification is True
    assert category.regional_category is None and category.simplifications == ["shared monitoring data"]
    assert any("category_downgrade: false" in r for r in category.simplification_reasons)


# --- small shared concepts ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["C3360", "c3360", " 3360", "C３３６０", "C٣٣٦٠"])
def test_industry_codes_in_any_digits_meet_the_access_list(small_catalog, typed):
    data = project_data(industry=typed, processes=["electroplating"])
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert "ACCESS_PROHIBITED" in {f.code for f in result.findings}


def test_the_normaliser_is_the_one_batch_and_lookup_use():
    assert normalise_industry("１７１３") == "C1713"


@given(st.floats(73.5, 135.0), st.floats(18.0, 53.0))
def test_gcj02_inverse_is_the_same_alone_and_in_a_column(lon, lat):
    glon, glat = wgs84_to_gcj02(np.array([lon, 100.0]), np.array([lat, 30.0]))
    many = gcj02_to_wgs84(glon, glat)
    one = gcj02_to_wgs84(glon[:1], glat[:1])
    assert many[0][0] == one[0][0] and many[1][0] == one[1][0]


def test_one_catalogue_serves_many_threads(demo):
    projects = [load_project(EXAMPLES / f"{name}.yaml") for name in EXAMPLE_NAMES]
    fresh = load_catalog()  # nothing built yet: the threads race to build its arrays
    expected = [r.model_dump() for r in screen_many(projects, demo, on=ON)]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda p: screen(p, fresh, on=ON).model_dump(), projects * 4))
    assert got == expected * 4


def test_a_batch_chunk_pickles_without_its_catalogue(demo):
    from regional_eia.arrays import arrays_for
    from regional_eia.columns import columns_from_projects
    from regional_eia.pipeline import assess

    projects = [load_project(EXAMPLES / f"{name}.yaml") for name in EXAMPLE_NAMES]
    assessed = assess(columns_from_projects(projects), arrays_for(demo), ON)
    data = pickle.dumps(assessed)
    assert len(data) < 200_000 and pickle.loads(data).arrays is None
