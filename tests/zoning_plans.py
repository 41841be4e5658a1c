"""Plans built from rectangles of known size in EPSG:5899, shared by the zoning, printing, map and export tests."""

from __future__ import annotations

import functools

import geopandas as gpd
import shapely

E0, N0, DEPTH = 500_000.0, 2_372_000.0, 200.0
#: (code, width in m) of rectangles DEPTH m deep, side by side: areas known by hand.
STRIPS = [("NO-M", 123.45), ("NO-HT", 87.65), ("CC-DVO", 33.33), ("CX-DVO", 41.17), ("GT-DT", 64.4),
          ("CN", 100.0), ("MN", 50.01)]
EXPECTED_HA = {"NO-M": 2.469, "NO-HT": 1.753, "CC-DVO": 0.6666, "CX-DVO": 0.8234, "GT-DT": 1.288, "CN": 2.0,
               "MN": 1.0002, "DVO": 5.712, "DDD": 7.0, "NDD": 2.0, "DXD": 9.0, "KHAC": 1.0002}
TOTAL_HA = 10.0002
#: (land-law code, QCVN group) of each plot of :func:`coded_plan`, three rows of three plots SIDE m square.
PLAN = [("ONT", "NO-HT"), ("DGT", "GT-DT"), ("LUC", "NN"), ("TMD", "CC-DT"), ("DGD", "CC-DVO"), ("CLN", "NN"),
        ("SKC", "CN"), ("NTS", "MN"), ("DYT", "CC-DVO")]
SIDE = 60.0


def strips(codes_widths=STRIPS, depth=DEPTH) -> gpd.GeoDataFrame:
    x, rows = E0, []
    for code, width in codes_widths:
        rows.append({"code": code, "geometry": shapely.box(x, N0, x + width, N0 + depth)})
        x += width
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:5899")


@functools.cache
def study_origin() -> tuple[float, float]:
    """A point inside the study area, computed from the reference boundaries at run time (never stored)."""
    from haiha_geo.zoning.study import study_area

    x, y = shapely.get_coordinates(study_area(None, None).geometry.representative_point())[0]
    return float(x), float(y)


def study_plan(pairs, size: float, per_row: int | None = None, code_column: str = "code") -> gpd.GeoDataFrame:
    """Square plots of ``size`` m, ``per_row`` to a row, from :func:`study_origin`, one per (code, QCVN group) pair."""
    from haiha_geo.zoning.study import study_area

    x, y = study_origin()
    per_row = per_row or len(pairs)
    plots = [shapely.box(x + (i % per_row) * size, y + (i // per_row) * size,
                         x + (i % per_row + 1) * size, y + (i // per_row + 1) * size) for i in range(len(pairs))]
    study = study_area(None, None).geometry
    assert all(study.contains(plot) for plot in plots), "the test plots must lie inside the study area"
    columns = {code_column: [c for c, _ in pairs], "zone": [z for _, z in pairs],
               "ky_hieu_lo": [f"L{i + 1:02d}" for i in range(len(pairs))]}
    return gpd.GeoDataFrame(columns, geometry=plots, crs="EPSG:5899")


def coded_plan() -> gpd.GeoDataFrame:
    """The plan drawn by the print, map and export tests: PLAN in a grid of three, codes in ``ma_dat``."""
    return study_plan(PLAN, SIDE, per_row=3, code_column="ma_dat")
