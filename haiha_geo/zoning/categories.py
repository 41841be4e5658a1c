"""Land-use categories of a zoning plan (bảng cân bằng sử dụng đất), as data.

The hierarchy, codes, colours and norms live in ``layers/landuse_categories.csv``
(one row per category, parents before children; a source and a confidence tag
for every value). A user may pass a CSV of the same shape instead.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from haiha_geo.authored import read_csv
from haiha_geo.errors import InputFileError, RegistryError

CATEGORIES_FILE = "landuse_categories.csv"
COLUMNS = ("code", "parent", "name", "name_en", "colour", "min_m2_per_person", "min_share_pct", "share_of",
           "norm_confidence", "norm_source", "confidence", "source", "code_colour_source")
#: The one confidence tag that counts as verified (confirmed in the cited source).
VERIFIED = "C"


@dataclass(frozen=True)
class Norm:
    """A minimum: m² per person, or a share (%) of another category's area."""

    min_m2_per_person: float | None
    min_share_pct: float | None
    share_of: str | None
    confidence: str
    source: str

    def describe(self) -> str:
        """Short text such as ``'≥ 2 m²/person [C2]'``.

        Examples
        --------
        >>> Norm(None, 18.0, "DXD", "I", "").describe()
        '≥ 18% of DXD [I, unverified]'
        """
        parts = []
        if self.min_m2_per_person is not None:
            parts.append(f"≥ {self.min_m2_per_person:g} m²/person")
        if self.min_share_pct is not None:
            parts.append(f"≥ {self.min_share_pct:g}% of {self.share_of}")
        tag = self.confidence if self.confidence == VERIFIED else f"{self.confidence}, unverified"
        return f"{'; '.join(parts)} [{tag}]"


def load_categories(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and check the category table; add ``level`` (1 = top) and keep file order.

    Parameters
    ----------
    path : path-like, optional
        A CSV with the columns of ``layers/landuse_categories.csv``; the
        project's file when omitted.

    Examples
    --------
    >>> cats = load_categories()
    >>> cats.set_index("code").loc[["DXD", "DVO", "CX-DVO"], "level"].tolist()
    [1, 3, 4]
    """
    rows = _read_rows(path)
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object).fillna("")
    frame = frame.apply(lambda col: col.str.strip())
    label = str(path or f"layers/{CATEGORIES_FILE}")
    _check(frame, label)
    levels: dict[str, int] = {}
    for code, parent in zip(frame["code"], frame["parent"]):
        levels[code] = levels[parent] + 1 if parent else 1
    frame["level"] = frame["code"].map(levels)
    return frame


def _read_rows(path) -> list[dict[str, str]]:
    if path is None:
        return [{k: v or "" for k, v in r.items()} for r in read_csv("layers", CATEGORIES_FILE)]
    rows = read_user_csv(path, "category file")
    missing = {"code", "parent", "name"} - set(rows[0] if rows else ())
    if missing:
        raise InputFileError(f"category file {path} lacks the column(s) {', '.join(sorted(missing))}")
    return rows


def read_user_csv(path: str | os.PathLike, what: str) -> list[dict[str, str]]:
    """Rows of a user's UTF-8 CSV (a BOM from Excel is fine); :class:`InputFileError` if unreadable."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read the {what} {path}: {exc}") from None


def _check(frame: pd.DataFrame, label: str) -> None:
    codes = frame["code"]
    if (codes == "").any():
        raise RegistryError(f"{label}: a category has no code")
    duplicated = sorted(set(codes[codes.duplicated()]))
    if duplicated:
        raise RegistryError(f"{label}: duplicated code(s) {', '.join(duplicated)}")
    seen: set[str] = set()
    for code, parent in zip(codes, frame["parent"]):
        if parent and parent not in seen:
            raise RegistryError(f"{label}: {code} names parent {parent!r}, which is not listed above it")
        seen.add(code)
    for code, share_of in zip(codes, frame["share_of"]):
        if share_of and share_of not in seen:
            raise RegistryError(f"{label}: the norm of {code} is a share of unknown category {share_of!r}")


def norm_of(row: Mapping[str, Any]) -> Norm | None:
    """The norm a category row (a mapping of column to text, or a pandas row) states, or None."""
    per_person = _number(row.get("min_m2_per_person", ""))
    share = _number(row.get("min_share_pct", ""))
    if per_person is None and share is None:
        return None
    return Norm(per_person, share, row.get("share_of") or None, row.get("norm_confidence") or "?",
                row.get("norm_source", ""))


def _number(text: str) -> float | None:
    return float(text) if str(text).strip() else None


def descendants(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Map each code to itself and all codes below it.

    Examples
    --------
    >>> sorted(descendants(load_categories())["KHAC"])
    ['CSD', 'KHAC', 'LN', 'MN', 'NN']
    """
    below: dict[str, list[str]] = {code: [code] for code in frame["code"]}
    for code, parent in reversed(list(zip(frame["code"], frame["parent"]))):
        if parent:
            below[parent].extend(below[code])
    return below
