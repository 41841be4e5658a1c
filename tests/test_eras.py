import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import haiha_geo
from haiha_geo import eras, registry
from haiha_geo.errors import UnknownEraError
from haiha_geo.geometry import pairwise_overlaps

COUNTS = {"2019": 16, "2020": 11, "2025": 4}


@pytest.mark.parametrize("era", registry.ERAS)
def test_units_per_era(era):
    layer = haiha_geo.units(era)
    assert len(layer) == COUNTS[era] and layer.crs.to_epsg() == 4326
    assert layer["unit_id"].str.startswith(era + "/").all()
    for column in ["unit_id", "code", "name", "type", "era", "valid_from", "valid_to", "area_ha", "official_area_ha"]:
        assert column in layer.columns
    assert shapely.is_valid(layer.geometry.values).all() and (layer.area_ha > 0).all()


@pytest.mark.parametrize("source", ["gadm41", "censusvn2009"])
def test_area_totals_equal_across_eras(source):
    totals = [haiha_geo.units(e, source=source).area_ha.sum() for e in registry.ERAS]
    assert (max(totals) - min(totals)) / max(totals) < 1e-9
    assert 45_000 < totals[0] < 46_500  # the polygons stop at the shoreline (~459 km²)


@pytest.mark.parametrize("era", registry.ERAS)
def test_no_unit_overlaps_another(era):
    layer = haiha_geo.units(era, crs="EPSG:5899")
    assert sum(a for *_, a in pairwise_overlaps(layer.geometry.values, list(layer.unit_id))) < 1.0
    assert shapely.coverage_is_valid(layer.geometry.values)


def test_cleaning_moves_little_area():
    clean = eras.model().cleaning
    assert clean["coverage_valid"] and clean["repaired"] == []
    assert 0 < clean["area_moved_m2"] < 0.005 * clean["raw_area_m2"]
    assert abs(clean["clean_area_m2"] - clean["raw_area_m2"]) < 0.001 * clean["raw_area_m2"]


def test_quang_long_split_follows_the_2025_source():
    split = eras.model().split.iloc[0]
    assert split.unit_2020 == "2020/06946" and split.part_to == "2025/06922" and split.remainder_to == "2025/06946"
    assert 0 < split.part_ha < split.remainder_ha


def test_date_resolves_to_its_era():
    assert len(haiha_geo.units(date="2021-06-30")) == 11
    with pytest.raises(UnknownEraError):
        haiha_geo.units()
    with pytest.raises(UnknownEraError):
        haiha_geo.units("2020", date="2021-06-30")


def test_agreement_with_2025_source():
    agreement = haiha_geo.agreement_2025().set_index("name")
    assert (agreement.overlap_ratio > 0.8).all()
    assert agreement.loc["Đường Hoa", "overlap_ratio"] > 0.95 and agreement.loc["Quảng Đức", "overlap_ratio"] > 0.95


def test_known_point_is_in_quang_ha_in_every_era():
    assert haiha_geo.assign(shapely.points([[107.7525, 21.45167]])).iloc[0].tolist() == \
        ["2019/06922", "2020/06922", "2025/06922"]


def test_assign_agrees_with_sjoin_per_era():
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = haiha_geo.units("2019").total_bounds
    pts = gpd.GeoSeries(shapely.points(rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)), crs="EPSG:4326")
    got = haiha_geo.assign(pts)
    for era in registry.ERAS:
        layer = haiha_geo.units(era)
        joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), layer[["unit_id", "geometry"]], predicate="intersects")
        joined = joined[~joined.index.duplicated()]
        expected = joined["unit_id"].reindex(pts.index)
        same = (got[f"unit_{era}"].fillna("-") == expected.fillna("-")).mean()
        assert same > 0.999  # points exactly on a shared border may go either way


@settings(max_examples=50, deadline=None)
@given(st.floats(107.5, 107.9), st.floats(21.25, 21.65))
def test_assignment_is_consistent_with_lineage(lon, lat):
    row = haiha_geo.assign(shapely.points([[lon, lat]])).iloc[0]
    if row.isna().any():
        assert row.isna().all()
        return
    links = registry.lineage_table()
    assert ((links.from_unit_id == row.unit_2019) & (links.to_unit_id == row.unit_2020)).any()
    assert ((links.from_unit_id == row.unit_2020) & (links.to_unit_id == row.unit_2025)).any()


def test_assign_streams_a_file_in_chunks_with_the_same_answer(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(8)
    minx, miny, maxx, maxy = haiha_geo.units("2020").total_bounds
    points = gpd.GeoSeries(shapely.points(rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)), crs="EPSG:4326")
    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame(geometry=points).to_file(path)
    streamed = haiha_geo.assign(path, chunk_features=64)
    pd.testing.assert_frame_equal(streamed, haiha_geo.assign(points))
