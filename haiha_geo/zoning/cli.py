"""``haiha-geo study-area``, ``sheets`` and ``balance`` subcommands."""

from __future__ import annotations

import argparse
import sys
import warnings

from haiha_geo.errors import InputFileError

SHEET_FORMATS = ("table", "json", "geojson")
BALANCE_FORMATS = ("table", "csv", "json", "md", "xlsx")


def register_cli(sub) -> None:
    """Add the zoning subcommands to the ``haiha-geo`` parser."""
    from haiha_geo.cli import add_format
    from haiha_geo.registry import ERAS

    p = sub.add_parser("study-area", help="boundary, area (ha, EPSG:5899) and predecessors of one or more units")
    _add_units(p, ERAS)
    add_format(p, SHEET_FORMATS)
    p.add_argument("--out", help="write to this file (atomically) instead of the terminal")
    p.set_defaults(func=_study_area)

    p = sub.add_parser("sheets", help="map sheets (cadastral or topographic) covering one or more units")
    _add_units(p, ERAS)
    p.add_argument("--scale", type=int, default=2000, help="scale denominator (default 2000)")
    p.add_argument("--system", choices=("cadastral", "topographic"), default="cadastral")
    add_format(p, SHEET_FORMATS)
    p.add_argument("--out", help="write to this file (atomically) instead of the terminal")
    p.set_defaults(func=_sheets)

    p = sub.add_parser("balance", help="land-use balance table of a zoning plan (GeoPackage, Shapefile, GeoJSON, DXF, DGN v7)")
    p.add_argument("plan", help="plan file")
    p.add_argument("--layer", help="layer of a multi-layer file (GeoPackage)")
    codes = p.add_mutually_exclusive_group()
    codes.add_argument("--field", help="column holding the land-use code (default 'code'; DXF: the CAD layer; DGN: the level)")
    codes.add_argument("--cad-layer-map", metavar="FILE", help="CSV mapping CAD layer names (DGN: level numbers) to land-use codes")
    p.add_argument("--crs", help="CRS of a file that declares none; required for DXF and DGN (e.g. EPSG:5899)")
    p.add_argument("--population", type=int, help="planned population, for m² per person")
    p.add_argument("--categories", metavar="FILE", help="category CSV replacing layers/landuse_categories.csv")
    p.add_argument("--unit", action="append", help="check coverage against this unit (repeatable)")
    p.add_argument("--era", choices=ERAS, default="2020", help="era of --unit (default 2020)")
    p.add_argument("--strict", action="store_true", help="fail on codes the category file does not know")
    add_format(p, BALANCE_FORMATS)
    p.add_argument("--out", help="write to this file (atomically); required for xlsx")
    p.set_defaults(func=_balance)


def _add_units(parser: argparse.ArgumentParser, eras: tuple[str, ...]) -> None:
    parser.add_argument("--unit", action="append", required=True, help="unit name or id (repeatable: a union)")
    parser.add_argument("--era", choices=eras, default="2020", help="era of the units (default 2020)")


def _study_area(args: argparse.Namespace) -> int:
    from haiha_geo.zoning.study import study_area

    area = study_area(args.unit, args.era)
    frame = area.to_frame()
    if args.format == "table":
        return _emit(_study_text(area), args)
    return _emit_geo(frame, args)


def _study_text(area) -> str:
    from haiha_geo._output import to_text

    lines = [f"study area: {area.name}", f"area: {area.area_ha:,.4f} ha (planimetric, EPSG:5899)",
             "predecessor units:"]
    return "\n".join(lines) + "\n" + to_text(area.predecessors)


def _sheets(args: argparse.Namespace) -> int:
    from haiha_geo.zoning.study import sheets, study_area

    frame = sheets(study_area(args.unit, args.era), args.scale, args.system)
    return _emit_geo(frame, args)


def _emit_geo(frame, args: argparse.Namespace) -> int:
    from haiha_geo.cli import emit
    from haiha_geo.crs import to_geographic

    if args.format == "geojson":
        return _emit(to_geographic(frame).to_json(ensure_ascii=False, drop_id=True) + "\n", args)
    emit(frame.drop(columns=frame.geometry.name), args.format, args.out)
    return 0


def _emit(text: str, args: argparse.Namespace) -> int:
    from haiha_geo.cli import emit

    emit(text, None, args.out)
    return 0


def _balance(args: argparse.Namespace) -> int:
    from haiha_geo.zoning.balance import LandUseWarning, land_use_balance

    if args.format == "xlsx" and not args.out:
        raise InputFileError("--format xlsx writes a binary workbook: give --out FILE.xlsx")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LandUseWarning)
        result = land_use_balance(args.plan, field=args.field, population=args.population,
                                  study_area=args.unit, era=args.era, code_map=args.cad_layer_map,
                                  strict=args.strict, categories=args.categories, layer=args.layer, crs=args.crs)
    for warning in caught:
        print(f"haiha-geo: warning: {warning.message}", file=sys.stderr)
    if args.format == "xlsx":
        result.to_xlsx(args.out)
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    return _emit(result.render(args.format), args)
