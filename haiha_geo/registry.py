"""The authored registry: units of every era, legal acts, lineage, aliases, references.

All of it is read from plain files in ``boundaries/`` (see its README); nothing
here is computed from geometry. The eras themselves are declared in
``boundaries/eras.toml`` (:mod:`haiha_geo.timeline`).
"""

from __future__ import annotations

import pandas as pd

from haiha_geo._cache import cached
from haiha_geo.authored import display_name, read_csv, read_toml
from haiha_geo.errors import RegistryError, UnknownUnitError
from haiha_geo.timeline import check_era, era_for_date, era_ids, eras, steps

__all__ = ["acts_table", "aliases_table", "check", "check_era", "consistency_problems", "era_for_date",
           "era_ids", "lineage", "lineage_table", "references_table", "step_links", "unit", "units_table"]

_NUMERIC = ("official_area_ha", "population", "population_year")


def __getattr__(name: str):
    if name == "ERAS":  # the era ids, oldest first, as declared in boundaries/eras.toml
        return era_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _frame(name: str) -> pd.DataFrame:
    return pd.DataFrame(list(read_csv("boundaries", name)), dtype=object)


@cached
def _units() -> pd.DataFrame:
    frame = _frame("units.csv")
    for col in _NUMERIC:
        frame[col] = _numeric(frame, col).astype("Float64" if col == "official_area_ha" else "Int64")
    frame["label"] = frame["type"] + " " + frame["name"]
    return frame


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column].notna() & values.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise RegistryError(f"{display_name('boundaries', 'units.csv')}, row {row + 2}, column {column}: "
                            f"{frame[column].iloc[row]!r} is not a number; write digits with '.' for decimals, "
                            "or leave the cell empty when no source gives the figure")
    return values


def units_table(era: str | int | None = None) -> pd.DataFrame:
    """Return the registry of units (no geometry), optionally of one era.

    Examples
    --------
    >>> [len(units_table(e)) for e in era_ids()]
    [16, 11, 4]
    """
    frame = _units()
    if era is not None:
        frame = frame[frame["era"] == check_era(era)]
    return frame.reset_index(drop=True).copy()


def unit(unit_id: str) -> pd.Series:
    """Return the registry row of ``unit_id`` (``"ERA/CODE"``).

    Examples
    --------
    >>> unit("2025/06946")["name"]
    'Đường Hoa'
    """
    rows = _units()[_units()["unit_id"] == unit_id]
    if rows.empty:
        raise UnknownUnitError(f"no unit {unit_id!r}; unit ids are era-qualified, e.g. '2020/06922'")
    return rows.iloc[0].copy()


def lineage_table() -> pd.DataFrame:
    """Return the lineage events (one row per predecessor → successor link)."""
    return _frame("lineage.csv")


def lineage() -> pd.DataFrame:
    """Return the lineage joined with names and acts, for reports.

    Returns
    -------
    pandas.DataFrame
        One row per predecessor → successor link: ``act, effective, clause,
        from_unit_id, from_type, from_name, relation, to_unit_id, to_type,
        to_name, ref_id, confidence``.

    Examples
    --------
    >>> lin = lineage()
    >>> lin[lin.relation == "split_part"][["from_name", "to_name", "act"]].values.tolist()
    [['Quảng Long', 'Quảng Hà', '1679/NQ-UBTVQH15']]
    """
    names = _units().set_index("unit_id")[["name", "type"]]
    acts = acts_table().set_index("act_id")[["number", "effective"]]
    out = lineage_table()
    out = out.join(names.add_prefix("from_"), on="from_unit_id").join(names.add_prefix("to_"), on="to_unit_id")
    out = out.join(acts.rename(columns={"number": "act"}), on="act_id")
    return out[["act", "effective", "clause", "from_unit_id", "from_type", "from_name", "relation",
                "to_unit_id", "to_type", "to_name", "ref_id", "confidence"]]


def acts_table() -> pd.DataFrame:
    """Return the legal acts (number, title, dates signed and effective, source)."""
    return _frame("acts.csv")


def aliases_table() -> pd.DataFrame:
    """Return the former names (aliases) of units, with the act and source."""
    return _frame("aliases.csv")


def references_table() -> pd.DataFrame:
    """Return the reference list the registry's ``*_ref`` columns point to."""
    return _frame("references.csv")


def consistency_problems() -> list[str]:
    """Check the registry and lineage against each other; return the problems found (empty if none).

    Examples
    --------
    >>> consistency_problems()
    []
    """
    for name in ("units.csv", "lineage.csv", "acts.csv"):
        if not read_csv("boundaries", name):
            return [f"{display_name('boundaries', name)} has no rows"]
    units, lin = _units(), lineage_table()
    problems = [f"duplicate unit_id {u}" for u in units["unit_id"][units["unit_id"].duplicated()]]
    problems += [f"code {c} used twice in era {e}"
                 for (e, c), n in units.groupby(["era", "code"]).size().items() if n > 1]
    known = set(units["unit_id"])
    linked = set(lin["from_unit_id"]) | set(lin["to_unit_id"])
    problems += [f"lineage names unknown unit {u}" for u in sorted(linked - known)]
    problems += [f"act {a} in lineage is not in acts.csv" for a in set(lin["act_id"]) - set(acts_table()["act_id"])]
    problems += [f"unit {u} names era {e!r}, which boundaries/eras.toml does not declare"
                 for u, e in zip(units["unit_id"], units["era"]) if e not in era_ids()]
    catalogued = read_toml("boundaries", "sources.toml")  # the source names (sources.py would load geopandas)
    for older_era, newer_era in steps():
        older, newer = older_era.id, newer_era.id
        links = step_links(older, newer)
        if (links["relation"] == "split_part").any() and newer_era.split_source not in catalogued:
            problems.append(f"era {newer} splits a unit but its split_source {newer_era.split_source!r} is not a "
                            "source of boundaries/sources.toml: name the source whose polygons cut the split")
        problems += [f"{u} has no successor in era {newer}" for u in units_table(older)["unit_id"]
                     if u not in set(links["from_unit_id"])]
        problems += [f"{u} has no predecessor in era {older}" for u in units_table(newer)["unit_id"]
                     if u not in set(links["to_unit_id"])]
        problems += _split_problems(links)
    return problems + [p for e in eras() for p in _date_problems(e.id)]


def step_links(older: str, newer: str) -> pd.DataFrame:
    """The lineage rows from units of era ``older`` to units of era ``newer``."""
    lin = lineage_table()
    return lin[lin["from_unit_id"].str.startswith(f"{older}/") & lin["to_unit_id"].str.startswith(f"{newer}/")]


def _split_problems(links: pd.DataFrame) -> list[str]:
    problems = []
    for unit_id, rows in links.groupby("from_unit_id"):
        relations = list(rows["relation"])
        if len(rows) > 1 and (relations.count("split_remainder") != 1 or
                              relations.count("split_part") != len(rows) - 1):
            problems.append(f"{unit_id} has {len(rows)} successors but is not declared as split_part row(s) "
                            "and one split_remainder")
        if len(rows) == 1 and relations[0].startswith("split"):
            problems.append(f"{unit_id} is declared split but has a single successor")
    return problems


def _date_problems(era_id: str) -> list[str]:
    """Units whose validity dates are not their era's (boundaries/eras.toml)."""
    declared = {e.id: e for e in eras()}[era_id]
    first = declared.valid_from.isoformat()
    last = declared.valid_to.isoformat() if declared.valid_to else None
    table = units_table(era_id)
    return ([f"{u} starts {v}, not on the first day of era {era_id} ({first})"
             for u, v in zip(table["unit_id"], table["valid_from"]) if v != first] +
            [f"{u} ends {v}, not on the last day of era {era_id} ({last or 'open'})"
             for u, v in zip(table["unit_id"], table["valid_to"]) if v != last])


def check() -> None:
    """Raise :class:`RegistryError` if :func:`consistency_problems` finds any."""
    problems = consistency_problems()
    if problems:
        raise RegistryError("the registry in boundaries/ is inconsistent: " + "; ".join(problems))
