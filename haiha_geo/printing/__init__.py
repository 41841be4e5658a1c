"""Printed maps: one page of a map spec (:func:`print_map`) and the map-sheet atlas (:func:`atlas`).

Vector PDF (matplotlib's PDF backend, DejaVu Sans embedded as TrueType) at an
exact scale in EPSG:5899, with the VN-2000 grid, north arrow, scale, legend
and a title block after Vietnamese drawing practice.

The names are loaded on first use (PEP 562, as in the package root), so the
command line can read the paper sizes of :mod:`.layout` without loading
matplotlib and the map builder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name → module that defines it.
_EXPORTS: dict[str, str] = {
    "PAPERS": "haiha_geo.printing.layout", "STANDARD_SCALES": "haiha_geo.printing.layout",
    "PrintDocument": "haiha_geo.printing.page", "print_map": "haiha_geo.printing.page",
    "atlas": "haiha_geo.printing.atlas_pages",
}

__all__ = ["PAPERS", "STANDARD_SCALES", "PrintDocument", "atlas", "print_map"]

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from haiha_geo.printing.atlas_pages import atlas
    from haiha_geo.printing.layout import PAPERS, STANDARD_SCALES
    from haiha_geo.printing.page import PrintDocument, print_map


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'haiha_geo.printing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
