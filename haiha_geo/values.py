"""Checking numbers a user gives (options and parameters), with one message everywhere.

Examples
--------
>>> positive_number("2000", "--scale", integer=True)
2000
>>> positive_number(float("inf"), "--tolerance", unit="metres", example=20)
Traceback (most recent call last):
...
haiha_geo.errors.OptionError: --tolerance inf: must be a finite positive number of metres, for example --tolerance 20
"""

from __future__ import annotations

import math
from typing import Any

from haiha_geo.errors import OptionError


def positive_number(value: Any, name: str, *, integer: bool = False, unit: str | None = None,
                    example: float | int = 1) -> float | int:
    """Return ``value`` as a finite number greater than 0 (an ``int`` when ``integer``), else :class:`OptionError`.

    ``name`` is the option (``--population``) or parameter (``population``)
    the value came from; the message names it and shows an example in the
    same spelling (``--population 4000`` or ``population=4000``). Booleans are
    refused (``True`` is not a number of people).
    """
    try:
        number = math.nan if isinstance(value, bool) or str(value).strip() == "" else float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0) or (integer and number != int(number)):
        kind = "whole number" if integer else "number"
        of = f" of {unit}" if unit else ""
        shown = f"{name} {example}" if name.startswith("--") else f"{name}={example}"
        raise OptionError(f"{name} {value}: must be a finite positive {kind}{of}, for example {shown}")
    return int(number) if integer else number
