"""Batch and single screening are one engine: for every row, ``batch`` gives what ``screen`` gives.

Generated catalogues (the small test park with varied caps, offsets, receiving water, WWTP and
regional assessment, approved on 29 February too, stored in four CRSs) and generated rows (near the
park's boundary, near the red line and the receptor, in six CRSs including GCJ-02 and BD-09, with bad
cells of every kind) are screened both ways, in Chinese or English. For every row:

- the result the batch engine gives for it (:meth:`BatchEngine.results`) equals ``screen()`` of the
  project the row describes, on every field of the JSON contract (findings, their values, sources and
  messages, capacity checks, offsets, standards checks, the EIA category, what would have to change),
  or both refuse it with the same message;
- every column the batch writes equals :func:`result_row` of that result.
"""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regional_eia import project_from_data, screen
from regional_eia.batch.engine import BatchEngine, result_row
from regional_eia.batch.schema import parse_columns, row_to_project_data
from regional_eia.capacity import Position
from regional_eia.errors import ProjectError
from zones import load_catalog
from zones.crs import gcj02_to_bd09, transformer, wgs84_to_gcj02, WGS84

from conftest import park_spec, write_catalog

ON = dt.date(2027, 1, 1)
HEADER = ["id", "name", "industry", "processes", "lon", "lat", "x", "y", "crs", "route", "flow_m3d",
          "operating_days", "pH", "receiving_water_class", "new_outfall", "COD_mg_L", "NH3-N_mg_L", "SS_mg_L",
          "TP_mg_L", "Hg_ug_L", "ws_Cr6_mg_L", "aniline_mg_L", "SO2_t_a", "VOCs_t_a"]


# --- rows ------------------------------------------------------------------------------------------

def _number(draw, low, high):
    return draw(st.one_of(st.floats(low, high, allow_nan=False), st.integers(int(low), int(high)).map(float)))


@st.composite
def sites(draw):
    """A WGS84 point: on or near the park boundary, inside, near the red line or the receptor, or far."""
    where = draw(st.sampled_from(["west", "north", "east", "inside", "red", "receptor", "far"]))
    jitter = draw(st.sampled_from([0.0, 1e-7, -1e-7, 2e-5, -2e-5, 3e-4, -3e-4]))
    t = draw(st.floats(0.0, 1.0))
    if where == "west":
        return 118.80 + jitter, 30.97 + 0.03 * t
    if where == "north":
        return 118.80 + 0.04 * t, 31.00 + jitter
    if where == "east":
        return 118.84 + jitter, 30.97 + 0.03 * t
    if where == "inside":
        return 118.801 + 0.038 * t, 30.971 + 0.028 * draw(st.floats(0.0, 1.0))
    if where == "red":
        return 118.845 + 0.03 * t, 30.985 + jitter
    if where == "receptor":
        return 118.7985 + 0.004 * t + jitter, 30.985
    return 118.70 + 0.3 * t, 30.90 + 0.2 * draw(st.floats(0.0, 1.0))


BAD_CELLS = {
    "id": [""], "industry": ["X123", "", "C17"], "processes": ["bogus_flag"], "crs": ["EPSG:99999", ""],
    "route": ["sideways", ""], "flow_m3d": ["abc", "-5", "", "1,200", "inf"], "operating_days": ["0", "400", "x"],
    "pH": ["x", "15", "9-6", "6-"], "receiving_water_class": ["VI"], "new_outfall": ["maybe"],
    "COD_mg_L": ["-1", "n/a", "nan"], "ws_Cr6_mg_L": ["-0.1"], "VOCs_t_a": ["x", "-2"],
    "lon": ["", "abc"], "x": ["1"],
}


@st.composite
def rows(draw, number):
    """A valid row most of the time; one bad cell in about one row of five."""
    lon, lat = draw(sites())
    row: dict[str, object] = {h: "" for h in HEADER}
    row["id"] = f"P-{number}"
    row["name"] = draw(st.sampled_from(["项目", "", "plant"]))
    row["industry"] = draw(st.sampled_from(["C3484", "C1713", "1713", "C2614", "C3360", "C2511", "c3911", "C2710"]))
    row["processes"] = draw(st.sampled_from(["", "", "dyeing", "electroplating", "pretreatment;dyeing",
                                             "printing_conventional"]))
    form = draw(st.sampled_from(["4490", "EPSG:4326", "gcj02", "bd09", "4549", "EPSG:4528", "4490", "swapped"]))
    if form in ("4490", "EPSG:4326"):
        row.update(lon=repr(lon), lat=repr(lat), crs=form)
    elif form == "gcj02":
        glon, glat = wgs84_to_gcj02(lon, lat)
        row.update(lon=repr(float(glon)), lat=repr(float(glat)), crs=draw(st.sampled_from(["gcj02", "高德", "腾讯 (GCJ-02)"])))
    elif form == "bd09":
        blon, blat = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
        row.update(lon=repr(float(blon)), lat=repr(float(blat)), crs="bd09")
    elif form in ("4549", "EPSG:4528"):
        from pyproj import CRS

        x, y = transformer(WGS84, CRS.from_epsg(int(form.split(":")[-1]))).transform(lon, lat)
        row.update(x=repr(float(x)), y=repr(float(y)), crs=form)
    else:
        row.update(lon=repr(lat), lat=repr(lon), crs="4490")
    if draw(st.integers(0, 3)) > 0:
        row["route"] = draw(st.sampled_from(["indirect", "indirect", "direct", "Indirect", "间接排放", "纳管",
                                             "接管园区污水处理厂", "直排"]))
        row["flow_m3d"] = draw(st.one_of(st.just("0"), st.floats(0.5, 4000).map(repr), st.integers(1, 3000).map(str)))
        row["operating_days"] = draw(st.sampled_from(["", "300", "330", "365.5", "250"]))
        row["pH"] = draw(st.sampled_from(["", "6-9", "7", "5-10", "6~9", "8.5"]))
        row["receiving_water_class"] = draw(st.sampled_from(["", "", "", "III", "iv", "II"]))
        row["new_outfall"] = draw(st.sampled_from(["", "", "true", "false"]))
        for column, high in (("COD_mg_L", 600), ("NH3-N_mg_L", 60), ("SS_mg_L", 300), ("TP_mg_L", 8),
                             ("Hg_ug_L", 80), ("ws_Cr6_mg_L", 1.0), ("aniline_mg_L", 2.0)):
            row[column] = draw(st.one_of(st.just(""), st.just("0"), st.floats(0, high).map(repr)))
    if draw(st.booleans()):
        row["SO2_t_a"] = draw(st.one_of(st.just(""), st.floats(0, 200).map(repr)))
        row["VOCs_t_a"] = draw(st.one_of(st.just(""), st.floats(0, 200).map(repr)))
    if draw(st.integers(0, 4)) == 0:
        column = draw(st.sampled_from(sorted(BAD_CELLS)))
        row[column] = draw(st.sampled_from(BAD_CELLS[column]))
    return row


# --- catalogues ------------------------------------------------------------------------------------

@st.composite
def parks(draw):
    caps = [{"metric": "wastewater", "value": draw(st.sampled_from([3000, 10000])), "unit": "m3/d",
             "basis": draw(st.sampled_from(["final_discharge", "sewer_intake"])),
             "committed": draw(st.sampled_from([0, 1500, 2500])), "reserved": draw(st.sampled_from([0, 400]))},
            {"metric": "COD", "value": draw(st.sampled_from([50, 100])), "unit": "t/a", "basis": "final_discharge",
             "committed": draw(st.sampled_from([10, 45]))},
            {"metric": "COD", "value": 400, "unit": "t/a", "basis": "sewer_intake", "committed": 100}]
    if draw(st.booleans()):
        caps.append({"metric": "SO2", "value": 100, "unit": "t/a", "basis": "emission", "committed": 60})
    if draw(st.booleans()):
        caps.append({"metric": "NH3-N", "value": 10000, "unit": "kg/a", "basis": "final_discharge"})
    spec = park_spec(caps=caps)
    if draw(st.booleans()):
        spec["offsets"] = [{"pollutant": "COD", "ratio": 2, "reason": "not attained"},
                           {"pollutant": "SO2", "ratio": 1.5, "reason": "air"}]
    spec["receiving_water"] = {"name": "r", "target_class": draw(st.sampled_from(["III", "IV", "II"])),
                               "attained": draw(st.booleans()), "protection_zone": draw(st.booleans())}
    spec["air_attained"] = draw(st.booleans())
    spec["special_limits"] = draw(st.booleans())
    spec["wwtp"]["effluent_class"] = draw(st.sampled_from(["1A", "1B"]))
    if draw(st.booleans()):
        spec["regional_assessment"] = {"approved": draw(st.sampled_from(["2024-01-01", "2024-02-29", "2020-02-29"])),
                                       "valid_years": draw(st.sampled_from([2, 3, 5, 7])),
                                       "excluded_industries": ["C26"],
                                       "category_downgrade": draw(st.sampled_from([True, True, False]))}
    return spec


_CATALOGUES: dict = {}


def catalogue(tmp_path_factory, spec, epsg):
    key = (repr(spec), epsg)
    if key not in _CATALOGUES:
        folder = tmp_path_factory.mktemp("gen")
        _CATALOGUES[key] = load_catalog(write_catalog(folder, epsg, park=spec))
    return _CATALOGUES[key]


# --- the two paths ---------------------------------------------------------------------------------

def batch_rows(records, catalog, mode="independent", lang="en"):
    """The batch's output rows and the results it gives for them."""
    table = pa.table({h: pa.array([str(r[h]) for r in records], type=pa.string()) for h in HEADER})
    columns = parse_columns(HEADER, "test")
    engine = BatchEngine(catalog, ON, mode=mode, nearest_park=True, lang=lang)
    assessed = engine.assess(table, columns, 0)
    resolved = engine.resolve(assessed)
    rows = engine.finish(assessed, resolved).frame().to_dict("records")
    return rows, engine.results(assessed, resolved), engine


class _SequenceBook:
    """The catalogue's position plus what the earlier admitted rows of the batch took."""

    def __init__(self):
        self.taken: dict = {}

    def position(self, park_id, cap):
        key = (park_id, cap.metric, cap.basis)
        return Position(cap.committed, cap.reserved + self.taken.get(key, 0.0), "batch")

    def take(self, result):
        for check in result.capacity:
            key = (check.park, check.metric, check.basis)
            self.taken[key] = self.taken.get(key, 0.0) + check.demand


def single_results(records, catalog, mode="independent", lang="en"):
    """``screen()`` of each row's project (or the error that refuses it), in order."""
    columns = parse_columns(HEADER, "test")
    book = _SequenceBook() if mode == "sequential" else None
    out = []
    for number, record in enumerate(records, start=1):
        source = f"row {number}"
        try:
            project = project_from_data(row_to_project_data(record, columns, source), source)
            result = screen(project, catalog, on=ON, book=book, lang=lang)
        except ProjectError as exc:
            out.append(exc)
            continue
        if book is not None and result.verdict in ("pass", "conditional"):
            book.take(result)
        out.append(result)
    return out


def _message(error: ProjectError) -> str:
    return f"{error.field}: {error.why}" if error.field else error.why


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == b


def assert_agree(records, catalog, mode="independent", lang="en"):
    rows, results, engine = batch_rows(records, catalog, mode, lang)
    singles = single_results(records, catalog, mode, lang)
    assert len(rows) == len(results) == len(singles) == len(records)
    effluent = sorted(parse_columns(HEADER, "test").effluent)
    for number, (row, got, want, record) in enumerate(zip(rows, results, singles, records), start=1):
        if isinstance(want, ProjectError):
            assert isinstance(got, ProjectError), f"row {number} {record}: batch screened what screen refuses"
            assert _message(got) == _message(want), f"row {number} {record}"
            expected = result_row(None, _message(want))
        else:
            assert not isinstance(got, ProjectError), f"row {number} {record}: batch refused: {got}"
            got_json, want_json = got.model_dump(mode="json"), want.model_dump(mode="json")
            diff = {k: (got_json[k], want_json[k]) for k in want_json if got_json[k] != want_json[k]}
            assert not diff, f"row {number} {record}: batch result != screen: {diff}"
            expected = result_row(want, offset_pollutants=engine.offset_pollutants, effluent=effluent)
        diff = {k: (row.get(k), v) for k, v in expected.items() if not _same(row.get(k), v)}
        assert not diff, f"row {number} {record}: batch output != result_row(screen): {diff}"


# --- the properties --------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=parks(), epsg=st.sampled_from([4549, 4528, 4490, 4326]), lang=st.sampled_from(["en", "zh"]),
       data=st.data())
def test_batch_equals_screen(tmp_path_factory, spec, epsg, lang, data):
    catalog = catalogue(tmp_path_factory, spec, epsg)
    records = [data.draw(rows(i)) for i in range(12)]
    assert_agree(records, catalog, lang=lang)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=parks(), data=st.data())
def test_sequential_batch_equals_screen_in_order(tmp_path_factory, spec, data):
    catalog = catalogue(tmp_path_factory, spec, 4549)
    records = [data.draw(rows(i)) for i in range(15)]
    assert_agree(records, catalog, "sequential")


def test_demo_examples_as_rows(demo):
    """The demo's projects, flattened, come out of the batch as screen gives them."""
    records = []
    for lon, lat, industry, processes in [
        (118.822, 30.990, "C1713", "pretreatment;dyeing;printing_conventional"),
        (118.822, 30.990, "C3360", "electroplating"),
        (115.975, 32.935, "C2614", "organic_synthesis_reaction"),
        (115.975, 32.935, "C3360", "electroplating"),
        (119.15, 30.95, "C3484", ""),
        (119.30, 30.85, "C3484", ""),
        (117.0, 31.5, "C3484", ""),
    ]:
        row = {h: "" for h in HEADER}
        row.update(id=f"D-{len(records)}", industry=industry, processes=processes, lon=repr(lon), lat=repr(lat),
                   crs="4490", route="indirect", flow_m3d="3000", operating_days="300", pH="6-9",
                   COD_mg_L="180", **{"NH3-N_mg_L": "8"}, SO2_t_a="12.5", VOCs_t_a="18.2")
        records.append(row)
    assert_agree(records, demo)
    assert_agree(records, demo, "sequential", "zh")
