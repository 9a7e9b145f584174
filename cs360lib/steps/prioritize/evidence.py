"""What the department's data say about one candidate problem: the data-driven criteria.

For a measure (a source and a filter on its columns) :func:`event_facts` computes, over a
12-month window (:class:`Window`), the facts behind four criteria of the worksheet, each
documented with its formula in :mod:`cs360lib.steps.prioritize.criteria`:

- **frequency**: events in the window (``count``), or per 1,000 residents;
- **harm**: the events weighted by the harm table (:mod:`.harm`), summed;
- **trend**: the window against the 12 months before it, with the exact Poisson test of the
  rate ratio (:func:`cs360lib.evaluate.rate_ratio_test`);
- **concentration**: how the window's events fall on places (block, beat, district or area):
  the share on the top 10% of places, the Gini coefficient and the generalized Gini of
  Bernasco and Steenbeek (2017) (:func:`cs360lib.analysis.concentration.concentration`).

Every count goes through :func:`cs360lib.data.series.count_series` (month by month, with the
source's coverage flags): a month in which the source has no row, or in which a category of
the measure was not recorded (a structural zero), is **missing**, not zero; the window's
count is then the mean of the months with data times 12, and the facts say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.analysis.concentration import generalized_gini, gini
from cs360lib.data.columns import distinct_text
from cs360lib.data.coverage import SourceCoverage, source_coverage
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import to_periods
from cs360lib.data.schemas import SCHEMAS, column_label
from cs360lib.data.series import CountSeries, count_series, filter_mask
from cs360lib.errors import EvaluationInputError, SeriesError
from cs360lib.evaluate import rate_ratio_test
from cs360lib.steps.prioritize.harm import HarmTable

__all__ = [
    "CODE_COLUMNS",
    "MIN_MONTHS",
    "PLACE_COLUMNS",
    "Concentration",
    "EventFacts",
    "Trend",
    "Window",
    "concentration_of",
    "event_facts",
    "event_weights",
    "measure_words",
    "place_universe",
    "source_window",
    "trend_test",
]


def _column_words(kind: str | None, column: str) -> str:
    """Return a column's label in lower case (``offense_group`` -> ``"offense group"``)."""
    if kind in SCHEMAS:
        try:
            return column_label(kind, column).lower()
        except KeyError:  # an extra column of the source: its own name, humanized
            pass
    return column.replace("_", " ")


def measure_words(
    source: str | None, kind: str | None, filter: Mapping[str, Sequence[str]] | None
) -> str:
    """Describe a measure in the field's words, for a council member.

    Parameters
    ----------
    source : str or None
        The engagement's name of the source (None: no measure in data).
    kind : str or None
        Its kind (its schema gives the columns' labels).
    filter : mapping of str to sequence of str, optional
        Column -> accepted values.

    Returns
    -------
    str
        E.g. ``"incidents where offense group is Robbery"`` for ``{"offense_group":
        ["Robbery"]}`` (the schema's labels, never the column names).
    """
    if source is None:
        return "no measure in data"
    name = source.replace("_", " ")
    if not filter:
        return f"every row of {name}"
    parts = [
        f"{_column_words(kind, col)} is {' or '.join(map(str, vals))}"
        for col, vals in filter.items()
    ]
    return f"{name} where {' and '.join(parts)}"


def _absent(data: pd.DataFrame, filter: Mapping[str, Sequence[str]]) -> str | None:
    """Return the first filter column none of whose values occurs in the data, else None."""
    for column, values in filter.items():
        if column in data.columns:
            present = set(distinct_text(data[column]))
            if not present & {str(v) for v in values}:
                return column
    return None


CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("offense", "offense_group"),
    "arrests": ("charge", "charge_group"),
    "calls": ("call_type",),
    "partner_metrics": ("metric",),
}
"""Columns that name an event's category, most specific first: the harm weight of an event is
that of its first category the harm table knows."""

PLACE_COLUMNS: tuple[str, ...] = ("address", "beat", "district", "area")
"""Place columns, finest first; concentration uses the first one that most rows fill."""

MIN_MONTHS = 6
"""Fewest months with data in each year for a trend to be tested."""

_PLACE_FILL = 0.5


@dataclass(frozen=True)
class Window:
    """The 12 months the data criteria describe, and the 12 months before them.

    Attributes
    ----------
    source : str
        Source name.
    end : pandas.Timestamp
        First day of the last month of the window.
    """

    source: str
    end: pd.Timestamp

    @property
    def start(self) -> pd.Timestamp:
        """First day of the window's first month."""
        return self.end - pd.DateOffset(months=11)

    @property
    def previous_start(self) -> pd.Timestamp:
        """First day of the first month of the 12 months before the window."""
        return self.end - pd.DateOffset(months=23)

    @property
    def previous_end(self) -> pd.Timestamp:
        """First day of the last month before the window."""
        return self.end - pd.DateOffset(months=12)

    @property
    def last_day(self) -> pd.Timestamp:
        """Last day of the window (its last instant is the end of this day)."""
        return self.end + pd.offsets.MonthEnd(0)

    def months(self) -> pd.DatetimeIndex:
        """Return the 12 months of the window (first days)."""
        return pd.date_range(self.start, self.end, freq="MS")

    def previous_months(self) -> pd.DatetimeIndex:
        """Return the 12 months before the window (first days)."""
        return pd.date_range(self.previous_start, self.previous_end, freq="MS")

    def describe(self) -> str:
        """Describe the window in words (``"January 2024 to December 2024"``)."""
        return f"{self.start:%B %Y} to {self.end:%B %Y}"


def source_window(coverage: SourceCoverage, as_of: Any = None) -> Window:
    """Return the 12-month window of a source: to ``as_of``, or to its last complete month.

    Parameters
    ----------
    coverage : SourceCoverage
        The source's coverage (by month).
    as_of : date-like, optional
        Last day of the window; a day inside a month ends the window with the month before
        (a month is only taken whole).

    Returns
    -------
    Window

    Raises
    ------
    SeriesError
        If the source has no dated row.
    """
    if coverage.empty or coverage.last is None:
        raise SeriesError(f"{coverage.name}: no row has a date: there is no window to describe")
    last = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(coverage.last)
    month = last.to_period("M").start_time
    if last.normalize() < (month + pd.offsets.MonthEnd(0)).normalize():
        month = month - pd.DateOffset(months=1)
    return Window(coverage.name, pd.Timestamp(month))


@dataclass(frozen=True)
class Trend:
    """The exact Poisson test of the window's rate against the year before.

    Attributes
    ----------
    previous, current : float
        Events in the months with data of each year.
    previous_months, current_months : int
        Months with data (the exposures).
    ratio, ci_low, ci_high : float
        Rate ratio (current over previous, per month) and its exact 95% interval.
    p_value : float
        Two-sided exact conditional p value (the binomial test of ``current`` among
        ``previous + current`` events with probability
        ``current_months / (previous_months + current_months)``).
    clear_change : float
        ``log`` of the end of the interval nearest 1 (0 when the interval holds 1): the
        smallest change the data support at 95%; positive for a clear rise.
    """

    previous: float
    current: float
    previous_months: int
    current_months: int
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    clear_change: float

    def describe(self) -> str:
        """Describe the trend in plain words, never ``inf``."""
        if self.previous == 0:
            return f"up from none to {self.current:,.0f} (p = {self.p_value:.3f})"
        pct = 100 * (self.ratio - 1)
        word = "up" if pct > 0 else "down"
        clear = "a clear" if self.clear_change != 0 else "no clear"
        return (
            f"{word} {abs(pct):.0f}% on the year before (rate ratio {self.ratio:.2f}, 95% "
            f"interval {self.ci_low:.2f} to {_bound(self.ci_high)}; {clear} change, "
            f"p = {self.p_value:.3f})"
        )


def _bound(x: float) -> str:
    return f"{x:.2f}" if math.isfinite(x) else "no upper bound"


def trend_test(previous: int, current: int, previous_months: int, current_months: int) -> Trend:
    """Test the rate of the window against the year before (exact conditional Poisson test).

    ``current ~ Binomial(previous + current, p0)`` given the total, with
    ``p0 = current_months / (previous_months + current_months)`` under equal rates; the
    p value is two-sided (minimum likelihood, as ``scipy.stats.binomtest``) and the interval
    is Clopper-Pearson mapped to the rate ratio (Breslow and Day 1987, section 2.2;
    :func:`cs360lib.evaluate.rate_ratio_test`).

    Parameters
    ----------
    previous, current : int
        Events in each year (whole numbers).
    previous_months, current_months : int
        Months with data in each year (> 0).

    Returns
    -------
    Trend

    Raises
    ------
    EvaluationInputError
        For counts that are not whole numbers >= 0, both zero, or exposures <= 0.
    """
    test = rate_ratio_test(
        int(previous),
        int(current),
        pre_exposure=float(previous_months),
        post_exposure=float(current_months),
    )
    if test.ci_low > 1:
        clear = math.log(test.ci_low)
    elif math.isfinite(test.ci_high) and test.ci_high < 1:
        clear = math.log(test.ci_high)
    else:
        clear = 0.0
    return Trend(
        previous=float(previous),
        current=float(current),
        previous_months=int(previous_months),
        current_months=int(current_months),
        ratio=float(test.ratio),
        ci_low=float(test.ci_low),
        ci_high=float(test.ci_high),
        p_value=float(test.p_value),
        clear_change=clear,
    )


@dataclass(frozen=True)
class Concentration:
    """How the window's events fall on places.

    Attributes
    ----------
    place : str
        The place column (``address`` is a block).
    places : int
        Places that could have had an event (every place of the source in the two years).
    events : int
        Events placed.
    top10_share : float
        Share of the events on the top 10% of places (at least one place).
    gini, generalized_gini : float
        Gini, and the generalized Gini of Bernasco and Steenbeek (2017), equal to the Gini
        when events outnumber places.
    top_place : str
        The place with the most events.
    top_place_share : float
        Its share of the events.
    """

    place: str
    places: int
    events: int
    top10_share: float
    gini: float
    generalized_gini: float
    top_place: str
    top_place_share: float


@dataclass(frozen=True)
class EventFacts:
    """What one measure's data show over the window (see the module docstring).

    Attributes
    ----------
    source, kind : str
        Source name and kind.
    filter : mapping of str to tuple of str
        The measure.
    window : Window
        The 12 months described.
    count : float or None
        Events (or the metric's sum) in the window, scaled to 12 months when months are
        missing; None when the measure has no data.
    months : int
        Months of the window with data.
    months_with_events : int
        Months of the window with at least one event.
    trend : Trend or None
        The test against the year before (None when it cannot be made).
    harm : float or None
        Total harm in the window (scaled like ``count``); None when a category has no weight.
    harm_entries : dict of str to str
        Category -> the harm-table entry that weighted it.
    unweighted : tuple of str
        Categories the harm table has no weight for.
    concentration : Concentration or None
        Events on places (None when the events have no place).
    categories : pandas.Series
        Events in the window by category of the kind's code column, most first.
    problems : dict of str to str
        Criterion (``frequency``, ``harm``, ``trend``, ``concentration``) -> why it could
        not be computed.
    notes : list of str
        Missing months, filter values not found, events without a place.
    series : CountSeries or None
        The monthly series of the two years.
    """

    source: str
    kind: str
    filter: Mapping[str, tuple[str, ...]]
    window: Window
    count: float | None = None
    months: int = 0
    months_with_events: int = 0
    trend: Trend | None = None
    harm: float | None = None
    harm_entries: Mapping[str, str] = field(default_factory=dict)
    unweighted: tuple[str, ...] = ()
    concentration: Concentration | None = None
    categories: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    problems: Mapping[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    series: CountSeries | None = None

    @property
    def has_data(self) -> bool:
        """True when the measure has events (or values) in the window."""
        return self.count is not None and self.count > 0

    def top_category_share(self) -> float:
        """Share of the window's events in its most common category (0 without events)."""
        total = float(self.categories.sum())
        return float(self.categories.iloc[0]) / total if total > 0 else 0.0


def _place_column(data: pd.DataFrame, rows: pd.Series) -> str | None:
    for column in PLACE_COLUMNS:
        if column in data.columns and rows.any():
            filled = data.loc[rows, column].notna().mean()
            if filled >= _PLACE_FILL:
                return column
    return None


def event_weights(
    data: pd.DataFrame, kind: str, table: HarmTable, rows: pd.Series | None = None
) -> pd.DataFrame:
    """Harm weight of each row: that of its most specific category the table knows.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of a source.
    kind : str
        Its kind (the category columns are :data:`CODE_COLUMNS`).
    table : HarmTable
        Harm weights.
    rows : pandas.Series of bool, optional
        Only these rows.

    Returns
    -------
    pandas.DataFrame
        Indexed like the rows: ``weight`` (NaN where no category has a weight),
        ``entry`` (the table entry's label, empty without one) and ``category`` (the most
        specific category of the row).
    """
    columns = [c for c in CODE_COLUMNS[kind] if c in data.columns]
    part = data if rows is None else data.loc[rows]
    keys = part[columns].astype("string").fillna("")
    pairs = keys.drop_duplicates()
    found = []
    for values in pairs.itertuples(index=False):
        entry = next((e for n in values if n and (e := table.lookup(n)) is not None), None)
        first = next((n for n in values if n), "")
        found.append(
            (
                *values,
                np.nan if entry is None else entry.weight,
                "" if entry is None else entry.label,
                first,
            )
        )
    lookup = pd.DataFrame(found, columns=[*columns, "weight", "entry", "category"])
    merged = keys.merge(lookup, on=columns, how="left")
    merged.index = keys.index
    return merged[["weight", "entry", "category"]]


def _harm(
    data: pd.DataFrame, rows: pd.Series, kind: str, table: HarmTable, metric: bool
) -> tuple[float | None, dict[str, str], tuple[str, ...]]:
    """Total harm of the rows, the entries used, and the categories without a weight."""
    if not rows.any():
        return 0.0, {}, ()
    weights = event_weights(data, kind, table, rows)
    amount = data.loc[rows, "value"].astype(float) if metric else 1.0
    missing = tuple(sorted(set(weights.loc[weights["weight"].isna(), "category"])))
    used = dict(zip(weights["category"], weights["entry"], strict=True))
    used = {k: v for k, v in used.items() if v}
    if missing:
        return None, used, missing
    return float((weights["weight"] * amount).sum()), used, ()


def place_universe(data: pd.DataFrame, rows: pd.Series) -> tuple[str | None, np.ndarray]:
    """Return the place column of a source and every place its ``rows`` name.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of a source.
    rows : pandas.Series of bool
        The rows whose places count (e.g. every row of the two years).

    Returns
    -------
    place : str or None
        The finest of :data:`PLACE_COLUMNS` that at least half the rows fill (None when
        none does).
    places : numpy.ndarray of str
        The distinct places (empty without a place column).
    """
    place = _place_column(data, rows)
    if place is None:
        return None, np.array([], dtype=object)
    return place, np.asarray(distinct_text(data.loc[rows, place]), dtype=object)


def concentration_of(counts: np.ndarray, n_places: int) -> tuple[float, float, float]:
    """Return the top-10% share, Gini and generalized Gini of counts over ``n_places`` places.

    Places without events count as zeros. The Gini and generalized Gini are those of
    :mod:`cs360lib.analysis.concentration`; the top 10% of places is
    ``max(1, floor(0.1 n + 0.5))`` places, the rounding of its 80-20 table.

    Parameters
    ----------
    counts : numpy.ndarray
        Events per place, for the places with at least one event.
    n_places : int
        Places that could have had an event (at least ``len(counts)``).

    Returns
    -------
    tuple of float
        ``(top10_share, gini, generalized_gini)``.
    """
    x = np.sort(np.asarray(counts, dtype=float))[::-1]
    full = np.concatenate([x, np.zeros(max(0, n_places - x.size))])
    k = max(1, min(full.size, int(math.floor(0.1 * full.size + 0.5))))
    g = gini(full)
    gg = generalized_gini(full)
    if abs(gg) < 1e-9:  # rounding around the line of maximal equality
        gg = 0.0
    return float(x[:k].sum() / x.sum()), float(g), float(gg)


def _concentration(
    data: pd.DataFrame,
    rows: pd.Series,
    place: str | None,
    places: np.ndarray,
    metric: bool,
) -> tuple[Concentration | None, str | None]:
    if place is None:
        return None, "the events have no block, beat, district or area to place them"
    if len(places) < 2:
        return None, f"the source has only {len(places)} {place}: nothing to concentrate on"
    located = rows & data[place].notna()
    where = data.loc[located, place].astype(str)
    amount = (
        data.loc[located, "value"].round().clip(lower=0)
        if metric
        else pd.Series(1.0, index=where.index)
    )
    counts = amount.groupby(where).sum()
    counts = counts[counts > 0].sort_values(ascending=False)
    if counts.empty:
        return None, f"no event of the window has a {place}"
    n = max(len(places), len(counts))
    top10, g, gg = concentration_of(counts.to_numpy(), n)
    return (
        Concentration(
            place=place,
            places=n,
            events=int(counts.sum()),
            top10_share=top10,
            gini=g,
            generalized_gini=gg,
            top_place=str(counts.index[0]),
            top_place_share=float(counts.iloc[0] / counts.sum()),
        ),
        None,
    )


def event_facts(
    source: LoadResult,
    *,
    name: str,
    filter: Mapping[str, Sequence[Any]] | None,  # noqa: A002 - the engagement's word
    harm_table: HarmTable,
    window: Window | None = None,
    coverage: SourceCoverage | None = None,
    as_of: Any = None,
    places: tuple[str | None, np.ndarray] | None = None,
) -> EventFacts:
    """Compute the data-driven facts of one measure over its 12-month window.

    Parameters
    ----------
    source : LoadResult
        An event source (incidents, calls, arrests) or partner metrics.
    name : str
        Its name in the engagement.
    filter : mapping of str to sequence, optional
        The measure (column -> accepted values).
    harm_table : HarmTable
        Harm weights.
    window : Window, optional
        The window (default: :func:`source_window` of the source, up to ``as_of``).
    coverage : SourceCoverage, optional
        The source's monthly coverage (computed when not given).
    as_of : date-like, optional
        Last day of the window when ``window`` is not given.
    places : tuple, optional
        ``(place column, every place)`` (:func:`place_universe`), to measure many
        categories of one source against the same places without recomputing them; by
        default every place the source (for a partner metric: the metric) names in the two
        years.

    Returns
    -------
    EventFacts
        With ``problems`` naming each criterion that could not be computed and why (a
        filter that matches no row, no month with data, a category without a harm weight,
        events without a place).
    """
    kind = source.kind
    data = source.data
    if coverage is None:
        coverage = source_coverage(source, name=name, period="month")
    if window is None:
        window = source_window(coverage, as_of)
    measure = {k: tuple(str(v) for v in vs) for k, vs in (filter or {}).items()}
    base = {"source": name, "kind": kind, "filter": measure, "window": window}
    try:
        series = count_series(
            source,
            name=name,
            period="month",
            filter=filter,
            start=window.previous_start,
            end=window.end,
            gaps="missing",
            coverage=coverage,
        )
    except SeriesError as error:
        absent = _absent(data, measure)
        if absent is None:
            reason = f"no data: {error}"
        else:  # in words: the analyst's message names the columns (see ``notes``)
            wanted = " or ".join(measure[absent])
            reason = (
                f"no data: no row of {name.replace('_', ' ')} has the "
                f"{_column_words(kind, absent)} {wanted}"
            )
        return EventFacts(
            **base, problems=dict.fromkeys(_DATA_CRITERIA, reason), notes=[str(error)]
        )
    notes = list(series.notes)
    total = series.total()
    current = total.reindex(window.months())
    previous = total.reindex(window.previous_months())
    months = int(current.notna().sum())
    if months == 0:
        reason = f"no month of {window.describe()} has data in {name}"
        return EventFacts(
            **base, problems=dict.fromkeys(_DATA_CRITERIA, reason), notes=notes, series=series
        )
    scale = 12.0 / months
    if months < 12:
        notes.append(
            f"{12 - months} of the 12 months have no data (a gap or a category not recorded); "
            "the year's count is the mean of the others times 12."
        )
    count = float(current.sum()) * scale
    problems: dict[str, str] = {}
    trend = _trend(current, previous, kind, problems)
    mask, _ = filter_mask(source.data, filter, name=name)
    kept = pd.DatetimeIndex(current.dropna().index)
    month_of = to_periods(data[coverage.time_column], "month")
    rows = mask & month_of.isin(kept)
    metric = kind == "partner_metrics"
    harm, entries, unweighted = _harm(data, rows, kind, harm_table, metric)
    if harm is None:
        problems["harm"] = (
            f"no harm weight for {', '.join(map(repr, unweighted))}: add "
            f"{'it' if len(unweighted) == 1 else 'them'} to the harm table "
            "(the harm weights in the prioritization part of the engagement file)"
        )
    else:
        harm *= scale
    if places is None:
        two_years = month_of.isin(pd.DatetimeIndex(total.dropna().index))
        places = place_universe(data, (mask & two_years) if metric else two_years)
    spread, why = _concentration(data, rows, places[0], places[1], metric)
    if spread is None:
        problems["concentration"] = str(why)
    code = CODE_COLUMNS[kind][0]
    amount = data.loc[rows, "value"] if metric else pd.Series(1, index=data.index[rows])
    categories = amount.groupby(data.loc[rows, code].astype(str)).sum().sort_values(ascending=False)
    return EventFacts(
        **base,
        count=count,
        months=months,
        months_with_events=int((current.fillna(0) > 0).sum()),
        trend=trend,
        harm=harm,
        harm_entries=entries,
        unweighted=unweighted,
        concentration=spread,
        categories=categories,
        problems=problems,
        notes=notes,
        series=series,
    )


_DATA_CRITERIA = ("frequency", "harm", "trend", "concentration")


def _trend(
    current: pd.Series, previous: pd.Series, kind: str, problems: dict[str, str]
) -> Trend | None:
    n_cur, n_prev = int(current.notna().sum()), int(previous.notna().sum())
    if n_prev < MIN_MONTHS or n_cur < MIN_MONTHS:
        problems["trend"] = (
            f"the two years have {n_prev} and {n_cur} months with data; the trend needs at "
            f"least {MIN_MONTHS} in each"
        )
        return None
    post, pre = float(current.sum()), float(previous.sum())
    if kind == "partner_metrics" and not (pre.is_integer() and post.is_integer()):
        problems["trend"] = "the metric's values are not whole counts: no Poisson test"
        return None
    try:
        return trend_test(int(pre), int(post), n_prev, n_cur)
    except EvaluationInputError as error:
        problems["trend"] = str(error)
        return None
