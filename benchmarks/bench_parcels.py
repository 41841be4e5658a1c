"""Benchmark: overlay and land-use balance of parcel layers, against plain geopandas.

Parcel layers are synthetic: a grid of 30 m quads whose shared corners are
jittered (±8 m), in a square window around the centre of the district, clipped
to the district (``haiha_geo.units(era, crs="EPSG:5899")``), so that they form
a clean coverage with parcels cut by the unit boundaries and the shore. Above
the district's ~0.5 M parcels of 30 m, the cells shrink so that the window still
fits the district.

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
0.0001 ha (1 m²), so its differences are rounding, up to 5e-5 ha.

Usage: ``python benchmarks/bench_parcels.py [--sizes 1000 10000 100000] [--with-1m] [--era 2020]``
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


def build_parcels(n: int, era: str, seed: int = 13):
    """``n`` parcels (jittered quads clipped to the district), EPSG:5899, with a land-use ``code``."""
    import geopandas as gpd
    import shapely

    import haiha_geo

    district = shapely.union_all(haiha_geo.units(era, crs="EPSG:5899").geometry.values)
    shapely.prepare(district)
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
    parser.add_argument("--case", nargs=3, metavar=("WORK", "SIDE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], args.case[1], Path(args.case[2]), args.era)))
        return
    sizes = args.sizes + ([1_000_000] if args.with_1m else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"parcels_{n}.npz"
            frame = build_parcels(n, args.era)
            _save(frame, path)
            if any(work.endswith("-file") for work in args.works):
                frame.to_file(path.with_suffix(".gpkg"), engine="pyogrio")
            del frame
            for k, work in enumerate(args.works):
                order = ("toolkit", "peer") if k % 2 == 0 else ("peer", "toolkit")
                got = {side: _child(work, side, path, args.era) for side in order}
                (ours, ours_mib), (peer, peer_mib) = got["toolkit"], got["peer"]
                keys = set(ours["totals"]) | set(peer["totals"])
                diff = max(abs(ours["totals"].get(key, 0.0) - peer["totals"].get(key, 0.0)) for key in keys)
                rows.append((work, n, ours["seconds"], peer["seconds"], ours_mib, peer_mib, diff))
                print(f"  done {work} {n:,}", file=sys.stderr)
    print("| work | parcels | toolkit s | peer s | ratio | toolkit peak RSS MiB | peer peak RSS MiB | max |Δ| ha |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for work, n, ours_s, peer_s, ours_mib, peer_mib, diff in rows:
        print(f"| {work} | {n:,} | {ours_s:.3f} | {peer_s:.3f} | {ours_s / peer_s:.2f} | {ours_mib:,.0f} | "
              f"{peer_mib:,.0f} | {diff:.1e} |")
    import geopandas as gpd
    import shapely

    print(f"\nratio = toolkit / peer (lower is better); era {args.era}; each case a fresh process, toolkit and peer "
          f"alternating; shapely {shapely.__version__}, GEOS {'.'.join(map(str, shapely.geos_version))}, "
          f"geopandas {gpd.__version__}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
