"""Closed shapes of a MicroStation DGN v7 drawing (the format of Vietnamese cadastral maps) as polygons.

GDAL's DGN driver (in the pyogrio wheels) reads DGN **v7** (ISFF) files:
shapes (element type 6) and complex shapes (14) come as polygons, closed
line strings are closed here, every element carries its **level** (0–63),
the DGN counterpart of a CAD layer. Open lines, text (17) and cells are
reported and skipped. DGN **v8** (MicroStation V8/2004 and later, an OLE
container) needs GDAL's DGNv8 driver, built on the ODA libraries, which the
wheels do not include: save the drawing as V7 in MicroStation (*File ▸ Save
As ▸ V7 DGN*) or export it to DXF. A DGN v7 file records no CRS: the caller
states it.
"""

from __future__ import annotations

import os
from collections import Counter

import geopandas as gpd
import shapely

from haiha_geo.crs import require_crs
from haiha_geo.errors import InputFileError
from haiha_geo.zoning.dxf import _drop_duplicates, _gdal_shape, check_cad_file

#: First bytes of an OLE compound document: a DGN v8 file.
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
#: DGN element types worth naming in the notes.
ELEMENT_NAMES = {3: "line", 4: "line string", 6: "shape", 12: "complex chain", 14: "complex shape", 15: "ellipse",
                 16: "arc", 17: "text", 2: "cell header"}


def read_dgn(path: str | os.PathLike, *, crs: str | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read the closed shapes of a DGN v7 drawing as polygons with their level.

    Returns
    -------
    (GeoDataFrame, list of str)
        ``level`` (the DGN level as text, e.g. ``"12"``, so that a CAD layer
        map can name it), ``entity`` (element type), ``element`` (its number
        in the file), geometry in ``crs``; and notes on what was skipped.

    Raises
    ------
    CRSError
        When ``crs`` is not given.
    InputFileError
        Missing file, a DGN v8 file, an unreadable file, or no closed shapes.
    """
    path = check_cad_file(path, crs, "a DGN v7 drawing")
    with path.open("rb") as handle:
        if handle.read(8) == OLE_MAGIC:
            raise InputFileError(f"{path.name} is a DGN v8 file (MicroStation V8 or later), which GDAL reads only "
                                 "with the ODA libraries: save it as V7 DGN in MicroStation, or export it to DXF")
    import pyogrio

    try:
        raw = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"{path.name}: cannot read as DGN v7 ({exc})") from None
    rows, skipped = [], Counter()
    for number, (kind, level, geom) in enumerate(zip(raw["Type"], raw["Level"], raw.geometry)):
        shape = _gdal_shape(shapely.force_2d(geom)) if geom is not None else None
        name = ELEMENT_NAMES.get(int(kind), f"type {int(kind)}")
        if shape is None or shape.is_empty or shape.area <= 0:
            skipped[f"{name} element(s) that are not closed shapes (level {int(level)})"] += 1
        else:
            rows.append({"level": str(int(level)), "entity": name, "element": number, "geometry": shape})
    if not rows:
        raise InputFileError(f"{path.name}: no closed shapes (DGN shapes or closed line strings)")
    frame, duplicates = _drop_duplicates(gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).rename(
        columns={"level": "layer"}))
    frame = frame.rename(columns={"layer": "level"})
    require_crs(frame, path.name)
    notes = [f"{path.name}: skipped {n} {reason}" for reason, n in sorted(skipped.items())]
    if duplicates:
        notes.append(f"{path.name}: dropped {duplicates} shape(s) repeating another on the same level")
    return frame, notes
