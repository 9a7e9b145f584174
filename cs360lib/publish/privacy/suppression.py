"""Small-cell suppression of published count tables: primary, then complementary.

**Primary suppression.** Every count from 1 to ``min_count - 1`` (the threshold rule of
frequency tables) is hidden and shown as ``"<5"``; 0 is always shown. Totals are counts too:
a small total is hidden like any cell.

**Complementary (secondary) suppression.** Hiding a small cell is not enough when the table
has totals: ``total - published cells`` gives it back. So other cells are hidden (``"x"``)
until no hidden small count can be worked out from everything published: the cells, the
totals, the markers (a ``"<5"`` says 1 to 4, an ``"x"`` at least 5, since 0 is shown) and
other tables of the same counts (linked tables, :func:`suppress_linked`).

The method is the classical one of statistical offices (Hundepool et al. 2012, *Statistical
Disclosure Control*, Wiley, ch. 4 "Frequency tables" and ch. 5 sections on cell suppression;
the tau-ARGUS manual, "Secondary cell suppression"):

1. primary suppression by the threshold rule;
2. for each small cell, in increasing order of value, and each direction (up, down), the
   *attacker's problem* is solved as a linear programme (Fischetti & Salazar-Gonzalez 2000,
   "Models and algorithms for optimizing cell suppression in tabular data with linear
   constraints", JASA 95(451), 916-928): how far can the cell move while every relation
   (total = sum of its cells) and every marker's bound still holds? If the cells hidden so
   far do not give it its *protection interval*, the cheapest set of extra cells that does
   is found by a second linear programme, minimising the total value of the newly hidden
   cells (tau-ARGUS's default cost, the cell value). This is the LP-based heuristic of
   Fischetti & Salazar-Gonzalez (2000); in a 2-D table it picks the same rectangles
   ("hypercubes") as the hypercube method of Repsilber (1994; Giessing & Repsilber 2002,
   tau-ARGUS's GHMITER), but it also covers 1-D, n-D and linked tables.
3. an audit: the attacker's range of every hidden small cell is recomputed by linear
   programming from the published result alone and reported (:meth:`SuppressedTable.audit`).

**Protection criterion.** The protection interval of a small cell of value ``v`` is the
marker's own range, 1 to ``min_count - 1``: the published tables should tell nothing more
than the marker does. Where the table's own structure makes that impossible (two small
cells that add up to a total of 3 can each be only 1 or 2, whatever is hidden), the
interval is the widest that hiding *every* non-zero cell would give. When even that would
pin a count (four cells ``"<5"`` adding up to a total ``"<5"`` are 1 each), the small total
is shown as ``"x"`` (no upper bound given) and the cells it needs are hidden. The guarantee: each
hidden small cell's feasible range, given everything published, contains that interval,
and is at least two values wide ("cannot be pinned to its value"); the property tests check
both against an independent linear programme. For 1-D tables and 2-D tables with margins the
relations form a network matrix (totally unimodular), so the linear-programming range is
also the range of whole counts; for 3 or more dimensions and linked tables the guarantee is
for the linear relaxation, as in tau-ARGUS.

Not covered: tables of the same counts published at different times or over overlapping
groupings that are not margins of one another (e.g. January-March and January-April);
publish such series from one suppressed table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from cs360lib.errors import PrivacyError
from cs360lib.publish.privacy.cells import (
    ALL,
    TOTAL_LABEL,
    CellSystem,
    TableSpec,
    table_spec,
)

__all__ = [
    "SECONDARY_MARKER",
    "SuppressedTable",
    "mask_rates",
    "primary_marker",
    "suppress_counts",
    "suppress_linked",
]

SECONDARY_MARKER = "x"
"""Marker of a cell hidden to protect another (Statistics Canada's and Eurostat's symbol)."""

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
_TOL = 1e-7


def primary_marker(min_count: int) -> str:
    """Return the marker of a hidden small count, e.g. ``"<5"`` for ``min_count=5``."""
    return f"<{min_count}"


def _check_threshold(min_count: int) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, int | np.integer):
        raise PrivacyError(f"min_count must be a whole number, got {min_count!r}")
    if min_count < 0:
        raise PrivacyError(f"min_count {min_count} is negative; use 0 to hide nothing")
    if min_count == 2:
        raise PrivacyError("min_count 2 would show a count of 1 as '<2'; use 3 or more")
    return int(min_count)


# -- the algorithm on a cell system ---------------------------------------------------------


@dataclass
class _Pattern:
    status: np.ndarray  # str per cell
    coarse: np.ndarray  # small cells shown with the secondary marker (no upper bound given)
    low: np.ndarray  # attacker's lower bound (hidden small cells), NaN elsewhere
    high: np.ndarray
    target_low: np.ndarray  # protection interval
    target_high: np.ndarray


class _Solver:
    """Linear programmes over the deviations ``d`` of cells from their true values.

    The attacker's bounds of a hidden cell: 1 to n-1 for a small cell shown as ``"<n"``,
    at least 1 for a small cell shown as ``"x"`` (coarse), at least n for any other cell.
    """

    def __init__(self, system: CellSystem, n: int, primary: np.ndarray) -> None:
        self.n = n
        self.values = system.values.astype(float)
        self.matrix = system.matrix().tocsc()
        self.primary = primary
        self.movable = system.values > 0  # zeros are published and fixed
        self.full = np.zeros(len(primary), dtype=bool)  # protected to the marker's range
        self.related = np.diff(self.matrix.indptr) > 0  # cells that appear in a relation
        self.set_coarse(np.zeros(len(primary), dtype=bool))

    def set_coarse(self, coarse: np.ndarray) -> None:
        """Set which small cells are shown without their upper bound."""
        self.lower = np.where(self.primary, 1.0, float(self.n))
        self.upper = np.where(self.primary & ~coarse, float(self.n - 1), np.inf)

    def _solve(
        self,
        cell: int,
        free: np.ndarray,
        *,
        sense: int,
        fix: float | None = None,
        cap: float | None = None,
        costs: np.ndarray | None = None,
    ) -> tuple[float, np.ndarray | None]:
        """Move ``cell`` in direction ``sense`` with only the ``free`` cells changing.

        Without ``fix``, maximise the move (capped at ``cap``) and return it. With ``fix``,
        move it by exactly ``fix`` at least cost and return the deviations of all cells.
        """
        cells = np.flatnonzero(free)
        position = int(np.searchsorted(cells, cell))
        m = len(cells)
        sub = self.matrix[:, cells]
        keep = np.diff(sub.tocsr().indptr) > 0
        a_eq = sparse.hstack([sub, -sub]).tocsr()[keep]
        v = self.values[cells]
        up = self.upper[cells] - v
        down = v - self.lower[cells]
        bounds: list[tuple[float, float | None]] = [
            (0.0, None if np.isinf(u) else float(u)) for u in up
        ]
        bounds += [(0.0, float(d)) for d in down]
        plus, minus = position, m + position
        moved = plus if sense > 0 else minus
        bounds[minus if sense > 0 else plus] = (0.0, 0.0)
        if fix is None:
            top = bounds[moved][1]
            if cap is not None and np.isfinite(cap):
                top = cap if top is None else min(top, cap)
            bounds[moved] = (0.0, top)
            objective = np.zeros(2 * m)
            objective[moved] = -1.0
        else:
            bounds[moved] = (fix, fix)
            assert costs is not None
            objective = np.concatenate([costs[cells], costs[cells]])
        rows = a_eq.shape[0]
        result = linprog(
            objective,
            A_eq=a_eq if rows else None,
            b_eq=np.zeros(rows) if rows else None,
            bounds=bounds,
            method="highs",
        )
        if result.status == 3:  # unbounded: the cell can move without limit
            return np.inf, None
        if result.status != 0:
            return 0.0, None
        if fix is None:
            return float(result.x[moved]), None
        deviation = np.zeros(len(self.values))
        deviation[cells] = result.x[:m] - result.x[m:]
        return fix, deviation

    def reach(self, cell: int, free: np.ndarray, sense: int, cap: float) -> float:
        """How far ``cell`` can move in direction ``sense`` (at most ``cap``)."""
        if cap <= 0:
            return 0.0
        if not self.related[cell]:  # in no total: only the marker bounds it
            room = (
                self.upper[cell] - self.values[cell]
                if sense > 0
                else (self.values[cell] - self.lower[cell])
            )
            return float(min(room, cap))
        distance, _ = self._solve(cell, free, sense=sense, cap=cap)
        return distance

    def cheapest(self, cell: int, sense: int, distance: float, hidden: np.ndarray) -> np.ndarray:
        """Cells to hide so that ``cell`` can move by ``distance``, at least total value."""
        costs = np.where(hidden, 1e-3, np.maximum(self.values, 1.0))
        _, deviation = self._solve(
            cell, self.movable, sense=sense, fix=distance, costs=costs.astype(float)
        )
        if deviation is None:  # cannot happen: distance was reachable with these cells
            return self.movable.copy()
        return np.abs(deviation) > _TOL


def _protect(
    solver: _Solver, values: np.ndarray, primary: np.ndarray, hidden: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hide more cells until every small cell reaches its protection interval."""
    target_low = np.full(len(values), np.nan)
    target_high = np.full(len(values), np.nan)
    solver.full = np.zeros(len(values), dtype=bool)
    order = sorted(np.flatnonzero(primary), key=lambda c: (values[c], c))
    for cell in order:
        v = float(values[cell])
        reach = {}
        for sense, need in ((+1, (n - 1) - v), (-1, v - 1)):
            reach[sense] = need
            if need <= 0:
                continue
            have = solver.reach(cell, hidden, sense, need)  # small LP: hidden cells only
            if have >= need - _TOL:
                continue
            best = solver.reach(cell, solver.movable, sense, need)
            reach[sense] = best
            if best > have + _TOL:
                hidden |= solver.cheapest(cell, sense, best, hidden)
        target_low[cell] = v - reach[-1]
        target_high[cell] = v + reach[+1]
        # Reached the marker's whole range with hidden cells: the audit needs no LP, since
        # hiding more cells only widens ranges and the marker bounds them.
        solver.full[cell] = (
            reach[-1] >= v - 1 - _TOL
            and reach[+1] >= n - 1 - v - _TOL
            and np.isfinite(solver.upper[cell])
        )
    return target_low, target_high


def _audit(
    solver: _Solver, values: np.ndarray, primary: np.ndarray, hidden: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Compute the attacker's range of every small cell given the hidden cells."""
    low = np.full(len(values), np.nan)
    high = np.full(len(values), np.nan)
    for cell in np.flatnonzero(primary):
        v = float(values[cell])
        if solver.full[cell]:
            low[cell], high[cell] = solver.lower[cell], solver.upper[cell]
            continue
        high[cell] = v + solver.reach(cell, hidden, +1, np.inf)
        low[cell] = v - solver.reach(cell, hidden, -1, np.inf)
    return low, high


def _suppress(system: CellSystem, n: int) -> _Pattern:
    values = system.values
    cells = len(values)
    nan = np.full(cells, np.nan)
    status = np.full(cells, PUBLISHED, dtype=object)
    coarse = np.zeros(cells, dtype=bool)
    if n < 3:
        return _Pattern(status, coarse, nan, nan.copy(), nan.copy(), nan.copy())
    primary = (values >= 1) & (values < n)
    hidden = primary.copy()
    solver = _Solver(system, n, primary)
    target_low, target_high = _protect(solver, values, primary, hidden, n)
    low, high = _audit(solver, values, primary, hidden)
    # The markers alone can give a count away: four cells "<5" adding up to a total "<5"
    # are 1 each. Such a small total is shown as "x" (no upper bound) instead, and the
    # cells it needs to move are hidden too; repeated until no small count is pinned.
    while True:
        pinned = np.flatnonzero(primary & (high - low < 1 - _TOL))
        if not len(pinned):
            break
        widen = np.zeros(cells, dtype=bool)
        for cell in pinned:
            for total, parts in system.relations:
                if cell == total or cell in parts:
                    if primary[total] and not coarse[total]:
                        widen[total] = True
        if not widen.any():  # no small total left to widen: show every small cell as "x"
            widen = primary & ~coarse
        if not widen.any():
            break
        coarse |= widen
        solver.set_coarse(coarse)
        target_low, target_high = _protect(solver, values, primary, hidden, n)
        low, high = _audit(solver, values, primary, hidden)
    status[primary] = PRIMARY
    status[hidden & ~primary] = SECONDARY
    return _Pattern(status, coarse, low, high, target_low, target_high)


# -- results ----------------------------------------------------------------------------------


@dataclass
class SuppressedTable:
    """A count table ready to publish: small counts hidden, totals that give nothing away.

    Attributes
    ----------
    min_count : int
        Counts from 1 to ``min_count - 1`` were hidden.
    marker : str
        Marker of a hidden small count (``"<5"``).
    secondary_marker : str
        Marker of a cell hidden to protect a small one (``"x"``).
    dims : tuple of str
        The table's dimensions.
    form : {"series", "wide", "long"}
        The form of the input, which :meth:`table` and :attr:`mask` keep.

    Notes
    -----
    Only :meth:`table`, :attr:`mask`, :meth:`to_frame`, :meth:`shares`, :attr:`note` and
    :meth:`summary` are for publication; :meth:`audit` holds the true counts and is for the
    department (the analyst report, the records officer).
    """

    min_count: int
    marker: str
    secondary_marker: str
    dims: tuple[str, ...]
    form: str
    _spec: TableSpec = field(repr=False)
    _cells: pd.DataFrame = field(repr=False)  # one row per cell with margins

    # -- publication -----------------------------------------------------------------------
    def table(self) -> pd.Series | pd.DataFrame:
        """Return the table to publish, with its totals, in the form it came in.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Object dtype: whole numbers, :attr:`marker` for hidden small counts and
            :attr:`secondary_marker` for cells hidden to protect them. Totals are labelled
            ``"Total"`` (a last row, and a last column in the wide form).
        """
        shown = self._cells["count"].astype(object).copy()
        markers = self._markers()
        shown[markers.notna()] = markers[markers.notna()]
        return self._shape(shown)

    def _markers(self) -> pd.Series:
        """Return the marker shown in each cell, or None where the count is published."""
        status, coarse = self._cells["status"], self._cells["coarse"]
        markers = pd.Series(None, index=self._cells.index, dtype=object)
        markers[status == PRIMARY] = self.marker
        markers[(status == SECONDARY) | coarse] = self.secondary_marker
        return markers

    @property
    def mask(self) -> pd.Series | pd.DataFrame:
        """True where a cell is hidden; same shape and labels as :meth:`table`."""
        return self._shape(self._cells["status"] != PUBLISHED).astype(bool)

    @property
    def hidden(self) -> int:
        """Number of hidden cells (small and complementary), totals included."""
        return int((self._cells["status"] != PUBLISHED).sum())

    @property
    def note(self) -> str:
        """One sentence per marker used, for the table's footnote ("" when nothing is hidden)."""
        markers = self._markers()
        parts = []
        if (markers == self.marker).any():
            parts.append(
                f"{self.marker}: a count from 1 to {self.min_count - 1}, hidden to protect the "
                "people concerned."
            )
        if (markers == self.secondary_marker).any():
            parts.append(
                f"{self.secondary_marker}: hidden as well, so that the small counts cannot be "
                "worked out from the totals."
            )
        if parts:
            parts.append("Totals include the hidden counts.")
        return " ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """Return the published numbers in long form, for charts and further tables.

        Returns
        -------
        pandas.DataFrame
            One row per cell and total: the dimension columns (``"Total"`` in margins),
            ``count`` (``Int64``, missing where hidden) and ``status`` (``"published"``,
            ``"primary"`` or ``"secondary"``). Build charts from this, never from the
            unsuppressed counts.
        """
        frame = self._labelled()
        frame["count"] = frame["count"].astype("Int64").mask(frame["status"] != PUBLISHED)
        return frame[[*self.dims, "count", "status"]]

    def summary(self) -> str:
        """Say in plain language what was hidden, for a council-facing report."""
        status = self._cells["status"]
        small, other = int((status == PRIMARY).sum()), int((status == SECONDARY).sum())
        if not small:
            return f"No count in this table is between 1 and {self.min_count - 1}; all are shown."
        cells = "count is" if small == 1 else "counts are"
        text = f"{small} {cells} between 1 and {self.min_count - 1} and hidden"
        if other:
            text += (
                f"; {other} more {'is' if other == 1 else 'are'} hidden so that the small "
                f"{'one' if small == 1 else 'ones'} cannot be worked out from the totals"
            )
        return text + "."

    def shares(self, axis: str = "total", decimals: int = 0) -> pd.Series | pd.DataFrame:
        """Percentages of a total, hidden wherever the count or its total is hidden.

        Parameters
        ----------
        axis : {"total", "rows", "columns"}, default "total"
            Denominator: the grand total, each row's total (rows add to 100%) or each
            column's total. ``rows`` and ``columns`` need a 2-D table.
        decimals : int, default 0
            Decimals of the percentages.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Same shape as :meth:`table`: text such as ``"12%"``, or a marker where the
            numerator or the denominator is hidden (a published share of a hidden total
            would give the total back).

        Raises
        ------
        PrivacyError
            If ``axis`` is unknown or needs a 2-D table.
        """
        cells = self._cells
        if axis not in ("total", "rows", "columns"):
            raise PrivacyError(f"axis must be 'total', 'rows' or 'columns', got {axis!r}")
        if not self._spec.margins:
            raise PrivacyError("shares need the totals: suppress the table with margins=True")
        if axis != "total" and len(self.dims) != 2:
            raise PrivacyError(f"axis={axis!r} needs a 2-D table; this one has {self.dims}")
        keys = cells["_key"]
        index = {key: i for i, key in enumerate(keys)}
        counts = cells["count"].to_numpy()
        status = cells["status"].to_numpy()
        markers = self._markers().to_numpy()
        texts = []
        for i, key in enumerate(keys):
            if axis == "total":
                denominator_key = tuple(ALL for _ in key)
            elif axis == "rows":
                denominator_key = (key[0], ALL)
            else:
                denominator_key = (ALL, key[1])
            j = index[denominator_key]
            if isinstance(markers[i], str):
                texts.append(markers[i])
            elif status[j] != PUBLISHED:
                texts.append(self.secondary_marker)
            elif counts[j] == 0:
                texts.append("–")
            else:
                texts.append(f"{100 * counts[i] / counts[j]:.{decimals}f}%")
        return self._shape(pd.Series(texts, index=cells.index, dtype=object))

    # -- for the department ----------------------------------------------------------------
    def audit(self) -> pd.DataFrame:
        """Every cell with its true count, its status and what a reader can infer (internal).

        Returns
        -------
        pandas.DataFrame
            Dimension columns, ``count`` (true), ``status``, ``marker`` (as published), and
            for each hidden small
            count the range ``low``-``high`` that a reader can work out from everything
            published (linear programming), and ``protected_low``-``protected_high``, the
            interval the method guarantees (see the module docstring). Not for publication.
        """
        frame = self._labelled()
        frame["marker"] = self._markers().fillna("")
        columns = ["count", "status", "marker", "low", "high", "protected_low", "protected_high"]
        return frame[[*self.dims, *columns]]

    # -- helpers ----------------------------------------------------------------------------
    def _labelled(self) -> pd.DataFrame:
        frame = self._cells.drop(columns=["_key", "coarse"]).copy()
        for dim in self.dims:
            frame[dim] = [TOTAL_LABEL if k is ALL else k for k in frame[dim]]
        return frame

    def _shape(self, values: pd.Series) -> pd.Series | pd.DataFrame:
        labelled = self._labelled()
        labels = [labelled[d].tolist() for d in self.dims]
        if self.form == "wide":
            extra = [TOTAL_LABEL] if self._spec.margins else []
            rows = [*self._spec.categories[self.dims[0]], *extra]
            cols = [*self._spec.categories[self.dims[1]], *extra]
            wide = pd.DataFrame(
                np.asarray(values.tolist(), dtype=object).reshape(len(rows), len(cols)),
                index=pd.Index(rows, name=self.dims[0]),
                columns=pd.Index(cols, name=self.dims[1]),
            )
            return wide
        if self.form == "series":
            if len(self.dims) == 1:
                index = pd.Index(labels[0], name=self.dims[0])
            else:
                index = pd.MultiIndex.from_arrays(labels, names=list(self.dims))
            return pd.Series(values.tolist(), index=index, name=self._spec.count_name)
        frame = labelled[list(self.dims)].copy()
        frame[self._spec.count_name] = values.tolist()
        return frame.reset_index(drop=True)


def _results(
    system: CellSystem,
    pattern: _Pattern,
    min_count: int,
    marker: str | None,
    secondary_marker: str,
) -> list[SuppressedTable]:
    results = []
    for spec, cells in zip(system.tables, system.table_cells, strict=True):
        positions = [system.dims.index(d) for d in spec.dims]
        idx = np.asarray(cells)
        keys = [tuple(system.keys[c][p] for p in positions) for c in cells]
        frame = pd.DataFrame({d: [k[i] for k in keys] for i, d in enumerate(spec.dims)})
        frame["count"] = system.values[idx]
        frame["status"] = pattern.status[idx]
        frame["coarse"] = pattern.coarse[idx]
        frame["low"] = pattern.low[idx]
        frame["high"] = pattern.high[idx]
        frame["protected_low"] = pattern.target_low[idx]
        frame["protected_high"] = pattern.target_high[idx]
        frame["_key"] = keys
        results.append(
            SuppressedTable(
                min_count=min_count,
                marker=marker or primary_marker(min_count),
                secondary_marker=secondary_marker,
                dims=spec.dims,
                form=spec.form,
                _spec=spec,
                _cells=frame,
            )
        )
    return results


def suppress_counts(
    table: pd.Series | pd.DataFrame,
    min_count: int = 5,
    *,
    dims: Sequence[str] | None = None,
    count: str = "count",
    margins: bool = True,
    marker: str | None = None,
    secondary_marker: str = SECONDARY_MARKER,
) -> SuppressedTable:
    """Hide small counts of a table, and enough other cells that they stay hidden.

    Parameters
    ----------
    table : pandas.Series or pandas.DataFrame
        Interior counts (no totals: they are computed and added) in one of the forms of
        :mod:`cs360lib.publish.privacy.cells`: a series (index = categories, or a
        ``MultiIndex`` with named levels), a wide frame (rows by columns), or a long frame
        with ``dims`` and ``count`` columns. Counts are whole numbers >= 0.
    min_count : int, default 5
        Counts from 1 to ``min_count - 1`` are hidden; 0 and 1 hide nothing. Usually
        ``engagement.publishing.min_count``.
    dims : sequence of str, optional
        Dimension columns of a long frame (any number of dimensions).
    count : str, default "count"
        Count column of a long frame.
    margins : bool, default True
        Publish the table with its totals. Without totals (a chart of counts, a series
        over time) only the small counts themselves are hidden, since nothing adds up to a
        published number; but if the same counts are published elsewhere with totals, use
        :func:`suppress_linked` on both.
    marker : str, optional
        Marker of a hidden small count; default ``"<{min_count}"``.
    secondary_marker : str, default "x"
        Marker of a cell hidden to protect a small one.

    Returns
    -------
    SuppressedTable
        ``.table()`` to publish (with totals), ``.mask``, ``.note``, ``.to_frame()`` for
        charts, ``.shares()`` for percentages, ``.audit()`` for the department.

    Raises
    ------
    PrivacyError
        If ``min_count`` is negative or 2, or the counts are missing, negative or
        fractional, or a category is named ``"Total"``.

    See Also
    --------
    suppress_linked : several tables of the same counts, suppressed together.

    Notes
    -----
    Method and protection criterion: see the module docstring (Hundepool et al. 2012,
    ch. 4-5; Fischetti & Salazar-Gonzalez 2000; tau-ARGUS hypercube method).

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.Series({"Central": 12, "East": 3, "West": 40}, name="robberies")
    >>> suppress_counts(counts).table().tolist()
    [12, '<5', 'x', 55]
    """
    return suppress_linked(
        [table],
        min_count,
        dims=[dims],
        count=count,
        margins=margins,
        marker=marker,
        secondary_marker=secondary_marker,
    )[0]


def suppress_linked(
    tables: Sequence[pd.Series | pd.DataFrame],
    min_count: int = 5,
    *,
    dims: Sequence[Sequence[str] | None] | None = None,
    count: str = "count",
    margins: bool | Sequence[bool] = True,
    marker: str | None = None,
    secondary_marker: str = SECONDARY_MARKER,
) -> list[SuppressedTable]:
    """Suppress several tables of the same counts together, so no table gives another away.

    Tables are linked through their dimension *names*: a table by ``beat`` and a table by
    ``beat`` and ``offense`` share the beat totals, and a cell hidden in one is hidden in the
    other (tau-ARGUS "linked tables"; Hundepool et al. 2012, section 4.4).

    Parameters
    ----------
    tables : sequence of pandas.Series or pandas.DataFrame
        The tables, each in a form accepted by :func:`suppress_counts`, with named
        dimensions (series index names, ``index.name`` / ``columns.name`` of wide frames,
        or ``dims`` columns of long frames).
    min_count : int, default 5
        Counts from 1 to ``min_count - 1`` are hidden.
    dims : sequence of (sequence of str or None), optional
        For each table, its dimension columns if it is a long frame (None otherwise).
    count : str, default "count"
        Count column of long frames.
    margins : bool or sequence of bool, default True
        Whether each table (or all) is published with its totals.
    marker, secondary_marker : str, optional
        As in :func:`suppress_counts`.

    Returns
    -------
    list of SuppressedTable
        One per input table, in order.

    Raises
    ------
    PrivacyError
        As :func:`suppress_counts`, and when two tables give different counts for the same
        cell (they are not of the same counts).
    """
    n = _check_threshold(min_count)
    if not tables:
        raise PrivacyError("give at least one table")
    if dims is None:
        dims = [None] * len(tables)
    if len(dims) != len(tables):
        raise PrivacyError(f"dims has {len(dims)} entries for {len(tables)} tables")
    if isinstance(margins, bool):
        margins = [margins] * len(tables)
    if len(margins) != len(tables):
        raise PrivacyError(f"margins has {len(margins)} entries for {len(tables)} tables")
    specs = [
        table_spec(t, dims=d, count=count, margins=m)
        for t, d, m in zip(tables, dims, margins, strict=True)
    ]
    system = CellSystem.build(specs)
    pattern = _suppress(system, n)
    return _results(system, pattern, n, marker, secondary_marker)


def mask_rates(
    rates: pd.Series | pd.DataFrame,
    numerators: SuppressedTable,
    denominators: SuppressedTable | None = None,
    *,
    decimals: int | None = None,
) -> pd.Series | pd.DataFrame:
    """Hide rates and percentages whose numerator (or denominator) count is hidden.

    Parameters
    ----------
    rates : pandas.Series or pandas.DataFrame
        Rates (e.g. per 1,000 residents) labelled like ``numerators.table()``: the same
        index (and columns), with or without the ``"Total"`` row and column.
    numerators : SuppressedTable
        The suppressed counts the rates were computed from.
    denominators : SuppressedTable, optional
        Suppressed counts used as denominators, when they are counts that are published
        too (a published rate of a hidden count gives the count back).
    decimals : int, optional
        Round the published rates to this many decimals.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Object dtype: the rate, or the numerator's marker where either count is hidden.
        A missing or infinite rate (a zero denominator) becomes ``"–"``.

    Raises
    ------
    PrivacyError
        If a rate has a label that the count table does not have.
    """
    shown = rates.astype(object).copy()
    for source in (numerators, denominators):
        if source is None:
            continue
        if source.form == "long":
            raise PrivacyError(
                "mask_rates needs count tables given as a series or a wide frame, not long"
            )
        mask, table = source.mask, source.table()
        if isinstance(rates, pd.DataFrame) != isinstance(mask, pd.DataFrame):
            raise PrivacyError("rates and counts must both be series or both wide frames")
        try:
            if isinstance(rates, pd.DataFrame):
                hidden = mask.loc[rates.index, rates.columns]
                markers = table.loc[rates.index, rates.columns]
            else:
                hidden = mask.loc[rates.index]
                markers = table.loc[rates.index]
        except KeyError as error:
            raise PrivacyError(f"rates have labels the count table has not: {error}") from None
        shown = shown.mask(hidden.to_numpy(dtype=bool), markers)

    def _format(value: object) -> object:
        if isinstance(value, str):
            return value
        number = float(value)  # type: ignore[arg-type]
        if not np.isfinite(number):
            return "–"
        return round(number, decimals) if decimals is not None else number

    if isinstance(shown, pd.DataFrame):
        return shown.apply(lambda column: column.map(_format)).astype(object)
    return shown.map(_format).astype(object)
