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

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from haiha_geo import geometry
from haiha_geo.crs import GEOGRAPHIC_CRS, PLANNING_CRS, to_geographic, to_planning, transform_xy
from haiha_geo.maps.context import _TITLE_COLUMNS, _cell
from haiha_geo.maps.topology import (
    Rings,
    SimplifyReport,
    Topology,
    assemble,
    count_vertices,
    displacement,
    encode_rings,
    grid_error_m,
)

#: A polygon layer with at least this many features is encoded as shared arcs, drawn on a canvas, with LOD.
LARGE_FEATURES = 1_000
#: The median feature must be at least this many pixels wide before the features are drawn one by one.
DETAIL_PX = 6.0
#: Simplifications of the outline tried (the tolerance halved, the last without simplification).
_OUTLINE_TRIES = 5
#: Decimals of a metre kept when the layer's shared arcs are found in EPSG:5899 (millimetres).
_MM = 3


@dataclass
class Stored:
    """A polygon layer as the page stores it (see :func:`bounded`)."""

    geometries: np.ndarray           # EPSG:4326, exactly the stored points
    report: SimplifyReport
    topology: Topology               # the features' arcs on the page's grid
    objects: list                    # each feature's arc ids, [polygon][ring][arc id]
    median_width_m: float            # square root of the median feature area, m
    originals: np.ndarray            # the input in EPSG:5899
    repaired: int = 0                # features stored from their input (see bounded)


def _lonlat(geoms: np.ndarray) -> np.ndarray:
    return np.asarray(to_geographic(gpd.GeoDataFrame(geometry=geoms, crs=PLANNING_CRS)).geometry.values, dtype=object)


def _back(lonlat: np.ndarray) -> np.ndarray:
    return np.asarray(to_planning(gpd.GeoDataFrame(geometry=lonlat, crs=GEOGRAPHIC_CRS)).geometry.values,
                      dtype=object)


def _simplified_arcs(arcs: Topology, tolerance_m: float, digits: int) -> Topology:
    """Douglas–Peucker on the shared arcs (EPSG:5899, mm) at once, then on the page's lon/lat grid.

    Each arc keeps its end points (where three borders meet) and does not cross itself; a border two
    features share is simplified once, so they still share it. A closed arc left with fewer than four
    points keeps its input points. Arcs that come to cross one another make a feature invalid, which
    :func:`bounded` finds and stores from its input.
    """
    point_arc = np.repeat(np.arange(len(arcs.starts) - 1), np.diff(arcs.starts))
    lines = shapely.linestrings(arcs.points / 10.0 ** arcs.digits, indices=point_arc)
    simple = shapely.simplify(lines, tolerance_m, preserve_topology=True)
    closed = shapely.is_closed(lines) & (shapely.get_num_coordinates(simple) < 4)
    simple[closed] = lines[closed]
    coords, arc = shapely.get_coordinates(simple, return_index=True)
    lon, lat = transform_xy(coords[:, 0], coords[:, 1], PLANNING_CRS, GEOGRAPHIC_CRS)
    grid = np.rint(np.column_stack([lon, lat]) * 10.0 ** digits).astype(np.int64)
    keep = np.r_[True, (arc[1:] != arc[:-1]) | (grid[1:] != grid[:-1]).any(axis=1)]  # points rounded together
    counts = np.bincount(arc[keep], minlength=len(lines))
    return Topology(digits, grid[keep], np.r_[0, np.cumsum(counts)])


def bounded(frame: gpd.GeoDataFrame, tolerance_m: float, digits: int) -> Stored:
    """Simplify polygons so that what the page stores moves no boundary more than ``tolerance_m``.

    The features are cut into shared arcs in EPSG:5899, every arc simplified by Douglas–Peucker (a
    distance bound) at ``tolerance_m`` less the rounding to the page's grid, and rounded to that grid:
    one encoding, whether the polygons form a coverage or overlap. The displacement is then measured on
    the stored features against the input; a feature that is not valid on the grid, or moved more than
    ``tolerance_m``, is stored from its input instead (``make_valid``, then snapped to the grid with
    ``shapely.set_precision``, which keeps it valid), with arcs of its own. So every stored feature is a
    valid polygon (or empty, when it is narrower than the grid) before anything is merged.

    Examples
    --------
    >>> cells = gpd.GeoDataFrame(geometry=[shapely.box(500000, 2.37e6, 500030, 2.37003e6),
    ...     shapely.box(500030, 2.37e6, 500060, 2.37003e6)], crs="EPSG:5899")
    >>> stored = bounded(cells, 20.0, 5)
    >>> stored.report.max_displacement_m <= 20.0, len(stored.topology.arcs)
    (True, 3)
    """
    originals = np.asarray(to_planning(frame).geometry.values, dtype=object)
    coverage = geometry.coverage_is_valid(originals)
    arcs, rings = encode_rings(originals, _MM)
    topo = _simplified_arcs(arcs, max(tolerance_m - grid_error_m(digits), 0.0), digits)
    stored, built = assemble(topo, rings)
    good = built & shapely.is_valid(stored)
    moved = np.zeros(len(stored))
    moved[good] = np.nan_to_num(displacement(originals[good], _back(stored[good])), nan=0.0)
    objects = rings.nested()
    redo = np.flatnonzero(~good | (moved > tolerance_m))
    if len(redo):
        fixed = np.array([geometry.polygonal(g) for g in shapely.make_valid(_lonlat(originals[redo]))], dtype=object)
        fixed = shapely.set_precision(fixed, 10.0 ** -digits)
        own, own_rings = encode_rings(fixed, digits)
        for i, ids in zip(redo.tolist(), own_rings.shifted(topo.extend(own)).nested()):
            objects[i] = ids
        stored[redo] = fixed
        moved[redo] = np.nan_to_num(displacement(originals[redo], _back(fixed)), nan=0.0)
    report = SimplifyReport(float(tolerance_m), count_vertices(originals), topo.vertices,
                            float(moved.max()) if len(moved) else 0.0, coverage_valid=coverage)
    width = float(np.sqrt(np.median(shapely.area(originals)))) if len(originals) else 0.0
    return Stored(stored, report, topo, objects, width, originals, len(redo))


def outline(stored: Stored, tolerance_m: float, digits: int) -> tuple[Topology, Rings, float]:
    """The layer's dissolved outline, simplified within ``tolerance_m``: its arcs, rings and displacement (m).

    A coverage is dissolved from its input (``coverage_union_all``: fast, and the outline is then measured
    against the input's own); any other layer from the stored features, which are valid, so that their
    union never fails (:func:`haiha_geo.geometry.dissolve`). Each part of the outline is simplified on its
    own by Douglas–Peucker in EPSG:5899, rounded to the grid and measured against its part of the union
    with :func:`~haiha_geo.maps.topology.displacement` (an STRtree lookup for long boundaries, not
    pairwise); only a part that moved too far is simplified again, the tolerance halved (Douglas–Peucker
    on a ring with holes can move a hole's ring further). Parts are simplified apart, so two parts
    closer than the tolerance may come to overlap on the page: the outline is a fill, and each part stays
    within the bound. A ring that rounding leaves with fewer than three points (narrower than the grid)
    is not stored.
    """
    exact = shapely.coverage_union_all(stored.originals) if stored.report.coverage_valid else None
    if exact is None or not shapely.is_valid(exact):
        whole = geometry.dissolve(stored.geometries[~shapely.is_empty(stored.geometries)], clean=False)
        exact = _back(np.array([whole], dtype=object))[0]
    parts = shapely.get_parts(exact)
    ring, moved = np.empty(len(parts), dtype=object), np.zeros(len(parts))
    todo, tol = np.arange(len(parts)), max(tolerance_m - grid_error_m(digits), 0.0)
    for _ in range(_OUTLINE_TRIES):
        simple = shapely.simplify(parts[todo], tol, preserve_topology=True)
        ring[todo] = shapely.transform(_lonlat(simple), lambda xy: np.round(xy, digits))  # a part narrower
        moved[todo] = np.nan_to_num(displacement(parts[todo], _back(ring[todo])), nan=0.0)  # than the grid
        todo = todo[moved[todo] > tolerance_m]  # is kept here, dropped below
        if not len(todo):
            break
        tol = tol / 2 if tol > tolerance_m / 8 else 0.0
    kept = ring[~shapely.is_empty(ring)] if len(ring) else ring
    topo, rings = encode_rings([shapely.multipolygons(kept) if len(kept) else shapely.MultiPolygon()], digits)
    return topo, rings, float(moved.max()) if len(moved) else 0.0


def table(frame: gpd.GeoDataFrame, prefix: str) -> dict:
    """Popup texts of many features as columns: ``labels``, per column its ``values`` or ``dict`` + ``codes``.

    A column with few distinct texts (land-use codes) is stored once per text, indexed by ``codes``;
    a missing cell is ``null``. ``titles`` holds the features' titles when a title column
    (``name``, ``ten``, …) names them, else the page numbers them ``prefix #n``.

    Examples
    --------
    >>> frame = gpd.GeoDataFrame({"loai": ["ONT"] * 5}, geometry=[shapely.Point(0, 0)] * 5)
    >>> table(frame, "L")
    {'labels': ['loai'], 'columns': [{'dict': ['ONT'], 'codes': [0, 0, 0, 0, 0]}], 'prefix': 'L'}
    """
    labels, columns = [], []
    for name in [c for c in frame.columns if c != frame.geometry.name]:
        values = [_cell(v) for v in frame[name].tolist()]
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if not distinct:
            continue
        labels.append(str(name))
        if len(distinct) * 4 < len(values):
            index = {v: i for i, v in enumerate(distinct)}
            columns.append({"dict": distinct, "codes": [None if v is None else index[v] for v in values]})
        else:
            columns.append({"values": values})
    out = {"labels": labels, "columns": columns}
    title = next((c for c in _TITLE_COLUMNS if c in frame.columns), None)
    if title is not None:
        return {**out, "titles": [_cell(v) or f"{prefix} #{i + 1}" for i, v in enumerate(frame[title].tolist())]}
    return {**out, "prefix": prefix}
