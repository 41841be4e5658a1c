"""Map pages: determinism, offline assets, escaping, specs, simplification, provenance, CLI.

The browser half (rendering, controls, payloads opened in Chromium) is in
``test_maps_browser.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from haiha_geo import eras, registry
from haiha_geo.crs import PLANNING_CRS, to_planning
from haiha_geo.errors import InputFileError
from haiha_geo.maps import build_map, load_spec
from haiha_geo.maps.builder import resolve_tiles
from haiha_geo.maps.page import safe_json
from haiha_geo.maps.topology import decode, encode, grid_digits, simplify_hierarchy

PAYLOADS = [
    '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
    "</script><script>window.__xss=(window.__xss||0)+1</script>",
    "${window.__xss=(window.__xss||0)+1}",
    "javascript:window.__xss=(window.__xss||0)+1",
    '"><svg onload="window.__xss=1">',
    "`;window.__xss=1;`",
    "line\u2028separator\u2029end",
]


def data_block(html: str) -> dict:
    """The JSON data block of a page."""
    match = re.search(r'<script type="application/json" id="haiha-data-[^"]+">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def default_page():
    return build_map(offline=True)


@pytest.fixture(scope="module")
def merger_page():
    return build_map("maps/mergers.toml", offline=True)


def write_payload_layer(folder) -> str:
    """A GeoJSON layer inside the district whose attribute names and values are XSS payloads."""
    features = []
    for i, payload in enumerate(PAYLOADS):
        x, y = 107.70 + 0.01 * i, 21.45
        features.append({"type": "Feature", "properties": {"name": payload, "ghi chú": payload, payload: "v",
                                                           "url": "javascript:window.__xss=1"},
                         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.008, y],
                                                                          [x + 0.008, y + 0.008],
                                                                          [x, y + 0.008], [x, y]]]}})
    features.append({"type": "Feature", "properties": {"name": PAYLOADS[0], "ghi chú": "https://example.org/a?b=<c>"},
                     "geometry": {"type": "Point", "coordinates": [107.76, 21.47]}})
    path = folder / "payload.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return str(path)


def write_payload_spec(folder) -> str:
    layer = write_payload_layer(folder)
    title = json.dumps("Bản đồ " + PAYLOADS[0] + PAYLOADS[1], ensure_ascii=False)
    name = json.dumps(PAYLOADS[0] + " lớp", ensure_ascii=False)
    spec = folder / "payload.toml"
    spec.write_text(f"""title = {title}
[[layers]]
id = "era2020"
kind = "era"
era = "2020"
name = {name}
labels = true
[[layers]]
id = "era2025"
kind = "era"
era = "2025"
name = {json.dumps(PAYLOADS[1], ensure_ascii=False)}
[[layers]]
id = "user"
kind = "file"
path = {json.dumps(layer)}
name = {json.dumps(PAYLOADS[2], ensure_ascii=False)}
[[compare]]
name = {json.dumps(PAYLOADS[4], ensure_ascii=False)}
left = "era2020"
right = "era2025"
show = true
""", encoding="utf-8")
    return str(spec)


# ---- determinism ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [None, "maps/mergers.toml"])
def test_two_renders_are_byte_identical(spec, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    build_map(spec, offline=True).save(first)
    build_map(spec, offline=True).save(second)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()


def test_no_random_ids(default_page):
    html = default_page.html
    assert not re.search(r"_[0-9a-f]{32}\b", html), "branca's random ids are replaced"
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids and all(i.startswith(("map_haiha", "haiha")) for i in ids)


# ---- offline --------------------------------------------------------------------------------------------

def test_offline_page_references_nothing_outside(default_page):
    html = default_page.html
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert "cdn." not in html and "jquery" not in html.lower() and "bootstrap" not in html.lower()
    # every url() is a data: URI or a reference inside the page (#default#VML, the hatching pattern "url(#")
    assert not re.search(r"url\((?!data:|#default#VML|#\" \+ hatchPattern)", html), "url() outside the page"
    assert "L.version" in html or 't.version="1.9.3"' in html


def test_online_page_links_leaflet_and_still_inlines_own_controls():
    page = build_map("maps/mergers.toml")
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in page.html
    assert "HaihaMap.init(" in page.html and "function toVN2000" in page.html
    assert "tile.openstreetmap.org" in page.html


def test_tiles_template_and_folder(tmp_path):
    (tmp_path / "12" / "3").mkdir(parents=True)
    (tmp_path / "12" / "3" / "4.png").write_bytes(b"")
    url, _ = resolve_tiles(str(tmp_path), offline=True)
    assert url.startswith("file://") and url.endswith("/{z}/{x}/{y}.png")
    with pytest.raises(InputFileError, match="template"):
        resolve_tiles("https://example.org/tiles.png", offline=True)
    page = build_map("maps/mergers.toml", offline=True, tiles="https://tiles.example.org/{z}/{x}/{y}.png")
    assert "tiles.example.org" in page.html


# ---- safety ---------------------------------------------------------------------------------------------

def test_safe_json_cannot_end_the_script_block():
    text = safe_json({"a": PAYLOADS[1], "b": "\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text)["a"] == PAYLOADS[1]


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.text() | st.integers() | st.booleans() | st.none(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=12))
def test_safe_json_round_trips_and_never_closes_a_tag(value):
    text = safe_json(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value


def test_fixed_ids_restore_random_ids():
    import folium

    build_map("maps/mergers.toml", offline=True)
    assert re.fullmatch(r"map_[0-9a-f]{32}", folium.Map(tiles=None).get_name())


def test_payloads_never_reach_markup_or_script_source(tmp_path):
    html = build_map(write_payload_spec(tmp_path), offline=True).html
    for raw in ("<img src=x", "</script><script>window", "<svg onload"):
        assert raw not in html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert scripts and all("__xss" not in s for s in scripts), "no user data in JavaScript source"
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert "&lt;img src=x" in title
    data = data_block(html)
    assert data["layers"][0]["name"] == PAYLOADS[0] + " lớp", "data round-trips unchanged"


# ---- specs ----------------------------------------------------------------------------------------------

def test_shipped_specs_load():
    assert load_spec().eras == ["2019", "2020", "2025"]
    spec = load_spec("maps/mergers.toml")
    assert [lay.kind for lay in spec.layers][:2] == ["merger", "merger"] and len(spec.compare) == 2


@pytest.mark.parametrize("body, key", [
    ('layers = [{id = "a", kind = "era", era = "2019"}]', "title"),
    ('title = "x"\nlayers = [{id = "a", kind = "era", era = "1999"}]', "layers[0].era"),
    ('title = "x"\nlayers = [{id = "a", kind = "epochs", era = "2019"}]', "layers[0].kind"),
    ('title = "x"\nlayers = [{id = "a b", kind = "era", era = "2019"}]', "layers[0].id"),
    ('title = "x"\nlayers = [{id = "a", kind = "era", era = "2019", colour = "red"}]', "layers[0].colour"),
    ('title = "x"\nlayers = [{id = "a", kind = "era", era = "2019", style = {color = "red;x:y"}}]',
     "layers[0].style.color"),
    ('title = "x"\nlayers = [{id = "a", kind = "merger", from = "2025", to = "2020"}]', "layers[0].to"),
    ('title = "x"\nlayers = [{id = "a", kind = "era", era = "2019"}]\ncompare = [{left = "a", right = "b"}]',
     "compare[0].right"),
    ('title = "x"\nlayers = [{id = "a", kind = "era", era = "2019"}]\n[controls]\nsearch = 1', "controls.search"),
    ('title = "x"\ntolerance_m = -5\nlayers = [{id = "a", kind = "era", era = "2019"}]', "tolerance_m"),
    ('title = "x"\nlayers = [', None),
])
def test_bad_specs_name_file_and_key(tmp_path, body, key):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        load_spec(path)
    assert str(path) in str(info.value)
    if key:
        assert repr(key) in str(info.value)


# ---- size: simplification and encoding ------------------------------------------------------------------

def decoded_eras(page) -> dict[str, list[shapely.Geometry]]:
    """Rebuild each era's stored polygons (EPSG:5899) from a page's data block."""
    data = data_block(page.html)
    topo = data["topology"]
    digits = round(-np.log10(topo["transform"]["scale"][0]))
    arcs = []
    for flat in topo["arcs"]:
        xy = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0)
        arcs.append([tuple(p) for p in xy.tolist()])

    class Topo:
        pass

    t = Topo()
    t.digits, t.arcs = digits, arcs
    out = {}
    for era in registry.ERAS:
        geoms = [decode(t, obj["arcs"]) for obj in topo["objects"][era]]
        out[era] = list(to_planning(gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")).geometry)
    return out


def test_stored_eras_are_clean_coverages_within_tolerance(default_page):
    stored = decoded_eras(default_page)
    outlines = []
    for era, geoms in stored.items():
        original = eras.units(era, crs=PLANNING_CRS)
        assert len(geoms) == len(original)
        assert shapely.coverage_is_valid(np.asarray(geoms, dtype=object), gap_width=1.0), f"gaps/overlaps in {era}"
        moved = shapely.hausdorff_distance(shapely.boundary(np.asarray(geoms, dtype=object)),
                                           shapely.boundary(original.geometry.values), densify=0.25)
        assert moved.max() <= default_page.stats["tolerance_m"]
        outlines.append(shapely.coverage_union_all(np.asarray(geoms, dtype=object)))
    assert outlines[0].symmetric_difference(outlines[1]).area < 1.0, "eras share one outline"
    assert outlines[0].symmetric_difference(outlines[2]).area < 1.0


def test_stats_report_vertices_bytes_displacement(default_page):
    s = default_page.stats
    assert s["vertices_after"] <= s["vertices_before"] and 0 < s["stored_vertices"] < s["vertices_after"] / 2
    assert 0 < s["max_displacement_m"] <= 20 and s["html_bytes"] == len(default_page.html.encode())
    assert s["data_bytes"] < 60_000 and s["coordinate_decimals"] == grid_digits(20)


@pytest.mark.parametrize("tolerance", [2.0, 50.0])
def test_tolerance_is_a_bound_and_recorded(tolerance):
    page = build_map("maps/mergers.toml", offline=True, tolerance_m=tolerance)
    assert page.stats["max_displacement_m"] <= tolerance
    assert f'name="haiha-geo:tolerance_m" content="{tolerance}"' in page.html


def test_simplify_hierarchy_keeps_shared_borders():
    atoms = eras.model().atoms
    units, report = simplify_hierarchy(atoms, ["unit_2019", "unit_2025"], 20.0)
    assert report.coverage_valid and report.max_displacement_m <= 20.0
    whole = [shapely.coverage_union_all(list(units[lv].values())) for lv in ("unit_2019", "unit_2025")]
    assert whole[0].symmetric_difference(whole[1]).area < 1e-3


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(1, 4), st.integers(0, 2**16))
def test_encode_decode_round_trip_on_grid_coverages(nx, ny, seed):
    rng = np.random.default_rng(seed)
    xs = np.cumsum(rng.integers(1, 50, nx + 1)) / 1000 + 107.0
    ys = np.cumsum(rng.integers(1, 50, ny + 1)) / 1000 + 21.0
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(nx) for j in range(ny)]
    merged = [shapely.union_all(cells[: len(cells) // 2]), shapely.union_all(cells[len(cells) // 2:])]
    topo, objects = encode({"cells": cells, "merged": merged}, 3)
    for name, geoms in (("cells", cells), ("merged", merged)):
        for geom, arcs in zip(geoms, objects[name]):
            assert decode(topo, arcs).normalize().equals_exact(geom.normalize(), 1e-9)
    assert topo.vertices < sum(shapely.get_num_coordinates(cells)) + sum(shapely.get_num_coordinates(merged))


# ---- provenance -----------------------------------------------------------------------------------------

def test_provenance_footer_meta_and_json(default_page):
    html = default_page.html
    prov = json.loads(re.search(r'<script type="application/json" id="haiha-provenance">(.*?)</script>',
                                html, re.S).group(1))
    assert prov["toolkit"].startswith("haiha_geo ") and prov["eras"] == ["2019", "2020", "2025"]
    assert "EPSG:6960" in prov["transformation"] and "EPSG:5899" in prov["crs"]
    assert prov["tolerance_m"] == 20.0 and prov["generated_from"] == "maps/district.toml"
    assert all(re.fullmatch(r"[0-9a-f]{64}", s["sha256"]) for s in prov["sources"]) and prov["sources"]
    footer = re.search(r'<footer class="haiha-footer"[^>]*>(.*?)</footer>', html, re.S).group(1)
    for text in ("haiha_geo", "EPSG:6960", "Dung sai", prov["sources"][0]["sha256"]):
        assert text in footer
    assert '<meta name="haiha-geo:eras" content="2019; 2020; 2025">' in html


def test_user_layer_recorded_with_sha256(tmp_path):
    layer = write_payload_layer(tmp_path)
    page = build_map("maps/mergers.toml", offline=True, layers=[layer])
    digest = hashlib.sha256(Path(layer).read_bytes()).hexdigest()
    assert digest in page.html


# ---- CLI ------------------------------------------------------------------------------------------------

def test_cli_default_map(cli, tmp_path):
    out = tmp_path / "district.html"
    run = cli("map", "--out", str(out), "--offline")
    assert run.code == 0 and out.is_file()
    assert "largest displacement" in run.err and "vertices" in run.err
    assert out.read_text(encoding="utf-8") == build_map(offline=True).html


@pytest.mark.parametrize("args, message", [
    (["maps/none.toml"], "does not exist"),
    (["--tiles", "not-a-template"], "--tiles"),
    (["--layer", "missing.geojson"], "does not exist"),
    (["--tolerance", "0"], "--tolerance"),
])
def test_cli_bad_input_exits_2(cli, tmp_path, args, message):
    run = cli("map", *args, "--out", str(tmp_path / "x.html"))
    assert run.code == 2 and message in run.err and "Traceback" not in run.err
    assert not (tmp_path / "x.html").exists()


def test_cli_rejects_non_html_out(cli, tmp_path):
    assert cli("map", "--out", str(tmp_path / "x.png")).code == 2


# ---- sites and new-rural layers (issue 4) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def projects_page():
    return build_map("maps/projects.toml", offline=True)


def test_sites_layer_icons_popups_and_dashed_host_footprints(projects_page):
    import importlib

    frame = importlib.import_module("haiha_geo.project_sites").sites()
    # drawn: a cited point, or host units that bound a stated area (an area-less site has no cited location)
    located = frame[frame.geometry.notna() & ((frame["footprint_basis"] != "host_units") | frame["area_ha"].notna())]
    assert "bac_phong_sinh_gate" not in set(located["site_id"])
    data = data_block(projects_page.html)
    layer = next(lay for lay in data["layers"] if lay["id"] == "sites")
    strings = data["strings"]
    icons = [f for f in layer["features"] if f["geometry"]["type"] == "Point"]
    outlines = data["topology"]["objects"]["sites:footprints"]  # dissolved from the units: shared arcs
    assert layer["objects"] == ["sites:footprints"]
    assert len(icons) == len(located) and all(f["properties"]["symbol"] for f in icons)
    hosted = (located["footprint_basis"] == "host_units").sum()
    assert len(outlines) == hosted
    bounds = set(located[located["footprint_upper_bound"]]["name_vi"])
    for f in outlines:  # an upper bound is hatched, dashed and named as the possible extent, never as the site
        style, title = f["properties"]["style"], f["properties"]["title"]
        upper = title.startswith("Phạm vi có thể của ")
        assert upper == bool(style.get("hatch")) == bool(style.get("dashArray")), title
        assert upper == (title.removeprefix("Phạm vi có thể của ") in bounds)
    assert {f["properties"]["title"] for f in outlines} >= {"Phạm vi có thể của KCN Texhong Hải Hà (giai đoạn 1)",
                                                           "Xã đảo Cái Chiên"}
    assert projects_page.stats["stored_vertices"] == build_map(offline=True).stats["stored_vertices"]
    rows = {strings[k] if isinstance(k, int) else k: strings[v] if isinstance(v, int) else v
            for f in icons if f["properties"]["title"].startswith("KCN Texhong")
            for k, v in f["properties"]["rows"]}
    assert rows["Diện tích"] == "660 ha" and rows["Văn bản"] == "chưa xác định" and "NSO-TEXHONG" in rows["Nguồn"]
    assert any("Không có vị trí" in item["label"] and "Cửa khẩu Bắc Phong Sinh" in item["label"]
               for item in layer["legend"])


def test_ntm_layer_has_every_year_and_era(projects_page):
    data = data_block(projects_page.html)
    layer = next(lay for lay in data["layers"] if lay["id"] == "ntm")
    assert layer["years"][0] == "2015" and layer["years"][-1] == "2025" and layer["year"] == "2019"
    objects = data["topology"]["objects"]
    per_year = {y: sum(y in o["properties"]["byYear"] for name in layer["objects"] for o in objects[name])
                for y in ("2019", "2020", "2025")}
    assert per_year == {"2019": 16, "2020": 11, "2025": 4}
    statuses_2019 = [o["properties"]["byYear"]["2019"][0] for o in objects["ntm:2019"]]
    assert statuses_2019.count("met") == 12 and statuses_2019.count("not_met") == 3


@pytest.mark.parametrize("suffix, driver", [(".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".geojson", "GeoJSON")])
def test_user_layer_from_any_vector_format(tmp_path, suffix, driver):
    frame = gpd.GeoDataFrame({"name": ["Khu đất A", "Khu đất B"], "dien_tich": [1.5, 2.25]},
                             geometry=[shapely.box(500000, 2371000, 501000, 2372000),
                                       shapely.box(501000, 2371000, 502000, 2372000)], crs="EPSG:5899")
    path = tmp_path / f"plots{suffix}"
    frame.to_file(path, driver=driver)
    page = build_map("maps/mergers.toml", offline=True, layers=[str(path)])
    layer = next(lay for lay in data_block(page.html)["layers"] if lay["id"] == "user1")
    assert layer["name"] == path.name and [f["properties"]["title"] for f in layer["features"]] == [
        "Khu đất A", "Khu đất B"]
    x, y = layer["features"][0]["geometry"]["coordinates"][0][0]
    assert 107.74 < x < 107.77 and 21.43 < y < 21.46, "reprojected to lon/lat through the pinned transformation"


def test_byte_identical_across_processes(tmp_path):
    import subprocess
    import sys

    digests = set()
    for name in ("a.html", "b.html"):
        subprocess.run([sys.executable, "-m", "haiha_geo", "map", "--offline", "--out", str(tmp_path / name)],
                       check=True, capture_output=True)
        digests.add(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert len(digests) == 1
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == build_map(offline=True).html


def test_popup_notes_are_vietnamese(projects_page):
    """Authored notes reach the popups in Vietnamese (``note_vi``); the English stays in the tables."""
    data = data_block(projects_page.html)
    strings = data["strings"]
    notes = [strings[n] if isinstance(n, int) else n for o in data["topology"]["objects"].values() for g in o
             for _, n in g["properties"].get("byYear", {}).values()]
    sites = next(lay for lay in data["layers"] if lay["id"] == "sites")
    notes += [strings[v] if isinstance(v, int) else v for f in sites["features"] for k, v in f["properties"]["rows"]
              if (strings[k] if isinstance(k, int) else k) == "Ghi chú"]
    assert notes and not any(word in n for n in notes for word in ("not yet met", " not found", "met by the end"))
    assert any("chưa đạt vào cuối năm 2019" in n for n in notes)


def _texts(data: dict) -> str:
    """Every string of a page's data block, interned or not, joined by newlines."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(data)
    return "\n".join(found)


def test_popups_say_a_commune_whose_code_was_kept_was_merged(default_page):
    """Quảng Thành (2020) was merged into xã Quảng Đức, which keeps its code: it did not "go on as" Quảng Đức."""
    text = _texts(data_block(default_page.html))
    assert "nhập vào (giữ mã) xã Quảng Đức" in text and "xã Quảng Thành (nhập vào, giữ mã)" in text
    assert "tiếp tục là xã Quảng Đức" not in text and "Quảng Thành (giữ tên)" not in text
    assert "tiếp tục là thị trấn Quảng Hà" in text  # 2019 → 2020: the town went on, others merged into it
