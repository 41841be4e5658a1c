"""Reading user files safely and writing outputs atomically.

Inputs are never modified. Outputs are written to a temporary file in the
target's folder and renamed over the target, so an interrupted run never
leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from haiha_geo.crs import require_crs
from haiha_geo.errors import GeometryError, InputFileError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    >>> out.read_text()
    'a,b\\n'
    """
    target = Path(target)
    if target.parent and not target.parent.is_dir():
        raise InputFileError(f"cannot write {target}: folder {target.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(target: str | os.PathLike, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, or bytes) to ``target`` atomically and return the path."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(target) as tmp:
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
        A file that declares a CRS keeps it; ``crs`` never overrides it.
    what : str, optional
        How to name the layer in error messages (defaults to the file name).

    Raises
    ------
    InputFileError
        Missing, unreadable or malformed file, or a file with no features.
    CRSError
        No CRS (and none given), or coordinates implausible for the CRS.
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
    if not path.exists():
        raise InputFileError(f"{label}: file {path} does not exist")
    try:
        frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise InputFileError(f"{label}: cannot read {path} as a vector file ({exc})") from None
    if len(frame) == 0:
        raise InputFileError(f"{label}: {path} has no features")
    if frame.crs is None and crs is not None:
        frame = frame.set_crs(crs)
    empty = frame.geometry.isna() | shapely.is_empty(frame.geometry.values)
    if empty.any():
        rows = ", ".join(str(i) for i in frame.index[empty][:10])
        raise GeometryError(f"{label}: {int(empty.sum())} feature(s) have no geometry or an empty one (rows {rows})")
    require_crs(frame, label)
    return frame
