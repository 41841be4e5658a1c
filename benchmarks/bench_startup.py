"""Benchmark: how fast the ``haiha-geo`` command starts, against ``python -c "import geopandas"``.

Each command runs in a fresh process, the peer and the toolkit alternating in
one run; the table gives the median wall time of ``--repeat`` runs, its ratio
to the peer, and the peak RSS of the process (``wait4``'s ``ru_maxrss``).

Targets (issue 9): ``--version`` and ``--help`` in well under a third of the
peer's time; a table command (``units --era 2025``) no slower than the peer
plus its own work.

Usage: ``python benchmarks/bench_startup.py [--repeat 15]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    'python -c "import geopandas" (peer)': [sys.executable, "-c", "import geopandas"],
    "haiha-geo --version": [sys.executable, "-m", "haiha_geo", "--version"],
    "haiha-geo --help": [sys.executable, "-m", "haiha_geo", "--help"],
    "haiha-geo units --era 2025": [sys.executable, "-m", "haiha_geo", "units", "--era", "2025"],
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
    times = {name: [] for name in COMMANDS}
    rss = {name: 0.0 for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache once
        run_once(argv)
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            seconds, peak = run_once(argv)
            times[name].append(seconds)
            rss[name] = max(rss[name], peak)
    peer = statistics.median(times[next(iter(COMMANDS))])
    print(f"start-up, median of {args.repeat} fresh processes each, alternating (Python {sys.version.split()[0]})")
    print(f"{'command':<38} {'median s':>9} {'× peer':>7} {'peak RSS MiB':>13}")
    for name in COMMANDS:
        median = statistics.median(times[name])
        print(f"{name:<38} {median:>9.3f} {median / peer:>7.2f} {rss[name]:>13.1f}")


if __name__ == "__main__":
    main()
