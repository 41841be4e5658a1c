import pytest

import haiha_geo


@pytest.mark.parametrize("era,n", [("2019", 16), ("2020", 11), ("2025", 4)])
def test_rows_and_totals(era, n):
    table = haiha_geo.stats(era)
    units, total = table[table.code != "TOTAL"], table[table.code == "TOTAL"].iloc[0]
    assert len(units) == n and abs(total.area_ha - units.area_ha.sum()) < 1e-6


def test_2025_official_comparison():
    table = haiha_geo.stats("2025").set_index("name")
    row = table.loc["Quảng Đức"]
    assert row.official_area_ha == 13148 and abs(row.difference_pct - (row.area_ha / 13148 - 1) * 100) < 1e-9
    assert abs(row.density_per_km2 - 11682 / 131.48) < 1e-9 and row.density_basis == "official area"
    assert table.loc["4 units", "official_area_ha"] == 51213 and table.loc["4 units", "population"] == 70623


def test_unknown_official_area_stays_empty():
    table = haiha_geo.stats("2019")
    assert table.official_area_ha.isna().all() and table.population.isna().all()
    assert table.density_per_km2.isna().all()
