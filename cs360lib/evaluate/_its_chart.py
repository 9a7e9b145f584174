"""The ITS chart: observations, fitted model, counterfactual, the response; aggregated first.

Every layer is drawn from one frame of at most :data:`MAX_POINTS` rows: longer series (and the
comparison groups' line of a panel) are averaged into consecutive blocks of periods before
plotting, so a chart never hands Altair more than a few thousand rows (its limit is 5,000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from ._its_result import ITSResult

__all__ = ["MAX_POINTS", "block_average", "its_chart"]

MAX_POINTS = 1000
"""Most periods drawn per chart layer; longer series are averaged into blocks."""


def block_average(
    frame: pd.DataFrame, max_points: int = MAX_POINTS, *, first: tuple[str, ...] = ("time",)
) -> pd.DataFrame:
    """Average consecutive rows into at most ``max_points`` blocks.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in plotting order (time, or the x axis).
    max_points : int
        Most rows returned.
    first : tuple of str
        Columns that take the block's first value (labels, times); other numeric or boolean
        columns are averaged (booleans become shares), other columns take the first value too.

    Returns
    -------
    pandas.DataFrame
        The frame itself (re-indexed) when short enough; else one row per block.
    """
    if len(frame) <= max_points:
        return frame.reset_index(drop=True)
    block = int(np.ceil(len(frame) / max_points))
    key = np.arange(len(frame)) // block
    grouped = frame.groupby(key)
    out = {}
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(
            frame[col]
        )
        if col in first or not numeric:
            out[col] = grouped[col].first().to_numpy()
        else:
            out[col] = grouped[col].mean().to_numpy()
    return pd.DataFrame(out)


def _comparison(res: ITSResult) -> np.ndarray:
    """Return the comparison groups' mean per period, aligned with the treated series."""
    d = res._data
    others = ~d.series_mask
    comp = pd.Series(d.y[others]).groupby(d.keys[others]).mean()
    return comp.reindex(d.keys[d.series_mask]).to_numpy()


def its_chart(res: ITSResult, *, title: str | None, width: int, height: int) -> alt.LayerChart:
    """Draw an ITS result (see :meth:`ITSResult.chart`)."""
    import altair as alt

    from cs360lib.publish.charts import PALETTE

    navy, orange, grey = PALETTE[0], PALETTE[1], PALETTE[7]
    cf = res.counterfactual[
        ["time", "post", "observed", "fitted", "counterfactual", "cf_low", "cf_high"]
    ].copy()
    if res.panel:
        cf["comparison"] = _comparison(res)
    cf = block_average(cf)
    cf["post"] = cf["post"].astype(float)
    steps = [i for i in res.interventions if i.kind == "step"]
    cf["segment"] = np.where(cf["post"] > 0.5, "after", "before")
    ttype = "T" if pd.api.types.is_datetime64_any_dtype(cf["time"]) else "Q"
    x = alt.X(f"time:{ttype}", title=res.time)
    base = alt.Chart(cf).encode(x=x)
    under = alt.datum.post > 0
    points = base.mark_point(filled=True, size=30, color=grey).encode(
        y=alt.Y("observed:Q", title=res.outcome),
        tooltip=[alt.Tooltip(f"time:{ttype}"), alt.Tooltip("observed:Q", format=",.2f")],
    )
    layers: list[alt.Chart] = []
    if steps:
        band = (
            base.transform_filter(under)
            .mark_area(opacity=0.15, color=orange)
            .encode(y="cf_low:Q", y2="cf_high:Q")
        )
        dashed = (
            base.transform_filter(under)
            .mark_line(color=orange, strokeDash=[6, 4], strokeWidth=2)
            .encode(y="counterfactual:Q")
        )
        fitted = base.mark_line(color=navy, strokeWidth=2).encode(y="fitted:Q", detail="segment:N")
        first = cf.loc[cf["post"] > 0, "time"].iloc[0]
        rule = (
            alt.Chart(pd.DataFrame({"time": [first]}))
            .mark_rule(color="black", strokeDash=[2, 2])
            .encode(x=x)
        )
        layers = [band, points, fitted, dashed, rule]
        subtitle = (
            "dots: observed; solid line: model; dashed: expected without the response "
            "(shaded: its interval); dotted rule: start of the response"
        )
    else:
        marks = (
            base.transform_filter(under)
            .mark_tick(color=orange, thickness=2)
            .encode(y=alt.value(height - 4))
        )
        dashed = base.mark_line(color=orange, strokeDash=[6, 4], strokeWidth=1.5).encode(
            y="counterfactual:Q"
        )
        fitted = base.mark_line(color=navy, strokeWidth=1.5).encode(y="fitted:Q")
        layers = [points, dashed, fitted, marks]
        subtitle = (
            "dots: observed; solid line: model; dashed: expected without the response; "
            "orange ticks: periods under the response"
        )
    if len(res.counterfactual) > len(cf):
        subtitle += f"; averages of {int(np.ceil(len(res.counterfactual) / len(cf)))} periods"
    if res.panel:
        comp_line = base.mark_line(color=grey, strokeWidth=1, opacity=0.6).encode(y="comparison:Q")
        layers.insert(1, comp_line)
        subtitle += "; grey line: comparison groups' mean"
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            title or f"{res.outcome}: before and after the response", subtitle=subtitle
        ),
        width=width,
        height=height,
    )
