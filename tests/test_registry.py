import pytest

from haiha_geo import registry
from haiha_geo.errors import UnknownEraError, UnknownUnitError

CODES = {
    "2019": {"06922", "06925", "06928", "06931", "06934", "06937", "06940", "06943", "06946", "06949", "06952",
             "06955", "06958", "06961", "06964", "06967"},
    "2020": {"06922", "06925", "06928", "06931", "06937", "06940", "06943", "06946", "06949", "06952", "06967"},
    "2025": {"06922", "06946", "06931", "06967"},
}


@pytest.mark.parametrize("era", registry.ERAS)
def test_codes_per_era(era):
    assert set(registry.units_table(era)["code"]) == CODES[era]


def test_registry_is_consistent():
    assert registry.consistency_problems() == []


@pytest.mark.parametrize("date,era", [("2001-08-29", "2019"), ("2020-01-31", "2019"), ("2020-02-01", "2020"),
                                      ("2025-06-30", "2020"), ("2025-07-01", "2025"), ("2026-11-25", "2025")])
def test_era_for_date(date, era):
    assert registry.era_for_date(date) == era


@pytest.mark.parametrize("bad", ["1995-01-01", "2020-13-01", "yesterday"])
def test_era_for_bad_date(bad):
    with pytest.raises(UnknownEraError):
        registry.era_for_date(bad)


def test_unknown_era_and_unit():
    with pytest.raises(UnknownEraError, match="2019, 2020, 2025"):
        registry.check_era("2021")
    with pytest.raises(UnknownUnitError, match="era-qualified"):
        registry.unit("06922")


def test_every_figure_carries_a_known_reference():
    refs = set(registry.references_table()["ref_id"])
    units = registry.units_table()
    assert set(units["code_ref"]) <= refs
    for value, ref in (("official_area_ha", "official_area_ref"), ("population", "population_ref")):
        given = units[units[value].notna()]
        assert given[ref].notna().all() and set(given[ref]) <= refs
        assert units[units[value].isna()][ref].isna().all()  # unknown stays unknown, with no source invented
    assert set(registry.lineage_table()["ref_id"]) <= refs
    assert set(registry.acts_table()["ref_id"]) <= refs
    assert set(registry.aliases_table()["ref_id"]) <= refs


def test_2025_official_figures_match_the_dossier():
    t = registry.units_table("2025").set_index("name")
    assert t["official_area_ha"].sum() == 51213 and t["population"].sum() == 70623
    assert t.loc["Quảng Hà", "official_area_ha"] == 13437


def test_lineage_names_the_split_and_the_acts():
    lin = registry.lineage()
    split = lin[lin.from_name.eq("Quảng Long") & lin.act.eq("1679/NQ-UBTVQH15")]
    assert sorted(split.relation) == ["split_part", "split_remainder"]
    assert set(split.to_name) == {"Quảng Hà", "Đường Hoa"}
    assert set(lin.effective) == {"2020-02-01", "2025-07-01"}
