"""Notebooks: the skeleton conventions, and key results of an execution on the sample department.

nbval executes every notebook in ``notebooks/`` as it stands (``interactive=True``); these tests
execute them again as a report would (``interactive=False``) and check the key result cells.
"""

from __future__ import annotations

import ast
import datetime
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
# workshop sources are not runnable notebooks: they include the real cells by id, and the
# learner and solution notebooks built from them are checked here (tests/test_workshop.py)
NOTEBOOKS = [p for p in NOTEBOOKS if p.parent.parts[-2:] != ("workshop", "source")]
SEQUENCE = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name) and p.parent.name == "notebooks"]


def test_the_sequence_exists() -> None:
    names = [p.name for p in SEQUENCE]
    assert names[:1] == ["00_data_intake.ipynb"] and "04_lessons_learned.ipynb" in names


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
    """Text of the outputs (of those cs.show marked for one of ``audiences``, if given).

    Summaries are shown as Markdown with their numbers in bold; the bold markers are removed
    so that a test reads the sentence as a reader does.
    """
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            audience = output.get("metadata", {}).get("cs360", {}).get("audience")
            if audiences is not None and audience not in audiences:
                continue
            texts.append(output.get("text", ""))
            texts.append(json.dumps(output.get("data", {})))
    return "\n".join(texts).replace("**", "")  # summaries set their numbers in bold


def _plain(text: str) -> str:
    """Outputs without the Markdown of the summaries (bold numbers, escaped ``*``)."""
    return text.replace("**", "").replace("\\", "")


def _output_kinds(nb: nbformat.NotebookNode) -> set[str]:
    """The MIME types of every output of an executed notebook."""
    return {key for cell in nb.cells for o in cell.get("outputs", []) for key in o.get("data", {})}


def _report(name: str, out: Path, **parameters: object) -> nbformat.NotebookNode:
    """Execute a notebook of the sequence on the sample as a report would (not interactive)."""
    return _execute(name, ROOT / "data" / "samples" / "engagement.yml", out, **parameters)


@pytest.fixture(scope="module")
def intake_report(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    return _report("00_data_intake.ipynb", tmp_path_factory.mktemp("nb") / "00.ipynb")


def test_intake_key_results(intake_report: nbformat.NotebookNode) -> None:
    truth = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())
    loaded, rejected = sum(truth["rows"].values()), sum(truth["rejected"].values())
    assert rejected == 3  # the planted broken incident rows
    analyst = _plain(_outputs(intake_report, ("all", "analyst")))
    assert f"8 sources were read: {loaded + rejected:,} rows in all" in analyst
    assert f"of which {rejected} (0.01%) were set aside" in analyst
    assert "incidents, Offense: is missing (required) (2 rows, e.g. rows" in analyst
    assert "No id repeats in any source." in analyst
    for name in truth["personal_planted"]["incidents"]["rejected_ids"]:
        assert name in analyst  # the rejected rows themselves, for the department
    stakeholder = _plain(_outputs(intake_report, ("all", "stakeholder")))
    assert f"8 sources were read: {loaded:,} rows were loaded and fewer than 5" in stakeholder
    assert "(fewer than 5 rows)" in stakeholder and "e.g. rows" not in stakeholder
    for name in truth["personal_planted"]["incidents"]["rejected_ids"]:
        assert name not in stakeholder
    assert "No id repeats in any source." in stakeholder
    assert "Rows per beat, for the sources that record one" in stakeholder


def test_intake_report_is_static(intake_report: nbformat.NotebookNode) -> None:
    kinds = _output_kinds(intake_report)
    assert "image/svg+xml" in kinds, "charts are rendered to SVG for offline reports"
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds), (
        "no widgets in reports"
    )
    assert not any("vega" in k and "json" in k for k in kinds), "no vega-embed specs in reports"


def _execute(
    source: str, engagement: Path, out: Path, **parameters: object
) -> nbformat.NotebookNode:
    papermill.execute_notebook(
        str(ROOT / "notebooks" / source),
        str(out),
        parameters={"engagement": str(engagement), "interactive": False, **parameters},
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def problem_report(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    return _report("03_problem_analysis.ipynb", tmp_path_factory.mktemp("nb") / "03.ipynb")


@pytest.fixture(scope="module")
def lessons_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    """Notebook 04 on a copy of the sample (its lessons-learned log lands in the copy)."""
    from conftest import sample_copy

    folder = tmp_path_factory.mktemp("lessons")
    engagement = sample_copy(folder / "sample")
    return _execute("04_lessons_learned.ipynb", engagement, folder / "04.ipynb"), engagement


def _shown_text(nb: nbformat.NotebookNode) -> str:
    """The Markdown that cs.show published for both reports, without emphasis and escapes."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("cs360", {}).get("audience") not in ("all",):
                continue
            texts.append(str(output.get("data", {}).get("text/markdown", "")))
    return "\n".join(texts).replace("**", "").replace("\\", "")


def test_lessons_learned_key_results(lessons_report) -> None:
    nb, engagement = lessons_report
    text = _shown_text(nb)
    response = "Transit hub lighting and guardianship"
    # process first: carried out, with the planted dosage
    assert text.index(f"{response}: implemented.") < text.index("reviewed with")
    assert "52 actions logged from 6 March 2023" in text
    assert "officer hours delivered of 2,106 planned to date" in text
    # impact with intervals, displacement, survey, dashboard, decisions, the log
    assert "Street robberies in the target beat (beat E2): 174 recorded" in text
    assert "no clear displacement" in text
    assert "safety in East: 55.2 before the response" in text
    assert "No clear change by area: Central, West." in text
    assert "At a glance: " in text and "Partners and community" in text
    assert "Proposed decision: continue" in text
    assert "Review 1 of " in text and "recorded in lessons_learned.yml" in text
    log = engagement.parent / "lessons_learned.yml"
    assert log.exists() and log.read_text().count("reviewed_on:") == 1


def test_lessons_learned_runs_without_responses(tmp_path: Path) -> None:
    from conftest import SAMPLES, sample_copy

    text = (SAMPLES / "engagement.yml").read_text()
    text = re.sub(r"\nresponses:\n.*?\nmetrics:", "\nmetrics:", text, flags=re.S)
    engagement = sample_copy(tmp_path / "sample", text)
    nb = _execute("04_lessons_learned.ipynb", engagement, tmp_path / "04.ipynb", record=False)
    shown = _shown_text(nb)
    assert "The plan has no response to review: write `responses:` first." in shown
    assert "No measure of the plan could be reviewed." in shown
    assert "No earlier review is recorded for this engagement" in shown
    assert not (engagement.parent / "lessons_learned.yml").exists()


def test_problem_analysis_is_in_the_sequence() -> None:
    names = [p.name for p in SEQUENCE]
    assert "03_problem_analysis.ipynb" in names
    nb = nbformat.read(ROOT / "notebooks" / "03_problem_analysis.ipynb", as_version=4)
    sections = [c for c in nb.cells[2:] if c.cell_type == "code"]
    assert len(sections) == 8  # setup, then one call and one cs.show per section
    for cell in sections[1:]:
        assert cell.source.count("cs.show(") == 1 and len(cell.source.splitlines()) == 2
    assert "04 · Lessons learned" in nb.cells[-1].source


def test_problem_analysis_key_results(problem_report: nbformat.NotebookNode) -> None:
    truth = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())
    published = _outputs(problem_report, ("all", "stakeholder"))
    stakeholder = _plain(published)
    assert "events of the problem fell on" in stakeholder
    assert "are hot spots (Getis-Ord Gi*" in stakeholder  # the planted hot cells
    assert "700 block of Main St" in stakeholder  # a transit-hub block, at block precision
    assert "the busiest hour of the week was" in stakeholder
    assert "Near repeats: the" in stakeholder
    assert "Every side has a partner able to act, on the Problem-Solving Team." in stakeholder
    assert "in target (beat E2), compared with comparison (beat W2)" in stakeholder
    assert "Every one of the 8 goals has at least one measure." in stakeholder
    assert "The measures meet the CS360 rule." in stakeholder
    assert "interrupted time series with a comparison group" in stakeholder
    # the sample's noisy beat: a long required duration, stated with the ways to learn sooner
    assert "the response must run about 120 months (10 years)" in stakeholder
    assert "That is longer than the 3 years most responses can wait." in stakeholder
    assert "&lt;5" in published or "<5" in published  # small counts were hidden
    for value in truth["personal"]:
        assert value.lower() not in stakeholder.lower(), value


def test_problem_analysis_report_is_static(problem_report: nbformat.NotebookNode) -> None:
    kinds = _output_kinds(problem_report)
    assert "image/svg+xml" in kinds
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds)
    assert not any("vega" in k and "json" in k for k in kinds)
    errors = [
        o for c in problem_report.cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert not errors


# ----------------------------------------------------------------- 02 prioritization


@pytest.fixture(scope="module")
def prioritization_report(tmp_path_factory: pytest.TempPathFactory):
    """Notebook 02 executed as a report would be (``interactive=False``), output in tmp."""
    folder = tmp_path_factory.mktemp("nb02")
    nb = _report("02_prioritization.ipynb", folder / "02.ipynb", output_dir=str(folder / "run"))
    return nb, folder / "run"


def test_prioritization_says_which_problem_ranks_first(prioritization_report) -> None:
    nb, _ = prioritization_report
    stakeholder = _outputs(nb, ("all", "stakeholder"))
    # the planted transit-hub street robbery, in words, in the section "The choice"
    choice = "Ranking (score from 0 to 1): 1. Robbery (street, transit and commercial)"
    assert choice in stakeholder
    assert "Robbery (street, transit and commercial) ranks first in more than 99%" in stakeholder
    assert "Robbery (street, transit and commercial) ranks first mostly on harm" in stakeholder
    # every concern planted in the interviews is a candidate, with the data's and a partner's
    raised = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())["interviews"]
    n = len(raised["stakeholders_by_concern"])
    assert f"{n + 6} candidate problems: {n} raised in the scanning interviews; 4 the" in (
        stakeholder
    )
    assert "Lighting and physical environment cannot be measured in data" in stakeholder
    assert "Overdose calls (County EMS): not scored: harm: no harm weight" in stakeholder
    for text in ("nan", "inf%", " 0%)"):
        assert text not in _markdown_text(nb, ("all", "stakeholder")), text


def _markdown_text(nb: nbformat.NotebookNode, audiences: tuple[str, ...]) -> str:
    """The Markdown that cs.show published (summaries and notes), for wording checks."""
    return "\n".join(
        o.get("data", {}).get("text/markdown", "")
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if o.get("metadata", {}).get("cs360", {}).get("audience") in audiences
    )


def test_prioritization_stakeholder_copy_hides_evidence_and_small_counts(
    prioritization_report,
) -> None:
    nb, _ = prioritization_report
    stakeholder = _outputs(nb, ("all", "stakeholder"))
    analyst = _outputs(nb, ("all", "analyst"))
    interviews = json.loads((ROOT / "data" / "samples" / "truth.json").read_text())["interviews"]
    robbery = interviews["stakeholders_by_concern"]["robbery"]
    evidence = f"raised by {robbery} of {interviews['interviews']} stakeholders interviewed"
    assert evidence in analyst and evidence not in stakeholder
    assert (  # the evidence, and the engagement file's names of the candidates
        "Not published: Name in the engagement file, Why it is a candidate (in the analyst "
        "report)" in stakeholder
    )
    assert "&lt;5" in stakeholder  # stakeholders who raised a concern, fewer than 5
    assert "1000 block of 7th St" in analyst  # the robberies' busiest block
    assert "Addresses are given as hundred blocks" in stakeholder
    # every section reached the stakeholder report with its chart
    svgs = [
        o
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if "image/svg+xml" in o.get("data", {})
        and o.get("metadata", {}).get("cs360", {}).get("audience") in ("all", "stakeholder")
    ]
    assert len(svgs) == 6  # candidates, harm, CHEERS, criteria, scores, sensitivity


def test_prioritization_workbook_is_written_and_named_relatively(prioritization_report) -> None:
    import openpyxl

    from cs360lib.steps.prioritize.excel import SHEETS
    from cs360lib.steps.prioritize.worksheet import WORKBOOK_NAME

    nb, run = prioritization_report
    path = run / WORKBOOK_NAME
    assert path.is_file()
    stakeholder = _outputs(nb, ("all", "stakeholder"))
    assert f"saved as `{WORKBOOK_NAME}` in the output folder" in stakeholder
    assert str(run) not in _outputs(nb)  # the path is shown relative, never absolute
    book = openpyxl.load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS
    scores = [c.value for c in book["Scores"][1]]
    assert not any(str(v).endswith(": raw") for v in scores)  # the published copy
    candidates = [c.value for c in book["Candidates"][1]]
    assert "Why it is a candidate" not in candidates
    assert str(book["Scores"]["D2"].value).startswith("=SUM(")
    assert "Published copy" in " ".join(str(c.value) for c in book["About"]["A"] if c.value)


def test_prioritization_report_is_static(prioritization_report) -> None:
    nb, _ = prioritization_report
    kinds = {key for cell in nb.cells for o in cell.get("outputs", []) for key in o.get("data", {})}
    assert "image/svg+xml" in kinds
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds)


# ----------------------------------------------------------------- 01 scanning


@pytest.fixture(scope="module")
def scanning_report(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("nb") / "01.ipynb"
    return _report("01_scanning.ipynb", out, coding_sheet=str(out.parent / "coding_sheet.xlsx"))


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
    kinds = _output_kinds(scanning_report)
    assert "image/svg+xml" in kinds
    assert not any(k.startswith("application/vnd.jupyter.widget") for k in kinds)


def test_the_next_cycle_starts_from_the_last_review(tmp_path: Path) -> None:
    """A review recorded by notebook 04 is the first thing notebook 01 of the next run shows."""
    from conftest import sample_copy

    import cs360lib as cs
    from cs360lib.steps import review

    path = sample_copy(tmp_path / "sample")
    engagement = cs.Engagement.load(path)
    decisions = review.review(engagement, cs.load_engagement(engagement)).decisions
    review.record(engagement, decisions, today=datetime.date(2025, 1, 15))
    nb = _execute(
        "01_scanning.ipynb", path, tmp_path / "01.ipynb", coding_sheet=str(tmp_path / "c.xlsx")
    )
    shown = _shown_text(nb)
    assert "1 earlier review(s) recorded in lessons_learned.yml. The last, on 15 January 2025" in (
        shown
    )
    assert "- Transit hub lighting and guardianship: implemented; decided: continue" in shown
    # the first section after the set-up, before anyone is interviewed again
    calls = [c.source for c in nb.cells if c.cell_type == "code" and "cs.show(" in c.source]
    assert "previous_cycles" in calls[0]
