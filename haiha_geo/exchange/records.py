"""Record tables (a register, an address list, a re-keyed table) written as CSV, XLSX, GeoPackage or GeoParquet.

These are the user's own rows, often a million or more, so every format is written column-wise, not
cell by cell in Python: CSV through pandas, XLSX through openpyxl's write-only mode, GeoPackage through
pyogrio and (Geo)Parquet through pyarrow. Text never becomes a formula (CSV and XLSX cells that a
spreadsheet would run get a leading ``'``, as every other table of the toolkit), and every file is
written beside its target and renamed over it, never over an input. Reruns are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import os
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from haiha_geo._output import formula_like, neutralise
from haiha_geo.errors import OptionError
from haiha_geo.exchange.gpkg import fixed_gdal_date, write_layer, writing_to
from haiha_geo.io import atomic_path
from haiha_geo.report import CREATOR, DEFAULT_DATE, _fixed_zip, _put

__all__ = ["FORMATS", "record_format", "record_writer", "write_records"]

#: The formats a record table is written in, by the suffix that names them.
FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".gpkg": "gpkg", ".parquet": "parquet"}
#: Rows an XLSX sheet holds below its header.
XLSX_ROWS = 1_048_575


def record_format(out: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of ``out``: ``fmt`` when given (it must agree with the suffix), else the suffix's.

    Examples
    --------
    >>> record_format("rekeyed.xlsx"), record_format("out.csv", "csv")
    ('xlsx', 'csv')
    """
    suffix = Path(out).suffix.lower()
    by_suffix = FORMATS.get(suffix)
    if fmt is None and by_suffix is None:
        raise OptionError(f"cannot tell the format of {out}: name a file ending in {', '.join(FORMATS)}, or give "
                          "--format")
    if fmt is not None and by_suffix is not None and fmt != by_suffix:
        raise OptionError(f"--format {fmt} does not agree with {out}, whose suffix {suffix} is {by_suffix}; "
                          f"name the file .{fmt} or drop --format")
    return fmt or by_suffix


def write_records(frame: pd.DataFrame, out: str | os.PathLike, fmt: str | None = None, *,
                  xy: tuple[str, str] | None = None, crs: str | None = None,
                  inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``frame`` to ``out`` atomically, in ``fmt`` (default: from the suffix).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The rows, in the order they are written; a GeoDataFrame's geometry is written as such.
    out : path-like
        The file to write; never one of ``inputs``.
    fmt : {"csv", "xlsx", "gpkg", "parquet"}, optional
        The format; it must agree with ``out``'s suffix.
    xy : (str, str), optional
        Columns holding each row's point (x/lon, y/lat): GeoPackage and GeoParquet then hold point features
        (rows without a finite point have an empty geometry); without them (and without a geometry)
        GeoPackage writes an attribute table and Parquet a plain table.
    crs : str, optional
        The CRS of ``xy`` (for example ``EPSG:4326``).
    inputs : iterable of path-like
        The files the rows were read from.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = write_records(pd.DataFrame({"a": ["=1+1", "x"], "b": [1, None]}), out)
    >>> print(out.read_text(), end="")
    a,b
    '=1+1,1.0
    x,
    """
    with record_writer(out, fmt, xy=xy, crs=crs, inputs=inputs) as write:
        write(frame)
    return Path(out)


@contextmanager
def record_writer(out: str | os.PathLike, fmt: str | None = None, *, xy: tuple[str, str] | None = None,
                  crs: str | None = None, inputs: Iterable[str | os.PathLike] = ()):
    """A ``write(chunk)`` function that adds each chunk of rows to ``out``; the file appears whole when the block ends.

    Memory follows the chunk: CSV and GeoPackage are appended to, Parquet gets one row group per chunk,
    XLSX streams its rows (openpyxl's write-only mode). Parameters as :func:`write_records`; every chunk must
    have the first chunk's columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "r.parquet"
    >>> with record_writer(out) as write:
    ...     for part in range(3):
    ...         write(pd.DataFrame({"part": [part] * 2}))
    >>> len(pd.read_parquet(out))
    6
    """
    fmt = record_format(out, fmt)
    with atomic_path(out, inputs) as tmp:
        sink = _SINKS[fmt](tmp, xy, crs)
        def write(chunk: pd.DataFrame) -> None:
            with writing_to(Path(out)):  # a full disk or a file-size limit is one line naming the output
                sink.write(chunk)

        try:
            yield write
            with writing_to(Path(out)):
                sink.close()
        finally:
            sink.abandon()


def _csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    """``frame``'s rows as CSV (quoted where a cell holds a comma, a quote or a line break), built column-wise.

    Text a spreadsheet would run as a formula gets a leading ``'``; a missing value is an empty cell.
    """
    lines = _join(*[_csv_cells(frame[c]) for c in frame.columns], sep=",")
    lines = _join(lines, "", sep="\n")
    head = (",".join(_csv_text(neutralise(str(c))) for c in frame.columns) + "\n").encode() if header else b""
    return head + _joined(lines)


def _csv_cells(column: pd.Series):
    """One column as CSV cells (an Arrow large-string array without nulls)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        text = pc.fill_null(pa.chunked_array(pa.array(column)).combine_chunks().cast(pa.large_string()), "")
        return _quoted(_neutralised(text))
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # anything else is formatted per distinct value
    texts = pa.array([_csv_text(_formatted(v)) for v in uniques] + [""], pa.large_string())
    return texts.take(pa.array(np.where(codes < 0, len(uniques), codes)))


def _formatted(value) -> str:
    """A cell's text as pandas writes it: nothing for a missing value, ``repr`` of a float, text neutralised."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def _csv_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def _neutralised(text):
    """Arrow strings with a leading ``'`` on each formula-like one (:func:`neutralise`, checked in Python only
    for the cells that do not start with a letter or digit)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pc.utf8_slice_codeunits(text, 0, 1)
    maybe = np.flatnonzero(pc.and_(pc.invert(pc.utf8_is_alnum(first)), pc.greater(pc.utf8_length(first), 0))
                           .to_numpy(zero_copy_only=False))
    if not len(maybe):
        return text
    values = text.take(pa.array(maybe)).to_pylist()
    changed = [(i, neutralise(v)) for i, v in zip(maybe, values) if formula_like(v)]
    if not changed:
        return text
    mask = np.zeros(len(text), dtype=bool)
    mask[[i for i, _ in changed]] = True
    return pc.replace_with_mask(text, pa.array(mask), pa.array([v for _, v in changed], pa.large_string()))


def _quoted(text):
    """Arrow strings quoted (inner quotes doubled) where they hold a comma, a quote or a line break."""
    import pyarrow.compute as pc

    needed = pc.match_substring_regex(text, '[,"\r\n]')
    if not pc.any(needed).as_py():
        return text
    return pc.if_else(needed, _join('"', pc.replace_substring(text, '"', '""'), '"', sep=""), text)


def _join(*parts, sep: str):
    """Arrow large strings (arrays or plain text) joined element-wise with ``sep``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    large = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*large, pa.scalar(sep, pa.large_string()))


def _joined(lines) -> bytes:
    """The bytes of an Arrow large-string array's values, one after the other."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]] if len(lines) else b""


def _geometry_name(frame) -> str | None:
    return frame.geometry.name if hasattr(frame, "geometry") and hasattr(frame, "crs") else None


def _geo(frame: pd.DataFrame, xy, crs):
    """``frame`` as a GeoDataFrame: its own geometry, points from ``xy``, or None for a plain table."""
    import geopandas as gpd

    if _geometry_name(frame):
        return frame
    if xy is None:
        return None
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(_points(frame, xy), crs=crs))


class _Sink:
    """One output file being written chunk by chunk (:func:`record_writer`)."""

    def __init__(self, path: Path, xy, crs):
        self.path, self.xy, self.crs, self.rows = path, xy, crs, 0

    def write(self, frame: pd.DataFrame) -> None:
        self.add(frame)
        self.rows += len(frame)

    def add(self, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file."""

    def abandon(self) -> None:
        """Drop what a failed write left (the temporary file itself is removed by :func:`atomic_path`)."""


class _Csv(_Sink):
    def add(self, frame):
        plain = frame.drop(columns=[_geometry_name(frame)]) if _geometry_name(frame) else frame
        with open(self.path, "ab" if self.rows else "wb") as out:
            out.write(_csv_bytes(plain, header=not self.rows))


class _Xlsx(_Sink):
    def __init__(self, path, xy, crs):
        from openpyxl import Workbook

        super().__init__(path, xy, crs)
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("Dữ liệu")
        self.sheet.freeze_panes = "A2"

    def add(self, frame):
        from openpyxl.cell import WriteOnlyCell

        if self.rows + len(frame) > XLSX_ROWS:
            raise OptionError(f"more than {XLSX_ROWS:,} rows do not fit an XLSX sheet: write --format csv or "
                              "parquet")
        plain = frame.drop(columns=[_geometry_name(frame)]) if _geometry_name(frame) else frame
        if not self.rows:
            self.sheet.append([_put(WriteOnlyCell(self.sheet), str(c)) for c in plain.columns])
        for row in plain.itertuples(index=False):
            self.sheet.append([_put(WriteOnlyCell(self.sheet), _plain(v)) for v in row])

    def close(self):
        from openpyxl.writer.excel import ExcelWriter

        when = dt.datetime.combine(DEFAULT_DATE, dt.time())
        props = self.book.properties
        props.creator, props.lastModifiedBy, props.created, props.modified = CREATOR, CREATOR, when, when
        raw = io.BytesIO()
        ExcelWriter(self.book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
        self.path.write_bytes(_fixed_zip(raw.getvalue(), when))


class _Gpkg(_Sink):
    def __init__(self, path, xy, crs):
        super().__init__(path, xy, crs)
        self.work = path.with_name(path.name + ".gpkg")  # GDAL wants the extension and a new file

    def add(self, frame):
        layer = _geo(frame, self.xy, self.crs)
        with fixed_gdal_date():
            write_layer(frame if layer is None else layer, self.work, "records", "Bản ghi",
                        None if layer is None else "point")

    def close(self):
        os.replace(self.work, self.path)

    def abandon(self):
        for part in (self.work, *self.work.parent.glob(f"{glob.escape(self.work.name)}-*")):  # and SQLite's -journal
            part.unlink(missing_ok=True)


class _Parquet(_Sink):
    def __init__(self, path, xy, crs):
        super().__init__(path, xy, crs)
        self.writer = None

    def add(self, frame):
        import pyarrow as pa
        import pyarrow.parquet as pq

        layer = _geo(frame, self.xy, self.crs)
        table = pa.Table.from_pandas(frame if layer is None else _wkb(layer), preserve_index=False)
        if self.writer is None:
            schema = table.schema
            if layer is not None:
                schema = schema.with_metadata({**(schema.metadata or {}), b"geo": _geo_metadata(layer)})
            self.writer = pq.ParquetWriter(self.path, schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def abandon(self):
        self.close()


def _wkb(layer) -> pd.DataFrame:
    """A GeoDataFrame as a plain frame whose geometry column holds WKB (GeoParquet's encoding)."""
    import shapely

    name = layer.geometry.name
    out = pd.DataFrame(layer.drop(columns=[name]))
    out[name] = shapely.to_wkb(layer.geometry.values)
    return out


def _geo_metadata(layer) -> bytes:
    """The ``geo`` metadata of GeoParquet 1.0 for ``layer``'s geometry column."""
    import json

    column = {"encoding": "WKB", "geometry_types": []}
    if layer.crs is not None:
        column["crs"] = layer.crs.to_json_dict()
    return json.dumps({"version": "1.0.0", "primary_column": layer.geometry.name,
                       "columns": {layer.geometry.name: column}}).encode()


def _plain(value):
    """A cell value openpyxl writes: None for a missing value, Python scalars for numpy ones."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def _points(frame: pd.DataFrame, xy):
    import shapely

    xs = pd.to_numeric(frame[xy[0]], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(frame[xy[1]], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(xs[ok], ys[ok])
    return geoms


_SINKS = {"csv": _Csv, "xlsx": _Xlsx, "gpkg": _Gpkg, "parquet": _Parquet}
