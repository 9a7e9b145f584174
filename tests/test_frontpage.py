"""Front pages, contents, run facts and relative paths of the reports."""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_markdown_cell, new_notebook

from cs360lib.run.execute import NotebookResult
from cs360lib.run.frontpage import (
    FRONT_MARK,
    SAMPLE_ENGAGEMENT_ID,
    RunFactsPreprocessor,
    absolute_paths,
    duration_text,
    finish_report,
    front_page,
    notebook_facts,
    publishing_rules,
    relative_paths,
    render_front_page,
    table_of_contents,
)
from cs360lib.run.manifest import EngagementRecord, Manifest, Parameters, SourceRecord

ROOT = Path(__file__).resolve().parents[1]
PREREQUISITES = (
    "## Prerequisites\n| Concept | Notes |\n|---|---|\n| The engagement file | docs |\n\n"
    "- **Time to learn**: 10 minutes\n- **Runs in**: seconds on the sample department\n"
    "This runs on the sample department. It also works on yours."
)


def _facts(duration, sample):
    nb = new_notebook(cells=[new_markdown_cell(PREREQUISITES)])
    RunFactsPreprocessor(duration, sample).preprocess(nb, {})
    return nb.cells[0].source


def test_runs_in_is_measured_and_time_to_learn_is_dropped() -> None:
    text = _facts(12.4, sample=True)
    assert "- **Runs in**: 12 seconds in this run" in text
    assert "Time to learn" not in text and "seconds on the sample department" not in text
    assert "This runs on the sample department." in text  # the sample's own report keeps it


def test_sample_sentences_are_removed_for_another_department() -> None:
    text = _facts(None, sample=False)
    assert "Runs in" not in text and "sample department" not in text
    assert "It also works on yours." in text and "| The engagement file |" in text


def test_the_sample_id_is_the_sample_engagement() -> None:
    data = yaml.safe_load((ROOT / "data/samples/engagement.yml").read_text(encoding="utf-8"))
    assert data["engagement"]["id"] == SAMPLE_ENGAGEMENT_ID


def test_duration_text() -> None:
    assert duration_text(0.2) == "1 second"
    assert duration_text(42) == "42 seconds"
    assert duration_text(600) == "10.0 minutes"
    assert duration_text(7200) == "2.0 hours"


def test_relative_paths(tmp_path) -> None:
    import cs360lib

    root = tmp_path / "eng"
    package = Path(cs360lib.__file__).resolve().parent
    text = f"read {root}/data/x.csv in {package}/run/execute.py:12 from {Path.home()}/y"
    out = relative_paths(text, root=root)
    assert out == "read data/x.csv in cs360lib/run/execute.py:12 from ~/y"
    assert absolute_paths(out) == []
    assert absolute_paths('engagement = "/work/x/engagement.yml"') == ["/work/x/engagement.yml"]
    assert absolute_paths(r"C:\Users\me\data.csv") and not absolute_paths("a/b and 1/2")


def test_the_reports_own_folder_is_written_dot(tmp_path) -> None:
    """The run folder a notebook wrote its files into (02's output_dir) is the report's '.'."""
    run = tmp_path / "reports" / "eng" / ".20261129T000000Z.partial-1-abc"
    text = f'output_dir = "{run}"\nsaved {run}/02_prioritization_worksheet.xlsx'
    out = relative_paths(text, root=tmp_path / "eng", folder=run)
    assert out == 'output_dir = "."\nsaved ./02_prioritization_worksheet.xlsx'
    assert absolute_paths(out) == []


def test_table_of_contents() -> None:
    html = (
        '<h1 id="T">T</h1><h2 id="1.-What-was-read">1. What was read<a class="anchor-link" '
        'href="#1.-What-was-read">¶</a></h2><h3 id="x">A &amp; B</h3>'
    )
    assert table_of_contents(html) == [
        (2, "1.-What-was-read", "1. What was read"),
        (3, "x", "A & B"),
    ]


def test_publishing_rules_in_words() -> None:
    rules = publishing_rules({"min_count": 10, "location_precision": "beat", "quotes": False})
    assert rules[0].startswith("Counts from 1 to 9 are hidden")
    assert "named by beat" in rules[1] and rules[2] == "Interview quotes are not published."
    assert (
        publishing_rules({"min_count": 0})[0]
        == "Every count is shown (no small-count suppression)."
    )
    assert "hundred blocks" in publishing_rules(None)[1]


def _source(name: str, kind: str, rows: tuple, first=None, last=None) -> SourceRecord:
    read, loaded, rejected = rows
    return SourceRecord(
        name=name,
        kind=kind,
        status="ok",
        rows_read=read,
        rows_loaded=loaded,
        rows_rejected=rejected,
        first_date=first,
        last_date=last,
    )


def _manifest() -> Manifest:
    return Manifest(
        status="ok",
        engagement=EngagementRecord(
            id="rivertown-pd", name="Rivertown <CS360>", path="/x/e.yml", department="Rivertown PD"
        ),
        parameters=Parameters(engagement="/x/e.yml"),
        sources=[
            _source("calls", "calls", (10, 9, 1), "2021-01-03", "2022-05-01"),
            _source("incidents", "incidents", (5, 5, 0), "2020-02-01", "2021-12-31"),
            _source("roster", "stakeholders", (3, 3, 0)),
        ],
        notebooks=[
            NotebookResult(
                name="00_data_intake",
                status="ok",
                duration_s=14.0,
                reports={
                    "stakeholder": "00_data_intake.html",
                    "analyst": "00_data_intake.analyst.html",
                },
            ),
            NotebookResult(name="01_scanning", status="failed", reports={}),
        ],
        publishing={"min_count": 5},
    )


def test_front_page_facts_come_from_the_manifest() -> None:
    page = front_page(
        _manifest(),
        title="00 · Data intake",
        notebook="00_data_intake",
        variant="analyst",
        generated="2026-01-01 10:00 UTC",
    )
    assert page.department == "Rivertown PD" and page.dates == "2020-02-01 to 2022-05-01"
    assert page.duration == "14 seconds"
    assert [n["link"] for n in page.notebooks] == ["00_data_intake.analyst.html", None]
    html = render_front_page(page)
    assert "Rivertown &lt;CS360&gt;" in html  # escaped
    assert "Dates covered" in html and "Publishing rules in force" in html
    assert "failed" in html and "this report" in html


def test_finish_report_puts_the_front_page_in_place(tmp_path) -> None:
    path = tmp_path / "00_data_intake.html"
    path.write_text(
        f"<html><head><title>00 · Data intake</title></head><body>{FRONT_MARK}"
        '<h2 id="Overview">Overview</h2></body></html>',
        encoding="utf-8",
    )
    finish_report(
        path, _manifest(), notebook="00_data_intake", variant="stakeholder", generated="now"
    )
    html = path.read_text(encoding="utf-8")
    assert FRONT_MARK not in html
    assert html.index('class="cs360-front"') < html.index('<h2 id="Overview">')
    assert '<a href="#Overview">Overview</a>' in html


def test_notebook_facts_of_a_papermill_notebook(tmp_path) -> None:
    nb = new_notebook()
    nb.metadata["papermill"] = {
        "duration": 3.5,
        "parameters": {"engagement": str(ROOT / "data/samples/engagement.yml")},
    }
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    facts = notebook_facts(path)
    assert facts == {
        "sample": True,
        "duration_s": 3.5,
        "root": str((ROOT / "data/samples").resolve()),
    }
    nb.metadata["papermill"]["parameters"] = {"engagement": "missing.yml"}
    nbformat.write(nb, str(path))
    assert notebook_facts(path) == {"sample": True, "duration_s": 3.5}
