"""Reading a zoning plan from GIS or CAD files into land-use polygons in EPSG:5899.

GeoPackage, Shapefile and GeoJSON are read through GDAL (:func:`haiha_geo.io.read_layer`).
DXF is read with ezdxf (the ``dxf`` extra): closed LWPOLYLINE/POLYLINE and
HATCH entities of model space become polygons (arcs flattened to a 1 mm sagitta);
open polylines are reported and skipped. DXF carries no CRS, so the caller
must state it (``crs="EPSG:5899"``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path
from typing import Union

import geopandas as gpd
import shapely

from haiha_geo.crs import require_crs, to_planning
from haiha_geo.errors import CRSError, GeometryError, InputFileError
from haiha_geo.io import read_layer
from haiha_geo.zoning.categories import read_user_csv

PlanInput = Union[gpd.GeoDataFrame, str, os.PathLike]
#: Code-map values that drop the features of a CAD layer (frames, annotation).
IGNORE = frozenset({"", "-", "ignore"})
#: Chord tolerance, in drawing units (m), when flattening arcs and bulges.
FLATTEN_M = 0.001


def load_plan(plan: PlanInput, *, field: str | None = None, code_map: str | os.PathLike | dict | None = None,
              layer: str | None = None, crs: str | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the plan as a GeoDataFrame (``code``, geometry in EPSG:5899) and notes on what was skipped.

    ``field`` defaults to ``"code"``, or ``"layer"`` for DXF.

    Examples
    --------
    >>> from shapely import box
    >>> plan = gpd.GeoDataFrame({"zone": [" NO-M "]}, geometry=[box(500000, 2372000, 500010, 2372010)], crs="EPSG:5899")
    >>> frame, notes = load_plan(plan, field="zone")
    >>> frame["code"].tolist(), frame.crs.to_epsg(), notes
    (['NO-M'], 5899, [])
    """
    notes: list[str] = []
    if isinstance(plan, gpd.GeoDataFrame):
        frame, label = plan, "plan"
    elif Path(plan).suffix.lower() == ".dxf":
        frame, notes = read_dxf(plan, crs=crs)
        field, label = field or "layer", Path(plan).name
    else:
        frame, label = read_layer(plan, layer=layer, crs=crs, what="plan"), Path(plan).name
    field = field or "code"
    if field not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"{label} has no column {field!r}; columns: {columns or '(none)'}")
    codes = _codes(frame[field], label, field)
    if code_map is not None:
        codes = _apply_map(codes, code_map if isinstance(code_map, dict) else read_code_map(code_map))
    frame = gpd.GeoDataFrame({"code": codes.to_numpy()}, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    frame = frame[frame["code"].notna()].reset_index(drop=True)
    if frame.empty:
        raise InputFileError(f"{label}: no land-use polygons left after applying the code map")
    planning = to_planning(frame)
    planning, repaired = _polygons(planning, label)
    if repaired:
        notes.append(f"{label}: {repaired} invalid polygon(s) repaired with make_valid; check them in the source")
    return planning, notes


def _codes(values, label: str, field: str):
    codes = values.astype("string").str.strip()
    blank = codes.isna() | (codes == "")
    if blank.any():
        rows = ", ".join(str(i) for i in values.index[blank][:10])
        raise InputFileError(f"{label}: {int(blank.sum())} feature(s) have no value in {field!r} (rows {rows})")
    return codes


def _apply_map(codes, mapping: dict[str, str | None]):
    keys = {str(k).strip().casefold(): v for k, v in mapping.items()}
    return codes.map(lambda value: keys.get(value.casefold(), value))


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


def _polygons(frame: gpd.GeoDataFrame, label: str) -> tuple[gpd.GeoDataFrame, int]:
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = ~((kinds == 3) | (kinds == 6))
    if bad.any():
        rows = ", ".join(str(i) for i in frame.index[bad][:10])
        raise GeometryError(f"{label}: {int(bad.sum())} feature(s) are not polygons (rows {rows}); "
                            "a land-use plan needs polygons")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        geoms[invalid] = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                          for g in fixed]
    return frame.set_geometry(geoms, crs=frame.crs), int(invalid.sum())


def read_dxf(path: str | os.PathLike, *, crs: str | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read the closed shapes of a DXF drawing's model space as polygons.

    Returns a GeoDataFrame (``layer``, ``entity``, ``handle``, geometry in
    ``crs``) and notes on skipped entities (open polylines, block
    references, duplicates of a hatch and its boundary).

    Raises
    ------
    CRSError
        When ``crs`` is not given: a DXF file records no coordinate system.
    InputFileError
        Missing or unreadable file, ezdxf not installed, or no closed shapes.

    Examples
    --------
    >>> import pathlib, tempfile, ezdxf
    >>> doc = ezdxf.new()
    >>> _ = doc.modelspace().add_lwpolyline([(500000, 2372000), (500100, 2372000), (500100, 2372100),
    ...     (500000, 2372100)], close=True, dxfattribs={"layer": "NO-M"})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "plan.dxf"
    >>> doc.saveas(p)
    >>> frame, notes = read_dxf(p, crs="EPSG:5899")
    >>> frame.loc[0, "layer"], float(frame.area.iloc[0])
    ('NO-M', 10000.0)
    """
    path = Path(path)
    if crs is None:
        raise CRSError(f"{path.name}: a DXF drawing records no coordinate reference system; state it, for "
                       "example crs='EPSG:5899' (CLI: --crs EPSG:5899) for VN-2000 / TM-3 107°45′")
    msp = _open_dxf(path).modelspace()
    rows, skipped = [], Counter()
    for entity in msp:
        kind = entity.dxftype()
        shape = _shape(entity) if kind in ("LWPOLYLINE", "POLYLINE", "HATCH") else None
        if shape is None:
            skipped[_skip_reason(entity, kind)] += 1
        elif not shape.is_empty and shape.area > 0:
            rows.append({"layer": entity.dxf.layer, "entity": kind, "handle": entity.dxf.handle, "geometry": shape})
    if not rows:
        raise InputFileError(f"{path.name}: no closed polylines or hatches in model space")
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame, duplicates = _drop_duplicates(frame)
    require_crs(frame, path.name)
    notes = [f"{path.name}: skipped {n} {reason}" for reason, n in sorted(skipped.items()) if reason]
    if duplicates:
        notes.append(f"{path.name}: dropped {duplicates} shape(s) repeating another on the same layer "
                     "(a hatch and its boundary polyline)")
    return frame, notes


def _open_dxf(path: Path):
    try:
        import ezdxf
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputFileError("reading DXF needs the ezdxf package: pip install 'haiha-geo[dxf]'") from None
    if not path.exists():
        raise InputFileError(f"{path.name}: file {path} does not exist")
    try:
        return ezdxf.readfile(path)
    except (OSError, ezdxf.DXFError) as exc:
        raise InputFileError(f"{path.name}: cannot read as DXF ({exc})") from None


def _skip_reason(entity, kind: str) -> str:
    if kind in ("LWPOLYLINE", "POLYLINE"):
        return f"open polyline(s) (layer {entity.dxf.layer})"
    if kind == "INSERT":
        return "block reference(s) (INSERT): explode them in CAD to include their shapes"
    return ""


def _shape(entity) -> shapely.Geometry | None:
    from ezdxf import path as dxfpath

    if entity.dxftype() == "HATCH":
        rings = [_ring(p) for p in dxfpath.from_hatch(entity)]
        rings = [shapely.make_valid(shapely.Polygon(r)) for r in rings if len(r) >= 3]
        shape = shapely.Polygon()
        for ring in rings:  # even-odd fill: islands cut holes, islands in holes fill again
            shape = shape.symmetric_difference(ring)
        return shape
    if entity.dxftype() == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline):
        return None
    points = _chain(entity.virtual_entities())
    closed = entity.is_closed or (len(points) > 2 and points[0] == points[-1])
    return shapely.Polygon(points) if closed and len(points) >= 3 else None


def _ring(path) -> list[tuple[float, float]]:
    return [(v.x, v.y) for v in path.flattening(FLATTEN_M)]


def _chain(segments) -> list[tuple[float, float]]:
    """Vertices (WCS x, y) of a polyline from its LINE and ARC pieces; arcs sampled with a sagitta of FLATTEN_M."""
    points: list[tuple[float, float]] = []
    for segment in segments:
        if segment.dxftype() == "ARC":
            run = [(v.x, v.y) for v in segment.flattening(FLATTEN_M)]
        else:
            run = [(segment.dxf.start.x, segment.dxf.start.y), (segment.dxf.end.x, segment.dxf.end.y)]
        if points and math.dist(run[-1], points[-1]) < math.dist(run[0], points[-1]):
            run.reverse()  # ARC entities always run counter-clockwise
        points.extend(run[1:] if points else run)
    return points


def _drop_duplicates(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    keep, seen = [], {}
    for i, (layer, geom) in enumerate(zip(frame["layer"], frame.geometry)):
        twins = seen.setdefault(layer, [])
        keep.append(not any(shapely.equals_exact(shapely.normalize(geom), t, 1e-6) or
                             abs(geom.symmetric_difference(t).area) < 1e-6 * max(geom.area, 1.0) for t in twins))
        if keep[-1]:
            twins.append(shapely.normalize(geom))
    frame = frame[keep].reset_index(drop=True)
    return frame, len(keep) - sum(keep)
