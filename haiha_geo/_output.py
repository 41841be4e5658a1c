"""Render tables for the CLI: aligned text, CSV, JSON, Markdown.

JSON is UTF-8 with diacritics kept; NaN becomes null; row and key order are
those of the input, so output is stable across runs.

CSV is formula-safe (OWASP, "CSV injection"): a text field that a spreadsheet
would run as a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, also after leading spaces) is written with a leading ``'``
and in double quotes. Numbers are never touched, negative ones included.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "json", "md")
#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = frozenset("=+-@\t\r")


def format_number(value: float, digits: int = 0, lang: str = "vi") -> str:
    """``value`` with ``digits`` decimals in the number format of ``lang`` (vi: ``.`` thousands, ``,`` decimals).

    Examples
    --------
    >>> format_number(1349.05, 2), format_number(1_000_000), format_number(1349.05, 2, "en")
    ('1.349,05', '1.000.000', '1,349.05')
    """
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text


def formula_like(value: Any) -> bool:
    """True when ``value`` is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> [formula_like(v) for v in ["=1+1", " =1+1", "\\t=1+2", "-1+2", "@SUM(A1)", "NO-M", -5, "Quảng Hà"]]
    [True, True, True, True, True, False, False, False]
    """
    if not isinstance(value, str) or not value:
        return False
    return value[0] in FORMULA_STARTS or value.lstrip()[:1] in FORMULA_STARTS


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when :func:`formula_like`, else unchanged.

    Examples
    --------
    >>> print(neutralise('=HYPERLINK("http://x","y")'), neutralise("NO-M"), neutralise(-1.5))
    '=HYPERLINK("http://x","y") NO-M -1.5
    """
    return "'" + value if formula_like(value) else value


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


def _csv_field(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    text = str(value)
    if formula_like(value):
        return '"' + neutralise(text).replace('"', '""') + '"'
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def to_csv(frame: pd.DataFrame) -> str:
    """UTF-8 CSV of ``frame`` (header of column names, ``\\n`` line ends), formula-safe.

    Fields are quoted only when needed, as the :mod:`csv` module does, and
    always when neutralised (see the module notes).

    Examples
    --------
    >>> print(to_csv(pd.DataFrame({"code": ["=1+1", "NO-M", "a,b"], "area_ha": [-1.5, 2.0, None]})), end="")
    code,area_ha
    "'=1+1",-1.5
    NO-M,2.0
    "a,b",
    """
    lines = [",".join(_csv_field(c) for c in frame.columns)]
    lines += [",".join(_csv_field(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4f}"
    return str(value)


def _numeric(frame: pd.DataFrame, right: list[bool] | None) -> list[bool]:
    return right if right is not None else [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]


def to_text(frame: pd.DataFrame, right: list[bool] | None = None) -> str:
    """Aligned plain-text table; numbers (or the columns flagged in ``right``) right-aligned, unknown values blank."""
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    heads = [str(c) for c in frame.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    numeric = _numeric(frame, right)

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(heads), rule, *(line(r) for r in cells)]) + "\n"


def to_markdown(frame: pd.DataFrame, right: list[bool] | None = None) -> str:
    """GitHub-flavoured Markdown table (pipes in values and headers escaped); ``right`` as in :func:`to_text`."""
    def esc(v: Any) -> str:
        return _cell(v).replace("|", "\\|").replace("\r", " ").replace("\n", " ")

    lines = ["| " + " | ".join(esc(c) for c in frame.columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in _numeric(frame, right)) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def render(frame: pd.DataFrame, fmt: str) -> str:
    """Render ``frame`` in one of :data:`FORMATS`."""
    if fmt == "json":
        return to_json(frame)
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "md":
        return to_markdown(frame)
    if fmt == "table":
        return to_text(frame)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
