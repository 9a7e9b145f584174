"""Data intake, coverage over time: rows per period, holes, and categories that vanish.

Part of the intake step (:mod:`cs360lib.steps.intake` re-exports everything here): the
result objects over the flags of :mod:`cs360lib.data.coverage`, which count series
(:mod:`cs360lib.data.series`) honour too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from cs360lib.data.coverage import (
    CATEGORY_COLUMNS,
    SPIKE_RATIO,
    SPIKE_Z,
    SourceCoverage,
    source_coverage,
)
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import check_period
from cs360lib.data.schemas import kind_info
from cs360lib.publish.results import Result

__all__ = ["SPIKE_RATIO", "SPIKE_Z", "CategoryCoverage", "Coverage", "coverage"]


@dataclass(frozen=True)
class CategoryCoverage(Result):
    """Categories of a source's code column that vanish for a run of periods or drop in one.

    See :func:`cs360lib.data.coverage.category_flags` for the rules (a Poisson test of the
    run of zeros against the category's rate elsewhere; the robust drop rule of the source
    coverage applied to one category).
    """

    frame: pd.DataFrame
    period: str
    labels = {
        "source": "Source",
        "column": "Column",
        "category": "Category",
        "flag": "Flag",
        "when": "When",
        "start": "First period",
        "end": "Last period",
        "periods": "Periods",
        "observed": "Rows",
        "expected": "Rows expected",
        "p_value": "P value",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return one row per flagged run.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, then :data:`cs360lib.data.coverage.CATEGORY_COLUMNS`
            (``column``, ``category``, ``flag`` (``absent`` or ``drop``), ``start``,
            ``end``, ``periods``, ``observed``, ``expected``, ``p_value``, ``when``).
        """
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Timeline of the flagged runs, one row per source and category.

        Returns
        -------
        altair.Chart
            A bar from the first to the last period of each run, coloured by flag (at most
            a few hundred rows: one per run).
        """
        data = self.frame.assign(
            what=lambda f: f["source"] + ": " + f["category"].astype(str).str.slice(0, 40)
        )
        if data.empty:
            data = pd.DataFrame(
                {"what": ["no category vanishes"], "start": [pd.NaT], "end": [pd.NaT], "flag": [""]}
            )
        return (
            alt.Chart(data, title="Categories that vanish or drop")
            .mark_bar(height=8)
            .encode(
                y=alt.Y("what:N", title=None),
                x=alt.X("start:T", title=None),
                x2="end:T",
                color=alt.Color(
                    "flag:N",
                    scale=alt.Scale(domain=["absent", "drop"], range=["#e45756", "#b279a2"]),
                ),
                tooltip=["what", "flag", "when", "periods", "observed", "expected"],
            )
        )

    def lines(self) -> list[str]:
        """Return one plain-language line per source with flagged categories.

        Returns
        -------
        list of str
            ``"- baltimore: SHOOTING is absent in 2014 (about 650 rows expected at its rate
            elsewhere); ..."``; empty when nothing is flagged.
        """
        out = []
        unit = self.period
        for source, rows in self.frame.groupby("source", sort=False):
            parts = []
            for row in rows.head(8).itertuples():
                expected = f"about {row.expected:,.0f}" if row.expected >= 1 else "fewer than 1"
                if row.flag == "absent":
                    parts.append(
                        f"{row.category} is absent {row.when} ({row.periods} {unit}s; "
                        f"{expected} rows expected at its rate elsewhere)"
                    )
                else:
                    parts.append(
                        f"{row.category} drops {row.when} ({row.observed:,} rows where "
                        f"{expected} were usual)"
                    )
            more = f"; and {len(rows) - 8} more (see the table)" if len(rows) > 8 else ""
            out.append(f"- {source}: " + "; ".join(parts) + more)
        return out

    def summary(self) -> str:
        """Name the categories that vanish or drop, in plain words.

        Returns
        -------
        str
            One line per source, or a statement that no category vanishes.
        """
        if self.frame.empty:
            lines = [
                "No category of any source vanishes for a run of periods or drops on its own "
                "inside the source's range."
            ]
        else:
            lines = [
                "Categories that vanish or drop inside a source's range (a structural zero "
                "drives any trend or evaluation that counts them; treat these periods as "
                "missing, not as no crime):",
                *self.lines(),
            ]
        return "\n".join([*lines, *self.warning_lines()])


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
        frame = self.frame
        if frame.empty:
            frame = pd.DataFrame(
                {"source": ["no dated rows"], "period": [pd.NaT], "rows": [0], "flag": [""]}
            )
        base = alt.Chart(frame).encode(x=alt.X("period:T", title=None))
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
            alt.layer(line, points, data=frame)
            .properties(width=620, height=110)
            .facet(row=alt.Row("source:N", title=None), title=f"Rows per {self.period}, by source")
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
