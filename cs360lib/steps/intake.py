"""Data intake: what each source holds, what was rejected and why, and where it has holes.

The first notebook of the workbook (``00_data_intake``) is a thin narrative over
these functions. Each takes the :class:`~cs360lib.data.loaders.LoadResult` objects of
an engagement (``cs360lib.load_engagement``) and returns a result object that follows the
library's result contract (:class:`cs360lib.publish.results.Result`): ``.to_frame()``,
``.chart()``, ``.table()``, ``.warnings`` and a plain-language ``.summary()``. Which column
places a kind's rows in time or space, and whether its rows are events, is read from the
schemas (:func:`cs360lib.data.schemas.kind_info`). :func:`source_health` (from
:mod:`cs360lib.steps.source_health`) says first which sources are empty or mostly rejected.

Every result declares its counts (:class:`cs360lib.publish.results.Counts`) and its
record-level columns (``privacy``), so that ``cs.show`` publishes it by the engagement's rules:
counts suppressed, example rows, raw values and ids only in the analyst report. Summaries and
charts accept the published copy (hidden counts missing) and never state a hidden count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from cs360lib.data.coverage import (
    CATEGORY_COLUMNS,
    PERIODIC_KINDS,
    SPIKE_RATIO,
    SPIKE_Z,
    SourceCoverage,
    source_coverage,
)
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import PERIODS, check_period
from cs360lib.data.schemas import field_label, kind_info
from cs360lib.publish.aggregate import time_blocks
from cs360lib.publish.charts import count_axis, heat_map, message_chart
from cs360lib.publish.results import Counts, Result, is_shown, say_count
from cs360lib.steps.intake_areas import AreaCoverage, areas
from cs360lib.steps.intake_categories import CategoryCoverage
from cs360lib.steps.intake_duplicates import DuplicateKeys, duplicate_keys
from cs360lib.steps.source_health import SourceHealth as SourceHealth
from cs360lib.steps.source_health import source_health as source_health

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.publication import Publication

__all__ = [
    "MONTHLY_KINDS",
    "PERIODS",
    "SPIKE_RATIO",
    "SPIKE_Z",
    "AreaCoverage",
    "CategoryCoverage",
    "Coverage",
    "DuplicateKeys",
    "IntakeOverview",
    "MissingValues",
    "Rejections",
    "areas",
    "coverage",
    "duplicate_keys",
    "missing_values",
    "overview",
    "rejections",
]

MONTHLY_KINDS = PERIODIC_KINDS
"""Kinds usually reported once a month: a month without rows is a gap, a week is not."""

LINEAGE = ("source_file", "source_row")


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
    count_columns = (
        Counts(("loaded", "rejected"), by=("source",), rates={"rejected_pct": "rejected"}),
        Counts(("duplicate_keys",), by=("source",), totals=()),
    )
    # Rows read = loaded + rejected, and the loaded rows are added up again by the coverage
    # and area tables: published, rows read would give a hidden number of rejected rows away.
    privacy = {"rows_read": "internal"}

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
                x=alt.X("rows:Q", title="rows", stack="zero", axis=count_axis()),
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
        if self.publication is None:
            read, rejected = int(t["rows_read"].sum()), int(t["rejected"].sum())
            lines = [
                f"{len(t)} sources were read: {read:,} rows in all, of which {rejected:,} "
                f"({_pct(rejected, read):.2f}%) were set aside because they could not be used "
                "as they are."
            ]
        else:  # published: rows read would give a hidden number of rejected rows away
            lines = [
                f"{len(t)} sources were read: {say_count(self.total('loaded'))} rows were loaded "
                f"and {say_count(self.total('rejected'))} were set aside because they could not "
                "be used as they are."
            ]
        for i, row in enumerate(t.itertuples()):
            if is_shown(row.rejected_pct) and row.rejected_pct >= 1.0:
                lines.append(
                    f"- {row.source}: {row.rejected_pct:.1f}% of rows rejected; "
                    "see the rejection table."
                )
            elif not is_shown(row.rejected_pct):
                lines.append(
                    f"- {row.source}: {say_count(self.shown('rejected', i))} rows rejected "
                    "(the exact number is hidden: it is small)."
                )
            if not is_shown(row.duplicate_keys) or row.duplicate_keys:
                lines.append(
                    f"- {row.source}: {say_count(self.shown('duplicate_keys', i))} ids occur "
                    "more than once."
                )
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
    count_columns = (
        Counts(("rows",), by=("source", "column", "problem"), totals=("column", "problem")),
    )
    privacy = {"example_rows": "personal", "example_values": "personal"}

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
            One bar per (source, column, problem) with a count shown; a sentence instead
            when no row was rejected or every count is hidden in the published copy.
        """
        title = "Why rows were rejected"
        rows = pd.to_numeric(self.frame["rows"], errors="coerce")
        if not (rows > 0).any():
            text = (
                "Few rows were rejected: their counts are hidden in this report; the table "
                "names each reason."
                if rows.isna().any()
                else "No row was rejected."
            )
            return message_chart(text, title=title)
        data = self.frame[rows > 0].assign(
            what=lambda f: f["column"].astype(str) + ": " + f["problem"].str.slice(0, 60)
        )
        return (
            alt.Chart(data, title=title)
            .mark_bar(color="#e45756")
            .encode(
                y=alt.Y("what:N", title=None, sort="-x"),
                x=alt.X("rows:Q", title="rows", axis=count_axis()),
                row=alt.Row("source:N", title=None),
                tooltip=["source:N", "column:N", "problem:N", "rows:Q"],
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
        for i, row in enumerate(self.frame.head(10).itertuples()):
            examples = f", e.g. rows {row.example_rows}" if is_shown(row.example_rows) else ""
            lines.append(
                f"- {row.source}, {row.column}: {row.problem} "
                f"({say_count(self.shown('rows', i))} rows{examples})"
            )
        return "\n".join([*lines, *self.warning_lines()])

    def detail(self) -> pd.DataFrame:
        """Return the example rejected rows with every original value (analyst report only).

        Returns
        -------
        pandas.DataFrame
            ``source``, ``source_file``, ``source_row``, ``reason`` and the original columns.
        """
        return self.examples.copy()

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Rejections:
        """Rebuild from published counts; the rejected rows themselves are never published.

        Parameters
        ----------
        frame : pandas.DataFrame
            Published counts (example rows and values emptied).
        publication : Publication
            What was published.

        Returns
        -------
        Rejections
            With ``examples`` empty.
        """
        return dataclasses.replace(
            self, frame=frame, examples=pd.DataFrame(), publication=publication
        )


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
            kind = result.kind
            labels = [
                field_label(kind, c) if isinstance(c, str) and c else c for c in counts["column"]
            ]
            tables.append(counts.assign(source=name, column=labels))
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
        Rows per period and flag (see :meth:`to_frame`).
    period : str
        Period unit.
    categories : CategoryCoverage
        Categories of each source's code column that vanish or drop.
    empty : tuple of str
        Sources with no row that has a date: no period of theirs is covered.
    sources : dict of str to SourceCoverage
        The coverage of each source (:class:`cs360lib.data.coverage.SourceCoverage`), for
        count series (:mod:`cs360lib.data.series`).
    """

    frame: pd.DataFrame
    period: str
    categories: CategoryCoverage | None = None
    empty: tuple[str, ...] = ()
    sources: Mapping[str, SourceCoverage] = field(default_factory=dict)
    labels = {"source": "Source", "period": "Period", "rows": "Rows", "flag": "Flag"}
    count_columns = (Counts(("rows",), by=("source", "period"), totals=("period",)),)

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
            Independent y scales so small sources stay readable. More periods than
            :data:`~cs360lib.publish.charts.MAX_ROWS` are drawn in blocks of k periods
            (:func:`~cs360lib.publish.aggregate.time_blocks`): rows added up, each block marked
            with its most serious flag.
        """
        title = "Rows per {unit}, by source"
        frame = self.frame
        if frame.empty:
            return message_chart(
                "No source has a dated row: there is nothing to draw over time.",
                title=title.format(unit=self.period),
            )
        rows = pd.to_numeric(frame["rows"], errors="coerce")
        hidden = [  # nothing above zero left to draw: a flat line at 0 would be false
            s
            for s, r in rows.groupby(frame["source"], sort=True)
            if r.isna().any() and not (r > 0).any()
        ]
        frame = frame[~frame["source"].isin(hidden)]
        if frame.empty:
            return message_chart(
                f"Every {self.period}ly count is small and hidden in this report.",
                title=title.format(unit=self.period),
            )
        data, block = time_blocks(
            frame,
            order="period",
            by=["source"],
            aggregations={"rows": "sum", "flag": _most_serious_flag},
        )
        unit = self.period if block == 1 else f"{block} {self.period}s"
        base = alt.Chart(data).encode(x=alt.X("period:T", title=None))
        line = base.mark_line(color="#4c78a8").encode(
            y=alt.Y("rows:Q", title=f"rows per {unit}", axis=count_axis())
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
            alt.layer(line, points, data=data)
            .properties(width=620, height=110)
            .facet(
                row=alt.Row("source:N", title=None),
                title=(
                    alt.TitleParams(
                        title.format(unit=unit),
                        subtitle=f"Not drawn: {', '.join(hidden)} (every count small and hidden).",
                    )
                    if hidden
                    else title.format(unit=unit)
                ),
            )
            .resolve_scale(y="independent")
        )

    def summary(self) -> str:
        """Describe the coverage problems in plain language.

        Never says that every period is covered when a source has no dated row: such a
        source is named first, as holding nothing to cover.

        Returns
        -------
        str
            Sources without dated rows, one line per source with flagged periods, and the
            categories that vanish or drop.
        """
        lines = [
            f"- {name}: no row with a date, so none of its {self.period}s is covered."
            for name in self.empty
        ]
        if lines:
            lines.insert(0, "Sources that hold nothing to count (fix them before any trend):")
        flagged = self.flags()
        vanished = self.categories.lines() if self.categories is not None else []
        if self.frame.empty:
            lines.append(
                "No source has dates that place its rows in time; coverage was not checked."
            )
            return "\n".join([*lines, *self.warning_lines()])
        if flagged.empty and not vanished:
            who = "Every other source" if self.empty else "Every source"
            lines.append(
                f"{who} covers every {self.period} of its range (no {self.period} without "
                "rows beyond what its usual volume explains), with no unusual spikes or drops."
            )
            return "\n".join([*lines, *self.warning_lines()])
        if not flagged.empty:
            lines.append("Periods to check before trusting trends:")
        for source, rows in flagged.groupby("source", sort=False):
            parts = []
            for flag, group in rows.groupby("flag", sort=False):
                when = ", ".join(group["period"].dt.strftime("%Y-%m-%d").head(6))
                more = " ..." if len(group) > 6 else ""
                parts.append(f"{len(group)} {flag} {self.period}(s) ({when}{more})")
            lines.append(f"- {source}: " + "; ".join(parts))
        if vanished:
            lines.append(
                "Categories that vanish or drop (structural zeros, not an absence of crime):"
            )
            lines.extend(vanished)
        return "\n".join([*lines, *self.warning_lines()])


_FLAG_ORDER = ("gap", "drop", "spike", "partial")
"""Flags from the most to the least serious, for a chart block that merges periods."""


def _most_serious_flag(flags: pd.Series) -> str:
    present = set(flags)
    known = next((flag for flag in _FLAG_ORDER if flag in present), "")
    return known or next((str(flag) for flag in flags if flag), "")


def coverage(sources: Mapping[str, LoadResult], *, period: str = "month") -> Coverage:
    """Count rows per period for every source that has a time column, and flag the holes.

    The flags are those of :mod:`cs360lib.data.coverage` (the same ones count series
    honour), per source: ``gap`` (no rows in a period inside the range of an event
    source, or in a month of a monthly source such as a survey), ``spike`` / ``drop``
    (the log per-day count is more than :data:`SPIKE_Z` robust standard deviations, and
    :data:`SPIKE_RATIO` times, away from the rolling median of the surrounding periods;
    only for event sources such as incidents, calls and arrests), ``partial`` (the first
    or last period of an event source is only partly covered by the data: a partial last
    month is the usual trap of monthly trends), and, per category of the source's code
    column (offense, call type, charge, survey item, partner metric), ``absent`` (none in
    3 or more consecutive periods while present elsewhere, beyond chance) and ``drop``.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.
    period : {"month", "week", "day"}, default "month"
        Time unit.

    Returns
    -------
    Coverage
        Counts and flags; ``.categories`` holds the category flags and ``.empty`` the
        sources with no dated row.

    Raises
    ------
    ValueError
        If ``period`` is not one of the supported units.
    """
    check_period(period)
    frames, runs, empty, checked = [], [], [], {}
    for name, result in sources.items():
        info = kind_info(result.kind)
        if info.time is None or (info.time not in result.data and len(result.data)):
            continue  # the kind (or this source) does not place rows in time
        found = source_coverage(result, name=name, period=period)
        checked[name] = found
        if found.empty:
            empty.append(name)
            continue
        frames.append(found.periods.assign(source=name))
        if not found.categories.empty:
            runs.append(found.categories.assign(source=name))
    columns = ["source", "period", "rows", "flag"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    category_columns = ["source", *CATEGORY_COLUMNS]
    category_table = (
        pd.concat(runs, ignore_index=True)[category_columns]
        if runs
        else pd.DataFrame(columns=category_columns)
    )
    return Coverage(
        frame=table[columns],
        period=period,
        categories=CategoryCoverage(category_table, period),
        empty=tuple(empty),
        sources=checked,
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
    count_columns = (
        Counts(
            ("missing",),
            by=("source", "column"),
            total="rows",
            totals=(),
            rates={"missing_pct": "missing"},
        ),
    )

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
            has its own row and only its own columns
            (:func:`cs360lib.publish.charts.heat_map`), so the labels have room.
        """
        return heat_map(
            self.frame,
            title="Share of empty values (%)",
            x="column",
            value="missing_pct",
            scale=alt.Scale(scheme="oranges", domain=[0, 100]),
            legend="% empty",
            text_format=".0f",
            other="max",
            tooltip=[
                "source",
                "column",
                "missing",
                "rows",
                alt.Tooltip("missing_pct:Q", format=".1f"),
            ],
        )

    def summary(self) -> str:
        """Name the columns that are often empty.

        Returns
        -------
        str
            Columns more than 5% empty, or a statement that there are none.
        """
        pct = pd.to_numeric(self.frame["missing_pct"], errors="coerce").astype(float)
        high = self.frame.assign(missing_pct=pct)[pct > 5].sort_values(
            "missing_pct", ascending=False
        )
        hidden = self.frame[pct.isna()]
        if high.empty and hidden.empty:
            return "\n".join(["No column is more than 5% empty.", *self.warning_lines()])
        lines = []
        if not high.empty:
            lines.append(
                "Columns more than 5% empty (analyses that need them will use fewer rows):"
            )
            for row in high.head(12).itertuples():
                lines.append(f"- {row.source}, {row.column}: {row.missing_pct:.1f}% empty")
        else:
            lines.append("No column whose share is shown is more than 5% empty.")
        if not hidden.empty:
            names = "; ".join(f"{r.source}, {r.column}" for r in hidden.head(12).itertuples())
            lines.append(
                f"The share of empty values is hidden for {len(hidden)} column(s), because it "
                f"rests on a small count: {names}."
            )
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
                    "column": field_label(result.kind, column),
                    "missing": missing,
                    "rows": len(data),
                    "missing_pct": round(_pct(missing, len(data)), 2),
                }
            )
    return MissingValues(
        pd.DataFrame(rows, columns=["source", "column", "missing", "rows", "missing_pct"])
    )
