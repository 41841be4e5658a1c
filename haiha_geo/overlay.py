"""Area of a polygon layer in each administrative unit of an era.

The layer (a site footprint, a user's zone) is dissolved into one area, so
overlapping features are counted once, reprojected to VN-2000 / TM-3 107°45′
(EPSG:5899) with the pinned datum shift, and intersected with every unit of
the era. Because the units of an era form one clean coverage of the district,
the unit areas add up to the layer's area inside the district.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import shapely

from haiha_geo.crs import PROVENANCE, parse_crs, require_crs, to_planning
from haiha_geo.eras import units
from haiha_geo.errors import GeometryError
from haiha_geo.geometry import polygonal
from haiha_geo.registry import check_era
from haiha_geo.vector_io import read_layer

#: Columns of :func:`overlay_stats`.
OVERLAY_COLUMNS: tuple[str, ...] = ("unit_id", "code", "name", "type", "area_ha", "unit_area_ha",
                                    "share_of_unit", "share_of_layer")


def _read(layer: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries, crs: str | None) -> gpd.GeoDataFrame:
    assumed = parse_crs(crs, "crs=") if crs is not None else None
    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame(geometry=layer)
    if isinstance(layer, gpd.GeoDataFrame):
        if layer.crs is None and assumed is not None:
            layer = layer.set_crs(assumed)
        layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
        if layer.empty:
            raise GeometryError("the overlay layer has no geometry (every feature is null or empty)")
        require_crs(layer, "the overlay layer")
        return layer
    return read_layer(layer, crs=crs, what=f"overlay layer {os.fspath(layer)}")


def zone_geometry(layer: gpd.GeoDataFrame) -> shapely.Geometry:
    """Return the layer's polygons dissolved into one valid (multi)polygon in EPSG:5899.

    Raises
    ------
    GeometryError
        A feature that is not a polygon, or no polygon area at all.

    Examples
    --------
    >>> from shapely import box
    >>> zone = gpd.GeoDataFrame(geometry=[box(500000, 2372000, 501000, 2373000)], crs="EPSG:5899")
    >>> round(zone_geometry(zone).area / 1e4, 2)
    100.0
    """
    kinds = set(layer.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise GeometryError(f"overlay needs polygons; the layer has {sorted(kinds - {'Polygon', 'MultiPolygon'})} "
                            "geometries (buffer points or lines first)")
    planning = to_planning(layer)
    zone = shapely.union_all([polygonal(shapely.make_valid(g)) for g in planning.geometry.values])
    if zone.is_empty or zone.area == 0:
        raise GeometryError("the overlay layer has no polygon area")
    return zone


def overlay_stats(layer: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries, era: str | int, *,
                  crs: str | None = None, source: str = "gadm41") -> pd.DataFrame:
    """Return the layer's area in each unit of ``era``, in ha (EPSG:5899) and as shares.

    Parameters
    ----------
    layer : path or GeoDataFrame or GeoSeries
        Polygons; a file is read and checked with :func:`haiha_geo.vector_io.read_layer`.
    era : {"2019", "2020", "2025"}
        The era whose units are used.
    crs : str, optional
        CRS to assume when the layer declares none (else a missing CRS raises).
    source : str
        Reference source of the unit polygons.

    Returns
    -------
    pandas.DataFrame
        One row per unit of the era (:data:`OVERLAY_COLUMNS`): ``area_ha`` of
        the layer inside the unit, ``share_of_unit`` (of the unit's area) and
        ``share_of_layer`` (of the whole layer, including any part outside
        the district). ``frame.attrs`` holds ``layer_area_ha``,
        ``inside_district_ha``, ``outside_district_ha`` and the CRS provenance.

    Raises
    ------
    CRSError, GeometryError, InputFileError, UnknownEraError

    Examples
    --------
    >>> from shapely import box
    >>> zone = gpd.GeoDataFrame(geometry=[box(107.74, 21.44, 107.76, 21.46)], crs="EPSG:4326")
    >>> table = overlay_stats(zone, "2020")
    >>> bool(abs(table.area_ha.sum() - table.attrs["inside_district_ha"]) < 0.01)
    True
    """
    era = check_era(era)
    zone = zone_geometry(_read(layer, crs))
    era_units = units(era, source=source, crs="EPSG:5899")
    pieces = shapely.intersection(era_units.geometry.values, zone)
    area = shapely.area(pieces) / 1e4
    unit_area = shapely.area(era_units.geometry.values) / 1e4
    layer_ha = zone.area / 1e4
    frame = pd.DataFrame({"unit_id": era_units["unit_id"].values, "code": era_units["code"].values,
                          "name": era_units["name"].values, "type": era_units["type"].values,
                          "area_ha": area, "unit_area_ha": unit_area,
                          "share_of_unit": area / unit_area, "share_of_layer": area / layer_ha})
    inside = float(area.sum())
    frame.attrs.update({"era": str(era), "layer_area_ha": layer_ha, "inside_district_ha": inside,
                        "outside_district_ha": max(layer_ha - inside, 0.0), **PROVENANCE})
    return frame[list(OVERLAY_COLUMNS)]
