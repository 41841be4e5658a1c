"""Paper sizes, standard scales and the arrangement of a printed page.

Every length on paper is in millimetres; every length on the ground in metres
of EPSG:5899. A map frame of ``w`` mm at scale ``1:N`` shows ``w * N / 1000``
metres, exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from haiha_geo.errors import PrintLayoutError

#: ISO 216 A-series sheets, (short, long) side in mm.
PAPERS: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0), "A3": (297.0, 420.0), "A2": (420.0, 594.0), "A1": (594.0, 841.0), "A0": (841.0, 1189.0),
}
ORIENTATIONS = ("landscape", "portrait")
#: Scales a planner expects on a sheet, largest (most detailed) first.
STANDARD_SCALES = (500, 1000, 2000, 5000, 10000, 25000, 50000, 100000)
#: Page margin outside the drawn border, mm.
MARGIN_MM = 10.0
#: Room between the map frame and what surrounds it, for the grid labels, mm on A4 (× √text_scale:
#: room for the grid labels on large sheets, and a 1:2,000 topographic sheet still fits A1).
GUTTER_MM = 8.0
#: Smallest width (side panel) or height (bottom panel) of the panel that holds legend and title block, mm.
MIN_PANEL_MM = 95.0


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, mm from the lower-left corner of the sheet."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass(frozen=True)
class PageLayout:
    """Where the border, the title strip, the map frame and the panel go on one sheet.

    Attributes
    ----------
    paper, orientation : str
    width, height : float
        Page size in mm.
    border, header, frame, panel : Box
        The drawn border; the title strip above the frame; the map frame
        (exactly the size that shows the ground at the scale); the panel
        (legend, scale, title block) to the right (landscape) or below
        (portrait) the frame.
    text_scale : float
        Factor applied to every font size and line weight, proportional to the short side of the paper
        (1 on A4, √2 on A3, 2√2 on A1, 4 on A0).
    """

    paper: str
    orientation: str
    width: float
    height: float
    border: Box
    header: Box
    frame: Box
    panel: Box
    text_scale: float


def page_size(paper: str, orientation: str) -> tuple[float, float]:
    """Width and height of ``paper`` in ``orientation``, mm.

    Examples
    --------
    >>> page_size("A3", "landscape")
    (420.0, 297.0)
    >>> page_size("B5", "portrait")
    Traceback (most recent call last):
    ...
    haiha_geo.errors.PrintLayoutError: paper 'B5': expected one of A4, A3, A2, A1, A0
    """
    if paper not in PAPERS:
        raise PrintLayoutError(f"paper {paper!r}: expected one of {', '.join(PAPERS)}")
    if orientation not in ORIENTATIONS:
        raise PrintLayoutError(f"orientation {orientation!r}: expected landscape or portrait")
    short, long = PAPERS[paper]
    return (long, short) if orientation == "landscape" else (short, long)


#: How type sizes grow with the paper: (short side / A4's) ** TEXT_GROWTH. 0.75 keeps a sheet's text in
#: proportion to its size closely enough that A1 text is 2 ** 0.75 ≈ 1.68 × A3 text (issue 19: at least 1.6 ×),
#: without A0 titles the size of a poster's.
TEXT_GROWTH = 0.75


def _text_scale(width: float, height: float) -> float:
    return (min(width, height) / PAPERS["A4"][0]) ** TEXT_GROWTH


def available(paper: str, orientation: str) -> PageLayout:
    """The layout of a sheet whose map frame takes all the room the panel leaves."""
    width, height = page_size(paper, orientation)
    k = _text_scale(width, height)
    border = Box(MARGIN_MM, MARGIN_MM, width - 2 * MARGIN_MM, height - 2 * MARGIN_MM)
    header_h = 14.0 * k
    gutter = GUTTER_MM * math.sqrt(k)
    header = Box(border.x, border.top - header_h, border.w, header_h)
    if orientation == "landscape":
        panel_w = max(MIN_PANEL_MM, 0.26 * border.w)
        panel = Box(border.right - panel_w, border.y, panel_w, border.h)
        header = Box(border.x, header.y, border.w - panel_w, header_h)
        frame = Box(border.x + gutter, border.y + gutter, border.w - panel_w - 2 * gutter,
                    border.h - header_h - 2 * gutter)
    else:
        panel_h = max(MIN_PANEL_MM, 0.24 * border.h)
        panel = Box(border.x, border.y, border.w, panel_h)
        frame = Box(border.x + gutter, border.y + panel_h + gutter, border.w - 2 * gutter,
                    border.h - header_h - panel_h - 2 * gutter)
    return PageLayout(paper, orientation, width, height, border, header, frame, panel, k)


def with_frame(paper: str, orientation: str, frame_w: float, frame_h: float) -> PageLayout | None:
    """The layout with a map frame of exactly ``frame_w`` × ``frame_h`` mm, or None when it does not fit.

    The frame keeps its place at the top (portrait) or left (landscape); the
    panel grows into the room left over, and must keep :data:`MIN_PANEL_MM`.

    Examples
    --------
    >>> lay = with_frame("A1", "portrait", 500, 500)
    >>> round(lay.frame.w, 3), round(lay.frame.h, 3), lay.panel.h > 95
    (500, 500, True)
    >>> with_frame("A2", "portrait", 500, 500) is None
    True
    """
    room = available(paper, orientation)
    border, header = room.border, room.header
    gutter = GUTTER_MM * math.sqrt(room.text_scale)
    if orientation == "landscape":
        panel_w = border.w - frame_w - 2 * gutter
        if panel_w < MIN_PANEL_MM or frame_h > border.h - header.h - 2 * gutter:
            return None
        frame = Box(border.x + gutter, header.y - gutter - frame_h, frame_w, frame_h)
        panel = Box(border.right - panel_w, border.y, panel_w, border.h)
        header = Box(border.x, header.y, border.w - panel_w, header.h)
    else:
        panel_h = border.h - header.h - frame_h - 2 * gutter
        if panel_h < MIN_PANEL_MM or frame_w > border.w - 2 * gutter:
            return None
        frame = Box(border.x + (border.w - frame_w) / 2, header.y - gutter - frame_h, frame_w, frame_h)
        panel = Box(border.x, border.y, border.w, panel_h)
    return PageLayout(paper, orientation, room.width, room.height, border, header, frame, panel, room.text_scale)


def fit_sheet(frame_w: float, frame_h: float, paper: str, orientation: str | None = None,
              what: str = "the sheet") -> PageLayout:
    """The layout for a frame of ``frame_w`` × ``frame_h`` mm on ``paper`` (portrait tried first).

    Raises
    ------
    PrintLayoutError
        The frame does not fit; the message names the smallest paper that fits.

    Examples
    --------
    >>> fit_sheet(500, 500, "A1").orientation
    'portrait'
    >>> fit_sheet(500, 500, "A3")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    haiha_geo.errors.PrintLayoutError: the sheet (500 × 500 mm at true scale) does not fit A3 with its grid labels
    and title block; the smallest paper that fits is A1 (--paper A1)
    """
    orientations = (orientation,) if orientation else ("portrait", "landscape")
    for o in orientations:
        if (lay := with_frame(paper, o, frame_w, frame_h)) is not None:
            return lay
    fits = [p for p in PAPERS if any(with_frame(p, o, frame_w, frame_h) for o in orientations)]
    hint = f"the smallest paper that fits is {fits[0]} (--paper {fits[0]})" if fits else \
        "no paper up to A0 fits; print at a smaller scale"
    how = f" in {orientation}" if orientation else ""
    raise PrintLayoutError(f"{what} ({frame_w:.0f} × {frame_h:.0f} mm at true scale) does not fit {paper}{how} "
                           f"with its grid labels and title block; {hint}")


def best_scale(ground_w: float, ground_h: float, frame_w: float, frame_h: float) -> int:
    """The largest standard scale (smallest denominator) at which ``ground_w`` × ``ground_h`` m fit the frame.

    Examples
    --------
    >>> best_scale(31800, 42600, 260, 380)
    150000
    >>> best_scale(900, 900, 500, 500)
    2000
    """
    need = max(ground_w * 1000 / frame_w, ground_h * 1000 / frame_h)
    for scale in STANDARD_SCALES:
        if scale >= need:
            return scale
    step = 10 ** math.floor(math.log10(need))  # beyond 1:100,000: the next round denominator
    return int(next(b * step for b in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10) if b * step >= need))


def check_scale(scale: int | float) -> int:
    """``scale`` as a whole denominator, or :class:`PrintLayoutError`.

    Examples
    --------
    >>> check_scale(2000)
    2000
    >>> check_scale(0)
    Traceback (most recent call last):
    ...
    haiha_geo.errors.PrintLayoutError: scale 1:0: give a whole denominator between 100 and 5000000 (e.g. --scale 2000)
    """
    if isinstance(scale, bool) or not float(scale).is_integer() or not 100 <= scale <= 5_000_000:
        raise PrintLayoutError(f"scale 1:{scale}: give a whole denominator between 100 and 5000000 "
                               "(e.g. --scale 2000)")
    return int(scale)
