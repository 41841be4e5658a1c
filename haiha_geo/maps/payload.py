"""The data block of a map page: everything ``static/haiha-map.js`` receives from Python, written down here.

The page carries one ``<script type="application/json">`` block; the script
reads it with ``JSON.parse`` and builds every layer and control from it. These
types are that contract: a key the script reads is declared here, and nothing
else crosses from Python to JavaScript (no value is ever written into script
source).
"""

from __future__ import annotations

from typing import Any, TypedDict

from haiha_geo.place import Place


class LegendEntry(TypedDict, total=False):
    """One legend line: a label and the swatch drawn (outline ``color``, ``fill``, ``dash``)."""

    label: str
    color: str
    fill: str
    fills: list[str]                 # several fills drawn (one swatch each), e.g. the units of an era
    dash: bool


class LayerDef(TypedDict, total=False):
    """A layer: its features inline (``features``) or topology objects by name (``objects``), and how to draw it.

    The new-rural layer adds ``years``, ``year``, ``colors`` and ``statusLabels``;
    a compare (swipe) copy adds ``pane`` and ``labelPane``.
    """

    id: str
    name: str
    objects: list[str]
    features: list[dict[str, Any]]
    show: bool
    labels: bool
    searchable: bool
    searchRows: bool                 # found by its popup texts too (user layers), not only by its title
    control: bool
    style: dict[str, Any]
    legend: list[LegendEntry]
    tipSuffix: str
    pane: str
    labelPane: str
    years: list[str]
    year: str
    colors: dict[str, str]
    statusLabels: dict[str, str]
    # a large polygon layer (maps/userlayer.py): its own shared arcs ("features" and its dissolved "outline"),
    # drawn on a canvas; below detailZoom only the outline is drawn
    topology: dict[str, Any]
    canvas: bool
    detailZoom: float
    bounds: list[float]
    outlineDisplacement: float


class Projection(TypedDict):
    """The planning CRS for the mouse readout and the measure tool: the pinned datum shift and the TM projection."""

    name: str
    helmert: dict[str, float]
    tm: dict[str, float]


class Payload(TypedDict, total=False):
    """The whole data block."""

    labels: dict[str, str]           # interface texts (Vietnamese)
    controls: dict[str, bool]        # which controls the spec asks for
    panes: list[dict[str, Any]]      # extra Leaflet panes of the swipe view
    tiles: dict[str, str] | None     # basemap URL template and attribution (text, escaped by the script)
    layers: list[LayerDef]
    compare: list[dict[str, Any]]    # swipe views: left/right layer ids and names
    bounds: list[float] | None       # lon/lat extent to fit
    projection: Projection
    topology: dict[str, Any]         # quantised shared arcs and the named objects that use them
    strings: list[str]               # texts shared by many popups (rows refer to them by index)
    confidence: dict[str, Any]       # legend of the confidence marks: title and {tag: meaning}


def projection(place: Place) -> Projection:
    """The planning CRS of ``place`` as the script needs it (the same parameters as :attr:`Place.pipeline`).

    Examples
    --------
    >>> from haiha_geo.place import place
    >>> projection(place())["tm"]["lon0"]
    107.75
    """
    h, p = place.helmert, place.projection
    return {"name": f"{place.planning_crs} ({place.planning_name})",
            "helmert": {k: float(h[k]) for k in ("x", "y", "z", "rx", "ry", "rz", "s")},
            "tm": {"lon0": float(p["lon_0"]), "k0": float(p["k"]), "x0": float(p["x_0"]), "y0": float(p["y_0"])}}
