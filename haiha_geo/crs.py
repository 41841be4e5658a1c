"""Coordinates: VN-2000 / TM-3 107°45′ (EPSG:5899) with a pinned datum shift.

PROJ knows two VN-2000 ↔ WGS 84 transformations with the same stated
accuracy; which one it picks may differ between installs. The toolkit pins
**EPSG:6960 "VN-2000 to WGS 84 (2)"**, whose seven parameters are the official
ones of QĐ 05/2007/QĐ-BTNMT (27/02/2007), and writes that choice into every
output (:data:`PROVENANCE`).
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from haiha_geo.errors import CRSError

PLANNING_CRS = "EPSG:5899"
GEOGRAPHIC_CRS = "EPSG:4326"
TRANSFORMATION = "EPSG:6960"

#: WGS 84 (lon, lat in degrees) → EPSG:5899 (E, N in metres), EPSG:6960 parameters (QĐ 05/2007/QĐ-BTNMT).
PIPELINE = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
    "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
    "+step +inv +proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 "
    "+rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 +convention=coordinate_frame "
    "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=tmerc +lat_0=0 +lon_0=107.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
)

PROVENANCE: dict[str, str] = {
    "planning_crs": "EPSG:5899 (VN-2000 / TM-3 107-45, k0 = 0.9999)",
    "transformation": "EPSG:6960 VN-2000 to WGS 84 (2), parameters of QĐ 05/2007/QĐ-BTNMT",
    "pipeline": PIPELINE,
    "area_method": "planimetric area in EPSG:5899",
}

#: Generous bounds (lon/lat, degrees) of Vietnam's land and sea, for plausibility checks.
VIETNAM_BOUNDS = (101.5, 6.0, 118.0, 23.6)


@cache
def _forward() -> Transformer:
    return Transformer.from_pipeline(PIPELINE)


def _apply(geoms: np.ndarray, direction: str) -> np.ndarray:
    def move(coords: np.ndarray) -> np.ndarray:
        x, y = _forward().transform(coords[:, 0], coords[:, 1], direction=direction)
        return np.column_stack([x, y])

    return shapely.transform(geoms, move)


def transform_xy(x, y, src: str = GEOGRAPHIC_CRS, dst: str = PLANNING_CRS) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates between WGS 84 (EPSG:4326, lon/lat) and EPSG:5899 (E/N).

    Examples
    --------
    >>> e, n = transform_xy(107.7525, 21.45167)
    >>> f"{float(e):.3f} {float(n):.3f}"
    '500064.012 2372959.797'
    """
    pair = (_code(src), _code(dst))
    if pair == (GEOGRAPHIC_CRS, PLANNING_CRS):
        direction = "FORWARD"
    elif pair == (PLANNING_CRS, GEOGRAPHIC_CRS):
        direction = "INVERSE"
    elif pair[0] == pair[1]:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    else:
        raise CRSError(f"transform supports {GEOGRAPHIC_CRS} ↔ {PLANNING_CRS} only, not {src} → {dst}")
    ex, ny = _forward().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float), direction=direction)
    return np.asarray(ex), np.asarray(ny)


def _code(crs) -> str:
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError of its own with varied text
        raise CRSError(f"{crs!r} is not a coordinate reference system PROJ understands ({exc})") from None
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_string()


def _is_vn2000(crs: CRS) -> bool:
    datum = crs.datum.name if crs.datum else ""
    return "VN-2000" in datum or "Vietnam 2000" in datum


def require_crs(frame: gpd.GeoDataFrame, what: str = "the layer") -> CRS:
    """Return the CRS of ``frame``, or raise :class:`CRSError` if it has none or is implausible.

    The check is the one QGIS users know as "layer has no CRS" plus a
    plausibility test: the layer's extent, in lon/lat, must lie within
    Vietnam's land and sea.
    """
    if frame.crs is None:
        raise CRSError(f"{what} has no coordinate reference system; declare it (for example EPSG:5899 for "
                       "VN-2000 / TM-3 107°45′, or EPSG:4326 for lon/lat)")
    crs = CRS.from_user_input(frame.crs)
    geoms = frame.geometry.values
    geoms = geoms[~(frame.geometry.isna().to_numpy() | shapely.is_empty(geoms))]
    if len(geoms):
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if crs.is_geographic and (abs(minx) > 180 or abs(maxx) > 180 or abs(miny) > 90 or abs(maxy) > 90):
            raise CRSError(f"{what} declares the geographic CRS {_code(crs)} but its coordinates reach "
                           f"({minx:.0f}, {miny:.0f}): they look like metres; declare the projected CRS they are in")
        lon_lat = _to_wgs84(np.asarray(geoms), crs)
        lminx, lminy, lmaxx, lmaxy = shapely.total_bounds(lon_lat)
        wx0, wy0, wx1, wy1 = VIETNAM_BOUNDS
        if not (wx0 <= lminx and lmaxx <= wx1 and wy0 <= lminy and lmaxy <= wy1):
            raise CRSError(f"{what} in {_code(crs)} lies at lon {lminx:.3f}…{lmaxx:.3f}, lat {lminy:.3f}…{lmaxy:.3f}, "
                           "outside Vietnam: the declared CRS is probably wrong (VN-2000 / TM-3 107°45′ is EPSG:5899)")
    return crs


def _to_wgs84(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    code = _code(crs)
    if code == GEOGRAPHIC_CRS:
        return geoms
    if code == PLANNING_CRS:
        return _apply(geoms, "INVERSE")
    if _is_vn2000(crs):
        return _apply(gpd.GeoSeries(geoms, crs=crs).to_crs(PLANNING_CRS).values, "INVERSE")
    return gpd.GeoSeries(geoms, crs=crs).to_crs(GEOGRAPHIC_CRS).values


def to_planning(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject ``frame`` to EPSG:5899 with the pinned EPSG:6960 datum shift.

    Layers already in a VN-2000 CRS are reprojected without any datum shift.

    Examples
    --------
    >>> from shapely import Point
    >>> pt = gpd.GeoDataFrame(geometry=[Point(107.7525, 21.45167)], crs="EPSG:4326")
    >>> round(float(to_planning(pt).geometry.x.iloc[0]), 3)
    500064.012
    """
    crs = require_crs(frame)
    if _code(crs) == PLANNING_CRS:
        return frame.copy()
    if _is_vn2000(crs):
        return frame.to_crs(PLANNING_CRS)
    geoms = frame.geometry.values if _code(crs) == GEOGRAPHIC_CRS else frame.to_crs(GEOGRAPHIC_CRS).geometry.values
    return _replace_geometry(frame, _apply(np.asarray(geoms), "FORWARD"), PLANNING_CRS)


def to_geographic(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject ``frame`` to EPSG:4326, through the pinned transformation when it is VN-2000."""
    crs = require_crs(frame)
    return _replace_geometry(frame, _to_wgs84(np.asarray(frame.geometry.values), crs), GEOGRAPHIC_CRS)


def _replace_geometry(frame: gpd.GeoDataFrame, geoms: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    name = frame.geometry.name
    series = gpd.GeoSeries(geoms, index=frame.index, crs=crs, name=name)
    return gpd.GeoDataFrame(frame.drop(columns=name), geometry=series, crs=crs)[list(frame.columns)]
