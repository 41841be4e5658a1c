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
mistyped one is an error, never a silent fall-back to the shipped files.

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
import os
import stat
import tomllib
import unicodedata
from collections.abc import Iterator
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

    Examples
    --------
    >>> authored_dir("boundaries").name
    'boundaries'
    """
    shipped = shipped_dir(folder)
    override = registry_dir()
    if override and (override[0] / folder).is_dir():
        return override[0] / folder
    return shipped


def authored_path(folder: str, name: str) -> Path:
    """Return the path of authored file ``name`` in ``folder``."""
    return authored_dir(folder) / name


def display_name(folder: str, name: str) -> str:
    """How messages name an authored file: ``boundaries/units.csv``, or its full path when overridden."""
    path = authored_path(folder, name)
    return f"{folder}/{name}" if path.parent == shipped_dir(folder) else str(path)


def authored_files() -> list[tuple[str, Path]]:
    """Every authored CSV and TOML file, as ``(folder, path)``, from the override where it has the folder.

    Examples
    --------
    >>> ("boundaries", authored_path("boundaries", "eras.toml")) in authored_files()
    True
    """
    return [(folder, path) for folder in FOLDERS for path in sorted(authored_dir(folder).iterdir())
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

    Examples
    --------
    >>> read_csv("boundaries", "units.csv")[0]["unit_id"]
    '2019/06922'
    """
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
    """The rows of an authored CSV file (dicts), with ``lines``: the file's line number of each (the header is 1)."""

    lines: tuple[int, ...]


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
    return rows


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
