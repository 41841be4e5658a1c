"""Study area of a zoning plan, and the map sheets that cover an area.

The study area is a unit, or a union of units, of one era, taken from
:func:`haiha_geo.units` in EPSG:5899 (areas are planimetric there). Its
predecessors are the units of the era before whose land it took over, from
:func:`haiha_geo.crosswalks.crosswalk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from haiha_geo import registry
from haiha_geo.crosswalks import crosswalk
from haiha_geo.crs import PLANNING_CRS, to_planning
from haiha_geo.eras import units
from haiha_geo.names import resolve
from haiha_geo.place import place
from haiha_geo.zoning.sheet_grid import sheet_grid
from haiha_geo.zoning.sheet_grid import system as load_system

_PREDECESSOR_COLUMNS = ("from_unit_id", "from_code", "from_name", "to_unit_id", "to_name", "share", "split")
#: Segment length (m) used to densify an area before it is turned into lon/lat for geographic sheets.
DENSIFY_M = 50.0


@dataclass(frozen=True)
class StudyArea:
    """A union of administrative units of one era, in EPSG:5899.

    Attributes
    ----------
    name : str
        Label, e.g. ``"TT Quảng Hà (2020)"``.
    era : str
    units : GeoDataFrame
        The member units (EPSG:5899), as :func:`haiha_geo.units` gives them.
    geometry : shapely geometry
        Their union (EPSG:5899).
    area_ha : float
        Planimetric area of the union in EPSG:5899, ha.
    predecessors : DataFrame
        Units of the previous era with land inside the study area
        (``from_unit_id``, ``from_code``, ``from_name``, ``to_unit_id``,
        ``to_name``, ``share``, ``split``); empty for the first era.
    """

    name: str
    era: str
    units: gpd.GeoDataFrame
    geometry: shapely.Geometry
    area_ha: float
    predecessors: pd.DataFrame

    def to_frame(self) -> gpd.GeoDataFrame:
        """One-row GeoDataFrame (name, era, unit_ids, area_ha, predecessors, geometry) in EPSG:5899."""
        return gpd.GeoDataFrame({
            "name": [self.name], "era": [self.era], "unit_ids": [", ".join(self.units["unit_id"])],
            "area_ha": [self.area_ha], "predecessors": [", ".join(self.predecessors["from_name"].unique())],
        }, geometry=[self.geometry], crs=PLANNING_CRS)


def study_area(names: str | Sequence[str] | None = None, era: str | int | None = None) -> StudyArea:
    """The study area made of the named units of ``era``.

    Parameters
    ----------
    names : str or sequence of str, optional
        Unit names (diacritics and prefixes optional) or unit ids; default the
        study unit of ``boundaries/place.toml`` (Quảng Hà).
    era : str or int, optional
        An era id (``"2019"``, ``"2020"``, ``"2025"``); default the study era
        of ``boundaries/place.toml`` (2020).

    Returns
    -------
    StudyArea
        The union of the units (EPSG:5899), its area and the predecessor units.

    Examples
    --------
    >>> town = study_area("Quảng Hà", "2020")
    >>> town.name, sorted(town.predecessors["from_name"])
    ('thị trấn Quảng Hà (2020)', ['Phú Hải', 'Quảng Hà', 'Quảng Trung', 'Quảng Điền'])
    """
    names = place().study_unit if names is None else names
    era = registry.check_era(place().study_era if era is None else era)
    ids = [_resolve(n, era) for n in ([names] if isinstance(names, str) else list(names))]
    members = units(era, crs=PLANNING_CRS)
    members = members[members["unit_id"].isin(ids)].reset_index(drop=True)
    geometry = shapely.union_all(members.geometry.values)
    label = " + ".join(members["label"]) + f" ({era})"
    return StudyArea(label, era, members, geometry, round(geometry.area / 1e4, 4), _predecessors(ids, era))


def _resolve(name: str, era: str) -> str:
    return name if name.startswith(f"{era}/") else resolve(name, era)


def _predecessors(ids: list[str], era: str) -> pd.DataFrame:
    index = registry.era_ids().index(era)
    if index == 0:
        return pd.DataFrame(columns=list(_PREDECESSOR_COLUMNS))
    table = crosswalk(registry.era_ids()[index - 1], era)
    keep = [c for c in _PREDECESSOR_COLUMNS if c in table]
    return table.loc[table["to_unit_id"].isin(ids), keep].reset_index(drop=True)


def as_planning_geometry(area, era: str | int | None = None) -> shapely.Geometry:
    """Turn ``area`` into one shapely geometry in EPSG:5899.

    ``area`` may be a :class:`StudyArea`, a unit name or list of names (of
    ``era``, default the study era of ``boundaries/place.toml``), a GeoDataFrame/GeoSeries in any CRS, or a shapely
    geometry, which is taken to be in EPSG:5899.

    Examples
    --------
    >>> as_planning_geometry(shapely.box(0, 0, 10, 10)).area
    100.0
    """
    if isinstance(area, StudyArea):
        return area.geometry
    if isinstance(area, str) or (isinstance(area, Sequence) and all(isinstance(a, str) for a in area)):
        return study_area(area, era).geometry
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=area)
        return shapely.union_all(to_planning(frame).geometry.values)
    if isinstance(area, shapely.Geometry):
        return area
    raise TypeError(f"cannot use {type(area).__name__} as an area; give a StudyArea, unit name(s), "
                    "a GeoDataFrame or a shapely geometry in EPSG:5899")


def sheets(area, scale: int = 2000, system: str = "cadastral", *, era: str | int | None = None) -> gpd.GeoDataFrame:
    """Map sheets of ``scale`` in ``system`` that cover ``area``.

    Parameters
    ----------
    area : StudyArea, unit name(s), GeoDataFrame or shapely geometry (EPSG:5899)
        See :func:`as_planning_geometry`.
    scale : int
        Denominator: 10000, 5000, 2000, 1000 or 500 (cadastral); 1000000, 100000, 50000,
        25000, 10000, 5000 or 2000 (topographic).
    system : {"cadastral", "topographic"}
        Square sheets in EPSG:5899 (TT 25/2014/TT-BTNMT), or geographic
        sheets in VN-2000 lon/lat, EPSG:4756 (TT 973/2001/TT-TCĐC).
    era : str, optional
        Era of ``area`` when it is given by name (default: the study era of ``boundaries/place.toml``).

    Returns
    -------
    GeoDataFrame
        ``sheet``, ``scale``, ``system``, ``parent``, ``size_confidence``,
        ``number_confidence``, geometry in the system's CRS (EPSG:5899 or
        EPSG:4756), north to south then west to east. Only sheets whose
        interior meets the area are listed.

    Examples
    --------
    >>> square = shapely.box(500050, 2372050, 500950, 2372950)
    >>> sheets(square, 2000, "cadastral")["sheet"].tolist()
    ['373498-3']
    >>> sheets(shapely.Point(500064.012, 2372959.797).buffer(1), 2000, "topographic")["sheet"].tolist()
    ['F-48-72-(25-d)']
    """
    geometry = as_planning_geometry(area, era)
    sys = load_system(system)
    if sys.crs != PLANNING_CRS:
        dense = shapely.segmentize(geometry, DENSIFY_M)
        geometry = gpd.GeoSeries([dense], crs=PLANNING_CRS).to_crs(sys.crs).iloc[0]
    return sheet_grid(geometry, int(scale), system)

