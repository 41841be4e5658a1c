"""Places composed of places (``[[include]]`` in place.toml): every registry row authored once, read in one place.

The province (``places/quang-ninh``) includes the default place, the former Hải Hà district: its rows are read
from ``boundaries/`` and seen through the province's eras. Broken declarations are refused, typed, naming the file.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import shapely

import haiha_geo
from haiha_geo import authored, eras, registry
from haiha_geo.authored import COMPOSED, includes, places, read_csv, read_file
from haiha_geo.authored_checks import authored_report
from haiha_geo.errors import RegistryError
from haiha_geo.sources import data_dir

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = authored.shipped_dir("boundaries")
PROVINCE = ROOT / "places" / "quang-ninh"


@pytest.fixture
def province():
    haiha_geo.set_place("quang-ninh")
    yield
    haiha_geo.set_place(None)


def _root(name: str) -> Path:
    return SHIPPED if name == authored.DEFAULT_PLACE else ROOT / "places" / name / "boundaries"


@pytest.mark.parametrize("name", COMPOSED)
def test_no_registry_row_is_authored_in_two_files(name):
    files = defaultdict(list)
    for place in places():
        for row in read_file(_root(place) / name):
            files[tuple(row.get(c) for c in COMPOSED[name])].append(place)
    assert {key: where for key, where in files.items() if len(where) > 1} == {}


@pytest.mark.parametrize("name", COMPOSED)
def test_the_default_place_is_read_as_authored(name):
    assert includes(SHIPPED) == ()
    assert read_csv("boundaries", name) == read_file(SHIPPED / name)


def test_the_province_sees_hai_ha_through_its_eras(province):
    units = registry.units_table().set_index("unit_id")
    own = {row["unit_id"]: row for row in read_file(SHIPPED / "units.csv")}
    for unit_id, row in own.items():
        era, code = unit_id.split("/")
        seen = ["2020", "2024"] if era == "2020" else [era]  # NQ 1199 changed nothing in Hải Hà
        for number, view in enumerate(seen):
            got = units.loc[f"{view}/{code}"]
            assert (got["name"], got["type"], got["era"]) == (row["name"], row["type"], view)
            assert got["district"] == (None if view == "2025" else "Huyện Hải Hà")
            assert got["created_by"] == (row["created_by"] if number == 0 else "NQ1199")
            assert got["ended_by"] == ("NQ1199" if seen == ["2020", "2024"] and number == 0 else row["ended_by"])
    links = registry.lineage_table()
    unchanged = links[(links["act_id"] == "NQ1199") & links["from_unit_id"].str.removeprefix("2020/").isin(
        [u.removeprefix("2020/") for u in own if u.startswith("2020/")])]
    assert len(unchanged) == 11 and set(unchanged["relation"]) == {"unchanged"}
    assert set(unchanged["ref_id"]) == {"DVHCVN-1199"} and set(unchanged["confidence"]) == {"C2"}
    reform = links[links["to_unit_id"].isin([u for u in own if u.startswith("2025/")])]
    assert len(reform) == 12 and reform["from_unit_id"].str.startswith("2024/").all()


def _build_tool():
    spec = importlib.util.spec_from_file_location("build_province", ROOT / "tools" / "build_province.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_tool_writes_the_province_files(tmp_path):
    """tools/build_province.py, run on the research tables beside the data mirror, writes the shipped files
    (the published figures of units.csv, authored by hand, are kept from the file it replaces)."""
    research = data_dir().path.parents[1] / "research" / "province"
    tool = _build_tool()
    place = tmp_path / "quang-ninh"
    shutil.copytree(PROVINCE, place)
    (place / "boundaries" / "lineage.csv").unlink()
    tool.main([str(research), str(place)])
    for name in ("units.csv", "lineage.csv"):
        assert (place / "boundaries" / name).read_bytes() == (PROVINCE / "boundaries" / name).read_bytes()


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A copy of the province's folder named by HAIHA_GEO_REGISTRY."""
    shutil.copytree(PROVINCE, tmp_path / "reg")
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(tmp_path / "reg"))
    yield tmp_path
    haiha_geo.set_registry_dir(None)


def test_a_copy_of_the_province_includes_the_shipped_district(copy, cli):
    run = cli("units", "--era", "2024", "--format", "json")
    assert run.code == 0, run.err
    assert len(run.json()) == 171


def _declare(text: str):
    def edit(folder: Path) -> None:
        path = folder / "reg" / "boundaries" / "place.toml"
        body = path.read_text(encoding="utf-8")
        path.write_text(body[:body.index("[[include]]")] + text, encoding="utf-8")
    return edit


def _cycle(folder: Path) -> None:
    _declare('[[include]]\nfolder = "../other"\n')(folder)
    shutil.copytree(SHIPPED, folder / "other" / "boundaries")
    with open(folder / "other" / "boundaries" / "place.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[include]]\nfolder = "../reg"\n')


def _stray_era(folder: Path) -> None:
    _declare('[[include]]\nfolder = "../district"\n')(folder)
    shutil.copytree(SHIPPED, folder / "district" / "boundaries")
    units = folder / "district" / "boundaries" / "units.csv"
    text = units.read_text(encoding="utf-8")
    units.write_text(text.replace("2019/06922,2019,", "2019/06922,1999,"), encoding="utf-8")


def _twice(folder: Path) -> None:
    row = (SHIPPED / "units.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    row[5:5] = ["Huyện Hải Hà"]  # the province's district column
    row[6:9] = ["2019-12-01", "2020-01-31", "DM2019"]
    with open(folder / "reg" / "boundaries" / "units.csv", "a", encoding="utf-8") as handle:
        handle.write(",".join(row) + "\n")


BROKEN = {
    "unknown place": (_declare('[[include]]\nplace = "ha-noi"\n'),
                      r"reg/boundaries/place\.toml: include #1: unknown place 'ha-noi'; the places are hai-ha"),
    "missing folder": (_declare('[[include]]\nfolder = "../nowhere"\n'),
                       r"place\.toml: include #1: folder '\.\./nowhere' holds no boundaries/units\.csv"),
    "misspelt key": (_declare('[[include]]\nplace = "hai-ha"\ndistrcit = "Huyện Hải Hà"\n'),
                     r"place\.toml: include #1: needs place = .* \(found distrcit, place\)"),
    "cycle": (_cycle, r"the places include each other in a cycle \(.*reg/boundaries/place\.toml → "
                      r".*other/boundaries/place\.toml → .*reg/boundaries/place\.toml\)"),
    "an included unit of an era its place lacks": (
        _stray_era, r"district/boundaries/units\.csv, row 2: era '1999' is not an era of \S+/district/boundaries/"
                    r"eras\.toml; give the unit one of its eras"),
    "a unit in two places": (_twice, r"^boundaries/units\.csv, row 2: 2019/06922 is also authored in "
                                     r"\S+/reg/boundaries/units\.csv, row 548; author each row in one place only"),
}


@pytest.mark.parametrize(("edit", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_declaration_is_refused_naming_the_file(copy, cli, edit, message):
    edit(copy)
    run = cli("units")
    assert run.code == 2 and run.out == "" and run.err.count("\n") == 1, run
    with pytest.raises(RegistryError, match=message):
        registry.check()
    report = cli("validate")
    failed = [line.split(": ", 1)[1] for line in report.out.splitlines() if line.startswith("[FAIL] ")]
    assert report.code == 1 and any(re.search(message, line) for line in failed), report.out


@pytest.mark.parametrize("place", places()[1:])
def test_a_shipped_place_declares_the_folders_it_borrows(place):
    folder = ROOT / "places" / place
    declared = read_file(folder / "boundaries" / "place.toml").get("inherit", [])
    assert sorted(declared) == sorted(f for f in authored.FOLDERS if not (folder / f).is_dir())


def test_the_province_names_what_it_borrows(province):
    assert authored.inherited() == ("layers",)
    lines = {check.name: check.detail for check in authored_report().checks}
    assert lines["authored files"].endswith("; layers/ inherited from the default place (place.toml inherit)")
    assert lines["registry and lineage"].endswith("; the rows of boundaries/ included (place.toml include)")


def _inherit(text: str):
    def edit(folder: Path) -> None:
        path = folder / "reg" / "boundaries" / "place.toml"
        path.write_text(path.read_text(encoding="utf-8").replace('inherit = ["layers"]', text), encoding="utf-8")
    return edit


def _own_layers(folder: Path) -> None:
    shutil.copytree(authored.shipped_dir("layers"), folder / "reg" / "layers")


INHERIT = {
    "not inherited": (_inherit("inherit = []"), r"place\.toml: the place has no layers/ folder and does not "
                                                r'inherit it; give it its own layers/ or add "layers" to inherit'),
    "not a folder": (_inherit('inherit = ["sites"]'), r"place\.toml: inherit = \['sites'\] must list folders"),
    "inherited and owned": (_own_layers, r"place\.toml: inherit names layers but the place has its own layers/"),
}


@pytest.mark.parametrize(("edit", "message"), INHERIT.values(), ids=INHERIT.keys())
def test_a_folder_is_borrowed_only_as_declared(copy, cli, edit, message):
    edit(copy)
    run = cli("validate")
    assert run.code == 1 and re.search(r"\[FAIL\] authored files: .*" + message, run.out), run.out
    with pytest.raises(RegistryError, match=message):
        authored.authored_files()


INVENTED = ROOT / "tests" / "places"


@pytest.fixture
def invented(monkeypatch):
    """The invented province of tests/places/ (it includes the invented district), with its own polygons."""
    monkeypatch.setenv("HAIHA_GEO_DATA", str(INVENTED / "data"))
    monkeypatch.setenv(authored.REGISTRY_ENV_VAR, str(INVENTED / "tiny-province"))
    haiha_geo.set_registry_dir(None)
    yield
    haiha_geo.set_registry_dir(None)


def test_the_invented_place_collapses_an_era_of_its_district(invented, cli):
    run = cli("units", "--era", "2010", "--format", "json")
    assert run.code == 0, run.err
    assert [u["unit_id"] for u in run.json()] == ["2010/01", "2010/02", "2010/05"]
    units = registry.units_table().set_index("unit_id")
    assert [len(registry.units_table(e)) for e in registry.era_ids()] == [4, 3, 3]
    assert units.loc["2010/01", ["district", "created_by", "ended_by", "valid_from"]].tolist() == [
        "Huyện Nhỏ", "QD2", "QD3", "2010-01-01"]
    assert units.loc["2000/01", "ended_by"] == "QD2" and pd.isna(units.loc["2020/10", "district"])
    links = registry.lineage_table().set_index(["from_unit_id", "to_unit_id"])
    assert links.loc[("2000/02", "2010/02"), ["act_id", "relation", "ref_id"]].tolist() == ["QD2", "unchanged",
                                                                                             "REF-P"]
    assert links.loc[("2010/02", "2020/11"), "relation"] == "split_remainder"


def test_the_invented_place_crosswalk_equals_an_exact_overlay(invented, cli):
    run = cli("crosswalk", "--from", "2000", "--to", "2020", "--format", "json")
    assert run.code == 0, run.err
    walk = {(f"2000/{r['from_code']}", f"2020/{r['to_code']}"): r for r in run.json()}
    old, new = (eras.units(e, crs="EPSG:5899").set_index("unit_id").geometry for e in ("2000", "2020"))
    expected = {(a, b): shapely.intersection(old[a], new[b]).area / old[a].area for a in old.index
                for b in new.index if shapely.intersection(old[a], new[b]).area > 1.0}
    assert set(walk) == set(expected)
    for key, share in expected.items():
        assert walk[key]["share"] == pytest.approx(share, abs=1e-9)
    assert {k for k, r in walk.items() if r["split"]} == {("2000/02", "2020/10"), ("2000/02", "2020/11")}


def test_the_invented_place_validates(invented, cli):
    run = cli("validate")
    assert run.code == 0, run.out
    assert run.out.splitlines()[-1] == "19 checks passed, 0 failed"
    assert "the rows of " in run.out and "tiny-district/boundaries/ included" in run.out


def test_the_invented_place_draws_its_own_map(invented, cli, tmp_path):
    out = tmp_path / "tiny.html"
    run = cli("map", "--offline", "--out", str(out))
    assert run.code == 0, run.err
    page = out.read_text(encoding="utf-8")
    assert "Tỉnh Biển (bịa)" in page and "So sánh trước/sau: 2010 | 2020" in page
    assert all(name in page for name in ("Mười Một", "2010–2019 (3 đơn vị)"))
