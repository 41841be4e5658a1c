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
* **heap**: V8 ``JSHeapUsedSize`` (CDP ``Performance.getMetrics``) after a
  forced garbage collection, once drawn (this toolkit: also after detail).

Medians of ``--repeat`` loads. Targets (issue 13) at 100k parcels: bytes ≤ 1/5,
drawn ≤ 1/4, heap ≤ 1/2 of explore's; at 10k drawn no later than explore.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "tests")]

from bench_maps import CHROMIUM_ARGS, inline_libraries  # noqa: E402
from parcels import parcels  # noqa: E402

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


def heap_mb(page) -> float:
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 2 ** 20


READY_PROBE = """
(function poll() {
  if (window.haihaMap && window.haihaMap.ready) { window.__ready = performance.now(); return; }
  requestAnimationFrame(poll);
})();
"""


def measure(size: int, repeat: int, folder: Path) -> dict:
    layer = parcels(size)
    gpkg = folder / f"parcels{size}.gpkg"
    layer.to_file(gpkg)
    start = time.perf_counter()
    result = build_map(offline=True, layers=[gpkg])
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    fmap = layer.explore(tiles=None)
    explore_html = fmap.get_root().render()
    explore_s = time.perf_counter() - start
    pages = {"ours": result.html, "explore": inline_libraries(explore_html)}
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
                runs[name].append(_load(browser, files[name], name, len(layer), READY_PROBE))
        browser.close()
    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    return {"size": len(layer), "bytes": {n: len(h.encode()) for n, h in pages.items()}, "med": med,
            "build": (build_s, explore_s), "moved": result.stats["layer_displacement_m"]["user1"]}


def _load(browser, path, kind, count, probe):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    context.add_init_script(EXPLORE_PROBE % count if kind == "explore" else probe)
    page = context.new_page()
    page.goto(path.as_uri(), timeout=600_000)
    out = {}
    if kind == "explore":
        page.wait_for_function("window.__paths !== undefined && window.__paint !== undefined", timeout=600_000)
        out["drawn"] = page.evaluate("Math.max(window.__paths, window.__paint)")
    else:
        page.wait_for_function("window.__ready !== undefined", timeout=600_000)
        out["drawn"] = page.evaluate("window.__ready")
    out["heap"] = heap_mb(page)
    if kind == "ours":
        out["detail"] = page.evaluate(DETAIL)
        out["heap_detail"] = heap_mb(page)
    context.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            r = measure(size, args.repeat, Path(tmp))
            o, e = r["med"]["ours"], r["med"]["explore"]
            b = r["bytes"]
            rows.append((f"{r['size']:,}", f"{b['ours'] / 1e6:.1f} / {b['explore'] / 1e6:.1f} MB",
                         f"{b['ours'] / b['explore']:.3f}", f"{o['drawn']:.0f} / {e['drawn']:.0f}",
                         f"{o['drawn'] / e['drawn']:.2f}", f"{o['detail']:.0f}",
                         f"{o['heap']:.0f} ({o['heap_detail']:.0f}) / {e['heap']:.0f}",
                         f"{o['heap'] / e['heap']:.2f} ({o['heap_detail'] / e['heap']:.2f})",
                         f"{r['build'][0]:.1f} / {r['build'][1]:.1f}", f"{r['moved']:.2f}"))
            print(f"measured {size}", file=sys.stderr, flush=True)
    header = ("parcels", "page bytes haiha_geo / explore", "ratio", "drawn ms", "ratio", "detail ms",
              "JS heap MB (after detail) / explore", "ratio", "build s", "largest displacement m (tol 20)")
    widths = [max(len(str(x[i])) for x in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
