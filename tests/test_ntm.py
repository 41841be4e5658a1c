"""New-rural (NTM) status: the recorded facts, the rules across mergers, typed errors, the CLI."""

from __future__ import annotations

import datetime as dt
import importlib

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiha_geo import registry
from haiha_geo.errors import HaihaGeoError, UnknownEraError
from haiha_geo.ntm import LEVELS, STATUSES, YearOutsideEraError, ntm_district, ntm_status

ntm_module = importlib.import_module("haiha_geo.ntm")
NOT_YET = {"Quảng Sơn", "Quảng Đức", "Đường Hoa"}
YEARS = {"2019": range(2001, 2020), "2020": range(2020, 2025), "2025": range(2025, dt.date.today().year + 1)}


def test_2019_twelve_of_fifteen_xa_met():
    table = ntm_status("2019", 2019)
    xa = table[table["type"] == "xã"]
    assert len(xa) == 15
    met = xa[xa["status"] == "met"]
    assert len(met) == 12 and set(xa[xa["status"] == "not_met"]["name"]) == NOT_YET
    assert met["year_lower"].isna().all() and (met["year_upper"] == 2019).all()
    assert set(table["source"].str.split(";").explode()) <= {"THEME2019", "QD558"}
    assert met["act"].isna().all()  # no per-commune recognising act is invented


def test_thi_tran_is_outside_the_commune_standard():
    for era, year in (("2019", 2019), ("2020", 2020), ("2019", 2005)):
        table = ntm_status(era, year)
        town = table[table["type"] == "thị trấn"]
        assert town["status"].tolist() == ["not_applicable"]
        assert "outside the xã NTM standard" in town["note"].item()


def test_2020_all_ten_xa_met_from_their_own_record():
    table = ntm_status("2020", 2020)
    xa = table[table["type"] == "xã"]
    assert len(xa) == 10 and (xa["status"] == "met").all()
    assert (xa["source"] == "BAOCHINHPHU2021").all()
    assert (xa["year_lower"] == 2020).all() and (xa["year_upper"] == 2020).all()


def test_merged_duong_hoa_is_not_inherited_from_its_parts():
    # 2019 Đường Hoa had not met, 2019 Tiến Tới had; the 2020 status comes from the 2020 record alone.
    before = ntm_status("2019", 2019).set_index("unit_id")
    assert before.loc["2019/06949", "status"] == "not_met" and before.loc["2019/06964", "status"] == "met"
    after = ntm_status("2020", 2020).set_index("unit_id").loc["2020/06949"]
    assert after["status"] == "met" and after["source"] == "BAOCHINHPHU2021"
    assert "not inherited" in after["note"]


def test_2020_units_without_their_own_record_are_unknown(monkeypatch):
    records = ntm_module.commune_records()
    monkeypatch.setattr(ntm_module, "commune_records", lambda: records[records.unit_id != "2020/06949"])
    row = ntm_status("2020", 2020).set_index("unit_id").loc["2020/06949"]
    assert row["status"] is None and row["note"] == "no record for this unit"


def test_earlier_years_follow_the_rules():
    table = ntm_status("2019", 2015).set_index("name")
    assert set(table[table["status"] == "not_met"].index) == NOT_YET  # not yet reached at end-2019
    unknown = table[table["type"] == "xã"].drop(index=list(NOT_YET))
    assert unknown["status"].isna().all()  # met by 2019, first year unknown
    assert unknown["note"].str.contains("not known whether by 2015").all()


def test_years_after_the_last_source_are_unknown():
    table = ntm_status("2020", 2023)
    xa = table[table["type"] == "xã"]
    assert xa["status"].isna().all() and xa["note"].str.contains("no source after 2020").all()


def test_2025_communes_start_their_own_record():
    table = ntm_status("2025", 2025)
    assert len(table) == 4 and table["status"].isna().all() and table["source"].isna().all()
    assert table["note"].str.contains("start their own record").all()


@pytest.mark.parametrize("era, year, message", [
    ("2019", 2020, "ended on 2020-01-31"),
    ("2020", 2019, "exist from 2020-02-01"),
    ("2020", 2025, "ended on 2025-06-30"),
    ("2025", 2024, "exist from 2025-07-01"),
    ("2025", dt.date.today().year + 1, "in the future"),
    ("2019", "twenty", "not a year"),
])
def test_years_outside_the_era_raise_a_typed_error(era, year, message):
    with pytest.raises(YearOutsideEraError, match=message):
        ntm_status(era, year)


def test_unknown_era_raises():
    with pytest.raises(UnknownEraError):
        ntm_status("2010", 2010)


def test_year_lower_excludes_earlier_years(monkeypatch):
    records = ntm_module.commune_records().copy()
    records.loc[records.unit_id == "2019/06931", "year_lower"] = 2016
    monkeypatch.setattr(ntm_module, "commune_records", lambda: records)
    row = ntm_status("2019", 2015).set_index("unit_id").loc["2019/06931"]
    assert row["status"] == "not_met" and "met only from 2016" in row["note"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(registry.ERAS), st.data())
def test_every_answer_is_a_known_status_with_a_source(era, data):
    year = data.draw(st.sampled_from(list(YEARS[era])))
    table = ntm_status(era, year)
    assert len(table) == len(registry.units_table(era))
    for row in table.to_dict("records"):
        assert row["status"] is None or row["status"] in STATUSES
        assert (row["status"] == "not_applicable") == (row["type"] == "thị trấn")
        if row["status"] is not None:
            assert row["source"], row["unit_id"]
        if row["status"] in LEVELS[1:]:
            assert row["year_upper"] <= year


def test_district_checklist_names_the_recognition():
    table = ntm_district()
    recognition = table.set_index("item").loc["R"]
    assert recognition["act"] == "1896/QĐ-TTg" and recognition["status_2020"] == "met"
    assert (table[table["kind"] == "criterion"]["status_2020"] == "met").all()


# ---- CLI ----------------------------------------------------------------------------------------

def test_cli_2019_table(cli):
    run = cli("ntm", "--era", "2019", "--year", "2019")
    assert run.code == 0
    assert run.out.startswith("Tình trạng nông thôn mới đến 31/12/2019") and "Tình trạng NTM" in run.out
    assert "15 xã: đạt chuẩn 12, chưa đạt 3." in run.out
    assert "không áp dụng (thị trấn)" in next(row for row in run.out.splitlines() if " Quảng Hà " in row)
    for name in NOT_YET:
        line = next(row for row in run.out.splitlines() if f" {name} " in row)
        assert "chưa đạt" in line
    english = cli("ntm", "--era", "2019", "--year", "2019", "--lang", "en")
    assert english.out.startswith("New-rural status at 31 Dec 2019")
    assert "15 communes: met 12, not met 3." in english.out


def test_cli_json_rows(cli):
    run = cli("ntm", "--era", "2020", "--year", "2020", "--format", "json")
    rows = run.json()
    assert run.code == 0 and len(rows) == 11
    assert all(set(r) == {"code", "name", "status", "year_lower", "year_upper", "act", "source"} for r in rows)
    assert sum(r["status"] == "met" for r in rows) == 10
    assert next(r for r in rows if r["code"] == "06922")["status"] == "not_applicable"


def test_cli_2019_json_bounds(cli):
    rows = cli("ntm", "--era", "2019", "--year", "2019", "--format", "json").json()
    met = [r for r in rows if r["status"] == "met"]
    assert len(met) == 12 and all(r["year_lower"] is None and r["year_upper"] == 2019 for r in met)
    assert all(r["source"] == "THEME2019" for r in met)


@pytest.mark.parametrize("era, year", [("2019", 2019), ("2019", 2018), ("2020", 2020)])
def test_communes_not_met_show_no_year_reached(cli, era, year):
    """A commune *chưa đạt* reached nothing: its "Năm đạt" cells are empty (they showed 2019)."""
    table = ntm_status(era, year)
    assert table[table.status.isin(["not_met", "not_applicable"])][["year_lower", "year_upper"]].isna().all().all()
    rows = cli("ntm", "--era", era, "--year", str(year), "--format", "json", "--lang", "vi").json()["rows"]
    shown = [r for r in rows if r["Tình trạng NTM"] in ("chưa đạt", "không áp dụng (thị trấn)")]
    assert shown and all(r["Năm đạt (sớm nhất)"] is None and r["Năm đạt (muộn nhất)"] is None for r in shown)


def test_cli_district(cli):
    table, js = cli("ntm", "--district"), cli("ntm", "--district", "--format", "json")
    assert table.code == 0 and "1896/QĐ-TTg" in table.out
    rows = js.json()
    assert any(r["act"] == "1896/QĐ-TTg" for r in rows) and len(rows) == 11


@pytest.mark.parametrize("args", [("--era", "2019", "--year", "2021"), ("--era", "2019"),
                                  ("--era", "1999", "--year", "1999")])
def test_cli_bad_requests_exit_2_without_traceback(cli, args):
    run = cli("ntm", *args)
    assert run.code == 2 and "Traceback" not in run.err and run.err.startswith("haiha-geo: error:")


def test_errors_are_typed():
    assert issubclass(YearOutsideEraError, HaihaGeoError)
    assert pd.api.types.is_integer_dtype(ntm_status("2019", 2019)["year_upper"])
