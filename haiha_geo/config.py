"""The user's settings file, ``haiha-geo.toml``.

Looked up, in order: the file named by ``HAIHA_GEO_CONFIG``; ``./haiha-geo.toml``;
``~/.config/haiha-geo/haiha-geo.toml``. Keys: ``data_dir`` (the reference
boundary files, see :mod:`haiha_geo.sources`), ``registry_dir`` (a folder of
authored files replacing the shipped ones, see :mod:`haiha_geo.authored`) and
``place`` (a shipped place, such as ``quang-ninh``). A relative path is taken
relative to the file that gives it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from haiha_geo.errors import DataDirError

CONFIG_ENV_VAR = "HAIHA_GEO_CONFIG"
CONFIG_NAME = "haiha-geo.toml"


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
        The file named by ``HAIHA_GEO_CONFIG`` does not exist, or a settings file is not valid TOML.
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
        The file named by ``HAIHA_GEO_CONFIG`` does not exist, a settings file is not valid TOML, or the
        value is not text.
    """
    for cfg in config_files():
        if not cfg.is_file():
            if os.environ.get(CONFIG_ENV_VAR):
                raise DataDirError(f"config file {cfg} named by {CONFIG_ENV_VAR} does not exist")
            continue
        try:
            with cfg.open("rb") as fh:
                value = tomllib.load(fh).get(key)
        except tomllib.TOMLDecodeError as exc:
            raise DataDirError(f"config file {cfg} is not valid TOML: {exc}") from None
        if value:
            if not isinstance(value, str):
                raise DataDirError(f"config file {cfg}: {key} must be text in quotes, for example {key} = \"...\"")
            return value, cfg
    return None
