"""Re-keying old-unit records (haiha_geo.rekey and ``haiha-geo rekey``), in Hải Hà and across Quảng Ninh.

Points that must fall in one part of a split are built here from the derived layers (never copied coordinates).
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

import haiha_geo
from haiha_geo import eras, registry
from haiha_geo.crs import transform_xy
from haiha_geo.errors import InputFileError, OptionError
from haiha_geo.rekey import INDISTINCT, iter_records, legal_successors, rekey, successors


@pytest.fixture
def province():
    haiha_geo.set_place("quang-ninh")
    yield
    haiha_geo.set_place(None)


def _point_in(geom) -> tuple[float, float]:
    """A WGS 84 point well inside ``geom`` (EPSG:5899)."""
    p = shapely.point_on_surface(geom)
    lon, lat = transform_xy(p.x, p.y, "EPSG:5899", "EPSG:4326")
    return float(lon), float(lat)


def _split_points(old_id: str, new_ids: list[str]) -> dict[str, tuple[float, float]]:
    """For each successor of a split unit, a point of the old unit inside that successor."""
    old = eras.units(old_id.split("/")[0], crs="EPSG:5899").set_index("unit_id").geometry[old_id]
    new = eras.units(new_ids[0].split("/")[0], crs="EPSG:5899").set_index("unit_id").geometry
    return {n: _point_in(shapely.intersection(old, new[n]).buffer(-5)) for n in new_ids}


@pytest.mark.parametrize(("name", "expected", "method"), [
    ("Quảng Điền", "Quảng Hà", "merged"), ("quang dien", "Quảng Hà", "merged"), ("Đại Điền Nam", "Quảng Hà", "merged"),
    ("xã Cái Chiên", "Cái Chiên", "unchanged"), ("Tiến Tới", "Đường Hoa", "merged"),
    ("Quảng Long", None, "split_unresolved"), ("Quảng Lồng Lộng", None, "unmatched")])
def test_names_of_haiha(name, expected, method):
    out = rekey(pd.DataFrame({"xa": [name]}), "2019", name_column="xa").table.iloc[0]
    assert (out["new_name"], out["method"]) == (expected, method)


def test_a_split_is_resolved_by_coordinates_and_listed_without():
    points = _split_points("2019/06946", ["2025/06922", "2025/06946"])
    rows = pd.DataFrame({"xa": ["Quảng Long"] * 3, "lon": [points["2025/06922"][0], points["2025/06946"][0], None],
                         "lat": [points["2025/06922"][1], points["2025/06946"][1], None]})
    out = rekey(rows, "2019", name_column="xa", lon_column="lon", lat_column="lat").table
    assert out["new_name"].tolist() == ["Quảng Hà", "Đường Hoa", None]
    assert out["method"].tolist() == ["split_resolved_by_coordinates"] * 2 + ["split_unresolved"]
    assert out.loc[2, "candidates"].startswith("Quảng Hà (2,3 % ± ") and "Đường Hoa (97,7 %" in out.loc[2, "candidates"]


def test_planning_coordinates_alone_key_the_rows():
    points = _split_points("2019/06946", ["2025/06922", "2025/06946"])
    xs, ys = transform_xy([p[0] for p in points.values()], [p[1] for p in points.values()])
    out = rekey(pd.DataFrame({"x": xs, "y": ys}), "2019", x_column="x", y_column="y").table
    assert out["old_unit_id"].tolist() == ["2019/06946"] * 2
    assert out["new_unit_id"].tolist() == ["2025/06922", "2025/06946"]


def test_codes_are_read_in_their_era():
    """06946 was Quảng Long in 2019 and is Đường Hoa in 2025: a code means the unit of --from."""
    out = rekey(pd.DataFrame({"ma": ["06946", "6946", 6967, "06961.0"]}), "2019", code_column="ma").table
    assert out["old_unit_id"].tolist() == ["2019/06946", "2019/06946", "2019/06967", "2019/06961"]
    assert out["method"].tolist() == ["split_unresolved", "split_unresolved", "unchanged", "merged"]


def test_rows_keep_their_order_and_columns_and_the_input_is_untouched():
    rows = pd.DataFrame({"id": [3, 1, 2], "xa": ["Cái Chiên", "Quảng Điền", "Quảng Đức"], "note": ["a", "b", "c"]})
    before = rows.copy()
    out = rekey(rows, "2019", name_column="xa").table
    pd.testing.assert_frame_equal(rows, before)
    pd.testing.assert_frame_equal(out[rows.columns], rows)
    assert list(out.columns[3:]) == ["old_unit_id", "new_unit_id", "new_code", "new_name", "method", "act",
                                     "candidates"]
    assert out.loc[1, "act"] == "837/NQ-UBTVQH14; 1679/NQ-UBTVQH15"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({}, "say how rows name their old unit"), ({"name_column": "nope"}, "name-column 'nope' is not a column"),
    ({"name_column": "xa", "lon_column": "xa"}, "give one pair of coordinate columns"),
    ({"name_column": "xa", "to_era": "2019"}, "runs forward")])
def test_option_errors(kwargs, match):
    with pytest.raises(OptionError, match=match):
        rekey(pd.DataFrame({"xa": ["Quảng Hà"]}), "2019", **kwargs)


def test_a_column_named_like_an_added_one_is_refused():
    with pytest.raises(OptionError, match="already has column"):
        rekey(pd.DataFrame({"xa": ["Quảng Hà"], "method": [1]}), "2019", name_column="xa")


def test_legal_successors_include_parts_the_polygons_leave_empty(province):
    """Điền Công merged into Trưng Vương, which 1679 split: the law does not say which part went where."""
    legal = legal_successors("2019", "2025")
    assert legal["2019/07141"] == ["2025/06811", "2025/06820"]
    s = successors("2019", "2025").set_index("old_unit_id")
    assert (s["method"] == "split").sum() == 16
    assert s.at["2019/07141", "indistinct"] and 0.0 in s.at["2019/07141", "shares"]
    assert not s.at["2019/06946", "indistinct"]


def test_names_repeat_across_the_province(province):
    rows = pd.DataFrame({"xa": ["Bắc Sơn", "Bắc Sơn", "Bac Son", "Đầm Hà", "TT Đầm Hà", "xã Đầm Hà", "Phương Đông",
                                "phường Phương Đông"],
                         "huyen": ["Móng Cái", "Thành phố Uông Bí", "", "Đầm Hà", "Huyện Đầm Hà", "Đầm Hà", "Uông Bí",
                                   "Uông Bí"]})
    out = rekey(rows, "2019", name_column="xa", district_column="huyen").table
    types = registry.units_table("2019").set_index("unit_id")["type"]
    assert out["method"].iloc[2] == "unmatched" and "Bắc Sơn, Thành phố Uông Bí" in out["candidates"].iloc[2]
    assert out["method"].iloc[3] == "unmatched"  # two units named Đầm Hà in Đầm Hà: the type decides
    assert [types[u] for u in out["old_unit_id"].iloc[[0, 1, 4, 5]]] == ["xã", "phường", "thị trấn", "xã"]
    assert out["old_unit_id"].iloc[6] == out["old_unit_id"].iloc[7] is not None


def test_province_split_resolved_by_coordinates(province):
    points = _split_points("2019/07093", ["2025/07090", "2025/07093"])  # Đức Chính → An Sinh | Đông Triều
    rows = pd.DataFrame({"ma": ["07093", "07093"], "lon": [p[0] for p in points.values()],
                         "lat": [p[1] for p in points.values()]})
    out = rekey(rows, "2019", code_column="ma", lon_column="lon", lat_column="lat").table
    assert out["new_name"].tolist() == ["An Sinh", "Đông Triều"]


def test_a_share_within_the_sources_spread_is_flagged(province):
    out = rekey(pd.DataFrame({"ma": ["07141"]}), "2019", code_column="ma").table
    assert out.loc[0, "method"] == "split_unresolved" and out.loc[0, "candidates"].endswith(INDISTINCT)


def test_a_million_rows_in_seconds(province):
    units = registry.units_table("2019")
    pick = np.random.default_rng(1).integers(0, len(units), 1_000_000)
    rows = pd.DataFrame({"xa": (units["type"] + " " + units["name"]).to_numpy()[pick],
                         "huyen": units["district"].to_numpy()[pick]})
    rekey(rows.head(10), "2019", name_column="xa", district_column="huyen")  # the era layers, built once
    start = time.perf_counter()
    out = rekey(rows, "2019", name_column="xa", district_column="huyen")
    assert time.perf_counter() - start < 15
    assert out.counts["unmatched"] == 0 and out.table["old_unit_id"].notna().all()


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("ho_so,xa,lon,lat\n1,Quảng Điền,,\n2,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,\n"
                    "3,Quảng Long,107.64,21.47\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "gpkg", "parquet"])
def test_the_command_writes_every_format_byte_identically(cli, records, tmp_path, suffix):
    out = tmp_path / f"out.{suffix}"
    args = ("rekey", str(records), "--from", "2019", "--name-column", "xa", "--lon-column", "lon", "--lat-column",
            "lat", "--out", str(out))
    run = cli(*args)
    assert run.code == 0, run.err
    assert "sáp nhập: 1" in run.err and "không khớp: 1" in run.err
    first = hashlib.sha256(out.read_bytes()).hexdigest()
    assert cli(*args).code == 0 and hashlib.sha256(out.read_bytes()).hexdigest() == first


def test_no_cell_becomes_a_formula(cli, records, tmp_path):
    args = ("rekey", str(records), "--from", "2019", "--name-column", "xa", "--out")
    assert cli(*args, str(tmp_path / "o.csv")).code == 0
    assert "'=HYPERLINK" in (tmp_path / "o.csv").read_text(encoding="utf-8")
    assert cli(*args, str(tmp_path / "o.xlsx")).code == 0
    sheet = load_workbook(tmp_path / "o.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells) and any(str(c.value).startswith("=HYPERLINK") for c in cells)


@pytest.mark.parametrize(("extra", "match"), [
    (("--format", "csv", "--out", "o.parquet"), "does not agree"), (("--out", "o.txt"), "cannot tell the format"),
    (("--name-column", "nope", "--out", "o.csv"), "is not a column")])
def test_command_errors_are_one_line(cli, records, tmp_path, monkeypatch, extra, match):
    monkeypatch.chdir(tmp_path)
    run = cli("rekey", str(records), "--from", "2019", *(("--name-column", "xa") if "--name-column" not in extra
                                                          else ()), *extra)
    assert run.code == 2 and run.err.count("\n") == 1 and match in run.err
    assert not list(tmp_path.glob("o.*"))


def test_the_output_never_lands_on_the_input(cli, records):
    before = records.read_bytes()
    run = cli("rekey", str(records), "--from", "2019", "--name-column", "xa", "--out", str(records))
    assert run.code == 2 and records.read_bytes() == before


def test_a_table_is_read_and_written_in_chunks(cli, tmp_path, monkeypatch):
    """Rows keep their order and numbering across chunks; the file is whole only at the end."""
    import haiha_geo.rekey as module

    monkeypatch.setattr(module, "CHUNK_ROWS", 2)
    table = tmp_path / "t.csv"
    table.write_text("xa\nQuảng Điền\nKhông Có\nCái Chiên\nKhông Có Nữa\nQuảng Đức\n", encoding="utf-8")
    run = cli("rekey", str(table), "--from", "2019", "--name-column", "xa", "--out", str(tmp_path / "o.csv"))
    assert run.code == 0, run.err
    assert "counted from 1 below the header: 2, 4)" in run.err
    out = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert out["xa"].tolist() == ["Quảng Điền", "Không Có", "Cái Chiên", "Không Có Nữa", "Quảng Đức"]
    assert out["new_name"].tolist()[::2] == ["Quảng Hà", "Cái Chiên", "Quảng Đức"]


@pytest.mark.parametrize("suffix", ["parquet", "gpkg", "csv"])
def test_assign_streams_points_from_geoparquet(cli, tmp_path, suffix):
    import geopandas as gpd

    layer = eras.units("2025", crs="EPSG:5899").set_index("unit_id")
    inside = shapely.point_on_surface(layer.geometry["2025/06922"])
    x0, y0, *_ = layer.total_bounds
    outside = [shapely.Point(x0 - 2000, y0 - 2000), shapely.Point(x0 - 3000, y0 - 1000)]  # sea, south-west
    points = gpd.GeoDataFrame({"id": np.arange(5)}, crs="EPSG:5899",
                              geometry=[inside, outside[0], inside, inside, outside[1]])
    points.to_parquet(tmp_path / "points.parquet")
    out = tmp_path / f"out.{suffix}"
    run = cli("assign", str(tmp_path / "points.parquet"), "--chunk", "2", "--era", "2019", "--era", "2025",
              "--out", str(out))
    assert run.code == 0, run.err
    assert "5 points, 2 outside every unit" in run.err
    back = (gpd.read_parquet(out) if suffix == "parquet" else pd.read_csv(out, dtype=str) if suffix == "csv"
            else gpd.read_file(out))
    assert [int(i) for i in back["id"]] == [0, 1, 2, 3, 4]
    assert [u if isinstance(u, str) else None for u in back["unit_2025"]] == [
        "2025/06922", None, "2025/06922", "2025/06922", None]


@pytest.mark.parametrize(("cells", "written"), [
    (["x", "", None, "a,b", 'say "hi"', "two\nlines", "cr\rhere"],
     ["x", "", "", '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\rhere"']),
    (["=1+1", " =SUM(A1)", "@x", "-1", "+84 912", "ok", "'"],
     ["'=1+1", "' =SUM(A1)", "'@x", "'-1", "'+84 912", "ok", "'"]),
])
@pytest.mark.parametrize("kind", ["str", "object"])
def test_csv_cells_are_quoted_and_never_formulas(tmp_path, cells, written, kind):
    """The column-wise CSV writer quotes as pandas does, writes a missing value as an empty cell and neutralises
    formulas, for Arrow-backed text and Python objects alike."""
    from haiha_geo.exchange.records import write_records

    frame = pd.DataFrame({"n": range(len(cells)), "v": pd.array(cells, dtype=kind), "x": [1.5] * len(cells)})
    write_records(frame, tmp_path / "o.csv")
    expected = "n,v,x\n" + "".join(f"{i},{w},1.5\n" for i, w in enumerate(written))
    assert (tmp_path / "o.csv").read_bytes().decode("utf-8") == expected
    back = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert back["v"].tolist() == [w[1:-1].replace('""', '"') if w.startswith('"') else w for w in written]


@pytest.mark.parametrize(("text", "rows"), [
    ("\ufeffxa,n\nQuảng Hà,1\n,2\n", [["Quảng Hà", "1"], ["", "2"]]),  # a BOM, an empty cell kept as text
    ('xa,n\n"Quảng\nHà","0012"\n', [["Quảng\nHà", "0012"]]),  # a line break inside quotes, leading zeros kept
])
def test_csv_records_are_read_as_text(tmp_path, text, rows):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    chunks = list(iter_records(path))
    assert pd.concat(chunks)[["xa", "n"]].to_numpy().tolist() == rows


def test_a_csv_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("xa,xa\nQuảng Hà,Quảng Đức\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"names column\(s\) xa more than once"):
        list(iter_records(path))


@pytest.mark.parametrize("reader", ["points", "records"])
def test_parquet_memory_follows_the_chunk(tmp_path, reader):
    """Arrow holds one batch at a time while a GeoParquet layer or a Parquet table is read, not every row group
    read so far (pyarrow's pre-buffering would keep them until the file is closed)."""
    import geopandas as gpd
    import pyarrow as pa

    from haiha_geo.vector_io import iter_layer

    n = 200_000
    rng = np.random.default_rng(0)
    points = gpd.GeoDataFrame({"id": np.arange(n)}, crs="EPSG:4326",
                              geometry=shapely.points(rng.uniform(107.5, 107.9, n), rng.uniform(21.3, 21.6, n)))
    points.to_parquet(tmp_path / "p.parquet", row_group_size=10_000)
    chunks = (iter_layer(tmp_path / "p.parquet", chunk_features=10_000, what="points") if reader == "points"
              else iter_records(tmp_path / "p.parquet", chunk_rows=10_000))
    held = []
    for chunk in chunks:
        held.append(pa.total_allocated_bytes())
        del chunk
    assert len(held) == 20
    assert max(held) < (tmp_path / "p.parquet").stat().st_size / 2  # a batch's worth, not the file's row groups
