"""The administrative eras, read from ``boundaries/eras.toml``.

Light on purpose (no pandas, no geometry): the command line builds its era
choices from here. Every era list of the toolkit comes from :func:`eras`.

Examples
--------
>>> era_ids()
('2019', '2020', '2025')
>>> era_for_date("2021-06-30")
'2020'
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from haiha_geo._cache import cached
from haiha_geo.authored import display_name, read_csv, read_toml
from haiha_geo.errors import RegistryError, UnknownEraError

ERAS_FILE = "eras.toml"
CONFIDENCE = ("C", "C2", "I")
#: What an era's first day is: the day its act was signed, took effect, the day its units start to operate, or (for
#: a first era whose units were created by many older acts) the date of the unit list the registry is taken from.
FROM_BASES = ("signed", "in_force", "units_operate", "listed")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: What an era id may be: it is part of unit ids (ERA/CODE) and a command-line choice.
ERA_ID = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Era:
    """One administrative era: its units exist from ``valid_from`` to ``valid_to`` (``None``: in force)."""

    id: str
    valid_from: dt.date
    valid_to: dt.date | None
    from_basis: str
    from_confidence: str
    opened_by: str
    label_vi: str
    label_en: str
    summary_vi: str
    summary_en: str
    split_source: str | None = None

    def label(self, lang: str = "vi") -> str:
        """The era's short label (``"từ 01/07/2025"``), in Vietnamese or English."""
        return self.label_en if lang == "en" else self.label_vi

    def covers(self, day: dt.date) -> bool:
        """Whether the era's units exist on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@cached
def eras() -> tuple[Era, ...]:
    """The eras, oldest first, validated (file, era and key named in every error).

    Every key typed (text non-empty, dates real ISO dates), ids unique, and
    consecutive eras touching: each ends the day before the next starts, so
    eras neither overlap nor leave a gap, and only the last may be open.
    """
    data = read_toml("boundaries", ERAS_FILE)
    where = display_name("boundaries", ERAS_FILE)
    tables = data.get("era")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise RegistryError(f"{where}: no [[era]] tables; declare at least one era as an [[era]] table")
    acts = {row.get("act_id") for row in read_csv("boundaries", "acts.csv")}
    out = [_era(table, f"{where}, era #{i + 1}", acts) for i, table in enumerate(tables)]
    ids = [e.id for e in out]
    if len(set(ids)) != len(ids):
        raise RegistryError(f"{where}: era ids repeat: {ids}")
    for older, newer in itertools.pairwise(out):
        if older.valid_to is None:
            raise RegistryError(f"{where}: era {older.id} has no valid_to but era {newer.id} follows it; only the "
                                "last era may be open: give it the day before the next era starts")
        if older.valid_to + dt.timedelta(days=1) != newer.valid_from:
            relation = "overlap" if newer.valid_from <= older.valid_to else "leave a gap"
            raise RegistryError(f"{where}: era {older.id} ends {older.valid_to} but era {newer.id} starts "
                                f"{newer.valid_from}: they {relation}; consecutive eras must touch, oldest first "
                                "(valid_to + 1 day = next valid_from)")
    return tuple(out)


def _era(table: dict, where: str, acts: set[str | None]) -> Era:
    def text(key: str, required: bool = True) -> str | None:
        value = table.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise RegistryError(f"{where}: key {key!r} must be a non-empty string")
        return value

    def date(key: str, required: bool = True) -> dt.date | None:
        value = table.get(key)
        if value is None and not required:
            return None
        if type(value) is dt.date:  # a TOML date; a date-time is not a day
            return value
        try:
            return parse_date(value)
        except ValueError:
            raise RegistryError(f"{where}: key {key!r} = {value!r} is not an ISO date (YYYY-MM-DD, a real "
                                "day)") from None

    era = Era(id=text("id"), valid_from=date("valid_from"), valid_to=date("valid_to", False),
              from_basis=text("from_basis"), from_confidence=text("from_confidence"), opened_by=text("opened_by"),
              label_vi=text("label_vi"), label_en=text("label_en"), summary_vi=text("summary_vi"),
              summary_en=text("summary_en"), split_source=text("split_source", False))
    if not ERA_ID.fullmatch(era.id):
        raise RegistryError(f"{where}: id {era.id!r} must be letters, digits, '.', '_' or '-' (no '/' or spaces), "
                            "not starting with '-'")
    if era.from_basis not in FROM_BASES:
        raise RegistryError(f"{where}: from_basis {era.from_basis!r} must be one of {', '.join(FROM_BASES)}")
    if era.from_confidence not in CONFIDENCE:
        raise RegistryError(f"{where}: from_confidence {era.from_confidence!r} must be one of {', '.join(CONFIDENCE)}")
    if era.opened_by not in acts:
        raise RegistryError(f"{where}: opened_by {era.opened_by!r} is not an act_id of boundaries/acts.csv")
    if era.valid_to is not None and era.valid_to < era.valid_from:
        raise RegistryError(f"{where}: valid_to {era.valid_to} is before valid_from {era.valid_from}")
    return era


def parse_date(text) -> dt.date:
    """A day written ``YYYY-MM-DD`` (a real one: 2025-02-30 is refused), else :class:`ValueError`.

    Examples
    --------
    >>> parse_date("2025-07-01")
    datetime.date(2025, 7, 1)
    """
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def era_ids() -> tuple[str, ...]:
    """The era ids, oldest first.

    Returns
    -------
    tuple of str
        The ``id`` of every ``[[era]]`` of ``boundaries/eras.toml``.

    Examples
    --------
    >>> era_ids()[0]
    '2019'
    """
    return tuple(e.id for e in eras())


def era(era_id: str | int) -> Era:
    """The :class:`Era` of ``era_id`` (see :func:`check_era`)."""
    return eras()[era_ids().index(check_era(era_id))]


def check_era(era_id: str | int) -> str:
    """Return ``era_id`` as an era id, or raise :class:`UnknownEraError` listing the eras.

    Examples
    --------
    >>> check_era(2020)
    '2020'
    """
    text = str(era_id).strip()
    if text not in era_ids():
        described = "; ".join(f"{e.id}: {e.summary_en}, {e.label_en}" for e in eras())
        raise UnknownEraError(f"unknown era {era_id!r}: the eras are {', '.join(era_ids())} ({described})")
    return text


def era_for_date(date: str | dt.date) -> str:
    """Return the era in force on ``date``.

    Parameters
    ----------
    date : str, datetime.date, datetime.datetime or pandas.Timestamp
        An ISO date (``YYYY-MM-DD``, a time after it allowed) or a date; a
        date-time counts by its own calendar day.

    Returns
    -------
    str
        The id of the era whose units exist on that day.

    Raises
    ------
    UnknownEraError
        Not a date, or a day no era covers.

    Examples
    --------
    >>> era_for_date("2025-07-01")
    '2025'
    """
    day = _day(date)
    for item in eras():
        if item.covers(day):
            return item.id
    first, last = eras()[0], eras()[-1]
    if day < first.valid_from:
        raise UnknownEraError(f"no era covers {day.isoformat()}: the model starts on {first.valid_from}, "
                              f"when the first era's units were created ({first.opened_by})")
    raise UnknownEraError(f"no era covers {day.isoformat()}: the last era ended on {last.valid_to}")


def _day(date: object) -> dt.date:
    """``date`` as a calendar day; :class:`UnknownEraError` for what is none (pandas' NaT included)."""
    if isinstance(date, dt.date) and date == date:  # NaT is a datetime unequal to itself
        return date.date() if isinstance(date, dt.datetime) else date
    if isinstance(date, str):
        try:
            return dt.datetime.fromisoformat(date.strip()).date()
        except ValueError:
            pass
    raise UnknownEraError(f"date {date!r} is not a date: give an ISO date (YYYY-MM-DD), a datetime.date or a "
                          "pandas.Timestamp")


def steps() -> tuple[tuple[Era, Era], ...]:
    """Each pair of consecutive eras (older, newer): one reform each."""
    return tuple(itertools.pairwise(eras()))
