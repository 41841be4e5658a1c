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
from haiha_geo.errors import HaihaGeoError, UnknownEraError
from haiha_geo.io import check_output, write_atomic

#: Modules that contribute subcommands through ``register_cli(subparsers)``.
FEATURE_MODULES: tuple[str, ...] = ("haiha_geo.maps", "haiha_geo.sites", "haiha_geo.ntm", "haiha_geo.overlay", "haiha_geo.zoning", "haiha_geo.printing")


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
    era_choices = ("2019", "2020", "2025")
    p = sub.add_parser("units", help="units of an era (or of the era in force on a date)")
    p.add_argument("--era", choices=era_choices)
    p.add_argument("--date", help="YYYY-MM-DD; resolves to its era")
    add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=_units)

    p = sub.add_parser("lineage", help="merges and splits between eras, with their legal acts")
    add_format(p, ("table", "json"))
    p.set_defaults(func=lambda a: emit(_lineage_frame(), a.format))

    p = sub.add_parser("crosswalk", help="area-weighted crosswalk between two eras")
    p.add_argument("--from", dest="from_era", required=True, choices=era_choices)
    p.add_argument("--to", dest="to_era", required=True, choices=era_choices)
    add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=_crosswalk)

    p = sub.add_parser("lookup", help="find a unit by any of its names and follow it into an era")
    p.add_argument("name")
    p.add_argument("--era", choices=era_choices)
    add_format(p, ("table", "json"))
    p.set_defaults(func=_lookup)

    p = sub.add_parser("stats", help="per-unit area (ha, EPSG:5899), official area, population, density")
    p.add_argument("--era", required=True, choices=era_choices)
    add_format(p, ("table", "csv", "json", "md"))
    p.add_argument("--out", help="write the table to this file (atomically) instead of the terminal")
    p.set_defaults(func=_stats)

    p = sub.add_parser("transform", help="transform one point between EPSG:4326 and EPSG:5899 (pinned EPSG:6960)")
    p.add_argument("x", type=float, help="longitude or easting")
    p.add_argument("y", type=float, help="latitude or northing")
    p.add_argument("--from", dest="src", default="EPSG:4326")
    p.add_argument("--to", dest="dst", default="EPSG:5899")
    p.set_defaults(func=_transform)

    p = sub.add_parser("validate", help="check sources, geometry, coverage, lineage and area conservation")
    p.set_defaults(func=_validate)


_UNIT_FIELDS = ["unit_id", "code", "name", "type", "era", "valid_from", "valid_to", "area_ha", "official_area_ha"]


def _units(args: argparse.Namespace) -> int:
    from haiha_geo.eras import units

    if args.era is None and args.date is None:
        raise UnknownEraError("give --era (2019, 2020, 2025) or --date YYYY-MM-DD")
    era = None if args.date else args.era
    layer = units(era, date=args.date)
    emit(pd.DataFrame(layer[_UNIT_FIELDS]), args.format)
    return 0


def _lineage_frame() -> pd.DataFrame:
    from haiha_geo.registry import lineage

    return lineage()


def _crosswalk(args: argparse.Namespace) -> int:
    from haiha_geo.crosswalk import crosswalk

    frame = crosswalk(args.from_era, args.to_era)
    if args.format == "json":
        frame = frame[["from_code", "from_name", "to_code", "to_name", "share", "split"]]
    emit(frame, args.format)
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from haiha_geo._output import to_json
    from haiha_geo.names import lookup

    result = lookup(args.name, era=args.era)
    if args.format == "json":
        emit(to_json(result.to_dict()))
        return 0
    emit(pd.DataFrame(result.matches), "table")
    if args.era:
        sys.stdout.write(f"\nin era {args.era}:\n")
        emit(pd.DataFrame(result.in_era), "table")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from haiha_geo.crs import PROVENANCE
    from haiha_geo.stats import stats

    text = render(stats(args.era), args.format)
    if args.format in ("table", "md"):
        text += f"\nAreas: {PROVENANCE['area_method']}; datum shift {PROVENANCE['transformation']}.\n"
    emit(text, out=args.out)
    return 0


def _transform(args: argparse.Namespace) -> int:
    from haiha_geo.crs import transform_xy

    x, y = transform_xy(args.x, args.y, args.src, args.dst)
    digits = 3 if args.dst.upper().endswith("5899") else 8
    print(f"{float(x):.{digits}f} {float(y):.{digits}f}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from haiha_geo.validation import validate

    report = validate()
    sys.stdout.write(report.to_text())
    return 0 if report.ok else 1


def input_paths(args: argparse.Namespace) -> list[Path]:
    """Every option or argument of ``args`` (other than ``--out``) that names an existing file or folder."""
    values = [v for k, v in vars(args).items() if k != "out"]
    flat = [x for v in values for x in (v if isinstance(v, (list, tuple)) else [v])]
    return [Path(x).expanduser() for x in flat if isinstance(x, str) and x and Path(x).expanduser().exists()]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``haiha-geo`` console script; returns the exit status.

    Errors a user can cause end with one line on stderr and status 2; Ctrl-C
    ends with status 130 and leaves no partial output.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "out", None):  # before any work: a bad destination fails at once
            check_output(args.out, input_paths(args))
        return int(args.func(args) or 0)
    except HaihaGeoError as exc:
        print(f"haiha-geo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("haiha-geo: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
