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

from haiha_geo.errors import CRSError, OptionError, OutsidePlanningAreaError
from haiha_geo.place import place

_PLACE = place()  # the planning CRS is read once, when this module is imported

PLANNING_CRS = _PLACE.planning_crs
GEOGRAPHIC_CRS = _PLACE.geographic_crs
TRANSFORMATION = _PLACE.transformation

#: WGS 84 (lon, lat in degrees) → planning CRS (E, N in metres), with the pinned datum shift (boundaries/place.toml).
PIPELINE = _PLACE.pipeline

PROVENANCE: dict[str, str] = {
    "planning_crs": f"{PLANNING_CRS} ({_PLACE.planning_name}, k0 = {_PLACE.projection['k']:g})",
    "transformation": f"{TRANSFORMATION} {_PLACE.transformation_name}, parameters of {_PLACE.transformation_basis}",
    "pipeline": PIPELINE,
    "area_method": f"planimetric area in {PLANNING_CRS}",
}

#: Generous bounds (lon/lat, degrees) of Vietnam's land and sea, for plausibility checks.
VIETNAM_BOUNDS = (101.5, 6.0, 118.0, 23.6)
#: Bounds (lon/lat, degrees) of the planning area, and the margin a layer must come within (boundaries/place.toml).
PLANNING_AREA_BOUNDS = _PLACE.bounds
PLANNING_MARGIN_DEG = _PLACE.margin_deg
#: Most coordinates a plausibility check transforms (the extremes plus an even sample of vertices).
SAMPLE_SIZE = 1000
#: CRSs a layer of the planning area is likely to be in, tried (in this order) to suggest the right one.
LIKELY_CRS: tuple[str, ...] = _PLACE.likely_crs

_CRS_EXAMPLE = f"for example {PLANNING_CRS} ({_PLACE.planning_name}, the planning CRS) or EPSG:4326 (lon/lat)"


@cache
def parse_crs(text, option: str = "CRS") -> CRS:
    """Return the :class:`pyproj.CRS` named by ``text``, or raise :class:`CRSError` naming it.

    ``option`` names where the text came from (``--crs``, ``crs=``) in the message.

    Examples
    --------
    >>> parse_crs("EPSG:5899").name
    'VN-2000 / TM-3 107-45'
    >>> parse_crs("banana", "--crs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.CRSError: --crs 'banana' is not a coordinate reference system; give an EPSG code, ...
    """
    if isinstance(text, CRS):
        return text
    if not isinstance(text, (str, int)) or not str(text).strip():
        raise CRSError(f"{option} {text!r} is empty or not a coordinate reference system; give an EPSG code, "
                       f"{_CRS_EXAMPLE}")
    try:
        return CRS.from_user_input(text.strip() if isinstance(text, str) else text)
    except Exception:  # pyproj's own CRSError, with PROJ's wording
        raise CRSError(f"{option} {text!r} is not a coordinate reference system; give an EPSG code, "
                       f"{_CRS_EXAMPLE}") from None


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

    Parameters
    ----------
    x, y : float or array-like
        Longitude and latitude (degrees), or easting and northing (metres).
    src, dst : str
        The CRS of the input and of the output: EPSG:4326 or EPSG:5899.

    Returns
    -------
    tuple of numpy.ndarray
        The transformed ``(x, y)``, through the pinned EPSG:6960 datum shift.

    Raises
    ------
    CRSError
        Text that names no CRS, or a pair other than EPSG:4326 ↔ EPSG:5899.
    OptionError
        A coordinate that is not a finite number.

    Examples
    --------
    >>> e, n = transform_xy(107.7525, 21.45167)
    >>> f"{float(e):.3f} {float(n):.3f}"
    '500064.012 2372959.797'
    """
    pair = (_code(parse_crs(src, "source CRS")), _code(parse_crs(dst, "target CRS")))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise OptionError(f"coordinates must be finite numbers, not x={x.tolist()!r} y={y.tolist()!r}; "
                          "give lon/lat in degrees or easting/northing in metres")
    if pair == (GEOGRAPHIC_CRS, PLANNING_CRS):
        direction = "FORWARD"
    elif pair == (PLANNING_CRS, GEOGRAPHIC_CRS):
        direction = "INVERSE"
    elif pair[0] == pair[1]:
        return x, y
    else:
        raise CRSError(f"transform supports {GEOGRAPHIC_CRS} ↔ {PLANNING_CRS} only, not {src} → {dst}")
    ex, ny = _forward().transform(x, y, direction=direction)
    return np.asarray(ex), np.asarray(ny)


def _code(crs) -> str:
    parsed = parse_crs(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_string()


def _is_vn2000(crs: CRS) -> bool:
    datum = crs.datum.name if crs.datum else ""
    return "VN-2000" in datum or "Vietnam 2000" in datum


def require_crs(frame: gpd.GeoDataFrame, what: str = "the layer") -> CRS:
    """Return the CRS of ``frame``, or raise :class:`CRSError` if it has none or is implausible.

    The check is the one QGIS users know as "layer has no CRS" plus a
    plausibility test on a bounded sample of vertices (:func:`lonlat_extent`):
    read in the declared CRS, the layer must touch the planning area
    (:data:`PLANNING_AREA_BOUNDS` plus :data:`PLANNING_MARGIN_DEG`) and lie
    within Vietnam's land and sea. Otherwise the message says where the layer
    lies and which CRS its coordinates fit (:func:`likely_crs`).

    Examples
    --------
    >>> from shapely import Point
    >>> utm = gpd.GeoDataFrame(geometry=[Point(785000, 2375000)], crs="EPSG:5899")  # really UTM 48N
    >>> require_crs(utm, "zone.gpkg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OutsidePlanningAreaError: zone.gpkg ... EPSG:32648 (WGS 84 / UTM zone 48N)...
    """
    if frame.crs is None:
        raise CRSError(f"{what} has no coordinate reference system; declare it ({_CRS_EXAMPLE})"
                       + crs_advice(_sample(frame.geometry.values)))
    crs = parse_crs(frame.crs)
    sample = _sample(frame.geometry.values)
    if len(sample):
        problem, error = _implausible(sample, crs)
        if problem:
            raise error(f"{what} is declared in {_describe(crs)} but, read in it, {problem}: that CRS is probably "
                           f"wrong" + crs_advice(sample, declared=crs))
    return crs


def _sample(geoms: np.ndarray) -> np.ndarray:
    """The extreme vertices and an even sample of at most :data:`SAMPLE_SIZE` vertices, as an (n, 2) array.

    Only the features holding the layer's extreme bounds and an even sample of
    the others are read vertex by vertex, so the cost grows with the number
    of features (one vectorised ``bounds``), not with their vertices.
    """
    geoms = np.asarray(geoms)
    if len(geoms) > SAMPLE_SIZE:
        even = np.linspace(0, len(geoms) - 1, SAMPLE_SIZE).astype(int)
        geoms = geoms[np.unique(np.concatenate([_extreme_features(geoms), even]))]
    geoms = geoms[~shapely.is_missing(geoms)]
    coords = shapely.get_coordinates(geoms)
    if len(coords) <= SAMPLE_SIZE:
        return coords
    extremes = np.concatenate([coords.argmin(axis=0), coords.argmax(axis=0)])
    even = np.linspace(0, len(coords) - 1, SAMPLE_SIZE - 4).astype(int)
    return coords[np.concatenate([extremes, even])]


#: Features whose bounds are held in memory at once while the extreme ones are sought.
_BOUNDS_BLOCK = 65_536


def _extreme_features(geoms: np.ndarray) -> np.ndarray:
    """Indices of the features holding the smallest x and y and the largest x and y, read block by block."""
    best, where = np.full(4, np.inf), np.zeros(4, dtype=int)
    sign = np.array([1.0, 1.0, -1.0, -1.0])  # the largest x and y are the smallest -x and -y
    for start in range(0, len(geoms), _BOUNDS_BLOCK):
        signed = shapely.bounds(geoms[start:start + _BOUNDS_BLOCK]) * sign
        signed[np.isnan(signed)] = np.inf  # missing and empty features
        at = signed.argmin(axis=0)
        value = signed[at, np.arange(4)]
        better = value < best
        best[better], where[better] = value[better], start + at[better]
    return where


def lonlat_extent(coords: np.ndarray, crs) -> tuple[float, float, float, float] | None:
    """Return (min lon, min lat, max lon, max lat) of ``coords`` read in ``crs``; None if they do not fit it.

    Examples
    --------
    >>> [round(v, 2) for v in lonlat_extent(np.array([[500064.012, 2372959.797]]), "EPSG:5899")]
    [107.75, 21.45, 107.75, 21.45]
    """
    crs = parse_crs(crs)
    x, y = np.asarray(coords, dtype=float)[:, 0], np.asarray(coords, dtype=float)[:, 1]
    if crs.is_geographic and not (np.abs(x).max() <= 180 and np.abs(y).max() <= 90):
        return None
    code = _code(crs)
    with np.errstate(all="ignore"):
        if code == GEOGRAPHIC_CRS:
            lon, lat = x, y
        elif code == PLANNING_CRS:
            lon, lat = _forward().transform(x, y, direction="INVERSE")
        else:
            lon, lat = _to_lonlat(crs).transform(x, y)
    lon, lat = np.asarray(lon), np.asarray(lat)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


@cache
def _to_lonlat(crs: CRS) -> Transformer:
    return Transformer.from_crs(crs, GEOGRAPHIC_CRS, always_xy=True)


def _touches_planning_area(extent) -> bool:
    x0, y0, x1, y1 = PLANNING_AREA_BOUNDS
    m = PLANNING_MARGIN_DEG
    return extent[0] <= x1 + m and extent[2] >= x0 - m and extent[1] <= y1 + m and extent[3] >= y0 - m


def _implausible(coords: np.ndarray, crs: CRS) -> tuple[str | None, type[CRSError]]:
    extent = lonlat_extent(coords, crs)
    if extent is None:
        x0, y0 = coords.min(axis=0)
        x1, y1 = coords.max(axis=0)
        return (f"its coordinates run {x0:,.0f}…{x1:,.0f} / {y0:,.0f}…{y1:,.0f}, which are not degrees (they look "
                "like metres)"), CRSError
    where = (f"lies at lon {extent[0]:.1f}…{extent[2]:.1f}, lat {extent[1]:.1f}…{extent[3]:.1f}")
    wx0, wy0, wx1, wy1 = VIETNAM_BOUNDS
    if not (wx0 <= extent[0] and extent[2] <= wx1 and wy0 <= extent[1] and extent[3] <= wy1):
        return f"{where}, outside Vietnam", CRSError
    if not _touches_planning_area(extent):
        b = PLANNING_AREA_BOUNDS
        return (f"{where}, outside {_PLACE.name} {_PLACE.kind_en} "
                f"(lon {b[0]:.1f}…{b[2]:.1f}, lat {b[1]:.1f}…{b[3]:.1f})",
                OutsidePlanningAreaError)
    return None, CRSError


def likely_crs(coords: np.ndarray, exclude=None) -> list[str]:
    """Return up to three :data:`LIKELY_CRS` in which ``coords`` touch the planning area, best first.

    A fit found only with x and y swapped is returned as ``"CODE with x/y swapped"``.

    Examples
    --------
    >>> likely_crs(np.array([[785000.0, 2375000.0]]))[0]
    'EPSG:32648 (WGS 84 / UTM zone 48N)'
    >>> likely_crs(np.array([[21.45, 107.75]]))[0]
    'EPSG:4326 with x/y swapped'
    """
    centre = np.array([(PLANNING_AREA_BOUNDS[0] + PLANNING_AREA_BOUNDS[2]) / 2,
                       (PLANNING_AREA_BOUNDS[1] + PLANNING_AREA_BOUNDS[3]) / 2])
    skip = parse_crs(exclude) if exclude is not None else None
    found = []
    for swapped, points in ((False, coords), (True, coords[:, ::-1])):
        for code in LIKELY_CRS:
            crs = parse_crs(code)
            if crs == skip and not swapped:
                continue
            extent = lonlat_extent(points, crs)
            if extent is not None and _touches_planning_area(extent):
                mid = np.array([(extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2])
                label = f"{code} with x/y swapped" if swapped else f"{code} ({crs.name})"
                found.append((swapped, float(np.hypot(*(mid - centre))), label))
    return [label for *_, label in sorted(found)[:3]]


def crs_advice(coords: np.ndarray, *, declared=None) -> str:
    """The tail of a CRS error: which CRS the coordinates fit and how to give it.

    ``declared`` is the CRS the file itself declares (then the fix is in the
    file, since a declared CRS is never overridden), or None.
    """
    if not len(coords):
        return ""
    fits = likely_crs(coords, declared)
    if not fits:
        return (f"; they fit none of the CRSs usual for {_PLACE.name} (VN-2000 zones, WGS 84 UTM 48N/49N, lon/lat): "
                "check that this is the right file")
    if fits[0].endswith("swapped"):
        return ("; they fit lon/lat with x and y swapped (latitude written first): swap them in the file "
                "(QGIS: Processing ▸ Swap X and Y coordinates)")
    fits = [f for f in fits if not f.endswith("swapped")]
    how = ("set the file's CRS to the one it was made in (QGIS: Layer ▸ Set Layer CRS, then Export ▸ Save "
           "Features As)" if declared is not None else "give the one it was made in with --crs (crs= in Python)")
    return f"; the coordinates fit {' or '.join(fits)}: {how}"


def _describe(crs: CRS) -> str:
    return f"{_code(crs)} ({crs.name})"


def _to_wgs84(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    code = _code(crs)
    if code == GEOGRAPHIC_CRS:
        return geoms
    if code == PLANNING_CRS:
        return _apply(geoms, "INVERSE")
    if _is_vn2000(crs):
        return _apply(gpd.GeoSeries(geoms, crs=crs).to_crs(PLANNING_CRS).values, "INVERSE")
    return gpd.GeoSeries(geoms, crs=crs).to_crs(GEOGRAPHIC_CRS).values


def to_planning(frame: gpd.GeoDataFrame, crs: str | None = None, *, copy: bool = True) -> gpd.GeoDataFrame:
    """Reproject ``frame`` to EPSG:5899 with the pinned EPSG:6960 datum shift.

    Layers already in a VN-2000 CRS are reprojected without any datum shift.
    ``crs`` is assumed when ``frame`` declares none (it never overrides one);
    text that names no CRS raises :class:`CRSError`.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Any layer with a CRS (or with ``crs`` given).
    crs : str, optional
        The CRS to assume when ``frame`` declares none.
    copy : bool
        ``False`` returns ``frame`` itself when it is in EPSG:5899 already
        (for a frame the caller owns: no copy of a million geometries).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:5899, columns and index unchanged.

    Examples
    --------
    >>> from shapely import Point
    >>> pt = gpd.GeoDataFrame(geometry=[Point(107.7525, 21.45167)], crs="EPSG:4326")
    >>> round(float(to_planning(pt).geometry.x.iloc[0]), 3)
    500064.012
    """
    if crs is not None:
        assumed = parse_crs(crs, "crs=")
        if frame.crs is None:
            frame = frame.set_crs(assumed)
    crs = require_crs(frame)
    if _code(crs) == PLANNING_CRS:
        return frame.copy() if copy else frame
    if _is_vn2000(crs):
        return frame.to_crs(PLANNING_CRS)
    geoms = frame.geometry.values if _code(crs) == GEOGRAPHIC_CRS else frame.to_crs(GEOGRAPHIC_CRS).geometry.values
    return _replace_geometry(frame, _apply(np.asarray(geoms), "FORWARD"), PLANNING_CRS)


def to_geographic(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject ``frame`` to EPSG:4326, through the pinned transformation when it is VN-2000.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        A layer with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326, columns and index unchanged.

    Examples
    --------
    >>> from shapely import Point
    >>> pt = gpd.GeoDataFrame(geometry=[Point(500064.012, 2372959.797)], crs="EPSG:5899")
    >>> round(float(to_geographic(pt).geometry.x.iloc[0]), 6)
    107.7525
    """
    crs = require_crs(frame)
    return _replace_geometry(frame, _to_wgs84(np.asarray(frame.geometry.values), crs), GEOGRAPHIC_CRS)


def _replace_geometry(frame: gpd.GeoDataFrame, geoms: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    name = frame.geometry.name
    series = gpd.GeoSeries(geoms, index=frame.index, crs=crs, name=name)
    return gpd.GeoDataFrame(frame.drop(columns=name), geometry=series, crs=crs)[list(frame.columns)]
