"""The land-statistics form (issue 21 item 1): parcels' land-law codes by unit of an era, units as columns.

The parcels are a grid built at run time across the boundary of two units (never stored).
"""

from __future__ import annotations

import datetime as dt
import functools

import geopandas as gpd
import openpyxl
import pytest
import shapely

from haiha_geo.dossier import Dossier
from haiha_geo.errors import InputFileError
from haiha_geo.landstat import land_statistics, landstat_report
from haiha_geo.overlay import overlay_stats
from haiha_geo.report import to_xlsx
from haiha_geo.report_docx import texts, to_docx

CODES = ["LUC", "LUK", "LUN", "ONT", "DGT", "CLN", "NTS", "RSX", "TMD", "BCS", "DTL", "ODT"]
SIDE = 150.0


@functools.cache
def _parcels() -> gpd.GeoDataFrame:
    """A 6 × 6 grid of parcels centred on a point of the boundary between the first two units of 2025."""
    from haiha_geo.eras import units

    era = units("2025", crs="EPSG:5899")
    shared = shapely.intersection(era.geometry.iloc[0].boundary, era.geometry.iloc[1].boundary)
    x0, y0 = shapely.get_coordinates(shapely.line_interpolate_point(shapely.get_parts(shared)[0], 0.5,
                                                                    normalized=True))[0]
    cells = [shapely.box(x0 + (i - 3) * SIDE, y0 + (j - 3) * SIDE, x0 + (i - 2) * SIDE, y0 + (j - 2) * SIDE)
             for i in range(6) for j in range(6)]
    return gpd.GeoDataFrame({"code": [CODES[k % len(CODES)] for k in range(len(cells))]}, geometry=cells,
                            crs="EPSG:5899")


@functools.cache
def _stats():
    return land_statistics(_parcels(), "2025")


def test_unit_columns_and_groups_add_up_and_match_the_overlay():
    stats = _stats()
    table = stats.table.set_index("code")
    keys = [key for key, _ in stats.units]
    crossed = [key for key in keys if table.loc["NNP", key] > 0 or table.loc["PNN", key] > 0]
    assert len(crossed) == 2, "the grid straddles two units"
    for code, row in table.iterrows():
        assert row["total_ha"] == pytest.approx(sum(row[k] for k in keys), abs=1e-9)
        children = table[table["parent"] == code]
        if len(children):
            for key in ["total_ha", *keys]:
                assert row[key] == pytest.approx(children[key].sum(), abs=1e-9), (code, key)
    whole = overlay_stats(_parcels(), "2025")
    for key, area in zip(keys, whole["area_ha"]):
        assert table.loc[table["level"] == 1, key].sum() == pytest.approx(round(area, 2), abs=1e-9)
    assert "LUN" not in table.index and stats.mapped == {"LUN": "LUK"}
    assert "LUN → LUK" in landstat_report(stats).render("table")


def test_landstat_form_in_xlsx_and_docx(tmp_path):
    dossier = Dossier(prepared_by="UBND xã Quảng Hà", compiler="Phạm Văn D", date=dt.date(2026, 12, 3))
    report = landstat_report(_stats(), dossier)
    sheet = openpyxl.load_workbook(to_xlsx(report, tmp_path / "t.xlsx")).worksheets[0]
    flat = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    lines = texts(to_docx(report, tmp_path / "t.docx"))
    names = [name for _, name in _stats().units]
    for found in (flat, lines):
        for text in ("Biểu số 03", "Thống kê diện tích đất theo mục đích sử dụng", "Đơn vị tính: ha",
                     "Tổng diện tích (ha)", f"{names[0]} (ha)", "Tổng cộng", "Phạm Văn D", "Người lập biểu",
                     "…, ngày 03 tháng 12 năm 2026"):
            assert text in found, text
    stt = [v for v in (sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)) if v]
    assert stt[stt.index("(1)") + 1:][:4] == ["A", "I", "1", "1.1"]


def test_a_parcel_without_a_code_is_named():
    parcels = _parcels().copy()
    parcels.loc[3, "code"] = " "
    with pytest.raises(InputFileError, match=r"without a code in 'code' \(rows 3\)"):
        land_statistics(parcels, "2025")


def test_landstat_from_the_command_line(cli, tmp_path):
    layer = tmp_path / "parcels.gpkg"
    _parcels().to_file(layer)
    run = cli("landstat", str(layer), "--era", "2025", "--format", "md")
    assert run.code == 0 and "Biểu số 03" in run.out and "| A |" in run.out
    run = cli("landstat", str(layer), "--era", "2025", "--field", "loai_dat")
    assert run.code == 2 and "loai_dat" in run.err and "Traceback" not in run.err
