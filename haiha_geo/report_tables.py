"""Report tables of the analyses: each result as a :class:`~haiha_geo.report.ReportTable`.

One builder per table a planner hands in (units, area statistics, crosswalk,
lineage, overlay, new-rural status, project sites, study area, reaggregation);
the land-use balance has its own in :mod:`haiha_geo.zoning.export`. A builder
takes the frame the analysis returns and gives it Vietnamese and English
headers with units, a title naming what and which era
(:attr:`haiha_geo.timeline.Era.label_vi`), notes, and the sources with their
confidence tags (the registry's ``*_ref`` / ``*_confidence`` columns, titles
from ``boundaries/references.csv`` and ``layers/references.csv``).

The column keys are the frames' own snake_case names, so the machine formats
keep their keys. Area terms are kept apart: a polygon's area is *diện tích
bản đồ*, the published figure *diện tích tự nhiên (công bố)*; a unit whose two
figures differ by more than :data:`AREA_GAP_PCT` per cent says why.

Examples
--------
>>> from haiha_geo.area_stats import stats
>>> from haiha_geo.timeline import era_ids
>>> table = stats_report(stats(era_ids()[-1]), era_ids()[-1])
>>> [c.header() for c in table.columns][:4]
['Mã ĐVHC', 'Tên đơn vị', 'Loại', 'Diện tích bản đồ (ha)']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from haiha_geo.crosswalks import WEIGHTS_AREA, TableReaggregation
from haiha_geo.crs import PROVENANCE
from haiha_geo.names import district_of, fold
from haiha_geo.place import place
from haiha_geo.project_sites import references
from haiha_geo.registry import units_table
from haiha_geo.report import CONFIDENCE, Column, ReportTable, RowStyle, Source
from haiha_geo.timeline import era

#: Above this difference (per cent) between map and published area a unit says why.
AREA_GAP_PCT = 10.0
#: Why the map area falls short of the published one (coastal units).
SHORELINE = ("đa giác dừng ở đường bờ; diện tích tự nhiên công bố tính đến đường mép nước triều thấp nhất "
             "trung bình và gồm cả bãi triều",
             "the polygons stop at the shoreline; the published area runs to the mean lowest low-water line "
             "and includes the tidal flats")
TOTAL = ("Tổng cộng", "Total")

#: Words for the registry's unit types (the type column holds the Vietnamese term).
UNIT_TYPES = (("xã", "xã", "commune"), ("thị trấn", "thị trấn", "township"), ("phường", "phường", "ward"))
_CODE = Column("code", "Mã ĐVHC", "Code", width=9)
_NAME = Column("name", "Tên đơn vị", "Unit", width=22)
_TYPE = Column("type", "Loại", "Type", width=10, labels=UNIT_TYPES)
_AREA = Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha")
_OFFICIAL = Column("official_area_ha", "Diện tích tự nhiên công bố (ha)", "Published natural area (ha)", "ha")
_DIFF = Column("difference_pct", "Chênh lệch (%)", "Difference (%)", "percent")
_GAP = Column("area_note", "Ghi chú diện tích", "Area note", width=40,
              labels=(("shoreline", f"> {AREA_GAP_PCT:g} %: {SHORELINE[0]}", f"> {AREA_GAP_PCT:g} %: {SHORELINE[1]}"),))
_POP = Column("population", "Dân số (người)", "Population (people)", "count")
_POP_YEAR = Column("population_year", "Năm số liệu dân số", "Population year", "year", width=10)
_SOURCE = Column("source", "Nguồn", "Source", width=24)
_AREA_METHOD = Source(f"Diện tích phẳng trong {PROVENANCE['planning_crs']}; chuyển đổi datum "
                      f"{PROVENANCE['transformation'].replace(', parameters of', ', tham số theo')}", "I",
                      "Diện tích bản đồ",
                      text_en=f"{PROVENANCE['area_method']}; {PROVENANCE['planning_crs']}; datum shift "
                              f"{PROVENANCE['transformation']}")


def _title(what: tuple[str, str], era_id: str | None = None) -> tuple[str, str]:
    where = place()
    vi, en = f"{what[0]}, {where.title('vi')}", f"{what[1]}, {where.title('en')}"
    if era_id is None:
        return vi, en
    e = era(era_id)
    return f"{vi} ({e.label('vi')})", f"{en} ({e.label('en')})"


def _refs(cells: Iterable[Any]) -> list[str]:
    """Reference ids in ``cells`` (one id or several separated by ``;``), first seen first."""
    found: dict[str, None] = {}
    for cell in cells:
        if isinstance(cell, str):
            found.update(dict.fromkeys(p.strip() for p in cell.split(";") if p.strip()))
    return list(found)


def sources_of(frame: pd.DataFrame, pairs: Sequence[tuple[str, str | None, str]]) -> list[Source]:
    """Sources a frame cites: one per (reference, confidence tag) of each ``(ref_column, confidence_column, about)``.

    A reference id is shown with its title from ``boundaries/references.csv`` or ``layers/references.csv``;
    a missing confidence column or cell is tagged ``?`` (unknown). A reference cited by rows of several
    confidence tags is listed once, with its tags in the order of :data:`haiha_geo.report.CONFIDENCE`
    (``C, C2, I``).

    Examples
    --------
    >>> frame = pd.DataFrame({"official_area_ref": ["BANDO"], "official_area_confidence": ["C2"]})
    >>> [(s.confidence, s.about) for s in sources_of(frame, [("official_area_ref", "official_area_confidence", "x")])]
    [('C2', 'x')]
    >>> frame = pd.DataFrame({"ref": ["QD558", "QD558;BANDO"], "tag": ["I", "C"]})
    >>> [(s.text[:5], s.confidence) for s in sources_of(frame, [("ref", "tag", "x")])]
    [('QD558', 'C, I'), ('BANDO', 'C')]
    """
    listed = references()
    titles = {ref: title for ref, title in zip(listed["ref_id"], listed["title"]) if title}
    found: dict[tuple[str, str], set[str]] = {}
    for ref_col, conf_col, about in pairs:
        if ref_col not in frame.columns:
            continue
        tags = frame[conf_col] if conf_col and conf_col in frame.columns else pd.Series([None] * len(frame),
                                                                                         index=frame.index)
        for cell, tag in zip(frame[ref_col], tags):
            for ref in _refs([cell]):
                text = f"{ref}: {titles[ref]}" if ref in titles else ref
                found.setdefault((text, about), set()).add(tag if isinstance(tag, str) and tag else "?")
    order = [*CONFIDENCE, "?"]
    return [Source(text, ", ".join(sorted(tags, key=lambda t: order.index(t) if t in order else len(order))), about)
            for (text, about), tags in found.items()]


def _with_registry(frame: pd.DataFrame, era_id: str) -> pd.DataFrame:
    """``frame`` (keyed by ``code``) with the registry's reference and confidence columns of ``era_id``."""
    extra = ["official_area_confidence", "population_confidence", "official_area_ref", "population_ref"]
    registry = units_table(era_id).set_index("code")
    frame = frame.drop(columns=[c for c in extra if c in frame.columns])
    return frame.join(registry[extra], on="code")


def _area_notes(frame: pd.DataFrame) -> tuple[list[str | None], bool]:
    """Per row: the shoreline note when map and published area differ by more than :data:`AREA_GAP_PCT`."""
    diff = (frame["area_ha"] - frame["official_area_ha"]) / frame["official_area_ha"] * 100
    wide = [bool(pd.notna(d) and abs(d) > AREA_GAP_PCT) for d in diff]
    return ["shoreline" if w else None for w in wide], any(wide)


def _area_footer(any_wide: bool, lang: str) -> list[str]:
    i = 0 if lang == "vi" else 1
    lines = [("Diện tích bản đồ: diện tích đa giác trong " if i == 0 else "Map area: polygon area in ")
             + PROVENANCE["planning_crs"] + "; "
             + ("diện tích tự nhiên công bố: số liệu của nguồn trích dẫn; hai số liệu không thay thế nhau."
                if i == 0 else "published natural area: the figure of the cited source; neither replaces the other.")]
    if any_wide:
        lines.append((f"Chênh lệch trên {AREA_GAP_PCT:g} %: " if i == 0 else f"Differences above {AREA_GAP_PCT:g} %: ")
                     + SHORELINE[i] + ".")
    return lines


def _notes(builder) -> dict[str, list[str]]:
    return {"notes": builder("vi"), "notes_en": builder("en")}


def units_report(frame: pd.DataFrame, era_id: str) -> ReportTable:
    """The units of an era: code, name, type, validity, map and published area, difference.

    ``frame`` is :func:`haiha_geo.eras.units` (without geometry).
    """
    frame = _with_registry(pd.DataFrame(frame), era_id)
    frame["difference_pct"] = (frame["area_ha"] - frame["official_area_ha"]) / frame["official_area_ha"] * 100
    frame["area_note"], wide = _area_notes(frame)
    columns = [_CODE, _NAME, _TYPE, Column("valid_from", "Hiệu lực từ", "Valid from", "date"),
               Column("valid_to", "Hiệu lực đến", "Valid to", "date"), _AREA, _OFFICIAL, _DIFF, _GAP]
    vi, en = _title(("Danh sách đơn vị hành chính", "Administrative units"), era_id)
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Đơn vị hành chính", sheet_en="Units",
                                  **_notes(lambda lang: _area_footer(wide, lang)),
                                  sources=[_AREA_METHOD,
                                           *sources_of(frame, [("official_area_ref", "official_area_confidence",
                                                                "Diện tích tự nhiên")])])


def stats_report(frame: pd.DataFrame, era_id: str) -> ReportTable:
    """Area statistics of an era (:func:`haiha_geo.area_stats.stats`), the totals row bold and unnumbered.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table of :func:`haiha_geo.area_stats.stats`.
    era_id : str
        Its era.

    Returns
    -------
    ReportTable
        Vietnamese and English headers with units, the title naming the era,
        the sources with their confidence tags, and the note on map and
        published areas where they differ by more than 10 %.

    Examples
    --------
    >>> from haiha_geo.area_stats import stats
    >>> table = stats_report(stats("2025"), "2025")
    >>> table.title.startswith("Thống kê diện tích")
    True
    """
    frame = _with_registry(pd.DataFrame(frame), era_id)
    total = frame["code"] == "TOTAL"
    frame.loc[total, "name"] = TOTAL[0]
    frame["area_note"], wide = _area_notes(frame)
    columns = [_CODE, _NAME, _TYPE, _AREA, _OFFICIAL, _DIFF, _POP, _POP_YEAR,
               Column("density_per_km2", "Mật độ dân số (người/km²)", "Density (people/km²)", "number", decimals=1),
               Column("density_basis", "Cách tính mật độ", "Density basis", width=20,
                      labels=(("official area", "theo diện tích công bố", "published area"),
                              ("computed area", "theo diện tích bản đồ", "map area"))), _GAP]
    vi, en = _title(("Thống kê diện tích và dân số", "Area and population statistics"), era_id)
    styles = [RowStyle(bold=True, numbered=False) if t else RowStyle() for t in total]
    return ReportTable.from_frame(frame, columns, vi, title_en=en, styles=styles, sheet="Thống kê",
                                  sheet_en="Statistics",
                                  **_notes(lambda lang: _area_footer(wide, lang)),
                                  sources=[_AREA_METHOD,
                                           *sources_of(frame, [("official_area_ref", "official_area_confidence",
                                                                "Diện tích tự nhiên"),
                                                               ("population_ref", "population_confidence", "Dân số")])])


def with_old_district(frame: pd.DataFrame, columns: list[Column], after: str) -> tuple[pd.DataFrame, list[Column]]:
    """``frame`` and ``columns`` with the old unit's district after the column ``after``, where names repeat.

    A place of several districts (a province) has communes of one name in several of them, so the
    old unit is told by its name and district; a place of one district gets no such column.

    Examples
    --------
    >>> from haiha_geo.crosswalks import crosswalk
    >>> frame, columns = with_old_district(crosswalk("2019", "2025"), [_NAME], "name")
    >>> [c.key for c in columns]  # Hải Hà is one district: no column
    ['name']
    """
    districts = frame["from_unit_id"].map(district_of)
    if districts.nunique() < 2:
        return frame, columns
    at = [c.key for c in columns].index(after) + 1
    column = Column("from_district", "Thuộc huyện, thị xã, thành phố (trước)", "District, town or city (before)",
                    width=16)
    return frame.assign(from_district=districts), [*columns[:at], column, *columns[at:]]


def crosswalk_report(frame: pd.DataFrame, from_era: str, to_era: str) -> ReportTable:
    """The crosswalk (:func:`haiha_geo.crosswalks.crosswalk`): which share of each unit lies in which.

    At province scale the old unit's district follows its name (:func:`with_old_district`).
    """
    a, b = era(from_era), era(to_era)
    columns = [Column("from_code", f"Mã ĐVHC ({a.label('vi')})", f"Code ({a.label('en')})", width=10),
               Column("from_name", f"Đơn vị ({a.label('vi')})", f"Unit ({a.label('en')})", width=20),
               Column("to_code", f"Mã ĐVHC ({b.label('vi')})", f"Code ({b.label('en')})", width=10),
               Column("to_name", f"Đơn vị ({b.label('vi')})", f"Unit ({b.label('en')})", width=20),
               Column("share", "Tỷ lệ diện tích chuyển sang", "Share of area", "share"),
               Column("split", "Bị chia tách", "Split", "bool"), _AREA]
    frame, columns = with_old_district(frame, columns, "from_name")
    vi = f"Bảng chuyển đổi đơn vị hành chính {a.label('vi')} → {b.label('vi')}, {place().title('vi')}"
    en = f"Crosswalk of administrative units {a.label('en')} → {b.label('en')}, {place().title('en')}"
    notes = ("Tỷ lệ: phần diện tích bản đồ của đơn vị cũ nằm trong đơn vị mới; tổng theo mỗi đơn vị cũ bằng 100 %.",
             "Share: the part of the old unit's map area inside the new unit; each old unit's shares sum to 100 %.")
    return ReportTable.from_frame(frame, columns, vi, title_en=en, notes=[notes[0]], notes_en=[notes[1]],
                                  sheet="Chuyển đổi", sheet_en="Crosswalk", sources=[_AREA_METHOD])


RELATIONS = (("continues_enlarged", "tiếp tục, nhận đơn vị khác nhập vào", "continues, others merged into it"),
             ("continues_code_kept", "nhập vào (đơn vị sau giữ mã)", "merged into (which keeps its code)"),
             ("unchanged", "không thay đổi", "unchanged"),
             ("merged_into", "nhập vào", "merged into"), ("split_part", "một phần nhập vào", "part merged into"),
             ("split_remainder", "phần còn lại nhập vào", "remainder merged into"))


def what_happened(relation: str, same_unit: bool) -> str:
    """The lineage ``relation`` as what happened to the unit: the key of its words in :data:`RELATIONS`.

    ``continues`` says only that the successor keeps the unit's code: with the same type and name
    the unit went on and others were merged into it (``continues_enlarged``); otherwise it was
    merged into a new unit that keeps its code (``continues_code_kept``), as xã Quảng Thành into
    xã Quảng Đức in 2025.

    Examples
    --------
    >>> what_happened("continues", same_unit=False), what_happened("merged_into", same_unit=False)
    ('continues_code_kept', 'merged_into')
    """
    if relation != "continues":
        return relation
    return "continues_enlarged" if same_unit else "continues_code_kept"


def lineage_report(frame: pd.DataFrame) -> ReportTable:
    """Merges and splits between eras (:func:`haiha_geo.registry.lineage`) with their acts.

    The relation is worded as what happened to the unit (:func:`what_happened`).

    Examples
    --------
    >>> from haiha_geo.registry import lineage
    >>> table = lineage_report(lineage())
    >>> [r["relation"] for r in table.rows if r["from_name"] == "Quảng Thành" and r["to_name"] == "Quảng Đức"]
    ['continues_code_kept']
    """
    same = (frame["from_name"] == frame["to_name"]) & (frame["from_type"] == frame["to_type"])
    frame = frame.assign(relation=[what_happened(r, s) for r, s in zip(frame["relation"], same)])
    columns = [Column("act", "Văn bản", "Act", width=18), Column("effective", "Hiệu lực", "In force", "date"),
               Column("from_type", "Loại (trước)", "Type (before)", width=9, labels=UNIT_TYPES),
               Column("from_name", "Đơn vị trước", "Unit before", width=18),
               Column("relation", "Quan hệ", "Relation", width=16, labels=RELATIONS),
               Column("to_type", "Loại (sau)", "Type (after)", width=9, labels=UNIT_TYPES),
               Column("to_name", "Đơn vị sau", "Unit after", width=18),
               Column("confidence", "Độ tin cậy", "Confidence", width=10)]
    frame, columns = with_old_district(frame, columns, "from_name")
    vi, en = _title(("Lịch sử sắp xếp đơn vị hành chính", "Lineage of the administrative units"))
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Lịch sử", sheet_en="Lineage",
                                  sources=sources_of(frame, [("ref_id", "confidence", "Quan hệ / relation")]))


def overlay_report(frame: pd.DataFrame, era_id: str) -> ReportTable:
    """Area of a user's layer in each unit (:func:`haiha_geo.overlay.overlay_stats`); totals in the notes."""
    columns = [_CODE, _NAME, _TYPE,
               Column("area_ha", "Diện tích bản đồ trong đơn vị (ha)", "Map area in the unit (ha)", "ha"),
               Column("unit_area_ha", "Diện tích bản đồ đơn vị (ha)", "Map area of the unit (ha)", "ha"),
               Column("share_of_unit", "Tỷ lệ so với đơn vị", "Share of the unit", "share"),
               Column("share_of_layer", "Tỷ lệ so với lớp", "Share of the layer", "share")]
    a = frame.attrs
    vi, en = _title(("Diện tích lớp chồng xếp theo đơn vị hành chính", "Overlay area by administrative unit"), era_id)
    notes = ([f"Lớp: {a['layer_area_ha']:,.2f} ha; trong huyện {a['inside_district_ha']:,.2f} ha, ngoài huyện "
              f"{a['outside_district_ha']:,.2f} ha."] if a else [],
             [f"Layer: {a['layer_area_ha']:,.2f} ha; {a['inside_district_ha']:,.2f} ha inside the district, "
              f"{a['outside_district_ha']:,.2f} ha outside."] if a else [])
    return ReportTable.from_frame(frame, columns, vi, title_en=en, notes=notes[0], notes_en=notes[1],
                                  sheet="Chồng xếp", sheet_en="Overlay", sources=[_AREA_METHOD])


#: A commune's new-rural status (:func:`haiha_geo.ntm.ntm_status`).
NTM_STATUS = (("met", "đạt chuẩn", "met"), ("not_met", "chưa đạt", "not met"),
              ("advanced", "nông thôn mới nâng cao", "advanced new-rural"),
              ("model", "nông thôn mới kiểu mẫu", "model new-rural"),
              ("not_applicable", "không áp dụng (thị trấn)", "not applicable (township)"),
              ("unknown", "chưa rõ", "unknown"))
#: The state of one item of the district checklist (``layers/ntm_district.csv``).
NTM_DISTRICT_STATUS = (("met", "đạt", "met"), ("not_met", "chưa đạt", "not met"),
                       ("met_or_within_reach", "đạt hoặc có thể hoàn thành", "met or within reach"))
NTM_KINDS = (("precondition", "điều kiện", "precondition"), ("criterion", "tiêu chí", "criterion"),
             ("recognition", "công nhận", "recognition"))


def ntm_report(frame: pd.DataFrame, era_id: str, year: int) -> ReportTable:
    """New-rural status of every unit of an era at the end of ``year`` (:func:`haiha_geo.ntm.ntm_status`)."""
    frame = frame.assign(status=frame["status"].fillna("unknown"))
    columns = [_CODE, _NAME, _TYPE, Column("status", "Tình trạng NTM", "New-rural status", width=22,
                                           labels=NTM_STATUS),
               Column("year_lower", "Năm đạt (sớm nhất)", "Year reached (earliest)", "year", width=10),
               Column("year_upper", "Năm đạt (muộn nhất)", "Year reached (latest)", "year", width=10),
               Column("act", "Quyết định công nhận", "Recognising act", width=20),
               Column("note_vi", "Ghi chú", "Note", width=40, lang="vi"),
               Column("note", "Ghi chú", "Note", width=40, lang="en")]
    vi, en = _title((f"Tình trạng nông thôn mới đến 31/12/{year}", f"New-rural status at 31 Dec {year}"), era_id)
    xa = frame[frame["type"] == "xã"]
    counts = xa["status"].value_counts()
    status = next(c for c in columns if c.key == "status")
    notes = ([f"{len(xa)} xã: " + ", ".join(f"{status.label(s, 'vi')} {n}" for s, n in counts.items()) + "."],
             [f"{len(xa)} communes: " + ", ".join(f"{status.label(s, 'en')} {n}" for s, n in counts.items()) + "."])
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Nông thôn mới", sheet_en="New rural",
                                  notes=notes[0], notes_en=notes[1],
                                  sources=sources_of(frame, [("source", None, "Tình trạng NTM")]))


def ntm_district_report(frame: pd.DataFrame, years: dict[int, str]) -> ReportTable:
    """The district's new-rural checklist (:func:`haiha_geo.ntm.ntm_district`); ``years``: ``{year: column}``."""
    columns = [Column("item", "Mục", "Item", width=8), Column("kind", "Loại", "Kind", width=10, labels=NTM_KINDS),
               Column("name_vi", "Tiêu chí", "Criterion", width=40, lang="vi"),
               Column("name_en", "Tiêu chí", "Criterion", width=40, lang="en"),
               *[Column(col, f"Tình trạng {y}", f"Status {y}", width=14, labels=NTM_DISTRICT_STATUS)
                 for y, col in years.items()],
               Column("act", "Văn bản", "Act", width=18), Column("note_vi", "Ghi chú", "Note", width=40, lang="vi"),
               Column("note", "Ghi chú", "Note", width=40, lang="en")]
    vi, en = _title(("Bộ tiêu chí huyện nông thôn mới", "District new-rural checklist"))
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Huyện NTM", sheet_en="District",
                                  sources=sources_of(frame, [("source", "confidence", "Tiêu chí")]))


#: The kinds of ``layers/sites.csv``.
SITE_CATEGORIES = (("economic zone", "khu kinh tế", "economic zone"), ("border gate", "cửa khẩu", "border gate"),
                   ("industrial zone", "khu công nghiệp", "industrial zone"),
                   ("island commune", "xã đảo", "island commune"), ("urban centre", "đô thị", "urban centre"),
                   ("market", "chợ", "market"), ("public facility", "công trình công cộng", "public facility"))
#: How a site's footprint was drawn (:data:`haiha_geo.project_sites.FOOTPRINT_BASES`).
FOOTPRINT_LABELS = (("host_units", "theo các đơn vị chứa", "host units"),
                    ("cited_point", "điểm có trích dẫn", "cited point"),
                    ("user_file", "theo tệp của người dùng", "user's file"), ("none", "không có ranh giới", "none"))


def _unit_names(cell: Any, names: dict[str, str]) -> str | None:
    """``2019/06925;2019/06931`` as ``Quảng Đức; Quảng Thành`` (an id the registry does not know stays as it is)."""
    ids = _refs([cell])
    return "; ".join(names.get(i, i) for i in ids) if ids else None


#: The note of the sites table on the ids its machine formats keep.
SITE_IDS_NOTE = ("Mã địa điểm (site_id, dùng cho --footprints) và mã đơn vị chứa: xem --format json hoặc geojson.",
                 "Site ids (site_id, for --footprints) and host unit ids: see --format json or geojson.")


def sites_report(frame: pd.DataFrame, host_columns: dict[str, str]) -> ReportTable:
    """Project sites (:func:`haiha_geo.project_sites.sites`); ``host_columns``: ``{era: column}``.

    Sites and host units are shown by their names; the ids stay in the machine formats.

    Examples
    --------
    >>> from haiha_geo.project_sites import host_columns, sites
    >>> table = sites_report(sites().drop(columns="geometry"), host_columns())
    >>> table.rows[0]["host_units_2025"], "site_id" in [c.key for c in table.columns]
    ('Quảng Đức', False)
    """
    names = dict(zip(*(units_table()[c] for c in ("unit_id", "name"))))
    frame = frame.assign(**{col: [_unit_names(v, names) for v in frame[col]] for col in host_columns.values()})
    columns = [Column("category", "Loại", "Category", width=12, labels=SITE_CATEGORIES),
               Column("name_vi", "Tên dự án / khu", "Site", width=36, lang="vi"),
               Column("name_en", "Tên dự án / khu", "Site", width=36, lang="en"),
               Column("area_qualifier", "Loại diện tích", "Area qualifier", width=12,
                      labels=(("over", "trên", "over"), ("nearly", "gần", "nearly"))),
               Column("area_ha", "Diện tích công bố (ha)", "Published area (ha)", "ha"),
               Column("status_vi", "Tình trạng", "Status", width=30, lang="vi"),
               Column("status", "Tình trạng", "Status", width=30, lang="en"),
               Column("footprint_basis", "Cơ sở ranh giới", "Footprint basis", width=20, labels=FOOTPRINT_LABELS),
               *[Column(col, f"Đơn vị chứa ({era(e).label('vi')})", f"Host units ({era(e).label('en')})", width=24)
                 for e, col in host_columns.items()]]
    vi, en = _title(("Các khu, dự án trọng điểm", "Project sites"))
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Dự án", sheet_en="Sites",
                                  notes=[SITE_IDS_NOTE[0]], notes_en=[SITE_IDS_NOTE[1]],
                                  sources=sources_of(frame, [("area_source", None, "Diện tích"),
                                                             ("host_source", "host_confidence", "Đơn vị chứa"),
                                                             ("source", None, "Dự án")]))


def lookup_reports(result, era_id: str | None = None) -> list[ReportTable]:
    """What :func:`haiha_geo.crosswalks.lookup` found: the matching units, and (with ``era_id``) where they lie then.

    Examples
    --------
    >>> from haiha_geo.crosswalks import lookup
    >>> found, then = lookup_reports(lookup("Dai Dien Nam", era="2025"), "2025")
    >>> [c.header() for c in found.columns], then.rows[0]["name"]
    (['Thời kỳ', 'Mã ĐVHC', 'Tên đơn vị', 'Loại', 'Thuộc huyện, thị xã, thành phố'], 'Quảng Hà')
    """
    columns = [Column("era", "Thời kỳ", "Era", width=8), _CODE, _NAME, _TYPE,
               Column("district", "Thuộc huyện, thị xã, thành phố", "District, town or city")]
    matches = pd.DataFrame(result.matches, columns=[c.key for c in columns])
    tables = [ReportTable.from_frame(matches, columns, f"Đơn vị có tên «{result.query}»",
                                     title_en=f"Units named «{result.query}»")]
    if era_id is not None:
        e = era(era_id)
        share = Column("share", "Tỷ lệ diện tích", "Share of area", "share")
        found = pd.DataFrame(result.in_era, columns=["code", "name", "share"])
        tables.append(ReportTable.from_frame(found, [_CODE, _NAME, share], f"Thuộc đơn vị hành chính ({e.label('vi')})",
                                             title_en=f"In the units of {e.label('en')}"))
    return tables


def sheets_report(frame: pd.DataFrame, area_name: str) -> ReportTable:
    """Map sheets covering a study area (:func:`haiha_geo.zoning.study.sheets`), with their confidence tags.

    Examples
    --------
    >>> frame = pd.DataFrame({"sheet": ["373498-3"], "scale": [2000], "system": ["cadastral"],
    ...                       "parent": ["373498"], "size_confidence": ["C2"], "number_confidence": ["I"]})
    >>> table = sheets_report(frame, "Quảng Hà")
    >>> [c.header() for c in table.columns][:3], table.values()[0][1]
    (['Số hiệu mảnh', 'Tỷ lệ', 'Hệ thống'], '1/2000')
    """
    tags = tuple((t, t, t) for t in CONFIDENCE)
    columns = [Column("sheet", "Số hiệu mảnh", "Sheet", width=16), Column("scale", "Tỷ lệ", "Scale", width=9),
               Column("system", "Hệ thống", "System", width=12, labels=SHEET_SYSTEMS),
               Column("parent", "Mảnh gốc", "Parent sheet", width=14),
               Column("size_confidence", "Độ tin cậy kích thước", "Size confidence", width=10, labels=tags),
               Column("number_confidence", "Độ tin cậy số hiệu", "Number confidence", width=10, labels=tags)]
    frame = frame.assign(scale=[f"1/{int(v)}" for v in frame["scale"]])
    vi, en = _title((f"Mảnh bản đồ phủ {area_name}", f"Map sheets covering {area_name}"))
    return ReportTable.from_frame(frame, columns, vi, title_en=en, sheet="Mảnh bản đồ", sheet_en="Sheets")


#: The sheet systems of :func:`haiha_geo.zoning.study.sheets`.
SHEET_SYSTEMS = (("cadastral", "bản đồ địa chính", "cadastral"), ("topographic", "bản đồ địa hình", "topographic"))


def study_area_report(area) -> ReportTable:
    """A study area (:class:`haiha_geo.zoning.study.StudyArea`): its predecessor units with the share of each."""
    columns = [Column("from_code", "Mã ĐVHC", "Code", width=9), Column("from_name", "Đơn vị trước", "Unit before",
                                                                        width=20),
               Column("to_name", "Thuộc đơn vị", "Into unit", width=20),
               Column("share", "Tỷ lệ diện tích", "Share of area", "share"), Column("split", "Bị chia tách",
                                                                                    "Split", "bool")]
    vi, en = _title((f"Khu vực nghiên cứu {area.name}", f"Study area {area.name}"), area.era)
    notes = ([f"Diện tích bản đồ khu vực nghiên cứu: {area.area_ha:,.2f} ha ({PROVENANCE['planning_crs']}).",
              "Bảng: các đơn vị của thời kỳ trước có đất trong khu vực."],
             [f"Map area of the study area: {area.area_ha:,.2f} ha ({PROVENANCE['planning_crs']}).",
              "Table: units of the previous era with land inside the area."])
    return ReportTable.from_frame(area.predecessors, columns, vi, title_en=en, notes=notes[0], notes_en=notes[1],
                                  sheet="Khu vực nghiên cứu", sheet_en="Study area", sources=[_AREA_METHOD])


#: Counts from this size on are written as text (every digit): a spreadsheet keeps 15 significant digits of a number.
EXACT_DIGITS_FROM = 10**15


def reaggregation_report(result: TableReaggregation) -> ReportTable:
    """A table moved to another era (:func:`haiha_geo.crosswalks.reaggregate_table`): values per target unit.

    Extensive counts rounded with ``integers`` are shown as whole numbers
    (from :data:`EXACT_DIGITS_FROM` on as text, so that a spreadsheet keeps
    every digit); a total row gives the sums and weighted means; the notes
    say how each column was moved, with which weights, and its totals before
    and after with the residual.
    """
    frame = result.frame
    counts = [c for c in result.columns if result.integers and result.is_count(c)]
    huge = {c for c in counts if any(abs(int(v)) >= EXACT_DIGITS_FROM for v in frame[c])
            or abs(result.summary[c]["total_out"]) >= EXACT_DIGITS_FROM}
    kinds = {c: "text" if c in huge else "count" if c in counts else "number" for c in result.columns}
    columns = [_CODE, _NAME, *[Column(_key(c), c, c, kinds[c]) for c in result.columns]]
    total = {"code": "", "name": TOTAL[0], **{c: result.summary[c]["total_out"] for c in result.columns}}
    shown = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    for c in huge:
        shown[c] = [f"{int(v):,}" for v in shown[c]]
    shown = shown.rename(columns={c: _key(c) for c in result.columns})
    a, b = era(result.from_era), era(result.to_era)
    vi = f"Số liệu chuyển từ đơn vị {a.label('vi')} sang đơn vị {b.label('vi')}, {place().title('vi')}"
    en = f"Figures moved from the units {a.label('en')} to the units {b.label('en')}, {place().title('en')}"
    vi_notes, en_notes = [], []
    if a == b:
        vi = f"Số liệu theo đơn vị {a.label('vi')}, {place().title('vi')}"
        en = f"Figures by the units {a.label('en')}, {place().title('en')}"
        vi_notes.append("Cùng một thời kỳ: bảng được đối chiếu với các đơn vị của thời kỳ, số liệu giữ nguyên.")
        en_notes.append("The same era: the table is matched to the era's units, its figures unchanged.")
    for c, s in result.summary.items():
        how = _moved_how(result, c)
        vi_notes.append(f"{c}: {how[0]}; trước {_figure(s['total_in'], 'vi')}, sau {_figure(s['total_out'], 'vi')}, "
                        f"sai số {_figure(s['residual'], 'vi', 'g')}.")
        en_notes.append(f"{c}: {how[1]}; before {_figure(s['total_in'], 'en')}, after {_figure(s['total_out'], 'en')}, "
                        f"residual {_figure(s['residual'], 'en', 'g')}.")
    if any(_moved_how(result, c)[2] for c in result.columns):
        by = _split_by(result)
        vi_notes.append(f"Trọng số của đơn vị bị chia tách được chia {by[0]}.")
        en_notes.append(f"The weight of a split unit is shared out {by[1]}.")
    if result.shares:
        vi_notes.append(f"Tỷ lệ chia tách do người dùng cung cấp (thay tỷ lệ diện tích bản đồ): {result.shares}.")
        en_notes.append(f"Split shares given by the user (in place of the map-area shares): {result.shares}.")
    styles = [RowStyle()] * len(frame) + [RowStyle(bold=True, numbered=False)]
    annexes = [contributions_report(result, kinds)] if result.contributions is not None else []
    return ReportTable.from_frame(shown, columns, vi, title_en=en, notes=vi_notes, notes_en=en_notes, styles=styles,
                                  sheet="Chuyển số liệu", sheet_en="Reaggregated", sources=[_AREA_METHOD],
                                  annexes=annexes)


def contributions_report(result: TableReaggregation, kinds: dict[str, str] | None = None) -> ReportTable:
    """Each target unit's figures by the source units they come from (the audit sheet of a reaggregation).

    Examples
    --------
    >>> from haiha_geo.crosswalks import reaggregate_table
    >>> units = units_table("2019")
    >>> moved = reaggregate_table(pd.DataFrame({"name": units["name"], "people": 1000}), "2019", "2025",
    ...                           integers=True)
    >>> table = contributions_report(moved)
    >>> len(table.rows), [(r["to_name"], r["people"]) for r in table.rows if r["from_name"] == "Quảng Long"]
    (17, [('Quảng Hà', 23), ('Đường Hoa', 977)])
    """
    frame = result.contributions
    kinds = kinds or {c: "count" if result.integers and result.is_count(c) else "number" for c in result.columns}
    columns = [Column("to_code", "Mã ĐVHC mới", "New code", width=9),
               Column("to_name", "Đơn vị mới", "New unit", width=20),
               Column("from_code", "Mã ĐVHC cũ", "Old code", width=9),
               Column("from_name", "Đơn vị cũ", "Old unit", width=20),
               Column("share", "Tỷ lệ của đơn vị cũ", "Share of the old unit", "share"),
               *[Column(_key(c), c, c, kinds[c]) for c in result.columns]]
    shown = frame.copy()
    for c in [c for c in result.columns if kinds[c] == "text"]:  # every digit of a huge count, as in the main table
        shown[c] = [f"{int(v):,}" for v in shown[c]]
    shown = shown.rename(columns={c: _key(c) for c in result.columns})
    a, b = era(result.from_era), era(result.to_era)
    return ReportTable.from_frame(
        shown, columns, f"Đóng góp của từng đơn vị {a.label('vi')} vào đơn vị {b.label('vi')}",
        title_en=f"What each unit {a.label('en')} brings to each unit {b.label('en')}",
        notes=["Mỗi dòng: phần số liệu một đơn vị cũ chuyển sang một đơn vị mới; cộng theo đơn vị mới bằng bảng "
               "chính."],
        notes_en=["Each row: the part of an old unit's figures that goes to a new unit; summed by new unit, the "
                  "main table."],
        sheet="Đóng góp", sheet_en="Contributions")


def _moved_how(result: TableReaggregation, column: str) -> tuple[str, str, bool]:
    """How ``column`` was moved (Vietnamese, English), and whether by weights other than the map area."""
    by = _split_by(result)
    if result.is_count(column):
        return f"chia {by[0]} (tổng được bảo toàn)", f"shared out {by[1]} (total conserved)", False
    weights = result.rates.get(column, result.weights)
    if weights == WEIGHTS_AREA:
        if result.shares:  # the weights of the units the user split: their map area times the user's shares
            return f"bình quân gia quyền theo diện tích bản đồ, phần của đơn vị bị chia tách {by[0]}", \
                f"mean weighted by map area, the parts of a split unit {by[1]}", False
        return "bình quân gia quyền theo diện tích bản đồ", "mean weighted by map area", False
    if column in result.rates:
        return f"bình quân gia quyền theo cột {weights}", f"mean weighted by column {weights}", True
    return f"bình quân gia quyền theo trọng số trong {weights}", f"mean weighted by the weights in {weights}", True


#: Thousands and decimal separators swapped: the Vietnamese number format (1.349,05).
VI_SEPARATORS = str.maketrans(",.", ".,")


def _figure(value: float, lang: str, spec: str = ",.4f") -> str:
    """A figure in a note of ``lang``: every digit of a whole count, else as ``spec`` (default four decimals).

    Examples
    --------
    >>> _figure(16120, "vi"), _figure(10**17 + 1, "vi"), _figure(1349.05, "vi"), _figure(1349.05, "en")
    ('16.120', '100.000.000.000.000.001', '1.349,0500', '1,349.0500')
    >>> _figure(2.5e-12, "vi", "g"), _figure(0.0, "vi", "g")
    ('2,5e-12', '0')
    """
    text = f"{value:,}" if isinstance(value, int) else format(value, spec if spec != "g" else ".3g")
    return text.translate(VI_SEPARATORS) if lang == "vi" else text


def _split_by(result: TableReaggregation) -> tuple[str, str]:
    """How a split unit is shared out (Vietnamese, English): by map area, the units of ``--shares`` as it says.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> _split_by(SimpleNamespace(shares=None))[0]
    'theo tỷ lệ diện tích'
    >>> _split_by(SimpleNamespace(shares="tach.csv (sha256 0123456789ab): Quảng Long"))[0]
    'theo tỷ lệ diện tích, riêng Quảng Long theo tỷ lệ của tệp tach.csv'
    """
    if not result.shares:
        return "theo tỷ lệ diện tích", "by area"
    cited, _, names = result.shares.rpartition(": ")  # the file, then the names of its units (never holding ": ")
    cited = cited.partition(" (sha256 ")[0]  # its hash is in the note that cites the file
    source = "bảng tỷ lệ của người dùng" if cited == "the shares table" else f"tệp {cited}"  # a DataFrame given
    return (f"theo tỷ lệ diện tích, riêng {names} theo tỷ lệ của {source}",
            f"by area, {names} by the shares of {cited}")


def _key(column: str) -> str:
    """A snake_case key for a user's column name (its header stays as given)."""
    key = "".join(ch if ch.isalnum() else "_" for ch in fold(column).lower()).strip("_")
    key = "_".join(p for p in key.split("_") if p)
    return key if key and key[0].isalpha() else f"col_{key}"
