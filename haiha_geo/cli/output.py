"""The output layer of the command line: every format a command can write, in one place.

A command hands :func:`emit` what it computed (a DataFrame, a GeoDataFrame, a
:class:`haiha_geo.report.ReportTable` or ready text) and the format asked for;
one function per format turns it into text or bytes (:data:`WRITERS`), so a
new format is one function. Output goes to stdout, or atomically to ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from haiha_geo import disk_cache
from haiha_geo.errors import OptionError
from haiha_geo.io import write_atomic

#: Outputs larger than this (characters) are announced on stderr with their size.
LARGE_OUTPUT = 10_000_000


def _frame(payload: Any):
    import pandas as pd

    if hasattr(payload, "geometry") and hasattr(payload, "drop"):
        return pd.DataFrame(payload.drop(columns=payload.geometry.name))
    return payload


def _is_report(payload: Any) -> bool:
    from haiha_geo.report import ReportTable

    return isinstance(payload, ReportTable)


def _text(fmt: str) -> Callable[[Any, str | None], str]:
    """The writer of ``fmt`` (table, csv, md): a ReportTable in ``lang``, a DataFrame with its own column names."""
    def write(payload: Any, lang: str | None = None) -> str:
        from haiha_geo._output import render

        if _is_report(payload):
            return payload.render(fmt, lang)
        return render(_frame(payload), fmt)

    write.__name__ = f"_{fmt}"
    return write


def _json(payload: Any, lang: str | None = None) -> str:
    from haiha_geo._output import to_json

    if _is_report(payload):
        return payload.render("json", lang)
    return to_json(_frame(payload) if hasattr(payload, "columns") else payload)


def _xlsx(payload: Any, lang: str | None = None) -> bytes:
    from haiha_geo.report import xlsx_bytes

    if not _is_report(payload):
        raise TypeError("xlsx writes a ReportTable; build one with haiha_geo.report_tables")
    return xlsx_bytes(payload, lang or "vi")


def _docx(payload: Any, lang: str | None = None) -> bytes:
    from haiha_geo.report_docx import docx_bytes

    if not _is_report(payload):
        raise TypeError("docx writes a ReportTable; build one with haiha_geo.report_tables")
    return docx_bytes(payload, lang or "vi")


def _geojson(payload: Any, lang: str | None = None) -> str:
    from haiha_geo.crs import to_geographic

    return to_geographic(payload).to_json(ensure_ascii=False, drop_id=True) + "\n"


#: Format name → writer ``(payload, lang) -> text or bytes`` of a ReportTable, DataFrame/GeoDataFrame
#: or JSON-ready data.
WRITERS: dict[str, Callable[[Any, str | None], str | bytes]] = {
    "table": _text("table"), "csv": _text("csv"), "json": _json, "md": _text("md"), "xlsx": _xlsx,
    "docx": _docx, "geojson": _geojson,
}
#: File-name suffixes of each format: an ``--out`` ending in one of another format is refused.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "table": (".txt",), "csv": (".csv",), "json": (".json",), "md": (".md",), "xlsx": (".xlsx",),
    "docx": (".docx",), "geojson": (".geojson",),
}
#: Formats for people: a command hands them its ReportTable.
HUMAN_FORMATS = ("table", "md", "xlsx", "docx")
#: Formats written as files (bytes), never to the terminal.
BINARY_FORMATS = ("xlsx", "docx")
#: The formats of a command that prints a report table.
REPORT_FORMATS = ("table", "csv", "json", "md", "xlsx", "docx")


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...], default: str = "table") -> None:
    """Add the common ``--format`` option; with ``xlsx`` among ``choices`` also ``--out`` and ``--lang``."""
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")
    if set(BINARY_FORMATS) & set(choices):
        parser.add_argument("--lang", choices=("vi", "en"),
                            help="language of headers, title and notes (default: Vietnamese for table, md and "
                                 "xlsx; csv and json keep their snake_case keys unless --lang is given)")
        if not any("--out" in a.option_strings for a in parser._actions):
            parser.add_argument("--out", metavar="FILE", help="write to FILE (atomically); required for xlsx and docx")
        if not any("--title-block" in a.option_strings for a in parser._actions):
            parser.add_argument("--title-block", metavar="FILE",
                                help="TOML of the dossier (agency, place, date, người lập biểu, thủ trưởng đơn vị): "
                                     "the table gets the agency line, the place-and-date line and the signature block")


def pick(args: argparse.Namespace, report: Any, frame: Any) -> Any:
    """What to write: the ReportTable for people (or any format when ``--lang`` is given), else the frame.

    ``report`` and ``frame`` may be callables, called only when chosen.
    """
    if args.format in HUMAN_FORMATS or getattr(args, "lang", None):
        return framed(args, report() if callable(report) else report)
    return frame() if callable(frame) else frame


#: The formats a table is handed in as: framed with the signature block even without ``--title-block``.
DOCUMENT_FORMATS = ("xlsx", "docx")


def framed(args: argparse.Namespace, report: Any) -> Any:
    """``report`` with the agency line, place-and-date line and signature block of ``--title-block``.

    Without ``--title-block`` a document (XLSX, DOCX) gets the same frame with empty fields ("…, ngày … tháng …
    năm …", the signers' titles over blank lines) to fill in by hand; the terminal and Markdown stay unframed.
    A form (a report that has its frame already) and anything that is not a report are returned as they are.
    """
    path = getattr(args, "title_block", None)
    if not _is_report(report) or report.form is not None or (path is None and args.format not in DOCUMENT_FORMATS):
        return report
    from haiha_geo.dossier import read_dossier
    from haiha_geo.report import FormFrame

    frame = FormFrame(report.title, report.title_en or "", column_numbers=False, dossier=read_dossier(path))
    return dataclasses.replace(report, form=frame)


def emit(payload: Any, fmt: str | None = None, out: str | Path | None = None, lang: str | None = None) -> None:
    """Write ``payload`` in format ``fmt`` (ready text when ``fmt`` is None) to stdout or atomically to ``out``.

    Raises
    ------
    OptionError
        A binary format (xlsx) without ``out``.
    """
    if out and fmt:
        check_suffix(out, fmt)
    text = payload if fmt is None else WRITERS[fmt](payload, lang)
    size = len(text)
    if isinstance(text, bytes) and not out:
        raise OptionError(f"--format {fmt} writes a binary file: give --out FILE.{fmt}")
    if size > LARGE_OUTPUT:
        print(f"haiha-geo: warning: the output is large ({size / 1e6:,.1f} MB); "
              "a narrower --era or --unit, or --format csv, makes it smaller", file=sys.stderr)
    if out:
        write_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def written(args: argparse.Namespace, payload: Any) -> str | bytes:
    """``payload`` written in the command's ``--format`` (and ``--lang``)."""
    return WRITERS[args.format](payload, getattr(args, "lang", None))


def emit_cached(args: argparse.Namespace, parts: list, render: Callable[[], str | bytes], *,
                sources: bool = True) -> None:
    """Write the command's output ``render()``, or the same output kept in the disk cache by an earlier run.

    The entry is keyed by the command, ``parts`` (what else its output depends on), ``--format`` and
    ``--lang``, and (with ``sources``) the reference files (see :mod:`haiha_geo.disk_cache`); a warm run
    imports none of the libraries ``render`` needs.
    """
    fmt = args.format
    if getattr(args, "out", None):  # before the work, as emit would after it
        check_suffix(args.out, fmt)
    keyed = [*parts, fmt, getattr(args, "lang", None), _title_block_text(args),
             *([disk_cache.source_files()] if sources else [])]

    def build() -> bytes:
        text = render()
        return text if isinstance(text, bytes) else text.encode("utf-8")

    data = disk_cache.remember(args.command, keyed, build)
    emit(data if fmt in BINARY_FORMATS else data.decode("utf-8"), None, getattr(args, "out", None))


def _title_block_text(args: argparse.Namespace) -> str | None:
    """What ``--title-block`` holds (its output depends on it), or None without one or when it cannot be read."""
    path = getattr(args, "title_block", None)
    try:
        return None if path is None else Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def check_suffix(out: str | Path, fmt: str) -> None:
    """Refuse an ``out`` whose suffix names another format than ``fmt`` (CSV text in ``x.xlsx`` opens nowhere).

    A suffix that names no format (``.out``, none) is left to the user.

    Raises
    ------
    OptionError
        Naming the format the suffix asks for.

    Examples
    --------
    >>> check_suffix("stats.md", "md"), check_suffix("stats.out", "csv")
    (None, None)
    >>> check_suffix("stats.xlsx", "csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.OptionError: --out stats.xlsx ends in .xlsx, the suffix of xlsx, but the format is csv: give ...
    """
    path = Path(out)
    named = next((f for f, ends in SUFFIXES.items() if path.suffix.lower() in ends), None)
    if named not in (None, fmt) and not (fmt == "geojson" and named == "json"):
        raise OptionError(f"--out {path} ends in {path.suffix}, the suffix of {named}, but the format is {fmt}: "
                          f"give --format {named}, or name the file {path.with_suffix(SUFFIXES[fmt][0]).name}")


#: Options (argparse ``dest``) that name files a command writes: never taken for its inputs.
OUTPUT_OPTIONS = ("out", "contributions")


def input_paths(args: argparse.Namespace) -> list[Path]:
    """Every option or argument of ``args`` but :data:`OUTPUT_OPTIONS` that names an existing file or folder."""
    values = [v for k, v in vars(args).items() if k not in OUTPUT_OPTIONS]
    flat = [x for v in values for x in (v if isinstance(v, (list, tuple)) else [v])]
    return [Path(x).expanduser() for x in flat if isinstance(x, str) and x and Path(x).expanduser().exists()]


@contextmanager
def warn_lines(*categories: type[Warning]):
    """Print each warning of ``categories`` (and every geometry repair) as one line ``haiha-geo: warning: …``."""
    from haiha_geo.errors import GeometryRepairWarning

    with warnings.catch_warnings(record=True) as caught:
        for category in (GeometryRepairWarning, *categories):
            warnings.simplefilter("always", category)
        yield
    for warning in caught:
        if issubclass(warning.category, (GeometryRepairWarning, *categories)):
            print(f"haiha-geo: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
