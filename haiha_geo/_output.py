"""Render tables for the CLI: aligned text, CSV, JSON, Markdown.

JSON is UTF-8 with diacritics kept; NaN becomes null; row and key order are
those of the input, so output is stable across runs.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "json", "md")


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _clean(value.item())
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON-ready dicts (NaN and NA become None)."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def to_json(payload: Any) -> str:
    """Serialise ``payload`` (a DataFrame or plain data) as indented UTF-8 JSON."""
    if isinstance(payload, pd.DataFrame):
        payload = records(payload)
    return json.dumps(payload, ensure_ascii=False, indent=2, default=_clean) + "\n"


def _cell(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4f}"
    return str(value)


def to_text(frame: pd.DataFrame) -> str:
    """Aligned plain-text table; numbers right-aligned, unknown values blank."""
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    heads = [str(c) for c in frame.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(heads), rule, *(line(r) for r in cells)]) + "\n"


def to_markdown(frame: pd.DataFrame) -> str:
    """GitHub-flavoured Markdown table (pipes in values escaped)."""
    def esc(v: Any) -> str:
        return _cell(v).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def render(frame: pd.DataFrame, fmt: str) -> str:
    """Render ``frame`` in one of :data:`FORMATS`."""
    if fmt == "json":
        return to_json(frame)
    if fmt == "csv":
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "md":
        return to_markdown(frame)
    if fmt == "table":
        return to_text(frame)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
