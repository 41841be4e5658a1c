"""overlay_stats: areas per unit add up to the layer's area inside the district; shares are shares."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from parcels import OVERLAPPING, overlapping
from test_project_sites import write_without_crs

import haiha_geo
from haiha_geo import geometry, registry
from haiha_geo.crs import to_geographic
from haiha_geo.errors import (
    CRSError,
    GeometryError,
    GeometryRepairError,
    GeometryRepairWarning,
    InputFileError,
    UnknownEraError,
)
from haiha_geo.geometry import disjoint_parts, overlapping_pairs
from haiha_geo.overlay import OVERLAY_COLUMNS, _era_boundaries, overlay_stats
from haiha_geo.project_sites import sites

TOLERANCE_HA = 0.01


def _district() -> shapely.Geometry:
    return haiha_geo.units("2020", crs="EPSG:5899").union_all()


def _box(x0: float, y0: float, width: float, height: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["zone"]}, geometry=[shapely.box(x0, y0, x0 + width, y0 + height)],
                            crs="EPSG:5899")


def _inside_ha(zone: gpd.GeoDataFrame) -> float:
    return zone.union_all().intersection(_district()).area / 1e4


def _check_sums(table, zone: gpd.GeoDataFrame) -> None:
    inside = _inside_ha(zone)
    assert abs(table["area_ha"].sum() - inside) < TOLERANCE_HA
    assert abs(table.attrs["inside_district_ha"] - inside) < TOLERANCE_HA
    assert table["share_of_unit"].between(0, 1 + 1e-9).all() and table["share_of_layer"].between(0, 1 + 1e-9).all()
    assert abs(table["share_of_layer"].sum() * table.attrs["layer_area_ha"] - inside) < TOLERANCE_HA


def test_zone_across_units_and_the_shore():
    minx, miny, maxx, _maxy = _district().bounds
    zone = _box((minx + maxx) / 2, miny - 2_000, 8_000, 15_000)  # reaches beyond the district's southern edge
    table = overlay_stats(zone, "2019")
    assert list(table.columns) == list(OVERLAY_COLUMNS) and len(table) == 16
    _check_sums(table, zone)
    assert table.attrs["outside_district_ha"] > 0
    assert abs(table.attrs["layer_area_ha"] - 8_000 * 15_000 / 1e4) < 1e-6


def test_a_unit_overlaid_on_its_own_era_fills_it():
    units = haiha_geo.units("2025")
    table = overlay_stats(units[units.unit_id == "2025/06931"], "2019").set_index("unit_id")
    full = table[table["share_of_unit"] > 0.5]
    assert set(full.index) == {"2019/06925", "2019/06931", "2019/06937"}  # NQ1679 cl. 15
    assert (full["share_of_unit"] > 0.999).all()
    assert table["share_of_layer"].sum() == pytest.approx(1.0, abs=1e-6)


def test_site_footprint_overlay():
    layer = sites()
    ez = layer[layer.site_id == "bac_phong_sinh_ez"]
    table = overlay_stats(ez, "2025").set_index("unit_id")
    assert table.loc["2025/06931", "share_of_layer"] == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(200, 20_000), st.floats(200, 20_000),
       st.sampled_from(registry.ERAS))
def test_random_boxes_sum_to_their_area_inside_the_district(fx, fy, width, height, era):
    minx, miny, maxx, maxy = _district().bounds
    zone = _box(minx + fx * (maxx - minx) - width / 2, miny + fy * (maxy - miny) - height / 2, width, height)
    table = overlay_stats(zone, era)
    _check_sums(table, zone)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.2, 0.8), st.floats(0.2, 0.8))
def test_inside_area_is_the_same_in_every_era(fx, fy):
    minx, miny, maxx, maxy = _district().bounds
    zone = _box(minx + fx * (maxx - minx), miny + fy * (maxy - miny), 5_000, 4_000)
    totals = [overlay_stats(zone, era).attrs["inside_district_ha"] for era in registry.ERAS]
    assert max(totals) - min(totals) < TOLERANCE_HA


def test_overlapping_features_are_counted_once():
    minx, miny, maxx, maxy = _district().bounds
    one = _box((minx + maxx) / 2, (miny + maxy) / 2, 2_000, 2_000)
    twice = gpd.GeoDataFrame(geometry=list(one.geometry) * 2, crs=one.crs)
    assert overlay_stats(twice, "2020")["area_ha"].sum() == pytest.approx(400.0, abs=TOLERANCE_HA)


def test_geographic_and_planning_inputs_agree(tmp_path):
    minx, miny, maxx, maxy = _district().bounds
    zone = _box((minx + maxx) / 2, (miny + maxy) / 2, 3_000, 3_000)
    path = tmp_path / "zone4326.geojson"
    to_geographic(zone).to_file(path, driver="GeoJSON")
    a, b = overlay_stats(zone, "2020"), overlay_stats(path, "2020")
    assert abs(a["area_ha"].sum() - b["area_ha"].sum()) < 0.05  # straight edges differ slightly between CRSs


@pytest.mark.parametrize("make, error, message", [
    (lambda z: z.set_geometry(z.geometry.centroid), GeometryError, "needs polygons"),
    (lambda z: z.set_geometry(z.geometry.boundary), GeometryError, "needs polygons"),
])
def test_non_polygons_are_refused(make, error, message):
    minx, miny, maxx, maxy = _district().bounds
    with pytest.raises(error, match=message):
        overlay_stats(make(_box((minx + maxx) / 2, (miny + maxy) / 2, 500, 500)), "2020")


def test_file_errors(tmp_path):
    minx, miny, maxx, maxy = _district().bounds
    zone = _box((minx + maxx) / 2, (miny + maxy) / 2, 500, 500)
    nocrs = write_without_crs(zone, tmp_path / "nocrs.shp")
    with pytest.raises(CRSError, match="no coordinate reference system"):
        overlay_stats(nocrs, "2020")
    assert overlay_stats(nocrs, "2020", crs="EPSG:5899")["area_ha"].sum() == pytest.approx(25.0, abs=TOLERANCE_HA)
    with pytest.raises(InputFileError, match="does not exist"):
        overlay_stats(tmp_path / "missing.geojson", "2020")
    with pytest.raises(UnknownEraError):
        overlay_stats(zone, "2030")


# ---- CLI ----------------------------------------------------------------------------------------

@pytest.fixture
def zone_file(tmp_path):
    minx, miny, maxx, _maxy = _district().bounds
    zone = _box((minx + maxx) / 2 - 3_000, miny - 1_000, 6_000, 12_000)
    path = tmp_path / "zone.gpkg"
    zone.to_file(path)
    return zone, path


def test_cli_json_sums(cli, zone_file):
    zone, path = zone_file
    run = cli("overlay", str(path), "--era", "2020", "--format", "json")
    payload = run.json()
    assert run.code == 0 and len(payload["units"]) == 11
    total = sum(u["area_ha"] for u in payload["units"])
    assert abs(total - payload["inside_district_ha"]) < TOLERANCE_HA
    assert abs(total - _inside_ha(zone)) < TOLERANCE_HA
    assert payload["planning_crs"].startswith("EPSG:5899")


def test_cli_table_and_csv(cli, zone_file):
    _, path = zone_file
    table = cli("overlay", str(path), "--era", "2019")
    assert table.code == 0 and "trong huyện" in table.out and "EPSG:5899" in table.out
    assert "Diện tích bản đồ trong đơn vị (ha)" in table.out and "Tỷ lệ so với đơn vị" in table.out
    english = cli("overlay", str(path), "--era", "2019", "--lang", "en")
    assert "inside the district" in english.out and "Map area in the unit (ha)" in english.out
    csv = cli("overlay", str(path), "--era", "2019", "--format", "csv")
    assert csv.out.splitlines()[0] == ",".join(OVERLAY_COLUMNS) and len(csv.out.splitlines()) == 17


def test_cli_file_without_crs_exit_2(cli, tmp_path):
    minx, miny, maxx, maxy = _district().bounds
    path = write_without_crs(_box((minx + maxx) / 2, (miny + maxy) / 2, 500, 500), tmp_path / "nocrs.shp")
    run = cli("overlay", str(path), "--era", "2020")
    assert run.code == 2 and "Traceback" not in run.err
    assert "has no coordinate reference system" in run.err
    assert cli("overlay", str(path), "--era", "2020", "--assume-crs", "EPSG:5899").code == 0


def test_null_geometries_are_skipped_and_all_null_is_refused():
    layer = sites()
    polygons = layer[layer.footprint_basis.isin(["host_units", "none"])]  # includes null geometries
    table = overlay_stats(polygons, "2020")
    assert table.attrs["inside_district_ha"] > 0
    with pytest.raises(GeometryError, match="no geometry"):
        overlay_stats(layer[layer.footprint_basis == "none"], "2020")


# ---- invalid zones, parcel layers, chunked files (issues 8 and 13) -----------------------------------

def _bowtie_zone() -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = _district().bounds
    x, y = (minx + maxx) / 2, (miny + maxy) / 2
    bowtie = shapely.Polygon([(x, y), (x + 1_000, y + 1_000), (x + 1_000, y), (x, y + 1_000)])
    return gpd.GeoDataFrame({"name": ["zone"]}, geometry=[bowtie], crs="EPSG:5899")


def test_an_invalid_zone_is_repaired_with_a_warning_or_refused_when_strict():
    zone = _bowtie_zone()
    with pytest.warns(GeometryRepairWarning, match=r"feature 0 \(Self-intersection.*area 0.00 → 500,000.00 m²"):
        table = overlay_stats(zone, "2020")
    assert table.attrs["layer_area_ha"] == pytest.approx(50.0)
    with pytest.raises(GeometryRepairError, match="strict mode"):
        overlay_stats(zone, "2020", strict=True)


def test_cli_reports_the_repair_and_strict_exits_2(cli, tmp_path):
    path = tmp_path / "bowtie.gpkg"
    _bowtie_zone().to_file(path)
    run = cli("overlay", str(path), "--era", "2020")
    assert run.code == 0
    warning = [line for line in run.err.splitlines() if line.startswith("haiha-geo: warning:")]
    assert len(warning) == 1 and "Self-intersection" in warning[0] and "area 0.00 → 500,000.00 m²" in warning[0]
    strict = cli("overlay", str(path), "--era", "2020", "--strict")
    assert strict.code == 2 and "Traceback" not in strict.err and "strict mode" in strict.err
    assert strict.out == ""


def _parcels(n_side: int = 40, cell: float = 250.0) -> gpd.GeoDataFrame:
    """A clean coverage of quads around a unit boundary, some cut by the district edge."""
    minx, miny, maxx, _maxy = _district().bounds
    x0, y0 = (minx + maxx) / 2 - n_side * cell / 2, miny - 1_000
    quads = [shapely.box(x0 + i * cell, y0 + j * cell, x0 + (i + 1) * cell, y0 + (j + 1) * cell)
             for i in range(n_side) for j in range(n_side)]
    return gpd.GeoDataFrame({"n": range(len(quads))}, geometry=quads, crs="EPSG:5899")


@pytest.mark.parametrize("era", registry.ERAS)
def test_parcels_give_the_same_totals_as_geopandas_overlay(era):
    parcels = _parcels()
    units = haiha_geo.units(era, crs="EPSG:5899")
    with warnings.catch_warnings():  # the peer drops the line pieces where parcels touch a unit edge
        warnings.simplefilter("ignore", UserWarning)
        peer = gpd.overlay(parcels, units[["unit_id", "geometry"]], how="intersection", keep_geom_type=True)
    expected = (peer.area.groupby(peer["unit_id"]).sum() / 1e4).reindex(units["unit_id"], fill_value=0.0)
    table = overlay_stats(parcels, era).set_index("unit_id")
    assert (table["area_ha"] - expected).abs().max() < 1e-6
    assert table.attrs["layer_area_ha"] == pytest.approx(parcels.area.sum() / 1e4, abs=1e-6)


@pytest.mark.parametrize("overlapping", [False, True])
def test_a_file_read_in_chunks_gives_the_same_result_as_one_read(tmp_path, overlapping):
    parcels = _parcels(20, 400.0)
    if overlapping:  # a copy of the first parcels at the end: they overlap across chunks
        parcels = gpd.GeoDataFrame(geometry=list(parcels.geometry) + list(parcels.geometry[:30]), crs=parcels.crs)
    path = tmp_path / "parcels.gpkg"
    parcels.to_file(path)
    whole = overlay_stats(path, "2025", chunk_features=10_000)
    chunked = overlay_stats(path, "2025", chunk_features=37)
    assert (whole["area_ha"] - chunked["area_ha"]).abs().max() < 1e-6
    assert chunked.attrs["layer_area_ha"] == pytest.approx(_parcels(20, 400.0).area.sum() / 1e4, abs=1e-6)


@pytest.mark.parametrize("era", registry.ERAS)
@pytest.mark.parametrize("kind", ["triangles", "multipolygons", "one-part multipolygons"])
def test_features_touching_unit_boundaries_are_measured_exactly(era, kind):
    """Triangles pinned to the units' own boundary vertices, and multipolygons with parts in two units.

    A feature is added whole to the unit holding its first vertex only when it meets no unit boundary; these
    features meet one at a single point, cross it, or lie just inside it, and must get exactly their
    intersection areas.
    """
    units = haiha_geo.units(era, crs="EPSG:5899")
    vertices = shapely.get_coordinates(shapely.boundary(units.geometry.values))[::3]
    rng = np.random.default_rng(5)
    first, third = (vertices + rng.uniform(-3, 3, vertices.shape) for _ in range(2))
    geoms = shapely.polygons(np.stack([first, vertices, third, first], axis=1))
    geoms = geoms[shapely.is_valid(geoms) & (shapely.area(geoms) > 0.01)]
    if kind == "multipolygons":
        geoms = shapely.multipolygons(np.stack([geoms[:-1:2], geoms[1::2]], axis=1))
        geoms = geoms[shapely.is_valid(geoms)]
    if kind == "one-part multipolygons":  # how GeoPackages written with promote_to_multi hold polygons
        geoms = shapely.multipolygons(geoms[:, None])
    geoms = np.delete(geoms, overlapping_pairs(geoms)[1])  # features that overlap are dissolved: keep none
    expected = [shapely.area(shapely.intersection(unit, geoms)).sum() / 1e4 for unit in units.geometry]
    table = overlay_stats(gpd.GeoDataFrame(geometry=geoms, crs="EPSG:5899"), era)
    assert len(geoms) > 100
    assert np.abs(table["area_ha"].to_numpy() - np.array(expected)).max() < 1e-9


def _union_reference(layer: gpd.GeoDataFrame, era: str) -> tuple[np.ndarray, float]:
    """The exact answer, the slow way: the layer merged into one shape, intersected with every unit (ha)."""
    union = shapely.union_all(layer.geometry.values)
    unit_geoms = haiha_geo.units(era, crs="EPSG:5899").geometry.values
    return shapely.area(shapely.intersection(unit_geoms, union)) / 1e4, union.area / 1e4


@pytest.mark.parametrize("era", ["2019", "2025"])
@pytest.mark.parametrize("kind", OVERLAPPING)
def test_overlapping_layers_give_the_exact_areas_of_their_union(era, kind):
    layer = overlapping(kind)
    expected, union_ha = _union_reference(layer, era)
    table = overlay_stats(layer, era)
    assert np.abs(table["area_ha"].to_numpy() - expected).max() < 1e-6
    assert table.attrs["layer_area_ha"] == pytest.approx(union_ha, abs=1e-6)
    assert (expected > 0).sum() == 2  # the layer lies across a unit boundary
    summed_ha = layer.area.sum() / 1e4  # what geopandas.overlay + groupby gives: each overlap once per feature
    assert summed_ha - table["area_ha"].sum() > 10.0


@pytest.mark.parametrize("probe", [10, 10**9])
@pytest.mark.parametrize("kind", OVERLAPPING)
def test_overlapping_layers_are_exact_whether_the_probe_finds_the_overlaps_or_not(monkeypatch, kind, probe):
    """Told apart by the probe (the raw features never measured) or by the whole check (measured, then corrected)."""
    monkeypatch.setattr(geometry, "COVERAGE_PROBE", probe)
    monkeypatch.setattr(geometry, "PROBE_SHARE", 0.5)
    layer = overlapping(kind, count=600)
    expected, union_ha = _union_reference(layer, "2025")
    table = overlay_stats(layer, "2025")
    assert np.abs(table["area_ha"].to_numpy() - expected).max() < 1e-6
    assert table.attrs["layer_area_ha"] == pytest.approx(union_ha, abs=1e-6)


@pytest.mark.parametrize("chunk", [97, 1_000])
def test_an_overlapping_file_read_in_chunks_gives_the_exact_areas(tmp_path, chunk):
    layer = overlapping("stacked tilings")  # the second tiling starts in a later chunk: overlaps across chunks
    path = tmp_path / "stacked.gpkg"
    layer.to_file(path)
    expected, union_ha = _union_reference(layer, "2025")
    table = overlay_stats(path, "2025", chunk_features=chunk)
    assert np.abs(table["area_ha"].to_numpy() - expected).max() < 1e-6
    assert table.attrs["layer_area_ha"] == pytest.approx(union_ha, abs=1e-6)


@pytest.mark.parametrize("kind", OVERLAPPING)
def test_disjoint_parts_do_not_overlap_and_cover_the_union(kind):
    geoms = np.asarray(overlapping(kind).geometry.array, dtype=object)
    parts, changed = disjoint_parts(geoms)
    kept = parts[~shapely.is_empty(parts)]
    left, right = overlapping_pairs(kept)  # cut edges may cross their neighbours' by the last bits
    assert shapely.area(shapely.intersection(kept[left], kept[right])).sum() < 1e-6  # m²
    assert shapely.area(parts).sum() == pytest.approx(shapely.union_all(geoms).area, rel=1e-12)
    untouched = np.setdiff1d(np.arange(len(geoms)), changed)
    assert all(parts[i] is geoms[i] for i in untouched) and len(changed) > 0


def test_the_era_boundary_boxes_are_built_once_and_dropped_by_clear_caches():
    overlay_stats(_box(*_district().centroid.coords[0], 500, 500), "2020")
    kept = _era_boundaries("2020", "gadm41")
    overlay_stats(_box(*_district().centroid.coords[0], 900, 500), "2020")
    assert _era_boundaries("2020", "gadm41") is kept
    haiha_geo.clear_caches()
    assert _era_boundaries("2020", "gadm41") is not kept
