"""Benchmark: building the era hierarchy, and assigning points to units in all eras.

Prints one table comparing, in the same run and on the same points,

* ``haiha_geo.assign`` (one STRtree query against the atoms answers 2019, 2020
  and 2025 at once), against
* three plain ``geopandas.sjoin(points, units(era), predicate="within")``, one
  per era (the peer a GIS analyst would write).

Usage: ``python benchmarks/bench_eras.py [--points 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import haiha_geo
from haiha_geo import registry, sources


def _clear_caches() -> None:
    haiha_geo.clear_caches()
    sources._verified.cache_clear()


def build_all() -> None:
    """Cold build: read and verify sources, clean, cut, dissolve the three eras, crosswalk 2019→2025."""
    _clear_caches()
    for era in registry.era_ids():
        haiha_geo.units(era)
    haiha_geo.crosswalk("2019", "2025")


def random_points(n: int, seed: int = 2019) -> gpd.GeoSeries:
    """``n`` uniformly random points inside the district (EPSG:4326)."""
    district = shapely.union_all(haiha_geo.units("2019").geometry.values)
    shapely.prepare(district)
    minx, miny, maxx, maxy = district.bounds
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        inside = shapely.contains_xy(district, x, y)
        xs.append(x[inside]), ys.append(y[inside])
    return gpd.GeoSeries(shapely.points(np.concatenate(xs)[:n], np.concatenate(ys)[:n]), crs="EPSG:4326")


def three_sjoins(points: gpd.GeoSeries) -> pd.DataFrame:
    """The peer: one ``geopandas.sjoin`` per era."""
    frame = gpd.GeoDataFrame(geometry=points)
    out = {}
    for era in registry.era_ids():
        layer = haiha_geo.units(era)[["unit_id", "geometry"]]
        joined = gpd.sjoin(frame, layer, predicate="within", how="left")
        out[f"unit_{era}"] = joined.loc[~joined.index.duplicated(), "unit_id"]
    return pd.DataFrame(out)


def timed(fn, *args, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mib(fn, *args) -> float:
    gc.collect()
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    build_s, _ = timed(build_all, repeat=args.repeat)
    build_mib = peak_mib(build_all)
    points = random_points(args.points)
    haiha_geo.assign(points[:10])  # warm the cached atoms, as sjoin's layers are warm
    ours_s, ours = timed(haiha_geo.assign, points, repeat=args.repeat)
    peer_s, peer = timed(three_sjoins, points, repeat=args.repeat)
    ours_mib, peer_mib = peak_mib(haiha_geo.assign, points), peak_mib(three_sjoins, points)
    agree = min((ours[c].fillna("-") == peer[c].reindex(ours.index).fillna("-")).mean() for c in ours.columns)

    rows = [
        ("build 3 eras + crosswalk 2019→2025 (cold)", build_s, None, build_mib),
        (f"haiha_geo.assign, {args.points:,} pts × 3 eras", ours_s, args.points / ours_s, ours_mib),
        (f"3 × geopandas.sjoin, {args.points:,} pts", peer_s, args.points / peer_s, peer_mib),
    ]
    print(f"{'task':<48} {'seconds':>9} {'points/s':>12} {'peak MiB':>9}")
    for name, secs, rate, mib in rows:
        print(f"{name:<48} {secs:>9.3f} {'' if rate is None else f'{rate:,.0f}':>12} {mib:>9.1f}")
    print(f"speed-up of assign over three sjoins: {peer_s / ours_s:.2f}×; same unit for {agree:.4%} of points")
    print(f"(best of {args.repeat}; peak = Python allocations traced by tracemalloc; "
          f"shapely {shapely.__version__}, GEOS {'.'.join(map(str, shapely.geos_version))}, "
          f"geopandas {gpd.__version__})")


if __name__ == "__main__":
    main()
