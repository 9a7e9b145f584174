"""Time alignment for evaluations: periods from a time column, and where a response starts.

Rules (docs/evaluate.md, "Time alignment"):

- Time-zone-aware timestamps are converted to the given time zone (the engagement's) before
  periods are formed; without one, a zone's own wall time is kept, except that UTC times off
  midnight are refused (their wall time is usually not the local day or month).
- Weekly data may be labelled by the week's first or last day. ``label="start" | "end"``
  declares it; undeclared, labels that all fall on a Sunday are read as week ends (pandas'
  ``resample("W")`` default, weeks Monday to Sunday) and any other weekday as week starts.
- A response that starts on a date is assigned to the **first period that lies wholly under
  it**: the first period whose first day is on or after the start. A start inside a month makes
  the next month the first "after" period (the partly treated month counts as before).
- ``pandas.Period`` values (in the time column or as the start) are read by their first day.
- Text dates written day first (``DD/MM/YYYY``) get a message that names the format.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.errors import EvaluationInputError

__all__ = [
    "NAIVE_NS",
    "TimeIndex",
    "first_period_from",
    "first_period_starts_at",
    "first_period_under",
    "infer_kind",
    "parse_time",
    "to_naive_datetime",
]

_DAY = np.timedelta64(1, "D")
NAIVE_NS = np.dtype("datetime64[ns]")
"""Dtype of naive nanosecond datetimes (the usual time column)."""
_TEXT_ISO = re.compile(r"^\s*\d{4}-\d{1,2}(?:-\d{1,2})?(?:[ T][\d:.]*)?\s*$")
_TEXT_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)\s*$")
_TEXT_DMY = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[\sT].*)?$")


def rows_text(labels: Any, limit: int = 8) -> str:
    """Format a few row labels or periods for an error message."""
    labels = list(labels)
    shown = ", ".join(str(v) for v in labels[:limit])
    if len(labels) > limit:
        shown += f", ... ({len(labels)} in all)"
    return shown


@dataclass(frozen=True)
class TimeIndex:
    """Integer period keys for a time column (consecutive periods differ by 1).

    Attributes
    ----------
    kind : str
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"year"`` or ``"number"``.
    step, origin : float
        For numeric time: the spacing of periods and the value of key 0.
    day0 : int
        For weeks: the weekday offset of the weeks' first days (days since 1970-01-01, mod 7).
    label : str
        For weeks: whether the data's labels are the weeks' first (``"start"``) or last
        (``"end"``) days.
    """

    kind: str
    step: float = 1.0
    origin: float = 0.0
    day0: int = 0
    label: str = "start"
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def dated(self) -> bool:
        """Whether the periods are calendar periods (not plain numbers)."""
        return self.kind != "number"

    @property
    def default_period(self) -> float | None:
        """Seasonal period implied by the spacing (12 for months, 52 for weeks, 7 for days)."""
        return {"month": 12.0, "quarter": 4.0, "week": 52.0, "day": 7.0}.get(self.kind)

    def keys(self, starts: np.ndarray) -> np.ndarray:
        """Period keys of period-start values (naive ``datetime64`` or numbers)."""
        if self.kind == "number":
            return (np.asarray(starts, dtype=float) - self.origin) / self.step
        dt = np.asarray(starts).astype("datetime64[D]", copy=False)
        if self.kind == "month":
            return dt.astype("datetime64[M]").astype(np.int64).astype(float)
        if self.kind == "quarter":
            return np.floor_divide(dt.astype("datetime64[M]").astype(np.int64), 3).astype(float)
        if self.kind == "year":
            return dt.astype("datetime64[Y]").astype(np.int64).astype(float)
        days = dt.astype(np.int64).astype(float)
        if self.kind == "week":
            return np.floor((days - self.day0) / 7.0)
        return days

    def start(self, key: Any) -> Any:
        """First day of periods (``datetime64[D]``; numbers for numeric time).

        A scalar key gives a scalar.
        """
        k = np.asarray(key, dtype=np.int64)
        if self.kind == "number":
            out = self.origin + k * self.step
        elif self.kind == "month":
            out = k.astype("datetime64[M]").astype("datetime64[D]")
        elif self.kind == "quarter":
            out = (3 * k).astype("datetime64[M]").astype("datetime64[D]")
        elif self.kind == "year":
            out = k.astype("datetime64[Y]").astype("datetime64[D]")
        elif self.kind == "week":
            out = (7 * k + self.day0).astype("datetime64[D]")
        else:
            out = k.astype("datetime64[D]")
        return out[()] if out.ndim == 0 else out

    def end(self, key: Any) -> Any:
        """Day after the last day of periods (``datetime64[D]``)."""
        return self.start(np.asarray(key, dtype=np.int64) + 1)

    def label_of(self, key: float) -> str:
        """Human label of a period key, for messages and summaries."""
        if self.kind == "number":
            return f"{self.origin + key * self.step:g}"
        k = int(key)
        if self.kind == "month":
            return f"{1970 + k // 12:04d}-{k % 12 + 1:02d}"
        if self.kind == "quarter":
            return f"{1970 + k // 4:04d}Q{k % 4 + 1}"
        if self.kind == "year":
            return str(1970 + k)
        if self.kind == "week":
            first = self.start(k)
            return f"week {first} to {first + 6 * _DAY}"
        return str(self.start(k))

    def span(self, first: float, last: float) -> str:
        """Human label of a run of periods from ``first`` to ``last`` (keys)."""
        if first == last:
            return self.label_of(first)
        if self.kind == "week":
            return f"{self.start(first)} to {self.end(last) - _DAY}"
        return f"{self.label_of(first)} to {self.label_of(last)}"


# --------------------------------------------------------------------------------------------
# time values
# --------------------------------------------------------------------------------------------


def _check_zone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        zoneinfo.ZoneInfo(str(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise EvaluationInputError(
            f"timezone={timezone!r} is not a time zone name; use an IANA name such as "
            "'America/Chicago'"
        ) from exc


def to_naive_datetime(
    values: pd.Series, *, name: str, timezone: str | None
) -> tuple[pd.Series, list[str]]:
    """Local wall times (naive) of a datetime column, converting time-zone-aware values.

    Parameters
    ----------
    values : pandas.Series
        Datetime values, naive or time-zone-aware.
    name : str
        Column name, for messages.
    timezone : str, optional
        IANA zone to convert aware values to (the engagement's ``timezone``).

    Returns
    -------
    tuple of (pandas.Series, list of str)
        Naive datetimes and notes on what was converted.

    Raises
    ------
    EvaluationInputError
        For UTC values off midnight with no ``timezone`` given.
    """
    notes: list[str] = []
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        return values, notes
    zone = str(values.dt.tz)
    if timezone is not None:
        notes.append(f"Times in column {name!r} were converted from {zone} to {timezone}.")
        return values.dt.tz_convert(timezone).dt.tz_localize(None), notes
    naive = values.dt.tz_localize(None)
    if zone in ("UTC", "UTC+00:00", "tzutc()", "Etc/UTC") or zone.endswith("+00:00"):
        off = naive != naive.dt.normalize()
        if off.any():
            example = values[off.to_numpy()].iloc[0]
            raise EvaluationInputError(
                f"time column {name!r} holds UTC times off midnight (e.g. {example}): periods "
                "formed on UTC wall time put evening events into the next day or month. Pass "
                "timezone= (the engagement's time zone, e.g. 'America/Chicago') to convert them"
            )
    return naive, notes


def _parse_text(values: pd.Series, name: str) -> pd.Series:
    """Parse text dates, refusing day-first ``DD/MM/YYYY`` with a message that says so."""
    text = values.astype(str)
    parts = text.str.extract(_TEXT_DMY)
    matched = parts[0].notna()
    if matched.mean() > 0.5:
        first = parts.loc[matched, 0].astype(int)
        second = parts.loc[matched, 2].astype(int)
        sep = parts.loc[matched, 1].iloc[0]
        if (first > 12).any() or (first.nunique() == 1 and second.nunique() > 1):
            example = text[matched][first > 12].iloc[0] if (first > 12).any() else text.iloc[0]
            raise EvaluationInputError(
                f"time column {name!r} holds dates written day first (DD{sep}MM{sep}YYYY, e.g. "
                f"{example!r}), which are read month first by default and come out as wrong "
                "or missing periods. Convert them explicitly, e.g. "
                f"pd.to_datetime(data[{name!r}], format='%d{sep}%m{sep}%Y'), or write dates as "
                "YYYY-MM-DD"
            )
        if not ((second > 12).any() or (second.nunique() == 1 and first.nunique() > 1)):
            raise EvaluationInputError(
                f"time column {name!r} holds dates like {text.iloc[0]!r} where day and month "
                "cannot be told apart (both at most 12). Convert them explicitly with "
                f"pd.to_datetime(data[{name!r}], format=...) or write dates as YYYY-MM-DD"
            )
        fmt = f"%m{sep}%d{sep}%Y"
        try:
            return pd.to_datetime(text.str.slice(0, 10).str.strip(), format=fmt)
        except (TypeError, ValueError):
            pass
    # text with UTC offsets (which may change with daylight saving) is read as UTC instants
    offsets = bool(text.str.contains(_TEXT_OFFSET).mean() > 0.5)
    try:
        return pd.to_datetime(values, utc=offsets)
    except (TypeError, ValueError) as exc:
        bad = pd.to_datetime(values, errors="coerce").isna() & values.notna()
        example = values[bad.to_numpy()].iloc[0] if bad.any() else values.iloc[0]
        raise EvaluationInputError(
            f"time column {name!r} must hold dates or numbers; could not read {example!r} as a date"
        ) from exc


def infer_kind(days: np.ndarray) -> str:
    """Kind of periods (day, week, month, quarter, year) from the spacing of days (int64)."""
    diffs = days[1:] - days[:-1]
    if len(diffs) == 0 or not bool((diffs > 0).all()):  # unsorted or repeated days
        uniq = np.unique(days)
        if len(uniq) < 2:
            return "month"
        diffs = np.diff(uniq)
    shortest, longest = float(diffs.min()), float(diffs.max())
    kind = _kind_of_spacing(shortest, shortest)
    if _kind_of_spacing(longest, shortest) == kind:
        return kind  # the median spacing lies between the two: it gives the same kind
    half = len(diffs) // 2
    return _kind_of_spacing(float(np.partition(diffs, half)[half]), shortest)


def _kind_of_spacing(median: float, shortest: float) -> str:
    """Kind of periods from the median and the shortest spacing in days (in kind order)."""
    if median < 1.5:
        return "day"
    if median < 10:
        return "week" if shortest >= 6.5 else "day"
    if median < 45:
        return "month"
    return "quarter" if median < 135 else "year"


@dataclass(frozen=True)
class ParsedTime:
    """A parsed time column: display labels, period starts and the time index."""

    labels: np.ndarray  # naive datetime64[ns] labels as given (converted), or numbers
    starts: np.ndarray  # first day of each row's period (datetime64[D]) or numbers
    tindex: TimeIndex
    notes: list[str]


def parse_time(
    column: pd.Series, *, name: str, timezone: str | None = None, label: str | None = None
) -> ParsedTime:
    """Read a time column into period starts and a :class:`TimeIndex`.

    Parameters
    ----------
    column : pandas.Series
        Dates (naive or aware), ``pandas.Period`` values, date text or evenly spaced numbers.
    name : str
        Column name, for messages.
    timezone : str, optional
        IANA zone that aware timestamps are converted to.
    label : {"start", "end"}, optional
        Whether weekly labels are the weeks' first or last days (detected when omitted:
        Sundays are read as week ends, pandas' ``resample("W")``; other weekdays as starts).

    Returns
    -------
    ParsedTime

    Raises
    ------
    EvaluationInputError
        Unreadable or day-first text dates, UTC times off midnight without a ``timezone``,
        or an unknown ``label``.
    """
    if label not in (None, "start", "end"):
        raise EvaluationInputError(f"label must be 'start', 'end' or None, not {label!r}")
    _check_zone(timezone)
    notes: list[str] = []
    col = column
    if col.dtype == NAIVE_NS:  # the common case first: naive datetimes
        labels = col.values  # the column's own datetime64[ns] array (what to_numpy() gives)
        days = labels.astype("datetime64[D]")
        kind = infer_kind(days.view(np.int64))
        if kind != "week":
            return ParsedTime(labels, days, TimeIndex(kind), notes)
    if isinstance(col.dtype, pd.PeriodDtype):
        starts = col.dt.start_time.to_numpy().astype("datetime64[D]")
        labels = col.dt.start_time.to_numpy()
        freq = col.dt.freq
        kind = _kind_of_freq(freq.name if hasattr(freq, "name") else str(freq))
        kind = kind or infer_kind(starts.astype(np.int64))
        day0 = int(starts.astype(np.int64).min()) % 7 if kind == "week" else 0
        return ParsedTime(labels, starts, TimeIndex(kind, day0=day0), notes)
    if pd.api.types.is_bool_dtype(col.dtype):
        raise EvaluationInputError(
            f"time column {name!r} must hold dates or numbers, not True/False"
        )
    if pd.api.types.is_numeric_dtype(col.dtype):
        arr = col.to_numpy(dtype=float)
        uniq = np.unique(arr)
        step = float(np.min(np.diff(uniq))) if len(uniq) > 1 else 1.0
        origin = float(uniq[0]) if len(uniq) else 0.0
        return ParsedTime(arr, arr, TimeIndex("number", step=step, origin=origin), notes)
    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        if col.map(lambda v: isinstance(v, pd.Period)).all():
            return parse_time(
                pd.Series(pd.PeriodIndex(col), index=col.index),
                name=name,
                timezone=timezone,
                label=label,
            )
        col = _parse_text(col, name)
    col, tz_notes = to_naive_datetime(col, name=name, timezone=timezone)
    notes.extend(tz_notes)
    labels = col.to_numpy().astype("datetime64[ns]")
    days = labels.astype("datetime64[D]")
    kind = infer_kind(days.astype(np.int64))
    starts = days
    if kind == "week":
        weekdays = set(((days.astype(np.int64) + 3) % 7).tolist())  # 0 = Monday
        use = label
        if use is None:
            use = "end" if weekdays == {6} else "start"
            if use == "end":
                notes.append(
                    f"Weekly labels in {name!r} all fall on Sundays and were read as the last "
                    "day of each week (pandas' resample('W') labels weeks Monday to Sunday by "
                    "their end); pass label='start' if they are the first days."
                )
        if use == "end":
            starts = days - 6 * _DAY
        day0 = int(starts.astype(np.int64).min()) % 7
        return ParsedTime(labels, starts, TimeIndex("week", day0=day0, label=use), notes)
    return ParsedTime(labels, starts, TimeIndex(kind), notes)


def _kind_of_freq(freq: str) -> str | None:
    head = freq.split("-")[0].upper()
    return {
        "D": "day",
        "B": None,
        "W": "week",
        "M": "month",
        "ME": "month",
        "MS": "month",
        "Q": "quarter",
        "QE": "quarter",
        "QS": "quarter",
        "Y": "year",
        "YE": "year",
        "A": "year",
        "YS": "year",
    }.get(head)


def as_timestamp(value: Any, *, name: str, timezone: str | None) -> pd.Timestamp:
    """Read a date given as text, datetime, ``Period`` or timestamp as naive local time.

    Raises
    ------
    EvaluationInputError
        When ``value`` is not a date.
    """
    if isinstance(value, pd.Period):
        return value.start_time
    if type(value) is pd.Timestamp and value.tzinfo is None:
        return value
    try:
        if isinstance(value, str) and not _TEXT_ISO.match(value):
            parsed = _parse_text(pd.Series([value]), name).iloc[0]
            ts = pd.Timestamp(parsed)
        else:
            ts = pd.Timestamp(value)
    except (TypeError, ValueError, EvaluationInputError) as exc:
        raise EvaluationInputError(f"{name}={_short(value)} is not a date") from exc
    if ts is pd.NaT:
        raise EvaluationInputError(f"{name}={_short(value)} is not a date")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(timezone).tz_localize(None) if timezone else ts.tz_localize(None)
    return ts


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def first_period_under(tindex: TimeIndex, when: Any, *, name: str, timezone: str | None) -> float:
    """Key of the first period that lies wholly under a response starting at ``when``.

    For dated periods that is the first period whose first day is on or after ``when`` (a start
    inside a period moves to the next one); for numeric time ``when`` must be one of the values.

    Raises
    ------
    EvaluationInputError
        When ``when`` is not a date (dated periods) or not a period value (numeric time).
    """
    if not tindex.dated:
        if isinstance(when, str | pd.Timestamp | pd.Period | np.datetime64) or (
            hasattr(when, "year") and hasattr(when, "month")
        ):
            raise EvaluationInputError(
                f"{name}={_short(when)} but the time column is numeric; give a value of the "
                "time column"
            )
        try:
            k = (float(when) - tindex.origin) / tindex.step
        except (TypeError, ValueError) as exc:
            raise EvaluationInputError(
                f"{name}={_short(when)} is not a value of the (numeric) time column"
            ) from exc
        if abs(k - round(k)) > 1e-8:
            raise EvaluationInputError(
                f"{name}={when!r} is not one of the periods of the time column (values start "
                f"at {tindex.origin:g} with step {tindex.step:g})"
            )
        return float(round(k))
    return first_period_from(tindex, as_timestamp(when, name=name, timezone=timezone))


_NS_PER_DAY = 86_400_000_000_000
_EPOCH = datetime.date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()


def first_period_starts_at(tindex: TimeIndex, key: float, ts: pd.Timestamp) -> bool:
    """Whether the (dated) period ``key`` starts exactly at the naive time ``ts``."""
    if tindex.kind == "day":
        first_day = int(key)
    elif tindex.kind == "month":
        k = int(key)
        first_day = datetime.date(1970 + k // 12, k % 12 + 1, 1).toordinal() - _EPOCH_ORDINAL
    else:
        first_day = int(np.asarray(tindex.start(key)).astype(np.int64))
    return first_day * _NS_PER_DAY == int(ts.value)


def first_period_from(tindex: TimeIndex, ts: pd.Timestamp) -> float:
    """Key of the first (dated) period whose first day is on or after the naive time ``ts``."""
    days, rest = divmod(int(ts.value), _NS_PER_DAY)
    if rest:  # a start during a day: the next day is the first wholly under it
        days += 1
    if tindex.kind == "day":
        return float(days)
    if tindex.kind == "month":  # the month of that day, or the next one unless it is the 1st
        date = _EPOCH + datetime.timedelta(days=days)
        return float((date.year - 1970) * 12 + date.month - 1 + (date.day > 1))
    day = np.datetime64(days, "D")
    k = float(tindex.keys(np.array([day]))[0])
    if tindex.start(k) < day:
        k += 1
    return k


def day_shares(
    tindex: TimeIndex,
    keys: np.ndarray,
    ranges: list[tuple[Any, Any]],
    *,
    name: str,
    timezone: str | None,
) -> np.ndarray:
    """Share of each period's days that lie inside any of the date ranges (inclusive ends).

    Parameters
    ----------
    tindex : TimeIndex
        The series' time index (dated).
    keys : numpy.ndarray
        Period keys of the rows.
    ranges : list of (start, end)
        Date ranges, both ends included; an end of None runs to the last period.
    name : str
        Name of the intervention, for messages.
    timezone : str, optional
        Zone that aware dates are converted to.

    Returns
    -------
    numpy.ndarray
        Share in [0, 1] for each row (1 for a period wholly inside the ranges).
    """
    first = tindex.start(keys.min())
    last = tindex.end(keys.max())
    n_days = int((last - first) / _DAY)
    on = np.zeros(n_days, dtype=bool)
    for i, item in enumerate(ranges):
        try:
            lo, hi = item
        except (TypeError, ValueError) as exc:
            raise EvaluationInputError(
                f"intervention {name!r}: range {i + 1} must be a (start, end) pair of dates, "
                f"got {_short(item)}"
            ) from exc
        a = np.datetime64(
            as_timestamp(lo, name=f"{name} range {i + 1} start", timezone=timezone).floor("D"), "D"
        )
        b = (
            last - _DAY
            if hi is None
            else np.datetime64(
                as_timestamp(hi, name=f"{name} range {i + 1} end", timezone=timezone).floor("D"),
                "D",
            )
        )
        if b < a:
            raise EvaluationInputError(
                f"intervention {name!r}: range {i + 1} ends ({b}) before it starts ({a})"
            )
        i0 = max(0, int((a - first) / _DAY))
        i1 = min(n_days, int((b - first) / _DAY) + 1)
        if i1 > i0:
            on[i0:i1] = True
    starts = ((tindex.start(keys) - first) / _DAY).astype(np.int64)
    ends = ((tindex.end(keys) - first) / _DAY).astype(np.int64)
    csum = np.concatenate([[0], np.cumsum(on)])
    return (csum[ends] - csum[starts]) / (ends - starts)
