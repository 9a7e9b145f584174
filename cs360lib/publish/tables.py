"""Presentation tables: a result's numbers as a table a person reads, not a pandas dump.

Every result's ``.table()`` goes through :func:`presentation_table`, the one place where a
frame becomes a presentation table: human column labels (the result's own, else the
schemas', else the humanized name), no index, thousands separators, percentages and rates
with sensible digits, dates as dates, missing values as a dash, the suppression markers of
:mod:`cs360lib.publish.privacy` explained in a footnote, a source note, and long tables
truncated with "… N more rows".

The HTML is rendered by `great_tables <https://posit-dev.github.io/great-tables/>`_ (static
HTML with its CSS inline, no script and nothing loaded from the network); the values are
formatted by its ``fmt_*`` methods where a column holds one type, and by
:func:`format_value` where it mixes numbers and markers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cs360lib.publish.count_tables import SECONDARY_MARKER

if TYPE_CHECKING:  # pragma: no cover
    from great_tables import GT

__all__ = [
    "DEFAULT_MAX_ROWS",
    "MISSING",
    "PresentationTable",
    "format_value",
    "humanize",
    "presentation_table",
    "suppression_note",
]

MISSING = "–"
"""Shown for a missing value (an en dash, never ``NaN`` or ``NaT``)."""

DEFAULT_MAX_ROWS = 25
"""Rows shown before a table is cut with "… N more rows" (a printed page holds about 30)."""

FONT = "'Source Sans Pro', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"
"""Font stack of the tables (the charts' and the report's): no web font is loaded."""

_WORDS = {"pct": "(%)", "ci": "CI", "id": "ID", "se": "SE", "p": "P", "n": "N"}
_PRIMARY = re.compile(r"^<\s*(\d+)$")
_P_COLUMNS = re.compile(r"^(p|q)(_value|value)?$|_p_value$|^p_")
_PCT_COLUMNS = re.compile(r"(_pct|_percent|^pct_|^percent)$|\(%\)|%")
_SHARE_COLUMNS = re.compile(r"(^|_)(share|proportion|fraction)(_|$)")


def humanize(name: object) -> str:
    """Turn a snake_case column name into a label, for columns without one.

    Parameters
    ----------
    name : object
        A column name, e.g. ``"rejected_pct"``.

    Returns
    -------
    str
        ``"Rejected (%)"``; ``"p_value"`` gives ``"P value"``, ``"ci_low"`` ``"CI low"``.
    """
    words = [_WORDS.get(w, w) for w in str(name).split("_") if w]
    if not words:
        return str(name)
    text = " ".join(words)
    return text[0].upper() + text[1:]


@functools.cache
def _schema_labels() -> dict[str, str]:
    """Labels of canonical columns that mean the same in every kind that has them."""
    from cs360lib.data.schemas import SCHEMAS, kind_info

    seen: dict[str, set[str]] = {}
    for kind in SCHEMAS:
        for column, label in kind_info(kind).labels.items():
            seen.setdefault(column, set()).add(label)
    return {column: next(iter(labels)) for column, labels in seen.items() if len(labels) == 1}


def _label(name: object, labels: Mapping[str, str]) -> str:
    key = str(name)
    if key in labels:
        return labels[key]
    if "_" in key:  # a snake_case schema name such as occurred_at; one word humanizes well
        return _schema_labels().get(key) or humanize(key)
    return humanize(key)


def _is_marker(value: object) -> bool:
    """Whether a cell holds a suppression marker (``"<5"`` or ``"x"``)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_PRIMARY.match(text)) or text == SECONDARY_MARKER


def suppression_note(markers: Sequence[str]) -> str:
    """Explain the suppression markers a table shows, for its footnote.

    Parameters
    ----------
    markers : sequence of str
        Markers found in the table: ``"<5"`` (a hidden small count, see
        :func:`cs360lib.publish.privacy.primary_marker`) and/or ``"x"``
        (:data:`cs360lib.publish.privacy.SECONDARY_MARKER`).

    Returns
    -------
    str
        One sentence per marker (the wording of
        :attr:`cs360lib.publish.privacy.SuppressedTable.note`); ``""`` for none.
    """
    parts = []
    for marker in dict.fromkeys(markers):
        match = _PRIMARY.match(marker)
        if match:
            n = int(match.group(1))
            parts.append(
                f"{marker}: a count from 1 to {n - 1}, hidden to protect the people concerned."
            )
        elif marker == SECONDARY_MARKER:
            parts.append(
                f"{marker}: hidden as well, so that no small count can be worked out from it "
                "or from the totals."
            )
    return " ".join(parts)


# -- value formats ----------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _sig_decimals(values: np.ndarray, cap: int) -> int:
    """Decimals that give the typical value three significant digits (0 to ``cap``)."""
    finite = np.abs(values[np.isfinite(values)])
    finite = finite[finite > 0]
    if finite.size == 0:
        return 0
    typical = float(np.median(finite))
    return int(min(cap, max(0, 2 - math.floor(math.log10(typical)))))


@dataclass(frozen=True)
class _Format:
    """How one column is shown: a great_tables formatter or a Python function."""

    kind: str  # integer, number, percent, share, p, date, datetime, bool, text
    decimals: int = 0

    def text(self, value: Any) -> str:
        """Format one value (used for mixed columns and the CSV of a truncated table)."""
        if isinstance(value, str):
            return value
        if _is_missing(value):
            return MISSING
        if self.kind == "bool" or isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if self.kind in ("date", "datetime") and isinstance(value, pd.Timestamp | np.datetime64):
            stamp = pd.Timestamp(value)
            return f"{stamp:%Y-%m-%d %H:%M}" if self.kind == "datetime" else f"{stamp:%Y-%m-%d}"
        if isinstance(value, int | np.integer):
            return f"{int(value):,}"
        if isinstance(value, float | np.floating):
            value = float(value)
            if math.isinf(value):
                return "no upper limit" if value > 0 else "no lower limit"
            if self.kind == "p":
                return "<0.001" if value < 0.001 else f"{value:.3f}"
            if self.kind == "share":
                return f"{value * 100:,.{self.decimals}f}%"
            if self.kind == "integer" and value.is_integer():
                return f"{int(value):,}"
            return f"{value:,.{self.decimals}f}"
        return str(value)


def format_value(value: Any, *, decimals: int = 2) -> str:
    """Format one value as a presentation table shows it.

    Parameters
    ----------
    value : object
        A number, date, text or missing value.
    decimals : int, default 2
        Decimal places of a non-integer number.

    Returns
    -------
    str
        ``"12,345"``, ``"3.14"``, ``"2024-01-05"``, the text itself, or :data:`MISSING`.
    """
    kind = "date" if isinstance(value, pd.Timestamp) else "number"
    if isinstance(value, pd.Timestamp) and (value.hour or value.minute):
        kind = "datetime"
    return _Format(kind, decimals).text(value)


def _column_format(name: str, label: str, column: pd.Series, precision: int | None) -> _Format:
    """Choose how to show a column from its dtype, its name and its values."""
    dtype = column.dtype
    lowered = name.lower()
    if pd.api.types.is_bool_dtype(dtype):
        return _Format("bool")
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = column.dropna()
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)
        timed = bool((stamps != stamps.dt.normalize()).any())
        return _Format("datetime" if timed else "date")
    numeric = pd.to_numeric(column.where(column.map(lambda v: not isinstance(v, str))), "coerce")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if not pd.api.types.is_numeric_dtype(dtype) and finite.size == 0:
        texts = column[column.map(lambda v: isinstance(v, str))]
        if not len(texts) or not texts.map(_is_marker).all():
            return _Format("text")
        return _Format("integer")  # every count of the column is hidden: still a count column
    if _P_COLUMNS.search(lowered):
        return _Format("p", 3)
    whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    if _SHARE_COLUMNS.search(lowered) and finite.size and np.nanmax(np.abs(finite)) <= 1:
        return _Format("share", 1 if precision is None else precision)
    if _PCT_COLUMNS.search(lowered) or "%" in label:
        if whole:
            return _Format("integer")
        return _Format("percent", 1 if precision is None else min(precision, 1))
    if whole and (pd.api.types.is_integer_dtype(dtype) or finite.size):
        return _Format("integer")
    decimals = _sig_decimals(finite, 3) if precision is None else precision
    return _Format("number", decimals)


# -- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PresentationTable:
    """A table ready for people: labelled, formatted, noted; HTML by great_tables.

    Displays as HTML in Jupyter (``_repr_html_``); :attr:`data` is the frame shown.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows shown, every one of them (before truncation), with the human labels as
        column names and a plain ``RangeIndex``; values are not yet formatted.
    caption : str or None
        Title shown above the table.
    source : str or None
        Source note shown under the table (e.g. ``"Source: incidents, Sampleton PD RMS"``).
    notes : tuple of str
        Footnotes under the table; the explanation of suppression markers is added
        automatically.
    max_rows : int or None
        Rows shown before "… N more rows"; ``None`` shows every row.
    attach_csv : bool
        Whether the displayed HTML (``_repr_html_``) carries every row as an attached CSV
        when rows are cut (the analyst report's copy of a long table).
    formats : dict
        Label to the column's format (internal).
    """

    data: pd.DataFrame
    caption: str | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()
    max_rows: int | None = DEFAULT_MAX_ROWS
    attach_csv: bool = False
    formats: Mapping[str, _Format] = field(default_factory=dict, repr=False)

    # -- public helpers --------------------------------------------------------------------
    @property
    def markers(self) -> list[str]:
        """Suppression markers shown in the table (``"<5"``, ``"x"``), in order of appearance."""
        found: list[str] = []
        for label, column in self.data.items():
            fmt = self.formats.get(str(label))
            if fmt is None or fmt.kind == "text":
                continue
            for value in column:
                if _is_marker(value) and value.strip() not in found:
                    found.append(value.strip())
        return found

    def with_source(self, source: str | None) -> PresentationTable:
        """Return a copy with a source note.

        Parameters
        ----------
        source : str or None
            Where the numbers come from, e.g. ``"Source: calls for service (CAD), 2020-2024"``.

        Returns
        -------
        PresentationTable
        """
        return replace(self, source=source)

    def with_max_rows(self, max_rows: int | None) -> PresentationTable:
        """Return a copy that shows ``max_rows`` rows (``None``: every row)."""
        return replace(self, max_rows=max_rows)

    @property
    def cut(self) -> int:
        """Number of rows not shown (0 when the table fits in :attr:`max_rows`)."""
        return 0 if self.max_rows is None else max(0, len(self.data) - int(self.max_rows))

    def to_csv(self) -> str:
        """Return every row as CSV text, values formatted as shown (markers kept).

        Returns
        -------
        str
            The full table (no truncation), for an attachment or a download link.
        """
        shown = pd.DataFrame(
            {
                label: [self._format_of(label).text(v) for v in column]
                for label, column in self.data.items()
            }
        )
        return shown.to_csv(index=False)

    def to_gt(self, *, max_rows: int | None | str = "default") -> GT:
        """Build the great_tables table.

        Parameters
        ----------
        max_rows : int, None or "default"
            Rows shown; ``"default"`` uses :attr:`max_rows`.

        Returns
        -------
        great_tables.GT
        """
        from great_tables import GT, html

        limit = self.max_rows if max_rows == "default" else max_rows
        shown = self.data if limit is None else self.data.head(int(limit))  # type: ignore[arg-type]
        hidden = len(self.data) - len(shown)
        frame, names = _gt_frame(shown)
        table = GT(frame, id=self._id(), auto_align=True)
        table = table.cols_label(cases={key: str(label) for key, label in names.items()})
        for key, label in names.items():
            table = _apply_format(table, key, frame[key], self._format_of(label))
        table = table.sub_missing(missing_text=MISSING)
        if self.caption:
            table = table.tab_header(title=self.caption)
        notes: list[str] = []
        if hidden:
            notes.append(
                f"… {hidden:,} more row{'' if hidden == 1 else 's'} not shown "
                f"({len(self.data):,} in all)."
            )
        markers = suppression_note(self.markers)
        if markers:
            notes.append(markers)
        notes.extend(self.notes)
        if self.source:
            notes.append(self.source)
        for note in notes:
            table = table.tab_source_note(html(escape(note)))
        return _style(table)

    def to_html(self, *, max_rows: int | None | str = "default", attach_csv: bool = False) -> str:
        """Render the table as static HTML (inline CSS, no script, nothing remote).

        Parameters
        ----------
        max_rows : int, None or "default"
            Rows shown; ``"default"`` uses :attr:`max_rows`, ``None`` shows all.
        attach_csv : bool, default False
            Add a link that saves every row as a CSV file, embedded in the page as a
            ``data:`` URI (for the analyst report: the full table without a long page).

        Returns
        -------
        str
            An HTML fragment; a table without rows is one short sentence ("No rows to
            show."), not an empty grid of headers.
        """
        if self.data.empty:
            what = f"{self.caption}: no rows" if self.caption else "No rows to show"
            return f'<p class="cs360-table cs360-empty">{escape(what)}.</p>'
        body = self.to_gt(max_rows=max_rows).as_raw_html()
        if attach_csv:
            name = re.sub(r"[^a-z0-9]+", "_", (self.caption or "table").lower()).strip("_")
            payload = base64.b64encode(self.to_csv().encode("utf-8")).decode("ascii")
            body += (
                f'<p class="cs360-table-csv"><a download="{escape(name or "table")}.csv" '
                f'href="data:text/csv;charset=utf-8;base64,{payload}">Save all '
                f"{len(self.data):,} rows as CSV</a></p>"
            )
        return f'<div class="cs360-table">{body}</div>'

    def _repr_html_(self) -> str:
        return self.to_html(attach_csv=self.attach_csv and self.cut > 0)

    def __repr__(self) -> str:
        return f"PresentationTable({len(self.data)} rows, columns={list(self.data.columns)})"

    # -- internals -------------------------------------------------------------------------
    def _format_of(self, label: object) -> _Format:
        return self.formats.get(str(label), _Format("text"))

    def _id(self) -> str:
        """Return a stable HTML id: the same table always renders to the same HTML."""
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(repr(list(self.data.columns)).encode())
        digest.update(pd.util.hash_pandas_object(self.data.astype(str), index=False).to_numpy())
        digest.update(repr((self.caption, self.source, self.notes, self.max_rows)).encode())
        return "cs360t" + digest.hexdigest()[:10]


def _gt_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Give the columns safe unique keys (great_tables selects columns by name)."""
    keys = {f"c{i}": str(label) for i, label in enumerate(frame.columns)}
    out = frame.copy()
    out.columns = list(keys)
    for key in keys:
        column = out[key]
        if isinstance(column.dtype, pd.PeriodDtype | pd.CategoricalDtype) or (
            pd.api.types.is_timedelta64_dtype(column.dtype)
        ):
            out[key] = (
                column.astype(object)
                .where(column.notna(), None)
                .map(lambda v: v if v is None else str(v))
            )
        elif isinstance(column.dtype, pd.DatetimeTZDtype):
            out[key] = column.dt.tz_localize(None)
        elif pd.api.types.is_extension_array_dtype(column.dtype) and pd.api.types.is_numeric_dtype(
            column.dtype
        ):
            out[key] = column.astype(float)
        elif isinstance(column.dtype, pd.StringDtype):
            out[key] = column.astype(object).where(column.notna(), None)
    return out.reset_index(drop=True), keys


def _apply_format(table: GT, key: str, column: pd.Series, fmt: _Format) -> GT:
    """Format one column: great_tables' formatter for a one-type column, else ``fmt.text``."""
    mixed = column.dtype == object and column.map(lambda v: isinstance(v, str)).any()
    if fmt.kind == "text":
        if (
            column.dtype == object
            and not column.map(lambda v: isinstance(v, str) or _is_missing(v)).all()
        ):
            return table.fmt(columns=key, fns=_text_or(fmt))
        return table
    if mixed or fmt.kind in ("p", "bool", "datetime") or column.dtype == object:
        table = table.fmt(columns=key, fns=_text_or(fmt))
        return table.cols_align("right", columns=key) if fmt.kind != "bool" else table
    if fmt.kind == "integer":
        return table.fmt_integer(columns=key)
    if fmt.kind in ("number", "percent"):
        return table.fmt_number(columns=key, decimals=fmt.decimals)
    if fmt.kind == "share":
        return table.fmt_percent(columns=key, decimals=fmt.decimals)
    if fmt.kind == "date":
        return table.fmt_date(columns=key, date_style="iso")
    return table


def _text_or(fmt: _Format) -> Callable[[Any], str]:
    """great_tables inserts a formatter's output as HTML: escape it."""
    return lambda value: escape(fmt.text(value), quote=False)


def _style(table: GT) -> GT:
    """Give a table the CS360 look: the report's font, light rules, striped rows."""
    return table.tab_options(
        table_font_names=FONT,
        table_font_size="14px",
        table_margin_left="0",
        table_margin_right="auto",
        heading_align="left",
        heading_title_font_size="16px",
        column_labels_font_weight="bold",
        column_labels_border_top_style="none",
        source_notes_font_size="12px",
        row_striping_background_color="#f6f8fb",
        data_row_padding="4px",
    ).opt_row_striping()


def presentation_table(
    frame: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    precision: int | None = None,
    source: str | None = None,
    notes: Sequence[str] = (),
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> PresentationTable:
    """Turn a frame of numbers into a presentation table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw numbers (a result's ``.to_frame()``). A named or non-default index (e.g. the
        ``term`` index of an effects table) becomes the first column; a default one is
        dropped.
    labels : mapping of str to str, optional
        Human label of each column (the result's own labels); other columns get the
        schema's label of that canonical column (:mod:`cs360lib.data.schemas`), else
        :func:`humanize` of their name.
    caption : str, optional
        Title shown above the table.
    precision : int, optional
        Decimal places of non-integer numbers. By default each column gets the decimals that
        give its typical value three significant digits (at most 3; percentages 1).
    source : str, optional
        Source note under the table.
    notes : sequence of str, optional
        More footnotes (e.g. "The full table is in the analyst report." where it is).
        Suppression markers (``"<5"``, ``"x"``) in the cells are explained automatically.
    max_rows : int or None, default :data:`DEFAULT_MAX_ROWS`
        Rows shown before "… N more rows"; ``None`` shows all.

    Returns
    -------
    PresentationTable
        No index, labelled columns, thousands separators, dates as ``YYYY-MM-DD`` (with the
        time when any value has one), p-values to 3 decimals (``<0.001``), shares as
        percentages, missing values as :data:`MISSING`. ``.to_html()`` gives static HTML.

    Notes
    -----
    Formatting follows common statistical-table practice (e.g. the UK Government
    Statistical Service's "Presenting data in tables" guidance and the APA manual, 7th ed.,
    ch. 7): labels in words, right-aligned numbers with separators, consistent decimals
    per column, p-values to three decimals and no more precision than the data carry.
    """
    data = frame
    if data.index.name is not None or not isinstance(data.index, pd.RangeIndex):
        names = [n for n in data.index.names if n is not None]
        data = data.reset_index()
        if not names and "index" in data.columns:
            data = data.rename(columns={"index": ""})
    else:
        data = data.reset_index(drop=True)
    if isinstance(data.columns, pd.MultiIndex):
        data.columns = [" ".join(str(p) for p in c if str(p)) for c in data.columns]
    given = dict(labels or {})
    shown: dict[Any, str] = {}
    for c in data.columns:
        label, n = _label(c, given), 2
        while label in shown.values():  # two columns with one label stay two columns
            label, n = f"{_label(c, given)} ({n})", n + 1
        shown[c] = label
    data = data.rename(columns=shown)
    formats = {shown[c]: _column_format(str(c), shown[c], data[shown[c]], precision) for c in shown}
    return PresentationTable(
        data=data,
        caption=caption,
        source=source,
        notes=tuple(notes),
        max_rows=max_rows,
        formats=formats,
    )
