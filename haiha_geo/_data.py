"""Locate and read the authored data files (``boundaries/``, ``layers/``, ``maps/``).

From a source checkout they sit at the repository root; in an installed wheel
they are packaged under ``haiha_geo/_authored/``. This is the one helper every
module uses to read them.
"""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_FOLDERS = ("boundaries", "layers", "maps")


@cache
def authored_dir(folder: str) -> Path:
    """Return the directory holding the authored ``folder`` (one of boundaries, layers, maps)."""
    if folder not in _FOLDERS:
        raise ValueError(f"unknown authored folder {folder!r}; expected one of {_FOLDERS}")
    for candidate in (_PACKAGE / "_authored" / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"authored folder {folder!r} not found next to {_PACKAGE}")


def authored_path(folder: str, name: str) -> Path:
    """Return the path of authored file ``name`` in ``folder``."""
    return authored_dir(folder) / name


@cache
def read_csv(folder: str, name: str) -> tuple[dict[str, str], ...]:
    """Read an authored CSV file as a tuple of row dicts (strings; empty cell = '')."""
    with authored_path(folder, name).open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@cache
def read_toml(folder: str, name: str) -> dict:
    """Read an authored TOML file."""
    with authored_path(folder, name).open("rb") as fh:
        return tomllib.load(fh)
