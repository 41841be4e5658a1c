"""Benchmark: Quảng Ninh province (``--place quang-ninh``) at the size of its registers.

Run from the repository root::

    python benchmarks/bench_province.py [--rows 1000000 10000000] [--points 50000000] [--skip-map]
        [--skip-crosswalk] [--rekey-repeat 3] [--keys "name + district" code coordinates]

Rows, in one run (each toolkit case in a fresh process, so its time includes loading the province; peak
RSS is the child's):

* **crosswalk 186 → 54**: ``haiha_geo.crosswalk("2019", "2025")`` cold (the era hierarchy built from the
  province polygons) against the naive peer, ``geopandas.overlay`` of the GADM 2019 polygons on the
  vn3dmap 2025 polygons with a groupby of the shares (which ignores the law: see the last column);
* **province map**: page bytes, build time and drawn time of this toolkit's offline page of the 186
  units of 2019 against ``explore()`` of the same 186 units (draw probe of ``bench_maps.py``);
* **rekey**: ``haiha-geo rekey`` of N rows keyed by (name, district), by code or by coordinates (a point
  inside the row's unit) against ``vietnamadminunits``' ``convert_address`` (name-based, one call per row;
  timed on a sample and scaled), alternating, medians of ``--rekey-repeat`` runs, with the share of unsplit
  units on which both give the same 2025 unit;
* **assign**: ``haiha-geo assign`` of N points streamed from GeoParquet (read and written in chunks).

The machine is a shared 2-core one; figures are single runs unless said (rekey: medians).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def child(code: str) -> dict:
    """Run ``code`` (which prints one JSON line) in a fresh interpreter; add its wall time and its own peak RSS."""
    probe = "\nimport resource as _r, sys as _s; print('PEAK', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss, file=_s.stderr)"
    start = time.perf_counter()
    done = subprocess.run([PY, "-c", code + probe], capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    peak = int(re.findall(r"^PEAK (\d+)$", done.stderr, re.M)[-1]) / 1024
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall_s": wall, "peak_mib": peak}


def command(args: list[str]) -> dict:
    """``haiha-geo --place quang-ninh ARGS`` in a fresh process: wall time and peak RSS (ru_maxrss of children)."""
    return child("import sys, json, time; from haiha_geo.cli import main; t = time.perf_counter(); "
                 f"code = main({['--place', 'quang-ninh', *args]!r}); "
                 "print(json.dumps({'code': code, 'inner_s': time.perf_counter() - t}))")


CROSSWALK_OURS = """
import json, time
t = time.perf_counter()
import haiha_geo
haiha_geo.set_place("quang-ninh")
walk = haiha_geo.crosswalk("2019", "2025")
print(json.dumps({"pairs": len(walk), "split_pairs": int(walk.split.sum()), "inner_s": time.perf_counter() - t}))
"""

CROSSWALK_PEER = """
import json, time
t = time.perf_counter()
import geopandas as gpd
from haiha_geo.sources import source_file
import haiha_geo
haiha_geo.set_place("quang-ninh")
old = gpd.read_file(source_file("gadm41")).to_crs(5899)[["GID_3", "geometry"]]
new = gpd.read_file(source_file("vn3dmap2025")).to_crs(5899)[["id", "geometry"]]
old["geometry"], new["geometry"] = old.make_valid(), new.make_valid()
old["unit_area"] = old.area
pieces = gpd.overlay(old, new, how="intersection", keep_geom_type=True)
pieces["share"] = pieces.area / pieces["unit_area"]
shares = pieces.groupby(["GID_3", "id"])["share"].sum()
split = shares[(shares > 0.02) & (shares < 0.98)].index.get_level_values(0).nunique()
print(json.dumps({"pairs": len(shares), "split_units": int(split), "inner_s": time.perf_counter() - t}))
"""


def bench_crosswalk() -> list[str]:
    ours, peer = child(CROSSWALK_OURS), child(CROSSWALK_PEER)
    return [f"| crosswalk 186 → 54 (cold, in a fresh process) | {ours['wall_s']:.1f} s, {ours['peak_mib']:.0f} MiB"
            f" | {peer['wall_s']:.1f} s, {peer['peak_mib']:.0f} MiB | {ours['wall_s'] / peer['wall_s']:.2f} | "
            f"toolkit: {ours['pairs']} pairs, only legal successors; peer: {peer['pairs']} overlapping pairs, "
            f"{peer['split_units']} units 'split' 2–98 % (the law splits 16) |"]


MAP_PAGES = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "benchmarks")
import bench_maps
import haiha_geo
from haiha_geo.maps import build_map, parse_spec
haiha_geo.set_place("quang-ninh")
spec = parse_spec({"title": "Quảng Ninh 2019", "layers": [{"id": "u", "kind": "era", "era": "2019"}]})
haiha_geo.units("2019"); build_map(spec, offline=True)  # warm: the era geometry and its simplified arcs
t = time.perf_counter(); ours = build_map(spec, offline=True).html; t_ours = time.perf_counter() - t
haiha_geo.units("2019").explore(tiles=None)
t = time.perf_counter()
fmap = haiha_geo.units("2019").explore(tiles=None)
with tempfile.TemporaryDirectory() as tmp:
    fmap.save(Path(tmp) / "e.html"); explore = (Path(tmp) / "e.html").read_text(encoding="utf-8")
t_explore = time.perf_counter() - t
explore = bench_maps.inline_libraries(explore)
data = {"ours": len(ours.encode()) - bench_maps.library_bytes(True),
        "explore": len(explore.encode()) - bench_maps.library_bytes(False)}
out = Path(tempfile.mkdtemp())
(out / "ours.html").write_text(ours, encoding="utf-8"); (out / "explore.html").write_text(explore, encoding="utf-8")
print(json.dumps({"dir": str(out), "data": data, "build": {"ours": t_ours, "explore": t_explore}}))
"""


def bench_map(repeat: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_maps

    pages = child(MAP_PAGES)
    bench_maps.DRAW_PROBE = re.sub(r">= \d+\)", ">= 186)", bench_maps.DRAW_PROBE)
    html = {n: (Path(pages["dir"]) / f"{n}.html").read_text(encoding="utf-8") for n in ("ours", "explore")}
    drawn = bench_maps.draw_times(html, repeat)
    d, b = pages["data"], pages["build"]
    return [f"| province map, data layers (186 units of 2019) | {d['ours'] / 1e3:,.0f} kB | "
            f"{d['explore'] / 1e3:,.0f} kB | {d['ours'] / d['explore']:.2f} | libraries not counted |",
            f"| province map, build (warm geometry) | {b['ours']:.2f} s | {b['explore']:.2f} s | "
            f"{b['ours'] / b['explore']:.2f} | |",
            f"| province map, drawn (median of {repeat}) | {drawn['ours']:.0f} ms | {drawn['explore']:.0f} ms | "
            f"{drawn['ours'] / drawn['explore']:.2f} | headless Chromium, file:// |"]


MAKE_TABLE = """
import json, sys
import numpy as np, pandas as pd, shapely
import haiha_geo
from haiha_geo import eras, registry
haiha_geo.set_place("quang-ninh")
u = registry.units_table("2019")
at = eras.units("2019").set_index("unit_id").geometry.reindex(u["unit_id"]).values
lon, lat = shapely.get_coordinates(shapely.point_on_surface(at)).T  # a point inside each unit
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
with open(path, "w", encoding="utf-8") as fh:
    fh.write("stt,xa,huyen,ma_xa,lon,lat,so_ho\\n")
    for start in range(0, n, 1_000_000):
        k = min(1_000_000, n - start)
        pick = rng.integers(0, len(u), k)
        pd.DataFrame({"stt": np.arange(start, start + k), "xa": (u["type"] + " " + u["name"]).to_numpy()[pick],
                      "huyen": u["district"].to_numpy()[pick], "ma_xa": u["code"].to_numpy()[pick],
                      "lon": lon[pick].round(6), "lat": lat[pick].round(6), "so_ho": rng.integers(1, 9, k)}).to_csv(
            fh, header=False, index=False, lineterminator="\\n")
print(json.dumps({"rows": n}))
"""

#: The key columns of each kind of re-keying the benchmark times.
KEYS = {"name + district": ["--name-column", "xa", "--district-column", "huyen"],
        "code": ["--code-column", "ma_xa"], "coordinates": ["--lon-column", "lon", "--lat-column", "lat"]}

PEER = """
import json, sys, time
import haiha_geo
from haiha_geo import registry
from haiha_geo.rekey import successors
from vietnamadminunits import convert_address
haiha_geo.set_place("quang-ninh")
units = registry.units_table("2019").set_index("unit_id")
new_codes = registry.units_table("2025").set_index("unit_id")["code"]
succ = successors("2019", "2025").set_index("old_unit_id")
agree = total = 0
t = time.perf_counter()
for unit_id, row in succ.iterrows():
    if row.method == "split":
        continue
    u = units.loc[unit_id]
    got = convert_address(f"{u.type} {u['name']}, {u.district}, Tỉnh Quảng Ninh")
    total += 1
    agree += got.ward_code == new_codes[row.new_unit_ids[0]]
per_row = (time.perf_counter() - t) / total
print(json.dumps({"agree": agree, "total": total, "per_row_s": per_row}))
"""


def bench_rekey(sizes: list[int], tmp: Path, repeat: int, keys: list[str]) -> list[str]:
    """Each size and key kind: the toolkit (a fresh process each run) and the peer, alternating, ``repeat`` times;
    medians."""
    rows = []
    for n in sizes:
        table, out = tmp / f"records_{n}.csv", tmp / f"rekeyed_{n}.csv"
        subprocess.run([PY, "-c", MAKE_TABLE, str(n), str(table)], check=True, cwd=ROOT, capture_output=True)
        for kind in keys:
            ours, peers = [], []
            for _ in range(repeat):
                ours.append(command(["rekey", str(table), "--from", "2019", *KEYS[kind], "--out", str(out)]))
                peers.append(child(PEER))
            wall, peak = statistics.median(r["wall_s"] for r in ours), statistics.median(r["peak_mib"] for r in ours)
            per_row = statistics.median(p["per_row_s"] for p in peers)
            peer = peers[-1]
            rows.append(f"| rekey {n:,} rows ({kind} → 2025), median of {repeat} | {wall:.1f} s, {peak:.0f} MiB | "
                        f"≈ {per_row * n:,.0f} s (scaled from {per_row * 1e3:.2f} ms/row) | {wall / (per_row * n):.4f} "
                        f"| the peer gives the toolkit's unit for {peer['agree']} of {peer['total']} unsplit units |")
        table.unlink()
        out.unlink()
    return rows


MAKE_POINTS = """
import json, sys
import numpy as np, pyarrow as pa, pyarrow.parquet as pq, shapely
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(3)
geo = json.dumps({"version": "1.0.0", "primary_column": "geometry",
                  "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}).encode()
writer = None
for start in range(0, n, 2_000_000):
    k = min(2_000_000, n - start)
    wkb = shapely.to_wkb(shapely.points(rng.uniform(106.45, 108.05, k), rng.uniform(20.7, 21.65, k)))
    table = pa.table({"id": np.arange(start, start + k), "geometry": wkb})
    if writer is None:
        writer = pq.ParquetWriter(path, table.schema.with_metadata({b"geo": geo}))
    writer.write_table(table)
writer.close()
print(json.dumps({"points": n}))
"""


def bench_assign(n: int, tmp: Path) -> list[str]:
    points, out = tmp / "points.parquet", tmp / "assigned.parquet"
    subprocess.run([PY, "-c", MAKE_POINTS, str(n), str(points)], check=True, cwd=ROOT, capture_output=True)
    ours = command(["assign", str(points), "--out", str(out)])
    size = points.stat().st_size / 2**20
    points.unlink()
    out.unlink()
    return [f"| assign {n:,} points from GeoParquet ({size:,.0f} MiB), every era | {ours['wall_s']:.0f} s, "
            f"{ours['peak_mib']:.0f} MiB | — | — | read and written in chunks of 250,000 |"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--points", type=int, default=50_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--skip-map", action="store_true")
    parser.add_argument("--skip-crosswalk", action="store_true")
    parser.add_argument("--rekey-repeat", type=int, default=3, help="toolkit/peer runs of each rekey case")
    parser.add_argument("--keys", nargs="*", choices=list(KEYS), default=["name + district"],
                        help="the key kinds of rekey to time")
    args = parser.parse_args(argv)
    lines = ["| case | toolkit | peer | ratio | note |", "|---|---|---|---|---|"]
    if not args.skip_crosswalk:
        lines += bench_crosswalk()
    if not args.skip_map:
        lines += bench_map(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        lines += bench_rekey(args.rows, Path(tmp), args.rekey_repeat, args.keys)
        if args.points:
            lines += bench_assign(args.points, Path(tmp))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
