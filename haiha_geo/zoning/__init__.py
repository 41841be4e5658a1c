"""Zoning-study toolkit: study area, map-sheet index, land-use balance, CAD/GIS plan input.

Public names: :func:`study_area`, :func:`sheets`, :func:`land_use_balance`
(also exported from the package root), :func:`read_plan`, :func:`read_dxf`, :func:`read_dgn`,
:func:`load_categories`.
"""

from __future__ import annotations

from haiha_geo.zoning.balance import LandUseBalance, LandUseWarning, UnclassifiedCodeError, land_use_balance
from haiha_geo.zoning.categories import load_categories
from haiha_geo.zoning.dgn import read_dgn
from haiha_geo.zoning.dxf import read_dxf
from haiha_geo.zoning.plan import load_plan as read_plan
from haiha_geo.zoning.plan import read_code_map
from haiha_geo.zoning.sheet_grid import SheetError
from haiha_geo.zoning.study import StudyArea, sheets, study_area

__all__ = ["LandUseBalance", "LandUseWarning", "SheetError", "StudyArea", "UnclassifiedCodeError",
           "land_use_balance", "load_categories", "read_code_map", "read_dgn", "read_dxf", "read_plan",
           "sheets", "study_area"]
