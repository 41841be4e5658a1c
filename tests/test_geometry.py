"""geometry: vectorised repair (only invalid geometries touched), one repair report, overlaps, dissolve."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
import shapely.affinity

from haiha_geo import geometry
from haiha_geo.errors import GeometryError, GeometryRepairError, GeometryRepairWarning
from haiha_geo.geometry import dissolve, overlapping_pairs, repair, repair_message, report_repairs

BOWTIE = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])


def test_only_invalid_geometries_are_repaired_and_valid_ones_are_the_same_objects():
    valid = [shapely.box(i, 0, i + 1, 1) for i in range(5)]
    geoms = np.array([*valid[:2], BOWTIE, *valid[2:]], dtype=object)
    fixed, report = repair(geoms, ["a", "b", "c", "d", "e", "f"], "plan row ")
    assert [r["label"] for r in report] == ["plan row c"]
    assert report[0]["area_before"] == 0.0 and report[0]["area_after"] == pytest.approx(2.0)
    assert report[0]["reason"].startswith("Self-intersection")
    assert all(fixed[i] is geoms[i] for i in (0, 1, 3, 4, 5))
    assert fixed[2].is_valid and fixed[2].area == pytest.approx(2.0)
    assert geoms[2] is BOWTIE  # the input array is not modified


@pytest.mark.parametrize("bad", [None, shapely.Polygon()])
def test_missing_or_empty_geometry_is_an_error(bad):
    with pytest.raises(GeometryError, match="feature 1: geometry is missing or empty"):
        repair(np.array([shapely.box(0, 0, 1, 1), bad], dtype=object))


def test_one_report_format_warning_or_strict_error():
    _, report = repair(np.array([BOWTIE]), ["zone.gpkg feature 0"])
    message = repair_message(report)
    assert "zone.gpkg feature 0 (Self-intersection" in message and "area 0.00 → 2.00 m²" in message
    with pytest.warns(GeometryRepairWarning, match="area 0.00 → 2.00 m²"):
        report_repairs(report)
    with pytest.raises(GeometryRepairError, match=r"strict mode.*zone\.gpkg feature 0"):
        report_repairs(report, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report_repairs([])


def test_many_repairs_are_one_line():
    _, report = repair(np.array([BOWTIE] * 12))
    message = repair_message(report)
    assert "\n" not in message and message.startswith("12 invalid") and "and 7 more" in message


def test_overlapping_pairs_and_dissolve():
    grid = np.array([shapely.box(i, j, i + 1, j + 1) for i in range(3) for j in range(3)], dtype=object)
    assert overlapping_pairs(grid)[0].size == 0
    assert dissolve(grid).equals(shapely.box(0, 0, 3, 3))
    shifted = np.append(grid, shapely.box(0.5, 0.5, 1.5, 1.5))
    left, right = overlapping_pairs(shifted)
    assert sorted(zip(left.tolist(), right.tolist())) == [(0, 9), (1, 9), (3, 9), (4, 9)]
    assert dissolve(shifted).area == pytest.approx(9.0)


@pytest.mark.parametrize("chunk", [1, 3, 1_000])
def test_valid_polygons_in_parts_is_the_serial_answer(monkeypatch, chunk):
    monkeypatch.setattr(geometry, "PARALLEL_CHUNK", chunk)
    monkeypatch.setattr(geometry.os, "cpu_count", lambda: 4)
    geoms = np.array([shapely.box(i, 0, i + 1, 1) for i in range(9)] + [BOWTIE, shapely.Point(0, 0)], dtype=object)
    assert geometry.valid_polygons(geoms).tolist() == [True] * 9 + [False, False]


def _grid(n: int) -> np.ndarray:
    return np.array([shapely.box(i, j, i + 1, j + 1) for i in range(n) for j in range(n)], dtype=object)


@pytest.mark.parametrize("chunk", [2, 7, 30])
@pytest.mark.parametrize("at", [0, 17, 31, 32, 33, 63])
@pytest.mark.parametrize("shift", [0.0, 0.3, 1e-9])
def test_coverage_in_strips_is_the_whole_answer(monkeypatch, chunk, at, shift):
    """A flaw anywhere (also straddling a strip cut) is found, a clean grid passes, with the answer of one call."""
    grid = _grid(8)
    grid[at] = shapely.affinity.translate(grid[at], xoff=shift)
    expected = bool(shapely.coverage_is_valid(grid))
    monkeypatch.setattr(geometry, "COVERAGE_CHUNK", chunk)
    monkeypatch.setattr(geometry.os, "cpu_count", lambda: 4)
    assert geometry.coverage_is_valid(grid) is expected
    assert expected is (shift == 0.0)


@pytest.mark.parametrize("at", [0, 3, 8, 40, 63])
@pytest.mark.parametrize("shift", [0.0, 0.3, 1e-9])
def test_the_probe_only_says_no_for_a_flaw_in_the_part_it_checks(monkeypatch, at, shift):
    """A flaw in the probed (westmost) cells is found by the probe; one further east only by the whole check."""
    grid = _grid(8)  # column-major: cells 0-7 are the westmost column
    grid[at] = shapely.affinity.translate(grid[at], xoff=shift)
    monkeypatch.setattr(geometry, "COVERAGE_PROBE", 10)
    monkeypatch.setattr(geometry, "PROBE_SHARE", 0.125)  # the westmost 8 cells
    assert geometry.may_be_coverage(grid) is not (shift != 0.0 and at < 8)
    assert geometry.coverage_is_valid(grid) is bool(shapely.coverage_is_valid(grid)) is (shift == 0.0)


@pytest.mark.parametrize("strip", [1, 4, 10, 1_000])
@pytest.mark.parametrize("shuffle", [False, True])
def test_dissolve_in_strips_is_the_union(monkeypatch, strip, shuffle):
    grid = _grid(9)
    grid = grid[np.random.default_rng(3).permutation(len(grid))] if shuffle else grid
    grid = np.concatenate([grid, [shapely.box(20, 20, 21, 21)]])  # and an island apart
    monkeypatch.setattr(geometry, "DISSOLVE_STRIP", strip)
    merged = geometry.dissolve(grid)
    assert merged.is_valid and merged.equals(shapely.union_all(grid))
    assert merged.area == pytest.approx(82.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("chunk", [5, 10_000])
def test_overlapping_pairs_are_every_pair_a_brute_force_relate_finds(monkeypatch, seed, chunk):
    """A clean grid with a few stray, duplicated and nested polygons; coverage checked in strips and whole."""
    rng = np.random.default_rng(seed)
    grid = _grid(8)
    x, y = rng.uniform(0, 8, (2, 6))
    strays = [shapely.box(a, b, a + rng.uniform(0.1, 2), b + rng.uniform(0.1, 2)) for a, b in zip(x, y)]
    extra = [grid[rng.integers(64)], shapely.affinity.scale(grid[rng.integers(64)], 0.5, 0.5)]
    geoms = np.concatenate([grid, strays, extra])
    geoms = geoms[rng.permutation(len(geoms))]
    monkeypatch.setattr(geometry, "PARALLEL_CHUNK", chunk)
    monkeypatch.setattr(geometry, "COVERAGE_CHUNK", chunk)
    monkeypatch.setattr(geometry.os, "cpu_count", lambda: 3)
    i, j = np.triu_indices(len(geoms), 1)
    inner = shapely.relate_pattern(geoms[i], geoms[j], "2********")
    left, right = overlapping_pairs(geoms)
    assert sorted(zip(left.tolist(), right.tolist())) == sorted(zip(i[inner].tolist(), j[inner].tolist()))


def test_overlapping_pairs_of_two_stacked_tilings_are_all_found():
    """Each tiling's own edges match, so GEOS flags only the outer cells' edges; every pair must still be found."""
    first = [shapely.box(i, j, i + 1, j + 1) for i in range(6) for j in range(6)]
    second = [shapely.box(i + 0.5, j + 0.5, i + 1.5, j + 1.5) for i in range(5) for j in range(5)]
    assert len(overlapping_pairs(np.array(first + second))[0]) == 100


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", ["random", "path", "reversed path", "no edges"])
def test_components_are_scipys(seed, shape):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    count = 500
    if shape == "random":
        left, right = rng.integers(0, count, (2, 400))
    elif shape == "no edges":
        left, right = np.empty((2, 0), dtype=int)
    else:
        order = np.arange(count) if shape == "path" else rng.permutation(count)
        left, right = order[:-1], order[1:]
    got = geometry.components(count, left, right)
    _, expected = connected_components(coo_matrix((np.ones(len(left)), (left, right)), shape=(count, count)),
                                       directed=False)
    assert len(np.unique(got)) == len(np.unique(expected))
    assert (np.unique(np.stack([got, expected], 1), axis=0).shape[0]) == len(np.unique(got))  # the same partition
    assert all(got[i] <= i for i in range(count))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("spread", [0.6, 1.5])  # clusters of many rectangles; mostly lone ones
def test_component_union_is_the_union_of_the_layer(seed, spread):
    """Issue 17: an overlapping layer's outline is merged cluster by cluster, on all cores: the same shape."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 40 * spread * 50, (2_500, 2))
    boxes = shapely.box(*(centres - 20).T, *(centres + 20).T)
    rotated = np.array([shapely.affinity.rotate(b, a) for b, a in zip(boxes, rng.uniform(0, 90, len(boxes)))])
    merged = geometry.component_union(rotated)
    assert merged.is_valid
    assert shapely.symmetric_difference(merged, shapely.union_all(rotated)).area < 1e-6 * merged.area
