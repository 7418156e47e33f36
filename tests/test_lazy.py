"""What a cold ``regional-eia screen`` needs and no more: the small-input paths that spare it pandas agree
with pandas, and a screening of one project imports none of the heavy libraries it does not use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from regional_eia.arrays import SMALL, factorize, unique

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, -0.0, 1.5, float("nan")]),
                     st.sampled_from(["", "a", "A", "工业园", "nan", "None"]))


def _as_array(values: list, kind: str) -> np.ndarray:
    if kind == "object":
        return np.array(values + [None], dtype=object)[:-1]
    return np.array(values, dtype=kind)


@settings(max_examples=300, deadline=None)
@given(st.lists(_scalars, max_size=40))
def test_factorize_agrees_with_pandas_on_objects(values):
    array = _as_array(values, "object")
    for apart in (False, True):
        codes, count = factorize(array, missing_apart=apart)
        expected, uniques = pd.factorize(array, use_na_sentinel=apart)
        assert codes.tolist() == expected.tolist() and count == len(uniques)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, float("nan"), float("inf")]), max_size=30),
       st.sampled_from(["float64", "int64", "bool", "str"]))
def test_factorize_and_unique_agree_with_pandas_on_typed_arrays(values, kind):
    array = np.array(values, dtype="float64")
    if kind == "int64":
        array = np.nan_to_num(array, nan=7, posinf=9).astype(np.int64)
    elif kind == "bool":
        array = array > 1
    elif kind == "str":
        array = array.astype(str)
    codes, count = factorize(array)
    expected, uniques = pd.factorize(array, use_na_sentinel=False)
    assert codes.tolist() == expected.tolist() and count == len(uniques)
    assert _same(unique(array), list(pd.unique(array)))


@settings(max_examples=300, deadline=None)
@given(st.lists(_scalars, max_size=40))
def test_unique_agrees_with_pandas_on_objects(values):
    array = _as_array(values, "object")
    assert _same(unique(array), list(pd.unique(array)))


def test_large_inputs_take_pandas_path_with_the_same_answer():
    array = np.array(["b", None, "a", float("nan")] * (SMALL // 2), dtype=object)
    codes, count = factorize(array)
    assert count == 3 and codes[:4].tolist() == [0, 1, 2, 1]
    assert _same(unique(array[:4]), unique(array))


def _same(got: list, expected: list) -> bool:
    return len(got) == len(expected) and all(
        (g is e) or (type(g) is type(e) and (g == e or (g != g and e != e))) or (g == e and not _nan(g))
        for g, e in zip(got, expected))


def _nan(value) -> bool:
    return isinstance(value, float) and value != value


def test_a_screening_imports_no_heavy_library_it_does_not_use(tmp_path):
    """``screen`` of a demo project with its catalogue compiled (the first run compiles it from the sources,
    which reads them with geopandas): the spatial path is shapely, pyproj and numpy; no pandas, geopandas,
    pyarrow, matplotlib, jinja2, SQLAlchemy or folium."""
    code = ("import sys, runpy; sys.argv = ['regional-eia', 'screen', 'examples/xuancheng-dyeing-phase2-3.yaml'];\n"
            "try:\n    runpy.run_module('cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy = ('pandas', 'geopandas', 'pyarrow', 'matplotlib', 'jinja2', 'sqlalchemy', 'folium')\n"
            "print('LOADED', sorted(m for m in heavy if m in sys.modules))")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "REGIONAL_EIA_CACHE_DIR": str(tmp_path)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env,
                              timeout=120)
    assert "FAIL" in done.stdout, done.stderr
    assert "LOADED []" in done.stdout, done.stdout[-400:]


# --- the shipped data's parse, kept between processes (standards.cache) -------------------------------


def _fresh_builtin(monkeypatch, folder):
    from standards import catalog

    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(folder))
    catalog.builtin_standards.cache_clear()
    try:
        return catalog.builtin_standards()
    finally:
        catalog.builtin_standards.cache_clear()


def test_builtin_standards_from_the_cache_are_those_from_the_yaml(monkeypatch, tmp_path):
    import warnings

    from standards import catalog

    from_yaml = catalog._load([catalog._DATA], catalog._read_yaml)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = _fresh_builtin(monkeypatch, tmp_path)  # parses, and writes the cache
        assert [p.name for p in tmp_path.glob("standards-*.json")]
        second = _fresh_builtin(monkeypatch, tmp_path)  # reads it
    for cat in (first, second):
        assert cat.standards == from_yaml.standards and cat.amendments == from_yaml.amendments
        assert cat.pollutants == from_yaml.pollutants and cat.limits == from_yaml.limits
    # GB 16297's rates by stack height are keyed by numbers, and stay numbers
    heights = [lim.value for lim in second.rows("GB16297-1996") if type(lim.value).__name__ == "HeightValue"]
    assert heights and all(isinstance(h, float | int) for v in heights for h in v.by_stack_height_m)


def test_limits_built_without_validation_equal_validated_ones():
    from standards.catalog import Limit, builtin_standards

    for limit in builtin_standards().limits:
        again = Limit(**{name: getattr(limit, name) for name in Limit.model_fields})
        assert again == limit and again.model_fields_set == limit.model_fields_set


def test_a_damaged_cache_is_parsed_again_and_said_so(monkeypatch, tmp_path):
    import pytest

    from standards.cache import ParsedCacheWarning

    good = _fresh_builtin(monkeypatch, tmp_path)
    (cached,) = tmp_path.glob("standards-*.json")
    text = cached.read_text(encoding="utf-8")
    at = text.index('"GB8978-1996"')
    cached.write_text(text[:at] + text[at:].replace("0.5", "5.0", 1), encoding="utf-8")  # still valid JSON
    with pytest.warns(ParsedCacheWarning, match="damaged"):
        again = _fresh_builtin(monkeypatch, tmp_path)
    assert again.limits == good.limits
    assert cached.read_text(encoding="utf-8") == text  # rewritten whole


def test_a_changed_file_is_parsed_again(monkeypatch, tmp_path):
    from standards.cache import parsed_files
    from standards.safeload import read_data_file

    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "a.yaml"
    parse_calls = []

    def parse(path):
        parse_calls.append(path)
        return read_data_file(path, kind="yaml")

    for text, expected in (("x: 1\n", {"x": 1}), ("x: 1\n", {"x": 1}), ("x: 2\n15: 3.5\n", {"x": 2, 15: 3.5})):
        source.write_text(text, encoding="utf-8")
        read = parsed_files("test", [("a.yaml", source)], parse)
        got = read(source)
        read.save()
        assert got == expected and [type(k) for k in got] == [type(k) for k in expected]
    assert len(parse_calls) == 2  # the second read came from the cache; the changed file did not
    assert len(list((tmp_path / "cache").glob("test-*.json"))) == 1  # the stale one removed


# --- PROJ's choice of operation, kept between processes (zones.operations) --------------------------------


def test_remembered_operations_give_the_coordinates_from_crs_gives(monkeypatch, tmp_path):
    from pyproj import CRS, Transformer

    from zones import operations

    monkeypatch.setenv("REGIONAL_EIA_CACHE_DIR", str(tmp_path))
    pairs = [(4326, 4549), (4549, 4326), (4490, 4326), (4326, 4527), (4527, 4490), (4214, 4326), (2436, 4326)]
    lon, lat = np.meshgrid(np.linspace(98, 122, 9), np.linspace(21, 42, 7))
    for round_ in range(2):  # the first builds and remembers, the second reads what was remembered
        operations._file.cache_clear()
        monkeypatch.setattr(operations, "_BOOK", None)
        for a, b in pairs:
            src, dst = CRS.from_epsg(a), CRS.from_epsg(b)
            if src.is_projected:
                x, y = Transformer.from_crs(4326, src, always_xy=True).transform(lon.ravel(), lat.ravel())
            else:
                x, y = lon.ravel(), lat.ravel()
            expected = Transformer.from_crs(src, dst, always_xy=True).transform(x, y)
            got = operations.best_transformer(src, dst).transform(x, y)
            assert np.array_equal(got[0], expected[0], equal_nan=True), (a, b, round_)
            assert np.array_equal(got[1], expected[1], equal_nan=True), (a, b, round_)
    assert list(tmp_path.glob("operations-*.json"))
