"""index.html of a report folder, from its Jinja2 template."""

from __future__ import annotations

import datetime as dt

from cs360lib.run.execute import NotebookResult
from cs360lib.run.index import render_index
from cs360lib.run.manifest import EngagementRecord, Manifest, Parameters, SourceRecord
from cs360lib.run.reports import find_network_refs


def _manifest() -> Manifest:
    return Manifest(
        status="failed",
        engagement=EngagementRecord(id="x-pd", name="X <PD> & co", path="/e.yml"),
        parameters=Parameters(engagement="/e.yml"),
        started_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        error="calls: <b>bad</b>",
        notebooks=[
            NotebookResult(
                "00_a",
                "ok",
                2.345,
                executed="00_a.ipynb",
                reports={"stakeholder": "00_a.html", "analyst": "00_a.analyst.html"},
            ),
            NotebookResult("01_b", "skipped"),
        ],
        sources=[
            SourceRecord(
                name="incidents",
                kind="incidents",
                status="ok",
                rows_read=12345,
                rows_loaded=12340,
                rows_rejected=5,
            ),
            SourceRecord(name="calls", kind="calls", status="failed", error="no <file>"),
        ],
    )


def test_index_lists_notebooks_and_sources() -> None:
    html = render_index(_manifest())
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
    assert "<title>X &lt;PD&gt; &amp; co</title>" in html
    assert '<a href="00_a.html">stakeholder</a>' in html
    assert '<a href="00_a.analyst.html">analyst</a>' in html
    assert '<a href="00_a.ipynb">notebook</a>' in html
    assert "<td>2.3 s</td>" in html and '<tr class="skipped"><td>01_b</td>' in html
    assert "Run failed: calls: &lt;b&gt;bad&lt;/b&gt;" in html
    assert "12,345" in html and "12,340" in html and "no &lt;file&gt;" in html
    assert "2025-03-01T00:00:00+00:00" in html
    assert find_network_refs(html) == []
    # it links the analyst reports and shows unsuppressed counts: it says it is internal
    details = html[html.index("<h2>Run details</h2>") :]
    assert details.index("Internal: for the department") < details.index("00_a.analyst.html")
    assert "Sources as loaded (internal)" in html


def test_index_without_sources_or_error() -> None:
    manifest = _manifest()
    manifest.sources, manifest.error, manifest.status = [], None, "ok"
    html = render_index(manifest)
    assert "Data sources" not in html and "Run failed" not in html
