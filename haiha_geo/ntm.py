"""New-rural (nông thôn mới, NTM) status of communes and of the district.

Records are authored in ``layers/ntm_communes.csv`` (one row per unit and
recorded status) and ``layers/ntm_district.csv`` (the precondition, the 9
district criteria of QĐ 558/QĐ-TTg and the district's recognition). The rules
that turn records into a status for a year are in ``layers/README.md``; in
short:

* the status asked for is the one at the **end** of the year (31 December),
  so the unit must exist on that day, else :class:`YearOutsideEraError`;
* a unit's status comes only from its own records, never from a predecessor
  or successor (a merged commune of 2020 meets the standard only if its 2020
  record says so; the 2025 communes start their own record);
* ``met`` reached "by year U" (``year_upper``) holds from U to the last year a
  source observes it (``observed_to``); before U, and when ``year_lower`` is
  unknown, the status is unknown (``None``) unless another record settles it;
* ``not_met`` observed at the end of year T holds for every earlier year of
  the unit (the source says the commune has yet to reach the standard);
* a thị trấn is ``not_applicable``: the xã standard does not apply to it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from haiha_geo import registry, timeline
from haiha_geo._cache import cached
from haiha_geo.authored import read_csv
from haiha_geo.errors import RegistryError, UnknownEraError
from haiha_geo.project_sites import reference_problems
from haiha_geo.timeline import era_ids

#: Commune statuses, lowest first; ``not_applicable`` (thị trấn) stands apart.
LEVELS: tuple[str, ...] = ("not_met", "met", "advanced", "model")
STATUSES: tuple[str, ...] = (*LEVELS, "not_applicable")
#: Statuses of the district checklist (``ntm_district.csv``).
DISTRICT_STATUSES: tuple[str, ...] = ("not_met", "met_or_within_reach", "met")
#: Columns of :func:`ntm_status`.
STATUS_COLUMNS: tuple[str, ...] = ("code", "name", "type", "unit_id", "status", "year_lower", "year_upper",
                                   "act", "source", "note", "note_vi")


class YearOutsideEraError(UnknownEraError):
    """A year whose 31 December falls outside the era asked for (or in the future)."""


@cached
def _raw(name: str) -> pd.DataFrame:
    rows = read_csv("layers", name)
    return pd.DataFrame(list(rows), columns=list(rows.header), dtype=object)  # a header alone keeps its columns


def record_problems() -> list[str]:
    """Check both NTM files; return the problems found (empty when sound).

    Examples
    --------
    >>> record_problems()
    []
    """
    communes, district = _raw("ntm_communes.csv"), _raw("ntm_district.csv")
    known = set(registry.units_table()["unit_id"])
    problems = []
    for i, row in communes.iterrows():
        where = f"ntm_communes.csv row {i + 2} ({row['unit_id']})"
        problems += reference_problems(row["ref_id"], where)
        problems += [] if row["unit_id"] in known else [f"{where}: unit does not exist"]
        problems += [] if row["status"] in STATUSES else [f"{where}: unknown status {row['status']!r}"]
        problems += _year_problems(row, where)
    for i, row in district.iterrows():
        where = f"ntm_district.csv row {i + 2} ({row['item']})"
        problems += reference_problems(row["ref_id"], where)
        problems += [f"{where}: unknown status {row[c]!r}" for c in district_years().values()
                     if row[c] not in DISTRICT_STATUSES]
    return problems


def district_years() -> dict[int, str]:
    """``{year: column}`` of the ``status_YEAR`` columns of ``layers/ntm_district.csv`` (end-of-year states).

    Examples
    --------
    >>> district_years()
    {2019: 'status_2019', 2020: 'status_2020'}
    """
    columns = [c for c in _raw("ntm_district.csv").columns if c.startswith("status_") and c[7:].isdigit()]
    return {int(c[7:]): c for c in sorted(columns)}


def _year_problems(row: pd.Series, where: str) -> list[str]:
    years = [int(row[c]) for c in ("year_lower", "year_upper", "observed_to") if pd.notna(row[c])]
    if row["status"] != "not_applicable" and pd.isna(row["year_upper"]):
        return [f"{where}: a status needs year_upper (the year by which it held)"]
    return [] if years == sorted(years) else [f"{where}: years must satisfy year_lower ≤ year_upper ≤ observed_to"]


def commune_records() -> pd.DataFrame:
    """Return the commune records (checked), years as nullable integers.

    Examples
    --------
    >>> recs = commune_records()
    >>> int((recs[recs.unit_id.str.startswith("2019/")].status == "met").sum())
    12
    """
    problems = record_problems()
    if problems:
        raise RegistryError("the NTM records in layers/ are inconsistent: " + "; ".join(problems))
    frame = _raw("ntm_communes.csv").copy()
    for column in ("year_lower", "year_upper", "observed_to"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return frame


def check_year(era: str | int, year: int | str) -> tuple[str, int]:
    """Return ``(era, year)`` if the era's units exist on 31 December of ``year``.

    Raises
    ------
    UnknownEraError
        An unknown era.
    YearOutsideEraError
        A year before the era's units exist, after they ended, or in the future.

    Examples
    --------
    >>> check_year(2020, "2020")
    ('2020', 2020)
    """
    era = registry.check_era(era)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise YearOutsideEraError(f"year {year!r} is not a year (YYYY)") from None
    declared = timeline.era(era)
    start, end = declared.valid_from, declared.valid_to
    day = dt.date(year, 12, 31)
    if day < start:
        raise YearOutsideEraError(f"the units of era {era} exist from {start}: they did not exist at the end "
                                  f"of {year}" + ("" if era == era_ids()[0] else "; ask an earlier era"))
    if end is not None and day > end:
        raise YearOutsideEraError(f"the units of era {era} ended on {end}; for the end of {year} ask era "
                                  f"{registry.era_for_date(min(day, dt.date.today()))}")
    if year > dt.date.today().year:
        raise YearOutsideEraError(f"{year} is in the future: no status is recorded for it")
    return era, year


def _resolve(rows: pd.DataFrame, year: int, era: str) -> dict:
    """Status of one unit at the end of ``year`` from its own records (see the module rules)."""
    if rows.empty:
        note = (f"no record: the communes of era {era} start their own record and no source gives it yet"
                if era == era_ids()[-1] else "no record for this unit")
        note_vi = (f"chưa có hồ sơ: các xã thời kỳ {era} bắt đầu hồ sơ riêng và chưa nguồn nào ghi"
                   if era == era_ids()[-1] else "chưa có hồ sơ của đơn vị này")
        return {"status": None, "note": note, "note_vi": note_vi}
    if (rows["status"] == "not_applicable").any():
        return _pick(rows[rows["status"] == "not_applicable"].iloc[0], "not_applicable")
    achieved = rows[rows["status"].isin(LEVELS[1:])].sort_values("status", key=lambda s: s.map(LEVELS.index),
                                                                 ascending=False)
    for _, row in achieved.iterrows():
        last = row["observed_to"] if pd.notna(row["observed_to"]) else row["year_upper"]
        if row["year_upper"] <= year <= last:
            return _pick(row, row["status"])
    for _, row in rows[rows["status"] == "not_met"].iterrows():
        if year <= row["year_upper"]:
            return _pick(row, "not_met")
    for _, row in rows[rows["status"] == "met"].iterrows():
        if pd.notna(row["year_lower"]) and year < row["year_lower"]:
            return {**_pick(row, "not_met"), "note": f"met only from {row['year_lower']} on: {row['note']}",
                    "note_vi": f"chỉ đạt từ năm {row['year_lower']}: {row['note_vi']}"}
    return _unknown((achieved if not achieved.empty else rows).iloc[0], year)


def _pick(row: pd.Series, status: str | None) -> dict:
    """The resolved fields of ``row``; the years a level was reached only for a level reached or maybe reached."""
    reached = status in LEVELS[1:] or (status is None and row["status"] in LEVELS[1:])
    return {"status": status, "year_lower": row["year_lower"] if reached else None,
            "year_upper": row["year_upper"] if reached else None,
            "act": row["act"], "source": row["ref_id"], "note": row["note"], "note_vi": row["note_vi"]}


def _unknown(row: pd.Series, year: int) -> dict:
    last = row["observed_to"] if pd.notna(row["observed_to"]) else row["year_upper"]
    why = (f"no source after {last}" if year > last
           else f"{row['status']} by {row['year_upper']}, first year unknown: not known whether by {year}")
    why_vi = (f"không có nguồn sau năm {last}" if year > last
              else f"{row['status']} trước năm {row['year_upper']}, chưa biết năm đầu: không rõ đã đạt vào {year} chưa")
    return {**_pick(row, None), "status": None, "note": f"unknown at the end of {year}: {why}",
            "note_vi": f"chưa rõ vào cuối năm {year}: {why_vi}"}


def ntm_status(era: str | int, year: int | str) -> pd.DataFrame:
    """Return the NTM status of every unit of ``era`` at the end of ``year``.

    Parameters
    ----------
    era : {"2019", "2020", "2025"}
        The administrative era whose units are listed.
    year : int
        The year; the status is the one on 31 December, when the era's units
        must exist.

    Returns
    -------
    pandas.DataFrame
        :data:`STATUS_COLUMNS`: ``status`` is one of ``not_met``, ``met``,
        ``advanced``, ``model``, ``not_applicable`` (thị trấn) or ``None``
        (unknown); ``year_lower``/``year_upper`` bound the year the status was
        reached (null = not known, and always null for ``not_met`` and
        ``not_applicable``: nothing was reached); ``act`` the recognising act where known;
        ``source`` the reference ids.

    Raises
    ------
    UnknownEraError, YearOutsideEraError

    Examples
    --------
    >>> table = ntm_status("2019", 2019)
    >>> table.status.value_counts().to_dict()
    {'met': 12, 'not_met': 3, 'not_applicable': 1}
    >>> sorted(table[table.status == "not_met"].name)
    ['Quảng Sơn', 'Quảng Đức', 'Đường Hoa']
    >>> bool(table[table.status == "not_met"].year_upper.isna().all())
    True
    """
    era, year = check_year(era, year)
    records = commune_records()
    rows = []
    for _, unit in registry.units_table(era).iterrows():
        resolved = _resolve(records[records["unit_id"] == unit["unit_id"]], year, era)
        rows.append({"code": unit["code"], "name": unit["name"], "type": unit["type"],
                     "unit_id": unit["unit_id"], **resolved})
    frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    for column in ("year_lower", "year_upper"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame


def ntm_district() -> pd.DataFrame:
    """Return the district checklist: precondition, the 9 criteria of QĐ 558/QĐ-TTg, recognition.

    ``status_2019`` is the state at the end of 2019 as the district's article
    reports it; ``status_2020`` the state at the end of 2020.

    Examples
    --------
    >>> table = ntm_district()
    >>> int((table.kind == "criterion").sum()), table.set_index("item").loc["R", "act"]
    (9, '1896/QĐ-TTg')
    """
    problems = record_problems()
    if problems:
        raise RegistryError("the NTM records in layers/ are inconsistent: " + "; ".join(problems))
    return _raw("ntm_district.csv").rename(columns={"ref_id": "source"}).copy()
