import hashlib
import shutil

import pytest

from haiha_geo import sources
from haiha_geo.errors import DataDirError


def test_every_catalogued_file_matches_its_checksum():
    for name, info in sources.catalog().items():
        for file in info["files"]:
            path = sources.source_file(name, file)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == info["files"][file]["sha256"]


def test_catalog_records_licence_era_and_fields():
    for info in sources.catalog().values():
        assert info["licence"] and info["upstream"] and info["era"] in ("2019", "2025") and "name" in info["fields"]


def test_env_var_pointing_nowhere_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(sources.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(DataDirError, match="HAIHA_GEO_DATA"):
        sources.data_dir()


def test_missing_file_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(sources.ENV_VAR, str(tmp_path))
    with pytest.raises(DataDirError, match=r"gadm41/haiha_communes.geojson is missing.*HAIHA_GEO_DATA"):
        sources.read_source("gadm41")


def test_altered_file_is_refused(monkeypatch, tmp_path):
    copy = tmp_path / "gadm41"
    copy.mkdir()
    original = sources.source_file("gadm41")
    shutil.copy(original, copy / original.name)
    with (copy / original.name).open("a") as fh:
        fh.write(" ")
    monkeypatch.setenv(sources.ENV_VAR, str(tmp_path))
    with pytest.raises(DataDirError, match="does not match its pinned checksum"):
        sources.read_source("gadm41")


def test_config_file_data_dir(monkeypatch, tmp_path):
    mirror = sources.data_dir().path
    config = tmp_path / "haiha-geo.toml"
    config.write_text(f'data_dir = "{mirror.as_posix()}"\n')
    monkeypatch.delenv(sources.ENV_VAR, raising=False)
    monkeypatch.setenv(sources.CONFIG_ENV_VAR, str(config))
    found = sources.data_dir()
    assert found.path == mirror and str(config) in found.setting


def test_malformed_config_is_a_clear_error(monkeypatch, tmp_path):
    config = tmp_path / "haiha-geo.toml"
    config.write_text("data_dir = [unclosed\n")
    monkeypatch.delenv(sources.ENV_VAR, raising=False)
    monkeypatch.setenv(sources.CONFIG_ENV_VAR, str(config))
    with pytest.raises(DataDirError, match="not valid TOML"):
        sources.data_dir()


def test_cli_without_data_exits_2_without_traceback(cli, monkeypatch, tmp_path):
    monkeypatch.setenv(sources.ENV_VAR, str(tmp_path / "nowhere"))
    run = cli("units", "--era", "2019")
    assert run.code == 2 and "HAIHA_GEO_DATA" in run.err and "Traceback" not in run.err


def test_provenance_lists_every_file_with_sha256():
    rows = sources.provenance()
    assert len(rows) == 12 and all(len(r["sha256"]) == 64 for r in rows)  # 3 sources × 4 files
