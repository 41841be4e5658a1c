"""The layers and tables of an export, each with its QGIS style.

One spatial layer per era (``units_2019``, …, named from
:func:`haiha_geo.timeline.era_ids`): the eras cover the same ground, so one
layer with an era field would draw three coverages on top of each other and
every QGIS user would first have to filter it; separate layers can be switched
on and off, each with its own legend of units. The other layers follow the
same rule: one theme, one geometry type, one style.

Field names are stable snake_case keys (the same as ``haiha-geo … --format
json``); the QML of each layer gives them Vietnamese aliases, so QGIS shows
"Diện tích bản đồ (ha)" in the attribute table and identify results.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from haiha_geo import registry
from haiha_geo.crosswalks import crosswalk
from haiha_geo.crs import GEOGRAPHIC_CRS, PLANNING_CRS, to_geographic, to_planning
from haiha_geo.eras import units
from haiha_geo.errors import CRSError
from haiha_geo.exchange.styles import Category, Labels, Symbol, qml
from haiha_geo.land_codes import PLAN_FILL_OPACITY, label_column, plan_code, plan_code_column, plan_symbols
from haiha_geo.maps.thematic import (
    CATEGORY_STYLE,
    FOOTPRINT_LABELS,
    HOST_IS_SITE,
    NTM_STATUS,
    POSSIBLE_EXTENT,
    POSSIBLE_EXTENT_NOTE,
    location_words,
)
from haiha_geo.ntm import commune_records, ntm_status
from haiha_geo.project_sites import sites
from haiha_geo.timeline import era_ids
from haiha_geo.vector_io import read_layer
from haiha_geo.zoning.study import sheets, study_area

#: The CRSs an export can be written in.
EXPORT_CRS: tuple[str, ...] = (PLANNING_CRS, GEOGRAPHIC_CRS)
#: Scale and system of the sheet index of the study area.
SHEET_SCALE, SHEET_SYSTEM = 2000, "cadastral"
#: Qualitative fills for units (ColorBrewer Pastel1 + Set3 tones); neighbours never share one.
UNIT_FILLS = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd", "#fddaec",
              "#bebada", "#80b1d3", "#fdb462", "#b3de69")

#: Vietnamese aliases shown by QGIS for the stable field names.
ALIASES = {
    "unit_id": "Mã đơn vị theo thời kỳ", "code": "Mã ĐVHC (GSO)", "name": "Tên đơn vị", "type": "Loại",
    "label": "Tên đầy đủ", "era": "Thời kỳ", "valid_from": "Hiệu lực từ", "valid_to": "Hiệu lực đến",
    "area_ha": "Diện tích bản đồ (ha)", "official_area_ha": "Diện tích tự nhiên công bố (ha)",
    "official_area_ref": "Nguồn diện tích công bố", "population": "Dân số (người)",
    "population_year": "Năm số liệu dân số", "population_ref": "Nguồn dân số",
    "created_by": "Văn bản thành lập (mã)", "created_act": "Văn bản thành lập",
    "ended_by": "Văn bản chấm dứt (mã)", "ended_act": "Văn bản chấm dứt",
    "year": "Năm (31/12)", "status": "Hiện trạng NTM", "status_vi": "Hiện trạng nông thôn mới",
    "year_lower": "Đạt từ năm (sớm nhất)", "year_upper": "Đạt chậm nhất năm", "act": "Văn bản",
    "source": "Nguồn", "note": "Ghi chú", "date_start": "Từ ngày", "date_end": "Đến trước ngày",
    "site_id": "Mã công trình", "category": "Loại công trình", "category_vi": "Loại công trình",
    "name_vi": "Tên", "name_en": "Tên (tiếng Anh)", "area_qualifier": "Ghi chú diện tích",
    "footprint_basis": "Cơ sở vị trí", "footprint_vi": "Cơ sở vị trí", "footprint_era": "Thời kỳ của đơn vị chứa",
    "host_extent": "Đơn vị chứa là", "footprint_upper_bound": "Chỉ là giới hạn trên", "footprint_kind": "Cách vẽ",
    "map_label": "Nhãn bản đồ",
    "sheet": "Số hiệu mảnh", "scale": "Tỷ lệ (1:)", "system": "Hệ mảnh", "parent": "Mảnh cha",
    "unit_ids": "Các đơn vị", "predecessors": "Đơn vị tiền thân",
}


@dataclass
class ExportLayer:
    """A layer (GeoDataFrame) or table (DataFrame) of an export, with its QML style (spatial layers)."""

    name: str
    frame: pd.DataFrame
    title: str
    style: str | None = None
    geometry: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def spatial(self) -> bool:
        """True for a layer with geometry."""
        return isinstance(self.frame, gpd.GeoDataFrame)


def _aliases(frame: pd.DataFrame) -> dict[str, str]:
    return {c: ALIASES[c] for c in frame.columns if c in ALIASES}


def neighbour_colours(geoms) -> list[str]:
    """Greedy colouring: each unit takes the first fill its already-coloured neighbours do not use.

    Examples
    --------
    >>> neighbour_colours([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)])
    ['#fbb4ae', '#b3cde3', '#fbb4ae']
    """
    chosen: list[int] = []
    for i, geom in enumerate(geoms):
        taken = {chosen[j] for j in range(i) if shapely.intersection(geom, geoms[j]).length > 0}  # a shared edge
        chosen.append(next(k for k in range(len(UNIT_FILLS) + 1) if k not in taken) % len(UNIT_FILLS))
    return [UNIT_FILLS[k] for k in chosen]


def _acts() -> pd.Series:
    return registry.acts_table().set_index("act_id")["number"]


def units_layer(era: str, crs: str) -> ExportLayer:
    """The units of ``era`` with areas, codes, validity dates and acts, filled per unit and labelled."""

    layer = units(era, crs=crs)
    acts = _acts()
    layer.insert(layer.columns.get_loc("created_by") + 1, "created_act", layer["created_by"].map(acts))
    layer.insert(layer.columns.get_loc("ended_by") + 1, "ended_act", layer["ended_by"].map(acts))
    planning = layer.geometry.values if crs == PLANNING_CRS else units(era, crs=PLANNING_CRS).geometry.values
    fills = neighbour_colours(list(planning))
    cats = [Category(code, label, Symbol(fill, "#4d4d4d", 0.4))
            for code, label, fill in zip(layer["code"], layer["label"], fills)]
    first, last = layer["valid_from"].min(), layer["valid_to"].max()
    title = f"Đơn vị hành chính thời kỳ {era} ({first} – {last if pd.notna(last) else 'nay'})"
    return ExportLayer(f"units_{era}", layer, title, qml("polygon", cats, field="code", labels=Labels("name"),
                                                         aliases=_aliases(layer)), "polygon")


def lineage_table() -> ExportLayer:
    """Who merged into whom, by which act, from when."""
    return ExportLayer("lineage", registry.lineage(), "Lịch sử sắp xếp đơn vị hành chính")


def acts_table() -> ExportLayer:
    """The legal acts."""
    return ExportLayer("acts", registry.acts_table(), "Văn bản pháp lý")


def crosswalk_table() -> ExportLayer:
    """The area-weighted crosswalk between every ordered pair of eras, in one table."""

    parts = [crosswalk(a, b).assign(from_era=a, to_era=b)
             for a in era_ids() for b in era_ids() if a != b]
    table = pd.concat(parts, ignore_index=True)
    table = table[["from_era", "to_era", *[c for c in table.columns if c not in ("from_era", "to_era")]]]
    return ExportLayer("crosswalk", table, "Bảng chuyển đổi giữa các thời kỳ (tỷ lệ diện tích)")


def _site_frame(crs: str) -> gpd.GeoDataFrame:

    layer = sites()
    layer.insert(layer.columns.get_loc("category") + 1, "category_vi",
                 layer["category"].map(lambda c: CATEGORY_STYLE[c][0]))
    layer.insert(layer.columns.get_loc("footprint_basis") + 1, "footprint_vi",
                 [location_words(r) for r in layer.drop(columns=layer.geometry.name).to_dict("records")])
    return layer if crs == GEOGRAPHIC_CRS else _located(layer, to_planning)


def _located(layer: gpd.GeoDataFrame, move) -> gpd.GeoDataFrame:
    has = layer.geometry.notna() & ~layer.geometry.is_empty
    moved = move(layer[has])
    out = layer.copy().set_crs(moved.crs, allow_override=True)
    out.loc[has, out.geometry.name] = moved.geometry.values
    return out


#: How a footprint is drawn in QGIS: an upper bound hatched and dashed as the site's possible extent.
FOOTPRINT_KINDS = {
    "upper_bound": (f"{POSSIBLE_EXTENT} ({POSSIBLE_EXTENT_NOTE})", Symbol("#6a3d9a", "#6a3d9a", 0.5, dash=True,
                                                                     opacity=0.6, hatch=True)),
    "site_unit": (HOST_IS_SITE, Symbol(None, "#6a3d9a", 0.6)),
    "user_file": (FOOTPRINT_LABELS["user_file"], Symbol(None, "#6a3d9a", 0.6)),
}


def _footprint_kinds(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``footprint_kind`` (a key of :data:`FOOTPRINT_KINDS`) and ``map_label``: an upper bound is labelled as
    the site's possible extent, not as the site."""
    upper = polygons["footprint_upper_bound"].astype(bool)
    kinds = ["upper_bound" if u else "user_file" if b == "user_file" else "site_unit"
             for u, b in zip(upper, polygons["footprint_basis"])]
    labels = [f"{POSSIBLE_EXTENT} của {n}" if u else n for u, n in zip(upper, polygons["name_vi"])]
    return polygons.assign(footprint_kind=kinds, map_label=labels)


def site_layers(crs: str) -> list[ExportLayer]:
    """Sites with a cited point, sites with a footprint (host units or a user's file), and all site records."""
    layer = _site_frame(crs)
    kinds = shapely.get_type_id(layer.geometry.values)
    points = layer[kinds == 0].reset_index(drop=True)
    polygons = layer[(kinds == 3) | (kinds == 6)].reset_index(drop=True)
    cats = [Category(c, label, Symbol(colour, "#ffffff", 0.4, size=4.0))
            for c, (label, _, colour) in CATEGORY_STYLE.items() if c in set(points["category"])]
    polygons = _footprint_kinds(polygons)
    outlines = [Category(kind, label, symbol) for kind, (label, symbol) in FOOTPRINT_KINDS.items()
                if kind in set(polygons["footprint_kind"])]
    return [
        ExportLayer("sites_points", points, "Công trình, dự án: vị trí do nguồn công bố",
                    qml("point", cats, field="category", labels=Labels("name_vi"), aliases=_aliases(points)), "point"),
        ExportLayer("sites_footprints", polygons,
                    "Công trình, dự án: phạm vi (hợp các đơn vị chứa là giới hạn trên, không phải ranh giới đo đạc)",
                    qml("polygon", outlines, field="footprint_kind", labels=Labels("map_label"),
                        aliases=_aliases(polygons)), "polygon"),
        ExportLayer("sites", pd.DataFrame(layer.drop(columns=layer.geometry.name)),
                    "Công trình, dự án: toàn bộ hồ sơ (kể cả chưa có vị trí)"),
    ]


def ntm_years() -> list[int]:
    """Years with a new-rural status: from the first year a record speaks of to the current year.

    Examples
    --------
    >>> ntm_years()[0] <= 2019 <= ntm_years()[-1]
    True
    """

    records = commune_records()
    first = int(pd.concat([records["year_lower"], records["year_upper"]]).dropna().min())
    return list(range(first, dt.date.today().year + 1))


def ntm_layer(crs: str) -> ExportLayer:
    """New-rural status of every unit at the end of every year, one feature per unit and year.

    Each feature covers its whole year, 1 January 00:00 up to (not including) 1 January 00:00 of the
    next (``date_start``, ``date_end``; the style's temporal limits include the beginning and exclude the
    end): QGIS's temporal controller steps through the years, and a frame on the afternoon of
    31 December, the day the status refers to, draws that year's status.
    """

    geoms = {era: units(era, crs=crs).set_index("unit_id").geometry for era in era_ids()}
    rows = []
    for year in ntm_years():
        era = registry.era_for_date(f"{year}-12-31")
        table = ntm_status(era, year).assign(era=era, year=year)
        rows.append(table)
    table = pd.concat(rows, ignore_index=True)
    table["status_vi"] = table["status"].map(lambda s: NTM_STATUS[s if isinstance(s, str) else "unknown"][0])
    table["date_start"] = pd.to_datetime(table["year"].astype(str) + "-01-01")
    table["date_end"] = pd.to_datetime((table["year"] + 1).astype(str) + "-01-01")
    columns = ["era", "year", "unit_id", "code", "name", "type", "status", "status_vi", "year_lower", "year_upper",
               "act", "source", "note", "date_start", "date_end"]
    geometry = [geoms[e][u] for e, u in zip(table["era"], table["unit_id"])]
    layer = gpd.GeoDataFrame(table[columns], geometry=geometry, crs=crs)
    cats = [Category(None if s == "unknown" else s, label, Symbol(colour, "#444444", 0.3))
            for s, (label, colour) in NTM_STATUS.items()]
    cats = [c for c in cats if c.value is not None] + [c for c in cats if c.value is None]
    style = qml("polygon", cats, field="status", labels=Labels("name"), temporal=("date_start", "date_end"),
                aliases=_aliases(layer))
    return ExportLayer("new_rural", layer, "Hiện trạng nông thôn mới theo đơn vị và năm (31/12)", style, "polygon")


def zoning_layers(crs: str) -> list[ExportLayer]:
    """The study area of the 1/2000 zoning study and the 1:2,000 cadastral sheets covering it."""

    area = study_area()
    grid = sheets(area, SHEET_SCALE, SHEET_SYSTEM)
    frame = area.to_frame()
    if crs == GEOGRAPHIC_CRS:
        frame, grid = to_geographic(frame), to_geographic(grid)
    outline = Symbol(None, "#d7301f", 0.8)
    sheet_style = qml("polygon", Symbol(None, "#2c7fb8", 0.3), labels=Labels("sheet", size=7, colour="#08306b"),
                      aliases=_aliases(grid))
    return [
        ExportLayer("study_area", frame, f"Phạm vi nghiên cứu: {area.name}",
                    qml("polygon", outline, labels=Labels("name"), aliases=_aliases(frame)), "polygon"),
        ExportLayer(f"sheets_{SHEET_SCALE}", grid,
                    f"Sơ đồ phân mảnh bản đồ địa chính 1:{SHEET_SCALE:,}".replace(",", ".") + f" ({area.name})",
                    sheet_style, "polygon"),
    ]


def check_crs(crs: str) -> str:
    """Return ``crs`` as ``EPSG:5899`` or ``EPSG:4326``, or raise :class:`~haiha_geo.errors.CRSError`.

    Examples
    --------
    >>> check_crs("epsg:4326")
    'EPSG:4326'
    """
    text = str(crs).strip().upper()
    if text not in EXPORT_CRS:
        raise CRSError(f"cannot export in {crs!r}: choose {PLANNING_CRS} (VN-2000 / TM-3 107°45′, the planning "
                       f"CRS, areas in metres) or {GEOGRAPHIC_CRS} (WGS 84 lon/lat)")
    return text


def plan_layer(path: str | os.PathLike, crs: str = PLANNING_CRS, code_field: str | None = None) -> ExportLayer:
    """A user's plan (or any vector file) as an export layer: a categorized renderer with one category per
    land-use code present, in the colours the print and the HTML map use (:func:`haiha_geo.land_codes.plan_symbols`),
    labelled with the ký hiệu lô (or the code); a file without codes in one style.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "plan.gpkg"
    >>> gpd.GeoDataFrame({"code": ["ONT", "DGT"]}, geometry=[shapely.box(500000, 2370000, 500040, 2370040),
    ...     shapely.box(500040, 2370000, 500080, 2370040)], crs="EPSG:5899").to_file(f)
    >>> layer = plan_layer(f)
    >>> layer.name, 'type="categorizedSymbol"' in layer.style, "ONT — Đất ở tại nông thôn" in layer.style
    ('plan_plan', True, True)
    """
    path = Path(path)
    frame = read_layer(path)
    frame = to_planning(frame) if crs == PLANNING_CRS else to_geographic(frame)
    column = plan_code_column(frame, code_field, path.name)
    label = label_column(frame.columns) or column
    kind = "polygon" if frame.geom_type.str.contains("Polygon").all() else \
        "line" if frame.geom_type.str.contains("LineString").all() else "point"
    if column is None:
        style = qml(kind, Symbol("#fb9a99", "#e31a1c", 0.4), aliases=_aliases(frame))
    else:
        frame[column] = frame[column].map(plan_code)
        _, symbols = plan_symbols(frame[column].dropna())
        cats = [Category(code, symbol.legend(), Symbol(symbol.hex, "#555555", PLAN_FILL_OPACITY))
                for code, symbol in symbols.items()]
        style = qml(kind, cats, field=column, labels=Labels(label), aliases=_aliases(frame))
    name = "plan_" + "".join(c if c.isalnum() else "_" for c in path.stem.lower())
    return ExportLayer(name, frame, f"Lớp của người dùng: {path.name}", style, kind)


def export_layers(crs: str = PLANNING_CRS, plans=(), code_field: str | None = None) -> list[ExportLayer]:
    """Every layer and table of an export, in the order QGIS lists them (the user's ``plans`` first).

    Examples
    --------
    >>> [layer.name for layer in export_layers()][:3]
    ['units_2019', 'units_2020', 'units_2025']
    """
    crs = check_crs(crs)
    return [*(plan_layer(p, crs, code_field) for p in plans), *(units_layer(era, crs) for era in era_ids()),
            ntm_layer(crs), *site_layers(crs), *zoning_layers(crs), lineage_table(), crosswalk_table(), acts_table()]
