"""The map-sheet atlas: one page per sheet of the sheet index, at true scale.

The sheets and their numbers are those of :func:`haiha_geo.zoning.study.sheets`
(``haiha-geo sheets``). A cadastral sheet is a square in EPSG:5899 and is the
map frame itself; a topographic sheet is a lon/lat quadrangle (EPSG:4756),
drawn inside a frame that is its EPSG:5899 bounding box.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import matplotlib
import numpy as np
import shapely

import haiha_geo.printing.layout as layout
import haiha_geo.printing.titleblock as titleblock
from haiha_geo.crs import PLANNING_CRS
from haiha_geo.dossier import Dossier
from haiha_geo.errors import PrintLayoutError
from haiha_geo.generalisation import coarser_than_sheet, generalisation
from haiha_geo.printing.basemap import context_layers, layer_geometries, location_insets
from haiha_geo.printing.layers import PrintLayer, era_layer, file_layer
from haiha_geo.printing.layers import unit_label as unit_label_of
from haiha_geo.printing.page import RC, PageContent, PrintDocument, compose, new_page, title_block
from haiha_geo.printing.text import fit_line, printable
from haiha_geo.zoning.study import sheets, study_area

#: Densification of a geographic sheet edge before projection, degrees.
DENSIFY_DEG = 0.0005


def _planning(geoms, crs: str):
    """Sheet geometries in EPSG:5899 (geographic edges densified first)."""
    if crs == PLANNING_CRS:
        return list(geoms)
    dense = shapely.segmentize(geoms, DENSIFY_DEG)
    return list(gpd.GeoSeries(dense, crs=crs).to_crs(PLANNING_CRS).values)


def _cell(bounds, size) -> tuple[int, int]:
    return round(bounds[0] / size[0]), round(bounds[1] / size[1])


def neighbours(index: gpd.GeoDataFrame, scale: int, system: str) -> dict[tuple[int, int], str]:
    """Sheet number by grid cell (column, row) for the sheets of ``index`` and every sheet around them."""

    b = index.geometry.bounds
    size = (float((b.maxx - b.minx).median()), float((b.maxy - b.miny).median()))
    ring = shapely.union_all([shapely.box(r.minx - size[0] * 0.5, r.miny - size[1] * 0.5, r.maxx + size[0] * 0.5,
                                          r.maxy + size[1] * 0.5) for r in b.itertuples()])
    around = sheets(_planning([ring], index.crs.to_string())[0], scale, system)
    return {_cell(g.bounds, size): n for n, g in zip(around["sheet"], around.geometry.values)}, size


def junction_block(number: str, cell: tuple[int, int], numbers: dict, in_atlas: set, title: str):
    """A drawer of the sheet-junction diagram (sơ đồ ghép mảnh): the sheet in the middle, its 8 neighbours around."""
    from matplotlib.patches import Rectangle

    def make(paper, box, size_pt):
        line = size_pt * 25.4 / 72 * 1.4
        paper.text(box.x + box.w / 2, box.top - line / 2, title, fontsize=size_pt * 1.1, weight="bold",
                   ha="center", va="center", parse_math=False)
        side = min(box.w, box.h - line * 1.6) / 3
        x0 = box.x + (box.w - 3 * side) / 2
        y0 = box.top - line * 1.6 - 3 * side
        names = [numbers.get((cell[0] + dc, cell[1] + dr), "") for dr in (1, 0, -1) for dc in (-1, 0, 1)]
        size = size_pt
        while size > 2.5 and max(titleblock.text_width_mm(n, size, True) for n in names) > side * 0.92:
            size *= 0.9
        for i, name in enumerate(names):
            r, c = divmod(i, 3)
            x, y = x0 + c * side, y0 + (2 - r) * side
            centre = i == 4
            paper.add_patch(Rectangle((x, y), side, side, lw=1.0 if centre else 0.4, edgecolor="black",
                                      facecolor="#fde0c5" if centre else "white"))
            paper.text(x + side / 2, y + side / 2, name, fontsize=size, ha="center", va="center",
                       weight="bold" if centre else "normal",
                       color="black" if centre or name in in_atlas else "#777777", parse_math=False)
    return make


def _dms(value: float) -> str:
    deg = int(value)
    minutes = (value - deg) * 60
    sec = round((minutes - int(minutes)) * 60, 1)
    return f"{deg}°{int(minutes):02d}′{sec:04.1f}″"


def corner_rows(sheet_geom, planning_geom, crs: str, w: dict) -> list[tuple[str, str]]:
    """Corner coordinates of a sheet: X (northing) and Y (easting) in EPSG:5899, plus lon/lat for geographic sheets."""
    minx, miny, maxx, maxy = sheet_geom.bounds
    corners = {"nw": (minx, maxy), "ne": (maxx, maxy), "sw": (minx, miny), "se": (maxx, miny)}
    parts = []
    for key, (x, y) in corners.items():
        if crs == PLANNING_CRS:
            parts.append(f"{w[key]}: X {y:.0f}, Y {x:.0f}")
        else:
            e, n = gpd.GeoSeries([shapely.Point(x, y)], crs=crs).to_crs(PLANNING_CRS).iloc[0].coords[0]
            parts.append(f"{w[key]}: {_dms(y)} N {_dms(x)} E (X {n:.0f}, Y {e:.0f})")
    return [(w["corners"], "\n".join(parts))]


def atlas(units, *, era: str, scale: int = 2000, system: str = "cadastral", paper: str = "A1",
          orientation: str | None = None, layers=(), lang: str = "vi", only=(),
          extent: str | tuple[float, float, float, float] | None = None, code_field: str | None = None,
          dossier: Dossier | None = None, skip_empty: bool = False) -> PrintDocument:
    """One page per map sheet of ``units`` at true scale.

    Parameters
    ----------
    units : str or sequence of str
        Unit name(s) of ``era`` (the study area of :func:`haiha_geo.zoning.study.study_area`).
    era : {"2019", "2020", "2025"}
    scale : int
        Sheet scale, default 2000.
    system : {"cadastral", "topographic"}
    paper : str
        Default A1; a sheet that does not fit raises :class:`PrintLayoutError` naming the paper that does.
    orientation : {"portrait", "landscape"}, optional
        Default: portrait if it fits, else landscape.
    layers : sequence of path
        User vector files, clipped to each sheet.
    lang : {"vi", "en"}
    only : sequence of str
        Sheet numbers to print (default all).
    extent : "layer" or (x0, y0, x1, y1), optional
        Print only the sheets that meet the user's ``layers`` (a plan's own
        sheets) or a box in EPSG:5899 metres.
    code_field : str, optional
        The column of the land-use codes of ``layers`` (see :func:`haiha_geo.printing.print_map`).
    dossier : Dossier, optional
        The dossier fields of every sheet's title block (see :func:`haiha_geo.printing.print_map`).
    skip_empty : bool
        Leave out the sheets with nothing but a unit fill (:func:`empty_sheets`); a contents page,
        first, lists the sheets printed and those skipped (count and numbers).

    Examples
    --------
    >>> doc = atlas("Cái Chiên", era="2025", only=["364504-5"])
    >>> len(doc.pages), [round(v, 3) for v in doc.info[0]["frame_mm"]]
    (1, [500.0, 500.0])
    """

    lang = titleblock.check_lang(lang)
    w = titleblock.words(lang)
    area = study_area(units, era)
    index = sheets(area, scale, system)
    if only:
        unknown = [s for s in only if s not in set(index["sheet"])]
        if unknown:
            raise PrintLayoutError(f"sheet(s) {', '.join(unknown)} do not cover {area.name} at 1:{scale} "
                                   f"({system}); `haiha-geo sheets` lists its {len(index)} sheets")
        index = index[index["sheet"].isin(list(only))].reset_index(drop=True)
    crs = index.crs.to_string()
    note = precision_note(area.era, scale, lang)
    base = era_layer(area.era, lang, w, style={"dashArray": "8 3"} if note else None)
    if note:
        base.legend = f"{base.legend} ({_REFERENCE_LINE[lang]})"
    drawn = [base] + [file_layer(f, code_field=code_field, lang=lang) for f in layers]
    if extent is not None:
        index = _sheets_meeting(index, crs, extent, drawn[1:])
    planning = _planning(index.geometry.values, crs)
    skipped = []
    if skip_empty:
        empty = empty_sheets(planning, base, drawn[1:])
        if empty.all():
            raise PrintLayoutError(f"--skip-empty: all {len(index)} sheet(s) show nothing but the unit fill; "
                                   "print them without --skip-empty, or add the plan with --layer")
        skipped = index["sheet"][empty].tolist()
        index, planning = index[~empty].reset_index(drop=True), [p for p, e in zip(planning, empty) if not e]
    numbers, size = neighbours(index, scale, system)
    in_atlas = set(index["sheet"])
    below, above = context_layers(drawn, lang)
    widest = max(g.bounds[2] - g.bounds[0] for g in planning) * 1000 / scale
    tallest = max(g.bounds[3] - g.bounds[1] for g in planning) * 1000 / scale
    layout.fit_sheet(widest, tallest, paper, orientation, what=f"a 1:{scale} {system} sheet")
    unit_label = " + ".join(unit_label_of(row, lang) for _, row in area.units.iterrows())
    title = w["atlas_title"].format(unit=unit_label.upper() if lang == "vi" else unit_label,
                                    scale=titleblock.format_int(scale, lang))
    doc = PrintDocument([])
    if skip_empty:
        lay = layout.fit_sheet(widest, tallest, paper, orientation)
        doc.pages.append(functools.partial(contents_page, lay, title, index["sheet"].tolist(), skipped, lang))
        doc.info.append({"paper": lay.paper, "orientation": lay.orientation, "scale": scale, "sheet": None,
                         "title": title, "page_mm": (lay.width, lay.height), "frame_mm": (lay.frame.w, lay.frame.h),
                         "extent": None, "skipped": skipped})
    for i, (number, geom, plane) in enumerate(zip(index["sheet"], index.geometry.values, planning), start=1):
        x0, y0, x1, y1 = plane.bounds
        lay = layout.fit_sheet((x1 - x0) * 1000 / scale, (y1 - y0) * 1000 / scale, paper, orientation)
        page_layers = [*below, *drawn, *above] if crs == PLANNING_CRS else [*below, *drawn, *above, _edge(plane, w)]
        extra = [(w["sheet"], number), *corner_rows(geom, plane, crs, w), *([(_PRECISION[lang], note)] if note else [])]
        block = title_block(f"{title}, {w['sheet'].lower()} {number}", scale, page_layers, lang, extra, dossier,
                            area.units["label"].tolist())
        subtitle = f"{w['sheet']}: {number} · {w['system_' + system]} · {w['page'].format(i=i, n=len(index))}"
        junction = junction_block(number, _cell(geom.bounds, size), numbers, in_atlas, w["junction"])
        content = PageContent(title, subtitle, block, lang, "crosses", [junction, *location_insets(drawn, plane, w)])
        doc.pages.append(functools.partial(_page, number, lay, page_layers, plane, scale, content))
        doc.info.append({"paper": lay.paper, "orientation": lay.orientation, "scale": scale, "sheet": number,
                         "title": title, "page_mm": (lay.width, lay.height), "frame_mm": (lay.frame.w, lay.frame.h),
                         "extent": plane.bounds})
    return doc


_REFERENCE_LINE = {"vi": "ranh giới tham khảo", "en": "reference boundary"}
_PRECISION = {"vi": "Độ chính xác", "en": "Precision"}
_NOTE = {"vi": "Ranh giới tham khảo từ {source}, đoạn thẳng trung bình ~{mean} m, sai số có thể ~{error} m "
               "(ước lượng bằng nửa đoạn trung bình; chưa đối chiếu với ranh giới đo đạc)",
         "en": "Reference boundary from {source}, mean straight segment ~{mean} m, error possibly ~{error} m "
               "(estimated as half the mean segment; not checked against a surveyed boundary)"}


def precision_note(era: str, scale: int, lang: str = "vi") -> str | None:
    """The sheet note when the era's coarsest source is coarser than the drawing tolerance at 1:``scale``.

    The era's polygons come from GADM (and, from 2025, are cut along vn3dmap2025); the error is estimated as
    half the mean segment, an order of magnitude, not a measured deviation.

    Examples
    --------
    >>> precision_note("2019", 2000).startswith("Ranh giới tham khảo từ gadm41")
    True
    >>> precision_note("2019", 5_000_000) is None
    True
    """
    names = ["gadm41", *(["vn3dmap2025"] if era >= "2025" else [])]
    source = max(names, key=lambda name: generalisation(name).mean_m)
    if not coarser_than_sheet(source, scale):
        return None
    mean = generalisation(source).mean_m
    return _NOTE[lang].format(source=source, mean=titleblock.format_int(round(mean), lang),
                              error=titleblock.format_int(round(mean / 2), lang))


def empty_sheets(planes, units: PrintLayer, files: list[PrintLayer]) -> np.ndarray:
    """For each sheet (EPSG:5899 polygon), whether it shows nothing but a unit fill.

    Such a sheet lies inside one unit of ``units``, meets none of the units'
    boundaries (so no coast, sea, neighbour or border either: they lie
    outside the units) and no feature of the user's ``files``; its only label
    would be the name of the unit that fills it.

    Examples
    --------
    >>> from haiha_geo.printing.layers import era_layer
    >>> from haiha_geo.printing.titleblock import words
    >>> units = era_layer("2025", "vi", words("vi"))
    >>> inland = shapely.Point(units.frame.geometry.iloc[0].representative_point()).buffer(20, cap_style="square")
    >>> empty_sheets([inland, inland.buffer(1e6)], units, []).tolist()
    [True, False]
    """
    planes = np.asarray(planes, dtype=object)
    own = shapely.make_valid(layer_geometries(units))
    edges = shapely.union_all(shapely.boundary(own))
    shapely.prepare(edges)
    empty = _meets_any(planes, own, "within") & ~shapely.intersects(planes, edges)
    for part in (part for f in files for part in (f, *f.extra)):
        empty &= ~_meets_any(planes, part.frame.geometry.values, "intersects")
    return empty


def _meets_any(planes: np.ndarray, geoms, predicate: str) -> np.ndarray:
    """For each of ``planes``, whether ``predicate(plane, g)`` holds for any of ``geoms``."""
    hit = np.zeros(len(planes), dtype=bool)
    hit[shapely.STRtree(np.asarray(geoms, dtype=object)).query(planes, predicate=predicate)[0]] = True
    return hit


_CONTENTS = {"vi": {"title": "Mục lục", "printed": "Các mảnh in ({n}), theo thứ tự trang",
                    "skipped": "Các mảnh bỏ qua ({n}): chỉ có nền đơn vị hành chính, không có lô quy hoạch, "
                               "ranh giới hay nhãn nào khác"},
             "en": {"title": "Contents", "printed": "Sheets printed ({n}), in page order",
                    "skipped": "Sheets skipped ({n}): nothing but the unit fill, no plan plot, boundary "
                               "or other label"}}


def contents_page(lay: layout.PageLayout, title: str, printed: list[str], skipped: list[str],
                  lang: str = "vi") -> tuple[object, list[str]]:
    """The atlas's contents page: the sheets printed (with their page) and the sheets skipped, count and numbers.

    The lists are wrapped to the page; the type shrinks until they fit (down to 3 pt, then the list is cut
    with "…", which a 1:500 atlas of a whole commune could need).

    Examples
    --------
    >>> fig, notes = contents_page(layout.fit_sheet(500, 500, "A1"), "Atlas", ["373498-3-a"], ["373498-3-b"])
    >>> [t.get_text() for t in fig.axes[0].texts][1:]
    ['Các mảnh in (1), theo thứ tự trang', '373498-3-a (2)', 'Các mảnh bỏ qua (1): chỉ có nền đơn vị hành chính, \
không có lô quy hoạch, ranh giới hay nhãn nào khác', '373498-3-b']
    """
    w, k = _CONTENTS[titleblock.check_lang(lang)], lay.text_scale
    fig, paper = new_page(lay)
    b = lay.border
    with matplotlib.rc_context(RC):
        paper.add_patch(titleblock._rect(b.x, b.y, b.w, b.h, lw=1.4))
        head, size = fit_line(printable(f"{title} — {w['title']}"), b.w * 0.9, 13 * k, 8 * k, True)
        paper.text(b.x + b.w / 2, b.top - 12 * k, head, fontsize=size, weight="bold", ha="center", va="center")
        paragraphs = [(w["printed"].format(n=len(printed)), ", ".join(f"{n} ({i})" for i, n in
                                                                       enumerate(printed, start=2))),
                      (w["skipped"].format(n=len(skipped)), ", ".join(skipped))]
        top, width = b.top - 24 * k, b.w - 20 * k
        size = 9 * k
        while True:
            blocks = [(h, titleblock.wrap(body, width, size)) for h, body in paragraphs]
            line = size * 25.4 / 72 * 1.35
            need = sum((len(lines) + 2.5) * line for _, lines in blocks)
            if need <= top - b.y - 10 * k or size <= 3:
                break
            size = max(size * 0.9, 3)
        room = int((top - b.y - 10 * k) / line) - 5
        y = top
        for heading, lines in blocks:
            if len(lines) > room:
                lines = [*lines[:max(room, 1) - 1], "…"]
            room -= len(lines)
            paper.text(b.x + 10 * k, y, heading, fontsize=size, weight="bold", ha="left", va="top")
            paper.text(b.x + 10 * k, y - line * 1.2, "\n".join(lines), fontsize=size, ha="left", va="top",
                       linespacing=1.35)
            y -= (len(lines) + 2.5) * line
    return fig, []


def _sheets_meeting(index, crs: str, extent, files: list[PrintLayer]):
    """The sheets of ``index`` that meet the user's layers (``extent="layer"``) or a box in EPSG:5899."""
    if extent == "layer":
        if not files:
            raise PrintLayoutError("--extent layer: no --layer given; give --layer FILE or X0,Y0,X1,Y1")
        region = shapely.union_all([part.frame.geometry.union_all() for f in files for part in (f, *f.extra)])
    elif isinstance(extent, str):
        raise PrintLayoutError(f"--extent {extent!r}: an atlas takes layer or X0,Y0,X1,Y1 in EPSG:5899 metres")
    else:
        region = shapely.box(*extent)
    meets = [plane.intersects(region) for plane in _planning(index.geometry.values, crs)]
    if not any(meets):
        raise PrintLayoutError("no sheet of the atlas meets the extent; check that it lies in the study area "
                               "(EPSG:5899 metres)")
    return index[meets].reset_index(drop=True)


def _page(number: str, lay: layout.PageLayout, layers: list[PrintLayer], plane, scale: int,
          content: PageContent) -> tuple[object, list[str]]:
    """Draw the page of sheet ``number``: its figure and notes."""
    x0, y0 = plane.bounds[:2]
    fig, dropped, unprintable = compose(lay, layers, plane, x0, y0, scale, content)
    notes = [f"sheet {number}: label {d!r}: no room inside its unit; listed on the sheet" for d in dropped]
    return fig, notes + unprintable


def _edge(plane, w: dict) -> PrintLayer:
    """The geographic sheet's own edge, drawn inside its rectangular frame."""
    frame = gpd.GeoDataFrame(geometry=[plane.exterior], crs=PLANNING_CRS)
    return PrintLayer(frame, {"color": "#000000", "weight": 2, "fillOpacity": 0}, w["sheet_edge"])
