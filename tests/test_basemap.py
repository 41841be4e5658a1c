"""The base context of a printed map (haiha_geo.printing.basemap): national border, neighbours named, the sea."""

from __future__ import annotations

import unicodedata

import pypdf
import pytest

from haiha_geo.printing import print_map
from haiha_geo.printing.basemap import BORDER_STYLE, context_layers, spaced
from haiha_geo.printing.layers import era_layer
from haiha_geo.printing.titleblock import words


@pytest.mark.parametrize(("era", "neighbour"), [("2025", "phường Móng Cái"), ("2020", "Đầm Hà"),
                                                ("2019", "Bình Liêu")])
def test_context_names_neighbours_of_the_era_and_draws_the_border(era, neighbour):
    below, above = context_layers([era_layer(era, "vi", words("vi"))])
    labels = [label for layer in below for label in layer.frame["label"]]
    assert "Biển" in labels and "TRUNG QUỐC" in labels
    assert any(label.startswith(neighbour) for label in labels), labels
    assert not any(label.startswith(("xã Quảng Hà", "xã Cái Chiên")) for label in labels)  # the drawn units
    (border,) = above
    assert border.style == BORDER_STYLE and border.legend == "Biên giới quốc gia"
    assert 15_000 < border.frame.geometry.length.sum() < 20_000  # the source's ~16.5 km classed as border


def test_printed_page_names_border_sea_and_neighbours(tmp_path):
    out = print_map(era="2025", paper="A3").save(tmp_path / "context.pdf")
    text = unicodedata.normalize("NFC", " ".join(pypdf.PdfReader(out).pages[0].extract_text().split()))
    for name in ("Biên giới quốc gia", "Biển", "TRUNG QUỐC", "Đơn vị hành chính lân cận", "xã Hải Sơn"):
        assert name in text, name


@pytest.mark.parametrize(("raw", "shown"), [("MóngCái", "Móng Cái"), ("ĐầmHà", "Đầm Hà"), ("Cô Tô", "Cô Tô")])
def test_gadm_names_get_their_spaces(raw, shown):
    assert spaced(raw) == shown
