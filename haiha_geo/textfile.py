"""Text files people write by hand (authored CSV/TOML, ``haiha-geo.toml``): decoded as UTF-8, or refused naming
the encoding they look like and how to convert them; characters that have no place in authored text found.

A UTF-8 byte-order mark is dropped and line endings may be LF or CRLF. A file
in another encoding is never guessed into text: Vietnamese tables saved by
older Excel are often Windows-1258 (cp1258), whose bytes decode as *some*
UTF-8-free text and would otherwise pass as "no rows" or garbled names.

Examples
--------
>>> decode("Quảng Hà".encode("utf-8"), "units.csv")
'Quảng Hà'
>>> decode("Hà Đông".encode("cp1258"), "units.csv")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: units.csv is not UTF-8 (byte 0x...): it looks like Windows-1258 (cp1258, Vietnamese); ...
>>> forbidden_character("Quảng\\u202eHà")
'the bidi control character U+202E (RIGHT-TO-LEFT OVERRIDE)'
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that reverse or isolate text direction (Unicode bidi controls), refused like control characters.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Invisible characters that are not text either: a byte-order mark inside the text, line and paragraph separators.
INVISIBLE = frozenset("\ufeff\u2028\u2029")
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS | INVISIBLE)) + "]")
#: The same, but for a whole file, whose line ends (and TOML's tabs between tokens) are not text of a cell or string.
FORBIDDEN_IN_FILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS | INVISIBLE))
                               + "]")
_VIETNAMESE = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")
#: Legacy 8-bit encodings a hand-written file may be in: (Python codec, iconv name, what to call it).
LEGACY = (("cp1258", "CP1258", "Windows-1258 (cp1258, Vietnamese)"),
          ("cp1252", "CP1252", "Windows-1252 (cp1252, Western European)"))
#: Below this share of Vietnamese letters among its non-ASCII characters, a file is in neither of :data:`LEGACY`.
_LEGIBLE = 0.5


def decode(raw: bytes, name: str) -> str:
    """The text of file ``name`` from its bytes: UTF-8 (a byte-order mark dropped), else :class:`ValueError`.

    The message names the first byte that is not UTF-8, the encoding the file
    looks like and how to convert it; callers re-raise it as their typed error.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValueError(f"{name} is UTF-16 (Excel's 'Unicode text'), not UTF-8: convert it with "
                         f"`iconv -f UTF-16 -t UTF-8 {name} > converted` or save it as 'CSV UTF-8'")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        found = looks_like(raw)
        how = (f"convert it with `iconv -f {found[1]} -t UTF-8 {name} > converted` and replace the file, or save "
               "it from Excel / LibreOffice as 'CSV UTF-8'" if found else
               "convert it to Unicode (UTF-8) with UniKey's converter (Công cụ chuyển mã) and save it as UTF-8")
        label = found[2] if found else "a legacy Vietnamese font encoding (TCVN3/ABC or VNI)"
        raise ValueError(f"{name} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}): it looks like "
                         f"{label}; {how}") from None


def looks_like(raw: bytes) -> tuple[str, str, str] | None:
    """The legacy encoding (:data:`LEGACY`) under which ``raw`` reads as Vietnamese text, or ``None``.

    ``None`` means neither reads as Vietnamese (most likely TCVN3/ABC or VNI,
    the font encodings of older Vietnamese documents, which Python cannot decode).

    Examples
    --------
    >>> looks_like("Hà Đông".encode("cp1258"))[0]
    'cp1258'
    >>> looks_like("Qu\xb6ng H\xb5".encode("latin-1")) is None  # "Quảng Hà" in TCVN3
    True
    """
    def share(codec: str) -> float:
        text = unicodedata.normalize("NFC", raw.decode(codec, errors="replace"))
        wide = [c for c in text if ord(c) > 127]
        return sum(c in _VIETNAMESE for c in wide) / max(len(wide), 1)

    best = max(LEGACY, key=lambda entry: share(entry[0]))  # the first on a tie: the conversion is the same
    return best if share(best[0]) >= _LEGIBLE else None


def forbidden_character(text: str) -> str | None:
    """Describe the first control, bidi-control or invisible character of ``text`` (``None`` when it has none).

    Examples
    --------
    >>> forbidden_character("Quảng Hà") is None
    True
    >>> forbidden_character("Quảng\\x0bHà")
    'the control character U+000B'
    """
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    char = found.group()
    if unicodedata.category(char) == "Cc":
        return f"the control character U+{ord(char):04X}"
    kind = "bidi control" if char in BIDI_CONTROLS else "invisible"
    return f"the {kind} character U+{ord(char):04X} ({unicodedata.name(char)})"


def visible(text: str) -> str:
    """``text`` on one line, every control, bidi-control or invisible character written as its escape.

    For messages that quote what a user wrote: a terminal neither obeys nor hides it.

    Examples
    --------
    >>> visible("Quảng\\u202eHà\\nline 2")
    'Quảng\\\\u202eHà line 2'
    """
    flat = " ".join(text.splitlines())
    return _FORBIDDEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), flat)
