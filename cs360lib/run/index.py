"""The ``index.html`` of a report folder, rendered from a Jinja2 template.

The template is ``templates/run_index.html.j2`` next to this module. It opens with the
front page every report has (:mod:`cs360lib.run.frontpage`: department, engagement, dates
covered, sources, notebooks, publishing rules), then lists the notebooks with their status,
duration, links to all their reports (HTML, analyst, PDF) and errors, and the data sources
with their row counts. It loads nothing from the network.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from cs360lib.run.frontpage import front_page
from cs360lib.run.manifest import Manifest
from cs360lib.run.progress import utc_now

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Folder of the run's templates (shipped as package data)."""

INDEX_TEMPLATE = "run_index.html.j2"
"""Template of a report folder's ``index.html``."""

__all__ = ["INDEX_TEMPLATE", "render_index"]


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_index(manifest: Manifest) -> str:
    """Render the offline index page of a report folder.

    Parameters
    ----------
    manifest : Manifest
        The run's manifest (its notebooks, sources, status and error).

    Returns
    -------
    str
        A complete HTML page; every value is HTML-escaped.
    """
    started = manifest.started_at or manifest.finished_at
    page = front_page(
        manifest,
        title="Reports of this run",
        notebook=None,
        variant="index",
        generated=(manifest.finished_at or utc_now()).strftime("%Y-%m-%d %H:%M UTC"),
    )
    template = _environment().get_template(INDEX_TEMPLATE)
    return template.render(
        manifest=manifest, started=started.isoformat() if started else "", page=page
    )
