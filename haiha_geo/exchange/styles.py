"""QGIS layer styles (QML) generated from code.

A QML document is the XML QGIS writes with *Layer ▸ Styles ▸ Save Style*; the
same text goes into a GeoPackage's ``layer_styles`` table or into a
``NAME.qml`` file beside a Shapefile, and QGIS applies it when the layer is
opened. The documents here hold the symbology (a categorized or single-symbol
renderer), labels and, for layers with dates, the temporal settings; QGIS
fills in every property left out with its default.

Every value from the data (unit names, categories) enters the XML through
:mod:`xml.etree.ElementTree`, which escapes it: names are data, never markup.
XML 1.0 cannot hold the control characters (not even as ``&#x1;``), which
ElementTree writes unchanged: in labels, aliases and field names each one is
written as its visible Control Picture (``\\x0b`` → ``␋``, :func:`xml_text`);
a classification *value* holding one is refused (:class:`TableValueError`),
since a changed value would no longer match its features.
Symbol properties are written both as ``<Option>`` maps (QGIS ≥ 3.18) and as
``<prop>`` pairs (older QGIS 3).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from haiha_geo.errors import TableValueError

#: QGIS version the documents are written for (the oldest LTR they were checked with is 3.22).
QGIS_VERSION = "3.22.0"
#: Label font: covers Vietnamese; QGIS substitutes its default font where it is missing.
FONT = "Noto Sans"
#: Geometry kind → (QGIS symbol type, ``layerGeometryType`` code).
KINDS = {"point": ("marker", "0"), "line": ("line", "1"), "polygon": ("fill", "2")}
#: Characters XML 1.0 cannot hold: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def xml_text(text: str) -> str:
    """``text`` as XML 1.0 can hold it: a C0 control becomes its Control Picture, other non-characters U+FFFD.

    Examples
    --------
    >>> xml_text("Quảng\\x0bHà\\x01"), xml_text("tab\\tkept")
    ('Quảng␋Hà␁', 'tab\\tkept')
    """
    return NOT_XML.sub(_picture, text)


def _xml_safe(root: ET.Element) -> None:
    """Every attribute and text of ``root``'s tree passed through :func:`xml_text`."""
    for node in root.iter():
        node.attrib = {xml_text(k): xml_text(v) for k, v in node.attrib.items()}
        if node.text:
            node.text = xml_text(node.text)


def _category_value(category: Category) -> str:
    value = "" if category.value is None else str(category.value)
    if NOT_XML.search(value):
        raise TableValueError(f"the value {value!r} (legend {xml_text(category.label)!r}) holds the control "
                              f"character U+{ord(NOT_XML.search(value).group()):04X}, which a QGIS style (XML) "
                              "cannot hold; remove it from the data")
    return value


@dataclass(frozen=True)
class Symbol:
    """One symbol: fill colour, outline colour, width (mm) and line style.

    ``fill=None`` draws no fill (outline only); ``dash=True`` a dashed outline;
    ``hatch=True`` fills a polygon with diagonal lines (of ``fill``, else of the outline colour).
    For points, ``size`` is the marker diameter in mm.

    Examples
    --------
    >>> Symbol("#8dd3c7").fill
    '#8dd3c7'
    """

    fill: str | None
    outline: str = "#333333"
    width: float = 0.3
    dash: bool = False
    size: float = 3.0
    opacity: float = 1.0
    hatch: bool = False


@dataclass(frozen=True)
class Category:
    """A value of the classification field, its legend label and its symbol."""

    value: str | None
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class Labels:
    """Labels drawn from ``field`` (or from a QGIS ``expression``)."""

    field: str
    size: float = 9.0
    expression: bool = False
    colour: str = "#000000"


def rgba(colour: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` → the ``r,g,b,a`` text QGIS stores.

    Examples
    --------
    >>> rgba("#8dd3c7"), rgba("#000000", 0.5)
    ('141,211,199,255', '0,0,0,128')
    """
    text = colour.lstrip("#")
    r, g, b = (int(text[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * opacity)}"


def _properties(kind: str, symbol: Symbol) -> tuple[str, dict[str, str]]:
    outline_style = "dash" if symbol.dash else "solid"
    if kind == "marker":
        return "SimpleMarker", {"name": "circle", "color": rgba(symbol.fill or "#ffffff", symbol.opacity),
                                "outline_color": rgba(symbol.outline), "outline_width": f"{symbol.width:g}",
                                "outline_style": outline_style, "size": f"{symbol.size:g}", "size_unit": "MM",
                                "outline_width_unit": "MM"}
    if kind == "line":
        return "SimpleLine", {"line_color": rgba(symbol.outline), "line_width": f"{symbol.width:g}",
                              "line_style": outline_style, "line_width_unit": "MM"}
    if symbol.hatch:
        colour, style = rgba(symbol.fill or symbol.outline, symbol.opacity), "b_diagonal"
    else:
        colour = rgba(symbol.fill or "#ffffff", symbol.opacity if symbol.fill else 0.0)
        style = "solid" if symbol.fill else "no"
    return "SimpleFill", {"color": colour, "style": style, "outline_color": rgba(symbol.outline),
                          "outline_width": f"{symbol.width:g}", "outline_width_unit": "MM",
                          "outline_style": outline_style, "joinstyle": "round"}


def _symbol(parent: ET.Element, name: str, kind: str, symbol: Symbol) -> None:
    node = ET.SubElement(parent, "symbol", {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1",
                                            "force_rhr": "0"})
    cls, props = _properties(kind, symbol)
    layer = ET.SubElement(node, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})


def _renderer(root: ET.Element, kind: str, field: str | None, categories: list[Category] | Symbol) -> None:
    if isinstance(categories, Symbol):
        renderer = ET.SubElement(root, "renderer-v2", {"type": "singleSymbol", "symbollevels": "0",
                                                       "forceraster": "0", "enableorderby": "0"})
        _symbol(ET.SubElement(renderer, "symbols"), "0", kind, categories)
        return
    renderer = ET.SubElement(root, "renderer-v2", {"type": "categorizedSymbol", "attr": field or "",
                                                   "symbollevels": "0", "forceraster": "0", "enableorderby": "0"})
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for index, category in enumerate(categories):
        # An empty value is QGIS's "all other values" category: it also catches NULL.
        ET.SubElement(cats, "category", {"value": _category_value(category), "label": category.label,
                                         "symbol": str(index), "render": "true"})
        _symbol(symbols, str(index), kind, category.symbol)


def _labeling(root: ET.Element, kind: str, labels: Labels) -> None:
    labeling = ET.SubElement(root, "labeling", {"type": "simple"})
    settings = ET.SubElement(labeling, "settings", {"calloutType": "simple"})
    style = ET.SubElement(settings, "text-style", {
        "fieldName": labels.field, "isExpression": "1" if labels.expression else "0", "fontFamily": FONT,
        "fontSize": f"{labels.size:g}", "fontSizeUnit": "Point", "textColor": rgba(labels.colour),
        "fontWeight": "50", "textOpacity": "1"})
    ET.SubElement(style, "text-buffer", {"bufferDraw": "1", "bufferSize": "0.8", "bufferSizeUnits": "MM",
                                         "bufferColor": "255,255,255,255", "bufferOpacity": "0.85"})
    # Points: around the marker; polygons: over the centroid, kept inside the shape.
    placement = {"marker": {"placement": "0", "dist": "1"},
                 "line": {"placement": "2"},
                 "fill": {"placement": "1", "centroidInside": "1", "centroidWhole": "0"}}[kind]
    ET.SubElement(settings, "placement", placement)
    ET.SubElement(settings, "rendering", {"drawLabels": "1", "obstacle": "1", "displayAll": "0",
                                          "upsidedownLabels": "0", "labelPerPart": "0", "mergeLines": "0"})


def _temporal(root: ET.Element, start_field: str, end_field: str) -> None:
    """Feature ranges from two fields, the start included and the end excluded (``limitMode`` 0)."""
    node = ET.SubElement(root, "temporal", {"enabled": "1", "mode": "2", "startField": start_field,
                                            "endField": end_field, "accumulate": "0", "durationUnit": "min",
                                            "fixedDuration": "0", "limitMode": "0"})
    fixed = ET.SubElement(node, "fixedRange")
    ET.SubElement(fixed, "start")
    ET.SubElement(fixed, "end")


def qml(geometry: str, style: list[Category] | Symbol, *, field: str | None = None, labels: Labels | None = None,
        temporal: tuple[str, str] | None = None, aliases: dict[str, str] | None = None) -> str:
    """Return a QML document for a layer of ``geometry`` (``point``, ``line`` or ``polygon``).

    Parameters
    ----------
    geometry : {"point", "line", "polygon"}
    style : list of Category, or Symbol
        Categories of ``field`` (a categorized renderer; a category with value
        ``None`` draws every other value and NULL), or one symbol for all features.
    field : str, optional
        The classification field of a categorized renderer.
    labels : Labels, optional
        Label every feature with this field or expression.
    temporal : (str, str), optional
        Date fields giving each feature's start and end: the layer follows
        QGIS's temporal controller.
    aliases : dict, optional
        Field name → the name QGIS shows in the attribute table and forms.

    Raises
    ------
    TableValueError
        A category value holds a character XML cannot hold (a control character).

    Examples
    --------
    >>> text = qml("polygon", [Category("Quảng Hà", "xã Quảng Hà", Symbol("#8dd3c7"))], field="name",
    ...            labels=Labels("label"))
    >>> 'type="categorizedSymbol"' in text, 'value="Quảng Hà"' in text, 'labelsEnabled="1"' in text
    (True, True, True)
    """
    kind, code = KINDS[geometry]
    categories = "Symbology|Labeling" + ("|Fields" if aliases else "") + ("|Temporal" if temporal else "")
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": categories,
                               "labelsEnabled": "1" if labels else "0"})
    _renderer(root, kind, field, style)
    if labels:
        _labeling(root, kind, labels)
    if temporal:
        _temporal(root, *temporal)
    if aliases:
        node = ET.SubElement(root, "aliases")
        for index, (name, alias) in enumerate(aliases.items()):
            ET.SubElement(node, "alias", {"field": name, "name": alias, "index": str(index)})
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = code
    _xml_safe(root)
    ET.indent(root, " ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"
