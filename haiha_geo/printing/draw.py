"""Drawing on a printed page: features, non-colliding labels, legend, north arrow and the exact scale bar.

The map axes are in EPSG:5899 metres; the page axes (``paper``) in mm from
the lower-left corner of the sheet.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.path import Path as MplPath

from haiha_geo.printing.layers import PT_PER_PX, PrintLayer
from haiha_geo.printing.titleblock import format_int, text_width_mm, wrap

PT_MM = 25.4 / 72


def _dashes(style: dict, lw: float):
    dash = style.get("dashArray")
    if not dash:
        return "solid"
    parts = [float(p) for p in dash.replace(",", " ").split()]
    return (0, tuple(p * PT_PER_PX / max(lw, 1e-6) for p in parts))


def mpl_style(style: dict, k: float = 1.0) -> dict:
    """Matplotlib keyword arguments for a spec style (Leaflet pixels become points)."""
    lw = float(style.get("weight", 2)) * PT_PER_PX * min(k, 1.6)
    colour = style.get("color", "#3388ff")
    return {"edgecolor": colour, "facecolor": style.get("fillColor", colour), "linewidth": lw,
            "fill_alpha": float(style.get("fillOpacity", 0.2)), "alpha": float(style.get("opacity", 1.0)),
            "linestyle": _dashes(style, lw)}


def _polygon_path(geom) -> MplPath:
    verts, codes = [], []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8))


def draw_geometries(ax, geoms, style: dict, k: float, zorder: float = 2, outlines=None) -> None:
    """Draw polygons (fill then outline), lines and points of ``geoms`` with ``style``.

    ``outlines`` (lines) replace the polygons' own edges, so that a polygon cut
    at the frame gets no false boundary along the frame.
    """
    s = mpl_style(style, k)
    polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    lines = [g for g in geoms if g.geom_type in ("LineString", "MultiLineString", "LinearRing") and not g.is_empty]
    lines = [part for g in lines for part in getattr(g, "geoms", [g])]
    points = [g for g in geoms if g.geom_type in ("Point", "MultiPoint") and not g.is_empty]
    if polys:
        paths = [PathPatch(_polygon_path(g)) for g in polys]
        if s["fill_alpha"] > 0:
            ax.add_collection(PatchCollection(paths, facecolor=s["facecolor"], edgecolor="none",
                                              alpha=s["fill_alpha"], zorder=zorder))
        if outlines is None:
            ax.add_collection(PatchCollection([PathPatch(_polygon_path(g)) for g in polys], facecolor="none",
                                              edgecolor=s["edgecolor"], linewidth=s["linewidth"],
                                              linestyle=s["linestyle"], alpha=s["alpha"], zorder=zorder + 0.5))
        else:
            lines = lines + [g for g in outlines if not g.is_empty]
    if lines:
        flat = [part for g in lines for part in getattr(g, "geoms", [g])]
        segs = [np.asarray(part.coords) for part in flat if part.geom_type in ("LineString", "LinearRing")]
        ax.add_collection(LineCollection(segs, colors=s["edgecolor"], linewidths=s["linewidth"],
                                         linestyles=s["linestyle"], alpha=s["alpha"], zorder=zorder + 0.6))
    if points:
        xy = np.array([(p.x, p.y) for g in points for p in getattr(g, "geoms", [g])])
        ax.scatter(xy[:, 0], xy[:, 1], s=(3 * k) ** 2, c=s["facecolor"], edgecolors=s["edgecolor"],
                   linewidths=0.5, zorder=zorder + 0.7)


def clip_frame(frame, clip):
    """Features of ``frame`` cut to ``clip`` (EPSG:5899 geometry), dropping those outside."""
    geoms = shapely.intersection(frame.geometry.values, clip)
    keep = ~shapely.is_empty(geoms)
    out = frame.loc[keep].copy()
    out.geometry = geoms[keep]
    return out


def draw_layers(ax, layers: list[PrintLayer], clip, k: float) -> list[PrintLayer]:
    """Draw every layer (and its companions) cut to ``clip``; return the layers that showed something."""
    drawn = []
    for z, layer in enumerate(layers):
        for part in (*layer.extra, layer):
            cut = clip_frame(part.frame, clip)
            if len(cut):
                edges = shapely.get_parts(shapely.intersection(shapely.boundary(part.frame.geometry.values), clip))
                draw_geometries(ax, list(cut.geometry.values), part.style, k, zorder=2 + z,
                                outlines=[g for g in edges if g.geom_type in ("LineString", "LinearRing")])
                drawn.append(part)
    return drawn


def label_points(geom) -> list[tuple[float, float]]:
    """Candidate label positions in ``geom``: the centre of the largest inscribed circle, points half its radius
    away from it (inside ``geom``), then a representative point."""
    largest = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    circle = shapely.maximum_inscribed_circle(largest, tolerance=max(largest.area ** 0.5 / 200, 1.0))
    centre = shapely.get_point(circle, 0)
    r = circle.length / 2
    around = [(centre.x + dx * r, centre.y + dy * r) for dx, dy in ((0.5, 0), (-0.5, 0), (0, 0.5), (0, -0.5))]
    rep = largest.representative_point()
    return [(centre.x, centre.y), *[p for p in around if largest.contains(shapely.Point(p))], (rep.x, rep.y)]


def _inside(box, frame_box) -> bool:
    return frame_box.x0 <= box.x0 and box.x1 <= frame_box.x1 and frame_box.y0 <= box.y0 and box.y1 <= frame_box.y1


#: The sizes a label is tried at, as shares of the page's label size, largest first.
LABEL_SIZES = (1.0, 0.8, 0.65, 0.5)


def place_labels(ax, layers: list[PrintLayer], clip, fontsize: float) -> tuple[list, list[str]]:
    """Label the units of the labelled layers where they fit without touching another label or the frame edge.

    The labels of the layer drawn on top (a plan's plots) are placed first,
    then those below; within a layer, larger features first. A label is tried at its unit's inscribed
    centre, then at a representative point, at full size then smaller
    (:data:`LABEL_SIZES`): the first position whose box lies inside the unit,
    clear of every other label and of the frame edge, wins, so a label never
    spills over a neighbour and a small unit gets a small label. A label that
    fits nowhere is replaced by a number, its name given in the key the page
    prints (``"1 xã Quảng Trung"``); one where not even the number fits is
    dropped. Both are returned (key entries first) and listed on the sheet.
    Labels carry a white halo.
    """
    renderer = ax.figure.canvas.get_renderer()
    frame_box = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    items = []
    for z, part in enumerate(part for layer in layers for part in (*layer.extra, layer)):
        if part.labels:
            cut = clip_frame(part.frame, clip)
            items += [(-z, g.area, label, g) for label, g in zip(cut["label"], cut.geometry.values)]
    placed, boxes, dropped, keyed = [], [], [], []
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.6}
    for _, _, label, geom in sorted(items, key=lambda t: (t[0], -t[1])):  # the top layer's labels first
        text = ax.text(0, 0, label, ha="center", va="center", parse_math=False, weight="bold", color="#222222",
                       zorder=20, clip_on=False, bbox=halo)
        spot = _fit(text, geom, fontsize, boxes, frame_box, renderer, to_data)
        if spot is None:  # a number in the unit, the name in the key on the sheet
            text.set_text(str(len(keyed) + 1))
            spot = _fit(text, geom, fontsize, boxes, frame_box, renderer, to_data)
            if spot is not None:
                keyed.append(f"{len(keyed) + 1} {' '.join(label.split())}")
        if spot is None:
            text.remove()
            dropped.append(label)
            continue
        boxes.append(spot)
        placed.append(text)
    return placed, keyed + dropped


def _fit(text, geom, fontsize: float, boxes: list, frame_box, renderer, to_data):
    """Size and place ``text`` at the first candidate point where its box lies inside ``geom``, clear of ``boxes``
    and of the frame edge (trying :data:`LABEL_SIZES`); its box, or None where it fits nowhere."""
    for size in (fontsize * f for f in LABEL_SIZES):
        text.set_fontsize(size)
        for x, y in label_points(geom):
            text.set_position((x, y))
            box = text.get_window_extent(renderer).expanded(1.05, 1.15)
            if not _inside(box, frame_box) or any(box.overlaps(b) for b in boxes):
                continue
            corners = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
            if geom.contains(shapely.box(*corners[0], *corners[1])):  # never over a neighbour
                return box
    return None


def legend_entries(drawn: list[PrintLayer]) -> list[tuple[str, dict, str]]:
    """(text, style, shape) for every layer drawn, in drawing order, without repeats (nor layers without a legend)."""
    seen, out = set(), []
    for layer in drawn:
        kinds = {g.geom_type.replace("Multi", "").replace("LinearRing", "LineString")
                 for g in layer.frame.geometry.values}
        shape = "polygon" if "Polygon" in kinds else "line" if "LineString" in kinds else "point"
        if layer.legend and layer.legend not in seen:
            seen.add(layer.legend)
            out.append((layer.legend, layer.style, shape))
    return out


def _legend_height(entries, width: float, size_pt: float, k: float) -> float:
    """The height (mm) the legend's title and ``entries`` take at ``size_pt`` in a box ``width`` mm wide."""
    line, sw, sh = size_pt * PT_MM * 1.35, 9 * k ** 0.5, 4.5 * k ** 0.5
    return line * 1.8 + sum(max(sh, len(wrap(text, width - sw - 3, size_pt)) * line) + line * 0.5
                            for text, _, _ in entries)


def draw_legend(paper, box, title: str, entries, size_pt: float, k: float) -> None:
    """The legend in ``box`` (mm): a title, then a swatch and a text per entry; the type shrinks (to 45 %)
    until every entry fits, so a long legend (a plan's codes) is never cut short."""
    floor = size_pt * 0.45
    while size_pt > floor and _legend_height(entries, box.w, size_pt, k) > box.h:
        size_pt *= 0.92
    line = size_pt * PT_MM * 1.35
    paper.text(box.x, box.top - line / 2, title, fontsize=size_pt * 1.15, weight="bold", va="center",
               parse_math=False)
    y = box.top - line * 1.8
    sw, sh = 9 * k ** 0.5, 4.5 * k ** 0.5
    for text, style, shape in entries:
        s = mpl_style(style, k)
        lines = wrap(text, box.w - sw - 3, size_pt)
        cy = y - max(sh, len(lines) * line) / 2  # a wrapped text stays below the entry above it
        if y - sh < box.y:
            break
        if shape == "polygon":
            if s["fill_alpha"] > 0:
                paper.add_patch(Rectangle((box.x, cy - sh / 2), sw, sh, facecolor=s["facecolor"],
                                          alpha=s["fill_alpha"], edgecolor="none"))
            paper.add_patch(Rectangle((box.x, cy - sh / 2), sw, sh, fill=False, edgecolor=s["edgecolor"],
                                      linewidth=s["linewidth"], linestyle=s["linestyle"]))
        elif shape == "line":
            paper.plot([box.x, box.x + sw], [cy, cy], color=s["edgecolor"], lw=s["linewidth"], ls=s["linestyle"])
        else:
            paper.scatter([box.x + sw / 2], [cy], s=(3 * k) ** 2, c=s["facecolor"], edgecolors=s["edgecolor"])
        for i, part in enumerate(lines):
            paper.text(box.x + sw + 2, cy + (len(lines) / 2 - i - 0.5) * line, part, fontsize=size_pt,
                       va="center", parse_math=False)
        y -= max(sh, len(lines) * line) + line * 0.5


def draw_north_arrow(paper, x: float, y: float, height: float, letter: str, note: str, size_pt: float) -> None:
    """A north arrow (grid north of EPSG:5899) with its foot at (x, y) mm."""
    w = height * 0.32
    paper.add_patch(PolygonPatch([(x, y + height), (x - w, y), (x, y + height * 0.28)], closed=True,
                                 facecolor="black", edgecolor="black", lw=0.6))
    paper.add_patch(PolygonPatch([(x, y + height), (x + w, y), (x, y + height * 0.28)], closed=True,
                                 facecolor="white", edgecolor="black", lw=0.6))
    paper.text(x, y + height + 1, letter, fontsize=size_pt * 1.6, weight="bold", ha="center", va="bottom")
    paper.text(x, y - 1, note, fontsize=size_pt * 0.85, ha="center", va="top", parse_math=False)


def scale_bar_length(scale: int, max_mm: float) -> tuple[float, int]:
    """Ground length (m) of the longest round scale bar within ``max_mm`` on paper, and its number of segments.

    Examples
    --------
    >>> scale_bar_length(2000, 60)
    (100, 5)
    >>> scale_bar_length(100000, 45)
    (2500, 5)
    """
    ground = max_mm * scale / 1000
    exponent = math.floor(math.log10(ground))
    base = next(b for b in (5, 2.5, 2, 1) if b * 10 ** exponent <= ground)
    length = base * 10 ** exponent
    return (int(length) if float(length).is_integer() else length), (4 if base == 2 else 5)


def _distance(metres: float, lang: str) -> str:
    if metres >= 1000:
        km = metres / 1000
        return (format_int(km, lang) if km.is_integer() else f"{km:g}".replace(".", "," if lang == "vi" else ".")) \
            + " km"
    return f"{metres:g} m"


def draw_scale_bar(paper, x: float, y: float, scale: int, max_mm: float, size_pt: float, lang: str) -> float:
    """An exact graphic scale: alternating segments whose length on paper is ground × 1000 / scale mm.

    Returns the bar length in mm.
    """
    ground, parts = scale_bar_length(scale, max_mm)
    length = ground * 1000 / scale
    h = max(1.5, size_pt * PT_MM * 0.6)
    for i in range(parts):
        paper.add_patch(Rectangle((x + i * length / parts, y), length / parts, h, lw=0.5, edgecolor="black",
                                  facecolor="black" if i % 2 == 0 else "white"))
    label_w = max(text_width_mm(_distance(ground, lang), size_pt * 0.9) * 1.3, 1e-6)
    every = 1 if length / parts >= label_w else parts // 2 if parts % 2 == 0 and length / 2 >= label_w else parts
    for i in range(0, parts + 1, every):
        metres = ground * i / parts
        paper.text(x + i * length / parts, y + h + 0.8, _distance(metres, lang) if i else "0",
                   fontsize=size_pt * 0.9, ha="center", va="bottom")
    return length
