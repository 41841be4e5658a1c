"""Benchmark: how fast the ``haiha-geo`` command starts, against ``python -c "import geopandas"``.

Each command runs in a fresh process, the peer and the toolkit alternating in
one run; the table gives the median wall time of ``--repeat`` runs, its ratio
to the peer, the target ratio and the peak RSS of the process (``wait4``'s
``ru_maxrss``). The query commands run twice in each round: *warm* (served
from the on-disk cache, filled by the first round) and *cold* (``--no-cache``:
the era layers are derived again). The cache is a temporary folder
(``HAIHA_GEO_CACHE``), never the user's.

Targets (issue 17): ``--version`` and ``--help`` at most a third of the peer's
time; ``lookup`` and ``lineage`` at most half; ``units``, ``stats`` and
``crosswalk`` (warm) no slower than the peer.

Usage: ``python benchmarks/bench_startup.py [--repeat 15]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

_TOOL = [sys.executable, "-m", "haiha_geo"]
_QUERIES = {
    "lookup 'Dai Dien Nam' --era 2025": (["lookup", "Dai Dien Nam", "--era", "2025"], 0.5),
    "lineage": (["lineage"], 0.5),
    "units --era 2025": (["units", "--era", "2025"], 1.0),
    "stats --era 2025": (["stats", "--era", "2025"], 1.0),
    "crosswalk --from 2019 --to 2025": (["crosswalk", "--from", "2019", "--to", "2025"], 1.0),
}
#: Label → (argv, target ratio to the peer or None).
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    'python -c "import geopandas" (peer)': ([sys.executable, "-c", "import geopandas"], None),
    "python -c pass (the interpreter alone)": ([sys.executable, "-c", "pass"], None),
    "haiha-geo --version": ([*_TOOL, "--version"], 1 / 3),
    "haiha-geo --help": ([*_TOOL, "--help"], 1 / 3),
    **{f"haiha-geo {name} (warm)": ([*_TOOL, *argv], target) for name, (argv, target) in _QUERIES.items()},
    **{f"haiha-geo {name} (cold)": ([*_TOOL, "--no-cache", *argv], None) for name, (argv, _) in _QUERIES.items()},
}


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    os.environ["HAIHA_GEO_CACHE"] = tempfile.mkdtemp(prefix="bench-startup-cache-")
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    rss = {name: 0.0 for name in COMMANDS}
    for argv, _ in COMMANDS.values():  # warm the file cache once, and fill the disk cache
        run_once(argv)
    for _ in range(args.repeat):
        for name, (argv, _) in COMMANDS.items():
            seconds, peak = run_once(argv)
            times[name].append(seconds)
            rss[name] = max(rss[name], peak)
    peer = statistics.median(times[next(iter(COMMANDS))])
    print(f"start-up, median of {args.repeat} fresh processes each, alternating (Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<54} {'median s':>9} {'× peer':>7} {'target':>7} {'peak RSS MiB':>13}")
    for name, (_, target) in COMMANDS.items():
        median = statistics.median(times[name])
        goal = "" if target is None else f"≤ {target:.2f}" + (" ✓" if median / peer <= target else " ✗")
        print(f"{name:<54} {median:>9.3f} {median / peer:>7.2f} {goal:>9} {rss[name]:>11.1f}")


if __name__ == "__main__":
    main()
