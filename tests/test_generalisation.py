import itertools
import math
import statistics

import pytest

from haiha_geo import disk_cache, generalisation, sources
from haiha_geo.crs import PLANNING_CRS


def _lengths_by_hand(name: str) -> list[float]:
    """Every segment of every ring, walked point by point (not the toolkit's vectorised measure)."""
    found = []
    for geom in sources.read_source(name).to_crs(PLANNING_CRS).geometry:
        for polygon in getattr(geom, "geoms", [geom]):
            for ring in (polygon.exterior, *polygon.interiors):
                points = list(ring.coords)
                found += [math.dist(a, b) for a, b in itertools.pairwise(points)]
    return found


@pytest.mark.parametrize("name", sorted(sources.catalog()))
def test_measured_generalisation_equals_a_walk_of_the_polygons(name):
    lengths = _lengths_by_hand(name)
    measured = generalisation.generalisation(name)
    assert measured.segments == len(lengths) > 0
    assert measured.mean_m == pytest.approx(statistics.fmean(lengths)) and measured.mean_m > 0
    assert measured.median_m == pytest.approx(statistics.median(lengths))
    assert measured.max_m == pytest.approx(max(lengths))


def test_the_measure_is_cached_per_source_file(monkeypatch, tmp_path):
    monkeypatch.setenv(disk_cache.CACHE_ENV_VAR, str(tmp_path))
    first = generalisation.generalisation("gadm41")
    assert disk_cache.info().entries == 1
    monkeypatch.setattr(generalisation, "_measure", lambda *_: pytest.fail("measured again"))
    assert generalisation.generalisation("gadm41") == first


@pytest.mark.parametrize(("scale", "metres"), [(500, 0.15), (1000, 0.3), (2000, 0.6), (10000, 3.0)])
def test_drawing_tolerance_is_0_3_mm_on_paper(scale, metres):
    assert generalisation.drawing_tolerance_m(scale) == pytest.approx(metres)


def test_gadm_is_coarser_than_a_1_2000_sheet_and_finer_than_a_very_small_scale():
    mean = generalisation.generalisation("gadm41").mean_m
    assert generalisation.coarser_than_sheet("gadm41", 2000)
    assert not generalisation.coarser_than_sheet("gadm41", int(mean / 0.0003) + 1000)
