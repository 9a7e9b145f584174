"""Helpers shared by the scanning results: plain-language numbers and response ids."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cs360lib.data.schemas import schema_for
from cs360lib.publish.aggregate import top_with_other
from cs360lib.publish.charts import count_axis

RESPONSE_ID = "response_id"
"""Column that identifies one response across coding, sheets and agreement."""

META_COLUMNS = (
    *(c for c in schema_for("interviews").to_schema().columns if c != "response"),
    "rating",
)
"""Columns of the ``interviews`` kind (and an optional numeric ``rating`` from a survey
instrument) kept next to each coded response."""

SECTOR_LABELS = {
    "department": "Department",
    "other_law_enforcement": "Other law enforcement",
    "government": "Government",
    "community": "Community",
}
"""Display names of the four CS360 sectors."""


def share_text(part: int, whole: int) -> str:
    """Write a share for a council-facing sentence ("3 of 12 (25%)"), never nan or inf.

    Parameters
    ----------
    part, whole : int
        Counts.

    Returns
    -------
    str
        ``"3 of 12 (25%)"``; ``"none of 0"`` when ``whole`` is 0; shares under 1% are
        written ``"less than 1%"``.
    """
    if whole <= 0:
        return f"{part} of 0"
    pct = 100.0 * part / whole
    if 0 < pct < 1:
        shown = "less than 1%"
    else:
        shown = f"{pct:.0f}%"
    return f"{part:,} of {whole:,} ({shown})"


def response_ids(frame: pd.DataFrame) -> pd.Series:
    """Return a stable, unique id per response.

    Parameters
    ----------
    frame : pandas.DataFrame
        Responses; a ``response_id`` column is used as is, otherwise ids are made from
        ``interview_id`` and the order of answers within the interview
        (``INT-001/02``), otherwise from the row position (``R000001``).

    Returns
    -------
    pandas.Series of str
        Same index as ``frame``.

    Raises
    ------
    ValueError
        If a given ``response_id`` column repeats an id.
    """
    if RESPONSE_ID in frame.columns:
        ids = frame[RESPONSE_ID].astype(str)
        dupes = ids[ids.duplicated()].unique()
        if len(dupes):
            raise ValueError(
                f"column {RESPONSE_ID!r} repeats ids {', '.join(map(str, dupes[:5]))}; "
                "each response needs its own id."
            )
        return ids
    if "interview_id" in frame.columns:
        interview = frame["interview_id"].astype(str)
        n = interview.groupby(interview, sort=False).cumcount() + 1
        return interview + "/" + n.map("{:02d}".format)
    return pd.Series([f"R{i + 1:06d}" for i in range(len(frame))], index=frame.index)


def hbar(data: pd.DataFrame, *, label: str, value: str, title: str, tooltip: list) -> alt.Chart:
    """Horizontal bar chart, longest bar first (the scanning results' common chart).

    Parameters
    ----------
    data : pandas.DataFrame
        Aggregated rows (one per bar). With more than
        :data:`~cs360lib.publish.aggregate.MAX_BARS` rows, the longest bars are drawn and the
        others are added up in one last bar (:func:`~cs360lib.publish.aggregate.top_with_other`).
    label, value : str
        Columns of the bar names and lengths.
    title : str
        Chart title.
    tooltip : list
        Altair tooltip fields.

    Returns
    -------
    altair.Chart
        The bar chart.
    """
    data = data.assign(**{value: data[value].astype(float)})  # published copies: NA -> NaN
    shown = top_with_other(
        data,
        label=label,
        rank=value,
        other={value: "sum"},
        other_label="{count:,} others, together",
    )
    order: str | list[str] = "-x" if len(shown) == len(data) else list(shown[label])
    return (
        alt.Chart(shown, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", title=None, sort=order),
            x=alt.X(f"{value}:Q", title=value, axis=count_axis()),
            tooltip=[_typed(shown, t) for t in tooltip],
        )
    )


def _typed(data: pd.DataFrame, field: object) -> object:
    """Give a tooltip field its type, which Altair cannot infer from an empty frame."""
    if not isinstance(field, str) or ":" in field or field not in data.columns:
        return field
    numeric = pd.api.types.is_numeric_dtype(data[field])
    return f"{field}:{'Q' if numeric else 'N'}"
