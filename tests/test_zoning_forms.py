"""The forms of a zoning plan (issue 21 items 1-2): hiện trạng vs quy hoạch, phases, the plot table.

The plan and the current-use layer are built at run time inside the study area (never stored): squares from a
point inside it, the current use cut differently from the plan.
"""

from __future__ import annotations

import datetime as dt
import functools

import docx
import geopandas as gpd
import openpyxl
import pytest
import shapely
from english_words import english_words

from haiha_geo.dossier import Dossier
from haiha_geo.report import to_xlsx
from haiha_geo.report_docx import texts, to_docx
from haiha_geo.zoning.balance import land_use_balance, plot_table, staged_balance
from haiha_geo.zoning.export import plot_report, staged_report

PLANNED = ["ONT", "ONT", "DGT", "DGT", "TMD", "DGD", "DYT", "DKV", "SKC", "CLN", "NTS", "ODT"]
EXISTING = ["LUC", "LUK", "LUK", "CLN", "CLN", "NTS", "ONT", "ONT", "DGT", "BCS", "HNK", "RSX", "DTL"]
PHASES = ["2030", "2030", "2030", "2035", "2035", "2040", "2040", "2040", "2035", "2030", "2040", "2035"]
DOSSIER = Dossier(prepared_by="UBND xã Quảng Hà", compiler="Phạm Văn D", head="Hoàng Văn E", place="Quảng Hà",
                  date=dt.date(2026, 12, 3))
SIZE = 40.0


@functools.cache
def _origin() -> tuple[float, float]:
    from haiha_geo.zoning.study import study_area

    study = study_area(None, None).geometry
    x0, y0 = shapely.get_coordinates(study.representative_point())[0]
    assert study.contains(shapely.box(x0, y0, x0 + SIZE * len(EXISTING), y0 + SIZE)), "inside the study area"
    return x0, y0


def _plan() -> gpd.GeoDataFrame:
    x0, y0 = _origin()
    plots = [shapely.box(x0 + i * SIZE, y0, x0 + (i + 1) * SIZE, y0 + SIZE) for i in range(len(PLANNED))]
    return gpd.GeoDataFrame({"code": PLANNED, "now": EXISTING[:len(PLANNED)], "phase": PHASES,
                             "ky_hieu_lo": [f"L{i + 1:02d}" for i in range(len(PLANNED))],
                             "mat_do_xd": [40.0] * 6 + [None] * 6, "tang_cao": [3, 5] * 6,
                             "he_so_sdd": [1.2] * 12, "dan_so": [120, 80] + [None] * 10},
                            geometry=plots, crs="EPSG:5899")


def _current() -> gpd.GeoDataFrame:
    """The current use over the plan's extent, cut into 13 strips of another width."""
    x0, y0 = _origin()
    step = SIZE * len(PLANNED) / len(EXISTING)
    strips = [shapely.box(x0 + i * step, y0, x0 + (i + 1) * step, y0 + SIZE) for i in range(len(EXISTING))]
    return gpd.GeoDataFrame({"code": EXISTING}, geometry=strips, crs="EPSG:5899")


@functools.cache
def _staged(kind: str):
    options = {"existing": {"existing": _current()}, "field": {"existing_field": "now"},
               "phase": {"phase_field": "phase"}}[kind]
    return staged_balance(_plan(), codes="landlaw", **options)


def _sums_add_up(frame, key: str) -> None:
    """Every parent's area is the sum of its children's, the top level sums to the stage's total."""
    by_code = frame.set_index("code")
    for code, row in by_code.iterrows():
        children = by_code[by_code["parent"] == code]
        if len(children):
            assert row[f"{key}_ha"] == pytest.approx(children[f"{key}_ha"].sum(), abs=1e-9), (code, key)


@pytest.mark.parametrize("kind", ["existing", "field"])
def test_existing_planned_and_change_columns_add_up(kind):
    staged = _staged(kind)
    frame, totals = staged.table, staged.totals()
    for key in ("existing", "planned", "change"):
        _sums_add_up(frame, key)
        assert frame.loc[frame["level"] == 1, f"{key}_ha"].sum() == pytest.approx(totals[key], abs=1e-9)
    assert (frame["change_ha"] == (frame["planned_ha"] - frame["existing_ha"]).round(4)).all()
    assert totals["planned"] == pytest.approx(len(PLANNED) * SIZE * SIZE / 1e4)
    assert totals["existing"] == pytest.approx(totals["planned"] if kind == "existing" else len(PLANNED) * 0.16)
    assert frame.loc[frame["level"] == 1, "existing_pct"].sum() == pytest.approx(100.0)
    rows = frame.set_index("code")
    assert rows.loc["LUA", "existing_ha"] > 0 and rows.loc["LUA", "planned_ha"] == 0.0


def test_phases_give_one_column_group_each():
    staged = _staged("phase")
    assert [s.vi for s in staged.stages] == ["Giai đoạn 2030", "Giai đoạn 2035", "Giai đoạn 2040"]
    assert not staged.change and sum(staged.totals().values()) == pytest.approx(len(PLANNED) * 0.16)
    for stage in staged.stages:
        _sums_add_up(staged.table, stage.key)
    headers = staged_report(staged).headers("vi")
    assert "Giai đoạn 2035 – Diện tích (ha)" in headers and not any("Tăng" in h for h in headers)


def test_plot_totals_equal_the_balance_total():
    plots = plot_table(_plan(), codes="landlaw")
    balance = land_use_balance(_plan(), codes="landlaw")
    assert plots["area_ha"].sum() == pytest.approx(balance.total_ha, abs=1e-9)
    assert list(plots.columns) == ["plot", "code", "name", "area_ha", "density", "floors", "far", "population"]
    total = plot_report(plots, DOSSIER).values()[-1]
    assert total[1] == "Tổng cộng" and total[3] == pytest.approx(balance.total_ha, abs=1e-9) and total[-1] == 200


def _sheet_values(path) -> list[list]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("kind", ["existing", "phase"])
def test_balance_form_in_xlsx(tmp_path, kind):
    values = _sheet_values(to_xlsx(staged_report(_staged(kind), DOSSIER), tmp_path / "f.xlsx"))
    flat = [v for row in values for v in row if v is not None]
    assert values[0][0] == "UBND xã Quảng Hà" and "Biểu số 01" in values[0]
    assert "Bảng cân bằng sử dụng đất" in flat and "Đơn vị tính: ha" in flat
    groups = (["Hiện trạng", "Quy hoạch", "Tăng (+), giảm (−)"] if kind == "existing"
              else ["Giai đoạn 2030", "Giai đoạn 2035", "Giai đoạn 2040"])
    head = next(i for i, row in enumerate(values) if row[0] == "STT")
    assert [v for v in values[head] if v in groups] == groups
    assert values[head + 1][3:5] == ["Diện tích (ha)", "Tỷ lệ (%)"]
    stt = [row[0] for row in values[head + 3:] if row[0]]
    assert stt[:2] == ["A", "I"] and {"B", "II", "1"} <= set(stt)
    assert kind == "phase" or stt[:4] == ["A", "I", "1", "1.1"]  # NNP, CHN, LUA, LUC
    for text in ("Quảng Hà, ngày 03 tháng 12 năm 2026", "Người lập biểu", "Thủ trưởng đơn vị", "Phạm Văn D",
                 "Hoàng Văn E"):
        assert text in flat


def test_balance_totals_in_the_xlsx_equal_the_sums_of_their_leaves(tmp_path):
    table = staged_report(_staged("existing"), DOSSIER)
    sheet = openpyxl.load_workbook(to_xlsx(table, tmp_path / "f.xlsx")).worksheets[0]
    first = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "(1)") + 1
    rows = [[sheet.cell(r, j).value for j in range(1, 10)] for r in range(first, first + len(table.rows))]
    top = [row for row in rows if row[0] in ("A", "B", "C")]
    for j in (3, 5, 7):  # existing, planned, change (ha) of the sheet
        assert rows[-1][j] == pytest.approx(sum(row[j] for row in top), abs=1e-9)
    assert sheet.cell(first, 4).number_format == "#,##0.0000"


def test_plot_form_in_xlsx_and_docx(tmp_path):
    table = plot_report(plot_table(_plan(), codes="landlaw"), DOSSIER)
    flat = [v for row in _sheet_values(to_xlsx(table, tmp_path / "p.xlsx")) for v in row if v is not None]
    lines = texts(to_docx(table, tmp_path / "p.docx"))
    for found in (flat, lines):
        for text in ("Biểu số 02", "Bảng thống kê các lô đất", "Đơn vị tính: ha", "Ký hiệu lô", "Mật độ xây dựng (%)",
                     "Tầng cao (tầng)", "Hệ số sử dụng đất (lần)", "Dân số (người)", "Tổng cộng", "Phạm Văn D"):
            assert text in found, text


def test_balance_form_in_docx(tmp_path):
    out = to_docx(staged_report(_staged("existing"), DOSSIER), tmp_path / "f.docx")
    lines = texts(out)
    for text in ("Biểu số 01", "Đơn vị tính: ha", "Hiện trạng", "Quy hoạch", "Tăng (+), giảm (−)", "A", "I", "1.1",
                 "Tổng cộng", "Quảng Hà, ngày 03 tháng 12 năm 2026", "Hoàng Văn E"):
        assert text in lines, text
    section = docx.Document(out).sections[0]
    assert section.page_width > section.page_height  # 9 columns: landscape


@pytest.mark.parametrize("which", ["balance", "plots"])
def test_a_vietnamese_form_holds_no_english_word(tmp_path, which):
    table = (staged_report(_staged("existing"), DOSSIER) if which == "balance"
             else plot_report(plot_table(_plan(), codes="landlaw"), DOSSIER))
    sheets = openpyxl.load_workbook(to_xlsx(table, tmp_path / "f.xlsx")).worksheets
    main = [c.value for row in sheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    assert english_words(main) == set()
    assert english_words(texts(to_docx(table, tmp_path / "f.docx"))) == set()
    assert english_words([table.render("table"), table.render("md")]) == set()


def test_balance_forms_from_the_command_line(cli, tmp_path):
    plan, current = tmp_path / "plan.gpkg", tmp_path / "current.gpkg"
    _plan().to_file(plan)
    _current().to_file(current)
    block = tmp_path / "khung.toml"
    block.write_text('compiler = "Phạm Văn D"\nplace = "Quảng Hà"\ndate = 2026-12-03\n', encoding="utf-8")
    run = cli("balance", str(plan), "--existing", str(current), "--codes", "landlaw", "--title-block", str(block),
              "--format", "docx", "--out", str(tmp_path / "f.docx"))
    assert run.code == 0 and "Phạm Văn D" in texts(tmp_path / "f.docx")
    run = cli("balance", str(plan), "--plots", "--codes", "landlaw", "--format", "xlsx", "--out",
              str(tmp_path / "p.xlsx"))
    assert run.code == 0 and "Bảng thống kê các lô đất" in [v for row in _sheet_values(tmp_path / "p.xlsx")
                                                           for v in row]
    run = cli("balance", str(plan), "--phase-field", "giai_doan")
    assert run.code == 2 and "giai_doan" in run.err and "Traceback" not in run.err


def test_hostile_plot_ids_and_dossier_fields_stay_text(tmp_path):
    plan = _plan().assign(ky_hieu_lo=['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)"] + [f"L{i}" for i in range(9)])
    dossier = Dossier(prepared_by="=1+1", compiler="-2+3", head="@x")
    table = plot_report(plot_table(plan, codes="landlaw"), dossier)
    book = openpyxl.load_workbook(to_xlsx(table, tmp_path / "h.xlsx"))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    hostile = {'=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "=1+1", "-2+3", "@x"}
    assert hostile <= {c.value for c in cells} and all(c.quotePrefix for c in cells if c.value in hostile)
    assert hostile <= set(texts(to_docx(table, tmp_path / "h.docx")))


def test_polygons_without_a_phase_are_a_group_of_their_own():
    plan = _plan().assign(phase=[None, " ", *PHASES[2:]])
    staged = staged_balance(plan, phase_field="phase", codes="landlaw")
    assert [s.vi for s in staged.stages][-1] == "Chưa xác định giai đoạn"
    assert staged.totals()[staged.stages[-1].key] == pytest.approx(2 * SIZE * SIZE / 1e4)
    assert sum(staged.totals().values()) == pytest.approx(len(PLANNED) * SIZE * SIZE / 1e4)
