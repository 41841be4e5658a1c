"""Land-use categories of a zoning plan (bảng cân bằng sử dụng đất), as data.

Two code lists classify a plan (:mod:`haiha_geo.land_codes`): the QCVN
zoning groups of ``layers/landuse_categories.csv`` (hierarchy, colours,
norms) and the land-law codes of ``layers/land_use_codes.csv``; a source and
a confidence tag for every value. A user may pass a CSV of the same shape
(at least ``code``, ``parent``, ``name``) instead. :func:`classify` picks the
list for a plan's codes and says how each code was read.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from haiha_geo import land_codes
from haiha_geo.authored import read_csv
from haiha_geo.errors import InputFileError, OptionError, RegistryError

CATEGORIES_FILE = "landuse_categories.csv"
COLUMNS = ("code", "parent", "name", "name_en", "colour", "colour_source", "colour_confidence", "min_m2_per_person",
           "min_share_pct", "share_of", "norm_source", "norm_confidence", "source", "confidence", "landlaw_codes",
           "landlaw_source", "landlaw_confidence", "note")
#: What ``codes`` may name besides a file: detect from the plan's values, or one of the two shipped lists.
CODE_SYSTEMS = ("auto", *land_codes.SYSTEMS)
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
    return _framed(_read_rows(path), str(path or f"layers/{CATEGORIES_FILE}"))


def landlaw_categories() -> pd.DataFrame:
    """The land-law code list (``layers/land_use_codes.csv``) as a category table like :func:`load_categories`.

    ``name`` is the Vietnamese name, ``colour`` the fill (``#rrggbb``, empty
    where no source gives one); there are no norms.

    Examples
    --------
    >>> law = landlaw_categories().set_index("code")
    >>> law.loc["LUC", ["parent", "colour", "confidence"]].tolist(), int(law.loc["LUC", "level"])
    (['LUA', '#fffc8c', 'C2'], 4)
    """
    rows = [{"code": c.code, "parent": c.parent or "", "name": c.name_vi, "name_en": c.name_en or "",
             "colour": c.hex or "", "colour_source": c.rgb_source or "", "colour_confidence": c.rgb_confidence or "",
             "source": c.source or "", "confidence": c.confidence or "", "note": c.note or ""}
            for c in land_codes.codes(land_codes.LANDLAW).values()]
    return _framed(rows, f"layers/{land_codes.FILES[land_codes.LANDLAW]}")


def _framed(rows: list[dict[str, str]], label: str) -> pd.DataFrame:
    cells = [{column: str(row.get(column) or "").strip() for column in COLUMNS} for row in rows]  # plain str: fast
    frame = pd.DataFrame(cells, columns=list(COLUMNS), dtype=object)
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


@dataclass(frozen=True)
class Classification:
    """How the codes of a plan are read: the category table, the codes read as others, the unknown ones.

    Attributes
    ----------
    system : str
        ``"landlaw"``, ``"qcvn"`` or the path of the user's code list.
    categories : pandas.DataFrame
        The category table of that list (:func:`load_categories`).
    mapped : dict
        Plan code → category code, for each plan code that is not itself a
        category code (another spelling, a legacy land-law code, a land-law
        code placed in a QCVN group); ``reasons`` says why for each.
    unknown : dict
        Plan code → the nearest known codes, for each code no rule places.
    """

    system: str
    categories: pd.DataFrame
    mapped: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The code list in words: ``layers/land_use_codes.csv (land-law codes)`` or the user's file."""
        if self.system == land_codes.LANDLAW:
            return f"layers/{land_codes.FILES[land_codes.LANDLAW]} (land-law codes)"
        if self.system == land_codes.QCVN:
            return f"layers/{CATEGORIES_FILE} (QCVN 01:2021/BXD groups)"
        return self.system

    def regroup(self, areas: pd.Series) -> pd.Series:
        """``areas`` by plan code summed by the category code each is read as (unknown codes kept)."""
        return areas.groupby(lambda code: self.mapped.get(code, code), sort=False).sum()

    def notes(self, areas: pd.Series) -> list[str]:
        """What a reader of the balance must be told: codes read as others, codes left unclassified."""
        notes = []
        if self.mapped:
            listed = "; ".join(f"{code!r} → {self.mapped[code]} ({self.reasons[code]})" for code in sorted(self.mapped))
            notes.append(f"{len(self.mapped)} code(s) counted in another code of {self.label}: {listed}")
        if self.unknown:
            notes.append(self.unknown_message(areas, kept=True))
        return notes

    def unknown_message(self, areas: pd.Series, *, kept: bool = False) -> str:
        """One line naming each unknown code, its area (``areas`` in m² by code), the nearest codes and the fix."""
        listed = ", ".join(f"{code!r} ({areas[code] / 1e4:,.4f} ha; nearest: {', '.join(near) or 'none'})"
                           for code, near in sorted(self.unknown.items()))
        what = ", kept as unclassified rows" if kept else ""
        return (f"{len(self.unknown)} land-use code(s) not in {self.label}{what}: {listed}; "
                "correct them in the plan, or give a code list that has them (a CSV with code, parent, name: "
                "haiha-geo balance --codes FILE, or codes=FILE in Python)")


def classify(values: Any, codes: str | os.PathLike | None = None) -> Classification:
    """Read the plan codes ``values`` with the code list ``codes``.

    Parameters
    ----------
    values : iterable of str
        The distinct codes of a plan.
    codes : {"auto", "landlaw", "qcvn"} or path, optional
        The code list: detected from ``values`` (``"auto"``, the default:
        :func:`haiha_geo.land_codes.detect_system`), the land-law codes, the
        QCVN groups, or a category CSV.

    Returns
    -------
    Classification
        A plan code is read as a category code when it is one; else, in
        turn, when it differs only in case, when it is a legacy land-law code
        (land-law list), when it is a land-law code the QCVN file places in a
        group (QCVN list); else it is unknown, with the nearest known codes.

    Examples
    --------
    >>> found = classify(["ONT", "LUN", "dgt", "ONTT"])
    >>> found.system, found.mapped, found.unknown
    ('landlaw', {'LUN': 'LUK', 'dgt': 'DGT'}, {'ONTT': ['ONT']})
    >>> classify(["NO-M", "ONT"], codes="qcvn").mapped
    {'ONT': 'DVO'}
    """
    values = [str(v) for v in values]
    system = _system(values, codes)
    frame = (landlaw_categories() if system == land_codes.LANDLAW
             else load_categories(None if system == land_codes.QCVN else system))
    known = set(frame["code"])
    by_case = {code.upper(): code for code in frame["code"]}
    found = Classification(str(system), frame)
    for value in values:
        if value in known:
            continue
        target, reason = _reading(value, by_case, system, frame)
        if target is None:
            found.unknown[value] = _nearest(value, system, list(known))
        else:
            found.mapped[value], found.reasons[value] = target, reason
    return found


def _system(values: list[str], codes: str | os.PathLike | None) -> str | os.PathLike:
    if codes is None or codes == "auto":
        return land_codes.detect_system(values)
    if str(codes) in land_codes.SYSTEMS:
        return str(codes)
    if not Path(codes).suffix and not Path(codes).is_file():
        raise OptionError(f"--codes {codes!r}: expected one of {', '.join(CODE_SYSTEMS)} or a CSV file")
    return codes


def _reading(value: str, by_case: dict[str, str], system: Any, frame: pd.DataFrame) -> tuple[str | None, str]:
    key = value.strip().upper()
    if key in by_case:
        return by_case[key], f"read as {by_case[key]}"
    if system == land_codes.LANDLAW:
        legacy = land_codes.legacy_codes().get(key)
        if legacy:
            return legacy.current, (f"legacy code of {legacy.system}, {legacy.relation}; source {legacy.source} "
                                    f"[{legacy.confidence}]")
    if system == land_codes.QCVN:
        resolved = land_codes.resolve(key)
        if resolved:
            law = resolved[0].code
            for code, listed, tag in zip(frame["code"], frame["landlaw_codes"], frame["landlaw_confidence"]):
                if law in listed.split(";"):
                    return code, f"land-law code {law} placed in {code} by layers/{CATEGORIES_FILE} [{tag}]"
    return None, ""


def _nearest(value: str, system: Any, known: list[str]) -> list[str]:
    if str(system) in land_codes.SYSTEMS:
        return land_codes.nearest(value, [str(system)])
    return land_codes.close_matches(value, known)
