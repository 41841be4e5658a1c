"""The eras of boundaries/eras.toml: derived everywhere, validated with the file and key named."""

from __future__ import annotations

import shutil

import pytest

from haiha_geo import authored, timeline
from haiha_geo.errors import RegistryError, UnknownEraError


@pytest.fixture
def registry_copy(tmp_path):
    shutil.copytree(authored.shipped_dir("boundaries"), tmp_path / "boundaries")
    authored.set_registry_dir(tmp_path)
    yield tmp_path / "boundaries"
    authored.set_registry_dir(None)


def test_the_shipped_eras():
    assert timeline.era_ids() == ("2019", "2020", "2025")
    assert [len(s) for s in timeline.steps()] == [2, 2]
    assert timeline.era("2025").split_source == "vn3dmap2025" and timeline.era(2020).from_confidence == "I"


@pytest.mark.parametrize("day,era", [("2020-01-31", "2019"), ("2020-02-01", "2020"), ("2025-06-30", "2020"),
                                     ("2025-07-01", "2025")])
def test_era_boundaries(day, era):
    assert timeline.era_for_date(day) == era


@pytest.mark.parametrize("edit,message", [
    (('valid_to = "2020-01-31"', 'valid_to = "2020-01-30"'), "consecutive eras must touch"),
    (('opened_by = "NQ837"', 'opened_by = "NQ999"'), "opened_by 'NQ999' is not an act_id"),
    (('from_basis = "in_force"', 'from_basis = "rumour"'), "from_basis 'rumour' must be one of"),
    (('valid_from = "2020-02-01"', 'valid_from = "1 Feb 2020"'), "is not an ISO date"),
    (('label_vi = "từ 01/07/2025"\n', ''), "key 'label_vi' must be a non-empty string"),
])
def test_a_broken_eras_file_names_file_era_and_key(registry_copy, edit, message):
    path = registry_copy / "eras.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as caught:
        timeline.eras()
    assert str(path) in str(caught.value)


def test_a_malformed_registry_row_is_named_by_file_row_and_column(registry_copy):
    from haiha_geo import registry

    path = registry_copy / "units.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[10] = "nhiều"  # official_area_ha
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"units\.csv, row 4, column official_area_ha: 'nhiều' is not a number"):
        registry.units_table()


def test_unknown_era_lists_the_eras():
    with pytest.raises(UnknownEraError, match="the eras are 2019, 2020, 2025"):
        timeline.check_era("2021")
