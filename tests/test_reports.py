import re
from collections import Counter
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest
from browser import CHROMIUM, LAUNCH_ARGS, render_offline, require_chromium
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cs360lib.run import audiences, reports
from cs360lib.run.audiences import STEP_ERROR_NOTE, stakeholder_meta
from cs360lib.run.reports import (
    export_html,
    export_reports,
    find_network_refs,
    make_offline,
)

REMOTE_HTML = """<!DOCTYPE html><html><head>
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>
<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Lato">
<link rel="canonical" href="https://example.org/page">
<style>@import "https://example.org/x.css"; body { color: red; }</style>
<script type="module">const m = await import("https://cdn.jsdelivr.net/npm/mermaid@11");</script>
<script>require(["vega-embed"], function (embed) {});</script>
<script type="application/json">{"url": "https://example.org/data"}</script>
<script>console.log("local only");</script>
</head><body>
<a href="https://www.policinginstitute.org">a plain link loads nothing</a>
<img src="https://example.org/logo.png" alt="logo">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">
<iframe src="http://example.org/embed"></iframe>
<div style="background: url('https://example.org/bg.png')">x</div>
<picture><source srcset="https://example.org/a.webp 1x, b.webp 2x"></picture>
<svg><image href="https://example.org/i.png"/></svg>
</body></html>"""


def _tags(refs):
    return sorted((r.tag, r.attr) for r in refs)


# ----------------------------------------------------------------- network scan


def test_find_network_refs_catches_every_loader():
    refs = find_network_refs(REMOTE_HTML)
    assert _tags(refs) == sorted(
        [
            ("script", "src"),
            ("link", "href"),
            ("style", "#text"),
            ("script", "#text"),  # dynamic import of a CDN module
            ("script", "#text"),  # require.js call
            ("img", "src"),
            ("iframe", "src"),
            ("div", "style"),
            ("source", "srcset"),
            ("image", "href"),
        ]
    )
    values = " ".join(r.value for r in refs)
    assert "policinginstitute" not in values  # <a href> is allowed
    assert "canonical" not in values and "example.org/page" not in values
    assert "example.org/data" not in values  # JSON data script is inert


def test_make_offline_removes_and_notes():
    html, removed = make_offline(REMOTE_HTML)
    assert len(removed) == 10
    assert find_network_refs(html) == []
    assert "local only" in html and "a plain link loads nothing" in html
    assert "data:image/png;base64" in html
    assert "removed from the offline report" in html


def test_make_offline_clean_document_untouched():
    doc = "<html><body><p>hello</p><img src='data:image/png;base64,AA=='></body></html>"
    assert make_offline(doc) == (doc, [])


# ----------------------------------------------------------------- export


SHOWN = {"cs360": {"audience": "all"}}  # the mark cs.show puts on what both reports publish


def _notebook() -> nbformat.NotebookNode:
    chart = alt.Chart(pd.DataFrame({"x": ["a", "b"], "y": [1, 3]})).mark_bar().encode(x="x", y="y")
    code = new_code_cell("SECRET_CODE_MARKER = 1\nprint('visible output')", execution_count=1)
    code.outputs = [
        new_output("stream", name="stdout", text="visible output\n"),
        new_output("stream", name="stderr", text="DeprecationWarning: noisy\n"),
    ]
    vl = new_code_cell("chart", execution_count=2)
    vl.outputs = [
        new_output(
            "display_data",
            data={
                "application/vnd.vegalite.v6+json": chart.to_dict(),
                "text/plain": "alt.Chart(...)",
            },
            metadata=SHOWN,
        )
    ]
    widget = new_code_cell("slider", execution_count=3)
    widget.outputs = [
        new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {
                    "model_id": "abc",
                    "version_major": 2,
                    "version_minor": 0,
                },
                "text/plain": "IntSlider(value=3)",
            },
            metadata=SHOWN,
        )
    ]
    hidden = new_code_cell("HIDDEN_CELL_MARKER", execution_count=4)
    hidden.metadata["tags"] = ["remove-cell"]
    math = new_markdown_cell(
        "# Report title\n\nRate $r = n / p$ and a [link](https://example.org)."
    )
    nb = new_notebook(cells=[math, code, vl, widget, hidden])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}
    }
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_stock_lab_template_is_not_offline():
    """Control: the stock template loads require.js/MathJax/widgets from CDNs."""
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(_notebook())
    refs = find_network_refs(html)
    assert any(r.tag == "script" and r.attr == "src" for r in refs)


@pytest.mark.parametrize("variant", ["stakeholder", "analyst"])
def test_export_is_offline(variant):
    html, removed = export_html(_notebook(), variant=variant)
    assert removed == []
    assert find_network_refs(html) == []
    assert not re.search(
        r"require(\.min)?\.js|mathjax|mermaid|html-manager|@jupyter-widgets", html, re.IGNORECASE
    )
    assert not re.search(
        r"""(src|href)\s*=\s*["']?(https?:)?//""", html.replace('href="https://example.org"', "")
    )
    assert "<title>Report title</title>" in html
    assert "<style" in html and "<link" not in html  # CSS inlined
    # the Vega-Lite output became an SVG image; the widget its text fallback
    assert "data:image/svg+xml;base64," in html
    assert "IntSlider(value=3)" in html
    assert "widget-state" not in html
    assert "HIDDEN_CELL_MARKER" not in html


def test_stakeholder_hides_code_analyst_shows_it():
    stakeholder, _ = export_html(_notebook(), variant="stakeholder")
    analyst, _ = export_html(_notebook(), variant="analyst")
    # a print is not published (it did not pass cs.show): a note stands in its place
    assert "visible output" not in stakeholder and "visible output" in analyst
    assert "This detail is in the analyst report" in stakeholder
    assert "SECRET_CODE_MARKER" not in stakeholder and "SECRET_CODE_MARKER" in analyst
    prompt = re.compile(r"In(&nbsp;|\xa0)\[\d")
    assert not prompt.search(stakeholder) and prompt.search(analyst)
    assert "DeprecationWarning" not in stakeholder and "DeprecationWarning" in analyst


def _audience_notebook() -> nbformat.NotebookNode:
    def shown(text: str, audience: str | None, **extra: str) -> nbformat.NotebookNode:
        meta = {"cs360": {"audience": audience, **extra}} if audience else {}
        return new_output("display_data", data={"text/plain": text}, metadata=meta)

    cell = new_code_cell("cs.show(result)", execution_count=1)
    cell.outputs = [
        shown("PUBLISHED_FOR_ALL", "all"),
        shown("PUBLISHED_COPY", "stakeholder"),
        shown("FULL_DETAIL_1", "analyst", title="Rejected rows"),
        shown("FULL_DETAIL_2", "analyst", title="Rejected rows"),
        shown("UNMARKED_FRAME", None),
        shown("PUBLISHED_AFTER", "all"),
    ]
    error = new_code_cell("1 / 0", execution_count=2)
    error.outputs = [
        new_output("error", ename="ZeroDivisionError", evalue="Jane Doe", traceback=["Jane Doe"])
    ]
    return new_notebook(cells=[new_markdown_cell("# Audiences"), cell, error])


def test_audience_preprocessor_stakeholder():
    """Only what cs.show published reaches the public; one note per run of the rest."""
    nb = _audience_notebook()
    audiences.AudiencePreprocessor(variant="stakeholder").preprocess(nb, {})
    first, error = nb.cells[1].outputs, nb.cells[2].outputs
    texts = [o.data["text/plain"] for o in first]
    assert texts[:2] == ["PUBLISHED_FOR_ALL", "PUBLISHED_COPY"]
    assert texts[2:4] == [  # one line for the two titled details, one for the bare frame
        "Rejected rows: this detail is in the analyst report (internal: contains "
        "record-level data).",
        "This detail is in the analyst report (internal: contains record-level data).",
    ]
    assert texts[4:] == ["PUBLISHED_AFTER"]
    assert [o.data["text/plain"] for o in error] == [
        "The error message of this cell is in the analyst report (internal: contains "
        "record-level data)."
    ]


def test_audience_preprocessor_analyst():
    nb = _audience_notebook()
    audiences.AudiencePreprocessor(variant="analyst").preprocess(nb, {})
    texts = [o.get("data", {}).get("text/plain") for o in nb.cells[1].outputs]
    assert texts == [
        "PUBLISHED_FOR_ALL", "FULL_DETAIL_1", "FULL_DETAIL_2", "UNMARKED_FRAME", "PUBLISHED_AFTER"
    ]  # fmt: skip
    assert nb.cells[2].outputs[0].output_type == "error"


def test_analyst_report_says_internal_on_every_page():
    analyst, _ = export_html(_audience_notebook(), variant="analyst")
    stakeholder, _ = export_html(_audience_notebook(), variant="stakeholder")
    notice = audiences.INTERNAL_NOTICE
    assert notice == "Internal: contains record-level data"
    assert analyst.count(f"{notice}. Not for publication") == 2  # top and bottom of the page
    # printed, the notice is the header and footer group that browsers repeat on every page
    assert '<table class="cs360-page" role="presentation">' in analyst
    assert "table.cs360-page > thead { display: table-header-group; }" in analyst
    assert notice not in stakeholder and "Jane Doe" not in stakeholder
    assert "Jane Doe" in analyst


def test_export_banner_marks_failures():
    meta = {"engagement": "Fixture PD", "status": "failed", "error": "ValueError: x"}
    html, _ = export_html(_notebook(), meta=meta)
    assert "cs360-status-failed" in html and "did not finish (failed)" in html
    assert "Fixture PD" in html and "a step stopped with an error" in html
    assert "ValueError" not in html  # the stakeholder banner says it plainly
    analyst, _ = export_html(_notebook(), variant="analyst", meta=meta)
    assert "did not finish (failed)" in analyst and "ValueError: x" in analyst


def test_stakeholder_meta_is_plain():
    assert stakeholder_meta({"status": "ok", "engagement": "E"}) == {
        "status": "ok",
        "engagement": "E",
    }
    dead = stakeholder_meta({"status": "dead_kernel", "error": "DeadKernelError: Kernel died"})
    assert dead["status_text"] == "dead kernel" and "Error" not in dead["error"]
    assert dead["error"].endswith("the analyst report says why")


def test_failed_notebook_stakeholder_report_has_no_traceback(fixture_run):
    folder = fixture_run.report_dir
    stakeholder = (folder / "02_raises.html").read_text()
    assert "about to fail" in stakeholder  # the outputs before the failure stay
    assert STEP_ERROR_NOTE in stakeholder
    for python in ("Traceback", "ValueError", "fixture failure", "Exception was encountered"):
        assert python not in stakeholder, python
    analyst = (folder / "02_raises.analyst.html").read_text()
    assert "Traceback" in analyst and "ValueError" in analyst and "fixture failure" in analyst
    assert "Traceback" in (folder / "ERROR.txt").read_text()
    for stem in ("03_sleeps", "04_dies"):
        html = (folder / f"{stem}.html").read_text()
        for python in ("Traceback", "CellTimeoutError", "DeadKernelError", "cs360: this notebook"):
            assert python not in html, (stem, python)
    assert "did not finish (timeout): a step ran longer than the time allowed" in (
        (folder / "03_sleeps.html").read_text()
    )
    assert "did not finish (dead kernel)" in (folder / "04_dies.html").read_text()
    assert "DeadKernelError" in (folder / "04_dies.analyst.html").read_text()


def test_export_reports_writes_both(tmp_path):
    path = tmp_path / "in" / "05_x.ipynb"
    path.parent.mkdir()
    nbformat.write(_notebook(), path)
    result = export_reports(path, tmp_path / "out", "05_x")
    assert result.paths == {
        "stakeholder": tmp_path / "out" / "05_x.html",
        "analyst": tmp_path / "out" / "05_x.analyst.html",
    }
    assert result.removed == []
    assert all(p.stat().st_size > 1000 for p in result.paths.values())


def test_remote_output_is_removed_and_reported():
    nb = _notebook()
    cell = new_code_cell("html", execution_count=9)
    cell.outputs = [
        new_output(
            "display_data",
            data={
                "text/html": '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script><b>x</b>'
            },
            metadata=SHOWN,
        )
    ]
    nb.cells.append(cell)
    html, removed = export_html(nb)
    assert [r.tag for r in removed] == ["script"]
    assert find_network_refs(html) == []


def test_report_filename():
    assert reports.report_filename("00_a", "stakeholder") == "00_a.html"
    assert reports.report_filename("00_a", "analyst") == "00_a.analyst.html"
    from cs360lib.errors import RunError

    with pytest.raises(
        RunError, match=r"stakeholder, analyst \(cs360 export --variant\), got 'pdf'"
    ):
        reports.make_exporter("pdf")


# ----------------------------------------------------------------- the fixture run's reports


def test_fixture_run_reports_are_offline(fixture_run):
    for path in sorted(fixture_run.report_dir.glob("*.html")):
        html = path.read_text()
        assert find_network_refs(html) == [], path.name
        assert not re.search(r"https?://", html), path.name
    chart = (fixture_run.report_dir / "01_chart.html").read_text()
    assert len(re.findall(r"<img[^>]*src=\"data:image/svg\+xml;base64,", chart)) == 2
    assert "vega-embed" not in chart


def test_fixture_run_reports_follow_the_audiences(fixture_run):
    """cs.show's analyst-only record and a bare print stay out of the stakeholder report."""
    stakeholder = (fixture_run.report_dir / "00_ok.html").read_text()
    analyst = (fixture_run.report_dir / "00_ok.analyst.html").read_text()
    assert ">30<" in stakeholder and ">30<" in analyst  # the published table
    assert "Jane Doe" not in stakeholder and "Jane Doe" in analyst
    assert "A record: this detail is in the analyst report" in stakeholder
    assert "engagement file:" not in stakeholder and "engagement file:" in analyst
    assert audiences.INTERNAL_NOTICE in analyst and audiences.INTERNAL_NOTICE not in stakeholder


# ----------------------------------------------------------------- headless Chromium


@pytest.mark.browser
def test_chart_report_renders_offline_in_chromium(fixture_run, tmp_path):
    require_chromium()
    for name in ("01_chart.html", "01_chart.analyst.html"):
        shot = tmp_path / f"{name}.png"
        seen = render_offline(fixture_run.report_dir / name, screenshot=shot)
        assert seen.requests == [], seen.requests
        assert len(seen.drawn_charts) == 2, seen.charts
        assert all(c["width"] > 100 and c["height"] > 100 for c in seen.drawn_charts)
        assert seen.title == "Fixture: chart"
        assert shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")


@pytest.mark.browser
def test_chromium_check_counts_network_requests(tmp_path):
    """Control: the same check sees requests from a page that makes them."""
    require_chromium()
    page = tmp_path / "remote.html"
    page.write_text(REMOTE_HTML)
    seen = render_offline(page)
    assert len(seen.requests) >= 2
    assert any("require.min.js" in url for url in seen.requests)


def test_chart_images_have_alt_text(fixture_run):
    chart = (fixture_run.report_dir / "01_chart.html").read_text()
    alts = re.findall(r'<img alt="([^"]*)" src="data:image/svg', chart)
    assert len(alts) == 2
    assert alts[0].startswith("Chart: Calls for service by beat. X-axis titled")
    assert "No description has been provided" not in chart


def test_chart_alt_text_without_title():
    assert reports.chart_alt_text("<svg></svg>") == "Chart"


# ----------------------------------------------------------------- the real sequence


REPO = Path(__file__).resolve().parents[1]


@pytest.mark.browser
@pytest.mark.slow
def test_sample_engagement_reports_render_offline(tmp_path):
    """Acceptance: `cs360 run` on the sample engagement, reports open offline with charts."""
    from cs360lib.run.engagement_run import run_engagement
    from cs360lib.run.execute import discover_notebooks

    sample = REPO / "data" / "samples" / "engagement.yml"
    notebooks = REPO / "notebooks"
    if not sample.exists() or not list(notebooks.glob("00_*.ipynb")):
        pytest.skip("sample engagement or notebooks/00_*.ipynb not committed yet")
    require_chromium()
    first = discover_notebooks(notebooks)[0].stem
    result = run_engagement(sample, out_dir=tmp_path, only=[first], progress=lambda line: None)
    assert result.ok, result.error
    for name in (f"{first}.html", f"{first}.analyst.html"):
        html = (result.report_dir / name).read_text()
        assert find_network_refs(html) == []
        seen = render_offline(result.report_dir / name, screenshot=tmp_path / f"{name}.png")
        assert seen.requests == []
        assert seen.charts and len(seen.drawn_charts) == len(seen.charts), seen.charts


@pytest.mark.browser
@pytest.mark.slow
def test_scanning_report_renders_offline(tmp_path):
    """Notebook 01 runs in `cs360 run`; both reports open offline and draw every chart."""
    from cs360lib.run.engagement_run import run_engagement

    sample = REPO / "data" / "samples" / "engagement.yml"
    require_chromium()
    result = run_engagement(
        sample, out_dir=tmp_path, only=["01_scanning"], progress=lambda line: None
    )
    assert result.ok, result.error
    assert [nb.name for nb in result.notebooks] == ["01_scanning"]
    for name in ("01_scanning.html", "01_scanning.analyst.html"):
        html = (result.report_dir / name).read_text()
        assert find_network_refs(html) == []
        seen = render_offline(result.report_dir / name, screenshot=tmp_path / f"{name}.png")
        assert seen.requests == []
        assert len(seen.charts) >= 6 and len(seen.drawn_charts) == len(seen.charts), seen.charts
    stakeholder = (result.report_dir / "01_scanning.html").read_text()
    assert "Cedar Ave Drug Market Team" in stakeholder and "&lt;5" in stakeholder


# ----------------------------------------------------------------- privacy of the sample's reports
# Issue 9's acceptance: every notebook `cs360 run` executes on the sample engagement publishes
# nothing personal, only safe counts, and follows the engagement's publishing rules.

SAMPLES = REPO / "data" / "samples"
NOT_COUNTS = {
    "Files",
    "Rank",
    "On the community map",
    "Data availability",
    "Offense level",
    "Dimension",
    "Measures",
    "Outcomes",
    "Outputs",
    "Police data",
    "Partner data",
    "Measures (named in the summary)",
    "Outcome measures",
    "Periods before the start",
    "Number of blocks",
    "Number of beats",
    "Number of districts",
    "Outcomes better",
    "Outcomes worse",
    "Outcomes with no clear change",
    "Review",
}
"""Table columns of whole numbers that are not counts of records or people: the number of
files a source was read from; the partners on the community map, which the map names (01;
docs/privacy.md, counts of organisations); in the priority worksheet (02), a candidate's
rank, the sources that measure it (data availability) and the guideline offense level of a
harm weight; the CS360 dimension and the counts of an engagement's measures (notebook 03's metrics check and response plan); months
before a response's start; the number of places in the 80-20 table (how many blocks make up
the top 10% of them); in notebook 04 the number of a plan's measures with each mark and the
number of a review in the lessons-learned log."""
_WHOLE = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")
_SVG_DATA = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_OTHER_DATA = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")


def _sample_run(tmp_path_factory: pytest.TempPathFactory, **publishing: object):
    """Run every notebook on a copy of the sample engagement with other publishing rules."""
    import shutil

    import yaml

    from cs360lib.run.engagement_run import run_engagement

    if not (SAMPLES / "engagement.yml").exists():
        pytest.skip("data/samples/engagement.yml not committed yet")
    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(
        SAMPLES, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("lessons_learned.yml")
    )
    path = folder / "engagement.yml"
    if publishing:
        data = yaml.safe_load(path.read_text())
        data["publishing"].update(publishing)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_engagement(path, out_dir=folder / "reports", progress=lambda line: None)
    assert result.ok, result.error
    return result


def _stakeholder_reports(result) -> dict[str, str]:
    return {
        nb.name: (result.report_dir / nb.reports["stakeholder"]).read_text()
        for nb in result.notebooks
        if "stakeholder" in nb.reports
    }


def _readable(html: str) -> str:
    """The report's text and the text of its SVG charts (other embedded data dropped)."""
    import base64

    charts = [base64.b64decode(m).decode("utf-8", "replace") for m in _SVG_DATA.findall(html)]
    return "\n".join([_OTHER_DATA.sub("data:", html), *charts])


def _tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    from bs4 import BeautifulSoup

    tables = []
    for table in BeautifulSoup(html, "html.parser").find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        rows = [
            [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.select("tbody tr")
        ]
        tables.append((header, rows))
    return tables


def _unsafe_counts(html: str, min_count: int, *, low: int = 1) -> list[str]:
    """Cells of whole numbers from ``low`` to min_count - 1 in the report's tables."""
    found = []
    for header, rows in _tables(html):
        for row in rows:
            for name, cell in zip(header[-len(row) :] if row else [], row, strict=False):
                if name in NOT_COUNTS or not _WHOLE.match(cell):
                    continue
                value = int(cell.replace(",", ""))
                if low <= value < min_count:
                    found.append(f"{name}={cell} in {row}")
    return found


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory):
    return _sample_run(tmp_path_factory)


@pytest.fixture(scope="module")
def truth() -> dict:
    import json

    return json.loads((SAMPLES / "truth.json").read_text())


@pytest.mark.slow
def test_no_planted_personal_value_in_any_stakeholder_report(sample_run, truth) -> None:
    personal = truth["personal"]
    assert len(personal) >= 20, "too few planted values: the test would pass vacuously"
    reports_ = _stakeholder_reports(sample_run)
    assert reports_ and len(reports_) == len(sample_run.notebooks)
    for name, html in reports_.items():
        text = _readable(html).lower()
        leaked = [value for value in personal if value.lower() in text]
        assert not leaked, f"{name}: {leaked}"
        for incident in truth["personal_planted"]["incidents"]["rejected_ids"]:
            assert incident not in text, f"{name}: the id of a rejected row is published"
    # control: the same search finds the planted values in the analyst report of the intake
    analyst = _readable((sample_run.report_dir / "00_data_intake.analyst.html").read_text())
    found = [value for value in personal if value.lower() in analyst.lower()]
    assert "Kwame Mensah-Boateng" in found and "314-555-0148" in found


@pytest.mark.slow
def test_every_count_in_the_stakeholder_tables_is_safe(sample_run) -> None:
    reports_ = _stakeholder_reports(sample_run)
    cells = 0
    for name, html in reports_.items():
        assert not _unsafe_counts(html, 5), name
        cells += sum(len(rows) for _, rows in _tables(html))
    intake = reports_["00_data_intake"]
    assert cells > 100 and "&lt;5" in intake  # there were small counts, and they are hidden
    # the same check finds the small counts in the analyst report (it is not vacuous)
    analyst = (sample_run.report_dir / "00_data_intake.analyst.html").read_text()
    assert _unsafe_counts(analyst, 5)


@pytest.mark.slow
def test_min_count_changes_the_stakeholder_reports(sample_run, tmp_path_factory) -> None:
    stricter = _sample_run(tmp_path_factory, min_count=10)
    before = _stakeholder_reports(sample_run)["00_data_intake"]
    after = _stakeholder_reports(stricter)["00_data_intake"]
    assert "&lt;5" in before and "&lt;10" not in before
    assert "&lt;10" in after and "&lt;5" not in after
    assert not _unsafe_counts(after, 10)
    # not vacuous: the department's counts from 5 to 9 are in the analyst report, not published
    analyst = (stricter.report_dir / "00_data_intake.analyst.html").read_text()
    assert _unsafe_counts(analyst, 10, low=5)
    # counts 5 to 9 were published under min_count 5 (the intake's tables show too few rows to
    # hold one; notebook 03's hour-by-weekday counts do), and none are under min_count 10
    assert _unsafe_counts(_stakeholder_reports(sample_run)["03_problem_analysis"], 10)
    for name, html in _stakeholder_reports(stricter).items():
        assert not _unsafe_counts(html, 10), name
    assert "&lt;10" in _stakeholder_reports(stricter)["03_problem_analysis"]


def _table_with(html: str, column: str) -> list[dict[str, str]]:
    """The rows of the report's table that has ``column``, as dicts by header."""
    found = [(h, rows) for h, rows in _tables(html) if column in h]
    assert found, f"no table with a {column!r} column"
    header, rows = found[0]
    return [dict(zip(header[-len(row) :], row, strict=True)) for row in rows if row]


def _published_quantities(reports_: dict[str, str]) -> list[tuple[tuple[str, ...], str, str]]:
    """Every published number about the stakeholders and partners of the scanning step.

    Returns (quantity, published value, where) triples: a quantity is ``("raised", concern,
    side)``, ``("interviewed", side)``, ``("interviewed", sector)`` or ``("partners",
    sector)``; side is ``all``, ``inside`` or ``outside`` the department. The number of
    stakeholders interviewed outside the department is published in 02 as the ratio of a
    shown count of stakeholders who raised a concern to its community concern share.
    """
    scan, worksheet = reports_["01_scanning"], reports_["02_prioritization"]
    out: list[tuple[tuple[str, ...], str, str]] = []
    for row in _table_with(scan, "Stakeholders who raised it"):
        concern = row["Concern"]
        out.append((("raised", concern, "all"), row["Stakeholders who raised it"], "01 §4"))
        out.append((("raised", concern, "inside"), row["Department"], "01 §4"))
        out.append((("raised", concern, "outside"), row["External partners"], "01 §4"))
    for row in _table_with(scan, "Stakeholders interviewed"):
        out.append((("interviewed", row["Sector"]), row["Stakeholders interviewed"], "01 §1"))
        out.append((("partners", row["Sector"]), row["On the community map"], "01 §1"))
        if row["Sector"] == "Department":
            value = row["Stakeholders interviewed"]
            out.append((("interviewed", "inside"), value, "01 §1"))
    text = BeautifulSoup(scan, "html.parser").get_text(" ", strip=True)
    for pattern in (r"(\d+) stakeholders were interviewed", r"out of the (\d+) stakeholders"):
        for match in re.finditer(pattern, text):
            out.append((("interviewed", "all"), match.group(1), "01 summary"))
    sectors = Counter(row["Sector"] for row in _table_with(scan, "Levers"))
    for sector, count in sectors.items():
        out.append((("partners", sector), str(count), "01 §2 (the map's rows)"))
    concern_of = {
        row["Candidate"]: row["Scanning concern"] for row in _table_with(worksheet, "Measured as")
    }
    for row in _table_with(worksheet, "Raised by (outside the department)"):
        concern = concern_of.get(row["Candidate"])
        raised, share = row["Raised by (outside the department)"], row["Community concern"]
        if concern:
            where = f"02 §4 ({row['Candidate']})"
            out.append((("raised", concern, "outside"), raised, where))
        if _WHOLE.match(raised) and re.fullmatch(r"[\d.]+", share) and float(share) > 0:
            outside = round(int(raised) / float(share))
            out.append((("interviewed", "outside"), str(outside), "02 §4 (raised / share)"))
    return out


PARTS = {"all": ("inside", "outside")}
"""A quantity published for all stakeholders and for those inside and outside the
department: the whole minus one part is the other."""


@pytest.mark.slow
def test_no_published_count_can_be_derived_from_another(sample_run) -> None:
    """Differencing across and within reports (issue 9, complementary suppression).

    The same quantity is published the same way everywhere (a number in one report is not
    hidden in another), and no two published numbers of a whole and its part differ by a
    count from 1 to min_count - 1 (which would give the other part away).
    """
    n = 5
    published = _published_quantities(_stakeholder_reports(sample_run))
    values: dict[tuple[str, ...], dict[str, str]] = {}
    for key, value, where in published:
        values.setdefault(key, {})[where] = value
    assert len(values) > 30  # not vacuous: the tables were found and read
    for key, seen in values.items():
        numbers = {v for v in seen.values() if _WHOLE.match(v)}
        assert len(numbers) <= 1, f"{key} published as {seen}"
        if numbers:
            hidden = {w: v for w, v in seen.items() if not _WHOLE.match(v)}
            assert not hidden, f"{key} shown in one place and hidden in another: {seen}"
    pairs = 0
    for key, seen in values.items():
        if key[-1] not in PARTS:
            continue
        whole = next((int(v) for v in seen.values() if _WHOLE.match(v)), None)
        for side in PARTS[key[-1]]:
            part = values.get((*key[:-1], side), {})
            if whole is None or not part:
                continue
            pairs += 1
            shown = next((int(v) for v in part.values() if _WHOLE.match(v)), None)
            if shown is not None:
                assert not 1 <= whole - shown < n, f"{key}: {seen} and {side}: {part}"
    assert pairs >= 3  # robbery's raisers by side, the stakeholders interviewed inside


@pytest.mark.slow
def test_location_precision_changes_the_stakeholder_reports(sample_run, tmp_path_factory) -> None:
    coarser = _sample_run(tmp_path_factory, location_precision="district")

    def area_table(html: str) -> tuple[list[str], list[list[str]]]:
        (table,) = [t for t in _tables(html) if "District" in t[0]]
        return table

    header, rows = area_table(_stakeholder_reports(sample_run)["00_data_intake"])
    assert "Beat" in header and {"E2", "W3"} <= {row[header.index("Beat")] for row in rows}
    html = _stakeholder_reports(coarser)["00_data_intake"]
    header, rows = area_table(html)
    assert "Beat" not in header
    assert {row[header.index("District")] for row in rows} == {"West", "Central", "East"}
    assert "Rows per district, for the sources that record one" in html
    # the analyst report keeps the beats: the rule is for what is published
    analyst = (coarser.report_dir / "00_data_intake.analyst.html").read_text()
    assert "Rows per beat" in analyst
    # notebook 03: the hot-spot map and the blocks at block precision, neither at district
    block = _readable(_stakeholder_reports(sample_run)["03_problem_analysis"])
    assert "Hot spots (250 m cells" in block and "700 block of Main St" in block
    district = _readable(_stakeholder_reports(coarser)["03_problem_analysis"])
    assert "Hot spots (250 m cells" not in district and "block of" not in district
    assert "publishes no coordinates" in district
    analyst = _readable((coarser.report_dir / "03_problem_analysis.analyst.html").read_text())
    assert "Hot spots (250 m cells" in analyst and "700 block of Main St" in analyst


@pytest.mark.browser
@pytest.mark.slow
def test_problem_analysis_reports_render_offline(sample_run, tmp_path) -> None:
    """Notebook 03's reports (maps and heat maps included) open offline with every chart."""
    require_chromium()
    for name in ("03_problem_analysis.html", "03_problem_analysis.analyst.html"):
        html = (sample_run.report_dir / name).read_text()
        assert find_network_refs(html) == []
        seen = render_offline(sample_run.report_dir / name, screenshot=tmp_path / f"{name}.png")
        assert seen.requests == []
        assert len(seen.charts) >= 7 and len(seen.drawn_charts) == len(seen.charts), seen.charts


@pytest.mark.browser
@pytest.mark.slow
def test_prioritization_reports_render_offline(sample_run, tmp_path) -> None:
    """Notebook 02 under `cs360 run`: both reports draw every chart offline; the workbook is
    beside them and the stakeholder report names it without a path."""
    require_chromium()
    (nb,) = [n for n in sample_run.notebooks if n.name == "02_prioritization"]
    assert nb.status == "ok", nb.error
    assert (sample_run.report_dir / "02_prioritization_worksheet.xlsx").is_file()
    stakeholder = (sample_run.report_dir / nb.reports["stakeholder"]).read_text()
    assert "02_prioritization_worksheet.xlsx" in stakeholder
    assert ".partial" not in stakeholder and str(sample_run.report_dir.parent) not in stakeholder
    assert "ranks first in more than 99%" in stakeholder.replace("<strong>", "").replace(
        "</strong>", ""
    )
    for variant, name in nb.reports.items():
        shot = tmp_path / f"{name}.png"
        seen = render_offline(sample_run.report_dir / name, screenshot=shot)
        assert seen.requests == [], (variant, seen.requests)
        assert len(seen.drawn_charts) == len(seen.charts) == 6, (variant, seen.charts)
        print(f"screenshot: {shot}")


@pytest.mark.slow
def test_analyst_report_shows_the_rejected_rows_and_is_internal(sample_run, truth) -> None:
    analyst = (sample_run.report_dir / "00_data_intake.analyst.html").read_text()
    for incident in truth["personal_planted"]["incidents"]["rejected_ids"]:
        assert incident in analyst
    assert "Anthony Marchetti" in analyst  # the unmapped victim_name column of a rejected row
    notice = audiences.INTERNAL_NOTICE
    assert analyst.count(f"{notice}. Not for publication") == 2  # top and bottom
    assert "table.cs360-page > tfoot { display: table-footer-group; }" in analyst
    stakeholder = _stakeholder_reports(sample_run)["00_data_intake"]
    assert notice not in stakeholder
    assert "Records (analyst report only" not in stakeholder
    assert "The record-level detail behind this table is in the analyst report" in stakeholder
    assert "The full detail, with every count, is in the analyst report" in stakeholder


@pytest.mark.browser
@pytest.mark.slow
def test_every_printed_page_of_the_analyst_report_says_internal(sample_run, tmp_path) -> None:
    """Printed to PDF by headless Chromium, each page has the notice at its top and bottom."""
    import shutil
    import subprocess

    require_chromium()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) not installed")
    html = sample_run.report_dir / "00_data_intake.analyst.html"
    pdf = tmp_path / "analyst.pdf"
    subprocess.run(
        [str(CHROMIUM), *LAUNCH_ARGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
         html.as_uri()],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) > 3
    counts = [page.count(audiences.INTERNAL_NOTICE) for page in pages]
    assert counts == [2] * len(pages), counts


# ----------------------------------------------------------------- the plain Jupyter route


def test_vega_embed_spec_is_found_in_altair_html():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]}), title="T").mark_bar().encode(x="x:Q")
    html = chart.to_html()
    spec = reports.vega_embed_spec(html)
    assert spec is not None and spec["title"] == "T" and spec["mark"]["type"] == "bar"
    assert reports.vega_embed_spec("<b>no chart</b>") is None


@pytest.fixture(scope="module")
def interactive_export(tmp_path_factory):
    """The chart fixture notebook run by plain papermill (interactive=True), then exported."""
    import papermill as pm
    from conftest import FIXTURE_ENGAGEMENT, FIXTURE_NOTEBOOKS

    from cs360lib.cli import main

    out = tmp_path_factory.mktemp("interactive")
    executed = out / "01_chart.ipynb"
    pm.execute_notebook(
        str(FIXTURE_NOTEBOOKS / "01_chart.ipynb"),
        str(executed),
        parameters={"engagement": str(FIXTURE_ENGAGEMENT)},  # interactive stays True
        kernel_name="python3",
        cwd=str(FIXTURE_NOTEBOOKS),
        progress_bar=False,
    )
    nb = nbformat.read(str(executed), as_version=4)
    data = [o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])]
    # charts kept as the offline chart widget with their Vega-Lite spec, nothing from a CDN
    kept = [d for d in data if "application/vnd.jupyter.widget-view+json" in d]
    assert len(kept) == 2 and all("application/vnd.vegalite.v6+json" in d for d in kept)
    assert not any("cdn.jsdelivr" in str(d.get("text/html", "")) for d in data)
    assert main(["export", str(executed), "--out", str(out)]) == 0
    return out


def test_export_draws_interactive_charts_as_svg(interactive_export):
    for name in ("01_chart.html", "01_chart.analyst.html"):
        html = (interactive_export / name).read_text()
        assert len(re.findall(r'<img alt="Chart: [^"]+" src="data:image/svg', html)) == 2
        assert "vega-embed" not in html and "cdn.jsdelivr" not in html
        assert "removed from the offline report" not in html
        assert find_network_refs(html) == []


@pytest.mark.browser
def test_exported_interactive_notebook_draws_offline(interactive_export, tmp_path):
    require_chromium()
    seen = render_offline(interactive_export / "01_chart.html", screenshot=tmp_path / "x.png")
    assert seen.requests == [], seen.requests
    assert len(seen.drawn_charts) == 2, seen.charts


# ----------------------------------------------------------------- notebook 04 (lessons learned)


@pytest.mark.slow
def test_lessons_learned_stakeholder_report_is_safe(sample_run, truth) -> None:
    """Issue 15: notebook 04's stakeholder report publishes nothing personal, no small count."""
    html = _stakeholder_reports(sample_run)["04_lessons_learned"]
    text = _readable(html).lower()
    assert not [value for value in truth["personal"] if value.lower() in text]
    assert not _unsafe_counts(html, 5)
    assert "transit hub lighting and guardianship: implemented." in text
    assert "proposed decision: continue" in text


@pytest.mark.browser
@pytest.mark.slow
def test_lessons_learned_report_renders_offline(sample_run, tmp_path) -> None:
    """Issue 15: the stakeholder report of notebook 04 opens offline with every chart drawn."""
    require_chromium()
    page = sample_run.report_dir / "04_lessons_learned.html"
    assert find_network_refs(page.read_text()) == []
    shot = tmp_path / "04_lessons_learned.png"
    seen = render_offline(page, screenshot=shot)
    assert seen.requests == []
    assert len(seen.charts) >= 6 and len(seen.drawn_charts) == len(seen.charts), seen.charts
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
