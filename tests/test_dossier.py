"""The dossier fields of drawings and forms (``--title-block FILE``)."""

import dataclasses
import datetime as dt
import unicodedata

import pytest

from haiha_geo.dossier import LABELS, MAX_FIELD, Dossier, read_dossier
from haiha_geo.errors import InputFileError


def test_fields_and_labels_agree():
    assert tuple(f.name for f in dataclasses.fields(Dossier)) == tuple(LABELS)


def test_a_full_file_is_read_nfc(tmp_path):
    f = tmp_path / "khung.toml"
    f.write_text(f'client = "UBND xã {unicodedata.normalize("NFD", "Quảng Hà")}"\nnumber = "QH-02"\n'
                 'date = "2026-12-03"\nlead = "  Nguyễn Văn A "\n', encoding="utf-8")
    d = read_dossier(f)
    assert d.client == "UBND xã Quảng Hà" and d.number == "QH-02" and d.lead == "Nguyễn Văn A"
    assert d.date == dt.date(2026, 12, 3) and d.consultant == ""


@pytest.mark.parametrize(("text", "message"), [
    ('numbr = "x"', "did you mean 'number'"),
    ("number = 5", "number must be text in quotes"),
    ('date = "3/12/2026"', "date must be a day"),
    ("date = 2026-12-03T10:00:00", "date must be a day"),
    ('lead = "A\\u202eB"', r"bidi control character U\+202E"),
    ('lead = "A\\u0001B"', r"control character U\+0001"),
    (f'title = "{"x" * (MAX_FIELD + 1)}"', f"at most {MAX_FIELD}"),
    ("title = ", "title-block file"),
])
def test_bad_files_are_typed_errors_naming_the_fix(tmp_path, text, message):
    f = tmp_path / "khung.toml"
    f.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        read_dossier(f)


def test_missing_and_legacy_encoded_files(tmp_path):
    with pytest.raises(InputFileError, match="cannot be read"):
        read_dossier(tmp_path / "none.toml")
    f = tmp_path / "cp.toml"
    f.write_bytes('client = "Hà Đông"\n'.encode("cp1258"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_dossier(f)
