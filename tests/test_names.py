import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haiha_geo.crosswalks as crosswalks
from haiha_geo import names, registry
from haiha_geo.errors import TableValueError, UnknownUnitError

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


# ---- resolve_units: a whole column of keys to one era's units ----------------------------------------------

@pytest.mark.parametrize("key, expected", [
    ("2019/06961", "2019/06961"), ("06961", "2019/06961"), ("6961", "2019/06961"), (6961, "2019/06961"),
    (6961.0, "2019/06961"), ("  xã Quảng Điền ", "2019/06961"), ("XA\u00a0QUANG DIEN", "2019/06961"),
    ("Đại Điền Nam", "2019/06961"), (unicodedata.normalize("NFD", "Quảng Điền"), "2019/06961"),
    ("thị  trấn Quảng Hà", "2019/06922"),
])
def test_resolve_units_reads_ids_codes_names_and_former_names(key, expected):
    assert names.resolve_units([key], "2019", complete=False) == [expected]


def test_resolve_units_keeps_the_row_order_and_needs_every_unit_by_default():
    table = registry.units_table("2025")
    keys = [names.fold(n) for n in table["name"]][::-1]
    assert names.resolve_units(keys, "2025") == table["unit_id"].tolist()[::-1]
    with pytest.raises(UnknownUnitError, match=r"missing for 1 unit\(s\) of era 2025: 2025/06922 \(Quảng Hà\)"):
        names.resolve_units(keys[:-1], "2025")


@pytest.mark.parametrize("keys, error, message", [
    (["Quang Dienn"], UnknownUnitError, r"1 row\(s\) name no unit of era 2019: row 2 \('Quang Dienn'; did you mean "
                                        r"Quảng Điền"),
    (["Quảng Thắng"], UnknownUnitError, r"row 2 \('Quảng Thắng'; a unit of era 2019\)"),
    ([None, math.nan, ""], UnknownUnitError, r"3 row\(s\) .*row 2 \(None\), row 3 \(nan\), row 4 \(''\)"),
    (["x" * 500], UnknownUnitError, r"row 2 \('x{50}…'\)"),
    (["Quảng Hà", "06922", "Quang Ha"], TableValueError, r"same unit in 3 rows \(2025/06922: row 2 .*row 4 "
                                                         r"\('Quang Ha'\)\)"),
])
def test_resolve_units_errors_name_rows_from_first_row(keys, error, message):
    with pytest.raises(error, match=message) as caught:
        names.resolve_units(keys, "2025" if keys[0] != "Quang Dienn" else "2019", first_row=2, complete=False)
    assert "\n" not in str(caught.value)


@pytest.fixture
def more_aliases(tmp_path):
    """A registry copy whose aliases.csv gets the rows a test appends (``alias,unit_id``)."""
    import shutil

    from haiha_geo import authored

    shutil.copytree(authored.shipped_dir("boundaries"), tmp_path / "boundaries")
    aliases = tmp_path / "boundaries" / "aliases.csv"
    authored.set_registry_dir(tmp_path)

    def add(*rows):
        extra = "".join(f"{alias},{unit_id},former_name,test,QD17CP,I\n" for alias, unit_id in rows)
        aliases.write_text(aliases.read_text(encoding="utf-8") + extra, encoding="utf-8")
        from haiha_geo._cache import clear_caches

        clear_caches()

    yield add
    authored.set_registry_dir(None)


def test_a_name_two_units_share_in_an_era_is_refused_naming_both(more_aliases):
    """A province repeats commune names; a name that picks one of two units silently would move figures wrongly."""
    more_aliases(("Hà Cối", "2019/06925"))
    with pytest.raises(TableValueError, match=r"row 1 \('Ha Coi'\): 2019/06922, 2019/06925; key these rows by "
                                              "GSO code"):
        names.resolve_units(["Ha Coi"], "2019", complete=False)
    assert names.resolve_units(["06925"], "2019", complete=False) == ["2019/06925"]


def test_a_current_name_wins_over_another_units_former_name(more_aliases):
    more_aliases(("Quảng Đức", "2019/06922"))
    assert names.resolve_units(["Quảng Đức"], "2019", complete=False) == ["2019/06925"]


def test_resolve_units_is_linear_in_the_rows():
    import time

    keys = registry.units_table("2019")["name"].tolist()
    distinct = [f"Thôn Mới {i}" for i in range(200_000)]
    start = time.process_time()
    with pytest.raises(UnknownUnitError, match="200,000 row"):
        names.resolve_units(distinct, "2019", complete=False)
    unknown = time.process_time() - start
    start = time.process_time()
    with pytest.raises(TableValueError, match="same unit in 800,000 rows"):
        names.resolve_units(keys * 50_000, "2019")
    repeated = time.process_time() - start
    assert unknown < 4 and repeated < 4, (unknown, repeated)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aăâđeêioôơuưyAĂĐ ảãáạàẢ\u00a0\t-.xXtT"), max_size=14))
def test_normalise_keeps_only_ascii_letters_and_digits(text):
    key = names.normalise(text)
    assert key == names.normalise(unicodedata.normalize("NFD", text)) == names.normalise(text.upper())
    assert key.isascii() and key == "".join(ch for ch in key if ch.isalnum()) and key == key.lower()
