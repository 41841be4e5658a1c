"""The authored registry: units of every era, legal acts, lineage, aliases, references.

All of it is read from plain files in ``boundaries/`` (see its README); nothing
here is computed from geometry.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from haiha_geo._data import read_csv
from haiha_geo.errors import RegistryError, UnknownEraError, UnknownUnitError

#: The modelled eras, oldest first.
ERAS: tuple[str, ...] = ("2019", "2020", "2025")

_NUMERIC = ("official_area_ha", "population", "population_year")


def check_era(era: str | int) -> str:
    """Return ``era`` as one of :data:`ERAS`, or raise :class:`UnknownEraError`.

    Examples
    --------
    >>> check_era(2020)
    '2020'
    """
    text = str(era).strip()
    if text not in ERAS:
        raise UnknownEraError(f"unknown era {era!r}: the eras are {', '.join(ERAS)} "
                              "(2019: 16 units until 31/01/2020; 2020: 11 units to 30/06/2025; 2025: 4 xã from 01/07/2025)")
    return text


def _frame(name: str) -> pd.DataFrame:
    frame = pd.DataFrame(list(read_csv("boundaries", name)))
    return frame.replace({"": None})


@cache
def _units() -> pd.DataFrame:
    frame = _frame("units.csv")
    for col in _NUMERIC:
        frame[col] = pd.to_numeric(frame[col]).astype("Float64" if col == "official_area_ha" else "Int64")
    frame["label"] = frame["type"] + " " + frame["name"]
    return frame


def units_table(era: str | int | None = None) -> pd.DataFrame:
    """Return the registry of units (no geometry), optionally of one era.

    Examples
    --------
    >>> [len(units_table(e)) for e in ERAS]
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


def era_for_date(date: str | dt.date) -> str:
    """Return the era in force on ``date`` (ISO string or date).

    Examples
    --------
    >>> era_for_date("2021-06-30")
    '2020'
    """
    try:
        day = dt.date.fromisoformat(str(date))
    except ValueError:
        raise UnknownEraError(f"date {date!r} is not an ISO date (YYYY-MM-DD)") from None
    spans = _units().groupby("era").agg(start=("valid_from", "min"), end=("valid_to", "max"))
    for era, span in spans.iterrows():
        if span.start <= day.isoformat() and (span.end is None or pd.isna(span.end) or day.isoformat() <= span.end):
            return str(era)
    first = spans["start"].min()
    raise UnknownEraError(f"no era covers {day.isoformat()}: the model starts on {first}, when huyện Hải Hà was "
                          "created (Nghị định 59/2001/NĐ-CP)")


def consistency_problems() -> list[str]:
    """Check the registry and lineage against each other; return the problems found (empty if none).

    Examples
    --------
    >>> consistency_problems()
    []
    """
    units, lin = _units(), lineage_table()
    problems = [f"duplicate unit_id {u}" for u in units["unit_id"][units["unit_id"].duplicated()]]
    problems += [f"code {c} used twice in era {e}" for (e, c), n in units.groupby(["era", "code"]).size().items() if n > 1]
    known = set(units["unit_id"])
    linked = set(lin["from_unit_id"]) | set(lin["to_unit_id"])
    problems += [f"lineage names unknown unit {u}" for u in sorted(linked - known)]
    problems += [f"act {a} in lineage is not in acts.csv" for a in set(lin["act_id"]) - set(acts_table()["act_id"])]
    for older, newer in zip(ERAS, ERAS[1:]):
        links = lin[lin["from_unit_id"].str.startswith(older + "/") & lin["to_unit_id"].str.startswith(newer + "/")]
        problems += [f"{u} has no successor in era {newer}" for u in units_table(older)["unit_id"]
                     if u not in set(links["from_unit_id"])]
        problems += [f"{u} has no predecessor in era {older}" for u in units_table(newer)["unit_id"]
                     if u not in set(links["to_unit_id"])]
        problems += _split_problems(links)
        problems += _date_problems(older, newer)
    return problems


def _split_problems(links: pd.DataFrame) -> list[str]:
    problems = []
    for unit_id, rows in links.groupby("from_unit_id"):
        relations = sorted(rows["relation"])
        if len(rows) > 1 and relations != ["split_part", "split_remainder"]:
            problems.append(f"{unit_id} has {len(rows)} successors but is not declared as one split_part and one split_remainder")
        if len(rows) == 1 and relations[0].startswith("split"):
            problems.append(f"{unit_id} is declared split but has a single successor")
    return problems


def _date_problems(older: str, newer: str) -> list[str]:
    end = dt.date.fromisoformat(units_table(older)["valid_to"].max())
    start = dt.date.fromisoformat(units_table(newer)["valid_from"].min())
    return [] if end + dt.timedelta(days=1) == start else [f"era {older} ends {end} but era {newer} starts {start}"]


def check() -> None:
    """Raise :class:`RegistryError` if :func:`consistency_problems` finds any."""
    problems = consistency_problems()
    if problems:
        raise RegistryError("the registry in boundaries/ is inconsistent: " + "; ".join(problems))
