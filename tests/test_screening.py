"""Screening: every finding code, capacity accounting on each basis, offsets, verdicts, and invariants."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regional_eia import load_project, project_from_data, screen, screen_many
from regional_eia.capacity import load_t_per_year
from regional_eia.errors import LocationError
from regional_eia.result import FINDING_CODES
from zones import load_catalog

from conftest import EXAMPLES, park_spec, project_data, write_catalog

ON = dt.date(2027, 1, 1)


def codes(result):
    return [f.code for f in result.findings]


def cap(result, metric, basis):
    return next(c for c in result.capacity if c.metric == metric and c.basis == basis)


# --- the examples, end to end through the library --------------------------------------------------

EXPECTED = {
    "xuancheng-dyeing-phase2-3": ("fail", "xuancheng-hitech", {"CAPACITY_EXCEEDED", "OFFSET_REQUIRED", "ACCESS_RESTRICTED"}),
    "fuyang-fine-chemicals": ("conditional", "fuyang-coal-chem", {"OFFSET_REQUIRED", "ACCESS_RESTRICTED"}),
    "fuyang-electroplating": ("fail", "fuyang-coal-chem", {"ACCESS_PROHIBITED"}),
    "guangde-water-source-site": ("fail", None, {"WATER_SOURCE_OVERLAP", "OUTSIDE_PARK", "OUTFALL_FORBIDDEN"}),
    "xuancheng-gcj02-electronics": ("conditional", "xuancheng-hitech", {"OFFSET_REQUIRED"}),
    "langxi-equipment": ("pass", "langxi-edz", set()),
    "langxi-incomplete": ("incomplete", "langxi-edz", {"DATA_MISSING"}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples(name, demo):
    verdict, park, must = EXPECTED[name]
    result = screen(load_project(EXAMPLES / f"{name}.yaml"), demo, on=ON)
    assert result.verdict == verdict
    assert result.location.park == park
    assert must <= set(codes(result))
    for finding in result.findings:
        assert finding.code in FINDING_CODES


def test_dyeing_plant_says_how_much_to_shrink(demo):
    result = screen(load_project(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml"), demo, on=ON)
    ww = cap(result, "wastewater", "final_discharge")
    assert (ww.cap, ww.committed, ww.reserved, ww.remaining, ww.demand) == (20000, 18200, 600, 1200, 3000)
    assert ww.fits is False and ww.reduce_by == 1800 and ww.max_flow_m3d == 1200
    assert ww.reuse_rate_to_fit == pytest.approx(0.6)
    # final-discharge COD load at the WWTP's GB 18918 class 1A effluent (50 mg/L), not its own 180 mg/L
    cod = cap(result, "COD", "final_discharge")
    assert cod.demand == pytest.approx(load_t_per_year(50, 3000, 300))
    assert "GB 18918-2002 表1" in cod.demand_how
    assert any("60.0%" in change for change in result.to_change)


def test_gcj02_site_is_inside_only_after_conversion(demo):
    project = load_project(EXAMPLES / "xuancheng-gcj02-electronics.yaml")
    assert screen(project, demo, on=ON).location.park == "xuancheng-hitech"
    naive = project.model_copy(update={"location": project.location.model_copy(update={"crs": "EPSG:4326"})})
    result = screen(naive, demo, on=ON)
    assert result.location.park is None and "OUTSIDE_PARK" in codes(result)


def test_fine_chemicals_offsets_are_two_to_one(demo):
    result = screen(load_project(EXAMPLES / "fuyang-fine-chemicals.yaml"), demo, on=ON)
    offsets = {o.pollutant: o for o in result.offsets}
    assert set(offsets) == {"SO2", "NOx", "PM", "VOCs"}
    assert offsets["SO2"].required == pytest.approx(25.0)
    assert all(c.fits for c in result.capacity)


# --- the small catalogue, in four CRSs: the same answers -------------------------------------------


def test_inside_park_and_control_unit(small_catalog):
    result = screen(project_from_data(project_data()), small_catalog, on=ON)
    assert result.location.park == "P1"
    assert result.location.control_units == ["ZH34180220009"]
    assert result.verdict == "pass", result.findings


def test_capacity_on_each_basis(small_catalog):
    result = screen(project_from_data(project_data()), small_catalog, on=ON)
    assert cap(result, "wastewater", "final_discharge").demand == 500
    # indirect: final discharge at the WWTP's class 1A (50 mg/L); sewer intake at its own 300 mg/L
    assert cap(result, "COD", "final_discharge").demand == pytest.approx(load_t_per_year(50, 500, 300))
    assert cap(result, "COD", "sewer_intake").demand == pytest.approx(load_t_per_year(300, 500, 300))


def test_direct_discharger_counts_its_own_concentration_and_not_the_sewer(small_catalog):
    data = project_data()
    data["wastewater"] = {**data["wastewater"], "route": "direct"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert cap(result, "COD", "final_discharge").demand == pytest.approx(load_t_per_year(300, 500, 300))
    assert cap(result, "COD", "sewer_intake").demand == 0


def test_capacity_exceeded_with_reuse_rate(small_catalog):
    data = project_data()
    data["wastewater"] = {**data["wastewater"], "flow": "2500 m3/d"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    ww = cap(result, "wastewater", "final_discharge")
    assert result.verdict == "fail" and "CAPACITY_EXCEEDED" in codes(result)
    assert ww.reduce_by == 500 and ww.reuse_rate_to_fit == pytest.approx(0.2)
    finding = next(f for f in result.findings if f.code == "CAPACITY_EXCEEDED")
    assert finding.values["remaining"] == 2000 and finding.values["demand"] == 2500


def test_outside_park(small_catalog):
    result = screen(project_from_data(project_data(location={"crs": 4490, "lon": 118.79, "lat": 30.95})),
                    small_catalog, on=ON)
    assert result.location.park is None and result.verdict == "fail"
    finding = next(f for f in result.findings if f.code == "OUTSIDE_PARK")
    assert finding.values["nearest_park"] == "P1" and 2350 < finding.values["distance_m"] < 2480


def test_red_line_overlap_and_proximity(small_catalog):
    inside = screen(project_from_data(project_data(location={"crs": 4490, "lon": 118.86, "lat": 30.985})),
                    small_catalog, on=ON)
    assert "RED_LINE_OVERLAP" in codes(inside)
    near = screen(project_from_data(project_data(location={"crs": 4490, "lon": 118.838, "lat": 30.985})),
                  small_catalog, on=ON)
    finding = next(f for f in near.findings if f.code == "RED_LINE_PROXIMITY")
    assert 1100 < finding.values["distance_m"] < 1200 and finding.severity == "warning"


def test_receptor_setback_by_industry(small_catalog):
    where = {"crs": 4490, "lon": 118.8025, "lat": 30.985}
    chemical = screen(project_from_data(project_data(industry="C2614", location=where)), small_catalog, on=ON)
    finding = next(f for f in chemical.findings if f.code == "RECEPTOR_SETBACK")
    assert finding.values["setback_m"] == 500 and 350 < finding.values["distance_m"] < 420
    machinery = screen(project_from_data(project_data(location=where)), small_catalog, on=ON)
    assert "RECEPTOR_SETBACK" not in codes(machinery)  # 50 m for other industries


def test_access_prohibited_only_with_the_process(small_catalog):
    plating = screen(project_from_data(project_data(industry="C3360", processes=["electroplating"])), small_catalog, on=ON)
    assert "ACCESS_PROHIBITED" in codes(plating)
    heat_treatment = screen(project_from_data(project_data(industry="C3360")), small_catalog, on=ON)
    assert "ACCESS_PROHIBITED" not in codes(heat_treatment)


def test_access_restricted_is_conditional(small_catalog):
    result = screen(project_from_data(project_data(industry="C1713")), small_catalog, on=ON)
    finding = next(f for f in result.findings if f.code == "ACCESS_RESTRICTED")
    assert finding.severity == "conditional" and finding.values["conditions"] == "reuse >= 40%"


def test_missing_operating_days_is_incomplete_not_pass(small_catalog):
    data = project_data()
    data["wastewater"] = {k: v for k, v in data["wastewater"].items() if k != "operating_days"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert result.verdict == "incomplete"
    assert any("wastewater.operating_days" in f.message for f in result.findings if f.code == "DATA_MISSING")


def test_offsets_where_water_not_attained(tmp_path):
    park = park_spec(offsets=[{"pollutant": "COD", "ratio": 2, "reason": "river not attained"}])
    catalog = load_catalog(write_catalog(tmp_path / "off", park=park))
    result = screen(project_from_data(project_data()), catalog, on=ON)
    assert result.verdict == "conditional"
    assert result.offsets[0].required == pytest.approx(2 * load_t_per_year(50, 500, 300))


def test_high_utilisation_warning(tmp_path):
    park = park_spec()
    park["caps"][0]["committed"] = 8000  # 9000 used of 10000 before the project
    catalog = load_catalog(write_catalog(tmp_path / "hi", park=park))
    result = screen(project_from_data(project_data()), catalog, on=ON)
    assert "CAPACITY_HIGH_UTILISATION" in codes(result) and result.verdict == "pass"


def test_partly_outside_park(small_catalog):
    site = "POLYGON ((118.835 30.98, 118.845 30.98, 118.845 30.99, 118.835 30.99, 118.835 30.98))"
    result = screen(project_from_data(project_data(location={"crs": 4490, "wkt": site})), small_catalog, on=ON)
    assert "PARTLY_OUTSIDE_PARK" in codes(result) and result.location.park is None


def test_screen_many_keeps_order_and_isolates_bad_rows(small_catalog):
    good = project_from_data(project_data())
    bad = project_from_data(project_data(id="T-bad", location={"crs": 4490, "lon": 30.98, "lat": 118.82}))
    outcomes = screen_many([good, bad, good], small_catalog, on=ON)
    assert [type(o).__name__ for o in outcomes] == ["ScreeningResult", "LocationError", "ScreeningResult"]
    assert isinstance(outcomes[1], LocationError)


@settings(max_examples=25)
@given(st.floats(min_value=1, max_value=5000), st.floats(min_value=0.0, max_value=0.99))
def test_shrinking_never_turns_a_fit_into_a_misfit(small_catalog_module, flow, cut):
    def demand(f):
        data = project_data()
        data["wastewater"] = {**data["wastewater"], "flow": f"{f} m3/d"}
        return screen(project_from_data(data), small_catalog_module, on=ON)

    before, after = demand(flow), demand(flow * (1 - cut))
    for c_before, c_after in zip(before.capacity, after.capacity):
        if c_before.fits:
            assert c_after.fits


@pytest.fixture(scope="module")
def small_catalog_module(tmp_path_factory):
    return load_catalog(write_catalog(tmp_path_factory.mktemp("m"), 4549))


# --- standards inside a screening --------------------------------------------------------------------


def test_standard_exceeded_carries_limit_value_unit_source(small_catalog):
    data = project_data()
    data["wastewater"]["effluent"] = {"COD": "650 mg/L"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    finding = next(f for f in result.findings if f.code == "STANDARD_EXCEEDED")
    assert finding.values == {"pollutant": "COD", "point": "total_outlet", "proposed": 650, "limit": 500, "unit": "mg/L",
                              "source": "GB 8978-1996 表4 三级标准 (grade3)", "supplementary": False}
    assert finding.sources == ["GB 8978-1996 表4 三级标准 (grade3)"]
    assert result.verdict == "fail"


def test_first_class_pollutant_needs_the_workshop_outlet(small_catalog):
    data = project_data()
    data["wastewater"]["effluent"] = {"COD": "300 mg/L", "Cr6": "0.1 mg/L"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert "WORKSHOP_OUTLET_REQUIRED" in codes(result) and result.verdict == "incomplete"
    data["wastewater"]["workshop_effluent"] = {"Cr6": "0.1 mg/L"}
    fixed = screen(project_from_data(data), small_catalog, on=ON)
    check = next(c for c in fixed.standards if c.pollutant == "Cr6")
    assert check.point == "workshop_outlet" and check.limit == 0.5 and check.complies


def test_not_detectable_compares_with_zero(small_catalog):
    data = project_data(industry="C1713")
    data["wastewater"]["workshop_effluent"] = {"Cr6": "0 mg/L"}
    result = screen(project_from_data(data), small_catalog, on=ON)
    check = next(c for c in result.standards if c.pollutant == "Cr6")
    assert check.limit_text == "不得检出" and check.complies is True


def test_ph_outside_range_fails(small_catalog):
    data = project_data()
    data["wastewater"]["pH"] = "5-9"
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert any(f.code == "STANDARD_EXCEEDED" and f.values["pollutant"] == "pH" for f in result.findings)


def test_stack_rate_by_height(small_catalog):
    data = project_data(air={"emissions": {}, "stacks": [
        {"id": "DA001", "height_m": 20, "concentrations": {"HCl": "50 mg/m3"}, "rates": {"HCl": "0.5 kg/h"}}]})
    result = screen(project_from_data(data), small_catalog, on=ON)
    rate = next(c for c in result.standards if c.point == "DA001 rate")
    assert rate.source.startswith("GB 16297-1996 表2") and rate.complies is False  # 0.43 kg/h at 20 m, grade 2
    assert rate.limit == pytest.approx(0.43)


def test_pollutant_without_figure_is_reported_not_passed(small_catalog):
    data = project_data()
    data["wastewater"]["effluent"] = {"COD": "300 mg/L", "NH3-N": "30 mg/L"}  # GB 8978 grade 3: no NH3-N figure
    result = screen(project_from_data(data), small_catalog, on=ON)
    assert any(f.code == "STANDARD_NOT_COVERED" and f.values["pollutant"] == "NH3-N" for f in result.findings)
    check = next(c for c in result.standards if c.pollutant == "NH3-N")
    assert check.complies is None


def test_every_finding_code_is_produced_somewhere(demo, small_catalog_module, tmp_path):
    produced = set()
    for path in EXAMPLES.glob("*.yaml"):
        produced |= set(codes(screen(load_project(path), demo, on=ON)))
    scenarios = [
        project_data(location={"crs": 4490, "lon": 118.86, "lat": 30.985}),
        project_data(location={"crs": 4490, "lon": 118.838, "lat": 30.985}),
        project_data(industry="C2614", location={"crs": 4490, "lon": 118.8025, "lat": 30.985}),
        project_data(location={"crs": 4490, "wkt": "POLYGON ((118.835 30.98, 118.845 30.98, 118.845 30.99, 118.835 30.98))"}),
        project_data(industry="C3360", processes=["electroplating"]),
        {**project_data(), "wastewater": {"route": "indirect", "flow": "2500 m3/d", "operating_days": 300,
                                          "effluent": {"COD": "900 mg/L", "Cr6": "0.2 mg/L"}}},
        project_data(location={"crs": 4490, "lon": 118.95, "lat": 30.985}),  # east of the only control unit
        {k: v for k, v in project_data(industry="C1713").items() if k != "wastewater"},  # dyeing, no wastewater
    ]
    stack = {"id": "S", "height_m": 12, "concentrations": {"SO2": "100 mg/m3"}, "rates": {"SO2": "0.1 kg/h"},
             "so2_source": "use"}
    scenarios += [project_data(industry="C1781", processes=["dyeing"]),
                  project_data(industry="C1713", processes=["dyeing"],  # GB 4287 lists no petroleum: not cross-applied
                               wastewater={"route": "indirect", "flow": "500 m3/d", "operating_days": 300,
                                           "effluent": {"COD": "100 mg/L", "petroleum": "8 mg/L"}}),
                  project_data(wastewater=None, air={"stacks": [stack]}),
                  project_data(wastewater={"route": "indirect", "flow": "500 m3/d", "operating_days": 300})]
    for data in scenarios:
        produced |= set(codes(screen(project_from_data(data), small_catalog_module, on=ON)))
    laxer_wwtp = park_spec(wwtp={"name": "W", "capacity": 10000, "effluent_class": "2"},
                           receiving_water={"name": "L", "kind": "lake", "target_class": "IV", "attained": True})
    class1_air = park_spec(air_grade="1")
    for i, park in enumerate((laxer_wwtp, class1_air)):
        catalog = load_catalog(write_catalog(tmp_path / f"park{i}", park=park))
        produced |= set(codes(screen(project_from_data(project_data(air={"stacks": [stack]})), catalog, on=ON)))
    assert produced == set(FINDING_CODES), set(FINDING_CODES) - produced
