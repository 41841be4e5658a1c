"""Benchmark: a parcel layer on this toolkit's offline map against ``GeoDataFrame.explore()`` of the same layer.

Run from the repository root::

    python benchmarks/bench_map_parcels.py [--sizes 10000 50000 100000] [--repeat 5]

For each size a synthetic parcel layer (jittered 30 m quads clipped to the
district, ``tests/parcels.py``) is written to a GeoPackage; this toolkit
builds ``build_map(offline=True, layers=[file])`` (the district map plus the
layer), explore() draws the layer alone (``tiles=None``, its Leaflet links
replaced by the same local Leaflet files, as in ``bench_maps.py``). Both are
loaded alternately in headless Chromium from ``file://``, network blocked:

* **drawn**: ms from navigation start until the page's polygons are painted
  (explore: all parcel paths in the DOM and the first paint; this toolkit:
  ``haihaMap.ready``, set in the frame after its layers are painted; at the
  opening zoom the parcel layer is its dissolved outline, see
  ``haiha_geo/maps/userlayer.py``);
* **detail**: this toolkit only, ms to zoom to the layer's ``detailZoom`` and
  paint every parcel on the canvas;
* **heap**: the V8 heap in use plus the ArrayBuffer backing stores (typed
  arrays live outside the V8 heap; CDP ``Runtime.getHeapUsage``) after a
  forced garbage collection, once drawn; in brackets Blink's own heap (DOM
  nodes, ``embedderHeapUsedSize``);
* **heap after sweep**: the same after visiting every part of the layer at
  the detail zoom, one view after another (``tests/parcels.py`` ``SWEEP``),
  in both pages: the worst case of a user who zooms in and pans across the
  whole layer (``views``: how many views that took; ``ms/view``: the median
  time to draw one).

Medians of ``--repeat`` loads. Targets (issue 13) at 100k parcels: bytes ≤ 1/5,
drawn ≤ 1/4, heap (at open and after the sweep) ≤ 1/2 of explore's; at 10k drawn no later than explore.

``--build`` measures instead the **build** (issue 17): for each layer kind and size, the seconds to
build the page (``build_map(offline=True, layers=[file])``, the district map and the layer, era geometry
cached) against ``frame.explore(tiles=None)`` rendered to HTML (the file read by both), toolkit and
explore alternating, medians of ``--repeat``; the page bytes against explore's with the same Leaflet
inlined, and the largest displacement. Kinds (``tests/parcels.py``): ``grid`` (jittered quads, a clean
coverage), ``voronoi`` (Voronoi cells, a coverage of irregular cells, three borders at every corner) and
``overlap`` (rotated rectangles that overlap and leave gaps). Targets: build ≤ explore's time, page
≤ 1/5 of its bytes at every size.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "tests")]

import geopandas as gpd  # noqa: E402
from bench_maps import CHROMIUM_ARGS, inline_libraries  # noqa: E402
from parcels import SWEEP, parcels, scattered_rectangles, voronoi_cells  # noqa: E402

from haiha_geo.maps import build_map  # noqa: E402

EXPLORE_PROBE = """
window.__want = %d;
new MutationObserver((_, obs) => {
  if (document.querySelectorAll('.leaflet-overlay-pane path').length >= window.__want) {
    obs.disconnect(); window.__paths = performance.now();
  }
}).observe(document, {childList: true, subtree: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__paint = e.startTime;
}).observe({type: 'paint', buffered: true});
"""
DETAIL = """async () => {
  const m = haihaMap.map, def = haihaMap.data.layers.find(d => d.topology), b = def.bounds;
  const t0 = performance.now();
  m.setView([(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], Math.ceil(def.detailZoom), {animate: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def heap_mb(page) -> tuple[float, float]:
    """MB of (V8 heap in use + ArrayBuffer backing stores, Blink heap) after a forced garbage collection."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    usage = cdp.send("Runtime.getHeapUsage")
    return (usage["usedSize"] + usage["backingStorageSize"]) / 2 ** 20, usage["embedderHeapUsedSize"] / 2 ** 20


READY_PROBE = """
(function poll() {
  if (window.haihaMap && window.haihaMap.ready) { window.__ready = performance.now(); return; }
  requestAnimationFrame(poll);
})();
"""


def measure(size: int, repeat: int, folder: Path) -> dict:
    frame = parcels(size)
    gpkg = folder / f"parcels{size}.gpkg"
    frame.to_file(gpkg)
    count = len(frame)
    start = time.perf_counter()
    result = build_map(offline=True, layers=[gpkg])
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    fmap = frame.explore(tiles=None)
    explore_html = fmap.get_root().render()
    explore_s = time.perf_counter() - start
    pages = {"ours": result.html, "explore": inline_libraries(explore_html)}
    block = re.search(r'<script type="application/json" id="haiha-data-[^"]+">(.*?)</script>', result.html, re.S)
    layer = next(lay for lay in json.loads(block.group(1))["layers"] if "topology" in lay)
    sweep = [layer["bounds"], math.ceil(layer["detailZoom"])]
    files = {}
    for name, html in pages.items():
        files[name] = folder / f"{name}{size}.html"
        files[name].write_text(html, encoding="utf-8")
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[dict]] = {"ours": [], "explore": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for i in range(repeat):
            for name in sorted(files, reverse=bool(i % 2)):
                runs[name].append(_load(browser, files[name], name, count, sweep))
        browser.close()
    med = {name: {k: _median([r[k] for r in rs]) for k in rs[0]} for name, rs in runs.items()}
    return {"size": count, "bytes": {n: len(h.encode()) for n, h in pages.items()}, "med": med,
            "build": (build_s, explore_s), "moved": result.stats["layer_displacement_m"]["user1"]}


def _median(values: list) -> float | tuple[float, ...]:
    if isinstance(values[0], tuple):
        return tuple(statistics.median(v) for v in zip(*values, strict=True))
    return statistics.median(values)


def _heap(ours: tuple[float, float], explore: tuple[float, float]) -> str:
    return f"{ours[0]:.0f} ({ours[1]:.0f}) / {explore[0]:.0f} ({explore[1]:.0f})"


#: explore()'s map under the name this toolkit's page gives its own, so that SWEEP runs in both.
EXPLORE_MAP = """() => { const name = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  window.haihaMap = {map: window[name]}; }"""


def _load(browser, path, kind, count, sweep):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    context.add_init_script(EXPLORE_PROBE % count if kind == "explore" else READY_PROBE)
    page = context.new_page()
    page.goto(path.as_uri(), timeout=600_000)
    out = {}
    if kind == "explore":
        page.wait_for_function("window.__paths !== undefined && window.__paint !== undefined", timeout=600_000)
        out["drawn"] = page.evaluate("Math.max(window.__paths, window.__paint)")
        page.evaluate(EXPLORE_MAP)
    else:
        page.wait_for_function("window.__ready !== undefined", timeout=600_000)
        out["drawn"] = page.evaluate("window.__ready")
    out["heap"] = heap_mb(page)
    if kind == "ours":
        out["detail"] = page.evaluate(DETAIL)
    start = time.perf_counter()
    out["views"] = page.evaluate(SWEEP, sweep)
    out["ms_view"] = (time.perf_counter() - start) * 1e3 / out["views"]
    out["heap_sweep"] = heap_mb(page)
    context.close()
    return out


#: Layer kinds of ``--build``: generators of ``tests/parcels.py`` (size → GeoDataFrame in EPSG:5899).
KINDS = {"grid": parcels, "voronoi": voronoi_cells, "overlap": scattered_rectangles}


def build_times(kind: str, size: int, repeat: int, folder: Path) -> tuple:
    """Median build seconds of this toolkit and of explore(), the page bytes of both, the displacement."""
    gpkg = folder / f"{kind}{size}.gpkg"
    KINDS[kind](size).to_file(gpkg)
    build_map(offline=True)  # the era geometry cached, as for every layer after the first

    def ours() -> str:
        result = build_map(offline=True, layers=[gpkg])
        return result.html, result.stats["layer_displacement_m"]["user1"]

    def explore() -> str:
        return inline_libraries(gpd.read_file(gpkg).explore(tiles=None).get_root().render()), 0.0

    times: dict[str, list[float]] = {"ours": [], "explore": []}
    pages = {}
    for i in range(repeat):
        for name, func in sorted({"ours": ours, "explore": explore}.items(), reverse=bool(i % 2)):
            start = time.perf_counter()
            pages[name] = func()
            times[name].append(time.perf_counter() - start)
    nbytes = {name: len(html.encode()) for name, (html, _) in pages.items()}
    return (statistics.median(times["ours"]), statistics.median(times["explore"]), nbytes["ours"],
            nbytes["explore"], pages["ours"][1])


def build_table(kinds: list[str], sizes: list[int], repeat: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for size in sizes:
                ours, peer, ours_bytes, peer_bytes, moved = build_times(kind, size, repeat, Path(tmp))
                rows.append((kind, f"{size:,}", f"{ours:.1f} / {peer:.1f}", f"{ours / peer:.2f}",
                             f"{ours_bytes / 1e6:.1f} / {peer_bytes / 1e6:.1f}", f"{ours_bytes / peer_bytes:.3f}",
                             f"{moved:.2f}"))
                print(f"measured {kind} {size}", file=sys.stderr, flush=True)
    _print(("layer", "features", "build s haiha_geo / explore", "ratio", "page MB haiha_geo / explore", "ratio",
            "largest displacement m (tol 20)"), rows)


def _print(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(x[i])) for x in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="build times against explore() (issue 17)")
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    args = parser.parse_args(argv)
    if args.build:
        build_table(args.kinds, args.sizes, args.repeat)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            r = measure(size, args.repeat, Path(tmp))
            o, e = r["med"]["ours"], r["med"]["explore"]
            b = r["bytes"]
            rows.append((f"{r['size']:,}", f"{b['ours'] / 1e6:.1f} / {b['explore'] / 1e6:.1f} MB",
                         f"{b['ours'] / b['explore']:.3f}", f"{o['drawn']:.0f} / {e['drawn']:.0f}",
                         f"{o['drawn'] / e['drawn']:.2f}", f"{o['detail']:.0f}",
                         _heap(o["heap"], e["heap"]), f"{o['heap'][0] / e['heap'][0]:.2f}",
                         _heap(o["heap_sweep"], e["heap_sweep"]), f"{o['heap_sweep'][0] / e['heap_sweep'][0]:.2f}",
                         f"{o['views']:.0f}: {o['ms_view']:.0f} / {e['ms_view']:.0f}",
                         f"{r['build'][0]:.1f} / {r['build'][1]:.1f}", f"{r['moved']:.2f}"))
            print(f"measured {size}", file=sys.stderr, flush=True)
    _print(("parcels", "page bytes haiha_geo / explore", "ratio", "drawn ms", "ratio", "detail ms",
            "JS heap + buffers MB (DOM) at open, haiha_geo / explore", "ratio", "after sweep", "ratio",
            "views: ms/view", "build s", "largest displacement m (tol 20)"), rows)


if __name__ == "__main__":
    main()
