"""The drawing sheet (haiha_geo.printing.titleblock, layout): dossier title block from ``--title-block``, place
line by era, type that grows with the paper, dropped labels on the sheet — read back from the PDF (pypdf,
pdfplumber)."""

from __future__ import annotations

import json
import statistics
import unicodedata
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from haiha_geo.dossier import LABELS, MAX_FIELD, Dossier
from haiha_geo.printing import print_map
from haiha_geo.printing.titleblock import AGENCY_KEYS, SIGNER_KEYS, place_line

DOSSIER = {
    "title": "Quy hoạch phân khu tỷ lệ 1/2.000 khu vực Quảng Hà", "number": "QH-02",
    "client": "UBND xã Quảng Hà", "prepared_by": "Phòng Kinh tế xã Quảng Hà",
    "consultant": "Công ty CP Tư vấn Quy hoạch X", "appraised_by": "Sở Xây dựng tỉnh Quảng Ninh",
    "approved_by": "UBND tỉnh Quảng Ninh", "lead": "Nguyễn Văn A", "designer": "Trần Thị B", "checker": "Lê Văn C",
}
ROW_KEYS = ("number", *AGENCY_KEYS, *SIGNER_KEYS)


def _toml(path: Path, values: dict) -> Path:
    """A title-block TOML of ``values`` (escaped as TOML basic strings: a control character reaches the reader)."""
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    path.write_text(lines + "date = 2026-12-03\n", encoding="utf-8")
    return path


def _text(pdf: Path, page: int = 0) -> str:
    return unicodedata.normalize("NFC", " ".join(pypdf.PdfReader(pdf).pages[page].extract_text().split()))


@pytest.fixture(scope="module")
def khung(tmp_path_factory) -> Path:
    return _toml(tmp_path_factory.mktemp("dossier") / "khung_ten.toml", DOSSIER)


@pytest.mark.parametrize("command", [
    ["print", "--era", "2025", "--paper", "A3"],
    ["atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", "364504-5"],
])
def test_title_block_file_fields_appear_in_the_pdf(cli, khung, tmp_path, command):
    out = tmp_path / "drawing.pdf"
    run = cli(*command, "--title-block", str(khung), "--out", str(out))
    assert run.code == 0, run.err
    text = _text(out)
    for key, value in DOSSIER.items():
        assert value in text, key
    assert "03/12/2026" in text
    assert all(LABELS[key][0] in text for key in ROW_KEYS)
    assert khung.read_text(encoding="utf-8").startswith("title =")  # the input is left as it was


def test_without_a_file_the_labels_are_there_and_the_fields_empty(tmp_path):
    out = print_map(era="2025", paper="A3").save(tmp_path / "empty.pdf")
    text = _text(out)
    assert all(LABELS[key][0] in text for key in ROW_KEYS)
    assert "Chữ ký" in text  # the signature boxes
    assert "Nguyễn" not in text and "QH-02" not in text and "None" not in text


def _sizes(pdf: Path) -> tuple[float, float]:
    """(largest type size: the title, median type size of the title block rows), points."""
    with pdfplumber.open(pdf) as doc:
        chars = doc.pages[0].chars
    width = float(pypdf.PdfReader(pdf).pages[0].mediabox.width)
    block = [c["size"] for c in chars if c["x0"] > width * 0.74]
    return max(c["size"] for c in chars), statistics.median(block)


def test_a1_type_is_at_least_1_6_times_a3(tmp_path):
    a3 = _sizes(print_map(era="2025", paper="A3").save(tmp_path / "a3.pdf"))
    a1 = _sizes(print_map(era="2025", paper="A1").save(tmp_path / "a1.pdf"))
    assert a1[0] >= 1.6 * a3[0], (a1, a3)  # the title
    assert a1[1] >= 1.6 * a3[1], (a1, a3)  # the title block and panel


@pytest.mark.parametrize(("era", "units", "district"), [
    ("2025", ["xã Quảng Hà"], False), ("2020", ["thị trấn Quảng Hà"], True), ("2019", [], True)])
def test_place_line_follows_the_era(era, units, district):
    line = place_line(era, units)
    assert ("huyện Hải Hà" in line) is district
    assert line.endswith("tỉnh Quảng Ninh") and all(u in line for u in units)


def test_2025_sheet_place_line_has_no_district(tmp_path):
    out = print_map(era="2025", paper="A4").save(tmp_path / "qh.pdf")
    text = _text(out)
    assert "xã Quảng Hà" in text and "tỉnh Quảng Ninh" in text
    assert "huyện" not in text.lower() and "Hải Hà (cũ)" not in text
    assert "qua các thời kỳ" not in text  # the title says what is drawn: one era


def test_dropped_labels_are_listed_on_the_sheet(tmp_path):
    doc = print_map(era="2019", paper="A4")
    dropped = [n.split("'")[1] for n in doc.notes if "listed on the sheet" in n]
    assert dropped  # A4 has no room for every 2019 label
    text = _text(doc.save(tmp_path / "dropped.pdf"))
    assert "Số trên bản đồ và tên không đủ chỗ ghi" in text and all(name in text for name in dropped)


@pytest.mark.parametrize("value", ["UBND\u202exã", "UBND\x07xã", "x" * 3000])
def test_hostile_title_block_value_is_refused_with_one_line(cli, tmp_path, value):
    khung = _toml(tmp_path / "khung.toml", {"client": value})
    run = cli("print", "--era", "2025", "--title-block", str(khung), "--out", str(tmp_path / "x.pdf"))
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1 and "client" in run.err
    assert not (tmp_path / "x.pdf").exists()


def test_long_legitimate_value_is_wrapped_inside_the_title_block(tmp_path):
    long = " ".join(["Công ty Cổ phần Tư vấn Quy hoạch và Thiết kế Xây dựng"] * 6)[:MAX_FIELD].strip()
    out = print_map(era="2025", paper="A3", dossier=Dossier(consultant=long)).save(tmp_path / "long.pdf")
    assert long in _text(out)
    with pdfplumber.open(out) as doc:
        page = doc.pages[0]
        border_right = page.width - 10 / 25.4 * 72
        assert all(c["x1"] <= border_right for c in page.chars)
