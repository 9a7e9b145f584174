"""Data intake: ids that occur more than once in a source.

Part of the intake step (``00_data_intake``; :mod:`cs360lib.steps.intake` re-exports it). A
repeated id is kept by the loaders (``LoadResult.duplicates``): it may be one event recorded
twice, or several events that share a case number. The result declares its counts, so that
``cs.show`` publishes it by the engagement's rules; the example ids are record-level detail
for the analyst report only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import field_label
from cs360lib.publish.charts import count_axis, message_chart
from cs360lib.publish.results import Counts, Result, is_shown, say_count

__all__ = ["DuplicateKeys", "duplicate_keys"]


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
    count_columns = (Counts(("repeated_values", "extra_rows"), by=("source",), totals=()),)
    privacy = {"examples": "personal"}

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
            One bar per source with extra rows; a sentence instead when no source has any
            (or their counts are hidden in the published copy).
        """
        title = "Rows that repeat an id"
        extra = pd.to_numeric(self.frame["extra_rows"], errors="coerce")
        drawn = self.frame[extra > 0]
        if drawn.empty:
            text = (
                "Few rows repeat an id: their counts are hidden in this report."
                if extra.isna().any()
                else "No id repeats in any source."
            )
            return message_chart(text, title=title)
        return (
            alt.Chart(drawn, title=title)
            .mark_bar(color="#f58518")
            .encode(
                y=alt.Y("source:N", title=None),
                x=alt.X("extra_rows:Q", title="extra rows", axis=count_axis()),
            )
        )

    def summary(self) -> str:
        """Describe repeated ids in plain language.

        Returns
        -------
        str
            One line per source with repeated ids.
        """
        values = self.frame["repeated_values"]
        repeated = [i for i, v in enumerate(values) if not is_shown(v) or v > 0]
        if not repeated:
            return "\n".join(["No id repeats in any source.", *self.warning_lines()])
        lines = [
            "Some ids occur more than once (kept; decide whether they are one event or several):"
        ]
        for i in repeated:
            row = self.frame.iloc[i]
            examples = f", e.g. {row['examples']}" if is_shown(row["examples"]) else ""
            lines.append(
                f"- {row['source']}: {say_count(self.shown('repeated_values', i))} values of "
                f"{row['key']} repeat ({say_count(self.shown('extra_rows', i))} extra rows)"
                f"{examples}"
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
        key = " / ".join(field_label(result.kind, c) for c in result.key)
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
