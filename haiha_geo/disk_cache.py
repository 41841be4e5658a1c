"""The on-disk cache: what a command derived once, kept for the next run.

An entry is found by a key made of what the result depends on: the toolkit
(its version and the stamp of its code), the contents of every authored file
(``boundaries/``, ``layers/``, ``maps/``, with the sha256 the reference sources
are pinned to) and, for results read from the sources, the path, size and
modification time of each reference file (a file that changes is verified
again by the run that rebuilds). Nothing else is trusted: each entry carries
the sha256 and length of its contents, and one that does not match (a
truncated write, a damaged disk) is removed and rebuilt, never used.

Entries are written atomically (a temporary file in the cache folder, then
:func:`os.replace`), so processes running at once see a whole entry or none;
two that build the same entry write the same bytes. A cache folder that
cannot be written only makes runs slower.

The folder is, in order: the environment variable ``HAIHA_GEO_CACHE``;
``cache_dir`` in ``haiha-geo.toml`` (see :mod:`haiha_geo.config`);
``$XDG_CACHE_HOME/haiha-geo``; ``~/.cache/haiha-geo``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from haiha_geo._cache import cached
from haiha_geo._version import __version__
from haiha_geo.authored import FOLDERS, authored_dir, included_roots
from haiha_geo.config import setting
from haiha_geo.sources import catalog, data_dir

CACHE_ENV_VAR = "HAIHA_GEO_CACHE"
#: First line of every entry; a new layout gets a new number (old entries are then never read).
MAGIC = b"haiha-geo cache 1\n"
SUFFIX = ".hgc"
_TEMP_PREFIX = ".tmp-"
_PACKAGE = Path(__file__).resolve().parent
_DISABLED: list[bool] = []


@dataclass(frozen=True)
class CacheDir:
    """The cache folder and the setting that chose it (the variable's or key's name, with its file)."""

    path: Path
    setting: str


def cache_dir() -> CacheDir:
    """The cache folder (it need not exist yet) and the setting that chose it.

    Examples
    --------
    >>> cache_dir().path.name != ""
    True
    """
    if os.environ.get(CACHE_ENV_VAR):
        return CacheDir(Path(os.environ[CACHE_ENV_VAR]).expanduser(), CACHE_ENV_VAR)
    configured = setting("cache_dir")
    if configured:
        return CacheDir(configured[0], f"cache_dir, {configured[1]}")
    if os.environ.get("XDG_CACHE_HOME"):
        return CacheDir(Path(os.environ["XDG_CACHE_HOME"]) / "haiha-geo", "XDG_CACHE_HOME")
    return CacheDir(Path.home() / ".cache" / "haiha-geo", "~/.cache")


def set_enabled(enabled: bool) -> None:
    """Use the cache (the default) or, with ``False``, neither read nor write it (``haiha-geo --no-cache``).

    Examples
    --------
    >>> set_enabled(False); enabled()
    False
    >>> set_enabled(True); enabled()
    True
    """
    _DISABLED[:] = [] if enabled else [True]


def enabled() -> bool:
    """Whether :func:`remember` reads and writes the cache."""
    return not _DISABLED


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@cached
def stamp() -> str:
    """The sha256 of what every entry depends on: the toolkit's version and code, and the authored files.

    Examples
    --------
    >>> len(stamp())
    64
    """
    digest = hashlib.sha256(f"{__version__}\n".encode())
    for path in _files(_PACKAGE):
        if path.suffix == ".py":
            info = path.stat()
            digest.update(f"{path.relative_to(_PACKAGE)} {info.st_size} {info.st_mtime_ns}\n".encode())
    roots = [(folder, authored_dir(folder)) for folder in FOLDERS]
    roots += [(f"included/{number}/boundaries", root) for number, root in enumerate(included_roots())]
    for folder, root in roots:
        for path in _files(root):
            digest.update(f"{folder}/{path.relative_to(root)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_files() -> list:
    """The reference data folder and each catalogued file's path, pinned sha256, size and modification time.

    A part of the key of every result read from the sources: a file that is replaced, or another data folder,
    makes a new key, and the run that rebuilds verifies the file against its pinned sha256.

    Raises
    ------
    DataDirError
        No reference data folder is set or found.
    """
    root = data_dir().path
    found: list = [str(root)]
    for info in catalog().values():
        for entry in info["files"].values():
            try:
                st = (root / entry["path"]).stat()
                found.append([entry["path"], entry["sha256"], st.st_size, st.st_mtime_ns])
            except OSError:
                found.append([entry["path"], "missing"])
    return found


def key(kind: str, parts: Iterable) -> str:
    """The key of the entry of ``kind`` (a command name) for ``parts`` (its options, the files it read).

    Examples
    --------
    >>> key("units", ["2025"]) == key("units", ["2025"]) != key("units", ["2020"])
    True
    """
    text = json.dumps([stamp(), kind, list(parts)], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(kind: str, entry_key: str) -> Path:
    return cache_dir().path / f"{kind}-{entry_key}{SUFFIX}"


def _unpack(data: bytes) -> bytes | None:
    """The contents of an entry, or None when it is not whole (wrong header, length or sha256)."""
    if not data.startswith(MAGIC):
        return None
    header, newline, body = data[len(MAGIC):].partition(b"\n")
    fields = header.split()
    if not newline or len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) != len(body):
        return None
    return body if hashlib.sha256(body).hexdigest().encode() == fields[0] else None


def load(kind: str, entry_key: str) -> bytes | None:
    """The contents of the entry, or None when there is none or it is damaged (it is then removed)."""
    path = _entry(kind, entry_key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = _unpack(data)
    if body is None:
        with contextlib.suppress(OSError):
            path.unlink()
    return body


def store(kind: str, entry_key: str, body: bytes) -> None:
    """Write the entry atomically; a folder that cannot be written is left alone."""
    path = _entry(kind, entry_key)
    header = MAGIC + f"{hashlib.sha256(body).hexdigest()} {len(body)}\n".encode()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=SUFFIX)
        with os.fdopen(handle, "wb") as fh:
            fh.write(header + body)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def remember(kind: str, parts: Iterable, build: Callable[[], bytes]) -> bytes:
    """The cached bytes of ``kind`` for ``parts``, or ``build()``'s, stored for the next run.

    Examples
    --------
    >>> import os, tempfile, unittest.mock
    >>> with unittest.mock.patch.dict(os.environ, {CACHE_ENV_VAR: tempfile.mkdtemp()}):
    ...     print(remember("demo", ["a"], lambda: b"built"), remember("demo", ["a"], lambda: b"not called"))
    ...     print(info().entries, clear(), info().entries)
    b'built' b'built'
    1 1 0
    """
    if not enabled():
        return build()
    entry_key = key(kind, parts)
    body = load(kind, entry_key)
    if body is None:
        body = build()
        store(kind, entry_key, body)
    return body


@dataclass(frozen=True)
class CacheInfo:
    """What the cache folder holds: its path and setting, the number of entries and their bytes."""

    path: Path
    setting: str
    entries: int
    size: int


def _ours(folder: Path) -> list[Path]:
    """The entries and leftover temporary files of the cache in ``folder`` (nothing else there is touched)."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file())
    except OSError:
        return []


def info() -> CacheInfo:
    """The cache folder, its entries and their total size in bytes."""
    where = cache_dir()
    found = [p for p in _ours(where.path) if not p.name.startswith(_TEMP_PREFIX)]
    return CacheInfo(where.path, where.setting, len(found), sum(p.stat().st_size for p in found))


def clear() -> int:
    """Remove every entry (and leftover temporary file) of the cache; return how many entries went."""
    removed = 0
    for path in _ours(cache_dir().path):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += not path.name.startswith(_TEMP_PREFIX)
    return removed
