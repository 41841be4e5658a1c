"""The on-disk cache (haiha_geo.disk_cache) and the commands it serves: keys, damaged entries, concurrent runs.

Every test uses a cache folder of its own (``HAIHA_GEO_CACHE`` in ``tmp_path``), never the user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import shapely

from haiha_geo import clear_caches, disk_cache, eras, sources
from haiha_geo.cli.cache import size_text

QUERIES = [["units", "--era", "2025", "--format", "csv"], ["stats", "--era", "2019", "--format", "json"],
           ["crosswalk", "--from", "2019", "--to", "2025"], ["lineage", "--format", "md"],
           ["lookup", "Quảng Long", "--era", "2025"]]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(disk_cache.CACHE_ENV_VAR, str(folder))
    return folder


def entries(folder: Path, kind: str = "") -> list[Path]:
    """The entries in ``folder`` (of the command ``kind``; the era model has entries of its own)."""
    return sorted(p for p in folder.glob(f"{kind}*{disk_cache.SUFFIX}") if not p.name.startswith("model-"))


def run(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "haiha_geo", *argv], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.mark.parametrize("argv", QUERIES, ids=" ".join)
def test_a_warm_run_prints_what_a_run_without_cache_prints(cli, cache, argv):
    fresh = cli("--no-cache", *argv)
    assert fresh.code == 0 and not cache.exists()  # --no-cache writes nothing
    cold, warm = cli(*argv), cli(*argv)
    assert cold.out == warm.out == fresh.out and cold.code == warm.code == 0
    assert len(entries(cache)) == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_no_cache_is_taken_before_or_after_the_command(cli, cache, where):
    argv = ["lineage", "--format", "csv"]
    done = cli("--no-cache", *argv) if where == "before" else cli(*argv, "--no-cache")
    assert done.code == 0 and done.out.startswith("act,") and not cache.exists()


def test_a_warm_workbook_has_the_bytes_of_a_fresh_one(cli, cache, tmp_path):
    books = [tmp_path / f"{name}.xlsx" for name in ("fresh", "cold", "warm")]
    assert cli("--no-cache", "stats", "--era", "2020", "--format", "xlsx", "--out", str(books[0])).code == 0
    for book in books[1:]:
        assert cli("stats", "--era", "2020", "--format", "xlsx", "--out", str(book)).code == 0
    assert books[0].read_bytes() == books[1].read_bytes() == books[2].read_bytes()
    assert books[0].read_bytes().startswith(b"PK") and len(entries(cache)) == 1


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "foreign header", "longer"])
def test_a_damaged_entry_is_rebuilt_never_used(cli, cache, damage):
    argv = ["stats", "--era", "2025", "--format", "csv"]
    expected = cli(*argv).out
    [entry] = entries(cache)
    data = entry.read_bytes()
    entry.write_bytes({"truncated": data[:-40], "flipped byte": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
                       "empty": b"", "foreign header": b"PK\x03\x04" + data[4:], "longer": data + b"0\n"}[damage])
    again = cli(*argv)
    assert again.code == 0 and again.out == expected
    assert entry.read_bytes() == data  # rebuilt whole


def test_a_planted_entry_is_served_and_no_cache_ignores_it(cli, cache):
    argv = ["lineage", "--format", "csv"]
    real = cli(*argv).out
    [entry] = entries(cache)
    kind, key = entry.stem.split("-", 1)
    disk_cache.store(kind, key, b"planted\n")
    assert cli(*argv).out == "planted\n"  # the key names the entry: nothing else is looked at
    assert cli("--no-cache", *argv).out == real


def test_concurrent_runs_agree_and_leave_one_whole_entry(cache):
    argv = ["units", "--era", "2020", "--format", "json"]
    procs = [subprocess.Popen([sys.executable, "-m", "haiha_geo", *argv], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    [entry] = entries(cache)
    assert not list(cache.glob(".tmp-*")) and len(list(cache.glob("model-*"))) == 1  # no temporary file left
    assert disk_cache._unpack(entry.read_bytes()) == results[0][0].encode()
    readers = [subprocess.Popen([sys.executable, "-m", "haiha_geo", *argv], stdout=subprocess.PIPE, text=True)
               for _ in range(4)]
    assert {r.communicate(timeout=600)[0] for r in readers} == {results[0][0]}


def test_another_registry_gets_its_own_entries(cli, cache, tmp_path, monkeypatch):
    before = cli("lineage", "--format", "csv").out
    folder = tmp_path / "registry"
    shutil.copytree(Path(__file__).resolve().parents[1] / "boundaries", folder / "boundaries")
    units = folder / "boundaries" / "units.csv"
    units.write_text(units.read_text(encoding="utf-8").replace("Cái Chiên", "Cái Chiên Mới"), encoding="utf-8")
    monkeypatch.setenv("HAIHA_GEO_REGISTRY", str(folder))
    after = cli("lineage", "--format", "csv").out
    assert "Cái Chiên Mới" in after and "Cái Chiên Mới" not in before and len(entries(cache)) == 2


def test_an_altered_reference_file_is_refused_not_answered_from_the_cache(cache, tmp_path):
    data = tmp_path / "sources"
    shutil.copytree(sources.data_dir().path, data)
    env = {sources.ENV_VAR: str(data)}
    assert run("stats", "--era", "2025", env=env).returncode == 0 and len(entries(cache)) == 1
    altered = data / "gadm41" / "haiha_communes.geojson"
    altered.chmod(0o644)
    with altered.open("a") as fh:
        fh.write(" ")
    refused = run("stats", "--era", "2025", env=env)
    assert refused.returncode == 2 and "does not match its pinned checksum" in refused.stderr


def test_an_unwritable_cache_folder_only_makes_runs_slower(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = run("units", "--era", "2025", "--format", "csv", env={disk_cache.CACHE_ENV_VAR: str(blocker / "cache")})
    assert done.returncode == 0 and done.stdout.startswith("unit_id,") and done.stderr == ""


def test_cache_info_and_clear_touch_only_the_cache_entries(cli, cache):
    cli("lineage")
    cli("units", "--era", "2025")
    (cache / "notes.txt").write_text("the user's own file")
    kept = list(cache.glob(f"*{disk_cache.SUFFIX}"))  # with the era model's, when this process built it
    shown = cli("cache", "info").out.splitlines()
    assert shown == [f"Thư mục bộ nhớ đệm: {cache} (HAIHA_GEO_CACHE)", f"Số mục: {len(kept)}",
                     f"Dung lượng: {size_text(sum(p.stat().st_size for p in kept))}"]
    assert cli("cache", "clear", "--lang", "en").out == f"Removed {len(kept)} entries from {cache}\n"
    assert not list(cache.glob(f"*{disk_cache.SUFFIX}")) and (cache / "notes.txt").exists()
    assert cli("cache", "info", "--lang", "en").out.splitlines()[1:] == ["Entries: 0", "Size: 0 B"]


def test_the_era_model_read_back_is_the_one_built(cache, monkeypatch):
    try:
        disk_cache.set_enabled(False)
        clear_caches()
        fresh = eras.model()
        disk_cache.set_enabled(True)
        clear_caches()
        built = eras.model()
        monkeypatch.setattr(eras, "_clean_base", lambda source: pytest.fail("the coverage was cleaned again"))
        clear_caches()
        read = eras.model()
    finally:
        disk_cache.set_enabled(True)
        clear_caches()
    assert len(list(cache.glob("model-*"))) == 1
    for m in (built, read):
        assert list(m.atoms.columns) == list(fresh.atoms.columns) and m.atoms.crs == fresh.atoms.crs
        assert list(shapely.to_wkb(m.atoms.geometry.values)) == list(shapely.to_wkb(fresh.atoms.geometry.values))
        pd.testing.assert_frame_equal(m.atoms.drop(columns="geometry"), fresh.atoms.drop(columns="geometry"))
        pd.testing.assert_frame_equal(m.split, fresh.split)
        assert m.cleaning == fresh.cleaning and m.source == fresh.source


@pytest.mark.parametrize("how", ["env", "config", "xdg", "home"])
def test_the_cache_folder_follows_the_settings(how, tmp_path, monkeypatch):
    for name in (disk_cache.CACHE_ENV_VAR, "XDG_CACHE_HOME", sources.CONFIG_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if how == "env":
        monkeypatch.setenv(disk_cache.CACHE_ENV_VAR, str(tmp_path / "env"))
    elif how == "config":
        (tmp_path / "haiha-geo.toml").write_text('cache_dir = "from-config"\n')
    elif how == "xdg":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = {"env": tmp_path / "env", "config": tmp_path / "from-config", "xdg": tmp_path / "xdg" / "haiha-geo",
                "home": tmp_path / "home" / ".cache" / "haiha-geo"}[how]
    assert disk_cache.cache_dir().path == expected


@pytest.mark.parametrize("size, lang, text", [(0, "vi", "0 B"), (999, "en", "999 B"), (1536, "vi", "1,5 kB"),
                                              (1_234_567_890, "vi", "1.234,6 MB"), (1_234_567_890, "en", "1,234.6 MB")])
def test_sizes_are_written_in_the_language_of_the_lines(size, lang, text):
    assert size_text(size, lang) == text
