"""The output layer of the command line: every format a command can write, in one place.

A command hands :func:`emit` what it computed (a DataFrame, a GeoDataFrame, a
:class:`haiha_geo.report.ReportTable` or ready text) and the format asked for;
one function per format turns it into text or bytes (:data:`WRITERS`), so a
new format is one function. Output goes to stdout, or atomically to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from haiha_geo.io import write_atomic

#: Outputs larger than this (characters) are announced on stderr with their size.
LARGE_OUTPUT = 10_000_000


def _frame(payload: Any):
    import pandas as pd

    if hasattr(payload, "geometry") and hasattr(payload, "drop"):
        return pd.DataFrame(payload.drop(columns=payload.geometry.name))
    return payload


def _table(payload: Any) -> str:
    from haiha_geo._output import render

    return render(_frame(payload), "table")


def _csv(payload: Any) -> str:
    from haiha_geo._output import render

    return render(_frame(payload), "csv")


def _json(payload: Any) -> str:
    from haiha_geo._output import to_json

    return to_json(_frame(payload) if hasattr(payload, "columns") else payload)


def _markdown(payload: Any) -> str:
    from haiha_geo._output import render

    return render(_frame(payload), "md")


def _geojson(payload: Any) -> str:
    from haiha_geo.crs import to_geographic

    return to_geographic(payload).to_json(ensure_ascii=False, drop_id=True) + "\n"


#: Format name → writer of a DataFrame/GeoDataFrame (or JSON-ready data) as text.
WRITERS: dict[str, Callable[[Any], str | bytes]] = {
    "table": _table, "csv": _csv, "json": _json, "md": _markdown, "geojson": _geojson,
}


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...], default: str = "table") -> None:
    """Add the common ``--format`` option."""
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")


def emit(payload: Any, fmt: str | None = None, out: str | Path | None = None) -> None:
    """Write ``payload`` in format ``fmt`` (ready text when ``fmt`` is None) to stdout or atomically to ``out``."""
    text = payload if fmt is None else WRITERS[fmt](payload)
    size = len(text)
    if size > LARGE_OUTPUT:
        print(f"haiha-geo: warning: the output is large ({size / 1e6:,.1f} MB); "
              "a narrower --era or --unit, or --format csv, makes it smaller", file=sys.stderr)
    if out:
        write_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
    else:
        sys.stdout.write(text)


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
