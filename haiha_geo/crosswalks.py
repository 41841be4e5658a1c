"""Crosswalks between eras, looking a unit up into an era, and the reaggregation of statistics.

A crosswalk row says which share of a source unit's area lies in a target
unit. Rows come from the lineage (the law); areas come from the atoms of the
era hierarchy, so shares only differ from 0/1 for a declared split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from haiha_geo import registry
from haiha_geo.eras import model
from haiha_geo.errors import OptionError, TableValueError, UnknownUnitError
from haiha_geo.names import find_units, nfc
from haiha_geo.timeline import era_ids

_COLUMNS = ["from_unit_id", "from_code", "from_name", "to_unit_id", "to_code", "to_name", "share", "split", "area_ha"]


def crosswalk(from_era: str | int, to_era: str | int, *, source: str = "gadm41") -> pd.DataFrame:
    """Return the area-weighted, many-to-many crosswalk from one era to another.

    Parameters
    ----------
    from_era, to_era : {"2019", "2020", "2025"}
        Either direction works: an earlier ``to_era`` lists predecessors.

    Returns
    -------
    pandas.DataFrame
        ``from_unit_id, from_code, from_name, to_unit_id, to_code, to_name,
        share, split, area_ha``: ``share`` is the part of the source unit's
        area in the target unit (each source unit's shares sum to 1);
        ``split`` is True when the source unit goes to more than one target.

    Examples
    --------
    >>> cw = crosswalk("2019", "2025")
    >>> long = cw[cw.from_name == "Quảng Long"]
    >>> long.to_name.tolist(), bool(long.split.all()), round(float(long.share.sum()), 12)
    (['Quảng Hà', 'Đường Hoa'], True, 1.0)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    atoms = model(source).atoms
    pairs = atoms.groupby([f"unit_{a}", f"unit_{b}"], sort=False)["area_m2"].sum().reset_index()
    pairs.columns = ["from_unit_id", "to_unit_id", "area_m2"]
    totals = pairs.groupby("from_unit_id")["area_m2"].transform("sum")
    pairs["share"] = pairs["area_m2"] / totals
    pairs["split"] = pairs.groupby("from_unit_id")["to_unit_id"].transform("size") > 1
    pairs["area_ha"] = pairs["area_m2"] / 1e4
    names = registry.units_table().set_index("unit_id")[["code", "name"]]
    pairs = pairs.join(names.add_prefix("from_"), on="from_unit_id").join(names.add_prefix("to_"), on="to_unit_id")
    return pairs.sort_values(["from_code", "to_code"]).reset_index(drop=True)[_COLUMNS]


@dataclass
class Lookup:
    """Result of :func:`lookup`: the matching units, and where they lie in a requested era."""

    query: str
    matches: list[dict] = field(default_factory=list)
    in_era: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON shape ``{query, matches: [...], in_era: [...]}``."""
        return {"query": self.query, "matches": self.matches, "in_era": self.in_era}


def lookup(name: str, era: str | int | None = None) -> Lookup:
    """Find a unit by any of its names, across eras, and follow it into ``era``.

    ``in_era`` lists the units of ``era`` that hold the matched unit's
    territory, with the share of its area in each (successors for a later
    era, predecessors for an earlier one). A unit that exists in ``era``
    under that name is its own answer, with share 1.

    Examples
    --------
    >>> r = lookup("xã Quảng Điền", era="2025")
    >>> [m["era"] for m in r.matches], [(u["name"], u["share"]) for u in r.in_era]
    (['2019'], [('Quảng Hà', 1.0)])
    """
    found = find_units(name)
    table = registry.units_table().set_index("unit_id")
    matches = [{"era": table.at[u, "era"], "code": table.at[u, "code"], "name": table.at[u, "name"],
                "type": table.at[u, "type"]} for u in found]
    result = Lookup(query=nfc(name), matches=matches)
    if era is not None:
        result.in_era = _follow(found, registry.check_era(era))
    return result


def _follow(found: list[str], era: str) -> list[dict]:
    same = [u for u in found if u.startswith(era + "/")]
    if same:
        table = registry.units_table().set_index("unit_id")
        return [{"code": table.at[u, "code"], "name": table.at[u, "name"], "share": 1.0} for u in same]
    order = era_ids()
    nearest = min(found, key=lambda u: abs(order.index(u.split("/")[0]) - order.index(era)))
    rows = crosswalk(nearest.split("/")[0], era)
    rows = rows[rows["from_unit_id"] == nearest]
    return [{"code": r.to_code, "name": r.to_name, "share": float(r.share)} for r in rows.itertuples()]


@dataclass
class Reaggregation:
    """Values moved to another era, with the conservation check.

    Attributes
    ----------
    values : pandas.Series
        Indexed by the target era's unit ids.
    kind : str
        ``"extensive"`` (counts, areas: shared out by area) or ``"intensive"``
        (rates, densities: area-weighted mean).
    total_in, total_out : float
        Sum (extensive) or area-weighted mean (intensive) before and after.
    residual : float
        ``(total_out − total_in) / total_in``; within 1e-9 for extensive values.
    """

    values: pd.Series
    kind: str
    total_in: float
    total_out: float
    residual: float


def _keyed_by_unit(values: Mapping | pd.Series, era: str) -> pd.Series:
    """Key ``values`` by unit id, accepting unit ids, GSO codes of ``era`` or names; check every value.

    Rows are counted from 1 in the order of ``values``. Unknown keys, two keys
    naming one unit, and values that are not finite numbers are errors naming their rows.
    """
    table = registry.units_table(era)
    by_code = dict(zip(table["code"], table["unit_id"]))
    ids = set(table["unit_id"])
    out: dict[str, float] = {}
    rows: dict[str, list[str]] = {}
    unknown, bad = [], []
    for row, (key, value) in enumerate(values.items(), start=1):
        label = f"row {row} ({key!r})"
        text = str(key).strip()
        try:
            unit_id = text if text in ids else by_code.get(text) or find_units(text, era)[0]
        except UnknownUnitError:
            unknown.append(label)
            continue
        rows.setdefault(unit_id, []).append(label)
        number = _finite(value)
        if number is None:
            bad.append(f"{label}: {value!r}")
        out[unit_id] = number
    if unknown:
        raise UnknownUnitError(f"no unit of era {era} matches {', '.join(unknown)}; use unit ids, GSO codes or "
                               f"names of era {era} (see `haiha-geo units --era {era}`)")
    doubled = {u: labels for u, labels in rows.items() if len(labels) > 1}
    if doubled:
        listed = "; ".join(f"{u}: {', '.join(labels)}" for u, labels in doubled.items())
        raise TableValueError(f"more than one value for the same unit ({listed}); give each unit one value")
    if bad:
        raise TableValueError(f"values that are not finite numbers: {'; '.join(bad)}; give a number for every "
                              "unit (0 where there is none)")
    missing = sorted(ids - set(out))
    if missing:
        raise UnknownUnitError(f"values are missing for {len(missing)} unit(s) of era {era}: {', '.join(missing)}; "
                               "give every unit a value (0 where there is none)")
    return pd.Series(out)


def _finite(value) -> float | None:
    """``value`` as a finite float, or None (text that is no number, NaN, inf, booleans)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def reaggregate(values: Mapping | pd.Series, from_era: str | int, to_era: str | int,
                kind: str = "extensive", *, source: str = "gadm41") -> Reaggregation:
    """Move per-unit statistics from one era's units to another's, area-weighted.

    Parameters
    ----------
    values : mapping or Series
        One value per unit of ``from_era``, keyed by unit id, GSO code or name.
    kind : {"extensive", "intensive"}
        Extensive values (population, households, hectares) are shared out in
        proportion to area and their total is conserved; intensive values
        (densities, rates) become area-weighted means.

    Raises
    ------
    UnknownUnitError
        A key that names no unit of ``from_era`` (the rows are named), or a unit without a value.
    TableValueError
        Two keys naming the same unit, or a value that is not a finite number (the rows are named).
    OptionError
        ``kind`` is neither ``"extensive"`` nor ``"intensive"``.

    Examples
    --------
    >>> pop = {u: 1000 for u in registry.units_table("2019").unit_id}
    >>> moved = reaggregate(pop, "2019", "2025")
    >>> round(moved.values.sum()), abs(moved.residual) < 1e-9
    (16000, True)
    """
    a, b = registry.check_era(from_era), registry.check_era(to_era)
    if kind not in ("extensive", "intensive"):
        raise OptionError(f"kind must be 'extensive' (counts, areas) or 'intensive' (rates, densities), not {kind!r}")
    series = _keyed_by_unit(values, a)
    cw = crosswalk(a, b, source=source)
    cw["value"] = cw["from_unit_id"].map(series)
    if kind == "extensive":
        out = (cw["value"] * cw["share"]).groupby(cw["to_unit_id"]).sum()
        total_in, total_out = float(series.sum()), float(out.sum())
    else:
        to_area = cw.groupby("to_unit_id")["area_ha"].sum()
        out = (cw["value"] * cw["area_ha"]).groupby(cw["to_unit_id"]).sum() / to_area
        from_area = cw.groupby("from_unit_id")["area_ha"].sum()
        total_in = float((series * from_area).sum() / from_area.sum())
        total_out = float((out * to_area).sum() / to_area.sum())
    order = registry.units_table(b)["unit_id"]
    residual = (total_out - total_in) / total_in if total_in else total_out - total_in
    return Reaggregation(values=out.reindex(order), kind=kind, total_in=total_in, total_out=total_out, residual=residual)
