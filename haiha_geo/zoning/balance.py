"""Land-use balance table (bảng cân bằng sử dụng đất) of a zoning plan.

Areas are planimetric in EPSG:5899 (VN-2000 / TM-3 107°45′). Areas are given
in ha to 0.0001 ha (1 m²) and shares in % to 0.01, each rounded so that the
rows of one level add up exactly to the total (largest-remainder rounding of
the leaf contributions, subtotals summed from them).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from haiha_geo._output import records, render, to_json
from haiha_geo.crs import PROVENANCE
from haiha_geo.errors import InputFileError, OptionError
from haiha_geo.geometry import coverage_is_valid, dissolve, enclosed_gap_area, report_repairs, tiled_union
from haiha_geo.io import write_atomic
from haiha_geo.report import to_xlsx
from haiha_geo.values import positive_number
from haiha_geo.vector_io import CHUNK_FEATURES, read_layer
from haiha_geo.zoning.categories import CODE_SYSTEMS, VERIFIED, classify, descendants, norm_of
from haiha_geo.zoning.export import balance_report
from haiha_geo.zoning.plan import PlanInput, iter_plan
from haiha_geo.zoning.study import as_planning_geometry

TOTAL_CODE = "TOTAL"
ROW_COLUMNS = ("code", "name", "level", "parent", "area_ha", "percent", "m2_per_person", "norm", "norm_met",
               "classified", "confidence", "verified", "colour", "source")
TABLE_COLUMNS = ("code", "name", "level", "area_ha", "percent", "m2_per_person", "norm", "norm_met", "status")


class LandUseWarning(UserWarning):
    """A plan that can be balanced but needs a look (unknown codes, overlaps, skipped CAD entities)."""


class UnclassifiedCodeError(InputFileError):
    """Land-use codes the category file does not know, in strict mode."""


@dataclass(repr=False)
class LandUseBalance:
    """Result of :func:`land_use_balance`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per category with area (with its ancestors), in category-file
        order, then unclassified codes sorted by code. Columns: see
        :data:`ROW_COLUMNS`.
    total_ha : float
        Sum of the rows at level 1 (= the summed area of the plan's polygons).
    plan_area_ha : float or None
        Area of the union of the plan's polygons (differs from ``total_ha``
        only when polygons overlap); None when coverage was not checked.
    coverage : dict or None
        ``gaps_m2``, ``overlaps_m2``, ``outside_m2`` and ``against`` (what the
        gaps were measured against); None when coverage was not checked
        (``land_use_balance(..., coverage=False)``).
    """

    table: pd.DataFrame
    total_ha: float
    plan_area_ha: float | None
    coverage: dict[str, Any] | None
    population: int | None = None
    warnings: list[str] = field(default_factory=list)
    #: Files the balance was read from (plan, code map, category file): its outputs may be none of them.
    inputs: tuple[Path, ...] = ()
    #: The code list the plan's codes were read with (:attr:`haiha_geo.zoning.categories.Classification.label`).
    codes: str = "layers/landuse_categories.csv (QCVN 01:2021/BXD groups)"
    #: That list as ``codes=`` takes it (``"landlaw"``, ``"qcvn"`` or a CSV path): other stages read with the same.
    system: str = "qcvn"

    def to_frame(self) -> pd.DataFrame:
        """The table with a final ``TOTAL`` row."""
        total = {c: None for c in ROW_COLUMNS} | {
            "code": TOTAL_CODE, "name": "Tổng cộng", "level": 0, "area_ha": self.total_ha, "percent": 100.0,
            "m2_per_person": _per_person(self.total_ha, self.population), "classified": True}
        return pd.concat([self.table, pd.DataFrame([total])], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{rows, total_ha, plan_area_ha, coverage, population, warnings, provenance}``."""
        return {"rows": records(self.table), "total_ha": self.total_ha, "plan_area_ha": self.plan_area_ha,
                "coverage": self.coverage, "population": self.population, "warnings": list(self.warnings),
                "provenance": {"area": PROVENANCE["area_method"], "crs": PROVENANCE["planning_crs"],
                               "categories": f"{self.codes} (confidence per row; verified = confidence C)"}}

    def render(self, fmt: str) -> str:
        """Text of the balance as ``table``, ``csv``, ``md`` or ``json``."""
        if fmt == "json":
            return to_json(self.to_dict())
        if fmt not in ("table", "md"):
            return render(self.to_frame(), fmt)
        return render(_display(self.to_frame()), fmt) + "\n" + self._footer()

    def _footer(self) -> str:
        cover = self.coverage
        if cover is None:
            return (f"Coverage not checked (gaps and overlaps unknown).\nAreas: {PROVENANCE['area_method']}.\n")
        outside = "" if cover["outside_m2"] is None else f", outside {cover['outside_m2']:,.2f} m²"
        return (f"Coverage against {cover['against']}: gaps {cover['gaps_m2']:,.2f} m², overlaps "
                f"{cover['overlaps_m2']:,.2f} m²{outside}.\nAreas: {PROVENANCE['area_method']}. 'unverified': the "
                f"category or norm source is not confirmed ({self.codes}, confidence column).\n")

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write the table with its total row as UTF-8 CSV (atomically, formula-safe, never over an input)."""
        return write_atomic(path, self.render("csv"), self.inputs)

    def to_xlsx(self, path: str | os.PathLike, *, lang: str = "vi") -> Path:
        """Write a printable XLSX report (:func:`haiha_geo.report.to_xlsx`): the balance and its sources.

        Headers are Vietnamese (``lang="en"``: English); rows carry the
        category colours; the workbook is byte-identical across runs and is
        never written over one of :attr:`inputs`.
        """
        return to_xlsx(balance_report(self), path, lang=lang, inputs=self.inputs)

    def __repr__(self) -> str:
        return f"LandUseBalance(total_ha={self.total_ha}, coverage={self.coverage})\n{self.render('table')}"

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return _display(self.to_frame()).to_html(index=False, na_rep="")


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    status = np.where(~frame["classified"].astype(bool), "unclassified",
                      np.where(frame["verified"].fillna(True).astype(bool), "", "unverified"))
    shown = frame.assign(status=status, name=[("  " * max(int(lv) - 1, 0)) + str(n)
                                              for lv, n in zip(frame["level"], frame["name"])])
    return shown[list(TABLE_COLUMNS)]


def land_use_balance(plan: PlanInput, field: str | None = None, population: int | None = None, *,
                     study_area: Any = None, era: str | None = None, code_map: str | os.PathLike | dict | None = None,
                     strict: bool = False, categories: str | os.PathLike | None = None,
                     codes: str | os.PathLike | None = None, layer: str | None = None,
                     crs: str | None = None, include_empty: bool = False, coverage: bool = True,
                     chunk_features: int = CHUNK_FEATURES) -> LandUseBalance:
    """Land-use balance of ``plan`` by the code in column ``field``.

    Parameters
    ----------
    plan : GeoDataFrame or path
        Polygons with a land-use code column, in any CRS (areas are taken in
        EPSG:5899), or a GeoPackage / Shapefile / GeoJSON / DXF file.
    field : str, optional
        Column holding the code; ``"code"`` by default, ``"layer"`` (the CAD
        layer) for DXF.
    population : int, optional
        Planned population, a whole number greater than 0; adds m² per person
        and checks per-person norms (:class:`~haiha_geo.errors.OptionError` otherwise).
    study_area : StudyArea, GeoDataFrame, shapely geometry (EPSG:5899) or unit name(s), optional
        Gaps and the part of the plan outside it are measured against it;
        without it, gaps are the holes inside the plan's outline.
    era : str, optional
        Era of ``study_area`` when it is given by name.
    code_map : path or dict, optional
        Maps values of ``field`` (CAD layer names) to land-use codes; see
        :func:`haiha_geo.zoning.plan.read_code_map`.
    strict : bool
        Raise :class:`UnclassifiedCodeError` for codes the code list does
        not know, instead of listing them as unclassified rows with a warning,
        and :class:`~haiha_geo.errors.GeometryRepairError` for invalid polygons
        instead of repairing them with a :class:`~haiha_geo.errors.GeometryRepairWarning`.
    categories : path, optional
        A category CSV replacing the shipped code lists (the same as ``codes=path``).
    codes : {"auto", "landlaw", "qcvn"} or path, optional
        The code list the plan's codes are read with
        (:func:`haiha_geo.zoning.categories.classify`): detected from the
        codes by default, the land-law codes of ``layers/land_use_codes.csv``
        (legacy codes counted in their current ones), the QCVN groups of
        ``layers/landuse_categories.csv``, or a category CSV. Codes read as
        another code, and unknown codes with the nearest known ones, are
        listed in the warnings.
    layer, crs : str, optional
        Passed to the file reader (``crs`` is required for DXF, which carries none).
    include_empty : bool
        Also list categories of zero area.
    coverage : bool
        Check gaps, overlaps and the part outside ``study_area`` (the default;
        one coverage validation, and the union: merged as a coverage when the
        polygons form one, else tile by tile, never into one shape).
        Overlaps are measured exactly (summed areas minus the union's area);
        the table counts an overlap once per polygon. ``False`` gives the
        table alone.
    chunk_features : int
        Features read from a GIS file at a time (:func:`haiha_geo.zoning.plan.iter_plan`):
        peak memory grows with the chunk (and, with ``coverage``, the outline
        of what was read), not with the file.

    Returns
    -------
    LandUseBalance
        The table by category (ha, share, m² per person, norms), the totals,
        the coverage figures and the warnings; ``.render(fmt)``, ``.to_xlsx(path)``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> plan = gpd.GeoDataFrame({"code": ["NO-M", "CX-DVO", "GT-DT"]},
    ...     geometry=[box(500000, 2372000, 500100, 2372100), box(500100, 2372000, 500150, 2372100),
    ...               box(500150, 2372000, 500200, 2372100)], crs="EPSG:5899")
    >>> result = land_use_balance(plan, population=100)
    >>> rows = result.table.set_index("code")
    >>> rows.loc[["DXD", "NO-M", "CX-DVO"], ["area_ha", "percent", "m2_per_person"]].values.tolist()
    [[2.0, 100.0, 200.0], [1.0, 50.0, 100.0], [0.5, 25.0, 50.0]]
    >>> result.coverage["gaps_m2"], result.coverage["overlaps_m2"]
    (0.0, 0.0)
    """
    population = None if population is None else positive_number(population, "population", integer=True,
                                                                 unit="people", example=4000)
    areas, notes, repaired, footprints, summed = pd.Series(dtype=float), [], [], [], 0.0
    for frame, chunk_notes, chunk_repaired in iter_plan(plan, field=field, code_map=code_map, layer=layer, crs=crs,
                                                        chunk_features=chunk_features):
        repaired += chunk_repaired
        if strict:  # refuse at the first chunk holding an invalid polygon
            report_repairs(repaired, strict, stacklevel=2)
        notes += chunk_notes
        chunk_areas = _area_by_code(frame)
        areas, summed = areas.add(chunk_areas, fill_value=0.0), summed + float(chunk_areas.sum())
        if coverage:  # keep a clean chunk's outline (the report needs the union, not the parcels), else its parts
            footprints.append(_footprint(np.asarray(frame.geometry.array, dtype=object)))
    report_repairs(repaired, strict, stacklevel=2)
    classification = classify(areas.index, codes if codes is not None else categories)
    if classification.unknown and strict:
        raise UnclassifiedCodeError(classification.unknown_message(areas) + " (strict mode)")
    notes += classification.notes(areas)
    cats, areas, unknown = classification.categories, classification.regroup(areas), sorted(classification.unknown)
    table = _table(cats, areas, unknown, population, include_empty)
    cover, plan_ha = None, None
    if coverage:
        cover, union_m2 = _coverage(summed, np.concatenate([f for f, _ in footprints]),
                                    all(clean for _, clean in footprints), _study_geometry(study_area, era))
        plan_ha = round(union_m2 / 1e4, 4)
        if cover["overlaps_m2"] > 0:
            notes.append(f"plan polygons overlap by {cover['overlaps_m2']:,.2f} m²; "
                         "the overlap is counted once per polygon")
    for note in notes:
        warnings.warn(note, LandUseWarning, stacklevel=2)
    total_ha = float(table.loc[table["level"] == 1, "area_ha"].sum().round(4))
    return LandUseBalance(table, total_ha, plan_ha, cover, population, notes,
                          _input_files(plan, code_map, categories, None if codes in CODE_SYSTEMS else codes),
                          classification.label, classification.system)


def _area_by_code(frame: pd.DataFrame) -> pd.Series:
    """Summed area (m²) of each code present in ``frame``, from its categorical ``code`` column."""
    codes = frame["code"].array
    which, count = codes.codes.astype(np.intp), len(codes.categories)  # one cast for both counts
    present = np.bincount(which, minlength=count) > 0
    area = np.bincount(which, weights=shapely.area(np.asarray(frame.geometry.array)), minlength=count)
    return pd.Series(area[present], index=pd.Index(np.asarray(codes.categories, dtype=object)[present], dtype=object))


def _input_files(*items: Any) -> tuple[Path, ...]:
    return tuple(Path(item) for item in items if isinstance(item, (str, os.PathLike)))


def _table(cats: pd.DataFrame, areas: pd.Series, unknown: list[str], population: int | None,
           include_empty: bool) -> pd.DataFrame:
    categories = cats.to_dict("records")  # a few dozen rows: plain dicts, not pandas rows, keep this cheap
    codes = [row["code"] for row in categories] + unknown
    own = np.array([float(areas.get(code, 0.0)) for code in codes])
    own_ha = dict(zip(codes, round_to_sum(own / 1e4, 4)))
    own_pct = dict(zip(codes, round_to_sum(own / own.sum() * 100.0, 2, 100.0)))
    below = descendants(cats) | {code: [code] for code in unknown}
    rows = [_category_row(row, below[row["code"]], own_ha, own_pct, population) for row in categories]
    rows += [_unclassified_row(code, own_ha, own_pct, population) for code in unknown]
    by_code = {row["code"]: row for row in rows}
    for row in categories:
        _check_norm(by_code, row, population)
    if not include_empty:
        present = {code for code, area in zip(codes, own) if area > 0}
        rows = [row for row in rows if present.intersection(below[row["code"]])]
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def _category_row(row: dict[str, Any], codes: list[str], own_ha: dict[str, float], own_pct: dict[str, float],
                  population: int | None) -> dict[str, Any]:
    area = round(sum(own_ha[code] for code in codes), 4)
    norm = norm_of(row)
    return {"code": row["code"], "name": row["name"], "level": int(row["level"]), "parent": row["parent"] or None,
            "area_ha": area, "percent": round(sum(own_pct[code] for code in codes), 2),
            "m2_per_person": _per_person(area, population), "norm": norm.describe() if norm else None,
            "norm_met": None, "classified": True, "confidence": row["confidence"] or None,
            "verified": row["confidence"] == VERIFIED, "colour": row["colour"] or None, "source": row["source"] or None}


def _unclassified_row(code: str, own_ha: dict[str, float], own_pct: dict[str, float],
                      population: int | None) -> dict[str, Any]:
    area = round(float(own_ha[code]), 4)
    return {"code": code, "name": f"(unclassified code {code})", "level": 1, "parent": None, "area_ha": area,
            "percent": round(float(own_pct[code]), 2), "m2_per_person": _per_person(area, population),
            "norm": None, "norm_met": None, "classified": False, "confidence": None, "verified": False,
            "colour": None, "source": None}


def _check_norm(rows: dict[str, dict[str, Any]], category: dict[str, Any], population: int | None) -> None:
    norm = norm_of(category)
    if norm is None:
        return
    row, results = rows[category["code"]], []
    if norm.min_m2_per_person is not None and population:
        results.append(row["m2_per_person"] >= norm.min_m2_per_person)
    if norm.min_share_pct is not None:
        base = rows[norm.share_of]["area_ha"]
        if base > 0:
            results.append(row["area_ha"] / base * 100.0 >= norm.min_share_pct)
    if results:
        row["norm_met"] = bool(all(results))


def _per_person(area_ha: float, population: int | None) -> float | None:
    return round(area_ha * 1e4 / population, 2) if population else None


def round_to_sum(values: np.ndarray, decimals: int, total: float | None = None) -> np.ndarray:
    """Round ``values`` to ``decimals`` so that they add up to ``total`` rounded the same way.

    Largest-remainder method; ``total`` defaults to the sum of ``values``.

    Examples
    --------
    >>> round_to_sum(np.array([100 / 3, 100 / 3, 100 / 3]), 2, 100.0).tolist()
    [33.34, 33.33, 33.33]
    """
    unit = 10.0 ** decimals
    scaled = np.asarray(values, dtype=float) * unit
    floors = np.floor(scaled + 1e-9)
    target = round((values.sum() if total is None else total) * unit)
    short = int(target - floors.sum())
    order = np.argsort(-(scaled - floors), kind="stable")
    floors[order[:max(short, 0)]] += 1
    return floors / unit


def _footprint(geoms: np.ndarray) -> tuple[np.ndarray, bool]:
    """A clean coverage's union (one polygon, merged as a coverage) and True; any other polygons as they are."""
    if coverage_is_valid(geoms):
        return np.array([dissolve(geoms, True)], dtype=object), True
    return geoms, False


def _coverage(summed_m2: float, footprints: np.ndarray, clean: bool,
              study: shapely.Geometry | None) -> tuple[dict[str, Any], float]:
    """Gaps, overlaps and the part outside ``study`` of the union of ``footprints``, and the union's area (m²).

    A clean coverage is merged as a coverage (one outline; ``clean``: every
    footprint is one already); anything else (overlapping polygons) is merged tile by tile
    (:func:`haiha_geo.geometry.tiled_union`), never into one shape, and
    measured from the tiles' parts.
    """
    if len(footprints) > 1 and clean and coverage_is_valid(footprints):  # clean chunks' outlines: one coverage
        footprints = np.array([dissolve(footprints, True)], dtype=object)
    if len(footprints) == 1:
        parts, tiles = footprints, None
    else:
        parts, tiles = tiled_union(footprints)
    union_m2 = float(shapely.area(parts).sum())
    overlaps = summed_m2 - union_m2
    if study is None:
        gaps, outside, against = _enclosed(parts, tiles), None, "the plan's outline (holes inside it)"
    else:
        outside_m2 = float(shapely.area(shapely.difference(parts, study)).sum())
        gaps, outside, against = study.area - (union_m2 - outside_m2), round(outside_m2, 2), "the study area"
    return {"gaps_m2": round(max(gaps, 0.0), 2), "overlaps_m2": round(max(overlaps, 0.0), 2),
            "outside_m2": outside, "against": against}, union_m2


def _enclosed(parts: np.ndarray, tiles: np.ndarray | None) -> float:
    """Area of the holes inside the union of ``parts`` (one polygon: inside its outline; else by tiles)."""
    if tiles is not None:
        return enclosed_gap_area(parts, tiles)
    pieces = shapely.get_parts(parts[0])
    outline = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(pieces[shapely.get_type_id(pieces) == 3])))
    return outline.area - parts[0].area


def _study_geometry(study_area: Any, era: str | None) -> shapely.Geometry | None:
    if study_area is None:
        return None
    return as_planning_geometry(study_area, era)



@dataclass(frozen=True)
class Stage:
    """One column group of a staged balance: its key (``existing``, ``planned``, ``phase_1``), words, balance."""

    key: str
    vi: str
    en: str
    balance: LandUseBalance


@dataclass(repr=False)
class StagedBalance:
    """Balances read with one code list, side by side: hiện trạng and quy hoạch with the change, or phases.

    Attributes
    ----------
    stages : list of Stage
    table : pandas.DataFrame
        One row per category present in any stage (category order, then
        unclassified codes): ``code``, ``name``, ``level``, ``parent``,
        ``classified``, then ``{key}_ha`` and ``{key}_pct`` of each stage and,
        with ``change``, ``change_ha`` (last stage minus first) and
        ``change_pct`` (the difference of their shares, in percentage points).
    change : bool
    """

    stages: list[Stage]
    table: pd.DataFrame
    change: bool

    def totals(self) -> dict[str, float]:
        """The total area (ha) of each stage by key, and ``change`` with a change."""
        out = {s.key: s.balance.total_ha for s in self.stages}
        if self.change:
            out["change"] = round(out[self.stages[-1].key] - out[self.stages[0].key], 4)
        return out


def compare_balances(stages: list[Stage], *, change: bool = True, include_empty: bool = False) -> StagedBalance:
    """Put the balances of ``stages`` side by side by category (each read with the same code list).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> cells = [box(500000, 2372000, 500100, 2372100), box(500100, 2372000, 500200, 2372100)]
    >>> now = land_use_balance(gpd.GeoDataFrame({"code": ["NN", "NN"]}, geometry=cells, crs="EPSG:5899"),
    ...                        include_empty=True)
    >>> later = land_use_balance(gpd.GeoDataFrame({"code": ["NN", "NO-M"]}, geometry=cells, crs="EPSG:5899"),
    ...                          include_empty=True)
    >>> staged = compare_balances([Stage("existing", "Hiện trạng", "Existing", now),
    ...                            Stage("planned", "Quy hoạch", "Planned", later)])
    >>> staged.table.set_index("code").loc[["NN", "NO-M"], ["existing_ha", "planned_ha", "change_ha"]].values.tolist()
    [[2.0, 1.0, -1.0], [0.0, 1.0, 1.0]]
    """
    keys = ["code", "name", "level", "parent", "classified"]
    merged = stages[0].balance.table[keys].copy()
    for stage in stages[1:]:
        extra = stage.balance.table.loc[~stage.balance.table["code"].isin(merged["code"]), keys]
        merged = pd.concat([merged, extra], ignore_index=True)
    for stage in stages:
        rows = stage.balance.table.set_index("code")
        merged[f"{stage.key}_ha"] = merged["code"].map(rows["area_ha"]).fillna(0.0).to_numpy(dtype=float)
        merged[f"{stage.key}_pct"] = merged["code"].map(rows["percent"]).fillna(0.0).to_numpy(dtype=float)
    if change:
        first, last = stages[0].key, stages[-1].key
        merged["change_ha"] = (merged[f"{last}_ha"] - merged[f"{first}_ha"]).round(4)
        merged["change_pct"] = (merged[f"{last}_pct"] - merged[f"{first}_pct"]).round(2)
    if not include_empty:
        merged = merged[(merged[[f"{s.key}_ha" for s in stages]] > 0).any(axis=1)].reset_index(drop=True)
    return StagedBalance(list(stages), merged, change)


def staged_balance(plan: PlanInput, *, existing: PlanInput | None = None, existing_field: str | None = None,
                   phase_field: str | None = None, field: str | None = None, codes: str | os.PathLike | None = None,
                   layer: str | None = None, crs: str | None = None, **options: Any) -> StagedBalance:
    """Hiện trạng and quy hoạch of ``plan`` with the change, or one column group per phase.

    Parameters
    ----------
    plan : GeoDataFrame or path
        The plan, as :func:`land_use_balance` takes it.
    existing : GeoDataFrame or path, optional
        A current-use layer with its codes in column ``code``: the hiện trạng.
    existing_field : str, optional
        The plan's column holding each polygon's current code: the hiện trạng from the plan itself.
    phase_field : str, optional
        The plan's column naming the phase of each polygon: one column group
        per phase (sorted), each the balance of the polygons of that phase;
        polygons without a phase are a last group of their own.
    field, codes, layer, crs, **options
        As :func:`land_use_balance`; every stage is read with the plan's code list.

    Raises
    ------
    OptionError
        None or more than one of ``existing``, ``existing_field``, ``phase_field``.
    InputFileError
        A column that the plan does not have.
    """
    if sum(x is not None for x in (existing, existing_field, phase_field)) != 1:
        raise OptionError("give one of --existing FILE, --existing-field COLUMN or --phase-field COLUMN")
    options |= {"include_empty": True}
    if phase_field is not None:
        frame = _attributes(plan, layer, crs, [phase_field])
        phase = frame[phase_field].astype("string").str.strip().fillna("").to_numpy(dtype=object)
        phases = sorted(set(phase), key=lambda p: (p == "", p))  # polygons without a phase: a group of their own
        planned = land_use_balance(frame, field=field, codes=codes, **options)
        stages = [Stage(f"phase_{i}", f"Giai đoạn {p}" if p else "Chưa xác định giai đoạn",
                        f"Phase {p}" if p else "No phase",
                        land_use_balance(frame[phase == p], field=field, codes=planned.system, **options))
                  for i, p in enumerate(phases, start=1)]
        return compare_balances(stages, change=False)
    planned = land_use_balance(plan, field=field, codes=codes, layer=layer, crs=crs, **options)
    if existing_field is not None:
        now = land_use_balance(plan, field=existing_field, codes=planned.system, layer=layer, crs=crs, **options)
    else:  # a layer of its own: the plan's CAD layer map does not apply to it
        now = land_use_balance(existing, codes=planned.system, crs=crs,
                               **{k: v for k, v in options.items() if k != "code_map"})
    return compare_balances([Stage("existing", "Hiện trạng", "Existing", now),
                             Stage("planned", "Quy hoạch", "Planned", planned)])


def _attributes(plan: PlanInput, layer: str | None, crs: str | None, needed: list[str]) -> Any:
    """The plan with its attribute columns (a GIS file read whole), checked to have the ``needed`` columns."""
    frame = plan if isinstance(plan, gpd.GeoDataFrame) else read_layer(plan, layer=layer, crs=crs, what="plan")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"the plan has no column {', '.join(map(repr, missing))}; columns: {columns}")
    return frame


#: Columns of a plan read into the plot table (the first one found of each), by what they hold.
PLOT_FIELDS: dict[str, tuple[str, ...]] = {
    "plot": ("ky_hieu_lo", "ky_hieu", "ma_lo", "so_lo", "lo", "plot", "plot_id", "lot"),
    "density": ("mat_do_xd", "mat_do", "mdxd", "density"),
    "floors": ("tang_cao", "so_tang", "floors", "storeys"),
    "far": ("he_so_sdd", "hssdd", "hssdd", "far"),
    "population": ("dan_so", "population"),
}


def plot_table(plan: PlanInput, *, field: str | None = None, codes: str | os.PathLike | None = None,
               layer: str | None = None, crs: str | None = None) -> pd.DataFrame:
    """Bảng thống kê các lô: one row per plot of ``plan`` with its code, area and the indicators it carries.

    The plot id, density (%), floors, floor-area ratio and population are
    read from the first column of each in :data:`PLOT_FIELDS` (left out when
    the plan has none); areas (ha, EPSG:5899) are rounded to 0.0001 ha so that
    they add up to the balance's total.

    Raises
    ------
    InputFileError
        The plan has no plot-id column, or a value that is not a number where one is expected.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> plan = gpd.GeoDataFrame({"code": ["NO-M", "CX-DVO"], "ky_hieu_lo": ["L1", "L2"], "tang_cao": [5, 1]},
    ...     geometry=[box(500000, 2372000, 500100, 2372100), box(500100, 2372000, 500150, 2372100)],
    ...     crs="EPSG:5899")
    >>> plot_table(plan)[["plot", "code", "area_ha", "floors"]].values.tolist()
    [['L1', 'NO-M', 1.0, 5.0], ['L2', 'CX-DVO', 0.5, 1.0]]
    """
    frame = _attributes(plan, layer, crs, [])
    found = {what: next((c for c in names if c in frame.columns), None) for what, names in PLOT_FIELDS.items()}
    if found["plot"] is None:
        raise InputFileError(f"the plan has no plot-id column (one of {', '.join(PLOT_FIELDS['plot'])}); "
                             "name the column holding each plot's ký hiệu lô so")
    (coded, _, _), = iter_plan(frame, field=field, chunk_features=None)
    classification = classify(coded["code"].cat.categories, codes)
    names = classification.categories.set_index("code")["name"]
    code = [classification.mapped.get(c, c) for c in coded["code"].astype(str)]
    out = pd.DataFrame({"plot": frame.loc[coded.index, found["plot"]].astype(str).to_numpy(), "code": code,
                        "name": [names.get(c) for c in code],
                        "area_ha": round_to_sum(shapely.area(np.asarray(coded.geometry.array)) / 1e4, 4)})
    for what in ("density", "floors", "far", "population"):
        if found[what] is not None:
            out[what] = _numbers(frame.loc[coded.index, found[what]], found[what])
    return out


def _numbers(values: pd.Series, column: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & numbers.isna()
    if bad.any():
        raise InputFileError(f"the plan's column {column!r} holds {values[bad].iloc[0]!r}, not a number "
                             f"({int(bad.sum())} value(s)); leave a value blank when unknown")
    return numbers.to_numpy(dtype=float)
