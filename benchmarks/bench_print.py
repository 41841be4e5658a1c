"""Benchmark: printed pages — seconds per A3 district map and per 1:2,000 atlas page, and PDF sizes.

Run from the repository root::

    python benchmarks/bench_print.py [--repeat 3] [--sheets 12]

Compared in one run, on the same era-2025 units in EPSG:5899:

* **A3 district map** (``print_map``: frame at an exact scale, grid, labels,
  legend, title block) against the plain peer a notebook user would write,
  ``GeoDataFrame.plot()`` on an A3 figure saved as PDF (no grid, scale, legend
  or title block): build + save seconds (median of ``--repeat`` runs after a
  warm-up; era geometry cached for both) and PDF bytes;
* **atlas**: ``--sheets`` 1:2,000 cadastral sheets of xã Quảng Hà (2025) on
  A1, seconds per page and bytes per page;
* peak RSS of the process;
* with ``--memory 10,100``: the peak RSS of a fresh process writing an atlas of
  10 and of 100 sheets (pages are drawn and released one at a time, so it
  should not grow with the page count), and of the largest PNG the pixel budget
  allows (A4 at 1200 dpi).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from haiha_geo.eras import units
from haiha_geo.printing import atlas, print_map
from haiha_geo.zoning.study import sheets, study_area


def _timed(make, repeat: int) -> tuple[float, object]:
    make()  # warm-up: caches, fonts
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = make()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def _peer(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(420 / 25.4, 297 / 25.4))
    units("2025", crs="EPSG:5899").plot(ax=ax, edgecolor="#b15928", facecolor="#b1592855")
    fig.savefig(path, format="pdf")
    plt.close(fig)
    return path


_ATLAS_RSS = """
import resource, sys, tempfile, time, pathlib
from haiha_geo.printing import atlas
from haiha_geo.zoning.study import sheets, study_area
index = sheets(study_area("Quảng Hà", "2025"), 2000, "cadastral")
start = time.perf_counter()
atlas("Quảng Hà", era="2025", only=list(index["sheet"][:int(sys.argv[1])])).save(
    pathlib.Path(tempfile.mkdtemp()) / "a.pdf")
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
_PNG_RSS = """
import resource, tempfile, time, pathlib
from haiha_geo.printing import print_map
start = time.perf_counter()
print_map(era="2025", paper="A4").save(pathlib.Path(tempfile.mkdtemp()) / "a.png", dpi=1200)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _fresh(code: str, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of ``code`` run in a new interpreter."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    seconds, mib = done.stdout.split()[-2:]
    return float(seconds), float(mib)


def memory(pages: list[int]) -> None:
    """Peak RSS of atlases of ``pages`` sheets and of the largest PNG in the pixel budget."""
    print(f"{'case':<34}  {'time':>8}  {'peak RSS':>9}")
    for n in pages:
        seconds, mib = _fresh(_ATLAS_RSS, str(n))
        print(f"{f'atlas of {n} sheets (A1, 1:2,000)':<34}  {seconds:>6.0f} s  {mib:>5.0f} MiB")
    seconds, mib = _fresh(_PNG_RSS)
    print(f"{'PNG A4 at 1200 dpi (139 Mpx)':<34}  {seconds:>6.0f} s  {mib:>5.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sheets", type=int, default=12, help="atlas sheets to print (default 12)")
    parser.add_argument("--memory", metavar="N,N", help="only the memory runs: atlases of these page counts")
    args = parser.parse_args()
    if args.memory:
        memory([int(n) for n in args.memory.split(",")])
        return
    out = Path(tempfile.mkdtemp(prefix="bench_print_"))
    units("2025", crs="EPSG:5899")

    ours, path = _timed(lambda: print_map(era="2025", paper="A3").save(out / "district.pdf"), args.repeat)
    peer, peer_path = _timed(lambda: _peer(out / "peer.pdf"), args.repeat)
    index = sheets(study_area("Quảng Hà", "2025"), 2000, "cadastral")
    chosen = list(index["sheet"][: args.sheets])
    atlas_s, atlas_path = _timed(lambda: atlas("Quảng Hà", era="2025", only=chosen).save(out / "atlas.pdf"), 1)
    n = len(chosen)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("A3 district map (print_map)", f"{ours:.2f} s", f"{path.stat().st_size / 1024:.0f} KiB"),
        ("A3 GeoDataFrame.plot (peer)", f"{peer:.2f} s", f"{peer_path.stat().st_size / 1024:.0f} KiB"),
        ("ratio ours / peer", f"{ours / peer:.1f}×", f"{path.stat().st_size / peer_path.stat().st_size:.1f}×"),
        (f"atlas 1:2,000 A1, {n} sheets", f"{atlas_s / n:.2f} s/page",
         f"{atlas_path.stat().st_size / n / 1024:.0f} KiB/page"),
        (f"atlas whole file ({n} pages)", f"{atlas_s:.1f} s", f"{atlas_path.stat().st_size / 1024:.0f} KiB"),
        (f"xã Quảng Hà (2025) whole atlas, {len(index)} sheets (estimate)", f"{atlas_s / n * len(index):.0f} s", ""),
        ("peak RSS", f"{rss_mb:.0f} MiB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'time':>12}  {'PDF size':>14}")
    for name, seconds, size in rows:
        print(f"{name:<{width}}  {seconds:>12}  {size:>14}")


if __name__ == "__main__":
    main()
