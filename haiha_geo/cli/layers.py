"""``sites``, ``ntm`` and ``overlay``: the thematic layers and a user's zone against the units."""

from __future__ import annotations

import argparse

from haiha_geo.cli.output import add_format, emit, warn_lines
from haiha_geo.errors import UnknownEraError
from haiha_geo.timeline import era_ids

_CRS_HELP = ("CRS to assume when the file declares none, or a GeoJSON whose coordinates are not lon/lat "
             "(e.g. EPSG:5899); never overrides a declared one")


def register(sub) -> None:
    """Add ``sites``, ``ntm`` and ``overlay``."""
    p = sub.add_parser("sites", help="project sites of the work programme (economic zone, IZ, …)",
                       description="List the project sites; each carries its sources and how its "
                                   "geometry was obtained (footprint_basis).")
    add_format(p, ("table", "json", "geojson"))
    p.add_argument("--footprints", metavar="FILE",
                   help="vector file of polygons with a site_id column replacing those sites' footprints")
    p.add_argument("--crs", "--assume-crs", dest="crs", metavar="CRS", help=_CRS_HELP)
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=_sites)

    p = sub.add_parser("ntm", help="new-rural (nông thôn mới) status of communes or of the district",
                       description="Status at the end of YEAR of every unit of ERA, with bounds on the year "
                                   "it was reached, the act and the source; or the district checklist.")
    p.add_argument("--era", choices=era_ids(), help="administrative era")
    p.add_argument("--year", type=int, help="year (status on 31 December)")
    p.add_argument("--district", action="store_true", help="the district's criteria checklist and recognition")
    add_format(p, ("table", "json"))
    p.set_defaults(func=_ntm)

    p = sub.add_parser("overlay", help="area of a polygon file in each unit of an era (ha, EPSG:5899)",
                       description="Intersect a polygon file with the units of an era: area in ha "
                                   "(VN-2000 / TM-3 107°45′) and shares of the unit and of the layer.")
    p.add_argument("file", help="vector file of polygons (GeoJSON, GeoPackage, Shapefile, …) with a CRS")
    p.add_argument("--era", required=True, choices=era_ids(), help="administrative era")
    p.add_argument("--crs", "--assume-crs", dest="crs", metavar="CRS", help=_CRS_HELP)
    p.add_argument("--strict", action="store_true",
                   help="refuse invalid polygons (exit 2) instead of repairing them with a warning")
    add_format(p, ("table", "csv", "json"))
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=_overlay)


def _site_columns() -> list[str]:
    from haiha_geo.project_sites import host_columns

    return ["site_id", "category", "name_en", "area_qualifier", "area_ha", "area_source", "footprint_basis",
            "status", *host_columns().values()]


def _sites(args: argparse.Namespace) -> int:
    import pandas as pd

    from haiha_geo.project_sites import sites

    layer = sites(footprints=args.footprints, crs=args.crs)
    if args.format == "geojson":
        emit(layer.to_json(drop_id=True, ensure_ascii=False, indent=2) + "\n", out=args.out)
    elif args.format == "json":
        emit(pd.DataFrame(layer.drop(columns="geometry")), "json", args.out)
    else:
        emit(pd.DataFrame(layer[_site_columns()]), "table", args.out)
    return 0


def _ntm_summary(table) -> str:
    xa = table[table["type"] == "xã"]
    counts = ", ".join(f"{s or 'unknown'}: {n}" for s, n in xa["status"].fillna("unknown").value_counts().items())
    towns = table[table["status"] == "not_applicable"]["name"].tolist()
    tail = f"; thị trấn {', '.join(towns)}: not applicable (outside the xã standard)" if towns else ""
    return f"{len(xa)} xã — {counts}{tail}\n"


def _ntm(args: argparse.Namespace) -> int:
    from haiha_geo.ntm import district_years, ntm_district, ntm_status

    if args.district:
        table = ntm_district()
        shown = ["item", "kind", "name_vi", *district_years().values(), "act", "source", "note"]
        emit(table if args.format == "json" else table[shown], args.format)
        return 0
    if args.era is None or args.year is None:
        first = era_ids()[0]
        raise UnknownEraError(f"give --era and --year (for example --era {first} --year {first}), or --district")
    table = ntm_status(args.era, args.year)
    if args.format == "json":
        emit(table[["code", "name", "status", "year_lower", "year_upper", "act", "source"]], "json")
    else:
        emit(table.drop(columns=["unit_id"]), "table")
        emit(_ntm_summary(table))
    return 0


def _overlay_footer(frame) -> str:
    a = frame.attrs
    return (f"layer {a['layer_area_ha']:,.2f} ha: {a['inside_district_ha']:,.2f} ha inside the district, "
            f"{a['outside_district_ha']:,.2f} ha outside; areas in {a['planning_crs']}\n")


def _overlay(args: argparse.Namespace) -> int:
    from haiha_geo._output import records
    from haiha_geo.overlay import overlay_stats

    with warn_lines():
        frame = overlay_stats(args.file, args.era, crs=args.crs, strict=args.strict)
    if args.format == "json":
        emit({**frame.attrs, "units": records(frame)}, "json", args.out)
    else:
        emit(frame, args.format, args.out)
        if args.format == "table":
            emit(_overlay_footer(frame))
    return 0
