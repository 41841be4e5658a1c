import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haiha_geo
from haiha_geo import registry
from haiha_geo.crosswalks import crosswalk, reaggregate_table
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
    assert haiha_geo.reaggregate(by_code, "2020", "2025").values.equals(
        haiha_geo.reaggregate(by_name, "2020", "2025").values)


def test_missing_values_are_named():
    with pytest.raises(UnknownUnitError, match="missing for 1 unit"):
        haiha_geo.reaggregate({c: 1 for c in registry.units_table("2020").code[:-1]}, "2020", "2025")


# ---- reaggregate_table and `haiha-geo reaggregate` -------------------------------------------------

def _population_table(era_id):
    """A made-up but plausible population per commune of ``era_id``: whole people, names without diacritics."""
    import pandas as pd

    from haiha_geo.names import fold
    from haiha_geo.registry import units_table

    units = units_table(era_id)
    people = [2750 + (i * 7919) % 9000 for i in range(len(units))]
    households = [p // 4 + i for i, p in enumerate(people)]
    return pd.DataFrame({"xa": [fold(n) for n in units["name"]], "dan_so": people, "so_ho": households,
                         "code": units["code"].tolist(), "unit_id": units["unit_id"].tolist()})


def _first_last():
    from haiha_geo.timeline import era_ids

    return era_ids()[0], era_ids()[-1]


def _split_unit(first, last):
    cw = crosswalk(first, last)
    split = cw[cw["split"]]
    return split["from_unit_id"].iloc[0], split


@pytest.mark.parametrize("key", ["xa", "code", "unit_id"])
def test_integer_totals_preserved_exactly_and_split_shares_applied(key):

    first, last = _first_last()
    table = _population_table(first)
    moved = reaggregate_table(table[[key, "dan_so", "so_ho"]], first, last, key=key, integers=True)
    for column in ("dan_so", "so_ho"):
        assert moved.frame[column].dtype.kind == "i"
        assert int(moved.frame[column].sum()) == int(table[column].sum())
        assert moved.summary[column]["residual"] == 0.0
    split_id, split = _split_unit(first, last)
    exact = reaggregate_table(table[[key, "dan_so"]], first, last, key=key).frame.set_index("unit_id")["dan_so"]
    people = int(table.set_index("unit_id").loc[split_id, "dan_so"])
    for row in split.itertuples():  # each receiving unit gets the split unit's people × its crosswalk share
        others = table.set_index("unit_id")["dan_so"].reindex(
            crosswalk(first, last).query("to_unit_id == @row.to_unit_id and not split").from_unit_id).sum()
        assert exact[row.to_unit_id] == pytest.approx(others + people * row.share, rel=1e-12)
    rounded = moved.frame.set_index("unit_id")["dan_so"]
    assert all(abs(rounded[u] - exact[u]) < 1 for u in exact.index)


def test_cli_reaggregate_csv_and_xlsx_in(cli, tmp_path):
    import openpyxl

    first, last = _first_last()
    table = _population_table(first)[["xa", "dan_so", "so_ho"]]
    csv_in = tmp_path / "dan_so.csv"
    table.to_csv(csv_in, index=False)
    xlsx_in = tmp_path / "dan_so.xlsx"
    book = openpyxl.Workbook()
    book.active.append(list(table.columns))
    for row in table.itertuples(index=False):
        book.active.append(list(row))
    book.save(xlsx_in)
    outputs = []
    for path in (csv_in, xlsx_in):
        run = cli("reaggregate", str(path), "--from", first, "--to", last, "--integers", "--format", "json")
        assert run.code == 0, run.err
        outputs.append(run.json())
    assert outputs[0] == outputs[1]
    payload = outputs[0]
    assert sum(r["dan_so"] for r in payload["rows"]) == int(table["dan_so"].sum())
    assert payload["residual"]["dan_so"] == {"total_in": float(table["dan_so"].sum()),
                                             "total_out": float(table["dan_so"].sum()), "residual": 0.0}
    text = cli("reaggregate", str(csv_in), "--from", first, "--to", last, "--integers", "--columns", "dan_so").out
    assert "STT" in text and "Tên đơn vị" in text and "so_ho" not in text and "sai số 0" in text


def test_intensive_area_weighted_and_file_weights(tmp_path):

    first, last = _first_last()
    table = _population_table(first)[["unit_id", "dan_so"]].rename(columns={"dan_so": "rate"})
    flat = table.assign(rate=5.0)
    moved = reaggregate_table(flat, first, last, kind="intensive")
    assert moved.frame["rate"].tolist() == pytest.approx([5.0] * len(moved.frame))
    weights = tmp_path / "w.csv"
    _population_table(first)[["code", "dan_so"]].to_csv(weights, index=False)
    weighted = reaggregate_table(table, first, last, kind="intensive", weights=str(weights))
    assert abs(weighted.summary["rate"]["residual"]) < 1e-12 and weighted.weights == str(weights)


def test_old_names_and_names_without_diacritics_resolve():

    first, last = _first_last()
    table = _population_table(first)[["xa", "dan_so"]]
    table["xa"] = [f"XA {n.upper()}" for n in table["xa"]]
    assert int(reaggregate_table(table, first, last, integers=True).frame["dan_so"].sum()) == table["dan_so"].sum()


@pytest.mark.parametrize("change,error,words", [
    (lambda t: t.assign(xa=["atlantis", *t["xa"].tolist()[1:]]), "UnknownUnitError", ["row 2 ('atlantis'"]),
    (lambda t: t.assign(xa=[t["xa"][1], *t["xa"].tolist()[1:]]), "TableValueError", ["row 2", "row 3"]),
    (lambda t: t.assign(dan_so=["nhiều", *t["dan_so"].tolist()[1:]]), "TableValueError", ["row 2", "'nhiều'"]),
    (lambda t: t.assign(dan_so=[1.5, *t["dan_so"].tolist()[1:]]), "TableValueError", ["whole numbers", "row 2"]),
    (lambda t: t.iloc[1:], "UnknownUnitError", ["missing"]),
])
def test_bad_tables_name_the_rows(change, error, words):
    from haiha_geo import errors

    first, last = _first_last()
    table = change(_population_table(first)[["xa", "dan_so"]])
    with pytest.raises(getattr(errors, error)) as caught:
        reaggregate_table(table, first, last, integers=True)
    assert all(w in str(caught.value) for w in words)


def test_cli_reaggregate_errors_are_one_line(cli, tmp_path):
    first, last = _first_last()
    bad = tmp_path / "bad.csv"
    bad.write_text("xa,dan_so\natlantis,5\n", encoding="utf-8")
    run = cli("reaggregate", str(bad), "--from", first, "--to", last)
    assert run.code == 2 and "row 2 ('atlantis'" in run.err and "Traceback" not in run.err
    run = cli("reaggregate", str(bad), "--from", first, "--to", last, "--weights", str(bad))
    assert run.code == 2 and "intensive" in run.err


@pytest.mark.parametrize("era", registry.ERAS)
def test_an_era_onto_itself_is_the_identity(era):
    cw = crosswalk(era, era)
    assert (cw.from_unit_id == cw.to_unit_id).all() and (cw.share == 1).all() and not cw.split.any()
    assert sorted(cw.from_unit_id) == sorted(registry.units_table(era).unit_id)
    table = _population_table(era)
    same = reaggregate_table(table[["xa", "dan_so"]], era, era, integers=True)
    assert same.frame["unit_id"].tolist() == table["unit_id"].tolist()
    assert same.frame["dan_so"].tolist() == table["dan_so"].tolist()


def test_largest_remainder_on_exact_fractions_breaks_ties_by_the_eras_order():
    """A split unit of 1 person: its half-shares tie only if exact; the first unit listed gets the person."""
    from fractions import Fraction

    from haiha_geo.crosswalks import _apportion

    shares = [("a", "x", Fraction(1, 2)), ("a", "y", Fraction(1, 2)), ("b", "y", Fraction(1))]
    assert _apportion({"a": 1, "b": 0}, shares, ["x", "y"]) == [1, 0]
    assert _apportion({"a": 1, "b": 0}, shares, ["y", "x"]) == [1, 0]
    assert _apportion({"a": 3 * 10**30 + 1, "b": -5}, shares, ["x", "y"]) == [15 * 10**29 + 1, 15 * 10**29 - 5]


def test_rates_in_a_table_of_counts_through_the_api():
    first, last = _first_last()
    table = _population_table(first)[["xa", "dan_so", "so_ho"]].assign(
        ho_ngheo_pct=[5.0 + i % 7 for i in range(len(registry.units_table(first)))])
    moved = reaggregate_table(table, first, last, rates={"ho_ngheo_pct": "so_ho"}, integers=True)
    counts = reaggregate_table(table, first, last, columns=["dan_so", "so_ho"], integers=True)
    assert moved.frame[["dan_so", "so_ho"]].equals(counts.frame[["dan_so", "so_ho"]])
    poor = table["ho_ngheo_pct"] * table["so_ho"] / 100  # poor households are conserved, as counts are
    moved_poor = moved.frame["ho_ngheo_pct"] * moved.frame["so_ho"] / 100
    assert moved_poor.sum() == pytest.approx(poor.sum(), rel=1e-3)
    assert moved.summary["ho_ngheo_pct"]["total_in"] == pytest.approx(poor.sum() / table["so_ho"].sum() * 100)
    assert abs(moved.summary["ho_ngheo_pct"]["residual"]) < 1e-12 and moved.rates == {"ho_ngheo_pct": "so_ho"}


def test_cli_xlsx_with_codes_typed_as_numbers(cli, tmp_path):
    """Excel drops the leading zero of 06922; the code still names its unit."""
    import openpyxl

    first, last = _first_last()
    table = _population_table(first)
    path = tmp_path / "codes.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["code", "dan_so"])
    for code, people in zip(table["code"], table["dan_so"]):
        book.active.append([int(code), people])
    book.save(path)
    run = cli("reaggregate", str(path), "--from", first, "--to", last, "--key", "code", "--integers",
              "--format", "json")
    assert run.code == 0, run.err
    assert sum(r["dan_so"] for r in run.json()["rows"]) == int(table["dan_so"].sum())
