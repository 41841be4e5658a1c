"""Biểu thống kê diện tích đất theo mục đích sử dụng: a parcel layer's land-law codes by unit of an era.

Each parcel's area (planimetric, EPSG:5899) is split between the units of
the era it crosses (:func:`haiha_geo.overlay.overlay_stats`, one code at a
time, overlaps counted once); legacy codes count in their current ones
(:func:`haiha_geo.zoning.categories.classify` with the land-law list), and
every group and type is the sum of the codes below it. Areas are in ha to
0.01, each unit's leaves rounded so that they add up to the unit's total
(largest remainder), the groups summed from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from haiha_geo.crs import PROVENANCE
from haiha_geo.dossier import Dossier
from haiha_geo.errors import InputFileError
from haiha_geo.overlay import overlay_stats
from haiha_geo.registry import check_era
from haiha_geo.report import Column, ReportTable, RowStyle, Source, hierarchical_stt, read_form
from haiha_geo.vector_io import read_layer
from haiha_geo.zoning.balance import round_to_sum
from haiha_geo.zoning.categories import classify, descendants

__all__ = ["LandStatistics", "land_statistics", "landstat_report"]

#: Decimals of the areas (ha) of the form.
DECIMALS = 2


@dataclass(repr=False)
class LandStatistics:
    """Result of :func:`land_statistics`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per code with area (category order, then unknown codes):
        ``code``, ``name``, ``level``, ``parent``, ``classified``, ``total_ha``
        and one column per unit (``unit_1`` …, named in :attr:`units`).
    units : list of (key, name)
    era : str
    unknown : list of str
        Codes the land-law list does not know (rows of their own).
    mapped : dict
        Codes counted in another (legacy or miscased code → current code).
    """

    table: pd.DataFrame
    units: list[tuple[str, str]]
    era: str
    unknown: list[str]
    mapped: dict[str, str] = field(default_factory=dict)


def land_statistics(layer: str | os.PathLike | gpd.GeoDataFrame, era: str, *, code_field: str = "code",
                    crs: str | None = None, layer_name: str | None = None, strict: bool = False) -> LandStatistics:
    """Area of each land-law code of ``layer`` in each unit of ``era``.

    Parameters
    ----------
    layer : path or GeoDataFrame
        Parcels (polygons) with their land-law code in column ``code_field``.
    era : str
        The era whose units are the columns.
    code_field : str
        The column of the codes.
    crs, layer_name : str, optional
        CRS to assume when the file declares none; layer of a GeoPackage.
    strict : bool
        Refuse invalid polygons instead of repairing them.

    Raises
    ------
    InputFileError
        No column ``code_field``, or a parcel without a code.

    Examples
    --------
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame({"code": ["LUC", "ONT"]}, geometry=[box(107.74, 21.44, 107.75, 21.45),
    ...     box(107.75, 21.44, 107.76, 21.45)], crs="EPSG:4326")
    >>> stats = land_statistics(parcels, "2025")
    >>> rows = stats.table.set_index("code")
    >>> bool(rows.loc["NNP", "total_ha"] == rows.loc["LUC", "total_ha"]), sorted(rows.index)[:3]
    (True, ['CHN', 'LUA', 'LUC'])
    """
    era = check_era(era)
    frame = layer if isinstance(layer, gpd.GeoDataFrame) else read_layer(layer, layer=layer_name, crs=crs,
                                                                          what="parcel layer")
    if code_field not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"the parcel layer has no column {code_field!r} (the land-law code); columns: {columns}; "
                             "name it with --field")
    codes = frame[code_field].astype("string").str.strip()
    if codes.isna().any() or (codes == "").any():
        rows = ", ".join(str(i) for i in frame.index[codes.isna() | (codes == "")][:10])
        raise InputFileError(f"the parcel layer has parcels without a code in {code_field!r} (rows {rows})")
    found = classify(codes.unique(), "landlaw")
    current = codes.map(lambda c: found.mapped.get(c, c))
    by_code = {code: overlay_stats(frame[(current == code).to_numpy()], era, crs=crs, strict=strict)
               for code in current.unique()}
    first = next(iter(by_code.values()))
    units = [(f"unit_{i}", name) for i, name in enumerate(first["name"], start=1)]
    return LandStatistics(_table(found.categories, by_code, units, sorted(found.unknown)), units, era,
                          sorted(found.unknown), dict(sorted(found.mapped.items())))


def _table(categories: pd.DataFrame, by_code: dict[str, pd.DataFrame], units: list[tuple[str, str]],
           unknown: list[str]) -> pd.DataFrame:
    leaves = list(categories["code"]) + unknown
    own = np.array([by_code[c]["area_ha"].to_numpy() if c in by_code else np.zeros(len(units)) for c in leaves])
    rounded = np.column_stack([round_to_sum(own[:, j], DECIMALS) for j in range(len(units))])
    below = descendants(categories) | {code: [code] for code in unknown}
    index = {code: i for i, code in enumerate(leaves)}
    records = [{"code": row["code"], "name": row["name"], "level": int(row["level"]), "parent": row["parent"] or None,
                "classified": True} for row in categories.to_dict("records")]
    records += [{"code": c, "name": f"Mã ngoài danh mục: {c}", "level": 1, "parent": None, "classified": False}
                for c in unknown]
    for record in records:
        area = rounded[[index[c] for c in below[record["code"]]]].sum(axis=0).round(DECIMALS)
        record |= {key: float(a) for (key, _), a in zip(units, area)}
        record["total_ha"] = round(float(area.sum()), DECIMALS)
    table = pd.DataFrame(records)
    return table[table["total_ha"] > 0].reset_index(drop=True)


def landstat_report(stats: LandStatistics, dossier: Dossier | None = None) -> ReportTable:
    """The statistics as the form of ``layers/forms/thong_ke_dat_dai.toml``: codes as rows, units as columns.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"code": ["NNP", "LUC"], "name": ["Nhóm đất nông nghiệp", "Đất chuyên trồng lúa"],
    ...     "level": [1, 2], "parent": [None, "NNP"], "classified": [True, True], "unit_1": [1.5, 1.5],
    ...     "total_ha": [1.5, 1.5]})
    >>> report = landstat_report(LandStatistics(table, [("unit_1", "Quảng Hà")], "2025", []))
    >>> report.headers("vi"), report.values()[-1]
    (['Loại đất', 'Mã', 'Tổng diện tích (ha)', 'Quảng Hà (ha)'], ['Tổng cộng', None, 1.5, 1.5])
    """
    keys = ["total_ha"] + [key for key, _ in stats.units]
    columns = [Column("name", "Loại đất", "Land use", width=40), Column("code", "Mã", "Code", width=8),
               Column("total_ha", "Tổng diện tích (ha)", "Total (ha)", "ha", decimals=DECIMALS)]
    columns += [Column(key, f"{name} (ha)", f"{name} (ha)", "ha", decimals=DECIMALS) for key, name in stats.units]
    frame = stats.table
    rows = [{k: r[k] for k in ["name", "code", *keys]} for r in frame.to_dict("records")]
    top = frame[frame["level"] == 1]
    rows.append({"name": "Tổng cộng"} | {k: round(float(top[k].sum()), DECIMALS) for k in keys})
    levels = [int(level) for level in frame["level"]]
    styles = [RowStyle(bold=level == 1, indent=level - 1, stt=stt) for level, stt in
              zip(levels, hierarchical_stt(levels))] + [RowStyle(bold=True, numbered=False)]
    form = read_form("thong_ke_dat_dai", dossier=dossier)
    sources = [Source("Thông tư 08/2024/TT-BTNMT (thống kê, kiểm kê đất đai); mẫu biểu chưa truy xuất được, bố cục "
                      "theo mã loại đất của thông tư", "I", "Mẫu biểu"),
               Source(f"Diện tích phẳng trong {PROVENANCE['planning_crs']}, chia theo ranh giới đơn vị hành chính "
                      f"thời kỳ {stats.era}", "I", "Diện tích"),
               Source("layers/land_use_codes.csv", "C2", "Danh mục mã đất")]
    notes = [f"Đơn vị hành chính thời kỳ {stats.era}; diện tích của lớp thửa đất trong từng đơn vị (nguồn 2)."]
    if stats.mapped:
        notes.append("Mã cũ tính vào mã hiện hành: " + ", ".join(f"{a} → {b}" for a, b in stats.mapped.items()) + ".")
    if stats.unknown:
        notes.append(f"Mã không có trong danh mục (nguồn 3): {', '.join(stats.unknown)}.")
    return ReportTable(form.title, columns, rows, title_en=form.title_en, styles=styles, label_key="name",
                       notes=notes, sources=sources, sheet="Thống kê đất đai", sheet_en="Land statistics", form=form)
