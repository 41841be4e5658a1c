"""XLSX export of a land-use balance (openpyxl)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

if TYPE_CHECKING:
    from haiha_geo.zoning.balance import LandUseBalance

SHEET = "Cân bằng sử dụng đất"
NOTES_SHEET = "Ghi chú"
WIDTHS = {"code": 10, "name": 60, "norm": 34, "source": 60}


def write_xlsx(balance: LandUseBalance, path: Path) -> None:
    """Write ``balance`` to ``path``: one sheet with the rows and total, one with coverage and notes.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, pathlib, openpyxl
    >>> from shapely import box
    >>> from haiha_geo.zoning import land_use_balance
    >>> plan = gpd.GeoDataFrame({"code": ["NN"]}, geometry=[box(500000, 2372000, 500100, 2372100)], crs="EPSG:5899")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "balance.xlsx"
    >>> write_xlsx(land_use_balance(plan), out)
    >>> [c.value for c in openpyxl.load_workbook(out)[SHEET]["A"]]
    ['code', 'KHAC', 'NN', 'TOTAL']
    """
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    frame = balance.to_frame()
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        sheet.append([_value(v) for v in row])
        _style_row(sheet[sheet.max_row], row)
    for i, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = WIDTHS.get(name, 12)
    sheet.freeze_panes = "A2"
    _notes(book.create_sheet(NOTES_SHEET), balance)
    book.save(path)


def _value(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _style_row(cells, row) -> None:
    if isinstance(row.colour, str) and row.colour:
        fill = PatternFill("solid", start_color=row.colour.lstrip("#").upper())
        cells[0].fill = fill
    if row.level in (0, 1):
        for cell in cells:
            cell.font = Font(bold=True)


def _notes(sheet, balance: LandUseBalance) -> None:
    info = balance.to_dict()
    sheet.append(["item", "value"])
    for key, value in info["coverage"].items():
        sheet.append([f"coverage.{key}", value])
    sheet.append(["plan_area_ha", info["plan_area_ha"]])
    sheet.append(["population", info["population"]])
    for key, value in info["provenance"].items():
        sheet.append([f"provenance.{key}", value])
    for note in info["warnings"]:
        sheet.append(["warning", note])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
