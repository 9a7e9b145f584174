"""Column helpers for large tables: the distinct values of a column, as text.

A big city's tables have millions of rows but a few hundred codes or a few thousand places.
Turning a whole column into Python strings to find its distinct values
(``column.dropna().astype(str).unique()``) costs the rows; :func:`distinct_text` finds the
distinct values first (pandas' hash table, in Arrow for Arrow strings) and turns only them into
text, for the same answer.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["distinct_text"]


def distinct_text(values: pd.Series) -> list[str]:
    """Return the distinct non-missing values of a column as text, in order of first appearance.

    Parameters
    ----------
    values : pandas.Series
        Any column (strings, Arrow strings, categories, numbers).

    Returns
    -------
    list of str
        Equal to ``list(values.dropna().astype(str).unique())`` for text, category and number
        columns; two values with the same text (``1`` and ``"1"`` in an object column) give
        it once. Its length is the number of distinct values, whatever the number of rows.
    """
    return list(dict.fromkeys(str(v) for v in values.dropna().unique()))
