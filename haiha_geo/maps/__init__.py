"""Interactive HTML maps of Hải Hà that open anywhere: offline, deterministic, safe.

A map is declared in a TOML spec (``maps/*.toml``) and rendered with
:func:`build_map` or ``haiha-geo map [SPEC] --out PATH.html``:

* era layers (2019, 2020, 2025) as switchable overlays, merger views with
  predecessors, successors, resolution and effective date, a before/after
  swipe, user layers from any file GeoPandas reads;
* a legend, scale bar, full screen, a measure tool (lengths and areas in
  VN-2000), search by unit name ignoring diacritics, and the mouse position in
  WGS 84 and VN-2000 / TM-3 107°45′ (the toolkit's pinned transformation);
* ``offline=True`` inlines Leaflet (pinned ``xstatic-leaflet``) and the
  project's own controls, and loads nothing from the network;
* the same inputs give byte-identical pages; boundaries are simplified as one
  coverage and stored as shared arcs; every value reaches the page as data
  (a JSON block), never as HTML or JavaScript source;
* a footer, ``<meta>`` tags and a JSON block record the toolkit version,
  sources with sha256, eras, CRS and transformation, and the tolerance.

Examples
--------
>>> from haiha_geo.maps import build_map
>>> page = build_map("maps/mergers.toml", offline=True)
>>> page.stats["max_displacement_m"] <= 20
True
"""

from __future__ import annotations

from haiha_geo.maps.builder import MapResult, build_map
from haiha_geo.maps.spec import MapSpec, load_spec, parse_spec

__all__ = ["MapResult", "MapSpec", "build_map", "load_spec", "parse_spec"]
