"""Words of a printed page (Vietnamese by default, English) and the title block (khung tên).

The title block follows Vietnamese drawing practice: drawing title and
number, place, scale, the coordinate system line, the datum transformation,
the era shown, the date of the data (the era's legal act, never the date of
the run), the data sources with their short sha256, the agencies of the
dossier (chủ đầu tư, cơ quan tổ chức lập, đơn vị tư vấn, cơ quan thẩm định,
cơ quan phê duyệt), the date, the toolkit version, the people who sign
(chủ nhiệm, thiết kế, kiểm tra) each with a signature box, and the "minh hoạ"
mark. The dossier fields come from ``--title-block FILE``
(:func:`haiha_geo.dossier.read_dossier`); a field not given is an empty row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from haiha_geo import timeline
from haiha_geo.dossier import Dossier
from haiha_geo.errors import PrintLayoutError
from haiha_geo.place import place
from haiha_geo.printing.text import text_width_mm

LANGS = ("vi", "en")
#: Characters of sha256 printed for each source file.
SHORT_SHA = 12

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Tên bản vẽ", "place": "Địa điểm", "scale": "Tỷ lệ", "crs": "Hệ quy chiếu",
        "datum": "Chuyển đổi datum", "era": "Thời kỳ", "date": "Ngày của dữ liệu", "sources": "Nguồn dữ liệu",
        "layers": "Lớp bổ sung", "software": "Lập bằng", "sheet": "Số hiệu mảnh", "corners": "Toạ độ góc khung",
        "scale_word": "Tỷ lệ", "legend": "Chú giải", "north": "B", "junction": "Sơ đồ ghép mảnh",
        "mark": "MINH HOẠ — KHÔNG PHẢI QUY HOẠCH ĐƯỢC DUYỆT",
        "mark_note": "Ranh giới lấy từ nguồn tham khảo, không có giá trị pháp lý; "
                     "diện tích đo trên bản đồ khác diện tích tự nhiên công bố.",
        "era_line": "{era}: {n} đơn vị hành chính cấp xã, từ {start}",
        "date_line": "theo {act} ngày {signed}, hiệu lực {in_force}{inferred}{operate}",
        "inferred": " (ngày hiệu lực suy luận)",
        "operate": "; đơn vị mới hoạt động từ {date}",
        "units": "Ranh giới {types} ({era})", "before": "Ranh giới trước sáp nhập ({era})",
        "after": "Đơn vị sau sáp nhập, chia tách ({era})", "sheet_edge": "Khung mảnh bản đồ",
        "grid_line": "Lưới toạ độ VN-2000 / TM-3, khoảng cách {step} m", "grid_north": "Bắc lưới",
        "nw": "Tây Bắc", "ne": "Đông Bắc", "sw": "Tây Nam", "se": "Đông Nam",
        "atlas_title": "BẢN ĐỒ {unit} — TỶ LỆ 1:{scale}",
        "system_cadastral": "hệ mảnh bản đồ địa chính (TT 25/2014/TT-BTNMT)",
        "system_topographic": "hệ mảnh bản đồ địa hình (TT 973/2001/TT-TCĐC)",
        "page": "Mảnh {i}/{n}",
        "signature": "Chữ ký", "dropped": "Số trên bản đồ và tên không đủ chỗ ghi: {names}",
        "era_title": "Đơn vị hành chính cấp xã {era}", "inset": "Sơ đồ vị trí",
        "inset_zoom": "Vị trí khung trong đơn vị",
    },
    "en": {
        "title": "Drawing", "place": "Place", "scale": "Scale", "crs": "Reference system",
        "datum": "Datum transformation", "era": "Era", "date": "Date of the data", "sources": "Data sources",
        "layers": "Added layers", "software": "Made with", "sheet": "Sheet number", "corners": "Frame corners",
        "scale_word": "Scale", "legend": "Legend", "north": "N", "junction": "Sheet junction",
        "mark": "ILLUSTRATIVE — NOT THE APPROVED PLAN",
        "mark_note": "Boundaries from reference sources, without legal force; map areas differ from the "
                     "published natural areas.",
        "era_line": "{era}: {n} commune-level units, from {start}",
        "date_line": "per {act} of {signed}, in force {in_force}{inferred}{operate}",
        "inferred": " (date of effect inferred)",
        "operate": "; the new units operate from {date}",
        "units": "Commune-level boundaries ({era})", "before": "Boundaries before the merger ({era})",
        "after": "Units after the merger or split ({era})", "sheet_edge": "Sheet edge",
        "grid_line": "VN-2000 / TM-3 grid, every {step} m", "grid_north": "Grid north",
        "nw": "North-west", "ne": "North-east", "sw": "South-west", "se": "South-east",
        "atlas_title": "MAP OF {unit} — SCALE 1:{scale}",
        "system_cadastral": "cadastral sheet system (TT 25/2014/TT-BTNMT)",
        "system_topographic": "topographic sheet system (TT 973/2001/TT-TCĐC)",
        "page": "Sheet {i}/{n}",
        "signature": "Signature", "dropped": "Numbers on the map, and names without room: {names}",
        "era_title": "Commune-level units {era}", "inset": "Location",
        "inset_zoom": "The frame in its unit",
    },
}


def check_lang(lang: str) -> str:
    """``lang`` if it is ``vi`` or ``en``, else :class:`PrintLayoutError`."""
    if lang not in LANGS:
        raise PrintLayoutError(f"language {lang!r}: expected vi (Vietnamese) or en (English)")
    return lang


def words(lang: str) -> dict[str, str]:
    """The words of ``lang``."""
    return TEXTS[check_lang(lang)]


def crs_line(lang: str = "vi") -> str:
    """The coordinate-system line of the title block, from ``boundaries/place.toml``.

    Examples
    --------
    >>> crs_line()
    'Hệ toạ độ VN-2000, kinh tuyến trục 107°45′, múi chiếu 3° (EPSG:5899, k₀ = 0,9999)'
    """
    p = place()
    k = f"{p.projection['k']:g}"
    return f"{p.crs_description(lang)} ({p.planning_crs}, k₀ = {k.replace('.', ',') if lang == 'vi' else k})"


def datum_line(lang: str = "vi") -> str:
    """The datum-transformation line of the title block (the pinned shift of ``boundaries/place.toml``).

    Examples
    --------
    >>> datum_line("en")
    'EPSG:6960 VN-2000 → WGS 84, parameters of QĐ 05/2007/QĐ-BTNMT'
    """
    p = place()
    basis = "tham số" if lang == "vi" else "parameters of"
    return f"{p.transformation} VN-2000 → WGS 84, {basis} {p.transformation_basis}"


def format_int(value: int, lang: str = "vi") -> str:
    """A whole number with the thousands separator of ``lang`` ('.' in Vietnamese, ',' in English).

    Examples
    --------
    >>> format_int(2000), format_int(100000, "en")
    ('2.000', '100,000')
    """
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def format_scale(scale: int, lang: str = "vi") -> str:
    """The numeric scale as printed.

    Examples
    --------
    >>> format_scale(2000)
    'Tỷ lệ 1:2.000'
    >>> format_scale(25000, "en")
    'Scale 1:25,000'
    """
    return f"{words(lang)['scale_word']} 1:{format_int(scale, lang)}"


def format_date(value: str | dt.date, lang: str = "vi") -> str:
    """A date as printed: dd/mm/yyyy in Vietnamese, ISO in English.

    Examples
    --------
    >>> format_date("2025-07-01"), format_date("2025-07-01", "en")
    ('01/07/2025', '2025-07-01')
    """
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


#: Dossier fields printed as rows (agencies, date) and as signed rows (people), in the order of the block.
AGENCY_KEYS = ("client", "prepared_by", "consultant", "appraised_by", "approved_by", "date")
SIGNER_KEYS = ("lead", "designer", "checker")


def place_line(era: str | None, units=(), lang: str = "vi") -> str:
    """The place of a drawing of ``era``: the ``units`` (labels such as "xã Quảng Hà"), the place and the province.

    From the day the place's level is abolished (``abolished_from`` in ``boundaries/place.toml``) the place
    is no longer named; without an era, the place's own title.

    Examples
    --------
    >>> place_line("2025", ["xã Quảng Hà"])
    'xã Quảng Hà, tỉnh Quảng Ninh'
    >>> place_line("2020", ["thị trấn Quảng Hà"])
    'thị trấn Quảng Hà, huyện Hải Hà, tỉnh Quảng Ninh'
    >>> place_line("2020", [], "en")
    'Hải Hà district, Quảng Ninh province'
    """
    p = place()
    if era is None:
        return p.title(lang)
    parts = list(units)
    if p.abolished_from is None or timeline.era(era).valid_from < p.abolished_from:
        parts.append(f"{p.kind_vi} {p.name}" if lang == "vi" else f"{p.name} {p.kind_en}")
    return ", ".join([*parts, p.province_vi if lang == "vi" else p.province_en])


def dossier_rows(dossier: Dossier, lang: str = "vi") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(agency and date rows, signer rows) of ``dossier``: every field present, empty where not given.

    Examples
    --------
    >>> rows, signers = dossier_rows(Dossier(client="UBND xã Quảng Hà", date=dt.date(2026, 12, 3)))
    >>> rows[0], rows[-1], signers[0]
    (('Chủ đầu tư', 'UBND xã Quảng Hà'), ('Ngày', '03/12/2026'), ('Chủ nhiệm', ''))
    """
    def value(key: str) -> str:
        got = getattr(dossier, key)
        return format_date(got, lang) if isinstance(got, dt.date) else got or ""

    return ([(dossier.label(k, lang), value(k)) for k in AGENCY_KEYS],
            [(dossier.label(k, lang), value(k)) for k in SIGNER_KEYS])


@dataclass
class TitleBlock:
    """Rows of the title block, label → value, the signed rows (label → name, with a signature box)
    and the illustrative mark."""

    rows: list[tuple[str, str]]
    mark: str = ""
    mark_note: str = ""
    extra: list[tuple[str, str]] = field(default_factory=list)
    signers: list[tuple[str, str]] = field(default_factory=list)
    signature: str = ""


def wrap(text: str, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width_mm``; a longer word breaks after a '/';
    a newline in ``text`` starts a new line.

    Examples
    --------
    >>> wrap("Hệ toạ độ VN-2000, kinh tuyến trục 107°45′", 30, 7)
    ['Hệ toạ độ VN-2000,', 'kinh tuyến trục 107°45′']
    >>> wrap("vn3dmap2025/haiha_communes.geojson", 30, 7)
    ['vn3dmap2025/', 'haiha_communes.', 'geojson']
    >>> [len(line) for line in wrap("x" * 60, 30, 7)]
    [20, 20, 20]
    """
    if "\n" in text:  # explicit line breaks start new lines
        return [line for part in text.split("\n") for line in wrap(part, width_mm, size_pt, bold)]
    lines: list[str] = []
    words = []
    for word in text.split():
        if "/" in word and text_width_mm(word, size_pt, bold) > width_mm:
            head, _, tail = word.partition("/")
            words += [head + "/", tail]
        else:
            words.append(word)
    words = [piece for word in words for piece in _pieces(word, width_mm, size_pt, bold)]
    for word in words:
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and text_width_mm(trial, size_pt, bold) <= width_mm:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines or [""]


def _pieces(word: str, width_mm: float, size_pt: float, bold: bool) -> list[str]:
    """``word`` in pieces no wider than ``width_mm``: cut after a ``_``, ``.`` or ``-`` when near, else anywhere."""
    pieces = []
    while text_width_mm(word, size_pt, bold) > width_mm and len(word) > 1:
        n = max(1, int(len(word) * width_mm / text_width_mm(word, size_pt, bold)))
        while n + 1 < len(word) and text_width_mm(word[:n + 1], size_pt, bold) <= width_mm:
            n += 1
        while n > 1 and text_width_mm(word[:n], size_pt, bold) > width_mm:
            n -= 1
        mark = max(word.rfind(c, 0, n) for c in "_.-")  # after a separator when one is in the second half
        n = mark + 1 if mark + 1 > n / 2 else n
        pieces.append(word[:n])
        word = word[n:]
    return [*pieces, word]


#: Share of the value column a signer's name takes (the signature box takes the rest); lines a signed row spans.
SIGN_SPLIT = 0.5
SIGN_LINES = 3


def block_lines(block: TitleBlock, width_mm: float, size_pt: float) -> list[tuple[str, list[str], list[str]]]:
    """Each row wrapped: (kind, label lines, value lines)."""
    label_w, value_w = 0.28 * width_mm, 0.70 * width_mm
    rows = [("row", wrap(label, label_w - 2, size_pt, True), wrap(value, value_w - 2, size_pt))
            for label, value in block.rows + block.extra]
    rows += [("sign", wrap(label, label_w - 2, size_pt, True),
              wrap(value, value_w * SIGN_SPLIT - 2, size_pt) + [""] * (SIGN_LINES - 1))
             for label, value in block.signers]
    if block.mark:
        rows.append(("mark", wrap(block.mark, width_mm - 3, size_pt * 1.25, True),
                     wrap(block.mark_note, width_mm - 3, size_pt)))
    return rows


def _height(rows, size_pt: float) -> float:
    line = size_pt * 0.3528 * 1.3
    return sum(_row_height(kind, left, right, line) for kind, left, right in rows)


def _row_height(kind: str, left: list[str], right: list[str], line: float) -> float:
    if kind == "mark":
        return (len(left) * 1.25 + len(right)) * line + 1.5
    return max(len(left), len(right)) * line + 1.2  # a signed row's value is padded to SIGN_LINES


def draw_title_block(paper_ax, box, block: TitleBlock, size_pt: float) -> float:
    """Draw ``block`` in ``box`` (mm on the page axes), shrinking the text until it fits; return the size used."""
    while True:
        rows = block_lines(block, box.w, size_pt)
        if _height(rows, size_pt) <= box.h or size_pt < 3:
            break
        size_pt *= 0.92
    line = size_pt * 0.3528 * 1.3
    height = min(box.h, _height(rows, size_pt))
    top = box.y + height
    paper_ax.add_patch(_rect(box.x, box.y, box.w, height, lw=0.8))
    y = top
    for kind, left, right in rows:
        if kind == "mark":
            h = (len(left) * 1.25 + len(right)) * line + 1.5
            for i, text in enumerate(left):
                paper_ax.text(box.x + box.w / 2, y - 0.8 - (i + 0.5) * line * 1.25, text, color="#b30000",
                              fontsize=size_pt * 1.25, weight="bold", ha="center", va="center", parse_math=False)
            for i, text in enumerate(right):
                paper_ax.text(box.x + box.w / 2, y - 0.8 - len(left) * line * 1.25 - (i + 0.5) * line, text,
                              color="#b30000", fontsize=size_pt, ha="center", va="center", parse_math=False)
        else:
            h = _row_height(kind, left, right, line)
            for col, lines, weight in ((box.x + 1.2, left, "bold"), (box.x + 0.3 * box.w, right, "normal")):
                for i, text in enumerate(lines):
                    paper_ax.text(col, y - 0.6 - (i + 0.5) * line, text, fontsize=size_pt, weight=weight,
                                  ha="left", va="center", parse_math=False)
            if kind == "sign":
                _signature_box(paper_ax, box, y, h, block.signature, size_pt)
        y -= h
        if y > box.y + 0.1:
            paper_ax.plot([box.x, box.right], [y, y], color="black", lw=0.3)
    paper_ax.plot([box.x + 0.29 * box.w] * 2, [top, y + (h if kind == "mark" else 0)], color="black", lw=0.3)
    return size_pt


def _signature_box(paper_ax, box, top: float, h: float, caption: str, size_pt: float) -> None:
    """The box a signer signs in: the right part of the value column of a signed row, captioned."""
    x = box.x + 0.29 * box.w + 0.70 * box.w * SIGN_SPLIT
    paper_ax.plot([x, x], [top, top - h], color="black", lw=0.3)
    paper_ax.text(x + 0.8, top - 0.4, caption, fontsize=size_pt * 0.7, color="#555555", ha="left", va="top",
                  parse_math=False)


def _rect(x, y, w, h, lw=0.5, **kw):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, fill=False, lw=lw, edgecolor="black", **kw)
