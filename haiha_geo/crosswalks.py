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
from pathlib import Path

import numpy as np
import pandas as pd

from haiha_geo import registry
from haiha_geo._output import records
from haiha_geo.eras import model
from haiha_geo.errors import InputFileError, OptionError, TableValueError, UnknownUnitError
from haiha_geo.names import find_units, nfc
from haiha_geo.timeline import era_ids

_COLUMNS = ["from_unit_id", "from_code", "from_name", "to_unit_id", "to_code", "to_name", "share", "split", "area_ha"]


def crosswalk(from_era: str | int, to_era: str | int, *, source: str = "gadm41") -> pd.DataFrame:
    """Return the area-weighted, many-to-many crosswalk from one era to another.

    Parameters
    ----------
    from_era, to_era : str or int
        Era ids (``"2019"``, ``"2020"``, ``"2025"`` …); either direction works:
        an earlier ``to_era`` lists predecessors.
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
    pairs = atoms.groupby([f"unit_{a}", f"unit_{b}"], sort=False)["area_m2"].sum().reset_index()
    pairs.columns = ["from_unit_id", "to_unit_id", "area_m2"]
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
        Any name of the unit, current or former, with or without diacritics and prefix.
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
                "type": table.at[u, "type"]} for u in found]
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
    nearest = min(found, key=lambda u: abs(order.index(u.split("/")[0]) - order.index(era)))
    rows = crosswalk(nearest.split("/")[0], era)
    rows = rows[rows["from_unit_id"] == nearest]
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


def _unit_ids(keys: list, era: str, rows: list[int]) -> list[str]:
    """The unit ids of ``era`` that ``keys`` name (unit ids, GSO codes, names with or without diacritics, old names).

    ``rows`` are the row numbers the messages name. Unknown keys and two keys
    naming one unit are errors listing every such row.
    """
    table = registry.units_table(era)
    by_code = dict(zip(table["code"], table["unit_id"]))
    ids = set(table["unit_id"])
    found: list[str] = []
    seen: dict[str, list[str]] = {}
    unknown = []
    for row, key in zip(rows, keys):
        label = f"row {row} ({key!r})"
        text = "" if _blank(key) else str(key).strip()
        try:
            unit_id = text if text in ids else by_code.get(text) or find_units(text, era)[0]
        except UnknownUnitError:
            unknown.append(label)
            continue
        seen.setdefault(unit_id, []).append(label)
        found.append(unit_id)
    if unknown:
        raise UnknownUnitError(f"no unit of era {era} matches {', '.join(unknown)}; use unit ids, GSO codes or "
                               f"names of era {era} (see `haiha-geo units --era {era}`)")
    doubled = {u: labels for u, labels in seen.items() if len(labels) > 1}
    if doubled:
        listed = "; ".join(f"{u}: {', '.join(labels)}" for u, labels in doubled.items())
        raise TableValueError(f"more than one value for the same unit ({listed}); give each unit one value")
    missing = sorted(ids - set(found))
    if missing:
        raise UnknownUnitError(f"values are missing for {len(missing)} unit(s) of era {era}: {', '.join(missing)}; "
                               "give every unit a value (0 where there is none)")
    return found


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str)
                                                                                 and not value.strip())


def _numbers(values: list, labels: list[str], what: str) -> list[float]:
    """``values`` as finite floats; :class:`TableValueError` naming every row that holds none."""
    numbers = [_finite(v) for v in values]
    bad = [f"{label}: {v!r}" for label, v, n in zip(labels, values, numbers) if n is None]
    if bad:
        raise TableValueError(f"{what}: values that are not finite numbers: {'; '.join(bad)}; give a number for "
                              "every unit (0 where there is none)")
    return numbers


def _keyed_by_unit(values: Mapping | pd.Series, era: str) -> pd.Series:
    """Key ``values`` by unit id, accepting unit ids, GSO codes of ``era`` or names; check every value.

    Rows are counted from 1 in the order of ``values``. Unknown keys, two keys
    naming one unit, and values that are not finite numbers are errors naming their rows.
    """
    keys, raw = list(values.keys()), list(values.values())
    rows = list(range(1, len(keys) + 1))
    ids = _unit_ids(keys, era, rows)
    return pd.Series(_numbers(raw, [f"row {r} ({k!r})" for r, k in zip(rows, keys)], "values"), index=ids)


def _finite(value) -> float | None:
    """``value`` as a finite float, or None (text that is no number, NaN, inf, booleans)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def reaggregate(values: Mapping | pd.Series, from_era: str | int, to_era: str | int,
                kind: str = "extensive", *, source: str = "gadm41") -> Reaggregation:
    """Move per-unit statistics from one era's units to another's, area-weighted.

    Parameters
    ----------
    values : mapping or Series
        One value per unit of ``from_era``, keyed by unit id, GSO code or name.
    from_era, to_era : str or int
        The era of ``values`` and the era to move them to.
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
        ``kind`` is neither ``"extensive"`` nor ``"intensive"``.

    Examples
    --------
    >>> pop = {u: 1000 for u in registry.units_table("2019").unit_id}
    >>> moved = reaggregate(pop, "2019", "2025")
    >>> round(moved.values.sum()), abs(moved.residual) < 1e-9
    (16000, True)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    if kind not in ("extensive", "intensive"):
        raise OptionError(f"kind must be 'extensive' (counts, areas) or 'intensive' (rates, densities), not {kind!r}")
    series = _keyed_by_unit(values, a)
    cw = crosswalk(a, b, source=source)
    weight = cw.groupby("from_unit_id")["area_ha"].sum()
    cw["piece"] = cw["area_ha"]
    out, total_in, total_out = _move(series, cw, kind, weight)
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
        ``unit_id, code, name`` of the target era's units, then the moved columns (their names as given).
    columns : list of str
        The moved columns.
    summary : dict
        Per column ``{"total_in", "total_out", "residual"}``: sums (extensive)
        or weighted means (intensive) before and after, and
        ``(total_out − total_in) / total_in``; 0 exactly for ``integers``.
    """

    frame: pd.DataFrame
    columns: list[str]
    kind: str
    from_era: str
    to_era: str
    weights: str
    integers: bool
    summary: dict[str, dict[str, float]]

    def to_dict(self) -> dict:
        """The JSON shape ``{from_era, to_era, kind, weights, integers, rows, residual: {column: {...}}}``."""
        return {"from_era": self.from_era, "to_era": self.to_era, "kind": self.kind, "weights": self.weights,
                "integers": self.integers, "rows": records(self.frame), "residual": self.summary}


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


def _weights(weights: str | os.PathLike | Mapping, era: str, cw: pd.DataFrame) -> tuple[pd.Series, str]:
    """Weight of each source unit: its area (ha) from the crosswalk, or a table of one weight per unit."""
    if isinstance(weights, str) and weights == WEIGHTS_AREA:
        return cw.groupby("from_unit_id")["area_ha"].sum(), WEIGHTS_AREA
    if isinstance(weights, Mapping):
        series, label = _keyed_by_unit(weights, era), "given weights"
    else:
        frame = read_table(weights)
        key = _key_column(frame, None)
        numeric = [c for c in frame.columns if c != key]
        if len(numeric) != 1:
            raise TableValueError(f"{weights}: a weights table has a key column and one column of weights; "
                                  f"it has {', '.join(map(str, frame.columns))}")
        rows = list(range(2, len(frame) + 2))
        ids = _unit_ids(frame[key].tolist(), era, rows)
        labels = [f"row {r} ({k!r})" for r, k in zip(rows, frame[key])]
        series = pd.Series(_numbers(frame[numeric[0]].tolist(), labels, f"{weights}"), index=ids)
        label = str(weights)
    if (series < 0).any() or series.sum() <= 0:
        raise TableValueError(f"weights must be ≥ 0 and not all 0; check {label}")
    return series, label


def _largest_remainder(values: pd.Series, total: int) -> pd.Series:
    """``values`` rounded to whole numbers that sum to ``total``: floors, then +1 to the largest remainders.

    Ties go to the unit listed first (the era's order), so the result is deterministic.
    """
    floors = np.floor(values.to_numpy() + 1e-9)
    short = round(total - floors.sum())
    order = sorted(range(len(values)), key=lambda i: (-(values.iloc[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return pd.Series(floors.astype(np.int64), index=values.index)


def reaggregate_table(table: str | os.PathLike | pd.DataFrame, from_era: str | int, to_era: str | int, *,
                      key: str | None = None, columns: list[str] | None = None, kind: str = "extensive",
                      weights: str | os.PathLike | Mapping = WEIGHTS_AREA, integers: bool = False,
                      source: str = "gadm41") -> TableReaggregation:
    """Move a table of per-unit figures (one row per unit of ``from_era``) onto the units of ``to_era``.

    Parameters
    ----------
    table : path or DataFrame
        CSV or XLSX (see :func:`read_table`) or a DataFrame.
    from_era, to_era : str or int
        The era of the table's units and the era to move the figures to.
    key : str, optional
        The column naming the units: unit ids, GSO codes of ``from_era`` or
        names (with or without diacritics, old names); by default the first of
        ``unit_id``, ``code``, ``name`` the table has, else its first column.
    columns : list of str, optional
        The columns to move (every other column by default).
    kind : {"extensive", "intensive"}
        Extensive figures (people, households, ha) are shared out by the
        crosswalk's area shares, their totals conserved; intensive ones
        (rates, densities) become weighted means.
    weights : "area", path or mapping
        Weights of the intensive mean per source unit: its map area, or a
        table (key column + one weight column) or mapping of one weight per unit.
    integers : bool
        Round extensive counts to whole numbers with each column's total kept
        exactly (largest remainder; the inputs must be whole numbers).
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).

    Returns
    -------
    TableReaggregation
        ``.frame`` (one row per unit of ``to_era``), ``.summary`` (total in,
        total out and residual per column) and ``.to_dict()``.

    Raises
    ------
    UnknownUnitError
        Keys naming no unit of ``from_era`` (every such row named), or units without a row.
    TableValueError
        Two rows for one unit, values that are not numbers, or fractional inputs with ``integers``.
    OptionError
        A bad ``kind``, ``key`` or ``columns``; ``weights`` other than area with extensive figures.

    Examples
    --------
    >>> first, last = era_ids()[0], era_ids()[-1]
    >>> units = registry.units_table(first)
    >>> people = pd.DataFrame({"name": units["name"], "people": range(1001, 1001 + len(units))})
    >>> moved = reaggregate_table(people, first, last, integers=True)
    >>> int(moved.frame["people"].sum()) == int(people["people"].sum()), moved.summary["people"]["residual"]
    (True, 0.0)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    if kind not in ("extensive", "intensive"):
        raise OptionError(f"kind must be 'extensive' (counts, areas) or 'intensive' (rates, densities), not {kind!r}")
    if kind == "extensive" and not (isinstance(weights, str) and weights == WEIGHTS_AREA):
        raise OptionError("weights apply to intensive figures (weighted means); extensive ones follow the "
                          "crosswalk's area shares: drop --weights or use --kind intensive")
    if integers and kind == "intensive":
        raise OptionError("--integers rounds counts (extensive figures); means (intensive) are not counts")
    frame = read_table(table)
    key_col = _key_column(frame, key)
    chosen = [c for c in frame.columns if c != key_col] if columns is None else list(columns)
    absent = [c for c in chosen if c not in frame.columns or c == key_col]
    if absent or not chosen:
        raise OptionError(f"no column(s) {', '.join(map(repr, absent)) or 'to move'} besides the key {key_col!r}; "
                          f"the table has {', '.join(map(str, frame.columns))}")
    rows = list(range(2, len(frame) + 2))  # the file's line numbers: the header is row 1
    labels = [f"row {r} ({k!r})" for r, k in zip(rows, frame[key_col])]
    ids = _unit_ids(frame[key_col].tolist(), a, rows)
    cw = crosswalk(a, b, source=source)
    weight, weight_label = _weights(weights, a, cw)
    cw["piece"] = cw["share"] * cw["from_unit_id"].map(weight)
    target = registry.units_table(b).set_index("unit_id")
    out = pd.DataFrame({"unit_id": target.index, "code": target["code"].to_numpy(), "name": target["name"].to_numpy()})
    summary = {}
    for column in chosen:
        series = pd.Series(_numbers(frame[column].tolist(), labels, f"column {column!r}"), index=ids)
        moved, total_in, total_out = _move(series, cw, kind, weight)
        moved = moved.reindex(target.index)
        if integers:
            if not np.allclose(series, np.round(series), rtol=0, atol=1e-9):
                fractional = [lab for lab, v in zip(labels, series) if v != round(v)]
                raise TableValueError(f"column {column!r}: --integers needs whole numbers; "
                                      f"{', '.join(fractional)} are not")
            moved = _largest_remainder(moved, round(total_in))
            total_out = float(moved.sum())
        residual = (total_out - total_in) / total_in if total_in else total_out - total_in
        out[column] = moved.to_numpy()
        summary[str(column)] = {"total_in": total_in, "total_out": total_out, "residual": float(residual)}
    return TableReaggregation(frame=out, columns=[str(c) for c in chosen], kind=kind, from_era=a, to_era=b,
                              weights=weight_label, integers=integers, summary=summary)


def _move(series: pd.Series, cw: pd.DataFrame, kind: str, weight: pd.Series) -> tuple[pd.Series, float, float]:
    """``series`` (per source unit) on the target units, with the totals (sums or weighted means) before and after."""
    value = cw["from_unit_id"].map(series)
    if kind == "extensive":
        out = (value * cw["share"]).groupby(cw["to_unit_id"]).sum()
        return out, float(series.sum()), float(out.sum())
    to_weight = cw.groupby("to_unit_id")["piece"].sum()
    out = (value * cw["piece"]).groupby(cw["to_unit_id"]).sum() / to_weight
    w = weight.reindex(series.index)
    return out, float((series * w).sum() / w.sum()), float((out * to_weight).sum() / to_weight.sum())
