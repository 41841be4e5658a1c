"""Map-sheet index: which sheets of a scale cover an area.

Two systems, both defined as data in ``layers/map_sheets.toml``:

``cadastral``
    Square sheets in the provincial TM-3 plane grid, EPSG:5899
    (Thông tư 25/2014/TT-BTNMT, Điều 5 khoản 5): 1:10,000 (6 km) →
    1:5,000 (3 km) → 1:2,000 (1 km) → 1:1,000 (0.5 km, a–d) and 1:500
    (250 m, (1)–(16)), the last two each a split of the 1:2,000 sheet and
    tagged [I] (division recalled, not read in the circular).
``topographic``
    Geographic sheets in VN-2000 lon/lat, EPSG:4756 (Thông tư
    973/2001/TT-TCĐC): 1:1,000,000 → 1:100,000 → 1:5,000 → 1:2,000, plus the
    1:50,000 / 1:25,000 / 1:10,000 branch.

A sheet's geometry follows from the grid alone; its number from the
templates. Both carry the confidence the data file gives them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from haiha_geo._cache import cached
from haiha_geo.authored import read_toml
from haiha_geo.errors import HaihaGeoError, RegistryError

RULES_FILE = "map_sheets.toml"
SYSTEMS = ("cadastral", "topographic")
#: Most sheets one call may return (a guard against a district-wide 1:2,000 index by mistake).
MAX_SHEETS = 20000


class SheetError(HaihaGeoError, ValueError):
    """An unknown sheet system or scale, or a request for too many sheets."""


@dataclass(frozen=True)
class Level:
    """One scale of a sheet system, with its cell size relative to the root grid."""

    scale: int
    rule: dict
    chain: tuple[Level, ...]  # ancestors, root first
    factor: tuple[int, int]  # (columns, rows) of this level's cells per root cell

    @property
    def split(self) -> tuple[int, int]:
        cols, rows = self.rule.get("split", (1, 1))
        return int(cols), int(rows)

    def position_label(self, index: int) -> str:
        labels = self.rule.get("position_labels")
        return str(labels[index]) if labels else str(index + 1)


@dataclass(frozen=True)
class System:
    """A sheet system: its CRS, regulation and the levels by scale."""

    name: str
    crs: str
    regulation: str
    origin: tuple[Fraction, Fraction]
    root_size: tuple[Fraction, Fraction]
    levels: dict[int, Level]

    def cell_size(self, scale: int) -> tuple[Fraction, Fraction]:
        level = self.level(scale)
        return self.root_size[0] / level.factor[0], self.root_size[1] / level.factor[1]

    def level(self, scale: int) -> Level:
        try:
            return self.levels[int(scale)]
        except KeyError:
            raise SheetError(f"the {self.name} system has no 1:{int(scale):,} sheets; "
                             f"scales: {', '.join(f'1:{s:,}' for s in sorted(self.levels, reverse=True))}") from None


@cached
def system(name: str) -> System:
    """Load sheet system ``name`` from ``layers/map_sheets.toml``.

    Examples
    --------
    >>> system("cadastral").cell_size(2000)
    (Fraction(1000, 1), Fraction(1000, 1))
    """
    rules = read_toml("layers", RULES_FILE)
    if name not in SYSTEMS or name not in rules:
        raise SheetError(f"unknown sheet system {name!r}; expected one of {', '.join(SYSTEMS)}")
    spec = rules[name]
    levels: dict[int, Level] = {}
    for rule in spec["levels"]:
        scale = int(rule["scale"])
        if "parent" in rule:
            parent = levels.get(int(rule["parent"]))
            if parent is None:
                raise RegistryError(f"{RULES_FILE}: {name} 1:{scale} names parent 1:{rule['parent']} "
                                    "before it is defined")
            cols, rows = (int(v) for v in rule["split"])
            levels[scale] = Level(scale, rule, (*parent.chain, parent),
                                  (parent.factor[0] * cols, parent.factor[1] * rows))
        else:
            levels[scale] = Level(scale, rule, (), (1, 1))
    root = spec["levels"][0]
    return System(name, spec["crs"], spec["regulation"], _pair(root["origin"]), _pair(root["size"]), levels)


def _pair(values) -> tuple[Fraction, Fraction]:
    return Fraction(str(values[0])), Fraction(str(values[1]))


def cell_indices(sys: System, scale: int, bounds: tuple[float, float, float, float]) -> tuple[range, range]:
    """Column and row index ranges (counted east and north from the grid origin) of cells meeting ``bounds``.

    Examples
    --------
    >>> cols, rows = cell_indices(system("cadastral"), 2000, (500000.0, 2372000.0, 501500.0, 2372999.0))
    >>> list(cols), list(rows)
    ([500, 501], [2372])
    """
    width, height = sys.cell_size(scale)
    ox, oy = sys.origin
    minx, miny, maxx, maxy = (Fraction(v) for v in bounds)
    i0, i1 = math.floor((minx - ox) / width), math.ceil((maxx - ox) / width)
    j0, j1 = math.floor((miny - oy) / height), math.ceil((maxy - oy) / height)
    return range(i0, max(i1, i0 + 1)), range(j0, max(j1, j0 + 1))


def cell_bounds(sys: System, scale: int, col: int, row: int) -> tuple[float, float, float, float]:
    """Bounds (minx, miny, maxx, maxy) of cell ``(col, row)`` at ``scale``."""
    width, height = sys.cell_size(scale)
    ox, oy = sys.origin
    return (float(ox + col * width), float(oy + row * height),
            float(ox + (col + 1) * width), float(oy + (row + 1) * height))


def sheet_number(sys: System, scale: int, col: int, row: int) -> str:
    """Number of cell ``(col, row)`` at ``scale`` under the system's templates.

    Examples
    --------
    >>> sheet_number(system("cadastral"), 2000, 500, 2372)
    '373498-3'
    """
    level = sys.level(scale)
    fields: dict[str, Any] = {}
    number = ""
    for lvl in (*level.chain, level):
        c, r = col * lvl.factor[0] // level.factor[0], row * lvl.factor[1] // level.factor[1]
        fields.update(_corner_fields(sys, lvl, c, r))
        if lvl.chain:
            cols, rows = lvl.split
            position = lvl.position_label((rows - 1 - r % rows) * cols + c % cols)
            fields.update(parent=number, position=position)
            fields[f"pos_{lvl.scale}"] = position
        else:
            fields.update(_root_fields(lvl.rule, c, r))
        number = _format(lvl, fields)
        fields[f"sheet_{lvl.scale}"] = number
    return number


def _corner_fields(sys: System, level: Level, col: int, row: int) -> dict[str, int]:
    minx, _, _, maxy = cell_bounds(sys, level.scale, col, row)
    return {"north_km": int(maxy // 1000) % 1000, "east_km": int(minx // 1000) % 1000}


def _root_fields(rule: dict, col: int, row: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"column": col + int(rule.get("column_start", 0))}
    letters = rule.get("row_letters")
    if letters:
        if not 0 <= row < len(letters):
            raise SheetError(f"row {row} has no letter in the 1:{rule['scale']:,} scheme (southern hemisphere?)")
        fields["row_letter"] = letters[row]
    return fields


def _format(level: Level, fields: dict[str, Any]) -> str:
    try:
        return level.rule["number"].format(**fields)
    except (KeyError, IndexError) as exc:
        raise RegistryError(f"{RULES_FILE}: template {level.rule['number']!r} of 1:{level.scale} "
                            f"uses unknown field {exc}") from None


def sheet_grid(geometry: shapely.Geometry, scale: int, system_name: str) -> gpd.GeoDataFrame:
    """Sheets of ``scale`` whose interior meets ``geometry`` (given in the system's CRS).

    Rows run north to south, then west to east. Columns: sheet, scale,
    system, parent, size_confidence, number_confidence, geometry.

    Examples
    --------
    >>> from shapely import box
    >>> grid = sheet_grid(box(500100, 2372100, 500200, 2372200), 2000, "cadastral")
    >>> grid.loc[0, "sheet"], float(grid.geometry.area.iloc[0])
    ('373498-3', 1000000.0)
    """
    sys = system(system_name)
    level = sys.level(scale)
    cols, rows = cell_indices(sys, scale, geometry.bounds)
    if len(cols) * len(rows) > MAX_SHEETS:
        raise SheetError(f"the area spans {len(cols) * len(rows):,} candidate 1:{scale:,} sheets "
                         f"(limit {MAX_SHEETS:,}); choose a smaller area or a smaller scale")
    cells = [(c, r) for r in reversed(rows) for c in cols]
    boxes = shapely.box(*zip(*(cell_bounds(sys, scale, c, r) for c, r in cells))) if cells else []
    keep = _meets_interior(boxes, geometry)
    chosen = [cell for cell, k in zip(cells, keep) if k]
    parent_scale = level.chain[-1].scale if level.chain else None
    return gpd.GeoDataFrame({
        "sheet": [sheet_number(sys, scale, c, r) for c, r in chosen],
        "scale": int(scale),
        "system": system_name,
        "parent": [_parent_number(sys, level, c, r) for c, r in chosen] if parent_scale else None,
        "size_confidence": level.rule.get("size_confidence"),
        "number_confidence": level.rule.get("number_confidence"),
    }, geometry=list(boxes[keep]) if len(chosen) else [], crs=sys.crs)


def _parent_number(sys: System, level: Level, col: int, row: int) -> str:
    parent = level.chain[-1]
    cols, rows = level.split
    return sheet_number(sys, parent.scale, col // cols, row // rows)


def _meets_interior(boxes, geometry: shapely.Geometry) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=object)
    if not len(boxes):
        return np.zeros(0, dtype=bool)
    shapely.prepare(geometry)
    hits = shapely.intersects(boxes, geometry)
    if shapely.get_dimensions(geometry) == 2:
        hits &= ~shapely.touches(boxes, geometry)
    return hits
