"""Closed shapes of a DXF drawing (AutoCAD) as polygons.

Two readers give the same polygons:

``ezdxf`` (the ``dxf`` extra, used when installed)
    closed LWPOLYLINE/POLYLINE (bulges sampled as true arcs, sagitta
    :data:`FLATTEN_M`) and HATCH boundaries (even-odd fill; arc edges through
    ezdxf's Bézier paths, within about 0.03 % of the radius).
``gdal``
    GDAL's DXF driver through pyogrio: hatches come as polygons, closed
    polylines as closed lines (arcs in GDAL's default 4° steps).

Only model space is read. Open polylines are reported and skipped, as are
block references (explode them in CAD first). A DXF file records no CRS:
the caller states it.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path

import geopandas as gpd
import shapely

from haiha_geo.crs import require_crs
from haiha_geo.errors import CRSError, InputFileError

#: Largest gap (m) between a sampled arc and the true arc.
FLATTEN_M = 0.001
ENGINES = ("ezdxf", "gdal")
#: GDAL DXF subclass → DXF entity name.
_GDAL_KINDS = {"AcDbPolyline": "LWPOLYLINE", "AcDb2dPolyline": "POLYLINE", "AcDb3dPolyline": "POLYLINE",
               "AcDbHatch": "HATCH", "AcDbBlockReference": "INSERT"}


def check_cad_file(path: str | os.PathLike, crs: str | None, kind: str) -> Path:
    """``path`` as a Path, once it exists and ``crs`` is given (CAD drawings record no CRS).

    Raises
    ------
    CRSError
        ``crs`` is None.
    InputFileError
        The file does not exist.
    """
    path = Path(path)
    if crs is None:
        raise CRSError(f"{path.name}: {kind} records no coordinate reference system; state it, for "
                       "example crs='EPSG:5899' (CLI: --crs EPSG:5899) for VN-2000 / TM-3 107°45′")
    if not path.exists():
        raise InputFileError(f"{path.name}: file {path} does not exist")
    return path


def read_dxf(path: str | os.PathLike, *, crs: str | None,
             engine: str | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read the closed shapes of a DXF drawing's model space as polygons.

    Parameters
    ----------
    path : path-like
    crs : str
        The drawing's CRS, e.g. ``"EPSG:5899"``; required.
    engine : {"ezdxf", "gdal"}, optional
        ezdxf when installed, else GDAL.

    Returns
    -------
    (GeoDataFrame, list of str)
        ``layer``, ``entity``, ``handle``, geometry in ``crs``; and notes on
        what was skipped (open polylines, block references, a hatch repeating
        its boundary polyline on the same layer).

    Raises
    ------
    CRSError
        When ``crs`` is not given.
    InputFileError
        Missing or unreadable file, or no closed shapes.

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
    path = check_cad_file(path, crs, "a DXF drawing")
    rows, skipped = (_gdal_rows if _engine(engine) == "gdal" else _ezdxf_rows)(path)
    rows = [r for r in rows if not r["geometry"].is_empty and r["geometry"].area > 0]
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


def _engine(engine: str | None) -> str:
    if engine is not None and engine not in ENGINES:
        raise InputFileError(f"unknown DXF engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if engine:
        return engine
    try:
        import ezdxf  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        return "gdal"
    return "ezdxf"


def _skip_reason(kind: str, layer: str) -> str:
    if kind in ("LWPOLYLINE", "POLYLINE"):
        return f"open polyline(s) (layer {layer})"
    if kind == "INSERT":
        return "block reference(s) (INSERT): explode them in CAD to include their shapes"
    return ""


def _row(layer: str, kind: str, handle: str, shape: shapely.Geometry) -> dict:
    return {"layer": layer, "entity": kind, "handle": handle, "geometry": shape}


# --- ezdxf -----------------------------------------------------------------------------------------

def _ezdxf_rows(path: Path) -> tuple[list[dict], Counter]:
    import ezdxf

    try:
        doc = ezdxf.readfile(path)
    except (OSError, ezdxf.DXFError) as exc:
        raise InputFileError(f"{path.name}: cannot read as DXF ({exc})") from None
    rows, skipped = [], Counter()
    for entity in doc.modelspace():
        kind = entity.dxftype()
        shape = _ezdxf_shape(entity) if kind in ("LWPOLYLINE", "POLYLINE", "HATCH") else None
        if shape is None:
            skipped[_skip_reason(kind, entity.dxf.layer)] += 1
        else:
            rows.append(_row(entity.dxf.layer, kind, entity.dxf.handle, shape))
    return rows, skipped


def _ezdxf_shape(entity) -> shapely.Geometry | None:
    from ezdxf import path as dxfpath

    if entity.dxftype() == "HATCH":
        rings = [[(v.x, v.y) for v in p.flattening(FLATTEN_M)] for p in dxfpath.from_hatch(entity)]
        return _even_odd([shapely.make_valid(shapely.Polygon(r)) for r in rings if len(r) >= 3])
    if entity.dxftype() == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline):
        return None
    points = _chain(entity.virtual_entities())
    closed = entity.is_closed or (len(points) > 2 and points[0] == points[-1])
    return shapely.Polygon(points) if closed and len(points) >= 3 else None


def _even_odd(polygons: list[shapely.Geometry]) -> shapely.Geometry:
    """Fill by parity: islands cut holes, islands inside holes fill again."""
    shape = shapely.Polygon()
    for polygon in polygons:
        shape = shape.symmetric_difference(polygon)
    return shape


def _chain(segments) -> list[tuple[float, float]]:
    """Vertices (WCS x, y) of a polyline from its LINE and ARC pieces, arcs sampled within FLATTEN_M."""
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


# --- GDAL ------------------------------------------------------------------------------------------

def _gdal_rows(path: Path) -> tuple[list[dict], Counter]:
    import pyogrio

    previous = pyogrio.get_gdal_config_option("DXF_INLINE_BLOCKS")
    pyogrio.set_gdal_config_options({"DXF_INLINE_BLOCKS": "FALSE"})
    try:
        raw = pyogrio.read_dataframe(path, layer="entities")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"{path.name}: cannot read as DXF ({exc})") from None
    finally:
        pyogrio.set_gdal_config_options({"DXF_INLINE_BLOCKS": previous})
    rows, skipped = [], Counter()
    for layer, classes, handle, paper, geom in zip(raw["Layer"], raw["SubClasses"], raw["EntityHandle"],
                                                   raw.get("PaperSpace", [None] * len(raw)), raw.geometry):
        if str(paper) in ("1", "True") or geom is None:
            continue
        kind = next((_GDAL_KINDS[c] for c in str(classes).split(":") if c in _GDAL_KINDS), str(classes))
        shape = _gdal_shape(shapely.force_2d(geom))
        if shape is None:
            skipped[_skip_reason(kind, layer)] += 1
        else:
            rows.append(_row(layer, kind, handle, shape))
    return rows, skipped


def _gdal_shape(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return _even_odd([shapely.make_valid(shapely.Polygon(r)) for p in shapely.get_parts(geom)
                          for r in (p.exterior, *p.interiors)])
    if geom.geom_type == "LineString" and geom.is_closed and len(geom.coords) >= 4:
        return shapely.Polygon(geom.coords)
    return None


def _drop_duplicates(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    keep, seen = [], {}
    for layer, geom in zip(frame["layer"], frame.geometry):
        twins = seen.setdefault(layer, [])
        keep.append(not any(geom.symmetric_difference(t).area < 1e-6 * max(geom.area, 1.0) for t in twins))
        if keep[-1]:
            twins.append(geom)
    frame = frame[keep].reset_index(drop=True)
    return frame, len(keep) - sum(keep)
