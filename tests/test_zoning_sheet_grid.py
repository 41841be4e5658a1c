"""Map-sheet grids: geometry (size, alignment, cover, no overlap) tested apart from numbering."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from haiha_geo.zoning import SheetError, sheets
from haiha_geo.zoning.sheet_grid import MAX_SHEETS, sheet_grid

# Sheet sizes as the regulations state them, written here independently of layers/map_sheets.toml.
CADASTRAL_SIDE_M = {10000: 6000.0, 5000: 3000.0, 2000: 1000.0,  # TT 25/2014/TT-BTNMT Đ5 k5 [C]/[C2]
                    1000: 500.0, 500: 250.0}  # the 1:2,000 sheet in 2 x 2 and 4 x 4 squares [I]
TOPOGRAPHIC_SIDE_S = {1000000: (21600.0, 14400.0), 100000: (1800.0, 1800.0), 50000: (900.0, 900.0),
                      25000: (450.0, 450.0), 10000: (225.0, 225.0), 5000: (112.5, 112.5),
                      2000: (37.5, 37.5)}  # TT 973/2001/TT-TCĐC, arc-seconds (lon, lat)
SEAT_E, SEAT_N = 500064.012, 2372959.797  # facts §0/§6: town seat 21.45167 N, 107.7525 E in EPSG:5899

boxes = st.builds(
    lambda x, y, w, h: shapely.box(x, y, x + w, y + h),
    st.floats(490_000, 510_000), st.floats(2_360_000, 2_385_000), st.floats(1.0, 4_000.0), st.floats(1.0, 4_000.0))


def assert_cover_without_overlap(found, area):
    union = shapely.union_all(found.geometry.values)
    assert area.difference(union).area <= 1e-9 * max(area.area, 1.0)
    assert shapely.area(found.geometry.values).sum() == pytest.approx(union.area, rel=1e-12)
    assert found["sheet"].is_unique
    assert (shapely.area(shapely.intersection(found.geometry.values, area)) > 0).all()


def assert_aligned_squares(found, side):
    for geom in found.geometry:
        minx, miny, maxx, maxy = geom.bounds
        assert (maxx - minx, maxy - miny) == (side, side)
        assert minx % side == 0 and miny % side == 0
        assert geom.area == side * side


@settings(max_examples=40, deadline=None)
@given(area=boxes, scale=st.sampled_from(sorted(CADASTRAL_SIDE_M)))
def test_cadastral_sheets_are_aligned_squares_covering_without_overlap(area, scale):
    found = sheets(area, scale, "cadastral")
    assert found.crs.to_epsg() == 5899
    assert_aligned_squares(found, CADASTRAL_SIDE_M[scale])
    assert_cover_without_overlap(found, area)


@settings(max_examples=25, deadline=None)
@given(area=boxes, scale=st.sampled_from([100000, 10000, 5000, 2000]))
def test_topographic_sheets_have_regulation_size_and_cover(area, scale):
    found = sheets(area, scale, "topographic")
    assert found.crs.to_epsg() == 4756
    width, height = TOPOGRAPHIC_SIDE_S[scale]
    for geom in found.geometry:
        minx, miny, maxx, maxy = geom.bounds
        assert (maxx - minx) * 3600 == pytest.approx(width, abs=1e-6)
        assert (maxy - miny) * 3600 == pytest.approx(height, abs=1e-6)
        assert (minx * 3600 / width) == pytest.approx(round(minx * 3600 / width), abs=1e-6)
        assert (miny * 3600 / height) == pytest.approx(round(miny * 3600 / height), abs=1e-6)
    lonlat = shapely.segmentize(area, 50.0)
    import geopandas as gpd

    lonlat = gpd.GeoSeries([lonlat], crs="EPSG:5899").to_crs("EPSG:4756").iloc[0]
    assert_cover_without_overlap(found, lonlat)


def test_children_nest_in_their_parent():
    area = shapely.box(SEAT_E - 2500, SEAT_N - 2500, SEAT_E + 2500, SEAT_N + 2500)
    for system, scales in (("cadastral", (5000, 2000)), ("cadastral", (2000, 1000)), ("cadastral", (2000, 500)),
                           ("topographic", (5000, 2000))):
        parents = sheets(area, scales[0], system).set_index("sheet")
        children = sheets(area, scales[1], system)
        for child in children.itertuples():
            parent = parents.geometry.get(child.parent)
            if parent is not None:  # a parent may lie partly outside the area's cover at the coarser scale
                assert parent.buffer(1e-9).contains(child.geometry)


def test_cadastral_numbers_of_the_town_seat():
    seat = shapely.Point(SEAT_E, SEAT_N).buffer(0.5)
    numbers = {s: sheets(seat, s, "cadastral")["sheet"].tolist() for s in CADASTRAL_SIDE_M}
    # upper-left corners: 1:10,000 (E 498 km, N 2376 km), 1:5,000 (E 498 km, N 2373 km)
    assert numbers == {10000: ["10-376498"], 5000: ["373498"], 2000: ["373498-3"],
                       1000: ["373498-3-a"], 500: ["373498-3-(1)"]}


@pytest.mark.parametrize("scale, split, labels", [
    (1000, 2, [f"373498-3-{c}" for c in "abcd"]),
    (500, 4, [f"373498-3-({i})" for i in range(1, 17)]),
])
def test_large_cadastral_sheets_tile_their_2000_parent(scale, split, labels):
    parent = sheets(shapely.Point(SEAT_E, SEAT_N).buffer(0.5), 2000, "cadastral").geometry.iloc[0]
    found = sheet_grid(parent, scale, "cadastral")
    assert found["sheet"].tolist() == labels  # left to right, top to bottom
    assert set(found["parent"]) == {"373498-3"}
    assert shapely.union_all(found.geometry.values).equals(parent)
    assert shapely.area(found.geometry.values).sum() == parent.area
    side = 1000.0 / split
    minx, _, _, maxy = parent.bounds
    expected = [shapely.box(minx + c * side, maxy - (r + 1) * side, minx + (c + 1) * side, maxy - r * side)
                for r in range(split) for c in range(split)]
    assert all(g.equals(e) for g, e in zip(found.geometry.values, expected))


def test_cadastral_squares_numbered_left_to_right_top_to_bottom():
    parent = shapely.box(498_000, 2_370_000, 501_000, 2_373_000)
    found = sheets(parent, 2000, "cadastral")
    assert found["sheet"].tolist() == [f"373498-{i}" for i in range(1, 10)]
    assert [g.bounds[:2] for g in found.geometry][:4] == [(498000, 2372000), (499000, 2372000),
                                                            (500000, 2372000), (498000, 2371000)]


def test_topographic_numbers_of_the_town_seat():
    seat = shapely.Point(SEAT_E, SEAT_N).buffer(0.5)
    numbers = {s: sheets(seat, s, "topographic")["sheet"].iloc[0] for s in (1000000, 100000, 5000, 2000)}
    assert numbers == {1000000: "F-48", 100000: "F-48-72", 5000: "F-48-72-(25)", 2000: "F-48-72-(25-d)"}


def test_topographic_letters_skip_f():
    cell = sheets(shapely.Point(SEAT_E, SEAT_N).buffer(0.5), 5000, "topographic").geometry.iloc[0]
    letters = sheet_grid(cell.buffer(-1e-6), 2000, "topographic")["sheet"].str.extract(r"-(\w)\)$")[0].tolist()
    assert letters == list("abcdeghik")


def test_unknown_scale_and_system_are_errors():
    area = shapely.box(500_000, 2_372_000, 500_010, 2_372_010)
    with pytest.raises(SheetError, match="1:200 sheets"):
        sheets(area, 200, "cadastral")
    with pytest.raises(SheetError, match="unknown sheet system"):
        sheets(area, 2000, "nautical")
    with pytest.raises(SheetError, match="limit"):
        side = (MAX_SHEETS ** 0.5 + 2) * 1000
        sheets(shapely.box(400_000, 2_300_000, 400_000 + side, 2_300_000 + side), 2000, "cadastral")
