"""Offline HTML reports from executed notebooks.

Police networks are often closed, so every report must open and render with no
internet at all. Stock nbconvert HTML loads require.js, MathJax and mermaid from
CDNs; this module exports with the ``cs360_offline`` template (in
``cs360lib/templates``), which inherits the JupyterLab look, inlines its CSS and
loads nothing. Charts reach the report as SVG or PNG drawn by vl-convert; Vega-Lite
outputs left in a notebook executed interactively are converted to SVG at export
time. A final pass removes anything in the HTML that would still reach the
network and reports what it removed.

Two variants are written per notebook:

``stakeholder``
    No code cells, no prompts, no stderr noise: the narrative, and only the outputs that
    ``cs.show`` published for it (:mod:`cs360lib.run.audiences`); anything else (an output
    marked analyst-only, a bare ``df`` at the end of a cell, a print) is replaced by a
    one-line note that the detail is in the analyst report. A notebook that failed shows a
    plain sentence where the error was, never a Python traceback.
``analyst``
    Everything, including the code and the parameters papermill injected; it says on every
    page (and every printed page) that it is internal and contains record-level data.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from cs360lib.errors import RunError
from cs360lib.run.audiences import (
    INTERNAL_NOTICE,
    AudiencePreprocessor,
    PlainErrorsPreprocessor,
    stakeholder_meta,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Folder holding the nbconvert templates shipped with cs360lib."""

TEMPLATE_NAME = "cs360_offline"
"""Name of the offline nbconvert template."""

Variant = Literal["stakeholder", "analyst"]
VARIANTS: tuple[Variant, ...] = ("stakeholder", "analyst")

REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input", "hide-input", "hide_input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")

_VEGALITE_MIME = re.compile(r"^application/vnd\.vegalite\.v(\d+)\+json$")
_REMOTE_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(
    r"""(?:url\(\s*["']?\s*(?:https?:)?//[^)"'\s]*|@import\s+["']\s*(?:https?:)?//[^"']*)""",
    re.IGNORECASE,
)
_SCRIPT_REMOTE = re.compile(
    r"""(["'`])\s*(?:https?:)?//[^"'`\s]+\1|\brequire(?:js)?\s*[.(]""", re.IGNORECASE
)
_LOADING_TAGS = frozenset(
    {
        "script",
        "link",
        "img",
        "iframe",
        "frame",
        "embed",
        "object",
        "source",
        "track",
        "audio",
        "video",
        "input",
        "image",
        "use",
        "feimage",
    }
)
_LOADING_ATTRS = frozenset({"src", "href", "xlink:href", "data", "srcset", "poster", "background"})
_NON_EXECUTABLE_SCRIPT_TYPES = frozenset(
    {"application/json", "application/ld+json", "text/template", "text/x-template"}
)
OFFLINE_NOTE = (
    '<div class="cs360-offline-note">[{what} removed from the offline report: it needs the '
    "internet. Re-run the notebook with interactive=False to get a static version.]</div>"
)


@dataclass(frozen=True)
class NetworkRef:
    """One place in an HTML document that would load something from the network.

    Attributes
    ----------
    tag : str
        Element name (``"script"``, ``"img"``, ``"style"`` ...).
    attr : str
        Attribute holding the reference, or ``"#text"`` for element content.
    value : str
        The offending URL or code excerpt.
    start, end : int
        Character offsets of the whole element in the document.
    """

    tag: str
    attr: str
    value: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"<{self.tag} {self.attr}={self.value[:120]!r}>"


@dataclass
class ExportResult:
    """Paths and findings of one notebook export.

    Attributes
    ----------
    paths : dict
        Variant name to written HTML path.
    removed : list of str
        Network references removed by the offline pass (should be empty).
    """

    paths: dict[str, Path] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


class VegaLiteToSVGPreprocessor(Preprocessor):
    """Draw every interactive chart output as SVG, so that it shows offline.

    A notebook executed with the interactive renderer (``interactive=True``, the default of
    plain papermill) keeps its charts as an offline chart widget with the Vega-Lite JSON
    beside it (``application/vnd.vegalite.v6+json``:
    :func:`cs360lib.publish.charts.interactive_renderer`), or, written by older versions or
    by Altair's own renderers, as Vega-Lite JSON alone or as an HTML snippet whose script
    loads vega-embed from a CDN and calls it with the spec. A report holds no widget state
    and no script; vl-convert draws the spec here instead and the output becomes
    ``image/svg+xml`` (the widget view and the HTML snippet are dropped).
    """

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Convert the Vega-Lite outputs of one cell."""
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data or "image/svg+xml" in data or "image/png" in data:
                continue
            svg = None
            for mime, spec in list(data.items()):
                match = _VEGALITE_MIME.match(mime)
                if match:
                    svg = _vegalite_svg(spec, int(match.group(1)))
                    break
            if svg is None and "text/html" in data:
                spec = vega_embed_spec(_text(data["text/html"]))
                if spec is not None:
                    svg = _vegalite_svg(spec, _schema_major(spec))
            if svg is not None:
                data["image/svg+xml"] = svg
                data.pop("text/html", None)
                # the offline chart widget (interactive=True): its state is not in the report
                data.pop("application/vnd.jupyter.widget-view+json", None)
        return cell, resources


_EMBED_CALL = re.compile(r"(?:\}\)\(\s*|\b(?:var|let|const)\s+spec\s*=\s*)(?=\{)")


def vega_embed_spec(html: str) -> dict[str, Any] | None:
    """Find the Vega-Lite spec in the HTML that Altair writes for vega-embed.

    Parameters
    ----------
    html : str
        A ``text/html`` chart output (``<div id="altair-viz-..."></div><script>...
        (function(spec, embedOpt){...})({...spec...}, {"mode": "vega-lite"});</script>``), or
        a page of ``chart.to_html()`` (``var spec = {...}; vegaEmbed("#vis", spec)``).

    Returns
    -------
    dict or None
        The spec, or None when the HTML holds no vega-embed chart.
    """
    if "vega-embed" not in html and "vegaEmbed" not in html:
        return None
    decoder = json.JSONDecoder()
    for match in reversed(list(_EMBED_CALL.finditer(html))):
        try:
            spec, _ = decoder.raw_decode(html, match.end())
        except ValueError:
            continue
        if isinstance(spec, dict) and ("$schema" in spec or "mark" in spec or "layer" in spec):
            return spec
    return None


def _schema_major(spec: dict[str, Any]) -> int:
    found = re.search(r"vega-lite/v(\d+)", str(spec.get("$schema", "")))
    return int(found.group(1)) if found else 6


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_SVG_TITLE = re.compile(
    r"role-title-text[^>]*>\s*<text[^>]*font-size=\"([\d.]+)px\"[^>]*>([^<]+)</text>"
)
_SVG_AXIS = re.compile(r'aria-label="((?:X|Y)-axis titled [^"]*)"')


def chart_title(svg: str) -> str | None:
    """Return the title of a vl-convert SVG chart (not a facet's or a panel's header).

    Parameters
    ----------
    svg : str
        SVG document drawn by vl-convert.

    Returns
    -------
    str or None
        The text of the largest title (headers of facets are drawn as titles too, in a
        smaller font), the last one drawn on a tie; None for a chart without a title.
    """
    titles = [(float(size), i, text) for i, (size, text) in enumerate(_SVG_TITLE.findall(svg))]
    return html_unescape(max(titles)[2].strip()) if titles else None


def chart_alt_text(svg: str) -> str:
    """Describe a vl-convert SVG chart for screen readers: its title and axes.

    Parameters
    ----------
    svg : str
        SVG document drawn by vl-convert (Vega adds ARIA labels to axes).

    Returns
    -------
    str
        For example ``"Chart: Calls by beat. X-axis titled 'beat' ...; Y-axis ..."``.
    """
    title = chart_title(svg)
    text = f"Chart: {title}" if title else "Chart"
    axes = [html_unescape(a) for a in _SVG_AXIS.findall(svg)[:2]]
    return f"{text}. {'; '.join(axes)}" if axes else text


class ChartAltTextPreprocessor(Preprocessor):
    """Store an alt text for every SVG output (used by the template's ``<img alt>``)."""

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Describe the SVG outputs of one cell."""
        for output in cell.get("outputs", []):
            svg = (output.get("data") or {}).get("image/svg+xml")
            if svg and "cs360_alt" not in output.get("metadata", {}):
                output.setdefault("metadata", {})["cs360_alt"] = chart_alt_text(
                    svg if isinstance(svg, str) else "".join(svg)
                )
        return cell, resources


class DropStderrPreprocessor(Preprocessor):
    """Remove stderr streams (warnings, progress bars) from the stakeholder report."""

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Drop the stderr outputs of one cell."""
        if "outputs" in cell:
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


_CACHE = threading.local()


def _cached_exporter(variant: Variant) -> HTMLExporter:
    """One exporter per variant and thread: compiling the templates costs ~0.1 s."""
    cache: dict[str, HTMLExporter] = _CACHE.__dict__.setdefault("exporters", {})
    if variant not in cache:
        cache[variant] = make_exporter(variant)
    return cache[variant]


def make_exporter(variant: Variant = "stakeholder") -> HTMLExporter:
    """Build the nbconvert exporter for one report variant.

    Parameters
    ----------
    variant : {"stakeholder", "analyst"}
        ``"stakeholder"`` hides code cells, prompts and stderr, shows a plain sentence
        instead of an error's traceback, and publishes only what ``cs.show`` marked for it
        (:class:`~cs360lib.run.audiences.AudiencePreprocessor`); ``"analyst"`` keeps
        everything but the stakeholder copies.

    Returns
    -------
    nbconvert.HTMLExporter
        Exporter using the ``cs360_offline`` template.

    Raises
    ------
    RunError
        If ``variant`` is not one of :data:`VARIANTS`.
    """
    if variant not in VARIANTS:
        raise RunError(
            f"report variant must be one of {', '.join(VARIANTS)} (cs360 export --variant), "
            f"got {variant!r}"
        )
    stakeholder = variant == "stakeholder"
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=stakeholder,
        exclude_input_prompt=stakeholder,
        exclude_output_prompt=stakeholder,
        embed_images=True,
        sanitize_html=False,
    )
    tags = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVE_CELL_TAGS),
        remove_input_tags=set(REMOVE_INPUT_TAGS) if stakeholder else set(),
        remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS),
        enabled=True,
    )
    exporter.register_preprocessor(tags, enabled=True)
    exporter.register_preprocessor(VegaLiteToSVGPreprocessor(), enabled=True)
    exporter.register_preprocessor(ChartAltTextPreprocessor(), enabled=True)
    if stakeholder:
        exporter.register_preprocessor(DropStderrPreprocessor(), enabled=True)
        exporter.register_preprocessor(PlainErrorsPreprocessor(), enabled=True)
    exporter.register_preprocessor(AudiencePreprocessor(variant=variant), enabled=True)
    return exporter


def export_html(
    notebook: nbformat.NotebookNode | str | Path,
    *,
    variant: Variant = "stakeholder",
    title: str | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[str, list[NetworkRef]]:
    """Render a notebook to a self-contained HTML string that loads nothing remotely.

    Parameters
    ----------
    notebook : NotebookNode or path
        Executed notebook (object or ``.ipynb`` path).
    variant : {"stakeholder", "analyst"}, default "stakeholder"
        Which report to produce.
    title : str, optional
        Document title; defaults to the notebook's first heading or file name.
    meta : dict, optional
        Banner information: ``engagement``, ``generated``, ``status``, ``error`` (the
        stakeholder banner replaces the error by a plain sentence:
        :func:`~cs360lib.run.audiences.stakeholder_meta`);
        and the run's facts (:mod:`cs360lib.run.frontpage`): ``duration_s`` (the measured
        running time stated in the narrative), ``sample`` (False removes sentences about the
        sample department), ``root`` (the engagement's folder: paths are written relative
        to it) and ``folder`` (the report's own folder, written ``.``; set by
        :func:`export_reports` to its ``out_dir``).

    Returns
    -------
    html : str
        The report.
    removed : list of NetworkRef
        Network references the offline pass had to remove (empty for a clean
        CS360 notebook).
    """
    if isinstance(notebook, str | Path):
        nb = nbformat.read(str(notebook), as_version=4)
        name = Path(notebook).stem
    else:
        nb = nbformat.from_dict(notebook)
        name = "notebook"
    nb = _run_facts(nb, meta or {})
    title = title or _first_heading(nb) or name
    banner = stakeholder_meta(meta or {}) if variant == "stakeholder" else dict(meta or {})
    resources: dict[str, Any] = {
        "metadata": {"name": title},
        "cs360": {
            "title": title,
            "variant": variant,
            **banner,
            **({"internal": INTERNAL_NOTICE} if variant == "analyst" else {}),
        },
    }
    nb.metadata["title"] = title
    body, _ = _cached_exporter(variant).from_notebook_node(nb, resources=resources)
    return make_offline(_strip_css_url_comments(body))


def export_reports(
    notebook: nbformat.NotebookNode | str | Path,
    out_dir: str | Path,
    stem: str,
    *,
    meta: dict[str, Any] | None = None,
    variants: tuple[Variant, ...] = VARIANTS,
) -> ExportResult:
    """Write both report variants of one executed notebook.

    Parameters
    ----------
    notebook : NotebookNode or path
        Executed notebook.
    out_dir : path
        Folder to write into.
    stem : str
        File stem: ``<stem>.html`` (stakeholder) and ``<stem>.analyst.html``.
    meta : dict, optional
        Banner information passed to :func:`export_html` (``folder`` defaults to
        ``out_dir``: paths into it are written relative to the report).
    variants : tuple of str
        Variants to write.

    Returns
    -------
    ExportResult
        Written paths and removed network references.
    """
    if isinstance(notebook, str | Path):
        nb = nbformat.read(str(notebook), as_version=4)
    else:
        nb = notebook
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"folder": str(out.resolve()), **(meta or {})}  # files written beside the report
    result = ExportResult()
    for variant in variants:
        html, removed = export_html(nb, variant=variant, title=None, meta=meta)
        path = out / report_filename(stem, variant)
        path.write_text(html, encoding="utf-8")
        result.paths[variant] = path
        result.removed.extend(f"{path.name}: {ref}" for ref in removed)
    return result


def report_filename(stem: str, variant: Variant) -> str:
    """File name of a report variant: ``stem.html`` or ``stem.analyst.html``.

    Parameters
    ----------
    stem : str
        Notebook stem, e.g. ``"00_data_intake"``.
    variant : {"stakeholder", "analyst"}
        Report variant.

    Returns
    -------
    str
        The file name.
    """
    return f"{stem}.html" if variant == "stakeholder" else f"{stem}.{variant}.html"


def find_network_refs(html: str) -> list[NetworkRef]:
    """List everything in an HTML document that would load from the network.

    Checks ``src``/``href``/``data``/``srcset`` of loading elements (script,
    link, img, iframe, embed, object, source, media, SVG image/use), inline
    scripts that mention remote URLs or require.js, and ``url(...)`` or
    ``@import`` of remote resources in ``<style>`` and ``style=``. Plain
    hyperlinks (``<a href>``) do not load anything and are allowed.

    Parameters
    ----------
    html : str
        The document.

    Returns
    -------
    list of NetworkRef
        One entry per offending element, in document order.
    """
    scanner = _NetworkScanner(html)
    scanner.feed(html)
    scanner.close()
    return scanner.refs


def make_offline(html: str) -> tuple[str, list[NetworkRef]]:
    """Remove every element that would load from the network.

    Parameters
    ----------
    html : str
        The document.

    Returns
    -------
    html : str
        The document with offending elements replaced by a visible note.
    removed : list of NetworkRef
        What was removed.
    """
    refs = find_network_refs(html)
    if not refs:
        return html, []
    pieces: list[str] = []
    cursor = 0
    for ref in refs:
        if ref.start < cursor:  # nested in an element already removed
            continue
        pieces.append(html[cursor : ref.start])
        if ref.tag in {"script", "link", "style"}:
            pieces.append(f"<!-- cs360: removed {ref.tag} that loads from the network -->")
            if ref.tag == "script":
                pieces.append(OFFLINE_NOTE.format(what="An interactive element"))
        else:
            pieces.append(OFFLINE_NOTE.format(what=f"A remote {ref.tag}"))
        cursor = ref.end
    pieces.append(html[cursor:])
    return "".join(pieces), refs


class _NetworkScanner(HTMLParser):
    """Find loading elements with remote references and their character spans."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.refs: list[NetworkRef] = []
        self._line_offsets = [0]
        for line in html.splitlines(keepends=True):
            self._line_offsets.append(self._line_offsets[-1] + len(line))
        self._open: dict[str, tuple[int, dict[str, str]]] = {}

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_offsets[line - 1] + col

    def _tag_end(self, start: int) -> int:
        text = self.get_starttag_text() or ""
        return start + len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        end = self._tag_end(start)
        values = {k.lower(): v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self._open[tag] = (start, values)
        if tag in _LOADING_TAGS:
            for attr in _LOADING_ATTRS & values.keys():
                value = values[attr]
                urls = [value]
                if attr == "srcset":
                    urls = [u.strip().split(" ")[0] for u in value.split(",")]
                if tag == "link" and attr == "href" and not _link_loads(values):
                    continue
                if any(_REMOTE_URL.match(u) for u in urls):
                    span_end = self._element_end(tag, end)
                    self.refs.append(NetworkRef(tag, attr, value, start, span_end))
                    break
        style = values.get("style")
        if style and _CSS_REMOTE.search(style):
            self.refs.append(
                NetworkRef(tag, "style", _CSS_REMOTE.search(style).group(0), start, end)  # type: ignore[union-attr]
            )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._open.pop(tag, None)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("script", "style") or tag not in self._open:
            return
        start, values = self._open.pop(tag)
        close = self._offset()
        end = self.html.find(">", close) + 1 or len(self.html)
        if any(r.start == start for r in self.refs):
            return  # already recorded through its src
        inner = self.html[self.html.find(">", start) + 1 : close]
        if tag == "style":
            match = _CSS_REMOTE.search(inner)
            if match:
                self.refs.append(NetworkRef(tag, "#text", match.group(0), start, end))
            return
        script_type = values.get("type", "").strip().lower()
        if script_type in _NON_EXECUTABLE_SCRIPT_TYPES or script_type.endswith("+json"):
            return
        match = _SCRIPT_REMOTE.search(inner)
        if match:
            self.refs.append(NetworkRef(tag, "#text", match.group(0), start, end))

    def _element_end(self, tag: str, start_tag_end: int) -> int:
        if tag in ("script", "iframe", "object", "audio", "video"):
            close = re.compile(rf"</{tag}\s*>", re.IGNORECASE).search(self.html, start_tag_end)
            if close:
                return close.end()
        return start_tag_end


def _link_loads(values: dict[str, str]) -> bool:
    rel = values.get("rel", "").lower().split()
    loading = {"stylesheet", "preload", "prefetch", "modulepreload", "icon", "manifest", "import"}
    return bool(loading & set(rel)) or not rel


_STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _strip_css_url_comments(html: str) -> str:
    """Drop CSS comments that mention URLs (credits in the lab CSS) from <style> blocks.

    They load nothing, but a reviewer grepping a report for ``http`` should find
    only what matters.
    """

    def clean(match: re.Match[str]) -> str:
        css = _CSS_COMMENT.sub(lambda c: "" if "://" in c.group(0) else c.group(0), match.group(2))
        return match.group(1) + css + match.group(3)

    return _STYLE_BLOCK.sub(clean, html)


def _run_facts(nb: nbformat.NotebookNode, meta: dict[str, Any]) -> nbformat.NotebookNode:
    """State the run's facts, drop the sample's, and make paths relative (on a copy)."""
    from cs360lib.run.frontpage import RelativePathsPreprocessor, RunFactsPreprocessor

    nb = copy.deepcopy(nb)
    resources: dict[str, Any] = {}
    RunFactsPreprocessor(meta.get("duration_s"), bool(meta.get("sample", True))).preprocess(
        nb, resources
    )
    RelativePathsPreprocessor(meta.get("root"), meta.get("folder")).preprocess(nb, resources)
    return nb


def _first_heading(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def _vegalite_svg(spec: Any, major: int) -> str | None:
    try:
        import vl_convert as vlc

        versions = [v for v in vlc.get_vegalite_versions() if v.startswith(f"{major}.")]
        version = versions[-1] if versions else None
        return vlc.vegalite_to_svg(spec, vl_version=version)
    except Exception:  # noqa: BLE001 - a chart that cannot be drawn stays as its text form
        return None
