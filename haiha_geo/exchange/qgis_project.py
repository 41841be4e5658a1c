"""A QGIS project (``.qgz``) over the exported GeoPackage, with its print layout (also a ``.qpt`` template).

:func:`export_qgis_project` writes the GeoPackage (:func:`~haiha_geo.exchange.gpkg.export_gpkg`), then a
project that references its layers by a relative path, with the styles of its ``layer_styles`` table,
and one print layout: the map at the chosen scale and extent with the VN-2000 grid (EPSG:5899),
legend, scale bar, north arrow and the title block (the dossier fields of ``--title-block`` and the
technical rows of the printed maps: scale, CRS, datum, era, sources). The planner makes the last
changes in QGIS instead of rebuilding the layout by hand.

The XML is written here, without QGIS (the toolkit runs where QGIS is not installed); QGIS fills in
every property left out with its default. Every user value enters the XML through
:mod:`xml.etree.ElementTree` (escaped data, never markup) and :func:`~haiha_geo.exchange.styles.xml_text`.
Reruns write identical bytes: ids come from the layer names, the ZIP entry has a fixed date, and no
time of the run is written. Each file is written atomically and never over an input.
"""

from __future__ import annotations

import io
import os
import sqlite3
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from haiha_geo.crs import PLANNING_CRS
from haiha_geo.dossier import Dossier
from haiha_geo.errors import OptionError, OutputPathError
from haiha_geo.exchange.gpkg import ExportResult, export_gpkg
from haiha_geo.exchange.styles import QGIS_VERSION, xml_text
from haiha_geo.io import check_output, write_atomic
from haiha_geo.printing import layout, titleblock
from haiha_geo.printing.grid import grid_interval, nice_at_least
from haiha_geo.printing.layers import era_layer
from haiha_geo.printing.page import title_block
from haiha_geo.timeline import era_ids

__all__ = ["ProjectLayer", "QgisProjectResult", "export_qgis_project", "layout_xml", "project_xml"]

#: Layers drawn in the layout's map (and listed in its legend), bottom to top; ``{era}`` is the era shown.
SHOWN = ("units_{era}", "study_area", "sites_footprints", "sites_points")
#: Font of the layout's texts: it covers Vietnamese (the printed maps use it too).
FONT = "DejaVu Sans"
#: Title-block text size (pt) and line height (mm).
BLOCK_PT = 7.0
LINE_MM = BLOCK_PT * 0.3528 * 1.3
#: The document type QGIS writes before a project.
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
#: Namespace of the ids (uuid5) of layout items: the same names give the same ids on every run.
ID_SPACE = uuid.UUID("6f1b2a57-1d0e-4c55-9a8e-6a3c1e0b5f21")
#: QGIS layout item types (``QgsLayoutItemRegistry``).
ITEM_TYPES = {"page": 65638, "map": 65639, "picture": 65640, "label": 65641, "legend": 65642, "scalebar": 65646}
#: North arrow of QGIS's own SVG library (found through its SVG paths).
NORTH_ARROW = "arrows/NorthArrow_02.svg"
#: Geometry of ``gpkg_geometry_columns`` → QGIS's ``geometry`` attribute of a map layer.
GEOMETRY = {"POINT": "Point", "MULTIPOINT": "Point", "LINESTRING": "Line", "MULTILINESTRING": "Line",
            "POLYGON": "Polygon", "MULTIPOLYGON": "Polygon"}


@dataclass(frozen=True)
class ProjectLayer:
    """A layer of the project: GeoPackage table, title, geometry (None: a table), QML style and extent."""

    name: str
    title: str
    geometry: str | None = None
    style: str | None = None
    extent: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class QgisProjectResult:
    """What :func:`export_qgis_project` wrote: the project, its layout template, the GeoPackage, and the map."""

    project: Path
    template: Path
    gpkg: ExportResult
    scale: int
    extent: tuple[float, float, float, float]
    era: str


def _uuid(name: str) -> str:
    return "{" + str(uuid.uuid5(ID_SPACE, name)) + "}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: xml_text(str(v)) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_text(text)
    return node


def gpkg_layers(path: Path) -> list[ProjectLayer]:
    """The layers of the GeoPackage ``path`` in its order, with their default styles (``layer_styles``)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        contents = db.execute("SELECT c.table_name, c.description, g.geometry_type_name, c.min_x, c.min_y, c.max_x, "
                              "c.max_y FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g USING (table_name) "
                              "WHERE c.table_name != 'layer_styles' ORDER BY c.rowid").fetchall()
        styles = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault"))
    return [ProjectLayer(name, title or name, GEOMETRY.get(geom) if geom else None, styles.get(name),
                         (x0, y0, x1, y1) if geom and x0 is not None else None)
            for name, title, geom, x0, y0, x1, y1 in contents]


def _srs(parent: ET.Element, tag: str) -> None:
    _sub(parent, tag).append(_spatialrefsys())


def layer_id(name: str) -> str:
    """The project id of the GeoPackage layer ``name`` (QGIS replaces an id of 10 characters or fewer).

    Examples
    --------
    >>> layer_id("units_2025")
    'haiha_geo_units_2025'
    """
    return f"haiha_geo_{name}"


def _maplayer(parent: ET.Element, layer: ProjectLayer, source: str) -> None:
    attrs = {"type": "vector", "geometry": layer.geometry or "No geometry"}
    style = ET.fromstring(layer.style) if layer.style else None
    if style is not None:
        attrs["labelsEnabled"] = style.get("labelsEnabled", "0")
    node = _sub(parent, "maplayer", **attrs)
    _sub(node, "id", layer_id(layer.name))
    _sub(node, "datasource", f"{source}|layername={layer.name}")
    _sub(node, "layername", layer.title)
    if layer.geometry:
        _sub(node, "srs").append(_spatialrefsys())
    _sub(node, "provider", "ogr", encoding="UTF-8")
    if style is not None:
        node.extend(list(style))


def _spatialrefsys() -> ET.Element:
    """EPSG:5899 as QGIS reads it: the WKT (QGIS reads ``authid`` alone only with its internal ``srsid``)."""
    node = ET.Element("spatialrefsys")
    for tag, text in (("wkt", CRS(PLANNING_CRS).to_wkt()), ("authid", PLANNING_CRS)):
        ET.SubElement(node, tag).text = text
    return node


def _layer_tree(parent: ET.Element, layers: list[ProjectLayer], source: str, shown: set[str]) -> ET.Element:
    tree = _sub(parent, "layer-tree-group")
    for layer in layers:
        _sub(tree, "layer-tree-layer", id=layer_id(layer.name), name=layer.title,
             source=f"{source}|layername={layer.name}", providerKey="ogr", expanded="1",
             checked="Qt::Checked" if layer.name in shown else "Qt::Unchecked")
    return tree


def _item(parent: ET.Element, kind: str, name: str, box: tuple[float, float, float, float], z: int,
          **attrs: str) -> ET.Element:
    """A layout item in ``box`` (x, y, w, h; with ``referencePoint="6"``, (x, y) is its lower-left corner)."""
    x, y, w, h = box
    return _sub(parent, "LayoutItem", type=str(ITEM_TYPES[kind]), id=name, uuid=_uuid(name),
                templateUuid=_uuid(name), position=f"{x:g},{y:g},mm", positionOnPage=f"{x:g},{y:g},mm",
                size=f"{w:g},{h:g},mm", zValue=str(z), visibility="1", opacity="1",
                referencePoint=attrs.pop("referencePoint", "0"),
                frame=attrs.pop("frame", "false"), background=attrs.pop("background", "false"),
                outlineWidthM="0.3,mm", frameJoinStyle="miter", **attrs)


def _font(size: float, bold: bool = False) -> str:
    return f"{FONT},{size:g},-1,5,{75 if bold else 50},0,0,0,0,0"


def _label(parent: ET.Element, name: str, box, text: str, *, size: float = BLOCK_PT, bold: bool = False,
           colour: str = "0,0,0", frame: bool = True, halign: int = 1, z: int = 10) -> None:
    node = _item(parent, "label", name, box, z, labelText=text, htmlState="0", marginX="1", marginY="0.6",
                 halign=str(halign), valign="32", frame="true" if frame else "false", background="true")
    _sub(node, "FrameColor", red="0", green="0", blue="0", alpha="255")
    _sub(node, "BackgroundColor", red="255", green="255", blue="255", alpha="255")
    _sub(node, "LabelFont", description=_font(size, bold), style="")
    red, green, blue = colour.split(",")
    _sub(node, "FontColor", red=red, green=green, blue=blue, alpha="255")


@dataclass(frozen=True)
class Sheet:
    """The page (mm), the map frame on it, the panel (legend, title block), the scale and the map centre.

    Boxes are ``(x, y, w, h)`` in mm from the page's top-left corner. The panel is right of the frame on a
    landscape page and below it on a portrait page (a side panel would leave a narrow map).
    """

    page: tuple[float, float]
    frame: tuple[float, float, float, float]
    panel: tuple[float, float, float, float]
    scale: int
    centre: tuple[float, float]

    @property
    def portrait(self) -> bool:
        """Whether the page is portrait (the panel below the map)."""
        return self.page[0] < self.page[1]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """The ground extent (m, EPSG:5899) the map frame shows at :attr:`scale`."""
        w, h = self.frame[2] * self.scale / 1000, self.frame[3] * self.scale / 1000
        return (self.centre[0] - w / 2, self.centre[1] - h / 2, self.centre[0] + w / 2, self.centre[1] + h / 2)


#: Room between the map frame and the panel for the grid labels, mm.
LABEL_ROOM_MM = 4.0
#: Share of a portrait panel's width left of the title block (title, scale, legend).
PORTRAIT_SPLIT = 0.45
#: Space between the columns of a portrait panel and between stacked items, mm.
SPACE_MM = 3.0


def _side_width(page: tuple[float, float]) -> float:
    """Width (mm) of the panel right of the map on a landscape ``page``."""
    return max(layout.MIN_PANEL_MM, 0.28 * page[0])


def sheet(extent: tuple[float, float, float, float], paper: str = "A3", orientation: str = "landscape",
          scale: int | None = None, panel_height: float = layout.MIN_PANEL_MM) -> Sheet:
    """The layout of a page of ``paper``: the map frame, and a panel for legend and title block.

    The panel is right of the frame (landscape) or below it, ``panel_height`` mm high (portrait).
    ``scale`` defaults to the largest standard scale at which ``extent`` fits the frame.

    Examples
    --------
    >>> s = sheet((0, 0, 20_000, 10_000))
    >>> s.page, s.frame, s.scale
    ((420.0, 297.0), (10.0, 10.0, 270.4, 277.0), 100000)
    >>> round(s.extent[2] - s.extent[0], 6)  # 270.4 mm at 1:100,000
    27040.0
    >>> s = sheet((0, 0, 2_000, 2_000), "A4", "portrait", panel_height=110)
    >>> s.frame, s.panel, s.scale
    ((10.0, 10.0, 190.0, 163.0), (10.0, 177.0, 190.0, 110), 25000)
    """
    page = layout.page_size(paper, orientation)
    m = layout.MARGIN_MM
    if page[0] < page[1]:
        frame = (m, m, page[0] - 2 * m, page[1] - 2 * m - panel_height - LABEL_ROOM_MM)
        panel = (m, page[1] - m - panel_height, page[0] - 2 * m, panel_height)
    else:
        panel_w = _side_width(page)
        frame = (m, m, page[0] - 2 * m - panel_w - layout.GUTTER_MM - LABEL_ROOM_MM, page[1] - 2 * m)
        panel = (page[0] - m - panel_w, m, panel_w, page[1] - 2 * m)
    x0, y0, x1, y1 = extent
    scale = layout.check_scale(scale) if scale is not None else \
        layout.best_scale(x1 - x0, y1 - y0, frame[2], frame[3])
    return Sheet(page, frame, panel, scale, ((x0 + x1) / 2, (y0 + y1) / 2))


def _map_item(parent: ET.Element, s: Sheet) -> None:
    node = _item(parent, "map", "map", s.frame, 1, frame="true", background="true", keepLayerSet="false",
                 followPreset="false", drawCanvasItems="true", mapRotation="0", isTemporal="0", labelMargin="0,mm")
    x0, y0, x1, y1 = s.extent
    _sub(node, "Extent", xmin=f"{x0:.3f}", ymin=f"{y0:.3f}", xmax=f"{x1:.3f}", ymax=f"{y1:.3f}")
    _sub(node, "crs").append(_spatialrefsys())
    _sub(node, "LayerSet")
    step = grid_interval(s.scale)
    _sub(node, "ComposerMapGrid", name="VN-2000", uuid=_uuid("grid"), show="1", gridStyle="1",
                intervalX=f"{step:g}", intervalY=f"{step:g}", offsetX="0", offsetY="0", crossLength="3",
                unit="0", showAnnotation="1", annotationFormat="0", annotationPrecision="0", gridFrameStyle="0",
                **{f"{side}AnnotationPosition": "1" for side in ("left", "right", "top", "bottom")},
                **{f"{side}AnnotationDisplay": "0" for side in ("left", "right", "top", "bottom")},
                leftAnnotationDirection="1", rightAnnotationDirection="1", topAnnotationDirection="0",
                bottomAnnotationDirection="0", frameAnnotationDistance="1", blendMode="0", position="3")


#: Legend text sizes (pt) of the layer titles and of the symbol labels; symbol size and box space (mm).
GROUP_PT, SYMBOL_PT = 9.0, 8.0
SYMBOL_MM = (7.0, 4.0)
BOX_SPACE_MM = 2.0


def _line_mm(size_pt: float) -> float:
    return size_pt * 0.3528 * 1.3


@dataclass(frozen=True)
class LegendEntry:
    """A layer of the legend: its title and the labels of its symbols, each wrapped (lines).

    ``labels`` is empty for a layer of one symbol, which QGIS draws beside the layer's title.
    """

    layer: ProjectLayer
    title: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]

    @property
    def height(self) -> float:
        """The room it takes in the legend, mm: margins of 2 mm above the title and each symbol."""
        def symbol(lines) -> float:
            return 2 + max(SYMBOL_MM[1], len(lines) * _line_mm(SYMBOL_PT))

        if not self.labels:
            return symbol(self.title)
        return 2 + len(self.title) * _line_mm(GROUP_PT) + sum(symbol(lines) for lines in self.labels)


def _style_labels(style: str | None) -> list[str]:
    """The labels of the classes (categories or ranges) of a QML style, in its order: its legend's symbols."""
    if not style:
        return []
    renderer = ET.fromstring(style).find("renderer-v2")
    return [node.get("label", "") for node in renderer.iter() if node.tag in ("category", "range")]


def legend_entries(layers: list[ProjectLayer], width: float) -> list[LegendEntry]:
    """The legend's ``layers`` (top to bottom) with their titles and labels wrapped to ``width`` mm.

    QGIS 3.22 does not wrap legend text by itself: the wrapped lines are the legend's own labels of the
    layers (``legend/title-label``) and symbols (``legend/label-N``).

    Examples
    --------
    >>> style = '<qgis><renderer-v2 type="categorizedSymbol"><categories><category label="xã Quảng Hà"/>' \\
    ...         '<category label="xã Đường Hoa"/></categories></renderer-v2></qgis>'
    >>> e = legend_entries([ProjectLayer("u", "Đơn vị hành chính thời kỳ 2025 (2025-07-01 – nay)",
    ...                                  "Polygon", style)], 60)[0]
    >>> e.title, e.labels
    (('Đơn vị hành chính thời kỳ', '2025 (2025-07-01 – nay)'), (('xã Quảng Hà',), ('xã Đường Hoa',)))
    """
    text_w = width - 2 * BOX_SPACE_MM - 4  # room for QGIS's own metrics
    label_w = text_w - SYMBOL_MM[0] - 2

    def lines(text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
        return tuple(titleblock.wrap(xml_text(text), width, size, bold))

    out = []
    for layer in layers:
        labels = _style_labels(layer.style)
        if not labels:
            out.append(LegendEntry(layer, lines(layer.title, label_w, SYMBOL_PT), ()))
        else:
            out.append(LegendEntry(layer, lines(layer.title, text_w, GROUP_PT, True),
                                   tuple(lines(label, label_w, SYMBOL_PT) for label in labels)))
    return out


def legend_height(entries: list[LegendEntry]) -> float:
    """The height (mm) of the legend of ``entries``, with its title and box space.

    Examples
    --------
    >>> round(legend_height([]), 2)
    11.05
    """
    return 2 * BOX_SPACE_MM + 2 + _line_mm(11) + sum(entry.height for entry in entries)


def _legend(parent: ET.Element, box, entries: list[LegendEntry], source: str, title: str,
            reference: str = "0") -> None:
    """The legend of ``entries`` in ``box``; framed when placed over the map (``reference`` "6": its lower left)."""
    node = _item(parent, "legend", "legend", box, 5, title=title, map_uuid=_uuid("map"), resizeToContents="1",
                 symbolWidth=f"{SYMBOL_MM[0]:g}", symbolHeight=f"{SYMBOL_MM[1]:g}", columnCount="1",
                 boxSpace=f"{BOX_SPACE_MM:g}", wrapChar="", legendFilterByAtlas="0", titleAlignment="1",
                 symbolAlignment="1", fontColor="#000000", background="true", referencePoint=reference,
                 frame="true" if reference == "6" else "false")
    layers = [entry.layer for entry in entries]
    tree = _layer_tree(node, layers, source, {layer.name for layer in layers})
    tree.set("name", "")
    for leaf, entry in zip(tree, entries):
        options = _sub(_sub(leaf, "customproperties"), "Option", type="Map")
        labels = {"legend/title-label": entry.title, **{f"legend/label-{i}": lines
                                                         for i, lines in enumerate(entry.labels)}}
        for key, lines in labels.items():
            _sub(options, "Option", name=key, type="QString", value="\n".join(lines))
    styles = _sub(node, "styles")
    for name, size, bold in (("title", 11, True), ("group", GROUP_PT, True), ("subgroup", 8, True),
                             ("symbol", SYMBOL_PT, False), ("symbolLabel", SYMBOL_PT, False)):
        style = _sub(styles, "style", name=name, alignment="1", marginTop="2", marginLeft="2" if name == "symbolLabel"
                     else "0", indent="0")
        _sub(style, "styleFont", description=_font(size, bold), style="")


def _scalebar(parent: ET.Element, box, scale: int, lang: str) -> None:
    segment = nice_at_least(scale * box[2] * 0.4 / 2 / 1000)  # two segments, 40–80 % of the width: room for labels
    node = _item(parent, "scalebar", "scalebar", box, 6, style="Single Box", mapUuid=_uuid("map"),
                 unitType="meters", unitLabel="m", numSegments="2", numSegmentsLeft="0", numSubdivisions="1",
                 numUnitsPerSegment=f"{segment:g}", numMapUnitsPerScaleBarUnit="1", segmentSizeMode="0",
                 height="2.5", labelBarSpace="2", boxContentSpace="1", alignment="0", outlineWidth="0.3")
    fmt = _sub(_sub(node, "numericFormat", id="basic"), "Option", type="Map")
    for key, kind, value in (("decimals", "int", "0"), ("show_thousand_separator", "bool", "true"),
                             ("thousand_separator", "QChar", "." if lang == "vi" else ","),
                             ("decimal_separator", "QChar", "," if lang == "vi" else ".")):
        _sub(fmt, "Option", name=key, type=kind, value=value)


def _north_arrow(parent: ET.Element, s: Sheet) -> None:
    x, y, w, _ = s.frame
    _item(parent, "picture", "north", (x + w - 19, y + 3, 14, 18), 7, file=NORTH_ARROW, mode="0", resizeMode="0",
          mapUuid=_uuid("map"), northMode="0", northOffset="0", pictureRotation="0", anchorPoint="0",
          svgFillColor="0,0,0,255", svgBorderColor="0,0,0,255", svgBorderWidth="0.2", background="true")


def block_rows(block: titleblock.TitleBlock, width: float) -> list[tuple[str, str, float]]:
    """Each row of ``block`` with its label and value wrapped to the panel ``width`` (mm), and its height (mm).

    Examples
    --------
    >>> rows = block_rows(titleblock.TitleBlock([("Tỷ lệ", "1:2.000")]), 100)
    >>> rows[0][:2], round(rows[0][2], 2)
    (('Tỷ lệ', '1:2.000'), 4.41)
    """
    out = []
    for label, value in block.rows + block.extra + block.signers:  # the signatories, a line each to sign on
        left = titleblock.wrap(label, 0.3 * width - 4, BLOCK_PT, True)  # room for QGIS's own metrics
        right = titleblock.wrap(value, 0.7 * width - 4, BLOCK_PT)
        out.append(("\n".join(left), "\n".join(right), max(len(left), len(right)) * LINE_MM + 1.2))
    return out


def block_height(block: titleblock.TitleBlock, width: float) -> float:
    """The height (mm) of the title block ``block`` drawn ``width`` mm wide.

    Examples
    --------
    >>> round(block_height(titleblock.TitleBlock([("Tỷ lệ", "1:2.000")]), 100), 2)
    12.03
    """
    return _mark_height(block, width) + sum(h for *_, h in block_rows(block, width))


def _mark_lines(block: titleblock.TitleBlock, width: float) -> list[str]:
    return titleblock.wrap(f"{block.mark}\n{block.mark_note}", width - 5, BLOCK_PT, True)


def _mark_height(block: titleblock.TitleBlock, width: float) -> float:
    return len(_mark_lines(block, width)) * LINE_MM + 1.2


def _title_block(parent: ET.Element, block: titleblock.TitleBlock, x: float, width: float, bottom: float) -> float:
    """Write the title block ``width`` mm wide at ``x`` upwards from ``bottom`` (mm from the page top); its top."""
    rows = block_rows(block, width)
    top = bottom - block_height(block, width)
    _label(parent, "block-mark", (x, top, width, _mark_height(block, width)), "\n".join(_mark_lines(block, width)),
           bold=True, colour="179,0,0", halign=4)
    y = top + _mark_height(block, width)
    for i, (label, value, h) in enumerate(rows):
        _label(parent, f"block-{i}-label", (x, y, 0.3 * width, h), label, bold=True)
        _label(parent, f"block-{i}-value", (x + 0.3 * width, y, 0.7 * width, h), value)
        y += h
    return top


#: Text size (pt) of the layout's title; heights (mm) of the scale line and of the scale bar.
TITLE_PT = 13.0
SCALE_MM, SCALEBAR_MM = 7.0, 12.0


@dataclass(frozen=True)
class Panel:
    """What the panel of a page holds, measured: the title's lines, the legend and the title block.

    ``side`` is the column of title, scale and legend, ``block`` the title block's column (x, width), the
    same column on a landscape page, two columns side by side on a portrait page.
    """

    side: tuple[float, float]
    block: tuple[float, float]
    title: tuple[str, ...]
    legend: list[LegendEntry]

    @property
    def head(self) -> float:
        """Height (mm) of the title."""
        return len(self.title) * _line_mm(TITLE_PT) + 2


def panel(page: tuple[float, float], shown: list[ProjectLayer], title: str) -> Panel:
    """The columns of the panel of ``page`` and its title and legend of ``shown`` (bottom to top), wrapped.

    Examples
    --------
    >>> p = panel((210.0, 297.0), [], "Bản đồ")
    >>> p.side, p.block, p.title
    ((10.0, 84.15), (97.15, 102.85), ('Bản đồ',))
    """
    m = layout.MARGIN_MM
    if page[0] < page[1]:
        width = page[0] - 2 * m - SPACE_MM
        side = (m, round(PORTRAIT_SPLIT * width, 3))
        block = (m + side[1] + SPACE_MM, width - side[1])
    else:
        side = block = (page[0] - m - _side_width(page), _side_width(page))
    return Panel(side, block, tuple(titleblock.wrap(xml_text(title), side[1] - 4, TITLE_PT, True)),
                 legend_entries(list(reversed(shown)), side[1]))


def panel_height(p: Panel, block: titleblock.TitleBlock) -> float:
    """The height (mm) a portrait page's panel ``p`` needs: the taller of its two columns.

    Examples
    --------
    >>> p = panel((210.0, 297.0), [], "Bản đồ")
    >>> round(panel_height(p, titleblock.TitleBlock([("Tỷ lệ", "1:2.000")])), 2)
    41.01
    """
    side = p.head + SCALE_MM + SCALEBAR_MM + SPACE_MM + legend_height(p.legend)
    return max(side, block_height(block, p.block[1]))


def layout_xml(name: str, s: Sheet, shown: list[ProjectLayer], source: str, block: titleblock.TitleBlock,
               title: str, lang: str = "vi") -> ET.Element:
    """The print layout ``name`` (a ``<Layout>`` element, the root of a ``.qpt``) of the page ``s``.

    ``shown`` are the layers of the legend, bottom to top; ``source`` the GeoPackage's path relative to the
    project; ``block`` the title block. On a landscape page the panel right of the map holds, top down, the
    title and the legend, and, bottom up, the title block, the scale bar and the scale; when the legend does
    not fit between them, it goes into the map's lower left corner. On a portrait page the panel below the
    map holds title, scale, scale bar and legend left and the title block right.

    Examples
    --------
    >>> s = sheet((0, 0, 2000, 1000), scale=2000)
    >>> root = layout_xml("Bản đồ", s, [ProjectLayer("a", 'A & "B" <c>', "Polygon")], "./x.gpkg",
    ...                   titleblock.TitleBlock([("Tên", "<x>")]), "Tên & <bản đồ>")
    >>> [item.get("id") for item in root.iter("LayoutItem")][:4]
    ['page', 'map', 'title', 'legend']
    >>> ET.fromstring(ET.tostring(root)).find(".//layer-tree-layer").get("name")
    'A & "B" <c>'
    """
    words = titleblock.words(lang)
    root = ET.Element("Layout", {"name": xml_text(name), "units": "mm", "printResolution": "300",
                                 "worldFileMap": ""})
    pages = _sub(root, "PageCollection")
    _item(pages, "page", "page", (0, 0, *s.page), 0, background="true")
    _map_item(root, s)
    p = panel(s.page, shown, title)
    (x, width), y = p.side, s.panel[1]
    _label(root, "title", (x, y, width, p.head), "\n".join(p.title), size=TITLE_PT, bold=True, frame=False,
           halign=4)
    legend_box = (x, y + p.head + SPACE_MM, width, legend_height(p.legend))
    legend_ref = "0"
    if s.portrait:
        scale_y = y + p.head
        legend_box = (x, scale_y + SCALE_MM + SCALEBAR_MM + SPACE_MM, width, legend_box[3])
    else:
        scale_y = s.panel[1] + s.panel[3] - block_height(block, p.block[1]) - SCALE_MM - SCALEBAR_MM - SPACE_MM
        if legend_box[1] + legend_box[3] > scale_y:  # the legend into the map's lower left corner
            legend_box = (s.frame[0] + SPACE_MM, s.frame[1] + s.frame[3] - SPACE_MM, width, legend_box[3])
            legend_ref = "6"
    _legend(root, legend_box, p.legend, source, words["legend"], legend_ref)
    _north_arrow(root, s)
    _title_block(root, block, *p.block, s.panel[1] + s.panel[3])
    _label(root, "scale", (x, scale_y, width, SCALE_MM), titleblock.format_scale(s.scale, lang), size=9, bold=True,
           frame=False)
    _scalebar(root, (x, scale_y + SCALE_MM, width, SCALEBAR_MM), s.scale, lang)
    _sub(root, "Atlas", enabled="0", coverageLayer="")
    return root


def project_xml(title: str, layers: list[ProjectLayer], source: str, shown: list[str],
                layout_node: ET.Element, extent: tuple[float, float, float, float]) -> ET.Element:
    """The ``<qgis>`` document: the layers of ``source`` (relative path), styled, ``shown`` checked; the layout.

    Examples
    --------
    >>> root = project_xml("Hải Hà <&>", [ProjectLayer("t", "Bảng")], "./x.gpkg", [], ET.Element("Layout"),
    ...                    (0, 0, 1, 1))
    >>> root.find("title").text, root.find(".//maplayer/datasource").text
    ('Hải Hà <&>', './x.gpkg|layername=t')
    """
    root = ET.Element("qgis", {"projectname": xml_text(title), "version": QGIS_VERSION})
    _sub(root, "title", title)
    _srs(root, "projectCrs")
    _layer_tree(root, layers, source, set(shown))
    canvas = _sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    _sub(canvas, "units", "meters")
    box = _sub(canvas, "extent")
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), extent):
        _sub(box, key, f"{value:.3f}")
    _sub(canvas, "rotation", "0")
    _srs(canvas, "destinationsrs")
    project_layers = _sub(root, "projectlayers")
    for layer in layers:
        _maplayer(project_layers, layer, source)
    _sub(root, "Layouts").append(layout_node)
    properties = _sub(root, "properties")
    _sub(_sub(properties, "Paths"), "Absolute", "false", type="bool")
    _sub(_sub(properties, "SpatialRefSys"), "ProjectionsEnabled", "1", type="int")  # QGIS then reads projectCrs
    return root


#: The named extents: the GeoPackage layer each one is the extent of (``{era}``: the era shown).
NAMED_EXTENTS = {"unit": "units_{era}", "layer": "study_area"}


def parse_extent(extent: str) -> str | tuple[float, float, float, float]:
    """``unit`` (the era's units), ``layer`` (the zoning study area) or the box ``X0,Y0,X1,Y1`` (m, EPSG:5899).

    Raises
    ------
    OptionError
        Not one of these, or an empty or inverted box.

    Examples
    --------
    >>> parse_extent("495000,2365000,502000,2374000"), parse_extent(" unit")
    ((495000.0, 2365000.0, 502000.0, 2374000.0), 'unit')
    >>> parse_extent("map")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OptionError: --extent 'map': give unit (the units of the era), layer ...
    """
    if extent.strip() in NAMED_EXTENTS:
        return extent.strip()
    try:
        box = tuple(float(v) for v in extent.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(map(_finite, box)) or not (box[0] < box[2] and box[1] < box[3]):
        raise OptionError(f"--extent {xml_text(extent)!r}: give unit (the units of the era), layer (the zoning "
                          f"study area) or X0,Y0,X1,Y1 in metres of {PLANNING_CRS} with X0 < X1 and Y0 < Y1, "
                          "e.g. --extent 495000,2365000,502000,2374000")
    return box


def _resolve(extent: str | tuple, layers: list[ProjectLayer], era: str) -> tuple[float, float, float, float]:
    if isinstance(extent, tuple):
        return extent
    name = NAMED_EXTENTS[extent].format(era=era)
    return next(layer.extent for layer in layers if layer.name == name)


def _finite(value: float) -> bool:
    return abs(value) < 1e8  # also refuses nan and inf


def _zip_bytes(name: str, text: str) -> bytes:
    """A ``.qgz``: a ZIP holding the project ``name``, with a fixed date (reruns give the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _document(root: ET.Element, doctype: str = "") -> str:
    ET.indent(root, " ")
    return doctype + ET.tostring(root, encoding="unicode") + "\n"


def _paths(project: str | os.PathLike, gpkg: str | os.PathLike | None) -> tuple[Path, Path, Path]:
    project = Path(project)
    if project.suffix.lower() != ".qgz":
        raise OutputPathError(f"{project}: a QGIS project file name ends in .qgz; for example "
                              f"{project.with_suffix('.qgz').name}")
    gpkg = Path(gpkg) if gpkg is not None else project.with_suffix(".gpkg")
    template = project.with_suffix(".qpt")
    return project, template, gpkg


def _relative(target: Path, folder: Path) -> str:
    rel = Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()
    return rel if rel.startswith("../") else f"./{rel}"


def export_qgis_project(project: str | os.PathLike, gpkg: str | os.PathLike | None = None, *,
                        scale: int | None = None, extent: str = "unit", era: str | None = None, paper: str = "A3",
                        orientation: str = "landscape", dossier: Dossier | None = None, lang: str = "vi",
                        inputs: tuple[str | os.PathLike, ...] = ()) -> QgisProjectResult:
    """Write the GeoPackage, a QGIS project over it and its print layout (``.qgz`` and ``.qpt``).

    Parameters
    ----------
    project : path-like
        The ``.qgz`` to write; the layout template is written beside it (same name, ``.qpt``).
    gpkg : path-like, optional
        The GeoPackage (default: the project's name with ``.gpkg``); the project refers to it by a
        relative path, so the folder can be moved or shared as a whole.
    scale : int, optional
        The map's scale 1:``scale`` (default: the largest standard scale at which the extent fits).
    extent : str
        ``unit`` (the units of ``era``), ``layer`` (the zoning study area) or ``X0,Y0,X1,Y1`` in EPSG:5899 m:
        the map is centred on it.
    era : str, optional
        The era whose units the map shows (default the latest).
    paper, orientation : str
        The layout's page (A4 … A0, landscape or portrait).
    dossier : Dossier, optional
        The title-block fields (:func:`haiha_geo.dossier.read_dossier` of ``--title-block``).
    lang : {"vi", "en"}
        Language of the layout's words.
    inputs : paths
        Files the caller read; no output may be one of them.

    Raises
    ------
    OutputPathError
        ``project`` does not end in ``.qgz``, an output is an input, or a file cannot be written.
    OptionError
        ``extent`` is not ``unit``, ``layer`` or a box; an unknown ``era``.
    PrintLayoutError
        An unknown paper, orientation or language, or a scale out of range.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = export_qgis_project(pathlib.Path(tempfile.mkdtemp()) / "hai_ha.qgz", scale=50000)
    >>> out.project.name, out.template.name, out.gpkg.path.name, out.scale, out.era
    ('hai_ha.qgz', 'hai_ha.qpt', 'hai_ha.gpkg', 50000, '2025')
    """
    project, template, gpkg_path = _paths(project, gpkg)
    era = era or era_ids()[-1]
    if era not in era_ids():
        raise OptionError(f"--era {xml_text(era)!r}: choose one of {', '.join(era_ids())}")
    layout.page_size(paper, orientation)  # the paper, orientation, scale, extent and outputs before the export
    box = parse_extent(extent)
    if scale is not None:
        layout.check_scale(scale)
    for target in (project, template):
        check_output(target, inputs)
    result = export_gpkg(gpkg_path, inputs=(*inputs, project, template))
    layers = gpkg_layers(result.path)
    source = _relative(gpkg_path, project.parent)
    shown = [layer for name in SHOWN for layer in layers if layer.name == name.format(era=era)]
    units = era_layer(era, lang, titleblock.words(lang))
    dossier = dossier or Dossier()
    title = dossier.title or units.legend
    s = sheet(_resolve(box, layers, era), paper, orientation, scale)
    if s.portrait:  # the panel below the map as high as its taller column: the frame, hence the scale, follow
        height = panel_height(panel(s.page, shown, title), title_block(title, s.scale, [units], lang, dossier=dossier))
        s = sheet(_resolve(box, layers, era), paper, orientation, scale, height)
    block = title_block(title, s.scale, [units], lang, dossier=dossier)
    node = layout_xml(title, s, shown, source, block, title, lang)
    write_atomic(template, _document(node), (*inputs, gpkg_path))
    text = _document(project_xml(title, layers, source, [layer.name for layer in shown], node, s.extent), DOCTYPE)
    write_atomic(project, _zip_bytes(project.with_suffix(".qgs").name, text), (*inputs, template, gpkg_path))
    return QgisProjectResult(project, template, result, s.scale, s.extent, era)
