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
import os
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from tqdm import tqdm

from haiha_geo.crs import PLANNING_CRS, to_geographic, to_planning
from haiha_geo.errors import GeometryError
from haiha_geo.geometry import threaded

#: Default largest displacement (m) of a simplified boundary: district scale (1:50 000 and smaller).
DEFAULT_TOLERANCE_M = 20.0
#: Metres per degree of latitude (rounded down), used to pick the quantisation grid.
_M_PER_DEG = 110_574.0
#: Metres per degree along the equator (an upper bound of a degree of longitude or latitude anywhere).
_M_PER_DEG_MAX = 111_320.0
#: A pair of boundaries with more vertices than this (product) is compared by :func:`hausdorff_bound`.
_GEOS_PAIR_VERTICES = 250_000
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


def grid_error_m(digits: int) -> float:
    """Largest distance (m) a point moves when its longitude and latitude are rounded to ``digits`` decimals.

    Examples
    --------
    >>> round(grid_error_m(5), 3)
    0.787
    """
    return 0.5 * math.hypot(_M_PER_DEG_MAX, _M_PER_DEG_MAX) * 10.0 ** -digits


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

    Small pairs are measured by GEOS (boundaries densified to quarter segments); a pair with more than
    :data:`_GEOS_PAIR_VERTICES` vertex pairs, where that would be quadratic, by :func:`hausdorff_bound`.

    Examples
    --------
    >>> float(displacement([shapely.box(0, 0, 10, 10)], [shapely.box(0, 0, 10, 12)])[0])
    2.0
    """
    b = shapely.boundary(np.asarray(before, dtype=object))
    a = shapely.boundary(np.asarray(after, dtype=object))
    pairs = shapely.get_num_coordinates(b).astype(np.int64) * shapely.get_num_coordinates(a)  # int32 overflows
    large = pairs > _GEOS_PAIR_VERTICES
    out = np.full(len(b), np.nan)
    out[~large] = threaded(shapely.hausdorff_distance, b[~large], a[~large], 0.25)  # densify
    out[large] = hausdorff_bounds(b[large], a[large])
    return out


def _segments(lines: shapely.Geometry) -> np.ndarray:
    coords, line = shapely.get_coordinates(shapely.get_parts(lines), return_index=True)
    same = line[1:] == line[:-1]
    return shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))


def _nearest(points: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Distance from each of ``points`` (n × 2) to the nearest segment of ``tree``."""
    index, distance = tree.query_nearest(shapely.points(points), return_distance=True, all_matches=False)
    out = np.empty(len(points))
    out[index[0]] = distance
    return out


def _farthest(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """The largest distance from ``a``'s points (its vertices, every segment cut in four as GEOS's
    ``densify=0.25``) to the line ``b``, through an STRtree of ``b``'s segments.

    A segment's cut points are looked up only where they could be the farthest: the distance to ``b``
    grows by at most the distance moved along the segment, so no point of a segment of length ``l``
    whose ends lie at ``d0`` and ``d1`` is farther than ``(d0 + d1 + l) / 2``; a segment whose bound
    is under its vertices' largest distance cannot raise it. The answer is the densified one.
    """
    coords, part = shapely.get_coordinates(shapely.get_parts(a), return_index=True)
    tree = shapely.STRtree(_segments(b))
    near = _nearest(coords, tree)
    same = part[1:] == part[:-1]
    length = np.hypot(*(coords[1:] - coords[:-1]).T)
    refine = same & ((near[:-1] + near[1:] + length) / 2 > near.max())
    p0, p1 = coords[:-1][refine], coords[1:][refine]
    cuts = np.concatenate([p0 + (p1 - p0) * f for f in (0.25, 0.5, 0.75)])
    return float(max(near.max(), _nearest(cuts, tree).max() if len(cuts) else 0.0))


def hausdorff_bound(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Hausdorff distance between two lines (boundaries) of many vertices, without comparing every pair.

    Each boundary's points (its vertices, with every segment cut in four as GEOS's ``densify=0.25``)
    are looked up in an STRtree of the other's segments: ``O(n log m)`` instead of ``O(n m)``; cut
    points only on segments where they could be the farthest (see :func:`_farthest`).

    Examples
    --------
    >>> hausdorff_bound(shapely.box(0, 0, 10, 10).boundary, shapely.box(0, 0, 10, 12).boundary)
    2.0
    """
    return float(hausdorff_bounds(np.array([a], dtype=object), np.array([b], dtype=object))[0])


def hausdorff_bounds(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`hausdorff_bound` of each pair of lines, both directions of all pairs on all cores (GEOS's
    STRtree lookups release the GIL).

    Examples
    --------
    >>> lines = np.array([shapely.box(0, 0, 10, 10).boundary, shapely.LineString([(0, 0), (1, 0)])])
    >>> hausdorff_bounds(lines, lines[::-1]).round(2).tolist()
    [13.45, 13.45]
    """
    out = np.full(len(a), math.inf)
    empty_a, empty_b = shapely.is_empty(a), shapely.is_empty(b)
    out[empty_a & empty_b] = 0.0
    both = np.flatnonzero(~empty_a & ~empty_b)
    if not len(both):
        return out
    jobs = [(a[i], b[i]) for i in both] + [(b[i], a[i]) for i in both]
    with ThreadPoolExecutor(max(1, min(os.cpu_count() or 1, len(jobs)))) as pool:
        far = np.array(list(pool.map(lambda job: _farthest(*job), jobs)))
    out[both] = np.maximum(far[:len(both)], far[len(both):])
    return out


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
    """Quantised rings cut into shared arcs (see :func:`encode`): the arcs' integer points, one after another.

    ``points`` holds every arc's grid points in arc order, ``starts[a]`` the
    index of arc ``a``'s first point (``starts[-1]`` the number of points).
    """

    digits: int
    points: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    @property
    def arcs(self) -> list[list[Point]]:
        """Each arc's points as ``(x, y)`` grid tuples (for :func:`decode` and tests)."""
        pts = [tuple(p) for p in self.points.tolist()]
        return [pts[a:b] for a, b in itertools.pairwise(self.starts.tolist())]

    def extend(self, other: Topology) -> int:
        """Append ``other``'s arcs (same grid); return the id of its first arc here (add it to ``other``'s ids)."""
        offset = len(self.starts) - 1
        self.starts = np.concatenate([self.starts[:-1], other.starts + len(self.points)])
        self.points = np.concatenate([self.points, other.points])
        return offset

    def to_json(self, chained: bool = False) -> dict:
        """The ``arcs`` and ``transform`` members of the page's topology (flat delta-encoded arcs).

        ``chained``: each arc's first point is a delta from the previous arc's last point (``"chained":
        true``; arcs of neighbouring parcels follow one another, so the deltas stay small).

        Examples
        --------
        >>> t = Topology(0, np.array([[1, 1], [3, 2], [3, 2], [4, 4]]), np.array([0, 2, 4]))
        >>> t.to_json()["arcs"], t.to_json(chained=True)["arcs"]
        ([[1, 1, 2, 1], [3, 2, 1, 2]], [[1, 1, 2, 1], [0, 0, 1, 2]])
        """
        deltas = np.diff(self.points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
        if not chained:
            firsts = self.starts[:-1][np.diff(self.starts) > 0]
            deltas[firsts] = self.points[firsts]
        flat = deltas.ravel().tolist()
        bounds = (2 * self.starts).tolist()
        scale = 10.0 ** -self.digits
        out = {"transform": {"scale": [scale, scale], "translate": [0, 0]},
               "arcs": [flat[a:b] for a, b in itertools.pairwise(bounds)]}
        return {**out, "chained": True} if chained else out

    @property
    def vertices(self) -> int:
        """Number of stored points (every arc's points, shared borders once)."""
        return len(self.points)


@dataclass
class Rings:
    """The rings of many geometries as arc references: ``refs[ring_starts[r]:ring_starts[r + 1]]`` walk ring ``r``.

    A reference ``i >= 0`` is arc ``i`` as stored, ``~i`` arc ``i`` reversed; ``ring_polygon[r]`` is the
    polygon of ring ``r`` (its first ring is the shell), ``polygon_geometry[p]`` the geometry of polygon ``p``.
    """

    refs: np.ndarray
    ring_starts: np.ndarray
    ring_polygon: np.ndarray
    polygon_geometry: np.ndarray
    count: int

    def shifted(self, offset: int) -> Rings:
        """The same rings with every arc id moved by ``offset`` (after :meth:`Topology.extend`)."""
        refs = np.where(self.refs >= 0, self.refs + offset, ~(~self.refs + offset))
        return Rings(refs, self.ring_starts, self.ring_polygon, self.polygon_geometry, self.count)

    def nested(self) -> list[list]:
        """Each geometry's arc ids as ``[polygon][ring][arc id]`` lists (the page's objects)."""
        refs, bounds = self.refs.tolist(), self.ring_starts.tolist()
        out: list[list] = [[] for _ in range(self.count)]
        polygons: list[list] = []
        for p, g in enumerate(self.polygon_geometry.tolist()):
            polygons.append([])
            out[g].append(polygons[p])
        for r, p in enumerate(self.ring_polygon.tolist()):
            polygons[p].append(refs[bounds[r]:bounds[r + 1]])
        return out


def _ragged(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of ``lengths``: each element's run and its position in the run."""
    run = np.repeat(np.arange(len(lengths)), lengths)
    return run, np.arange(len(run)) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _first_of_runs(run: np.ndarray) -> np.ndarray:
    return np.r_[True, run[1:] != run[:-1]] if len(run) else np.zeros(0, dtype=bool)


def quantise_rings(geoms: Sequence[shapely.Geometry], digits: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The polygon rings of ``geoms`` as grid points: ``(points, ring_of_point, ring_polygon, polygon_geometry)``.

    Each ring keeps its points once (no closing point, consecutive repeats removed); a ring left with fewer
    than three points is dropped, and with a shell the polygon it bounds.

    Examples
    --------
    >>> pts, ring, _, geom = quantise_rings([shapely.box(107.1, 21.1, 107.2, 21.2)], 1)
    >>> pts.tolist(), geom.tolist()
    ([[1072, 211], [1072, 212], [1071, 212], [1071, 211]], [0])
    """
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygon], owner[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    points = np.rint(coords * 10.0 ** digits).astype(np.int64)
    closing = np.r_[ring_of[1:] != ring_of[:-1], True] if len(ring_of) else np.zeros(0, dtype=bool)
    points, ring_of = points[~closing], ring_of[~closing]
    keep = _first_of_runs(ring_of) | (points != np.roll(points, 1, axis=0)).any(axis=1)
    points, ring_of = points[keep], ring_of[keep]
    first = _first_of_runs(ring_of)
    last = np.r_[first[1:], True] if len(first) else first
    start_of = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    keep = ~(last & ~first & (points == points[start_of]).all(axis=1))  # the last point back at the first
    points, ring_of = points[keep], ring_of[keep]
    size = np.bincount(ring_of, minlength=len(rings))
    shell = _first_of_runs(ring_part)
    part_alive = np.zeros(len(parts), dtype=bool)
    part_alive[ring_part[shell]] = size[shell] >= 3
    kept_ring = part_alive[ring_part] & (size >= 3)
    new_ring = np.cumsum(kept_ring) - 1
    on = kept_ring[ring_of]
    kept_parts, part_index = np.unique(ring_part[kept_ring], return_inverse=True)
    return points[on], new_ring[ring_of[on]], part_index, owner[kept_parts]


def _point_ids(points: np.ndarray) -> np.ndarray:
    """Dense ids of integer points, numbered in (x, y) order."""
    low = points.min(axis=0)
    span = points.max(axis=0) - low + 1
    if span[0] * span[1] < 2 ** 62:  # one int64 key per point: a flat sort instead of a sort of rows
        return np.unique((points[:, 0] - low[0]) * span[1] + (points[:, 1] - low[1]), return_inverse=True)[1]
    return np.unique(points, axis=0, return_inverse=True)[1].ravel()


def _arcs(points: np.ndarray, ring_of: np.ndarray) -> tuple[Topology, np.ndarray, np.ndarray, np.ndarray]:
    """Cut rings at junctions into shared arcs: ``(topology without digits, refs, ring_starts, pieces per ring)``."""
    if not len(points):
        return Topology(0), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_rings = int(ring_of.max()) + 1
    size = np.bincount(ring_of, minlength=n_rings)
    offset = np.cumsum(size) - size
    key = _point_ids(points)
    nxt = np.arange(len(key)) + 1
    ends = offset + size - 1
    nxt[ends] = offset
    n_keys = int(key.max()) + 1
    edges = np.unique(np.concatenate([key * n_keys + key[nxt], key[nxt] * n_keys + key]))
    degree = np.bincount(edges // n_keys, minlength=n_keys)  # distinct neighbours of each point
    junction = degree[key] != 2
    # each ring starts at its first junction, or at its smallest point when it has none
    local = np.arange(len(key)) - offset[ring_of]
    j_ring, j_first = np.unique(ring_of[junction], return_index=True)
    start = np.zeros(n_rings, dtype=np.int64)
    by_point = np.lexsort((key, ring_of))
    smallest = by_point[_first_of_runs(ring_of[by_point])]
    start[ring_of[smallest]] = local[smallest]
    start[j_ring] = local[np.flatnonzero(junction)[j_first]]
    seq_ring, t = _ragged(size + 1)  # each ring rotated to its start and closed
    seq = offset[seq_ring] + (t + start[seq_ring]) % size[seq_ring]
    cut = junction[seq] | (t == 0) | (t == size[seq_ring])
    cuts = np.flatnonzero(cut)
    opens = cuts[:-1][seq_ring[cuts[:-1]] == seq_ring[cuts[1:]]]
    closes = cuts[1:][seq_ring[cuts[:-1]] == seq_ring[cuts[1:]]]
    lengths = closes - opens + 1
    piece, pos = _ragged(lengths)
    base = np.cumsum(lengths) - lengths
    head, tail = key[seq[opens]], key[seq[closes]]
    second, before_last = key[seq[opens + 1]], key[seq[closes - 1]]
    flip = (head > tail) | ((head == tail) & (second > before_last))  # each arc in one orientation
    canonical = key[seq[opens[piece] + np.where(flip[piece], lengths[piece] - 1 - pos, pos)]]
    label = np.empty(len(lengths), dtype=np.int64)
    n_labels = 0
    for length in np.unique(lengths):  # the same arc: the same points in the same order (exact)
        group = np.flatnonzero(lengths == length)
        rows = canonical[base[group][:, None] + np.arange(length)]
        if length == 2:  # most arcs of a parcel layer: one edge between two corners
            rows = rows[:, 0] * n_keys + rows[:, 1]
        _, inverse = np.unique(rows, axis=0, return_inverse=True)
        label[group] = inverse.ravel() + n_labels
        n_labels += int(inverse.max()) + 1
    _, first_piece = np.unique(label, return_index=True)
    order = np.argsort(first_piece, kind="stable")  # arcs numbered in order of first appearance
    rank = np.empty(n_labels, dtype=np.int64)
    rank[order] = np.arange(n_labels)
    owner = first_piece[order]
    refs = np.where(flip == flip[first_piece[label]], rank[label], ~rank[label])
    stored_len = lengths[owner]
    _, p = _ragged(stored_len)
    arc_points = points[seq[np.repeat(opens[owner], stored_len) + p]]
    topo = Topology(0, arc_points, np.r_[0, np.cumsum(stored_len)])
    per_ring = np.bincount(seq_ring[opens], minlength=n_rings)
    return topo, refs, np.r_[0, np.cumsum(per_ring)], per_ring


def encode_rings(geoms: Sequence[shapely.Geometry], digits: int) -> tuple[Topology, Rings]:
    """Encode polygonal geometries (EPSG:4326, or metres with ``digits`` for mm) as shared arcs, vectorised.

    Examples
    --------
    >>> a, b = shapely.box(107.0, 21.0, 107.1, 21.1), shapely.box(107.1, 21.0, 107.2, 21.1)
    >>> topo, rings = encode_rings([a, b], 1)
    >>> len(topo.arcs), rings.nested()[1]
    (3, [[[-1, 2]]])
    """
    points, ring_of, ring_polygon, polygon_geometry = quantise_rings(geoms, digits)
    topo, refs, ring_starts, _ = _arcs(points, ring_of)
    topo.digits = digits
    return topo, Rings(refs, ring_starts, ring_polygon, polygon_geometry, len(geoms))


def assemble(topo: Topology, rings: Rings) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild every geometry of ``rings`` (in ``topo``'s grid units / ``10 ** digits``), all at once.

    Returns the geometries and whether each could be built: a geometry with a ring of fewer than three
    points (simplified or rounded away) is ``None``, for the caller to repair.

    Examples
    --------
    >>> topo, rings = encode_rings([shapely.box(107.0, 21.0, 107.1, 21.1)], 1)
    >>> geoms, built = assemble(topo, rings)
    >>> geoms[0].equals(shapely.box(107.0, 21.0, 107.1, 21.1)), built.tolist()
    (True, [True])
    """
    refs = rings.refs
    arc = np.where(refs >= 0, refs, ~refs)
    size = np.diff(topo.starts)[arc]
    ring_of_ref = np.repeat(np.arange(len(rings.ring_polygon)), np.diff(rings.ring_starts))
    first = _first_of_runs(ring_of_ref)
    take = np.maximum(size - ~first, 0)  # every arc but a ring's first starts where the previous one ended
    ref, j = _ragged(take)
    j = j + ~first[ref]
    forward = refs[ref] >= 0
    index = np.where(forward, topo.starts[arc[ref]] + j, topo.starts[arc[ref] + 1] - 1 - j)
    ring = ring_of_ref[ref]
    count = np.bincount(ring, minlength=len(rings.ring_polygon))
    broken = np.zeros(rings.count, dtype=bool)
    broken[rings.polygon_geometry[rings.ring_polygon[count < 4]]] = True  # closed: 3 points and the first again
    keep_ring = ~broken[rings.polygon_geometry[rings.ring_polygon]]
    out = np.full(rings.count, None, dtype=object)
    if keep_ring.any():
        on = keep_ring[ring]
        coords = topo.points[index[on]] / 10.0 ** topo.digits
        kept_rings, ring_index = np.unique(ring[on], return_inverse=True)
        shells = shapely.linearrings(coords, indices=ring_index)
        polygon_ids, polygon_index = np.unique(rings.ring_polygon[kept_rings], return_inverse=True)
        polygons = shapely.polygons(shells, indices=polygon_index)
        owner = rings.polygon_geometry[polygon_ids]
        single = np.bincount(owner, minlength=rings.count) == 1
        lone = single[owner]
        out[owner[lone]] = polygons[lone]
        if (~lone).any():
            multi_ids, multi_index = np.unique(owner[~lone], return_inverse=True)
            out[multi_ids] = shapely.multipolygons(polygons[~lone], indices=multi_index)
    empty = np.bincount(rings.polygon_geometry, minlength=rings.count) == 0
    out[empty] = shapely.Polygon()
    return out, ~broken


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
    every = [g for geoms in geometries.values() for g in geoms]
    topo, rings = encode_rings(every, digits)
    nested = rings.nested()
    out, at = {}, 0
    for name, geoms in geometries.items():
        out[name] = nested[at:at + len(geoms)]
        at += len(geoms)
    return topo, out


def first_use(objects: list) -> list:
    """Objects' arc ids ([object][polygon][ring][id]) with each first use of the next new arc written ``0``.

    Arcs are numbered as the objects first use them, so in a coverage most ids are the next new arc:
    those become ``0`` (one digit instead of up to six), any other forward id ``i`` becomes ``i + 1``,
    and a reversed id (``~i``, negative) stays. :func:`from_first_use` (and the page) reads it back.

    Examples
    --------
    >>> first_use([[[[0, 1, 2]]], [[[3, -2, 4]]], [[[1]]]])
    [[[[0, 0, 0]]], [[[0, -2, 0]]], [[[2]]]]
    """
    return _rewritten(objects, lambda i, new: (0, True) if i == new else (i + 1 if i >= 0 else i, False))


def from_first_use(objects: list) -> list:
    """The arc ids of objects written by :func:`first_use`.

    Examples
    --------
    >>> from_first_use([[[[0, 0, 0]]], [[[0, -2, 0]]], [[[2]]]])
    [[[[0, 1, 2]]], [[[3, -2, 4]]], [[[1]]]]
    """
    return _rewritten(objects, lambda t, new: (new, True) if t == 0 else (t - 1 if t > 0 else t, False))


def _rewritten(objects: list, step) -> list:
    """Objects' arc ids, each through ``step(id, next new arc) -> (id written, whether the new arc is used)``."""
    fresh = [0]

    def one(i: int) -> int:
        out, used = step(i, fresh[0])
        fresh[0] += used
        return out

    return [[[[one(i) for i in ring] for ring in poly] for poly in polys] for polys in objects]


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
