"""Low geometry helpers: polygon parts, repair with a report, overlaps and sliver gaps.

Used by the era model, the overlays, the sites and the zoning plans; nothing
here knows about eras or the registry.
"""

from __future__ import annotations

import numpy as np
import shapely

from haiha_geo.errors import GeometryError


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of ``geom`` (a MultiPolygon, possibly empty).

    Examples
    --------
    >>> g = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (2, 2)])])
    >>> polygonal(g).geom_type, polygonal(g).area
    ('MultiPolygon', 1.0)
    """
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    flat = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(flat)


def repair(geoms: np.ndarray, labels: list[str] | None = None) -> tuple[np.ndarray, list[dict]]:
    """Repair invalid polygons with ``make_valid``, keep polygon parts only, report what changed.

    Returns the repaired geometries and one report row per repaired geometry
    (label, reason, area before and after).

    Raises
    ------
    GeometryError
        If a geometry is missing or empty, or nothing polygonal is left after repair.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, report = repair(np.array([bowtie]))
    >>> report[0]["reason"].startswith("Self-intersection"), round(fixed[0].area, 3)
    (True, 2.0)
    """
    labels = labels or [f"feature {i}" for i in range(len(geoms))]
    out, report = np.array(geoms, dtype=object), []
    for i, geom in enumerate(geoms):
        if geom is None or shapely.is_empty(geom):
            raise GeometryError(f"{labels[i]}: geometry is missing or empty")
        if shapely.is_valid(geom) and geom.geom_type in ("Polygon", "MultiPolygon"):
            continue
        fixed = polygonal(shapely.make_valid(geom))
        if fixed.is_empty:
            raise GeometryError(f"{labels[i]}: no polygon is left after repairing it ({shapely.is_valid_reason(geom)})")
        report.append({"label": labels[i], "reason": shapely.is_valid_reason(geom),
                       "area_before": float(shapely.area(geom)), "area_after": float(fixed.area)})
        out[i] = fixed
    return out, report


def pairwise_overlaps(geoms: np.ndarray, labels: list[str]) -> list[tuple[str, str, float]]:
    """Return ``(a, b, area)`` for each pair of geometries whose interiors overlap (area > 0)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = sorted({(a, b) for a, b in zip(left, right) if a < b})
    found = [(labels[a], labels[b], float(shapely.intersection(geoms[a], geoms[b]).area)) for a, b in pairs]
    return [f for f in found if f[2] > 0]


def coverage_gaps(geoms: np.ndarray, max_width: float) -> float:
    """Total area of the holes in the union of ``geoms`` narrower than ``max_width`` (sliver gaps)."""
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    return float(sum(h.area for h in holes if _width(h) <= max_width))


def _width(polygon: shapely.Polygon) -> float:
    return 2 * shapely.length(shapely.maximum_inscribed_circle(polygon, 0.5))
