"""Validation: geometry validity and repair, coverage gaps and overlaps, the full data report.

``haiha-geo validate`` prints :func:`validate`'s report and exits 1 when a
check fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import geopandas as gpd
import numpy as np
import shapely

from haiha_geo.errors import GeometryError

#: Relative tolerance of the cross-era area conservation check.
AREA_RTOL = 1e-9
#: Least intersection-over-union a derived 2025 unit must share with the 2025 source polygon.
MIN_AGREEMENT = 0.8


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


@dataclass
class Check:
    """One line of the validation report."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """The validation report: a list of checks, ``ok`` when all pass."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, bool(ok), detail))

    def to_text(self) -> str:
        lines = [f"[{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        failed = sum(not c.ok for c in self.checks)
        lines.append(f"{len(self.checks) - failed} checks passed, {failed} failed")
        return "\n".join(lines) + "\n"


def validate(source: str = "gadm41") -> Report:
    """Run every data check: sources, CRS, geometry, coverage, lineage, conservation, 2025 agreement.

    Examples
    --------
    >>> validate().ok
    True
    """
    from haiha_geo import eras, registry, sources
    from haiha_geo.crosswalk import crosswalk
    from haiha_geo.ntm import record_problems
    from haiha_geo.sites import site_problems
    from haiha_geo.crs import require_crs

    report = Report()
    for name in sorted(sources.catalog()):
        raw = sources.read_source(name)
        require_crs(raw, f"source {name}")
        valid = int(shapely.is_valid(raw.geometry.values).sum())
        report.add(f"{name}: geometry", valid == len(raw), f"{valid}/{len(raw)} valid; CRS {raw.crs.to_string()} plausible")
    problems = registry.consistency_problems()
    report.add("registry and lineage", not problems, "; ".join(problems) or "codes unique per era, every unit linked, dates contiguous")
    for name, found in (("layers/sites.csv", site_problems()), ("layers/ntm_*.csv", record_problems())):
        report.add(f"{name} sourced and consistent", not found, "; ".join(found) or "every record cited, host units exist in their era")
    model = eras.model(source)
    clean = model.cleaning
    report.add("era 2019 clean coverage", clean["coverage_valid"],
               f"{len(clean['repaired'])} invalid geometries repaired; {clean['overlaps_m2']:,.0f} m² of overlaps and {clean['gaps_m2']:,.0f} m² of sliver gaps (≤ {clean['gap_width_m']:.0f} m wide) "
               f"in {source} resolved; {clean['area_moved_m2']:,.0f} m² moved between units")
    totals = {e: float(eras.units(e, crs="EPSG:5899").area_ha.sum()) for e in registry.ERAS}
    spread = (max(totals.values()) - min(totals.values())) / max(totals.values())
    report.add("area conserved across eras", spread < AREA_RTOL,
               ", ".join(f"{e}: {t:,.4f} ha" for e, t in totals.items()) + f" (relative spread {spread:.1e})")
    for era in registry.ERAS:
        layer = eras.units(era, crs="EPSG:5899")
        overlaps = sum(a for *_, a in pairwise_overlaps(layer.geometry.values, list(layer.unit_id)))
        edges = bool(shapely.coverage_is_valid(layer.geometry.values))
        report.add(f"era {era}: clean coverage", overlaps < 1.0 and edges,
                   f"{len(layer)} units, {overlaps:.3f} m² of overlap, shared edges {'identical' if edges else 'NOT matched'}")
    for era in ("2020", "2025"):
        sums = crosswalk("2019", era).groupby("from_unit_id")["share"].sum()
        report.add(f"crosswalk 2019→{era}: shares sum to 1", bool(np.allclose(sums, 1.0, atol=1e-12)),
                   f"{len(sums)} source units, max |Σ−1| = {float(abs(sums - 1).max()):.1e}")
    for row in eras.agreement_2025(source).itertuples():
        report.add(f"derived 2025 {row.name} vs {eras.SPLIT_SOURCE}", row.overlap_ratio > MIN_AGREEMENT,
                   f"overlap ratio (IoU) {row.overlap_ratio:.3f}; {row.derived_ha:,.1f} ha derived, "
                   f"{row.source_ha:,.1f} ha in the source, {row.official_ha:,.1f} ha official")
    return report
