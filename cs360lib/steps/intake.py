"""Data intake: what each source holds, what was rejected and why, and where it has holes.

The first notebook of the workbook (``00_data_intake``) is a thin narrative over
these functions. Each takes the :class:`~cs360lib.data.loaders.LoadResult` objects of
an engagement (``cs360lib.load_engagement``) and returns a result object that follows the
library's result contract (:class:`cs360lib.publish.results.Result`): ``.to_frame()``,
``.chart()``, ``.table()``, ``.warnings`` and a plain-language ``.summary()``. Which column
places a kind's rows in time or space, and whether its rows are events, is read from the
schemas (:func:`cs360lib.data.schemas.kind_info`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.publish.results import Result

SPIKE_RATIO = 2.0
"""A spike or drop must also be at least this factor away from the rolling median (double or
half): data problems (an outage, a batch import) are large, ordinary noise is not."""

MONTHLY_KINDS = ("survey", "partner_metrics")
"""Kinds usually reported once a month: a month without rows is a gap, a week is not."""

LINEAGE = ("source_file", "source_row")
PERIODS = {"month": "M", "week": "W-SUN", "day": "D"}
SPIKE_Z = 3.5
"""Robust z-score of a period's log count (around the rolling median, scaled by the MAD)
above which the period is flagged as a spike or a drop."""


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


# -- overview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeOverview(Result):
    """One row per source: rows read, loaded and rejected, date range, areas and duplicates."""

    frame: pd.DataFrame
    labels = {
        "source": "Source",
        "kind": "Kind",
        "files": "Files",
        "rows_read": "Rows read",
        "loaded": "Loaded",
        "rejected": "Rejected",
        "rejected_pct": "Rejected (%)",
        "first": "First date",
        "last": "Last date",
        "areas": "Areas",
        "duplicate_keys": "Repeated ids",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the overview table.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``kind``, ``files``, ``rows_read``, ``loaded``,
            ``rejected``, ``rejected_pct``, ``first``, ``last`` (dates of the first and
            last row), ``areas``, ``duplicate_keys``.
        """
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Bar chart of loaded and rejected rows per source.

        Returns
        -------
        altair.Chart
            Horizontal stacked bars.
        """
        long = self.frame.melt(
            id_vars="source",
            value_vars=["loaded", "rejected"],
            var_name="status",
            value_name="rows",
        )
        return (
            alt.Chart(long, title="Rows loaded and rejected, by source")
            .mark_bar()
            .encode(
                y=alt.Y("source:N", title=None, sort=list(self.frame["source"])),
                x=alt.X("rows:Q", title="rows", stack="zero"),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(domain=["loaded", "rejected"], range=["#4c78a8", "#e45756"]),
                ),
                tooltip=["source", "status", alt.Tooltip("rows:Q", format=",")],
            )
        )

    def summary(self) -> str:
        """Describe the sources in plain language.

        Returns
        -------
        str
            Totals, and the sources that need attention.
        """
        t = self.frame
        read, rejected = int(t["rows_read"].sum()), int(t["rejected"].sum())
        lines = [
            f"{len(t)} sources were read: {read:,} rows in all, of which {rejected:,} "
            f"({_pct(rejected, read):.2f}%) were set aside because they could not be used "
            "as they are."
        ]
        for row in t.itertuples():
            if row.rejected_pct >= 1.0:
                lines.append(
                    f"- {row.source}: {row.rejected_pct:.1f}% of rows rejected; "
                    "see the rejection table."
                )
            if row.duplicate_keys:
                lines.append(f"- {row.source}: {row.duplicate_keys:,} ids occur more than once.")
        if len(lines) == 1:
            lines.append("No source lost more than 1% of its rows, and no id repeats.")
        return "\n".join([*lines, *self.warning_lines()])


def overview(sources: Mapping[str, LoadResult]) -> IntakeOverview:
    """Summarise every loaded source of an engagement.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.

    Returns
    -------
    IntakeOverview
        One row per source.
    """
    rows = []
    for name, result in sources.items():
        info = kind_info(result.kind)
        column = info.time
        times = (
            result.data[column].dropna()
            if column is not None and column in result.data
            else pd.Series(dtype="datetime64[ns]")
        )
        areas = []
        for area in info.areas:
            if area in result.data:
                areas.append(f"{area}: {result.data[area].nunique()}")
        rows.append(
            {
                "source": name,
                "kind": result.kind,
                "files": len(result.files),
                "rows_read": result.rows_read,
                "loaded": len(result.data),
                "rejected": len(result.rejected),
                "rejected_pct": round(_pct(len(result.rejected), result.rows_read), 2),
                "first": times.min().normalize() if len(times) else pd.NaT,
                "last": times.max().normalize() if len(times) else pd.NaT,
                "areas": ", ".join(areas),
                "duplicate_keys": len(result.duplicates),
            }
        )
    return IntakeOverview(pd.DataFrame(rows))


# -- rejections -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejections(Result):
    """Rejected rows of every source, counted by column and reason."""

    frame: pd.DataFrame
    examples: pd.DataFrame
    labels = {
        "source": "Source",
        "column": "Column",
        "problem": "Problem",
        "rows": "Rows",
        "example_rows": "Example rows",
        "example_values": "Example values",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the counts.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``column``, ``problem``, ``rows``, ``example_rows``,
            ``example_values``.
        """
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Bar chart of rejected rows by source and problem.

        Returns
        -------
        altair.Chart
            One bar per (source, column, problem).
        """
        data = self.frame.assign(what=lambda f: f["column"] + ": " + f["problem"].str.slice(0, 60))
        return (
            alt.Chart(data, title="Why rows were rejected")
            .mark_bar(color="#e45756")
            .encode(
                y=alt.Y("what:N", title=None, sort="-x"),
                x=alt.X("rows:Q", title="rows"),
                row=alt.Row("source:N", title=None),
                tooltip=[  # typed: an empty table (nothing rejected) gives Altair no values
                    "source:N",
                    "column:N",
                    "problem:N",
                    "rows:Q",
                    "example_rows:N",
                    "example_values:N",
                ],
            )
            .resolve_scale(y="independent")
        )

    def summary(self) -> str:
        """Describe the rejections in plain language.

        Returns
        -------
        str
            The main reasons, or a statement that nothing was rejected.
        """
        if self.frame.empty:
            return "\n".join(
                [
                    "Every row of every source was loaded; nothing was rejected.",
                    *self.warning_lines(),
                ]
            )
        lines = ["Rows were set aside for these reasons (the original values are kept for review):"]
        for row in self.frame.head(10).itertuples():
            lines.append(
                f"- {row.source}, {row.column}: {row.problem} "
                f"({row.rows:,} rows, e.g. rows {row.example_rows})"
            )
        return "\n".join([*lines, *self.warning_lines()])


def rejections(sources: Mapping[str, LoadResult], *, examples: int = 5) -> Rejections:
    """Count the rejected rows of every source by column and problem.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.
    examples : int, default 5
        Rejected rows kept per source as examples (with their original values).

    Returns
    -------
    Rejections
        Counts and examples.
    """
    tables, samples = [], []
    for name, result in sources.items():
        counts = result.rejected_by_reason()
        if not counts.empty:
            tables.append(counts.assign(source=name))
            samples.append(result.rejected.head(examples).assign(source=name))
    columns = ["source", "column", "problem", "rows", "example_rows", "example_values"]
    table = (
        pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    )
    example_frame = pd.concat(samples, ignore_index=True) if samples else pd.DataFrame()
    if not example_frame.empty:
        example_frame = example_frame[
            ["source", *[c for c in example_frame.columns if c != "source"]]
        ]
    return Rejections(frame=table, examples=example_frame)


# -- coverage over time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage(Result):
    """Rows per period for each source, with gaps, spikes, drops and partial periods flagged.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per source and period: ``source``, ``period``, ``rows``, ``flag``.
    period : str
        ``"month"``, ``"week"`` or ``"day"``.
    undated : tuple of str
        Sources whose kind places rows in time but that have no row with a date (an empty
        source, or an empty date column): their coverage could not be checked, and the
        summary says so instead of counting them as covered.
    """

    frame: pd.DataFrame
    period: str
    undated: tuple[str, ...] = ()
    labels = {"source": "Source", "period": "Period", "rows": "Rows", "flag": "Flag"}

    def to_frame(self) -> pd.DataFrame:
        """Return the per-period counts.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``period``, ``rows``, ``flag`` (``""``, ``gap``,
            ``spike``, ``drop``, ``partial``).
        """
        return self.frame.copy()

    def flags(self) -> pd.DataFrame:
        """Return only the flagged periods.

        Returns
        -------
        pandas.DataFrame
            Flagged rows of :meth:`to_frame`.
        """
        return self.frame[self.frame["flag"] != ""].reset_index(drop=True)

    def chart(self) -> alt.FacetChart:
        """Line chart of rows per period, one panel per source, flagged periods marked.

        Returns
        -------
        altair.FacetChart
            Independent y scales so small sources stay readable.
        """
        base = alt.Chart(self.frame).encode(x=alt.X("period:T", title=None))
        line = base.mark_line(color="#4c78a8").encode(
            y=alt.Y("rows:Q", title=f"rows per {self.period}")
        )
        points = (
            base.transform_filter(alt.datum.flag != "")
            .mark_point(filled=True, size=60)
            .encode(
                y="rows:Q",
                color=alt.Color(
                    "flag:N",
                    scale=alt.Scale(
                        domain=["gap", "spike", "drop", "partial"],
                        range=["#e45756", "#f58518", "#b279a2", "#9d9d9d"],
                    ),
                ),
                tooltip=["source", alt.Tooltip("period:T"), "rows", "flag"],
            )
        )
        return (
            alt.layer(line, points, data=self.frame)
            .properties(width=620, height=110)
            .facet(row=alt.Row("source:N", title=None), title=f"Rows per {self.period}, by source")
            .resolve_scale(y="independent")
        )

    def summary(self) -> str:
        """Describe the coverage problems in plain language.

        Returns
        -------
        str
            One line per source with flagged periods.
        """
        flagged = self.flags()
        undated = [
            f"- {source}: no row with a date, so its coverage could not be checked."
            for source in self.undated
        ]
        if self.frame.empty:
            lines = ["No source has dates that place its rows in time; coverage was not checked."]
            return "\n".join([*lines, *undated, *self.warning_lines()])
        if flagged.empty:
            checked = self.frame["source"].nunique()
            every = "The source" if checked == 1 else f"Each of the {checked} sources"
            lines = [
                f"{every} with dates has rows in every {self.period} of its range, "
                "with no unusual spikes or drops."
            ]
            return "\n".join([*lines, *undated, *self.warning_lines()])
        lines = []
        for source, rows in flagged.groupby("source", sort=False):
            parts = []
            for flag, group in rows.groupby("flag", sort=False):
                when = ", ".join(group["period"].dt.strftime("%Y-%m-%d").head(6))
                more = " ..." if len(group) > 6 else ""
                parts.append(f"{len(group)} {flag} {self.period}(s) ({when}{more})")
            lines.append(f"- {source}: " + "; ".join(parts))
        return "\n".join(
            ["Periods to check before trusting trends:", *lines, *undated, *self.warning_lines()]
        )


def coverage(sources: Mapping[str, LoadResult], *, period: str = "month") -> Coverage:
    """Count rows per period for every source that has a time column.

    Flags, per source: ``gap`` (no rows in a period inside the range of an event
    source, or in a month of a monthly source such as a survey),
    ``spike`` / ``drop`` (the log per-day count is more than :data:`SPIKE_Z` robust
    standard deviations, and :data:`SPIKE_RATIO` times, away from the rolling median of
    the surrounding periods; only for event sources such as incidents, calls and
    arrests), and ``partial``
    (the first or last period of an event source, such as incidents, is only partly
    covered by the data: a partial last month is the usual trap of monthly trends).

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.
    period : {"month", "week", "day"}, default "month"
        Time unit.

    Returns
    -------
    Coverage
        Counts and flags.

    Raises
    ------
    ValueError
        If ``period`` is not one of the supported units.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {list(PERIODS)}, got {period!r}")
    frames = []
    undated = []
    for name, result in sources.items():
        info = kind_info(result.kind)
        column = info.time
        if column is None:
            continue  # the kind's rows are not placed in time (a roster)
        if column not in result.data or result.data[column].notna().sum() == 0:
            undated.append(name)
            continue
        events = info.event
        gaps = events or (result.kind in MONTHLY_KINDS and period == "month")
        frames.append(
            _coverage_one(name, result.data[column].dropna(), period, events=events, gaps=gaps)
        )
    columns = ["source", "period", "rows", "flag"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return Coverage(frame=table[columns], period=period, undated=tuple(undated))


def _coverage_one(
    name: str, times: pd.Series, period: str, *, events: bool, gaps: bool
) -> pd.DataFrame:
    freq = PERIODS[period]
    periods = times.dt.to_period(freq)
    counts = periods.value_counts().sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=freq)
    counts = counts.reindex(full, fill_value=0)
    flag = np.full(len(counts), "", dtype=object)
    values = counts.to_numpy().astype(float)
    if gaps:
        flag[values == 0] = "gap"
    if events and len(values) >= 7:
        days = np.array([(p.end_time - p.start_time).days + 1 for p in full], dtype=float)
        logs = np.log1p(values / days * days.mean())  # per-day rate: February is not a drop
        centre = pd.Series(logs).rolling(7, center=True, min_periods=3).median().to_numpy()
        deviation = logs - centre
        used = deviation[values > 0]
        mad = np.median(np.abs(used - np.median(used)))
        scale = 1.4826 * mad if mad > 0 else np.nan
        if np.isfinite(scale):
            z = deviation / scale
            big = np.abs(deviation) > np.log(SPIKE_RATIO)
            flag[(z > SPIKE_Z) & big & (flag == "")] = "spike"
            flag[(z < -SPIKE_Z) & big & (flag == "")] = "drop"
    first, last = times.min(), times.max()
    if not events:  # period-stamped kinds (survey, partner metrics) have no partial periods
        pass
    elif first.normalize() > full[0].start_time.normalize():
        flag[0] = "partial"
    if events and last.normalize() < full[-1].end_time.normalize():
        flag[-1] = "partial"
    return pd.DataFrame(
        {"source": name, "period": full.start_time, "rows": counts.to_numpy(), "flag": flag}
    )


# -- missing values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingValues(Result):
    """Share of empty values per source and column."""

    frame: pd.DataFrame
    labels = {
        "source": "Source",
        "column": "Column",
        "missing": "Empty values",
        "rows": "Rows",
        "missing_pct": "Empty (%)",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the missing-value table.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``column``, ``missing``, ``rows``, ``missing_pct``.
        """
        return self.frame.copy()

    def chart(self) -> alt.FacetChart:
        """Heat map of the share missing: one row of cells per source, one cell per column.

        Returns
        -------
        altair.FacetChart
            Rectangles coloured by ``missing_pct`` with the value written in; each source
            has its own row and only its own columns (independent x scales), so the labels
            have room (a single grid of every source by every column would be mostly empty
            and far too wide).
        """
        widest = (
            int(self.frame.groupby("source", sort=False).size().max()) if len(self.frame) else 1
        )
        base = alt.Chart(self.frame).encode(x=alt.X("column:N", title=None, sort=None))
        cells = base.mark_rect(stroke="white").encode(
            color=alt.Color(
                "missing_pct:Q", scale=alt.Scale(scheme="oranges", domain=[0, 100]), title="% empty"
            ),
            tooltip=[
                "source",
                "column",
                "missing",
                "rows",
                alt.Tooltip("missing_pct:Q", format=".1f"),
            ],
        )
        text = base.mark_text(fontSize=11).encode(
            text=alt.Text("missing_pct:Q", format=".0f"),
            color=alt.condition("datum.missing_pct > 60", alt.value("white"), alt.value("#333333")),
        )
        return (
            alt.layer(cells, text)
            .properties(width=44 * widest, height=24)
            .facet(
                row=alt.Row(
                    "source:N",
                    title=None,
                    sort=list(pd.unique(self.frame["source"])),
                    header=alt.Header(labelAngle=0, labelAlign="left"),
                ),
                title="Share of empty values (%)",
                spacing=6,
            )
            .resolve_scale(x="independent")
        )

    def summary(self) -> str:
        """Name the columns that are often empty.

        Returns
        -------
        str
            Columns more than 5% empty, or a statement that there are none.
        """
        high = self.frame[self.frame["missing_pct"] > 5].sort_values("missing_pct", ascending=False)
        if high.empty:
            return "\n".join(["No column is more than 5% empty.", *self.warning_lines()])
        lines = ["Columns more than 5% empty (analyses that need them will use fewer rows):"]
        for row in high.head(12).itertuples():
            lines.append(f"- {row.source}.{row.column}: {row.missing_pct:.1f}% empty")
        return "\n".join([*lines, *self.warning_lines()])


def missing_values(sources: Mapping[str, LoadResult]) -> MissingValues:
    """Measure the share of empty values in every column of every source.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.

    Returns
    -------
    MissingValues
        One row per source and column (lineage columns excluded).
    """
    rows = []
    for name, result in sources.items():
        data = result.data
        for column in data.columns:
            if column in LINEAGE:
                continue
            missing = int(data[column].isna().sum())
            rows.append(
                {
                    "source": name,
                    "column": column,
                    "missing": missing,
                    "rows": len(data),
                    "missing_pct": round(_pct(missing, len(data)), 2),
                }
            )
    return MissingValues(
        pd.DataFrame(rows, columns=["source", "column", "missing", "rows", "missing_pct"])
    )


# -- duplicate keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateKeys(Result):
    """Ids that occur more than once, per source."""

    frame: pd.DataFrame
    labels = {
        "source": "Source",
        "key": "Key",
        "repeated_values": "Repeated ids",
        "extra_rows": "Extra rows",
        "examples": "Examples",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the duplicate-key counts.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``key``, ``repeated_values``, ``extra_rows``, ``examples``.
        """
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Bar chart of the extra rows that repeat a key, per source.

        Returns
        -------
        altair.Chart
            One bar per source.
        """
        return (
            alt.Chart(self.frame, title="Rows that repeat an id")
            .mark_bar(color="#f58518")
            .encode(y=alt.Y("source:N", title=None), x=alt.X("extra_rows:Q", title="extra rows"))
        )

    def summary(self) -> str:
        """Describe repeated ids in plain language.

        Returns
        -------
        str
            One line per source with repeated ids.
        """
        repeated = self.frame[self.frame["repeated_values"] > 0]
        if repeated.empty:
            return "\n".join(["No id repeats in any source.", *self.warning_lines()])
        lines = [
            "Some ids occur more than once (kept; decide whether they are one event or several):"
        ]
        for row in repeated.itertuples():
            lines.append(
                f"- {row.source}: {row.repeated_values:,} values of {row.key} repeat "
                f"({row.extra_rows:,} extra rows), e.g. {row.examples}"
            )
        return "\n".join([*lines, *self.warning_lines()])


def duplicate_keys(sources: Mapping[str, LoadResult]) -> DuplicateKeys:
    """Count repeated ids in every source.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.

    Returns
    -------
    DuplicateKeys
        One row per source.
    """
    rows = []
    for name, result in sources.items():
        duplicates = result.duplicates
        key = "/".join(result.key)
        examples = ""
        if not duplicates.empty:
            examples = ", ".join(
                "/".join(str(v) for v in values)
                for values in duplicates[list(result.key)].head(3).itertuples(index=False)
            )
        rows.append(
            {
                "source": name,
                "key": key,
                "repeated_values": len(duplicates),
                "extra_rows": result.repeat_rows,
                "examples": examples,
            }
        )
    return DuplicateKeys(
        pd.DataFrame(rows, columns=["source", "key", "repeated_values", "extra_rows", "examples"])
    )
