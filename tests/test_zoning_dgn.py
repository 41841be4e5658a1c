"""Plans from MicroStation DGN v7 drawings: levels mapped to land-use codes through the CAD layer map.

The drawing is authored here from the rectangles of ``zoning_plans.strips`` (whole metres: DGN v7 stores
integer units of resolution, 1 cm in GDAL's default seed file) and written as DGN v7 by Debian's
``ogr2ogr`` (GDAL's DGN driver cannot create the Level field through pyogrio). The tests fail, not skip,
without ``ogr2ogr`` (package gdal-bin, installed by .ci/run).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings

import geopandas as gpd
import pyogrio
import pytest
import shapely
from zoning_plans import E0, N0, STRIPS, strips

from haiha_geo.errors import CRSError, InputFileError
from haiha_geo.zoning import LandUseWarning, land_use_balance, read_dgn

WHOLE = [(code, float(round(width))) for code, width in STRIPS]
LEVELS = {code: level for level, (code, _) in enumerate(WHOLE, start=10)}
FRAME_LEVEL = 63


def write_dgn(tmp_path, extra=()):
    """A DGN v7 drawing: one shape per strip on its level, a frame line string, and ``extra`` features."""
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        pytest.fail("ogr2ogr is missing: install Debian's gdal-bin (apt-get install gdal-bin); .ci/run does")
    plan = strips(WHOLE)
    plan["Level"] = [LEVELS[c] for c in plan["code"]]
    frame = shapely.LineString([(E0 - 10, N0 - 10), (E0 + 600, N0 - 10)])  # open: reported, skipped
    more = [(FRAME_LEVEL, frame), *extra]
    rows = gpd.GeoDataFrame({"Level": [*plan["Level"], *(lv for lv, _ in more)]},
                            geometry=[*plan.geometry, *(g for _, g in more)], crs="EPSG:5899")
    source = tmp_path / "plan.geojson"
    pyogrio.write_dataframe(rows, source, driver="GeoJSON")
    target = tmp_path / "plan.dgn"
    subprocess.run([ogr2ogr, "-f", "DGN", str(target), str(source)], check=True, capture_output=True)
    return target


def test_gdal_in_the_wheels_reads_dgn_v7():
    assert "r" in pyogrio.list_drivers().get("DGN", "")


def test_dgn_levels_give_the_same_table_as_the_rectangles(tmp_path):
    dgn = write_dgn(tmp_path)
    assert dgn.read_bytes()[:2] in (b"\x08\x09", b"\xc8\x09")  # a DGN v7 design file header
    frame, notes = read_dgn(dgn, crs="EPSG:5899")
    assert sorted(frame["level"].astype(int)) == sorted(LEVELS.values())
    assert any("line string element(s) that are not closed shapes (level 63)" in n for n in notes)
    mapping = {str(level): code for code, level in LEVELS.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        from_dgn = land_use_balance(dgn, crs="EPSG:5899", code_map=mapping, population=4000)
    direct = land_use_balance(strips(WHOLE), population=4000)
    assert from_dgn.table.equals(direct.table)
    assert from_dgn.total_ha == direct.total_ha


def test_cli_balance_of_a_dgn_with_the_cad_layer_map(tmp_path, cli):
    dgn = write_dgn(tmp_path, extra=[(FRAME_LEVEL + 0, shapely.box(E0 - 50, N0 - 50, E0 + 600, N0 + 300))])
    mapping = tmp_path / "levels.csv"
    mapping.write_text("layer,code\n" + "".join(f"{level},{code}\n" for code, level in LEVELS.items())
                       + f"{FRAME_LEVEL},ignore\n", encoding="utf-8")
    run = cli("balance", str(dgn), "--crs", "EPSG:5899", "--cad-layer-map", str(mapping), "--format", "json")
    assert run.code == 0, run.err
    assert run.json()["total_ha"] == land_use_balance(strips(WHOLE)).total_ha
    assert "warning: plan.dgn: skipped 1 line string element(s)" in run.err


def test_dgn_without_crs_and_dgn_v8_are_typed_errors(tmp_path, cli):
    dgn = write_dgn(tmp_path)
    with pytest.raises(CRSError, match="DGN v7 drawing records no coordinate reference system"):
        read_dgn(dgn, crs=None)
    v8 = tmp_path / "v8.dgn"
    v8.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    with pytest.raises(InputFileError, match=r"DGN v8.*save it as V7"):
        read_dgn(v8, crs="EPSG:5899")
    run = cli("balance", str(v8), "--crs", "EPSG:5899")
    assert run.code == 2 and run.err.count("\n") == 1 and "DGN v8" in run.err
