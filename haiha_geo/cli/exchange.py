"""``export``: exchanging layers and tables with QGIS (GeoPackage with styles, Shapefiles)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add ``export --out FILE [--crs EPSG:5899|EPSG:4326] [--format gpkg|shp]``."""
    parser = subparsers.add_parser(
        "export", help="every era, theme and table as a styled GeoPackage (or Shapefiles) for QGIS",
        description="Write the units of every era, the new-rural status, the project sites, the 1:2000 sheet "
                    "index of the zoning study and the lineage/crosswalk/acts tables as one GeoPackage whose "
                    "layers open styled in QGIS, or as Shapefiles with .cpg/.prj/.qml beside each .shp.")
    parser.add_argument("--out", required=True, help="FILE.gpkg, or FILE.zip for --format shp")
    parser.add_argument("--crs", default="EPSG:5899", choices=("EPSG:5899", "EPSG:4326"),
                        help="CRS of the layers (default EPSG:5899, VN-2000 / TM-3 107°45′)")
    parser.add_argument("--format", choices=("gpkg", "shp"),
                        help="gpkg or shp (Shapefiles with .cpg/.prj/.qml in one .zip); must agree with the --out "
                             "suffix (default: from the suffix, .gpkg or .zip)")
    parser.add_argument("--layer", action="append", default=[], metavar="FILE",
                        help="add your own vector file (a plan) as the first layer; a plan with land-use codes "
                             "gets one category per code present, in the colours of print and map; repeatable")
    parser.add_argument("--code-field", metavar="COL", help="the column of the --layer files' land-use codes")
    parser.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    """Write the export and list its layers on stderr."""
    from haiha_geo.exchange.gpkg import export_gpkg
    from haiha_geo.exchange.shapefile import export_shapefiles
    from haiha_geo.io import output_format

    fmt = output_format(args.out, args.format, {"gpkg": (".gpkg",), "shp": (".zip",)})
    result = (export_shapefiles if fmt == "shp" else export_gpkg)(args.out, crs=args.crs, plans=tuple(args.layer),
                                                                  code_field=args.code_field)
    print(f"wrote {result.path} ({result.crs}):\n{result.summary()}", end="", file=sys.stderr)
    return 0
