"""haiha_geo: era-aware planning toolkit for Hải Hà (Quảng Ninh, Vietnam).

Each public function lives in a small module of its own and is re-exported
here. The names are loaded on first use, so ``import haiha_geo`` (and the
``haiha-geo`` command's ``--help``) stays fast; ``docs/architecture.md``
shows the modules and their layers.

Examples
--------
>>> import haiha_geo
>>> len(haiha_geo.units("2020"))
11
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from haiha_geo._version import __version__

#: Public name → module that defines it.
_EXPORTS: dict[str, str] = {
    "agreement": "haiha_geo.eras", "agreement_2025": "haiha_geo.eras", "assign": "haiha_geo.eras",
    "units": "haiha_geo.eras", "build_map": "haiha_geo.maps.builder", "clear_caches": "haiha_geo._cache",
    "crosswalk": "haiha_geo.crosswalks", "lookup": "haiha_geo.crosswalks", "reaggregate": "haiha_geo.crosswalks",
    "reaggregate_table": "haiha_geo.crosswalks", "stats_report": "haiha_geo.report_tables",
    "era_for_date": "haiha_geo.timeline", "era_ids": "haiha_geo.timeline",
    "land_use_balance": "haiha_geo.zoning.balance", "sheets": "haiha_geo.zoning.study",
    "study_area": "haiha_geo.zoning.study", "lineage": "haiha_geo.registry", "normalise": "haiha_geo.names",
    "ntm_status": "haiha_geo.ntm", "overlay_stats": "haiha_geo.overlay",
    "set_data_dir": "haiha_geo.sources", "set_registry_dir": "haiha_geo.authored", "set_place": "haiha_geo.authored",
    "sites": "haiha_geo.project_sites",
    "stats": "haiha_geo.area_stats", "to_geographic": "haiha_geo.crs", "to_planning": "haiha_geo.crs",
    "transform_xy": "haiha_geo.crs", "validate": "haiha_geo.validation",
}

__all__ = [
    "__version__", "agreement", "agreement_2025", "assign", "build_map", "clear_caches", "crosswalk",
    "era_for_date", "era_ids", "land_use_balance", "lineage", "lookup", "normalise", "ntm_status",
    "overlay_stats", "reaggregate", "reaggregate_table", "set_data_dir", "set_place", "set_registry_dir", "sheets",
    "sites",
    "stats", "stats_report", "study_area", "to_geographic", "to_planning", "transform_xy", "units", "validate",
]

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from haiha_geo._cache import clear_caches
    from haiha_geo.area_stats import stats
    from haiha_geo.authored import set_place, set_registry_dir
    from haiha_geo.crosswalks import crosswalk, lookup, reaggregate, reaggregate_table
    from haiha_geo.crs import to_geographic, to_planning, transform_xy
    from haiha_geo.eras import agreement, agreement_2025, assign, units
    from haiha_geo.maps.builder import build_map
    from haiha_geo.names import normalise
    from haiha_geo.ntm import ntm_status
    from haiha_geo.overlay import overlay_stats
    from haiha_geo.project_sites import sites
    from haiha_geo.registry import lineage
    from haiha_geo.report_tables import stats_report
    from haiha_geo.sources import set_data_dir
    from haiha_geo.timeline import era_for_date, era_ids
    from haiha_geo.validation import validate
    from haiha_geo.zoning.balance import land_use_balance
    from haiha_geo.zoning.study import sheets, study_area


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'haiha_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
