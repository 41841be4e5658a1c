"""Printed maps and the sheet atlas, read back from the PDF (pypdf, pdfplumber) and rasterised (pdftoppm)."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pdfplumber
import pypdf
import pytest
from PIL import Image

from haiha_geo.errors import InputFileError, PrintLayoutError
from haiha_geo.maps.spec import parse_spec
from haiha_geo.printing import atlas, print_map
from haiha_geo.printing.layout import PAPERS, page_size
from haiha_geo.zoning.study import sheets, study_area

PT = 25.4 / 72
ARTIFACTS = Path(__file__).parent / "artifacts"
UNITS_2025 = ["Quảng Hà", "Đường Hoa", "Quảng Đức", "Cái Chiên"]
#: Two neighbouring 1:2,000 cadastral sheets of xã Cái Chiên (2025).
SHEETS = ["364504-5", "364504-6"]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("printing")


@pytest.fixture(scope="module")
def sheet_pdf(out) -> Path:
    return atlas("Cái Chiên", era="2025", only=SHEETS).save(out / "atlas.pdf")


@pytest.fixture(scope="module")
def district_pdf(out) -> Path:
    return print_map(era="2025", paper="A3", orientation="landscape").save(out / "district.pdf")


def _mm(value: float) -> float:
    return value * PT


def _rectangles(page) -> list[tuple[float, float, float, float]]:
    """(x0, top, width, height) in mm of every rectangle and closed four-point path on the page."""
    shapes = list(page.rects) + [c for c in page.curves if len(c.get("pts", [])) in (4, 5)]
    return [(_mm(s["x0"]), _mm(s["top"]), _mm(s["width"]), _mm(s["height"])) for s in shapes]


def _labels(page) -> tuple[set[str], set[str]]:
    """Upright words and rotated (bottom-to-top) words of ``page``."""
    upright = {w["text"] for w in page.extract_words() if w["upright"]}
    rotated = {}
    for ch in page.chars:
        if not ch["upright"]:
            rotated.setdefault((round(ch["x0"], 1), round(ch["x1"], 1)), []).append(ch)
    turned = set()
    for chars in rotated.values():  # one rotated label per column of glyphs; read from the bottom up
        chars.sort(key=lambda c: -c["top"])
        text, last = "", None
        for c in chars:
            if last is not None and last - c["bottom"] > 1.0:
                turned.add(text)
                text = ""
            text += c["text"]
            last = c["top"]
        turned.add(text)
    return upright, turned


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("paper", list(PAPERS))
def test_page_size_in_mm(paper, orientation, out):
    path = print_map(era="2025", paper=paper, orientation=orientation).save(out / f"{paper}-{orientation}.pdf")
    box = pypdf.PdfReader(path).pages[0].mediabox
    width, height = page_size(paper, orientation)
    assert abs(_mm(float(box.width)) - width) <= 0.5
    assert abs(_mm(float(box.height)) - height) <= 0.5


def test_cadastral_sheet_frame_is_500_mm_at_1_2000(sheet_pdf):
    with pdfplumber.open(sheet_pdf) as pdf:
        for page in pdf.pages:
            frames = [r for r in _rectangles(page) if abs(r[2] - 500) <= 0.5 and abs(r[3] - 500) <= 0.5]
            assert frames, "no 500 × 500 mm rectangle on the page"


def test_grid_labels_are_the_sheets_coordinates(sheet_pdf):
    index = sheets(study_area("Cái Chiên", "2025"), 2000, "cadastral").set_index("sheet")
    with pdfplumber.open(sheet_pdf) as pdf:
        for number, page in zip(SHEETS, pdf.pages):
            x0, y0, x1, y1 = index.loc[number, "geometry"].bounds
            upright, turned = _labels(page)
            eastings = {f"{v:.0f}" for v in np.arange(x0, x1 + 1, 200)}
            northings = {f"{v:.0f}" for v in np.arange(y0, y1 + 1, 200)}
            assert eastings <= upright
            assert northings <= turned
            numeric = {t for t in upright | turned if t.isdigit() and len(t) >= 6}
            assert numeric <= eastings | northings  # no label in another grid (WGS84, degrees…)
            text = page.extract_text()
            assert f"X {y1:.0f}, Y {x0:.0f}" in text  # north-west corner, X = northing


def test_atlas_has_one_page_per_sheet_and_their_numbers(out):
    index = sheets(study_area("Cái Chiên", "2025"), 5000, "cadastral")
    path = atlas("Cái Chiên", era="2025", scale=5000, paper="A0").save(out / "atlas5000.pdf")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == len(index) > 1
    for number, page in zip(index["sheet"], reader.pages):
        assert f"Số hiệu mảnh: {number}" in page.extract_text()


def test_text_has_unit_names_with_diacritics(district_pdf):
    with pdfplumber.open(district_pdf) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        anchor = next(w for w in page.extract_words() if w["text"] == "EPSG:6960")  # the value column
        block = " ".join(page.crop((anchor["x0"] - 1, 0, page.width, page.height)).extract_text().split())
    assert unicodedata.is_normalized("NFC", text)
    for name in UNITS_2025:
        assert unicodedata.normalize("NFC", name) in text
    assert "Tỷ lệ 1:" in text
    assert "MINH HOẠ — KHÔNG PHẢI QUY HOẠCH ĐƯỢC DUYỆT" in " ".join(text.split())
    for needed in ("Hệ toạ độ VN-2000, kinh tuyến trục 107°45′, múi chiếu 3°", "EPSG:6960", "1679/NQ-UBTVQH15",
                   "18422e75f759"):
        assert needed in block


def test_title_block_dates_the_data_not_the_run(district_pdf):
    import datetime as dt

    with pdfplumber.open(district_pdf) as pdf:
        text = pdf.pages[0].extract_text()
    flat = " ".join(text.split())
    assert "4 đơn vị hành chính cấp xã, từ 01/07/2025" in flat
    for part in ("theo 1679/NQ-UBTVQH15 ngày", "16/06/2025, hiệu lực 16/06/2025;",  # the label wraps between
                 "đơn vị mới hoạt động từ 01/07/2025"):
        assert part in flat
    assert dt.date.today().strftime("%d/%m/%Y") not in text


def test_english_page(out):
    path = print_map(era="2020", paper="A4", lang="en").save(out / "en.pdf")
    text = " ".join(pypdf.PdfReader(path).pages[0].extract_text().split())
    assert "Scale 1:" in text and "ILLUSTRATIVE" in text and "in force 2020-02-01" in text
    assert "(date of effect inferred)" in text  # the 2020 date is inferred in the registry


def test_fonts_are_embedded_truetype(district_pdf):
    fonts = []
    for page in pypdf.PdfReader(district_pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] == "/Type0":  # TrueType as a CID font: the descriptor sits on the descendant
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    assert fonts and all(embedded for _, embedded in fonts)
    assert all("DejaVuSans" in name for name, _ in fonts)


def test_font_covers_every_unit_name():
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    from haiha_geo import registry

    cmap = TTFont(font_manager.findfont("DejaVu Sans", fallback_to_default=False)).getBestCmap()
    names = "".join(registry.units_table()["label"]) + "ạảầếộườỷđĐ°′₀—→"
    missing = {ch for ch in unicodedata.normalize("NFC", names) if ord(ch) not in cmap}
    assert not missing


def test_reruns_are_byte_identical(out, sheet_pdf, district_pdf):
    again = atlas("Cái Chiên", era="2025", only=SHEETS).save(out / "atlas-again.pdf")
    assert again.read_bytes() == sheet_pdf.read_bytes()
    again = print_map(era="2025", paper="A3", orientation="landscape").save(out / "district-again.pdf")
    assert again.read_bytes() == district_pdf.read_bytes()


def test_every_page_rasterises_not_blank(sheet_pdf, district_pdf, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed to rasterise the pages; .ci/run installs it"
    ARTIFACTS.mkdir(exist_ok=True)
    for pdf in (sheet_pdf, district_pdf):
        subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(tmp_path / pdf.stem)], check=True)
        pngs = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        assert len(pngs) == len(pypdf.PdfReader(pdf).pages)
        for png in pngs:
            pixels = np.asarray(Image.open(png).convert("L"))
            assert (pixels < 200).mean() > 0.005, f"{png.name} is blank"
            assert len(np.unique(pixels)) > 20
        shutil.copy(pngs[0], ARTIFACTS / f"{pdf.stem}-page1.png")
    print(f"first pages kept in {ARTIFACTS}")


def test_sheet_too_big_for_the_paper_names_the_paper_that_fits():
    with pytest.raises(PrintLayoutError, match=r"smallest paper that fits is A1 \(--paper A1\)"):
        atlas("Cái Chiên", era="2025", paper="A3", only=SHEETS[:1])


def test_topographic_sheet_page(out):
    index = sheets(study_area("Cái Chiên", "2025"), 2000, "topographic")
    doc = atlas("Cái Chiên", era="2025", system="topographic", only=[index["sheet"].iloc[0]])
    path = doc.save(out / "topo.pdf")
    text = pypdf.PdfReader(path).pages[0].extract_text()
    assert index["sheet"].iloc[0] in text and "″ N" in text and "TT 973/2001/TT-TCĐC" in text
    w, h = doc.info[0]["frame_mm"]
    x0, y0, x1, y1 = doc.info[0]["extent"]
    assert abs((x1 - x0) * 1000 / 2000 - w) < 1e-6 and abs((y1 - y0) * 1000 / 2000 - h) < 1e-6


def test_print_scale_is_exact_and_frame_on_page(district_pdf):
    doc = print_map(era="2025", paper="A3", orientation="landscape")
    info = doc.info[0]
    (w, h), (x0, y0, x1, y1) = info["frame_mm"], info["extent"]
    assert abs((x1 - x0) * 1000 / info["scale"] - w) < 1e-6 and abs((y1 - y0) * 1000 / info["scale"] - h) < 1e-6
    with pdfplumber.open(district_pdf) as pdf:
        assert any(abs(r[2] - w) <= 0.5 and abs(r[3] - h) <= 0.5 for r in _rectangles(pdf.pages[0]))


@pytest.mark.parametrize(("scale", "expected"), [(None, 100000), (50000, 50000)])
def test_scale_given_or_largest_that_fits(scale, expected):
    doc = print_map(era="2025", paper="A0", orientation="portrait", scale=scale)
    assert doc.info[0]["scale"] == expected
    cut = [n for n in doc.notes if "cuts the map" in n]
    assert bool(cut) == (scale == 50000)  # 1:50,000 on A0 cuts the district, and says so


def test_user_layer_with_hostile_name_is_drawn_and_listed(out):
    layer = out / "khu $\\frac{a}{b}$ <script>.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[107.70, 21.45], [107.72, 21.45], [107.72, 21.47],
                                                          [107.70, 21.45]]]}}]}), encoding="utf-8")
    path = print_map(era="2025", paper="A4", layers=[layer]).save(out / "layer.pdf")
    text = pypdf.PdfReader(path).pages[0].extract_text()
    assert "$\\frac{a}{b}$" in text and "sha256" in text


def test_cli_print_png_and_atlas(cli, out):
    png = out / "cli.png"
    run = cli("print", "--era", "2025", "--paper", "A4", "--orientation", "portrait", "--format", "png",
              "--dpi", "50", "--out", str(png))
    assert run.code == 0, run.err
    assert Image.open(png).size == (int(210 / 25.4 * 50), int(297 / 25.4 * 50))  # matplotlib truncates
    pdf = out / "cli-atlas.pdf"
    run = cli("atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", SHEETS[0], "--out", str(pdf))
    assert run.code == 0, run.err
    assert "1 page(s), A1 portrait, 1:2,000, frame 500.0 × 500.0 mm" in run.err


@pytest.mark.parametrize("args", [
    ("print", "--era", "2025", "--scale", "0"),
    ("atlas", "--unit", "Cái Chiên", "--era", "2025", "--paper", "A3"),
    ("atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", "999999-9"),
    ("print", "no-such-spec"),
])
def test_cli_errors_exit_2_with_one_line(cli, out, args):
    run = cli(*args, "--out", str(out / "never.pdf"))
    assert run.code == 2
    assert run.err.count("\n") == 1 and run.err.startswith("haiha-geo: error:")
    assert not (out / "never.pdf").exists()


def test_output_never_replaces_an_input(cli, out):
    layer = out / "input.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Point", "coordinates": [107.75, 21.45]}}]}))
    before = layer.read_bytes()
    run = cli("print", "--era", "2025", "--layer", str(layer), "--format", "pdf", "--out", str(layer))
    assert run.code == 2 and layer.read_bytes() == before


def test_spec_print_table_is_checked():
    base = {"title": "x", "layers": [{"id": "a", "kind": "era", "era": "2025"}]}
    spec = parse_spec({**base, "print": {"paper": "A4", "layers": ["a"]}})
    assert print_map(spec).info[0]["paper"] == "A4"
    with pytest.raises(InputFileError, match=r"print\.papers"):
        parse_spec({**base, "print": {"papers": "A4"}})
    with pytest.raises(InputFileError, match=r"'b' name no layer of the spec; give layer ids .* among: a"):
        parse_spec({**base, "print": {"layers": ["b"]}})


def test_unit_labels_never_overlap(out):
    import re

    from haiha_geo.eras import units

    doc = print_map(era="2019", paper="A4", orientation="portrait")  # 16 units on the smallest paper
    path = doc.save(out / "crowded.pdf")
    dropped = {re.sub(r"^\d+ ", "", n.split("'")[1]) for n in doc.notes if n.startswith("label")}  # numbered too
    boxes = []
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        for label in units("2019")["label"]:
            found = page.search(re.escape(label))
            assert found or label in dropped, f"{label} neither printed nor reported"
            boxes += [(label, m) for m in found]
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            apart = (ba["x1"] <= bb["x0"] or bb["x1"] <= ba["x0"]
                     or ba["bottom"] <= bb["top"] or bb["bottom"] <= ba["top"])
            assert apart, f"labels {a!r} and {b!r} overlap"


def test_notebook_shows_the_page():
    doc = print_map(era="2025", paper="A4")
    assert doc._repr_png_().startswith(b"\x89PNG")
    assert len(doc.pages) == 1 and doc.figure is doc.figure  # drawn once


def test_english_atlas_names_the_unit_in_english(out):
    path = atlas("Cái Chiên", era="2025", only=SHEETS[:1], lang="en").save(out / "atlas-en.pdf")
    text = pypdf.PdfReader(path).pages[0].extract_text()
    assert "MAP OF Cái Chiên commune — SCALE 1:2,000" in text and "Sheet junction" in text


@pytest.mark.parametrize("era, named, absent", [("2025", ["gadm41", "vn3dmap2025"], []),
                                                ("2019", ["gadm41"], ["vn3dmap2025"])])
def test_source_line_names_the_source_that_cuts_the_split(era, named, absent):
    """Era 2025's split of Quảng Long is cut by vn3dmap2025: the source line named gadm41 only."""
    from haiha_geo.maps.spec import load_spec
    from haiha_geo.printing import titleblock
    from haiha_geo.printing.layers import from_spec
    from haiha_geo.printing.page import source_lines

    layers, _ = from_spec(load_spec(None), era=era, files=[], lang="vi", words=titleblock.words("vi"))
    refs, _ = source_lines(layers)
    assert all(f"{name}/" in refs for name in named) and not any(f"{n}/" in refs for n in absent), refs


def test_printed_source_line_of_2025_names_vn3dmap2025(district_pdf):
    with pdfplumber.open(district_pdf) as pdf:
        flat = " ".join(pdf.pages[0].extract_text().split())
    assert "gadm41/" in flat and "vn3dmap2025/" in flat


@pytest.mark.parametrize(("era", "words"), [("2019", "Ranh giới xã, thị trấn (2019)"), ("2025", "Ranh giới xã (2025)")])
def test_the_legend_names_the_kinds_of_unit_the_era_has(era, words):
    from haiha_geo.printing.layers import era_layer
    from haiha_geo.printing.titleblock import TEXTS

    assert era_layer(era, "vi", TEXTS["vi"]).legend == words  # no thị trấn after 1/7/2025
