"""What every part of the review shares: the review date, the words and the marks.

The review judges each measure with one rule, the same in every table, chart and sentence:
a change is **clear** when its interval excludes no change; a clear change in the measure's
better direction is marked **better**, in the other direction **worse**, and anything else
**no clear change**. A measure without a better direction (most outputs) is marked by its
direction alone (**higher** or **lower**); a record that is not an estimate (the actions log)
is **not tested**.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cs360lib.config.engagement import Engagement, Metric, Response
from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.evaluate._results import NO_UPPER_LIMIT, change_words

__all__ = [
    "BETTER_BY_KIND",
    "MARKS",
    "MARK_COLOURS",
    "better_direction",
    "change_direction",
    "date_text",
    "mark_of",
    "natural_sorted",
    "norm",
    "ratio_interval_words",
    "response_end",
    "review_date",
    "same_name",
]

MARKS: tuple[str, ...] = ("better", "worse", "no clear change", "higher", "lower", "not tested")
"""Every mark a measure can get, in the order the charts list them."""

MARK_COLOURS: dict[str, str] = {
    "better": "#1a9850",
    "worse": "#d73027",
    "no clear change": "#9e9e9e",
    "higher": "#4c78a8",
    "lower": "#72b7b2",
    "not tested": "#d9d9d9",
}
"""One colour per mark (green better, red worse, grey no clear change), in every chart."""

BETTER_BY_KIND: dict[str, str] = {
    "incidents": "lower",
    "calls": "lower",
    "arrests": "lower",
    "partner_metrics": "lower",
    "survey": "higher",
}
"""Better direction of an *outcome* by its source's kind when the metric does not say: fewer
crimes, calls and partner-recorded harms (overdoses, complaints); higher survey scores (safety,
trust). Outputs have none unless the metric writes ``better:``."""


def natural_sorted(values: Iterable[object]) -> list[str]:
    """Sort names as a person would: ``["9", "10", "11"]``, ``["E2", "E10"]``."""
    return sorted(
        (str(v) for v in values),
        key=lambda v: [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", v)],
    )


def norm(text: object) -> str:
    """Fold a name for comparison: case and runs of spaces ignored."""
    return " ".join(str(text).split()).casefold()


def same_name(first: object, second: object) -> bool:
    """Tell whether two organisation names are the same, or one names a part of the other.

    ``"Sampleton Police Department - East District"`` is a part of ``"Sampleton Police
    Department"``: a name that starts with the other followed by a separator counts.
    """
    a, b = norm(first), norm(second)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and bool(re.match(r"[\s\-,:(/]", long[len(short) :]))


def better_direction(metric: Metric, kind: str) -> str | None:
    """Return which way is better for a metric: ``"lower"``, ``"higher"`` or None.

    Parameters
    ----------
    metric : Metric
        The engagement's metric (its ``better`` when written, and its ``type``).
    kind : str
        The kind of its source.

    Returns
    -------
    str or None
        The metric's ``better``; else for an outcome :data:`BETTER_BY_KIND`; else None.
    """
    if metric.better is not None:
        return metric.better
    if metric.type == "outcome":
        return BETTER_BY_KIND.get(kind)
    return None


def change_direction(low: float, high: float, null: float) -> str | None:
    """Return ``"lower"`` or ``"higher"`` when an interval excludes ``null``, else None."""
    if not (np.isfinite(low) or np.isfinite(high)):
        return None
    if high < null:
        return "lower"
    if low > null:
        return "higher"
    return None


def mark_of(direction: str | None, better: str | None) -> str:
    """Turn a clear direction and the better direction into a mark of :data:`MARKS`.

    Parameters
    ----------
    direction : {"lower", "higher"} or None
        The direction of a clear change (None: no clear change).
    better : {"lower", "higher"} or None
        Which way is better for the measure (None: no judgement).

    Returns
    -------
    str
        ``"better"``, ``"worse"``, ``"no clear change"``, or the direction itself for a
        measure without a better direction.
    """
    if direction is None:
        return "no clear change"
    if better is None:
        return direction
    return "better" if direction == better else "worse"


def ratio_interval_words(low: float, high: float) -> str:
    """Say the interval of a rate ratio as changes: "from 73% lower to 6% higher"."""
    if not np.isfinite(high):
        return f"from {change_words(low)}, {NO_UPPER_LIMIT}"
    return f"from {change_words(low)} to {change_words(high)}"


def date_text(value: object) -> str:
    """Format a date for a sentence: ``"1 April 2023"``."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return f"{stamp.day} {stamp:%B %Y}"


def review_date(engagement: Engagement, sources: Mapping[str, LoadResult]) -> pd.Timestamp:
    """Return the last day the review covers.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``analysis.end``).
    sources : mapping of str to LoadResult
        Its loaded sources.

    Returns
    -------
    pandas.Timestamp
        ``analysis.end`` when set; else the latest date of the loaded sources that have a
        time column (never after today).
    """
    if engagement.analysis.end is not None:
        return pd.Timestamp(engagement.analysis.end)
    latest = []
    for result in sources.values():
        time = kind_info(result.kind).time
        if time is not None and time in result.data.columns and len(result.data):
            value = result.data[time].max()
            if pd.notna(value):
                latest.append(pd.Timestamp(value).normalize())
    today = pd.Timestamp(dt.date.today())
    return min(max(latest), today) if latest else today


def response_end(response: Response, as_of: pd.Timestamp) -> pd.Timestamp:
    """Return the last day of a response the review covers (its end, or the review date)."""
    if response.end is None:
        return as_of
    return min(pd.Timestamp(response.end), as_of)
