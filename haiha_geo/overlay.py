"""Area of a polygon layer in each administrative unit of an era.

The layer (a site footprint, a user's zone, a cadastral layer of a million
parcels) is reprojected to VN-2000 / TM-3 107°45′ (EPSG:5899) with the pinned
datum shift and measured in every unit of the era; overlapping features are
counted once (the exact area of the layer's union, where
``geopandas.overlay`` + groupby counts an overlap once per feature). Because
the units of an era form one clean coverage of the district, the unit areas
add up to the layer's area inside the district.

How, at the speed of the library underneath: validity is checked on the whole
array (on all cores) and only invalid features are repaired (and reported, or
refused with ``strict``). When no two features overlap
(:func:`haiha_geo.geometry.coverage_is_valid`, checked in strips on all cores
while the areas are summed, after a probe of 5 % of the layer that tells a
layer overlapping everywhere at once; else one vectorised relate of STRtree
candidates),
a polygon that meets no unit boundary (an exact test against the boundary
segments near it, found through short boxes along the boundaries, built
once per era and kept until :func:`haiha_geo.clear_caches`) adds its own
area to the unit holding its first vertex, and only the features meeting a
boundary are intersected. Features that do overlap are never merged into one
shape: each loses what the features overlapping it before it cover
(:func:`haiha_geo.geometry.disjoint_parts`, vectorised, on all cores), and
only those parts are measured again. Files are read in chunks
(:func:`haiha_geo.vector_io.iter_layer`), so peak memory grows with the
chunk (and, for a layer that is not a clean coverage, the parts kept to find
overlaps between chunks).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo._cache import cached
from haiha_geo.crs import PROVENANCE, parse_crs, require_crs, to_planning
from haiha_geo.eras import units
from haiha_geo.errors import GeometryError
from haiha_geo.geometry import coverage_is_valid, disjoint_parts, dissolve, may_be_coverage, repair, report_repairs
from haiha_geo.registry import check_era
from haiha_geo.vector_io import CHUNK_FEATURES, iter_layer

#: Columns of :func:`overlay_stats`.
OVERLAY_COLUMNS: tuple[str, ...] = ("unit_id", "code", "name", "type", "area_ha", "unit_area_ha",
                                    "share_of_unit", "share_of_layer")


def _chunks(layer, crs: str | None, chunk_features: int):
    assumed = parse_crs(crs, "crs=") if crs is not None else None
    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame(geometry=layer)
    if isinstance(layer, gpd.GeoDataFrame):
        if layer.crs is None and assumed is not None:
            layer = layer.set_crs(assumed)
        layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
        if layer.empty:
            raise GeometryError("the overlay layer has no geometry (every feature is null or empty)")
        require_crs(layer, "the overlay layer")
        yield layer
        return
    yield from iter_layer(layer, crs=crs, what=f"overlay layer {os.fspath(layer)}", chunk_features=chunk_features)


def _polygons(layer: gpd.GeoDataFrame, strict: bool) -> np.ndarray:
    """The layer's polygons in EPSG:5899, invalid ones repaired (and reported) or refused (``strict``)."""
    kinds = shapely.get_type_id(layer.geometry.values)
    other = (kinds != 3) & (kinds != 6)
    if other.any():  # one vectorised type check, not a Python loop over the features
        names = sorted(set(layer.geometry.values[other].geom_type))
        raise GeometryError(f"overlay needs polygons; the layer has {names} geometries (buffer points or lines first)")
    geoms, report = repair(to_planning(layer).geometry.values, layer.index, "overlay layer feature ")
    report_repairs(report, strict, stacklevel=5)
    return geoms


def zone_geometry(layer: gpd.GeoDataFrame, *, strict: bool = False) -> shapely.Geometry:
    """Return the layer's polygons dissolved into one valid (multi)polygon in EPSG:5899.

    Raises
    ------
    GeometryError
        A feature that is not a polygon, or no polygon area at all.
    GeometryRepairError
        ``strict`` and a feature is invalid.

    Examples
    --------
    >>> from shapely import box
    >>> zone = gpd.GeoDataFrame(geometry=[box(500000, 2372000, 501000, 2373000)], crs="EPSG:5899")
    >>> round(zone_geometry(zone).area / 1e4, 2)
    100.0
    """
    zone = dissolve(_polygons(layer, strict))
    if zone.is_empty or zone.area == 0:
        raise GeometryError("the overlay layer has no polygon area")
    return zone


#: Length (m) of the boxes indexing the units' boundaries: a feature is tested against the boundary
#: segments whose boxes its own box meets, so short boxes keep the tests few.
BOUNDARY_BOX_M = 50.0
#: Margin (m) of those boxes, far above the rounding of the points that cut a segment into boxes.
_BOX_MARGIN_M = 1e-3


class _Boundaries:
    """The units of an era for the overlay: polygons, exact boundary segments, and short boxes along them."""

    def __init__(self, unit_geoms: np.ndarray):
        self.units = unit_geoms
        lines = [shapely.get_coordinates(line) for line in shapely.get_parts(shapely.boundary(unit_geoms))]
        start, end = np.concatenate([c[:-1] for c in lines]), np.concatenate([c[1:] for c in lines])
        self.segments = shapely.linestrings(np.stack([start, end], axis=1))
        steps = np.maximum(np.ceil(np.hypot(*(end - start).T) / BOUNDARY_BOX_M), 1).astype(int)
        self.segment_of = np.repeat(np.arange(len(start)), steps)
        step = np.arange(len(self.segment_of)) - np.repeat(np.cumsum(steps) - steps, steps)
        a = start[self.segment_of] + (end - start)[self.segment_of] * (step / steps[self.segment_of])[:, None]
        b = start[self.segment_of] + (end - start)[self.segment_of] * ((step + 1) / steps[self.segment_of])[:, None]
        low, high = np.minimum(a, b) - _BOX_MARGIN_M, np.maximum(a, b) + _BOX_MARGIN_M
        self.boxes = shapely.STRtree(shapely.box(low[:, 0], low[:, 1], high[:, 0], high[:, 1]))
        self.tree = shapely.STRtree(unit_geoms)
        shapely.prepare(unit_geoms)

    def touching(self, geoms: np.ndarray) -> np.ndarray:
        """Boolean array: which features meet a unit boundary (exact test on the segments near each one)."""
        feature, box = self.boxes.query(geoms)
        pairs = np.unique(feature.astype(np.int64) * len(self.segments) + self.segment_of[box])
        feature, segment = np.divmod(pairs, len(self.segments))
        touching = np.zeros(len(geoms), dtype=bool)
        touching[feature[shapely.intersects(geoms[feature], self.segments[segment])]] = True
        return touching

    def holding(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point, unit) of the points lying inside a unit."""
        found = [np.empty(0, dtype=int)], [np.empty(0, dtype=int)]
        for k, unit in enumerate(self.units):
            x0, y0, x1, y1 = unit.bounds
            near = np.flatnonzero((points[:, 0] >= x0) & (points[:, 0] <= x1)
                                  & (points[:, 1] >= y0) & (points[:, 1] <= y1))
            inside = near[shapely.contains_xy(unit, points[near, 0], points[near, 1])]
            found[0].append(inside)
            found[1].append(np.full(len(inside), k))
        return np.concatenate(found[0]), np.concatenate(found[1])


@cached
def _era_boundaries(era: str, source: str) -> _Boundaries:
    """The era's units for the overlay, built once (boxes along 1,000 km of boundaries) and kept."""
    return _Boundaries(np.asarray(units(era, source=source, crs="EPSG:5899").geometry.array, dtype=object))


def _first_vertices(geoms: np.ndarray) -> np.ndarray:
    counts = shapely.get_num_coordinates(geoms)
    return shapely.get_coordinates(geoms)[np.cumsum(counts) - counts]


def _unit_areas(units: _Boundaries, geoms: np.ndarray) -> np.ndarray:
    """Area (m²) of non-overlapping ``geoms`` in each unit: whole features inside, intersections at the edges.

    A polygon that meets no unit boundary lies wholly inside the unit that
    holds its first vertex (or outside them all), so it adds its own area
    there (so does a multipolygon of one part, as GIS files often store
    polygons); only multipolygons of several parts, features meeting a
    boundary and features outside every unit are intersected with the units
    their boxes meet.
    """
    area = np.zeros(len(units.units))
    if not len(geoms):
        return area
    own = shapely.area(geoms)
    whole = np.flatnonzero(~(units.touching(geoms) | (shapely.get_num_geometries(geoms) > 1)))
    point, unit = units.holding(_first_vertices(geoms[whole]))
    np.add.at(area, unit, own[whole[point]])
    placed = np.zeros(len(geoms), dtype=bool)
    placed[whole[point]] = True
    rest = np.flatnonzero(~placed)
    feature, unit = units.tree.query(geoms[rest])  # boxes, then the prepared units (not each feature prepared)
    meets = shapely.intersects(units.units[unit], geoms[rest[feature]])
    feature, unit = feature[meets], unit[meets]
    pieces = shapely.intersection(geoms[rest[feature]], units.units[unit])
    np.add.at(area, unit, shapely.area(pieces))
    return area


def _measured(units: _Boundaries, geoms: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """Unit areas (m²) of ``geoms`` and whether they form a clean coverage, both at once (GEOS releases the GIL).

    A layer that a probe of a part finds overlapping (:func:`~haiha_geo.geometry.may_be_coverage`)
    is not measured (None): its parts will be.
    """
    if not may_be_coverage(geoms):
        return None, False
    with ThreadPoolExecutor(1) as pool:
        check = pool.submit(coverage_is_valid, geoms, False)
        return _unit_areas(units, geoms), check.result()


def _parts_areas(units: _Boundaries, geoms: np.ndarray, measured: np.ndarray | None, parts: np.ndarray,
                 changed: np.ndarray) -> np.ndarray:
    """Unit areas (m²) of ``parts`` (:func:`~haiha_geo.geometry.disjoint_parts` of ``geoms``, whose are ``measured``).

    The cut features are measured again, before and after; when most were
    cut, or ``geoms`` were not measured (None), all the parts are measured
    instead. A cut feature may fall into several polygons: they are measured
    one by one, so that each one meeting no unit boundary is added whole,
    not intersected.
    """
    if measured is None or 2 * len(changed) > len(geoms):
        return _unit_areas(units, _polygons_of(parts))
    return measured + _unit_areas(units, _polygons_of(parts[changed])) - _unit_areas(units, geoms[changed])


def _polygons_of(geoms: np.ndarray) -> np.ndarray:
    """The polygons of ``geoms``: those of several parts split, empty ones dropped, the rest as they are (no copy)."""
    count = shapely.get_num_geometries(geoms)
    return np.concatenate([geoms[(count == 1) & ~shapely.is_empty(geoms)], shapely.get_parts(geoms[count > 1])])


def overlay_stats(layer: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries, era: str | int, *,
                  crs: str | None = None, source: str = "gadm41", strict: bool = False,
                  chunk_features: int = CHUNK_FEATURES) -> pd.DataFrame:
    """Return the layer's area in each unit of ``era``, in ha (EPSG:5899) and as shares.

    Parameters
    ----------
    layer : path or GeoDataFrame or GeoSeries
        Polygons; a file is read and checked with :func:`haiha_geo.vector_io.read_layer`.
    era : {"2019", "2020", "2025"}
        The era whose units are used.
    crs : str, optional
        CRS to assume when the layer declares none (else a missing CRS raises).
    source : str
        Reference source of the unit polygons.
    strict : bool
        Refuse invalid polygons (:class:`~haiha_geo.errors.GeometryRepairError`)
        instead of repairing them with a :class:`~haiha_geo.errors.GeometryRepairWarning`
        that names each one with its area before and after.
    chunk_features : int
        Features read from a file at a time (peak memory grows with it).

    Returns
    -------
    pandas.DataFrame
        One row per unit of the era (:data:`OVERLAY_COLUMNS`): ``area_ha`` of
        the layer inside the unit, ``share_of_unit`` (of the unit's area) and
        ``share_of_layer`` (of the whole layer, including any part outside
        the district). Where features overlap, the overlap is counted once
        (areas of the layer's union; ``geopandas.overlay`` + groupby counts
        it once per feature). ``frame.attrs`` holds ``layer_area_ha``,
        ``inside_district_ha``, ``outside_district_ha`` and the CRS provenance.

    Raises
    ------
    CRSError, GeometryError, GeometryRepairError, InputFileError, UnknownEraError

    Examples
    --------
    >>> from shapely import box
    >>> zone = gpd.GeoDataFrame(geometry=[box(107.74, 21.44, 107.76, 21.46)], crs="EPSG:4326")
    >>> table = overlay_stats(zone, "2020")
    >>> bool(abs(table.area_ha.sum() - table.attrs["inside_district_ha"]) < 0.01)
    True
    """
    era = check_era(era)
    era_units = units(era, source=source, crs="EPSG:5899")
    boundaries = _era_boundaries(era, source)
    unit_geoms = boundaries.units
    area, layer_m2, kept, last = np.zeros(len(unit_geoms)), 0.0, [], None
    for chunk in _chunks(layer, crs, chunk_features):
        if last is not None:  # several chunks: keep the outline of a clean one, the parts of any other
            kept.append(np.array([dissolve(last[0], True)], dtype=object) if last[1] else last[0])
        geoms = _polygons(chunk, strict)
        measured, clean = _measured(boundaries, geoms)
        parts, changed = disjoint_parts(geoms, clean)
        area += _parts_areas(boundaries, geoms, measured, parts, changed)
        layer_m2 += float(shapely.area(parts).sum())
        last = parts, clean
    if kept:  # chunks may overlap one another: cut what a chunk shares with the ones before it
        kept.append(last[0])
        geoms = np.concatenate(kept)
        groups = np.repeat(np.arange(len(kept)), [len(k) for k in kept])
        parts, changed = disjoint_parts(geoms, False, groups)
        area = _parts_areas(boundaries, geoms, area, parts, changed)
        layer_m2 += float(shapely.area(parts[changed]).sum() - shapely.area(geoms[changed]).sum())
    if layer_m2 == 0:
        raise GeometryError("the overlay layer has no polygon area")
    area = area / 1e4
    unit_area = shapely.area(unit_geoms) / 1e4
    layer_ha = layer_m2 / 1e4
    frame = pd.DataFrame({"unit_id": era_units["unit_id"].values, "code": era_units["code"].values,
                          "name": era_units["name"].values, "type": era_units["type"].values,
                          "area_ha": area, "unit_area_ha": unit_area,
                          "share_of_unit": area / unit_area, "share_of_layer": area / layer_ha})
    inside = float(area.sum())
    frame.attrs.update({"era": str(era), "layer_area_ha": layer_ha, "inside_district_ha": inside,
                        "outside_district_ha": max(layer_ha - inside, 0.0), **PROVENANCE})
    return frame[list(OVERLAY_COLUMNS)]
