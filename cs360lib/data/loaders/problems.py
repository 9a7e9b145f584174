"""The problems found during a load, and the rejected-row table built from them.

Every value that cannot be used is recorded once, with its column, its row (file and
1-based data-row number), its original text and a plain reason. The rejected table and
the strict-mode error are both built from this one log, so they always agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.data.readers import RawTable
from cs360lib.errors import LoadError

__all__ = ["ProblemLog", "as_text", "describe_check", "quote"]

STRING = pd.StringDtype("pyarrow")
UNDECODABLE = "__undecodable__"
"""Column the reader adds for rows whose bytes are not valid in the declared encoding."""


class ProblemLog:
    """The problems found so far in one load.

    Parameters
    ----------
    kind : str
        Kind being loaded (for messages).
    raw : RawTable
        The rows read, with their files and row numbers.
    """

    def __init__(self, kind: str, raw: RawTable) -> None:
        self.kind = kind
        self.raw = raw
        self.n = raw.table.num_rows
        self.names = [n for n in raw.table.column_names if n != UNDECODABLE]
        self.problem_rows: list[np.ndarray] = []
        self.problem_columns: list[str] = []
        self.problem_texts: list[str] = []
        self.problem_values: list[np.ndarray] = []
        self.flagged: dict[str, np.ndarray] = {}
        short = [Path(f).name for f in raw.file_names]
        self.labels = short if len(set(short)) == len(short) else list(raw.file_names)
        self.label_of = dict(zip(raw.file_names, self.labels, strict=True))

    def flag(self, mask: np.ndarray, column: str, problem: str, values: pa.Array | None) -> None:
        """Record a problem for the rows where ``mask`` is true."""
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
        self.flag_at(positions, column, problem, shown)

    def flag_at(self, positions: np.ndarray, column: str, problem: str, shown: np.ndarray) -> None:
        """Record a problem for the rows at ``positions`` with the values shown."""
        if positions.size == 0:
            return
        self.problem_rows.append(positions)
        self.problem_columns.append(column)
        self.problem_texts.append(problem)
        self.problem_values.append(shown)
        if column not in self.flagged:
            self.flagged[column] = np.zeros(self.n, dtype=bool)
        self.flagged[column][positions] = True

    def rejected_mask(self) -> np.ndarray:
        """Rows with at least one problem so far."""
        mask = np.zeros(self.n, dtype=bool)
        for rows in self.problem_rows:
            mask[rows] = True
        return mask

    def problem_frame(self) -> pd.DataFrame:
        """One row per problem (lines the parser could not read included), by file and row."""
        if not self.problem_rows and not self.raw.bad_lines:
            return pd.DataFrame(
                {
                    "source_file": pd.Series(dtype=object),
                    "source_row": pd.Series(dtype="int64"),
                    "column": pd.Series(dtype=object),
                    "problem": pd.Series(dtype=object),
                    "value": pd.Series(dtype=object),
                    "_position": pd.Series(dtype="int64"),
                }
            )
        rows = np.concatenate(self.problem_rows) if self.problem_rows else np.array([], np.int64)
        counts = [r.size for r in self.problem_rows]
        frame = pd.DataFrame(
            {
                "source_file": [self.labels[i] for i in self.raw.files[rows]],
                "source_row": self.raw.rows[rows],
                "column": np.repeat(self.problem_columns, counts) if counts else [],
                "problem": np.repeat(self.problem_texts, counts) if counts else [],
                "value": np.concatenate(self.problem_values) if self.problem_values else [],
                "_position": rows,
            }
        )
        if self.raw.bad_lines:
            bad = pd.DataFrame(
                {
                    "source_file": [self.label_of[b.file] for b in self.raw.bad_lines],
                    "source_row": [b.row if b.row is not None else -1 for b in self.raw.bad_lines],
                    "column": "(line)",
                    "problem": [b.reason for b in self.raw.bad_lines],
                    "value": [b.text for b in self.raw.bad_lines],
                    "_position": -1,
                }
            )
            frame = pd.concat([frame, bad], ignore_index=True)
        return frame.sort_values(["source_file", "source_row"], kind="stable").reset_index(
            drop=True
        )

    def rejected_frame(self, mask: np.ndarray, problems: pd.DataFrame) -> pd.DataFrame:
        """Build the rejected rows: file, row, the reasons, then every original value as text."""
        positions = np.flatnonzero(mask)
        if positions.size == 0 and not self.raw.bad_lines:
            head = {"source_file": [], "source_row": np.array([], dtype=np.int64), "reason": []}
            empty = {name: pd.Series([], dtype=STRING) for name in self.names}
            return pd.DataFrame({**head, **empty}).astype({"source_file": object, "reason": object})
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
        grouped = problems.groupby(["column", "problem"], sort=False)
        for (column, problem), group in grouped:
            rows = ", ".join(str(r) for r in group["source_row"].head(10))
            more = " ..." if len(group) > 10 else ""
            examples = ", ".join(quote(v) for v in pd.unique(group["value"])[:5])
            lines.append(
                f"  column {column}: {problem}: {len(group)} rows (rows {rows}{more}); "
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
