"""Offline maps for the notebooks, drawn with the toolkit's own map builder.

:func:`quick_map` writes each layer to a temporary GeoJSON file, declares it
as a ``file`` layer of a map spec and renders the page with
``haiha_geo.maps.build_map(..., offline=True)``: Leaflet and the controls are
inlined, no basemap is asked for, so the notebook's maps draw with no network
(folium, by contrast, loads Leaflet, jQuery and Bootstrap from CDNs). The
page is shown in an ``<iframe srcdoc>``, so it runs in its own document.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import geopandas as gpd

from haiha_geo.crs import to_geographic
from haiha_geo.maps import build_map, parse_spec

#: Style keys the map spec accepts (Leaflet path options).
STYLE_KEYS = ("color", "weight", "opacity", "fillColor", "fillOpacity", "dashArray")


class OfflineMap:
    """A self-contained map page that Jupyter shows in an iframe (``_repr_html_``)."""

    def __init__(self, page: str, height: int = 520):
        self.html = page
        self.height = height

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:{self.height}px;'
                'border:1px solid #ccc" sandbox="allow-scripts"></iframe>')

    def save(self, path: str | Path) -> None:
        """Write the page to ``path``."""
        Path(path).write_text(self.html, encoding="utf-8")


def _groups(frame: gpd.GeoDataFrame, style: dict):
    """One (name, frame, style) per fill colour when ``style`` names a ``fill_column``; else the layer itself."""
    name = style.get("name", "layer")
    base = {k: v for k, v in style.items() if k in STYLE_KEYS}
    column = style.get("fill_column")
    if column is None:
        yield name, frame, base
        return
    colours = frame[column].fillna("#cccccc")
    for colour in sorted(set(colours)):
        part = frame[colours == colour]
        codes = ", ".join(sorted(set(part["code"]))) if "code" in part.columns else colour
        yield f"{name}: {codes}", part, {**base, "fillColor": colour}


def quick_map(*layers: tuple[gpd.GeoDataFrame, dict, list[str]], title: str = "Bản đồ") -> OfflineMap:
    """An offline map of ``(frame, style, popup columns)`` layers, fitted to them.

    ``style`` holds Leaflet path options and a ``name``; it may hold
    ``"fill_column"``: a column of hex colours, drawn as one layer per colour.
    """
    with tempfile.TemporaryDirectory() as tmp:
        specs = []
        for frame, style, fields in layers:
            geo = to_geographic(frame)
            for name, part, path_style in _groups(geo, style):
                keep = [c for c in fields if c in part.columns]
                path = Path(tmp) / f"layer{len(specs) + 1}.geojson"
                path.write_text(part[[*keep, part.geometry.name]].to_json(drop_id=True), encoding="utf-8")
                specs.append({"id": f"layer{len(specs) + 1}", "kind": "file", "name": name, "path": str(path),
                              "style": path_style})
        page = build_map(parse_spec({"title": title, "layers": specs}), offline=True).html
    return OfflineMap(page)
