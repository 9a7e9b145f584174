"""Reports that read like documents: the sample department's run, as a council member gets it.

The sample engagement is copied under another department's name (so that nothing about "the
sample department" may appear) and run once with PDFs. Its stakeholder reports must show no
pandas artefacts, no absolute paths, a front page and contents; the index has the front page
too; screenshots in headless Chromium are not blank at desktop and at 800 px width; every PDF
page has content and no chart is cut across two pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from browser import blank_share, render_offline, require_chromium

from cs360lib.data.schemas import SCHEMAS, kind_info
from cs360lib.run.frontpage import SAMPLE_ENGAGEMENT_ID, absolute_paths
from cs360lib.run.manifest import Manifest
from cs360lib.run.reports import chart_title, find_network_refs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DOCS = ROOT / "docs"
DEPARTMENT = "Rivertown Police Department"

SCHEMA_NAMES = sorted(
    {c for kind in SCHEMAS for c in kind_info(kind).columns if "_" in c}
    | {"rows_read", "rejected_pct", "duplicate_keys", "missing_pct", "extra_rows"}
)


@pytest.fixture(scope="module")
def document_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("rivertown") / "rivertown"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("lessons_learned.yml"))
    path = folder / "engagement.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["engagement"].update(
        id="rivertown-pd", name=f"{DEPARTMENT} CS360 engagement", department=DEPARTMENT
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    # as `make demo` runs it: the command, in its own process, its output kept for the test
    # of what the user sees
    command = [sys.executable, "-c", "import sys; from cs360lib.cli import main; sys.exit(main())"]
    command += ["run", str(path), "--out", str(folder.parent / "reports")]
    if shutil.which("chromium") is not None:
        command.append("--pdf")
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, (done.stdout, done.stderr)
    report_dir = Path(done.stdout.strip().splitlines()[-1])
    manifest = Manifest.read(report_dir)
    return SimpleNamespace(
        engagement_id=manifest.engagement.id,
        report_dir=report_dir,
        notebooks=manifest.notebooks,
        stdout=done.stdout,
        stderr=done.stderr,
    )


def test_the_run_prints_one_line_per_step_and_nothing_else(document_run) -> None:
    # what `make demo` shows: the engagement, the load, one line as each notebook starts and
    # one as it ends, the summary; no warning, log record or traceback of any library
    assert document_run.stdout.strip() == str(document_run.report_dir)
    lines = document_run.stderr.strip().splitlines()
    progress = re.compile(r"^cs360 \d\d:\d\d:\d\d \[rivertown-pd\] ")
    assert all(progress.match(line) for line in lines), lines
    names = [nb.name for nb in document_run.notebooks]
    assert len(names) >= 1
    for name in names:
        assert sum(f"] {name} (" in line and "running" in line for line in lines) == 1, name
        assert sum(f"] {name}: ok in " in line for line in lines) == 1, name
    assert re.search(r"\] ok in [\d.]+ s -> ", lines[-1]), lines[-1]
    assert len(lines) == 3 + 2 * len(names), lines  # engagement, loading, summary


def stakeholder_reports(run) -> list[Path]:
    paths = [run.report_dir / nb.reports["stakeholder"] for nb in run.notebooks if nb.reports]
    assert paths
    return paths


def visible_text(html: str) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    body = re.sub(r'src="data:[^"]*"', "", body)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_copy_is_not_the_sample(document_run) -> None:
    assert document_run.engagement_id != SAMPLE_ENGAGEMENT_ID


def test_stakeholder_reports_have_no_pandas_artefacts(document_run) -> None:
    for path in stakeholder_reports(document_run):
        html = path.read_text(encoding="utf-8")
        text = visible_text(html)
        assert "rows × " not in text and " rows x " not in text, path.name
        assert not re.search(r"\bNaT\b|\bNaN\b|\bnan\b|\bNone\b", text), path.name
        assert 'class="dataframe' not in html, path.name  # a raw pandas table
        assert not re.search(r"<tr>\s*<th>\d+</th>", html), path.name  # a bare integer index
        headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
        assert not (set(h.strip() for h in headers) & set(SCHEMA_NAMES)), path.name


ENGAGEMENT_KEYS = (
    "engagement|sources|analysis|problem|areas|responses|metrics|dimensions|prioritization"
    "|scanning|review|publishing"
)
KEY_PATH = re.compile(rf"(?<![\w/.-])(?:{ENGAGEMENT_KEYS})(?:\.[a-z_]+|\[\d+\])+\b")
"""An engagement key path written out (``prioritization.harm.weights``, ``metrics[2].goal``)."""
YAML_KEYS = re.compile(rf"\b(?:{ENGAGEMENT_KEYS}):\s+[a-z_]+:")
"""A key path written as YAML (``prioritization: candidates:``)."""
SNAKE_CASE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-]|\.[a-z])")
"""A snake_case name (a schema column, a catalogue id, a setting); not a file name."""
REGEX = re.compile(r"\\[wWdDsSbB]|\.\*|\(\?[:iP]|\[\^?[a-z]-[a-z]\]")
"""Regular-expression syntax (``robb\\w*``, ``.*``, ``(?i)``, ``[a-z]``)."""


def code_like_words(html: str, allowed: set[str]) -> list[str]:
    """Code-like words a stakeholder report shows: key paths, snake_case names, regexes.

    Looks at the visible text (prose, table headers and cells) and the text of every chart.
    ``allowed`` are names the reader meets as names (the engagement's source names); an id
    column (a header "ID", "Goal id") is code-like too.
    """
    import base64

    svgs = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    charts = [base64.b64decode(s).decode("utf-8") for s in svgs]
    texts = [unescape(visible_text(html))]
    texts += [unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", c))) for c in charts]
    found: list[str] = []
    for text in texts:
        found += KEY_PATH.findall(text) + YAML_KEYS.findall(text) + REGEX.findall(text)
        found += [w for w in SNAKE_CASE.findall(text) if w not in allowed]
    headers = [unescape(h).strip() for h in re.findall(r"<th[^>]*>([^<]*)</th>", html)]
    found += [h for h in headers if re.search(r"(?i)\bid\b", h)]
    return sorted(set(found))


def test_stakeholder_reports_use_the_fields_words(document_run) -> None:
    # a council member reads the field's words: no engagement key path ("prioritization.
    # harm.weights"), no schema column or catalogue id ("offense_group", "prevent_crime"), no
    # regular expression, no id column; those belong to the analyst report
    manifest = Manifest.read(document_run.report_dir)
    allowed = {s.name for s in manifest.sources}
    for path in stakeholder_reports(document_run):
        found = code_like_words(path.read_text(encoding="utf-8"), allowed)
        assert found == [], (path.name, found)


def test_the_plain_words_check_finds_code() -> None:
    html = (
        "<p>add it (prioritization.harm.weights in the engagement file); "
        "prioritization: candidates: x</p><table><tr><th>Goal id</th><th>Matches</th></tr>"
        r"<tr><td>prevent_crime</td><td>robb\w*.*(gun|firearm)</td></tr></table>"
        "<p>see incidents.csv and 00_data_intake.html; partner_metrics rows; docs/a_b.md</p>"
    )
    assert code_like_words(html, {"partner_metrics"}) == [
        ".*",
        "Goal id",
        "\\w",
        "prevent_crime",
        "prioritization.harm.weights",
        "prioritization: candidates:",
    ]
    assert code_like_words("<p>Street robbery, 12.5% of calls (E2).</p>", set()) == []


def test_no_absolute_path_and_no_sample_sentence_in_any_report(document_run) -> None:
    for path in sorted(document_run.report_dir.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert absolute_paths(html) == [], (path.name, absolute_paths(html)[:5])
        assert not re.search(r"sample department", visible_text(html), re.IGNORECASE), path.name
        assert find_network_refs(html) == [], path.name


def test_measured_running_time_replaces_the_notebook_claim(document_run) -> None:
    html = stakeholder_reports(document_run)[0].read_text(encoding="utf-8")
    text = visible_text(html)
    assert re.search(r"Runs in\s*</strong>\s*:\s*\d+ seconds? in this run", html)
    assert "Time to learn" not in text


def test_every_report_and_the_index_open_with_a_front_page(document_run) -> None:
    manifest = Manifest.read(document_run.report_dir)
    assert manifest.engagement.department == DEPARTMENT
    assert manifest.publishing is not None and manifest.publishing["min_count"] == 5
    for path in [*document_run.report_dir.glob("*.html")]:
        html = path.read_text(encoding="utf-8")
        assert "<!-- cs360:front-page -->" not in html, path.name
        front = html[html.index('class="cs360-front"') :]
        for expected in (
            DEPARTMENT,
            "Dates covered",
            "2020-01-01 to 2024-12-31",
            "Data sources",
            "Publishing rules in force",
            "Counts from 1 to 4",
        ):
            assert expected in front, (path.name, expected)
        if path.name != "index.html":
            anchors = re.findall(r'<li class="cs360-toc-\d"><a href="#([^"]+)"', html)
            assert len(anchors) >= 5, path.name
            ids = {unescape(i) for i in re.findall(r'<h[23] id="([^"]+)"', html)}
            assert {unescape(a) for a in anchors} <= ids, path.name
    index = (document_run.report_dir / "index.html").read_text(encoding="utf-8")
    for nb in document_run.notebooks:
        for name in nb.reports.values():
            assert f'href="{name}"' in index


@pytest.mark.browser
def test_screenshots_at_desktop_and_narrow_width_are_not_blank(document_run, tmp_path) -> None:
    require_chromium()
    for path in stakeholder_reports(document_run):
        for width in (1280, 800):
            shot = tmp_path / f"{path.stem}-{width}.png"
            report = render_offline(path, screenshot=shot, width=width)
            assert report.requests == [], report.requests
            assert report.drawn_charts and len(report.drawn_charts) == len(report.charts)
            assert all(c["width"] <= width for c in report.drawn_charts), report.charts
            assert shot.stat().st_size > 20_000
            assert 0.3 < blank_share(shot) < 0.985, (shot.name, blank_share(shot))


def _svg_texts(html: str) -> list[tuple[str, str]]:
    """(title, legend or axis title) of every chart of a report, from its embedded SVGs."""
    import base64

    pairs = []
    for payload in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html):
        svg = base64.b64decode(payload).decode("utf-8")
        title = chart_title(svg)
        bottom = re.findall(r"role-(?:legend|axis)-title[^>]*>\s*<text[^>]*>([^<]{3,})</text>", svg)
        if title and bottom:
            pairs.append((title, unescape(bottom[-1]).strip()))
    return pairs


@pytest.mark.browser
def test_pdf_of_each_stakeholder_report(document_run, tmp_path) -> None:
    require_chromium()
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not found: run .ci/install-browser.sh (poppler-utils)")
    stakeholder = stakeholder_reports(document_run)
    pdfs = sorted(document_run.report_dir.glob("*.pdf"))
    assert len(pdfs) == len(stakeholder)
    manifest = Manifest.read(document_run.report_dir)
    assert manifest.options.pdf
    assert {nb.reports.get("pdf") for nb in manifest.notebooks} == {p.name for p in pdfs}
    for pdf, html_path in zip(pdfs, stakeholder, strict=True):
        subprocess.run(
            ["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / pdf.stem)], check=True
        )
        pages = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        assert len(pages) >= 3  # the front page, then the report
        for page in pages:
            assert blank_share(page) < 0.995, page.name  # every page has content
        texts = [  # NFKC: the PDF's text layer keeps ligatures ("ﬂag" for "flag")
            unicodedata.normalize(
                "NFKC",
                subprocess.run(
                    ["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout,
            )
            for i in range(1, len(pages) + 1)
        ]
        assert "Page 1 of" in texts[0] and DEPARTMENT in texts[0]
        charts = _svg_texts(html_path.read_text(encoding="utf-8"))
        assert charts, "no chart with a title in the report"
        for title, bottom in charts:
            # normalized as the page texts are ("…" reads "..." there)
            title, bottom = (unicodedata.normalize("NFKC", x) for x in (title, bottom))
            on = [i for i, t in enumerate(texts) if title in t]
            assert on, f"chart {title!r} does not appear in the PDF"
            # the title's words may also open a paragraph ("Who holds which data that could
            # help"): the chart is whole when one page holds its title and its bottom label
            assert any(bottom in texts[i] for i in on), (
                f"chart {title!r} is cut: {bottom!r} is on another page"
            )


def test_docs_show_what_a_report_looks_like() -> None:
    for name in ("report-desktop.png", "report-narrow.png"):
        path = DOCS / "images" / name
        assert path.is_file() and path.stat().st_size > 20_000, path
