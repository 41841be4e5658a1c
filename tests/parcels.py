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
