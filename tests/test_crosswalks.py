import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haiha_geo
from haiha_geo import registry
from haiha_geo.errors import UnknownUnitError

PAIRS = list(itertools.permutations(registry.ERAS, 2))


@pytest.mark.parametrize("a,b", PAIRS)
def test_shares_sum_to_one(a, b):
    cw = haiha_geo.crosswalk(a, b)
    assert cw.groupby("from_unit_id")["share"].sum().sub(1).abs().max() < 1e-12
    assert set(cw.from_unit_id) == set(registry.units_table(a).unit_id)
    assert set(cw.to_unit_id) == set(registry.units_table(b).unit_id)


def test_2019_to_2025_follows_the_two_resolutions():
    cw = haiha_geo.crosswalk("2019", "2025")
    target = dict(cw[~cw.split][["from_name", "to_name"]].values)
    assert target["Quảng Điền"] == target["Phú Hải"] == target["Quảng Thắng"] == target["Quảng Phong"] == "Quảng Hà"
    assert target["Tiến Tới"] == target["Quảng Sơn"] == "Đường Hoa"
    assert target["Quảng Thành"] == target["Quảng Thịnh"] == "Quảng Đức"
    assert target["Cái Chiên"] == "Cái Chiên"
    long = cw[cw.from_name == "Quảng Long"].set_index("to_name")["share"]
    assert set(long.index) == {"Quảng Hà", "Đường Hoa"} and ((long > 0) & (long < 1)).all()
    assert cw[cw.split].from_name.unique().tolist() == ["Quảng Long"]


def test_2019_to_2020_is_pure_merge():
    cw = haiha_geo.crosswalk("2019", "2020")
    assert (cw.share == 1).all() and not cw.split.any()


def test_membership_follows_the_law():
    links = registry.lineage_table()
    cw = haiha_geo.crosswalk("2020", "2025")
    declared = set(map(tuple, links[links.to_unit_id.str.startswith("2025/")][["from_unit_id", "to_unit_id"]].values))
    assert set(map(tuple, cw[["from_unit_id", "to_unit_id"]].values)) == declared


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=16, max_size=16), st.sampled_from(PAIRS))
def test_extensive_totals_are_conserved(values, pair):
    a, b = pair
    ids = registry.units_table(a).unit_id.tolist()
    data = dict(zip(ids, values[: len(ids)]))
    moved = haiha_geo.reaggregate(data, a, b)
    assert abs(moved.values.sum() - sum(data.values())) <= 1e-9 * max(1.0, sum(data.values()))
    assert abs(moved.residual) < 1e-9


@settings(max_examples=30, deadline=None)
@given(st.floats(0.001, 1e4), st.sampled_from(PAIRS))
def test_intensive_constant_stays_constant(value, pair):
    a, b = pair
    moved = haiha_geo.reaggregate({u: value for u in registry.units_table(a).unit_id}, a, b, kind="intensive")
    assert (abs(moved.values - value) <= 1e-9 * value).all() and abs(moved.residual) < 1e-9


def test_values_keyed_by_code_or_name():
    by_code = {c: 1.0 for c in registry.units_table("2020").code}
    by_name = {n: 1.0 for n in registry.units_table("2020").name}
    assert haiha_geo.reaggregate(by_code, "2020", "2025").values.equals(haiha_geo.reaggregate(by_name, "2020", "2025").values)


def test_missing_values_are_named():
    with pytest.raises(UnknownUnitError, match="missing for 1 unit"):
        haiha_geo.reaggregate({c: 1 for c in registry.units_table("2020").code[:-1]}, "2020", "2025")
