"""Issue 8, CLI and API part: no input is ever written, one error contract, CRS you can trust, progress.

Every case asserts the exit status (or the error type), the message, and that
no input and no destination changed: the whole working folder is hashed
before and after (names and SHA-256), so a temp file left behind fails too.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from zoning_plans import strips

from haiha_geo import crs, vector_io
from haiha_geo.authored import shipped_dir
from haiha_geo.cli import output as cli_output
from haiha_geo.errors import CRSError, GeometryError, OptionError, OutsidePlanningAreaError

ZONE = shapely.box(107.70, 21.40, 107.76, 21.46)  # inside thị trấn Quảng Hà and its neighbours


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (links as their target text) with its SHA-256."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(folder))] = "-> " + os.readlink(path)
        elif path.is_file():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder holding one input of each kind, made the working directory."""
    import ezdxf

    monkeypatch.chdir(tmp_path)
    gpd.GeoDataFrame({"site_id": ["hai_ha_seaport_iz"]}, geometry=[ZONE], crs="EPSG:4326").to_file("zone.geojson")
    strips().to_file("plan.gpkg")
    doc = ezdxf.new()
    for code, geom in zip(strips()["code"], strips().geometry):
        doc.modelspace().add_lwpolyline(list(geom.exterior.coords)[:-1], close=True, dxfattribs={"layer": "L_" + code})
    doc.saveas("plan.dxf")
    Path("m.csv").write_text("layer,code\n" + "".join(f"L_{c},{c}\n" for c in strips()["code"]), encoding="utf-8")
    categories = shipped_dir("layers") / "landuse_categories.csv"
    Path("cats.csv").write_bytes(categories.read_bytes())
    return tmp_path


# --- 1. inputs are never written ------------------------------------------------------------------------------

SAME_AS_INPUT = {
    "overlay zone": (["overlay", "zone.geojson", "--era", "2020", "--out", "zone.geojson"], "zone.geojson"),
    "balance gpkg as xlsx": (["balance", "plan.gpkg", "--format", "xlsx", "--out", "plan.gpkg"], "plan.gpkg"),
    "balance dxf map": (["balance", "plan.dxf", "--crs", "EPSG:5899", "--cad-layer-map", "m.csv", "--out", "m.csv"],
                        "m.csv"),
    "balance categories": (["balance", "plan.gpkg", "--categories", "cats.csv", "--out", "cats.csv"], "cats.csv"),
    "sites footprints": (["sites", "--footprints", "zone.geojson", "--out", "zone.geojson"], "zone.geojson"),
    "through ./": (["overlay", "zone.geojson", "--era", "2020", "--out", "./zone.geojson"], "zone.geojson"),
    "through a symlink": (["overlay", "zone.geojson", "--era", "2020", "--out", "link.geojson"], "zone.geojson"),
    "through a hard link": (["overlay", "zone.geojson", "--era", "2020", "--out", "hard.geojson"], "zone.geojson"),
    "symlink as input": (["overlay", "link.geojson", "--era", "2020", "--out", "zone.geojson"], "link.geojson"),
}


@pytest.mark.parametrize("case", SAME_AS_INPUT, ids=list(SAME_AS_INPUT))
def test_output_equal_to_an_input_is_refused(work, cli, case):
    args, source = SAME_AS_INPUT[case]
    os.symlink("zone.geojson", work / "link.geojson")
    os.link(work / "zone.geojson", work / "hard.geojson")
    before = snapshot(work)
    run = cli(*args)
    line = one_line(run.err)
    assert run.code == 2 and "never writes over its inputs" in line
    assert args[-1] in line and source in line
    assert snapshot(work) == before


DESTINATIONS = {
    "existing folder": ("folder", "is a folder"),
    "missing parent": ("nowhere/out.csv", "does not exist"),
    "read-only file": ("locked.csv", "read-only"),
    "read-only folder": ("ro/out.csv", "read-only"),
    "unwritable place": ("/proc/x.csv", "cannot write"),
}


@pytest.mark.parametrize("command", ["overlay", "balance", "stats"])
@pytest.mark.parametrize("case", DESTINATIONS, ids=list(DESTINATIONS))
def test_bad_destination_fails_before_any_work(work, cli, monkeypatch, command, case):
    import importlib

    overlay, stats, balance = (importlib.import_module(f"haiha_geo.{m}")
                               for m in ("overlay", "area_stats", "zoning.balance"))

    def no_work(*a, **k):
        raise AssertionError("the work started before the destination was checked")

    for module, name in ((overlay, "overlay_stats"), (balance, "land_use_balance"), (stats, "stats")):
        monkeypatch.setattr(module, name, no_work)
    (work / "folder").mkdir()
    (work / "locked.csv").write_text("old")
    (work / "locked.csv").chmod(0o444)
    (work / "ro").mkdir()
    (work / "ro").chmod(0o555)
    target, message = DESTINATIONS[case]
    args = {"overlay": ["overlay", "zone.geojson", "--era", "2020"], "balance": ["balance", "plan.gpkg"],
            "stats": ["stats", "--era", "2020"]}[command]
    before = snapshot(work)
    run = cli(*args, "--out", target)
    assert run.code == 2 and message in one_line(run.err) and target.split("/")[-1] in run.err
    assert snapshot(work) == before
    (work / "ro").chmod(0o755)


def _big_layer(path: Path, n: int = 60_000) -> None:
    """``n`` small squares inside the district, as GeoJSON (about 13 MB)."""
    x = 107.70 + (np.arange(n) % 300) * 2e-4
    y = 21.40 + (np.arange(n) // 300) * 2e-4
    boxes = shapely.box(x, y, x + 1.5e-4, y + 1.5e-4)
    features = [{"type": "Feature", "properties": {"i": int(i)},
                 "geometry": {"type": "Polygon", "coordinates": [shapely.get_coordinates(b).round(7).tolist()]}}
                for i, b in enumerate(boxes)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def test_ctrl_c_ends_with_130_one_line_and_no_partial_file(tmp_path):
    layer = tmp_path / "big.geojson"
    _big_layer(layer)
    before = snapshot(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "haiha_geo", "overlay", str(layer), "--era", "2020",
                             "--out", str(tmp_path / "out.csv")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not _has_open(proc.pid, layer) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until it is working: the layer is open
    assert proc.poll() is None, "the command ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130 and one_line(err) == "haiha-geo: interrupted; nothing was written" and out == ""
    assert snapshot(tmp_path) == before


# --- 2. one error contract ------------------------------------------------------------------------------------

BAD_CRS = ["banana", "EPSG:99999", ""]
CRS_COMMANDS = {
    "overlay --crs": ["overlay", "zone.geojson", "--era", "2020", "--crs"],
    "overlay --assume-crs": ["overlay", "zone.geojson", "--era", "2020", "--assume-crs"],
    "balance --crs": ["balance", "plan.dxf", "--crs"],
    "sites --crs": ["sites", "--footprints", "zone.geojson", "--crs"],
    "transform --from": ["transform", "1", "2", "--from"],
    "transform --to": ["transform", "107.75", "21.45", "--to"],
}


@pytest.mark.parametrize("text", BAD_CRS)
@pytest.mark.parametrize("command", CRS_COMMANDS, ids=list(CRS_COMMANDS))
def test_invalid_crs_text_in_the_cli(work, cli, command, text):
    before = snapshot(work)
    out = [] if command.startswith("transform") else ["--out", "out.txt"]
    run = cli(*CRS_COMMANDS[command], text, *out)
    line = one_line(run.err)
    assert run.code == 2 and repr(text) in line and "EPSG:5899" in line and run.out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize("text", BAD_CRS)
@pytest.mark.parametrize("call", ["read_layer", "to_planning", "transform_xy", "overlay_stats"])
def test_invalid_crs_text_in_the_api(work, call, text):
    from haiha_geo.overlay import overlay_stats

    frame = gpd.GeoDataFrame(geometry=[ZONE])
    calls = {"read_layer": lambda: vector_io.read_layer("zone.geojson", crs=text),
             "to_planning": lambda: crs.to_planning(frame, crs=text),
             "transform_xy": lambda: crs.transform_xy(107.75, 21.45, text, "EPSG:5899"),
             "overlay_stats": lambda: overlay_stats(frame, "2020", crs=text)}
    with pytest.raises(CRSError, match=f"{text!r}.*EPSG:5899"):
        calls[call]()


NUMBERS = {
    "population 0": (["balance", "plan.gpkg", "--population", "0"], "--population 0"),
    "population -5": (["balance", "plan.gpkg", "--population=-5"], "--population -5"),
    "population nan": (["balance", "plan.gpkg", "--population", "nan"], "--population nan"),
    "population inf": (["balance", "plan.gpkg", "--population", "inf"], "--population inf"),
    "population abc": (["balance", "plan.gpkg", "--population", "abc"], "--population abc"),
    "population 2.5": (["balance", "plan.gpkg", "--population", "2.5"], "whole number"),
    "scale 0": (["sheets", "--unit", "Quảng Hà", "--scale", "0"], "--scale 0"),
    "scale inf": (["sheets", "--unit", "Quảng Hà", "--scale", "inf"], "--scale inf"),
    "tolerance inf": (["map", "--out", "m.html", "--tolerance", "inf"], "--tolerance inf"),
    "tolerance nan": (["map", "--out", "m.html", "--tolerance", "nan"], "--tolerance nan"),
    "tolerance -1": (["map", "--out", "m.html", "--tolerance=-1"], "--tolerance -1"),
    "transform nan": (["transform", "nan", "21.45"], "finite"),
    "transform inf": (["transform", "107.75", "inf"], "finite"),
}


@pytest.mark.parametrize("case", NUMBERS, ids=list(NUMBERS))
def test_numbers_must_be_positive_and_finite(work, cli, case):
    args, message = NUMBERS[case]
    before = snapshot(work)
    run = cli(*args)
    line = one_line(run.err)
    assert run.code == 2 and message in line and run.out == ""
    assert "for example" in line or "give lon/lat" in line
    assert snapshot(work) == before


def test_non_finite_coordinates_in_the_api():
    with pytest.raises(OptionError, match="finite"):
        crs.transform_xy(math.nan, 21.45)
    with pytest.raises(OptionError, match="finite"):
        crs.transform_xy([107.75, math.inf], [21.45, 21.46])


def test_era_and_date_in_another_era_conflict(cli):
    run = cli("units", "--era", "2019", "--date", "2025-07-01")
    line = one_line(run.err)
    assert run.code == 2 and "--era 2019" in line and "--date 2025-07-01" in line and "era 2025" in line
    assert run.out == ""
    same = cli("units", "--era", "2025", "--date", "2025-07-01", "--format", "json")
    assert same.code == 0 and len(same.json()) == 4


@pytest.mark.parametrize("args,message", [
    (["units", "--era", "2030"], "invalid choice"),
    (["overlay"], "required"),
    (["no-such-command"], "invalid choice"),
    (["stats"], "--era"),
    (["transform", "x", "1"], "invalid float value"),
])
def test_usage_errors_are_one_line(cli, args, message):
    run = cli(*args)
    line = one_line(run.err)
    assert run.code == 2 and line.startswith("haiha-geo: error:") and message in line and run.out == ""


def test_help_still_works(cli):
    run = cli("overlay", "--help")
    assert run.code == 0 and "--assume-crs" in run.out and "--crs" in run.out


# --- 3. CRS you can trust -------------------------------------------------------------------------------------

def _zone_in(target: str, label: str | None = None) -> gpd.GeoDataFrame:
    """The zone reprojected to ``target`` and (optionally) mislabelled ``label``."""
    frame = gpd.GeoDataFrame({"code": ["NO-M"]}, geometry=[ZONE], crs="EPSG:4326").to_crs(target)
    return frame.set_crs(label, allow_override=True) if label else frame


def _geojson_without_crs(frame: gpd.GeoDataFrame, path: Path) -> Path:
    data = json.loads(frame.to_json())
    data.pop("crs", None)
    path.write_text(json.dumps(data))
    return path


MISLABELLED = {
    "UTM 48N labelled 5899": ("EPSG:32648", "EPSG:32648"),
    "UTM 49N labelled 5899": ("EPSG:32649", "EPSG:32649"),
    "VN-2000 TM-3 105-45 labelled 5899": ("EPSG:9210", "EPSG:9210"),
    "VN-2000 UTM 48N labelled 5899": ("EPSG:3405", "EPSG:3405"),
}


@pytest.mark.parametrize("case", MISLABELLED, ids=list(MISLABELLED))
@pytest.mark.parametrize("command", ["overlay", "balance"])
def test_mislabelled_layer_is_an_error_naming_where_it_lies(work, cli, case, command):
    real, suggested = MISLABELLED[case]
    _zone_in(real, "EPSG:5899").to_file("wrong.gpkg")
    before = snapshot(work)
    args = ["overlay", "wrong.gpkg", "--era", "2020"] if command == "overlay" else ["balance", "wrong.gpkg"]
    run = cli(*args, "--out", "out.csv")
    line = one_line(run.err)
    assert run.code == 2 and "outside Hải Hà district" in line and "lies at lon" in line and suggested in line
    assert "0.00" not in run.out and snapshot(work) == before


def test_mislabelled_layer_in_the_api():
    from haiha_geo.overlay import overlay_stats

    with pytest.raises(OutsidePlanningAreaError, match="EPSG:32648"):
        overlay_stats(_zone_in("EPSG:32648", "EPSG:5899"), "2020")
    assert issubclass(OutsidePlanningAreaError, CRSError) and issubclass(OutsidePlanningAreaError, GeometryError)


def test_swapped_axes_are_named(work, cli):
    frame = gpd.GeoDataFrame(geometry=[shapely.transform(ZONE, lambda c: c[:, ::-1])], crs="EPSG:4326")
    frame.to_file("swapped.gpkg")
    run = cli("overlay", "swapped.gpkg", "--era", "2020")
    assert run.code == 2 and "swapped" in one_line(run.err)


def test_metre_geojson_without_crs_member(work, cli):
    path = _geojson_without_crs(_zone_in("EPSG:5899"), work / "metres.geojson")
    before = snapshot(work)
    run = cli("overlay", str(path), "--era", "2020")
    line = one_line(run.err)
    assert run.code == 2 and "no 'crs' member" in line and "EPSG:5899" in line and "--crs" in line
    assert snapshot(work) == before
    expected = cli("overlay", "zone.geojson", "--era", "2020", "--format", "json").json()["layer_area_ha"]
    for flag in ("--crs", "--assume-crs"):
        run = cli("overlay", str(path), "--era", "2020", flag, "EPSG:5899", "--format", "json")
        assert run.code == 0 and abs(run.json()["layer_area_ha"] - expected) < 0.01
    plan = _geojson_without_crs(strips(), work / "plan_metres.geojson")
    assert cli("balance", str(plan)).code == 2
    assert cli("balance", str(plan), "--crs", "EPSG:5899", "--format", "json").json()["total_ha"] > 10
    assert vector_io.read_layer(path, crs="EPSG:5899").crs.to_epsg() == 5899


def test_shapefile_without_prj_takes_crs(work, cli):
    _zone_in("EPSG:5899").to_file("zone.shp")
    Path("zone.prj").unlink()
    assert "no coordinate reference system" in one_line(cli("overlay", "zone.shp", "--era", "2020").err)
    assert cli("overlay", "zone.shp", "--era", "2020", "--crs", "EPSG:5899").code == 0


def test_declared_crs_is_never_overridden(work):
    assert vector_io.read_layer("zone.geojson", crs="EPSG:5899").crs.to_epsg() == 4326


def test_plausibility_check_transforms_a_bounded_sample(monkeypatch):
    seen = []
    original = crs.lonlat_extent
    monkeypatch.setattr(crs, "lonlat_extent", lambda coords, c: seen.append(len(coords)) or original(coords, c))
    dense = shapely.segmentize(shapely.box(500000, 2372000, 510000, 2382000), 0.05)  # ~800 000 vertices
    crs.require_crs(gpd.GeoDataFrame(geometry=[dense], crs="EPSG:5899"))
    assert seen and max(seen) <= crs.SAMPLE_SIZE


# --- 4. progress and size warnings ----------------------------------------------------------------------------

class Terminal(_io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_reading_a_large_layer_shows_progress_on_a_terminal_only(work, monkeypatch, terminal):
    monkeypatch.setattr(vector_io, "PROGRESS_BYTES", 100)
    stream = Terminal() if terminal else _io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    vector_io.read_layer("zone.geojson")
    assert ("reading zone.geojson" in stream.getvalue()) is terminal


def test_small_layer_reads_silently(work, monkeypatch):
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    vector_io.read_layer("zone.geojson")
    assert stream.getvalue() == ""


def test_large_table_warns_with_its_size(cli, monkeypatch):
    monkeypatch.setattr(cli_output, "LARGE_OUTPUT", 100)
    run = cli("units", "--era", "2020")
    assert run.code == 0 and "warning: the output is large" in run.err and "MB" in run.err
    monkeypatch.setattr(cli_output, "LARGE_OUTPUT", 10_000_000)
    assert "warning" not in cli("units", "--era", "2020").err
