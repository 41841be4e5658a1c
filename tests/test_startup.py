"""Start-up: what loading the command line and the light commands import (fresh processes, ``sys.modules``).

The timings are in ``benchmarks/bench_startup.py``; these tests pin the cause: a library that is not
imported costs no time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

#: Libraries that loading the command line, and a warm light command, must not import.
HEAVY = ("geopandas", "pandas", "numpy", "shapely", "matplotlib", "pyogrio", "pyproj", "folium", "openpyxl")
#: Libraries that draw or compute geometry: the registry, names and lineage never need them.
GEOMETRY = ("geopandas", "shapely", "matplotlib", "pyogrio", "pyproj", "folium")

_PROBE = """
import json, sys
{body}
mods = sorted({{m.split(".")[0] for m in sys.modules}})
print("\\n" + json.dumps([m for m in mods if m not in sys.stdlib_module_names and not m.startswith("_")]))
"""


def _run(body: str, cache) -> list[str]:
    env = {**os.environ, "HAIHA_GEO_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE.format(body=body)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def imported(body: str, cache) -> list[str]:
    """The top-level non-standard modules a fresh interpreter imports to run ``body`` (beyond its start-up's)."""
    return [m for m in _run(body, cache) if m not in _run("pass", cache)]


def _main(argv: list[str]) -> str:
    return (f"from haiha_geo.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "sys.stdout.flush()")


@pytest.mark.parametrize("body", [
    "import haiha_geo.cli as cli; cli.build_parser()",
    _main(["--version"]), _main(["--help"]), _main(["units", "--help"]), _main(["print", "--help"]),
    _main(["cache", "info"]),
], ids=["build_parser", "version", "help", "units-help", "print-help", "cache-info"])
def test_loading_the_command_line_imports_no_heavy_library(body, tmp_path):
    assert imported(body, tmp_path) == ["haiha_geo"]


@pytest.mark.parametrize("argv", [
    ["lineage"], ["lineage", "--format", "json"], ["lookup", "Dai Dien Nam"], ["lookup", "Quảng Long", "--era", "2025"],
    ["units", "--era", "2025"], ["units", "--date", "2021-06-30", "--format", "csv"], ["stats", "--era", "2020"],
    ["crosswalk", "--from", "2019", "--to", "2025", "--format", "json"],
], ids=" ".join)
def test_a_warm_query_command_imports_only_the_toolkit(argv, tmp_path):
    cold = imported(_main(argv), tmp_path)
    assert {"geopandas", "pandas"} <= set(cold)  # the first run derives the table, and keeps it
    assert imported(_main(argv), tmp_path) == ["haiha_geo"]


def test_the_registry_names_and_lineage_load_no_geometry_library(tmp_path):
    body = ("from haiha_geo import names, registry\nregistry.lineage(); registry.check()\n"
            "names.find_units('Dai Dien Nam'); names.resolve('Quảng Hà', '2025')")
    assert not set(imported(body, tmp_path)) & set(GEOMETRY)
