"""Execute the notebooks in notebooks/ top to bottom; any error fails the test, and so does any output
that would load something from outside (the maps must draw offline)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

#: An element that makes a browser fetch: script/img/iframe src, link href, CSS url()/@import, to a remote host.
REMOTE = re.compile(r"""(?:<(?:script|img|iframe|source|embed)\b[^>]*\bsrc|<link\b[^>]*\bhref)"""
                    r"""\s*=\s*["']?\s*(?:https?:)?//"""
                    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""", re.IGNORECASE)


def remote_references(book) -> list[str]:
    """Every remote fetch an output of the executed notebook would make (the HTML in srcdoc included)."""
    found = []
    for cell in book.cells:
        for output in cell.get("outputs", []):
            for value in output.get("data", {}).values():
                text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else ""
                for layer in (text, html.unescape(text)):
                    found += [layer[m.start():m.end() + 60] for m in REMOTE.finditer(layer)]
    return found


def test_remote_references_are_found():
    folium_like = {"cells": [{"outputs": [{"data": {"text/html": '<iframe srcdoc="&lt;script src=&quot;'
                                                                "https://cdn.jsdelivr.net/leaflet.js&quot;&gt;\"/>"}}]}]}
    book = type("Book", (), {"cells": folium_like["cells"]})
    assert remote_references(book)
    assert not remote_references(type("Book", (), {"cells": [{"outputs": [{"data": {
        "text/html": '<a href="https://leafletjs.com">Leaflet</a><script>var u = "https://x";</script>'}}]}]}))


NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_study_area.ipynb", "02_sheet_index.ipynb", "03_land_use_balance.ipynb"]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code"), \
        "strip outputs before committing"
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors
    maps = [o for cell in book.cells for o in cell.get("outputs", []) if "srcdoc=" in str(o.get("data", {}))]
    assert maps, "the notebook shows its map through the offline builder (an iframe srcdoc)"
    assert not remote_references(book)


def test_committed_layer_map_matches_the_illustrative_plan(tmp_path, monkeypatch):
    folder = NOTEBOOKS[0].parent
    monkeypatch.syspath_prepend(str(folder))
    import illustrative_plan

    fresh = illustrative_plan.write_layer_map(tmp_path / "map.csv")
    assert ((folder / "data" / "illustrative_cad_layers.csv").read_text(encoding="utf-8")
            == fresh.read_text(encoding="utf-8"))
