"""Crosswalks between eras, looking a unit up into an era, and the reaggregation of statistics.

A crosswalk row says which share of a source unit's area lies in a target
unit. Rows come from the lineage (the law); areas come from the atoms of the
era hierarchy, so shares only differ from 0/1 for a declared split.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from haiha_geo import registry
from haiha_geo._output import records
from haiha_geo.eras import model
from haiha_geo.errors import InputFileError, OptionError, TableValueError, UnknownUnitError
from haiha_geo.names import SHOWN_ROWS, district_of, find_units, first_of, nfc, resolve_units, row_label
from haiha_geo.sources import file_sha256
from haiha_geo.timeline import era_ids

_COLUMNS = ["from_unit_id", "from_code", "from_name", "to_unit_id", "to_code", "to_name", "share", "split", "area_ha"]


def crosswalk(from_era: str | int, to_era: str | int, *, source: str = "gadm41") -> pd.DataFrame:
    """Return the area-weighted, many-to-many crosswalk from one era to another.

    Parameters
    ----------
    from_era, to_era : str or int
        Era ids (``"2019"``, ``"2020"``, ``"2025"`` …); either direction works:
        an earlier ``to_era`` lists predecessors; the same era twice gives
        each unit onto itself with share 1.
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    pandas.DataFrame
        ``from_unit_id, from_code, from_name, to_unit_id, to_code, to_name,
        share, split, area_ha``: ``share`` is the part of the source unit's
        area in the target unit (each source unit's shares sum to 1);
        ``split`` is True when the source unit goes to more than one target.

    Examples
    --------
    >>> cw = crosswalk("2019", "2025")
    >>> long = cw[cw.from_name == "Quảng Long"]
    >>> long.to_name.tolist(), bool(long.split.all()), round(float(long.share.sum()), 12)
    (['Quảng Hà', 'Đường Hoa'], True, 1.0)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    atoms = model(source).atoms
    ends = [atoms[f"unit_{a}"].rename("from_unit_id"), atoms[f"unit_{b}"].rename("to_unit_id")]  # a == b: identity
    pairs = atoms["area_m2"].groupby(ends, sort=False).sum().reset_index()
    totals = pairs.groupby("from_unit_id")["area_m2"].transform("sum")
    pairs["share"] = pairs["area_m2"] / totals
    pairs["split"] = pairs.groupby("from_unit_id")["to_unit_id"].transform("size") > 1
    pairs["area_ha"] = pairs["area_m2"] / 1e4
    names = registry.units_table().set_index("unit_id")[["code", "name"]]
    pairs = pairs.join(names.add_prefix("from_"), on="from_unit_id").join(names.add_prefix("to_"), on="to_unit_id")
    return pairs.sort_values(["from_code", "to_code"]).reset_index(drop=True)[_COLUMNS]


@dataclass
class Lookup:
    """Result of :func:`lookup`: the matching units, and where they lie in a requested era."""

    query: str
    matches: list[dict] = field(default_factory=list)
    in_era: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON shape ``{query, matches: [...], in_era: [...]}``."""
        return {"query": self.query, "matches": self.matches, "in_era": self.in_era}


def lookup(name: str, era: str | int | None = None) -> Lookup:
    """Find a unit by any of its names, across eras, and follow it into ``era``.

    ``in_era`` lists the units of ``era`` that hold the matched unit's
    territory, with the share of its area in each (successors for a later
    era, predecessors for an earlier one). A unit that exists in ``era``
    under that name is its own answer, with share 1.

    Parameters
    ----------
    name : str
        Any name of the unit, current or former, with or without diacritics and prefix, optionally
        qualified by its district after a comma (``"Bắc Sơn, Móng Cái"``), needed where names repeat.
    era : str or int, optional
        The era to follow the unit into.

    Returns
    -------
    Lookup
        ``.matches`` (era, code, name, type of each matching unit) and
        ``.in_era`` (code, name and area share in ``era``).

    Examples
    --------
    >>> r = lookup("xã Quảng Điền", era="2025")
    >>> [m["era"] for m in r.matches], [(u["name"], u["share"]) for u in r.in_era]
    (['2019'], [('Quảng Hà', 1.0)])
    """
    found = find_units(name)
    table = registry.units_table().set_index("unit_id")
    matches = [{"era": table.at[u, "era"], "code": table.at[u, "code"], "name": table.at[u, "name"],
                "type": table.at[u, "type"], "district": district_of(u)} for u in found]
    result = Lookup(query=nfc(name), matches=matches)
    if era is not None:
        result.in_era = _follow(found, registry.check_era(era))
    return result


def _follow(found: list[str], era: str) -> list[dict]:
    same = [u for u in found if u.startswith(era + "/")]
    if same:
        table = registry.units_table().set_index("unit_id")
        return [{"code": table.at[u, "code"], "name": table.at[u, "name"], "share": 1.0} for u in same]
    order = era_ids()
    nearest_era = min({u.split("/")[0] for u in found}, key=lambda e: abs(order.index(e) - order.index(era)))
    nearest = [u for u in found if u.startswith(nearest_era + "/")]
    if len(nearest) > 1:  # two units of one name (across a province): the district tells them apart
        table = registry.units_table().set_index("unit_id")
        listed = "; ".join(f"{table.at[u, 'type']} {table.at[u, 'name']}, {district_of(u)} ({u})" for u in nearest)
        raise UnknownUnitError(f"{len(nearest)} units of era {nearest_era} have this name: {listed}; qualify it by "
                               f"its district, for example '{table.at[nearest[0], 'name']}, "
                               f"{district_of(nearest[0])}'")
    rows = crosswalk(nearest_era, era)
    rows = rows[rows["from_unit_id"] == nearest[0]]
    return [{"code": r.to_code, "name": r.to_name, "share": float(r.share)} for r in rows.itertuples()]


@dataclass
class Reaggregation:
    """Values moved to another era, with the conservation check.

    Attributes
    ----------
    values : pandas.Series
        Indexed by the target era's unit ids.
    kind : str
        ``"extensive"`` (counts, areas: shared out by area) or ``"intensive"``
        (rates, densities: area-weighted mean).
    total_in, total_out : float
        Sum (extensive) or area-weighted mean (intensive) before and after.
    residual : float
        ``(total_out − total_in) / total_in``; within 1e-9 for extensive values.
    """

    values: pd.Series
    kind: str
    total_in: float
    total_out: float
    residual: float


def _numbers(values: list, keys: list, first_row: int, what: str) -> list[float]:
    """``values`` as finite floats; :class:`TableValueError` naming the first rows that hold none, and their count."""
    numbers = [_finite(v) for v in values]
    bad = [(r, k, v) for r, (k, v, n) in enumerate(zip(keys, values, numbers), first_row) if n is None]
    if bad:
        shown = [f"{row_label(r, k)}: {v!r:.60}" for r, k, v in bad[:SHOWN_ROWS]]
        raise TableValueError(f"{what}: {len(bad):,} value(s) that are not finite numbers: "
                              f"{first_of(shown, len(bad), '; ')}; give a number for every unit (0 where there is "
                              "none)")
    return numbers


def _keyed_by_unit(values: Mapping | pd.Series, era: str, what: str = "values") -> pd.Series:
    """Key ``values`` by unit id, accepting unit ids, GSO codes of ``era`` or names; check every value.

    Rows are counted from 1 in the order of ``values``. Unknown keys, two keys
    naming one unit, and values that are not finite numbers are errors naming their rows.
    """
    if isinstance(values, pd.DataFrame) or not isinstance(values, (Mapping, pd.Series)):
        raise OptionError(f"{what}: give a mapping or a pandas Series of one number per unit of era {era}, keyed by "
                          f"unit id, GSO code or name, not a {type(values).__name__} (a table: reaggregate_table)")
    keys, raw = list(values.keys()), [v for _, v in values.items()]
    ids = resolve_units(keys, era)
    return pd.Series(_numbers(raw, keys, 1, what), index=ids)


def _finite(value) -> float | None:
    """``value`` as a finite float, or None (text that is no number, NaN, inf, booleans)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str)
                                                                                 and not value.strip())


def reaggregate(values: Mapping | pd.Series, from_era: str | int, to_era: str | int,
                kind: str = "extensive", *, source: str = "gadm41") -> Reaggregation:
    """Move per-unit statistics from one era's units to another's, area-weighted.

    Parameters
    ----------
    values : mapping or Series
        One value per unit of ``from_era``, keyed by unit id, GSO code or name
        (a Series by its index).
    from_era, to_era : str or int
        The era of ``values`` and the era to move them to (the same era: the
        values keyed by unit id, unchanged).
    kind : {"extensive", "intensive"}
        Extensive values (population, households, hectares) are shared out in
        proportion to area and their total is conserved; intensive values
        (densities, rates) become area-weighted means.
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    Reaggregation
        ``.values`` (a Series by unit id of ``to_era``), ``.residual`` (total
        out − total in, for extensive values) and the crosswalk used.

    Raises
    ------
    UnknownUnitError
        A key that names no unit of ``from_era`` (the rows are named), or a unit without a value.
    TableValueError
        Two keys naming the same unit, or a value that is not a finite number (the rows are named).
    OptionError
        ``kind`` is neither ``"extensive"`` nor ``"intensive"``, or ``values``
        is neither a mapping nor a Series (a DataFrame goes to :func:`reaggregate_table`).

    Examples
    --------
    >>> pop = pd.Series(1000, index=registry.units_table("2019").name)
    >>> moved = reaggregate(pop, "2019", "2025")
    >>> round(moved.values.sum()), abs(moved.residual) < 1e-9
    (16000, True)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    if kind not in ("extensive", "intensive"):
        raise OptionError(f"kind must be 'extensive' (counts, areas) or 'intensive' (rates, densities), not {kind!r}")
    series = _keyed_by_unit(values, a)
    cw = crosswalk(a, b, source=source)
    area = cw.groupby("from_unit_id")["area_ha"].sum()
    out, total_in, total_out = _move(series, cw, None if kind == "extensive" else (area, WEIGHTS_AREA), "values")
    order = registry.units_table(b)["unit_id"]
    residual = (total_out - total_in) / total_in if total_in else total_out - total_in
    return Reaggregation(values=out.reindex(order), kind=kind, total_in=total_in, total_out=total_out,
                         residual=residual)


KEY_COLUMNS = ("unit_id", "code", "name")
WEIGHTS_AREA = "area"


@dataclass
class TableReaggregation:
    """A table of per-unit figures moved to another era's units (:func:`reaggregate_table`).

    Attributes
    ----------
    frame : pandas.DataFrame
        ``unit_id, code, name`` of the target era's units, then the moved
        columns (their names as given). Counts rounded with ``integers`` are
        exact integers (int64, or Python integers beyond its range).
    columns : list of str
        The moved columns.
    weights : str
        The weights of the intensive means: ``"area"`` (map area), the weights
        file, or ``"given weights"``.
    rates : dict of str to str
        The rate columns of a table of counts, each with the column of the
        table that weights it, or ``"area"``.
    summary : dict
        Per column ``{"total_in", "total_out", "residual"}``: sums (counts)
        or weighted means before and after, and ``(total_out − total_in) /
        total_in``; 0 exactly for ``integers``, whose sums are exact integers.
    contributions : pandas.DataFrame
        For audit, one row per (target unit, source unit) pair: ``to_unit_id,
        to_code, to_name, from_unit_id, from_code, from_name, share`` and the
        part of each moved column the source unit brings; a target's parts add
        up to its value exactly (with ``integers``, whole numbers) or, for a
        mean, to its weighted mean.
    shares : str or None
        The user's shares table (file, sha256) and the units it shares, where one was given.
    """

    frame: pd.DataFrame
    columns: list[str]
    kind: str
    from_era: str
    to_era: str
    weights: str
    integers: bool
    summary: dict[str, dict[str, float | int]]
    rates: dict[str, str] = field(default_factory=dict)
    contributions: pd.DataFrame | None = None
    shares: str | None = None

    def is_count(self, column: str) -> bool:
        """Whether ``column`` was shared out by area (a count), not moved as a weighted mean."""
        return self.kind == "extensive" and column not in self.rates

    def to_dict(self) -> dict:
        """The JSON shape ``{from_era, to_era, kind, weights, integers, rates, shares, rows, residual: {...}}``."""
        return {"from_era": self.from_era, "to_era": self.to_era, "kind": self.kind, "weights": self.weights,
                "integers": self.integers, "rates": self.rates, "shares": self.shares, "rows": records(self.frame),
                "residual": self.summary}


def read_table(table: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """A user's table: a DataFrame as is, a CSV (UTF-8, every cell read as text) or the first sheet of an XLSX.

    An XLSX is read with openpyxl, values only (a formula gives its last
    computed value, never runs); its first non-empty row is the header.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, not CSV/XLSX, or has no header or no rows.
    """
    if isinstance(table, pd.DataFrame):
        return table.reset_index(drop=True)
    path = Path(table)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; give a CSV or XLSX table with one row per unit")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = _read_xlsx(path)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raise InputFileError(f"{path}: {suffix or 'no extension'} is not a table this reads; give .csv or .xlsx")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"{path}: cannot read the table ({exc}); save it as UTF-8 CSV or XLSX") from None
    if frame.empty or not len(frame.columns):
        raise InputFileError(f"{path}: the table has no rows; give a header row and one row per unit")
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if any(not _blank(v) for v in r)]
    finally:
        book.close()
    if not rows:
        raise InputFileError(f"{path}: the first sheet is empty; put a header row and one row per unit there")
    header = [nfc(str(h)) if not _blank(h) else f"column_{i + 1}" for i, h in enumerate(rows[0])]
    return pd.DataFrame([list(r) for r in rows[1:]], columns=header, dtype=object)


def _key_column(frame: pd.DataFrame, key: str | None) -> str:
    if key is not None:
        if key not in frame.columns:
            raise OptionError(f"the table has no column {key!r}; its columns: {', '.join(map(str, frame.columns))}")
        return key
    return next((c for c in KEY_COLUMNS if c in frame.columns), frame.columns[0])


def _weights(weights: str | os.PathLike | Mapping | pd.Series | pd.DataFrame, era: str,
             area: pd.Series) -> tuple[pd.Series, str]:
    """Weight of each source unit: its area (ha), or a table (key column + one weight column) or mapping of weights."""
    if isinstance(weights, str) and weights == WEIGHTS_AREA:
        return area, WEIGHTS_AREA
    if isinstance(weights, (Mapping, pd.Series)):
        return _non_negative(_keyed_by_unit(weights, era, "weights"), "the given weights"), "given weights"
    frame = read_table(weights)
    label = "given weights" if isinstance(weights, pd.DataFrame) else str(weights)
    key = _key_column(frame, None)
    numeric = [c for c in frame.columns if c != key]
    if len(numeric) != 1:
        raise TableValueError(f"{label}: a weights table has a key column and one column of weights; "
                              f"it has {', '.join(map(str, frame.columns))}")
    keys = frame[key].tolist()
    ids = resolve_units(keys, era, first_row=2)
    series = pd.Series(_numbers(frame[numeric[0]].tolist(), keys, 2, label), index=ids)
    return _non_negative(series, label), label


def _non_negative(series: pd.Series, label: str) -> pd.Series:
    if (series < 0).any() or series.sum() <= 0:
        raise TableValueError(f"weights must be ≥ 0 and not all 0; check {label}")
    return series


def _exact_shares(cw: pd.DataFrame) -> list[tuple[str, str, Fraction]]:
    """``(from, to, share)`` of each crosswalk row, the share an exact fraction of the area: each unit's sum to 1."""
    areas = [Fraction(a) for a in cw["area_ha"]]
    totals: dict[str, Fraction] = {}
    for unit, area in zip(cw["from_unit_id"], areas):
        totals[unit] = totals.get(unit, Fraction(0)) + area
    return [(f, t, area / totals[f]) for f, t, area in zip(cw["from_unit_id"], cw["to_unit_id"], areas)]


def _apportion(counts: dict[str, int], shares: list[tuple[str, str, Fraction]], order: list[str]) -> list[int]:
    """Whole numbers for the units of ``order`` that sum to the counts' total exactly, at any magnitude.

    Each count is shared out by its exact area shares (:func:`_exact_shares`);
    each unit gets the floor of its share and the units with the largest
    remainders one more, ties to the unit listed first (the era's order).
    Python integers and fractions throughout: no int64, no float.
    """
    quota = dict.fromkeys(order, Fraction(0))
    for source, target, share in shares:
        quota[target] += counts[source] * share
    floors = {u: q.numerator // q.denominator for u, q in quota.items()}
    short = sum(counts.values()) - sum(floors.values())
    ranked = sorted(range(len(order)), key=lambda i: (floors[order[i]] - quota[order[i]], i))
    for i in ranked[:short]:
        floors[order[i]] += 1
    return [floors[u] for u in order]


def _whole_numbers(values: list, keys: list, column: str) -> list[int]:
    """The cells of ``column`` (finite numbers) as exact Python integers; :class:`TableValueError` for fractions."""
    exact = [Fraction(v.strip() if isinstance(v, str) else v) for v in values]
    fractional = [(r, k) for r, (k, x) in enumerate(zip(keys, exact), 2) if x.denominator != 1]
    if fractional:
        raise TableValueError(f"column {column!r}: --integers needs whole numbers; "
                              f"{first_of([row_label(r, k) for r, k in fractional[:SHOWN_ROWS]], len(fractional))} "
                              "are not")
    return [int(x) for x in exact]


def _int_column(values: list[int]) -> np.ndarray:
    """int64 when every value fits, else Python integers (object): never a wrapped or rounded count."""
    limit = np.iinfo(np.int64)
    fits = all(limit.min <= v <= limit.max for v in values)
    return np.array(values, dtype=np.int64 if fits else object)


def _rate_weights(frame: pd.DataFrame, rates: Mapping[str, str], key: str, ids: list[str],
                  area: pd.Series) -> dict[str, pd.Series]:
    """The weights of each ``--rate`` column: the map area or another column of the table."""
    weights = {}
    for rate, weight in rates.items():
        if weight == rate:
            raise OptionError(f"--rate {rate}:{weight}: a rate cannot weight itself; name the column it is a rate "
                              f"of (people, households), e.g. --rate {rate}:dan_so, or {rate}:area")
        if weight == WEIGHTS_AREA:
            weights[weight] = area
        elif weight not in weights:
            numbers = _numbers(frame[weight].tolist(), frame[key].tolist(), 2, f"column {weight!r}")
            weights[weight] = _non_negative(pd.Series(numbers, index=ids), f"column {weight!r}")
    return weights


def _check_options(kind: str, weights: object, integers: bool) -> None:
    if kind not in ("extensive", "intensive"):
        raise OptionError(f"kind must be 'extensive' (counts, areas) or 'intensive' (rates, densities), not {kind!r}")
    if kind == "extensive" and not (isinstance(weights, str) and weights == WEIGHTS_AREA):
        raise OptionError("weights apply to intensive figures (weighted means); extensive ones follow the "
                          "crosswalk's area shares: drop --weights or use --kind intensive (or --rate COL:WEIGHT)")
    if integers and kind == "intensive":
        raise OptionError("--integers rounds counts (extensive figures); means (intensive) are not counts")


def _chosen(frame: pd.DataFrame, key: str, columns: list[str] | None, rates: Mapping[str, str]) -> list:
    """The columns to move (every one but the key by default, the rates added); each, and each weight column, exists."""
    chosen = [c for c in frame.columns if c != key] if columns is None else list(columns)
    chosen += [c for c in rates if c not in chosen]
    named = [*chosen, *(w for w in rates.values() if w != WEIGHTS_AREA)]
    absent = [c for c in named if c not in frame.columns or c == key]
    if absent or not chosen:
        raise OptionError(f"no column(s) {', '.join(map(repr, absent)) or 'to move'} besides the key {key!r}; "
                          f"the table has {', '.join(map(str, frame.columns))}")
    return chosen


def reaggregate_table(table: str | os.PathLike | pd.DataFrame, from_era: str | int, to_era: str | int, *,
                      key: str | None = None, columns: list[str] | None = None, kind: str = "extensive",
                      weights: str | os.PathLike | Mapping | pd.Series | pd.DataFrame = WEIGHTS_AREA,
                      rates: Mapping[str, str] | None = None, integers: bool = False,
                      district: str | None = None, shares: str | os.PathLike | pd.DataFrame | None = None,
                      source: str = "gadm41") -> TableReaggregation:
    """Move a table of per-unit figures (one row per unit of ``from_era``) onto the units of ``to_era``.

    Parameters
    ----------
    table : path or DataFrame
        CSV or XLSX (see :func:`read_table`) or a DataFrame.
    from_era, to_era : str or int
        The era of the table's units and the era to move the figures to. The
        same era twice re-keys the table (unit ids, codes and names of the era)
        and checks it, the figures unchanged.
    key : str, optional
        The column naming the units: unit ids, GSO codes of ``from_era`` or
        names (with or without diacritics, old names); by default the first of
        ``unit_id``, ``code``, ``name`` the table has, else its first column.
        See :func:`haiha_geo.names.resolve_units`.
    columns : list of str, optional
        The columns to move (every other column by default).
    kind : {"extensive", "intensive"}
        Extensive figures (people, households, ha) are shared out by the
        crosswalk's area shares, their totals conserved; intensive ones
        (rates, densities) become weighted means.
    weights : "area", path, mapping, Series or DataFrame
        Weights of the intensive means per source unit: its map area, or a
        table (key column + one weight column) or mapping of one weight per unit.
    rates : mapping of str to str, optional
        Columns that are rates in a table of counts, each with its weights:
        another column of the table (``{"ty_le_ngheo": "so_ho"}``: the rate
        weighted by households) or ``"area"``. They become weighted means
        (the weight of a split unit shared out by area) in the same run as
        the counts; a rate column not in ``columns`` is added to them.
    integers : bool
        Round the counts to whole numbers with each column's total kept
        exactly (largest remainder; the inputs must be whole numbers). The
        arithmetic is exact, in Python integers and fractions, at any
        magnitude (budgets in đồng beyond 2⁵³ or int64 included).
    district : str, optional
        The column giving each row's old district (or town, city), for names
        that repeat across a province; see :func:`haiha_geo.names.resolve_units`.
    shares : path or DataFrame, optional
        The user's split shares (e.g. from the reorganisation dossier, Đề án):
        columns ``from_unit`` and ``to_unit`` (ids, codes or names of
        ``from_era`` and ``to_era``; ``from_unit`` may carry its district,
        ``"Quảng Long, Hải Hà"``) and ``share`` (fractions summing to 1 per
        unit) or ``part`` (area or population of each transferred part,
        normalised per unit). Each listed unit's geometric shares are replaced
        by these; every target must be one of the unit's legal successors
        (:func:`haiha_geo.registry.legal_successors`) and every successor listed.
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    TableReaggregation
        ``.frame`` (one row per unit of ``to_era``), ``.summary`` (total in,
        total out and residual per column), ``.contributions`` (each target
        unit's value by source unit) and ``.to_dict()``.

    Raises
    ------
    UnknownUnitError
        Keys naming no unit of ``from_era``, or units without a row (the first 20 rows named, and their count).
    TableValueError
        Two rows for one unit, values that are not numbers, fractional inputs
        with ``integers``, negative weights, a unit whose weights are all 0.
    OptionError
        A bad ``kind``, ``key``, ``columns``, ``district`` or ``rates``; ``weights`` other than area with
        extensive figures.
    InputFileError
        A ``shares`` table without its columns, with a share to a unit that is not a legal successor, a
        successor left out, shares not summing to 1, or a negative or non-numeric share.

    Examples
    --------
    >>> first, last = era_ids()[0], era_ids()[-1]
    >>> units = registry.units_table(first)
    >>> people = pd.DataFrame({"name": units["name"], "people": range(1001, 1001 + len(units))})
    >>> moved = reaggregate_table(people, first, last, integers=True)
    >>> int(moved.frame["people"].sum()) == int(people["people"].sum()), moved.summary["people"]["residual"]
    (True, 0.0)
    >>> mixed = people.assign(poor_pct=12.5)
    >>> moved = reaggregate_table(mixed, first, last, rates={"poor_pct": "people"}, integers=True)
    >>> bool(moved.frame["people"].sum() == people["people"].sum()), sorted(set(moved.frame["poor_pct"].round(9)))
    (True, [12.5])
    >>> split = pd.DataFrame({"from_unit": ["Quảng Long"] * 2, "to_unit": ["Quảng Hà", "Đường Hoa"],
    ...                       "part": [1, 3]})  # the dossier's population of each part
    >>> moved = reaggregate_table(people, first, last, integers=True, shares=split)
    >>> c = moved.contributions
    >>> c[c.from_name == "Quảng Long"][["to_name", "share", "people"]].values.tolist()
    [['Quảng Hà', 0.25, 252], ['Đường Hoa', 0.75, 757]]
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    _check_options(kind, weights, integers)
    frame = read_table(table)
    key_col = _key_column(frame, key)
    rates = dict(rates or {})
    chosen = _chosen(frame, key_col, columns, rates)
    if district is not None and district not in frame.columns:
        raise OptionError(f"no district column {district!r}; the table has {', '.join(map(str, frame.columns))}")
    chosen = [c for c in chosen if c != district] if columns is None else chosen
    keys = frame[key_col].tolist()
    ids = resolve_units(keys, a, first_row=2,  # the file's line numbers: the header is row 1
                        districts=None if district is None else frame[district].tolist())
    cw = crosswalk(a, b, source=source)
    area = cw.groupby("from_unit_id")["area_ha"].sum()
    cited = None
    if shares is not None:
        cw, cited = _given_shares(shares, cw, a, b)
    weight = _weights(weights, a, area)
    by_rate = _rate_weights(frame, rates, key_col, ids, area)
    order = registry.units_table(b)["unit_id"].tolist()
    target = registry.units_table(b).set_index("unit_id")
    out = pd.DataFrame({"unit_id": order, "code": target["code"].to_numpy(), "name": target["name"].to_numpy()})
    exact = _exact_shares(cw) if integers else []
    summary = {}
    contributions = cw[["to_unit_id", "to_code", "to_name", "from_unit_id", "from_code", "from_name", "share"]].copy()
    for column in chosen:
        what = f"column {column!r}"
        series = pd.Series(_numbers(frame[column].tolist(), keys, 2, what), index=ids)
        if integers and column not in rates:
            counts = dict(zip(ids, _whole_numbers(frame[column].tolist(), keys, str(column))))
            moved = _apportion(counts, exact, order)
            contributions[column] = _int_column(_split_counts(counts, exact, dict(zip(order, moved))))
            total_in, total_out, values = sum(counts.values()), sum(moved), _int_column(moved)
        else:
            mean = (by_rate[rates[column]], rates[column]) if column in rates else weight
            how = None if kind == "extensive" and column not in rates else mean
            moved, total_in, total_out = _move(series, cw, how, what)
            values = moved.reindex(order).to_numpy()
            contributions[column] = _contributed(series, cw, how)
        residual = (total_out - total_in) / total_in if total_in else total_out - total_in
        out[column] = values
        summary[str(column)] = {"total_in": total_in, "total_out": total_out, "residual": float(residual)}
    rank = {u: i for i, u in enumerate(order)}
    contributions = contributions.sort_values(["to_unit_id", "from_code"], key=lambda c: c.map(rank).fillna(c)
                                              if c.name == "to_unit_id" else c, kind="stable")
    return TableReaggregation(frame=out, columns=[str(c) for c in chosen], kind=kind, from_era=a, to_era=b,
                              weights=weight[1], integers=integers, summary=summary,
                              rates={str(c): str(w) for c, w in rates.items()},
                              contributions=contributions.reset_index(drop=True), shares=cited)


def _split_counts(counts: dict[str, int], shares: list[tuple[str, str, Fraction]],
                  totals: dict[str, int]) -> list[int]:
    """Whole numbers per crosswalk row (``shares``' order) that add up to each target's ``totals`` exactly.

    Each target's rounded count is shared among its source units by largest remainder of their exact quotas.
    """
    quota = [counts[f] * share for f, _, share in shares]
    floors = [q.numerator // q.denominator for q in quota]
    rows: dict[str, list[int]] = {}
    for i, (_, target, _) in enumerate(shares):
        rows.setdefault(target, []).append(i)
    for target, where in rows.items():
        short = totals[target] - sum(floors[i] for i in where)
        for i in sorted(where, key=lambda i: (floors[i] - quota[i], i))[:short]:
            floors[i] += 1
    return floors


def _contributed(series: pd.Series, cw: pd.DataFrame, mean: tuple[pd.Series, str] | None) -> np.ndarray:
    """What each crosswalk row brings to its target: a count's share, or a mean's weighted part of the target's mean.

    A target's parts add up to its value (a count) or to its weighted mean.
    """
    value = cw["from_unit_id"].map(series)
    if mean is None:
        return (value * cw["share"]).to_numpy()
    piece = cw["share"] * cw["from_unit_id"].map(mean[0])
    return (value * piece / piece.groupby(cw["to_unit_id"]).transform("sum")).to_numpy()


def _given_shares(shares: str | os.PathLike | pd.DataFrame, cw: pd.DataFrame, from_era: str,
                  to_era: str) -> tuple[pd.DataFrame, str]:
    """``cw`` with the units of the user's ``shares`` table shared as it says, and how to cite it.

    Raises :class:`InputFileError` naming the row at fault (see :func:`reaggregate_table`).
    """
    table = read_table(shares)
    label = "the shares table" if isinstance(shares, pd.DataFrame) else str(shares)
    value = "share" if "share" in table.columns else "part"
    absent = [c for c in ("from_unit", "to_unit", value) if c not in table.columns]
    if absent:
        raise InputFileError(f"{label}: no column {', '.join(absent)}; give from_unit, to_unit and share "
                             "(fractions summing to 1 per unit) or part (area or population of each part)")
    rows = range(2, 2 + len(table))
    sources = resolve_units(table["from_unit"].tolist(), from_era, first_row=2, complete=False,
                            unique=False)
    targets = resolve_units(table["to_unit"].tolist(), to_era, first_row=2, complete=False, unique=False)
    amounts = [_finite(v) for v in table[value]]
    bad = [row_label(r, v) for r, v, x in zip(rows, table[value], amounts) if x is None or x < 0]
    if bad:
        raise InputFileError(f"{label}: column {value} must hold numbers ≥ 0: {first_of(bad, len(bad))}")
    legal = registry.legal_successors(from_era, to_era)
    given: dict[str, dict[str, float]] = {}
    for row, f, t, x in zip(rows, sources, targets, amounts):
        if t not in legal[f]:
            raise InputFileError(f"{label}: row {row}: {t} is not a legal successor of {f}; the law gives it "
                                 f"{', '.join(legal[f])}")
        if t in given.setdefault(f, {}):
            raise InputFileError(f"{label}: row {row}: {f} → {t} is given twice")
        given[f][t] = x
    for f, parts in given.items():
        missing, total = [t for t in legal[f] if t not in parts], sum(parts.values())
        if missing:
            raise InputFileError(f"{label}: {f} has no row for its successor(s) {', '.join(missing)}; give every "
                                 "legal successor a row (0 where nothing went to it)")
        if total <= 0 or (value == "share" and abs(total - 1) > 1e-6):
            raise InputFileError(f"{label}: the shares of {f} add up to {total:g}, not 1; give fractions that sum "
                                 "to 1, or name the column part (amounts, normalised per unit)")
    kept = cw[~cw["from_unit_id"].isin(list(given))]
    area = cw.groupby("from_unit_id")["area_ha"].sum()
    names = registry.units_table().set_index("unit_id")[["code", "name"]]
    rows_given = pd.DataFrame([{"from_unit_id": f, "to_unit_id": t, "share": x / sum(p.values()),
                                "area_ha": area.get(f, 0.0) * x / sum(p.values()), "split": len(p) > 1}
                               for f, p in given.items() for t, x in p.items()])
    rows_given = rows_given.join(names.add_prefix("from_"), on="from_unit_id").join(names.add_prefix("to_"),
                                                                                     on="to_unit_id")
    cited = label if isinstance(shares, pd.DataFrame) else f"{label} (sha256 {file_sha256(Path(shares))[:12]})"
    out = pd.concat([kept, rows_given[_COLUMNS]], ignore_index=True)
    return out.sort_values(["from_code", "to_code"]).reset_index(drop=True), \
        f"{cited}: {', '.join(names.loc[u, 'name'] for u in given)}"



def _move(series: pd.Series, cw: pd.DataFrame, mean: tuple[pd.Series, str] | None,
          what: str) -> tuple[pd.Series, float, float]:
    """``series`` (per source unit) on the target units, with the totals before and after.

    ``mean`` None: shared out by the area shares, totals are sums. Else
    ``(weight, label)``: the mean weighted by ``weight``, a split unit's weight
    shared out by area; totals are weighted means. :class:`TableValueError`
    when a total leaves the range of floats or a target unit has no weight.
    """
    value = cw["from_unit_id"].map(series)
    if mean is None:
        out = (value * cw["share"]).groupby(cw["to_unit_id"]).sum()
        totals = series, out
    else:
        weight, label = mean
        piece = cw["share"] * cw["from_unit_id"].map(weight)
        to_weight = piece.groupby(cw["to_unit_id"]).sum()
        empty = to_weight.index[to_weight <= 0].tolist()
        if empty:
            raise TableValueError(f"{what}: the weights ({label}) are 0 for every unit that makes up "
                                  f"{', '.join(empty)}, so their mean is undefined; give those units a weight")
        out = (value * piece).groupby(cw["to_unit_id"]).sum() / to_weight
        w = weight.reindex(series.index)
        totals = series * w / w.sum(), out * to_weight / to_weight.sum()
    with np.errstate(over="ignore"):  # a sum beyond the floats is refused here, not warned about
        total_in, total_out = (float(t.sum()) for t in totals)
    if not (math.isfinite(total_in) and math.isfinite(total_out)):
        raise TableValueError(f"{what}: the total is beyond the range of floating-point numbers (about 1.8e308); "
                              "give smaller figures, or whole counts with --integers (exact at any size)")
    return out, total_in, total_out
