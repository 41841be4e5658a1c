"""An ILLUSTRATIVE zoning plan for the notebooks: NOT the approved 1/2,000 plan of Quảng Hà.

The project authored it from nothing but rectangles: a 1,000 m x 800 m block
in EPSG:5899 (VN-2000 / TM-3 107°45′) around the town seat (21.45167 N,
107.7525 E → E 500064.012, N 2372959.797; research/haiha_facts.md §0, §6),
cut by two roads into four quarters of land-use strips. It is not derived
from any boundary file, and its codes, shares and population are made up to
exercise the toolkit.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

LABEL = "illustrative, not the approved plan"
#: South-west corner, size and road width (m, EPSG:5899).
WEST, SOUTH, WIDTH, HEIGHT, ROAD = 499_600.0, 2_372_560.0, 1_000.0, 800.0, 30.0
#: Made-up planned population, for m² per person.
POPULATION = 6_000
#: Strips of each quarter, west to east: (code, share of the quarter's width).
QUARTERS = {
    "SW": [("NO-HT", 0.45), ("GT-DVO", 0.05), ("CC-DVO", 0.20), ("CX-DVO", 0.30)],
    "SE": [("NO-M", 0.50), ("GT-DVO", 0.05), ("NO-M", 0.25), ("CX-DVO", 0.20)],
    "NW": [("CC-DT", 0.35), ("CX-DT", 0.40), ("MN", 0.25)],
    "NE": [("HH", 0.40), ("HTKT", 0.10), ("NN", 0.50)],
}
#: CAD layer names for the DXF version, and the map back to codes (notebooks/data/illustrative_cad_layers.csv).
CAD_LAYERS = {"NO-HT": "QH_NHAO_HIENTRANG", "NO-M": "QH_NHAO_MOI", "CC-DVO": "QH_CONGCONG_DONVIO",
              "CX-DVO": "QH_CAYXANH_DONVIO", "GT-DVO": "QH_DUONG_NOIBO", "CC-DT": "QH_CONGCONG_DOTHI",
              "CX-DT": "QH_CAYXANH_DOTHI", "MN": "QH_MATNUOC", "HH": "QH_HONHOP", "HTKT": "QH_HATANG",
              "NN": "QH_NONGNGHIEP", "GT-DT": "QH_DUONG_CHINH"}


def _quarters() -> dict[str, tuple[float, float, float, float]]:
    xm, ym = WEST + WIDTH / 2, SOUTH + HEIGHT / 2
    east, north, half = WEST + WIDTH, SOUTH + HEIGHT, ROAD / 2
    return {"SW": (WEST, SOUTH, xm - half, ym - half), "SE": (xm + half, SOUTH, east, ym - half),
            "NW": (WEST, ym + half, xm - half, north), "NE": (xm + half, ym + half, east, north)}


def _roads() -> list[shapely.Polygon]:
    xm, ym, half = WEST + WIDTH / 2, SOUTH + HEIGHT / 2, ROAD / 2
    return [shapely.box(WEST, ym - half, WEST + WIDTH, ym + half),
            shapely.box(xm - half, SOUTH, xm + half, ym - half),
            shapely.box(xm - half, ym + half, xm + half, SOUTH + HEIGHT)]


def plan() -> gpd.GeoDataFrame:
    """The illustrative plan: columns ``zone``, ``code``, ``note``; EPSG:5899; no gaps, no overlaps."""
    rows = []
    for quarter, (x0, y0, x1, y1) in _quarters().items():
        x = x0
        for i, (code, share) in enumerate(QUARTERS[quarter]):
            right = x1 if i == len(QUARTERS[quarter]) - 1 else x + share * (x1 - x0)
            rows.append({"zone": f"{quarter}-{i + 1}", "code": code, "geometry": shapely.box(x, y0, right, y1)})
            x = right
    rows += [{"zone": f"ROAD-{i + 1}", "code": "GT-DT", "geometry": g} for i, g in enumerate(_roads())]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:5899")
    frame["note"] = LABEL
    return frame


def write_dxf(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a DXF drawing: one closed polyline per zone on its CAD layer, plus a title."""
    import ezdxf

    doc = ezdxf.new()
    msp = doc.modelspace()
    for code, geom in zip(frame["code"], frame.geometry):
        msp.add_lwpolyline(list(geom.exterior.coords)[:-1], close=True, dxfattribs={"layer": CAD_LAYERS[code]})
    msp.add_text(LABEL.upper(), dxfattribs={"layer": "GHI_CHU", "insert": (WEST, SOUTH - 30), "height": 10})
    doc.saveas(path)
    return Path(path)


def write_layer_map(path: str | Path) -> Path:
    """Write the CSV that maps the DXF layers back to land-use codes."""
    lines = ["layer,code"] + [f"{layer},{code}" for code, layer in CAD_LAYERS.items()] + ["GHI_CHU,ignore"]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)
