"""Era layers of Hải Hà as one consistent hierarchy of polygons.

The era-2019 polygons of a reference source (GADM 4.1 by default) are made a
clean coverage in EPSG:5899 (``shapely.coverage_clean``: overlaps resolved,
sliver gaps filled, shared edges identical). The later eras are dissolved from
them by the lineage in ``boundaries/lineage.csv``: membership follows the law.
Geometry decides only the parts of a declared split: the part of Quảng Long
that Resolution 1679 gives to xã Quảng Hà is where the 2025 source puts xã
Quảng Hà; the remainder goes to xã Đường Hoa, as the resolution says.

The building blocks are *atoms*: the cleaned era-2019 units, with a split
unit cut into its parts. Each atom belongs to exactly one unit of every era,
so every era is a union of atoms, totals agree across eras, and one spatial
query answers all eras at once (:func:`assign`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo import registry, sources
from haiha_geo.crs import GEOGRAPHIC_CRS, PLANNING_CRS, PROVENANCE, to_geographic, to_planning
from haiha_geo.errors import RegistryError, UnknownEraError
from haiha_geo.names import normalise
from haiha_geo.validation import coverage_gaps, pairwise_overlaps, polygonal, repair

#: Sliver gaps narrower than this (m) are closed when cleaning the era-2019 coverage.
#: GADM 4.1 is generalised to ~586 m segments; its slivers are up to ~150 m wide.
GAP_WIDTH_M = 200.0
#: Fragments of a split part smaller than this (m²) stay with the remainder.
MIN_SPLIT_FRAGMENT_M2 = 1000.0
#: The source whose polygons decide the parts of the 2025 split.
SPLIT_SOURCE = "vn3dmap2025"

UNIT_COLUMNS = ["unit_id", "code", "name", "type", "label", "era", "valid_from", "valid_to",
                "area_ha", "official_area_ha", "population", "population_year", "created_by", "ended_by"]


@dataclass(frozen=True)
class Model:
    """The atoms of the hierarchy (EPSG:5899) and the reports of how they were built."""

    source: str
    atoms: gpd.GeoDataFrame
    cleaning: dict
    split: pd.DataFrame


def _match_2019(raw: gpd.GeoDataFrame, source: str) -> list[str]:
    """Map the source's features to era-2019 unit ids by normalised name."""
    field = sources.source_info(source)["fields"]["name"]
    wanted = {normalise(n): u for n, u in registry.units_table("2019")[["name", "unit_id"]].itertuples(index=False)}
    ids = [wanted.get(normalise(n)) for n in raw[field]]
    missing = sorted(set(wanted.values()) - set(ids))
    unknown = [n for n, u in zip(raw[field], ids) if u is None]
    if missing or unknown or len(set(ids)) != len(ids):
        raise RegistryError(f"source {source!r} does not hold the 16 era-2019 units one-to-one: "
                            f"unmatched features {unknown}, registry units without a feature {missing}")
    return ids


def _clean_2019(source: str) -> tuple[gpd.GeoDataFrame, dict]:
    raw = sources.read_source(source)
    ids = _match_2019(raw, source)
    planning = to_planning(raw)
    geoms, repaired = repair(planning.geometry.values, ids)
    overlaps = sum(a for *_, a in pairwise_overlaps(geoms, ids))
    gaps = coverage_gaps(geoms, GAP_WIDTH_M)
    clean = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH_M)
    moved = float(sum(shapely.area(shapely.symmetric_difference(a, b)) for a, b in zip(geoms, clean)))
    report = {
        "source": source, "gap_width_m": GAP_WIDTH_M, "repaired": repaired,
        "raw_area_m2": float(shapely.area(geoms).sum()), "clean_area_m2": float(shapely.area(clean).sum()),
        "overlaps_m2": overlaps, "gaps_m2": gaps, "area_moved_m2": moved,
        "coverage_valid": bool(shapely.coverage_is_valid(clean)),
    }
    return gpd.GeoDataFrame({"unit_2019": ids}, geometry=list(clean), crs=PLANNING_CRS), report


def _successors(older: str, newer: str) -> pd.DataFrame:
    lin = registry.lineage_table()
    return lin[lin["from_unit_id"].str.startswith(older + "/") & lin["to_unit_id"].str.startswith(newer + "/")]


@cache
def _split_polygons(data_path: str) -> dict[str, shapely.Geometry]:
    """The 2025 source's polygons in EPSG:5899, by GSO code (read once per data directory)."""
    frame = to_planning(sources.read_source(SPLIT_SOURCE))
    codes = frame[sources.source_info(SPLIT_SOURCE)["fields"]["code"]]
    if codes.duplicated().any():
        raise RegistryError(f"the split source {SPLIT_SOURCE} has more than one polygon for a code")
    return dict(zip(codes, frame.geometry))


def _split_source_geometry(unit_id: str) -> shapely.Geometry:
    code = registry.unit(unit_id)["code"]
    try:
        return _split_polygons(str(sources.data_dir().path))[code]
    except KeyError:
        raise RegistryError(f"the split source {SPLIT_SOURCE} has no polygon for {unit_id}") from None


def _cut(geom: shapely.Geometry, part_to: str) -> tuple[shapely.Geometry, shapely.Geometry, int]:
    """Cut ``geom`` into the part lying in the split source's ``part_to`` polygon and the remainder."""
    pieces = shapely.get_parts(polygonal(shapely.intersection(geom, _split_source_geometry(part_to))))
    kept = [p for p in pieces if p.area >= MIN_SPLIT_FRAGMENT_M2]
    part = shapely.MultiPolygon(kept)
    return part, polygonal(shapely.difference(geom, part)), len(pieces) - len(kept)


def _atoms(units_2019: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    step1 = _successors("2019", "2020").set_index("from_unit_id")["to_unit_id"]
    step2 = _successors("2020", "2025")
    rows, split_rows = [], []
    for unit_2019, geom in zip(units_2019["unit_2019"], units_2019.geometry):
        unit_2020 = step1[unit_2019]
        links = step2[step2["from_unit_id"] == unit_2020].set_index("relation")["to_unit_id"]
        if "split_part" not in links:
            rows.append((unit_2019, unit_2020, links.iloc[0], geom))
            continue
        part, rest, dropped = _cut(geom, links["split_part"])
        rows += [(unit_2019, unit_2020, links["split_part"], part), (unit_2019, unit_2020, links["split_remainder"], rest)]
        split_rows.append({"unit_2019": unit_2019, "unit_2020": unit_2020, "part_to": links["split_part"],
                           "part_ha": part.area / 1e4, "part_pieces": len(shapely.get_parts(part)),
                           "remainder_to": links["split_remainder"], "remainder_ha": rest.area / 1e4,
                           "fragments_kept_in_remainder": dropped})
    atoms = gpd.GeoDataFrame(rows, columns=["unit_2019", "unit_2020", "unit_2025", "geometry"], crs=PLANNING_CRS)
    # Cutting adds vertices on one side of a shared edge only: node the atoms again so edges match exactly.
    atoms.geometry = shapely.coverage_clean(atoms.geometry.values)
    atoms["area_m2"] = atoms.area
    return atoms, pd.DataFrame(split_rows)


@cache
def _model(source: str, data_path: str) -> Model:
    registry.check()
    units_2019, cleaning = _clean_2019(source)
    atoms, split = _atoms(units_2019)
    return Model(source=source, atoms=atoms, cleaning=cleaning, split=split)


def model(source: str = "gadm41") -> Model:
    """Return the built hierarchy for ``source`` (cached per source and data directory)."""
    sources.source_info(source)
    return _model(source, str(sources.data_dir().path))


@cache
def _era_layer(source: str, data_path: str, era: str) -> gpd.GeoDataFrame:
    atoms = _model(source, data_path).atoms
    groups = atoms.groupby(f"unit_{era}", sort=False)
    geoms = {u: shapely.coverage_union_all(g.geometry.values) for u, g in groups}
    table = registry.units_table(era)
    table["area_ha"] = [geoms[u].area / 1e4 for u in table["unit_id"]]
    layer = gpd.GeoDataFrame(table, geometry=[geoms[u] for u in table["unit_id"]], crs=PLANNING_CRS)
    return layer[UNIT_COLUMNS + ["official_area_ref", "population_ref", "geometry"]]


def units(era: str | int | None = None, *, date: str | dt.date | None = None, source: str = "gadm41",
          crs: str = GEOGRAPHIC_CRS) -> gpd.GeoDataFrame:
    """Return the administrative units of an era (or of the era in force on ``date``).

    Parameters
    ----------
    era : {"2019", "2020", "2025"}, optional
        The era: 16 units until 31/01/2020, 11 until 30/06/2025, 4 from 01/07/2025.
    date : str or date, optional
        Resolve the era from a date instead (``"2021-06-30"`` → ``"2020"``).
    source : str
        Reference source of the era-2019 polygons (``gadm41`` or ``censusvn2009``).
    crs : {"EPSG:4326", "EPSG:5899"}
        CRS of the returned geometry. ``area_ha`` is always computed in EPSG:5899.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit: ``unit_id`` (era-qualified, e.g. ``2020/06922``),
        ``code``, ``name``, ``type``, ``label``, ``era``, ``valid_from``,
        ``valid_to``, ``area_ha``, ``official_area_ha`` (null where no source
        gives one), population, acts and sources.

    Examples
    --------
    >>> layer = units(date="2021-06-30")
    >>> len(layer), layer.loc[layer.code == "06922", "label"].item()
    (11, 'thị trấn Quảng Hà')
    """
    if (era is None) == (date is None):
        raise UnknownEraError("give exactly one of era (2019, 2020, 2025) or date (YYYY-MM-DD)")
    era = registry.check_era(era) if era is not None else registry.era_for_date(date)
    if crs not in (GEOGRAPHIC_CRS, PLANNING_CRS):
        raise UnknownEraError(f"crs must be {GEOGRAPHIC_CRS} or {PLANNING_CRS}, not {crs!r}")
    model(source)
    layer = _era_layer(source, str(sources.data_dir().path), era).copy()
    layer = layer if crs == PLANNING_CRS else to_geographic(layer)
    layer.attrs["provenance"] = {**PROVENANCE, "boundary_source": source, "split_source": SPLIT_SOURCE,
                                 "gap_width_m": GAP_WIDTH_M}
    return layer


def agreement_2025(source: str = "gadm41") -> pd.DataFrame:
    """Compare the derived era-2025 units with the 2025 source polygons, unit by unit.

    ``overlap_ratio`` is intersection over union (1 = identical). The 2025
    source follows the shoreline more closely and cuts out tidal channels, so
    coastal units agree less than inland ones.

    Examples
    --------
    >>> bool(agreement_2025().set_index("name").loc["Quảng Đức", "overlap_ratio"] > 0.9)
    True
    """
    derived = units("2025", source=source, crs=PLANNING_CRS)
    rows = []
    for unit in derived.itertuples():
        other = _split_source_geometry(unit.unit_id)
        inter, union = shapely.intersection(unit.geometry, other).area, shapely.union(unit.geometry, other).area
        rows.append({"unit_id": unit.unit_id, "code": unit.code, "name": unit.name, "derived_ha": unit.area_ha,
                     "source_ha": other.area / 1e4, "official_ha": unit.official_area_ha,
                     "intersection_ha": inter / 1e4, "overlap_ratio": inter / union})
    return pd.DataFrame(rows)


def assign(points, *, eras: tuple[str, ...] = registry.ERAS, source: str = "gadm41") -> pd.DataFrame:
    """Assign points to their unit in several eras with one spatial query.

    Parameters
    ----------
    points : GeoSeries, GeoDataFrame or array of shapely Points
        A GeoSeries/GeoDataFrame must carry a CRS; a bare array is taken as
        EPSG:4326 (lon, lat).
    eras : tuple of str
        Eras to answer for.

    Returns
    -------
    pandas.DataFrame
        One column per era (``unit_2019``, …) with the unit id, or None for a
        point outside the district; index as the input's.

    Examples
    --------
    >>> assign(shapely.points([[107.7525, 21.45167]])).iloc[0].tolist()
    ['2019/06922', '2020/06922', '2025/06922']
    """
    eras = tuple(registry.check_era(e) for e in eras)
    if not isinstance(points, (gpd.GeoSeries, gpd.GeoDataFrame)):
        points = gpd.GeoSeries(np.asarray(points), crs=GEOGRAPHIC_CRS)
    index = points.index
    frame = points if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=points)
    atoms = _atoms_in(source, frame.crs.to_string() if frame.crs else None)
    geoms = frame.geometry.values if frame.crs.to_string() in (GEOGRAPHIC_CRS, PLANNING_CRS) else to_geographic(frame).geometry.values
    point_idx, atom_idx = atoms.sindex.query(np.asarray(geoms), predicate="intersects")
    first = np.full(len(frame), -1)
    first[point_idx[::-1]] = atom_idx[::-1]
    out = {}
    for era in eras:
        labels = np.append(atoms[f"unit_{era}"].to_numpy(dtype=object), None)
        out[f"unit_{era}"] = labels[first]
    return pd.DataFrame(out, index=index)


def _atoms_in(source: str, crs: str | None) -> gpd.GeoDataFrame:
    atoms = model(source).atoms
    return atoms if crs == PLANNING_CRS else _geographic_atoms(source, str(sources.data_dir().path))


@cache
def _geographic_atoms(source: str, data_path: str) -> gpd.GeoDataFrame:
    return to_geographic(_model(source, data_path).atoms)
