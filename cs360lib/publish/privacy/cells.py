"""Count tables as a system of cells and additive relations (the model of tabular SDC).

A published count table with margins is a set of cells tied by linear relations: each
total equals the sum of the cells it adds up. Several tables of the same counts (a 1-D table
by beat and a 2-D table by beat and offense) share cells: the beat totals of the 2-D table
*are* the cells of the 1-D table. Suppression has to treat all of them as one system, or a
hidden cell of one table can be recovered from another (differencing). This is the standard
model of tabular statistical disclosure control (Hundepool et al. 2012, *Statistical
Disclosure Control*, Wiley, sections 4.1 and 4.4 "linked tables"; tau-ARGUS manual,
"linked tables").

Accepted forms (each table is converted to one canonical long series keyed by named
dimensions):

- a :class:`pandas.Series` of counts: one dimension (its index; the index name is the
  dimension name) or several (a ``MultiIndex`` with named levels);
- a *wide* :class:`pandas.DataFrame`: rows by columns of counts, two dimensions named by
  ``frame.index.name`` and ``frame.columns.name``;
- a *long* :class:`pandas.DataFrame` with one column per dimension and one column of
  counts (``dims=[...]``, ``count="count"``).

Give the interior cells only: every margin (row, column and grand totals) is computed here
from them, so the published totals always add up. Combinations absent from a long table are
zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from cs360lib.errors import PrivacyError

TOTAL_LABEL = "Total"
"""Label of the margins (totals) in published tables."""

Form = Literal["series", "wide", "long"]


class _Margin:
    """Sentinel for "all categories of this dimension" (a margin) inside cell keys."""

    def __repr__(self) -> str:
        return "<Total>"

    def __lt__(self, other: object) -> bool:  # sorts after every category
        return False


ALL = _Margin()
"""The margin sentinel: a key entry meaning the total over that dimension."""


@dataclass
class TableSpec:
    """One input table in canonical form, with what is needed to give it back in its form.

    Attributes
    ----------
    dims : tuple of str
        Dimension names.
    categories : dict of str to list
        Categories of each dimension, in input order (margins excluded).
    counts : dict of tuple to int
        Interior cells, keyed by one category per dimension.
    form : {"series", "wide", "long"}
        The form the table came in (and goes back out in).
    count_name : str
        Name of the count column (long form) or series.
    """

    dims: tuple[str, ...]
    categories: dict[str, list[Hashable]]
    counts: dict[tuple[Hashable, ...], int]
    form: Form
    count_name: str = "count"
    margins: bool = True

    def keys(self) -> list[tuple[Hashable, ...]]:
        """List every cell of the table with its margins (categories, then total), row-major."""
        extra = [ALL] if self.margins else []
        levels = [[*self.categories[d], *extra] for d in self.dims]
        return list(itertools.product(*levels))

    def extended(self) -> np.ndarray:
        """Return the counts with margins, shape ``(k_1 + 1, ..., k_n + 1)`` (last: total)."""
        shape = tuple(len(self.categories[d]) + 1 for d in self.dims)
        array = np.zeros(shape, dtype=np.int64)
        positions = [{c: i for i, c in enumerate(self.categories[d])} for d in self.dims]
        for key, value in self.counts.items():
            array[tuple(p[k] for p, k in zip(positions, key, strict=True))] = value
        for axis in range(len(shape)):
            head = [slice(None)] * len(shape)
            tail = [slice(None)] * len(shape)
            head[axis] = slice(0, shape[axis] - 1)
            tail[axis] = shape[axis] - 1
            array[tuple(tail)] = array[tuple(head)].sum(axis=axis)
        if not self.margins:
            return array[tuple(slice(0, k - 1) for k in shape)]
        return array


@dataclass
class CellSystem:
    """All cells of one or more linked tables and the relations that tie them.

    Attributes
    ----------
    dims : tuple of str
        Union of the tables' dimensions.
    keys : list of tuple
        One key per cell over ``dims`` (:data:`ALL` where the cell is a total over a
        dimension, or the dimension is not in the table).
    values : numpy.ndarray of int, shape (n_cells,)
        The true counts.
    relations : list of (int, list of int)
        ``(total, parts)``: cell ``total`` equals the sum of the cells ``parts``.
    tables : list of TableSpec
        The input tables.
    table_cells : list of list of int
        For each table, the index of each of its cells (in ``TableSpec.keys()`` order).
    """

    dims: tuple[str, ...]
    keys: list[tuple[Hashable, ...]] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    relations: list[tuple[int, list[int]]] = field(default_factory=list)
    tables: list[TableSpec] = field(default_factory=list)
    table_cells: list[list[int]] = field(default_factory=list)

    @classmethod
    def build(cls, tables: Sequence[TableSpec]) -> CellSystem:
        """Join tables into one system; identical keys are the same cell.

        Raises
        ------
        PrivacyError
            If two tables give different counts for the same cell (they are not tables
            of the same counts, so they cannot be linked).
        """
        dims: list[str] = []
        for table in tables:
            dims += [d for d in table.dims if d not in dims]
        system = cls(tuple(dims))
        index: dict[tuple[Hashable, ...], int] = {}
        values: list[int] = []
        relation_set: set[tuple[int, tuple[int, ...]]] = set()
        for number, table in enumerate(tables):
            positions = [dims.index(d) for d in table.dims]
            local = table.keys()
            flat = table.extended().ravel()
            cells: list[int] = []
            for key, value in zip(local, flat.tolist(), strict=True):
                full: list[Hashable] = [ALL] * len(dims)
                for position, part in zip(positions, key, strict=True):
                    full[position] = part
                global_key = tuple(full)
                if global_key in index:
                    if values[index[global_key]] != value:
                        raise PrivacyError(
                            f"table {number + 1} gives {value} for {_describe(dims, global_key)}"
                            f" but an earlier table gives {values[index[global_key]]}; linked "
                            "tables must be tables of the same counts"
                        )
                else:
                    index[global_key] = len(values)
                    values.append(value)
                    system.keys.append(global_key)
                cells.append(index[global_key])
            system.table_cells.append(cells)
            # Relations: along each dimension, the total is the sum of the categories.
            lookup = dict(zip(local, cells, strict=True))
            for axis, dim in enumerate(table.dims if table.margins else ()):
                for key in local:
                    if key[axis] is not ALL:
                        continue
                    parts = [
                        lookup[key[:axis] + (category,) + key[axis + 1 :]]
                        for category in table.categories[dim]
                    ]
                    relation = (lookup[key], tuple(parts))
                    if relation not in relation_set:
                        relation_set.add(relation)
                        system.relations.append((relation[0], list(relation[1])))
        system.values = np.asarray(values, dtype=np.int64)
        system.tables = list(tables)
        return system

    def matrix(self) -> sparse.csr_matrix:
        """Relations as a sparse matrix ``A`` with ``A @ values == 0``.

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_relations, n_cells)
            +1 for the total of each relation, -1 for each of its parts.
        """
        rows, cols, data = [], [], []
        for row, (total, parts) in enumerate(self.relations):
            rows.append(row)
            cols.append(total)
            data.append(1.0)
            for part in parts:
                rows.append(row)
                cols.append(part)
                data.append(-1.0)
        shape = (len(self.relations), len(self.keys))
        return sparse.csr_matrix((data, (rows, cols)), shape=shape)

    def describe(self, cell: int) -> str:
        """Describe a cell in words, e.g. ``beat=E2, offense=Total``."""
        return _describe(self.dims, self.keys[cell])


def _describe(dims: Sequence[str], key: tuple[Hashable, ...]) -> str:
    return ", ".join(
        f"{d}={TOTAL_LABEL if k is ALL else k}" for d, k in zip(dims, key, strict=True)
    )


def _counts(values: pd.Series, where: str) -> pd.Series:
    """Check that values are whole non-negative counts; return them as int64."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers.fillna(0) % 1 != 0)
    if bad.any():
        examples = ", ".join(f"{i!r}: {values[i]!r}" for i in values.index[bad][:5])
        raise PrivacyError(
            f"{where}: counts must be whole numbers >= 0 (no missing values); found {examples}"
        )
    return numbers.astype(np.int64)


def _check_labels(dim: str, categories: Sequence[Hashable]) -> None:
    if any(isinstance(c, str) and c == TOTAL_LABEL for c in categories):
        raise PrivacyError(
            f"dimension {dim!r} has a category named {TOTAL_LABEL!r}: give the interior "
            "cells only (totals are computed and added here), or rename the category"
        )
    if pd.Index(categories).has_duplicates:
        raise PrivacyError(f"dimension {dim!r} lists a category twice; aggregate first")


def table_spec(
    table: pd.Series | pd.DataFrame,
    *,
    dims: Sequence[str] | None = None,
    count: str = "count",
    margins: bool = True,
) -> TableSpec:
    """Convert a table in any accepted form into a :class:`TableSpec`.

    Parameters
    ----------
    table : pandas.Series or pandas.DataFrame
        A series of counts (one or several named index levels), a wide frame (rows by
        columns), or a long frame with ``dims`` columns and a ``count`` column.
    dims : sequence of str, optional
        Dimension columns of a long frame. Without it a frame is read as wide.
    count : str, default "count"
        Count column of a long frame.
    margins : bool, default True
        Whether the table is published with its totals.

    Returns
    -------
    TableSpec

    Raises
    ------
    PrivacyError
        If counts are missing, negative or fractional, a dimension is unnamed twice, a
        category is named like the margin label, or a long frame lacks a named column.
    """
    if isinstance(table, pd.Series):
        names = [n if n is not None else f"dim{i}" for i, n in enumerate(table.index.names)]
        if len(set(names)) != len(names):
            raise PrivacyError(f"index levels must have distinct names, got {names}")
        if table.index.has_duplicates:
            raise PrivacyError("the series has a repeated index entry; aggregate first")
        values = _counts(table, "series")
        if table.index.nlevels == 1:
            if names == ["dim0"]:
                names = ["category"]
            categories = {names[0]: list(table.index)}
            counts = {(k,): int(v) for k, v in values.items()}
        else:
            categories = {
                name: list(dict.fromkeys(table.index.get_level_values(i)))
                for i, name in enumerate(names)
            }
            counts = {tuple(k): int(v) for k, v in values.items()}
        for dim, cats in categories.items():
            _check_labels(dim, cats)
        return TableSpec(
            tuple(names), categories, counts, "series", str(table.name or count), margins
        )
    if not isinstance(table, pd.DataFrame):
        raise PrivacyError(f"expected a pandas Series or DataFrame, got {type(table).__name__}")
    if dims is None:
        row = table.index.name if table.index.name is not None else "row"
        col = table.columns.name if table.columns.name is not None else "column"
        if row == col:
            raise PrivacyError(f"rows and columns are both named {row!r}; name them apart")
        _check_labels(row, list(table.index))
        _check_labels(col, list(table.columns))
        counts = {}
        for column in table.columns:
            values = _counts(table[column], f"column {column!r}")
            for index, value in values.items():
                counts[(index, column)] = int(value)
        categories = {row: list(table.index), col: list(table.columns)}
        return TableSpec((row, col), categories, counts, "wide", count, margins)
    dims = list(dims)
    missing = [c for c in [*dims, count] if c not in table.columns]
    if missing:
        raise PrivacyError(
            f"the long table has no column {missing}; its columns are {list(table.columns)}"
        )
    if not dims:
        raise PrivacyError("give at least one dimension column in dims")
    if table[dims].isna().any().any():
        bad = table.index[table[dims].isna().any(axis=1)][:5].tolist()
        raise PrivacyError(f"dimension columns {dims} have missing values in rows {bad}")
    if table.duplicated(dims).any():
        bad = table.index[table.duplicated(dims, keep=False)][:5].tolist()
        raise PrivacyError(
            f"rows {bad} repeat the same {dims} combination; aggregate the counts first"
        )
    values = _counts(table[count], f"column {count!r}")
    categories = {d: list(dict.fromkeys(table[d])) for d in dims}
    for dim, cats in categories.items():
        _check_labels(dim, cats)
    counts = {
        tuple(row): int(v)
        for row, v in zip(table[dims].itertuples(index=False), values, strict=True)
    }
    return TableSpec(tuple(dims), categories, counts, "long", count, margins)
