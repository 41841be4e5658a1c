"""Writing outputs: atomically, and never over an input.

Outputs are written to a temporary file in the target's folder and renamed
over the target, so an interrupted run never leaves a half-written file; the
destination is checked before any work starts (:func:`check_output`).

Temporary files are named ``.NAME.haiha-tmp-PID-XXXXXXXX`` (NAME the target's
file name, PID the writing process): a run killed outright (SIGKILL, power
loss) cannot remove its own, so the next write of the same target removes those
whose process no longer runs (:func:`remove_stale`). A target that is a
symbolic link is written *through*: the file it points to is replaced and the
link stays a link (a link to an input is refused like the input itself). Light on
purpose (standard library only): the command line checks ``--out`` with it
before it loads anything heavy. Reading users' vector files is
:mod:`haiha_geo.vector_io`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from haiha_geo.errors import OptionError, OutputPathError

#: Marker in the name of every temporary file or folder written beside a target.
TMP_MARK = ".haiha-tmp-"
_TMP_PID = re.compile(re.escape(TMP_MARK) + r"(\d+)-")


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

    Returns
    -------
    Path
        The file that will be written: ``target``, or the file a symbolic link
        ``target`` points to.

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
    if path.is_symlink():  # written through: the file the link points to is the output
        path = Path(os.path.realpath(path))
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


def output_format(target: str | os.PathLike, fmt: str | None, suffixes: dict[str, tuple[str, ...]]) -> str:
    """The format to write ``target`` in: ``fmt`` if its file name agrees, else the one its suffix names.

    ``suffixes`` maps each format to the file-name endings it is written
    under, the usual one first. Without ``fmt`` the suffix decides.

    Raises
    ------
    OptionError
        ``fmt`` and the suffix of ``target`` disagree (PNG bytes in a ``.pdf``
        would open nowhere), or without ``fmt`` the suffix names no format.

    Examples
    --------
    >>> formats = {"pdf": (".pdf",), "png": (".png",)}
    >>> output_format("map.PDF", None, formats), output_format("map.png", "png", formats)
    ('pdf', 'png')
    >>> output_format("x.pdf", "png", formats)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OptionError: --format png and --out x.pdf disagree: a png file is named x.png (or give ...
    """
    path = Path(target)
    suffix = path.suffix.lower()
    named = next((f for f, ends in suffixes.items() if suffix in ends), None)
    if fmt is not None and (fmt not in suffixes or suffix not in suffixes[fmt]):
        usual = suffixes.get(fmt, ("",))[0]
        also = f" (or give --format {named})" if named else ""
        raise OptionError(f"--format {fmt} and --out {path} disagree: a {fmt} file is named "
                          f"{path.with_suffix(usual).name if path.name else usual}{also}")
    if fmt is None and named is None:
        known = ", ".join(f"{ends[0]} ({f})" for f, ends in suffixes.items())
        ending = f"ends in {suffix}" if suffix else "has no suffix"
        raise OptionError(f"--out {path}: the file name {ending}, which names no format written here; end it in "
                          f"{known}, or give --format")
    return fmt or named


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
    remove_stale(target)
    try:
        fd, name = tempfile.mkstemp(prefix=_tmp_prefix(target), dir=target.parent)
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


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}{TMP_MARK}{os.getpid()}-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True


def remove_stale(target: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders of ``target`` left by writers that no longer run; return them.

    Only names of the form ``.NAME.haiha-tmp-PID-…`` beside ``target`` are
    touched, and only when process PID has ended: a concurrent writer's files stay.

    Examples
    --------
    >>> import pathlib, subprocess, sys, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
    ...                        capture_output=True, text=True).stdout.strip()
    >>> _ = (folder / f".map.pdf.haiha-tmp-{ended}-x1y2").write_text("half a page")
    >>> [p.name[:19] for p in remove_stale(folder / "map.pdf")], list(folder.iterdir())
    (['.map.pdf.haiha-tmp-'], [])
    """
    target = Path(target)
    stale = []
    for item in target.parent.glob(f".{glob.escape(target.name)}{TMP_MARK}*"):
        found = _TMP_PID.match(item.name, len(target.name) + 1)
        if not found or int(found.group(1)) == os.getpid() or _running(int(found.group(1))):
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
            stale.append(item)
    return stale


@contextlib.contextmanager
def scratch_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty folder beside ``target`` for the parts of an output, removed afterwards.

    It is named like the temporary files of :func:`atomic_path`, so a killed
    run's folder is removed by the next write of ``target``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "layers.zip"
    >>> with scratch_folder(out) as folder:
    ...     _ = (folder / "a.shp").write_bytes(b"")
    >>> folder.exists()
    False
    """
    target = check_output(target)
    remove_stale(target)
    try:
        folder = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), dir=target.parent))
    except OSError as exc:
        raise OutputPathError(f"cannot write {target}: {exc.strerror or exc}; choose another folder") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
