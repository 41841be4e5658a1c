"""The authored registry: units of every era, legal acts, lineage, aliases, references.

All of it is read from plain files in ``boundaries/`` (see its README); nothing
here is computed from geometry. The eras themselves are declared in
``boundaries/eras.toml`` (:mod:`haiha_geo.timeline`).
"""

from __future__ import annotations

import itertools

import pandas as pd

from haiha_geo import authored_checks
from haiha_geo._cache import cached
from haiha_geo.authored import read_csv
from haiha_geo.authored_checks import problems
from haiha_geo.errors import UnknownUnitError
from haiha_geo.timeline import check_era, era_for_date, era_ids

__all__ = ["acts_table", "aliases_table", "check", "check_era", "consistency_problems", "era_for_date", "era_ids",
           "era_steps", "legal_successors", "lineage", "lineage_table", "references_table", "step_links", "unit",
           "unit_types", "units_table"]

_NUMERIC = ("official_area_ha", "population", "population_year")


def __getattr__(name: str):
    if name == "ERAS":  # the era ids, oldest first, as declared in boundaries/eras.toml
        return era_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _frame(name: str) -> pd.DataFrame:
    """An authored registry file as a frame, once the authored files have passed :func:`check`."""
    _checked()
    return pd.DataFrame(list(read_csv("boundaries", name)), dtype=object)


@cached
def _checked() -> None:
    check()  # once per cache lifetime: an edited file drops the caches (authored_checks.problems)


@cached
def _units() -> pd.DataFrame:
    frame = _frame("units.csv")
    for col in _NUMERIC:  # typed, finite and bounded by the check
        frame[col] = pd.to_numeric(frame[col]).astype("Float64" if col == "official_area_ha" else "Int64")
    frame["label"] = frame["type"] + " " + frame["name"]
    return frame


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


def unit_types(era_id: str) -> str:
    """The kinds of unit of an era, the commonest first, as a legend names them: ``xã, thị trấn`` before 1/7/2025,
    ``xã`` after.

    Examples
    --------
    >>> unit_types("2019"), unit_types("2025")
    ('xã, thị trấn', 'xã')
    """
    types = list(units_table(era_id)["type"])
    return ", ".join(sorted(dict.fromkeys(types), key=lambda t: -types.count(t)))  # the commonest first


def legal_successors(from_era: str | int, to_era: str | int) -> dict[str, list[str]]:
    """Every unit of ``from_era`` → the units of ``to_era`` the lineage gives it (its links composed era by era).

    A unit one act merged into a unit a later act split has all the split's successors: the law does not
    say which part of the merged unit went where, however the polygons fall.

    Examples
    --------
    >>> legal_successors("2019", "2025")["2019/06946"]
    ['2025/06922', '2025/06946']
    """
    from_era, to_era = check_era(from_era), check_era(to_era)
    chain = {u: [u] for u in units_table(from_era)["unit_id"]}
    for older, newer in era_steps(from_era, to_era):
        step = step_links(older, newer).groupby("from_unit_id", sort=False)["to_unit_id"].apply(list)
        chain = {u: sorted({t for c in current for t in step[c]}) for u, current in chain.items()}
    return chain


def era_steps(from_era: str, to_era: str) -> list[tuple[str, str]]:
    """The (older, newer) era pairs from ``from_era`` to ``to_era``, one reform each.

    Examples
    --------
    >>> era_steps("2019", "2025")
    [('2019', '2020'), ('2020', '2025')]
    """
    order = era_ids()
    span = order[order.index(from_era):order.index(to_era) + 1]
    return list(itertools.pairwise(span))


def consistency_problems() -> list[str]:
    """Check the authored files (registry, lineage, eras, place, sources) together; return the problems found.

    See :mod:`haiha_geo.authored_checks` for the rules.

    Examples
    --------
    >>> consistency_problems()
    []
    """
    return [p.message for p in problems() if not p.blocked]  # a check blocked by another is no problem of its own


def step_links(older: str, newer: str) -> pd.DataFrame:
    """The lineage rows from units of era ``older`` to units of era ``newer``."""
    lin = lineage_table()
    return lin[lin["from_unit_id"].str.startswith(f"{older}/") & lin["to_unit_id"].str.startswith(f"{newer}/")]


def check() -> None:
    """Raise :class:`RegistryError` naming the first problem :func:`consistency_problems` finds."""
    authored_checks.check()
