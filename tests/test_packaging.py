"""The wheel carries the authored data, so an installed (non-editable) package finds it."""

import subprocess
import sys
import zipfile
from pathlib import Path

from haiha_geo import authored as _data

ROOT = Path(__file__).resolve().parents[1]


def test_authored_folders_are_found():
    for folder in ("boundaries", "layers", "maps"):
        assert _data.authored_dir(folder).is_dir()
    assert len(_data.read_csv("boundaries", "units.csv")) == 31


def test_wheel_contains_authored_data_and_no_reference_data(tmp_path):
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    wheel = next(tmp_path.glob("haiha_geo-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("haiha_geo/_authored/boundaries/units.csv", "haiha_geo/_authored/boundaries/sources.toml",
                     "haiha_geo/cli/__init__.py", "haiha_geo/__main__.py"):
        assert expected in names
    assert not [n for n in names if n.endswith(".geojson") and "haiha_communes" in n]
    assert any(n.endswith("entry_points.txt") for n in names)
