"""Hostile input to ``haiha-geo map`` and :func:`build_map` (issue 8): template and script payloads in every
user string, outputs that would land on an input, bad numbers, big pages, CRS of undeclared layers.

Every case runs in ``tmp_path`` as the working directory, so the code-execution payload's marker file
(``PWNED``) would appear there if any user string reached the template engine.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import re

import geopandas as gpd
import pytest
import shapely

from haiha_geo.errors import LargeOutputWarning, OptionError, OutputPathError
from haiha_geo.maps import build_map, builder, topology

MARKER = "PWNED"
END = "|END"  # appended to every payload, so "{{ 7*7 }}" rendered would show as "49|END"
PAYLOADS = {
    "jinja-expr": "{{ 7*7 }}",
    "jinja-block": "{% for x in [1,2] %}X{% endfor %}",
    "jinja-comment": "{# c #}",
    "jinja-rce": "{{ cycler.__init__.__globals__.os.system('touch " + MARKER + "') }}",
    "jinja-constructor": '{{constructor.constructor("x")()}}',
    "js-template": "${alert(1)}",
    "js-backtick": "`;alert(1);`",
    "html-script": "</script><script>alert(1)</script>",
}
#: Payloads usable in a file or folder name (no "/").
NAME_PAYLOADS = {k: v for k, v in PAYLOADS.items() if "/" not in v}
#: GDAL cannot open a file whose name holds "`;" (a clean exit-2 read error from haiha_geo.io, not this module's).
FILE_NAME_PAYLOADS = {k: v for k, v in NAME_PAYLOADS.items() if "`" not in v}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def square(i: int = 0) -> shapely.Polygon:
    x, y = 107.70 + 0.01 * i, 21.45
    return shapely.box(x, y, x + 0.008, y + 0.008)


def write_layer(path, columns: dict[str, str], layer: str | None = None) -> str:
    frame = gpd.GeoDataFrame(columns and {k: [v] for k, v in columns.items()}, geometry=[square()], crs="EPSG:4326")
    if path.suffix == ".gpkg":
        frame.to_file(path, driver="GPKG", layer=layer)
    else:
        path.write_text(frame.to_json(ensure_ascii=False), encoding="utf-8")
    return str(path)


def data_block(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="haiha-data-[^"]+">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def assert_inert(run, out, text: str, where: str) -> None:
    """The build succeeded, nothing ran, and ``text`` is in the page as data (``where``: json or html)."""
    assert run.code == 0, run.err
    assert not os.path.exists(MARKER), "the payload ran code"
    page = out.read_text(encoding="utf-8")
    assert "@@haiha-slot" not in page
    assert f"49{END}" not in page and f"XX{END}" not in page
    if where == "json":
        assert text in json.dumps(data_block(page), ensure_ascii=False) or text in json.dumps(
            data_block(page), ensure_ascii=False).replace('\\"', '"')
    else:
        assert html.escape(text, quote=True) in page


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("place", ["attribute-values", "column-name"])
def test_layer_attributes_are_data(cli, in_tmp, payload, place):
    value = payload + END
    columns = {"name": value, "ghi chú": value, "mã": value} if place == "attribute-values" else {value: "v"}
    layer = write_layer(in_tmp / "in.geojson", columns)
    out = in_tmp / "out.html"
    run = cli("map", "--offline", "--layer", layer, "--out", str(out))
    assert_inert(run, out, value, "json")
    layers = data_block(out.read_text(encoding="utf-8"))["layers"]
    features = next(lay for lay in layers if lay["id"] == "user1")["features"]
    strings = data_block(out.read_text(encoding="utf-8"))["strings"]
    shown = [strings[x] if isinstance(x, int) else x for f in features for row in f["properties"]["rows"] for x in row]
    assert value in shown


@pytest.mark.parametrize("payload", FILE_NAME_PAYLOADS.values(), ids=FILE_NAME_PAYLOADS.keys())
def test_layer_file_name_is_data(cli, in_tmp, payload):
    name = f"{payload}_END.geojson"  # no "|": GDAL reads "file|option" as open options
    layer = write_layer(in_tmp / name, {"name": "a"})
    out = in_tmp / "out.html"
    run = cli("map", "--offline", "--layer", layer, "--out", str(out))
    assert_inert(run, out, name, "json")
    assert html.escape(name) in out.read_text(encoding="utf-8")  # footer: sources


@pytest.mark.parametrize("payload", NAME_PAYLOADS.values(), ids=NAME_PAYLOADS.keys())
def test_geopackage_attributes_are_data(cli, in_tmp, payload):
    # GDAL refuses to create a GeoPackage layer whose name holds such characters, so the payload is an attribute
    layer = write_layer(in_tmp / "in.gpkg", {"name": payload + END}, layer="plan")
    out = in_tmp / "out.html"
    assert_inert(cli("map", "--offline", "--layer", layer, "--out", str(out)), out, payload + END, "json")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_spec_title_and_layer_names_are_data(cli, in_tmp, payload):
    value = payload + END
    write_layer(in_tmp / "in.geojson", {"name": "a"})
    spec = in_tmp / "spec.toml"
    spec.write_text(f"title = {json.dumps(value)}\n"
                    f'[[layers]]\nid = "era2020"\nkind = "era"\nera = "2020"\nname = {json.dumps(value)}\n'
                    f'[[layers]]\nid = "f"\nkind = "file"\npath = "in.geojson"\nname = {json.dumps(value)}\n'
                    f'[[compare]]\nleft = "era2020"\nright = "f"\nname = {json.dumps(value)}\n', encoding="utf-8")
    out = in_tmp / "out.html"
    run = cli("map", str(spec), "--offline", "--out", str(out))
    assert_inert(run, out, value, "html")
    page = out.read_text(encoding="utf-8")
    assert f"<title>{html.escape(value, quote=True)}</title>" in page
    data = data_block(page)
    assert [lay["name"] for lay in data["layers"][:2]] == [value, value] and data["compare"][0]["name"] == value


@pytest.mark.parametrize("payload", NAME_PAYLOADS.values(), ids=NAME_PAYLOADS.keys())
def test_tile_folder_name_is_data(cli, in_tmp, payload):
    folder = in_tmp / (payload + END)
    (folder / "0" / "0").mkdir(parents=True)
    (folder / "0" / "0" / "0.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = in_tmp / "out.html"
    run = cli("map", "--offline", "--tiles", str(folder), "--out", str(out))
    assert_inert(run, out, payload + END, "json")
    assert data_block(out.read_text(encoding="utf-8"))["tiles"]["attribution"] == f"Nền: {payload}{END}"


def test_build_map_api_is_inert(in_tmp):
    layer = write_layer(in_tmp / "in.geojson", {k: v + END for k, v in PAYLOADS.items()})
    page = build_map(layers=[layer], offline=True).html
    assert not os.path.exists(MARKER) and f"49{END}" not in page


# ---- an output never overwrites an input -------------------------------------------------------------------

@pytest.mark.parametrize("out_form", ["same", "dot-dot", "hard-link"])
def test_cli_out_equal_to_layer_is_refused(cli, in_tmp, out_form):
    layer = in_tmp / "in.html"  # a GeoJSON with a misleading suffix
    layer.write_text(gpd.GeoDataFrame({"a": [1]}, geometry=[square()], crs="EPSG:4326").to_json())
    before = layer.read_bytes()
    (in_tmp / "sub").mkdir()
    out = {"same": "in.html", "dot-dot": "sub/../in.html", "hard-link": "link.html"}[out_form]
    if out_form == "hard-link":
        os.link(layer, in_tmp / out)
    run = cli("map", "--offline", "--layer", "in.html", "--out", out)
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err
    assert "in.html" in run.err and out in run.err and "never writes over" in run.err
    assert layer.read_bytes() == before


def test_cli_out_equal_to_spec_is_refused(cli, in_tmp):
    spec = in_tmp / "spec.html"
    spec.write_text('title = "x"\n[[layers]]\nid = "a"\nkind = "era"\nera = "2025"\n')
    before = spec.read_bytes()
    run = cli("map", str(spec), "--out", str(spec))
    assert run.code == 2 and "spec.html" in run.err and spec.read_bytes() == before


@pytest.mark.parametrize("which", ["layer", "spec"])
def test_save_refuses_an_input(in_tmp, which):
    layer = write_layer(in_tmp / "in.geojson", {"name": "a"})
    spec = in_tmp / "spec.toml"
    spec.write_text('title = "x"\n[[layers]]\nid = "f"\nkind = "file"\npath = "in.geojson"\n')
    result = build_map(spec, offline=True)
    target = in_tmp / "sub" / ".." / ("in.geojson" if which == "layer" else "spec.toml")
    (in_tmp / "sub").mkdir()
    before = (in_tmp / target.name).read_bytes()
    with pytest.raises(OutputPathError, match="never writes over"):
        result.save(target)
    assert (in_tmp / target.name).read_bytes() == before
    assert result.save(in_tmp / "ok.html").read_text(encoding="utf-8") == result.html
    assert layer


# ---- numbers, size, progress, CRS ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-1", "abc"])
def test_bad_tolerance_exits_2_before_work(cli, in_tmp, value):
    run = cli("map", "--layer", "missing.geojson", f"--tolerance={value}", "--out", "out.html")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "--tolerance" in run.err and "finite positive" in run.err and "missing" not in run.err
    assert not (in_tmp / "out.html").exists()


@pytest.mark.parametrize("value", [math.inf, math.nan, 0, -1])
def test_bad_tolerance_in_python(value):
    with pytest.raises(OptionError, match="tolerance_m"):
        build_map(offline=True, tolerance_m=value)


def test_large_page_warns_with_size_and_option(cli, in_tmp, monkeypatch):
    monkeypatch.setattr(builder, "LARGE_PAGE_BYTES", 1000)
    run = cli("map", "--offline", "--out", "out.html")
    assert run.code == 0
    lines = [line for line in run.err.splitlines() if line.startswith("haiha-geo: warning:")]
    assert len(lines) == 1 and "MB" in lines[0] and "--tolerance" in lines[0]
    with pytest.warns(LargeOutputWarning, match="--tolerance"):
        build_map(offline=True)


def test_small_page_does_not_warn(cli):
    assert "warning" not in cli("map", "--offline", "--out", "out.html").err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_simplifying_a_large_layer_shows_progress_on_a_terminal_only(monkeypatch, terminal):
    monkeypatch.setattr(topology, "PROGRESS_VERTICES", 10)
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    frame = gpd.GeoDataFrame(geometry=[square(i) for i in range(5)], crs="EPSG:4326")
    topology.simplify_layer(frame, 20.0)
    assert ("simplifying layer" in stream.getvalue()) is terminal


@pytest.mark.parametrize("option", ["--crs", "--assume-crs"])
def test_crs_option_reaches_a_layer_without_crs(cli, in_tmp, option):
    planning = gpd.GeoDataFrame({"name": ["a"]}, geometry=[square()], crs="EPSG:4326").to_crs("EPSG:5899")
    planning.to_file(in_tmp / "plan.shp")
    (in_tmp / "plan.prj").unlink()  # a Shapefile without .prj declares no CRS
    assert cli("map", "--offline", "--layer", "plan.shp", "--out", "a.html").code == 2
    run = cli("map", "--offline", "--layer", "plan.shp", option, "EPSG:5899", "--out", "b.html")
    assert run.code == 0, run.err
    x, y = shapely.geometry.shape(next(lay for lay in data_block((in_tmp / "b.html").read_text())["layers"]
                                       if lay["id"] == "user1")["features"][0]
                                  ["geometry"]).centroid.coords[0]
    assert abs(x - 107.704) < 0.01 and abs(y - 21.454) < 0.01


@pytest.mark.browser
def test_browser_popup_shows_payloads_literally_and_runs_nothing(in_tmp):
    from playwright.sync_api import sync_playwright
    from test_maps_browser import CHROMIUM, CHROMIUM_ARGS, open_page

    values = {k: v + END for k, v in PAYLOADS.items()}
    page = build_map(layers=[write_layer(in_tmp / "in.geojson", values)], offline=True).html
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            o = open_page(browser, page, in_tmp, "payloads")
            o.page.evaluate("() => { window.alert = () => { window.__xss = 1; }; }")
            shown = o.js("""() => {
                const texts = [];
                const g = haihaMap.layers["user1"];
                if (!haihaMap.map.hasLayer(g)) haihaMap.map.addLayer(g);
                g.haihaFeatures.eachLayer(l => { l.openPopup();
                    texts.push(l.getPopup().getElement().querySelector('.leaflet-popup-content').textContent); });
                return texts.join("\\n");
            }""")
            o.page.screenshot(path=str(in_tmp / "payloads.png"))
        finally:
            browser.close()
    for value in values.values():
        assert value in shown
    assert f"49{END}" not in shown and o.dialogs == [] and o.console_errors == []
    assert not os.path.exists(MARKER)


@pytest.mark.browser
def test_browser_large_layer_search_and_popups_show_payloads_literally(in_tmp):
    """A layer drawn on the canvas (1,000+ features): its texts reach the search results and popups as text."""
    from parcels import parcels
    from playwright.sync_api import sync_playwright
    from test_maps_browser import CHROMIUM, CHROMIUM_ARGS, open_page

    from haiha_geo.maps import userlayer

    frame = parcels(userlayer.LARGE_FEATURES)
    texts = [v + END for v in PAYLOADS.values()]
    frame["ghi_chu"] = [texts[i % len(texts)] for i in range(len(frame))]
    frame["<img src=x onerror=alert(1)>"] = "x"
    frame.to_file(in_tmp / "thua.gpkg")
    page = build_map(layers=[in_tmp / "thua.gpkg"], offline=True).html
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            o = open_page(browser, page, in_tmp, "payloads-large")
            o.page.evaluate("() => { window.alert = () => { window.__xss = 1; }; }")
            scripts = o.js("() => document.querySelectorAll('script').length")
            o.page.locator(".haiha-search input").fill("alert1")
            results = o.page.locator(".haiha-search-results li")
            shown = results.all_inner_texts()
            results.first.click()
            o.page.wait_for_selector(".leaflet-popup .haiha-popup")
            popup = o.page.locator(".leaflet-popup-content").inner_text()
            o.page.screenshot(path=str(in_tmp / "payloads-large.png"))
            assert o.js("() => document.querySelectorAll('script').length") == scripts
            assert o.js("() => document.querySelectorAll('.leaflet-container img, .haiha-search img').length") == 0
            assert o.js("() => window.__xss === undefined")
        finally:
            browser.close()
    for value in (PAYLOADS["js-template"], PAYLOADS["js-backtick"], PAYLOADS["html-script"]):
        assert any(value + END in text for text in shown), (value, shown)
    assert "<img src=x onerror=alert(1)>" in popup and END in popup
    assert o.dialogs == [] and o.console_errors == [] and not os.path.exists(MARKER)
