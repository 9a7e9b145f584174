"""Presentation tables: a result's numbers as a table a person reads, not a pandas dump.

Every result's ``.table()`` goes through :func:`presentation_table`, the one place where a
frame becomes a presentation table (human column labels, no index, thousands separators,
dates as dates, missing values as a dash). The reports issue replaces its rendering; callers
only ever pass a frame and its labels.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["MISSING", "humanize", "presentation_table"]

MISSING = "–"
"""Shown for a missing value (an en dash, never ``NaN`` or ``NaT``)."""

_WORDS = {"pct": "(%)", "ci": "CI", "id": "ID", "se": "SE", "p": "P"}


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


def presentation_table(
    frame: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    precision: int = 2,
) -> Styler:
    """Turn a frame of numbers into a presentation table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw numbers (a result's ``.to_frame()``). A named or non-default index (e.g. the
        ``term`` index of an effects table) becomes the first column.
    labels : mapping of str to str, optional
        Human label of each column (e.g. from :func:`cs360lib.data.schemas.column_label` or
        the result's own labels); other columns get :func:`humanize` of their name.
    caption : str, optional
        Caption shown above the table.
    precision : int, default 2
        Decimal places of non-integer numbers.

    Returns
    -------
    pandas.io.formats.style.Styler
        No index, labelled columns, thousands separators, dates as ``YYYY-MM-DD`` and missing
        values as :data:`MISSING`. ``.to_html()`` gives static HTML (no script, no network);
        text in cells and the caption is escaped (a marker ``<5`` stays text).
    """
    data = frame
    if data.index.name is not None or not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index()
        if data.columns[0] == "index":
            data = data.rename(columns={"index": ""})
    else:
        data = data.reset_index(drop=True)
    names = dict(labels or {})
    data = data.rename(columns={c: names.get(str(c), humanize(c)) for c in data.columns})
    dates = [
        c
        for c, dtype in zip(data.columns, data.dtypes, strict=True)
        if pd.api.types.is_datetime64_any_dtype(dtype)
    ]
    styler = data.style.hide(axis="index").format(
        precision=precision, thousands=",", na_rep=MISSING, escape="html"
    )
    if dates:
        styler = styler.format(
            lambda v: MISSING if pd.isna(v) else f"{v:%Y-%m-%d}", subset=dates, na_rep=MISSING
        )
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler
