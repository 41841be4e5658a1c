"""User polygon layers at parcel scale: a displacement bound that holds, shared arcs, canvas and level of detail.

A user layer is simplified in EPSG:5899 (as one coverage when its polygons
form one, else feature by feature), rounded to the page's grid, and its
largest displacement is measured on what the page stores: the rounded (and,
for large layers, decoded) boundaries, back in EPSG:5899, against the
unsimplified input. While that exceeds the tolerance the simplification
tolerance is halved (``shapely.coverage_simplify`` is Visvalingam–Whyatt, an
area rule, so its tolerance alone is no distance bound).

A polygon layer of :data:`LARGE_FEATURES` features or more is stored as
quantised shared arcs (:func:`haiha_geo.maps.topology.encode`; parcels share
edges, so each edge is stored once), drawn on a canvas, and follows the
**level-of-detail rule**: below zoom ``detailZoom`` (the zoom from which the
median feature is :data:`DETAIL_PX` pixels wide, see
:func:`haiha_geo.maps.context.label_min_zoom`) the page draws the layer's
dissolved outline only; from that zoom on it draws the features in view.
The page keeps no Leaflet object per feature: the arcs are decoded once into
typed arrays, the features' bounds put in a grid, and one canvas draws the
features that meet the view after each move, so the tab's memory does not
grow with the part of the layer visited. Clicks and hovers over a feature
are its own even above the era fills; the search box finds features by their
popup texts.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from haiha_geo.crs import PLANNING_CRS, to_geographic, to_planning
from haiha_geo.maps.topology import SimplifyReport, count_vertices, decode, displacement, encode

#: A polygon layer with at least this many features is encoded as shared arcs, drawn on a canvas, with LOD.
LARGE_FEATURES = 1_000
#: The median feature must be at least this many pixels wide before the features are drawn one by one.
DETAIL_PX = 6.0
#: Halvings of the simplification tolerance tried before the input itself is stored.
_HALVINGS = 8


def _simplify(geoms: np.ndarray, tol: float, coverage: bool) -> np.ndarray:
    if tol <= 0:
        return geoms
    if coverage:
        return shapely.coverage_simplify(geoms, tol)
    return shapely.simplify(geoms, tol, preserve_topology=True)


def _rounded(planning: np.ndarray, digits: int) -> np.ndarray:
    """``planning`` geometries in EPSG:4326 rounded to ``digits`` (what the page stores)."""
    frame = gpd.GeoDataFrame(geometry=planning, crs=PLANNING_CRS)
    lonlat = np.asarray(to_geographic(frame).geometry.values, dtype=object)
    return shapely.transform(lonlat, lambda xy: np.round(xy, digits))


def _back(lonlat: np.ndarray) -> np.ndarray:
    return np.asarray(to_planning(gpd.GeoDataFrame(geometry=lonlat, crs="EPSG:4326")).geometry.values, dtype=object)


def bounded(frame: gpd.GeoDataFrame, tolerance_m: float, digits: int, *, encode_arcs: bool):
    """Simplify polygons so that what the page stores moves no boundary more than ``tolerance_m``.

    Returns ``(stored, report, topology, arc_ids)``: the stored geometries in
    EPSG:4326, the report (displacement measured on them, in EPSG:5899), and,
    when ``encode_arcs``, the topology and each feature's arc ids (else
    ``None, None``).

    Examples
    --------
    >>> cells = gpd.GeoDataFrame(geometry=[shapely.box(500000, 2.37e6, 500030, 2.37003e6),
    ...     shapely.box(500030, 2.37e6, 500060, 2.37003e6)], crs="EPSG:5899")
    >>> stored, report, topo, ids = bounded(cells, 20.0, 5, encode_arcs=True)
    >>> report.max_displacement_m <= 20.0, len(topo.arcs)
    (True, 3)
    """
    originals = np.asarray(to_planning(frame).geometry.values, dtype=object)
    coverage = bool(shapely.coverage_is_valid(originals))
    tol, topo, arc_ids = float(tolerance_m), None, None
    for attempt in range(_HALVINGS + 1):
        simple = _simplify(originals, tol if attempt < _HALVINGS else 0.0, coverage)
        stored = _rounded(simple, digits)
        if encode_arcs:
            topo, objects = encode({"f": list(stored)}, digits)
            arc_ids = objects["f"]
            stored = np.asarray([decode(topo, a) for a in arc_ids], dtype=object)
        moved = np.nan_to_num(displacement(originals, _back(stored)), nan=0.0)
        worst = float(moved.max()) if len(moved) else 0.0
        if worst <= tolerance_m:
            break
        tol /= 2
    report = SimplifyReport(float(tolerance_m), count_vertices(originals), count_vertices(stored), worst,
                            coverage_valid=coverage)
    return stored, report, topo, arc_ids


def outline(stored: np.ndarray, tolerance_m: float, digits: int) -> tuple[shapely.Geometry, float]:
    """The layer's dissolved outline (EPSG:4326, simplified within ``tolerance_m``) and its displacement in metres."""
    whole = shapely.union_all(_back(stored), grid_size=None)
    originals = np.asarray([whole], dtype=object)
    tol = float(tolerance_m)
    for _ in range(_HALVINGS):
        simple = _rounded(shapely.simplify(originals, tol, preserve_topology=True), digits)
        worst = float(displacement(originals, _back(simple))[0])
        if worst <= tolerance_m:
            return simple[0], worst
        tol /= 2
    return _rounded(originals, digits)[0], 0.0


def median_width_m(stored: np.ndarray) -> float:
    """Square root of the median feature area (m), in EPSG:5899."""
    return float(np.sqrt(np.median(shapely.area(_back(stored)))))


def table(features: list[dict]) -> dict:
    """Popup texts of many features as columns: ``labels``, per column its ``values`` or ``dict`` + ``codes``.

    A column with few distinct texts (land-use codes) is stored once per text, indexed by ``codes``;
    a missing cell is ``null``. ``titles`` holds the features' titles when they are not ``prefix #n``.

    Examples
    --------
    >>> f = [{"properties": {"title": f"L #{i}", "rows": [["loai", "ONT"]]}} for i in range(1, 6)]
    >>> table(f)
    {'labels': ['loai'], 'columns': [{'dict': ['ONT'], 'codes': [0, 0, 0, 0, 0]}], 'prefix': 'L'}
    """
    rows = [dict(f["properties"]["rows"]) for f in features]
    labels = list(dict.fromkeys(label for r in rows for label in r))
    columns = []
    for label in labels:
        values = [r.get(label) for r in rows]
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if len(distinct) * 4 < len(values):
            index = {v: i for i, v in enumerate(distinct)}
            columns.append({"dict": distinct, "codes": [None if v is None else index[v] for v in values]})
        else:
            columns.append({"values": values})
    titles = [f["properties"]["title"] for f in features]
    prefix = titles[0].rsplit(" #", 1)[0] if titles else ""
    out = {"labels": labels, "columns": columns}
    if titles != [f"{prefix} #{i + 1}" for i in range(len(titles))]:
        return {**out, "titles": titles}
    return {**out, "prefix": prefix}
