"""Aggregate before plotting: blocks of time and the top of a ranking plus "other".

Altair refuses a data set of more than 5,000 rows (``MaxRowsError``) and a chart of
thousands of marks cannot be read anyway, so every chart of the library draws a summary of its
input, never the input itself (``docs/architecture.md``: "it aggregates before plotting").
Two summaries cover the library's charts:

- :func:`time_blocks` merges consecutive periods into blocks of equal length (a daily series of
  16 years becomes one point per 2 days, per week ...), as Cleveland's banking and the usual
  monthly or weekly aggregation of crime counts do;
- :func:`top_with_other` keeps the ``n`` largest categories and adds one row for all the others
  (the "top-N plus other" of Few, *Show Me the Numbers*, 2012, ch. 8), so that a bar chart of
  6,000 beats shows the 40 largest and what the rest add up to;
- :func:`first_of` keeps the rows of the first ``n`` items of a ranking whose values cannot be
  added up (candidate problems, harm weights, responses): the chart shows the first ``n`` and
  its title says how many there are (:func:`shown_title`); the table keeps them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.publish.charts import MAX_ROWS

__all__ = [
    "MAX_BARS",
    "block_length",
    "first_of",
    "shown_title",
    "time_blocks",
    "top_with_other",
]

MAX_BARS = 40
"""Most bars of one bar chart; more are drawn as :data:`MAX_BARS` - 1 bars and an "other" bar.
About what a report page shows legibly at 12-point labels."""

Aggregation = str | Callable[[pd.Series], Any]
"""A pandas aggregation: a name (``"sum"``, ``"mean"``, ``"max"``, ``"first"``) or a function."""


def block_length(n_rows: int, *, groups: int = 1, max_rows: int = MAX_ROWS) -> int:
    """Return the shortest block that brings ``n_rows`` rows in ``groups`` series under a limit.

    Parameters
    ----------
    n_rows : int
        Rows of all series together.
    groups : int, default 1
        Series aggregated separately (each may end in a partial block).
    max_rows : int, default MAX_ROWS
        Most rows wanted.

    Returns
    -------
    int
        1 when ``n_rows <= max_rows``; else the smallest ``k`` with
        ``n_rows / k + groups <= max_rows``, which bounds the rows after blocking.

    Raises
    ------
    ValueError
        If ``max_rows`` is not larger than ``groups``.
    """
    if n_rows <= max_rows:
        return 1
    if max_rows <= groups:
        raise ValueError(f"{groups:,} series cannot be drawn in {max_rows:,} rows")
    return max(2, math.ceil(n_rows / (max_rows - groups)))


def time_blocks(
    frame: pd.DataFrame,
    *,
    order: str,
    aggregations: Mapping[str, Aggregation],
    by: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> tuple[pd.DataFrame, int]:
    """Merge consecutive rows of each series into blocks of equal length.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per period (and per series, with ``by``).
    order : str
        Column that orders the periods; a block keeps its first value (the block's start).
    aggregations : mapping of str to str or callable
        How every other kept column is combined within a block (``"sum"`` for counts,
        ``"mean"`` for levels, ``"max"`` for flags ...).
    by : sequence of str, optional
        Columns naming the series; each is blocked separately.
    max_rows : int, default MAX_ROWS
        Most rows wanted.

    Returns
    -------
    blocked : pandas.DataFrame
        Columns ``by``, ``order`` and the aggregated columns, at most ``max_rows`` rows;
        ``frame`` itself when it already fits.
    block : int
        Periods per block (1 when nothing was merged).
    """
    groups = frame.groupby(list(by), sort=False).ngroups if by else 1
    block = block_length(len(frame), groups=groups, max_rows=max_rows)
    if block == 1:
        return frame, 1
    data = frame.sort_values([*by, order], kind="stable")
    position = data.groupby(list(by), sort=False).cumcount() if by else np.arange(len(data))
    data = data.assign(_block=np.asarray(position) // block)
    rules: dict[str, Aggregation] = {order: "first", **aggregations}
    blocked = data.groupby([*by, "_block"], sort=False, dropna=False).agg(rules).reset_index()
    return blocked.drop(columns="_block"), block


def top_with_other(
    frame: pd.DataFrame,
    *,
    label: str,
    rank: str | pd.Series,
    n: int = MAX_BARS,
    other: Mapping[str, Aggregation] | None = None,
    other_label: str = "{count:,} others",
) -> pd.DataFrame:
    """Keep the ``n - 1`` highest-ranked rows and one row for all the others.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per category (bar).
    label : str
        Column that names the category; the "other" row gets ``other_label``.
    rank : str or pandas.Series
        Column (or values aligned with ``frame``) ranking the rows, highest first; ties keep
        the frame's order.
    n : int, default MAX_BARS
        Most rows returned.
    other : mapping of str to str or callable, optional
        How the other rows are combined into one, per column (``{"events": "sum"}``); columns
        not listed are missing in the "other" row. Without it the others are dropped.
    other_label : str, default "{count:,} others"
        Name of the "other" row; ``{count}`` is the number of rows it stands for.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when it has at most ``n`` rows; else the ``n - 1`` highest rows in
        rank order, then the "other" row (or the ``n`` highest rows without ``other``).

    Raises
    ------
    ValueError
        If ``n`` is below 2.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if len(frame) <= n:
        return frame
    values = frame[rank] if isinstance(rank, str) else pd.Series(rank, index=frame.index)
    order = np.argsort(-values.to_numpy(dtype=float), kind="stable")
    if other is None:
        return frame.iloc[order[:n]]
    top, rest = frame.iloc[order[: n - 1]], frame.iloc[order[n - 1 :]]
    row: dict[str, Any] = {column: rest[column].agg(how) for column, how in other.items()}
    row[label] = other_label.format(count=len(rest))
    return pd.concat([top, pd.DataFrame([row])], ignore_index=True)


def first_of(
    frame: pd.DataFrame, *, by: str, order: Sequence[Any] | None = None, n: int = MAX_BARS
) -> tuple[pd.DataFrame, int]:
    """Keep the rows of the first ``n`` items of a ranking (every row of each item kept).

    For charts of items whose values cannot be added up into an "other" bar (scores,
    probabilities, weights, timelines): a long frame with several rows per item (one per
    criterion, say) keeps all the rows of the items it keeps.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of the items, in any order.
    by : str
        Column naming the item of each row.
    order : sequence, optional
        The items, first first (a ranking); default their order of appearance in ``frame``.
        Items of ``frame`` missing from ``order`` come after it.
    n : int, default MAX_BARS
        Most items kept.

    Returns
    -------
    kept : pandas.DataFrame
        The rows of the first ``n`` items (``frame`` itself when it has at most ``n``).
    left_out : int
        Number of items not kept.

    Raises
    ------
    ValueError
        If ``n`` is below 1.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    present = set(frame[by])
    items = list(dict.fromkeys([*(order if order is not None else []), *frame[by]]))
    items = [i for i in items if i in present]
    if len(items) <= n:
        return frame, 0
    return frame[frame[by].isin(set(items[:n]))], len(items) - n


def shown_title(title: str, *, shown: int, left_out: int, what: str) -> str | dict[str, str]:
    """Say under a chart's title that it shows the first items only.

    Parameters
    ----------
    title : str
        The chart's title.
    shown, left_out : int
        Items drawn and items left out (:func:`first_of`).
    what : str
        The items and their order, e.g. ``"highest-ranked candidates"``.

    Returns
    -------
    str or dict
        ``title`` when nothing was left out; else a Vega-Lite title with a subtitle, e.g.
        ``{"text": title, "subtitle": "The 40 highest-ranked candidates out of 123; the table
        lists them all."}`` (Altair takes either as ``title=``).
    """
    if not left_out:
        return title
    subtitle = f"The {shown:,} {what} out of {shown + left_out:,}; the table lists them all."
    return {"text": title, "subtitle": subtitle}
