"""``map``: interactive HTML maps from a spec."""

from __future__ import annotations

import argparse
import sys
import warnings

from haiha_geo.errors import InputFileError, LargeOutputWarning


def register(subparsers) -> None:
    """Add ``map [SPEC] --out PATH.html [--offline] [--tiles T] [--layer FILE ...] [--crs CRS] [--tolerance M]``."""
    parser = subparsers.add_parser(
        "map", help="render an interactive HTML map from a spec (default: the district map)",
        description="Render an interactive HTML map. Without SPEC, the default district map (all eras and "
                    "the merger view). The report (vertices, bytes, largest displacement) goes to stderr.")
    parser.add_argument("spec", nargs="?", help="map spec (maps/NAME.toml)")
    parser.add_argument("--out", required=True, help="output HTML file (written atomically; never one of the inputs)")
    parser.add_argument("--offline", action="store_true",
                        help="inline every script and stylesheet; load nothing from the network")
    parser.add_argument("--tiles", metavar="URL_TEMPLATE_OR_FOLDER",
                        help="basemap: a {z}/{x}/{y} URL template or a local folder of XYZ tiles")
    parser.add_argument("--layer", action="append", default=[], metavar="FILE",
                        help="add a user layer (GeoJSON, GeoPackage, Shapefile, …); repeatable. A plan with "
                             "land-use codes is filled per code, labelled, with a legend of the codes present")
    parser.add_argument("--code-field", metavar="COL", help="the column of the --layer files' land-use codes")
    parser.add_argument("--crs", "--assume-crs", dest="crs", metavar="CRS",
                        help="CRS of --layer files that declare none (e.g. EPSG:5899); a declared CRS is kept")
    parser.add_argument("--tolerance", metavar="METRES",
                        help="largest boundary displacement allowed by simplification (default 20 m); "
                             "larger values give smaller pages")
    parser.set_defaults(func=_map)


def _map(args: argparse.Namespace) -> int:
    """Check the options, build the map, write it, and print its figures (and any size warning) to stderr."""
    from haiha_geo.maps.builder import build_map

    if not str(args.out).lower().endswith((".html", ".htm")):
        raise InputFileError(f"--out {args.out}: the output must be an .html file")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LargeOutputWarning)
        result = build_map(args.spec, offline=args.offline, tiles=args.tiles, layers=args.layer,
                           tolerance_m=args.tolerance, crs=args.crs, code_field=args.code_field)
    result.save(args.out)
    s = result.stats
    print(f"wrote {args.out}: {s['html_bytes']:,} bytes (data {s['data_bytes']:,}); vertices "
          f"{s['vertices_before']:,} → {s['vertices_after']:,} ({s['stored_vertices']:,} stored as shared arcs); "
          f"largest displacement {s['max_displacement_m']:.2f} m at tolerance {s['tolerance_m']:g} m; "
          f"built in {s['build_seconds']:.2f} s", file=sys.stderr)
    for w in caught:
        if issubclass(w.category, LargeOutputWarning):
            print(f"haiha-geo: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return 0
