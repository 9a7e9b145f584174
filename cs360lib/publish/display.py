"""Show results in a notebook, once for each audience: ``cs.show``.

Every report exists twice: the **stakeholder** report (public) and the **analyst** report
(internal: contains record-level data). A notebook never decides which cell goes where; it
calls :func:`show` once per section and the library decides::

    eng = cs.setup_notebook(engagement, interactive=interactive)   # registers eng.publishing
    cs.show(intake.overview(sources))                               # both reports
    cs.show(rejected.examples, audience="analyst", title="Rejected rows")  # analyst only

:func:`show` displays its argument with IPython and marks each output in its metadata
(``{"cs360": {"audience": ...}}``). The report exporter
(:class:`cs360lib.run.audiences.AudiencePreprocessor`) honours the marks: the stakeholder
report keeps only outputs marked ``"all"`` or ``"stakeholder"`` and puts a one-line note in
place of everything else (outputs marked ``"analyst"``, and any output not shown with
:func:`show`: a bare ``df`` at the end of a cell is not published); the analyst report keeps
everything except the stakeholder copies.

What the stakeholder copy holds is decided by the engagement's publishing rules, registered
for the kernel with :func:`use_publishing` (``setup_notebook`` does it), through
:mod:`cs360lib.publish.publication`: counts suppressed, personal columns left out, locations
generalized, free text scrubbed, record-level rows never.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from cs360lib.config.publishing import Publishing
from cs360lib.errors import PrivacyError

if TYPE_CHECKING:  # pragma: no cover - the privacy library (scipy, presidio) loads on first use
    from cs360lib.publish.publication import PublishingContext

__all__ = [
    "AUDIENCES",
    "MAX_ROWS",
    "METADATA_KEY",
    "current_context",
    "show",
    "use_publishing",
]

AUDIENCES: tuple[str, ...] = ("all", "analyst")
"""Values of ``show(..., audience=...)``: both reports, or the analyst report only."""

METADATA_KEY = "cs360"
"""Key of the output metadata that carries the audience (``{"audience": "all"}``)."""

MAX_ROWS = 200
"""Rows of a table the analyst report shows; a longer table shows its first rows, says how
many it leaves out and attaches every row as a CSV file."""

FULL_DETAIL = "**Full detail (analyst report only).**"
"""Heading of the analyst copy when it differs from the published one."""

DETAIL_TITLE = "Records (analyst report only: internal, contains record-level data)"
"""Title of a result's record-level detail (:meth:`Result.detail`) in the analyst report."""

_UNCHECKABLE = ("aggregate", "joinaggregate", "window", "density", "regression", "loess",
                "quantile", "bin")  # fmt: skip
"""Vega-Lite operations that compute numbers from a chart's data inside the chart: such a
chart cannot be checked before publishing (a ``count()`` over records is an unsuppressed count)."""

_CONTEXT: PublishingContext | None = None

Audience = Literal["all", "analyst"]


def use_publishing(
    rules: Publishing | None = None,
    *,
    known_names: Iterable[str] | Callable[[], Iterable[str]] = (),
    columns: Mapping[str, str] | None = None,
) -> PublishingContext:
    """Register the engagement's publishing rules for every later :func:`show` in the kernel.

    ``cs.setup_notebook`` calls it with the engagement's ``publishing`` section, its known
    names and the classes of its mapped extra columns; call it yourself only outside a CS360
    notebook.

    Parameters
    ----------
    rules : Publishing, optional
        The rules; default the safe defaults (``min_count`` 5, hundred blocks, quotes
        scrubbed).
    known_names : iterable of str, or callable returning one, default ()
        Names always scrubbed from free text; a callable is called on first use.
    columns : mapping of str to str, optional
        Publishing class of mapped extra columns (``{"narrative": "text"}``).

    Returns
    -------
    PublishingContext
        The registered context.
    """
    from cs360lib.publish.publication import PublishingContext

    global _CONTEXT
    _CONTEXT = PublishingContext(
        rules if rules is not None else Publishing(),
        known_names=known_names,
        columns=dict(columns or {}),
    )
    return _CONTEXT


def current_context() -> PublishingContext:
    """Return the publishing context registered for the kernel (safe defaults if none).

    Returns
    -------
    PublishingContext
    """
    from cs360lib.publish.publication import PublishingContext

    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = PublishingContext(Publishing())
    return _CONTEXT


def show(obj: Any, *, audience: Audience = "all", title: str | None = None) -> None:
    """Display an object in the notebook, for the stakeholder and the analyst reports.

    Parameters
    ----------
    obj : Result, pandas.DataFrame, Styler, altair chart, SuppressedTable or str
        What to show:

        - a result (``.summary()``, ``.table()``, ``.chart()``; a
          :class:`~cs360lib.publish.results.Result` or an object with ``to_frame`` and
          ``summary``): its summary as formatted Markdown
          (:func:`~cs360lib.publish.markdown.summary_markdown`), its presentation table
          (:class:`~cs360lib.publish.tables.PresentationTable`) and its chart. The stakeholder
          report gets the published copy (:meth:`Result.published`): counts declared in
          :attr:`Result.count_columns` suppressed, personal columns left out, locations generalized,
          free text scrubbed, summary and chart drawn from the published numbers. Its
          record-level :meth:`Result.detail` (rejected rows...) follows, analyst only;
        - a frame or a Styler (its frame): a presentation table, published like a result's
          (whole-number columns are counts); frames of records (with
          ``source_file``/``source_row``) go to the analyst report only;
        - an Altair chart: published with its data checked like a frame's; a chart that
          computes numbers itself (``count()``, ``aggregate``, ``bin``...) or whose data
          cannot be read goes to the analyst report only;
        - a :class:`~cs360lib.publish.privacy.SuppressedTable`: its published table, the
          markers explained in its footnote;
        - text: Markdown, published as written (write no data values into it);
        - anything else: the analyst report only.
    audience : {"all", "analyst"}, default "all"
        ``"all"``: both reports (the stakeholder report gets the published copy).
        ``"analyst"``: the analyst report only; the stakeholder report gets a one-line note
        that the detail is in the analyst report.
    title : str, optional
        A bold line shown above the object (and named in the stakeholder note when the
        object is analyst-only).

    Raises
    ------
    PrivacyError
        If ``audience`` is not one of :data:`AUDIENCES`, or the object's declared counts do
        not fit its frame.

    Notes
    -----
    The publishing rules come from :func:`use_publishing` (``setup_notebook``), never from
    the call. See ``docs/privacy.md`` for what is suppressed, generalized and scrubbed.

    Every table is a :class:`~cs360lib.publish.tables.PresentationTable`. A table longer than
    its ``max_rows`` (:data:`~cs360lib.publish.tables.DEFAULT_MAX_ROWS`) is cut in the
    stakeholder report ("… N more rows") with a line saying that the full table is in the
    analyst report; the analyst report shows up to :data:`MAX_ROWS` rows and attaches every
    row as a CSV file.
    """
    if audience not in AUDIENCES:
        raise PrivacyError(f"audience must be one of {AUDIENCES}, got {audience!r}")
    if audience == "analyst":
        _emit(_full(obj), "analyst", title)
        return
    published, note = _published(obj)
    if published is None:  # nothing of it may be published
        _emit(_full(obj), "analyst", title, note=note)
    elif published is _SAME:
        _emit(_full(obj), "all", title)
    else:
        _emit(published, "stakeholder", title)
        full = [_markdown(FULL_DETAIL), *_full(obj)]
        if note:
            full.append(_markdown(f"*In the stakeholder report:* {note}"))
        _emit(full, "analyst", title, what="The full detail, with every count,")
    detail = obj.detail() if _is_result(obj) and callable(getattr(obj, "detail", None)) else None
    if detail is not None and len(detail):
        _emit(
            [_table(detail)],
            "analyst",
            DETAIL_TITLE,
            what="The record-level detail behind this table",
        )


# -- views --------------------------------------------------------------------------------------

_SAME = object()


def _is_result(obj: Any) -> bool:
    return callable(getattr(obj, "to_frame", None)) and callable(getattr(obj, "summary", None))


def _full(obj: Any) -> list[Any]:
    """Build the analyst's view: everything, as computed."""
    if isinstance(obj, str):
        return [_markdown(obj)]
    if _is_chart(obj):
        return [obj]
    if _is_suppressed(obj):
        return _suppressed(obj)
    if _is_result(obj):
        parts: list[Any] = [_summary(obj), _result_table(obj)]
        if callable(getattr(obj, "chart", None)):
            parts.append(obj.chart())
        return parts
    frame = _as_frame(obj)
    if frame is not None:
        return [_table(frame)]
    return [obj]


def _as_frame(obj: Any) -> pd.DataFrame | None:
    """Return the frame of a frame, a series or a pandas Styler; None for anything else."""
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        return obj
    if type(obj).__name__ == "Styler" and isinstance(getattr(obj, "data", None), pd.DataFrame):
        return obj.data  # its formatting is not kept: every table is a presentation table
    return None


def _summary(result: Any) -> Any:
    """Show a result's summary as formatted Markdown (paragraphs, lists, numbers in bold)."""
    from cs360lib.publish.markdown import summary_markdown

    return _markdown(summary_markdown(result))


def _result_table(result: Any) -> Any:
    """Return a result's presentation table (its ``table()``, else one of its frame)."""
    from cs360lib.publish.tables import PresentationTable

    table = result.table() if callable(getattr(result, "table", None)) else None
    if isinstance(table, PresentationTable):
        return table
    frame = _as_frame(table)
    return _table(frame if frame is not None else result.to_frame(), labels=_labels(result))


def _published(obj: Any) -> tuple[Any, str]:
    """Build the stakeholder's view: ``_SAME``, a list of parts, or None; and the note."""
    if isinstance(obj, str):
        return _SAME, ""
    if _is_chart(obj):
        return _published_chart(obj)
    if _is_suppressed(obj):
        return _SAME, ""
    if _is_result(obj):
        return _published_result(obj)
    frame = _as_frame(obj)
    if frame is not None:
        from cs360lib.publish.publication import publish_frame

        publication = publish_frame(frame, current_context())
        if publication.records:
            return None, publication.note
        if not publication.changed:
            return _SAME, ""
        return [_table(publication.shown, notes=publication.notes)], publication.note
    return None, "This output is not published: only tables, charts, results and text are."


def _published_result(result: Any) -> tuple[Any, str]:
    from cs360lib.publish.publication import publish_result

    published = publish_result(result, current_context())
    publication = published.publication
    if publication.records:
        return None, publication.note
    if published.result is result:
        return _SAME, ""
    copy = published.result
    table_only = [
        _markdown(
            "The summary and chart of this result are in the analyst report: they are "
            "drawn from numbers that the stakeholder report does not show."
        ),
        _table(publication.shown, notes=publication.notes, labels=_labels(result)),
    ]
    if copy is None:  # cannot be rebuilt from a frame: its table only
        return table_only, publication.note
    try:
        parts = [_summary(copy), _result_table(copy)]
        if callable(getattr(copy, "chart", None)):
            parts.append(copy.chart())
    except (TypeError, ValueError) as error:
        # A summary or chart written for whole numbers meets a hidden (missing) count: the
        # stakeholder report gets the published table only; the analyst report says why.
        reason = f"{type(error).__name__}: {error}"
        return table_only, (
            f"{publication.note} Only the table is published: the summary or chart of "
            f"{type(result).__name__} could not be drawn from the published numbers ({reason})."
        ).strip()
    return parts, publication.note


def _published_chart(chart: Any) -> tuple[Any, str]:
    data = _chart_data(chart)
    why = "This chart is in the analyst report: its numbers could not be checked before publishing."
    if data is None:
        return None, why
    from cs360lib.publish.publication import publish_frame

    spec = chart.to_dict(validate=False)
    axes = _fields(spec, ("nominal", "ordinal", "temporal"))  # categories, not counts
    publication = publish_frame(data, current_context(), not_counts=axes)
    if publication.records:
        return None, publication.note
    if not publication.changed:
        return _SAME, ""
    copy = chart.copy(deep=False)
    copy.data = publication.frame
    return [copy, _markdown(f"*{publication.note}*")], publication.note


def _chart_data(chart: Any) -> pd.DataFrame | None:
    """Return the chart's one data frame (None: several, or it computes its own numbers)."""
    import altair as alt

    if not isinstance(chart.data, pd.DataFrame):
        return None
    stack = [chart]
    while stack:
        node = stack.pop()
        for name in ("layer", "hconcat", "vconcat", "concat"):
            children = getattr(node, name, alt.Undefined)
            if children is not alt.Undefined:
                stack.extend(children)
        spec = getattr(node, "spec", alt.Undefined)
        if spec is not alt.Undefined:
            stack.append(spec)
        if node is not chart and getattr(node, "data", alt.Undefined) is not alt.Undefined:
            return None
    spec_dict = chart.to_dict(validate=False)
    if _mentions(spec_dict, _UNCHECKABLE):
        return None
    return chart.data


def _fields(node: Any, types: tuple[str, ...]) -> set[str]:
    """Fields a chart spec encodes with one of the Vega-Lite ``types``."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("field"), str) and node.get("type") in types:
            found.add(node["field"])
        for key, value in node.items():
            if key != "datasets":
                found |= _fields(value, types)
    elif isinstance(node, list):
        for value in node:
            found |= _fields(value, types)
    return found


def _mentions(node: Any, keys: tuple[str, ...]) -> bool:
    if isinstance(node, dict):
        return any(
            (k in keys and (k != "bin" or v not in (False, None))) or _mentions(v, keys)
            for k, v in node.items()
            if k != "datasets"
        )
    if isinstance(node, list):
        return any(_mentions(v, keys) for v in node)
    return False


def _is_chart(obj: Any) -> bool:
    return type(obj).__module__.startswith("altair") and hasattr(obj, "to_dict")


def _is_suppressed(obj: Any) -> bool:
    from cs360lib.publish.privacy import SuppressedTable

    return isinstance(obj, SuppressedTable)


def _suppressed(table: Any) -> list[Any]:
    shown = table.table()
    frame = shown.reset_index() if isinstance(shown, pd.Series) else shown
    if isinstance(shown, pd.DataFrame) and table.form == "wide":
        frame = shown.reset_index()
    presented = _table(frame)
    if table.note and not presented.markers:  # markers of its own: its own words
        return [_table(frame, notes=(table.note,))]
    hidden = "Totals include the hidden counts." if presented.markers else ""
    return [_table(frame, notes=(hidden,) if hidden else ())]


def _labels(result: Any) -> Mapping[str, str]:
    return getattr(result, "labels", None) or {}


def _table(
    frame: pd.DataFrame,
    *,
    notes: tuple[str, ...] = (),
    labels: Mapping[str, str] | None = None,
) -> Any:
    from cs360lib.publish.tables import presentation_table

    return presentation_table(frame, labels=labels, notes=notes)


def _markdown(text: str) -> Any:
    from IPython.display import Markdown

    return Markdown(text)


def _emit(
    parts: list[Any], audience: str, title: str | None, *, note: str = "", what: str = ""
) -> None:
    """Display the parts, each marked with its audience (and what the stakeholder note says).

    A presentation table cut to its ``max_rows`` is shown cut to the stakeholder and in
    full (up to :data:`MAX_ROWS` rows, every row as an attached CSV) to the analyst.
    """
    from IPython.display import display

    from cs360lib.publish.tables import PresentationTable

    def mark(who: str, **extra: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"audience": who}
        if title:
            meta["title"] = title
        meta.update({k: v for k, v in {"note": note, "what": what, **extra}.items() if v})
        return {METADATA_KEY: meta}

    if title:
        display(_markdown(f"**{title}**"), metadata=mark(audience))
    for part in parts:
        if not isinstance(part, PresentationTable) or audience == "stakeholder" or not part.cut:
            display(part, metadata=mark(audience))
            continue
        full = replace(part, max_rows=max(MAX_ROWS, int(part.max_rows or 0)), attach_csv=True)
        if audience == "analyst":
            display(full, metadata=mark("analyst"))
            continue
        display(part, metadata=mark("stakeholder"))
        rows = f"The full table, with all its {len(part.data):,} rows,"
        display(full, metadata=mark("analyst", what=rows))
