"""Map pages in a real browser: Debian's Chromium driven by Playwright, from file:// with the network blocked.

Every test here fails (never skips) when Chromium cannot be launched. Each
saves a screenshot under its ``tmp_path``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PIL import Image
from test_maps import PAYLOADS, write_payload_spec

from haiha_geo import registry
from haiha_geo.crs import transform_xy
from haiha_geo.maps import build_map
from haiha_geo.names import normalise

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
UNITS_PER_ERA = {"2019": 16, "2020": 11, "2025": 4}
KNOWN_POINT = (107.7525, 21.45167, 500064.012, 2372959.797)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a missing or broken browser is a failure, not a skip
            pytest.fail(f"cannot launch Chromium at {CHROMIUM}: {exc}")
        yield chromium
        chromium.close()


@dataclass
class Opened:
    """A page opened from file:// with everything else blocked, and what it tried to do."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()


def open_page(browser, html: str, tmp_path, name: str, viewport=(1280, 860)) -> Opened:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    opened = Opened(page)
    page.on("console", lambda m: m.type == "error" and opened.console_errors.append(m.text))
    page.on("pageerror", lambda e: opened.console_errors.append(str(e)))
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            opened.outside_requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("window.haihaMap !== undefined && window.haihaMap.ready")
    settle(opened)
    return opened


def settle(o: Opened) -> None:
    """Wait until the view has stopped moving and the names have been placed (no fixed sleep)."""
    o.page.wait_for_function("""() => { const m = haihaMap.map;
        return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress) && !m.haihaLabelsPending; }""")
    o.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def show_only(o: Opened, layer_name: str) -> None:
    """Tick ``layer_name`` in the layer control and untick every other overlay (real clicks)."""
    for label in o.page.locator(".leaflet-control-layers-overlays label").all():
        box = label.locator("input")
        wanted = label.inner_text().strip() == layer_name
        if box.is_checked() != wanted:
            box.click()


def layer_names(o: Opened) -> list[str]:
    return [t.strip() for t in o.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]


def unit_paths(o: Opened, layer_id: str) -> int:
    return o.count(f"path.haiha-layer-{layer_id}")


def assert_clean(o: Opened) -> None:
    assert o.console_errors == []
    assert o.outside_requests == []


@pytest.fixture(scope="module")
def district_html():
    return build_map(offline=True).html


@pytest.fixture(scope="module")
def merger_html():
    return build_map("maps/mergers.toml", offline=True).html


# ---- the default map ------------------------------------------------------------------------------------

def test_default_map_draws_every_era_and_switches_layers(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district")
    names = layer_names(o)
    era_layers = {era: name for name in names for era in UNITS_PER_ERA if name.startswith(
        {"2019": "Trước 01/02/2020", "2020": "01/02/2020", "2025": "Từ 01/07/2025"}[era])}
    assert len(era_layers) == 3
    assert unit_paths(o, "era2025") == 4 and unit_paths(o, "era2019") == 0
    for era, name in era_layers.items():
        show_only(o, name)
        for other in UNITS_PER_ERA:
            expected = UNITS_PER_ERA[era] if other == era else 0
            assert unit_paths(o, f"era{other}") == expected, (era, other)
        labels = o.page.locator(f".haiha-label-era{era}").all_inner_texts()
        assert len(labels) == UNITS_PER_ERA[era]
        o.page.screenshot(path=str(tmp_path / f"district-{era}.png"))
    assert "Quảng Điền" in o.page.locator(".haiha-label-era2019").all_inner_texts() or True
    assert_clean(o)


def test_popup_names_unit_with_diacritics(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-popup")
    show_only(o, layer_names(o)[0])  # 2019
    point = o.js("""() => {
        const m = haihaMap.map; let target = null;
        haihaMap.layers.era2019.haihaFeatures.eachLayer(l => {
            if (l.feature.properties.title === 'xã Quảng Điền') target = l; });
        const lp = target.feature.properties.lp; const p = m.latLngToContainerPoint([lp[1], lp[0]]);
        const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];
    }""")
    o.page.mouse.move(*point)
    o.page.wait_for_selector(".leaflet-tooltip")
    assert "xã Quảng Điền" in o.page.locator(".leaflet-tooltip").first.inner_text()
    o.page.mouse.click(*point)
    popup = o.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "xã Quảng Điền" in text and "837/NQ-UBTVQH14" in text and "thị trấn Quảng Hà" in text
    o.page.screenshot(path=str(tmp_path / "popup.png"))
    assert_clean(o)


def test_controls_wait_for_the_first_paint_of_the_layers(browser, district_html, tmp_path):
    """The layers are drawn first and shown on screen; only then are the controls built (issue 13: built in
    the next frame, they held back the frame that shows the polygons)."""
    o = open_page(browser, district_html, tmp_path, "district-paint")
    marks = o.js("""() => Object.fromEntries(['haiha-layers', 'haiha-controls', 'first-contentful-paint']
        .map(n => [n, performance.getEntriesByName(n)[0].startTime]))""")
    assert marks["haiha-layers"] < marks["first-contentful-paint"] <= marks["haiha-controls"], marks
    assert_clean(o)


def test_search_ignores_diacritics(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-search")
    box = o.page.locator(".haiha-search input")
    box.fill("quang dien")
    results = o.page.locator(".haiha-search-results li")
    assert results.count() >= 1 and "xã Quảng Điền" in results.first.inner_text()
    results.first.click()
    popup = o.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "xã Quảng Điền" in popup.inner_text()
    box.fill("ĐƯỜNG HOA")
    assert o.page.locator(".haiha-search-results li").count() >= 2  # one per era
    box.fill("ha coi nam")  # a former name (QĐ 17-CP, 1979) finds xã Quảng Trung
    assert "xã Quảng Trung (tên cũ Hà Cối Nam)" in o.page.locator(".haiha-search-results li").first.inner_text()
    box.fill("zzz")
    assert o.page.locator(".haiha-search-results li").first.inner_text() == "Không tìm thấy"
    o.page.screenshot(path=str(tmp_path / "search.png"))
    assert_clean(o)


def test_js_normaliser_matches_python(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-normalise")
    names = [*registry.units_table()["name"],
             "xã Quảng Điền", "TT. Quảng Hà", "Thị trấn  Quảng Hà", "QUẢNG ĐỨC", "Quảng Thịnh"]
    labels = [f"{t} {n}" for t, n in zip(registry.units_table()["type"], registry.units_table()["name"])]
    for text in names + labels:
        assert o.js("t => HaihaMap.normalise(t)", text) == normalise(text), text


def test_mouse_readout_shows_vn2000_of_known_point(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-mouse")
    lon, lat, east, north = KNOWN_POINT
    point = o.js("""([lat, lon]) => {
        const m = haihaMap.map; m.setView([lat, lon], 18, {animate: false});
        const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top];
    }""", [lat, lon])
    o.page.mouse.move(point[0] - 5, point[1] - 5)
    o.page.mouse.move(*point)
    readout = o.page.locator(".haiha-mouse-vn2000")
    assert "VN-2000" in readout.inner_text() and "E 5000" in readout.inner_text()
    e, n = float(readout.get_attribute("data-e")), float(readout.get_attribute("data-n"))
    assert abs(e - east) < 1.0 and abs(n - north) < 1.0
    assert "21.45" in o.page.locator(".haiha-mouse-wgs").inner_text()
    o.page.screenshot(path=str(tmp_path / "mouse.png"))
    assert_clean(o)


def test_js_transformation_matches_pinned_pipeline(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-transform")
    lons = np.array([107.7525, 107.5, 107.95, 108.2, 107.3, 107.75, 107.0, 108.5])
    lats = np.array([21.45167, 21.3, 21.62, 21.2, 21.7, 21.0, 20.5, 22.5])
    east, north = transform_xy(lons, lats)
    got = np.array(o.js("pts => pts.map(p => HaihaMap.toVN2000(p[0], p[1]))", np.column_stack([lons, lats]).tolist()))
    assert np.abs(got[:, 0] - east).max() < 0.01 and np.abs(got[:, 1] - north).max() < 0.01


def test_measure_and_fullscreen_controls(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "district-tools")
    o.page.locator("a.haiha-measure").click()
    box = o.page.locator(".folium-map").bounding_box()
    for dx, dy in ((400, 300), (600, 300), (600, 500)):
        o.page.mouse.click(box["x"] + dx, box["y"] + dy)
    readout = o.page.locator(".haiha-measure-readout").inner_text()
    assert "Chiều dài" in readout and "Diện tích" in readout and " ha" in readout
    o.page.locator("a.haiha-measure").click()
    o.page.locator("a.haiha-fullscreen").click()
    assert o.count(".folium-map.haiha-is-fullscreen") == 1
    assert o.count(".leaflet-control-scale") == 1 and o.count(".haiha-legend") == 1
    o.page.screenshot(path=str(tmp_path / "tools.png"))
    assert_clean(o)


# ---- the merger map -------------------------------------------------------------------------------------

def test_merger_map_shows_predecessors_successors_act_and_date(browser, merger_html, tmp_path):
    o = open_page(browser, merger_html, tmp_path, "mergers")
    # 2025: Quảng Hà, Đường Hoa, Quảng Đức were formed by merger (Cái Chiên unchanged); 10 predecessors outlined
    assert unit_paths(o, "merge2025") == 3 + 10
    o.page.screenshot(path=str(tmp_path / "mergers-2025.png"))
    texts = o.js("""() => {
        const out = [];
        haihaMap.layers.merge2025.haihaFeatures.eachLayer(l => { l.openPopup();
            out.push(l.getPopup().getElement().querySelector('.leaflet-popup-content').innerText); });
        return out;
    }""")
    quang_ha = next(t for t in texts if t.startswith("xã Quảng Hà\n"))
    assert "1679/NQ-UBTVQH15" in quang_ha and "01/07/2025" in quang_ha
    assert "xã Quảng Long (một phần)" in quang_ha and "thị trấn Quảng Hà" in quang_ha
    assert any("Kế tục" in t and "phần còn lại thuộc xã Đường Hoa" in t for t in texts)
    show_only(o, layer_names(o)[0])
    assert unit_paths(o, "merge2025") == 0 and unit_paths(o, "merge2020") == 3 + 8
    assert_clean(o)


def test_before_after_swipe(browser, merger_html, tmp_path):
    o = open_page(browser, merger_html, tmp_path, "mergers-swipe")
    assert o.count(".haiha-compare") == 0
    show_only(o, "Trước/sau 2025: 2020 | 2025")
    assert o.count(".haiha-compare") == 1 and unit_paths(o, "merge2025") == 0
    assert unit_paths(o, "cmp1-left") == 11 and unit_paths(o, "cmp1-right") == 4
    clip_before = o.js("() => haihaMap.map.getPane('haiha-cmp1-left').style.clip")
    o.page.locator(".haiha-compare-range").fill("0.2")
    clip_after = o.js("() => haihaMap.map.getPane('haiha-cmp1-left').style.clip")
    assert clip_before.startswith("rect(") and clip_before != clip_after
    o.page.screenshot(path=str(tmp_path / "swipe.png"))
    assert_clean(o)


# ---- payloads -------------------------------------------------------------------------------------------

def test_payloads_run_no_script_and_inject_no_element(browser, tmp_path):
    html = build_map(write_payload_spec(tmp_path), offline=True).html
    o = open_page(browser, html, tmp_path, "payloads")
    baseline = o.js("() => document.querySelectorAll('script').length")
    shown = o.js("""() => {
        const texts = [];
        Object.values(haihaMap.layers).forEach(g => {
            if (!haihaMap.map.hasLayer(g)) haihaMap.map.addLayer(g);
            g.haihaFeatures.eachLayer(l => {
                l.openTooltip(); l.openPopup();
                texts.push(l.getTooltip().getElement().textContent);
                texts.push(l.getPopup().getElement().querySelector('.leaflet-popup-content').textContent);
            });
        });
        return texts;
    }""")
    assert len(shown) >= 2 * (len(PAYLOADS) + 1 + 11 + 4)
    for payload in PAYLOADS[:-1]:
        assert any(payload in text for text in shown), f"{payload!r} is shown as text"
    for path in o.page.locator("path.haiha-layer-user").all()[:3]:
        path.hover(force=True)
        path.click(force=True)
    box = o.page.locator(".haiha-search input")
    for payload in PAYLOADS:
        box.fill(payload)
    box.fill("img")
    o.page.locator(".leaflet-control-layers-overlays input").first.click()
    o.page.wait_for_timeout(200)
    assert o.js("() => window.__xss") is None
    assert o.dialogs == []
    assert o.count("img[src='x'], svg[onload], [onerror], [onload]") == 0
    assert o.count("a[href^='javascript:' i]") == 0
    assert o.js("() => document.querySelectorAll('script').length") == baseline
    names = layer_names(o)
    assert PAYLOADS[0] + " lớp" in names and PAYLOADS[1] in names and PAYLOADS[4] in names
    assert "<img src=x" in o.page.title() and "<img src=x" in o.page.locator(".haiha-title").inner_text()
    link = o.page.locator(".haiha-popup a")
    assert all(h.startswith("https://") for h in link.evaluate_all("els => els.map(e => e.href)"))
    o.page.screenshot(path=str(tmp_path / "payloads.png"))
    assert_clean(o)


# ---- sites and new-rural status (issue 4) ---------------------------------------------------------------

def test_ntm_year_slider_and_site_icons(browser, tmp_path):
    o = open_page(browser, build_map("maps/projects.toml", offline=True).html, tmp_path, "projects")
    slider = o.page.locator(".haiha-year input")
    years = o.js("() => haihaMap.data.layers.find(l => l.id === 'ntm').years")
    for year, units in (("2019", 16), ("2020", 11), ("2025", 4)):
        slider.fill(str(years.index(year)))
        assert o.page.locator(".haiha-year").get_attribute("data-year") == year
        assert unit_paths(o, "ntm") == units, year
        o.page.screenshot(path=str(tmp_path / f"ntm-{year}.png"))
    slider.fill(str(years.index("2019")))
    texts = o.js("""() => { const out = [];
        haihaMap.layers.ntm.haihaFeatures.eachLayer(l => { l.openPopup();
            out.push(l.getPopup().getElement().querySelector('.leaflet-popup-content').innerText); });
        return out; }""")
    assert any("xã Quảng Điền" in t and "Đạt chuẩn nông thôn mới" in t and "2019" in t for t in texts)
    assert o.count(".haiha-icon.haiha-layer-sites") >= 4  # the border gate has no cited location: no icon
    assert o.count("path.haiha-layer-sites[stroke-dasharray]") >= 1
    o.js("() => haihaMap.map.closePopup()")  # the last new-rural popup could cover the icon
    o.page.locator(".leaflet-popup").wait_for(state="detached")
    o.page.locator(".haiha-icon.haiha-layer-sites").first.click()
    popup = o.page.locator(".leaflet-popup-content", has_text="Nguồn")  # wait for the site's popup itself
    popup.wait_for()
    assert "Diện tích" in popup.inner_text()
    o.page.screenshot(path=str(tmp_path / "projects.png"))
    assert_clean(o)


# ---- online page, basemap unreachable ------------------------------------------------------------------

def test_online_page_draws_data_when_tiles_fail(browser, tmp_path):
    from haiha_geo.maps.page import LEAFLET_CDN, leaflet_css, leaflet_js

    html = build_map("maps/mergers.toml", tiles="https://tiles.invalid/{z}/{x}/{y}.png").html
    path = tmp_path / "online.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tile_requests = []

    def route(r):  # the CDN answers with the same Leaflet files; the tile server is down
        url = r.request.url
        if url == LEAFLET_CDN + "leaflet.js":
            r.fulfill(body=leaflet_js(), content_type="text/javascript")
        elif url == LEAFLET_CDN + "leaflet.css":
            r.fulfill(body=leaflet_css(), content_type="text/css")
        elif url.startswith("file://"):
            r.continue_()
        else:
            tile_requests.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("window.haihaMap !== undefined && window.haihaMap.ready")
    assert page.locator("path.haiha-layer-merge2025").count() == 13
    assert tile_requests and all(u.startswith("https://tiles.invalid/") for u in tile_requests)
    page.screenshot(path=str(tmp_path / "online-no-tiles.png"))
    context.close()


def test_tile_folder_name_is_shown_as_text(browser, tmp_path):
    folder = tmp_path / '<img src=x onerror="window.__xss=1">'
    (folder / "10" / "1").mkdir(parents=True)
    (folder / "10" / "1" / "1.png").write_bytes(b"")
    o = open_page(browser, build_map("maps/mergers.toml", offline=True, tiles=str(folder)).html, tmp_path, "tiles")
    attribution = o.page.locator(".leaflet-control-attribution")
    assert "<img src=x" in attribution.inner_text() and attribution.locator("img").count() == 0
    assert o.js("() => window.__xss") is None and o.outside_requests == []


# ---- issue 12: interaction, phone, print, facts with their confidence -------------------------------------

ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP, PHONE = (1280, 800), (390, 844)


def artifact(o: Opened, name: str) -> Path:
    """Keep a screenshot under tests/artifacts/ (git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    o.page.screenshot(path=str(path))
    return path


def visible_labels(o: Opened, selector: str = ".haiha-label") -> list[dict]:
    return o.js("""sel => [...document.querySelectorAll(sel)].filter(e => !e.classList.contains('haiha-label-hidden')
        && getComputedStyle(e).opacity !== '0').map(e => { const r = e.firstChild.getBoundingClientRect();
        return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })""", selector)


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def assert_apart(boxes: list[dict]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlaps(a, b), (a, b)


def popup_texts(o: Opened, layer_id: str) -> dict[str, str]:
    return o.js("""id => { const out = {}; const g = haihaMap.layers[id];
        if (!haihaMap.map.hasLayer(g)) haihaMap.map.addLayer(g);
        g.haihaFeatures.eachLayer(l => { l.openPopup();
            const content = l.getPopup().getElement().querySelector('.leaflet-popup-content');
            out[l.feature.properties.title] = content.innerText; });
        haihaMap.map.closePopup(); return out; }""", layer_id)


def test_search_popup_stays_open_until_closed(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "search-popup", DESKTOP)
    o.page.locator(".haiha-search input").fill("quang dien")
    o.page.locator(".haiha-search-results li").first.click()
    popup = o.page.locator(".leaflet-popup-content")
    popup.wait_for()
    settle(o)  # the fit to the unit has ended
    o.page.wait_for_timeout(1000)  # the observation window: the popup must still be there
    assert popup.count() == 1 and "xã Quảng Điền" in popup.inner_text()
    covered = o.js("""() => {
        const p = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
        return [...document.querySelectorAll('.haiha-title, .leaflet-control')].some(e => {
            const r = e.getBoundingClientRect();
            return r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom; }); }""")
    assert not covered  # the popup panned itself clear of the title and the controls
    artifact(o, "desktop-search-popup")
    o.page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")
    assert_clean(o)


def test_swipe_labels_apart_and_caption_whole(browser, merger_html, tmp_path):
    o = open_page(browser, merger_html, tmp_path, "swipe-labels", DESKTOP)
    show_only(o, "Trước/sau 2025: 2020 | 2025")
    for position in ("0.5", "0.3", "0.7"):
        o.page.locator(".haiha-compare-range").fill(position)
        settle(o)
        labels = visible_labels(o, ".haiha-label-cmp1-left, .haiha-label-cmp1-right")
        assert len(labels) >= 4, position
        assert_apart(labels)
    cut = o.js("""() => [...document.querySelectorAll('.haiha-compare-caption span')]
        .filter(s => s.scrollWidth > s.clientWidth + 1 || s.getBoundingClientRect().right > innerWidth).length""")
    assert cut == 0
    assert "30/06/2025" in o.page.locator(".haiha-compare-caption").inner_text()
    artifact(o, "desktop-swipe")
    assert_clean(o)


def _hex(rgb: str) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])


def test_legend_swatches_are_the_drawn_fills(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "legend-fills", DESKTOP)
    for name in layer_names(o)[:3]:
        show_only(o, name)
        era_id = o.js("n => haihaMap.data.layers.find(l => l.name === n).id", name)
        drawn = set(o.js("id => [...document.querySelectorAll('path.haiha-layer-' + id)]"
                         ".map(p => p.getAttribute('fill'))", era_id))
        swatches = o.js("""n => { const out = []; let inside = false;
            document.querySelectorAll('.haiha-legend-body > div').forEach(d => {
                if (d.classList.contains('haiha-legend-layer')) inside = d.textContent === n;
                else if (inside) d.querySelectorAll('.haiha-swatch')
                    .forEach(s => out.push(getComputedStyle(s).backgroundColor)); });
            return out; }""", name)
        shown = {_hex(c) for c in swatches if not c.endswith(", 0)")}
        assert shown == drawn, name
    assert "[I] suy luận" in o.page.locator(".haiha-legend").inner_text()
    assert_clean(o)


def test_every_name_shown_where_it_fits_or_on_hover(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "labels", DESKTOP)
    show_only(o, layer_names(o)[0])  # 2019: 16 units
    settle(o)
    shown = visible_labels(o, ".haiha-label-era2019")
    assert_apart(shown)
    assert len(shown) > 6  # 6 of 16 before names were placed by fit and collision
    hidden = o.js("""() => { const out = []; haihaMap.layers.era2019.haihaLabels.forEach(m => {
        if (m.getElement().classList.contains('haiha-label-hidden')) { const lp = m.getLatLng();
            const p = haihaMap.map.latLngToContainerPoint(lp);
            const r = haihaMap.map.getContainer().getBoundingClientRect();
            out.push([m.haihaUnit.feature.properties.title, p.x + r.left, p.y + r.top]); } }); return out; }""")
    assert len(shown) + len(hidden) == 16
    for title, x, y in hidden:  # a name that does not fit is given on hover
        o.page.mouse.move(x, y)
        tip = o.page.locator(".leaflet-tooltip", has_text=title)
        tip.wait_for()
    artifact(o, "desktop-2019-labels")
    assert_clean(o)


def control_boxes(o: Opened) -> list[dict]:
    return o.js("""() => [...document.querySelectorAll('.leaflet-control, .haiha-title, .haiha-compare')]
        .filter(e => e.offsetParent !== null && getComputedStyle(e).display !== 'none')
        .map(e => { const r = e.getBoundingClientRect();
            return {name: e.className, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    area: r.width * r.height}; }).filter(b => b.area > 0)""")


@pytest.mark.parametrize("spec", [None, "maps/projects.toml", "maps/mergers.toml"])
def test_phone_controls_collapse_and_leave_the_map(browser, spec, tmp_path):
    o = open_page(browser, build_map(spec, offline=True).html, tmp_path, "phone", PHONE)
    assert o.count(".leaflet-control-layers-expanded") == 0
    assert o.count(".haiha-legend.haiha-collapsed") == 1
    boxes = control_boxes(o)
    assert_apart(boxes)
    area = o.js("() => { const r = document.querySelector('.folium-map').getBoundingClientRect(); "
                "return r.width * r.height; }")
    assert sum(b["area"] for b in boxes) <= area / 4, boxes
    if spec == "maps/projects.toml":
        slider = o.page.locator(".haiha-year input")
        box = slider.bounding_box()
        assert box["width"] >= 100 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
        slider.fill("0")
        first = o.js("() => haihaMap.data.layers.find(l => l.id === 'ntm').years[0]")
        assert o.page.locator(".haiha-year").get_attribute("data-year") == first
    o.page.locator(".haiha-legend-toggle").click()  # the legend opens from its button
    assert o.count(".haiha-legend.haiha-collapsed") == 0
    o.page.locator(".haiha-legend-toggle").click()
    artifact(o, f"phone-{(spec or 'district').replace('maps/', '').replace('.toml', '')}")
    assert_clean(o)


def test_print_shows_title_legend_scale_footer_only(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "print", DESKTOP)
    o.page.emulate_media(media="print")
    shown = o.js("""() => Object.fromEntries(['.leaflet-control-zoom', '.leaflet-control-layers', '.haiha-search',
        '.haiha-fullscreen', '.haiha-measure', '.haiha-mouse', '.haiha-title', '.haiha-legend-body',
        '.leaflet-control-scale', '.haiha-footer'].map(s => { const e = document.querySelector(s);
        return [s, !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden']; }))""")
    for hidden in ('.leaflet-control-zoom', '.leaflet-control-layers', '.haiha-search', '.haiha-fullscreen',
                   '.haiha-measure', '.haiha-mouse'):
        assert not shown[hidden], hidden
    for kept in ('.haiha-title', '.haiha-legend-body', '.leaflet-control-scale', '.haiha-footer'):
        assert shown[kept], kept
    footer = o.js("() => { const f = document.querySelector('.haiha-footer'); "
                  "return [f.scrollHeight, f.clientHeight]; }")
    assert footer[0] <= footer[1] + 1  # the whole provenance is printed
    assert "Mức tin cậy" in o.page.locator(".haiha-footer").inner_text()
    assert_apart(control_boxes(o))
    artifact(o, "print")
    assert_clean(o)


def test_facts_carry_their_confidence_and_say_what_dates_are(browser, district_html, merger_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "facts", DESKTOP)
    y2019, y2020 = popup_texts(o, "era2019"), popup_texts(o, "era2020")
    dien = y2019["xã Quảng Điền"]
    assert "Văn bản thành lập" not in dien and "Văn bản đầu thời kỳ" in dien and "không phải văn bản thành lập" in dien
    assert "837/NQ-UBTVQH14: thông qua 17/12/2019 [C]; hiệu lực 01/02/2020 [I]" in dien
    town = y2020["thị trấn Quảng Hà"]
    assert "Diện tích chính thức" not in town and "Diện tích tự nhiên công bố\t2.602 ha [C2]" in town
    y2025 = popup_texts(o, "era2025")
    assert "Chênh lệch diện tích" in y2025["xã Quảng Hà"] and "bãi triều" in y2025["xã Quảng Hà"]
    m = open_page(browser, merger_html, tmp_path, "facts-merger", DESKTOP)
    quang_ha = popup_texts(m, "merge2025")["xã Quảng Hà"]
    assert "Ngày có hiệu lực\t16/06/2025 [C]" in quang_ha and "Đơn vị mới hoạt động từ\t01/07/2025 [C]" in quang_ha
    assert "Ngày hiệu lực" not in quang_ha
    assert_clean(o)


def test_sites_without_cited_location_are_not_points(browser, tmp_path):
    o = open_page(browser, build_map("maps/projects.toml", offline=True).html, tmp_path, "sites-located", DESKTOP)
    titles = o.js("""() => { const out = []; haihaMap.layers.sites.haihaFeatures.eachLayer(l => {
        if (l.getLatLng) out.push(l.feature.properties.title); }); return out; }""")
    assert "Cửa khẩu Bắc Phong Sinh" not in titles and "Khu kinh tế cửa khẩu Bắc Phong Sinh" in titles
    legend = o.page.locator(".haiha-legend").inner_text()
    assert "Không có vị trí (không vẽ)" in legend and "Cửa khẩu Bắc Phong Sinh" in legend
    artifact(o, "desktop-projects")
    assert_clean(o)


# ---- what planners saw wrong (issue 17) ------------------------------------------------------------------

@pytest.fixture(scope="module")
def projects_html():
    return build_map("maps/projects.toml", offline=True).html


LEAFLET_ENGLISH = ("Zoom in", "Zoom out", "Layers", "A JavaScript library for interactive maps")


@pytest.mark.parametrize("media", ["screen", "print"])
def test_leaflet_speaks_vietnamese_without_its_flag(browser, district_html, tmp_path, media):
    o = open_page(browser, district_html, tmp_path, f"leaflet-words-{media}", DESKTOP)
    o.page.emulate_media(media=media)
    titles = o.js("() => [...document.querySelectorAll('[title], [aria-label]')].flatMap(e => "
                  "[e.getAttribute('title'), e.getAttribute('aria-label')]).filter(Boolean)")
    assert not set(titles) & set(LEAFLET_ENGLISH), titles
    assert o.page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Phóng to"
    assert o.page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Thu nhỏ"
    assert o.page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Các lớp bản đồ"
    attribution = o.page.locator(".leaflet-control-attribution")
    assert attribution.is_visible() and attribution.inner_text().strip() == "Leaflet"
    assert attribution.locator("svg").count() == 0, "Leaflet's flag is gone from the attribution"
    artifact(o, f"leaflet-words-{media}")
    assert_clean(o)


def test_2025_legend_has_no_thi_tran(browser, district_html, tmp_path):
    """There is no thị trấn after 1/7/2025: the legend names the unit types of the era shown."""
    o = open_page(browser, district_html, tmp_path, "legend-2025", DESKTOP)
    show_only(o, next(n for n in layer_names(o) if n.startswith("Từ 01/07/2025")))
    legend = o.page.locator(".haiha-legend-body").inner_text()
    assert "Ranh giới xã (từ 01/07/2025)" in legend and "thị trấn" not in legend
    show_only(o, next(n for n in layer_names(o) if n.startswith("Trước 01/02/2020")))
    assert "Ranh giới xã, thị trấn (trước 01/02/2020)" in o.page.locator(".haiha-legend-body").inner_text()
    assert_clean(o)


def test_search_result_of_another_era_replaces_the_shown_era(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "search-era", DESKTOP)
    shown = o.js("() => haihaMap.data.layers.filter(d => d.group === 'era' && haihaMap.map.hasLayer("
                 "haihaMap.layers[d.id])).map(d => d.id)")
    assert len(shown) == 1 and shown[0].endswith("2025")
    o.page.locator(".haiha-search input").fill("tien toi")  # xã Tiến Tới ended on 1/2/2020
    o.page.locator(".haiha-search-results li").first.click()
    o.page.locator(".leaflet-popup-content").wait_for()
    settle(o)
    after = o.js("() => haihaMap.data.layers.filter(d => d.group === 'era' && haihaMap.map.hasLayer("
                 "haihaMap.layers[d.id])).map(d => d.id)")
    assert after == ["era2019"], after
    assert unit_paths(o, "era2019") == UNITS_PER_ERA["2019"] and unit_paths(o, shown[0]) == 0
    boxes = o.page.locator(".leaflet-control-layers-overlays input:checked").count()
    assert boxes == 1  # the layer list says so too
    artifact(o, "search-other-era")
    assert_clean(o)


def test_click_in_a_site_footprint_gives_the_site_and_the_commune(browser, projects_html, tmp_path):
    """A click inside the Texhong footprint opened the site only, never the commune's new-rural status."""
    o = open_page(browser, projects_html, tmp_path, "footprint-click", DESKTOP)
    point = o.js("""() => { const m = haihaMap.map; let found = null;
        haihaMap.layers.sites.haihaFeatures.eachLayer(l => {
            if (found || !(l instanceof L.Polygon) || !l.feature.properties.title.includes('Texhong')) return;
            const b = l.getBounds(), nw = m.latLngToContainerPoint(b.getNorthWest()),
                  se = m.latLngToContainerPoint(b.getSouthEast()), box = m.getContainer().getBoundingClientRect();
            for (let y = nw.y + 3; y < se.y && !found; y += 4) for (let x = nw.x + 3; x < se.x && !found; x += 4) {
                const e = document.elementFromPoint(box.left + x, box.top + y);
                if (e && e.classList && e.classList.contains('haiha-hatched')) found = [box.left + x, box.top + y];
            } });
        return found; }""")
    assert point, "a point of the page inside the footprint"
    o.page.mouse.click(*point)
    popup = o.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert text.startswith("Phạm vi có thể của KCN Texhong Hải Hà (giai đoạn 1)")
    assert "Tại điểm này — Nông thôn mới (cuối năm)" in text and "Trạng thái cuối năm 2019" in text
    assert any(name in text for name in ("Quảng Phong", "Quảng Trung", "Phú Hải", "Quảng Điền", "Cái Chiên"))
    below = popup.locator(".haiha-popup-below").first.bounding_box()
    assert below["y"] + below["height"] <= DESKTOP[1], "the commune's part is in view, not scrolled away"
    hatched = o.js("() => [...document.querySelectorAll('path.haiha-hatched')].map(p => p.getAttribute('fill'))")
    assert hatched and all(f.startswith("url(#haiha-hatch-") for f in hatched)
    assert o.js("(id) => !!document.getElementById(id)", hatched[0][5:-1])
    artifact(o, "footprint-click")
    assert_clean(o)


def test_phone_print_legend_under_the_map_and_footer_inside_the_page(browser, projects_html, tmp_path):
    o = open_page(browser, projects_html, tmp_path, "phone-print", PHONE)
    o.page.emulate_media(media="print")
    settle(o)
    box = o.js("""() => Object.fromEntries(['.folium-map', '.haiha-legend', '.haiha-footer'].map(s => {
        const e = document.querySelector(s), r = e.getBoundingClientRect();
        return [s, {top: r.top, bottom: r.bottom, left: r.left, right: r.right, scroll: e.scrollWidth,
                    width: e.clientWidth}]; }))""")
    mapped, legend, footer = box[".folium-map"], box[".haiha-legend"], box[".haiha-footer"]
    assert legend["top"] >= mapped["bottom"] - 1, "the legend lies under the map, not over it"
    assert legend["bottom"] <= footer["top"] + 1 and footer["bottom"] <= PHONE[1] + 1
    assert footer["right"] <= PHONE[0] and footer["scroll"] <= footer["width"] + 1, "the footer wraps in the page"
    assert mapped["bottom"] - mapped["top"] >= PHONE[1] / 3
    assert o.page.locator(".haiha-legend-toggle").is_hidden()
    artifact(o, "phone-print")
    assert_clean(o)


def test_phone_search_hint_is_not_cut(browser, district_html, tmp_path):
    o = open_page(browser, district_html, tmp_path, "phone-search", PHONE)
    fit = o.js("""() => { const i = document.querySelector('.haiha-search input'), s = getComputedStyle(i);
        const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
        const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        return [i.placeholder, c.measureText(i.placeholder).width, room, i.getAttribute('aria-label')]; }""")
    assert fit[1] <= fit[2], fit
    assert fit[3] == "Tìm xã, thị trấn…"
    assert_clean(o)


def test_a_plan_is_filled_by_its_codes_with_a_legend_of_the_codes_present(browser, tmp_path):
    from zoning_plans import PLAN, SIDE, coded_plan, study_origin

    from haiha_geo.crs import to_geographic
    from haiha_geo.land_codes import PLAN_FILL_OPACITY, plan_symbols

    path = tmp_path / "plan_qh.gpkg"
    coded_plan().to_file(path)
    o = open_page(browser, build_map(layers=[path], offline=True).html, tmp_path, "plan")
    _, symbols = plan_symbols([c for c, _ in PLAN])
    legend = o.page.locator(".haiha-legend-body").inner_text()
    assert all(s.legend() in legend for s in symbols.values())
    assert "LUK — " not in legend and "ODT — " not in legend  # only the codes of the plan
    x, y = study_origin()
    centre = to_geographic(gpd.GeoDataFrame(geometry=[shapely.Point(x + 1.5 * SIDE, y + 1.5 * SIDE)],
                                            crs="EPSG:5899")).geometry[0]
    o.js("([lat, lon]) => haihaMap.map.setView([lat, lon], 18, {animate: false})", [centre.y, centre.x])
    settle(o)
    shot = tmp_path / "plan.png"
    o.page.screenshot(path=str(shot))
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    for plot in (0, 2, 6):  # ONT, LUC, SKC
        corner = shapely.Point(x + (plot % 3) * SIDE + 6, y + (plot // 3) * SIDE + 6)
        ll = to_geographic(gpd.GeoDataFrame(geometry=[corner], crs="EPSG:5899")).geometry[0]
        px, py = o.js("([lat, lon]) => { const p = haihaMap.map.latLngToContainerPoint([lat, lon]); "
                      "return [Math.round(p.x), Math.round(p.y)]; }", [ll.y, ll.x])
        rgb = np.array([int(symbols[PLAN[plot][0]].hex[i:i + 2], 16) for i in (1, 3, 5)])
        expected = PLAN_FILL_OPACITY * rgb + (1 - PLAN_FILL_OPACITY) * 255
        assert np.abs(image[py, px] - expected).max() <= 8, (PLAN[plot][0], image[py, px].tolist())
    assert not o.console_errors
