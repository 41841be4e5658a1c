"""haiha_geo: era-aware planning toolkit for Hải Hà district (Quảng Ninh, Vietnam).

The public functions are importable from the package root; each lives in a
small module of its own (``eras``, ``crosswalk``, ``names``, ``stats``,
``crs``, ``maps``, ``sites``, ``ntm``, ``overlay``, ``zoning``) and is loaded on
first use, so ``import haiha_geo`` stays fast.

Examples
--------
>>> import haiha_geo
>>> len(haiha_geo.units("2020"))
11
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "units": "haiha_geo.eras",
    "era_for_date": "haiha_geo.registry",
    "lineage": "haiha_geo.registry",
    "assign": "haiha_geo.eras",
    "agreement_2025": "haiha_geo.eras",
    "crosswalk": "haiha_geo.crosswalk",
    "reaggregate": "haiha_geo.crosswalk",
    "lookup": "haiha_geo.names",
    "normalise": "haiha_geo.names",
    "stats": "haiha_geo.stats",
    "validate": "haiha_geo.validation",
    "to_planning": "haiha_geo.crs",
    "transform_xy": "haiha_geo.crs",
    "build_map": "haiha_geo.maps",
    "sites": "haiha_geo.sites",
    "ntm_status": "haiha_geo.ntm",
    "overlay_stats": "haiha_geo.overlay",
    "study_area": "haiha_geo.zoning",
    "sheets": "haiha_geo.zoning",
    "land_use_balance": "haiha_geo.zoning",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'haiha_geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
