"""The dossier fields of a drawing or a form: number, agencies, people, date (``--title-block FILE``).

A planning drawing (khung tên) and a statutory table (biểu) carry the same
facts about the dossier they belong to: the drawing number, the client, the
agencies that prepare, appraise and approve it, the people who lead, draw
and check it, the place and date of signing. The user writes them once, in a
small TOML file, and every drawing and form of the dossier reads the same
file::

    title = "Quy hoạch phân khu tỷ lệ 1/2.000 khu vực Quảng Hà"
    number = "QH-02"
    client = "UBND xã Quảng Hà"
    prepared_by = "UBND xã Quảng Hà"
    consultant = "Công ty CP Tư vấn Quy hoạch X"
    appraised_by = "Sở Xây dựng tỉnh Quảng Ninh"
    approved_by = "UBND tỉnh Quảng Ninh"
    lead = "Nguyễn Văn A"
    designer = "Trần Thị B"
    checker = "Lê Văn C"
    compiler = "Phạm Văn D"
    head = "Hoàng Văn E"
    place = "Quảng Hà"
    date = 2026-12-03

Every key is optional; a field not given is printed empty (a blank line to
sign on), never invented. Text is stored NFC; control, bidi-control and
invisible characters are refused, naming the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from haiha_geo.errors import InputFileError
from haiha_geo.textfile import decode, forbidden_character

__all__ = ["LABELS", "MAX_FIELD", "Dossier", "read_dossier"]

#: Longest value of a text field (characters): a title block row and a form line stay readable.
MAX_FIELD = 300

#: Each field with its Vietnamese and English label, in the order a title block lists them.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("Tên bản vẽ", "Title"),
    "number": ("Ký hiệu bản vẽ", "Drawing number"),
    "client": ("Chủ đầu tư", "Client"),
    "prepared_by": ("Cơ quan tổ chức lập", "Prepared by"),
    "consultant": ("Đơn vị tư vấn", "Consultant"),
    "appraised_by": ("Cơ quan thẩm định", "Appraised by"),
    "approved_by": ("Cơ quan phê duyệt", "Approved by"),
    "lead": ("Chủ nhiệm", "Project lead"),
    "designer": ("Thiết kế", "Designer"),
    "checker": ("Kiểm tra", "Checked by"),
    "compiler": ("Người lập biểu", "Compiled by"),
    "head": ("Thủ trưởng đơn vị", "Head of the agency"),
    "place": ("Địa danh", "Place of signing"),
    "date": ("Ngày", "Date"),
}


@dataclass(frozen=True)
class Dossier:
    """The dossier fields (see :data:`LABELS`); ``""`` (``None`` for ``date``) where none was given.

    Examples
    --------
    >>> d = Dossier(number="QH-02", place="Quảng Hà", date=dt.date(2026, 12, 3))
    >>> d.number, d.client == ""
    ('QH-02', True)
    >>> d.signing_line()
    'Quảng Hà, ngày 03 tháng 12 năm 2026'
    >>> Dossier().signing_line()
    '…, ngày … tháng … năm …'
    """

    title: str = ""
    number: str = ""
    client: str = ""
    prepared_by: str = ""
    consultant: str = ""
    appraised_by: str = ""
    approved_by: str = ""
    lead: str = ""
    designer: str = ""
    checker: str = ""
    compiler: str = ""
    head: str = ""
    place: str = ""
    date: dt.date | None = None

    def label(self, key: str, lang: str = "vi") -> str:
        """The label of field ``key`` in ``lang`` (``vi`` or ``en``).

        Examples
        --------
        >>> Dossier().label("client"), Dossier().label("client", "en")
        ('Chủ đầu tư', 'Client')
        """
        return LABELS[key][0 if lang == "vi" else 1]

    def signing_line(self, lang: str = "vi") -> str:
        """The place-and-date line of a form ("Quảng Hà, ngày 03 tháng 12 năm 2026"), dots where a part is missing.

        Examples
        --------
        >>> Dossier(date=dt.date(2026, 1, 5)).signing_line("en")
        '…, 5 January 2026'
        """
        where = self.place or "…"
        if lang != "vi":
            return f"{where}, {self.date.day} {self.date:%B %Y}" if self.date else f"{where}, …"
        if self.date is None:
            return f"{where}, ngày … tháng … năm …"
        return f"{where}, ngày {self.date.day:02d} tháng {self.date.month:02d} năm {self.date.year}"


def read_dossier(path: str | os.PathLike | None) -> Dossier:
    """The dossier fields of the TOML file ``path`` (``None``: every field empty).

    Raises
    ------
    InputFileError
        The file is missing, not UTF-8 or not TOML; a key is not one of
        :data:`LABELS` (the nearest is named); a value is not text (or, for
        ``date``, a date); a value is longer than :data:`MAX_FIELD` characters
        or holds a control, bidi-control or invisible character.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "khung.toml"
    >>> _ = f.write_text('number = "QH-02"\\ndate = 2026-12-03\\n', encoding="utf-8")
    >>> d = read_dossier(f)
    >>> d.number, d.date
    ('QH-02', datetime.date(2026, 12, 3))
    >>> _ = f.write_text('numbr = "QH-02"\\n', encoding="utf-8")
    >>> read_dossier(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.InputFileError: ...: unknown key 'numbr' (did you mean 'number'?); the keys are title, ...
    >>> read_dossier(None) == Dossier()
    True
    """
    if path is None:
        return Dossier()
    path = Path(path)
    try:
        values = tomllib.loads(decode(path.read_bytes(), str(path)))
    except OSError as exc:
        raise InputFileError(f"title-block file {path} cannot be read: {exc.strerror}; give the path of a TOML "
                             "file such as khung_ten.toml") from None
    except ValueError as exc:  # not UTF-8 (named), or not TOML
        raise InputFileError(f"title-block file {path}: {exc}") from None
    return Dossier(**{key: _field(path, key, value) for key, value in values.items()})


def _field(path: Path, key: str, value: object) -> str | dt.date:
    if key not in LABELS:
        near = difflib.get_close_matches(key, LABELS, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise InputFileError(f"title-block file {path}: unknown key {key!r}{hint}; the keys are {', '.join(LABELS)}")
    if key == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise InputFileError(f"title-block file {path}: date must be a day such as date = 2026-12-03, not {value!r}")
    if not isinstance(value, str):
        raise InputFileError(f"title-block file {path}: {key} must be text in quotes, e.g. {key} = \"…\", "
                             f"not {value!r}")
    text = unicodedata.normalize("NFC", value.strip())
    bad = forbidden_character(text)
    if bad:
        raise InputFileError(f"title-block file {path}: {key} holds {bad}; remove it")
    if len(text) > MAX_FIELD:
        raise InputFileError(f"title-block file {path}: {key} has {len(text):,} characters; at most {MAX_FIELD} fit "
                             "a title block or a form line")
    return text

