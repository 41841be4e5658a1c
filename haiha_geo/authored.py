"""The authored data files: ``boundaries/`` (registry, eras, place), ``layers/`` and ``maps/``.

From a source checkout they sit at the repository root; in an installed wheel
they are packaged under ``haiha_geo/_authored/``. A user (or a test) can point
the toolkit at another folder of authored files, holding any of
``boundaries/``, ``layers/`` and ``maps/`` (a folder it lacks is taken from
the shipped files), by, in order:

1. :func:`set_registry_dir`;
2. the environment variable ``HAIHA_GEO_REGISTRY``;
3. the key ``registry_dir`` in ``haiha-geo.toml`` (see :mod:`haiha_geo.config`).

An override folder must hold at least one of the three; a missing, empty or
mistyped one is an error, never a silent fall-back to the shipped files. A
folder whose ``place.toml`` declares ``inherit = [...]`` takes only the folders
named there from the shipped files (:func:`inherited`).

A place may be made of places: ``[[include]]`` in its ``place.toml`` names
another place whose registry rows it holds, authored once there. The
composition is done here only (:func:`read_csv`, :func:`composed`,
:func:`view`), so every reader sees ordinary tables.

The override is read and validated exactly like the shipped files. This module
is the one reader every other module uses: a file is UTF-8 (a byte-order mark
and CRLF line ends are fine; another encoding is refused, named, with how to
convert it), its text NFC-normalised, a control or bidi-control character
refused with file, row and column; CSV cells are stripped of nothing and a blank
cell becomes ``None`` here, once. Files are cached by path, modification time
and size, so an edited file is read again.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import os
import stat
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from haiha_geo._cache import cached, clear_caches, watch_env
from haiha_geo.config import setting, text_setting
from haiha_geo.errors import RegistryError
from haiha_geo.textfile import FORBIDDEN_IN_FILE, decode, forbidden_character

REGISTRY_ENV_VAR = "HAIHA_GEO_REGISTRY"
PLACE_ENV_VAR = "HAIHA_GEO_PLACE"
#: The place of the files in boundaries/, layers/ and maps/; every other shipped place is a folder of places/.
DEFAULT_PLACE = "hai-ha"
FOLDERS = ("boundaries", "layers", "maps")
_PACKAGE = Path(__file__).resolve().parent
_CHOSEN: list[Path] = []
_PLACE: list[str] = []
watch_env(REGISTRY_ENV_VAR)
watch_env(PLACE_ENV_VAR)


@functools.cache
def shipped_dir(folder: str) -> Path:
    """The shipped copy of the authored ``folder`` (one of boundaries, layers, maps)."""
    if folder not in FOLDERS:
        raise ValueError(f"unknown authored folder {folder!r}; expected one of {FOLDERS}")
    for candidate in (_PACKAGE / "_authored" / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise RegistryError(f"the shipped authored folder {folder!r} was not found next to {_PACKAGE}: "
                        "reinstall haiha-geo")


def places() -> tuple[str, ...]:
    """The shipped places: the default one first, then each folder of ``places/``.

    Examples
    --------
    >>> places()
    ('hai-ha', 'quang-ninh')
    """
    return (DEFAULT_PLACE, *sorted(p.name for p in _places_dir().iterdir() if (p / "boundaries").is_dir()))


def _places_dir() -> Path:
    for candidate in (_PACKAGE / "_authored" / "places", _PACKAGE.parent / "places"):
        if candidate.is_dir():
            return candidate
    raise RegistryError(f"the shipped places folder was not found next to {_PACKAGE}: reinstall haiha-geo")


def set_place(name: str | None) -> None:
    """Work with the shipped place ``name`` from now on (``None``: back to the settings); clears every cache.

    Parameters
    ----------
    name : str or None
        One of :func:`places` (``"hai-ha"``, the default, or ``"quang-ninh"``).

    Examples
    --------
    >>> set_place("quang-ninh"); place_name()
    ('quang-ninh', 'set_place()')
    >>> set_place(None)
    """
    if name is not None:
        _check_place(name, "set_place()")
    _PLACE[:] = [name] if name is not None else []
    clear_caches()


def place_name() -> tuple[str, str]:
    """The shipped place in use and the setting that chose it: :func:`set_place`, ``HAIHA_GEO_PLACE``,
    ``place`` in ``haiha-geo.toml``, or the default."""
    if _PLACE:
        return _PLACE[0], "set_place()"
    if os.environ.get(PLACE_ENV_VAR):
        return _check_place(os.environ[PLACE_ENV_VAR], f"the environment variable {PLACE_ENV_VAR}")
    configured = text_setting("place")
    if configured:
        return _check_place(configured[0], f"place in {configured[1]}")
    return DEFAULT_PLACE, "the default"


def _check_place(name: str, origin: str) -> tuple[str, str]:
    if name not in places():
        raise RegistryError(f"unknown place {name!r} (from {origin}); the places are {', '.join(places())}")
    return name, origin


def registry_dir() -> tuple[Path, str] | None:
    """The folder of authored files that replaces the shipped ones, and the setting that names it (or None).

    An explicit folder (:func:`set_registry_dir`, ``HAIHA_GEO_REGISTRY``, ``registry_dir``) comes first; else a
    place other than the default (:func:`place_name`) is its folder of ``places/``.
    """
    if _CHOSEN:
        found = (_CHOSEN[0], "set_registry_dir()")
    elif os.environ.get(REGISTRY_ENV_VAR):
        found = (Path(os.environ[REGISTRY_ENV_VAR]).expanduser(), f"the environment variable {REGISTRY_ENV_VAR}")
    else:
        configured = setting("registry_dir")
        found = (configured[0], f"registry_dir in {configured[1]}") if configured else None
    if found is None:
        name, origin = place_name()
        found = (_places_dir() / name, f"the place {name} ({origin})") if name != DEFAULT_PLACE else None
    if found:
        _check_folder(*found)
    return found


def _check_folder(folder: Path, origin: str) -> None:
    fix = "point it at a folder holding boundaries/ (and optionally layers/ and maps/), or unset it"
    if not folder.is_dir():
        state = "is a file, not a folder" if folder.exists() else "does not exist"
        raise RegistryError(f"the authored folder {folder} (from {origin}) {state}; {fix}")
    if not any((folder / name).is_dir() for name in FOLDERS):
        raise RegistryError(f"the authored folder {folder} (from {origin}) holds none of boundaries/, layers/, "
                            f"maps/ (a typo, or the wrong folder?); {fix}")


def set_registry_dir(path: str | os.PathLike | None) -> None:
    """Read authored files from ``path`` from now on; clears every cache.

    Parameters
    ----------
    path : path-like or None
        A folder holding any of ``boundaries/``, ``layers/`` and ``maps/``
        (the others are taken from the shipped files); ``None`` goes back to
        the settings (``HAIHA_GEO_REGISTRY``, ``registry_dir`` in ``haiha-geo.toml``).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = shutil.copytree(shipped_dir("boundaries"), folder / "boundaries")
    >>> set_registry_dir(folder); authored_dir("boundaries") == folder / "boundaries"
    True
    >>> set_registry_dir(None)
    """
    _CHOSEN[:] = [Path(path).expanduser()] if path is not None else []
    clear_caches()


def authored_dir(folder: str) -> Path:
    """The directory holding the authored ``folder``: the override's, when it has one, else the shipped one.

    A folder whose ``boundaries/place.toml`` declares ``inherit = [...]`` takes from the shipped files only the
    folders it names there (:func:`inherited`); another missing folder is an error.

    Examples
    --------
    >>> authored_dir("boundaries").name
    'boundaries'
    """
    shipped = shipped_dir(folder)
    override = registry_dir()
    if override and (override[0] / folder).is_dir():
        return override[0] / folder
    if override and folder != "boundaries":
        declared = _inherit(override[0] / "boundaries" / "place.toml")
        if declared is not None and folder not in declared:
            raise RegistryError(f"{display_path(override[0] / 'boundaries' / 'place.toml')}: the place has no "
                                f"{folder}/ folder and does not inherit it; give it its own {folder}/ or add "
                                f'"{folder}" to inherit = [...] to take the default place\'s')
    return shipped


def inherited() -> tuple[str, ...]:
    """The folders the place in use takes from the default place, as its ``place.toml`` declares them
    (``inherit = ["layers"]``); empty for the default place. Named in ``haiha-geo validate``.

    Examples
    --------
    >>> inherited()
    ()
    >>> set_place("quang-ninh"); inherited()
    ('layers',)
    >>> set_place(None)
    """
    override = registry_dir()
    if override is None:
        return ()
    declared = _inherit(override[0] / "boundaries" / "place.toml") or ()
    return tuple(f for f in FOLDERS if f in declared and authored_dir(f) == shipped_dir(f))


def _inherit(path: Path) -> tuple[str, ...] | None:
    """``inherit`` of the ``place.toml`` at ``path`` (None: not declared; every missing folder is inherited)."""
    if not path.is_file():
        return None
    declared = _read_toml(*path_stamp(path)).get("inherit")
    if declared is None:
        return None
    if not isinstance(declared, list) or not set(declared) <= {"layers", "maps"}:
        raise RegistryError(f"{display_path(path)}: inherit = {declared!r} must list folders the place takes from "
                            'the default place, of "layers" and "maps"')
    owned = [f for f in declared if (path.parents[1] / f).is_dir()]
    if owned:
        raise RegistryError(f"{display_path(path)}: inherit names {', '.join(owned)} but the place has its own "
                            f"{owned[0]}/ folder; remove it from inherit or delete the folder")
    return tuple(declared)


def authored_path(folder: str, name: str) -> Path:
    """Return the path of authored file ``name`` in ``folder``."""
    return authored_dir(folder) / name


def display_name(folder: str, name: str) -> str:
    """How messages name an authored file: ``boundaries/units.csv``, or its full path when overridden."""
    path = authored_path(folder, name)
    return f"{folder}/{name}" if path.parent == shipped_dir(folder) else str(path)


def authored_files() -> list[tuple[str, Path]]:
    """Every authored CSV and TOML file, as ``(folder, path)``, from the override where it has the folder, then
    the registry files of the places it includes (:func:`included_roots`).

    Examples
    --------
    >>> ("boundaries", authored_path("boundaries", "eras.toml")) in authored_files()
    True
    """
    inherited()  # the declaration checked, when the place has every folder of its own
    roots = [(folder, authored_dir(folder)) for folder in FOLDERS]
    roots += [("boundaries", root) for root in included_roots()]
    return [(folder, path) for folder, root in roots for path in sorted(root.iterdir())
            if path.suffix in (".csv", ".toml")]


def stamp(folder: str, name: str) -> tuple[Path, int, int, int]:
    """``(path, modification time in ns, size, inode)`` of an authored file: what its caches are keyed by.

    Raises
    ------
    RegistryError
        The file is missing, not a regular file, or cannot be read.
    """
    return path_stamp(authored_path(folder, name))


def path_stamp(path: Path) -> tuple[Path, int, int, int]:
    """:func:`stamp` of the authored file at ``path``."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise RegistryError(f"authored file {path} is missing") from None
    except OSError as exc:
        raise RegistryError(f"authored file {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise RegistryError(f"authored file {path} is not a regular file")
    return path, info.st_mtime_ns, info.st_size, info.st_ino


def read_csv(folder: str, name: str) -> Rows:
    """Read an authored CSV file as row dicts (text NFC; a blank cell is ``None``; ``.lines``: their line numbers).

    A registry table of :data:`COMPOSED` is the place's own rows with those of the places its ``place.toml``
    includes (:func:`composed`).

    Examples
    --------
    >>> read_csv("boundaries", "units.csv")[0]["unit_id"]
    '2019/06922'
    """
    if folder == "boundaries" and name in COMPOSED:
        return composed(authored_dir("boundaries"), name)
    return _read_csv(*stamp(folder, name))


def read_file(path: Path) -> tuple | dict:
    """Read the authored CSV (row dicts) or TOML file at ``path``, checked as :func:`read_csv` and :func:`read_toml`."""
    return (_read_csv if path.suffix == ".csv" else _read_toml)(*path_stamp(path))


def check_file(path: Path) -> None:
    """Check the authored CSV or TOML file at ``path`` as :func:`read_csv` and :func:`read_toml` would.

    A TOML file is parsed only when its text could hide a refused character
    (a TOML escape, a multi-line string) or shows one; its syntax is otherwise
    left to its reader, which reports it typed.
    """
    info = path_stamp(path)
    if path.suffix == ".csv":
        _read_csv(*info)
    elif _hides_characters(_text(path)):
        _read_toml(*info)


def _hides_characters(text: str) -> bool:
    """Whether TOML ``text`` may hold a refused character in a key or string (else none of them can)."""
    return bool(FORBIDDEN_IN_FILE.search(text)) or any(mark in text for mark in ("\\", '"""', "'''"))


class Rows(tuple):
    """The rows of an authored CSV file (dicts), with ``lines``: the file's line number of each (the header is 1),
    and ``files``: the file each row is authored in (a composed table holds rows of several files); ``header``:
    the columns of a file read alone, so that a file of a header and no row still names its columns."""

    lines: tuple[int, ...]
    files: tuple[Path, ...]
    header: tuple[str, ...] = ()

    def at(self, index: int) -> str:
        """``FILE, row N`` of the row at ``index``, as messages name it (:func:`display_path`)."""
        return f"{display_path(self.files[index])}, row {self.lines[index]}"


def display_path(path: Path) -> str:
    """How messages name the authored file at ``path``: ``boundaries/units.csv`` when shipped at the root, else
    its full path."""
    folder = path.parent.name
    return f"{folder}/{path.name}" if folder in FOLDERS and path.parent == shipped_dir(folder) else str(path)


@cached
def _read_csv(path: Path, *_stamp: int) -> Rows:
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise RegistryError(f"{path} is empty: it needs a header row naming its columns")
        found, end = [], reader.line_num
        for cells in reader:
            if cells:  # a blank line is no row; a row is named by the line it starts on
                found.append((end + 1, cells))
            end = reader.line_num
    except csv.Error as exc:
        raise RegistryError(f"{path}, row {reader.line_num}: not readable as CSV ({exc})") from None
    if FORBIDDEN_IN_FILE.search(text) or end != len(found) + 1:  # else no cell can hold one
        _refuse_characters(f"{path}, row 1 (the header)", header)
        for line, cells in found:
            for column, value in zip(header, cells):
                _refuse_characters(f"{path}, row {line}, column {column}", [value])
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise RegistryError(f"{path}, row 1: column(s) {', '.join(map(repr, repeated))} appear twice in the "
                            "header; give every column once")
    for line, cells in found:
        if len(cells) != len(header):
            raise RegistryError(f"{path}, row {line}: {len(header)} columns in the header but {len(cells)} in this "
                                "row; quote a value that holds a comma")
    rows = Rows(dict(zip(header, [c if c.strip() else None for c in cells])) for _, cells in found)
    rows.lines = tuple(line for line, _ in found)
    rows.files = (path,) * len(rows)
    rows.header = tuple(header)
    return rows


# --- places composed of other places --------------------------------------------------------------------------

#: The registry tables a place composes with those of the places its ``place.toml`` includes, and the key that
#: names a row: a row is authored in one file only.
COMPOSED = {"units.csv": ("unit_id",), "lineage.csv": ("act_id", "from_unit_id", "to_unit_id"),
            "acts.csv": ("act_id",), "aliases.csv": ("alias", "unit_id"), "references.csv": ("ref_id",)}


@dataclass(frozen=True)
class Include:
    """One ``[[include]]`` of a ``place.toml``: another place whose registry rows this place holds as its own
    (``place``: a shipped place, or the ``folder`` as written; ``root``: its ``boundaries/``).

    ``district`` fills the ``district`` column of the included units of every era before the included place's
    ``abolished_from``; ``unchanged_ref`` and ``unchanged_confidence`` cite the rows the view adds where an era
    of this place changed nothing in the included one (its ``unchanged`` links, the code reference of the
    repeated units).
    """

    place: str
    root: Path
    district: str | None = None
    unchanged_ref: str | None = None
    unchanged_confidence: str | None = None


def includes(root: Path) -> tuple[Include, ...]:
    """The places the registry folder ``root`` includes (``[[include]]`` of its ``place.toml``), checked.

    Examples
    --------
    >>> [i.place for i in includes(_places_dir() / "quang-ninh" / "boundaries")]
    ['hai-ha']
    >>> includes(shipped_dir("boundaries"))
    ()
    """
    path = root / "place.toml"
    if not path.is_file():
        return ()
    declared = _read_toml(*path_stamp(path)).get("include", [])
    where = f"{display_path(path)}: include"
    if not isinstance(declared, list) or not all(isinstance(d, dict) for d in declared):
        raise RegistryError(f"{where} must be [[include]] tables, each with place = \"NAME\" or folder = \"PATH\"")
    return tuple(_include(table, root, f"{where} #{number}") for number, table in enumerate(declared, 1))


def _include(table: dict, root: Path, where: str) -> Include:
    """One ``[[include]]``: a shipped place (``place``) or a place folder beside this one (``folder``)."""
    unknown = set(table) - {"place", "folder", "district", "unchanged_ref", "unchanged_confidence"}
    wrong = [k for k, v in table.items() if not isinstance(v, str) or not v.strip()]
    if unknown or wrong or len({"place", "folder"} & set(table)) != 1:
        raise RegistryError(f"{where}: needs place = \"NAME\" (a shipped place) or folder = \"PATH\" (a place "
                            "folder, relative to this one's) and may give district, unchanged_ref, "
                            f"unchanged_confidence, each a non-empty string (found {', '.join(sorted(table))})")
    options = {k: table[k] for k in ("district", "unchanged_ref", "unchanged_confidence") if k in table}
    if "folder" in table:
        folder = (root.parent / table["folder"]).resolve() / "boundaries"
        if not (folder / "units.csv").is_file():
            raise RegistryError(f"{where}: folder {table['folder']!r} holds no boundaries/units.csv (looked in "
                                f"{folder}); name a place folder, relative to {root.parent}")
        return Include(place=table["folder"], root=folder, **options)
    if table["place"] not in places():
        raise RegistryError(f"{where}: unknown place {table['place']!r}; the places are {', '.join(places())}")
    return Include(place=table["place"], root=_place_root(table["place"]), **options)


def _place_root(name: str) -> Path:
    return shipped_dir("boundaries") if name == DEFAULT_PLACE else _places_dir() / name / "boundaries"


def included_roots(root: Path | None = None) -> tuple[Path, ...]:
    """The registry folders of every place ``root`` (default: the one in use) includes, directly or through
    another, each once; an inclusion that comes back to a place already on the way is refused.

    Examples
    --------
    >>> included_roots(_places_dir() / "quang-ninh" / "boundaries") == (shipped_dir("boundaries"),)
    True
    """
    return tuple(dict.fromkeys(_walk(root or authored_dir("boundaries"), ())))


def _walk(root: Path, trail: tuple[Path, ...]) -> Iterator[Path]:
    for include in includes(root):
        if include.root in (*trail, root):
            chain = " → ".join(display_path(p / "place.toml") for p in (*trail, root, include.root))
            raise RegistryError(f"the places include each other in a cycle ({chain}); remove one [[include]]")
        yield include.root
        yield from _walk(include.root, (*trail, root))


def composed(root: Path, name: str) -> Rows:
    """The registry table ``name`` of the folder ``root``: its own rows, then the rows of each place it
    includes, seen through this place's eras (:func:`view`); cached by every file it is made of.

    Raises
    ------
    RegistryError
        An included place is unknown, the places include each other in a cycle, or a row is authored in two files.
    """
    guests = included_roots(root)
    if not guests:
        return _read_csv(*path_stamp(root / name))
    involved = [root / name, root / "eras.toml", root / "place.toml",
                *(r / f for r in guests for f in (name, "units.csv", "eras.toml", "place.toml"))]
    return _composed(root, name, tuple(path_stamp(p) for p in involved))


@cached
def _composed(root: Path, name: str, _stamps: tuple) -> Rows:
    own = _read_csv(*path_stamp(root / name))
    parts = [own, *(view(include, name, era_days(root)) for include in includes(root))]
    seen: dict[tuple, tuple[Rows, int]] = {}
    for rows in parts:
        for index, row in enumerate(rows):
            key = tuple(row.get(c) for c in COMPOSED[name])
            if key in seen:
                first, at = seen[key]
                raise RegistryError(f"{rows.at(index)}: {', '.join(filter(None, key))} is also authored in "
                                    f"{first.at(at)}; author each row in one place only and delete the other")
            seen[key] = rows, index
    header = list(dict.fromkeys(c for rows in parts for row in rows[:1] for c in row))
    order = {era["id"]: i for i, era in enumerate(era_days(root))}
    era, then = {"units.csv": ("unit_id", "code"), "lineage.csv": ("to_unit_id", "from_unit_id")}.get(name, (0, 0))
    rows = [(row, path, line) for part in parts for row, path, line in zip(part, part.files, part.lines)]
    if era:  # oldest era first, then by code (units) or by the unit a link starts from
        rows.sort(key=lambda r: (order.get((r[0].get(era) or "").partition("/")[0], len(order)), r[0].get(then) or ""))
    out = Rows(row if len(row) == len(header) else {c: row.get(c) for c in header} for row, _, _ in rows)
    out.files, out.lines = tuple(r[1] for r in rows), tuple(r[2] for r in rows)
    return out


def era_days(root: Path) -> tuple[dict, ...]:
    """The eras of the registry folder ``root`` (its ``eras.toml``) as text ``id, valid_from, valid_to, opened_by``,
    oldest first (:mod:`haiha_geo.timeline` checks them).

    Examples
    --------
    >>> [e["id"] for e in era_days(shipped_dir("boundaries"))]
    ['2019', '2020', '2025']
    """
    tables = _read_toml(*path_stamp(root / "eras.toml")).get("era", [])
    keys = ("id", "valid_from", "valid_to", "opened_by")
    return tuple({k: None if t.get(k) is None else str(t[k]) for k in keys} for t in tables if isinstance(t, dict))


def view(include: Include, name: str, eras: tuple[dict, ...]) -> Rows:
    """The table ``name`` of the included place, seen through the eras ``eras`` of the place that includes it.

    Each era of the included place is an era of the including one; an era of the including place in which
    the included one has no era of its own changed nothing there: the included place's units of the era
    before go on in it (the same code, the era's days, created and ended by the acts that open the eras), and
    an ``unchanged`` link joins them, cited by ``unchanged_ref``. A unit holds the days of the era it is seen
    in. Acts, aliases and references are taken as they are.

    Examples
    --------
    >>> qn = _places_dir() / "quang-ninh" / "boundaries"
    >>> hh = includes(qn)[0]
    >>> units = view(hh, "units.csv", era_days(qn))
    >>> sorted({u["era"] for u in units}), len(units)
    (['2019', '2020', '2024', '2025'], 42)
    """
    rows = composed(include.root, name)
    if name not in ("units.csv", "lineage.csv"):
        return rows
    spans = _spans(include, eras)
    units = composed(include.root, "units.csv")
    made: list[tuple[dict, Path, int]] = []
    if name == "units.csv":
        table = _read_toml(*path_stamp(include.root / "place.toml")).get("place")
        abolished = table.get("abolished_from") if isinstance(table, dict) else None
        strays = [i for i, unit in enumerate(units) if unit.get("era") not in spans]
        if strays:
            raise RegistryError(f"{units.at(strays[0])}: era {units[strays[0]].get('era')!r} is not an era of "
                                f"{display_path(include.root / 'eras.toml')}; give the unit one of its eras")
        made = [(_seen_unit(include, unit, spans[unit["era"]], i, abolished), path, line)
                for unit, path, line in zip(units, units.files, units.lines) for i in range(len(spans[unit["era"]]))]
    else:
        code = {u["unit_id"]: (u["era"], u["code"]) for u in units}
        last = {era: hosts[-1]["id"] for era, hosts in spans.items()}
        for link, path, line in zip(rows, rows.files, rows.lines):
            era, number = code.get(link["from_unit_id"], (None, None))
            made.append((dict(link, from_unit_id=f"{last[era]}/{number}") if era in last else dict(link), path, line))
        blank = dict.fromkeys(rows[0] if rows else COMPOSED[name])
        made += [(blank | {"act_id": newer["opened_by"], "from_unit_id": f"{older['id']}/{unit['code']}",
                           "to_unit_id": f"{newer['id']}/{unit['code']}", "relation": "unchanged",
                           "ref_id": include.unchanged_ref, "confidence": include.unchanged_confidence}, path, line)
                 for unit, path, line in zip(units, units.files, units.lines)
                 for older, newer in itertools.pairwise(spans.get(unit["era"], ()))]
    out = Rows(row for row, _, _ in made)
    out.files, out.lines = tuple(m[1] for m in made), tuple(m[2] for m in made)
    return out


def _spans(include: Include, eras: tuple[dict, ...]) -> dict[str, list[dict]]:
    """Each era of the included place → the eras of the including place it stands for (itself, then those in
    which the included place changed nothing)."""
    own = [e["id"] for e in era_days(include.root)]
    where = display_path(include.root / "eras.toml")
    missing = [e for e in own if e not in {h["id"] for h in eras}]
    if missing:
        raise RegistryError(f"{where}: era(s) {', '.join(map(str, missing))} of the included place {include.place} "
                            "are not eras of the place that includes it; an included place's eras are some of its eras")
    spans: dict[str, list[dict]] = {}
    current = None
    for era in eras:
        current = era["id"] if era["id"] in own else current
        if current is None:
            raise RegistryError(f"{where}: the place that includes {include.place} has era {era['id']} before "
                                f"every era of {include.place}; give {include.place} that era")
        spans.setdefault(current, []).append(era)
    return spans


def _seen_unit(include: Include, unit: dict, hosts: list[dict], index: int, abolished) -> dict:
    """``unit`` of the included place seen in ``hosts[index]``, the ``index``-th era it stands for."""
    era = hosts[index]
    row = dict(unit, unit_id=f"{era['id']}/{unit['code']}", era=era["id"], valid_from=era["valid_from"],
               valid_to=era["valid_to"])
    if index:
        row.update(created_by=era["opened_by"], code_ref=include.unchanged_ref or unit.get("code_ref"))
    if index < len(hosts) - 1:
        row["ended_by"] = hosts[index + 1]["opened_by"]
    if include.district:
        row["district"] = include.district if abolished is None or (era["valid_from"] or "") < str(abolished) else None
    return row


def read_toml(folder: str, name: str) -> dict:
    """Read an authored TOML file (text NFC; a control or bidi-control character in a key or string is refused)."""
    return _read_toml(*stamp(folder, name))


@cached
def _read_toml(path: Path, *_stamp: int) -> dict:
    text = _text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"authored file {path} is not valid TOML: {exc}") from None
    if _hides_characters(text):
        for key, value in _strings(data, ""):
            _refuse_characters(f"{path}, key {key}", [value])
    return data


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"authored file {path} cannot be read: {exc.strerror}") from None
    try:
        return unicodedata.normalize("NFC", decode(raw, str(path)))
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    """``(dotted key, text)`` of every key and string in parsed TOML (``era[2].label_vi``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for name, item in value.items():
            key = f"{path}.{name}" if path else name
            yield key, name
            yield from _strings(item, key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i + 1}]")


def _refuse_characters(where: str, texts) -> None:
    for text in texts:
        found = forbidden_character(text)
        if found:
            raise RegistryError(f"{where}: {found} in {text!r}; delete it (authored text may not hold control, "
                                "bidi-control or invisible characters)")


def contained(relative: str) -> bool:
    """Whether ``relative`` is a relative path, written with ``/``, that stays inside the folder it is relative to.

    Examples
    --------
    >>> contained("gadm41/haiha_communes.geojson"), contained("../../etc/shadow"), contained("/etc/shadow")
    (True, False, False)
    """
    path = PurePosixPath(relative)
    return bool(relative.strip()) and not path.is_absolute() and ".." not in path.parts and "\\" not in relative
