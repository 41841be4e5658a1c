"""Validation: the full data report (authored files, sources, registry, geometry, coverage, conservation, agreement).

``haiha-geo validate`` prints :func:`validate`'s report and exits 1 when a
check fails. The authored files come first, one line per check of
:data:`haiha_geo.authored_checks.CHECKS`; when one fails, the report stops
there (the geometry is built from those files).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from haiha_geo import eras, sources
from haiha_geo.authored_checks import Check, Report, authored_report
from haiha_geo.crosswalks import crosswalk
from haiha_geo.crs import require_crs
from haiha_geo.geometry import pairwise_overlaps
from haiha_geo.ntm import record_problems
from haiha_geo.project_sites import site_problems
from haiha_geo.timeline import era_ids

#: Relative tolerance of the cross-era area conservation check.
AREA_RTOL = 1e-9
#: Least intersection-over-union a derived unit must share with its era's reference polygon.
MIN_AGREEMENT = 0.8

__all__ = ["AREA_RTOL", "MIN_AGREEMENT", "Check", "Report", "validate"]


def validate(source: str = "gadm41") -> Report:
    """Run every data check: sources, CRS, geometry, coverage, lineage, conservation, agreement.

    Parameters
    ----------
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    Report
        ``.checks`` (name, ok, detail), ``.ok`` and ``.to_text()``.

    Examples
    --------
    >>> validate().ok
    True
    """
    report = authored_report()
    if not report.ok:
        return report
    for name in sorted(sources.catalog()):
        raw = sources.read_source(name)
        require_crs(raw, f"source {name}")
        valid = int(shapely.is_valid(raw.geometry.values).sum())
        report.add(f"{name}: geometry", valid == len(raw),
                   f"{valid}/{len(raw)} valid; CRS {raw.crs.to_string()} plausible")
    for name, found in (("layers/sites.csv", site_problems()), ("layers/ntm_*.csv", record_problems())):
        report.add(f"{name} sourced and consistent", not found,
                   "; ".join(found) or "every record cited, host units exist in their era")
    model = eras.model(source)
    clean = model.cleaning
    report.add(f"era {clean['era']} clean coverage", clean["coverage_valid"],
               f"{len(clean['repaired'])} invalid geometries repaired; {clean['overlaps_m2']:,.0f} m² of overlaps "
               f"and {clean['gaps_m2']:,.0f} m² of sliver gaps (≤ {clean['gap_width_m']:.0f} m wide) "
               f"in {source} resolved; {clean['area_moved_m2']:,.0f} m² moved between units")
    totals = {e: float(eras.units(e, crs="EPSG:5899").area_ha.sum()) for e in era_ids()}
    spread = (max(totals.values()) - min(totals.values())) / max(totals.values())
    report.add("area conserved across eras", spread < AREA_RTOL,
               ", ".join(f"{e}: {t:,.4f} ha" for e, t in totals.items()) + f" (relative spread {spread:.1e})")
    for era in era_ids():
        layer = eras.units(era, crs="EPSG:5899")
        overlaps = sum(a for *_, a in pairwise_overlaps(layer.geometry.values, list(layer.unit_id)))
        edges = bool(shapely.coverage_is_valid(layer.geometry.values))
        report.add(f"era {era}: clean coverage", overlaps < 1.0 and edges,
                   f"{len(layer)} units, {overlaps:.3f} m² of overlap, "
                   f"shared edges {'identical' if edges else 'NOT matched'}")
    first = era_ids()[0]
    for era in era_ids()[1:]:
        sums = crosswalk(first, era).groupby("from_unit_id")["share"].sum()
        report.add(f"crosswalk {first}→{era}: shares sum to 1", bool(np.allclose(sums, 1.0, atol=1e-12)),
                   f"{len(sums)} source units, max |Σ−1| = {float(abs(sums - 1).max()):.1e}")
    for era in era_ids():
        against = eras.reference_source(era)
        if against is None or against == source:
            continue
        for row in eras.agreement(era, against, source=source).itertuples():
            official = "no official area" if pd.isna(row.official_ha) else \
                f"{row.official_ha:,.1f} ha official"
            report.add(f"derived {era} {row.name} vs {against}", row.overlap_ratio > MIN_AGREEMENT,
                       f"overlap ratio (IoU) {row.overlap_ratio:.3f}; {row.derived_ha:,.1f} ha derived, "
                       f"{row.source_ha:,.1f} ha in the source, {official}")
    return report
