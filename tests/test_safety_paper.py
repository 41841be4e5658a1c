"""Issue 18, what reaches paper and the file system: printing, exchange, paths and resources.

Every case asserts the exit status, that an error is one line, and that the
working folder holds exactly what it should afterwards (:func:`snapshot`: names
and SHA-256, so a temporary file left behind fails too).
"""

from __future__ import annotations

import errno
import gc
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import weakref
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pdfplumber
import pyogrio
import pytest
from test_safety_cli import one_line, snapshot

import haiha_geo.exchange.layers as export_layers
import haiha_geo.printing.atlas_pages as atlas_pages
from haiha_geo.errors import PrintLayoutError, TableValueError
from haiha_geo.exchange.styles import Category, Labels, Symbol, qml
from haiha_geo.io import TMP_MARK, remove_stale
from haiha_geo.printing import atlas, print_map
from haiha_geo.printing.layout import MARGIN_MM

PT_PER_MM = 72 / 25.4
#: One 1:2,000 cadastral sheet of xã Cái Chiên (2025), and a second beside it.
SHEETS = ["364504-5", "364504-6"]
#: Characters XML 1.0 cannot hold, and the bidi override.
CONTROLS = {"vertical-tab": "\x0b", "soh": "\x01", "nul": "\x00", "escape": "\x1b"}
RLO = "\u202e"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TMP_MARK in p.name)


# --- 5, 11. text written into XML (QML styles) ------------------------------------------------------------------

@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_qml_holds_control_characters_as_pictures(char):
    text = qml("polygon", [Category("06922", f"xã Quảng{char}Hà", Symbol("#8dd3c7"))], field="code",
               labels=Labels(f"na{char}me"), aliases={f"area{char}": f"Diện tích{char}"})
    root = ET.fromstring(text.split("\n", 1)[1])  # XML, as QGIS reads it
    labels = [c.get("label") for c in root.iter("category")]
    assert labels == [f"xã Quảng{chr(0x2400 + ord(char))}Hà"]
    assert char not in text


def test_qml_refuses_a_control_character_in_a_category_value():
    with pytest.raises(TableValueError, match=r"U\+000B.*cannot hold"):
        qml("polygon", [Category("069\x0b22", "xã Quảng Hà", Symbol("#8dd3c7"))], field="code")


def _dirty_units(monkeypatch, column: str, char: str = "\x0b") -> None:
    """Every unit's ``column`` gains ``char``, as a user's registry or layer could hold it."""
    real = export_layers.units

    def units(era, crs):
        frame = real(era, crs=crs)
        return frame.assign(**{column: frame[column].astype(str) + char + "x"})

    monkeypatch.setattr(export_layers, "units", units)


@pytest.mark.parametrize("char", ["\x0b", "\x01"], ids=["vertical-tab", "soh"])
def test_export_gpkg_with_control_characters_writes_xml_styles(cli, in_tmp, monkeypatch, char):
    _dirty_units(monkeypatch, "label", char)
    _dirty_units(monkeypatch, "name", char)
    run = cli("export", "--out", "x.gpkg")
    assert run.code == 0, run.err
    with sqlite3.connect("x.gpkg") as db:
        styles = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    for text in styles.values():
        ET.fromstring(text.split("\n", 1)[1])
    assert chr(0x2400 + ord(char)) in styles["units_2025"]


@pytest.mark.parametrize("char", ["\x0b", "\x01"], ids=["vertical-tab", "soh"])
def test_export_shapefiles_with_control_characters(cli, in_tmp, monkeypatch, char):
    _dirty_units(monkeypatch, "label", char)
    _dirty_units(monkeypatch, "name", char)
    run = cli("export", "--format", "shp", "--out", "x.zip")
    assert run.code == 0 and "Traceback" not in run.err, run.err
    with zipfile.ZipFile("x.zip") as archive:
        qmls = [n for n in archive.namelist() if n.endswith(".qml")]
        for name in qmls:
            ET.fromstring(archive.read(name).decode("utf-8").split("\n", 1)[1])
    assert "x/units_2025.qml" in qmls
    assert leftovers(in_tmp) == []


@pytest.mark.parametrize("what", ["gpkg", "shp"])
def test_export_refuses_a_control_character_in_a_classification_value(cli, in_tmp, monkeypatch, what):
    _dirty_units(monkeypatch, "code")
    run = cli("export", "--format", what, "--out", "x." + ("zip" if what == "shp" else what))
    assert run.code == 2 and "U+000B" in one_line(run.err)
    assert snapshot(in_tmp) == {}


@pytest.mark.qgis
def test_qgis_loads_the_style_of_a_name_with_control_characters(in_tmp, monkeypatch):
    from test_exchange import run_qgis

    from haiha_geo.exchange import export_gpkg

    _dirty_units(monkeypatch, "label", "\x0b")
    path = export_gpkg(in_tmp / "x.gpkg").path
    probe = run_qgis(in_tmp, path)["sources"][str(path)]["units_2025"]
    assert probe["default_style_loaded"], probe.get("default_style_message")
    assert probe["renderer"] == "categorizedSymbol"


# --- 6. --format agrees with --out ------------------------------------------------------------------------------

DISAGREE = {
    "print png into pdf": (["print", "--era", "2025", "--format", "png", "--out", "x.pdf"], "x.png"),
    "print pdf into png": (["print", "--era", "2025", "--format", "pdf", "--out", "x.png"], "x.pdf"),
    "print no suffix": (["print", "--era", "2025", "--out", "x"], "has no suffix"),
    "print unknown suffix": (["print", "--era", "2025", "--out", "x.jpg"], "ends in .jpg"),
    "print upper-case other": (["print", "--era", "2025", "--format", "png", "--out", "X.PDF"], "X.png"),
    "atlas into png": (["atlas", "--unit", "Cái Chiên", "--era", "2025", "--out", "x.png"], ".pdf"),
    "export shp into gpkg": (["export", "--format", "shp", "--out", "x.gpkg"], "x.zip"),
    "export gpkg into zip": (["export", "--format", "gpkg", "--out", "x.zip"], "x.gpkg"),
    "export shp suffix": (["export", "--out", "x.shp"], "ends in .shp"),
}


@pytest.mark.parametrize("case", DISAGREE, ids=list(DISAGREE))
def test_format_and_suffix_must_agree(cli, in_tmp, monkeypatch, case):
    import haiha_geo.exchange.gpkg as gpkg
    import haiha_geo.exchange.shapefile as shapefile
    import haiha_geo.printing.page as page

    def work(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    for module, name in ((page, "print_map"), (atlas_pages, "atlas"), (gpkg, "export_gpkg"),
                         (shapefile, "export_shapefiles")):
        monkeypatch.setattr(module, name, work)
    args, hint = DISAGREE[case]
    run = cli(*args)
    assert run.code == 2 and hint in one_line(run.err)
    assert snapshot(in_tmp) == {}


@pytest.mark.parametrize("out,magic", [("x.png", b"\x89PNG"), ("x.pdf", b"%PDF"), ("X.PNG", b"\x89PNG")])
def test_print_format_follows_the_suffix(cli, in_tmp, out, magic):
    run = cli("print", "--era", "2025", "--paper", "A4", "--dpi", "40", "--out", out)
    assert run.code == 0, run.err
    assert (in_tmp / out).read_bytes()[:4] == magic


def test_export_format_follows_the_suffix(cli, in_tmp):
    assert cli("export", "--out", "x.zip").code == 0
    assert zipfile.is_zipfile("x.zip") and "x/units_2025.shp" in zipfile.ZipFile("x.zip").namelist()


def test_save_refuses_a_disagreeing_format(in_tmp):
    from haiha_geo.errors import OptionError

    doc = print_map(era="2025", paper="A4")
    with pytest.raises(OptionError, match="disagree"):
        doc.save(in_tmp / "x.pdf", format="png")
    assert snapshot(in_tmp) == {}


# --- 10. a full disk ------------------------------------------------------------------------------------------------

FULL = {
    "export gpkg": ["export", "--out", "x.gpkg"],
    "export shp": ["export", "--format", "shp", "--out", "x.zip"],
    "atlas": ["atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", SHEETS[0], "--out", "x.pdf"],
    "print": ["print", "--era", "2025", "--paper", "A4", "--out", "x.pdf"],
    "print png": ["print", "--era", "2025", "--paper", "A4", "--out", "x.png"],
}


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # as `ulimit -f 20` does


@pytest.mark.parametrize("case", FULL, ids=list(FULL))
def test_file_size_limit_is_one_line_and_leaves_nothing(in_tmp, case):
    done = subprocess.run([sys.executable, "-m", "haiha_geo", *FULL[case]], capture_output=True, text=True,
                          preexec_fn=_limit_file_size, timeout=600)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert f"cannot write {FULL[case][-1]}" in line and "free space" in line
    assert snapshot(in_tmp) == {}


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_in_gdal_is_one_line(cli, in_tmp, monkeypatch):
    def full(*args, **kwargs):
        raise pyogrio.errors.DataSourceError("sqlite3_exec(COMMIT) failed: database or disk is full")

    monkeypatch.setattr(pyogrio, "write_dataframe", full)
    for args in (FULL["export gpkg"], FULL["export shp"]):
        run = cli(*args)
        assert run.code == 2 and "database or disk is full" in one_line(run.err)
    assert snapshot(in_tmp) == {}


@pytest.mark.parametrize("case", ["atlas", "print", "export shp"])
def test_disk_full_while_writing_is_one_line(cli, in_tmp, monkeypatch, case):
    from matplotlib.backends.backend_pdf import PdfPages

    real = Path.write_bytes

    def write_bytes(path, data):
        return _no_space() if TMP_MARK in path.name else real(path, data)

    monkeypatch.setattr(PdfPages, "savefig", _no_space)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    run = cli(*FULL[case])
    assert run.code == 2 and "No space left on device" in one_line(run.err)
    assert snapshot(in_tmp) == {}


# --- 12. a [print] layers spec ------------------------------------------------------------------------------------

@pytest.mark.parametrize("layers,named", [('["nosuch", 5]', "'nosuch', 5"), ("[5]", "5"), ('["a", "b"]', "'b'"),
                                          ('[["a"]]', "['a']")])
def test_print_layers_naming_no_layer(cli, in_tmp, layers, named):
    Path("spec.toml").write_text(f'title = "x"\n[print]\nlayers = {layers}\n'
                                 '[[layers]]\nid = "a"\nkind = "era"\nera = "2025"\n', encoding="utf-8")
    run = cli("print", "spec.toml", "--out", "x.pdf")
    line = one_line(run.err)
    assert run.code == 2 and f"print.layers': {named} name no layer" in line and "among: a" in line
    assert sorted(snapshot(in_tmp)) == ["spec.toml"]


# --- 14. bounded resources ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("paper,dpi,largest", [("A0", 1200, 311), ("A0", 312, 311), ("A3", 1200, 880)])
def test_png_beyond_the_pixel_budget_is_refused_naming_the_dpi_that_fits(cli, in_tmp, paper, dpi, largest):
    run = cli("print", "--era", "2025", "--paper", paper, "--format", "png", "--dpi", str(dpi), "--out", "x.png")
    assert run.code == 2 and f"give --dpi {largest} or less" in one_line(run.err)
    assert snapshot(in_tmp) == {}


def test_largest_png_in_the_budget_stays_near_a_gigabyte(in_tmp):
    """A4 at 1200 dpi (139 million pixels) is inside the budget; drawing it takes about 4 bytes a pixel."""
    warm = "from haiha_geo.printing import print_map; print_map(era='2025', paper='A4')"
    subprocess.run([sys.executable, "-c", warm], check=True, timeout=600)  # the era model into the disk cache:
    code = ("import resource; from haiha_geo.printing import print_map; "  # measured is the drawing, not the
            "print_map(era='2025', paper='A4').save('x.png', dpi=1200); "  # first build of the era model
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    # MiB: 749 measured alone, 1,111-1,115 inside the whole suite (cause not found); 8,900 before the budget
    assert int(done.stdout.split()[-1]) / 1024 < 1250, done.stdout
    assert Path("x.png").read_bytes()[:4] == b"\x89PNG"


def test_atlas_pages_are_drawn_and_released_one_at_a_time(in_tmp, monkeypatch):
    alive: list[weakref.ref] = []
    real = atlas_pages._page

    def page(*args):
        gc.collect()
        assert [ref for ref in alive if ref() is not None] == [], "an earlier page is still in memory"
        fig, notes = real(*args)
        alive.append(weakref.ref(fig))
        return fig, notes

    monkeypatch.setattr(atlas_pages, "_page", page)
    doc = atlas("Cái Chiên", era="2025", only=SHEETS)
    assert alive == []  # nothing is drawn before it is written
    path = doc.save(in_tmp / "atlas.pdf")
    assert len(alive) == 2 and len(pdfplumber.open(path).pages) == 2


# --- What reaches paper --------------------------------------------------------------------------------------------

HOSTILE = {
    "3000 characters": "Quy hoạch phân khu " * 158,
    "16 lines": "\n".join(f"dòng {i}" for i in range(16)),
    "one long word": "x" * 3000,
    "emoji and NUL": "Đồng lúa 🌾\x00 ven biển",
    "right-to-left override": f"Bản đồ {RLO}gnưoưđ{RLO} Quảng Hà",
    "controls": "Hải\x0b Hà\x1b[31m\x7f",
}


def _spec(title: str) -> Path:
    text = json.dumps(title, ensure_ascii=False).replace("\x7f", "\\u007f")  # a TOML basic string
    Path("spec.toml").write_text(f'title = {text}\n[[layers]]\nid = "a"\nkind = "era"\nera = "2025"\n',
                                 encoding="utf-8")
    return Path("spec.toml")


def _words_inside_the_border(pdf: Path) -> list[str]:
    """Every character of every page lies inside the drawn border; returns the text of the pages."""
    texts = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            lo, hi_x, hi_y = MARGIN_MM * PT_PER_MM, page.width - MARGIN_MM * PT_PER_MM, page.height
            outside = [c["text"] for c in page.chars
                       if c["x0"] < lo - 0.5 or c["x1"] > hi_x + 0.5 or c["top"] < lo - 0.5
                       or c["bottom"] > hi_y - lo + 0.5]
            assert outside == [], f"{len(outside)} characters outside the border: {''.join(outside)[:80]}"
            texts.append(page.extract_text())
    return texts


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_title_stays_inside_the_page(cli, in_tmp, case):
    run = cli("print", str(_spec(HOSTILE[case])), "--paper", "A4", "--orientation", "portrait", "--out", "t.pdf")
    assert run.code == 0, run.err
    assert "Glyph" not in run.err  # matplotlib's missing-glyph warnings
    text = _words_inside_the_border(in_tmp / "t.pdf")[0]
    assert not any(c in text for c in "\x00\x0b\x1b\x7f" + RLO)
    if "🌾" in HOSTILE[case]:
        assert "U+1F33E (EAR OF RICE) has no glyph in the page font: printed as �" in run.err
        assert "Đồng lúa � ven biển".upper() in text


def test_right_to_left_override_in_a_file_name_keeps_the_provenance_line(cli, in_tmp):
    from test_safety_maps import write_layer

    name = f"vùng{RLO}nosjoeg.geojson"
    write_layer(in_tmp / name, {"ten": "x"})
    run = cli("print", "--era", "2025", "--paper", "A3", "--layer", name, "--out", "t.pdf")
    assert run.code == 0, run.err
    text = " ".join(_words_inside_the_border(in_tmp / "t.pdf"))
    assert RLO not in text and "vùngnosjoeg.geojson sha256" in text.replace("\n", " ")


def test_atlas_with_hostile_layer_name_stays_inside_the_page(cli, in_tmp):
    from test_safety_maps import write_layer

    name = ("rất_dài_" * 30)[:120] + "🌾.geojson"
    write_layer(in_tmp / name, {"ten": "x"})
    run = cli("atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", SHEETS[0], "--layer", name,
              "--out", "a.pdf")
    assert run.code == 0, run.err
    assert "U+1F33E" in run.err and "Glyph" not in run.err
    _words_inside_the_border(in_tmp / "a.pdf")


# --- Paths: symbolic links and what a killed run leaves ---------------------------------------------------------

def test_symlink_out_is_written_through(cli, in_tmp):
    (in_tmp / "maps").mkdir()
    (in_tmp / "maps" / "latest.pdf").write_bytes(b"old")
    os.symlink("maps/latest.pdf", "link.pdf")
    os.symlink("maps/new.pdf", "dangling.pdf")
    for out in ("link.pdf", "dangling.pdf"):
        run = cli("print", "--era", "2025", "--paper", "A4", "--out", out)
        assert run.code == 0, run.err
        assert (in_tmp / out).is_symlink() and (in_tmp / out).read_bytes()[:4] == b"%PDF"
    assert sorted(snapshot(in_tmp)) == ["dangling.pdf", "link.pdf", "maps/latest.pdf", "maps/new.pdf"]


def test_symlink_out_into_a_missing_folder_is_refused(cli, in_tmp):
    os.symlink("nowhere/x.pdf", "link.pdf")
    run = cli("print", "--era", "2025", "--out", "link.pdf")
    assert run.code == 2 and "nowhere" in one_line(run.err)
    assert snapshot(in_tmp) == {"link.pdf": "-> nowhere/x.pdf"}


def _ended_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)


def test_stale_temporary_files_are_removed_and_live_ones_kept(in_tmp):
    ended = _ended_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (in_tmp / f".x.gpkg{TMP_MARK}{ended}-a1").write_bytes(b"")
        (in_tmp / f".x.gpkg{TMP_MARK}{ended}-a1.gpkg-journal").write_bytes(b"")
        (in_tmp / f".x.zip{TMP_MARK}{ended}-b2").mkdir()
        (in_tmp / f".x.zip{TMP_MARK}{ended}-b2" / "units.shp").write_bytes(b"")
        kept = [f".x.gpkg{TMP_MARK}{live.pid}-c3", f".x.gpkg{TMP_MARK}{os.getpid()}-d4", f".y.gpkg{TMP_MARK}{ended}-e5",
                ".x.gpkg.tmp"]
        for name in kept:
            (in_tmp / name).write_bytes(b"")
        removed = remove_stale(in_tmp / "x.gpkg") + remove_stale(in_tmp / "x.zip")
        assert len(removed) == 3
        assert sorted(p.name for p in in_tmp.iterdir()) == sorted(kept)
    finally:
        live.kill()
        live.wait()


@pytest.mark.parametrize("args,out", [(["export", "--out", "x.gpkg"], "x.gpkg"),
                                      (["export", "--format", "shp", "--out", "x.zip"], "x.zip"),
                                      (["atlas", "--unit", "Cái Chiên", "--era", "2025", "--sheet", SHEETS[0],
                                        "--sheet", SHEETS[1], "--out", "x.pdf"], "x.pdf")],
                         ids=["gpkg", "shp", "atlas"])
def test_a_killed_run_leaves_what_the_next_run_removes(in_tmp, args, out):
    command = [sys.executable, "-m", "haiha_geo", *args]
    killed = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not leftovers(in_tmp) and time.monotonic() < deadline and killed.poll() is None:
        time.sleep(0.005)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert leftovers(in_tmp), "the run ended before it wrote anything: nothing was tested"
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in in_tmp.iterdir()) == [out]


def test_print_layout_errors_still_typed(in_tmp):
    doc = print_map(era="2025", paper="A4")
    with pytest.raises(PrintLayoutError, match="30 to 1200"):
        doc.save(in_tmp / "x.png", dpi=20)


TABLE_SUFFIXES = {
    "default table into csv": (["stats", "--era", "2025", "--out", "x.csv"], "give --format csv"),
    "csv into xlsx": (["stats", "--era", "2025", "--format", "csv", "--out", "x.xlsx"], "give --format xlsx"),
    "md into json": (["units", "--era", "2025", "--format", "md", "--out", "x.JSON"], "name the file x.md"),
    "json into geojson": (["sheets", "--format", "json", "--out", "x.geojson"], "give --format geojson"),
}


@pytest.mark.parametrize("case", TABLE_SUFFIXES, ids=list(TABLE_SUFFIXES))
def test_table_format_and_suffix_must_agree(cli, in_tmp, case):
    args, hint = TABLE_SUFFIXES[case]
    run = cli(*args)
    assert run.code == 2 and hint in one_line(run.err)
    assert snapshot(in_tmp) == {}


@pytest.mark.parametrize("args", [["stats", "--era", "2025", "--format", "csv", "--out", "x.csv"],
                                  ["stats", "--era", "2025", "--format", "csv", "--out", "x.out"],
                                  ["sheets", "--format", "geojson", "--out", "x.json"]], ids=["same", "free", "json"])
def test_table_suffix_that_agrees_or_names_no_format(cli, in_tmp, args):
    assert cli(*args).code == 0 and Path(args[-1]).stat().st_size > 0
