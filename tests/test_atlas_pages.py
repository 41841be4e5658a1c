from __future__ import annotations

import geopandas as gpd
import pypdf
import pytest
import shapely

from haiha_geo import generalisation, sources
from haiha_geo.crs import PLANNING_CRS
from haiha_geo.printing import atlas
from haiha_geo.printing import atlas_pages as pages

SHEET = "364504-5"


def _mean_segment(name: str) -> float:
    """Total ring length over the number of segments (each ring has one point more than segments)."""
    rings = shapely.get_rings(shapely.get_parts(sources.read_source(name).to_crs(PLANNING_CRS).geometry.to_numpy()))
    return shapely.length(rings).sum() / (shapely.get_num_coordinates(rings).sum() - len(rings))


def _text(tmp_path, **kwargs) -> str:
    path = atlas("Cái Chiên", era="2025", only=[SHEET], **kwargs).save(tmp_path / "sheet.pdf")
    return " ".join(pypdf.PdfReader(path).pages[0].extract_text().split())


def test_a_1_2000_sheet_of_gadm_carries_the_reference_line_note(tmp_path):
    mean = _mean_segment("gadm41")
    assert mean > generalisation.drawing_tolerance_m(2000)
    text = _text(tmp_path)
    assert f"Ranh giới tham khảo từ gadm41, đoạn thẳng trung bình ~{round(mean)} m" in text
    assert f"sai số có thể ~{round(mean / 2)} m" in text and "(ranh giới tham khảo)" in text


def test_a_sheet_coarser_than_its_source_has_no_note(tmp_path, monkeypatch):
    # no sheet scale of the index is coarser than GADM (1:25,000 draws to 7.5 m): stand in a fine source
    fine = generalisation.Generalisation(1000, 0.1, 0.1, 0.2)
    monkeypatch.setattr(generalisation, "generalisation", lambda *_: fine)
    monkeypatch.setattr(pages, "generalisation", lambda *_: fine)
    text = _text(tmp_path)
    assert "tham khảo từ" not in text and "Độ chính xác" not in text


@pytest.mark.parametrize(("scale", "lang", "expected"), [(2000, "vi", "Ranh giới tham khảo từ gadm41"),
                                                         (500, "en", "Reference boundary from gadm41")])
def test_precision_note_names_the_source(scale, lang, expected):
    assert pages.precision_note("2019", scale, lang).startswith(expected)
    assert pages.precision_note("2019", int(_mean_segment("gadm41") / 0.0003) + 1000, lang) is None


EMPTY_1000, COAST_1000 = "364504-8-b", "364504-6-a"  # inside Cái Chiên; on its coast


def _pdf_text(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


@pytest.mark.parametrize(("scale", "sheet", "parent"), [(1000, COAST_1000, "364504-6"),
                                                        (500, "364504-6-(6)", "364504-6")])
def test_1000_and_500_cadastral_sheets_are_printed_at_true_scale_with_their_numbers(tmp_path, scale, sheet, parent):
    doc = atlas("Cái Chiên", era="2025", scale=scale, only=[sheet])
    x0, y0, x1, y1 = doc.info[0]["extent"]
    assert (x1 - x0, y1 - y0) == (500 * scale / 1000,) * 2 and doc.info[0]["frame_mm"] == (500.0, 500.0)
    text = _pdf_text(doc.save(tmp_path / "sheet.pdf"))[0]
    assert f"Số hiệu mảnh {sheet}" in text and f"TỶ LỆ 1:{scale:,}".replace(",", ".") in text
    assert parent in text  # the junction diagram names neighbours under the same 1:2,000 parent


def _plan_in(tmp_path, sheet: str, scale: int):
    """A one-plot plan (land-law code ONT) in the middle of ``sheet``, written at run time."""
    centre = shapely.box(*atlas("Cái Chiên", era="2025", scale=scale, only=[sheet]).info[0]["extent"]).centroid
    path = tmp_path / "plan.gpkg"
    gpd.GeoDataFrame({"code": ["ONT"]}, geometry=[centre.buffer(40)], crs=PLANNING_CRS).to_file(path)
    return path


def test_skip_empty_leaves_out_fill_only_sheets_and_the_contents_page_lists_them(tmp_path):
    doc = atlas("Cái Chiên", era="2025", scale=1000, only=[EMPTY_1000, COAST_1000], skip_empty=True)
    assert [i["sheet"] for i in doc.info] == [None, COAST_1000] and doc.info[0]["skipped"] == [EMPTY_1000]
    contents, sheet = _pdf_text(doc.save(tmp_path / "atlas.pdf"))
    assert "Mục lục" in contents and f"Các mảnh in (1), theo thứ tự trang {COAST_1000} (2)" in contents
    assert "Các mảnh bỏ qua (1): chỉ có nền đơn vị hành chính" in contents and contents.endswith(EMPTY_1000)
    assert COAST_1000 in sheet


def test_a_plan_plot_keeps_a_sheet_in_the_atlas(tmp_path):
    plan = _plan_in(tmp_path, EMPTY_1000, 1000)
    doc = atlas("Cái Chiên", era="2025", scale=1000, only=[EMPTY_1000, COAST_1000], layers=[plan], skip_empty=True)
    assert [i["sheet"] for i in doc.info] == [None, COAST_1000, EMPTY_1000] and doc.info[0]["skipped"] == []


def test_empty_sheets_geometry():
    from haiha_geo.printing.layers import era_layer
    from haiha_geo.printing.titleblock import words

    units = era_layer("2025", "vi", words("vi"))
    inside = units.frame.geometry.iloc[0].representative_point().buffer(10, cap_style="square")
    across = shapely.box(*units.frame.geometry.iloc[0].boundary.interpolate(0).buffer(10).bounds)
    assert pages.empty_sheets([inside, across], units, []).tolist() == [True, False]


def test_skip_empty_with_only_empty_sheets_is_one_line(cli, tmp_path):
    result = cli("atlas", "--unit", "Cái Chiên", "--era", "2025", "--scale", "1000", "--sheet", EMPTY_1000,
                 "--skip-empty", "--out", str(tmp_path / "a.pdf"))
    assert result.code == 2 and "--skip-empty" in result.err and len(result.err.splitlines()) == 1
    assert not (tmp_path / "a.pdf").exists()
