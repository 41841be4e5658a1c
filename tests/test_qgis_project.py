"""The QGIS project and print layout of ``export --qgis-project``, opened and exported by QGIS itself.

QGIS (Debian's python3-qgis, ``/usr/bin/python3``, headless) runs ``tests/qgis_project_probe.py`` as a
subprocess: it reads the ``.qgz`` after its folder was moved (the layers are found by relative paths),
reports every layer's validity and style and the layout's items, exports the layout to PDF with
``QgsLayoutExporter`` and loads the ``.qpt`` template. The test rasterises the PDF (``pdftoppm``) and
reads its text (``pdftotext``). Every QGIS test fails, never skips, when QGIS is missing. The PDFs and
their PNGs are kept in ``tests/artifacts/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from qgis_run import SYSTEM_PYTHON, qgis_env

from haiha_geo.dossier import Dossier, read_dossier
from haiha_geo.errors import InputFileError, OptionError, OutputPathError, PrintLayoutError
from haiha_geo.exchange.qgis_project import (
    ProjectLayer,
    export_qgis_project,
    layout_xml,
    project_xml,
    sheet,
)
from haiha_geo.exchange.styles import rgba
from haiha_geo.printing.layout import page_size
from haiha_geo.printing.titleblock import TitleBlock

pytestmark = pytest.mark.qgis

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
#: A title block with the characters XML must escape, and Vietnamese.
HOSTILE_TITLE = 'Quy hoạch <phân khu> & "Quảng Hà" \'1/2.000\' </Layout>]]>'
DOSSIER = Dossier(title=HOSTILE_TITLE, number="QH-02 & <b>", client="UBND xã Quảng Hà", checker="Lê Văn C",
                  place="Quảng Hà", date=dt.date(2026, 12, 3))
#: (case, scale, extent, paper, orientation): several scales and extents, A4, A3 and A1 in both orientations.
CASES = {
    "district": (None, "unit", "A3", "landscape"),
    "study-2000": (10000, "layer", "A1", "landscape"),
    "box-25000": (25000, "495000,2365000,502000,2374000", "A4", "portrait"),
    "district-a4": (None, "unit", "A4", "landscape"),
    "study-a3-portrait": (5000, "layer", "A3", "portrait"),
    "district-a1-portrait": (None, "unit", "A1", "portrait"),
}
#: The items of the panel, which neither overlap one another nor the map (the legend may lie on the map).
PANEL = ("title", "scale", "scalebar", "legend", "block-")


def probe(tmp: Path, project: Path, template: Path, pdf: Path) -> dict:
    report = tmp / f"{project.stem}.json"
    done = subprocess.run([SYSTEM_PYTHON, str(HERE / "qgis_project_probe.py"), str(project), str(template),
                           str(report), str(pdf)], env=qgis_env(tmp), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(report.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """Each case exported, its folder moved, then opened by QGIS; the layout exported to PDF and rasterised."""
    tmp = tmp_path_factory.mktemp("qgis_project")
    out = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for case, (scale, extent, paper, orientation) in CASES.items():
        (tmp / "written" / case).mkdir(parents=True)
        result = export_qgis_project(tmp / "written" / case / f"{case}.qgz", scale=scale, extent=extent,
                                     paper=paper, orientation=orientation, dossier=DOSSIER)
        moved = tmp / "moved" / case
        shutil.copytree(result.project.parent, moved)  # relative paths: the folder opens anywhere
        pdf = tmp / f"{case}.pdf"
        report = probe(tmp, moved / result.project.name, moved / result.template.name, pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(tmp / case)], check=True)
        shutil.copy(pdf, ARTIFACTS / f"qgis_layout_{case}.pdf")
        shutil.copy(tmp / f"{case}.png", ARTIFACTS / f"qgis_layout_{case}.png")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        out[case] = result, report, np.asarray(Image.open(tmp / f"{case}.png").convert("RGB")), text, words(pdf)
    return out


def words(pdf: Path) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The page size (pt) of ``pdf`` and each word with its box (pt), as poppler's ``pdftotext -bbox`` reads it."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = ET.fromstring(html[html.index("<html"):]).find(".//{*}page")
    found = [(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
             for w in page.findall("{*}word")]
    return (float(page.get("width")), float(page.get("height"))), found


def stored_styles(gpkg: Path) -> dict[str, tuple[str, str]]:
    """Per layer, the renderer type and first symbol colour (``#rrggbb``) of its QML in ``layer_styles``."""
    with sqlite3.connect(gpkg) as db:
        rows = db.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault").fetchall()
    out = {}
    for name, qml in rows:
        root = ET.fromstring(qml)
        renderer = root.find("renderer-v2")
        symbol_layer = renderer.find("symbols/symbol/layer")
        props = {p.get("k"): p.get("v") for p in symbol_layer.iter("prop")}
        r, g, b, _ = props.get("color", props.get("line_color")).split(",")
        out[name] = renderer.get("type"), f"#{int(r):02x}{int(g):02x}{int(b):02x}"
    return out


@pytest.mark.parametrize("case", CASES)
def test_qgis_finds_every_layer_valid_with_its_stored_style(opened, case):
    result, report, *_ = opened[case]
    assert report["read"] and report["crs"] == "EPSG:5899"
    layers = report["layers"]
    assert len(layers) == len(result.gpkg.layers) + 1  # every layer and table, and the provenance table
    assert all(layer["valid"] for layer in layers.values()), [k for k, v in layers.items() if not v["valid"]]
    assert all(Path(layer["source"].split("|")[0]).parent.name == case for layer in layers.values())  # moved copy
    styles = stored_styles(result.gpkg.path)
    seen = {lid.removeprefix("haiha_geo_"): layer for lid, layer in layers.items() if layer["spatial"]}
    assert set(seen) == set(styles)
    for name, (renderer, colour) in styles.items():
        assert (seen[name]["renderer"], seen[name]["colour"]) == (renderer, colour), name
        assert seen[name]["features"] == result.gpkg.layers[name]


@pytest.mark.parametrize("case", CASES)
def test_layout_map_is_at_the_stated_scale_with_grid_legend_scale_bar_north_arrow(opened, case):
    result, report, *_ = opened[case]
    for lay in (report["layouts"][0], report["template"]):  # the project's layout and the .qpt loaded
        assert lay["pages"] == 1
        assert abs(lay["map"]["scale"] / result.scale - 1) <= 0.005
        assert lay["map"]["crs"] == "EPSG:5899" and lay["map"]["grid"]["annotations"]
        assert lay["map"]["grid"]["interval"] > 0
        assert {"QgsLayoutItemLegend", "QgsLayoutItemScaleBar", "QgsLayoutItemPicture"} <= set(lay["kinds"])
        assert [missing for _, missing in lay["pictures"]] == [False]  # the north arrow's SVG is found
        assert lay["map"]["layers"] == [f"haiha_geo_{n}" for n in
                                        ("units_2025", "sites_points", "sites_footprints", "study_area")]
        assert len(lay["legend"]) == 4 and any(name.startswith("Đơn vị hành chính thời kỳ 2025")
                                               for name in lay["legend"])
        assert HOSTILE_TITLE in [" ".join(label.split()) for label in lay["labels"]]  # escaped in the XML, wrapped
    assert report["template"]["loaded"]
    if CASES[case][0]:
        assert result.scale == CASES[case][0]


@pytest.mark.parametrize("case", CASES)
def test_exported_pdf_is_drawn_with_legend_and_title_block(opened, case):
    result, report, pixels, text, _ = opened[case]
    assert report["pdf"] == 0  # QgsLayoutExporter.Success
    painted = (pixels < 245).any(axis=2).mean()
    assert 0.05 < painted < 0.9, painted  # neither blank nor a solid page
    coloured = (np.ptp(pixels.astype(int), axis=2) > 40).mean()  # the unit fills are colours, not greys
    assert coloured > 0.02, coloured
    flat = " ".join(text.split())
    for expected in ("Chú giải", "Đơn vị hành chính thời kỳ 2025", "Tỷ lệ 1:" + f"{result.scale:,}".replace(",", "."),
                     "Hệ quy chiếu", "EPSG:5899", "05/2007/QĐ-BTNMT", "Thời kỳ", "Nguồn dữ liệu", "QH-02 & <b>",
                     "UBND xã Quảng Hà", "Lê Văn C", "03/12/2026", "Ký hiệu bản vẽ", "MINH HOẠ"):
        assert expected in flat, expected


def _inside(box, width: float, height: float) -> bool:
    x0, y0, x1, y1 = box
    return -0.01 <= x0 < x1 <= width + 0.01 and -0.01 <= y0 < y1 <= height + 0.01


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.mark.parametrize("case", CASES)
def test_every_item_and_word_of_the_layout_lies_inside_the_page(opened, case):
    """QGIS's rectangles of the drawn layout (the legend sized to its contents) and poppler's words of its PDF."""
    result, report, _, _, ((pt_w, pt_h), found) = opened[case]
    rects, (_, _, paper, orientation) = report["rects"], CASES[case]
    width, height = rects["page"]
    assert (width, height) == page_size(paper, orientation)
    outside = [name for kind in ("frame", "drawn") for name, box in rects[kind].items()
               if not _inside(box, width, height) and (kind, name) != ("drawn", "map")]
    assert not outside  # QGIS 3.22 bounds the map's grid labels by their width on every side: the words below
    assert found and [w for w in found if not _inside(w[1:], pt_w, pt_h)] == []
    panel = {name: box for name, box in rects["frame"].items() if name.startswith(PANEL)}
    clashes = [(a, b) for a in panel for b in panel if a < b and _overlap(panel[a], panel[b])]
    assert clashes == []
    over_map = [name for name, box in panel.items() if _overlap(box, rects["frame"]["map"])]
    assert over_map in ([], ["legend"]), over_map
    if orientation == "portrait":  # the panel below the map, the full width of the page
        assert over_map == [] and all(box[1] > rects["frame"]["map"][3] for box in panel.values())
        assert rects["frame"]["map"][2] - rects["frame"]["map"][0] == pytest.approx(width - 20)
    assert abs(report["layouts"][0]["map"]["scale"] / result.scale - 1) <= 0.005


def test_rerun_is_byte_identical_and_paths_are_relative(tmp_path):
    first = export_qgis_project(tmp_path / "a.qgz", scale=50000, dossier=DOSSIER)
    before = {p: p.read_bytes() for p in (first.project, first.template, first.gpkg.path)}
    export_qgis_project(tmp_path / "a.qgz", scale=50000, dossier=DOSSIER)
    assert {p: p.read_bytes() for p in before} == before
    with zipfile.ZipFile(first.project) as archive:
        assert archive.namelist() == ["a.qgs"]
        root = ET.fromstring(archive.read("a.qgs"))
    assert {n.text for n in root.iter("datasource")} == {f"./a.gpkg|layername={n}" for n in first.gpkg.layers} | \
        {"./a.gpkg|layername=provenance"}
    assert not list(tmp_path.glob("*haiha-tmp*"))


def test_a_geopackage_elsewhere_is_referenced_relatively(tmp_path):
    for folder in ("qgis", "data"):
        (tmp_path / folder).mkdir()
    result = export_qgis_project(tmp_path / "qgis" / "p.qgz", tmp_path / "data" / "hai_ha.gpkg", scale=50000)
    with zipfile.ZipFile(result.project) as archive:
        text = archive.read("p.qgs").decode("utf-8")
    assert "<datasource>../data/hai_ha.gpkg|layername=units_2025</datasource>" in text
    assert str(tmp_path) not in text


@pytest.mark.parametrize("value", ["<", "&amp;", "\"'", "\u202eAlif\u202c", "]]>", "A\u200fB"])
def test_hostile_layer_names_and_titles_give_valid_xml(value):
    s = sheet((0, 0, 1000, 1000), scale=2000)
    layers = [ProjectLayer("units_2025", f"Lớp {value}", "Polygon", None, (0, 0, 1, 1))]
    node = layout_xml(value, s, layers, "./x.gpkg", TitleBlock([(value, value)]), value)
    root = ET.fromstring(ET.tostring(project_xml(value, layers, "./x.gpkg", ["units_2025"], node, (0, 0, 1, 1))))
    assert root.find("title").text == value
    assert root.find(".//maplayer/layername").text == f"Lớp {value}"
    assert value in [item.get("labelText") for item in root.iter("LayoutItem")]


def test_control_characters_become_visible_in_the_xml():
    node = layout_xml("a\x01b", sheet((0, 0, 1000, 1000), scale=2000), [], "./x.gpkg", TitleBlock([]), "t\x0bu")
    text = ET.tostring(node, encoding="unicode")
    assert "a␁b" in text and "t␋u" in text and "\x01" not in text


@pytest.mark.parametrize("toml, message", [
    ('title = "a\u202eb"\n', "title holds"),
    ('number = "x\u2067y"\n', "number holds"),
    ('titel = "x"\n', "did you mean 'title'"),
])
def test_hostile_title_block_is_a_typed_error(tmp_path, toml, message):
    path = tmp_path / "khung.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        read_dossier(path)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"extent": "everything"}, OptionError, "--extent 'everything'"),
    ({"extent": "5,5,1,1"}, OptionError, "X0 < X1"),
    ({"extent": "nan,0,1,1"}, OptionError, "X0,Y0,X1,Y1"),
    ({"scale": 0}, PrintLayoutError, "scale 1:0"),
    ({"paper": "B5"}, PrintLayoutError, "B5"),
    ({"era": "1999"}, OptionError, "--era '1999'"),
])
def test_bad_options_are_typed_errors_before_anything_is_written(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        export_qgis_project(tmp_path / "p.qgz", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_outputs_never_overwrite_an_input(tmp_path):
    source = tmp_path / "khung.toml"
    source.write_text('title = "x"\n', encoding="utf-8")
    with pytest.raises(OutputPathError, match=r"\.qgz"):
        export_qgis_project(tmp_path / "p.qgs")
    plan = tmp_path / "plan.gpkg"
    plan.write_bytes(b"input")
    for gpkg, project in ((source, tmp_path / "p.qgz"), (plan, tmp_path / "p.qgz")):
        with pytest.raises(OutputPathError):
            export_qgis_project(project, gpkg, inputs=(source, plan))
    assert plan.read_bytes() == b"input"
    same = tmp_path / "khung.qpt"
    same.write_text("<Layout/>", encoding="utf-8")
    with pytest.raises(OutputPathError):
        export_qgis_project(tmp_path / "khung.qgz", inputs=(same,))  # its template would replace an input
    assert source.read_text(encoding="utf-8") == 'title = "x"\n' and same.read_text(encoding="utf-8") == "<Layout/>"


def test_cli_writes_the_project_with_the_title_block(cli, tmp_path):
    block = tmp_path / "khung.toml"
    block.write_text('title = "Bản đồ <thử> & \\"kiểm\\""\nnumber = "QH-02"\n', encoding="utf-8")
    run = cli("export", "--qgis-project", str(tmp_path / "p.qgz"), "--scale", "25000", "--extent", "layer",
              "--title-block", str(block), "--paper", "A2")
    assert run.code == 0, run.err
    assert "map 1:25,000" in run.err and (tmp_path / "p.gpkg").exists() and (tmp_path / "p.qpt").exists()
    assert 'labelText="Bản đồ &lt;thử&gt; &amp; &quot;kiểm&quot;"' in (tmp_path / "p.qpt").read_text("utf-8")


@pytest.mark.parametrize("args, message", [
    (("--extent", "1,2,3"), "--extent '1,2,3'"),
    (("--format", "shp"), "drop --format shp"),
    (("--crs", "EPSG:4326"), "drop --format shp and --crs"),
    (("--title-block", "missing.toml"), "cannot be read"),
    (("--out", "x.zip"), "ends in .gpkg"),
])
def test_cli_errors_exit_2_with_one_line(cli, tmp_path, args, message):
    run = cli("export", "--qgis-project", str(tmp_path / "p.qgz"), *args)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_cli_export_needs_an_output(cli):
    run = cli("export")
    assert run.code == 2 and "--qgis-project F.qgz" in run.err


def test_stored_styles_reads_the_colour_of_a_line(tmp_path):
    """The test's own reading of ``layer_styles`` (independent of the export) on a known colour."""
    gpkg = tmp_path / "s.gpkg"
    with sqlite3.connect(gpkg) as db:
        db.execute("CREATE TABLE layer_styles (f_table_name TEXT, styleQML TEXT, useAsDefault BOOLEAN)")
        qml = ('<qgis><renderer-v2 type="singleSymbol"><symbols><symbol><layer class="SimpleLine">'
               f'<prop k="line_color" v="{rgba("#d7301f")}"/></layer></symbol></symbols></renderer-v2></qgis>')
        db.execute("INSERT INTO layer_styles VALUES ('a', ?, 1)", (qml,))
    assert stored_styles(gpkg) == {"a": ("singleSymbol", "#d7301f")}
