"""Record tables (a register, an address list, a re-keyed table) written as CSV, XLSX, GeoPackage or GeoParquet.

These are the user's own rows, often a million or more, so every format is written column-wise, not
cell by cell in Python: CSV through pandas, XLSX through openpyxl's write-only mode, GeoPackage through
pyogrio and (Geo)Parquet through pyarrow. Text never becomes a formula (CSV and XLSX cells that a
spreadsheet would run get a leading ``'``, as every other table of the toolkit), and every file is
written beside its target and renamed over it, never over an input. Reruns are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from haiha_geo._output import neutralise
from haiha_geo.errors import OptionError
from haiha_geo.exchange.gpkg import fixed_gdal_date, gpkg_work_file, write_layer
from haiha_geo.io import atomic_path
from haiha_geo.report import CREATOR, DEFAULT_DATE, _fixed_zip, _put

__all__ = ["FORMATS", "record_format", "write_records"]

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
    frame : pandas.DataFrame
        The rows, in the order they are written.
    out : path-like
        The file to write; never one of ``inputs``.
    fmt : {"csv", "xlsx", "gpkg", "parquet"}, optional
        The format; it must agree with ``out``'s suffix.
    xy : (str, str), optional
        Columns holding each row's point (x/lon, y/lat): GeoPackage and GeoParquet then hold point features
        (rows without a finite point have an empty geometry); without them GeoPackage writes an attribute
        table and Parquet a plain table.
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
    fmt = record_format(out, fmt)
    with atomic_path(out, inputs) as tmp:
        _WRITERS[fmt](frame, tmp, xy, crs)
    return Path(out)


def _text_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text a spreadsheet would run as a formula given a leading ``'`` (once per value)."""
    out = frame.copy()
    for column in [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]:
        codes, uniques = pd.factorize(out[column])
        safe = np.array([neutralise(v) for v in uniques] + [None], dtype=object)
        out[column] = np.where(codes >= 0, safe[codes], out[column].to_numpy(dtype=object))
    return out


def _csv(frame: pd.DataFrame, path: Path, xy, crs) -> None:
    _text_safe(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _xlsx(frame: pd.DataFrame, path: Path, xy, crs) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.writer.excel import ExcelWriter

    if len(frame) > XLSX_ROWS:
        raise OptionError(f"{len(frame):,} rows do not fit an XLSX sheet ({XLSX_ROWS:,} at most): write --format "
                          "csv or parquet")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Dữ liệu")
    sheet.freeze_panes = "A2"
    sheet.append([_put(WriteOnlyCell(sheet), str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([_put(WriteOnlyCell(sheet), _plain(v)) for v in row])
    when = dt.datetime.combine(DEFAULT_DATE, dt.time())
    book.properties.creator, book.properties.lastModifiedBy = CREATOR, CREATOR
    book.properties.created = book.properties.modified = when
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    path.write_bytes(_fixed_zip(raw.getvalue(), when))


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


def _gpkg(frame: pd.DataFrame, path: Path, xy, crs) -> None:
    import geopandas as gpd

    layer = frame if xy is None else gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(_points(frame, xy), crs=crs))
    with gpkg_work_file(path) as work, fixed_gdal_date():
        write_layer(layer, work, "records", "Bản ghi (đã chuyển sang đơn vị mới)", None if xy is None else "point")


def _parquet(frame: pd.DataFrame, path: Path, xy, crs) -> None:
    if xy is None:
        frame.to_parquet(path, index=False)
        return
    import geopandas as gpd

    gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(_points(frame, xy), crs=crs)).to_parquet(path, index=False)


_WRITERS = {"csv": _csv, "xlsx": _xlsx, "gpkg": _gpkg, "parquet": _parquet}
