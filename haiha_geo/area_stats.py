"""Per-unit area statistics of an era, for planners' tables.

Areas are planimetric, in EPSG:5899 (VN-2000 / TM-3 107°45′, datum shift
EPSG:6960), in hectares. Official figures are shown beside them with their
source; an official figure no source gives stays empty.
"""

from __future__ import annotations

import pandas as pd

from haiha_geo.eras import units

_COLUMNS = ["code", "name", "type", "area_ha", "official_area_ha", "difference_pct", "population",
            "population_year", "density_per_km2", "density_basis", "official_area_ref", "population_ref"]


def _density(row: pd.Series) -> tuple[float | None, str | None]:
    if pd.isna(row["population"]):
        return None, None
    if pd.notna(row["official_area_ha"]):
        return row["population"] / (row["official_area_ha"] / 100), "official area"
    return row["population"] / (row["area_ha"] / 100), "computed area"


def stats(era: str | int, *, source: str = "gadm41", totals: bool = True) -> pd.DataFrame:
    """Return the area table of an era: computed and official area, difference, population, density.

    Parameters
    ----------
    era : str or int
        An era id (``"2019"``, ``"2020"``, ``"2025"`` …).
    source : str
        Reference source of the first era's polygons (``gadm41`` or ``censusvn2009``).
    totals : bool
        Append a totals row (``code`` = "TOTAL"); the total official area and
        population are given only when every unit has one.

    Returns
    -------
    pandas.DataFrame
        ``code, name, type, area_ha`` (diện tích bản đồ, EPSG:5899),
        ``official_area_ha`` (diện tích tự nhiên công bố, null where no source
        gives it), ``difference_pct``, population, density and their sources.

    Examples
    --------
    >>> t = stats("2025")
    >>> float(t.loc[t.code == "TOTAL", "official_area_ha"].item())
    51213.0
    """
    layer = units(era, source=source, crs="EPSG:5899")
    table = pd.DataFrame(layer.drop(columns="geometry"))
    table["difference_pct"] = (table["area_ha"] - table["official_area_ha"]) / table["official_area_ha"] * 100
    density = table.apply(_density, axis=1, result_type="expand")
    table["density_per_km2"], table["density_basis"] = density[0], density[1]
    table = table[_COLUMNS]
    return pd.concat([table, _totals(table)], ignore_index=True) if totals else table.reset_index(drop=True)


def _totals(table: pd.DataFrame) -> pd.DataFrame:
    complete = {c: table[c].sum() if table[c].notna().all() else None for c in ("official_area_ha", "population")}
    row = {"code": "TOTAL", "name": f"{len(table)} units", "area_ha": table["area_ha"].sum(), **complete}
    if complete["official_area_ha"] is not None:
        row["difference_pct"] = (row["area_ha"] - row["official_area_ha"]) / row["official_area_ha"] * 100
    if complete["population"] is not None and complete["official_area_ha"] is not None:
        row["density_per_km2"], row["density_basis"] = (row["population"] / (row["official_area_ha"] / 100),
                                                        "official area")
    return pd.DataFrame([row])
