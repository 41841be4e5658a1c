"""``export``: exchanging layers and tables with QGIS (GeoPackage with styles, Shapefiles)."""

from __future__ import annotations

import argparse
import sys

from haiha_geo.errors import OptionError
from haiha_geo.printing.layout import ORIENTATIONS, PAPERS
from haiha_geo.printing.titleblock import LANGS
from haiha_geo.timeline import era_ids


def register(subparsers) -> None:
    """Add ``export --out FILE [--crs EPSG:5899|EPSG:4326] [--format gpkg|shp]``."""
    parser = subparsers.add_parser(
        "export", help="every era, theme and table as a styled GeoPackage (or Shapefiles) for QGIS",
        description="Write the units of every era, the new-rural status, the project sites, the 1:2000 sheet "
                    "index of the zoning study and the lineage/crosswalk/acts tables as one GeoPackage whose "
                    "layers open styled in QGIS, or as Shapefiles with .cpg/.prj/.qml beside each .shp.")
    parser.add_argument("--out", help="FILE.gpkg, or FILE.zip for --format shp (with --qgis-project: default the "
                                      "project's name with .gpkg)")
    parser.add_argument("--crs", default="EPSG:5899", choices=("EPSG:5899", "EPSG:4326"),
                        help="CRS of the layers (default EPSG:5899, VN-2000 / TM-3 107°45′)")
    parser.add_argument("--format", choices=("gpkg", "shp"),
                        help="gpkg or shp (Shapefiles with .cpg/.prj/.qml in one .zip); must agree with the --out "
                             "suffix (default: from the suffix, .gpkg or .zip)")
    parser.add_argument("--layer", action="append", default=[], metavar="FILE",
                        help="add your own vector file (a plan) as the first layer; a plan with land-use codes "
                             "gets one category per code present, in the colours of print and map; repeatable")
    parser.add_argument("--code-field", metavar="COL", help="the column of the --layer files' land-use codes")
    _qgis_options(parser)
    parser.set_defaults(func=_export)


def _qgis_options(parser: argparse.ArgumentParser) -> None:
    """``--qgis-project F.qgz`` and the options of its print layout."""
    group = parser.add_argument_group("QGIS project (--qgis-project)")
    group.add_argument("--qgis-project", metavar="F.qgz",
                       help="also write a QGIS project over the GeoPackage (relative paths, styled layers) with a "
                            "print layout, also as F.qpt: map at --scale, VN-2000 grid, legend, scale bar, north "
                            "arrow, title block")
    group.add_argument("--scale", type=int, metavar="N", help="map scale 1:N (default: the largest standard scale "
                                                              "at which the extent fits)")
    group.add_argument("--extent", default="unit", metavar="unit|layer|X0,Y0,X1,Y1",
                       help="what the map is centred on: unit (the units of --era, default), layer (the zoning "
                            "study area) or a box in EPSG:5899 metres")
    group.add_argument("--era", choices=era_ids(), help="era of the units on the map (default the latest)")
    group.add_argument("--paper", choices=tuple(PAPERS), default="A3", help="paper of the layout (default A3)")
    group.add_argument("--orientation", choices=ORIENTATIONS, default="landscape")
    group.add_argument("--title-block", metavar="FILE", help="TOML file of the dossier fields of the title block")
    group.add_argument("--lang", choices=LANGS, default="vi", help="language of the layout (default vi)")


def _export(args: argparse.Namespace) -> int:
    """Write the export and list its layers on stderr."""
    from haiha_geo.exchange.gpkg import export_gpkg
    from haiha_geo.exchange.shapefile import export_shapefiles
    from haiha_geo.io import output_format

    if args.qgis_project:
        return _qgis_project(args)
    if not args.out:
        raise OptionError("export needs --out FILE.gpkg (or FILE.zip with --format shp), or --qgis-project F.qgz")
    fmt = output_format(args.out, args.format, {"gpkg": (".gpkg",), "shp": (".zip",)})
    result = (export_shapefiles if fmt == "shp" else export_gpkg)(args.out, crs=args.crs, plans=tuple(args.layer),
                                                                  code_field=args.code_field)
    print(f"wrote {result.path} ({result.crs}):\n{result.summary()}", end="", file=sys.stderr)
    return 0


def _qgis_project(args: argparse.Namespace) -> int:
    """Write the GeoPackage, the QGIS project and its layout template; report them on stderr."""
    from haiha_geo.crs import PLANNING_CRS
    from haiha_geo.dossier import read_dossier
    from haiha_geo.exchange.qgis_project import export_qgis_project

    if args.format == "shp" or args.crs != PLANNING_CRS:
        raise OptionError("--qgis-project goes with the GeoPackage in EPSG:5899 (the layout's VN-2000 grid): "
                          "drop --format shp and --crs")
    dossier = read_dossier(args.title_block)
    inputs = tuple(p for p in (args.title_block,) if p)
    out = export_qgis_project(args.qgis_project, args.out, scale=args.scale, extent=args.extent, era=args.era,
                              paper=args.paper, orientation=args.orientation, dossier=dossier, lang=args.lang,
                              inputs=inputs)
    print(f"wrote {out.gpkg.path} ({out.gpkg.crs}):\n{out.gpkg.summary()}wrote {out.project} and {out.template}: "
          f"layout {args.paper} {args.orientation}, map 1:{out.scale:,}, era {out.era}", file=sys.stderr)
    return 0
