"""Where the notebooks of the sequence come from (the execution itself: test_runner.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib.run import execute


def test_packaged_notebooks_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "cs360lib" / "notebooks"
    monkeypatch.setattr(execute, "PACKAGED_NOTEBOOKS", packaged)
    assert execute.default_notebooks_dir() == execute.REPOSITORY_NOTEBOOKS  # no folder
    packaged.mkdir(parents=True)
    (packaged / "README.txt").write_text("not a notebook")
    assert execute.default_notebooks_dir() == execute.REPOSITORY_NOTEBOOKS  # no notebook
    (packaged / "00_data_intake.ipynb").write_text("{}")
    assert execute.default_notebooks_dir() == packaged
    assert execute.discover_notebooks() == [packaged / "00_data_intake.ipynb"]


def test_repository_notebooks_are_the_editable_default() -> None:
    repo = Path(__file__).resolve().parents[1]
    assert execute.REPOSITORY_NOTEBOOKS == repo / "notebooks"
    assert not execute.PACKAGED_NOTEBOOKS.exists()  # never a second copy in the checkout
