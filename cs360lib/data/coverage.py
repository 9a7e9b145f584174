"""Where a source has holes in time: gaps, spikes, drops, partial periods, vanished categories.

The data intake (``steps.intake.coverage``) reports these flags to a person; count series
(:mod:`cs360lib.data.series`) honour them, so that a month with no rows at all, or a whole
year in which one offense was never recorded, is never read as "no crime".

Two kinds of flags, both per source and per period (:mod:`cs360lib.data.periods`):

**Period flags** (:func:`period_flags`), on the rows of the whole source:

- ``gap``: no row in a period inside the range of an event source (incidents, calls,
  arrests) where a Poisson count at the source's median per-day rate would be zero with a
  probability under :data:`ABSENT_ALPHA` divided by the number of periods (so a day without
  an arrest, when a few happen a day, is an ordinary zero), or no row in a month of a
  periodic source (survey, partner metrics);
- ``spike`` / ``drop``: the log per-day count is more than :data:`SPIKE_Z` robust standard
  deviations (median absolute deviation, scaled by 1.4826; Iglewicz and Hoaglin 1993), and
  :data:`SPIKE_RATIO` times, away from the rolling median of the seven surrounding periods,
  and a Poisson count at that median would be so high (or low) with a probability under
  :data:`ABSENT_ALPHA` divided by the number of periods (event sources only; the last rule
  keeps small daily counts, where halving is ordinary noise, from being flagged). Per-day
  rates keep February from looking like a drop;
- ``partial``: the first or last period of an event source is only partly covered by the
  data (a partial last month is the usual trap of monthly trends).

**Category flags** (:func:`category_flags`), on the source's code column (the kind's
``code``: offense, call type, charge, survey item, partner metric):

- ``absent``: a category with rows elsewhere in the source's range has none in
  :data:`ABSENT_RUN` or more consecutive periods, and the Poisson probability of seeing none
  there is below :data:`ABSENT_ALPHA` divided by the number of periods and of categories (a
  Bonferroni correction for the places a run could start and the categories tested). The
  rate is the category's per-day rate in the year before and the year after the run (or as
  many periods as the run is long, if longer), so a category that declines slowly is judged
  against its recent level. This is the structural zero of a code introduced, retired or
  not extracted for a while (e.g. Baltimore's Part 1 file has no ``SHOOTING`` and no
  ``MURDER`` in 2014): a rare category that merely happens to have no events for a few
  months is not flagged;
- ``drop``: a period in which one category falls the way a source does in a ``drop`` (the
  same robust rule, applied to that category's own per-day series) while the source as a
  whole has no flag there, and the Poisson probability of so few rows at the rolling median
  is below :data:`ABSENT_ALPHA` divided by the number of periods and of categories. Only
  categories with a median of at least :data:`CATEGORY_MIN_MEDIAN` rows per period are
  checked.

References
----------
Iglewicz, B., & Hoaglin, D. C. (1993). *How to detect and handle outliers*. ASQC Quality
Press (the modified z-score, 0.6745 (x - median) / MAD, i.e. MAD / 0.6745 = 1.4826 MAD).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.periods import (
    PERIODS,
    check_period,
    describe_run,
    period_days,
    period_range,
    to_periods,
)
from cs360lib.data.schemas import kind_info

__all__ = [
    "ABSENT_ALPHA",
    "ABSENT_RUN",
    "CATEGORY_COLUMNS",
    "CATEGORY_MIN_MEDIAN",
    "PERIODIC_KINDS",
    "PERIOD_COLUMNS",
    "SPIKE_RATIO",
    "SPIKE_Z",
    "SourceCoverage",
    "category_flags",
    "covered_days",
    "period_flags",
    "source_coverage",
]

SPIKE_RATIO = 2.0
"""A spike or drop must also be at least this factor away from the rolling median (double or
half): data problems (an outage, a batch import) are large, ordinary noise is not."""

SPIKE_Z = 3.5
"""Robust z-score of a period's log count (around the rolling median, scaled by the MAD)
above which the period is flagged as a spike or a drop (Iglewicz and Hoaglin's cut-off)."""

PERIODIC_KINDS = ("survey", "partner_metrics")
"""Kinds usually reported once a month: a month without rows is a gap, a week is not."""

ABSENT_RUN = 3
"""Fewest consecutive periods without a category for it to be flagged ``absent``."""

ABSENT_ALPHA = 0.001
"""A run of periods without a category is flagged only when the Poisson probability of no
row there, at the category's per-day rate in the rest of the source's range, is below this."""

CATEGORY_MIN_MEDIAN = 5
"""Categories with a median under this many rows per period are not checked for drops."""

PERIOD_COLUMNS = ["period", "rows", "days", "flag"]
"""Columns of :attr:`SourceCoverage.periods`."""

CATEGORY_COLUMNS = [
    "column",
    "category",
    "flag",
    "start",
    "end",
    "periods",
    "observed",
    "expected",
    "p_value",
    "when",
]
"""Columns of :attr:`SourceCoverage.categories`."""

PERIODS_PER_YEAR = {"month": 12, "week": 52, "day": 365}
"""Periods in a year: the window on each side of a run in which a category's rate is taken."""

_ROLLING = 7


def _robust_deviation(
    values: np.ndarray, days: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Robust z, deviation and rolling-median centre of each period's log per-day count.

    The z is NaN everywhere when the deviations of the ``usable`` periods have no spread.
    """
    logs = np.log1p(values / days * days.mean())
    centre = pd.Series(logs).rolling(_ROLLING, center=True, min_periods=3).median().to_numpy()
    deviation = logs - centre
    used = deviation[usable & np.isfinite(deviation)]
    if used.size == 0:
        return np.full(values.size, np.nan), deviation, centre
    mad = np.median(np.abs(used - np.median(used)))
    if not mad > 0:
        return np.full(values.size, np.nan), deviation, centre
    return deviation / (1.4826 * mad), deviation, centre


def _poisson_tails(
    values: np.ndarray, centre: np.ndarray, days: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each count is improbably low / high for a Poisson count at the rolling median."""
    expected = np.expm1(centre) * days / days.mean()
    expected = np.where(np.isfinite(expected), np.maximum(expected, 0.0), 0.0)
    low = stats.poisson.cdf(values, expected) < alpha
    high = stats.poisson.sf(values - 1, expected) < alpha
    return low, high


def covered_days(
    starts: pd.DatetimeIndex, period: str, first: pd.Timestamp, last: pd.Timestamp
) -> np.ndarray:
    """Days of each period that fall inside ``[first, last]`` (whole days).

    Parameters
    ----------
    starts : pandas.DatetimeIndex
        Period starts (:func:`cs360lib.data.periods.period_range`).
    period : {"day", "week", "month"}
        Period unit.
    first, last : pandas.Timestamp
        First and last instant of the data.

    Returns
    -------
    numpy.ndarray of float
        Days covered per period: the full length except in the first and last period.
    """
    freq = PERIODS[check_period(period)]
    ends = pd.DatetimeIndex(starts.to_period(freq).end_time.normalize())
    lo = np.maximum(starts.to_numpy(), pd.Timestamp(first).normalize().to_datetime64())
    hi = np.minimum(ends.to_numpy(), pd.Timestamp(last).normalize().to_datetime64())
    return ((hi - lo) / np.timedelta64(1, "D") + 1).astype(float)


def period_flags(times: pd.Series, period: str, *, events: bool, gaps: bool) -> pd.DataFrame:
    """Count rows per period and flag gaps, spikes, drops and partial periods.

    Parameters
    ----------
    times : pandas.Series of datetime64
        The time column of every row of one source (missing values are ignored).
    period : {"day", "week", "month"}
        Period unit.
    events : bool
        Whether rows are events (spikes, drops and partial periods are checked).
    gaps : bool
        Whether a period with no row is a ``gap``.

    Returns
    -------
    pandas.DataFrame
        :data:`PERIOD_COLUMNS`: ``period`` (start), ``rows``, ``days`` (days of the period
        inside the data's range) and ``flag`` (``""``, ``gap``, ``spike``, ``drop``,
        ``partial``), one row per period from the first to the last; empty when no row has
        a time.
    """
    times = times.dropna()
    if times.empty:
        return pd.DataFrame(columns=PERIOD_COLUMNS)
    first, last = times.min(), times.max()
    full = period_range(first, last, period)
    counts = to_periods(times, period).value_counts().reindex(full, fill_value=0)
    values = counts.to_numpy().astype(float)
    days = covered_days(full, period, first, last)
    flag = np.full(len(full), "", dtype=object)
    full_length = period_days(full, period).to_numpy(dtype=float)
    if gaps:
        flag[values == 0] = "gap"
    if events and len(values) >= _ROLLING:
        z, deviation, centre = _robust_deviation(values, full_length, values > 0)
        big = np.abs(deviation) > np.log(SPIKE_RATIO)
        low, high = _poisson_tails(values, centre, full_length, ABSENT_ALPHA / len(values))
        if gaps:  # a day without an arrest is ordinary when a few happen a day
            rate = np.median(values[values > 0] / full_length[values > 0])
            no_row = np.exp(-rate * full_length)  # Poisson probability of a period with none
            flag[(values == 0) & (no_row >= ABSENT_ALPHA / len(values))] = ""
        flag[(z > SPIKE_Z) & big & high & (flag == "")] = "spike"
        flag[(z < -SPIKE_Z) & big & low & (flag == "")] = "drop"
    if events:
        if days[0] < full_length[0]:
            flag[0] = "partial"
        if days[-1] < full_length[-1]:
            flag[-1] = "partial"
    return pd.DataFrame(
        {"period": full, "rows": counts.to_numpy(), "days": days.astype(int), "flag": flag}
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return the start and end (inclusive) index of each run of True."""
    padded = np.r_[False, mask, False].astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def category_flags(
    times: pd.Series,
    codes: pd.Series,
    period: str,
    *,
    column: str = "",
    periods: pd.DataFrame | None = None,
    min_run: int = ABSENT_RUN,
    alpha: float = ABSENT_ALPHA,
    drops: bool = True,
) -> pd.DataFrame:
    """Flag categories that vanish for a run of periods or drop in one period.

    Parameters
    ----------
    times : pandas.Series of datetime64
        Time of every row of the source.
    codes : pandas.Series
        Category of every row (same index as ``times``); missing values are ignored.
    period : {"day", "week", "month"}
        Period unit.
    column : str, optional
        Name of the code column, written in the result.
    periods : pandas.DataFrame, optional
        The source's own :func:`period_flags` (computed when not given). Periods the source
        has no row in (``gap``) are left out of the runs and rates; category drops are only
        looked for in periods without a flag of their own.
    min_run : int, default :data:`ABSENT_RUN`
        Fewest consecutive periods without the category.
    alpha : float, default :data:`ABSENT_ALPHA`
        Family-wise level: a run is flagged ``absent`` when the Poisson probability of its
        zeros is below ``alpha`` divided by the number of categories and of periods.
    drops : bool, default True
        Also look for single-category drops.

    Returns
    -------
    pandas.DataFrame
        :data:`CATEGORY_COLUMNS`, one row per run: ``category``, ``flag`` (``absent`` or
        ``drop``), ``start`` and ``end`` (first and last period), ``periods``, ``observed``
        (rows in the run), ``expected`` (rows expected at the category's rate elsewhere, for
        ``absent``; at its rolling median, for ``drop``), ``p_value`` (Poisson probability of
        the zeros, for ``absent``) and ``when`` (the run in words, e.g. ``"in 2014"``).
    """
    frame = pd.DataFrame({"t": times, "c": codes}).dropna()
    if frame.empty:
        return pd.DataFrame(columns=CATEGORY_COLUMNS)
    if periods is None:
        periods = period_flags(frame["t"], period, events=True, gaps=True)
    starts = pd.DatetimeIndex(periods["period"])
    table = (
        _category_table(frame["t"], frame["c"], period)
        .reindex(starts, fill_value=0)
        .sort_index(axis=1)
    )
    days = periods["days"].to_numpy(dtype=float)
    source_flag = periods["flag"].to_numpy(dtype=object)
    observed = periods["rows"].to_numpy() > 0
    rows = []
    each = alpha / max(table.shape[1], 1)  # Bonferroni over the categories tested
    for category in table.columns:
        x = table[category].to_numpy(dtype=float)
        absent = _absent_runs(x, days, observed, min_run, each, starts, period, category)
        rows += absent
        if drops:
            flags = source_flag.copy()
            for run in absent:  # a run already absent is not also a drop
                flags[(starts >= run["start"]) & (starts <= run["end"])] = "absent"
            rows += _drops(x, days, flags, starts, period, category, each)
    out = pd.DataFrame(rows, columns=CATEGORY_COLUMNS[1:])
    out.insert(0, "column", column)
    return out.sort_values(["flag", "start", "category"], kind="stable").reset_index(drop=True)


def _category_table(times: pd.Series, codes: pd.Series, period: str) -> pd.DataFrame:
    """Rows per period (index: the periods' starts) and category (columns: its text).

    The counts of ``pd.crosstab(to_periods(times, period), codes.astype(str))``, found by
    factorizing the periods and the codes and one ``numpy.bincount``: each code becomes text
    once, not once a row (a big city's millions of rows hold a few hundred codes).
    """
    period_of, periods = pd.factorize(to_periods(times, period))
    code_of, found = pd.factorize(codes)
    text_of, texts = pd.factorize(np.asarray([str(c) for c in found], dtype=object))
    k = len(texts)
    counts = np.bincount(period_of * k + text_of[code_of], minlength=len(periods) * k)
    return pd.DataFrame(
        counts.reshape(len(periods), k).astype(np.int64),
        index=pd.DatetimeIndex(periods),
        columns=pd.Index(texts, dtype=object),
    )


def _absent_runs(
    x: np.ndarray,
    days: np.ndarray,
    observed: np.ndarray,
    min_run: int,
    alpha: float,
    starts: pd.DatetimeIndex,
    period: str,
    category: str,
) -> list[dict]:
    """Find the runs of periods (with source rows) in which the category has none."""
    index = np.flatnonzero(observed)  # periods the source has rows in
    xs, ds = x[index], days[index]
    n = xs.size
    threshold = alpha / max(n, 1)  # Bonferroni: a run could start in any of the n periods
    found = []
    for a, b in _runs(xs == 0):
        length = b - a + 1
        if length < min_run:
            continue
        width = max(length, PERIODS_PER_YEAR[period])
        near = np.r_[max(0, a - width) : a, b + 1 : min(n, b + 1 + width)]
        rate_days = ds[near].sum()
        if near.size == 0 or rate_days <= 0 or xs[near].sum() <= 0:
            continue
        expected = xs[near].sum() / rate_days * ds[a : b + 1].sum()
        p = float(np.exp(-expected))
        if p >= threshold:
            continue
        start, end = starts[index[a]], starts[index[b]]
        found.append(
            {
                "category": category,
                "flag": "absent",
                "start": start,
                "end": end,
                "periods": length,
                "observed": 0,
                "expected": float(expected),
                "p_value": p,
                "when": describe_run(start, end, period),
            }
        )
    return found


def _drops(
    x: np.ndarray,
    days: np.ndarray,
    source_flag: np.ndarray,
    starts: pd.DatetimeIndex,
    period: str,
    category: str,
    alpha: float,
) -> list[dict]:
    """Find the periods in which one category drops while the source has no flag."""
    clean = source_flag == ""
    if x.size < _ROLLING or clean.sum() < _ROLLING:
        return []
    if np.median(x[clean]) < CATEGORY_MIN_MEDIAN:
        return []
    usable = clean & (x > 0)
    safe_days = np.maximum(days, 1.0)
    z, deviation, centre = _robust_deviation(x, safe_days, usable)
    expected = np.expm1(centre) * safe_days / safe_days.mean()
    with np.errstate(invalid="ignore"):
        p = stats.poisson.cdf(x, np.where(np.isfinite(expected), expected, 0.0))
    hit = (
        clean
        & (z < -SPIKE_Z)
        & (deviation < -np.log(SPIKE_RATIO))
        & (p < alpha / max(int(clean.sum()), 1))
    )
    found = []
    for a, b in _runs(hit):
        start, end = starts[a], starts[b]
        found.append(
            {
                "category": category,
                "flag": "drop",
                "start": start,
                "end": end,
                "periods": b - a + 1,
                "observed": int(x[a : b + 1].sum()),
                "expected": float(expected[a : b + 1].sum()),
                "p_value": float(p[a : b + 1].max()),
                "when": describe_run(start, end, period),
            }
        )
    return found


@dataclass(frozen=True)
class SourceCoverage:
    """The coverage of one source: its range, period flags and category flags.

    Attributes
    ----------
    name : str
        Source name (as in the engagement file).
    kind : str
        Kind of source.
    period : str
        Period unit of the flags.
    rows : int
        Rows of the source (with or without a time).
    dated : int
        Rows with a time.
    first, last : pandas.Timestamp or None
        First and last time in the source (None without dated rows).
    periods : pandas.DataFrame
        :func:`period_flags` of the source (:data:`PERIOD_COLUMNS`).
    categories : pandas.DataFrame
        :func:`category_flags` of the source's code column (:data:`CATEGORY_COLUMNS`);
        empty when the kind is not checked.
    time_column, code_column : str or None
        Columns used.
    notes : list of str
        Why a check was not made (no time column, a kind not checked for categories).
    """

    name: str
    kind: str
    period: str
    rows: int
    dated: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    periods: pd.DataFrame
    categories: pd.DataFrame
    time_column: str | None
    code_column: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the source has no row with a time: no period of it is covered."""
        return self.dated == 0

    def flagged_periods(
        self, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """Return the flagged periods whose start lies in ``[start, end]``.

        Parameters
        ----------
        start, end : pandas.Timestamp, optional
            Bounds on the period start (inclusive); open when not given.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`periods` with a flag.
        """
        p = self.periods
        keep = p["flag"] != ""
        if start is not None:
            keep &= p["period"] >= pd.Timestamp(start)
        if end is not None:
            keep &= p["period"] <= pd.Timestamp(end)
        return p[keep].reset_index(drop=True)

    def category_runs(
        self,
        categories: list[str] | None = None,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        *,
        flag: str | None = None,
    ) -> pd.DataFrame:
        """Return the category flags that touch ``[start, end]``.

        Parameters
        ----------
        categories : list of str, optional
            Only these categories (all when not given).
        start, end : pandas.Timestamp, optional
            Period bounds; a run is kept when it overlaps them.
        flag : {"absent", "drop"}, optional
            Only this flag.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`categories`.
        """
        c = self.categories
        keep = pd.Series(True, index=c.index)
        if categories is not None:
            keep &= c["category"].isin([str(v) for v in categories])
        if start is not None:
            keep &= c["end"] >= pd.Timestamp(start)
        if end is not None:
            keep &= c["start"] <= pd.Timestamp(end)
        if flag is not None:
            keep &= c["flag"] == flag
        return c[keep].reset_index(drop=True)


def source_coverage(
    source: LoadResult | pd.DataFrame,
    *,
    kind: str | None = None,
    name: str = "",
    period: str = "month",
    column: str | None = None,
) -> SourceCoverage:
    """Check the coverage of one source over time (see the module docstring).

    Parameters
    ----------
    source : LoadResult or pandas.DataFrame
        A loaded source, or its ``.data`` frame (then ``kind`` is needed).
    kind : str, optional
        Kind of the source; read from the ``LoadResult`` when not given.
    name : str, optional
        Source name, for messages.
    period : {"day", "week", "month"}, default "month"
        Period unit.
    column : str, optional
        Column whose categories are checked; the kind's ``code`` column by default (any
        other column of the data, e.g. Baltimore's ``crime_code`` extra column, may be
        named).

    Returns
    -------
    SourceCoverage
        Range, period flags and category flags. Event kinds are checked at every period;
        periodic kinds (survey, partner metrics) only by month; other kinds (interviews,
        actions) get period counts without gaps and no category check.

    Raises
    ------
    ValueError
        If the period is unknown, ``kind`` is missing for a frame, or ``column`` is not a
        column of the data.
    """
    check_period(period)
    if isinstance(source, LoadResult):
        kind = kind or source.kind
        data = source.data
    else:
        if kind is None:
            raise ValueError("source_coverage: pass kind= with a data frame")
        data = source
    info = kind_info(kind)
    time = info.time
    notes: list[str] = []
    empty_periods = pd.DataFrame(columns=PERIOD_COLUMNS)
    empty_categories = pd.DataFrame(columns=CATEGORY_COLUMNS)
    if time is None or time not in data.columns:
        notes.append(f"{name or kind} has no {time or 'time'} column: coverage not checked.")
        return SourceCoverage(
            name, kind, period, len(data), 0, None, None, empty_periods, empty_categories,
            time, None, notes,
        )  # fmt: skip
    times = data[time]
    dated = int(times.notna().sum())
    if dated == 0:
        return SourceCoverage(
            name, kind, period, len(data), 0, None, None, empty_periods, empty_categories,
            time, None, notes,
        )  # fmt: skip
    events = info.event
    periodic = kind in PERIODIC_KINDS and period == "month"
    periods = period_flags(times, period, events=events, gaps=events or periodic)
    code = column or info.code
    if code not in data.columns:
        if column is not None:
            raise ValueError(
                f"source_coverage: {column!r} is not a column of {name or kind}; "
                f"columns are {list(data.columns)}"
            )
        code = None
    categories = empty_categories
    if code is not None and (events or periodic):
        categories = category_flags(
            times, data[code], period, column=code, periods=periods, drops=events
        )
    elif code is not None:
        notes.append(f"{kind}: categories are not checked over time (its rows are not periodic).")
    return SourceCoverage(
        name=name,
        kind=kind,
        period=period,
        rows=len(data),
        dated=dated,
        first=times.min(),
        last=times.max(),
        periods=periods,
        categories=categories,
        time_column=time,
        code_column=code,
        notes=notes,
    )
