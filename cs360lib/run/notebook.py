"""One setup call at the top of every CS360 notebook.

Every notebook in ``notebooks/`` has a papermill ``parameters`` cell followed by::

    eng = cs.setup_notebook(engagement, interactive=interactive, chart_renderer=chart_renderer)

which loads the engagement, enables the ``"cs360"`` Altair theme, picks the chart
renderer (an offline chart widget in JupyterLab, or static SVG/PNG drawn by
vl-convert for reports that must open offline), sets pandas display options and
registers the engagement's publishing rules for :func:`cs360lib.show`
(:func:`cs360lib.publish.display.use_publishing`): every later ``cs.show`` in the kernel
publishes by them without being told.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from cs360lib.config.engagement import Engagement
from cs360lib.publish.display import use_publishing

PANDAS_OPTIONS: dict[str, Any] = {
    "display.max_rows": 40,
    "display.min_rows": 20,
    "display.max_columns": 30,
    "display.max_colwidth": 60,
    "display.width": 120,
    "display.precision": 2,
    "display.float_format": "{:,.2f}".format,
    "display.show_dimensions": False,
}
"""pandas display options set by :func:`setup_notebook`."""


def setup_notebook(
    engagement_path: str | os.PathLike[str],
    *,
    interactive: bool,
    chart_renderer: str = "svg",
) -> Engagement:
    """Prepare a notebook for one engagement and return the loaded engagement.

    Parameters
    ----------
    engagement_path : str or path-like
        Path of the engagement YAML file; relative paths are relative to the
        current directory (the notebook's folder, also under ``cs360 run``).
    interactive : bool
        True in JupyterLab: charts use the interactive renderer, which draws them with
        no network (:func:`cs360lib.publish.charts.interactive_renderer`), and
        notebooks may show widgets. False for reports: charts are drawn to
        static images by vl-convert and stored in the notebook, so the exported
        HTML needs neither JavaScript nor network.
    chart_renderer : {"svg", "png"}, default "svg"
        Static renderer used when ``interactive`` is false.

    Returns
    -------
    cs360lib.config.engagement.Engagement
        The validated engagement. Its ``publishing`` rules, the names of its mapped name
        columns (read when the first free text is scrubbed) and the publishing classes of
        its mapped extra columns are registered for :func:`cs360lib.show`.

    Raises
    ------
    FileNotFoundError
        If the engagement file does not exist.
    ValueError
        If ``chart_renderer`` is unknown; ``EngagementError`` (a ``ValueError``)
        if the engagement file is invalid.
    """
    path = Path(engagement_path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"engagement file not found: {path} (resolved from {Path.cwd()}); "
            "set the `engagement` parameter to the path of an engagement.yml"
        )
    from cs360lib.publish import charts  # altair is slow to import: only when a notebook starts

    charts.enable_theme()
    charts.enable_renderer(chart_renderer, interactive=interactive)
    set_pandas_options()
    if not interactive:
        frames_as_presentation_tables()
    engagement = Engagement.load(path.resolve())
    register_publishing(engagement)
    return engagement


def register_publishing(engagement: Engagement) -> None:
    """Register an engagement's publishing rules for :func:`cs360lib.show` in this kernel.

    Parameters
    ----------
    engagement : Engagement
        The engagement. Its ``publishing`` section gives the rules; each source's mapping
        gives the publishing class of its extra columns (``privacy:``; an extra column without
        one is personal), and the values of its ``name`` columns are known names that the
        scrubber always removes from free text (read once, when the first text is scrubbed).
    """
    classes: dict[str, str] = {}
    strict = {"public": 0, "text": 1, "location": 2, "personal": 3, "name": 3}
    for source in engagement.sources.values():
        mapping = source.resolved_mapping
        for column in mapping.extra:
            cls = mapping.privacy.get(column, "personal")
            if strict[cls] >= strict[classes.get(column, "public")]:
                classes[column] = cls

    def names() -> list[str]:
        from cs360lib.data.loaders.cache import active_cache, load_source
        from cs360lib.publish.privacy import known_names

        found: list[str] = []
        for name, source in engagement.sources.items():
            mapping = source.resolved_mapping
            columns = [c for c, cls in mapping.privacy.items() if cls == "name"]
            if columns:
                result = load_source(
                    name,
                    source.kind,
                    source.path,
                    mapping,
                    timezone=engagement.info.timezone,
                    cache=active_cache(),  # under `cs360 run`, the run's load cache
                )
                found += known_names(result.data, columns)
        return found

    use_publishing(engagement.publishing, known_names=names, columns=classes)


def frames_as_presentation_tables() -> bool:
    """Show every DataFrame a report notebook displays as a presentation table.

    A report is read by people, not analysts at a prompt: a frame displayed as it is would
    show row numbers, snake_case headers and ``NaT``. This registers an IPython HTML
    formatter that renders :class:`pandas.DataFrame` through
    :func:`cs360lib.publish.tables.presentation_table` (human labels, no index, formatted
    numbers, "… N more rows"); JupyterLab sessions (``interactive=True``) keep pandas' own
    display.

    Returns
    -------
    bool
        True when registered (inside IPython), False elsewhere.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from cs360lib.publish.tables import presentation_table

    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, lambda frame: presentation_table(frame).to_html())
    return True


def set_pandas_options(options: dict[str, Any] | None = None) -> None:
    """Apply pandas display options suited to reports.

    Parameters
    ----------
    options : dict, optional
        Option name to value; defaults to :data:`PANDAS_OPTIONS`.
    """
    for key, value in (PANDAS_OPTIONS if options is None else options).items():
        pd.set_option(key, value)
