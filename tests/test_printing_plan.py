"""A planner's own plan on paper: one fill per land-use code, code labels, a legend of the codes drawn, frames on it.

The plan is built at run time inside the study area (never stored): a block of square plots with land-law codes,
QCVN groups and plot labels. Pages are read back with pypdf and rasterised with pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pypdf
import pytest
from PIL import Image
from zoning_plans import PLAN, SIDE, coded_plan, study_origin

from haiha_geo.errors import PrintLayoutError
from haiha_geo.land_codes import PLAN_FILL_OPACITY, codes, colour
from haiha_geo.printing import atlas, print_map
from haiha_geo.printing.layout import available

DPI = 100


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan_qh.gpkg"
    coded_plan().to_file(path)
    return path


@pytest.fixture(scope="module")
def plan_page(plan_file, tmp_path_factory):
    doc = print_map(era="2025", layers=[plan_file], extent="layer", scale=2000, paper="A3", orientation="portrait")
    pdf = doc.save(tmp_path_factory.mktemp("page") / "plan.pdf")
    return doc, pdf


def _raster(pdf, tmp_path) -> np.ndarray:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed; .ci/run installs it"
    subprocess.run([pdftoppm, "-r", str(DPI), "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    return np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)


def _pixel(image: np.ndarray, doc, x: float, y: float) -> np.ndarray:
    """The page pixel of the ground point (x, y) in EPSG:5899."""
    info = doc.info[0]
    frame = available(info["paper"], info["orientation"]).frame
    x0, y0 = info["extent"][:2]
    mm_x = frame.x + (x - x0) * 1000 / info["scale"]
    mm_y = frame.y + (y - y0) * 1000 / info["scale"]
    row = round((info["page_mm"][1] - mm_y) / 25.4 * DPI)
    return image[row, round(mm_x / 25.4 * DPI)]


def test_every_plot_is_inside_the_frame(plan_page):
    doc, _ = plan_page
    x0, y0, x1, y1 = doc.info[0]["extent"]
    px0, py0, px1, py1 = coded_plan().total_bounds
    assert x0 <= px0 and y0 <= py0 and px1 <= x1 and py1 <= y1
    assert doc.info[0]["scale"] == 2000


@pytest.mark.parametrize("plot", [0, 2, 6])  # ONT, LUC, SKC: three codes, three colours
def test_plot_pixels_have_their_codes_colour(plan_page, tmp_path, plot):
    doc, pdf = plan_page
    image = _raster(pdf, tmp_path)
    x, y = study_origin()
    px, py = x + (plot % 3) * SIDE + 6, y + (plot // 3) * SIDE + 6  # near a corner: clear of the label and outline
    rgb = np.array(colour(PLAN[plot][0])[0])
    expected = PLAN_FILL_OPACITY * rgb + (1 - PLAN_FILL_OPACITY) * 255
    assert np.abs(_pixel(image, doc, px, py) - expected).max() <= 8, (PLAN[plot][0], _pixel(image, doc, px, py))


def test_the_legend_lists_exactly_the_codes_present(plan_page):
    _, pdf = plan_page
    text = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    law = codes()
    for code, _ in PLAN:
        assert f"{code} — {law[code].name_vi}" in text
    assert not [c for c in ("LUK", "ODT", "DTL", "RSX") if f"{c} — " in text]  # codes not in the plan
    assert "plan_qh.gpkg" not in text.split("Nguồn dữ liệu")[0].split("Chú giải")[-1][:200]  # not the file name
    assert "L01" in text and "ONT" in text  # plot labels: ký hiệu lô and code


def test_a_qcvn_column_is_drawn_by_its_groups(plan_file, tmp_path):
    doc = print_map(era="2025", layers=[plan_file], extent="layer", scale=2000, paper="A3", orientation="portrait",
                    code_field="zone")
    text = " ".join(pypdf.PdfReader(doc.save(tmp_path / "zone.pdf")).pages[0].extract_text().split())
    assert "CC-DVO — " in text and "GT-DT — " in text and "ONT — " not in text


def test_a_scale_that_cannot_hold_the_plan_names_the_paper_that_does(plan_file):
    with pytest.raises(PrintLayoutError, match=r"needs a frame of 180 × 180 mm at 1:1000; A4 .* --paper A3"):
        print_map(era="2025", layers=[plan_file], extent="layer", scale=1000, paper="A4", orientation="portrait")


def test_a_box_and_a_centre_set_the_frame(plan_file):
    x, y = study_origin()
    doc = print_map(era="2025", layers=[plan_file], extent=(x, y, x + 100, y + 100), scale=1000, paper="A4",
                    orientation="portrait", center=(x + 50, y + 50))
    x0, y0, x1, y1 = doc.info[0]["extent"]
    assert (x0 + x1) / 2 == pytest.approx(x + 50) and (y0 + y1) / 2 == pytest.approx(y + 50)


@pytest.mark.parametrize(("args", "message"), [
    (["--extent", "1,2,3"], "give layer or unit or X0,Y0,X1,Y1"),
    (["--extent", "0,0,nan,5"], "give layer or unit or X0,Y0,X1,Y1"),
    (["--extent", "5,5,1,1"], "give X0 < X1 and Y0 < Y1"),
    (["--center", "abc"], "give X,Y"),
    (["--extent", "layer"], "no --layer given"),
    (["--code-field", "nosuch", "--layer", "PLAN"], "has no column 'nosuch'"),
])
def test_bad_frames_are_one_line(cli, tmp_path, plan_file, args, message):
    args = [str(plan_file) if a == "PLAN" else a for a in args]
    run = cli("print", "--era", "2025", *args, "--out", str(tmp_path / "x.pdf"))
    assert run.code == 2 and message in run.err and run.err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists()


def test_the_atlas_prints_the_sheets_of_the_plan_with_its_codes(plan_file, tmp_path):
    doc = atlas(None, era="2025", layers=[plan_file], extent="layer")
    assert 1 <= len(doc.pages) <= 4  # a 180 m block meets one to four 1:2,000 sheets
    text = " ".join(pypdf.PdfReader(doc.save(tmp_path / "atlas.pdf")).pages[0].extract_text().split())
    assert "— Đất" in text


DOSSIER = {"title": "Quy hoạch phân khu tỷ lệ 1/2.000 khu vực Quảng Hà", "number": "QH-02",
           "client": "UBND xã Quảng Hà", "prepared_by": "Ban Quản lý dự án xã", "consultant": "Công ty Tư vấn X",
           "appraised_by": "Sở Xây dựng tỉnh Quảng Ninh", "approved_by": "UBND tỉnh Quảng Ninh",
           "lead": "Nguyễn Văn A", "designer": "Trần Thị B", "checker": "Lê Văn C"}


def _toml(path, fields: dict) -> None:
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in fields.items()) + "date = 2026-12-03\n", encoding="utf-8")


def test_the_title_block_file_fills_the_drawing_and_its_signature_boxes(cli, tmp_path, plan_file):
    khung = tmp_path / "khung.toml"
    _toml(khung, DOSSIER)
    out = tmp_path / "qh.pdf"
    run = cli("print", "--era", "2025", "--layer", str(plan_file), "--extent", "layer", "--scale", "2000",
              "--paper", "A3", "--orientation", "portrait", "--title-block", str(khung), "--out", str(out))
    assert run.code == 0, run.err
    text = " ".join(pypdf.PdfReader(out).pages[0].extract_text().split())
    for value in DOSSIER.values():
        assert value in text, value
    for label in ("Ký hiệu bản vẽ", "Chủ đầu tư", "Cơ quan thẩm định", "Chủ nhiệm", "Thiết kế", "Kiểm tra"):
        assert label in text
    assert "03/12/2026" in text and DOSSIER["title"].upper() in text


def test_without_a_title_block_file_the_rows_are_there_and_empty(plan_page):
    _, pdf = plan_page
    text = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    for label in ("Ký hiệu bản vẽ", "Chủ đầu tư", "Cơ quan tổ chức lập", "Đơn vị tư vấn", "Cơ quan phê duyệt",
                  "Chủ nhiệm", "Thiết kế", "Kiểm tra"):
        assert label in text
    assert "Nguyễn Văn A" not in text


@pytest.mark.parametrize(("value", "message"), [("A\u202eB", "bidi control"), ("x" * 3000, "at most 300")])
def test_hostile_title_block_values_are_refused(cli, tmp_path, value, message):
    khung = tmp_path / "khung.toml"
    _toml(khung, {"lead": value})
    run = cli("print", "--era", "2025", "--title-block", str(khung), "--out", str(tmp_path / "x.pdf"))
    assert run.code == 2 and message in run.err and not (tmp_path / "x.pdf").exists()


def test_a1_text_is_at_least_1_6_times_a3_text(tmp_path):
    import pdfplumber

    sizes = {}
    for paper in ("A3", "A1"):
        pdf = print_map(era="2025", paper=paper).save(tmp_path / f"{paper}.pdf")
        with pdfplumber.open(pdf) as doc:
            chars = doc.pages[0].chars
            sizes[paper] = (max(c["size"] for c in chars), float(np.median([c["size"] for c in chars])))
    assert sizes["A1"][0] >= 1.6 * sizes["A3"][0] and sizes["A1"][1] >= 1.6 * sizes["A3"][1], sizes


def test_names_without_room_are_numbered_and_keyed_on_the_sheet(tmp_path):
    doc = print_map(era="2019", paper="A3")
    listed = [n.split("'")[1] for n in doc.notes if n.startswith("label")]
    assert listed, "at 1:200,000 on A3 some of the 16 units of 2019 have no room for their names"
    text = " ".join(pypdf.PdfReader(doc.save(tmp_path / "e19.pdf")).pages[0].extract_text().split())
    assert "Số trên bản đồ và tên không đủ chỗ ghi:" in text
    assert all(entry in text for entry in listed)
