"""One place where events become counts: count series by period and area.

Prioritization, problem analysis and the lessons-learned review all count events the same
way, through :func:`count_series`:

- **what** is counted: the rows of an event source (incidents, calls, arrests) that match a
  filter (``{"offense": ["Street robbery"]}``), or the values of one partner metric (EMS
  overdose calls, 311 complaints), summed;
- **when**: by day, week (Monday to Sunday, labelled by its Monday) or month (labelled by
  its first day), see :mod:`cs360lib.data.periods`;
- **where**: in total, by an area column (``district``, ``beat``, ``area``) or by the
  engagement's named areas (``areas:`` in the engagement file: a column and its values; an
  event counts in every named area that holds it).

**Zero-filling.** A period or area with no event inside the source's covered range (its
first to its last dated row, whatever the filter) counts 0: no robbery in beat E2 in March
is a real zero when the source holds March. Periods outside the covered range are absent,
never zero: a series never runs past its data. The areas are every value of the area column
in the whole source (so a beat with no robbery at all still gets its zeros).

**Coverage flags are honoured** (:mod:`cs360lib.data.coverage`): a zero in a period in which
the source has no row at all (``gap``), or in which a category the series counts is
structurally absent (``absent``: e.g. no ``SHOOTING`` recorded in Baltimore in 2014), is not
known to be a zero. Such periods are reported on the result and, by default, refused:
``gaps="error"`` raises :class:`~cs360lib.errors.SeriesError` naming them;
``gaps="missing"`` makes their counts missing (NaN); ``gaps="zero"`` keeps the counts as
they are (the caller takes responsibility; the flags stay on the result). Spikes, drops and
partly covered first or last periods are reported, never changed (``partial="drop"`` leaves
the partly covered periods out).

**Partner metrics** are values, not rows: a (period, area) cell with no value is "not
reported" and is handled like a gap (it may be a zero the partner did not write, or a
missing report). A metric is counted at its own frequency (a monthly metric by month) or, if
it is daily, at any coarser one; values are summed, so only count-like units (no unit,
``count``, ``number``) are aggregated.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.data.columns import distinct_text
from cs360lib.data.coverage import SourceCoverage, source_coverage
from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.periods import check_period, describe_run, period_range, to_periods
from cs360lib.data.schemas import kind_info
from cs360lib.errors import SeriesError

__all__ = ["ALL", "GAP_POLICIES", "SERIES_KINDS", "CountSeries", "count_series", "filter_mask"]

GAP_POLICIES = ("error", "missing", "zero")
"""How a flagged gap or absent category inside a series is treated (see the module docstring)."""

SERIES_KINDS = ("incidents", "calls", "arrests", "partner_metrics")
"""Kinds that can be counted: event sources and partner metrics."""

ALL = "all"
"""Area label of a series counted over the whole source (no area breakdown)."""

_COUNT_UNIT = re.compile(r"^\s*(?:count|counts|number|n|#)?\s*$", re.IGNORECASE)
_FREQ_ORDER = {"day": 0, "week": 1, "month": 2}


@dataclass(frozen=True)
class CountSeries:
    """Counts of one source by period and area, with the coverage flags inside them.

    Attributes
    ----------
    source : str
        Source name.
    kind : str
        Kind of source.
    period : str
        ``"day"``, ``"week"`` or ``"month"``.
    by : str or None
        The area column, ``"areas"`` (the engagement's named areas) or None (one series,
        area :data:`ALL`).
    counts : pandas.DataFrame
        Long form: ``period`` (start of the period), ``area`` (text), ``count`` (float:
        events, or the summed metric; NaN where a flagged cell was made missing), one row per
        period of the series and area.
    flags : pandas.DataFrame
        The coverage flags inside the series: ``period``, ``area`` (``""`` for every area),
        ``flag`` (``gap``, ``absent``, ``not reported``, ``drop``, ``spike``, ``partial``),
        ``detail`` (plain words) and ``handled`` (``missing``, ``zero``, ``reported``,
        ``left out``).
    start, end : pandas.Timestamp
        First and last period of the series.
    filter : mapping of str to tuple of str
        The filter applied.
    categories : tuple of str
        Values of the kind's code column among the rows counted (offenses, call types...).
    gaps : str
        The gap policy used.
    coverage : SourceCoverage
        The coverage of the whole source the flags come from.
    notes : list of str
        What was left out (rows without a time or an area, a window cut to the data).
    """

    source: str
    kind: str
    period: str
    by: str | None
    counts: pd.DataFrame
    flags: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    filter: Mapping[str, tuple[str, ...]]
    categories: tuple[str, ...]
    gaps: str
    coverage: SourceCoverage
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Return the counts in long form (a copy of :attr:`counts`).

        Returns
        -------
        pandas.DataFrame
            ``period``, ``area``, ``count``.
        """
        return self.counts.copy()

    def wide(self) -> pd.DataFrame:
        """Return the counts with one column per area.

        Returns
        -------
        pandas.DataFrame
            Index ``period``, one column per area, in the order of the areas.
        """
        order = list(dict.fromkeys(self.counts["area"]))
        table = self.counts.pivot(index="period", columns="area", values="count")
        return table.reindex(columns=order)

    def total(self) -> pd.Series:
        """Return the count over all areas, per period.

        Returns
        -------
        pandas.Series
            Indexed by period; NaN in a period where any area's count is missing.
        """
        wide = self.wide()
        return wide.sum(axis=1, min_count=wide.shape[1]).rename("count")

    @property
    def areas(self) -> list[str]:
        """The areas of the series, in order."""
        return list(dict.fromkeys(self.counts["area"]))

    @property
    def missing_periods(self) -> list[pd.Timestamp]:
        """Periods with at least one missing count."""
        missing = self.counts[self.counts["count"].isna()]
        return sorted(set(missing["period"]))


def _as_text(values: pd.Series) -> pd.Series:
    """Return the values as text (string columns as they are, categories by their labels)."""
    if isinstance(values.dtype, pd.StringDtype):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = pd.Index(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        text = np.where(codes >= 0, labels.to_numpy(dtype=object)[codes], None)
        return pd.Series(text, index=values.index, dtype="string")
    return values.astype("string")


def filter_mask(
    data: pd.DataFrame, filters: Mapping[str, Sequence[Any]] | None, *, name: str = "the source"
) -> tuple[pd.Series, list[str]]:
    """Select the rows that match every column of a filter.

    Values are compared as text (``{beat: [12]}`` matches the beat ``"12"``).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of a source.
    filters : mapping of str to sequence, optional
        Column -> accepted values; a row must match every column given.
    name : str
        Source name, for messages.

    Returns
    -------
    mask : pandas.Series of bool
        True for the rows kept.
    notes : list of str
        Values of the filter that no row has (when others of the same column do).

    Raises
    ------
    SeriesError
        If a column is not in the data, or none of a column's values is found in it (the
        message suggests the closest values that exist).
    """
    mask = pd.Series(True, index=data.index)
    notes: list[str] = []
    for column, values in (filters or {}).items():
        if column not in data.columns:
            raise SeriesError(
                f"{name}: the filter names {column!r}, which is not a column; columns are "
                f"{[c for c in data.columns if c not in ('source_file', 'source_row')]}"
            )
        wanted = [str(v) for v in values]
        text = _as_text(data[column])
        seen = set(text.dropna().unique())
        absent = [v for v in wanted if v not in seen]
        if len(absent) == len(wanted):
            hints = sorted({h for v in wanted for h in difflib.get_close_matches(v, seen, n=3)})
            hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
            raise SeriesError(
                f"{name}: no row has {column} = {', '.join(map(repr, wanted))}{hint} "
                f"({len(seen)} values are present, e.g. {', '.join(map(repr, sorted(seen)[:5]))})"
            )
        if absent:
            notes.append(
                f"No row of {name} has {column} = {', '.join(map(repr, absent))}; the other "
                "values of the filter are counted."
            )
        mask &= text.isin(wanted).fillna(False).astype(bool)
    return mask, notes


def _native_period(times: pd.Series) -> str:
    """Frequency a partner metric is reported at: month, week (Mondays) or day."""
    t = times.dropna()
    if t.empty:
        return "day"
    midnight = (t == t.dt.normalize()).all()
    if midnight and (t.dt.day == 1).all():
        return "month"
    if midnight and (t.dt.dayofweek == 0).all():
        return "week"
    return "day"


def _area_masks(
    data: pd.DataFrame,
    by: str | None,
    areas: Mapping[str, Any] | None,
    name: str,
    universe_rows: pd.Series,
) -> tuple[str | None, dict[str, pd.Series], list[str]]:
    """Return ``(by, {area: row mask}, notes)`` for the breakdown asked."""
    notes: list[str] = []
    if areas is not None or by == "areas":
        if not areas:
            raise SeriesError(f"{name}: by='areas' needs the named areas (areas=...)")
        masks = {}
        for area_name, spec in areas.items():
            column, values = _area_spec(spec, area_name)
            if column not in data.columns:
                raise SeriesError(
                    f"{name}: area {area_name!r} uses column {column!r}, which is not a column "
                    f"of the source; columns are {list(data.columns)}"
                )
            masks[str(area_name)] = (
                data[column].astype("string").isin([str(v) for v in values]).fillna(False)
            )
        return "areas", masks, notes
    if by is None:
        return None, {ALL: pd.Series(True, index=data.index)}, notes
    if by not in data.columns:
        raise SeriesError(
            f"{name}: by={by!r} is not a column of the source; columns are {list(data.columns)}"
        )
    text = data[by].astype("string")
    values = sorted(text[universe_rows].dropna().unique())
    if not values:
        raise SeriesError(f"{name}: no row has a {by}; map the column or count without by=")
    return by, {v: (text == v).fillna(False).astype(bool) for v in values}, notes


def _area_spec(spec: Any, area_name: str) -> tuple[str, list[str]]:
    if hasattr(spec, "column") and hasattr(spec, "values"):
        return str(spec.column), [str(v) for v in spec.values]
    if isinstance(spec, Mapping) and "column" in spec and "values" in spec:
        return str(spec["column"]), [str(v) for v in spec["values"]]
    if isinstance(spec, tuple) and len(spec) == 2:
        return str(spec[0]), [str(v) for v in spec[1]]
    raise SeriesError(
        f"area {area_name!r}: expected {{column: ..., values: [...]}} (as under areas: in the "
        f"engagement file), got {spec!r}"
    )


def count_series(
    source: LoadResult | pd.DataFrame,
    *,
    kind: str | None = None,
    name: str = "",
    period: str = "month",
    by: str | None = None,
    areas: Mapping[str, Any] | None = None,
    filter: Mapping[str, Sequence[Any]] | None = None,  # noqa: A002 - the engagement's word
    start: Any = None,
    end: Any = None,
    gaps: str = "error",
    partial: str = "keep",
    coverage: SourceCoverage | None = None,
) -> CountSeries:
    """Count a source's events (or sum a partner metric) by period and area.

    Parameters
    ----------
    source : LoadResult or pandas.DataFrame
        A loaded source (``load`` or ``load_engagement``), or its ``.data`` with ``kind``.
    kind : str, optional
        ``incidents``, ``calls``, ``arrests`` or ``partner_metrics``; read from the
        ``LoadResult`` when not given.
    name : str, optional
        Source name for messages (the engagement's name of the source).
    period : {"day", "week", "month"}, default "month"
        Period unit; weeks run Monday to Sunday and are labelled by their Monday.
    by : str, optional
        Area column (``district``, ``beat``, ``area``), or ``"areas"`` with ``areas=``.
    areas : mapping of str to area, optional
        The engagement's named areas (``Engagement.areas``: objects with ``column`` and
        ``values``, or ``{"column": ..., "values": [...]}``); one series per named area.
    filter : mapping of str to sequence, optional
        Column -> accepted values (as ``problem.filter`` and ``metrics[i].filter`` in the
        engagement file); values compared as text.
    start, end : date-like, optional
        Periods whose start lies in ``[start, end]``; the series is cut to the source's
        covered range either way.
    gaps : {"error", "missing", "zero"}, default "error"
        What to do with a flagged gap, an absent category or an unreported partner value
        inside the series (see the module docstring).
    partial : {"keep", "drop"}, default "keep"
        Keep the partly covered first and last periods of an event source (reported in
        ``flags``) or leave them out.
    coverage : SourceCoverage, optional
        The coverage of the whole source at this ``period`` (computed when not given; pass
        it to count many series of one source without recomputing it).

    Returns
    -------
    CountSeries
        Counts zero-filled inside the covered range, with the flags inside them.

    Raises
    ------
    SeriesError
        For a kind that holds no counts, a filter or area column the source lacks, a filter
        value no row has, a window outside the covered range, a partner metric filter that
        selects several metrics or a period finer than the metric's, a source with no dated
        row, or (``gaps="error"``) a flagged gap or absent category inside the series.
    ValueError
        For an unknown ``period``, ``gaps`` or ``partial``.

    Examples
    --------
    >>> series = count_series(sources["incidents"], name="incidents", period="week",
    ...                       by="beat", filter={"offense": ["Street robbery"]})  # doctest: +SKIP
    >>> series.wide()  # one column per beat, zeros where a beat had no robbery  # doctest: +SKIP
    """
    check_period(period)
    if gaps not in GAP_POLICIES:
        raise ValueError(f"gaps must be one of {list(GAP_POLICIES)}, got {gaps!r}")
    if partial not in ("keep", "drop"):
        raise ValueError(f"partial must be 'keep' or 'drop', got {partial!r}")
    if isinstance(source, LoadResult):
        kind = kind or source.kind
        data = source.data
    elif kind is None:
        raise SeriesError("count_series: pass kind= with a data frame")
    else:
        data = source
    name = name or kind
    if kind not in SERIES_KINDS:
        raise SeriesError(
            f"{name}: {kind} rows are not counts of events; count_series takes "
            f"{', '.join(SERIES_KINDS)}"
        )
    info = kind_info(kind)
    time = info.time
    if coverage is None:
        coverage = source_coverage(data, kind=kind, name=name, period=period)
    elif coverage.period != period:
        raise SeriesError(
            f"{name}: the coverage given is by {coverage.period}, the series by {period}"
        )
    if coverage.empty:
        raise SeriesError(f"{name}: no row has a {time}: there is nothing to count")
    notes: list[str] = []
    mask, filter_notes = filter_mask(data, filter, name=name)
    notes += filter_notes
    metric = kind == "partner_metrics"
    if metric:
        _check_metric(data, mask, name, period)
    universe_rows = mask if metric else pd.Series(True, index=data.index)
    by, masks, area_notes = _area_masks(data, by, areas, name, universe_rows)
    notes += area_notes
    undated = int((mask & data[time].isna()).sum())
    if undated:
        notes.append(f"{undated:,} matching rows have no {time} and are not counted.")
    if by not in (None, "areas"):
        unplaced = int((mask & data[by].isna()).sum())
        if unplaced:
            notes.append(f"{unplaced:,} matching rows have no {by} and are in no area.")
    lo, hi = _window(coverage, period, start, end, name, notes)
    grid = period_range(lo, hi, period)
    labels = to_periods(data[time], period)
    counted = mask & labels.notna() & (labels >= lo) & (labels <= hi)
    pieces = []
    for area, area_mask in masks.items():
        rows = counted & area_mask
        if metric:
            values = data.loc[rows, "value"].groupby(labels[rows]).sum()
            reported = labels[rows].value_counts()
            column = values.reindex(grid)
            column[reported.reindex(grid).isna().to_numpy()] = np.nan
        else:
            column = labels[rows].value_counts().reindex(grid, fill_value=0).astype(float)
        pieces.append(pd.DataFrame({"period": grid, "area": area, "count": column.to_numpy()}))
    counts = pd.concat(pieces, ignore_index=True)
    categories = tuple(
        sorted(distinct_text(data.loc[mask, info.code])) if info.code in data.columns else ()
    )
    flags, refused = _flags(coverage, categories, lo, hi, counts, metric, partial)
    counts = _apply(counts, flags, refused, gaps, name, period)
    if partial == "drop":
        dropped = set(flags.loc[flags["flag"] == "partial", "period"])
        counts = counts[~counts["period"].isin(dropped)].reset_index(drop=True)
    return CountSeries(
        source=name,
        kind=kind,
        period=period,
        by=by,
        counts=counts,
        flags=flags,
        start=pd.Timestamp(counts["period"].min()),
        end=pd.Timestamp(counts["period"].max()),
        filter={k: tuple(str(v) for v in vs) for k, vs in (filter or {}).items()},
        categories=categories,
        gaps=gaps,
        coverage=coverage,
        notes=notes,
    )


def _check_metric(data: pd.DataFrame, mask: pd.Series, name: str, period: str) -> None:
    """One metric at a time, at its own frequency (or coarser, for daily count metrics)."""
    metrics = sorted(data.loc[mask, "metric"].dropna().astype(str).unique())
    if len(metrics) != 1:
        raise SeriesError(
            f"{name}: the filter selects {len(metrics)} metrics ({', '.join(metrics[:5])}); "
            "values of different metrics cannot be added: pass filter={'metric': [ONE]}"
        )
    native = _native_period(data.loc[mask, "period"])
    if _FREQ_ORDER[period] < _FREQ_ORDER[native]:
        raise SeriesError(
            f"{name}: {metrics[0]!r} is reported by {native}; it cannot be counted by {period}"
        )
    if native != period and native != "day":
        raise SeriesError(
            f"{name}: {metrics[0]!r} is reported by {native}; weeks do not nest in months, so "
            f"count it by {native}"
        )
    if native != period and "unit" in data.columns:
        units = data.loc[mask, "unit"].dropna().astype(str).unique()
        odd = [u for u in units if not _COUNT_UNIT.match(u)]
        if odd:
            raise SeriesError(
                f"{name}: {metrics[0]!r} is in {', '.join(map(repr, odd))}, not a count; its "
                f"daily values cannot be added up by {period}: count it by day"
            )


def _window(
    coverage: SourceCoverage, period: str, start: Any, end: Any, name: str, notes: list[str]
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Periods of the series: the asked window cut to the source's covered range."""
    first = to_periods(pd.Series([coverage.first]), period).iloc[0]
    last = to_periods(pd.Series([coverage.last]), period).iloc[0]
    lo, hi = first, last
    if start is not None:
        asked = to_periods(pd.Series([pd.Timestamp(start)]), period).iloc[0]
        if asked < first:
            notes.append(
                f"{name} starts on {coverage.first:%Y-%m-%d}: the periods asked for before it "
                "are absent, not zero."
            )
        lo = max(first, asked)
    if end is not None:
        asked = to_periods(pd.Series([pd.Timestamp(end)]), period).iloc[0]
        if asked > last:
            notes.append(
                f"{name} ends on {coverage.last:%Y-%m-%d}: the periods asked for after it "
                "are absent, not zero."
            )
        hi = min(last, asked)
    if lo > hi:
        raise SeriesError(
            f"{name} covers {coverage.first:%Y-%m-%d} to {coverage.last:%Y-%m-%d}; the "
            f"window asked ({start} to {end}) holds none of it"
        )
    return pd.Timestamp(lo), pd.Timestamp(hi)


_FLAG_COLUMNS = ["period", "area", "flag", "detail", "handled"]


def _flags(
    coverage: SourceCoverage,
    categories: tuple[str, ...],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    counts: pd.DataFrame,
    metric: bool,
    partial: str,
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the flags inside the series and which of them refuse a zero."""
    rows = []
    unit = coverage.period
    for row in coverage.flagged_periods(lo, hi).itertuples():
        if row.flag == "gap":
            detail = f"{coverage.name} has no row at all in this {unit}"
        elif row.flag == "partial":
            detail = f"only {row.days} days of this {unit} are in the data"
        else:
            detail = f"{coverage.name} has an unusual {row.flag} of rows in this {unit}"
        rows.append((row.period, "", row.flag, detail))
    runs = coverage.category_runs(list(categories), lo, hi)
    steps = pd.DatetimeIndex(counts["period"].unique())
    for run in runs.itertuples():
        inside = steps[(steps >= run.start) & (steps <= run.end)]
        if run.flag == "absent":
            detail = (
                f"{run.category} is absent {run.when} (about {run.expected:,.0f} rows expected "
                "at its rate nearby): a structural zero"
            )
        else:
            detail = f"{run.category} drops {run.when} ({run.observed:,} rows)"
        rows += [(p, "", run.flag, detail) for p in inside]
    if metric:
        missing = counts[counts["count"].isna()]
        rows += [
            (r.period, r.area, "not reported", f"no value for {r.area} in this {unit}")
            for r in missing.itertuples()
        ]
    flags = pd.DataFrame(rows, columns=_FLAG_COLUMNS[:-1])
    flags = flags.sort_values(["period", "flag"], kind="stable").reset_index(drop=True)
    refused = flags["flag"].isin(["gap", "absent", "not reported"])
    handled = np.where(refused, "", "reported")
    if partial == "drop":
        handled = np.where(flags["flag"] == "partial", "left out", handled)
    flags["handled"] = handled
    return flags, refused


def _apply(
    counts: pd.DataFrame,
    flags: pd.DataFrame,
    refused: pd.Series,
    gaps: str,
    name: str,
    period: str,
) -> pd.DataFrame:
    """Apply the gap policy to the refused cells."""
    refused = refused.reindex(flags.index, fill_value=False)
    bad = flags[refused.to_numpy()]
    if bad.empty:
        return counts
    if gaps == "error":
        lines = []
        for (flag, detail), group in bad.groupby(["flag", "detail"], sort=False):
            periods = sorted(set(group["period"]))
            when = describe_run(periods[0], periods[-1], period)
            lines.append(f"  {flag}: {detail} ({len(periods)} period(s), {when})")
        shown = lines[:8] + ([f"  ... and {len(lines) - 8} more"] if len(lines) > 8 else [])
        raise SeriesError(
            f"{name}: the series holds periods whose zeros are not known to be zeros:\n"
            + "\n".join(shown)
            + "\nSay how to treat them: gaps='missing' (counts missing there) or gaps='zero' "
            "(keep the counts; the flags stay on the result), or choose a window without them."
        )
    flags.loc[refused.to_numpy(), "handled"] = gaps
    if gaps == "zero":
        counts = counts.assign(count=counts["count"].fillna(0.0))
        return counts
    every = set(bad.loc[bad["area"] == "", "period"])
    one = bad[bad["area"] != ""]
    cells = set(zip(one["period"], one["area"], strict=True))
    hit = counts["period"].isin(every) | pd.Series(
        [(p, a) in cells for p, a in zip(counts["period"], counts["area"], strict=True)],
        index=counts.index,
    )
    counts = counts.copy()
    counts.loc[hit, "count"] = np.nan
    return counts
