"""Writing outputs: atomically, and never over an input.

Outputs are written to a temporary file in the target's folder and renamed
over the target, so an interrupted run never leaves a half-written file; the
destination is checked before any work starts (:func:`check_output`). Light on
purpose (standard library only): the command line checks ``--out`` with it
before it loads anything heavy. Reading users' vector files is
:mod:`haiha_geo.vector_io`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from haiha_geo.errors import OutputPathError


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(target: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check, before any work starts, that ``target`` can be written and is none of ``inputs``.

    The toolkit never writes over a file it reads: paths are compared after
    resolving links and with :func:`os.path.samefile` (hard links, ``./a`` and ``a``).

    Raises
    ------
    OutputPathError
        ``target`` is an existing folder, its folder does not exist or is
        read-only, ``target`` itself is read-only, or it is one of ``inputs``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_output(folder / "out.csv").name
    'out.csv'
    >>> src = folder / "plan.geojson"
    >>> _ = src.write_text("{}")
    >>> check_output(folder / "." / "plan.geojson", [src])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OutputPathError: the output ... is the input ...: the toolkit never writes over its inputs; ...
    """
    path = Path(target).expanduser()
    for item in inputs:
        if item is not None and _same_file(path, Path(item).expanduser()):
            raise OutputPathError(f"the output {os.fspath(target)} is the input {os.fspath(item)}: the toolkit "
                                  "never writes over its inputs; choose another output file name")
    if path.is_dir():
        raise OutputPathError(f"the output {path} is a folder; give a file name inside it, for example "
                              f"{path / ('result' + (path.suffix or '.out'))}")
    folder = path.parent
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {path}: the folder {folder} does not exist; create it first "
                              f"(mkdir -p {folder}) or choose another folder")
    if not _writable(folder):
        raise OutputPathError(f"cannot write {path}: the folder {folder} is read-only; choose another folder")
    if path.exists() and not _writable(path):
        raise OutputPathError(f"cannot write {path}: the file exists and is read-only; remove it or choose "
                              "another name")
    return path


def _writable(path: Path) -> bool:
    """Writable for this user, and not marked read-only (no write bit), which root would otherwise ignore."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    ``target`` is checked first (:func:`check_output`); an interrupted or
    failed write leaves no partial file and the old ``target`` untouched.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    >>> out.read_text()
    'a,b\\n'
    """
    target = check_output(target, inputs)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputPathError(f"cannot write {target}: {exc.strerror or exc}; choose another folder") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputPathError(f"cannot write {target}: {exc.strerror or exc}; check the free space and "
                              "permissions of the folder, or choose another one") from None
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(target: str | os.PathLike, content: str | bytes,
                 inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``content`` (text as UTF-8, or bytes) to ``target`` atomically and return the path.

    ``inputs`` are the files the result was made from; ``target`` may be none of them.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(target, inputs) as tmp:
        tmp.write_bytes(data)
    return Path(target)
