"""The form layer of report tables (issue 21 item 1): number, unit line, STT, header groups, signatures.

Every writer renders the same form: XLSX read back with openpyxl, DOCX with python-docx, text and Markdown.
"""

from __future__ import annotations

import datetime as dt

import docx
import openpyxl
import pytest
from test_report import printed

from haiha_geo.dossier import Dossier
from haiha_geo.errors import TableValueError
from haiha_geo.report import (
    Column,
    ColumnGroup,
    ReportTable,
    RowStyle,
    Source,
    hierarchical_stt,
    read_form,
    render,
    to_xlsx,
)
from haiha_geo.report_docx import texts, to_docx

DOSSIER = Dossier(prepared_by="UBND xã Quảng Hà", compiler="Phạm Văn D", head="Hoàng Văn E", place="Quảng Hà",
                  date=dt.date(2026, 12, 3))
GROUPS = (ColumnGroup("Hiện trạng", "Existing", ("existing_ha", "existing_pct")),
          ColumnGroup("Quy hoạch", "Planned", ("planned_ha", "planned_pct")))
COLUMNS = [Column("name", "Loại đất", "Land use"), Column("code", "Ký hiệu", "Code"),
           Column("existing_ha", "Diện tích (ha)", "Area (ha)", "ha"), Column("existing_pct", "Tỷ lệ (%)", "Share (%)",
                                                                              "percent"),
           Column("planned_ha", "Diện tích (ha)", "Area (ha)", "ha"), Column("planned_pct", "Tỷ lệ (%)", "Share (%)",
                                                                             "percent")]
LEVELS = [1, 2, 3, 3, 2, 1]
ROWS = [{"name": "Đất xây dựng", "code": "DXD", "existing_ha": 3.0, "existing_pct": 75.0, "planned_ha": 3.5,
         "planned_pct": 87.5},
        {"name": "Đất dân dụng", "code": "DDD", "existing_ha": 2.0, "existing_pct": 50.0, "planned_ha": 3.0,
         "planned_pct": 75.0},
        {"name": "Đất ở", "code": "ONT", "existing_ha": 1.5, "existing_pct": 37.5, "planned_ha": 2.0,
         "planned_pct": 50.0},
        {"name": "Đất cây xanh", "code": "CX", "existing_ha": 0.5, "existing_pct": 12.5, "planned_ha": 1.0,
         "planned_pct": 25.0},
        {"name": "Đất ngoài dân dụng", "code": "NDD", "existing_ha": 1.0, "existing_pct": 25.0, "planned_ha": 0.5,
         "planned_pct": 12.5},
        {"name": "Đất khác", "code": "KHAC", "existing_ha": 1.0, "existing_pct": 25.0, "planned_ha": 0.5,
         "planned_pct": 12.5},
        {"name": "Tổng cộng", "existing_ha": 4.0, "existing_pct": 100.0, "planned_ha": 4.0, "planned_pct": 100.0}]


def _form(dossier: Dossier = DOSSIER) -> ReportTable:
    frame = read_form("can_bang_su_dung_dat", dossier=dossier, groups=GROUPS)
    styles = [RowStyle(stt=s, bold=level == 1, indent=level - 1) for s, level in
              zip(hierarchical_stt(LEVELS), LEVELS)] + [RowStyle(bold=True, numbered=False)]
    return ReportTable(frame.title, COLUMNS, ROWS, title_en=frame.title_en, styles=styles, label_key="name",
                       sources=[Source("Thông tư 04/2022/TT-BXD", "I", "Mẫu biểu")], form=frame)


@pytest.mark.parametrize(("levels", "labels"), [([1, 1, 1], ["A", "B", "C"]), ([1, 2, 2, 3, 3, 4, 4, 5],
                                                 ["A", "I", "II", "1", "2", "2.1", "2.2", "2.2.1"]),
                                                ([2, 3, 2, 3], ["I", "1", "II", "1"])])
def test_hierarchical_stt_letters_romans_and_dotted_numbers(levels, labels):
    assert hierarchical_stt(levels) == labels


def test_a_group_over_columns_that_are_not_adjacent_is_refused():
    frame = read_form("can_bang_su_dung_dat", groups=(ColumnGroup("X", "X", ("existing_ha", "planned_ha")),))
    with pytest.raises(TableValueError, match="not adjacent"):
        ReportTable("x", COLUMNS, ROWS, form=frame)


def test_xlsx_form_has_number_unit_groups_column_numbers_stt_and_signatures(tmp_path):
    sheet = openpyxl.load_workbook(to_xlsx(_form(), tmp_path / "f.xlsx")).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "UBND xã Quảng Hà" and values[0][3] == "Biểu số 01"
    assert values[1][0] == "Bảng cân bằng sử dụng đất"
    assert values[3][0] == "Đơn vị tính: ha"
    assert values[4][:7] == ["STT", "Loại đất", "Ký hiệu", "Hiện trạng", None, "Quy hoạch", None]
    assert values[5][3:7] == ["Diện tích (ha)", "Tỷ lệ (%)"] * 2
    assert {"A5:A6", "B5:B6", "D5:E5", "F5:G5"} <= {str(r) for r in sheet.merged_cells.ranges}
    assert values[6][:7] == [f"({j})" for j in range(1, 8)]
    assert [row[0] for row in values[7:14]] == ["A", "I", "1", "2", "II", "B", None]
    assert sheet["D8"].value == 3.0 and sheet["D8"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A8" and sheet.print_title_rows == "$1:$7"
    flat = [v for row in values for v in row if v is not None]
    for text in ("Quảng Hà, ngày 03 tháng 12 năm 2026", "Người lập biểu", "Thủ trưởng đơn vị", "Phạm Văn D",
                 "Hoàng Văn E"):
        assert text in flat
    assert sheet["B8"].font.name == "Times New Roman"


def test_every_total_equals_the_sum_of_its_leaves():
    table = _form()
    rows = table.values()
    for key in ("existing_ha", "planned_ha", "existing_pct", "planned_pct"):
        j = [c.key for c in COLUMNS].index(key)
        leaves = [rows[i][j] for i in (2, 3, 4, 5)]  # ONT, CX, NDD, KHAC
        assert rows[1][j] == pytest.approx(rows[2][j] + rows[3][j])
        assert rows[0][j] == pytest.approx(sum(leaves[:3]))
        assert rows[6][j] == pytest.approx(sum(leaves))


def test_docx_form_has_the_same_content(tmp_path):
    out = to_docx(_form(), tmp_path / "f.docx")
    lines = texts(out)
    for text in ("UBND xã Quảng Hà", "Biểu số 01", "Bảng cân bằng sử dụng đất", "Đơn vị tính: ha", "Hiện trạng",
                 "Quy hoạch", "(7)", "Quảng Hà, ngày 03 tháng 12 năm 2026", "Người lập biểu", "Thủ trưởng đơn vị",
                 "Phạm Văn D", "Hoàng Văn E", "Nguồn và độ tin cậy: Bảng cân bằng sử dụng đất"):
        assert text in lines, text
    document = docx.Document(out)
    grid = document.tables[0]
    assert [c.text for c in grid.rows[0].cells][:7] == ["STT", "Loại đất", "Ký hiệu", "Hiện trạng", "Hiện trạng",
                                                       "Quy hoạch", "Quy hoạch"]
    assert [c.text for c in grid.rows[1].cells][3:7] == ["Diện tích (ha)", "Tỷ lệ (%)"] * 2
    assert [r.cells[0].text for r in grid.rows[3:10]] == ["A", "I", "1", "2", "II", "B", ""]
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_without_a_title_block_the_signature_block_is_empty_lines_to_sign_on(tmp_path):
    lines = texts(to_docx(_form(Dossier()), tmp_path / "f.docx"))
    assert "…, ngày … tháng … năm …" in lines and "Người lập biểu" in lines and "Phạm Văn D" not in lines
    text = render(_form(Dossier()), "table")
    assert "Người lập biểu: …" in text and "UBND" not in text


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_text_writers_render_the_form(fmt):
    text = render(_form(), fmt)
    for part in ("Biểu số 01", "Đơn vị tính: ha", "Hiện trạng – Diện tích (ha)", "Quy hoạch – Tỷ lệ (%)", "(7)",
                 "Quảng Hà, ngày 03 tháng 12 năm 2026", "Người lập biểu: Phạm Văn D"):
        assert part in text


@pytest.mark.parametrize("writer", [to_xlsx, to_docx])
def test_form_files_are_byte_identical_across_runs(tmp_path, writer):
    first, second = writer(_form(), tmp_path / "a.x"), writer(_form(), tmp_path / "b.x")
    assert first.read_bytes() == second.read_bytes()


def test_hostile_text_in_a_docx_stays_text(tmp_path):
    table = ReportTable("=1+1", [Column("a", "=A1", "x")], [{"a": "=HYPERLINK(\"http://x\")\x07"}])
    lines = texts(to_docx(table, tmp_path / "h.docx"))
    assert lines == ["=1+1", "STT", "=A1", "1", "=HYPERLINK(\"http://x\")\ufffd"]


@pytest.mark.parametrize("title_words", [1, 30])
def test_xlsx_titles_wrap_to_the_page_width(tmp_path, title_words):
    title = " ".join(["Thống kê diện tích"] * title_words)
    columns = [Column("a", "Cột", "Column", width=30), Column("b", "Diện tích (ha)", "Area (ha)", "ha")]
    table = ReportTable(title, columns, [{"a": "x", "b": 1.0}])
    sheet = openpyxl.load_workbook(to_xlsx(table, tmp_path / "t.xlsx")).worksheets[0]
    assert sheet["A1"].alignment.wrap_text and sheet["A1"].value == title
    height = sheet.row_dimensions[1].height
    assert (height or 0) > 3 * 15 if title_words == 30 else height is None


@pytest.mark.parametrize(("lang", "head", "value"), [("vi", "Hiện trạng – Diện tích (ha)", '"3,00"'),
                                                     ("en", "Existing – Area (ha)", "3.0")])
def test_csv_with_headers_names_the_group_of_each_column(lang, head, value):
    lines = render(_form(), "csv", lang).splitlines()
    assert head in lines[0].split(",") and value in lines[1]


#: QCVN groups of a plan whose land-use balance has 17 rows (16 groups and leaves, and the total).
BALANCE_17 = ["NO-HT", "NO-M", "CC-DVO", "CX-DVO", "GT-DVO", "CC-DT", "CX-DT", "GT-DT", "CN", "NN", "MN"]


def _body(sheet) -> list[int]:
    """The table's rows: from the frozen header to the first row without an STT or a label."""
    first = int(sheet.freeze_panes[1:])
    rows = []
    for r in range(first, sheet.max_row + 1):
        if sheet.cell(r, 1).value is None and sheet.cell(r, 2).value is None:
            break
        rows.append(r)
    return rows


def test_the_17_row_balance_prints_on_one_a4_page(cli, tmp_path):
    """Against a current use built at run time inside the study area: rows carry a source number, not notes."""
    from zoning_plans import study_plan

    plan, current, out = tmp_path / "plan.gpkg", tmp_path / "now.gpkg", tmp_path / "cb.xlsx"
    study_plan([(code, code) for code in BALANCE_17], 40, per_row=6).to_file(plan)
    study_plan([(code, code) for code in ["NN", "NO-HT", "MN"] * 4][:len(BALANCE_17)], 40, per_row=6).to_file(current)
    run = cli("balance", str(plan), "--existing", str(current), "--format", "xlsx", "--out", str(out))
    assert run.code == 0, run.err
    sheet = openpyxl.load_workbook(out).worksheets[0]
    body = _body(sheet)
    assert len(body) == 17 and sheet.cell(body[-1], 2).value == "Tổng cộng"
    assert all((sheet.row_dimensions[r].height or 15) <= 30 for r in body)  # at most two lines a row
    assert all(len(str(c.value)) <= 70 for r in body for c in sheet[r] if c.value is not None)
    fit = printed(sheet)[sheet.page_setup.orientation]
    assert fit[1] == 1 and fit[0] >= 0.8, fit
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0


def test_docx_sections_take_the_orientation_of_their_table(tmp_path):
    """Each table (the form, an annex, the sources) in a section of its own: landscape only where wider."""
    from haiha_geo.report import page_orientation

    wide = ReportTable("Bảng rộng", [Column(f"c{i}", f"Cột thứ {i} của bảng", f"Column {i}") for i in range(12)],
                       [{f"c{i}": "giá trị khá dài" for i in range(12)}])
    narrow = ReportTable("Bảng hẹp", [Column("name", "Tên", "Name")], [{"name": "Quảng Hà"}], annexes=[wide],
                         sources=[Source("Thông tư 04/2022/TT-BXD", "I", "Mẫu biểu")])
    sections = docx.Document(to_docx(narrow, tmp_path / "t.docx")).sections
    assert [s.orientation.name for s in sections] == ["PORTRAIT", "LANDSCAPE", "PORTRAIT"]
    assert [(round(s.page_width.mm), round(s.page_height.mm)) for s in sections] == [(210, 297), (297, 210),
                                                                                      (210, 297)]
    assert all(round(s.left_margin.mm) == round(s.right_margin.mm) == 15 for s in sections)
    assert page_orientation([6, 20]) == "portrait" and page_orientation([6] + [20] * 12) == "landscape"
