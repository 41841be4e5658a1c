"""Era layers as one consistent hierarchy of polygons.

The units of the first era (``boundaries/eras.toml``) are taken from a
reference source (GADM 4.1 by default) and made a clean coverage in EPSG:5899
(``shapely.coverage_clean``: overlaps resolved, sliver gaps filled, shared
edges identical). Every later era is dissolved from them by the lineage in
``boundaries/lineage.csv``, one reform (step) after the other: membership
follows the law. Geometry decides only the parts of a declared split: the part
of a split unit that goes to a receiving unit (``split_part``) is where the
era's ``split_source`` draws that unit; the rest (``split_remainder``) goes
where the act says. In Hải Hà, Resolution 1679 splits xã Quảng Long between
xã Quảng Hà and xã Đường Hoa, cut along the 2025 source (vn3dmap2025).

The building blocks are *atoms*: the cleaned first-era units, with every split
unit cut into its parts. Each atom belongs to exactly one unit of every era,
so every era is a union of atoms, totals agree across eras, and one spatial
query answers all eras at once (:func:`assign`). Any number of steps works.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo import disk_cache, registry, sources
from haiha_geo._cache import cached
from haiha_geo.crs import GEOGRAPHIC_CRS, PLANNING_CRS, PROVENANCE, to_geographic, to_planning
from haiha_geo.errors import RegistryError, UnknownEraError
from haiha_geo.geometry import coverage_gaps, pairwise_overlaps, polygonal, repair
from haiha_geo.names import normalise
from haiha_geo.timeline import Era, era_ids, eras, steps
from haiha_geo.vector_io import CHUNK_FEATURES, iter_layer

#: Sliver gaps narrower than this (m) are closed when cleaning the first era's coverage.
#: GADM 4.1 is generalised to ~586 m segments; its slivers are up to ~150 m wide.
GAP_WIDTH_M = 200.0
#: Fragments of a split part smaller than this (m²) stay with the remainder.
MIN_SPLIT_FRAGMENT_M2 = 1000.0

UNIT_COLUMNS = ["unit_id", "code", "name", "type", "label", "era", "valid_from", "valid_to",
                "area_ha", "official_area_ha", "population", "population_year", "created_by", "ended_by"]


def split_sources() -> tuple[str, ...]:
    """The reference sources that cut split units (``split_source`` of the eras in ``boundaries/eras.toml``)."""
    return tuple(dict.fromkeys(e.split_source for e in eras() if e.split_source))


def __getattr__(name: str):
    if name == "SPLIT_SOURCE":  # kept for callers of 0.1: the (first) source that cuts a split
        found = split_sources()
        return found[0] if found else None
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Model:
    """The atoms of the hierarchy (EPSG:5899) and the reports of how they were built."""

    source: str
    atoms: gpd.GeoDataFrame
    cleaning: dict
    split: pd.DataFrame


_BRACKETED = re.compile(r"(.+?)\s*\((.+)\)")


def _match_base(raw: gpd.GeoDataFrame, source: str) -> list[str]:
    """Map the source's features to the first era's unit ids by normalised name.

    Where the source names each feature's district (``fields.district`` in ``sources.toml``) and the registry
    gives each unit's ``district``, a name is matched within its district (names repeat across a province);
    two units of one name in one district (a town and the commune around it) are told apart by their type.
    """
    base = eras()[0].id
    fields = sources.source_info(source)["fields"]
    table = registry.units_table(base)
    by_district = "district" in fields and "district" in table.columns

    def keys(names, districts, types) -> list[tuple[str, ...]]:
        return [(normalise(d) if by_district else "", normalise(n), normalise(t)) for n, d, t in
                zip(names, districts, types)]

    blank = [""] * len(table)
    districts = table["district"] if by_district else blank
    # A name may begin with a type word ("Phương Đông" folds to "dong"; a source writing "Phường Phương Đông"
    # to "phuongdong"): each unit is keyed by its name and by its name written with its type.
    unit_keys = (keys(table["name"], districts, table["type"]) +
                 keys(table["type"] + " " + table["name"], districts, table["type"]))
    raw_names = raw[fields["name"]]
    names, types = _name_and_type(raw_names, raw[fields["type"]] if "type" in fields else _type_prefixes(raw_names))
    raw_keys = keys(names, raw[fields["district"]] if by_district else [""] * len(raw), types)
    ids = _match_keys(unit_keys, list(table["unit_id"]) * 2, raw_keys)
    missing = sorted(set(table["unit_id"]) - set(ids))
    unknown = [n for n, u in zip(raw_names, ids) if u is None]
    if missing or unknown or len(set(ids)) != len(ids):
        raise RegistryError(f"source {source!r} does not hold the {len(table)} era-{base} units one-to-one: "
                            f"unmatched features {unknown}, registry units without a feature {missing}")
    return ids


def _type_prefixes(names) -> list[str]:
    """The type word a source writes before each name (``"Thị trấn Đầm Hà"`` → ``"Thị trấn"``), or ``""``."""
    words = ("thị trấn", "phường", "xã", "đặc khu")
    return [next((w for w in words if str(n).lower().startswith(w + " ")), "") for n in names]


def _name_and_type(names, types) -> tuple[list[str], list[str]]:
    """Names without a type written in brackets after them (GADM's ``"ĐầmHà(Thịtrấn)"``), and the types."""
    split = [_BRACKETED.fullmatch(str(n)) for n in names]
    return ([m.group(1) if m else n for m, n in zip(split, names)],
            [m.group(2) if m else t for m, t in zip(split, types)])


def _match_keys(unit_keys: list[tuple[str, ...]], unit_ids: list[str], raw_keys: list[tuple[str, ...]]) -> list:
    """Each feature's unit: by (district, name), or by (district, name, type) where a name repeats in a district."""
    short: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for key, unit_id in zip(unit_keys, unit_ids):
        if (key[2], unit_id) not in short.setdefault(key[:2], []):
            short[key[:2]].append((key[2], unit_id))
    out = []
    for key in raw_keys:
        candidates = short.get(key[:2], [])
        if len(candidates) > 1:  # the type (thị trấn / xã) tells them apart; GADM writes "Thịtrấn"
            candidates = [c for c in candidates if c[0].replace(" ", "") == key[2].replace(" ", "")]
        out.append(candidates[0][1] if len(candidates) == 1 else None)
    return out


def _clean_base(source: str) -> tuple[gpd.GeoDataFrame, dict]:
    raw = sources.read_source(source)
    ids = _match_base(raw, source)
    planning = to_planning(raw)
    geoms, repaired = repair(planning.geometry.values, ids)
    overlaps = sum(a for *_, a in pairwise_overlaps(geoms, ids))
    gaps = coverage_gaps(geoms, GAP_WIDTH_M)
    clean = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH_M)
    moved = float(sum(shapely.area(shapely.symmetric_difference(a, b)) for a, b in zip(geoms, clean)))
    report = {
        "source": source, "era": eras()[0].id, "gap_width_m": GAP_WIDTH_M, "repaired": repaired,
        "raw_area_m2": float(shapely.area(geoms).sum()), "clean_area_m2": float(shapely.area(clean).sum()),
        "overlaps_m2": overlaps, "gaps_m2": gaps, "area_moved_m2": moved,
        "coverage_valid": bool(shapely.coverage_is_valid(clean)),
    }
    return gpd.GeoDataFrame({f"unit_{eras()[0].id}": ids}, geometry=list(clean), crs=PLANNING_CRS), report


@cached
def _split_polygons(source: str) -> dict[str, shapely.Geometry]:
    """A split source's polygons in EPSG:5899, by GSO code (read once)."""
    frame = to_planning(sources.read_source(source))
    codes = frame[sources.source_info(source)["fields"]["code"]]
    if codes.duplicated().any():
        raise RegistryError(f"the split source {source} has more than one polygon for a code")
    geoms, _ = repair(frame.geometry.values, list(codes))  # a province's flattened rings self-intersect
    return dict(zip(codes, geoms))


def split_source_geometry(unit_id: str, source: str) -> shapely.Geometry:
    """The polygon that the split ``source`` draws for ``unit_id`` (matched by its GSO code), EPSG:5899."""
    code = registry.unit(unit_id)["code"]
    try:
        return _split_polygons(source)[code]
    except KeyError:
        raise RegistryError(f"the split source {source} has no polygon for {unit_id}") from None


def _cut(geom: shapely.Geometry, part_to: str, source: str) -> tuple[shapely.Geometry, shapely.Geometry, int]:
    """Cut ``geom`` into the part lying in the split source's ``part_to`` polygon and the remainder."""
    pieces = shapely.get_parts(polygonal(shapely.intersection(geom, split_source_geometry(part_to, source))))
    kept = [p for p in pieces if p.area >= MIN_SPLIT_FRAGMENT_M2]
    part = shapely.MultiPolygon(kept)
    return part, polygonal(shapely.difference(geom, part)), len(pieces) - len(kept)


def _step(atoms: list[tuple[dict, shapely.Geometry]], older: Era, newer: Era) -> tuple[list, list[dict]]:
    """Carry every atom from era ``older`` into era ``newer``; cut the atoms of split units."""
    links = registry.step_links(older.id, newer.id)
    by_unit = {u: rows for u, rows in links.groupby("from_unit_id", sort=False)}
    carried, split_rows = [], {}
    for labels, geom in atoms:
        unit = labels[f"unit_{older.id}"]
        rows = by_unit[unit]
        if len(rows) == 1:
            carried.append(({**labels, f"unit_{newer.id}": rows["to_unit_id"].iloc[0]}, geom))
            continue
        report = split_rows.setdefault(unit, {"era": newer.id, f"unit_{older.id}": unit,
                                              "split_source": newer.split_source,
                                              "part_to": [], "part_ha": 0.0, "part_pieces": 0,
                                              "remainder_to": None, "remainder_ha": 0.0,
                                              "fragments_kept_in_remainder": 0})
        rest = geom
        for part_to in rows.loc[rows["relation"] == "split_part", "to_unit_id"]:
            part, rest, dropped = _cut(rest, part_to, newer.split_source)
            if not part.is_empty:
                carried.append(({**labels, f"unit_{newer.id}": part_to}, part))
            report["part_to"].append(part_to)
            report["part_ha"] += part.area / 1e4
            report["part_pieces"] += len(shapely.get_parts(part))
            report["fragments_kept_in_remainder"] += dropped
        remainder_to = rows.loc[rows["relation"] == "split_remainder", "to_unit_id"].iloc[0]
        if not rest.is_empty:
            carried.append(({**labels, f"unit_{newer.id}": remainder_to}, rest))
        report["remainder_to"], report["remainder_ha"] = remainder_to, report["remainder_ha"] + rest.area / 1e4
    for report in split_rows.values():  # one receiving unit reads as a plain id, several as a ';'-list
        report["part_to"] = ";".join(dict.fromkeys(report["part_to"]))
    return carried, list(split_rows.values())


def _atoms(base_units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    first = eras()[0].id
    atoms = [({f"unit_{first}": u}, g) for u, g in zip(base_units[f"unit_{first}"], base_units.geometry)]
    split_rows: list[dict] = []
    for older, newer in steps():
        atoms, rows = _step(atoms, older, newer)
        split_rows += rows
    columns = [f"unit_{e}" for e in era_ids()]
    frame = gpd.GeoDataFrame([labels for labels, _ in atoms], columns=columns,
                             geometry=[g for _, g in atoms], crs=PLANNING_CRS)
    # Cutting adds vertices on one side of a shared edge only: node the atoms again so edges match exactly.
    frame.geometry = shapely.coverage_clean(frame.geometry.values)
    frame["area_m2"] = frame.area
    for era_id in era_ids():
        empty = set(registry.units_table(era_id)["unit_id"]) - set(frame[f"unit_{era_id}"])
        if empty:
            raise RegistryError(f"unit(s) {', '.join(sorted(empty))} of era {era_id} receive no area: each split "
                                "part must overlap its unit in the era's split_source")
    return frame, pd.DataFrame(split_rows)


@cached
def model(source: str = "gadm41") -> Model:
    """Return the built hierarchy for ``source``.

    Cached in memory (:func:`haiha_geo.clear_caches` drops it) and on disk (:mod:`haiha_geo.disk_cache`,
    keyed by the toolkit, the registry, the reference files and the clean-up settings), so a new process
    reads the atoms back instead of cleaning the coverage again; a first build is read back the same way,
    so every run works on identical atoms.
    """
    sources.source_info(source)
    registry.check()
    parts = [source, GAP_WIDTH_M, MIN_SPLIT_FRAGMENT_M2, disk_cache.source_files()]
    return _model_from_bytes(disk_cache.remember("model", parts, lambda: _model_bytes(_build(source))))


def _build(source: str) -> Model:
    base_units, cleaning = _clean_base(source)
    atoms, split = _atoms(base_units)
    return Model(source=source, atoms=atoms, cleaning=cleaning, split=split)


def _model_bytes(built: Model) -> bytes:
    """The model as JSON: the atoms' era labels and WKB (exact coordinates), the split and cleaning reports."""
    labels = [f"unit_{e}" for e in era_ids()]
    return json.dumps({"source": built.source, "cleaning": built.cleaning,
                       "split": built.split.to_dict(orient="records"),
                       "labels": {c: built.atoms[c].tolist() for c in labels},
                       "wkb": shapely.to_wkb(built.atoms.geometry.values, hex=True).tolist()},
                      ensure_ascii=False).encode("utf-8")


def _model_from_bytes(body: bytes) -> Model:
    data = json.loads(body)
    atoms = gpd.GeoDataFrame(data["labels"], geometry=shapely.from_wkb(data["wkb"]), crs=PLANNING_CRS)
    atoms["area_m2"] = atoms.area
    return Model(source=data["source"], atoms=atoms, cleaning=data["cleaning"], split=pd.DataFrame(data["split"]))


@cached
def _era_layer(source: str, era: str) -> gpd.GeoDataFrame:
    atoms = model(source).atoms
    groups = atoms.groupby(f"unit_{era}", sort=False)
    geoms = {u: shapely.coverage_union_all(g.geometry.values) for u, g in groups}
    table = registry.units_table(era)
    table["area_ha"] = [geoms[u].area / 1e4 for u in table["unit_id"]]
    layer = gpd.GeoDataFrame(table, geometry=[geoms[u] for u in table["unit_id"]], crs=PLANNING_CRS)
    return layer[[*UNIT_COLUMNS, "official_area_ref", "population_ref", "geometry"]]


def units(era: str | int | None = None, *, date: str | dt.date | None = None, source: str = "gadm41",
          crs: str = GEOGRAPHIC_CRS) -> gpd.GeoDataFrame:
    """Return the administrative units of an era (or of the era in force on ``date``).

    Parameters
    ----------
    era : str, optional
        An era of ``boundaries/eras.toml``: in Hải Hà ``"2019"`` (16 units until
        31/01/2020), ``"2020"`` (11 until 30/06/2025) or ``"2025"`` (4 from 01/07/2025).
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
        raise UnknownEraError(f"give exactly one of era ({', '.join(era_ids())}) or date (YYYY-MM-DD)")
    era = registry.check_era(era) if era is not None else registry.era_for_date(date)
    if crs not in (GEOGRAPHIC_CRS, PLANNING_CRS):
        raise UnknownEraError(f"crs must be {GEOGRAPHIC_CRS} or {PLANNING_CRS}, not {crs!r}")
    layer = _era_layer(source, era).copy()
    layer = layer if crs == PLANNING_CRS else to_geographic(layer)
    layer.attrs["provenance"] = {**PROVENANCE, "boundary_source": source, "split_sources": list(split_sources()),
                                 "gap_width_m": GAP_WIDTH_M}
    return layer


def agreement(era: str | int, against: str | None = None, *, source: str = "gadm41") -> pd.DataFrame:
    """Compare the derived units of ``era`` with another source's polygons of that era, unit by unit.

    ``against`` defaults to the era's ``split_source``, else a catalogued source
    of that era (``boundaries/sources.toml``); units are matched by GSO code.
    ``overlap_ratio`` is intersection over union (1 = identical), taken inside
    the land both lineages draw: where only one of them has land (sea and
    islands in one 2025 polygon, tidal channels cut out, shore reclaimed since
    2009) there is no boundary between units to agree on. ``derived_ha`` and
    ``source_ha`` stay the whole areas.

    Parameters
    ----------
    era : str or int
        The era whose derived units are compared.
    against : str, optional
        The source to compare with (``boundaries/sources.toml``).
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit_id, code, name, derived_ha, source_ha,
        official_ha, intersection_ha, overlap_ratio``.

    Examples
    --------
    >>> bool(agreement("2025").set_index("name").loc["Quảng Đức", "overlap_ratio"] > 0.9)
    True
    """
    era = registry.check_era(era)
    against = against or reference_source(era)
    if against is None:
        raise RegistryError(f"no source of era {era} to compare with: catalogue one in boundaries/sources.toml")
    derived = units(era, source=source, crs=PLANNING_CRS)
    others = [split_source_geometry(u, against) for u in derived.unit_id]
    # Where only one lineage draws land (sea, tidal flats, reclaimed shore), the sources cannot agree or
    # disagree on a boundary between units: the overlap ratio is taken inside the land both draw.
    common = shapely.intersection(shapely.union_all(derived.geometry.values), shapely.union_all(others))
    rows = []
    for unit, other in zip(derived.itertuples(), others):
        mine, theirs = shapely.intersection(unit.geometry, common), shapely.intersection(other, common)
        inter, union = shapely.intersection(mine, theirs).area, shapely.union(mine, theirs).area
        rows.append({"unit_id": unit.unit_id, "code": unit.code, "name": unit.name, "derived_ha": unit.area_ha,
                     "source_ha": other.area / 1e4, "official_ha": unit.official_area_ha,
                     "intersection_ha": inter / 1e4, "overlap_ratio": inter / union if union else 0.0})
    return pd.DataFrame(rows)


def leakage(era: str | int, against: str | None = None, *, source: str = "gadm41") -> pd.DataFrame:
    """Where another source draws the land of each first-era unit outside its legal successors in ``era``.

    Each atom (a first-era unit, or the part of a split unit) is overlaid with
    ``against``'s polygons of ``era``; the land it shares with a polygon of a
    unit the law does not give it to is a leak. This is the cross-lineage
    disagreement of the sources measured unit by unit: a minority share is the
    two lineages drawing a boundary or an island differently, a majority share
    would be a unit the lineage puts in the wrong successor.

    Parameters
    ----------
    era : str or int
        The era whose legal units are compared.
    against : str, optional
        The source of ``era``'s polygons (default: the era's reference source).
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    pandas.DataFrame
        One row per leak: ``from_unit_id, from_name`` (first-era unit),
        ``unit_id`` (its legal unit of ``era``), ``into_unit_id, into_name``
        (the unit whose polygon in ``against`` holds the land), ``ha`` and
        ``share`` (of the first-era unit's land that ``against`` draws at all).

    Examples
    --------
    >>> leaks = leakage("2025")
    >>> bool(leaks.groupby("from_unit_id")["share"].sum().max() < 0.5)
    True
    """
    era = registry.check_era(era)
    against = against or reference_source(era)
    if against is None:
        raise RegistryError(f"no source of era {era} to compare with: catalogue one in boundaries/sources.toml")
    first, atoms = era_ids()[0], model(source).atoms
    targets = registry.units_table(era)["unit_id"].tolist()
    polygons = [split_source_geometry(u, against) for u in targets]
    atom_index, target_index = shapely.STRtree(polygons).query(atoms.geometry.values, predicate="intersects")
    inter = shapely.area(shapely.intersection(atoms.geometry.values[atom_index],
                                              np.asarray(polygons, dtype=object)[target_index])) / 1e4
    frame = pd.DataFrame({"from_unit_id": atoms[f"unit_{first}"].values[atom_index],
                          "unit_id": atoms[f"unit_{era}"].values[atom_index],
                          "into_unit_id": np.asarray(targets)[target_index], "ha": inter})
    land = frame.groupby("from_unit_id")["ha"].transform("sum")
    frame = frame.assign(share=frame["ha"] / land)
    frame = frame[(frame["unit_id"] != frame["into_unit_id"]) & (frame["ha"] > 0)]
    frame = frame.groupby(["from_unit_id", "unit_id", "into_unit_id"], as_index=False)[["ha", "share"]].sum()
    names = {u: registry.unit(u)["name"] for u in {*frame["from_unit_id"], *frame["into_unit_id"]}}
    frame.insert(1, "from_name", frame["from_unit_id"].map(names))
    frame.insert(4, "into_name", frame["into_unit_id"].map(names))
    return frame.sort_values("ha", ascending=False, ignore_index=True)


def reference_source(era: str) -> str | None:
    """The source to check the derived units of ``era`` against: its split source, else one catalogued for it."""
    declared = {e.id: e for e in eras()}[registry.check_era(era)]
    if declared.split_source:
        return declared.split_source
    own = [name for name, info in sorted(sources.catalog().items())
           if str(info.get("era")) == era and "code" in info.get("fields", {})]
    return own[0] if own else None


def agreement_2025(source: str = "gadm41") -> pd.DataFrame:
    """:func:`agreement` for era ``"2025"`` (the name of release 0.1).

    Parameters
    ----------
    source : str
        Reference source of the first era's polygons.

    Returns
    -------
    pandas.DataFrame
        As :func:`agreement`.

    Examples
    --------
    >>> len(agreement_2025())
    4
    """
    return agreement("2025", source=source)


def assign(points, *, eras: tuple[str, ...] | None = None, source: str = "gadm41", crs: str | None = None,
           chunk_features: int = CHUNK_FEATURES) -> pd.DataFrame:
    """Assign points to their unit in several eras with one spatial query.

    Parameters
    ----------
    points : GeoSeries, GeoDataFrame, array of shapely Points, or path
        A GeoSeries/GeoDataFrame must carry a CRS; a bare array is taken as
        EPSG:4326 (lon, lat). A vector file is read in chunks of
        ``chunk_features`` (:func:`haiha_geo.vector_io.iter_layer`, with a
        progress bar on a terminal), so peak memory grows with the chunk.
    eras : tuple of str, optional
        Eras to answer for (default: every era).
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).
    crs : str, optional
        CRS of a file that declares none.
    chunk_features : int
        Features read at a time from a file.

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
    eras = tuple(registry.check_era(e) for e in (era_ids() if eras is None else eras))
    if isinstance(points, (str, os.PathLike)):
        return pd.concat([_assign(chunk, eras, source)
                          for chunk in iter_layer(points, crs=crs, chunk_features=chunk_features)])
    if not isinstance(points, (gpd.GeoSeries, gpd.GeoDataFrame)):
        points = gpd.GeoSeries(np.asarray(points), crs=GEOGRAPHIC_CRS)
    return _assign(points, eras, source)


def _assign(points: gpd.GeoSeries | gpd.GeoDataFrame, eras: tuple[str, ...], source: str) -> pd.DataFrame:
    index = points.index
    frame = points if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=points)
    atoms = _atoms_in(source, frame.crs.to_string() if frame.crs else None)
    known = frame.crs.to_string() in (GEOGRAPHIC_CRS, PLANNING_CRS)
    geoms = frame.geometry.values if known else to_geographic(frame).geometry.values
    point_idx, atom_idx = atoms.sindex.query(np.asarray(geoms), predicate="intersects")
    first = np.full(len(frame), -1)
    first[point_idx[::-1]] = atom_idx[::-1]
    out = {}
    for era in eras:
        labels = np.append(atoms[f"unit_{era}"].to_numpy(dtype=object), None)
        out[f"unit_{era}"] = labels[first]
    return pd.DataFrame(out, index=index)


def _atoms_in(source: str, crs: str | None) -> gpd.GeoDataFrame:
    return model(source).atoms if crs == PLANNING_CRS else _geographic_atoms(source)


@cached
def _geographic_atoms(source: str) -> gpd.GeoDataFrame:
    return to_geographic(model(source).atoms)
