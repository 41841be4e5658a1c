"""``units``, ``lineage``, ``crosswalk``, ``lookup``, ``stats``, ``transform`` and ``validate``."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.cli.output import REPORT_FORMATS, add_format, emit, pick
from haiha_geo.errors import OptionError, UnknownEraError
from haiha_geo.timeline import era_ids

_UNIT_FIELDS = ["unit_id", "code", "name", "type", "era", "valid_from", "valid_to", "area_ha", "official_area_ha"]


def register(sub) -> None:
    """Add the core subcommands."""
    eras = era_ids()
    p = sub.add_parser("units", help="units of an era (or of the era in force on a date)")
    p.add_argument("--era", choices=eras)
    p.add_argument("--date", help="YYYY-MM-DD; resolves to its era")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_units)

    p = sub.add_parser("lineage", help="merges and splits between eras, with their legal acts")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_lineage)

    p = sub.add_parser("crosswalk", help="area-weighted crosswalk between two eras")
    p.add_argument("--from", dest="from_era", required=True, choices=eras)
    p.add_argument("--to", dest="to_era", required=True, choices=eras)
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_crosswalk)

    p = sub.add_parser("reaggregate", help="move a table of per-unit figures (CSV or XLSX) onto another era's units",
                       description="Extensive figures (people, households, ha) are shared out by the crosswalk's "
                                   "area shares with totals conserved; intensive ones (rates) become weighted means.")
    p.add_argument("table", help="CSV or XLSX: a header row, then one row per unit of --from")
    p.add_argument("--from", dest="from_era", required=True, choices=eras)
    p.add_argument("--to", dest="to_era", required=True, choices=eras)
    p.add_argument("--key", help="column naming the units (unit ids, codes or names, diacritics optional; "
                                 "default: the first of unit_id, code, name, else the first column)")
    p.add_argument("--columns", help="comma-separated columns to move (default: every other column)")
    p.add_argument("--kind", choices=("extensive", "intensive"), default="extensive")
    p.add_argument("--weights", default="area", metavar="area|FILE",
                   help="weights of intensive means: the units' map area (default) "
                        "or a CSV/XLSX of one weight per unit")
    p.add_argument("--rate", action="append", metavar="COL[:WEIGHT]",
                   help="in a table of counts, move COL as a rate: its mean weighted by the table's column WEIGHT "
                        "(or area, the default); repeatable")
    p.add_argument("--integers", action="store_true",
                   help="round counts to whole numbers keeping each column's total exactly (largest remainder, "
                        "exact integers at any size)")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_reaggregate)

    p = sub.add_parser("lookup", help="find a unit by any of its names and follow it into an era")
    p.add_argument("name")
    p.add_argument("--era", choices=eras)
    add_format(p, ("table", "json"))
    p.set_defaults(func=_lookup)

    p = sub.add_parser("stats", help="per-unit area (ha, EPSG:5899), official area, population, density")
    p.add_argument("--era", required=True, choices=eras)
    p.add_argument("--out", help="write the table to this file (atomically) instead of the terminal")
    add_format(p, REPORT_FORMATS)
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
    from haiha_geo.report_tables import units_report
    from haiha_geo.timeline import era_for_date

    if args.era is None and args.date is None:
        raise UnknownEraError(f"give --era ({', '.join(era_ids())}) or --date YYYY-MM-DD")
    if args.era and args.date and era_for_date(args.date) != args.era:
        raise OptionError(f"--era {args.era} and --date {args.date} disagree: {args.date} lies in era "
                          f"{era_for_date(args.date)}; give one of them")
    layer = units(None if args.date else args.era, date=args.date)
    frame = pd.DataFrame(layer[_UNIT_FIELDS])
    emit(pick(args, lambda: units_report(frame, frame["era"].iloc[0]), frame), args.format, args.out, args.lang)
    return 0


def _lineage(args: argparse.Namespace) -> int:
    from haiha_geo.registry import lineage
    from haiha_geo.report_tables import lineage_report

    frame = lineage()
    emit(pick(args, lambda: lineage_report(frame), frame), args.format, args.out, args.lang)
    return 0


def _crosswalk(args: argparse.Namespace) -> int:
    from haiha_geo.crosswalks import crosswalk
    from haiha_geo.report_tables import crosswalk_report

    frame = crosswalk(args.from_era, args.to_era)
    machine = (frame[["from_code", "from_name", "to_code", "to_name", "share", "split"]] if args.format == "json"
               else frame)
    emit(pick(args, lambda: crosswalk_report(frame, args.from_era, args.to_era), machine), args.format, args.out,
         args.lang)
    return 0


def _reaggregate(args: argparse.Namespace) -> int:
    from haiha_geo.crosswalks import reaggregate_table
    from haiha_geo.report_tables import reaggregation_report

    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    rates = dict((c, w) if c else (w, "area") for c, _, w in (r.rpartition(":") for r in args.rate or []))
    result = reaggregate_table(args.table, args.from_era, args.to_era, key=args.key, columns=columns,
                               kind=args.kind, weights=args.weights, rates=rates, integers=args.integers)
    machine = result.to_dict() if args.format == "json" else result.frame
    emit(pick(args, lambda: reaggregation_report(result), machine), args.format, args.out, args.lang)
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
    from haiha_geo.area_stats import stats
    from haiha_geo.report_tables import stats_report

    frame = stats(args.era)
    emit(pick(args, lambda: stats_report(frame, args.era), frame), args.format, args.out, args.lang)
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
