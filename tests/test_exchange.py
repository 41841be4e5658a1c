"""The GeoPackage export, opened with QGIS itself (Debian's python3-qgis, headless, as a subprocess).

Every QGIS test fails (never skips) when ``/usr/bin/python3`` cannot import ``qgis.core``: ``.ci/run``
installs ``python3-qgis``. The PNGs QGIS renders are kept in ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pyogrio
import pytest
from qgis_run import SYSTEM_PYTHON, qgis_env

from haiha_geo import registry
from haiha_geo.errors import CRSError, OutputPathError
from haiha_geo.exchange import export_gpkg, export_shapefiles
from haiha_geo.exchange.gpkg import FIXED_TIME, STYLE_NAME
from haiha_geo.exchange.layers import ntm_years

pytestmark = pytest.mark.qgis

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
SPATIAL = ("units_2019", "units_2020", "units_2025", "new_rural", "sites_points", "sites_footprints",
           "study_area", "sheets_2000")
TABLES = ("sites", "lineage", "crosswalk", "acts", "provenance")
CATEGORIZED = {"units_2019": "code", "units_2020": "code", "units_2025": "code", "new_rural": "status",
               "sites_points": "category", "sites_footprints": "footprint_kind"}
LABELLED = {"units_2019": "name", "units_2020": "name", "units_2025": "name", "new_rural": "name",
            "sites_points": "name_vi", "sites_footprints": "map_label", "study_area": "name", "sheets_2000": "sheet"}
#: A layer's PNG must paint at least this many pixels (of 900 × 900): a point marker paints ~1,100.
MIN_PIXELS = {"sites_points": 300}


def run_qgis(tmp: Path, *sources: Path) -> dict:
    """Run tests/qgis_probe.py under Debian's Python with QGIS; return its JSON report."""
    env = qgis_env(tmp)
    report = tmp / "qgis_report.json"
    done = subprocess.run([SYSTEM_PYTHON, str(HERE / "qgis_probe.py"), str(report), str(tmp / "png"),
                           *map(str, sources)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(report.read_text(encoding="utf-8"))


def keep_artifacts(report: dict) -> None:
    """Copy the rendered PNGs to tests/artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    for layers in report["sources"].values():
        for probe in layers.values():
            if probe.get("png"):
                shutil.copy(probe["png"], ARTIFACTS / Path(probe["png"]).name)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The export in both CRSs, and what QGIS reports about them."""
    tmp = tmp_path_factory.mktemp("export")
    results = {crs: export_gpkg(tmp / f"hai_ha_{crs.split(':')[1]}.gpkg", crs=crs)
               for crs in ("EPSG:5899", "EPSG:4326")}
    report = run_qgis(tmp, *(r.path for r in results.values()))
    keep_artifacts(report)
    return results, report


def layers_of(exported, crs: str) -> dict:
    results, report = exported
    return report["sources"][str(results[crs].path)]


def expected_counts() -> dict[str, int]:
    """Feature counts that follow from the registry, independently of the export code."""
    counts = {f"units_{era}": len(registry.units_table(era)) for era in registry.ERAS}
    counts["new_rural"] = sum(len(registry.units_table(registry.era_for_date(f"{y}-12-31"))) for y in ntm_years())
    counts["lineage"] = len(registry.lineage())
    counts["acts"] = len(registry.acts_table())
    return counts


def test_qgis_lists_every_layer_and_table(exported):
    layers = layers_of(exported, "EPSG:5899")
    assert set(SPATIAL) | set(TABLES) <= set(layers)
    assert "layer_styles" not in layers or not layers["layer_styles"]["spatial"]


@pytest.mark.parametrize("crs", ["EPSG:5899", "EPSG:4326"])
@pytest.mark.parametrize("name", SPATIAL)
def test_layer_valid_with_count_crs_and_default_style(exported, crs, name):
    results, _ = exported
    probe = layers_of(exported, crs)[name]
    assert probe["valid"] and probe["spatial"]
    assert probe["crs"] == crs
    assert probe["features"] == results[crs].layers[name]
    assert probe["features"] == expected_counts().get(name, probe["features"])
    assert probe["style_count"] == 1
    assert probe["default_style_loaded"], probe["default_style_message"]
    assert probe["renderer_on_open"] == probe["renderer"]  # QGIS applied the stored style on opening
    if name in CATEGORIZED:
        assert probe["renderer"] == "categorizedSymbol"
        assert probe["class_attribute"] == CATEGORIZED[name]
    else:
        assert probe["renderer"] == "singleSymbol"
    assert probe["labels"] and probe["label_field"] == LABELLED[name]
    assert probe["painted_pixels"] >= MIN_PIXELS.get(name, 5000), probe["png"]


@pytest.mark.parametrize("name", TABLES)
def test_tables_are_attribute_tables_in_qgis(exported, name):
    probe = layers_of(exported, "EPSG:5899")[name]
    assert probe["valid"] and not probe["spatial"]
    assert probe["features"] == expected_counts().get(name, probe["features"]) > 0


def test_unit_categories_carry_diacritics_and_neighbours_differ(exported):
    layers = layers_of(exported, "EPSG:5899")
    labels = {label for _, label, _ in layers["units_2019"]["categories"]}
    assert {"thị trấn Quảng Hà", "xã Quảng Điền", "xã Đường Hoa"} <= labels
    assert layers["units_2025"]["aliases"]["area_ha"] == "Diện tích bản đồ (ha)"
    assert layers["units_2025"]["aliases"]["official_area_ha"] == "Diện tích tự nhiên công bố (ha)"


def test_new_rural_classes_are_colour_coded_and_follow_the_time_controller(exported):
    probe = layers_of(exported, "EPSG:5899")["new_rural"]
    colours = {value: colour for value, _, colour in probe["categories"]}
    assert {"met", "not_met", "not_applicable", None} <= set(colours)
    assert len(set(colours.values())) == len(colours)
    assert probe["temporal"]
    # rendered as the Temporal Controller shows the first year with records: one year's units, not all years
    assert probe["temporal_range"] == [f"{ntm_years()[0]}-01-01", f"{ntm_years()[0] + 1}-01-01"]


def test_new_rural_draws_the_year_on_the_afternoon_of_31_december(exported):
    """Each year ended at 31/12 00:00, so a frame on the afternoon of 31/12 (the status's date) drew nothing."""
    year = ntm_years()[0]
    instants = layers_of(exported, "EPSG:5899")["new_rural"]["instants"]
    afternoon, new_year = instants[f"{year}-12-31T15:00:00"], instants[f"{year + 1}-01-01T00:00:00"]
    assert afternoon["years"] == [year] and afternoon["painted_pixels"] >= 5000
    assert new_year["years"] == [year + 1], "the next year starts at 1/1 00:00, never both years at once"
    table = pyogrio.read_dataframe(exported[0]["EPSG:5899"].path, layer="new_rural", read_geometry=False)
    assert (table["date_end"].dt.strftime("%m-%d %H:%M") == "01-01 00:00").all()


def test_crosswalk_holds_every_ordered_pair_of_eras(exported):
    results, _ = exported
    table = pyogrio.read_dataframe(results["EPSG:5899"].path, layer="crosswalk")
    pairs = {(a, b) for a, b in zip(table["from_era"], table["to_era"])}
    assert pairs == {(a, b) for a in registry.ERAS for b in registry.ERAS if a != b}
    shares = table.groupby(["from_era", "to_era", "from_unit_id"])["share"].sum()
    assert (shares - 1).abs().max() < 1e-9


def test_sites_keep_their_footprint_basis(exported):
    results, _ = exported
    path = results["EPSG:5899"].path
    points = pyogrio.read_dataframe(path, layer="sites_points")
    footprints = pyogrio.read_dataframe(path, layer="sites_footprints")
    records = pyogrio.read_dataframe(path, layer="sites")
    assert set(points["footprint_basis"]) == {"cited_point"}
    assert set(footprints["footprint_basis"]) <= {"host_units", "user_file"}
    unlocated = set(records.loc[records["footprint_basis"] == "none", "site_id"])
    assert unlocated and not unlocated & (set(points["site_id"]) | set(footprints["site_id"]))


def test_layer_styles_table_is_the_one_qgis_writes(exported):
    results, _ = exported
    with sqlite3.connect(results["EPSG:5899"].path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute("SELECT f_table_name, styleName, useAsDefault, update_time FROM layer_styles").fetchall()
        stamps = {row[0] for row in db.execute("SELECT last_change FROM gpkg_contents")}
    assert columns[1:] == ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                           "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"]
    assert sorted(r[0] for r in rows) == sorted(SPATIAL)
    assert {r[1:3] for r in rows} == {(STYLE_NAME, 1)}
    assert {r[3][:19] for r in rows} == {FIXED_TIME[:19]}
    assert stamps == {FIXED_TIME}


def test_reruns_are_byte_identical(tmp_path):
    first, second = export_gpkg(tmp_path / "a.gpkg"), export_gpkg(tmp_path / "b.gpkg")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_export_replaces_atomically_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "hai_ha.gpkg"
    target.write_bytes(b"old")
    export_gpkg(target)
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    assert [p.name for p in tmp_path.iterdir()] == ["hai_ha.gpkg"]


def test_bad_requests_are_typed_errors(tmp_path):
    with pytest.raises(OutputPathError, match=r"\.gpkg"):
        export_gpkg(tmp_path / "hai_ha.sqlite")
    with pytest.raises(CRSError, match="EPSG:5899"):
        export_gpkg(tmp_path / "hai_ha.gpkg", crs="EPSG:3857")
    with pytest.raises(OutputPathError, match="does not exist"):
        export_gpkg(tmp_path / "missing" / "hai_ha.gpkg")
    assert not list(tmp_path.iterdir())


def test_cli_export_writes_and_lists_layers(cli, tmp_path):
    out = tmp_path / "hai_ha.gpkg"
    run = cli("export", "--out", str(out), "--crs", "EPSG:4326")
    assert run.code == 0, run.err
    assert "units_2025: 4 features" in run.err
    assert pyogrio.read_info(out, layer="units_2025")["crs"] == "EPSG:4326"


def test_cli_export_errors_exit_2_with_one_line(cli, tmp_path):
    run = cli("export", "--out", str(tmp_path / "hai_ha.txt"))
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err


@pytest.fixture(scope="module")
def shapefiles(tmp_path_factory):
    """The Shapefile export (EPSG:5899), unzipped, and what QGIS reports about each .shp."""
    import zipfile

    tmp = tmp_path_factory.mktemp("shp")
    result = export_shapefiles(tmp / "hai_ha_shp.zip")
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(tmp / "unzipped")
    folder = tmp / "unzipped" / "hai_ha_shp"
    report = run_qgis(tmp, *sorted(folder.glob("*.shp")))
    keep_artifacts(report)
    return result, folder, {Path(k).stem: v[Path(k).stem] for k, v in report["sources"].items()}


@pytest.mark.parametrize("name", SPATIAL)
def test_qgis_reads_the_shapefile_crs_style_and_diacritics(shapefiles, name):
    result, folder, layers = shapefiles
    probe = layers[name]
    assert probe["valid"] and probe["features"] == result.layers[name]
    assert probe["crs"] == "EPSG:5899"
    # QGIS's definition of EPSG:5899 carries the EPSG:6960 parameters the toolkit pins (QĐ 05/2007/QĐ-BTNMT).
    assert ("+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
            in probe["proj"])
    assert probe["encoding"] == "UTF-8" and (folder / f"{name}.cpg").read_text() == "UTF-8"
    assert probe["renderer_on_open"] == probe["renderer"] == (
        "categorizedSymbol" if name in CATEGORIZED else "singleSymbol")
    assert probe["labels"]
    assert all(len(f) <= 10 for f in probe["fields"])
    assert probe["painted_pixels"] >= MIN_PIXELS.get(name, 5000)
    if name.startswith("units_"):  # the diacritics survive the DBF: QGIS reads the registry's names
        assert probe["names"] == sorted(registry.units_table(name.split("_")[1])["name"])


def test_shapefile_zip_is_byte_identical_and_lists_field_names(tmp_path):
    import zipfile

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = export_shapefiles(tmp_path / "a" / "hai_ha.zip", crs="EPSG:4326")
    second = export_shapefiles(tmp_path / "b" / "hai_ha.zip", crs="EPSG:4326")
    assert first.path.read_bytes() == second.path.read_bytes()
    with zipfile.ZipFile(first.path) as archive:
        fields = archive.read("hai_ha/FIELDS.csv").decode("utf-8")
        prj = archive.read("hai_ha/units_2025.prj").decode("ascii")
    assert "units_2025,off_area,official_area_ha,Diện tích tự nhiên công bố (ha)" in fields
    assert prj.startswith('GEOGCS["GCS_WGS_1984"')


def test_shapefile_output_must_be_a_zip(cli, tmp_path):
    run = cli("export", "--format", "shp", "--out", str(tmp_path / "hai_ha.shp"))
    assert run.code == 2 and ".zip" in run.err and run.err.count("\n") == 1


def test_upper_bound_footprints_are_hatched_possible_extents_in_qgis(exported):
    """The Texhong footprint (five host communes, Cái Chiên island included) was styled and labelled as the park."""
    results, _ = exported
    probe = layers_of(exported, "EPSG:5899")["sites_footprints"]
    labels = {value: label for value, label, _ in probe["categories"]}
    assert labels["upper_bound"].startswith("Phạm vi có thể (") and "giới hạn trên" in labels["upper_bound"]
    assert probe["brushes"]["upper_bound"] == 12 and probe["brushes"]["site_unit"] == 0  # Qt.BDiagPattern, none
    table = pyogrio.read_dataframe(results["EPSG:5899"].path, layer="sites_footprints").set_index("site_id")
    assert table.loc["texhong_hai_ha_phase1", "footprint_kind"] == "upper_bound"
    assert table.loc["texhong_hai_ha_phase1", "map_label"] == "Phạm vi có thể của KCN Texhong Hải Hà (giai đoạn 1)"
    assert table.loc["cai_chien", ["footprint_kind", "map_label"]].tolist() == ["site_unit", "Xã đảo Cái Chiên"]
    assert probe["label_field"] == "map_label"


def test_a_plan_opens_in_qgis_with_one_category_per_code_in_its_colours(tmp_path, cli):
    from zoning_plans import PLAN, coded_plan

    from haiha_geo.land_codes import plan_symbols

    plan = tmp_path / "plan_qh.gpkg"
    coded_plan().to_file(plan)
    out = tmp_path / "with_plan.gpkg"
    run = cli("export", "--layer", str(plan), "--out", str(out))
    assert run.code == 0, run.err
    probe = run_qgis(tmp_path, out)["sources"][str(out)]["plan_plan_qh"]
    assert probe["valid"] and probe["renderer_on_open"] == "categorizedSymbol" and probe["class_attribute"] == "ma_dat"
    _, symbols = plan_symbols([c for c, _ in PLAN])
    assert [(value, colour) for value, _, colour in probe["categories"]] == [(c, s.hex) for c, s in symbols.items()]
    assert {label for _, label, _ in probe["categories"]} == {s.legend() for s in symbols.values()}
    assert probe["labels"] and probe["label_field"] == "ky_hieu_lo"
    assert probe["features"] == len(PLAN)
