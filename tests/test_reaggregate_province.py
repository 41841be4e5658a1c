"""Reaggregation at province scale: district-qualified names, the user's split shares, contributions by source."""

from __future__ import annotations

import csv
import hashlib

import openpyxl
import pandas as pd
import pytest

import haiha_geo
from haiha_geo import registry
from haiha_geo.crosswalks import crosswalk, reaggregate_table
from haiha_geo.errors import InputFileError, TableValueError, UnknownUnitError


@pytest.fixture
def province():
    haiha_geo.set_place("quang-ninh")
    yield
    haiha_geo.set_place(None)


def _province_table(era: str = "2019", bare: bool = False) -> pd.DataFrame:
    """Every unit of ``era`` by name (bare, or with its district in a column), with counts beyond 2⁵³ and a rate."""
    units = registry.units_table(era)
    n = len(units)
    twice = units.duplicated(["name", "district"], keep=False)  # thị trấn and xã Đầm Hà: the type tells them apart
    names = units["name"].where(~twice | bare, units["type"] + " " + units["name"])
    return pd.DataFrame({"xa": names.to_numpy(), **({} if bare else {"huyen": units["district"].to_numpy()}),
                         "dan_so": [1_000 + 37 * i for i in range(n)],
                         "ngan_sach": [2 ** 53 + 7 * i + 1 for i in range(n)],
                         "ho": [300 + i for i in range(n)],
                         "ty_le_ngheo": [round(1.5 + (i % 9) * 0.7, 2) for i in range(n)]})


def test_repeated_names_need_their_district(province):
    table = _province_table(bare=True)
    with pytest.raises(TableValueError, match=r"Bắc Sơn.*Thành phố Móng Cái.*Thành phố Uông Bí.*old district"):
        reaggregate_table(table, "2019", "2025", key="xa")
    moved = reaggregate_table(_province_table(), "2019", "2025", key="xa", district="huyen", integers=True,
                              rates={"ty_le_ngheo": "ho"})
    assert len(moved.frame) == 54 and "huyen" not in moved.columns


def test_a_district_that_holds_no_unit_of_the_name_is_named(province):
    table = _province_table()
    table.loc[table["xa"] == "Quảng Long", "huyen"] = "Tiên Yên"
    with pytest.raises(UnknownUnitError, match=r"'Tiên Yên' has no unit of that name; it lies in .*Hải Hà"):
        reaggregate_table(table, "2019", "2025", key="xa", district="huyen")


def test_province_counts_are_exact_and_rates_weighted_in_one_run(province):
    table = _province_table()
    moved = reaggregate_table(table, "2019", "2025", key="xa", district="huyen", integers=True,
                              rates={"ty_le_ngheo": "ho"})
    for column in ("dan_so", "ngan_sach", "ho"):
        assert sum(int(v) for v in moved.frame[column]) == sum(table[column])  # exact, beyond 2⁵³ too
        assert moved.summary[column]["residual"] == 0.0
    weighted = (table["ty_le_ngheo"] * table["ho"]).sum() / table["ho"].sum()
    rate = moved.summary["ty_le_ngheo"]
    assert rate["total_in"] == pytest.approx(weighted, rel=1e-12) and abs(rate["residual"]) < 1e-9
    floats = reaggregate_table(table.drop(columns="ngan_sach"), "2019", "2025", key="xa", district="huyen")
    assert floats.frame["dan_so"].sum() == pytest.approx(table["dan_so"].sum(), rel=1e-9)


@pytest.mark.parametrize("integers", [True, False])
def test_contributions_add_up_to_the_main_table(province, integers):
    table = _province_table().drop(columns="ngan_sach")
    moved = reaggregate_table(table, "2019", "2025", key="xa", district="huyen", integers=integers,
                              rates={"ty_le_ngheo": "ho"})
    parts = moved.contributions
    assert set(parts["to_unit_id"]) == set(moved.frame["unit_id"])
    for column in ("dan_so", "ho", "ty_le_ngheo"):
        by_target = parts.groupby("to_unit_id")[column].sum()
        main = moved.frame.set_index("unit_id")[column].astype(float)
        if integers and column != "ty_le_ngheo":
            assert all(int(by_target[u]) == int(moved.frame.set_index("unit_id").loc[u, column]) for u in main.index)
        else:
            assert by_target.reindex(main.index).to_numpy() == pytest.approx(main.to_numpy(), rel=1e-9)
    split = parts[parts["from_unit_id"].isin(crosswalk("2019", "2025").query("split")["from_unit_id"])]
    assert split.groupby("from_unit_id")["share"].sum().to_numpy() == pytest.approx(1.0)


def _shares_file(tmp_path, rows: list[tuple], header=("from_unit", "to_unit", "part")):
    path = tmp_path / "de_an.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _people() -> pd.DataFrame:
    units = registry.units_table("2019")
    return pd.DataFrame({"name": units["name"], "people": range(1001, 1001 + len(units))})


def test_given_shares_replace_the_geometric_ones_and_are_cited(tmp_path, cli):
    shares = _shares_file(tmp_path, [("Quảng Long", "Quảng Hà", 1200), ("Quảng Long", "Đường Hoa", 3600)])
    people = tmp_path / "people.csv"
    _people().to_csv(people, index=False)
    moved = reaggregate_table(people, "2019", "2025", integers=True, shares=shares)
    long = moved.contributions[moved.contributions["from_name"] == "Quảng Long"]
    assert long["share"].tolist() == [0.25, 0.75]
    assert [int(v) for v in long["people"]] == [252, 757]  # Quảng Long's 1,009 people, 1:3 as the file says
    sha = hashlib.sha256(shares.read_bytes()).hexdigest()[:12]
    assert moved.shares == f"{shares} (sha256 {sha}): Quảng Long"
    run = cli("reaggregate", str(people), "--from", "2019", "--to", "2025", "--integers", "--shares", str(shares),
              "--format", "md", "--contributions", str(tmp_path / "parts.csv"))
    assert run.code == 0, run.err
    assert f"sha256 {sha}" in run.out and "Đóng góp của từng đơn vị" in run.out
    parts = pd.read_csv(tmp_path / "parts.csv", dtype={"to_code": str, "from_code": str})
    assert parts.groupby("to_code")["people"].sum().sum() == _people()["people"].sum()
    out = tmp_path / "moved.xlsx"
    assert cli("reaggregate", str(people), "--from", "2019", "--to", "2025", "--shares", str(shares),
               "--format", "xlsx", "--out", str(out)).code == 0
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["Chuyển số liệu", "Đóng góp"]


@pytest.mark.parametrize(("rows", "header", "message"), [
    ([("Quảng Long", "Quảng Đức", 1), ("Quảng Long", "Đường Hoa", 1)], None,
     r"2025/06931 is not a legal successor of 2019/06946; the law gives it 2025/06922, 2025/06946"),
    ([("Quảng Long", "Quảng Hà", 1)], None, r"no row for its successor\(s\) 2025/06946"),
    ([("Quảng Long", "Quảng Hà", 0.3), ("Quảng Long", "Đường Hoa", 0.6)], ("from_unit", "to_unit", "share"),
     r"add up to 0.9, not 1"),
    ([("Quảng Long", "Quảng Hà", -1), ("Quảng Long", "Đường Hoa", 2)], None, r"numbers ≥ 0: row 2"),
    ([("Quảng Long", "Quảng Hà", "một"), ("Quảng Long", "Đường Hoa", 2)], None, r"numbers ≥ 0: row 2"),
    ([("Quảng Long", "Quảng Hà", 1), ("Quảng Long", "Quảng Hà", 1)], None, r"given twice"),
    ([("Quảng Long", "Quảng Hà")], ("from_unit", "to_unit"), r"no column part"),
])
def test_bad_shares_are_one_line_naming_the_row(tmp_path, cli, rows, header, message):
    shares = _shares_file(tmp_path, rows, header or ("from_unit", "to_unit", "part"))
    with pytest.raises(InputFileError, match=message):
        reaggregate_table(_people(), "2019", "2025", shares=shares)
    people = tmp_path / "people.csv"
    _people().to_csv(people, index=False)
    before = shares.read_bytes()
    run = cli("reaggregate", str(people), "--from", "2019", "--to", "2025", "--shares", str(shares))
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err
    assert shares.read_bytes() == before


def test_province_shares_with_district_qualified_units(province, tmp_path):
    split = crosswalk("2024", "2025").query("split")
    unit = split["from_unit_id"].iloc[0]
    targets = split.loc[split["from_unit_id"] == unit, "to_unit_id"].tolist()
    name, district = registry.unit(unit)["name"], registry.unit(unit)["district"]
    shares = _shares_file(tmp_path, [(f"{name}, {district}", registry.unit(t)["code"], i + 1)
                                     for i, t in enumerate(targets)])
    table = _province_table("2024").drop(columns=["ngan_sach", "ty_le_ngheo"])
    moved = reaggregate_table(table, "2024", "2025", key="xa", district="huyen", integers=True, shares=shares)
    rows = moved.contributions[moved.contributions["from_unit_id"] == unit]
    got = dict(zip(rows["to_unit_id"], rows["share"]))
    total = sum(range(1, len(targets) + 1))
    assert got == pytest.approx({t: (i + 1) / total for i, t in enumerate(targets)})
    assert sum(int(v) for v in moved.frame["dan_so"]) == table["dan_so"].sum()


def test_contributions_output_never_overwrites_an_input(tmp_path, cli):
    people = tmp_path / "people.csv"
    _people().to_csv(people, index=False)
    before = people.read_bytes()
    run = cli("reaggregate", str(people), "--from", "2019", "--to", "2025", "--contributions", str(people))
    assert run.code == 2 and people.read_bytes() == before
    run = cli("reaggregate", str(people), "--from", "2019", "--to", "2025", "--contributions",
              str(tmp_path / "parts.xlsx"))
    assert run.code == 2 and "parts.csv" in run.err
    assert not (tmp_path / "parts.xlsx").exists()
