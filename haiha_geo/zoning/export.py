"""The land-use balance as a report table (:mod:`haiha_geo.report`), for the XLSX workbook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from haiha_geo.crs import PROVENANCE
from haiha_geo.report import Column, ReportTable, RowStyle, Source

if TYPE_CHECKING:
    from haiha_geo.zoning.balance import LandUseBalance

TITLE = ("Bảng cân bằng sử dụng đất", "Land-use balance")
#: Columns of the report, keyed by the balance's stable keys (``colour`` is shown as the fill of the code cell).
COLUMNS = (
    Column("code", "Mã đất", "Code", width=10),
    Column("name", "Loại đất", "Land use", width=44),
    Column("level", "Cấp", "Level", "count", width=6),
    Column("area_ha", "Diện tích bản đồ (ha)", "Map area (ha)", "ha", decimals=4),
    Column("percent", "Tỷ lệ (%)", "Share (%)", "percent"),
    Column("m2_per_person", "Chỉ tiêu (m²/người)", "Per person (m²/person)", "number"),
    Column("norm", "Quy chuẩn tối thiểu", "Minimum norm", width=30),
    Column("norm_met", "Đạt quy chuẩn", "Norm met", "bool"),
    Column("classified", "Có trong danh mục", "Classified", "bool"),
    Column("verified", "Đã kiểm chứng", "Verified", "bool"),
    Column("confidence", "Độ tin cậy", "Confidence", width=10),
    Column("parent", "Mã cấp trên", "Parent code", width=10),
    Column("source", "Nguồn", "Source", width=50),
)


def balance_report(balance: LandUseBalance) -> ReportTable:
    """The balance with its total row as a :class:`~haiha_geo.report.ReportTable`.

    Category rows are indented by level and filled with the category colour;
    the top level and the total are bold; notes give coverage, the area
    method and the warnings; sources are the category file's, one per
    confidence tag, and the area method.

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
    >>> [c.value for c in sheet["B"][2:5]], sheet["E5"].value, sheet["E5"].number_format
    (['KHAC', 'NN', 'TOTAL'], 1, '#,##0.0000')
    """
    frame = balance.to_frame()
    styles = [RowStyle(bold=int(level) <= 1, fill=colour if isinstance(colour, str) and colour else None,
                       indent=max(int(level) - 1, 0), numbered=code != "TOTAL")
              for code, level, colour in zip(frame["code"], frame["level"], frame["colour"])]
    return ReportTable.from_frame(frame, COLUMNS, TITLE[0], title_en=TITLE[1], styles=styles, label_key="name",
                                  notes=_notes(balance, "vi"), notes_en=_notes(balance, "en"),
                                  sources=_sources(balance), sheet="Cân bằng sử dụng đất", sheet_en="Land-use balance")


def _notes(balance: LandUseBalance, lang: str) -> list[str]:
    cover, vi = balance.coverage, lang == "vi"
    if cover is None:
        return ["Chưa kiểm tra độ phủ (khe hở, chồng lấn)." if vi else "Coverage not checked (gaps, overlaps)."]
    against = {"the study area": "khu vực nghiên cứu",
               "the plan's outline (holes inside it)": "đường bao của quy hoạch (các lỗ bên trong)"}
    where = against.get(cover["against"], cover["against"]) if vi else cover["against"]
    outside = "" if cover["outside_m2"] is None else (
        f"; ngoài khu vực {cover['outside_m2']:,.2f} m²" if vi else f"; outside {cover['outside_m2']:,.2f} m²")
    lines = [f"Độ phủ so với {where}: khe hở {cover['gaps_m2']:,.2f} m², chồng lấn "
             f"{cover['overlaps_m2']:,.2f} m²{outside}."
             if vi else f"Coverage against {where}: gaps {cover['gaps_m2']:,.2f} m², overlaps "
                        f"{cover['overlaps_m2']:,.2f} m²{outside}.",
             (f"Diện tích bản đồ của các đa giác, trong EPSG:5899; diện tích hợp (không tính chồng lấn hai lần) "
              f"{balance.plan_area_ha:,.4f} ha." if vi else
              f"Map areas of the polygons, in EPSG:5899; area of their union (overlaps counted once) "
              f"{balance.plan_area_ha:,.4f} ha.")]
    if balance.population:
        lines.append(f"Dân số quy hoạch: {balance.population:,d} người." if vi
                     else f"Planned population: {balance.population:,d} people.")
    return lines + [("Cảnh báo: " if vi else "Warning: ") + note for note in balance.warnings]


def _sources(balance: LandUseBalance) -> list[Source]:
    rows = balance.table.dropna(subset=["source"])
    pairs = dict.fromkeys(zip(rows["source"], rows["confidence"].fillna("?")))
    return ([Source(PROVENANCE["area_method"] + "; " + PROVENANCE["planning_crs"], "I", "Diện tích bản đồ / map area")]
            + [Source(text, tag, "Danh mục loại đất / land-use categories") for text, tag in pairs])
