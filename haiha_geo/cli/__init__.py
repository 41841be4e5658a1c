"""The ``haiha-geo`` command: the only place that knows argparse, output formats and exit codes.

Each module of this package adds the subcommands of one part of the toolkit
(:data:`COMMANDS`) and calls the library to do the work; :mod:`.output` writes
every format. Building the parser loads nothing heavy (``--version`` and
``--help`` start fast): a command imports the library modules it needs when it
runs.

Bad input ends with a one-line message on stderr and exit status 2, never a
traceback, from the first line of :func:`main` (the authored files are checked
before the parser is built, since its era choices come from them); an
unexpected error with one line, status 1 and a hint to rerun with ``--debug``
(or ``HAIHA_GEO_DEBUG=1``) for the traceback; Ctrl-C with status 130 and no
partial output.
"""

from __future__ import annotations

import argparse
import os
import sys

import haiha_geo.cli.cache as cache
import haiha_geo.cli.core as core
import haiha_geo.cli.exchange as exchange
import haiha_geo.cli.layers as layers
import haiha_geo.cli.maps as maps
import haiha_geo.cli.printing as printing
import haiha_geo.cli.records as records
import haiha_geo.cli.zoning as zoning
from haiha_geo import authored_checks, disk_cache
from haiha_geo._version import __version__
from haiha_geo.authored import DEFAULT_PLACE, places, set_place
from haiha_geo.cli.output import input_paths
from haiha_geo.errors import HaihaGeoError, OptionError
from haiha_geo.io import check_output
from haiha_geo.textfile import visible
from haiha_geo.values import positive_number

#: Set to 1 (or pass ``--debug``) to see the traceback of an unexpected error instead of its one line.
DEBUG_ENV_VAR = "HAIHA_GEO_DEBUG"

#: The modules that add subcommands, in the order ``--help`` lists them (each has ``register(subparsers)``).
COMMANDS = (core, records, layers, zoning, maps, printing, exchange, cache)

#: Options that take a CRS (argparse ``dest`` → flag), checked before any work.
CRS_OPTIONS: dict[str, str] = {"crs": "--crs", "src": "--from", "dst": "--to"}
#: Options that take a positive finite number: ``dest`` → (flag, whole number?, unit, example); checked before any work.
POSITIVE_OPTIONS: dict[str, tuple[str, bool, str | None, int]] = {
    "population": ("--population", True, "people", 25000), "scale": ("--scale", True, None, 2000),
    "tolerance": ("--tolerance", False, "metres", 20), "dpi": ("--dpi", True, None, 300)}


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``haiha-geo: error: …``) and exit status 2.

    Every command takes ``--no-cache`` (before or after its name).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS,
                          help="neither read nor write the on-disk cache of era tables (see `haiha-geo cache info`)")

    def error(self, message: str):
        self.exit(2, f"haiha-geo: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = Parser(prog="haiha-geo", description="Era-aware planning toolkit for Hải Hà (Quảng Ninh, Vietnam).")
    parser.add_argument("--version", action="version", version=f"haiha-geo {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help=f"show the traceback of an unexpected error (or set {DEBUG_ENV_VAR}=1)")
    parser.add_argument("--place", choices=places(), metavar="PLACE",
                        help=f"the shipped place to work with: {', '.join(places())} (default {DEFAULT_PLACE}; "
                             "also HAIHA_GEO_PLACE or place in haiha-geo.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        module.register(sub)
    return parser


def check_options(args: argparse.Namespace) -> None:
    """Check, before any work, every CRS option (:data:`CRS_OPTIONS`) and positive number (:data:`POSITIVE_OPTIONS`).

    Raises
    ------
    CRSError, OptionError
    """
    given = {flag: getattr(args, dest) for dest, flag in CRS_OPTIONS.items() if getattr(args, dest, None) is not None}
    if given:
        from haiha_geo.crs import parse_crs  # pyproj and geopandas: loaded only when a CRS is given

        for flag, value in given.items():
            parse_crs(value, flag)
    for dest, (flag, integer, unit, example) in POSITIVE_OPTIONS.items():
        if getattr(args, dest, None) is not None:
            setattr(args, dest, positive_number(getattr(args, dest), flag, integer=integer, unit=unit, example=example))


def select_place(argv: list[str] | None) -> list[str]:
    """Apply ``--place NAME`` before the parser is built (the eras and units it offers are the place's).

    Returns the other arguments.
    """
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--place")
    known, rest = pre.parse_known_args(argv)
    if known.place and known.place not in places():
        raise OptionError(f"unknown place {known.place!r} in --place; the places are {', '.join(places())}")
    if known.place:
        set_place(known.place)
    return rest


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``haiha-geo`` console script; returns the exit status.

    Errors a user can cause (every :class:`~haiha_geo.errors.HaihaGeoError`,
    raised wherever: settings, authored files, parser set-up, the command) end
    with one line on stderr and status 2; an unexpected error with one line and
    status 1 (``--debug`` anywhere in the arguments, or ``HAIHA_GEO_DEBUG=1``,
    shows its traceback); Ctrl-C with status 130 and no partial output.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get(DEBUG_ENV_VAR, "") not in ("", "0")
    try:
        return _run([a for a in argv if a != "--debug"])
    except HaihaGeoError as exc:
        print(f"haiha-geo: error: {visible(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("haiha-geo: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        print(f"haiha-geo: internal error: {type(exc).__name__}: {visible(str(exc))} (rerun with --debug, or "
              f"{DEBUG_ENV_VAR}=1, for the traceback, and report it)", file=sys.stderr)
        return 1


def _run(argv: list[str]) -> int:
    if argv[:1] == ["--version"]:  # the version needs no data
        print(f"haiha-geo {__version__}")
        return 0
    rest = select_place(argv)  # before the checks and the parser: they are the place's
    found = authored_checks.problems()
    if found and next((a for a in rest if not a.startswith("-")), None) == "validate":
        sys.stdout.write(authored_checks.authored_report().to_text())  # one line per check, every problem
        return 1
    authored_checks.check()
    args = build_parser().parse_args(argv)
    disk_cache.set_enabled(not getattr(args, "no_cache", False))
    check_options(args)
    if getattr(args, "format", None) in ("xlsx", "docx") and not getattr(args, "out", None):
        raise OptionError(f"--format {args.format} writes a binary file: give --out FILE.{args.format}")
    if getattr(args, "out", None):  # before any work: a bad destination fails at once
        check_output(args.out, input_paths(args))
    return int(args.func(args) or 0)
