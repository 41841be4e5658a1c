"""Issue 18, registry and configuration part: authored files that can neither crash the toolkit nor make it lie.

Each case breaks one file of a copy of the shipped ``boundaries/`` (or a
setting), runs a command and asserts: exit status 2, one line on stderr naming
the file (and row and column, or key) and the fix, nothing on stdout, and no
file changed or left behind, in the copy, the working folder or the shipped
files. ``validate`` on the same copy reports the problem as a failed check.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from haiha_geo import authored, authored_checks, registry, sources
from haiha_geo.errors import RegistryError

SHIPPED = authored.shipped_dir("boundaries")
TONES = "\u0300\u0301\u0303\u0309\u0323"


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file below ``folders`` with its SHA-256."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def cp1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: precomposed vowels (ă â ê ô ơ ư đ), tone marks as combining characters."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def tcvn3_like(text: str) -> bytes:
    """``text`` with ả and à as TCVN3 (ABC) writes them (0xB6, 0xB5) and every other letter with a mark dropped."""
    return "".join(c if ord(c) < 128 else {"ả": "\xb6", "à": "\xb5"}.get(c, "") for c in text).encode("latin-1")


# --- edits of a copy of boundaries/ ---------------------------------------------------------------------------

Edit = Callable[[Path], None]


def replace(name: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def cell(name: str, row: int, column: str, value: str) -> Edit:
    """Set ``column`` of data row ``row`` (the file's row number: the header is row 1)."""
    def edit(folder: Path) -> None:
        header, rows = _rows(folder / name)
        rows[row - 2][column] = value
        _write(folder / name, header, rows)
    return edit


def append(file: str, **values: str) -> Edit:
    def edit(folder: Path) -> None:
        header, rows = _rows(folder / file)
        _write(folder / file, header, [*rows, {k: values.get(k, "") for k in header}])
    return edit


def drop_column(name: str, column: str) -> Edit:
    def edit(folder: Path) -> None:
        header, rows = _rows(folder / name)
        _write(folder / name, [c for c in header if c != column], [{k: v for k, v in r.items() if k != column}
                                                                  for r in rows])
    return edit


def recode(name: str, encode: Callable[[str], bytes]) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(encode(path.read_text(encoding="utf-8")))
    return edit


def reverse_eras(path: Path) -> None:
    head, *tables = path.read_text(encoding="utf-8").split("\n[[era]]\n")
    path.write_text(head + "".join("\n[[era]]\n" + t.rstrip("\n") + "\n" for t in reversed(tables)),
                    encoding="utf-8")


def add_column(name: str, column: str, value: str) -> Edit:
    def edit(folder: Path) -> None:
        header, rows = _rows(folder / name)
        _write(folder / name, [*header, column], [{**r, column: value} for r in rows])
    return edit


def _area_row() -> int:
    """The file row of the first unit of units.csv with an official area (a 2025 commune)."""
    return next(i for i, r in enumerate(_rows(SHIPPED / "units.csv")[1], start=2) if r["official_area_ha"])


AREA_ROW = _area_row()
LINK_ROW = 2  # lineage.csv row 2: 2019/06922 → 2020/06922 continues
PLACE = "place.toml"
HELMERT_X = "x = -191.90441429"
STEP_2019 = 'valid_to = "2020-01-31"'

CASES: dict[str, tuple[Edit, list[str], str, str]] = {
    # finding 1: a datum parameter that is not a number (PROJ dropped it: 183 m off), and variants
    "helmert x banana": (replace(PLACE, HELMERT_X, 'x = "banana"'), ["transform", "107.7525", "21.45167"],
                         "place", r"place\.toml: crs\.helmert\.x = 'banana' must be a finite number"),
    "helmert s nan": (replace(PLACE, "s = 0.252906278", "s = nan"), ["transform", "107.7525", "21.45167"], "place",
                      r"crs\.helmert\.s = nan must be a finite number"),
    "helmert x inf": (replace(PLACE, HELMERT_X, "x = -inf"), ["transform", "1", "2"], "place", r"helmert\.x = -inf"),
    "helmert x true": (replace(PLACE, HELMERT_X, "x = true"), ["lineage"], "place", r"helmert\.x = True must be"),
    "lon_0 quoted": (replace(PLACE, "lon_0 = 107.75", 'lon_0 = "107.75"'), ["lineage"], "place",
                     r"crs\.projection\.lon_0 = '107\.75' must be a finite number"),
    "helmert convention": (replace(PLACE, 'convention = "coordinate_frame"', 'convention = "sideways"'),
                           ["lineage"], "place", r"convention = 'sideways' must be one of coordinate_frame"),
    "bounds backwards": (replace(PLACE, "bounds = [107.516014, 21.256318, 107.824236, 21.640716]",
                                 "bounds = [107.824236, 21.256318, 107.516014, 21.640716]"), ["lineage"], "place",
                         r"place\.bounds = .* west < east"),
    "bounds three numbers": (replace(PLACE, "bounds = [107.516014, ", "bounds = ["), ["lineage"], "place",
                             r"place\.bounds = .* must be a list of 4 numbers"),
    "margin negative": (replace(PLACE, "margin_deg = 0.15", "margin_deg = -0.15"), ["lineage"], "place",
                        r"margin_deg = -0\.15 must be zero or a positive number"),
    "no study table": (replace(PLACE, "[study]", "[studies]"), ["lineage"], "place", r"missing table \[study\]"),
    "study era unknown": (replace(PLACE, 'era = "2020"', 'era = "2021"'), ["lineage"], "place",
                          r"study\.era '2021' is not an era"),
    "place not toml": (replace(PLACE, "[crs]", "[crs"), ["transform", "1", "2"], "authored files",
                       r"place\.toml is not valid TOML"),
    # finding 3: lineage that is not a forward graph, and variants
    "link back 2025 to 2019": (append("lineage.csv", act_id="NQ1679", from_unit_id="2025/06922",
                                      to_unit_id="2019/06922", relation="continues", ref_id="NQ1679", confidence="C"),
                               ["lineage"], "registry and lineage",
                               r"lineage\.csv, row 30: 2025/06922 → 2019/06922 runs from era 2025 to era 2019; a link "
                               r"runs forward one era at a time \(2025 → nothing: it is the last era\)"),
    "merged into itself": (cell("lineage.csv", 3, "to_unit_id", "2019/06961"), ["lineage"], "registry and lineage",
                           r"lineage\.csv, row 3: 2019/06961 is linked to itself"),
    "relation eaten_by": (cell("lineage.csv", LINK_ROW, "relation", "eaten_by"), ["lineage"], "registry and lineage",
                          r"lineage\.csv, row 2, column relation: 'eaten_by' is not a lineage relation \(continues"),
    "link skips an era": (cell("lineage.csv", 10, "to_unit_id", "2025/06931"), ["lineage"], "registry and lineage",
                          r"row 10: 2019/06925 → 2025/06931 runs from era 2019 to era 2025; a link runs forward one "
                          r"era at a time \(2019 → 2020\)"),
    "link to unknown unit": (cell("lineage.csv", LINK_ROW, "to_unit_id", "2020/99999"), ["lineage"],
                             "registry and lineage", r"row 2, column to_unit_id: '2020/99999' is not a unit_id"),
    "link given twice": (append("lineage.csv", act_id="NQ837", from_unit_id="2019/06922", to_unit_id="2020/06922",
                                relation="continues", ref_id="THEME2019", confidence="C2"), ["lineage"],
                         "registry and lineage", r"2019/06922 → 2020/06922 is given on 2 rows"),
    "link with unknown act": (cell("lineage.csv", LINK_ROW, "act_id", "NQ999"), ["lineage"], "registry and lineage",
                              r"row 2, column act_id: 'NQ999' is not an act_id of acts\.csv"),
    "unit without successor": (cell("lineage.csv", 10, "from_unit_id", "2019/06922"), ["lineage"],
                               "registry and lineage", r"2019/06925 has no successor in era 2020"),
    # finding 4: numbers that are not finite, and variants
    "area -1e309": (cell("units.csv", AREA_ROW, "official_area_ha", "-1e309"), ["stats", "--era", "2025"],
                    "registry and lineage",
                    rf"units\.csv, row {AREA_ROW}, column official_area_ha: '-1e309' is not a number of hectares"),
    "area inf": (cell("units.csv", AREA_ROW, "official_area_ha", "inf"), ["lineage"], "registry and lineage",
                 "'inf' is not a number of hectares"),
    "area nan": (cell("units.csv", AREA_ROW, "official_area_ha", "NaN"), ["lineage"], "registry and lineage",
                 "'NaN' is not a number of hectares"),
    "area 400 digits": (cell("units.csv", AREA_ROW, "official_area_ha", "9" * 400), ["lineage"],
                        "registry and lineage", "is not a number of hectares"),
    "area decimal comma": (cell("units.csv", AREA_ROW, "official_area_ha", "13437,5"), ["lineage"],
                           "registry and lineage", "'13437,5' is not a number of hectares"),
    "area zero": (cell("units.csv", AREA_ROW, "official_area_ha", "0"), ["lineage"], "registry and lineage",
                  "'0' is not a number of hectares"),
    "population NaN": (cell("units.csv", AREA_ROW, "population", "NaN"), ["lineage"], "registry and lineage",
                       rf"row {AREA_ROW}, column population: 'NaN' is not a number of people"),
    "population fraction": (cell("units.csv", AREA_ROW, "population", "40988.5"), ["lineage"],
                            "registry and lineage", "'40988.5' is not a number of people"),
    "population 1e19": (cell("units.csv", AREA_ROW, "population", "10000000000000000000"), ["lineage"],
                        "registry and lineage", "is not a number of people .a whole number below 10,000,000,000"),
    "area without its source": (cell("units.csv", 2, "official_area_ha", "100"), ["lineage"], "registry and lineage",
                                r"row 2: official_area_ha is given without official_area_confidence, "
                                r"official_area_ref; every figure carries its source"),
    "date 2025-02-30": (cell("units.csv", AREA_ROW, "valid_from", "2025-02-30"), ["lineage"], "registry and lineage",
                        r"column valid_from: '2025-02-30' is not an ISO date \(YYYY-MM-DD, a real day\)"),
    "unit date off its era": (cell("units.csv", 2, "valid_to", "2020-01-30"), ["lineage"], "registry and lineage",
                              r"row 2: 2019/06922 ends 2020-01-30, not on the last day of era 2019 \(2020-01-31\)"),
    "duplicate unit id": (append("units.csv", unit_id="2025/06922", era="2025", code="06922", name="Quảng Hà",
                                 type="xã", valid_from="2025-07-01", created_by="NQ1679", code_ref="VP-2025"),
                          ["lineage"], "registry and lineage", r"unit_id '2025/06922' is given on 2 rows"),
    "unit id not era/code": (cell("units.csv", 2, "code", "06923"), ["lineage"], "registry and lineage",
                             r"row 2: unit_id '2019/06922' must be era/code, 2019/06923"),
    "unit of an unknown era": (cell("units.csv", 2, "era", "2018"), ["lineage"], "registry and lineage",
                               r"row 2, column era: '2018' is not an era of eras\.toml \(2019, 2020, 2025\)"),
    "act date not a day": (cell("acts.csv", 2, "effective", "29/8/2001"), ["lineage"], "registry and lineage",
                           r"acts\.csv, row 2, column effective: '29/8/2001' is not an ISO date"),
    # finding 12: a units.csv without name (KeyError), and variants
    "units.csv without name": (drop_column("units.csv", "name"), ["lineage"], "registry and lineage",
                               r"units\.csv, row 1: column\(s\) name missing from the header \(unit_id, era, code, "),
    "lineage.csv without relation": (drop_column("lineage.csv", "relation"), ["lineage"], "registry and lineage",
                                     r"lineage\.csv, row 1: column\(s\) relation missing"),
    "units.csv header only": (lambda f: (f / "units.csv").write_text("unit_id,era\n", encoding="utf-8"),
                              ["lineage"], "registry and lineage", r"units\.csv has no rows"),
    "units.csv empty": (lambda f: (f / "units.csv").write_bytes(b""), ["lineage"], "authored files",
                        r"units\.csv is empty: it needs a header row"),
    "header repeats a column": (replace("units.csv", "unit_id,era,code,name,", "unit_id,era,code,name,name,"),
                                ["lineage"], "authored files", r"units\.csv, row 1: column\(s\) 'name' appear twice"),
    "ragged row": (replace("units.csv", "2019/06922,2019,06922,Quảng Hà,", "2019/06922,2019,06922,Quảng, Hà,"),
                   ["lineage"], "authored files", r"units\.csv, row 2: 17 columns in the header but 18 in this row"),
    # finding 8: eras.toml malformed, overlapping, gapped, backwards, and variants
    "eras not toml": (replace("eras.toml", 'id = "2019"', 'id = "2019'), ["units", "--era", "2020"], "authored files",
                      r"eras\.toml is not valid TOML"),
    "eras overlap": (replace("eras.toml", STEP_2019, 'valid_to = "2020-03-01"'), ["units", "--era", "2020"], "eras",
                     r"era 2019 ends 2020-03-01 but era 2020 starts 2020-02-01: they overlap"),
    "eras gap": (replace("eras.toml", STEP_2019, 'valid_to = "2020-01-01"'), ["units", "--era", "2020"], "eras",
                 r"era 2019 ends 2020-01-01 but era 2020 starts 2020-02-01: they leave a gap"),
    "eras backwards": (replace("eras.toml", 'valid_from = "2001-08-29"', 'valid_from = "2030-08-29"'),
                       ["units", "--era", "2020"], "eras", r"era #1: valid_to 2020-01-31 is before valid_from 2030"),
    "eras listed newest first": (lambda f: reverse_eras(f / "eras.toml"), ["units", "--era", "2020"], "eras",
                                 r"era 2025 has no valid_to but era 2020 follows it"),
    "eras empty list": (lambda f: (f / "eras.toml").write_text("era = []\n", encoding="utf-8"), ["lineage"], "eras",
                        r"eras\.toml: no \[\[era\]\] tables"),
    "eras not tables": (lambda f: (f / "eras.toml").write_text("era = [1, 2]\n", encoding="utf-8"), ["lineage"],
                        "eras", r"no \[\[era\]\] tables"),
    "era date-time": (replace("eras.toml", 'valid_from = "2020-02-01"', "valid_from = 2020-02-01T00:00:00"),
                      ["lineage"], "eras", r"era #2: key 'valid_from' = datetime\.datetime\(2020, 2, 1, 0, 0\) is not"),
    "era date 2025-02-30": (replace("eras.toml", 'valid_from = "2025-07-01"', 'valid_from = "2025-02-30"'),
                            ["lineage"], "eras", r"era #3: key 'valid_from' = '2025-02-30' is not an ISO date"),
    "era id with a slash": (replace("eras.toml", 'id = "2020"', 'id = "20/20"'), ["lineage"], "eras",
                            r"era #2: id '20/20' must be letters, digits"),
    "era id an option": (replace("eras.toml", 'id = "2020"', 'id = "--help"'), ["lineage"], "eras",
                         r"id '--help' must be letters"),
    # sources.toml: a path can point anywhere (/etc/shadow was opened and hashed)
    "source path absolute": (replace("sources.toml", '"gadm41/haiha_communes.geojson"', '"/etc/shadow"'),
                             ["units", "--era", "2019"], "sources",
                             r"gadm41\.files\.communes path '/etc/shadow' must be a relative path inside the data "
                             r"folder"),
    "source path climbs out": (replace("sources.toml", '"gadm41/haiha_communes.geojson"', '"../../../etc/passwd"'),
                               ["units", "--era", "2019"], "sources", r"path '\.\./\.\./\.\./etc/passwd' must be"),
    "source sha256 short": (replace("sources.toml", 'sha256 = "18422e75', 'sha256 = "1842'), ["lineage"], "sources",
                            r"gadm41\.files\.communes sha256 '1842.*' must be 64 lower-case hex digits"),
    "source era unknown": (replace("sources.toml", 'era = "2019"', 'era = "2018"'), ["lineage"], "sources",
                           r"gadm41\.era = '2018' is not an era"),
    "split source unknown": (replace("eras.toml", 'split_source = "vn3dmap2025"', 'split_source = "osm"'),
                             ["lineage"], "registry and lineage", r"era 2025 splits a unit but its split_source 'osm'"),
    # encodings: a cp1258 units.csv was "has no rows"; and variants
    "units.csv in cp1258": (recode("units.csv", cp1258), ["lineage"], "authored files",
                            r"units\.csv is not UTF-8 \(byte 0x.. on line 2\): it looks like Windows-1258 \(cp1258, "
                            r"Vietnamese\); convert it with `iconv -f CP1258 -t UTF-8 .*units\.csv > converted`"),
    "units.csv in UTF-16": (recode("units.csv", lambda t: t.encode("utf-16")), ["lineage"], "authored files",
                            r"units\.csv is UTF-16 .* `iconv -f UTF-16 -t UTF-8"),
    "units.csv in TCVN3": (recode("units.csv", tcvn3_like),
                           ["lineage"], "authored files", r"looks like a legacy Vietnamese font encoding \(TCVN3/ABC"),
    "eras.toml in cp1258": (recode("eras.toml", cp1258), ["lineage"], "authored files",
                            r"eras\.toml is not UTF-8 .* Windows-1258"),
    # text: control and bidi-control characters, named by file, row and column (or key)
    "vertical tab in a name": (cell("units.csv", 2, "name", "Quảng\x0bHà"), ["lineage"], "authored files",
                               r"units\.csv, row 2, column name: the control character U\+000B in 'Quảng\\x0bHà'"),
    "SOH in a name": (cell("units.csv", 3, "name", "\x01Quảng Đức"), ["lineage"], "authored files",
                      r"row 3, column name: the control character U\+0001"),
    "newline in a quoted cell": (cell("units.csv", 3, "name", "Quảng\nĐức"), ["lineage"], "authored files",
                                 r"row 3, column name: the control character U\+000A"),
    "RLO in a name": (cell("units.csv", 4, "name", "Quảng\u202eSơn"), ["lineage"], "authored files",
                      r"row 4, column name: the bidi control character U\+202E \(RIGHT-TO-LEFT OVERRIDE\)"),
    "isolate in a lineage cell": (cell("lineage.csv", 2, "clause", "\u20662\u2069"), ["lineage"], "authored files",
                                  r"lineage\.csv, row 2, column clause: the bidi control character U\+2066"),
    "BOM inside a cell": (cell("acts.csv", 2, "title", "Chia\ufeffhuyện"), ["lineage"], "authored files",
                          r"acts\.csv, row 2, column title: the invisible character U\+FEFF"),
    "RLO in an era label": (replace("eras.toml", 'label_vi = "01/02/2020', 'label_vi = "\u202e01/02/2020'),
                            ["lineage"], "authored files", r"eras\.toml, key era\[2\]\.label_vi: the bidi control"),
    "escaped control in toml": (replace("eras.toml", 'label_en = "from 1 Jul 2025"', 'label_en = "from\\u0007 1 Jul"'),
                                ["lineage"], "authored files",
                                r"key era\[3\]\.label_en: the control character U\+0007"),
    "control in a place name": (replace(PLACE, 'name = "Hải Hà"', 'name = "Hải\\tHà"'), ["lineage"],
                                "authored files", r"place\.toml, key place\.name: the control character U\+0009"),
}


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A copy of the shipped boundaries/ named by HAIHA_GEO_REGISTRY; the working folder is tmp_path/work."""
    shutil.copytree(SHIPPED, tmp_path / "reg" / "boundaries")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(tmp_path / "reg"))
    return tmp_path


@pytest.mark.parametrize("edit,args,check,message", CASES.values(), ids=CASES.keys())
def test_a_broken_authored_file_is_one_line_exit_2_and_a_failed_check(copy, cli, edit, args, check, message):
    edit(copy / "reg" / "boundaries")
    before = snapshot(copy, SHIPPED)
    run = cli(*args)
    assert run.code == 2 and run.out == "", run
    line = one_line(run.err)
    assert line.startswith("haiha-geo: error: ")
    assert re.search(message, line), line
    report = cli("validate")
    assert report.code == 1 and report.err == ""
    failed = [x for x in report.out.splitlines() if x.startswith("[FAIL]")]
    assert any(x.startswith(f"[FAIL] {check}: ") and re.search(message, x) for x in failed), report.out
    assert snapshot(copy, SHIPPED) == before


def test_the_first_problem_is_named_and_the_others_counted(copy, cli):
    for edit in (cell("units.csv", AREA_ROW, "official_area_ha", "-1e309"), cell("lineage.csv", 2, "relation", "x")):
        edit(copy / "reg" / "boundaries")
    line = one_line(cli("lineage").err)
    assert "'-1e309' is not a number of hectares" in line and "(and 1 more: `haiha-geo validate` lists them)" in line
    report = cli("validate").out
    assert "'-1e309'" in report and "'x' is not a lineage relation" in report and "4 checks passed, 1 failed" in report


# --- the override folder and the settings ------------------------------------------------------------------------

def _folders(tmp: Path) -> dict[str, Path]:
    (tmp / "empty").mkdir()
    (tmp / "typo" / "boundary").mkdir(parents=True)
    (tmp / "a_file").write_text("boundaries", encoding="utf-8")
    return {"empty": tmp / "empty", "typo": tmp / "typo", "etc": Path("/etc"), "a file": tmp / "a_file",
            "missing": tmp / "nowhere"}


@pytest.mark.parametrize("kind,message", [("empty", "holds none of boundaries/, layers/, maps/"),
                                          ("typo", "holds none of boundaries/, layers/, maps/"),
                                          ("etc", "holds none of boundaries/, layers/, maps/"),
                                          ("a file", "is a file, not a folder"), ("missing", "does not exist")])
@pytest.mark.parametrize("how", ["env", "config"])
def test_an_override_folder_without_authored_folders_is_refused(tmp_path, monkeypatch, cli, kind, message, how):
    folder = _folders(tmp_path)[kind]
    monkeypatch.chdir(tmp_path)
    if how == "env":
        monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(folder))
    else:
        (tmp_path / "haiha-geo.toml").write_text(f'registry_dir = "{folder}"\n', encoding="utf-8")
    before = snapshot(tmp_path)
    run = cli("lookup", "Dai Dien Nam", "--era", "2025")
    line = one_line(run.err)
    assert run.code == 2 and message in line and str(folder) in line and run.out == ""
    origin = authored.REGISTRY_ENV_VAR if how == "env" else "registry_dir in"
    assert origin in line
    report = cli("validate")
    assert report.code == 1 and f"[FAIL] authored files: the authored folder {folder}" in report.out
    assert "[FAIL] eras: not checked: fix the authored folder first" in report.out
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content,message", [
    (b'data_dir = 5\n', "data_dir must be a path in quotes, e.g. data_dir = \"/data/haiha\", not 5"),
    (b'registry_dir = ["a", "b"]\n', "registry_dir must be a path in quotes"),
    (b'registry_dir = ""\n', "registry_dir must be a path in quotes"),
    (b'data_dir = "/d\\u0000x"\n', "data_dir must be a path in quotes"),
    (cp1258('data_dir = "/dữ liệu"\n'), "is not UTF-8 (byte 0x"),
    (b'data_dir = "/data\n', "is not valid TOML"),
    (b"\xef\xbb\xbfdata_dir = 5\r\n", "data_dir must be a path in quotes"),  # BOM and CRLF are read, then typed
    (b"cache_dir = 5\n", "cache_dir must be a path in quotes"),
    (b"place = 5\n", "place must be a place name in quotes"),
    (b'place = "nosuch"\n', "unknown place 'nosuch'"),
])
@pytest.mark.parametrize("how", ["cwd", "env"])
def test_a_bad_settings_file_is_one_line(tmp_path, monkeypatch, cli, content, message, how):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "haiha-geo.toml").write_bytes(content)
    if how == "env":
        monkeypatch.setenv("HAIHA_GEO_CONFIG", str(tmp_path / "haiha-geo.toml"))
    before = snapshot(tmp_path)
    run = cli("lineage")
    assert run.code == 2 and message in one_line(run.err) and run.out == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("target,message", [("missing.toml", "does not exist"), (".", "is a folder, not a file")])
def test_a_config_variable_naming_no_file_is_one_line(tmp_path, monkeypatch, cli, target, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HAIHA_GEO_CONFIG", str(tmp_path / target))
    run = cli("units", "--era", "2020")
    assert run.code == 2 and f"named by HAIHA_GEO_CONFIG {message}" in one_line(run.err)


# --- what is accepted ----------------------------------------------------------------------------------------------

ACCEPTED = {
    "BOM and CRLF": lambda f: [(f / n).write_bytes(b"\xef\xbb\xbf" + (f / n).read_bytes().replace(b"\n", b"\r\n"))
                               for n in ("units.csv", "lineage.csv", "acts.csv", "eras.toml", "place.toml")],
    "NFD text": lambda f: [(f / n).write_text(unicodedata.normalize("NFD", (f / n).read_text(encoding="utf-8")),
                                              encoding="utf-8") for n in ("units.csv", "acts.csv")],
    "an extra column": add_column("units.csv", "parent_id", "huyện Hải Hà"),
}


@pytest.mark.parametrize("edit", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_a_spreadsheet_or_editor_writes_is_read_as_the_shipped_files(copy, cli, edit):
    shipped = cli("lineage", "--format", "json")
    edit(copy / "reg" / "boundaries")
    run = cli("lineage", "--format", "json")
    assert run.code == 0 and run.err == "" and run.out == shipped.out
    assert authored_checks.problems() == ()


def test_the_check_is_cached_by_path_time_and_size(copy, monkeypatch):
    assert authored_checks.problems() == ()
    monkeypatch.setattr(authored, "_text", lambda path: pytest.fail(f"{path} read again"))
    assert authored_checks.problems() == ()  # nothing changed: no file is read
    monkeypatch.undo()
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(copy / "reg"))
    cell("units.csv", AREA_ROW, "official_area_ha", "nan")(copy / "reg" / "boundaries")
    assert [p.check for p in authored_checks.problems()] == ["registry and lineage"]  # the edit is seen
    with pytest.raises(RegistryError, match="'nan' is not a number of hectares"):
        registry.units_table()  # the library refuses it too, typed (the registry's caches were dropped)


def test_the_library_refuses_what_the_command_line_refuses(copy):
    drop_column("units.csv", "name")(copy / "reg" / "boundaries")
    with pytest.raises(RegistryError, match=r"column\(s\) name missing"):
        registry.units_table()
    with pytest.raises(RegistryError, match=r"column\(s\) name missing"):
        registry.lineage()


def test_a_source_path_outside_the_data_folder_is_never_opened(monkeypatch, tmp_path):
    opened = []
    monkeypatch.setattr(sources, "file_sha256", lambda path: opened.append(path) or "0" * 64)
    entry = {"files": {"communes": {"path": "/etc/shadow", "sha256": "0" * 64}}}
    monkeypatch.setattr(sources, "catalog", lambda: {"evil": entry})
    with pytest.raises(RegistryError, match="must be a relative path inside the data directory"):
        sources.source_file("evil")
    entry["files"]["communes"]["path"] = "gadm41/../../../../etc/passwd"
    with pytest.raises(RegistryError, match="must be a relative path inside the data directory"):
        sources.source_file("evil")
    assert opened == []


# --- the error contract of main ------------------------------------------------------------------------------------

def test_an_unexpected_error_is_one_line_exit_1_with_the_debug_hint(cli, monkeypatch):
    from haiha_geo import crosswalks

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom\nsecond line \x1b[31m")

    monkeypatch.setattr(crosswalks, "lookup", broken)
    run = cli("lookup", "Dai Dien Nam")
    line = one_line(run.err)
    assert run.code == 1 and run.out == ""
    assert line == ("haiha-geo: internal error: ZeroDivisionError: boom second line \\x1b[31m (rerun with --debug, or "
                    "HAIHA_GEO_DEBUG=1, for the traceback, and report it)")
    with pytest.raises(ZeroDivisionError):
        cli("--debug", "lookup", "Dai Dien Nam")
    with pytest.raises(ZeroDivisionError):
        cli("lookup", "Dai Dien Nam", "--debug")
    monkeypatch.setenv("HAIHA_GEO_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli("lookup", "Dai Dien Nam")


def test_debug_does_not_turn_a_typed_error_into_a_traceback(copy, cli):
    cell("units.csv", 2, "name", "Quảng\x0bHà")(copy / "reg" / "boundaries")
    run = cli("--debug", "lineage")
    assert run.code == 2 and "control character U+000B" in one_line(run.err)


def test_the_version_needs_no_data(tmp_path, monkeypatch, cli):
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(tmp_path / "nowhere"))
    run = cli("--version")
    assert run.code == 0 and run.out.startswith("haiha-geo ")


REAL = {
    "helmert banana": ("reg", replace(PLACE, HELMERT_X, 'x = "banana"'), ["transform", "107.7525", "21.45167"],
                       "crs.helmert.x = 'banana' must be a finite number"),
    "eras overlap": ("reg", replace("eras.toml", STEP_2019, 'valid_to = "2020-03-01"'), ["units", "--era", "2020"],
                     "they overlap"),
    "registry is /etc": ("/etc", None, ["lookup", "Dai Dien Nam", "--era", "2025"], "holds none of boundaries/"),
}


@pytest.mark.parametrize("registry_dir,edit,args,message", REAL.values(), ids=REAL.keys())
def test_the_installed_command_reports_before_it_builds_its_parser(tmp_path, registry_dir, edit, args, message):
    """In a fresh process: the error is raised while the command line is imported and its parser built."""
    shutil.copytree(SHIPPED, tmp_path / "reg" / "boundaries")
    if edit:
        edit(tmp_path / "reg" / "boundaries")
    env = {**os.environ, authored.REGISTRY_ENV_VAR: str(tmp_path / registry_dir)}
    env.pop("HAIHA_GEO_DEBUG", None)
    before = snapshot(tmp_path)
    run = subprocess.run([sys.executable, "-m", "haiha_geo", *args], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and run.stdout == "" and message in one_line(run.stderr)
    assert snapshot(tmp_path) == before


def test_cp1258_helper_writes_what_windows_writes():
    assert cp1258("Quảng Hà") == b"Qua\xd2ng Ha\xcc" and cp1258("Đường") == b"\xd0\xfd\xf5\xccng"


@pytest.mark.parametrize("name", ["sites.csv", "ntm_communes.csv", "ntm_district.csv"])
def test_a_layer_file_of_a_header_and_no_row_is_no_crash(copy, cli, name):
    """A layers/ file emptied to its header (as a new place starts it) is read as a table without rows."""
    layers = copy / "reg" / "layers"
    shutil.copytree(SHIPPED.parent / "layers", layers)
    header = (layers / name).read_text(encoding="utf-8").splitlines()[0]
    (layers / name).write_text(header + "\n", encoding="utf-8")
    report = cli("validate")
    assert report.code in (0, 1) and report.err == "", report
    assert "internal error" not in report.out + report.err
