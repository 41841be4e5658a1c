"""Study area of the new Quảng Hà town and its 1:2,000 sheet index (reference data)."""

from __future__ import annotations

import json

import pytest
import shapely

from haiha_geo.errors import UnknownUnitError
from haiha_geo.zoning import sheets, study_area
from haiha_geo.zoning.study import as_planning_geometry


@pytest.fixture(scope="module")
def town():
    return study_area("Quảng Hà", "2020")


def test_town_and_its_predecessors(town):
    assert list(town.units["unit_id"]) == ["2020/06922"]
    assert sorted(town.predecessors["from_unit_id"]) == ["2019/06922", "2019/06955", "2019/06958", "2019/06961"]
    assert town.area_ha == round(town.geometry.area / 1e4, 4)
    assert 1000 < town.area_ha < 2700  # reference polygons stop at the shore; official 26.02 km² [C2]
    frame = town.to_frame()
    assert frame.crs.to_epsg() == 5899 and frame.loc[0, "unit_ids"] == "2020/06922"


def test_union_of_units_by_name(town):
    both = study_area(["TT Quảng Hà", "quang minh"], "2020")
    assert len(both.units) == 2 and both.area_ha > town.area_ha
    assert set(both.predecessors["to_unit_id"]) == {"2020/06922", "2020/06940"}
    with pytest.raises(UnknownUnitError):
        study_area("Atlantis", "2020")


def test_town_cadastral_2000_sheets_are_aligned_squares_covering_without_overlap(town):
    found = sheets(town, 2000, "cadastral")
    assert len(found) > 10 and found["sheet"].is_unique
    for geom in found.geometry:
        minx, miny, maxx, maxy = geom.bounds
        assert (maxx - minx, maxy - miny) == (1000.0, 1000.0) and minx % 1000 == 0 and miny % 1000 == 0
    union = shapely.union_all(found.geometry.values)
    assert town.geometry.difference(union).area == 0
    assert found.geometry.area.sum() == pytest.approx(union.area, rel=1e-12)
    assert found["sheet"].str.fullmatch(r"\d{6}-[1-9]").all()


def test_area_inputs_agree(town):
    by_name = as_planning_geometry("Quảng Hà", "2020")
    from haiha_geo.crs import to_geographic

    by_frame = as_planning_geometry(to_geographic(town.to_frame()))
    assert by_name.equals(town.geometry)
    assert by_frame.symmetric_difference(town.geometry).area < 1e-5 * town.geometry.area  # round trip via lon/lat
    with pytest.raises(TypeError):
        as_planning_geometry(42)


def test_cli_sheets_and_study_area(cli):
    run = cli("sheets", "--unit", "Quảng Hà", "--era", "2020", "--scale", "2000", "--system", "cadastral",
              "--format", "json")
    assert run.code == 0, run.err
    rows = run.json()
    assert rows[0]["scale"] == 2000 and {"sheet", "parent", "size_confidence", "number_confidence"} <= set(rows[0])
    run = cli("sheets", "--unit", "Quảng Hà", "--system", "topographic", "--format", "geojson")
    features = json.loads(run.out)["features"]
    assert run.code == 0 and all(f["properties"]["sheet"].startswith("F-48-") for f in features)
    assert -180 < features[0]["geometry"]["coordinates"][0][0][0] < 180
    run = cli("study-area", "--unit", "Quảng Hà")
    assert run.code == 0 and "Quảng Điền" in run.out and " ha " in run.out
    assert cli("sheets", "--unit", "Atlantis").code == 2
    assert cli("sheets", "--unit", "Quảng Hà", "--scale", "1234").code == 2


@pytest.mark.parametrize("fmt", ["table", "md", "csv"])
def test_cli_sheets_headers_vietnamese_english_and_csv(cli, fmt):
    """``sheets`` printed English headers and had no csv format."""
    args = ("sheets", "--unit", "Quảng Hà", "--era", "2020", "--scale", "2000", "--format", fmt)
    vi, en = cli(*args), cli(*args, "--lang", "en")
    assert vi.code == en.code == 0
    if fmt == "csv":
        assert vi.out.startswith("sheet,scale,system,parent,size_confidence,number_confidence\n")
        assert en.out.startswith("Sheet,Scale,System,Parent sheet,Size confidence,Number confidence")
        return
    assert "Số hiệu mảnh" in vi.out and "bản đồ địa chính" in vi.out and "1/2000" in vi.out
    assert "size_confidence" not in vi.out and "Number confidence" in en.out and "cadastral" in en.out


def test_cli_sheets_xlsx(cli, tmp_path):
    import openpyxl

    out = tmp_path / "sheets.xlsx"
    assert cli("sheets", "--unit", "Quảng Hà", "--era", "2020", "--format", "xlsx", "--out", str(out)).code == 0
    assert openpyxl.load_workbook(out).worksheets[0].cell(2, 2).value == "Số hiệu mảnh"
