"""The reference boundary sources: where they live, and reading them safely.

The files are read in place from a data directory, never copied into the
repository (their licences forbid redistribution). The directory is, in order:

1. the environment variable ``HAIHA_GEO_DATA``;
2. the key ``data_dir`` in a ``haiha-geo.toml`` config file (the file named by
   ``HAIHA_GEO_CONFIG``, else ``./haiha-geo.toml``, else
   ``~/.config/haiha-geo/haiha-geo.toml``); a relative path is taken relative
   to the config file;
3. the project's data mirror ``shared/data/sources`` in the working directory,
   the package's directory, or any of their parents.

Every file is checked against the sha256 pinned in ``boundaries/sources.toml``,
and its path there must stay inside the data directory (relative, no ``..``):
nothing outside it is ever opened.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from haiha_geo._cache import cached, clear_caches, watch_env
from haiha_geo.authored import contained, display_name, read_toml
from haiha_geo.config import CONFIG_ENV_VAR, CONFIG_NAME, setting
from haiha_geo.errors import DataDirError, RegistryError

if TYPE_CHECKING:
    import geopandas as gpd

ENV_VAR = "HAIHA_GEO_DATA"
MIRROR = Path("shared") / "data" / "sources"
watch_env(ENV_VAR)
watch_env(CONFIG_ENV_VAR)


@dataclass(frozen=True)
class DataDir:
    """A resolved data directory and the setting that chose it."""

    path: Path
    setting: str


def catalog() -> dict[str, dict]:
    """Return the source catalog (``boundaries/sources.toml``), keyed by source name.

    Examples
    --------
    >>> sorted(catalog())
    ['censusvn2009', 'gadm41', 'vn3dmap2025']
    """
    return read_toml("boundaries", "sources.toml")


def source_info(name: str) -> dict:
    """Return the catalog entry of source ``name``, or raise with the known names."""
    try:
        return catalog()[name]
    except KeyError:
        raise RegistryError(f"unknown source {name!r}; known sources: {', '.join(sorted(catalog()))}") from None


def _from_config() -> DataDir | None:
    found = setting("data_dir")
    return DataDir(found[0], f"data_dir in {found[1]}") if found else None


def _mirror() -> DataDir | None:
    starts = [Path.cwd().resolve(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in (start, *start.parents):
            if (folder / MIRROR).is_dir():
                return DataDir(folder / MIRROR, f"the data mirror found at {folder / MIRROR}")
    return None


_CHOSEN: list[DataDir] = []


def set_data_dir(path: str | os.PathLike | None) -> None:
    """Read the reference files from ``path`` from now on; clears every cache.

    Parameters
    ----------
    path : path-like or None
        The folder holding ``gadm41/``, ``censusvn2009/`` and ``vn3dmap2025/``;
        ``None`` goes back to the settings (``HAIHA_GEO_DATA``, ``haiha-geo.toml``, the mirror).

    Examples
    --------
    >>> here = data_dir().path
    >>> set_data_dir(here); data_dir().setting
    'set_data_dir()'
    >>> set_data_dir(None)
    """
    _CHOSEN[:] = [DataDir(Path(path).expanduser(), "set_data_dir()")] if path is not None else []
    clear_caches()


def data_dir() -> DataDir:
    """Resolve the reference data directory, or raise :class:`DataDirError` naming the fix.

    Examples
    --------
    >>> data_dir().path.is_dir()
    True
    """
    if _CHOSEN:
        found = _CHOSEN[0]
    elif os.environ.get(ENV_VAR):
        found = DataDir(Path(os.environ[ENV_VAR]).expanduser(), f"the environment variable {ENV_VAR}")
    else:
        found = _from_config() or _mirror()
    if found is None:
        raise DataDirError(
            "no reference data directory: set the environment variable "
            f"{ENV_VAR}=/path/to/sources, or data_dir = \"/path/to/sources\" in {CONFIG_NAME}; "
            f"no data mirror ({MIRROR}) was found above {Path.cwd()}"
        )
    if not found.path.is_dir():
        raise DataDirError(f"reference data directory {found.path} (from {found.setting}) does not exist; "
                           f"point {ENV_VAR} at the folder holding gadm41/, censusvn2009/ and vn3dmap2025/")
    return found


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks (reference files, user layers, printed sources)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _verified(path: Path, mtime_ns: int, size: int) -> str:
    return file_sha256(path)


def source_file(name: str, file: str = "communes") -> Path:
    """Return the verified path of ``file`` (communes, outline, province) of source ``name``.

    Raises
    ------
    DataDirError
        If the file is missing or its sha256 differs from the catalog's.
    """
    info = source_info(name)
    try:
        entry = info["files"][file]
    except KeyError:
        raise RegistryError(f"source {name!r} has no file {file!r}; files: {', '.join(info['files'])}") from None
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not contained(entry["path"]):
        raise RegistryError(f"source {name!r}, file {file!r}: its path in {display_name('boundaries', 'sources.toml')} "
                            "must be a relative path inside the data directory (no leading '/', no '..')")
    root = data_dir()
    path = root.path / entry["path"]
    if not path.is_file():
        raise DataDirError(f"{entry['path']} is missing from the reference data directory {root.path} "
                           f"(from {root.setting}); point {ENV_VAR} at a complete copy")
    stat = path.stat()
    actual = _verified(path, stat.st_mtime_ns, stat.st_size)
    if actual != entry["sha256"]:
        raise DataDirError(f"{path} does not match its pinned checksum (sha256 {actual[:12]}…, expected "
                           f"{entry['sha256'][:12]}…): the file was altered or is another version; restore it "
                           f"or point {ENV_VAR} at an unaltered copy")
    return path


def read_source(name: str, file: str = "communes") -> gpd.GeoDataFrame:
    """Read a verified reference file as a GeoDataFrame in EPSG:4326.

    Examples
    --------
    >>> len(read_source("gadm41"))
    16
    """
    return _read(source_file(name, file)).copy()


@cached
def _read(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd  # loaded by the commands that read geometry, not by those that read the catalogue

    return gpd.read_file(path)


def provenance() -> list[dict[str, str]]:
    """Return, for every catalogued file, its source, path, sha256 and licence (for output metadata)."""
    return [
        {"source": name, "file": entry["path"], "sha256": entry["sha256"], "licence": info["licence"]}
        for name, info in sorted(catalog().items())
        for entry in info["files"].values()
    ]
