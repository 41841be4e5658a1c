"""The user's settings file, ``haiha-geo.toml``.

Looked up, in order: the file named by ``HAIHA_GEO_CONFIG``; ``./haiha-geo.toml``;
``~/.config/haiha-geo/haiha-geo.toml``. Keys: ``data_dir`` (the reference
boundary files, see :mod:`haiha_geo.sources`), ``registry_dir`` (a folder of
authored files replacing the shipped ones, see :mod:`haiha_geo.authored`),
``place`` (a shipped place, such as ``quang-ninh``) and ``cache_dir`` (see
:mod:`haiha_geo.disk_cache`). A relative path is taken relative to the file
that gives it. The file is UTF-8 (another encoding is
refused, named) and each key a text in quotes.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from haiha_geo.errors import DataDirError
from haiha_geo.textfile import decode, forbidden_character

CONFIG_ENV_VAR = "HAIHA_GEO_CONFIG"
CONFIG_NAME = "haiha-geo.toml"
#: The keys of this module with an example value, checked in every settings file read (whichever key is asked for).
TEXT_KEYS = {"data_dir": ("a path", "/data/haiha"), "registry_dir": ("a path", "/data/my-registry"),
             "cache_dir": ("a path", "~/.cache/haiha-geo"), "place": ("a place name", "quang-ninh")}


def config_files() -> list[Path]:
    """The settings files looked at, in order."""
    if os.environ.get(CONFIG_ENV_VAR):
        return [Path(os.environ[CONFIG_ENV_VAR]).expanduser()]
    return [Path.cwd() / CONFIG_NAME, Path.home() / ".config" / "haiha-geo" / CONFIG_NAME]


def setting(key: str) -> tuple[Path, Path] | None:
    """``(path, settings file)`` of the first settings file that gives ``key``, or ``None``.

    Raises
    ------
    DataDirError
        The file named by ``HAIHA_GEO_CONFIG`` does not exist or is a folder; a settings file cannot be
        read, is not UTF-8 or not valid TOML; the key's value is not a path in quotes.
    """
    found = text_setting(key)
    if found is None:
        return None
    path = Path(found[0]).expanduser()
    return (path if path.is_absolute() else found[1].parent / path), found[1]


def text_setting(key: str) -> tuple[str, Path] | None:
    """``(value, settings file)`` of the first settings file that gives ``key`` (a non-empty text), or ``None``.

    Raises
    ------
    DataDirError
        The file named by ``HAIHA_GEO_CONFIG`` does not exist or is a folder; a settings file cannot be
        read, is not UTF-8 or not valid TOML; a key's value is not text in quotes.
    """
    for cfg in config_files():
        if not cfg.is_file():
            if os.environ.get(CONFIG_ENV_VAR):
                state = "is a folder, not a file" if cfg.is_dir() else "does not exist"
                raise DataDirError(f"config file {cfg} named by {CONFIG_ENV_VAR} {state}; name a {CONFIG_NAME} "
                                   "file, or unset it")
            continue
        settings = _settings(cfg)
        for name in TEXT_KEYS:
            value = settings.get(name)
            if value is not None and (not isinstance(value, str) or not value.strip() or forbidden_character(value)):
                kind, example = TEXT_KEYS[name]
                raise DataDirError(f"config file {cfg}: {name} must be {kind} in quotes, e.g. {name} = "
                                   f"\"{example}\", not {value!r}")
        if settings.get(key) is None:
            continue
        return settings[key], cfg
    return None


def _settings(cfg: Path) -> dict:
    try:
        text = decode(cfg.read_bytes(), str(cfg))
        return tomllib.loads(text)
    except OSError as exc:
        raise DataDirError(f"config file {cfg} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataDirError(f"config file {cfg} is not valid TOML: {exc}") from None
    except ValueError as exc:  # not UTF-8: the message names the encoding and the conversion
        raise DataDirError(str(exc)) from None
