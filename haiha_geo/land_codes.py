"""The coded land-use vocabularies: land-law codes (mã loại đất) and QCVN zoning groups, with names and colours.

Two systems, each read from an authored file through :mod:`haiha_geo.authored`:

``landlaw``
    ``layers/land_use_codes.csv``: the land classification of the Land Law
    2024 as coded by the land-statistics circular 08/2024/TT-BTNMT: groups
    (nhóm: ``NNP``, ``PNN``, ``CSD``), types and codes (``LUC``, ``ONT``,
    ``DGT`` …), each with its Vietnamese name and the fill its land-use map
    (bản đồ hiện trạng sử dụng đất) gives it. Older codes still found in plans
    (``LUN``, ``BHK``, ``DDT``, ``DHT`` …) are in
    ``layers/land_use_codes_legacy.csv`` with the current code they count as.
``qcvn``
    ``layers/landuse_categories.csv``: the zoning groups of a plan's land-use
    balance after QCVN 01:2021/BXD (``DXD``, ``DVO``, ``CX-DVO`` …).

Every value keeps its source (``ref_id``\\ s of ``layers/references.csv``) and
a confidence tag: ``C`` primary text read, ``C2`` secondary source, ``I``
inferred; a value not found is ``None``. This is the vocabulary the plan maps
and the balance share: look a code up with :func:`lookup`, find the system of
a column with :func:`detect_system`, suggest codes for a typo with :func:`nearest`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from haiha_geo._cache import cached
from haiha_geo.authored import read_csv
from haiha_geo.errors import InputFileError, OptionError, RegistryError

LANDLAW, QCVN = "landlaw", "qcvn"
SYSTEMS = (LANDLAW, QCVN)
FILES = {LANDLAW: "land_use_codes.csv", QCVN: "landuse_categories.csv"}
LEGACY_FILE = "land_use_codes_legacy.csv"
CONFIDENCE = ("C", "C2", "I")

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class LandCode:
    """One code of a vocabulary: its place in the hierarchy, its names, its colour and their sources.

    Attributes
    ----------
    code, parent : str
        The code and the code it belongs to (``None`` at the top).
    group : str
        The top-level code above it (itself at the top): ``NNP``, ``PNN`` or ``CSD`` for land-law codes.
    level : int
        1 at the top.
    rgb : tuple of int or None
        The code's own fill; ``None`` where no source gives one (see :func:`colour`).
    """

    code: str
    parent: str | None
    group: str
    level: int
    name_vi: str
    name_en: str | None
    rgb: RGB | None
    rgb_source: str | None
    rgb_confidence: str | None
    source: str | None
    confidence: str | None
    system: str
    note: str | None = None

    @property
    def hex(self) -> str | None:
        """The fill as ``#rrggbb`` (``None`` without one).

        Examples
        --------
        >>> lookup("LUC").hex
        '#fffc8c'
        """
        return None if self.rgb is None else "#{:02x}{:02x}{:02x}".format(*self.rgb)


@dataclass(frozen=True)
class LegacyCode:
    """A land-law code of an earlier list and the current code its land counts in."""

    code: str
    name_vi: str
    system: str
    current: str
    relation: str
    source: str | None
    confidence: str | None
    note: str | None


def codes(system: str = LANDLAW) -> dict[str, LandCode]:
    """The codes of ``system`` (``"landlaw"`` or ``"qcvn"``), in file order (parents first).

    Examples
    --------
    >>> law = codes()
    >>> law["ONT"].parent, law["ONT"].group, law["ONT"].level, law["ONT"].rgb
    ('OTC', 'PNN', 3, (255, 208, 255))
    >>> codes("qcvn")["CX-DVO"].group
    'DXD'
    """
    if system not in SYSTEMS:
        raise OptionError(f"unknown code system {system!r}; expected one of {', '.join(SYSTEMS)}")
    return _codes(system)


@cached
def _codes(system: str) -> dict[str, LandCode]:
    label, found = f"layers/{FILES[system]}", {}
    for row in read_csv("layers", FILES[system]):
        code, parent = row["code"], row["parent"]
        if not code or code in found:
            raise RegistryError(f"{label}: a code is empty or listed twice ({code!r})")
        if parent is not None and parent not in found:
            raise RegistryError(f"{label}: {code} names parent {parent!r}, which is not listed above it")
        above = found.get(parent)
        found[code] = _entry(system, row, code, parent, above, label)
    return found


def _entry(system: str, row: dict, code: str, parent: str | None, above: LandCode | None, label: str) -> LandCode:
    if system == LANDLAW:
        rgb, rgb_source, rgb_confidence = _rgb(row["rgb"], f"{label}, {code}"), row["rgb_source"], row["rgb_confidence"]
        name = row["name_vi"]
    else:
        rgb, rgb_source, rgb_confidence = _hex_rgb(row["colour"]), row["colour_source"], row["colour_confidence"]
        name = row["name"]
    return LandCode(code, parent, above.group if above else code, above.level + 1 if above else 1, name,
                    row["name_en"], rgb, rgb_source, rgb_confidence, row["source"], row["confidence"], system,
                    row.get("note"))


def _rgb(text: str | None, where: str) -> RGB | None:
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) <= 255 for p in parts):
        raise RegistryError(f"{where}: rgb {text!r} is not three numbers 0-255 separated by commas")
    return int(parts[0]), int(parts[1]), int(parts[2])


def _hex_rgb(text: str | None) -> RGB | None:
    return None if not text else (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


@cached
def legacy_codes() -> dict[str, LegacyCode]:
    """Older land-law codes (2013-law lists of TT 28/2014, TT 27/2018, TT 25/2014; planning codes of TT 01/2021).

    Examples
    --------
    >>> old = legacy_codes()["LUN"]
    >>> old.current, old.relation
    ('LUK', 'merged')
    """
    current = codes(LANDLAW)
    found = {}
    for row in read_csv("layers", LEGACY_FILE):
        if row["current"] not in current or row["code"] in current:
            raise RegistryError(f"layers/{LEGACY_FILE}: {row['code']} must be an old code mapped to a current "
                                f"one; {row['current']!r} is not in layers/{FILES[LANDLAW]}")
        found[row["code"]] = LegacyCode(**{k: row[k] for k in LegacyCode.__dataclass_fields__})
    return found


def lookup(code: str, system: str = LANDLAW) -> LandCode | None:
    """The entry of ``code`` in ``system`` (case and surrounding blanks ignored), or ``None``.

    A legacy land-law code is not resolved here: see :func:`resolve`.

    Examples
    --------
    >>> lookup(" dgt ").name_vi
    'Đất công trình giao thông'
    >>> lookup("LUN") is None
    True
    """
    return codes(system).get(str(code).strip().upper())


def resolve(code: str) -> tuple[LandCode, LegacyCode | None] | None:
    """The current land-law entry for ``code`` and, for an older code, the legacy record that maps it.

    Examples
    --------
    >>> entry, legacy = resolve("BHK")
    >>> entry.code, legacy.relation
    ('HNK', 'merged')
    >>> resolve("ONT")[1] is None, resolve("XYZ")
    (True, None)
    """
    entry = lookup(code)
    if entry is not None:
        return entry, None
    legacy = legacy_codes().get(str(code).strip().upper())
    return (codes()[legacy.current], legacy) if legacy else None


def colour(code: str, system: str = LANDLAW) -> tuple[RGB | None, str | None]:
    """The fill to draw ``code`` with and the code that gives it: its own, else its nearest ancestor's.

    Examples
    --------
    >>> colour("TMD")  # the sources disagree on TMD: drawn in the colour of its type
    ((255, 160, 170), 'CSK')
    >>> colour("ONT")
    ((255, 208, 255), 'ONT')
    """
    table, entry = codes(system), lookup(code, system)
    while entry is not None and entry.rgb is None:
        entry = table.get(entry.parent) if entry.parent else None
    return (entry.rgb, entry.code) if entry else (None, None)


def nearest(code: str, systems: Iterable[str] = SYSTEMS, n: int = 3) -> list[str]:
    """Known codes closest in spelling to ``code`` (current and legacy land-law codes, QCVN groups).

    Examples
    --------
    >>> nearest("ONTT")
    ['ONT']
    >>> nearest("NO-MM", systems=["qcvn"])[0]
    'NO-M'
    """
    known: list[str] = []
    for system in systems:
        known += list(codes(system)) + (list(legacy_codes()) if system == LANDLAW else [])
    return close_matches(code, known, n)


def close_matches(code: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``known`` closest to ``code``, case ignored: same letters in another order first (``OTD``:
    ``ODT``), then by :func:`difflib.get_close_matches`.

    Examples
    --------
    >>> close_matches("otd", ["TMD", "ODT", "OTC"])
    ['ODT', 'TMD', 'OTC']
    """
    key = str(code).strip().upper()
    upper = {name.upper(): name for name in known}
    swapped = [name for name in upper if sorted(name) == sorted(key) and name != key]
    alike = difflib.get_close_matches(key, list(upper), n=n, cutoff=0.6)
    return [upper[m] for m in dict.fromkeys(swapped + alike)][:n]


def detect_system(values: Iterable[str]) -> str:
    """The system most of the distinct ``values`` belong to (legacy land-law codes count as land-law).

    QCVN wins a tie (an unknown column stays with the zoning groups, as before this vocabulary).

    Examples
    --------
    >>> detect_system(["ONT", "DGT", "LUC", "CSD"])
    'landlaw'
    >>> detect_system(["DXD", "NO-M", "CSD"])
    'qcvn'
    """
    distinct = {str(v).strip() for v in values}
    law = sum(resolve(v) is not None for v in distinct)
    qcvn = sum(lookup(v, QCVN) is not None for v in distinct)
    return LANDLAW if law > qcvn else QCVN


#: Columns a plan's land-use code is looked for in, in order (folded names); else the column whose values are codes.
CODE_COLUMNS = ("code", "ma", "ma_dat", "ma_loai_dat", "loai_dat", "mdsd", "ma_mdsd", "zone", "chuc_nang", "landuse")
#: Columns a plot's own label (ký hiệu lô) is looked for in, in order.
LABEL_COLUMNS = ("ky_hieu_lo", "ky_hieu", "ma_lo", "so_hieu_lo", "lo", "label", "ten_lo")
#: Fill opacity of a plan's plots on paper, on screen and in QGIS: opaque, as land-use maps are drawn.
PLAN_FILL_OPACITY = 1.0
#: The fill of a code no list knows (grey), so that it stands out without posing as a land use.
UNKNOWN_FILL = (189, 189, 189)


@dataclass(frozen=True)
class Symbol:
    """How one code of a plan is drawn and named, the same in every renderer (print, HTML map, QML).

    ``hex`` is the fill (the code's own, an ancestor's, or :data:`UNKNOWN_FILL`); ``known`` whether a list has it.
    """

    code: str
    hex: str
    name_vi: str
    name_en: str
    known: bool

    def legend(self, lang: str = "vi") -> str:
        """The legend text: the code and its name.

        Examples
        --------
        >>> plan_symbols(["ONT"])[1]["ONT"].legend()
        'ONT — Đất ở tại nông thôn'
        """
        name = self.name_vi if lang == "vi" else self.name_en
        return f"{self.code} — {name}"


def code_column(columns: Iterable[str], sample: dict[str, list]) -> str | None:
    """The column of a plan that holds its land-use codes: one named as :data:`CODE_COLUMNS`, else the first
    whose values are mostly codes of a list (``sample``: a few values per column).

    Examples
    --------
    >>> code_column(["id", "ma_dat"], {"id": [1, 2], "ma_dat": ["ONT", "DGT"]})
    'ma_dat'
    >>> code_column(["id", "x"], {"id": [1], "x": ["LUC", "CLN", "ONT"]}), code_column(["id"], {"id": [1]})
    ('x', None)
    """
    columns = list(columns)
    by_name = {c.strip().lower(): c for c in columns}
    named = next((by_name[n] for n in CODE_COLUMNS if n in by_name), None)
    if named is not None:
        return named
    for column in columns:
        values = {str(v).strip() for v in sample.get(column, []) if isinstance(v, str) and v.strip()}
        known = sum(resolve(v) is not None or lookup(v, QCVN) is not None for v in values)
        if values and known >= 0.8 * len(values):
            return column
    return None


def plan_code_column(frame, code_field: str | None = None, what: str = "the plan") -> str | None:
    """The code column of a plan ``frame`` (a DataFrame): ``code_field`` checked, else :func:`code_column`.

    Raises
    ------
    InputFileError
        ``code_field`` is not a column of ``frame`` (its columns are named).

    Examples
    --------
    >>> import pandas as pd
    >>> plan_code_column(pd.DataFrame({"ma_dat": ["ONT"], "x": [1]}))
    'ma_dat'
    """
    names = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    if code_field is not None:
        if code_field not in frame.columns:
            raise InputFileError(f"{what} has no column {code_field!r} (--code-field); its columns are "
                                 f"{', '.join(map(str, names))}")
        return code_field
    return code_column(names, {c: frame[c].head(200).tolist() for c in names})


def label_column(columns: Iterable[str]) -> str | None:
    """The column of a plan holding each plot's own label (ký hiệu lô), by name (:data:`LABEL_COLUMNS`).

    Examples
    --------
    >>> label_column(["code", "Ky_hieu_lo"]), label_column(["code"])
    ('Ky_hieu_lo', None)
    """
    by_name = {str(c).strip().lower(): c for c in columns}
    return next((by_name[n] for n in LABEL_COLUMNS if n in by_name), None)


def plan_code(value: object) -> str | None:
    """A plan's code cell as text: stripped, ``None`` for an empty, missing or NaN cell.

    Examples
    --------
    >>> plan_code(" ONT "), plan_code(float("nan")), plan_code(""), plan_code(None)
    ('ONT', None, None, None)
    """
    if value is None or value != value:  # NaN is the one value unequal to itself
        return None
    return str(value).strip() or None


def plan_symbols(values: Iterable[str], system: str | None = None) -> tuple[str, dict[str, Symbol]]:
    """The code system of a plan's ``values`` (detected unless given) and a :class:`Symbol` per distinct value,
    in the list's order (hierarchy order; unknown codes last, as written).

    An older land-law code is drawn in the colour of the code it counts as and named after it.

    Examples
    --------
    >>> system, found = plan_symbols(["DGT", "ONT", "BHK", "XYZ"])
    >>> system, list(found), found["ONT"].hex, found["BHK"].name_vi, found["XYZ"].known
    ('landlaw', ['BHK', 'ONT', 'DGT', 'XYZ'], '#ffd0ff', 'Đất trồng cây hằng năm khác', False)
    """
    distinct = list(dict.fromkeys(c for c in map(plan_code, values) if c))
    system = system or detect_system(distinct)
    order = {c: i for i, c in enumerate(codes(system))}
    found: dict[str, Symbol] = {}
    rank: dict[str, int] = {}
    for value in distinct:
        entry = lookup(value, system)
        if entry is None and system == LANDLAW and resolve(value) is not None:
            entry = resolve(value)[0]
        rank[value] = order[entry.code] if entry else len(order)
        rgb = (colour(entry.code, system)[0] if entry else None) or UNKNOWN_FILL
        found[value] = Symbol(value, "#{:02x}{:02x}{:02x}".format(*rgb),
                              entry.name_vi if entry else "mã không có trong danh mục",
                              (entry.name_en or entry.name_vi) if entry else "code not in the list", entry is not None)
    return system, {v: found[v] for v in sorted(found, key=lambda v: rank[v])}  # stable: unknown codes as written
