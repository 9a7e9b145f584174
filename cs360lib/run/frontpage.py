"""The front page and table of contents of every report, and facts that must come from the run.

A report leaves the department as a document: its first page says whose it is (department,
engagement), what it covers (the dates of the data, the sources), how the run went (which
notebooks ran, their status, links to the other reports) and which publishing rules were in
force; a table of contents follows. :func:`finish_report` adds them to a report written by
:mod:`cs360lib.run.reports` once the whole run is known (the reports of the first notebooks
are written while the later ones still run, so the front page is added at the end).

The notebooks' own facts about running time are written for the sample department
("**Runs in**: seconds on the sample department"). :class:`RunFactsPreprocessor` replaces
them with the measured duration of the run and drops "Time to learn" (a fact about the
reader, not the run), and removes sentences about the sample department from the report of
any other engagement. :func:`relative_paths` removes absolute paths: paths appear relative to
the engagement file.
"""

from __future__ import annotations

import functools
import html as html_lib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from nbconvert.preprocessors import Preprocessor

from cs360lib.run.manifest import Manifest

__all__ = [
    "SAMPLE_ENGAGEMENT_ID",
    "FrontPage",
    "RunFactsPreprocessor",
    "absolute_paths",
    "finish_report",
    "front_page",
    "notebook_facts",
    "relative_paths",
    "table_of_contents",
    "templates",
]

SAMPLE_ENGAGEMENT_ID = "sampleton-pd"
"""Engagement id of the synthetic sample department (``cs360lib.datasets.sampleton``)."""

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FRONT_TEMPLATE = "front_page.html.j2"
FRONT_MARK = "<!-- cs360:front-page -->"
"""Placeholder the offline template leaves where the front page goes."""

_RUNS_IN = re.compile(r"^\s*[-*]\s*\*\*Runs in\*\*\s*:.*$", re.IGNORECASE | re.MULTILINE)
_TIME_TO_LEARN = re.compile(
    r"^\s*[-*]\s*\*\*Time to learn\*\*\s*:.*(?:\n|$)", re.IGNORECASE | re.MULTILINE
)
_SAMPLE = re.compile(r"sample department|sampleton", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_HEADING = re.compile(r'<h([2-3])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_ABSOLUTE = re.compile(
    r"(?<![\w.:/~-])(?:/(?:home|root|tmp|work|usr|opt|var|srv|mnt|Users|private|Volumes)/"
    r"[^\s\"'<>]*|[A-Za-z]:\\\\?[^\s\"'<>]+)"
)


def duration_text(seconds: float) -> str:
    """Say how long something ran: ``"12 seconds"``, ``"3.5 minutes"``, ``"1.2 hours"``."""
    if seconds < 90:
        whole = max(1, round(seconds))
        return f"{whole} second{'' if whole == 1 else 's'}"
    if seconds < 5400:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds / 3600:.1f} hours"


class RunFactsPreprocessor(Preprocessor):
    """State the run's own facts in the narrative; drop what belongs to another department.

    Parameters (traitlets-free attributes, set on construction)
    ----------------------------------------------------------
    duration_s : float or None
        Measured execution time of the notebook: "**Runs in**" list items say it; without it
        they are removed.
    sample : bool
        True for the sample department's engagement: sentences about the sample department
        stay. False: every sentence or list item that mentions it is removed.
    """

    def __init__(self, duration_s: float | None = None, sample: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.duration_s = duration_s
        self.sample = sample

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Rewrite the facts in one markdown cell."""
        if cell.get("cell_type") != "markdown":
            return cell, resources
        text = _TIME_TO_LEARN.sub("", cell.source)
        runs = (
            f"- **Runs in**: {duration_text(self.duration_s)} in this run"
            if self.duration_s is not None
            else ""
        )
        text = _RUNS_IN.sub(runs, text)
        if not self.sample:
            text = _drop_sample_sentences(text)
        cell.source = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
        return cell, resources


def _drop_sample_sentences(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not _SAMPLE.search(line):
            lines.append(line)
            continue
        if re.match(r"^\s*([-*]|\d+\.)\s", line):
            continue  # a list item about the sample: drop it whole
        kept = [s for s in _SENTENCE.split(line) if not _SAMPLE.search(s)]
        if kept:
            lines.append(" ".join(kept))
    return "\n".join(lines)


def relative_paths(
    text: str,
    *,
    root: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
) -> str:
    """Replace absolute paths by paths relative to the engagement file, or by short names.

    Parameters
    ----------
    text : str
        Any text of a report (cell sources, outputs, tracebacks).
    root : path, optional
        The engagement file's folder: ``<root>/data/x.csv`` becomes ``data/x.csv``.
    folder : path, optional
        The report's own folder (the run folder under ``cs360 run``, where a notebook writes
        its files through its ``output_dir`` parameter): written ``.``.

    Returns
    -------
    str
        The text with the engagement folder, the cs360lib installation, the Python
        environment and the home folder written relatively (``cs360lib/...``,
        ``<python>/...``, ``~/...``).
    """
    import cs360lib

    replacements: list[tuple[str, str]] = []
    if folder is not None:
        replacements.append((str(Path(folder).resolve()) + os.sep, "./"))
        replacements.append((str(Path(folder).resolve()), "."))
    if root is not None:
        replacements.append((str(Path(root).resolve()) + os.sep, ""))
        replacements.append((str(Path(root).resolve()), "."))
    package = Path(cs360lib.__file__).resolve().parent
    replacements.append((str(package.parent) + os.sep, ""))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        replacements.append((str(Path(prefix).resolve()) + os.sep, "<python>/"))
    replacements.append((str(Path.home()) + os.sep, "~/"))
    for old, new in sorted(replacements, key=lambda p: -len(p[0])):
        if len(old) > 2:
            text = text.replace(old, new)
    return text


def absolute_paths(text: str) -> list[str]:
    r"""List the absolute file-system paths left in a text (for checks and tests).

    Parameters
    ----------
    text : str
        A report.

    Returns
    -------
    list of str
        Paths such as ``/home/...`` or ``C:\\Users\\...``; empty for a clean report.
    """
    return _ABSOLUTE.findall(text)


class RelativePathsPreprocessor(Preprocessor):
    """Apply :func:`relative_paths` to every cell source and text output."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        folder: str | os.PathLike[str] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.root = root
        self.folder = folder

    def _relative(self, text: str) -> str:
        return relative_paths(text, root=self.root, folder=self.folder)

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Rewrite the paths of one cell."""
        cell.source = self._relative(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = self._relative(_joined(output["text"]))
            if "traceback" in output:
                output["traceback"] = [self._relative(line) for line in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = self._relative(output["evalue"])
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = self._relative(_joined(value))
        return cell, resources


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# -- front page ---------------------------------------------------------------------------------


@dataclass
class FrontPage:
    """What the first page of a report says (built by :func:`front_page`)."""

    title: str
    variant: str
    department: str
    engagement: str
    engagement_id: str
    dates: str | None
    generated: str
    duration: str | None
    sources: list[dict[str, Any]] = field(default_factory=list)
    notebooks: list[dict[str, Any]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    contents: list[tuple[int, str, str]] = field(default_factory=list)
    index_link: str | None = "index.html"


def publishing_rules(publishing: Mapping[str, Any] | None) -> list[str]:
    """Describe the engagement's publishing rules in words for the front page.

    Parameters
    ----------
    publishing : mapping or None
        ``Publishing.model_dump(mode="json")`` as recorded in the manifest.

    Returns
    -------
    list of str
        One sentence per rule (the defaults of :class:`~cs360lib.config.publishing.Publishing`
        when ``None``).
    """
    from cs360lib.config.publishing import Publishing

    rules = Publishing.model_validate(dict(publishing or {}))
    n = rules.min_count
    counts = (
        f"Counts from 1 to {n - 1} are hidden (shown as \u201c<{n}\u201d), with other cells "
        "hidden where totals would give them away."
        if rules.hides_counts
        else "Every count is shown (no small-count suppression)."
    )
    level = rules.location_precision
    places = {
        "block": "Addresses are shown as hundred blocks; coordinates no finer than a 100 m grid.",
        "beat": "No addresses or coordinates are shown: places are named by beat.",
        "district": "No addresses, coordinates or beats are shown: places are named by district.",
        "grid": f"No addresses are shown; coordinates are snapped to a {level.grid_metres} m grid.",
    }[level.level]
    quotes = (
        "Interview quotes appear only after names, phone numbers, emails, addresses and case "
        "numbers are removed."
        if rules.quotes
        else "Interview quotes are not published."
    )
    return [
        counts,
        places,
        quotes,
        "Names and other personal details are never published in stakeholder reports.",
    ]


def table_of_contents(html: str) -> list[tuple[int, str, str]]:
    """List the sections of a report from its headings.

    Parameters
    ----------
    html : str
        The report body as nbconvert wrote it (``<h2 id="...">`` headings).

    Returns
    -------
    list of (int, str, str)
        Level (2 or 3), anchor id and heading text, in order.
    """
    out = []
    for level, anchor, inner in _HEADING.findall(html):
        text = html_lib.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        if text:
            out.append((int(level), anchor, text))
    return out


def front_page(
    manifest: Manifest,
    *,
    title: str,
    notebook: str | None,
    variant: str,
    generated: str,
    contents: list[tuple[int, str, str]] | None = None,
) -> FrontPage:
    """Gather the facts of a report's first page from the run's manifest.

    Parameters
    ----------
    manifest : Manifest
        The run's manifest (engagement, sources with their dates, notebooks, rules).
    title : str
        The report's title.
    notebook : str or None
        Stem of the report's notebook (its running time is given), or None for the index.
    variant : {"stakeholder", "analyst", "index"}
        Which report: links go to the reports of the same variant.
    generated : str
        When the report was written, as shown.
    contents : list, optional
        Table of contents (:func:`table_of_contents`).

    Returns
    -------
    FrontPage
    """
    eng = manifest.engagement
    firsts = [s.first_date for s in manifest.sources if s.first_date]
    lasts = [s.last_date for s in manifest.sources if s.last_date]
    dates = f"{min(firsts)} to {max(lasts)}" if firsts and lasts else None
    rows: list[int | str | None] = [s.rows_loaded for s in manifest.sources]
    if variant == "stakeholder":
        rows = _published_rows(manifest)
    sources = [
        {
            "name": s.name,
            "kind": s.kind.replace("_", " "),
            "status": s.status,
            "rows": n,
            "dates": f"{s.first_date} to {s.last_date}" if s.first_date else None,
        }
        for s, n in zip(manifest.sources, rows, strict=True)
    ]
    link_variant = "stakeholder" if variant == "index" else variant
    notebooks = []
    duration = None
    for nb in manifest.notebooks:
        if nb.name == notebook and nb.status == "ok":
            duration = duration_text(nb.duration_s)
        notebooks.append(
            {
                "name": nb.name,
                "title": nb.name.replace("_", " ", 1).replace("_", " "),
                "status": nb.status,
                "link": nb.reports.get(link_variant),
                "current": nb.name == notebook,
            }
        )
    return FrontPage(
        title=title,
        variant=variant,
        department=eng.department or eng.name or eng.id,
        engagement=eng.name or eng.id,
        engagement_id=eng.id,
        dates=dates,
        generated=generated,
        duration=duration,
        sources=sources,
        notebooks=notebooks,
        rules=publishing_rules(manifest.publishing),
        contents=list(contents or []),
    )


def _published_rows(manifest: Manifest) -> list[int | str | None]:
    """Rows loaded per source as a stakeholder report may show them.

    The same counts as the intake overview's ``loaded`` column, suppressed the same way
    (:class:`cs360lib.steps.intake.IntakeOverview`): small counts show their marker, and a
    cell that would give one away from the total is hidden too.
    """
    import pandas as pd

    from cs360lib.config.publishing import Publishing
    from cs360lib.publish.count_tables import Counts
    from cs360lib.publish.publication import publish_frame

    loaded = [(s.name, s.rows_loaded) for s in manifest.sources if s.rows_loaded is not None]
    if not loaded:
        return [None for _ in manifest.sources]
    frame = pd.DataFrame(loaded, columns=["source", "loaded"])
    rules = Publishing.model_validate(dict(manifest.publishing or {}))
    shown = publish_frame(frame, rules, counts=(Counts(("loaded",), by=("source",)),)).shown
    published = {
        name: value if isinstance(value, str) else int(value)
        for name, value in zip(shown["source"], shown["loaded"], strict=True)
    }
    return [published.get(s.name) for s in manifest.sources]


@functools.cache
def templates() -> jinja2.Environment:
    """Return the Jinja2 environment of the run's templates (HTML-escaping, strict)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_front_page(page: FrontPage) -> str:
    """Render a front page (and its table of contents) as an HTML fragment."""
    return templates().get_template(FRONT_TEMPLATE).render(page=page)


def finish_report(
    path: Path,
    manifest: Manifest,
    *,
    notebook: str,
    variant: str,
    generated: str,
) -> None:
    """Add the front page and the table of contents to a written report, in place.

    Parameters
    ----------
    path : Path
        The report's HTML file (written by :func:`cs360lib.run.reports.export_reports`).
    manifest : Manifest
        The finished run's manifest.
    notebook : str
        The report's notebook stem.
    variant : {"stakeholder", "analyst"}
        The report variant.
    generated : str
        When the report was written.
    """
    html = path.read_text(encoding="utf-8")
    if FRONT_MARK not in html:
        return
    title_match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    title = html_lib.unescape(title_match.group(1)).strip() if title_match else notebook
    body = html[html.index(FRONT_MARK) :]
    page = front_page(
        manifest,
        title=title,
        notebook=notebook,
        variant=variant,
        generated=generated,
        contents=table_of_contents(body),
    )
    path.write_text(html.replace(FRONT_MARK, render_front_page(page), 1), encoding="utf-8")


def notebook_facts(notebook: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the run facts of a notebook executed outside ``cs360 run`` (``cs360 export``).

    Parameters
    ----------
    notebook : path
        A notebook executed by papermill.

    Returns
    -------
    dict
        ``duration_s`` (papermill's measured duration, when recorded), ``root`` (the folder
        of the engagement file named by the ``engagement`` parameter, when it exists) and
        ``sample`` (whether that engagement is the sample department's; True when it cannot
        be told, so that nothing is removed on a guess).
    """
    import nbformat
    import yaml

    nb = nbformat.read(str(notebook), as_version=4)
    papermill = nb.metadata.get("papermill", {}) or {}
    facts: dict[str, Any] = {"sample": True}
    duration = papermill.get("duration")
    if isinstance(duration, int | float):
        facts["duration_s"] = float(duration)
    engagement = (papermill.get("parameters") or {}).get("engagement")
    if isinstance(engagement, str):
        path = Path(engagement)
        if not path.is_absolute():
            path = Path(notebook).resolve().parent / path
        cwd = papermill.get("cwd")
        if not path.is_file() and cwd and not Path(engagement).is_absolute():
            path = Path(cwd) / engagement
        if path.is_file():
            facts["root"] = str(path.resolve().parent)
            try:
                info = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
                    "engagement", {}
                )
                facts["sample"] = info.get("id") == SAMPLE_ENGAGEMENT_ID
            except (OSError, yaml.YAMLError, AttributeError):
                pass
    return facts
