"""One GeoPackage with every era, theme and table, styled for QGIS.

Layers are written with pyogrio (GDAL's GPKG driver); each spatial layer's
QML goes into the ``layer_styles`` table QGIS itself uses (*Save Style ▸ In
Database*), marked ``useAsDefault``, so QGIS applies it on opening. The
tables without geometry (lineage, crosswalk, acts, site records,
provenance) are GeoPackage attribute tables, which QGIS lists like layers.

Reruns write identical bytes: GDAL's timestamps (``gpkg_contents.last_change``)
and the styles' ``update_time`` are set to :data:`FIXED_TIME`, and rows are
always written in the same order. The file is written beside the target and
renamed over it, never half-written, never over an input.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from haiha_geo._version import __version__
from haiha_geo.crs import PLANNING_CRS, PROVENANCE
from haiha_geo.errors import OutputPathError
from haiha_geo.exchange.layers import ExportLayer, export_layers
from haiha_geo.io import atomic_path

#: Timestamp written wherever GeoPackage asks for one, so that reruns are byte-identical.
FIXED_TIME = "2000-01-01T00:00:00.000Z"
#: Name of the default style of every layer in ``layer_styles``.
STYLE_NAME = "haiha_geo"
#: Columns of QGIS's ``layer_styles`` table, in QGIS's order.
STYLE_COLUMNS = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                 "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time")
GEOMETRY_COLUMN = "geom"
#: GeoPackage version written: 1.2 is read by every GDAL ≥ 2.2, hence every QGIS 3 (1.4 warns in QGIS 3.22).
GPKG_VERSION = "1.2"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the file and, per layer, its feature count and geometry type."""

    path: Path
    crs: str
    layers: dict[str, int]
    geometry: dict[str, str | None]

    def summary(self) -> str:
        """One line per layer, for the CLI."""
        lines = [f"{name}: {n} {'features' if self.geometry[name] else 'rows'}" for name, n in self.layers.items()]
        return "\n".join(lines) + "\n"


def style_table(layers: list[ExportLayer]) -> pd.DataFrame:
    """The ``layer_styles`` rows of ``layers``: one default QML style per spatial layer.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from haiha_geo.exchange.styles import Symbol, qml
    >>> frame = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:5899")
    >>> rows = style_table([ExportLayer("grid", frame, "Lưới", qml("polygon", Symbol(None)), "polygon")])
    >>> rows[["f_table_name", "f_geometry_column", "styleName", "useAsDefault"]].values.tolist()
    [['grid', 'geom', 'haiha_geo', True]]
    """
    rows = [{"f_table_catalog": "", "f_table_schema": "", "f_table_name": layer.name,
             "f_geometry_column": GEOMETRY_COLUMN, "styleName": STYLE_NAME, "styleQML": layer.style,
             "styleSLD": "", "useAsDefault": True, "description": layer.title, "owner": "", "ui": "",
             "update_time": pd.Timestamp(FIXED_TIME).tz_localize(None)}
            for layer in layers if layer.spatial and layer.style]
    return pd.DataFrame(rows, columns=list(STYLE_COLUMNS))


def provenance_table(crs: str) -> pd.DataFrame:
    """Key/value rows: toolkit version, CRS, datum shift, boundary sources."""

    rows = {"toolkit": f"haiha_geo {__version__}", "crs": crs, **PROVENANCE}
    if crs != PLANNING_CRS:
        rows["area_method"] = PROVENANCE["area_method"] + " (areas computed before reprojection)"
    return pd.DataFrame({"key": list(rows), "value": [str(v) for v in rows.values()]})


def write_layer(frame: pd.DataFrame, path: Path, name: str, description: str, geometry: str | None) -> None:
    """Write ``frame`` as layer ``name`` of the GeoPackage ``path`` (added when the file exists).

    ``geometry`` is ``"polygon"`` (written as multipolygons), another geometry kind, or None for an
    attribute table.
    """
    options = {"layer": name, "driver": "GPKG", "append": path.exists(),
               "layer_options": {"DESCRIPTION": description, "IDENTIFIER": name}}
    if not path.exists():
        options["dataset_options"] = {"VERSION": GPKG_VERSION}
    if geometry:
        options["promote_to_multi"] = geometry == "polygon"
        options["layer_options"]["GEOMETRY_NAME"] = GEOMETRY_COLUMN
    else:
        options["layer_options"]["ASPATIAL_VARIANT"] = "GPKG_ATTRIBUTES"
    pyogrio.write_dataframe(frame, path, **options)


@contextlib.contextmanager
def writing_to(target: Path) -> Iterator[None]:
    """Turn write failures (a full disk, a file-size limit), GDAL's or Python's, into one :class:`OutputPathError`.

    The error names ``target``, the output being made.

    Examples
    --------
    >>> with writing_to(Path("x.gpkg")):  # doctest: +ELLIPSIS
    ...     raise pyogrio.errors.DataSourceError("Failed to commit transaction")
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OutputPathError: cannot write x.gpkg: GDAL: Failed to commit transaction; check the free space ...
    """
    try:
        yield
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "GDAL: " + (str(exc).strip().splitlines() or ["no reason given"])[0]
        reason = reason if len(reason) <= 160 else reason[:159] + "…"  # GDAL may quote a whole SQL statement
        raise OutputPathError(f"cannot write {target}: {reason}; check the free space of the folder (and the "
                              "shell's file-size limit, ulimit -f), or choose another one") from None


@contextlib.contextmanager
def fixed_gdal_date():
    """Within the block GDAL stamps GeoPackage contents with :data:`FIXED_TIME`, so reruns are byte-identical."""
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIME})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


@contextlib.contextmanager
def gpkg_work_file(tmp: Path) -> Iterator[Path]:
    """A fresh ``….gpkg`` path beside ``tmp`` for GDAL (it wants the extension, and a new file); moved onto ``tmp``.

    The work file and SQLite's companions (``-journal``, ``-wal``, ``-shm``) are gone when the block ends.
    """
    work = tmp.with_name(tmp.name + ".gpkg")
    try:
        yield work
        os.replace(work, tmp)
    finally:
        for part in (work, *work.parent.glob(f"{glob.escape(work.name)}-*")):
            part.unlink(missing_ok=True)


def write_gpkg(layers: list[ExportLayer], path: Path, crs: str) -> None:
    """Write ``layers``, the provenance and ``layer_styles`` into a new GeoPackage at ``path``."""
    with fixed_gdal_date():
        for layer in layers:
            write_layer(layer.frame, path, layer.name, layer.title, layer.geometry)
        write_layer(provenance_table(crs), path, "provenance", "Nguồn gốc dữ liệu, hệ toạ độ, phép chuyển datum",
                    None)
        write_layer(style_table(layers), path, "layer_styles", "Kiểu hiển thị QGIS", None)


def export_gpkg(path: str | os.PathLike, crs: str = PLANNING_CRS, *,
                inputs: tuple[str | os.PathLike, ...] = (), plans=(), code_field: str | None = None) -> ExportResult:
    """Write the whole toolkit as one styled GeoPackage for QGIS.

    Parameters
    ----------
    path : path-like
        The ``.gpkg`` to write (replaced atomically if it exists).
    crs : {"EPSG:5899", "EPSG:4326"}
        CRS of every layer. Areas (``area_ha``) are always planimetric in EPSG:5899.
    inputs : paths
        Files the caller read; ``path`` may be none of them.
    plans : paths
        The user's layers (plans) to add first, each styled by its land-use codes
        (:func:`haiha_geo.exchange.layers.plan_layer`).
    code_field : str, optional
        The column of the plans' codes (default: found from the names and values).

    Returns
    -------
    ExportResult
        The path and the number of features (or rows) of each layer.

    Raises
    ------
    OutputPathError
        ``path`` does not end in ``.gpkg``, or cannot be written.
    CRSError
        ``crs`` is neither EPSG:5899 nor EPSG:4326.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = export_gpkg(pathlib.Path(tempfile.mkdtemp()) / "hai_ha.gpkg")
    >>> out.layers["units_2025"], out.layers["sheets_2000"], out.crs
    (4, 32, 'EPSG:5899')
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise OutputPathError(f"{path}: a GeoPackage file name ends in .gpkg (QGIS recognises it by that); "
                              f"for example {path.with_suffix('.gpkg').name}")
    layers = export_layers(crs, plans, code_field)
    crs = layers[0].frame.crs.to_string() if layers else crs
    with atomic_path(path, (*inputs, *plans)) as tmp, gpkg_work_file(tmp) as work, writing_to(path):
        write_gpkg(layers, work, crs)
    return ExportResult(path, crs, {layer.name: len(layer.frame) for layer in layers},
                        {layer.name: layer.geometry for layer in layers})
