"""CRS handling: GK zones, EPSG:4490, and GCJ-02/BD-09 against published coordinate pairs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from zones.crs import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gk_crs_for_longitude,
    metric_crs_for,
    parse_crs,
    to_wgs84,
    wgs84_to_gcj02,
)
from zones.errors import CRSError

# Published pairs: wandergis/coordtransform, test/app.js (input 116.404, 39.915 in each case).
PUBLISHED = {
    "bd09togcj02": (116.39762729119315, 39.90865673957631),
    "gcj02tobd09": (116.41036949371029, 39.92133699351021),
    "wgs84togcj02": (116.41024449916938, 39.91640428150164),
    # their gcj02towgs84 is the one-step approximation; ours iterates to the exact inverse
    "gcj02towgs84_approx": (116.39775550083061, 39.91359571849836),
}


def test_forward_transforms_match_published_pairs():
    assert np.allclose(wgs84_to_gcj02(116.404, 39.915), PUBLISHED["wgs84togcj02"], atol=1e-12, rtol=0)
    assert np.allclose(gcj02_to_bd09(116.404, 39.915), PUBLISHED["gcj02tobd09"], atol=1e-12, rtol=0)
    assert np.allclose(bd09_to_gcj02(116.404, 39.915), PUBLISHED["bd09togcj02"], atol=1e-12, rtol=0)


def test_inverse_is_exact_and_close_to_the_published_approximation():
    lon, lat = gcj02_to_wgs84(*PUBLISHED["wgs84togcj02"])
    assert (float(lon), float(lat)) == pytest.approx((116.404, 39.915), abs=1e-9)
    approx = gcj02_to_wgs84(116.404, 39.915)
    assert np.allclose(approx, PUBLISHED["gcj02towgs84_approx"], atol=2e-5)  # ~2 m: the one-step error


china = st.tuples(st.floats(min_value=74, max_value=134), st.floats(min_value=4, max_value=53))


@given(china)
def test_gcj02_round_trip_below_a_millimetre(point):
    lon, lat = point
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.allclose(back, (lon, lat), atol=1e-8, rtol=0)


@given(china)
def test_bd09_round_trip(point):
    lon, lat = point
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert np.allclose(back, (lon, lat), atol=1e-5, rtol=0)  # BD-09's published inverse is approximate


def test_outside_china_gcj02_is_identity():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


@pytest.mark.parametrize("lon,epsg", [(118.76, 4549), (115.81, 4548), (119.18, 4549), (75.0, 4534), (134.9, 4554)])
def test_gk_zone_by_longitude(lon, epsg):
    crs = gk_crs_for_longitude(lon)
    assert crs.to_epsg() == epsg
    assert f"{round(lon / 3) * 3}" in crs.name


def test_metric_crs_keeps_projected_and_picks_gk_for_geographic():
    assert metric_crs_for(CRS.from_epsg(4528), 118.8).to_epsg() == 4528
    assert metric_crs_for(CRS.from_epsg(4490), 118.8).to_epsg() == 4549


@pytest.mark.parametrize("spec", ["GCJ-02", "gcj02", "Mars"])
def test_parse_offsets(spec):
    assert parse_crs(spec) == "gcj02"


@pytest.mark.parametrize("spec", [None, "", "EPSG:999999", "not a crs"])
def test_parse_bad_crs(spec):
    with pytest.raises(CRSError):
        parse_crs(spec)


@given(st.floats(min_value=118.6, max_value=121.4), st.floats(min_value=25, max_value=40))
def test_gk_zone_with_and_without_zone_number_agree(lon, lat):
    # EPSG:4528 (zone 40, false easting 40,500,000) and 4549 (CM 120E, 500,000) differ only by the prefix
    x1, y1 = Transformer.from_crs(4490, 4528, always_xy=True).transform(lon, lat)
    x2, y2 = Transformer.from_crs(4490, 4549, always_xy=True).transform(lon, lat)
    assert x1 - x2 == pytest.approx(40_000_000, abs=1e-6)
    assert y1 == pytest.approx(y2, abs=1e-6)
    back = to_wgs84(np.array([x2]), np.array([y2]), CRS.from_epsg(4549))
    assert np.allclose(np.ravel(back), (lon, lat), atol=1e-9)
