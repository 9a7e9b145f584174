"""Notebooks: the skeleton conventions, and key results of an execution on the sample department.

nbval executes every notebook in ``notebooks/`` as it stands (``interactive=True``); these tests
execute them again as a report would (``interactive=False``) and check the key result cells.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
SEQUENCE = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name) and p.parent.name == "notebooks"]


def test_the_sequence_exists() -> None:
    assert [p.name for p in SEQUENCE][:1] == ["00_data_intake.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_skeleton(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
        "strip outputs"
    )
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    first = nb.cells[0].source
    assert "## Overview" in first and "## Prerequisites" in first
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and code[0] is parameters[0]
    tree = ast.parse(parameters[0].source)
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), "parameters are typed literals"
        assert isinstance(node.value, ast.Constant), "parameters are literals"
        names.add(node.target.id)
    for line in parameters[0].source.splitlines():
        assert "  # " in line, f"parameter without a help comment: {line}"
    assert {"engagement", "interactive", "chart_renderer"} <= names
    assert "cs.setup_notebook(" in code[1].source
    for cell in code:
        assert not any(
            isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(ast.parse(cell.source))
        )
        assert "read_csv" not in cell.source and "open(" not in cell.source, (
            "notebooks never parse files"
        )
    assert nb.cells[-1].cell_type == "markdown" and "## Summary" in nb.cells[-1].source


def _outputs(nb: nbformat.NotebookNode, audiences: tuple[str, ...] | None = None) -> str:
    """Text of the outputs (of those cs.show marked for one of ``audiences``, if given)."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            audience = output.get("metadata", {}).get("cs360", {}).get("audience")
            if audiences is not None and audience not in audiences:
                continue
            texts.append(output.get("text", ""))
            texts.append(json.dumps(output.get("data", {})))
    return "\n".join(texts).replace("**", "")  # summaries set their numbers in bold


@pytest.fixture(scope="module")
def intake_report(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("nb") / "00.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "00_data_intake.ipynb"),
        str(out),
        parameters={
            "engagement": str(ROOT / "data" / "samples" / "engagement.yml"),
            "interactive": False,
        },
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def test_intake_key_results(intake_report: nbformat.NotebookNode) -> None:
    truth = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())
    loaded, rejected = sum(truth["rows"].values()), sum(truth["rejected"].values())
    assert rejected == 3  # the planted broken incident rows
    analyst = _outputs(intake_report, ("all", "analyst"))
    assert f"8 sources were read: {loaded + rejected:,} rows in all" in analyst
    assert f"of which {rejected} (0.01%) were set aside" in analyst
    assert "incidents, offense: is missing (required) (2 rows, e.g. rows" in analyst
    assert "No id repeats in any source." in analyst
    for name in truth["personal_planted"]["incidents"]["rejected_ids"]:
        assert name in analyst  # the rejected rows themselves, for the department
    stakeholder = _outputs(intake_report, ("all", "stakeholder"))
    assert f"8 sources were read: {loaded:,} rows were loaded and fewer than 5" in stakeholder
    assert "(fewer than 5 rows)" in stakeholder and "e.g. rows" not in stakeholder
    for name in truth["personal_planted"]["incidents"]["rejected_ids"]:
        assert name not in stakeholder
    assert "No id repeats in any source." in stakeholder
    assert "Rows per beat, for the sources that record one" in stakeholder


def test_intake_report_is_static(intake_report: nbformat.NotebookNode) -> None:
    kinds = {
        key
        for cell in intake_report.cells
        for o in cell.get("outputs", [])
        for key in o.get("data", {})
    }
    assert "image/svg+xml" in kinds, "charts are rendered to SVG for offline reports"
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds), (
        "no widgets in reports"
    )
    assert not any("vega" in k and "json" in k for k in kinds), "no vega-embed specs in reports"


@pytest.fixture(scope="module")
def scanning_report(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("nb") / "01.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "01_scanning.ipynb"),
        str(out),
        parameters={
            "engagement": str(ROOT / "data" / "samples" / "engagement.yml"),
            "interactive": False,
            "coding_sheet": str(out.parent / "coding_sheet.xlsx"),
        },
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def test_scanning_is_in_the_sequence() -> None:
    assert [p.name for p in SEQUENCE][:2] == ["00_data_intake.ipynb", "01_scanning.ipynb"]


def test_scanning_key_results(scanning_report: nbformat.NotebookNode, tmp_path: Path) -> None:
    truth = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())
    analyst = _outputs(scanning_report, ("all", "analyst"))
    n = truth["interviews"]["interviews"]
    assert f"{n} stakeholders were interviewed, giving {truth['interviews']['rows']} answers" in (
        analyst
    )
    top = truth["interviews"]["stakeholders_by_concern"]["robbery"]
    assert f"Robbery (street, transit and commercial): {top} stakeholders" in analyst
    assert "Cedar Ave Drug Market Team: 2 members, 0 from outside the department" in analyst
    assert "It was written to coding\\\\_sheet.xlsx." in analyst  # Markdown-escaped, in JSON
    stakeholder = _outputs(scanning_report, ("all", "stakeholder"))
    assert "Department: fewer than 5 stakeholders interviewed" in stakeholder
    assert "Cedar Ave Drug Market Team (no external member" in stakeholder
    assert "Advisory Team: missing mid-level supervisor (department), US Attorney" in stakeholder
    lowered = stakeholder.lower()
    assert not [v for v in truth["personal"] if v.lower() in lowered]


def test_scanning_report_is_static(scanning_report: nbformat.NotebookNode) -> None:
    kinds = {
        key
        for cell in scanning_report.cells
        for o in cell.get("outputs", [])
        for key in o.get("data", {})
    }
    assert "image/svg+xml" in kinds
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds)
