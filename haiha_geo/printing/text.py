"""Text as it may reach paper: no control or direction characters, no missing glyphs, no overflow.

Every string a page prints (titles, legend entries, labels, title-block rows)
passes through :func:`printable` first:

* NFC, so that decomposed Vietnamese (macOS file names) prints as composed letters;
* control characters (NUL, ``\\x0b``, DEL, C1) are dropped, a tab becomes a space;
  newlines are kept only where the caller allows a line break;
* format characters (Unicode category Cf: the bidi embeddings, overrides and
  isolates such as U+202E, zero-width joiners, the BOM, soft hyphens) are
  dropped, so a right-to-left override in a file name cannot reverse a line;
* a character the page font (DejaVu Sans, regular and bold) has no glyph for is
  printed as U+FFFD "�" and reported, instead of a blank box and a warning.

:func:`shorten` and :func:`fit_line` keep a text inside its frame: shrunk to a
smallest size, then cut with "…".
"""

from __future__ import annotations

import functools
import unicodedata

#: Shown instead of a character the page font cannot draw.
REPLACEMENT = "\ufffd"
#: Longest value of a title-block row (characters); a longer one ends in "…".
MAX_ROW_CHARS = 300
#: Longest legend entry (characters).
MAX_LEGEND_CHARS = 120


@functools.cache
def _glyphs() -> frozenset[int]:
    """Code points with a glyph in both DejaVu Sans and DejaVu Sans Bold (matplotlib's copies)."""
    from matplotlib import font_manager, ft2font

    maps = [set(ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                                                  weight=weight))).get_charmap())
            for weight in ("normal", "bold")]
    return frozenset(maps[0] & maps[1])


def _char(c: str, newlines: bool) -> str:
    if c == "\n":
        return c if newlines else " "
    kind = unicodedata.category(c)
    if kind == "Cc":
        return " " if c in "\t\r" else ""
    if kind == "Cf":
        return ""
    if ord(c) in _glyphs():
        return c
    return " " if kind[0] == "Z" else REPLACEMENT  # a space or separator the font lacks is a space


def printable(text: object, newlines: bool = False) -> str:
    """``text`` as the page can print it (see the module notes); ``newlines`` keeps line breaks.

    Examples
    --------
    >>> printable("Quy hoạch\\x00 \\u202eQuảng Hà\\u202c\\tfdp.gpkg")
    'Quy hoạch Quảng Hà fdp.gpkg'
    >>> printable("dòng 1\\ndòng 2"), printable("dòng 1\\ndòng 2", newlines=True)
    ('dòng 1 dòng 2', 'dòng 1\\ndòng 2')
    >>> printable("ruộng 🌾"), printable("Quảng Hà") == "Quảng Hà"  # second: NFD in, NFC out
    ('ruộng �', True)
    """
    text = unicodedata.normalize("NFC", str(text))
    if text.isascii() and text.isprintable():
        return text
    return "".join(_char(c, newlines) for c in text)


def missing_glyphs(text: object) -> list[str]:
    """The characters of ``text`` that :func:`printable` prints as "�", each once, as ``U+XXXX (name)``.

    Examples
    --------
    >>> missing_glyphs("ruộng 🌾 🌾\\x00")
    ['U+1F33E (EAR OF RICE)']
    """
    text = unicodedata.normalize("NFC", str(text))
    found = dict.fromkeys(c for c in text if _char(c, True) == REPLACEMENT)
    return [f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')})" for c in found]


def shorten(text: str, limit: int = MAX_ROW_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut (at a space when one is near).

    Examples
    --------
    >>> shorten("Quy hoạch phân khu xây dựng thị trấn Quảng Hà", 24)
    'Quy hoạch phân khu xây…'
    >>> shorten("ngắn", 24)
    'ngắn'
    """
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.7 else cut).rstrip() + "…"


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` set in the page font at ``size_pt``, mm (measured from the glyph outlines).

    Examples
    --------
    >>> round(text_width_mm("Quảng Hà", 10), 1)
    17.6
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=size_pt, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width * 25.4 / 72


def fit_line(text: str, width_mm: float, size_pt: float, smallest_pt: float, bold: bool = False) -> tuple[str, float]:
    """One line no wider than ``width_mm``: the size shrunk down to ``smallest_pt``, then the text cut with "…".

    Returns the text and the size to print it at.

    Examples
    --------
    >>> fit_line("BẢN ĐỒ HÀNH CHÍNH HUYỆN HẢI HÀ", 200, 13, 8)
    ('BẢN ĐỒ HÀNH CHÍNH HUYỆN HẢI HÀ', 13)
    >>> text, size = fit_line("BẢN ĐỒ " * 100, 200, 13, 8)
    >>> text.endswith("…"), size
    (True, 8)
    """
    size = size_pt
    while text_width_mm(text, size, bold) > width_mm and size > smallest_pt:
        size = max(size * 0.92, smallest_pt)
    if text_width_mm(text, size, bold) <= width_mm:
        return text, size
    low, high = 0, len(text)  # the longest cut that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if text_width_mm(text[:mid].rstrip() + "…", size, bold) <= width_mm:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…", size
