"""The land-law and QCVN vocabularies of :mod:`haiha_geo.land_codes`: hierarchy, colours, legacy codes, look-ups."""

from __future__ import annotations

import pytest

from haiha_geo import land_codes
from haiha_geo.errors import OptionError
from haiha_geo.zoning.categories import classify, landlaw_categories, load_categories

#: Codes a commune plan of the 2024 law uses (issue 19), with their group.
PLAN_CODES = {"ONT": "PNN", "DGT": "PNN", "CLN": "NNP", "TMD": "PNN", "LUC": "NNP", "DTL": "PNN", "NTS": "NNP",
              "DGD": "PNN", "DYT": "PNN", "SKC": "PNN", "BCS": "CSD", "CNT": "NNP"}


def test_the_land_law_list_has_three_groups_and_parents_before_children():
    law = land_codes.codes()
    assert [c.code for c in law.values() if c.parent is None] == ["NNP", "PNN", "CSD"]
    seen = set()
    for entry in law.values():
        assert entry.parent is None or entry.parent in seen, entry.code
        seen.add(entry.code)
        assert entry.level == (1 if entry.parent is None else law[entry.parent].level + 1)


@pytest.mark.parametrize(("code", "group"), PLAN_CODES.items())
def test_plan_codes_are_known_with_group_name_and_a_fill_to_draw(code, group):
    entry = land_codes.lookup(code)
    assert entry.group == group and entry.name_vi.startswith(("Đất", "Núi"))
    rgb, giver = land_codes.colour(code)
    assert rgb is not None and land_codes.codes()[giver].rgb == rgb


@pytest.mark.parametrize(("code", "rgb"), [("LUC", (255, 252, 140)), ("ONT", (255, 208, 255)),
                                           ("DGT", (255, 170, 50)), ("NTS", (170, 255, 255)),
                                           ("CLN", (255, 210, 160)), ("NTD", (210, 210, 210))])
def test_fills_agreed_by_the_public_tables(code, rgb):
    entry = land_codes.lookup(code)
    assert entry.rgb == rgb and entry.rgb_confidence == "C2" and len(entry.rgb_source.split(";")) >= 2


def test_a_colour_the_sources_disagree_on_stays_empty_and_the_type_colour_is_used():
    tmd = land_codes.lookup("TMD")
    assert tmd.rgb is None and tmd.rgb_source is None and "disagree" in tmd.note
    assert land_codes.colour("TMD") == ((255, 160, 170), "CSK")
    assert land_codes.colour("XYZ") == (None, None)


def test_every_fill_has_its_sources_and_tag_and_no_tag_without_a_fill():
    for entry in land_codes.codes().values():
        assert (entry.rgb is None) == (entry.rgb_source is None) == (entry.rgb_confidence is None), entry.code
        assert entry.confidence in land_codes.CONFIDENCE and entry.source, entry.code


def test_legacy_codes_map_to_current_codes_and_are_not_current():
    law, old = land_codes.codes(), land_codes.legacy_codes()
    assert not set(old) & set(law)
    assert all(entry.current in law and entry.confidence in land_codes.CONFIDENCE for entry in old.values())
    assert {"LUN", "BHK", "DDT", "DHT", "CTS"} <= set(old)


@pytest.mark.parametrize(("code", "expected"), [("LUN", "LUK"), ("ddt", "DDD"), ("ONT", "ONT"), (" LNQ ", "CLN")])
def test_resolve_gives_the_current_code(code, expected):
    assert land_codes.resolve(code)[0].code == expected


@pytest.mark.parametrize(("code", "systems", "expected"), [("ONTT", ("landlaw",), ["ONT"]),
                                                           ("OTD", ("landlaw",), ["ODT"]),
                                                           ("NO-MM", ("qcvn",), ["NO-M"]),
                                                           ("ZZZZ", land_codes.SYSTEMS, [])])
def test_nearest_suggests_codes_spelled_alike(code, systems, expected):
    assert land_codes.nearest(code, systems)[:len(expected)] == expected


@pytest.mark.parametrize(("values", "system"), [(["ONT", "DGT", "LUN"], "landlaw"), (["DXD", "NO-M"], "qcvn"),
                                                (["CSD"], "qcvn"), (["BCS", "CSD"], "landlaw"), ([], "qcvn"),
                                                (["abc"], "qcvn")])
def test_detect_system(values, system):
    assert land_codes.detect_system(values) == system


def test_an_unknown_system_is_a_typed_error():
    with pytest.raises(OptionError, match="landlaw, qcvn"):
        land_codes.codes("vn2000")
    with pytest.raises(OptionError, match="auto, landlaw, qcvn"):
        classify(["ONT"], "landlow")


def test_the_qcvn_vocabulary_is_the_category_file():
    qcvn = land_codes.codes("qcvn")
    cats = load_categories().set_index("code")
    assert list(qcvn) == list(cats.index)
    assert qcvn["CX-DVO"].hex == cats.loc["CX-DVO", "colour"] and qcvn["CX-DVO"].group == "DXD"


def test_the_qcvn_groups_place_each_land_law_code_once():
    law, placed = land_codes.codes(), []
    for listed in load_categories()["landlaw_codes"]:
        placed += [code for code in listed.split(";") if code]
    assert set(placed) <= set(law) and len(placed) == len(set(placed))
    assert {"ONT", "DGT", "CLN", "LUC", "SKC", "NTS"} <= set(placed)


def test_landlaw_categories_frame_matches_the_vocabulary():
    frame = landlaw_categories().set_index("code")
    assert list(frame.index) == list(land_codes.codes())
    assert frame.loc["TMD", "colour"] == "" and frame.loc["ONT", "colour"] == "#ffd0ff"
