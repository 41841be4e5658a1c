"""The one validation of the authored files, shipped or overridden: run before the command line is built, by the
registry before it answers, and reported line by line by ``haiha-geo validate``.

Place-neutral: nothing here names an era, a source, a unit type or the
district; a province registry (more units, more eras, other types) is checked
by the same rules. Pure Python (no pandas, no geometry) and cached by the files'
path, modification time and size, so it costs a few ``stat`` calls once the
files have been read. The rules, grouped into the checks of :data:`CHECKS`:

* **authored files**: every CSV and TOML file readable, UTF-8 (another encoding
  is named with how to convert it), NFC, with no control or bidi-control
  character (file, row, column or key named); an override folder that holds
  none of ``boundaries/``, ``layers/``, ``maps/`` is refused;
* **eras**: every key typed, eras oldest first without gap or overlap (:mod:`haiha_geo.timeline`);
* **sources**: each source's era declared, its files' paths inside the data
  folder (no absolute path, no ``..``) with a sha256 of 64 hex digits;
* **registry and lineage**: every column present and every cell typed (dates
  real days, areas finite positive decimals, populations whole numbers, ids
  known), unit ids ``ERA/CODE`` and unique, dates those of the era, every figure
  with its source; lineage a graph that runs forward one era at a time with
  relations of :data:`RELATIONS`, no self-link, every unit linked both ways and
  splits declared completely;
* **place**: every key typed, every number finite (:mod:`haiha_geo.place`); the
  study unit and era exist.

Examples
--------
>>> problems()
()
>>> check()
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from haiha_geo._cache import cached, clear_caches
from haiha_geo.authored import (
    Rows,
    authored_files,
    check_file,
    contained,
    display_name,
    display_path,
    included_roots,
    inherited,
    path_stamp,
    read_csv,
    read_file,
    read_toml,
)
from haiha_geo.errors import RegistryError
from haiha_geo.place import place
from haiha_geo.timeline import CONFIDENCE, Era, era_ids, eras, parse_date, steps

#: The lines of the validation report, in order (each failed line lists its problems).
CHECKS = ("authored files", "eras", "sources", "registry and lineage", "place")
#: What each check holds when it passes.
PASSED = {
    "authored files": "UTF-8, NFC, no control or bidi-control characters",
    "eras": "typed, oldest first, consecutive eras touch (no gap, no overlap)",
    "place": "every key typed, projection and datum shift finite numbers",
    "sources": "typed; every file path inside the data folder, with its sha256",
    "registry and lineage": "cells typed and finite, ids unique, every figure sourced, lineage forward one era "
                            "at a time, every unit linked, splits complete, dates those of the eras",
}
#: The documented lineage relations (boundaries/README.md, *Lineage relations*).
RELATIONS = ("continues", "merged_into", "unchanged", "split_part", "split_remainder")
#: Most people a population cell may give (well above any place; keeps every count exact in 64 bits).
MAX_POPULATION = 10**10
_DECIMAL = re.compile(r"\d+(\.\d+)?")
_WHOLE = re.compile(r"\d+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Problem:
    """One problem of the authored files: the check (of :data:`CHECKS`) it fails, and what to fix.

    ``blocked`` marks a check that could not run because an earlier one failed.
    """

    check: str
    message: str
    blocked: bool = False


@dataclass
class Check:
    """One line of the validation report."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """The validation report (``haiha-geo validate``): a list of checks, ``ok`` when all pass."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, bool(ok), detail))

    def to_text(self) -> str:
        lines = [f"[{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        failed = sum(not c.ok for c in self.checks)
        lines.append(f"{len(self.checks) - failed} checks passed, {failed} failed")
        return "\n".join(lines) + "\n"


def authored_report() -> Report:
    """The lines of :data:`CHECKS` of the validation report, each failed one listing its problems.

    Examples
    --------
    >>> print(authored_report().to_text().splitlines()[-1])
    5 checks passed, 0 failed
    """
    report, found = Report(), problems()
    for check in CHECKS:
        messages = [p.message for p in found if p.check == check]
        report.add(check, not messages, "; ".join(messages) or PASSED[check] + _borrowed(check))
    return report


def _borrowed(check: str) -> str:
    """What the place takes from other places, named on the line of the check that passed."""
    if check == "authored files" and inherited():
        return f"; {', '.join(f + '/' for f in inherited())} inherited from the default place (place.toml inherit)"
    if check == "registry and lineage" and included_roots():
        roots = ", ".join(display_path(r / "units.csv").removesuffix("units.csv") for r in included_roots())
        return f"; the rows of {roots} included (place.toml include)"
    return ""


def problems() -> tuple[Problem, ...]:
    """Every problem of the authored files (empty when there is none), cached by the files' path, time and size.

    A file edited since the last call is read again, and every cache of the
    toolkit is dropped with it (the eras, the registry and the layers built
    from the old file).
    """
    try:
        stamps = tuple(path_stamp(path) for _, path in authored_files())
    except RegistryError as exc:  # the override folder, or a file that cannot be read at all
        return (Problem("authored files", str(exc)), *(_not_checked(c, "the authored folder") for c in CHECKS[1:]))
    if _SEEN and _SEEN[0] != stamps:
        clear_caches()
    _SEEN[:] = [stamps]
    return _problems(stamps)


_SEEN: list[tuple] = []


def check() -> None:
    """Raise :class:`RegistryError` naming the first problem of :func:`problems` (and how many there are)."""
    found = [p for p in problems() if not p.blocked]
    if found:
        more = f" (and {len(found) - 1} more: `haiha-geo validate` lists them)" if len(found) > 1 else ""
        raise RegistryError(found[0].message + more)


def _not_checked(check: str, cause: str) -> Problem:
    return Problem(check, f"not checked: fix {cause} first", blocked=True)


@cached
def _problems(stamps: tuple) -> tuple[Problem, ...]:
    found = [Problem("authored files", m) for m in _file_problems()]
    if found:
        return (*found, *(_not_checked(c, "the files above") for c in CHECKS[1:]))
    found += _run("eras", _era_problems)
    if found:
        return (*found, *(_not_checked(c, display_name("boundaries", "eras.toml")) for c in CHECKS[2:]))
    found += _run("sources", _source_problems)
    found += _run("registry and lineage", _registry_problems)
    found += _run("place", _place_problems)
    return tuple(found)


def _run(check: str, function: Callable[[], list[str]]) -> list[Problem]:
    try:
        return [Problem(check, m) for m in function()]
    except RegistryError as exc:
        return [Problem(check, str(exc))]


def _file_problems() -> list[str]:
    found = []
    for folder, path in authored_files():
        try:
            if folder == "boundaries":
                read_file(path)  # parsed in full: every check below reads it
            else:
                check_file(path)
        except RegistryError as exc:
            found.append(str(exc))
    return found


def _era_problems() -> list[str]:
    eras()  # raises on the first problem, naming the era and key
    return []


def _place_problems() -> list[str]:
    where = display_name("boundaries", "place.toml")
    study = place()
    if study.study_era not in era_ids():
        return [f"{where}: study.era {study.study_era!r} is not an era of eras.toml ({', '.join(era_ids())})"]
    names = {row.get("name") for row in read_csv("boundaries", "units.csv") if row.get("era") == study.study_era}
    if study.study_unit not in names:
        return [f"{where}: study.unit {study.study_unit!r} is not the name of a unit of era {study.study_era}"]
    return []


def _source_problems() -> list[str]:
    where = display_name("boundaries", "sources.toml")
    found = []
    for name, info in read_toml("boundaries", "sources.toml").items():
        if not isinstance(info, dict):
            found.append(f"{where}: {name} must be a [{name}] table describing a source")
            continue
        found += [f"{where}: {name}.{key} must be a non-empty string" for key in ("title", "licence", "upstream")
                  if not _text(info.get(key))]
        if info.get("era") not in era_ids():
            found.append(f"{where}: {name}.era = {info.get('era')!r} is not an era of eras.toml "
                         f"({', '.join(era_ids())})")
        fields = info.get("fields")
        if not isinstance(fields, dict) or not _text(fields.get("name")) or not all(map(_text, fields.values())):
            found.append(f"{where}: {name}.fields must map at least name to the source's column names (strings)")
        files = info.get("files")
        if not isinstance(files, dict) or not files:
            found.append(f"{where}: [{name}.files] must list at least one file as {{ path = ..., sha256 = ... }}")
            continue
        for key, entry in files.items():
            found += [f"{where}: {name}.files.{key} {p}" for p in _file_entry_problems(entry)]
    return found


def _file_entry_problems(entry) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be { path = \"FOLDER/FILE\", sha256 = \"...\" }"]
    path, sha256 = entry.get("path"), entry.get("sha256")
    found = [] if isinstance(path, str) and contained(path) else [
        f"path {path!r} must be a relative path inside the data folder, written with '/' (no leading '/', no '..')"]
    if not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        found.append(f"sha256 {sha256!r} must be 64 lower-case hex digits (`sha256sum FILE`)")
    return found


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


# --- the registry ---------------------------------------------------------------------------------------------

REQUIRED, OPTIONAL = True, False


@dataclass
class _Known:
    """What cells may refer to: the declared eras, acts, references and units."""

    eras: tuple[str, ...]
    acts: set[str]
    refs: set[str]
    units: dict[str, dict]


def _kinds(known: _Known) -> dict[str, Callable[[str], str | None]]:
    """Cell type → a check returning what is wrong with a (non-blank) cell, or ``None``."""
    def date(v: str) -> str | None:
        try:
            parse_date(v)
        except ValueError:
            return "is not an ISO date (YYYY-MM-DD, a real day)"
        return None

    def area(v: str) -> str | None:
        if not _DECIMAL.fullmatch(v) or not math.isfinite(float(v)) or float(v) <= 0:
            return ("is not a number of hectares: write digits with '.' for decimals (no sign, exponent, inf or "
                    "nan), or leave the cell empty when no source gives the figure")
        return None

    def member(name: str, values) -> Callable[[str], str | None]:
        return lambda v: None if v in values else f"is not {name}"

    return {
        "text": lambda v: None, "date": date, "area": area,
        "count": lambda v: None if _WHOLE.fullmatch(v) and int(v) < MAX_POPULATION else
        f"is not a number of people (a whole number below {MAX_POPULATION:,}), or leave the cell empty",
        "year": lambda v: None if re.fullmatch(r"[12]\d{3}", v) else "is not a year (four digits)",
        "confidence": member(f"a confidence tag ({', '.join(CONFIDENCE)})", CONFIDENCE),
        "era": member(f"an era of eras.toml ({', '.join(known.eras)})", known.eras),
        "act": member("an act_id of acts.csv", known.acts), "ref": member("a ref_id of references.csv", known.refs),
        "unit": member("a unit_id of units.csv", known.units),
        "relation": member(f"a lineage relation ({', '.join(RELATIONS)})", RELATIONS),
    }


#: The columns of each registry file: name → (required?, cell type of :func:`_kinds`). Other columns are allowed.
COLUMNS: dict[str, dict[str, tuple[bool, str]]] = {
    "references.csv": {"ref_id": (REQUIRED, "text"), "title": (REQUIRED, "text")},
    "acts.csv": {"act_id": (REQUIRED, "text"), "number": (REQUIRED, "text"), "title": (REQUIRED, "text"),
                 "signed": (OPTIONAL, "date"), "signed_confidence": (OPTIONAL, "confidence"),
                 "in_force": (OPTIONAL, "date"), "in_force_confidence": (OPTIONAL, "confidence"),
                 "units_operate_from": (OPTIONAL, "date"), "units_operate_confidence": (OPTIONAL, "confidence"),
                 "effective": (REQUIRED, "date"), "effective_confidence": (OPTIONAL, "confidence"),
                 "ref_id": (OPTIONAL, "ref")},
    "units.csv": {"unit_id": (REQUIRED, "text"), "era": (REQUIRED, "era"), "code": (REQUIRED, "text"),
                  "name": (REQUIRED, "text"), "type": (REQUIRED, "text"), "valid_from": (REQUIRED, "date"),
                  "valid_to": (OPTIONAL, "date"), "created_by": (REQUIRED, "act"), "ended_by": (OPTIONAL, "act"),
                  "code_ref": (OPTIONAL, "ref"), "official_area_ha": (OPTIONAL, "area"),
                  "official_area_ref": (OPTIONAL, "ref"), "official_area_confidence": (OPTIONAL, "confidence"),
                  "population": (OPTIONAL, "count"), "population_year": (OPTIONAL, "year"),
                  "population_ref": (OPTIONAL, "ref"), "population_confidence": (OPTIONAL, "confidence")},
    "lineage.csv": {"act_id": (REQUIRED, "act"), "from_unit_id": (REQUIRED, "unit"),
                    "to_unit_id": (REQUIRED, "unit"), "relation": (REQUIRED, "relation"),
                    "ref_id": (OPTIONAL, "ref"), "confidence": (OPTIONAL, "confidence")},
    "aliases.csv": {"alias": (REQUIRED, "text"), "unit_id": (REQUIRED, "unit"), "ref_id": (OPTIONAL, "ref"),
                    "confidence": (OPTIONAL, "confidence")},
}
#: Files that must hold at least one row.
NOT_EMPTY = ("units.csv", "lineage.csv", "acts.csv")
#: A figure of units.csv and the columns that must be given with it (and be empty without it).
FIGURES = {"official_area_ha": ("official_area_ref", "official_area_confidence"),
           "population": ("population_year", "population_ref", "population_confidence")}


def _registry_problems() -> list[str]:
    tables = {name: read_csv("boundaries", name) for name in COLUMNS}
    found = [p for name, rows in tables.items() for p in _header_problems(name, rows)]
    if found:
        return found
    units = {row["unit_id"]: row for row in tables["units.csv"]}
    known = _Known(era_ids(), {r["act_id"] for r in tables["acts.csv"]},
                   {r["ref_id"] for r in tables["references.csv"]}, units)
    kinds = _kinds(known)
    for name, rows in tables.items():
        found += _cell_problems(name, rows, kinds)
        key = next(iter(COLUMNS[name]))
        if name != "lineage.csv" and name != "aliases.csv":
            found += [f"{display_name('boundaries', name)}: {key} {k!r} is given on {n} rows; ids are unique"
                      for k, n in Counter(r[key] for r in rows).items() if n > 1]
    if found:  # the graph is checked on typed cells only
        return found
    return _unit_problems(tables["units.csv"]) + _lineage_problems(tables["lineage.csv"], units)


def _header_problems(name: str, rows: tuple[dict, ...]) -> list[str]:
    where = display_name("boundaries", name)
    if not rows:
        return [f"{where} has no rows"] if name in NOT_EMPTY else []
    missing = [c for c, (required, _) in COLUMNS[name].items() if c not in rows[0] and required]
    return [f"{where}, row 1: column(s) {', '.join(missing)} missing from the header ({', '.join(rows[0])})"] \
        if missing else []


def _cell_problems(name: str, rows: Rows, kinds: dict) -> list[str]:
    """Column by column, each distinct value checked once (a province's 600 rows hold few distinct dates and ids)."""
    found = []
    for position, (column, (required, kind)) in enumerate(COLUMNS[name].items()):
        values = [row.get(column) for row in rows]
        wrong = {v: kinds[kind](v) for v in set(values) - {None}} if kind != "text" else {}
        if None in values and required:
            wrong[None] = f"empty; every row needs a {column}"
        if any(wrong.values()):
            found += [(index, position, f"{rows.at(index)}, column {column}: "
                       + (wrong[v] if v is None else f"{v!r} {wrong[v]}"))
                      for index, v in enumerate(values) if wrong.get(v)]
    return [message for *_, message in sorted(found)]


def _unit_problems(units: Rows) -> list[str]:
    where = display_name("boundaries", "units.csv")
    days = {e.id: (e.valid_from.isoformat(), e.valid_to.isoformat() if e.valid_to else None) for e in eras()}
    found = []
    for index, row in enumerate(units):
        unit_id, era = row["unit_id"], row["era"]
        first, last = days[era]
        if unit_id != f"{era}/{row['code']}":
            found.append(f"{units.at(index)}: unit_id {unit_id!r} must be era/code, {era}/{row['code']}")
        if row["valid_from"] != first:
            found.append(f"{units.at(index)}: {unit_id} starts {row['valid_from']}, not on the first day of era "
                         f"{era} ({first})")
        if row["valid_to"] != last:
            found.append(f"{units.at(index)}: {unit_id} ends {row['valid_to']}, not on the last day of era {era} "
                         f"({last or 'open: leave valid_to empty'})")
        for figure, companions in FIGURES.items():
            given = [c for c in companions if row.get(c) is not None]
            if (row.get(figure) is None) != (not given) or (given and len(given) < len(companions)):
                found.append(f"{units.at(index)}: " + (
                    f"{figure} is given without {', '.join(sorted(set(companions) - set(given)))}; every figure "
                    "carries its source" if row.get(figure) is not None else
                    f"{', '.join(given)} given but no {figure}; leave them empty too"))
    found += [f"{where}: code {code} is used twice in era {era}"
              for (era, code), n in Counter((r["era"], r["code"]) for r in units).items() if n > 1]
    return found


def _lineage_problems(links: Rows, units: dict[str, dict]) -> list[str]:
    where = display_name("boundaries", "lineage.csv")
    following = {older.id: newer for older, newer in steps()}
    found, step = [], defaultdict(list)
    for index, link in enumerate(links):
        source, target = units[link["from_unit_id"]]["era"], units[link["to_unit_id"]]["era"]
        after = following.get(source)
        if link["from_unit_id"] == link["to_unit_id"]:
            found.append(f"{links.at(index)}: {link['from_unit_id']} is linked to itself")
        elif after is None or target != after.id:
            found.append(f"{links.at(index)}: {link['from_unit_id']} → {link['to_unit_id']} runs from era "
                         f"{source} to era {target}; a link runs forward one era at a time "
                         f"({source} → {after.id if after else 'nothing: it is the last era'})")
        else:
            step[source].append(link)
    found += [f"{where}: {a} → {b} is given on {n} rows" for (a, b), n in
              Counter((r["from_unit_id"], r["to_unit_id"]) for r in links).items() if n > 1]
    for older, newer in steps():
        found += _step_problems(older, newer, step[older.id], units)
    return found


def _step_problems(older: Era, newer: Era, links: list[dict], units: dict[str, dict]) -> list[str]:
    found = []
    if any(r["relation"] == "split_part" for r in links) and newer.split_source not in read_toml("boundaries",
                                                                                                 "sources.toml"):
        found.append(f"era {newer.id} splits a unit but its split_source {newer.split_source!r} is not a source of "
                     "boundaries/sources.toml: name the source whose polygons cut the split")
    successors, predecessors = defaultdict(list), {r["to_unit_id"] for r in links}
    for r in links:
        successors[r["from_unit_id"]].append(r["relation"])
    for unit_id, row in units.items():
        if row["era"] == older.id and unit_id not in successors:
            found.append(f"{unit_id} has no successor in era {newer.id}")
        if row["era"] == newer.id and unit_id not in predecessors:
            found.append(f"{unit_id} has no predecessor in era {older.id}")
    for unit_id, relations in successors.items():
        if len(relations) > 1 and (relations.count("split_remainder") != 1 or
                                   relations.count("split_part") != len(relations) - 1):
            found.append(f"{unit_id} has {len(relations)} successors but is not declared as split_part row(s) "
                         "and one split_remainder")
        if len(relations) == 1 and relations[0].startswith("split"):
            found.append(f"{unit_id} is declared split but has a single successor")
    return found
