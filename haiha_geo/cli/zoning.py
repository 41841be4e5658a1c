"""``study-area``, ``sheets`` and ``balance``: the zoning study."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.cli.output import add_format, emit, pick, warn_lines
from haiha_geo.place import place
from haiha_geo.timeline import era_ids

SHEET_FORMATS = ("table", "csv", "json", "md", "xlsx", "docx", "geojson")
STUDY_FORMATS = ("table", "json", "geojson", "md", "xlsx", "docx")
BALANCE_FORMATS = ("table", "csv", "json", "md", "xlsx", "docx")


def register(sub) -> None:
    """Add the zoning subcommands."""
    p = sub.add_parser("study-area", help="boundary, area (ha, EPSG:5899) and predecessors of one or more units")
    _add_units(p)
    p.add_argument("--out", help="write to this file (atomically) instead of the terminal")
    add_format(p, STUDY_FORMATS)
    p.set_defaults(func=_study_area)

    p = sub.add_parser("sheets", help="map sheets (cadastral or topographic) covering one or more units")
    _add_units(p)
    p.add_argument("--scale", default=2000, help="scale denominator (default 2000)")
    p.add_argument("--system", choices=("cadastral", "topographic"), default="cadastral")
    add_format(p, SHEET_FORMATS)
    p.set_defaults(func=_sheets)

    p = sub.add_parser("balance", help="land-use balance table of a zoning plan "
                                       "(GeoPackage, Shapefile, GeoJSON, DXF, DGN v7)")
    p.add_argument("plan", help="plan file")
    p.add_argument("--layer", help="layer of a multi-layer file (GeoPackage)")
    codes = p.add_mutually_exclusive_group()
    codes.add_argument("--field", help="column holding the land-use code (default 'code'; DXF: the CAD layer; "
                                       "DGN: the level)")
    codes.add_argument("--cad-layer-map", metavar="FILE",
                       help="CSV mapping CAD layer names (DGN: level numbers) to land-use codes")
    p.add_argument("--crs", "--assume-crs", dest="crs",
                   help="CRS of a file that declares none; required for DXF and DGN (e.g. EPSG:5899)")
    p.add_argument("--population", help="planned population, for m² per person")
    lists = p.add_mutually_exclusive_group()
    lists.add_argument("--codes", metavar="auto|landlaw|qcvn|FILE", default="auto",
                       help="code list the codes are read with: auto (detected from the codes, the default), landlaw "
                            "(land-law codes of layers/land_use_codes.csv; legacy codes such as LUN, DDT are "
                            "counted in their current codes), qcvn (QCVN 01:2021/BXD groups of "
                            "layers/landuse_categories.csv), or a CSV file with code, parent, name")
    lists.add_argument("--categories", metavar="FILE", help="category CSV replacing the shipped lists "
                                                            "(the same as --codes FILE)")
    p.add_argument("--unit", action="append", help="check coverage against this unit (repeatable)")
    p.add_argument("--era", choices=era_ids(), default=place().study_era,
                   help=f"era of --unit (default {place().study_era})")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 2) on codes the code list does not know and on invalid polygons")
    stages = p.add_mutually_exclusive_group()
    stages.add_argument("--existing", metavar="CURRENT",
                        help="current-use layer (codes in column 'code'): the form with hiện trạng, quy hoạch "
                             "and the change")
    stages.add_argument("--existing-field", metavar="COLUMN",
                        help="the plan's column holding each polygon's current code: the same form")
    stages.add_argument("--phase-field", metavar="COLUMN",
                        help="the plan's column naming each polygon's phase: one column group per phase")
    stages.add_argument("--plots", action="store_true",
                        help="the plot table (ký hiệu lô, chức năng, diện tích, mật độ, tầng cao, hệ số sử dụng "
                             "đất, dân số, from the plan's columns) instead of the balance")
    p.add_argument("--title-block", metavar="FILE",
                   help="TOML of the dossier (agency, place, date, người lập biểu, thủ trưởng) for the forms")
    p.add_argument("--out", help="write to this file (atomically); required for xlsx and docx")
    add_format(p, BALANCE_FORMATS)
    p.set_defaults(func=_balance)

    p = sub.add_parser("landstat", help="land area by land-law code in each unit of an era (the land-statistics "
                                        "form of TT 08/2024/TT-BTNMT), from a parcel layer")
    p.add_argument("layer", help="parcel layer (GeoPackage, Shapefile, GeoJSON, …) with land-law codes")
    p.add_argument("--era", choices=era_ids(), required=True, help="the era whose units are the columns")
    p.add_argument("--field", default="code", help="column of the land-law code (default 'code')")
    p.add_argument("--layer", dest="layer_name", help="layer of a multi-layer file (GeoPackage)")
    p.add_argument("--crs", "--assume-crs", dest="crs", help="CRS of a file that declares none (e.g. EPSG:5899)")
    p.add_argument("--strict", action="store_true", help="refuse invalid polygons (exit 2) instead of repairing them")
    p.add_argument("--title-block", metavar="FILE", help="TOML of the dossier for the form's signature block")
    add_format(p, BALANCE_FORMATS)
    p.set_defaults(func=_landstat)


def _add_units(parser: argparse.ArgumentParser) -> None:
    study = place()
    parser.add_argument("--unit", action="append",
                        help=f"unit name or id (repeatable: a union; default {study.study_unit})")
    parser.add_argument("--era", choices=era_ids(), default=study.study_era,
                        help=f"era of the units (default {study.study_era})")


def _study_area(args: argparse.Namespace) -> int:
    from haiha_geo.report_tables import study_area_report
    from haiha_geo.zoning.study import study_area

    area = study_area(args.unit, args.era)
    payload = area.to_frame() if args.format == "geojson" else pick(args, lambda: study_area_report(area),
                                                                     area.to_frame())
    emit(payload, args.format, args.out, args.lang)
    return 0


def _sheets(args: argparse.Namespace) -> int:
    from haiha_geo.report_tables import sheets_report
    from haiha_geo.zoning.study import sheets, study_area

    area = study_area(args.unit, args.era)
    frame = sheets(area, args.scale, args.system)
    payload = frame if args.format == "geojson" else pick(args, lambda: sheets_report(frame, area.name), frame)
    emit(payload, args.format, args.out, args.lang)
    return 0


def _balance(args: argparse.Namespace) -> int:
    from haiha_geo.zoning.balance import LandUseWarning, land_use_balance
    from haiha_geo.zoning.export import balance_report

    if args.existing or args.existing_field or args.phase_field or args.plots:
        return _balance_form(args)
    with warn_lines(LandUseWarning):
        result = land_use_balance(args.plan, field=args.field, population=args.population,
                                  study_area=args.unit, era=args.era, code_map=args.cad_layer_map,
                                  strict=args.strict, categories=args.categories,
                                  codes=None if args.categories else args.codes, layer=args.layer, crs=args.crs)
    if args.format == "xlsx":  # through the balance, so the workbook is never written over the plan
        result.to_xlsx(args.out, lang=args.lang or "vi")
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    payload = pick(args, lambda: balance_report(result), lambda: result.render(args.format))  # docx: no render
    emit(payload, None if isinstance(payload, str) else args.format, args.out, args.lang)
    return 0


def _balance_form(args: argparse.Namespace) -> int:
    """The forms of ``balance``: hiện trạng and quy hoạch (or phases) side by side, or the plot table."""
    from haiha_geo.dossier import read_dossier
    from haiha_geo.zoning.balance import LandUseWarning, plot_table, staged_balance
    from haiha_geo.zoning.export import plot_report, staged_report

    dossier = read_dossier(args.title_block)
    codes = args.categories or args.codes
    with warn_lines(LandUseWarning):
        if args.plots:
            report = plot_report(plot_table(args.plan, field=args.field, codes=codes, layer=args.layer,
                                            crs=args.crs), dossier)
        else:
            report = staged_report(staged_balance(args.plan, existing=args.existing,
                                                  existing_field=args.existing_field, phase_field=args.phase_field,
                                                  field=args.field, codes=codes, layer=args.layer, crs=args.crs,
                                                  population=args.population, study_area=args.unit, era=args.era,
                                                  code_map=args.cad_layer_map, strict=args.strict), dossier)
    emit(report, args.format, args.out, args.lang)
    return 0


def _landstat(args: argparse.Namespace) -> int:
    from haiha_geo.dossier import read_dossier
    from haiha_geo.landstat import land_statistics, landstat_report

    dossier = read_dossier(args.title_block)
    with warn_lines():
        stats = land_statistics(args.layer, args.era, code_field=args.field, crs=args.crs, layer_name=args.layer_name,
                                strict=args.strict)
    emit(pick(args, lambda: landstat_report(stats, dossier), stats.table), args.format, args.out, args.lang)
    return 0
