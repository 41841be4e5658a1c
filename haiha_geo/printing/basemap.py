"""The base context of a printed map: neighbouring units named, the national border, foreign land and the sea.

Everything comes from the reference source the era's units are drawn from
(the ``split_source`` of an era that has one): its province file gives the
neighbours (districts before the place's level was abolished, the xã and
phường after), its ``segments`` file the outline classed as
``china_border_candidate``, ``coastline`` and ``shared_with_neighbouring_quang_ninh_units``
(a heuristic of the source's extract, see its SOURCE.md). The land beyond
the national border is labelled with the country, the water with "Biển"
(no cited source names the gulf for this coast).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from haiha_geo import timeline
from haiha_geo.crs import PLANNING_CRS, to_planning
from haiha_geo.place import place
from haiha_geo.printing.draw import _polygon_path
from haiha_geo.printing.layers import PrintLayer
from haiha_geo.sources import read_source, source_info

#: Segment classes of the national border and of the coast in a source's ``segments`` file.
BORDER_CLASS = "china_border_candidate"
COAST_CLASS = "coastline"
#: How far beyond the drawn units the context reaches, m (a 1:100,000 A0 frame is 85 km wide).
REACH_M = 60_000
#: Neighbours within this distance of the drawn units are drawn and named, m.
NEAR_M = 20_000
#: Seaward gaps between the drawn units and the source's outline of them count as sea within this of the coast, m.
COAST_GAP_M = 1_000
#: Step along the province's northern edge when the foreign land is traced east of the border's end, m.
EDGE_STEP_M = 250
NEIGHBOUR_STYLE = {"color": "#8c8c8c", "weight": 0.8, "fillColor": "#f0f0f0", "fillOpacity": 1.0}
SEA_STYLE = {"color": "#9ecae1", "weight": 0, "fillColor": "#deebf7", "fillOpacity": 1.0}
#: The land beyond the border is only named (its extent in the frame is not a cited line), not filled.
NAME_ONLY = {"color": "#000000", "weight": 0, "fillOpacity": 0}
#: A national border: heavy dash-dot-dot, as on Vietnamese administrative maps.
BORDER_STYLE = {"color": "#000000", "weight": 3.5, "dashArray": "14 4 2 4 2 4", "fillOpacity": 0}
WORDS = {
    "vi": {"neighbours": "Đơn vị hành chính lân cận", "border": "Biên giới quốc gia", "foreign": "TRUNG QUỐC",
           "sea": "Biển"},
    "en": {"neighbours": "Neighbouring units", "border": "National border", "foreign": "CHINA", "sea": "Sea"},
}


def spaced(name: str) -> str:
    """A name with the spaces GADM leaves out put back ("MóngCái" → "Móng Cái").

    Examples
    --------
    >>> spaced("MóngCái"), spaced("Đầm Hà"), spaced("ĐầmHà")
    ('Móng Cái', 'Đầm Hà', 'Đầm Hà')
    """
    return "".join(f" {c}" if i and c.isupper() and name[i - 1].islower() else c for i, c in enumerate(name))


def _source(layer: PrintLayer) -> str:
    return timeline.era(layer.era).split_source or layer.frame.attrs["provenance"]["boundary_source"]


def _province(source: str) -> gpd.GeoDataFrame:
    """The source's province file in EPSG:5899, its polygons made valid (the extracts carry self-intersections)."""
    province = to_planning(read_source(source, "province"))
    province.geometry = shapely.make_valid(province.geometry.values)
    return province


def _neighbours(source: str, era: str, own) -> gpd.GeoDataFrame:
    """Units of the source's province file near ``own`` and outside it, named; districts before the abolition."""
    province = _province(source)
    abolished = place().abolished_from
    district = "NAME_2" in province.columns and (abolished is None or timeline.era(era).valid_from < abolished)
    field = "NAME_2" if district else source_info(source)["fields"]["name"]
    kind = "type" if not district and "type" in province.columns else None
    names = [spaced(str(n)) if kind is None else f"{str(t).lower()} {n}" for n, t in
             zip(province[field], province[kind] if kind else province[field])]
    frame = gpd.GeoDataFrame({"label": names}, geometry=province.geometry.values, crs=PLANNING_CRS)
    frame = frame.dissolve("label", as_index=False)
    inside = shapely.area(shapely.intersection(frame.geometry.values, own)) / shapely.area(frame.geometry.values)
    near = shapely.dwithin(frame.geometry.values, own, NEAR_M)
    return frame[(inside < 0.5) & near].reset_index(drop=True)


def context_layers(layers: list[PrintLayer], lang: str = "vi") -> tuple[list[PrintLayer], list[PrintLayer]]:
    """(layers drawn below, layers drawn above) the units of the first era layer of ``layers``; none without one.

    Examples
    --------
    >>> from haiha_geo.printing.layers import era_layer
    >>> from haiha_geo.printing.titleblock import words
    >>> below, above = context_layers([era_layer("2025", "vi", words("vi"))])
    >>> [layer.legend for layer in below + above]
    ['Biển', 'Đơn vị hành chính lân cận', '', 'Biên giới quốc gia']
    """
    units = next((layer for layer in layers if layer.era), None)
    if units is None:
        return [], []
    w = WORDS["en" if lang == "en" else "vi"]
    source = _source(units)
    own = shapely.union_all(shapely.make_valid(layer_geometries(units)))
    segments = to_planning(read_source(source, "segments"))
    border = shapely.union_all(segments.geometry.values[segments["segment_class"].values == BORDER_CLASS])
    province = _province(source).geometry.values
    land = shapely.union_all(province)
    box = shapely.box(*(shapely.buffer(own, REACH_M, cap_style="square").bounds))
    beyond = _north_of(border, box, land)
    coast = shapely.union_all(segments.geometry.values[segments["segment_class"].values == COAST_CLASS])
    sea = sea_area(box.difference(beyond), own, province, coast, land)
    below = [PrintLayer(_named(shapely.get_parts(sea), w["sea"]), SEA_STYLE, w["sea"], True),
             PrintLayer(_neighbours(source, units.era, own), NEIGHBOUR_STYLE, w["neighbours"], True),
             PrintLayer(_named(shapely.get_parts(beyond.difference(land)), w["foreign"]), NAME_ONLY, "", True)]
    above = [PrintLayer(gpd.GeoDataFrame(geometry=[border], crs=PLANNING_CRS), BORDER_STYLE, w["border"])] \
        if not border.is_empty else []
    return [layer for layer in below if len(layer.frame)], above


def _ordered(border) -> shapely.LineString:
    """The longest run of the border, west to east."""
    merged = shapely.line_merge(border)
    line = max(getattr(merged, "geoms", [merged]), key=lambda g: g.length)
    return line if line.coords[0][0] <= line.coords[-1][0] else line.reverse()


def sea_area(box, own, province, coast, land: shapely.Geometry | None = None) -> shapely.Geometry:
    """The sea in ``box``: what is neither a drawn unit (``own``) nor land of the source's province file, near
    the ``coast``, and the seaward gaps between the drawn units and the source's own outline of them.

    The drawn units (GADM) and the source (vn3dmap2025) draw the coast apart by up to some hundred metres;
    the source's land that belongs to the drawn units (half its area or more inside them) but lies outside
    them, within :data:`COAST_GAP_M` of the coast and touching the open sea, is sea on the page, so the sea
    meets the drawn coast instead of leaving a white strip. ``land``: the union of ``province`` when the
    caller has it already (None: merged here).

    Examples
    --------
    >>> unit, source_unit = shapely.box(0, 0, 10, 10), shapely.box(0, 0, 10, 12)
    >>> coast = shapely.LineString([(0, 12), (10, 12)])
    >>> sea = sea_area(shapely.box(-5, -5, 15, 20), [unit], [source_unit], coast)
    >>> round(sea.area), sea.touches(unit)
    (400, True)
    """
    if coast.is_empty:
        return shapely.Polygon()
    province = np.asarray(province, dtype=object)
    drawn = shapely.union_all(own)
    share = shapely.area(shapely.intersection(province, drawn)) / shapely.area(province)
    land = shapely.union_all(province) if land is None else land
    outside = shapely.get_parts(box.difference(land).difference(drawn))
    open_sea = shapely.union_all(outside[shapely.dwithin(outside, coast, 1000)])
    gaps = shapely.get_parts(shapely.union_all(province[share >= 0.5]).difference(drawn)
                             .intersection(coast.buffer(COAST_GAP_M)).intersection(box))
    seaward = gaps[shapely.dwithin(gaps, open_sea, 1e-6)] if not open_sea.is_empty else gaps[:0]
    return shapely.union_all([open_sea, *seaward])


def _north_of(border, box, land) -> shapely.Polygon:
    """The part of ``box`` beyond the border: above the border, extended level to the box's west side and, east
    of its end, along the top of the province's ``land`` (then level from the land's eastern end).

    East of the district the national border runs on along the province's northern edge (Móng Cái) to
    the sea; a level line from the district's border end would cut the sea east of it.
    """
    if border.is_empty:
        return shapely.Polygon()
    line, (x0, _, x1, y1) = _ordered(border), box.bounds
    (_, ya), (xb, yb) = line.coords[0], line.coords[-1]
    east = _tops(land, np.arange(xb + EDGE_STEP_M, land.bounds[2], EDGE_STEP_M), y1)
    last = east[-1][1] if len(east) else yb
    return shapely.Polygon([(x0, ya), *line.coords, *east, (x1, last), (x1, y1), (x0, y1)]).buffer(0)


def _tops(land, xs: np.ndarray, y1: float) -> np.ndarray:
    """The northernmost point of ``land`` on each meridian line at ``xs`` that meets it, as (x, y) rows."""
    lines = shapely.linestrings([[(x, land.bounds[1]), (x, y1)] for x in xs]) if len(xs) else np.array([])
    cuts = shapely.intersection(land, lines)
    hit = ~shapely.is_empty(cuts)
    return np.column_stack([xs[hit], shapely.bounds(cuts[hit])[:, 3]]) if hit.any() else np.empty((0, 2))


def _named(parts, label: str) -> gpd.GeoDataFrame:
    """One feature ``label`` of the union of ``parts`` (none when they are empty)."""
    geom = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    keep = [] if geom.is_empty else [0]
    return gpd.GeoDataFrame({"label": [label][:len(keep)]}, geometry=[geom][:len(keep)], crs=PLANNING_CRS)


#: Least share of an inset's width (or height) the frame takes; below it a second, zoomed inset is added.
MIN_FRAME_SHARE = 0.08


def location_insets(layers: list[PrintLayer], clip, w: dict) -> list:
    """Drawers of the location inset (sơ đồ vị trí): the frame (red) on the drawn units among their neighbours,
    then, where the frame is under :data:`MIN_FRAME_SHARE` of that inset, the frame in its unit, zoomed.

    The zoomed inset shows the units the frame meets; where even they make the frame smaller than
    :data:`MIN_FRAME_SHARE`, a square around the frame with the frame at that share. Returns callables
    ``(paper, box, size_pt)`` for :class:`haiha_geo.printing.page.PageContent` ``extras``, none without
    an era layer.

    Examples
    --------
    >>> from haiha_geo.printing.layers import era_layer
    >>> from haiha_geo.printing.titleblock import words
    >>> units = era_layer("2025", "vi", words("vi"))
    >>> frame = units.frame.geometry.iloc[0].representative_point().buffer(125, cap_style="square")
    >>> len(location_insets([units], frame, words("vi"))), len(location_insets([units], frame.buffer(2e4), words("vi")))
    (2, 1)
    """
    units = next((layer for layer in layers if layer.era), None)
    if units is None:
        return []
    own = shapely.make_valid(layer_geometries(units))
    province = _province(_source(units)).geometry.values
    extent = shapely.union_all([*own, clip]).buffer(NEAR_M / 2).envelope
    drawers = [_inset(province, own, clip, extent, w["inset"])]
    if frame_share(clip, extent) < MIN_FRAME_SHARE:
        drawers.append(_inset(province, own, clip, zoom_extent(own, clip), w["inset_zoom"]))
    return drawers


def frame_share(clip, extent) -> float:
    """The frame's side over the extent's, the larger of the two axes (the inset keeps the extent's shape).

    Examples
    --------
    >>> frame_share(shapely.box(0, 0, 10, 10), shapely.box(0, 0, 100, 50))
    0.1
    """
    fx0, fy0, fx1, fy1 = clip.bounds
    ex0, ey0, ex1, ey1 = extent.bounds
    return max(fx1 - fx0, fy1 - fy0) / max(ex1 - ex0, ey1 - ey0)


def zoom_extent(own, clip):
    """The extent of the zoomed inset: the units ``clip`` meets (5 % margin), or a square with the frame at
    :data:`MIN_FRAME_SHARE` of its side where they are larger."""
    met = [g for g in own if g.intersects(clip)]
    around = shapely.union_all([*met, clip])
    extent = around.buffer(0.05 * max(around.bounds[2] - around.bounds[0], around.bounds[3] - around.bounds[1]))
    extent = extent.envelope
    if frame_share(clip, extent) >= MIN_FRAME_SHARE:
        return extent
    x0, y0, x1, y1 = clip.bounds
    half = max(x1 - x0, y1 - y0) / MIN_FRAME_SHARE / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return shapely.box(cx - half, cy - half, cx + half, cy + half)


def _inset(province, own, clip, extent, title: str):
    """A drawer of one inset: province grey, the drawn units light orange, the frame red, all cut to ``extent``."""

    def make(paper, box, size_pt):
        from matplotlib.patches import PathPatch, Rectangle

        line = size_pt * 25.4 / 72 * 1.4
        paper.text(box.x + box.w / 2, box.top - line / 2, title, fontsize=size_pt * 1.1, weight="bold",
                   ha="center", va="center", parse_math=False)
        x0, y0, x1, y1 = extent.bounds
        room = (box.w, box.h - line * 1.6)
        k = min(room[0] / (x1 - x0), room[1] / (y1 - y0))
        ox, oy = box.x + (box.w - (x1 - x0) * k) / 2, box.y + (room[1] - (y1 - y0) * k) / 2

        def patch(geom, **style):
            moved = shapely.transform(shapely.intersection(geom, extent), lambda xy: (xy - (x0, y0)) * k + (ox, oy))
            if not moved.is_empty and moved.geom_type in ("Polygon", "MultiPolygon"):
                paper.add_patch(PathPatch(_polygon_path(moved), **style))

        for geom in province:
            patch(geom, facecolor="#f0f0f0", edgecolor="#8c8c8c", lw=0.3)
        for geom in own:
            patch(geom, facecolor="#fde0c5", edgecolor="#444444", lw=0.5)
        patch(clip, facecolor="none", edgecolor="#d7301f", lw=1.2)
        paper.add_patch(Rectangle((ox, oy), (x1 - x0) * k, (y1 - y0) * k, fill=False, lw=0.5, edgecolor="black"))

    return make


def layer_geometries(layer) -> np.ndarray:
    """Every geometry of ``layer`` and of its companions (an era layer drawn as one part per fill)."""
    return np.concatenate([np.asarray(part.frame.geometry.values, dtype=object) for part in (layer, *layer.extra)])
