"""The DOCX writer of report tables and forms (python-docx), for the Word thuyết minh.

The same content as the XLSX (:func:`haiha_geo.report.to_xlsx`): a form's
agency and number lines, the title, legal basis and unit line, the header (two
rows under header groups, repeated on every page), the column numbers, the
rows with their STT, bold totals and fills, the notes, the place-and-date line
and the signature block, then the sources with their confidence tags; in
:data:`haiha_geo.report.FONT`, on A4 (landscape when the table is wide).
Values are shown as the text writers show them; text stays text. Two runs give
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from haiha_geo.io import atomic_path
from haiha_geo.report import (
    _ILLEGAL,
    CREATOR,
    DEFAULT_DATE,
    FONT,
    MARGINS_MM,
    SIGN_ROWS,
    Column,
    ReportTable,
    _check_lang,
    _fixed_zip,
    _word,
    column_mm,
    column_widths,
    form_lines,
    page_orientation,
    sources_table,
)

__all__ = ["docx_bytes", "to_docx"]

#: Font size (points) of the table and of the title.
SIZE_PT, TITLE_PT = 11, 13
#: Fill of the header cells (as the XLSX header's).
HEAD_FILL = "D9D9D9"
#: Elements a cell's shading comes before (the order OOXML requires within w:tcPr).
_AFTER_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def to_docx(table: ReportTable, path: str | os.PathLike, *, lang: str = "vi",
            inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``table`` as a Word document (atomically, never over one of ``inputs``) and return the path.

    Raises
    ------
    OutputPathError
        ``path`` cannot be written or is one of ``inputs``.

    Examples
    --------
    >>> import pathlib, tempfile, docx
    >>> from haiha_geo.report import Column
    >>> table = ReportTable("Diện tích", [Column("name", "Tên đơn vị", "Unit"),
    ...     Column("area_ha", "Diện tích (ha)", "Area (ha)", "ha")], [{"name": "=1+1", "area_ha": 1234.5}])
    >>> out = to_docx(table, pathlib.Path(tempfile.mkdtemp()) / "report.docx")
    >>> grid = docx.Document(out).tables[0]
    >>> [c.text for c in grid.rows[0].cells], [c.text for c in grid.rows[1].cells][1]
    (['STT', 'Tên đơn vị', 'Diện tích (ha)'], '=1+1')
    """
    data = docx_bytes(table, _check_lang(lang))
    with atomic_path(path, inputs) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def docx_bytes(table: ReportTable, lang: str = "vi") -> bytes:
    """The DOCX file :func:`to_docx` writes, as bytes."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    lang = _check_lang(lang)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(SIZE_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    parts = [table, *table.annexes, *([sources_table(table, lang)] if table.sources else [])]
    for i, part in enumerate(parts):  # each table in a section of its own, on A4 of its width
        _section(doc.sections[0] if i == 0 else doc.add_section(), page_orientation(column_widths(part, lang)))
        _write(doc, part, lang)
    when = dt.datetime.combine(table.date or DEFAULT_DATE, dt.time())
    props = doc.core_properties
    props.author, props.last_modified_by, props.created, props.modified = CREATOR, CREATOR, when, when
    props.title, props.language, props.revision = _text(table.title_in(lang)), "vi-VN" if lang == "vi" else "en", 1
    raw = io.BytesIO()
    doc.save(raw)
    return _fixed_zip(raw.getvalue(), when)


def _section(section, orientation: str) -> None:
    """Set ``section`` to A4 in ``orientation`` with the tables' margins (:data:`haiha_geo.report.MARGINS_MM`)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    wide = orientation == "landscape"
    section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if wide else (Mm(210), Mm(297))
    side, edge, band = MARGINS_MM
    section.left_margin = section.right_margin = Mm(side)
    section.top_margin = section.bottom_margin = Mm(edge)
    section.header_distance = section.footer_distance = Mm(band)


def _text(value: str) -> str:
    return _ILLEGAL.sub("\ufffd", value)


def _paragraph(doc, text: str, *, align: str = "left", bold: bool = False, italic: bool = False,
               size: int = SIZE_PT, right: str | None = None):
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align.upper())
    paragraph.paragraph_format.space_before, paragraph.paragraph_format.space_after = Pt(0), Pt(3)
    for k, part in enumerate([text] if right is None else [text, right]):  # ``right``: after a tab to the edge
        run = paragraph.add_run(("\t" if k else "") + _text(part))
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if right is not None:
        section = doc.sections[-1]
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            section.page_width - section.left_margin - section.right_margin, WD_TAB_ALIGNMENT.RIGHT)
    return paragraph


def _write(doc, table: ReportTable, lang: str) -> None:
    above, below = form_lines(table, lang)
    if len(above) == 2:  # the agency at the left and the form number at the right of one line, as in the XLSX
        _paragraph(doc, above[0], bold=True, right=above[1])
        above = []
    for line in above:
        _paragraph(doc, line, align="right" if table.form and line == table.form.number_in(lang) else "left",
                   bold=True)
    _paragraph(doc, table.title_in(lang), align="center" if table.form else "left", bold=True, size=TITLE_PT)
    for line in below:
        _paragraph(doc, line, align="right" if line == table.form.unit_line(lang) else "center",
                   italic=line != table.form.unit_line(lang))
    _grid(doc, table, lang)
    notes = table.notes_in(lang)
    if notes:
        _paragraph(doc, _word("notes", lang), bold=True)
        for note in notes:
            _paragraph(doc, note, italic=True)
    if table.sources:
        _paragraph(doc, _word("see_sources", lang), italic=True)
    if table.form:
        _signatures(doc, table, lang)


def _grid(doc, table: ReportTable, lang: str) -> None:
    """The table: header (two rows under groups), column numbers, rows."""
    from docx.shared import Mm

    columns, cells = table.shown(lang)
    groups = [None] + [table.form.group_of(c.key) if table.form else None for c in columns]
    two = any(groups)
    numbers = bool(table.form and table.form.column_numbers)
    heads = [_word("stt", lang)] + [c.header(lang) for c in columns]
    grid = doc.add_table(rows=1 + two + numbers + len(cells), cols=len(heads))
    grid.style = "Table Grid"
    widths = [Mm(column_mm(w)) for w in column_widths(table, lang)]
    for column, width in zip(grid.columns, widths):
        column.width = width
    for j, (text, group) in enumerate(zip(heads, groups)):  # merge the empty cells first, then fill them
        if two and group is None:
            _cell(grid.cell(0, j).merge(grid.cell(1, j)), text, bold=True, align="center", fill=HEAD_FILL)
            continue
        if two and group.keys[0] == columns[j - 1].key:
            _cell(grid.cell(0, j).merge(grid.cell(0, j + len(group.keys) - 1)), group.header(lang), bold=True,
                  align="center", fill=HEAD_FILL)
        _cell(grid.cell(two, j), text, bold=True, align="center", fill=HEAD_FILL)
    for r in range(1 + two):
        _repeat_header(grid.rows[r])
    if numbers:
        for j in range(len(heads)):
            _cell(grid.cell(1 + two, j), f"({j + 1})", italic=True, align="center")
    rows = list(grid.rows)[1 + two + numbers:]  # once: indexing grid.rows walks the table each time
    for i, (values, stt, row) in enumerate(zip(cells, table.stt(), rows)):
        style = table.style(i)
        row = row.cells
        _cell(row[0], "" if stt is None else str(stt), bold=style.bold, align="center", width=widths[0])
        for j, (column, value) in enumerate(zip(columns, values), start=1):
            _cell(row[j], column.text(value, lang), bold=style.bold, align=_align(column),
                  fill=style.fill.lstrip("#").upper() if style.fill and j == 1 else None,
                  indent=style.indent if column.key == table.label_key else 0, width=widths[j])


def _align(column: Column) -> str:
    return "left" if column.kind in ("text", "date") else "center" if column.kind == "bool" else "right"


def _cell(cell, text: str, *, bold: bool = False, italic: bool = False, align: str = "left",
          fill: str | None = None, indent: int = 0, width: Any = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align.upper())
    if indent:
        paragraph.paragraph_format.left_indent = Pt(8 * indent)
    run = paragraph.add_run(_text(text))
    if bold:  # only when set: a False would be written as an element of its own in every cell
        run.bold = True
    if italic:
        run.italic = True
    if width is not None:
        cell.width = width
    if fill:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().insert_element_before(shading, *_AFTER_SHADING)


def _repeat_header(row) -> None:
    """Mark ``row`` as a header row Word repeats on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _signatures(doc, table: ReportTable, lang: str) -> None:
    """The place-and-date line over the right signer, the two signers side by side, without borders."""
    signers = table.form.signers(lang)
    block = doc.add_table(rows=4, cols=2)
    _cell(block.cell(0, 1), table.form.dossier.signing_line(lang), italic=True, align="center")
    for j, (title, hint, name) in enumerate(signers):
        _cell(block.cell(1, j), title, bold=True, align="center")
        _cell(block.cell(2, j), hint + "\n" * SIGN_ROWS, italic=True, align="center")
        _cell(block.cell(3, j), name, bold=True, align="center")


def texts(path: str | os.PathLike) -> Sequence[str]:
    """Every paragraph of the document at ``path``, in the body and in its tables, in order (for checks).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from haiha_geo.report import Column
    >>> out = to_docx(ReportTable("Bảng", [Column("a", "Cột", "Column")], [{"a": "x"}]),
    ...               pathlib.Path(tempfile.mkdtemp()) / "t.docx")
    >>> texts(out)
    ['Bảng', 'STT', 'Cột', '1', 'x']
    """
    from docx import Document

    doc = Document(path)
    out = []
    for block in doc.element.body.iterchildren():
        if block.tag.endswith("}p"):
            out += _pieces(block)
        elif block.tag.endswith("}tbl"):
            for para in block.iter():
                if para.tag.endswith("}p"):
                    out += _pieces(para)
    return out


def _pieces(paragraph) -> list[str]:
    """The text of a paragraph, as one piece per run of text between tabs (agency ⇥ form number: two)."""
    pieces = [""]
    for run in paragraph.iter():
        if not run.tag.endswith("}r"):
            continue
        for part in run:
            if part.tag.endswith("}tab"):
                pieces.append("")
            elif part.tag.endswith("}t"):
                pieces[-1] += part.text or ""
    return pieces if len(pieces) == 1 else [p for p in pieces if p]
