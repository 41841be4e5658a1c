"""The sites layer: columns for the maps, honest geometry, user footprints, the CLI."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import haiha_geo
from haiha_geo.crs import to_planning
from haiha_geo.errors import CRSError, GeometryError, InputFileError
from haiha_geo.project_sites import FOOTPRINT_BASES, SITE_COLUMNS, sites, split_ids

MAP_COLUMNS = ["site_id", "category", "name_vi", "name_en", "area_ha", "area_source", "status", "act", "source",
               "host_units_2019", "host_units_2020", "host_units_2025", "footprint_basis", "geometry"]


@pytest.fixture(scope="module")
def layer() -> gpd.GeoDataFrame:
    return sites()


def _zone_in(unit_id: str, radius_m: float = 300.0) -> gpd.GeoDataFrame:
    """A small square around a point inside the unit, in EPSG:5899 (built here, not copied from data)."""
    units = haiha_geo.units(unit_id.split("/")[0], crs="EPSG:5899")
    inside = units.set_index("unit_id").loc[unit_id, "geometry"].point_on_surface()
    return gpd.GeoDataFrame({"site_id": ["hai_ha_seaport_iz"]}, geometry=[inside.buffer(radius_m, cap_style="square")],
                            crs="EPSG:5899")


def write_without_crs(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``frame`` as a Shapefile with no .prj: a file that declares no CRS."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        frame.set_crs(None, allow_override=True).to_file(path)
    assert not path.with_suffix(".prj").exists()
    return path


def test_columns_and_crs_for_the_maps(layer):
    assert list(layer.columns) == list(SITE_COLUMNS)
    assert set(MAP_COLUMNS) <= set(layer.columns)
    assert layer.crs.to_epsg() == 4326 and layer["site_id"].is_unique


def test_geometry_matches_its_basis(layer):
    assert set(layer["footprint_basis"]) <= set(FOOTPRINT_BASES)
    for _, row in layer.iterrows():
        basis, geom = row["footprint_basis"], row.geometry
        assert (geom is None) == (basis == "none"), row["site_id"]
        if basis == "cited_point":
            assert geom.geom_type == "Point"
        if basis == "host_units":
            assert geom.geom_type in ("Polygon", "MultiPolygon")


def test_host_unit_footprint_is_the_union_of_the_earliest_hosts(layer):
    rows = layer[layer["footprint_basis"] == "host_units"]
    assert len(rows) >= 3
    for _, row in rows.iterrows():
        era = row["footprint_era"]
        assert era == next(e for e in ("2019", "2020", "2025") if split_ids(row[f"host_units_{e}"]))
        units = haiha_geo.units(era, crs="EPSG:5899")
        expected = units[units.unit_id.isin(split_ids(row[f"host_units_{era}"]))].union_all()
        got = to_planning(gpd.GeoDataFrame(geometry=[row.geometry], crs=4326)).geometry.iloc[0]
        assert abs(got.area - expected.area) / expected.area < 1e-6, row["site_id"]


def test_stated_areas_fit_their_host_footprints(layer):
    # host units are an upper bound; allow 15 % for the reference polygons stopping at the shoreline
    rows = layer[(layer["footprint_basis"] == "host_units") & layer["area_ha"].notna()]
    for _, row in rows.iterrows():
        footprint_ha = to_planning(gpd.GeoDataFrame(geometry=[row.geometry], crs=4326)).area.iloc[0] / 1e4
        assert row["area_ha"] <= footprint_ha * 1.15, row["site_id"]


def test_unknowns_stay_unknown(layer):
    by_id = layer.set_index("site_id")
    assert by_id.loc["bac_phong_sinh_gate", "footprint_basis"] != "cited_point"  # no cited coordinates
    for site in ("hai_ha_seaport_iz", "hai_ha_2_market", "district_culture_sports_centre"):
        assert by_id.loc[site, "footprint_basis"] == "none" and by_id.loc[site, "geometry"] is None
    assert by_id[["area_ha", "act"]].isna().loc["hai_ha_2_market"].all()
    assert (by_id.loc["bac_phong_sinh_ez", "area_ha"] == 9300
            and by_id.loc["bac_phong_sinh_ez", "area_qualifier"] == "over")


def test_quang_ha_point_is_the_cited_one(layer):
    point = layer.set_index("site_id").loc["quang_ha_town", "geometry"]
    assert (round(point.x, 5), round(point.y, 5)) == (107.7525, 21.45167)


def test_user_footprint_replaces_the_geometry(tmp_path):
    zone = _zone_in("2020/06922")
    path = tmp_path / "zone.geojson"
    zone.to_file(path, driver="GeoJSON")
    layer = sites(footprints=path).set_index("site_id")
    row = layer.loc["hai_ha_seaport_iz"]
    assert row["footprint_basis"] == "user_file" and row.geometry.geom_type == "Polygon"
    area = to_planning(gpd.GeoDataFrame(geometry=[row.geometry], crs=4326)).area.iloc[0]
    assert area == pytest.approx(600.0 * 600.0, rel=1e-6)
    assert layer.loc["cai_chien", "footprint_basis"] == "host_units"  # others untouched


def test_footprint_without_crs_is_refused(tmp_path):
    path = write_without_crs(_zone_in("2020/06922"), tmp_path / "nocrs.shp")
    with pytest.raises(CRSError, match="no coordinate reference system"):
        sites(footprints=path)


def test_footprint_with_wrong_crs_is_refused(tmp_path):
    path = tmp_path / "metres_as_degrees.geojson"
    zone = _zone_in("2020/06922")
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"site_id": "hai_ha_seaport_iz"},
        "geometry": shapely.geometry.mapping(zone.geometry.iloc[0])}]}))
    with pytest.raises(CRSError):
        sites(footprints=path)


@pytest.mark.parametrize("change, error, message", [
    (lambda z: z.assign(site_id="no_such_site"), InputFileError, "unknown site"),
    (lambda z: z.drop(columns="site_id"), InputFileError, "site_id"),
    (lambda z: z.set_geometry(z.geometry.centroid), GeometryError, "polygons"),
    (lambda z: z.set_geometry(z.geometry.translate(0, 200_000)), GeometryError, "outside Hải Hà"),
])
def test_bad_footprints_are_refused(tmp_path, change, error, message):
    path = tmp_path / "bad.gpkg"
    change(_zone_in("2020/06922")).to_file(path)
    with pytest.raises(error, match=message):
        sites(footprints=path)


# ---- CLI ----------------------------------------------------------------------------------------

def test_cli_table(cli):
    run = cli("sites")
    assert run.code == 0 and "Khu kinh tế cửa khẩu Bắc Phong Sinh" in run.out and "theo các đơn vị chứa" in run.out


def test_cli_json(cli):
    rows = cli("sites", "--format", "json").json()
    assert len(rows) == 8 and all(r["source"] for r in rows)
    assert {r["footprint_basis"] for r in rows} <= set(FOOTPRINT_BASES)


def test_cli_geojson(cli, tmp_path):
    out = tmp_path / "sites.geojson"
    run = cli("sites", "--format", "geojson", "--out", str(out))
    assert run.code == 0 and f"wrote {out}" in run.err
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == 8
    basis = {f["properties"]["site_id"]: (f["properties"]["footprint_basis"], f["geometry"]) for f in features}
    assert basis["quang_ha_town"][1]["type"] == "Point" and basis["hai_ha_2_market"] == ("none", None)


def test_cli_footprints_without_crs_exit_2(cli, tmp_path):
    path = write_without_crs(_zone_in("2020/06922"), tmp_path / "nocrs.shp")
    run = cli("sites", "--footprints", str(path))
    assert run.code == 2 and "Traceback" not in run.err and "coordinate reference system" in run.err


def test_an_invalid_footprint_is_reported_or_refused_with_strict(cli, tmp_path):
    bowtie = shapely.Polygon([(107.74, 21.44), (107.76, 21.46), (107.76, 21.44), (107.74, 21.46)])
    path = tmp_path / "fp.geojson"
    gpd.GeoDataFrame({"site_id": ["quang_ha_town"]}, geometry=[bowtie], crs="EPSG:4326").to_file(path)
    run = cli("sites", "--footprints", str(path), "--format", "json")
    assert run.code == 0 and "warning: 1 invalid polygon(s) repaired" in run.err
    assert "footprint of quang_ha_town" in run.err
    strict = cli("sites", "--footprints", str(path), "--strict")
    assert strict.code == 2 and len(strict.err.strip().splitlines()) == 1 and "strict mode" in strict.err
