"""numpydoc validation of the public API: every name haiha_geo exports (checks in pyproject.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from numpydoc.validate import validate

import haiha_geo

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
CHECKS = CONFIG["tool"]["numpydoc_validation"]["checks"]
SKIPPED = set(CHECKS[1:]) if CHECKS[0] == "all" else set()
PUBLIC = [name for name in haiha_geo.__all__ if name != "__version__"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_docstring_follows_numpydoc(name):
    obj = getattr(haiha_geo, name)
    errors = [f"{code}: {message}" for code, message in validate(f"{obj.__module__}.{obj.__qualname__}")["errors"]
              if code not in SKIPPED]
    assert errors == [], f"haiha_geo.{name}: " + "; ".join(errors)
