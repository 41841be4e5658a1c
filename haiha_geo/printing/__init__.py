"""Printed maps: one page of a map spec (:func:`print_map`) and the map-sheet atlas (:func:`atlas`).

Vector PDF (matplotlib's PDF backend, DejaVu Sans embedded as TrueType) at an
exact scale in EPSG:5899, with the VN-2000 grid, north arrow, scale, legend
and a title block after Vietnamese drawing practice.
"""

from haiha_geo.printing.atlas_pages import atlas
from haiha_geo.printing.layout import PAPERS, STANDARD_SCALES
from haiha_geo.printing.page import PrintDocument, print_map

__all__ = ["PAPERS", "STANDARD_SCALES", "PrintDocument", "atlas", "print_map"]
