"""Report tables: one model and one writer per format, for every command.

A command hands in a :class:`ReportTable`: a title, :class:`Column` s (a
stable snake_case key, a Vietnamese and an English header with the unit, and
a kind that fixes how values are shown), rows keyed by column key, notes and
:class:`Source` s with their confidence tags. The writers are

- :func:`to_xlsx`: a printable workbook (title row, STT column, bold header
  with units, number formats, frozen header, column widths, A4 set-up fitted
  to the page width with the title and header repeated on every page, a
  second sheet of sources and confidence tags). Text never becomes a formula
  and two runs give the same bytes.
- :func:`render`: ``table`` (aligned text) and ``md`` (Markdown) for people,
  Vietnamese unless ``lang="en"``, with the title above and notes and
  sources below; ``csv`` and ``json`` for machines, keyed by the stable keys
  unless a ``lang`` is asked for.

Column kinds and how they are shown (XLSX number format / text):

=========  ====================================  =======================
kind       value                                 shown as
=========  ====================================  =======================
text       any text                              as is
ha         hectares                              ``#,##0.00``
number     any measure (m²/person, km², …)       ``#,##0.00``
share      a fraction (0.25 = 25 %)              ``0.00%``
percent    a value already in per cent (25.0)    ``0.00``
count      whole numbers (people, households)    ``#,##0``
year       a year (2025)                         ``0``
bool       True / False                          Có / Không (Yes / No)
date       ``datetime.date`` or ISO text         dd/mm/yyyy (ISO in English)
=========  ====================================  =======================

A ``text`` column may name its values (``labels``: a stable key shown in
Vietnamese or English words, e.g. ``merged_into`` → *nhập vào* / *merged
into*), and a column may belong to one language (``lang``: ``name_vi`` in the
Vietnamese table, ``name_en`` in the English one); the CSV and JSON keyed by
the stable keys hold every column and the keys themselves.

``decimals`` on a column changes the number of decimals of ``ha``,
``number``, ``share`` and ``percent``. Unknown values (None, NaN) are blank
cells. Numbers shown as text (the terminal table, Markdown, DOCX and the CSV
with ``lang="vi"``) are in the number format of the language: ``1.349,05`` in
Vietnamese, ``1,349.05`` in English; the CSV and JSON keyed by the stable
keys keep plain numbers, and XLSX keeps real numbers with format codes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import textwrap
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from haiha_geo._output import _clean, format_number, formula_like, to_csv, to_json, to_markdown, to_text
from haiha_geo.authored import read_toml
from haiha_geo.dossier import Dossier
from haiha_geo.errors import OptionError, RegistryError, TableValueError
from haiha_geo.io import atomic_path

KINDS = ("text", "ha", "number", "share", "percent", "count", "year", "bool", "date")
LANGS = ("vi", "en")
#: The document date of a workbook whose table gives none (XLSX needs one; a fixed one keeps reruns identical).
DEFAULT_DATE = dt.date(2000, 1, 1)
CREATOR = "haiha_geo"
#: What each confidence tag means (see research/haiha_facts.md).
CONFIDENCE = {
    "C": ("đã xác nhận trong nguồn trích dẫn", "confirmed by the cited source"),
    "C2": ("chỉ xác nhận qua nguồn thứ cấp (cơ sở dữ liệu, bài báo), chưa qua văn bản pháp lý",
           "confirmed only by a secondary dataset or article, not by the legal text"),
    "I": ("suy luận hoặc tính toán; cần kiểm tra trước khi dùng", "inferred or computed; verify before relying on it"),
}
_WORDS = {
    "stt": ("STT", "No."), "yes": ("Có", "Yes"), "no": ("Không", "No"), "notes": ("Ghi chú:", "Notes:"),
    "sources": ("Nguồn:", "Sources:"), "sources_sheet": ("Nguồn", "Sources"),
    "see_sources": ("Nguồn và độ tin cậy: xem trang «Nguồn».", "Sources and confidence: see the sheet 'Sources'."),
    "about": ("Nội dung", "Concerns"), "source": ("Nguồn", "Source"), "confidence": ("Độ tin cậy", "Confidence"),
    "sources_title": ("Nguồn và độ tin cậy", "Sources and confidence"), "tag": ("Mức", "Tag"),
    "page": ("Trang &P / &N", "Page &P of &N"),
    "unit": ("Đơn vị tính", "Unit"), "sign": ("(Ký, ghi rõ họ tên)", "(signature, full name)"),
    "head_sign": ("(Ký tên, đóng dấu)", "(signature, seal)"),
}
#: The font of every table and form, XLSX and DOCX alike: the font of Vietnamese administrative documents.
FONT = "Times New Roman"
#: Rows of blank space to sign in, between a signer's title and name.
SIGN_ROWS = 3
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # control characters XML cannot hold


def _word(name: str, lang: str) -> str:
    return _WORDS[name][LANGS.index(lang)]


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise OptionError(f"lang must be 'vi' (Vietnamese) or 'en' (English), not {lang!r}")
    return lang


@dataclass(frozen=True)
class Column:
    """One column of a report table.

    Parameters
    ----------
    key : str
        Stable snake_case key: the column name of the CSV and JSON.
    vi, en : str
        Headers with the unit, e.g. ``"Diện tích bản đồ (ha)"`` and ``"Map area (ha)"``.
    kind : str
        One of :data:`KINDS`; see the module notes.
    decimals : int, optional
        Decimals of a ``ha``, ``number``, ``share`` or ``percent`` column (2 by default).
    width : float, optional
        XLSX column width in characters (fitted to the content by default).
    labels : tuple of (key, vi, en), optional
        Words for the values of a ``text`` column that holds stable keys.
    lang : {"vi", "en"}, optional
        Show the column only in the table of this language.

    Examples
    --------
    >>> Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha").number_format()
    '#,##0.00'
    >>> Column("share", "Tỷ lệ", "Share", "share", decimals=1).number_format()
    '0.0%'
    >>> Column("relation", "Quan hệ", "Relation", labels=(("merged_into", "nhập vào", "merged into"),)).text(
    ...     "merged_into", "en")
    'merged into'
    """

    key: str
    vi: str
    en: str
    kind: str = "text"
    decimals: int | None = None
    width: float | None = None
    labels: tuple[tuple[str, str, str], ...] = ()
    lang: str | None = None

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise TableValueError(f"column key {self.key!r} is not snake_case (a-z, 0-9, _); machine formats need "
                                  "stable keys such as 'area_ha'")
        if self.kind not in KINDS:
            raise TableValueError(f"column {self.key!r}: unknown kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.labels and self.kind != "text":
            raise TableValueError(f"column {self.key!r}: only a text column can name its values (labels)")
        if self.lang is not None:
            _check_lang(self.lang)

    def label(self, value: Any, lang: str = "vi") -> Any:
        """``value`` in the words of ``lang`` when :attr:`labels` names it, else ``value`` itself."""
        words = {key: (vi, en) for key, vi, en in self.labels}
        return words[value][LANGS.index(_check_lang(lang))] if value in words else value

    def shown_in(self, lang: str | None) -> bool:
        """Whether the column belongs to the table in ``lang`` (None: the keyed table, every column)."""
        return lang is None or self.lang in (None, lang)

    def header(self, lang: str = "vi") -> str:
        """The header in ``lang``."""
        return self.vi if _check_lang(lang) == "vi" else self.en

    def number_format(self, lang: str = "vi") -> str:
        """The XLSX number format of the column (``"General"`` for text and booleans)."""
        places = 2 if self.decimals is None else self.decimals
        fraction = "." + "0" * places if places else ""
        return {"ha": f"#,##0{fraction}", "number": f"#,##0{fraction}", "share": f"0{fraction}%",
                "percent": f"0{fraction}", "count": "#,##0", "year": "0",
                "date": "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"}.get(self.kind, "General")

    def check(self, value: Any, row: int) -> Any:
        """``value`` as the column holds it (None when unknown); :class:`TableValueError` if it does not fit."""
        value = _clean(value)
        if value is None:
            return None
        where = f"row {row + 1}, column {self.key!r}"
        if self.kind == "text":
            return value if isinstance(value, str) else str(value)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise TableValueError(f"{where}: {value!r} is not True or False")
            return value
        if self.kind == "date":
            return _date(value, where)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TableValueError(f"{where}: {value!r} is not a number")
        if not math.isfinite(value):
            raise TableValueError(f"{where}: {value!r} is not a finite number; leave it blank (None) when unknown")
        if self.kind in ("count", "year"):
            if value != int(value):
                raise TableValueError(f"{where}: {value!r} is not a whole number; round counts (people, households) "
                                      "before reporting them, e.g. with largest-remainder rounding")
            return int(value)
        return value

    def text(self, value: Any, lang: str = "vi") -> str:
        """``value`` (as :meth:`check` returns it) shown as text."""
        if value is None:
            return ""
        places = 2 if self.decimals is None else self.decimals
        if self.kind in ("ha", "number", "percent"):
            return format_number(value, places, lang)
        if self.kind == "share":
            return format_number(value * 100, places, lang) + "%"
        if self.kind == "count":
            return format_number(value, 0, lang)
        if self.kind == "year":
            return f"{value:d}"
        if self.kind == "bool":
            return _word("yes" if value else "no", lang)
        if self.kind == "date":
            return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
        return self.label(value, lang)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise TableValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Source:
    """Where figures come from, with their confidence tag (``C``, ``C2`` or ``I``, see :data:`CONFIDENCE`).

    ``about`` says which figures the source supports (e.g. ``"Diện tích tự nhiên"``). ``text_en`` is the
    text of an English table where the Vietnamese one is a description rather than a citation.

    Examples
    --------
    >>> Source("Diện tích phẳng", "I", text_en="Planimetric area").text_in("en")
    'Planimetric area'
    """

    text: str
    confidence: str
    about: str = ""
    text_en: str = ""

    def text_in(self, lang: str) -> str:
        """The source's text in ``lang`` (the Vietnamese text where no English one is given)."""
        return self.text_en if lang == "en" and self.text_en else self.text


@dataclass(frozen=True)
class RowStyle:
    """How one row looks in the XLSX: bold, a fill (``#RRGGBB``) on its first column, an indent of its label.

    ``numbered=False`` leaves its STT blank (total and subtotal rows); ``stt`` gives its STT label
    instead of a running number (a form's hierarchical A, I, 1, 1.1, see :func:`hierarchical_stt`).
    """

    bold: bool = False
    fill: str | None = None
    indent: int = 0
    numbered: bool = True
    stt: str | None = None


_ROMAN = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90), ("L", 50), ("XL", 40),
          ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))


def _roman(number: int) -> str:
    out = ""
    for letters, value in _ROMAN:
        count, number = divmod(number, value)
        out += letters * count
    return out


def hierarchical_stt(levels: Sequence[int]) -> list[str]:
    """STT labels of rows at ``levels`` (1 at the top) as statutory forms number them: A, I, 1, 1.1, 1.1.1.

    Level 1 rows are lettered (A, B, …), level 2 in Roman numerals (I, II, …),
    level 3 numbered (1, 2, …) and deeper levels numbered under their parent
    (1.1, 1.1.1). A number restarts under each new parent.

    Examples
    --------
    >>> hierarchical_stt([1, 2, 3, 4, 4, 3, 2, 1, 2])
    ['A', 'I', '1', '1.1', '1.2', '2', 'II', 'B', 'I']
    """
    counts: list[int] = []
    labels = []
    for level in levels:
        if level < 1:
            raise TableValueError(f"STT level {level!r} is not 1 or more")
        counts = counts[:level] + [0] * max(level - len(counts), 0)
        counts[level - 1] += 1
        n = counts[level - 1]
        if level == 1:
            labels.append(chr(ord("A") + n - 1) if n <= 26 else str(n))
        elif level == 2:
            labels.append(_roman(n))
        else:
            labels.append(".".join(str(c or 1) for c in counts[2:level]))
    return labels


@dataclass(frozen=True)
class ColumnGroup:
    """A header over neighbouring columns: "Hiện trạng" over its ha and % columns.

    Examples
    --------
    >>> ColumnGroup("Hiện trạng", "Existing", ("existing_ha", "existing_pct")).header("en")
    'Existing'
    """

    vi: str
    en: str
    keys: tuple[str, ...]

    def header(self, lang: str = "vi") -> str:
        """The header in ``lang``."""
        return self.vi if _check_lang(lang) == "vi" else self.en


@dataclass(frozen=True)
class FormFrame:
    """What makes a table a statutory form (biểu), read from ``layers/forms/NAME.toml`` by :func:`read_form`.

    Parameters
    ----------
    title, title_en : str
        The form's title.
    number, number_en : str
        The form number line ("Biểu số 01"), above the title at the right.
    unit : str
        The unit of its figures ("ha": the line "Đơn vị tính: ha").
    basis, basis_en : str
        The form's legal basis, under the title.
    groups : tuple of ColumnGroup
        Headers over neighbouring columns (a second header row).
    column_numbers : bool
        A row (1), (2), … under the header.
    dossier : Dossier
        The agency line (``prepared_by``), the place-and-date line and the
        signers (``compiler``, ``head``) from the ``--title-block`` TOML; empty
        fields leave a blank line to sign on.

    Examples
    --------
    >>> frame = FormFrame("Bảng", number="Biểu số 01", unit="ha", dossier=Dossier(compiler="Phạm Văn D"))
    >>> frame.unit_line(), frame.signers()[0], frame.signers()[1][2]
    ('Đơn vị tính: ha', ('Người lập biểu', '(Ký, ghi rõ họ tên)', 'Phạm Văn D'), '')
    """

    title: str
    title_en: str = ""
    number: str = ""
    number_en: str = ""
    unit: str = ""
    basis: str = ""
    basis_en: str = ""
    groups: tuple[ColumnGroup, ...] = ()
    column_numbers: bool = True
    dossier: Dossier = field(default_factory=Dossier)

    def number_in(self, lang: str) -> str:
        """The form number line in ``lang``."""
        return self.number if _check_lang(lang) == "vi" or not self.number_en else self.number_en

    def basis_in(self, lang: str) -> str:
        """The legal-basis line in ``lang``."""
        return self.basis if _check_lang(lang) == "vi" or not self.basis_en else self.basis_en

    def unit_line(self, lang: str = "vi") -> str:
        """"Đơn vị tính: ha" (empty without a unit)."""
        return f"{_word('unit', lang)}: {self.unit}" if self.unit else ""

    def signers(self, lang: str = "vi") -> list[tuple[str, str, str]]:
        """``(title, hint, name)`` of the compiler and the head of the agency, names empty when not given."""
        return [(self.dossier.label(key, lang), _word(hint, lang), getattr(self.dossier, key))
                for key, hint in (("compiler", "sign"), ("head", "head_sign"))]

    def group_of(self, key: str) -> ColumnGroup | None:
        """The group over column ``key``, if any."""
        return next((g for g in self.groups if key in g.keys), None)


def read_form(name: str, *, dossier: Dossier | None = None, groups: Sequence[ColumnGroup] = ()) -> FormFrame:
    """The form ``layers/forms/NAME.toml`` (title, number, unit, legal basis) with the dossier and header groups.

    Raises
    ------
    RegistryError
        No such form, or its file lacks a title or holds a key that is not a form field.

    Examples
    --------
    >>> read_form("can_bang_su_dung_dat").unit_line()
    'Đơn vị tính: ha'
    """
    data = read_toml("layers", f"forms/{name}.toml")
    known = {"title", "title_en", "number", "number_en", "unit", "basis", "basis_en", "column_numbers"}
    unknown = sorted(set(data) - known)
    if unknown or not isinstance(data.get("title"), str):
        raise RegistryError(f"form layers/forms/{name}.toml needs a title and knows only {', '.join(sorted(known))}"
                            + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return FormFrame(**data, groups=tuple(groups), dossier=dossier or Dossier())


@dataclass
class ReportTable:
    """A table for people, with what the machine formats need to stay stable.

    Parameters
    ----------
    title : str
        Vietnamese title (the first row of the sheet, the line above a text table).
    columns : sequence of Column
    rows : sequence of mapping
        Values keyed by column key; a missing key is an unknown (blank) value.
    title_en : str, optional
        English title (the Vietnamese one when omitted).
    notes, notes_en : sequence of str
        Footer lines (Vietnamese; English, the Vietnamese ones when omitted).
    sources : sequence of Source
    styles : sequence of RowStyle, optional
        One per row, or none.
    label_key : str, optional
        The column whose text :attr:`RowStyle.indent` indents (a hierarchy of categories).
    sheet, sheet_en : str, optional
        Name of the XLSX sheet (the title, shortened to 31 characters, by default).
    date : datetime.date, optional
        Date of the data: the workbook's creation and modification date
        (:data:`DEFAULT_DATE` when omitted, so that reruns are identical).
    form : FormFrame, optional
        Makes the table a statutory form: number, unit line, header groups,
        column numbers, place-and-date line and signature block in every writer.
    annexes : sequence of ReportTable
        Tables that go with this one (an audit breakdown): each a sheet of its
        own in XLSX, a table after this one in DOCX, ``table`` and ``md``; CSV
        and JSON hold this table only.

    Raises
    ------
    TableValueError
        Duplicate column keys, a row key that names no column, a value that
        does not fit its column (see :meth:`Column.check`), ``styles`` of the
        wrong length, or a header group over unknown or non-adjacent columns.

    Examples
    --------
    >>> table = ReportTable("Dân số theo xã", [Column("name", "Tên đơn vị", "Unit"),
    ...     Column("population", "Dân số (người)", "Population (people)", "count")],
    ...     [{"name": "Quảng Hà", "population": 28895}, {"name": "Đường Hoa", "population": None}],
    ...     title_en="Population by commune", sources=[Source("test data", "I")])
    >>> print(render(table, "table"))
    Dân số theo xã
    <BLANKLINE>
    STT  Tên đơn vị  Dân số (người)
    ---  ----------  --------------
      1  Quảng Hà            28.895
      2  Đường Hoa
    <BLANKLINE>
    Nguồn:
    1. test data [I]
    <BLANKLINE>
    >>> print(render(table, "csv"), end="")
    name,population
    Quảng Hà,28895
    Đường Hoa,
    """

    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    title_en: str | None = None
    notes: Sequence[str] = ()
    notes_en: Sequence[str] | None = None
    sources: Sequence[Source] = ()
    styles: Sequence[RowStyle] = ()
    label_key: str | None = None
    sheet: str | None = None
    sheet_en: str | None = None
    date: dt.date | None = None
    form: FormFrame | None = None
    annexes: Sequence[ReportTable] = ()
    _cells: list[list[Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if not keys:
            raise TableValueError(f"report table {self.title!r} has no columns")
        doubled = sorted({k for k in keys if keys.count(k) > 1})
        if doubled:
            raise TableValueError(f"report table {self.title!r}: duplicated column key(s) {', '.join(doubled)}")
        if self.label_key is not None and self.label_key not in keys:
            raise TableValueError(f"label_key {self.label_key!r} names no column; columns: {', '.join(keys)}")
        if self.styles and len(self.styles) != len(self.rows):
            raise TableValueError(f"{len(self.styles)} row styles for {len(self.rows)} rows; give one per row or none")
        cells = []
        for i, row in enumerate(self.rows):
            unknown = sorted(set(row) - set(keys))
            if unknown:
                raise TableValueError(f"row {i + 1} has value(s) for unknown column(s) {', '.join(unknown)}; "
                                      f"columns: {', '.join(keys)}")
            cells.append([c.check(row.get(c.key), i) for c in self.columns])
        self._cells = cells
        for group in self.form.groups if self.form else ():
            where = [keys.index(k) if k in keys else -1 for k in group.keys]
            if -1 in where or where != list(range(where[0], where[0] + len(where))):
                raise TableValueError(f"header group {group.vi!r}: {', '.join(group.keys)} are not adjacent "
                                      f"columns of {', '.join(keys)}")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: Sequence[Column], title: str, **options: Any) -> ReportTable:
        """A table of the columns of ``frame`` named by the keys of ``columns`` (other columns are left out).

        Examples
        --------
        >>> frame = pd.DataFrame({"name": ["A"], "area_ha": [1.5], "extra": [0]})
        >>> ReportTable.from_frame(frame, [Column("name", "Tên", "Name"),
        ...     Column("area_ha", "Diện tích (ha)", "Area (ha)", "ha")], "Bảng").values()
        [['A', 1.5]]
        """
        missing = [c.key for c in columns if c.key not in frame.columns]
        if missing:
            raise TableValueError(f"the table {title!r} lacks the column(s) {', '.join(missing)}")
        return cls(title, columns, frame[[c.key for c in columns]].to_dict(orient="records"), **options)

    def values(self) -> list[list[Any]]:
        """Checked values, one list per row in column order (None when unknown)."""
        return [list(row) for row in self._cells]

    def shown(self, lang: str | None) -> tuple[list[Column], list[list[Any]]]:
        """The columns of the table in ``lang`` (every one when None) and their values, one list per row."""
        keep = [i for i, c in enumerate(self.columns) if c.shown_in(lang)]
        return [self.columns[i] for i in keep], [[row[i] for i in keep] for row in self._cells]

    def title_in(self, lang: str) -> str:
        """The title in ``lang``."""
        return self.title if _check_lang(lang) == "vi" or not self.title_en else self.title_en

    def notes_in(self, lang: str) -> list[str]:
        """The footer notes in ``lang``."""
        return list(self.notes if _check_lang(lang) == "vi" or self.notes_en is None else self.notes_en)

    def style(self, row: int) -> RowStyle:
        """The style of row ``row`` (0-based)."""
        return self.styles[row] if self.styles else RowStyle()

    def stt(self) -> list[str | int | None]:
        """The STT of every row: its label (:attr:`RowStyle.stt`), its running number, or None (a total row)."""
        out, number = [], 0
        for i in range(len(self._cells)):
            style = self.style(i)
            number += style.numbered and style.stt is None
            out.append(style.stt if style.stt is not None else number if style.numbered else None)
        return out

    def headers(self, lang: str, columns: Sequence[Column] | None = None) -> list[str]:
        """Headers of ``columns`` (those shown in ``lang``) in one row: a grouped one as "Group – Header"."""
        shown = self.shown(lang)[0] if columns is None else columns
        groups = [self.form.group_of(c.key) if self.form else None for c in shown]
        return [f"{g.header(lang)} – {c.header(lang)}" if g else c.header(lang) for c, g in zip(shown, groups)]

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The values as a DataFrame keyed by column key, or by the headers in ``lang``; dates as ISO text."""
        columns, cells = self.shown(lang)
        names = [c.key for c in columns] if lang is None else self.headers(lang, columns)
        rows = [[v.isoformat() if isinstance(v, dt.date) else v if lang is None else c.label(v, lang)
                 for c, v in zip(columns, row)] for row in cells]
        return pd.DataFrame(rows, columns=names, dtype=object)

    def render(self, fmt: str, lang: str | None = None) -> str:
        """Shorthand for :func:`render`."""
        return render(self, fmt, lang)

    def to_xlsx(self, path: str | os.PathLike, *, lang: str = "vi", inputs: Iterable[str | os.PathLike] = ()) -> Path:
        """Shorthand for :func:`to_xlsx`."""
        return to_xlsx(self, path, lang=lang, inputs=inputs)


FORMATS = ("table", "md", "csv", "json")


def render(table: ReportTable, fmt: str, lang: str | None = None) -> str:
    """``table`` as text: ``table`` or ``md`` for people, ``csv`` or ``json`` for machines.

    Parameters
    ----------
    fmt : {"table", "md", "csv", "json"}
    lang : {"vi", "en"}, optional
        Language of the headers, title and footer of ``table`` and ``md``
        (Vietnamese when omitted). ``csv`` and ``json`` use the stable column
        keys unless ``lang`` is given.

    Returns
    -------
    str
        ``json`` is ``{"title", "columns": [{"key", "header", "kind"}], "rows",
        "notes", "sources": [{"about", "text", "confidence"}]}``.

    Examples
    --------
    >>> table = ReportTable("Bảng", [Column("done", "Hoàn thành", "Done", "bool")], [{"done": True}],
    ...                     title_en="Table", notes=["Ghi chú 1"], notes_en=["Note 1"])
    >>> print(render(table, "md", lang="en"))
    **Table**
    <BLANKLINE>
    | No. | Done |
    |---:|---|
    | 1 | Yes |
    <BLANKLINE>
    Notes:
    - Note 1
    <BLANKLINE>
    """
    if fmt == "csv":
        return to_csv(_vietnamese_frame(table) if lang == "vi" else table.to_frame(lang))
    if fmt == "json":
        return _json(table, lang)
    if fmt not in ("table", "md"):
        raise OptionError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")
    lang = _check_lang(lang or "vi")
    columns = table.shown(lang)[0]
    shown = pd.DataFrame(_display_rows(table, lang), columns=[_word("stt", lang), *table.headers(lang)])
    right = [True] + [c.kind not in ("text", "bool", "date") for c in columns]
    title = f"**{table.title_in(lang)}**" if fmt == "md" else table.title_in(lang)
    body = to_markdown(shown, right) if fmt == "md" else to_text(shown, right)
    annexes = "".join("\n" + render(annex, fmt, lang) for annex in table.annexes)
    return _form_head(table, lang, title, fmt) + body + _footer(table, lang) + _signatures(table, lang, fmt) + annexes


def _vietnamese_frame(table: ReportTable) -> pd.DataFrame:
    """The Vietnamese table with its numbers written as Vietnamese text (1.349,05), for a CSV pasted into a report."""
    columns, cells = table.shown("vi")
    rows = [[c.text(v, "vi") if v is not None else None for c, v in zip(columns, row)] for row in cells]
    return pd.DataFrame(rows, columns=table.headers("vi", columns), dtype=object)


def _display_rows(table: ReportTable, lang: str) -> list[list[str]]:
    columns, cells = table.shown(lang)
    rows = [[f"({j})" for j in range(1, len(columns) + 2)]] if table.form and table.form.column_numbers else []
    for i, (values, stt) in enumerate(zip(cells, table.stt())):
        style = table.style(i)
        texts = [("  " * style.indent if c.key == table.label_key else "") + c.text(v, lang)
                 for c, v in zip(columns, values)]
        rows.append(["" if stt is None else str(stt), *texts])
    return rows


def form_lines(table: ReportTable, lang: str) -> tuple[list[str], list[str]]:
    """The lines above a form's title (agency, form number) and below it (legal basis, unit); none for a table."""
    form = table.form
    if form is None:
        return [], []
    above = [line for line in (form.dossier.prepared_by, form.number_in(lang)) if line]
    return above, [line for line in (form.basis_in(lang), form.unit_line(lang)) if line]


def _form_head(table: ReportTable, lang: str, title: str, fmt: str) -> str:
    above, below = form_lines(table, lang)
    lines = [*above, title, *below]
    return ("\n\n" if fmt == "md" else "\n").join(lines) + "\n\n"


def _signatures(table: ReportTable, lang: str, fmt: str) -> str:
    if table.form is None:
        return ""
    bullet = "- " if fmt == "md" else ""
    lines = [table.form.dossier.signing_line(lang)] + [f"{bullet}{title}: {name or '…'}"
                                                       for title, _hint, name in table.form.signers(lang)]
    return "\n" + "\n".join(lines[:1] + ([""] if fmt == "md" else []) + lines[1:]) + "\n"


def _footer(table: ReportTable, lang: str) -> str:
    lines = []
    notes = table.notes_in(lang)
    if notes:
        lines += ["", _word("notes", lang)] + [f"- {note}" for note in notes]
    if table.sources:
        lines += ["", _word("sources", lang)]
        lines += [f"{i}. {_source_line(s, lang)}" for i, s in enumerate(table.sources, 1)]
    return "\n".join(lines) + "\n" if lines else ""


def _source_line(source: Source, lang: str) -> str:
    return f"{source.about + ': ' if source.about else ''}{source.text_in(lang)} [{source.confidence}]"


def _json(table: ReportTable, lang: str | None) -> str:
    columns = [{"key": c.key, "header": c.header(lang or "vi"), "kind": c.kind} for c in table.shown(lang)[0]]
    return to_json({"title": table.title_in(lang or "vi"), "columns": columns,
                    "rows": table.to_frame(lang).to_dict(orient="records"), "notes": table.notes_in(lang or "vi"),
                    "sources": [{"about": s.about, "text": s.text, "confidence": s.confidence}
                                for s in table.sources]})


def to_xlsx(table: ReportTable, path: str | os.PathLike, *, lang: str = "vi",
            inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``table`` as a printable XLSX report (atomically) and return the path.

    Sheet 1 holds the title (row 1), the header with units (row 2, bold,
    frozen, repeated on every printed page with the title), an STT column,
    the rows with the number formats of their kinds, then the notes. Sheet 2
    (``Nguồn`` / ``Sources``) lists the sources with their confidence tags
    and what each tag means. Pages are A4, landscape when the table is wide,
    fitted to the page width, numbered in the footer.

    Every text cell is a string cell (``data_type 's'``), never a formula, and
    text that a spreadsheet would read as one is marked with a quote prefix.
    Control characters XML cannot hold become U+FFFD; a carriage return reads
    back as a line break (XML normalises line ends), still as text.
    Document properties are fixed (creator ``haiha_geo``, dates from
    :attr:`ReportTable.date`) and so are the dates inside the ZIP container:
    writing the same table twice gives the same bytes.

    Parameters
    ----------
    path : path-like
        The workbook to write.
    lang : {"vi", "en"}
    inputs : iterable of path-like
        The files the table was made from; ``path`` may be none of them.

    Raises
    ------
    OutputPathError
        ``path`` cannot be written or is one of ``inputs``.

    Examples
    --------
    >>> import pathlib, tempfile, openpyxl
    >>> table = ReportTable("Diện tích", [Column("name", "Tên đơn vị", "Unit"),
    ...     Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha")],
    ...     [{"name": "=1+1", "area_ha": 1234.5}], sources=[Source("test", "I")])
    >>> out = to_xlsx(table, pathlib.Path(tempfile.mkdtemp()) / "report.xlsx")
    >>> book = openpyxl.load_workbook(out)
    >>> sheet = book.worksheets[0]
    >>> [c.value for c in sheet[2]], sheet["B3"].value, sheet["B3"].data_type, sheet["C3"].number_format
    (['STT', 'Tên đơn vị', 'Diện tích bản đồ (ha)'], '=1+1', 's', '#,##0.00')
    >>> sheet.freeze_panes, sheet.print_title_rows, book.sheetnames
    ('A3', '$1:$2', ['Diện tích', 'Nguồn'])
    """
    lang = _check_lang(lang)
    data = xlsx_bytes(table, lang)
    with atomic_path(path, inputs) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def xlsx_bytes(table: ReportTable, lang: str = "vi") -> bytes:
    """The XLSX file :func:`to_xlsx` writes, as bytes."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    _write_sheet(book.active, table, lang, _sheet_name(table, lang))
    for annex in table.annexes:
        _write_sheet(book.create_sheet(), annex, lang, _sheet_name(annex, lang))
    if table.sources:
        sources = sources_table(table, lang)
        _write_sheet(book.create_sheet(), sources, lang, _word("sources_sheet", lang))
    when = dt.datetime.combine(table.date or DEFAULT_DATE, dt.time())
    props = book.properties
    props.creator, props.lastModifiedBy, props.created, props.modified = CREATOR, CREATOR, when, when
    props.title, props.language = table.title_in(lang), "vi-VN" if lang == "vi" else "en"
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_zip(raw.getvalue(), when)


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same ZIP with every member dated ``when`` (the ZIP format keeps local times, to 2 s)."""
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            member = zipfile.ZipInfo(item.filename, date_time=stamp)
            member.compress_type, member.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(member, src.read(item.filename))
    return out.getvalue()


def _sheet_name(table: ReportTable, lang: str) -> str:
    name = (table.sheet_en if lang == "en" and table.sheet_en else table.sheet) or table.title_in(lang)
    return _SHEET_BAD.sub(" ", name).strip("' ")[:31].strip() or "Sheet1"


def sources_table(table: ReportTable, lang: str) -> ReportTable:
    """The sources of ``table`` with their confidence tags as a table of its own (the «Nguồn» sheet)."""
    i = LANGS.index(lang)
    columns = [Column("about", *_WORDS["about"]), Column("source", *_WORDS["source"]),
               Column("confidence", *_WORDS["confidence"], width=12)]
    rows = [{"about": s.about, "source": s.text_in(lang), "confidence": s.confidence} for s in table.sources]
    tags = [t for t in CONFIDENCE if any(t in s.confidence.split(", ") for s in table.sources)]
    legend = [f"[{t}] {CONFIDENCE[t][i]}" for t in tags]
    title = f"{_word('sources_title', lang)}: {table.title_in(lang)}"
    return ReportTable(title, columns, rows, notes=legend, date=table.date)


def _write_sheet(sheet, table: ReportTable, lang: str, name: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet.title = name
    columns, cells = table.shown(lang)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    widths = column_widths(table, lang)
    first = _write_header(sheet, table, columns, lang, _write_title(sheet, table, lang, widths), widths)
    for i, (values, stt) in enumerate(zip(cells, table.stt())):
        style = table.style(i)
        r = first + i
        _put(sheet.cell(r, 1), stt).alignment = Alignment(horizontal="center", vertical="top")
        for j, (column, value) in enumerate(zip(columns, values), start=2):
            cell = _put(sheet.cell(r, j), _xlsx_value(column, value, lang))
            cell.number_format, cell.border = column.number_format(lang), box
            cell.alignment = Alignment(vertical="top", wrap_text=column.kind == "text",
                                       horizontal="center" if column.kind == "bool" else None,
                                       indent=style.indent if column.key == table.label_key else 0)
            cell.font = Font(name=FONT, bold=style.bold)
        sheet.cell(r, 1).border = box
        sheet.cell(r, 1).font = Font(name=FONT, bold=style.bold)
        if style.fill:
            sheet.cell(r, 2).fill = PatternFill("solid", start_color=style.fill.lstrip("#").upper())
    end = _write_footer(sheet, table, lang, first + len(cells) + 1, widths)
    _write_signatures(sheet, table, lang, end + 1, len(widths))
    for j, value in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = value
    _fit_heights(sheet, table, columns, cells, widths, lang, first)
    sheet.freeze_panes = f"A{first}"
    _page_setup(sheet, widths, lang, first - 1)


def _merged(sheet, row: int, first: int, last: int, text: Any, **font: Any):
    """Cell ``(row, first)`` set to ``text`` and merged to column ``last``, with a font of ``font``."""
    from openpyxl.styles import Font

    cell = _put(sheet.cell(row, first), text)
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    if font:
        cell.font = Font(**font)
    return cell


def _write_title(sheet, table: ReportTable, lang: str, widths: list[float]) -> int:
    """The title (wrapped to the page width) and, on a form, the agency, number, basis and unit lines.

    Returns the row of the header.
    """
    from openpyxl.styles import Alignment

    width = len(widths)
    half = max(width // 2, 1)
    row = 1
    if table.form:
        agency, number = table.form.dossier.prepared_by, table.form.number_in(lang)
        if agency or number:
            _merged(sheet, row, 1, half, agency or None, name=FONT, bold=True)
            _merged(sheet, row, half + 1, width, number or None, name=FONT, bold=True).alignment = Alignment(
                horizontal="right")
            row += 1
    title = _merged(sheet, row, 1, width, table.title_in(lang), name=FONT, bold=True, size=13)
    title.alignment = Alignment(horizontal="center" if table.form else None, vertical="center", wrap_text=True)
    lines = _line_count(table.title_in(lang), sum(widths) * BOLD_WIDTH * 11 / 13)
    if lines > 1:
        sheet.row_dimensions[row].height = lines * LINE_PT * 13 / 11
    for text in form_lines(table, lang)[1]:
        row += 1
        unit = text == table.form.unit_line(lang)
        _merged(sheet, row, 1, width, text, name=FONT, italic=not unit).alignment = Alignment(
            horizontal="right" if unit else "center")
    return row + 1


def _write_header(sheet, table: ReportTable, columns: Sequence[Column], lang: str, row: int,
                  widths: list[float]) -> int:
    """The header at ``row`` (two rows under header groups), then a form's column numbers; the first data row."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    groups = [None] + [table.form.group_of(c.key) if table.form else None for c in columns]
    two = any(groups)
    heads = [_word("stt", lang)] + [c.header(lang) for c in columns]

    def head(r: int, j: int, text: str) -> None:
        cell = _put(sheet.cell(r, j), text)
        cell.font, cell.border = Font(name=FONT, bold=True), box
        cell.fill = PatternFill("solid", start_color="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for j, (text, group) in enumerate(zip(heads, groups), start=1):
        head(row + two, j, text)
        if two and group is None:
            head(row, j, text)
            sheet.merge_cells(start_row=row, start_column=j, end_row=row + 1, end_column=j)
        elif two and group.keys[0] == columns[j - 2].key:
            for k in range(j, j + len(group.keys)):
                head(row, k, group.header(lang))
            sheet.merge_cells(start_row=row, start_column=j, end_row=row, end_column=j + len(group.keys) - 1)
    for r, texts in ((row, [g.header(lang) if g else h for g, h in zip(groups, heads)]), (row + two, heads)):
        lines = max(_line_count(t, w * BOLD_WIDTH) for t, w in zip(texts, widths))
        if lines > 1 and (two or r == row):
            sheet.row_dimensions[r].height = lines * LINE_PT
    row += 1 + two
    if table.form and table.form.column_numbers:
        for j in range(1, len(heads) + 1):
            cell = _put(sheet.cell(row, j), f"({j})")
            cell.font, cell.border = Font(name=FONT, italic=True), box
            cell.alignment = Alignment(horizontal="center")
        row += 1
    return row


#: Height (points) of one line of the sheet's 11 pt text; spreadsheets do not grow a row for wrapped text
#: written by a program, so the writer sets the height of every row that wraps.
LINE_PT = 15.0
#: Share of a column's width that bold text fills with as many characters as plain text fills the whole.
BOLD_WIDTH = 0.85


def _fit_heights(sheet, table: ReportTable, columns: Sequence[Column], cells: list[list[Any]],
                 widths: list[float], lang: str, first: int) -> None:
    """Row heights for the wrapped text cells from row ``first`` (LibreOffice and Excel would clip them)."""
    for i, values in enumerate(cells):
        narrow = BOLD_WIDTH if table.style(i).bold else 1.0
        lines = max([_line_count(c.text(v, lang), w * narrow) for c, v, w in zip(columns, values, widths[1:])
                     if c.kind == "text"] or [1])
        if lines > 1:
            sheet.row_dimensions[i + first].height = lines * LINE_PT


def _line_count(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in a column ``width`` characters wide."""
    chars = max(int(width) - 1, 1)
    return sum(max(len(textwrap.wrap(part, chars)), 1) for part in str(text).split("\n"))


def _write_footer(sheet, table: ReportTable, lang: str, first: int, widths: list[float]) -> int:
    """The notes and the pointer to the sources from row ``first``, wrapped to the table's width; the next row."""
    from openpyxl.styles import Alignment

    lines = [(_word("notes", lang), True)] + [(n, False) for n in table.notes_in(lang)] if table.notes_in(lang) else []
    if table.sources:
        lines.append((_word("see_sources", lang), False))
    for r, (text, bold) in enumerate(lines, start=first):
        cell = _merged(sheet, r, 1, len(widths), text, name=FONT, bold=bold, italic=not bold)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        count = _line_count(text, sum(widths))
        if count > 1:
            sheet.row_dimensions[r].height = count * LINE_PT
    return first + len(lines)


def _write_signatures(sheet, table: ReportTable, lang: str, row: int, width: int) -> None:
    """A form's place-and-date line and its two signers (title, hint, space to sign, name) from ``row``."""
    from openpyxl.styles import Alignment

    if table.form is None:
        return
    centre = Alignment(horizontal="center")
    half = max(width // 2, 1)
    spans = ((1, half), (half + 1, width))
    _merged(sheet, row, *spans[1], table.form.dossier.signing_line(lang), name=FONT,
            italic=True).alignment = centre
    for (start, end), (title, hint, name) in zip(spans, table.form.signers(lang)):
        _merged(sheet, row + 1, start, end, title, name=FONT, bold=True).alignment = centre
        _merged(sheet, row + 2, start, end, hint, name=FONT, italic=True).alignment = centre
        _merged(sheet, row + 3 + SIGN_ROWS, start, end, name or None, name=FONT, bold=True).alignment = centre


def _xlsx_value(column: Column, value: Any, lang: str) -> Any:
    if value is None:
        return None
    return column.text(value, lang) if column.kind == "bool" else column.label(value, lang)


def _put(cell, value: Any):
    """Set ``cell`` to ``value``; text is always a string cell, never a formula."""
    if isinstance(value, str):
        value = _ILLEGAL.sub("\ufffd", value)
        cell.value = value
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def column_widths(table: ReportTable, lang: str) -> list[float]:
    """Widths (characters) of the STT column and the columns of ``table`` shown in ``lang``: XLSX and DOCX alike."""
    columns, cells = table.shown(lang)
    by_column = list(zip(*cells)) or [()] * len(columns)
    return [6.0] + [_width(c, col, lang) for c, col in zip(columns, by_column)]


#: A4 (mm, portrait) and the page margins (mm) of the XLSX and DOCX tables: sides, top and bottom, header and footer.
A4_MM = (210.0, 297.0)
MARGINS_MM = (15.0, 15.0, 8.0)
#: The smallest print scale (fitted to the page width) an orientation is chosen at while the other needs less
#: shrinking: below it, 11 pt text prints smaller than about 9 pt.
MIN_PRINT_SCALE = 0.8


def column_mm(width: float) -> float:
    """The printed width (mm) of a column ``width`` characters wide (spreadsheets: 7 px a character, 5 px of padding,
    96 px an inch); the DOCX columns are as wide.

    Examples
    --------
    >>> round(column_mm(10), 2), round(sum(map(column_mm, [6, 40, 10, 9, 8, 9, 8, 9, 8])), 1)
    (19.84, 210.1)
    """
    return (7 * width + 5) * 25.4 / 96


@dataclass(frozen=True)
class PrintFit:
    """A table printed on A4 in ``orientation``, fitted to the page width at ``scale``, on ``pages`` pages."""

    orientation: str
    scale: float
    pages: int


def print_fit(widths: Sequence[float], heights: Sequence[float], head: int) -> PrintFit:
    """The A4 orientation on which a table fits the fewest pages, fitted to the page width (the XLSX page set-up).

    ``widths`` are its columns' widths (characters), ``heights`` its rows' heights (pt), of which the first
    ``head`` (title and header) are repeated on every page. An orientation that shrinks the table below
    :data:`MIN_PRINT_SCALE` is chosen only when the other does too; with as many pages, the larger scale wins,
    and with both at full size, portrait.

    Examples
    --------
    >>> print_fit([6, 30, 12, 12], [15] * 40, 2)
    PrintFit(orientation='portrait', scale=1.0, pages=1)
    >>> balance = [6, 40, 10, 9, 8, 9, 8, 9, 8]  # 210 mm wide: portrait shrinks it to 86 %
    >>> print_fit(balance, [15] * 30, 7), print_fit(balance, [15] * 40, 7)
    (PrintFit(orientation='landscape', scale=1.0, pages=1), PrintFit(orientation='portrait', scale=0.857, pages=1))
    >>> print_fit([6] + [20] * 9, [15] * 30, 2).orientation  # 372 mm wide
    'landscape'
    """
    table_mm = sum(column_mm(w) for w in widths)
    fits = []
    for orientation, (page_w, page_h) in (("portrait", A4_MM), ("landscape", A4_MM[::-1])):
        scale = min(1.0, (page_w - 2 * MARGINS_MM[0]) / table_mm)
        room = (page_h - 2 * MARGINS_MM[1]) * 72 / 25.4 / scale - sum(heights[:head])  # pt of rows a page holds
        body = sum(heights[head:])
        pages = max(1, math.ceil(body / room)) if room > 0 else max(len(heights) - head, 1)
        fits.append(PrintFit(orientation, round(scale, 3), pages))
    readable = [f for f in fits if f.scale >= MIN_PRINT_SCALE] or fits
    return min(readable, key=lambda f: (f.pages, -f.scale))


def page_orientation(widths: Sequence[float]) -> str:
    """A4 landscape when a table of column ``widths`` (characters) is wider than portrait's text (DOCX: no shrinking).

    Examples
    --------
    >>> page_orientation([6, 30, 12, 12]), page_orientation([6, 40, 10, 9, 8, 9, 8, 9, 8])
    ('portrait', 'landscape')
    """
    return "landscape" if sum(map(column_mm, widths)) > A4_MM[0] - 2 * MARGINS_MM[0] else "portrait"


def _width(column: Column, values: Sequence[Any], lang: str) -> float:
    head = column.header(lang)
    word = max((len(w) for w in head.split()), default=0) / BOLD_WIDTH  # a header word is never cut
    if column.width is not None:
        return float(max(column.width, math.ceil(word) + 1))
    longest = max((len(line) for v in values for line in column.text(v, lang).splitlines() or [""]), default=0)
    return float(min(max(longest, word, math.ceil(len(head) / 2), 6) + 2, 50))


def _page_setup(sheet, widths: Sequence[float], lang: str, head_rows: int = 2) -> None:
    """A4 in the orientation of :func:`print_fit`, fitted to one page wide, margins, title rows, page numbers."""
    from openpyxl.worksheet.page import PageMargins

    heights = [sheet.row_dimensions[r].height or LINE_PT for r in range(1, sheet.max_row + 1)]
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = print_fit(widths, heights, head_rows).orientation
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    side, edge, band = (mm / 25.4 for mm in MARGINS_MM)
    sheet.page_margins = PageMargins(left=side, right=side, top=edge, bottom=edge, header=band, footer=band)
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"1:{head_rows}"
    sheet.oddFooter.center.text = _word("page", lang)
