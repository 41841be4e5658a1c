"""Vietnamese unit names: normalisation, matching and cross-era lookup.

Matching ignores diacritics, case, spacing and the type prefix, so
"Quang Dien", "xã Quảng Điền" and "QuảngĐiền" are one name; former names
(QĐ 17-CP, 1979) are aliases. Labels shown to users keep full diacritics.
:func:`resolve_units` keys a whole column of a table to one era's units.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable

from haiha_geo._cache import cached
from haiha_geo.errors import TableValueError, UnknownUnitError
from haiha_geo.place import place
from haiha_geo.registry import aliases_table, check_era, units_table

#: A type prefix at the start of a folded name, something after it (district types too: "Thành phố Hạ Long").
_PREFIX = re.compile(rb"\s*(?:thi\s+tran|thi\s+xa|thanh\s+pho|dac\s+khu|phuong|huyen|(?:tt|tx|tp|h)\."
                     rb"|(?:tt|tx|tp)\s|xa\s)(?=\s*\S)")
#: Every byte but a-z and 0-9: what a matching key drops.
_NOT_KEY = bytes(c for c in range(256) if c not in b"0123456789abcdefghijklmnopqrstuvwxyz")
#: Rows an error about a column of keys names; it gives the count of the others.
SHOWN_ROWS = 20


def nfc(text: str) -> str:
    """Return ``text`` NFC-normalised with runs of white space collapsed.

    Examples
    --------
    >>> nfc("Qua\\u0309ng  Ha\\u0300") == "Quảng Hà"
    True
    """
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def fold(text: str) -> str:
    """Strip diacritics (đ → d) and lower-case, keeping spaces and punctuation.

    Examples
    --------
    >>> fold("Thị trấn Quảng Hà")
    'thi tran quang ha'
    """
    decomposed = unicodedata.normalize("NFD", nfc(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def normalise(text: str) -> str:
    """Return the matching key of a unit name: no diacritics, case, spaces or type prefix.

    Parameters
    ----------
    text : str
        A unit name as a user writes it (``"xã Quảng Điền"``, ``"Quang Dien"``, ``"TT. Quảng Hà"``).

    Returns
    -------
    str
        The key two spellings of the same name share.

    Examples
    --------
    >>> {normalise(s) for s in ["Quang Dien", "xã Quảng Điền", "QuảngĐiền", "XÃ QUẢNG ĐIỀN"]}
    {'quangdien'}
    >>> normalise("TT. Quảng Hà")
    'quangha'
    """
    text = str(text)
    if not text.isascii():  # compatibility forms (no-break spaces) to ASCII, diacritics split off, then dropped
        text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    folded = text.encode("ascii", "ignore").lower()
    prefix = _PREFIX.match(folded)
    return (folded[prefix.end():] if prefix else folded).translate(None, _NOT_KEY).decode("ascii")


@cached
def _index() -> dict[str, tuple[str, ...]]:
    """Map each matching key to the unit ids it names (names and aliases, all eras)."""
    units = units_table()
    # A name may begin with a type word (phường Phương Đông: "Phương Đông" folds to the key "dong"), so a unit is
    # found both by its name and by its name written with its type.
    pairs = [*units[["name", "unit_id"]].itertuples(index=False),
             *zip(units["type"] + " " + units["name"], units["unit_id"]),
             *aliases_table()[["alias", "unit_id"]].itertuples(index=False)]
    return {k: tuple(sorted(v)) for k, v in _grouped(pairs).items()}


def _grouped(pairs) -> dict[str, tuple[str, ...]]:
    """The unit ids of ``(name, unit_id)`` pairs by the names' matching keys, each id once, in order."""
    grouped: dict[str, dict[str, None]] = {}
    for name, unit_id in pairs:
        grouped.setdefault(normalise(name), {})[unit_id] = None
    return {k: tuple(v) for k, v in grouped.items()}


@cached
def _labels(era: str | None) -> dict[str, str]:
    """Names and former names (of ``era``, or of every era) by matching key."""
    units, aliases = units_table(), aliases_table()
    if era is not None:
        units = units[units["era"] == era]
        aliases = aliases[aliases["unit_id"].str.startswith(era + "/")]
    labels = {normalise(a): a for a in aliases["alias"]}
    labels.update({normalise(n): n for n in units["name"]})
    return labels


def _suggestions(query: str, era: str | None = None) -> list[str]:
    labels = _labels(era)
    close = difflib.get_close_matches(normalise(query), list(labels), n=3, cutoff=0.5)
    return [labels[k] for k in close]


def find_units(name: str, era: str | int | None = None) -> list[str]:
    """Return the unit ids whose name or former name matches ``name`` (optionally in one era).

    Raises
    ------
    UnknownUnitError
        When nothing matches; the message lists the closest names.

    Examples
    --------
    >>> find_units("Dai Dien Nam")
    ['2019/06961']
    >>> find_units("Quảng Hà", era=2025)
    ['2025/06922']
    """
    name, district = split_qualified(name)
    found = list(_index().get(normalise(name), ()))
    if era is not None:
        found = [u for u in found if u.startswith(check_era(era) + "/")]
    if district is not None and found:
        elsewhere = sorted({district_of(u) for u in found})
        found = [u for u in found if normalise(district_of(u)) == normalise(district)]
        if not found:
            raise UnknownUnitError(f"no unit named {name!r} in {district!r}; units of that name lie in "
                                   f"{', '.join(elsewhere)}")
    if not found:
        where = f" in era {check_era(era)}" if era is not None else ""
        hint = _suggestions(name, None if era is None else check_era(era))
        tip = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise UnknownUnitError(f"no unit named {name!r}{where}{tip} (see `haiha-geo units --era ERA` for the names)")
    return found


def split_qualified(text: str) -> tuple[str, str | None]:
    """A name and the district (or town) that qualifies it, as planners write it: ``"Quảng Long, Hải Hà"``.

    Examples
    --------
    >>> split_qualified("Quảng Long, Hải Hà"), split_qualified("Quảng Long")
    (('Quảng Long', 'Hải Hà'), ('Quảng Long', None))
    """
    name, _, district = str(text).partition(",")
    return name.strip(), (district.strip() or None)


def district_of(unit_id: str) -> str:
    """The district a unit belonged to in its era (``units.csv``'s ``district``; the place's name where the
    registry has no district column, as for the single district Hải Hà).

    Examples
    --------
    >>> district_of("2019/06946")
    'Hải Hà'
    """
    return _districts().get(unit_id) or place().name


@cached
def _districts() -> dict[str, str]:
    units = units_table()
    if "district" not in units.columns:
        return {}
    return {u: d for u, d in zip(units["unit_id"], units["district"]) if isinstance(d, str) and d}


def resolve(name: str, era: str | int) -> str:
    """Return the one unit id ``name`` designates in ``era``.

    A name that only existed in another era is not resolved here: use
    :func:`lookup` to follow it into ``era``.

    Examples
    --------
    >>> resolve("thi tran Quang Ha", "2020")
    '2020/06922'
    """
    return find_units(name, era)[0]


@cached
def _era_keys(era: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], int]:
    """What names a unit of ``era``: unit ids and GSO codes, name keys, former-name keys; and the width of its codes."""
    table = units_table(era)
    exact = dict(zip(table["code"], table["unit_id"])) | {u: u for u in table["unit_id"]}
    aliases = aliases_table()
    aliases = aliases[aliases["unit_id"].str.startswith(era + "/")]
    return (exact, _grouped(zip(table["name"], table["unit_id"])), _grouped(zip(aliases["alias"], aliases["unit_id"])),
            max(map(len, table["code"]), default=0))


def _key_text(key: object) -> str:
    """A table cell as the text of a key: blank for None and NaN, whole floats (Excel's codes) without ``.0``."""
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return ""
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key).strip()


def _match(text: str, keys: tuple) -> tuple[str, ...]:
    """The unit ids ``text`` names among an era's ``keys`` (:func:`_era_keys`): id or code, name, former name."""
    exact, by_name, by_alias, width = keys
    if text in exact:
        return (exact[text],)
    if text.isdigit() and text.zfill(width) in exact:  # a code that lost its leading zeros in a spreadsheet
        return (exact[text.zfill(width)],)
    key = normalise(text)
    return by_name.get(key) or by_alias.get(key, ())


def row_label(row: int, key: object, why: str = "") -> str:
    """Name a row of a user's table by its number and key (cut to 50 characters), with ``why`` after a semicolon.

    Examples
    --------
    >>> row_label(7, "Quang Dienn", "did you mean Quảng Điền?")
    "row 7 ('Quang Dienn'; did you mean Quảng Điền?)"
    """
    if isinstance(key, str) and len(key) > 50:
        key = key[:50] + "…"
    return f"row {row} ({key!r}{'; ' + why if why else ''})"


def first_of(items: list[str], count: int, sep: str = ", ") -> str:
    """The first :data:`SHOWN_ROWS` of ``items`` (``count`` in all), joined by ``sep``, and how many were left out.

    Examples
    --------
    >>> first_of(["row 2", "row 3"], 2)
    'row 2, row 3'
    >>> first_of([f"row {i}" for i in range(2, 22)], 500_000).split(", ")[-1]
    'row 21 and 499,980 more'
    """
    more = f" and {count - SHOWN_ROWS:,} more" if count > SHOWN_ROWS else ""
    return sep.join(items[:SHOWN_ROWS]) + more


def _name_and_district(text: str) -> tuple[str, str | None]:
    """A key of :func:`resolve_units` split into the name (or code) and the district it is qualified by."""
    text, _, given = text.partition("\x00")
    if given:
        return text, given
    return split_qualified(text) if "," in text else (text, None)


def _candidates(units: tuple[str, ...]) -> str:
    """The units a key names, each with its district where they lie in different districts."""
    if len({district_of(u) for u in units}) == 1:
        return ", ".join(units)
    return ", ".join(f"{u} ({district_of(u)})" for u in units)


def _match_qualified(text: str, keys: tuple) -> tuple[str, ...]:
    """:func:`_match` of a key that may carry its district (a column's, or after a comma)."""
    bare = text.partition("\x00")[0]
    found = _match(bare, keys)
    name, district = _name_and_district(text)
    if not found and name != bare:
        found = _match(name, keys)
    if district is not None:
        found = tuple(u for u in found if normalise(district_of(u)) == normalise(district))
    written = written_type(name)
    if len(found) > 1 and written:  # thị trấn Đầm Hà and xã Đầm Hà, one district: the type written decides
        found = tuple(u for u in found if written_type(_types()[u]) == written) or found
    return found


#: The type words a name may start with (folded, first match wins) → the unit type they write.
_TYPE_WORDS = (("thi tran", "thi tran"), ("tt.", "thi tran"), ("tt ", "thi tran"), ("thi xa", "thi xa"),
               ("tx.", "thi xa"), ("tx ", "thi xa"), ("thanh pho", "thanh pho"), ("tp.", "thanh pho"),
               ("tp ", "thanh pho"), ("phuong", "phuong"), ("dac khu", "dac khu"), ("xa ", "xa"))


def written_type(text: str) -> str | None:
    """The unit type ``text`` starts with, folded (``"thi tran"``, ``"xa"`` …), or None.

    Examples
    --------
    >>> written_type("TT. Đầm Hà"), written_type("xã Đầm Hà"), written_type("Đầm Hà"), written_type("xã")
    ('thi tran', 'xa', None, 'xa')
    """
    folded = " ".join(fold(text).split()) + " "
    return next((kind for word, kind in _TYPE_WORDS if folded.startswith(word)), None)


@cached
def _types() -> dict[str, str]:
    units = units_table()
    return dict(zip(units["unit_id"], units["type"]))


def _hint(text: str, district: str | None, era: str) -> str:
    """Why ``text`` (in ``district``) names no unit of ``era``: a unit of another era or district, or the nearest
    names of ``era``."""
    if district is not None:
        here = _match(text, _era_keys(era))
        if here:
            return f"{district!r} has no unit of that name; it lies in {', '.join(sorted(map(district_of, here)))}"
    table = units_table()
    codes = table.loc[table["code"] == text.zfill(max(map(len, table["code"]), default=0)), "unit_id"]
    elsewhere = sorted({u.split("/")[0] for u in [*_index().get(normalise(text), ()), *codes]})
    if elsewhere:
        return f"a unit of era {', '.join(elsewhere)}"
    near = _suggestions(text, era) if text else []
    return f"did you mean {' / '.join(near)}?" if near else ""


def resolve_units(keys: Iterable, era: str | int, *, first_row: int = 1, complete: bool = True,
                  districts: Iterable | None = None, unique: bool = True) -> list[str]:
    """Return the unit id of ``era`` that each key names, checking the whole column at once.

    A key is a unit id (``2019/06961``), a GSO code (``06961``; leading zeros
    may be lost, as a spreadsheet drops them), a name with or without
    diacritics, case and type prefix (``xa Quang Dien``), or a former name
    (``Đại Điền Nam``). Each distinct key is normalised once and looked up in
    a dict: a million rows of a few names take about 1 s, a million
    distinct names about 4 s.

    Parameters
    ----------
    keys : iterable
        The key of each row, in row order.
    era : str or int
        The era the keys belong to.
    first_row : int
        The number of the first row in messages (2 for a file whose row 1 is the header).
    complete : bool
        Whether every unit of ``era`` must have a key (a table of figures for the whole area).
    districts : iterable, optional
        The old district (or town, city) of each row, for names that repeat
        across a province ("Bắc Sơn" of Móng Cái and of Uông Bí). A key may also
        carry its district after a comma (``"Quảng Long, Hải Hà"``). A blank
        district leaves the name alone; a district that holds no unit of the
        name is an error naming where the name lies.
    unique : bool
        Whether two keys naming the same unit are an error (one row per unit).

    Returns
    -------
    list of str
        One unit id per key, in order.

    Raises
    ------
    UnknownUnitError
        Keys that name no unit of ``era`` (with the nearest names, or the era
        they belong to), or with ``complete``, units without a key.
    TableValueError
        A key naming two units of ``era``, or two keys naming the same unit.
        Every message names the first :data:`SHOWN_ROWS` rows at fault and their count, on one line.

    Examples
    --------
    >>> resolve_units(["Quang Dien", "6925", "2019/06922", "Hà Cối Nam"], "2019", complete=False)
    ['2019/06961', '2019/06925', '2019/06922', '2019/06955']
    >>> resolve_units(["Quảng Long, Hải Hà"], "2019", complete=False), resolve_units(["Quang Long"], "2019",
    ...     complete=False, districts=["huyện Hải Hà"])
    (['2019/06946'], ['2019/06946'])
    """
    era = check_era(era)
    keys = list(keys)
    texts = [k.strip() if k.__class__ is str else _key_text(k) for k in keys]
    if districts is not None:
        texts = [f"{t}\x00{_key_text(d)}" for t, d in zip(texts, districts, strict=True)]
    era_keys = _era_keys(era)
    found = {text: _match_qualified(text, era_keys) for text in dict.fromkeys(texts)}
    rows = range(first_row, first_row + len(keys))
    unknown = [i for i, t in enumerate(texts) if not found[t]]
    if unknown:
        listed = [row_label(rows[i], keys[i], _hint(*_name_and_district(texts[i]), era)) for i in unknown[:SHOWN_ROWS]]
        raise UnknownUnitError(f"{len(unknown):,} row(s) name no unit of era {era}: {first_of(listed, len(unknown))}; "
                               f"use unit ids, GSO codes or names of era {era} (see `haiha-geo units --era {era}`)")
    twice = [i for i, t in enumerate(texts) if len(found[t]) > 1]
    if twice:
        listed = [f"{row_label(rows[i], keys[i])}: {_candidates(found[texts[i]])}" for i in twice[:SHOWN_ROWS]]
        apart = any(len({district_of(u) for u in found[texts[i]]}) > 1 for i in twice)
        how = "give each row its old district (a district column, or 'name, district'), or " if apart else ""
        raise TableValueError(f"{len(twice):,} row(s) name more than one unit of era {era}: "
                              f"{first_of(listed, len(twice))}; {how}key these rows by GSO code or unit id")
    ids = [found[t][0] for t in texts]
    if unique:
        _check_once(ids, keys, rows)
    if complete:
        table, given = units_table(era), set(ids)
        missing = [f"{u} ({n})" for u, n in zip(table["unit_id"], table["name"]) if u not in given]
        if missing:
            raise UnknownUnitError(f"values are missing for {len(missing)} unit(s) of era {era}: "
                                   f"{first_of(missing, len(missing))}; give every unit a value (0 where there is "
                                   "none)")
    return ids


def _check_once(ids: list[str], keys: list, rows: range) -> None:
    """:class:`TableValueError` naming the rows of units that more than one key names."""
    first: dict[str, int] = {}
    doubled: dict[str, list[int]] = {}
    for i, unit_id in enumerate(ids):
        if first.setdefault(unit_id, i) != i:
            doubled.setdefault(unit_id, [first[unit_id]]).append(i)
    if doubled:
        rows_at_fault = [(u, i) for u, where in doubled.items() for i in where]
        listed = first_of([f"{u}: {row_label(rows[i], keys[i])}" for u, i in rows_at_fault[:SHOWN_ROWS]],
                         len(rows_at_fault))
        raise TableValueError(f"more than one value for the same unit in {len(rows_at_fault):,} rows ({listed}); "
                              "give each unit one value")
