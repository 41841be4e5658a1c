"""Large user polygon layers (issue 13): the displacement bound holds, shared arcs, canvas, level of detail."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from parcels import parcels

from haiha_geo.maps import build_map, userlayer
from haiha_geo.maps.topology import decode


def data_block(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="haiha-data-[^"]+">(.*?)</script>',
                                html, re.S).group(1))


@pytest.fixture(scope="module")
def parcel_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("parcels") / "thua.gpkg"
    parcels(5_000).to_file(path)
    return path


@pytest.fixture(scope="module")
def parcel_page(parcel_file):
    return build_map(offline=True, layers=[parcel_file])


def test_reported_displacement_is_within_tolerance_and_true(parcel_page, parcel_file):
    """Measured again here: decode what the page stores, back in EPSG:5899, against the unsimplified parcels."""
    import geopandas as gpd

    stats = parcel_page.stats
    assert stats["layer_displacement_m"]["user1"] <= stats["tolerance_m"]
    layer = next(lay for lay in data_block(parcel_page.html)["layers"] if lay["id"] == "user1")

    flat = layer["topology"]["arcs"]
    points = np.cumsum(np.reshape(np.concatenate(flat), (-1, 2)), axis=0).tolist()  # chained deltas
    ends = np.cumsum([len(a) // 2 for a in flat])

    class Topo:
        digits = -round(np.log10(layer["topology"]["transform"]["scale"][0]))
        arcs = [points[e - len(a) // 2:e] for a, e in zip(flat, ends, strict=True)]  # noqa: RUF012

    assert layer["topology"]["chained"]
    stored = [decode(Topo, ids) for ids in layer["topology"]["objects"]["features"]]
    back = gpd.GeoSeries(stored, crs="EPSG:4326").to_crs("EPSG:5899").values
    original = gpd.read_file(parcel_file).geometry.values
    assert len(stored) == len(original) >= userlayer.LARGE_FEATURES
    moved = shapely.hausdorff_distance(shapely.boundary(original), shapely.boundary(back), densify=0.25)
    assert moved.max() <= stats["layer_displacement_m"]["user1"] + 0.05 <= stats["tolerance_m"] + 0.05
    assert moved.max() > 1.0, "the layer was simplified, not stored as is"


def test_parcels_share_arcs_and_ship_an_outline(parcel_page):
    layer = next(lay for lay in data_block(parcel_page.html)["layers"] if lay["id"] == "user1")
    assert layer["canvas"] and "features" not in layer and len(layer["topology"]["objects"]["outline"]) == 1
    refs = sum(len(ring) for ids in layer["topology"]["objects"]["features"] for poly in ids for ring in poly)
    assert len(layer["topology"]["arcs"]) < 0.6 * refs, "an edge two parcels share is stored once"
    assert 13 < layer["detailZoom"] < 17
    table = layer["table"]
    assert table["labels"] == ["ma_thua", "loai_dat", "dien_tich"] and "dict" in table["columns"][1]
    assert table["columns"][0]["values"][:2] == ["T000001", "T000002"]


def test_small_polygon_layer_keeps_geojson_and_the_bound(tmp_path):
    path = tmp_path / "few.gpkg"
    parcels(50).to_file(path)
    page = build_map(offline=True, layers=[path])
    layer = next(lay for lay in data_block(page.html)["layers"] if lay["id"] == "user1")
    assert len(layer["features"]) == 50 and page.stats["layer_displacement_m"]["user1"] <= 20


@pytest.mark.browser
def test_parcels_on_canvas_switch_level_of_detail_on_zoom(parcel_page, tmp_path):
    from playwright.sync_api import sync_playwright
    from test_maps_browser import CHROMIUM, CHROMIUM_ARGS, open_page

    layer = next(lay for lay in data_block(parcel_page.html)["layers"] if lay["id"] == "user1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            o = open_page(browser, parcel_page.html, tmp_path, "parcels")
            assert o.js("haihaMap.layers.user1.haihaLevel") == "outline"
            assert o.count("canvas") >= 1 and o.count("path.haiha-layer-user1") == 0, "drawn on a canvas, not SVG"
            o.page.screenshot(path=str(tmp_path / "outline.png"))
            x0, y0, x1, y1 = layer["bounds"]
            o.js(f"void haihaMap.map.setView([{(y0 + y1) / 2}, {(x0 + x1) / 2}], {int(np.ceil(layer['detailZoom']))}, "
                 "{animate: false})")
            o.page.wait_for_function("haihaMap.layers.user1.haihaLevel === 'detail'")
            assert o.js("haihaMap.layers.user1.getLayers()[0].getLayers().length") == len(
                layer["topology"]["objects"]["features"])
            assert o.count("path.haiha-layer-user1") == 0 and o.console_errors == [] and o.outside_requests == []
            o.page.screenshot(path=str(tmp_path / "detail.png"))
            o.js("Object.entries(haihaMap.layers).forEach(([id, l]) => id !== 'user1' && haihaMap.map.removeLayer(l))")
            o.page.mouse.click(640, 430)
            o.page.wait_for_selector(".haiha-popup")
            assert o.page.locator(".haiha-popup th").all_inner_texts() == ["ma_thua", "loai_dat", "dien_tich"]
            o.js("void haihaMap.map.setZoom(11, {animate: false})")
            o.page.wait_for_function("haihaMap.layers.user1.haihaLevel === 'outline'")
        finally:
            browser.close()
