"""Offline folium maps for the notebooks (no tile layer, so they need no network)."""

from __future__ import annotations

import folium
import geopandas as gpd

from haiha_geo.crs import to_geographic


def quick_map(*layers: tuple[gpd.GeoDataFrame, dict, list[str]]) -> folium.Map:
    """A folium map of ``(frame, style, tooltip columns)`` layers, fitted to them.

    ``style`` may hold ``"fill_column"``: a column of hex colours for each feature.
    """
    fmap = folium.Map(tiles=None, control_scale=True)
    bounds = None
    for frame, style, fields in layers:
        geo = to_geographic(frame)
        keep = [c for c in fields if c in geo.columns]
        geo = geo[keep + [geo.geometry.name]]
        if "fill_column" in style:
            geo = geo.assign(_fill=to_geographic(frame)[style["fill_column"]].fillna("#cccccc"))
        base = {k: v for k, v in style.items() if k not in ("fill_column", "name")}
        folium.GeoJson(
            geo.to_json(drop_id=True), name=style.get("name", "layer"),
            style_function=lambda f, base=base: base | ({"fillColor": f["properties"]["_fill"]}
                                                         if "_fill" in f["properties"] else {}),
            tooltip=folium.GeoJsonTooltip(fields=keep) if keep else None,
        ).add_to(fmap)
        minx, miny, maxx, maxy = geo.total_bounds
        bounds = [[miny, minx], [maxy, maxx]] if bounds is None else [
            [min(bounds[0][0], miny), min(bounds[0][1], minx)], [max(bounds[1][0], maxy), max(bounds[1][1], maxx)]]
    folium.LayerControl().add_to(fmap)
    fmap.fit_bounds(bounds)
    return fmap
