"""Re-keying records of old units onto the units of a later era: the reform's real workload.

Every row of a table kept by an old unit (a register, a parcel list, an address list) is given the
unit of the target era that holds it. The old unit is found by its GSO code, by its name (qualified
by its old district, since names repeat across a province), or by the row's coordinates. Its legal
successors come from the lineage; a unit with one successor is re-keyed outright; a split unit is
resolved by the row's coordinates when it has them, and otherwise left unresolved, with every
successor and its share of the old unit's area listed as candidates.

The work is done once per distinct key, not per row, so a million rows take seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from haiha_geo import disk_cache, eras, registry, sources
from haiha_geo._cache import cached
from haiha_geo._output import format_number
from haiha_geo.crosswalks import crosswalk, read_table
from haiha_geo.errors import InputFileError, OptionError
from haiha_geo.names import fold, normalise
from haiha_geo.place import place
from haiha_geo.registry import legal_successors
from haiha_geo.timeline import check_era, era_ids

__all__ = ["METHODS", "RekeyResult", "iter_records", "legal_successors", "rekey", "successors"]

#: What ``method`` says of a row, in Vietnamese and English.
METHODS: dict[str, tuple[str, str]] = {
    "unchanged": ("giữ nguyên", "unchanged"),
    "merged": ("sáp nhập", "merged"),
    "split_resolved_by_coordinates": ("chia tách, xác định theo toạ độ", "split, resolved by coordinates"),
    "split_unresolved": ("chia tách, chưa xác định", "split, unresolved"),
    "unmatched": ("không khớp", "no match"),
}
#: How a name's first word(s) give its unit type (folded), for names that repeat within a district.
_TYPE_PREFIXES = (("thi tran", "thi tran"), ("tt.", "thi tran"), ("tt ", "thi tran"), ("xa ", "xa"),
                  ("phuong", "phuong"), ("p.", "phuong"), ("dac khu", "dac khu"))
#: What a split's candidates say when its share lies within the sources' spread of 0 or 1.
INDISTINCT = "không phân biệt được với sai lệch ranh giới"
#: Columns every re-keyed row gains.
ADDED = ("old_unit_id", "new_unit_id", "new_code", "new_name", "method", "act", "candidates")


@dataclass
class RekeyResult:
    """The re-keyed table (input rows in order, with :data:`ADDED` columns), a count per method, the first
    unmatched rows (counted from 1), and the coordinate columns with their CRS (``((x, y), crs)`` or
    ``(None, None)``)."""

    table: pd.DataFrame
    from_era: str
    to_era: str
    counts: dict[str, int]
    unmatched: list[str]

    points: tuple[tuple[str, str] | None, str | None] = (None, None)

    def summary(self, lang: str = "vi") -> str:
        """Each method with its row count, in ``lang``."""
        i = 0 if lang == "vi" else 1
        return "; ".join(f"{METHODS[m][i]}: {format_number(n, lang=lang)}" for m, n in self.counts.items() if n)


def successors(from_era: str | int, to_era: str | int, *, source: str = "gadm41") -> pd.DataFrame:
    """The legal successors of every unit of ``from_era`` in ``to_era``, with shares and the acts that changed it.

    Successor sets come from the lineage (never from geometry); the share is the part of the old unit's
    area each successor holds (:func:`haiha_geo.crosswalk`, cut among the legal successors only; 0 where the
    polygons give a legal successor no area).

    Returns
    -------
    pandas.DataFrame
        One row per old unit: ``old_unit_id, new_unit_ids`` (list), ``shares`` (list), ``spread`` (list:
        how far the share moves when the first era is drawn by another reference source instead, or, when
        larger, the share of the unit that the target era's reference polygons give to units the law does
        not: the lineages' mismatch at that unit), ``indistinct``
        (a split whose share lies within its spread of 0 or 1: the sources cannot tell the split from a
        boundary mismatch), ``method`` (``unchanged``, ``merged`` or ``split``), ``act`` (numbers of the acts
        that changed the unit, ``; ``-joined).

    Examples
    --------
    >>> s = successors("2019", "2025").set_index("old_unit_id")
    >>> s.loc["2019/06946", ["new_unit_ids", "method"]].tolist()
    [['2025/06922', '2025/06946'], 'split']
    >>> s.loc["2019/06967", "method"]
    'unchanged'
    """
    return _successors(check_era(from_era), check_era(to_era), source).copy()


@cached
def _successors(from_era: str, to_era: str, source: str) -> pd.DataFrame:
    """:func:`successors`, cached in memory and on disk (:mod:`haiha_geo.disk_cache`: its shares and spreads
    overlay the era layers of every reference source, which a new process need not do again)."""
    order = era_ids()
    if order.index(to_era) <= order.index(from_era):
        raise OptionError(f"re-keying runs forward: era {to_era} is not later than era {from_era}; "
                          f"the eras are {', '.join(order)}")
    parts = [from_era, to_era, source, disk_cache.source_files()]
    body = disk_cache.remember("successors", parts, lambda: json.dumps(
        _successor_rows(from_era, to_era, source), ensure_ascii=False).encode())
    return pd.DataFrame(json.loads(body), columns=SUCCESSOR_COLUMNS)


#: The columns of :func:`successors`.
SUCCESSOR_COLUMNS = ["old_unit_id", "new_unit_ids", "shares", "spread", "indistinct", "method", "act"]


def _successor_rows(from_era: str, to_era: str, source: str) -> list[dict]:
    """The rows of :func:`successors`, computed."""
    legal = legal_successors(from_era, to_era)
    share = _shares(from_era, to_era, source)
    others = [_shares(from_era, to_era, s) for s in first_era_sources() if s != source]
    leak = _leakage(legal, from_era, to_era, source)
    predecessors: dict[str, int] = {}
    for targets in legal.values():
        for target in targets:
            predecessors[target] = predecessors.get(target, 0) + 1
    acts = _changing_acts(from_era, to_era)
    rows = []
    for unit_id, targets in legal.items():
        if len(targets) > 1:
            method = "split"
        else:
            method = "unchanged" if predecessors[targets[0]] == 1 and not acts[unit_id] else "merged"
        shares = [share.get((unit_id, t), 0.0) for t in targets]
        spread = [max([abs(o.get((unit_id, t), 0.0) - s) for o in others] + [leak.get(unit_id, 0.0)])
                  for t, s in zip(targets, shares)]
        rows.append({"old_unit_id": unit_id, "new_unit_ids": targets, "shares": shares, "spread": spread,
                     "indistinct": len(targets) > 1 and any(min(s, 1 - s) <= d for s, d in zip(shares, spread)),
                     "method": method, "act": "; ".join(acts[unit_id])})
    return rows


def _leakage(legal: dict[str, list[str]], from_era: str, to_era: str, source: str) -> dict[str, float]:
    """Each old unit's share of area that ``to_era``'s own reference polygons give to units the law does not.

    A legally whole unit leaks through the two lineages' misalignment alone, so this is the size of the
    boundary mismatch at that unit: a split share smaller than it is not a measurement.
    """
    reference = eras.reference_source(to_era)
    if reference is None:
        return {}
    import shapely  # geometry only here

    old = eras.units(from_era, source=source, crs=place().planning_crs)
    new_ids = list(registry.units_table(to_era)["unit_id"])
    polygons = np.array([eras.split_source_geometry(u, reference) for u in new_ids], dtype=object)
    tree = shapely.STRtree(polygons)
    out = {}
    for unit_id, geom in zip(old["unit_id"], old.geometry.values):
        hits = [j for j in tree.query(geom) if new_ids[j] not in legal[unit_id]]
        outside = sum(shapely.intersection(geom, polygons[j]).area for j in hits)
        out[unit_id] = float(outside / geom.area) if geom.area else 0.0
    return out


def first_era_sources() -> list[str]:
    """The reference sources that draw the first era's units (each builds its own hierarchy of every era)."""
    first = era_ids()[0]
    return [name for name, info in sorted(sources.catalog().items()) if str(info.get("era")) == first]


def _shares(from_era: str, to_era: str, source: str) -> dict[tuple[str, str], float]:
    walk = crosswalk(from_era, to_era, source=source)
    return {(f, t): float(s) for f, t, s in zip(walk["from_unit_id"], walk["to_unit_id"], walk["share"])}


def _changing_acts(from_era: str, to_era: str) -> dict[str, list[str]]:
    """For each unit of ``from_era``, the numbers of the acts whose links changed it on the way to ``to_era``."""
    numbers = registry.acts_table().set_index("act_id")["number"].to_dict()
    chain = {u: [u] for u in registry.units_table(from_era)["unit_id"]}
    out: dict[str, list[str]] = {u: [] for u in chain}
    for older, newer in registry.era_steps(from_era, to_era):
        links = registry.step_links(older, newer)
        changed = links[links["relation"] != "unchanged"]
        by_from = links.groupby("from_unit_id")["to_unit_id"].apply(list).to_dict()
        act_of = dict(zip(changed["from_unit_id"], changed["act_id"]))
        act_of.update(dict(zip(changed["to_unit_id"], changed["act_id"])))  # units another merged into
        for unit, current in chain.items():
            touched = {act_of[u] for u in current if u in act_of} | {act_of[t] for u in current
                                                                      for t in by_from.get(u, ()) if t in act_of}
            out[unit] += [numbers[a] for a in sorted(touched)]
            chain[unit] = [t for u in current for t in by_from.get(u, ())]
    return out


def rekey(table: pd.DataFrame, from_era: str | int, to_era: str | int | None = None, *,
          name_column: str | None = None, district_column: str | None = None, code_column: str | None = None,
          lon_column: str | None = None, lat_column: str | None = None, x_column: str | None = None,
          y_column: str | None = None, source: str = "gadm41") -> RekeyResult:
    """Give every row of ``table`` the unit of ``to_era`` that holds it.

    Parameters
    ----------
    table : pandas.DataFrame
        The records; they are not modified.
    from_era, to_era : str or int
        The era the records are keyed in, and the era to re-key them to (default: the last era).
    name_column, district_column : str, optional
        The old unit's name (any spelling, with or without diacritics and type), and its old district
        (needed where names repeat, as across a province).
    code_column : str, optional
        The old unit's GSO code (a code is only meaningful with its era: ``from_era``).
    lon_column, lat_column : str, optional
        WGS 84 coordinates of the record; they resolve split units and may stand alone.
    x_column, y_column : str, optional
        The same in the planning CRS (EPSG:5899 for Quảng Ninh).
    source : str
        Reference source of the first era's polygons.

    Returns
    -------
    RekeyResult
        ``.table``: the rows in their order with their columns, and ``old_unit_id``, ``new_unit_id``,
        ``new_code``, ``new_name``, ``method`` (:data:`METHODS`), ``act``, ``candidates`` (for a split
        left unresolved: every successor with its area share, ``Tên (97,7 %)``; for a row that matches no
        unit: the nearest names).

    Raises
    ------
    OptionError
        No key column, a column the table lacks, or an era order that does not run forward.

    Examples
    --------
    >>> rows = pd.DataFrame({"xa": ["Quảng Điền", "Quang Long", "Cai Chien", "Quang Luong"], "n": [1, 2, 3, 4]})
    >>> out = rekey(rows, "2019", name_column="xa").table
    >>> out[["new_name", "method"]].values.tolist()[:3]
    [['Quảng Hà', 'merged'], [None, 'split_unresolved'], ['Cái Chiên', 'unchanged']]
    >>> out.loc[1, "candidates"]
    'Quảng Hà (2,3 % ± 0,5); Đường Hoa (97,7 % ± 0,5)'
    """
    from_era = check_era(from_era)
    to_era = check_era(to_era if to_era is not None else era_ids()[-1])
    columns = {"name_column": name_column, "district_column": district_column, "code_column": code_column,
               "lon_column": lon_column, "lat_column": lat_column, "x_column": x_column, "y_column": y_column}
    for option, column in columns.items():
        if column is not None and column not in table.columns:
            raise OptionError(f"{option.replace('_', '-')} {column!r} is not a column of the table; its columns "
                              f"are {', '.join(map(str, table.columns))}")
    clashes = [c for c in ADDED if c in table.columns]
    if clashes:
        raise OptionError(f"the table already has column(s) {', '.join(clashes)}, which re-keying adds; rename them")
    xy = _coordinates(table, lon_column, lat_column, x_column, y_column)
    if name_column is None and code_column is None and xy is None:
        raise OptionError("say how rows name their old unit: a name column (with its district column where names "
                          "repeat), a code column, or coordinate columns")
    points = _assigned(xy, from_era, to_era, source) if xy is not None else None
    old = _old_units(table, from_era, name_column, district_column, code_column)
    candidates = pd.Series([None] * len(table), dtype=object)
    if points is not None:  # a row without a name or code keys by its point
        old = old.where(old.notna(), points[f"unit_{from_era}"].to_numpy())
    unmatched = old.isna().to_numpy()
    if name_column is not None and unmatched.any():
        candidates[unmatched] = _nearest_names(table.loc[unmatched, name_column], from_era).to_numpy()
    result = _result(table, old, points, candidates, from_era, to_era, source)
    if xy is not None:
        result.points = ((lon_column, lat_column), "EPSG:4326") if lon_column else ((x_column, y_column), xy[2])
    return result


#: Rows :func:`iter_records` reads at a time.
CHUNK_ROWS = 500_000


def iter_records(path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A table of records in chunks of ``chunk_rows``: CSV (every cell as text) or Parquet, streamed; XLSX whole.

    Rows are numbered on across chunks (the index), so messages name rows of the whole file.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, of another kind, or has no rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("xa\\nQuảng Hà\\nCái Chiên\\nQuảng Đức\\n", encoding="utf-8")
    >>> [list(c.index) for c in iter_records(p, chunk_rows=2)]
    [[0, 1], [2]]
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".parquet") or not path.is_file():
        yield read_table(path)  # XLSX, or the error a missing or unknown file gets
        return
    try:
        chunks = _parquet_batches(path, chunk_rows) if suffix == ".parquet" else _csv_batches(path, chunk_rows)
        start, empty = 0, True
        for chunk in chunks:
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start, empty = start + len(chunk), empty and chunk.empty
            yield chunk
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(f"{path}: cannot read the table ({exc}); save it as UTF-8 CSV, XLSX or Parquet") from None
    if empty:
        raise InputFileError(f"{path}: the table has no rows; give a header row and one row per record")


def _parquet_batches(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=rows):  # memory follows the batch
        yield batch.to_pandas()


def _csv_batches(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """A CSV file (UTF-8, with or without BOM) in frames of ``rows`` rows, every cell as text, read by Arrow."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pcsv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputFileError(f"{path}: the header names column(s) {', '.join(repeated)} more than once; "
                             "give every column its own name")
    reader = pcsv.open_csv(path, parse_options=pcsv.ParseOptions(newlines_in_values=True),
                           convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())))
    pending: list = []
    for batch in reader:
        pending.append(batch)
        while sum(len(b) for b in pending) >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows).to_pandas()
            pending = table.slice(rows).to_batches()
    if sum(len(b) for b in pending):
        yield pa.Table.from_batches(pending).to_pandas()


def _coordinates(table, lon, lat, x, y) -> tuple[np.ndarray, np.ndarray, str] | None:
    pairs = [(lon, lat, "EPSG:4326"), (x, y, place().planning_crs)]
    given = [(a, b, crs) for a, b, crs in pairs if a is not None or b is not None]
    if not given:
        return None
    if len(given) > 1 or None in given[0][:2]:
        raise OptionError("give one pair of coordinate columns: --lon-column with --lat-column, or --x-column with "
                          "--y-column")
    a, b, crs = given[0]
    xs = pd.to_numeric(table[a], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(table[b], errors="coerce").to_numpy(dtype=float)
    return xs, ys, crs


def _assigned(xy, from_era: str, to_era: str, source: str) -> pd.DataFrame:
    """Each row's unit in both eras by its point (None where it has no finite point or lies outside)."""
    import geopandas as gpd  # geometry only for tables with coordinates
    import shapely

    xs, ys, crs = xy
    ok = np.isfinite(xs) & np.isfinite(ys)
    out = {f"unit_{era}": np.full(len(xs), None, dtype=object) for era in (from_era, to_era)}
    if ok.any():
        found = eras.assign(gpd.GeoSeries(shapely.points(xs[ok], ys[ok]), crs=crs), eras=(from_era, to_era),
                            source=source)
        for column, values in out.items():
            values[ok] = found[column].to_numpy(dtype=object)
    return pd.DataFrame(out, dtype=object)


def _old_units(table, era: str, name_column, district_column, code_column) -> pd.Series:
    """The old unit id of every row (None where nothing matches), computed once per distinct key."""
    units = registry.units_table(era)
    result = pd.Series([None] * len(table), index=table.index, dtype=object)
    if code_column is not None:
        by_code = dict(zip(units["code"], units["unit_id"]))
        result = _per_distinct([table[code_column]], lambda c: by_code.get(_code_text(c)))
    if name_column is not None:
        index = _name_index(units)
        columns = [table[name_column]] + ([table[district_column]] if district_column is not None else [])
        found = _per_distinct(columns, lambda n, d="": _match_name(n, d, index))
        result = result.where(result.notna(), found)
    return result


def _code_text(code) -> str:
    """A GSO code as a table holds it (``6922``, ``6922.0``, ``" 06922"``) as its five digits."""
    text = str(code).strip()
    return (text[:-2] if text.endswith(".0") else text).zfill(5)


def _per_distinct(columns: list[pd.Series], function) -> pd.Series:
    """``function(*values)`` called once for each distinct combination of the columns' values, for every row.

    A missing value is passed as ``""``.
    """
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    levels = []
    for column in columns:  # combine the columns' integer codes: no string is built per row
        level_codes, uniques = pd.factorize(column)
        levels.append([""] + ["" if pd.isna(u) else str(u) for u in uniques])
        codes = codes * len(levels[-1]) + level_codes + 1
    combined, distinct = pd.factorize(codes)
    values = []
    for code in distinct:
        args = []
        for level in reversed(levels):
            code, i = divmod(int(code), len(level))
            args.append(level[i])
        values.append(function(*reversed(args)))
    return pd.Series(np.array([*values, None], dtype=object)[combined], index=columns[0].index, dtype=object)


def _name_index(units: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """Normalised name (and former name) → [(normalised district, normalised type, unit id)] of the era's units."""
    district = units["district"].fillna("") if "district" in units.columns else pd.Series([place().name] * len(units))
    of_unit = dict(zip(units["unit_id"], zip(map(normalise, district), map(normalise, units["type"]))))
    index: dict[str, list[tuple[str, str, str]]] = {}
    pairs = list(zip(units["name"], units["unit_id"]))
    pairs += list(zip(units["type"] + " " + units["name"], units["unit_id"]))  # phường Phương Đông, key "phuongdong"
    aliases = registry.aliases_table()
    pairs += [(a, u) for a, u in zip(aliases["alias"], aliases["unit_id"]) if u in of_unit]
    for name, unit_id in pairs:
        entries = index.setdefault(normalise(name), [])
        if (*of_unit[unit_id], unit_id) not in entries:
            entries.append((*of_unit[unit_id], unit_id))
    return index


def _match_name(name: str, district: str, index) -> str | None:
    """The one unit ``name`` (in ``district``, when given) designates, or None (unknown or ambiguous).

    Where a name repeats in a district (thị trấn Đầm Hà and xã Đầm Hà), the type written before the name decides.
    """
    found = index.get(normalise(name), [])
    if district.strip():
        found = [f for f in found if f[0] == normalise(district)]
    if len({u for *_, u in found}) > 1:
        written = normalise(_type_written(name))
        found = [f for f in found if written and f[1] == written]
    ids = {u for *_, u in found}
    return ids.pop() if len(ids) == 1 else None


def _type_written(name: str) -> str:
    """The unit type a name is written with (``"TT. Đầm Hà"`` → ``"thi tran"``), or ``""``."""
    folded = fold(name).strip()
    return next((kind for prefix, kind in _TYPE_PREFIXES if folded.startswith(prefix)), "")


def _nearest_names(names: pd.Series, era: str) -> pd.Series:
    """For each unmatched name, the nearest unit names of ``era`` (with their districts where they repeat)."""
    import difflib

    units = registry.units_table(era)
    labels = units["name"] + (", " + units["district"].fillna("") if "district" in units.columns else "")
    keys = dict(zip(map(normalise, units["name"]), labels))
    keys.update({normalise(n): lab for n, lab in zip(units["name"], labels) if normalise(n) not in keys})
    choices = list(keys)

    def nearest(name) -> str:
        close = difflib.get_close_matches(normalise(str(name)), choices, n=3, cutoff=0.6)
        same = [lab for k in close for lab in labels[units["name"].map(normalise) == k]]
        return "; ".join(dict.fromkeys(same)) or ""

    codes, uniques = pd.factorize(names.astype("string").fillna(""))
    return pd.Series(np.array([nearest(u) for u in uniques], dtype=object)[codes], index=names.index)


def _result(table, old: pd.Series, points, candidates: pd.Series, from_era: str, to_era: str,
            source: str) -> RekeyResult:
    succ = successors(from_era, to_era, source=source).set_index("old_unit_id")
    units = registry.units_table().set_index("unit_id")
    succ["text"] = [_share_text(*row, units) for row in zip(succ.new_unit_ids, succ.shares, succ.spread,
                                                                 succ.indistinct)]
    succ["first"] = [targets[0] if m != "split" else None for targets, m in zip(succ.new_unit_ids, succ.method)]
    codes, uniques = pd.factorize(old.fillna(""))
    known = succ.reindex(uniques).astype(object)  # an unmatched row ("") finds no unit
    known = known.where(known.notna(), None)  # a missing value is None, never a float NaN, in every added column
    method = np.append(known["method"].fillna("unmatched").to_numpy(dtype=object), "unmatched")[codes]
    new = np.append(known["first"].to_numpy(dtype=object), None)[codes]
    split = method == "split"
    if points is not None and split.any():  # the point's unit, when it is one of the legal successors
        by_point = points[f"unit_{to_era}"].to_numpy(dtype=object)
        legal_sets = np.append(known["new_unit_ids"].to_numpy(dtype=object), None)[codes]
        resolved = np.array([s and p is not None and p in legal for s, p, legal in
                             zip(split, by_point, legal_sets)], dtype=bool)
        new[resolved] = by_point[resolved]
        method[resolved] = "split_resolved_by_coordinates"
        split &= ~resolved
    method[split] = "split_unresolved"
    cand = candidates.to_numpy(dtype=object).copy()
    cand[split] = np.append(known["text"].to_numpy(dtype=object), None)[codes][split]
    lookup_code, lookup_name = units["code"].to_dict(), units["name"].to_dict()
    new_ids = [pd.Series(new, index=table.index)]
    added = {"old_unit_id": old.to_numpy(dtype=object), "new_unit_id": new,
             "new_code": _per_distinct(new_ids, lookup_code.get), "new_name": _per_distinct(new_ids, lookup_name.get),
             "method": method, "act": np.append(known["act"].to_numpy(dtype=object), None)[codes], "candidates": cand}
    out = table.copy()
    for column, values in added.items():  # kept as Python objects: no per-row conversion to another string type
        out[column] = pd.Series(np.asarray(values, dtype=object), index=table.index, dtype=object)
    counts = {m: int((method == m).sum()) for m in METHODS}
    unmatched = [str(i + 1) for i in np.flatnonzero(method == "unmatched")[:20]]  # rows counted from 1
    return RekeyResult(table=out, from_era=from_era, to_era=to_era, counts=counts, unmatched=unmatched)


def _share_text(targets: list[str], shares: list[float], spread: list[float], indistinct: bool,
                units: pd.DataFrame) -> str:
    """``Quảng Hà (2,3 % ± 0,5); Đường Hoa (97,7 % ± 0,5)``: each successor, its share of the old unit's area and
    the share's spread across the reference sources; a share the spread cannot tell from 0 or 1 is said so."""
    text = "; ".join(f"{units.at[t, 'name']} ({s * 100:.1f} % ± {d * 100:.1f})".replace(".", ",")
                     for t, s, d in zip(targets, shares, spread))
    return f"{text}; {INDISTINCT}" if indistinct else text
