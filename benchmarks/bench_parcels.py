"""Benchmark: overlay and land-use balance of parcel layers, against plain geopandas.

Parcel layers are synthetic, four kinds (``--layers``), each generated here
(none is the layer the code was tuned on):

* ``jittered``: a grid of 30 m quads whose shared corners are jittered
  (±8 m), in a square window around the centre of the district, clipped to
  the district (``haiha_geo.units(era, crs="EPSG:5899")``), so that they form
  a clean coverage with parcels cut by the unit boundaries and the shore.
  Above the district's ~0.5 M parcels of 30 m, the cells shrink so that the
  window still fits the district;
* ``voronoi``: Voronoi cells of uniform random points in the district,
  clipped to it (a clean coverage of irregular polygons);
* ``overlapping``: what a digitised plan looks like: those Voronoi cells,
  each scaled about its centre by a random factor (0.92–1.08) and turned by
  up to ±3°, so that neighbours overlap or leave gaps (some reach into the sea);
* ``stacked``: two Voronoi tilings of the district from different points,
  one over the other (every parcel overlaps several of the other tiling).

Every (work, size, side) case runs in a fresh process, toolkit and peer
alternating, so that peak memory is the process's own high-water mark (RSS;
tracemalloc does not see GEOS). Each process loads the era units first (both
sides need them), then the parcel layer (saved once as WKB), resets its peak
RSS (Linux ``/proc/self/clear_refs``; else ``os.wait4``'s ``ru_maxrss`` of the
whole process is shown), then times the work alone and reads VmHWM. One table
is printed:

* ``overlay``: ``overlay_stats(parcels, era)`` vs ``geopandas.overlay(parcels,
  units, how="intersection")`` + area by unit;
* ``balance+report``: ``land_use_balance(parcels)`` (with its coverage report)
  vs ``parcels.dissolve("code")``;
* ``balance``: ``land_use_balance(parcels, coverage=False)`` vs
  ``parcels.area.groupby(parcels["code"]).sum()``;
* ``overlay-file`` and ``balance-file``: the same from a GeoPackage of the
  parcels, the toolkit reading it in chunks (``vector_io.iter_layer``), the
  peer with ``geopandas.read_file`` first (the reading is timed and its
  memory counted on both sides).

``max |Δ| ha`` is the largest difference of the per-unit (overlay) or per-code
(balance) totals between the two sides; the balance table is rounded to
0.0001 ha (1 m²), so its differences are rounding, up to 5e-5 ha. On the
overlapping layers the overlay's Δ is the overlap itself: the toolkit counts
it once, ``geopandas.overlay`` + groupby once per parcel (the exact answer is
checked in tests/test_overlay.py); a per-code ``dissolve`` merges overlaps of
one code only, the balance table counts every parcel.

With ``--repeat N`` each case runs N times, toolkit and peer alternating, and
the medians are shown.

Usage: ``python benchmarks/bench_parcels.py [--sizes 1000 10000 100000] [--with-1m] [--era 2020]
[--layers jittered voronoi overlapping stacked] [--works overlay balance+report] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

CELL_M = 30.0
JITTER_M = 8.0
CODES = ("NO-M", "NO-HT", "CX-DT", "GT-DT", "CN", "NN", "LN", "MN", "HH", "CC-DT")
WORKS = ("overlay", "balance+report", "balance", "overlay-file", "balance-file")
LAYERS = ("jittered", "voronoi", "overlapping", "stacked")


def _district(era: str):
    import shapely

    import haiha_geo

    district = shapely.union_all(haiha_geo.units(era, crs="EPSG:5899").geometry.values)
    shapely.prepare(district)
    return district


def _with_codes(geoms, rng):
    import geopandas as gpd

    return gpd.GeoDataFrame({"code": rng.choice(CODES, len(geoms))}, geometry=geoms, crs="EPSG:5899")


def _random_points(district, n: int, rng) -> np.ndarray:
    """``n`` uniform random points inside the district (x, y)."""
    import shapely

    x0, y0, x1, y1 = district.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform((x0, y0), (x1, y1), (int(n * 1.5 * (x1 - x0) * (y1 - y0) / district.area), 2))
        found = np.concatenate([found, xy[shapely.contains_xy(district, xy[:, 0], xy[:, 1])]])
    return found[:n]


def _voronoi(district, n: int, rng) -> np.ndarray:
    """Voronoi cells of ``n`` random points of the district, clipped to it."""
    import shapely

    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(_random_points(district, n, rng)),
                                                       extend_to=shapely.box(*district.bounds)))
    inside = shapely.contains_properly(district, cells)
    clipped = shapely.intersection(cells[~inside], district)
    clipped = clipped[np.isin(shapely.get_type_id(clipped), (3, 6)) & (shapely.area(clipped) > 0)]
    return np.concatenate([cells[inside], clipped])


def build_layer(kind: str, n: int, era: str, seed: int = 13):
    """``n`` parcels of ``kind`` (see the module's docstring), EPSG:5899, with a land-use ``code``."""
    import shapely

    if kind == "jittered":
        return build_parcels(n, era, seed)
    district, rng = _district(era), np.random.default_rng(seed)
    if kind == "voronoi":
        return _with_codes(_voronoi(district, n, rng), rng)
    if kind == "stacked":
        return _with_codes(np.concatenate([_voronoi(district, n // 2, rng), _voronoi(district, n - n // 2, rng)]),
                           rng)
    cells = _voronoi(district, n, rng)
    centre = shapely.get_coordinates(shapely.centroid(cells))
    scale, turn = rng.uniform(0.92, 1.08, len(cells)), rng.uniform(-np.pi / 60, np.pi / 60, len(cells))
    xy, ring = shapely.get_coordinates(cells), shapely.get_num_coordinates(cells)
    start = np.repeat(np.arange(len(cells)), ring)
    dx, dy = (xy - centre[start]).T * scale[start]
    cos, sin = np.cos(turn)[start], np.sin(turn)[start]
    moved = np.stack([centre[start, 0] + dx * cos - dy * sin, centre[start, 1] + dx * sin + dy * cos], axis=1)
    return _with_codes(shapely.set_coordinates(cells.copy(), moved), rng)


def build_parcels(n: int, era: str, seed: int = 13):
    """``n`` parcels (jittered quads clipped to the district), EPSG:5899, with a land-use ``code``."""
    import geopandas as gpd
    import shapely

    district = _district(era)
    cell = min(CELL_M, float(np.sqrt(district.area * 0.85 / n)))
    rng = np.random.default_rng(seed)
    (cx, cy), side = district.centroid.coords[0], int(np.ceil(np.sqrt(n))) + 1
    while True:
        k = side + 1
        x = cx + (np.arange(k) - k / 2) * cell
        y = cy + (np.arange(k) - k / 2) * cell
        gx, gy = np.meshgrid(x, y)
        gx, gy = gx + rng.uniform(-JITTER_M, JITTER_M, gx.shape) * cell / CELL_M, \
            gy + rng.uniform(-JITTER_M, JITTER_M, gy.shape) * cell / CELL_M
        i, j = np.meshgrid(np.arange(side), np.arange(side))
        i, j = i.ravel(), j.ravel()
        ring = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i), (j, i)]
        coords = np.stack([np.stack([gx[r, c], gy[r, c]], axis=-1) for r, c in ring], axis=1)
        quads = shapely.polygons(coords)
        inside = shapely.contains_properly(district, quads)
        touching = ~inside & shapely.intersects(district, quads)
        clipped = shapely.intersection(quads[touching], district)
        clipped = clipped[(shapely.get_type_id(clipped) == 3) | (shapely.get_type_id(clipped) == 6)]
        clipped = clipped[shapely.area(clipped) > 0]
        parcels = np.concatenate([quads[inside], clipped])
        if len(parcels) >= n:
            break
        side = int(side * 1.2) + 1
    centre = shapely.get_coordinates(shapely.centroid(parcels))
    order = np.argsort(np.hypot(centre[:, 0] - cx, centre[:, 1] - cy), kind="stable")[:n]
    parcels = parcels[np.sort(order)]
    return gpd.GeoDataFrame({"code": rng.choice(CODES, len(parcels))}, geometry=parcels, crs="EPSG:5899")


def _save(frame, path: Path) -> None:
    import shapely

    wkb = shapely.to_wkb(frame.geometry.values)
    sizes = np.fromiter(map(len, wkb), dtype=np.int64, count=len(wkb))
    np.savez(path, wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8), sizes=sizes,
             code=frame["code"].to_numpy(dtype=str))


def _load(path: Path):
    import geopandas as gpd
    import shapely

    data = np.load(path, allow_pickle=False)
    blob, ends = data["wkb"].tobytes(), np.cumsum(data["sizes"])
    wkb = np.array([blob[a:b] for a, b in zip(np.concatenate([[0], ends[:-1]]), ends)], dtype=object)
    return gpd.GeoDataFrame({"code": data["code"].astype(object)}, geometry=shapely.from_wkb(wkb),
                            crs="EPSG:5899")


def run_case(work: str, side: str, path: Path, era: str) -> dict:
    """One case in this process: load units, load parcels, time the work; return seconds and totals."""
    import geopandas as gpd

    import haiha_geo
    from haiha_geo.overlay import overlay_stats
    from haiha_geo.zoning import LandUseWarning, land_use_balance

    era_units = haiha_geo.units(era, crs="EPSG:5899")[["unit_id", "geometry"]]
    gpkg = path.with_suffix(".gpkg")
    parcels = gpkg if work.endswith("-file") else _load(path)
    gc.collect()
    reset = _reset_peak()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        if work.endswith("-file") and side == "peer":
            parcels = gpd.read_file(gpkg)
        work = work.removesuffix("-file")
        if work == "overlay" and side == "toolkit":
            table = overlay_stats(parcels, era)
            totals = dict(zip(table["unit_id"], table["area_ha"]))
        elif work == "overlay":
            pieces = gpd.overlay(parcels, era_units, how="intersection", keep_geom_type=True)
            totals = (pieces.area.groupby(pieces["unit_id"]).sum() / 1e4).to_dict()
        elif side == "toolkit":
            result = land_use_balance(parcels, coverage=work == "balance+report")
            leaves = result.table[result.table["code"].isin(CODES)]
            totals = dict(zip(leaves["code"], leaves["area_ha"]))
        elif work == "balance+report":
            dissolved = parcels.dissolve("code")
            totals = (dissolved.area / 1e4).to_dict()
        else:
            totals = (parcels.area.groupby(parcels["code"]).sum() / 1e4).to_dict()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "totals": {str(k): float(v) for k, v in totals.items()},
            "peak_mib": _peak_mib() if reset else None}


def _reset_peak() -> bool:
    """Reset the process's peak RSS (Linux: ``5`` to /proc/self/clear_refs), so that loading is not counted."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def _child(work: str, side: str, path: Path, era: str) -> tuple[dict, float]:
    """Run one case in a fresh process; return its result and its peak RSS (MiB) while working.

    The peak is VmHWM after the process reset it once the units and parcels
    were loaded (so it counts the resident baseline plus the work); where that
    reset is not possible, ``os.wait4``'s ``ru_maxrss`` of the whole process.
    """
    proc = subprocess.Popen([sys.executable, __file__, "--case", work, side, str(path), "--era", era],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"case {work} {side} failed with status {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return result, result["peak_mib"] or usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--with-1m", action="store_true", help="also 1,000,000 parcels (several minutes)")
    parser.add_argument("--era", default="2020")
    parser.add_argument("--works", nargs="+", default=list(WORKS), choices=WORKS)
    parser.add_argument("--layers", nargs="+", default=list(LAYERS), choices=LAYERS)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case (medians are shown)")
    parser.add_argument("--case", nargs=3, metavar=("WORK", "SIDE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], args.case[1], Path(args.case[2]), args.era)))
        return
    sizes = args.sizes + ([1_000_000] if args.with_1m else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for kind in args.layers:
                rows += _layer_rows(kind, n, args, Path(tmp))
    print("| layer | work | parcels | toolkit s | peer s | ratio | toolkit peak RSS MiB | peer peak RSS MiB "
          "| max |Δ| ha |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(_row(*row))
    import geopandas as gpd
    import shapely

    print(f"\nratio = toolkit / peer (lower is better; medians of {args.repeat}); era {args.era}; each case a fresh "
          f"process, toolkit and peer alternating; shapely {shapely.__version__}, GEOS "
          f"{'.'.join(map(str, shapely.geos_version))}, geopandas {gpd.__version__}, {os.cpu_count()} cores")


def _layer_rows(kind: str, n: int, args: argparse.Namespace, tmp: Path) -> list[tuple]:
    """Build one layer, run every work on it (``args.repeat`` times, sides alternating); one row per work."""
    path = tmp / f"{kind}_{n}.npz"
    frame = build_layer(kind, n, args.era)
    _save(frame, path)
    if any(work.endswith("-file") for work in args.works):
        frame.to_file(path.with_suffix(".gpkg"), engine="pyogrio")
    del frame
    rows = []
    for k, work in enumerate(args.works):
        runs = {"toolkit": [], "peer": []}
        for r in range(args.repeat):
            order = ("toolkit", "peer") if (k + r) % 2 == 0 else ("peer", "toolkit")
            for side in order:
                runs[side].append(_child(work, side, path, args.era))
        (ours, _), (peer, _) = runs["toolkit"][0], runs["peer"][0]
        keys = set(ours["totals"]) | set(peer["totals"])
        diff = max(abs(ours["totals"].get(key, 0.0) - peer["totals"].get(key, 0.0)) for key in keys)
        median = {side: (float(np.median([r["seconds"] for r, _ in got])), float(np.median([m for _, m in got])))
                  for side, got in runs.items()}
        rows.append((kind, work, n, median["toolkit"][0], median["peer"][0], median["toolkit"][1],
                     median["peer"][1], diff))
        print(f"  done {_row(*rows[-1])}", file=sys.stderr, flush=True)  # a long run shows each row as it ends
    return rows


def _row(kind: str, work: str, n: int, ours_s: float, peer_s: float, ours_mib: float, peer_mib: float,
         diff: float) -> str:
    return (f"| {kind} | {work} | {n:,} | {ours_s:.3f} | {peer_s:.3f} | {ours_s / peer_s:.2f} | {ours_mib:,.0f} | "
            f"{peer_mib:,.0f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
