"""Spreadsheet safety of tables (issue 8 items 3 and 4): no formula cells, byte-identical XLSX, typed API errors."""

from __future__ import annotations

import csv
import io
import math
import time

import openpyxl
import pytest
from zoning_plans import strips

from haiha_geo import registry
from haiha_geo.crosswalks import reaggregate
from haiha_geo.errors import HaihaGeoError, OptionError, OutputPathError, TableValueError, UnknownUnitError
from haiha_geo.zoning import land_use_balance

HOSTILE = ['=HYPERLINK("http://x","y")', "=1+1", "\t=1+2", "+1", "-1+2", "@SUM(A1)", "\r=1", " =1+1"]


def _hostile_plan(tmp_path):
    path = tmp_path / "plan.gpkg"
    strips([(code, 10.0 + i) for i, code in enumerate(HOSTILE)]).to_file(path)
    categories = tmp_path / "categories.csv"
    with categories.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "parent", "name", "confidence", "source"])
        writer.writerow(["=1+1", "", "=HYPERLINK(\"http://x\",\"y\")", "I", "@SUM(A1)"])
        writer.writerow(["+1", "=1+1", "-1+2", "I", "=2+2"])
    return path, categories


def _cells(book):
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_balance_xlsx_has_no_formula_cell_and_shows_the_text(tmp_path, cli):
    plan, categories = _hostile_plan(tmp_path)
    out = tmp_path / "balance.xlsx"
    run = cli("balance", str(plan), "--categories", str(categories), "--format", "xlsx", "--out", str(out))
    assert run.code == 0, run.err
    book = openpyxl.load_workbook(out)
    cells = _cells(book)
    assert cells and all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    codes = {code.strip() for code in HOSTILE}  # the plan reader trims codes
    assert codes <= texts
    assert {'=HYPERLINK("http://x","y")', "-1+2", "@SUM(A1)", "=2+2"} <= texts
    assert all(c.quotePrefix for c in cells if c.value in codes)
    numbers = [c for c in cells if c.data_type == "n"]
    assert numbers and all(isinstance(c.value, (int, float)) for c in numbers)


def test_balance_csv_neutralises_formula_text(tmp_path, cli):
    plan, categories = _hostile_plan(tmp_path)
    out = tmp_path / "balance.csv"
    assert cli("balance", str(plan), "--categories", str(categories), "--format", "csv", "--out", str(out)).code == 0
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["code"] for r in rows} >= {"'" + c.strip() for c in HOSTILE}
    assert "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" in text
    assert all(r[k].lstrip()[0] not in "=+-@" for r in rows for k in r if r[k])
    assert rows[-1]["code"] == "TOTAL" and float(rows[-1]["area_ha"]) > 0


def test_negative_numbers_stay_numbers_in_csv():
    import pandas as pd

    from haiha_geo._output import to_csv

    assert to_csv(pd.DataFrame({"a": [-1.5, 2], "b": ["-1", "x"]})) == "a,b\n-1.5,\"'-1\"\n2.0,x\n"


def test_balance_xlsx_is_byte_identical_across_runs(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    land_use_balance(strips(), population=4000).to_xlsx(first)
    time.sleep(2.1)  # ZIP times have a 2-second resolution
    land_use_balance(strips(), population=4000).to_xlsx(second)
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.creator == "haiha_geo" and props.created.year == 2000 and props.modified == props.created


@pytest.mark.parametrize("population", ["abc", 0, -5, math.nan, math.inf, True, 12.5])
def test_population_must_be_a_whole_positive_number(population):
    with pytest.raises(OptionError, match=r"population .*: must be a finite positive whole number of people, "
                                          r"for example population=4000"):
        land_use_balance(strips(), population=population)


@pytest.mark.parametrize("method", ["to_xlsx", "to_csv"])
@pytest.mark.parametrize("which", ["plan", "categories"])
def test_balance_outputs_never_overwrite_an_input(tmp_path, method, which):
    plan, _ = _hostile_plan(tmp_path)
    strips().to_file(plan)
    categories = tmp_path / "cats.csv"
    categories.write_bytes(_categories_file().read_bytes())
    result = land_use_balance(plan, categories=categories)
    target = plan if which == "plan" else categories
    before = target.read_bytes()
    with pytest.raises(OutputPathError, match="never writes over its inputs"):
        getattr(result, method)(target)
    assert target.read_bytes() == before


def _categories_file():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "layers" / "landuse_categories.csv"


def _population():
    return {u: 1000 for u in registry.units_table("2019").unit_id}


@pytest.mark.parametrize("change, error, message", [
    (lambda v: v | {"Quảng Hà": 5}, TableValueError, r"same unit .*row 1 .*row 17 \('Quảng Hà'\)"),
    (lambda v: v | {"Atlantis": 5}, UnknownUnitError, r"row 17 \('Atlantis'"),
    (lambda v: {k: ("many" if i == 2 else x) for i, (k, x) in enumerate(v.items())}, TableValueError,
     r"not finite numbers: row 3 .*'many'"),
    (lambda v: {k: (math.nan if i == 0 else x) for i, (k, x) in enumerate(v.items())}, TableValueError, r"row 1 .*nan"),
    (lambda v: {k: (math.inf if i == 4 else x) for i, (k, x) in enumerate(v.items())}, TableValueError, r"row 5 .*inf"),
    (lambda v: {k: (None if i == 1 else x) for i, (k, x) in enumerate(v.items())}, TableValueError, r"row 2 .*None"),
])
def test_reaggregate_errors_name_the_rows(change, error, message):
    with pytest.raises(error, match=message) as caught:
        reaggregate(change(_population()), "2019", "2025")
    assert isinstance(caught.value, HaihaGeoError)


def test_reaggregate_rejects_an_unknown_kind_and_accepts_numeric_text():
    with pytest.raises(OptionError, match="extensive"):
        reaggregate(_population(), "2019", "2025", kind="mean")
    moved = reaggregate({k: str(v) for k, v in _population().items()}, "2019", "2025")
    assert round(moved.values.sum()) == 16000
