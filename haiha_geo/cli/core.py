"""``units``, ``lineage``, ``crosswalk``, ``lookup``, ``stats``, ``transform`` and ``validate``."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.cli.output import add_format, emit
from haiha_geo.errors import OptionError, UnknownEraError
from haiha_geo.timeline import era_ids

_UNIT_FIELDS = ["unit_id", "code", "name", "type", "era", "valid_from", "valid_to", "area_ha", "official_area_ha"]


def register(sub) -> None:
    """Add the core subcommands."""
    eras = era_ids()
    p = sub.add_parser("units", help="units of an era (or of the era in force on a date)")
    p.add_argument("--era", choices=eras)
    p.add_argument("--date", help="YYYY-MM-DD; resolves to its era")
    add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=_units)

    p = sub.add_parser("lineage", help="merges and splits between eras, with their legal acts")
    add_format(p, ("table", "json"))
    p.set_defaults(func=_lineage)

    p = sub.add_parser("crosswalk", help="area-weighted crosswalk between two eras")
    p.add_argument("--from", dest="from_era", required=True, choices=eras)
    p.add_argument("--to", dest="to_era", required=True, choices=eras)
    add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=_crosswalk)

    p = sub.add_parser("lookup", help="find a unit by any of its names and follow it into an era")
    p.add_argument("name")
    p.add_argument("--era", choices=eras)
    add_format(p, ("table", "json"))
    p.set_defaults(func=_lookup)

    p = sub.add_parser("stats", help="per-unit area (ha, EPSG:5899), official area, population, density")
    p.add_argument("--era", required=True, choices=eras)
    add_format(p, ("table", "csv", "json", "md"))
    p.add_argument("--out", help="write the table to this file (atomically) instead of the terminal")
    p.set_defaults(func=_stats)

    p = sub.add_parser("transform", help="transform one point between EPSG:4326 and the planning CRS "
                                         "(EPSG:5899, pinned EPSG:6960)")
    p.add_argument("x", type=float, help="longitude or easting")
    p.add_argument("y", type=float, help="latitude or northing")
    p.add_argument("--from", dest="src", default="EPSG:4326")
    p.add_argument("--to", dest="dst", default="EPSG:5899")
    p.set_defaults(func=_transform)

    p = sub.add_parser("validate", help="check sources, geometry, coverage, lineage and area conservation")
    p.set_defaults(func=_validate)


def _units(args: argparse.Namespace) -> int:
    import pandas as pd

    from haiha_geo.eras import units
    from haiha_geo.timeline import era_for_date

    if args.era is None and args.date is None:
        raise UnknownEraError(f"give --era ({', '.join(era_ids())}) or --date YYYY-MM-DD")
    if args.era and args.date and era_for_date(args.date) != args.era:
        raise OptionError(f"--era {args.era} and --date {args.date} disagree: {args.date} lies in era "
                          f"{era_for_date(args.date)}; give one of them")
    layer = units(None if args.date else args.era, date=args.date)
    emit(pd.DataFrame(layer[_UNIT_FIELDS]), args.format)
    return 0


def _lineage(args: argparse.Namespace) -> int:
    from haiha_geo.registry import lineage

    emit(lineage(), args.format)
    return 0


def _crosswalk(args: argparse.Namespace) -> int:
    from haiha_geo.crosswalks import crosswalk

    frame = crosswalk(args.from_era, args.to_era)
    if args.format == "json":
        frame = frame[["from_code", "from_name", "to_code", "to_name", "share", "split"]]
    emit(frame, args.format)
    return 0


def _lookup(args: argparse.Namespace) -> int:
    import pandas as pd

    from haiha_geo.crosswalks import lookup

    result = lookup(args.name, era=args.era)
    if args.format == "json":
        emit(result.to_dict(), "json")
        return 0
    emit(pd.DataFrame(result.matches), "table")
    if args.era:
        sys.stdout.write(f"\nin era {args.era}:\n")
        emit(pd.DataFrame(result.in_era), "table")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from haiha_geo._output import render
    from haiha_geo.area_stats import stats
    from haiha_geo.crs import PROVENANCE

    text = render(stats(args.era), args.format)
    if args.format in ("table", "md"):
        text += f"\nAreas: {PROVENANCE['area_method']}; datum shift {PROVENANCE['transformation']}.\n"
    emit(text, out=args.out)
    return 0


def _transform(args: argparse.Namespace) -> int:
    from haiha_geo.crs import PLANNING_CRS, parse_crs, transform_xy

    x, y = transform_xy(args.x, args.y, args.src, args.dst)
    digits = 3 if parse_crs(args.dst) == parse_crs(PLANNING_CRS) else 8
    print(f"{float(x):.{digits}f} {float(y):.{digits}f}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from haiha_geo.validation import validate

    report = validate()
    sys.stdout.write(report.to_text())
    return 0 if report.ok else 1
