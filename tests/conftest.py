"""Shared fixtures: run the CLI in-process and capture its output."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from haiha_geo.cli import main


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
