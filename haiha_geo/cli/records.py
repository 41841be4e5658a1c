"""``rekey`` and ``assign``: records of old units, and points, given their units; streamed chunk by chunk."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.timeline import era_ids


def register(sub) -> None:
    """Add the ``rekey`` and ``assign`` subcommands."""
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

    p = sub.add_parser("assign", help="give every point of a layer its unit in each era (streamed, any size)",
                       description="Each point keeps its attributes and gains one column per era (unit_2019, …) "
                                   "with the unit holding it (empty outside the planning area). The layer is read "
                                   "and written in chunks, so memory follows the chunk, not the file.")
    p.add_argument("points", help="a point layer: GeoParquet, GeoPackage, GeoJSON, Shapefile, …")
    p.add_argument("--era", dest="eras", action="append", choices=eras, help="an era to answer for (repeat; "
                                                                             "default every era)")
    p.add_argument("--crs", help="CRS of a layer that declares none (for example EPSG:5899)")
    p.add_argument("--chunk", type=int, default=250_000, metavar="N", help="points read at a time (default 250000)")
    p.add_argument("--format", choices=("csv", "gpkg", "parquet"), help="output format (default: from --out)")
    p.add_argument("--out", required=True, metavar="FILE", help="the points with their units (written atomically)")
    p.set_defaults(func=_assign)


def _rekey(args: argparse.Namespace) -> int:
    from haiha_geo._output import format_number
    from haiha_geo.exchange.records import record_writer
    from haiha_geo.place import place
    from haiha_geo.rekey import iter_records, rekey

    counts: dict[str, int] = {}
    unmatched: list[str] = []
    rows = 0
    xy = ((args.lon_column, args.lat_column), "EPSG:4326") if args.lon_column else \
        ((args.x_column, args.y_column), place().planning_crs) if args.x_column else (None, None)
    with record_writer(args.out, args.format, xy=xy[0], crs=xy[1], inputs=[args.table]) as write:
        for chunk in iter_records(args.table):  # memory follows the chunk, not the table
            result = rekey(chunk, args.from_era, args.to_era, name_column=args.name_column,
                           district_column=args.district_column, code_column=args.code_column,
                           lon_column=args.lon_column, lat_column=args.lat_column, x_column=args.x_column,
                           y_column=args.y_column)
            write(result.table)
            rows += len(chunk)
            counts = {m: counts.get(m, 0) + n for m, n in result.counts.items()}
            unmatched += [str(int(r) + int(chunk.index[0])) for r in result.unmatched][:20 - len(unmatched)]
    result.counts = counts
    print(f"wrote {args.out}: {format_number(rows)} rows; {result.summary()}", file=sys.stderr)
    if unmatched:
        print(f"haiha-geo: warning: {format_number(counts['unmatched'])} row(s) match no unit of era "
              f"{result.from_era} (first data rows, counted from 1 below the header: {', '.join(unmatched)}); "
              "their candidates column names the nearest units", file=sys.stderr)
    return 0


def _assign(args: argparse.Namespace) -> int:
    from haiha_geo._output import format_number
    from haiha_geo.eras import assign
    from haiha_geo.exchange.records import record_writer
    from haiha_geo.vector_io import iter_layer

    eras = tuple(args.eras) if args.eras else None
    rows = outside = 0
    with record_writer(args.out, args.format, inputs=[args.points]) as write:
        for chunk in iter_layer(args.points, crs=args.crs, chunk_features=max(args.chunk, 1), what="points"):
            units = assign(chunk.geometry, eras=eras)
            write(chunk.join(units))
            rows, outside = rows + len(chunk), outside + int(units.isna().all(axis=1).sum())
    print(f"wrote {args.out}: {format_number(rows)} points, {format_number(outside)} outside every unit",
          file=sys.stderr)
    return 0
