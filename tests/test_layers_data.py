"""The authored files in layers/: every record cited, every unit real, every point inside the district."""

from __future__ import annotations

import importlib
import itertools

import pandas as pd
import pytest
import shapely

import haiha_geo
from haiha_geo import registry
from haiha_geo.authored import read_csv, shipped_dir
from haiha_geo.errors import RegistryError
from haiha_geo.ntm import DISTRICT_STATUSES, STATUSES, commune_records, ntm_district, record_problems
from haiha_geo.project_sites import CATEGORIES, known_references, site_problems, site_table, split_ids

sites_module = importlib.import_module("haiha_geo.project_sites")  # the module (the package may re-export the function)

HOST_COLUMNS = {era: f"host_units_{era}" for era in registry.ERAS}


def test_site_records_are_sound():
    assert site_problems() == []


def test_every_site_cites_known_sources():
    refs = known_references()
    for _, row in site_table().iterrows():
        assert split_ids(row["source"]), row["site_id"]
        for column in ("source", "area_source", "status_source", "host_source", "point_source"):
            assert set(split_ids(row[column])) <= refs, (row["site_id"], column)
        if pd.notna(row["area_ha"]):
            assert split_ids(row["area_source"]), f"{row['site_id']}: area without source"
        assert row["category"] in CATEGORIES


def test_every_category_of_the_programme_is_present():
    assert set(site_table()["category"]) == set(CATEGORIES)


@pytest.mark.parametrize("era", registry.ERAS)
def test_host_units_exist_in_their_era(era):
    known = set(registry.units_table(era)["unit_id"])
    for _, row in site_table().iterrows():
        assert set(split_ids(row[HOST_COLUMNS[era]])) <= known, row["site_id"]


def _successors(unit_ids: set[str]) -> set[str]:
    lin = registry.lineage_table()
    return set(lin[lin["from_unit_id"].isin(unit_ids)]["to_unit_id"])


def test_host_units_follow_the_lineage():
    for _, row in site_table().iterrows():
        hosts = [set(split_ids(row[HOST_COLUMNS[e]])) for e in registry.ERAS]
        for older, newer in itertools.pairwise(hosts):
            if older and newer:
                assert newer <= _successors(older), row["site_id"]


def test_cited_points_lie_inside_the_district_and_their_hosts():
    district = haiha_geo.units("2020").union_all()
    table = site_table()
    points = table[table["lon"].notna()]
    assert len(points) >= 1
    for _, row in points.iterrows():
        assert split_ids(row["point_source"]), row["site_id"]
        point = shapely.Point(float(row["lon"]), float(row["lat"]))
        assert district.contains(point), row["site_id"]
        for era, column in HOST_COLUMNS.items():
            hosts = split_ids(row[column])
            if hosts:
                layer = haiha_geo.units(era)
                assert layer[layer.unit_id.isin(hosts)].union_all().contains(point), (row["site_id"], era)


def _patched(monkeypatch, **changes) -> list[str]:
    frame = sites_module._raw_sites().copy()
    for column, value in changes.items():
        frame.loc[0, column] = value
    monkeypatch.setattr(sites_module, "_raw_sites", lambda: frame)
    return site_problems()


@pytest.mark.parametrize("changes, expected", [
    ({"source": None}, "no source"),
    ({"source": "NOT-A-REF"}, "unknown reference 'NOT-A-REF'"),
    ({"area_source": None}, "area_source: no source"),
    ({"host_units_2019": "2019/99999"}, "does not exist in era 2019"),
    ({"host_units_2020": "2019/06925"}, "does not exist in era 2020"),
    ({"lon": "107.7"}, "point_source: no source"),
    ({"category": "airport"}, "unknown category"),
])
def test_site_check_catches_each_fault(monkeypatch, changes, expected):
    problems = _patched(monkeypatch, **changes)
    assert any(expected in p for p in problems), problems


def test_site_table_refuses_a_record_without_source(monkeypatch):
    _patched(monkeypatch, source=None)
    with pytest.raises(RegistryError, match="no source"):
        site_table()


def test_ntm_records_are_sound():
    assert record_problems() == []


@pytest.mark.parametrize("era", ["2019", "2020"])
def test_every_unit_of_2019_and_2020_has_one_ntm_record(era):
    records = commune_records()
    ids = registry.units_table(era)["unit_id"]
    counts = records["unit_id"].value_counts()
    assert all(counts.get(u, 0) == 1 for u in ids)


def test_ntm_records_cite_sources_and_use_known_statuses():
    refs = known_references()
    units = registry.units_table().set_index("unit_id")
    for _, row in commune_records().iterrows():
        assert split_ids(row["ref_id"]) and set(split_ids(row["ref_id"])) <= refs
        assert row["status"] in STATUSES
        assert (row["status"] == "not_applicable") == (units.loc[row["unit_id"], "type"] == "thị trấn")


def test_no_ntm_record_is_invented_for_2025():
    assert not commune_records()["unit_id"].str.startswith("2025/").any()


def test_district_checklist():
    table = ntm_district()
    assert int((table["kind"] == "criterion").sum()) == 9
    assert set(table["status_2019"]) | set(table["status_2020"]) <= set(DISTRICT_STATUSES)
    assert all(split_ids(s) for s in table["source"])
    assert table.set_index("item").loc["R", "act"] == "1896/QĐ-TTg"
    not_met_2019 = table[(table["kind"] == "criterion") & (table["status_2019"] == "not_met")]
    assert list(not_met_2019["item"]) == ["C5"]
    assert "Trung tâm Văn hóa" in not_met_2019["note"].item()


def test_layer_references_are_new_and_complete():
    boundary_ids = {r["ref_id"] for r in read_csv("boundaries", "references.csv")}
    rows = read_csv("layers", "references.csv")
    ids = [r["ref_id"] for r in rows]
    assert len(ids) == len(set(ids)) and not set(ids) & boundary_ids
    assert all(r["title"] and r["location"] for r in rows)


def test_references_table_resolves_every_cited_id():
    from haiha_geo.project_sites import references

    table = references()
    assert table["ref_id"].is_unique and set(table["ref_id"]) == known_references()
    cited = {ref for _, row in site_table().iterrows() for ref in split_ids(row["source"])}
    cited |= {ref for cell in commune_records()["ref_id"] for ref in split_ids(cell)}
    assert cited <= set(table["ref_id"])


#: The code files and, for each, its (sources column, confidence column) pairs: every value cited and tagged.
CODE_FILES = {
    "land_use_codes.csv": [("source", "confidence"), ("rgb_source", "rgb_confidence")],
    "land_use_codes_legacy.csv": [("source", "confidence")],
    "landuse_categories.csv": [("source", "confidence"), ("colour_source", "colour_confidence"),
                               ("norm_source", "norm_confidence"), ("landlaw_source", "landlaw_confidence")],
}


@pytest.mark.parametrize("name", CODE_FILES)
def test_code_files_cite_known_sources_with_a_tag_and_no_prose(name):
    refs = known_references()
    for row in read_csv("layers", name):
        for source, tag in CODE_FILES[name]:
            assert (row[source] is None) == (row[tag] is None), (name, row["code"], source)
            assert row[tag] in (None, "C", "C2", "I"), (name, row["code"], tag, row[tag])
            assert set(split_ids(row[source])) <= refs, (name, row["code"], source, row[source])


def test_a_category_with_a_norm_or_a_mapping_cites_it():
    for row in read_csv("layers", "landuse_categories.csv"):
        if row["min_m2_per_person"] or row["min_share_pct"]:
            assert row["norm_source"] and row["norm_confidence"], row["code"]
        assert bool(row["landlaw_codes"]) == bool(row["landlaw_source"]), row["code"]


def test_code_file_text_is_nfc():
    import unicodedata

    for name in CODE_FILES:
        text = (shipped_dir("layers") / name).read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, name
