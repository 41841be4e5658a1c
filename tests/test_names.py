import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haiha_geo.crosswalks as crosswalks
from haiha_geo import names, registry
from haiha_geo.errors import UnknownUnitError

ALL_NAMES = sorted(set(registry.units_table()["name"]) | set(registry.aliases_table()["alias"]))


@pytest.mark.parametrize("query", ["Quang Dien", "xã Quảng Điền", "QuảngĐiền", "XÃ  QUẢNG   ĐIỀN", "quang-dien",
                                   "Đại Điền Nam", "dai dien nam"])
def test_variants_find_quang_dien(query):
    assert names.find_units(query) == ["2019/06961"]


def test_decomposed_input_is_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "Quảng Điền")
    assert names.find_units(decomposed) == ["2019/06961"]
    assert names.nfc(decomposed) == "Quảng Điền"


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(ALL_NAMES), prefix=st.sampled_from(["", "xã ", "Xã ", "thị trấn ", "TT ", "tt. "]),
       case=st.sampled_from([str, str.upper, str.lower, str.title]), strip=st.booleans(),
       spacing=st.sampled_from([" ", "", "  ", "-"]), form=st.sampled_from(["NFC", "NFD"]))
def test_names_round_trip_through_normalisation(name, prefix, case, strip, spacing, form):
    variant = spacing.join(name.split())
    variant = names.fold(variant) if strip else variant
    variant = unicodedata.normalize(form, case(prefix + variant))
    assert names.normalise(variant) == names.normalise(name)
    assert set(names.find_units(variant)) == set(names.find_units(name))


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownUnitError, match="did you mean Quảng Điền"):
        names.find_units("Quang Dienn")


def test_name_of_another_era_is_not_resolved_in_this_one():
    with pytest.raises(UnknownUnitError, match="in era 2025"):
        names.resolve("Quảng Thắng", "2025")


@pytest.mark.parametrize("query,era,expected", [
    ("Quang Dien", "2025", [("Quảng Hà", 1.0)]),
    ("Tien Toi", "2020", [("Đường Hoa", 1.0)]),
    ("Lập Mã", "2020", [("Quảng Minh", 1.0)]),
    ("Quảng Hà", "2019", [("Quảng Hà", 1.0)]),
])
def test_lookup_follows_into_era(query, era, expected):
    assert [(u["name"], u["share"]) for u in crosswalks.lookup(query, era=era).in_era] == expected


def test_lookup_of_split_unit_gives_both_successors():
    result = crosswalks.lookup("Quảng Long", era="2025")
    shares = {u["name"]: u["share"] for u in result.in_era}
    assert set(shares) == {"Quảng Hà", "Đường Hoa"} and all(0 < s < 1 for s in shares.values())
    assert abs(sum(shares.values()) - 1) < 1e-12


def test_lookup_predecessors_of_a_2025_unit():
    result = crosswalks.lookup("Đường Hoa", era="2019")
    assert [u["name"] for u in result.in_era] == ["Đường Hoa"]  # the same name exists in 2019
    preds = crosswalks._follow(["2025/06946"], "2019")
    assert {u["name"] for u in preds} == {"Quảng Sơn", "Quảng Long", "Đường Hoa", "Tiến Tới"}
