"""Coverage simplification and a compact shared-arc encoding for map layers.

The eras of Hải Hà are one coverage hierarchy: every unit of every era is a
union of *atoms* (the pieces of the 2019 units, with Quảng Long cut by the
2025 split). The atoms are simplified once, as a coverage, in EPSG:5899, and
every era is dissolved from the simplified atoms, so a border two eras share
is the same line in both and no gaps or overlaps appear.

The simplified rings are then cut into *arcs* at the points where three or
more borders meet; each arc is stored once, quantised to a grid chosen from
the tolerance and delta-encoded (TopoJSON's scheme with flat coordinate
lists). A border shared by two units, or by three eras, costs one arc.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from tqdm import tqdm

from haiha_geo.crs import PLANNING_CRS, to_geographic, to_planning
from haiha_geo.errors import GeometryError

#: Default largest displacement (m) of a simplified boundary: district scale (1:50 000 and smaller).
DEFAULT_TOLERANCE_M = 20.0
#: Metres per degree of latitude (rounded down), used to pick the quantisation grid.
_M_PER_DEG = 110_574.0
#: A user layer with at least this many vertices shows a progress bar while it is simplified (on a terminal).
PROGRESS_VERTICES = 200_000
#: Features simplified and measured per progress step.
_CHUNK = 2_000


@dataclass
class SimplifyReport:
    """What simplification did to one layer (figures the page and the CLI report)."""

    tolerance_m: float
    vertices_before: int
    vertices_after: int
    max_displacement_m: float
    coverage_valid: bool = True
    per_unit_m: dict[str, float] = field(default_factory=dict)


def grid_digits(tolerance_m: float) -> int:
    """Decimal digits of longitude/latitude kept for a given simplification tolerance.

    The grid is the coarsest power of ten whose step is at most a tenth of the
    tolerance, so rounding adds at most about 5 % of the tolerance.

    Examples
    --------
    >>> grid_digits(20.0), grid_digits(5.0), grid_digits(1.0)
    (5, 6, 7)
    """
    if not tolerance_m > 0:
        raise GeometryError(f"simplification tolerance must be positive metres, not {tolerance_m!r}")
    return max(0, math.ceil(math.log10(_M_PER_DEG * 10 / tolerance_m)))


def count_vertices(geoms: Iterable[shapely.Geometry]) -> int:
    """Number of coordinates of ``geoms``.

    Examples
    --------
    >>> count_vertices([shapely.box(0, 0, 1, 1)])
    5
    """
    return int(shapely.get_num_coordinates(np.asarray(list(geoms), dtype=object)).sum())


def displacement(before: Sequence[shapely.Geometry], after: Sequence[shapely.Geometry]) -> np.ndarray:
    """Hausdorff distance between the boundaries of paired geometries (in their CRS units).

    Examples
    --------
    >>> float(displacement([shapely.box(0, 0, 10, 10)], [shapely.box(0, 0, 10, 12)])[0])
    2.0
    """
    b = shapely.boundary(np.asarray(before, dtype=object))
    a = shapely.boundary(np.asarray(after, dtype=object))
    return shapely.hausdorff_distance(b, a, densify=0.25)


def simplify_hierarchy(atoms: gpd.GeoDataFrame, levels: Sequence[str], tolerance_m: float
                       ) -> tuple[dict[str, dict[str, shapely.Geometry]], SimplifyReport]:
    """Simplify a coverage of atoms and dissolve it into each level's units.

    Parameters
    ----------
    atoms : GeoDataFrame
        A valid polygon coverage; column ``level`` of each row names the unit
        of that level the atom belongs to.
    levels : sequence of str
        Columns of ``atoms`` to dissolve by (for example ``unit_2019``).
    tolerance_m : float
        Largest boundary displacement allowed, in metres. The coverage
        tolerance is halved until every unit of every level stays within it.

    Returns
    -------
    units : dict
        ``{level: {unit: geometry in EPSG:5899}}``.
    report : SimplifyReport

    Examples
    --------
    >>> cells = gpd.GeoDataFrame({"a": ["x", "y"], "b": ["z", "z"]},
    ...     geometry=[shapely.box(500000, 2.37e6, 501000, 2.371e6), shapely.box(501000, 2.37e6, 502000, 2.371e6)],
    ...     crs="EPSG:5899")
    >>> units, report = simplify_hierarchy(cells, ["a", "b"], 20.0)
    >>> sorted(units["b"]), report.max_displacement_m
    (['z'], 0.0)
    """
    planning = to_planning(atoms) if atoms.crs and atoms.crs.to_string() != PLANNING_CRS else atoms
    geoms = np.asarray(planning.geometry.values, dtype=object)
    originals = {lv: _dissolve(geoms, planning[lv].to_numpy()) for lv in levels}
    tol = float(tolerance_m)
    for _ in range(12):
        simple = shapely.coverage_simplify(geoms, tol) if tol > 0 else geoms
        dissolved = {lv: _dissolve(simple, planning[lv].to_numpy()) for lv in levels}
        per_unit = {f"{lv}:{u}": float(displacement([originals[lv][u]], [g])[0])
                    for lv in levels for u, g in dissolved[lv].items()}
        worst = max(per_unit.values(), default=0.0)
        if worst <= tolerance_m:
            break
        tol /= 2
    report = SimplifyReport(
        tolerance_m=float(tolerance_m),
        vertices_before=sum(count_vertices(originals[lv].values()) for lv in levels),
        vertices_after=sum(count_vertices(dissolved[lv].values()) for lv in levels),
        max_displacement_m=worst,
        coverage_valid=bool(shapely.coverage_is_valid(simple)),
        per_unit_m=per_unit,
    )
    return dissolved, report


def _dissolve(geoms: np.ndarray, keys: np.ndarray) -> dict[str, shapely.Geometry]:
    out: dict[str, shapely.Geometry] = {}
    for key in dict.fromkeys(keys):
        out[str(key)] = shapely.coverage_union_all(geoms[keys == key])
    return out


def simplify_layer(frame: gpd.GeoDataFrame, tolerance_m: float) -> tuple[gpd.GeoDataFrame, SimplifyReport]:
    """Simplify any layer: polygons as a coverage when they form one, lines per feature, points untouched.

    Returns the layer in EPSG:4326 and the report. A layer of
    :data:`PROGRESS_VERTICES` or more shows a progress bar (tqdm) on stderr
    when stderr is a terminal, and nothing otherwise.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(107.75, 21.45)], crs="EPSG:4326")
    >>> simplify_layer(pts, 20.0)[1].max_displacement_m
    0.0
    """
    planning = to_planning(frame)
    geoms = np.asarray(planning.geometry.values, dtype=object)
    before = count_vertices(geoms)
    coverage = np.isin(shapely.get_type_id(geoms), (3, 6)).all() and shapely.coverage_is_valid(geoms)
    # a coverage is simplified in one call (its shared borders must stay shared); features one chunk at a time
    simple = shapely.coverage_simplify(geoms, tolerance_m) if coverage else np.empty(len(geoms), dtype=object)
    moved = np.zeros(len(geoms))
    with tqdm(total=len(geoms), desc="simplifying layer", unit="feature", file=sys.stderr, leave=False,
              disable=None if before >= PROGRESS_VERTICES else True) as bar:  # None: shown on a terminal only
        for start in range(0, len(geoms), _CHUNK):
            part = slice(start, start + _CHUNK)
            if not coverage:
                simple[part] = shapely.simplify(geoms[part], tolerance_m, preserve_topology=True)
            moved[part] = np.nan_to_num(displacement(geoms[part], simple[part]), nan=0.0)  # points: no boundary
            bar.update(len(geoms[part]))
    report = SimplifyReport(tolerance_m, before, count_vertices(simple), float(moved.max()) if len(moved) else 0.0)
    planning = planning.set_geometry(gpd.GeoSeries(simple, index=planning.index, crs=PLANNING_CRS))
    return to_geographic(planning), report


# ---- shared-arc encoding --------------------------------------------------------------------------------

Point = tuple[int, int]


@dataclass
class Topology:
    """Quantised rings cut into shared arcs; see :func:`encode`."""

    digits: int
    arcs: list[list[Point]] = field(default_factory=list)
    _index: dict[tuple[Point, ...], int] = field(default_factory=dict)

    def arc_id(self, points: list[Point]) -> int:
        """Return the id of the arc through ``points`` (``~id`` when stored reversed), adding it if new."""
        key = tuple(points)
        if key in self._index:
            return self._index[key]
        rev = key[::-1]
        if rev in self._index:
            return ~self._index[rev]
        self._index[key] = len(self.arcs)
        self.arcs.append(points)
        return len(self.arcs) - 1

    def to_json(self, chained: bool = False) -> dict:
        """The ``arcs`` and ``transform`` members of the page's topology (flat delta-encoded arcs).

        ``chained``: each arc's first point is a delta from the previous arc's last point (``"chained":
        true``; arcs of neighbouring parcels follow one another, so the deltas stay small).
        """
        scale = 10.0 ** -self.digits
        flat_arcs = []
        px, py = 0, 0
        for arc in self.arcs:
            flat = []
            if not chained:
                px, py = 0, 0
            for x, y in arc:
                flat += [x - px, y - py]
                px, py = x, y
            flat_arcs.append(flat)
        out = {"transform": {"scale": [scale, scale], "translate": [0, 0]}, "arcs": flat_arcs}
        return {**out, "chained": True} if chained else out

    @property
    def vertices(self) -> int:
        """Number of stored points (every arc's points, shared borders once)."""
        return sum(len(a) for a in self.arcs)


def quantise_rings(geom: shapely.Geometry, digits: int) -> list[list[list[Point]]]:
    """Polygons of ``geom`` as lists of closed rings of integer grid points (consecutive repeats removed).

    Examples
    --------
    >>> quantise_rings(shapely.box(107.1, 21.1, 107.2, 21.2), 1)
    [[[(1072, 211), (1072, 212), (1071, 212), (1071, 211), (1072, 211)]]]
    """
    polygons = []
    for poly in shapely.get_parts(geom):
        rings = []
        for ring in [poly.exterior, *poly.interiors]:
            pts = np.round(np.asarray(ring.coords)[:, :2] * 10 ** digits).astype(np.int64)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = (pts[1:] != pts[:-1]).any(axis=1)
            pts = [(int(x), int(y)) for x, y in pts[keep]]
            if len(pts) >= 4:
                rings.append(pts)
        if rings:
            polygons.append(rings)
    return polygons


def _junctions(rings: Iterable[list[Point]]) -> set[Point]:
    neighbours: dict[Point, set[Point]] = {}
    for ring in rings:
        for a, b in itertools.pairwise(ring):
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
    return {p for p, ns in neighbours.items() if len(ns) != 2}


def _cut_ring(ring: list[Point], junctions: set[Point]) -> list[list[Point]]:
    body = ring[:-1]
    starts = [i for i, p in enumerate(body) if p in junctions]
    if not starts:
        start = body.index(min(body))
        rotated = body[start:] + body[:start]
        return [[*rotated, rotated[0]]]
    rotated = body[starts[0]:] + body[:starts[0]]
    rotated.append(rotated[0])
    pieces, current = [], [rotated[0]]
    for p in rotated[1:]:
        current.append(p)
        if p in junctions:
            pieces.append(current)
            current = [p]
    return pieces


def encode(geometries: dict[str, Sequence[shapely.Geometry]], digits: int) -> tuple[Topology, dict[str, list]]:
    """Encode named lists of polygonal geometries (EPSG:4326) as shared arcs.

    Returns the topology and, for each name, one arc-index structure per
    geometry (``[polygon][ring][arc id]``) in input order.

    Examples
    --------
    >>> a, b = shapely.box(107.0, 21.0, 107.1, 21.1), shapely.box(107.1, 21.0, 107.2, 21.1)
    >>> topo, objects = encode({"x": [a, b]}, 1)
    >>> len(topo.arcs), objects["x"][1]
    (3, [[[-1, 2]]])
    """
    quantised = {name: [quantise_rings(g, digits) for g in geoms] for name, geoms in geometries.items()}
    all_rings = (ring for polys in quantised.values() for polygons in polys for rings in polygons for ring in rings)
    junctions = _junctions(all_rings)
    topo = Topology(digits)
    objects = {
        name: [[[[topo.arc_id(piece) for piece in _cut_ring(ring, junctions)] for ring in rings]
                for rings in polygons] for polygons in polys]
        for name, polys in quantised.items()
    }
    return topo, objects


def decode(topo: Topology, arc_ids: list) -> shapely.Geometry:
    """Rebuild a geometry (EPSG:4326) from its arc ids; the inverse of :func:`encode` (used in tests).

    Examples
    --------
    >>> box = shapely.box(107.0, 21.0, 107.1, 21.1)
    >>> topo, objects = encode({"x": [box]}, 1)
    >>> decode(topo, objects["x"][0]).equals(box)
    True
    """
    unit = 10 ** topo.digits
    polygons = []
    for rings in arc_ids:
        coords = []
        for ring in rings:
            pts: list[Point] = []
            for i in ring:
                arc = topo.arcs[~i][::-1] if i < 0 else topo.arcs[i]
                pts += arc[1:] if pts else arc
            coords.append([(x / unit, y / unit) for x, y in pts])
        polygons.append(shapely.Polygon(coords[0], coords[1:]))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
