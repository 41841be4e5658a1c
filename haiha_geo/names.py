"""Vietnamese unit names: normalisation, matching and cross-era lookup.

Matching ignores diacritics, case, spacing and the type prefix, so
"Quang Dien", "xã Quảng Điền" and "QuảngĐiền" are one name; former names
(QĐ 17-CP, 1979) are aliases. Labels shown to users keep full diacritics.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from haiha_geo._cache import cached
from haiha_geo.errors import UnknownUnitError
from haiha_geo.registry import aliases_table, check_era, units_table

_PREFIXES = ("thi tran", "thi xa", "thanh pho", "dac khu", "phuong", "huyen", "tt.", "tt ", "xa ")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


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
    folded = fold(text).strip()
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix):]
            break
    return _NON_ALNUM.sub("", folded)


@cached
def _index() -> dict[str, tuple[str, ...]]:
    """Map each matching key to the unit ids it names (names and aliases, all eras)."""
    units = units_table()
    # A name may begin with a type word (phường Phương Đông: "Phương Đông" folds to the key "dong"), so a unit is
    # found both by its name and by its name written with its type.
    pairs = [(normalise(n), u) for n, u in units[["name", "unit_id"]].itertuples(index=False)]
    pairs += [(normalise(f"{t} {n}"), u) for t, n, u in units[["type", "name", "unit_id"]].itertuples(index=False)]
    pairs += [(normalise(a), u) for a, u in aliases_table()[["alias", "unit_id"]].itertuples(index=False)]
    index: dict[str, list[str]] = {}
    for key, unit_id in pairs:
        index.setdefault(key, [])
        if unit_id not in index[key]:
            index[key].append(unit_id)
    return {k: tuple(sorted(v)) for k, v in index.items()}


def _suggestions(query: str) -> list[str]:
    labels = {normalise(n): n for n in units_table()["name"]}
    labels.update({normalise(a): a for a in aliases_table()["alias"]})
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
    found = list(_index().get(normalise(name), ()))
    if era is not None:
        found = [u for u in found if u.startswith(check_era(era) + "/")]
    if not found:
        where = f" in era {check_era(era)}" if era is not None else ""
        hint = _suggestions(name)
        tip = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise UnknownUnitError(f"no unit named {name!r}{where}{tip} (see `haiha-geo units --era ERA` for the names)")
    return found


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
