"""What every map layer builder shares: the build state, the palette and styles, number and date
formats, label placement, and GeoJSON features with popup rows.

The builders of :mod:`haiha_geo.maps.builder` (eras, mergers, user files) and
:mod:`haiha_geo.maps.thematic` (sites, new-rural status) all take a
:class:`Build` and return a layer definition (:class:`haiha_geo.maps.payload.LayerDef`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo.maps.spec import LayerSpec, MapSpec
from haiha_geo.maps.topology import SimplifyReport

#: Name of the topology object holding site footprints dissolved from the simplified units.
FOOTPRINT_OBJECT = "footprints"
#: Unit fills: a qualitative palette (ColorBrewer Set3), cycled in unit order.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
           "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
DEFAULT_STYLE = {"color": "#333333", "weight": 1.5, "opacity": 0.9, "fillOpacity": 0.35}


@dataclass
class Build:
    """State collected while the layers are built."""

    spec: MapSpec
    tolerance_m: float
    digits: int
    source: str
    objects: dict[str, list] = field(default_factory=dict)
    layers: list[dict] = field(default_factory=list)
    reports: dict[str, SimplifyReport] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    bounds: list[float] | None = None
    topology: Any = None
    geometry: Any = None  # the era geometry (builder.EraGeometry), when the map shows eras
    era_props: dict[str, list] = field(default_factory=dict)  # popup/label properties of each era's units
    registry: Any = None  # the registry tables a map needs (builder.MapRegistry)


def layer_style(spec: LayerSpec, **extra: Any) -> dict:
    return {**DEFAULT_STYLE, **extra, **spec.style}


def vn_number(value: float, digits: int = 1) -> str:
    """Format a number the Vietnamese way (``.`` thousands, ``,`` decimals).

    Examples
    --------
    >>> vn_number(13437.26, 1)
    '13.437,3'
    """
    return f"{value:,.{digits}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def vn_date(iso: Any) -> str:
    """``2025-07-01`` → ``01/07/2025``; missing → ``nay`` (now).

    Examples
    --------
    >>> vn_date("2020-02-01"), vn_date(None)
    ('01/02/2020', 'nay')
    """
    if iso is None or (isinstance(iso, float) and np.isnan(iso)) or iso is pd.NA or str(iso) == "":
        return "nay"
    year, month, day = str(iso)[:10].split("-")
    return f"{day}/{month}/{year}"


#: Confidence tags (``*_confidence`` columns) and what they mean, for the visible mark and its legend.
CONFIDENCE_TAGS = {"C": "xác nhận trong văn bản gốc", "C2": "nguồn thứ cấp", "I": "suy luận"}


def tagged(text: str, tag: Any) -> str:
    """``text`` with its confidence mark, e.g. ``01/02/2020 [I]`` (no mark when no tag is recorded).

    A tag such as ``"C2 for 2025; I for 2019/2020"`` is kept whole.

    Examples
    --------
    >>> tagged("01/02/2020", "I"), tagged("2.602 ha", None)
    ('01/02/2020 [I]', '2.602 ha')
    """
    return f"{text} [{str(tag).strip()}]" if present(tag) and str(tag).strip() else text


def present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value))


def _round_point(point: shapely.Point, digits: int) -> list[float]:
    return [round(point.x, digits), round(point.y, digits)]


def label_point(geom: shapely.Geometry, digits: int) -> list[float]:
    """A point well inside the largest part of ``geom`` (centre of its largest inscribed circle)."""
    parts = shapely.get_parts(geom)
    largest = parts[np.argmax(shapely.area(parts))]
    centre = shapely.get_point(shapely.maximum_inscribed_circle(largest, 1e-4), 0)
    return _round_point(centre, digits)


def label_min_zoom(area_ha: float, width_px: float = 64.0, lat: float = 21.45) -> float:
    """Web-map zoom from which a unit of ``area_ha`` is about ``width_px`` wide on screen (its name fits).

    Examples
    --------
    >>> label_min_zoom(16078.2), label_min_zoom(140.9)
    (9.5, 12.9)
    """
    metres_per_px_at_zoom0 = 156543.03392 * math.cos(math.radians(lat))
    return round(math.log2(width_px * metres_per_px_at_zoom0 / math.sqrt(area_ha * 1e4)), 1)


_TITLE_COLUMNS = ("name_vi", "ten", "tên", "name", "label", "title", "NAME_3")


def _cell(value: Any) -> str | None:
    if not present(value):
        return None
    if isinstance(value, float):
        return vn_number(value, 2) if abs(value) < 1e15 else str(value)
    return str(value)


def geojson_features(frame: gpd.GeoDataFrame, digits: int, title_prefix: str) -> list[dict]:
    """GeoJSON features (coordinates rounded to ``digits``) with popup rows from every attribute.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"name": ["<b>x</b>"]}, geometry=[shapely.Point(107.123456, 21.4)], crs="EPSG:4326")
    >>> f = geojson_features(pts, 4, "Lớp")[0]
    >>> f["geometry"]["coordinates"], f["properties"]["title"]
    ([107.1235, 21.4], '<b>x</b>')
    """
    title_col = next((c for c in _TITLE_COLUMNS if c in frame.columns), None)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    rounded = shapely.transform(np.asarray(frame.geometry.values, dtype=object), lambda xy: np.round(xy, digits))
    out = []
    for i, (record, geom) in enumerate(zip(frame[columns].to_dict("records"), rounded)):
        rows = [[str(c), text] for c in columns if (text := _cell(record[c])) is not None]
        title = _cell(record[title_col]) if title_col else None
        out.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom) | {},
                    "properties": {"title": title or f"{title_prefix} #{i + 1}", "rows": rows}})
    return [_lists(f) for f in out]


def _lists(value: Any) -> Any:
    """Tuples (from ``mapping``) → lists, so the JSON is the same whatever built it."""
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value
