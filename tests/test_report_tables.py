"""Report tables of every command: Vietnamese headers with units, titles, footers, and the XLSX report.

Each command that prints a table is run through the CLI as a planner would;
its workbook is opened with openpyxl and checked for the title row, STT, the
header, number formats per column kind, frozen panes, print titles, A4 set-up,
the sources sheet with confidence tags, "Có"/"Không", no formula cells, and
byte-identical reruns.
"""

from __future__ import annotations

import re

import geopandas as gpd
import openpyxl
import pytest
from english_words import english_words
from shapely import box

from haiha_geo.place import place
from haiha_geo.timeline import era, era_ids

FIRST, LAST = era_ids()[0], era_ids()[-1]
STUDY = place().study_era
#: (command arguments, headers the Vietnamese table must show, {header: XLSX number format}).
COMMANDS = {
    "units": (["units", "--era", LAST], ["Mã ĐVHC", "Tên đơn vị", "Loại", "Diện tích bản đồ (ha)",
                                         "Diện tích tự nhiên công bố (ha)", "Chênh lệch (%)"],
              {"Diện tích bản đồ (ha)": "#,##0.00", "Chênh lệch (%)": "0.00", "Hiệu lực từ": "dd/mm/yyyy"}),
    "stats": (["stats", "--era", LAST], ["Diện tích bản đồ (ha)", "Diện tích tự nhiên công bố (ha)",
                                         "Dân số (người)", "Mật độ dân số (người/km²)"],
              {"Diện tích tự nhiên công bố (ha)": "#,##0.00", "Dân số (người)": "#,##0",
               "Năm số liệu dân số": "0"}),
    "crosswalk": (["crosswalk", "--from", FIRST, "--to", LAST], ["Tỷ lệ diện tích chuyển sang", "Bị chia tách"],
                  {"Tỷ lệ diện tích chuyển sang": "0.00%", "Diện tích bản đồ (ha)": "#,##0.00"}),
    "lineage": (["lineage"], ["Văn bản", "Đơn vị trước", "Quan hệ", "Đơn vị sau"], {"Hiệu lực": "dd/mm/yyyy"}),
    "ntm": (["ntm", "--era", FIRST, "--year", FIRST], ["Tình trạng NTM", "Năm đạt (sớm nhất)"],
            {"Năm đạt (sớm nhất)": "0"}),
    "ntm-district": (["ntm", "--district"], ["Tiêu chí", "Văn bản"], {}),
    "sites": (["sites"], ["Tên dự án / khu", "Diện tích công bố (ha)"], {"Diện tích công bố (ha)": "#,##0.00"}),
    "study-area": (["study-area"], ["Đơn vị trước", "Tỷ lệ diện tích"], {"Tỷ lệ diện tích": "0.00%"}),
    "overlay": (["overlay", "{zone}", "--era", LAST], ["Diện tích bản đồ trong đơn vị (ha)", "Tỷ lệ so với đơn vị"],
                {"Diện tích bản đồ trong đơn vị (ha)": "#,##0.00", "Tỷ lệ so với lớp": "0.00%"}),
    "balance": (["balance", "{plan}"], ["Mã đất", "Loại đất", "Diện tích bản đồ (ha)", "Tỷ lệ (%)"],
                {"Diện tích bản đồ (ha)": "#,##0.0000", "Tỷ lệ (%)": "0.00"}),
    "reaggregate": (["reaggregate", "{people}", "--from", FIRST, "--to", LAST, "--integers"],
                    ["Tên đơn vị", "dân số"], {"dân số": "#,##0"}),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A zone and a plan inside the study unit (EPSG:5899), and a population table of the first era."""
    from haiha_geo.registry import units_table

    folder = tmp_path_factory.mktemp("inputs")
    square = box(499000, 2372000, 500000, 2373000)
    zone, plan = folder / "zone.gpkg", folder / "plan.gpkg"
    gpd.GeoDataFrame({"name": ["=HYPERLINK(\"x\")"]}, geometry=[square], crs="EPSG:5899").to_file(zone)
    gpd.GeoDataFrame({"code": ["NN"]}, geometry=[square], crs="EPSG:5899").to_file(plan)
    people = folder / "people.csv"
    names = units_table(FIRST)["name"]
    people.write_text("xã,dân số\n" + "".join(f"{n},{2000 + 111 * i}\n" for i, n in enumerate(names)),
                      encoding="utf-8")
    return {"zone": str(zone), "plan": str(plan), "people": str(people)}


def _args(name: str, inputs: dict) -> list[str]:
    return [a.format(**inputs) for a in COMMANDS[name][0]]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_table_is_vietnamese_with_title_and_footer(cli, inputs, name):
    run = cli(*_args(name, inputs))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[1] == "" and lines[2].startswith("STT")
    for header in COMMANDS[name][1]:
        assert header in lines[2], header
    assert "Nguồn:" in run.out or "Ghi chú:" in run.out or name == "balance"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_lang_en_gives_english(cli, inputs, name):
    run = cli(*_args(name, inputs), "--lang", "en")
    assert run.code == 0, run.err
    header = run.out.splitlines()[2]
    assert header.startswith("No.") and "Tên đơn vị" not in header and "Diện tích" not in header


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_xlsx_is_a_printable_report(cli, inputs, tmp_path, name):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        run = cli(*_args(name, inputs), "--format", "xlsx", "--out", str(out))
        assert run.code == 0 and run.out == "", run.err
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    sheet = book.worksheets[0]
    heads = [c.value for c in sheet[2]]
    assert sheet["A1"].value and sheet["A1"].font.b and heads[0] == "STT" and all(c.font.b for c in sheet[2])
    assert sheet["A3"].value == 1 and sheet.freeze_panes == "A3" and sheet.print_title_rows == "$1:$2"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) and sheet.sheet_properties.pageSetUpPr.fitToPage
    for header, fmt in COMMANDS[name][2].items():
        column = heads.index(header) + 1
        assert sheet.cell(3, column).number_format == fmt, header
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
            assert not any(isinstance(c.value, bool) for c in row)
    assert book.sheetnames[-1] == "Nguồn"  # after the table (and its annexes: reaggregate's contributions)
    tags = {c.value for c in book["Nguồn"]["D"][2:] if c.value}
    assert tags and tags <= {"C", "C2", "I", "?"} | {t for t in tags if t.startswith(("C", "I"))}


def test_booleans_are_co_khong(cli, tmp_path):
    out = tmp_path / "cw.xlsx"
    assert cli("crosswalk", "--from", FIRST, "--to", LAST, "--format", "xlsx", "--out", str(out)).code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    column = [c.value for c in sheet[2]].index("Bị chia tách")
    assert {r[column] for r in sheet.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)} == {"Có", "Không"}


def test_title_names_the_era(cli):
    run = cli("stats", "--era", LAST)
    assert era(LAST).label_vi in run.out.splitlines()[0]
    assert era(LAST).label_en in cli("stats", "--era", LAST, "--lang", "en").out.splitlines()[0]


def test_stats_says_why_a_coastal_unit_differs(cli):
    run = cli("stats", "--era", LAST)
    assert "diện tích tự nhiên công bố tính đến đường mép nước triều thấp nhất trung bình" in run.out
    english = cli("stats", "--era", LAST, "--lang", "en").out
    assert "mean lowest low-water line" in english and "Published natural area (ha)" in english


@pytest.mark.parametrize("args,keys", [
    (["stats", "--era", LAST, "--format", "csv"], "code,name,type,area_ha,official_area_ha,difference_pct"),
    (["units", "--era", LAST, "--format", "csv"], "unit_id,code,name,type,era"),
])
def test_machine_formats_keep_snake_case_keys(cli, args, keys):
    assert cli(*args).out.startswith(keys)


def test_lang_vi_translates_machine_formats(cli):
    run = cli("stats", "--era", LAST, "--format", "csv", "--lang", "vi")
    assert run.out.startswith("Mã ĐVHC,Tên đơn vị,Loại,Diện tích bản đồ (ha)")
    payload = cli("stats", "--era", LAST, "--format", "json", "--lang", "en").json()
    assert payload["title"].startswith("Area and population") and payload["sources"][0]["confidence"] == "I"


def test_xlsx_needs_out_before_any_work(cli):
    run = cli("units", "--era", LAST, "--format", "xlsx")
    assert run.code == 2 and "give --out" in run.err and run.out == ""


def test_words_for_every_value_the_data_holds():
    """Each stable key the analyses return has Vietnamese and English words in the reports."""
    import pandas as pd

    from haiha_geo import ntm, project_sites, registry, report_tables

    def keys(labels):
        return {key for key, _, _ in labels}

    district = ntm.ntm_district()
    assert set(ntm.STATUSES) | {"not_applicable", "unknown"} <= keys(report_tables.NTM_STATUS)
    statuses = pd.concat([district[c] for c in district.columns if c.startswith("status_")])
    assert set(statuses.dropna()) <= keys(report_tables.NTM_DISTRICT_STATUS)
    assert set(district["kind"]) <= keys(report_tables.NTM_KINDS)
    assert {report_tables.what_happened(r, same) for r in registry.lineage()["relation"]
            for same in (True, False)} <= keys(report_tables.RELATIONS)
    assert set(registry.units_table()["type"]) <= keys(report_tables.UNIT_TYPES)
    assert set(project_sites.CATEGORIES) <= keys(report_tables.SITE_CATEGORIES)
    assert set(project_sites.FOOTPRINT_BASES) <= keys(report_tables.FOOTPRINT_LABELS)


#: Commands whose tables hold named values or texts in both languages.
WORDED = ["lineage", "ntm", "ntm-district", "sites", "stats", "units"]


@pytest.mark.parametrize("name", WORDED)
def test_cells_speak_the_language_of_the_table(cli, inputs, name):
    """No stable key or English text in a Vietnamese table's cells, no Vietnamese word of a key in an English one."""
    import json

    from haiha_geo import report_tables as rt

    vocab = [*rt.NTM_STATUS, *rt.NTM_DISTRICT_STATUS, *rt.NTM_KINDS, *rt.RELATIONS, *rt.UNIT_TYPES,
             *rt.SITE_CATEGORIES, *rt.FOOTPRINT_LABELS]
    cells = {}
    for lang in ("vi", "en"):
        run = cli(*_args(name, inputs), "--format", "json", "--lang", lang)
        assert run.code == 0, run.err
        cells[lang] = {v for row in json.loads(run.out)["rows"] for v in row.values() if isinstance(v, str)}
    assert not cells["vi"] & {key for key, vi, _ in vocab if key != vi}
    assert not cells["en"] & {vi for key, vi, en in vocab if vi != en}
    english = {"not yet met at the end of 2019; one of the 3 remaining xã targeted for 2020", "planning",
               "operating: 25 projects, 18 in operation by 7/2024"}
    assert not cells["vi"] & english


# ---- what planners saw wrong (issue 17) ------------------------------------------------------------------

def test_lineage_says_a_unit_whose_code_was_kept_was_merged(cli):
    """Quảng Thành's code went on in xã Quảng Đức (2025), the commune itself was merged: never "giữ nguyên"."""
    lines = cli("lineage").out.splitlines()
    thanh = next(line for line in lines if " Quảng Thành " in line and "Quảng Đức" in line)
    assert "nhập vào (đơn vị sau giữ mã)" in thanh and "giữ nguyên" not in thanh
    ha = next(line for line in lines if "837/" in line and line.count("Quảng Hà") == 2)
    assert "tiếp tục, nhận đơn vị khác nhập vào" in ha
    english = cli("lineage", "--lang", "en").out
    assert "merged into (which keeps its code)" in english
    assert {r["relation"] for r in cli("lineage", "--format", "json").json()} >= {"continues"}  # keys stay


def test_each_source_is_listed_once_with_its_tags(cli):
    """``ntm --district`` listed each source three times (once per confidence tag)."""
    out = cli("ntm", "--district").out
    sources = [line for line in out.split("Nguồn:")[1].splitlines() if re.match(r"\d+\. ", line)]
    assert len(sources) == len(set(line.split(" [")[0] for line in sources)) == 3
    assert all(line.endswith("[C, C2, I]") for line in sources)


def test_sites_table_shows_names_not_machine_ids(cli):
    """The sites table showed ``bac_phong_sinh_ez`` and host units as ``2019/06925;…``: now names, ids in json."""
    out = cli("sites").out
    assert "bac_phong_sinh_ez" not in out and "2019/06925" not in out and "2025/" not in out
    row = next(line for line in out.splitlines() if "Khu kinh tế cửa khẩu Bắc Phong Sinh" in line)
    assert "Quảng Đức; Quảng Thành; Quảng Thịnh" in row and "site_id" in out  # the note names where ids are
    machine = cli("sites", "--format", "json").out
    assert "bac_phong_sinh_ez" in machine and "2019/06925;2019/06931;2019/06937" in machine


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_vietnamese_workbook_holds_no_english_word(cli, inputs, name, tmp_path):
    out = tmp_path / f"{name}.xlsx"
    run = cli(*_args(name, inputs), "--format", "xlsx", "--out", str(out))
    assert run.code == 0, run.err
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert english_words(c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)) == set()
    table = cli(*_args(name, inputs)).out  # the terminal table, its notes and sources
    assert english_words(table.split("\nNguồn:\n")[0].splitlines()) == set()


@pytest.mark.parametrize("fmt", ["table", "xlsx", "docx"])
def test_title_block_frames_any_table_with_its_signature_block(cli, tmp_path, fmt):
    from haiha_geo.report_docx import texts

    block = tmp_path / "khung.toml"
    block.write_text('prepared_by = "UBND xã Quảng Hà"\ncompiler = "Phạm Văn D"\nplace = "Quảng Hà"\n'
                     "date = 2026-12-03\n", encoding="utf-8")
    out = tmp_path / f"stats.{fmt}"
    args = ["stats", "--era", LAST, "--title-block", str(block), "--format", fmt]
    run = cli(*args, *(["--out", str(out)] if fmt != "table" else []))
    assert run.code == 0, run.err
    shown = (run.out.splitlines() if fmt == "table" else texts(out) if fmt == "docx"
             else [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row])
    found = " ".join(str(v) for v in shown if v)
    for text in ("UBND xã Quảng Hà", "Quảng Hà, ngày 03 tháng 12 năm 2026", "Người lập biểu", "Phạm Văn D",
                 "Thủ trưởng đơn vị"):
        assert text in found, text
    block.write_text('compiler = "Trần Thị B"\n', encoding="utf-8")  # another dossier: not the cached output
    again = cli("stats", "--era", LAST, "--title-block", str(block))
    assert "Trần Thị B" in again.out and "Phạm Văn D" not in again.out


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
@pytest.mark.parametrize("command", [["stats", "--era", LAST], ["crosswalk", "--from", FIRST, "--to", LAST],
                                     ["lineage"]])
def test_a_document_without_title_block_has_the_frame_with_empty_fields(cli, tmp_path, fmt, command):
    """Issue 21: the tables handed in carry the signing line and signature block, empty without a dossier."""
    from haiha_geo.report_docx import texts

    out = tmp_path / f"t.{fmt}"
    run = cli(*command, "--format", fmt, "--out", str(out))
    assert run.code == 0, run.err
    shown = (texts(out) if fmt == "docx"
             else [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row])
    found = " ".join(str(v) for v in shown if v)
    for text in ("…, ngày … tháng … năm …", "Người lập biểu", "Thủ trưởng đơn vị"):
        assert text in found, text
    assert "Người lập biểu" not in cli(*command).out  # the terminal table stays unframed


@pytest.mark.parametrize("command", [["crosswalk", "--from", "2019", "--to", "2025"], ["lineage"]])
def test_province_tables_name_the_old_district_where_names_repeat(cli, command):
    """Bắc Sơn is a ward of Móng Cái and of Uông Bí: at province scale the old district follows the name."""
    import csv
    import io

    import haiha_geo

    haiha_geo.set_place("quang-ninh")
    try:
        run = cli("--place", "quang-ninh", *command, "--format", "csv", "--lang", "vi")
    finally:
        haiha_geo.set_place(None)
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    at = rows[0].index("Thuộc huyện, thị xã, thành phố (trước)")
    old = {row[at] for row in rows[1:] if "Bắc Sơn" in row}
    assert {"Thành phố Móng Cái", "Thành phố Uông Bí"} <= old
    assert "Thuộc huyện, thị xã, thành phố (trước)" not in cli(*command).out  # one district, no column


@pytest.mark.parametrize("lang, figures", [("vi", "trước 45.320, sau 45.320"), ("en", "before 45,320, after 45,320")])
def test_reaggregate_notes_speak_the_number_format_of_the_table(cli, inputs, lang, figures):
    run = cli(*_args("reaggregate", inputs), "--lang", lang)
    assert run.code == 0, run.err
    assert figures in run.out


@pytest.mark.parametrize("kind", [("--integers",), ("--kind", "intensive")])
def test_reaggregate_notes_name_the_shares_file_for_the_units_it_splits(cli, inputs, tmp_path, kind):
    """Units split by ``--shares`` are not said to be split by area: the notes name the file for them."""
    split = tmp_path / "tach.csv"
    split.write_text("from_unit,to_unit,part\nQuảng Long,Quảng Hà,1\nQuảng Long,Đường Hoa,3\n", encoding="utf-8")
    args = ["reaggregate", inputs["people"], "--from", FIRST, "--to", LAST, *kind]
    plain, shared = cli(*args), cli(*args, "--shares", str(split))
    assert plain.code == 0 and shared.code == 0, shared.err
    notes = [line for line in shared.out.splitlines() if line.startswith("- dân số:")]
    assert notes and f"riêng Quảng Long theo tỷ lệ của tệp {split}" in notes[0]
    assert "riêng" not in plain.out and "theo tỷ lệ của tệp" not in plain.out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_table_is_written_as_docx(cli, inputs, tmp_path, name):
    import docx

    out = tmp_path / "t.docx"
    run = cli(*_args(name, inputs), "--format", "docx", "--out", str(out))
    assert run.code == 0 and "Traceback" not in run.err, run.err
    document = docx.Document(out)
    assert document.tables and round(document.sections[0].page_width.mm) in (210, 297)
