"""``print`` and ``atlas``: printed maps and the map-sheet atlas (PDF, PNG)."""

from __future__ import annotations

import argparse
import math
import sys

from haiha_geo.cli.output import input_paths
from haiha_geo.dossier import read_dossier
from haiha_geo.printing.layout import ORIENTATIONS, PAPERS
from haiha_geo.printing.titleblock import LANGS
from haiha_geo.timeline import era_ids


def register(subparsers) -> None:
    """Add ``print`` (one page of a map spec) and ``atlas`` (one page per map sheet)."""
    p = subparsers.add_parser(
        "print", help="print a map spec on one page (PDF or PNG) at an exact scale, with grid and title block",
        description="Print a map spec on one page at an exact scale in VN-2000 / TM-3 107°45′ (EPSG:5899), "
                    "with grid, north arrow, scale, legend and title block. Without SPEC, the district map.")
    p.add_argument("spec", nargs="?", help="map spec (maps/NAME.toml or a shipped name)")
    _common(p, paper_default=None)
    p.add_argument("--scale", type=int, metavar="N", help="scale 1:N (default: the largest standard scale that fits)")
    p.add_argument("--era", choices=era_ids(), help="print the units of this era")
    p.add_argument("--format", choices=("pdf", "png"),
                   help="output format; must agree with the --out suffix (default: from the suffix)")
    p.add_argument("--dpi", type=int, default=200,
                   help="PNG resolution (default 200; 30 to 1200, and at most 150 million pixels: A0 up to 311)")
    p.add_argument("--extent", metavar="layer|unit|X0,Y0,X1,Y1",
                   help="what the frame holds: the --layer files (a plan on its sheet), the units, or a box in "
                        "EPSG:5899 metres; with --scale, the paper that fits is named if it does not")
    p.add_argument("--center", metavar="X,Y", help="centre of the frame in EPSG:5899 metres")
    p.set_defaults(func=_print)

    p = subparsers.add_parser(
        "atlas", help="one PDF page per map sheet of a unit, at true scale, with sheet-junction diagram",
        description="Print every map sheet covering a unit (the sheets and numbers of `haiha-geo sheets`) at "
                    "true scale: one page each, with corner coordinates, grid, sheet-junction diagram and "
                    "title block.")
    p.add_argument("--unit", required=True, action="append", metavar="NAME", help="unit name; repeatable")
    p.add_argument("--era", required=True, choices=era_ids())
    p.add_argument("--scale", type=int, default=2000, help="sheet scale (default 2000)")
    p.add_argument("--system", choices=("cadastral", "topographic"), default="cadastral")
    p.add_argument("--sheet", action="append", default=[], metavar="NUMBER",
                   help="print only this sheet (repeatable; default every sheet)")
    p.add_argument("--extent", metavar="layer|X0,Y0,X1,Y1",
                   help="print only the sheets that meet the --layer files or a box in EPSG:5899 metres")
    p.add_argument("--skip-empty", action="store_true",
                   help="leave out sheets with nothing but a unit fill; a contents page lists them")
    _common(p, paper_default="A1")
    p.set_defaults(func=_atlas)


def _common(p: argparse.ArgumentParser, paper_default: str | None) -> None:
    p.add_argument("--paper", choices=tuple(PAPERS), default=paper_default,
                   help=f"paper size (default {paper_default or 'A3, or the spec’s'})")
    p.add_argument("--orientation", choices=ORIENTATIONS, help="default: landscape for print, what fits for atlas")
    p.add_argument("--layer", action="append", default=[], metavar="FILE",
                   help="add a vector file; repeatable. A plan with land-use codes (land-law or QCVN) is drawn "
                        "one fill per code, labelled, with a legend of the codes drawn")
    p.add_argument("--title-block", metavar="FILE",
                   help="TOML of the dossier: number, client, prepared_by, consultant, appraised_by, approved_by, "
                        "lead, designer, checker, date (and title); without it the rows are there, empty")
    p.add_argument("--code-field", metavar="COL",
                   help="the column of the --layer files holding their land-use codes (default: found from the "
                        "column names and values)")
    p.add_argument("--lang", choices=LANGS, default="vi", help="language of the page (default vi)")
    p.add_argument("--out", required=True, help="output file (written atomically; a symbolic link is written "
                                                "through to its file)")


def _numbers(text: str | None, option: str, count: int, words: tuple[str, ...] = ()):
    """``text`` as one of ``words`` or ``count`` finite numbers separated by commas (EPSG:5899 metres)."""
    from haiha_geo.errors import OptionError

    if text is None or text in words:
        return text
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count or not all(math.isfinite(v) for v in values):
        shape = ",".join(["X0", "Y0", "X1", "Y1"] if count == 4 else ["X", "Y"])
        choices = " or ".join([*words, shape])
        raise OptionError(f"{option} {text!r}: give {choices} (EPSG:5899 metres, e.g. {option} "
                          f"{'500000,2370000,501000,2371000' if count == 4 else '500500,2370500'})")
    return values


def _report(doc, out: str) -> None:
    for note in doc.notes:
        print(f"note: {note}", file=sys.stderr)
    first = doc.info[0]
    print(f"wrote {out}: {len(doc.pages)} page(s), {first['paper']} {first['orientation']}, "
          f"1:{first['scale']:,}, frame {first['frame_mm'][0]:.1f} × {first['frame_mm'][1]:.1f} mm", file=sys.stderr)


def _print(args: argparse.Namespace) -> int:
    from haiha_geo.io import output_format
    from haiha_geo.printing.page import SUFFIXES, print_map

    output_format(args.out, args.format, SUFFIXES)  # before any work: PNG bytes never go into a .pdf
    doc = print_map(args.spec, paper=args.paper, orientation=args.orientation, scale=args.scale, era=args.era,
                    layers=args.layer, lang=args.lang, extent=_numbers(args.extent, "--extent", 4, ("layer", "unit")),
                    center=_numbers(args.center, "--center", 2), code_field=args.code_field,
                    dossier=read_dossier(args.title_block))
    doc.save(args.out, format=args.format, dpi=args.dpi, inputs=input_paths(args))
    _report(doc, args.out)
    return 0


def _atlas(args: argparse.Namespace) -> int:
    from haiha_geo.io import output_format
    from haiha_geo.printing.atlas_pages import atlas
    from haiha_geo.printing.page import SUFFIXES

    output_format(args.out, "pdf", SUFFIXES)
    doc = atlas(args.unit, era=args.era, scale=args.scale, system=args.system, paper=args.paper,
                orientation=args.orientation, layers=args.layer, lang=args.lang, only=args.sheet,
                extent=_numbers(args.extent, "--extent", 4, ("layer",)), code_field=args.code_field,
                dossier=read_dossier(args.title_block), skip_empty=args.skip_empty)
    doc.save(args.out, format="pdf", inputs=input_paths(args))
    _report(doc, args.out)
    return 0
