"""The base context of a printed map (haiha_geo.printing.basemap): national border, neighbours named, the sea."""

from __future__ import annotations

import subprocess
import unicodedata

import numpy as np
import pdfplumber
import pypdf
import pytest
import shapely
from PIL import Image

from haiha_geo.printing import atlas, print_map
from haiha_geo.printing.basemap import BORDER_STYLE, MIN_FRAME_SHARE, context_layers, spaced
from haiha_geo.printing.layers import era_layer
from haiha_geo.printing.titleblock import words


@pytest.mark.parametrize(("era", "neighbour"), [("2025", "phường Móng Cái"), ("2020", "Đầm Hà"),
                                                ("2019", "Bình Liêu")])
def test_context_names_neighbours_of_the_era_and_draws_the_border(era, neighbour):
    below, above = context_layers([era_layer(era, "vi", words("vi"))])
    labels = [label for layer in below for label in layer.frame["label"]]
    assert "Biển" in labels and "TRUNG QUỐC" in labels
    assert any(label.startswith(neighbour) for label in labels), labels
    assert not any(label.startswith(("xã Quảng Hà", "xã Cái Chiên")) for label in labels)  # the drawn units
    (border,) = above
    assert border.style == BORDER_STYLE and border.legend == "Biên giới quốc gia"
    assert 15_000 < border.frame.geometry.length.sum() < 20_000  # the source's ~16.5 km classed as border


def test_printed_page_names_border_sea_and_neighbours(tmp_path):
    out = print_map(era="2025", paper="A3").save(tmp_path / "context.pdf")
    text = unicodedata.normalize("NFC", " ".join(pypdf.PdfReader(out).pages[0].extract_text().split()))
    for name in ("Biên giới quốc gia", "Biển", "TRUNG QUỐC", "Đơn vị hành chính lân cận", "xã Hải Sơn"):
        assert name in text, name


@pytest.mark.parametrize(("raw", "shown"), [("MóngCái", "Móng Cái"), ("ĐầmHà", "Đầm Hà"), ("Cô Tô", "Cô Tô")])
def test_gadm_names_get_their_spaces(raw, shown):
    assert spaced(raw) == shown


@pytest.mark.parametrize("make", [lambda: print_map(era="2025", paper="A4"),
                                  lambda: atlas("Cái Chiên", era="2025", only=["364504-5"])])
def test_location_inset_is_on_print_and_atlas_pages(tmp_path, make):
    out = make().save(tmp_path / "inset.pdf")
    assert "Sơ đồ vị trí" in unicodedata.normalize("NFC", pypdf.PdfReader(out).pages[0].extract_text())


def test_inset_draws_the_frame_in_red_inside_its_box(tmp_path):
    with pdfplumber.open(print_map(era="2025", paper="A3").save(tmp_path / "red.pdf")) as doc:
        red = [c for c in doc.pages[0].curves + doc.pages[0].rects if isinstance(c.get("stroking_color"), tuple) and
               tuple(round(v, 2) for v in c["stroking_color"][:3]) == (0.84, 0.19, 0.12)]
    assert red and all(c["x0"] > doc.pages[0].width * 0.7 for c in red)  # in the panel, not on the map


RED = (0.84, 0.19, 0.12)


def _red_frames_and_their_insets(pdf) -> list[tuple[float, float]]:
    """(frame width, width of the inset box around it) of each red frame rectangle, points, smallest first."""
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        rects = page.rects

    def red(c):
        return isinstance(c.get("stroking_color"), tuple) and tuple(round(v, 2) for v in c["stroking_color"][:3]) == RED
    out = []
    for r in sorted((c for c in rects if red(c)), key=lambda c: c["width"]):
        boxes = [b for b in rects if not red(b) and b["width"] > r["width"] and b["x0"] <= r["x0"]
                 and b["x1"] >= r["x1"] and b["top"] <= r["top"] and b["bottom"] >= r["bottom"]]
        out.append((r["width"], min(b["width"] for b in boxes)))
    return out


@pytest.mark.parametrize(("scale", "sheet"), [(500, "364504-6-(6)"), (1000, "364504-6-a")])
def test_a_large_scale_frame_gets_a_zoomed_inset_where_it_is_at_least_5_percent(tmp_path, scale, sheet):
    out = atlas("Cái Chiên", era="2025", scale=scale, only=[sheet]).save(tmp_path / "zoom.pdf")
    (tiny, location), (frame, zoomed) = _red_frames_and_their_insets(out)
    assert tiny / location < MIN_FRAME_SHARE  # the district-wide inset: the frame is a dot
    assert frame / zoomed >= 0.05 and frame / zoomed == pytest.approx(MIN_FRAME_SHARE, abs=0.01)
    text = unicodedata.normalize("NFC", pypdf.PdfReader(out).pages[0].extract_text())
    assert "Sơ đồ vị trí" in text and "Vị trí khung trong đơn vị" in text


def test_a_frame_large_in_its_inset_gets_no_second_inset(tmp_path):
    out = print_map(era="2025", paper="A3").save(tmp_path / "one.pdf")
    (frame, box), = _red_frames_and_their_insets(out)
    assert frame / box >= MIN_FRAME_SHARE
    assert "Vị trí khung" not in unicodedata.normalize("NFC", pypdf.PdfReader(out).pages[0].extract_text())


COAST_500 = "364504-6-(6)"  # a 1:500 sheet of Cái Chiên's coast: sea and unit only


def test_the_sea_meets_the_unit_on_a_coastal_sheet():
    from haiha_geo.printing.basemap import layer_geometries

    units = era_layer("2025", "vi", words("vi"))
    (below, _), plane = context_layers([units]), shapely.box(*atlas(
        "Cái Chiên", era="2025", scale=500, only=[COAST_500]).info[0]["extent"])
    sea = below[0].frame.geometry.iloc[0]
    assert below[0].legend == "Biển"
    left = plane.difference(sea).difference(shapely.union_all(layer_geometries(units)))
    assert left.area < 1.0  # m²: no white strip between the sea and the unit


def test_the_coastal_sheet_has_no_blank_ground_in_its_frame(tmp_path):
    out = atlas("Cái Chiên", era="2025", scale=500, only=[COAST_500]).save(tmp_path / "coast.pdf")
    with pdfplumber.open(out) as doc:
        page = doc.pages[0]
        frame = max(page.rects, key=lambda r: r["width"] * r["height"] if r["width"] < page.width * 0.95 else 0)
        assert frame["width"] == pytest.approx(500 / 25.4 * 72, rel=1e-3)
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-singlefile", str(out), str(tmp_path / "coast")], check=True)
    image = np.asarray(Image.open(tmp_path / "coast.png").convert("RGB")).astype(int)
    top, bottom, left, right = (int(frame[key] * 20 / 72) for key in ("top", "bottom", "x0", "x1"))
    inner = image[top + 3:bottom - 3, left + 3:right - 3]
    white = (inner > 250).all(axis=2).mean()
    assert white < 0.002, white  # before the fix a white triangle took 6 % of the frame
