"""Reading user files safely and writing outputs atomically.

Inputs are never modified. Outputs are written to a temporary file in the
target's folder and renamed over the target, so an interrupted run never
leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from haiha_geo.crs import crs_advice, parse_crs, require_crs
from haiha_geo.errors import CRSError, GeometryError, InputFileError, OutputPathError

#: Files larger than this (bytes) show a progress bar on stderr while they are read, when stderr is a terminal.
PROGRESS_BYTES = 20 * 1024 * 1024
_GEOJSON_SUFFIXES = (".geojson", ".json")


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
    haiha_geo.errors.OutputPathError: the output ... is the input ...: the toolkit never writes over its inputs; choose another output file name
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


def read_layer(path: str | os.PathLike, *, layer: str | None = None, crs: str | None = None,
               what: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file GeoPandas can read (GeoJSON, GeoPackage, Shapefile, …) and check it.

    Parameters
    ----------
    path : path-like
        The file to read; it is opened read-only.
    layer : str, optional
        Layer name, for multi-layer files such as GeoPackage.
    crs : str, optional
        CRS to assume when the file declares none (for example ``"EPSG:5899"``).
        A file that declares a CRS keeps it; ``crs`` never overrides it. A
        GeoJSON whose coordinates are not lon/lat counts as declaring none
        (GDAL labels every GeoJSON EPSG:4326, since RFC 7946 allows nothing else).
    what : str, optional
        How to name the layer in error messages (defaults to the file name).

    Raises
    ------
    InputFileError
        Missing, unreadable or malformed file, or a file with no features.
    CRSError
        ``crs`` names no CRS; no CRS (and none given); or coordinates that,
        read in the CRS, do not touch Hải Hà (the message suggests the CRS they fit).
    GeometryError
        A feature with no geometry or an empty one.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "zone.geojson"
    >>> _ = p.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [107.75, 21.45]}}]}))
    >>> read_layer(p).crs.to_epsg()
    4326
    """
    path = Path(path)
    label = what or path.name
    assumed = parse_crs(crs, "crs=") if crs is not None else None  # bad text fails before the file is read
    if not path.exists():
        raise InputFileError(f"{label}: file {path} does not exist")
    with _progress(path) as bar:
        try:
            frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
            raise InputFileError(f"{label}: cannot read {path} as a vector file ({exc})") from None
        bar.update()
        if len(frame) == 0:
            raise InputFileError(f"{label}: {path} has no features")
        empty = frame.geometry.isna() | shapely.is_empty(frame.geometry.values)
        if empty.any():
            rows = ", ".join(str(i) for i in frame.index[empty][:10])
            raise GeometryError(f"{label}: {int(empty.sum())} feature(s) have no geometry or an empty one "
                                f"(rows {rows})")
        if _undeclared_geojson(path, frame):
            if assumed is None:
                raise CRSError(f"{label}: this GeoJSON has no 'crs' member, so it should be lon/lat, but its "
                               f"coordinates reach x {frame.total_bounds[2]:,.0f}, y "
                               f"{frame.total_bounds[3]:,.0f}, which cannot be lon/lat" + _advice(frame))
            frame = frame.set_crs(assumed, allow_override=True)
        elif frame.crs is None and assumed is not None:
            frame = frame.set_crs(assumed)
        require_crs(frame, label)
        bar.update()
    return frame


def _undeclared_geojson(path: Path, frame: gpd.GeoDataFrame) -> bool:
    """A GeoJSON labelled lon/lat (GDAL's default) whose coordinates cannot be degrees."""
    if path.suffix.lower() not in _GEOJSON_SUFFIXES or frame.crs is None or not frame.crs.is_geographic:
        return False
    minx, miny, maxx, maxy = frame.total_bounds
    return max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90


def _advice(frame: gpd.GeoDataFrame) -> str:
    return crs_advice(shapely.get_coordinates(frame.geometry.values[:SAMPLE_FEATURES]))


#: Features whose vertices feed the CRS suggestion of an undeclared GeoJSON.
SAMPLE_FEATURES = 200


def _progress(path: Path):
    """A tqdm bar (reading, checking) for a file above :data:`PROGRESS_BYTES`; silent when stderr is no terminal."""
    from tqdm import tqdm

    size = path.stat().st_size
    return tqdm(total=2, desc=f"reading {path.name} ({size / 1e6:,.0f} MB)", unit="step", file=sys.stderr,
                disable=size < PROGRESS_BYTES or not sys.stderr.isatty(), leave=False)
