"""Exchange with desktop GIS: a styled GeoPackage and Shapefiles for QGIS.

:func:`export_gpkg` writes every era, the new-rural status, the sites, the
zoning study's sheet index and the registry tables into one GeoPackage whose
layers open styled in QGIS; :func:`export_shapefiles` writes the spatial
layers as Shapefiles with ``.cpg``, ``.prj`` and ``.qml`` sidecars, in one ZIP. The CLI is
``haiha-geo export``.
"""

from __future__ import annotations

from haiha_geo.exchange.gpkg import ExportResult, export_gpkg
from haiha_geo.exchange.shapefile import export_shapefiles

__all__ = ["ExportResult", "export_gpkg", "export_shapefiles"]
