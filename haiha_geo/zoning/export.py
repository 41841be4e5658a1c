"""The land-use balance as a report table (:mod:`haiha_geo.report`), and the forms of the balance and the plots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from haiha_geo._output import format_number
from haiha_geo.crs import PROVENANCE
from haiha_geo.dossier import Dossier
from haiha_geo.report import Column, ColumnGroup, ReportTable, RowStyle, Source, hierarchical_stt, read_form

if TYPE_CHECKING:
    from haiha_geo.zoning.balance import LandUseBalance, StagedBalance

TITLE = ("Bảng cân bằng sử dụng đất", "Land-use balance")
#: Columns of the report, keyed by the balance's stable keys (``colour`` is shown as the fill of the code cell).
COLUMNS = (
    Column("code", "Mã đất", "Code", width=10),
    Column("name", "Loại đất", "Land use", width=44),
    Column("level", "Cấp", "Level", "count", width=6),
    Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha", decimals=4),
    Column("percent", "Tỷ lệ (%)", "Share (%)", "percent"),
    Column("m2_per_person", "Chỉ tiêu (m²/người)", "Per person (m²/person)", "number"),
    Column("norm", "Quy chuẩn tối thiểu", "Minimum norm", width=30, lang="vi"),
    Column("norm_en", "Quy chuẩn tối thiểu", "Minimum norm", width=30, lang="en"),
    Column("norm_met", "Đạt quy chuẩn", "Norm met", "bool"),
    Column("classified", "Có trong danh mục", "Classified", "bool"),
    Column("verified", "Đã kiểm chứng", "Verified", "bool"),
    Column("confidence", "Độ tin cậy", "Confidence", width=10),
    Column("parent", "Mã cấp trên", "Parent code", width=10),
    Column("source_ref", "Nguồn", "Source", width=8),
)
#: English words of a norm (:meth:`haiha_geo.zoning.categories.Norm.describe`) and their Vietnamese.
NORM_WORDS = (("m²/person", "m²/người"), ("% of ", "% của "), (", unverified]", ", chưa kiểm chứng]"))


#: The code lists in Vietnamese words, for a form's notes.
CODE_LISTS = {"landlaw": ("mã loại đất theo Thông tư 08/2024/TT-BTNMT", "layers/land_use_codes.csv"),
              "qcvn": ("nhóm đất theo QCVN 01:2021/BXD", "layers/landuse_categories.csv")}
#: The header group of the change between the first and the last stage.
CHANGE = ("Tăng (+), giảm (−)", "Increase (+), decrease (−)")
#: Where the forms come from (the circular's text was not retrieved: layers/forms/*.toml says so).
FORM_SOURCE = Source("Thông tư 04/2022/TT-BXD (hồ sơ đồ án quy hoạch); văn bản và mẫu biểu chưa truy xuất được, "
                     "bố cục theo mẫu thường dùng", "I", "Mẫu biểu")
AREA_SOURCE = Source(f"Diện tích phẳng trong {PROVENANCE['planning_crs']}", "I", "Diện tích")


def balance_report(balance: LandUseBalance) -> ReportTable:
    """The balance with its total row as a :class:`~haiha_geo.report.ReportTable`.

    Category rows are indented by level and filled with the category colour;
    the top level and the total are bold; notes give coverage, the area
    method and the warnings (in the English table; the Vietnamese one counts
    them); sources are the area method and the category file's, one per
    text and confidence tag, each row naming its source by number; an
    unclassified code is a row "Mã ngoài danh mục: CODE".

    Examples
    --------
    >>> import geopandas as gpd, tempfile, pathlib, openpyxl
    >>> from shapely import box
    >>> from haiha_geo.zoning import land_use_balance
    >>> plan = gpd.GeoDataFrame({"code": ["NN"]}, geometry=[box(500000, 2372000, 500100, 2372100)], crs="EPSG:5899")
    >>> out = land_use_balance(plan).to_xlsx(pathlib.Path(tempfile.mkdtemp()) / "balance.xlsx")
    >>> sheet = openpyxl.load_workbook(out).worksheets[0]
    >>> [c.value for c in sheet[2]][:5]
    ['STT', 'Mã đất', 'Loại đất', 'Cấp', 'Diện tích bản đồ (ha)']
    >>> [c.value for c in sheet["B"][2:5]], sheet["C5"].value, sheet["E5"].value, sheet["E5"].number_format
    (['KHAC', 'NN', None], 'Tổng cộng', 1, '#,##0.0000')
    """
    frame = balance.to_frame()
    styles = [RowStyle(bold=int(level) <= 1, fill=colour if isinstance(colour, str) and colour else None,
                       indent=max(int(level) - 1, 0), numbered=code != "TOTAL")
              for code, level, colour in zip(frame["code"], frame["level"], frame["colour"])]
    sources = _sources(balance)
    number = {(s.text, s.confidence): str(i) for i, s in enumerate(sources, start=1)}
    frame = frame.assign(
        code=frame["code"].where(frame["code"] != "TOTAL", None),
        name=[n if c or code == "TOTAL" else _unclassified(code)
              for n, c, code in zip(frame["name"], frame["classified"], frame["code"])],
        norm_en=frame["norm"], norm=[_norm_vi(n) for n in frame["norm"]],
        source_ref=[number.get((text, tag or "?")) if isinstance(text, str) else None
                    for text, tag in zip(frame["source"], frame["confidence"])])
    return ReportTable.from_frame(frame, COLUMNS, TITLE[0], title_en=TITLE[1], styles=styles, label_key="name",
                                  notes=_notes(balance, "vi"), notes_en=_notes(balance, "en"),
                                  sources=sources, sheet="Cân bằng sử dụng đất", sheet_en="Land-use balance")


def _norm_vi(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    for english, vietnamese in NORM_WORDS:
        text = text.replace(english, vietnamese)
    return text


def _notes(balance: LandUseBalance, lang: str) -> list[str]:
    cover, vi = balance.coverage, lang == "vi"
    if cover is None:
        return ["Chưa kiểm tra độ phủ (khe hở, chồng lấn)." if vi else "Coverage not checked (gaps, overlaps)."]
    against = {"the study area": "khu vực nghiên cứu",
               "the plan's outline (holes inside it)": "đường bao của quy hoạch (các lỗ bên trong)"}
    where = against.get(cover["against"], cover["against"]) if vi else cover["against"]
    def num(value: float, digits: int = 2) -> str:
        return format_number(value, digits, lang)

    outside = "" if cover["outside_m2"] is None else (
        f"; ngoài khu vực {num(cover['outside_m2'])} m²" if vi else f"; outside {num(cover['outside_m2'])} m²")
    lines = [f"Độ phủ so với {where}: khe hở {num(cover['gaps_m2'])} m², chồng lấn "
             f"{num(cover['overlaps_m2'])} m²{outside}."
             if vi else f"Coverage against {where}: gaps {num(cover['gaps_m2'])} m², overlaps "
                        f"{num(cover['overlaps_m2'])} m²{outside}.",
             (f"Diện tích bản đồ của các đa giác, trong EPSG:5899; diện tích hợp (không tính chồng lấn hai lần) "
              f"{num(balance.plan_area_ha, 4)} ha." if vi else
              f"Map areas of the polygons, in EPSG:5899; area of their union (overlaps counted once) "
              f"{num(balance.plan_area_ha, 4)} ha.")]
    if balance.population:
        lines.append(f"Dân số quy hoạch: {num(balance.population, 0)} người." if vi
                     else f"Planned population: {num(balance.population, 0)} people.")
    if vi:  # the warnings are the command's English messages: counted here, printed on the terminal
        return lines + ([f"Có {len(balance.warnings)} cảnh báo khi đọc quy hoạch (xem thông báo của lệnh)."]
                        if balance.warnings else [])
    return lines + ["Warning: " + note for note in balance.warnings]


def _sources(balance: LandUseBalance) -> list[Source]:
    rows = balance.table.dropna(subset=["source"])
    pairs = dict.fromkeys(zip(rows["source"], rows["confidence"].fillna("?")))
    return [AREA_SOURCE] + [Source(text, tag, "Danh mục loại đất") for text, tag in pairs]


def _unclassified(code: str) -> str:
    return f"Mã ngoài danh mục: {code}"


def _area_columns(key: str) -> list[Column]:
    return [Column(f"{key}_ha", "Diện tích (ha)", "Area (ha)", "ha", decimals=4),
            Column(f"{key}_pct", "Tỷ lệ (%)", "Share (%)", "percent")]


def staged_report(staged: StagedBalance, dossier: Dossier | None = None) -> ReportTable:
    """The staged balance as the form Bảng cân bằng sử dụng đất (``layers/forms/can_bang_su_dung_dat.toml``).

    One column group (ha, %) per stage, the change group with a change;
    STT from the code hierarchy (A, I, 1, 1.1); the total row sums the
    top-level rows, which sum their leaves; unclassified codes are rows of
    their own. The signature block holds the fields of ``dossier``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from haiha_geo.zoning.balance import land_use_balance, staged_balance
    >>> plan = gpd.GeoDataFrame({"code": ["NO-M", "CX-DVO"], "now": ["NN", "NN"]},
    ...     geometry=[box(500000, 2372000, 500100, 2372100), box(500100, 2372000, 500150, 2372100)],
    ...     crs="EPSG:5899")
    >>> table = staged_report(staged_balance(plan, existing_field="now"))
    >>> [row[:2] for row in table.values()][-1], table.stt()[:3]
    (['Tổng cộng', None], ['A', 'I', '1'])
    """
    groups = [ColumnGroup(s.vi, s.en, (f"{s.key}_ha", f"{s.key}_pct")) for s in staged.stages]
    keys = [s.key for s in staged.stages] + (["change"] if staged.change else [])
    if staged.change:
        groups.append(ColumnGroup(*CHANGE, ("change_ha", "change_pct")))
    columns = [Column("name", "Loại đất", "Land use", width=40), Column("code", "Ký hiệu", "Code", width=10)]
    columns += [c for key in keys for c in _area_columns(key)]
    frame = staged.table
    rows = [{"name": r["name"] if r["classified"] else _unclassified(r["code"]), "code": r["code"]}
            | {f"{k}_{m}": r[f"{k}_{m}"] for k in keys for m in ("ha", "pct")} for r in frame.to_dict("records")]
    totals = staged.totals()
    rows.append({"name": "Tổng cộng"} | {f"{k}_ha": totals[k] for k in keys}
                | {f"{s.key}_pct": 100.0 if totals[s.key] > 0 else None for s in staged.stages}
                | ({"change_pct": 0.0} if staged.change else {}))
    levels = [int(level) for level in frame["level"]]
    styles = [RowStyle(bold=level == 1, indent=level - 1, stt=stt) for level, stt in
              zip(levels, hierarchical_stt(levels))] + [RowStyle(bold=True, numbered=False)]
    form = read_form("can_bang_su_dung_dat", dossier=dossier, groups=groups)
    system = staged.stages[0].balance.system
    words, file = CODE_LISTS.get(system, ("danh mục mã của người dùng", system))
    notes = [f"Ký hiệu: {words} (nguồn 3)."]
    if staged.change:
        notes.append("Tăng (+), giảm (−): quy hoạch trừ hiện trạng; tỷ lệ: chênh lệch tỷ trọng (điểm phần trăm).")
    return ReportTable(form.title, columns, rows, title_en=form.title_en, styles=styles, label_key="name",
                       notes=notes, sources=[FORM_SOURCE, AREA_SOURCE, Source(file, "C2", "Danh mục mã đất")],
                       sheet="Cân bằng sử dụng đất",
                       sheet_en="Land-use balance", form=form)


#: Columns of the plot table, by the keys of :func:`haiha_geo.zoning.balance.plot_table`.
PLOT_COLUMNS = (
    Column("plot", "Ký hiệu lô", "Plot", width=12),
    Column("name", "Chức năng sử dụng đất", "Land use", width=36),
    Column("code", "Mã đất", "Code", width=10),
    Column("area_ha", "Diện tích (ha)", "Area (ha)", "ha", decimals=4),
    Column("density", "Mật độ xây dựng (%)", "Site coverage (%)", "percent", decimals=1),
    Column("floors", "Tầng cao (tầng)", "Floors", "number", decimals=0),
    Column("far", "Hệ số sử dụng đất (lần)", "Floor-area ratio", "number", decimals=1),
    Column("population", "Dân số (người)", "Population (people)", "count"),
)


def plot_report(plots: pd.DataFrame, dossier: Dossier | None = None) -> ReportTable:
    """The plot table as the form Bảng thống kê các lô đất (``layers/forms/thong_ke_lo.toml``), with its total.

    Columns the plan does not carry are left out; the total row sums the
    areas (equal to the balance's total) and the population.

    Examples
    --------
    >>> plots = pd.DataFrame({"plot": ["L1", "L2"], "code": ["NO-M", "CX"], "name": ["Đất ở", "Cây xanh"],
    ...                       "area_ha": [1.0, 0.5], "population": [120.0, None]})
    >>> [row[:4] for row in plot_report(plots).values()][-1]
    [None, 'Tổng cộng', None, 1.5]
    """
    columns = [c for c in PLOT_COLUMNS if c.key in plots.columns]
    rows = [{c.key: _plain(row[c.key]) for c in columns} for _, row in plots.iterrows()]
    total = {"name": "Tổng cộng", "area_ha": round(float(plots["area_ha"].sum()), 4)}
    if "population" in plots.columns:
        total["population"] = int(plots["population"].fillna(0).sum())
    form = read_form("thong_ke_lo", dossier=dossier)
    return ReportTable(form.title, columns, [*rows, total], title_en=form.title_en,
                       styles=[RowStyle()] * len(rows) + [RowStyle(bold=True, numbered=False)],
                       sources=[FORM_SOURCE, AREA_SOURCE], sheet="Thống kê các lô", sheet_en="Plots", form=form)


def _plain(value: Any) -> Any:
    """A frame value as the table takes it (a whole population as an int; NaN as None)."""
    if isinstance(value, float) and value == value and value.is_integer():
        return int(value)
    return None if isinstance(value, float) and value != value else value
