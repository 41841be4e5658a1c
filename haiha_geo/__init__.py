"""haiha_geo: era-aware planning toolkit for Hải Hà district (Quảng Ninh, Vietnam).

Each public function lives in a small module of its own (``eras``,
``crosswalk``, ``names``, ``stats``, ``crs``, ``validation``, ``maps``,
``sites``, ``ntm``, ``overlay``, ``zoning``) and is re-exported here.

Examples
--------
>>> import haiha_geo
>>> len(haiha_geo.units("2020"))
11
"""

from __future__ import annotations

__version__ = "0.1.0"

from haiha_geo.crosswalks import crosswalk, lookup, reaggregate
from haiha_geo.crs import to_geographic, to_planning, transform_xy
from haiha_geo.eras import agreement_2025, assign, units
from haiha_geo.maps import build_map
from haiha_geo.names import normalise
from haiha_geo.ntm import ntm_status
from haiha_geo.overlay import overlay_stats
from haiha_geo.registry import era_for_date, lineage
from haiha_geo.project_sites import sites
from haiha_geo.area_stats import stats
from haiha_geo.validation import validate
from haiha_geo.zoning import land_use_balance, sheets, study_area

__all__ = [
    "__version__", "agreement_2025", "assign", "build_map", "crosswalk", "era_for_date", "land_use_balance", "lineage", "lookup",
    "normalise", "ntm_status", "overlay_stats", "reaggregate", "sheets", "sites", "stats", "study_area",
    "to_geographic", "to_planning", "transform_xy", "units", "validate",
]
