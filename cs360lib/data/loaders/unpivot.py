"""Wide to long (unpivot, "melt"): one row per non-empty cell of the value columns.

Survey and interview exports (Microsoft Forms, Google Forms, most survey tools) write one
row per respondent and one column per question, with the question text in the header;
the Chicago police sentiment file writes one column per item and demographic group.
A mapping's ``unpivot`` section (:class:`~cs360lib.config.mapping.UnpivotSpec`) turns
such a table into the long form the kinds expect, before any column is mapped:

- the identifier columns (every column that is not unpivoted) repeat on each row;
- the new column ``name`` holds the wide column's header, ``value`` holds the cell;
- each field of the column's entry in ``names`` (the table from column name to
  canonical values, e.g. question text -> CS360 theme) becomes a column too.

Nothing is lost: every (row, value column) cell of the wide table either becomes one
long row or is counted as skipped because it is empty, so
``wide_rows * len(value_columns) == long rows + cells_skipped``. After the unpivot the
loader's ``rows_read`` counts long rows (plus any wide line the parser could not split,
rejected whole); each long row keeps its wide row number (``source_row``) and its wide
column (``source_column``). The reshaping is pandas' ``melt`` done on Arrow arrays.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.config.mapping import UnpivotSpec
from cs360lib.data.loaders.problems import UNDECODABLE, as_text
from cs360lib.data.readers import RawTable
from cs360lib.errors import LoadError

__all__ = ["unpivot", "value_columns"]


def value_columns(names: list[str], spec: UnpivotSpec) -> list[str]:
    """Return the columns an unpivot turns into rows, in the file's order.

    Parameters
    ----------
    names : list of str
        Column names of the wide table.
    spec : UnpivotSpec
        The mapping's ``unpivot`` section.

    Returns
    -------
    list of str
        Columns listed under ``columns``, matched by ``match``, or keys of ``names``.
    """
    listed = set(spec.columns) | set(spec.names)
    pattern = re.compile(spec.match) if spec.match else None
    return [n for n in names if n in listed or (pattern is not None and pattern.search(n))]


def unpivot(raw: RawTable, spec: UnpivotSpec) -> RawTable:
    """Turn a wide raw table into a long one (see the module docstring).

    Parameters
    ----------
    raw : RawTable
        The table as read (wide).
    spec : UnpivotSpec
        The mapping's ``unpivot`` section.

    Returns
    -------
    RawTable
        One row per non-empty cell of the value columns, with ``cell_columns``,
        ``value_columns``, ``wide_rows`` and ``cells_skipped`` set.

    Raises
    ------
    LoadError
        If a listed column is not in the file, no column is selected, a selected column
        has no entry in ``names`` (when ``names`` is given), or a new column would
        replace an identifier column of the file.
    """
    files = ", ".join(raw.file_names[:3]) + (" ..." if len(raw.file_names) > 3 else "")
    names = raw.table.column_names
    absent = [c for c in [*spec.columns, *spec.names] if c not in names]
    if absent:
        raise LoadError(
            f"{files}: unpivot names columns that are not in the file: {absent}. "
            f"Columns in the file: {names[:40]}",
            file=files,
        )
    columns = value_columns([n for n in names if n != UNDECODABLE], spec)
    if not columns:
        raise LoadError(
            f"{files}: unpivot selects no column (match {spec.match!r}). Columns in the file: "
            f"{names[:40]}",
            file=files,
        )
    if spec.names:
        untranslated = [c for c in columns if c not in spec.names]
        if untranslated:
            raise LoadError(
                f"{files}: unpivot columns {untranslated} have no entry in unpivot.names "
                "(give each its canonical values, or leave it out of columns/match)",
                file=files,
            )
    fields = list(dict.fromkeys(f for entry in spec.names.values() for f in entry))
    identifiers = [n for n in names if n not in columns]
    clash = sorted({spec.name, spec.value, *fields} & set(identifiers))
    if clash:
        raise LoadError(
            f"{files}: unpivot would create columns {clash}, which the file already has; "
            "choose other names for unpivot.name, unpivot.value or the names fields",
            file=files,
        )
    n_rows, n_columns = raw.table.num_rows, len(columns)
    cells = [as_text(raw.table.column(c).combine_chunks()) for c in columns]
    present = np.empty((n_rows, n_columns), dtype=bool)
    for j, cell in enumerate(cells):
        trimmed = pc.utf8_trim_whitespace(cell)
        present[:, j] = np.asarray(pc.not_equal(trimmed, "").fill_null(False))
    rows, positions = np.nonzero(present)  # row-major: wide row, then column order
    take_rows = pa.array(rows, pa.int64())
    stacked = pa.concat_arrays(cells) if cells else pa.array([], pa.string())
    arrays = [raw.table.column(c).combine_chunks().take(take_rows) for c in identifiers]
    arrays.append(pa.array(columns, pa.string()).take(pa.array(positions, pa.int64())))
    arrays.append(stacked.take(pa.array(positions.astype(np.int64) * n_rows + rows)))
    for field in fields:
        labels = [_text(spec.names.get(c, {}).get(field)) for c in columns]
        arrays.append(pa.array(labels, pa.string()).take(pa.array(positions, pa.int64())))
    table = pa.table(arrays, names=[*identifiers, spec.name, spec.value, *fields])
    return RawTable(
        table=table,
        files=raw.files[rows],
        rows=raw.rows[rows],
        file_names=raw.file_names,
        bad_lines=raw.bad_lines,
        cell_columns=positions.astype(np.int32),
        value_columns=columns,
        wide_rows=n_rows,
        cells_skipped=int(n_rows * n_columns - rows.size),
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
