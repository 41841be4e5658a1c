"""Plans built from rectangles of known size in EPSG:5899, shared by the zoning tests."""

from __future__ import annotations

import geopandas as gpd
import shapely

E0, N0, DEPTH = 500_000.0, 2_372_000.0, 200.0
#: (code, width in m) of rectangles DEPTH m deep, side by side: areas known by hand.
STRIPS = [("NO-M", 123.45), ("NO-HT", 87.65), ("CC-DVO", 33.33), ("CX-DVO", 41.17), ("GT-DT", 64.4),
          ("CN", 100.0), ("MN", 50.01)]
EXPECTED_HA = {"NO-M": 2.469, "NO-HT": 1.753, "CC-DVO": 0.6666, "CX-DVO": 0.8234, "GT-DT": 1.288, "CN": 2.0,
               "MN": 1.0002, "DVO": 5.712, "DDD": 7.0, "NDD": 2.0, "DXD": 9.0, "KHAC": 1.0002}
TOTAL_HA = 10.0002


def strips(codes_widths=STRIPS, depth=DEPTH) -> gpd.GeoDataFrame:
    x, rows = E0, []
    for code, width in codes_widths:
        rows.append({"code": code, "geometry": shapely.box(x, N0, x + width, N0 + depth)})
        x += width
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:5899")
