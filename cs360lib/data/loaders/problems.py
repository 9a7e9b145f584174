"""The problems found during a load, and the rejected-row table built from them.

Every value that cannot be used is recorded once, with its column, its row (file and
1-based data-row number), its original text, a plain reason and its outcome:

- ``rejected``: the row goes to ``.rejected`` (a required column, or a whole-row fault
  such as an undecodable line or a repeated row);
- ``set missing``: only that value becomes missing and the row is kept (an optional
  column: see :func:`cs360lib.data.schemas.required_columns`);
- ``superseded``: the row is an older version of a key kept under
  ``duplicates: keep_latest`` (rejected, but not a fault, so ``strict`` ignores it).

The rejected table and the strict-mode error are both built from this one log, so they
always agree. The log also keeps the load's adjustments (values converted from a UTC
offset, local times moved at a daylight-saving change), which are not problems.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.data.loaders.packed import PackedArray
from cs360lib.data.readers import RawTable
from cs360lib.errors import LoadError

__all__ = [
    "REJECTED",
    "SET_MISSING",
    "SUPERSEDED",
    "ProblemLog",
    "as_text",
    "describe_check",
    "quote",
]

STRING = pd.StringDtype("pyarrow")
UNDECODABLE = "__undecodable__"
"""Column the reader adds for rows whose bytes are not valid in the declared encoding."""

REJECTED = "rejected"
"""Outcome of a problem that sends its row to ``.rejected``."""
SET_MISSING = "set missing"
"""Outcome of a problem that only makes its value missing (optional columns)."""
SUPERSEDED = "superseded"
"""Outcome of an older version of a key under ``duplicates: keep_latest``."""


class ProblemLog:
    """The problems found so far in one load.

    Parameters
    ----------
    kind : str
        Kind being loaded (for messages).
    raw : RawTable
        The rows read, with their files and row numbers.
    optional : set of str, optional
        Columns whose unreadable values are set missing instead of rejecting the row
        (the kind's optional columns and the mapping's extra columns). A problem of any
        other column (required columns, ``(row)``, ``(file)``) rejects its row.
    """

    def __init__(self, kind: str, raw: RawTable, optional: set[str] | None = None) -> None:
        self.kind = kind
        self.raw = raw
        self.n = raw.table.num_rows
        self.optional = set(optional or ())
        self.names = [n for n in raw.table.column_names if n != UNDECODABLE]
        self.problem_rows: list[np.ndarray] = []
        self.problem_columns: list[str] = []
        self.problem_texts: list[str] = []
        self.problem_values: list[np.ndarray] = []
        self.problem_outcomes: list[str] = []
        self.flagged: dict[str, np.ndarray] = {}
        self.adjustments: list[tuple[str, str, int]] = []
        short = [Path(f).name for f in raw.file_names]
        self.labels = short if len(set(short)) == len(short) else list(raw.file_names)
        self.label_of = dict(zip(raw.file_names, self.labels, strict=True))

    def outcome_of(self, column: str) -> str:
        """Return what a problem of ``column`` does: set the value missing or reject the row."""
        return SET_MISSING if column in self.optional else REJECTED

    def flag(
        self,
        mask: np.ndarray,
        column: str,
        problem: str,
        values: pa.Array | PackedArray | None,
        *,
        outcome: str | None = None,
    ) -> None:
        """Record a problem for the rows where ``mask`` is true.

        Parameters
        ----------
        mask : numpy.ndarray of bool, shape (n_rows,)
            Rows with the problem.
        column : str
            Canonical column (or ``(row)``, ``(file)``, a key such as ``call_id``).
        problem : str
            Plain words, read after the column and value ("is not a number").
        values : pyarrow.Array, PackedArray or None
            Values shown in the problem (the source text), one per row.
        outcome : str, optional
            :data:`REJECTED`, :data:`SET_MISSING` or :data:`SUPERSEDED`; by default
            decided by the column (:meth:`outcome_of`).
        """
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        if values is None:
            shown = np.full(positions.size, None, dtype=object)
        else:
            taken = values.take(pa.array(positions))
            if not pa.types.is_string(taken.type):
                taken = pc.cast(taken, pa.string())
            shown = np.asarray(taken.to_pylist(), dtype=object)
        self.flag_at(positions, column, problem, shown, outcome=outcome)

    def flag_at(
        self,
        positions: np.ndarray,
        column: str,
        problem: str,
        shown: np.ndarray,
        *,
        outcome: str | None = None,
    ) -> None:
        """Record a problem for the rows at ``positions`` with the values shown."""
        if positions.size == 0:
            return
        self.problem_rows.append(positions)
        self.problem_columns.append(column)
        self.problem_texts.append(problem)
        self.problem_values.append(shown)
        self.problem_outcomes.append(outcome or self.outcome_of(column))
        if column not in self.flagged:
            self.flagged[column] = np.zeros(self.n, dtype=bool)
        self.flagged[column][positions] = True

    def note(self, column: str, adjustment: str, count: int) -> None:
        """Record an adjustment made to ``count`` values of a column (not a problem)."""
        if count:
            self.adjustments.append((column, adjustment, int(count)))

    def adjustment_frame(self) -> pd.DataFrame:
        """Return the adjustments: columns ``column``, ``adjustment``, ``values``."""
        return pd.DataFrame(self.adjustments, columns=["column", "adjustment", "values"])

    def rejected_mask(self) -> np.ndarray:
        """Rows with at least one problem that rejects the row."""
        mask = np.zeros(self.n, dtype=bool)
        for rows, outcome in zip(self.problem_rows, self.problem_outcomes, strict=True):
            if outcome != SET_MISSING:
                mask[rows] = True
        return mask

    def missing_mask(self, column: str) -> np.ndarray | None:
        """Rows whose value of ``column`` was set missing by a problem (None if none)."""
        mask = None
        for rows, name, outcome in zip(
            self.problem_rows, self.problem_columns, self.problem_outcomes, strict=True
        ):
            if name == column and outcome == SET_MISSING:
                if mask is None:
                    mask = np.zeros(self.n, dtype=bool)
                mask[rows] = True
        return mask

    def problem_frame(self) -> pd.DataFrame:
        """One row per problem (lines the parser could not read included), by file and row."""
        if not self.problem_rows and not self.raw.bad_lines:
            empty = pd.DataFrame(
                {
                    "source_file": pd.Series(dtype=object),
                    "source_row": pd.Series(dtype="int64"),
                    "column": pd.Series(dtype=object),
                    "problem": pd.Series(dtype=object),
                    "value": pd.Series(dtype=object),
                    "outcome": pd.Series(dtype=object),
                    "_position": pd.Series(dtype="int64"),
                }
            )
            return self._with_cells(empty, None)
        rows = np.concatenate(self.problem_rows) if self.problem_rows else np.array([], np.int64)
        counts = [r.size for r in self.problem_rows]
        frame = pd.DataFrame(
            {
                "source_file": [self.labels[i] for i in self.raw.files[rows]],
                "source_row": self.raw.rows[rows],
                "column": np.repeat(self.problem_columns, counts) if counts else [],
                "problem": np.repeat(self.problem_texts, counts) if counts else [],
                "value": np.concatenate(self.problem_values) if self.problem_values else [],
                "outcome": np.repeat(self.problem_outcomes, counts) if counts else [],
                "_position": rows,
            }
        )
        # The outcome says where the row ended: a value "set missing" on a row that is
        # rejected for another reason is part of a rejected row.
        on_rejected = self.rejected_mask()[rows] & (frame["outcome"] == SET_MISSING).to_numpy()
        frame.loc[on_rejected, "outcome"] = REJECTED
        frame = self._with_cells(frame, rows)
        if self.raw.bad_lines:
            bad = pd.DataFrame(
                {
                    "source_file": [self.label_of[b.file] for b in self.raw.bad_lines],
                    "source_row": [b.row if b.row is not None else -1 for b in self.raw.bad_lines],
                    "column": "(line)",
                    "problem": [b.reason for b in self.raw.bad_lines],
                    "value": [b.text for b in self.raw.bad_lines],
                    "outcome": REJECTED,
                    "_position": -1,
                }
            )
            frame = pd.concat([frame, bad], ignore_index=True)
        return frame.sort_values(
            ["source_file", "source_row", "_position"], kind="stable"
        ).reset_index(drop=True)

    def _with_cells(self, frame: pd.DataFrame, positions: np.ndarray | None) -> pd.DataFrame:
        """Insert ``source_column`` after ``source_row`` when the table was unpivoted."""
        cells = self.raw.cell_columns
        if cells is None:
            return frame
        names = np.asarray(self.raw.value_columns + [None], dtype=object)
        if positions is None:
            shown = np.array([], dtype=object)
        else:
            shown = names[cells[positions]]
        frame.insert(2, "source_column", shown)
        return frame

    def rejected_frame(
        self, mask: np.ndarray, problems: pd.DataFrame, originals: pa.Table | None = None
    ) -> pd.DataFrame:
        """Build the rejected rows: file, row, the reasons, then every original value as text.

        Parameters
        ----------
        mask : numpy.ndarray of bool, shape (n_rows,)
            Rows rejected.
        problems : pandas.DataFrame
            :meth:`problem_frame`.
        originals : pyarrow.Table, optional
            Every source column's values at the rejected rows (in order), when the loader
            no longer holds the raw table; by default taken from it.

        Returns
        -------
        pandas.DataFrame
            ``source_file``, ``source_row``, ``reason``, then one text column per source
            column (``raw_line`` for lines that could not be parsed).
        """
        positions = np.flatnonzero(mask)
        if positions.size == 0 and not self.raw.bad_lines:
            head = {"source_file": [], "source_row": np.array([], dtype=np.int64), "reason": []}
            empty = {name: pd.Series([], dtype=STRING) for name in self.names}
            frame = pd.DataFrame({**head, **empty}).astype(
                {"source_file": object, "reason": object}
            )
            return self._with_cells(frame, np.array([], dtype=np.int64))
        if originals is None:
            originals = self.raw.table.select(self.names).take(pa.array(positions, pa.int64()))
        text = pa.table([as_text(c.combine_chunks()) for c in originals.columns], names=self.names)
        values = text.to_pandas(types_mapper={pa.string(): STRING}.get)
        reasons = (
            problems[problems["_position"] >= 0]
            .assign(
                text=lambda f: [
                    _reason(c, v, p)
                    for c, v, p in zip(f["column"], f["value"], f["problem"], strict=True)
                ]
            )
            .groupby("_position")["text"]
            .agg("; ".join)
        )
        head = pd.DataFrame(
            {
                "source_file": [self.labels[i] for i in self.raw.files[positions]],
                "source_row": self.raw.rows[positions],
                "reason": reasons.reindex(positions).to_numpy(),
            }
        )
        head = self._with_cells(head, positions)
        rejected = pd.concat([head, values], axis=1)
        if self.raw.bad_lines:
            bad = pd.DataFrame(
                {
                    "source_file": [self.label_of[b.file] for b in self.raw.bad_lines],
                    "source_row": [b.row if b.row is not None else -1 for b in self.raw.bad_lines],
                    "reason": [b.reason for b in self.raw.bad_lines],
                    "raw_line": [b.text for b in self.raw.bad_lines],
                }
            )
            rejected = pd.concat([rejected, bad], ignore_index=True)
        rejected["source_row"] = rejected["source_row"].astype("int64")
        return rejected.sort_values(["source_file", "source_row"], kind="stable").reset_index(
            drop=True
        )

    def strict_error(self, problems: pd.DataFrame) -> LoadError:
        """One error listing every problem by column: rows, counts and example values."""
        labelled = set(problems["source_file"])
        files = [path for path, label in self.label_of.items() if label in labelled]
        count = (
            problems["_position"].nunique()
            - int((problems["_position"] < 0).any())
            + int((problems["_position"] < 0).sum())
        )
        lines = [f"{', '.join(files)}: {count} rows fail to load as {self.kind}:"]
        grouped = problems.groupby(["column", "problem", "outcome"], sort=False)
        for (column, problem, outcome), group in grouped:
            rows = ", ".join(str(r) for r in group["source_row"].head(10))
            more = " ..." if len(group) > 10 else ""
            examples = ", ".join(quote(v) for v in pd.unique(group["value"])[:5])
            then = " (the value would be set missing)" if outcome == SET_MISSING else ""
            lines.append(
                f"  column {column}: {problem}{then}: {len(group)} rows (rows {rows}{more}); "
                f"examples: {examples}"
            )
        return LoadError(
            "\n".join(lines), file=", ".join(files), problems=problems.drop(columns="_position")
        )


def as_text(array: pa.Array) -> pa.Array:
    """Cast any Arrow array to text (dictionary, null and numeric arrays included)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_dictionary(array.type):
        return pc.cast(array, pa.string())
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), pa.string())
    return pc.cast(array, pa.string())


def _reason(column: str, value: object, problem: str) -> str:
    if column == "(row)":
        return f"{problem} ({value})"
    if column == "(file)":
        return f"{problem} (columns {value})"
    return f"{column} {quote(value)} {problem}"


def quote(value: object) -> str:
    """Show a value in a message: ``(empty)`` for missing, else its repr."""
    return (
        "(empty)"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else repr(value)
    )


BUILTIN_CHECKS: dict[str, str] = {
    "not_nullable": "is missing (required)",
    "field_uniqueness": "repeats a value that must be unique",
}
"""Plain words for the checks pandera runs itself (the schema's own checks carry a message)."""


def describe_check(check: str) -> str:
    """Plain words for a failed schema check, as it appears in pandera's failure cases.

    Every check of :mod:`cs360lib.data.schemas` is written with ``error=`` (e.g.
    ``"is not one of department, ..."``) and pandera reports that message as the check, so it
    is used as it is; only the checks pandera adds itself (nullability, uniqueness) are named
    here.

    Parameters
    ----------
    check : str
        The ``check`` of a pandera failure case.

    Returns
    -------
    str
        A phrase that follows a column and a value: ``lat '95.0' is not a latitude ...``.
    """
    return BUILTIN_CHECKS.get(check, check)
