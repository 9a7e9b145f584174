"""Data intake, coverage over place: rows per district and beat, and areas a source lacks.

Part of the intake step (``00_data_intake``; :mod:`cs360lib.steps.intake` re-exports it). A
beat where one source has rows and another has none is a question for the data owner: a
filtered export, a redistricting, a beat code written differently. The result declares its
counts, so that ``cs.show`` publishes it by the engagement's rules; at ``district`` precision
the beat column is dropped and the rows are added up by district.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.data.loaders import LoadResult
from cs360lib.publish.charts import heat_map
from cs360lib.publish.results import Counts, Result, say_count

__all__ = ["AREA_COLUMNS", "UNKNOWN_AREA", "AreaCoverage", "areas"]

AREA_COLUMNS = ("district", "beat")
"""Area columns whose coverage :func:`areas` reports (coarsest first)."""

UNKNOWN_AREA = "(none)"
"""Label of rows without a district or beat."""


@dataclass(frozen=True)
class AreaCoverage(Result):
    """Rows per district and beat, for each source that places its rows in them."""

    frame: pd.DataFrame
    labels = {"source": "Source", "district": "District", "beat": "Beat", "rows": "Rows"}
    count_columns = (Counts(("rows",), by=("source", *AREA_COLUMNS), totals=AREA_COLUMNS),)

    def to_frame(self) -> pd.DataFrame:
        """Return the rows per area.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``district``, ``beat``, ``rows`` (``"(none)"`` for rows without
            the area). Published at ``district`` precision, the beat column is gone and the
            rows are added up by district.
        """
        return self.frame.copy()

    @property
    def level(self) -> str:
        """Return the finest area column (``beat``, or ``district`` once beats are dropped)."""
        return "beat" if "beat" in self.frame.columns else "district"

    def absent(self) -> pd.DataFrame:
        """Areas that some source has rows in and another source has none in.

        Returns
        -------
        pandas.DataFrame
            Columns ``source`` and the finest area column: each area with no rows in that
            source although another source has some there.
        """
        level = self.level
        known = self.frame[self.frame[level] != UNKNOWN_AREA]
        everywhere = sorted(known[level].astype(str).unique())
        rows = []
        for source, group in known.groupby("source", sort=False):
            present = set(group[level].astype(str))
            rows += [{"source": source, level: area} for area in everywhere if area not in present]
        return pd.DataFrame(rows, columns=["source", level])

    def chart(self) -> alt.FacetChart:
        """Heat map of rows per area: one row of cells per source, one cell per area.

        Returns
        -------
        altair.FacetChart
            Rectangles coloured by rows, the count written in; hidden counts are blank.
        """
        level = self.level
        return heat_map(
            self.frame,
            title=f"Rows per {level}, by source",
            x=level,
            value="rows",
            scale=alt.Scale(scheme="blues"),
            legend="rows",
            text_format=",",
            tooltip=["source", f"{level}:N", alt.Tooltip("rows:Q", format=",")],
        )

    def summary(self) -> str:
        """Say which areas each source covers, and where a source has no rows.

        Returns
        -------
        str
            One line per source; the areas with no rows in a source that others cover.
        """
        if self.frame.empty:
            return "\n".join(
                ["No source places its rows in districts or beats.", *self.warning_lines()]
            )
        level = self.level
        lines = [f"Rows per {level}, for the sources that record one:"]
        for source, group in self.frame.groupby("source", sort=False):
            areas = group.loc[group[level] != UNKNOWN_AREA, level].nunique()
            unknown = group[group[level] == UNKNOWN_AREA]
            line = f"- {source}: rows in {areas} {level}s"
            if len(unknown):
                i = int(unknown.index[0])
                line += f"; {say_count(self.shown('rows', i))} rows have no {level}"
            lines.append(line + ".")
        absent = self.absent()
        for source, group in absent.groupby("source", sort=False):
            names = ", ".join(group[level].head(12))
            lines.append(f"- {source} has no rows in {level} {names}, which other sources cover.")
        return "\n".join([*lines, *self.warning_lines()])


def areas(sources: Mapping[str, LoadResult]) -> AreaCoverage:
    """Count rows per district and beat for every source that has those columns.

    A beat with rows in one source and none in another is a question for the data owner (a
    filtered export, a redistricting, a beat code written differently).

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The results of ``load_engagement``.

    Returns
    -------
    AreaCoverage
        One row per source, district and beat.
    """
    frames = []
    for name, result in sources.items():
        data = result.data
        present = [c for c in AREA_COLUMNS if c in data.columns and data[c].notna().any()]
        if not present:
            continue
        keys = (
            pd.DataFrame(
                {c: (data[c].astype(object) if c in data.columns else None) for c in AREA_COLUMNS}
            )
            .fillna(UNKNOWN_AREA)
            .astype(str)
        )
        counts = keys.value_counts(sort=False).rename("rows").reset_index()
        frames.append(counts.assign(source=name))
    columns = ["source", *AREA_COLUMNS, "rows"]
    if not frames:
        return AreaCoverage(pd.DataFrame(columns=columns))
    table = pd.concat(frames, ignore_index=True)[columns]
    table = table.sort_values(["source", *AREA_COLUMNS], kind="stable")
    order = {name: i for i, name in enumerate(sources)}
    table = table.sort_values("source", key=lambda s: s.map(order), kind="stable")
    table["rows"] = table["rows"].astype("int64")
    return AreaCoverage(table.reset_index(drop=True))
