"""Project sites of the district's work programme as a map-ready layer.

The records are authored in ``layers/sites.csv`` (one row per site, every row
citing its sources by ``ref_id``; see ``layers/README.md``). Geometry is only
what a source gives:

* ``cited_point``: a point whose coordinates a source publishes;
* ``host_units``: no geometry is cited, so the site's extent is the union of
  its host units (of the earliest era that lists them, whose units are the
  finest). This is an upper bound of where the site lies, **not** a surveyed
  boundary (``footprint_upper_bound``), unless ``host_extent`` is ``site``:
  the site is the host unit itself (xã đảo Cái Chiên);
* ``user_file``: a polygon the user supplies (``haiha-geo sites --footprints``);
* ``none``: neither a point nor host units are known; the geometry is empty
  (null) rather than guessed.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import shapely

from haiha_geo import registry
from haiha_geo._cache import cached
from haiha_geo.authored import read_csv
from haiha_geo.crs import GEOGRAPHIC_CRS, to_geographic
from haiha_geo.eras import units
from haiha_geo.errors import GeometryError, InputFileError, RegistryError
from haiha_geo.geometry import repair, report_repairs
from haiha_geo.place import place
from haiha_geo.timeline import era_ids
from haiha_geo.vector_io import read_layer

#: Categories a site may have.
CATEGORIES: tuple[str, ...] = ("economic zone", "industrial zone", "island commune", "urban centre",
                               "market", "public facility", "border gate")
#: How a site's geometry was obtained.
FOOTPRINT_BASES: tuple[str, ...] = ("cited_point", "host_units", "user_file", "none")
_BEFORE_HOSTS = ("site_id", "category", "name_vi", "name_en", "area_ha", "area_qualifier", "area_source",
                 "area_note", "status", "status_vi", "status_year", "status_source", "act", "source")
_AFTER_HOSTS = ("host_source", "host_confidence", "host_extent", "footprint_basis", "footprint_era",
                "footprint_upper_bound", "note", "note_vi", "geometry")
#: What a site's host units are (``host_extent`` of ``layers/sites.csv``; empty: an upper bound).
HOST_EXTENTS: tuple[str, ...] = ("upper_bound", "site")


def host_columns() -> dict[str, str]:
    """``{era: column}`` of the ``host_units_ERA`` columns of ``layers/sites.csv``, oldest era first.

    An era the file has no column for (a later reform) gets none: its hosts follow from the lineage.

    Examples
    --------
    >>> host_columns()["2019"]
    'host_units_2019'
    """
    header = set(_raw_sites().columns)
    return {era: f"host_units_{era}" for era in era_ids() if f"host_units_{era}" in header}


def site_columns() -> tuple[str, ...]:
    """Columns of :func:`sites`, in order (geometry last)."""
    return (*_BEFORE_HOSTS, *host_columns().values(), *_AFTER_HOSTS)


def __getattr__(name: str):
    if name == "SITE_COLUMNS":  # the name of release 0.1
        return site_columns()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_REF_COLUMNS = ("source", "area_source", "status_source", "host_source", "point_source")


def split_ids(text: str | None) -> list[str]:
    """Split a ``;``-joined cell into its non-empty, stripped parts.

    Examples
    --------
    >>> split_ids("THEME2019; QD558;")
    ['THEME2019', 'QD558']
    >>> split_ids(None)
    []
    """
    if text is None or pd.isna(text):
        return []
    return [part.strip() for part in str(text).split(";") if part.strip()]


@cached
def known_references() -> frozenset[str]:
    """Return the reference ids of ``boundaries/references.csv`` and ``layers/references.csv``.

    Examples
    --------
    >>> {"THEME2019", "BAOCHINHPHU2021"} <= known_references()
    True
    """
    return frozenset(row["ref_id"] for folder in ("boundaries", "layers")
                     for row in read_csv(folder, "references.csv"))


def references() -> pd.DataFrame:
    """Return every reference a layer may cite (``boundaries/`` and ``layers/`` lists), by ``ref_id``.

    Examples
    --------
    >>> references().set_index("ref_id").loc["BAOCHINHPHU2021", "location"][:22]
    'https://baochinhphu.vn'
    """
    rows = [dict(row, listed_in=folder) for folder in ("boundaries", "layers")
            for row in read_csv(folder, "references.csv")]
    return pd.DataFrame(rows, columns=["ref_id", "title", "location", "notes", "listed_in"])


def reference_problems(cell: str | None, where: str, *, required: bool = True) -> list[str]:
    """Return the problems of a ``ref_id`` cell: empty (when required) or naming an unknown reference.

    Examples
    --------
    >>> reference_problems("THEME2019", "row 1")
    []
    >>> reference_problems("", "row 1")
    ['row 1: no source']
    """
    ids = split_ids(cell)
    if not ids:
        return [f"{where}: no source"] if required else []
    return [f"{where}: unknown reference {ref!r}" for ref in ids if ref not in known_references()]


@cached
def _raw_sites() -> pd.DataFrame:
    rows = read_csv("layers", "sites.csv")
    return pd.DataFrame(list(rows), columns=list(rows.header), dtype=object)  # a header alone keeps its columns


def site_problems() -> list[str]:
    """Check ``layers/sites.csv``; return the problems found (empty when sound).

    Checks: unique ids, known category, a cited source for every row and every
    stated figure, host units that exist in their era, and a point only with a
    source and both coordinates.

    Examples
    --------
    >>> site_problems()
    []
    """
    frame = _raw_sites()
    known_units = set(registry.units_table()["unit_id"])
    problems = [f"duplicate site_id {s}" for s in frame["site_id"][frame["site_id"].duplicated()]]
    for _, row in frame.iterrows():
        where = f"site {row['site_id']}"
        problems += _row_problems(row, where, known_units)
    return problems


def _row_problems(row: pd.Series, where: str, known_units: set[str]) -> list[str]:
    problems = [] if row["category"] in CATEGORIES else [f"{where}: unknown category {row['category']!r}"]
    problems += reference_problems(row["source"], where)
    for column, value_column in (("area_source", "area_ha"), ("status_source", "status"), ("point_source", "lon")):
        problems += reference_problems(row[column], f"{where} {column}", required=pd.notna(row[value_column]))
    problems += reference_problems(row["host_source"], f"{where} host_source", required=_has_hosts(row))
    for era, column in host_columns().items():
        for unit_id in split_ids(row[column]):
            if not unit_id.startswith(f"{era}/") or unit_id not in known_units:
                problems.append(f"{where}: host unit {unit_id!r} does not exist in era {era}")
    extent = row.get("host_extent")
    if pd.notna(extent) and extent not in HOST_EXTENTS:
        problems.append(f"{where}: host_extent {extent!r} is not one of {', '.join(HOST_EXTENTS)} (empty: upper_bound)")
    if pd.isna(row["lon"]) != pd.isna(row["lat"]):
        problems.append(f"{where}: a point needs both lon and lat")
    return problems


def _has_hosts(row: pd.Series) -> bool:
    return any(split_ids(row[c]) for c in host_columns().values())


def site_table() -> pd.DataFrame:
    """Return the authored site records (no geometry), after checking them.

    Raises
    ------
    RegistryError
        If :func:`site_problems` finds any problem.

    Examples
    --------
    >>> "bac_phong_sinh_ez" in set(site_table()["site_id"])
    True
    """
    problems = site_problems()
    if problems:
        raise RegistryError("layers/sites.csv is inconsistent: " + "; ".join(problems))
    frame = _raw_sites().copy()
    frame["area_ha"] = pd.to_numeric(frame["area_ha"]).astype("Float64")
    frame["status_year"] = pd.to_numeric(frame["status_year"]).astype("Int64")
    for column in ("lon", "lat"):
        frame[column] = pd.to_numeric(frame[column]).astype("Float64")
    return frame


def _footprint_era(row: pd.Series) -> str | None:
    """The earliest era listing host units: its units are the finest, so the union is tightest."""
    return next((era for era, column in host_columns().items() if split_ids(row[column])), None)


def _geometry(row: pd.Series,
              unit_geoms: dict[str, shapely.Geometry]) -> tuple[str, str | None, shapely.Geometry | None]:
    if pd.notna(row["lon"]):
        return "cited_point", None, shapely.Point(float(row["lon"]), float(row["lat"]))
    era = _footprint_era(row)
    if era is None:
        return "none", None, None
    hosts = [unit_geoms[u] for u in split_ids(row[host_columns()[era]])]
    return "host_units", era, shapely.union_all(hosts)


def _unit_geometries(source: str) -> dict[str, shapely.Geometry]:
    frames = [units(era, source=source) for era in host_columns()]
    return {u: g for frame in frames for u, g in zip(frame["unit_id"], frame.geometry)}


def sites(*, footprints: str | os.PathLike | gpd.GeoDataFrame | None = None,
          source: str = "gadm41", crs: str | None = None, strict: bool = False) -> gpd.GeoDataFrame:
    """Return the project sites as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    footprints : path or GeoDataFrame, optional
        Polygons that replace the footprints of the sites they name (column
        ``site_id``); their CRS is checked and they are reprojected with the
        pinned datum shift. Those sites get ``footprint_basis = "user_file"``.
    source : str
        Reference source of the unit polygons used for host-unit footprints.
    crs : str, optional
        CRS of a footprints file that declares none (see :func:`haiha_geo.vector_io.read_layer`).
    strict : bool
        Refuse invalid footprint polygons (:class:`~haiha_geo.errors.GeometryRepairError`) instead of
        repairing them with a :class:`~haiha_geo.errors.GeometryRepairWarning` (what changed, area before/after).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site with :func:`site_columns`. ``footprint_basis`` says
        what the geometry is (see the module notes); ``footprint_era`` is the
        era whose host units form a ``host_units`` footprint;
        ``footprint_upper_bound`` is True when that footprint only bounds
        where the site lies (the site covers part of it), so maps draw it as
        a possible extent, never as the site's boundary.

    Examples
    --------
    >>> layer = sites()
    >>> layer.set_index("site_id").loc["quang_ha_town", "footprint_basis"]
    'cited_point'
    >>> layer.set_index("site_id").loc["cai_chien", "host_units_2020"]
    '2020/06967'
    >>> layer.set_index("site_id")["footprint_upper_bound"][["texhong_hai_ha_phase1", "cai_chien"]].tolist()
    [True, False]
    """
    frame = site_table()
    if "host_extent" not in frame.columns:  # a registry folder of release 0.1: every host list is a bound
        frame["host_extent"] = None
    unit_geoms = _unit_geometries(source)
    built = [_geometry(row, unit_geoms) for _, row in frame.iterrows()]
    frame["footprint_basis"] = [b for b, _, _ in built]
    frame["footprint_era"] = [e for _, e, _ in built]
    frame["footprint_upper_bound"] = [b == "host_units" and x != "site" for (b, _, _), x in
                                      zip(built, frame["host_extent"])]
    layer = gpd.GeoDataFrame(frame, geometry=[g for _, _, g in built], crs=GEOGRAPHIC_CRS)
    if footprints is not None:
        layer = _apply_footprints(layer, read_footprints(footprints, set(layer["site_id"]), source=source,
                                                         crs=crs, strict=strict))
    return layer[list(site_columns())]


def read_footprints(footprints: str | os.PathLike | gpd.GeoDataFrame, site_ids: set[str], *,
                    source: str = "gadm41", crs: str | None = None, strict: bool = False) -> gpd.GeoSeries:
    """Read and check user footprints; return one polygonal geometry per site_id (EPSG:4326).

    ``crs`` is assumed for a file that declares none (:func:`haiha_geo.vector_io.read_layer`).

    Raises
    ------
    InputFileError
        No ``site_id`` column, or a site_id that names no site.
    CRSError
        The file has no CRS, or its coordinates do not fit the declared one.
    GeometryError
        A footprint that is not a polygon, or that lies outside the district.
    """
    frame = footprints if isinstance(footprints, gpd.GeoDataFrame) else read_layer(footprints, crs=crs,
                                                                                         what="footprints file")
    if "site_id" not in frame.columns:
        raise InputFileError(f"footprints need a 'site_id' column naming the site; columns are {list(frame.columns)}")
    unknown = sorted(set(frame["site_id"].astype(str)) - site_ids)
    if unknown:
        raise InputFileError(f"footprints name unknown site(s) {unknown}; known sites: {sorted(site_ids)}")
    frame = to_geographic(frame)
    bad = ~frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise GeometryError(f"footprints must be polygons; {int(bad.sum())} feature(s) are "
                            f"{sorted(set(frame.geometry.geom_type[bad]))}")
    fixed, report = repair(frame.geometry.values, [f"footprint of {s}" for s in frame["site_id"]])
    report_repairs(report, strict)
    merged = frame.assign(geometry=fixed).dissolve(by="site_id").geometry
    _check_inside_district(merged, source)
    return merged


def _check_inside_district(footprints: gpd.GeoSeries, source: str) -> None:
    area = units(era_ids()[-1], source=source).union_all()
    outside = [str(s) for s, g in footprints.items() if not g.intersects(area)]
    if outside:
        raise GeometryError(f"footprint(s) of {outside} lie entirely outside {place().name} "
                            f"({place().title_en}): wrong file or CRS?")


def _apply_footprints(layer: gpd.GeoDataFrame, footprints: gpd.GeoSeries) -> gpd.GeoDataFrame:
    layer = layer.copy()
    replace = layer["site_id"].isin(footprints.index)
    layer.loc[replace, "geometry"] = footprints.reindex(layer.loc[replace, "site_id"]).values
    layer.loc[replace, "footprint_basis"] = "user_file"
    layer.loc[replace, "footprint_era"] = None
    layer.loc[replace, "footprint_upper_bound"] = False
    return layer
