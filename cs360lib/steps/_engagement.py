"""What the problem-solving steps read from an engagement and its loaded sources.

The community-map roster, the chosen problem's events, the rows of a named area, and the
per-period counts of each named area. The counts are a **temporary** helper: the engagement's
count series move to :mod:`cs360lib.data.series` (written in parallel) and the functions that
take ``counts`` accept that module's frames as they are (one row per period and area).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cs360lib.config.engagement import Area, Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.errors import PlanError

__all__ = [
    "PERIOD_FREQ",
    "area_mask",
    "area_period_counts",
    "problem_events",
    "roster",
    "source_of_kind",
]

PERIOD_FREQ = {"month": "M", "week": "W-SUN"}
"""pandas period of each analysis period (calendar months; weeks from Monday to Sunday)."""


def source_of_kind(engagement: Engagement, sources: Mapping[str, LoadResult], kind: str) -> str:
    """Return the name of the engagement's first loaded source of a kind.

    Parameters
    ----------
    engagement : Engagement
        The engagement.
    sources : mapping of str to LoadResult
        Its loaded sources (``load_engagement``).
    kind : str
        A kind (``"stakeholders"``).

    Returns
    -------
    str
        The source name.

    Raises
    ------
    PlanError
        When the engagement has no source of that kind, or it did not load.
    """
    names = [name for name, source in engagement.sources.items() if source.kind == kind]
    loaded = [name for name in names if name in sources]
    if not loaded:
        why = (
            f"source {names[0]!r} did not load" if names else f"the engagement has no {kind} source"
        )
        raise PlanError(
            f"{engagement.path}: {why}; add the {kind} source under `sources:` and load it "
            "with cs.load_engagement(engagement)"
        )
    return loaded[0]


def roster(engagement: Engagement, sources: Mapping[str, LoadResult]) -> pd.DataFrame:
    """Return the stakeholder roster (the community map's rows).

    Parameters
    ----------
    engagement : Engagement
        The engagement.
    sources : mapping of str to LoadResult
        Its loaded sources.

    Returns
    -------
    pandas.DataFrame
        The ``stakeholders`` kind.

    Raises
    ------
    PlanError
        When the engagement has no stakeholders source (the owners and controllers of a plan
        come from it).
    """
    return sources[source_of_kind(engagement, sources, "stakeholders")].data


def _matches(frame: pd.DataFrame, column: str, values: list[str]) -> pd.Series:
    return frame[column].astype("string").isin(values).fillna(False).astype(bool)


def area_mask(frame: pd.DataFrame, area: Area, *, name: str, source: str) -> pd.Series:
    """Return which rows of a source fall in a named area.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of one source.
    area : Area
        The engagement's area (a column and its values).
    name, source : str
        The area's and the source's names, for messages.

    Returns
    -------
    pandas.Series of bool
        Aligned with ``frame``.

    Raises
    ------
    PlanError
        When the source has no column for the area.
    """
    if area.column not in frame.columns:
        raise PlanError(
            f"area {name!r} uses column {area.column!r}, which {source} does not have; "
            f"its columns are {list(frame.columns)}"
        )
    return _matches(frame, area.column, area.values)


def problem_events(
    engagement: Engagement, sources: Mapping[str, LoadResult]
) -> tuple[str, pd.DataFrame]:
    """Return the chosen problem's events: its source, filtered by ``problem.filter``.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``problem`` section).
    sources : mapping of str to LoadResult
        Its loaded sources.

    Returns
    -------
    tuple of (str, pandas.DataFrame)
        The source name and its rows that match every column of the filter, limited to the
        ``analysis`` window when one is set.

    Raises
    ------
    PlanError
        When the engagement has no problem yet, or its source did not load.
    """
    problem = engagement.problem
    if problem is None:
        raise PlanError(
            f"{engagement.path}: no `problem:` section yet; write the problem chosen in "
            "prioritization (title, source, filter) first"
        )
    if problem.source not in sources:
        raise PlanError(
            f"{engagement.path}: problem.source {problem.source!r} did not load; run "
            "cs.load_engagement(engagement) and fix that source first"
        )
    frame = sources[problem.source].data
    keep = pd.Series(True, index=frame.index)
    for column, values in problem.filter.items():
        keep &= _matches(frame, column, values)
    frame = frame[keep]
    time = kind_info(engagement.sources[problem.source].kind).time
    window = engagement.analysis
    if time is not None and time in frame.columns:
        if window.start is not None:
            frame = frame[frame[time] >= pd.Timestamp(window.start)]
        if window.end is not None:
            frame = frame[frame[time] < pd.Timestamp(window.end) + pd.Timedelta(days=1)]
    return problem.source, frame


def area_period_counts(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    areas: list[str],
) -> pd.DataFrame:
    """Count the problem's events per analysis period in each named area (temporary helper).

    Parameters
    ----------
    engagement : Engagement
        The engagement: problem, areas and ``analysis`` (period, start, end).
    sources : mapping of str to LoadResult
        Its loaded sources.
    areas : list of str
        Names from ``engagement.areas``.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (start of the month or week), ``area`` (the area's name) and
        ``count``; every period from ``analysis.start`` (else the first event's period) to
        ``analysis.end`` (else the last event's), zeros included.

    Raises
    ------
    PlanError
        When the problem's source has no time column or no events, or an area's column is
        not in it.
    """
    name, events = problem_events(engagement, sources)
    time = kind_info(engagement.sources[name].kind).time
    if time is None or time not in events.columns:
        raise PlanError(f"{name} has no time column: the problem cannot be counted per period")
    if events.empty:
        raise PlanError(
            f"no {name} match the problem's filter {engagement.problem.filter} in the "  # type: ignore[union-attr]
            "analysis window: check problem.filter and analysis.start/end"
        )
    freq = PERIOD_FREQ[engagement.analysis.period]
    when = events[time].dt.to_period(freq).dt.start_time
    first = pd.Timestamp(engagement.analysis.start) if engagement.analysis.start else when.min()
    last = pd.Timestamp(engagement.analysis.end) if engagement.analysis.end else when.max()
    periods = pd.period_range(first, last, freq=freq).start_time
    frames = []
    for area in areas:
        mask = area_mask(events, engagement.areas[area], name=area, source=name)
        counts = when[mask].value_counts().reindex(periods, fill_value=0)
        frames.append(
            pd.DataFrame({"period": periods, "area": area, "count": counts.to_numpy(dtype=int)})
        )
    return pd.concat(frames, ignore_index=True)
