import pytest

CODES_2025 = ["06922", "06946", "06931", "06967"]


@pytest.mark.parametrize("era,n", [("2019", 16), ("2020", 11), ("2025", 4)])
def test_units_json(cli, era, n):
    run = cli("units", "--era", era, "--format", "json")
    rows = run.json()
    assert run.code == 0 and len(rows) == n
    assert set(rows[0]) == {"unit_id", "code", "name", "type", "era", "valid_from", "valid_to", "area_ha",
                            "official_area_ha"}


def test_units_by_date_and_csv(cli):
    run = cli("units", "--date", "2025-07-01", "--format", "csv")
    lines = run.out.strip().splitlines()
    assert run.code == 0 and len(lines) == 5 and [line.split(",")[1] for line in lines[1:]] == CODES_2025


def test_crosswalk_json_shape(cli):
    rows = cli("crosswalk", "--from", "2019", "--to", "2025", "--format", "json").json()
    assert set(rows[0]) == {"from_code", "from_name", "to_code", "to_name", "share", "split"}
    long = [r for r in rows if r["from_name"] == "Quảng Long"]
    assert len(long) == 2 and all(r["split"] and 0 < r["share"] < 1 for r in long)


def test_lookup_json(cli):
    payload = cli("lookup", "QuảngĐiền", "--era", "2025", "--format", "json").json()
    assert payload == {"query": "QuảngĐiền",
                       "matches": [{"era": "2019", "code": "06961", "name": "Quảng Điền", "type": "xã",
                                    "district": "Hải Hà"}],
                       "in_era": [{"code": "06922", "name": "Quảng Hà", "share": 1.0}]}


def test_lookup_table_lists_successors(cli):
    run = cli("lookup", "Quang Long", "--era", "2025")
    assert run.code == 0 and "Đường Hoa" in run.out and "Thuộc đơn vị hành chính (từ 01/07/2025)" in run.out


def test_lookup_speaks_vietnamese_unless_asked(cli):
    """The look-up printed English headers (``era code name type``, ``share``) on a Vietnamese toolkit."""
    vi = cli("lookup", "Dai Dien Nam", "--era", "2025").out
    assert "Thời kỳ  Mã ĐVHC  Tên đơn vị  Loại" in vi and "Tỷ lệ diện tích" in vi and "100,00%" in vi
    assert not any(word in vi.split() for word in ("era", "code", "name", "type", "share"))
    en = cli("lookup", "Dai Dien Nam", "--era", "2025", "--lang", "en").out
    assert "Era   Code   Unit        Type" in en and "commune" in en and "Thời kỳ" not in en


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_stats_formats(cli, fmt):
    run = cli("stats", "--era", "2025", "--format", fmt)
    assert run.code == 0 and "Cái Chiên" in run.out


def test_stats_out_is_written_atomically(cli, tmp_path):
    out = tmp_path / "stats.md"
    run = cli("stats", "--era", "2020", "--format", "md", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert run.code == 0 and text.startswith("**Thống kê diện tích") and "| STT | Mã ĐVHC | Tên đơn vị |" in text
    assert [p.name for p in tmp_path.iterdir()] == ["stats.md"]


def test_transform_both_ways(cli):
    assert cli("transform", "107.7525", "21.45167", "--from", "EPSG:4326", "--to", "EPSG:5899").out.strip() == \
        "500064.012 2372959.797"
    lon, lat = map(float, cli("transform", "500064.012", "2372959.797", "--from", "EPSG:5899",
                              "--to", "EPSG:4326").out.split())
    assert abs(lon - 107.7525) < 1e-7 and abs(lat - 21.45167) < 1e-7


def test_lineage_json(cli):
    rows = cli("lineage", "--format", "json").json()
    assert len(rows) == 28 and {r["act"] for r in rows} == {"837/NQ-UBTVQH14", "1679/NQ-UBTVQH15"}


def test_validate_passes(cli):
    run = cli("validate")
    assert run.code == 0 and "0 failed" in run.out


@pytest.mark.parametrize("args,message", [
    (("lookup", "Hà Nội"), "no unit named"),
    (("units",), "give --era"),
    (("units", "--date", "1990-01-01"), "no era covers 1990-01-01"),
    (("transform", "1", "2", "--from", "EPSG:3857"), "EPSG:4326 ↔ EPSG:5899"),
    (("stats", "--era", "2025", "--out", "/nonexistent/dir/x.md"), "does not exist"),
])
def test_bad_input_exits_2_without_traceback(cli, args, message):
    run = cli(*args)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err and run.out == ""


def test_unknown_choice_is_a_usage_error(cli):
    run = cli("units", "--era", "2030")
    assert run.code == 2 and "invalid choice" in run.err


def test_validate_exits_1_when_a_check_fails(cli, monkeypatch):
    from haiha_geo import authored_checks

    found = (authored_checks.Problem("registry and lineage", "2019/06946 has no successor in era 2020"),)
    monkeypatch.setattr(authored_checks, "problems", lambda: found)
    run = cli("validate")
    assert run.code == 1 and "[FAIL] registry and lineage: 2019/06946 has no successor" in run.out
