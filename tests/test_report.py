"""The one report-table model and its writers (issue 11 item 2), read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import json
import math
import time

import openpyxl
import pytest

from haiha_geo.errors import OptionError, OutputPathError, TableValueError
from haiha_geo.report import Column, ReportTable, RowStyle, Source, render, to_xlsx

COLUMNS = [
    Column("name", "Tên đơn vị", "Unit"),
    Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha"),
    Column("official_area_ha", "Diện tích tự nhiên công bố (ha)", "Official natural area (ha)", "ha"),
    Column("share", "Tỷ trọng", "Share", "share"),
    Column("difference_pct", "Chênh lệch (%)", "Difference (%)", "percent"),
    Column("population", "Dân số (người)", "Population (people)", "count"),
    Column("merged", "Sáp nhập", "Merged", "bool"),
    Column("valid_from", "Hiệu lực từ", "Valid from", "date"),
]
ROWS = [
    {"name": "Quảng Hà", "area_ha": 8370.0, "official_area_ha": 13437.0, "share": 0.4, "difference_pct": -37.71,
     "population": 28895, "merged": True, "valid_from": dt.date(2025, 7, 1)},
    {"name": "=HYPERLINK(\"http://x\",\"y\")", "area_ha": 1234.5678, "official_area_ha": None, "share": 0.6,
     "difference_pct": None, "population": 100.0, "merged": False, "valid_from": "2020-02-01"},
    {"name": "Tổng cộng", "area_ha": 9604.5678, "share": 1.0, "population": 28995},
]


def _table(**options):
    return ReportTable("Diện tích và dân số", COLUMNS, ROWS, title_en="Area and population",
                       notes=["Diện tích bản đồ dừng ở đường bờ."], notes_en=["Map areas stop at the shoreline."],
                       sources=[Source("GADM 4.1", "C2", "Ranh giới"), Source("NQ 1679/NQ-UBTVQH15", "C", "Đơn vị")],
                       styles=[RowStyle(), RowStyle(fill="#FFCC99"), RowStyle(bold=True, numbered=False)],
                       date=dt.date(2025, 7, 1), **options)


@pytest.fixture
def book(tmp_path):
    return openpyxl.load_workbook(to_xlsx(_table(), tmp_path / "report.xlsx"))


def test_title_header_stt_and_values(book):
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "Diện tích và dân số" and sheet["A1"].font.b
    assert "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == ["STT"] + [c.vi for c in COLUMNS]
    assert all(c.font.b for c in sheet[2])
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == [1, 2, None]
    assert sheet["H3"].value == "Có" and sheet["H4"].value == "Không" and sheet["H5"].value is None
    assert sheet["I3"].value == dt.datetime(2025, 7, 1) and sheet["I4"].value == dt.datetime(2020, 2, 1)
    assert sheet["G4"].value == 100 and isinstance(sheet["G4"].value, int)
    assert sheet["B4"].fill.start_color.rgb.endswith("FFCC99") and sheet["B5"].font.b


def test_number_formats(book):
    sheet = book.worksheets[0]
    formats = {sheet.cell(2, j).value: sheet.cell(3, j).number_format for j in range(2, 10)}
    assert formats == {"Tên đơn vị": "General", "Diện tích bản đồ (ha)": "#,##0.00",
                       "Diện tích tự nhiên công bố (ha)": "#,##0.00", "Tỷ trọng": "0.00%", "Chênh lệch (%)": "0.00",
                       "Dân số (người)": "#,##0", "Sáp nhập": "General", "Hiệu lực từ": "dd/mm/yyyy"}


def test_frozen_header_print_titles_and_a4_page(book):
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$1:$2"
    setup = sheet.page_setup
    assert setup.paperSize == 9 and setup.orientation == "landscape"
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert all(sheet.column_dimensions[col].width >= 6 for col in "ABCDEFGHI")
    assert sheet.oddFooter.center.text == "Trang &P / &N"


def test_sources_sheet_and_notes(book):
    assert book.sheetnames == ["Diện tích và dân số", "Nguồn"]
    sources = book["Nguồn"]
    assert [c.value for c in sources[2]] == ["STT", "Nội dung", "Nguồn", "Độ tin cậy"]
    assert [[c.value for c in row] for row in sources.iter_rows(min_row=3, max_row=4)] == [
        [1, "Ranh giới", "GADM 4.1", "C2"], [2, "Đơn vị", "NQ 1679/NQ-UBTVQH15", "C"]]
    legend = [c.value for c in sources["A"] if isinstance(c.value, str) and c.value.startswith("[")]
    assert legend == ["[C] đã xác nhận trong nguồn trích dẫn",
                      "[C2] chỉ xác nhận qua nguồn thứ cấp (cơ sở dữ liệu, bài báo), chưa qua văn bản pháp lý"]
    assert sources.print_title_rows == "$1:$2" and sources.freeze_panes == "A3"
    footer = [c.value for c in book.worksheets[0]["A"][6:]]
    assert footer == ["Ghi chú:", "Diện tích bản đồ dừng ở đường bờ.", "Nguồn và độ tin cậy: xem trang «Nguồn»."]


def test_no_formula_cells_and_hostile_text_is_literal(tmp_path):
    hostile = ['=HYPERLINK("http://x","y")', "=1+1", "\t=1+2", "+1", "-1+2", "@SUM(A1)", "\r=1", " =1+1"]
    table = ReportTable("=1+1", [Column("code", "Mã", "Code"), Column("value", "Giá trị", "Value", "number")],
                        [{"code": h, "value": -1.5} for h in hostile], notes=["=2+2"],
                        sources=[Source("-3+3", "I", "@x")])
    book = openpyxl.load_workbook(to_xlsx(table, tmp_path / "x.xlsx"))
    cells = [c for s in book for row in s.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    codes = [book.worksheets[0].cell(r, 2).value for r in range(3, 3 + len(hostile))]
    # the carriage return is written as &#13;: the stdlib XML parser reads it back as a line break, lxml
    # (installed with python-docx) as itself; either way still text
    assert [c.replace("\r", "\n") for c in codes] == [h.replace("\r", "\n") for h in hostile]
    assert [book.worksheets[0].cell(r, 3).value for r in range(3, 3 + len(hostile))] == [-1.5] * len(hostile)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_xlsx_is_byte_identical_across_runs(tmp_path, lang):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    to_xlsx(_table(), first, lang=lang)
    time.sleep(2.1)  # ZIP member times have a 2-second resolution
    to_xlsx(_table(), second, lang=lang)
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.creator == "haiha_geo" and props.created == props.modified == dt.datetime(2025, 7, 1)


def test_english_workbook(tmp_path):
    book = openpyxl.load_workbook(to_xlsx(_table(), tmp_path / "en.xlsx", lang="en"))
    sheet = book.worksheets[0]
    assert book.sheetnames == ["Area and population", "Sources"]
    assert [c.value for c in sheet[2]] == ["No."] + [c.en for c in COLUMNS]
    assert sheet["H3"].value == "Yes" and sheet["I3"].number_format == "yyyy-mm-dd"


def test_text_and_markdown_have_title_headers_and_footer():
    text = render(_table(), "table")
    lines = text.splitlines()
    assert lines[0] == "Diện tích và dân số" and lines[2].startswith("STT  Tên đơn vị")
    assert "8.370,00" in text and "40,00%" in text and "-37,71" in text and "28.895" in text and "01/07/2025" in text
    assert "Có" in text and "Không" in text
    assert lines[-3:] == ["Nguồn:", "1. Ranh giới: GADM 4.1 [C2]", "2. Đơn vị: NQ 1679/NQ-UBTVQH15 [C]"]
    md = render(_table(), "md", lang="en")
    assert md.startswith("**Area and population**\n\n| No. | Unit | Map area (ha) |")
    assert "| 2 | =HYPERLINK(\"http://x\",\"y\") | 1,234.57 |" in md and "- Map areas stop at the shoreline." in md


def test_machine_formats_keep_the_keys():
    csv_text = render(_table(), "csv")
    assert csv_text.splitlines()[0] == ",".join(c.key for c in COLUMNS)
    assert csv_text.splitlines()[2].startswith("\"'=HYPERLINK(")
    assert render(_table(), "csv", lang="vi").splitlines()[0].startswith("Tên đơn vị,Diện tích bản đồ (ha)")
    payload = json.loads(render(_table(), "json"))
    assert [c["key"] for c in payload["columns"]] == [c.key for c in COLUMNS]
    assert payload["rows"][0]["valid_from"] == "2025-07-01" and payload["rows"][0]["merged"] is True
    assert payload["sources"][0] == {"about": "Ranh giới", "text": "GADM 4.1", "confidence": "C2"}


@pytest.mark.parametrize("column, value, message", [
    (Column("n", "N", "N", "count"), 1.5, "not a whole number"),
    (Column("n", "N", "N", "ha"), "abc", "not a number"),
    (Column("n", "N", "N", "ha"), float("inf"), "not a finite number"),
    (Column("n", "N", "N", "bool"), "yes", "not True or False"),
    (Column("n", "N", "N", "date"), "1/7/2025", "not a date"),
    (Column("n", "N", "N", "percent"), True, "not a number"),
])
def test_values_that_do_not_fit_their_column(column, value, message):
    with pytest.raises(TableValueError, match=f"row 1, column 'n'.*{message}"):
        ReportTable("T", [column], [{"n": value}])


def test_malformed_tables_and_options(tmp_path):
    with pytest.raises(TableValueError, match="snake_case"):
        Column("Area ha", "A", "A")
    with pytest.raises(TableValueError, match="unknown kind"):
        Column("a", "A", "A", "money")
    with pytest.raises(TableValueError, match="duplicated column key"):
        ReportTable("T", [Column("a", "A", "A"), Column("a", "B", "B")], [])
    with pytest.raises(TableValueError, match="unknown column"):
        ReportTable("T", [Column("a", "A", "A")], [{"b": 1}])
    with pytest.raises(OptionError, match="lang"):
        render(_table(), "table", lang="fr")
    with pytest.raises(OptionError, match="format"):
        render(_table(), "html")
    src = tmp_path / "in.csv"
    src.write_text("x")
    with pytest.raises(OutputPathError, match="never writes over its inputs"):
        to_xlsx(_table(), src, inputs=[src])
    assert src.read_text() == "x"


def test_empty_table_is_written(tmp_path):
    book = openpyxl.load_workbook(to_xlsx(ReportTable("Rỗng", COLUMNS, []), tmp_path / "e.xlsx"))
    assert [c.value for c in book.worksheets[0][2]][:2] == ["STT", "Tên đơn vị"] and book.sheetnames == ["Rỗng"]


def test_rows_that_wrap_are_tall_enough_for_their_lines(tmp_path):
    """Spreadsheets do not grow a row for wrapped text a program wrote: the header and long notes get heights."""
    note = "cuối năm 2019: 'về cơ bản đã đạt hoặc có thể phấn đấu hoàn thành' (THEME2019); " * 3
    columns = [Column("name", "Tên đơn vị", "Unit", width=12),
               Column("note", "Ghi chú rất dài của bảng báo cáo", "Note", width=20)]
    rows = [{"name": "Quảng Hà", "note": note}, {"name": "Đường Hoa", "note": "ngắn"}]
    sheet = openpyxl.load_workbook(to_xlsx(ReportTable("Bảng", columns, rows), tmp_path / "w.xlsx")).worksheets[0]
    assert sheet.row_dimensions[2].height >= 2 * 15  # the header wraps in a 20-character column
    assert sheet.row_dimensions[3].height >= len(note) / 19 * 15  # every line of the long note
    assert sheet.row_dimensions[4].height is None  # one line: the spreadsheet's own height


@pytest.mark.parametrize(("fmt", "lang", "shown"), [
    ("table", None, ["8.370,00", "1.234,57", "40,00%", "-37,71", "28.895"]),
    ("md", "vi", ["| 8.370,00 |", "| 1.234,57 |", "| 40,00% |", "| 28.895 |"]),
    ("csv", "vi", ['"8.370,00"', '"1.234,57"', "40,00%", "28.895"]),
    ("md", "en", ["| 8,370.00 |", "| 1,234.57 |", "| 40.00% |", "| 28,895 |"]),
])
def test_numbers_for_people_are_in_the_format_of_the_language(fmt, lang, shown):
    text = render(_table(), fmt, lang)
    for part in shown:
        assert part in text, part
    if fmt != "md" or lang != "en":
        assert "8,370" not in text and "1,234.57" not in text


def test_keyed_csv_keeps_plain_numbers():
    assert "8370.0" in render(_table(), "csv").splitlines()[1]


#: A4 (width, height) in mm, per orientation.
A4 = {"portrait": (210.0, 297.0), "landscape": (297.0, 210.0)}


def printed(sheet) -> dict[str, tuple[float, int]]:
    """The test's own reading of a sheet on A4: per orientation, the scale that fits its width and its pages.

    A column ``w`` characters wide is 7w + 5 px at 96 px an inch; a row without a height is 15 pt; the rows
    above the frozen header repeat on every page.
    """
    from openpyxl.utils import get_column_letter

    table_mm = sum((7 * sheet.column_dimensions[get_column_letter(j)].width + 5) / 96 * 25.4
                   for j in range(1, sheet.max_column + 1))
    m = sheet.page_margins
    head = int(sheet.freeze_panes[1:]) - 1
    heights = [sheet.row_dimensions[r].height or 15 for r in range(1, sheet.max_row + 1)]
    out = {}
    for orientation, (width, height) in A4.items():
        scale = min(1.0, (width - (m.left + m.right) * 25.4) / table_mm)
        room = (height - (m.top + m.bottom) * 25.4) / 25.4 * 72 / scale - sum(heights[:head])
        out[orientation] = scale, max(1, math.ceil(sum(heights[head:]) / room))
    return out


def _wide_table() -> ReportTable:
    columns = [Column(f"c{i}", f"Cột thứ {i} của bảng rộng", f"Column {i}") for i in range(12)]
    return ReportTable("Bảng rộng", columns, [{f"c{i}": "giá trị khá dài " * 2 for i in range(12)}] * 5)


def _narrow_table(rows: int) -> ReportTable:
    return ReportTable("Bảng hẹp", [Column("name", "Tên đơn vị", "Unit"), Column("area_ha", "Diện tích (ha)",
                                                                                 "Area (ha)", "ha")],
                       [{"name": f"Đơn vị {i}", "area_ha": i * 1.5} for i in range(rows)])


TABLES = {"report": _table, "narrow": lambda: _narrow_table(10), "long": lambda: _narrow_table(300),
          "wide": _wide_table}


@pytest.mark.parametrize("case", TABLES)
def test_a_table_prints_on_the_fewest_a4_pages_fitted_to_its_width(tmp_path, case):
    """Portrait when the columns fit its width; else landscape, unless portrait (at least 80 %) takes fewer pages."""
    sheet = openpyxl.load_workbook(to_xlsx(TABLES[case](), tmp_path / "t.xlsx")).worksheets[0]
    setup = sheet.page_setup
    assert setup.paperSize == 9 and setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"$1:${int(sheet.freeze_panes[1:]) - 1}"  # title and header on every page
    margins = sheet.page_margins
    assert [round(v * 25.4, 2) for v in (margins.left, margins.right, margins.top, margins.bottom)] == [15.0] * 4
    fit = printed(sheet)
    if fit["portrait"][0] == 1.0:  # portrait holds the columns at full size
        assert setup.orientation == "portrait"
    else:
        readable = {o: f for o, f in fit.items() if f[0] >= 0.8} or fit
        best = min(readable.items(), key=lambda item: (item[1][1], -item[1][0]))[0]
        assert setup.orientation == best, fit
    expected = {"narrow": "portrait", "long": "portrait", "wide": "landscape"}
    assert setup.orientation == expected.get(case, setup.orientation)
