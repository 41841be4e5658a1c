"""Shared fixtures: run the CLI in-process and capture its output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest

from haiha_geo.cli import main
from haiha_geo.disk_cache import CACHE_ENV_VAR


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """The on-disk cache of every test (and of the commands they start) is a temporary folder, never the user's."""
    before = os.environ.get(CACHE_ENV_VAR)
    os.environ[CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ[CACHE_ENV_VAR]
    else:
        os.environ[CACHE_ENV_VAR] = before


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Call ``haiha-geo ARGS...`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> Run:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
