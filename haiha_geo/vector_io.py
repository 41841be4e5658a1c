"""Reading users' vector files (GeoJSON, GeoPackage, Shapefile, GeoParquet, …) safely.

Inputs are opened read-only and never modified. Every layer is checked: it
has features, no empty geometry, and a CRS that is declared (or given with
``crs=``) and plausible for the planning area (:func:`haiha_geo.crs.require_crs`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from haiha_geo.crs import crs_advice, parse_crs, require_crs
from haiha_geo.errors import CRSError, GeometryError, InputFileError

#: Files larger than this (bytes) show a progress bar on stderr while they are read, when stderr is a terminal.
PROGRESS_BYTES = 20 * 1024 * 1024
_GEOJSON_SUFFIXES = (".geojson", ".json")


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
    return next(iter_layer(path, layer=layer, crs=crs, what=what, chunk_features=None))


#: Features :func:`iter_layer` reads at a time by default.
CHUNK_FEATURES = 100_000
#: GeoParquet files are read with pyarrow in batches (GDAL's Parquet driver is not in every build).
PARQUET_SUFFIX = ".parquet"



def iter_layer(path: str | os.PathLike, *, layer: str | None = None, crs: str | None = None,
               what: str | None = None, chunk_features: int | None = CHUNK_FEATURES) -> Iterator[gpd.GeoDataFrame]:
    """Read a vector file in chunks of ``chunk_features`` features, each checked as :func:`read_layer` checks.

    Peak memory grows with the chunk, not the file (pyogrio ``skip_features`` /
    ``max_features``); the index runs on across chunks, so concatenated they
    equal one :func:`read_layer`. ``chunk_features=None`` reads the whole file
    at once. A file above :data:`PROGRESS_BYTES` shows a progress bar (features
    read) on stderr when it is a terminal.

    Raises
    ------
    InputFileError, CRSError, GeometryError
        As :func:`read_layer`.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "points.geojson"
    >>> _ = p.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"n": i}, "geometry": {"type": "Point", "coordinates": [107.75, 21.45]}}
    ...     for i in range(5)]}))
    >>> [list(chunk.index) for chunk in iter_layer(p, chunk_features=2)]
    [[0, 1], [2, 3], [4]]
    """
    path = Path(path)
    label = what or path.name
    assumed = parse_crs(crs, "crs=") if crs is not None else None  # bad text fails before the file is read
    if not path.exists():
        raise InputFileError(f"{label}: file {path} does not exist")
    parquet = path.suffix.lower() == PARQUET_SUFFIX
    total = _parquet_rows(path, label) if parquet else _feature_count(path, layer, label)
    step = total if chunk_features is None else max(int(chunk_features), 1)
    chunks = (_parquet_chunks(path, label, step) if parquet else
              (_read_chunk(path, layer, label, start, step) for start in range(0, total, step)))
    with _progress(path, total) as bar:
        for frame in chunks:
            yield _checked(frame, path, label, assumed)
            bar.update(len(frame))


def _parquet_file(path: Path, label: str):
    import pyarrow.parquet as pq  # only for GeoParquet files

    try:  # without pre-buffering: pyarrow would keep every row group it has read until the file is closed
        return pq.ParquetFile(path, pre_buffer=False)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputFileError(f"{label}: cannot read {path} as (Geo)Parquet ({exc})") from None


def _parquet_rows(path: Path, label: str) -> int:
    rows = _parquet_file(path, label).metadata.num_rows
    if rows <= 0:
        raise InputFileError(f"{label}: {path} has no features")
    return int(rows)


def _parquet_chunks(path: Path, label: str, step: int) -> Iterator[gpd.GeoDataFrame]:
    """A GeoParquet file (WKB geometry, the ``geo`` metadata of the GeoParquet spec) in batches of ``step`` rows.

    pyarrow reads one batch at a time, so memory follows the batch, not the file.
    """
    file = _parquet_file(path, label)
    column, crs = _geoparquet_geometry(file, path, label)
    start = 0
    for batch in file.iter_batches(batch_size=step):
        frame = batch.to_pandas()
        frame.index = pd.RangeIndex(start, start + len(frame))
        geoms = shapely.from_wkb(frame.pop(column).to_numpy())
        yield gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
        start += len(frame)


def _geoparquet_geometry(file, path: Path, label: str) -> tuple[str, object]:
    """The primary geometry column of a GeoParquet file and its CRS (OGC:CRS84 when the metadata gives none)."""
    import json

    raw = (file.schema_arrow.metadata or {}).get(b"geo")
    if raw is None:
        raise InputFileError(f"{label}: {path} is a Parquet table without GeoParquet metadata (no geometry column "
                             "declared); write it with GeoPandas' to_parquet or GDAL's Parquet driver")
    try:
        geo = json.loads(raw)
        column = geo["primary_column"]
        info = geo["columns"][column]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputFileError(f"{label}: {path} has GeoParquet metadata that cannot be read ({exc})") from None
    if info.get("encoding", "WKB") != "WKB":
        raise InputFileError(f"{label}: {path} stores geometry as {info['encoding']}; this reads WKB GeoParquet")
    crs = info.get("crs", "OGC:CRS84")  # PROJJSON (a dict), or absent for lon/lat
    return column, (None if crs is None else parse_crs(json.dumps(crs) if isinstance(crs, dict) else crs,
                                                        f"{label}: the GeoParquet crs"))


def _feature_count(path: Path, layer: str | None, label: str) -> int:
    try:
        count = pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise InputFileError(f"{label}: cannot read {path} as a vector file ({exc})") from None
    if count <= 0:
        raise InputFileError(f"{label}: {path} has no features")
    return int(count)


def _read_chunk(path: Path, layer: str | None, label: str, start: int, count: int) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, skip_features=start, max_features=count)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise InputFileError(f"{label}: cannot read {path} as a vector file ({exc})") from None
    frame.index = pd.RangeIndex(start, start + len(frame))
    return frame


def _checked(frame: gpd.GeoDataFrame, path: Path, label: str, assumed) -> gpd.GeoDataFrame:
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


def _progress(path: Path, total: int):
    """A tqdm bar (features read) for a file above :data:`PROGRESS_BYTES`; silent when stderr is no terminal."""
    from tqdm import tqdm

    size = path.stat().st_size
    return tqdm(total=total, desc=f"reading {path.name} ({size / 1e6:,.0f} MB)", unit="feature", file=sys.stderr,
                disable=size < PROGRESS_BYTES or not sys.stderr.isatty(), leave=False)
