"""The result of a load: typed rows, rejected rows, problems and repeated keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["LoadResult", "duplicate_keys", "empty_duplicates"]


@dataclass
class LoadResult:
    """What a loader read: the typed rows, the rejected rows and how many were read.

    Attributes
    ----------
    kind : str
        Kind of source.
    data : pandas.DataFrame
        Validated rows with the kind's canonical columns (typed), the mapping's
        extra columns, and ``source_file`` / ``source_row`` for lineage.
    rejected : pandas.DataFrame
        Rows that failed: ``source_file``, ``source_row``, ``reason``, then every
        original source column as text (``raw_line`` for lines that could not be parsed).
    problems : pandas.DataFrame
        One row per problem found (``source_file``, ``source_row``, ``column``,
        ``problem``, ``value``); a rejected row may have several.
    duplicates : pandas.DataFrame
        Keys that occur more than once in ``data``: the key columns, ``count`` and
        ``source_rows``.
    rows_read : int
        Source rows read (``len(data) + len(rejected)``).
    files : list of str
        Files read.
    mapping : str
        Name of the mapping used.
    """

    kind: str
    data: pd.DataFrame
    rejected: pd.DataFrame
    problems: pd.DataFrame
    duplicates: pd.DataFrame
    rows_read: int
    files: list[str] = field(default_factory=list)
    mapping: str = "identity"
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rows_read != len(self.data) + len(self.rejected):  # pragma: no cover - invariant
            raise AssertionError(
                f"loader invariant broken: {self.rows_read} read, {len(self.data)} kept, "
                f"{len(self.rejected)} rejected"
            )

    @property
    def source(self) -> str:
        """Short description of the files read."""
        if len(self.files) == 1:
            return self.files[0]
        return f"{len(self.files)} files in {Path(self.files[0]).parent}" if self.files else ""

    @property
    def repeat_rows(self) -> int:
        """Rows of ``data`` that repeat a key seen on an earlier row."""
        if self.duplicates.empty:
            return 0
        return int(self.duplicates["count"].sum() - len(self.duplicates))

    def rejected_by_reason(self) -> pd.DataFrame:
        """Count the problems by column and problem.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, ``problem``, ``rows``, ``example_rows``, ``example_values``,
            most frequent first.
        """
        if self.problems.empty:
            return pd.DataFrame(
                columns=["column", "problem", "rows", "example_rows", "example_values"]
            )
        grouped = self.problems.groupby(["column", "problem"], sort=False, observed=True)
        table = grouped.agg(
            rows=("source_row", "size"),
            example_rows=("source_row", lambda s: ", ".join(str(v) for v in s.head(10))),
            example_values=("value", lambda s: ", ".join(repr(v) for v in pd.unique(s)[:5])),
        ).reset_index()
        return table.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)

    def summary(self) -> str:
        """Describe the load in a few plain sentences.

        Returns
        -------
        str
            Rows read, kept and rejected, the main reasons, and duplicate keys.
        """
        lines = [
            f"{self.kind} from {self.source} (mapping: {self.mapping}): "
            f"{self.rows_read:,} rows read, {len(self.data):,} loaded, "
            f"{len(self.rejected):,} rejected."
        ]
        for row in self.rejected_by_reason().head(5).itertuples():
            lines.append(
                f"  - {row.rows:,} rows: {row.column}: {row.problem} (rows {row.example_rows})"
            )
        if not self.duplicates.empty:
            lines.append(
                f"  {len(self.duplicates):,} values of {'/'.join(self.key)} occur more than once "
                f"({self.repeat_rows:,} repeat rows; see .duplicates)."
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - display helper
        return "<pre>" + self.summary() + "</pre>"


def duplicate_keys(data: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """Find the keys that occur more than once in the loaded rows.

    Parameters
    ----------
    data : pandas.DataFrame
        Loaded rows with ``source_file`` and ``source_row``.
    key : tuple of str
        Key columns.

    Returns
    -------
    pandas.DataFrame
        The key columns, ``count`` and ``source_rows`` (and ``source_files`` when the
        rows come from several files); empty when every key is unique.
    """
    columns = [k for k in key if k in data.columns]
    if not columns or data.empty:
        return empty_duplicates(key)
    if len(columns) == 1 and isinstance(data[columns[0]].dtype, pd.StringDtype):
        values = pa.array(data[columns[0]].array)
        if values.null_count == 0 and len(values) > 1:
            increasing = pc.all(pc.greater(values.slice(1), values.slice(0, len(values) - 1)))
            if increasing.as_py():  # sorted strictly ascending, so every key is unique
                return empty_duplicates(key)
        if len(pc.unique(values)) == len(values):
            return empty_duplicates(key)
    mask = data.duplicated(subset=columns, keep=False)
    if not mask.any():
        return empty_duplicates(key)
    several = data["source_file"].nunique() > 1
    repeated = data.loc[mask, [*columns, "source_row", "source_file"]]
    grouped = repeated.groupby(columns, observed=True, dropna=False, sort=True)
    table = grouped["source_row"].agg(count="size", source_rows=list).reset_index()
    if several:
        files = grouped["source_file"].agg(lambda s: [str(v) for v in s]).reset_index(drop=True)
        table["source_files"] = files.to_numpy()
    return table


def empty_duplicates(key: tuple[str, ...]) -> pd.DataFrame:
    """Return the empty duplicate-key table for a key (no repeated keys)."""
    return pd.DataFrame(columns=[*key, "count", "source_rows"])
