"""The result of a load: typed rows, rejected rows, problems and repeated keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["LoadResult", "duplicate_keys", "empty_duplicates"]

DUPLICATES_SHOWN = (
    "the data intake report (notebook 00_data_intake, `cs360 run --only 00`) lists them in its "
    "section on ids that occur more than once"
)
"""Where a person sees the repeated keys (said in summaries instead of a Python attribute)."""

LINEAGE = ("source_file", "source_row", "source_column")
"""Columns a loader adds to every row to say where it came from."""


def _empty_adjustments() -> pd.DataFrame:
    return pd.DataFrame(columns=["column", "adjustment", "values"])


@dataclass
class LoadResult:
    """What a loader read: the typed rows, the rejected rows and how many were read.

    Attributes
    ----------
    kind : str
        Kind of source.
    data : pandas.DataFrame
        Validated rows with the kind's canonical columns (typed), the mapping's
        extra columns, and ``source_file`` / ``source_row`` for lineage (and
        ``source_column``, the wide column of the cell, after an unpivot).
    rejected : pandas.DataFrame
        Rows that failed: ``source_file``, ``source_row``, ``reason``, then every
        original source column as text (``raw_line`` for lines that could not be parsed).
    problems : pandas.DataFrame
        One row per problem found (``source_file``, ``source_row``, ``column``,
        ``problem``, ``value``, ``outcome``). ``outcome`` says where the row ended:
        ``rejected`` (the row is in ``.rejected``), ``set missing`` (the row is in
        ``.data`` and only this value of an optional column was made missing) or
        ``superseded`` (an older version of a key under ``duplicates: keep_latest``, in
        ``.rejected``). A rejected row may have several.
    duplicates : pandas.DataFrame
        Keys that occur more than once in ``data``: the key columns, ``count``,
        ``source_rows`` and ``differing_columns`` (the columns whose values differ
        between the rows of the key; empty when they are exact copies).
    rows_read : int
        Source rows read (``len(data) + len(rejected)``). After an unpivot, the long
        rows (one per non-empty cell) plus any line that could not be parsed.
    files : list of str
        Files read.
    mapping : str
        Name of the mapping used.
    key : tuple of str
        Key columns of the duplicate report.
    adjustments : pandas.DataFrame
        Values changed on purpose, not problems: ``column``, ``adjustment``,
        ``values`` (e.g. times converted from a UTC offset to the local time zone,
        local times moved at a daylight-saving change).
    timezone : str or None
        Time zone the datetimes are in (naive local time), when known.
    wide_rows : int or None
        Rows of the wide file before an unpivot (``None`` without one).
    value_columns : list of str
        The wide columns unpivoted into rows.
    cells_skipped : int
        Empty cells of the value columns that made no row
        (``wide_rows * len(value_columns) == rows_read - unparsed lines + cells_skipped``).
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
    adjustments: pd.DataFrame = field(default_factory=_empty_adjustments)
    timezone: str | None = None
    wide_rows: int | None = None
    value_columns: list[str] = field(default_factory=list)
    cells_skipped: int = 0

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

    @property
    def values_set_missing(self) -> int:
        """Values of kept rows that were made missing because they could not be read."""
        if self.problems.empty:
            return 0
        return int((self.problems["outcome"] == "set missing").sum())

    def rejected_by_reason(self) -> pd.DataFrame:
        """Count the problems that rejected rows, by column and problem.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, ``problem``, ``rows``, ``example_rows``, ``example_values``,
            most frequent first (values set missing are in :meth:`missing_by_reason`).
        """
        return _by_reason(self.problems, self.problems["outcome"] != "set missing")

    def missing_by_reason(self) -> pd.DataFrame:
        """Count the values set missing (their rows kept), by column and problem.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, ``problem``, ``rows``, ``example_rows``, ``example_values``,
            most frequent first.
        """
        return _by_reason(self.problems, self.problems["outcome"] == "set missing")

    def summary(self) -> str:
        """Describe the load in a few plain sentences.

        Returns
        -------
        str
            Rows read, kept and rejected, the main reasons, the values set missing,
            the adjustments (time zones), the cells of an unpivot and duplicate keys.
        """
        lines = [
            f"{self.kind} from {self.source} (mapping: {self.mapping}): "
            f"{self.rows_read:,} rows read, {len(self.data):,} loaded, "
            f"{len(self.rejected):,} rejected."
        ]
        if self.wide_rows is not None:
            cells = self.wide_rows * len(self.value_columns)
            lines.append(
                f"  The file's {self.wide_rows:,} rows x {len(self.value_columns):,} value "
                f"columns hold {cells:,} cells: {cells - self.cells_skipped:,} became rows, "
                f"{self.cells_skipped:,} empty cells were skipped."
            )
        for row in self.rejected_by_reason().head(5).itertuples():
            lines.append(
                f"  - {row.rows:,} rows: {row.column}: {row.problem} (rows {row.example_rows})"
            )
        missing = self.missing_by_reason()
        if not missing.empty:
            lines.append(
                f"  {self.values_set_missing:,} values could not be read and were set missing "
                "(their rows are kept):"
            )
            for row in missing.head(5).itertuples():
                lines.append(
                    f"  - {row.rows:,} values: {row.column}: {row.problem} "
                    f"(rows {row.example_rows})"
                )
        for row in self.adjustments.itertuples():
            values = "1 value" if row.values == 1 else f"{row.values:,} values"
            lines.append(f"  {values} of {row.column} {row.adjustment}.")
        if not self.duplicates.empty:
            lines.append(_duplicates_sentence(self))
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - display helper
        return "<pre>" + self.summary() + "</pre>"


def _by_reason(problems: pd.DataFrame, selected: pd.Series) -> pd.DataFrame:
    columns = ["column", "problem", "rows", "example_rows", "example_values"]
    chosen = problems[selected]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    grouped = chosen.groupby(["column", "problem"], sort=False, observed=True)
    table = grouped.agg(
        rows=("source_row", "size"),
        example_rows=("source_row", lambda s: ", ".join(str(v) for v in pd.unique(s)[:10])),
        example_values=("value", lambda s: ", ".join(repr(v) for v in pd.unique(s)[:5])),
    ).reset_index()
    return table.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def _duplicates_sentence(result: LoadResult) -> str:
    table = result.duplicates
    differ = table["differing_columns"].map(len) > 0
    counts: dict[str, int] = {}
    for names in table.loc[differ, "differing_columns"]:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    common = sorted(counts, key=lambda name: -counts[name])[:3]
    how = []
    if differ.any():
        how.append(
            f"{int(differ.sum()):,} of them differ in their values (mostly "
            f"{', '.join(common)}): revised or distinct records"
        )
    if (~differ).any():
        how.append(f"{int((~differ).sum()):,} are exact copies")
    return (
        f"  {len(table):,} values of {'/'.join(result.key)} occur more than once "
        f"({result.repeat_rows:,} repeat rows; {'; '.join(how)}); {DUPLICATES_SHOWN}."
    )


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
        The key columns, ``count``, ``source_rows`` (and ``source_files`` when the
        rows come from several files) and ``differing_columns``: the other columns
        whose values differ between the rows of the key (an empty list when the rows
        are exact copies of each other); empty when every key is unique.
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
    others = [c for c in data.columns if c not in columns and c not in LINEAGE]
    repeated = data.loc[mask, [*columns, *others, "source_row", "source_file"]]
    grouped = repeated.groupby(columns, observed=True, dropna=False, sort=True)
    table = grouped["source_row"].agg(count="size", source_rows=list).reset_index()
    if several:
        files = grouped["source_file"].agg(lambda s: [str(v) for v in s]).reset_index(drop=True)
        table["source_files"] = files.to_numpy()
    if others:
        distinct = grouped[others].nunique(dropna=False).gt(1).to_numpy()
        table["differing_columns"] = [
            [name for name, differs in zip(others, row, strict=True) if differs] for row in distinct
        ]
    else:
        table["differing_columns"] = [[] for _ in range(len(table))]
    return table


def empty_duplicates(key: tuple[str, ...]) -> pd.DataFrame:
    """Return the empty duplicate-key table for a key (no repeated keys)."""
    return pd.DataFrame(columns=[*key, "count", "source_rows", "differing_columns"])
