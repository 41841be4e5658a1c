"""``sites``, ``ntm`` and ``overlay``: the thematic layers and a user's zone against the units."""

from __future__ import annotations

import argparse

from haiha_geo.cli.output import REPORT_FORMATS, add_format, emit, pick, warn_lines
from haiha_geo.errors import UnknownEraError
from haiha_geo.timeline import era_ids

_CRS_HELP = ("CRS to assume when the file declares none, or a GeoJSON whose coordinates are not lon/lat "
             "(e.g. EPSG:5899); never overrides a declared one")


def register(sub) -> None:
    """Add ``sites``, ``ntm`` and ``overlay``."""
    p = sub.add_parser("sites", help="project sites of the work programme (economic zone, IZ, …)",
                       description="List the project sites; each carries its sources and how its "
                                   "geometry was obtained (footprint_basis).")
    p.add_argument("--footprints", metavar="FILE",
                   help="vector file of polygons with a site_id column replacing those sites' footprints")
    p.add_argument("--crs", "--assume-crs", dest="crs", metavar="CRS", help=_CRS_HELP)
    p.add_argument("--strict", action="store_true",
                   help="refuse invalid footprint polygons (exit 2) instead of repairing them with a warning")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    add_format(p, ("table", "json", "geojson", "md", "xlsx", "docx"))
    p.set_defaults(func=_sites)

    p = sub.add_parser("ntm", help="new-rural (nông thôn mới) status of communes or of the district",
                       description="Status at the end of YEAR of every unit of ERA, with bounds on the year "
                                   "it was reached, the act and the source; or the district checklist.")
    p.add_argument("--era", choices=era_ids(), help="administrative era")
    p.add_argument("--year", type=int, help="year (status on 31 December)")
    p.add_argument("--district", action="store_true", help="the district's criteria checklist and recognition")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_ntm)

    p = sub.add_parser("overlay", help="area of a polygon file in each unit of an era (ha, EPSG:5899)",
                       description="Intersect a polygon file with the units of an era: area in ha "
                                   "(VN-2000 / TM-3 107°45′) and shares of the unit and of the layer.")
    p.add_argument("file", help="vector file of polygons (GeoJSON, GeoPackage, Shapefile, …) with a CRS")
    p.add_argument("--era", required=True, choices=era_ids(), help="administrative era")
    p.add_argument("--crs", "--assume-crs", dest="crs", metavar="CRS", help=_CRS_HELP)
    p.add_argument("--strict", action="store_true",
                   help="refuse invalid polygons (exit 2) instead of repairing them with a warning")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    add_format(p, REPORT_FORMATS)
    p.set_defaults(func=_overlay)


def _sites(args: argparse.Namespace) -> int:
    import pandas as pd

    from haiha_geo.project_sites import host_columns, sites
    from haiha_geo.report_tables import sites_report

    with warn_lines():
        layer = sites(footprints=args.footprints, crs=args.crs, strict=args.strict)
    if args.format == "geojson":
        emit(layer.to_json(drop_id=True, ensure_ascii=False, indent=2) + "\n", out=args.out)
        return 0
    frame = pd.DataFrame(layer.drop(columns="geometry"))
    emit(pick(args, lambda: sites_report(frame, host_columns()), frame), args.format, args.out, args.lang)
    return 0


def _ntm(args: argparse.Namespace) -> int:
    from haiha_geo.ntm import district_years, ntm_district, ntm_status
    from haiha_geo.report_tables import ntm_district_report, ntm_report

    if args.district:
        table = ntm_district()
        emit(pick(args, lambda: ntm_district_report(table, district_years()), table), args.format, args.out,
             args.lang)
        return 0
    if args.era is None or args.year is None:
        first = era_ids()[0]
        raise UnknownEraError(f"give --era and --year (for example --era {first} --year {first}), or --district")
    table = ntm_status(args.era, args.year)
    machine = table[["code", "name", "status", "year_lower", "year_upper", "act", "source"]] \
        if args.format == "json" else table.drop(columns=["unit_id"])
    emit(pick(args, lambda: ntm_report(table, args.era, args.year), machine), args.format, args.out, args.lang)
    return 0


def _overlay(args: argparse.Namespace) -> int:
    from haiha_geo._output import records
    from haiha_geo.overlay import overlay_stats
    from haiha_geo.report_tables import overlay_report

    with warn_lines():
        frame = overlay_stats(args.file, args.era, crs=args.crs, strict=args.strict)
    machine = {**frame.attrs, "units": records(frame)} if args.format == "json" else frame
    emit(pick(args, lambda: overlay_report(frame, args.era), machine), args.format, args.out, args.lang)
    return 0
