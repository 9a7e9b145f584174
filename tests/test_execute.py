"""Where the notebooks come from, and the edges of one execution (the runs: test_runner.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jupyter_client
import nbformat
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


# ----------------------------------------------------------------- runner edges (issue 8, item 10)


def _bare_copy(source: Path, folder: Path) -> Path:
    """The notebook without kernelspec or language_info, as some tools save them."""
    nb = nbformat.read(source, as_version=4)
    nb.metadata = nbformat.NotebookNode()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    nbformat.write(nb, target)
    return target


def test_a_notebook_without_kernelspec_runs(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    from conftest import FIXTURE_ENGAGEMENT, FIXTURE_NOTEBOOKS

    from cs360lib.run.engagement_run import run_engagement

    notebooks = tmp_path / "notebooks"
    bare = _bare_copy(FIXTURE_NOTEBOOKS / "00_ok.ipynb", notebooks)
    assert "kernelspec" not in nbformat.read(bare, as_version=4).metadata
    result = run_engagement(
        FIXTURE_ENGAGEMENT, out_dir=tmp_path / "out", notebooks_dir=notebooks, progress=None
    )
    assert result.ok, result.error
    executed = nbformat.read(result.report_dir / "00_ok.ipynb", as_version=4)
    assert executed.metadata["kernelspec"] == execute.KERNELSPEC
    assert executed.metadata["kernelspec"]["name"] == "python3"
    assert executed.metadata["language_info"]["name"] == "python"
    assert "engagement file: engagement.yml" in json.dumps(executed)
    captured = capfd.readouterr()
    assert captured.out == ""  # stdout is for the report folder (printed by the command line)
    assert all(line.startswith("cs360 ") for line in captured.err.splitlines()), captured.err


def test_a_timeout_leaves_the_terminal_to_the_progress_line(
    tmp_path: Path, capfd: pytest.CaptureFixture
) -> None:
    from conftest import FIXTURE_ENGAGEMENT, FIXTURE_NOTEBOOKS

    result = execute.NotebookResult(name="03_sleeps")
    parameters = {"engagement": str(FIXTURE_ENGAGEMENT), "interactive": False}
    execute.execute_notebook(
        FIXTURE_NOTEBOOKS / "03_sleeps.ipynb", result, tmp_path, parameters, timeout=3
    )
    assert result.status == "timeout"
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == "", captured  # nothing from kernel or client
    assert execute.CAPTURED_HEADING in result.traceback  # kept for ERROR.txt and the manifest
    assert "Timeout waiting for execute reply" in result.traceback
    saved = nbformat.read(tmp_path / "03_sleeps.ipynb", as_version=4)
    assert saved.metadata["kernelspec"] == execute.KERNELSPEC


def test_captured_output_restores_the_logger() -> None:
    logger = logging.getLogger(execute.CLIENT_LOGGER)
    handlers, propagate = logger.handlers[:], logger.propagate
    captured = execute.CapturedOutput()
    with captured:
        logger.error("Kernel died while waiting for execute reply.")
        logger.info("Executing notebook with kernel: python3")  # below warnings: not kept
        assert logger.propagate is False
    assert logger.handlers == handlers and logger.propagate == propagate
    assert captured.text() == "ERROR Kernel died while waiting for execute reply."
    assert captured.text() == "ERROR Kernel died while waiting for execute reply."  # idempotent
    assert issubclass(captured.kernel_manager_class, jupyter_client.AsyncKernelManager)


@pytest.mark.parametrize(
    ("error", "status", "attempts"),
    [
        ("Kernel died before replying to kernel_info", "ok", 2),  # ran no cell: retried once
        ("something else went wrong", "failed", 1),  # not a start failure: never retried
    ],
)
def test_a_kernel_that_dies_before_it_answers_is_replaced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str, status: str, attempts: int
) -> None:
    import papermill as pm
    from conftest import write_notebook

    nb_path = write_notebook(tmp_path / "00_ok.ipynb", "print('ran')")
    real = pm.execute_notebook
    calls: list[dict] = []

    def first_fails(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError(error)
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "execute_notebook", first_fails)
    res = execute.NotebookResult(name="00_ok", status="pending")
    out = tmp_path / "out"
    out.mkdir()
    execute.execute_notebook(nb_path, res, out, {"engagement": "e.yml"}, 60)
    assert (res.status, len(calls)) == (status, attempts)
    if status == "ok":
        assert "ran" in (out / "00_ok.ipynb").read_text()
    else:
        assert error in res.error
