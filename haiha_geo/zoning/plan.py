"""Reading a zoning plan from GIS or CAD files into land-use polygons in EPSG:5899.

GeoPackage, Shapefile and GeoJSON are read through GDAL (:func:`haiha_geo.vector_io.read_layer`);
DXF through :func:`haiha_geo.zoning.dxf.read_dxf`, DGN v7 through :func:`haiha_geo.zoning.dgn.read_dgn`.
Codes come from a column,
optionally renamed through a code map (CAD layer → land-use code).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo.crs import to_planning
from haiha_geo.errors import GeometryError, InputFileError
from haiha_geo.geometry import repair, report_repairs
from haiha_geo.vector_io import CHUNK_FEATURES, iter_layer
from haiha_geo.zoning.categories import read_user_csv
from haiha_geo.zoning.dgn import read_dgn
from haiha_geo.zoning.dxf import read_dxf

PlanInput = gpd.GeoDataFrame | str | os.PathLike
#: Code-map values that drop the features of a CAD layer (frames, annotation).
IGNORE = frozenset({"", "-", "ignore"})


def load_plan(plan: PlanInput, *, field: str | None = None, code_map: str | os.PathLike | dict | None = None,
              layer: str | None = None, crs: str | None = None,
              strict: bool = False) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the plan as a GeoDataFrame (``code``, geometry in EPSG:5899) and notes on what was skipped.

    ``field`` defaults to ``"code"``, ``"layer"`` for DXF, or ``"level"`` for DGN v7. Invalid polygons
    are repaired with a :class:`~haiha_geo.errors.GeometryRepairWarning` (each
    one, why, area before/after), or refused with ``strict``
    (:class:`~haiha_geo.errors.GeometryRepairError`). :func:`iter_plan` reads
    a large file chunk by chunk instead.

    Examples
    --------
    >>> from shapely import box
    >>> plan = gpd.GeoDataFrame({"zone": [" NO-M "]}, geometry=[box(500000, 2372000, 500010, 2372010)], crs="EPSG:5899")
    >>> frame, notes = load_plan(plan, field="zone")
    >>> frame["code"].tolist(), frame.crs.to_epsg(), notes
    (['NO-M'], 5899, [])
    """
    (frame, notes, repaired), = iter_plan(plan, field=field, code_map=code_map, layer=layer, crs=crs,
                                          chunk_features=None)
    report_repairs(repaired, strict, stacklevel=3)
    return frame, notes


def iter_plan(plan: PlanInput, *, field: str | None = None, code_map: str | os.PathLike | dict | None = None,
              layer: str | None = None, crs: str | None = None, chunk_features: int | None = CHUNK_FEATURES,
              ) -> Iterator[tuple[gpd.GeoDataFrame, list[str], list[dict]]]:
    """Read the plan chunk by chunk: ``(frame, notes, repairs)`` for each chunk of ``chunk_features`` features.

    ``frame`` is as :func:`load_plan` returns it; ``repairs`` are the rows of
    :func:`haiha_geo.geometry.repair` for the chunk's invalid polygons (already
    repaired in ``frame``); ``notes`` (CAD entities skipped) come with the first
    chunk. GIS files are read with :func:`haiha_geo.vector_io.iter_layer`, so
    peak memory grows with the chunk; a GeoDataFrame, DXF or DGN is one chunk.

    Raises
    ------
    InputFileError
        Unreadable file, missing or blank code column, or no polygon left after the code map.
    GeometryError, CRSError
        Features that are not polygons; a missing or implausible CRS.

    Examples
    --------
    >>> from shapely import box
    >>> plan = gpd.GeoDataFrame({"code": ["NO-M", "GT-DT"]}, geometry=[box(500000, 2372000, 500010, 2372010),
    ...                          box(500010, 2372000, 500020, 2372010)], crs="EPSG:5899")
    >>> [len(frame) for frame, _, _ in iter_plan(plan)]
    [2]
    """
    mapping = read_code_map(code_map) if isinstance(code_map, (str, os.PathLike)) else code_map
    notes: list[str] = []
    if isinstance(plan, gpd.GeoDataFrame):
        chunks, label = [plan], "plan"
    elif Path(plan).suffix.lower() == ".dxf":
        frame, notes = read_dxf(plan, crs=crs)
        chunks, field, label = [frame], field or "layer", Path(plan).name
    elif Path(plan).suffix.lower() == ".dgn":
        frame, notes = read_dgn(plan, crs=crs)
        chunks, field, label = [frame], field or "level", Path(plan).name
    else:
        chunks = iter_layer(plan, layer=layer, crs=crs, what="plan", chunk_features=chunk_features)
        label = Path(plan).name
    kept = 0
    for frame in chunks:
        planning, repaired = _plan_chunk(frame, field or "code", mapping, label)
        if len(planning):
            kept += len(planning)
            yield planning, notes, repaired
            notes = []
    if not kept:
        raise InputFileError(f"{label}: no land-use polygons left after applying the code map")


def _plan_chunk(frame: gpd.GeoDataFrame, field: str, mapping: dict | None,
                label: str) -> tuple[gpd.GeoDataFrame, list[dict]]:
    if field not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"{label} has no column {field!r}; columns: {columns or '(none)'}")
    codes = _codes(frame[field], label, field)
    if mapping is not None:
        codes = _apply_map(codes, mapping)
    frame = gpd.GeoDataFrame({"code": codes.array}, geometry=frame.geometry.to_numpy(), crs=frame.crs,
                             index=frame.index)
    if frame["code"].isna().any():  # features of CAD layers the code map drops
        frame = frame[frame["code"].notna()]
    return _polygons(to_planning(frame, copy=False), label) if len(frame) else (frame, [])


def _codes(values: pd.Series, label: str, field: str) -> pd.Series:
    """The codes of ``values``, stripped, as a categorical: each distinct value is handled once, not every row."""
    index, uniques = pd.factorize(values, use_na_sentinel=True)
    stripped = np.array([str(value).strip() for value in np.asarray(uniques, dtype=object)] + [""], dtype=object)
    blank = (stripped == "")[index]  # the sentinel -1 picks the trailing "": a missing value
    if blank.any():
        rows = ", ".join(str(i) for i in values.index[blank][:10])
        raise InputFileError(f"{label}: {int(blank.sum())} feature(s) have no value in {field!r} (rows {rows})")
    return _categorical(stripped[:-1], index, values.index)


def _apply_map(codes: pd.Series, mapping: dict[str, str | None]) -> pd.Series:
    keys = {str(k).strip().casefold(): v for k, v in mapping.items()}
    mapped = np.array([keys.get(code.casefold(), code) for code in codes.cat.categories], dtype=object)
    return _categorical(mapped, codes.cat.codes.to_numpy(), codes.index)


def _categorical(labels: np.ndarray, index: np.ndarray, rows: pd.Index) -> pd.Series:
    """Rows taking ``labels[index]`` as a categorical Series (one byte a row for up to 127 codes).

    Equal labels become one category (`` A`` and ``A`` strip alike; a code map may join layers); a label
    None and an index -1 are missing values.
    """
    which, categories = pd.factorize(labels)
    return pd.Series(pd.Categorical.from_codes(np.append(which, -1)[index], categories=categories), index=rows)


def read_code_map(path: str | os.PathLike) -> dict[str, str | None]:
    """Read a CSV mapping CAD layer names (or field values) to land-use codes.

    The file has a header with the columns ``layer`` (or ``cad_layer`` /
    ``value``) and ``code``. Names match case-insensitively. A code of ``-``,
    ``ignore`` or blank drops the layer (frames, annotation); names not in the
    file are kept as codes of their own.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "layers.csv"
    >>> _ = p.write_text("layer,code\\nQH_CAYXANH,CX-DT\\nKHUNG,ignore\\n", encoding="utf-8")
    >>> read_code_map(p)
    {'QH_CAYXANH': 'CX-DT', 'KHUNG': None}
    """
    rows = read_user_csv(path, "code-map file")
    header = set(rows[0]) if rows else set()
    key = next((k for k in ("layer", "cad_layer", "value") if k in header), None)
    if key is None or "code" not in header:
        raise InputFileError(f"code-map file {path} needs a header with 'layer' (or 'cad_layer'/'value') and 'code'")
    return {row[key].strip(): (None if (row["code"] or "").strip().casefold() in IGNORE else row["code"].strip())
            for row in rows if row[key] and row[key].strip()}


def _polygons(frame: gpd.GeoDataFrame, label: str) -> tuple[gpd.GeoDataFrame, list[dict]]:
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = ~((kinds == 3) | (kinds == 6))
    if bad.any():
        rows = ", ".join(str(i) for i in frame.index[bad][:10])
        raise GeometryError(f"{label}: {int(bad.sum())} feature(s) are not polygons (rows {rows}); "
                            "a land-use plan needs polygons")
    fixed, repaired = repair(geoms, frame.index, f"{label} row ")
    if not repaired:
        return frame, repaired
    return frame.set_geometry(fixed, crs=frame.crs), repaired
