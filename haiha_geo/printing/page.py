"""One printed page: ``print_map`` and the page composition the atlas shares.

The map frame is a matplotlib axes whose size in mm times the scale is its
extent in EPSG:5899 metres, exactly; everything else (title, legend, north
arrow, scale, title block) is drawn on a page-sized axes in mm.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import shapely

import haiha_geo.printing.basemap as basemap
import haiha_geo.printing.draw as draw
import haiha_geo.printing.grid as grid
import haiha_geo.printing.layout as layout
import haiha_geo.printing.text as printed
import haiha_geo.printing.titleblock as titleblock
from haiha_geo import registry, timeline
from haiha_geo._version import __version__
from haiha_geo.dossier import Dossier
from haiha_geo.errors import PrintLayoutError
from haiha_geo.io import atomic_path, output_format
from haiha_geo.maps.spec import MapSpec, load_spec
from haiha_geo.place import place
from haiha_geo.printing.layers import PrintLayer, from_spec
from haiha_geo.sources import provenance

#: The font: matplotlib's own DejaVu Sans (shipped in the wheel, full Vietnamese coverage), embedded as TrueType.
FONT = "DejaVu Sans"
RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "sans-serif", "font.sans-serif": [FONT],
      "svg.hashsalt": "haiha-geo", "path.simplify": False, "axes.unicode_minus": False}
MM = 1 / 25.4
#: Output formats and their file-name suffixes.
SUFFIXES = {"pdf": (".pdf",), "png": (".png",)}
#: Most pixels a PNG may have: A0 at 300 dpi (140 million) fits; each pixel takes about 4 bytes while drawn,
#: so the limit holds a PNG page below about 1 GB of memory.
PIXEL_BUDGET = 150_000_000


@dataclass
class PrintDocument:
    """Printed pages, drawn when they are written, plus what was left out.

    Attributes
    ----------
    pages : list of callable
        One per page: ``page()`` draws it and returns ``(figure, notes)``.
        :meth:`save` draws, writes and drops the pages one at a time, so the
        memory of a 100-page atlas is that of one page.
    notes : list of str
        Labels dropped for lack of room, layers not printed, characters the
        font cannot draw (notes of a page are added when it is drawn).
    info : dict
        Paper, orientation, page and frame size (mm), scale and extent (m) of each page.

    In a notebook the document shows its first page.
    """

    pages: list
    notes: list[str] = field(default_factory=list)
    info: list[dict] = field(default_factory=list)

    @functools.cached_property
    def figure(self):
        """The first page (drawn once)."""
        return self._draw(self.pages[0])

    def _draw(self, page):
        fig, notes = page()
        self.notes += [n for n in notes if n not in self.notes]
        return fig

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=60)
        return buffer.getvalue()

    def save(self, path: str | os.PathLike, *, format: str | None = None, dpi: int = 200,
             inputs=()) -> Path:
        """Write the pages atomically: one multi-page vector PDF, or a PNG of a one-page document.

        ``format`` (pdf or png) must agree with the suffix of ``path``; without
        it the suffix decides. A PNG is refused beyond :data:`PIXEL_BUDGET`
        pixels, naming the largest ``dpi`` that fits. Reruns give identical
        bytes (no creation date, fixed producer). ``inputs`` are files the
        output must not replace.

        Raises
        ------
        OptionError
            ``format`` and the suffix disagree, or the suffix names no format.
        PrintLayoutError
            A PNG of several pages, a ``dpi`` outside 30–1200 or beyond the pixel budget.
        """

        path = Path(path)
        fmt = output_format(path, format, SUFFIXES)
        if fmt == "png":
            self._check_raster(path, dpi)
        with atomic_path(path, inputs) as tmp, matplotlib.rc_context(RC):
            if fmt == "pdf":
                self._write_pdf(tmp)
            else:
                self.figure.savefig(tmp, format="png", dpi=dpi, metadata={"Software": f"haiha-geo {__version__}"})
        return path

    def _check_raster(self, path: Path, dpi: int) -> None:
        if len(self.pages) > 1:
            raise PrintLayoutError(f"{path}: a PNG holds one page and this document has {len(self.pages)}; "
                                   "write a PDF")
        if not 30 <= dpi <= 1200:
            raise PrintLayoutError(f"--dpi {dpi}: give 30 to 1200 dots per inch")
        w_in, h_in = (v * MM for v in self.info[0]["page_mm"])
        pixels = w_in * dpi * h_in * dpi
        if pixels > PIXEL_BUDGET:
            largest = math.floor(math.sqrt(PIXEL_BUDGET / (w_in * h_in)))
            raise PrintLayoutError(
                f"--dpi {dpi} on {self.info[0]['paper']} makes a PNG of {pixels / 1e6:,.0f} million pixels "
                f"(about {pixels * 4 / 1e9:,.1f} GB of memory), beyond the limit of {PIXEL_BUDGET / 1e6:,.0f} "
                f"million: give --dpi {largest} or less, or write a PDF (vector, sharp at any size)")

    def _write_pdf(self, tmp: Path) -> None:
        """Each page drawn, written and released in turn; a failed write stops without finishing the file.

        A figure is a web of reference cycles that only the garbage collector
        frees: it runs after every page, over the objects made since the
        first page only (:func:`gc.freeze`), so a page costs what it did.
        """
        from matplotlib.backends.backend_pdf import PdfPages

        pdf = PdfPages(tmp, metadata=_pdf_metadata(self))
        gc.freeze()
        try:
            for page in self.pages:
                pdf.savefig(self._draw(page))
                gc.collect()
        except BaseException:
            with contextlib.suppress(Exception):  # closing a half-written file fails again (zlib, disk full)
                pdf.close()
            raise
        finally:
            gc.unfreeze()
        pdf.close()


def _pdf_metadata(doc: PrintDocument) -> dict:
    title = printed.printable(doc.info[0].get("title", "")) if doc.info else ""
    return {"Title": title, "Creator": f"haiha-geo {__version__}", "Producer": f"haiha-geo {__version__} (matplotlib)",
            "CreationDate": None, "ModDate": None}


def new_page(lay: layout.PageLayout):
    """A figure of the paper's size with a page axes in mm covering it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(lay.width * MM, lay.height * MM), dpi=72)
        FigureCanvasAgg(fig)  # measures text for the label placement
        paper = fig.add_axes((0, 0, 1, 1))
        paper.set_xlim(0, lay.width)
        paper.set_ylim(0, lay.height)
        paper.set_axis_off()
    return fig, paper


def map_axes(fig, lay: layout.PageLayout, x0: float, y0: float, scale: int):
    """The map frame axes: ``lay.frame`` on the page, lower-left ground corner (x0, y0), ``scale``."""
    f = lay.frame
    ax = fig.add_axes((f.x / lay.width, f.y / lay.height, f.w / lay.width, f.h / lay.height))
    ax.set_xlim(x0, x0 + f.w * scale / 1000)
    ax.set_ylim(y0, y0 + f.h * scale / 1000)
    ax.set_aspect("auto")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def frame_rectangle(paper, lay: layout.PageLayout, lw: float = 1.0) -> None:
    """The map frame line, one rectangle in the PDF (what a reader measures)."""
    from matplotlib.patches import Rectangle

    f = lay.frame
    paper.add_patch(Rectangle((f.x, f.y), f.w, f.h, fill=False, edgecolor="black", lw=lw, zorder=30,
                              joinstyle="miter"))


@dataclass
class PageContent:
    """What a page says besides its map: title lines, title block, extra panel blocks."""

    title: str
    subtitle: str
    block: titleblock.TitleBlock
    lang: str
    grid_style: str = "lines"
    extras: list = field(default_factory=list)  # callables (paper, box, size_pt) drawing a panel block


def compose(lay: layout.PageLayout, layers: list[PrintLayer], clip, x0: float, y0: float, scale: int,
            content: PageContent) -> tuple[object, list[str], list[str]]:
    """Draw one page; return the figure, the labels dropped for lack of room and notes on unprintable text.

    Every text reaches the page through :func:`haiha_geo.printing.text.printable`
    (:func:`printable_page`); the title is fitted to the width of its strip.
    """
    k = lay.text_scale
    w = titleblock.words(content.lang)
    content, layers, notes = printable_page(content, layers)
    with matplotlib.rc_context(RC):
        fig, paper = new_page(lay)
        paper.add_patch(titleblock._rect(lay.border.x, lay.border.y, lay.border.w, lay.border.h, lw=1.4))
        h = lay.header
        for line, y, size, bold in ((content.title, 0.35, 13 * k, True), (content.subtitle, 0.75, 8 * k, False)):
            text, size = printed.fit_line(line, h.w * 0.96, size, size * 0.6, bold)
            paper.text(h.x + h.w / 2, h.top - h.h * y, text, fontsize=size, weight="bold" if bold else "normal",
                       ha="center", va="center", parse_math=False)
        ax = map_axes(fig, lay, x0, y0, scale)
        drawn = draw.draw_layers(ax, layers, clip, k)
        step = grid.grid_interval(scale)
        grid.draw_grid(ax, step=step, style=content.grid_style, fontsize=5.5 * k)
        _, dropped = draw.place_labels(ax, layers, clip, 8 * k)
        frame_rectangle(paper, lay)
        if dropped:  # on the sheet, not only on stderr
            _dropped_note(ax, lay, w["dropped"].format(names="; ".join(" ".join(d.split()) for d in dropped)), k)
        _panel(paper, lay, scale, drawn, step, content, k, w)
    return fig, dropped, notes


def _dropped_note(ax, lay: layout.PageLayout, text: str, k: float) -> None:
    """The names the map had no room for, in the lower left corner of the map frame, on a white ground."""
    size = 5.5 * k
    lines = titleblock.wrap(text, lay.frame.w * 0.6, size)[:6]
    ax.text(0.01, 0.01, "\n".join(lines), transform=ax.transAxes, fontsize=size, ha="left", va="bottom",
            parse_math=False, zorder=30, clip_on=False,
            bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "#555555", "linewidth": 0.4})


def printable_page(content: PageContent, layers: list[PrintLayer]) -> tuple[PageContent, list[PrintLayer], list[str]]:
    """``content`` and ``layers`` with every text printable: one-line titles, title-block rows and legends shortened.

    Returns them with a note for each character the font cannot draw (printed as "�").

    Examples
    --------
    >>> block = titleblock.TitleBlock([("Tên bản vẽ", "Đất 🌾\\u202e" + "x" * 400)])
    >>> content, _, notes = printable_page(PageContent("Ruộng\\n🌾", "1:2.000", block, "vi"), [])
    >>> content.title, len(content.block.rows[0][1]), notes
    ('Ruộng �', 300, ['U+1F33E (EAR OF RICE) has no glyph in the page font: printed as �'])
    """
    block = content.block
    texts = [content.title, content.subtitle, *(t for row in block.rows + block.extra + block.signers for t in row)]
    parts = [part for layer in layers for part in (*layer.extra, layer)]
    texts += [part.legend for part in parts]
    texts += [str(v) for part in parts if part.labels and "label" in part.frame for v in part.frame["label"]]
    notes = [f"{c} has no glyph in the page font: printed as {printed.REPLACEMENT}"
             for c in dict.fromkeys(c for t in texts for c in printed.missing_glyphs(t))]

    def rows(items):
        return [(printed.printable(a), printed.shorten(printed.printable(b, newlines=True))) for a, b in items]

    block = dataclasses.replace(block, rows=rows(block.rows), extra=rows(block.extra), signers=rows(block.signers),
                                mark=printed.printable(content.block.mark),
                                mark_note=printed.printable(content.block.mark_note))
    content = dataclasses.replace(content, title=printed.printable(content.title),
                                  subtitle=printed.printable(content.subtitle), block=block)
    return content, [_printable_layer(layer) for layer in layers], notes


def _printable_layer(layer: PrintLayer) -> PrintLayer:
    """``layer`` and its companions with a printable, shortened legend and printable labels (line breaks kept)."""
    out = dataclasses.replace(layer, legend=printed.shorten(printed.printable(layer.legend), printed.MAX_LEGEND_CHARS),
                              extra=[_printable_layer(part) for part in layer.extra])
    if out.labels and "label" in out.frame:
        labels = [printed.printable(str(v), newlines=True) for v in out.frame["label"]]
        if labels != list(out.frame["label"]):
            out.frame = out.frame.assign(label=labels)
    return out


def _panel(paper, lay, scale, drawn, step, content: PageContent, k, w) -> None:
    """North arrow, scale, legend, extra blocks and title block in the panel."""
    p, pad = lay.panel, 3 * k ** 0.5
    body = 6.5 * k
    entries = [*draw.legend_entries(drawn),
               (w["grid_line"].format(step=titleblock.format_int(step, content.lang)),
                {"color": "#555555", "weight": 0.5}, "line")]
    side = lay.orientation == "landscape"
    if side:
        inner = layout.Box(p.x + pad, p.y + pad, p.w - 2 * pad, p.h - 2 * pad)
        top_h = 34 * k ** 0.5
        tb_h = inner.h * 0.5
        tools = layout.Box(inner.x, inner.top - top_h, inner.w, top_h)
        block = layout.Box(inner.x, inner.y, inner.w, tb_h)
        middle = layout.Box(inner.x, block.top + pad, inner.w, tools.y - block.top - 2 * pad)
        extra_boxes = []
        if content.extras:
            eh = min(middle.h * 0.45, inner.w * 0.55)
            ew = (middle.w - pad * (len(content.extras) - 1)) / len(content.extras)
            extra_boxes = [layout.Box(middle.x + i * (ew + pad), middle.top - eh, ew, eh)
                           for i in range(len(content.extras))]
            middle = layout.Box(middle.x, middle.y, middle.w, middle.h - eh - pad)
    else:
        inner = layout.Box(p.x + pad, p.y + pad, p.w - 2 * pad, p.h - 2 * pad)
        tb_w = inner.w * 0.48
        block = layout.Box(inner.right - tb_w, inner.y, tb_w, inner.h)
        rest = inner.w - tb_w - pad
        tools_w = rest * (0.36 if content.extras else 0.45)
        tools = layout.Box(inner.x, inner.y, tools_w, inner.h)
        extra_boxes = []
        x = tools.right + pad
        if content.extras:  # one column, the blocks stacked
            n = len(content.extras)
            ew, eh = min(rest * 0.3, inner.h * 0.8 / n), (inner.h - pad * (n - 1)) / n
            extra_boxes = [layout.Box(x, inner.top - (i + 1) * eh - i * pad, ew, eh) for i in range(n)]
            x += ew + pad
        middle = layout.Box(x, inner.y, block.x - pad - x, inner.h)
    _tools(paper, tools, scale, content.lang, w, body, k)
    draw.draw_legend(paper, middle, w["legend"], entries, body, k)
    for make, box in zip(content.extras, extra_boxes):
        make(paper, box, body)
    titleblock.draw_title_block(paper, block, content.block, body * 1.4)


def _tools(paper, box, scale: int, lang: str, w: dict, body: float, k: float) -> None:
    """North arrow on the left, numeric and graphic scale beside it."""
    arrow_h = min(box.h * 0.55, 16 * k ** 0.5)
    ax_x = box.x + arrow_h * 0.45
    draw.draw_north_arrow(paper, ax_x, box.top - arrow_h - body * draw.PT_MM * 2.6, arrow_h, w["north"],
                          w["grid_north"], body)
    sx = ax_x + arrow_h * 0.6 + 3
    text, size = printed.fit_line(titleblock.format_scale(scale, lang), box.right - sx, body * 1.5, body, True)
    paper.text(sx, box.top - body * draw.PT_MM * 2, text, fontsize=size, weight="bold", va="center")
    draw.draw_scale_bar(paper, sx + 1, box.top - body * draw.PT_MM * 7, scale, box.right - sx - 8, body, lang)


def era_dates(era: str, lang: str) -> tuple[str, str]:
    """(era line, date-of-data line) for ``era`` from the registry: the act that created its units.

    The date line gives the act's signing and entry into force (tagged when
    inferred) and, when they start later, the day its new units operate from
    (``acts.csv``: ``in_force``, ``units_operate_from``).
    """

    w = titleblock.words(lang)
    units = registry.units_table(era)
    acts = registry.acts_table().set_index("act_id")
    start = str(units["valid_from"].min())
    act = acts.loc[units["created_by"].mode().iloc[0]]
    era_line = w["era_line"].format(era=era, n=len(units), start=titleblock.format_date(start, lang))
    in_force, confidence = ((act["in_force"], act["in_force_confidence"]) if act["in_force"]
                            else (act["effective"], act["effective_confidence"]))  # entry into force not recorded
    operate = act["units_operate_from"]
    date_line = w["date_line"].format(
        act=act["number"], signed=titleblock.format_date(act["signed"], lang),
        in_force=titleblock.format_date(in_force, lang), inferred=w["inferred"] if confidence == "I" else "",
        operate=w["operate"].format(date=titleblock.format_date(operate, lang)) if operate and operate != in_force
        else "")
    return era_line, date_line


def source_lines(layers: list[PrintLayer]) -> tuple[str, str]:
    """(reference sources, user layers) with short sha256 for the title block.

    An era's sources are the one its units are drawn from and the ``split_source`` that cuts its split
    units (``boundaries/eras.toml``: vn3dmap2025 for the units from 1/7/2025).
    """
    used = set()
    for layer in layers:
        for part in (layer, *layer.extra):
            prov = part.frame.attrs.get("provenance", {})
            used |= {prov[k] for k in ("boundary_source", "split_source") if k in prov}
            used |= {timeline.era(part.era).split_source} - {None} if part.era else set()
    refs = [f"{p['source']}/{Path(p['file']).name} sha256 {p['sha256'][:titleblock.SHORT_SHA]}"
            for p in provenance() if p["source"] in used and Path(p["file"]).stem.endswith("_communes")
            and not Path(p["file"]).stem.startswith("quang_ninh")]
    files = [layer.source for layer in layers if layer.era is None and layer.source]
    return "; ".join(refs), "; ".join(files)


def title_block(title: str, scale: int, layers: list[PrintLayer], lang: str, extra=(), dossier: Dossier | None = None,
                units=None) -> titleblock.TitleBlock:
    """The title block of a page showing ``layers`` at ``scale``, with the fields of ``dossier``.

    The dossier's drawing number, agencies, date and signatories (``--title-block FILE``) are rows of their
    own, empty where the file gives none (a line to fill in by hand), never invented. The place line names
    ``units`` (labels; default every unit of the era once its place's level is abolished) under the era shown
    (:func:`haiha_geo.printing.titleblock.place_line`).
    """
    w = titleblock.words(lang)
    dossier = dossier or Dossier()
    eras = sorted({part.era for layer in layers for part in (layer, *layer.extra) if part.era})
    era = eras[-1] if eras else None
    if units is None and era is not None and place().abolished_from is not None \
            and timeline.era(era).valid_from >= place().abolished_from:
        units = registry.units_table(era)["label"].tolist()
    agencies, signers = titleblock.dossier_rows(dossier, lang)
    rows = [(w["title"], dossier.title or title), (dossier.label("number", lang), dossier.number),
            (w["place"], titleblock.place_line(era, units or (), lang)),
            (w["scale"], f"1:{titleblock.format_int(scale, lang)}"), (w["crs"], titleblock.crs_line(lang)),
            (w["datum"], titleblock.datum_line(lang))]
    for era in eras:
        era_line, date_line = era_dates(era, lang)
        rows += [(w["era"], era_line), (w["date"], date_line)]
    refs, files = source_lines(layers)
    rows.append((w["sources"], refs))
    if files:
        rows.append((w["layers"], files))
    rows += list(extra) + agencies
    rows.append((w["software"], f"haiha-geo {__version__}"))
    return titleblock.TitleBlock(rows, w["mark"], w["mark_note"], signers=signers, signature=w["signature"])


def _extent(extent, drawn: list[PrintLayer], files: int) -> tuple[float, float, float, float]:
    """The ground box the frame must hold (see :func:`print_map`'s ``extent``)."""
    if extent is None or extent in ("layer", "unit"):
        chosen = drawn if extent is None else drawn[len(drawn) - files:] if extent == "layer" else \
            drawn[:len(drawn) - files]
        if not chosen:
            raise PrintLayoutError(f"--extent {extent}: " + ("no --layer given" if extent == "layer" else
                                                            "no units drawn") + "; give the extent as X0,Y0,X1,Y1")
        return shapely.union_all([shapely.union_all(part.frame.geometry.values) for layer in chosen
                                  for part in (layer, *layer.extra)]).bounds
    if isinstance(extent, str):
        raise PrintLayoutError(f"--extent {extent!r}: give layer, unit or X0,Y0,X1,Y1 in EPSG:5899 metres")
    x0, y0, x1, y1 = (float(v) for v in extent)
    if not (all(math.isfinite(v) for v in (x0, y0, x1, y1)) and x0 < x1 and y0 < y1):
        raise PrintLayoutError(f"--extent {x0},{y0},{x1},{y1}: give X0 < X1 and Y0 < Y1, finite, in EPSG:5899 metres")
    return x0, y0, x1, y1


def _check_fits(box: tuple[float, float, float, float], scale: int, lay: layout.PageLayout) -> None:
    """:class:`PrintLayoutError` naming the paper that fits when ``box`` at 1:``scale`` exceeds the frame."""
    need_w, need_h = (box[2] - box[0]) * 1000 / scale, (box[3] - box[1]) * 1000 / scale
    if need_w <= lay.frame.w + 1e-6 and need_h <= lay.frame.h + 1e-6:
        return
    fits = [(p, o) for p in layout.PAPERS for o in layout.ORIENTATIONS
            if (f := layout.available(p, o).frame).w >= need_w and f.h >= need_h]
    hint = f"--paper {fits[0][0]} --orientation {fits[0][1]} fits it" if fits else \
        f"no paper up to A0 fits it at 1:{scale}; leave --scale out for the largest scale that fits"
    raise PrintLayoutError(f"the extent ({box[2] - box[0]:,.0f} × {box[3] - box[1]:,.0f} m) needs a frame of "
                           f"{need_w:.0f} × {need_h:.0f} mm at 1:{scale}; {lay.paper} {lay.orientation} has "
                           f"{lay.frame.w:.0f} × {lay.frame.h:.0f} mm: {hint}")


def print_map(spec=None, *, paper: str | None = None, orientation: str | None = None, scale: int | None = None,
              era: str | None = None, layers=(), lang: str = "vi", title: str | None = None,
              extent: str | tuple[float, float, float, float] | None = None,
              center: tuple[float, float] | None = None, code_field: str | None = None,
              dossier: Dossier | None = None) -> PrintDocument:
    """Lay out one printed page of a map spec at an exact scale.

    Parameters
    ----------
    spec : str, path or MapSpec, optional
        A map spec (``maps/NAME.toml`` or a shipped name); default the district map.
        Its optional ``[print]`` table gives defaults for paper, orientation,
        scale, title and the layers printed.
    paper : {"A4", "A3", "A2", "A1", "A0"}
        Default A3 (or the spec's).
    orientation : {"landscape", "portrait"}
        Default landscape (or the spec's).
    scale : int, optional
        Denominator; default the largest standard scale at which everything fits.
    era : str, optional
        Print the units of this era instead of the spec's era layers.
    layers : sequence of path
        User vector files drawn on top.
    lang : {"vi", "en"}
    title : str, optional
        Drawing title (default the spec's).
    extent : {"layer", "unit"} or (x0, y0, x1, y1), optional
        What the frame must hold: the user's ``layers`` (``"layer"``: a plan on
        its own sheet), the units drawn (``"unit"``), or a box in EPSG:5899
        metres; default everything drawn. With a ``scale`` the extent must fit
        the frame, else the error names the paper that fits.
    center : (x, y), optional
        The frame's centre in EPSG:5899 metres (default the extent's centre).
    code_field : str, optional
        The column of the land-use codes of the ``layers`` (default: found by
        :func:`haiha_geo.land_codes.code_column`).
    dossier : Dossier, optional
        The drawing number, agencies, date and signatories of the title block
        (:func:`haiha_geo.dossier.read_dossier` of a ``--title-block`` file);
        its ``title``, when given, is the drawing's title.

    Returns
    -------
    PrintDocument
        ``.figure`` is the page; ``.save("map.pdf")`` writes it.

    Examples
    --------
    >>> doc = print_map(paper="A4", orientation="portrait", era="2025")
    >>> doc.info[0]["scale"], [round(v) for v in doc.info[0]["frame_mm"]]
    (300000, [174, 152])
    """

    lang = titleblock.check_lang(lang)
    w = titleblock.words(lang)
    spec = spec if isinstance(spec, MapSpec) else load_spec(spec)
    opts = spec.print
    era = registry.check_era(era) if era is not None else None
    drawn, notes = from_spec(spec, era=era, files=list(layers), lang=lang, words=w, code_field=code_field)
    lay = layout.available(paper or opts.get("paper", "A3"), orientation or opts.get("orientation", "landscape"))
    bx0, by0, bx1, by1 = _extent(extent, drawn, len(layers))
    if scale is None and "scale" in opts:
        scale = opts["scale"]
    scale = layout.check_scale(scale) if scale is not None else \
        layout.best_scale(bx1 - bx0, by1 - by0, lay.frame.w, lay.frame.h)
    if extent is not None:
        _check_fits((bx0, by0, bx1, by1), scale, lay)
    ground_w, ground_h = lay.frame.w * scale / 1000, lay.frame.h * scale / 1000
    cx, cy = center if center is not None else ((bx0 + bx1) / 2, (by0 + by1) / 2)
    x0, y0 = cx - ground_w / 2, cy - ground_h / 2
    clip = shapely.box(x0, y0, x0 + ground_w, y0 + ground_h)
    dossier = dossier or Dossier()
    one_era = None if era is None else w["era_title"].format(era=timeline.era(era).label(lang))  # says which
    name = title or dossier.title or opts.get("title") or one_era or spec.title
    block = title_block(name, scale, drawn, lang, dossier=dossier)
    content = PageContent(name.upper() if lang == "vi" else name, titleblock.format_scale(scale, lang), block, lang,
                          extras=basemap.location_insets(drawn, clip, w))
    below, above = basemap.context_layers(drawn, lang)
    fig, dropped, unprintable = compose(lay, [*below, *drawn, *above], clip, x0, y0, scale, content)
    notes += [f"label {d!r}: no room inside its unit; listed on the sheet" for d in dropped] + unprintable
    if not shapely.box(bx0, by0, bx1, by1).within(clip.buffer(1e-6)):
        notes.append(f"at 1:{scale} the frame ({ground_w:.0f} × {ground_h:.0f} m) cuts the map; "
                     "leave --scale out for the largest scale that fits")
    info = {"paper": lay.paper, "orientation": lay.orientation, "scale": scale, "title": name,
            "page_mm": (lay.width, lay.height), "frame_mm": (lay.frame.w, lay.frame.h),
            "extent": (x0, y0, x0 + ground_w, y0 + ground_h)}
    return PrintDocument([lambda: (fig, [])], notes, [info])
