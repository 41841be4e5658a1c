"""Plans from CAD (DXF) and GIS files, through the API and the ``haiha-geo balance`` command."""

from __future__ import annotations

import math
import warnings

import ezdxf
import pytest
import shapely
from zoning_plans import E0, N0, STRIPS, TOTAL_HA, strips

from haiha_geo.errors import CRSError
from haiha_geo.zoning import LandUseWarning, land_use_balance, read_dxf

LAYER_NAMES = {"NO-M": "QH_NHAO_MOI", "NO-HT": "QH_NHAO_HIENTRANG", "CC-DVO": "QH_CONGCONG_DVO",
               "CX-DVO": "QH_CAYXANH_DVO", "GT-DT": "QH_GIAOTHONG", "CN": "QH_CONGNGHIEP", "MN": "QH_MATNUOC"}


def write_dxf(path, layer_of=lambda code: code):
    """The rectangles of ``strips()`` as a drawing: polylines, one hatch with its boundary, and noise."""
    doc = ezdxf.new()
    msp = doc.modelspace()
    for i, (code, geom) in enumerate(zip(strips()["code"], strips().geometry)):
        ring = list(geom.exterior.coords)[:-1]
        attribs = {"layer": layer_of(code)}
        if i == 2:  # a hatch and its boundary polyline on the same layer: counted once
            hatch = msp.add_hatch(dxfattribs=attribs)
            hatch.paths.add_polyline_path(ring, is_closed=True)
        msp.add_lwpolyline(ring, close=True, dxfattribs=attribs)
    x1 = E0 + sum(w for _, w in STRIPS)
    msp.add_lwpolyline([(E0, N0 - 5), (x1, N0 - 5)], dxfattribs={"layer": "CHI_GIOI"})  # open: skipped
    msp.add_text("Illustrative", dxfattribs={"layer": "GHI_CHU", "insert": (E0, N0 - 20)})
    doc.saveas(path)
    return path


def test_dxf_gives_the_same_table_as_the_rectangles(tmp_path):
    dxf = write_dxf(tmp_path / "plan.dxf")
    with pytest.warns(LandUseWarning) as caught:
        from_cad = land_use_balance(dxf, crs="EPSG:5899", population=4000)
    notes = " ".join(str(w.message) for w in caught)
    assert "open polyline(s) (layer CHI_GIOI)" in notes and "hatch and its boundary" in notes
    direct = land_use_balance(strips(), population=4000)
    assert from_cad.table.equals(direct.table)
    assert from_cad.total_ha == TOTAL_HA and from_cad.coverage == direct.coverage


def test_dxf_without_crs_is_rejected(tmp_path, cli):
    dxf = write_dxf(tmp_path / "plan.dxf")
    with pytest.raises(CRSError, match=r"records no coordinate reference system.*EPSG:5899"):
        land_use_balance(dxf)
    run = cli("balance", str(dxf))
    assert run.code == 2 and run.out == ""
    assert "DXF drawing records no coordinate reference system" in run.err and "--crs EPSG:5899" in run.err


def test_cad_layer_map(tmp_path, cli):
    dxf = write_dxf(tmp_path / "plan.dxf", layer_of=LAYER_NAMES.get)
    doc = ezdxf.readfile(dxf)
    doc.modelspace().add_lwpolyline([(E0 - 50, N0 - 50), (E0 + 600, N0 - 50), (E0 + 600, N0 + 300),
                                     (E0 - 50, N0 + 300)],
                                    close=True, dxfattribs={"layer": "KHUNG"})
    doc.saveas(dxf)
    mapping = tmp_path / "layers.csv"
    mapping.write_text("layer,code\n" + "".join(f"{v.lower()},{k}\n" for k, v in LAYER_NAMES.items())
                       + "KHUNG,ignore\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        result = land_use_balance(dxf, crs="EPSG:5899", code_map=mapping)
    assert result.table.equals(land_use_balance(strips()).table)
    run = cli("balance", str(dxf), "--crs", "EPSG:5899", "--cad-layer-map", str(mapping), "--format", "json")
    assert run.code == 0 and run.json()["total_ha"] == TOTAL_HA
    assert "warning: plan.dxf: skipped 1 open polyline(s)" in run.err


def test_bulges_are_flattened(tmp_path):
    doc = ezdxf.new()
    r = 50.0
    doc.modelspace().add_lwpolyline([(E0, N0, 0, 0, 1.0), (E0 + 2 * r, N0, 0, 0, 1.0)], format="xyseb", close=True,
                                    dxfattribs={"layer": "CX-DT"})
    doc.saveas(tmp_path / "circle.dxf")
    frame, _ = read_dxf(tmp_path / "circle.dxf", crs="EPSG:5899")
    assert frame.area.iloc[0] == pytest.approx(math.pi * r * r, rel=1e-4)


def test_hatch_with_island(tmp_path):
    doc = ezdxf.new()
    hatch = doc.modelspace().add_hatch(dxfattribs={"layer": "NN"})
    hatch.paths.add_polyline_path([(E0, N0), (E0 + 100, N0), (E0 + 100, N0 + 100), (E0, N0 + 100)], is_closed=True)
    hatch.paths.add_polyline_path([(E0 + 10, N0 + 10), (E0 + 30, N0 + 10), (E0 + 30, N0 + 30), (E0 + 10, N0 + 30)],
                                  is_closed=True)
    doc.saveas(tmp_path / "hatch.dxf")
    frame, _ = read_dxf(tmp_path / "hatch.dxf", crs="EPSG:5899")
    assert frame.area.iloc[0] == 10_000 - 400


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_gis_files_through_the_cli(tmp_path, cli, suffix):
    path = tmp_path / f"plan{suffix}"
    plan = strips().rename(columns={"code": "ma_dat"})
    if suffix == ".geojson":
        from haiha_geo.crs import to_geographic

        plan = to_geographic(plan)
    plan.to_file(path)
    run = cli("balance", str(path), "--field", "ma_dat", "--population", "4000", "--format", "json")
    assert run.code == 0, run.err
    payload = run.json()
    assert payload["total_ha"] == pytest.approx(TOTAL_HA, abs=1e-4 if suffix == ".geojson" else 0)
    assert [r["code"] for r in payload["rows"]] == list(land_use_balance(strips()).table["code"])
    assert payload["coverage"]["gaps_m2"] == 0.0 and payload["coverage"]["overlaps_m2"] == 0.0


def test_cli_outputs_and_errors(tmp_path, cli):
    path = tmp_path / "plan.gpkg"
    strips().assign(code=[*list(strips()["code"][:-1]), "XX"]).to_file(path)
    run = cli("balance", str(path))
    assert run.code == 0 and "Tổng cộng" in run.out and "Mã ngoài danh mục: XX" in run.out
    assert "warning: 1 land-use code(s) not in layers/landuse_categories.csv" in run.err and "'XX'" in run.err
    run = cli("balance", str(path), "--strict")
    assert run.code == 2 and "strict" in run.err
    run = cli("balance", str(path), "--format", "xlsx")
    assert run.code == 2 and "--out" in run.err
    out = tmp_path / "balance.xlsx"
    assert cli("balance", str(path), "--format", "xlsx", "--out", str(out)).code == 0 and out.stat().st_size > 0
    out = tmp_path / "balance.csv"
    assert cli("balance", str(path), "--format", "csv", "--out", str(out)).code == 0
    assert out.read_text(encoding="utf-8").splitlines()[-1].startswith("TOTAL,Tổng cộng,0,")
    assert cli("balance", str(tmp_path / "missing.gpkg")).code == 2


def test_non_polygon_plan_is_rejected(tmp_path, cli):
    import geopandas as gpd

    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"code": ["NN"]}, geometry=[shapely.Point(E0, N0)], crs="EPSG:5899").to_file(path)
    run = cli("balance", str(path))
    assert run.code == 2 and "not polygons" in run.err


def test_cli_coverage_against_a_unit(tmp_path, cli):
    path = tmp_path / "plan.gpkg"
    strips().to_file(path)
    run = cli("balance", str(path), "--unit", "Quảng Hà", "--era", "2020", "--format", "json")
    assert run.code == 0, run.err
    coverage = run.json()["coverage"]
    assert coverage["against"] == "the study area"
    assert coverage["gaps_m2"] > 1e7 and coverage["outside_m2"] >= 0 and coverage["overlaps_m2"] == 0


@pytest.mark.parametrize("maker", ["strips", "island"])
def test_gdal_and_ezdxf_readers_agree(tmp_path, maker):
    if maker == "strips":
        path = write_dxf(tmp_path / "plan.dxf")
    else:
        doc = ezdxf.new()
        hatch = doc.modelspace().add_hatch(dxfattribs={"layer": "NN"})
        hatch.paths.add_polyline_path([(E0, N0), (E0 + 100, N0), (E0 + 100, N0 + 100), (E0, N0 + 100)], is_closed=True)
        hatch.paths.add_polyline_path([(E0 + 10, N0 + 10), (E0 + 30, N0 + 10), (E0 + 30, N0 + 30), (E0 + 10, N0 + 30)],
                                      is_closed=True)
        doc.modelspace().add_blockref("NOTHING", (E0, N0), dxfattribs={"layer": "KY_HIEU"})
        doc.blocks.new("NOTHING")
        path = tmp_path / "island.dxf"
        doc.saveas(path)
    ez, ez_notes = read_dxf(path, crs="EPSG:5899", engine="ezdxf")
    gd, gd_notes = read_dxf(path, crs="EPSG:5899", engine="gdal")
    assert list(ez["layer"]) == list(gd["layer"]) and list(ez["entity"]) == list(gd["entity"])
    assert all(a.symmetric_difference(b).area < 1e-6 for a, b in zip(ez.geometry, gd.geometry))
    assert ez_notes == gd_notes


def test_without_ezdxf_gdal_reads_the_drawing(tmp_path, monkeypatch):
    dxf = write_dxf(tmp_path / "plan.dxf")
    monkeypatch.setitem(__import__("sys").modules, "ezdxf", None)  # import ezdxf now raises ImportError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        result = land_use_balance(dxf, crs="EPSG:5899")
    assert result.table.equals(land_use_balance(strips()).table)


def test_cli_dxf_with_crs_gives_the_same_table_as_the_geopackage(tmp_path, cli):
    gpkg, dxf = tmp_path / "plan.gpkg", write_dxf(tmp_path / "plan.dxf")
    strips().to_file(gpkg)
    from_gis = cli("balance", str(gpkg), "--population", "4000", "--format", "csv")
    from_cad = cli("balance", str(dxf), "--crs", "EPSG:5899", "--population", "4000", "--format", "csv")
    assert from_gis.code == from_cad.code == 0
    assert from_cad.out == from_gis.out
    assert from_cad.out.splitlines()[-1].startswith("TOTAL,Tổng cộng,0,,10.0002,100.0,25.0,")


def test_cli_study_area_formats(cli):
    run = cli("study-area", "--unit", "Quảng Hà", "--format", "json")
    assert run.code == 0 and run.json()[0]["unit_ids"] == "2020/06922"
    run = cli("study-area", "--unit", "Quảng Hà", "--unit", "Quảng Minh", "--format", "geojson")
    assert run.code == 0
    import json

    feature = json.loads(run.out)["features"][0]
    assert feature["properties"]["unit_ids"] == "2020/06922, 2020/06940"
