from __future__ import annotations

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
