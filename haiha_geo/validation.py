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
#: Largest share of a first-era unit that the other source may draw outside the unit's legal successors.
#: The two lineages disagree by a median 0.9 % and at most 17 % of a unit in Quảng Ninh (``eras.leakage``);
#: a unit the lineage put in the wrong successor would lie there (nearly) whole.
MAX_LEAK_SHARE = 0.5

__all__ = ["AREA_RTOL", "MAX_LEAK_SHARE", "MIN_AGREEMENT", "Check", "Report", "validate"]


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
        leaks = None
        for row in eras.agreement(era, against, source=source).itertuples():
            if row.overlap_ratio <= MIN_AGREEMENT:
                leaks = eras.leakage(era, against, source=source) if leaks is None else leaks
                report.add(f"derived {era} {row.name} vs {against} (cross-lineage)", *_cross_lineage(row, leaks))
                continue
            report.add(f"derived {era} {row.name} vs {against}", True,
                       f"overlap ratio (IoU) {row.overlap_ratio:.3f}; {_sizes(row)}")
    return report


def _sizes(row) -> str:
    official = "no official area" if pd.isna(row.official_ha) else f"{row.official_ha:,.1f} ha official"
    return f"{row.derived_ha:,.1f} ha derived, {row.source_ha:,.1f} ha in the source, {official}"


def _cross_lineage(row, leaks: pd.DataFrame) -> tuple[bool, str]:
    """Judge a derived unit that overlaps the other source's polygon too little, by the units it is made of.

    The disagreement is split into the first-era units it comes from (:func:`haiha_geo.eras.leakage`): the
    land of other units that the source draws in this unit, and the land of its own units drawn elsewhere.
    It is a cross-lineage discrepancy when each of those units lies mostly in its legal successors (leaks
    less than :data:`MAX_LEAK_SHARE` of it); a unit leaking more contradicts the lineage.
    """
    pieces = leaks[(leaks["unit_id"] == row.unit_id) | (leaks["into_unit_id"] == row.unit_id)]
    off_legal = leaks.groupby("from_unit_id")["share"].sum()[pieces["from_unit_id"].unique()]
    names = dict(zip(leaks["from_unit_id"], leaks["from_name"]))
    worst = off_legal.idxmax() if len(off_legal) else None
    listed = "; ".join(
        f"{p.ha:,.1f} ha of {p.from_name} ({p.share:.1%} of it) drawn "
        f"{'inside' if p.into_unit_id == row.unit_id else 'in ' + p.into_name}" for p in pieces.head(4).itertuples())
    sizes = _sizes(row)
    if worst is None or off_legal[worst] < MAX_LEAK_SHARE:
        largest = f"at most {off_legal[worst]:.1%} ({names[worst]})" if worst else "none"
        return True, (f"overlap ratio (IoU) {row.overlap_ratio:.3f} ≤ {MIN_AGREEMENT}, a measured cross-lineage "
                      f"discrepancy of {pieces['ha'].sum():,.1f} ha, not a lineage error: {listed or 'no leak'}; "
                      f"every unit involved lies mostly in its legal successors (off-legal share {largest}, "
                      f"tolerance {MAX_LEAK_SHARE:.0%}); {sizes}")
    wrong = off_legal[off_legal >= MAX_LEAK_SHARE]
    return False, (f"overlap ratio (IoU) {row.overlap_ratio:.3f} ≤ {MIN_AGREEMENT} and the lineage is contradicted: "
                   + ", ".join(f"{names[u]} lies {s:.0%} outside its legal successors" for u, s in wrong.items())
                   + f" (tolerance {MAX_LEAK_SHARE:.0%}): check its successor in boundaries/lineage.csv; {listed}; "
                   + sizes)
