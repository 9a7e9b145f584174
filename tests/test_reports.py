import re
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest
from browser import render_offline, require_chromium
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cs360lib.run import reports
from cs360lib.run.reports import export_html, export_reports, find_network_refs, make_offline

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
    assert "visible output" in stakeholder and "visible output" in analyst
    assert "SECRET_CODE_MARKER" not in stakeholder and "SECRET_CODE_MARKER" in analyst
    prompt = re.compile(r"In(&nbsp;|\xa0)\[\d")
    assert not prompt.search(stakeholder) and prompt.search(analyst)
    assert "DeprecationWarning" not in stakeholder and "DeprecationWarning" in analyst


def test_export_banner_marks_failures():
    html, _ = export_html(
        _notebook(), meta={"engagement": "Fixture PD", "status": "failed", "error": "ValueError: x"}
    )
    assert "cs360-status-failed" in html and "did not finish (failed)" in html
    assert "Fixture PD" in html and "ValueError: x" in html


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
        )
    ]
    nb.cells.append(cell)
    html, removed = export_html(nb)
    assert [r.tag for r in removed] == ["script"]
    assert find_network_refs(html) == []


def test_report_filename():
    assert reports.report_filename("00_a", "stakeholder") == "00_a.html"
    assert reports.report_filename("00_a", "analyst") == "00_a.analyst.html"
    with pytest.raises(ValueError, match="variant"):
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
    htmls = [o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])]
    assert sum("vega-embed" in h for h in htmls) == 2  # charts kept as CDN vega-embed HTML
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
