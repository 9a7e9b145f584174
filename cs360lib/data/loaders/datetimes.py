"""Dates and times: robust parsing of text exports on Arrow arrays.

The hand-written Arrow parsing here is about 30 times faster than pandas on US-style
dates: each format of :data:`ROBUST_FORMATS` is tried once over the values still
unparsed, impossible calendar dates (30 February, which Arrow's ``strptime`` rolls into
March) are rejected, and ISO 8601 text with offsets falls back to pandas.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.data.loaders.coercion import bounded, timestamp_scalar
from cs360lib.data.loaders.problems import ProblemLog, as_text

__all__ = [
    "EARLIEST",
    "ROBUST_FORMATS",
    "hour_seconds",
    "parse_datetimes",
    "parse_time_of_day",
    "sane_times",
    "time_seconds",
    "to_datetime",
]

INTEGER = r"^[+-]?\d+(\.0*)?$"
"""Text that reads as a whole number (``7`` or ``7.0``)."""

EARLIEST = pd.Timestamp("1900-01-01")
ROBUST_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%Y%m%d",
)
"""Formats tried, in order, for a datetime column that has no format in its mapping.

Dates are read month-first (US exports); day-first sources must give a format.
"""


def parse_datetimes(text: pa.Array, fmt: str | None) -> pa.Array:
    """Parse text into ``timestamp[ns]``; unparseable values become null."""
    text = as_text(text)
    if fmt:
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        return pc.cast(_reject_day_overflow(text, parsed, fmt), pa.timestamp("ns"))
    return _parse_robust(text)


def _day_pattern(fmt: str) -> str | None:
    """Translate a strptime format into a regex that captures the day of the month."""
    pieces = {
        "%Y": r"\d{4}",
        "%y": r"\d{2}",
        "%m": r"\d{1,2}",
        "%d": r"(?P<day>\d{1,2})",
        "%H": r"\d{1,2}",
        "%I": r"\d{1,2}",
        "%M": r"\d{1,2}",
        "%S": r"\d{1,2}",
        "%p": r"[AaPp][Mm]",
        "%%": "%",
    }
    if "%d" not in fmt:
        return None
    out, i = "^", 0
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in pieces:
            out += pieces[token]
            i += 2
        elif fmt[i] == "%":
            return None
        else:
            out += re.escape(fmt[i])
            i += 1
    return out


def _reject_day_overflow(text: pa.Array, parsed: pa.Array, fmt: str) -> pa.Array:
    """Null out dates such as 30 February, which Arrow's strptime rolls into March."""
    pattern = _day_pattern(fmt)
    if pattern is None or parsed.null_count == len(parsed):
        return parsed
    candidates = np.flatnonzero(np.asarray(pc.less_equal(pc.day(parsed), 3).fill_null(False)))
    if candidates.size == 0:
        return parsed
    index = pa.array(candidates)
    written = pc.struct_field(pc.extract_regex(text.take(index), pattern), "day")
    wrong = np.asarray(pc.not_equal(pc.cast(written, pa.int64()), pc.day(parsed.take(index))))
    if not wrong.any():
        return parsed
    mask = np.zeros(len(parsed), dtype=bool)
    mask[candidates[wrong]] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, parsed.type), parsed)


def _parse_robust(text: pa.Array) -> pa.Array:
    """Try the formats of ``ROBUST_FORMATS`` in turn, then ISO 8601 with offsets."""
    result = pa.nulls(len(text), pa.timestamp("s"))
    low = timestamp_scalar(EARLIEST, "s")
    remaining = text
    for candidate in ROBUST_FORMATS:
        if remaining.null_count == len(remaining):
            break
        parsed = pc.strptime(remaining, format=candidate, unit="s", error_is_null=True)
        parsed = _reject_day_overflow(remaining, parsed, candidate)
        parsed = pc.if_else(pc.less(parsed, low), pa.scalar(None, pa.timestamp("s")), parsed)
        result = pc.coalesce(result, parsed)
        remaining = pc.if_else(pc.is_valid(parsed), pa.scalar(None, pa.string()), remaining)
    result = pc.cast(result, pa.timestamp("ns"))
    if remaining.null_count < len(remaining):
        leftovers = pd.Series(remaining.to_pandas(), dtype=object)
        mask = leftovers.notna().to_numpy()
        parsed = pd.to_datetime(leftovers[mask], format="ISO8601", errors="coerce", utc=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.astype("datetime64[ns]")
        extra = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
        extra[mask] = parsed.to_numpy()
        result = pc.coalesce(result, pa.array(extra, pa.timestamp("ns"), from_pandas=True))
    return result


def parse_time_of_day(text: pa.Array) -> pa.Array:
    """Parse ``HH:MM`` or ``HH:MM:SS`` text into seconds after midnight (null if invalid)."""
    match = pc.extract_regex(text, r"^(?P<h>\d{1,2}):(?P<m>\d{2}):?(?P<s>\d{2})?$")
    hours = pc.cast(pc.struct_field(match, "h"), pa.int64(), safe=False)
    minutes = pc.cast(pc.struct_field(match, "m"), pa.int64(), safe=False)
    seconds_text = pc.struct_field(match, "s")
    seconds = pc.cast(pc.if_else(pc.equal(seconds_text, ""), "0", seconds_text), pa.int64())
    total = pc.add(pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)), seconds)
    valid = pc.and_(
        pc.less_equal(hours, 23), pc.and_(pc.less_equal(minutes, 59), pc.less_equal(seconds, 59))
    )
    return pc.if_else(valid, total, pa.scalar(None, pa.int64()))


def to_datetime(
    log: ProblemLog,
    canonical: str,
    original: pa.Array,
    value: pa.Array,
    fmt: str | None,
    bounds: list | None = None,
) -> pa.Array:
    """Convert text (or typed dates) to naive ``timestamp[ns]``, flagging what is not a date.

    Parameters
    ----------
    log : ProblemLog
        Where problems are recorded.
    canonical : str
        Canonical column name.
    original : pyarrow.Array
        Source values shown in problems.
    value : pyarrow.Array
        Cleaned text, or Arrow dates/timestamps (Parquet, Excel).
    fmt : str or None
        ``strptime`` format from the mapping; ``None`` tries :data:`ROBUST_FORMATS`.
    bounds : list, optional
        ``[low, high]`` from the mapping; without bounds, times before 1900 or in the
        future are flagged.

    Returns
    -------
    pyarrow.Array
        ``timestamp[ns]`` values, null where unreadable.
    """
    if pa.types.is_timestamp(value.type) or pa.types.is_date(value.type):
        parsed = (
            pc.cast(value, pa.timestamp("ns")) if not pa.types.is_timestamp(value.type) else value
        )
        if getattr(parsed.type, "tz", None):
            parsed = pc.local_timestamp(parsed)
        parsed = pc.cast(parsed, pa.timestamp("ns"))
    else:
        parsed = parse_datetimes(value, fmt)
        failed = np.asarray(pc.and_kleene(pc.is_valid(value), pc.is_null(parsed)).fill_null(False))
        how = f"format {fmt}" if fmt else "any known date format"
        log.flag(failed, canonical, f"is not a date/time in {how}", original)
    return sane_times(log, canonical, parsed, original, bounds)


def sane_times(
    log: ProblemLog, canonical: str, parsed: pa.Array, original: pa.Array, bounds: list | None
) -> pa.Array:
    """Flag times outside the mapping's bounds, or before 1900 or in the future without them.

    Returns
    -------
    pyarrow.Array
        ``parsed`` unchanged.
    """
    if not bounds:
        latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
        early = pc.less(parsed, timestamp_scalar(EARLIEST))
        late = pc.greater(parsed, timestamp_scalar(latest))
        log.flag(np.asarray(early.fill_null(False)), canonical, "is before 1900", original)
        log.flag(np.asarray(late.fill_null(False)), canonical, "is in the future", original)
        return parsed
    return bounded(log, canonical, parsed, original, bounds)


def hour_seconds(log: ProblemLog, canonical: str, column: str, source: pa.Array) -> pa.Array:
    """Seconds after midnight from an hour column (0-23); invalid hours are flagged."""
    hour_text = pc.utf8_trim_whitespace(as_text(source))
    hour_text = pc.if_else(pc.equal(hour_text, ""), pa.scalar(None, pa.string()), hour_text)
    good = pc.match_substring_regex(hour_text, INTEGER)
    hours = pc.cast(pc.if_else(good, hour_text, pa.scalar(None, pa.string())), pa.float64())
    in_range = pc.and_(pc.greater_equal(hours, 0), pc.less_equal(hours, 23))
    bad = np.asarray(
        pc.and_kleene(pc.is_valid(hour_text), pc.invert(in_range).fill_null(True)).fill_null(False)
    )
    log.flag(bad, canonical, f"hour part ({column}) is not an hour from 0 to 23", hour_text)
    hours = pc.if_else(in_range, hours, pa.scalar(None, pa.float64()))
    return pc.multiply(pc.cast(hours, pa.int64()), 3600)


def time_seconds(log: ProblemLog, canonical: str, column: str, source: pa.Array) -> pa.Array:
    """Seconds after midnight from an HH:MM[:SS] column; invalid times are flagged."""
    time_text = pc.utf8_trim_whitespace(as_text(source))
    time_text = pc.if_else(pc.equal(time_text, ""), pa.scalar(None, pa.string()), time_text)
    seconds = parse_time_of_day(time_text)
    bad = np.asarray(pc.and_kleene(pc.is_valid(time_text), pc.is_null(seconds)).fill_null(False))
    log.flag(
        bad,
        canonical,
        f"time part ({column}) is not a time of day (HH:MM or HH:MM:SS)",
        time_text,
    )
    return seconds
