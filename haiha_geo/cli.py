"""The ``haiha-geo`` command.

Core subcommands live here; feature modules (maps, sites, zoning, …) each add
theirs through a ``register_cli(subparsers)`` function listed in
:data:`FEATURE_MODULES`. Every subcommand sets ``func(args) -> int``.

Bad input ends with a one-line message on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import pandas as pd

from haiha_geo import __version__
from haiha_geo._output import render
from haiha_geo.errors import HaihaGeoError
from haiha_geo.io import write_atomic

#: Modules that contribute subcommands through ``register_cli(subparsers)``.
FEATURE_MODULES: tuple[str, ...] = ()


def emit(frame: pd.DataFrame | str, fmt: str | None = None, out: str | Path | None = None) -> None:
    """Print ``frame`` rendered as ``fmt`` (or a ready string), or write it atomically to ``out``."""
    text = frame if isinstance(frame, str) else render(frame, fmt or "table")
    if out:
        write_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...], default: str = "table") -> None:
    """Add the common ``--format`` option."""
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with core and feature subcommands."""
    parser = argparse.ArgumentParser(prog="haiha-geo", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"haiha-geo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _register_core(sub)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register_cli(sub)
    return parser


def _register_core(sub) -> None:
    """Core subcommands (units, lineage, crosswalk, lookup, stats, transform, validate)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``haiha-geo`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HaihaGeoError as exc:
        print(f"haiha-geo: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
