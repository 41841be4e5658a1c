"""``units``, ``lineage``, ``crosswalk``, ``lookup``, ``stats``, ``transform`` and ``validate``."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.cli.output import REPORT_FORMATS, add_format, check_suffix, emit, emit_cached, input_paths, pick, written
from haiha_geo.errors import OptionError, UnknownEraError
from haiha_geo.io import check_output
from haiha_geo.timeline import era_for_date, era_ids

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
    p.add_argument("--district-column", metavar="COL",
                   help="column giving each row's old district (or town, city) where names repeat across the "
                        "province; a key may also read 'name, district'")
    p.add_argument("--shares", metavar="FILE",
                   help="CSV/XLSX of your split shares (e.g. from the Đề án): from_unit, to_unit and share "
                        "(summing to 1) or part (area or population of each part); they replace the map-area "
                        "shares of the units listed and are cited in the output")
    p.add_argument("--contributions", metavar="FILE.csv",
                   help="also write each new unit's figures by old unit (an audit table) as CSV; the xlsx, "
                        "docx, table and md outputs hold it as a second table")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_reaggregate)

    p = sub.add_parser("lookup", help="find a unit by any of its names and follow it into an era")
    p.add_argument("name")
    p.add_argument("--era", choices=eras)
    add_format(p, ("table", "json"))
    p.add_argument("--lang", choices=("vi", "en"), help="language of the table (default Vietnamese)")
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
    if args.era is None and args.date is None:
        raise UnknownEraError(f"give --era ({', '.join(era_ids())}) or --date YYYY-MM-DD")
    if args.era and args.date and era_for_date(args.date) != args.era:
        raise OptionError(f"--era {args.era} and --date {args.date} disagree: {args.date} lies in era "
                          f"{era_for_date(args.date)}; give one of them")
    emit_cached(args, [args.era or era_for_date(args.date)], lambda: written(args, _units_payload(args)))
    return 0


def _units_payload(args: argparse.Namespace):
    import pandas as pd

    from haiha_geo.eras import units
    from haiha_geo.report_tables import units_report

    layer = units(None if args.date else args.era, date=args.date)
    frame = pd.DataFrame(layer[_UNIT_FIELDS])
    return pick(args, lambda: units_report(frame, frame["era"].iloc[0]), frame)


def _lineage(args: argparse.Namespace) -> int:
    emit_cached(args, [], lambda: written(args, _lineage_payload(args)), sources=False)
    return 0


def _lineage_payload(args: argparse.Namespace):
    from haiha_geo.registry import lineage
    from haiha_geo.report_tables import lineage_report

    frame = lineage()
    return pick(args, lambda: lineage_report(frame), frame)


def _crosswalk(args: argparse.Namespace) -> int:
    emit_cached(args, [args.from_era, args.to_era], lambda: written(args, _crosswalk_payload(args)))
    return 0


def _crosswalk_payload(args: argparse.Namespace):
    from haiha_geo.crosswalks import crosswalk
    from haiha_geo.report_tables import crosswalk_report

    frame = crosswalk(args.from_era, args.to_era)
    machine = (frame[["from_code", "from_name", "to_code", "to_name", "share", "split"]] if args.format == "json"
               else frame)
    return pick(args, lambda: crosswalk_report(frame, args.from_era, args.to_era), machine)


def _reaggregate(args: argparse.Namespace) -> int:
    from haiha_geo.crosswalks import reaggregate_table
    from haiha_geo.report_tables import reaggregation_report

    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    rates = dict((c, w) if c else (w, "area") for c, _, w in (r.rpartition(":") for r in args.rate or []))
    if args.contributions:
        check_suffix(args.contributions, "csv")
        check_output(args.contributions, input_paths(args))
    result = reaggregate_table(args.table, args.from_era, args.to_era, key=args.key, columns=columns,
                               kind=args.kind, weights=args.weights, rates=rates, integers=args.integers,
                               district=args.district_column, shares=args.shares)
    machine = result.to_dict() if args.format == "json" else result.frame
    emit(pick(args, lambda: reaggregation_report(result), machine), args.format, args.out, args.lang)
    if args.contributions:
        emit(result.contributions, "csv", args.contributions)
    return 0


def _lookup(args: argparse.Namespace) -> int:
    emit_cached(args, [args.name, args.era], lambda: _lookup_text(args), sources=args.era is not None)
    return 0


def _lookup_text(args: argparse.Namespace) -> str:
    from haiha_geo.crosswalks import lookup
    from haiha_geo.report_tables import lookup_reports

    result = lookup(args.name, era=args.era)
    if args.format == "json":
        return written(args, result.to_dict())
    return "\n".join(t.render("table", args.lang) for t in lookup_reports(result, args.era))


def _stats(args: argparse.Namespace) -> int:
    emit_cached(args, [args.era], lambda: written(args, _stats_payload(args)))
    return 0


def _stats_payload(args: argparse.Namespace):
    from haiha_geo.area_stats import stats
    from haiha_geo.report_tables import stats_report

    frame = stats(args.era)
    return pick(args, lambda: stats_report(frame, args.era), frame)


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
