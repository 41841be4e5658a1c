"""Benchmark: this toolkit's offline map page against ``GeoDataFrame.explore()`` for the same three eras.

Run from the repository root::

    python benchmarks/bench_maps.py [--repeat 25]

Both pages show the era layers 2019, 2020 and 2025 (31 polygons, all shown,
no basemap, no labels). explore() gets one layer per era and is saved with
``folium.Map.save``; its page links Leaflet, jQuery, Bootstrap and icon fonts
from CDNs, which this machine cannot reach, so for the browser and the
"same libraries inlined" rows its Leaflet links are replaced by the same
local Leaflet 1.9.3 files this toolkit inlines and its other CDN links are
removed (nothing it draws polygons with needs them).

Compared, in one run:

* **data layers**: the page less the library code (Leaflet, and for this
  toolkit also its own control script and stylesheet);
* **whole page** with the same libraries inlined;
* **build time**: Python time to build and render the page (median of
  ``--repeat`` runs after one warm-up; the era geometry is cached for both);
* **drawn**: milliseconds from navigation start until all 31 polygons are in
  the DOM and painted (the later of the two; the first contentful paint is
  the browser's paint timing), in headless Chromium from ``file://`` with
  the network blocked (median of ``--repeat`` loads, alternating which page
  goes first). This toolkit builds its controls (layer list, search,
  legend, …) in the task after that first paint.

Targets (issue 3): data layers at most 1/5 of explore's at a largest boundary
displacement ≤ 20 m, whole offline page smaller than explore's with its
libraries inlined, no slower to build, drawn no later.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import folium

import haiha_geo
from haiha_geo.maps import build_map, parse_spec
from haiha_geo.maps import page as map_page

ERAS = ("2019", "2020", "2025")
POLYGONS = 16 + 11 + 4
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SPEC = parse_spec({
    "title": "Hải Hà: ba thời kỳ",
    "tolerance_m": 20,
    "layers": [{"id": f"era{e}", "kind": "era", "era": e, "show": True, "labels": False} for e in ERAS],
})
#: Records when all polygons are in the DOM (MutationObserver) and when the page first paints
#: ("first-contentful-paint", the browser's own paint timing). Both pages add their polygons synchronously
#: before the first frame, so that paint shows them; "drawn" is the later of the two times.
#: performance.now() and paint entries are relative to navigation start.
DRAW_PROBE = """
new MutationObserver((_, obs) => {
  if (document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-pane path').length >= POLYGONS) {
    obs.disconnect(); window.__paths = performance.now();
  }
}).observe(document, {childList: true, subtree: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__paint = e.startTime;
}).observe({type: 'paint', buffered: true});
""".replace("POLYGONS", str(POLYGONS))


def build_ours() -> tuple[str, dict]:
    result = build_map(SPEC, offline=True)
    return result.html, result.stats


def build_explore() -> str:
    fmap = None
    for era in ERAS:
        layer = haiha_geo.units(era)
        fmap = layer.explore(m=fmap, name=f"Đơn vị {era}", tiles=None) if fmap else layer.explore(
            name=f"Đơn vị {era}", tiles=None)
    folium.LayerControl().add_to(fmap)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explore.html"
        fmap.save(path)
        return path.read_text(encoding="utf-8")


def timed(func, repeat: int) -> tuple[object, float, float]:
    """The value, the median time of ``repeat`` calls, and the time of the first (cold) call."""
    start = time.perf_counter()
    func()  # cold: imports, geometry caches (the era hierarchy, this toolkit's simplified geometry)
    cold = time.perf_counter() - start
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return value, statistics.median(times), cold


def inline_libraries(explore_html: str) -> str:
    """explore()'s page with its Leaflet links replaced by the local files and other CDN links removed."""
    html = re.sub(r'<script src="[^"]*leaflet@[^"]*/leaflet\.js"></script>',
                  lambda _: f"<script>{map_page.leaflet_js()}</script>", explore_html)
    html = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet@[^"]*/leaflet\.css"\s*/?>',
                  lambda _: f"<style>{map_page.leaflet_css()}</style>", html)
    html = re.sub(r'<script src="https?://[^"]*"></script>', "", html)
    return re.sub(r'<link rel="stylesheet" href="https?://[^"]*"\s*/?>', "", html)


def library_bytes(own_controls: bool) -> int:
    """Bytes of library code inlined in a page: Leaflet, plus this toolkit's controls when ``own_controls``."""
    parts = [map_page.leaflet_js(), map_page.leaflet_css()]
    if own_controls:
        parts += [map_page._static("haiha-map.js"), map_page._static("haiha-map.css")]
    return sum(len(p.encode("utf-8")) for p in parts)


def links_bytes(html: str) -> int:
    return sum(len(m.encode("utf-8")) for m in re.findall(r'<script src="[^"]*"></script>|<link [^>]*>', html))


def draw_times(pages: dict[str, str], repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {name: [] for name in pages}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        files = {}
        for name, html in pages.items():
            files[name] = Path(tmp) / f"{name}.html"
            files[name].write_text(html, encoding="utf-8")
        for i in range(repeat + 1):  # the first round warms the browser's caches for both
            for name, path in sorted(files.items(), reverse=bool(i % 2)):  # alternate which page goes first
                context = browser.new_context(viewport={"width": 1280, "height": 860})
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                context.add_init_script(DRAW_PROBE)
                page = context.new_page()
                page.goto(path.as_uri())
                page.wait_for_function("window.__paths !== undefined && window.__paint !== undefined",
                                       timeout=30_000)
                out[name].append(page.evaluate("Math.max(window.__paths, window.__paint)"))
                context.close()
        browser.close()
    return {name: statistics.median(values[1:]) for name, values in out.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25,
                        help="timed runs per measurement (draw times vary by ±10 ms between loads)")
    args = parser.parse_args(argv)

    (ours, stats), ours_build, ours_cold = timed(build_ours, args.repeat)
    explore, explore_build, explore_cold = timed(build_explore, args.repeat)
    explore_inlined = inline_libraries(explore)
    drawn = draw_times({"ours": ours, "explore": explore_inlined}, args.repeat)

    ours_bytes = len(ours.encode("utf-8"))
    explore_bytes = len(explore.encode("utf-8"))
    explore_inlined_bytes = len(explore_inlined.encode("utf-8"))
    ours_data = ours_bytes - library_bytes(own_controls=True)
    explore_data = explore_bytes - links_bytes(explore)
    rows = [
        ("data layers (page less library code), bytes", f"{ours_data:,}", f"{explore_data:,}",
         f"{ours_data / explore_data:.3f} (target ≤ 0.200)"),
        ("  of which the JSON data block / GeoJSON, bytes", f"{stats['data_bytes']:,}", "", ""),
        ("whole page, same libraries inlined, bytes", f"{ours_bytes:,}", f"{explore_inlined_bytes:,}",
         f"{ours_bytes / explore_inlined_bytes:.3f} (target < 1)"),
        ("page as written (explore: CDN links), bytes", f"{ours_bytes:,}", f"{explore_bytes:,}", ""),
        ("vertices (3 eras)", f"{stats['era_vertices_after']:,} ({stats['stored_vertices']:,} stored)",
         f"{stats['vertices_before']:,}", ""),
        ("largest boundary displacement, m", f"{stats['max_displacement_m']:.2f}", "0", "target ≤ 20"),
        ("build time, s (median)", f"{ours_build:.3f}", f"{explore_build:.3f}",
         f"{ours_build / explore_build:.2f} (target ≤ 1)"),
        ("first build in the process (cold), s", f"{ours_cold:.3f}", f"{explore_cold:.3f}", ""),
        (f"drawn in Chromium ({POLYGONS} polygons), ms (median)", f"{drawn['ours']:.0f}", f"{drawn['explore']:.0f}",
         f"{drawn['ours'] / drawn['explore']:.2f} (target ≤ 1)"),
    ]
    widths = [max(len(str(r[i])) for r in [*rows, ("", "haiha_geo --offline", "explore()", "ratio")])
              for i in range(4)]
    header = ("", "haiha_geo --offline", "explore()", "ratio")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    main()
