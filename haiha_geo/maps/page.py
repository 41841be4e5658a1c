"""The HTML page: folium skeleton, inlined assets, fixed ids, safe data and provenance.

* **Assets.** Leaflet 1.9.3 comes from the pinned ``xstatic-leaflet`` wheel
  (the version folium 0.20 links); its images are inlined as ``data:`` URIs.
  The project's own controls (``static/haiha-map.js`` and ``.css``) are always
  inlined. Offline pages load nothing else; online pages link Leaflet from the
  same CDN URL folium uses.
* **Determinism.** branca gives every element a random id; :func:`fixed_ids`
  replaces it with a counter while a page is built.
* **Safety: user text never meets the template engine.** branca renders
  the output of every macro, and every ``Element(text)``, as Jinja2 template
  *source*, so a value such as ``{{ 7*7 }}`` placed there would run. The page
  is therefore built in two steps. branca renders a skeleton that holds only
  the toolkit's own markup and opaque slot tokens (``@@haiha-slot-N@@``); every
  piece of text that does not come from the toolkit's templates (the data
  block, the title, the footer, the ``<meta>`` tags, and the inlined assets)
  is registered in the page's :class:`Slots` instead. :meth:`Slots.fill` then
  replaces the tokens in ONE :func:`re.sub` pass, so inserted text is never
  scanned again, neither by Jinja nor by the substitution itself. Slot values
  are made safe for where they land: data as JSON (:func:`safe_json`: ``<``,
  ``>``, ``&`` and the JavaScript line separators escaped) in one ``<script
  type="application/json">`` block read with ``JSON.parse``, never JavaScript
  source; text as :func:`html.escape`. ``haiha-map.js`` puts data into the DOM
  with ``textContent`` only.
"""

from __future__ import annotations

import base64
import contextlib
import html
import itertools
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import branca.element
import folium
from xstatic.pkg import leaflet as xstatic_leaflet

from haiha_geo.errors import InputFileError

LEAFLET_VERSION = xstatic_leaflet.VERSION
LEAFLET_CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/"
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")
_SLOT = re.compile(r"@@haiha-slot-(\d+)@@")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@contextlib.contextmanager
def fixed_ids(prefix: str = "haiha") -> Iterator[None]:
    """Give branca/folium elements created inside the block the ids ``prefix0``, ``prefix1``, ….

    Examples
    --------
    >>> with fixed_ids():
    ...     a, b = folium.Map(tiles=None), folium.Map(tiles=None)
    >>> a.get_name()
    'map_haiha0'
    """
    counter = itertools.count()
    original = branca.element.Element.__dict__["_generate_id"]
    branca.element.Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter)}")
    try:
        yield
    finally:
        branca.element.Element._generate_id = original


def safe_json(payload: Any) -> str:
    """Serialise ``payload`` as compact JSON that can sit inside ``<script>`` without ending it.

    Keys keep their insertion order, so the output is stable.

    Examples
    --------
    >>> safe_json({"name": "</script><script>alert(1)</script>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


class Slots:
    """Text kept out of the template engine: each value gets a token, :meth:`fill` puts the values in.

    Examples
    --------
    >>> slots = Slots()
    >>> skeleton = f"<title>{slots.text('{{ 7*7 }} & <b>')}</title>{slots.json({'a': '</script>'})}"
    >>> skeleton
    '<title>@@haiha-slot-0@@</title>@@haiha-slot-1@@'
    >>> slots.fill(skeleton)
    '<title>{{ 7*7 }} &amp; &lt;b&gt;</title>{"a":"\\\\u003c/script\\\\u003e"}'
    """

    def __init__(self) -> None:
        self._values: list[str] = []

    def markup(self, html_text: str) -> str:
        """Token for markup the toolkit built itself (every user value in it already escaped)."""
        self._values.append(html_text)
        return f"@@haiha-slot-{len(self._values) - 1}@@"

    def text(self, value: str) -> str:
        """Token for plain text, HTML-escaped (quotes too, so it may also sit in an attribute)."""
        return self.markup(html.escape(value, quote=True))

    def json(self, payload: Any) -> str:
        """Token for ``payload`` as :func:`safe_json`, for a ``<script type="application/json">`` block."""
        return self.markup(safe_json(payload))

    def fill(self, skeleton: str) -> str:
        """Replace every token of ``skeleton`` by its value in one pass (values are not scanned again).

        Each token must occur exactly once: a lost or doubled token is a bug in the page's
        construction, never a result of the data, since no data is in the skeleton.
        """
        found = sorted(int(n) for n in _SLOT.findall(skeleton))
        if found != list(range(len(self._values))):
            raise RuntimeError(f"page skeleton has slot tokens {found}, expected 0…{len(self._values) - 1}")
        return _SLOT.sub(lambda m: self._values[int(m.group(1))], skeleton)


def _static(name: str) -> str:
    return resources.files("haiha_geo.maps").joinpath("static", name).read_text(encoding="utf-8")


@cache
def leaflet_js() -> str:
    """Leaflet's minified script from the pinned xstatic-leaflet package (source-map comment removed)."""
    text = (Path(xstatic_leaflet.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text).rstrip() + "\n"


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as ``data:`` URIs."""
    base = Path(xstatic_leaflet.BASE_DIR)
    text = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        data = base64.b64encode((base / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(inline, text)


def _inline_element(slots: Slots, tag: str, code: str) -> branca.element.Element:
    """``<tag>code</tag>``, with ``code`` (a shipped asset) kept out of the template engine."""
    if re.search(f"</{tag}", code, re.IGNORECASE):
        raise InputFileError(f"an inlined <{tag}> asset contains '</{tag}' and cannot be embedded")
    return branca.element.Element(f"<{tag}>{slots.markup(code)}</{tag}>")


class HaihaLayers(branca.element.MacroElement):
    """The data block and the call that builds every layer and control on the folium map.

    ``token`` is the slot (:meth:`Slots.json`) that holds the data: the macro
    output is template source, so the data itself never enters it.
    """

    _template = branca.element.Template("""
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.data_id }}">{{ this.token }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
    HaihaMap.init({{ this._parent.get_name() }}, "{{ this.data_id }}");
{% endmacro %}
""")

    def __init__(self, token: str):
        super().__init__()
        self._name = "HaihaLayers"
        self.data_id = f"haiha-data-{self._id}"
        self.token = token


class HaihaFigure(branca.element.Figure):
    """branca's page with a part for the project's code just before the map script, and a second
    body part after that script, for the title and footer.

    Static text placed after the map script is laid out with the first frame
    instead of in the synchronous layout Leaflet forces when it creates the
    map, so the polygons are painted sooner; the page is valid HTML either way.
    """

    _template = branca.element.Template(
        "<!DOCTYPE html>\n<html>\n<head>\n"
        "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
        "    {{this.header.render(**kwargs)}}\n</head>\n<body>\n"
        "    {{this.html.render(**kwargs)}}\n"
        "    {{this.code.render(**kwargs)}}\n"
        "<script>\n    {{this.script.render(**kwargs)}}\n</script>\n"
        "    {{this.after.render(**kwargs)}}\n"
        "</body>\n</html>\n"
    )

    def __init__(self, title: str):
        self.slots = Slots()
        super().__init__(title=self.slots.text(title))
        self.after = branca.element.Element()
        self.after._parent = self
        self.code = branca.element.Element()
        self.code._parent = self


def new_map(title: str, *, offline: bool) -> folium.Map:
    """A folium map with only Leaflet as dependency (no jQuery, Bootstrap or icon fonts).

    The basemap, like every layer, is declared in the data block and created
    by ``haiha-map.js`` (its attribution escaped, since Leaflet shows it as HTML).

    Must be called inside :func:`fixed_ids`. Offline, Leaflet and the
    project's controls are inlined; otherwise Leaflet is linked from the CDN.
    """
    figure = HaihaFigure(title)
    fmap = folium.Map(tiles=None, control_scale=False, prefer_canvas=False)  # scale bar: haiha-map.js
    fmap.default_js = [] if offline else [("leaflet", LEAFLET_CDN + "leaflet.js")]
    fmap.default_css = [] if offline else [("leaflet_css", LEAFLET_CDN + "leaflet.css")]
    figure.add_child(fmap)
    slots = figure.slots
    if offline:
        figure.header.add_child(_inline_element(slots, "style", leaflet_css()), name="leaflet_css")
        figure.header.add_child(_inline_element(slots, "script", leaflet_js()), name="leaflet")
    figure.header.add_child(_inline_element(slots, "style", _static("haiha-map.css")), name="haiha_css")
    # after the map's element and data, just before the map script that calls it: the browser lays out
    # the page while this code is parsed, and the polygons are painted as early as with Leaflet alone
    figure.code.add_child(_inline_element(slots, "script", _static("haiha-map.js")), name="haiha_js")
    return fmap


def add_title(fmap: folium.Map, title: str) -> None:
    """Show ``title`` (escaped) over the map."""
    root = fmap.get_root()
    root.after.add_child(branca.element.Element(f'<div class="haiha-title">{root.slots.text(title)}</div>'),
                         name="haiha_title")


def add_layers(fmap: folium.Map, payload: dict) -> None:
    """Add the data block (``payload``, through a slot) and the call that builds the layers from it."""
    HaihaLayers(fmap.get_root().slots.json(payload)).add_to(fmap)


#: Provenance keys also written as ``<meta name="haiha-geo:KEY">`` (the JSON block holds them all).
META_KEYS = ("toolkit", "eras", "tolerance_m", "max_displacement_m", "transformation")


def add_provenance(fmap: folium.Map, provenance: dict) -> None:
    """Write ``provenance`` as ``<meta>`` tags, a JSON block and a visible footer (all escaped)."""
    root = fmap.get_root()
    metas = "".join(
        f'<meta name="haiha-geo:{html.escape(k, quote=True)}" content="{html.escape(_flat(v), quote=True)}">'
        for k, v in provenance.items() if k in META_KEYS
    )
    root.header.add_child(branca.element.Element(root.slots.markup(metas)), name="haiha_meta")
    root.html.add_child(branca.element.Element(
        f'<script type="application/json" id="haiha-provenance">{root.slots.json(provenance)}</script>'),
        name="haiha_provenance")
    root.after.add_child(branca.element.Element(root.slots.markup(footer_html(provenance))), name="haiha_footer")


def _flat(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return str(value)


def footer_html(provenance: dict) -> str:
    """The visible provenance footer (Vietnamese labels; every value escaped).

    Examples
    --------
    >>> "&lt;b&gt;" in footer_html({"toolkit": "<b>", "sources": [], "eras": []})
    True
    """
    labels = {"toolkit": "Công cụ", "eras": "Thời kỳ", "crs": "Hệ toạ độ", "transformation": "Chuyển đổi datum",
              "tolerance_m": "Dung sai đơn giản hoá (m)", "max_displacement_m": "Dịch chuyển lớn nhất (m)",
              "generated_from": "Đặc tả", "confidence": "Mức tin cậy"}
    parts = [f"<b>{html.escape(label)}:</b> {html.escape(_flat(provenance[key]))}"
             for key, label in labels.items() if key in provenance]
    sources = "; ".join(
        f"{html.escape(s['source'])} ({html.escape(s['file'])}, sha256 {html.escape(s['sha256'])})"
        for s in provenance.get("sources", []))
    if sources:
        parts.append(f"<b>Nguồn dữ liệu:</b> {sources}")
    return '<footer class="haiha-footer" id="haiha-footer">' + " · ".join(parts) + "</footer>"


def render(fmap: folium.Map) -> str:
    """Render the skeleton (trailing spaces stripped, so the text is stable), then fill its slots."""
    root = fmap.get_root()
    skeleton = "\n".join(line.rstrip() for line in root.render().splitlines()) + "\n"
    return root.slots.fill(skeleton)
