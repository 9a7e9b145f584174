"""Checks shared by the analysis functions: columns, time windows and coordinates.

Every analysis takes a typed frame as the loaders produce it (see
:mod:`cs360lib.data.schemas`) and refuses unusable input with an
:class:`~cs360lib.errors.AnalysisInputError` that names the column, the window or the
setting and says what to do. Rows an analysis cannot use (no place, no coordinates, no
time) are never dropped silently: the helpers return how many were left out so the
result can say so in its ``warnings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cs360lib.data.columns import distinct_text
from cs360lib.errors import AnalysisInputError

__all__ = [
    "TIME_COLUMNS",
    "Located",
    "area_names",
    "check_columns",
    "check_frame",
    "in_window",
    "located",
    "time_column",
]

TIME_COLUMNS: tuple[str, ...] = ("occurred_at", "received_at", "arrested_at", "period", "start")
"""The event-time column of each kind (incidents, calls, arrests, partner metrics, actions)."""


def check_frame(events: object, what: str = "events") -> pd.DataFrame:
    """Return ``events`` if it is a non-empty DataFrame, else raise.

    Parameters
    ----------
    events : object
        The frame handed to an analysis function.
    what : str
        How the frame is named in messages ("incidents", "calls").

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    AnalysisInputError
        When ``events`` is not a DataFrame or has no rows.
    """
    if not isinstance(events, pd.DataFrame):
        raise AnalysisInputError(
            f"{what} must be a pandas DataFrame as the loaders return it (LoadResult.data), "
            f"got {type(events).__name__}"
        )
    if events.empty:
        raise AnalysisInputError(
            f"the {what} frame has no rows: load a source with events (check the filter and "
            "the loader's rejected rows)"
        )
    return events


def check_columns(events: pd.DataFrame, columns: Sequence[str], what: str = "events") -> None:
    """Raise unless every column in ``columns`` is in ``events``.

    Parameters
    ----------
    events : pandas.DataFrame
        The frame to check.
    columns : sequence of str
        Columns the analysis needs.
    what : str
        How the frame is named in messages.

    Raises
    ------
    AnalysisInputError
        Naming the missing columns and the columns present.
    """
    missing = [c for c in columns if c not in events.columns]
    if missing:
        present = ", ".join(map(str, events.columns[:20]))
        more = " ..." if len(events.columns) > 20 else ""
        raise AnalysisInputError(
            f"the {what} frame has no column {', '.join(repr(c) for c in missing)} (columns "
            f"present: {present}{more}); map the source column to it in the mapping, or pass "
            "the name of a column that exists"
        )


def area_names(column: pd.Series) -> list[str]:
    """List every area of an area column: all categories of a categorical, else the values.

    A categorical column (as the loaders make ``district`` and ``beat``) lists its areas
    with or without events, so an area with none still shows as 0; other columns give the
    sorted distinct values present.

    Parameters
    ----------
    column : pandas.Series
        The area column.

    Returns
    -------
    list of str
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return sorted(distinct_text(column))


def time_column(events: pd.DataFrame, time_col: str | None, what: str = "events") -> str:
    """Resolve the event-time column: ``time_col`` if given, else the kind's own column.

    Parameters
    ----------
    events : pandas.DataFrame
        The frame.
    time_col : str or None
        Column name, or None to use the first of :data:`TIME_COLUMNS` present.
    what : str
        How the frame is named in messages.

    Returns
    -------
    str

    Raises
    ------
    AnalysisInputError
        When the column is missing, is not a date-time column, or none can be found.
    """
    if time_col is None:
        found = [c for c in TIME_COLUMNS if c in events.columns]
        if not found:
            raise AnalysisInputError(
                f"the {what} frame has no event-time column (looked for "
                f"{', '.join(TIME_COLUMNS)}); pass time_col="
            )
        time_col = found[0]
    check_columns(events, [time_col], what)
    if not pd.api.types.is_datetime64_any_dtype(events[time_col]):
        raise AnalysisInputError(
            f"column {time_col!r} of the {what} frame holds {events[time_col].dtype}, not date-"
            "times: load the source with the loaders (they parse dates) or convert it with "
            "pandas.to_datetime"
        )
    return time_col


def _timestamp(value: object, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name}={value!r} is not a date") from exc
    if ts is pd.NaT:
        raise AnalysisInputError(f"{name}={value!r} is not a date")
    return ts


def in_window(
    events: pd.DataFrame,
    time_col: str,
    start: object = None,
    end: object = None,
    what: str = "events",
) -> pd.DataFrame:
    """Rows of ``events`` with ``start <= time <= end`` (an ``end`` date includes its whole day).

    Parameters
    ----------
    events : pandas.DataFrame
        The frame.
    time_col : str
        Its date-time column.
    start, end : date-like or None
        Window bounds; None leaves that side open. A date without a time as ``end`` means
        the end of that day.
    what : str
        How the frame is named in messages.

    Returns
    -------
    pandas.DataFrame
        The rows inside the window (a view when no bound is given).

    Raises
    ------
    AnalysisInputError
        When the window is inverted or holds no events (the message gives the data's range).
    """
    lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
    if hi is not None and hi == hi.normalize():
        hi = hi + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    if lo is not None and hi is not None and hi < lo:
        raise AnalysisInputError(f"the window ends ({end}) before it starts ({start})")
    t = events[time_col]
    keep = t.notna()
    if lo is not None:
        keep &= t >= lo
    if hi is not None:
        keep &= t <= hi
    out = events.loc[keep.to_numpy()] if (lo is not None or hi is not None) else events
    out = out.loc[out[time_col].notna().to_numpy()]
    if out.empty:
        first, last = t.min(), t.max()
        span = (
            f"the data run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
            if pd.notna(first)
            else "no row has a time"
        )
        raise AnalysisInputError(
            f"no {what} between {start or 'the start'} and {end or 'the end'} in column "
            f"{time_col!r} ({span}); choose a window inside the data"
        )
    return out


@dataclass(frozen=True)
class Located:
    """Rows with usable coordinates and how many rows had none.

    Attributes
    ----------
    frame : pandas.DataFrame
        Rows whose ``lat`` and ``lon`` are finite, in range and not the (0, 0) placeholder.
    n_missing : int
        Rows left out for want of coordinates.
    """

    frame: pd.DataFrame
    n_missing: int

    def warning(self, what: str = "events") -> list[str]:
        """Return the sentence to put in ``warnings`` when rows were left out (empty otherwise)."""
        if not self.n_missing:
            return []
        total = len(self.frame) + self.n_missing
        return [
            f"{self.n_missing:,} of {total:,} {what} ({self.n_missing / total:.1%}) have no "
            "usable coordinates (missing or 0, 0) and are left out of the map analysis"
        ]


def located(events: pd.DataFrame, what: str = "events", *, minimum: int = 1) -> Located:
    """Split ``events`` into rows with usable WGS84 coordinates and a count of the others.

    Parameters
    ----------
    events : pandas.DataFrame
        Frame with ``lat`` and ``lon`` columns (WGS84 degrees).
    what : str
        How the frame is named in messages.
    minimum : int
        Fewest located rows the caller can work with.

    Returns
    -------
    Located

    Raises
    ------
    AnalysisInputError
        When ``lat``/``lon`` are missing (the message says which analyses work without
        them) or fewer than ``minimum`` rows have coordinates.
    """
    if "lat" not in events.columns or "lon" not in events.columns:
        raise AnalysisInputError(
            f"the {what} frame has no lat/lon columns: hot spots and near repeats need "
            "coordinates. Map the source's latitude and longitude columns to lat and lon, or "
            "analyse by beat or block address (concentration, repeats) without a map"
        )
    lat = pd.to_numeric(events["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lon = pd.to_numeric(events["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = (
        np.isfinite(lat)
        & np.isfinite(lon)
        & (np.abs(lat) <= 90)
        & (np.abs(lon) <= 180)
        & ~((lat == 0) & (lon == 0))
    )
    n_ok = int(ok.sum())
    if n_ok < minimum:
        raise AnalysisInputError(
            f"only {n_ok} of {len(events):,} {what} have usable coordinates (lat/lon), fewer "
            f"than the {minimum} needed: geocode the source or analyse by beat or block address"
        )
    return Located(events.loc[ok], int(len(events) - n_ok))
