"""Execute the notebooks in notebooks/ top to bottom; any error fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_study_area.ipynb", "02_sheet_index.ipynb", "03_land_use_balance.ipynb"]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code"), "strip outputs before committing"
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors


def test_committed_layer_map_matches_the_illustrative_plan(tmp_path, monkeypatch):
    folder = NOTEBOOKS[0].parent
    monkeypatch.syspath_prepend(str(folder))
    import illustrative_plan

    fresh = illustrative_plan.write_layer_map(tmp_path / "map.csv")
    assert (folder / "data" / "illustrative_cad_layers.csv").read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
