"""The ``index.html`` of a report folder, rendered from a Jinja2 template.

The template is ``templates/run_index.html.j2`` next to this module. It opens with the
front page every report has (:mod:`cs360lib.run.frontpage`: department, engagement, dates
covered, sources, notebooks, publishing rules), then lists the notebooks with their status,
duration, links to all their reports (HTML, analyst, PDF) and errors, and the data sources
with their row counts. It loads nothing from the network.
"""

from __future__ import annotations

from cs360lib.run.frontpage import front_page, templates
from cs360lib.run.manifest import Manifest
from cs360lib.run.progress import utc_now

INDEX_TEMPLATE = "run_index.html.j2"
"""Template of a report folder's ``index.html``."""

__all__ = ["INDEX_TEMPLATE", "render_index"]


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
    template = templates().get_template(INDEX_TEMPLATE)
    return template.render(
        manifest=manifest, started=started.isoformat() if started else "", page=page
    )
