"""When events happen: hour by weekday, monthly seasonality and aoristic weighting.

- :func:`hour_weekday`: counts by hour of the day and day of the week (the "temporal heat
  map" of crime analysis; Boba Santos 2017, ch. 9).
- :func:`seasonality`: a seasonal index per calendar month, the month's average daily
  count over the average daily count of the whole period (1.2 means 20% busier than an
  average month), so that short and long months compare fairly.
- :func:`aoristic`: for events known only within a window (a burglary found on return:
  ``from`` and ``to`` times) each event's weight of one is spread over the hours of the
  week its window touches (Ratcliffe 2002), shown beside the naive count at the start
  time, which piles such events on the hour the victim left.

References
----------
Boba Santos, R. (2017). *Crime analysis with crime mapping* (4th ed.). Sage.
Ratcliffe, J. H. (2002). Aoristic signatures and the spatio-temporal analysis of high volume
crime patterns. *Journal of Quantitative Criminology*, 18(1), 23-43.
Ashby, M. P. J., & Bowers, K. J. (2013). A comparison of methods for temporal analysis of
aoristic crime. *Crime Science*, 2(1), 1 (weights proportional to the time in each unit).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import count_text, num, share_text
from ._input import check_columns, check_frame, in_window, time_column

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "WEEKDAYS",
    "AoristicResult",
    "HourWeekdayResult",
    "SeasonalityResult",
    "aoristic",
    "hour_weekday",
    "seasonality",
]

WEEKDAYS: tuple[str, ...] = tuple(calendar.day_name)
"""Monday first, as ISO 8601 and pandas number them."""

_HOURS_PER_WEEK = 168
_EPOCH_WEEK_OFFSET = 3 * 24  # 1970-01-01 was a Thursday (weekday 3)


def _hour_of_week(t: pd.Series) -> np.ndarray:
    return (t.dt.dayofweek.to_numpy() * 24 + t.dt.hour.to_numpy()).astype(np.int64)


def _long(week: np.ndarray, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "weekday": np.repeat(WEEKDAYS, 24),
            "hour": np.tile(np.arange(24), 7),
            name: week,
        }
    )


def _heat(data: pd.DataFrame, value: str, title: str, facet: str | None = None) -> alt.Chart:
    import altair as alt

    chart = (
        alt.Chart(data, title=title)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of the day"),
            y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=None),
            color=alt.Color(f"{value}:Q", title="Events", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday:N", title="Day"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip(f"{value}:Q", title="Events", format=",.1f"),
            ],
        )
        .properties(width=420, height=170)
    )
    if facet:
        chart = chart.facet(row=alt.Row(f"{facet}:N", title=None, sort="descending"))
    return chart


def _peak(week: np.ndarray) -> str:
    k = int(np.argmax(week))
    day, hour = WEEKDAYS[k // 24], k % 24
    return f"{day}s {hour:02d}:00-{(hour + 1) % 24:02d}:00"


def _busiest_hours(week: np.ndarray) -> str:
    by_hour = week.reshape(7, 24).sum(axis=0)
    k = int(np.argmax(by_hour))
    return f"{k:02d}:00-{(k + 1) % 24:02d}:00"


@dataclass(frozen=True)
class HourWeekdayResult(Result):
    """Result of :func:`hour_weekday`.

    Attributes
    ----------
    counts : pandas.DataFrame
        7 rows (Monday first) by 24 columns (hours 0-23) of event counts.

    Its warnings include many events at exactly midnight (a time entered as unknown).
    """

    counts: pd.DataFrame
    labels = {"day": "Day"}

    @property
    def n_events(self) -> int:
        """Events counted."""
        return int(self.counts.to_numpy().sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per weekday and hour: ``weekday, hour, events, share``."""
        week = self.counts.to_numpy().ravel()
        return _long(week, "events").assign(share=week / max(week.sum(), 1))

    def table(self) -> PresentationTable:
        """Return the counts by weekday (rows) and hour (columns ``00`` to ``23``)."""
        out = self.counts.copy()
        out.columns = [f"{h:02d}" for h in out.columns]
        return presentation_table(out.reset_index(names="day"), labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary."""
        week = self.counts.to_numpy().ravel().astype(float)
        by_day = self.counts.sum(axis=1)
        evening = week.reshape(7, 24)[:, 18:24].sum()
        text = (
            f"Of {count_text(self.n_events, 'event')}, the busiest hour of the week was "
            f"{_peak(week)} and the busiest hour of the day overall {_busiest_hours(week)}. "
            f"The busiest day was {by_day.idxmax()} ({share_text(by_day.max(), week.sum())} of "
            f"events) and the quietest {by_day.idxmin()}. "
            f"{share_text(evening, week.sum())} happened between 18:00 and midnight."
        )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Heat map of events by hour and weekday."""
        return _heat(self.to_frame(), "events", title or "Events by hour and day of the week")


def hour_weekday(
    events: pd.DataFrame,
    *,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> HourWeekdayResult:
    """Count events by hour of the day and day of the week.

    Parameters
    ----------
    events : pandas.DataFrame
        Events as the loaders produce them.
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    HourWeekdayResult

    Raises
    ------
    AnalysisInputError
        For a missing time column or a window without events.
    """
    events = check_frame(events)
    tcol = time_column(events, time_col)
    events = in_window(events, tcol, start, end)
    t = events[tcol]
    week = np.bincount(_hour_of_week(t), minlength=_HOURS_PER_WEEK)
    notes: list[str] = []
    midnight = int(((t.dt.hour == 0) & (t.dt.minute == 0) & (t.dt.second == 0)).sum())
    if len(t) >= 50 and midnight / len(t) > 3 / (24 * 60):
        notes.append(
            f"{share_text(midnight, len(t))} of events are recorded at exactly 00:00, far more "
            "than chance: the time was probably unknown and the date alone entered. The "
            "midnight hour is inflated; read it with care."
        )
    counts = pd.DataFrame(week.reshape(7, 24), index=pd.Index(WEEKDAYS), columns=range(24))
    return HourWeekdayResult(counts=counts, warnings=notes)


@dataclass(frozen=True)
class SeasonalityResult(Result):
    """Result of :func:`seasonality`.

    Attributes
    ----------
    monthly : pandas.DataFrame
        One row per complete month: ``month`` (first day), ``events``, ``days``,
        ``daily_rate``.
    index : pandas.DataFrame
        One row per calendar month: ``month`` (name), ``events``, ``days``, ``daily_rate``
        and ``index`` (daily rate over the overall daily rate).
    """

    monthly: pd.DataFrame
    index: pd.DataFrame
    labels = {
        "month": "Month",
        "events": "Events",
        "daily_rate": "Events per day",
        "index": "Seasonal index",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the seasonal index per calendar month."""
        return self.index.copy()

    def table(self) -> PresentationTable:
        """Return the seasonal index per calendar month ("not available" without data)."""
        t = self.index
        out = pd.DataFrame(
            {
                "month": t["month"],
                "events": t["events"],
                "daily_rate": [num(v) for v in t["daily_rate"]],
                "index": [num(v) for v in t["index"]],
            }
        )
        return presentation_table(out, labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary."""
        t = self.index.dropna(subset=["index"])
        hi, lo = t.loc[t["index"].idxmax()], t.loc[t["index"].idxmin()]
        years = len(self.monthly) / 12
        text = (
            f"Over {len(self.monthly)} complete months ({years:.1f} years), the busiest month "
            f"was {hi['month']}, {abs(hi['index'] - 1):.0%} above an average month, and the "
            f"quietest {lo['month']}, {abs(1 - lo['index']):.0%} below (counts per day, so "
            "short months compare fairly)."
        )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Seasonal index per calendar month, with the average (1) as a rule."""
        import altair as alt

        t = self.index.dropna(subset=["index"])
        order = list(calendar.month_name)[1:]
        bars = (
            alt.Chart(t, title=title or "Seasonality (1 = an average month)")
            .mark_bar()
            .encode(
                x=alt.X("month:N", sort=order, title=None),
                y=alt.Y("index:Q", title="Seasonal index"),
                tooltip=[
                    alt.Tooltip("month:N", title="Month"),
                    alt.Tooltip("index:Q", title="Index", format=".2f"),
                ],
            )
        )
        rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color="#333333").encode(y="y:Q")
        return bars + rule


def seasonality(
    events: pd.DataFrame,
    *,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> SeasonalityResult:
    """Seasonal index per calendar month from complete months of data.

    The index of a calendar month is its events per day (over every year's instance of the
    month) divided by the events per day of all complete months; a month missing from the
    data has no index. Partial first and last months are left out, since a month with a
    few days of data would look quiet.

    Parameters
    ----------
    events : pandas.DataFrame
        Events as the loaders produce them.
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    SeasonalityResult

    Raises
    ------
    AnalysisInputError
        For a missing time column, a window without events, or no complete month.
    """
    events = check_frame(events)
    tcol = time_column(events, time_col)
    events = in_window(events, tcol, start, end)
    t = events[tcol]
    first = pd.Timestamp(start).normalize() if start is not None else t.min().normalize()
    last = pd.Timestamp(end).normalize() if end is not None else t.max().normalize()
    m0 = first if first.day == 1 else (first + pd.offsets.MonthBegin(1))
    m_end = last + pd.Timedelta(days=1)
    m1 = m_end if m_end.day == 1 else (m_end - pd.offsets.MonthBegin(1))
    months = pd.date_range(m0, m1, freq="MS", inclusive="left")
    if len(months) == 0:
        raise AnalysisInputError(
            f"the events from {first:%Y-%m-%d} to {last:%Y-%m-%d} cover no complete month: "
            "seasonality needs at least a full month (better, two full years)"
        )
    period = t.dt.to_period("M").dt.to_timestamp()
    counts = period.value_counts().reindex(months, fill_value=0)
    monthly = pd.DataFrame(
        {
            "month": months,
            "events": counts.to_numpy(dtype=int),
            "days": months.days_in_month.to_numpy(),
        }
    )
    monthly["daily_rate"] = monthly["events"] / monthly["days"]
    overall = monthly["events"].sum() / monthly["days"].sum()
    by = monthly.groupby(monthly["month"].dt.month)[["events", "days"]].sum()
    by = by.reindex(range(1, 13))
    index = pd.DataFrame(
        {
            "month": list(calendar.month_name)[1:],
            "events": by["events"].fillna(0).astype(int).to_numpy(),
            "days": by["days"].fillna(0).astype(int).to_numpy(),
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        index["daily_rate"] = np.where(index["days"] > 0, index["events"] / index["days"], np.nan)
    index["index"] = index["daily_rate"] / overall if overall > 0 else np.nan
    notes: list[str] = []
    if len(months) < 24:
        notes.append(
            f"Only {len(months)} complete months: with less than two years each month's index "
            "rests on one or two instances and mixes season with trend."
        )
    missing = index.loc[index["days"] == 0, "month"].tolist()
    if missing:
        notes.append(f"No complete data for {', '.join(missing)}: no index for them.")
    return SeasonalityResult(monthly=monthly, index=index, warnings=notes)


@dataclass(frozen=True)
class AoristicResult(Result):
    """Result of :func:`aoristic`.

    Attributes
    ----------
    naive : pandas.DataFrame
        7 x 24 counts at the start ("from") time.
    weighted : pandas.DataFrame
        7 x 24 aoristic weights (each event's weight of one spread over its window).
    method : str
        "ratcliffe" (equal shares of the hours touched) or "proportional" (shares by the
        time spent in each hour).
    n_windows : int
        Events with a window longer than an hour.
    """

    naive: pd.DataFrame
    weighted: pd.DataFrame
    method: str
    n_windows: int
    labels = {
        "hour": "Hour",
        "naive": "At the start time",
        "aoristic": "Spread over the window (aoristic)",
    }

    @property
    def n_events(self) -> int:
        """Events counted."""
        return int(round(self.naive.to_numpy().sum()))

    def to_frame(self) -> pd.DataFrame:
        """One row per weekday and hour: ``weekday, hour, naive, aoristic``."""
        return _long(self.naive.to_numpy().ravel(), "naive").assign(
            aoristic=self.weighted.to_numpy().ravel()
        )

    def by_hour(self) -> pd.DataFrame:
        """Naive and aoristic totals per hour of the day (all weekdays)."""
        return pd.DataFrame(
            {
                "hour": np.arange(24),
                "naive": self.naive.sum(axis=0).to_numpy(),
                "aoristic": self.weighted.sum(axis=0).to_numpy(),
            }
        )

    def table(self) -> PresentationTable:
        """Return the naive and aoristic counts per hour of the day (:meth:`by_hour`)."""
        h = self.by_hour()
        h["hour"] = [f"{k:02d}:00-{(k + 1) % 24:02d}:00" for k in h["hour"]]
        h["naive"] = h["naive"].round().astype(int)
        return presentation_table(h, labels=self.labels, precision=1)

    def summary(self) -> str:
        """Plain-language summary comparing the naive and the aoristic peak."""
        naive = self.naive.to_numpy().ravel()
        weighted = self.weighted.to_numpy().ravel()
        text = (
            f"{count_text(self.n_events, 'event')}, {self.n_windows:,} of them known only "
            "within a window of time. Counted at the earliest possible time, the busiest "
            f"hour of the day is {_busiest_hours(naive)}; spreading each event over its "
            f"window (aoristic method, Ratcliffe 2002) it is {_busiest_hours(weighted)}."
        )
        if _busiest_hours(naive) != _busiest_hours(weighted):
            text += (
                " The two differ: for events known only within a window the start time is "
                "merely the earliest possible time, so the aoristic profile is the better guide "
                "for patrols and prevention."
            )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Two heat maps, naive above aoristic, on one colour scale."""
        f = self.to_frame()
        both = pd.concat(
            [
                f.assign(method="At the start time", value=f["naive"]),
                f.assign(method="Aoristic (spread over the window)", value=f["aoristic"]),
            ],
            ignore_index=True,
        )[["weekday", "hour", "method", "value"]]
        return _heat(both, "value", title or "Naive and aoristic time profiles", facet="method")


def _spread(
    h0: np.ndarray, h1: np.ndarray, w_first: np.ndarray, w_mid: np.ndarray, w_last: np.ndarray
) -> np.ndarray:
    """Add weights into 168 hour-of-week bins for hour runs ``h0..h1`` (absolute hours).

    The first and last hours get ``w_first`` and ``w_last``; each hour strictly between
    gets ``w_mid``. Runs of any length are folded onto the week without expanding them.
    """
    out = np.zeros(_HOURS_PER_WEEK)
    b0 = (h0 + _EPOCH_WEEK_OFFSET) % _HOURS_PER_WEEK
    b1 = (h1 + _EPOCH_WEEK_OFFSET) % _HOURS_PER_WEEK
    np.add.at(out, b0, w_first)
    multi = h1 > h0
    np.add.at(out, b1[multi], w_last[multi])
    n_mid = np.where(multi, h1 - h0 - 1, 0)
    full, rest = np.divmod(n_mid, _HOURS_PER_WEEK)
    out += float((full * w_mid).sum())
    start = (b0 + 1) % _HOURS_PER_WEEK
    has = rest > 0
    if has.any():
        # a run of `rest` bins from `start`, wrapping around the week: difference array
        diff = np.zeros(_HOURS_PER_WEEK + 1)
        s, r, w = start[has], rest[has], w_mid[has]
        end = s + r
        wrap = end > _HOURS_PER_WEEK
        np.add.at(diff, s, w)
        np.add.at(diff, np.minimum(end, _HOURS_PER_WEEK), -w)
        np.add.at(diff, np.zeros(int(wrap.sum()), dtype=int), w[wrap])
        np.add.at(diff, end[wrap] - _HOURS_PER_WEEK, -w[wrap])
        out += np.cumsum(diff)[:_HOURS_PER_WEEK]
    return out


def aoristic(
    events: pd.DataFrame,
    *,
    end_col: str,
    start_col: str | None = None,
    method: str = "ratcliffe",
    max_window: pd.Timedelta | str | None = None,
    start: object = None,
    end: object = None,
) -> AoristicResult:
    """Aoristic hour-by-weekday profile beside the naive count at the start time.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with a start ("from", the earliest possible time) and an end ("to", the
        latest possible time) column.
    end_col : str
        The "to" column (date-time). Missing values mean the time is exact.
    start_col : str, optional
        The "from" column; by default the kind's event time (``occurred_at``).
    method : {"ratcliffe", "proportional"}, default "ratcliffe"
        "ratcliffe": an equal share to every hour the window touches (Ratcliffe 2002);
        "proportional": shares by the minutes of the window in each hour (Ashby & Bowers
        2013).
    max_window : timedelta-like, optional
        Windows longer than this carry almost no information on timing; such events are
        left out of the aoristic profile (and counted in ``warnings``). Kept by default.
    start, end : date-like, optional
        Window of analysis on the start time.

    Returns
    -------
    AoristicResult

    Raises
    ------
    AnalysisInputError
        For missing columns, a window without events, or a bad setting.
    """
    events = check_frame(events)
    scol = time_column(events, start_col)
    check_columns(events, [end_col])
    time_column(events, end_col)
    if method not in ("ratcliffe", "proportional"):
        raise AnalysisInputError(f"method must be 'ratcliffe' or 'proportional', got {method!r}")
    events = in_window(events, scol, start, end)
    t0 = events[scol]
    t1 = events[end_col].where(events[end_col].notna(), t0)
    notes: list[str] = []
    backwards = (t1 < t0).to_numpy()
    if backwards.any():
        notes.append(
            f"{int(backwards.sum()):,} events end before they start ({end_col} earlier than "
            f"{scol}); they are counted at the start time only"
        )
    t1 = t1.where(~backwards, t0)
    keep = np.ones(len(events), dtype=bool)
    if max_window is not None:
        limit = pd.Timedelta(max_window)
        keep = ((t1 - t0) <= limit).to_numpy()
        if (~keep).any():
            notes.append(
                f"{int((~keep).sum()):,} events with a window longer than {limit} are left out "
                "of the aoristic profile (they are in the start-time count)"
            )
    naive = np.bincount(_hour_of_week(t0), minlength=_HOURS_PER_WEEK).astype(float)
    ns0 = t0.to_numpy(dtype="datetime64[ns]").astype(np.int64)[keep]
    ns1 = t1.to_numpy(dtype="datetime64[ns]").astype(np.int64)[keep]
    hour_ns = 3_600_000_000_000
    h0, h1 = ns0 // hour_ns, ns1 // hour_ns
    if method == "ratcliffe":
        w = 1.0 / (h1 - h0 + 1)
        weighted = _spread(h0, h1, w, w, w)
    else:
        dur = (ns1 - ns0).astype(float)
        point = dur == 0
        safe = np.where(point, 1.0, dur)
        first = np.where(h1 > h0, ((h0 + 1) * hour_ns - ns0) / safe, 1.0)
        last = np.where(h1 > h0, (ns1 - h1 * hour_ns) / safe, 0.0)
        mid = hour_ns / safe
        weighted = _spread(h0, h1, np.where(point, 1.0, first), mid, last)
    n_windows = int(((t1 - t0) > pd.Timedelta(hours=1)).sum())
    if n_windows == 0:
        notes.append(
            f"No event has a window longer than an hour in {end_col!r}: the aoristic profile "
            "equals the start-time count."
        )
    shape = (7, 24)
    idx, cols = pd.Index(WEEKDAYS), range(24)
    return AoristicResult(
        naive=pd.DataFrame(naive.reshape(shape), index=idx, columns=cols),
        weighted=pd.DataFrame(weighted.reshape(shape), index=idx, columns=cols),
        method=method,
        n_windows=n_windows,
        warnings=notes,
    )
