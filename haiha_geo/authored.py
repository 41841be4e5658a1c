"""The authored data files: ``boundaries/`` (registry, eras, place), ``layers/`` and ``maps/``.

From a source checkout they sit at the repository root; in an installed wheel
they are packaged under ``haiha_geo/_authored/``. A user (or a test) can point
the toolkit at another folder of authored files, holding any of
``boundaries/``, ``layers/`` and ``maps/`` (a folder it lacks is taken from
the shipped files), by, in order:

1. :func:`set_registry_dir`;
2. the environment variable ``HAIHA_GEO_REGISTRY``;
3. the key ``registry_dir`` in ``haiha-geo.toml`` (see :mod:`haiha_geo.config`).

The override is read and validated exactly like the shipped files. This module
is the one reader every other module uses: CSV cells are stripped of nothing,
NFC-normalised, and a blank cell becomes ``None`` here, once.
"""

from __future__ import annotations

import csv
import os
import tomllib
import unicodedata
from pathlib import Path

from haiha_geo._cache import cached, clear_caches, watch_env
from haiha_geo.config import setting, text_setting
from haiha_geo.errors import RegistryError

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
    if found and not found[0].is_dir():
        raise RegistryError(f"the authored folder {found[0]} (from {found[1]}) does not exist; point it at a "
                            "folder holding boundaries/ (and optionally layers/ and maps/)")
    return found


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


def read_csv(folder: str, name: str) -> tuple[dict[str, str | None], ...]:
    """Read an authored CSV file as row dicts (text NFC; a blank cell is ``None``).

    Examples
    --------
    >>> read_csv("boundaries", "units.csv")[0]["unit_id"]
    '2019/06922'
    """
    return _read_csv(authored_path(folder, name))


@cached
def _read_csv(path: Path) -> tuple[dict[str, str | None], ...]:
    if not path.is_file():
        raise RegistryError(f"authored file {path} is missing")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for row in reader:
            if None in row or None in row.values():
                raise RegistryError(f"{path}, row {reader.line_num}: {len(reader.fieldnames or ())} columns in the "
                                    "header but another number in this row; quote a value that holds a comma")
            rows.append({k: unicodedata.normalize("NFC", v) if v.strip() else None for k, v in row.items()})
    return tuple(rows)


def read_toml(folder: str, name: str) -> dict:
    """Read an authored TOML file."""
    return _read_toml(authored_path(folder, name))


@cached
def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise RegistryError(f"authored file {path} is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"authored file {path} is not valid TOML: {exc}") from None
