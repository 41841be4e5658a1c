"""Synthetic parcel layers for tests and benchmarks: jittered 30 m quads clipped to the district (EPSG:5899)."""

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
    xs = cx + (np.arange(side + 1) - side / 2) * size_m
    ys = cy + (np.arange(side + 1) - side / 2) * size_m
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    gx = gx + rng.uniform(-0.25, 0.25, gx.shape) * size_m
    gy = gy + rng.uniform(-0.25, 0.25, gy.shape) * size_m
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    i, j = i.ravel(), j.ravel()
    corners = np.stack([np.stack([gx[i, j], gy[i, j]], -1), np.stack([gx[i + 1, j], gy[i + 1, j]], -1),
                        np.stack([gx[i + 1, j + 1], gy[i + 1, j + 1]], -1),
                        np.stack([gx[i, j + 1], gy[i, j + 1]], -1)], 1)
    quads = shapely.polygons(corners)
    clipped = shapely.intersection(quads, district)
    keep = ~shapely.is_empty(clipped) & np.isin(shapely.get_type_id(clipped), (3, 6))
    geoms = clipped[keep][:count]
    codes = np.array(["ONT", "LUC", "CLN", "BHK", "NTS"])[rng.integers(0, 5, len(geoms))]
    return gpd.GeoDataFrame({"ma_thua": [f"T{n:06d}" for n in range(1, len(geoms) + 1)], "loai_dat": codes,
                             "dien_tich": np.round(shapely.area(geoms), 1)}, geometry=geoms, crs="EPSG:5899")



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


def overlapping(count: int, size_m: float = 30.0, seed: int = 1) -> gpd.GeoDataFrame:
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
