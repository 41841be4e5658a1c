"""Land-use balance on plans built from rectangles of known size in EPSG:5899."""

from __future__ import annotations

import csv
import functools
import io
import json
import operator
import warnings

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from parcels import OVERLAPPING, overlapping
from zoning_plans import E0, EXPECTED_HA, N0, STRIPS, TOTAL_HA, strips, study_plan

from haiha_geo import geometry
from haiha_geo.errors import GeometryRepairError, GeometryRepairWarning, InputFileError, OptionError
from haiha_geo.zoning import LandUseWarning, UnclassifiedCodeError, land_use_balance, load_categories
from haiha_geo.zoning.categories import descendants


def test_areas_are_exact_and_shares_add_up():
    result = land_use_balance(strips())
    table = result.table.set_index("code")
    assert table["area_ha"].to_dict() == EXPECTED_HA
    assert result.total_ha == TOTAL_HA == result.plan_area_ha
    assert round(table.loc[["DXD", "KHAC"], "percent"].sum(), 2) == 100.00
    leaves = [c for c, _ in STRIPS]
    assert round(table.loc[leaves, "percent"].sum(), 2) == 100.00
    assert table.loc["DVO", "percent"] == round(sum(table.loc[["NO-M", "NO-HT", "CC-DVO", "CX-DVO"], "percent"]), 2)
    assert table.loc["CN", "percent"] == pytest.approx(2.0 / TOTAL_HA * 100, abs=0.005)
    assert result.coverage == {"gaps_m2": 0.0, "overlaps_m2": 0.0, "outside_m2": None,
                               "against": "the plan's outline (holes inside it)"}


def test_rows_follow_the_category_file_and_levels():
    table = land_use_balance(strips()).table
    order = list(load_categories()["code"])
    assert list(table["code"]) == sorted(table["code"], key=order.index)
    assert table.set_index("code")["level"].to_dict() == {
        "DXD": 1, "DDD": 2, "DVO": 3, "NO-HT": 4, "NO-M": 4, "CC-DVO": 4, "CX-DVO": 4, "GT-DT": 3,
        "NDD": 2, "CN": 3, "KHAC": 1, "MN": 2}
    assert not table["verified"].any()  # the category file's values are all [I]/[C2] so far


def test_population_gives_m2_per_person_and_norm_checks():
    table = land_use_balance(strips(), population=4000).table.set_index("code")
    assert table.loc["DXD", "m2_per_person"] == 22.5
    assert table.loc["CX-DVO", "m2_per_person"] == 2.06
    assert table.loc["CX-DVO", "norm"] == "≥ 2 m²/person [C2, unverified]"
    assert table.loc["CX-DVO", "norm_met"] is True or table.loc["CX-DVO", "norm_met"] == True  # noqa: E712
    assert table.loc["GT-DT", "norm_met"] == False  # noqa: E712  1.288 / 9.0 = 14.3% < 18%
    assert land_use_balance(strips()).table.set_index("code").loc["CX-DVO", "norm_met"] is None


def test_unknown_codes_are_rows_of_their_own_with_a_warning():
    plan = strips([("NO-M", 100.0), ("QH-X", 10.0), ("ABC", 20.0)])
    with pytest.warns(LandUseWarning, match="'ABC' .*'QH-X'"):
        result = land_use_balance(plan)
    rows = result.table.set_index("code")
    assert list(result.table["code"][-2:]) == ["ABC", "QH-X"]
    assert not rows.loc["ABC", "classified"] and rows.loc["ABC", "area_ha"] == 0.4
    assert round(rows.loc[["DXD", "ABC", "QH-X"], "percent"].sum(), 2) == 100.00
    assert any("QH-X" in w for w in result.warnings)
    with pytest.raises(UnclassifiedCodeError, match="strict"):
        land_use_balance(plan, strict=True)


def test_coverage_reports_gaps_overlaps_and_outside():
    plan = strips([("NO-M", 100.0), ("CX-DT", 100.0)])
    overlapping = gpd.GeoDataFrame(
        {"code": ["NO-M", "CX-DT"]},
        geometry=[shapely.box(E0, N0, E0 + 100, N0 + 100), shapely.box(E0 + 90, N0, E0 + 200, N0 + 100)],
        crs="EPSG:5899")
    with pytest.warns(LandUseWarning, match="overlap by 1,000.00 m²"):
        assert land_use_balance(overlapping).coverage["overlaps_m2"] == 1000.0
    study = shapely.box(E0 - 10, N0, E0 + 200, N0 + 200)
    cover = land_use_balance(plan, study_area=study).coverage
    assert (cover["gaps_m2"], cover["overlaps_m2"], cover["outside_m2"]) == (2000.0, 0.0, 0.0)
    holed = gpd.GeoDataFrame({"code": ["NN"]}, geometry=[shapely.box(E0, N0, E0 + 100, N0 + 100).difference(
        shapely.box(E0 + 10, N0 + 10, E0 + 20, N0 + 30))], crs="EPSG:5899")
    assert land_use_balance(holed).coverage["gaps_m2"] == 200.0


def test_plan_in_lon_lat_is_measured_in_epsg_5899():
    plan = strips()
    from haiha_geo.crs import to_geographic

    result = land_use_balance(to_geographic(plan))
    assert result.total_ha == pytest.approx(TOTAL_HA, abs=1e-4)


def test_bad_plans_are_clear_errors():
    plan = strips()
    with pytest.raises(InputFileError, match="no column 'zone'"):
        land_use_balance(plan, field="zone")
    with pytest.raises(OptionError, match="population"):
        land_use_balance(plan, population=0)
    blank = plan.assign(code=[None, *list(plan["code"][1:])])
    with pytest.raises(InputFileError, match="no value in 'code'"):
        land_use_balance(blank)


def test_csv_and_xlsx_exports_are_stable(tmp_path):
    result = land_use_balance(strips(), population=4000)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    result.to_csv(first)
    land_use_balance(strips(), population=4000).to_csv(second)
    assert first.read_bytes() == second.read_bytes()
    rows = list(csv.DictReader(io.StringIO(first.read_text(encoding="utf-8"))))
    assert [r["code"] for r in rows] == [*list(result.table["code"]), "TOTAL"]
    assert rows[-1]["area_ha"] == "10.0002" and rows[-1]["percent"] == "100.0"
    book = openpyxl.load_workbook(result.to_xlsx(tmp_path / "balance.xlsx"))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[2]]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=2 + len(rows))]
    assert [v[header.index("Mã đất")] for v in values] == [*[r["code"] for r in rows][:-1], None]  # no "TOTAL"
    assert values[-1][header.index("Loại đất")] == "Tổng cộng"
    assert [v[header.index("Diện tích bản đồ (ha)")] for v in values] == [float(r["area_ha"]) for r in rows]
    assert sheet["B3"].fill.start_color.rgb.endswith("F2E6D9")


def test_json_shape():
    payload = json.loads(land_use_balance(strips(), population=4000).render("json"))
    assert set(payload) >= {"rows", "total_ha", "coverage"}
    assert set(payload["coverage"]) >= {"gaps_m2", "overlaps_m2"}
    assert set(payload["rows"][0]) >= {"code", "name", "level", "area_ha", "percent", "m2_per_person"}


def test_every_category_descends_from_a_top_level_group():
    cats = load_categories()
    tops = cats.loc[cats["level"] == 1, "code"].tolist()
    assert tops == ["DXD", "KHAC"]
    below = descendants(cats)
    assert sorted(functools.reduce(operator.iadd, (below[t] for t in tops), [])) == sorted(cats["code"])
    assert cats["source"].str.len().gt(0).all() and cats["confidence"].isin(["C", "C2", "I"]).all()
    normed = cats[(cats["min_m2_per_person"] != "") | (cats["min_share_pct"] != "")]
    assert normed["norm_source"].str.len().gt(0).all() and normed["norm_confidence"].ne("").all()


codes = st.sampled_from(["NO-M", "NO-HT", "CC-DT", "CX-DT", "GT-DT", "HH", "CN", "NN", "LN", "ZZ-1"])


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.tuples(codes, st.floats(0.5, 500.0)), min_size=1, max_size=12),
       depth=st.floats(0.5, 300.0))
def test_totals_equal_plan_area(cells, depth):
    import warnings

    plan = strips(cells, depth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        result = land_use_balance(plan)
    table = result.table
    top = table[table["level"] == 1]
    assert round(top["area_ha"].sum(), 4) == result.total_ha
    assert abs(result.total_ha - plan.area.sum() / 1e4) <= 0.00005 + 1e-9
    assert round(top["percent"].sum(), 2) == 100.00
    assert result.coverage["gaps_m2"] == 0.0 and result.coverage["overlaps_m2"] <= 1e-6


def _bowtie_plan() -> gpd.GeoDataFrame:
    bowtie = shapely.Polygon([(E0, N0), (E0 + 100, N0 + 100), (E0 + 100, N0), (E0, N0 + 100)])
    return gpd.GeoDataFrame({"code": ["NO-M", "CX-DT"]},
                            geometry=[bowtie, shapely.box(E0 + 200, N0, E0 + 300, N0 + 100)],
                            crs="EPSG:5899")


def test_invalid_polygons_are_reported_like_every_command_and_refused_when_strict():
    with pytest.warns(GeometryRepairWarning, match=r"plan row 0 \(Self-intersection.*area 0.00 → 5,000.00 m²"):
        result = land_use_balance(_bowtie_plan())
    assert result.table.set_index("code").loc["NO-M", "area_ha"] == 0.5
    with pytest.raises(GeometryRepairError, match=r"strict mode.*plan row 0"):
        land_use_balance(_bowtie_plan(), strict=True)


def test_cli_balance_repair_warning_and_strict(cli, tmp_path):
    path = tmp_path / "plan.gpkg"
    _bowtie_plan().to_file(path)
    run = cli("balance", str(path))
    assert run.code == 0 and "haiha-geo: warning: 1 invalid polygon(s) repaired" in run.err
    assert "area 0.00 → 5,000.00 m²" in run.err
    strict = cli("balance", str(path), "--strict")
    assert strict.code == 2 and "strict mode" in strict.err and "Traceback" not in strict.err


def test_balance_without_the_coverage_report_has_the_same_table():
    full, bare = land_use_balance(strips()), land_use_balance(strips(), coverage=False)
    pd.testing.assert_frame_equal(full.table, bare.table)
    assert bare.coverage is None and bare.plan_area_ha is None
    assert "Coverage not checked" in bare.render("table")
    assert json.loads(bare.render("json"))["coverage"] is None


def test_a_clean_parcel_coverage_reports_no_gap_or_overlap():
    parcels = gpd.GeoDataFrame({"code": ["NO-M", "CX-DT"] * 50},
                               geometry=[shapely.box(E0 + 10 * i, N0 + 10 * j, E0 + 10 * (i + 1), N0 + 10 * (j + 1))
                                         for i in range(10) for j in range(10)], crs="EPSG:5899")
    result = land_use_balance(parcels)
    assert result.coverage["gaps_m2"] == 0.0 and result.coverage["overlaps_m2"] == 0.0
    assert result.plan_area_ha == result.total_ha == 1.0


def _grid_plan(n: int = 12) -> gpd.GeoDataFrame:
    codes = ["NO-M", "CX-DT", "GT-DT", "NO-HT"]
    return gpd.GeoDataFrame({"code": [codes[(i * n + j) % 4] for i in range(n) for j in range(n)]},
                            geometry=[shapely.box(E0 + 10 * i, N0 + 10 * j, E0 + 10 * (i + 1), N0 + 10 * (j + 1))
                                      for i in range(n) for j in range(n)], crs="EPSG:5899")


@pytest.mark.parametrize("chunk", [1, 7, 50, 10_000])
@pytest.mark.parametrize("case", ["clean", "overlap across chunks", "gap"])
def test_a_file_read_in_chunks_gives_the_balance_of_one_read(tmp_path, chunk, case):
    plan = _grid_plan()
    if case == "overlap across chunks":  # the last feature is a copy of the first: they overlap across chunks
        plan = pd.concat([plan, plan.iloc[:1]], ignore_index=True)
    if case == "gap":
        plan = plan.drop(index=40).reset_index(drop=True)
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        whole = land_use_balance(plan)
        chunked = land_use_balance(path, chunk_features=chunk)
    pd.testing.assert_frame_equal(whole.table, chunked.table)
    assert chunked.coverage == whole.coverage and chunked.plan_area_ha == whole.plan_area_ha
    expected = {"clean": (0.0, 0.0), "overlap across chunks": (0.0, 100.0), "gap": (100.0, 0.0)}[case]
    assert (chunked.coverage["gaps_m2"], chunked.coverage["overlaps_m2"]) == expected


def test_repairs_in_several_chunks_are_one_warning_and_strict_refuses_the_first(tmp_path):
    plan = pd.concat([_grid_plan(3), _bowtie_plan().iloc[:1], _bowtie_plan().iloc[:1]],
                     ignore_index=True)
    plan.geometry = [shapely.affinity.translate(g, yoff=1_000 * k) for k, g in enumerate(plan.geometry)]
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    with pytest.warns(GeometryRepairWarning) as caught:
        land_use_balance(path, chunk_features=10)
    repairs = [w for w in caught if issubclass(w.category, GeometryRepairWarning)]
    assert len(repairs) == 1 and "2 invalid polygon(s)" in str(repairs[0].message)
    assert "plan.gpkg row 9" in str(repairs[0].message) and "plan.gpkg row 10" in str(repairs[0].message)
    with pytest.raises(GeometryRepairError, match=r"1 invalid polygon\(s\).*row 9"):
        land_use_balance(path, chunk_features=10, strict=True)


def test_a_code_map_dropping_whole_chunks_is_fine_and_dropping_all_is_an_error(tmp_path):
    plan = _grid_plan(4).assign(code=["KHUNG"] * 8 + ["NO-M"] * 8)
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    result = land_use_balance(path, code_map={"KHUNG": None}, chunk_features=3)
    assert result.total_ha == 0.08
    with pytest.raises(InputFileError, match="no land-use polygons left"):
        land_use_balance(path, code_map={"KHUNG": None, "NO-M": None}, chunk_features=3)


#: A planner's plan: land-law codes in ``code`` and QCVN groups in ``zone`` (same plots), plus a label.
LANDLAW_PLAN = [("ONT", "NO-HT"), ("ONT", "NO-M"), ("DGT", "GT-DT"), ("CLN", "NN"), ("TMD", "CC-DT"),
                ("LUC", "NN"), ("LUK", "NN"), ("DTL", "MN"), ("NTS", "MN"), ("DGD", "CC-DVO"), ("DYT", "CC-DVO"),
                ("SKC", "CN"), ("ODT", "NO-M"), ("TSC", "CQ"), ("DKV", "CX-DT"), ("NTD", "KHAC"), ("RSX", "LN"),
                ("SON", "MN"), ("BCS", "CSD"), ("TON", "DT-TG"), ("CQP", "AN-QP"), ("DNL", "HTKT")]


@functools.cache
def _study():
    from haiha_geo.zoning.study import study_area

    return study_area(None, None)


def _study_plan(pairs=LANDLAW_PLAN, size=40.0) -> gpd.GeoDataFrame:
    return study_plan(pairs, size)


@pytest.mark.parametrize(("field", "system", "codes"), [("code", "land-law codes", None), ("zone", "QCVN", None),
                                                         ("code", "land-law codes", "landlaw"),
                                                         ("zone", "QCVN", "qcvn")])
def test_a_plan_in_the_study_area_has_every_code_classified(field, system, codes):
    plan = _study_plan()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LandUseWarning)  # nothing unclassified, nothing mapped
        result = land_use_balance(plan, field=field, codes=codes, study_area=_study().geometry, strict=True)
    rows = result.table.set_index("code")
    assert rows["classified"].all() and system in result.codes
    assert set(plan[field]) <= set(rows.index)
    assert result.coverage["outside_m2"] == 0.0
    assert result.total_ha == pytest.approx(len(plan) * 0.16)
    assert round(rows.loc[rows["level"] == 1, "percent"].sum(), 2) == 100.00


def test_land_law_rows_follow_the_code_hierarchy_with_names_and_colours():
    rows = land_use_balance(_study_plan(), codes="landlaw").table.set_index("code")
    assert set(rows.index[rows["level"] == 1]) == {"NNP", "PNN", "CSD"}
    assert rows.loc["ONT", ["name", "parent", "level", "colour"]].tolist() == [
        "Đất ở tại nông thôn", "OTC", 3, "#ffd0ff"]
    assert rows.loc["OTC", "area_ha"] == rows.loc[["ONT", "ODT"], "area_ha"].sum()
    assert rows.loc["LUA", "area_ha"] == rows.loc[["LUC", "LUK"], "area_ha"].sum()
    assert rows.loc["PNN", "area_ha"] == pytest.approx(16 * 0.16)


@pytest.mark.parametrize(("old", "current"), [("LUN", "LUK"), ("BHK", "HNK"), ("DDT", "DDD"), ("DHT", "CCC"),
                                              ("RST", "RSX"), ("ont", "ONT")])
def test_legacy_and_miscased_codes_are_counted_in_current_codes_and_said_so(old, current):
    plan = _study_plan([("ONT", "NO-M"), (old, "NN"), ("DGT", "GT-DT")])
    with pytest.warns(LandUseWarning, match=f"'{old}' → {current} "):
        result = land_use_balance(plan)
    rows = result.table.set_index("code")
    assert rows["classified"].all() and old not in rows.index
    assert rows.loc[current, "area_ha"] >= 0.16
    assert "land-law codes" in result.codes


def test_an_unknown_code_is_listed_with_the_nearest_known_codes():
    plan = _study_plan([("ONT", "NO-M"), ("ONTT", "NN"), ("DGT", "GT-DT"), ("QQQ", "NN")])
    with pytest.warns(LandUseWarning, match=r"'ONTT' \(0.1600 ha; nearest: ONT\), 'QQQ' \(0.1600 ha; nearest: none\)"):
        result = land_use_balance(plan)
    rows = result.table.set_index("code")
    assert not rows.loc["ONTT", "classified"] and rows.loc["ONT", "classified"]
    with pytest.raises(UnclassifiedCodeError, match=r"nearest: ONT.*strict mode"):
        land_use_balance(plan, strict=True)


def test_qcvn_list_places_land_law_codes_in_its_groups():
    plan = _study_plan([("ONT", ""), ("DGT", ""), ("LUC", ""), ("SKC", ""), ("RSX", "")]).drop(columns="zone")
    with pytest.warns(LandUseWarning, match="'ONT' → DVO"):
        rows = land_use_balance(plan, codes="qcvn").table.set_index("code")
    assert rows.loc[["DVO", "GT-DT", "NN", "CN", "LN"], "area_ha"].tolist() == [0.16] * 5
    assert rows["classified"].all()


def test_cli_balance_reads_both_lists_and_a_code_file(cli, tmp_path):
    path = tmp_path / "plan.gpkg"
    _study_plan().to_file(path)
    for field in ("code", "zone"):
        run = cli("balance", str(path), "--field", field, "--format", "json", "--strict")
        assert run.code == 0 and run.err == "", run.err
        assert all(row["classified"] for row in run.json()["rows"])
    own = tmp_path / "own_codes.csv"
    own.write_text("code,parent,name\nQH,,Đất quy hoạch\nONT,QH,Đất ở nông thôn\nDGT,QH,Giao thông\n",
                   encoding="utf-8")
    run = cli("balance", str(path), "--codes", str(own), "--format", "json")
    assert run.code == 0
    rows = {row["code"]: row for row in run.json()["rows"]}
    assert rows["QH"]["classified"] and not rows["CLN"]["classified"]
    assert "not in " + str(own) in run.err and "--codes FILE" in run.err
    assert "--codes" in cli("balance", "--help").out  # the option the warning names exists
    before = own.read_bytes()
    over = cli("balance", str(path), "--codes", str(own), "--format", "csv", "--out", str(own))
    assert over.code == 2 and own.read_bytes() == before  # an output never overwrites the code list it read
    bad = cli("balance", str(path), "--codes", "landlow")
    assert bad.code == 2 and "expected one of auto, landlaw, qcvn" in bad.err and "Traceback" not in bad.err
    both = cli("balance", str(path), "--codes", "qcvn", "--categories", str(own))
    assert both.code == 2


def _coverage_reference(plan: gpd.GeoDataFrame, study: shapely.Geometry | None) -> dict:
    """Gaps, overlaps and outside the slow, exact way: the plan merged into one shape."""
    union = shapely.union_all(plan.geometry.values)
    overlaps = plan.area.sum() - union.area
    if study is None:
        parts = shapely.get_parts(union)
        gaps = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts))).area - union.area
        return {"gaps_m2": gaps, "overlaps_m2": overlaps, "outside_m2": None, "plan_ha": union.area / 1e4}
    return {"gaps_m2": study.difference(union).area, "overlaps_m2": overlaps,
            "outside_m2": union.difference(study).area, "plan_ha": union.area / 1e4}


def _close(result, expected: dict) -> None:
    for key in ("gaps_m2", "overlaps_m2", "outside_m2"):
        got, want = result.coverage[key], expected[key]
        assert (got is None and want is None) or abs(got - want) <= 0.006, key  # rounded to 0.01 m²
    assert result.plan_area_ha == pytest.approx(expected["plan_ha"], abs=5.1e-5)


@pytest.mark.parametrize("tile", [40, 1_000])
@pytest.mark.parametrize("study", [False, True])
@pytest.mark.parametrize("kind", OVERLAPPING)
def test_overlapping_plans_report_the_exact_gaps_overlaps_and_outside(monkeypatch, kind, study, tile):
    monkeypatch.setattr(geometry, "UNION_TILE", tile)  # 40: ~50 tiles, gaps cut by tile edges everywhere
    plan = overlapping(kind)
    x0, y0, x1, y1 = plan.total_bounds
    area = shapely.box(x0 + 100, y0 - 50, (x0 + x1) / 2, y1 - 300) if study else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        result = land_use_balance(plan, study_area=area)
    _close(result, _coverage_reference(plan, area))
    assert result.coverage["overlaps_m2"] > 1_000


@pytest.mark.parametrize("chunk", [150, 10_000])
def test_an_overlapping_plan_read_in_chunks_reports_the_exact_coverage(tmp_path, chunk):
    plan = overlapping("rotated rectangles")
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LandUseWarning)
        result = land_use_balance(path, chunk_features=chunk)
    _close(result, _coverage_reference(plan, None))
