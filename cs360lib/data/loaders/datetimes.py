"""Dates and times: robust parsing of text exports on Arrow arrays, and time zones.

The hand-written Arrow parsing here is about 30 times faster than pandas on US-style
dates: each format of :data:`ROBUST_FORMATS` is tried once over the values still
unparsed, impossible calendar dates (30 February, which Arrow's ``strptime`` rolls into
March) are rejected, and other ISO 8601 text (fractional seconds) falls back to pandas.

Time zones. Every datetime is stored as naive local time of the department. A value
that carries a UTC offset (``Z``, ``UTC``, ``+00``, ``-0600``, ``-06:00``: ArcGIS and
many REST exports write UTC) is converted to the load's time zone (the mapping's
``timezone``, else the engagement's) with pandas and the standard library's
:mod:`zoneinfo`, then stored as local wall time; offsets may change within a file
(``-06:00`` in winter, ``-05:00`` in summer). With offsets and no time zone known, the
whole file is refused (:class:`~cs360lib.errors.LoadError` naming the column, two
example values and the key to set). An offset that cannot be read (``+25:00``, a name
such as ``CST``, which is ambiguous) is a problem of that value, like any bad date.

Local times written without an offset need no conversion. When the time zone is known,
the local times that a daylight-saving change makes impossible or ambiguous follow
Python's own rule (PEP 495, ``fold=0``), and are counted in the load's summary:

- a time in the hour skipped when clocks spring forward (02:30 on 10 March 2024 in
  America/Chicago) is read with the offset in force before the change, so it moves
  forward by the length of the gap (to 03:30);
- a time in the hour repeated when clocks fall back (01:30 on 3 November 2024) is kept
  as written and read as its first occurrence (daylight time).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.data.loaders.coercion import bounded, timestamp_scalar
from cs360lib.data.loaders.problems import ProblemLog, as_text
from cs360lib.errors import LoadError

__all__ = [
    "EARLIEST",
    "OFFSET_PATTERN",
    "ROBUST_FORMATS",
    "hour_seconds",
    "parse_datetimes",
    "parse_time_of_day",
    "resolve_local_times",
    "sane_times",
    "time_seconds",
    "to_datetime",
]

OFFSET_PATTERN = (
    r"^(?P<local>.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp][Mm])?)"
    r"\s*(?P<offset>[Zz]|[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{2,5})$"
)
"""A time of day followed by a UTC offset or a zone name (``Z``, ``-06:00``, ``+00``, ``CST``)."""

_NUMERIC_OFFSET = r"^(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?$"
_UTC_NAMES = ("Z", "UTC", "GMT")
_NOT_ZONES = ("AM", "PM")
MAX_OFFSET_HOURS = 14
"""Offsets in use run from UTC-12:00 to UTC+14:00."""

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
    """Try the formats of ``ROBUST_FORMATS`` in turn, then other ISO 8601 text with pandas.

    Text that ends in a UTC offset is left unparsed here (null): :func:`to_datetime`
    reads it with its offset, never as if it were local time.
    """
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
        offset = pc.match_substring_regex(remaining, OFFSET_PATTERN)
        remaining = pc.if_else(offset, pa.scalar(None, pa.string()), remaining)
    if remaining.null_count < len(remaining):
        leftovers = pd.Series(remaining.to_pandas(), dtype=object)
        mask = leftovers.notna().to_numpy()
        parsed = pd.to_datetime(leftovers[mask], format="ISO8601", errors="coerce", utc=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # pragma: no cover - offsets held back
            parsed = pd.Series(pd.NaT, index=parsed.index)
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
    *,
    zone: str | None = None,
    source: str | None = None,
) -> pa.Array:
    """Convert text (or typed dates) to naive local ``timestamp[ns]``, flagging what is not a date.

    Parameters
    ----------
    log : ProblemLog
        Where problems and adjustments are recorded.
    canonical : str
        Canonical column name.
    original : pyarrow.Array
        Source values shown in problems.
    value : pyarrow.Array
        Cleaned text, or Arrow dates/timestamps (Parquet, Excel).
    fmt : str or None
        ``strptime`` format from the mapping (a ``%z`` in it is read as described in
        the module docstring); ``None`` tries :data:`ROBUST_FORMATS`.
    bounds : list, optional
        ``[low, high]`` from the mapping; without bounds, times before 1900 or in the
        future are flagged.
    zone : str, optional
        IANA time zone of the department; values with a UTC offset are converted to it.
    source : str, optional
        Source column name, for messages.

    Returns
    -------
    pyarrow.Array
        ``timestamp[ns]`` values (naive local time), null where unreadable.

    Raises
    ------
    LoadError
        If values carry a UTC offset (or a typed column a time zone) and ``zone`` is None.
    """
    if pa.types.is_timestamp(value.type) or pa.types.is_date(value.type):
        if getattr(value.type, "tz", None):
            if zone is None:
                _no_zone(log, canonical, source, as_text(original).drop_null()[:2].to_pylist())
            parsed = _to_zone(value, zone)
            log.note(canonical, f"carried a time zone and were converted to {zone}", len(value))
        else:
            parsed = pc.cast(value, pa.timestamp("ns"))
            parsed = resolve_local_times(log, canonical, parsed, zone)
        return sane_times(log, canonical, parsed, original, bounds)
    local_format = fmt.replace("%z", "").rstrip() if fmt else fmt
    parsed = parse_datetimes(value, local_format)
    parsed = resolve_local_times(log, canonical, parsed, zone)
    leftover = np.asarray(pc.and_kleene(pc.is_valid(value), pc.is_null(parsed)).fill_null(False))
    if leftover.any():
        converted = _with_offsets(
            log, canonical, original, value, leftover, local_format, zone, source
        )
        if converted is not None:
            parsed = pc.coalesce(parsed, converted)
    already = log.flagged.get(canonical, np.zeros(len(value), dtype=bool))
    failed = np.asarray(pc.and_kleene(pc.is_valid(value), pc.is_null(parsed)).fill_null(False))
    how = f"format {fmt}" if fmt else "any known date format"
    log.flag(failed & ~already, canonical, f"is not a date/time in {how}", original)
    return sane_times(log, canonical, parsed, original, bounds)


def _with_offsets(
    log: ProblemLog,
    canonical: str,
    original: pa.Array,
    value: pa.Array,
    leftover: np.ndarray,
    fmt: str | None,
    zone: str | None,
    source: str | None,
) -> pa.Array | None:
    """Read the leftover values that end in a UTC offset; convert them to ``zone``.

    Returns the converted local times (null elsewhere), or None when no value has an offset.
    """
    positions = np.flatnonzero(leftover)
    text = as_text(value).take(pa.array(positions))
    parts = pc.extract_regex(text, OFFSET_PATTERN)
    offset = pc.utf8_upper(pc.struct_field(parts, "offset"))
    offset = pc.if_else(
        pc.is_in(offset, value_set=pa.array(_NOT_ZONES)), pa.scalar(None, pa.string()), offset
    )
    if offset.null_count == len(offset):
        return None
    local = pc.if_else(pc.is_valid(offset), pc.struct_field(parts, "local"), None)
    seconds = _offset_seconds(offset)
    local_times = parse_datetimes(local, fmt)
    readable = pc.and_(pc.is_valid(seconds), pc.is_valid(local_times)).fill_null(False)
    unreadable = pc.and_(pc.is_valid(offset), pc.is_null(seconds)).fill_null(False)
    bad = np.zeros(len(value), dtype=bool)
    bad[positions[np.asarray(unreadable)]] = True
    log.flag(
        bad,
        canonical,
        "has a UTC offset or time zone that cannot be read (offsets run from -12:00 to "
        "+14:00; names such as CST are ambiguous: export UTC or an offset like -06:00)",
        original,
    )
    good = np.asarray(readable)
    if not good.any():
        return None
    if zone is None:
        examples = pc.unique(text.filter(pa.array(good))).to_pylist()
        _no_zone(log, canonical, source, examples[:2])
    utc = pc.subtract(
        pc.cast(local_times.filter(pa.array(good)), pa.int64()),
        pc.multiply(pc.cast(seconds.filter(pa.array(good)), pa.int64()), 1_000_000_000),
    )
    stamps = pa.array(utc, pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    converted = _to_zone(stamps, zone)
    result = np.full(len(value), np.datetime64("NaT"), dtype="datetime64[ns]")
    result[positions[good]] = converted.to_numpy(zero_copy_only=False)
    log.note(canonical, f"carried a UTC offset and were converted to {zone} local time", good.sum())
    return pa.array(result, pa.timestamp("ns"), from_pandas=True)


def _offset_seconds(offset: pa.Array) -> pa.Array:
    """Seconds east of UTC of ``Z``, ``+00``, ``-0600``, ``-06:00``; null when unreadable."""
    numeric = pc.extract_regex(offset, _NUMERIC_OFFSET)
    hours = pc.cast(pc.struct_field(numeric, "hours"), pa.int64(), safe=False)
    minutes_text = pc.struct_field(numeric, "minutes")
    minutes = pc.cast(pc.if_else(pc.equal(minutes_text, ""), "0", minutes_text), pa.int64())
    sign = pc.if_else(pc.equal(pc.struct_field(numeric, "sign"), "-"), -1, 1)
    seconds = pc.multiply(sign, pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)))
    valid = pc.and_(pc.less_equal(hours, MAX_OFFSET_HOURS), pc.less(minutes, 60))
    seconds = pc.if_else(valid, seconds, pa.scalar(None, pa.int64()))
    utc = pc.is_in(offset, value_set=pa.array(_UTC_NAMES))
    return pc.if_else(utc, pa.scalar(0, pa.int64()), seconds)


def _to_zone(stamps: pa.Array, zone: str) -> pa.Array:
    """Convert zone-aware timestamps to naive wall time in ``zone`` (pandas, the zone by name)."""
    series = pd.Series(stamps.to_pandas())
    local = series.dt.tz_convert(zone).dt.tz_localize(None)  # by name: vectorized
    return pa.array(local.astype("datetime64[ns]").to_numpy(), pa.timestamp("ns"), from_pandas=True)


def _no_zone(log: ProblemLog, canonical: str, source: str | None, examples: list) -> None:
    """Refuse a file whose times carry offsets when no time zone is known."""
    names = log.raw.file_names
    files = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    column = f"column {source or canonical!r}" + (
        f" ({canonical})" if source and source != canonical else ""
    )
    shown = ", ".join(repr(e) for e in examples)
    raise LoadError(
        f"{files}: {column} holds times with a UTC offset or time zone (e.g. {shown}) but no "
        "time zone is known to turn them into local time. Set timezone in the mapping "
        "(e.g. timezone: America/Chicago) or info.timezone in the engagement file, or pass "
        "timezone= to load().",
        file=files,
    )


def resolve_local_times(
    log: ProblemLog, canonical: str, parsed: pa.Array, zone: str | None
) -> pa.Array:
    """Apply the daylight-saving rule to naive local times (see the module docstring).

    Parameters
    ----------
    log : ProblemLog
        Where the adjustments are counted.
    canonical : str
        Canonical column name.
    parsed : pyarrow.Array
        Naive ``timestamp[ns]`` local times.
    zone : str or None
        IANA time zone; ``None`` leaves the times as they are.

    Returns
    -------
    pyarrow.Array
        The times, those in a spring-forward gap moved forward by the gap (PEP 495).
    """
    if zone is None or parsed.null_count == len(parsed):
        return parsed
    tz = zoneinfo.ZoneInfo(zone)
    index = pd.DatetimeIndex(parsed.to_numpy(zero_copy_only=False))
    # the zone by name: pandas localizes with its vectorized transition table; with a
    # ZoneInfo object it calls utcoffset() once per row (34 s instead of 0.2 s for a
    # million rows, docs/performance.md)
    strict = index.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    odd = np.asarray(strict.isna() & index.notna())
    if not odd.any():
        return parsed
    positions = np.flatnonzero(odd)
    forward = index[positions].tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    in_gap = np.asarray(forward.notna())
    log.note(
        canonical,
        f"occurred twice in {zone} (clocks fell back) and were kept as written, read as "
        "the first occurrence (daylight time)",
        int((~in_gap).sum()),
    )
    if not in_gap.any():
        return parsed
    values = index.to_numpy().copy()
    for position in positions[in_gap]:
        wall = pd.Timestamp(values[position]).to_pydatetime(warn=False).replace(tzinfo=tz)
        moved = wall.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        values[position] = np.datetime64(moved, "ns")
    log.note(
        canonical,
        f"did not exist in {zone} (clocks sprang forward) and were moved forward by the "
        "length of the change (PEP 495)",
        int(in_gap.sum()),
    )
    return pa.array(values, pa.timestamp("ns"), from_pandas=True)


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
