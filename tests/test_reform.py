"""A hypothetical future reform, added as data only.

A copy of the shipped ``boundaries/`` gains an era 2030 in which xã Cái Chiên
merges into xã Quảng Đức (an invented act, NQ-TEST-2030). The toolkit is
pointed at the copy through ``HAIHA_GEO_REGISTRY`` alone; no code changes.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

import haiha_geo
from haiha_geo import authored, registry
from haiha_geo.sources import clear_caches

NEW_UNITS = [("06922", "Quảng Hà"), ("06946", "Đường Hoa"), ("06931", "Quảng Đức")]
LINKS = [("2025/06922", "2030/06922", "unchanged"), ("2025/06946", "2030/06946", "unchanged"),
         ("2025/06931", "2030/06931", "continues"), ("2025/06967", "2030/06931", "merged_into")]


def _append(path: Path, rows: list[dict]) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})


def _end_era_2025(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0])
    for row in rows:
        if row["era"] == "2025":
            row["valid_to"], row["ended_by"] = "2029-12-31", "NQTEST2030"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_reform(root: Path) -> Path:
    """Copy the shipped boundaries/ into ``root`` and add era 2030 (data only)."""
    folder = root / "boundaries"
    shutil.copytree(authored.shipped_dir("boundaries"), folder)
    eras = (folder / "eras.toml").read_text(encoding="utf-8")
    eras = eras.replace('valid_from = "2025-07-01"\n', 'valid_from = "2025-07-01"\nvalid_to = "2029-12-31"\n')
    eras += ('\n[[era]]\nid = "2030"\nvalid_from = "2030-01-01"\nfrom_basis = "in_force"\nfrom_confidence = "I"\n'
             'opened_by = "NQTEST2030"\nlabel_vi = "từ 01/01/2030"\nlabel_en = "from 1 Jan 2030"\n'
             'summary_vi = "3 xã (giả định)"\nsummary_en = "3 communes (hypothetical)"\n')
    (folder / "eras.toml").write_text(eras, encoding="utf-8")
    _append(folder / "acts.csv", [{"act_id": "NQTEST2030", "number": "TEST/NQ-2030", "signed": "2029-11-01",
                                   "effective": "2030-01-01", "effective_confidence": "I",
                                   "title": "Nghị quyết giả định (kiểm thử)", "ref_id": "TEST2030"}])
    _append(folder / "references.csv", [{"ref_id": "TEST2030", "title": "Hypothetical act for a test",
                                         "location": "tests/test_reform.py", "notes": "not a real act"}])
    _end_era_2025(folder / "units.csv")
    _append(folder / "units.csv", [{"unit_id": f"2030/{code}", "era": "2030", "code": code, "name": name, "type": "xã",
                                    "valid_from": "2030-01-01", "created_by": "NQTEST2030", "code_ref": "TEST2030"}
                                   for code, name in NEW_UNITS])
    _append(folder / "lineage.csv", [{"act_id": "NQTEST2030", "from_unit_id": a, "to_unit_id": b, "relation": r,
                                      "ref_id": "TEST2030", "confidence": "I"} for a, b, r in LINKS])
    return root


@pytest.fixture
def reform(tmp_path, monkeypatch):
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(make_reform(tmp_path)))
    yield tmp_path
    monkeypatch.delenv(authored.REGISTRY_ENV_VAR)
    clear_caches()


def test_the_override_holds_four_eras(reform):
    assert registry.era_ids() == ("2019", "2020", "2025", "2030")
    assert registry.consistency_problems() == []
    assert registry.era_for_date("2031-05-01") == "2030" and registry.era_for_date("2027-01-01") == "2025"


def test_units_and_area_conserved_across_four_eras(reform):
    totals = [float(haiha_geo.units(e, crs="EPSG:5899").area_ha.sum()) for e in registry.era_ids()]
    assert len(haiha_geo.units("2030")) == 3
    assert np.ptp(totals) / totals[0] < 1e-9


def test_crosswalk_2019_to_2030_keeps_the_split(reform):
    cw = haiha_geo.crosswalk("2019", "2030")
    assert np.allclose(cw.groupby("from_unit_id")["share"].sum(), 1.0, atol=1e-12)
    assert set(cw.loc[cw.from_name == "Quảng Long", "to_name"]) == {"Quảng Hà", "Đường Hoa"}
    assert set(cw.loc[cw.from_name == "Cái Chiên", "to_name"]) == {"Quảng Đức"}


def test_stats_of_the_new_era(reform):
    table = haiha_geo.stats("2030")
    merged = haiha_geo.units("2025", crs="EPSG:5899").set_index("name").area_ha
    qd = float(table.set_index("name").loc["Quảng Đức", "area_ha"])
    assert qd == pytest.approx(float(merged["Quảng Đức"] + merged["Cái Chiên"]), rel=1e-12)


def test_lineage_lists_the_new_act(reform):
    lin = haiha_geo.lineage()
    assert set(lin.loc[lin.act == "TEST/NQ-2030", "to_name"]) == {"Quảng Hà", "Đường Hoa", "Quảng Đức"}


def test_shipped_files_are_untouched_by_the_override(reform):
    assert "2030" not in authored.shipped_dir("boundaries").joinpath("eras.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [["units", "--era", "2030", "--format", "json"], ["lineage", "--format", "json"],
                                  ["crosswalk", "--from", "2019", "--to", "2030", "--format", "json"],
                                  ["stats", "--era", "2030", "--format", "json"], ["units", "--date", "2030-06-01"]])
def test_the_command_line_knows_the_new_era(reform, cli, args):
    run = cli(*args)
    assert run.code == 0 and run.err == ""
    assert "2030" in run.out or "Quảng Đức" in run.out


def test_the_default_map_draws_the_new_era_and_its_merger(reform, cli, tmp_path):
    out = tmp_path / "map.html"
    run = cli("map", "--offline", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert run.code == 0 and '"id":"era2030"' in html and '"id":"merge2030"' in html
    assert "từ 01/01/2030" in html
