"""Data intake: categories of a source that vanish for a run of periods or drop in one.

Part of the intake step (:func:`cs360lib.steps.intake.coverage` returns this result as
``Coverage.categories``; :mod:`cs360lib.steps.intake` re-exports it). The flags are those of
:func:`cs360lib.data.coverage.category_flags`, which count series
(:mod:`cs360lib.data.series`) honour too: e.g. Baltimore's Part 1 file has no ``SHOOTING``
and no ``MURDER`` in 2014, a whole year of structural zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.publish.aggregate import MAX_BARS, shown_title, top_with_other
from cs360lib.publish.charts import message_chart
from cs360lib.publish.results import Counts, Result, say_count

__all__ = ["CategoryCoverage"]


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
    # rows of a category in a run: small counts of a rare offense are hidden when published
    count_columns = (
        Counts(("observed",), by=("source", "column", "category", "start"), totals=()),
    )

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
            A bar from the first to the last period of each run, coloured by flag: the
            :data:`~cs360lib.publish.aggregate.MAX_BARS` runs with the most rows expected
            (the title says so when there are more; the table lists all). With nothing
            flagged, a chart holding that sentence.
        """
        data = self.frame.assign(
            what=lambda f: f["source"] + ": " + f["category"].astype(str).str.slice(0, 40)
        )
        if data.empty:  # a sentence where the timeline would be (no axis over no data)
            return message_chart(
                "No category vanishes or drops.", title="Categories that vanish or drop"
            )
        shown = top_with_other(data, label="what", rank=data.get("expected", 0), n=MAX_BARS)
        title = shown_title(
            "Categories that vanish or drop",
            shown=len(shown),
            left_out=len(data) - len(shown),
            what="runs with the most rows expected",
        )
        return (
            alt.Chart(shown, title=title)
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
            for i, row in zip(rows.index[:8], rows.head(8).itertuples(), strict=True):
                expected = f"about {row.expected:,.0f}" if row.expected >= 1 else "fewer than 1"
                if row.flag == "absent":
                    parts.append(
                        f"{row.category} is absent {row.when} ({row.periods} {unit}s; "
                        f"{expected} rows expected at its rate elsewhere)"
                    )
                else:
                    observed = say_count(self.shown("observed", self.frame.index.get_loc(i)))
                    parts.append(
                        f"{row.category} drops {row.when} ({observed} rows where "
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
