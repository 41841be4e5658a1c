import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj.transformer import TransformerGroup

from haiha_geo import crs
from haiha_geo.errors import CRSError

KNOWN = (107.7525, 21.45167, 500064.012, 2372959.797)


def test_known_point_forward_and_back():
    e, n = crs.transform_xy(KNOWN[0], KNOWN[1])
    assert abs(e - KNOWN[2]) < 0.01 and abs(n - KNOWN[3]) < 0.01
    lon, lat = crs.transform_xy(KNOWN[2], KNOWN[3], "EPSG:5899", "EPSG:4326")
    assert abs(lon - KNOWN[0]) < 1e-7 and abs(lat - KNOWN[1]) < 1e-7


def _proj_operation(name: str):
    group = TransformerGroup("EPSG:4326", "EPSG:5899", always_xy=True)
    return next(t for t in group.transformers if name in t.description)


@pytest.mark.parametrize("lon,lat", [(107.52, 21.26), (107.7525, 21.45167), (107.82, 21.64), (107.65, 21.35)])
def test_pinned_pipeline_is_epsg_6960(lon, lat):
    official = _proj_operation("VN-2000 to WGS 84 (2)").transform(lon, lat)
    ours = crs.transform_xy(lon, lat)
    assert np.hypot(official[0] - ours[0], official[1] - ours[1]) < 1e-6
    other = _proj_operation("VN-2000 to WGS 84 (1)").transform(lon, lat)
    assert np.hypot(other[0] - ours[0], other[1] - ours[1]) > 0.5  # the pin matters


@settings(max_examples=200, deadline=None)
@given(st.floats(107.5, 107.9), st.floats(21.2, 21.7))
def test_round_trip(lon, lat):
    e, n = crs.transform_xy(lon, lat)
    back = crs.transform_xy(e, n, "EPSG:5899", "EPSG:4326")
    assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7  # ~1 cm; PROJ inverts the Helmert step iteratively


def test_to_planning_keeps_columns_and_index():
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(KNOWN[:2])], crs="EPSG:4326", index=[7])
    out = crs.to_planning(frame)
    assert out.crs.to_epsg() == 5899 and list(out.columns) == ["name", "geometry"] and out.index.tolist() == [7]
    assert out.geometry.iloc[0].distance(shapely.Point(KNOWN[2:])) < 0.01
    assert crs.to_geographic(out).geometry.iloc[0].distance(shapely.Point(KNOWN[:2])) < 1e-8


def test_other_vn2000_crs_needs_no_datum_shift():
    utm = crs.to_planning(gpd.GeoDataFrame(geometry=[shapely.Point(KNOWN[:2])], crs="EPSG:4326")).to_crs("EPSG:3405")
    assert crs.to_planning(utm).geometry.iloc[0].distance(shapely.Point(KNOWN[2:])) < 0.01


@pytest.mark.parametrize("frame,message", [
    (gpd.GeoDataFrame(geometry=[shapely.Point(107.75, 21.45)]), "no coordinate reference system"),
    (gpd.GeoDataFrame(geometry=[shapely.Point(500064, 2372959)], crs="EPSG:4326"), "look like metres"),
    (gpd.GeoDataFrame(geometry=[shapely.Point(2.35, 48.85)], crs="EPSG:4326"), "outside Vietnam"),
    (gpd.GeoDataFrame(geometry=[shapely.Point(500064, 2372959)], crs="EPSG:3857"), "outside Vietnam"),
])
def test_require_crs_rejects(frame, message):
    with pytest.raises(CRSError, match=message):
        crs.require_crs(frame)


def test_transform_rejects_other_crs():
    with pytest.raises(CRSError, match="EPSG:4326 ↔ EPSG:5899"):
        crs.transform_xy(1, 2, "EPSG:3857", "EPSG:5899")
    with pytest.raises(CRSError, match="not a coordinate reference system"):
        crs.transform_xy(1, 2, "EPSG:nonsense", "EPSG:5899")


def test_require_crs_ignores_null_geometries():
    frame = gpd.GeoDataFrame(geometry=[None, shapely.Point(107.75, 21.45)], crs="EPSG:4326")
    assert crs.require_crs(frame).to_epsg() == 4326


@pytest.mark.parametrize("stray", [1, 2_998, 4_999])
@pytest.mark.parametrize("block", [7, 1_000, 65_536])
def test_plausibility_sample_keeps_the_extreme_features(monkeypatch, stray, block):
    """Among many features only a sample is read vertex by vertex, but always the ones at the layer's edges."""
    monkeypatch.setattr(crs, "_BOUNDS_BLOCK", block)  # the bounds are read block by block
    x = 500_000 + (np.arange(5_000) % 70) * 30.0
    geoms = shapely.box(x, 2_372_000, x + 20, 2_372_020)
    geoms[stray] = shapely.box(3_500_000, 2_372_000, 3_500_020, 2_372_020)  # thousands of km east: the Pacific
    with pytest.raises(CRSError, match="outside Vietnam"):
        crs.require_crs(gpd.GeoDataFrame(geometry=geoms, crs="EPSG:5899"))
    geoms[stray] = shapely.box(500_000, 2_372_000, 500_020, 2_372_020)
    assert crs.require_crs(gpd.GeoDataFrame(geometry=geoms, crs="EPSG:5899")).to_epsg() == 5899
