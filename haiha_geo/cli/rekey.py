"""``rekey``: every row of a table kept by old units given the unit of a later era."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.timeline import era_ids


def register(sub) -> None:
    """Add the ``rekey`` subcommand."""
    eras = era_ids()
    p = sub.add_parser("rekey", help="give every row of a table of old-unit records its unit in a later era",
                       description="Each row keeps its columns, in order, and gains old_unit_id, new_unit_id, "
                                   "new_code, new_name, method (unchanged, merged, split resolved by coordinates, "
                                   "split unresolved, unmatched), act and candidates (the successors of a split "
                                   "left unresolved, with their area shares and spread; the nearest names of a row "
                                   "that matches no unit). Successors come from the lineage, never from geometry.")
    p.add_argument("table", help="CSV, XLSX or Parquet: a header row, then one row per record")
    p.add_argument("--from", dest="from_era", required=True, choices=eras, help="the era the records are keyed in")
    p.add_argument("--to", dest="to_era", choices=eras, help=f"the era to re-key to (default {eras[-1]})")
    p.add_argument("--name-column", help="the old unit's name (diacritics and type optional)")
    p.add_argument("--district-column", help="the old unit's district: names repeat across a province")
    p.add_argument("--code-column", help="the old unit's GSO code (of the --from era)")
    p.add_argument("--lon-column", help="longitude (WGS 84) of the record; resolves split units")
    p.add_argument("--lat-column", help="latitude (WGS 84)")
    p.add_argument("--x-column", help="easting in the planning CRS (EPSG:5899)")
    p.add_argument("--y-column", help="northing in the planning CRS")
    p.add_argument("--format", choices=("csv", "xlsx", "gpkg", "parquet"),
                   help="output format (default: from --out's suffix)")
    p.add_argument("--out", required=True, metavar="FILE", help="the re-keyed table (written atomically)")
    p.set_defaults(func=_rekey)


def _rekey(args: argparse.Namespace) -> int:
    from haiha_geo._output import format_number
    from haiha_geo.exchange.records import record_format, write_records
    from haiha_geo.rekey import read_records, rekey

    fmt = record_format(args.out, args.format)
    table = read_records(args.table)
    result = rekey(table, args.from_era, args.to_era, name_column=args.name_column,
                   district_column=args.district_column, code_column=args.code_column, lon_column=args.lon_column,
                   lat_column=args.lat_column, x_column=args.x_column, y_column=args.y_column)
    xy, crs = result.points
    write_records(result.table, args.out, fmt, xy=xy, crs=crs, inputs=[args.table])
    print(f"wrote {args.out}: {format_number(len(result.table))} rows; {result.summary()}", file=sys.stderr)
    if result.unmatched:
        print(f"haiha-geo: warning: {format_number(result.counts['unmatched'])} row(s) match no unit of era "
              f"{result.from_era} "
              f"(first data rows, counted from 1 below the header: {', '.join(result.unmatched)}); their "
              "candidates column names the nearest units",
              file=sys.stderr)
    return 0
