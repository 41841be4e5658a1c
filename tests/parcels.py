"""Synthetic parcel layers for tests: jittered 30 m quads clipped to the district, overlapping layers (EPSG:5899)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

import haiha_geo
from haiha_geo import timeline


def parcels(count: int, size_m: float = 30.0, seed: int = 13) -> gpd.GeoDataFrame:
    """About ``count`` parcels: a block of jittered ``size_m`` quads around the district's centre, clipped to it.

    The quads share their (jittered) corners, so the layer is a valid coverage.
    """
    era = timeline.era_ids()[-1]
    district = shapely.union_all(haiha_geo.units(era, crs="EPSG:5899").geometry.values)
    side = int(np.ceil(np.sqrt(count * 1.15)))
    cx, cy = shapely.get_coordinates(district.point_on_surface())[0]
    rng = np.random.default_rng(seed)
    quads = _quads(cx, cy, side, size_m, rng)
    clipped = shapely.intersection(quads, district)
    keep = ~shapely.is_empty(clipped) & np.isin(shapely.get_type_id(clipped), (3, 6))
    geoms = clipped[keep][:count]
    codes = np.array(["ONT", "LUC", "CLN", "BHK", "NTS"])[rng.integers(0, 5, len(geoms))]
    return gpd.GeoDataFrame({"ma_thua": [f"T{n:06d}" for n in range(1, len(geoms) + 1)], "loai_dat": codes,
                             "dien_tich": np.round(shapely.area(geoms), 1)}, geometry=geoms, crs="EPSG:5899")


#: Kinds of :func:`overlapping`.
OVERLAPPING = ("rotated rectangles", "stacked tilings", "a zone over parcels")


def overlapping(kind: str, count: int = 2_000, seed: int = 3) -> gpd.GeoDataFrame:
    """About ``count`` polygons that overlap one another, centred on a boundary between two units (2025).

    ``rotated rectangles``: 30 m rectangles on a jittered grid, each turned
    and scaled, so neighbours overlap or leave gaps (one connected cluster);
    ``stacked tilings``: two jittered grids of 30 m quads shifted by 11 m
    (every parcel overlaps four); ``a zone over parcels``: a clean coverage
    with a 400 m zone polygon laid over it.
    """
    era = timeline.era_ids()[-1]
    geoms = np.asarray(haiha_geo.units(era, crs="EPSG:5899").geometry.array, dtype=object)
    inner = shapely.difference(shapely.intersection(shapely.boundary(geoms[0]), shapely.union_all(geoms[1:])),
                               shapely.boundary(shapely.union_all(geoms)))
    cx, cy = shapely.get_coordinates(shapely.line_interpolate_point(shapely.get_parts(inner)[0], 0.5,
                                                                    normalized=True))[0]
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(count / (2 if kind == "stacked tilings" else 1))))
    if kind == "rotated rectangles":
        i, j = (a.ravel() for a in np.meshgrid(np.arange(side), np.arange(side)))
        centres = np.stack([cx + (i - side / 2) * 30.0, cy + (j - side / 2) * 30.0], 1)
        centres = centres + rng.uniform(-3, 3, centres.shape)
        half = rng.uniform(12.0, 17.5, (i.size, 2))
        turn = rng.uniform(-0.2, 0.2, i.size)
        corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)])
        x = corners[:, 0] * half[:, :1] * np.cos(turn)[:, None] - corners[:, 1] * half[:, 1:] * np.sin(turn)[:, None]
        y = corners[:, 0] * half[:, :1] * np.sin(turn)[:, None] + corners[:, 1] * half[:, 1:] * np.cos(turn)[:, None]
        polygons = shapely.polygons(np.stack([x + centres[:, :1], y + centres[:, 1:]], -1))
    else:
        quads = _quads(cx, cy, side, 30.0, rng)
        if kind == "stacked tilings":
            polygons = np.concatenate([quads, _quads(cx + 11.0, cy + 11.0, side, 30.0, rng)])
        else:
            polygons = np.concatenate([quads, [shapely.Point(cx, cy).buffer(200.0)]])
    codes = np.array(["NO-M", "CX-DT", "GT-DT", "NO-HT", "CN"])[rng.integers(0, 5, len(polygons))]
    return gpd.GeoDataFrame({"code": codes}, geometry=polygons, crs="EPSG:5899")


def _quads(cx: float, cy: float, side: int, size_m: float, rng: np.random.Generator) -> np.ndarray:
    """A ``side`` × ``side`` block of quads around (cx, cy) sharing their jittered corners (a clean coverage)."""
    xs = cx + (np.arange(side + 1) - side / 2) * size_m
    ys = cy + (np.arange(side + 1) - side / 2) * size_m
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    gx = gx + rng.uniform(-0.25, 0.25, gx.shape) * size_m
    gy = gy + rng.uniform(-0.25, 0.25, gy.shape) * size_m
    i, j = (a.ravel() for a in np.meshgrid(np.arange(side), np.arange(side), indexing="ij"))
    corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
    return shapely.polygons(np.stack([np.stack([gx[a, b], gy[a, b]], -1) for a, b in corners], 1))




def _district_block(count: int, cell_m: float, seed: int):
    """The district (EPSG:5899), a random generator and a square block of about ``count`` cells around its centre."""
    district = shapely.union_all(haiha_geo.units(timeline.era_ids()[-1], crs="EPSG:5899").geometry.values)
    cx, cy = shapely.get_coordinates(district.point_on_surface())[0]
    half = np.sqrt(count * 1.15) * cell_m / 2
    return district, np.random.default_rng(seed), (cx - half, cy - half, cx + half, cy + half)


def _frame(geoms: np.ndarray, district: shapely.Geometry, count: int) -> gpd.GeoDataFrame:
    clipped = shapely.intersection(geoms, district)
    keep = ~shapely.is_empty(clipped) & np.isin(shapely.get_type_id(clipped), (3, 6))
    geoms = clipped[keep][:count]
    return gpd.GeoDataFrame({"ma_thua": [f"T{n:06d}" for n in range(1, len(geoms) + 1)]}, geometry=geoms,
                            crs="EPSG:5899")


def voronoi_cells(count: int, size_m: float = 30.0, seed: int = 1) -> gpd.GeoDataFrame:
    """About ``count`` Voronoi cells of random points (about ``size_m`` apart), clipped to the district: a coverage
    of irregular polygons, three borders meeting at every corner, some cells long and thin."""
    district, rng, (x0, y0, x1, y1) = _district_block(count, size_m, seed)
    points = rng.uniform((x0, y0), (x1, y1), (int(count * 1.15), 2))
    block = shapely.box(x0, y0, x1, y1)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=block))
    return _frame(shapely.intersection(cells, block), district, count)


def scattered_rectangles(count: int, size_m: float = 30.0, seed: int = 1) -> gpd.GeoDataFrame:
    """About ``count`` rotated rectangles of random size around random centres (``size_m`` apart on average),
    clipped to the district: a layer whose features overlap and leave gaps (a digitised plan, not a coverage)."""
    district, rng, (x0, y0, x1, y1) = _district_block(count, size_m, seed)
    centres = rng.uniform((x0, y0), (x1, y1), (count, 2))
    sides = rng.uniform(0.6, 1.5, (count, 1, 2)) * size_m
    angle = rng.uniform(0, np.pi, (count, 1))
    corner = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])[None] * sides
    cos, sin = np.cos(angle), np.sin(angle)
    rotated = np.stack([corner[..., 0] * cos - corner[..., 1] * sin, corner[..., 0] * sin + corner[..., 1] * cos], -1)
    return _frame(shapely.polygons(rotated + centres[:, None]), district, count)

#: Page script (Playwright ``evaluate`` with ``[bounds, zoom]``): visit every part of a layer's lon/lat
#: ``bounds`` at ``zoom``, view by view, each drawn (two frames); returns how many views were drawn.
SWEEP = """async ([b, z]) => {
  const m = haihaMap.map, size = m.getSize(), nw = m.project([b[3], b[0]], z), se = m.project([b[1], b[2]], z);
  let views = 0;
  for (let y = nw.y + size.y / 2; y < se.y + size.y / 2; y += size.y) {
    for (let x = nw.x + size.x / 2; x < se.x + size.x / 2; x += size.x) {
      m.setView(m.unproject([x, y], z), z, {animate: false});
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      views++;
    }
  }
  return views;
}"""
