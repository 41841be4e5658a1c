"""What a printed map draws: era units, merger views and user files, in EPSG:5899, unsimplified."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from haiha_geo.crs import PLANNING_CRS, to_planning
from haiha_geo.eras import units
from haiha_geo.errors import PrintLayoutError
from haiha_geo.land_codes import PLAN_FILL_OPACITY, label_column, plan_code, plan_code_column, plan_symbols
from haiha_geo.maps.context import PALETTE
from haiha_geo.registry import unit_types
from haiha_geo.sources import file_sha256
from haiha_geo.timeline import era_ids
from haiha_geo.vector_io import read_layer

#: Spec layer kinds a page can print; ``sites`` and ``ntm`` are interactive-only for now.
PRINTABLE = ("era", "merger", "file")
DEFAULT_STYLE = {"color": "#3388ff", "weight": 2, "opacity": 1.0, "fillOpacity": 0.2}
#: Opacity of the per-unit fills of an era layer (pastel, under the boundaries and labels).
UNIT_FILL_OPACITY = 0.35
#: Points per CSS pixel: spec weights are Leaflet pixels, a printed line is in points.
PT_PER_PX = 0.75
#: Boundary colours of the eras, oldest first, cycled (the colours of the default district map).
ERA_COLOURS = ("#6a3d9a", "#1f78b4", "#b15928", "#33a02c", "#e31a1c")


@dataclass
class PrintLayer:
    """One drawn layer: features in EPSG:5899, how to draw them and their legend entries.

    Attributes
    ----------
    frame : GeoDataFrame
        Features in EPSG:5899; ``label`` column when the layer is labelled.
    style : dict
        Leaflet-style keys of the map spec (color, weight, fillColor, fillOpacity, dashArray).
    legend : str
        Legend text.
    labels : bool
        Label each feature at its inscribed centre.
    era : str or None
    source : str
        For the title block: the file (with short sha256) or the era's sources.
    """

    frame: gpd.GeoDataFrame
    style: dict
    legend: str
    labels: bool = False
    era: str | None = None
    source: str = ""
    extra: list[PrintLayer] = field(default_factory=list)


def unit_label(row, lang: str) -> str:
    """A unit's label: ``xã Quảng Hà`` in Vietnamese, ``Quảng Hà commune`` in English (names keep diacritics)."""
    if lang == "vi":
        return str(row["label"])
    kind = {"xã": "commune", "thị trấn": "township"}.get(str(row["type"]), str(row["type"]))
    return f"{row['name']} {kind}"


def era_units(era: str, lang: str) -> gpd.GeoDataFrame:
    """Units of ``era`` in EPSG:5899 from :func:`haiha_geo.eras.units`, with a printed ``label``."""

    layer = units(era, crs=PLANNING_CRS)
    out = layer[["unit_id", "name", "type", "era", "valid_from", "created_by", "geometry"]].copy()
    out["label"] = [unit_label(row, lang) for _, row in layer.iterrows()]
    out.attrs = dict(layer.attrs)
    return out


def era_layer(era: str, lang: str, words: dict, style: dict | None = None, labels: bool = True,
              name: str = "") -> PrintLayer:
    """The units of ``era`` as a labelled boundary layer.

    Without a ``fillColor`` in ``style``, each unit takes the fill the HTML map gives it (one colour per unit,
    :data:`haiha_geo.maps.context.PALETTE` in registry order), so neighbours are told apart the same way on
    screen and on paper; the legend keeps one entry for the layer.
    """
    base = {**DEFAULT_STYLE, "color": ERA_COLOURS[era_ids().index(era) % len(ERA_COLOURS)], **(style or {})}
    title = name or words["units"].format(era=era, types=unit_types(era))
    frame = era_units(era, lang)
    if "fillColor" in base or frame.empty:
        return PrintLayer(frame, base, title, labels, era)
    fills = [PALETTE[i % len(PALETTE)] for i in range(len(frame))]
    parts = [PrintLayer(frame[[f == fill for f in fills]],
                        {**base, "fillColor": fill, "fillOpacity": UNIT_FILL_OPACITY}, title, labels, era)
             for fill in dict.fromkeys(fills)]
    *before, last = parts
    last.extra = before
    return last


def merger_layer(before: str, after: str, lang: str, words: dict, style: dict | None = None,
                 name: str = "") -> PrintLayer:
    """The units of ``after`` over the dashed boundaries of ``before``."""
    after_style = {**DEFAULT_STYLE, "color": "#d7263d", "weight": 2.5, "fillColor": "#fdd0a2",
                   "fillOpacity": 0.45, **(style or {})}
    layer = PrintLayer(era_units(after, lang), after_style, name or words["after"].format(era=after), True, after)
    layer.extra.append(PrintLayer(era_units(before, lang), {"color": "#444444", "weight": 1.2, "fillOpacity": 0,
                                                            "dashArray": "6 4"},
                                  words["before"].format(era=before), False, before))
    return layer


def short_sha(path: Path) -> str:
    """First 12 hex digits of the sha256 of a file."""
    return file_sha256(path)[:12]


def file_layer(path: str | Path, style: dict | None = None, name: str = "", code_field: str | None = None,
               lang: str = "vi") -> PrintLayer:
    """A user's vector file, read with :func:`haiha_geo.io.read_layer` and put into EPSG:5899.

    A plan whose features carry land-use codes (``code_field``, else the column
    :func:`haiha_geo.land_codes.code_column` finds) is drawn one fill per code
    (:func:`haiha_geo.land_codes.plan_symbols`), each plot labelled with its
    code (and its ký hiệu lô where the plan has one), one legend entry per code
    drawn; any other file in one style, under its file name.
    """
    path = Path(path)
    frame = to_planning(read_layer(path))
    source = f"{path.name} sha256 {short_sha(path)}"
    column = plan_code_column(frame, code_field, path.name)
    if column is None:
        style = {**DEFAULT_STYLE, "color": "#e31a1c", "fillColor": "#fb9a99", "fillOpacity": 0.4, "weight": 2,
                 **(style or {})}
        return PrintLayer(gpd.GeoDataFrame(geometry=frame.geometry.values, crs=PLANNING_CRS), style,
                          name or path.name, False, None, source)
    return _plan_layer(frame, column, label_column(frame.columns), source, lang)


def _plan_layer(frame: gpd.GeoDataFrame, column: str, label: str | None, source: str, lang: str) -> PrintLayer:
    """One layer per land-use code of a plan (the last carries the others in ``extra``), in the list's order."""
    codes = frame[column].map(plan_code)
    _, symbols = plan_symbols(codes)
    parts = []
    for code, symbol in symbols.items():
        plots = frame[codes == code]
        own = plots[label].astype(str).str.strip() if label else None
        labels = [f"{o}\n{code}" if label and o else code for o in (own if own is not None else plots[column])]
        style = {"color": "#555555", "weight": 0.8, "fillColor": symbol.hex, "fillOpacity": PLAN_FILL_OPACITY}
        part = gpd.GeoDataFrame({"label": labels}, geometry=plots.geometry.values, crs=PLANNING_CRS)
        parts.append(PrintLayer(part, style, symbol.legend(lang), True, None, source))
    if not parts:
        raise PrintLayoutError(f"{source.split()[0]}: column {column!r} holds no code; give --code-field")
    *before, last = parts
    last.extra = before  # drawn (and listed in the legend) before the layer that carries them: the list's order
    return last


def from_spec(spec, *, era: str | None, files: list, lang: str, words: dict,
              code_field: str | None = None) -> tuple[list[PrintLayer], list[str]]:
    """The layers a spec prints (its ``[print] layers``, else the layers shown by default), and notes on skipped ones.

    ``era`` replaces the spec's era and merger layers by the units of that era.
    """
    notes: list[str] = []
    chosen = spec.layers
    wanted = spec.print.get("layers")
    if wanted:  # names checked by haiha_geo.maps.spec.parse_spec
        ids = {lay.id: lay for lay in spec.layers}
        chosen = [ids[w] for w in wanted]
        bad = [lay.id for lay in chosen if lay.kind not in PRINTABLE]
        if bad:
            raise PrintLayoutError(f"{spec.source}: layer(s) {', '.join(bad)} cannot be printed yet (kinds "
                                   f"{', '.join(PRINTABLE)} can); remove them from [print] layers")
    else:
        chosen = [lay for lay in spec.layers if lay.show]
        if not any(lay.kind in PRINTABLE for lay in chosen):  # e.g. a spec of sites: print its boundaries
            chosen = [lay for lay in spec.layers if lay.kind in PRINTABLE] + chosen
    layers: list[PrintLayer] = []
    if era is not None:
        same = next((lay for lay in spec.layers if lay.kind == "era" and lay.era == era), None)
        layers.append(era_layer(era, lang, words, same.style if same else None, True))
        chosen = [lay for lay in chosen if lay.kind not in ("era", "merger")]
    for lay in chosen:
        if lay.kind == "era":
            layers.append(era_layer(lay.era, lang, words, lay.style, lay.labels, lay.name if lang == "vi" else ""))
        elif lay.kind == "merger":
            layers.append(merger_layer(lay.from_era, lay.to_era, lang, words, lay.style,
                                       lay.name if lang == "vi" else ""))
        elif lay.kind == "file":
            layers.append(file_layer(lay.path, lay.style, lay.name))
        else:
            notes.append(f"layer {lay.id} ({lay.kind}) is not printed: only {', '.join(PRINTABLE)} layers are")
    layers += [file_layer(f, code_field=code_field, lang=lang) for f in files]
    if not layers:
        raise PrintLayoutError(f"{spec.source}: nothing to print (no printable layer shown); give --era or --layer")
    return layers, notes
